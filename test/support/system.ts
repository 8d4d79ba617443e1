/**
 * System tests need real peers (tshark, namespaces, FRR, ...) or the shared corpora beside the
 * project. Where one is missing they skip with a loud line; with TINKERNET_REQUIRE_SYSTEM=1 (CI)
 * a missing peer fails the test instead.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

/** The project's root (the folder holding package.json). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** `../shared` beside the project root, or `TINKERNET_SHARED` when set. */
export const sharedDir = process.env.TINKERNET_SHARED ?? join(projectRoot, "..", "shared");

export const systemRequired = process.env.TINKERNET_REQUIRE_SYSTEM === "1";

/**
 * Returns true when `available`; otherwise skips the test loudly, or fails it when system tests
 * are required.
 */
export function needSystem(t: TestContext, what: string, available: boolean): boolean {
  if (available) return true;
  if (systemRequired) assert.fail(`system peer missing: ${what} (TINKERNET_REQUIRE_SYSTEM=1)`);
  console.log(`\n*** SKIPPED (system): ${what} is missing — run scripts/install-test-deps.sh ***\n`);
  t.skip(`${what} missing`);
  return false;
}

/** Whether a command exists on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Whether a path under the shared folder exists. */
export function hasShared(relative: string): boolean {
  return existsSync(join(sharedDir, relative));
}
