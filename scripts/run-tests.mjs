#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's own test runner.
// Usage: node scripts/run-tests.mjs [substring ...]  — only files whose path contains a substring.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const testRoot = join(root, "dist", "test");

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith(".test.js")) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const files = findTests(testRoot)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test files found (did the build run?)");
  process.exit(1);
}
// A watchdog: a test that hangs (a stuck peer, a lost wake-up) must fail the run, not stall CI.
const limitMinutes = Number(process.env.TINKERNET_TEST_LIMIT_MINUTES ?? 30);
const result = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--test-concurrency=2", "--test-timeout=900000", ...files],
  { stdio: "inherit", cwd: root, timeout: limitMinutes * 60_000, killSignal: "SIGKILL" },
);
if (result.error?.code === "ETIMEDOUT" || result.signal === "SIGKILL") {
  console.error(`\nrun-tests: the test run exceeded ${limitMinutes} minutes and was stopped: a test hangs`);
  process.exit(1);
}
process.exit(result.status ?? 1);
