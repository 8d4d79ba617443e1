/**
 * Real-time mode: the same events, paced to a wall clock (needed when the emulated network talks
 * to the Linux kernel through TAP, and for interactive use). Virtual time advances at `speed`
 * times the wall clock. This file is the one place in the core that touches a wall clock, through
 * the `WallClock` interface; the default uses `performance.now` and `setTimeout`, which exist in
 * Node.js and in browsers alike.
 */
import type { Scheduler } from "./scheduler.js";
import { MILLISECOND, type Nanoseconds } from "./time.js";

export interface WallClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after about `milliseconds`. */
  sleep(milliseconds: number): Promise<void>;
}

export const systemWallClock: WallClock = {
  now: () => globalThis.performance.now(),
  sleep: (milliseconds) => new Promise((resolve) => globalThis.setTimeout(resolve, milliseconds)),
};

export interface RealtimeOptions {
  /** Virtual seconds per wall second (default 1). */
  speed?: number;
  /** Stop when the virtual clock reaches this time. */
  until?: Nanoseconds;
  /** Stop when this signal aborts (Ctrl-C, the web lab's pause button). */
  signal?: AbortSignal;
  /** Longest single sleep, so outside input (TAP frames) is handled promptly (default 1 ms). */
  maxSleepMs?: number;
  clock?: WallClock;
}

/**
 * Runs `scheduler` paced to the wall clock until `until`, the signal aborts, or forever. Events
 * whose time has come run back to back; between them the loop sleeps, letting I/O callbacks (which
 * schedule events "now") in. If the emulation falls behind, it catches up as fast as it can.
 */
export async function runRealtime(scheduler: Scheduler, options: RealtimeOptions = {}): Promise<void> {
  const speed = options.speed ?? 1;
  const clock = options.clock ?? systemWallClock;
  const maxSleepMs = options.maxSleepMs ?? 1;
  const until = options.until ?? Number.POSITIVE_INFINITY;
  const wallStart = clock.now();
  const virtualStart = scheduler.now;
  const virtualNow = () => virtualStart + (clock.now() - wallStart) * MILLISECOND * speed;
  while (!options.signal?.aborted) {
    // Whole nanoseconds, as every scheduler time is (Scheduler.at rounds): a fractional "now"
    // would let a timer re-armed for a fractional deadline round back onto the present and fire
    // again forever (TCP's LazyTimer did, livelocking real-time runs under load).
    const target = Math.floor(Math.min(virtualNow(), until));
    scheduler.runUntil(target);
    if (target >= until) return;
    const next = scheduler.nextEventTime;
    const waitMs =
      next === undefined ? maxSleepMs : Math.min(maxSleepMs, (next - target) / MILLISECOND / speed);
    await clock.sleep(Math.max(0, waitMs));
  }
}
