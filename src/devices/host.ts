/**
 * A host: a node that does not forward (RFC 1122 §3.3.4.2: "a host MUST NOT forward datagrams"
 * unless configured as a router). Typically one interface, an address and a default gateway.
 * It speaks Linux: `show()` prints `ip addr` and `ip route`.
 */

import type { Ipv6Route, Route } from "../net/routing-table.js";
import type { Scheduler } from "../sim/scheduler.js";
import type { Tracer } from "../trace/events.js";
import { Node, type NodeOptions } from "./node.js";

export class Host extends Node {
  constructor(name: string, scheduler: Scheduler, tracer: Tracer, options: NodeOptions = {}) {
    super(name, scheduler, tracer, { ...options, forwarding: false });
  }

  /** `ip route add default via GATEWAY` (replacing any previous default); an IPv6 gateway sets the IPv6 default. */
  setGateway(gateway: `${string}:${string}`, options?: { iface?: string }): Ipv6Route;
  setGateway(gateway: string, options?: { iface?: string }): Route;
  setGateway(gateway: string, options: { iface?: string } = {}): Route | Ipv6Route {
    return this.setDefaultGateway(gateway, options);
  }

  /** `ip addr; ip route`: the host's configuration at a glance. */
  show(): string {
    const ipv6 = this.hasIpv6 ? `\n${this.ipRoute6()}` : "";
    return `${this.ipAddr()}\n${this.ipRoute()}${ipv6}`;
  }
}
