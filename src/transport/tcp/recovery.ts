/**
 * The fifth step of SEGMENT ARRIVES, the ACK (RFC 9293 §3.10.7.4), and everything it drives: the
 * RTT and retransmission timer (RFC 6298, Karn's algorithm, timestamps per RFC 7323 §4), the
 * congestion window through a pluggable module (RFC 5681, ./congestion), limited transmit
 * (RFC 3042), and loss recovery with SACK (RFC 2018, RFC 6675) or NewReno (RFC 6582), paced by
 * Proportional Rate Reduction (RFC 6937).
 */

import { MILLISECOND } from "../../sim/time.js";
import type { TcpRepr } from "../../wire/tcp.js";
import { Retransmissions } from "./retransmissions.js";
import { SackScoreboard } from "./sack.js";
import { SendSide } from "./send.js";
import { seqDiff, seqLe, seqLt } from "./sequence.js";
import { TcpError } from "./state.js";
import { ACK_SAMPLE, DUP_THRESH, FIN, RECOVERY_FAST, RECOVERY_NONE, RECOVERY_TIMEOUT, SYN } from "./tcb.js";

/** At most this many separate retransmitted ranges are tracked per episode (beyond, no undo). */
const MAX_UNDO_RANGES = 256;

export abstract class LossRecovery extends SendSide {
  /** Returns false when the segment must be dropped. */
  protected processAck(seg: TcpRepr, seq: number, ts: { value: number; echo: number } | undefined): boolean {
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
    if (newlySacked > 0 && this.recovery === RECOVERY_FAST) this.detectLostRetransmissions();
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
  protected sackedBytes(): number {
    return this.sackOk ? (this.scoreboard?.sacked ?? 0) : this.renoSacked;
  }

  /** RFC 2018 §4 / RFC 6675 Update(): records the SACK blocks of an ACK; returns bytes newly SACKed. */
  protected processSack(seg: TcpRepr, ackOffset: number): number {
    const options = seg.options;
    let added = 0;
    for (let i = 0; i < options.length; i++) {
      const option = options[i];
      if (option.kind !== "sack") continue;
      const base = this.sndSeq(this.sndUna);
      const blocks = option.blocks;
      for (let b = 0; b < blocks.length; b++) {
        const block = blocks[b];
        let left = this.sndUna + seqDiff(block.left, base);
        const right = this.sndUna + seqDiff(block.right, base);
        if (left >= right) continue;
        // RFC 2883 §4: a first block at or below the cumulative ACK, or inside the second block,
        // is a D-SACK: it reports data that arrived twice.
        if (
          b === 0 &&
          (right <= ackOffset || (blocks.length > 1 && this.containedIn(left, right, blocks[1], base)))
        ) {
          this.dsackReceived(left, right);
          continue;
        }
        // Stale blocks (at or below the cumulative ACK) and bogus ones (beyond SND.NXT) are ignored.
        if (right <= ackOffset || right > this.sndNxt) continue;
        if (left < ackOffset) left = ackOffset;
        this.scoreboard ??= new SackScoreboard();
        const board = this.scoreboard;
        // RFC 4653 / Linux tcp_check_sack_reordering: data sent once (above everything ever
        // retransmitted) and newly SACKed below data already SACKed was displaced, not lost. What
        // was retransmitted may have been filled by either copy: only a D-SACK can tell, see
        // dsackReceived.
        const fack = board.highestSacked;
        if (left < fack) {
          const hole = board.nextHole(Math.max(left, this.highestRetransmitted), Math.min(right, fack));
          if (hole !== undefined) this.reorderingSeen(fack - hole);
        }
        added += board.add(left, right);
      }
    }
    if (added > 0) this.scoreboard!.updateLossBoundary(this.dupThresh(), this.mss);
    return added;
  }

  /** Whether [left, right) lies within a SACK block (sequence numbers, relative to `base`). */
  private containedIn(
    left: number,
    right: number,
    block: { left: number; right: number },
    base: number,
  ): boolean {
    const outerLeft = this.sndUna + seqDiff(block.left, base);
    const outerRight = this.sndUna + seqDiff(block.right, base);
    return outerLeft <= left && right <= outerRight;
  }

  /**
   * RFC 6675's DupThresh for this connection: the reordering degree seen on the path (3 until
   * some is seen), but, as RFC 4653 §3.1's careful variant bounds it, never more than two thirds of
   * the flight in segments, so that a real loss is still found by SACKs within the window rather
   * than by the retransmission timer.
   */
  protected dupThresh(): number {
    const reordering = this.reordering;
    if (reordering <= DUP_THRESH) return DUP_THRESH;
    const flight = Math.floor((2 * (this.sndNxt - this.sndUna)) / (3 * this.mss));
    return Math.max(DUP_THRESH, Math.min(reordering, flight));
  }

  /** Reordering of `distance` bytes was seen: raise the reordering degree (never lowered). */
  protected reorderingSeen(distance: number): void {
    const max = this.layer.config.maxReordering;
    const degree = Math.min(Math.ceil(distance / this.mss), max);
    if (degree <= this.reordering) return;
    this.reordering = degree;
    this.layer.counters.TCPSACKReorder++;
    this.traceCongestion("reordering");
  }

  /**
   * A D-SACK for [left, right) (RFC 2883). RFC 3708 §3: when it covers data we retransmitted,
   * that retransmission was unnecessary (both copies arrived); once every retransmission of a
   * recovery episode is shown so, the episode was spurious and its window reduction is undone.
   */
  protected dsackReceived(left: number, right: number): void {
    this.layer.counters.TCPDSACKRecv++;
    if (!this.undoPossible) return;
    const duplicated = this.forgetRetransmitted(left, right);
    if (duplicated === 0) return;
    this.spuriousRetransmits += Math.max(1, Math.round(duplicated / this.mss));
    if (this.rtx !== null && this.rtx.undoLefts.length > 0) return;
    // RFC 4015 / Linux tcp_try_undo_recovery: within recovery the undo waits for its end (its
    // cwnd = ssthresh step would otherwise overwrite the restored window).
    if (this.recovery === RECOVERY_FAST) this.undoAtRecoveryEnd = true;
    else this.undoRecovery("undo-dsack");
  }

  /** Removes [left, right) from the episode's retransmitted ranges; returns the bytes removed. */
  private forgetRetransmitted(left: number, right: number): number {
    if (this.rtx === null) return 0;
    const lefts = this.rtx.undoLefts;
    const rights = this.rtx.undoRights;
    let removed = 0;
    for (let i = 0; i < lefts.length; i++) {
      const l = Math.max(lefts[i], left);
      const r = Math.min(rights[i], right);
      if (r <= l) continue;
      removed += r - l;
      if (l === lefts[i] && r === rights[i]) {
        lefts.splice(i, 1);
        rights.splice(i, 1);
        i--;
      } else if (l === lefts[i]) lefts[i] = r;
      else if (r === rights[i]) rights[i] = l;
      else {
        lefts.splice(i + 1, 0, r);
        rights.splice(i + 1, 0, rights[i]);
        rights[i] = l;
        i++;
      }
    }
    return removed;
  }

  /** Records a retransmission of [start, end) in the recovery episode (for D-SACK undo). */
  protected noteRetransmission(start: number, end: number): void {
    this.rtx ??= new Retransmissions();
    const lefts = this.rtx.undoLefts;
    const rights = this.rtx.undoRights;
    const n = lefts.length;
    if (n > 0 && rights[n - 1] === start) rights[n - 1] = end;
    else if (n >= MAX_UNDO_RANGES) this.cancelUndo();
    else {
      lefts.push(start);
      rights.push(end);
    }
  }

  protected cancelUndo(): void {
    this.undoPossible = false;
    this.undoAtRecoveryEnd = false;
    this.rtx?.clearUndo();
  }

  /**
   * RFC 3522 (Eifel detection) as Linux's tcp_packet_delayed applies it at the end of recovery:
   * the ACK that completes the recovery echoes a timestamp older than our first retransmission,
   * so the segment that closed the last hole was an original transmission (RFC 7323 §4.3: TS.Recent
   * comes from the segment that advanced the window). Every hole was filled by data sent once.
   */
  private originalsArrived(ts: { value: number; echo: number } | undefined): boolean {
    return ts !== undefined && ts.echo !== 0 && seqLt(ts.echo, this.undoTsval);
  }

  /** The recovery episode was spurious: restore the window it reduced (Linux tcp_undo_cwnd_reduction). */
  protected undoRecovery(reason: "undo-dsack" | "undo-timestamps"): void {
    // Nothing was lost: the segment that started the episode was displaced at least as far as
    // the data acknowledged above it now (Linux: "fack" minus the D-SACKed sequence). (A single
    // D-SACK proves less: a rescue retransmission or a lost ACK makes one too.)
    const fack = Math.max(this.sndUna, this.scoreboard?.highestSacked ?? 0);
    if (fack > this.undoFirst) this.reorderingSeen(fack - this.undoFirst);
    this.cancelUndo();
    this.cc.undo();
    this.undos++;
    if (reason === "undo-dsack") this.layer.counters.TCPDSACKUndo++;
    else this.layer.counters.TCPFullUndo++;
    this.traceCongestion(reason);
  }

  /** An ACK that acknowledges new data: SND.UNA moves up. */
  protected newAck(ackOffset: number, ts: { value: number; echo: number } | undefined): void {
    const now = this.layer.scheduler.now;
    const acked = ackOffset - this.sndUna;
    const unaBefore = this.sndUna;
    const flightBefore = this.sndNxt - this.sndUna;
    /** RFC 6582's Impatient variant: a later partial ACK leaves the retransmission timer running. */
    let keepTimer = false;
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
      // Linux tcp_clean_rtx_queue: the cumulative ACK filled the hole at SND.UNA, under SACKed
      // data, with data sent only once: it had been displaced (RFC 4653), not lost.
      const fack = this.scoreboard.highestSacked;
      if (fack > unaBefore && unaBefore >= this.highestRetransmitted) this.reorderingSeen(fack - unaBefore);
      this.scoreboard.advance(ackOffset);
      this.scoreboard.updateLossBoundary(this.dupThresh(), this.mss);
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
        if (this.undoAtRecoveryEnd) this.undoRecovery("undo-dsack");
        else if (this.undoPossible && this.originalsArrived(ts)) this.undoRecovery("undo-timestamps");
      } else if (!this.sackOk) {
        // RFC 6582 §3.2 step 3, partial acknowledgment: retransmit the first unacknowledged
        // segment, deflate by the amount acknowledged, and reset the timer on the first one.
        // Only on the first (§4's "Impatient" variant, the one §3.2 specifies): restarting it on
        // every partial ACK keeps a recovery that repairs one hole per round trip going for as
        // many round trips as holes, where the timeout's go-back-N would repair them in a few.
        keepTimer = this.partialAckSeen;
        this.partialAckSeen = true;
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
      else if (!keepTimer) this.rtxTimer.armIn(this.rtt.rto);
    }
    if (this.autotuneSend) this.tuneSendBuffer();
  }

  /** RFC 7323 §4.1: an RTT sample from an echoed timestamp (millisecond resolution). */
  protected sampleFromTimestamp(echo: number): void {
    const elapsed = (this.tsNow() - echo) | 0;
    if (elapsed >= 0 && elapsed < 0x7fffffff) {
      this.rtt.sample(elapsed * MILLISECOND);
      this.traceCongestion("rtt");
    }
  }

  /** A duplicate acknowledgment (RFC 5681 §2 definition; RFC 6675 §2 adds new SACK information). */
  protected duplicateAck(classic: boolean, newlySacked: number): void {
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
    if ((this.dupAcks >= this.dupThresh() || lostHead) && this.sndUna >= this.recover)
      this.enterFastRecovery();
  }

  /** RFC 6675 §5 step (4) / RFC 6582 §3.2 step 2: fast retransmit and enter recovery. */
  protected enterFastRecovery(): void {
    const now = this.layer.scheduler.now;
    const counters = this.layer.counters;
    this.recovery = RECOVERY_FAST;
    this.recoveryPoint = this.sndNxt;
    this.recover = this.sndNxt;
    this.partialAckSeen = false;
    this.fastRecoveries++;
    if (this.sackOk) counters.TCPSackRecovery++;
    else counters.TCPRenoRecovery++;
    // RFC 3708: a new episode, whose retransmissions D-SACKs may yet show to be unnecessary (only
    // with SACK: without it no D-SACK can come). It replaces any earlier one still pending. As in
    // Linux (tcp_init_undo), not while earlier retransmissions are outstanding: a D-SACK could
    // then mean that two retransmissions arrived, not that the original did.
    this.cancelUndo();
    this.undoPossible =
      this.sackOk && this.layer.config.dsackUndo && this.highestRetransmitted <= this.sndUna;
    this.undoTsval = this.tsOk ? this.tsNow() : 0;
    this.undoFirst = this.sndUna;
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

  /**
   * Sending during fast recovery. What to send is RFC 6675's NextSeg() (holes first, then new
   * data); how much is Proportional Rate Reduction (RFC 6937), which spreads the window reduction
   * over the recovery instead of going silent until the pipe drains below ssthresh (the "wait
   * for half a window" of RFC 6675 §5 (C) with cwnd = ssthresh), so holes are repaired at once.
   */
  protected override outputRecovery(): void {
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
  protected newDataInRecovery(): number {
    const length = this.newSegmentLength(this.mss);
    if (length < 0) return 0;
    const start = this.sndNxt;
    this.sendRange(start, start + length + (this.segmentFin ? 1 : 0), false);
    return Math.max(1, length);
  }

  /**
   * Linux's tcp_mark_lost_retrans (the idea RACK, RFC 8985, generalizes): a retransmission is lost
   * when data sent after it has been SACKed — beyond the reordering allowance — and it has not.
   * RFC 6675 alone finds a lost retransmission only by the retransmission timer (HighRxt has
   * passed it), which costs at least a second (RFC 6298's minimum RTO) and the whole window.
   */
  protected detectLostRetransmissions(): void {
    const board = this.scoreboard;
    const log = this.rtx;
    if (!board || !log) return;
    const starts = log.starts;
    const ends = log.ends;
    const marks = log.marks;
    const reach = board.highestSacked - (this.dupThresh() - 1) * this.mss;
    let kept = 0;
    for (let i = 0; i < starts.length; i++) {
      const start = Math.max(starts[i], this.sndUna);
      const end = ends[i];
      if (end <= start || board.sackedWithin(start, end) === end - start) continue;
      if (marks[i] < reach) {
        log.lostStarts.push(start);
        log.lostEnds.push(end);
        this.layer.counters.TCPLostRetransmit++;
        continue;
      }
      starts[kept] = starts[i];
      ends[kept] = end;
      marks[kept] = marks[i];
      kept++;
    }
    starts.length = ends.length = marks.length = kept;
  }

  /** Forgets the retransmissions watched for loss (a timeout resends everything anyway). */
  protected clearRetransmissionLog(): void {
    this.rtx?.clearLog();
  }

  /** RFC 6675 §4 NextSeg() and the send that follows; returns bytes sent (0: nothing to send). */
  protected nextSegment(): number {
    const board = this.scoreboard;
    // First, retransmissions found lost again (detectLostRetransmissions), oldest first.
    const lost = this.rtx;
    while (board && lost !== null && lost.lostStarts.length > 0) {
      const start = Math.max(lost.lostStarts.shift()!, this.sndUna);
      const limit = Math.min(lost.lostEnds.shift()!, this.sndNxt);
      const hole = start < limit ? board.nextHole(start, limit) : undefined;
      if (hole === undefined) continue;
      const end = this.segmentEnd(Math.min(hole + this.segmentCapacity(), board.holeEnd));
      if (end <= hole) continue;
      this.sendRange(hole, end, true);
      return end - hole;
    }
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
  protected override outputAfterTimeout(): void {
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

  protected override onRetransmissionTimer(): void {
    if (this.persisting) this.persistExpired();
    else this.retransmissionTimeout();
    this.flush();
  }

  /** RFC 6298 §5.4-5.7 and RFC 5681 §3.1: the retransmission timer expired. */
  protected retransmissionTimeout(): void {
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
    // A timeout is not undone (that would take F-RTO, RFC 5682): drop any pending episode.
    this.cancelUndo();
    this.clearRetransmissionLog();
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
}
