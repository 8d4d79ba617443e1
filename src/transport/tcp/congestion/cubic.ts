/**
 * CUBIC (RFC 9438), the default, as in Linux: above ssthresh the window follows a cubic function
 * of the time since the last congestion event, concave while it climbs back to the window where
 * loss happened (W_max) and convex beyond, so it probes quickly on long fat paths; below, a
 * Reno-friendly estimate keeps it at least as aggressive as Reno would be.
 */
import type { Nanoseconds } from "../../../sim/time.js";
import { SECOND } from "../../../sim/time.js";
import type { AckSample } from "./congestion-control.js";
import { NewRenoCongestionControl } from "./newreno.js";

/** RFC 9438 §4.6: the multiplicative decrease factor. */
const BETA = 0.7;
/** RFC 9438 §5: the constant C that sets the cubic curve's aggressiveness. */
const C = 0.4;
/** RFC 9438 §4.3: Reno-friendly additive increase per RTT while below W_max. */
const ALPHA = (3 * (1 - BETA)) / (1 + BETA);

export class CubicCongestionControl extends NewRenoCongestionControl {
  override readonly name = "cubic";
  /** W_max: the window (in segments) just before the last reduction. */
  private wMax = 0;
  /** K: the time (s) the cubic function takes to climb back to W_max. */
  private k = 0;
  /** Start of the current congestion-avoidance epoch, or -1 before it began. */
  private epochStart: Nanoseconds = -1;
  /** W_est: the Reno-friendly estimate (segments). */
  private wEst = 0;
  /** W_max before the last reduction, for `undo`. */
  private priorWMax = 0;

  override onAck(sample: AckSample): void {
    if (!sample.cwndLimited) return;
    let acked = sample.acked;
    if (this.cwnd < this.ssthresh) {
      acked = this.slowStart(acked, sample);
      if (acked === 0) return;
    }
    this.cubicIncrease(acked, sample);
  }

  private cubicIncrease(acked: number, sample: AckSample): void {
    const mss = this.mss;
    const cwnd = this.cwnd / mss;
    if (this.epochStart < 0) {
      // RFC 9438 §4.2: a new epoch begins with congestion avoidance; K = cbrt((W_max - cwnd_epoch) / C).
      this.epochStart = sample.now;
      if (this.wMax <= cwnd) {
        this.wMax = cwnd;
        this.k = 0;
      } else this.k = Math.cbrt((this.wMax - cwnd) / C);
      this.wEst = cwnd;
    }
    const t = (sample.now - this.epochStart) / SECOND;
    const rtt = (sample.srtt ?? 0) / SECOND;
    const segmentsAcked = acked / mss;
    // RFC 9438 §4.3: the Reno-friendly estimate grows by alpha per window; alpha becomes 1 once
    // W_est passes W_max.
    this.wEst += ((this.wEst >= this.wMax ? 1 : ALPHA) * segmentsAcked) / cwnd;
    const cubicNow = C * (t - this.k) ** 3 + this.wMax;
    if (cubicNow < this.wEst) {
      // Reno-friendly region (RFC 9438 §4.3).
      this.cwnd = Math.max(this.cwnd, this.wEst * mss);
      return;
    }
    // RFC 9438 §4.4-4.5: aim for W_cubic(t + RTT), clamped to [cwnd, 1.5 cwnd].
    let target = C * (t + rtt - this.k) ** 3 + this.wMax;
    if (target < cwnd) target = cwnd;
    else if (target > 1.5 * cwnd) target = 1.5 * cwnd;
    this.cwnd += ((target - cwnd) / cwnd) * segmentsAcked * mss;
  }

  /** RFC 9438 §4.6 (multiplicative decrease) and §4.7 (fast convergence). */
  private reduce(): void {
    this.hystart = null;
    const cwnd = this.cwnd / this.mss;
    this.wMax = cwnd < this.wMax ? (cwnd * (1 + BETA)) / 2 : cwnd;
    this.ssthresh = Math.max(this.cwnd * BETA, 2 * this.mss);
    this.epochStart = -1;
    this.bytesAcked = 0;
  }

  override onRecoveryStart(_now: Nanoseconds, _flightSize: number): void {
    this.saveForUndo();
    this.priorWMax = this.wMax;
    this.reduce();
    this.cwnd = this.ssthresh;
  }

  override onRecoveryEnd(_now: Nanoseconds, _flightSize: number): void {
    this.cwnd = this.ssthresh;
    this.epochStart = -1;
  }

  /** The reduction was spurious: back to the window and W_max before it, in a new epoch. */
  override undo(): void {
    if (this.priorCwnd === 0) return;
    this.wMax = this.priorWMax;
    this.epochStart = -1;
    super.undo();
  }

  /** RFC 9438 §4.8: on a timeout, reduce as on a congestion event, then restart from one segment. */
  override onRto(_now: Nanoseconds, _flightSize: number): void {
    this.reduce();
    this.cwnd = this.mss;
  }
}
