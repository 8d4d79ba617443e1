/**
 * The OSPFv2 process of a router (RFC 2328): interfaces and neighbours (./interface.ts), one
 * link-state database per area (./lsdb.ts), flooding with acknowledgments and retransmission
 * (§13), origination of router-, network- and summary-LSAs (§12.4), aging and refresh (§14),
 * SPF with equal-cost multipath (./spf.ts, §16), and the routes it finds written into the RIB
 * at distance 110.
 *
 * Packets go straight over IP (protocol 89) with TTL 1, to 224.0.0.5/224.0.0.6 or the neighbour.
 */
import type { Router } from "../../devices/router.js";
import type { NetInterface } from "../../net/interface.js";
import type { ReceivedDatagram, TransportProtocol } from "../../net/network-layer.js";
import type { NextHop } from "../../net/routing-table.js";
import type { Timer } from "../../sim/scheduler.js";
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { Ipv4Address, Ipv4Prefix } from "../../wire/address/ipv4.js";
import { readUint32 } from "../../wire/network-order.js";
import {
  compareLsaInstances,
  dotted,
  encodeLsa,
  INITIAL_SEQUENCE_NUMBER,
  LS_INFINITY,
  LS_REFRESH_TIME,
  LSA_HEADER_LENGTH,
  type LsaBody,
  type LsaHeader,
  type LsaRepr,
  LsaType,
  MAX_AGE,
  MAX_AGE_DIFF,
  MAX_SEQUENCE_NUMBER,
  parseLsa,
  type RouterLink,
  RouterLinkType,
  readLsaHeader,
  type SummaryLsaBody,
  verifyLsaChecksum,
} from "../../wire/ospf/lsa.js";
import {
  ALL_D_ROUTERS,
  ALL_SPF_ROUTERS,
  emitOspf,
  IP_PROTOCOL_OSPF,
  type OspfBody,
  ospfLength,
  ospfPacketTypeName,
  parseOspf,
  summarizeOspf,
} from "../../wire/ospf/packet.js";
import { isParseError, type ParseError } from "../../wire/parse-error.js";
import type { RoutingProtocol } from "../index.js";
import { RibWriter } from "../rib.js";
import { OSPF_DEFAULTS, type OspfConfig, type OspfInterfaceConfig, parseAreaId } from "./config.js";
import {
  atLeast,
  type InterfaceState,
  type NeighborState,
  OspfInterface,
  type OspfNeighbor,
  type OspfProcessContext,
} from "./interface.js";
import { ageOf, currentHeader, headerKey, type LsaEntry, Lsdb, lsaKey } from "./lsdb.js";
import { runSpf, type SpfNextHop, type SpfResult } from "./spf.js";

export interface OspfArea {
  readonly id: number;
  readonly lsdb: Lsdb;
  readonly interfaces: OspfInterface[];
  spf?: SpfResult;
}

/** A route in OSPF's own table (§11): intra-area or inter-area, with its cost and next hops. */
export interface OspfRoute {
  prefix: Ipv4Prefix;
  type: "intra-area" | "inter-area";
  area: number;
  cost: number;
  nextHops: readonly SpfNextHop[];
}

export interface OspfCounters {
  packetsIn: number;
  packetsOut: number;
  dropped: number;
  spfRuns: number;
  lsasOriginated: number;
  retransmissions: number;
}

export class Ospf implements RoutingProtocol, OspfProcessContext {
  readonly protocol = "ospf" as const;
  running = false;
  routerId = 0;
  readonly areas = new Map<number, OspfArea>();
  readonly interfaces = new Map<string, OspfInterface>();
  /** OSPF's routing table after the last SPF (§11), by prefix text. */
  routes = new Map<number, OspfRoute>();
  readonly counters: OspfCounters = {
    packetsIn: 0,
    packetsOut: 0,
    dropped: 0,
    spfRuns: 0,
    lsasOriginated: 0,
    retransmissions: 0,
  };
  /** The last reason a packet was dropped (for `show ip ospf`). */
  lastDrop: string | undefined;
  /** When SPF last ran and when routes last changed (a learner's "how long did it take"). */
  lastSpfAt: Nanoseconds | undefined;
  lastRouteChangeAt: Nanoseconds | undefined;
  private readonly rib: RibWriter;
  private readonly transport: TransportProtocol;
  private unsubscribe: (() => void)[] = [];
  private spfTimer: Timer | undefined;
  private readonly timers = new Set<Timer>();
  /** Self-originated LSAs: when each was last originated, and a pending re-origination (MinLSInterval). */
  private readonly originatedAt = new Map<string, Nanoseconds>();
  private readonly pendingOrigination = new Map<string, Timer>();
  private readonly config: OspfConfig;

  /** The configuration it was started with. */
  get configuration(): OspfConfig {
    return this.config;
  }

  constructor(
    readonly router: Router,
    config: OspfConfig,
  ) {
    this.config = config;
    this.rib = new RibWriter(router, "ospf", config.distance ?? 110);
    this.transport = { protocol: IP_PROTOCOL_OSPF, receive: (d) => this.receive(d) };
  }

  get now(): Nanoseconds {
    return this.router.scheduler.now;
  }

  after(delay: Nanoseconds, action: () => void): Timer {
    const timer = this.router.scheduler.after(delay, () => {
      this.timers.delete(timer);
      action();
    });
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: Timer | undefined): void {
    if (!timer) return;
    this.timers.delete(timer);
    this.router.scheduler.cancel(timer);
  }

  private setting<K extends "helloInterval" | "deadInterval" | "retransmitInterval">(k: K): number {
    return this.config[k] ?? OSPF_DEFAULTS[k];
  }

  // -------------------------------------------------------------------------------------------
  // Start and stop

  start(): void {
    if (this.running) return;
    const router = this.router;
    this.routerId = this.config.routerId
      ? Ipv4Address.parse(this.config.routerId).value
      : this.highestAddress();
    if (this.routerId === 0)
      throw new RangeError(`${router.name}: OSPF needs a router-id or an interface address`);
    for (const [areaText, areaConfig] of Object.entries(this.config.areas)) {
      const areaId = parseAreaId(areaText);
      if (areaId === undefined)
        throw new RangeError(`${router.name}: OSPF area "${areaText}" is not a number or dotted quad`);
      const area: OspfArea = this.areas.get(areaId) ?? { id: areaId, lsdb: new Lsdb(), interfaces: [] };
      this.areas.set(areaId, area);
      for (const item of areaConfig.interfaces) {
        const c: OspfInterfaceConfig = typeof item === "string" ? { name: item } : item;
        const netIface = router.interface(c.name);
        if (this.interfaces.has(c.name))
          throw new RangeError(`${router.name}: ${c.name} is in two OSPF areas`);
        const primary = netIface.primaryAddress;
        if (!primary) throw new RangeError(`${router.name}: OSPF interface ${c.name} has no IPv4 address`);
        const iface = new OspfInterface(
          this,
          {
            name: c.name,
            areaId,
            cost: c.cost ?? OSPF_DEFAULTS.cost,
            priority: c.priority ?? OSPF_DEFAULTS.priority,
            network: c.network ?? "broadcast",
            passive: c.passive ?? false,
            helloInterval: c.helloInterval ?? this.setting("helloInterval"),
            deadInterval: c.deadInterval ?? this.setting("deadInterval"),
            retransmitInterval: c.retransmitInterval ?? this.setting("retransmitInterval"),
          },
          primary.address.value,
          primary.netmask.value,
          netIface.mtu,
        );
        area.interfaces.push(iface);
        this.interfaces.set(c.name, iface);
      }
    }
    this.running = true;
    router.ipv4.register(this.transport);
    router.ipv4.joinGroup(new Ipv4Address(ALL_SPF_ROUTERS));
    router.ipv4.joinGroup(new Ipv4Address(ALL_D_ROUTERS));
    for (const iface of this.interfaces.values()) {
      const netIface = router.interface(iface.name);
      this.unsubscribe.push(netIface.onLinkChange((_i, up) => this.linkChanged(iface, netIface, up)));
    }
    // Bring interfaces up once the configuration step is over (addresses and links all in place).
    this.after(0, () => {
      for (const iface of this.interfaces.values()) {
        const netIface = router.interface(iface.name);
        // An interface plugged into nothing (a loopback or dummy interface) is advertised as a stub
        // network and sends no Hellos, as FRR does with `lo` and dummy interfaces.
        if (netIface.endpoint === undefined && netIface.parent === undefined) iface.settings.passive = true;
        if (netIface.isUp || iface.settings.passive) {
          iface.mtu = netIface.mtu;
          iface.up();
        }
      }
      for (const area of this.areas.values()) this.originateRouterLsa(area);
    });
    this.scheduleAging();
  }

  stop(): void {
    if (!this.running) return;
    // Flush our LSAs (premature aging, §14.1) so neighbours forget us at once, not after an hour.
    for (const area of this.areas.values()) {
      for (const entry of [...area.lsdb.values()]) {
        if (entry.lsa.header.advertisingRouter === this.routerId) this.flushLsa(area, entry);
      }
    }
    this.sendQueuedFloods(); // now, before the interfaces go down
    for (const iface of this.interfaces.values()) iface.down();
    for (const timer of [...this.timers]) this.cancel(timer);
    for (const timer of this.pendingOrigination.values()) this.cancel(timer);
    this.pendingOrigination.clear();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.router.ipv4.unregister(this.transport);
    this.router.ipv4.leaveGroup(new Ipv4Address(ALL_SPF_ROUTERS));
    this.router.ipv4.leaveGroup(new Ipv4Address(ALL_D_ROUTERS));
    this.rib.clear();
    this.routes.clear();
    this.hopSets.clear();
    this.running = false;
  }

  private highestAddress(): number {
    let best = 0;
    for (const iface of this.router.interfaces)
      for (const p of iface.addresses) if (p.address.value >>> 0 > best) best = p.address.value >>> 0;
    return best;
  }

  private linkChanged(iface: OspfInterface, netIface: NetInterface, up: boolean): void {
    if (up) {
      iface.mtu = netIface.mtu;
      const primary = netIface.primaryAddress;
      if (primary) {
        iface.address = primary.address.value;
        iface.mask = primary.netmask.value;
      }
      iface.up();
    } else {
      iface.down();
    }
    this.adjacencyChanged(iface);
  }

  // -------------------------------------------------------------------------------------------
  // Packets in and out

  send(iface: OspfInterface, dst: number, body: OspfBody): void {
    const repr = { routerId: this.routerId, areaId: iface.settings.areaId, authType: 0, body };
    // Written into a scratch buffer, not a new array per packet (a new Uint8Array of this size gets a
    // backing store outside the heap, costlier than the packet itself): IPv4's send copies the
    // payload into the frame it builds before it returns, and nothing here keeps it.
    const length = ospfLength(repr);
    if (scratch.length < length) scratch = new Uint8Array(length);
    const payload = scratch.subarray(0, emitOspf(repr, scratch));
    this.counters.packetsOut++;
    const tracer = this.router.tracer;
    if (tracer.enabled)
      tracer.emit({
        type: "routing-message",
        time: this.now,
        node: this.router.name,
        protocol: "ospf",
        direction: "out",
        iface: iface.name,
        peer: dotted(dst),
        kind: ospfPacketTypeName(body.type),
        summary: summarizeOspf(repr),
      });
    this.router.ipv4.send({
      src: new Ipv4Address(iface.address),
      dst: new Ipv4Address(dst),
      protocol: IP_PROTOCOL_OSPF,
      payload,
      ttl: 1,
      tos: 0xc0, // precedence "internetwork control", as routing protocols send (RFC 791, FRR)
      iface: iface.name,
    });
  }

  private drop(reason: string): void {
    this.counters.dropped++;
    this.lastDrop = reason;
  }

  /** An IP datagram of protocol 89 arrived (§8.2). */
  receive(d: ReceivedDatagram): void {
    if (!this.running || d.src.version !== 4 || d.dst.version !== 4) return;
    const iface = this.interfaces.get(d.iface);
    if (!iface || iface.state === "Down" || iface.settings.passive) {
      this.drop("not an OSPF interface");
      return;
    }
    const repr = parseOspf(d.payload);
    if (isParseError(repr)) {
      this.drop(repr.reason);
      return;
    }
    const dst = d.dst.value >>> 0;
    const src = d.src.value >>> 0;
    if (dst === ALL_D_ROUTERS && !iface.isDrOrBackup) {
      this.drop("to AllDRouters but not DR/BDR");
      return;
    }
    if (dst !== ALL_SPF_ROUTERS && dst !== ALL_D_ROUTERS && dst !== iface.address) {
      this.drop("not for us");
      return;
    }
    if (repr.areaId >>> 0 !== iface.settings.areaId) {
      this.drop("area mismatch");
      return;
    }
    if (repr.routerId >>> 0 === this.routerId) {
      this.drop("our own packet");
      return;
    }
    if (repr.authType !== 0) {
      this.drop("authentication type mismatch");
      return;
    }
    if (!iface.isPointToPoint && (src & iface.mask) >>> 0 !== (iface.address & iface.mask) >>> 0) {
      this.drop("source not on the interface's subnet");
      return;
    }
    this.counters.packetsIn++;
    const tracer = this.router.tracer;
    if (tracer.enabled)
      tracer.emit({
        type: "routing-message",
        time: this.now,
        node: this.router.name,
        protocol: "ospf",
        direction: "in",
        iface: iface.name,
        peer: dotted(src),
        kind: ospfPacketTypeName(repr.body.type),
        summary: summarizeOspf(repr),
      });
    const routerId = repr.routerId >>> 0;
    const body = repr.body;
    let problem: string | undefined;
    switch (body.type) {
      case 1:
        problem = iface.receiveHello(src, routerId, body);
        break;
      case 2:
        problem = iface.receiveDd(routerId, body);
        break;
      case 3: {
        const answer = iface.receiveRequest(routerId, body.requests);
        if (typeof answer === "string") problem = answer;
        else this.sendUpdate(iface, answer.neighbor.address, answer.entries);
        break;
      }
      case 4:
        problem = this.receiveUpdate(iface, routerId, src, body.lsas);
        break;
      case 5:
        problem = this.receiveAck(iface, routerId, body.lsaHeaders);
        break;
    }
    if (problem) this.drop(problem);
  }

  // -------------------------------------------------------------------------------------------
  // Database and flooding (§13)

  private areaOf(iface: OspfInterface): OspfArea {
    return this.areas.get(iface.settings.areaId)!;
  }

  databaseSummary(iface: OspfInterface): LsaHeader[] {
    const now = this.now;
    const headers: LsaHeader[] = [];
    for (const entry of this.areaOf(iface).lsdb.values()) headers.push(currentHeader(entry, now));
    return headers;
  }

  lookup(iface: OspfInterface, key: string): LsaEntry | undefined {
    return this.areaOf(iface).lsdb.get(key);
  }

  /** Sends LSAs in as many Link State Updates as the MTU needs. */
  private sendUpdate(iface: OspfInterface, dst: number, entries: Iterable<LsaEntry>): void {
    const room = iface.mtu - 20 - 24 - 4;
    const now = this.now;
    let lsas: Uint8Array[] = [];
    let ages: number[] = [];
    let size = 0;
    for (const entry of entries) {
      const bytes = entry.bytes;
      if (lsas.length > 0 && size + bytes.length > room) {
        this.send(iface, dst, { type: 4, lsas, ages });
        lsas = [];
        ages = [];
        size = 0;
      }
      lsas.push(bytes); // the stored octets, copied once into the packet with their age (§13.3)
      ages.push(Math.min(MAX_AGE, ageOf(entry, now) + OSPF_DEFAULTS.transmitDelay));
      size += bytes.length;
    }
    if (lsas.length > 0) this.send(iface, dst, { type: 4, lsas, ages });
  }

  /** A Link State Update arrived (§13). */
  private receiveUpdate(
    iface: OspfInterface,
    routerId: number,
    src: number,
    lsas: Uint8Array[],
  ): string | undefined {
    const n = iface.neighbors.get(routerId);
    if (!n || !atLeast(n.state, "Exchange")) return "LS Update from a neighbour below Exchange";
    const area = this.areaOf(iface);
    const now = this.now;
    /** Direct acknowledgments (§13.5) gathered into one Link State Acknowledgment per update. */
    const direct: LsaHeader[] = [];
    for (const bytes of lsas) {
      if (bytes.length < LSA_HEADER_LENGTH) {
        this.drop("LSA shorter than its header");
        continue;
      }
      // Most copies that arrive are duplicates (one per neighbour flooding it): recognised from the
      // octets (§13.1: same sequence number and checksum, neither at MaxAge, ages close) they
      // need no parsing at all (§13 (7)).
      const type = bytes[3];
      const current = area.lsdb.find(type, readUint32(bytes, 4), readUint32(bytes, 8));
      // §13 (1): a bad checksum is discarded. A copy octet for octet like ours (the age aside) has
      // our checksum, already verified, and is not summed again.
      const identical = current !== undefined && sameOctets(current.bytes, bytes);
      if (!identical && !verifyLsaChecksum(bytes, 0, bytes.length)) {
        this.drop("LSA checksum");
        continue;
      }
      if (current !== undefined && sameInstance(bytes, current, now)) {
        const key = current.key ?? headerKey(current.lsa.header);
        iface.requestSatisfied(n, key);
        if (!n.retransmitList.delete(key)) direct.push(readLsaHeader(bytes, 0));
        continue;
      }
      const h = readLsaHeader(bytes, 0);
      if (h.type < LsaType.Router || h.type > LsaType.SummaryAsbr) {
        if (h.type === LsaType.AsExternal) this.queueAck(iface, h); // not kept, but acknowledged
        continue;
      }
      const key = current?.key ?? headerKey(h);
      // §13 (4): a MaxAge LSA we do not have, with no neighbour exchanging databases: ack and forget.
      if (h.age >= MAX_AGE && !current && !this.anyNeighborExchanging(area)) {
        direct.push(h);
        continue;
      }
      const currentHead = current ? currentHeader(current, now) : undefined;
      const order = currentHead ? compareLsaInstances(h, currentHead) : 1;
      if (order > 0) {
        // §13 (5): newer. Not twice within MinLSArrival.
        if (
          current &&
          now - current.installedAt < OSPF_DEFAULTS.minLsArrival &&
          current.lsa.header.advertisingRouter !== this.routerId
        )
          continue;
        const shared = this.sharedInstance(key, bytes);
        if (isParseError(shared)) {
          this.drop(shared.reason);
          continue;
        }
        const stored: LsaEntry = {
          bytes: shared.bytes,
          lsa: shared.lsa,
          installedAt: now,
          installedAge: h.age,
          key: shared.key,
        };
        // (c) before (b): our lists are keyed by LSA, so the old instance goes before the new is listed.
        // With no copy in the database no list holds one (an LSA leaves the database only once no
        // retransmission list names it, §14).
        if (current) this.removeFromRetransmitLists(area, key);
        const floodedBack = this.flood(area, stored, iface, n);
        this.install(area, stored, current);
        if (!floodedBack) {
          // §13.5: delayed ack, unless the LSA went back out the interface it came in by (implied ack).
          this.queueAck(iface, stored);
        }
        if (h.advertisingRouter >>> 0 === this.routerId || this.isOurNetworkLsa(h))
          this.selfOriginatedReceived(area, stored);
        iface.requestSatisfied(n, key);
        continue;
      }
      // §13 (6): an LSA we asked for, older than or same as ours: BadLSReq.
      if (n.requestList.has(key) && order < 0) {
        this.drop("BadLSReq");
        continue;
      }
      if (order === 0) {
        iface.requestSatisfied(n, key);
        // §13 (7): same instance: an implied ack when we were flooding it to them; else ack it.
        if (!n.retransmitList.delete(key)) direct.push(h);
        continue;
      }
      // §13 (8): ours is newer: send it back (unless it is being flushed at MaxSequenceNumber).
      if (current && !(currentHead!.age >= MAX_AGE && current.lsa.header.sequence === MAX_SEQUENCE_NUMBER)) {
        this.sendUpdate(iface, src, [current]);
      }
    }
    const fit = Math.max(1, Math.floor((iface.mtu - 20 - 24) / 20));
    for (let i = 0; i < direct.length; i += fit)
      this.send(iface, n.address, { type: 5, lsaHeaders: direct.slice(i, i + fit) });
    return undefined;
  }

  /**
   * The octets and parsed form of an LSA instance, shared by every router of the simulation that
   * holds it (an LSA is immutable once originated; each router keeps its own age and install
   * time). A thousand routers then hold one copy of each LSA instead of a thousand. Our copy never
   * refers to the packet's buffer. The key string is shared too (one per LSA in the simulation,
   * not one per router that holds it).
   */
  private sharedInstance(key: string, bytes: Uint8Array): SharedLsa | ParseError {
    let cache = sharedLsas.get(this.router.scheduler);
    if (!cache) {
      cache = new Map();
      sharedLsas.set(this.router.scheduler, cache);
    }
    const known = cache.get(key);
    if (known && sameBody(known.bytes, bytes) && sameHeaderFields(known.bytes, bytes)) return known;
    const own = bytes.slice();
    const lsa = parseLsa(own);
    if (isParseError(lsa)) return lsa;
    const instance = { bytes: own, lsa, key: known?.key ?? key };
    cache.set(key, instance);
    return instance;
  }

  private anyNeighborExchanging(area: OspfArea): boolean {
    for (const iface of area.interfaces)
      for (const n of iface.neighbors.values())
        if (n.state === "Exchange" || n.state === "Loading") return true;
    return false;
  }

  private isOurNetworkLsa(h: LsaHeader): boolean {
    if (h.type !== LsaType.Network) return false;
    for (const iface of this.interfaces.values()) if (iface.address === h.id >>> 0) return true;
    return false;
  }

  /**
   * Floods an LSA out of the area's interfaces (§13.3). Returns true when it went back out of the
   * interface it arrived on (which then serves as the acknowledgment).
   */
  private flood(area: OspfArea, entry: LsaEntry, from?: OspfInterface, fromNeighbor?: OspfNeighbor): boolean {
    const key = entry.key ?? headerKey(entry.lsa.header);
    let floodedBack = false;
    for (const iface of area.interfaces) {
      if (iface.state === "Down" || iface.settings.passive) continue;
      let added = false;
      for (const n of iface.neighbors.values()) {
        if (!atLeast(n.state, "Exchange")) continue;
        if (n.state !== "Full") {
          const requested = n.requestList.get(key);
          if (requested) {
            const order = compareLsaInstances(entry.lsa.header, requested);
            if (order < 0) continue;
            iface.requestSatisfied(n, key);
            if (order === 0) continue;
          }
        }
        if (n === fromNeighbor) continue;
        n.retransmitList.set(key, entry);
        this.armRetransmit(iface, n);
        added = true;
      }
      if (!added) continue;
      if (iface === from) {
        // §13.3 (4): the DR floods it to everyone; a BDR or a DROther hearing it from the DR stays quiet.
        if (
          fromNeighbor &&
          (fromNeighbor.address === iface.designatedRouter ||
            fromNeighbor.address === iface.backupDesignatedRouter)
        )
          continue;
        if (iface.state === "Backup") continue;
        floodedBack = true;
      }
      const dst = iface.isPointToPoint || iface.isDrOrBackup ? ALL_SPF_ROUTERS : ALL_D_ROUTERS;
      this.queueFlood(iface, dst, key, entry);
    }
    return floodedBack;
  }

  /**
   * LSAs flooded out of one interface during one event (an update of many LSAs, an SPF's worth of
   * summaries) leave together in as few Link State Updates as fit, as FRR's update queue does.
   */
  private readonly floodQueues = new Map<OspfInterface, Map<number, Map<string, LsaEntry>>>();
  private floodFlush: Timer | undefined;

  private queueFlood(iface: OspfInterface, dst: number, key: string, entry: LsaEntry): void {
    let byDst = this.floodQueues.get(iface);
    if (!byDst) {
      byDst = new Map();
      this.floodQueues.set(iface, byDst);
    }
    let entries = byDst.get(dst);
    if (!entries) {
      entries = new Map();
      byDst.set(dst, entries);
    }
    entries.set(key, entry); // a newer instance queued in the same event replaces the older
    this.floodFlush ??= this.after(0, () => this.sendQueuedFloods());
  }

  private sendQueuedFloods(): void {
    this.cancel(this.floodFlush);
    this.floodFlush = undefined;
    const queues = [...this.floodQueues];
    this.floodQueues.clear();
    for (const [i, perDst] of queues) {
      if (i.state === "Down") continue;
      for (const [d, list] of perDst) this.sendUpdate(i, d, list.values());
    }
  }

  private removeFromRetransmitLists(area: OspfArea, key: string): void {
    for (const iface of area.interfaces) {
      if (iface.neighbors.size === 0) continue;
      for (const n of iface.neighbors.values()) if (n.retransmitList.size > 0) n.retransmitList.delete(key);
    }
  }

  private armRetransmit(iface: OspfInterface, n: OspfNeighbor): void {
    if (n.retransmitTimer) return;
    n.retransmitTimer = this.after(iface.settings.retransmitInterval * SECOND, () => {
      n.retransmitTimer = undefined;
      if (n.retransmitList.size === 0 || !atLeast(n.state, "Exchange")) return;
      this.counters.retransmissions += n.retransmitList.size;
      this.sendUpdate(iface, n.address, [...n.retransmitList.values()]);
      this.armRetransmit(iface, n);
    });
  }

  private queueAck(iface: OspfInterface, lsa: LsaHeader | LsaEntry): void {
    iface.pendingAcks.push(lsa);
    if (iface.ackTimer) return;
    // §13.5: delayed acknowledgments, gathered for less than RxmtInterval (we wait 1 s).
    iface.ackTimer = this.after(Math.min(SECOND, (iface.settings.retransmitInterval * SECOND) / 2), () => {
      iface.ackTimer = undefined;
      const pending = iface.pendingAcks;
      iface.pendingAcks = [];
      if (iface.state === "Down" || pending.length === 0) return;
      const headers = pending.map((p) => ("lsa" in p ? { ...p.lsa.header, age: p.installedAge } : p));
      const dst = iface.isPointToPoint || iface.isDrOrBackup ? ALL_SPF_ROUTERS : ALL_D_ROUTERS;
      const fit = Math.max(1, Math.floor((iface.mtu - 20 - 24) / 20));
      for (let i = 0; i < headers.length; i += fit)
        this.send(iface, dst, { type: 5, lsaHeaders: headers.slice(i, i + fit) });
    });
  }

  /** A Link State Acknowledgment arrived (§13.7). */
  private receiveAck(iface: OspfInterface, routerId: number, headers: LsaHeader[]): string | undefined {
    const n = iface.neighbors.get(routerId);
    if (!n || !atLeast(n.state, "Exchange")) return "LS Ack from a neighbour below Exchange";
    const area = this.areaOf(iface);
    if (n.retransmitList.size === 0) return undefined;
    for (const h of headers) {
      const known = area.lsdb.find(h.type, h.id, h.advertisingRouter);
      const key = known?.key ?? headerKey(h);
      const listed = n.retransmitList.get(key);
      if (!listed) continue;
      if (sameInstanceAs(h, listed, this.now)) n.retransmitList.delete(key);
      if (listed.flushing) this.maybeRemoveFlushed(area, key);
    }
    return undefined;
  }

  /** Installs an LSA (§13.2) and schedules SPF when its contents changed. */
  private install(area: OspfArea, entry: LsaEntry, previous: LsaEntry | undefined): void {
    area.lsdb.install(entry);
    const changed =
      !previous ||
      previous.installedAge >= MAX_AGE !== entry.installedAge >= MAX_AGE ||
      !sameBody(previous.bytes, entry.bytes);
    if (entry.installedAge >= MAX_AGE) {
      entry.flushing = true;
      this.maybeRemoveFlushed(area, headerKey(entry.lsa.header));
    }
    if (changed) this.scheduleSpf();
  }

  /** A MaxAge LSA leaves the database once no neighbour still owes an acknowledgment (§14). */
  private maybeRemoveFlushed(area: OspfArea, key: string): void {
    const entry = area.lsdb.get(key);
    if (!entry?.flushing) return;
    for (const iface of area.interfaces)
      for (const n of iface.neighbors.values()) if (n.retransmitList.has(key)) return;
    if (this.anyNeighborExchanging(area)) return;
    area.lsdb.remove(key);
  }

  // -------------------------------------------------------------------------------------------
  // Origination (§12.4)

  /** Originates (or re-originates) an LSA with the next sequence number, and floods it. */
  private originate(area: OspfArea, type: number, id: number, body: LsaBody): void {
    const key = lsaKey(type, id, this.routerId);
    const current = area.lsdb.get(key);
    const last = this.originatedAt.get(`${area.id}/${key}`);
    const now = this.now;
    const minInterval = this.config.minLsInterval ?? OSPF_DEFAULTS.minLsInterval;
    if (last !== undefined && now - last < minInterval && current && current.installedAge < MAX_AGE) {
      // §12.4: not more often than MinLSInterval; do it when the interval is over.
      const pendingKey = `${area.id}/${key}`;
      if (!this.pendingOrigination.has(pendingKey)) {
        this.pendingOrigination.set(
          pendingKey,
          this.after(last + minInterval - now, () => {
            this.pendingOrigination.delete(pendingKey);
            this.reoriginate(area, type, id);
          }),
        );
      }
      return;
    }
    let sequence = INITIAL_SEQUENCE_NUMBER;
    if (current) {
      if (current.lsa.header.sequence === MAX_SEQUENCE_NUMBER) {
        // §12.1.6: the sequence space wrapped: flush first (premature aging), then start again.
        this.flushLsa(area, current);
      } else sequence = current.lsa.header.sequence + 1;
    }
    const lsa = {
      header: {
        age: 0,
        options: 0x02,
        type,
        id,
        advertisingRouter: this.routerId,
        sequence,
        checksum: 0,
        length: 0,
      },
      body,
    };
    const bytes = encodeLsa(lsa);
    const parsed = parseLsa(bytes);
    if (isParseError(parsed)) return;
    if (
      current &&
      current.installedAge < MAX_AGE &&
      sameBody(current.bytes, bytes) &&
      ageOf(current, now) < LS_REFRESH_TIME
    )
      return;
    const entry: LsaEntry = { bytes, lsa: parsed, installedAt: now, installedAge: 0 };
    this.originatedAt.set(`${area.id}/${key}`, now);
    this.counters.lsasOriginated++;
    this.removeFromRetransmitLists(area, key);
    this.install(area, entry, current);
    this.flood(area, entry);
  }

  /** Re-runs the origination of one of our LSAs (after MinLSInterval, or on refresh). */
  private reoriginate(area: OspfArea, type: number, id: number): void {
    if (!this.running) return;
    if (type === LsaType.Router) this.originateRouterLsa(area);
    else if (type === LsaType.Network) {
      const iface = area.interfaces.find((i) => i.address === id);
      if (iface) this.originateNetworkLsa(iface);
    } else this.originateSummaries();
  }

  /** Premature aging (§14.1): set MaxAge and flood, so every router removes the LSA. */
  private flushLsa(area: OspfArea, current: LsaEntry): void {
    const bytes = current.bytes.slice();
    bytes[0] = MAX_AGE >>> 8;
    bytes[1] = MAX_AGE & 0xff;
    const entry: LsaEntry = {
      bytes,
      lsa: { header: { ...current.lsa.header, age: MAX_AGE }, body: current.lsa.body },
      installedAt: this.now,
      installedAge: MAX_AGE,
    };
    this.removeFromRetransmitLists(area, headerKey(entry.lsa.header));
    this.flood(area, entry);
    this.install(area, entry, current);
  }

  /** §13.4: a newer instance of our own LSA came back (from before a restart): take over its sequence. */
  private selfOriginatedReceived(area: OspfArea, entry: LsaEntry): void {
    const h = entry.lsa.header;
    if (entry.installedAge >= MAX_AGE) {
      // someone flushed our LSA: originate it again if we still want it
      this.originatedAt.delete(`${area.id}/${headerKey(h)}`);
      this.reoriginate(area, h.type, h.id);
      return;
    }
    const wanted =
      h.type === LsaType.Router ||
      (h.type === LsaType.Network &&
        area.interfaces.some((i) => i.address === h.id >>> 0 && i.state === "DR")) ||
      (h.type === LsaType.SummaryNetwork && this.wantedSummaries.get(area.id)?.has(h.id >>> 0));
    this.originatedAt.delete(`${area.id}/${headerKey(h)}`);
    if (wanted) this.reoriginate(area, h.type, h.id);
    else this.flushLsa(area, entry);
  }

  /** The router-LSA of an area (§12.4.1). */
  originateRouterLsa(area: OspfArea): void {
    if (!this.running) return;
    const links: RouterLink[] = [];
    for (const iface of area.interfaces) {
      if (iface.state === "Down") continue;
      const cost = iface.settings.cost;
      const stub = (): RouterLink => ({
        id: (iface.address & iface.mask) >>> 0,
        data: iface.mask,
        type: RouterLinkType.Stub,
        metric: cost,
      });
      if (iface.isPointToPoint) {
        for (const n of iface.neighbors.values())
          if (n.state === "Full")
            links.push({
              id: n.routerId,
              data: iface.address,
              type: RouterLinkType.PointToPoint,
              metric: cost,
            });
        links.push(stub());
        continue;
      }
      // Broadcast (§12.4.1.2): a transit link once fully adjacent to the DR, else a stub network.
      let transit = false;
      if (iface.state === "DR") {
        for (const n of iface.neighbors.values()) if (n.state === "Full") transit = true;
      } else if (iface.state !== "Waiting") {
        for (const n of iface.neighbors.values())
          if (n.state === "Full" && n.address === iface.designatedRouter) transit = true;
      }
      links.push(
        transit
          ? { id: iface.designatedRouter, data: iface.address, type: RouterLinkType.Transit, metric: cost }
          : stub(),
      );
    }
    let flags = 0;
    if (this.isAreaBorderRouter) flags |= 0x01; // B
    this.originate(area, LsaType.Router, this.routerId, { kind: "router", flags, links });
  }

  /** The network-LSA of a broadcast network where we are DR (§12.4.2), or its flush when we are not. */
  originateNetworkLsa(iface: OspfInterface): void {
    if (!this.running) return;
    const area = this.areaOf(iface);
    const key = lsaKey(LsaType.Network, iface.address, this.routerId);
    const full = [...iface.neighbors.values()].filter((n) => n.state === "Full").map((n) => n.routerId);
    if (iface.state === "DR" && full.length > 0) {
      this.originate(area, LsaType.Network, iface.address, {
        kind: "network",
        mask: iface.mask,
        attachedRouters: [this.routerId, ...full.sort((a, b) => a - b)],
      });
      return;
    }
    const current = area.lsdb.get(key);
    if (current && current.installedAge < MAX_AGE) this.flushLsa(area, current);
  }

  get isAreaBorderRouter(): boolean {
    let active = 0;
    for (const area of this.areas.values()) if (area.interfaces.some((i) => i.state !== "Down")) active++;
    return active > 1;
  }

  /** Summary-LSAs an ABR wants in each area: link state ID → body. */
  private wantedSummaries = new Map<number, Map<number, SummaryLsaBody>>();

  /**
   * An ABR's summary-LSAs (§12.4.3): into each area, one per intra-area route of the other areas,
   * and (into non-backbone areas) one per inter-area route learned over the backbone.
   */
  private originateSummaries(): void {
    const abr = this.isAreaBorderRouter;
    for (const area of this.areas.values()) {
      const wanted = new Map<number, SummaryLsaBody>();
      if (abr) {
        for (const route of this.routes.values()) {
          if (route.area === area.id) continue;
          if (route.type === "inter-area" && area.id === 0) continue;
          if (route.type === "inter-area" && route.area !== 0) continue;
          if (route.cost >= LS_INFINITY) continue;
          const id = route.prefix.network.value >>> 0;
          const previous = wanted.get(id);
          if (!previous || previous.metric > route.cost)
            wanted.set(id, { kind: "summary", mask: route.prefix.netmask.value >>> 0, metric: route.cost });
        }
      }
      this.wantedSummaries.set(area.id, wanted);
      for (const [id, body] of wanted) this.originate(area, LsaType.SummaryNetwork, id, body);
      for (const entry of [...area.lsdb.values()]) {
        const h = entry.lsa.header;
        if (
          h.type === LsaType.SummaryNetwork &&
          h.advertisingRouter === this.routerId &&
          !wanted.has(h.id >>> 0) &&
          entry.installedAge < MAX_AGE
        )
          this.flushLsa(area, entry);
      }
    }
  }

  /** A neighbour reached or left Full, or the DR changed: re-originate what depends on it. */
  adjacencyChanged(iface: OspfInterface): void {
    if (!this.running) return;
    const area = this.areaOf(iface);
    // Gathered for a moment, so the adjacencies that come up together (a router's neighbours all
    // answer the same Hello round) make one new instance instead of one each. At least
    // MinLSArrival, so neighbours that just loaded the previous instance accept the new one.
    const key = `adj/${area.id}`;
    if (this.pendingOrigination.has(key)) return;
    const delay = this.config.originationDelay ?? OSPF_DEFAULTS.originationDelay;
    this.pendingOrigination.set(
      key,
      this.after(delay, () => {
        this.pendingOrigination.delete(key);
        this.originateRouterLsa(area);
        for (const i of area.interfaces) if (!i.isPointToPoint) this.originateNetworkLsa(i);
      }),
    );
  }

  interfaceStateChanged(iface: OspfInterface, from: InterfaceState): void {
    const tracer = this.router.tracer;
    if (tracer.enabled)
      tracer.emit({
        type: "routing-neighbor",
        time: this.now,
        node: this.router.name,
        protocol: "ospf",
        neighbor: `interface ${iface.name}`,
        iface: iface.name,
        from,
        to: iface.state,
        reason: "InterfaceState",
      });
    this.adjacencyChanged(iface);
  }

  traceNeighbor(iface: OspfInterface, n: OspfNeighbor, from: NeighborState, reason: string): void {
    const tracer = this.router.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "routing-neighbor",
      time: this.now,
      node: this.router.name,
      protocol: "ospf",
      neighbor: dotted(n.routerId),
      iface: iface.name,
      from,
      to: n.state,
      reason,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Aging (§14)

  private scheduleAging(): void {
    // Every 30 s: flush LSAs that reached MaxAge, refresh ours at LSRefreshTime.
    this.after(30 * SECOND, () => {
      const now = this.now;
      for (const area of this.areas.values()) {
        for (const entry of [...area.lsdb.values()]) {
          const age = ageOf(entry, now);
          const h = entry.lsa.header;
          if (
            h.advertisingRouter === this.routerId &&
            age >= LS_REFRESH_TIME &&
            entry.installedAge < MAX_AGE
          ) {
            this.originatedAt.delete(`${area.id}/${headerKey(h)}`);
            this.forceRefresh(area, entry);
          } else if (age >= MAX_AGE && !entry.flushing) {
            const flushed: LsaEntry = { ...entry, flushing: true };
            this.flood(area, flushed);
            this.install(area, flushed, entry);
          } else if (entry.flushing) this.maybeRemoveFlushed(area, headerKey(h));
        }
      }
      this.scheduleAging();
    });
  }

  /** LSRefreshTime: the same contents with the next sequence number (§12.4 "periodic refresh"). */
  private forceRefresh(area: OspfArea, entry: LsaEntry): void {
    const h = entry.lsa.header;
    const bumped = { header: { ...h, age: 0, sequence: h.sequence + 1 }, body: entry.lsa.body };
    const bytes = encodeLsa(bumped);
    const parsed = parseLsa(bytes);
    if (isParseError(parsed)) return;
    const fresh: LsaEntry = { bytes, lsa: parsed, installedAt: this.now, installedAge: 0 };
    this.originatedAt.set(`${area.id}/${headerKey(h)}`, this.now);
    this.removeFromRetransmitLists(area, headerKey(h));
    area.lsdb.install(fresh);
    this.flood(area, fresh);
  }

  // -------------------------------------------------------------------------------------------
  // SPF and routes (§16)

  private lastSpfRun: Nanoseconds | undefined;
  private spfHoldNow: Nanoseconds = 0;

  scheduleSpf(): void {
    if (this.spfTimer || !this.running) return;
    const delay = this.config.spfDelay ?? OSPF_DEFAULTS.spfDelay;
    const hold = this.config.spfHold ?? OSPF_DEFAULTS.spfHold;
    // FRR's `timers throttle spf`: the hold doubles (to 5 s at most) while changes keep coming,
    // and drops back once the network has been quiet for a hold time.
    if (this.lastSpfRun !== undefined && this.now - this.lastSpfRun < this.spfHoldNow)
      this.spfHoldNow = Math.min(this.spfHoldNow * 2, OSPF_DEFAULTS.spfMaxHold);
    else this.spfHoldNow = hold;
    const earliest = this.lastSpfRun === undefined ? 0 : this.lastSpfRun + this.spfHoldNow;
    const at = Math.max(this.now + delay, earliest);
    this.spfTimer = this.after(at - this.now, () => {
      this.spfTimer = undefined;
      this.runSpf();
    });
  }

  /** Runs SPF in every area, adds inter-area routes, installs the result (§16.1-16.2). */
  runSpf(): void {
    if (!this.running) return;
    this.lastSpfRun = this.now;
    this.lastSpfAt = this.now;
    this.counters.spfRuns++;
    const routes = new Map<number, OspfRoute>();
    const previous = this.routes;
    /** Offers a route for network/mask (§16.4: intra-area beats inter-area, then cost; equal cost merges). */
    const consider = (
      network: number,
      mask: number,
      type: OspfRoute["type"],
      area: number,
      cost: number,
      nextHops: readonly SpfNextHop[],
    ) => {
      const length = maskLength(mask);
      if (length < 0) return;
      const key = (network & mask) >>> 0;
      const id = key * 64 + length;
      const current = routes.get(id);
      if (current) {
        if (current.type === "intra-area" && type === "inter-area") return;
        if (!(current.type === "inter-area" && type === "intra-area")) {
          if (current.cost < cost) return;
          if (current.cost === cost) {
            // A new array (the one held may be a vertex's, shared by many routes).
            for (const h of nextHops)
              if (!current.nextHops.some((x) => x.iface === h.iface && x.gateway === h.gateway))
                current.nextHops = [...current.nextHops, h];
            return;
          }
        }
      }
      // The prefix object of the last run is reused: most routes do not change between runs.
      const prefix = previous.get(id)?.prefix ?? this.sharedPrefix(id, key, length);
      routes.set(id, { prefix, type, area, cost, nextHops });
    };
    const root = {
      routerId: this.routerId,
      interfaceByAddress: (address: number) => {
        for (const iface of this.interfaces.values())
          if (iface.address === address && iface.state !== "Down") return iface.name;
        return undefined;
      },
      neighborAddress: (ifaceName: string, routerId: number) => {
        const n = this.interfaces.get(ifaceName)?.neighbors.get(routerId);
        return n && n.state === "Full" ? n.address : undefined;
      },
    };
    for (const area of this.areas.values()) {
      const spf = runSpf(area.lsdb, root);
      area.spf = spf;
      // Transit networks (§16.1 step 4 with network vertices).
      for (const v of spf.networks.values())
        consider(v.id, v.mask, "intra-area", area.id, v.distance, v.nextHops);
      // Stage 2: stub networks of every router reached (§16.1.2).
      for (const v of spf.routers.values()) {
        const entry = area.lsdb.routers.get(v.id);
        if (!entry) continue;
        for (const link of (entry.lsa.body as { links: RouterLink[] }).links) {
          if (link.type !== RouterLinkType.Stub) continue;
          const nextHops = v.id === this.routerId ? this.directHops(link.id, link.data) : v.nextHops;
          if (nextHops.length === 0) continue;
          consider(link.id, link.data, "intra-area", area.id, v.distance + link.metric, nextHops);
        }
      }
    }
    // Inter-area routes (§16.2): an ABR looks at the backbone's summaries only.
    const abr = this.isAreaBorderRouter;
    for (const area of this.areas.values()) {
      if (abr && area.id !== 0) continue;
      const spf = area.spf;
      if (!spf) continue;
      for (const entry of area.lsdb.values()) {
        const h = entry.lsa.header;
        if (h.type !== LsaType.SummaryNetwork || entry.installedAge >= MAX_AGE) continue;
        if (h.advertisingRouter === this.routerId) continue;
        const body = entry.lsa.body as SummaryLsaBody;
        if (body.metric >= LS_INFINITY) continue;
        const border = spf.routers.get(h.advertisingRouter >>> 0);
        if (!border || border.nextHops.length === 0) continue;
        consider(h.id, body.mask, "inter-area", area.id, border.distance + body.metric, border.nextHops);
      }
    }
    this.routes = routes;
    this.installRoutes(previous);
    this.originateSummaries();
  }

  /** The root's own stub network: directly attached on the interface(s) in that subnet. */
  private directHops(network: number, mask: number): SpfNextHop[] {
    const hops: SpfNextHop[] = [];
    for (const iface of this.interfaces.values())
      if (iface.state !== "Down" && (iface.address & mask) >>> 0 === network >>> 0)
        hops.push({ iface: iface.name, gateway: 0 });
    return hops;
  }

  /** Writes into the RIB what changed since the last run (most routes did not). */
  private installRoutes(previous: ReadonlyMap<number, OspfRoute>): void {
    let changes = 0;
    // Routes through the same vertex share its next-hop array: translate each array once per run.
    const translated = new Map<readonly SpfNextHop[], readonly NextHop[]>();
    for (const [id, route] of this.routes) {
      const before = previous.get(id);
      if (before && before.cost === route.cost && sameHops(before.nextHops, route.nextHops)) {
        // Unchanged: keep the last run's object, long-lived already, and let the new one die young
        // (a thousand routers each keeping a fresh copy of every route per run is most of the GC).
        if (before.type === route.type && before.area === route.area) this.routes.set(id, before);
        continue;
      }
      let nextHops = translated.get(route.nextHops);
      if (nextHops === undefined) {
        nextHops = this.ribHops(route.nextHops);
        translated.set(route.nextHops, nextHops);
      }
      if (this.rib.install({ prefix: route.prefix, nextHops, metric: route.cost })) changes++;
    }
    for (const [id, route] of previous) {
      if (!this.routes.has(id) && this.rib.withdraw(route.prefix)) changes++;
    }
    if (changes > 0) this.lastRouteChangeAt = this.now;
  }

  /**
   * The RIB's form of a set of next hops, sorted, one array per distinct set: the thousands of
   * routes through the same neighbour share it (a large mesh would otherwise hold a copy per route).
   */
  private readonly hopSets = new Map<string, readonly NextHop[]>();

  private ribHops(hops: readonly SpfNextHop[]): readonly NextHop[] {
    const sorted = [...hops].sort((a, b) => a.gateway - b.gateway || a.iface.localeCompare(b.iface));
    const key = sorted.map((h) => `${h.gateway}@${h.iface}`).join(" ");
    let set = this.hopSets.get(key);
    if (!set) {
      set = sorted.map((h) =>
        h.gateway === 0 ? { interface: h.iface } : { via: new Ipv4Address(h.gateway), interface: h.iface },
      );
      this.hopSets.set(key, set);
    }
    return set;
  }

  /** One prefix object per prefix in a simulation (every router of a mesh has a route to it). */
  private sharedPrefix(id: number, network: number, length: number): Ipv4Prefix {
    let cache = sharedPrefixes.get(this.router.scheduler);
    if (!cache) {
      cache = new Map();
      sharedPrefixes.set(this.router.scheduler, cache);
    }
    let prefix = cache.get(id);
    if (!prefix) {
      prefix = new Ipv4Prefix(new Ipv4Address(network), length);
      cache.set(id, prefix);
    }
    return prefix;
  }

  /** OSPF's route for a prefix (`10.3.0.0/24`), from the last SPF run. */
  route(prefix: string): OspfRoute | undefined {
    const p = Ipv4Prefix.parse(prefix);
    return this.routes.get((p.network.value >>> 0) * 64 + p.length);
  }

  /** The routes OSPF installed in the RIB (selected or not). */
  get installedCount(): number {
    return this.rib.size;
  }

  /** Every neighbour on every interface. */
  *neighbors(): IterableIterator<{ iface: OspfInterface; neighbor: OspfNeighbor }> {
    for (const iface of this.interfaces.values())
      for (const neighbor of iface.neighbors.values()) yield { iface, neighbor };
  }

  /** `show ip protocols`. */
  showProtocols(): string {
    const lines = [
      `Routing Protocol is "ospf"`,
      `  Router ID ${dotted(this.routerId)}`,
      `  Number of areas in this router is ${this.areas.size}${this.isAreaBorderRouter ? " (area border router)" : ""}`,
      "  Routing for Networks:",
    ];
    for (const area of this.areas.values())
      for (const iface of area.interfaces)
        lines.push(
          `    ${prefixOf(iface.address & iface.mask, iface.mask) ?? "?"} area ${dotted(area.id)} (${iface.name})`,
        );
    lines.push(`  Distance: (default is ${this.rib.distance})`);
    return `${lines.join("\n")}\n`;
  }
}

function prefixOf(network: number, mask: number): Ipv4Prefix | undefined {
  const m = mask >>> 0;
  // A contiguous mask: its inverse plus one is a power of two.
  const inverse = ~m >>> 0;
  if ((inverse & (inverse + 1)) !== 0) return undefined;
  const length = 32 - Math.log2(inverse + 1);
  return new Ipv4Prefix(new Ipv4Address((network & m) >>> 0), length);
}

/** Where {@link Ospf.send} writes each packet before IPv4 copies it into a frame. */
let scratch = new Uint8Array(65_535);

/** Prefix objects shared within one simulation (immutable), per scheduler. */
const sharedPrefixes = new WeakMap<object, Map<number, Ipv4Prefix>>();

/** LSA instances shared within one simulation (see {@link Ospf.sharedInstance}), per scheduler. */
const sharedLsas = new WeakMap<object, Map<string, SharedLsa>>();

interface SharedLsa {
  bytes: Uint8Array;
  lsa: LsaRepr;
  /** The LSA's key ({@link lsaKey}), one string for every router's entry. */
  key: string;
}

/** The same LSA octets, the age (octets 0-1) aside. */
function sameOctets(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 2; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** Same options, type, IDs, sequence number, checksum and length (octets 2-19: all but the age). */
function sameHeaderFields(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 2; i < 20; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameHops(a: readonly SpfNextHop[], b: readonly SpfNextHop[]): boolean {
  if (a.length !== b.length) return false;
  for (const h of a) if (!b.some((x) => x.iface === h.iface && x.gateway === h.gateway)) return false;
  return true;
}

/** The length of a contiguous mask, or -1 when it is not one. */
function maskLength(mask: number): number {
  const inverse = ~mask >>> 0;
  if ((inverse & (inverse + 1)) !== 0) return -1;
  return 32 - Math.log2(inverse + 1);
}

/** Whether `bytes` hold the same instance as `entry` (§13.1), read from the octets. */
function sameInstance(bytes: Uint8Array, entry: LsaEntry, now: Nanoseconds): boolean {
  const ours = entry.bytes;
  for (let i = 12; i < 18; i++) if (bytes[i] !== ours[i]) return false; // sequence and checksum
  const age = (bytes[0] << 8) | bytes[1];
  const ourAge = ageOf(entry, now);
  if (age >= MAX_AGE || ourAge >= MAX_AGE) return age >= MAX_AGE && ourAge >= MAX_AGE;
  return Math.abs(age - ourAge) <= MAX_AGE_DIFF;
}

/** Whether header `h` names the same instance as `entry` (§13.1, as compareLsaInstances = 0). */
function sameInstanceAs(h: LsaHeader, entry: LsaEntry, now: Nanoseconds): boolean {
  const ours = entry.lsa.header;
  if (h.sequence !== ours.sequence || h.checksum !== ours.checksum) return false;
  const ourAge = ageOf(entry, now);
  if (h.age >= MAX_AGE !== ourAge >= MAX_AGE) return false;
  return Math.abs(h.age - ourAge) <= MAX_AGE_DIFF;
}

/** Whether two LSAs say the same thing (§13.2: the contents, without age, sequence and checksum). */
function sameBody(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a[2] !== b[2]) return false;
  for (let i = 20; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
