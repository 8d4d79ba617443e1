/**
 * `tinkernet run lab.yml --exec "h1 httpd 80" --forever` with a TAP link: the kernel's curl reaches
 * the emulated web server, and SIGTERM stops the lab and removes the namespace it created.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { bytesDigest } from "../../src/apps/http/bytes-service.js";
import { projectRoot } from "../support/system.js";
import { curlDownload } from "./tap-e2e-support.js";
import { needTap, netnsGone, uniqueName } from "./tap-support.js";

test("tinkernet run --forever serves the kernel through a TAP link until SIGTERM", async (t) => {
  if (!needTap(t, "curl")) return;
  const netns = uniqueName("tkt-");
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-cli-"));
  const file = join(dir, "lab.yml");
  writeFileSync(
    file,
    `name: tapcli
topology:
  nodes:
    h1: {kind: host, gateway: 10.77.0.1}
  links:
    - endpoints: ["h1:eth0", "tap:${uniqueName("tkc")}"]
      tap: {netns: ${netns}, address: 10.77.0.1/24}
`,
  );
  const child = spawn(
    process.execPath,
    [join(projectRoot, "bin", "tinkernet.js"), "run", file, "--exec", "h1 httpd 80", "--forever"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  try {
    for (let i = 0; i < 100 && !/running in real time/.test(output); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(output, /running in real time/, output);
    const size = 1_000_000;
    const download = await curlDownload(netns, `http://10.77.0.2/bytes/${size}`, 30_000);
    assert.equal(download.code, 0, download.stderr);
    assert.equal(`sha-256=${download.sha256}`, bytesDigest(size));
    child.kill("SIGTERM");
    const exit = await exited;
    assert.equal(exit.code, 0, output);
    assert.ok(netnsGone(netns), "the namespace the lab created is gone");
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
