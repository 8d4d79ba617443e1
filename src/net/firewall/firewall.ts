/**
 * A stateful packet filter, on routers and hosts alike: three chains as in netfilter's filter
 * table — `input` (datagrams for this node), `forward` (datagrams it routes), `output` (datagrams
 * it sends) — each a list of rules tried in order, the first match deciding, and a default policy
 * when none matches. Rules see each packet's connection state (conntrack.ts), so "let replies in"
 * is one rule: `accept state established,related`.
 *
 * Zones name groups of interfaces (`lan: [eth0, eth1]`, `wan: [eth2]`), so rules read as policy
 * ("from lan to wan") rather than wiring. Every decision is counted on its rule (hit counters, as
 * `show access-lists` prints them) and every drop is traced with the rule that made it.
 *
 * `reject` drops and answers with ICMP "communication administratively prohibited" (RFC 1812
 * §5.2.7.1, what a Cisco ACL sends), which a TCP or UDP sender sees as EHOSTUNREACH. In the output
 * chain, drop and reject both make the send fail with EPERM, as Linux does.
 *
 * With NAT on the same router, the forward chain sees inside addresses both ways (destination NAT
 * happens before it, source NAT after it), as in Linux.
 */
import type { Nanoseconds } from "../../sim/time.js";
import { Icmpv4Type, UnreachableCode } from "../../wire/icmpv4.js";
import { IpProtocol } from "../../wire/ipv4.js";
import { readUint16, readUint32 } from "../../wire/network-order.js";
import { DropTally } from "../counters.js";
import { HookPriority, type Ipv4Hook, Verdict } from "../hooks.js";
import type { NetInterface } from "../interface.js";
import type { Ipv4Layer } from "../ipv4-layer.js";
import { Conntrack, type ConntrackTimeouts, DEFAULT_CONNTRACK_TIMEOUTS } from "./conntrack.js";
import { CompiledRule, type FirewallAction, type FirewallRuleConfig, type PacketFacts } from "./rules.js";

export type ChainName = "input" | "forward" | "output";
export const CHAIN_NAMES: readonly ChainName[] = ["input", "forward", "output"];

export interface FirewallChainConfig {
  /** What happens to packets no rule matches (default accept). */
  policy?: FirewallAction;
  rules?: readonly FirewallRuleConfig[];
}

export interface FirewallConfig {
  /** Zone name → its interfaces. */
  zones?: Readonly<Record<string, string | readonly string[]>>;
  input?: FirewallChainConfig;
  forward?: FirewallChainConfig;
  output?: FirewallChainConfig;
  /** Tracked connections at most (Linux's nf_conntrack_max; default 65536). */
  maxConnections?: number;
  timeouts?: Partial<ConntrackTimeouts>;
}

export const DEFAULT_MAX_CONNECTIONS = 65536;

/** One chain: its rules in order, its policy, and the policy's own hit counters. */
export class Chain {
  readonly rules: CompiledRule[] = [];
  policyPackets = 0;
  policyBytes = 0;

  constructor(
    readonly name: ChainName,
    public policy: FirewallAction,
  ) {}
}

export class FirewallCounters {
  accepted = 0;
  dropped = 0;
  rejected = 0;
  /** Drops by reason: `firewall-forward-policy`, `firewall-input-rule-3`, `conntrack-table-full`... */
  readonly drops = new DropTally();
}

export class Firewall implements Ipv4Hook {
  readonly priority = HookPriority.Filter;
  readonly conntrack: Conntrack;
  readonly counters = new FirewallCounters();
  readonly zones = new Map<string, readonly string[]>();
  readonly chains: Record<ChainName, Chain>;
  /** Reused for every packet (the filter allocates nothing per packet). */
  private readonly facts: PacketFacts = {
    inIface: undefined,
    outIface: undefined,
    protocol: 0,
    src: 0,
    dst: 0,
    sport: -1,
    dport: -1,
    icmpType: -1,
    state: 1,
  };

  constructor(
    readonly ipv4: Ipv4Layer,
    config: FirewallConfig = {},
  ) {
    for (const [zone, members] of Object.entries(config.zones ?? {})) {
      this.zones.set(zone, typeof members === "string" ? [members] : [...members]);
    }
    this.conntrack = new Conntrack(config.maxConnections ?? DEFAULT_MAX_CONNECTIONS, {
      ...DEFAULT_CONNTRACK_TIMEOUTS,
      ...config.timeouts,
    });
    this.chains = {
      input: new Chain("input", config.input?.policy ?? "accept"),
      forward: new Chain("forward", config.forward?.policy ?? "accept"),
      output: new Chain("output", config.output?.policy ?? "accept"),
    };
    const problems: string[] = [];
    for (const name of CHAIN_NAMES) {
      (config[name]?.rules ?? []).forEach((rule, index) => {
        const problem = this.addRule(name, rule);
        if (problem !== undefined) problems.push(`${name} rule ${index + 1}: ${problem}`);
      });
    }
    if (problems.length > 0) throw new RangeError(`firewall on ${ipv4.context.name}: ${problems.join("; ")}`);
  }

  /**
   * Adds a rule at the end of `chain` (or before position `at`, 1-based). Returns what is wrong
   * with it instead, when it cannot be understood.
   */
  addRule(chain: ChainName, rule: FirewallRuleConfig, at?: number): string | undefined {
    const compiled = CompiledRule.compile(rule, this.zones);
    if (typeof compiled === "string") return compiled;
    const rules = this.chains[chain].rules;
    if (at === undefined || at > rules.length) rules.push(compiled);
    else rules.splice(Math.max(0, at - 1), 0, compiled);
    return undefined;
  }

  /** Removes rule number `at` (1-based) of `chain`; false when there is none. */
  removeRule(chain: ChainName, at: number): boolean {
    const rules = this.chains[chain].rules;
    if (at < 1 || at > rules.length) return false;
    rules.splice(at - 1, 1);
    return true;
  }

  setPolicy(chain: ChainName, policy: FirewallAction): void {
    this.chains[chain].policy = policy;
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks

  input(frame: Uint8Array, offset: number, inIface: NetInterface): Verdict {
    return this.filter(this.chains.input, frame, offset, inIface, undefined);
  }

  forward(frame: Uint8Array, offset: number, inIface: NetInterface, outIface: NetInterface): Verdict {
    return this.filter(this.chains.forward, frame, offset, inIface, outIface);
  }

  output(frame: Uint8Array, offset: number, outIface: NetInterface): Verdict {
    return this.filter(this.chains.output, frame, offset, undefined, outIface);
  }

  private get now(): Nanoseconds {
    return this.ipv4.context.scheduler.now;
  }

  private filter(
    chain: Chain,
    frame: Uint8Array,
    offset: number,
    inIface: NetInterface | undefined,
    outIface: NetInterface | undefined,
  ): Verdict {
    const now = this.now;
    const tracked = this.conntrack.track(frame, offset, now);
    const facts = this.facts;
    const total = readUint16(frame, offset + 2);
    const t = offset + ((frame[offset] & 0x0f) << 2);
    const protocol = frame[offset + 9];
    facts.inIface = inIface?.name;
    facts.outIface = outIface?.name;
    facts.protocol = protocol;
    facts.src = readUint32(frame, offset + 12);
    facts.dst = readUint32(frame, offset + 16);
    facts.state = tracked.state;
    const portsPresent =
      (protocol === IpProtocol.TCP || protocol === IpProtocol.UDP) && t + 4 <= offset + total;
    facts.sport = portsPresent ? readUint16(frame, t) : -1;
    facts.dport = portsPresent ? readUint16(frame, t + 2) : -1;
    facts.icmpType = protocol === IpProtocol.ICMP && t < offset + total ? frame[t] : -1;

    let action = chain.policy;
    let ruleNumber = 0;
    const rules = chain.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule.matches(facts)) {
        rule.packets++;
        rule.bytes += total;
        action = rule.config.action;
        ruleNumber = i + 1;
        break;
      }
    }
    if (ruleNumber === 0) {
      chain.policyPackets++;
      chain.policyBytes += total;
    }
    if (action === "accept") {
      if (!this.conntrack.confirm(frame, offset, now)) {
        return this.drop(frame, inIface ?? outIface, "conntrack-table-full");
      }
      this.counters.accepted++;
      return Verdict.Accept;
    }
    const reason =
      ruleNumber === 0 ? `firewall-${chain.name}-policy` : `firewall-${chain.name}-rule-${ruleNumber}`;
    if (action === "reject" && chain.name !== "output") {
      this.counters.rejected++;
      this.ipv4.icmp.sendError(
        Icmpv4Type.DestinationUnreachable,
        UnreachableCode.CommunicationAdministrativelyProhibited,
        frame.subarray(offset, offset + total),
        inIface ? { arrivedOn: inIface } : {},
      );
    }
    return this.drop(frame, inIface ?? outIface, reason);
  }

  private drop(frame: Uint8Array, iface: NetInterface | undefined, reason: string): Verdict {
    this.counters.dropped++;
    this.counters.drops.count(reason);
    this.ipv4.traceDrop("firewall", reason, iface?.name, frame);
    return Verdict.Drop;
  }
}
