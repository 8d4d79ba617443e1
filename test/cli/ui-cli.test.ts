/** `tinkernet ui` as a user starts it: prints the URL, serves the lab, stops on SIGTERM. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli.js";
import { projectRoot } from "../support/system.js";

const dir = mkdtempSync(join(tmpdir(), "tinkernet-ui-"));
const lab = join(dir, "lab.yml");
writeFileSync(
  lab,
  `name: pair
topology:
  defaults: {kind: host}
  nodes:
    h1: {}
    h2: {}
    s1: {kind: switch}
  links:
    - endpoints: ["h1:eth0", "s1:eth1"]
    - endpoints: ["h2:eth0", "s1:eth2"]
`,
);

test("ui FILE: prints the URL on 127.0.0.1, runs the start-up script, serves the topology, stops on SIGTERM", async () => {
  const child = spawn(
    process.execPath,
    [
      join(projectRoot, "bin", "tinkernet.js"),
      "ui",
      lab,
      "--exec",
      "h1 ping -c 1 h2",
      "--max-events",
      "5000",
    ],
    {
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    while (!/ready:/.test(stdout)) {
      if (child.exitCode !== null) assert.fail(`ui exited early: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
    assert.ok(url, stdout);
    assert.match(stdout, /start-up: h1 ping -c 1 h2/);
    assert.match(stdout, /the last 5000/);
    const yaml = await (await fetch(`${url}topology.yml`)).text();
    assert.match(yaml, /name: pair/);
    const capture = new Uint8Array(await (await fetch(`${url}capture.pcapng`)).arrayBuffer());
    assert.ok(capture.length > 100);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0);
});

test("ui: usage errors exit 2", () => {
  assert.equal(runCli(["ui", join(dir, "missing.yml")]).status, 2);
  assert.equal(runCli(["ui", lab, "--port", "http"]).status, 2);
  assert.equal(runCli(["ui", lab, "--seed", "x"]).status, 2);
  assert.equal(runCli(["ui", lab, "--max-events", "10"]).status, 2);
});
