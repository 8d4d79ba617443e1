/** Runs the built `tinkernet` command as a child process, the way a user does. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "./system.js";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): CliResult {
  const result = spawnSync(process.execPath, [join(projectRoot, "bin", "tinkernet.js"), ...args], {
    encoding: "utf8",
    input: options.input,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
