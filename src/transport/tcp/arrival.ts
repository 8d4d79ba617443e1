/**
 * SEGMENT ARRIVES (RFC 9293 §3.10.7): the state machine's event processing for SYN-SENT and the
 * synchronized states — sequence number acceptability, RST, SYN and ACK checks (with RFC 5961's
 * defences against blind injection and PAWS, RFC 7323 §5), state changes through to TIME-WAIT —
 * and the other events from the network: ICMP errors (RFC 1122 §4.2.3.9, RFC 5927) and path MTU
 * changes (RFC 1191). The TIME-WAIT and FIN-WAIT-2 timers live here too.
 */

import type { TransportError } from "../../net/network-layer.js";
import type { TcpRepr } from "../../wire/tcp.js";
import { Handshake } from "./handshake.js";
import { readSynOptions } from "./options.js";
import { seqDiff, seqLe, seqLt } from "./sequence.js";
import { isSynchronized, TcpError, type TcpErrorCode } from "./state.js";
import {
  ACK,
  EMPTY,
  FIN,
  INVALID_ACK_INTERVAL,
  PAWS_IDLE_LIMIT,
  RECOVERY_FAST,
  RECOVERY_TIMEOUT,
  RST,
  SYN,
  TIMESTAMP_OPTION_BYTES,
} from "./tcb.js";

export abstract class SegmentArrival extends Handshake {
  /** @internal A segment for this connection (any state but CLOSED and LISTEN). */
  segmentArrives(seg: TcpRepr): void {
    this.segmentsReceived++;
    this.lastReceived = this.layer.scheduler.now;
    if (this._state === "SYN-SENT") this.synSentArrives(seg);
    else this.synchronizedArrives(seg);
    this.flush();
  }

  /** RFC 9293 §3.10.7.3: SYN-SENT. */
  protected synSentArrives(seg: TcpRepr): void {
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
  protected ackedSyn(seg: TcpRepr): void {
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
  protected established(): void {
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
  protected override synchronizedArrives(seg: TcpRepr): void {
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
      if (this.listener) this.listener.handshakeDone(this.connection);
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
  protected override enterTimeWait(): void {
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
  protected resetReceived(): void {
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
  protected override pathMtuChanged(mtu: number | undefined): void {
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

  protected override onStateTimer(): void {
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
}
