/**
 * The builder API as a user's program sees it: imported by the package's name (Node resolves a
 * package's own name through its `exports`), the docs/topology.md "The same in code" example.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { buildNetwork, loadTopology, ping } from "tinkernet";
import { projectRoot } from "../support/system.js";

test("the package exports the loader, the builder and ping: docs/topology.md's example runs", () => {
  const text = readFileSync(join(projectRoot, "examples", "chain.yml"), "utf8");
  const { topology, errors } = loadTopology(text, "chain.yml");
  assert.deepEqual(errors, []);
  assert.ok(topology);
  const { lab } = buildNetwork(topology, { seed: 1 });
  assert.ok(lab);
  const lines: string[] = [];
  const run = ping(lab.network.node("h1"), "10.0.2.10", { count: 3, write: (l: string) => lines.push(l) });
  lab.network.runUntilDone(run);
  assert.match(lines.join("\n"), /3 packets transmitted, 3 received, 0% packet loss/);
  // A bad file's errors name the line and column.
  const bad = loadTopology("name: x\ntopology:\n  nodes:\n    h1: {kind: hots}\n", "bad.yml");
  assert.equal(bad.topology, undefined);
  assert.match(String(bad.errors[0]), /bad\.yml:4:/);
});
