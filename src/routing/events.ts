/**
 * Trace events of the routing protocols (DESIGN.md principle 5), added to the shared event map by
 * declaration merging: every protocol message sent or received, every neighbour/adjacency state
 * change, and every route a protocol installs, changes or withdraws — so a learner can watch a
 * route arrive (`trace routing` in the shell) and a test can wait for convergence.
 */
import type { TraceBase } from "../trace/events.js";

/** Which dynamic routing protocol. */
export type RoutingProtocolName = "rip" | "ospf" | "bgp";

/** A protocol message left or arrived (a RIP response, an OSPF Hello, a BGP UPDATE...). */
export interface RoutingMessageEvent extends TraceBase {
  node: string;
  protocol: RoutingProtocolName;
  direction: "in" | "out";
  /** The interface it left or arrived by (BGP: the session's local interface, if known). */
  iface?: string;
  /** The neighbour or group it was sent to / came from, e.g. `224.0.0.5`, `10.0.12.2`. */
  peer: string;
  /** The message type as the RFC names it: `Hello`, `LS Update`, `Response`, `UPDATE`... */
  kind: string;
  /** One line for a learner: what the message says. */
  summary: string;
}

/** A neighbour, adjacency or session changed state (OSPF Init→2-Way→...→Full, BGP Idle→Established). */
export interface RoutingNeighborEvent extends TraceBase {
  node: string;
  protocol: RoutingProtocolName;
  /** The neighbour's router ID or address. */
  neighbor: string;
  iface?: string;
  from: string;
  to: string;
  /** The event that moved it (RFC 2328 §10.2 names, e.g. `HelloReceived`, `ExchangeDone`). */
  reason?: string;
}

/** A protocol installed, changed or withdrew a route in the router's RIB. */
export interface RoutingRouteEvent extends TraceBase {
  node: string;
  protocol: RoutingProtocolName;
  action: "add" | "change" | "remove";
  /** The prefix, e.g. `10.0.3.0/24`. */
  prefix: string;
  /** Next hops as `via 10.0.12.2 eth1`, comma separated (empty on remove). */
  nextHops: string;
  metric: number;
  distance: number;
}

declare module "../trace/events.js" {
  interface TraceEventMap {
    "routing-message": RoutingMessageEvent;
    "routing-neighbor": RoutingNeighborEvent;
    "routing-route": RoutingRouteEvent;
  }
}
