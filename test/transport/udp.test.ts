import assert from "node:assert/strict";
import { test } from "node:test";
import { Network } from "../../src/devices/network.js";
import { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN, type UdpMessage } from "../../src/transport/udp.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const ip = (s: string) => Ipv4Address.parse(s);

/** Resolves ARP between h1 and h2 first (the ARP queue holds only 3 packets per neighbour). */
function warm(net: Network, from: ReturnType<Network["host"]>, to: string) {
  from.udp.createSocket().sendTo(new Uint8Array(1), 1, Ipv4Address.parse(to));
  net.runFor(2e9);
}

function lan() {
  const net = new Network({ seed: 5 });
  net.addSwitch("s1");
  for (const i of [1, 2, 3]) {
    net.addHost(`h${i}`).addAddress("eth0", `10.0.0.${i}/24`);
    net.connect(`h${i}:eth0`, `s1:eth${i}`, { delay: "100us" });
  }
  return { net, h1: net.host("h1"), h2: net.host("h2"), h3: net.host("h3") };
}

test("send and receive: an echo exchange, with addresses, ports and counters", () => {
  const { net, h1, h2 } = lan();
  const server = h2.udp.createSocket();
  assert.equal(server.bind(7), undefined);
  server.onMessage = (m) => server.sendTo(m.data, m.port, m.address);
  const client = h1.udp.createSocket();
  const got: UdpMessage[] = [];
  client.onMessage = (m) => got.push(m);
  assert.equal(client.sendTo(text("hello"), 7, ip("10.0.0.2")), undefined);
  assert.ok(client.localPort >= EPHEMERAL_PORT_MIN && client.localPort <= EPHEMERAL_PORT_MAX);
  net.runFor(1e9);
  assert.equal(got.length, 1);
  assert.equal(decode(got[0].data), "hello");
  assert.equal(got[0].address.toString(), "10.0.0.2");
  assert.equal(got[0].port, 7);
  assert.equal(got[0].localPort, client.localPort);
  assert.equal(h2.udp.counters.inDatagrams, 1);
  assert.equal(h2.udp.counters.outDatagrams, 1);
  assert.equal(h1.udp.counters.inDatagrams, 1);
});

test("a connected socket gets ECONNREFUSED when the peer answers port unreachable", () => {
  const { net, h1, h2 } = lan();
  const socket = h1.udp.createSocket();
  const errors: string[] = [];
  socket.onError = (errno) => errors.push(errno);
  assert.equal(socket.connect(ip("10.0.0.2"), 9999), undefined);
  socket.send(text("anyone?"));
  net.runFor(1e9);
  assert.deepEqual(errors, ["ECONNREFUSED"]);
  assert.equal(socket.takeError(), "ECONNREFUSED");
  assert.equal(h2.udp.counters.noPorts, 1);
  assert.equal(h2.ipv4.icmp.counters.sent(3), 1);
  assert.equal(h1.ipv4.icmp.counters.received(3), 1);
  // An unconnected socket is not told (Linux behaviour), but the error is still counted.
  const loose = h1.udp.createSocket();
  loose.onError = (errno) => errors.push(`loose ${errno}`);
  loose.sendTo(text("x"), 9999, ip("10.0.0.2"));
  net.runFor(1e9);
  assert.deepEqual(errors, ["ECONNREFUSED"]);
});

test("port unreachable is rate limited: a burst of 6, then one per second", () => {
  const { net, h1, h2 } = lan();
  net.runFor(10e9);
  h1.addStaticArp("eth0", "10.0.0.2", "02:00:00:00:00:02");
  const socket = h1.udp.createSocket();
  socket.bind();
  for (let i = 0; i < 20; i++) socket.sendTo(text("x"), 4000 + i, ip("10.0.0.2"));
  net.runFor(0.5e9);
  assert.equal(h2.udp.counters.noPorts, 20);
  assert.equal(h2.ipv4.icmp.counters.sent(3), 6);
  assert.equal(h2.ipv4.icmp.counters.outRateLimited, 14);
  net.runFor(1e9);
  socket.sendTo(text("x"), 5000, ip("10.0.0.2"));
  net.runFor(1e9);
  assert.equal(h2.ipv4.icmp.counters.sent(3), 7);
});

test("broadcast needs SO_BROADCAST, then reaches every host listening on the port", () => {
  const { net, h1, h2, h3 } = lan();
  const received: string[] = [];
  for (const h of [h2, h3]) {
    const s = h.udp.createSocket({ reuseAddress: true });
    s.bind(6000);
    s.onMessage = (m) => received.push(`${h.name} ${decode(m.data)} broadcast=${m.broadcast}`);
  }
  // A socket bound to a unicast address does not see broadcasts.
  const bound = h3.udp.createSocket({ reuseAddress: true });
  assert.equal(bound.bind(6000, ip("10.0.0.3")), undefined);
  assert.equal(bound.bind(6000), "EINVAL");
  bound.onMessage = () => received.push("bound saw it");
  const sender = h1.udp.createSocket();
  assert.equal(sender.sendTo(text("hi all"), 6000, ip("10.0.0.255")), "EACCES");
  sender.broadcast = true;
  assert.equal(sender.sendTo(text("hi all"), 6000, ip("10.0.0.255")), undefined);
  assert.equal(sender.sendTo(text("limited"), 6000, ip("255.255.255.255")), undefined);
  net.runFor(1e9);
  assert.deepEqual(received.sort(), [
    "h2 hi all broadcast=true",
    "h2 limited broadcast=true",
    "h3 hi all broadcast=true",
    "h3 limited broadcast=true",
  ]);
  // No port unreachable for broadcasts (RFC 1122 §4.1.3.1).
  assert.equal(h1.ipv4.icmp.counters.received(3), 0);
});

test("bind: EADDRINUSE, wildcard vs specific, reuseAddress, EADDRNOTAVAIL, ephemeral ports", () => {
  const { h1 } = lan();
  const a = h1.udp.createSocket();
  assert.equal(a.bind(53), undefined);
  assert.equal(h1.udp.createSocket().bind(53), "EADDRINUSE");
  assert.equal(h1.udp.createSocket().bind(53, ip("10.0.0.1")), "EADDRINUSE");
  assert.equal(h1.udp.createSocket().bind(54, ip("10.9.9.9")), "EADDRNOTAVAIL");
  const r1 = h1.udp.createSocket({ reuseAddress: true });
  const r2 = h1.udp.createSocket({ reuseAddress: true });
  assert.equal(r1.bind(67), undefined);
  assert.equal(r2.bind(67), undefined);
  a.close();
  assert.equal(h1.udp.createSocket().bind(53), undefined);
  const ports = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const s = h1.udp.createSocket();
    s.bind(0);
    ports.add(s.localPort);
  }
  assert.equal(ports.size, 50);
});

test("bad checksums and malformed datagrams are counted, never delivered", () => {
  const { net, h1, h2 } = lan();
  const server = h2.udp.createSocket();
  server.bind(7);
  const got: UdpMessage[] = [];
  server.onMessage = (m) => got.push(m);
  const base = {
    src: ip("10.0.0.1"),
    dst: ip("10.0.0.2"),
    protocol: 17,
    ttl: 64,
    tos: 0,
    iface: "eth0",
    broadcast: false,
  };
  // A good datagram with a zero checksum (none sent) is accepted over IPv4 (RFC 768).
  h2.udp.receive({ ...base, payload: Uint8Array.of(0x30, 0x39, 0, 7, 0, 10, 0, 0, 0x41, 0x42) });
  // The same with a wrong checksum.
  h2.udp.receive({ ...base, payload: Uint8Array.of(0x30, 0x39, 0, 7, 0, 10, 0x12, 0x34, 0x41, 0x42) });
  // Length field beyond the data, and below the header.
  h2.udp.receive({ ...base, payload: Uint8Array.of(0x30, 0x39, 0, 7, 0, 99, 0, 0) });
  h2.udp.receive({ ...base, payload: Uint8Array.of(0x30, 0x39, 0, 7, 0, 4, 0, 0) });
  h2.udp.receive({ ...base, payload: Uint8Array.of(1, 2, 3) });
  assert.equal(got.length, 1);
  assert.equal(decode(got[0].data), "AB");
  assert.equal(h2.udp.counters.inCsumErrors, 1);
  assert.equal(h2.udp.counters.inErrors, 4);
  // A datagram corrupted on the wire is caught by the checksum.
  const s = h1.udp.createSocket();
  s.sendTo(text("intact"), 7, ip("10.0.0.2"));
  net.runFor(1e9);
  assert.equal(got.length, 2);
});

test("without a handler datagrams queue up to the receive buffer; beyond it RcvbufErrors", () => {
  const { net, h1, h2 } = lan();
  const server = h2.udp.createSocket({ receiveBufferSize: 1000 });
  server.bind(9);
  warm(net, h1, "10.0.0.2");
  const client = h1.udp.createSocket();
  for (let i = 0; i < 5; i++) client.sendTo(new Uint8Array(300), 9, ip("10.0.0.2"));
  net.runFor(1e9);
  assert.equal(server.queued, 3);
  assert.equal(h2.udp.counters.rcvbufErrors, 2);
  assert.equal(server.receive()?.data.length, 300);
  assert.equal(server.queued, 2);
});

test("send errors: no route, message too big, bad port", () => {
  const { h1 } = lan();
  const s = h1.udp.createSocket();
  assert.equal(s.sendTo(text("x"), 1, ip("192.0.2.1")), "ENETUNREACH");
  assert.equal(s.sendTo(new Uint8Array(65508), 1, ip("10.0.0.2")), "EMSGSIZE");
  assert.equal(s.sendTo(text("x"), 0, ip("10.0.0.2")), "EINVAL");
  assert.equal(s.send(text("x")), "EDESTADDRREQ");
  s.close();
  assert.equal(s.sendTo(text("x"), 1, ip("10.0.0.2")), "EBADF");
});

test("a large datagram is fragmented on the way out and reassembled on arrival", () => {
  const { net, h1, h2 } = lan();
  const server = h2.udp.createSocket();
  server.bind(9);
  const got: Uint8Array[] = [];
  server.onMessage = (m) => got.push(m.data);
  const data = new Uint8Array(5000).map((_, i) => i & 0xff);
  warm(net, h1, "10.0.0.2");
  h1.udp.createSocket().sendTo(data, 9, ip("10.0.0.2"));
  net.runFor(1e9);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], data);
  assert.equal(h1.ipv4.counters.fragCreates, 4);
  assert.equal(h2.ipv4.counters.reasmOKs, 1);
});

test("a datagram to one of our own addresses goes round the loopback", () => {
  const { net, h1 } = lan();
  const a = h1.udp.createSocket();
  a.bind(100);
  const got: string[] = [];
  a.onMessage = (m) => got.push(`${decode(m.data)} from ${m.address}:${m.port} on ${m.iface}`);
  const b = h1.udp.createSocket();
  b.bind(101);
  b.sendTo(text("self"), 100, ip("10.0.0.1"));
  b.sendTo(text("lo"), 100, ip("127.0.0.1"));
  net.runFor(1);
  assert.deepEqual(got, ["self from 10.0.0.1:101 on lo", "lo from 127.0.0.1:101 on lo"]);
});

test("multicast: members receive (with TTL 1 by default), others do not; leaving stops it", () => {
  const { net, h1, h2, h3 } = lan();
  const got: string[] = [];
  const ttls: number[] = [];
  for (const h of [h2, h3]) {
    const s = h.udp.createSocket();
    s.bind(520);
    s.onMessage = (m) => {
      got.push(h.name);
      ttls.push(m.ttl);
    };
    if (h === h2) assert.equal(s.addMembership(ip("224.0.0.9")), undefined);
  }
  h1.addRoute("224.0.0.0/4", undefined, { iface: "eth0" });
  const sender = h1.udp.createSocket();
  assert.equal(sender.sendTo(text("RIP"), 520, ip("224.0.0.9")), undefined);
  net.runFor(1e9);
  assert.deepEqual(got, ["h2"]);
  assert.deepEqual(ttls, [1]);
  assert.equal(h3.ipv4.counters.drops.get("multicast-not-joined"), 1);
  const member = h2.udp.socketsOn(520)[0];
  assert.equal(member.dropMembership(ip("224.0.0.9")), undefined);
  sender.sendTo(text("RIP"), 520, ip("224.0.0.9"));
  net.runFor(1e9);
  assert.deepEqual(got, ["h2"]);
  assert.equal(member.addMembership(ip("10.0.0.1")), "EINVAL");
});
