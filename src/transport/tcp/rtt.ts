/**
 * The retransmission timeout (RFC 6298): a smoothed round-trip time (SRTT), its mean deviation
 * (RTTVAR) and the timeout derived from them, with exponential backoff.
 */
import { MILLISECOND, type Nanoseconds, SECOND } from "../../sim/time.js";

export interface RttOptions {
  /** Lower bound on the RTO. RFC 6298 §2.4 says 1 s; Linux uses 200 ms. */
  minRto?: Nanoseconds;
  /** Upper bound; RFC 6298 §2.5 allows any maximum of at least 60 s (Linux: 120 s). */
  maxRto?: Nanoseconds;
  /** RTO before any measurement (RFC 6298 §2.1: 1 s). */
  initialRto?: Nanoseconds;
  /** The clock granularity G of RFC 6298 §2 (our timestamps tick in milliseconds). */
  granularity?: Nanoseconds;
}

export class RttEstimator {
  /** SRTT, or undefined before the first measurement. */
  srtt: Nanoseconds | undefined = undefined;
  /** RTTVAR. */
  rttvar: Nanoseconds = 0;
  /** The smallest RTT seen (CUBIC and receive-window auto-tuning use it). */
  minRtt: Nanoseconds = Number.POSITIVE_INFINITY;
  /** The latest sample. */
  latest: Nanoseconds = 0;
  /** How many times the timer has backed off since the last new measurement (RFC 6298 §5.5). */
  backoff = 0;
  private baseRto: Nanoseconds;
  readonly minRto: Nanoseconds;
  readonly maxRto: Nanoseconds;
  private readonly granularity: Nanoseconds;

  constructor(options: RttOptions = {}) {
    this.minRto = options.minRto ?? SECOND;
    this.maxRto = options.maxRto ?? 120 * SECOND;
    this.granularity = options.granularity ?? MILLISECOND;
    this.baseRto = options.initialRto ?? SECOND;
  }

  /** The current RTO including backoff. */
  get rto(): Nanoseconds {
    return Math.min(this.baseRto * 2 ** this.backoff, this.maxRto);
  }

  /** Feeds one RTT measurement R (RFC 6298 §2.2-2.3) and clears the backoff (§5.7 note). */
  sample(r: Nanoseconds): void {
    if (r < 0) return;
    this.latest = r;
    if (r < this.minRtt) this.minRtt = r;
    if (this.srtt === undefined) {
      // RFC 6298 §2.2: the first measurement.
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      // RFC 6298 §2.3, with alpha = 1/8 and beta = 1/4; RTTVAR is updated first, from the old SRTT.
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    // RFC 6298 §2.3: RTO <- SRTT + max (G, K*RTTVAR), K = 4; §2.4: rounded up to the minimum.
    const rto = this.srtt + Math.max(this.granularity, 4 * this.rttvar);
    this.baseRto = Math.min(Math.max(rto, this.minRto), this.maxRto);
    this.backoff = 0;
  }

  /** RFC 6298 §5.5: the timer expired, so double the RTO ("back off the timer"). */
  backOff(): void {
    if (this.baseRto * 2 ** this.backoff < this.maxRto) this.backoff++;
  }

  /**
   * RFC 6298 §5.7: when the SYN or SYN-ACK was retransmitted and no RTT was measured during the
   * handshake, the RTO once data transmission begins is 3 s.
   */
  resetAfterHandshakeRetransmission(): void {
    if (this.srtt === undefined) {
      this.baseRto = Math.max(3 * SECOND, this.minRto);
      this.backoff = 0;
    }
  }
}
