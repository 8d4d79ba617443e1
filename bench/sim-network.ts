/**
 * Network-level simulator benchmarks (part of `tinkernet bench sim`):
 * - `forward-chain10`: IPv4 packets forwarded through a chain of 10 routers in virtual time,
 *   counted in router hops per wall-clock second (target ≥ 1,000,000);
 * - `forward6-chain10`: the same with IPv6 (neighbour cache, hop limit, no checksum to update);
 * - `build-10k-nodes`: seconds to build 100 LANs of 99 hosts behind 100 routers (10,000 nodes,
 *   with their switches and links, addresses and routes; target ≤ 5);
 * - `heap-per-node`: heap (JS heap plus typed-array stores) of that topology per node (target
 *   ≤ 100,000 bytes).
 */
import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ping } from "../src/apps/ping.js";
import { Network } from "../src/devices/network.js";
import type { Router } from "../src/devices/router.js";
import { Ipv4Address } from "../src/wire/address/ipv4.js";
import { Ipv6Address } from "../src/wire/address/ipv6.js";
import { internetChecksum, pseudoHeaderSum } from "../src/wire/checksum.js";
import { type Report, round } from "./harness.js";

const SUITE = "sim";

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  gc?.();
}

function usedBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

export function run(report: Report): void {
  forwardChain(report);
  forward6Chain(report);
  largeTopology(report);
}

/**
 * h1 — r1 — r2 — ... — r10 — h2 over unimpaired links with 1 µs of delay. The ARP caches are
 * warmed by a ping; then frames from h1 to h2 are injected at h1's link and the scheduler runs
 * until they have all arrived. Every packet is forwarded 10 times (TTL decrement, LPM lookup,
 * ARP lookup, new Ethernet header) and delivered to a UDP socket on h2.
 */
function forwardChain(report: Report): void {
  const routers = 10;
  const net = new Network({ seed: 1 });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const chain: Router[] = [];
  for (let i = 1; i <= routers; i++) chain.push(net.addRouter(`r${i}`));
  const links = [net.connect("h1:eth0", "r1:eth0", { delay: 1000 })];
  for (let i = 1; i < routers; i++) links.push(net.connect(`r${i}:eth1`, `r${i + 1}:eth0`, { delay: 1000 }));
  links.push(net.connect(`r${routers}:eth1`, "h2:eth0", { delay: 1000 }));
  // Link 0: h1 10.0.0.2 — r1 10.0.0.1; link i: r_i 10.0.i.1 — r_i+1 10.0.i.2; last: r10 10.0.10.1 — h2 10.0.10.2.
  h1.addAddress("eth0", "10.0.0.2/24");
  h1.setGateway("10.0.0.1");
  h2.addAddress("eth0", `10.0.${routers}.2/24`);
  h2.setGateway(`10.0.${routers}.1`);
  chain.forEach((r, index) => {
    const i = index + 1;
    r.addAddress("eth0", i === 1 ? "10.0.0.1/24" : `10.0.${i - 1}.2/24`);
    r.addAddress("eth1", `10.0.${i}.1/24`);
    if (i < routers) r.addRoute(`10.0.${routers}.0/24`, `10.0.${i}.2`);
    if (i > 1) r.addRoute("10.0.0.0/24", `10.0.${i - 1}.1`);
  });
  const warm = ping(h1, `10.0.${routers}.2`, { count: 1 });
  net.runUntilDone(warm);
  let received = 0;
  const socket = h2.udp.createSocket();
  socket.bind(9);
  socket.onMessage = () => received++;

  // A 100-octet UDP datagram h1 → h2 in an Ethernet frame to r1.
  const frame = new Uint8Array(14 + 20 + 8 + 72);
  r1Mac(chain[0]).writeTo(frame, 0);
  h1.interface("eth0").mac.writeTo(frame, 6);
  frame[12] = 0x08;
  const ip = frame.subarray(14);
  ip[0] = 0x45;
  ip[3] = ip.length;
  ip[8] = 64;
  ip[9] = 17;
  Ipv4Address.parse("10.0.0.2").writeTo(ip, 12);
  Ipv4Address.parse(`10.0.${routers}.2`).writeTo(ip, 16);
  const c = internetChecksum(ip, 0, 20);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  ip[20] = 0xc0;
  ip[23] = 9;
  ip[25] = 80;

  const batch = 200;
  const entry = links[0].a;
  const packets = measureForwarding(
    report,
    "forward-chain10",
    routers,
    () => {
      for (let i = 0; i < batch; i++) entry.transmit(frame);
      net.scheduler.run();
    },
    () => received,
  );
  if (chain[0].ipv4.counters.forwDatagrams < packets)
    throw new Error("forward-chain10: packets went missing");
}

/**
 * The IPv6 twin of {@link forwardChain}: h1 — r1 … r10 — h2 on 2001:db8:N::/64 links, static
 * routes, neighbour caches warmed by a ping -6, then 100-octet UDP datagrams injected at h1's link.
 */
function forward6Chain(report: Report): void {
  const routers = 10;
  const net = new Network({ seed: 1 });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const chain: Router[] = [];
  for (let i = 1; i <= routers; i++) chain.push(net.addRouter(`r${i}`));
  const links = [net.connect("h1:eth0", "r1:eth0", { delay: 1000 })];
  for (let i = 1; i < routers; i++) links.push(net.connect(`r${i}:eth1`, `r${i + 1}:eth0`, { delay: 1000 }));
  links.push(net.connect(`r${routers}:eth1`, "h2:eth0", { delay: 1000 }));
  const nodad = { nodad: true };
  h1.addAddress("eth0", "2001:db8:0::2/64", nodad);
  h1.setGateway("2001:db8:0::1");
  h2.addAddress("eth0", `2001:db8:${routers}::2/64`, nodad);
  h2.setGateway(`2001:db8:${routers}::1`);
  chain.forEach((r, index) => {
    const i = index + 1;
    r.addAddress("eth0", i === 1 ? "2001:db8:0::1/64" : `2001:db8:${i - 1}::2/64`, nodad);
    r.addAddress("eth1", `2001:db8:${i}::1/64`, nodad);
    if (i < routers) r.addRoute(`2001:db8:${routers}::/64`, `2001:db8:${i}::2`);
    if (i > 1) r.addRoute("2001:db8:0::/64", `2001:db8:${i - 1}::1`);
  });
  net.runFor(3e9); // link-local addresses pass DAD
  const warm = ping(h1, `2001:db8:${routers}::2`, { count: 1 });
  net.runUntilDone(warm);
  let received = 0;
  const socket = h2.udp.createSocket();
  socket.bind(9);
  socket.onMessage = () => received++;

  const src = Ipv6Address.parse("2001:db8:0::2");
  const dst = Ipv6Address.parse(`2001:db8:${routers}::2`);
  const frame = new Uint8Array(14 + 40 + 8 + 52);
  r1Mac(chain[0]).writeTo(frame, 0);
  h1.interface("eth0").mac.writeTo(frame, 6);
  frame[12] = 0x86;
  frame[13] = 0xdd;
  const ip = frame.subarray(14);
  ip[0] = 0x60;
  ip[5] = 60;
  ip[6] = 17;
  ip[7] = 64;
  ip.set(src.bytes, 8);
  ip.set(dst.bytes, 24);
  const udp = ip.subarray(40);
  udp[0] = 0xc0;
  udp[3] = 9;
  udp[5] = 60;
  const c = internetChecksum(udp, 0, 60, pseudoHeaderSum({ src, dst }, 17, 60));
  udp[6] = c >> 8;
  udp[7] = c & 0xff;

  const batch = 200;
  const entry = links[0].a;
  const packets = measureForwarding(
    report,
    "forward6-chain10",
    routers,
    () => {
      for (let i = 0; i < batch; i++) entry.transmit(frame);
      net.scheduler.run(batch * 40);
    },
    () => received,
  );
  if (chain[0].ipv6.counters.forwDatagrams < packets || packets === 0)
    throw new Error("forward6-chain10: packets went missing");
}

function r1Mac(r: Router) {
  return r.interface("eth0").mac;
}

/**
 * 100 LANs (10.L.0.0/16 with L = 1..100), each a switch with 99 hosts and a router; the 100
 * routers share a backbone switch (10.255.0.0/16) and reach the other LANs by static routes
 * (99 each). 10,000 nodes, 10,100 links, 101 switches.
 */
function largeTopology(report: Report): void {
  const lans = 100;
  const hostsPerLan = 99;
  const before = usedBytes();
  const start = performance.now();
  const net = new Network({ seed: 1 });
  net.addSwitch("core");
  for (let l = 1; l <= lans; l++) {
    const router = net.addRouter(`r${l}`);
    net.addSwitch(`s${l}`);
    net.connect(`r${l}:eth0`, `s${l}:p0`);
    net.connect(`r${l}:eth1`, `core:p${l}`);
    router.addAddress("eth0", `10.${l}.0.1/16`);
    router.addAddress("eth1", `10.255.0.${l}/16`);
    for (let h = 1; h <= hostsPerLan; h++) {
      const name = `h${l}-${h}`;
      const host = net.addHost(name);
      net.connect(`${name}:eth0`, `s${l}:p${h}`);
      host.addAddress("eth0", `10.${l}.${h >> 8}.${(h & 0xff) + 10}/16`);
      host.setGateway(`10.${l}.0.1`);
    }
  }
  for (let l = 1; l <= lans; l++) {
    const router = net.router(`r${l}`);
    for (let other = 1; other <= lans; other++) {
      if (other !== l) router.addRoute(`10.${other}.0.0/16`, `10.255.0.${other}`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const nodes = net.nodes.length;
  report({ suite: SUITE, name: "build-10k-nodes", value: round(seconds), unit: "s", target: 5, nodes });
  const bytes = usedBytes() - before;
  report({
    suite: SUITE,
    name: "heap-per-node",
    value: Math.round(bytes / nodes),
    unit: "bytes",
    target: 100_000,
    note: "whole topology (nodes, switches, links, routes, pending events) per node",
  });
  // Keep the network alive until measured.
  if (net.nodes.length !== lans * (hostsPerLan + 1)) throw new Error("build-10k-nodes: wrong node count");
}

/**
 * Runs `runBatch` (a batch of frames into a router chain, then the scheduler) for 300 ms to warm up,
 * then for one second, and reports packet-hops per second of wall time and of the CPU this process
 * got (the machine is shared). Returns the packets delivered in the measured second.
 */
function measureForwarding(
  report: Report,
  name: string,
  routers: number,
  runBatch: () => void,
  delivered: () => number,
): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) runBatch();
  const before = delivered();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < 1000) {
    runBatch();
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const packets = delivered() - before;
  report({
    suite: SUITE,
    name,
    value: Math.round((packets * routers * 1000) / (now - start)),
    unit: "packet-hops/s",
    target: 1_000_000,
    packetsPerSecond: Math.round((packets * 1000) / (now - start)),
    perCpuSecond: Math.round((packets * routers) / cpuSeconds),
    loadAverage: round(loadavg()[0]),
  });
  return packets;
}
