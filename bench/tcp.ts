/**
 * TCP benchmarks: bulk throughput between two in-process hosts at MTU 1500 (payload bits per
 * wall-clock second; targets ≥ 2 Gbit/s; over IPv4 and over IPv6), connection rate (open, one byte, close; ≥ 20,000/s) and
 * heap per idle established connection (≤ 8,192 bytes). The machine is shared, so each timing
 * also reports the figure per second of CPU this process got.
 */
import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Network } from "../src/devices/network.js";
import { Scheduler } from "../src/sim/scheduler.js";
import type { TcpConnection } from "../src/transport/tcp/connection.js";
import { TcpLayer } from "../src/transport/tcp/tcp-layer.js";
import { FakeNetwork } from "../src/transport/tcp/testing.js";
import { Ipv4Address } from "../src/wire/address/ipv4.js";
import { type IpAddress, Ipv6Address } from "../src/wire/address/ipv6.js";
import { type Report, round } from "./harness.js";

const SUITE = "tcp";
const SERVER = Ipv4Address.parse("10.0.0.2");

function usedBytes(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Two hosts on one link (MTU 1500 unless given, 10 µs apart, no rate limit), each with TCP; over
 * IPv6 with `family` 6 (2001:db8::1 and ::2, neighbour discovery instead of ARP).
 */
function twoHosts(mtu = 1500, family: 4 | 6 = 4) {
  const net = new Network({ seed: 1 });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  net.connect("h1:eth0", "h2:eth0", { delay: "10us", mtu });
  if (family === 4) {
    h1.addAddress("eth0", "10.0.0.1/24");
    h2.addAddress("eth0", "10.0.0.2/24");
  } else {
    h1.addAddress("eth0", "2001:db8::1/64", { nodad: true });
    h2.addAddress("eth0", "2001:db8::2/64", { nodad: true });
  }
  const remote: IpAddress = family === 4 ? SERVER : Ipv6Address.parse("2001:db8::2");
  return { scheduler: net.scheduler, client: h1.tcp, server: h2.tcp, remote };
}

/** The same over the fake network: TCP's own cost without Ethernet, ARP, IP and links. */
function twoFakeHosts() {
  const scheduler = new Scheduler({ seed: 1 });
  const network = new FakeNetwork(scheduler);
  const a = network.host("10.0.0.1");
  const b = network.host("10.0.0.2");
  network.setDefaults({ delay: 10_000, rate: 10e9 });
  return {
    scheduler,
    client: new TcpLayer(a, scheduler, { node: "a" }),
    server: new TcpLayer(b, scheduler, { node: "b" }),
    remote: SERVER as IpAddress,
  };
}

/** One connection sending as fast as it can for about a second of wall time. */
function bulk(report: Report, name: string, world: ReturnType<typeof twoHosts>): void {
  const { scheduler, client, server, remote } = world;
  let received = 0;
  server.listen(5001, (c) => {
    c.onData = (d) => {
      received += d.length;
    };
  });
  const connection = client.connect({ remote, port: 5001 });
  const chunk = new Uint8Array(1 << 20);
  const pump = () => {
    while (connection.write(chunk) === chunk.length);
  };
  connection.onConnect = pump;
  connection.onWritable = pump;
  // Warm up: slow start, auto-tuning and the JIT.
  scheduler.runWhile(() => received < 64 << 20, Number.POSITIVE_INFINITY);
  const before = received;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < 1000) {
    scheduler.run(20_000);
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const bits = (received - before) * 8;
  report({
    suite: SUITE,
    name,
    value: round(bits / ((now - start) / 1000) / 1e9),
    unit: "Gbit/s",
    target: 2,
    perCpuSecond: round(bits / ((cpu.user + cpu.system) / 1e6) / 1e9),
    retransmissions: connection.stats().retransmissions,
    loadAverage: round(loadavg()[0]),
  });
}

/** Connections opened, used for one byte and closed, 100 at a time, for about a second. */
function connectionRate(report: Report, name: string, world: ReturnType<typeof twoHosts>): void {
  const { scheduler, client, server } = world;
  server.listen(80, { backlog: 4096 }, (c) => {
    c.onData = () => {};
    // The server closes after the client: the client's side ends in TIME-WAIT, so the client
    // draws from all ephemeral ports as a busy real client would.
    c.onEnd = () => c.close();
  });
  const one = new Uint8Array([42]);
  let done = 0;
  let started = 0;
  const open = () => {
    const c: TcpConnection = client.connect({ remote: SERVER, port: 80 });
    c.onConnect = () => {
      c.write(one);
      c.close();
    };
    c.onClose = () => done++;
    c.onError = (e) => {
      throw e;
    };
    started++;
  };
  const batch = () => {
    for (let i = 0; i < 100; i++) open();
    scheduler.runWhile(() => done < started, Number.POSITIVE_INFINITY);
  };
  // TIME-WAIT lasts 60 s of virtual time; a run is far shorter, so clear it between phases.
  const drain = () => scheduler.runFor(120e9);
  for (let i = 0; i < 20; i++) batch();
  drain();
  const before = done;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < 1000 && started - before < 15_000) {
    batch();
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const count = done - before;
  report({
    suite: SUITE,
    name,
    value: Math.round((count * 1000) / (now - start)),
    unit: "connections/s",
    target: 20_000,
    perCpuSecond: Math.round(count / ((cpu.user + cpu.system) / 1e6)),
    loadAverage: round(loadavg()[0]),
  });
}

/** Heap held per established connection endpoint with no traffic (both ends counted). */
function heapPerIdleConnection(report: Report): void {
  const { scheduler, client, server } = twoFakeHosts();
  const accepted: TcpConnection[] = [];
  server.listen(80, { backlog: 100_000 }, (c) => accepted.push(c));
  const opened: TcpConnection[] = [];
  for (let i = 0; i < 100; i++) opened.push(client.connect({ remote: SERVER, port: 80 }));
  scheduler.runFor(2e9);
  const count = 10_000;
  const before = usedBytes();
  for (let i = 0; i < count; i++) opened.push(client.connect({ remote: SERVER, port: 80 }));
  scheduler.runFor(2e9);
  const after = usedBytes();
  const established = accepted.filter((c) => c.state === "ESTABLISHED").length;
  if (established < count) throw new Error(`idle-conn-bytes: only ${established} established`);
  report({
    suite: SUITE,
    name: "idle-conn-bytes",
    value: Math.round((after - before) / (2 * count)),
    unit: "bytes",
    target: 8192,
    note: "per endpoint, after the handshake, buffers not yet used",
  });
}

export function run(report: Report): void {
  bulk(report, "bulk-mtu1500", twoHosts());
  bulk(report, "bulk-ipv6-mtu1500", twoHosts(1500, 6));
  bulk(report, "bulk-mtu9000", twoHosts(9000));
  bulk(report, "bulk-tcp-only", twoFakeHosts());
  connectionRate(report, "connections-per-s", twoHosts());
  connectionRate(report, "connections-per-s-tcp-only", twoFakeHosts());
  heapPerIdleConnection(report);
}
