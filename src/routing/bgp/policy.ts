/**
 * Routing policy as FRR writes it: prefix lists (ordered permit/deny entries on prefixes with
 * optional `ge`/`le` length ranges, implicit deny at the end) and route maps (ordered entries that
 * match a prefix list and/or a community, then permit with `set` actions or deny; a route that no
 * entry matches is denied). Applied to routes received (`route-map-in`) and sent (`route-map-out`).
 */
import { Ipv4Prefix } from "../../wire/address/ipv4.js";
import { AsPathSegmentType, type BgpPathAttributes, parseCommunity } from "../../wire/bgp/index.js";
import type { PrefixListEntry, RouteMapEntry } from "./config.js";

interface CompiledPrefixEntry {
  action: "permit" | "deny";
  prefix: Ipv4Prefix;
  ge: number;
  le: number;
}

/** A compiled prefix list. */
export class PrefixList {
  private readonly entries: CompiledPrefixEntry[];

  constructor(
    readonly name: string,
    entries: readonly PrefixListEntry[],
  ) {
    this.entries = [...entries]
      .map((e, i) => ({ e, seq: e.seq ?? (i + 1) * 5 }))
      .sort((a, b) => a.seq - b.seq)
      .map(({ e }) => {
        const any = e.prefix === "any";
        const prefix = any ? Ipv4Prefix.parse("0.0.0.0/0") : Ipv4Prefix.parse(e.prefix).networkPrefix;
        // FRR: without ge/le the length must equal the entry's; `any` is 0.0.0.0/0 le 32.
        const ge = e.ge ?? (e.le !== undefined || any ? prefix.length : prefix.length);
        const le = e.le ?? (any ? 32 : e.ge !== undefined ? 32 : prefix.length);
        if (ge < prefix.length || le < ge || le > 32) {
          throw new RangeError(`prefix-list ${name}: ${e.prefix} ge ${ge} le ${le} is not a valid range`);
        }
        return { action: e.action, prefix, ge, le };
      });
  }

  /** True when the first entry that matches permits (no match: deny). */
  permits(prefix: Ipv4Prefix): boolean {
    for (const e of this.entries) {
      if (prefix.length >= e.ge && prefix.length <= e.le && e.prefix.covers(prefix))
        return e.action === "permit";
    }
    return false;
  }
}

interface CompiledSet {
  localPref?: number;
  med?: number;
  communities?: number[];
  additive: boolean;
  prepend?: number[];
  weight?: number;
}

interface CompiledRouteMapEntry {
  action: "permit" | "deny";
  prefixList?: string;
  community?: number;
  set: CompiledSet;
}

/** What a route map decided: denied, or permitted with possibly new attributes and weight. */
export type PolicyResult =
  | { permit: false }
  | { permit: true; attributes: BgpPathAttributes; weight?: number };

/** A compiled route map. */
export class RouteMap {
  private readonly entries: CompiledRouteMapEntry[];

  constructor(
    readonly name: string,
    entries: readonly RouteMapEntry[],
  ) {
    this.entries = [...entries]
      .map((e, i) => ({ e, seq: e.seq ?? (i + 1) * 10 }))
      .sort((a, b) => a.seq - b.seq)
      .map(({ e }) => {
        const set: CompiledSet = { additive: false };
        const s = e.set ?? {};
        if (s["local-preference"] !== undefined) set.localPref = s["local-preference"];
        if (s.metric !== undefined) set.med = s.metric;
        if (s.weight !== undefined) set.weight = s.weight;
        if (s.community !== undefined) {
          const words = s.community.trim().split(/\s+/);
          set.additive = words[words.length - 1] === "additive";
          set.communities = words
            .filter((w) => w !== "additive" && w !== "none")
            .map((w) => {
              const c = parseCommunity(w);
              if (c === undefined)
                throw new RangeError(`route-map ${name}: community "${w}" is not AS:value`);
              return c;
            });
        }
        if (s["as-path-prepend"] !== undefined) {
          set.prepend = String(s["as-path-prepend"])
            .trim()
            .split(/\s+/)
            .map((w) => {
              const asn = Number(w);
              if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff) {
                throw new RangeError(`route-map ${name}: "${w}" is not an AS number`);
              }
              return asn;
            });
        }
        const entry: CompiledRouteMapEntry = { action: e.action, set };
        if (e.match?.["prefix-list"] !== undefined) entry.prefixList = e.match["prefix-list"];
        if (e.match?.community !== undefined) {
          const c = parseCommunity(e.match.community);
          if (c === undefined)
            throw new RangeError(`route-map ${name}: community "${e.match.community}" is not AS:value`);
          entry.community = c;
        }
        return entry;
      });
  }

  /** The prefix lists this map refers to (checked at configuration time). */
  get prefixLists(): string[] {
    return this.entries.flatMap((e) => (e.prefixList ? [e.prefixList] : []));
  }

  /** Runs the map on a route; `attributes` is not modified (a changed copy is returned). */
  apply(
    prefix: Ipv4Prefix,
    attributes: BgpPathAttributes,
    prefixLists: ReadonlyMap<string, PrefixList>,
  ): PolicyResult {
    for (const e of this.entries) {
      if (e.prefixList !== undefined && !(prefixLists.get(e.prefixList)?.permits(prefix) ?? false)) continue;
      if (e.community !== undefined && !(attributes.communities?.includes(e.community) ?? false)) continue;
      if (e.action === "deny") return { permit: false };
      return applySet(e.set, attributes);
    }
    return { permit: false }; // FRR: a route map denies what no entry matched
  }
}

function applySet(set: CompiledSet, attributes: BgpPathAttributes): PolicyResult {
  const out: BgpPathAttributes = { ...attributes };
  if (set.localPref !== undefined) out.localPref = set.localPref;
  if (set.med !== undefined) out.med = set.med;
  if (set.communities !== undefined) {
    const base = set.additive ? (attributes.communities ?? []) : [];
    const merged = [...base];
    for (const c of set.communities) if (!merged.includes(c)) merged.push(c);
    if (merged.length > 0) out.communities = merged;
    else delete out.communities;
  }
  if (set.prepend !== undefined && set.prepend.length > 0)
    out.asPath = prependAsPath(attributes.asPath, set.prepend);
  return set.weight !== undefined
    ? { permit: true, attributes: out, weight: set.weight }
    : { permit: true, attributes: out };
}

/** Puts ASes in front of the path, in the first AS_SEQUENCE (RFC 4271 §5.1.2, 255 per segment). */
export function prependAsPath(
  path: BgpPathAttributes["asPath"],
  asns: readonly number[],
): NonNullable<BgpPathAttributes["asPath"]> {
  const segments = (path ?? []).map((s) => ({ type: s.type, asns: [...s.asns] }));
  const first = segments[0];
  if (first && first.type === AsPathSegmentType.Sequence && first.asns.length + asns.length <= 255) {
    first.asns.unshift(...asns);
    return segments;
  }
  return [{ type: AsPathSegmentType.Sequence, asns: [...asns] }, ...segments];
}
