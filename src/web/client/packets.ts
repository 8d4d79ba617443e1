/**
 * Packets moving along the links: a coloured dot per frame on the wire, drawn on a canvas over the
 * graph.
 *
 * Where a dot is follows from the cursor, not from timers: a frame is on its link from its
 * `frame-sent` event to the event that ends the crossing (`link-delivered`, or a `drop` on the
 * link), and its place along the link is how far the cursor has moved between the two. So play,
 * step and step back all show the same picture for the same cursor, and a fractional cursor (the
 * player between two events) moves the dots smoothly. Positions are read from the graph's nodes
 * at each frame, so dots stay on their links while the learner pans, zooms or changes the layout.
 */
import type { Core } from "cytoscape";
import { lowerBound } from "./events.js";
import type { LabEvent, LabIndex } from "./model.js";
import { protocolColour } from "./protocols.js";

/** One crossing of a link by a frame. */
export interface Flight {
  /** Store index of the frame-sent event. */
  start: number;
  /** Store index of the event that ends it (-1 while unknown). */
  end: number;
  from: string;
  to: string;
  colour: string;
  dropped: boolean;
}

/** A crossing whose end never came shows for this many events, then is forgotten. */
const UNENDED_SPAN = 12;
/** How far back from the cursor to look for frames still on their links. */
const LOOKBACK = 4000;

export class FlightTracker {
  /** In order of `start`. */
  readonly flights: Flight[] = [];
  private readonly starts: number[] = [];
  private readonly open = new Map<number, Flight>();

  /** Reads new events (store indexes from `from`). */
  add(events: readonly LabEvent[], from: number, lab: LabIndex): void {
    for (let i = from; i < events.length; i++) {
      const e = events[i];
      if (e.type === "frame-sent" && e.node && e.frameId !== undefined) {
        const link = lab.link(e.link) ?? (e.iface ? lab.linkAt(e.node, e.iface) : undefined);
        if (!link) continue;
        const flight: Flight = {
          start: i,
          end: -1,
          from: e.node,
          to: lab.peer(link, e.node),
          colour: protocolColour(e.protocol),
          dropped: false,
        };
        this.flights.push(flight);
        this.starts.push(i);
        this.open.set(e.frameId, flight);
      } else if (e.type === "link-delivered" || e.type === "frame-received" || e.type === "drop") {
        const id = e.sentFrameId ?? e.frameId;
        if (id === undefined) continue;
        const flight = this.open.get(id);
        if (!flight) continue;
        // A drop at the sender itself (no route out, queue full) happens before the wire.
        flight.end = i;
        flight.dropped = e.type === "drop";
        this.open.delete(id);
      }
    }
    // Frames that never end (the server forgot, or lost them silently) must not pile up.
    if (this.open.size > 10_000) this.open.clear();
  }

  /** The store dropped its `count` oldest events. */
  trimmed(count: number): void {
    let drop = 0;
    while (drop < this.flights.length && this.flights[drop].start < count) drop++;
    this.flights.splice(0, drop);
    this.starts.splice(0, drop);
    for (const f of this.flights) {
      f.start -= count;
      if (f.end >= 0) f.end -= count;
    }
  }

  clear(): void {
    this.flights.length = 0;
    this.starts.length = 0;
    this.open.clear();
  }

  /** Frames on the wire at cursor `position` (fractional), with how far along each is (0..1). */
  *at(position: number, passes: (index: number) => boolean): Generator<[Flight, number]> {
    const last = lowerBound(this.starts, Math.floor(position) + 1) - 1;
    for (let k = last; k >= 0 && k > last - LOOKBACK; k--) {
      const f = this.flights[k];
      const end = f.end >= 0 ? f.end : f.start + UNENDED_SPAN;
      // A dropped frame lingers a little after its drop, so the learner sees the cross.
      const until = f.dropped ? end + 1.5 : end;
      if (position < f.start || position >= until) continue;
      if (!passes(f.start)) continue;
      const progress = f.end >= 0 ? Math.min(1, (position - f.start) / Math.max(1, end - f.start)) : 0.5;
      yield [f, progress];
    }
  }
}

export class PacketLayer {
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private queued = false;
  /** The cursor the dots are drawn for. */
  position = -1;
  drawn = 0;

  constructor(
    private readonly cy: Core,
    container: HTMLElement,
    private readonly tracker: FlightTracker,
    private readonly passes: (index: number) => boolean,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "packet-layer";
    container.appendChild(this.canvas);
    this.context = this.canvas.getContext("2d")!;
    this.cy.on("viewport resize position", () => this.schedule());
  }

  /** Draws the dots for a cursor position. */
  show(position: number): void {
    if (position === this.position) return;
    this.position = position;
    this.schedule();
  }

  schedule(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  private draw(): void {
    const container = this.canvas.parentElement!;
    const ratio = window.devicePixelRatio || 1;
    const width = container.clientWidth;
    const height = container.clientHeight;
    if (
      this.canvas.width !== Math.round(width * ratio) ||
      this.canvas.height !== Math.round(height * ratio)
    ) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const g = this.context;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const radius = Math.max(3, Math.min(7, 6 * this.cy.zoom()));
    let drawn = 0;
    for (const [flight, progress] of this.tracker.at(this.position, this.passes)) {
      const a = this.cy.getElementById(flight.from);
      const b = this.cy.getElementById(flight.to);
      if (a.empty() || b.empty()) continue;
      // A frame dropped on the link stops in the middle with a red cross.
      const t = flight.dropped ? Math.min(progress, 0.5) : progress;
      const p = a.renderedPosition();
      const q = b.renderedPosition();
      const x = p.x + (q.x - p.x) * t;
      const y = p.y + (q.y - p.y) * t;
      g.beginPath();
      g.arc(x, y, radius, 0, Math.PI * 2);
      g.fillStyle = flight.colour;
      g.fill();
      g.lineWidth = 1.5;
      g.strokeStyle = "#0d1117";
      g.stroke();
      if (flight.dropped && progress >= 1) {
        const r = radius * 1.6;
        g.strokeStyle = "#f85149";
        g.lineWidth = 3;
        g.beginPath();
        g.moveTo(x - r, y - r);
        g.lineTo(x + r, y + r);
        g.moveTo(x + r, y - r);
        g.lineTo(x - r, y + r);
        g.stroke();
      }
      if (++drawn >= 500) break;
    }
    this.drawn = drawn;
    this.canvas.dataset.dots = String(drawn);
  }
}
