/** Small topologies for the routing tests: routers joined by /24 links, each with a stub LAN. */
import type { Network } from "../../src/devices/network.js";
import type { Router } from "../../src/devices/router.js";
import type { RoutingNeighborEvent } from "../../src/routing/index.js";
import type { OspfConfig } from "../../src/routing/ospf/config.js";
import { Ospf } from "../../src/routing/ospf/ospf.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";

/** Fast timers, so tests converge in a few virtual seconds. */
export const FAST = { helloInterval: 1, deadInterval: 4, retransmitInterval: 2 } as const;

/** Connects `a` and `b` on subnet 10.<i>.<j>.0/24 (a gets .1... well, `.<a index>`). */
export function link(net: Network, a: Router, aIf: string, b: Router, bIf: string, subnet: string): void {
  net.connect(`${a.name}:${aIf}`, `${b.name}:${bIf}`);
  a.addAddress(aIf, `${subnet}.1/24`);
  b.addAddress(bIf, `${subnet}.2/24`);
}

/** The route's next hops as `via A iface` strings (sorted), or [] when there is no route. */
export function hops(router: Router, address: string): string[] {
  const route = router.ipv4.routes.lookup(Ipv4Address.parse(address));
  if (!route) return [];
  return route.nextHops.map((h) => `${h.via ?? "direct"} ${h.interface}`).sort();
}

export function protocolOf(router: Router, address: string): string | undefined {
  return router.ipv4.routes.lookup(Ipv4Address.parse(address))?.protocol;
}

/** Starts OSPF on a router with every interface in area 0 (or the areas given). */
export function ospf(router: Router, areas: OspfConfig["areas"], extra: Partial<OspfConfig> = {}): Ospf {
  return router.routing.add(new Ospf(router, { ...FAST, ...extra, areas }));
}

export function neighborStates(o: Ospf): string[] {
  return [...o.neighbors()].map(({ iface, neighbor }) => `${iface.name} ${neighbor.state}`).sort();
}

/** Collects routing-neighbor events. */
export function recordNeighbors(net: Network): RoutingNeighborEvent[] {
  const events: RoutingNeighborEvent[] = [];
  net.tracer.subscribe((e) => {
    if (e.type === "routing-neighbor") events.push(e);
  });
  return events;
}
