/**
 * The interactive shell on a real pseudo-terminal (util-linux's `script` allocates it): the
 * prompt, tab completion of commands and node names, Ctrl-C stopping a running command, history
 * across sessions, Ctrl-D leaving with exit code 0.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hasCommand, needSystem, projectRoot } from "../support/system.js";

/** A command on a pseudo-terminal: what it printed so far, and keys to type. */
class Terminal {
  output = "";
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(command: string, env: NodeJS.ProcessEnv) {
    // -q: no "Script started" lines; -f: flush at once; -e: exit with the command's status.
    this.child = spawn("script", ["-qfec", command, "/dev/null"], { env: { ...process.env, ...env } });
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Waits until the output (after `from`) matches; returns the index just past the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output.slice(from));
      if (match) return from + match.index + match[0].length;
      if (Date.now() > deadline) {
        this.child.kill("SIGKILL");
        assert.fail(`timed out waiting for ${pattern}; output:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

const PROMPT = /tinkernet> /;
const ESC = "\u001b";
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("the shell on a terminal: completion, Ctrl-C, history, Ctrl-D", async (t) => {
  if (!needSystem(t, "script (util-linux/bsdutils, for a pseudo-terminal)", hasCommand("script"))) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-pty-"));
  const history = join(dir, "history");
  writeFileSync(history, "r2 show ip route\n");
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(projectRoot, "bin", "tinkernet.js"))} run ${JSON.stringify(join(projectRoot, "examples", "chain.yml"))}`;
  const term = new Terminal(command, { NO_COLOR: "1", TINKERNET_HISTORY: history, TERM: "xterm" });
  try {
    let at = await term.waitFor(/\*\*\* tinkernet: lab "chain" — 5 nodes, 4 links, virtual time/);
    at = await term.waitFor(PROMPT, at);

    // Tab completes the command (one candidate: it is inserted with a space), then a node name.
    term.type("h1 pi");
    at = await term.waitFor(/h1 pi/, at);
    term.type("\t");
    at = await term.waitFor(/ng /, at);
    term.type("r");
    at = await term.waitFor(/r/, at);
    term.type("\t");
    await pause(150);
    term.type("\t"); // three candidates: the second tab lists them
    at = await term.waitFor(/r1\s+r2\s+r3/, at);
    term.type("\u007f"); // backspace: "h1 ping ", then a node name to complete
    term.type("h");
    at = await term.waitFor(/h/, at);
    term.type("\t");
    at = await term.waitFor(/h2 /, at);
    term.type("-c 1\r");
    at = await term.waitFor(/1 packets transmitted, 1 received, 0% packet loss/, at);
    at = await term.waitFor(PROMPT, at);

    // Ctrl-C stops a long ping, which prints its statistics; the shell stays.
    term.type("h1 ping -i 0.001 -c 50000 h2\r");
    at = await term.waitFor(/icmp_seq=300 /, at);
    term.type("\u0003");
    const statsAt = await term.waitFor(/--- 10\.0\.2\.10 ping statistics ---\r?\n/, at);
    at = await term.waitFor(/\d+ packets transmitted, \d+ received/, statsAt);
    const stats = /(\d+) packets transmitted/.exec(term.output.slice(statsAt))!;
    assert.ok(Number(stats[1]) < 50000, `stopped early: ${stats[0]}`);
    at = await term.waitFor(PROMPT, at);

    // History: the up arrow brings back the last command, and earlier sessions' too.
    term.type("\u001b[A");
    at = await term.waitFor(/h1 ping -i 0\.001 -c 50000 h2/, at);
    term.type("\u0015"); // Ctrl-U: clear the line
    // Further back: the line from the history file of an earlier session.
    for (let i = 0; i < 4 && !/r2 show ip route/.test(term.output.slice(at)); i++) {
      term.type("\u001b[A");
      await pause(150);
    }
    at = await term.waitFor(/r2 show ip route/, at);
    term.type("\r");
    at = await term.waitFor(/^C>\* 10\.0\.12\.0\/30 is directly connected, eth0/m, at);

    // An unknown command is an error, not the end.
    term.type("pnig\r");
    at = await term.waitFor(/unknown command or node "pnig" \(did you mean "ping"\?\)/, at);
    at = await term.waitFor(PROMPT, at);

    term.type("\u0004"); // Ctrl-D
    assert.equal(await term.exited, 0, term.output);
    const saved = readFileSync(history, "utf8").split("\n");
    assert.ok(saved.includes("h1 ping -i 0.001 -c 50000 h2"), saved.join("|"));
    assert.ok(saved.includes("pnig"));
  } finally {
    term.kill();
  }
});

test("colours on a terminal, unless NO_COLOR says otherwise", async (t) => {
  if (!needSystem(t, "script (util-linux/bsdutils, for a pseudo-terminal)", hasCommand("script"))) return;
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(projectRoot, "bin", "tinkernet.js"))} run ${JSON.stringify(join(projectRoot, "examples", "chain.yml"))} --exec pnig`;
  const coloured = new Terminal(command, { NO_COLOR: "", TERM: "xterm" });
  assert.equal(await coloured.exited, 2);
  assert.ok(coloured.output.includes(`${ESC}[31mtinkernet: unknown command or node "pnig"`), coloured.output);
  assert.ok(coloured.output.includes(`${ESC}[2mtinkernet> pnig${ESC}[22m`), "commands are echoed, dimmed");
  const plain = new Terminal(command, { NO_COLOR: "1", TERM: "xterm" });
  assert.equal(await plain.exited, 2);
  assert.ok(!plain.output.includes(`${ESC}[`), plain.output);
});
