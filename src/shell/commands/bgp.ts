/**
 * BGP in the shell, as on FRR's vtysh: `show ip bgp [A.B.C.D/N]`, `show ip bgp summary`,
 * `show ip bgp neighbors [A.B.C.D [advertised-routes|routes]]` (views, registered with `show`), `clear ip bgp *|A.B.C.D
 * [soft [in|out]]`, and the words of a one-line `router bgp` (run by `router`, src/shell/commands/routing.ts):
 *
 * ```
 * r1 router bgp 65001 router-id 1.1.1.1 neighbor 10.0.12.2 remote-as 65002 network 10.1.0.0/24
 * r1 router bgp 65001 neighbor 10.0.0.3 remote-as internal next-hop-self route-reflector-client
 * r1 router bgp 65001 timers bgp 3 9 no network 10.1.0.0/24
 * ```
 *
 * They build the same {@link BgpConfig} as the topology file's `bgp:` key.
 */
import type { Node } from "../../devices/node.js";
import { Router } from "../../devices/router.js";
import type { BgpConfig, BgpNeighborConfig, BgpTimers } from "../../routing/bgp/config.js";
import {
  showIpBgp,
  showIpBgpNeighborRoutes,
  showIpBgpNeighbors,
  showIpBgpPrefix,
  showIpBgpSummary,
} from "../../routing/bgp/show.js";
import { Bgp } from "../../routing/bgp/speaker.js";
import { Ipv4Address, Ipv4Prefix } from "../../wire/address/ipv4.js";
import type { NodeCommand, NodeCommandContext } from "../command.js";
import { intOption, UsageError } from "../options.js";

/** The node's BGP speaker, or a usage error in FRR's words. */
function bgpOf(node: Node | undefined): Bgp {
  const process = node instanceof Router ? node.routing.get("bgp") : undefined;
  if (!(process instanceof Bgp)) throw new UsageError("BGP instance not found");
  return process;
}

/** Views added to `show` (see views.ts). */
export const bgpShowViews = [
  {
    words: ["ip", "bgp"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext, extra: string[]) =>
      extra[0] !== undefined ? showIpBgpPrefix(bgpOf(node), extra[0]) : showIpBgp(bgpOf(node)),
  },
  {
    words: ["ip", "bgp", "summary"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext) => showIpBgpSummary(bgpOf(node)),
  },
  {
    words: ["ip", "bgp", "neighbors"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext, extra: string[]) => {
      const [address, what] = extra;
      if (what === undefined) return showIpBgpNeighbors(bgpOf(node), address);
      if (address !== undefined && "advertised-routes".startsWith(what)) {
        return showIpBgpNeighborRoutes(bgpOf(node), address, "advertised");
      }
      if (address !== undefined && ("routes".startsWith(what) || "received-routes".startsWith(what))) {
        return showIpBgpNeighborRoutes(bgpOf(node), address, "received");
      }
      throw new UsageError(`unknown "${what}": expected advertised-routes or routes`);
    },
  },
];

const clear: NodeCommand = {
  scope: "node",
  name: "clear",
  kinds: ["router"],
  summary: "Reset BGP sessions (hard), or ask for / resend the routes (soft)",
  usage: "clear ip bgp *|A.B.C.D [soft [in|out]]",
  run(context) {
    const [ip, bgp, target, soft, direction] = context.args;
    if (ip !== "ip" || bgp !== "bgp" || target === undefined)
      throw new UsageError("usage: clear ip bgp *|A.B.C.D [soft [in|out]]");
    if (soft !== undefined && soft !== "soft") throw new UsageError(`unknown "${soft}": expected soft`);
    if (direction !== undefined && direction !== "in" && direction !== "out") {
      throw new UsageError(`unknown "${direction}": expected in or out`);
    }
    const mode = soft === undefined ? undefined : (direction ?? "both");
    context.out.write(bgpOf(context.node).clear(target, mode));
  },
};

/** Words that start a new clause of `router bgp` (everything else belongs to the clause before). */
export const BGP_WORDS = ["router-id", "cluster-id", "neighbor", "network", "timers", "no", "bgp"] as const;
/** What may follow `neighbor A.B.C.D` (several may, one after another). */
export const BGP_NEIGHBOR_WORDS = [
  "remote-as",
  "description",
  "route-reflector-client",
  "next-hop-self",
  "passive",
  "shutdown",
  "weight",
  "timers",
  "route-map",
  "prefix-list",
] as const;

const BGP_USAGE =
  "router bgp ASN [router-id ID] [cluster-id ID] [timers bgp KEEPALIVE HOLD] [neighbor ADDR remote-as ASN|internal " +
  "[description TEXT] [route-reflector-client] [next-hop-self] [passive] [shutdown] [weight N] [timers KEEPALIVE HOLD] " +
  "[route-map NAME in|out] [prefix-list NAME in|out]]... " +
  "[network PREFIX]... [no neighbor ADDR] [no network PREFIX]";

/**
 * `router bgp ASN ...` words (after `bgp`) merged into `config` (undefined: no speaker yet), FRR's
 * configuration lines on one line: `router-id` (FRR's `bgp router-id`; `bgp` in front is allowed),
 * `neighbor ADDR OPTION...`, `network PREFIX`, `timers bgp K H`, and `no neighbor|network` to take
 * one back. The ASN must be the running one, as FRR refuses a second `router bgp`.
 */
export function parseBgpWords(
  words: readonly string[],
  config: BgpConfig | undefined,
  defaultRouterId?: string,
): BgpConfig {
  const [asnText, ...rest] = words;
  const asn = intOption(asnText, "AS number", 1, 0xffffffff);
  if (asn === undefined) throw new UsageError(`router bgp needs the AS number: ${BGP_USAGE}`);
  if (config && config.asn !== asn)
    throw new UsageError(`BGP is already running; AS is ${config.asn} (no router bgp first)`);
  const next: BgpConfig = config
    ? structuredClone(config)
    : { asn, "router-id": "", neighbors: [], networks: [] };
  next.neighbors ??= [];
  next.networks ??= [];
  const { neighbors, networks } = next;
  const isClause = (w: string | undefined) => w !== undefined && (BGP_WORDS as readonly string[]).includes(w);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    const value = (what = word) => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`"${what}" needs a value`);
      return v;
    };
    const timers = (what: string): BgpTimers => ({
      keepalive: intOption(value(what), "keepalive", 1, 65535)!,
      hold: intOption(value(what), "hold time", 0, 65535)!,
    });
    switch (word) {
      case "bgp": // FRR writes `bgp router-id X`, `bgp cluster-id X`
        if (rest[i + 1] !== "router-id" && rest[i + 1] !== "cluster-id")
          throw new UsageError(`"bgp" goes before router-id or cluster-id`);
        break;
      case "router-id":
      case "cluster-id": {
        const id = value();
        if (!Ipv4Address.tryParse(id)) throw new UsageError(`${word} ${id}: expected A.B.C.D`);
        next[word] = id;
        break;
      }
      case "timers": // FRR: timers bgp KEEPALIVE HOLD
        if (rest[i + 1] === "bgp") i++;
        next.timers = { ...next.timers, ...timers("timers bgp") };
        break;
      case "network": {
        const prefix = value();
        if (!prefix.includes("/") || !Ipv4Prefix.tryParse(prefix))
          throw new UsageError(`network ${prefix}: expected A.B.C.D/N`);
        if (!networks.includes(prefix)) networks.push(prefix);
        break;
      }
      case "no": {
        const what = value("no");
        const target = value(`no ${what}`);
        if (what === "network") {
          const at = networks.indexOf(target);
          if (at < 0) throw new UsageError(`no network ${target}: not configured`);
          networks.splice(at, 1);
        } else if (what === "neighbor") {
          const at = neighbors.findIndex((n) => n.address === target);
          if (at < 0) throw new UsageError(`no neighbor ${target}: not configured`);
          neighbors.splice(at, 1);
        } else throw new UsageError(`no ${what}: expected no neighbor ADDR or no network PREFIX`);
        break;
      }
      case "neighbor": {
        const address = value();
        if (!Ipv4Address.tryParse(address)) throw new UsageError(`neighbor ${address}: expected A.B.C.D`);
        let neighbor = neighbors.find((n) => n.address === address);
        const options = neighbor ? { ...neighbor } : ({ address } as Partial<BgpNeighborConfig>);
        if (isClause(rest[i + 1]) || rest[i + 1] === undefined)
          throw new UsageError(`neighbor ${address} needs an option: ${BGP_NEIGHBOR_WORDS.join(", ")}`);
        // One or more options; `timers bgp` after them is the global clause, not the neighbour's.
        while (
          i + 1 < rest.length &&
          (BGP_NEIGHBOR_WORDS as readonly string[]).includes(rest[i + 1]) &&
          !(rest[i + 1] === "timers" && rest[i + 2] === "bgp")
        ) {
          const option = rest[++i];
          switch (option) {
            case "remote-as": {
              const remote = value(option);
              options["remote-as"] =
                remote === "internal" ? asn : intOption(remote, "AS number", 1, 0xffffffff);
              break;
            }
            case "description":
              options.description = value(option);
              break;
            case "weight":
              options.weight = intOption(value(option), "weight", 0, 65535);
              break;
            case "timers":
              options.timers = timers(`neighbor ${address} timers`);
              break;
            case "route-map":
            case "prefix-list": {
              // FRR: neighbor X route-map NAME in|out (the map from the bgp: key or bgp-policy.ts)
              const name = value(option);
              const direction = value(`${option} ${name}`);
              if (direction !== "in" && direction !== "out")
                throw new UsageError(`neighbor ${address} ${option} ${name} in|out`);
              options[`${option}-${direction}`] = name;
              break;
            }
            default:
              options[option as "next-hop-self" | "route-reflector-client" | "passive" | "shutdown"] = true;
          }
        }
        if (options["remote-as"] === undefined)
          throw new UsageError(
            `neighbor ${address}: specify remote-as first (neighbor ${address} remote-as ASN)`,
          );
        neighbor = options as BgpNeighborConfig;
        const at = neighbors.findIndex((n) => n.address === address);
        if (at < 0) neighbors.push(neighbor);
        else neighbors[at] = neighbor;
        break;
      }
      default:
        throw new UsageError(`unknown "${word}": ${BGP_USAGE}`);
    }
  }
  // FRR takes the router ID from zebra (the highest interface address) when none is configured.
  if (next["router-id"] === "") next["router-id"] = defaultRouterId ?? "";
  if (next["router-id"] === "") throw new UsageError(`router bgp ${asn} needs a router-id A.B.C.D`);
  return next;
}

/** Starts `router`'s speaker with `config` in place of the running one (sessions restart). */
export function restartBgp(router: Router, config: BgpConfig): void {
  let speaker: Bgp;
  try {
    speaker = new Bgp(router, config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  router.routing.remove("bgp");
  router.routing.add(speaker);
}

export const bgpCommands: readonly NodeCommand[] = [clear];
