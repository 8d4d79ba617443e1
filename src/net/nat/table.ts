/**
 * The translation table of a NAPT (RFC 3022 §2.2, RFC 4787): *mappings* from an inside endpoint
 * (address, port) to an outside one, and under each mapping the *sessions*, one per remote
 * endpoint it talks to. Mappings decide what a packet is rewritten to (RFC 4787 §4.1); sessions
 * decide which inbound packets may use a mapping (filtering, §5) and carry the timers (§4.3) and,
 * for TCP, the connection state (tcp-state.ts).
 *
 * The per-packet path allocates nothing: the indexes are two-level maps keyed by small integers
 * (the address as an int32, then protocol and port packed in 18 bits), which V8 stores unboxed
 * (a 50-bit key would be a heap number, one allocation per lookup). A mapping keeps its sessions
 * in an array, with an index once it has many. Ports are allocated without overloading
 * (RFC 4787 REQ-3): an outside (protocol, address, port) belongs to one mapping at a time.
 *
 * Expiry is lazy, as the switch's MAC table does (docs/ARCHITECTURE.md): an expired entry is
 * removed when a lookup meets it, a "clock hand" sweeps eight slots each time a session is
 * created (bounding the table to about twice the live flows), and a full sweep runs before the table refuses a new flow or is listed. So an idle NAT
 * keeps no timers in the scheduler, and the table never holds more than its limit.
 */
import type { Nanoseconds } from "../../sim/time.js";
import { IpProtocol } from "../../wire/ipv4.js";
import type { FilteringBehavior, MappingBehavior, NatTimeouts } from "./config.js";
import { isEstablished, NatTcpState, nextTcpState, refreshes } from "./tcp-state.js";

/**
 * Slots (entries) the clock hand visits per new entry. The index grows to stay at most half full
 * (it holds between a quarter and a half of its slots), so a whole turn takes at most half as
 * many insertions as there are entries, and the table holds at most about twice the live flows.
 */
const SWEEP_STEPS = 8;
/** Sessions a mapping scans linearly before it builds an index. */
const SESSION_SCAN = 8;

/** TCP 0, UDP 1, ICMP 2; -1 for protocols NAPT cannot translate. */
export function protocolIndex(protocol: number): number {
  if (protocol === IpProtocol.TCP) return 0;
  if (protocol === IpProtocol.UDP) return 1;
  if (protocol === IpProtocol.ICMP) return 2;
  return -1;
}

/** Protocol index and port in one small integer (the inner key of the endpoint indexes). */
function portKey(pi: number, port: number): number {
  return (pi << 16) | port;
}

/**
 * An index from (address, small key) to a value: open addressing with linear probing over an
 * Int32Array of key pairs, so a lookup touches one or two cache lines and allocates nothing (a
 * 50-bit key in a JS Map would be a heap number per lookup; nested Maps cost a miss per level).
 * Deletion shifts the following entries back (Knuth's Algorithm R), so there are no tombstones.
 */
export class EndpointIndex<V> {
  /** Per slot: the address (int32) and key + 1 (0 marks an empty slot). */
  private keys = new Int32Array(32);
  private values: (V | undefined)[] = new Array(16);
  private mask = 15;
  size = 0;

  /** Slots in the table (for a sweep that walks them: see {@link valueAt}). */
  get slots(): number {
    return this.mask + 1;
  }

  /** The value in `slot`, if the slot is used. */
  valueAt(slot: number): V | undefined {
    return this.keys[slot * 2 + 1] === 0 ? undefined : this.values[slot];
  }

  get(address: number, key: number): V | undefined {
    const keys = this.keys;
    const a = address | 0;
    const k = key + 1;
    let i = slotOf(a, k) & this.mask;
    for (;;) {
      const stored = keys[i * 2 + 1];
      if (stored === 0) return undefined;
      if (stored === k && keys[i * 2] === a) return this.values[i];
      i = (i + 1) & this.mask;
    }
  }

  set(address: number, key: number, value: V): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const keys = this.keys;
    const a = address | 0;
    const k = key + 1;
    let i = slotOf(a, k) & this.mask;
    for (;;) {
      const stored = keys[i * 2 + 1];
      if (stored === 0) {
        keys[i * 2] = a;
        keys[i * 2 + 1] = k;
        this.values[i] = value;
        this.size++;
        return;
      }
      if (stored === k && keys[i * 2] === a) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(address: number, key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    const a = address | 0;
    const k = key + 1;
    let i = slotOf(a, k) & mask;
    for (;;) {
      const stored = keys[i * 2 + 1];
      if (stored === 0) return false;
      if (stored === k && keys[i * 2] === a) break;
      i = (i + 1) & mask;
    }
    // Shift back every entry after the hole that would no longer be found past it.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const stored = keys[j * 2 + 1];
      if (stored === 0) break;
      const home = slotOf(keys[j * 2], stored) & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      keys[i * 2] = keys[j * 2];
      keys[i * 2 + 1] = stored;
      this.values[i] = this.values[j];
      i = j;
    }
    keys[i * 2] = 0;
    keys[i * 2 + 1] = 0;
    this.values[i] = undefined;
    this.size--;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<V> {
    for (let slot = 0; slot <= this.mask; slot++) {
      if (this.keys[slot * 2 + 1] !== 0) yield this.values[slot]!;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const capacity = (this.mask + 1) * 2;
    this.keys = new Int32Array(capacity * 2);
    this.values = new Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let slot = 0; slot < oldValues.length; slot++) {
      const stored = oldKeys[slot * 2 + 1];
      if (stored !== 0) this.set(oldKeys[slot * 2], stored - 1, oldValues[slot]!);
    }
  }
}

/** Where a key pair starts probing: a murmur3-style mix of both words. */
function slotOf(address: number, key: number): number {
  let h = Math.imul(address ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ key ^ (h >>> 15), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const NO_SESSIONS: readonly NatSession[] = Object.freeze([]);

/** One inside endpoint's translation. */
export class NatMapping {
  /**
   * Its one session, while it has exactly one (most mappings: a flow to one remote endpoint). No
   * array is made for it: an array and its backing store were two of the allocations every new
   * flow cost, and all of a busy table's allocations are the garbage collector's work.
   */
  private only: NatSession | undefined;
  /** Its sessions once it has had more than one, in no order. */
  private list: NatSession[] | undefined;
  /** When it has many sessions: remote address → remote port → session. */
  private index: EndpointIndex<NatSession> | undefined;
  /** The session found last (most packets belong to the same conversation as the one before). */
  private recent: NatSession | undefined;
  /**
   * When the last of its sessions expires (Infinity for static mappings). With one session, it is
   * that session's expiry: the table keeps the two equal (createSession, use, recomputeExpiry).
   * Declared with a number (see NatSession.lastUsed for why).
   */
  expires: Nanoseconds = 0;
  /** How many sessions it has. */
  sessionCount = 0;

  constructor(
    readonly protocol: number,
    readonly internalAddress: number,
    readonly internalPort: number,
    readonly externalAddress: number,
    readonly externalPort: number,
    readonly isStatic: boolean,
    /** For address(-and-port)-dependent mapping: the remote it was made for ("" otherwise). */
    readonly dependentKey: string,
    readonly created: Nanoseconds,
  ) {
    this.expires = isStatic ? Number.POSITIVE_INFINITY : created;
  }

  /** Its sessions, one per remote endpoint (ICMP sessions use port 0), in no order. */
  get sessions(): readonly NatSession[] {
    if (this.list !== undefined) return this.list;
    return this.only !== undefined ? [this.only] : NO_SESSIONS;
  }

  /** The session with `remote`:`remotePort`, expired or not. */
  session(remote: number, remotePort: number): NatSession | undefined {
    const recent = this.recent;
    if (recent !== undefined && recent.remoteAddress === remote && recent.remotePort === remotePort)
      return recent;
    const found = this.index ? this.index.get(remote, remotePort) : this.scan(remote, remotePort);
    if (found !== undefined) this.recent = found;
    return found;
  }

  private scan(remote: number, remotePort: number): NatSession | undefined {
    const only = this.only;
    if (only !== undefined)
      return only.remoteAddress === remote && only.remotePort === remotePort ? only : undefined;
    const sessions = this.list;
    if (sessions === undefined) return undefined;
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i];
      if (s.remoteAddress === remote && s.remotePort === remotePort) return s;
    }
    return undefined;
  }

  /** @internal */
  addSession(session: NatSession): void {
    this.recent = session;
    if (this.list === undefined && this.only === undefined) {
      session.slot = 0;
      this.only = session;
      this.sessionCount = 1;
      return;
    }
    if (this.list === undefined) {
      this.list = [this.only!];
      this.only = undefined;
    }
    const list = this.list;
    session.slot = list.length;
    list.push(session);
    this.sessionCount = list.length;
    if (this.index) this.index.set(session.remoteAddress, session.remotePort, session);
    else if (list.length > SESSION_SCAN) {
      this.index = new EndpointIndex();
      for (const s of list) this.index.set(s.remoteAddress, s.remotePort, s);
    }
  }

  /** @internal Removes a session (the last one takes its slot). */
  removeSession(session: NatSession): boolean {
    if (this.only !== undefined) {
      if (this.only !== session) return false;
      this.only = undefined;
      this.sessionCount = 0;
      if (this.recent === session) this.recent = undefined;
      return true;
    }
    const sessions = this.list;
    const slot = session.slot;
    if (sessions === undefined || sessions[slot] !== session) return false;
    const last = sessions.pop()!;
    if (last !== session) {
      sessions[slot] = last;
      last.slot = slot;
    }
    this.sessionCount = sessions.length;
    this.index?.delete(session.remoteAddress, session.remotePort);
    if (this.recent === session) this.recent = undefined;
    return true;
  }

  /** @internal */
  clearSessions(): void {
    this.only = undefined;
    this.list = undefined;
    this.sessionCount = 0;
    this.index = undefined;
    this.recent = undefined;
  }
}

/** One conversation of a mapping with one remote endpoint. */
export class NatSession {
  state: NatTcpState = NatTcpState.Closed;
  /** @internal Its place in the mapping's array. */
  slot = 0;
  expires: Nanoseconds = 0;
  /**
   * Declared with a number, not left for the constructor: an ES2022 class field without an
   * initializer starts as `undefined`, V8 then keeps the field "tagged" and every store of a time
   * (a double) allocates a new heap number — two or three per translated packet, which is what the
   * garbage collector of `nat-translate` was collecting. Starting from 0 the field becomes a
   * double field, written in place.
   */
  lastUsed: Nanoseconds = 0;
  packetsOut = 0;
  packetsIn = 0;

  constructor(
    readonly mapping: NatMapping,
    readonly remoteAddress: number,
    readonly remotePort: number,
    readonly created: Nanoseconds,
  ) {
    this.lastUsed = created;
  }
}

/** Why a new flow got no translation. */
export type Refusal = "table-full" | "no-free-port";

export interface NatTableOptions {
  mapping: MappingBehavior;
  filtering: FilteringBehavior;
  /** The range new outside ports come from; undefined: the inside port's class (RFC 4787 REQ-3a). */
  ports?: { min: number; max: number };
  maxSessions: number;
  timeouts: NatTimeouts;
  inboundRefresh: boolean;
  /** A random integer in [0, n): where the search for a free port starts. */
  randomInt(n: number): number;
  /** Told about every mapping that goes (expired or cleared). */
  onMappingRemoved?(mapping: NatMapping, reason: "expired" | "cleared"): void;
}

export class NatTable {
  /** Live sessions (dynamic and on static mappings). */
  sessionCount = 0;
  /** Statistics (RFC 7659's NAT-MIB has the same kinds of counters). */
  readonly stats = {
    mappingsCreated: 0,
    sessionsCreated: 0,
    sessionsExpired: 0,
    refusedTableFull: 0,
    refusedNoPort: 0,
    peakSessions: 0,
    peakTime: 0,
  };
  /** Outside endpoint → mapping: every mapping, static ones included. */
  private readonly inbound = new EndpointIndex<NatMapping>();
  /** Inside endpoint → mapping (endpoint-independent mapping and static mappings). */
  private readonly outbound = new EndpointIndex<NatMapping>();
  /** Inside endpoint and remote → mapping (address(-and-port)-dependent mapping, rarely used). */
  private readonly dependent = new Map<string, NatMapping>();
  /** RFC 4787 REQ-2 "paired" pooling: each inside address keeps one outside address. */
  private readonly pairing = new Map<number, { address: number; mappings: number }>();
  /** The sweep's position in the inbound index. */
  private hand = 0;

  constructor(readonly options: NatTableOptions) {}

  get mappingCount(): number {
    return this.inbound.size;
  }

  /** The outside address an inside address is paired with, while it has mappings. */
  pairedAddress(internal: number): number | undefined {
    return this.pairing.get(internal | 0)?.address;
  }

  /** Inside addresses paired with each outside address (for `show ip nat statistics`). */
  pairedCount(external: number): number {
    let count = 0;
    for (const pair of this.pairing.values()) if (pair.address === external) count++;
    return count;
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups (the per-packet path)

  /**
   * The mapping an outbound packet from `address`:`port` toward `remote`:`remotePort` uses, or
   * undefined (expired ones are removed on the way).
   */
  findOutbound(
    pi: number,
    address: number,
    port: number,
    remote: number,
    remotePort: number,
    now: Nanoseconds,
  ): NatMapping | undefined {
    let mapping = this.outbound.get(address, portKey(pi, port));
    if (mapping === undefined && this.options.mapping !== "endpoint-independent") {
      mapping = this.dependent.get(this.dependentKeyOf(pi, address, port, remote, remotePort));
    }
    if (mapping !== undefined && mapping.expires <= now) {
      this.expire(mapping, now);
      if (mapping.sessionCount === 0 && !mapping.isStatic) return undefined;
    }
    return mapping;
  }

  /** The mapping that owns outside `address`:`port`, or undefined. */
  findInbound(pi: number, address: number, port: number, now: Nanoseconds): NatMapping | undefined {
    const mapping = this.inbound.get(address, portKey(pi, port));
    if (mapping !== undefined && mapping.expires <= now) {
      this.expire(mapping, now);
      if (mapping.sessionCount === 0 && !mapping.isStatic) return undefined;
    }
    return mapping;
  }

  /** The live session of `mapping` with `remote`:`remotePort`, or undefined. */
  findSession(
    mapping: NatMapping,
    remote: number,
    remotePort: number,
    now: Nanoseconds,
  ): NatSession | undefined {
    const session = mapping.session(remote, remotePort);
    if (session !== undefined && session.expires <= now) {
      this.removeSession(session, "expired");
      return undefined;
    }
    return session;
  }

  /**
   * RFC 4787 §5 / RFC 5382 REQ-3: may a packet from `remote`:`remotePort` without a session of
   * its own use `mapping`? (Static mappings, port forwards, accept everyone.)
   */
  admits(mapping: NatMapping, remote: number, now: Nanoseconds): boolean {
    if (mapping.isStatic) return true;
    switch (this.options.filtering) {
      case "endpoint-independent":
        return true;
      case "address-dependent":
        for (const session of mapping.sessions) {
          if (session.remoteAddress === remote && session.expires > now) return true;
        }
        return false;
      default:
        return false; // only the exact session, which the caller already looked for
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Creating

  /**
   * A new mapping for inside `address`:`port` on outside address `external`, for a flow toward
   * `remote`:`remotePort`. The outside port is the inside one when free (port preservation),
   * otherwise a free one of the same parity (RFC 4787 REQ-4) in the allowed range.
   */
  createMapping(
    protocol: number,
    pi: number,
    address: number,
    port: number,
    remote: number,
    remotePort: number,
    external: number,
    now: Nanoseconds,
  ): NatMapping | Refusal {
    if (!this.makeRoom(now)) return "table-full";
    const externalPort = this.allocatePort(pi, external, port, protocol === IpProtocol.ICMP);
    if (externalPort < 0) {
      this.stats.refusedNoPort++;
      return "no-free-port";
    }
    const eim = this.options.mapping === "endpoint-independent";
    const dependentKey = eim ? "" : this.dependentKeyOf(pi, address, port, remote, remotePort);
    const mapping = new NatMapping(protocol, address, port, external, externalPort, false, dependentKey, now);
    this.index(mapping, pi);
    this.stats.mappingsCreated++;
    return mapping;
  }

  /** A static mapping (port forward). Throws when the outside port is taken. */
  addStatic(
    protocol: number,
    internal: number,
    internalPort: number,
    external: number,
    externalPort: number,
    now: Nanoseconds,
  ): NatMapping {
    const pi = protocolIndex(protocol);
    if (this.inbound.get(external, portKey(pi, externalPort)) !== undefined) {
      throw new RangeError(`outside port ${externalPort} is already mapped`);
    }
    const mapping = new NatMapping(protocol, internal, internalPort, external, externalPort, true, "", now);
    this.index(mapping, pi);
    return mapping;
  }

  /** A new session of `mapping` with `remote`:`remotePort`, unless the table is full. */
  createSession(
    mapping: NatMapping,
    remote: number,
    remotePort: number,
    now: Nanoseconds,
  ): NatSession | "table-full" {
    if (!this.makeRoom(now)) return "table-full";
    const session = new NatSession(mapping, remote, remotePort, now);
    session.expires = now + this.idleTimeout(mapping.protocol, NatTcpState.Closed);
    mapping.addSession(session);
    if (session.expires > mapping.expires) mapping.expires = session.expires;
    this.sessionCount++;
    this.stats.sessionsCreated++;
    if (this.sessionCount > this.stats.peakSessions) {
      this.stats.peakSessions = this.sessionCount;
      this.stats.peakTime = now;
    }
    this.sweep(now, SWEEP_STEPS);
    return session;
  }

  /**
   * A packet of `session` went out (`outbound`) or came in: count it, follow TCP's state from the
   * flags, and refresh the timer (RFC 4787 REQ-6: outbound always; inbound when configured).
   */
  use(session: NatSession, outbound: boolean, tcpFlags: number, now: Nanoseconds): void {
    const mapping = session.mapping;
    if (outbound) session.packetsOut++;
    else session.packetsIn++;
    session.lastUsed = now;
    let refresh = outbound || this.options.inboundRefresh;
    if (mapping.protocol === IpProtocol.TCP) {
      const before = session.state;
      const after = nextTcpState(before, tcpFlags, outbound);
      session.state = after;
      refresh = after !== before || (refresh && refreshes(after));
      if (!refresh) return;
      const expires = now + this.idleTimeout(IpProtocol.TCP, after);
      const shorter = expires < session.expires;
      session.expires = expires;
      if (shorter) this.recomputeExpiry(mapping);
      else if (expires > mapping.expires && !mapping.isStatic) mapping.expires = expires;
      return;
    }
    if (!refresh) return;
    session.expires = now + this.idleTimeout(mapping.protocol, NatTcpState.Closed);
    if (session.expires > mapping.expires && !mapping.isStatic) mapping.expires = session.expires;
  }

  /** How long a session of `protocol` in TCP `state` lives when idle. */
  idleTimeout(protocol: number, state: NatTcpState): Nanoseconds {
    const t = this.options.timeouts;
    if (protocol === IpProtocol.UDP) return t.udp;
    if (protocol === IpProtocol.ICMP) return t.icmp;
    return isEstablished(state) ? t.tcpEstablished : t.tcpTransitory;
  }

  // ---------------------------------------------------------------------------------------------
  // Listing and expiry

  /** Every live mapping, after removing what has expired. */
  mappings(now: Nanoseconds): NatMapping[] {
    this.sweepAll(now);
    return [...this.inbound];
  }

  /** Removes every dynamic mapping (`clear ip nat translation *`). */
  clear(): void {
    for (const mapping of [...this.inbound]) {
      if (mapping.isStatic) {
        this.sessionCount -= mapping.sessionCount;
        mapping.clearSessions();
      } else this.removeMapping(mapping, "cleared");
    }
  }

  /** Expires whatever is due, everywhere. */
  sweepAll(now: Nanoseconds): void {
    for (const mapping of [...this.inbound]) this.expire(mapping, now);
  }

  /** Advances the clock hand over `steps` slots of the table, expiring what is due. */
  private sweep(now: Nanoseconds, steps: number): void {
    const inbound = this.inbound;
    for (let i = 0; i < steps; i++) {
      this.hand = (this.hand + 1) % inbound.slots;
      const mapping = inbound.valueAt(this.hand);
      if (mapping !== undefined) this.expire(mapping, now);
    }
  }

  /** Removes the expired sessions of `mapping`, and the mapping itself when none is left. */
  private expire(mapping: NatMapping, now: Nanoseconds): void {
    if (!mapping.isStatic && mapping.expires <= now) {
      this.removeMapping(mapping, "expired");
      return;
    }
    // A dynamic mapping's only session expires when the mapping does, so it is alive too. Not
    // loading the session (nor the array holding it) keeps the clock hand's sweep to one memory
    // access per mapping it passes: the sweep ran three cache misses per mapping, and it runs
    // on every new flow (the `nat-new-flows` profile had it at a third of the time).
    if (mapping.sessionCount <= 1 && !mapping.isStatic) return;
    let removed = false;
    const sessions = mapping.sessions;
    for (let i = sessions.length - 1; i >= 0; i--) {
      const session = sessions[i];
      if (session.expires <= now) {
        mapping.removeSession(session);
        this.sessionCount--;
        this.stats.sessionsExpired++;
        removed = true;
      }
    }
    if (removed && mapping.sessionCount === 0 && !mapping.isStatic) this.removeMapping(mapping, "expired");
    else if (removed) this.recomputeExpiry(mapping);
  }

  /** Before creating: room for one more session? A full table is swept once before refusing. */
  private makeRoom(now: Nanoseconds): boolean {
    if (this.sessionCount < this.options.maxSessions) return true;
    this.sweepAll(now);
    if (this.sessionCount < this.options.maxSessions) return true;
    this.stats.refusedTableFull++;
    return false;
  }

  private removeSession(session: NatSession, reason: "expired" | "cleared"): void {
    const mapping = session.mapping;
    if (!mapping.removeSession(session)) return;
    this.sessionCount--;
    if (reason === "expired") this.stats.sessionsExpired++;
    if (mapping.sessionCount === 0 && !mapping.isStatic) this.removeMapping(mapping, reason);
    else this.recomputeExpiry(mapping);
  }

  private recomputeExpiry(mapping: NatMapping): void {
    if (mapping.isStatic) return;
    let latest = mapping.created;
    for (const session of mapping.sessions) if (session.expires > latest) latest = session.expires;
    mapping.expires = latest;
  }

  private removeMapping(mapping: NatMapping, reason: "expired" | "cleared"): void {
    const pi = protocolIndex(mapping.protocol);
    const outsideKey = portKey(pi, mapping.externalPort);
    if (this.inbound.get(mapping.externalAddress, outsideKey) !== mapping) return;
    this.inbound.delete(mapping.externalAddress, outsideKey);
    const insideKey = portKey(pi, mapping.internalPort);
    if (mapping.dependentKey === "") {
      if (this.outbound.get(mapping.internalAddress, insideKey) === mapping) {
        this.outbound.delete(mapping.internalAddress, insideKey);
      }
    } else if (this.dependent.get(mapping.dependentKey) === mapping)
      this.dependent.delete(mapping.dependentKey);
    const pair = this.pairing.get(mapping.internalAddress | 0);
    if (pair && pair.address === mapping.externalAddress && --pair.mappings === 0) {
      this.pairing.delete(mapping.internalAddress | 0);
    }
    if (reason === "expired") this.stats.sessionsExpired += mapping.sessionCount;
    this.sessionCount -= mapping.sessionCount;
    mapping.clearSessions();
    this.options.onMappingRemoved?.(mapping, reason);
  }

  private index(mapping: NatMapping, pi: number): void {
    this.inbound.set(mapping.externalAddress, portKey(pi, mapping.externalPort), mapping);
    if (mapping.dependentKey === "") {
      this.outbound.set(mapping.internalAddress, portKey(pi, mapping.internalPort), mapping);
    } else this.dependent.set(mapping.dependentKey, mapping);
    const pair = this.pairing.get(mapping.internalAddress | 0);
    if (pair === undefined) {
      this.pairing.set(mapping.internalAddress | 0, { address: mapping.externalAddress, mappings: 1 });
    } else if (pair.address === mapping.externalAddress) pair.mappings++;
  }

  /** The dependent-mapping key: the inside endpoint and the remote address (and port, for APDM). */
  private dependentKeyOf(
    pi: number,
    address: number,
    port: number,
    remote: number,
    remotePort: number,
  ): string {
    const remoteText = this.options.mapping === "address-dependent" ? `${remote}` : `${remote}:${remotePort}`;
    return `${pi}:${address}:${port}>${remoteText}`;
  }

  /**
   * RFC 4787 §4.2.1 port preservation, REQ-3 (no overloading; stay in the port's range class) and
   * REQ-4 (parity): the inside port itself if it is free and allowed, else a free port of the same
   * parity from a random starting point, else any free port. -1 when none is left.
   */
  private allocatePort(pi: number, external: number, port: number, identifier: boolean): number {
    let min: number;
    let max: number;
    if (identifier) {
      // ICMP identifiers are not ports: any value will do.
      min = 0;
      max = 65535;
    } else if (this.options.ports) {
      ({ min, max } = this.options.ports);
    } else if (port < 1024) {
      min = 1;
      max = 1023;
    } else {
      min = 1024;
      max = 65535;
    }
    const count = max - min + 1;
    const inbound = this.inbound;
    const taken = (candidate: number) => inbound.get(external, portKey(pi, candidate)) !== undefined;
    if (port >= min && port <= max && !taken(port)) return port;
    const start = this.options.randomInt(count);
    // First pass: the same parity as the inside port (RFC 4787 REQ-4).
    for (let i = 0; i < count; i++) {
      const candidate = min + ((start + i) % count);
      if ((candidate & 1) === (port & 1) && !taken(candidate)) return candidate;
    }
    for (let i = 0; i < count; i++) {
      const candidate = min + ((start + i) % count);
      if (!taken(candidate)) return candidate;
    }
    return -1;
  }
}
