/**
 * The web lab's page: connects to the server's WebSocket, keeps the lab and its events, and wires
 * the views together: the topology graph with moving packets, the player (play, pause, step, step
 * back, speed), the event list, the packet inspector, the TCP connection view, a terminal per node,
 * and editing. Keyboard: space play/pause, → step, ← step back, + and - speed, ? help.
 */
import "@xterm/xterm/css/xterm.css";
import "uplot/dist/uPlot.min.css";
import "./app.css";
import type { PacketMessage, ServerMessage } from "../protocol.js";
import { PROTOCOL_VERSION } from "../protocol.js";
import { LabConnection } from "./connection.js";
import { ConnectionView } from "./connection-view.js";
import { Editor } from "./editor.js";
import { EventList, EventStore } from "./events.js";
import { escapeHtml, LAYOUTS, type LayoutName, TopologyGraph } from "./graph.js";
import { Inspector } from "./inspector.js";
import { formatTime, LabIndex } from "./model.js";
import { FlightTracker, PacketLayer } from "./packets.js";
import { Player } from "./player.js";
import { protocolColour, protocolName, renderLegend } from "./protocols.js";
import { Terminals } from "./terminal.js";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const PLAY_ICON = `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M4 2v12l10-6z" fill="currentColor"/></svg>`;
const PAUSE_ICON = `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M3 2h4v12H3zM9 2h4v12H9z" fill="currentColor"/></svg>`;

type Tab = "inspector" | "connection" | "terminal" | "edit";

class App {
  readonly store = new EventStore();
  index = new LabIndex({ name: "", file: "", nodes: [], links: [] });
  readonly connection: LabConnection;
  readonly graph: TopologyGraph;
  readonly tracker = new FlightTracker();
  readonly packets: PacketLayer;
  readonly list: EventList;
  readonly player: Player;
  readonly inspector: Inspector;
  readonly connectionView: ConnectionView;
  readonly terminals: Terminals;
  readonly editor: Editor;
  /** The cursor as drawn: moves smoothly towards the player's. */
  private display = -1;
  private lastFrame = performance.now();
  private serverTime = 0;
  private helloSeen = false;
  private packetRequest = 0;
  tab: Tab = "inspector";

  constructor() {
    const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    this.connection = new LabConnection(
      wsUrl,
      (m) => this.receive(m),
      (status) => this.status(status === "open" ? "connected" : "disconnected, retrying…", status !== "open"),
    );
    this.graph = new TopologyGraph($("#graph"), {
      onNodeSelect: (node) => {
        this.terminals.show(node);
        this.showTab("terminal");
      },
      onLinkSelect: (link) => {
        this.editor.select(link);
        this.showTab("edit");
      },
    });
    const passes = (i: number) => this.list.passes(i);
    this.packets = new PacketLayer(this.graph.cy, $("#graph-wrap"), this.tracker, passes);
    this.list = new EventList($("#events"), this.store, { onPick: (i) => this.pick(i) });
    this.player = new Player({
      count: () => this.store.events.length,
      passes,
      moved: (i, direction) => this.moved(i, direction),
      changed: () => this.controls(),
    });
    this.inspector = new Inspector($("#inspector"), (seq) => this.pickSeq(seq));
    this.connectionView = new ConnectionView(
      $("#connection"),
      () => this.store.events,
      () => this.index,
      (seq) => this.pickSeq(seq),
    );
    this.terminals = new Terminals($("#terminal"), this.connection);
    this.editor = new Editor($("#edit"), this.connection, () => this.index.lab.links);
    renderLegend($("#legend"));
    this.wireControls();
    this.controls();
    this.connection.open();
    requestAnimationFrame(() => this.frame());
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case "hello": {
        if (message.version !== PROTOCOL_VERSION)
          this.status(`server speaks protocol ${message.version}, page ${PROTOCOL_VERSION}`, true);
        const reconnect = this.helloSeen;
        this.helloSeen = true;
        this.store.clear();
        this.tracker.clear();
        this.player.index = -1;
        this.display = -1;
        this.setLab(message.lab, true);
        this.serverTime = message.time;
        $("#lab-name").textContent = message.lab.name;
        $("#script").innerHTML = message.script.length
          ? `Running: ${message.script.map((s) => `<code title="${escapeHtml(s.comment ?? "")}">${escapeHtml(s.command)}</code>`).join(" ")}`
          : "";
        this.list.refilter();
        if (reconnect) this.terminals.reopen();
        this.controls();
        document.body.dataset.ready = "true";
        break;
      }
      case "events": {
        const from = this.store.events.length;
        this.store.append(message.events);
        this.tracker.add(this.store.events, from, this.index);
        this.list.appended(from);
        const trimmed = this.store.trim();
        if (trimmed > 0) {
          this.list.trimmed(trimmed);
          this.player.trimmed(trimmed);
          this.tracker.trimmed(trimmed);
          this.display = Math.max(-1, this.display - trimmed);
        }
        this.serverTime = message.time;
        this.connectionView.refreshChoices(this.store.connections);
        // A connection on screen grows as its segments arrive (a download started in a terminal).
        if (
          this.tab === "connection" &&
          this.connectionView.connection &&
          message.events.some((e) => e.connection)
        )
          this.redrawConnectionSoon();
        this.controls();
        break;
      }
      case "lab-changed":
        this.setLab(message.lab, false);
        break;
      case "shell-output":
        this.terminals.output(message);
        break;
      case "shell-exit":
        this.terminals.exit(message);
        break;
      case "run-done":
        this.serverTime = message.time;
        this.controls();
        break;
      case "error":
        this.status(message.message, true);
        break;
      default:
        // Message types this page does not know are ignored (the protocol only grows).
        break;
    }
  }

  private setLab(lab: LabIndex["lab"], fresh: boolean): void {
    const old = this.index.lab;
    this.index = new LabIndex(lab);
    if (fresh || old.nodes.length === 0) {
      this.graph.setTopology(structuredClone(lab));
    } else {
      const known = new Set(old.nodes.map((n) => n.name));
      const knownLinks = new Set(old.links.map((l) => l.id));
      for (const node of lab.nodes) {
        if (!known.has(node.name)) {
          this.graph.addNode(
            structuredClone(node),
            lab.links.filter(
              (l) => !knownLinks.has(l.id) && (l.a.node === node.name || l.b.node === node.name),
            ),
          );
        }
      }
      for (const link of lab.links) if (knownLinks.has(link.id)) this.graph.updateLink(structuredClone(link));
      this.graph.updateNodes(lab.nodes);
    }
    $<HTMLSelectElement>("#layout").value = this.graph.current;
    this.terminals.setNodes(lab.nodes.map((n) => n.name));
    this.editor.setLab(lab.nodes, lab.links);
    $("#node-count").textContent = `${lab.nodes.length} nodes, ${lab.links.length} links`;
  }

  /** The player's cursor moved to `index`. */
  private moved(index: number, direction: number): void {
    const event = this.store.events[index];
    this.list.setCurrent(index);
    if (!event) return;
    this.graph.highlight(event.node, event.link);
    const banner = $("#current");
    banner.innerHTML =
      `<i style="background:${protocolColour(event.protocol)}"></i><b>#${event.seq}</b> ${formatTime(event.time)} ` +
      `<b>${escapeHtml(event.node ?? event.link ?? "")}</b> ${escapeHtml(event.type)} ${escapeHtml(protocolName(event.protocol))} ` +
      escapeHtml(event.summary);
    // A jump (a click) shows its picture at once; steps move there smoothly.
    if (direction === 0) this.display = index;
    if (!this.player.playing && event.frameId !== undefined) void this.openPacket(event.frameId);
    this.controls();
  }

  private pick(index: number): void {
    this.player.pause();
    this.player.seek(index);
    const event = this.store.events[index];
    if (event?.frameId !== undefined) this.showTab("inspector");
  }

  private pickSeq(seq: number): void {
    const first = this.store.events[0]?.seq ?? 0;
    const index = seq - first;
    if (this.store.events[index]?.seq === seq) {
      if (!this.list.passes(index)) {
        this.list.setFilter("protocol", "");
        this.list.setFilter("node", "");
        this.list.setFilter("connection", "");
      }
      this.pick(index);
    }
  }

  async openPacket(frameId: number): Promise<void> {
    const request = ++this.packetRequest;
    try {
      const packet = await this.connection.request<PacketMessage>({ type: "get-packet", frameId });
      if (request === this.packetRequest) this.inspector.show(packet);
    } catch (error) {
      if (request === this.packetRequest)
        this.inspector.showError(`Frame ${frameId}: ${(error as Error).message}`);
    }
  }

  private redrawTimer = 0;
  /** Redraws the connection view at most twice a second while events stream in. */
  private redrawConnectionSoon(): void {
    if (this.redrawTimer) return;
    this.redrawTimer = window.setTimeout(() => {
      this.redrawTimer = 0;
      if (this.tab === "connection") this.connectionView.show(this.connectionView.connection);
    }, 500);
  }

  showTab(tab: Tab): void {
    this.tab = tab;
    for (const button of document.querySelectorAll<HTMLElement>("[data-tab]")) {
      button.classList.toggle("active", button.dataset.tab === tab);
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    for (const panel of document.querySelectorAll<HTMLElement>(".tab-panel")) panel.hidden = panel.id !== tab;
    if (tab === "terminal") {
      this.terminals.resize();
      this.terminals.current?.focus();
    }
    if (tab === "connection") {
      const current = this.store.events[this.player.index];
      const pick =
        this.connectionView.connection || current?.connection || [...this.store.connections][0] || "";
      this.connectionView.refreshChoices(this.store.connections);
      this.connectionView.show(pick);
    }
  }

  private wireControls(): void {
    $("#play").addEventListener("click", () => this.player.toggle());
    $("#step").addEventListener("click", () => this.player.step());
    $("#back").addEventListener("click", () => this.player.back());
    $("#faster").addEventListener("click", () => this.player.faster());
    $("#slower").addEventListener("click", () => this.player.slower());
    $("#run").addEventListener("click", () => {
      this.connection
        .request({ type: "run", duration: 1_000_000_000 })
        .catch((e: Error) => this.status(e.message, true));
    });
    const layout = $<HTMLSelectElement>("#layout");
    layout.replaceChildren(...LAYOUTS.map((l) => new Option(l, l)));
    layout.addEventListener("change", () => this.graph.layout(layout.value as LayoutName));
    $("#fit").addEventListener("click", () => this.graph.cy.fit(undefined, 30));
    for (const button of document.querySelectorAll<HTMLElement>("[data-tab]")) {
      button.addEventListener("click", () => this.showTab(button.dataset.tab as Tab));
    }
    $("#help").addEventListener("click", () => this.help());
    $("#help-overlay").addEventListener("click", (e) => {
      if (e.target === e.currentTarget || (e.target as HTMLElement).closest(".close")) this.help(false);
    });
    document.addEventListener("keydown", (e) => this.key(e));
  }

  private key(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    // Typing in a form or a terminal is not a shortcut.
    if (target.closest("input, select, textarea, .terminal, [contenteditable]")) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case " ":
        this.player.toggle();
        break;
      case "ArrowRight":
        this.player.step();
        break;
      case "ArrowLeft":
        this.player.back();
        break;
      case "+":
      case "=":
        this.player.faster();
        break;
      case "-":
      case "_":
        this.player.slower();
        break;
      case "?":
      case "h":
        this.help();
        break;
      case "Escape":
        this.help(false);
        break;
      case "1":
        this.showTab("inspector");
        break;
      case "2":
        this.showTab("connection");
        break;
      case "3":
        this.showTab("terminal");
        break;
      case "4":
        this.showTab("edit");
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  help(show?: boolean): void {
    const overlay = $("#help-overlay");
    overlay.hidden = show === undefined ? !overlay.hidden : !show;
  }

  /** Refreshes the player's buttons and the time display. */
  private controls(): void {
    $("#play").innerHTML = this.player.playing ? PAUSE_ICON : PLAY_ICON;
    $("#play").dataset.playing = String(this.player.playing);
    $("#play").title = this.player.playing ? "Pause (space)" : "Play (space)";
    $("#speed").textContent = `×${this.player.speed}`;
    const event = this.store.events[this.player.index];
    $("#time").textContent = event ? formatTime(event.time) : formatTime(0);
    $("#time").title =
      `network time of the current event; the network has run ${formatTime(this.serverTime)}`;
    $("#position").textContent =
      `${Math.max(0, this.player.index + 1).toLocaleString("en")} / ${this.store.events.length.toLocaleString("en")}`;
  }

  status(text: string, bad = false): void {
    const el = $("#status");
    el.textContent = text;
    el.className = bad ? "bad" : "ok";
  }

  /** Each animation frame: move the drawn cursor towards the player's, and the dots with it. */
  private frame(): void {
    const now = performance.now();
    const elapsed = now - this.lastFrame;
    this.lastFrame = now;
    let target = this.player.index;
    if (this.player.playing) {
      const next = this.nextPassing(target);
      if (next > target) target += this.player.fraction * (next - target);
      this.display = target;
    } else if (this.display !== target) {
      // Glide: a step takes about 300 ms however far it goes.
      const distance = target - this.display;
      const stride = Math.max(Math.abs(distance), 1) * (elapsed / 300);
      this.display = Math.abs(distance) <= stride ? target : this.display + Math.sign(distance) * stride;
    }
    this.packets.show(this.display);
    requestAnimationFrame(() => this.frame());
  }

  private nextCache = { from: -2, to: -1 };
  private nextPassing(index: number): number {
    if (this.nextCache.from === index && this.nextCache.to > index) return this.nextCache.to;
    const count = this.store.events.length;
    let next = index;
    for (let i = index + 1; i < count && i < index + 5000; i++) {
      if (this.list.passes(i)) {
        next = i;
        break;
      }
    }
    this.nextCache = { from: index, to: next };
    return next;
  }
}

declare global {
  interface Window {
    lab: App;
  }
}

window.lab = new App();
