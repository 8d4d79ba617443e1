/**
 * Trace events: every layer reports what it does here (DESIGN.md principle 5). The pcapng writer,
 * the CLI tracer, the web lab and the tests all consume the same stream.
 *
 * Emitting is cheap when nobody listens: producers test `tracer.enabled` before building an event
 * object, so the hot path allocates nothing in an untraced run.
 *
 * New event kinds are added by extending `TraceEventMap` (TypeScript declaration merging), e.g.
 * in a protocol module:
 *   declare module "../trace/events.js" { interface TraceEventMap { "rip-update": RipUpdateEvent } }
 */
import type { Nanoseconds } from "../sim/time.js";

/** Fields every event has. */
export interface TraceBase {
  /** Virtual time of the event. */
  time: Nanoseconds;
  /** The node (device) where it happened, if any. */
  node?: string;
}

/** A frame left or arrived at an interface. The frame must not be modified afterwards. */
export interface FrameEvent extends TraceBase {
  node: string;
  /** Interface name, e.g. `eth0`. */
  iface: string;
  frame: Uint8Array;
}

/** Something was dropped: where, at which layer, and why (counted as well). */
export interface DropEvent extends TraceBase {
  /** e.g. `link`, `switch`, `ethernet`, `arp`, `ipv4`, `icmp`, `udp`, `tcp`. */
  layer: string;
  reason: string;
  iface?: string;
  /** The link, for drops on a link (loss, queue overflow, down). */
  link?: string;
  frame?: Uint8Array;
}

/** A frame was queued on a link or interface waiting to be serialized. */
export interface QueueEvent extends TraceBase {
  link: string;
  /** Packets in the queue after this event. */
  depth: number;
  bytes: number;
}

/** An ARP (or NDP) cache entry was resolved. */
export interface NeighborEvent extends TraceBase {
  node: string;
  iface: string;
  address: string;
  mac: string;
}

/** The routing decision for a packet. */
export interface RouteEvent extends TraceBase {
  node: string;
  destination: string;
  /** The matched prefix, or undefined when there was no route. */
  prefix?: string;
  via?: string;
  iface?: string;
}

/** A router forwarded a packet (after TTL decrement). */
export interface ForwardEvent extends TraceBase {
  node: string;
  inIface: string;
  outIface: string;
  destination: string;
  ttl: number;
}

/** A packet was delivered to a local protocol. */
export interface DeliverEvent extends TraceBase {
  node: string;
  protocol: string;
  src: string;
  dst: string;
  length: number;
}

/** A TCP segment sent or received, with the fields a sequence diagram needs. */
export interface TcpSegmentEvent extends TraceBase {
  node: string;
  /** `local:port>remote:port`, identifies the connection. */
  connection: string;
  direction: "out" | "in";
  flags: string;
  seq: number;
  ack: number;
  window: number;
  length: number;
  options: string;
  retransmission?: boolean;
}

/** A TCP connection changed state (RFC 9293 §3.3.2). */
export interface TcpStateEvent extends TraceBase {
  node: string;
  connection: string;
  from: string;
  to: string;
}

/** Congestion-control and RTT variables after an update. */
export interface TcpCongestionEvent extends TraceBase {
  node: string;
  connection: string;
  cwnd: number;
  ssthresh: number;
  srtt?: number;
  rto?: number;
  reason: string;
}

/** Every kind of event, by its `type` tag. Extend by declaration merging. */
export interface TraceEventMap {
  "frame-sent": FrameEvent;
  "frame-received": FrameEvent;
  drop: DropEvent;
  queued: QueueEvent;
  "neighbor-resolved": NeighborEvent;
  "route-lookup": RouteEvent;
  forwarded: ForwardEvent;
  delivered: DeliverEvent;
  "tcp-segment": TcpSegmentEvent;
  "tcp-state": TcpStateEvent;
  "tcp-congestion": TcpCongestionEvent;
}

export type TraceEventType = keyof TraceEventMap;
export type TraceEvent = { [K in TraceEventType]: TraceEventMap[K] & { type: K } }[TraceEventType];
export type TraceListener = (event: TraceEvent) => void;

/** The event bus one simulation shares. */
export class Tracer {
  private listeners: TraceListener[] = [];

  /** True when anyone listens: producers check this before building an event. */
  get enabled(): boolean {
    return this.listeners.length > 0;
  }

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: TraceListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: TraceEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
