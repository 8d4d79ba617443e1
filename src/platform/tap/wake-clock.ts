/**
 * A wall clock for `runRealtime` (src/sim/realtime.ts) whose sleep ends early when outside input
 * arrives. The real-time loop sleeps until the next event is due (at most `maxSleepMs`); a frame
 * from the kernel schedules its delivery "now" and calls `wake()`, so the loop runs it at once
 * instead of after the rest of the sleep. Without this, every kernel→emulated frame would wait up
 * to a millisecond, and a ping's round trip would be dominated by that wait.
 */
import type { WallClock } from "../../sim/realtime.js";

export class WakeableClock implements WallClock {
  private wakeSleeper: (() => void) | undefined;
  private wokenEarly = false;
  /** How often a sleep was cut short by `wake()` (for counters). */
  wakeups = 0;

  now(): number {
    return performance.now();
  }

  sleep(milliseconds: number): Promise<void> {
    if (this.wokenEarly) {
      this.wokenEarly = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // setTimeout cannot wait less than 1 ms; an event due sooner gets one turn of the event loop
      // (I/O runs, then the loop goes on), so sub-millisecond events are not late by a millisecond.
      if (milliseconds < 1) {
        const immediate = setImmediate(() => {
          this.wakeSleeper = undefined;
          resolve();
        });
        this.wakeSleeper = () => {
          clearImmediate(immediate);
          this.wakeSleeper = undefined;
          resolve();
        };
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, milliseconds);
      this.wakeSleeper = done;
    });
  }

  /** Ends the current sleep now (or the next one at once, when the loop is not sleeping). */
  wake(): void {
    this.wakeups++;
    if (this.wakeSleeper) this.wakeSleeper();
    else this.wokenEarly = true;
  }
}
