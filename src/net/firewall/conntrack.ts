/**
 * Connection tracking, as Linux's netfilter does it (nf_conntrack): every flow a node filters is
 * remembered by its 5-tuple in both directions, so a rule can ask in which *state* a packet is:
 *
 * - **NEW**: it starts a flow (or continues one that has seen no reply yet);
 * - **ESTABLISHED**: it belongs to a flow that has seen packets both ways;
 * - **RELATED**: an ICMP error about a tracked flow (port unreachable, time exceeded...);
 * - **INVALID**: it fits no flow and cannot start one: a TCP segment without SYN and no
 *   connection (Linux's strict `nf_conntrack_tcp_loose=0`), a SYN-ACK nobody asked for, an
 *   echo reply or ICMP error about nothing we know, a truncated header.
 *
 * TCP is followed from the flags (SYN_SENT → SYN_RECV → ESTABLISHED → FIN_WAIT → LAST_ACK →
 * TIME_WAIT, CLOSE after a RST), which sets how long an idle connection is kept: Linux's default
 * timeouts (nf_conntrack_tcp_timeout_*, udp 30 s unreplied and 120 s once replied, icmp 30 s,
 * other protocols 600 s). Entries are created only for packets the rules accept (netfilter
 * "confirms" a connection when its first packet leaves), the table is bounded (a NEW packet that
 * finds it full is dropped and counted, as Linux's "table full, dropping packet"), and expiry is
 * lazy like the NAT table's: no timers.
 */
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { Icmpv4Type } from "../../wire/icmpv4.js";
import { IpProtocol } from "../../wire/ipv4.js";
import { readUint16, readUint32 } from "../../wire/network-order.js";

export const ConnState = {
  New: 1,
  Established: 2,
  Related: 4,
  Invalid: 8,
} as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

export const CONN_STATE_NAMES: Record<string, ConnState> = {
  new: ConnState.New,
  established: ConnState.Established,
  related: ConnState.Related,
  invalid: ConnState.Invalid,
};

export function connStateName(state: ConnState): string {
  return Object.entries(CONN_STATE_NAMES)
    .find(([, value]) => value === state)![0]
    .toUpperCase();
}

/** TCP as conntrack follows it (net/netfilter/nf_conntrack_proto_tcp.c, simplified). */
export const TcpTrackState = {
  None: 0,
  SynSent: 1,
  SynRecv: 2,
  Established: 3,
  FinWait: 4,
  LastAck: 5,
  TimeWait: 6,
  Close: 7,
} as const;
export type TcpTrackState = (typeof TcpTrackState)[keyof typeof TcpTrackState];

export const TCP_TRACK_NAMES = [
  "NONE",
  "SYN_SENT",
  "SYN_RECV",
  "ESTABLISHED",
  "FIN_WAIT",
  "LAST_ACK",
  "TIME_WAIT",
  "CLOSE",
] as const;

/** Linux's default timeouts (sysctl net.netfilter.nf_conntrack_*_timeout*). */
export interface ConntrackTimeouts {
  tcp: Record<TcpTrackState, Nanoseconds>;
  udp: Nanoseconds;
  udpStream: Nanoseconds;
  icmp: Nanoseconds;
  generic: Nanoseconds;
}

export const DEFAULT_CONNTRACK_TIMEOUTS: ConntrackTimeouts = {
  tcp: {
    [TcpTrackState.None]: 10 * SECOND,
    [TcpTrackState.SynSent]: 120 * SECOND,
    [TcpTrackState.SynRecv]: 60 * SECOND,
    [TcpTrackState.Established]: 432_000 * SECOND,
    [TcpTrackState.FinWait]: 120 * SECOND,
    [TcpTrackState.LastAck]: 30 * SECOND,
    [TcpTrackState.TimeWait]: 120 * SECOND,
    [TcpTrackState.Close]: 10 * SECOND,
  },
  udp: 30 * SECOND,
  udpStream: 120 * SECOND,
  icmp: 30 * SECOND,
  generic: 600 * SECOND,
};

/** One tracked flow. "Original" is the direction of its first packet. */
export class Connection {
  tcpState: TcpTrackState = TcpTrackState.None;
  /** A packet went the reply way: the flow is ESTABLISHED. */
  replied = false;
  /** Which side sent the first FIN (true: the original sender). */
  finFromOriginal = false;
  expires: Nanoseconds = 0;
  packets = [0, 0];
  bytes = [0, 0];

  constructor(
    readonly protocol: number,
    readonly src: number,
    readonly srcPort: number,
    readonly dst: number,
    readonly dstPort: number,
    readonly created: Nanoseconds,
  ) {}
}

/** What tracking says about one packet. */
export interface Tracked {
  state: ConnState;
  /** The flow, when there is one (or it would be created on accept: see {@link Conntrack.confirm}). */
  connection: Connection | undefined;
  /** The packet goes the reply way. */
  reply: boolean;
}

/**
 * Slots (entries) the clock hand visits per new entry. The index grows to stay at most half full
 * (it holds between a quarter and a half of its slots), so a whole turn takes at most half as
 * many insertions as there are entries, and the table holds at most about twice the live flows.
 */
const SWEEP_STEPS = 8;
const PORTS = 65536;
const ADDRESSES = 2 ** 32;
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** The transport "ports" conntrack keys on: TCP/UDP ports; the echo identifier; 0 otherwise. */
function portsOf(frame: Uint8Array, t: number, end: number, protocol: number): [number, number] | undefined {
  if (protocol === IpProtocol.TCP || protocol === IpProtocol.UDP) {
    if (t + 4 > end) return undefined;
    return [readUint16(frame, t), readUint16(frame, t + 2)];
  }
  if (protocol === IpProtocol.ICMP) {
    if (t + 8 > end) return undefined;
    const id = readUint16(frame, t + 4);
    return [id, id];
  }
  return [0, 0];
}

function isQueryRequest(type: number): boolean {
  return type === Icmpv4Type.EchoRequest || type === Icmpv4Type.Timestamp;
}
function isQueryReply(type: number): boolean {
  return type === Icmpv4Type.EchoReply || type === Icmpv4Type.TimestampReply;
}
function isError(type: number): boolean {
  return (
    type === Icmpv4Type.DestinationUnreachable ||
    type === Icmpv4Type.TimeExceeded ||
    type === Icmpv4Type.ParameterProblem ||
    type === Icmpv4Type.SourceQuench ||
    type === Icmpv4Type.Redirect
  );
}

export class Conntrack {
  readonly stats = { created: 0, expired: 0, tableFull: 0, invalid: 0 };
  /** (protocol, src, sport) → (dst × 65536 + dport) → flow; each flow under both directions. */
  private readonly table = new Map<number, Map<number, Connection>>();
  private count = 0;
  private hand: Iterator<Map<number, Connection>> | undefined;
  /** The flow a NEW packet would create, kept between {@link track} and {@link confirm}. */
  private pending: { protocol: number; src: number; sport: number; dst: number; dport: number } | undefined;

  constructor(
    readonly maxConnections: number,
    readonly timeouts: ConntrackTimeouts = DEFAULT_CONNTRACK_TIMEOUTS,
  ) {}

  get size(): number {
    return this.count;
  }

  /**
   * The state of the datagram at `frame[offset]` (its flow's packet and byte counts and TCP state
   * are updated when it has one). A NEW packet's flow is created by {@link confirm}, once accepted.
   */
  track(frame: Uint8Array, offset: number, now: Nanoseconds): Tracked {
    this.pending = undefined;
    const total = readUint16(frame, offset + 2);
    const end = offset + total;
    const t = offset + ((frame[offset] & 0x0f) << 2);
    const protocol = frame[offset + 9];
    const src = readUint32(frame, offset + 12);
    const dst = readUint32(frame, offset + 16);
    const ports = portsOf(frame, t, end, protocol);
    if (ports === undefined) return this.invalid();
    if (protocol === IpProtocol.ICMP) {
      const type = frame[t];
      if (isError(type)) return this.related(frame, t, end, now);
      if (!isQueryRequest(type) && !isQueryReply(type))
        return { state: ConnState.New, connection: undefined, reply: false };
    }
    const found = this.lookup(protocol, src, ports[0], dst, ports[1], now);
    if (found === undefined) {
      if (protocol === IpProtocol.TCP && (frame[t + 13] & (SYN | ACK | RST)) !== SYN) return this.invalid();
      if (protocol === IpProtocol.ICMP && isQueryReply(frame[t])) return this.invalid();
      this.pending = { protocol, src, sport: ports[0], dst, dport: ports[1] };
      return { state: ConnState.New, connection: undefined, reply: false };
    }
    const [connection, reply] = found;
    if (protocol === IpProtocol.ICMP && isQueryRequest(frame[t]) === reply) return this.invalid();
    const direction = reply ? 1 : 0;
    connection.packets[direction]++;
    connection.bytes[direction] += total;
    if (protocol === IpProtocol.TCP) {
      const state = this.followTcp(connection, frame[t + 13], reply);
      if (state === undefined) return this.invalid();
    } else if (reply) connection.replied = true;
    connection.expires = now + this.timeoutOf(connection);
    const state = connection.replied ? ConnState.Established : ConnState.New;
    return { state, connection, reply };
  }

  /**
   * The packet last tracked as NEW was accepted: remember its flow (unless the table is full,
   * which drops it: returns false).
   */
  confirm(frame: Uint8Array, offset: number, now: Nanoseconds): boolean {
    const p = this.pending;
    this.pending = undefined;
    if (p === undefined) return true;
    if (this.count >= this.maxConnections) {
      this.sweepAll(now);
      if (this.count >= this.maxConnections) {
        this.stats.tableFull++;
        return false;
      }
    }
    const connection = new Connection(p.protocol, p.src, p.sport, p.dst, p.dport, now);
    const total = readUint16(frame, offset + 2);
    connection.packets[0] = 1;
    connection.bytes[0] = total;
    if (p.protocol === IpProtocol.TCP) connection.tcpState = TcpTrackState.SynSent;
    connection.expires = now + this.timeoutOf(connection);
    this.insert(connection, p.protocol, p.src, p.sport, p.dst, p.dport);
    this.insert(connection, p.protocol, p.dst, p.dport, p.src, p.sport);
    this.count++;
    this.stats.created++;
    this.sweep(now, SWEEP_STEPS);
    return true;
  }

  /** Every live flow (expired ones removed first), for `conntrack -L`. */
  connections(now: Nanoseconds): Connection[] {
    this.sweepAll(now);
    const seen = new Set<Connection>();
    for (const inner of this.table.values()) for (const c of inner.values()) seen.add(c);
    return [...seen];
  }

  /** `conntrack -F`. */
  flush(): void {
    this.table.clear();
    this.count = 0;
  }

  /** How long `connection` lives idle in its current state. */
  timeoutOf(connection: Connection): Nanoseconds {
    const t = this.timeouts;
    switch (connection.protocol) {
      case IpProtocol.TCP:
        return t.tcp[connection.tcpState];
      case IpProtocol.UDP:
        return connection.replied ? t.udpStream : t.udp;
      case IpProtocol.ICMP:
        return t.icmp;
      default:
        return t.generic;
    }
  }

  private invalid(): Tracked {
    this.stats.invalid++;
    return { state: ConnState.Invalid, connection: undefined, reply: false };
  }

  /** An ICMP error is RELATED when the datagram it quotes belongs to a tracked flow. */
  private related(frame: Uint8Array, t: number, end: number, now: Nanoseconds): Tracked {
    const inner = t + 8;
    if (inner + 20 > end || frame[inner] >>> 4 !== 4) return this.invalid();
    const headerLength = (frame[inner] & 0x0f) << 2;
    const protocol = frame[inner + 9];
    const ports = portsOf(frame, inner + headerLength, end, protocol);
    if (headerLength < 20 || ports === undefined) return this.invalid();
    const found = this.lookup(
      protocol,
      readUint32(frame, inner + 12),
      ports[0],
      readUint32(frame, inner + 16),
      ports[1],
      now,
    );
    if (found === undefined) return this.invalid();
    // The error travels against the quoted datagram: its reply way is the quoted one's original.
    return { state: ConnState.Related, connection: found[0], reply: !found[1] };
  }

  private lookup(
    protocol: number,
    src: number,
    sport: number,
    dst: number,
    dport: number,
    now: Nanoseconds,
  ): [Connection, boolean] | undefined {
    const connection = this.table.get((protocol * ADDRESSES + src) * PORTS + sport)?.get(dst * PORTS + dport);
    if (connection === undefined) return undefined;
    if (connection.expires <= now) {
      this.remove(connection);
      this.stats.expired++;
      return undefined;
    }
    const reply = !(
      connection.src === src &&
      connection.srcPort === sport &&
      connection.dst === dst &&
      connection.dstPort === dport
    );
    return [connection, reply];
  }

  /**
   * Follows TCP from the flags of a segment of `connection`; undefined when the segment makes no
   * sense for the state (INVALID). A new SYN after the connection closed starts it over (port
   * reuse).
   */
  private followTcp(connection: Connection, flags: number, reply: boolean): TcpTrackState | undefined {
    let state = connection.tcpState;
    if ((flags & RST) !== 0) {
      connection.tcpState = TcpTrackState.Close;
      return TcpTrackState.Close;
    }
    const syn = (flags & SYN) !== 0;
    const ack = (flags & ACK) !== 0;
    switch (state) {
      case TcpTrackState.SynSent:
        if (reply && syn && ack) {
          state = TcpTrackState.SynRecv;
          connection.replied = true;
        } else if (reply && syn) {
          state = TcpTrackState.SynRecv; // simultaneous open
          connection.replied = true;
        } else if (!(!reply && syn)) return undefined; // only SYN retransmissions may follow
        break;
      case TcpTrackState.SynRecv:
        // The handshake's last ACK; retransmitted SYNs and SYN-ACKs change nothing.
        if (!reply && ack && !syn) state = TcpTrackState.Established;
        break;
      case TcpTrackState.Established:
        // A retransmitted SYN-ACK (our ACK was lost) is fine; any other SYN is not.
        if (syn && !(reply && ack)) return undefined;
        if ((flags & FIN) !== 0) {
          state = TcpTrackState.FinWait;
          connection.finFromOriginal = !reply;
        }
        break;
      case TcpTrackState.FinWait:
        if ((flags & FIN) !== 0 && reply === connection.finFromOriginal) state = TcpTrackState.LastAck;
        break;
      case TcpTrackState.LastAck:
        if (ack && reply !== connection.finFromOriginal) state = TcpTrackState.TimeWait;
        break;
      case TcpTrackState.TimeWait:
      case TcpTrackState.Close:
        if (syn && !ack && !reply) {
          state = TcpTrackState.SynSent;
          connection.replied = false;
        }
        break;
    }
    connection.tcpState = state;
    return state;
  }

  private insert(
    connection: Connection,
    protocol: number,
    src: number,
    sport: number,
    dst: number,
    dport: number,
  ): void {
    const key = (protocol * ADDRESSES + src) * PORTS + sport;
    let inner = this.table.get(key);
    if (!inner) {
      inner = new Map();
      this.table.set(key, inner);
    }
    inner.set(dst * PORTS + dport, connection);
  }

  private remove(c: Connection): void {
    const drop = (src: number, sport: number, dst: number, dport: number) => {
      const key = (c.protocol * ADDRESSES + src) * PORTS + sport;
      const inner = this.table.get(key);
      if (inner?.get(dst * PORTS + dport) !== c) return false;
      inner.delete(dst * PORTS + dport);
      if (inner.size === 0) this.table.delete(key);
      return true;
    };
    if (drop(c.src, c.srcPort, c.dst, c.dstPort)) this.count--;
    drop(c.dst, c.dstPort, c.src, c.srcPort);
  }

  private sweepAll(now: Nanoseconds): void {
    for (const inner of [...this.table.values()]) {
      for (const connection of [...inner.values()]) {
        if (connection.expires <= now) {
          this.remove(connection);
          this.stats.expired++;
        }
      }
    }
  }

  private sweep(now: Nanoseconds, steps: number): void {
    for (let i = 0; i < steps; i++) {
      let next = this.hand?.next();
      if (next === undefined || next.done) {
        this.hand = this.table.values();
        next = this.hand.next();
        if (next.done) return;
      }
      for (const connection of next.value.values()) {
        if (connection.expires <= now) {
          this.remove(connection);
          this.stats.expired++;
        }
      }
    }
  }
}
