/**
 * A bounded memory of recent trace events for the learning views: the shell's `trace` and `layers`
 * commands look back at what just happened. Only the events the views read are kept (frames sent
 * and received, drops, TCP state changes, NAT translations); when full, the oldest go first, so a long run holds a
 * fixed amount of memory.
 */
import type { TraceEvent, Tracer } from "../events.js";

const KEPT: ReadonlySet<string> = new Set([
  "frame-sent",
  "frame-received",
  "drop",
  "tcp-state",
  // What a NAT rewrote: the sequence diagram follows packets through it.
  "nat-translated",
  "nat-mapping",
]);

export interface TraceRecorderOptions {
  /** Events kept (default 20 000). */
  limit?: number;
}

type FrameTraceEvent = Extract<TraceEvent, { type: "frame-sent" | "frame-received" }>;

export class TraceRecorder {
  private readonly ring: (TraceEvent | undefined)[];
  private start = 0;
  private count = 0;
  private unsubscribe: (() => void) | undefined;
  /** Events that fell out of the ring. */
  forgotten = 0;

  constructor(tracer: Tracer, options: TraceRecorderOptions = {}) {
    const limit = Math.max(1, options.limit ?? 20_000);
    this.ring = new Array(limit);
    this.unsubscribe = tracer.subscribe((event) => {
      if (KEPT.has(event.type)) this.push(event);
    });
  }

  private push(event: TraceEvent): void {
    const size = this.ring.length;
    if (this.count < size) {
      this.ring[(this.start + this.count) % size] = event;
      this.count++;
    } else {
      this.ring[this.start] = event;
      this.start = (this.start + 1) % size;
      this.forgotten++;
    }
  }

  /** The kept events, oldest first. */
  get events(): TraceEvent[] {
    const out: TraceEvent[] = [];
    for (let i = 0; i < this.count; i++)
      out.push(this.ring[(this.start + i) % this.ring.length] as TraceEvent);
    return out;
  }

  /** Frame events, oldest first, optionally only at `node` (and `iface`). */
  frames(node?: string, iface?: string): FrameTraceEvent[] {
    return this.events.filter(
      (e): e is FrameTraceEvent =>
        (e.type === "frame-sent" || e.type === "frame-received") &&
        (node === undefined || e.node === node) &&
        (iface === undefined || e.iface === iface),
    );
  }

  /** Forgets everything kept so far. */
  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
  }

  /** Stops recording. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
