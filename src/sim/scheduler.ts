/**
 * The discrete-event scheduler: the one clock of the core (DESIGN.md principle 3).
 *
 * Events sit in a binary min-heap ordered by (time, insertion sequence), so events at equal times
 * run in the order they were scheduled — the property that makes runs deterministic. Cancelled
 * timers stay in the heap as tombstones and are skipped when popped (cheap cancel, which TCP's
 * constantly re-armed timers need); the heap is compacted when tombstones dominate.
 *
 * Three ways to run:
 * - virtual: `run()` / `runFor()` / `runUntil()` execute events as fast as possible;
 * - step: `step()` executes exactly one event (the web lab's "step" button);
 * - real time: `runRealtime()` in ./realtime.ts paces the same events to a wall clock.
 */
import { SeededRandom } from "./random.js";
import type { Nanoseconds } from "./time.js";

/** A scheduled action that can be cancelled. */
export class Timer {
  /** @internal */ cancelled = false;
  /** @internal */ fired = false;
  constructor(
    /** When it fires, in virtual nanoseconds. */
    readonly time: Nanoseconds,
    /** @internal */ readonly sequence: number,
    /** @internal */ readonly action: () => void,
  ) {}

  /** Whether it is still due to fire. */
  get active(): boolean {
    return !this.cancelled && !this.fired;
  }
}

export interface SchedulerOptions {
  /** Seed of the random source (default 1). */
  seed?: number;
  /** Start time (default 0). */
  start?: Nanoseconds;
}

export class Scheduler {
  /** The seeded random source; components take their own stream with `random.fork(name)`. */
  readonly random: SeededRandom;
  private heap: Timer[] = [];
  private tombstones = 0;
  private sequence = 0;
  private current: Nanoseconds;
  private executed = 0;
  private yieldRequested = false;

  constructor(options: SchedulerOptions = {}) {
    this.random = new SeededRandom(options.seed ?? 1);
    this.current = Math.round(options.start ?? 0);
  }

  /** The current virtual time in nanoseconds. */
  get now(): Nanoseconds {
    return this.current;
  }

  /** Events executed so far. */
  get eventsExecuted(): number {
    return this.executed;
  }

  /** Events waiting (not counting cancelled ones). */
  get pending(): number {
    return this.heap.length - this.tombstones;
  }

  /** Time of the next live event, or undefined when idle. */
  get nextEventTime(): Nanoseconds | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.heap[0].time : undefined;
  }

  /**
   * Schedules `action` at absolute virtual time `time` (never in the past: clamped to now).
   * Times are whole nanoseconds: a fractional time (a serialization delay at an odd rate, a
   * jittered delay) is rounded, so timestamps stay exact integers in captures.
   */
  at(time: Nanoseconds, action: () => void): Timer {
    const rounded = Math.round(time);
    const timer = new Timer(Math.max(rounded, this.current), this.sequence++, action);
    this.push(timer);
    return timer;
  }

  /** Schedules `action` after `delay` nanoseconds. */
  after(delay: Nanoseconds, action: () => void): Timer {
    return this.at(this.current + (delay > 0 ? delay : 0), action);
  }

  /** Cancels a timer (no effect if it already fired or was cancelled). */
  cancel(timer: Timer | undefined): void {
    if (!timer?.active) return;
    timer.cancelled = true;
    this.tombstones++;
    if (this.tombstones > 1024 && this.tombstones * 2 > this.heap.length) this.compact();
  }

  /**
   * Asks an asynchronous driver (./async-driver.ts) to let the JavaScript event loop run before
   * virtual time moves on: code outside the simulation (Node streams, promises) was handed work
   * that it will finish in a later tick, and that work belongs to the present instant.
   */
  requestYield(): void {
    this.yieldRequested = true;
  }

  /** @internal Whether a yield was requested since the last call (and clears the request). */
  takeYieldRequest(): boolean {
    const requested = this.yieldRequested;
    this.yieldRequested = false;
    return requested;
  }

  /** Executes the next event, advancing the clock to its time. Returns false when idle. */
  step(): boolean {
    this.dropCancelledTop();
    const timer = this.pop();
    if (!timer) return false;
    this.current = timer.time;
    timer.fired = true;
    this.executed++;
    timer.action();
    return true;
  }

  /** Runs events until none are left or `maxEvents` ran; returns the number executed. */
  run(maxEvents = Number.POSITIVE_INFINITY): number {
    let count = 0;
    while (count < maxEvents && this.step()) count++;
    return count;
  }

  /**
   * Runs every event due at or before `time`, then sets the clock to `time`.
   * Returns the number of events executed. A fractional `time` is rounded as {@link at} rounds it
   * (the clock holds whole nanoseconds), so `runUntil(t)` always reaches an event `at(t)`.
   */
  runUntil(time: Nanoseconds, maxEvents = Number.POSITIVE_INFINITY): number {
    if (Number.isFinite(time)) time = Math.round(time);
    let count = 0;
    for (;;) {
      this.dropCancelledTop();
      if (this.heap.length === 0 || this.heap[0].time > time || count >= maxEvents) break;
      this.step();
      count++;
    }
    if (time > this.current && count < maxEvents) this.current = time;
    return count;
  }

  /** Runs for `duration` nanoseconds of virtual time. */
  runFor(duration: Nanoseconds, maxEvents = Number.POSITIVE_INFINITY): number {
    return this.runUntil(this.current + duration, maxEvents);
  }

  /**
   * Runs until `condition()` holds (checked after each event) or the clock passes `deadline`.
   * Returns whether the condition held.
   */
  runWhile(pending: () => boolean, deadline: Nanoseconds = Number.POSITIVE_INFINITY): boolean {
    while (pending()) {
      this.dropCancelledTop();
      if (this.heap.length === 0 || this.heap[0].time > deadline) return false;
      this.step();
    }
    return true;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) {
      this.pop();
      this.tombstones--;
    }
  }

  private compact(): void {
    this.heap = this.heap.filter((t) => !t.cancelled);
    this.tombstones = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private static before(a: Timer, b: Timer): boolean {
    return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!Scheduler.before(timer, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const item = heap[i];
    const n = heap.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && Scheduler.before(heap[child + 1], heap[child])) child++;
      if (!Scheduler.before(heap[child], item)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }
}
