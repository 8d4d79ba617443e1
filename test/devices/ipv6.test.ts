/**
 * IPv6 across routers: forwarding, the errors routers owe (RFC 4443), path MTU discovery with
 * Packet Too Big (RFC 8201), scope rules (RFC 4291 §2.5.6), static routes, dual stack, the
 * listings, and tshark reading everything the stack sends without a complaint.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import { SECOND } from "../../src/sim/time.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { needSystem } from "../support/system.js";
import { runTshark, tsharkAvailable, tsharkExpert } from "../support/tshark.js";
import { routerChain } from "./support.js";

test("ping -6 across three routers: replies with hop limit 61, iputils' output", async () => {
  const { net, h1 } = routerChain({ ipv6: true });
  const run = ping(h1, "2001:db8:2::10", { count: 2 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.output[0], "PING 2001:db8:2::10(2001:db8:2::10) 56 data bytes");
  assert.match(result.output[1], /^64 bytes from 2001:db8:2::10: icmp_seq=1 ttl=61 time=\d+(\.\d+)? ms$/);
  assert.equal(result.received, 2);
});

test("routers answer hop limit exceeded and no route from the address of the interface the packet came in on", async () => {
  const { net, h1, r2 } = routerChain({ ipv6: true });
  const expired = ping(h1, "2001:db8:2::10", { count: 1, ttl: 2 });
  net.runUntilDone(expired);
  assert.deepEqual(
    (await expired.result).errorReports.map((e) => `${e.from} ${e.message}`),
    ["2001:db8:12::2 Time exceeded: Hop limit"],
  );
  r2.removeRoute("2001:db8:2::/64");
  const lost = ping(h1, "2001:db8:2::10", { count: 1 });
  net.runUntilDone(lost);
  assert.deepEqual(
    (await lost.result).errorReports.map((e) => `${e.from} ${e.message}`),
    ["2001:db8:12::2 Destination unreachable: No route"],
  );
});

test("Packet Too Big (RFC 8201): ping -M do learns the path MTU; the default fragments at the source afterwards", async () => {
  const { net, h1, h2, r2 } = routerChain({ ipv6: true, mtu23: 1280 });
  const strict = ping(h1, "2001:db8:2::10", { count: 3, size: 1400, pmtudisc: "do" });
  net.runUntilDone(strict);
  const result = await strict.result;
  assert.equal(result.output[1], "From 2001:db8:12::2 icmp_seq=1 Packet too big: mtu=1280");
  assert.equal(result.output[2], "ping: local error: message too long, mtu=1280");
  assert.equal(h1.ipv6.pathMtu(Ipv6Address.parse("2001:db8:2::10")), 1280);
  assert.equal(h1.ipv6.pathMtu(Ipv6Address.parse("2001:db8:12::2")), 1500);
  assert.equal(r2.ipv6.counters.inTooBigErrors, 1);
  // Routers never fragment (RFC 8200 §5): the host does, now that it knows. The first reply meets
  // the narrow link the other way, so it is lost to a Packet Too Big that teaches h2 the MTU too.
  const run = ping(h1, "2001:db8:2::10", { count: 2, size: 1400 });
  net.runUntilDone(run);
  const second = await run.result;
  assert.deepEqual(
    second.replies.map((r) => r.sequence),
    [2],
  );
  assert.equal(h1.ipv6.counters.fragOKs, 2);
  assert.equal(h2.ipv6.counters.reasmOKs, 2);
  assert.equal(h2.ipv6.pathMtu(Ipv6Address.parse("2001:db8:1::10")), 1280);
  assert.equal(h2.ipv6.counters.fragOKs, 1);
  assert.equal(r2.ipv6.counters.fragCreates, 0);
});

test("a link-local source is not forwarded: Destination Unreachable, beyond scope of source (code 2)", () => {
  const { net, h1 } = routerChain({ ipv6: true });
  const reports: string[] = [];
  const socket = h1.ipv6.icmp.openEcho({ onError: (e) => reports.push(`${e.type}/${e.code}`) });
  const ll = h1.ipv6.interfaceState("eth0")!.linkLocal!.address;
  net.runFor(3 * SECOND);
  assert.equal(
    socket.send(Ipv6Address.parse("2001:db8:2::10"), 1, new Uint8Array(8), { src: ll }),
    undefined,
  );
  net.runFor(SECOND);
  assert.deepEqual(reports, ["1/2"]);
});

test("static routes: a link-local gateway needs its interface; an unreachable gateway is refused", () => {
  const { r1 } = routerChain({ ipv6: true });
  assert.throws(() => r1.addRoute("2001:db8:99::/64", "fe80::1"), /needs an interface/);
  assert.throws(() => r1.addRoute("2001:db8:99::/64", "2001:db8:77::1"), /not on any connected prefix/);
  const route = r1.addRoute("2001:db8:99::/64", "fe80::1", { iface: "eth1" });
  assert.equal(route.nextHops[0].via?.toString(), "fe80::1");
  assert.match(r1.showIpv6Route(), /^S>\* 2001:db8:99::\/64 \[1\/0\] via fe80::1, eth1, 00:00:00$/m);
});

test("dual stack: IPv4 and IPv6 side by side on the same hosts and routers", async () => {
  const { net, h1 } = routerChain({ ipv6: true });
  net.runFor(3 * SECOND); // the link-local address passes DAD
  const v4 = ping(h1, "10.0.2.10", { count: 1 });
  const v6 = ping(h1, "2001:db8:2::10", { count: 1 });
  net.runUntilDone(v4);
  net.runUntilDone(v6);
  assert.equal((await v4.result).received, 1);
  assert.equal((await v6.result).received, 1);
  assert.match(
    h1.ipAddr(),
    /inet 10\.0\.1\.10\/24 brd 10\.0\.1\.255 scope global eth0\n {4}inet6 2001:db8:1::10\/64 scope global nodad\n {7}valid_lft forever preferred_lft forever\n {4}inet6 fe80::[0-9a-f:]+\/64 scope link\n/,
  );
});

test("listings: show ipv6 route (FRR), ip -6 route, show ipv6 interface brief", () => {
  const { net, r1, h1 } = routerChain({ ipv6: true });
  net.runFor(3 * SECOND);
  const frr = r1.showIpv6Route();
  assert.match(frr, /^Codes: K - kernel route, C - connected, L - local, S - static,$/m);
  assert.match(frr, /^C>\* 2001:db8:1::\/64 is directly connected, eth0, 00:00:0\d$/m);
  assert.match(frr, /^L>\* 2001:db8:1::1\/128 is directly connected, eth0, 00:00:0\d$/m);
  assert.match(frr, /^S>\* 2001:db8:2::\/64 \[1\/0\] via 2001:db8:12::2, eth1, 00:00:0\d$/m);
  assert.equal(
    h1.ipRoute6(),
    [
      "::1 dev lo proto kernel metric 256 pref medium",
      "2001:db8:1::/64 dev eth0 proto kernel metric 256 pref medium",
      "fe80::/64 dev eth0 proto kernel metric 256 pref medium",
      "default via 2001:db8:1::1 dev eth0 proto static metric 1024 pref medium",
      "",
    ].join("\n"),
  );
  assert.match(r1.showIpv6InterfaceBrief(), /^eth0 {19}\[up\/up\]\n {4}FE80::FF:FE00:2\n {4}2001:DB8:1::1\n/);
});

test("tshark decodes every IPv6, ICMPv6, NDP and MLD frame of a busy run with nothing malformed", async (t) => {
  const { net, h1, h2, r1, r2 } = routerChain({ ipv6: true, mtu23: 1280 });
  r1.advertiseIpv6("eth0", { dnsServers: [Ipv6Address.parse("2001:db8:1::53")], mtu: 1500 });
  const writer = new PcapngWriter({ application: "tinkernet test" });
  const ifaces = new Map<string, number>();
  net.tracer.subscribe((event) => {
    if (event.type !== "frame-sent") return;
    const name = `${event.node}:${event.iface}`;
    let id = ifaces.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name });
      ifaces.set(name, id);
    }
    writer.writePacket(id, event.time, event.frame);
  });
  net.runFor(5 * SECOND);
  // Pings big and small, an error or two, a UDP datagram in fragments, a TCP exchange, a group.
  for (const run of [
    ping(h1, "2001:db8:2::10", { count: 2, size: 3000 }),
    ping(h1, "2001:db8:2::10", { count: 1, ttl: 2 }),
    ping(h1, "2001:db8:2::10", { count: 1, size: 1400, pmtudisc: "do" }),
    ping(h1, "2001:db8:1::99", { count: 1 }),
  ]) {
    net.runUntilDone(run);
  }
  const server = h2.udp.createSocket();
  server.bind(7);
  h1.udp.createSocket().sendTo(new Uint8Array(4000).fill(1), 7, Ipv6Address.parse("2001:db8:2::10"));
  h1.udp.createSocket().sendTo(new Uint8Array(10), 9, Ipv6Address.parse("2001:db8:2::10"));
  h2.tcp.listen(80, (c) => {
    c.onData = (d) => c.write(d);
    c.onEnd = () => c.close();
  });
  const conn = h1.tcp.connect({ remote: Ipv6Address.parse("2001:db8:2::10"), port: 80 });
  conn.onConnect = () => {
    conn.write(new Uint8Array(5000).fill(2));
    conn.shutdown();
  };
  h2.udp.createSocket().addMembership(Ipv6Address.parse("ff05::1:3"));
  r2.ipv6.mld.query(r2.ipv6.interfaceState("eth0")!, 500);
  net.runFor(10 * SECOND);
  assert.ok(writer.toBytes().length > 10_000);

  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-ipv6-"));
  const file = join(dir, "ipv6.pcapng");
  writeFileSync(file, writer.toBytes());
  const expert = await tsharkExpert(file);
  const bad = expert.filter(
    (e) => e.severity === "Errors" || /malformed|bad checksum|incorrect/i.test(e.summary),
  );
  assert.deepEqual(bad, []);
  // Every kind of message we expect is there, decoded as such.
  const { stdout, code, stderr } = await runTshark([
    "-r",
    file,
    "-n",
    "-o",
    "ipv6.defragment:TRUE",
    "-T",
    "fields",
    "-e",
    "icmpv6.type",
    "-Y",
    "icmpv6",
  ]);
  assert.equal(code, 0, stderr);
  const types = new Set(stdout.split(/[\n,]/).filter(Boolean).map(Number));
  for (const type of [1, 2, 3, 128, 129, 130, 133, 134, 135, 136, 143]) {
    assert.ok(types.has(type), `ICMPv6 type ${type} decoded (saw ${[...types].sort((a, b) => a - b)})`);
  }
});

test("tshark decodes a Redirect and a Parameter Problem (routing header type 0 refused) with nothing malformed", async (t) => {
  // RFC 4861 §8: h1's first hop r1 forwards back onto the link it came from, toward r2: it redirects.
  const net = new Network({ seed: 6 });
  const writer = new PcapngWriter({ application: "tinkernet test" });
  const ifaces = new Map<string, number>();
  const sent: number[] = [];
  net.tracer.subscribe((event) => {
    if (event.type !== "frame-sent" || event.node === "s1") return;
    const name = `${event.node}:${event.iface}`;
    let id = ifaces.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name });
      ifaces.set(name, id);
    }
    writer.writePacket(id, event.time, event.frame);
    // ICMPv6 type right after a 40-octet header with no extension headers.
    if (event.frame[12] === 0x86 && event.frame[13] === 0xdd && event.frame[20] === 58)
      sent.push(event.frame[54]);
  });
  const h1 = net.addHost("h1");
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  const far = net.addHost("far");
  net.addSwitch("s1");
  net.connect("h1:eth0", "s1:p1");
  net.connect("r1:eth0", "s1:p2");
  net.connect("r2:eth0", "s1:p3");
  net.connect("r2:eth1", "far:eth0");
  h1.addAddress("eth0", "2001:db8:1::10/64", { nodad: true });
  r1.addAddress("eth0", "2001:db8:1::1/64", { nodad: true });
  r2.addAddress("eth0", "2001:db8:1::2/64", { nodad: true }).addAddress("eth1", "2001:db8:9::1/64", {
    nodad: true,
  });
  far.addAddress("eth0", "2001:db8:9::10/64", { nodad: true });
  net.runFor(3 * SECOND);
  const r2ll = r2.ipv6.interfaceState("eth0")!.linkLocal!.address.toString();
  h1.setGateway(r1.ipv6.interfaceState("eth0")!.linkLocal!.address.toString(), { iface: "eth0" });
  far.setGateway("2001:db8:9::1");
  r1.addRoute("2001:db8:9::/64", r2ll, { iface: "eth0" });
  r2.addRoute("::/0", "2001:db8:1::1");
  const run = ping(h1, "2001:db8:9::10", { count: 2 });
  net.runUntilDone(run, 60 * SECOND);
  assert.equal((await run.result).received, 2);
  // RFC 5095: a type 0 routing header with segments left is refused with a Parameter Problem.
  const rh0 = new Uint8Array(24);
  rh0.set([59, 2, 0, 1]); // next header: none; 2 × 8 octets more; type 0; one segment left
  rh0.set(Ipv6Address.parse("2001:db8:9::10").bytes, 8);
  assert.equal(
    h1.ipv6.send({ dst: Ipv6Address.parse("2001:db8:1::2"), protocol: 43, payload: rh0 }),
    undefined,
  );
  net.runFor(SECOND);
  assert.ok(sent.includes(137), `a redirect was sent (${sent})`);
  assert.ok(sent.includes(4), `a parameter problem was sent (${sent})`);

  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-ipv6-"));
  const file = join(dir, "redirect.pcapng");
  writeFileSync(file, writer.toBytes());
  const bad = (await tsharkExpert(file)).filter(
    (e) => e.severity === "Errors" || /malformed|bad checksum|incorrect/i.test(e.summary),
  );
  assert.deepEqual(bad, []);
  const { stdout, code, stderr } = await runTshark([
    "-r",
    file,
    "-n",
    "-T",
    "fields",
    "-e",
    "icmpv6.type",
    "-e",
    "icmpv6.code",
    "-e",
    "icmpv6.checksum.status",
    "-e",
    "icmpv6.pointer",
    "-e",
    "icmpv6.nd.rd.target_address",
    "-Y",
    "icmpv6.type == 137 || icmpv6.type == 4",
  ]);
  assert.equal(code, 0, stderr);
  // One row per frame; a field met twice (the redirected header quotes an echo request) lists both,
  // the outer message's first.
  const rows = stdout
    .trim()
    .split("\n")
    .map((l) => l.split("\t").map((field) => field.split(",")[0]));
  // The redirect names r2's link-local address as the better first hop; the checksums are good.
  assert.ok(
    rows.some((r) => r[0] === "137" && r[2] === "1" && r[4] === r2ll),
    stdout,
  );
  // The parameter problem points at the routing type: 40 (IPv6 header) + 2.
  assert.ok(
    rows.some((r) => r[0] === "4" && r[1] === "0" && r[2] === "1" && r[3] === "42"),
    stdout,
  );
});
