/**
 * Multicast Listener Discovery bodies (MLDv1, RFC 2710; MLDv2, RFC 3810): how a node tells the
 * routers on its link which IPv6 multicast groups it listens to, so they (and snooping switches)
 * forward those groups onto the link.
 *
 * The messages are ICMPv6 (types 130-132 and 143); `./icmpv6.ts` names them and computes the
 * checksum, and carries everything after the checksum as `body`. This module reads and writes
 * that body:
 *
 * ```
 * MLDv1 (all three types) and MLDv2 Query:        MLDv2 Report (type 143):
 * |  Maximum Response Code |     Reserved     |   |      Reserved       | Nr of Mcast Address Records |
 * |            Multicast Address (16)          |   |            Multicast Address Record [1]           |
 * |Resv|S|QRV|  QQIC  |  Number of Sources (N) |   |                       ...                         |
 * |          Source Address [1..N] (16 each)   |
 * ```
 * (The MLDv2 Query fields after the address are absent in an MLDv1 query, which is 24 octets in
 * all: RFC 3810 §8.1 tells the versions apart by length.)
 */
import { Ipv6Address } from "./address/ipv6.js";
import { readUint16, writeUint16 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/**
 * Multicast Address Record types (RFC 3810 §5.2.12): the first two answer a query with the
 * current state, the others report a change of it.
 */
export const MldRecordType = {
  ModeIsInclude: 1,
  ModeIsExclude: 2,
  ChangeToIncludeMode: 3,
  ChangeToExcludeMode: 4,
  AllowNewSources: 5,
  BlockOldSources: 6,
} as const;

/** ff02::16, where MLDv2 reports go (RFC 3810 §5.2.14). */
export const ALL_MLDV2_ROUTERS = Ipv6Address.parse("ff02::16");

/** One Multicast Address Record of an MLDv2 Report (RFC 3810 §5.2.4). */
export interface MldAddressRecord {
  type: number;
  group: Ipv6Address;
  sources: Ipv6Address[];
  /** Auxiliary data (none is defined; kept as received). */
  auxData: Uint8Array;
}

/** An MLDv2 Report body (RFC 3810 §5.2). */
export interface MldReportV2 {
  records: MldAddressRecord[];
}

/** A query, MLDv1 (24 octets) or MLDv2 (28 or more). */
export interface MldQuery {
  version: 1 | 2;
  /** Milliseconds within which to answer (decoded from the Maximum Response Code, RFC 3810 §5.1.3). */
  maxResponseDelay: number;
  /** The group asked about; unspecified (::) for a General Query. */
  group: Ipv6Address;
  /** MLDv2: Suppress Router-Side Processing flag. */
  suppress: boolean;
  /** MLDv2: Querier's Robustness Variable (0 when absent). */
  robustness: number;
  /** MLDv2: Querier's Query Interval in seconds (decoded QQIC). */
  queryInterval: number;
  sources: Ipv6Address[];
}

/** An MLDv1 Report or Done body (RFC 2710 §3): just the group. */
export interface MldV1Message {
  maxResponseDelay: number;
  group: Ipv6Address;
}

const BODY_FIXED = 20; // Maximum Response Code/Reserved (4), multicast address (16)
const V2_QUERY_FIXED = 24; // + flags, QQIC, number of sources
const RECORD_FIXED = 20;

/**
 * RFC 3810 §5.1.3: codes below 32768 are milliseconds; above, a floating-point form
 * `(mant | 0x1000) << (exp + 3)`.
 */
export function decodeMaxResponseCode(code: number): number {
  if (code < 0x8000) return code;
  const exp = (code >>> 12) & 0x7;
  const mant = code & 0x0fff;
  return (mant | 0x1000) * 2 ** (exp + 3);
}

/** RFC 3810 §5.1.9: the QQIC, seconds below 128, else the same floating-point form with 8 bits. */
export function decodeQqic(code: number): number {
  if (code < 0x80) return code;
  const exp = (code >>> 4) & 0x7;
  const mant = code & 0x0f;
  return (mant | 0x10) << (exp + 3);
}

/** Parses the body of a Multicast Listener Query (type 130), telling MLDv1 from MLDv2 by length. */
export function parseMldQuery(body: Uint8Array): MldQuery | ParseError {
  if (body.length < BODY_FIXED) {
    return new ParseError("mld", `truncated query: ${body.length} octets after the checksum, need 20`, 4);
  }
  const maxResponseDelay = decodeMaxResponseCode(readUint16(body, 0));
  const group = Ipv6Address.fromBytes(body, 4);
  // RFC 3810 §8.1: a 24-octet message is MLDv1; 28 or more is MLDv2; anything else is ignored.
  if (body.length === BODY_FIXED) {
    return {
      version: 1,
      maxResponseDelay,
      group,
      suppress: false,
      robustness: 0,
      queryInterval: 0,
      sources: [],
    };
  }
  if (body.length < V2_QUERY_FIXED) {
    return new ParseError(
      "mld",
      `a query of ${body.length + 4} octets is neither MLDv1 (24) nor MLDv2 (28+)`,
      4,
    );
  }
  const count = readUint16(body, 22);
  if (V2_QUERY_FIXED + 16 * count > body.length) {
    return new ParseError("mld", `query lists ${count} sources but has room for fewer`, 26);
  }
  const sources: Ipv6Address[] = [];
  for (let i = 0; i < count; i++) sources.push(Ipv6Address.fromBytes(body, V2_QUERY_FIXED + 16 * i));
  return {
    version: 2,
    maxResponseDelay,
    group,
    suppress: (body[20] & 0x08) !== 0,
    robustness: body[20] & 0x07,
    queryInterval: decodeQqic(body[21]),
    sources,
  };
}

/** Parses the body of an MLDv1 Report (131) or Done (132). */
export function parseMldV1(body: Uint8Array): MldV1Message | ParseError {
  if (body.length < BODY_FIXED) {
    return new ParseError(
      "mld",
      `truncated MLDv1 message: ${body.length} octets after the checksum, need 20`,
      4,
    );
  }
  return { maxResponseDelay: readUint16(body, 0), group: Ipv6Address.fromBytes(body, 4) };
}

/** Parses an MLDv2 Report body (type 143). Never reads past `body`. */
export function parseMldReportV2(body: Uint8Array): MldReportV2 | ParseError {
  if (body.length < 4) return new ParseError("mld", `truncated MLDv2 report: ${body.length} octets`, 4);
  const count = readUint16(body, 2);
  const records: MldAddressRecord[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + RECORD_FIXED > body.length) {
      return new ParseError("mld", `record ${i + 1} of ${count} is truncated`, at + 4);
    }
    const auxLength = body[at + 1] * 4;
    const sources = readUint16(body, at + 2);
    const end = at + RECORD_FIXED + 16 * sources + auxLength;
    if (end > body.length) {
      return new ParseError(
        "mld",
        `record ${i + 1} claims ${sources} sources and ${auxLength} aux octets beyond the message`,
        at + 4,
      );
    }
    const list: Ipv6Address[] = [];
    for (let s = 0; s < sources; s++) list.push(Ipv6Address.fromBytes(body, at + RECORD_FIXED + 16 * s));
    records.push({
      type: body[at],
      group: Ipv6Address.fromBytes(body, at + 4),
      sources: list,
      auxData: body.subarray(end - auxLength, end),
    });
    at = end;
  }
  return { records };
}

/** Octets an MLDv2 Report body takes. */
export function mldReportV2Length(report: MldReportV2): number {
  let length = 4;
  for (const record of report.records)
    length += RECORD_FIXED + 16 * record.sources.length + record.auxData.length;
  return length;
}

/** The body of an MLDv2 Report (everything after the ICMPv6 checksum). */
export function emitMldReportV2(report: MldReportV2): Uint8Array {
  const body = new Uint8Array(mldReportV2Length(report));
  writeUint16(body, 2, report.records.length);
  let at = 4;
  for (const record of report.records) {
    if (record.auxData.length % 4 !== 0) throw new RangeError("MLD aux data must be whole 32-bit words");
    body[at] = record.type;
    body[at + 1] = record.auxData.length / 4;
    writeUint16(body, at + 2, record.sources.length);
    body.set(record.group.bytes, at + 4);
    at += RECORD_FIXED;
    for (const source of record.sources) {
      body.set(source.bytes, at);
      at += 16;
    }
    body.set(record.auxData, at);
    at += record.auxData.length;
  }
  return body;
}

/** The body of an MLDv2 General Query (what a querier sends; used by tests and the web lab). */
export function emitMldQuery(query: {
  maxResponseDelay: number;
  group?: Ipv6Address;
  version?: 1 | 2;
}): Uint8Array {
  const v1 = query.version === 1;
  const body = new Uint8Array(v1 ? BODY_FIXED : V2_QUERY_FIXED);
  writeUint16(body, 0, Math.min(0x7fff, Math.max(0, Math.round(query.maxResponseDelay))));
  body.set((query.group ?? Ipv6Address.UNSPECIFIED).bytes, 4);
  if (!v1) {
    body[20] = 2; // QRV: the default Robustness Variable (RFC 3810 §9.1)
    body[21] = 125; // QQIC: the default Query Interval, 125 s (§9.2)
  }
  return body;
}
