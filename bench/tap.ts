/**
 * The TAP bridge against the Linux kernel (root, /dev/net/tun, the addon, iperf3 and ping):
 * - tcp-to-kernel: our iperf3 client on an emulated host → the real `iperf3 -s` in Linux;
 * - tcp-from-kernel: the real `iperf3 -c` in Linux → our iperf3 server on the emulated host;
 * - ping-rtt-median: the kernel's ping to the emulated host, median round trip;
 * - veth-kernel-baseline: kernel to kernel over a veth pair in the same run (real iperf3 both
 *   ends), so the ratio to the kernel's own speed can be read.
 * Each TCP figure is a 3-second test (receiver's count). Everything runs in namespaces this suite
 * creates and removes. With each TCP figure, `cpuSecondsPerGbit`: the CPU time this process used
 * (user and system: the system part is the kernel's work inside our read and write calls) per
 * gigabit carried — what the bridge and our stack cost, which a machine busy with other work
 * changes far less than it changes the rate; and the load average at the end.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { loadavg } from "node:os";
import { runIperf3Client } from "../src/apps/iperf3/client.js";
import { schedulerClock } from "../src/apps/iperf3/clock.js";
import { Iperf3Server } from "../src/apps/iperf3/server.js";
import type { Iperf3Socket } from "../src/apps/iperf3/session.js";
import { Network } from "../src/devices/network.js";
import { startTapHost } from "../src/platform/tap/lab.js";
import { tapUnavailableReason } from "../src/platform/tap/native.js";
import { type Report, round } from "./harness.js";

const SECONDS = 3;

function command(
  file: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const ip = (...args: string[]) => command("ip", args);
const inNetns = (netns: string, file: string, args: string[], timeoutMs?: number) =>
  command("ip", ["netns", "exec", netns, file, ...args], timeoutMs);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Starts `iperf3 -s -1` in a namespace and waits until it listens. */
async function realServer(
  netns: string,
  bind: string,
): Promise<{ child: ChildProcess; done: Promise<void> }> {
  const child = spawn("ip", ["netns", "exec", netns, "iperf3", "-s", "-1", "-B", bind], { stdio: "ignore" });
  const done = new Promise<void>((resolve) => child.on("close", () => resolve()));
  for (let i = 0; i < 50; i++) {
    const probe = await inNetns(netns, "ss", ["-ltnH", "sport", "= :5201"]);
    if (probe.stdout.includes("5201")) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, done };
}

async function vethBaseline(report: Report, tag: string): Promise<void> {
  const a = `tkb-a-${tag}`;
  const b = `tkb-b-${tag}`;
  await ip("netns", "add", a);
  await ip("netns", "add", b);
  try {
    await ip(
      "link",
      "add",
      `tkva${tag}`,
      "netns",
      a,
      "type",
      "veth",
      "peer",
      "name",
      `tkvb${tag}`,
      "netns",
      b,
    );
    await ip("-n", a, "addr", "add", "10.86.0.1/24", "dev", `tkva${tag}`);
    await ip("-n", b, "addr", "add", "10.86.0.2/24", "dev", `tkvb${tag}`);
    await ip("-n", a, "link", "set", `tkva${tag}`, "up");
    await ip("-n", b, "link", "set", `tkvb${tag}`, "up");
    const server = await realServer(b, "10.86.0.2");
    const run = await inNetns(a, "iperf3", ["-c", "10.86.0.2", "-t", String(SECONDS), "-J"], 30_000);
    await server.done;
    const bps = (JSON.parse(run.stdout) as { end: { sum_received: { bits_per_second: number } } }).end
      .sum_received.bits_per_second;
    report({ suite: "tap", name: "veth-kernel-baseline", value: round(bps / 1e9), unit: "Gbit/s" });
  } finally {
    await ip("netns", "del", a);
    await ip("netns", "del", b);
  }
}

/** This process's CPU seconds per gigabit carried, and the load average (see the module comment). */
function cpuPerGbit(used: NodeJS.CpuUsage, bits: number): { cpuSecondsPerGbit: number; loadAverage: number } {
  return {
    cpuSecondsPerGbit: round((used.user + used.system) / 1e6 / (bits / 1e9)),
    loadAverage: round(loadavg()[0]),
  };
}

export async function run(report: Report): Promise<void> {
  const unavailable = tapUnavailableReason();
  if (unavailable) throw new Error(`bench tap: ${unavailable}`);
  const tag = String(process.pid % 100000);
  const netns = `tkb-${tag}`;
  const network = new Network({ seed: 1 });
  const h1 = network.addHost("h1");
  const lab = await startTapHost(
    network,
    h1,
    { name: `tkb${tag}`, netns, address: "10.85.0.1/24" },
    "10.85.0.2/24",
  );
  h1.setDefaultGateway("10.85.0.1");
  const clock = schedulerClock(network.scheduler);
  const random = () => network.scheduler.random.next();
  try {
    // ping-rtt-median: 200 kernel pings 5 ms apart.
    const ping = await inNetns(netns, "ping", ["-n", "-c", "200", "-i", "0.005", "10.85.0.2"]);
    const rtts = [...ping.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
    if (rtts.length === 0) throw new Error(`bench tap: no ping replies: ${ping.stdout}${ping.stderr}`);
    report({
      suite: "tap",
      name: "ping-rtt-median",
      value: round(median(rtts)),
      unit: "ms",
      samples: rtts.length,
    });

    // tcp-to-kernel: our client, the kernel's server.
    const server = await realServer(netns, "10.85.0.1");
    const connect = (host: string, port: number) =>
      new Promise<Iperf3Socket>((resolve, reject) => {
        const socket = h1.net.connect(port, host, () => resolve(socket));
        socket.once("error", reject);
      });
    let cpu = process.cpuUsage();
    const toKernel = await runIperf3Client({ host: "10.85.0.1", connect, clock, random, time: SECONDS });
    await server.done;
    report({
      suite: "tap",
      name: "tcp-to-kernel",
      value: round(toKernel.receivedBitsPerSecond / 1e9),
      unit: "Gbit/s",
      ...cpuPerGbit(process.cpuUsage(cpu), toKernel.receivedBitsPerSecond * SECONDS),
    });

    // tcp-from-kernel: the kernel's client, our server.
    const ours = new Iperf3Server({ clock, random });
    h1.net.createServer((socket: Iperf3Socket) => ours.accept(socket)).listen(5201);
    cpu = process.cpuUsage();
    const fromKernel = await inNetns(
      netns,
      "iperf3",
      ["-c", "10.85.0.2", "-t", String(SECONDS), "-J"],
      30_000,
    );
    const received = (JSON.parse(fromKernel.stdout) as { end: { sum_received: { bits_per_second: number } } })
      .end.sum_received.bits_per_second;
    report({
      suite: "tap",
      name: "tcp-from-kernel",
      value: round(received / 1e9),
      unit: "Gbit/s",
      ...cpuPerGbit(process.cpuUsage(cpu), received * SECONDS),
    });
  } finally {
    await lab.close();
  }
  await vethBaseline(report, tag);
}
