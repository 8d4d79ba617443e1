/**
 * Time for iperf3 tests, from whoever runs them: the simulator's scheduler for emulated hosts
 * (in virtual time, or real time when the emulation talks to the kernel), or a wall clock when the
 * same code runs over Node's own sockets (tests against the real iperf3 binary). The core never
 * reads a clock itself (DESIGN.md principle 3).
 */
import type { Scheduler } from "../../sim/scheduler.js";
import { SECOND } from "../../sim/time.js";

export interface Iperf3Clock {
  /** Seconds, monotonic. */
  now(): number;
  /** Calls `callback` after `seconds`; returns a function that cancels it. */
  setTimer(seconds: number, callback: () => void): () => void;
}

/** The scheduler's virtual time as an iperf3 clock. */
export function schedulerClock(scheduler: Scheduler): Iperf3Clock {
  return {
    now: () => scheduler.now / SECOND,
    setTimer: (seconds, callback) => {
      const timer = scheduler.after(Math.max(0, Math.round(seconds * SECOND)), callback);
      return () => scheduler.cancel(timer);
    },
  };
}
