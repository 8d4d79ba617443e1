/**
 * Output (RFC 9293 §3.8.6.2.1, RFC 1122 §4.2.3.4): what to send now — retransmissions in loss
 * recovery, new data within the congestion and receive windows (sender SWS avoidance and Nagle's
 * algorithm), our FIN, pure ACKs — and how a segment is cut from the send buffer, given its
 * options (timestamps, SACK blocks) and the window to advertise. Zero-window probing (the persist
 * timer, RFC 9293 §3.8.6.1) is the sender's too.
 */

import type { Nanoseconds } from "../../sim/time.js";
import type { TcpOption } from "../../wire/tcp.js";
import { Retransmissions } from "./retransmissions.js";
import { isSynchronized, TcpError } from "./state.js";
import {
  ACK,
  DUP_THRESH,
  EMPTY,
  FIN,
  NO_OPTIONS,
  PSH,
  RECOVERY_FAST,
  RECOVERY_NONE,
  RECOVERY_TIMEOUT,
  RST,
  TransmissionControlBlock,
} from "./tcb.js";

/** At most this many outstanding fast retransmissions are watched for loss (beyond: the timer). */
const MAX_RTX_LOG = 4096;

export abstract class SendSide extends TransmissionControlBlock {
  /**
   * Sends whatever the windows allow: retransmissions in loss recovery, new data, our FIN, and
   * finally a pure ACK if one is owed and nothing else carried it.
   */
  protected output(): void {
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
  protected segmentCapacity(): number {
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
  protected newSegmentLength(room: number): number {
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

  /** Normal transmission (and RFC 3042 limited transmit on the first two duplicate ACKs). */
  protected outputNewData(): void {
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
   * Sends the segment covering offsets [start, end), where `end` may include our FIN's offset.
   * Handles the RFC 6298 §5.1 timer and RTT timing.
   */
  protected sendRange(start: number, end: number, retransmission: boolean): void {
    const fin = this.finOffset >= 0 && end > this.finOffset;
    const dataEnd = fin ? this.finOffset : end;
    const length = dataEnd - start;
    let flags = ACK;
    if (fin) flags |= FIN;
    if (length > 0 && dataEnd === this.sendBuffer?.end) flags |= PSH;
    const now = this.layer.scheduler.now;
    if (this.recovery === RECOVERY_FAST) this.prrOut += length;
    if (retransmission) {
      if (this.undoPossible) {
        if (this.recovery === RECOVERY_FAST) this.noteRetransmission(start, end);
        else this.cancelUndo();
      }
      if (this.recovery === RECOVERY_FAST) {
        this.rtx ??= new Retransmissions();
        const log = this.rtx;
        if (log.starts.length < MAX_RTX_LOG) {
          log.starts.push(start);
          log.ends.push(end);
          log.marks.push(this.sndNxt);
        }
      }
      this.retransmissions++;
      if (end > this.highestRetransmitted) this.highestRetransmitted = end;
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

  /** ./recovery.ts: D-SACK undo bookkeeping. */
  protected abstract noteRetransmission(start: number, end: number): void;
  protected abstract cancelUndo(): void;

  /** A pure ACK, now (delayed ACK expired, out-of-order data, a duplicate, a challenge...). */
  protected sendAckNow(): void {
    const s = this._state;
    if (s === "CLOSED" || s === "LISTEN" || s === "SYN-SENT") return;
    this.emitSegment(this.sndSeq(this.sndNxt), ACK, -1, this.segmentOptionsFor(), 0, 0, false);
  }

  /** RFC 5961 §3.2, §4.2, §5.2: a challenge ACK, within the stack's rate limit (§7). */
  protected challengeAck(): void {
    const counters = this.layer.counters;
    if (!this.layer.allowChallengeAck()) {
      counters.TCPChallengeACKLimited++;
      return;
    }
    counters.TCPChallengeACK++;
    this.sendAckNow();
  }

  /** <SEQ=seq><CTL=RST>. */
  protected sendReset(seq: number): void {
    this.emitSegment(seq, RST, 0, NO_OPTIONS, 0, 0, false);
  }

  /** The Timestamps and SACK options for a non-SYN segment (scratch objects of the layer). */
  protected segmentOptionsFor(): TcpOption[] {
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

  /**
   * Fills the layer's scratch segment and hands it on. `window` is the raw field to send, or -1
   * to compute the advertised window now.
   */
  protected emitSegment(
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
    const error = layer.transmit(this.connection, repr, retransmission);
    if (error === "message-too-big") this.layer.scheduler.after(0, () => this.pathMtuChanged(undefined));
    else if (error === "no-route") this.softError = "EHOSTUNREACH";
  }

  protected payloadView(offset: number, length: number): Uint8Array {
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
  protected windowField(): number {
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
  protected receiveSpace(): number {
    const space = Math.max(0, this.receiveBufferSize - (this.receiveBuffer?.readable ?? 0));
    return Math.min(space, 0xffff << this.rcvWscale);
  }

  /** Extends a segment's end over our FIN when it reaches the end of the data. */
  protected segmentEnd(end: number): number {
    if (this.finOffset >= 0 && end >= this.finOffset && this.sndNxt > this.finOffset)
      return this.finOffset + 1;
    return end;
  }

  protected queueFin(): void {
    this.finOffset = this.sendBuffer?.end ?? 0;
  }

  /** Send buffer auto-tuning (Linux tcp_sndbuf_expand): room for twice the congestion window. */
  protected tuneSendBuffer(): void {
    const want = Math.min(this.layer.config.sendBufferMax, 2 * Math.max(this.cc.cwnd, this.sndWnd));
    if (want > this.sendBufferSize) {
      this.sendBufferSize = want;
      if (this.writeBlocked) {
        this.writeBlocked = false;
        this.pendingWritable = true;
      }
    }
  }

  /** Persist timer (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): probe a window too small to use. */
  protected checkPersist(): void {
    if (this.persisting || this.rtxTimer.armed) return;
    if (this.sndNxt > this.sndUna) return;
    const pending =
      (this.sendBuffer?.end ?? 0) > this.sndNxt || (this.finOffset >= 0 && this.sndNxt <= this.finOffset);
    if (!pending) return;
    this.persisting = true;
    this.rtxTimer.armIn(this.persistTimeout());
  }

  protected persistTimeout(): Nanoseconds {
    return Math.min(this.rtt.rto * 2 ** this.persistBackoff, this.layer.config.maxRto);
  }

  protected persistExpired(): void {
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
}
