/**
 * An OSPF interface and its neighbours (RFC 2328 §9, §10): the interface state machine with the
 * Designated Router election of broadcast networks (§9.4), and the neighbour state machine from
 * Down through Init, 2-Way, ExStart, Exchange and Loading to Full, with the database exchange of
 * §10.6-10.9 (Database Description packets in master/slave lock-step, then Link State Requests).
 *
 * Flooding, the database and SPF belong to the process (./ospf.ts); these classes call back into
 * it through {@link OspfProcessContext}.
 */
import type { Timer } from "../../sim/scheduler.js";
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { compareLsaInstances, dotted, type LsaHeader } from "../../wire/ospf/lsa.js";
import {
  ALL_D_ROUTERS,
  ALL_SPF_ROUTERS,
  type DatabaseDescriptionBody,
  DdFlag,
  type HelloBody,
  type LsRequestEntry,
  type OspfBody,
} from "../../wire/ospf/packet.js";
import type { OspfNetworkType } from "./config.js";
import { headerKey, type LsaEntry, lsaKey } from "./lsdb.js";

export type InterfaceState = "Down" | "Loopback" | "Waiting" | "Point-To-Point" | "DROther" | "Backup" | "DR";

export type NeighborState = "Down" | "Init" | "2-Way" | "ExStart" | "Exchange" | "Loading" | "Full";

const ORDER: Record<NeighborState, number> = {
  Down: 0,
  Init: 1,
  "2-Way": 2,
  ExStart: 3,
  Exchange: 4,
  Loading: 5,
  Full: 6,
};

export function atLeast(state: NeighborState, other: NeighborState): boolean {
  return ORDER[state] >= ORDER[other];
}

/** What the interface and neighbour machines need from the OSPF process. */
export interface OspfProcessContext {
  readonly routerId: number;
  readonly now: Nanoseconds;
  after(delay: Nanoseconds, action: () => void): Timer;
  cancel(timer: Timer | undefined): void;
  send(iface: OspfInterface, dst: number, body: OspfBody): void;
  /** The area's LSA headers for a database summary list (§10.3 "Database summary list"). */
  databaseSummary(iface: OspfInterface): LsaHeader[];
  /** The area's current instance of an LSA, if any. */
  lookup(iface: OspfInterface, key: string): LsaEntry | undefined;
  /** Something that router-/network-LSAs depend on changed (a neighbour reached or left Full, the DR). */
  adjacencyChanged(iface: OspfInterface): void;
  traceNeighbor(iface: OspfInterface, neighbor: OspfNeighbor, from: NeighborState, reason: string): void;
  /** The interface's DR/BDR changed. */
  interfaceStateChanged(iface: OspfInterface, from: InterfaceState): void;
}

export interface OspfInterfaceSettings {
  name: string;
  areaId: number;
  cost: number;
  priority: number;
  network: OspfNetworkType;
  passive: boolean;
  helloInterval: number;
  deadInterval: number;
  retransmitInterval: number;
}

export class OspfNeighbor {
  state: NeighborState = "Down";
  priority = 0;
  /** The neighbour's interface address (the Hello's IP source). */
  address: number;
  designatedRouter = 0;
  backupDesignatedRouter = 0;
  options = 0;
  master = false;
  ddSequence = 0;
  /** The last DD we sent (the slave resends it on a duplicate; the master on timeout). */
  lastDdSent: DatabaseDescriptionBody | undefined;
  /** The last DD received (flags, options, sequence) to detect duplicates (§10.6). */
  lastDdReceived: { flags: number; options: number; sequence: number } | undefined;
  /** Headers still to describe in DD packets (§10.3 database summary list). */
  summaryList: LsaHeader[] = [];
  /** LSAs to request (§10.3 link state request list), by key. */
  readonly requestList = new Map<string, LsaHeader>();
  /** The requests of the last Link State Request sent and not yet answered. */
  readonly outstanding = new Set<string>();
  /** LSAs flooded to this neighbour and not yet acknowledged (§10.3), by key. */
  readonly retransmitList = new Map<string, LsaEntry>();
  inactivityTimer: Timer | undefined;
  ddTimer: Timer | undefined;
  requestTimer: Timer | undefined;
  retransmitTimer: Timer | undefined;
  /** When it last changed state, for `show ip ospf neighbor`'s "Up Time". */
  since: Nanoseconds = 0;
  /** The previous state change's time, and the count of events (for debugging views). */
  stateChanges = 0;

  constructor(
    readonly routerId: number,
    address: number,
  ) {
    this.address = address;
  }
}

export class OspfInterface {
  state: InterfaceState = "Down";
  designatedRouter = 0;
  backupDesignatedRouter = 0;
  readonly neighbors = new Map<number, OspfNeighbor>();
  private helloTimer: Timer | undefined;

  /** When the next Hello leaves (for `show ip ospf interface`), if one is due. */
  get nextHelloAt(): Nanoseconds | undefined {
    return this.helloTimer?.active ? this.helloTimer.time : undefined;
  }
  private waitTimer: Timer | undefined;
  /**
   * LSAs to acknowledge in the next delayed Link State Acknowledgment (§13.5): the entry installed
   * (its header with the age it arrived with is what is acknowledged, made when the ack is sent, so
   * the thousands waiting for the ack timer hold no copy of their own), or a header not kept.
   */
  pendingAcks: (LsaHeader | LsaEntry)[] = [];
  ackTimer: Timer | undefined;

  constructor(
    readonly ctx: OspfProcessContext,
    readonly settings: OspfInterfaceSettings,
    /** Our address and mask on this interface. */
    public address: number,
    public mask: number,
    public mtu: number,
  ) {}

  get name(): string {
    return this.settings.name;
  }

  get isPointToPoint(): boolean {
    return this.settings.network === "point-to-point";
  }

  get isDrOrBackup(): boolean {
    return this.state === "DR" || this.state === "Backup";
  }

  // -------------------------------------------------------------------------------------------
  // Interface state machine (§9.3)

  /** InterfaceUp. */
  up(): void {
    if (this.state !== "Down") return;
    const from = this.state;
    if (this.isPointToPoint) this.state = "Point-To-Point";
    else if (this.settings.priority === 0) this.state = "DROther";
    else {
      this.state = "Waiting";
      this.waitTimer = this.ctx.after(this.settings.deadInterval * SECOND, () => this.waitTimerFired());
    }
    this.ctx.interfaceStateChanged(this, from);
    if (!this.settings.passive) this.sendHelloAndArm(0);
  }

  /** InterfaceDown: every neighbour is killed (KillNbr), timers stop. */
  down(): void {
    if (this.state === "Down") return;
    const from = this.state;
    this.ctx.cancel(this.helloTimer);
    this.ctx.cancel(this.waitTimer);
    this.ctx.cancel(this.ackTimer);
    this.pendingAcks = [];
    for (const n of [...this.neighbors.values()]) this.killNeighbor(n, "KillNbr");
    this.neighbors.clear();
    this.designatedRouter = 0;
    this.backupDesignatedRouter = 0;
    this.state = "Down";
    this.ctx.interfaceStateChanged(this, from);
  }

  private waitTimerFired(): void {
    this.waitTimer = undefined;
    if (this.state === "Waiting") this.electDesignatedRouter();
  }

  private sendHelloAndArm(delay: Nanoseconds): void {
    this.helloTimer = this.ctx.after(delay, () => {
      this.sendHello();
      this.sendHelloAndArm(this.settings.helloInterval * SECOND);
    });
  }

  sendHello(): void {
    const s = this.settings;
    const neighbors: number[] = [];
    for (const n of this.neighbors.values()) if (n.state !== "Down") neighbors.push(n.routerId);
    const hello: HelloBody = {
      type: 1,
      // §A.3.2: on point-to-point networks the mask is set to 0.0.0.0.
      networkMask: this.isPointToPoint ? 0 : this.mask,
      helloInterval: s.helloInterval,
      options: 0x02, // E: we accept AS-external LSAs (a normal area)
      priority: s.priority,
      deadInterval: s.deadInterval,
      designatedRouter: this.designatedRouter,
      backupDesignatedRouter: this.backupDesignatedRouter,
      neighbors,
    };
    this.ctx.send(this, ALL_SPF_ROUTERS, hello);
  }

  // -------------------------------------------------------------------------------------------
  // Hello processing (§10.5)

  /** A Hello arrived from `src`; returns a reason when it is rejected. */
  receiveHello(src: number, routerId: number, hello: HelloBody): string | undefined {
    const s = this.settings;
    if (!this.isPointToPoint && hello.networkMask >>> 0 !== this.mask >>> 0) return "network mask mismatch";
    if (hello.helloInterval !== s.helloInterval) return "HelloInterval mismatch";
    if (hello.deadInterval !== s.deadInterval) return "RouterDeadInterval mismatch";
    if ((hello.options & 0x02) === 0) return "E-bit mismatch";
    let n = this.neighbors.get(routerId);
    const isNew = n === undefined;
    if (!n) {
      n = new OspfNeighbor(routerId, src);
      this.neighbors.set(routerId, n);
    }
    n.address = src;
    const oldPriority = n.priority;
    const oldDr = n.designatedRouter;
    const oldBdr = n.backupDesignatedRouter;
    n.priority = hello.priority;
    n.designatedRouter = hello.designatedRouter >>> 0;
    n.backupDesignatedRouter = hello.backupDesignatedRouter >>> 0;
    n.options = hello.options;

    // HelloReceived
    if (n.state === "Down") this.setNeighborState(n, "Init", "HelloReceived");
    this.ctx.cancel(n.inactivityTimer);
    n.inactivityTimer = this.ctx.after(s.deadInterval * SECOND, () =>
      this.killNeighbor(n!, "InactivityTimer"),
    );

    const seesUs = hello.neighbors.some((id) => id >>> 0 === this.ctx.routerId);
    if (!seesUs) {
      if (atLeast(n.state, "2-Way")) this.oneWay(n);
      return undefined;
    }
    if (n.state === "Init") this.twoWayReceived(n);
    if (this.isPointToPoint) return undefined;

    const declaresDr = n.designatedRouter === src;
    const declaresBdr = n.backupDesignatedRouter === src;
    if (this.state === "Waiting" && ((declaresDr && n.backupDesignatedRouter === 0) || declaresBdr)) {
      // BackupSeen: a DR/BDR already exists, so there is no need to wait out the full dead interval.
      this.ctx.cancel(this.waitTimer);
      this.waitTimer = undefined;
      this.electDesignatedRouter();
      return undefined;
    }
    const wasDr = oldDr === src;
    const wasBdr = oldBdr === src;
    if (isNew || oldPriority !== n.priority || wasDr !== declaresDr || wasBdr !== declaresBdr)
      this.neighborChange();
    return undefined;
  }

  /** NeighborChange (§9.2): rerun the election unless still waiting. */
  neighborChange(): void {
    if (this.state === "DR" || this.state === "Backup" || this.state === "DROther")
      this.electDesignatedRouter();
  }

  // -------------------------------------------------------------------------------------------
  // DR election (§9.4)

  electDesignatedRouter(): void {
    const me = { routerId: this.ctx.routerId, address: this.address, priority: this.settings.priority };
    const oldDr = this.designatedRouter;
    const oldBdr = this.backupDesignatedRouter;
    let dr = oldDr;
    let bdr = oldBdr;
    for (let round = 0; round < 2; round++) {
      // The routers eligible: ourselves and neighbours in 2-Way or better, with priority above 0.
      const eligible: { routerId: number; address: number; priority: number; dr: number; bdr: number }[] = [];
      if (me.priority > 0) eligible.push({ ...me, dr, bdr });
      for (const n of this.neighbors.values()) {
        if (atLeast(n.state, "2-Way") && n.priority > 0)
          eligible.push({
            routerId: n.routerId,
            address: n.address,
            priority: n.priority,
            dr: n.designatedRouter,
            bdr: n.backupDesignatedRouter,
          });
      }
      const better = (a: (typeof eligible)[number], b: (typeof eligible)[number] | undefined) =>
        !b || a.priority > b.priority || (a.priority === b.priority && a.routerId > b.routerId);
      // Step 2: the BDR, among those not declaring themselves DR; those declaring BDR first.
      let bdrDeclared: (typeof eligible)[number] | undefined;
      let bdrAny: (typeof eligible)[number] | undefined;
      for (const c of eligible) {
        if (c.dr === c.address) continue;
        if (c.bdr === c.address) {
          if (better(c, bdrDeclared)) bdrDeclared = c;
        } else if (better(c, bdrAny)) bdrAny = c;
      }
      const newBdr = bdrDeclared ?? bdrAny;
      // Step 3: the DR, among those declaring themselves DR; else the new BDR.
      let drDeclared: (typeof eligible)[number] | undefined;
      for (const c of eligible) if (c.dr === c.address && better(c, drDeclared)) drDeclared = c;
      const newDr = drDeclared ?? newBdr;
      dr = newDr?.address ?? 0;
      bdr = newBdr && newBdr !== newDr ? newBdr.address : 0;
      if (newDr && newBdr === newDr) bdr = 0;
      // Step 4: when we newly became or ceased to be DR/BDR, repeat steps 2-3 once.
      const wasUs = oldDr === me.address || oldBdr === me.address;
      const isUs = dr === me.address || bdr === me.address;
      if (round === 0 && wasUs === isUs) break;
      if (round === 0) continue;
    }
    this.designatedRouter = dr;
    this.backupDesignatedRouter = bdr;
    const from = this.state;
    this.state = dr === this.address ? "DR" : bdr === this.address ? "Backup" : "DROther";
    if (dr !== oldDr || bdr !== oldBdr || from !== this.state) {
      // §9.4 step 6/7: AdjOK? for every neighbour in 2-Way or better.
      for (const n of this.neighbors.values()) this.adjacencyOk(n);
      this.ctx.interfaceStateChanged(this, from);
      this.ctx.adjacencyChanged(this);
    }
  }

  /** §10.4: whether an adjacency should form with `n`. */
  shouldBeAdjacent(n: OspfNeighbor): boolean {
    if (this.isPointToPoint) return true;
    if (this.state === "DR" || this.state === "Backup") return true;
    return n.address === this.designatedRouter || n.address === this.backupDesignatedRouter;
  }

  // -------------------------------------------------------------------------------------------
  // Neighbour state machine (§10.3)

  setNeighborState(n: OspfNeighbor, to: NeighborState, reason: string): void {
    const from = n.state;
    if (from === to) return;
    n.state = to;
    n.since = this.ctx.now;
    n.stateChanges++;
    this.ctx.traceNeighbor(this, n, from, reason);
    if (from === "Full" || to === "Full") this.ctx.adjacencyChanged(this);
    // A neighbour reaching or leaving 2-Way changes the election's candidates.
    if (!this.isPointToPoint && atLeast(from, "2-Way") !== atLeast(to, "2-Way")) this.neighborChange();
  }

  private twoWayReceived(n: OspfNeighbor): void {
    if (this.shouldBeAdjacent(n)) this.startExStart(n, "2-WayReceived");
    else this.setNeighborState(n, "2-Way", "2-WayReceived");
  }

  private oneWay(n: OspfNeighbor): void {
    this.clearLists(n);
    this.setNeighborState(n, "Init", "1-WayReceived");
  }

  private adjacencyOk(n: OspfNeighbor): void {
    if (n.state === "2-Way" && this.shouldBeAdjacent(n)) this.startExStart(n, "AdjOK?");
    else if (atLeast(n.state, "ExStart") && !this.shouldBeAdjacent(n)) {
      this.clearLists(n);
      this.setNeighborState(n, "2-Way", "AdjOK?");
    }
  }

  killNeighbor(n: OspfNeighbor, reason: string): void {
    this.clearLists(n);
    this.ctx.cancel(n.inactivityTimer);
    this.setNeighborState(n, "Down", reason);
    this.neighbors.delete(n.routerId);
    if (!this.isPointToPoint) this.neighborChange();
  }

  private clearLists(n: OspfNeighbor): void {
    n.summaryList = [];
    n.requestList.clear();
    n.outstanding.clear();
    n.retransmitList.clear();
    n.lastDdSent = undefined;
    n.lastDdReceived = undefined;
    this.ctx.cancel(n.ddTimer);
    this.ctx.cancel(n.requestTimer);
    this.ctx.cancel(n.retransmitTimer);
    n.ddTimer = n.requestTimer = n.retransmitTimer = undefined;
  }

  /** Enters ExStart (§10.8): claim to be master with an empty DD (I, M, MS set), repeated until answered. */
  private startExStart(n: OspfNeighbor, reason: string): void {
    this.clearLists(n);
    this.setNeighborState(n, "ExStart", reason);
    n.master = true;
    n.ddSequence = (n.ddSequence + 1 + ((this.ctx.now / SECOND) | 0)) >>> 0 || 1;
    this.sendDd(n, DdFlag.I | DdFlag.M | DdFlag.MS, []);
  }

  private sendDd(n: OspfNeighbor, flags: number, lsaHeaders: LsaHeader[]): void {
    const body: DatabaseDescriptionBody = {
      type: 2,
      mtu: this.mtu,
      options: 0x02,
      flags,
      sequence: n.ddSequence,
      lsaHeaders,
    };
    n.lastDdSent = body;
    this.ctx.send(this, n.address, body);
    this.ctx.cancel(n.ddTimer);
    n.ddTimer = undefined;
    // The master retransmits until answered (§10.8); the slave only answers.
    if (n.master || n.state === "ExStart") {
      n.ddTimer = this.ctx.after(this.settings.retransmitInterval * SECOND, () => {
        n.ddTimer = undefined;
        if ((n.state === "ExStart" || n.state === "Exchange") && n.lastDdSent === body) this.sendDdAgain(n);
      });
    }
  }

  private sendDdAgain(n: OspfNeighbor): void {
    const last = n.lastDdSent;
    if (last) this.sendDd(n, last.flags, last.lsaHeaders);
  }

  /** The next DD of the exchange: as many headers as fit the MTU. */
  private nextDd(n: OspfNeighbor): void {
    const fit = Math.max(1, Math.floor((this.mtu - 20 - 24 - 8) / 20));
    const headers = n.summaryList.splice(0, fit);
    let flags = n.master ? DdFlag.MS : 0;
    if (n.summaryList.length > 0) flags |= DdFlag.M;
    this.sendDd(n, flags, headers);
  }

  private seqMismatch(n: OspfNeighbor): void {
    this.startExStart(n, "SeqNumberMismatch");
  }

  /** A Database Description packet arrived (§10.6). */
  receiveDd(routerId: number, dd: DatabaseDescriptionBody): string | undefined {
    const n = this.neighbors.get(routerId);
    if (!n) return "DD from an unknown neighbour";
    if (dd.mtu > this.mtu) return `MTU mismatch (${dd.mtu} > ${this.mtu})`;
    const dup =
      n.lastDdReceived !== undefined &&
      n.lastDdReceived.flags === dd.flags &&
      n.lastDdReceived.options === dd.options &&
      n.lastDdReceived.sequence === dd.sequence;
    switch (n.state) {
      case "Down":
      case "Init":
        return "DD in state Down/Init";
      case "2-Way":
        return undefined; // ignored
      case "ExStart": {
        const init = DdFlag.I | DdFlag.M | DdFlag.MS;
        if ((dd.flags & init) === init && dd.lsaHeaders.length === 0 && routerId > this.ctx.routerId) {
          // We are the slave: adopt the master's sequence number (§10.6).
          n.master = false;
          n.ddSequence = dd.sequence;
          this.negotiationDone(n, dd);
          this.acceptDd(n, dd);
          return undefined;
        }
        if (
          (dd.flags & (DdFlag.I | DdFlag.MS)) === 0 &&
          dd.sequence === n.ddSequence &&
          routerId < this.ctx.routerId
        ) {
          n.master = true;
          this.negotiationDone(n, dd);
          this.acceptDd(n, dd);
          return undefined;
        }
        return undefined; // ignored
      }
      case "Exchange": {
        if (dup) {
          // The slave answers a duplicate by resending its last packet; the master ignores it.
          if (!n.master) this.sendDdAgain(n);
          return undefined;
        }
        if (((dd.flags & DdFlag.MS) !== 0) === n.master) {
          this.seqMismatch(n);
          return "DD master/slave mismatch";
        }
        if (dd.flags & DdFlag.I || dd.options !== n.lastDdReceived?.options) {
          this.seqMismatch(n);
          return "DD with I bit or changed options in Exchange";
        }
        const expected = n.master ? n.ddSequence : (n.ddSequence + 1) >>> 0;
        if (dd.sequence !== expected) {
          this.seqMismatch(n);
          return "DD sequence number mismatch";
        }
        this.acceptDd(n, dd);
        return undefined;
      }
      case "Loading":
      case "Full":
        if (dup) {
          if (!n.master) this.sendDdAgain(n);
          return undefined;
        }
        this.seqMismatch(n);
        return "unexpected DD in Loading/Full";
    }
  }

  private negotiationDone(n: OspfNeighbor, dd: DatabaseDescriptionBody): void {
    n.options = dd.options;
    this.ctx.cancel(n.ddTimer);
    n.ddTimer = undefined;
    this.setNeighborState(n, "Exchange", "NegotiationDone");
    n.summaryList = this.ctx.databaseSummary(this);
  }

  /** Accepts the next DD in sequence: learn what to request, then answer or continue (§10.6, §10.8). */
  private acceptDd(n: OspfNeighbor, dd: DatabaseDescriptionBody): void {
    n.lastDdReceived = { flags: dd.flags, options: dd.options, sequence: dd.sequence };
    for (const h of dd.lsaHeaders) {
      if (h.type < 1 || h.type > 5) {
        this.seqMismatch(n);
        return;
      }
      if (h.type === 5) continue; // we keep no AS-external LSAs
      const key = headerKey(h);
      const ours = this.ctx.lookup(this, key);
      if (!ours || compareLsaInstances(h, { ...ours.lsa.header, age: 0 }) > 0) n.requestList.set(key, h);
    }
    const theyHaveMore = (dd.flags & DdFlag.M) !== 0;
    if (n.master) {
      n.ddSequence = (n.ddSequence + 1) >>> 0;
      const weHadMore = n.lastDdSent !== undefined && (n.lastDdSent.flags & DdFlag.M) !== 0;
      if (!weHadMore && !theyHaveMore && n.summaryList.length === 0) {
        this.ctx.cancel(n.ddTimer);
        n.ddTimer = undefined;
        this.exchangeDone(n);
      } else {
        this.nextDd(n);
      }
    } else {
      n.ddSequence = dd.sequence;
      this.nextDd(n);
      const weHaveMore = n.lastDdSent !== undefined && (n.lastDdSent.flags & DdFlag.M) !== 0;
      if (!theyHaveMore && !weHaveMore) this.exchangeDone(n);
    }
  }

  private exchangeDone(n: OspfNeighbor): void {
    if (n.requestList.size === 0) {
      this.setNeighborState(n, "Full", "ExchangeDone");
    } else {
      this.setNeighborState(n, "Loading", "ExchangeDone");
      this.sendRequests(n);
    }
  }

  /** Sends a Link State Request for the first requests that fit, retransmitted until answered (§10.9). */
  sendRequests(n: OspfNeighbor): void {
    this.ctx.cancel(n.requestTimer);
    n.requestTimer = undefined;
    if (n.requestList.size === 0) return;
    const fit = Math.max(1, Math.floor((this.mtu - 20 - 24) / 12));
    const requests: LsRequestEntry[] = [];
    n.outstanding.clear();
    for (const [key, h] of n.requestList) {
      requests.push({ type: h.type, id: h.id, advertisingRouter: h.advertisingRouter });
      n.outstanding.add(key);
      if (requests.length >= fit) break;
    }
    this.ctx.send(this, n.address, { type: 3, requests });
    n.requestTimer = this.ctx.after(this.settings.retransmitInterval * SECOND, () => {
      n.requestTimer = undefined;
      if (n.state === "Exchange" || n.state === "Loading") this.sendRequests(n);
    });
  }

  /** A requested LSA arrived: take it off the list; Loading ends when the list is empty. */
  requestSatisfied(n: OspfNeighbor, key: string): void {
    if (n.requestList.size === 0 || !n.requestList.delete(key)) return; // (once Full it is empty)
    n.outstanding.delete(key);
    if (n.requestList.size === 0) {
      this.ctx.cancel(n.requestTimer);
      n.requestTimer = undefined;
      if (n.state === "Loading") this.setNeighborState(n, "Full", "LoadingDone");
    } else if (n.outstanding.size === 0) {
      this.sendRequests(n); // the last request was answered in full: ask for the next ones
    }
  }

  /** A Link State Request arrived (§10.7): answer with the LSAs, or BadLSReq when one is missing. */
  receiveRequest(
    routerId: number,
    requests: LsRequestEntry[],
  ): { neighbor: OspfNeighbor; entries: LsaEntry[] } | string {
    const n = this.neighbors.get(routerId);
    if (!n) return "LS Request from an unknown neighbour";
    if (!(n.state === "Exchange" || n.state === "Loading" || n.state === "Full"))
      return `LS Request in state ${n.state}`;
    const entries: LsaEntry[] = [];
    for (const r of requests) {
      const entry = this.ctx.lookup(this, lsaKey(r.type, r.id, r.advertisingRouter));
      if (!entry) {
        this.startExStart(n, "BadLSReq");
        return "BadLSReq: requested LSA is not in the database";
      }
      entries.push(entry);
    }
    return { neighbor: n, entries };
  }

  describe(): string {
    return `${this.name} ${this.state} DR ${dotted(this.designatedRouter)} BDR ${dotted(this.backupDesignatedRouter)}`;
  }
}

export { ALL_D_ROUTERS };
