/**
 * `tinkernet bench SUITE [--json]` as a user runs it: one JSON object per line with the suite,
 * the figure's name, a number and its unit (the figures themselves are not judged here: timing
 * belongs in benchmarks, not in tests); an unknown suite is a usage error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "../support/cli.js";

test("bench dns --json: one JSON object per line, each with suite, name, value and unit", () => {
  const result = runCli(["bench", "dns", "--json"], { timeoutMs: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split("\n");
  assert.ok(lines.length >= 2, result.stdout);
  for (const line of lines) {
    const figure = JSON.parse(line) as { suite: string; name: string; value: number; unit: string };
    assert.equal(figure.suite, "dns", line);
    assert.match(figure.name, /^[a-z0-9-]+$/, line);
    assert.ok(Number.isFinite(figure.value) && figure.value > 0, line);
    assert.equal(typeof figure.unit, "string", line);
  }
});

test("bench with an unknown suite, or none, exits 2 and names the suites", () => {
  const unknown = runCli(["bench", "nope"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown suite "nope" \(known: wire, link, sim, dns, .*\)/);
  assert.equal(runCli(["bench"]).status, 2);
});
