/**
 * HyStart++ (RFC 9406): leave slow start when the RTT starts to grow, before the doubling window
 * overflows the bottleneck queue and loses a large part of a window at once.
 *
 * Each round trip (a window of data, from SND.NXT at its start until SND.UNA passes it), the
 * smallest RTT seen in the round is compared with the previous round's. When it rose by more than
 * an eighth (clamped to 4-16 ms), slow start gives way to Conservative Slow Start (CSS): growth at
 * a quarter of the rate for up to five rounds, then congestion avoidance. If the RTT falls back
 * during CSS, the increase was spurious and slow start resumes.
 */
import type { Nanoseconds } from "../../../sim/time.js";
import { MILLISECOND } from "../../../sim/time.js";

/** RFC 9406 §4.3 constants. */
const MIN_RTT_THRESH: Nanoseconds = 4 * MILLISECOND;
const MAX_RTT_THRESH: Nanoseconds = 16 * MILLISECOND;
const MIN_RTT_DIVISOR = 8;
const N_RTT_SAMPLE = 8;
export const CSS_GROWTH_DIVISOR = 4;
const CSS_ROUNDS = 5;

/** What slow start should do after an ACK. */
export const SlowStartPhase = {
  /** Standard slow start. */
  Standard: 0,
  /** Conservative slow start: grow at 1/CSS_GROWTH_DIVISOR of the rate. */
  Conservative: 1,
  /** Enter congestion avoidance now (ssthresh = cwnd). */
  Exit: 2,
} as const;
export type SlowStartPhase = (typeof SlowStartPhase)[keyof typeof SlowStartPhase];

export class HyStartPlusPlus {
  private lastRoundMinRtt = Number.POSITIVE_INFINITY;
  private currentRoundMinRtt = Number.POSITIVE_INFINITY;
  private sampleCount = 0;
  /** The round ends when SND.UNA reaches this offset. */
  private windowEnd = -1;
  private conservative = false;
  private cssBaselineMinRtt = Number.POSITIVE_INFINITY;
  private cssRounds = 0;

  /** Takes one ACK (`rtt` is its RTT sample, if any; `una`/`nxt` are SND.UNA and SND.NXT). */
  update(rtt: Nanoseconds | undefined, una: number, nxt: number): SlowStartPhase {
    if (una >= this.windowEnd) {
      // RFC 9406 §4.2: at the start of each round.
      if (this.windowEnd >= 0 && this.conservative && ++this.cssRounds >= CSS_ROUNDS)
        return SlowStartPhase.Exit;
      this.lastRoundMinRtt = this.currentRoundMinRtt;
      this.currentRoundMinRtt = Number.POSITIVE_INFINITY;
      this.sampleCount = 0;
      this.windowEnd = nxt;
    }
    if (rtt !== undefined) {
      if (rtt < this.currentRoundMinRtt) this.currentRoundMinRtt = rtt;
      this.sampleCount++;
    }
    if (this.sampleCount >= N_RTT_SAMPLE) {
      if (!this.conservative) {
        if (Number.isFinite(this.currentRoundMinRtt) && Number.isFinite(this.lastRoundMinRtt)) {
          const threshold = Math.max(
            MIN_RTT_THRESH,
            Math.min(this.lastRoundMinRtt / MIN_RTT_DIVISOR, MAX_RTT_THRESH),
          );
          if (this.currentRoundMinRtt >= this.lastRoundMinRtt + threshold) {
            this.cssBaselineMinRtt = this.currentRoundMinRtt;
            this.conservative = true;
            this.cssRounds = 0;
          }
        }
      } else if (this.currentRoundMinRtt < this.cssBaselineMinRtt) {
        // The RTT increase was spurious: back to standard slow start.
        this.cssBaselineMinRtt = Number.POSITIVE_INFINITY;
        this.conservative = false;
      }
    }
    return this.conservative ? SlowStartPhase.Conservative : SlowStartPhase.Standard;
  }

  /** Whether slow start is in its conservative phase. */
  get inConservativeSlowStart(): boolean {
    return this.conservative;
  }
}
