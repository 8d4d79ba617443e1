/**
 * How a routing protocol writes its routes into the router's RIB (src/net/routing-table.ts), the
 * way a daemon talks to FRR's zebra: it hands over its whole view of the best routes (after an SPF
 * run, a RIP table change, a BGP decision), and the writer installs what is new or changed and
 * withdraws what disappeared, tracing each change. The RIB then chooses between protocols by
 * administrative distance.
 */
import type { Node } from "../devices/node.js";
import type { NextHop, Route, RouteProtocol } from "../net/routing-table.js";
import type { Nanoseconds } from "../sim/time.js";
import type { Ipv4Prefix } from "../wire/address/ipv4.js";
import type { RoutingProtocolName } from "./events.js";

/** A route as a protocol computes it (the writer adds protocol, distance and time). */
export interface ProtocolRoute {
  prefix: Ipv4Prefix;
  nextHops: readonly NextHop[];
  metric: number;
  /** Overrides the writer's distance (BGP: 20 for eBGP, 200 for iBGP). */
  distance?: number;
}

function prefixKey(prefix: Ipv4Prefix): number {
  // address (32 bits) and length (6 bits) packed into one exact double key.
  return prefix.network.value * 64 + prefix.length;
}

function sameHops(a: readonly NextHop[], b: readonly NextHop[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].interface !== b[i].interface || a[i].via?.value !== b[i].via?.value) return false;
  }
  return true;
}

export function formatNextHops(hops: readonly NextHop[]): string {
  return hops.map((h) => (h.via ? `via ${h.via} ${h.interface}` : `dev ${h.interface}`)).join(", ");
}

/**
 * When a routing protocol last changed a RIB, per clock (scheduler): what `tinkernet run` watches
 * to tell that routing has settled (./settle.ts).
 */
const lastRibChange = new WeakMap<object, Nanoseconds>();

/** The virtual time of the last route a protocol installed, changed or withdrew on this clock. */
export function lastRoutingChange(scheduler: object): Nanoseconds | undefined {
  return lastRibChange.get(scheduler);
}

export class RibWriter {
  /** What this protocol has installed, by prefix. */
  private readonly installed = new Map<number, Route>();

  constructor(
    private readonly node: Node,
    readonly protocol: RoutingProtocolName & RouteProtocol,
    /** Administrative distance of this protocol's routes (OSPF 110, RIP 120). */
    public distance: number,
  ) {}

  /** Number of routes installed. */
  get size(): number {
    return this.installed.size;
  }

  /** The routes installed by this protocol. */
  routes(): IterableIterator<Route> {
    return this.installed.values();
  }

  /** Installs or replaces one route; returns true when the RIB changed. */
  install(route: ProtocolRoute): boolean {
    const key = prefixKey(route.prefix);
    const current = this.installed.get(key);
    const distance = route.distance ?? this.distance;
    if (
      current !== undefined &&
      current.metric === route.metric &&
      current.distance === distance &&
      sameHops(current.nextHops, route.nextHops)
    ) {
      return false;
    }
    const stored = this.node.ipv4.routes.add({
      prefix: route.prefix, // the RIB stores it in network form (the same object when it already is)
      nextHops: route.nextHops,
      protocol: this.protocol,
      distance,
      metric: route.metric,
      installedAt: current?.installedAt ?? this.node.scheduler.now,
    });
    this.installed.set(key, stored);
    this.trace(current === undefined ? "add" : "change", stored);
    return true;
  }

  /** Withdraws the route for `prefix`; returns true when there was one. */
  withdraw(prefix: Ipv4Prefix): boolean {
    const key = prefixKey(prefix);
    const current = this.installed.get(key);
    if (current === undefined) return false;
    this.installed.delete(key);
    this.node.ipv4.routes.remove(current.prefix, this.protocol);
    this.trace("remove", current);
    return true;
  }

  /**
   * Makes the installed routes exactly `routes`: installs new and changed ones, withdraws the
   * rest. Returns the number of changes.
   */
  sync(routes: Iterable<ProtocolRoute>): number {
    let changes = 0;
    const seen = new Set<number>();
    for (const route of routes) {
      seen.add(prefixKey(route.prefix));
      if (this.install(route)) changes++;
    }
    for (const [key, route] of [...this.installed]) {
      if (!seen.has(key) && this.withdraw(route.prefix)) changes++;
    }
    return changes;
  }

  /** Withdraws everything (the protocol stops). */
  clear(): void {
    for (const route of [...this.installed.values()]) this.withdraw(route.prefix);
  }

  private trace(action: "add" | "change" | "remove", route: Route): void {
    lastRibChange.set(this.node.scheduler, this.node.scheduler.now);
    const tracer = this.node.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "routing-route",
      time: this.node.scheduler.now,
      node: this.node.name,
      protocol: this.protocol,
      action,
      prefix: route.prefix.toString(),
      nextHops: action === "remove" ? "" : formatNextHops(route.nextHops),
      metric: route.metric,
      distance: route.distance,
    });
  }
}
