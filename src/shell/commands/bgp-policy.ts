/**
 * BGP routing policy defined in the shell, FRR's configuration lines (a route-map entry's `match`
 * and `set` clauses on the one line that opens it):
 *
 * ```
 * r1 ip prefix-list MINE seq 5 permit 10.1.0.0/16 le 24
 * r1 route-map TO-R2 permit 10 match ip address prefix-list MINE set as-path prepend 65001 65001
 * r1 route-map TO-R2 permit 20
 * r1 router bgp 65001 neighbor 10.0.12.2 route-map TO-R2 out
 * r1 show ip prefix-list · r1 show route-map TO-R2
 * r1 no route-map TO-R2 · r1 no ip prefix-list MINE
 * ```
 *
 * They write the same {@link PrefixListEntry} / {@link RouteMapEntry} objects as the topology file's
 * `bgp: {prefix-lists, route-maps}`. A running speaker is restarted with the changed policy, as a
 * `router bgp` line restarts it (its sessions come up again and the routes go through the new
 * policy); before `router bgp` the definitions wait on the router and the speaker starts with them.
 */
import type { Node } from "../../devices/node.js";
import { Router } from "../../devices/router.js";
import type { BgpConfig, PrefixListEntry, RouteMapEntry } from "../../routing/bgp/config.js";
import { PrefixList, RouteMap } from "../../routing/bgp/policy.js";
import { Bgp } from "../../routing/bgp/speaker.js";
import { Ipv4Prefix } from "../../wire/address/ipv4.js";
import { parseCommunity } from "../../wire/bgp/index.js";
import type { NodeCommand, NodeCommandContext } from "../command.js";
import { intOption, UsageError } from "../options.js";
import { restartBgp } from "./bgp.js";

/** A router's prefix lists and route maps, by name, in the configuration's shape. */
export interface BgpPolicy {
  "prefix-lists": Record<string, PrefixListEntry[]>;
  "route-maps": Record<string, RouteMapEntry[]>;
}

/** Policy defined before `router bgp` (FRR keeps it outside the BGP instance, too). */
const waiting = new WeakMap<Router, BgpPolicy>();

function routerOf(node: Node | undefined): Router {
  if (!(node instanceof Router))
    throw new UsageError("prefix lists and route maps are configured on routers");
  return node;
}

function speakerOf(router: Router): Bgp | undefined {
  const process = router.routing.get("bgp");
  return process instanceof Bgp ? process : undefined;
}

/** The router's policy: the running speaker's, else what waits for `router bgp`. */
export function policyOf(router: Router): BgpPolicy {
  const bgp = speakerOf(router);
  if (bgp)
    return { "prefix-lists": bgp.config["prefix-lists"] ?? {}, "route-maps": bgp.config["route-maps"] ?? {} };
  return waiting.get(router) ?? { "prefix-lists": {}, "route-maps": {} };
}

/** Adds the waiting policy to the configuration of a speaker about to start (`router bgp`). */
export function withWaitingPolicy(router: Router, config: BgpConfig): BgpConfig {
  const policy = waiting.get(router);
  if (!policy) return config;
  return {
    ...config,
    "prefix-lists": { ...policy["prefix-lists"], ...config["prefix-lists"] },
    "route-maps": { ...policy["route-maps"], ...config["route-maps"] },
  };
}

/**
 * Checks `next` (every list and map compiles, maps name existing lists) and puts it in place: the
 * running speaker restarts with it; without one it waits for `router bgp`.
 */
function commit(router: Router, next: BgpPolicy): void {
  const lists = new Set(Object.keys(next["prefix-lists"]));
  try {
    for (const [name, entries] of Object.entries(next["prefix-lists"])) new PrefixList(name, entries);
    for (const [name, entries] of Object.entries(next["route-maps"])) {
      for (const list of new RouteMap(name, entries).prefixLists)
        if (!lists.has(list)) throw new RangeError(`route-map ${name} matches unknown prefix-list ${list}`);
    }
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const bgp = speakerOf(router);
  if (bgp) restartBgp(router, { ...bgp.config, ...next }); // refuses what the neighbours still name
  waiting.set(router, next);
}

const clone = (p: BgpPolicy): BgpPolicy => structuredClone(p);

/** The sequence number an entry without one is compiled with (policy.ts: 5, 10, ... / 10, 20, ...). */
function seqOf<E extends { seq?: number }>(entries: readonly E[], at: number, step: number): number {
  return entries[at].seq ?? (at + 1) * step;
}

// -----------------------------------------------------------------------------------------------
// ip prefix-list

export const PREFIX_LIST_USAGE = "ip prefix-list NAME [seq N] permit|deny A.B.C.D/N|any [ge N] [le N]";

/** `prefix-list NAME [seq N] permit|deny PREFIX [ge N] [le N]` (the words after `ip`) into `policy`. */
export function parsePrefixListWords(words: readonly string[], policy: BgpPolicy): BgpPolicy {
  const [keyword, name, ...rest] = words;
  if (keyword !== "prefix-list" || name === undefined) throw new UsageError(`usage: ${PREFIX_LIST_USAGE}`);
  const next = clone(policy);
  next["prefix-lists"][name] ??= [];
  const entries = next["prefix-lists"][name];
  let i = 0;
  let seq: number | undefined;
  if (rest[i] === "seq") {
    seq = intOption(rest[i + 1], "sequence number", 1, 4294967295);
    if (seq === undefined) throw new UsageError(`"seq" needs a number: ${PREFIX_LIST_USAGE}`);
    i += 2;
  }
  const action = rest[i++];
  if (action !== "permit" && action !== "deny")
    throw new UsageError(`ip prefix-list ${name}: expected permit or deny, got ${action ?? "nothing"}`);
  const prefix = rest[i++];
  if (prefix === undefined || (prefix !== "any" && (!prefix.includes("/") || !Ipv4Prefix.tryParse(prefix))))
    throw new UsageError(`ip prefix-list ${name}: expected A.B.C.D/N or any, got ${prefix ?? "nothing"}`);
  const entry: PrefixListEntry = { seq: 0, action, prefix };
  while (i < rest.length) {
    const word = rest[i++];
    if (word !== "ge" && word !== "le")
      throw new UsageError(`ip prefix-list ${name}: unknown "${word}": ${PREFIX_LIST_USAGE}`);
    if (rest[i] === undefined) throw new UsageError(`"${word}" needs a prefix length`);
    entry[word] = intOption(rest[i++], `${word} length`, 0, 32);
  }
  // FRR numbers an entry without `seq` 5 past the highest one.
  const highest = entries.reduce((m, _, at) => Math.max(m, seqOf(entries, at, 5)), 0);
  entry.seq = seq ?? highest + 5;
  const same = entries.findIndex((_, at) => seqOf(entries, at, 5) === entry.seq);
  if (same >= 0) entries[same] = entry;
  else entries.push(entry);
  entries.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return next;
}

/** `ip prefix-list ...` on a router (called by `ip`, src/shell/commands/views.ts). */
export function ipPrefixList(context: NodeCommandContext, words: readonly string[]): void {
  const router = routerOf(context.node);
  commit(router, parsePrefixListWords(words, policyOf(router)));
}

// -----------------------------------------------------------------------------------------------
// route-map

/** The words that start a clause of a route-map line, and what may follow them. */
export const ROUTE_MAP_WORDS = ["match", "set"] as const;
export const ROUTE_MAP_MATCH_WORDS = ["ip", "community"] as const;
export const ROUTE_MAP_SET_WORDS = ["local-preference", "metric", "community", "as-path", "weight"] as const;

export const ROUTE_MAP_USAGE =
  "route-map NAME permit|deny SEQ [match ip address prefix-list NAME] [match community AS:N] " +
  "[set local-preference N] [set metric N] [set community AS:N... [additive]] [set as-path prepend ASN...] [set weight N]";

/** `route-map NAME permit|deny SEQ [match ...] [set ...]` (after `route-map`) into `policy`. */
export function parseRouteMapWords(words: readonly string[], policy: BgpPolicy): BgpPolicy {
  const [name, action, seqText, ...rest] = words;
  if (name === undefined) throw new UsageError(`usage: ${ROUTE_MAP_USAGE}`);
  if (action !== "permit" && action !== "deny")
    throw new UsageError(`route-map ${name}: expected permit or deny, got ${action ?? "nothing"}`);
  if (seqText === undefined)
    throw new UsageError(`route-map ${name} ${action}: needs a sequence number (1-65535)`);
  const seq = intOption(seqText, "sequence number", 1, 65535)!;
  const next = clone(policy);
  next["route-maps"][name] ??= [];
  const entries = next["route-maps"][name];
  // FRR enters an existing entry again: its clauses stay, the new ones are added.
  const at = entries.findIndex((_, n) => seqOf(entries, n, 10) === seq);
  const entry: RouteMapEntry = at >= 0 ? { ...entries[at], seq, action } : { seq, action };
  const clause = () => rest.slice(i).join(" ");
  let i = 0;
  const value = (what: string) => {
    const v = rest[i++];
    if (v === undefined || (ROUTE_MAP_WORDS as readonly string[]).includes(v))
      throw new UsageError(`route-map ${name}: "${what}" needs a value`);
    return v;
  };
  /** The words up to the next `match`/`set`. */
  const list = (what: string) => {
    const out: string[] = [];
    while (i < rest.length && !(ROUTE_MAP_WORDS as readonly string[]).includes(rest[i])) out.push(rest[i++]);
    if (out.length === 0) throw new UsageError(`route-map ${name}: "${what}" needs a value`);
    return out;
  };
  while (i < rest.length) {
    const word = rest[i++];
    const what = rest[i++];
    if (word === "match") {
      if (what === "ip") {
        if (rest[i] !== "address" || rest[i + 1] !== "prefix-list")
          throw new UsageError(`route-map ${name}: match ip address prefix-list NAME (not "${clause()}")`);
        i += 2;
        entry.match = { ...entry.match, "prefix-list": value("match ip address prefix-list") };
      } else if (what === "community") {
        const community = value("match community");
        if (parseCommunity(community) === undefined)
          throw new UsageError(`route-map ${name}: community "${community}" is not AS:value`);
        entry.match = { ...entry.match, community };
      } else
        throw new UsageError(
          `route-map ${name}: unknown "match ${what ?? ""}": match ip address prefix-list NAME | match community AS:N`,
        );
    } else if (word === "set") {
      switch (what) {
        case "local-preference":
          entry.set = { ...entry.set, "local-preference": intOption(value(what), what, 0, 4294967295) };
          break;
        case "metric":
          entry.set = { ...entry.set, metric: intOption(value(what), what, 0, 4294967295) };
          break;
        case "weight":
          entry.set = { ...entry.set, weight: intOption(value(what), what, 0, 65535) };
          break;
        case "community":
          entry.set = { ...entry.set, community: list("set community").join(" ") };
          break;
        case "as-path": {
          if (rest[i++] !== "prepend")
            throw new UsageError(`route-map ${name}: set as-path prepend ASN... (not "${clause()}")`);
          const asns = list("set as-path prepend");
          for (const a of asns) intOption(a, "AS number", 1, 4294967295);
          entry.set = { ...entry.set, "as-path-prepend": asns.join(" ") };
          break;
        }
        default:
          throw new UsageError(
            `route-map ${name}: unknown "set ${what ?? ""}": set ${ROUTE_MAP_SET_WORDS.join(" | ")}`,
          );
      }
    } else throw new UsageError(`route-map ${name}: unknown "${word}": ${ROUTE_MAP_USAGE}`);
  }
  if (at >= 0) entries[at] = entry;
  else entries.push(entry);
  entries.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return next;
}

const routeMap: NodeCommand = {
  scope: "node",
  name: "route-map",
  kinds: ["router"],
  substitute: false,
  summary: "define a BGP route-map entry, FRR style, with its match and set clauses on one line",
  usage: ROUTE_MAP_USAGE,
  details:
    "route-map TO-R2 permit 10 match ip address prefix-list MINE set as-path prepend 65001 65001 · " +
    "route-map FROM-R2 permit 10 set local-preference 200 · no route-map NAME [permit|deny SEQ]. " +
    "A route no entry matches is denied. Apply with router bgp ASN neighbor ADDR route-map NAME in|out; " +
    "a running BGP speaker restarts with the changed map.",
  complete(_shell, previous) {
    const n = previous.length;
    if (n === 1) return ["permit", "deny"];
    if (n < 3) return [];
    const last = previous[n - 1];
    const before = previous[n - 2];
    if (last === "match") return [...ROUTE_MAP_MATCH_WORDS];
    if (last === "set") return [...ROUTE_MAP_SET_WORDS];
    if (before === "match" && last === "ip") return ["address"];
    if (last === "address") return ["prefix-list"];
    if (before === "set" && last === "as-path") return ["prepend"];
    if (before === "set" && last === "community") return [];
    return [...ROUTE_MAP_WORDS];
  },
  run(context) {
    const router = routerOf(context.node);
    commit(router, parseRouteMapWords(context.args, policyOf(router)));
  },
};

/**
 * `no ip prefix-list NAME [seq N]` and `no route-map NAME [permit|deny SEQ]` (the words after `no`;
 * called by `no`, src/shell/commands/routing.ts). A list or map a neighbour or a map still names is
 * refused, so the speaker is never left pointing at nothing.
 */
export function noPolicy(context: NodeCommandContext, words: readonly string[]): void {
  const router = routerOf(context.node);
  const next = clone(policyOf(router));
  const prefixList = words[0] === "ip" && words[1] === "prefix-list";
  const [kind, name, ...rest] = prefixList ? ["prefix-list", ...words.slice(2)] : words;
  const table: Record<string, { seq?: number }[]> =
    kind === "prefix-list" ? next["prefix-lists"] : next["route-maps"];
  const label = kind === "prefix-list" ? "ip prefix-list" : "route-map";
  if (name === undefined) throw new UsageError(`usage: no ${label} NAME`);
  const entries = table[name];
  if (!entries) throw new UsageError(`no ${label} ${name}: not configured`);
  if (rest.length === 0) delete table[name];
  else {
    // `no ip prefix-list NAME seq N ...` / `no route-map NAME permit|deny SEQ`: one entry.
    const seqText = kind === "prefix-list" ? (rest[0] === "seq" ? rest[1] : undefined) : rest[1];
    const step = kind === "prefix-list" ? 5 : 10;
    const seq = intOption(seqText, "sequence number", 1, 4294967295);
    const at = entries.findIndex((_, n) => seqOf(entries, n, step) === seq);
    if (seq === undefined || at < 0)
      throw new UsageError(`no ${label} ${name} ${rest.join(" ")}: no such entry`);
    entries.splice(at, 1);
    if (entries.length === 0) delete table[name];
  }
  const bgp = speakerOf(router);
  if (bgp) {
    for (const n of bgp.config.neighbors ?? [])
      for (const k of [`${kind}-in`, `${kind}-out`] as const) {
        if (n[k as "route-map-in"] === name && !table[name])
          throw new UsageError(
            `no ${label} ${name}: neighbor ${n.address} uses it (router bgp ${bgp.asn} neighbor ${n.address} ${kind} ${name} ${k.slice(kind.length + 1)}); take that away first`,
          );
      }
  }
  commit(router, next);
}

// -----------------------------------------------------------------------------------------------
// Views

/** FRR's `show ip prefix-list [NAME]` (lib/plist.c vty_show_prefix_entry). */
export function showIpPrefixList(policy: BgpPolicy, name?: string): string {
  const names = name === undefined ? Object.keys(policy["prefix-lists"]).sort() : [name];
  const out: string[] = [];
  for (const n of names) {
    const entries = policy["prefix-lists"][n];
    if (!entries) return `% Can't find specified prefix-list\n`;
    out.push(`ip prefix-list ${n}: ${entries.length} entries`);
    entries.forEach((e, at) => {
      const range = `${e.ge !== undefined ? ` ge ${e.ge}` : ""}${e.le !== undefined ? ` le ${e.le}` : ""}`;
      out.push(`   seq ${seqOf(entries, at, 5)} ${e.action} ${e.prefix}${range}`);
    });
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

/** FRR's `show route-map [NAME]` (lib/routemap.c vty_show_route_map_entry). */
export function showRouteMap(policy: BgpPolicy, name?: string): string {
  const names = name === undefined ? Object.keys(policy["route-maps"]).sort() : [name];
  const out: string[] = [];
  for (const n of names) {
    const entries = policy["route-maps"][n];
    if (!entries) return `% Can't find route-map ${n}\n`;
    entries.forEach((e, at) => {
      out.push(`route-map ${n}, ${e.action}, sequence ${seqOf(entries, at, 10)}`);
      out.push("  Match clauses:");
      if (e.match?.["prefix-list"] !== undefined)
        out.push(`    ip address prefix-list ${e.match["prefix-list"]}`);
      if (e.match?.community !== undefined) out.push(`    community ${e.match.community}`);
      out.push("  Set clauses:");
      const s = e.set ?? {};
      if (s["as-path-prepend"] !== undefined) out.push(`    as-path prepend ${s["as-path-prepend"]}`);
      if (s.community !== undefined) out.push(`    community ${s.community}`);
      if (s["local-preference"] !== undefined) out.push(`    local-preference ${s["local-preference"]}`);
      if (s.metric !== undefined) out.push(`    metric ${s.metric}`);
      if (s.weight !== undefined) out.push(`    weight ${s.weight}`);
      out.push("  Call clause:", "  Action:", "    Exit routemap");
    });
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

/** Views added to `show` (see views.ts). */
export const bgpPolicyShowViews = [
  {
    words: ["ip", "prefix-list"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext, extra: string[]) =>
      showIpPrefixList(policyOf(routerOf(node)), extra[0]),
  },
  {
    words: ["route-map"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext, extra: string[]) => showRouteMap(policyOf(routerOf(node)), extra[0]),
  },
];

export const bgpPolicyCommands: readonly NodeCommand[] = [routeMap];
