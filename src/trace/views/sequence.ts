/**
 * The textbook's sequence diagram, in ASCII: one column per node, time running down the left,
 * one arrow per packet from the node that sent it to the node(s) that received it, labelled with
 * what a learner needs (TCP flags with seq/ack, UDP ports, the ICMP message, the ARP question),
 * the one-way time it took on the right, and TCP state changes at each end.
 *
 * ```
 * time (s)   laptop                                 server
 *            192.168.1.10                           203.0.113.10
 *            |                                      |
 * 0.000000   |-- [SYN] seq=0 win=65535 mss=1460 --->|  +40.123 ms
 * ```
 */
import type { Nanoseconds } from "../../sim/time.js";
import type { TraceEvent } from "../events.js";
import { buildExchange, type ExchangeFilter, type ExchangeMessage } from "./exchange.js";
import { type LabelOptions, packetLabel, TcpNumbering } from "./labels.js";

export interface SequenceDiagramOptions extends ExchangeFilter, LabelOptions {
  /** A title line above the diagram (default: none). */
  title?: string;
  /** Times on the virtual clock instead of from the first packet shown. */
  absoluteTime?: boolean;
  /** Show at most this many packets (the first ones), then say how many more there were. */
  limit?: number;
  /** Show TCP state changes (default true). */
  states?: boolean;
  /** Smallest distance between two columns (default 12). */
  minGap?: number;
}

const TIME_HEADER = "time (s)";

/** Seconds with microseconds: `1.234567`. */
function seconds(ns: Nanoseconds): string {
  const us = Math.round(ns / 1000);
  const sign = us < 0 ? "-" : "";
  const abs = Math.abs(us);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, "0")}`;
}

/** Milliseconds with three decimals: `40.123 ms`. */
function milliseconds(ns: Nanoseconds): string {
  const us = Math.round(ns / 1000);
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, "0")} ms`;
}

/** Renders the exchange in `events` that `options` selects. Returns text without a final newline. */
export function sequenceDiagram(events: Iterable<TraceEvent>, options: SequenceDiagramOptions = {}): string {
  const exchange = buildExchange(events, options);
  const columns = exchange.columns;
  const showStates = options.states ?? true;
  let items = exchange.items.filter((i) => i.kind === "message" || showStates);
  const messageCount = items.filter((i) => i.kind === "message").length;
  let hidden = 0;
  if (options.limit !== undefined && messageCount > options.limit) {
    let kept = 0;
    const cut = items.findIndex((i) => i.kind === "message" && ++kept > (options.limit ?? 0));
    hidden = messageCount - (options.limit ?? 0);
    items = items.slice(0, cut);
  }

  const lines: string[] = [];
  if (options.title) lines.push(options.title, "");
  if (columns.length === 0 || messageCount === 0) {
    lines.push("(no packets to show)");
    return lines.join("\n");
  }

  // Labels, in order (the TCP numbering learns every packet first, then labels in order).
  const numbering = new TcpNumbering(options.absolute);
  for (const item of items) if (item.kind === "message") numbering.learn(item.packet);
  const labels = new Map<ExchangeMessage, string>();
  for (const item of items)
    if (item.kind === "message") labels.set(item, packetLabel(item.packet, numbering, options));

  const origin = options.absoluteTime ? 0 : (items[0]?.time ?? 0);
  const timeTexts = items.map((i) => seconds(i.time - origin));
  const timeWidth = Math.max(TIME_HEADER.length, ...timeTexts.map((t) => t.length));

  // Column spacing: room for every header and every label between the columns it spans.
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const headerWidth = columns.map((c) => Math.max(c.name.length, c.address?.length ?? 0));
  const minGap = options.minGap ?? 12;
  const gaps = columns
    .slice(1)
    .map((_, k) => Math.max(minGap, Math.ceil(headerWidth[k] / 2) + Math.floor(headerWidth[k + 1] / 2) + 2));
  for (const item of items) {
    if (item.kind !== "message") continue;
    const [from, near] = arrowEnds(item, index);
    if (near === undefined) continue;
    const lo = Math.min(from, near);
    const hi = Math.max(from, near);
    // "-- label ->" plus, for a lost packet, the stretch after the X.
    const need = (labels.get(item)?.length ?? 0) + 8 + (item.to.length === 0 ? 6 : 0);
    let have = 0;
    for (let k = lo; k < hi; k++) have += gaps[k];
    let deficit = need - have;
    for (let k = lo; deficit > 0; k = k + 1 < hi ? k + 1 : lo) {
      gaps[k]++;
      deficit--;
    }
  }
  const x: number[] = [];
  x[0] = timeWidth + 3 + Math.floor(headerWidth[0] / 2);
  for (let k = 1; k < columns.length; k++) x[k] = x[k - 1] + gaps[k - 1];
  const width = x[x.length - 1] + 1;

  const blank = (): string[] => {
    const row = new Array<string>(width).fill(" ");
    for (const at of x) row[at] = "|";
    return row;
  };
  const put = (row: string[], at: number, text: string) => {
    for (let i = 0; i < text.length; i++) {
      const p = at + i;
      if (p >= row.length) row.push(...new Array<string>(p - row.length + 1).fill(" "));
      row[p] = text[i];
    }
  };
  const finish = (time: string, row: string[], note = "") =>
    `${time.padStart(timeWidth)}${row.join("").slice(timeWidth)}${note ? `  ${note}` : ""}`.trimEnd();

  // Headers: names, then addresses, centred on the lifelines.
  const nameRow = new Array<string>(width).fill(" ");
  const addressRow = new Array<string>(width).fill(" ");
  put(nameRow, 0, TIME_HEADER);
  columns.forEach((c, k) => {
    put(nameRow, x[k] - Math.floor(c.name.length / 2), c.name);
    if (c.address) put(addressRow, x[k] - Math.floor(c.address.length / 2), c.address);
  });
  lines.push(nameRow.join("").trimEnd());
  if (columns.some((c) => c.address)) lines.push(addressRow.join("").trimEnd());
  lines.push(finish("", blank()));

  items.forEach((item, n) => {
    const time = timeTexts[n];
    const row = blank();
    if (item.kind === "state") {
      const k = index.get(item.node);
      if (k === undefined) return;
      const text = `[${item.to}]`;
      put(row, Math.max(timeWidth + 2, x[k] - Math.floor(text.length / 2)), text);
      lines.push(finish(time, row));
      return;
    }
    if (item.kind === "note") {
      // A note runs across the lifelines, from just right of the first.
      put(row, x[0] + 2, ` (${item.text}) `);
      lines.push(finish(time, row));
      return;
    }
    const [from, near] = arrowEnds(item, index);
    if (near === undefined) return;
    const label = labels.get(item) ?? "";
    const step = near > from ? 1 : -1;
    const receivers = item.to.map((name) => index.get(name)).filter((k): k is number => k !== undefined);
    let note: string;
    let end: number;
    if (receivers.length > 0) {
      // Dashes out to the farthest receiver on each side, an arrowhead at every receiver.
      for (const side of [1, -1]) {
        const reached = receivers.filter((k) => (k - from) * side > 0);
        if (reached.length === 0) continue;
        const far = side > 0 ? Math.max(...reached) : Math.min(...reached);
        for (let p = x[from] + side; p !== x[far]; p += side) row[p] = "-";
        for (const k of reached) {
          row[x[k] - side] = side > 0 ? ">" : "<";
          row[x[k]] = "|";
        }
      }
      end = x[near];
      note = item.arrival !== undefined ? `+${milliseconds(item.arrival - item.time)}` : "";
      if (item.stopped) note += `, ${item.stopped}`;
    } else {
      // Lost: the arrow breaks off two thirds of the way, with an X where a drop was traced and
      // a ? where none was (the packet may still have been on its way when the trace ended).
      end = x[from] + step * Math.max(label.length + 8, Math.floor((Math.abs(x[near] - x[from]) * 2) / 3));
      for (let p = x[from] + step; p !== end; p += step) row[p] = "-";
      row[end] = item.lost ? "X" : "?";
      note = item.lost ? `lost: ${item.lost}` : "no arrival seen";
    }
    // The label, centred in the first stretch of the arrow.
    const lo = Math.min(x[from], end);
    const hi = Math.max(x[from], end);
    const start = lo + 1 + Math.max(1, Math.floor((hi - lo - 1 - (label.length + 2)) / 2));
    put(row, start, ` ${label} `);
    lines.push(finish(time, row, note));
  });
  if (hidden > 0) lines.push(`... ${hidden} more packet${hidden === 1 ? "" : "s"} not shown`);
  return lines.join("\n");
}

/** The sender's column and the nearest receiving (or intended) column. */
function arrowEnds(message: ExchangeMessage, index: Map<string, number>): [number, number | undefined] {
  const from = index.get(message.from) ?? 0;
  const targets = (message.to.length > 0 ? message.to : message.lostToward ? [message.lostToward] : [])
    .map((name) => index.get(name))
    .filter((k): k is number => k !== undefined && k !== from);
  if (targets.length === 0) return [from, undefined];
  const nearest = targets.reduce((best, k) => (Math.abs(k - from) < Math.abs(best - from) ? k : best));
  return [from, nearest];
}
