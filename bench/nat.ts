/**
 * NAT benchmarks: `tinkernet bench nat`.
 *
 * - `nat-translate`: UDP datagrams per second through a NAT router holding 100,000 active
 *   mappings (target ≥ 1,000,000). Each packet takes the router's whole path: the inside
 *   interface's receive, IPv4 validation, PREROUTING (a copy the NAT may rewrite), routing, TTL,
 *   POSTROUTING (the mapping and session lookups, the rewrite with incremental checksums) and the
 *   outside link.
 * - `nat-new-flows`: new mappings per second (target ≥ 200,000): every packet comes from an inside
 *   endpoint never seen before, so each one allocates an outside port and creates a mapping and
 *   its session.
 * - `forward-no-nat`: the same router path with NAT off, for comparison.
 *
 * Frames are injected straight into the router's inside interface; the outside next hop is a
 * static ARP entry whose MAC no station has, so the far end of the outside link drops each frame
 * at its address filter and the figures are the router's.
 */
import { loadavg } from "node:os";
import { Network } from "../src/devices/network.js";
import type { Router } from "../src/devices/router.js";
import type { NetInterface } from "../src/net/interface.js";
import { Ipv4Address } from "../src/wire/address/ipv4.js";
import { internetChecksum } from "../src/wire/checksum.js";
import { type Report, round } from "./harness.js";

const SUITE = "nat";
const SERVER = Ipv4Address.parse("198.51.100.10").value;
/** Inside hosts 192.168.x.y: 4096 of them. */
const HOSTS = 4096;

interface Bench {
  net: Network;
  router: Router;
  inside: NetInterface;
}

/** The NAT router, its outside link to a sink, and a default route to a MAC nobody has. */
function natRouter(nat: boolean): Bench {
  const net = new Network({ seed: 1 });
  const router = net.addRouter("nat", {
    ...(nat
      ? {
          nat: {
            outside: "eth1",
            pool: Array.from({ length: 62 }, (_, i) => `203.0.113.${65 + i}`),
            maxTranslations: 4_000_000,
          },
        }
      : {}),
  });
  const sink = net.addHost("sink");
  const lan = net.addHost("lan");
  net.connect("lan:eth0", "nat:eth0", { delay: 1000 });
  net.connect("nat:eth1", "sink:eth0", { delay: 1000 });
  lan.addAddress("eth0", "192.168.255.254/16");
  router.addAddress("eth0", "192.168.0.1/16");
  router.addAddress("eth1", "203.0.113.2/24");
  sink.addAddress("eth0", "203.0.113.1/24");
  router.addStaticArp("eth1", "203.0.113.99", "02:de:ad:be:ef:01");
  router.addRoute("0.0.0.0/0", "203.0.113.99");
  return { net, router, inside: router.interface("eth0") };
}

/** A 64-octet UDP datagram from inside host `host`:`port` to the server, in a frame to the router. */
function frameFrom(bench: Bench, host: number, port: number): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8 + 36);
  bench.inside.mac.writeTo(frame, 0);
  frame.set([2, 0, 0, 0, 0xee, 0xee], 6);
  frame[12] = 0x08;
  const ip = frame.subarray(14);
  ip[0] = 0x45;
  ip[3] = ip.length;
  ip[8] = 64;
  ip[9] = 17;
  const src = (Ipv4Address.parse("192.168.0.0").value + 256 + host) >>> 0;
  new Ipv4Address(src).writeTo(ip, 12);
  new Ipv4Address(SERVER).writeTo(ip, 16);
  const c = internetChecksum(ip, 0, 20);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  setPort(frame, port);
  ip[22] = 0;
  ip[23] = 53;
  ip[25] = 44; // UDP length; checksum 0 ("none", RFC 768)
  return frame;
}

function setPort(frame: Uint8Array, port: number): void {
  frame[34] = port >>> 8;
  frame[35] = port & 0xff;
}

/** Runs `inject(n)` in rounds for about a second; returns packets per wall-clock and CPU second. */
function measure(bench: Bench, inject: (count: number) => void, batch = 256) {
  const round1 = () => {
    inject(batch);
    bench.net.scheduler.run();
  };
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) round1();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let now = start;
  let packets = 0;
  while (now - start < 1000) {
    round1();
    packets += batch;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    perSecond: Math.round((packets * 1000) / (now - start)),
    perCpuSecond: Math.round(packets / ((cpu.user + cpu.system) / 1e6)),
  };
}

export function run(report: Report): void {
  translate(report);
  newFlows(report);
  baseline(report);
}

/** 100,000 mappings (4096 hosts × ~25 ports), then packets of existing flows in scattered order. */
function translate(report: Report): void {
  const bench = natRouter(true);
  const mappings = Number(process.env.NAT_BENCH_MAPPINGS ?? 100_000);
  const template = Array.from({ length: HOSTS }, (_, h) => frameFrom(bench, h, 0));
  for (let i = 0; i < mappings; i++) {
    const frame = template[i % HOSTS];
    setPort(frame, 20000 + Math.floor(i / HOSTS));
    bench.inside.receive(frame);
    if (i % 1024 === 1023) bench.net.scheduler.run();
  }
  bench.net.scheduler.run();
  const nat = bench.router.nat!;
  if (nat.table.mappingCount !== mappings) {
    throw new Error(`nat-translate: ${nat.table.mappingCount} mappings instead of ${mappings}`);
  }
  // 8192 frames of existing flows, spread over the table.
  const frames = Array.from({ length: 8192 }, (_, k) => {
    const i = (k * 12_207) % mappings;
    return frameFrom(bench, i % HOSTS, 20000 + Math.floor(i / HOSTS));
  });
  let next = 0;
  const hitsBefore = nat.counters.hits;
  const result = measure(bench, (count) => {
    for (let i = 0; i < count; i++) bench.inside.receive(frames[next++ & 8191]);
  });
  if (nat.table.mappingCount !== mappings) throw new Error("nat-translate: the table changed size");
  if (nat.counters.hits - hitsBefore < 1000) throw new Error("nat-translate: packets were not translated");
  report({
    suite: SUITE,
    name: "nat-translate",
    value: result.perSecond,
    unit: "packets/s",
    target: 1_000_000,
    activeMappings: nat.table.mappingCount,
    perCpuSecond: result.perCpuSecond,
    loadAverage: round(loadavg()[0]),
  });
}

/** Every packet from an inside endpoint not seen before. */
function newFlows(report: Report): void {
  const bench = natRouter(true);
  const template = Array.from({ length: HOSTS }, (_, h) => frameFrom(bench, h, 0));
  let flow = 0;
  const nat = bench.router.nat!;
  const before = nat.table.stats.mappingsCreated;
  const result = measure(bench, (count) => {
    for (let i = 0; i < count; i++) {
      const frame = template[flow % HOSTS];
      setPort(frame, 1024 + Math.floor(flow / HOSTS));
      flow++;
      bench.inside.receive(frame);
    }
  });
  const created = nat.table.stats.mappingsCreated - before;
  if (created !== flow) throw new Error(`nat-new-flows: ${created} mappings for ${flow} new flows`);
  report({
    suite: SUITE,
    name: "nat-new-flows",
    value: result.perSecond,
    unit: "mappings/s",
    target: 200_000,
    mappings: nat.table.mappingCount,
    perCpuSecond: result.perCpuSecond,
    loadAverage: round(loadavg()[0]),
  });
}

/** The same path with NAT off. */
function baseline(report: Report): void {
  const bench = natRouter(false);
  const frames = Array.from({ length: 8192 }, (_, k) => frameFrom(bench, k % HOSTS, 20000 + (k >> 12)));
  let next = 0;
  const forwarded = bench.router.ipv4.counters.forwDatagrams;
  const result = measure(bench, (count) => {
    for (let i = 0; i < count; i++) bench.inside.receive(frames[next++ & 8191]);
  });
  if (bench.router.ipv4.counters.forwDatagrams - forwarded < 1000)
    throw new Error("forward-no-nat: nothing forwarded");
  report({
    suite: SUITE,
    name: "forward-no-nat",
    value: result.perSecond,
    unit: "packets/s",
    perCpuSecond: result.perCpuSecond,
    loadAverage: round(loadavg()[0]),
  });
}
