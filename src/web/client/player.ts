/**
 * Playback over the event stream, as in Packet Tracer's simulation mode: the cursor sits on one
 * event; play moves it forward at a pace the learner sets, step moves it one event forward or
 * back. Steps skip the events the event list's filters hide, so "protocol TCP" then → walks the
 * TCP segments one by one.
 *
 * The pace is in events per second (the speed multiplies two a second): network time runs from
 * microseconds on a LAN to 70 ms on a submarine cable, and a dot that crossed a LAN in real
 * proportion could not be seen. The time display shows each event's virtual time.
 */

/** Speeds offered, as multipliers of {@link BASE_RATE}. */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128] as const;
/** Events per second at speed 1. */
export const BASE_RATE = 2;

export interface PlayerHost {
  /** How many events there are. */
  count(): number;
  /** Whether the event at `index` passes the filters (step and play skip the others). */
  passes(index: number): boolean;
  /** The cursor moved (`direction` +1 forward, -1 back, 0 jumped). */
  moved(index: number, direction: number, stepMs: number): void;
  /** Play/pause or speed changed. */
  changed(): void;
}

export class Player {
  /** The current event's index, -1 before the first. */
  index = -1;
  playing = false;
  speedIndex = SPEEDS.indexOf(4);
  private timer = 0;
  private last = 0;
  private owed = 0;

  constructor(private readonly host: PlayerHost) {}

  /** While playing: how far (0..1) the pace has gone towards the next event. */
  get fraction(): number {
    return this.playing ? Math.min(1, Math.max(0, this.owed)) : 0;
  }

  get speed(): number {
    return SPEEDS[this.speedIndex];
  }

  /** Wall milliseconds per event at this speed. */
  get interval(): number {
    return 1000 / (BASE_RATE * this.speed);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  play(): void {
    if (this.playing) return;
    this.playing = true;
    this.last = performance.now();
    this.owed = 1;
    this.tick();
    this.host.changed();
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.timer);
    this.timer = 0;
    this.host.changed();
  }

  faster(): void {
    this.speedIndex = Math.min(SPEEDS.length - 1, this.speedIndex + 1);
    this.host.changed();
  }

  slower(): void {
    this.speedIndex = Math.max(0, this.speedIndex - 1);
    this.host.changed();
  }

  /** One event forward (among those the filters show); false at the end. */
  step(stepMs = 350): boolean {
    const count = this.host.count();
    for (let i = this.index + 1; i < count; i++) {
      if (this.host.passes(i)) {
        this.index = i;
        this.host.moved(i, 1, stepMs);
        return true;
      }
    }
    return false;
  }

  /** One event back. */
  back(): boolean {
    for (let i = this.index - 1; i >= 0; i--) {
      if (this.host.passes(i)) {
        this.index = i;
        this.host.moved(i, -1, 0);
        return true;
      }
    }
    return false;
  }

  /** Jumps to an event (a click in the list). */
  seek(index: number): void {
    this.index = index;
    this.host.moved(index, 0, 0);
  }

  /** The store dropped its `count` oldest events. */
  trimmed(count: number): void {
    this.index = Math.max(-1, this.index - count);
  }

  private tick(): void {
    if (!this.playing) return;
    const now = performance.now();
    this.owed += (now - this.last) / this.interval;
    this.last = now;
    // At high speeds several events fall in one frame; at most 64 a frame keeps the page responsive.
    let steps = Math.min(64, Math.floor(this.owed));
    this.owed -= steps;
    if (this.owed > 64) this.owed = 0;
    while (steps-- > 0) {
      if (!this.step(Math.min(800, this.interval * 0.95))) {
        // At the end of what has happened so far: wait for more events rather than stopping.
        this.owed = 0;
        break;
      }
    }
    this.timer = requestAnimationFrame(() => this.tick());
  }
}
