/**
 * The typed form of a packetdrill script: what `parsePkt` makes of a `.pkt` file and what the
 * runner executes. Times are in virtual nanoseconds (the scripts write seconds with up to six
 * decimals, packetdrill's microseconds); sequence and acknowledgment numbers are as written
 * (relative to the initial sequence numbers, as packetdrill's are, unless marked absolute).
 */
import type { Nanoseconds } from "../sim/time.js";

/** When an event happens. */
export type EventTime =
  /** `0.10`: at this time since the script started. */
  | { kind: "absolute"; at: Nanoseconds; end?: RangeEnd }
  /** `+0.10`: this long after the previous event's start. */
  | { kind: "relative"; offset: Nanoseconds; end?: RangeEnd }
  /** `*`: an outbound packet that may come at any time after the previous event. */
  | { kind: "any" }
  /** No time at all (packetdrill's set-up commands before the first event): with the previous event. */
  | { kind: "none" };

/**
 * The end of a time range. `a~b` says an outbound packet may come anywhere in `[a, b]`;
 * `a...b` says a blocking system call starts at `a` and returns at `b`.
 */
export interface RangeEnd {
  kind: "range" | "blocking";
  relative: boolean;
  /** Absolute time, or offset from the previous event's start when `relative`. */
  time: Nanoseconds;
}

/** An `#ifdef NAME` (or `#ifndef`, or the `#else` of either) that encloses an event. */
export interface Condition {
  name: string;
  /** True when the event is in effect only if `name` is *not* defined. */
  negated: boolean;
}

interface EventBase {
  /** 1-based line of the event in the script. */
  line: number;
  /** The event's source text (its first line, trimmed), for reports. */
  source: string;
  time: EventTime;
  /** Every enclosing preprocessor condition, outermost first; the event runs only if all hold. */
  conditions: Condition[];
}

/** A script option, `--name=value`, e.g. `--tolerance_usecs=75000`, `--ip_version=ipv6`. */
export interface ScriptOption {
  name: string;
  /** The text after `=`, or undefined for a bare `--flag`. */
  value: string | undefined;
  line: number;
}

// --- Packets ---------------------------------------------------------------------------------

/** Sequence numbers `start:end(length)`, or `...(length)` for any sequence number. */
export type SeqSpec = { start: number; end: number; length: number } | { any: true; length: number };

/** One TCP option as written between `<` and `>`. */
export type OptionSpec =
  | { kind: "nop" }
  | { kind: "eol" }
  | { kind: "mss"; value: number }
  | { kind: "wscale"; shift: number }
  | { kind: "sackOK" }
  | { kind: "sack"; blocks: { left: number; right: number }[] }
  | { kind: "timestamp"; value: number; echo: number }
  /** TCP-MD5 signature (RFC 2385): `md5 valid` / `md5 invalid`. */
  | { kind: "md5"; valid: boolean }
  /** `exp`/`FO`/anything else: kept by name with its raw arguments. */
  | { kind: "other"; name: string; text: string };

/** IP header fields a packet line may give, e.g. `(tos 0x2)`, `(ttl 64)`, `(hlim 255)`, `(class 0x2)`. */
export interface IpFields {
  ttl?: number;
  tos?: number;
  /** IPv6 hop limit. */
  hopLimit?: number;
  /** IPv6 traffic class. */
  trafficClass?: number;
  /** Anything else inside the parentheses, by name. */
  other?: Record<string, string>;
}

export interface TcpPacketSpec {
  protocol: "tcp";
  /** The flags as written: letters from `FSRP.UEWN` (`.` is ACK). */
  flagText: string;
  seq: SeqSpec;
  /** `!` after the sequence numbers: they are absolute, not relative to an initial sequence number. */
  absoluteSeq: boolean;
  ack?: number;
  window?: number;
  urgent?: number;
  /** The options; `"any"` for `<...>`; undefined when the line gives none. */
  options?: OptionSpec[] | "any";
  /** `/udp(src > dst)`: the segment is UDP-encapsulated (RFC 8085-style tunnelling, FreeBSD). */
  udpEncapsulation?: { srcPort: number; dstPort: number };
}

export interface IcmpPacketSpec {
  protocol: "icmp";
  /** e.g. `unreachable`, `time_exceeded`, `parameter_problem`, `packet_too_big`, `source_quench`. */
  type: string;
  /** e.g. `port_unreachable`, `frag_needed`, `code_0`; undefined when not written. */
  code?: string;
  /** `mtu N` for frag_needed / packet_too_big. */
  mtu?: number;
  /** The quoted TCP segment, `[flags? start:end(length)]`. */
  quoted?: { flagText: string; seq: SeqSpec };
}

export interface PacketEvent extends EventBase {
  type: "packet";
  /** `<`: the script injects it; `>`: the stack must send it. */
  direction: "inbound" | "outbound";
  /** `[noecn]`, `[ect0]`, `[ect1]`, `[ce]`, `[ect01]`: the IP ECN codepoint. */
  ecn?: string;
  ip?: IpFields;
  packet: TcpPacketSpec | IcmpPacketSpec;
}

// --- System calls ----------------------------------------------------------------------------

/** An argument or result of a system call. */
export type Expr =
  | { kind: "ellipsis" }
  /** A number; `text` keeps how it was written (`0x02`). */
  | { kind: "number"; value: number; text: string }
  /** A constant name such as `SOCK_STREAM` or `ECONNRESET`. */
  | { kind: "symbol"; name: string }
  | { kind: "string"; value: string }
  /** `[1]`, `[ECONNRESET]`: an in/out value passed by pointer. */
  | { kind: "array"; items: Expr[] }
  /** `{l_onoff=1, l_linger=0}`. */
  | { kind: "struct"; fields: { name?: string; value: Expr }[] }
  /** `O_RDWR | O_NONBLOCK`. */
  | { kind: "or"; operands: Expr[] }
  /** `htons(8080)`, `inet_addr("192.0.2.1")`. */
  | { kind: "call"; name: string; args: Expr[] };

export interface SyscallEvent extends EventBase {
  type: "syscall";
  name: string;
  args: Expr[];
  /** The expected return value. */
  result: Expr;
  /** The expected errno, e.g. `EINPROGRESS`, when the call is expected to fail. */
  errno?: string;
  /** The parenthesised note after the result: `(Operation now in progress)`, `(flags O_RDWR)`. */
  note?: string;
}

// --- Other events ----------------------------------------------------------------------------

/** A shell command: `` `sysctl -w net.inet.tcp.sack.enable=1` ``. */
export interface CommandEvent extends EventBase {
  type: "command";
  command: string;
}

/** A `%{ ... }%` block (Python in packetdrill), e.g. `assert tcpi_state == TCPI_ESTABLISHED`. */
export interface CodeEvent extends EventBase {
  type: "code";
  code: string;
}

export type ScriptEvent = PacketEvent | SyscallEvent | CommandEvent | CodeEvent;

export interface Script {
  options: ScriptOption[];
  events: ScriptEvent[];
}

/** The value of the last `--name=value` option of that name, if any. */
export function scriptOption(script: Script, name: string): string | undefined {
  let value: string | undefined;
  for (const option of script.options) if (option.name === name) value = option.value ?? "";
  return value;
}

/** The events in effect when the preprocessor symbols `defines` are defined. */
export function activeEvents(script: Script, defines: ReadonlySet<string>): ScriptEvent[] {
  return script.events.filter((e) => e.conditions.every((c) => defines.has(c.name) !== c.negated));
}
