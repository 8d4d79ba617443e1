/**
 * Drives virtual time when code outside the simulation takes part: Node-style streams, promises
 * and user programs on emulated hosts finish their work in later ticks of the JavaScript event
 * loop (process.nextTick, microtasks), and that work happens "now" in virtual time.
 *
 * The driver runs all events of one virtual instant; if anything asked for a yield
 * (`scheduler.requestYield()`, which the socket layer calls when it hands data to a stream), it
 * lets the event loop turn once (a macrotask, so nextTick queues drain too) before moving the
 * clock on. Runs with no outside code never yield, so they stay as fast as `scheduler.run()`.
 */
import type { Scheduler } from "./scheduler.js";
import type { Nanoseconds } from "./time.js";

/** One turn of the JavaScript event loop (setImmediate where it exists, else a 0 ms timeout). */
export function nextMacrotask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : globalThis.setTimeout(resolve, 0)));
}

export interface DriveOptions {
  /** Give up when virtual time passes this (default: no limit). */
  deadline?: Nanoseconds;
  /** Stop when this signal aborts. */
  signal?: AbortSignal;
}

/**
 * Runs the simulation until `done()` holds, the deadline passes, or nothing is left to do (no
 * events and no outside work). Returns whether `done()` held.
 */
export async function driveUntil(
  scheduler: Scheduler,
  done: () => boolean,
  options: DriveOptions = {},
): Promise<boolean> {
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  // Outside code may have started work before we were called (e.g. socket.write in a test).
  await nextMacrotask();
  let idleTurns = 0;
  let batch = 0;
  for (;;) {
    if (done()) return true;
    if (options.signal?.aborted) return false;
    const next = scheduler.nextEventTime;
    if (next === undefined || next > deadline) {
      // Nothing scheduled in time: outside code might still schedule something; give it a few turns.
      if (scheduler.takeYieldRequest() || idleTurns < 2) {
        idleTurns++;
        await nextMacrotask();
        continue;
      }
      if (next !== undefined && deadline !== Number.POSITIVE_INFINITY) scheduler.runUntil(deadline);
      return done();
    }
    idleTurns = 0;
    // Run every event of this instant.
    scheduler.runUntil(next);
    if (scheduler.takeYieldRequest()) {
      batch = 0;
      await nextMacrotask();
    } else if (++batch >= 100_000) {
      // Let timers, I/O and Ctrl-C in now and then during long pure-simulation stretches.
      batch = 0;
      await nextMacrotask();
    }
  }
}
