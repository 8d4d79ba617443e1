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
 * The connection is built in layers, one file per part of the textbook (see ./tcb.ts for the
 * list); this class is the top one: the application's interface and closing.
 *
 * Callbacks to the application (onConnect, onData, ...) are never made in the middle of
 * processing: events are collected and delivered at the end (`flush`), so an application that
 * writes or closes from inside a callback sees a consistent connection.
 */

import type { Nanoseconds } from "../../sim/time.js";
import type { TcpRepr } from "../../wire/tcp.js";
import { SegmentArrival } from "./arrival.js";
import type { KeepAliveOptions } from "./config.js";
import { SendBuffer } from "./send-buffer.js";
import { seqLt } from "./sequence.js";
import { isSynchronized, TcpError, type TcpState } from "./state.js";
import { formatEndpoint, resolveKeepAlive, type TcpConnectionStats } from "./tcb.js";

export type { ConnectionOptions, TcpConnectionStats } from "./tcb.js";
export { formatEndpoint } from "./tcb.js";

export class TcpConnection extends SegmentArrival {
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

  protected canQueueData(): boolean {
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
      spuriousRetransmits: this.spuriousRetransmits,
      undos: this.undos,
      reordering: this.reordering,
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

  override toString(): string {
    return `${formatEndpoint(this.localAddress, this.localPort)}>${formatEndpoint(this.remoteAddress, this.remotePort)}`;
  }

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
  protected override teardown(error: TcpError | undefined, discard = error !== undefined): void {
    if (this._state === "CLOSED") return;
    const wasTimeWait = this._state === "TIME-WAIT";
    this.setState("CLOSED");
    this.rtxTimer.cancel();
    this.delAckTimer.cancel();
    this.stateTimer.cancel();
    this.persisting = false;
    this.layer.remove(this.connection);
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
  protected override releaseMemory(): void {
    this.sendBuffer = null;
    this.scoreboard = null;
  }

  /** Delivers the events collected while processing, in a fixed order. */
  /**
   * After 'close' no event follows (Node's order), yet a connection lives on in TIME-WAIT for 2MSL
   * (a minute): it lets go of the application's callbacks, and of the receive buffer once
   * everything was read, so that what the application built around it (a socket, its streams) and
   * the last receive block are not kept for that minute. (Linux frees the socket, keeping a
   * small tcp_timewait_sock.)
   */
  private detachApplication(): void {
    this.onConnect = this.onData = this.onEnd = this.onWritable = undefined;
    this.onError = this.onClose = undefined;
    if (this.receiveBuffer !== null && this.receiveBuffer.readable === 0) this.receiveBuffer = null;
  }

  protected override flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let rounds = 0; rounds < 8; rounds++) {
        let acted = false;
        if (this.pendingEstablished) {
          this.pendingEstablished = false;
          acted = true;
          if (this.listener) this.listener.deliver(this.connection);
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
          this.detachApplication();
        }
        if (!acted) break;
      }
    } finally {
      this.flushing = false;
    }
  }
}
