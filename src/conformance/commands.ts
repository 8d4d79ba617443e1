/**
 * The shell commands of the FreeBSD suite, emulated: `sysctl -w` lines become stack settings (or
 * make a script not applicable when they select FreeBSD behaviour that the RFCs do not ask for),
 * `sockstat ... | grep -c STATE | grep N` counts connections by state, `tcpdrop -s TIME_WAIT`
 * deletes TIME-WAIT connections. Anything else is not emulated, and a script that needs it is not
 * applicable, with the command named in the reason. Nothing is silently skipped.
 */
import type { ConnectionState, StackSettings } from "./stack.js";

const MS = 1_000_000;

/** What a `sysctl -w name=value` line means for the runner. */
export type SysctlEffect =
  /** Changes stack settings (for connections created afterwards). */
  | { kind: "settings"; settings: StackSettings }
  /** Nothing to do: the value is what our stack does anyway, or it tunes something we do not have. */
  | { kind: "neutral"; why: string }
  /** The value selects behaviour we do not have; the script is not applicable (if it matters). */
  | { kind: "not-applicable"; reason: string };

/** What the stack under test can do beyond the mandatory (capabilities that scripts probe). */
export interface StackCapabilities {
  /** RFC 3168 ECN. */
  ecn: boolean;
}

/**
 * One FreeBSD sysctl (`man 4 tcp`). Each entry either maps to a setting, is neutral for us, or
 * names the RFC clause that lets us differ.
 */
export function sysctlEffect(name: string, value: string, capabilities: StackCapabilities): SysctlEffect {
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  const bool = (settings: (on: boolean) => StackSettings): SysctlEffect =>
    n === 0 || n === 1
      ? { kind: "settings", settings: settings(n === 1) }
      : { kind: "not-applicable", reason: `sysctl ${name}=${value}: unknown value` };
  const millis = (settings: (t: number) => StackSettings): SysctlEffect =>
    n >= 0 ? { kind: "settings", settings: settings(n * MS) } : invalid(name, value);
  switch (name) {
    case "net.inet.tcp.rfc1323":
      return bool((on) => ({ rfc1323: on }));
    case "net.inet.tcp.sack.enable":
      return bool((on) => ({ sack: on }));
    case "net.inet.tcp.recvspace":
      return n > 0 ? { kind: "settings", settings: { receiveBuffer: n } } : invalid(name, value);
    case "net.inet.tcp.sendspace":
      return n > 0 ? { kind: "settings", settings: { sendBuffer: n } } : invalid(name, value);
    case "net.inet.tcp.keepinit":
      return millis((t) => ({ keepInit: t }));
    case "net.inet.tcp.keepidle":
      return millis((t) => ({ keepIdle: t }));
    case "net.inet.tcp.keepintvl":
      return millis((t) => ({ keepInterval: t }));
    case "net.inet.tcp.keepcnt":
      return n > 0 ? { kind: "settings", settings: { keepCount: n } } : invalid(name, value);
    case "net.inet.tcp.rexmit_initial":
      return millis((t) => ({ initialRto: t }));
    case "net.inet.tcp.delacktime":
      return millis((t) => ({ delayedAckTimeout: t }));
    case "kern.ipc.maxsockbuf":
      return { kind: "neutral", why: "the buffer ceiling only bounds setsockopt(SO_RCVBUF/SO_SNDBUF)" };
    case "net.inet.tcp.hostcache.purgenow":
      return { kind: "neutral", why: "there is no host cache to purge (each script gets a fresh stack)" };
    case "net.inet.tcp.rexmit_slop":
      return {
        kind: "neutral",
        why: "FreeBSD's RTO slop; our RTO follows RFC 6298 (retransmission times are matched with the tolerance)",
      };
    case "net.inet.tcp.ecn.enable":
      // 0: never; 1: request and accept; 2: accept only (FreeBSD's default).
      if (n === 0 || n === 2 || capabilities.ecn) return { kind: "neutral", why: "ECN as requested" };
      return {
        kind: "not-applicable",
        reason:
          "sysctl net.inet.tcp.ecn.enable=1 asks the stack to negotiate ECN; RFC 3168 is optional and not implemented",
      };
    case "net.inet.tcp.ecn.maxretries":
      return capabilities.ecn
        ? { kind: "neutral", why: "ECN setup retries" }
        : { kind: "not-applicable", reason: "ECN (RFC 3168, optional) is not implemented" };
    case "net.inet.tcp.blackhole":
      return n === 0
        ? { kind: "neutral", why: "RSTs for closed ports, as RFC 9293 §3.10.7.1 asks" }
        : {
            kind: "not-applicable",
            reason: `sysctl net.inet.tcp.blackhole=${value}: FreeBSD's silent drop for closed ports; RFC 9293 §3.10.7.1 asks for a RST`,
          };
    case "net.inet.tcp.insecure_rst":
      return n === 0
        ? { kind: "neutral", why: "RFC 5961 §3 RST handling" }
        : {
            kind: "not-applicable",
            reason:
              "sysctl net.inet.tcp.insecure_rst=1 selects RFC 793's RST acceptance; we implement RFC 5961 §3.2 (exact-match RST, challenge ACK otherwise)",
          };
    case "net.inet.tcp.insecure_syn":
      return n === 0
        ? { kind: "neutral", why: "RFC 5961 §4 SYN handling" }
        : {
            kind: "not-applicable",
            reason:
              "sysctl net.inet.tcp.insecure_syn=1 selects RFC 793's in-window SYN reset; we implement RFC 5961 §4.2 (challenge ACK)",
          };
    case "net.inet.tcp.drop_synfin":
      return n === 0
        ? { kind: "neutral", why: "SYN+FIN segments are processed as RFC 9293 §3.10.7 says" }
        : {
            kind: "not-applicable",
            reason:
              "sysctl net.inet.tcp.drop_synfin=1 makes FreeBSD discard SYN+FIN segments; RFC 9293 §3.10.7 processes them (SYN, then FIN)",
          };
    case "net.inet.tcp.rexmit_drop_options":
      return n === 0
        ? { kind: "neutral", why: "SYN retransmissions keep their options (RFC 9293 §3.8.1)" }
        : {
            kind: "not-applicable",
            reason:
              "sysctl net.inet.tcp.rexmit_drop_options=1 makes FreeBSD drop the options from the third SYN retransmission; no RFC asks for it",
          };
    case "net.inet.tcp.icmp_may_rst":
      return n === 1
        ? { kind: "neutral", why: "ICMP hard errors may abort a connection (RFC 1122 §4.2.3.9, RFC 5461 §4)" }
        : {
            kind: "not-applicable",
            reason:
              "sysctl net.inet.tcp.icmp_may_rst=0 makes FreeBSD treat every ICMP error as soft; we abort on hard errors as RFC 1122 §4.2.3.9 allows",
          };
    case "net.inet.tcp.tolerate_missing_ts":
      return n === 0
        ? { kind: "neutral", why: "segments without timestamps are dropped (RFC 7323 §3.2)" }
        : {
            kind: "not-applicable",
            reason:
              "sysctl net.inet.tcp.tolerate_missing_ts=1 accepts segments without a timestamp; RFC 7323 §3.2 says drop them",
          };
    case "net.inet.tcp.syncookies":
      return {
        kind: "neutral",
        why: "SYN cookies (RFC 4987 §3.6) are only used when the SYN queue overflows",
      };
    case "net.inet.tcp.syncookies_only":
      return n === 0
        ? { kind: "neutral", why: "the SYN queue is used" }
        : {
            kind: "not-applicable",
            reason:
              "sysctl net.inet.tcp.syncookies_only=1 (FreeBSD answers every SYN with a cookie) is not emulated",
          };
    case "net.inet.tcp.udp_tunneling_port":
    case "net.inet.tcp.udp_tunneling_overhead":
      return n === 0
        ? { kind: "neutral", why: "no UDP tunnelling" }
        : {
            kind: "not-applicable",
            reason:
              "TCP over UDP tunnelling (FreeBSD's draft-ietf-tsvwg-tcp-over-udp implementation) is not implemented",
          };
    default:
      return { kind: "not-applicable", reason: `sysctl ${name} is not emulated` };
  }
}

function invalid(name: string, value: string): SysctlEffect {
  return { kind: "not-applicable", reason: `sysctl ${name}=${value}: unsupported value` };
}

/** FreeBSD sockstat's names for the RFC 9293 states. */
export const SOCKSTAT_STATE: Readonly<Record<ConnectionState, string>> = {
  CLOSED: "CLOSED",
  LISTEN: "LISTEN",
  "SYN-SENT": "SYN_SENT",
  "SYN-RECEIVED": "SYN_RCVD",
  ESTABLISHED: "ESTABLISHED",
  "CLOSE-WAIT": "CLOSE_WAIT",
  "FIN-WAIT-1": "FIN_WAIT_1",
  CLOSING: "CLOSING",
  "LAST-ACK": "LAST_ACK",
  "FIN-WAIT-2": "FIN_WAIT_2",
  "TIME-WAIT": "TIME_WAIT",
};

/** A shell command the runner can emulate. */
export type ShellCommand =
  | { kind: "sysctl"; assignments: { name: string; value: string }[] }
  /**
   * `sockstat [-4|-6] [-p PORT] ... | [grep packetdril |] grep -c STATE | grep N`: succeeds when
   * the count of sockets in STATE, printed in decimal, contains N (grep's substring match).
   */
  | { kind: "sockstat"; family?: 4 | 6; port?: number; ownedOnly: boolean; state: string; expect: string }
  | { kind: "tcpdrop-time-wait" }
  | { kind: "unsupported"; reason: string };

/** Reads one backtick command. */
export function parseShellCommand(command: string): ShellCommand {
  const text = command.trim();
  const sysctl = /^sysctl\s+-w\s+(.+)$/.exec(text);
  if (sysctl) {
    const assignments: { name: string; value: string }[] = [];
    for (const word of sysctl[1].trim().split(/\s+/)) {
      const eq = word.indexOf("=");
      if (eq <= 0) return { kind: "unsupported", reason: `sysctl without a value: ${text}` };
      assignments.push({ name: word.slice(0, eq), value: word.slice(eq + 1) });
    }
    return { kind: "sysctl", assignments };
  }
  if (/^tcpdrop\s+-s\s+TIME_WAIT$/.test(text)) return { kind: "tcpdrop-time-wait" };
  if (text.startsWith("sockstat")) return parseSockstat(text) ?? unsupported(text);
  if (/\b(setkey|kldload|kldstat)\b/.test(text))
    return {
      kind: "unsupported",
      reason: "TCP-MD5 signatures (RFC 2385, obsoleted by TCP-AO RFC 5925) are not implemented",
    };
  return unsupported(text);
}

function unsupported(text: string): ShellCommand {
  return { kind: "unsupported", reason: `shell command not emulated: ${text.split("\n")[0]}` };
}

function parseSockstat(text: string): ShellCommand | undefined {
  const stages = text.split("|").map((s) => s.trim().split(/\s+/));
  const [sockstat, ...greps] = stages;
  let family: 4 | 6 | undefined;
  let port: number | undefined;
  for (let i = 1; i < sockstat.length; i++) {
    const arg = sockstat[i];
    if (arg === "-4") family = 4;
    else if (arg === "-6") family = 6;
    else if (arg === "-p") {
      port = Number(sockstat[++i]);
      if (!Number.isInteger(port)) return undefined;
    } else if (arg === "-P") {
      if (sockstat[++i] !== "tcp") return undefined;
    } else if (arg !== "-s" && arg !== "-N" && arg !== "-n" && arg !== "-c" && arg !== "-l") return undefined;
  }
  let ownedOnly = false;
  let state: string | undefined;
  let expect: string | undefined;
  for (const grep of greps) {
    if (grep[0] !== "grep") return undefined;
    if (grep.length === 2 && grep[1] === "packetdril") ownedOnly = true;
    else if (grep.length === 3 && grep[1] === "-c" && state === undefined) state = grep[2];
    else if (grep.length === 2 && state !== undefined && expect === undefined) expect = grep[1];
    else return undefined;
  }
  if (state === undefined || expect === undefined) return undefined;
  if (!Object.values(SOCKSTAT_STATE).includes(state)) return undefined;
  return { kind: "sockstat", family, port, ownedOnly, state, expect };
}
