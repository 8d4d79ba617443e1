/**
 * TCP over the real stack: hosts and routers with Ethernet, ARP or NDP, IPv4 or IPv6 forwarding,
 * ICMP or ICMPv6 and links with serialization and impairments (src/devices), instead of the fake
 * network. Every test runs over both IP versions, with the same guarantees.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node } from "../../../src/devices/node.js";
import { Scheduler } from "../../../src/sim/scheduler.js";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import { TcpLayer } from "../../../src/transport/tcp/tcp-layer.js";
import { FakeNetwork } from "../../../src/transport/tcp/testing.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../../src/wire/address/ipv6.js";
import { routerChain } from "../../devices/support.js";
import { pattern, sha256 } from "./support.js";

const SECOND = 1e9;

function tcpOn(node: Node, family: 4 | 6): TcpLayer {
  return new TcpLayer(family === 4 ? node.ipv4 : node.ip, node.scheduler, {
    tracer: node.tracer,
    node: node.name,
  });
}

/** Sends `size` bytes from h1 to h2 across three routers; returns what h2 received and the stats. */
function chainTransfer(
  size: number,
  options: { mtu23?: number; loss?: number; seed?: number; family: 4 | 6 },
) {
  const { family, ...chain } = options;
  const { net, h1, h2 } = routerChain({ seed: options.seed ?? 1, ...chain, ipv6: family === 6 });
  const client = tcpOn(h1, family);
  const server = tcpOn(h2, family);
  const data = pattern(size, 3);
  const received: Uint8Array[] = [];
  let ended = false;
  let serverConnection: TcpConnection | undefined;
  server.listen(5001, (c) => {
    serverConnection = c;
    c.onData = (d) => received.push(d);
    c.onEnd = () => {
      ended = true;
      c.close();
    };
  });
  const remote = family === 4 ? Ipv4Address.parse("10.0.2.10") : Ipv6Address.parse("2001:db8:2::10");
  const connection = client.connect({ remote, port: 5001 });
  let offset = 0;
  const pump = () => {
    while (offset < data.length) {
      const n = connection.write(data.subarray(offset, offset + 65536));
      if (n === 0) return;
      offset += n;
    }
    connection.shutdown();
  };
  connection.onConnect = pump;
  connection.onWritable = pump;
  const errors: string[] = [];
  connection.onError = (e) => errors.push(e.code);
  const deadline = net.scheduler.now + 600 * SECOND;
  net.scheduler.runWhile(() => !ended && errors.length === 0, deadline);
  net.runFor(SECOND);
  return { data, received, ended, errors, connection, serverConnection, client, server, net, h1 };
}

for (const family of [4, 6] as const) {
  const ip = `IPv${family}`;
  // MSS: 1500 − IP header (20 or 40) − TCP header (20) − timestamps (12).
  const header = family === 4 ? 20 : 40;

  test(`${ip}: 1 MiB across three routers at 100 Mbit/s arrives intact`, () => {
    const r = chainTransfer(1 << 20, { family });
    assert.deepEqual(r.errors, []);
    assert.ok(r.ended);
    assert.equal(sha256(r.received), sha256(r.data));
    assert.equal(r.connection.stats().retransmissions, 0);
    assert.equal(r.connection.state, "TIME-WAIT");
    assert.equal(r.serverConnection?.state, "CLOSED");
    assert.equal(r.connection.stats().mss, 1500 - header - 20 - 12);
  });

  // The narrow link: 576 octets for IPv4; IPv6 cannot go below 1280 (RFC 8200 §5).
  test(`${ip}: a narrow link on the path: fragmentation needed / Packet Too Big lowers the MSS (RFC 1191, RFC 8201) and the data gets through`, () => {
    const mtu23 = family === 4 ? 576 : 1280;
    const r = chainTransfer(256 * 1024, { mtu23, family });
    assert.deepEqual(r.errors, []);
    assert.ok(r.ended);
    assert.equal(sha256(r.received), sha256(r.data));
    assert.equal(r.connection.stats().mss, mtu23 - header - 20 - 12);
    assert.ok(r.client.counters.TCPPmtuReductions >= 1);
  });

  test(`${ip}: 5% loss on a router link: SACK recovery delivers every byte`, () => {
    const r = chainTransfer(1 << 20, { loss: 0.05, seed: 4, family });
    assert.deepEqual(r.errors, []);
    assert.ok(r.ended);
    assert.equal(sha256(r.received), sha256(r.data));
    assert.ok(r.connection.stats().retransmissions > 0);
  });
}

test("TCP over IPv6 (fake network): 40-byte IP header in the MSS, IPv6 pseudo-header checksums", () => {
  const scheduler = new Scheduler({ seed: 5 });
  const network = new FakeNetwork(scheduler);
  network.setDefaults({ delay: 1e6, rate: 100e6, loss: 0.01 });
  const a = network.host(Ipv6Address.parse("2001:db8::1"));
  const b = network.host(Ipv6Address.parse("2001:db8::2"));
  const tcpA = new TcpLayer(a, scheduler);
  const tcpB = new TcpLayer(b, scheduler);
  const received: Uint8Array[] = [];
  let ended = false;
  tcpB.listen(443, (c) => {
    c.onData = (d) => received.push(d);
    c.onEnd = () => {
      ended = true;
      c.close();
    };
  });
  const data = pattern(300_000, 9);
  const client = tcpA.connect({ remote: b.address, port: 443 });
  let offset = 0;
  const pump = () => {
    while (offset < data.length) {
      const n = client.write(data.subarray(offset));
      if (n === 0) return;
      offset += n;
    }
    client.shutdown();
  };
  client.onConnect = pump;
  client.onWritable = pump;
  scheduler.runFor(60 * SECOND);
  assert.ok(ended);
  assert.equal(sha256(received), sha256(data));
  assert.equal(client.stats().mss, 1500 - 40 - 20 - 12);
  assert.equal(client.stats().remote, "[2001:db8::2]:443");
  assert.equal(tcpB.counters.InCsumErrors, 0);
});
