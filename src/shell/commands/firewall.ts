/**
 * The firewall and NAT from the shell: `firewall` edits a node's rules (the same one-line syntax
 * as the topology file), `conntrack` lists or flushes tracked connections, `nat clear` forgets
 * dynamic translations. Viewing is `show access-lists` and `show ip nat ...` (views.ts).
 *
 * ```
 * r1 firewall policy forward drop
 * r1 firewall add forward accept state established,related
 * r1 firewall add forward accept tcp from eth0 dport 80
 * r1 firewall insert forward 1 drop state invalid
 * r1 firewall del forward 2
 * r1 firewall zone lan eth0 eth1
 * ```
 */
import type { ChainName } from "../../net/firewall/firewall.js";
import { CHAIN_NAMES } from "../../net/firewall/firewall.js";
import { FIREWALL_ACTIONS, type FirewallAction, parseRuleText } from "../../net/firewall/rules.js";
import type { NodeCommand } from "../command.js";
import { UsageError } from "../options.js";

function chainOf(word: string | undefined): ChainName {
  if (word === undefined || !(CHAIN_NAMES as readonly string[]).includes(word)) {
    throw new UsageError(`name a chain: ${CHAIN_NAMES.join(", ")}`);
  }
  return word as ChainName;
}

function positionOf(word: string | undefined): number {
  const n = Number(word);
  if (word === undefined || !Number.isInteger(n) || n < 1)
    throw new UsageError("give a rule number (1, 2, ...)");
  return n;
}

const firewall: NodeCommand = {
  scope: "node",
  name: "firewall",
  summary: "edit the node's stateful firewall (show access-lists shows it)",
  usage:
    "firewall [show] | add CHAIN RULE | insert CHAIN N RULE | del CHAIN N | policy CHAIN accept|drop|reject | zone NAME IFACE... | off",
  details:
    "RULE: accept|drop|reject [tcp|udp|icmp] [from ZONE] [to ZONE] [src PREFIX] [dst PREFIX] [sport P] [dport P] [state new,established,related,invalid] [icmp-type N]. CHAIN: input, forward, output. The firewall is switched on by the first change.",
  complete(_shell, previous) {
    if (previous.length === 0) return ["show", "add", "insert", "del", "policy", "zone", "off"];
    if (previous.length === 1 && ["add", "insert", "del", "policy"].includes(previous[0])) return CHAIN_NAMES;
    if (previous.length === 2 && previous[0] === "policy") return FIREWALL_ACTIONS;
    return [];
  },
  run({ node, args, out }) {
    const [verb = "show", ...rest] = args;
    if (verb === "show") {
      out.write(node!.showAccessLists());
      return;
    }
    if (verb === "off") {
      node!.disableFirewall();
      return;
    }
    const fw = node!.firewall ?? node!.enableFirewall();
    switch (verb) {
      case "add":
      case "insert": {
        const chain = chainOf(rest.shift());
        const at = verb === "insert" ? positionOf(rest.shift()) : undefined;
        const rule = parseRuleText(rest.join(" "));
        if (typeof rule === "string") throw new UsageError(rule);
        const problem = fw.addRule(chain, rule, at);
        if (problem !== undefined) throw new UsageError(problem);
        return;
      }
      case "del": {
        const chain = chainOf(rest[0]);
        if (!fw.removeRule(chain, positionOf(rest[1])))
          throw new UsageError(`${chain} has no rule ${rest[1]}`);
        return;
      }
      case "policy": {
        const chain = chainOf(rest[0]);
        const action = rest[1] as FirewallAction;
        if (!FIREWALL_ACTIONS.includes(action)) throw new UsageError("policy is accept, drop or reject");
        fw.setPolicy(chain, action);
        return;
      }
      case "zone": {
        const [name, ...members] = rest;
        if (name === undefined || members.length === 0) throw new UsageError("firewall zone NAME IFACE...");
        fw.zones.set(name, members);
        return;
      }
      default:
        throw new UsageError(`unknown "${verb}": show, add, insert, del, policy, zone or off`);
    }
  },
};

const conntrack: NodeCommand = {
  scope: "node",
  name: "conntrack",
  summary: "the firewall's tracked connections (conntrack -L), or forget them (-F)",
  usage: "conntrack [-L | -F]",
  run({ node, args, out }) {
    const fw = node!.firewall;
    if (args[0] === "-F") {
      fw?.conntrack.flush();
      return;
    }
    if (args.length > 0 && args[0] !== "-L") throw new UsageError("conntrack -L (list) or -F (flush)");
    if (!fw) throw new UsageError("this node has no firewall (so no connection tracking)");
    out.write(node!.showConntrack());
  },
};

const nat: NodeCommand = {
  scope: "node",
  name: "nat",
  summary: "NAT: forget the dynamic translations (clear ip nat translation *)",
  usage: "nat clear",
  kinds: ["router"],
  run({ node, args }) {
    if (args[0] !== "clear") throw new UsageError("nat clear");
    if (!node!.nat) throw new UsageError("this node does no NAT");
    node!.nat.clear();
  },
};

export const firewallCommands: readonly NodeCommand[] = [firewall, conntrack, nat];
