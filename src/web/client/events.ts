/**
 * The event list, Packet Tracer's "Event List" with Wireshark's filters: time, where, protocol and
 * a one-line summary per event, filtered by protocol, node, connection and a search box.
 *
 * Virtualised: only the rows in view exist in the document (a spacer gives the scrollbar its
 * length), and the filtered view is an index array updated as events arrive, so 100,000 events
 * scroll as smoothly as 100.
 */
import { escapeHtml } from "./graph.js";
import { formatTime, type LabEvent } from "./model.js";
import { protocolColour, protocolName } from "./protocols.js";

/** Height of one row in pixels (CSS uses the same). */
export const ROW_HEIGHT = 22;
/** Events the page keeps; older ones are forgotten, as the server does. */
export const MAX_EVENTS = 500_000;

export interface EventFilter {
  protocol: string;
  node: string;
  connection: string;
  search: string;
}

export class EventStore {
  readonly events: LabEvent[] = [];
  readonly protocols = new Set<string>();
  readonly nodes = new Set<string>();
  readonly connections = new Set<string>();

  append(events: readonly LabEvent[]): void {
    for (const event of events) {
      if (this.events.length > 0 && event.seq <= this.events[this.events.length - 1].seq) continue;
      this.events.push(event);
      if (event.protocol) this.protocols.add(event.protocol);
      if (event.node) this.nodes.add(event.node);
      if (event.connection) this.connections.add(event.connection);
    }
  }

  /** Drops the oldest events past the cap; returns how many went. */
  trim(): number {
    const excess = this.events.length - MAX_EVENTS;
    if (excess <= 0) return 0;
    this.events.splice(0, excess);
    return excess;
  }

  clear(): void {
    this.events.length = 0;
    this.protocols.clear();
    this.nodes.clear();
    this.connections.clear();
  }
}

export function matches(event: LabEvent, filter: EventFilter): boolean {
  if (filter.protocol && event.protocol !== filter.protocol) return false;
  if (filter.node && event.node !== filter.node) return false;
  if (filter.connection && event.connection !== filter.connection) return false;
  if (filter.search) {
    const needle = filter.search;
    const hay =
      `${event.type} ${event.node ?? ""} ${event.iface ?? ""} ${event.protocol ?? ""} ${event.summary}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

export interface EventListCallbacks {
  /** A row was clicked: the index in the store. */
  onPick(index: number): void;
}

export class EventList {
  readonly filter: EventFilter = { protocol: "", node: "", connection: "", search: "" };
  /** Store indexes of the events that pass the filter, in order. */
  visible: number[] = [];
  /** The store index of the current event (the player's cursor), -1 for none. */
  current = -1;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly count: HTMLElement;
  private readonly selects: Record<"protocol" | "node" | "connection", HTMLSelectElement>;
  private renderQueued = false;
  private follow = true;

  constructor(
    root: HTMLElement,
    private readonly store: EventStore,
    private readonly callbacks: EventListCallbacks,
  ) {
    root.innerHTML = `
      <div class="event-filters">
        <select data-filter="protocol" title="Protocol" aria-label="Protocol filter"><option value="">all protocols</option></select>
        <select data-filter="node" title="Node" aria-label="Node filter"><option value="">all nodes</option></select>
        <select data-filter="connection" title="TCP connection" aria-label="Connection filter"><option value="">all connections</option></select>
        <input type="search" placeholder="search (e.g. SYN, 203.0.113.10)" aria-label="Search events" class="event-search">
        <span class="event-count"></span>
      </div>
      <div class="event-header"><span>#</span><span>time</span><span>type</span><span>at</span><span>proto</span><span>summary</span></div>
      <div class="event-viewport" tabindex="0"><div class="event-spacer"></div><div class="event-rows"></div></div>`;
    this.viewport = root.querySelector(".event-viewport")!;
    this.spacer = root.querySelector(".event-spacer")!;
    this.rows = root.querySelector(".event-rows")!;
    this.count = root.querySelector(".event-count")!;
    this.selects = {
      protocol: root.querySelector('[data-filter="protocol"]')!,
      node: root.querySelector('[data-filter="node"]')!,
      connection: root.querySelector('[data-filter="connection"]')!,
    };
    for (const [key, select] of Object.entries(this.selects)) {
      select.addEventListener("change", () => {
        this.filter[key as "protocol" | "node" | "connection"] = select.value;
        this.refilter();
        // Give the keys back to the player: → should step, not pick the next option.
        select.blur();
      });
    }
    const search = root.querySelector<HTMLInputElement>(".event-search")!;
    search.addEventListener("input", () => {
      this.filter.search = search.value.trim().toLowerCase();
      this.refilter();
    });
    this.viewport.addEventListener("scroll", () => {
      const bottom =
        this.viewport.scrollTop + this.viewport.clientHeight >= this.viewport.scrollHeight - ROW_HEIGHT;
      this.follow = bottom && this.current < 0;
      this.schedule();
    });
    this.rows.addEventListener("click", (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>(".event-row");
      if (row?.dataset.index) this.callbacks.onPick(Number(row.dataset.index));
    });
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  /** Sets a filter from elsewhere (e.g. "show this connection's events"). */
  setFilter(key: "protocol" | "node" | "connection", value: string): void {
    this.filter[key] = value;
    this.refreshOptions();
    this.selects[key].value = value;
    this.refilter();
  }

  /** New events arrived at the end of the store. */
  appended(from: number): void {
    const events = this.store.events;
    for (let i = from; i < events.length; i++) if (matches(events[i], this.filter)) this.visible.push(i);
    this.refreshOptions();
    this.schedule();
  }

  /** The store dropped its `count` oldest events. */
  trimmed(count: number): void {
    this.visible = this.visible.filter((i) => i >= count).map((i) => i - count);
    this.current = Math.max(-1, this.current - count);
  }

  refilter(): void {
    const events = this.store.events;
    this.visible = [];
    for (let i = 0; i < events.length; i++) if (matches(events[i], this.filter)) this.visible.push(i);
    this.schedule();
    if (this.current >= 0) this.reveal(this.current);
  }

  passes(index: number): boolean {
    return matches(this.store.events[index], this.filter);
  }

  /** Marks the current event and scrolls it into view. */
  setCurrent(index: number): void {
    this.current = index;
    this.follow = false;
    this.reveal(index);
    this.schedule();
  }

  private reveal(index: number): void {
    const row = lowerBound(this.visible, index);
    const top = row * ROW_HEIGHT;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > this.viewport.scrollTop + this.viewport.clientHeight)
      this.viewport.scrollTop = top + ROW_HEIGHT - this.viewport.clientHeight;
  }

  private refreshOptions(): void {
    fill(this.selects.protocol, this.store.protocols, "all protocols", (p) => protocolName(p));
    fill(this.selects.node, this.store.nodes, "all nodes");
    fill(this.selects.connection, this.store.connections, "all connections");
  }

  private schedule(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const total = this.visible.length;
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    if (this.follow) this.viewport.scrollTop = total * ROW_HEIGHT;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - 5);
    const last = Math.min(total, first + Math.ceil(this.viewport.clientHeight / ROW_HEIGHT) + 10);
    const events = this.store.events;
    let html = "";
    for (let row = first; row < last; row++) {
      const index = this.visible[row];
      const e = events[index];
      const at = e.node ? `${e.node}${e.iface ? `:${e.iface}` : ""}` : (e.link ?? "");
      const cls = `event-row${index === this.current ? " current" : ""}${e.type === "drop" ? " drop" : ""}${index > this.current && this.current >= 0 ? " future" : ""}`;
      html +=
        `<div class="${cls}" data-index="${index}" data-seq="${e.seq}" style="top:${row * ROW_HEIGHT}px">` +
        `<span>${e.seq}</span><span>${formatTime(e.time)}</span><span>${e.type}</span><span>${escapeHtml(at)}</span>` +
        `<span><i style="background:${protocolColour(e.protocol)}"></i>${protocolName(e.protocol)}</span>` +
        `<span>${escapeHtml(e.summary)}</span></div>`;
    }
    this.rows.innerHTML = html;
    this.count.textContent = `${total.toLocaleString("en")} of ${events.length.toLocaleString("en")} events`;
  }
}

/** First position in a sorted array whose value is >= `value`. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fill(select: HTMLSelectElement, values: Set<string>, all: string, label = (v: string) => v): void {
  if (select.options.length === values.size + 1) return;
  const current = select.value;
  const options = [new Option(all, ""), ...[...values].sort().map((v) => new Option(label(v), v))];
  select.replaceChildren(...options);
  select.value = current;
}
