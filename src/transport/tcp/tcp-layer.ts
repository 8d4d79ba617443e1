/**
 * TCP as the network layer sees it (protocol 6): demultiplexing of arriving segments to
 * connections by 4-tuple, listeners and their SYN queues (with SYN cookies when a queue is full),
 * the CLOSED and LISTEN states of RFC 9293 §3.10.7.1-2, ephemeral ports (RFC 6056), and the
 * stack-wide pieces: ISN and SYN-cookie secrets, the challenge-ACK rate limit, counters, traces.
 *
 * Applications use `listen` and `connect`; everything else is internal to the TCP module.
 */
import type {
  NetworkLayer,
  ReceivedDatagram,
  SendError,
  TransportError,
  TransportProtocol,
} from "../../net/network-layer.js";
import type { Scheduler } from "../../sim/scheduler.js";
import { MILLISECOND, SECOND } from "../../sim/time.js";
import { Tracer } from "../../trace/events.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import type { IpAddress } from "../../wire/address/ipv6.js";
import { internetChecksum, type PseudoHeader, pseudoHeaderSum } from "../../wire/checksum.js";
import { isParseError } from "../../wire/parse-error.js";
import {
  emitTcp,
  parseTcp,
  synOptions,
  TcpFlags,
  type TcpOption,
  type TcpRepr,
  tcpFlagsToTcpdump,
  tcpOptionsToString,
} from "../../wire/tcp.js";
import { DEFAULT_TCP_CONFIG, type TcpConfig } from "./config.js";
import { type ConnectionOptions, formatEndpoint, TcpConnection } from "./connection.js";
import { newTcpCounters, type TcpCounters } from "./counters.js";
import { IsnGenerator, tupleWords } from "./isn.js";
import { defaultMss, readSynOptions, type SynOffer, windowScaleFor } from "./options.js";
import type { OffsetBlock } from "./receive-buffer.js";
import { SegmentReader } from "./segment-reader.js";
import { halfSipHash, randomSipKey, type SipKey } from "./siphash.js";
import { TcpError, type TcpState } from "./state.js";
import { SynCookies } from "./syncookies.js";

const { FIN, SYN, RST, ACK } = TcpFlags;
export const TCP_PROTOCOL = 6;
const EMPTY = new Uint8Array(0);
const NO_OPTIONS: TcpOption[] = [];
const NOP: TcpOption = { kind: "nop" };
/** SYN cookies are accepted only this long after a listener's queue last overflowed (Linux: 2 min). */
const COOKIE_VALIDITY = 120 * SECOND;

export interface TcpLayerOptions {
  /** Trace bus (default: a private one nobody listens to). */
  tracer?: Tracer;
  /** Node name for traces. */
  node?: string;
  /** Tunables; anything left out takes DEFAULT_TCP_CONFIG's value. */
  config?: Partial<TcpConfig>;
}

export interface ListenOptions extends ConnectionOptions {
  /** Bound on connections in SYN-RECEIVED (the SYN queue); default the stack's backlog. */
  backlog?: number;
  /** Accept only segments to this local address (default: any of the host's addresses). */
  address?: IpAddress;
  /**
   * Accept only this IP version: 4 for an `AF_INET` socket on 0.0.0.0, 6 for `AF_INET6` with
   * IPV6_V6ONLY; undefined (the default) takes both, as `::` does (RFC 3493 §3.7).
   */
  family?: 4 | 6;
}

export interface ConnectOptions extends ConnectionOptions {
  remote: IpAddress;
  port: number;
  localPort?: number;
  localAddress?: IpAddress;
}

/** A passive OPEN (RFC 9293 §3.10.1): a port in LISTEN state. */
export class TcpListener {
  /** @internal Connections in SYN-RECEIVED (the SYN queue). */
  readonly synQueue = new Set<TcpConnection>();
  /** @internal When the SYN queue last overflowed (cookies are honoured for a while after). */
  lastOverflow = Number.NEGATIVE_INFINITY;
  private open = true;

  /** @internal Use TcpLayer.listen. */
  constructor(
    private readonly layer: TcpLayer,
    readonly port: number,
    readonly address: IpAddress | undefined,
    readonly backlog: number,
    /** The IP version it takes, if only one. */
    readonly family: 4 | 6 | undefined,
    readonly connectionOptions: ConnectionOptions,
    /** Called with each connection once its handshake completes. */
    public onConnection: (connection: TcpConnection) => void,
  ) {}

  /** Whether it still listens. */
  get listening(): boolean {
    return this.open;
  }

  /** Connections in SYN-RECEIVED now. */
  get synQueueLength(): number {
    return this.synQueue.size;
  }

  /**
   * Stops listening; established connections stay, half-open ones are dropped silently (as
   * FreeBSD and Linux do; their peers' ACKs will meet a closed port and a RST).
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.layer.unlisten(this);
    for (const connection of [...this.synQueue]) connection.drop();
  }

  /** @internal The handshake of a queued connection completed. */
  handshakeDone(connection: TcpConnection): void {
    this.synQueue.delete(connection);
  }

  /** @internal Hands an established connection to the application. */
  deliver(connection: TcpConnection): void {
    if (this.open) this.onConnection(connection);
    else connection.abort();
  }
}

/** A TCP implementation on one host. */
export class TcpLayer implements TransportProtocol {
  readonly protocol = TCP_PROTOCOL;
  readonly config: TcpConfig;
  readonly counters: TcpCounters = newTcpCounters();
  readonly tracer: Tracer;
  readonly node: string;

  /** @internal Scratch segment and buffers reused for every send (the network copies them). */
  readonly scratchRepr: TcpRepr = {
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    urgentPointer: 0,
    options: NO_OPTIONS,
    payload: EMPTY,
  };
  /** @internal */ readonly scratchSackOffsets: OffsetBlock[] = [];
  private readonly out = new Uint8Array(20 + 40 + 65535);
  private readonly payloadScratch = new Uint8Array(65535);
  private readonly pseudo: PseudoHeader = { src: Ipv4Address.ANY, dst: Ipv4Address.ANY };
  private readonly tsOption = { kind: "timestamps" as const, value: 0, echo: 0 };
  private readonly sackBlockArrays: { left: number; right: number }[][] = [];
  private readonly optionLists: TcpOption[][] = [];

  /** Connections by local port, then remote address and port (chained on local address). */
  private readonly table = new Map<number, Map<number | string, TcpConnection>>();
  private readonly listeners = new Map<number, TcpListener>();
  private connectionCount = 0;
  private establishedCount = 0;
  private readonly isn: IsnGenerator;
  private readonly cookies: SynCookies;
  private readonly tsKey: SipKey;
  private readonly random: { nextUint32(): number; int(n: number): number };
  /** @internal The window scale that lets the auto-tuned receive buffer be advertised in full. */
  readonly defaultWindowScale: number;
  private challengeWindowStart = Number.NEGATIVE_INFINITY;
  private challengeCount = 0;

  constructor(
    readonly network: NetworkLayer,
    readonly scheduler: Scheduler,
    options: TcpLayerOptions = {},
  ) {
    this.config = { ...DEFAULT_TCP_CONFIG, ...options.config };
    this.tracer = options.tracer ?? new Tracer();
    this.node = options.node ?? "";
    this.defaultWindowScale = windowScaleFor(this.config.receiveBufferMax);
    const random = scheduler.random.fork(`tcp:${this.node}`);
    this.random = random;
    this.isn = new IsnGenerator(randomSipKey(random));
    this.cookies = new SynCookies(randomSipKey(random), randomSipKey(random));
    this.tsKey = randomSipKey(random);
    // Pre-built option lists: [NOP, NOP, TS] and SACK with 1-4 blocks, with and without TS.
    for (let n = 0; n <= 4; n++) {
      const blocks: { left: number; right: number }[] = [];
      for (let i = 0; i < n; i++) blocks.push({ left: 0, right: 0 });
      this.sackBlockArrays.push(blocks);
      const sack: TcpOption = { kind: "sack", blocks };
      this.optionLists.push(n === 0 ? [] : [NOP, NOP, sack]);
      this.optionLists.push(n === 0 ? [NOP, NOP, this.tsOption] : [NOP, NOP, this.tsOption, NOP, NOP, sack]);
    }
    network.register(this);
  }

  // ---- application interface ------------------------------------------------------------------

  /**
   * RFC 9293 §3.10.1 passive OPEN: listen on `port` (0 picks an ephemeral port). Throws EADDRINUSE
   * when another listener has the port.
   */
  listen(
    port: number,
    options: ListenOptions | ((connection: TcpConnection) => void),
    onConnection?: (connection: TcpConnection) => void,
  ): TcpListener {
    if (typeof options === "function") {
      onConnection = options;
      options = {};
    }
    if (port === 0) port = this.ephemeralListenPort();
    if (this.listeners.has(port)) throw new TcpError("EADDRINUSE", `port ${port} already has a listener`);
    const listener = new TcpListener(
      this,
      port,
      options.address,
      options.backlog ?? this.config.backlog,
      options.family,
      options,
      onConnection ?? (() => {}),
    );
    this.listeners.set(port, listener);
    return listener;
  }

  /** @internal */
  unlisten(listener: TcpListener): void {
    if (this.listeners.get(listener.port) === listener) this.listeners.delete(listener.port);
  }

  /**
   * RFC 9293 §3.10.1 active OPEN: a connection to `remote`:`port` that sends its SYN now.
   * Failures (no route, no free port, refused, timeout) arrive through `onError`.
   */
  connect(options: ConnectOptions): TcpConnection {
    const remote = options.remote;
    const local = options.localAddress ?? this.network.sourceFor(remote);
    if (!local) return this.failedConnection(options, "EHOSTUNREACH", `no route to ${remote}`);
    let localPort = options.localPort ?? 0;
    let issAbove: number | undefined;
    if (localPort !== 0) {
      const existing = this.lookup(local, localPort, remote, options.port);
      issAbove = existing ? this.takeOverTimeWait(existing) : undefined;
      if (existing && issAbove === undefined) {
        return this.failedConnection(
          options,
          "EADDRINUSE",
          `${local}:${localPort} is already connected to ${remote}:${options.port}`,
        );
      }
    } else {
      localPort = this.ephemeralPort(local, remote, options.port);
      issAbove = this.reusedIss;
      if (localPort === 0) {
        this.counters.PortExhaustion++;
        return this.failedConnection(
          options,
          "EADDRNOTAVAIL",
          `no free local port toward ${remote}:${options.port}`,
        );
      }
    }
    const connection = new TcpConnection(this, local, localPort, remote, options.port, options, undefined);
    this.insert(connection);
    connection.openActive(issAbove);
    return connection;
  }

  private failedConnection(options: ConnectOptions, code: TcpError["code"], message: string): TcpConnection {
    const local = options.localAddress ?? (options.remote.version === 4 ? Ipv4Address.ANY : options.remote);
    const connection = new TcpConnection(
      this,
      local,
      options.localPort ?? 0,
      options.remote,
      options.port,
      options,
      undefined,
    );
    this.scheduler.after(0, () => connection.failBeforeOpen(new TcpError(code, message)));
    return connection;
  }

  /** Every connection the stack holds (any state but CLOSED). */
  connections(): TcpConnection[] {
    const all: TcpConnection[] = [];
    for (const byRemote of this.table.values()) {
      for (const head of byRemote.values()) {
        for (let c: TcpConnection | undefined = head; c; c = c.nextInBucket) all.push(c);
      }
    }
    return all;
  }

  /** Number of connections held (any state but CLOSED). */
  get connectionTotal(): number {
    return this.connectionCount;
  }

  /** RFC 4022 tcpCurrEstab: connections in ESTABLISHED or CLOSE-WAIT. */
  get currentEstablished(): number {
    return this.establishedCount;
  }

  /** The listeners. */
  listening(): TcpListener[] {
    return [...this.listeners.values()];
  }

  // ---- demultiplexing ----------------------------------------------------------------------------

  private static remoteKey(address: IpAddress, port: number): number | string {
    if (address.version === 4) return address.value * 0x10000 + port;
    // Nine UTF-16 code units (the eight 16-bit groups, then the port): far cheaper than the text.
    const b = address.bytes;
    return String.fromCharCode(
      (b[0] << 8) | b[1],
      (b[2] << 8) | b[3],
      (b[4] << 8) | b[5],
      (b[6] << 8) | b[7],
      (b[8] << 8) | b[9],
      (b[10] << 8) | b[11],
      (b[12] << 8) | b[13],
      (b[14] << 8) | b[15],
      port,
    );
  }

  /** The connection for a 4-tuple, if any. */
  lookup(
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
  ): TcpConnection | undefined {
    const byRemote = this.table.get(localPort);
    if (!byRemote) return undefined;
    for (let c = byRemote.get(TcpLayer.remoteKey(remote, remotePort)); c; c = c.nextInBucket) {
      if (sameAddress(c.localAddress, local)) return c;
    }
    return undefined;
  }

  private insert(connection: TcpConnection): void {
    let byRemote = this.table.get(connection.localPort);
    if (!byRemote) {
      byRemote = new Map();
      this.table.set(connection.localPort, byRemote);
    }
    const key = TcpLayer.remoteKey(connection.remoteAddress, connection.remotePort);
    connection.nextInBucket = byRemote.get(key);
    byRemote.set(key, connection);
    this.connectionCount++;
  }

  /** @internal A connection entered CLOSED. */
  remove(connection: TcpConnection): void {
    connection.listener?.synQueue.delete(connection);
    const byRemote = this.table.get(connection.localPort);
    if (!byRemote) return;
    const key = TcpLayer.remoteKey(connection.remoteAddress, connection.remotePort);
    let previous: TcpConnection | undefined;
    for (let c = byRemote.get(key); c; previous = c, c = c.nextInBucket) {
      if (c !== connection) continue;
      if (previous) previous.nextInBucket = c.nextInBucket;
      else if (c.nextInBucket) byRemote.set(key, c.nextInBucket);
      else byRemote.delete(key);
      c.nextInBucket = undefined;
      this.connectionCount--;
      break;
    }
    if (byRemote.size === 0) this.table.delete(connection.localPort);
  }

  /** @internal */
  stateChanged(_connection: TcpConnection, from: TcpState, to: TcpState): void {
    const wasEstablished = from === "ESTABLISHED" || from === "CLOSE-WAIT";
    const isEstablished = to === "ESTABLISHED" || to === "CLOSE-WAIT";
    if (isEstablished && !wasEstablished) this.establishedCount++;
    else if (wasEstablished && !isEstablished) this.establishedCount--;
  }

  /**
   * RFC 6056 §3.3.1 (Algorithm 1, simple port randomization): a random start in the ephemeral
   * range, then the next port whose 4-tuple is free. Returns 0 when every port is taken.
   */
  private ephemeralPort(local: IpAddress, remote: IpAddress, remotePort: number): number {
    const { ephemeralPortMin: min, ephemeralPortMax: max } = this.config;
    const count = max - min + 1;
    let port = min + this.random.int(count);
    this.reusedIss = undefined;
    for (let i = 0; i < count; i++) {
      if (!this.listeners.has(port)) {
        const existing = this.lookup(local, port, remote, remotePort);
        if (!existing) return port;
        // A port whose 4-tuple lingers in TIME-WAIT may be taken over, as Linux's connect() does.
        this.reusedIss = this.takeOverTimeWait(existing);
        if (this.reusedIss !== undefined) return port;
      }
      port = port === max ? min : port + 1;
    }
    return 0;
  }

  /** Set by `ephemeralPort` when the port it chose came from a TIME-WAIT connection. */
  private reusedIss: number | undefined = undefined;

  /** Ends a TIME-WAIT connection a new active open may replace; returns where its sequence ended. */
  private takeOverTimeWait(existing: TcpConnection): number | undefined {
    const after = this.config.timeWaitReuse;
    if (after === false) return undefined;
    const end = existing.reusableTimeWait(after);
    if (end !== undefined) existing.recycle();
    return end;
  }

  private ephemeralListenPort(): number {
    const { ephemeralPortMin: min, ephemeralPortMax: max } = this.config;
    const count = max - min + 1;
    let port = min + this.random.int(count);
    for (let i = 0; i < count; i++) {
      if (!this.listeners.has(port) && !this.table.has(port)) return port;
      port = port === max ? min : port + 1;
    }
    throw new TcpError("EADDRNOTAVAIL", "no free port to listen on");
  }

  // ---- input ------------------------------------------------------------------------------------

  /** A segment from the network layer. */
  receive(datagram: ReceivedDatagram): void {
    const counters = this.counters;
    counters.InSegs++;
    const bytes = datagram.payload;
    // RFC 1122 §4.2.3.10: TCP is for unicast; a segment to a broadcast or multicast address is dropped.
    if (datagram.broadcast) {
      this.drop(datagram, "broadcast destination");
      return;
    }
    if (bytes.length < 20) {
      counters.InErrs++;
      this.drop(datagram, "shorter than a TCP header");
      return;
    }
    // RFC 9293 §3.1: the checksum covers the pseudo-header, the header and the data.
    if (
      internetChecksum(bytes, 0, bytes.length, pseudoHeaderSum(datagram, TCP_PROTOCOL, bytes.length)) !== 0
    ) {
      counters.InCsumErrors++;
      counters.InErrs++;
      this.drop(datagram, "bad checksum");
      return;
    }
    // The reader's scratch repr serves one segment at a time; one arriving while another is being
    // processed (a loopback that delivers at once) gets its own.
    const seg = this.receiving ? parseTcp(bytes) : this.reader.read(bytes);
    if (isParseError(seg)) {
      counters.InErrs++;
      this.drop(datagram, seg.reason);
      return;
    }
    if (this.receiving) this.demultiplex(seg, datagram);
    else {
      this.receiving = true;
      try {
        this.demultiplex(seg, datagram);
      } finally {
        this.receiving = false;
      }
    }
  }

  /** Reads arriving segments into one scratch repr (./segment-reader.ts). */
  private readonly reader = new SegmentReader();
  /** A segment is being processed (the reader's repr is in use). */
  private receiving = false;

  /** RFC 9293 §3.10.7: the connection, else the listener, else the CLOSED state takes the segment. */
  private demultiplex(seg: TcpRepr, datagram: ReceivedDatagram): void {
    if (this.tracer.enabled) this.traceSegment("in", datagram.dst, datagram.src, seg, false);
    const connection = this.lookup(datagram.dst, seg.dstPort, datagram.src, seg.srcPort);
    if (connection) {
      // RFC 9293 §3.10.7.4 note and RFC 6191: a new SYN may reopen a 4-tuple in TIME-WAIT.
      const reopen =
        connection.state === "TIME-WAIT" &&
        (seg.flags & (SYN | ACK | RST)) === SYN &&
        this.findListener(seg.dstPort, datagram.dst) !== undefined &&
        connection.acceptsNewSyn(seg);
      if (!reopen) {
        connection.segmentArrives(seg);
        return;
      }
      connection.recycle();
    }
    const listener = this.findListener(seg.dstPort, datagram.dst);
    if (listener) this.listenArrives(listener, seg, datagram);
    else this.closedArrives(seg, datagram);
  }

  private findListener(port: number, local: IpAddress): TcpListener | undefined {
    const listener = this.listeners.get(port);
    if (!listener) return undefined;
    if (listener.address && !sameAddress(listener.address, local)) return undefined;
    if (listener.family !== undefined && local.version !== listener.family) return undefined;
    return listener;
  }

  /** RFC 9293 §3.10.7.1: no connection and no listener. */
  private closedArrives(seg: TcpRepr, datagram: ReceivedDatagram): void {
    // "If the state is CLOSED (i.e., TCB does not exist), then all data in the incoming segment
    // is discarded. An incoming segment containing a RST is discarded."
    if (seg.flags & RST) return;
    this.counters.NoListener++;
    if (seg.flags & ACK) {
      // "<SEQ=SEG.ACK><CTL=RST>"
      this.sendResetFor(datagram.dst, datagram.src, seg, seg.ack);
    } else {
      // "<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>"
      const length = seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
      this.sendControl(
        datagram.dst,
        datagram.src,
        seg.dstPort,
        seg.srcPort,
        0,
        (seg.seq + length) >>> 0,
        RST | ACK,
      );
    }
  }

  /** RFC 9293 §3.10.7.2: a segment for a listener (no connection matched). */
  private listenArrives(listener: TcpListener, seg: TcpRepr, datagram: ReceivedDatagram): void {
    const counters = this.counters;
    const flags = seg.flags;
    // "First, check for a RST: an incoming RST segment could not be valid ... ignored."
    if (flags & RST) return;
    // "Second, check for an ACK: any acknowledgment is bad if it arrives on a connection still in
    // the LISTEN state. An acceptable reset segment should be formed ... <SEQ=SEG.ACK><CTL=RST>"
    if (flags & ACK) {
      if (
        !(flags & SYN) &&
        this.config.syncookies &&
        this.scheduler.now - listener.lastOverflow < COOKIE_VALIDITY
      ) {
        if (this.cookieAck(listener, seg, datagram)) return;
      }
      this.sendResetFor(datagram.dst, datagram.src, seg, seg.ack);
      return;
    }
    // "Third, check for a SYN."
    if (!(flags & SYN)) return;
    const offer = readSynOptions(seg.options);
    if (listener.synQueue.size >= listener.backlog) {
      counters.ListenOverflows++;
      if (this.config.syncookies) {
        listener.lastOverflow = this.scheduler.now;
        this.sendCookieSynAck(seg, datagram, offer);
      } else counters.ListenDrops++;
      return;
    }
    const connection = new TcpConnection(
      this,
      datagram.dst,
      seg.dstPort,
      datagram.src,
      seg.srcPort,
      listener.connectionOptions,
      listener,
    );
    this.insert(connection);
    listener.synQueue.add(connection);
    connection.openPassive(seg, offer);
  }

  /** A SYN-ACK whose ISN is a SYN cookie (./syncookies.ts), sent without keeping any state. */
  private sendCookieSynAck(seg: TcpRepr, datagram: ReceivedDatagram, offer: SynOffer): void {
    const config = this.config;
    const local = datagram.dst;
    const remote = datagram.src;
    const version = remote.version;
    const ourMss = this.network.pathMtu(remote) - (version === 4 ? 20 : 40) - 20;
    const mssIndex = SynCookies.mssIndex(Math.min(offer.mss ?? defaultMss(version), ourMss), version);
    const isn = this.cookies.create(
      local,
      seg.dstPort,
      remote,
      seg.srcPort,
      seg.seq,
      mssIndex,
      this.scheduler.now,
    );
    // Window scaling and SACK survive only inside the timestamp (Linux's rule): without TS, off.
    const timestamps = config.timestamps && offer.tsVal !== undefined;
    const windowScale = timestamps && config.windowScaling && offer.windowScale !== undefined;
    const sack = timestamps && config.sack && offer.sackPermitted;
    let tsValue = 0;
    if (timestamps) {
      const offset = this.timestampOffsetFor(local, seg.dstPort, remote, seg.srcPort);
      const now = (Math.floor(this.scheduler.now / MILLISECOND) + offset) >>> 0;
      tsValue = SynCookies.encodeTimestamp(now, {
        windowScale: windowScale ? offer.windowScale : undefined,
        sackPermitted: sack,
      });
    }
    const options = synOptions({
      mss: ourMss,
      windowScale: windowScale ? this.defaultWindowScale : undefined,
      sackPermitted: sack,
      timestamps: timestamps ? { value: tsValue, echo: offer.tsVal! } : undefined,
    });
    this.counters.SyncookiesSent++;
    const repr = this.scratchRepr;
    repr.srcPort = seg.dstPort;
    repr.dstPort = seg.srcPort;
    repr.seq = isn;
    repr.ack = (seg.seq + 1) >>> 0;
    repr.flags = SYN | ACK;
    repr.window = Math.min(0xffff, config.receiveBuffer);
    repr.urgentPointer = 0;
    repr.options = options;
    repr.payload = EMPTY;
    this.send(local, remote, repr, false);
  }

  /** An ACK that may return a SYN cookie; true when it did and a connection now exists. */
  private cookieAck(listener: TcpListener, seg: TcpRepr, datagram: ReceivedDatagram): boolean {
    const counters = this.counters;
    const local = datagram.dst;
    const remote = datagram.src;
    const index = this.cookies.check(
      local,
      seg.dstPort,
      remote,
      seg.srcPort,
      (seg.seq - 1) >>> 0,
      (seg.ack - 1) >>> 0,
      this.scheduler.now,
    );
    if (index < 0) {
      counters.SyncookiesFailed++;
      return false;
    }
    counters.SyncookiesRecv++;
    let ts: { value: number; echo: number } | undefined;
    for (const option of seg.options) if (option.kind === "timestamps") ts = option;
    const decoded = ts && this.config.timestamps ? SynCookies.decodeTimestamp(ts.echo) : undefined;
    const connection = new TcpConnection(
      this,
      local,
      seg.dstPort,
      remote,
      seg.srcPort,
      listener.connectionOptions,
      listener,
    );
    this.insert(connection);
    connection.openFromCookie(
      seg,
      SynCookies.mssOf(index, remote.version),
      decoded?.windowScale,
      decoded?.sackPermitted ?? false,
      decoded !== undefined,
    );
    return true;
  }

  /** An ICMP error quoting one of our segments (RFC 1122 §4.2.3.9). */
  receiveError(error: TransportError): void {
    const quoted = error.quoted;
    if (quoted.length < 8) return;
    const srcPort = (quoted[0] << 8) | quoted[1];
    const dstPort = (quoted[2] << 8) | quoted[3];
    const seq = ((quoted[4] << 24) | (quoted[5] << 16) | (quoted[6] << 8) | quoted[7]) >>> 0;
    const connection = this.lookup(error.src, srcPort, error.dst, dstPort);
    if (!connection) return;
    connection.icmpError(error, seq);
  }

  // ---- output -----------------------------------------------------------------------------------

  /** @internal Sends a connection's segment (in `scratchRepr`). */
  transmit(connection: TcpConnection, repr: TcpRepr, retransmission: boolean): SendError | undefined {
    return this.send(connection.localAddress, connection.remoteAddress, repr, retransmission);
  }

  private send(
    local: IpAddress,
    remote: IpAddress,
    repr: TcpRepr,
    retransmission: boolean,
  ): SendError | undefined {
    const counters = this.counters;
    this.pseudo.src = local;
    this.pseudo.dst = remote;
    const length = emitTcp(repr, this.out, this.pseudo);
    counters.OutSegs++;
    if (repr.flags & RST) counters.OutRsts++;
    if (retransmission) counters.RetransSegs++;
    if (this.tracer.enabled) this.traceSegment("out", local, remote, repr, retransmission);
    // RFC 1191: every segment goes with Don't Fragment; the MSS follows the path MTU.
    return this.network.send({
      src: local,
      dst: remote,
      protocol: TCP_PROTOCOL,
      payload: this.out.subarray(0, length),
      dontFragment: true,
    });
  }

  /** @internal <SEQ=seq><CTL=RST> in answer to `seg`. */
  sendResetFor(local: IpAddress, remote: IpAddress, seg: TcpRepr, seq: number): void {
    this.sendControl(local, remote, seg.dstPort, seg.srcPort, seq, 0, RST);
  }

  private sendControl(
    local: IpAddress,
    remote: IpAddress,
    srcPort: number,
    dstPort: number,
    seq: number,
    ack: number,
    flags: number,
  ): void {
    const repr = this.scratchRepr;
    repr.srcPort = srcPort;
    repr.dstPort = dstPort;
    repr.seq = seq;
    repr.ack = ack;
    repr.flags = flags;
    repr.window = 0;
    repr.urgentPointer = 0;
    repr.options = NO_OPTIONS;
    repr.payload = EMPTY;
    this.send(local, remote, repr, false);
  }

  /** @internal Option list for a segment: [NOP NOP TS] and/or [NOP NOP SACK(n)], from scratch objects. */
  scratchOptions(tsValue: number | undefined, tsEcho: number, sackBlocks: number): TcpOption[] {
    if (tsValue === undefined) return this.optionLists[2 * sackBlocks];
    this.tsOption.value = tsValue;
    this.tsOption.echo = tsEcho;
    return this.optionLists[2 * sackBlocks + 1];
  }

  /** @internal The SACK block objects `scratchOptions(_, _, n)` will carry. */
  scratchSackBlocks(n: number): { left: number; right: number }[] {
    return this.sackBlockArrays[n];
  }

  /** @internal A scratch array for a payload that spans send-buffer chunks. */
  scratchPayload(length: number): Uint8Array {
    return this.payloadScratch.subarray(0, length);
  }

  // ---- secrets and limits ---------------------------------------------------------------------------

  /** @internal RFC 6528 ISN for a connection. */
  initialSequenceNumber(connection: TcpConnection): number {
    return this.isn.generate(
      connection.localAddress,
      connection.localPort,
      connection.remoteAddress,
      connection.remotePort,
      this.scheduler.now,
    );
  }

  /** @internal RFC 7323 §5.4: a per-connection TSval offset (a keyed hash, as Linux's ts_off). */
  timestampOffset(connection: TcpConnection): number {
    return this.timestampOffsetFor(
      connection.localAddress,
      connection.localPort,
      connection.remoteAddress,
      connection.remotePort,
    );
  }

  private timestampOffsetFor(
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
  ): number {
    return halfSipHash(this.tsKey, tupleWords(local, localPort, remote, remotePort));
  }

  /** @internal RFC 5961 §7: at most `challengeAckLimit` challenge ACKs per second. */
  allowChallengeAck(): boolean {
    const now = this.scheduler.now;
    if (now - this.challengeWindowStart >= SECOND) {
      this.challengeWindowStart = now;
      this.challengeCount = 0;
    }
    if (this.challengeCount >= this.config.challengeAckLimit) return false;
    this.challengeCount++;
    return true;
  }

  // ---- traces --------------------------------------------------------------------------------------

  private traceSegment(
    direction: "in" | "out",
    local: IpAddress,
    remote: IpAddress,
    seg: TcpRepr,
    retransmission: boolean,
  ): void {
    const localPort = direction === "out" ? seg.srcPort : seg.dstPort;
    const remotePort = direction === "out" ? seg.dstPort : seg.srcPort;
    this.tracer.emit({
      type: "tcp-segment",
      time: this.scheduler.now,
      node: this.node,
      connection: `${formatEndpoint(local, localPort)}>${formatEndpoint(remote, remotePort)}`,
      direction,
      flags: tcpFlagsToTcpdump(seg.flags),
      seq: seg.seq,
      ack: seg.ack,
      window: seg.window,
      length: seg.payload.length,
      options: tcpOptionsToString(seg.options),
      ...(retransmission ? { retransmission: true } : {}),
    });
  }

  private drop(datagram: ReceivedDatagram, reason: string): void {
    if (!this.tracer.enabled) return;
    this.tracer.emit({
      type: "drop",
      time: this.scheduler.now,
      node: this.node,
      layer: "tcp",
      reason,
      iface: datagram.iface,
    });
  }
}

function sameAddress(a: IpAddress, b: IpAddress): boolean {
  if (a.version === 4) return b.version === 4 && a.value === b.value;
  if (b.version !== 6) return false;
  const x = a.bytes;
  const y = b.bytes;
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return false;
  return true;
}
