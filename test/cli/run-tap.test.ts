/**
 * `tinkernet run lab.yml --forever` with a TAP link, end to end: the kernel's ping and curl reach
 * an emulated host serving `httpd` (started by the file's `exec`), and SIGTERM ends the run with
 * exit code 0 and the namespace removed.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { needTap, netnsGone, runIn, uniqueName } from "../platform/tap-support.js";
import { projectRoot } from "../support/system.js";

test("run --forever: the kernel reaches the lab through TAP until SIGTERM", async (t) => {
  if (!needTap(t, "ping", "curl")) return;
  const netns = uniqueName("tkr");
  const tap = uniqueName("tkv");
  const file = join(mkdtempSync(join(tmpdir(), "tinkernet-run-tap-")), "tap.yml");
  writeFileSync(
    file,
    `name: tap
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.94.0.2/24}}, gateway: 10.94.0.1, exec: ["httpd"]}
  links:
    - endpoints: ["h1:eth0", "tap:${tap}"]
      tap: {netns: ${netns}, address: 10.94.0.1/24}
`,
  );
  const child = spawn(
    process.execPath,
    [join(projectRoot, "bin", "tinkernet.js"), "run", file, "--forever"],
    {
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not running after 20 s: ${stderr}`)), 20_000);
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk;
        if (/running in real time/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", () => reject(new Error(`exited early: ${stderr}`)));
    });
    const pinged = await runIn(netns, "ping", ["-n", "-c", "3", "-i", "0.2", "-W", "2", "10.94.0.2"]);
    assert.match(
      pinged.stdout,
      /3 packets transmitted, 3 received, 0% packet loss/,
      pinged.stdout + pinged.stderr,
    );
    const fetched = await runIn(netns, "curl", [
      "-s",
      "-m",
      "10",
      "-w",
      " %{http_code}",
      "http://10.94.0.2/",
    ]);
    assert.match(fetched.stdout, /^tinkernet httpd[\s\S]* 200$/, fetched.stderr);
    assert.match(stdout, /Serving HTTP on 10\.94\.0\.2 port 80/);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0, stderr);
  assert.ok(netnsGone(netns), "the namespace tinkernet created is gone");
});
