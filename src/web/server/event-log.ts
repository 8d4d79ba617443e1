/**
 * The lab's history as the page sees it: every trace event of the simulation (src/trace/events.ts)
 * turned into a {@link LabEvent} (a sequence number, a protocol for colouring, one summary line,
 * the TCP connection it belongs to, numbers for plots) and appended to a bounded log; and the
 * bytes of every frame, kept so the page can open one (`get-packet`) and download the capture.
 *
 * Memory is bounded twice: at most `maxEvents` events (200 000 by default) and at most
 * `maxFrameBytes` bytes of frames (64 MiB); the oldest go first. The page is told the oldest
 * sequence number still kept (`firstSeq`), and a frame that was forgotten answers "no longer kept".
 */
import type { TraceEvent, Tracer } from "../../trace/events.js";
import { packetLabel, TcpNumbering } from "../../trace/views/labels.js";
import { type PacketSummary, summarizeFrame } from "../../trace/views/packets.js";
import { messageDetail } from "../../trace/views/routing-log.js";
import type { LabEvent, LabEventType, LabProtocol } from "../protocol.js";

export const DEFAULT_MAX_EVENTS = 200_000;
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** A frame kept for `get-packet` and the capture. */
export interface FrameRecord {
  id: number;
  bytes: Uint8Array;
  /** Where it was seen first (the sender's interface, or the receiver's for a changed copy). */
  node: string;
  iface: string;
  time: number;
  /** The event that recorded it. */
  seq: number;
  direction: "out" | "in";
}

/** A frame seen at an interface, for the capture: one per frame-sent/frame-received event. */
export interface CaptureRecord {
  frameId: number;
  node: string;
  iface: string;
  time: number;
  direction: "out" | "in";
}

export interface EventLogOptions {
  maxEvents?: number;
  maxFrameBytes?: number;
  /** Link name (as the network names it) → the id the page uses. */
  linkId?: (name: string) => string | undefined;
  /** The link an interface is plugged into (its id), for frame events. */
  linkAt?: (node: string, iface: string) => string | undefined;
}

/** `a>b` (a TCP trace connection) or two endpoints → the direction-free id `lower<>higher`. */
export function connectionId(a: string, b: string): string {
  return a < b ? `${a}<>${b}` : `${b}<>${a}`;
}

function endpoint(address: string | undefined, port: number, version: 4 | 6 | undefined): string {
  return version === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The protocol a frame is coloured by: the highest layer recognised. */
export function protocolOf(packet: PacketSummary): LabProtocol {
  if (packet.arp) return "arp";
  // OSPF is IP protocol 89 (RFC 2328 §A.1).
  if (packet.ipVersion === 4 && packet.ipProtocol === 89) return "ospf";
  if (packet.tcp) {
    const { srcPort, dstPort, length } = packet.tcp;
    if (srcPort === 53 || dstPort === 53) return "dns";
    if (srcPort === 179 || dstPort === 179) return "bgp"; // RFC 4271 §8.2.1: BGP listens on TCP 179
    const web = [80, 8080, 8000, 443];
    if (length > 0 && (web.includes(srcPort) || web.includes(dstPort))) return "http";
    return "tcp";
  }
  if (packet.udp) {
    const { srcPort, dstPort } = packet.udp;
    if (srcPort === 53 || dstPort === 53 || srcPort === 5353 || dstPort === 5353) return "dns";
    if ([67, 68, 546, 547].includes(srcPort) || [67, 68, 546, 547].includes(dstPort)) return "dhcp";
    if (srcPort === 520 || dstPort === 520) return "rip"; // RFC 2453 §3.9.1: RIP's port
    return "udp";
  }
  if (packet.icmp) {
    // RFC 4861 §4: types 133-137 are Neighbor Discovery.
    if (packet.ipVersion === 6) return packet.icmp.type >= 133 && packet.icmp.type <= 137 ? "ndp" : "icmpv6";
    return "icmp";
  }
  if (packet.ipVersion === 4) return "ipv4";
  if (packet.ipVersion === 6) return "ipv6";
  return packet.srcMac ? "ethernet" : "other";
}

export class EventLog {
  readonly maxEvents: number;
  readonly maxFrameBytes: number;
  private readonly ring: (LabEvent | undefined)[];
  /** Sequence number of the next event. */
  private nextSeq = 0;
  private nextFrameId = 1;
  /** The frame-sent id of each frame object in flight, so receptions point back to it. */
  private readonly sentIds = new WeakMap<Uint8Array, number>();
  private readonly frames = new Map<number, FrameRecord>();
  private frameBytes = 0;
  /** Capture records in order, evicted with their frames. */
  private readonly captured: CaptureRecord[] = [];
  private capturedStart = 0;
  private readonly numbering = new TcpNumbering();
  private readonly described = new WeakMap<
    Uint8Array,
    { packet: PacketSummary; protocol: LabProtocol; summary: string }
  >();
  private readonly unsubscribe: () => void;
  private readonly linkId: (name: string) => string | undefined;
  private readonly linkAt: (node: string, iface: string) => string | undefined;
  /** Called after events are appended (the server schedules a flush). */
  onAppend: (() => void) | undefined;

  constructor(
    tracer: Tracer,
    private readonly now: () => number,
    options: EventLogOptions = {},
  ) {
    this.maxEvents = Math.max(1, options.maxEvents ?? DEFAULT_MAX_EVENTS);
    this.maxFrameBytes = Math.max(1, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.ring = new Array(this.maxEvents);
    this.linkId = options.linkId ?? ((name) => name);
    this.linkAt = options.linkAt ?? (() => undefined);
    this.unsubscribe = tracer.subscribe((event) => this.record(event));
  }

  stop(): void {
    this.unsubscribe();
  }

  /** The oldest sequence number still kept. */
  get firstSeq(): number {
    return Math.max(0, this.nextSeq - this.maxEvents);
  }

  /** The sequence number the next event will get (the count of events ever recorded). */
  get endSeq(): number {
    return this.nextSeq;
  }

  /** Events from `from` (clamped to what is kept), at most `limit`. */
  slice(from: number, limit: number): LabEvent[] {
    const start = Math.max(from, this.firstSeq);
    const end = Math.min(this.nextSeq, start + limit);
    const out: LabEvent[] = [];
    for (let seq = start; seq < end; seq++) out.push(this.ring[seq % this.maxEvents] as LabEvent);
    return out;
  }

  /** The event with this sequence number, if still kept. */
  event(seq: number): LabEvent | undefined {
    if (seq < this.firstSeq || seq >= this.nextSeq) return undefined;
    return this.ring[seq % this.maxEvents];
  }

  frame(id: number): FrameRecord | undefined {
    return this.frames.get(id);
  }

  /** Every frame-sent/frame-received still kept, oldest first (for the pcapng download). */
  *captureRecords(): Iterable<CaptureRecord & { bytes: Uint8Array }> {
    for (let i = this.capturedStart; i < this.captured.length; i++) {
      const record = this.captured[i];
      const frame = this.frames.get(record.frameId);
      if (frame) yield { ...record, bytes: frame.bytes };
    }
  }

  /** Appends an event made outside the trace (edits, commands). */
  append(event: Omit<LabEvent, "seq" | "time"> & { time?: number }): LabEvent {
    const full = { ...event, seq: this.nextSeq, time: event.time ?? this.now() } as LabEvent;
    this.ring[this.nextSeq % this.maxEvents] = full;
    this.nextSeq++;
    this.onAppend?.();
    return full;
  }

  private keepFrame(
    bytes: Uint8Array,
    node: string,
    iface: string,
    time: number,
    direction: "out" | "in",
  ): number {
    const id = this.nextFrameId++;
    // A copy: frames are views into 16 KiB slabs (src/net/frame-pool.ts), and keeping the view
    // would keep its whole slab alive.
    const copy = bytes.slice();
    this.frames.set(id, { id, bytes: copy, node, iface, time, seq: this.nextSeq, direction });
    this.frameBytes += copy.length;
    // Maps iterate in insertion order: the oldest frames go first.
    // Within the byte budget, and no more frames than events kept (older ones have no event left).
    while (
      (this.frameBytes > this.maxFrameBytes || this.frames.size > this.maxEvents) &&
      this.frames.size > 1
    ) {
      const [oldest, record] = this.frames.entries().next().value as [number, FrameRecord];
      this.frames.delete(oldest);
      this.frameBytes -= record.bytes.length;
    }
    return id;
  }

  private capture(record: CaptureRecord): void {
    this.captured.push(record);
    // Forget capture records whose frames are gone or that are older than the history; compact now and then.
    if (this.captured.length - this.capturedStart > this.maxEvents) this.capturedStart++;
    while (
      this.capturedStart < this.captured.length &&
      !this.frames.has(this.captured[this.capturedStart].frameId)
    )
      this.capturedStart++;
    if (this.capturedStart > 1024 && this.capturedStart * 2 > this.captured.length) {
      this.captured.splice(0, this.capturedStart);
      this.capturedStart = 0;
    }
  }

  private frameEvent(
    type: "frame-sent" | "frame-received",
    node: string,
    iface: string,
    frame: Uint8Array,
    time: number,
  ): Omit<LabEvent, "seq"> {
    // A frame object is summarised once, however many ports a switch floods it to.
    let described = this.described.get(frame);
    if (!described) {
      const packet = summarizeFrame(frame);
      this.numbering.learn(packet);
      described = { packet, protocol: protocolOf(packet), summary: this.frameSummary(packet, frame.length) };
      this.described.set(frame, described);
    }
    const packet = described.packet;
    const direction = type === "frame-sent" ? "out" : "in";
    let frameId: number;
    let sentFrameId: number | undefined;
    if (type === "frame-sent") {
      frameId = this.keepFrame(frame, node, iface, time, direction);
      this.sentIds.set(frame, frameId);
    } else {
      sentFrameId = this.sentIds.get(frame);
      // The same bytes that were sent: the same frame. Otherwise (a copy, a corrupted bit) its own.
      frameId =
        sentFrameId !== undefined && this.frames.has(sentFrameId)
          ? sentFrameId
          : this.keepFrame(frame, node, iface, time, direction);
    }
    this.capture({ frameId, node, iface, time, direction });
    const event: Omit<LabEvent, "seq"> = {
      time,
      type,
      node,
      iface,
      frameId,
      protocol: described.protocol,
      summary: described.summary,
      values: { bytes: frame.length },
    };
    if (sentFrameId !== undefined) event.sentFrameId = sentFrameId;
    const link = this.linkAt(node, iface);
    if (link !== undefined) event.link = link;
    if (packet.tcp) {
      event.connection = connectionId(
        endpoint(packet.ipSrc, packet.tcp.srcPort, packet.ipVersion),
        endpoint(packet.ipDst, packet.tcp.dstPort, packet.ipVersion),
      );
      event.flags = packet.tcp.flags.join(",");
      event.values = {
        bytes: frame.length,
        seq: packet.tcp.seq,
        ack: packet.tcp.ack,
        window: packet.tcp.window,
        length: packet.tcp.length,
      };
    }
    if (packet.ttl !== undefined) event.values = { ...event.values, ttl: packet.ttl };
    return event;
  }

  /** One line like Wireshark's Info column, with the addresses in front. */
  private frameSummary(packet: PacketSummary, length: number): string {
    const tcp = packet.tcp;
    if (tcp) {
      const parts = [
        `${endpoint(packet.ipSrc, tcp.srcPort, packet.ipVersion)} → ${endpoint(packet.ipDst, tcp.dstPort, packet.ipVersion)}`,
        `[${tcp.flags.join(", ") || "none"}]`,
        `seq=${this.numbering.seq(packet, tcp)}`,
      ];
      if (tcp.flags.includes("ACK")) parts.push(`ack=${this.numbering.ack(packet, tcp)}`);
      parts.push(`win=${tcp.window}`);
      if (tcp.length > 0) parts.push(`len=${tcp.length}`);
      if (tcp.mss !== undefined) parts.push(`mss=${tcp.mss}`);
      return parts.join(" ");
    }
    const label = packetLabel(packet, this.numbering);
    if (packet.ipSrc !== undefined && !packet.arp) return `${packet.ipSrc} → ${packet.ipDst} ${label}`;
    if (packet.arp) return label;
    return `${label} (${length} bytes)`;
  }

  private record(event: TraceEvent): void {
    const made = this.translate(event);
    if (!made) return;
    const full = made as LabEvent;
    full.seq = this.nextSeq;
    this.ring[this.nextSeq % this.maxEvents] = full;
    this.nextSeq++;
    this.onAppend?.();
  }

  /** A trace event in the page's terms; undefined for those the page does not show (queue depths). */
  private translate(event: TraceEvent): Omit<LabEvent, "seq"> | undefined {
    const time = event.time;
    const base = (type: LabEventType, summary: string): Omit<LabEvent, "seq"> => ({
      time,
      type,
      summary,
      ...(event.node !== undefined ? { node: event.node } : {}),
    });
    switch (event.type) {
      case "frame-sent":
      case "frame-received":
        return this.frameEvent(event.type, event.node, event.iface, event.frame, time);
      case "link-delivered": {
        const sentFrameId = this.sentIds.get(event.frame);
        const link = this.linkId(event.link);
        const out: Omit<LabEvent, "seq"> = {
          time,
          type: "link-delivered",
          summary: `${event.from} → ${event.to}${event.duplicate ? " (duplicate)" : ""}${event.corrupted ? " (a bit flipped)" : ""}`,
          from: event.from,
          to: event.to,
        };
        if (link !== undefined) out.link = link;
        if (sentFrameId !== undefined) {
          out.frameId = sentFrameId;
          out.sentFrameId = sentFrameId;
        }
        return out;
      }
      case "drop": {
        const out = base("drop", `dropped at ${event.layer}: ${event.reason}`);
        if (event.iface !== undefined) out.iface = event.iface;
        // A link names its transmitting end `node:iface`: the drop happened leaving that node.
        if (out.node === undefined && event.link !== undefined && event.iface?.includes(":")) {
          const at = event.iface.indexOf(":");
          out.node = event.iface.slice(0, at);
          out.iface = event.iface.slice(at + 1);
        }
        if (event.link !== undefined) {
          const link = this.linkId(event.link);
          if (link !== undefined) out.link = link;
        }
        if (event.frame) {
          const id = this.sentIds.get(event.frame);
          if (id !== undefined && this.frames.has(id)) out.frameId = id;
          const packet = summarizeFrame(event.frame);
          out.protocol = protocolOf(packet);
          if (packet.tcp) {
            // A lost segment belongs on its connection's sequence diagram.
            out.connection = connectionId(
              endpoint(packet.ipSrc, packet.tcp.srcPort, packet.ipVersion),
              endpoint(packet.ipDst, packet.tcp.dstPort, packet.ipVersion),
            );
            out.flags = packet.tcp.flags.join(",");
          }
          out.summary += ` — ${this.frameSummary(packet, event.frame.length)}`;
        }
        return out;
      }
      case "queued":
        return undefined;
      case "neighbor-resolved": {
        const out = base("neighbor", `${event.address} is at ${event.mac} (${event.iface})`);
        out.iface = event.iface;
        out.protocol = event.address.includes(":") ? "ndp" : "arp";
        return out;
      }
      case "route-lookup": {
        const out = base(
          "route",
          event.prefix === undefined
            ? `no route to ${event.destination}`
            : `route to ${event.destination}: ${event.prefix}${event.via ? ` via ${event.via}` : ""}${event.iface ? ` on ${event.iface}` : ""}`,
        );
        if (event.iface !== undefined) out.iface = event.iface;
        return out;
      }
      case "forwarded": {
        const out = base(
          "forward",
          `forwarded ${event.destination} from ${event.inIface} to ${event.outIface}, TTL now ${event.ttl}`,
        );
        out.iface = event.outIface;
        out.values = { ttl: event.ttl };
        return out;
      }
      case "delivered": {
        const out = base(
          "deliver",
          `${event.protocol} ${event.src} → ${event.dst} delivered (${event.length} bytes)`,
        );
        const p = event.protocol.toLowerCase();
        if (p === "tcp" || p === "udp" || p === "icmp" || p === "icmpv6") out.protocol = p;
        return out;
      }
      case "tcp-segment": {
        const [a, b] = event.connection.split(">");
        const out = base(
          "tcp-segment",
          `${event.direction === "out" ? "sent" : "received"} [${event.flags}] seq=${event.seq} ack=${event.ack} win=${event.window} len=${event.length}${event.retransmission ? " (retransmission)" : ""}`,
        );
        out.protocol = "tcp";
        out.connection = connectionId(a ?? "", b ?? "");
        out.direction = event.direction;
        out.flags = flagNames(event.flags);
        if (event.retransmission) out.retransmission = true;
        out.values = { seq: event.seq, ack: event.ack, window: event.window, length: event.length };
        return out;
      }
      case "tcp-state": {
        const [a, b] = event.connection.split(">");
        const out = base("tcp-state", `${event.connection}: ${event.from} → ${event.to}`);
        out.protocol = "tcp";
        out.connection = connectionId(a ?? "", b ?? "");
        out.fromState = event.from;
        out.toState = event.to;
        return out;
      }
      case "tcp-congestion": {
        const [a, b] = event.connection.split(">");
        const out = base(
          "tcp-cc",
          `cwnd=${event.cwnd} ssthresh=${Number.isFinite(event.ssthresh) ? event.ssthresh : "∞"}${event.srtt !== undefined ? ` srtt=${(event.srtt / 1e6).toFixed(3)}ms` : ""} (${event.reason})`,
        );
        out.protocol = "tcp";
        out.connection = connectionId(a ?? "", b ?? "");
        const values: Record<string, number> = { cwnd: event.cwnd };
        // An infinite ssthresh (before the first loss) does not survive JSON: leave it out.
        if (Number.isFinite(event.ssthresh)) values.ssthresh = event.ssthresh;
        if (event.srtt !== undefined && Number.isFinite(event.srtt)) values.srtt = event.srtt;
        if (event.rto !== undefined && Number.isFinite(event.rto)) values.rto = event.rto;
        out.values = values;
        return out;
      }
      case "nat-translated": {
        const b = event.before;
        const a = event.after;
        const out = base(
          "nat-translated",
          `NAT ${event.direction} ${event.protocol}: ${b.src}:${b.srcPort} → ${b.dst}:${b.dstPort} became ${a.src}:${a.srcPort} → ${a.dst}:${a.dstPort}`,
        );
        out.iface = event.iface;
        const p = event.protocol.toLowerCase();
        if (p === "tcp" || p === "udp" || p === "icmp") out.protocol = p;
        return out;
      }
      case "nat-mapping":
        return base(
          "nat-mapping",
          `NAT mapping ${event.action}: ${event.protocol} ${event.inside} ↔ ${event.outside}${event.reason ? ` (${event.reason})` : ""}`,
        );
      case "dhcp": {
        const out = base("dhcp", `DHCP ${event.role}: ${event.message}`);
        out.protocol = "dhcp";
        if (event.iface !== undefined) out.iface = event.iface;
        return out;
      }
      case "dns": {
        const out = base("dns", `DNS: ${describeDns(event)}`);
        out.protocol = "dns";
        return out;
      }
      case "ipv6-address":
      case "router-advertisement":
      case "redirect": {
        const out = base("ipv6", `${event.type}: ${compact(event)}`);
        out.protocol = "ipv6";
        return out;
      }
      // The routing protocols (src/routing/events.ts): what the shell's `trace NODE ospf` shows.
      case "routing-message": {
        const way = event.direction === "out" ? `sent ${event.kind} to` : `received ${event.kind} from`;
        const detail = messageDetail(event);
        const out = base(
          "routing-message",
          `${event.protocol.toUpperCase()} ${way} ${event.peer}${event.iface ? ` on ${event.iface}` : ""}${detail ? `: ${detail}` : ""}`,
        );
        out.protocol = event.protocol;
        out.direction = event.direction;
        if (event.iface !== undefined) out.iface = event.iface;
        return out;
      }
      case "routing-neighbor": {
        const who = event.neighbor.startsWith("interface ") ? event.neighbor : `neighbour ${event.neighbor}`;
        const out = base(
          "routing-neighbor",
          `${event.protocol.toUpperCase()} ${who}: ${event.from} → ${event.to}${event.reason ? ` (${event.reason})` : ""}`,
        );
        out.protocol = event.protocol;
        out.fromState = event.from;
        out.toState = event.to;
        if (event.iface !== undefined) out.iface = event.iface;
        return out;
      }
      case "routing-route": {
        const verb = event.action === "add" ? "added" : event.action === "change" ? "changed" : "removed";
        const out = base(
          "routing-route",
          `${event.protocol.toUpperCase()} route ${verb}: ${event.prefix}${event.nextHops ? ` ${event.nextHops}` : ""}${event.action === "remove" ? "" : ` [${event.distance}/${event.metric}]`}`,
        );
        out.protocol = event.protocol;
        if (event.action !== "remove") out.values = { metric: event.metric, distance: event.distance };
        return out;
      }
      default:
        // Event kinds the page has no view for yet (protocol modules add their own).
        return undefined;
    }
  }
}

/** tcpdump's flag letters (`S.`, the TCP trace's spelling) as the names frames use (`SYN,ACK`). */
export function flagNames(letters: string): string {
  const names: [string, string][] = [
    ["F", "FIN"],
    ["S", "SYN"],
    ["R", "RST"],
    ["P", "PSH"],
    [".", "ACK"],
    ["U", "URG"],
    ["E", "ECE"],
    ["W", "CWR"],
    ["e", "AE"],
  ];
  if (letters.split(",").every((part) => names.some(([, name]) => name === part))) return letters; // already names
  return names
    .filter(([letter]) => letters.includes(letter))
    .map(([, name]) => name)
    .join(",");
}

/** The DNS event in one line, whatever fields it has. */
function describeDns(event: TraceEvent): string {
  return compact(event);
}

/** Every plain field of an event but the bookkeeping ones, as `key=value`. */
function compact(event: object): string {
  return Object.entries(event)
    .filter(([key, value]) => !["type", "time", "node"].includes(key) && typeof value !== "object")
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ");
}
