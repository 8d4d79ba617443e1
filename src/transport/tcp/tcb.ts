/**
 * The Transmission Control Block (RFC 9293 §3.3.1): every variable one TCP connection keeps — the
 * send and receive sequence variables, the options both ends agreed on, the buffers, congestion and
 * loss-recovery state, timers — and the few helpers every part of the connection uses. The
 * behaviour is layered on top, one file per part of the textbook, each class extending the one
 * before:
 *
 *   tcb.ts        the variables (this file)
 *   send.ts       output: what to send now, segment sizes, Nagle, windows, zero-window probes
 *   recovery.ts   ACK processing, RTT and RTO, congestion control and loss recovery
 *   receive.ts    segment text and FIN, reassembly, delayed ACKs, receive-window auto-tuning
 *   handshake.ts  opening: the SYNs and the options they negotiate
 *   arrival.ts    SEGMENT ARRIVES (RFC 9293 §3.10.7): the state machine's event processing
 *   connection.ts TcpConnection: the application's interface, closing, and event delivery
 *
 * Sequence numbers are converted at the edge into *stream offsets* that do not wrap: on the send
 * side our SYN is offset -1, data byte k is offset k, and our FIN is the offset after the last
 * data byte; the receive side does the same with the peer's sequence numbers. So SND.UNA,
 * SND.NXT and RCV.NXT below are offsets, and the comparisons between them are plain `<`.
 *
 * A method that a lower layer calls but a higher one defines is declared abstract here.
 */

import type { Nanoseconds } from "../../sim/time.js";
import { MILLISECOND } from "../../sim/time.js";
import type { IpAddress } from "../../wire/address/ipv6.js";
import { TcpFlags, type TcpOption, type TcpRepr } from "../../wire/tcp.js";
import type { KeepAliveOptions } from "./config.js";
import type { AckSample } from "./congestion/congestion-control.js";
import type { CongestionControlName } from "./congestion/index.js";
import { type CongestionControl, createCongestionControl } from "./congestion/index.js";
import type { TcpConnection } from "./connection.js";
import type { ReceiveBuffer } from "./receive-buffer.js";
import type { Retransmissions } from "./retransmissions.js";
import { RttEstimator } from "./rtt.js";
import type { SackScoreboard } from "./sack.js";
import type { SendBuffer } from "./send-buffer.js";
import type { TcpError, TcpErrorCode, TcpState } from "./state.js";
import type { TcpLayer, TcpListener } from "./tcp-layer.js";
import { LazyTimer } from "./timers.js";

export const { FIN, SYN, RST, PSH, ACK } = TcpFlags;

/** RFC 5681 §3.2: the duplicate ACK threshold for fast retransmit. */
export const DUP_THRESH = 3;
/** RFC 7323 §5.5: TS.Recent expires after 24 days of idleness. */
export const PAWS_IDLE_LIMIT: Nanoseconds = 24 * 24 * 3600 * 1_000_000_000;
/** Bytes the Timestamps option takes in every segment once negotiated (NOP, NOP, TS). */
export const TIMESTAMP_OPTION_BYTES = 12;
/** At most one ACK per this interval answers unacceptable segments without data. */
export const INVALID_ACK_INTERVAL: Nanoseconds = 500 * MILLISECOND;
/** Receive-window auto-tuning measures at most this often. */
export const DRS_MIN_INTERVAL: Nanoseconds = 100_000;

/** Loss recovery phases. */
export const RECOVERY_NONE = 0;
/** Fast retransmit / fast recovery (RFC 6675 with SACK, RFC 6582 without). */
export const RECOVERY_FAST = 1;
/** After a retransmission timeout: resend from SND.UNA (go-back-N, skipping SACKed data). */
export const RECOVERY_TIMEOUT = 2;

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
  /** Retransmitted segments that D-SACKs showed arrived twice, and recoveries undone for it. */
  spuriousRetransmits: number;
  undos: number;
  /** The reordering degree DupThresh uses (segments; 3 until reordering is seen). */
  reordering: number;
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

export abstract class TransmissionControlBlock {
  // ---- identity -------------------------------------------------------------------------
  /** @internal Next connection in the same demultiplexing bucket. */
  nextInBucket: TcpConnection | undefined = undefined;
  protected _state: TcpState = "CLOSED";

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
  protected iss = 0;
  /** SND.UNA: oldest unacknowledged offset (-1 while our SYN is unacknowledged). */
  protected sndUna = -1;
  /** SND.NXT: next offset to send new data at. */
  protected sndNxt = -1;
  /** SND.WND: the peer's window, in bytes (already scaled). */
  protected sndWnd = 0;
  /** SND.WL1, SND.WL2: sequence and acknowledgment numbers of the last window update. */
  protected sndWl1 = 0;
  protected sndWl2 = 0;
  /** MAX.SND.WND (RFC 5961 §5.2), also the "maximum window" of RFC 1122's SWS rule. */
  protected maxSndWnd = 0;
  /** Offset of our FIN once the application shut down sending, else -1. */
  protected finOffset = -1;
  /** shutdown() was called before the connection was established. */
  protected finRequested = false;

  // ---- receive sequence variables ------------------------------------------------------------
  /** IRS, the peer's initial sequence number. */
  protected irs = 0;
  /** RCV.NXT: next offset expected from the peer. */
  protected rcvNxt = 0;
  /** Right edge of the window we advertised (offset); RCV.WND = rcvAdv - RCV.NXT. */
  protected rcvAdv = 0;
  /** Offset of the peer's FIN once seen (possibly out of order), else -1. */
  protected rcvFinOffset = -1;
  protected finReceived = false;

  // ---- negotiated options ------------------------------------------------------------------
  /** Window scaling is on (both SYNs carried the option, RFC 7323 §2.2). */
  protected wsOk = false;
  protected sndWscale = 0;
  protected rcvWscale = 0;
  protected sackOk = false;
  protected tsOk = false;
  /** TS.Recent and when it was set (RFC 7323 §4.3, §5.5). */
  protected tsRecent = 0;
  protected tsRecentStamp: Nanoseconds = -1;
  /** Last.ACK.sent (RFC 7323 §4.3), as a receive offset. */
  protected lastAckSent = 0;
  /** Our TSval offset (RFC 7323 §5.4: a per-connection random offset). */
  protected tsOffset = 0;
  /** The MSS we advertised, and the peer's (RFC 9293 §3.7.1). */
  protected advMss = 536;
  protected peerMss = 536;
  /** Effective send MSS: payload bytes in a full segment (after the Timestamps option). */
  protected mss = 536;
  /** Largest payload seen from the peer: its segment size, for the delayed-ACK rule. */
  protected rcvMss = 536;
  /**
   * A simultaneous open's SYN text, waiting for ESTABLISHED. (A FIN in that SYN is not kept, as
   * FreeBSD does: unacknowledged, it is sent again.)
   */
  protected synText: Uint8Array | null = null;
  /** Our ISN came from a SYN cookie. */
  protected fromCookie = false;

  // ---- buffers (allocated on first use: an idle connection holds none) ---------------------------
  protected sendBuffer: SendBuffer | null = null;
  protected receiveBuffer: ReceiveBuffer | null = null;
  protected sendBufferSize: number;
  protected receiveBufferSize: number;
  protected readonly autotuneSend: boolean;
  protected readonly autotuneReceive: boolean;

  // ---- congestion control and loss recovery ------------------------------------------------------
  protected cc: CongestionControl;
  protected readonly ccName: CongestionControlName;
  protected readonly rtt: RttEstimator;
  protected recovery = RECOVERY_NONE;
  /** RecoveryPoint (RFC 6675): recovery ends once SND.UNA reaches it. */
  protected recoveryPoint = 0;
  /** RFC 6582's "recover": no new fast recovery until SND.UNA passes it. */
  protected recover = -1;
  /** HighRxt and RescueRxt (RFC 6675 §2). */
  protected highRxt = 0;
  /** A partial ACK came in this recovery (RFC 6582 §3.2 step 3 resets the timer on the first). */
  protected partialAckSeen = false;
  protected rescueRxt = -1;
  protected dupAcks = 0;
  /** Without SACK, duplicate ACKs stand for segments that left the network (bytes). */
  protected renoSacked = 0;
  /** RFC 6937 (PRR): RecoverFS, prr_delivered, prr_out, and the last ACK's DeliveredData. */
  protected recoverFs = 0;
  protected prrDelivered = 0;
  protected prrOut = 0;
  protected deliveredData = 0;
  /**
   * The path's reordering degree in segments (Linux tp->reordering): RFC 6675's DupThresh. It
   * starts at RFC 5681's 3 and grows, up to the stack's maxReordering, when reordering is seen.
   */
  protected reordering = DUP_THRESH;
  /** Spurious-retransmission detection (RFC 3708 §3): the episode can still be undone. */
  protected undoPossible = false;
  /** Fast retransmissions remembered for undo and loss detection (./retransmissions.ts). */
  protected rtx: Retransmissions | null = null;
  /** Every retransmission of the episode was D-SACKed while recovery still ran: undo at its end. */
  protected undoAtRecoveryEnd = false;
  /** Our TSval on the episode's first retransmission (RFC 3522 Eifel detection), 0 without timestamps. */
  protected undoTsval = 0;
  /** SND.UNA when the episode began: its first retransmission. */
  protected undoFirst = 0;
  /** The end of the highest range ever retransmitted: data above it was sent once. */
  protected highestRetransmitted = 0;
  /** After a timeout: the next offset to retransmit. */
  protected rtxNext = 0;
  protected scoreboard: SackScoreboard | null = null;
  /** RFC 6298 / Karn: the segment being timed (its end offset) and when it was sent. */
  protected rttTiming = false;
  protected rttOffset = 0;
  protected rttStart: Nanoseconds = 0;
  /** Our TSval when we last retransmitted: older echoes cannot be attributed (see newAck). */
  protected lastRetransmitTs = 0;

  // ---- timers ---------------------------------------------------------------------------------
  /** Retransmission, SYN/SYN-ACK retransmission and persist (zero-window probe) timer. */
  protected readonly rtxTimer: LazyTimer;
  protected readonly delAckTimer: LazyTimer;
  /** TIME-WAIT, FIN-WAIT-2 and keepalive timer. */
  protected readonly stateTimer: LazyTimer;
  /** Consecutive timeouts (or probes) without progress. */
  protected retries = 0;
  protected persisting = false;
  protected persistBackoff = 0;
  /** Zero-window probes sent since the peer last answered anything. */
  protected unansweredProbes = 0;
  /** When the oldest unacknowledged data was first sent (for the user timeout). */
  protected firstRtxTime: Nanoseconds = -1;
  protected readonly userTimeout: Nanoseconds;

  // ---- ACK generation --------------------------------------------------------------------------
  protected ackNow = false;
  /** When we last answered an unacceptable segment without data. */
  protected lastInvalidAck: Nanoseconds = Number.NEGATIVE_INFINITY;
  /** Bytes received in order since we last sent an ACK. */
  protected unackedBytes = 0;
  protected unackedSegments = 0;
  /** A duplicate range to report first in the next ACK (RFC 2883 D-SACK), as offsets. */
  protected dsackLeft = 0;
  protected dsackRight = 0;
  protected readonly delayedAck: boolean;
  protected noDelay: boolean;

  // ---- keepalive -------------------------------------------------------------------------------
  protected keepAlive: Required<KeepAliveOptions> | false;
  protected lastReceived: Nanoseconds = 0;
  protected keepAliveProbes = 0;

  // ---- receive auto-tuning (DRS) -------------------------------------------------------------------
  protected drsStart: Nanoseconds = -1;
  protected drsCopied = 0;
  protected drsSpace = 0;

  // ---- application side --------------------------------------------------------------------------
  /** The application called close(): it reads no more. */
  protected readClosed = false;
  protected paused = false;
  /** write() refused bytes, so onWritable is owed when room frees. */
  protected writeBlocked = false;
  protected softError: TcpErrorCode | undefined = undefined;

  // ---- pending application events (see `flush`) ----------------------------------------------------
  protected pendingEstablished = false;
  protected pendingData = false;
  protected pendingEnd = false;
  protected pendingWritable = false;
  protected pendingError: TcpError | undefined = undefined;
  protected pendingClose = false;
  protected endSignalled = false;
  protected closeSignalled = false;
  protected hadError = false;
  /** Received data was thrown away (reset or abort): no 'end' will come. */
  protected receiveDiscarded = false;
  protected flushing = false;

  // ---- statistics ---------------------------------------------------------------------------------
  protected bytesWritten = 0;
  protected bytesReceived = 0;
  protected segmentsSent = 0;
  protected segmentsReceived = 0;
  protected retransmissions = 0;
  protected retransmittedBytes = 0;
  protected timeouts = 0;
  protected fastRecoveries = 0;
  protected spuriousRetransmits = 0;
  protected undos = 0;
  protected traceName: string | undefined = undefined;

  /** Set by `newSegmentLength` (./send.ts): the segment it just sized carries our FIN. */
  protected segmentFin = false;

  // ---- defined by the layers above (see the list at the top) ----------------------------------
  /** ./recovery.ts */
  protected abstract onRetransmissionTimer(): void;
  /** ./recovery.ts */
  protected abstract outputAfterTimeout(): void;
  /** ./recovery.ts */
  protected abstract outputRecovery(): void;
  /** ./receive.ts */
  protected abstract onDelayedAckTimer(): void;
  /** ./handshake.ts */
  protected abstract sendSyn(retransmission: boolean): void;
  /** ./arrival.ts */
  protected abstract enterTimeWait(): void;
  /** ./arrival.ts */
  protected abstract onStateTimer(): void;
  /** ./arrival.ts */
  protected abstract pathMtuChanged(mtu: number | undefined): void;
  /** ./arrival.ts */
  protected abstract synchronizedArrives(seg: TcpRepr): void;
  /** ./connection.ts */
  protected abstract flush(): void;
  /** ./connection.ts */
  protected abstract releaseMemory(): void;
  /** ./connection.ts */
  protected abstract teardown(error: TcpError | undefined, discard?: boolean): void;

  /** Every block is the top layer, a TcpConnection: what the TCP layer and listeners deal in. */
  protected get connection(): TcpConnection {
    return this as unknown as TcpConnection;
  }

  /** @internal Use TcpLayer.connect or a listener. */
  constructor(
    protected readonly layer: TcpLayer,
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
    // One scheduler callback for the three timers (./timers.ts): whichever fired says so.
    const wake = () => {
      if (this.rtxTimer.poll()) this.onRetransmissionTimer();
      if (this.delAckTimer.poll()) this.onDelayedAckTimer();
      if (this.stateTimer.poll()) this.onStateTimer();
    };
    this.rtxTimer = new LazyTimer(scheduler, undefined, wake);
    this.delAckTimer = new LazyTimer(scheduler, undefined, wake);
    this.stateTimer = new LazyTimer(scheduler, undefined, wake);
  }

  protected sndSeq(offset: number): number {
    return (this.iss + 1 + offset) >>> 0;
  }

  protected rcvSeq(offset: number): number {
    return (this.irs + 1 + offset) >>> 0;
  }

  protected ipVersion(): 4 | 6 {
    return this.remoteAddress.version;
  }

  /** MSS from the path MTU: MTU less the IP and TCP fixed headers (RFC 9293 §3.7.1). */
  protected pathMss(): number {
    const mtu = this.layer.network.pathMtu(this.remoteAddress);
    return Math.max(1, mtu - (this.ipVersion() === 4 ? 20 : 40) - 20);
  }

  /** Our TSval: a millisecond clock plus the connection's offset (RFC 7323 §5.4). */
  protected tsNow(): number {
    return (Math.floor(this.layer.scheduler.now / MILLISECOND) + this.tsOffset) >>> 0;
  }

  /** The Timestamps option of a segment, if any. */
  protected segmentTimestamps(seg: TcpRepr): { value: number; echo: number } | undefined {
    const options = seg.options;
    for (let i = 0; i < options.length; i++) {
      const option = options[i];
      if (option.kind === "timestamps") return option;
    }
    return undefined;
  }

  protected setState(to: TcpState): void {
    const from = this._state;
    if (from === to) return;
    this._state = to;
    this.layer.stateChanged(this.connection, from, to);
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

  protected traceCongestion(reason: string): void {
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
}

/** `address:port`, with the IPv6 address in brackets (RFC 5952 §6), as `ss` prints it. */
export function formatEndpoint(address: IpAddress, port: number): string {
  return address.version === 4 ? `${address}:${port}` : `[${address}]:${port}`;
}

export const EMPTY = new Uint8Array(0);
export const ACK_SAMPLE: AckSample = {
  acked: 0,
  now: 0,
  srtt: undefined,
  minRtt: 0,
  cwndLimited: false,
  rtt: undefined,
  una: 0,
  nxt: 0,
};
export const NO_OPTIONS: TcpOption[] = [];

export function resolveKeepAlive(
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
