/**
 * Dynamic routing in the shell: FRR's views (`show ip ospf neighbor`, `show ip ospf database`,
 * `show ip ospf interface`, `show ip ospf route`, `show ip rip`, `show ip protocols`) and a
 * one-line form of FRR's configuration:
 *
 * ```
 * r1 router ospf router-id 1.1.1.1 area 0 eth0 eth1 area 1 eth2
 * r1 router ospf hello-interval 1 dead-interval 4 area 0 eth0 network point-to-point
 * r1 router rip network eth0 eth1 passive eth2 timers 30 180 120
 * r1 router bgp 65001 router-id 1.1.1.1 neighbor 10.0.12.2 remote-as 65002 network 10.1.0.0/24
 * r1 no router ospf
 * ```
 *
 * Each `router` line adds to the process's configuration and restarts it with the result.
 */
import type { Node } from "../../devices/node.js";
import { Router } from "../../devices/router.js";
import { Bgp } from "../../routing/bgp/speaker.js";
import type { OspfConfig, OspfInterfaceConfig } from "../../routing/ospf/config.js";
import { Ospf } from "../../routing/ospf/ospf.js";
import {
  showIpOspf,
  showIpOspfDatabase,
  showIpOspfInterface,
  showIpOspfNeighbor,
  showIpOspfRoute,
} from "../../routing/ospf/show.js";
import { Rip, type RipConfig } from "../../routing/rip/rip.js";
import { showIpRip, showIpRipStatus } from "../../routing/rip/show.js";
import type { Ipv4Address } from "../../wire/address/ipv4.js";
import type { NodeCommand, NodeCommandContext } from "../command.js";
import { intOption, UsageError } from "../options.js";
import { BGP_NEIGHBOR_WORDS, BGP_WORDS, parseBgpWords, restartBgp } from "./bgp.js";
import { noPolicy, withWaitingPolicy } from "./bgp-policy.js";

function routerOf(node: Node | undefined): Router {
  if (!(node instanceof Router)) throw new UsageError("routing protocols run on routers");
  return node;
}

function ospfOf(node: Node | undefined): Ospf | undefined {
  const process = routerOf(node).routing.get("ospf");
  return process instanceof Ospf ? process : undefined;
}

function ripOf(node: Node | undefined): Rip | undefined {
  const process = routerOf(node).routing.get("rip");
  return process instanceof Rip ? process : undefined;
}

const NO_OSPF = "% OSPF instance not found\n";
const NO_RIP = "% RIP instance not found\n";
const NO_BGP = "% BGP instance not found\n";

/** The routing views, for `show` (src/shell/commands/views.ts). */
export const routingShowViews = [
  { words: ["ip", "ospf"], kinds: "l3", run: ({ node }: NodeCommandContext) => withOspf(node, showIpOspf) },
  {
    words: ["ip", "ospf", "neighbor"],
    kinds: "l3",
    run: ({ node }: NodeCommandContext) => withOspf(node, showIpOspfNeighbor),
  },
  {
    words: ["ip", "ospf", "interface"],
    kinds: "l3",
    run: ({ node }: NodeCommandContext, extra: string[]) =>
      withOspf(node, (o) => showIpOspfInterface(o, extra[0])),
  },
  {
    words: ["ip", "ospf", "database"],
    kinds: "l3",
    run: ({ node }: NodeCommandContext) => withOspf(node, showIpOspfDatabase),
  },
  {
    words: ["ip", "ospf", "route"],
    kinds: "l3",
    run: ({ node }: NodeCommandContext) => withOspf(node, showIpOspfRoute),
  },
  {
    words: ["ip", "rip"],
    kinds: "l3",
    run: ({ node }: NodeCommandContext) => {
      const rip = ripOf(node);
      return rip ? showIpRip(rip) : NO_RIP;
    },
  },
  {
    words: ["ip", "rip", "status"],
    kinds: "l3",
    run: ({ node }: NodeCommandContext) => {
      const rip = ripOf(node);
      return rip ? showIpRipStatus(rip) : NO_RIP;
    },
  },
  {
    words: ["ip", "protocols"],
    kinds: "l3",
    run: ({ node }: NodeCommandContext) => routerOf(node).routing.showProtocols(),
  },
] as const;

function withOspf(node: Node | undefined, view: (ospf: Ospf) => string): string {
  const ospf = ospfOf(node);
  return ospf ? view(ospf) : NO_OSPF;
}

const KEYWORDS = new Set([
  "router-id",
  "hello-interval",
  "dead-interval",
  "area",
  "network",
  "cost",
  "priority",
  "passive",
  "timers",
  "split-horizon",
]);

/** `router ospf ...` words merged into `config`. */
export function parseOspfWords(words: readonly string[], config: OspfConfig): OspfConfig {
  const next: OspfConfig = { ...config, areas: structuredClone(config.areas) };
  let current: OspfInterfaceConfig | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const value = () => {
      const v = words[++i];
      if (v === undefined) throw new UsageError(`"${word}" needs a value`);
      return v;
    };
    switch (word) {
      case "router-id":
        next.routerId = value();
        break;
      case "hello-interval":
        next.helloInterval = intOption(value(), "hello-interval", 1, 65535);
        break;
      case "dead-interval":
        next.deadInterval = intOption(value(), "dead-interval", 1, 65535);
        break;
      case "area": {
        const area = value();
        const interfaces: OspfInterfaceConfig[] = [];
        while (i + 1 < words.length && !KEYWORDS.has(words[i + 1])) {
          const name = words[++i];
          for (const a of Object.values(next.areas))
            a.interfaces = a.interfaces.filter((x) => (typeof x === "string" ? x : x.name) !== name);
          current = { name };
          interfaces.push(current);
        }
        if (interfaces.length === 0)
          throw new UsageError(`"area ${area}" needs interfaces: area ${area} eth0 eth1`);
        next.areas[area] = { interfaces: [...(next.areas[area]?.interfaces ?? []), ...interfaces] };
        break;
      }
      case "network": {
        const type = value();
        if (type !== "point-to-point" && type !== "broadcast")
          throw new UsageError(`network type "${type}": point-to-point or broadcast`);
        if (!current)
          throw new UsageError(
            `"network" applies to the interface before it: area 0 eth0 network point-to-point`,
          );
        current.network = type;
        break;
      }
      case "cost":
        if (!current) throw new UsageError(`"cost" applies to the interface before it`);
        current.cost = intOption(value(), "cost", 1, 65535);
        break;
      case "priority":
        if (!current) throw new UsageError(`"priority" applies to the interface before it`);
        current.priority = intOption(value(), "priority", 0, 255);
        break;
      case "passive":
        if (!current) throw new UsageError(`"passive" applies to the interface before it`);
        current.passive = true;
        break;
      default:
        throw new UsageError(
          `unknown "${word}": router-id, hello-interval, dead-interval, area AREA IFACE..., network, cost, priority, passive`,
        );
    }
  }
  return next;
}

/** `router rip ...` words merged into `config`. */
export function parseRipWords(words: readonly string[], config: RipConfig): RipConfig {
  const next: RipConfig = {
    ...config,
    interfaces: [...config.interfaces],
    passive: [...(config.passive ?? [])],
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const list = () => {
      const names: string[] = [];
      while (i + 1 < words.length && !KEYWORDS.has(words[i + 1])) names.push(words[++i]);
      if (names.length === 0) throw new UsageError(`"${word}" needs interface names`);
      return names;
    };
    switch (word) {
      case "network":
        for (const n of list()) if (!next.interfaces.includes(n)) next.interfaces.push(n);
        break;
      case "passive":
        for (const n of list()) if (!next.passive!.includes(n)) next.passive!.push(n);
        break;
      case "timers": {
        const [u, t, g] = [words[++i], words[++i], words[++i]];
        if (g === undefined) throw new UsageError("timers UPDATE TIMEOUT GARBAGE, e.g. timers 30 180 120");
        next.timers = {
          update: intOption(u, "update", 1, 65535),
          timeout: intOption(t, "timeout", 1, 65535),
          garbage: intOption(g, "garbage", 1, 65535),
        };
        break;
      }
      case "split-horizon": {
        const mode = words[++i];
        if (mode !== "poisoned-reverse" && mode !== "simple" && mode !== "none")
          throw new UsageError("split-horizon poisoned-reverse|simple|none");
        next.splitHorizon = mode;
        break;
      }
      default:
        throw new UsageError(
          `unknown "${word}": network IFACE..., passive IFACE..., timers U T G, split-horizon MODE`,
        );
    }
  }
  return next;
}

const router: NodeCommand = {
  scope: "node",
  name: "router",
  kinds: ["router"],
  substitute: false,
  summary:
    "configure RIP, OSPF or BGP, FRR style: router ospf area 0 eth0 eth1 / router rip network eth0 / router bgp 65001 neighbor 10.0.12.2 remote-as 65002",
  usage:
    "router ospf [router-id ID] [hello-interval S] [dead-interval S] area AREA IFACE... [network point-to-point] [cost N] [priority N] [passive] | router rip [network IFACE...] [passive IFACE...] [timers U T G] [split-horizon MODE] | router bgp ASN [router-id ID] [neighbor ADDR remote-as ASN|internal [route-reflector-client] [next-hop-self] [description TEXT] [passive] [shutdown] [weight N] [timers K H] [route-map NAME in|out] [prefix-list NAME in|out]]... [network PREFIX]... [timers bgp K H] [cluster-id ID] [no neighbor ADDR] [no network PREFIX]",
  details:
    "Each line adds to the running configuration and restarts the process with it (BGP sessions start again). `no router ospf|rip|bgp` stops it (its routes are withdrawn; BGP sends its peers a Cease). `show ip protocols` shows the result.",
  complete(_shell, previous) {
    if (previous.length === 0) return ["ospf", "rip", "bgp"];
    if (previous[0] === "bgp") {
      if (previous.length === 1) return [];
      // After `neighbor ADDR [option...]`: its options too; otherwise the clauses.
      const neighbor = previous.lastIndexOf("neighbor");
      const clause = Math.max(...BGP_WORDS.map((w) => (w === "neighbor" ? -1 : previous.lastIndexOf(w))));
      const after = neighbor > clause ? previous.length - neighbor : 0;
      if (after === 1) return []; // the address
      if (after === 2) return [...BGP_NEIGHBOR_WORDS];
      return after > 2 ? [...BGP_NEIGHBOR_WORDS, ...BGP_WORDS] : [...BGP_WORDS];
    }
    return previous[0] === "ospf"
      ? ["router-id", "hello-interval", "dead-interval", "area", "network", "cost", "priority", "passive"]
      : ["network", "passive", "timers", "split-horizon"];
  },
  run(context) {
    const r = routerOf(context.node);
    const [protocol, ...words] = context.args;
    if (protocol === "ospf") {
      const current = ospfOf(r);
      const config = parseOspfWords(words, current ? current.configuration : { areas: {} });
      if (current) r.routing.remove("ospf");
      r.routing.add(new Ospf(r, config));
      return;
    }
    if (protocol === "rip") {
      const current = ripOf(r);
      const config = parseRipWords(words, current ? current.config : { interfaces: [] });
      if (current) r.routing.remove("rip");
      r.routing.add(new Rip(r, config));
      return;
    }
    if (protocol === "bgp") {
      const current = r.routing.get("bgp");
      const config = parseBgpWords(
        words,
        current instanceof Bgp ? current.config : undefined,
        highestAddress(r),
      );
      // A new speaker starts with the prefix lists and route maps defined before it.
      restartBgp(r, current instanceof Bgp ? config : withWaitingPolicy(r, config));
      return;
    }
    throw new UsageError("router ospf ... | router rip ... | router bgp ASN ...");
  },
};

const no: NodeCommand = {
  scope: "node",
  name: "no",
  kinds: ["router"],
  substitute: false,
  summary:
    "undo a routing configuration: no router ospf | no router rip | no router bgp | no ip prefix-list NAME | no route-map NAME",
  usage:
    "no router ospf|rip|bgp [ASN] | no ip prefix-list NAME [seq N] | no route-map NAME [permit|deny SEQ]",
  complete: (_shell, previous) =>
    previous.length === 0
      ? ["router", "ip", "route-map"]
      : previous.length === 1
        ? previous[0] === "router"
          ? ["ospf", "rip", "bgp"]
          : previous[0] === "ip"
            ? ["prefix-list"]
            : []
        : [],
  run(context) {
    const r = routerOf(context.node);
    const [word, protocol] = context.args;
    if (word === "route-map" || (word === "ip" && protocol === "prefix-list"))
      return noPolicy(context, context.args);
    if (word !== "router" || (protocol !== "ospf" && protocol !== "rip" && protocol !== "bgp"))
      throw new UsageError("no router ospf|rip|bgp | no ip prefix-list NAME | no route-map NAME");
    // FRR's `no router bgp ASN` names the AS; it must be the running one.
    const asn = context.args[2];
    const bgp = r.routing.get("bgp");
    if (protocol === "bgp" && asn !== undefined && bgp instanceof Bgp && String(bgp.asn) !== asn)
      throw new UsageError(`BGP instance ${asn} not found (AS is ${bgp.asn})`);
    if (!r.routing.remove(protocol))
      context.out.write(protocol === "ospf" ? NO_OSPF : protocol === "rip" ? NO_RIP : NO_BGP);
  },
};

/** FRR's default router ID: the highest interface address (zebra's choice). */
function highestAddress(router: Router): string | undefined {
  let best: Ipv4Address | undefined;
  for (const iface of router.interfaces)
    for (const p of iface.addresses) if (p.address.value >>> 0 > (best?.value ?? 0) >>> 0) best = p.address;
  return best?.toString();
}

export const routingCommands: readonly NodeCommand[] = [router, no];
