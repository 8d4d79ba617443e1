/**
 * Reno-style AIMD congestion control as RFC 5681 §3.1 specifies it, with RFC 6582's rule for
 * leaving fast recovery (FreeBSD calls this module "newreno"): slow start below ssthresh,
 * additive increase of one SMSS per window above it, halving on a congestion event.
 */
import type { Nanoseconds } from "../../../sim/time.js";
import { type AckSample, type CongestionControl, initialWindow } from "./congestion-control.js";
import { CSS_GROWTH_DIVISOR, HyStartPlusPlus, SlowStartPhase } from "./hystart.js";

export class NewRenoCongestionControl implements CongestionControl {
  readonly name: string = "newreno";
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  /** Bytes acknowledged since cwnd last grew in congestion avoidance (RFC 5681 §3.1 byte counting). */
  protected bytesAcked = 0;
  /** HyStart++ (RFC 9406) guards the first slow start; null once it is over. */
  protected hystart: HyStartPlusPlus | null = new HyStartPlusPlus();
  /** cwnd and ssthresh just before the last recovery began (what `undo` restores). */
  protected priorCwnd = 0;
  protected priorSsthresh = 0;

  constructor(public mss: number) {
    this.cwnd = initialWindow(mss);
  }

  onAck(sample: AckSample): void {
    if (!sample.cwndLimited) return;
    if (this.cwnd < this.ssthresh) {
      const rest = this.slowStart(sample.acked, sample);
      if (rest > 0) this.congestionAvoidance(rest);
    } else this.congestionAvoidance(sample.acked);
  }

  /**
   * RFC 5681 §3.1 eq. 2 with Appropriate Byte Counting (RFC 3465 §2.2, L = 2*SMSS): grow by the
   * bytes acknowledged, at most two segments per ACK, so that delayed ACKs still double the
   * window every round trip; a quarter of that in HyStart++'s conservative phase. Returns the
   * acknowledged bytes left over once slow start ends (they count toward congestion avoidance).
   */
  protected slowStart(acked: number, sample: AckSample): number {
    let increase = Math.min(acked, 2 * this.mss);
    if (this.hystart) {
      const phase = this.hystart.update(sample.rtt, sample.una, sample.nxt);
      if (phase === SlowStartPhase.Exit) {
        // RFC 9406 §4.2: after CSS_ROUNDS of conservative slow start, ssthresh = cwnd.
        this.ssthresh = this.cwnd;
        this.hystart = null;
        return acked;
      }
      if (phase === SlowStartPhase.Conservative) increase /= CSS_GROWTH_DIVISOR;
    }
    const room = this.ssthresh - this.cwnd;
    if (increase <= room) {
      this.cwnd += increase;
      return 0;
    }
    this.cwnd = this.ssthresh;
    return increase - room;
  }

  /** RFC 5681 §3.1: one SMSS more per cwnd of bytes acknowledged (byte counting, eq. 3's RECOMMENDED form). */
  protected congestionAvoidance(acked: number): void {
    this.bytesAcked += acked;
    if (this.bytesAcked >= this.cwnd) {
      this.bytesAcked -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  /** RFC 5681 §3.2 step 2 / eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). */
  onRecoveryStart(_now: Nanoseconds, flightSize: number): void {
    this.saveForUndo();
    this.hystart = null;
    this.ssthresh = Math.max(flightSize / 2, 2 * this.mss);
    // RFC 6675 §5 step (4.2) and RFC 6582 measure the data in flight against cwnd = ssthresh
    // (the dupack "inflation" of RFC 5681 §3.2 is the same thing seen from the other side).
    this.cwnd = this.ssthresh;
    this.bytesAcked = 0;
  }

  /**
   * RFC 6582 §3.2 step 3, full acknowledgment, option (2): cwnd = ssthresh (option (1),
   * min(ssthresh, FlightSize + SMSS), would fall back to slow start whenever recovery ends with
   * little in flight, as RFC 6937 §3 notes; Linux also ends recovery at ssthresh).
   */
  onRecoveryEnd(_now: Nanoseconds, _flightSize: number): void {
    this.cwnd = this.ssthresh;
    this.bytesAcked = 0;
  }

  protected saveForUndo(): void {
    this.priorCwnd = this.cwnd;
    this.priorSsthresh = this.ssthresh;
  }

  /**
   * Linux tcp_undo_cwnd_reduction: cwnd = max(cwnd, prior cwnd), ssthresh = max(ssthresh, prior
   * ssthresh). An ssthresh that was still infinite goes back to slow start, without HyStart++
   * (the path has shown it reorders, and the next exit should be on real loss).
   */
  undo(): void {
    if (this.priorCwnd === 0) return;
    this.cwnd = Math.max(this.cwnd, this.priorCwnd);
    this.ssthresh = Math.max(this.ssthresh, this.priorSsthresh);
    this.bytesAcked = 0;
    this.priorCwnd = 0;
  }

  /** RFC 5681 §3.1 eq. 4 and "LW": after a timeout, ssthresh halves and cwnd is one segment. */
  onRto(_now: Nanoseconds, flightSize: number): void {
    this.hystart = null;
    this.ssthresh = Math.max(flightSize / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.bytesAcked = 0;
  }
}
