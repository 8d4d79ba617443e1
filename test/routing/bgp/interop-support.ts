/**
 * Real BGP peers for the interop tests: FRR (zebra + bgpd) and BIRD 2, each inside a network
 * namespace the TAP lab creates, with its configuration, pid files, logs and control sockets in a
 * temporary directory of its own, and an emulated router on the other end of the TAP link.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Network } from "../../../src/devices/network.js";
import type { Router } from "../../../src/devices/router.js";
import { runTapLab } from "../../../src/platform/tap/lab.js";
import type { BgpConfig } from "../../../src/routing/bgp/config.js";
import { Bgp } from "../../../src/routing/bgp/speaker.js";
import { loadTopology } from "../../../src/topology/loader.js";
import type { TapLinkSpec } from "../../../src/topology/model.js";
import { type RunResult, run, runIn } from "../../platform/tap-support.js";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 250 ms until it returns true or `ms` passes; returns the last answer. */
export async function until(probe: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** A daemon we started (killed by pid in `stop`). */
export class Daemons {
  readonly dir = mkdtempSync(join(tmpdir(), "tk-bgp-"));

  constructor() {
    // zebra drops to the frr user (FRR's vty group rules out root): it must write its sockets here.
    chmodSync(this.dir, 0o777);
  }
  private readonly children: ChildProcess[] = [];
  readonly pidFiles: string[] = [];
  /** Daemons that exited with an error, with what they printed (for failure messages). */
  readonly failures: string[] = [];

  spawnIn(netns: string, command: string, args: string[]): ChildProcess {
    const child = spawn("ip", ["netns", "exec", netns, command, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (c) => {
      output += c;
    });
    child.stderr?.on("data", (c) => {
      output += c;
    });
    child.on("exit", (code) => {
      if (code) this.failures.push(`${command} exited with ${code}: ${output}`);
    });
    this.children.push(child);
    return child;
  }

  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text, { mode: 0o644 });
    return path;
  }

  /** Kills what we started: the spawned processes, and daemons by their pid files. */
  stop(): void {
    for (const file of this.pidFiles) {
      try {
        const pid = Number(readFileSync(file, "utf8").trim());
        if (pid > 1) process.kill(pid, "SIGKILL");
      } catch {
        // not running
      }
    }
    for (const child of this.children) if (child.exitCode === null) child.kill("SIGKILL");
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts zebra and bgpd (FRR) in `netns` with `bgpdConf`; vtysh talks to them through `dir`. */
export function startFrr(
  d: Daemons,
  netns: string,
  bgpdConf: string,
): { vtysh: (...commands: string[]) => Promise<RunResult> } {
  const zsock = join(d.dir, "zserv.api");
  const common = ["--vty_socket", d.dir, "-z", zsock];
  const zebraPid = join(d.dir, "zebra.pid");
  const bgpdPid = join(d.dir, "bgpd.pid");
  d.pidFiles.push(zebraPid, bgpdPid);
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
  // bgpd stays root (-S: no user change), talking to zebra through its socket.
  d.spawnIn(netns, "/usr/lib/frr/bgpd", [
    "-S",
    ...common,
    "-f",
    d.file("bgpd.conf", bgpdConf),
    "-i",
    bgpdPid,
    "-A",
    "127.0.0.1",
    "--log",
    `file:${join(d.dir, "bgpd.log")}`,
  ]);
  return {
    vtysh: (...commands: string[]) =>
      runIn(netns, "vtysh", ["--vty_socket", d.dir, ...commands.flatMap((c) => ["-c", c])], 10_000),
  };
}

/** Starts BIRD 2 in `netns`; `birdc` talks to it through its control socket in `dir`. */
export function startBird(
  d: Daemons,
  netns: string,
  conf: string,
): { birdc: (...words: string[]) => Promise<RunResult> } {
  const socket = join(d.dir, "bird.ctl");
  const pid = join(d.dir, "bird.pid");
  d.pidFiles.push(pid);
  d.spawnIn(netns, "bird", ["-f", "-c", d.file("bird.conf", conf), "-s", socket, "-P", pid]);
  return { birdc: (...words: string[]) => run("birdc", ["-s", socket, ...words], 10_000) };
}

export interface BgpTapLab {
  network: Network;
  router: Router;
}

/**
 * An emulated router `r1` (eth0 on the TAP link as `ours`, eth1 a LAN 10.90.0.1/24 with a host,
 * and a static 10.90.1.0/24 on it)
 * running BGP with `config`, and the Linux side of the link at `theirs` in `netns`.
 */
export async function withBgpTapLab(
  options: { netns: string; tap: string; subnet: string; config: BgpConfig },
  body: (lab: BgpTapLab & { bgp: Bgp }) => Promise<void>,
  beforeStart?: () => Promise<void> | void,
): Promise<void> {
  const { netns, tap, subnet } = options;
  const { topology, errors } = loadTopology(
    `name: bgp-interop
topology:
  nodes:
    r1: {kind: router}
  links:
    - endpoints: ["r1:eth0", "tap:${tap}"]
      tap: {netns: ${netns}, address: ${subnet}.1/24}
`,
    "bgp-interop.yml",
  );
  if (errors.length > 0 || !topology?.taps) throw new Error(errors.map(String).join("\n"));
  const network = new Network({ seed: 11 });
  const router = network.addRouter("r1");
  router.ensureInterface("eth0");
  router.addAddress("eth0", `${subnet}.2/24`);
  const host = network.addHost("h1");
  network.connect("r1:eth1", "h1:eth0");
  router.addAddress("eth1", "10.90.0.1/24");
  host.addAddress("eth0", "10.90.0.10/24");
  host.setDefaultGateway("10.90.0.1");
  router.addRoute("10.90.1.0/24", undefined, { iface: "eth1" }); // a second prefix, to withdraw
  for (const link of topology.links)
    network.connect(`${link.a.node}:${link.a.iface}`, `${link.b.node}:${link.b.iface}`);
  await runTapLabUntil(network, topology.taps, async () => {
    await beforeStart?.();
    const bgp = router.routing.add(new Bgp(router, options.config));
    await body({ network, router, bgp });
  });
}

/**
 * Runs `network` with its TAP links until `body`, started once they are up, settles; then stops
 * the lab and throws what `body` threw, if anything.
 */
export async function runTapLabUntil(
  network: Network,
  taps: readonly TapLinkSpec[],
  body: () => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  let failure: unknown;
  await runTapLab(network, taps, {
    signal: stop.signal,
    handleSignals: false,
    onReady: () => {
      void (async () => {
        try {
          await body();
        } catch (error) {
          failure = error;
        } finally {
          stop.abort();
        }
      })();
    },
  });
  if (failure) throw failure;
}
