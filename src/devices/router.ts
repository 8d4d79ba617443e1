/**
 * A router: a node that forwards (RFC 1812). Several interfaces, connected routes for each
 * subnet, static routes (and, later, routes from RIP/OSPF/BGP). It speaks Cisco/FRR: `show()`
 * prints `show ip interface brief` and `show ip route`.
 */
import { RoutingProcesses } from "../routing/index.js";
import type { Scheduler } from "../sim/scheduler.js";
import type { Tracer } from "../trace/events.js";
import { Node, type NodeOptions } from "./node.js";

export class Router extends Node {
  private routingProcesses: RoutingProcesses | undefined;

  constructor(name: string, scheduler: Scheduler, tracer: Tracer, options: NodeOptions = {}) {
    super(name, scheduler, tracer, { ...options, forwarding: true });
  }

  /**
   * The dynamic routing processes (RIP, OSPF, BGP; src/routing): `router.routing.add(process)`
   * starts one, `router.routing.remove("ospf")` stops it. Created on first use.
   */
  get routing(): RoutingProcesses {
    this.routingProcesses ??= new RoutingProcesses();
    return this.routingProcesses;
  }

  /** Whether any routing process was ever attached. */
  get hasRouting(): boolean {
    return this.routingProcesses !== undefined && this.routingProcesses.list().length > 0;
  }

  /** `show ip interface brief` and `show ip route`. */
  show(): string {
    const ipv6 = this.hasIpv6 ? `\n${this.showIpv6InterfaceBrief()}\n${this.showIpv6Route()}` : "";
    return `${this.showIpInterfaceBrief()}\n${this.showIpRoute()}${ipv6}`;
  }
}
