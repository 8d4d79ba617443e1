/**
 * How a NAT is configured: plain data, as the topology file or code gives it. The behaviours are
 * RFC 4787's vocabulary (§4.1 mapping, §5 filtering); the defaults are what a Linux home router
 * does, which RFC 4787 and RFC 5382 allow: endpoint-independent mapping, port preservation when the
 * port is free, "paired" address pooling, and address-and-port-dependent filtering.
 */
import { type Nanoseconds, SECOND } from "../../sim/time.js";

const MINUTE = 60 * SECOND;

/**
 * RFC 4787 §4.1: when does an inside endpoint (address, port) get the same outside endpoint?
 * - `endpoint-independent`: always, whatever it talks to (REQ-1: a NAT MUST behave so);
 * - `address-dependent`: while it talks to the same remote address;
 * - `address-and-port-dependent`: only toward the same remote address and port ("symmetric NAT").
 */
export type MappingBehavior = "endpoint-independent" | "address-dependent" | "address-and-port-dependent";

/**
 * RFC 4787 §5: which packets from outside may use a mapping?
 * - `endpoint-independent`: any, from anyone ("full cone");
 * - `address-dependent`: from remote addresses the inside endpoint has sent to;
 * - `address-and-port-dependent`: from remote address *and port* pairs it has sent to.
 */
export type FilteringBehavior = MappingBehavior;

export const BEHAVIORS: readonly MappingBehavior[] = [
  "endpoint-independent",
  "address-dependent",
  "address-and-port-dependent",
];

/** A static destination translation ("port forward"): outside `port` goes to `to`:`toPort`. */
export interface PortForward {
  protocol: "tcp" | "udp";
  /** The outside port (the first of the range when `count` > 1). */
  port: number;
  /** How many consecutive ports (default 1). */
  count?: number;
  /** The inside address the traffic goes to (uint32 or dotted text). */
  to: number | string;
  /** The inside port (default: the same as `port`); the first of the range. */
  toPort?: number;
  /** Which outside address (default: the outside interface's, or the pool's first). */
  address?: number | string;
}

/** Idle times after which a session is forgotten. */
export interface NatTimeouts {
  /** RFC 4787 REQ-5: at least 2 minutes; 5 minutes recommended (REQ-5c) and default. */
  udp: Nanoseconds;
  /** RFC 5382 REQ-5: at least 2 hours 4 minutes (the default). */
  tcpEstablished: Nanoseconds;
  /** RFC 5382 REQ-5: at least 4 minutes (the default), while opening or closing. */
  tcpTransitory: Nanoseconds;
  /** RFC 5508 REQ-1: at least 60 seconds (the default) for an ICMP query session. */
  icmp: Nanoseconds;
  /** RFC 5382 REQ-4: an unsolicited inbound SYN is held this long (6 s) before it is answered. */
  unsolicitedSyn: Nanoseconds;
}

export const DEFAULT_TIMEOUTS: NatTimeouts = {
  udp: 5 * MINUTE,
  tcpEstablished: (2 * 60 + 4) * MINUTE,
  tcpTransitory: 4 * MINUTE,
  icmp: 60 * SECOND,
  unsolicitedSyn: 6 * SECOND,
};

/** The least each timeout may be (the RFCs' MUSTs). */
export const MINIMUM_TIMEOUTS: Partial<NatTimeouts> = {
  udp: 2 * MINUTE,
  tcpEstablished: (2 * 60 + 4) * MINUTE,
  tcpTransitory: 4 * MINUTE,
  icmp: 60 * SECOND,
};

export interface NatConfig {
  /** The outside interface (toward the Internet). */
  outside: string;
  /** The inside interfaces (default: every interface but the outside one). */
  inside?: readonly string[];
  /**
   * Outside addresses to translate to. Default: the outside interface's own address
   * ("masquerade", following it if it changes). Addresses as uint32 or dotted text.
   */
  pool?: readonly (number | string)[];
  /**
   * Outside ports new mappings may use. Default: the same range class as the inside port
   * (0-1023 or 1024-65535, RFC 4787 REQ-3a).
   */
  ports?: { min: number; max: number };
  mapping?: MappingBehavior;
  filtering?: FilteringBehavior;
  /** At most this many sessions (translations); new flows beyond it are refused (default 65536). */
  maxTranslations?: number;
  timeouts?: Partial<NatTimeouts>;
  /** Static destination translations (port forwards). */
  forward?: readonly PortForward[];
  /** Inbound packets refresh a session's timer too (RFC 4787 REQ-6a allows it; default true). */
  inboundRefresh?: boolean;
  /**
   * What to do with an unsolicited inbound SYN after holding it (RFC 5382 REQ-4): answer with
   * ICMP port unreachable (`"icmp"`, the default), or drop it silently (`"drop"`, REQ-4a).
   */
  unsolicitedSyn?: "icmp" | "drop";
}

export const DEFAULT_MAX_TRANSLATIONS = 65536;

/** Checks a configuration; returns what is wrong (empty when it is fine). */
export function natConfigProblems(config: NatConfig): string[] {
  const problems: string[] = [];
  if (config.inside?.includes(config.outside)) {
    problems.push(`interface ${config.outside} cannot be both inside and outside`);
  }
  const ports = config.ports;
  if (
    ports &&
    !(
      Number.isInteger(ports.min) &&
      Number.isInteger(ports.max) &&
      1 <= ports.min &&
      ports.min <= ports.max &&
      ports.max <= 65535
    )
  ) {
    problems.push(`port range ${ports.min}-${ports.max} must lie within 1-65535, lowest first`);
  }
  if (
    config.maxTranslations !== undefined &&
    !(Number.isInteger(config.maxTranslations) && config.maxTranslations >= 1)
  ) {
    problems.push(`max-translations must be a positive integer, not ${config.maxTranslations}`);
  }
  for (const [name, least] of Object.entries(MINIMUM_TIMEOUTS)) {
    const value = config.timeouts?.[name as keyof NatTimeouts];
    if (value !== undefined && least !== undefined && value < least) {
      problems.push(
        `the ${name} timeout of ${value / SECOND} s is below the ${least / SECOND} s the RFCs require`,
      );
    }
  }
  for (const forward of config.forward ?? []) {
    const count = forward.count ?? 1;
    const toPort = forward.toPort ?? forward.port;
    if (forward.port < 1 || forward.port + count - 1 > 65535 || toPort < 1 || toPort + count - 1 > 65535) {
      problems.push(`port forward ${forward.protocol} ${forward.port}: ports must lie within 1-65535`);
    }
  }
  return problems;
}
