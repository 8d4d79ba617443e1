/**
 * Dynamic routing (RIPv2 in ./rip, OSPFv2 in ./ospf, BGP-4 in ./bgp): the shared plumbing.
 *
 * A routing protocol is a process attached to a router, as a daemon runs next to FRR's zebra:
 * `router.routing.add(new Ospf(router, config))` starts it (at the current virtual time, after the
 * configuration step finishes), `router.routing.remove("ospf")` stops it, which cancels its timers,
 * says goodbye where the protocol has a way to (RIP poisons its routes, BGP sends a CEASE) and
 * withdraws its routes from the RIB. Protocols write routes through a {@link RibWriter}, and report
 * what they do with the trace events of ./events.ts.
 */
import "./events.js";

import type { RoutingProtocolName } from "./events.js";

export type {
  RoutingMessageEvent,
  RoutingNeighborEvent,
  RoutingProtocolName,
  RoutingRouteEvent,
} from "./events.js";
export type { OspfConfig, OspfInterfaceConfig } from "./ospf/config.js";
export { Ospf } from "./ospf/ospf.js";
export { formatNextHops, type ProtocolRoute, RibWriter } from "./rib.js";
export { Rip, type RipConfig } from "./rip/rip.js";

/** A routing process on a router. */
export interface RoutingProtocol {
  readonly protocol: RoutingProtocolName;
  /** Whether it runs. */
  readonly running: boolean;
  /** Opens its sockets, joins its groups, starts its timers. Called once by {@link RoutingProcesses.add}. */
  start(): void;
  /** Stops everything and withdraws its routes. */
  stop(): void;
  /** Lines for `show ip protocols` (FRR style). */
  showProtocols?(): string;
}

/** The routing processes of one router (at most one per protocol, as FRR's `router ospf`). */
export class RoutingProcesses {
  private readonly processes = new Map<RoutingProtocolName, RoutingProtocol>();

  /** Adds and starts a process; throws when the protocol already runs here. */
  add<P extends RoutingProtocol>(process: P): P {
    if (this.processes.has(process.protocol))
      throw new RangeError(`${process.protocol} already runs on this router`);
    this.processes.set(process.protocol, process);
    process.start();
    return process;
  }

  /** The process of a protocol, if it runs. */
  get(protocol: RoutingProtocolName): RoutingProtocol | undefined {
    return this.processes.get(protocol);
  }

  /** Stops and removes a protocol's process (`no router ospf`); true when there was one. */
  remove(protocol: RoutingProtocolName): boolean {
    const process = this.processes.get(protocol);
    if (!process) return false;
    this.processes.delete(protocol);
    process.stop();
    return true;
  }

  /** Stops every process (the router is switched off). */
  stopAll(): void {
    for (const protocol of [...this.processes.keys()]) this.remove(protocol);
  }

  list(): RoutingProtocol[] {
    return [...this.processes.values()];
  }

  /** `show ip protocols`. */
  showProtocols(): string {
    const parts = this.list().map((p) => p.showProtocols?.() ?? `Routing Protocol is "${p.protocol}"\n`);
    return parts.length > 0 ? parts.join("\n") : "No routing protocol is running\n";
  }
}
