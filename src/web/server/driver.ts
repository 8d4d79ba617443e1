/**
 * Virtual time for the web lab: as fast as possible, like the CLI's {@link VirtualDriver}, but
 * never holding the server for long. A command that runs a long stretch of network time (a
 * `ping -c 1000`, a big download) lets the event loop turn every {@link SLICE_MS} milliseconds of
 * wall time, so the page's messages (Ctrl-C above all) are heard and the events recorded so far
 * reach it while the command runs. The network's results do not depend on the slices: they only
 * decide when the server looks up, not what the simulation does.
 */
import { DEFAULT_WAIT_LIMIT, type TimeDriver, type WaitOptions } from "../../shell/driver.js";
import { driveUntil } from "../../sim/async-driver.js";
import type { Scheduler } from "../../sim/scheduler.js";
import type { Nanoseconds } from "../../sim/time.js";

/** Wall-clock milliseconds of simulation between two looks at the outside world. */
export const SLICE_MS = 20;

/** setImmediate: runs after the event loop has polled for I/O (the WebSocket's messages). */
function afterIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class WebLabDriver implements TimeDriver {
  readonly realtime = false;

  constructor(readonly scheduler: Scheduler) {}

  async until(done: () => boolean, options: WaitOptions = {}): Promise<boolean> {
    const deadline = this.scheduler.now + (options.limit ?? DEFAULT_WAIT_LIMIT);
    for (;;) {
      const sliceEnd = performance.now() + SLICE_MS;
      let timeUp = false;
      const finished = await driveUntil(
        this.scheduler,
        () => {
          if (done()) return true;
          if (performance.now() < sliceEnd) return false;
          timeUp = true;
          return true;
        },
        { deadline, ...(options.signal ? { signal: options.signal } : {}) },
      );
      if (!timeUp) return finished;
      await afterIo();
      if (options.signal?.aborted) return done();
    }
  }

  async sleep(duration: Nanoseconds, options: { signal?: AbortSignal } = {}): Promise<void> {
    const end = this.scheduler.now + Math.max(0, duration);
    await this.until(() => this.scheduler.now >= end, {
      limit: Math.max(0, duration),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The whole duration passes, even when nothing happens in it.
    if (!options.signal?.aborted && this.scheduler.now < end) this.scheduler.runUntil(end);
  }
}
