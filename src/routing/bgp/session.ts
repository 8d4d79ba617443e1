/**
 * One BGP peer: the finite state machine of RFC 4271 §8 over our TCP.
 *
 * States: Idle → Connect (our TCP connection is being opened) / Active (waiting for the peer to
 * connect, ConnectRetry timer running) → OpenSent (OPEN sent, waiting for the peer's) →
 * OpenConfirm (OPENs exchanged, waiting for a KEEPALIVE) → Established (UPDATEs flow).
 *
 * Both sides may connect at once; each TCP connection then runs its own OPEN exchange and the
 * collision is resolved as RFC 4271 §6.8 says: when both have reached OpenConfirm (or one is
 * already Established), the connection opened by the speaker with the higher BGP Identifier
 * survives and the other is closed with a Cease (Connection Collision Resolution).
 *
 * Timers (§10): ConnectRetry between connection attempts, the Hold timer (the session dies when
 * nothing arrives for the negotiated hold time, NOTIFICATION Hold Timer Expired) and the
 * KeepAlive timer (a KEEPALIVE every third of it). All run on the simulator's scheduler.
 */
import type { Scheduler, Timer } from "../../sim/scheduler.js";
import { SECOND } from "../../sim/time.js";
import type { StreamConnection, StreamTransport } from "../../socket/stream-connection.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import {
  AS_TRANS,
  type AsEncoding,
  BGP_HEADER_LENGTH,
  BGP_PORT,
  BGP_VERSION,
  BgpError,
  BgpErrorCode,
  type BgpMessage,
  type BgpOpenMessage,
  CeaseSubcode,
  encodeBgpMessage,
  FOUR_OCTET,
  notificationFor,
  OpenErrorSubcode,
  parseBgpMessage,
  readUint16FromHeader,
  summarizeBgp,
  TWO_OCTET,
} from "../../wire/bgp/index.js";
import { type BgpNeighborConfig, DEFAULT_CONNECT_RETRY, DEFAULT_HOLD, DEFAULT_KEEPALIVE } from "./config.js";

export type BgpState = "Idle" | "Connect" | "Active" | "OpenSent" | "OpenConfirm" | "Established";

type ConnectionState = "Connecting" | "OpenSent" | "OpenConfirm" | "Established";

/** What a session needs from its speaker. */
export interface SessionHost {
  readonly scheduler: Scheduler;
  readonly transport: StreamTransport;
  readonly localAs: number;
  readonly routerId: Ipv4Address;
  /** Session established: send the table. */
  established(session: BgpSession): void;
  /** An UPDATE or ROUTE-REFRESH arrived on an established session. */
  received(session: BgpSession, message: BgpMessage): void;
  /** The established session went down: withdraw its routes. */
  lost(session: BgpSession, reason: string): void;
  /** Trace hooks. */
  traceMessage(session: BgpSession, direction: "in" | "out", message: BgpMessage, bytes: number): void;
  traceState(session: BgpSession, from: BgpState, to: BgpState, reason: string): void;
}

/** Counters FRR prints in `show ip bgp neighbors` (Message statistics). */
export interface MessageCounters {
  opens: number;
  updates: number;
  keepalives: number;
  notifications: number;
  routeRefreshes: number;
}

function counters(): MessageCounters {
  return { opens: 0, updates: 0, keepalives: 0, notifications: 0, routeRefreshes: 0 };
}

/** One TCP connection to the peer and its share of the FSM (two exist during a collision). */
class Connection {
  state: ConnectionState = "Connecting";
  /** The peer's OPEN, once received. */
  peerOpen: BgpOpenMessage | undefined;
  encoding: AsEncoding = FOUR_OCTET;
  holdTime = 0;
  holdTimer: Timer | undefined;
  keepaliveTimer: Timer | undefined;
  private inBuffer = new Uint8Array(8192);
  private inStart = 0;
  private inEnd = 0;
  private outQueue: Uint8Array[] = [];
  closed = false;

  constructor(
    readonly stream: StreamConnection,
    readonly outgoing: boolean,
  ) {}

  /** Queues bytes on TCP; what TCP cannot take yet waits for onWritable. */
  send(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.outQueue.length > 0) {
      this.outQueue.push(bytes);
      return;
    }
    const n = this.stream.write(bytes);
    if (n < bytes.length) this.outQueue.push(bytes.subarray(n));
  }

  /** TCP has room again. */
  drain(): void {
    while (this.outQueue.length > 0 && !this.closed) {
      const head = this.outQueue[0];
      const n = this.stream.write(head);
      if (n < head.length) {
        this.outQueue[0] = head.subarray(n);
        return;
      }
      this.outQueue.shift();
    }
  }

  get queuedBytes(): number {
    let n = 0;
    for (const c of this.outQueue) n += c.length;
    return n + this.stream.bufferedBytes;
  }

  /** Appends stream bytes and yields each whole message (RFC 4271 §4.1 framing by Length). */
  *frames(chunk: Uint8Array): Generator<Uint8Array> {
    if (this.inEnd + chunk.length > this.inBuffer.length) {
      const live = this.inEnd - this.inStart;
      const size = Math.max(this.inBuffer.length, (live + chunk.length) * 2);
      const next = size > this.inBuffer.length ? new Uint8Array(size) : this.inBuffer;
      next.copyWithin(0, this.inStart, this.inEnd);
      if (next !== this.inBuffer) next.set(this.inBuffer.subarray(this.inStart, this.inEnd));
      this.inBuffer = next;
      this.inEnd = live;
      this.inStart = 0;
    }
    this.inBuffer.set(chunk, this.inEnd);
    this.inEnd += chunk.length;
    while (this.inEnd - this.inStart >= BGP_HEADER_LENGTH && !this.closed) {
      let length = readUint16FromHeader(this.inBuffer, this.inStart);
      // A length outside 19..4096 cannot be framed: hand over the header so the parser reports it.
      if (length < BGP_HEADER_LENGTH || length > 4096) length = BGP_HEADER_LENGTH;
      if (this.inEnd - this.inStart < length) break;
      const frame = this.inBuffer.subarray(this.inStart, this.inStart + length);
      this.inStart += length;
      yield frame;
    }
    if (this.inStart === this.inEnd) {
      this.inStart = 0;
      this.inEnd = 0;
    }
  }
}

export class BgpSession {
  state: BgpState = "Idle";
  readonly address: Ipv4Address;
  readonly remoteAs: number;
  /** The connection that reached Established (or the most advanced one). */
  private connections: Connection[] = [];
  private connectRetryTimer: Timer | undefined;
  private idleTimer: Timer | undefined;
  private enabled = false;
  readonly sent: MessageCounters = counters();
  readonly receivedCounts: MessageCounters = counters();
  /** Virtual time the session last entered or left Established. */
  upDownSince = 0;
  /** Times the session reached Established, and dropped from it. */
  establishedCount = 0;
  droppedCount = 0;
  /** The last NOTIFICATION / reason the session went down, for `show ip bgp neighbors`. */
  lastError = "";
  /** Prefixes received and accepted (Adj-RIB-In size), kept by the speaker. */
  prefixesReceived = 0;
  prefixesSent = 0;

  constructor(
    private readonly host: SessionHost,
    readonly config: BgpNeighborConfig,
  ) {
    this.address = Ipv4Address.parse(config.address);
    this.remoteAs = config["remote-as"];
  }

  /** Internal (same AS) or external peer. */
  get ibgp(): boolean {
    return this.remoteAs === this.host.localAs;
  }

  /** The established connection, if any. */
  private get live(): Connection | undefined {
    return this.connections.find((c) => c.state === "Established");
  }

  /** The peer's OPEN on the established connection. */
  get peerOpen(): BgpOpenMessage | undefined {
    return this.live?.peerOpen;
  }

  /** The peer's BGP Identifier, once known. */
  get peerId(): Ipv4Address | undefined {
    return this.live?.peerOpen?.bgpId;
  }

  get negotiatedHoldTime(): number {
    return this.live?.holdTime ?? 0;
  }

  get encoding(): AsEncoding {
    return this.live?.encoding ?? FOUR_OCTET;
  }

  /** Local address of the established connection (our NEXT_HOP towards this peer). */
  get localAddress(): Ipv4Address | undefined {
    const c = this.live ?? this.connections[0];
    return c ? Ipv4Address.tryParse(c.stream.localAddress) : undefined;
  }

  get localPort(): number | undefined {
    return (this.live ?? this.connections[0])?.stream.localPort;
  }

  get remotePort(): number | undefined {
    return (this.live ?? this.connections[0])?.stream.remotePort;
  }

  /** Bytes waiting to be sent on the established connection. */
  get outputQueue(): number {
    return this.live?.queuedBytes ?? 0;
  }

  private timer(
    name: keyof NonNullable<BgpNeighborConfig["timers"]>,
    fallback: number,
    global?: number,
  ): number {
    return this.config.timers?.[name] ?? global ?? fallback;
  }

  /** Configured hold time and keepalive (neighbour overrides router). */
  holdTime(global?: { hold?: number }): number {
    return this.timer("hold", DEFAULT_HOLD, global?.hold);
  }

  globalTimers: { keepalive?: number; hold?: number; "connect-retry"?: number } = {};

  private get configuredHold(): number {
    return this.timer("hold", DEFAULT_HOLD, this.globalTimers.hold);
  }
  private get configuredKeepalive(): number {
    return this.timer("keepalive", DEFAULT_KEEPALIVE, this.globalTimers.keepalive);
  }
  private get connectRetry(): number {
    return this.timer("connect-retry", DEFAULT_CONNECT_RETRY, this.globalTimers["connect-retry"]);
  }

  private setState(to: BgpState, reason: string): void {
    if (this.state === to) return;
    const from = this.state;
    this.state = to;
    this.host.traceState(this, from, to, reason);
  }

  /** ManualStart (RFC 4271 §8.1.2 event 1): connect now, or wait passively. */
  start(): void {
    if (this.enabled || this.config.shutdown) return;
    this.enabled = true;
    this.connectOrWait("ManualStart");
  }

  /** ManualStop (event 2): Cease to the peer, drop everything, Idle. */
  stop(subcode: number = CeaseSubcode.AdministrativeShutdown): void {
    this.enabled = false;
    this.host.scheduler.cancel(this.connectRetryTimer);
    this.host.scheduler.cancel(this.idleTimer);
    this.dropAll({ code: BgpErrorCode.Cease, subcode }, "ManualStop");
    this.setState("Idle", "ManualStop");
  }

  /** `clear ip bgp X`: reset the session (Cease / Administrative Reset) and start again. */
  reset(): void {
    this.dropAll({ code: BgpErrorCode.Cease, subcode: CeaseSubcode.AdministrativeReset }, "clear ip bgp");
    this.setState("Idle", "clear ip bgp");
    if (this.enabled) this.restartLater(1);
  }

  /** The interface to the peer went down (FRR's fast-external-failover): drop without waiting for the hold timer. */
  linkDown(): void {
    if (this.connections.length === 0) return;
    this.dropAll(undefined, "interface down");
    this.setState("Idle", "interface down");
    if (this.enabled) this.restartLater(this.connectRetry);
  }

  private connectOrWait(reason: string): void {
    if (!this.enabled) return;
    this.host.scheduler.cancel(this.connectRetryTimer);
    this.connectRetryTimer = this.host.scheduler.after(this.connectRetry * SECOND, () =>
      this.connectRetryExpired(),
    );
    if (this.config.passive) {
      this.setState("Active", reason);
      return;
    }
    this.setState("Connect", reason);
    this.openOutgoing();
  }

  private connectRetryExpired(): void {
    this.connectRetryTimer = undefined;
    if (!this.enabled || this.live) return;
    // RFC 4271 §8.2.2: ConnectRetryTimer_Expires in Connect/Active drops the attempt and tries again.
    for (const c of this.connections.filter((c) => c.state === "Connecting"))
      this.close(c, undefined, "ConnectRetryTimer expired");
    this.connectOrWait("ConnectRetryTimer_Expires");
  }

  private restartLater(seconds: number): void {
    this.host.scheduler.cancel(this.idleTimer);
    this.idleTimer = this.host.scheduler.after(seconds * SECOND, () => {
      this.idleTimer = undefined;
      if (this.state === "Idle") this.connectOrWait("IdleHoldTimer_Expires");
    });
  }

  private openOutgoing(): void {
    if (this.connections.some((c) => c.outgoing)) return;
    let stream: StreamConnection;
    try {
      stream = this.host.transport.connect({ host: this.address.toString(), port: BGP_PORT });
    } catch {
      this.setState("Active", "TcpConnectionFails");
      return;
    }
    const connection = new Connection(stream, true);
    this.connections.push(connection);
    this.wire(connection);
    stream.events.onConnect = () => {
      // RFC 4271 §8.2.2 event 16/17: TCP up, send OPEN, OpenSent.
      this.sendOpen(connection);
    };
  }

  /** A connection the peer opened to our port 179. */
  accept(stream: StreamConnection): void {
    if (!this.enabled || this.live) {
      // RFC 4271 §6.8: a new connection while Established is the one that loses the collision.
      stream.abort();
      return;
    }
    const connection = new Connection(stream, false);
    this.connections.push(connection);
    this.wire(connection);
    this.sendOpen(connection);
  }

  private wire(connection: Connection): void {
    const events = connection.stream.events;
    events.onData = (chunk) => this.onData(connection, chunk);
    events.onWritable = () => connection.drain();
    events.onEnd = () => this.close(connection, undefined, "peer closed the connection");
    events.onError = (code) => this.close(connection, undefined, `TCP ${code}`);
    events.onClose = () => this.close(connection, undefined, "connection closed");
  }

  private sendOpen(connection: Connection): void {
    const asn = this.host.localAs;
    this.send(connection, {
      type: "open",
      version: BGP_VERSION,
      myAs: asn > 0xffff ? AS_TRANS : asn,
      holdTime: this.configuredHold,
      bgpId: this.host.routerId,
      capabilities: [
        { kind: "multiprotocol", afi: 1, safi: 1 },
        { kind: "route-refresh", code: 2 },
        { kind: "four-octet-as", asn },
      ],
    });
    connection.state = "OpenSent";
    // RFC 4271 §8.2.2: a large hold time (4 minutes suggested) until the OPENs are exchanged.
    this.armHold(connection, 240);
    this.promote("TcpConnectionConfirmed");
  }

  /** Sends a message on a connection, counting and tracing it. */
  private send(connection: Connection, message: BgpMessage): void {
    const bytes = encodeBgpMessage(message, connection.encoding);
    this.count(this.sent, message);
    this.host.traceMessage(this, "out", message, bytes.length);
    connection.send(bytes);
  }

  /** Sends already-encoded UPDATE bytes (packed by the speaker) on the established connection. */
  sendUpdates(bytes: Uint8Array, messages: number, trace?: () => BgpMessage[]): void {
    const c = this.live;
    if (!c) return;
    this.sent.updates += messages;
    if (trace) for (const m of trace()) this.host.traceMessage(this, "out", m, 0);
    c.send(bytes);
    this.restartKeepalive(c);
  }

  /** An error found above the wire format (policy of RFC 4271 §6.3): NOTIFICATION, then the session drops. */
  notify(code: number, subcode: number, reason: string): void {
    const c = this.live;
    if (c) this.close(c, { code, subcode }, reason);
  }

  /** Sends a ROUTE-REFRESH (RFC 2918) asking the peer to resend its routes. */
  requestRefresh(): boolean {
    const c = this.live;
    if (!c) return false;
    this.send(c, { type: "route-refresh", afi: 1, safi: 1 });
    return true;
  }

  /** Whether the peer announced route refresh. */
  get peerSupportsRefresh(): boolean {
    return this.peerOpen?.capabilities.some((c) => c.kind === "route-refresh") ?? false;
  }

  private count(c: MessageCounters, message: BgpMessage): void {
    switch (message.type) {
      case "open":
        c.opens++;
        break;
      case "update":
        c.updates++;
        break;
      case "keepalive":
        c.keepalives++;
        break;
      case "notification":
        c.notifications++;
        break;
      case "route-refresh":
        c.routeRefreshes++;
        break;
    }
  }

  private armHold(connection: Connection, seconds: number): void {
    this.host.scheduler.cancel(connection.holdTimer);
    connection.holdTimer = undefined;
    if (seconds === 0) return;
    connection.holdTimer = this.host.scheduler.after(seconds * SECOND, () => {
      connection.holdTimer = undefined;
      // RFC 4271 §8.2.2 event 10: HoldTimer_Expires → NOTIFICATION Hold Timer Expired.
      this.close(connection, { code: BgpErrorCode.HoldTimerExpired, subcode: 0 }, "hold timer expired");
    });
  }

  private restartKeepalive(connection: Connection): void {
    this.host.scheduler.cancel(connection.keepaliveTimer);
    connection.keepaliveTimer = undefined;
    if (connection.holdTime === 0 || connection.closed) return;
    // RFC 4271 §10: KeepaliveTime is a third of the hold time unless configured smaller.
    const interval = Math.max(1, Math.min(this.configuredKeepalive, Math.floor(connection.holdTime / 3)));
    connection.keepaliveTimer = this.host.scheduler.after(interval * SECOND, () => {
      connection.keepaliveTimer = undefined;
      if (connection.closed) return;
      this.send(connection, { type: "keepalive" });
      this.restartKeepalive(connection);
    });
  }

  private onData(connection: Connection, chunk: Uint8Array): void {
    for (const frame of connection.frames(chunk)) {
      if (connection.closed) return;
      const message = parseBgpMessage(frame, connection.encoding);
      if (message instanceof BgpError) {
        // RFC 4271 §6: any error detected is reported with a NOTIFICATION and the connection closes.
        this.close(connection, notificationFor(message), message.reason);
        return;
      }
      this.count(this.receivedCounts, message);
      this.host.traceMessage(this, "in", message, frame.length);
      this.handle(connection, message);
    }
  }

  private handle(connection: Connection, message: BgpMessage): void {
    // Every message restarts the hold timer once OPENs are exchanged (RFC 4271 §8.2.2).
    if (connection.state !== "OpenSent") this.armHold(connection, connection.holdTime);
    if (message.type === "notification") {
      this.lastError = `received ${summarizeBgp(message).replace("BGP NOTIFICATION: ", "")}`;
      this.close(connection, undefined, this.lastError);
      return;
    }
    switch (connection.state) {
      case "OpenSent":
        if (message.type !== "open") {
          this.fsmError(connection, "expected OPEN");
          return;
        }
        this.receiveOpen(connection, message);
        return;
      case "OpenConfirm":
        if (message.type !== "keepalive") {
          this.fsmError(connection, "expected KEEPALIVE");
          return;
        }
        this.establish(connection);
        return;
      case "Established":
        if (message.type === "keepalive") return;
        if (message.type === "open") {
          this.fsmError(connection, "OPEN on an established session");
          return;
        }
        this.host.received(this, message);
        return;
      default:
        this.fsmError(connection, "message before OPEN was sent");
        return;
    }
  }

  private fsmError(connection: Connection, reason: string): void {
    this.close(connection, { code: BgpErrorCode.FiniteStateMachine, subcode: 0 }, reason);
  }

  /** RFC 4271 §6.2 checks that need the configuration, then OpenConfirm. */
  private receiveOpen(connection: Connection, open: BgpOpenMessage): void {
    const fourOctet = open.capabilities.find((c) => c.kind === "four-octet-as");
    const peerAs = fourOctet && fourOctet.kind === "four-octet-as" ? fourOctet.asn : open.myAs;
    if (peerAs !== this.remoteAs) {
      const data = new Uint8Array(2);
      data[0] = (open.myAs >> 8) & 0xff;
      data[1] = open.myAs & 0xff;
      this.close(
        connection,
        { code: BgpErrorCode.OpenMessage, subcode: OpenErrorSubcode.BadPeerAs, data },
        `peer says AS ${peerAs}, configured remote-as ${this.remoteAs}`,
      );
      return;
    }
    if (this.ibgp && open.bgpId.value === this.host.routerId.value) {
      this.close(
        connection,
        { code: BgpErrorCode.OpenMessage, subcode: OpenErrorSubcode.BadBgpIdentifier },
        `peer uses our own BGP Identifier ${open.bgpId}`,
      );
      return;
    }
    if (open.otherParameters && open.otherParameters.length > 0) {
      this.close(
        connection,
        { code: BgpErrorCode.OpenMessage, subcode: OpenErrorSubcode.UnsupportedOptionalParameter },
        `optional parameter type ${open.otherParameters[0].type}`,
      );
      return;
    }
    connection.peerOpen = open;
    // RFC 6793 §3: 4-octet AS encoding when both speakers announced the capability (we always do).
    connection.encoding = fourOctet ? FOUR_OCTET : TWO_OCTET;
    // RFC 4271 §4.2: the hold time is the smaller of the two.
    connection.holdTime = Math.min(this.configuredHold, open.holdTime);
    // RFC 4271 §6.8: collision detection when the other connection has also received an OPEN.
    const other = this.connections.find((c) => c !== connection && !c.closed);
    if (other && (other.state === "OpenConfirm" || other.state === "Established")) {
      const localWins = this.host.routerId.value > open.bgpId.value;
      // The connection opened by the speaker with the higher identifier survives.
      const loser =
        other.state === "Established" ? connection : localWins === connection.outgoing ? other : connection;
      this.close(
        loser,
        { code: BgpErrorCode.Cease, subcode: CeaseSubcode.ConnectionCollisionResolution },
        "connection collision resolution",
      );
      if (loser === connection) return;
    }
    this.send(connection, { type: "keepalive" });
    connection.state = "OpenConfirm";
    this.armHold(connection, connection.holdTime);
    this.restartKeepalive(connection);
    this.promote("BGPOpen");
  }

  private establish(connection: Connection): void {
    connection.state = "Established";
    this.host.scheduler.cancel(this.connectRetryTimer);
    this.connectRetryTimer = undefined;
    // Any other connection still negotiating loses (RFC 4271 §6.8).
    for (const c of this.connections) {
      if (c !== connection) {
        this.close(
          c,
          { code: BgpErrorCode.Cease, subcode: CeaseSubcode.ConnectionCollisionResolution },
          "collision",
        );
      }
    }
    this.upDownSince = this.host.scheduler.now;
    this.establishedCount++;
    this.lastError = "";
    this.setState("Established", "KeepAliveMsg");
    this.host.established(this);
  }

  /** The session's state is that of its most advanced connection. */
  private promote(reason: string): void {
    const rank: Record<ConnectionState, number> = {
      Connecting: 0,
      OpenSent: 1,
      OpenConfirm: 2,
      Established: 3,
    };
    let best: Connection | undefined;
    for (const c of this.connections) if (!best || rank[c.state] > rank[best.state]) best = c;
    if (!best) return;
    const state: BgpState = best.state === "Connecting" ? "Connect" : best.state;
    this.setState(state, reason);
  }

  private dropAll(notification: { code: number; subcode: number } | undefined, reason: string): void {
    for (const c of [...this.connections]) this.close(c, notification, reason, true);
  }

  /**
   * Closes one connection, sending a NOTIFICATION first when given. When it was the established
   * one, the session is lost (the speaker withdraws its routes) and starts again after
   * ConnectRetry; when no connection remains, the session waits in Active.
   */
  private close(
    connection: Connection,
    notification: { code: number; subcode: number; data?: Uint8Array } | undefined,
    reason: string,
    quiet = false,
  ): void {
    if (connection.closed) return;
    if (notification && connection.state !== "Connecting") {
      this.send(connection, { type: "notification", data: new Uint8Array(0), ...notification });
      this.lastError = `sent ${summarizeBgp({ type: "notification", data: new Uint8Array(0), ...notification }).replace("BGP NOTIFICATION: ", "")}`;
    }
    connection.closed = true;
    this.host.scheduler.cancel(connection.holdTimer);
    this.host.scheduler.cancel(connection.keepaliveTimer);
    const wasEstablished = connection.state === "Established";
    connection.stream.events = {};
    if (notification) connection.stream.shutdown();
    else connection.stream.abort();
    this.connections = this.connections.filter((c) => c !== connection);
    if (wasEstablished) {
      this.upDownSince = this.host.scheduler.now;
      this.droppedCount++;
      if (!this.lastError) this.lastError = reason;
      this.host.lost(this, reason);
    }
    if (quiet) return;
    if (this.connections.length > 0) {
      this.promote(reason);
      return;
    }
    if (wasEstablished || !this.enabled) {
      this.setState("Idle", reason);
      if (this.enabled) this.restartLater(Math.min(this.connectRetry, 5));
      return;
    }
    // RFC 4271 §8.2.2: a failed attempt waits in Active for the peer or the ConnectRetry timer.
    this.setState("Active", reason);
  }
}
