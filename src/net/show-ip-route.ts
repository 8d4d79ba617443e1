/**
 * `show ip route` / `show ipv6 route` in FRRouting's format, so that a learner who has used FRR
 * (or Cisco IOS, which FRR imitates) reads our routers the same way:
 *
 * ```
 * S>* 0.0.0.0/0 [1/0] via 10.0.12.2, eth1
 * S   0.0.0.0/0 [250/0] via 10.0.13.3, eth2
 * C>* 10.0.1.0/24 is directly connected, eth0
 * O   10.0.1.0/24 [110/10] is directly connected, eth0
 * L>* 10.0.1.1/32 is directly connected, eth0
 * O>* 10.0.3.0/24 [110/20] via 10.0.12.2, eth1
 *   *                      via 10.0.13.3, eth2
 * ```
 *
 * The first character is the route's code (the legend), `>` marks the selected route and `*` a
 * next hop installed in the forwarding table; a route that lost the selection shows neither.
 * `[distance/metric]` is printed for every route except connected and local ones at [0/0].
 * Equal-cost next hops continue on the following lines, aligned under the first `via`.
 *
 * This is FRR's layout as of FRR 7 (zebra_vty.c); FRR 8 and later also print `, weight 1` after
 * the interface, which we leave out because our next hops carry no weights. The age of the route
 * (`, 00:05:12`) is appended when the route has `installedAt` and the caller gives `now`.
 */
import { type Nanoseconds, SECOND } from "../sim/time.js";
import type { Ipv4Prefix } from "../wire/address/ipv4.js";
import type { Ipv6Prefix } from "../wire/address/ipv6.js";
import type {
  Ipv6Route,
  Ipv6RoutingTable,
  NextHopOf,
  Route,
  RouteOf,
  RouteProtocol,
  RoutingTable,
} from "./routing-table.js";

/** FRR's one-letter route codes. */
export const ROUTE_CODES: Readonly<Record<RouteProtocol, string>> = {
  kernel: "K",
  connected: "C",
  local: "L",
  static: "S",
  rip: "R",
  ospf: "O",
  bgp: "B",
};

/** The legend FRR 10 prints above `show ip route` (verbatim, so the output looks familiar). */
export const IPV4_ROUTE_LEGEND = [
  "Codes: K - kernel route, C - connected, L - local, S - static,",
  "       R - RIP, O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,",
  "       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,",
  "       f - OpenFabric, t - Table-Direct,",
  "       > - selected route, * - FIB route, q - queued, r - rejected, b - backup",
  "       t - trapped, o - offload failure",
].join("\n");

/** The legend above `show ipv6 route` (RIPng and OSPFv3 instead of RIP and OSPF, no EIGRP). */
export const IPV6_ROUTE_LEGEND = [
  "Codes: K - kernel route, C - connected, L - local, S - static,",
  "       R - RIPng, O - OSPFv3, I - IS-IS, B - BGP, N - NHRP,",
  "       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,",
  "       f - OpenFabric, t - Table-Direct,",
  "       > - selected route, * - FIB route, q - queued, r - rejected, b - backup",
  "       t - trapped, o - offload failure",
].join("\n");

export interface ShowRouteOptions {
  /** Only routes of this protocol (`show ip route ospf`). */
  protocol?: RouteProtocol;
  /** The current virtual time, to print each route's age from its `installedAt`. */
  now?: Nanoseconds;
  /** Print the legend (default true). */
  legend?: boolean;
}

/** `show ip route`. */
export function showIpRoute(table: RoutingTable, options: ShowRouteOptions = {}): string {
  return show<Ipv4Prefix, Route>(table.routes(), (r) => table.isSelected(r), IPV4_ROUTE_LEGEND, options);
}

/** `show ipv6 route`. */
export function showIpv6Route(table: Ipv6RoutingTable, options: ShowRouteOptions = {}): string {
  return show<Ipv6Prefix, Ipv6Route>(table.routes(), (r) => table.isSelected(r), IPV6_ROUTE_LEGEND, options);
}

function show<P extends Ipv4Prefix | Ipv6Prefix, R extends RouteOf<P, unknown>>(
  routes: Iterable<R>,
  isSelected: (route: R) => boolean,
  legend: string,
  options: ShowRouteOptions,
): string {
  const lines: string[] = [];
  if (options.legend !== false) lines.push(legend, "");
  for (const route of routes) {
    if (options.protocol !== undefined && route.protocol !== options.protocol) continue;
    lines.push(...formatRoute(route, isSelected(route), options.now));
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** The line(s) of one route: the first with code, flags, prefix and [distance/metric], then one per extra next hop. */
export function formatRoute(
  route: RouteOf<Ipv4Prefix | Ipv6Prefix, unknown>,
  selected: boolean,
  now?: number,
): string[] {
  // A selected route is installed in the FIB, so each of its next hops is marked `*`.
  const fib = selected ? "*" : " ";
  let head = `${ROUTE_CODES[route.protocol]}${selected ? ">" : " "}${fib} ${route.prefix}`;
  const connected = route.protocol === "connected" || route.protocol === "local";
  if (!connected || route.distance !== 0 || route.metric !== 0)
    head += ` [${route.distance}/${route.metric}]`;
  const age =
    now !== undefined && route.installedAt !== undefined ? `, ${formatUptime(now - route.installedAt)}` : "";
  const lines = [`${head}${formatNextHop(route.nextHops[0])}${age}`];
  // FRR: vty_out("  %c%*c", status, len - 3, ' '), so the next `via` lines up under the first.
  const indent = `  ${fib}${" ".repeat(Math.max(1, head.length - 3))}`;
  for (let i = 1; i < route.nextHops.length; i++)
    lines.push(`${indent}${formatNextHop(route.nextHops[i])}${age}`);
  return lines;
}

function formatNextHop(hop: NextHopOf<unknown>): string {
  return hop.via === undefined
    ? ` is directly connected, ${hop.interface}`
    : ` via ${String(hop.via)}, ${hop.interface}`;
}

/** A route's age as FRR prints it: hh:mm:ss under a day, then 1d02h03m, then 02w3d04h. */
export function formatUptime(age: Nanoseconds): string {
  const total = Math.max(0, Math.floor(age / SECOND));
  const seconds = total % 60;
  const minutes = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600) % 24;
  const days = Math.floor(total / 86400);
  const two = (n: number) => String(n).padStart(2, "0");
  if (days < 1) return `${two(hours)}:${two(minutes)}:${two(seconds)}`;
  if (days < 7) return `${days}d${two(hours)}h${two(minutes)}m`;
  return `${two(Math.floor(days / 7))}w${days % 7}d${two(hours)}h`;
}
