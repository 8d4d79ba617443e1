/**
 * RIP version 2 (RFC 2453): distance-vector routing by hop count. Every 30 seconds a router tells
 * its neighbours (224.0.0.9, UDP 520) every network it knows and how many hops away; a neighbour
 * adds one hop and keeps the route if it is better or comes from the router it already uses.
 *
 * - Split horizon with poisoned reverse (§3.4.3): routes are advertised back out of the interface
 *   they were learned on with metric 16, so two routers never count to infinity between them.
 * - Triggered updates (§3.10.1): a changed route is announced at once (1-5 s later, gathered).
 * - Timers (§3.8): a route not refreshed for 180 s times out (metric 16), and is forgotten 120 s
 *   later (garbage collection), during which it is advertised as unreachable.
 *
 * Configured like FRR's `router rip` / `network eth1` / `timers basic 30 180 120`:
 *
 * ```yaml
 * rip: {interfaces: [eth0, eth1], passive: [eth2], timers: {update: 30, timeout: 180, garbage: 120}}
 * ```
 */
import type { Router } from "../../devices/router.js";
import type { NextHop } from "../../net/routing-table.js";
import type { Timer } from "../../sim/scheduler.js";
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import type { UdpMessage, UdpSocket } from "../../transport/udp.js";
import { Ipv4Address, Ipv4Prefix } from "../../wire/address/ipv4.js";
import { isParseError } from "../../wire/parse-error.js";
import {
  encodeRip,
  parseRip,
  RIP_AFI_INET,
  RIP_GROUP,
  RIP_INFINITY,
  RIP_MAX_ENTRIES,
  RIP_PORT,
  RipCommand,
  type RipEntry,
  type RipRepr,
  summarizeRip,
} from "../../wire/rip.js";
import { emitUdp, IP_PROTOCOL_UDP } from "../../wire/udp.js";
import type { RoutingProtocol } from "../index.js";
import { RibWriter } from "../rib.js";

export type SplitHorizon = "poisoned-reverse" | "simple" | "none";

export interface RipConfig {
  /** Interfaces RIP runs on (FRR `network IFNAME`): their networks are advertised. */
  interfaces: string[];
  /** Interfaces whose networks are advertised but that send no updates (FRR `passive-interface`). */
  passive?: string[];
  /** Seconds: update 30, timeout 180, garbage 120 (FRR `timers basic`). */
  timers?: { update?: number; timeout?: number; garbage?: number };
  /** Default: poisoned reverse (FRR's `ip rip split-horizon poisoned-reverse`). */
  splitHorizon?: SplitHorizon;
  /** Administrative distance (default 120). */
  distance?: number;
}

/** A route in RIP's table (§3.9 "the routing table"). */
export interface RipRoute {
  prefix: Ipv4Prefix;
  metric: number;
  /** 0 for a directly connected network. */
  nextHop: number;
  iface: string;
  /** Who told us (0: ourselves). */
  from: number;
  tag: number;
  connected: boolean;
  /** The route changed since the last update sent (the route change flag of §3.10.1). */
  changed: boolean;
  timeout?: Timer;
  garbage?: Timer;
  /** When the timeout (or garbage collection) timer expires, for `show ip rip`. */
  expiresAt?: Nanoseconds;
}

export class Rip implements RoutingProtocol {
  readonly protocol = "rip" as const;
  running = false;
  readonly routes = new Map<string, RipRoute>();
  readonly counters = {
    updatesSent: 0,
    updatesReceived: 0,
    requestsSent: 0,
    requestsReceived: 0,
    badPackets: 0,
    badRoutes: 0,
    triggered: 0,
  };
  private socket: UdpSocket | undefined;
  private readonly rib: RibWriter;
  private readonly timers = new Set<Timer>();
  private triggerTimer: Timer | undefined;
  private lastTriggeredAt: Nanoseconds | undefined;
  private unsubscribe: (() => void)[] = [];
  private readonly update: number;
  private readonly timeout: number;
  private readonly garbage: number;
  readonly splitHorizon: SplitHorizon;
  private random: { next(): number } | undefined;

  constructor(
    readonly router: Router,
    readonly config: RipConfig,
  ) {
    this.rib = new RibWriter(router, "rip", config.distance ?? 120);
    this.update = (config.timers?.update ?? 30) * SECOND;
    this.timeout = (config.timers?.timeout ?? 180) * SECOND;
    this.garbage = (config.timers?.garbage ?? 120) * SECOND;
    this.splitHorizon = config.splitHorizon ?? "poisoned-reverse";
  }

  private get now(): Nanoseconds {
    return this.router.scheduler.now;
  }

  private after(delay: Nanoseconds, action: () => void): Timer {
    const timer = this.router.scheduler.after(delay, () => {
      this.timers.delete(timer);
      action();
    });
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: Timer | undefined): void {
    if (!timer) return;
    this.timers.delete(timer);
    this.router.scheduler.cancel(timer);
  }

  private isPassive(iface: string): boolean {
    return this.config.passive?.includes(iface) ?? false;
  }

  private get allInterfaces(): string[] {
    return [
      ...this.config.interfaces,
      ...(this.config.passive ?? []).filter((p) => !this.config.interfaces.includes(p)),
    ];
  }

  start(): void {
    if (this.running) return;
    for (const name of this.allInterfaces) this.router.interface(name); // throws for a missing interface
    this.running = true;
    this.random = this.router.scheduler.random.fork(`rip/${this.router.name}`);
    const socket = this.router.udp.createSocket({ reuseAddress: true });
    const error = socket.bind(RIP_PORT);
    if (error) throw new RangeError(`${this.router.name}: RIP cannot bind UDP ${RIP_PORT}: ${error}`);
    socket.addMembership(new Ipv4Address(RIP_GROUP));
    socket.onMessage = (m) => this.receive(m);
    this.socket = socket;
    for (const name of this.allInterfaces) {
      this.unsubscribe.push(this.router.interface(name).onLinkChange((_i, up) => this.linkChanged(name, up)));
    }
    this.after(0, () => {
      this.refreshConnected();
      // §3.9.1: on start, ask every neighbour for its whole table.
      for (const name of this.config.interfaces) this.sendRequest(name);
      this.scheduleUpdate();
    });
  }

  stop(): void {
    if (!this.running) return;
    // Tell the neighbours at once that everything we offered is gone (metric 16).
    for (const route of this.routes.values()) route.metric = RIP_INFINITY;
    for (const name of this.config.interfaces) this.sendResponse(name, RIP_GROUP, RIP_PORT, false);
    for (const timer of [...this.timers]) this.cancel(timer);
    this.socket?.close();
    this.socket = undefined;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.rib.clear();
    this.routes.clear();
    this.running = false;
  }

  // -------------------------------------------------------------------------------------------
  // Connected networks

  /** The networks of RIP interfaces that are up, as metric-0 routes of our own. */
  private refreshConnected(): void {
    const present = new Set<string>();
    for (const name of this.allInterfaces) {
      const iface = this.router.interface(name);
      if (!iface.isUp && iface.endpoint !== undefined) continue;
      for (const address of iface.addresses) {
        const prefix = address.networkPrefix;
        const key = prefix.toString();
        present.add(key);
        const current = this.routes.get(key);
        if (current?.connected) continue;
        if (current) this.dropTimers(current);
        this.routes.set(key, {
          prefix,
          metric: 0,
          nextHop: 0,
          iface: name,
          from: 0,
          tag: 0,
          connected: true,
          changed: true,
        });
        this.rib.withdraw(prefix);
        this.triggerUpdate();
      }
    }
    for (const route of [...this.routes.values()]) {
      if (route.connected && !present.has(route.prefix.toString()) && route.metric < RIP_INFINITY) {
        this.startDeletion(route);
      }
    }
  }

  private linkChanged(name: string, up: boolean): void {
    if (!this.running) return;
    if (!up) {
      // Routes through a dead interface are unreachable now, not after 180 s (FRR does the same).
      for (const route of this.routes.values())
        if (!route.connected && route.iface === name && route.metric < RIP_INFINITY)
          this.startDeletion(route);
    }
    this.refreshConnected();
    if (up) this.sendRequest(name);
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  private sendMessage(iface: string, dst: number, dstPort: number, repr: RipRepr): void {
    const netIface = this.router.interface(iface);
    const src = netIface.primaryAddress?.address;
    if (!src || !netIface.isUp) return;
    const payload = encodeRip(repr);
    const datagram = new Uint8Array(8 + payload.length);
    const dstAddress = new Ipv4Address(dst);
    emitUdp({ srcPort: RIP_PORT, dstPort, payload }, datagram, { src, dst: dstAddress });
    const tracer = this.router.tracer;
    if (tracer.enabled)
      tracer.emit({
        type: "routing-message",
        time: this.now,
        node: this.router.name,
        protocol: "rip",
        direction: "out",
        iface,
        peer: dstAddress.toString(),
        kind: repr.command === RipCommand.Request ? "Request" : "Response",
        summary: summarizeRip(repr),
      });
    // §3.9: to the group with TTL 1 (link-local); the source is the interface's own address.
    this.router.ipv4.send({
      src,
      dst: dstAddress,
      protocol: IP_PROTOCOL_UDP,
      payload: datagram,
      ttl: 1,
      tos: 0xc0,
      iface,
    });
  }

  private sendRequest(iface: string): void {
    if (this.isPassive(iface)) return;
    this.counters.requestsSent++;
    this.sendMessage(iface, RIP_GROUP, RIP_PORT, {
      command: RipCommand.Request,
      version: 2,
      entries: [{ family: 0, tag: 0, address: 0, mask: 0, nextHop: 0, metric: RIP_INFINITY }],
    });
  }

  /** The entries advertised out of `iface` (§3.10 with split horizon, §3.4.3). */
  private entriesFor(iface: string, onlyChanged: boolean): RipEntry[] {
    const entries: RipEntry[] = [];
    for (const route of this.routes.values()) {
      if (onlyChanged && !route.changed) continue;
      let metric = route.connected ? (route.metric >= RIP_INFINITY ? RIP_INFINITY : 1) : route.metric;
      if (!route.connected && route.iface === iface) {
        if (this.splitHorizon === "simple") continue;
        if (this.splitHorizon === "poisoned-reverse") metric = RIP_INFINITY;
      }
      // (our own network on this very link is advertised too, metric 1, as FRR does)
      entries.push({
        family: RIP_AFI_INET,
        tag: route.tag,
        address: route.prefix.network.value,
        mask: route.prefix.netmask.value,
        nextHop: 0,
        metric,
      });
    }
    return entries;
  }

  private sendResponse(iface: string, dst: number, dstPort: number, onlyChanged: boolean): void {
    const entries = this.entriesFor(iface, onlyChanged);
    for (let i = 0; i < entries.length; i += RIP_MAX_ENTRIES) {
      this.counters.updatesSent++;
      this.sendMessage(iface, dst, dstPort, {
        command: RipCommand.Response,
        version: 2,
        entries: entries.slice(i, i + RIP_MAX_ENTRIES),
      });
    }
  }

  /** §3.8: the regular update every 30 s, offset by a random ±5 s so routers do not synchronize. */
  private scheduleUpdate(): void {
    const jitter = Math.floor((this.random!.next() - 0.5) * 10 * SECOND * (this.update / (30 * SECOND)));
    this.after(Math.max(SECOND, this.update + jitter), () => {
      for (const name of this.config.interfaces)
        if (!this.isPassive(name)) this.sendResponse(name, RIP_GROUP, RIP_PORT, false);
      for (const route of this.routes.values()) route.changed = false;
      this.scheduleUpdate();
    });
  }

  /** §3.10.1: a triggered update, 1-5 s after the last one, carrying only the changed routes. */
  private triggerUpdate(): void {
    if (!this.running || this.triggerTimer) return;
    const wait = SECOND + Math.floor(this.random!.next() * 4 * SECOND);
    const earliest = this.lastTriggeredAt === undefined ? this.now : this.lastTriggeredAt + wait;
    this.triggerTimer = this.after(Math.max(0, earliest - this.now), () => {
      this.triggerTimer = undefined;
      this.lastTriggeredAt = this.now;
      this.counters.triggered++;
      for (const name of this.config.interfaces)
        if (!this.isPassive(name)) this.sendResponse(name, RIP_GROUP, RIP_PORT, true);
      for (const route of this.routes.values()) route.changed = false;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Receiving (§3.9)

  private receive(m: UdpMessage): void {
    if (!this.running || m.address.version !== 4) return;
    const iface = m.iface;
    if (!this.allInterfaces.includes(iface) || this.isPassive(iface)) return;
    const repr = parseRip(m.data);
    if (isParseError(repr)) {
      this.counters.badPackets++;
      return;
    }
    const src = m.address.value >>> 0;
    const tracer = this.router.tracer;
    if (tracer.enabled)
      tracer.emit({
        type: "routing-message",
        time: this.now,
        node: this.router.name,
        protocol: "rip",
        direction: "in",
        iface,
        peer: m.address.toString(),
        kind: repr.command === RipCommand.Request ? "Request" : "Response",
        summary: summarizeRip(repr),
      });
    if (repr.command === RipCommand.Request) {
      this.counters.requestsReceived++;
      this.answerRequest(iface, src, m.port, repr);
      return;
    }
    // §3.9.2: responses come from port 520, from a neighbour on a directly connected network.
    const netIface = this.router.interface(iface);
    if (
      m.port !== RIP_PORT ||
      this.router.ipv4.isLocalAddress(m.address) ||
      !netIface.addresses.some((a) => a.contains(new Ipv4Address(src)))
    ) {
      this.counters.badPackets++;
      return;
    }
    if (repr.version < 2) {
      this.counters.badPackets++; // RIPv1 is not spoken here
      return;
    }
    this.counters.updatesReceived++;
    for (const e of repr.entries) this.receiveEntry(iface, src, e);
  }

  private answerRequest(iface: string, src: number, port: number, repr: RipRepr): void {
    const whole =
      repr.entries.length === 1 && repr.entries[0].family === 0 && repr.entries[0].metric === RIP_INFINITY;
    if (whole) {
      // §3.9.1: the whole table, with split horizon, to the asker (unicast when it asked from another port).
      this.sendResponse(iface, src, port, false);
      return;
    }
    const entries = repr.entries.map((e) => {
      const route = this.routes.get(prefixOfEntry(e)?.toString() ?? "");
      return { ...e, metric: route ? (route.connected ? 1 : route.metric) : RIP_INFINITY };
    });
    this.sendMessage(iface, src, port, { command: RipCommand.Response, version: 2, entries });
  }

  private receiveEntry(iface: string, src: number, e: RipEntry): void {
    const prefix = prefixOfEntry(e);
    if (!prefix || e.family !== RIP_AFI_INET || e.metric < 1 || e.metric > RIP_INFINITY) {
      this.counters.badRoutes++;
      return;
    }
    const first = prefix.network.value >>> 24;
    if ((first === 0 && prefix.length > 0) || first === 127 || first >= 224) {
      this.counters.badRoutes++;
      return;
    }
    // §3.9.2: add the cost of the network it came over (1).
    const metric = Math.min(e.metric + 1, RIP_INFINITY);
    // §4.4: a next hop on the link is used as is; otherwise the sender is the next hop.
    const netIface = this.router.interface(iface);
    const nextHop =
      e.nextHop !== 0 &&
      netIface.addresses.some((a) => a.contains(new Ipv4Address(e.nextHop))) &&
      !this.router.ipv4.isLocalAddress(new Ipv4Address(e.nextHop))
        ? e.nextHop >>> 0
        : src;
    const key = prefix.toString();
    const current = this.routes.get(key);
    if (current?.connected) return;
    if (!current) {
      if (metric >= RIP_INFINITY) return;
      const route: RipRoute = {
        prefix,
        metric,
        nextHop,
        iface,
        from: src,
        tag: e.tag,
        connected: false,
        changed: true,
      };
      this.routes.set(key, route);
      this.armTimeout(route);
      this.install(route);
      this.triggerUpdate();
      return;
    }
    const sameRouter = current.from === src && current.iface === iface;
    if (sameRouter) {
      if (metric < RIP_INFINITY) this.armTimeout(current);
      if (metric === current.metric && current.nextHop === nextHop) return;
      if (metric >= RIP_INFINITY) {
        if (current.metric < RIP_INFINITY) this.startDeletion(current);
        return;
      }
      current.metric = metric;
      current.nextHop = nextHop;
      current.tag = e.tag;
      current.changed = true;
      this.cancel(current.garbage);
      current.garbage = undefined;
      this.armTimeout(current);
      this.install(current);
      this.triggerUpdate();
      return;
    }
    if (metric < current.metric) {
      // A better route from another router replaces ours.
      this.cancel(current.garbage);
      current.garbage = undefined;
      current.metric = metric;
      current.nextHop = nextHop;
      current.iface = iface;
      current.from = src;
      current.tag = e.tag;
      current.changed = true;
      this.armTimeout(current);
      this.install(current);
      this.triggerUpdate();
    }
  }

  private armTimeout(route: RipRoute): void {
    this.cancel(route.timeout);
    route.expiresAt = this.now + this.timeout;
    route.timeout = this.after(this.timeout, () => {
      route.timeout = undefined;
      this.startDeletion(route);
    });
  }

  /** §3.8: the deletion process: metric 16, announced at once, forgotten after the garbage-collection time. */
  private startDeletion(route: RipRoute): void {
    this.cancel(route.timeout);
    route.timeout = undefined;
    route.metric = RIP_INFINITY;
    route.changed = true;
    this.rib.withdraw(route.prefix);
    this.cancel(route.garbage);
    route.expiresAt = this.now + this.garbage;
    route.garbage = this.after(this.garbage, () => {
      route.garbage = undefined;
      if (this.routes.get(route.prefix.toString()) === route) this.routes.delete(route.prefix.toString());
    });
    this.triggerUpdate();
  }

  private dropTimers(route: RipRoute): void {
    this.cancel(route.timeout);
    this.cancel(route.garbage);
    route.timeout = route.garbage = undefined;
  }

  private install(route: RipRoute): void {
    const hop: NextHop = { via: new Ipv4Address(route.nextHop), interface: route.iface };
    this.rib.install({ prefix: route.prefix, nextHops: [hop], metric: route.metric });
  }

  showProtocols(): string {
    const t = (n: number) => Math.round(n / SECOND);
    return [
      `Routing Protocol is "rip"`,
      `  Sending updates every ${t(this.update)} seconds with +/-5 s of jitter`,
      `  Timeout after ${t(this.timeout)} seconds, garbage collect after ${t(this.garbage)} seconds`,
      "  Default version control: send version 2, receive version 2",
      `  Split horizon: ${this.splitHorizon}`,
      "  Routing for Networks:",
      ...this.allInterfaces.map((i) => `    ${i}${this.isPassive(i) ? " (passive)" : ""}`),
      `  Distance: (default is ${this.rib.distance})`,
      "",
    ].join("\n");
  }
}

function prefixOfEntry(e: RipEntry): Ipv4Prefix | undefined {
  const inverse = ~e.mask >>> 0;
  if ((inverse & (inverse + 1)) !== 0) return undefined;
  const length = 32 - Math.log2(inverse + 1);
  return new Ipv4Prefix(new Ipv4Address((e.address & e.mask) >>> 0), length);
}
