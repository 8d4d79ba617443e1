/**
 * Neighbor Discovery (RFC 4861), duplicate address detection and SLAAC (RFC 4862) and MLDv2
 * reports (RFC 3810) between emulated nodes, checked on the frames they exchange.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import { SECOND } from "../../src/sim/time.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { type Icmpv6Repr, parseIcmpv6 } from "../../src/wire/icmpv6.js";
import { parseMldReportV2 } from "../../src/wire/mld.js";
import { isParseError } from "../../src/wire/parse-error.js";

interface Seen {
  time: number;
  node: string;
  src: string;
  dst: string;
  hopLimit: number;
  hopByHop: boolean;
  message: Icmpv6Repr;
}

/** Every ICMPv6 message each node sends, decoded. */
function watch(net: Network): Seen[] {
  const seen: Seen[] = [];
  net.tracer.subscribe((event) => {
    if (event.type !== "frame-sent") return;
    const f = event.frame;
    if (f[12] !== 0x86 || f[13] !== 0xdd) return;
    const ip = f.subarray(14);
    let at = 40;
    let next = ip[6];
    const hopByHop = next === 0;
    if (hopByHop) {
      next = ip[40];
      at += (ip[41] + 1) * 8;
    }
    if (next !== 58) return;
    const message = parseIcmpv6(ip.subarray(at, 40 + ((ip[4] << 8) | ip[5])));
    if (isParseError(message)) throw new Error(`${event.node} sent a bad ICMPv6 message: ${message.reason}`);
    seen.push({
      time: event.time / SECOND,
      node: event.node,
      src: Ipv6Address.fromBytes(ip, 8).toString(),
      dst: Ipv6Address.fromBytes(ip, 24).toString(),
      hopLimit: ip[7],
      hopByHop,
      message,
    });
  });
  return seen;
}

/** h1 — r1 — h2 with r1 advertising 2001:db8:1::/64 on eth0 and 2001:db8:2::/64 on eth1. */
function routedPair(seed = 1) {
  const net = new Network({ seed });
  const seen = watch(net);
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const r1 = net.addRouter("r1");
  net.connect("h1:eth0", "r1:eth0", { delay: "1ms" });
  net.connect("r1:eth1", "h2:eth0", { delay: "1ms" });
  h1.enableIpv6();
  h2.enableIpv6();
  r1.addAddress("eth0", "2001:db8:1::1/64").addAddress("eth1", "2001:db8:2::1/64");
  r1.advertiseIpv6("eth0").advertiseIpv6("eth1");
  return { net, seen, h1, h2, r1 };
}

test("DAD: a new address is tentative, solicits from :: to its solicited-node group, then becomes preferred", () => {
  const net = new Network({ seed: 2 });
  const seen = watch(net);
  const a = net.addHost("a");
  const b = net.addHost("b");
  net.connect("a:eth0", "b:eth0");
  b.enableIpv6();
  a.addAddress("eth0", "2001:db8::1/64");
  const state = a.ipv6.interfaceState("eth0")!;
  const entry = state.find(Ipv6Address.parse("2001:db8::1").bytes)!;
  assert.equal(entry.state, "tentative");
  assert.equal(
    a.ipv6.sourceFor(Ipv6Address.parse("2001:db8::2")),
    undefined,
    "a tentative address is not a source",
  );
  net.runFor(0.999 * SECOND);
  assert.equal(entry.state, "tentative");
  net.runFor(2 * SECOND);
  assert.equal(entry.state, "preferred");
  const dad = seen.filter((s) => s.node === "a" && s.message.kind === "neighbor-solicitation");
  assert.deepEqual(
    dad
      .map((s) => [s.src, s.dst, s.hopLimit, (s.message as { target: Ipv6Address }).target.toString()])
      .sort(),
    [
      ["::", "ff02::1:ff00:1", 255, "2001:db8::1"],
      ["::", "ff02::1:ff00:1", 255, "fe80::ff:fe00:1"],
    ],
  );
  // RFC 4862 §5.4.2: the solicited-node group is joined (and reported) before the solicitation.
  const firstReport = seen.find((s) => s.node === "a" && s.message.kind === "multicast-listener-report-v2")!;
  assert.ok(firstReport.time <= dad[0].time);
  assert.equal(firstReport.src, "::", "reports during DAD come from :: (RFC 3590)");
});

test("DAD failure: an address already in use on the link becomes duplicate and is never used", () => {
  const net = new Network({ seed: 3 });
  const a = net.addHost("a");
  const b = net.addHost("b");
  net.connect("a:eth0", "b:eth0");
  a.addAddress("eth0", "2001:db8::1/64");
  net.runFor(3 * SECOND);
  b.addAddress("eth0", "2001:db8::1/64");
  net.runFor(3 * SECOND);
  const mine = a.ipv6.interfaceState("eth0")!.find(Ipv6Address.parse("2001:db8::1").bytes)!;
  const theirs = b.ipv6.interfaceState("eth0")!.find(Ipv6Address.parse("2001:db8::1").bytes)!;
  assert.equal(mine.state, "preferred");
  assert.equal(theirs.state, "duplicate");
  assert.equal(b.ipv6.isLocalAddress(Ipv6Address.parse("2001:db8::1")), false);
  assert.match(b.ipAddr(), /inet6 2001:db8::1\/64 scope global dadfailed tentative/);
});

test("SLAAC: hosts solicit routers, get prefix + EUI-64 addresses, an on-link prefix and a default route", async () => {
  const { net, seen, h1, h2, r1 } = routedPair();
  net.runFor(10 * SECOND);
  const addresses = h1.ipv6
    .allAddresses()
    .map((a) => `${a.entry.address}/${a.entry.prefixLength} ${a.entry.origin} ${a.entry.state}`);
  // MAC 02:00:00:00:00:01 → Modified EUI-64 0000:00ff:fe00:0001 (the U/L bit inverted, RFC 4291 App. A).
  assert.equal(h1.interface("eth0").mac.toString(), "02:00:00:00:00:01");
  assert.deepEqual(addresses, [
    "fe80::ff:fe00:1/64 link-local preferred",
    "2001:db8:1::ff:fe00:1/64 slaac preferred",
  ]);
  const r1ll = r1.ipv6.interfaceState("eth0")!.linkLocal!.address.toString();
  assert.deepEqual(
    h1.ipv6.nd.defaultRouters().map((r) => `${r.address}%${r.iface}`),
    [`${r1ll}%eth0`],
  );
  // The host's RS came from its link-local address once DAD had passed, and the router answered
  // within MAX_RA_DELAY_TIME (0.5 s) with a multicast RA.
  const rs = seen.find((s) => s.node === "h1" && s.message.kind === "router-solicitation")!;
  assert.equal(rs.dst, "ff02::2");
  assert.match(rs.src, /^fe80::/);
  const answer = seen.find(
    (s) => s.node === "r1" && s.message.kind === "router-advertisement" && s.time > rs.time,
  )!;
  assert.ok(answer.time - rs.time <= 0.501 + 0.002, `RA ${answer.time - rs.time}s after RS`);
  assert.equal(answer.dst, "ff02::1");
  assert.equal(answer.hopLimit, 255);
  // And the hosts reach each other through the router.
  const run = ping(h1, h2.primaryIpv6Address!.toString(), { count: 2 });
  net.runUntilDone(run, 60 * SECOND);
  const result = await run.result;
  assert.equal(result.received, 2);
  assert.equal(result.replies[0].ttl, 63);
  assert.match(h1.ipRoute6(), /^default via fe80::[0-9a-f:]+ dev eth0 proto ra metric 1024 expires \d+sec/m);
  assert.match(h1.ipRoute6(), /^2001:db8:1::\/64 dev eth0 proto ra metric 256 expires \d+sec/m);
});

test("router advertisement parameters: MTU, hop limit, DNS servers, and a zero router lifetime withdrawing the router", () => {
  const net = new Network({ seed: 4 });
  const h = net.addHost("h");
  const r = net.addRouter("r");
  net.connect("h:eth0", "r:eth0");
  h.enableIpv6();
  r.addAddress("eth0", "2001:db8:1::1/64");
  r.advertiseIpv6("eth0", {
    mtu: 1400,
    curHopLimit: 42,
    dnsServers: [Ipv6Address.parse("2001:db8:1::53")],
  });
  net.runFor(10 * SECOND);
  const state = h.ipv6.interfaceState("eth0")!;
  assert.equal(state.mtu, 1400);
  assert.equal(state.curHopLimit, 42);
  assert.deepEqual(h.ipv6.nd.currentDnsServers().map(String), ["2001:db8:1::53"]);
  assert.equal(h.ipv6.pathMtu(Ipv6Address.parse("2001:db8:9::1")), 1400);
  assert.equal(h.ipv6.routes.lookup(Ipv6Address.parse("2001:db8:9::1"))?.prefix.toString(), "::/0");
  r.ipv6.setAdvertise(r.interface("eth0"), undefined); // the router stops: final RA with lifetime 0
  net.runFor(SECOND);
  assert.equal(h.ipv6.routes.lookup(Ipv6Address.parse("2001:db8:9::1")), undefined);
  assert.equal(h.ipv6.nd.defaultRouters().length, 0);
});

test("SLAAC lifetimes: preferred ends → deprecated; the two-hour rule caps a shortened valid lifetime (RFC 4862 §5.5.3)", () => {
  const net = new Network({ seed: 5 });
  const h = net.addHost("h");
  const r = net.addRouter("r");
  net.connect("h:eth0", "r:eth0");
  h.enableIpv6();
  r.addAddress("eth0", "2001:db8:1::1/64");
  r.advertiseIpv6("eth0", { maxInterval: 10 * SECOND, minInterval: 5 * SECOND });
  net.runFor(10 * SECOND);
  const entry = h.ipv6.allAddresses().find((a) => a.entry.origin === "slaac")!.entry;
  assert.ok(entry.validUntil! - net.scheduler.now > 29 * 86400 * SECOND);
  // The router now advertises short lifetimes (as a forged RA could).
  r.ipv6.setAdvertise(r.interface("eth0"), {
    maxInterval: 10 * SECOND,
    minInterval: 5 * SECOND,
    validLifetime: 60,
    preferredLifetime: 20,
  });
  net.runFor(SECOND);
  const remaining = (entry.validUntil! - net.scheduler.now) / SECOND;
  assert.ok(remaining > 7190 && remaining <= 7200, `valid lifetime capped to 2 h, got ${remaining}s`);
  assert.equal(entry.state, "preferred");
  // Preferred lifetimes are taken as advertised, but each RA renews them: stop the router.
  r.ipv6.setAdvertise(r.interface("eth0"), undefined);
  net.runFor(25 * SECOND);
  assert.equal(entry.state, "deprecated");
  assert.ok(h.ipv6.isLocalAddress(entry.address), "a deprecated address still receives");
  net.runFor(7200 * SECOND);
  assert.equal(h.ipv6.allAddresses().filter((a) => a.entry.origin === "slaac").length, 0);
});

test("redirect: a router forwarding back onto the link tells the host of the better first hop (RFC 4861 §8)", async () => {
  const net = new Network({ seed: 6 });
  const seen = watch(net);
  const events: string[] = [];
  net.tracer.subscribe((e) => {
    if (e.type === "redirect") events.push(`${e.node}: ${e.destination} via ${e.target}`);
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
  // The first hop by its link-local address, as router discovery gives it: a redirect is only
  // accepted from the address the route names (RFC 4861 §8.1; Linux checks the same).
  const r1ll = r1.ipv6.interfaceState("eth0")!.linkLocal!.address.toString();
  h1.setGateway(r1ll, { iface: "eth0" });
  far.setGateway("2001:db8:9::1");
  r1.addRoute("2001:db8:9::/64", r2ll, { iface: "eth0" });
  r2.addRoute("::/0", "2001:db8:1::1");
  const run = ping(h1, "2001:db8:9::10", { count: 3 });
  net.runUntilDone(run, 60 * SECOND);
  assert.equal((await run.result).received, 3);
  // (The switch reports the frames it forwards too: count what the nodes sent.)
  const redirects = seen.filter((s) => s.message.kind === "redirect" && s.node !== "s1");
  assert.equal(redirects.length, 1);
  assert.equal(redirects[0].node, "r1");
  assert.equal(redirects[0].dst, "2001:db8:1::10");
  assert.deepEqual(events, [`h1: 2001:db8:9::10 via ${r2ll}`]);
  // After the redirect h1 sends straight to r2: r1 forwarded only the first request.
  assert.equal(r1.ipv6.counters.forwDatagrams, 1);
});

test("neighbour unreachable: three solicitations, then ping hears 'Address unreachable' from its own host", async () => {
  const net = new Network({ seed: 7 });
  const a = net.addHost("a");
  const b = net.addHost("b");
  net.connect("a:eth0", "b:eth0");
  a.addAddress("eth0", "2001:db8::1/64", { nodad: true });
  b.addAddress("eth0", "2001:db8::2/64", { nodad: true });
  net.runFor(2 * SECOND);
  const run = ping(a, "2001:db8::99", { count: 1 });
  net.runUntilDone(run, 60 * SECOND);
  const result = await run.result;
  assert.deepEqual(
    result.errorReports.map((e) => `${e.from} ${e.message}`),
    ["2001:db8::1 Destination unreachable: Address unreachable"],
  );
});

test("routers answer solicitations with the R flag; hosts list them as routers; and show them in ip -6 neigh / show ipv6 neighbors", async () => {
  const { net, h1, r1 } = routedPair(8);
  net.runFor(10 * SECOND);
  const run = ping(h1, "2001:db8:1::1", { count: 1 });
  net.runUntilDone(run, 60 * SECOND);
  await run.result;
  assert.equal(r1.interface("eth0").mac.toString(), "02:00:00:00:00:02");
  assert.match(
    h1.ipNeigh6(),
    /^fe80::ff:fe00:2 dev eth0 lladdr 02:00:00:00:00:02 router (REACHABLE|STALE)$/m,
  );
  assert.match(h1.ipNeigh6(), /^2001:db8:1::1 dev eth0 lladdr 02:00:00:00:00:02 router REACHABLE$/m);
  assert.match(r1.showIpv6Neighbors(), /^IPv6 Address\s+Age Link-layer Addr State Interface$/m);
  assert.match(
    r1.showIpv6Neighbors(),
    /^2001:DB8:1::FF:FE00:1\s+0 0200\.0000\.0001 {2}(REACH|STALE|DELAY) eth0$/m,
  );
});

test("MLDv2: joining sends a state-change report with Router Alert and hop limit 1; leaving says so; queries are answered", () => {
  const net = new Network({ seed: 9 });
  const seen = watch(net);
  const a = net.addHost("a");
  const q = net.addRouter("q");
  net.connect("a:eth0", "q:eth0");
  a.enableIpv6();
  q.enableIpv6();
  net.runFor(5 * SECOND);
  const socket = a.udp.createSocket();
  socket.bind(5353);
  const group = Ipv6Address.parse("ff05::1:3");
  assert.equal(socket.addMembership(group), undefined);
  net.runFor(2 * SECOND);
  socket.close();
  net.runFor(2 * SECOND);
  const reports = seen
    .filter((s) => s.node === "a" && s.message.kind === "multicast-listener-report-v2" && s.time >= 5)
    .map((s) => {
      const body = parseMldReportV2((s.message as { body: Uint8Array }).body);
      assert.ok(!isParseError(body));
      assert.equal(s.dst, "ff02::16");
      assert.equal(s.hopLimit, 1);
      assert.ok(s.hopByHop, "Router Alert in a Hop-by-Hop header");
      return body.records.map((r) => `${r.type} ${r.group}`).join(",");
    });
  // Robustness 2: each change is reported twice.
  assert.deepEqual(reports, ["4 ff05::1:3", "4 ff05::1:3", "3 ff05::1:3", "3 ff05::1:3"]);
  // A General Query from q: a current-state report (MODE_IS_EXCLUDE) within the delay.
  const before = seen.length;
  assert.ok(q.ipv6.mld.query(q.ipv6.interfaceState("eth0")!, 1000));
  net.runFor(2 * SECOND);
  const answer = seen
    .slice(before)
    .filter((s) => s.node === "a" && s.message.kind === "multicast-listener-report-v2");
  assert.equal(answer.length, 1);
  const body = parseMldReportV2((answer[0].message as { body: Uint8Array }).body);
  assert.ok(!isParseError(body));
  assert.ok(body.records.every((r) => r.type === 2));
  assert.ok(body.records.some((r) => r.group.toString().startsWith("ff02::1:ff")));
});
