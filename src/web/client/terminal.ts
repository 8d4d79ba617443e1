/**
 * A terminal per node (xterm.js) running the lab's own shell on the server: the same commands as
 * `tinkernet run --interactive` (ping, traceroute, curl, ip, show ...). Lines are edited here
 * (cursor keys, Home/End, Ctrl-U/K/W, history with ↑/↓, Tab completion asked of the server) and
 * sent whole with `shell-input`; the output comes back as `shell-output` until `shell-exit`.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import type { CompletionsMessage, ShellExitMessage, ShellOutputMessage } from "../protocol.js";
import type { LabConnection } from "./connection.js";

const HISTORY = 200;

/** One node's terminal and its line editor. */
export class NodeTerminal {
  readonly term: Terminal;
  readonly element: HTMLElement;
  private readonly fit = new FitAddon();
  private line = "";
  private cursor = 0;
  private history: string[] = [];
  private historyIndex = 0;
  private busy = false;
  private atLineStart = true;

  constructor(
    readonly node: string,
    readonly session: string,
    private readonly connection: LabConnection,
    parent: HTMLElement,
  ) {
    this.element = document.createElement("div");
    this.element.className = "terminal";
    this.element.dataset.node = node;
    parent.append(this.element);
    this.term = new Terminal({
      convertEol: true,
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: { background: "#0d1117", foreground: "#d0d7de", cursor: "#58a6ff" },
    });
    this.term.loadAddon(this.fit);
    this.term.open(this.element);
    this.term.onData((data) => this.input(data));
  }

  /** Opens the session on the server (again, after a reconnect). */
  /** Opens the session on the server (again, after a reconnect); the server greets in it. */
  open(): void {
    this.connection.send({ type: "shell-open", session: this.session, node: this.node });
    this.busy = false;
    this.prompt();
  }

  resize(): void {
    if (this.element.offsetParent !== null) this.fit.fit();
  }

  focus(): void {
    this.term.focus();
  }

  output(message: ShellOutputMessage): void {
    const text = message.stderr ? `\x1b[31m${message.text}\x1b[0m` : message.text;
    if (!this.busy) {
      // Output between commands (a background job): keep the line being typed below it.
      this.write(`\r\x1b[K${text}${text.endsWith("\n") ? "" : "\r\n"}`);
      this.redraw();
    } else {
      this.write(text);
    }
  }

  exit(_message: ShellExitMessage): void {
    // Only a command line ends with an exit; anything else (a reply to shell-open) leaves the prompt be.
    if (!this.busy) return;
    this.busy = false;
    this.prompt();
  }

  private get promptText(): string {
    return `\x1b[32m${this.node}\x1b[0m$ `;
  }

  private prompt(): void {
    this.line = "";
    this.cursor = 0;
    this.write(`${this.atLineStart ? "" : "\r\n"}${this.promptText}`);
  }

  /** Writes to the terminal, remembering whether the text left the cursor at a line's start. */
  private write(text: string): void {
    if (text.length === 0) return;
    this.term.write(text);
    this.atLineStart = text.endsWith("\n");
  }

  /** Rewrites the line being edited and puts the cursor back in its place. */
  private redraw(): void {
    this.write(`\r\x1b[K${this.promptText}${this.line}`);
    const back = this.line.length - this.cursor;
    if (back > 0) this.term.write(`\x1b[${back}D`);
  }

  private input(data: string): void {
    if (this.busy) {
      if (data === "\x03") {
        this.term.write("^C");
        this.connection.send({ type: "shell-interrupt", session: this.session });
      }
      return;
    }
    // Escape sequences first (arrows, Home/End, Delete), then characters one by one.
    switch (data) {
      case "\x1b[D":
        if (this.cursor > 0) this.cursor--;
        this.redraw();
        return;
      case "\x1b[C":
        if (this.cursor < this.line.length) this.cursor++;
        this.redraw();
        return;
      case "\x1b[H":
      case "\x1bOH":
        this.cursor = 0;
        this.redraw();
        return;
      case "\x1b[F":
      case "\x1bOF":
        this.cursor = this.line.length;
        this.redraw();
        return;
      case "\x1b[3~":
        this.line = this.line.slice(0, this.cursor) + this.line.slice(this.cursor + 1);
        this.redraw();
        return;
      case "\x1b[A":
        this.recall(-1);
        return;
      case "\x1b[B":
        this.recall(1);
        return;
    }
    if (data.startsWith("\x1b")) return;
    for (const ch of data) this.key(ch);
  }

  private key(ch: string): void {
    switch (ch) {
      case "\r":
        this.submit();
        return;
      case "\x7f":
      case "\b":
        if (this.cursor > 0) {
          this.line = this.line.slice(0, this.cursor - 1) + this.line.slice(this.cursor);
          this.cursor--;
          this.redraw();
        }
        return;
      case "\t":
        void this.complete();
        return;
      case "\x01": // Ctrl-A
        this.cursor = 0;
        this.redraw();
        return;
      case "\x05": // Ctrl-E
        this.cursor = this.line.length;
        this.redraw();
        return;
      case "\x15": // Ctrl-U: cut to the start
        this.line = this.line.slice(this.cursor);
        this.cursor = 0;
        this.redraw();
        return;
      case "\x0b": // Ctrl-K: cut to the end
        this.line = this.line.slice(0, this.cursor);
        this.redraw();
        return;
      case "\x17": {
        // Ctrl-W: the word before the cursor
        const before = this.line.slice(0, this.cursor).replace(/\S+\s*$/, "");
        this.line = before + this.line.slice(this.cursor);
        this.cursor = before.length;
        this.redraw();
        return;
      }
      case "\x03": // Ctrl-C on an idle line: drop it
        this.write("^C\r\n");
        this.prompt();
        return;
      case "\x0c": // Ctrl-L
        this.term.clear();
        this.redraw();
        return;
    }
    if (ch < " ") return;
    this.line = this.line.slice(0, this.cursor) + ch + this.line.slice(this.cursor);
    this.cursor++;
    this.redraw();
  }

  private recall(direction: number): void {
    if (this.history.length === 0) return;
    this.historyIndex = Math.max(0, Math.min(this.history.length, this.historyIndex + direction));
    this.line = this.history[this.historyIndex] ?? "";
    this.cursor = this.line.length;
    this.redraw();
  }

  private submit(): void {
    const line = this.line;
    this.write("\r\n");
    if (line.trim() === "") {
      this.prompt();
      return;
    }
    if (this.history.at(-1) !== line) this.history.push(line);
    if (this.history.length > HISTORY) this.history.shift();
    this.historyIndex = this.history.length;
    if (line.trim() === "clear") {
      this.term.clear();
      this.prompt();
      return;
    }
    this.busy = true;
    this.connection.request({ type: "shell-input", session: this.session, line }).catch((error: Error) => {
      this.write(`\x1b[31m${error.message}\x1b[0m\r\n`);
      this.busy = false;
      this.prompt();
    });
  }

  private async complete(): Promise<void> {
    const line = this.line.slice(0, this.cursor);
    let reply: CompletionsMessage;
    try {
      reply = await this.connection.request<CompletionsMessage>({
        type: "shell-complete",
        session: this.session,
        line,
      });
    } catch {
      return;
    }
    const candidates = reply.candidates;
    if (candidates.length === 0) return;
    const word = line.slice(reply.start);
    const common = commonPrefix(candidates);
    if (candidates.length === 1 || common.length > word.length) {
      const insert = candidates.length === 1 ? `${candidates[0]} ` : common;
      this.line = line.slice(0, reply.start) + insert + this.line.slice(this.cursor);
      this.cursor = reply.start + insert.length;
      this.redraw();
      return;
    }
    // Several ways on: list them, like bash on a second Tab.
    this.write(`\r\n${candidates.join("  ")}\r\n`);
    this.redraw();
  }
}

export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return "";
  let prefix = words[0];
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** The terminals, one per node, shown one at a time. */
export class Terminals {
  private readonly terminals = new Map<string, NodeTerminal>();
  private readonly chooser: HTMLSelectElement;
  private readonly area: HTMLElement;
  current: NodeTerminal | null = null;

  constructor(
    root: HTMLElement,
    private readonly connection: LabConnection,
  ) {
    root.innerHTML = `<div class="terminal-bar"><label>Node <select class="terminal-node" aria-label="Terminal node"></select></label>
      <span class="dim">Tab completes, ↑/↓ recall, Ctrl-C stops</span></div><div class="terminal-area"></div>`;
    this.chooser = root.querySelector(".terminal-node")!;
    this.area = root.querySelector(".terminal-area")!;
    this.chooser.addEventListener("change", () => this.show(this.chooser.value));
    new ResizeObserver(() => this.current?.resize()).observe(this.area);
  }

  setNodes(nodes: readonly string[]): void {
    const current = this.chooser.value;
    this.chooser.replaceChildren(new Option("— choose a node —", ""), ...nodes.map((n) => new Option(n, n)));
    this.chooser.value = nodes.includes(current) ? current : "";
  }

  show(node: string): void {
    if (!node) return;
    this.chooser.value = node;
    let terminal = this.terminals.get(node);
    if (!terminal) {
      terminal = new NodeTerminal(node, `term-${node}`.slice(0, 64), this.connection, this.area);
      this.terminals.set(node, terminal);
      terminal.open();
    }
    for (const t of this.terminals.values()) t.element.hidden = t !== terminal;
    this.current = terminal;
    requestAnimationFrame(() => {
      terminal!.resize();
      terminal!.focus();
    });
  }

  /** After a reconnect the server has forgotten the sessions: open them again. */
  reopen(): void {
    for (const t of this.terminals.values()) t.open();
  }

  output(message: ShellOutputMessage): void {
    this.bySession(message.session)?.output(message);
  }

  exit(message: ShellExitMessage): void {
    this.bySession(message.session)?.exit(message);
  }

  resize(): void {
    this.current?.resize();
  }

  private bySession(session: string): NodeTerminal | undefined {
    for (const t of this.terminals.values()) if (t.session === session) return t;
    return undefined;
  }
}
