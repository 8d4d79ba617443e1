import assert from "node:assert/strict";
import { test } from "node:test";
import { formatRtt, icmpErrorText, ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import { MILLISECOND, SECOND } from "../../src/sim/time.js";
import { routerChain } from "../devices/support.js";

test("RTTs print like iputils: three significant digits", () => {
  assert.equal(formatRtt(0.0421), "0.042");
  assert.equal(formatRtt(1.2345), "1.23");
  assert.equal(formatRtt(20.34), "20.3");
  assert.equal(formatRtt(123.4), "123");
});

test("ICMP error texts are iputils'", () => {
  assert.equal(icmpErrorText(3, 1), "Destination Host Unreachable");
  assert.equal(icmpErrorText(3, 3), "Destination Port Unreachable");
  assert.equal(icmpErrorText(3, 4, 1400), "Frag needed and DF set (mtu = 1400)");
  assert.equal(icmpErrorText(11, 0), "Time to live exceeded");
  assert.equal(icmpErrorText(11, 1), "Frag reassembly time exceeded");
});

test("the payload carries a timeval and iputils' pattern; -s sizes the data", async () => {
  const { net, h1, h2 } = routerChain();
  const seen: Uint8Array[] = [];
  net.tracer.subscribe((e) => {
    if (e.type === "frame-received" && e.node === "h2" && e.frame[23] === 1 && e.frame[34] === 8)
      seen.push(e.frame);
  });
  const run = ping(h1, "10.0.2.10", { count: 1, size: 100 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.output[0], "PING 10.0.2.10 (10.0.2.10) 100(128) bytes of data.");
  assert.match(result.output[1], /^108 bytes from 10\.0\.2\.10: icmp_seq=1 ttl=61 time=/);
  const data = seen[0].subarray(42);
  assert.equal(data.length, 100);
  assert.deepEqual([...data.subarray(16, 20)], [16, 17, 18, 19]);
  assert.equal(result.time, 0);
  assert.ok(h2.ipv4.icmp.counters.sent(0) === 1);
});

test("lost replies wait for -W, then the summary; stop() ends early like Ctrl-C", async () => {
  const { net, h1 } = routerChain();
  net.links[3].setUp(false); // r3 — h2 is down: requests vanish
  const run = ping(h1, "10.0.2.10", { count: 2, timeout: 2 * SECOND });
  const start = net.scheduler.now;
  net.runUntilDone(run);
  const result = await run.result;
  // Two requests (1 s apart), then 2 s of waiting: ARP on r3 fails meanwhile (host unreachable).
  assert.ok(net.scheduler.now - start <= 3 * SECOND + MILLISECOND);
  assert.equal(result.received, 0);
  assert.match(
    result.output.at(-1)!,
    /^2 packets transmitted, 0 received, (\+\d errors, )?100% packet loss, time 1000ms$/,
  );

  const endless = ping(h1, "10.0.1.1", { count: 1000 });
  net.runFor(3.5 * SECOND);
  endless.stop();
  const stopped = await endless.result;
  assert.equal(stopped.transmitted, 4);
  assert.equal(stopped.received, 4);
  assert.equal(stopped.output.at(-2), "4 packets transmitted, 4 received, 0% packet loss, time 3000ms");
});

test("no route at all: ping says Network is unreachable and stops", async () => {
  const { net, h1 } = routerChain();
  h1.removeRoute("0.0.0.0/0");
  const run = ping(h1, "192.0.2.1");
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.fatal, "connect: Network is unreachable");
  assert.deepEqual(result.output.slice(1), ["ping: connect: Network is unreachable"]);
});

test("quiet mode prints only the header and the summary; waitFor drives async code", async () => {
  const { net, h1 } = routerChain();
  const run = ping(h1, "10.0.2.10", { count: 3, quiet: true });
  const result = await net.waitFor(run.result);
  assert.equal(result.output.length, 5);
  assert.equal(result.received, 3);
  assert.ok(result.rtt && result.rtt.min <= result.rtt.avg && result.rtt.avg <= result.rtt.max);
});

test("a long run: 200 000 replies at -i 0.001 give min/avg/max/mdev over all of them (no stack overflow)", async () => {
  const net = new Network({ seed: 7 });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  // Jitter makes every RTT different, so min and max are the extremes of many distinct values.
  net.connect("h1:eth0", "h2:eth0", { rate: "1Gbit", delay: "1ms", jitter: "400us" });
  h1.addAddress("eth0", "10.0.0.1/24");
  h2.addAddress("eth0", "10.0.0.2/24");
  const count = 200_000;
  const run = ping(h1, "10.0.0.2", { count, interval: MILLISECOND, quiet: true });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.transmitted, count);
  assert.equal(result.received, count);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let sum2 = 0;
  for (const reply of result.replies) {
    if (reply.duplicate) continue;
    min = Math.min(min, reply.rtt);
    max = Math.max(max, reply.rtt);
    sum += reply.rtt;
    sum2 += reply.rtt * reply.rtt;
  }
  const avg = sum / count;
  const rtt = result.rtt!;
  assert.equal(rtt.min, min);
  assert.equal(rtt.max, max);
  assert.ok(Math.abs(rtt.avg - avg) < 1e-9);
  assert.ok(Math.abs(rtt.mdev - Math.sqrt(sum2 / count - avg * avg)) < 1e-9);
  assert.ok(max - min > 0.5, `jitter spreads the RTTs: ${min}..${max}`);
  assert.ok(rtt.mdev > 0.1 && rtt.mdev < 0.5, `mdev ${rtt.mdev}`);
  assert.match(result.output.at(-1)!, /^rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/);
  // Requests a whole 16-bit sequence space behind are forgotten: the bookkeeping stays bounded.
  const books = run as unknown as { sentAt: Map<number, number>; answered: Set<number> };
  assert.ok(books.sentAt.size <= 0x10000 && books.answered.size <= 0x10000, `${books.sentAt.size}`);
});
