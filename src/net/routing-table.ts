/**
 * The routing table: every candidate route each protocol offers (the RIB), and for each prefix
 * the one selected to forward with, found by longest prefix match (the FIB).
 *
 * - Several routes for one prefix may coexist, one per source (a connected subnet also learned by
 *   OSPF, a floating static behind an OSPF route). The selected one is chosen as FRR's zebra does
 *   (`rib_choose_best`): a connected or local route beats any other; otherwise the lowest
 *   administrative distance wins, then the lowest metric, then the oldest route.
 * - A selected route may carry several next hops (ECMP, RFC 2992); `lookup` returns the route and
 *   the forwarding code picks one with `chooseNextHop(route, flowHash)`, so all packets of a flow
 *   take the same path.
 * - `lookup` is longest prefix match (RFC 1812 §5.2.4.3) over the selected routes, allocation-free,
 *   backed by `Ipv4Lpm` (see src/net/lpm/ipv4-lpm.ts for the structure and its costs).
 *
 * A route is identified by prefix and protocol (adding one replaces the previous route of that
 * protocol for the prefix), and static routes additionally by distance, so that a floating static
 * (`ip route 0.0.0.0/0 10.0.13.3 250`) can sit behind the main one as in FRR.
 */
import type { Nanoseconds } from "../sim/time.js";
import { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";
import { Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import { Ipv4Lpm, type Ipv4LpmOptions } from "./lpm/ipv4-lpm.js";
import { Ipv6Lpm } from "./lpm/ipv6-lpm.js";

/** Where a route came from (FRR's route types, minus the ones we do not speak). */
export type RouteProtocol = "kernel" | "connected" | "local" | "static" | "rip" | "ospf" | "bgp";

/**
 * Default administrative distances (FRR and Cisco agree on these): how much a source is trusted,
 * lower is better. BGP's depends on the session: 20 for routes from an external peer, 200 for
 * routes from an internal one (RFC 4271 §9.1.1 leaves it to local policy; these are the customs).
 */
export const ADMINISTRATIVE_DISTANCE = {
  kernel: 0,
  connected: 0,
  local: 0,
  static: 1,
  ebgp: 20,
  ospf: 110,
  rip: 120,
  ibgp: 200,
} as const;

/** The default distance of a protocol's routes (`ibgp` selects 200 over 20 for BGP). */
export function defaultDistance(protocol: RouteProtocol, options: { ibgp?: boolean } = {}): number {
  if (protocol === "bgp") return options.ibgp ? ADMINISTRATIVE_DISTANCE.ibgp : ADMINISTRATIVE_DISTANCE.ebgp;
  return ADMINISTRATIVE_DISTANCE[protocol];
}

/** One way out: a gateway (`via`) on an interface, or the interface alone for a connected network. */
export interface NextHopOf<A> {
  readonly via?: A;
  readonly interface: string;
}

export interface RouteOf<P, A> {
  /** The destination, in network form (host bits clear). */
  readonly prefix: P;
  /** One or more next hops; more than one is equal-cost multipath. */
  readonly nextHops: readonly NextHopOf<A>[];
  readonly protocol: RouteProtocol;
  /** Administrative distance, 0..255. */
  readonly distance: number;
  /** The protocol's own cost (OSPF cost, RIP hop count, BGP MED...), compared at equal distance. */
  readonly metric: number;
  /** Virtual time the route was installed; `show ip route` prints its age when given. */
  readonly installedAt?: Nanoseconds;
}

export type NextHop = NextHopOf<Ipv4Address>;
export type Route = RouteOf<Ipv4Prefix, Ipv4Address>;
export type Ipv6NextHop = NextHopOf<Ipv6Address>;
export type Ipv6Route = RouteOf<Ipv6Prefix, Ipv6Address>;

/**
 * Picks the next hop for a flow among a route's equal-cost next hops, by hash-threshold
 * (RFC 2992 §2): the 32-bit hash space is cut into as many equal regions as there are next hops.
 * Unlike `hash mod n`, adding or removing a next hop moves only the flows of the regions that
 * change size. Deterministic: the same flow hash always gives the same next hop.
 */
export function chooseNextHop<A>(route: RouteOf<unknown, A>, flowHash: number): NextHopOf<A> {
  const hops = route.nextHops;
  if (hops.length === 1) return hops[0];
  return hops[Math.floor(((flowHash >>> 0) * hops.length) / 0x1_0000_0000)];
}

/** The route that wins over the other (FRR's `rib_choose_best`), true when `a` is preferred to `b`. */
function preferred(a: RouteOf<unknown, unknown>, b: RouteOf<unknown, unknown>): boolean {
  const aConnected = a.protocol === "connected" || a.protocol === "local";
  const bConnected = b.protocol === "connected" || b.protocol === "local";
  if (aConnected !== bConnected) return aConnected;
  if (a.distance !== b.distance) return a.distance < b.distance;
  return a.metric < b.metric; // on a full tie the older route (already in place) stays ahead
}

/** Same source: same protocol, and for statics the same distance (floating statics coexist). */
function sameSource(a: RouteOf<unknown, unknown>, protocol: RouteProtocol, distance?: number): boolean {
  if (a.protocol !== protocol) return false;
  return distance === undefined || protocol !== "static" || a.distance === distance;
}

function validate(route: RouteOf<unknown, unknown>): void {
  if (route.nextHops.length === 0) throw new RangeError("a route needs at least one next hop");
  if (!Number.isInteger(route.distance) || route.distance < 0 || route.distance > 255) {
    throw new RangeError(`administrative distance ${route.distance} is outside 0..255`);
  }
  if (!Number.isInteger(route.metric) || route.metric < 0 || route.metric > 0xffffffff) {
    throw new RangeError(`metric ${route.metric} is outside 0..4294967295`);
  }
}

/**
 * The RIB logic shared by both address families: candidate routes per prefix id, the selected one
 * first. The family's LPM structure gives out the prefix ids.
 */
abstract class RibBase<P extends Ipv4Prefix | Ipv6Prefix, R extends RouteOf<P, unknown>> {
  /** The selected route of each prefix id (what `lookup` returns). */
  protected best: (R | undefined)[] = [];
  /** The other candidates of a prefix id, in order of preference; absent when there are none. */
  private others: Map<number, R[]> | undefined; // created on first use: most tables never need it
  private routeCount = 0;

  protected abstract findId(prefix: P): number;
  protected abstract insertId(prefix: P): number;
  protected abstract deleteId(id: number): void;
  protected abstract orderedIds(): ArrayLike<number>;
  protected abstract clearIds(): void;
  /** The prefix in network form: the same object when it already is. */
  protected abstract networkForm(prefix: P): P;
  /** Number of distinct prefixes (FIB entries). */
  abstract get prefixCount(): number;

  /** Number of routes, all candidates counted. */
  get size(): number {
    return this.routeCount;
  }

  /**
   * Adds a route, replacing the route of the same source for that prefix (see the module notes).
   * Returns the route as stored: the same object, or a copy with the prefix in network form.
   */
  add(route: R): R {
    validate(route);
    const prefix = this.networkForm(route.prefix);
    if (prefix !== route.prefix) route = { ...route, prefix };
    const id = this.insertId(prefix);
    const current = this.best[id];
    if (current === undefined) {
      this.best[id] = route;
      this.routeCount++;
      return route;
    }
    const list = this.candidatesOf(id);
    const kept = list.filter((r) => !sameSource(r, route.protocol, route.distance));
    this.routeCount += 1 - (list.length - kept.length);
    let at = kept.length;
    while (at > 0 && preferred(route, kept[at - 1])) at--;
    kept.splice(at, 0, route);
    this.setCandidates(id, kept);
    return route;
  }

  /**
   * Removes the route of `protocol` for `prefix` (for static routes, only the one with `distance`
   * when given; all of them otherwise). Returns true when something was removed. When the
   * selected route goes, the next candidate is selected; when the last one goes, lookups fall
   * back to the longest remaining covering prefix.
   */
  remove(prefix: P, protocol: RouteProtocol, distance?: number): boolean {
    const id = this.findId(this.networkForm(prefix));
    if (id < 0) return false;
    const list = this.candidatesOf(id);
    const kept = list.filter((r) => !sameSource(r, protocol, distance));
    if (kept.length === list.length) return false;
    this.routeCount -= list.length - kept.length;
    if (kept.length === 0) {
      this.best[id] = undefined;
      this.others?.delete(id);
      this.deleteId(id);
    } else {
      this.setCandidates(id, kept);
    }
    return true;
  }

  /** The routes for exactly this prefix, the selected one first (empty when none). */
  candidates(prefix: P): R[] {
    const id = this.findId(this.networkForm(prefix));
    return id < 0 ? [] : this.candidatesOf(id);
  }

  /** The selected route for exactly this prefix (no longest-match), if any. */
  selected(prefix: P): R | undefined {
    const id = this.findId(this.networkForm(prefix));
    return id < 0 ? undefined : this.best[id];
  }

  /** True when `route` (the stored object) is the selected route of its prefix. */
  isSelected(route: R): boolean {
    return this.selected(route.prefix) === route;
  }

  /** Every route in prefix order (by address, shorter prefix first), each prefix's selected route first. */
  *routes(): IterableIterator<R> {
    const ids = this.orderedIds();
    for (let i = 0; i < ids.length; i++) {
      const best = this.best[ids[i]];
      if (best === undefined) continue;
      yield best;
      const others = this.others?.get(ids[i]);
      if (others) yield* others;
    }
  }

  /** The selected route of every prefix, in prefix order. */
  *selectedRoutes(): IterableIterator<R> {
    const ids = this.orderedIds();
    for (let i = 0; i < ids.length; i++) {
      const best = this.best[ids[i]];
      if (best !== undefined) yield best;
    }
  }

  [Symbol.iterator](): IterableIterator<R> {
    return this.routes();
  }

  clear(): void {
    this.best = [];
    this.others = undefined;
    this.routeCount = 0;
    this.clearIds();
  }

  private candidatesOf(id: number): R[] {
    const best = this.best[id];
    if (best === undefined) return [];
    const others = this.others?.get(id);
    return others ? [best, ...others] : [best];
  }

  private setCandidates(id: number, list: R[]): void {
    this.best[id] = list[0];
    if (list.length > 1) {
      this.others ??= new Map();
      this.others.set(id, list.slice(1));
    } else {
      this.others?.delete(id);
    }
  }
}

/** The IPv4 routing table. */
export class RoutingTable extends RibBase<Ipv4Prefix, Route> {
  private readonly lpm: Ipv4Lpm;

  constructor(options: Ipv4LpmOptions = {}) {
    super();
    this.lpm = new Ipv4Lpm(options);
  }

  get prefixCount(): number {
    return this.lpm.size;
  }

  /**
   * The selected route of the longest prefix that contains `address` (a uint32 or an address),
   * or undefined when no route matches. Allocation-free.
   */
  lookup(address: number | Ipv4Address): Route | undefined {
    const id = this.lpm.lookup(typeof address === "number" ? address : address.value);
    return id < 0 ? undefined : this.best[id];
  }

  /**
   * Approximate bytes held by the table's own structures (the LPM arrays, the per-prefix slots
   * and candidate lists), not counting the route objects, which belong to the caller.
   */
  memoryBytes(): number {
    return this.lpm.memoryBytes() + 8 * this.best.length;
  }

  /** The LPM structure underneath (for tests and benchmarks). */
  get fib(): Ipv4Lpm {
    return this.lpm;
  }

  protected findId(prefix: Ipv4Prefix): number {
    return this.lpm.find(prefix.address.value, prefix.length);
  }
  protected insertId(prefix: Ipv4Prefix): number {
    return this.lpm.insert(prefix.address.value, prefix.length);
  }
  protected deleteId(id: number): void {
    this.lpm.delete(id);
  }
  protected orderedIds(): ArrayLike<number> {
    return this.lpm.orderedIds();
  }
  protected clearIds(): void {
    this.lpm.clear();
  }
  protected networkForm(prefix: Ipv4Prefix): Ipv4Prefix {
    return prefix.network.value === prefix.address.value ? prefix : prefix.networkPrefix;
  }
}

/** The IPv6 routing table: the same RIB over a nibble-stride trie (see src/net/lpm/ipv6-lpm.ts). */
export class Ipv6RoutingTable extends RibBase<Ipv6Prefix, Ipv6Route> {
  private readonly lpm = new Ipv6Lpm();
  private bulkIds = new Int32Array(0);

  get prefixCount(): number {
    return this.lpm.size;
  }

  /** The selected route of the longest prefix containing `address` (or the 16 bytes at `offset`). */
  lookup(address: Ipv6Address | Uint8Array, offset = 0): Ipv6Route | undefined {
    const id =
      address instanceof Ipv6Address ? this.lpm.lookup(address.bytes, 0) : this.lpm.lookup(address, offset);
    return id < 0 ? undefined : this.best[id];
  }

  memoryBytes(): number {
    return this.lpm.memoryBytes() + 8 * this.best.length;
  }

  /**
   * The routes for `count` addresses stored back to back (16 octets each) from `bytes[offset]`,
   * into `out`: the answers of {@link lookup}, found several at a time (see `Ipv6Lpm.lookupBulk`).
   */
  lookupBulk(bytes: Uint8Array, offset: number, count: number, out: (Ipv6Route | undefined)[]): void {
    if (this.bulkIds.length < count) this.bulkIds = new Int32Array(count);
    const ids = this.bulkIds;
    this.lpm.lookupBulk(bytes, offset, count, ids);
    for (let i = 0; i < count; i++) out[i] = ids[i] < 0 ? undefined : this.best[ids[i]];
  }

  /** The LPM structure underneath (for tests and benchmarks). */
  get fib(): Ipv6Lpm {
    return this.lpm;
  }

  protected findId(prefix: Ipv6Prefix): number {
    return this.lpm.find(prefix.address.bytes, prefix.length);
  }
  protected insertId(prefix: Ipv6Prefix): number {
    return this.lpm.insert(prefix.address.bytes, prefix.length);
  }
  protected deleteId(id: number): void {
    this.lpm.delete(id);
  }
  protected orderedIds(): ArrayLike<number> {
    return this.lpm.orderedIds();
  }
  protected clearIds(): void {
    this.lpm.clear();
  }
  protected networkForm(prefix: Ipv6Prefix): Ipv6Prefix {
    return prefix.network.equals(prefix.address) ? prefix : prefix.networkPrefix;
  }
}

/** What `makeRoute` needs: the rest defaults (distance from the protocol, metric 0). */
export interface RouteInit<A> {
  prefix: string;
  protocol: RouteProtocol;
  /** The next hops; or give `via` and/or `interface` for a single one. */
  nextHops?: readonly NextHopOf<A>[];
  via?: A | string;
  interface?: string;
  distance?: number;
  metric?: number;
  /** For BGP: learned from an internal peer (distance 200 instead of 20). */
  ibgp?: boolean;
  installedAt?: Nanoseconds;
}

/** Builds an IPv4 route with FRR's defaults, e.g. `makeRoute({prefix: "0.0.0.0/0", protocol: "static", via: "10.0.12.2", interface: "eth1"})`. */
export function makeRoute(init: RouteInit<Ipv4Address>): Route {
  return buildRoute(Ipv4Prefix.parse(init.prefix).networkPrefix, init, (text) => Ipv4Address.parse(text));
}

/** Builds an IPv6 route with FRR's defaults. */
export function makeIpv6Route(init: RouteInit<Ipv6Address>): Ipv6Route {
  return buildRoute(Ipv6Prefix.parse(init.prefix).networkPrefix, init, (text) => Ipv6Address.parse(text));
}

function buildRoute<P, A>(prefix: P, init: RouteInit<A>, parseAddress: (text: string) => A): RouteOf<P, A> {
  let nextHops = init.nextHops;
  if (nextHops === undefined) {
    if (init.interface === undefined) throw new RangeError("a route needs next hops or an interface");
    const via = typeof init.via === "string" ? parseAddress(init.via) : init.via;
    nextHops = [via === undefined ? { interface: init.interface } : { via, interface: init.interface }];
  }
  const route: RouteOf<P, A> = {
    prefix,
    nextHops,
    protocol: init.protocol,
    distance: init.distance ?? defaultDistance(init.protocol, { ibgp: init.ibgp }),
    metric: init.metric ?? 0,
    ...(init.installedAt === undefined ? {} : { installedAt: init.installedAt }),
  };
  validate(route);
  return route;
}
