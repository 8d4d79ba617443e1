import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli.js";
import { hasCommand, needSystem, projectRoot } from "../support/system.js";

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
  assert.match(result.stdout, /lab\.yml: ok — lab "lab", 2 nodes, 1 link$/m);
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

test("TAP links (tap:IFACE endpoints) are counted by validate and drawn by graph", () => {
  const tapLab = join(dir, "tap.yml");
  writeFileSync(
    tapLab,
    `name: bridge
topology:
  nodes:
    h1: {kind: host}
    r1: {kind: router, interfaces: {eth1: {ipv4: 10.0.1.1/24}}}
  links:
    - endpoints: ["h1:eth0", "tap:tk0"]
      tap: {netns: lab, address: 10.99.0.1/24}
      delay: 1ms
    - endpoints: ["tap:tk1", "r1:eth0"]
      tap: {address: 10.98.0.1/24}
`,
  );
  const validated = runCli(["validate", tapLab]);
  assert.equal(validated.status, 0, validated.stderr);
  assert.match(
    validated.stdout,
    /tap\.yml: ok — lab "bridge", 2 nodes, 0 links, 2 TAP links to Linux \(tk0, tk1\)$/m,
  );

  const dot = runCli(["graph", tapLab]);
  assert.equal(dot.status, 0, dot.stderr);
  assert.match(dot.stdout, /^ {2}"tap:tk0" \[shape=component, label="tk0\n\(Linux TAP, netns lab\)"\];$/m);
  assert.match(
    dot.stdout,
    /^ {2}"h1" -- "tap:tk0" \[taillabel="eth0 10\.99\.0\.2\/24", headlabel="10\.99\.0\.1\/24", style=dashed, label="1ms"\];$/m,
  );
  assert.match(
    dot.stdout,
    /^ {2}"r1" -- "tap:tk1" \[taillabel="eth0 10\.98\.0\.2\/24", headlabel="10\.98\.0\.1\/24", style=dashed\];$/m,
  );

  const mermaid = runCli(["graph", tapLab, "--format", "mermaid"]);
  assert.equal(mermaid.status, 0, mermaid.stderr);
  assert.match(mermaid.stdout, /^ {2}tap_tk0>"tk0 \(Linux TAP, netns lab\)"\]$/m);
  assert.match(mermaid.stdout, /^ {2}h1 -\.-\|"eth0 — 10\.99\.0\.1\/24 · 1ms"\| tap_tk0$/m);
  assert.match(mermaid.stdout, /^ {2}r1 -\.-\|"eth0 — 10\.98\.0\.1\/24"\| tap_tk1$/m);
});

test("Graphviz's dot renders the graph of every example lab and of a TAP lab, without a warning", async (t) => {
  if (!needSystem(t, "dot (graphviz)", hasCommand("dot"))) return;
  const tapLab = join(dir, "dot-tap.yml");
  writeFileSync(
    tapLab,
    'name: "a \\"quoted\\" lab"\ntopology:\n  nodes:\n    h1: {kind: host}\n  links:\n    - endpoints: ["h1:eth0", "tap:tk0"]\n      tap: {netns: lab, address: 10.99.0.1/24}\n',
  );
  const labs = [
    ...["lan.yml", "chain.yml", "internet.yml"].map((f) => join(projectRoot, "examples", f)),
    tapLab,
  ];
  for (const lab of labs) {
    const graph = runCli(["graph", lab]);
    assert.equal(graph.status, 0, graph.stderr);
    const rendered = spawnSync("dot", ["-Tsvg"], { input: graph.stdout, encoding: "utf8" });
    assert.equal(rendered.status, 0, `${lab}: ${rendered.stderr}`);
    assert.equal(rendered.stderr, "", lab);
    assert.match(rendered.stdout, /<svg /, lab);
  }
});
