/**
 * UDP over IPv6: the tests of udp.test.ts again where they carry over (IPv6 has no broadcast;
 * multicast goes with MLD), plus what only IPv6 and dual-stack sockets have.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Network } from "../../src/devices/network.js";
import { SECOND } from "../../src/sim/time.js";
import { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN, type UdpMessage } from "../../src/transport/udp.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const ip = (s: string) => Ipv6Address.parse(s);

/** Three dual-stack hosts on a switch: 2001:db8::1-3 and 10.0.0.1-3, past DAD. */
function lan() {
  const net = new Network({ seed: 5 });
  net.addSwitch("s1");
  for (const i of [1, 2, 3]) {
    net.addHost(`h${i}`).addAddress("eth0", `2001:db8::${i}/64`).addAddress("eth0", `10.0.0.${i}/24`);
    net.connect(`h${i}:eth0`, `s1:eth${i}`, { delay: "100us" });
  }
  net.runFor(3 * SECOND);
  return { net, h1: net.host("h1"), h2: net.host("h2"), h3: net.host("h3") };
}

test("send and receive over IPv6: an echo exchange, with addresses, ports and counters", () => {
  const { net, h1, h2 } = lan();
  const server = h2.udp.createSocket();
  assert.equal(server.bind(7), undefined);
  server.onMessage = (m) => server.sendTo(m.data, m.port, m.address);
  const client = h1.udp.createSocket();
  const got: UdpMessage[] = [];
  client.onMessage = (m) => got.push(m);
  assert.equal(client.sendTo(text("hello"), 7, ip("2001:db8::2")), undefined);
  assert.ok(client.localPort >= EPHEMERAL_PORT_MIN && client.localPort <= EPHEMERAL_PORT_MAX);
  net.runFor(SECOND);
  assert.equal(got.length, 1);
  assert.equal(decode(got[0].data), "hello");
  assert.equal(got[0].address.toString(), "2001:db8::2");
  assert.equal(got[0].localAddress.toString(), "2001:db8::1");
  assert.equal(got[0].port, 7);
  assert.equal(h2.udp.counters.inDatagrams, 1);
  assert.equal(h1.udp.counters.inDatagrams, 1);
});

test("a connected socket gets ECONNREFUSED from ICMPv6 port unreachable; unconnected ones are not told", () => {
  const { net, h1, h2 } = lan();
  const socket = h1.udp.createSocket();
  const errors: string[] = [];
  socket.onError = (errno) => errors.push(errno);
  assert.equal(socket.connect(ip("2001:db8::2"), 9999), undefined);
  socket.send(text("anyone?"));
  net.runFor(SECOND);
  assert.deepEqual(errors, ["ECONNREFUSED"]);
  assert.equal(h2.udp.counters.noPorts, 1);
  assert.equal(h2.ipv6.icmp.counters.sent(1), 1);
  assert.equal(h1.ipv6.icmp.counters.received(1), 1);
  const loose = h1.udp.createSocket();
  loose.onError = (errno) => errors.push(`loose ${errno}`);
  loose.sendTo(text("x"), 9999, ip("2001:db8::2"));
  net.runFor(SECOND);
  assert.deepEqual(errors, ["ECONNREFUSED"]);
});

test("port unreachable over IPv6 is rate limited: a burst of 6, then one per second", () => {
  const { net, h1, h2 } = lan();
  const socket = h1.udp.createSocket();
  socket.bind();
  socket.sendTo(text("warm"), 1, ip("2001:db8::2"));
  net.runFor(2 * SECOND);
  const before = h2.ipv6.icmp.counters.sent(1);
  for (let i = 0; i < 20; i++) socket.sendTo(text("x"), 4000 + i, ip("2001:db8::2"));
  net.runFor(SECOND / 2);
  assert.equal(h2.ipv6.icmp.counters.sent(1) - before, 6);
  assert.equal(h2.ipv6.icmp.counters.outRateLimited, 14);
  net.runFor(SECOND);
  socket.sendTo(text("x"), 5000, ip("2001:db8::2"));
  net.runFor(SECOND);
  assert.equal(h2.ipv6.icmp.counters.sent(1) - before, 7);
});

test("bind over IPv6: EADDRINUSE, wildcard vs specific, EADDRNOTAVAIL, v6-only and v4-only sockets side by side", () => {
  const { h1 } = lan();
  const a = h1.udp.createSocket();
  assert.equal(a.bind(53), undefined);
  assert.equal(h1.udp.createSocket().bind(53, ip("2001:db8::1")), "EADDRINUSE");
  assert.equal(h1.udp.createSocket().bind(54, ip("2001:db8::99")), "EADDRNOTAVAIL");
  a.close();
  // An AF_INET socket and an IPV6_V6ONLY socket on the same port do not collide.
  const v4 = h1.udp.createSocket({ family: 4 });
  const v6 = h1.udp.createSocket({ family: 6 });
  assert.equal(v4.bind(53), undefined);
  assert.equal(v6.bind(53), undefined);
  // A dual-stack wildcard collides with both.
  assert.equal(h1.udp.createSocket().bind(53), "EADDRINUSE");
  assert.equal(v4.bind(0, ip("2001:db8::1")), "EINVAL");
  assert.equal(h1.udp.createSocket({ family: 4 }).bind(60, ip("2001:db8::1")), "EAFNOSUPPORT");
});

test("a dual-stack socket takes both families; a v4-only and a v6-only one each take theirs", () => {
  const { net, h1, h2 } = lan();
  const got: string[] = [];
  const dual = h2.udp.createSocket();
  dual.bind(7);
  dual.onMessage = (m) => got.push(`dual ${m.address}`);
  const v4 = h2.udp.createSocket({ family: 4 });
  v4.bind(8);
  v4.onMessage = (m) => got.push(`v4 ${m.address}`);
  const v6 = h2.udp.createSocket({ family: 6 });
  v6.bind(8, ip("2001:db8::2"));
  v6.onMessage = (m) => got.push(`v6 ${m.address}`);
  const c = h1.udp.createSocket();
  c.sendTo(text("a"), 7, ip("2001:db8::2"));
  c.sendTo(text("b"), 7, Ipv4Address.parse("10.0.0.2"));
  c.sendTo(text("c"), 8, ip("2001:db8::2"));
  c.sendTo(text("d"), 8, Ipv4Address.parse("10.0.0.2"));
  net.runFor(2 * SECOND);
  assert.deepEqual(got.sort(), ["dual 10.0.0.1", "dual 2001:db8::1", "v4 10.0.0.1", "v6 2001:db8::1"]);
});

test("over IPv6 a zero checksum is refused (RFC 8200 §8.1) and a corrupt one counted", () => {
  const { h2 } = lan();
  const server = h2.udp.createSocket();
  server.bind(7);
  const got: UdpMessage[] = [];
  server.onMessage = (m) => got.push(m);
  const base = {
    src: ip("2001:db8::1"),
    dst: ip("2001:db8::2"),
    protocol: 17,
    ttl: 64,
    tos: 0,
    iface: "eth0",
    broadcast: false,
  };
  h2.udp.receive({ ...base, payload: Uint8Array.of(0x30, 0x39, 0, 7, 0, 10, 0, 0, 0x41, 0x42) });
  h2.udp.receive({ ...base, payload: Uint8Array.of(0x30, 0x39, 0, 7, 0, 10, 0x12, 0x34, 0x41, 0x42) });
  assert.equal(got.length, 0);
  assert.equal(h2.udp.counters.drops.get("zero-checksum"), 1);
  assert.equal(h2.udp.counters.inCsumErrors, 1);
});

test("send errors over IPv6: no route, message too big (65,527 is the most), bad port", () => {
  const { h1 } = lan();
  const s = h1.udp.createSocket();
  assert.equal(s.sendTo(text("x"), 1, ip("2001:db8:99::1")), "ENETUNREACH");
  assert.equal(s.sendTo(new Uint8Array(65528), 1, ip("2001:db8::2")), "EMSGSIZE");
  assert.equal(s.sendTo(text("x"), 0, ip("2001:db8::2")), "EINVAL");
  const v4only = h1.udp.createSocket({ family: 4 });
  assert.equal(v4only.sendTo(text("x"), 1, ip("2001:db8::2")), "EAFNOSUPPORT");
});

test("a large datagram is fragmented by the source (Fragment headers) and reassembled on arrival", () => {
  const { net, h1, h2 } = lan();
  const server = h2.udp.createSocket();
  server.bind(9);
  const got: Uint8Array[] = [];
  server.onMessage = (m) => got.push(m.data);
  const data = new Uint8Array(65527).map((_, i) => (i * 7) & 0xff);
  // Resolve the neighbour first: its queue holds only 3 packets while solicitation is pending.
  h1.udp.createSocket().sendTo(new Uint8Array(1), 1, ip("2001:db8::2"));
  net.runFor(SECOND);
  h1.udp.createSocket().sendTo(data, 9, ip("2001:db8::2"));
  net.runFor(2 * SECOND);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], data);
  // 65535 octets of payload in pieces of 1448 (1500 − 40 − 8, rounded down to 8).
  assert.equal(h1.ipv6.counters.fragCreates, Math.ceil(65535 / 1448));
  assert.equal(h2.ipv6.counters.reasmOKs, 1);
});

test("datagrams to our own IPv6 address and to ::1 go round the loopback", () => {
  const { net, h1 } = lan();
  const a = h1.udp.createSocket();
  a.bind(100);
  const got: string[] = [];
  a.onMessage = (m) => got.push(`${decode(m.data)} from ${m.address}:${m.port} on ${m.iface}`);
  const b = h1.udp.createSocket();
  b.bind(101);
  b.sendTo(text("self"), 100, ip("2001:db8::1"));
  b.sendTo(text("lo"), 100, Ipv6Address.LOOPBACK);
  net.runFor(1);
  assert.deepEqual(got, ["self from 2001:db8::1:101 on lo", "lo from ::1:101 on lo"]);
});

test("IPv6 multicast: members receive (hop limit 1 by default), others do not; leaving stops it", () => {
  const { net, h1, h2, h3 } = lan();
  const got: string[] = [];
  const hops: number[] = [];
  const group = ip("ff02::1:2");
  for (const h of [h2, h3]) {
    const s = h.udp.createSocket();
    s.bind(547);
    s.onMessage = (m) => {
      got.push(h.name);
      hops.push(m.ttl);
    };
    if (h === h2) assert.equal(s.addMembership(group), undefined);
  }
  const sender = h1.udp.createSocket();
  assert.equal(sender.sendTo(text("solicit"), 547, group), undefined);
  net.runFor(SECOND);
  assert.deepEqual(got, ["h2"]);
  assert.deepEqual(hops, [1]);
  assert.equal(h3.ipv6.counters.drops.get("multicast-not-joined") > 0, true);
  const member = h2.udp.socketsOn(547)[0];
  assert.equal(member.dropMembership(group), undefined);
  sender.sendTo(text("solicit"), 547, group);
  net.runFor(SECOND);
  assert.deepEqual(got, ["h2"]);
  assert.equal(member.addMembership(ip("2001:db8::1")), "EINVAL");
});
