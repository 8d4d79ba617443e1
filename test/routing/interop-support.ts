/**
 * FRR's IGP daemons for the interop tests: zebra and one of ospfd/ripd inside a namespace, their
 * configuration, pid files, logs and sockets in the Daemons' temporary directory (see
 * test/routing/bgp/interop-support.ts, which starts zebra and bgpd the same way).
 */
import { join } from "node:path";
import { type RunResult, runIn } from "../platform/tap-support.js";
import type { Daemons } from "./bgp/interop-support.js";

export function startFrrDaemon(
  d: Daemons,
  netns: string,
  daemon: "ospfd" | "ripd",
  conf: string,
): { vtysh: (...commands: string[]) => Promise<RunResult> } {
  const zsock = join(d.dir, "zserv.api");
  const common = ["--vty_socket", d.dir, "-z", zsock];
  const zebraPid = join(d.dir, "zebra.pid");
  const daemonPid = join(d.dir, `${daemon}.pid`);
  d.pidFiles.push(zebraPid, daemonPid);
  d.spawnIn(netns, "/usr/lib/frr/zebra", [
    "-u",
    "frr",
    "-g",
    "frr",
    ...common,
    "-f",
    d.file("zebra.conf", "hostname zebra\n"),
    "-i",
    zebraPid,
    "--log",
    `file:${join(d.dir, "zebra.log")}`,
  ]);
  d.spawnIn(netns, `/usr/lib/frr/${daemon}`, [
    "-u",
    "frr",
    "-g",
    "frr",
    ...common,
    "-f",
    d.file(`${daemon}.conf`, conf),
    "-i",
    daemonPid,
    "--log",
    `file:${join(d.dir, `${daemon}.log`)}`,
  ]);
  return {
    vtysh: (...commands: string[]) =>
      runIn(netns, "vtysh", ["--vty_socket", d.dir, ...commands.flatMap((c) => ["-c", c])], 10_000),
  };
}

/**
 * A network on the Linux side for the daemon to advertise: a veth pair with both ends in `netns`
 * (dummy interfaces need a kernel module that may be missing), `name` up with `address`.
 */
export async function linuxLan(netns: string, name: string, address: string): Promise<void> {
  for (const args of [
    ["link", "add", name, "type", "veth", "peer", "name", `${name}p`],
    ["addr", "add", address, "dev", name],
    ["link", "set", `${name}p`, "up"],
    ["link", "set", name, "up"],
  ]) {
    const result = await runIn(netns, "ip", args);
    if (result.code !== 0) throw new Error(`ip ${args.join(" ")}: ${result.stderr}`);
  }
}
