/**
 * Has routing settled? What a lab waits for before its first command, so that `pingall` on a lab
 * whose routes come from OSPF or BGP does not run before those routes exist (at time zero a router
 * knows only its connected networks).
 *
 * Settled means: nothing a protocol is still waiting for, and the RIBs quiet for a while.
 * - OSPF: no interface still in Waiting (a broadcast segment waits RouterDeadInterval before
 *   electing its DR, RFC 2328 §9.4), every neighbour Full or 2-Way (two DROthers stay 2-Way, §10.4),
 *   and no LSA waiting for an acknowledgement (§13.6);
 * - BGP: every configured session Established (RFC 4271 §8);
 * - RIP has no such state: triggered updates (RFC 2453 §3.10.1) are covered by the quiet time;
 * - then no route installed, changed or withdrawn by any protocol for `quiet` of network time (an
 *   SPF hold, a triggered update's delay, an UPDATE's way across the network all fit in it).
 */
import type { Network } from "../devices/network.js";
import { Router } from "../devices/router.js";
import { type Nanoseconds, SECOND } from "../sim/time.js";
import { Bgp } from "./bgp/speaker.js";
import { Ospf } from "./ospf/ospf.js";
import { lastRoutingChange } from "./rib.js";

/** Quiet time by default: longer than OSPF's largest SPF hold (5 s) and RIP's triggered-update delay (≤ 5 s). */
export const ROUTING_QUIET_TIME: Nanoseconds = 10 * SECOND;

/** The routers that run a routing protocol. */
export function routingRouters(network: Network): Router[] {
  return network.nodes.filter((n): n is Router => n instanceof Router && n.hasRouting);
}

/** What a router's protocols still wait for (empty when nothing): for the message when they never settle. */
export function unsettledProtocols(router: Router): string[] {
  return [...waitsOf(router)];
}

/** Whether any of a router's protocols still waits for something (stops at the first). */
function isBusy(router: Router): boolean {
  return !waitsOf(router).next().done;
}

/** Each thing a router's protocols wait for, one at a time, so a yes/no question stops at the first. */
function* waitsOf(router: Router): Generator<string> {
  for (const process of router.routing.list()) {
    if (!process.running) continue;
    if (process instanceof Ospf) {
      for (const [name, iface] of process.interfaces) {
        if (iface.state === "Waiting") yield `ospf ${name} waiting for the DR election`;
        for (const neighbor of iface.neighbors.values()) {
          const adjacent =
            neighbor.state === "Full" || neighbor.state === "2-Way" || neighbor.state === "Down";
          if (!adjacent || neighbor.retransmitList.size > 0) yield `ospf ${name} neighbour ${neighbor.state}`;
        }
      }
    } else if (process instanceof Bgp) {
      for (const session of process.sessions)
        if (session.state !== "Established") yield `bgp session ${session.state}`;
    }
  }
}

/**
 * Watches a network settle. Quiet is counted from the later of the last RIB change and the last
 * moment a protocol was still busy: routes come a little after an adjacency (an SPF delay, an
 * UPDATE's way), so "no route has changed since time zero" must not count while OSPF waited
 * forty seconds for its DR election before it installed anything.
 */
export class RoutingSettleWatch {
  private lastBusy: Nanoseconds;
  /** Found once: `settled()` is asked after every event while a lab waits. */
  private readonly routers: Router[];

  constructor(
    private readonly network: Network,
    private readonly quiet: Nanoseconds = ROUTING_QUIET_TIME,
  ) {
    this.lastBusy = network.scheduler.now;
    this.routers = routingRouters(network);
  }

  /** Whether every routing process has settled and nothing has moved for the quiet time. */
  settled(): boolean {
    const now = this.network.scheduler.now;
    if (this.routers.some(isBusy)) {
      this.lastBusy = now;
      return false;
    }
    const last = Math.max(lastRoutingChange(this.network.scheduler) ?? 0, this.lastBusy);
    return now - last >= this.quiet;
  }
}
