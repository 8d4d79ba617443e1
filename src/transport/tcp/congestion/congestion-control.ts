/**
 * Congestion control is a pluggable module (RFC 5681 §3 describes the window rules; RFC 5033
 * describes what alternatives must respect). The connection owns loss detection and recovery
 * (RFC 6675 with SACK, RFC 6582 without, see ../recovery.ts); a module only decides how the
 * congestion window grows on ACKs and how far it shrinks on a congestion event or a timeout.
 *
 * Windows are in bytes. `mss` is the sender's maximum segment size (SMSS), which can change
 * during a connection (path MTU discovery), so modules read it when they need it.
 */
import type { Nanoseconds } from "../../../sim/time.js";

/** What an ACK that acknowledged new data tells a congestion control module. */
export interface AckSample {
  /** Bytes newly acknowledged (cumulatively). */
  acked: number;
  now: Nanoseconds;
  /** The smoothed RTT (or the latest sample before one exists), if any was measured. */
  srtt: Nanoseconds | undefined;
  /** The smallest RTT seen. */
  minRtt: Nanoseconds;
  /**
   * Whether the window, rather than the application or the receiver's window, limited sending
   * (RFC 7661): a window that was not used is not grown.
   */
  cwndLimited: boolean;
  /** An RTT sample taken from this ACK (its echoed timestamp or the timed segment), if any. */
  rtt: Nanoseconds | undefined;
  /** SND.UNA after this ACK and SND.NXT, as stream offsets (they delimit round trips). */
  una: number;
  nxt: number;
}

export interface CongestionControl {
  /** The module's name, e.g. `cubic`. */
  readonly name: string;
  /** Congestion window (cwnd), in bytes. */
  readonly cwnd: number;
  /** Slow-start threshold (ssthresh), in bytes; Infinity until the first congestion event. */
  readonly ssthresh: number;
  /** The sender's maximum segment size, in bytes. */
  mss: number;
  /** New data was acknowledged outside loss recovery. */
  onAck(sample: AckSample): void;
  /** Loss recovery begins (fast retransmit): set ssthresh and the window to recover with. */
  onRecoveryStart(now: Nanoseconds, flightSize: number): void;
  /** Loss recovery ended: every byte outstanding at its start was acknowledged. */
  onRecoveryEnd(now: Nanoseconds, flightSize: number): void;
  /** The retransmission timer expired (RFC 5681 §3.1 eq. 4: the loss window is one segment). */
  onRto(now: Nanoseconds, flightSize: number): void;
  /**
   * The last recovery was spurious (RFC 3708 detection, e.g. every retransmission was D-SACKed):
   * undo its reduction, as RFC 4015's Eifel response and Linux's tcp_undo_cwnd_reduction do —
   * cwnd and ssthresh go back to at least what they were when `onRecoveryStart` was called.
   */
  undo(): void;
}

/** RFC 6928: the initial window, min(10*MSS, max(2*MSS, 14600)). */
export function initialWindow(mss: number): number {
  return Math.min(10 * mss, Math.max(2 * mss, 14600));
}
