/**
 * A re-armable deadline on the scheduler that is cheap to move later.
 *
 * TCP moves its retransmission timer on nearly every ACK (RFC 6298 §5.3 restarts it whenever new
 * data is acknowledged). Cancelling and scheduling anew each time would push a heap entry per ACK;
 * instead the scheduled event stays where it is when the deadline moves later, and on firing
 * re-schedules itself for the new deadline if that has not arrived yet. Moving the deadline
 * earlier cancels (O(1), see Scheduler.cancel) and schedules again.
 *
 * A connection keeps three of these for as long as it lives (a minute of TIME-WAIT included), so
 * they may share one scheduler callback: the owner's `wake` polls each of its timers, and the one
 * whose event fired reports whether its deadline has come. That is one closure per connection
 * instead of a callback and a handler per timer.
 */
import type { Scheduler, Timer } from "../../sim/scheduler.js";
import type { Nanoseconds } from "../../sim/time.js";

export class LazyTimer {
  private timer: Timer | undefined = undefined;
  /** The deadline, or -1 when stopped. */
  deadline: Nanoseconds = -1;

  /** What the scheduler calls: the owner's shared `wake`, or this timer's own poll. */
  private readonly action: () => void;

  /**
   * `expire` runs when the deadline comes; without it the owner's `wake` (which the scheduler
   * calls instead of a callback of this timer's own) acts on what `poll()` returns.
   */
  constructor(
    private readonly scheduler: Scheduler,
    private readonly expire?: () => void,
    wake?: () => void,
  ) {
    this.action = wake ?? (() => this.poll());
  }

  get armed(): boolean {
    return this.deadline >= 0;
  }

  /** Sets the deadline to `time` (absolute virtual time). */
  arm(time: Nanoseconds): void {
    // The scheduler keeps whole nanoseconds; a fractional deadline (an RTO computed from SRTT)
    // would otherwise fire rounded down, look early, and re-arm for the same instant forever.
    time = Math.ceil(time);
    this.deadline = time;
    const timer = this.timer;
    if (timer?.active && timer.time <= time) return;
    if (timer) this.scheduler.cancel(timer);
    this.timer = this.scheduler.at(time, this.action);
  }

  /** Sets the deadline `delay` from now. */
  armIn(delay: Nanoseconds): void {
    this.arm(this.scheduler.now + delay);
  }

  /** Stops it lazily: a pending event stays queued and does nothing (cheap to re-arm). */
  stop(): void {
    this.deadline = -1;
  }

  /** Stops it and removes the pending event (when the connection goes away). */
  cancel(): void {
    this.deadline = -1;
    if (this.timer) {
      this.scheduler.cancel(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * Handles this timer's scheduler event if it just fired (anything else is a no-op): re-arms for
   * a deadline moved later, or reports (and runs `expire`) when the deadline has come.
   */
  poll(): boolean {
    const timer = this.timer;
    if (timer === undefined || timer.active) return false;
    this.timer = undefined;
    if (this.deadline < 0) return false;
    if (this.deadline > this.scheduler.now) {
      this.timer = this.scheduler.at(this.deadline, this.action);
      return false;
    }
    this.deadline = -1;
    this.expire?.();
    return true;
  }
}
