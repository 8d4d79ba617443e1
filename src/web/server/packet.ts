/**
 * One frame opened in the page's inspector: its bytes, its layers (from the frame decoder,
 * src/trace/decode.ts, and the wire formats' own describe functions: the same field names,
 * meanings and byte offsets `tinkernet decode` and the shell's `layers` print), and what happened
 * to the packet at each device it crossed, read from the events around it: where it was sent and
 * received, the route chosen, the TTL decremented, an ARP lookup, a NAT rewrite, a drop and why.
 *
 * A packet keeps its identity across routers (new MAC addresses, TTL one lower, new checksum) by
 * the key of src/trace/views/packets.ts, so the journey covers every hop, not only one link.
 */
import { decodeFrame } from "../../trace/decode.js";
import { LINKTYPE_ETHERNET } from "../../trace/linktype.js";
import { type PacketSummary, summarizeFrame } from "../../trace/views/packets.js";
import type { FieldDescription } from "../../wire/describe.js";
import type { LabEvent, PacketAtDevice, PacketField, PacketLayer, PacketMessage } from "../protocol.js";
import type { EventLog } from "./event-log.js";

/** How far (in events) to look around the frame for its other hops. */
const JOURNEY_WINDOW = 4000;
/** How many events after a reception belong to handling it (all at the same instant). */
const HANDLING_WINDOW = 64;

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Field offsets from layer-relative to frame-relative. */
function absolute(fields: readonly FieldDescription[], base: number): PacketField[] {
  return fields.map((field) => {
    const out: PacketField = { name: field.name, value: field.value };
    if (field.meaning !== undefined) out.meaning = field.meaning;
    if (field.offset !== undefined) out.offset = base + field.offset;
    if (field.length !== undefined) out.length = field.length;
    if (field.children) out.children = absolute(field.children, base);
    return out;
  });
}

function extent(fields: readonly PacketField[], start: number): number {
  let end = start;
  for (const field of fields) {
    if (field.offset !== undefined) end = Math.max(end, field.offset + (field.length ?? 0));
    if (field.children) end = Math.max(end, extent(field.children, start));
  }
  return end;
}

/** The layers of an Ethernet frame, outermost first, with frame-relative offsets. */
export function packetLayers(bytes: Uint8Array): PacketLayer[] {
  const decoded = decodeFrame(LINKTYPE_ETHERNET, bytes);
  const layers: PacketLayer[] = [];
  for (const layer of decoded.layers) {
    const error = layer.fields.error;
    if (typeof error === "string") {
      layers.push({
        layer: layer.fields.layer,
        name: layer.fields.layer,
        osi: "",
        tcpip: "",
        summary: `cannot decode: ${error}`,
        offset: layer.offset,
        length: bytes.length - layer.offset,
        fields: [],
        error,
      });
      continue;
    }
    let base = layer.offset;
    for (const description of layer.describe()) {
      const fields = absolute(description.fields, base);
      const end = Math.max(extent(fields, base), base);
      layers.push({
        layer: description.layer,
        name: description.title,
        osi: description.osi,
        tcpip: description.tcpip,
        summary: description.summary,
        offset: base,
        length: end - base,
        fields,
      });
      base = end;
    }
  }
  return layers;
}

/** A sentence for what an event did to the packet at its node. */
function what(event: LabEvent): { kind: string; what: string } | undefined {
  switch (event.type) {
    case "frame-sent":
      return { kind: "sent", what: `sent on ${event.iface}: ${event.summary}` };
    case "frame-received":
      return { kind: "received", what: `received on ${event.iface}: ${event.summary}` };
    case "route":
      return { kind: "route", what: event.summary };
    case "forward":
      return { kind: "forward", what: `TTL decremented and ${event.summary}` };
    case "neighbor":
      return {
        kind: event.protocol === "ndp" ? "ndp" : "arp",
        what: `${event.protocol === "ndp" ? "NDP" : "ARP"} resolved: ${event.summary}`,
      };
    case "nat-translated":
      return { kind: "nat", what: event.summary };
    case "deliver":
      return { kind: "deliver", what: event.summary };
    case "drop":
      return { kind: "drop", what: event.summary };
    case "tcp-segment":
      return { kind: "tcp", what: `TCP ${event.summary}` };
    default:
      return undefined;
  }
}

/** What decides a sending: the segment handed down, the route, the neighbour lookup. */
const DECIDING: ReadonlySet<string> = new Set(["route", "neighbor", "tcp-segment", "nat-translated"]);

const HANDLING: ReadonlySet<string> = new Set([
  "route",
  "forward",
  "neighbor",
  "nat-translated",
  "deliver",
  "drop",
  "tcp-segment",
]);

/**
 * What identifies a packet from hop to hop: the views' key (unchanged by routers), and for IPv4
 * one that a NAT does not change either (it rewrites addresses, ports and the ICMP identifier,
 * never the IP Identification, TCP sequence numbers or ICMP sequence).
 */
function identities(packet: PacketSummary): string[] {
  const out = [packet.key];
  if (packet.ipVersion !== 4 || packet.ipId === undefined) return out;
  if (packet.tcp) {
    const t = packet.tcp;
    out.push(`tcp|${packet.ipId}|${t.seq}|${t.ack}|${t.flags.join(",")}|${t.length}`);
  } else if (packet.icmp?.sequence !== undefined) {
    out.push(`icmp|${packet.ipId}|${packet.icmp.type}|${packet.icmp.sequence}`);
  } else if (packet.udp) {
    out.push(`udp|${packet.ipId}|${packet.udp.payload.length}`);
  }
  return out;
}

/** The inspector's answer for `frameId`, or why there is none. */
export function packetMessage(log: EventLog, frameId: number): PacketMessage | string {
  const frame = log.frame(frameId);
  if (!frame) return `frame ${frameId} is not kept (never seen, or older than the history kept)`;
  const keys0 = identities(summarizeFrame(frame.bytes));

  // The frames of the same packet nearby: this one, and its copies at other hops.
  const hops = new Set<number>([frameId]);
  const from = Math.max(log.firstSeq, frame.seq - JOURNEY_WINDOW);
  const events = log.slice(from, 2 * JOURNEY_WINDOW);
  const keys = new Map<number, string[]>();
  for (const event of events) {
    if ((event.type !== "frame-sent" && event.type !== "frame-received") || event.frameId === undefined)
      continue;
    if (hops.has(event.frameId)) continue;
    let other = keys.get(event.frameId);
    if (other === undefined) {
      const record = log.frame(event.frameId);
      if (!record) continue;
      other = identities(summarizeFrame(record.bytes));
      keys.set(event.frameId, other);
    }
    if (other.some((k) => keys0.includes(k))) hops.add(event.frameId);
  }

  const atDevice: PacketAtDevice[] = [];
  const seen = new Set<number>();
  const add = (event: LabEvent) => {
    if (seen.has(event.seq) || event.node === undefined) return;
    const described = what(event);
    if (!described) return;
    seen.add(event.seq);
    const entry: PacketAtDevice = { node: event.node, time: event.time, seq: event.seq, ...described };
    if (event.iface !== undefined) entry.iface = event.iface;
    if (
      event.frameId !== undefined &&
      (event.type === "frame-sent" || event.type === "frame-received" || event.type === "drop")
    )
      entry.frameId = event.frameId;
    atDevice.push(entry);
  };
  for (const [index, event] of events.entries()) {
    if (event.frameId === undefined || !hops.has(event.frameId)) continue;
    if (event.type === "drop") {
      add(event);
      continue;
    }
    if (event.type !== "frame-sent" && event.type !== "frame-received") continue;
    if (event.type === "frame-sent") {
      // What decided the sending: the route and neighbour lookups just before, at the same node and instant.
      for (let i = index - 1; i >= Math.max(0, index - HANDLING_WINDOW); i--) {
        const before = events[i];
        if (before.time !== event.time) break;
        if (before.node !== event.node) continue;
        if (before.type === "frame-sent" || before.type === "frame-received") break;
        if (DECIDING.has(before.type)) add(before);
      }
      add(event);
      continue;
    }
    add(event);
    // What the receiver did with it: everything at that node in the same instant, until it
    // turns to another frame.
    for (let i = index + 1; i < Math.min(events.length, index + HANDLING_WINDOW); i++) {
      const after = events[i];
      if (after.time !== event.time) break;
      if (after.node !== event.node) continue;
      if (after.type === "frame-received" || after.type === "frame-sent") break;
      if (HANDLING.has(after.type)) add(after);
    }
  }
  atDevice.sort((a, b) => a.seq - b.seq);

  return {
    type: "packet",
    frameId,
    bytes: toHex(frame.bytes),
    length: frame.bytes.length,
    node: frame.node,
    iface: frame.iface,
    time: frame.time,
    layers: packetLayers(frame.bytes),
    atDevice,
  };
}
