/**
 * The topology keys for NAT and the firewall: their JSON Schema (for editors and the loader's
 * first pass), the semantic checks a schema cannot make (addresses, port ranges, RFC minimum
 * timeouts, rules that must compile), and the resolution the builder needs (which interface is
 * outside when the file does not say). See docs/topology.md, sections "NAT" and "Firewall".
 *
 * ```yaml
 * home:
 *   kind: nat                       # a router that masquerades
 *   gateway: 203.0.113.1            # outside = the interface toward the gateway
 *   nat:
 *     forward: [{proto: tcp, port: 8080, to: 192.168.1.10:80}]
 *   firewall:
 *     zones: {lan: eth0, wan: eth1}
 *     forward:
 *       policy: drop
 *       rules: ["accept state established,related", "accept from lan to wan"]
 * ```
 */

import type { Node } from "../devices/node.js";
import { CHAIN_NAMES, type FirewallChainConfig, type FirewallConfig } from "../net/firewall/firewall.js";
import {
  CompiledRule,
  FIREWALL_ACTIONS,
  type FirewallRuleConfig,
  parseRuleText,
} from "../net/firewall/rules.js";
import {
  BEHAVIORS,
  MINIMUM_TIMEOUTS,
  type NatConfig,
  type NatTimeouts,
  natConfigProblems,
  type PortForward,
} from "../net/nat/config.js";
import { type Nanoseconds, SECOND } from "../sim/time.js";
import { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";
import { type NodeSpec, type SourceLocation, TopologyError } from "./model.js";

const stringOrList = (description: string) =>
  ({
    description,
    oneOf: [{ type: "string" }, { type: "array", items: { type: "string" }, minItems: 1 }],
  }) as const;

const natDuration = {
  type: ["string", "integer"],
  pattern: "^([0-9]+(\\.[0-9]+)?\\s*(ms|s|m|min|h)\\s*)+$",
  description: "A duration such as 300s, 5m or 2h4m (a bare number is seconds)",
} as const;

export const portForwardSchema = {
  type: "object",
  description: "A port forward: outside port(s) to an inside address",
  additionalProperties: false,
  required: ["port", "to"],
  properties: {
    proto: { type: "string", enum: ["tcp", "udp"], description: "tcp (default) or udp" },
    port: {
      type: ["integer", "string"],
      pattern: "^[0-9]+(-[0-9]+)?$",
      description: "The outside port, or a range such as 6000-6010",
    },
    to: {
      type: "string",
      description: "The inside address, with its port when it differs: 192.168.1.10:80",
    },
    address: { type: "string", description: "Which outside address (default: the outside interface's)" },
    description: { type: "string" },
  },
} as const;

export const natSchema = {
  type: "object",
  description: "Address translation between inside and outside interfaces (RFC 3022 NAPT)",
  additionalProperties: false,
  properties: {
    outside: { type: "string", description: "The outside interface (default: the one toward the gateway)" },
    inside: stringOrList("The inside interface(s) (default: every other interface)"),
    pool: stringOrList(
      "Outside addresses: a range 203.0.113.10-203.0.113.20, a prefix, or a list (default: the outside interface's own address)",
    ),
    ports: {
      type: "string",
      pattern: "^[0-9]+-[0-9]+$",
      description: "The outside port range for new mappings, e.g. 1024-65535",
    },
    mapping: { type: "string", enum: BEHAVIORS, description: "RFC 4787 mapping behaviour" },
    filtering: { type: "string", enum: BEHAVIORS, description: "RFC 4787 filtering behaviour" },
    "max-translations": {
      type: "integer",
      minimum: 1,
      description: "Table size; new flows beyond it are refused",
    },
    timeouts: {
      type: "object",
      additionalProperties: false,
      properties: {
        udp: natDuration,
        "tcp-established": natDuration,
        "tcp-transitory": natDuration,
        icmp: natDuration,
      },
    },
    forward: {
      type: "array",
      items: portForwardSchema,
      description: "Port forwards (static destination NAT)",
    },
    "unsolicited-syn": {
      type: "string",
      enum: ["icmp", "drop"],
      description: "Answer an unsolicited inbound SYN with port unreachable after 6 s (icmp), or not",
    },
    description: { type: "string" },
  },
} as const;

export const firewallRuleSchema = {
  type: ["object", "string"],
  description:
    'A rule: {action, from, to, proto, src, dst, sport, dport, state, icmp-type} or one line such as "accept tcp from wan dport 80"',
  additionalProperties: false,
  required: ["action"],
  properties: {
    action: { type: "string", enum: FIREWALL_ACTIONS },
    from: { type: "string", description: "Zone or interface the packet arrives on" },
    to: { type: "string", description: "Zone or interface the packet leaves by" },
    proto: { type: ["string", "integer"], description: "tcp, udp, icmp, any or a protocol number" },
    src: { type: "string", description: "Source address or prefix" },
    dst: { type: "string", description: "Destination address or prefix" },
    sport: { type: ["integer", "string"], description: "Source port or range (tcp, udp)" },
    dport: { type: ["integer", "string"], description: "Destination port or range (tcp, udp)" },
    state: stringOrList("Connection states: new, established, related, invalid"),
    "icmp-type": { type: "integer", minimum: 0, maximum: 255 },
    description: { type: "string" },
  },
} as const;

const chainSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    policy: { type: "string", enum: FIREWALL_ACTIONS, description: "What happens when no rule matches" },
    rules: { type: "array", items: firewallRuleSchema },
  },
} as const;

export const firewallSchema = {
  type: "object",
  description: "A stateful firewall: zones, and input/forward/output chains of rules",
  additionalProperties: false,
  properties: {
    zones: {
      type: "object",
      description: "Zone names and their interfaces, e.g. {lan: [eth0], wan: eth1}",
      additionalProperties: stringOrList("The zone's interfaces"),
    },
    input: chainSchema,
    forward: chainSchema,
    output: chainSchema,
    "max-connections": { type: "integer", minimum: 1, description: "Connection tracking table size" },
    description: { type: "string" },
  },
} as const;

// ---------------------------------------------------------------------------------------------
// The raw shapes (after schema validation) and their checks

export interface RawPortForward {
  proto?: "tcp" | "udp";
  port: number | string;
  to: string;
  address?: string;
}

export interface RawNat {
  outside?: string;
  inside?: string | string[];
  pool?: string | string[];
  ports?: string;
  mapping?: NatConfig["mapping"];
  filtering?: NatConfig["filtering"];
  "max-translations"?: number;
  timeouts?: {
    udp?: string | number;
    "tcp-established"?: string | number;
    "tcp-transitory"?: string | number;
    icmp?: string | number;
  };
  forward?: RawPortForward[];
  "unsolicited-syn"?: "icmp" | "drop";
}

export interface RawRule {
  action: FirewallRuleConfig["action"];
  from?: string;
  to?: string;
  proto?: string | number;
  src?: string;
  dst?: string;
  sport?: number | string;
  dport?: number | string;
  state?: string | string[];
  "icmp-type"?: number;
}

export interface RawFirewall {
  zones?: Record<string, string | string[]>;
  input?: { policy?: FirewallRuleConfig["action"]; rules?: (RawRule | string)[] };
  forward?: { policy?: FirewallRuleConfig["action"]; rules?: (RawRule | string)[] };
  output?: { policy?: FirewallRuleConfig["action"]; rules?: (RawRule | string)[] };
  "max-connections"?: number;
}

/** NAT as the model holds it: the outside interface may be left to the builder to find. */
export interface NatSpec extends Omit<NatConfig, "outside"> {
  outside?: string;
  location: SourceLocation;
}

export interface FirewallSpec extends FirewallConfig {
  location: SourceLocation;
}

/** Reports a problem at a path under the node (e.g. ["nat", "pool"]). */
export type Problem = (message: string, path: (string | number)[]) => void;

/** Parses `5m`, `2h4m`, `300s`, `1500ms` or a bare number of seconds. */
export function parseNatDuration(value: string | number): Nanoseconds | undefined {
  if (typeof value === "number") return value * SECOND;
  const units: Record<string, number> = {
    ms: SECOND / 1000,
    s: SECOND,
    m: 60 * SECOND,
    min: 60 * SECOND,
    h: 3600 * SECOND,
  };
  let total = 0;
  let matched = "";
  for (const part of value.matchAll(/([0-9]+(?:\.[0-9]+)?)\s*(ms|min|s|m|h)\s*/g)) {
    total += Number(part[1]) * units[part[2]];
    matched += part[0];
  }
  return matched.length === value.length && matched.length > 0 ? Math.round(total) : undefined;
}

/** Parses a pool: `203.0.113.10-203.0.113.20`, `203.0.113.8/29` (its host addresses) or one address. */
export function parsePool(text: string): number[] | string {
  const dash = text.indexOf("-");
  if (dash > 0) {
    const first = Ipv4Address.tryParse(text.slice(0, dash).trim());
    const last = Ipv4Address.tryParse(text.slice(dash + 1).trim());
    if (!first || !last) return `"${text}" is not a range of addresses such as 203.0.113.10-203.0.113.20`;
    if (last.value < first.value) return `range ${text} ends before it starts`;
    if (last.value - first.value >= 65536) return `range ${text} holds more than 65536 addresses`;
    const list: number[] = [];
    for (let a = first.value; a <= last.value; a++) list.push(a);
    return list;
  }
  if (text.includes("/")) {
    const prefix = Ipv4Prefix.tryParse(text);
    if (!prefix) return `"${text}" is not a prefix such as 203.0.113.8/29`;
    if (prefix.length < 16) return `prefix ${text} is larger than a /16`;
    const list: number[] = [];
    const first = prefix.length >= 31 ? prefix.network.value : prefix.firstHost.value;
    const last = prefix.length >= 31 ? prefix.broadcast.value : prefix.lastHost.value;
    for (let a = first; a <= last; a++) list.push(a);
    return list;
  }
  const address = Ipv4Address.tryParse(text);
  return address ? [address.value] : `"${text}" is not an address, a range or a prefix`;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Checks and converts a node's `nat` key. */
export function buildNatSpec(raw: RawNat, location: SourceLocation, problem: Problem): NatSpec {
  const report = problem;
  const spec: NatSpec = { location };
  if (raw.outside !== undefined) spec.outside = raw.outside;
  if (raw.inside !== undefined) spec.inside = asList(raw.inside);
  if (raw.pool !== undefined) {
    const pool: number[] = [];
    asList(raw.pool).forEach((text, index) => {
      const parsed = parsePool(text);
      if (typeof parsed === "string") {
        report(
          `"pool" of nat: ${parsed}`,
          Array.isArray(raw.pool) ? ["nat", "pool", index] : ["nat", "pool"],
        );
      } else pool.push(...parsed);
    });
    spec.pool = pool;
  }
  if (raw.ports !== undefined) {
    const [min, max] = raw.ports.split("-").map(Number);
    spec.ports = { min, max };
  }
  if (raw.mapping !== undefined) spec.mapping = raw.mapping;
  if (raw.filtering !== undefined) spec.filtering = raw.filtering;
  if (raw["max-translations"] !== undefined) spec.maxTranslations = raw["max-translations"];
  if (raw["unsolicited-syn"] !== undefined) spec.unsolicitedSyn = raw["unsolicited-syn"];
  if (raw.timeouts !== undefined) {
    const timeouts: Partial<NatTimeouts> = {};
    const names = {
      udp: "udp",
      "tcp-established": "tcpEstablished",
      "tcp-transitory": "tcpTransitory",
      icmp: "icmp",
    } as const;
    for (const [key, field] of Object.entries(names)) {
      const value = raw.timeouts[key as keyof typeof names];
      if (value === undefined) continue;
      const duration = parseNatDuration(value);
      const least = MINIMUM_TIMEOUTS[field];
      const at = ["nat", "timeouts", key];
      if (duration === undefined)
        report(`"${key}" timeout: expected a duration such as 5m, found "${value}"`, at);
      else if (least !== undefined && duration < least) {
        report(`the ${key} timeout of ${value} is below the ${least / SECOND} s the RFCs require`, at);
      } else timeouts[field] = duration;
    }
    spec.timeouts = timeouts;
  }
  const forwards: PortForward[] = [];
  (raw.forward ?? []).forEach((forward, index) => {
    const path = ["nat", "forward", index];
    const [first, last] = String(forward.port).split("-").map(Number);
    const count = last === undefined ? 1 : last - first + 1;
    if (count < 1) {
      report(`port forward #${index + 1}: the range ${forward.port} ends before it starts`, [
        ...path,
        "port",
      ]);
      return;
    }
    const match = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(forward.to.trim());
    const to = match ? Ipv4Address.tryParse(match[1]) : undefined;
    if (!match || !to) {
      report(
        `port forward #${index + 1}: "to" must be an inside address, with a port if it differs, such as 192.168.1.10:80; found "${forward.to}"`,
        [...path, "to"],
      );
      return;
    }
    if (forward.address !== undefined && !Ipv4Address.tryParse(forward.address)) {
      report(`port forward #${index + 1}: "address" must be an IPv4 address, found "${forward.address}"`, [
        ...path,
        "address",
      ]);
      return;
    }
    forwards.push({
      protocol: forward.proto ?? "tcp",
      port: first,
      ...(count > 1 ? { count } : {}),
      to: to.value,
      ...(match[2] !== undefined ? { toPort: Number(match[2]) } : {}),
      ...(forward.address !== undefined ? { address: forward.address } : {}),
    });
  });
  if (forwards.length > 0) spec.forward = forwards;
  for (const message of natConfigProblems({ ...spec, outside: spec.outside ?? "" }))
    report(`nat: ${message}`, ["nat"]);
  // With problems the loader returns no topology; the spec still goes on so that later checks
  // (the interfaces it names) report their problems too.
  return spec;
}

/** Checks and converts a node's `firewall` key (rules are compiled to find their mistakes). */
export function buildFirewallSpec(
  raw: RawFirewall,
  location: SourceLocation,
  problem: Problem,
): FirewallSpec {
  const spec: FirewallSpec = { location };
  const zones = new Map<string, string[]>();
  for (const [zone, members] of Object.entries(raw.zones ?? {})) zones.set(zone, asList(members));
  if (raw.zones) spec.zones = Object.fromEntries(zones);
  if (raw["max-connections"] !== undefined) spec.maxConnections = raw["max-connections"];
  for (const name of CHAIN_NAMES) {
    const chain = raw[name];
    if (chain === undefined) continue;
    const built: FirewallChainConfig & { rules: FirewallRuleConfig[] } = { rules: [] };
    if (chain.policy !== undefined) built.policy = chain.policy;
    (chain.rules ?? []).forEach((rawRule, index) => {
      const path = ["firewall", name, "rules", index];
      const rule = typeof rawRule === "string" ? parseRuleText(rawRule) : ruleFromRaw(rawRule);
      const compiled = typeof rule === "string" ? rule : CompiledRule.compile(rule, zones);
      if (typeof compiled === "string") {
        problem(`${name} rule #${index + 1} of firewall: ${compiled}`, path);
        // Keep the numbering of the file for later messages (the topology is refused anyway).
        built.rules.push(typeof rule === "string" ? { action: "drop" } : rule);
        return;
      }
      built.rules.push(rule as FirewallRuleConfig);
    });
    spec[name] = built;
  }
  return spec;
}

function ruleFromRaw(raw: RawRule): FirewallRuleConfig {
  const rule: FirewallRuleConfig = { action: raw.action };
  if (raw.from !== undefined) rule.from = raw.from;
  if (raw.to !== undefined) rule.to = raw.to;
  if (raw.proto !== undefined) rule.protocol = raw.proto;
  if (raw.src !== undefined) rule.src = raw.src;
  if (raw.dst !== undefined) rule.dst = raw.dst;
  if (raw.sport !== undefined) rule.sport = raw.sport;
  if (raw.dport !== undefined) rule.dport = raw.dport;
  if (raw.state !== undefined) rule.state = raw.state;
  if (raw["icmp-type"] !== undefined) rule.icmpType = raw["icmp-type"];
  return rule;
}

/** The interface names a firewall or NAT spec mentions, with where (for the loader's check). */
export function interfacesNamed(node: NodeSpec): { name: string; path: (string | number)[] }[] {
  const named: { name: string; path: (string | number)[] }[] = [];
  const nat = node.nat;
  if (nat?.outside !== undefined) named.push({ name: nat.outside, path: ["nat", "outside"] });
  for (const name of nat?.inside ?? []) named.push({ name, path: ["nat", "inside"] });
  const firewall = node.firewall;
  for (const [zone, members] of Object.entries(firewall?.zones ?? {})) {
    for (const name of asList(members as string | string[]))
      named.push({ name, path: ["firewall", "zones", zone] });
  }
  for (const chain of CHAIN_NAMES) {
    (firewall?.[chain]?.rules ?? []).forEach((rule, index) => {
      for (const side of ["from", "to"] as const) {
        const name = rule[side];
        if (name !== undefined && !(firewall?.zones && name in firewall.zones)) {
          named.push({ name, path: ["firewall", chain, "rules", index] });
        }
      }
    });
  }
  return named;
}

/**
 * The NAT configuration a node runs: its outside interface is the one the file names, else the
 * one whose subnet holds the gateway, else the one its default route leaves by. A string says
 * why none could be found.
 */
export function natConfigOf(node: NodeSpec): NatConfig | string {
  const nat = node.nat;
  if (!nat) return `node "${node.name}" has no NAT`;
  const { location: _, ...config } = nat;
  let outside = nat.outside;
  if (outside === undefined && node.gateway) {
    const gateway = node.gateway.value;
    outside = [...node.interfaces.values()].find((i) =>
      i.ipv4.some((p) => p.networkPrefix.contains(new Ipv4Address(gateway))),
    )?.name;
  }
  if (outside === undefined) {
    const route = node.routes.find((r) => r.to instanceof Ipv4Prefix && r.to.length === 0);
    if (route?.dev !== undefined) outside = route.dev;
    else if (route?.via !== undefined) {
      const via = route.via;
      outside = [...node.interfaces.values()].find((i) =>
        i.ipv4.some((p) => p.networkPrefix.contains(via as Ipv4Address)),
      )?.name;
    }
  }
  if (outside === undefined) {
    return `node "${node.name}": which interface is outside? Say it with "nat: {outside: IFACE}", or give the node a "gateway"`;
  }
  return { ...config, outside };
}

/**
 * For the builder: switches on a built node's NAT and firewall as its spec says (after its
 * interfaces, addresses and routes are in place). Returns the problems, located, instead of
 * throwing.
 */
export function applyNatAndFirewall(node: Node, spec: NodeSpec): TopologyError[] {
  const errors: TopologyError[] = [];
  if (spec.nat) {
    const config = natConfigOf(spec);
    if (typeof config === "string") errors.push(new TopologyError(config, spec.nat.location));
    else {
      try {
        node.enableNat(config);
      } catch (error) {
        errors.push(new TopologyError((error as Error).message, spec.nat.location));
      }
    }
  }
  if (spec.firewall) {
    const { location, ...config } = spec.firewall;
    try {
      node.enableFirewall(config);
    } catch (error) {
      errors.push(new TopologyError((error as Error).message, location));
    }
  }
  return errors;
}
