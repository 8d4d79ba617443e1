/**
 * `tinkernet ... | head -1`: when the reader of stdout goes away, the next write fails with EPIPE.
 * The CLI must stop quietly (exit 0, nothing on stderr), as pipeline writers do, never print a
 * stack trace. Each case writes well past a pipe's 64 KiB buffer, so the EPIPE is certain.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { projectRoot } from "../support/system.js";

const bin = join(projectRoot, "bin", "tinkernet.js");
const lan = join(projectRoot, "examples", "lan.yml");
const errFile = join(mkdtempSync(join(tmpdir(), "tinkernet-pipe-")), "stderr");
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Runs `tinkernet ARGS | head -1` in bash; the CLI's exit status and stderr, and what head saw. */
function throughHead(args: string[], input?: string): { status: number; stderr: string; line: string } {
  const command = `${quote(process.execPath)} ${quote(bin)} ${args.map(quote).join(" ")} 2>"$ERR" | head -1; echo "status=\${PIPESTATUS[0]}"; cat "$ERR" >&2`;
  const result = spawnSync("bash", ["-c", command], {
    encoding: "utf8",
    input,
    env: { ...process.env, NO_COLOR: "1", ERR: errFile },
    timeout: 60_000,
  });
  const lines = result.stdout.split("\n");
  const status = /^status=(\d+)$/m.exec(result.stdout);
  assert.ok(status, `no status: ${result.stdout} ${result.stderr}`);
  return { status: Number(status[1]), stderr: result.stderr, line: lines[0] ?? "" };
}

test("run --exec | head -1: the first line, then a quiet exit 0 (no EPIPE trace)", () => {
  const result = throughHead(["run", lan, "--exec", "h1 ping -c 5000 -i 0.01 h2; h1 ping -c 5000 h3"]);
  // lan.yml's srv starts its web server first (an `exec` line of the file).
  assert.equal(result.line, "[1] Serving HTTP on 10.0.1.13 port 80 (http://10.0.1.13/) ...");
  assert.equal(result.stderr, "");
  assert.equal(result.status, 0);
});

test("run --json | head -1 and commands piped into the shell | head -1 end the same way", () => {
  const json = throughHead([
    "run",
    lan,
    "--json",
    "--exec",
    "h1 ping -c 3000 -i 0.01 h2; h1 ping -c 3000 h3",
  ]);
  assert.match(json.line, /^\{"command":"srv httpd 80"/);
  assert.equal(json.stderr, "");
  assert.equal(json.status, 0);
  const piped = throughHead(["run", lan], "h1 ping -c 5000 -i 0.01 h2\nh1 ping -c 5000 h3\n");
  assert.match(piped.line, /Serving HTTP/);
  assert.equal(piped.stderr, "");
  assert.equal(piped.status, 0);
});

test("capture - | head -1: the pcapng reader going away ends the run quietly too (also when EPIPE comes late)", () => {
  // Sometimes the EPIPE only arrives once the run is over, while the capture waits for stdout to
  // drain: that wait must end too (it used to leave Node with nothing to do: exit status 13).
  for (let i = 0; i < 3; i++) {
    const result = throughHead(["run", lan, "--exec", "capture h1:eth0 -; h1 ping -c 5000 -i 0.01 h2"]);
    assert.equal(result.stderr.includes("EPIPE"), false, result.stderr);
    assert.equal(result.status, 0);
  }
});

test("demo | head -1: the tour's first line, then a quiet exit 0", () => {
  // The tour prints ~75 KB, more than a pipe holds: the EPIPE is certain.
  const result = throughHead(["demo", "--no-pcap"]);
  assert.equal(result.line, "tinkernet demo: the Internet in a box (seed 1)");
  assert.equal(result.stderr, "");
  assert.equal(result.status, 0);
});
