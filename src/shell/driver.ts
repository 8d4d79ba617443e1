/**
 * How the shell lets network time pass while a command waits for its answer.
 *
 * - {@link VirtualDriver}: virtual time, as fast as possible. Between commands the network stands
 *   still; a command runs the clock until it has its answer (a ping's reply, a download's last
 *   byte). Same seed, same commands: same output, byte for byte.
 * - {@link RealtimeDriver}: the network runs on its own, paced to the wall clock (for TAP links
 *   and for watching things happen); a command only waits.
 *
 * The web lab can bring its own (stepped) driver: commands only see this interface.
 */
import { driveUntil, nextMacrotask } from "../sim/async-driver.js";
import { runRealtime, systemWallClock, type WallClock } from "../sim/realtime.js";
import type { Scheduler } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";

/** An hour of network time: the longest any command waits unless told otherwise. */
export const DEFAULT_WAIT_LIMIT: Nanoseconds = 3_600_000_000_000;

export interface WaitOptions {
  /** Give up after this much network time (default an hour). */
  limit?: Nanoseconds;
  /** Stop waiting (Ctrl-C). */
  signal?: AbortSignal;
}

export interface TimeDriver {
  readonly scheduler: Scheduler;
  /** True when the network runs by itself in real time. */
  readonly realtime: boolean;
  /**
   * Lets the network run until `done()` holds; resolves whether it did. In virtual time it also
   * stops when nothing is left to happen (nothing would ever change `done()`).
   */
  until(done: () => boolean, options?: WaitOptions): Promise<boolean>;
  /** Lets `duration` of network time pass (the whole of it, even when nothing happens). */
  sleep(duration: Nanoseconds, options?: { signal?: AbortSignal }): Promise<void>;
}

/** Reports how far a long wait has come (a progress bar on a terminal). */
export type ProgressListener = (now: Nanoseconds, start: Nanoseconds, end: Nanoseconds) => void;

export class VirtualDriver implements TimeDriver {
  readonly realtime = false;
  /** Called between slices of long sleeps. */
  onProgress: ProgressListener | undefined;

  constructor(readonly scheduler: Scheduler) {}

  until(done: () => boolean, options: WaitOptions = {}): Promise<boolean> {
    return driveUntil(this.scheduler, done, {
      deadline: this.scheduler.now + (options.limit ?? DEFAULT_WAIT_LIMIT),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async sleep(duration: Nanoseconds, options: { signal?: AbortSignal } = {}): Promise<void> {
    const start = this.scheduler.now;
    const end = start + Math.max(0, duration);
    // In slices, so progress can be shown and Ctrl-C heard during long runs.
    const slice = Math.max(1, Math.ceil(duration / 200));
    while (this.scheduler.now < end && !options.signal?.aborted) {
      const target = Math.min(end, this.scheduler.now + slice);
      await driveUntil(this.scheduler, () => false, {
        deadline: target,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!options.signal?.aborted) this.scheduler.runUntil(target);
      this.onProgress?.(this.scheduler.now, start, end);
    }
  }
}

/** Runs the scheduler paced to a wall clock from `start()` until `stop()`. */
export class RealtimeDriver implements TimeDriver {
  readonly realtime = true;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    readonly scheduler: Scheduler,
    private readonly clock: WallClock = systemWallClock,
    /** Set when someone else runs the loop (the TAP bridge's runner): only wait, never run. */
    private readonly external = false,
  ) {}

  /** Starts the real-time loop (unless an external runner drives the scheduler). */
  start(): void {
    if (this.external || this.loop) return;
    this.loop = runRealtime(this.scheduler, { clock: this.clock, signal: this.abort.signal, maxSleepMs: 5 });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  async until(done: () => boolean, options: WaitOptions = {}): Promise<boolean> {
    this.start();
    const deadline = this.scheduler.now + (options.limit ?? DEFAULT_WAIT_LIMIT);
    for (;;) {
      if (done()) return true;
      if (options.signal?.aborted || this.scheduler.now >= deadline) return done();
      // Let promise callbacks and stream ticks run, then give the loop a few milliseconds.
      await nextMacrotask();
      if (done()) return true;
      await this.clock.sleep(2);
    }
  }

  async sleep(duration: Nanoseconds, options: { signal?: AbortSignal } = {}): Promise<void> {
    const end = this.scheduler.now + duration;
    await this.until(() => this.scheduler.now >= end, options.signal ? { signal: options.signal } : {});
  }
}
