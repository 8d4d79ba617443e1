import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { traceroute } from "../../src/apps/traceroute.js";
import { Network } from "../../src/devices/network.js";
import type { TraceEvent } from "../../src/trace/events.js";
import { routerChain } from "./support.js";

test("traceroute (UDP) through a chain of three routers lists every hop, then the destination", async () => {
  const { net, h1 } = routerChain();
  const run = traceroute(h1, "10.0.2.10");
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.reached, true);
  assert.deepEqual(
    result.hops.map((h) => h.probes.map((p) => p.address)),
    [
      ["10.0.1.1", "10.0.1.1", "10.0.1.1"],
      ["10.0.12.2", "10.0.12.2", "10.0.12.2"],
      ["10.0.23.3", "10.0.23.3", "10.0.23.3"],
      ["10.0.2.10", "10.0.2.10", "10.0.2.10"],
    ],
  );
  assert.equal(result.output[0], "traceroute to 10.0.2.10 (10.0.2.10), 30 hops max, 60 byte packets");
  assert.match(
    result.output[1],
    /^ 1 {2}10\.0\.1\.1 \(10\.0\.1\.1\) {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms$/,
  );
  assert.match(
    result.output[4],
    /^ 4 {2}10\.0\.2\.10 \(10\.0\.2\.10\) {2}[\d.]+ ms {2}[\d.]+ ms {2}[\d.]+ ms$/,
  );
  // RTTs grow hop by hop (1 ms, 5 ms, 5 ms, 1 ms links).
  const rtts = result.hops.map((h) => h.probes[2].rtt!);
  for (let i = 1; i < rtts.length; i++) assert.ok(rtts[i] > rtts[i - 1]);
  // The destination answered from port 33434 + probe number: UDP counted NoPorts.
  assert.equal(net.host("h2").udp.counters.noPorts, 3);
});

test("traceroute -I (ICMP echo) through the same chain", async () => {
  const { net, h1 } = routerChain();
  const run = traceroute(h1, "10.0.2.10", { icmp: true, numeric: true });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.reached, true);
  assert.deepEqual(
    result.hops.map((h) => h.probes[0].address),
    ["10.0.1.1", "10.0.12.2", "10.0.23.3", "10.0.2.10"],
  );
  assert.match(result.output[2], /^ 2 {2}10\.0\.12\.2 {2}[\d.]+ ms {2}[\d.]+ ms {2}[\d.]+ ms$/);
});

test("ping with a small TTL gets Time to live exceeded from the router where it ran out", async () => {
  const { net, h1, r2 } = routerChain();
  const run = ping(h1, "10.0.2.10", { count: 2, ttl: 2 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.deepEqual(result.output.slice(1, 3), [
    "From 10.0.12.2 icmp_seq=1 Time to live exceeded",
    "From 10.0.12.2 icmp_seq=2 Time to live exceeded",
  ]);
  assert.equal(
    result.output.at(-1),
    "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1000ms",
  );
  assert.equal(r2.ipv4.icmp.counters.sent(11), 2);
  assert.equal(r2.ipv4.counters.drops.get("ttl-exceeded"), 2);
});

test("an end-to-end ping crosses three routers: TTL 61 on arrival, counters and trace agree", async () => {
  const { net, h1, r1, r2, r3 } = routerChain();
  const forwarded: TraceEvent[] = [];
  net.tracer.subscribe((e) => {
    if (e.type === "forwarded") forwarded.push(e);
  });
  const run = ping(h1, "10.0.2.10", { count: 3 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.received, 3);
  assert.ok(result.replies.every((r) => r.ttl === 61));
  for (const r of [r1, r2, r3]) assert.equal(r.ipv4.counters.forwDatagrams, 6);
  assert.equal(forwarded.length, 18);
});

test("an unroutable destination: the first router answers Destination Net Unreachable", async () => {
  const { net, h1, r1 } = routerChain();
  const run = ping(h1, "192.0.2.1", { count: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.output[1], "From 10.0.1.1 icmp_seq=1 Destination Net Unreachable");
  assert.equal(r1.ipv4.counters.outNoRoutes, 1);
});

test("overlapping prefixes: the longest match wins, end to end through a router", async () => {
  // h1 — r1 ─┬─ h2 (10.1.0.0/16 side, holds 10.1.2.10)
  //           └─ h3 (10.1.2.0/24 side, holds 10.1.2.20 too)
  const net = new Network({ seed: 3 });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const h3 = net.addHost("h3");
  const r1 = net.addRouter("r1");
  const gw2 = net.addRouter("gw2");
  const gw3 = net.addRouter("gw3");
  net.connect("h1:eth0", "r1:eth0");
  net.connect("r1:eth1", "gw2:eth0");
  net.connect("r1:eth2", "gw3:eth0");
  net.connect("gw2:eth1", "h2:eth0");
  net.connect("gw3:eth1", "h3:eth0");
  h1.addAddress("eth0", "10.0.1.10/24");
  h1.setGateway("10.0.1.1");
  r1.addAddress("eth0", "10.0.1.1/24").addAddress("eth1", "10.9.2.1/30").addAddress("eth2", "10.9.3.1/30");
  gw2.addAddress("eth0", "10.9.2.2/30").addAddress("eth1", "10.1.2.1/24");
  gw3.addAddress("eth0", "10.9.3.2/30").addAddress("eth1", "10.1.2.2/24");
  h2.addAddress("eth0", "10.1.2.10/24");
  h2.setGateway("10.1.2.1");
  h3.addAddress("eth0", "10.1.2.10/24");
  h3.setGateway("10.1.2.2");
  gw2.addRoute("0.0.0.0/0", "10.9.2.1");
  gw3.addRoute("0.0.0.0/0", "10.9.3.1");
  // Three overlapping routes: the /24 must win for 10.1.2.10, the /16 for 10.1.7.7.
  r1.addRoute("10.0.0.0/8", "10.9.2.2");
  r1.addRoute("10.1.0.0/16", "10.9.2.2");
  r1.addRoute("10.1.2.0/24", "10.9.3.2");
  assert.equal(r1.ipv4.routes.lookup(0x0a01020a)?.prefix.toString(), "10.1.2.0/24");
  const run = ping(h1, "10.1.2.10", { count: 2 });
  net.runUntilDone(run);
  assert.equal((await run.result).received, 2);
  // h3 (behind the /24) answered; h2 (behind the /16) never saw a request.
  assert.equal(h3.ipv4.icmp.counters.received(8), 2);
  assert.equal(h2.ipv4.icmp.counters.received(8), 0);
  assert.match(r1.showIpRoute(), /S>\* 10\.1\.2\.0\/24 \[1\/0\] via 10\.9\.3\.2, eth2/);
});

test("routers answer pings on every address; TTL 64 from a router one hop away", async () => {
  const { net, h1 } = routerChain();
  const run = ping(h1, "10.0.23.3", { count: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.received, 1);
  assert.equal(result.replies[0].ttl, 62);
});

test("every step is traced: frames, ARP, route lookups, forwarding, delivery, drops", async () => {
  const { net, h1 } = routerChain();
  const events: TraceEvent[] = [];
  net.tracer.subscribe((e) => events.push(e));
  const run = ping(h1, "10.0.2.10", { count: 1, ttl: 3 });
  net.runUntilDone(run);
  await run.result;
  const kinds = new Set(events.map((e) => e.type));
  for (const kind of [
    "frame-sent",
    "frame-received",
    "neighbor-resolved",
    "route-lookup",
    "forwarded",
    "delivered",
    "drop",
  ]) {
    assert.ok(kinds.has(kind as TraceEvent["type"]), `no ${kind} event`);
  }
  const lookups = events.filter((e) => e.type === "route-lookup" && e.node === "r1");
  assert.deepEqual(
    lookups.map((e) => e.type === "route-lookup" && [e.destination, e.prefix, e.via, e.iface]),
    [
      ["10.0.2.10", "10.0.2.0/24", "10.0.12.2", "eth1"], // the request, out
      ["10.0.1.10", "10.0.1.0/24", undefined, "eth0"], // r3's Time Exceeded, back (connected: no via)
    ],
  );
  const drop = events.find((e) => e.type === "drop" && e.layer === "ipv4");
  assert.ok(drop && drop.type === "drop" && drop.node === "r3" && drop.reason === "ttl-exceeded");
  const delivered = events.filter((e) => e.type === "delivered" && e.node === "h1");
  assert.ok(delivered.some((e) => e.type === "delivered" && e.protocol === "ICMP" && e.src === "10.0.23.3"));
});
