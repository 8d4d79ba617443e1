/**
 * The translation table of a NAPT (RFC 3022 §2.2, RFC 4787): *mappings* from an inside endpoint
 * (address, port) to an outside one, and under each mapping the *sessions*, one per remote
 * endpoint it talks to. Mappings decide what a packet is rewritten to (RFC 4787 §4.1); sessions
 * decide which inbound packets may use a mapping (filtering, §5) and carry the timers (§4.3) and,
 * for TCP, the connection state (tcp-state.ts).
 *
 * Everything is indexed by numbers so the per-packet path allocates nothing: an endpoint key packs
 * protocol, address and port into one double (50 bits). Ports are allocated without overloading
 * (RFC 4787 REQ-3): an outside (protocol, address, port) belongs to one mapping at a time.
 *
 * Expiry is lazy, as the switch's MAC table does (docs/ARCHITECTURE.md): an expired entry is
 * removed when a lookup meets it, a "clock hand" sweeps two mappings each time a session is
 * created, and a full sweep runs before the table refuses a new flow or is listed. So an idle NAT
 * keeps no timers in the scheduler, and the table never holds more than its limit.
 */
import type { Nanoseconds } from "../../sim/time.js";
import { IpProtocol } from "../../wire/ipv4.js";
import type { FilteringBehavior, MappingBehavior, NatTimeouts } from "./config.js";
import { isEstablished, NatTcpState, nextTcpState, refreshes } from "./tcp-state.js";

const PORTS = 65536;
const ADDRESSES = 2 ** 32;

/** TCP 0, UDP 1, ICMP 2; -1 for protocols NAPT cannot translate. */
export function protocolIndex(protocol: number): number {
  if (protocol === IpProtocol.TCP) return 0;
  if (protocol === IpProtocol.UDP) return 1;
  if (protocol === IpProtocol.ICMP) return 2;
  return -1;
}

/** (protocol index, address, port) packed into one exact double. */
function endpointKey(pi: number, address: number, port: number): number {
  return (pi * ADDRESSES + address) * PORTS + port;
}

function remoteKey(address: number, port: number): number {
  return address * PORTS + port;
}

/** One inside endpoint's translation. */
export class NatMapping {
  /** Sessions by remote endpoint (address × 65536 + port; ICMP sessions use port 0). */
  readonly sessions = new Map<number, NatSession>();
  /** When the last of its sessions expires (Infinity for static mappings). */
  expires: Nanoseconds;

  constructor(
    readonly protocol: number,
    readonly internalAddress: number,
    readonly internalPort: number,
    readonly externalAddress: number,
    readonly externalPort: number,
    readonly isStatic: boolean,
    /** For address(-and-port)-dependent mapping: the remote it was made for; -1 otherwise. */
    readonly dependentKey: number,
    readonly created: Nanoseconds,
  ) {
    this.expires = isStatic ? Number.POSITIVE_INFINITY : created;
  }
}

/** One conversation of a mapping with one remote endpoint. */
export class NatSession {
  state: NatTcpState = NatTcpState.Closed;
  expires: Nanoseconds = 0;
  lastUsed: Nanoseconds;
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
  private readonly inbound = new Map<number, NatMapping>();
  /** Inside endpoint → mapping (endpoint-independent mapping and static mappings). */
  private readonly outbound = new Map<number, NatMapping>();
  /** Inside endpoint → remote → mapping (address(-and-port)-dependent mapping). */
  private readonly dependent = new Map<number, Map<number, NatMapping>>();
  /** Outside ports in use per (protocol, outside address), to fail fast when all are taken. */
  private readonly portsInUse = new Map<number, number>();
  /** RFC 4787 REQ-2 "paired" pooling: each inside address keeps one outside address. */
  private readonly pairing = new Map<number, { address: number; mappings: number }>();
  private hand: Iterator<NatMapping> | undefined;

  constructor(readonly options: NatTableOptions) {}

  get mappingCount(): number {
    return this.inbound.size;
  }

  /** The outside address an inside address is paired with, while it has mappings. */
  pairedAddress(internal: number): number | undefined {
    return this.pairing.get(internal)?.address;
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
    const key = endpointKey(pi, address, port);
    let mapping = this.outbound.get(key);
    if (mapping === undefined && this.options.mapping !== "endpoint-independent") {
      mapping = this.dependent.get(key)?.get(this.dependentKeyOf(remote, remotePort));
    }
    if (mapping !== undefined && mapping.expires <= now) {
      this.expire(mapping, now);
      if (mapping.sessions.size === 0 && !mapping.isStatic) return undefined;
    }
    return mapping;
  }

  /** The mapping that owns outside `address`:`port`, or undefined. */
  findInbound(pi: number, address: number, port: number, now: Nanoseconds): NatMapping | undefined {
    const mapping = this.inbound.get(endpointKey(pi, address, port));
    if (mapping !== undefined && mapping.expires <= now) {
      this.expire(mapping, now);
      if (mapping.sessions.size === 0 && !mapping.isStatic) return undefined;
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
    const session = mapping.sessions.get(remoteKey(remote, remotePort));
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
        for (const session of mapping.sessions.values()) {
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
    const dependentKey = eim ? -1 : this.dependentKeyOf(remote, remotePort);
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
    if (this.inbound.has(endpointKey(pi, external, externalPort))) {
      throw new RangeError(`outside port ${externalPort} is already mapped`);
    }
    const mapping = new NatMapping(protocol, internal, internalPort, external, externalPort, true, -1, now);
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
    mapping.sessions.set(remoteKey(remote, remotePort), session);
    if (session.expires > mapping.expires) mapping.expires = session.expires;
    this.sessionCount++;
    this.stats.sessionsCreated++;
    if (this.sessionCount > this.stats.peakSessions) {
      this.stats.peakSessions = this.sessionCount;
      this.stats.peakTime = now;
    }
    this.sweep(now, 2);
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
    return [...this.inbound.values()];
  }

  /** Removes every dynamic mapping (`clear ip nat translation *`). */
  clear(): void {
    for (const mapping of [...this.inbound.values()]) {
      if (mapping.isStatic) {
        this.sessionCount -= mapping.sessions.size;
        mapping.sessions.clear();
      } else this.removeMapping(mapping, "cleared");
    }
  }

  /** Expires whatever is due, everywhere. */
  sweepAll(now: Nanoseconds): void {
    for (const mapping of [...this.inbound.values()]) this.expire(mapping, now);
  }

  /** Advances the clock hand over `steps` mappings, expiring what is due. */
  private sweep(now: Nanoseconds, steps: number): void {
    for (let i = 0; i < steps; i++) {
      let next = this.hand?.next();
      if (next === undefined || next.done) {
        this.hand = this.inbound.values();
        next = this.hand.next();
        if (next.done) return;
      }
      this.expire(next.value, now);
    }
  }

  /** Removes the expired sessions of `mapping`, and the mapping itself when none is left. */
  private expire(mapping: NatMapping, now: Nanoseconds): void {
    if (!mapping.isStatic && mapping.expires <= now) {
      this.removeMapping(mapping, "expired");
      return;
    }
    let removed = false;
    for (const session of mapping.sessions.values()) {
      if (session.expires <= now) {
        mapping.sessions.delete(remoteKey(session.remoteAddress, session.remotePort));
        this.sessionCount--;
        this.stats.sessionsExpired++;
        removed = true;
      }
    }
    if (removed && mapping.sessions.size === 0 && !mapping.isStatic) this.removeMapping(mapping, "expired");
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
    if (!mapping.sessions.delete(remoteKey(session.remoteAddress, session.remotePort))) return;
    this.sessionCount--;
    if (reason === "expired") this.stats.sessionsExpired++;
    if (mapping.sessions.size === 0 && !mapping.isStatic) this.removeMapping(mapping, reason);
    else this.recomputeExpiry(mapping);
  }

  private recomputeExpiry(mapping: NatMapping): void {
    if (mapping.isStatic) return;
    let latest = mapping.created;
    for (const session of mapping.sessions.values()) if (session.expires > latest) latest = session.expires;
    mapping.expires = latest;
  }

  private removeMapping(mapping: NatMapping, reason: "expired" | "cleared"): void {
    const pi = protocolIndex(mapping.protocol);
    if (this.inbound.get(endpointKey(pi, mapping.externalAddress, mapping.externalPort)) !== mapping) return;
    this.inbound.delete(endpointKey(pi, mapping.externalAddress, mapping.externalPort));
    const inside = endpointKey(pi, mapping.internalAddress, mapping.internalPort);
    if (mapping.dependentKey < 0) {
      if (this.outbound.get(inside) === mapping) this.outbound.delete(inside);
    } else {
      const byRemote = this.dependent.get(inside);
      if (byRemote?.get(mapping.dependentKey) === mapping) {
        byRemote.delete(mapping.dependentKey);
        if (byRemote.size === 0) this.dependent.delete(inside);
      }
    }
    const usedKey = pi * ADDRESSES + mapping.externalAddress;
    const used = (this.portsInUse.get(usedKey) ?? 1) - 1;
    if (used === 0) this.portsInUse.delete(usedKey);
    else this.portsInUse.set(usedKey, used);
    const pair = this.pairing.get(mapping.internalAddress);
    if (pair && pair.address === mapping.externalAddress && --pair.mappings === 0) {
      this.pairing.delete(mapping.internalAddress);
    }
    if (reason === "expired") this.stats.sessionsExpired += mapping.sessions.size;
    this.sessionCount -= mapping.sessions.size;
    mapping.sessions.clear();
    this.options.onMappingRemoved?.(mapping, reason);
  }

  private index(mapping: NatMapping, pi: number): void {
    this.inbound.set(endpointKey(pi, mapping.externalAddress, mapping.externalPort), mapping);
    const inside = endpointKey(pi, mapping.internalAddress, mapping.internalPort);
    if (mapping.dependentKey < 0) this.outbound.set(inside, mapping);
    else {
      let byRemote = this.dependent.get(inside);
      if (!byRemote) {
        byRemote = new Map();
        this.dependent.set(inside, byRemote);
      }
      byRemote.set(mapping.dependentKey, mapping);
    }
    const usedKey = pi * ADDRESSES + mapping.externalAddress;
    this.portsInUse.set(usedKey, (this.portsInUse.get(usedKey) ?? 0) + 1);
    const pair = this.pairing.get(mapping.internalAddress);
    if (pair === undefined) {
      this.pairing.set(mapping.internalAddress, { address: mapping.externalAddress, mappings: 1 });
    } else if (pair.address === mapping.externalAddress) pair.mappings++;
  }

  private dependentKeyOf(remote: number, remotePort: number): number {
    return this.options.mapping === "address-dependent"
      ? remoteKey(remote, 0)
      : remoteKey(remote, remotePort);
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
    if ((this.portsInUse.get(pi * ADDRESSES + external) ?? 0) >= PORTS) return -1;
    const base = pi * ADDRESSES + external;
    const taken = (candidate: number) => this.inbound.has(base * PORTS + candidate);
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
