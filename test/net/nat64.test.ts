/**
 * NAT64 (RFC 6146, RFC 7915) and DNS64 (RFC 6147): an IPv6-only host reaches an IPv4-only server
 * by name. The host learns its address and its DNS server from the router's advertisement (SLAAC,
 * RDNSS); the router answers AAAA questions for IPv4-only names with addresses in 64:ff9b::/96 and
 * translates the packets sent there: ping, traceroute (time exceeded translated back), HTTP over
 * TCP, path MTU discovery (fragmentation needed → Packet Too Big), refusals, bindings; and tshark
 * reads both sides of the translator without a complaint.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { dig } from "../../src/apps/dns/dig.js";
import { DnsServer } from "../../src/apps/dns/server.js";
import { bytesService } from "../../src/apps/http/bytes-service.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { ping } from "../../src/apps/ping.js";
import { traceroute } from "../../src/apps/traceroute.js";
import { Network } from "../../src/devices/network.js";
import { SECOND } from "../../src/sim/time.js";
import type { NetSocket } from "../../src/socket/net.js";
import type { TraceEvent } from "../../src/trace/events.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { buildExchange, type ExchangeMessage } from "../../src/trace/views/exchange.js";
import { sequenceDiagram } from "../../src/trace/views/sequence.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { DnsType } from "../../src/wire/dns.js";
import { shellOn } from "../support/lab-shell.js";
import { needSystem } from "../support/system.js";
import { runTshark, tsharkAvailable, tsharkExpert } from "../support/tshark.js";

const WWW6 = "64:ff9b::c633:6450"; // 198.51.100.80 inside the well-known prefix

/**
 * h6 (IPv6 only) — r (NAT64 + DNS64, advertises 2001:db8:1::/64 and itself as DNS server)
 *   — r2 (IPv4 router) — srv 198.51.100.80 (IPv4 only; the r2–srv link's MTU is 1000).
 */
function lab() {
  const net = new Network({ seed: 64 });
  const h6 = net.addHost("h6");
  const r = net.addRouter("r");
  const r2 = net.addRouter("r2");
  const srv = net.addHost("srv");
  net.connect("h6:eth0", "r:eth0", { delay: "1ms" });
  net.connect("r:eth1", "r2:eth0", { delay: "2ms" });
  net.connect("r2:eth1", "srv:eth0", { delay: "2ms" });
  r2.interface("eth1").mtuOverride = 1000;
  srv.interface("eth0").mtuOverride = 1000;
  h6.enableIpv6();
  r.addAddress("eth0", "2001:db8:1::1/64", { nodad: true });
  r.advertiseIpv6("eth0", { dnsServers: [Ipv6Address.parse("2001:db8:1::1")] });
  r.addAddress("eth1", "203.0.113.1/24");
  r.setDefaultGateway("203.0.113.2");
  r2.addAddress("eth0", "203.0.113.2/24").addAddress("eth1", "198.51.100.1/24");
  srv.addAddress("eth0", "198.51.100.80/24");
  srv.setGateway("198.51.100.1");
  const nat64 = r.enableNat64();
  const dns = new DnsServer(r, {
    zones: [
      {
        origin: "example.com",
        ttl: 3600,
        negativeTtl: 120,
        records: [
          { name: "www", type: "A", value: "198.51.100.80" },
          { name: "alias", type: "CNAME", value: "www" },
          { name: "dual", type: "A", value: "198.51.100.81" },
          { name: "dual", type: "AAAA", value: "2001:db8:1::1" },
          { name: "mapped", type: "AAAA", value: "::ffff:198.51.100.82" },
          { name: "mapped", type: "A", value: "198.51.100.82" },
          { name: "private", type: "A", value: "10.0.0.5" },
        ],
      },
    ],
    dns64: true,
  }).start();
  net.runFor(3 * SECOND); // router advertisement, SLAAC, DAD
  return { net, h6, r, r2, srv, nat64, dns };
}

function shellOf(net: Network) {
  return shellOn(net).run;
}

async function digAnswers(net: Network, node: Parameters<typeof dig>[0], args: string) {
  const run = dig(node, args);
  net.runUntilDone(run);
  const result = await run.result;
  return {
    result,
    answers: result.answers.map(
      (r) =>
        `${r.name} ${r.ttl} ${r.type === DnsType.AAAA ? "AAAA" : r.type === DnsType.CNAME ? "CNAME" : r.type} ${"address" in r.data ? r.data.address : "name" in r.data ? r.data.name : ""}`,
    ),
  };
}

test("the IPv6-only host autoconfigures from the advertisement: a global address, a default route, the DNS server (RDNSS)", () => {
  const { h6 } = lab();
  assert.equal(h6.primaryAddress, undefined, "no IPv4 at all");
  assert.match(String(h6.primaryIpv6Address), /^2001:db8:1::/);
  assert.deepEqual(h6.ipv6.nd.currentDnsServers().map(String), ["2001:db8:1::1"]);
  assert.match(h6.ipRoute6(), /^default via fe80::[0-9a-f:]+ dev eth0 proto ra metric 1024/m);
});

test("DNS64 synthesizes AAAA from A in 64:ff9b::/96 (AA clear, TTL capped by the SOA minimum); real AAAA, mapped and private addresses as RFC 6147 says", async () => {
  const { net, h6, dns } = lab();
  const www = await digAnswers(net, h6, "www.example.com AAAA");
  assert.deepEqual(www.answers, [`www.example.com 120 AAAA ${WWW6}`]);
  assert.equal(www.result.response?.authoritative, false);
  assert.equal(www.result.status, "NOERROR");
  assert.match(www.result.output.join("\n"), /;; SERVER: 2001:db8:1::1#53\(2001:db8:1::1\) \(UDP\)/);
  // A CNAME chain is kept; the synthesized record belongs to its end.
  assert.deepEqual((await digAnswers(net, h6, "alias.example.com AAAA")).answers, [
    "alias.example.com 3600 CNAME www.example.com",
    `www.example.com 120 AAAA ${WWW6}`,
  ]);
  // A name with an IPv6 address keeps it: nothing is synthesized.
  assert.deepEqual((await digAnswers(net, h6, "dual.example.com AAAA")).answers, [
    "dual.example.com 3600 AAAA 2001:db8:1::1",
  ]);
  // §5.1.4: an IPv4-mapped AAAA does not count as IPv6; no SOA came with it, so at most 600 s (§5.1.7).
  assert.deepEqual((await digAnswers(net, h6, "mapped.example.com AAAA")).answers, [
    "mapped.example.com 600 AAAA 64:ff9b::c633:6452",
  ]);
  // RFC 6052 §3.1: no well-known-prefix address for a private IPv4 address: NODATA stays.
  const priv = await digAnswers(net, h6, "private.example.com AAAA");
  assert.deepEqual(priv.answers, []);
  assert.equal(priv.result.status, "NOERROR");
  // A questions and unknown names are untouched.
  assert.deepEqual((await digAnswers(net, h6, "www.example.com A")).answers, [
    "www.example.com 3600 1 198.51.100.80",
  ]);
  assert.equal((await digAnswers(net, h6, "nowhere.example.com AAAA")).result.status, "NXDOMAIN");
  assert.equal(dns.counters.synthesized, 3);
});

test("ping and ping -6 by name from the IPv6-only host go through NAT64; the IPv4 server sees the pool address", async () => {
  const { net, h6, r, srv, nat64 } = lab();
  const run = shellOf(net);
  const named = await run("h6 ping -c 2 www.example.com");
  assert.equal(named.status, 0, named.out + named.err);
  assert.match(named.out, new RegExp(`^PING ${WWW6}\\(${WWW6}\\) 56 data bytes$`, "m"));
  assert.match(named.out, new RegExp(`^64 bytes from ${WWW6}: icmp_seq=1 ttl=62 time=[\\d.]+ ms$`, "m"));
  assert.match(named.out, /2 packets transmitted, 2 received, 0% packet loss/);
  // The server answered 203.0.113.1, r's address toward it.
  assert.match(srv.ipNeigh(), /^203\.0\.113\.1 |^198\.51\.100\.1 /m);
  const literal = ping(h6, "64:ff9b::198.51.100.80", { count: 1 });
  net.runUntilDone(literal);
  assert.equal((await literal.result).received, 1);
  assert.ok(nat64.counters.toIpv4 >= 3 && nat64.counters.toIpv6 >= 3);
  const bindings = nat64.bindings();
  // One ICMP binding per echo identifier (one per ping run).
  assert.deepEqual(
    bindings.map((b) => b.protocol),
    [1, 1],
  );
  assert.match(bindings[0].v6, /^\[2001:db8:1::[0-9a-f:]+\]:\d+$/);
  assert.ok(bindings[0].v4Port >= 61001 && bindings[0].v4Port <= 65535);
  assert.equal(r.ipv6.counters.forwDatagrams >= 3, true);
  const table = await run("r show nat64 translations");
  assert.match(table.out, /^Proto {2}IPv4 \(pool\) +IPv6 source +Expires$/m);
  assert.match(table.out, /^icmp {3}203\.0\.113\.1:6100\d +\[2001:db8:1::[0-9a-f:]+\]:\d+ +\d+s$/m);
  const stats = await run("r show nat64 statistics");
  assert.match(stats.out, /^NAT64 prefix: 64:ff9b::\/96 \(well-known\)$/m);
  assert.match(stats.out, /^Pool address: 203\.0\.113\.1, ports 61001-65535$/m);
});

test("traceroute -6 through the translator: the IPv4 router's time exceeded comes back as ICMPv6 from inside the prefix", async () => {
  const { net, h6 } = lab();
  const run = traceroute(h6, WWW6, { numeric: true, queries: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.reached, true);
  assert.deepEqual(
    result.hops.map((h) => h.probes[0].address),
    ["2001:db8:1::1", "64:ff9b::cb00:7102", WWW6],
  );
  const icmp = traceroute(h6, WWW6, { icmp: true, numeric: true, queries: 1 });
  net.runUntilDone(icmp);
  assert.deepEqual(
    (await icmp.result).hops.map((h) => h.probes[0].address),
    ["2001:db8:1::1", "64:ff9b::cb00:7102", WWW6],
  );
});

test("path MTU through the translator: DF IPv4 too big for the server's link becomes Packet Too Big (1280), smaller packets are fragmented by IPv4", async () => {
  const { net, h6, r2 } = lab();
  const big = ping(h6, WWW6, { count: 1, size: 1400, pmtudisc: "do" });
  net.runUntilDone(big);
  const bigResult = await big.result;
  assert.equal(bigResult.received, 0);
  assert.match(bigResult.output.join("\n"), /From 64:ff9b::cb00:7102 icmp_seq=1 Packet too big: mtu=1280/);
  assert.equal(h6.ipv6.pathMtu(Ipv6Address.parse(WWW6)), 1280);
  // 1232 octets of ICMPv6 payload: a 1280-octet IPv6 packet, 1260 as IPv4 without DF: r2 fragments it.
  const fits = ping(h6, WWW6, { count: 1, size: 1232 });
  net.runUntilDone(fits);
  assert.equal((await fits.result).received, 1);
  assert.ok(r2.ipv4.counters.fragCreates > 0, "r2 fragmented toward the narrow link");
});

test("HTTP by name from the IPv6-only host to the IPv4-only server: curl through DNS64 and NAT64, 1 MB each way", async () => {
  const { net, h6, srv, nat64 } = lab();
  let peer = "";
  srv.net
    .createServer((s: NetSocket) => {
      peer = String(s.remoteAddress);
      serveHttpConnection(s, bytesService);
    })
    .listen(80, "0.0.0.0");
  const run = shellOf(net);
  const get = await run(
    "h6 curl -s -w '%{http_code} %{remote_ip} %{size_download}' -o /dev/null http://www.example.com/bytes/1000000",
  );
  assert.equal(get.status, 0, get.err);
  assert.equal(get.out, `200 ${WWW6} 1000000`);
  assert.equal(peer, "203.0.113.1");
  // Upload: a raw TCP stream from the host, counted at the server.
  let received = 0;
  srv.tcp.listen(9, (c) => {
    c.onData = (d) => {
      received += d.length;
    };
    c.onEnd = () => c.close();
  });
  const conn = h6.tcp.connect({ remote: Ipv6Address.parse(WWW6), port: 9 });
  const data = new Uint8Array(1_000_000).fill(7);
  let sent = 0;
  const pump = () => {
    while (sent < data.length) {
      const accepted = conn.write(data.subarray(sent));
      if (accepted === 0) return;
      sent += accepted;
    }
    conn.shutdown();
  };
  conn.onConnect = pump;
  conn.onWritable = pump;
  net.runFor(30 * SECOND);
  assert.equal(received, 1_000_000);
  assert.ok(nat64.bindings().filter((b) => b.protocol === 6).length >= 2);
});

test("the learning views link both sides of the translator: every segment arrives, each end sees its own addresses", async () => {
  const { net, h6, srv } = lab();
  const events: TraceEvent[] = [];
  net.tracer.subscribe((e) => events.push(e));
  srv.net.createServer((s: NetSocket) => serveHttpConnection(s, bytesService)).listen(80, "0.0.0.0");
  // The neighbours along the way first, then a download drawn from scratch.
  net.runUntilDone(ping(h6, WWW6, { count: 1 }));
  net.runFor(SECOND);
  events.length = 0;
  const run = shellOf(net);
  assert.equal((await run("h6 curl -s -o /dev/null http://[64:ff9b::c633:6450]/bytes/3000")).status, 0);
  net.runFor(SECOND);
  const h6Address = h6.primaryIpv6Address!.toString();
  // From the IPv6 side: the server is known by its address inside the prefix, marked as translated.
  const inside = buildExchange(events, { focus: "h6", protocol: "tcp" });
  assert.deepEqual(
    inside.columns.map((c) => [c.name, c.address]),
    [
      ["h6", h6Address],
      ["srv", `${WWW6} (NAT)`],
    ],
  );
  const fromInside = inside.items.filter((i): i is ExchangeMessage => i.kind === "message");
  assert.ok(fromInside.length >= 8, `${fromInside.length} segments`);
  for (const m of fromInside) {
    assert.equal(m.to.length, 1, `every segment reached the other end: ${JSON.stringify(m)}`);
    assert.equal(m.packet.ipVersion, 6);
  }
  // The server's TCP states show beside the phone's, though the server saw an IPv4 connection.
  assert.ok(inside.items.some((i) => i.kind === "state" && i.node === "srv" && i.to === "ESTABLISHED"));
  // From the IPv4 side: the client is the translator's pool address.
  const outside = buildExchange(events, { focus: "srv", protocol: "tcp" });
  assert.deepEqual(
    outside.columns.map((c) => [c.name, c.address]),
    [
      ["srv", "198.51.100.80"],
      ["h6", "203.0.113.1 (NAT)"],
    ],
  );
  for (const m of outside.items.filter((i): i is ExchangeMessage => i.kind === "message")) {
    assert.equal(m.to.length, 1);
    assert.equal(m.packet.ipVersion, 4);
  }
  assert.doesNotMatch(sequenceDiagram(events, { focus: "h6", protocol: "tcp" }), /no arrival seen/);
});

test("refusals: a private IPv4 address in the well-known prefix, other protocols; IPv4 nobody asked for is not let in", async () => {
  const { net, h6, r, srv, nat64 } = lab();
  const priv = ping(h6, "64:ff9b::10.0.0.5", { count: 1 });
  net.runUntilDone(priv);
  assert.match(
    (await priv.result).output.join("\n"),
    /From 2001:db8:1::1 icmp_seq=1 Destination unreachable: Administratively prohibited/,
  );
  assert.equal(nat64.counters.drops.get("nat64-non-global"), 1);
  // A protocol without ports (GRE, 47) has nothing to bind: refused the same way (RFC 7915 §5.1).
  h6.ipv6.send({
    src: h6.primaryIpv6Address!,
    dst: Ipv6Address.parse(WWW6),
    protocol: 47,
    payload: new Uint8Array(8),
  });
  net.runFor(SECOND);
  assert.equal(nat64.counters.drops.get("nat64-protocol"), 1);
  // Unsolicited IPv4 to the pool address: no binding, so it is r's own (and refused as such).
  const knock = srv.udp.createSocket();
  knock.sendTo(new Uint8Array(8), 61001, r.primaryAddress!);
  net.runFor(SECOND);
  assert.equal(nat64.counters.toIpv6, 0);
  assert.equal(h6.udp.counters.inDatagrams, 0);
});

test("tshark decodes both sides of the translator: ICMPv6 echo on the IPv6 link, ICMP echo on the IPv4 one, TCP, nothing malformed", async (t) => {
  const { net, h6, srv } = lab();
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
  srv.tcp.listen(7, (c) => {
    c.onData = (d) => c.write(d);
    c.onEnd = () => c.close();
  });
  for (const run of [
    ping(h6, WWW6, { count: 2 }),
    ping(h6, WWW6, { count: 1, size: 1400, pmtudisc: "do" }),
    traceroute(h6, WWW6, { numeric: true, queries: 1 }),
  ]) {
    net.runUntilDone(run);
  }
  const conn = h6.tcp.connect({ remote: Ipv6Address.parse(WWW6), port: 7 });
  conn.onConnect = () => {
    conn.write(new Uint8Array(5000).fill(3));
    conn.shutdown();
  };
  net.runFor(5 * SECOND);
  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-nat64-"));
  const file = join(dir, "nat64.pcapng");
  writeFileSync(file, writer.toBytes());
  const expert = await tsharkExpert(file);
  const bad = expert.filter(
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
    "frame.interface_name",
    "-e",
    "_ws.col.Protocol",
    "-e",
    "_ws.col.Info",
    "-Y",
    "icmp or icmpv6.type == 128 or icmpv6.type == 129 or icmpv6.type == 2 or icmpv6.type == 3 or tcp",
  ]);
  assert.equal(code, 0, stderr);
  const lines = stdout.split("\n");
  const has = (iface: string, pattern: RegExp) =>
    assert.ok(
      lines.some((l) => l.startsWith(`${iface}\t`) && pattern.test(l)),
      `${iface} ${pattern}\n${stdout}`,
    );
  has("h6:eth0", /ICMPv6\tEcho \(ping\) request id=0x[0-9a-f]+, seq=1, hop limit=64$/m);
  has("r:eth0", /ICMPv6\tEcho \(ping\) reply/);
  has("r:eth1", /ICMP\tEcho \(ping\) request .*ttl=63/);
  has("srv:eth0", /ICMP\tEcho \(ping\) reply/);
  has("r:eth0", /ICMPv6\tPacket Too Big/);
  has("r:eth0", /ICMPv6\tTime Exceeded/);
  has("r:eth1", /TCP\t/);
  has("r:eth0", /TCP\t/);
});
