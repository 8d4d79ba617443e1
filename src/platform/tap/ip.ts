/**
 * The Linux side of a TAP bridge, configured with iproute2's `ip` command (the tool a reader
 * would type by hand, so the steps in docs/tap.md and the code are the same commands).
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Where `ip netns add NAME` bind-mounts a namespace. */
export function netnsPath(name: string): string {
  return `/var/run/netns/${name}`;
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

/** A failed `ip` command, with the command line and what `ip` printed. */
export class IpCommandError extends Error {
  override name = "IpCommandError";
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(`ip ${args.join(" ")}: ${stderr.trim() || "failed"}`);
  }
}

/** Runs `ip ARGS...` (with `-n NETNS` first when given). */
export function ip(netns: string | undefined, ...args: string[]): Promise<string> {
  const full = netns ? ["-n", netns, ...args] : args;
  return new Promise((resolve, reject) => {
    execFile("ip", full, { encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new IpCommandError(full, stderr || error.message));
      else resolve(stdout);
    });
  });
}

/** The synchronous form, for teardown in `process.on("exit")` where nothing asynchronous runs. */
export function ipSync(netns: string | undefined, ...args: string[]): { ok: boolean; stderr: string } {
  const full = netns ? ["-n", netns, ...args] : args;
  const result = spawnSync("ip", full, { encoding: "utf8" });
  return { ok: result.status === 0, stderr: result.stderr ?? String(result.error ?? "") };
}

/** A route for the Linux side: `ip route replace TO [via VIA] [dev DEV]`. */
export interface LinuxRoute {
  /** Destination prefix, e.g. 10.0.0.0/8, or `default`. */
  to: string;
  via?: string;
  /** Defaults to the TAP interface when there is no `via`. */
  dev?: string;
}

/** Parses "10.0.0.0/8 via 10.99.0.2" or "default via X" or "10.1.0.0/16" (on-link) into a route. */
export function parseLinuxRoute(text: string): LinuxRoute | string {
  const words = text.trim().split(/\s+/);
  if (words.length === 0 || words[0] === "") return "empty route";
  const route: LinuxRoute = { to: words[0] };
  for (let i = 1; i < words.length; i += 2) {
    const key = words[i];
    const value = words[i + 1];
    if (value === undefined) return `route "${text}": "${key}" needs a value`;
    if (key === "via") route.via = value;
    else if (key === "dev") route.dev = value;
    else return `route "${text}": unknown word "${key}" (expected via or dev)`;
  }
  return route;
}

export function routeArgs(route: LinuxRoute, defaultDev: string): string[] {
  const args = ["route", "replace", route.to];
  if (route.via) args.push("via", route.via);
  if (route.dev ?? !route.via) args.push("dev", route.dev ?? defaultDev);
  return args;
}
