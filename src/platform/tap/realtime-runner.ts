/**
 * Runs a scheduler in real time for as long as TAP bridges (or anything else outside) need it:
 * `runRealtime` from src/sim/realtime.ts with a {@link WakeableClock}, so frames from the kernel are
 * handled at once, and a `stop()` that ends the loop cleanly.
 */
import type { LinkEndpoint } from "../../link/endpoint.js";
import { runRealtime } from "../../sim/realtime.js";
import type { Scheduler } from "../../sim/scheduler.js";
import type { Nanoseconds } from "../../sim/time.js";
import type { TapBridge } from "./bridge.js";
import { TapEndpoint } from "./tap-endpoint.js";
import { WakeableClock } from "./wake-clock.js";

export interface RealtimeRunnerOptions {
  /** Longest sleep between events (default 20 ms; kernel frames wake the loop anyway). */
  maxSleepMs?: number;
  /** Stop when the virtual clock reaches this time (`--duration`). */
  until?: Nanoseconds;
}

export class RealtimeRunner {
  readonly clock = new WakeableClock();
  /** Resolves when the loop has stopped (by `stop()`, `until`, or an error in an event). */
  readonly finished: Promise<void>;
  private readonly abort = new AbortController();

  constructor(
    readonly scheduler: Scheduler,
    options: RealtimeRunnerOptions = {},
  ) {
    this.finished = runRealtime(scheduler, {
      clock: this.clock,
      signal: this.abort.signal,
      maxSleepMs: options.maxSleepMs ?? 20,
      ...(options.until !== undefined ? { until: options.until } : {}),
    });
  }

  /** A TAP bridge as a link endpoint whose kernel frames wake this loop. */
  endpoint(bridge: TapBridge, mtu?: number): LinkEndpoint & TapEndpoint {
    return new TapEndpoint(bridge.device, this.scheduler, {
      wake: () => this.clock.wake(),
      mtu: mtu ?? bridge.options.mtu ?? 1500,
    });
  }

  /** Ends the loop and waits for it. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.clock.wake();
    await this.finished;
  }
}
