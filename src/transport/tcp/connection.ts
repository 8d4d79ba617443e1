/**
 * One TCP connection: the state machine of RFC 9293 §3.10 ("Event Processing") with the
 * extensions a modern stack needs, each cited where it applies:
 *
 * - retransmission timeout (RFC 6298), Karn's algorithm and timestamp RTT measurement (RFC 7323 §4);
 * - congestion control (RFC 5681) through a pluggable module (./congestion), limited transmit
 *   (RFC 3042), loss recovery with SACK (RFC 2018, RFC 6675) or NewReno (RFC 6582), paced by
 *   Proportional Rate Reduction (RFC 6937);
 * - window scaling, timestamps and PAWS (RFC 7323); MSS and path MTU (RFC 9293 §3.7, RFC 1191);
 * - Nagle's algorithm, delayed ACKs and silly window syndrome avoidance (RFC 1122 §4.2.3);
 * - zero-window probing (RFC 9293 §3.8.6.1), keepalive (RFC 1122 §4.2.3.6);
 * - receive buffer auto-tuning (Dynamic Right-Sizing, as Linux's tcp_rcv_space_adjust);
 * - defences against blind in-window attacks (RFC 5961) and ICMP attacks (RFC 5927).
 *
 * Sequence numbers are converted at the edge into *stream offsets* that do not wrap: on the send
 * side our SYN is offset -1, data byte k is offset k, and our FIN is the offset after the last
 * data byte; the receive side does the same with the peer's sequence numbers. So SND.UNA,
 * SND.NXT and RCV.NXT below are offsets, and the comparisons between them are plain `<`.
 *
 * Callbacks to the application (onConnect, onData, ...) are never made in the middle of
 * processing: events are collected and delivered at the end (`flush`), so an application that
 * writes or closes from inside a callback sees a consistent connection.
 */

import type { TransportError } from "../../net/network-layer.js";
import type { Nanoseconds } from "../../sim/time.js";
import { MILLISECOND } from "../../sim/time.js";
import type { IpAddress } from "../../wire/address/ipv6.js";
import { synOptions, TcpFlags, type TcpOption, type TcpRepr } from "../../wire/tcp.js";
import type { KeepAliveOptions } from "./config.js";
import type { AckSample } from "./congestion/congestion-control.js";
import type { CongestionControlName } from "./congestion/index.js";
import { type CongestionControl, createCongestionControl } from "./congestion/index.js";
import { defaultMss, readSynOptions, type SynOffer, windowScaleFor } from "./options.js";
import { InsertResult, ReceiveBuffer } from "./receive-buffer.js";
import { RttEstimator } from "./rtt.js";
import { SackScoreboard } from "./sack.js";
import { SendBuffer } from "./send-buffer.js";
import { seqDiff, seqLe, seqLt } from "./sequence.js";
import { isSynchronized, TcpError, type TcpErrorCode, type TcpState } from "./state.js";
import type { TcpLayer, TcpListener } from "./tcp-layer.js";
import { LazyTimer } from "./timers.js";

const { FIN, SYN, RST, PSH, ACK } = TcpFlags;

/** RFC 5681 §3.2: the duplicate ACK threshold for fast retransmit. */
const DUP_THRESH = 3;
/** RFC 7323 §5.5: TS.Recent expires after 24 days of idleness. */
const PAWS_IDLE_LIMIT: Nanoseconds = 24 * 24 * 3600 * 1_000_000_000;
/** Bytes the Timestamps option takes in every segment once negotiated (NOP, NOP, TS). */
const TIMESTAMP_OPTION_BYTES = 12;
/** At most one ACK per this interval answers unacceptable segments without data. */
const INVALID_ACK_INTERVAL: Nanoseconds = 500 * MILLISECOND;
/** Receive-window auto-tuning measures at most this often. */
const DRS_MIN_INTERVAL: Nanoseconds = 100_000;

/** Loss recovery phases. */
const RECOVERY_NONE = 0;
/** Fast retransmit / fast recovery (RFC 6675 with SACK, RFC 6582 without). */
const RECOVERY_FAST = 1;
/** After a retransmission timeout: resend from SND.UNA (go-back-N, skipping SACKed data). */
const RECOVERY_TIMEOUT = 2;

/** Per-connection choices (the stack's TcpConfig gives the defaults). */
export interface ConnectionOptions {
  /** Disable Nagle's algorithm (TCP_NODELAY). */
  noDelay?: boolean;
  /** Keepalive probes (SO_KEEPALIVE); `true` takes the stack's timing. */
  keepAlive?: boolean | KeepAliveOptions;
  /** Delayed ACKs (RFC 1122 §4.2.3.2). */
  delayedAck?: boolean;
  /** Congestion control module. */
  congestionControl?: CongestionControlName;
  /** A fixed send buffer (bytes); turns off send-buffer auto-tuning, like SO_SNDBUF. */
  sendBufferSize?: number;
  /** A fixed receive buffer (bytes); turns off receive-window auto-tuning, like SO_RCVBUF. */
  receiveBufferSize?: number;
  /**
   * RFC 9293 §3.10.8 / RFC 5482 USER TIMEOUT: how long sent data may stay unacknowledged before
   * the connection fails with ETIMEDOUT (default: the retransmission count limit decides).
   */
  userTimeout?: Nanoseconds;
}

/** A snapshot for `show tcp connections`, iperf and tests. */
export interface TcpConnectionStats {
  state: TcpState;
  local: string;
  remote: string;
  /** Application bytes written, acknowledged by the peer, and delivered to the application. */
  bytesWritten: number;
  bytesAcked: number;
  bytesReceived: number;
  segmentsSent: number;
  segmentsReceived: number;
  /** Segments retransmitted (any reason) and their payload bytes. */
  retransmissions: number;
  retransmittedBytes: number;
  /** Retransmission timeouts, fast recoveries. */
  timeouts: number;
  fastRecoveries: number;
  /** Smoothed RTT, its variation, the minimum, and the RTO (ns); srtt undefined before a sample. */
  srtt: Nanoseconds | undefined;
  rttvar: Nanoseconds;
  minRtt: Nanoseconds | undefined;
  rto: Nanoseconds;
  cwnd: number;
  ssthresh: number;
  congestionControl: string;
  /** Effective send MSS (payload bytes per full segment). */
  mss: number;
  /** The peer's receive window and ours (bytes). */
  sendWindow: number;
  receiveWindow: number;
  /** Buffer sizes now (auto-tuned) and bytes in them. */
  sendBufferSize: number;
  receiveBufferSize: number;
  sendQueued: number;
  receiveQueued: number;
  outOfOrderBytes: number;
  sack: boolean;
  timestamps: boolean;
  windowScale: { send: number; receive: number };
}

export class TcpConnection {
  // ---- identity -------------------------------------------------------------------------
  /** @internal Next connection in the same demultiplexing bucket. */
  nextInBucket: TcpConnection | undefined = undefined;
  private _state: TcpState = "CLOSED";

  // ---- application callbacks ----------------------------------------------------------------
  /** The active open completed (ESTABLISHED). */
  onConnect: (() => void) | undefined = undefined;
  /** In-order data arrived (only while not paused; set it to receive in flowing mode). */
  onData: ((data: Uint8Array) => void) | undefined = undefined;
  /** The peer sent FIN and every byte before it was delivered (Node's 'end'). */
  onEnd: (() => void) | undefined = undefined;
  /** Send buffer space freed after `write` accepted less than offered (Node's 'drain'). */
  onWritable: (() => void) | undefined = undefined;
  /** The connection failed (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ...). */
  onError: ((error: TcpError) => void) | undefined = undefined;
  /** The connection is finished for the application (CLOSED or TIME-WAIT); once. */
  onClose: ((hadError: boolean) => void) | undefined = undefined;

  // ---- send sequence variables (RFC 9293 §3.3.1), as stream offsets ----------------------------
  /** ISS, the initial send sequence number. */
  private iss = 0;
  /** SND.UNA: oldest unacknowledged offset (-1 while our SYN is unacknowledged). */
  private sndUna = -1;
  /** SND.NXT: next offset to send new data at. */
  private sndNxt = -1;
  /** SND.WND: the peer's window, in bytes (already scaled). */
  private sndWnd = 0;
  /** SND.WL1, SND.WL2: sequence and acknowledgment numbers of the last window update. */
  private sndWl1 = 0;
  private sndWl2 = 0;
  /** MAX.SND.WND (RFC 5961 §5.2), also the "maximum window" of RFC 1122's SWS rule. */
  private maxSndWnd = 0;
  /** Offset of our FIN once the application shut down sending, else -1. */
  private finOffset = -1;
  /** shutdown() was called before the connection was established. */
  private finRequested = false;

  // ---- receive sequence variables ------------------------------------------------------------
  /** IRS, the peer's initial sequence number. */
  private irs = 0;
  /** RCV.NXT: next offset expected from the peer. */
  private rcvNxt = 0;
  /** Right edge of the window we advertised (offset); RCV.WND = rcvAdv - RCV.NXT. */
  private rcvAdv = 0;
  /** Offset of the peer's FIN once seen (possibly out of order), else -1. */
  private rcvFinOffset = -1;
  private finReceived = false;

  // ---- negotiated options ------------------------------------------------------------------
  /** Window scaling is on (both SYNs carried the option, RFC 7323 §2.2). */
  private wsOk = false;
  private sndWscale = 0;
  private rcvWscale = 0;
  private sackOk = false;
  private tsOk = false;
  /** TS.Recent and when it was set (RFC 7323 §4.3, §5.5). */
  private tsRecent = 0;
  private tsRecentStamp: Nanoseconds = -1;
  /** Last.ACK.sent (RFC 7323 §4.3), as a receive offset. */
  private lastAckSent = 0;
  /** Our TSval offset (RFC 7323 §5.4: a per-connection random offset). */
  private tsOffset = 0;
  /** The MSS we advertised, and the peer's (RFC 9293 §3.7.1). */
  private advMss = 536;
  private peerMss = 536;
  /** Effective send MSS: payload bytes in a full segment (after the Timestamps option). */
  private mss = 536;
  /** Largest payload seen from the peer: its segment size, for the delayed-ACK rule. */
  private rcvMss = 536;
  /**
   * A simultaneous open's SYN text, waiting for ESTABLISHED. (A FIN in that SYN is not kept, as
   * FreeBSD does: unacknowledged, it is sent again.)
   */
  private synText: Uint8Array | null = null;
  /** Our ISN came from a SYN cookie. */
  private fromCookie = false;

  // ---- buffers (allocated on first use: an idle connection holds none) ---------------------------
  private sendBuffer: SendBuffer | null = null;
  private receiveBuffer: ReceiveBuffer | null = null;
  private sendBufferSize: number;
  private receiveBufferSize: number;
  private readonly autotuneSend: boolean;
  private readonly autotuneReceive: boolean;

  // ---- congestion control and loss recovery ------------------------------------------------------
  private cc: CongestionControl;
  private readonly ccName: CongestionControlName;
  private readonly rtt: RttEstimator;
  private recovery = RECOVERY_NONE;
  /** RecoveryPoint (RFC 6675): recovery ends once SND.UNA reaches it. */
  private recoveryPoint = 0;
  /** RFC 6582's "recover": no new fast recovery until SND.UNA passes it. */
  private recover = -1;
  /** HighRxt and RescueRxt (RFC 6675 §2). */
  private highRxt = 0;
  private rescueRxt = -1;
  private dupAcks = 0;
  /** Without SACK, duplicate ACKs stand for segments that left the network (bytes). */
  private renoSacked = 0;
  /** RFC 6937 (PRR): RecoverFS, prr_delivered, prr_out, and the last ACK's DeliveredData. */
  private recoverFs = 0;
  private prrDelivered = 0;
  private prrOut = 0;
  private deliveredData = 0;
  /** After a timeout: the next offset to retransmit. */
  private rtxNext = 0;
  private scoreboard: SackScoreboard | null = null;
  /** RFC 6298 / Karn: the segment being timed (its end offset) and when it was sent. */
  private rttTiming = false;
  private rttOffset = 0;
  private rttStart: Nanoseconds = 0;
  /** Our TSval when we last retransmitted: older echoes cannot be attributed (see newAck). */
  private lastRetransmitTs = 0;

  // ---- timers ---------------------------------------------------------------------------------
  /** Retransmission, SYN/SYN-ACK retransmission and persist (zero-window probe) timer. */
  private readonly rtxTimer: LazyTimer;
  private readonly delAckTimer: LazyTimer;
  /** TIME-WAIT, FIN-WAIT-2 and keepalive timer. */
  private readonly stateTimer: LazyTimer;
  /** Consecutive timeouts (or probes) without progress. */
  private retries = 0;
  private persisting = false;
  private persistBackoff = 0;
  /** Zero-window probes sent since the peer last answered anything. */
  private unansweredProbes = 0;
  /** When the oldest unacknowledged data was first sent (for the user timeout). */
  private firstRtxTime: Nanoseconds = -1;
  private readonly userTimeout: Nanoseconds;

  // ---- ACK generation --------------------------------------------------------------------------
  private ackNow = false;
  /** When we last answered an unacceptable segment without data. */
  private lastInvalidAck: Nanoseconds = Number.NEGATIVE_INFINITY;
  /** Bytes received in order since we last sent an ACK. */
  private unackedBytes = 0;
  private unackedSegments = 0;
  /** A duplicate range to report first in the next ACK (RFC 2883 D-SACK), as offsets. */
  private dsackLeft = 0;
  private dsackRight = 0;
  private readonly delayedAck: boolean;
  private noDelay: boolean;

  // ---- keepalive -------------------------------------------------------------------------------
  private keepAlive: Required<KeepAliveOptions> | false;
  private lastReceived: Nanoseconds = 0;
  private keepAliveProbes = 0;

  // ---- receive auto-tuning (DRS) -------------------------------------------------------------------
  private drsStart: Nanoseconds = -1;
  private drsCopied = 0;
  private drsSpace = 0;

  // ---- application side --------------------------------------------------------------------------
  /** The application called close(): it reads no more. */
  private readClosed = false;
  private paused = false;
  /** write() refused bytes, so onWritable is owed when room frees. */
  private writeBlocked = false;
  private softError: TcpErrorCode | undefined = undefined;

  // ---- pending application events (see `flush`) ----------------------------------------------------
  private pendingEstablished = false;
  private pendingData = false;
  private pendingEnd = false;
  private pendingWritable = false;
  private pendingError: TcpError | undefined = undefined;
  private pendingClose = false;
  private endSignalled = false;
  private closeSignalled = false;
  private hadError = false;
  /** Received data was thrown away (reset or abort): no 'end' will come. */
  private receiveDiscarded = false;
  private flushing = false;

  // ---- statistics ---------------------------------------------------------------------------------
  private bytesWritten = 0;
  private bytesReceived = 0;
  private segmentsSent = 0;
  private segmentsReceived = 0;
  private retransmissions = 0;
  private retransmittedBytes = 0;
  private timeouts = 0;
  private fastRecoveries = 0;
  private traceName: string | undefined = undefined;

  /** @internal Use TcpLayer.connect or a listener. */
  constructor(
    private readonly layer: TcpLayer,
    readonly localAddress: IpAddress,
    readonly localPort: number,
    readonly remoteAddress: IpAddress,
    readonly remotePort: number,
    options: ConnectionOptions,
    /** The listener a passive connection came from. */
    readonly listener: TcpListener | undefined,
  ) {
    const config = layer.config;
    const scheduler = layer.scheduler;
    this.noDelay = options.noDelay ?? config.noDelay;
    this.delayedAck = options.delayedAck ?? config.delayedAck;
    this.keepAlive = resolveKeepAlive(options.keepAlive, config.keepAlive);
    this.autotuneSend = options.sendBufferSize === undefined;
    this.autotuneReceive = options.receiveBufferSize === undefined;
    this.sendBufferSize = options.sendBufferSize ?? config.sendBuffer;
    this.receiveBufferSize = options.receiveBufferSize ?? config.receiveBuffer;
    this.userTimeout = options.userTimeout ?? 0;
    this.rtt = new RttEstimator({
      minRto: config.minRto,
      maxRto: config.maxRto,
      initialRto: config.initialRto,
    });
    this.ccName = options.congestionControl ?? config.congestionControl;
    this.cc = createCongestionControl(this.ccName, this.mss);
    this.rtxTimer = new LazyTimer(scheduler, () => this.onRetransmissionTimer());
    this.delAckTimer = new LazyTimer(scheduler, () => this.onDelayedAckTimer());
    this.stateTimer = new LazyTimer(scheduler, () => this.onStateTimer());
  }

  // =============================================================================================
  // Application interface
  // =============================================================================================

  /** RFC 9293 §3.3.2: the current state. */
  get state(): TcpState {
    return this._state;
  }

  /** Bytes `write` would accept now. */
  get writableSpace(): number {
    if (this.finOffset >= 0 || this.finRequested || !this.canQueueData()) return 0;
    return Math.max(0, this.sendBufferSize - (this.sendBuffer?.length ?? 0));
  }

  /** Bytes written but not yet acknowledged (Node's bufferSize/writableLength). */
  get writableLength(): number {
    return this.sendBuffer?.length ?? 0;
  }

  /** In-order bytes received and not yet read. */
  get readableLength(): number {
    return this.receiveBuffer?.readable ?? 0;
  }

  /**
   * RFC 9293 §3.10.2 SEND: queues bytes for sending and returns how many were accepted (fewer
   * than offered when the send buffer is full; `onWritable` follows when room frees). The
   * bytes must not be modified after they are accepted. Throws EPIPE after shutdown or close.
   */
  write(bytes: Uint8Array): number {
    if (this.finOffset >= 0 || this.finRequested || this.readClosed || !this.canQueueData()) {
      throw new TcpError("EPIPE", `write after the connection was shut down (state ${this._state})`);
    }
    const room = Math.max(0, this.sendBufferSize - (this.sendBuffer?.length ?? 0));
    const accepted = Math.min(room, bytes.length);
    if (accepted < bytes.length) this.writeBlocked = true;
    if (accepted === 0) return 0;
    this.sendBuffer ??= new SendBuffer();
    this.sendBuffer.append(accepted === bytes.length ? bytes : bytes.subarray(0, accepted));
    this.bytesWritten += accepted;
    if (isSynchronized(this._state)) this.output();
    this.flush();
    return accepted;
  }

  private canQueueData(): boolean {
    const s = this._state;
    return s === "ESTABLISHED" || s === "CLOSE-WAIT" || s === "SYN-SENT" || s === "SYN-RECEIVED";
  }

  /**
   * RFC 9293 §3.10.4 CLOSE in its half-close sense (Node's `end()`): no more data will be
   * written; a FIN follows the queued data. Receiving continues until the peer's FIN.
   */
  shutdown(): void {
    switch (this._state) {
      case "SYN-SENT":
      case "SYN-RECEIVED":
        // RFC 9293 §3.10.4: "queue for processing after entering ESTABLISHED state".
        this.finRequested = true;
        break;
      case "ESTABLISHED":
        this.queueFin();
        this.setState("FIN-WAIT-1");
        this.output();
        break;
      case "CLOSE-WAIT":
        this.queueFin();
        this.setState("LAST-ACK");
        this.output();
        break;
      default:
        // Already closing or closed: RFC 9293 says "error: connection closing"; nothing to do.
        break;
    }
    this.flush();
  }

  /**
   * Closes both directions: shutdown(), and this end reads no more. Unread data makes it an
   * abort (RST), as RFC 2525 §2.17 and Linux do; data arriving afterwards resets the connection.
   */
  close(): void {
    if (this._state === "CLOSED") return;
    this.readClosed = true;
    if (this._state === "SYN-SENT") {
      // RFC 9293 §3.10.4 CLOSE in SYN-SENT: delete the TCB.
      this.teardown(undefined);
      this.flush();
      return;
    }
    if ((this.receiveBuffer?.readable ?? 0) > 0 || (this.receiveBuffer?.outOfOrderBytes ?? 0) > 0) {
      this.layer.counters.TCPAbortOnClose++;
      this.abort();
      return;
    }
    this.shutdown();
    if (this._state === "FIN-WAIT-2") this.stateTimer.armIn(this.layer.config.finWait2Timeout);
  }

  /** RFC 9293 §3.10.5 ABORT: sends RST (in synchronized states) and deletes the connection. */
  abort(): void {
    const s = this._state;
    if (s === "CLOSED") return;
    if (
      s === "SYN-RECEIVED" ||
      s === "ESTABLISHED" ||
      s === "FIN-WAIT-1" ||
      s === "FIN-WAIT-2" ||
      s === "CLOSE-WAIT"
    ) {
      // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>.
      this.sendReset(this.sndSeq(this.sndNxt));
    }
    if (s === "ESTABLISHED" || s === "CLOSE-WAIT") this.layer.counters.EstabResets++;
    this.teardown(undefined, true);
    this.flush();
  }

  /** Pull mode: takes up to `max` received bytes, or undefined when none are waiting. */
  read(max?: number): Uint8Array | undefined {
    const buffer = this.receiveBuffer;
    if (!buffer) return undefined;
    const data = buffer.read(max);
    if (data) {
      this.bytesReceived += data.length;
      this.consumed(data.length);
    }
    if (this.finReceived && buffer.readable === 0) this.pendingEnd = true;
    this.flush();
    return data;
  }

  /** Stops `onData` delivery; data waits in the receive buffer and the window closes as it fills. */
  pause(): void {
    this.paused = true;
  }

  /** Resumes `onData` delivery. */
  resume(): void {
    this.paused = false;
    this.pendingData = true;
    this.flush();
  }

  /** TCP_NODELAY. */
  setNoDelay(noDelay = true): void {
    this.noDelay = noDelay;
    if (noDelay && isSynchronized(this._state)) {
      this.output();
      this.flush();
    }
  }

  /** SO_KEEPALIVE, with optional timing. */
  setKeepAlive(enable: boolean, options: KeepAliveOptions = {}): void {
    this.keepAlive = enable ? resolveKeepAlive(options, this.layer.config.keepAlive) : false;
    this.keepAliveProbes = 0;
    if (this.keepAlive && (this._state === "ESTABLISHED" || this._state === "CLOSE-WAIT")) {
      this.stateTimer.arm(this.lastReceived + this.keepAlive.idle);
    }
  }

  /** A snapshot of the connection's counters and variables. */
  stats(): TcpConnectionStats {
    const srtt = this.rtt.srtt;
    return {
      state: this._state,
      local: formatEndpoint(this.localAddress, this.localPort),
      remote: formatEndpoint(this.remoteAddress, this.remotePort),
      bytesWritten: this.bytesWritten,
      bytesAcked: Math.max(0, this.finOffset >= 0 ? Math.min(this.sndUna, this.finOffset) : this.sndUna),
      bytesReceived: this.bytesReceived,
      segmentsSent: this.segmentsSent,
      segmentsReceived: this.segmentsReceived,
      retransmissions: this.retransmissions,
      retransmittedBytes: this.retransmittedBytes,
      timeouts: this.timeouts,
      fastRecoveries: this.fastRecoveries,
      srtt,
      rttvar: this.rtt.rttvar,
      minRtt: Number.isFinite(this.rtt.minRtt) ? this.rtt.minRtt : undefined,
      rto: this.rtt.rto,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      congestionControl: this.cc.name,
      mss: this.mss,
      sendWindow: this.sndWnd,
      receiveWindow: Math.max(0, this.rcvAdv - this.rcvNxt),
      sendBufferSize: this.sendBufferSize,
      receiveBufferSize: this.receiveBufferSize,
      sendQueued: this.sendBuffer?.length ?? 0,
      receiveQueued: this.receiveBuffer?.readable ?? 0,
      outOfOrderBytes: this.receiveBuffer?.outOfOrderBytes ?? 0,
      sack: this.sackOk,
      timestamps: this.tsOk,
      windowScale: { send: this.sndWscale, receive: this.rcvWscale },
    };
  }

  toString(): string {
    return `${formatEndpoint(this.localAddress, this.localPort)}>${formatEndpoint(this.remoteAddress, this.remotePort)}`;
  }

  // =============================================================================================
  // Opening (RFC 9293 §3.10.1 OPEN, §3.10.7.2 LISTEN)
  // =============================================================================================

  private sndSeq(offset: number): number {
    return (this.iss + 1 + offset) >>> 0;
  }

  private rcvSeq(offset: number): number {
    return (this.irs + 1 + offset) >>> 0;
  }

  private ipVersion(): 4 | 6 {
    return this.remoteAddress.version;
  }

  /** MSS from the path MTU: MTU less the IP and TCP fixed headers (RFC 9293 §3.7.1). */
  private pathMss(): number {
    const mtu = this.layer.network.pathMtu(this.remoteAddress);
    return Math.max(1, mtu - (this.ipVersion() === 4 ? 20 : 40) - 20);
  }

  private chooseOurOptions(): void {
    const config = this.layer.config;
    this.advMss = this.pathMss();
    this.rcvWscale = !config.windowScaling
      ? 0
      : this.autotuneReceive
        ? this.layer.defaultWindowScale
        : windowScaleFor(this.receiveBufferSize);
    this.tsOffset = this.layer.timestampOffset(this);
    // Echoes are compared with this in sequence space: start at our first TSval, not at 0.
    this.lastRetransmitTs = this.tsNow();
  }

  /**
   * @internal RFC 9293 §3.10.1 active OPEN: choose an ISS, send SYN, enter SYN-SENT. When the
   * 4-tuple was taken over from TIME-WAIT, `issAbove` is where the old connection's sequence
   * numbers ended and the ISS is put safely beyond it.
   */
  openActive(issAbove?: number): void {
    const layer = this.layer;
    this.iss = issAbove !== undefined ? (issAbove + 65537) >>> 0 : layer.initialSequenceNumber(this);
    this.chooseOurOptions();
    this.sndUna = -1;
    this.sndNxt = 0;
    this.rcvAdv = 0;
    layer.counters.ActiveOpens++;
    this.setState("SYN-SENT");
    this.sendSyn(false);
  }

  /** @internal A SYN arrived at a listener with room in its queue: enter SYN-RECEIVED (§3.10.7.2). */
  openPassive(seg: TcpRepr, offer: SynOffer): void {
    const layer = this.layer;
    this.chooseOurOptions();
    this.acceptSynOffer(seg, offer);
    this.iss = layer.initialSequenceNumber(this);
    this.sndUna = -1;
    this.sndNxt = 0;
    layer.counters.PassiveOpens++;
    this.setState("SYN-RECEIVED");
    // Text in the SYN is not kept (as FreeBSD's syncache and Linux do without TCP Fast Open):
    // the SYN,ACK acknowledges only the SYN, the peer sends it again, and a flood of SYNs with
    // data costs no memory.
    this.sendSyn(false);
  }

  /**
   * RFC 9293 §3.10.7.3: in a simultaneous open, text carried by the peer's SYN is "queued for
   * processing after the ESTABLISHED state has been reached": it is kept aside (our SYN,ACK
   * acknowledges only the SYN, as FreeBSD's does) and processed then.
   */
  private queueSynText(seg: TcpRepr): void {
    const window = Math.min(0xffff, this.receiveBufferSize);
    const data = seg.payload.length > window ? seg.payload.subarray(0, window) : seg.payload;
    this.synText = data.length > 0 ? data.slice() : null;
  }

  /** The queued text of a simultaneous open's SYN, processed on entering ESTABLISHED. */
  private processSynText(): void {
    const text = this.synText;
    this.synText = null;
    if (text) this.receiveText(0, text);
  }

  /**
   * @internal A valid SYN cookie came back (./syncookies.ts): the handshake completed without
   * state, so the connection is rebuilt from the ACK and what the cookie encoded.
   */
  openFromCookie(seg: TcpRepr, mss: number, wscale: number | undefined, sack: boolean, tsOk: boolean): void {
    const layer = this.layer;
    this.chooseOurOptions();
    this.fromCookie = true;
    this.irs = (seg.seq - 1) >>> 0;
    this.iss = (seg.ack - 1) >>> 0;
    this.rcvNxt = 0;
    this.sndUna = -1;
    this.sndNxt = 0;
    this.peerMss = mss;
    this.sackOk = sack && layer.config.sack;
    this.wsOk = wscale !== undefined && layer.config.windowScaling;
    if (this.wsOk) this.sndWscale = wscale!;
    else this.rcvWscale = 0;
    this.tsOk = tsOk && layer.config.timestamps;
    this.updateMss();
    // The SYN-ACK advertised min(buffer, 65535) unscaled (RFC 7323 §2.2).
    this.rcvAdv = Math.min(0xffff, this.receiveBufferSize);
    this.lastAckSent = 0;
    layer.counters.PassiveOpens++;
    this.setState("SYN-RECEIVED");
    this.synchronizedArrives(seg);
    this.flush();
  }

  /** Takes the peer's SYN: IRS, RCV.NXT, its window and options (RFC 9293 §3.10.7.2 / .3). */
  private acceptSynOffer(seg: TcpRepr, offer: SynOffer): void {
    const config = this.layer.config;
    this.irs = seg.seq;
    this.rcvNxt = 0;
    this.lastAckSent = 0;
    this.peerMss = offer.mss ?? defaultMss(this.ipVersion());
    // RFC 7323 §2.2: window scaling is on only when both SYNs carry the option.
    this.wsOk = config.windowScaling && offer.windowScale !== undefined;
    if (this.wsOk) this.sndWscale = offer.windowScale!;
    else {
      this.sndWscale = 0;
      this.rcvWscale = 0;
    }
    this.sackOk = config.sack && offer.sackPermitted;
    // RFC 7323 §3.2: timestamps only when the SYN carried them (and, actively, the SYN-ACK too).
    this.tsOk = config.timestamps && offer.tsVal !== undefined;
    if (this.tsOk) {
      this.tsRecent = offer.tsVal!;
      this.tsRecentStamp = this.layer.scheduler.now;
    }
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    this.sndWnd = seg.window;
    this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    this.updateMss();
  }

  /** Eff.snd.MSS (RFC 9293 §3.7.1): min(peer's MSS, path) less the options every segment carries. */
  private updateMss(): void {
    const mss = Math.min(this.peerMss, this.pathMss()) - (this.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
    this.mss = Math.max(mss, 1);
    // RFC 6928's initial window depends on the MSS: start the module afresh if nothing was sent.
    if (this.sndNxt <= 0) this.cc = createCongestionControl(this.ccName, this.mss);
    else this.cc.mss = this.mss;
  }

  /** Sends (or resends) our SYN, or SYN-ACK in SYN-RECEIVED. */
  private sendSyn(retransmission: boolean): void {
    const layer = this.layer;
    const config = layer.config;
    const synAck = this._state === "SYN-RECEIVED";
    const flags = synAck ? SYN | ACK : SYN;
    const offerTs = synAck ? this.tsOk : config.timestamps;
    const options = synOptions({
      mss: this.advMss,
      windowScale: (synAck ? this.wsOk : config.windowScaling) ? this.rcvWscale : undefined,
      sackPermitted: synAck ? this.sackOk : config.sack,
      timestamps: offerTs ? { value: this.tsNow(), echo: synAck ? this.tsRecent : 0 } : undefined,
    });
    // RFC 7323 §2.2: the SYN and SYN-ACK windows are not scaled.
    const window = Math.min(0xffff, this.receiveBufferSize);
    if (this.rcvAdv < this.rcvNxt + window) this.rcvAdv = this.rcvNxt + window;
    if (!retransmission) {
      this.rttTiming = true;
      this.rttOffset = 0;
      this.rttStart = layer.scheduler.now;
    } else this.rttTiming = false;
    this.emitSegment(this.iss, flags, window, options, 0, 0, retransmission);
    this.rtxTimer.armIn(this.rtt.rto);
  }

  // =============================================================================================
  // SEGMENT ARRIVES (RFC 9293 §3.10.7)
  // =============================================================================================

  /** @internal A segment for this connection (any state but CLOSED and LISTEN). */
  segmentArrives(seg: TcpRepr): void {
    this.segmentsReceived++;
    this.lastReceived = this.layer.scheduler.now;
    if (this._state === "SYN-SENT") this.synSentArrives(seg);
    else this.synchronizedArrives(seg);
    this.flush();
  }

  /** RFC 9293 §3.10.7.3: SYN-SENT. */
  private synSentArrives(seg: TcpRepr): void {
    const flags = seg.flags;
    const layer = this.layer;
    // First, check the ACK bit: it must acknowledge our SYN and nothing more.
    let ackOk = false;
    if (flags & ACK) {
      // "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set)."
      if (seg.ack !== this.sndSeq(0)) {
        if (!(flags & RST)) this.layer.sendResetFor(this.localAddress, this.remoteAddress, seg, seg.ack);
        return;
      }
      ackOk = true;
    }
    // Second, check the RST bit: an acceptable RST refuses the connection (RFC 5961 §3.2 note:
    // in SYN-SENT, a RST is acceptable when its ACK acknowledges our SYN).
    if (flags & RST) {
      if (ackOk) {
        layer.counters.AttemptFails++;
        this.teardown(
          new TcpError("ECONNREFUSED", `connection refused by ${this.remoteAddress}:${this.remotePort}`),
        );
      }
      return;
    }
    // Fourth, check the SYN bit (third, security, does not apply).
    if (!(flags & SYN)) return;
    this.acceptSynOffer(seg, readSynOptions(seg.options));
    if (ackOk) {
      // Our SYN is acknowledged: ESTABLISHED. RFC 6298 §5.7 and Karn: time the SYN only if not resent.
      this.ackedSyn(seg);
      this.setState("ESTABLISHED");
      this.established();
      // RFC 7323 §2.2: from here on, windows are scaled; this SYN-ACK's was not.
      this.ackNow = true;
      // Data in the SYN-ACK is unusual but legal: process it from the sixth step on.
      if (seg.payload.length > 0 || flags & FIN) this.processTextAndFin(seg, 0);
      this.output();
    } else {
      // Simultaneous open (RFC 9293 §3.5 figure 8): SYN-RECEIVED, send SYN,ACK with our ISS.
      this.setState("SYN-RECEIVED");
      this.queueSynText(seg);
      this.sendSyn(false);
    }
  }

  /** Our SYN was acknowledged: SND.UNA moves past it; one RTT sample if it was not resent. */
  private ackedSyn(seg: TcpRepr): void {
    this.sndUna = 0;
    if (this.rttTiming) {
      this.rtt.sample(this.layer.scheduler.now - this.rttStart);
      this.rttTiming = false;
      this.traceCongestion("rtt");
    } else if (!this.fromCookie) {
      // RFC 6298 §5.7: the SYN was retransmitted and no sample was taken: start data at RTO 3 s.
      const ts = this.tsOk ? this.segmentTimestamps(seg) : undefined;
      if (ts !== undefined && ts.echo !== 0) this.sampleFromTimestamp(ts.echo);
      else this.rtt.resetAfterHandshakeRetransmission();
    }
    this.retries = 0;
    this.rtxTimer.stop();
  }

  /** Work on entering ESTABLISHED: tell the application, start keepalive, send queued data. */
  private established(): void {
    this.pendingEstablished = true;
    this.drsSpace = Math.min(this.receiveBufferSize, 10 * this.rcvMss);
    if (this.keepAlive) this.stateTimer.arm(this.lastReceived + this.keepAlive.idle);
    if (this.finRequested) {
      this.finRequested = false;
      this.queueFin();
      this.setState("FIN-WAIT-1");
    }
  }

  /** RFC 9293 §3.10.7.4: every state from SYN-RECEIVED on. */
  private synchronizedArrives(seg: TcpRepr): void {
    const layer = this.layer;
    const counters = layer.counters;
    let flags = seg.flags;
    let seq = seg.seq;
    let payload = seg.payload;
    const ts = this.tsOk ? this.segmentTimestamps(seg) : undefined;

    // Simultaneous open: the peer's SYN,ACK repeats the SYN we already took (RCV.NXT is past it);
    // treat it as the ACK it also is (Linux does the same).
    if (this._state === "SYN-RECEIVED" && flags & SYN && flags & ACK && seq === this.irs) {
      flags &= ~SYN;
      seq = (seq + 1) >>> 0;
    }

    // RFC 7323 §3.2: once negotiated, every non-RST segment carries timestamps.
    if (this.tsOk && ts === undefined && !(flags & RST) && !(flags & SYN)) {
      counters.TCPNoTimestampDrops++;
      return;
    }

    // --- first, check the sequence number -----------------------------------------------------
    const segOffset = this.rcvNxt + seqDiff(seq, this.rcvSeq(this.rcvNxt));
    const segLength = payload.length + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    const window = Math.max(0, this.rcvAdv - this.rcvNxt);

    // RFC 7323 §5.3 R1 (PAWS): an older TSval than TS.Recent means an old duplicate.
    if (ts !== undefined && !(flags & RST) && this.tsRecentStamp >= 0 && seqLt(ts.value, this.tsRecent)) {
      if (layer.scheduler.now - this.tsRecentStamp > PAWS_IDLE_LIMIT) {
        // RFC 7323 §5.5: TS.Recent is invalid after 24 days idle; accept and take the new one.
        this.tsRecentStamp = -1;
      } else {
        counters.PAWSEstab++;
        // R1 says to answer with an ACK. A pure ACK that fails PAWS is most often one the network
        // reordered behind a later one (its TSval is older), and answering each of those turns
        // reordering into a stream of duplicate ACKs; Linux answers such pure ACKs at most every
        // 500 ms (tcp_oow_rate_limited, tcp_invalid_ratelimit), as we answer other unacceptable
        // segments without data. Data is always answered: the peer needs the ACK to progress.
        if (segLength === 0) {
          const now = layer.scheduler.now;
          if (now - this.lastInvalidAck < INVALID_ACK_INTERVAL) {
            counters.TCPACKSkippedPAWS++;
            return;
          }
          this.lastInvalidAck = now;
        }
        this.sendAckNow();
        return;
      }
    }

    let acceptable: boolean;
    if (segLength === 0) {
      acceptable =
        window === 0
          ? segOffset === this.rcvNxt
          : segOffset >= this.rcvNxt && segOffset < this.rcvNxt + window;
    } else if (window === 0) {
      acceptable = false;
    } else {
      const last = segOffset + segLength - 1;
      acceptable =
        (segOffset >= this.rcvNxt && segOffset < this.rcvNxt + window) ||
        (last >= this.rcvNxt && last < this.rcvNxt + window);
    }
    // "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be
    // made to accept valid ACKs, URGs, and RSTs": process the control part, drop the text.
    let zeroWindowAllowance = false;
    if (!acceptable && window === 0 && segOffset === this.rcvNxt) {
      zeroWindowAllowance = true;
      acceptable = true;
    }
    if (!acceptable) {
      if (flags & RST) {
        counters.TCPRstOutOfWindow++;
        return;
      }
      counters.OutOfWindowSegments++;
      if (this._state === "SYN-RECEIVED") {
        // Our SYN,ACK may have been lost: the peer's repeated SYN gets it again.
        if (flags & SYN && seq === this.irs) this.sendSyn(true);
        else this.sendAckNow();
        return;
      }
      if (flags & SYN) {
        // RFC 5961 §4.2: a SYN gets a challenge ACK "irrespective of the sequence number".
        counters.TCPSYNChallenge++;
        this.challengeAck();
        return;
      }
      // An old duplicate carrying data is reported as a D-SACK (RFC 2883 §4).
      if (payload.length > 0 && segOffset + payload.length <= this.rcvNxt) {
        this.reportDuplicate(segOffset, segOffset + payload.length);
      }
      // A retransmitted FIN in TIME-WAIT: acknowledge it and restart the 2MSL timer (§3.10.7.4 eighth).
      if (this._state === "TIME-WAIT" && flags & FIN) this.stateTimer.armIn(2 * layer.config.msl);
      // "an acknowledgment should be sent in reply". For segments without data or FIN, at most one
      // such ACK per 500 ms, so two confused ends cannot ping-pong ACKs forever (Linux's
      // tcp_invalid_ratelimit); data segments are always answered.
      if (segLength === 0) {
        const now = layer.scheduler.now;
        if (now - this.lastInvalidAck < INVALID_ACK_INTERVAL) return;
        this.lastInvalidAck = now;
      }
      this.sendAckNow();
      return;
    }

    // RFC 7323 §4.3 / §5.3 R3: record TS.Recent if SEG.TSval >= TS.Recent and SEG.SEQ =< Last.ACK.sent.
    if (
      ts !== undefined &&
      segOffset <= this.lastAckSent &&
      (this.tsRecentStamp < 0 || seqLe(this.tsRecent, ts.value))
    ) {
      this.tsRecent = ts.value;
      this.tsRecentStamp = layer.scheduler.now;
    }

    // --- second, check the RST bit (RFC 5961 §3.2) --------------------------------------------
    if (flags & RST) {
      if (segOffset !== this.rcvNxt) {
        // In the window but not exactly RCV.NXT: a challenge ACK; a real peer answers with a RST
        // at the right place, a blind attacker cannot.
        this.challengeAck();
        return;
      }
      this.resetReceived();
      return;
    }

    // --- third, security (RFC 9293 §3.10.7.4 third): no compartments here ---------------------------

    // --- fourth, check the SYN bit (RFC 5961 §4.2) ------------------------------------------------
    if (flags & SYN) {
      // A SYN in a synchronized state, whatever its sequence number: challenge ACK, drop.
      counters.TCPSYNChallenge++;
      this.challengeAck();
      return;
    }

    // --- fifth, check the ACK field -----------------------------------------------------------------
    if (!(flags & ACK)) return;
    if (this._state === "SYN-RECEIVED") {
      const ackOffset = this.sndUna + seqDiff(seg.ack, this.sndSeq(this.sndUna));
      // "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state ... else send a reset."
      if (!(ackOffset > this.sndUna && ackOffset <= this.sndNxt)) {
        this.layer.sendResetFor(this.localAddress, this.remoteAddress, seg, seg.ack);
        return;
      }
      this.ackedSyn(seg);
      // Windows from here on are scaled (RFC 7323 §2.2).
      this.sndWnd = seg.window << this.sndWscale;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = seq;
      this.sndWl2 = seg.ack;
      this.setState("ESTABLISHED");
      this.established();
      if (this.listener) this.listener.handshakeDone(this);
      // Text that came with the peer's SYN is processed now.
      this.processSynText();
    }
    if (!this.processAck(seg, seq, ts)) return;
    if (this._state === "CLOSED") return;

    // State-specific parts of the fifth step.
    const ourFinAcked = this.finOffset >= 0 && this.sndUna > this.finOffset;
    switch (this._state) {
      case "FIN-WAIT-1":
        if (ourFinAcked) {
          this.setState("FIN-WAIT-2");
          if (this.readClosed) this.stateTimer.armIn(layer.config.finWait2Timeout);
        }
        break;
      case "CLOSING":
        if (ourFinAcked) this.enterTimeWait();
        else return;
        break;
      case "LAST-ACK":
        if (ourFinAcked) {
          this.teardown(undefined);
          return;
        }
        break;
      case "TIME-WAIT": {
        // "The only thing that can arrive in this state is a retransmission of the remote FIN.
        // Acknowledge it, and restart the 2 MSL timeout." A copy of the peer's last ACK (nothing
        // but an ACK for our FIN, at RCV.NXT) is not answered, as in FreeBSD: two ends in
        // TIME-WAIT must not trade ACKs.
        this.stateTimer.armIn(2 * layer.config.msl);
        const bareFinalAck =
          (flags & (SYN | FIN | RST)) === 0 &&
          payload.length === 0 &&
          segOffset === this.rcvNxt &&
          seg.ack === this.sndSeq(this.sndNxt);
        if (!bareFinalAck) this.sendAckNow();
        return;
      }
    }

    // --- sixth, check the URG bit: urgent data is treated as ordinary data (RFC 6093 §6) -----------
    // --- seventh and eighth: segment text and FIN -----------------------------------------------------
    if (zeroWindowAllowance) {
      if (payload.length > 0 || flags & FIN) {
        layer.counters.TCPRcvWindowDrops++;
        this.ackNow = true;
      }
      payload = EMPTY;
      flags &= ~FIN;
    }
    if (payload.length > 0 || flags & FIN) this.processTextAndFin(seg, segOffset, payload, flags);
    this.output();
  }

  /** TIME-WAIT (RFC 9293 §3.10.7.4): 2MSL, then CLOSED; the application is done with it now. */
  private enterTimeWait(): void {
    this.setState("TIME-WAIT");
    this.rtxTimer.cancel();
    this.delAckTimer.stop();
    this.persisting = false;
    this.stateTimer.cancel();
    this.stateTimer.armIn(2 * this.layer.config.msl);
    this.releaseMemory();
    this.pendingClose = true;
  }

  /** An acceptable RST (RFC 9293 §3.10.7.4 second step, per state). */
  private resetReceived(): void {
    const counters = this.layer.counters;
    switch (this._state) {
      case "SYN-RECEIVED":
        counters.AttemptFails++;
        if (this.listener) {
          // "If this connection was initiated with a passive OPEN, then return this connection
          // to LISTEN state": the listener stays, the embryonic connection goes, quietly.
          this.teardown(undefined, true);
        } else {
          this.teardown(
            new TcpError("ECONNREFUSED", `connection refused by ${this.remoteAddress}:${this.remotePort}`),
          );
        }
        return;
      case "ESTABLISHED":
      case "CLOSE-WAIT":
        counters.EstabResets++;
        this.teardown(
          new TcpError("ECONNRESET", `connection reset by ${this.remoteAddress}:${this.remotePort}`),
        );
        return;
      case "FIN-WAIT-1":
      case "FIN-WAIT-2":
        this.teardown(
          new TcpError("ECONNRESET", `connection reset by ${this.remoteAddress}:${this.remotePort}`),
        );
        return;
      case "CLOSING":
      case "LAST-ACK":
        // RFC 9293: "enter the CLOSED state, delete the TCB, and return"; the application, which
        // may still be reading, hears ECONNRESET as with FreeBSD and Linux.
        this.teardown(
          new TcpError("ECONNRESET", `connection reset by ${this.remoteAddress}:${this.remotePort}`),
        );
        return;
      default:
        // TIME-WAIT: the application is done with the connection already.
        this.teardown(undefined, true);
    }
  }

  /** The Timestamps option of a segment, if any. */
  private segmentTimestamps(seg: TcpRepr): { value: number; echo: number } | undefined {
    const options = seg.options;
    for (let i = 0; i < options.length; i++) {
      const option = options[i];
      if (option.kind === "timestamps") return option;
    }
    return undefined;
  }

  // =============================================================================================
  // ACK processing (fifth step), congestion control and loss recovery
  // =============================================================================================

  /** Returns false when the segment must be dropped. */
  private processAck(seg: TcpRepr, seq: number, ts: { value: number; echo: number } | undefined): boolean {
    const ackOffset = this.sndUna + seqDiff(seg.ack, this.sndSeq(this.sndUna));
    const counters = this.layer.counters;
    // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the
    // segment, and return." RFC 5961 §5.2: also for ACKs older than SND.UNA - MAX.SND.WND.
    if (ackOffset > this.sndNxt || ackOffset < this.sndUna - this.maxSndWnd) {
      counters.TCPACKSkippedChallenge++;
      this.challengeAck();
      return false;
    }
    // Window update: "If SND.UNA =< SEG.ACK =< SND.NXT ... if (SND.WL1 < SEG.SEQ or (SND.WL1 =
    // SEG.SEQ and SND.WL2 =< SEG.ACK)), set SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK."
    const window = seg.window << this.sndWscale;
    const windowChanged = window !== this.sndWnd;
    if (
      ackOffset >= this.sndUna &&
      (seqLt(this.sndWl1, seq) || (this.sndWl1 === seq && seqLe(this.sndWl2, seg.ack)))
    ) {
      this.sndWnd = window;
      this.sndWl1 = seq;
      this.sndWl2 = seg.ack;
      if (window > this.maxSndWnd) this.maxSndWnd = window;
    }
    const unaBefore = this.sndUna;
    const sackedBefore = this.sackedBytes();
    const newlySacked = this.sackOk ? this.processSack(seg, ackOffset) : 0;
    if (ackOffset > this.sndUna) this.newAck(ackOffset, ts);
    else if (ackOffset === this.sndUna) {
      const pure = seg.payload.length === 0 && !(seg.flags & (SYN | FIN));
      this.duplicateAck(pure && !windowChanged, newlySacked);
    }
    if (this.recovery === RECOVERY_FAST) {
      // RFC 6937: DeliveredData = change_in(SND.UNA) + change_in(SACKd).
      this.deliveredData = this.sndUna - unaBefore + this.sackedBytes() - sackedBefore;
      this.prrDelivered += this.deliveredData;
    }
    // Any ACK answers outstanding probes (RFC 1122 §4.2.2.17: probing goes on as long as the
    // receiver keeps acknowledging, however long its window stays shut).
    this.keepAliveProbes = 0;
    this.unansweredProbes = 0;
    if (this.persisting && this.sndWnd > 0) {
      this.persisting = false;
      this.persistBackoff = 0;
      this.rtxTimer.stop();
      if (this.sndNxt > this.sndUna) this.rtxTimer.armIn(this.rtt.rto);
    }
    return true;
  }

  /** Bytes known to have left the network above SND.UNA: SACKed, or (without SACK) duplicate ACKs. */
  private sackedBytes(): number {
    return this.sackOk ? (this.scoreboard?.sacked ?? 0) : this.renoSacked;
  }

  /** RFC 2018 §4 / RFC 6675 Update(): records the SACK blocks of an ACK; returns bytes newly SACKed. */
  private processSack(seg: TcpRepr, ackOffset: number): number {
    const options = seg.options;
    let added = 0;
    for (let i = 0; i < options.length; i++) {
      const option = options[i];
      if (option.kind !== "sack") continue;
      const base = this.sndSeq(this.sndUna);
      for (const block of option.blocks) {
        let left = this.sndUna + seqDiff(block.left, base);
        const right = this.sndUna + seqDiff(block.right, base);
        // Blocks at or below the cumulative ACK are D-SACKs (RFC 2883) or stale; blocks beyond
        // SND.NXT are bogus: ignore both.
        if (right <= ackOffset || right > this.sndNxt || left >= right) continue;
        if (left < ackOffset) left = ackOffset;
        this.scoreboard ??= new SackScoreboard();
        added += this.scoreboard.add(left, right);
      }
    }
    if (added > 0) this.scoreboard!.updateLossBoundary(DUP_THRESH, this.mss);
    return added;
  }

  /** An ACK that acknowledges new data: SND.UNA moves up. */
  private newAck(ackOffset: number, ts: { value: number; echo: number } | undefined): void {
    const now = this.layer.scheduler.now;
    const acked = ackOffset - this.sndUna;
    const flightBefore = this.sndNxt - this.sndUna;
    const buffer = this.sendBuffer;
    if (buffer) {
      const before = buffer.length;
      buffer.release(Math.min(ackOffset, buffer.end));
      if (this.writeBlocked && buffer.length < before && buffer.length < this.sendBufferSize) {
        this.writeBlocked = false;
        this.pendingWritable = true;
      }
    }
    this.sndUna = ackOffset;
    this.retries = 0;
    this.firstRtxTime = -1;

    // RTT measurement: the timed segment (Karn's algorithm, RFC 6298 §3) or, when it was
    // retransmitted, the echoed timestamp (RFC 7323 §4.1, which has no retransmission ambiguity).
    // An echo older than our last retransmission may answer a transmission made long before the
    // ACK that carries it (the receiver echoes the segment that last advanced its window), which
    // would inflate SRTT by the whole outage; only later echoes measure a round trip.
    const echoed =
      ts !== undefined && ts.echo !== 0 && seqLe(this.lastRetransmitTs, ts.echo)
        ? ((this.tsNow() - ts.echo) | 0) * MILLISECOND
        : undefined;
    let ackRtt = echoed !== undefined && echoed >= 0 ? echoed : undefined;
    if (this.rttTiming && ackOffset >= this.rttOffset) {
      this.rttTiming = false;
      ackRtt = now - this.rttStart;
      this.rtt.sample(ackRtt);
      this.traceCongestion("rtt");
    } else if (!this.rttTiming && ackRtt !== undefined) {
      this.rtt.sample(ackRtt);
      this.traceCongestion("rtt");
    }

    if (this.scoreboard) {
      this.scoreboard.advance(ackOffset);
      this.scoreboard.updateLossBoundary(DUP_THRESH, this.mss);
    }

    const cc = this.cc;
    if (this.recovery === RECOVERY_FAST) {
      if (ackOffset >= this.recoveryPoint) {
        // RFC 6675 §5 (A) / RFC 6582 §3.2 step 3: a full acknowledgment ends recovery.
        this.recovery = RECOVERY_NONE;
        this.renoSacked = 0;
        this.dupAcks = 0;
        cc.onRecoveryEnd(now, this.sndNxt - this.sndUna);
        this.traceCongestion("recovery-end");
      } else if (!this.sackOk) {
        // RFC 6582 §3.2 step 3, partial acknowledgment: retransmit the first unacknowledged
        // segment, deflate by the amount acknowledged, and reset the timer on the first one.
        this.renoSacked = Math.max(0, this.renoSacked - acked);
        if (acked >= this.mss) this.renoSacked += this.mss;
        const end = Math.min(this.sndUna + this.segmentCapacity(), this.sndNxt);
        this.sendRange(this.sndUna, this.segmentEnd(end), true);
        this.layer.counters.TCPFastRetrans++;
      }
    } else {
      if (this.recovery === RECOVERY_TIMEOUT) {
        if (this.rtxNext < ackOffset) this.rtxNext = ackOffset;
        if (ackOffset >= this.recoveryPoint) this.recovery = RECOVERY_NONE;
      }
      this.dupAcks = 0;
      // RFC 7661: grow the window only when it was the limit (in slow start, half used counts).
      const cwnd = cc.cwnd;
      const cwndLimited = flightBefore + this.mss > cwnd || (cwnd < cc.ssthresh && 2 * flightBefore >= cwnd);
      const before = cwnd;
      // One sample object for every ACK (modules read it during the call and keep nothing).
      const sample = ACK_SAMPLE;
      sample.acked = acked;
      sample.now = now;
      sample.srtt = this.rtt.srtt;
      sample.minRtt = this.rtt.minRtt;
      sample.cwndLimited = cwndLimited;
      sample.rtt = ackRtt;
      sample.una = this.sndUna;
      sample.nxt = this.sndNxt;
      cc.onAck(sample);
      if (cc.cwnd !== before && this.layer.tracer.enabled) this.traceCongestion("ack");
    }

    // RFC 6298 §5.2-5.3: stop the timer when everything is acknowledged, else restart it.
    if (!this.persisting) {
      if (this.sndUna >= this.sndNxt) this.rtxTimer.stop();
      else this.rtxTimer.armIn(this.rtt.rto);
    }
    if (this.autotuneSend) this.tuneSendBuffer();
  }

  /** RFC 7323 §4.1: an RTT sample from an echoed timestamp (millisecond resolution). */
  private sampleFromTimestamp(echo: number): void {
    const elapsed = (this.tsNow() - echo) | 0;
    if (elapsed >= 0 && elapsed < 0x7fffffff) {
      this.rtt.sample(elapsed * MILLISECOND);
      this.traceCongestion("rtt");
    }
  }

  /** A duplicate acknowledgment (RFC 5681 §2 definition; RFC 6675 §2 adds new SACK information). */
  private duplicateAck(classic: boolean, newlySacked: number): void {
    if (this.sndNxt === this.sndUna || this.persisting || this.sndWnd === 0) return;
    // With SACK, RFC 6675 §2 counts an ACK as a DupAck only when it SACKs new data: a duplicated
    // or reordered segment, which the receiver acknowledges without news, is not a loss signal.
    if (this.sackOk ? newlySacked === 0 : !classic) return;
    if (this.recovery === RECOVERY_FAST) {
      // Without SACK each duplicate ACK means a segment left the network (RFC 5681 §3.2 step 4's
      // window inflation, kept here as "pipe" deflation).
      if (!this.sackOk) this.renoSacked = Math.min(this.renoSacked + this.mss, this.sndNxt - this.sndUna);
      return;
    }
    if (this.recovery === RECOVERY_TIMEOUT) return;
    this.dupAcks++;
    const lostHead = this.scoreboard !== null && this.scoreboard.lossBoundary > this.sndUna;
    // RFC 6675 §5 steps (1)-(2) / RFC 5681 §3.2 step 2, and RFC 6582 §3.2 step 2: no new recovery
    // before the previous one's data is acknowledged.
    if ((this.dupAcks >= DUP_THRESH || lostHead) && this.sndUna >= this.recover) this.enterFastRecovery();
  }

  /** RFC 6675 §5 step (4) / RFC 6582 §3.2 step 2: fast retransmit and enter recovery. */
  private enterFastRecovery(): void {
    const now = this.layer.scheduler.now;
    const counters = this.layer.counters;
    this.recovery = RECOVERY_FAST;
    this.recoveryPoint = this.sndNxt;
    this.recover = this.sndNxt;
    this.fastRecoveries++;
    if (this.sackOk) counters.TCPSackRecovery++;
    else counters.TCPRenoRecovery++;
    this.cc.onRecoveryStart(now, this.sndNxt - this.sndUna);
    this.traceCongestion("recovery-start");
    // RFC 6937: RecoverFS = snd.nxt - snd.una; prr_delivered = prr_out = 0.
    this.recoverFs = this.sndNxt - this.sndUna;
    this.prrDelivered = 0;
    this.prrOut = 0;
    this.deliveredData = 0;
    this.renoSacked = this.sackOk
      ? 0
      : Math.min(this.dupAcks * this.mss, this.sndNxt - this.sndUna - this.mss);
    if (this.renoSacked < 0) this.renoSacked = 0;
    // (4.3) Retransmit the first segment presumed lost; HighRxt and RescueRxt mark its end.
    let end = Math.min(this.sndUna + this.segmentCapacity(), this.sndNxt);
    if (this.scoreboard) {
      const hole = this.scoreboard.nextHole(this.sndUna, this.sndNxt);
      if (hole === this.sndUna) end = Math.min(end, this.scoreboard.holeEnd);
    }
    end = this.segmentEnd(end);
    this.highRxt = end;
    this.rescueRxt = this.sackOk ? end : -1;
    counters.TCPFastRetrans++;
    this.sendRange(this.sndUna, end, true);
  }

  /** Extends a segment's end over our FIN when it reaches the end of the data. */
  private segmentEnd(end: number): number {
    if (this.finOffset >= 0 && end >= this.finOffset && this.sndNxt > this.finOffset)
      return this.finOffset + 1;
    return end;
  }

  // =============================================================================================
  // Sixth to eighth steps: segment text and FIN
  // =============================================================================================

  private processTextAndFin(seg: TcpRepr, segOffset: number, payload = seg.payload, flags = seg.flags): void {
    const layer = this.layer;
    const dataOffset = segOffset;
    let data = payload;
    let fin = (flags & FIN) !== 0;
    // Trim to the receive window (RFC 9293 §3.10.7.4: "segments with higher beginning sequence
    // numbers ... trimmed to the window"); bytes before RCV.NXT were received already.
    const windowEnd = Math.max(this.rcvAdv, this.rcvNxt);
    if (dataOffset + data.length > windowEnd) {
      layer.counters.TCPRcvWindowDrops++;
      data = data.subarray(0, Math.max(0, windowEnd - dataOffset));
      fin = false;
    }
    if (data.length > 0) {
      if (this._state === "ESTABLISHED" || this._state === "FIN-WAIT-1" || this._state === "FIN-WAIT-2") {
        if (this.readClosed) {
          // Data after close(): nobody will read it, so reset (RFC 2525 §2.17, Linux TCPAbortOnData).
          layer.counters.TCPAbortOnData++;
          this.sendReset(this.sndSeq(this.sndNxt));
          this.teardown(undefined, true);
          return;
        }
        this.receiveText(dataOffset, data);
      } else if (dataOffset + data.length > this.rcvNxt) {
        // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer sent FIN; text after it is ignored.
        this.ackNow = true;
      }
    }
    if (fin && !this.finReceived) {
      const finOffset = dataOffset + data.length;
      if (this.rcvFinOffset < 0) this.rcvFinOffset = finOffset;
      // RFC 5681 §4.2: an out-of-order segment, a FIN beyond a hole included, is ACKed at once.
      if (finOffset > this.rcvNxt) this.ackNow = true;
    }
    if (this.rcvFinOffset >= 0 && !this.finReceived && this.rcvNxt === this.rcvFinOffset) this.finArrived();
  }

  /** Seventh step: text goes to the receive buffer; RFC 5681 §4.2 decides when to ACK. */
  private receiveText(offset: number, data: Uint8Array): void {
    const counters = this.layer.counters;
    this.receiveBuffer ??= new ReceiveBuffer(this.layer.config.maxOutOfOrderRanges);
    const buffer = this.receiveBuffer;
    const hadHoles = buffer.outOfOrderRanges > 0;
    if (data.length > this.rcvMss) this.rcvMss = data.length;
    // RFC 2883: bytes received a second time, below RCV.NXT or over data held out of order, are
    // reported as the first SACK block (D-SACK), so the sender learns a retransmission was spurious.
    // The first duplicate bytes are reported: those below RCV.NXT, else those over held data.
    const old = offset < this.rcvNxt;
    if (old) this.reportDuplicate(offset, Math.min(offset + data.length, this.rcvNxt));
    const result = buffer.insert(offset, data);
    if (!old && buffer.duplicateRight > buffer.duplicateLeft) {
      this.reportDuplicate(buffer.duplicateLeft, buffer.duplicateRight);
    }
    switch (result) {
      case InsertResult.InOrder: {
        const advanced = buffer.next - this.rcvNxt;
        this.rcvNxt = buffer.next;
        this.pendingData = true;
        if (hadHoles) {
          // "an immediate ACK SHOULD be generated when the segment fills in all or part of a gap".
          this.ackNow = true;
        } else {
          // RFC 5681 §4.2 / RFC 1122 §4.2.3.2: ACK at least every second full-sized segment,
          // otherwise within the delayed-ACK timeout.
          // Every second segment whatever its size, as FreeBSD and Linux do (acknowledging more
          // often than "every second full-sized segment" is allowed).
          this.unackedBytes += advanced;
          this.unackedSegments++;
          if (!this.delayedAck || this.unackedSegments >= 2 || this.unackedBytes >= 2 * this.rcvMss) {
            this.ackNow = true;
          } else if (!this.delAckTimer.armed) this.delAckTimer.armIn(this.layer.config.delayedAckTimeout);
        }
        break;
      }
      case InsertResult.OutOfOrder:
        // RFC 5681 §4.2: an out-of-order segment gets an immediate (duplicate) ACK, with SACK.
        counters.TCPOFOQueue++;
        this.ackNow = true;
        break;
      case InsertResult.Duplicate:
        this.ackNow = true;
        break;
      case InsertResult.Dropped:
        counters.TCPOFODrop++;
        this.ackNow = true;
        break;
    }
  }

  /** Duplicate bytes are acknowledged at once (with a D-SACK block when SACK is on). */
  private reportDuplicate(left: number, right: number): void {
    if (right <= left) return;
    this.ackNow = true;
    if (!this.sackOk) return;
    this.dsackLeft = left;
    this.dsackRight = right;
  }

  /** Eighth step: the peer's FIN, now in order. */
  private finArrived(): void {
    this.finReceived = true;
    this.rcvNxt = this.rcvFinOffset + 1;
    this.ackNow = true;
    if ((this.receiveBuffer?.readable ?? 0) === 0) this.pendingEnd = true;
    else this.pendingData = true;
    const ourFinAcked = this.finOffset >= 0 && this.sndUna > this.finOffset;
    switch (this._state) {
      case "SYN-RECEIVED":
      case "ESTABLISHED":
        this.setState("CLOSE-WAIT");
        break;
      case "FIN-WAIT-1":
        // "If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT ...;
        // otherwise, enter the CLOSING state."
        if (ourFinAcked) this.enterTimeWait();
        else this.setState("CLOSING");
        break;
      case "FIN-WAIT-2":
        this.enterTimeWait();
        break;
      default:
        break;
    }
  }

  // =============================================================================================
  // Output: what to send now
  // =============================================================================================

  /**
   * Sends whatever the windows allow: retransmissions in loss recovery, new data, our FIN, and
   * finally a pure ACK if one is owed and nothing else carried it.
   */
  private output(): void {
    const s = this._state;
    if (s === "CLOSED" || s === "LISTEN" || s === "SYN-SENT" || s === "SYN-RECEIVED") return;
    if (s !== "TIME-WAIT" && s !== "FIN-WAIT-2") {
      if (this.recovery === RECOVERY_FAST) this.outputRecovery();
      else if (this.recovery === RECOVERY_TIMEOUT) this.outputAfterTimeout();
      if (this.recovery !== RECOVERY_FAST) this.outputNewData();
      this.checkPersist();
    }
    if (this.ackNow) this.sendAckNow();
  }

  /** The payload a full segment can carry now (less room for SACK blocks when we send them). */
  private segmentCapacity(): number {
    if (!this.sackOk) return this.mss;
    const ranges = (this.receiveBuffer?.outOfOrderRanges ?? 0) + (this.dsackRight > this.dsackLeft ? 1 : 0);
    if (ranges === 0) return this.mss;
    const blocks = Math.min(ranges, this.tsOk ? 3 : 4);
    return Math.max(1, this.mss - (4 + 8 * blocks));
  }

  /**
   * How many bytes of new data to send at SND.NXT within `room` bytes of congestion window, or
   * -1 to wait; sets `segmentFin` when the segment carries our FIN. RFC 1122 §4.2.3.4 (sender
   * SWS avoidance, with Nagle's algorithm as its second rule).
   */
  private newSegmentLength(room: number): number {
    const dataEnd = this.sendBuffer?.end ?? 0;
    const available = dataEnd - this.sndNxt;
    const finPending = this.finOffset >= 0 && this.sndNxt <= this.finOffset;
    if (available <= 0 && !finPending) return -1;
    const peerRoom = this.sndUna + this.sndWnd - this.sndNxt;
    const capacity = this.segmentCapacity();
    let length = Math.min(available, capacity, peerRoom, room);
    if (length < 0) length = 0;
    const fin = finPending && this.sndNxt + length === this.finOffset;
    if (length === 0 && !(fin && room > 0)) return -1;
    if (length < capacity && !fin) {
      // (1) a full segment goes at once; (2) all the queued data goes if nothing is unacknowledged
      // or Nagle is off (the application's data counts as pushed); (3) at least half the
      // largest window the peer ever offered goes. Otherwise wait for an ACK or the persist timer.
      const allQueued = length === available;
      const nagleAllows = this.noDelay || this.sndNxt === this.sndUna;
      const halfWindow = this.maxSndWnd > 0 && length >= this.maxSndWnd / 2;
      if (!(allQueued && nagleAllows) && !halfWindow) return -1;
    }
    this.segmentFin = fin;
    return length;
  }

  private segmentFin = false;

  /** Normal transmission (and RFC 3042 limited transmit on the first two duplicate ACKs). */
  private outputNewData(): void {
    for (;;) {
      const extra =
        this.recovery === RECOVERY_NONE && this.dupAcks > 0 && this.dupAcks < DUP_THRESH
          ? this.dupAcks * this.mss
          : 0;
      const inFlight =
        this.recovery === RECOVERY_TIMEOUT && this.rtxNext < this.recoveryPoint
          ? this.rtxNext - this.sndUna
          : this.sndNxt - this.sndUna;
      if (this.recovery === RECOVERY_TIMEOUT && this.rtxNext < this.recoveryPoint) return;
      const room = this.cc.cwnd + extra - inFlight;
      const length = this.newSegmentLength(room);
      if (length < 0) return;
      const start = this.sndNxt;
      this.sendRange(start, start + length + (this.segmentFin ? 1 : 0), false);
    }
  }

  /**
   * Sending during fast recovery. What to send is RFC 6675's NextSeg() (holes first, then new
   * data); how much is Proportional Rate Reduction (RFC 6937), which spreads the window reduction
   * over the recovery instead of going silent until the pipe drains below ssthresh (the "wait
   * for half a window" of RFC 6675 §5 (C) with cwnd = ssthresh), so holes are repaired at once.
   */
  private outputRecovery(): void {
    const ssthresh = this.cc.ssthresh;
    let pipe: number;
    if (this.sackOk) {
      const board = this.scoreboard;
      pipe = board ? board.pipe(this.sndUna, this.sndNxt, this.highRxt) : this.sndNxt - this.sndUna;
    } else {
      pipe = Math.max(0, this.sndNxt - this.sndUna - this.renoSacked);
    }
    let sendCount: number;
    if (pipe > ssthresh) {
      // Proportional rate reduction: sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out.
      sendCount = Math.ceil((this.prrDelivered * ssthresh) / Math.max(1, this.recoverFs)) - this.prrOut;
    } else {
      // Slow start reduction bound (PRR-SSRB): grow back toward ssthresh, at most one SMSS
      // beyond what was delivered.
      const limit = Math.max(this.prrDelivered - this.prrOut, this.deliveredData) + this.mss;
      sendCount = Math.min(ssthresh - pipe, limit);
    }
    this.deliveredData = 0;
    while (sendCount > 0) {
      const sent = this.sackOk ? this.nextSegment() : this.newDataInRecovery();
      if (sent <= 0) return;
      sendCount -= sent;
    }
  }

  /** Without SACK, recovery sends only new data beyond the retransmission (RFC 6582 §3.2 step 4). */
  private newDataInRecovery(): number {
    const length = this.newSegmentLength(this.mss);
    if (length < 0) return 0;
    const start = this.sndNxt;
    this.sendRange(start, start + length + (this.segmentFin ? 1 : 0), false);
    return Math.max(1, length);
  }

  /** RFC 6675 §4 NextSeg() and the send that follows; returns bytes sent (0: nothing to send). */
  private nextSegment(): number {
    const board = this.scoreboard;
    const from = Math.max(this.highRxt, this.sndUna);
    // Rule (1): the first unSACKed byte above HighRxt that IsLost().
    if (board) {
      const lostLimit = Math.min(board.lossBoundary, this.sndNxt);
      const hole = lostLimit > from ? board.nextHole(from, lostLimit) : undefined;
      if (hole !== undefined) {
        const end = this.segmentEnd(Math.min(hole + this.segmentCapacity(), board.holeEnd));
        this.highRxt = end;
        this.sendRange(hole, end, true);
        return end - hole;
      }
    }
    // Rule (2): new data, if the receiver's window allows.
    const length = this.newSegmentLength(this.mss);
    if (length >= 0) {
      const start = this.sndNxt;
      this.sendRange(start, start + length + (this.segmentFin ? 1 : 0), false);
      return Math.max(1, length);
    }
    if (!board) return 0;
    // Rule (3): an unSACKed byte above HighRxt below the highest SACKed byte.
    const sackedLimit = Math.min(board.highestSacked, this.sndNxt);
    const hole = sackedLimit > from ? board.nextHole(from, sackedLimit) : undefined;
    if (hole !== undefined) {
      const end = this.segmentEnd(Math.min(hole + this.segmentCapacity(), board.holeEnd));
      this.highRxt = end;
      this.sendRange(hole, end, true);
      return end - hole;
    }
    // Rule (4): one rescue retransmission per recovery, of the highest unSACKed segment.
    if (this.rescueRxt < 0 || this.sndUna > this.rescueRxt) {
      const top = this.sndNxt;
      if (!board.isSacked(top - 1)) {
        const start = Math.max(this.sndUna, top - this.segmentCapacity(), board.highestSacked);
        if (start < top) {
          this.rescueRxt = this.recoveryPoint;
          this.sendRange(start, top, true);
          return top - start;
        }
      }
    }
    return 0;
  }

  /** After a timeout: retransmit from SND.UNA within cwnd, skipping SACKed ranges. */
  private outputAfterTimeout(): void {
    const board = this.scoreboard;
    while (this.rtxNext < this.recoveryPoint) {
      if (this.rtxNext < this.sndUna) this.rtxNext = this.sndUna;
      let start = this.rtxNext;
      let limit = this.recoveryPoint;
      if (board && board.size > 0) {
        const hole = board.nextHole(start, this.recoveryPoint);
        if (hole === undefined) {
          this.rtxNext = this.recoveryPoint;
          break;
        }
        start = hole;
        limit = board.holeEnd;
      }
      if (start - this.sndUna >= this.cc.cwnd) return;
      const end = this.segmentEnd(Math.min(start + this.segmentCapacity(), limit));
      this.rtxNext = end;
      this.sendRange(start, end, true);
    }
  }

  /**
   * Sends the segment covering offsets [start, end), where `end` may include our FIN's offset.
   * Handles the RFC 6298 §5.1 timer and RTT timing.
   */
  private sendRange(start: number, end: number, retransmission: boolean): void {
    const fin = this.finOffset >= 0 && end > this.finOffset;
    const dataEnd = fin ? this.finOffset : end;
    const length = dataEnd - start;
    let flags = ACK;
    if (fin) flags |= FIN;
    if (length > 0 && dataEnd === this.sendBuffer?.end) flags |= PSH;
    const now = this.layer.scheduler.now;
    if (this.recovery === RECOVERY_FAST) this.prrOut += length;
    if (retransmission) {
      this.retransmissions++;
      this.retransmittedBytes += length;
      if (this.tsOk) this.lastRetransmitTs = this.tsNow();
      // Karn's algorithm: a retransmitted segment is not timed.
      if (this.rttTiming && start < this.rttOffset) this.rttTiming = false;
    } else {
      if (end > this.sndNxt) this.sndNxt = end;
      if (!this.rttTiming && !this.persisting) {
        this.rttTiming = true;
        this.rttOffset = end;
        this.rttStart = now;
      }
    }
    this.emitSegment(this.sndSeq(start), flags, -1, this.segmentOptionsFor(), start, length, retransmission);
    if (this.firstRtxTime < 0) this.firstRtxTime = now;
    // RFC 6298 §5.1: start the timer, if it is not running, when sending data.
    if (!this.persisting && !this.rtxTimer.armed) this.rtxTimer.armIn(this.rtt.rto);
  }

  /** A pure ACK, now (delayed ACK expired, out-of-order data, a duplicate, a challenge...). */
  private sendAckNow(): void {
    const s = this._state;
    if (s === "CLOSED" || s === "LISTEN" || s === "SYN-SENT") return;
    this.emitSegment(this.sndSeq(this.sndNxt), ACK, -1, this.segmentOptionsFor(), 0, 0, false);
  }

  /** RFC 5961 §3.2, §4.2, §5.2: a challenge ACK, within the stack's rate limit (§7). */
  private challengeAck(): void {
    const counters = this.layer.counters;
    if (!this.layer.allowChallengeAck()) {
      counters.TCPChallengeACKLimited++;
      return;
    }
    counters.TCPChallengeACK++;
    this.sendAckNow();
  }

  /** <SEQ=seq><CTL=RST>. */
  private sendReset(seq: number): void {
    this.emitSegment(seq, RST, 0, NO_OPTIONS, 0, 0, false);
  }

  /** The Timestamps and SACK options for a non-SYN segment (scratch objects of the layer). */
  private segmentOptionsFor(): TcpOption[] {
    const layer = this.layer;
    let blocks = 0;
    if (this.sackOk) {
      const max = this.tsOk ? 3 : 4;
      const offsets = layer.scratchSackOffsets;
      if (this.dsackRight > this.dsackLeft) {
        // RFC 2883 §4: the D-SACK block goes first, reported once.
        if (offsets.length === 0) offsets.push({ left: 0, right: 0 });
        offsets[0].left = this.dsackLeft;
        offsets[0].right = this.dsackRight;
        this.dsackLeft = this.dsackRight = 0;
        blocks = 1;
      }
      const buffer = this.receiveBuffer;
      if (buffer !== null && buffer.outOfOrderRanges > 0)
        blocks += buffer.sackBlocks(max - blocks, offsets, blocks);
      const wire = layer.scratchSackBlocks(blocks);
      for (let i = 0; i < blocks; i++) {
        wire[i].left = this.rcvSeq(offsets[i].left);
        wire[i].right = this.rcvSeq(offsets[i].right);
      }
    }
    return layer.scratchOptions(this.tsOk ? this.tsNow() : undefined, this.tsRecent, blocks);
  }

  /** Our TSval: a millisecond clock plus the connection's offset (RFC 7323 §5.4). */
  private tsNow(): number {
    return (Math.floor(this.layer.scheduler.now / MILLISECOND) + this.tsOffset) >>> 0;
  }

  /**
   * Fills the layer's scratch segment and hands it on. `window` is the raw field to send, or -1
   * to compute the advertised window now.
   */
  private emitSegment(
    seq: number,
    flags: number,
    window: number,
    options: TcpOption[],
    dataOffset: number,
    dataLength: number,
    retransmission: boolean,
  ): void {
    const layer = this.layer;
    const repr = layer.scratchRepr;
    repr.srcPort = this.localPort;
    repr.dstPort = this.remotePort;
    repr.seq = seq;
    repr.flags = flags;
    if (flags & ACK) {
      repr.ack = this.rcvSeq(this.rcvNxt);
      this.lastAckSent = this.rcvNxt;
      this.ackNow = false;
      this.unackedBytes = 0;
      this.unackedSegments = 0;
      this.delAckTimer.stop();
    } else repr.ack = 0;
    repr.window = window >= 0 ? window : this.windowField();
    repr.urgentPointer = 0;
    repr.options = options;
    repr.payload = dataLength > 0 ? this.payloadView(dataOffset, dataLength) : EMPTY;
    this.segmentsSent++;
    const error = layer.transmit(this, repr, retransmission);
    if (error === "message-too-big") this.layer.scheduler.after(0, () => this.pathMtuChanged(undefined));
    else if (error === "no-route") this.softError = "EHOSTUNREACH";
  }

  private payloadView(offset: number, length: number): Uint8Array {
    const buffer = this.sendBuffer!;
    const view = buffer.view(offset, length);
    if (view) return view;
    const scratch = this.layer.scratchPayload(length);
    buffer.copy(offset, length, scratch, 0);
    return scratch;
  }

  /**
   * The window field to advertise (RFC 9293 §3.8.6.2.2 receiver SWS avoidance, RFC 7323 §2.3
   * scaling). The right edge never moves left ("shrinking the window" is strongly discouraged).
   */
  private windowField(): number {
    const space = this.receiveSpace();
    const current = Math.max(0, this.rcvAdv - this.rcvNxt);
    let window = current;
    // Move the right edge only by at least min(RCV.BUFF / 2, Eff.snd.MSS) at a time.
    if (space - current >= Math.min(this.receiveBufferSize / 2, this.rcvMss)) window = space;
    const unit = 1 << this.rcvWscale;
    let field = Math.floor(window / unit);
    if (field * unit < current) field = Math.ceil(current / unit);
    if (field > 0xffff) field = 0xffff;
    const edge = this.rcvNxt + field * unit;
    if (edge > this.rcvAdv) this.rcvAdv = edge;
    return field;
  }

  /** Free receive buffer space, as far as the window field can express it (RFC 7323 §2.3). */
  private receiveSpace(): number {
    const space = Math.max(0, this.receiveBufferSize - (this.receiveBuffer?.readable ?? 0));
    return Math.min(space, 0xffff << this.rcvWscale);
  }

  /**
   * After the application consumed data: auto-tune the buffer (DRS) and send a window update
   * when the window grew a lot (RFC 1122 §4.2.3.3, as Linux's tcp_cleanup_rbuf).
   */
  private consumed(bytes: number): void {
    if (this.autotuneReceive) this.tuneReceiveBuffer(bytes);
    if (!isSynchronized(this._state) || this.finReceived) return;
    // A window update is worth a segment when the window would open by two segments and by a
    // good part of the buffer, or when it was nearly shut (FreeBSD's tcp_output rule, within
    // RFC 1122 §4.2.3.3's receiver SWS avoidance).
    const current = Math.max(0, this.rcvAdv - this.rcvNxt);
    const advance = this.receiveSpace() - current;
    const buffer = this.receiveBufferSize;
    const segment = Math.min(this.rcvMss, this.advMss);
    if (
      (advance >= 2 * segment && (advance >= buffer / 4 || current <= buffer / 8 || buffer <= 8 * segment)) ||
      2 * advance >= buffer
    ) {
      this.sendAckNow();
    }
  }

  /**
   * Dynamic Right-Sizing (Linux tcp_rcv_space_adjust): once per RTT, size the buffer to twice
   * what the application consumed in the last RTT, growing faster while that amount grows, so
   * the advertised window stays ahead of a sender in slow start.
   */
  private tuneReceiveBuffer(bytes: number): void {
    const now = this.layer.scheduler.now;
    this.drsCopied += bytes;
    if (this.drsStart < 0) {
      this.drsStart = now;
      return;
    }
    const rtt = this.rtt.srtt ?? (Number.isFinite(this.rtt.minRtt) ? this.rtt.minRtt : undefined);
    if (rtt === undefined || now - this.drsStart < Math.max(rtt, DRS_MIN_INTERVAL)) return;
    const copied = this.drsCopied;
    this.drsCopied = 0;
    this.drsStart = now;
    if (copied <= this.drsSpace) return;
    let window = 2 * copied + 16 * this.rcvMss;
    if (this.drsSpace > 0) window += 2 * Math.floor((window * (copied - this.drsSpace)) / this.drsSpace);
    this.drsSpace = copied;
    const limit = this.layer.config.receiveBufferMax;
    const size = Math.min(limit, window);
    if (size > this.receiveBufferSize) this.receiveBufferSize = size;
  }

  /** Send buffer auto-tuning (Linux tcp_sndbuf_expand): room for twice the congestion window. */
  private tuneSendBuffer(): void {
    const want = Math.min(this.layer.config.sendBufferMax, 2 * Math.max(this.cc.cwnd, this.sndWnd));
    if (want > this.sendBufferSize) {
      this.sendBufferSize = want;
      if (this.writeBlocked) {
        this.writeBlocked = false;
        this.pendingWritable = true;
      }
    }
  }

  private queueFin(): void {
    this.finOffset = this.sendBuffer?.end ?? 0;
  }

  // =============================================================================================
  // Timers
  // =============================================================================================

  /** Persist timer (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): probe a window too small to use. */
  private checkPersist(): void {
    if (this.persisting || this.rtxTimer.armed) return;
    if (this.sndNxt > this.sndUna) return;
    const pending =
      (this.sendBuffer?.end ?? 0) > this.sndNxt || (this.finOffset >= 0 && this.sndNxt <= this.finOffset);
    if (!pending) return;
    this.persisting = true;
    this.rtxTimer.armIn(this.persistTimeout());
  }

  private persistTimeout(): Nanoseconds {
    return Math.min(this.rtt.rto * 2 ** this.persistBackoff, this.layer.config.maxRto);
  }

  private onRetransmissionTimer(): void {
    if (this.persisting) this.persistExpired();
    else this.retransmissionTimeout();
    this.flush();
  }

  /** RFC 6298 §5.4-5.7 and RFC 5681 §3.1: the retransmission timer expired. */
  private retransmissionTimeout(): void {
    const layer = this.layer;
    const config = layer.config;
    const counters = layer.counters;
    const now = layer.scheduler.now;
    const s = this._state;
    if (s === "SYN-SENT" || s === "SYN-RECEIVED") {
      this.retries++;
      const limit = s === "SYN-SENT" ? config.synRetries : config.synAckRetries;
      if (this.retries > limit) {
        counters.AttemptFails++;
        if (this.listener) this.teardown(undefined);
        else
          this.teardown(
            new TcpError(
              this.softError ?? "ETIMEDOUT",
              `connect to ${this.remoteAddress}:${this.remotePort} timed out`,
            ),
          );
        return;
      }
      this.rtt.backOff();
      this.sendSyn(true);
      return;
    }
    if (this.sndNxt <= this.sndUna || s === "TIME-WAIT" || s === "CLOSED") return;
    this.retries++;
    if (
      this.retries > config.maxRetransmissions ||
      (this.userTimeout > 0 && this.firstRtxTime >= 0 && now - this.firstRtxTime >= this.userTimeout)
    ) {
      counters.TCPAbortOnTimeout++;
      this.teardown(
        new TcpError(
          this.softError ?? "ETIMEDOUT",
          `no acknowledgment from ${this.remoteAddress}:${this.remotePort}`,
        ),
      );
      return;
    }
    counters.TCPTimeouts++;
    this.timeouts++;
    // RFC 5681 §3.1: ssthresh is set on the first timeout only; repeated timeouts keep it.
    if (this.retries === 1) this.cc.onRto(now, this.sndNxt - this.sndUna);
    this.traceCongestion("timeout");
    this.recovery = RECOVERY_TIMEOUT;
    this.recoveryPoint = this.sndNxt;
    this.recover = this.sndNxt;
    this.rtxNext = this.sndUna;
    this.dupAcks = 0;
    this.renoSacked = 0;
    // RFC 2018 §8: after a timeout the SACK information is not trusted (the receiver may renege).
    this.scoreboard?.clear();
    // RFC 6298 §5.5: back off the timer; Karn: no RTT sample from what is now retransmitted.
    this.rtt.backOff();
    this.rttTiming = false;
    counters.TCPSlowStartRetrans++;
    this.output();
    if (!this.rtxTimer.armed) this.rtxTimer.armIn(this.rtt.rto);
  }

  private persistExpired(): void {
    const counters = this.layer.counters;
    if (!isSynchronized(this._state)) return;
    this.persistBackoff++;
    this.unansweredProbes++;
    if (this.unansweredProbes > this.layer.config.maxRetransmissions) {
      counters.TCPAbortOnTimeout++;
      this.teardown(
        new TcpError(
          "ETIMEDOUT",
          `zero-window probes to ${this.remoteAddress}:${this.remotePort} unanswered`,
        ),
      );
      return;
    }
    const peerRoom = this.sndUna + this.sndWnd - this.sndNxt;
    const dataEnd = this.sendBuffer?.end ?? 0;
    if (peerRoom > 0 && this.sndNxt < dataEnd) {
      // RFC 1122 §4.2.3.4 (4): the override timeout sends what fits despite SWS avoidance.
      this.persisting = false;
      this.persistBackoff = 0;
      const end = this.sndNxt + Math.min(peerRoom, dataEnd - this.sndNxt, this.segmentCapacity());
      this.sendRange(this.sndNxt, end, false);
      return;
    }
    // A zero-window probe: one byte of new data beyond the window (RFC 9293 §3.8.6.1), or the
    // FIN. The peer drops it if there still is no room, and answers with its window.
    counters.TCPWinProbe++;
    if (this.sndNxt > this.sndUna) this.sendRange(this.sndUna, this.sndUna + 1, true);
    else if (this.sndNxt < dataEnd) this.sendRange(this.sndNxt, this.sndNxt + 1, false);
    else if (this.finOffset >= 0 && this.sndNxt === this.finOffset)
      this.sendRange(this.sndNxt, this.sndNxt + 1, false);
    this.rtxTimer.armIn(this.persistTimeout());
  }

  private onDelayedAckTimer(): void {
    if (!isSynchronized(this._state) || this._state === "TIME-WAIT") return;
    if (this.unackedBytes > 0 || this.ackNow) {
      this.layer.counters.DelayedACKs++;
      this.sendAckNow();
    }
  }

  private onStateTimer(): void {
    const now = this.layer.scheduler.now;
    switch (this._state) {
      case "TIME-WAIT":
        // RFC 9293 §3.10.8: "If the time-wait timeout expires on a connection, delete the TCB".
        this.teardown(undefined);
        break;
      case "FIN-WAIT-2":
        if (this.readClosed) this.teardown(undefined);
        break;
      case "ESTABLISHED":
      case "CLOSE-WAIT": {
        const keepAlive = this.keepAlive;
        if (!keepAlive) break;
        // RFC 1122 §4.2.3.6: probe only after `idle` without receiving anything.
        const idleSince = this.lastReceived;
        if (now - idleSince < keepAlive.idle && this.keepAliveProbes === 0) {
          this.stateTimer.arm(idleSince + keepAlive.idle);
          break;
        }
        if (this.sndNxt > this.sndUna || (this.sendBuffer?.end ?? 0) > this.sndNxt) {
          // Data is outstanding: the retransmission timer watches the connection instead.
          this.stateTimer.armIn(keepAlive.idle);
          break;
        }
        if (this.keepAliveProbes >= keepAlive.probes) {
          this.teardown(
            new TcpError("ETIMEDOUT", `keepalive: ${this.remoteAddress}:${this.remotePort} does not answer`),
          );
          break;
        }
        this.keepAliveProbes++;
        this.layer.counters.TCPKeepAlive++;
        // A segment with SEG.SEQ = SND.NXT - 1 and no data, which the peer must acknowledge.
        this.emitSegment(
          (this.sndSeq(this.sndNxt) - 1) >>> 0,
          ACK,
          -1,
          this.segmentOptionsFor(),
          0,
          0,
          false,
        );
        this.stateTimer.armIn(keepAlive.interval);
        break;
      }
    }
    this.flush();
  }

  // =============================================================================================
  // ICMP errors (RFC 1122 §4.2.3.9, RFC 5927, RFC 1191)
  // =============================================================================================

  /** @internal An ICMP error quoting a segment of this connection with sequence number `seq`. */
  icmpError(error: TransportError, seq: number): void {
    const counters = this.layer.counters;
    const offset = this.sndUna + seqDiff(seq, this.sndSeq(this.sndUna));
    // RFC 5927 §4.1: only an error about data in flight is believable.
    if (offset < this.sndUna || offset >= Math.max(this.sndNxt, this.sndUna + 1)) {
      counters.OutOfWindowIcmps++;
      return;
    }
    const v4 = this.remoteAddress.version === 4;
    // ICMPv4 "fragmentation needed" is destination unreachable code 4; ICMPv6 has Packet Too Big,
    // and its code 4 is port unreachable (RFC 4443 §3.1).
    const fragmentationNeeded =
      error.kind === "packet-too-big" || (v4 && error.kind === "unreachable" && error.code === 4);
    // RFC 1122 §4.2.3.9: protocol and port unreachable are hard errors; in IPv6 an unknown next
    // header comes as a parameter problem, code 1 (RFC 4443 §3.4).
    const protocolUnreachable = !v4 && error.kind === "parameter-problem" && error.code === 1;
    if (fragmentationNeeded) {
      this.pathMtuChanged(error.mtu);
    } else if (error.kind === "unreachable" || protocolUnreachable) {
      const errno = (error.errno as TcpErrorCode) || "EHOSTUNREACH";
      if (this._state === "SYN-SENT") {
        // As Linux does: a connect that draws an ICMP unreachable fails at once.
        counters.AttemptFails++;
        this.teardown(new TcpError(errno, `${this.remoteAddress}:${this.remotePort} unreachable`));
      } else {
        // RFC 5461 / RFC 1122 §4.2.3.9: soft errors in established connections; reported if
        // the connection later times out.
        this.softError = errno;
      }
    }
    this.flush();
  }

  /**
   * RFC 1191 §6.4-6.5: a smaller path MTU. Lower the MSS and retransmit what is in flight at
   * once, without a congestion response (the loss was not congestion).
   */
  private pathMtuChanged(mtu: number | undefined): void {
    if (!isSynchronized(this._state)) return;
    const headers = (this.ipVersion() === 4 ? 20 : 40) + 20;
    const pathMss = mtu !== undefined && mtu >= 68 ? mtu - headers : this.pathMss();
    const mss = Math.min(this.peerMss, pathMss) - (this.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
    if (mss >= this.mss || mss < 8) return;
    this.mss = mss;
    this.cc.mss = mss;
    this.layer.counters.TCPPmtuReductions++;
    this.traceCongestion("pmtu");
    if (this.sndNxt > this.sndUna && this.recovery !== RECOVERY_FAST) {
      this.recovery = RECOVERY_TIMEOUT;
      this.recoveryPoint = this.sndNxt;
      this.recover = this.sndNxt;
      this.rtxNext = this.sndUna;
      this.rttTiming = false;
    }
    this.output();
    this.flush();
  }

  // =============================================================================================
  // Teardown, state changes, application events
  // =============================================================================================

  /** @internal connect() could not even start (no route, no port): report it like a failed open. */
  failBeforeOpen(error: TcpError): void {
    this.layer.counters.AttemptFails++;
    this.pendingError = error;
    this.hadError = true;
    this.receiveDiscarded = true;
    this.pendingClose = true;
    this.flush();
  }

  /**
   * @internal RFC 6191 (and RFC 9293 §3.10.7.4's note on TIME-WAIT): a new SYN may reopen this
   * 4-tuple if it cannot be confused with the old connection: its timestamp is newer, or,
   * without timestamps, its sequence number is above anything the old connection used.
   */
  acceptsNewSyn(seg: TcpRepr): boolean {
    if (this._state !== "TIME-WAIT") return false;
    const ts = this.tsOk ? this.segmentTimestamps(seg) : undefined;
    if (ts !== undefined) return seqLt(this.tsRecent, ts.value);
    return seqLt(this.rcvSeq(this.rcvNxt), seg.seq);
  }

  /**
   * @internal For a new active open on this 4-tuple: if this TIME-WAIT connection may be taken
   * over (it used timestamps, the last one at least `after` ago, as Linux's tcp_twsk_unique
   * requires), the sequence number where it ended; otherwise undefined.
   */
  reusableTimeWait(after: Nanoseconds): number | undefined {
    if (this._state !== "TIME-WAIT" || !this.tsOk || this.tsRecentStamp < 0) return undefined;
    if (this.layer.scheduler.now - this.tsRecentStamp < after) return undefined;
    return this.sndSeq(this.sndNxt);
  }

  /** @internal Deletes a half-open connection without a word (its listener closed). */
  drop(): void {
    this.teardown(undefined, true);
    this.flush();
  }

  /** @internal A new SYN replaced this TIME-WAIT connection (RFC 6191). */
  recycle(): void {
    this.layer.counters.TCPTimeWaitRecycled++;
    this.teardown(undefined);
  }

  /**
   * Enter CLOSED and delete the TCB. An error, a reset or an abort discards what was received
   * ("all segment queues should be flushed"); an orderly close keeps unread data readable.
   */
  private teardown(error: TcpError | undefined, discard = error !== undefined): void {
    if (this._state === "CLOSED") return;
    const wasTimeWait = this._state === "TIME-WAIT";
    this.setState("CLOSED");
    this.rtxTimer.cancel();
    this.delAckTimer.cancel();
    this.stateTimer.cancel();
    this.persisting = false;
    this.layer.remove(this);
    this.releaseMemory();
    if (discard || this.readClosed) {
      this.receiveBuffer = null;
      this.receiveDiscarded = true;
    }
    if (error) {
      this.pendingError = error;
      this.hadError = true;
    }
    if (!wasTimeWait) this.pendingClose = true;
  }

  /** Drops what the sending side holds (everything was acknowledged, or nobody will send it). */
  private releaseMemory(): void {
    this.sendBuffer = null;
    this.scoreboard = null;
  }

  private setState(to: TcpState): void {
    const from = this._state;
    if (from === to) return;
    this._state = to;
    this.layer.stateChanged(this, from, to);
    const tracer = this.layer.tracer;
    if (tracer.enabled) {
      tracer.emit({
        type: "tcp-state",
        time: this.layer.scheduler.now,
        node: this.layer.node,
        connection: this.name(),
        from,
        to,
      });
    }
  }

  /** @internal The connection's name in traces: `local:port>remote:port`. */
  name(): string {
    this.traceName ??= this.toString();
    return this.traceName;
  }

  private traceCongestion(reason: string): void {
    const tracer = this.layer.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "tcp-congestion",
      time: this.layer.scheduler.now,
      node: this.layer.node,
      connection: this.name(),
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      srtt: this.rtt.srtt,
      rto: this.rtt.rto,
      reason,
    });
  }

  /** Delivers the events collected while processing, in a fixed order. */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let rounds = 0; rounds < 8; rounds++) {
        let acted = false;
        if (this.pendingEstablished) {
          this.pendingEstablished = false;
          acted = true;
          if (this.listener) this.listener.deliver(this);
          else this.onConnect?.();
        }
        if (
          this.pendingData &&
          !this.paused &&
          this.onData &&
          this.receiveBuffer &&
          this._state !== "SYN-RECEIVED" &&
          this._state !== "SYN-SENT"
        ) {
          this.pendingData = false;
          acted = true;
          let delivered = 0;
          for (;;) {
            const buffer = this.receiveBuffer;
            if (!buffer || this.paused || !this.onData) break;
            const chunk = buffer.shift();
            if (!chunk) break;
            delivered += chunk.length;
            this.bytesReceived += chunk.length;
            this.onData(chunk);
          }
          if (delivered > 0) this.consumed(delivered);
          if (this.finReceived && (this.receiveBuffer?.readable ?? 0) === 0) this.pendingEnd = true;
        }
        if (
          this.pendingEnd &&
          !this.endSignalled &&
          !this.receiveDiscarded &&
          (this.receiveBuffer?.readable ?? 0) === 0
        ) {
          this.pendingEnd = false;
          this.endSignalled = true;
          acted = true;
          this.onEnd?.();
        }
        if (this.pendingWritable) {
          this.pendingWritable = false;
          acted = true;
          this.onWritable?.();
        }
        if (this.pendingError) {
          const error = this.pendingError;
          this.pendingError = undefined;
          acted = true;
          this.onError?.(error);
        }
        // 'close' comes after 'end' when the peer closed in order (Node's order).
        if (
          this.pendingClose &&
          !this.closeSignalled &&
          (this.endSignalled || !this.finReceived || this.receiveDiscarded)
        ) {
          this.pendingClose = false;
          this.closeSignalled = true;
          acted = true;
          this.onClose?.(this.hadError);
        }
        if (!acted) break;
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** `address:port`, with the IPv6 address in brackets (RFC 5952 §6), as `ss` prints it. */
export function formatEndpoint(address: IpAddress, port: number): string {
  return address.version === 4 ? `${address}:${port}` : `[${address}]:${port}`;
}

const EMPTY = new Uint8Array(0);
const ACK_SAMPLE: AckSample = {
  acked: 0,
  now: 0,
  srtt: undefined,
  minRtt: 0,
  cwndLimited: false,
  rtt: undefined,
  una: 0,
  nxt: 0,
};
const NO_OPTIONS: TcpOption[] = [];

function resolveKeepAlive(
  option: boolean | KeepAliveOptions | undefined,
  fallback: false | Required<KeepAliveOptions>,
): Required<KeepAliveOptions> | false {
  if (option === undefined) return fallback;
  if (option === false) return false;
  const base = fallback || { idle: 7_200_000_000_000, interval: 75_000_000_000, probes: 9 };
  if (option === true) return base;
  return {
    idle: option.idle ?? base.idle,
    interval: option.interval ?? base.interval,
    probes: option.probes ?? base.probes,
  };
}
