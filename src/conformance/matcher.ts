/**
 * Comparing the segment a script expects (`> ...`) with the one the stack sent.
 *
 * The runner first brings the sent segment into the script's numbering (our sequence numbers
 * relative to our initial sequence number, as the script writes them); the comparison is then
 * field by field. RFC-mandated fields are matched exactly; values an implementation chooses are
 * matched loosely. Every loosening is listed here and in ./README.md:
 *
 * - PSH: ignored. RFC 9293 §3.9.1.2 lets a sender set PSH as it sees fit (FreeBSD sets it on
 *   the last segment of a write, others on every segment that empties the send buffer).
 * - Window: an RST's window is ignored (it means nothing, RFC 9293 §3.10.7); otherwise only
 *   whether it is zero must agree. The size of a receive window is the implementation's buffer
 *   choice (and scaled by a shift it also chooses); a zero window is protocol behaviour.
 * - Options: NOP and EOL padding and the order of options are ignored (layout is the sender's
 *   choice, RFC 9293 §3.2); the set of options must agree. The window-scale shift and the
 *   timestamp value (TSval) are the sender's choice (RFC 7323 §2.2, §4.1) and only must be present;
 *   MSS, TSecr, SACK-permitted and SACK blocks (RFC 2018, RFC 2883) are matched exactly.
 *   `<...>` matches any options.
 *
 * Everything else — flags, sequence number, payload length, acknowledgment number, urgent pointer,
 * TTL/TOS/ECN where the script gives them, and a correct checksum — must match exactly.
 */

import { TcpFlags } from "../wire/tcp.js";
import type { TcpOption } from "../wire/tcp-options.js";
import type { IpFields, OptionSpec, TcpPacketSpec } from "./pkt-ast.js";

/** A segment the stack sent, in the script's numbering. */
export interface LiveSegment {
  flags: number;
  /** Sequence number relative to our initial sequence number (as the script writes it). */
  seq: number;
  /** Acknowledgment number: the peer's sequence space, which the script writes as-is. */
  ack: number;
  window: number;
  urgent: number;
  length: number;
  options: TcpOption[];
  ttl: number;
  tos: number;
  checksumOk: boolean;
}

export interface Mismatch {
  field: string;
  expected: string;
  actual: string;
}

const FLAG_BY_LETTER: Readonly<Record<string, number>> = {
  F: TcpFlags.FIN,
  S: TcpFlags.SYN,
  R: TcpFlags.RST,
  P: TcpFlags.PSH,
  ".": TcpFlags.ACK,
  U: TcpFlags.URG,
  E: TcpFlags.ECE,
  W: TcpFlags.CWR,
  N: TcpFlags.AE,
  A: TcpFlags.AE,
};

/** The flags a script writes (`S.` is SYN+ACK), as a `TcpFlags` mask. */
export function flagsFromText(text: string): number {
  let flags = 0;
  for (const letter of text) flags |= FLAG_BY_LETTER[letter] ?? 0;
  return flags;
}

/** A flags mask as a script writes it: S F R P U E W N, then `.` for ACK. */
export function flagsToText(flags: number): string {
  let text = "";
  for (const letter of "SFRPUEWN") if (flags & FLAG_BY_LETTER[letter]) text += letter;
  if (flags & TcpFlags.ACK) text += ".";
  return text === "" ? "-" : text;
}

/** The ECN codepoint names of the IP header's low two TOS bits (RFC 3168 §5). */
export const ECN_CODEPOINTS: Readonly<Record<string, number>> = { noecn: 0, ect1: 1, ect0: 2, ce: 3 };

/** Compares an expected TCP segment with a sent one; an empty list is a match. */
export function matchSegment(
  spec: TcpPacketSpec,
  live: LiveSegment,
  ip: { fields?: IpFields; ecn?: string } = {},
): Mismatch[] {
  const out: Mismatch[] = [];
  const push = (field: string, expected: string | number, actual: string | number) =>
    out.push({ field, expected: String(expected), actual: String(actual) });

  if (!live.checksumOk) push("checksum", "valid", "invalid");
  const expectedFlags = flagsFromText(spec.flagText);
  if ((expectedFlags & ~TcpFlags.PSH) !== (live.flags & ~TcpFlags.PSH))
    push("flags", flagsToText(expectedFlags), flagsToText(live.flags));
  if (!("any" in spec.seq) && spec.seq.start !== live.seq) push("seq", spec.seq.start, live.seq);
  if (spec.seq.length !== live.length) push("length", spec.seq.length, live.length);
  if (spec.ack !== undefined && spec.ack !== live.ack) push("ack", spec.ack, live.ack);
  if (
    spec.window !== undefined &&
    !(live.flags & TcpFlags.RST) &&
    (spec.window === 0) !== (live.window === 0)
  )
    push("win", spec.window === 0 ? "0" : "non-zero", live.window);
  if (spec.urgent !== undefined && spec.urgent !== live.urgent) push("urg", spec.urgent, live.urgent);
  if (spec.options !== "any") out.push(...matchOptions(spec.options ?? [], live.options));

  const fields = ip.fields;
  if (fields?.ttl !== undefined && fields.ttl !== live.ttl) push("ttl", fields.ttl, live.ttl);
  if (fields?.hopLimit !== undefined && fields.hopLimit !== live.ttl) push("hlim", fields.hopLimit, live.ttl);
  if (fields?.tos !== undefined && fields.tos !== live.tos) push("tos", hex(fields.tos), hex(live.tos));
  if (fields?.trafficClass !== undefined && fields.trafficClass !== live.tos)
    push("class", hex(fields.trafficClass), hex(live.tos));
  if (ip.ecn !== undefined) {
    const actual = live.tos & 3;
    const ok = ip.ecn === "ect01" ? actual === 1 || actual === 2 : ECN_CODEPOINTS[ip.ecn] === actual;
    if (!ok) push("ecn", ip.ecn, ecnName(actual));
  }
  return out;
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

function ecnName(codepoint: number): string {
  return Object.keys(ECN_CODEPOINTS).find((k) => ECN_CODEPOINTS[k] === codepoint) ?? String(codepoint);
}

/** The options that carry meaning (padding dropped), expected side. */
function meaningfulSpecs(options: readonly OptionSpec[]): OptionSpec[] {
  return options.filter((o) => o.kind !== "nop" && o.kind !== "eol");
}

function meaningfulLive(options: readonly TcpOption[]): TcpOption[] {
  return options.filter((o) => o.kind !== "nop" && o.kind !== "eol");
}

/** Compares options as sets (see the module comment for what is loose). */
export function matchOptions(expected: readonly OptionSpec[], live: readonly TcpOption[]): Mismatch[] {
  const out: Mismatch[] = [];
  const want = meaningfulSpecs(expected);
  const have = meaningfulLive(live);
  const used = new Set<number>();
  for (const spec of want) {
    const index = have.findIndex((o, i) => !used.has(i) && sameKind(spec, o));
    if (index < 0) {
      out.push({ field: `option ${optionName(spec)}`, expected: formatOptionSpec(spec), actual: "missing" });
      continue;
    }
    used.add(index);
    const o = have[index];
    if (spec.kind === "mss" && o.kind === "mss" && spec.value !== o.value)
      out.push({ field: "option mss", expected: String(spec.value), actual: String(o.value) });
    if (spec.kind === "timestamp" && o.kind === "timestamps" && spec.echo !== o.echo)
      out.push({ field: "option TS ecr", expected: String(spec.echo), actual: String(o.echo) });
    if (spec.kind === "sack" && o.kind === "sack") {
      const a = spec.blocks.map((b) => `${b.left}:${b.right}`).join(" ");
      const b = o.blocks.map((x) => `${x.left}:${x.right}`).join(" ");
      if (a !== b) out.push({ field: "option sack", expected: a, actual: b });
    }
  }
  have.forEach((o, i) => {
    if (!used.has(i))
      out.push({ field: `option ${liveOptionName(o)}`, expected: "absent", actual: formatLiveOption(o) });
  });
  return out;
}

function sameKind(spec: OptionSpec, live: TcpOption): boolean {
  switch (spec.kind) {
    case "mss":
      return live.kind === "mss";
    case "wscale":
      return live.kind === "window-scale";
    case "sackOK":
      return live.kind === "sack-permitted";
    case "sack":
      return live.kind === "sack";
    case "timestamp":
      return live.kind === "timestamps";
    default:
      return false;
  }
}

function optionName(spec: OptionSpec): string {
  switch (spec.kind) {
    case "timestamp":
      return "TS";
    case "other":
      return spec.name;
    default:
      return spec.kind;
  }
}

function liveOptionName(option: TcpOption): string {
  switch (option.kind) {
    case "window-scale":
      return "wscale";
    case "sack-permitted":
      return "sackOK";
    case "timestamps":
      return "TS";
    case "unknown":
      return `kind ${option.type}`;
    default:
      return option.kind;
  }
}

/** One option as a script writes it. */
export function formatOptionSpec(spec: OptionSpec): string {
  switch (spec.kind) {
    case "nop":
    case "eol":
    case "sackOK":
      return spec.kind;
    case "mss":
      return `mss ${spec.value}`;
    case "wscale":
      return `wscale ${spec.shift}`;
    case "timestamp":
      return `TS val ${spec.value} ecr ${spec.echo}`;
    case "sack":
      return `sack ${spec.blocks.map((b) => `${b.left}:${b.right}`).join(" ")}`;
    case "md5":
      return `md5 ${spec.valid ? "valid" : "invalid"}`;
    case "other":
      return spec.text;
  }
}

/** One sent option in script syntax. */
export function formatLiveOption(option: TcpOption): string {
  switch (option.kind) {
    case "nop":
    case "eol":
      return option.kind;
    case "mss":
      return `mss ${option.value}`;
    case "window-scale":
      return `wscale ${option.shift}`;
    case "sack-permitted":
      return "sackOK";
    case "timestamps":
      return `TS val ${option.value} ecr ${option.echo}`;
    case "sack":
      return `sack ${option.blocks.map((b) => `${b.left}:${b.right}`).join(" ")}`;
    case "unknown":
      return `kind ${option.type} (${option.data.length} bytes)`;
  }
}

/** A sent segment in script syntax, e.g. `S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>`. */
export function formatLiveSegment(live: LiveSegment): string {
  const end = (live.seq + live.length) >>> 0;
  let text = `${flagsToText(live.flags)} ${live.seq}:${end}(${live.length})`;
  if (live.flags & TcpFlags.ACK) text += ` ack ${live.ack}`;
  text += ` win ${live.window}`;
  if (live.flags & TcpFlags.URG) text += ` urg ${live.urgent}`;
  if (live.options.length > 0) text += ` <${live.options.map(formatLiveOption).join(",")}>`;
  return text;
}

/** An expected segment in script syntax. */
export function formatSpec(spec: TcpPacketSpec): string {
  const seq =
    "any" in spec.seq ? `...(${spec.seq.length})` : `${spec.seq.start}:${spec.seq.end}(${spec.seq.length})`;
  let text = `${spec.flagText} ${seq}${spec.absoluteSeq ? "!" : ""}`;
  if (spec.ack !== undefined) text += ` ack ${spec.ack}`;
  if (spec.window !== undefined) text += ` win ${spec.window}`;
  if (spec.urgent !== undefined) text += ` urg ${spec.urgent}`;
  if (spec.options === "any") text += " <...>";
  else if (spec.options !== undefined) text += ` <${spec.options.map(formatOptionSpec).join(",")}>`;
  return text;
}
