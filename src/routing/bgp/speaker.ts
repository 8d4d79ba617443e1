/**
 * A BGP-4 speaker on a router (RFC 4271): its sessions (./session.ts), the three RIBs of §3.2 and
 * the decision process of §9.1.
 *
 * - Adj-RIB-In: per session, the routes the peer announced, after the import policy
 *   (`route-map-in`, `prefix-list-in`) and the loop checks (own AS in the AS_PATH, RFC 4456's
 *   ORIGINATOR_ID/CLUSTER_LIST).
 * - Loc-RIB: per prefix, every candidate path and the best one (§9.1.2, in FRR's order: weight,
 *   LOCAL_PREF, locally originated, AS_PATH length, ORIGIN, MED among routes from the same
 *   neighbour AS, eBGP over iBGP, IGP cost to the NEXT_HOP, ORIGINATOR_ID/router ID, CLUSTER_LIST
 *   length, peer address). A path whose NEXT_HOP the RIB cannot reach is not a candidate.
 *   The best path goes into the router's RIB (distance 20 for eBGP, 200 for iBGP).
 * - Adj-RIB-Out: per session, what we advertised (§9.1.3 and RFC 4456 §6 for what may go to whom;
 *   then the export policy), sent as UPDATEs that pack every prefix sharing a path.
 *
 * A session that goes down takes its routes with it (§9.1.2: the routes are withdrawn and the
 * decision runs again, so the next best path takes over).
 */
import type { Node } from "../../devices/node.js";
import type { NextHop, Route } from "../../net/routing-table.js";
import { SECOND } from "../../sim/time.js";
import type { StreamListener, StreamTransport } from "../../socket/stream-connection.js";
import { tcpStreamTransport } from "../../socket/tcp-transport.js";
import { Ipv4Address, Ipv4Prefix } from "../../wire/address/ipv4.js";
import {
  AsPathSegmentType,
  AttributeFlag,
  asPathLength,
  BGP_PORT,
  BgpErrorCode,
  type BgpMessage,
  type BgpPathAttributes,
  type BgpUpdateMessage,
  formatAsPath,
  packUpdates,
  summarizeBgp,
  UpdateErrorSubcode,
  WellKnownCommunity,
} from "../../wire/bgp/index.js";
import type { RoutingProtocol } from "../index.js";
import { RibWriter } from "../rib.js";
import { type BgpConfig, DEFAULT_LOCAL_PREF, LOCAL_WEIGHT } from "./config.js";
import { PrefixList, prependAsPath, RouteMap } from "./policy.js";
import { BgpSession, type BgpState, type BgpSession as Session } from "./session.js";

/** One path to a prefix: where it came from and with which attributes (after import policy). */
export interface BgpPath {
  readonly prefix: Ipv4Prefix;
  readonly attributes: BgpPathAttributes;
  /** The session it came from; undefined for a locally originated network. */
  readonly from: Session | undefined;
  readonly weight: number;
}

/** A Loc-RIB entry: all candidate paths of a prefix and the selected one. */
export interface LocRibEntry {
  readonly prefix: Ipv4Prefix;
  paths: BgpPath[];
  best: BgpPath | undefined;
}

/** How a NEXT_HOP resolves through the router's RIB. */
interface Resolution {
  reachable: boolean;
  /** Metric of the IGP (or connected) route that reaches it. */
  cost: number;
  /** The forwarding next hops to install for BGP routes using it. */
  hops: NextHop[];
}

function key(prefix: Ipv4Prefix): number {
  return prefix.address.value * 64 + prefix.length;
}

const UNREACHABLE: Resolution = { reachable: false, cost: 0, hops: [] };

export class Bgp implements RoutingProtocol {
  readonly protocol = "bgp" as const;
  running = false;
  readonly asn: number;
  readonly routerId: Ipv4Address;
  readonly clusterId: Ipv4Address;
  readonly sessions: BgpSession[] = [];
  readonly prefixLists = new Map<string, PrefixList>();
  readonly routeMaps = new Map<string, RouteMap>();
  /** Loc-RIB, by prefix key. */
  readonly locRib = new Map<number, LocRibEntry>();
  /** Adj-RIB-In per session (after import policy). */
  private readonly adjIn = new Map<Session, Map<number, BgpPath>>();
  /** Adj-RIB-Out per session: the attributes we advertised for each prefix. */
  private readonly adjOut = new Map<Session, Map<number, BgpPathAttributes>>();
  /** Per session, what each received attributes object is rewritten to on export (null: not sent). */
  private readonly exported = new Map<Session, WeakMap<BgpPathAttributes, BgpPathAttributes | null>>();
  /** Changes waiting to be sent, per session (undefined attributes: withdraw). */
  private readonly pending = new Map<
    Session,
    Map<number, { prefix: Ipv4Prefix; attributes: BgpPathAttributes | undefined }>
  >();
  private flushScheduled = false;
  private readonly rib: RibWriter;
  private readonly resolutions = new Map<number, Resolution>();
  private listener: StreamListener | undefined;
  private scanTimer: ReturnType<Node["scheduler"]["after"]> | undefined;
  private unlisten: (() => void)[] = [];
  /** Bumped on every Loc-RIB change (FRR's "table version"). */
  tableVersion = 0;
  readonly transport: StreamTransport;

  constructor(
    readonly node: Node,
    readonly config: BgpConfig,
    options: { transport?: StreamTransport } = {},
  ) {
    this.asn = config.asn;
    if (!Number.isInteger(this.asn) || this.asn < 1 || this.asn > 0xffffffff) {
      throw new RangeError(`bgp: AS ${config.asn} is outside 1..4294967295`);
    }
    this.routerId = Ipv4Address.parse(config["router-id"]);
    this.clusterId = config["cluster-id"] ? Ipv4Address.parse(config["cluster-id"]) : this.routerId;
    for (const [name, entries] of Object.entries(config["prefix-lists"] ?? {})) {
      this.prefixLists.set(name, new PrefixList(name, entries));
    }
    for (const [name, entries] of Object.entries(config["route-maps"] ?? {})) {
      const map = new RouteMap(name, entries);
      for (const list of map.prefixLists) {
        if (!this.prefixLists.has(list))
          throw new RangeError(`route-map ${name} matches unknown prefix-list ${list}`);
      }
      this.routeMaps.set(name, map);
    }
    const seen = new Set<string>();
    for (const n of config.neighbors ?? []) {
      if (seen.has(n.address)) throw new RangeError(`bgp: neighbor ${n.address} is configured twice`);
      seen.add(n.address);
      for (const k of ["route-map-in", "route-map-out"] as const) {
        const name = n[k];
        if (name !== undefined && !this.routeMaps.has(name))
          throw new RangeError(`neighbor ${n.address} ${k}: no route-map ${name}`);
      }
      for (const k of ["prefix-list-in", "prefix-list-out"] as const) {
        const name = n[k];
        if (name !== undefined && !this.prefixLists.has(name))
          throw new RangeError(`neighbor ${n.address} ${k}: no prefix-list ${name}`);
      }
      const session = new BgpSession(this.sessionHost, n);
      session.globalTimers = config.timers ?? {};
      this.sessions.push(session);
    }
    this.rib = new RibWriter(node, "bgp", 20);
    this.transport = options.transport ?? tcpStreamTransport(node.tcp);
    this.bindHost();
  }

  /** The neighbour at `address`. */
  session(address: string): BgpSession | undefined {
    return this.sessions.find((s) => s.address.toString() === address);
  }

  // ---------------------------------------------------------------------------------------------
  // Start and stop

  start(): void {
    if (this.running) return;
    this.running = true;
    const listener = this.transport.listen({ host: "0.0.0.0", port: BGP_PORT }, (stream) => {
      const session = this.session(stream.remoteAddress);
      if (!session) {
        stream.abort(); // FRR refuses connections from addresses that are not neighbours
        return;
      }
      session.accept(stream);
    });
    if ("error" in listener) throw new Error(`bgp: cannot listen on port ${BGP_PORT}: ${listener.error}`);
    this.listener = listener;
    for (const iface of this.node.interfaces) {
      this.unlisten.push(iface.onLinkChange((i, up) => this.linkChanged(i.name, up)));
    }
    this.originateNetworks();
    for (const s of this.sessions) s.start();
    this.scheduleScan();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const s of this.sessions) s.stop();
    this.listener?.close();
    this.listener = undefined;
    for (const u of this.unlisten) u();
    this.unlisten = [];
    this.node.scheduler.cancel(this.scanTimer);
    this.rib.clear();
    this.locRib.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // What sessions tell us

  private readonly sessionHost = {
    scheduler: undefined as unknown as Node["scheduler"],
    transport: undefined as unknown as StreamTransport,
    localAs: 0,
    routerId: Ipv4Address.ANY,
    established: (s: Session) => this.established(s),
    received: (s: Session, m: BgpMessage) => this.received(s, m),
    lost: (s: Session) => this.lost(s),
    traceMessage: (s: Session, direction: "in" | "out", m: BgpMessage) => this.traceMessage(s, direction, m),
    traceState: (s: Session, from: BgpState, to: BgpState, reason: string) =>
      this.traceState(s, from, to, reason),
  };

  /** Fills in what sessions need, once the speaker's fields exist. */
  private bindHost(): void {
    this.sessionHost.scheduler = this.node.scheduler;
    this.sessionHost.transport = this.transport;
    this.sessionHost.localAs = this.asn;
    this.sessionHost.routerId = this.routerId;
  }

  private established(session: Session): void {
    this.adjOut.set(session, new Map());
    this.exported.delete(session); // the local address, the peer's ID may differ this time
    // RFC 4271 §9.1.3: a new session gets the whole Loc-RIB (subject to policy).
    for (const entry of this.locRib.values()) this.queueExport(session, entry);
    this.scheduleFlush();
  }

  private lost(session: Session): void {
    this.adjOut.delete(session);
    this.exported.delete(session);
    this.pending.delete(session);
    const routes = this.adjIn.get(session);
    this.adjIn.delete(session);
    session.prefixesReceived = 0;
    session.prefixesSent = 0;
    if (!routes) return;
    // RFC 4271 §9.1.2: routes from a lost session are withdrawn; the decision picks the next best.
    for (const path of routes.values()) this.removePath(path.prefix, session);
    this.scheduleFlush();
  }

  private received(session: Session, message: BgpMessage): void {
    if (message.type === "route-refresh") {
      // RFC 2918 §4: re-advertise the Adj-RIB-Out to this peer, every route of it (the peer asks
      // because it no longer holds what it filtered out before).
      this.reexport(session, true);
      this.scheduleFlush();
      return;
    }
    if (message.type !== "update") return;
    // RFC 4271 §6.3: an external peer's AS_PATH must start with the peer's AS (FRR's
    // enforce-first-as, on by default); otherwise the UPDATE is a Malformed AS_PATH.
    const first = message.attributes.asPath?.[0];
    if (
      !session.ibgp &&
      message.nlri.length > 0 &&
      (first?.type !== AsPathSegmentType.Sequence || first.asns[0] !== session.remoteAs)
    ) {
      session.notify(
        BgpErrorCode.UpdateMessage,
        UpdateErrorSubcode.MalformedAsPath,
        `the AS_PATH does not start with the peer's AS ${session.remoteAs}`,
      );
      return;
    }
    this.applyUpdate(session, message);
  }

  /** RFC 4271 §9: withdrawals, then each announced prefix through import policy into the Loc-RIB. */
  applyUpdate(session: Session, update: BgpUpdateMessage): void {
    let adj = this.adjIn.get(session);
    if (!adj) {
      adj = new Map();
      this.adjIn.set(session, adj);
    }
    for (const prefix of update.withdrawn) {
      if (adj.delete(key(prefix))) this.removePath(prefix, session);
    }
    if (update.nlri.length > 0) {
      const base = this.importAttributes(session, update.attributes);
      const inMap = session.config["route-map-in"]
        ? this.routeMaps.get(session.config["route-map-in"])
        : undefined;
      const inList = session.config["prefix-list-in"]
        ? this.prefixLists.get(session.config["prefix-list-in"])
        : undefined;
      const weight = session.config.weight ?? 0;
      for (const prefix of update.nlri) {
        let attributes = base;
        let w = weight;
        if (attributes && inList && !inList.permits(prefix)) attributes = undefined;
        if (attributes && inMap) {
          const r = inMap.apply(prefix, attributes, this.prefixLists);
          attributes = r.permit ? r.attributes : undefined;
          if (r.permit && r.weight !== undefined) w = r.weight;
        }
        const k = key(prefix);
        if (!attributes) {
          // Denied or looped: an implicit withdrawal of what the peer sent before.
          if (adj.delete(k)) this.removePath(prefix, session);
          continue;
        }
        const path: BgpPath = { prefix, attributes, from: session, weight: w };
        adj.set(k, path);
        this.addPath(path);
      }
    }
    session.prefixesReceived = adj.size;
    this.scheduleFlush();
  }

  /** Loop checks and the attributes an external peer may not set; undefined when the path is refused. */
  private importAttributes(session: Session, attributes: BgpPathAttributes): BgpPathAttributes | undefined {
    // RFC 4271 §9.1.2: a route whose AS_PATH holds our own AS is a loop.
    if (attributes.asPath?.some((s) => s.asns.includes(this.asn))) return undefined;
    if (session.ibgp) {
      // RFC 4456 §8: our own ORIGINATOR_ID or CLUSTER_ID means the route looped through reflectors.
      if (attributes.originatorId?.value === this.routerId.value) return undefined;
      if (attributes.clusterList?.some((c) => c.value === this.clusterId.value)) return undefined;
      return attributes;
    }
    // RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored; ORIGINATOR_ID/CLUSTER_LIST are iBGP-only.
    if (
      attributes.localPref === undefined &&
      attributes.originatorId === undefined &&
      attributes.clusterList === undefined
    ) {
      return attributes;
    }
    const { localPref: _l, originatorId: _o, clusterList: _c, ...rest } = attributes;
    return rest;
  }

  // ---------------------------------------------------------------------------------------------
  // Loc-RIB and the decision process

  private addPath(path: BgpPath): void {
    const k = key(path.prefix);
    let entry = this.locRib.get(k);
    if (!entry) {
      entry = { prefix: path.prefix, paths: [path], best: undefined };
      this.locRib.set(k, entry);
    } else {
      const i = entry.paths.findIndex((p) => p.from === path.from);
      if (i >= 0) entry.paths[i] = path;
      else entry.paths.push(path);
    }
    this.decide(entry);
  }

  private removePath(prefix: Ipv4Prefix, from: Session | undefined): void {
    const k = key(prefix);
    const entry = this.locRib.get(k);
    if (!entry) return;
    entry.paths = entry.paths.filter((p) => p.from !== from);
    this.decide(entry);
    if (entry.paths.length === 0) this.locRib.delete(k);
  }

  /** How the RIB reaches `address` (not through BGP itself). */
  resolve(address: Ipv4Address): Resolution {
    const cached = this.resolutions.get(address.value);
    if (cached) return cached;
    const r = this.resolveNow(address);
    this.resolutions.set(address.value, r);
    return r;
  }

  private resolveNow(address: Ipv4Address): Resolution {
    const table = this.node.ipv4.routes;
    let route: Route | undefined = table.lookup(address);
    if (route?.protocol === "bgp") route = table.candidates(route.prefix).find((r) => r.protocol !== "bgp");
    if (!route) return UNREACHABLE;
    if (route.protocol === "local") return UNREACHABLE; // our own address is no next hop
    const usable = route.nextHops.filter((h) => this.node.ipv4.interface(h.interface)?.isUp ?? false);
    if (usable.length === 0) return UNREACHABLE;
    // Recursive resolution (as zebra does): the BGP route forwards like the route to its next hop.
    const hops = usable.map((h) =>
      h.via ? { via: h.via, interface: h.interface } : { via: address, interface: h.interface },
    );
    return { reachable: true, cost: route.metric, hops };
  }

  private feasible(path: BgpPath): boolean {
    if (!path.from) return true;
    const nh = path.attributes.nextHop;
    return nh !== undefined && this.resolve(nh).reachable;
  }

  /** RFC 4271 §9.1.2.2 (and FRR's additions): true when `a` is preferred over `b`. */
  private better(a: BgpPath, b: BgpPath): boolean {
    if (a.weight !== b.weight) return a.weight > b.weight;
    const lpA = a.attributes.localPref ?? DEFAULT_LOCAL_PREF;
    const lpB = b.attributes.localPref ?? DEFAULT_LOCAL_PREF;
    if (lpA !== lpB) return lpA > lpB;
    if ((a.from === undefined) !== (b.from === undefined)) return a.from === undefined;
    const lenA = asPathLength(a.attributes.asPath);
    const lenB = asPathLength(b.attributes.asPath);
    if (lenA !== lenB) return lenA < lenB;
    const oA = a.attributes.origin ?? 2;
    const oB = b.attributes.origin ?? 2;
    if (oA !== oB) return oA < oB;
    // §9.1.2.2 c: MED only between routes from the same neighbouring AS; a missing MED is 0.
    if (neighborAs(a) === neighborAs(b)) {
      const mA = a.attributes.med ?? 0;
      const mB = b.attributes.med ?? 0;
      if (mA !== mB) return mA < mB;
    }
    const eA = a.from !== undefined && !a.from.ibgp;
    const eB = b.from !== undefined && !b.from.ibgp;
    if (eA !== eB) return eA;
    const cA = a.from && a.attributes.nextHop ? this.resolve(a.attributes.nextHop).cost : 0;
    const cB = b.from && b.attributes.nextHop ? this.resolve(b.attributes.nextHop).cost : 0;
    if (cA !== cB) return cA < cB;
    // RFC 4456 §9: a reflected route's ORIGINATOR_ID stands for the router ID, then the shorter CLUSTER_LIST.
    const idA = (a.attributes.originatorId ?? a.from?.peerId)?.value ?? 0;
    const idB = (b.attributes.originatorId ?? b.from?.peerId)?.value ?? 0;
    if (idA !== idB) return idA < idB;
    const clA = a.attributes.clusterList?.length ?? 0;
    const clB = b.attributes.clusterList?.length ?? 0;
    if (clA !== clB) return clA < clB;
    return (a.from?.address.value ?? 0) < (b.from?.address.value ?? 0);
  }

  /** Why `a` beat `b`, in FRR's words (for tests and `show ip bgp PREFIX`). */
  reason(a: BgpPath, b: BgpPath): string {
    if (a.weight !== b.weight) return "Weight";
    if ((a.attributes.localPref ?? 100) !== (b.attributes.localPref ?? 100)) return "Local Pref";
    if ((a.from === undefined) !== (b.from === undefined)) return "Local Route";
    if (asPathLength(a.attributes.asPath) !== asPathLength(b.attributes.asPath)) return "AS Path";
    if ((a.attributes.origin ?? 2) !== (b.attributes.origin ?? 2)) return "Origin";
    if (neighborAs(a) === neighborAs(b) && (a.attributes.med ?? 0) !== (b.attributes.med ?? 0)) return "MED";
    if ((a.from?.ibgp ?? true) !== (b.from?.ibgp ?? true)) return "eBGP Peer";
    const cA = a.attributes.nextHop ? this.resolve(a.attributes.nextHop).cost : 0;
    const cB = b.attributes.nextHop ? this.resolve(b.attributes.nextHop).cost : 0;
    if (cA !== cB) return "IGP Metric";
    if (
      (a.attributes.originatorId ?? a.from?.peerId)?.value !==
      (b.attributes.originatorId ?? b.from?.peerId)?.value
    )
      return "Router ID";
    if ((a.attributes.clusterList?.length ?? 0) !== (b.attributes.clusterList?.length ?? 0))
      return "Cluster length";
    return "Neighbor IP";
  }

  /** Runs the decision for one prefix, and installs and advertises the outcome if it changed. */
  private decide(entry: LocRibEntry): void {
    let best: BgpPath | undefined;
    const paths = entry.paths;
    if (paths.length === 1) {
      best = this.feasible(paths[0]) ? paths[0] : undefined;
    } else {
      for (const p of paths) if (this.feasible(p) && (!best || this.better(p, best))) best = p;
    }
    const changed = best !== entry.best;
    entry.best = best;
    if (best?.from) {
      const nh = best.attributes.nextHop as Ipv4Address;
      this.rib.install({
        prefix: entry.prefix,
        nextHops: this.resolve(nh).hops,
        metric: best.attributes.med ?? 0,
        distance: best.from.ibgp ? 200 : 20,
      });
    } else {
      this.rib.withdraw(entry.prefix);
    }
    if (!changed) return;
    this.tableVersion++;
    for (const session of this.sessions) {
      if (session.state === "Established" && this.adjOut.has(session)) this.queueExport(session, entry);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Advertising (Adj-RIB-Out)

  /** What `session` should hear about `entry` (RFC 4271 §9.1.3, RFC 4456 §6), or undefined. */
  exportAttributes(session: Session, entry: LocRibEntry): BgpPathAttributes | undefined {
    const best = entry.best;
    if (!best) return undefined;
    const from = best.from;
    if (from === session) return undefined;
    if (from?.ibgp && session.ibgp) {
      // RFC 4456 §6: a reflector passes client routes to everyone, non-client routes to clients only.
      const fromClient = from.config["route-reflector-client"] === true;
      const toClient = session.config["route-reflector-client"] === true;
      if (!fromClient && !toClient) return undefined; // plain iBGP: no re-advertising (§9.2.1)
    }
    let out = this.exportMemo(session, best);
    if (out === undefined) return undefined;
    const outList = session.config["prefix-list-out"];
    if (outList && !this.prefixLists.get(outList)?.permits(entry.prefix)) return undefined;
    const outMap = session.config["route-map-out"];
    if (outMap) {
      const r = this.routeMaps.get(outMap)?.apply(entry.prefix, out, this.prefixLists);
      if (!r?.permit) return undefined;
      out = r.attributes;
    }
    return out;
  }

  /**
   * The attributes `best` leaves with towards `session`, before the per-prefix policy. Prefixes
   * that arrived in one UPDATE share one attributes object; they share the result too, so a full
   * table going out to a new peer is rewritten once per path, not once per prefix, and packs into
   * UPDATEs without comparing attributes prefix by prefix.
   */
  private exportMemo(session: Session, best: BgpPath): BgpPathAttributes | undefined {
    let memo = this.exported.get(session);
    if (!memo) {
      memo = new WeakMap();
      this.exported.set(session, memo);
    }
    const cached = memo.get(best.attributes);
    if (cached !== undefined) return cached ?? undefined;
    const result = this.exportPath(session, best);
    memo.set(best.attributes, result ?? null);
    return result;
  }

  private exportPath(session: Session, best: BgpPath): BgpPathAttributes | undefined {
    const from = best.from;
    const a = best.attributes;
    const communities = a.communities;
    if (communities?.includes(WellKnownCommunity.NoAdvertise)) return undefined;
    if (!session.ibgp && communities?.includes(WellKnownCommunity.NoExport)) return undefined;
    const local = session.localAddress ?? Ipv4Address.ANY;
    let out: BgpPathAttributes;
    if (session.ibgp) {
      out = { ...a, localPref: a.localPref ?? DEFAULT_LOCAL_PREF };
      if (!from || session.config["next-hop-self"] === true) out.nextHop = local;
      if (from?.ibgp) {
        // RFC 4456 §8: reflecting sets ORIGINATOR_ID once and prepends our CLUSTER_ID.
        out.originatorId = a.originatorId ?? from.peerId;
        out.clusterList = [this.clusterId, ...(a.clusterList ?? [])];
      }
    } else {
      out = { origin: a.origin, asPath: prependAsPath(a.asPath, [this.asn]), nextHop: local };
      if (!from && a.med !== undefined) out.med = a.med; // §5.1.4: only our own MED leaves the AS
      if (a.atomicAggregate) out.atomicAggregate = true;
      if (a.aggregator) out.aggregator = a.aggregator;
      if (communities) out.communities = communities;
      // §5: unknown optional transitive attributes travel on, marked Partial.
      const unknown = a.unknown?.filter((u) => (u.flags & AttributeFlag.Transitive) !== 0);
      if (unknown && unknown.length > 0)
        out.unknown = unknown.map((u) => ({ ...u, flags: u.flags | AttributeFlag.Partial }));
    }
    return out;
  }

  /**
   * Compares what `session` should hear about `entry` with its Adj-RIB-Out and queues the
   * difference: an UPDATE for new or changed attributes, a WITHDRAW for a prefix no longer
   * exported. `resend` queues an unchanged route too.
   */
  private queueExport(session: Session, entry: LocRibEntry, resend = false): void {
    const out = this.adjOut.get(session);
    if (!out) return;
    const k = key(entry.prefix);
    const attributes = this.exportAttributes(session, entry);
    const had = out.get(k);
    if (!attributes && !had) return;
    if (attributes && had && !resend && sameAttributes(attributes, had)) return;
    if (attributes) out.set(k, attributes);
    else out.delete(k);
    this.queue(session, k, entry.prefix, attributes);
  }

  private queue(
    session: Session,
    k: number,
    prefix: Ipv4Prefix,
    attributes: BgpPathAttributes | undefined,
  ): void {
    let queue = this.pending.get(session);
    if (!queue) {
      queue = new Map();
      this.pending.set(session, queue);
    }
    queue.set(k, { prefix, attributes });
  }

  /**
   * Runs the export of every prefix towards `session` again, against the policy as it is now,
   * and sends what differs from the Adj-RIB-Out: `clear ip bgp X soft out`, and a ROUTE-REFRESH
   * from the peer (RFC 2918 §4, with `resendAll`: unchanged routes are sent again as well).
   *
   * The Adj-RIB-Out is kept, not emptied: it is what the peer holds (RFC 4271 §3.2), so a prefix
   * the new policy denies must be found there to be withdrawn (§9.1.3) — forgetting it would
   * leave the peer with a stale route. The per-session cache of rewritten attributes is dropped,
   * since the configuration it was computed from may have changed.
   */
  private reexport(session: Session, resendAll: boolean): void {
    const out = this.adjOut.get(session);
    if (!out) return;
    this.exported.delete(session);
    for (const entry of this.locRib.values()) this.queueExport(session, entry, resendAll);
    // Whatever was advertised for a prefix the Loc-RIB no longer holds is withdrawn too (the
    // decision process withdraws such prefixes as they go, so this finds nothing unless a
    // change slipped past it).
    for (const k of [...out.keys()]) {
      if (this.locRib.has(k)) continue;
      out.delete(k);
      this.queue(session, k, new Ipv4Prefix(new Ipv4Address(Math.floor(k / 64)), k % 64), undefined);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.pending.size === 0) return;
    this.flushScheduled = true;
    this.node.scheduler.after(0, () => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends the queued changes, one UPDATE per shared path (as many prefixes as fit). */
  private flush(): void {
    for (const [session, queue] of this.pending) {
      if (session.state !== "Established") continue;
      const withdrawn: Ipv4Prefix[] = [];
      const groups = new Map<string, { attributes: BgpPathAttributes; nlri: Ipv4Prefix[] }>();
      const keys = new WeakMap<BgpPathAttributes, string>();
      for (const { prefix, attributes } of queue.values()) {
        if (!attributes) {
          withdrawn.push(prefix);
          continue;
        }
        let k = keys.get(attributes);
        if (k === undefined) {
          k = attributesKey(attributes);
          keys.set(attributes, k);
        }
        let g = groups.get(k);
        if (!g) {
          g = { attributes, nlri: [] };
          groups.set(k, g);
        }
        g.nlri.push(prefix);
      }
      const encoding = session.encoding;
      const messages: BgpUpdateMessage[] = [];
      const traced = this.node.tracer.enabled;
      const chunks: Uint8Array[] = [];
      if (withdrawn.length > 0) {
        chunks.push(packUpdates(withdrawn, undefined, [], encoding));
        if (traced) messages.push({ type: "update", withdrawn, attributes: {}, nlri: [] });
      }
      for (const g of groups.values()) {
        chunks.push(packUpdates([], g.attributes, g.nlri, encoding));
        if (traced) messages.push({ type: "update", withdrawn: [], attributes: g.attributes, nlri: g.nlri });
      }
      let count = 0;
      for (const c of chunks) {
        for (let at = 0; at < c.length; at += (c[at + 16] << 8) | c[at + 17]) count++;
        session.sendUpdates(c, 0);
      }
      session.sent.updates += count;
      if (traced) for (const m of messages) this.traceMessage(session, "out", m);
      session.prefixesSent = this.adjOut.get(session)?.size ?? 0;
    }
    this.pending.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Local networks, next-hop tracking, link changes

  /** FRR's `network` with import check: originated while the RIB holds a non-BGP route for exactly it. */
  private originateNetworks(): void {
    for (const text of this.config.networks ?? []) {
      const prefix = Ipv4Prefix.parse(text).networkPrefix;
      const route = this.node.ipv4.routes
        .candidates(prefix)
        .find((r) => r.protocol !== "bgp" && r.protocol !== "local");
      const up = route?.nextHops.some((h) => this.node.ipv4.interface(h.interface)?.isUp ?? false) ?? false;
      const entry = this.locRib.get(key(prefix));
      const has = entry?.paths.some((p) => p.from === undefined) ?? false;
      if (route && up) {
        const existing = entry?.paths.find((p) => p.from === undefined);
        if (existing && (existing.attributes.med ?? 0) === route.metric) continue;
        this.addPath({
          prefix,
          attributes: { origin: 0, asPath: [], nextHop: Ipv4Address.ANY, med: route.metric },
          from: undefined,
          weight: LOCAL_WEIGHT,
        });
      } else if (has) {
        this.removePath(prefix, undefined);
      }
    }
    this.scheduleFlush();
  }

  private linkChanged(iface: string, up: boolean): void {
    if (!up) {
      // FRR's fast-external-failover: a directly connected eBGP session dies with its interface.
      const i = this.node.ipv4.interface(iface);
      for (const s of this.sessions) {
        if (!s.ibgp && i?.addresses.some((p) => p.networkPrefix.contains(s.address))) s.linkDown();
      }
    }
    this.scan();
  }

  private scheduleScan(): void {
    this.scanTimer = this.node.scheduler.after(5 * SECOND, () => {
      this.scan();
      if (this.running) this.scheduleScan();
    });
  }

  /**
   * Re-resolves every NEXT_HOP (the IGP may have changed) and re-runs the decision for the
   * prefixes whose next hops changed reachability, cost or forwarding path (RFC 4271 §9.1.2:
   * "routes ... that have become unresolvable ... are removed").
   */
  scan(): void {
    if (!this.running) return;
    const changed = new Set<number>();
    for (const [value, old] of this.resolutions) {
      const now = this.resolveNow(new Ipv4Address(value));
      if (now.reachable !== old.reachable || now.cost !== old.cost || !sameHops(now.hops, old.hops)) {
        changed.add(value);
        this.resolutions.set(value, now);
      }
    }
    if (changed.size > 0) {
      for (const entry of [...this.locRib.values()]) {
        if (entry.paths.some((p) => p.attributes.nextHop && changed.has(p.attributes.nextHop.value)))
          this.decide(entry);
      }
    }
    this.originateNetworks();
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------------------------------------
  // Operations

  /** `clear ip bgp *` / `clear ip bgp X` (hard reset), or `... soft [in|out]`. */
  clear(target: string, soft?: "in" | "out" | "both"): string {
    const sessions =
      target === "*" ? this.sessions : this.sessions.filter((s) => s.address.toString() === target);
    if (sessions.length === 0) return `% BGP: Unknown neighbor - "${target}"\n`;
    const notes: string[] = [];
    for (const s of sessions) {
      if (!soft) {
        s.reset();
        continue;
      }
      // Soft in: the Adj-RIB-In is kept after import policy, so the routes it filtered out are
      // gone; the peer is asked to send them all again (RFC 2918 ROUTE-REFRESH) and each goes
      // through the current import policy (a now-denied prefix is an implicit withdrawal).
      if ((soft === "in" || soft === "both") && s.state === "Established") {
        if (s.peerSupportsRefresh) s.requestRefresh();
        else notes.push(`% Neighbor ${s.address} does not support route refresh, soft in skipped\n`);
      }
      // Soft out: the export of every prefix again, against the current policy, as a diff.
      if ((soft === "out" || soft === "both") && s.state === "Established") this.reexport(s, false);
    }
    this.scheduleFlush();
    return notes.join("");
  }

  /** The Loc-RIB entries in prefix order. */
  entries(): LocRibEntry[] {
    return [...this.locRib.values()].sort(
      (a, b) => a.prefix.address.value - b.prefix.address.value || a.prefix.length - b.prefix.length,
    );
  }

  /** The Loc-RIB entry of exactly `prefix`. */
  entry(prefix: string | Ipv4Prefix): LocRibEntry | undefined {
    const p = typeof prefix === "string" ? Ipv4Prefix.parse(prefix).networkPrefix : prefix;
    return this.locRib.get(key(p));
  }

  /** The Adj-RIB-Out towards a neighbour (`show ip bgp neighbors X advertised-routes`). */
  advertised(session: Session): ReadonlyMap<number, BgpPathAttributes> {
    return this.adjOut.get(session) ?? new Map();
  }

  /** The Adj-RIB-In of a neighbour, after import policy (`show ip bgp neighbors X routes`). */
  accepted(session: Session): IterableIterator<BgpPath> {
    return (this.adjIn.get(session) ?? new Map<number, BgpPath>()).values();
  }

  /** `show ip protocols` (Cisco's summary of a routing process). */
  showProtocols(): string {
    const lines = [
      `Routing Protocol is "bgp ${this.asn}"`,
      `  Router ID ${this.routerId}`,
      `  Outgoing update filter list for all interfaces is not set`,
      "  Routing for Networks:",
      ...(this.config.networks ?? []).map((n) => `    ${n}`),
      "  Neighbors:",
      ...this.sessions.map(
        (s) =>
          `    ${s.address.toString().padEnd(16)}AS ${String(s.remoteAs).padEnd(11)}${s.ibgp ? "internal" : "external"}  ${s.state}`,
      ),
      "  Distance: external 20 internal 200 local 200",
    ];
    return `${lines.join("\n")}\n`;
  }

  /** Number of paths in the Loc-RIB. */
  get pathCount(): number {
    let n = 0;
    for (const e of this.locRib.values()) n += e.paths.length;
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Trace

  private traceMessage(session: Session, direction: "in" | "out", message: BgpMessage): void {
    const tracer = this.node.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "routing-message",
      time: this.node.scheduler.now,
      node: this.node.name,
      protocol: "bgp",
      direction,
      peer: session.address.toString(),
      kind: message.type.toUpperCase(),
      summary: summarizeBgp(message),
    });
  }

  private traceState(session: Session, from: BgpState, to: BgpState, reason: string): void {
    const tracer = this.node.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "routing-neighbor",
      time: this.node.scheduler.now,
      node: this.node.name,
      protocol: "bgp",
      neighbor: session.address.toString(),
      from,
      to,
      reason,
    });
  }
}

/** The neighbouring AS a path came through: the first AS of its AS_PATH (RFC 4271 §9.1.2.2 c). */
function neighborAs(path: BgpPath): number {
  const first = path.attributes.asPath?.[0];
  return first?.asns[0] ?? 0;
}

function sameHops(a: readonly NextHop[], b: readonly NextHop[]): boolean {
  return (
    a.length === b.length &&
    a.every((h, i) => h.interface === b[i].interface && h.via?.value === b[i].via?.value)
  );
}

/** A text key equal for equal attributes (to group prefixes into one UPDATE and skip resends). */
export function attributesKey(a: BgpPathAttributes): string {
  return [
    a.origin,
    formatAsPath(a.asPath),
    a.nextHop?.value,
    a.med,
    a.localPref,
    a.atomicAggregate ? 1 : 0,
    a.aggregator ? `${a.aggregator.asn}/${a.aggregator.address.value}` : "",
    a.communities?.join(","),
    a.originatorId?.value,
    a.clusterList?.map((c) => c.value).join(","),
    a.unknown?.map((u) => `${u.flags}/${u.type}/${[...u.value].join(".")}`).join(";"),
  ].join("|");
}

function sameAttributes(a: BgpPathAttributes, b: BgpPathAttributes): boolean {
  return a === b || attributesKey(a) === attributesKey(b);
}
