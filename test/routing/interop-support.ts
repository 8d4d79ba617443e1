/**
 * FRR's IGP daemons for the interop tests: zebra and one of ospfd/ripd inside a namespace, their
 * configuration, pid files, logs and sockets in the Daemons' temporary directory (see
 * test/routing/bgp/interop-support.ts, which starts zebra and bgpd the same way).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Network } from "../../src/devices/network.js";
import type { Router } from "../../src/devices/router.js";
import { loadTopology } from "../../src/topology/loader.js";
import type { TapLinkSpec } from "../../src/topology/model.js";
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

/**
 * The emulated side of the IGP interop tests: r1 with eth0 on a TAP link into `netns` (the Linux
 * end `${net}.0.1/24`, r1 `${net}.0.2/24`), r2 behind it on `${net}.12.0/24`, and r2's LAN
 * `${net}.2.1/24`. No routing protocol yet: the test adds its own.
 */
export function igpTapLab(options: { name: string; netns: string; tap: string; net: string; seed: number }): {
  network: Network;
  r1: Router;
  r2: Router;
  taps: readonly TapLinkSpec[];
} {
  const { name, netns, tap, net } = options;
  const { topology, errors } = loadTopology(
    `name: ${name}
topology:
  nodes:
    r1: {kind: router}
  links:
    - endpoints: ["r1:eth0", "tap:${tap}"]
      tap: {netns: ${netns}, address: ${net}.0.1/24}
`,
    `${name}.yml`,
  );
  assert.deepEqual(errors, []);
  const network = new Network({ seed: options.seed });
  const r1 = network.addRouter("r1");
  const r2 = network.addRouter("r2");
  r1.ensureInterface("eth0");
  r1.addAddress("eth0", `${net}.0.2/24`);
  network.connect("r1:eth1", "r2:eth0");
  r1.addAddress("eth1", `${net}.12.1/24`);
  r2.addAddress("eth0", `${net}.12.2/24`);
  r2.addAddress("lan", `${net}.2.1/24`);
  for (const link of topology!.links)
    network.connect(`${link.a.node}:${link.a.iface}`, `${link.b.node}:${link.b.iface}`);
  return { network, r1, r2, taps: topology!.taps! };
}
