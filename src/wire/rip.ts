/**
 * RIP version 2 messages (RFC 2453 §4): a 4-octet header (command, version, zero) and up to 25
 * route entries of 20 octets (address family, route tag, address, mask, next hop, metric), sent
 * over UDP port 520 to 224.0.0.9. An entry with address family 0xFFFF is authentication (§4.1,
 * simple password; RFC 4822 cryptographic authentication uses the same slot).
 *
 * Addresses, masks and next hops are uint32 numbers. Parsing never throws.
 */
import { type LayerDescription, OSI_APPLICATION } from "./describe.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

export const RIP_PORT = 520;
/** 224.0.0.9, the RIPv2 routers' group (RFC 2453 §4.5). */
export const RIP_GROUP = 0xe0000009;
export const RIP_HEADER_LENGTH = 4;
export const RIP_ENTRY_LENGTH = 20;
/** §3.6: a message carries at most 25 entries (504 octets), so it fits any link without fragmenting. */
export const RIP_MAX_ENTRIES = 25;
/** §3.6: metric 16 means unreachable. */
export const RIP_INFINITY = 16;
export const RIP_AFI_INET = 2;
export const RIP_AFI_AUTH = 0xffff;

export const RipCommand = { Request: 1, Response: 2 } as const;

export interface RipEntry {
  /** 2 for IPv4; 0 in a whole-table request. */
  family: number;
  tag: number;
  address: number;
  mask: number;
  /** 0: via the sender. */
  nextHop: number;
  metric: number;
}

export interface RipRepr {
  command: number;
  version: number;
  /** Authentication type and its 16 octets (password), when the first entry is one. */
  authentication?: { type: number; data: Uint8Array };
  entries: RipEntry[];
}

/** Parses a RIP message (the UDP payload). Never throws. */
export function parseRip(bytes: Uint8Array): RipRepr | ParseError {
  if (bytes.length < RIP_HEADER_LENGTH)
    return new ParseError("rip", `${bytes.length} octets is shorter than the 4-octet RIP header`, 0);
  const command = bytes[0];
  if (command !== RipCommand.Request && command !== RipCommand.Response)
    return new ParseError("rip", `command ${command} is neither request (1) nor response (2)`, 0);
  const version = bytes[1];
  if (version === 0) return new ParseError("rip", "version 0 messages are ignored (RFC 2453 §3.9)", 1);
  if ((bytes.length - RIP_HEADER_LENGTH) % RIP_ENTRY_LENGTH !== 0)
    return new ParseError("rip", `${bytes.length - 4} octets of entries is not a multiple of 20`, 4);
  const entries: RipEntry[] = [];
  let authentication: RipRepr["authentication"];
  for (let at = RIP_HEADER_LENGTH; at < bytes.length; at += RIP_ENTRY_LENGTH) {
    const family = readUint16(bytes, at);
    if (family === RIP_AFI_AUTH) {
      if (at !== RIP_HEADER_LENGTH) return new ParseError("rip", "authentication entry not first", at);
      authentication = { type: readUint16(bytes, at + 2), data: bytes.slice(at + 4, at + 20) };
      continue;
    }
    entries.push({
      family,
      tag: readUint16(bytes, at + 2),
      address: readUint32(bytes, at + 4),
      mask: readUint32(bytes, at + 8),
      nextHop: readUint32(bytes, at + 12),
      metric: readUint32(bytes, at + 16),
    });
  }
  return { command, version, ...(authentication ? { authentication } : {}), entries };
}

export function ripLength(repr: RipRepr): number {
  return RIP_HEADER_LENGTH + RIP_ENTRY_LENGTH * (repr.entries.length + (repr.authentication ? 1 : 0));
}

/** Writes the message at the start of `into`; returns its length. Throws RangeError when `into` is too small. */
export function emitRip(repr: RipRepr, into: Uint8Array): number {
  const length = ripLength(repr);
  if (into.length < length)
    throw new RangeError(`RIP message needs ${length} octets, buffer has ${into.length}`);
  into[0] = repr.command;
  into[1] = repr.version;
  into[2] = 0;
  into[3] = 0;
  let at = RIP_HEADER_LENGTH;
  if (repr.authentication) {
    writeUint16(into, at, RIP_AFI_AUTH);
    writeUint16(into, at + 2, repr.authentication.type);
    into.fill(0, at + 4, at + 20);
    into.set(repr.authentication.data.subarray(0, 16), at + 4);
    at += RIP_ENTRY_LENGTH;
  }
  for (const e of repr.entries) {
    writeUint16(into, at, e.family);
    writeUint16(into, at + 2, e.tag);
    writeUint32(into, at + 4, e.address >>> 0);
    writeUint32(into, at + 8, e.mask >>> 0);
    writeUint32(into, at + 12, e.nextHop >>> 0);
    writeUint32(into, at + 16, e.metric >>> 0);
    at += RIP_ENTRY_LENGTH;
  }
  return length;
}

export function encodeRip(repr: RipRepr): Uint8Array {
  const bytes = new Uint8Array(ripLength(repr));
  emitRip(repr, bytes);
  return bytes;
}

function dotted(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

function maskLength(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m & 0x80000000; m = (m << 1) >>> 0) n++;
  return n;
}

/** `10.0.3.0/24 metric 2` per entry. */
export function formatRipEntry(e: RipEntry): string {
  if (e.family === 0 && e.metric === RIP_INFINITY) return "whole table";
  const via = e.nextHop ? ` via ${dotted(e.nextHop)}` : "";
  return `${dotted(e.address)}/${maskLength(e.mask)}${via} metric ${e.metric}`;
}

export function summarizeRip(repr: RipRepr): string {
  const kind = repr.command === RipCommand.Request ? "Request" : "Response";
  return `RIPv${repr.version} ${kind}: ${repr.entries.map(formatRipEntry).join(", ") || "no entries"}`;
}

/** Explains the message field by field for a learner. */
export function describeRip(repr: RipRepr): LayerDescription {
  const first = RIP_HEADER_LENGTH + (repr.authentication ? RIP_ENTRY_LENGTH : 0);
  return {
    layer: "rip",
    title: "Routing Information Protocol",
    ...OSI_APPLICATION,
    summary: summarizeRip(repr),
    fields: [
      {
        name: "Command",
        value: `${repr.command} (${repr.command === 1 ? "Request" : "Response"})`,
        meaning: repr.command === 1 ? "asks neighbours for their routes" : "carries routes",
        offset: 0,
        length: 1,
      },
      { name: "Version", value: String(repr.version), offset: 1, length: 1 },
      ...repr.entries.map((e, i) => ({
        name: `Route ${i + 1}`,
        value: formatRipEntry(e),
        meaning: e.metric >= RIP_INFINITY ? "unreachable (metric 16 = infinity)" : `${e.metric} hop(s) away`,
        offset: first + i * RIP_ENTRY_LENGTH,
        length: RIP_ENTRY_LENGTH,
      })),
    ],
  };
}
