/**
 * A TCP connection, the two ways textbooks draw one:
 *  - a sequence diagram (SVG): one lane per endpoint, time downwards, an arrow per segment from
 *    where it left to where it arrived; the handshake (SYN, SYN-ACK, ACK), data and ACKs, losses
 *    (an arrow that stops with a cross), retransmissions (red), FIN and RST, and state changes;
 *  - plots (uPlot) of the congestion window and slow-start threshold (RFC 5681), the smoothed RTT
 *    (RFC 6298) and the throughput over time.
 *
 * Behind a NAT each side of a connection has its own id (its addresses differ), so a side's
 * segments may have no partner: they are drawn as short arrows to or from the far lane.
 */
import uPlot from "uplot";
import { escapeHtml } from "./graph.js";
import { formatTime, type LabEvent, type LabIndex } from "./model.js";

/** Segments drawn at most in one diagram (the rest are summarised). */
const MAX_SEGMENTS = 400;
const ROW = 22;
const LANE_X = [150, 380];

/** `10.0.0.1:40000<>10.0.0.2:80` → its two endpoints; IPv6 addresses keep their colons. */
export function connectionEnds(connection: string): [string, string] {
  const [a, b] = connection.split("<>");
  return [a ?? connection, b ?? ""];
}

export function addressOf(endpoint: string): string {
  const bracket = /^\[(.*)\]:\d+$/.exec(endpoint);
  if (bracket) return bracket[1];
  const colon = endpoint.lastIndexOf(":");
  return colon > 0 ? endpoint.slice(0, colon) : endpoint;
}

const FLAG_LETTERS: Record<string, string> = {
  S: "SYN",
  F: "FIN",
  R: "RST",
  P: "PSH",
  ".": "ACK",
  U: "URG",
  E: "ECE",
  W: "CWR",
};

/** TCP flags as names, from either spelling: tcpdump's `S.` or `SYN,ACK`. */
export function flagNames(flags: string | undefined): Set<string> {
  const names = new Set<string>();
  if (!flags) return names;
  if (/^[SFRPUEW.]+$/.test(flags)) {
    for (const letter of flags) names.add(FLAG_LETTERS[letter]);
  } else {
    for (const name of flags.split(/[ ,|]+/)) if (name) names.add(name.toUpperCase());
  }
  return names;
}

/** The flags as a textbook writes them: `SYN, ACK`. */
function flagText(flags: string | undefined): string {
  const names = flagNames(flags);
  return (
    ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"].filter((n) => names.has(n)).join(", ") || "none"
  );
}

/**
 * The ids under which one TCP connection was traced: its own, and, through a NAT, the other side's
 * (different addresses, same initial sequence numbers: NAT rewrites addresses and ports only).
 */
export function connectionFamily(connection: string, events: readonly LabEvent[]): Set<string> {
  const family = new Set([connection]);
  const isn = new Map<string, number>();
  for (const e of events) {
    if (e.type !== "tcp-segment" || !e.connection || e.values?.seq === undefined) continue;
    const flags = flagNames(e.flags);
    if (flags.has("SYN") && !flags.has("ACK") && !isn.has(e.connection)) isn.set(e.connection, e.values.seq);
  }
  const own = isn.get(connection);
  if (own === undefined) return family;
  for (const [other, seq] of isn) if (seq === own) family.add(other);
  return family;
}

/**
 * Pairs each segment sent with its arrival at the other end: same flags, sequence and
 * acknowledgment numbers and length. A segment sent twice (a retransmission) has two candidates
 * for one arrival; the one taken is the one whose transit is closest to the path's one-way delay,
 * learnt from the segments that were sent and received once.
 */
export function pairArrivals(
  shown: readonly LabEvent[],
  laneOf: (node: string | undefined) => number,
): Map<LabEvent, LabEvent> {
  const key = (e: LabEvent, lane: number) =>
    `${lane}>${e.flags}|${e.values?.seq}|${e.values?.ack}|${e.values?.length ?? 0}`;
  const outs = new Map<string, LabEvent[]>();
  const ins = new Map<string, LabEvent[]>();
  for (const e of shown) {
    if (e.direction === "out") push(outs, key(e, laneOf(e.node)), e);
    else if (e.direction === "in") push(ins, key(e, 1 - laneOf(e.node)), e);
  }
  // The one-way delay each way: the shortest transit among unambiguous pairs.
  const delay = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (const [k, sent] of outs) {
    const got = ins.get(k);
    if (sent.length !== 1 || got?.length !== 1 || got[0].time < sent[0].time) continue;
    const lane = Number(k[0]);
    delay[lane] = Math.min(delay[lane], got[0].time - sent[0].time);
  }
  const arrivals = new Map<LabEvent, LabEvent>();
  for (const [k, got] of ins) {
    const pending = [...(outs.get(k) ?? [])];
    const oneWay = delay[Number(k[0])];
    for (const arrival of got) {
      let best = -1;
      for (let i = 0; i < pending.length; i++) {
        const transit = arrival.time - pending[i].time;
        if (transit < 0) continue;
        if (best < 0 || !Number.isFinite(oneWay)) {
          if (best < 0) best = i;
          continue;
        }
        if (Math.abs(transit - oneWay) < Math.abs(arrival.time - pending[best].time - oneWay)) best = i;
      }
      if (best >= 0) arrivals.set(pending.splice(best, 1)[0], arrival);
    }
  }
  return arrivals;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

interface Arrow {
  from: number;
  to: number;
  /** Rank of the send and arrival time. */
  y1: number;
  y2: number;
  label: string;
  time: number;
  kind: "syn" | "fin" | "rst" | "data" | "ack" | "retransmission";
  lost: boolean;
  /** Only one end was traced under this connection id. */
  half: boolean;
  seq: number;
}

const KIND_COLOURS: Record<Arrow["kind"], string> = {
  syn: "#58a6ff",
  fin: "#d29922",
  rst: "#f85149",
  data: "#3fb950",
  ack: "#8b949e",
  retransmission: "#f85149",
};

function segmentKind(event: LabEvent, retransmission: boolean): Arrow["kind"] {
  const flags = flagNames(event.flags);
  if (retransmission) return "retransmission";
  if (flags.has("RST")) return "rst";
  if (flags.has("SYN")) return "syn";
  if (flags.has("FIN")) return "fin";
  if ((event.values?.length ?? 0) > 0) return "data";
  return "ack";
}

/**
 * A segment's label: its flags, and sequence and acknowledgment numbers relative to each side's
 * initial sequence number (as Wireshark shows them: the SYN is seq 0, the first data byte seq 1).
 * `isn` gives the ISN of the sending side and of the other side, when their SYN was seen.
 */
function segmentLabel(
  event: LabEvent,
  isn: [number | undefined, number | undefined],
  retransmission: boolean,
): string {
  const v = event.values ?? {};
  const relative = (n: number, base: number | undefined) => (base === undefined ? n : (n - base) >>> 0);
  const parts = [flagText(event.flags)];
  if (v.seq !== undefined) parts.push(`seq=${relative(v.seq, isn[0])}`);
  if (v.ack !== undefined && flagNames(event.flags).has("ACK")) parts.push(`ack=${relative(v.ack, isn[1])}`);
  if (v.length) parts.push(`len=${v.length}`);
  if (retransmission) parts.push("(retransmission)");
  return parts.join(" ");
}

export class ConnectionView {
  private readonly chooser: HTMLSelectElement;
  private readonly diagram: HTMLElement;
  private readonly plots: HTMLElement;
  private charts: uPlot[] = [];
  connection = "";
  /** Which MAX_SEGMENTS segments of a long connection the diagram shows. */
  private page = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly events: () => readonly LabEvent[],
    private readonly index: () => LabIndex,
    private readonly onPick: (seq: number) => void,
  ) {
    root.innerHTML = `
      <div class="connection-bar">
        <label>Connection <select class="connection-chooser" aria-label="TCP connection"></select></label>
        <button type="button" class="connection-refresh" title="Redraw with the events so far">Refresh</button>
      </div>
      <div class="connection-body">
        <div class="sequence"></div>
        <div class="plots"></div>
      </div>`;
    this.chooser = root.querySelector(".connection-chooser")!;
    this.diagram = root.querySelector(".sequence")!;
    this.plots = root.querySelector(".plots")!;
    this.chooser.addEventListener("change", () => this.show(this.chooser.value));
    root.querySelector(".connection-refresh")!.addEventListener("click", () => this.show(this.chooser.value));
    this.diagram.addEventListener("click", (e) => {
      const pager = (e.target as Element).closest("button");
      if (pager?.classList.contains("earlier") || pager?.classList.contains("later")) {
        this.page += pager.classList.contains("later") ? 1 : -1;
        this.show(this.connection);
        this.root.scrollTop = 0;
        return;
      }
      const seq = (e.target as Element).closest("[data-seq]")?.getAttribute("data-seq");
      if (seq) this.onPick(Number(seq));
    });
  }

  /** Lists the connections seen so far (with their segment counts). */
  refreshChoices(connections: Iterable<string>): void {
    const list = [...connections].sort();
    if (this.chooser.options.length === list.length + 1) return;
    const current = this.chooser.value || this.connection;
    this.chooser.replaceChildren(
      new Option("— choose a TCP connection —", ""),
      ...list.map((c) => new Option(c, c)),
    );
    this.chooser.value = list.includes(current) ? current : "";
  }

  show(connection: string): void {
    // A redraw of the same connection (new events) keeps the place the learner scrolled to.
    const scrolled = connection === this.connection ? this.root.scrollTop : 0;
    if (connection !== this.connection) this.page = 0;
    this.connection = connection;
    if (this.chooser.value !== connection) {
      if (![...this.chooser.options].some((o) => o.value === connection))
        this.chooser.add(new Option(connection, connection));
      this.chooser.value = connection;
    }
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.plots.replaceChildren();
    this.diagram.replaceChildren();
    if (!connection) return;
    const all = this.events();
    const family = connectionFamily(connection, all);
    const events = all.filter((e) => e.connection !== undefined && family.has(e.connection));
    this.drawPlots(events);
    this.drawSequence(connection, events);
    this.root.scrollTop = scrolled;
  }

  private drawSequence(connection: string, events: LabEvent[]): void {
    // Lanes: the client (who sent the first SYN) on the left, the server on the right. Each lane is
    // a node of the lab; a side not traced keeps the address from the connection's id.
    const ends = connectionEnds(connection);
    const index = this.index();
    const firstSyn = events.find(
      (e) => e.type === "tcp-segment" && flagNames(e.flags).has("SYN") && !flagNames(e.flags).has("ACK"),
    );
    const nodes = [...new Set(events.filter((e) => e.type === "tcp-segment" && e.node).map((e) => e.node!))];
    const client = firstSyn?.node ?? nodes[0] ?? index.ownerOf(addressOf(ends[0]));
    const server = nodes.find((n) => n !== client);
    const lanes: [string, string] = [
      client ?? ends[0],
      server ?? ends.find((e) => index.ownerOf(addressOf(e)) !== client) ?? ends[1],
    ];
    const laneOf = (node: string | undefined): number => (node !== undefined && node === lanes[1] ? 1 : 0);
    // A lane's address and port: from any id of the family whose endpoint the node owns.
    const ids = [...new Set(events.map((e) => e.connection!))].flatMap(connectionEnds);
    const endpointOf = (node: string) => ids.find((e) => index.ownerOf(addressOf(e)) === node) ?? "";
    // The whole connection is read (pairs, initial sequence numbers, retransmissions); a page of
    // MAX_SEGMENTS segments is drawn.
    const segments = events.filter((e) => e.type === "tcp-segment");
    const pages = Math.max(1, Math.ceil(segments.length / MAX_SEGMENTS));
    this.page = Math.min(this.page, pages - 1);
    const shown = segments.slice(this.page * MAX_SEGMENTS, (this.page + 1) * MAX_SEGMENTS);
    const traced = new Set(segments.map((e) => laneOf(e.node)));
    const bothTraced = traced.size === 2;

    const arrivals = pairArrivals(segments, laneOf);
    const received = new Set(arrivals.values());
    // Times to rows: each distinct time gets its own row, so bursts stay readable.
    const times = new Set<number>();
    for (const e of shown) {
      times.add(e.time);
      const arrival = arrivals.get(e);
      if (arrival) times.add(arrival.time);
    }
    const first = shown[0]?.time ?? 0;
    const last = shown.at(-1)?.time ?? Number.POSITIVE_INFINITY;
    const states = events.filter((e) => e.type === "tcp-state" && e.time >= first && e.time <= last);
    for (const e of states) times.add(e.time);
    const sorted = [...times].sort((a, b) => a - b);
    const rank = new Map(sorted.map((t, i) => [t, i]));
    const y = (t: number) => 50 + (rank.get(t) ?? 0) * ROW;

    // Each side's initial sequence number, from its SYN.
    const isn: [number | undefined, number | undefined] = [undefined, undefined];
    for (const e of segments) {
      const flags = flagNames(e.flags);
      if (!flags.has("SYN") || e.values?.seq === undefined) continue;
      const sender = e.direction === "in" ? 1 - laneOf(e.node) : laneOf(e.node);
      isn[sender] ??= e.values.seq;
    }
    // Retransmissions: flagged by the stack, or (as Wireshark finds them) a segment whose
    // sequence space ends at or below the highest its sender has already sent. Each segment is
    // judged once, where it left, or where it arrived when its sender was not traced.
    const highest = [0, 0];
    const retransmitted = new Set<LabEvent>();
    for (const e of segments) {
      const sender = e.direction === "in" ? 1 - laneOf(e.node) : laneOf(e.node);
      if (traced.has(sender) && e.direction === "in") continue;
      const flags = flagNames(e.flags);
      const span = (e.values?.length ?? 0) + (flags.has("SYN") ? 1 : 0) + (flags.has("FIN") ? 1 : 0);
      if (span === 0 || e.values?.seq === undefined) continue;
      const end = ((e.values.seq - (isn[sender] ?? 0)) >>> 0) + span;
      if (e.retransmission || end <= highest[sender]) retransmitted.add(e);
      highest[sender] = Math.max(highest[sender], end);
    }
    // A segment sent and never seen arriving was lost if its sender sent it again; otherwise it
    // may still be on its way (the events stop where the network stands now).
    const resent = new Set([...retransmitted].map((e) => `${laneOf(e.node)}>${e.values?.seq}|${e.flags}`));

    const arrows: Arrow[] = [];
    for (const e of shown) {
      if (received.has(e)) continue;
      const lane = laneOf(e.node);
      const arrival = arrivals.get(e);
      const out = e.direction !== "in";
      const from = out ? lane : 1 - lane;
      const to = 1 - from;
      const y1 = out ? y(e.time) : y(e.time) - ROW * 0.8;
      const y2 = arrival ? y(arrival.time) : out ? y(e.time) + ROW * 0.8 : y(e.time);
      const lost =
        out &&
        !arrival &&
        bothTraced &&
        !retransmitted.has(e) &&
        resent.has(`${lane}>${e.values?.seq}|${e.flags}`);
      arrows.push({
        from,
        to,
        y1,
        y2,
        label: segmentLabel(e, from === 0 ? [isn[0], isn[1]] : [isn[1], isn[0]], retransmitted.has(e)),
        time: e.time,
        kind: segmentKind(e, retransmitted.has(e)),
        lost,
        half: !arrival,
        seq: e.seq,
      });
    }

    const height = 70 + sorted.length * ROW;
    const width = 480;
    const laneLabel = (i: number) => {
      const endpoint = endpointOf(lanes[i]);
      return `${escapeHtml(lanes[i])}${endpoint ? ` ${escapeHtml(endpoint)}` : ""}`;
    };
    let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" class="sequence-svg" data-segments="${segments.length}">`;
    svg += `<defs>${Object.entries(KIND_COLOURS)
      .map(
        ([k, c]) =>
          `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="${c}"/></marker>`,
      )
      .join("")}</defs>`;
    for (let i = 0; i < 2; i++) {
      svg += `<text x="${LANE_X[i]}" y="16" text-anchor="middle" class="lane-label">${laneLabel(i)}</text>`;
      svg += `<line x1="${LANE_X[i]}" y1="26" x2="${LANE_X[i]}" y2="${height - 10}" class="lane"/>`;
    }
    for (const t of sorted)
      svg += `<text x="4" y="${y(t) + 4}" class="time-label">${(t / 1e6).toFixed(3)} ms</text>`;
    // State changes (RFC 9293 §3.3.2) beside their lane; several at one instant read as a chain.
    const chains = new Map<string, { lane: number; time: number; states: string[] }>();
    for (const e of states) {
      const lane = laneOf(e.node);
      const k = `${lane}@${e.time}`;
      const chain = chains.get(k) ?? { lane, time: e.time, states: [] };
      chain.states.push(e.toState ?? "");
      chains.set(k, chain);
    }
    for (const { lane, time, states: names } of chains.values()) {
      const x = LANE_X[lane] + (lane === 0 ? -6 : 6);
      svg += `<text x="${x}" y="${y(time) + 4}" text-anchor="${lane === 0 ? "end" : "start"}" class="state-label">${escapeHtml(names.join("→"))}</text>`;
    }
    const placed: number[] = [];
    for (const a of arrows) {
      const colour = KIND_COLOURS[a.kind];
      const x1 = LANE_X[a.from];
      let x2 = LANE_X[a.to];
      let y2 = a.y2;
      if (a.lost) {
        x2 = (x1 + x2) / 2;
        y2 = (a.y1 + a.y2) / 2;
      }
      const dash = a.half && !a.lost ? ` stroke-dasharray="4 3"` : "";
      svg += `<g class="segment segment-${a.kind}${a.lost ? " lost" : ""}" data-seq="${a.seq}"><title>${formatTime(a.time)} ${escapeHtml(a.label)}</title>`;
      svg += `<line x1="${x1}" y1="${a.y1}" x2="${x2}" y2="${y2}" stroke="${colour}" stroke-width="1.6"${dash}${a.lost ? "" : ` marker-end="url(#arrow-${a.kind})"`}/>`;
      if (a.lost)
        svg += `<path d="M${x2 - 6} ${y2 - 6}l12 12m0-12l-12 12" stroke="#f85149" stroke-width="2.5"/>`;
      // The label runs along the arrow, just above it, as textbooks letter them.
      const mx = (x1 + LANE_X[a.to]) / 2;
      const my = (a.y1 + a.y2) / 2;
      const angle = (Math.atan2(a.y2 - a.y1, LANE_X[a.to] - x1) * 180) / Math.PI;
      const upright = angle > 90 || angle < -90 ? angle + 180 : angle;
      // In a burst the labels would pile up: a data or ACK label that would overlap one already
      // written is left to the arrow's tooltip; SYN, FIN, RST and retransmissions are always written.
      const important = a.kind !== "data" && a.kind !== "ack";
      if (important || !placed.some((p) => Math.abs(p - my) < 18)) {
        placed.push(my);
        svg += `<text transform="translate(${mx} ${my}) rotate(${upright.toFixed(1)})" y="-3" text-anchor="middle" class="segment-label" fill="${colour}">${escapeHtml(a.label)}</text>`;
      }
      svg += "</g>";
    }
    svg += "</svg>";
    const from = this.page * MAX_SEGMENTS + 1;
    const note =
      pages > 1
        ? `<p class="pager"><button type="button" class="earlier" ${this.page === 0 ? "disabled" : ""}>◀ earlier</button> ` +
          `segments ${from}–${from + shown.length - 1} of ${segments.length} ` +
          `<button type="button" class="later" ${this.page === pages - 1 ? "disabled" : ""}>later ▶</button></p>`
        : "";
    this.diagram.innerHTML = `<h3>Sequence diagram</h3>${note}${svg}`;
  }

  private drawPlots(events: LabEvent[]): void {
    const cc = events.filter((e) => e.type === "tcp-cc" && e.values);
    // The end that sent the most data is the one whose window matters.
    const sentBy = new Map<string, number>();
    for (const e of events) {
      if (e.type === "tcp-segment" && e.direction === "out" && e.node)
        sentBy.set(e.node, (sentBy.get(e.node) ?? 0) + (e.values?.length ?? 0));
    }
    const sender = [...sentBy.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const ccOf = cc.filter((e) => !sender || e.node === sender || !cc.some((c) => c.node === sender));
    const t = ccOf.map((e) => e.time / 1e9);
    const big = (v: number | undefined) => (v === undefined || v >= 2 ** 30 ? null : v);
    const cwnd = ccOf.map((e) => big(e.values?.cwnd));
    const ssthresh = ccOf.map((e) => big(e.values?.ssthresh));
    const rtt = ccOf.map((e) => (e.values?.srtt === undefined ? null : e.values.srtt / 1e6));

    // Throughput: payload bytes arriving (or, for a side whose peer is not traced, leaving) per bucket.
    const inData = events.filter(
      (e) => e.type === "tcp-segment" && e.direction === "in" && (e.values?.length ?? 0) > 0,
    );
    const data =
      inData.length > 0
        ? inData
        : events.filter(
            (e) => e.type === "tcp-segment" && e.direction === "out" && (e.values?.length ?? 0) > 0,
          );
    const tp = throughput(data);

    const width = Math.max(300, this.plots.clientWidth - 8 || 480);
    this.chart(
      "cwnd",
      "Congestion window (bytes)",
      [t, cwnd, ssthresh],
      [
        { label: "cwnd", stroke: "#3fb950", width: 2 },
        { label: "ssthresh", stroke: "#d29922", dash: [5, 4] },
      ],
      width,
      sender,
    );
    this.chart(
      "rtt",
      "Smoothed RTT (ms)",
      [t, rtt],
      [{ label: "srtt", stroke: "#58a6ff", width: 2 }],
      width,
      sender,
    );
    this.chart(
      "throughput",
      `Throughput (Mbit/s, ${inData.length > 0 ? "received" : "sent"})`,
      [tp.t, tp.mbps],
      [{ label: "Mbit/s", stroke: "#a371f7", width: 2, fill: "rgba(163,113,247,0.15)" }],
      width,
    );
  }

  private chart(
    name: string,
    title: string,
    data: (number | null)[][],
    series: uPlot.Series[],
    width: number,
    who?: string,
  ): void {
    const box = document.createElement("div");
    box.className = `plot plot-${name}`;
    const points = data[1].filter((v) => v !== null).length;
    box.dataset.points = String(points);
    const heading = document.createElement("h3");
    heading.textContent = `${title}${who ? ` at ${who}` : ""}, over time (s)`;
    box.append(heading);
    this.plots.append(box);
    if (points === 0) {
      const empty = document.createElement("p");
      empty.className = "dim";
      empty.textContent = "no data yet";
      box.append(empty);
      return;
    }
    const axis = { stroke: "#8b949e", grid: { stroke: "#21262d" }, ticks: { stroke: "#30363d" } };
    const chart = new uPlot(
      {
        width,
        height: 120,
        scales: { x: { time: false } },
        axes: [
          { ...axis, space: 50 },
          { ...axis, size: 60, space: 18 },
        ],
        legend: { show: true },
        cursor: { drag: { x: true, y: false } },
        series: [
          { label: "t (s)" },
          ...series.map((s) => ({ ...s, spanGaps: true, points: { show: points < 60 } })),
        ],
      },
      data as uPlot.AlignedData,
      box,
    );
    this.charts.push(chart);
  }
}

/** Payload bytes per time bucket, as Mbit/s (about 40 buckets over the transfer). */
export function throughput(segments: readonly LabEvent[]): { t: number[]; mbps: number[] } {
  if (segments.length === 0) return { t: [], mbps: [] };
  const start = segments[0].time;
  const end = segments[segments.length - 1].time;
  const bucket = Math.max(1e6, (end - start) / 40);
  const count = Math.floor((end - start) / bucket) + 1;
  const bytes = new Array<number>(count).fill(0);
  for (const e of segments) bytes[Math.floor((e.time - start) / bucket)] += e.values?.length ?? 0;
  return {
    t: bytes.map((_, i) => (start + (i + 0.5) * bucket) / 1e9),
    mbps: bytes.map((b) => (b * 8) / (bucket / 1e9) / 1e6),
  };
}
