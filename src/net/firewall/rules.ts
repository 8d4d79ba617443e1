/**
 * Firewall rules: what a packet must look like for a rule to decide about it. A rule matches on
 * where the packet comes from and goes to (a zone or an interface), the protocol, source and
 * destination prefixes, port ranges, the ICMP type, and its connection-tracking state. Unset
 * fields match anything. Rules are compiled to numbers once, so matching allocates nothing.
 *
 * The same rule can be written as data (the topology file) or as one line of text (the shell):
 *
 * ```
 * accept tcp from wan to lan dst 192.168.1.10 dport 80 state new
 * drop udp src 10.0.0.0/8 dport 1024-65535
 * accept state established,related
 * ```
 */
import { Ipv4Address, Ipv4Prefix, ipv4Netmask } from "../../wire/address/ipv4.js";
import { IpProtocol } from "../../wire/ipv4.js";
import { CONN_STATE_NAMES, type ConnState } from "./conntrack.js";

export type FirewallAction = "accept" | "drop" | "reject";
export const FIREWALL_ACTIONS: readonly FirewallAction[] = ["accept", "drop", "reject"];

/** A rule as written. */
export interface FirewallRuleConfig {
  action: FirewallAction;
  /** A zone, or an interface, the packet arrived on (input and forward chains). */
  from?: string;
  /** A zone, or an interface, the packet leaves by (forward and output chains). */
  to?: string;
  /** `tcp`, `udp`, `icmp`, `any` or a protocol number (default any). */
  protocol?: string | number;
  /** Source address or prefix, e.g. `10.0.0.0/8`. */
  src?: string;
  /** Destination address or prefix. */
  dst?: string;
  /** Source port or range (`1024-65535`); TCP and UDP only. */
  sport?: number | string;
  /** Destination port or range. */
  dport?: number | string;
  /** Connection states: `new`, `established`, `related`, `invalid` (one or a list). */
  state?: string | readonly string[];
  /** ICMP type (e.g. 8 for echo request); ICMP only. */
  icmpType?: number;
  comment?: string;
}

/** The facts about one packet that rules look at (one object reused per packet). */
export interface PacketFacts {
  inIface: string | undefined;
  outIface: string | undefined;
  protocol: number;
  src: number;
  dst: number;
  /** -1 when the protocol has no ports. */
  sport: number;
  dport: number;
  /** -1 unless ICMP. */
  icmpType: number;
  state: ConnState;
}

const PROTOCOLS: Record<string, number> = { tcp: IpProtocol.TCP, udp: IpProtocol.UDP, icmp: IpProtocol.ICMP };

/** Parses a protocol name or number; -1 for any; undefined when unknown. */
export function parseProtocol(value: string | number | undefined): number | undefined {
  if (value === undefined || value === "any" || value === "ip") return -1;
  if (typeof value === "number")
    return Number.isInteger(value) && value >= 0 && value <= 255 ? value : undefined;
  const known = PROTOCOLS[value.toLowerCase()];
  if (known !== undefined) return known;
  return /^\d+$/.test(value) && Number(value) <= 255 ? Number(value) : undefined;
}

/** Parses `80` or `1024-65535` into [low, high]; undefined when malformed. */
export function parsePortRange(value: number | string | undefined): [number, number] | undefined {
  if (value === undefined) return [0, 65535];
  const text = String(value).trim();
  const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(text);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (low > high || high > 65535) return undefined;
  return [low, high];
}

/** Parses `10.0.0.0/8` or `192.168.1.10` (a /32) into [network, mask]. */
function parsePrefix(value: string | undefined): [number, number] | undefined {
  if (value === undefined || value === "any") return [0, 0];
  const prefix = value.includes("/") ? Ipv4Prefix.tryParse(value) : undefined;
  if (prefix) {
    const mask = ipv4Netmask(prefix.length);
    return [(prefix.address.value & mask) >>> 0, mask];
  }
  const address = Ipv4Address.tryParse(value);
  return address ? [address.value, 0xffffffff] : undefined;
}

/** A rule ready to match, with its hit counters. */
export class CompiledRule {
  packets = 0;
  bytes = 0;

  private constructor(
    readonly config: FirewallRuleConfig,
    private readonly inIfaces: ReadonlySet<string> | undefined,
    private readonly outIfaces: ReadonlySet<string> | undefined,
    private readonly protocol: number,
    private readonly srcNet: number,
    private readonly srcMask: number,
    private readonly dstNet: number,
    private readonly dstMask: number,
    private readonly sport: [number, number],
    private readonly dport: [number, number],
    private readonly states: number,
    private readonly icmpType: number,
  ) {}

  /**
   * Compiles `config`; `zones` maps zone names to interfaces (a name that is not a zone is an
   * interface). Returns what is wrong instead when the rule cannot be understood.
   */
  static compile(
    config: FirewallRuleConfig,
    zones: ReadonlyMap<string, readonly string[]>,
  ): CompiledRule | string {
    if (!FIREWALL_ACTIONS.includes(config.action))
      return `unknown action "${config.action}" (accept, drop or reject)`;
    const protocol = parseProtocol(config.protocol);
    if (protocol === undefined)
      return `unknown protocol "${config.protocol}" (tcp, udp, icmp, any or a number)`;
    const src = parsePrefix(config.src);
    if (!src) return `"src" must be an address or prefix such as 10.0.0.0/8, not "${config.src}"`;
    const dst = parsePrefix(config.dst);
    if (!dst) return `"dst" must be an address or prefix such as 10.0.0.0/8, not "${config.dst}"`;
    const sport = parsePortRange(config.sport);
    if (!sport) return `"sport" must be a port or a range such as 1024-65535, not "${config.sport}"`;
    const dport = parsePortRange(config.dport);
    if (!dport) return `"dport" must be a port or a range such as 1024-65535, not "${config.dport}"`;
    if (
      (config.sport !== undefined || config.dport !== undefined) &&
      protocol !== IpProtocol.TCP &&
      protocol !== IpProtocol.UDP
    ) {
      return "ports need protocol tcp or udp";
    }
    if (config.icmpType !== undefined && protocol !== IpProtocol.ICMP)
      return '"icmp-type" needs protocol icmp';
    let states = 0;
    for (const name of config.state === undefined ? [] : [config.state].flat()) {
      const state = CONN_STATE_NAMES[name.toLowerCase()];
      if (state === undefined) return `unknown state "${name}" (new, established, related, invalid)`;
      states |= state;
    }
    const side = (name: string | undefined) =>
      name === undefined ? undefined : new Set(zones.get(name) ?? [name]);
    return new CompiledRule(
      config,
      side(config.from),
      side(config.to),
      protocol,
      src[0],
      src[1],
      dst[0],
      dst[1],
      sport,
      dport,
      states,
      config.icmpType ?? -1,
    );
  }

  matches(p: PacketFacts): boolean {
    if (this.protocol >= 0 && p.protocol !== this.protocol) return false;
    if (this.states !== 0 && (this.states & p.state) === 0) return false;
    if ((p.src & this.srcMask) >>> 0 !== this.srcNet) return false;
    if ((p.dst & this.dstMask) >>> 0 !== this.dstNet) return false;
    if (this.inIfaces !== undefined && (p.inIface === undefined || !this.inIfaces.has(p.inIface)))
      return false;
    if (this.outIfaces !== undefined && (p.outIface === undefined || !this.outIfaces.has(p.outIface)))
      return false;
    if (p.sport >= 0 && (p.sport < this.sport[0] || p.sport > this.sport[1])) return false;
    if (p.dport >= 0 && (p.dport < this.dport[0] || p.dport > this.dport[1])) return false;
    if (this.icmpType >= 0 && p.icmpType !== this.icmpType) return false;
    return true;
  }

  /** The rule in `show access-lists` words (Cisco's, plus zones and states). */
  describe(): string {
    const c = this.config;
    const words: string[] = [c.action === "accept" ? "permit" : c.action === "drop" ? "deny" : "reject"];
    words.push(
      this.protocol < 0
        ? "ip"
        : (Object.keys(PROTOCOLS).find((k) => PROTOCOLS[k] === this.protocol) ?? String(this.protocol)),
    );
    words.push(...addressWords(this.srcNet, this.srcMask), ...portWords(this.sport));
    words.push(...addressWords(this.dstNet, this.dstMask), ...portWords(this.dport));
    if (this.icmpType >= 0) words.push(String(this.icmpType));
    if (c.state !== undefined) words.push([c.state].flat().join(",").toLowerCase());
    if (c.from !== undefined) words.push("from", c.from);
    if (c.to !== undefined) words.push("to", c.to);
    return words.join(" ");
  }
}

/** Cisco's `any`, `host A`, or `A wildcard`. */
function addressWords(network: number, mask: number): string[] {
  if (mask === 0) return ["any"];
  if (mask === 0xffffffff) return ["host", new Ipv4Address(network).toString()];
  return [new Ipv4Address(network).toString(), new Ipv4Address(~mask >>> 0).toString()];
}

function portWords([low, high]: [number, number]): string[] {
  if (low === 0 && high === 65535) return [];
  if (low === high) return ["eq", String(low)];
  return ["range", String(low), String(high)];
}

/**
 * Reads a rule written as one line, e.g.
 * `accept tcp from wan to lan dst 192.168.1.10 dport 80 state new`. Returns what is wrong
 * instead when it cannot.
 */
export function parseRuleText(text: string): FirewallRuleConfig | string {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  const action = words.shift()?.toLowerCase();
  if (action === undefined || !FIREWALL_ACTIONS.includes(action as FirewallAction)) {
    return `a rule starts with accept, drop or reject, not "${action ?? ""}"`;
  }
  const rule: FirewallRuleConfig = { action: action as FirewallAction };
  if (words.length > 0 && parseProtocol(words[0]) !== undefined && !KEYS.has(words[0])) {
    rule.protocol = words.shift()!.toLowerCase();
  }
  while (words.length > 0) {
    const key = words.shift()!.toLowerCase();
    const value = words.shift();
    if (!KEYS.has(key)) return `unknown word "${key}" (expected ${[...KEYS].join(", ")})`;
    if (value === undefined) return `"${key}" needs a value`;
    switch (key) {
      case "from":
        rule.from = value;
        break;
      case "to":
        rule.to = value;
        break;
      case "src":
        rule.src = value;
        break;
      case "dst":
        rule.dst = value;
        break;
      case "sport":
        rule.sport = value;
        break;
      case "dport":
        rule.dport = value;
        break;
      case "state":
        rule.state = value.split(",");
        break;
      case "icmp-type":
        rule.icmpType = Number(value);
        break;
      case "proto":
      case "protocol":
        rule.protocol = value;
        break;
    }
  }
  return rule;
}

const KEYS = new Set([
  "from",
  "to",
  "src",
  "dst",
  "sport",
  "dport",
  "state",
  "icmp-type",
  "proto",
  "protocol",
]);
