import assert from "node:assert/strict";
import { test } from "node:test";
import { traceroute } from "../../src/apps/traceroute.js";
import { routerChain } from "../devices/support.js";

test("a router that sends no Time Exceeded shows as * * *; the trace goes on", async () => {
  const { net, h1, r2 } = routerChain();
  r2.ipv4.icmp.rateLimit = { ...r2.ipv4.icmp.rateLimit, perDestinationBurst: 0, perDestinationRate: 0 };
  const run = traceroute(h1, "10.0.2.10", { wait: 1e9 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.output[2], " 2  * * *");
  assert.equal(result.reached, true);
  assert.equal(result.hops.length, 4);
});

test("-m caps the hops; -q the probes per hop; -f the first TTL", async () => {
  const { net, h1 } = routerChain();
  const run = traceroute(h1, "10.0.2.10", { maxHops: 2, queries: 1, firstHop: 2, numeric: true });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.output[0], "traceroute to 10.0.2.10 (10.0.2.10), 2 hops max, 60 byte packets");
  assert.match(result.output[1], /^ 2 {2}10\.0\.12\.2 {2}[\d.]+ ms$/);
  assert.equal(result.output.length, 2);
  assert.equal(result.reached, false);
});

test("an unreachable host: the last router answers !H and the trace stops", async () => {
  const { net, h1 } = routerChain();
  const run = traceroute(h1, "10.0.2.99", { numeric: true });
  net.runUntilDone(run);
  const result = await run.result;
  const last = result.output.at(-1)!;
  assert.match(last, /^ 4 {2}10\.0\.23\.3 {2}[\d.]+ ms !H/);
  assert.equal(result.reached, false);
});

test("UDP probes go to ports 33434, 33435, ... with 32 octets of data", async () => {
  const { net, h1 } = routerChain();
  const ports: number[] = [];
  net.tracer.subscribe((e) => {
    if (e.type === "frame-sent" && e.node === "h1" && e.frame[23] === 17) {
      ports.push((e.frame[36] << 8) | e.frame[37]);
      assert.equal(e.frame.length, 14 + 60);
    }
  });
  const run = traceroute(h1, "10.0.2.10");
  net.runUntilDone(run);
  await run.result;
  assert.deepEqual(
    ports,
    Array.from({ length: 12 }, (_, i) => 33434 + i),
  );
});
