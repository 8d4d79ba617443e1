import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tinkernet-cli-"));
const good = join(dir, "lab.yml");
writeFileSync(
  good,
  `name: lab
topology:
  defaults: {kind: host}
  nodes:
    h1: {interfaces: {eth0: {ipv4: 10.0.1.10/24}}, gateway: 10.0.1.1}
    r1: {kind: router, interfaces: {eth0: {ipv4: 10.0.1.1/24}}}
  links:
    - endpoints: ["h1:eth0", "r1:eth0"]
      delay: 5ms
`,
);
const bad = join(dir, "bad.yml");
writeFileSync(bad, "name: lab\ntopology:\n  nodes:\n    h1: {kind: hots}\n");

test("validate: exit 0 and a summary for a good file", () => {
  const result = runCli(["validate", good]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /lab\.yml: ok — lab "lab", 2 nodes, 1 links/);
});

test("validate: exit 2 with file:line:column for a bad file, and for a missing file", () => {
  const result = runCli(["validate", bad]);
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /bad\.yml:4:16: error: "kind" of node "h1": expected one of host, server, router, nat, switch, found string "hots" \(did you mean "host"\?\)/,
  );
  const missing = runCli(["validate", join(dir, "nope.yml")]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*nope\.yml: ENOENT/);
});

test("graph: dot and mermaid; a bad format is a usage error", () => {
  const dot = runCli(["graph", good]);
  assert.equal(dot.status, 0);
  assert.match(dot.stdout, /^graph "lab" \{/);
  assert.match(
    dot.stdout,
    /"h1" -- "r1" \[taillabel="eth0 10\.0\.1\.10\/24", headlabel="eth0 10\.0\.1\.1\/24", label="5ms"\];/,
  );
  const mermaid = runCli(["graph", good, "--format", "mermaid"]);
  assert.match(mermaid.stdout, /^graph LR\n {2}h1\["h1 \(host\)"\]/);
  assert.equal(runCli(["graph", good, "--format", "png"]).status, 2);
});

test("schema prints a JSON Schema; unknown commands and missing arguments exit 2; --help exits 0", () => {
  const schema = runCli(["schema"]);
  assert.equal(schema.status, 0);
  assert.equal(JSON.parse(schema.stdout).title, "tinkernet topology");
  assert.equal(runCli(["no-such-command"]).status, 2);
  assert.equal(runCli(["validate"]).status, 2);
  const help = runCli(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /validate/);
});
