/**
 * Reno-style AIMD congestion control as RFC 5681 §3.1 specifies it, with RFC 6582's rule for
 * leaving fast recovery (FreeBSD calls this module "newreno"): slow start below ssthresh,
 * additive increase of one SMSS per window above it, halving on a congestion event.
 */
import type { Nanoseconds } from "../../../sim/time.js";
import { type AckSample, type CongestionControl, initialWindow } from "./congestion-control.js";

export class NewRenoCongestionControl implements CongestionControl {
  readonly name: string = "newreno";
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  /** Bytes acknowledged since cwnd last grew in congestion avoidance (RFC 5681 §3.1 byte counting). */
  protected bytesAcked = 0;

  constructor(public mss: number) {
    this.cwnd = initialWindow(mss);
  }

  onAck(sample: AckSample): void {
    if (!sample.cwndLimited) return;
    if (this.cwnd < this.ssthresh) this.slowStart(sample.acked);
    else this.congestionAvoidance(sample.acked);
  }

  /**
   * RFC 5681 §3.1 eq. 2 with Appropriate Byte Counting (RFC 3465 §2.2, L = 2*SMSS): grow by the
   * bytes acknowledged, at most two segments per ACK, so that delayed ACKs still double the
   * window every round trip.
   */
  protected slowStart(acked: number): number {
    const increase = Math.min(acked, 2 * this.mss);
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

  /** RFC 5681 §3.1 eq. 4 and "LW": after a timeout, ssthresh halves and cwnd is one segment. */
  onRto(_now: Nanoseconds, flightSize: number): void {
    this.ssthresh = Math.max(flightSize / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.bytesAcked = 0;
  }
}
