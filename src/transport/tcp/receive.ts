/**
 * The receiving side: the sixth to eighth steps of SEGMENT ARRIVES (RFC 9293 §3.10.7.4) — segment
 * text into the receive buffer, in order or held out of order (RFC 1122 §4.2.2.20), D-SACK reports
 * (RFC 2883), the peer's FIN — and when to acknowledge (delayed ACKs, RFC 1122 §4.2.3.2 and
 * RFC 5681 §4.2), window updates after the application reads, and receive-buffer auto-tuning
 * (Dynamic Right-Sizing, as Linux's tcp_rcv_space_adjust).
 */

import type { TcpRepr } from "../../wire/tcp.js";
import { InsertResult, ReceiveBuffer } from "./receive-buffer.js";
import { LossRecovery } from "./recovery.js";
import { isSynchronized } from "./state.js";
import { DRS_MIN_INTERVAL, FIN } from "./tcb.js";

export abstract class ReceiveSide extends LossRecovery {
  protected processTextAndFin(
    seg: TcpRepr,
    segOffset: number,
    payload = seg.payload,
    flags = seg.flags,
  ): void {
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
  protected receiveText(offset: number, data: Uint8Array): void {
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
  protected reportDuplicate(left: number, right: number): void {
    if (right <= left) return;
    this.ackNow = true;
    if (!this.sackOk) return;
    this.dsackLeft = left;
    this.dsackRight = right;
  }

  /** Eighth step: the peer's FIN, now in order. */
  protected finArrived(): void {
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

  /**
   * After the application consumed data: auto-tune the buffer (DRS) and send a window update
   * when the window grew a lot (RFC 1122 §4.2.3.3, as Linux's tcp_cleanup_rbuf).
   */
  protected consumed(bytes: number): void {
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
  protected tuneReceiveBuffer(bytes: number): void {
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

  protected override onDelayedAckTimer(): void {
    if (!isSynchronized(this._state) || this._state === "TIME-WAIT") return;
    if (this.unackedBytes > 0 || this.ackNow) {
      this.layer.counters.DelayedACKs++;
      this.sendAckNow();
    }
  }
}
