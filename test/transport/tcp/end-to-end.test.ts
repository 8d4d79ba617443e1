/**
 * TCP over the real stack: hosts and routers with Ethernet, ARP, IPv4 forwarding, ICMP and links
 * with serialization and impairments (src/devices), instead of the fake network.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node } from "../../../src/devices/node.js";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import { TcpLayer } from "../../../src/transport/tcp/tcp-layer.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { routerChain } from "../../devices/support.js";
import { pattern, sha256 } from "./support.js";

const SECOND = 1e9;

function tcpOn(node: Node): TcpLayer {
  return new TcpLayer(node.ipv4, node.scheduler, { tracer: node.tracer, node: node.name });
}

/** Sends `size` bytes from h1 to h2 across three routers; returns what h2 received and the stats. */
function chainTransfer(size: number, options: { mtu23?: number; loss?: number; seed?: number }) {
  const { net, h1, h2 } = routerChain({ seed: options.seed ?? 1, ...options });
  const client = tcpOn(h1);
  const server = tcpOn(h2);
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
  const connection = client.connect({ remote: Ipv4Address.parse("10.0.2.10"), port: 5001 });
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

test("1 MiB across three routers at 100 Mbit/s arrives intact", () => {
  const r = chainTransfer(1 << 20, {});
  assert.deepEqual(r.errors, []);
  assert.ok(r.ended);
  assert.equal(sha256(r.received), sha256(r.data));
  assert.equal(r.connection.stats().retransmissions, 0);
  assert.equal(r.connection.state, "TIME-WAIT");
  assert.equal(r.serverConnection?.state, "CLOSED");
  assert.equal(r.connection.stats().mss, 1448);
});

test("a 576-byte link on the path: ICMP fragmentation-needed lowers the MSS (RFC 1191) and the data gets through", () => {
  const r = chainTransfer(256 * 1024, { mtu23: 576 });
  assert.deepEqual(r.errors, []);
  assert.ok(r.ended);
  assert.equal(sha256(r.received), sha256(r.data));
  assert.equal(r.connection.stats().mss, 576 - 40 - 12);
  assert.ok(r.client.counters.TCPPmtuReductions >= 1);
});

test("5% loss on a router link: SACK recovery delivers every byte", () => {
  const r = chainTransfer(1 << 20, { loss: 0.05, seed: 4 });
  assert.deepEqual(r.errors, []);
  assert.ok(r.ended);
  assert.equal(sha256(r.received), sha256(r.data));
  assert.ok(r.connection.stats().retransmissions > 0);
});
