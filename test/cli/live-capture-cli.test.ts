/**
 * `capture NODE:IF FIFO` from the CLI, as Wireshark is fed live (`mkfifo /tmp/tn; wireshark -k -i
 * /tmp/tn`): the pcapng streams into a named pipe while the run goes on, and a reader that is not
 * there yet does not stall it.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readPcapng } from "../../src/trace/pcapng.js";
import { runCli } from "../support/cli.js";
import { hasCommand, needSystem, projectRoot } from "../support/system.js";

test("capture h1:eth0 FIFO: a live reader gets a valid pcapng of the ping", async (t) => {
  if (!needSystem(t, "mkfifo", hasCommand("mkfifo"))) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-fifo-"));
  const fifo = join(dir, "live");
  const copy = join(dir, "copy.pcapng");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  // The reader, as Wireshark would be: it reads until the writer closes the pipe.
  const reader = spawn("sh", ["-c", `cat "${fifo}" > "${copy}"`]);
  const readerDone = new Promise<number | null>((resolve) => reader.on("exit", resolve));
  const result = runCli([
    "run",
    join(projectRoot, "examples", "lan.yml"),
    "--exec",
    `capture h1:eth0 ${fifo}; h1 ping -c 3 h2`,
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /3 packets transmitted, 3 received/);
  assert.equal(await readerDone, 0);
  const capture = readPcapng(new Uint8Array(readFileSync(copy)));
  assert.equal(capture.error, undefined);
  // ARP request and reply, three echo requests and three replies, at least.
  assert.ok(capture.frames.length >= 8, `${capture.frames.length} frames`);
});
