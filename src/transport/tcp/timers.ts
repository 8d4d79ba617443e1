/**
 * A re-armable deadline on the scheduler that is cheap to move later.
 *
 * TCP moves its retransmission timer on nearly every ACK (RFC 6298 §5.3 restarts it whenever new
 * data is acknowledged). Cancelling and scheduling anew each time would push a heap entry per ACK;
 * instead the scheduled event stays where it is when the deadline moves later, and on firing
 * re-schedules itself for the new deadline if that has not arrived yet. Moving the deadline
 * earlier cancels (O(1), see Scheduler.cancel) and schedules again.
 */
import type { Scheduler, Timer } from "../../sim/scheduler.js";
import type { Nanoseconds } from "../../sim/time.js";

export class LazyTimer {
  private timer: Timer | undefined = undefined;
  /** The deadline, or -1 when stopped. */
  deadline: Nanoseconds = -1;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly expire: () => void,
  ) {}

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
    this.timer = this.scheduler.at(time, this.fire);
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

  private readonly fire = (): void => {
    this.timer = undefined;
    if (this.deadline < 0) return;
    if (this.deadline > this.scheduler.now) {
      this.timer = this.scheduler.at(this.deadline, this.fire);
      return;
    }
    this.deadline = -1;
    this.expire();
  };
}
