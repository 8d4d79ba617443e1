import assert from "node:assert/strict";
import { test } from "node:test";
import { ETHERNET_PHY_OVERHEAD, UnitError } from "../../src/link/impairments.js";
import { ethernetPayloadLength, Link } from "../../src/link/link.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { MICROSECOND, MILLISECOND, SECOND } from "../../src/sim/time.js";
import { type TraceEvent, Tracer } from "../../src/trace/events.js";
import { internetChecksum } from "../../src/wire/checksum.js";
import { frame, record, sequenceOf } from "./support.js";

test("serialization then propagation, exact in virtual time (1500 B at 10 Mbit/s = 1.2 ms)", () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, { name: "l", rate: "10mbit", delay: "5ms" });
  const arrivals = record(scheduler, link.b);
  assert.equal(link.a.transmit(frame(1500, 1)), true);
  assert.equal(link.a.transmit(frame(1500, 2)), true); // waits for the first to be serialized
  scheduler.run();
  assert.deepEqual(
    arrivals.map((a) => a.time),
    [1.2 * MILLISECOND + 5 * MILLISECOND, 2.4 * MILLISECOND + 5 * MILLISECOND],
  );
  assert.deepEqual(
    arrivals.map((a) => sequenceOf(a.frame)),
    [1, 2],
  );
  const counters = link.counters("a-to-b");
  assert.equal(counters.framesSent, 2);
  assert.equal(counters.bytesDelivered, 3000);
  assert.equal(counters.queueHighWater, 1);
});

test("the PHY overhead option charges preamble, SFD, FCS and inter-frame gap", () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, { name: "l", rate: 10e6, overhead: ETHERNET_PHY_OVERHEAD });
  const arrivals = record(scheduler, link.b);
  link.a.transmit(frame(1500));
  scheduler.run();
  assert.equal(arrivals[0].time, ((1500 + 24) * 8 * SECOND) / 10e6); // 1.2192 ms
});

test("an unimpaired frame costs exactly one scheduler event, delivered zero-copy", () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, { name: "l", delay: "1ms" });
  const arrivals = record(scheduler, link.b);
  const sent = [frame(100, 1), frame(100, 2), frame(100, 3)];
  for (const f of sent) link.a.transmit(f);
  assert.equal(scheduler.run(), 3);
  assert.deepEqual(
    arrivals.map((a) => a.frame),
    sent,
  );
  for (let i = 0; i < 3; i++) assert.equal(arrivals[i].frame, sent[i]); // the same buffers
  // No impairment is on, so the link never even created its random stream.
  assert.equal((link as unknown as { randomStream?: unknown }).randomStream, undefined);
});

test("drop-tail queue: frames beyond the limit are refused and counted", () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, { name: "l", rate: "1mbit", queueLimit: 2 });
  const arrivals = record(scheduler, link.b);
  const accepted = [1, 2, 3, 4, 5].map((n) => link.a.transmit(frame(100, n)));
  // The first goes onto the wire at once, two wait, two find the queue full.
  assert.deepEqual(accepted, [true, true, true, false, false]);
  let counters = link.counters("a-to-b");
  assert.equal(counters.drops["queue-full"], 2);
  assert.equal(counters.queueLength, 2);
  assert.equal(counters.queueHighWater, 2);
  scheduler.run();
  assert.deepEqual(
    arrivals.map((a) => sequenceOf(a.frame)),
    [1, 2, 3],
  );
  counters = link.counters("a-to-b");
  assert.equal(counters.queueLength, 0);
  assert.equal(counters.framesSent, 3);

  // A byte limit: 250 bytes hold two 100-byte frames, not a third.
  link.configure({ queueLimit: 1000, queueLimitBytes: 250 });
  const more = [6, 7, 8, 9].map((n) => link.a.transmit(frame(100, n)));
  assert.deepEqual(more, [true, true, true, false]);
  assert.equal(link.counters("a-to-b").queueHighWaterBytes, 200);
  // The other direction is untouched.
  assert.equal(link.counters("b-to-a").framesSent, 0);
});

test("random loss drops about the configured fraction", () => {
  const scheduler = new Scheduler({ seed: 42 });
  const link = new Link(scheduler, { name: "lossy", loss: "10%" });
  const arrivals = record(scheduler, link.b);
  const total = 20_000;
  for (let i = 0; i < total; i++) link.a.transmit(frame(64, i));
  scheduler.run();
  const lost = link.counters("a-to-b").drops.loss;
  assert.equal(arrivals.length + lost, total);
  assert.ok(lost > 0.09 * total && lost < 0.11 * total, `lost ${lost} of ${total}`);
  // Survivors stay in order.
  for (let i = 1; i < arrivals.length; i++) {
    assert.ok(sequenceOf(arrivals[i].frame) > sequenceOf(arrivals[i - 1].frame));
  }
});

/** Lengths of runs of consecutive lost frames. */
function lossBursts(total: number, delivered: number[]): number[] {
  const got = new Set(delivered);
  const bursts: number[] = [];
  let run = 0;
  for (let i = 0; i < total; i++) {
    if (got.has(i)) {
      if (run > 0) bursts.push(run);
      run = 0;
    } else run++;
  }
  if (run > 0) bursts.push(run);
  return bursts;
}

test("Gilbert-Elliott loss comes in bursts; Bernoulli loss of the same rate does not", () => {
  const total = 50_000;
  const run = (loss: Parameters<Link["configure"]>[0]["loss"]): number[] => {
    const scheduler = new Scheduler({ seed: 7 });
    const link = new Link(scheduler, { name: "radio", loss });
    const arrivals = record(scheduler, link.b);
    for (let i = 0; i < total; i++) link.a.transmit(frame(64, i));
    scheduler.run();
    return lossBursts(
      total,
      arrivals.map((a) => sequenceOf(a.frame)),
    );
  };
  // p = 1%, r = 20%: Bad 1/21 of the time, mean burst 5 frames, mean loss ≈ 4.8%.
  const ge = run("gemodel 1% 20% 100% 0%");
  const geLost = ge.reduce((s, b) => s + b, 0);
  assert.ok(geLost > 0.035 * total && geLost < 0.06 * total, `GE lost ${geLost}`);
  const geMeanBurst = geLost / ge.length;
  assert.ok(geMeanBurst > 4 && geMeanBurst < 6, `GE mean burst ${geMeanBurst}`);

  const bernoulli = run(geLost / total);
  const bLost = bernoulli.reduce((s, b) => s + b, 0);
  const bMeanBurst = bLost / bernoulli.length;
  assert.ok(bMeanBurst < 1.2, `Bernoulli mean burst ${bMeanBurst}`);
});

test("duplication delivers a separate copy right after the original", () => {
  const scheduler = new Scheduler({ seed: 3 });
  const link = new Link(scheduler, { name: "l", duplicate: "5%" });
  const arrivals = record(scheduler, link.b);
  const total = 10_000;
  const sent: Uint8Array[] = [];
  for (let i = 0; i < total; i++) {
    sent.push(frame(80, i));
    link.a.transmit(sent[i]);
  }
  scheduler.run();
  const { duplicated, framesDelivered } = link.counters("a-to-b");
  assert.equal(arrivals.length, total + duplicated);
  assert.equal(framesDelivered, total + duplicated);
  assert.ok(duplicated > 0.04 * total && duplicated < 0.06 * total, `duplicated ${duplicated}`);
  let pairs = 0;
  for (let i = 1; i < arrivals.length; i++) {
    const [x, y] = [arrivals[i - 1].frame, arrivals[i].frame];
    if (sequenceOf(x) === sequenceOf(y)) {
      pairs++;
      assert.notEqual(x, y, "the duplicate is its own buffer");
      assert.deepEqual(x, y);
      assert.equal(x, sent[sequenceOf(x)], "the original is the sender's buffer");
    }
  }
  assert.equal(pairs, duplicated);
});

test("reordering: reordered frames skip the delay and overtake those in flight", () => {
  const scheduler = new Scheduler({ seed: 5 });
  const link = new Link(scheduler, { name: "l", delay: "10ms", reorder: "25%" });
  const arrivals = record(scheduler, link.b);
  const total = 4000;
  for (let i = 0; i < total; i++) scheduler.at(i * MILLISECOND, () => link.a.transmit(frame(64, i)));
  scheduler.run();
  assert.equal(arrivals.length, total);
  const { reordered } = link.counters("a-to-b");
  assert.ok(reordered > 0.2 * total && reordered < 0.3 * total, `reordered ${reordered}`);
  let outOfOrder = 0;
  let highest = -1;
  for (const { frame: f, time } of arrivals) {
    const n = sequenceOf(f);
    if (n < highest) outOfOrder++;
    highest = Math.max(highest, n);
    // Either on time (10 ms) or early (0 ms): nothing in between, nothing late.
    assert.ok(time === n * MILLISECOND || time === n * MILLISECOND + 10 * MILLISECOND);
  }
  assert.ok(outOfOrder > 0.5 * reordered, `out of order ${outOfOrder}`);
});

test("reordering with a gap: with 100% and gap 5, exactly every fifth frame goes ahead", () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, { name: "l", delay: "10ms", reorder: 1, reorderGap: 5 });
  const arrivals = record(scheduler, link.b);
  for (let i = 0; i < 20; i++) scheduler.at(i * MILLISECOND, () => link.a.transmit(frame(64, i)));
  scheduler.run();
  const early = arrivals
    .filter((a) => a.time === sequenceOf(a.frame) * MILLISECOND)
    .map((a) => sequenceOf(a.frame));
  assert.deepEqual(early, [4, 9, 14, 19]);
});

test("jitter varies the delay but never reorders frames", () => {
  const scheduler = new Scheduler({ seed: 9 });
  const link = new Link(scheduler, { name: "l", delay: "10ms", jitter: "5ms" });
  const arrivals = record(scheduler, link.b);
  const total = 2000;
  for (let i = 0; i < total; i++) scheduler.at(i * 100 * MICROSECOND, () => link.a.transmit(frame(64, i)));
  scheduler.run();
  assert.equal(arrivals.length, total);
  const delays = arrivals.map((a) => a.time - sequenceOf(a.frame) * 100 * MICROSECOND);
  for (let i = 0; i < total; i++) {
    assert.equal(sequenceOf(arrivals[i].frame), i);
    assert.ok(delays[i] >= 5 * MILLISECOND && delays[i] <= 15 * MILLISECOND);
  }
  assert.ok(new Set(delays).size > 100, "the delay varies");
});

test("corruption flips one bit of a copy; the sender's buffer is untouched; checksums catch it", () => {
  const scheduler = new Scheduler({ seed: 11 });
  const link = new Link(scheduler, { name: "l", corrupt: "10%" });
  const arrivals = record(scheduler, link.b);
  const total = 5000;
  const sent: Uint8Array[] = [];
  const pristine: Uint8Array[] = [];
  for (let i = 0; i < total; i++) {
    // An IPv4-like header with a valid Internet checksum after the Ethernet header.
    const f = frame(14 + 20, i);
    const view = new DataView(f.buffer);
    view.setUint16(14 + 10, 0);
    view.setUint16(14 + 10, internetChecksum(f.subarray(14)));
    assert.equal(internetChecksum(f.subarray(14)), 0);
    sent.push(f);
    pristine.push(f.slice());
    link.a.transmit(f);
  }
  scheduler.run();
  let corrupted = 0;
  let caught = 0;
  for (const [i, { frame: got }] of arrivals.entries()) {
    let differingBits = 0;
    for (let j = 0; j < got.length; j++) {
      let x = got[j] ^ pristine[i][j];
      while (x) {
        differingBits += x & 1;
        x >>>= 1;
      }
    }
    if (differingBits > 0) {
      corrupted++;
      assert.equal(differingBits, 1);
      assert.notEqual(got, sent[i]);
      // A flip inside the IP header never survives its checksum (RFC 1071).
      let flippedAt = 0;
      while (got[flippedAt] === pristine[i][flippedAt]) flippedAt++;
      if (flippedAt >= 14) {
        assert.notEqual(internetChecksum(got.subarray(14)), 0);
        caught++;
      }
    }
  }
  assert.equal(corrupted, link.counters("a-to-b").corrupted);
  assert.ok(corrupted > 0.08 * total && corrupted < 0.12 * total, `corrupted ${corrupted}`);
  assert.ok(caught > 0);
  for (let i = 0; i < total; i++) assert.deepEqual(sent[i], pristine[i], "sender's buffer unchanged");
});

test("MTU: a payload over the MTU is refused and counted; 802.1Q tags do not count", () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, { name: "l", mtu: 1500 });
  const arrivals = record(scheduler, link.b);
  assert.equal(link.a.mtu, 1500);
  assert.equal(link.a.transmit(frame(14 + 1500)), true);
  assert.equal(link.a.transmit(frame(14 + 1501)), false);
  const tagged = frame(18 + 1500, 0, 2, 1, 0x8100);
  assert.equal(ethernetPayloadLength(tagged), 1500);
  assert.equal(link.a.transmit(tagged), true);
  assert.equal(ethernetPayloadLength(frame(10)), 0);
  scheduler.run();
  assert.equal(arrivals.length, 2);
  assert.equal(link.counters("a-to-b").drops["mtu-exceeded"], 1);
  link.configure({ mtu: 9000 }, "a-to-b");
  assert.equal(link.a.mtu, 9000);
  assert.equal(link.b.mtu, 1500);
});

test("down: queued and in-flight frames are dropped, both ends hear the carrier, transmit refuses", () => {
  const scheduler = new Scheduler();
  const tracer = new Tracer();
  const drops: string[] = [];
  tracer.subscribe((e) => {
    if (e.type === "drop") drops.push(e.reason);
  });
  const link = new Link(scheduler, { name: "l", rate: "1mbit", delay: "10ms", reorder: 0.5 }, tracer);
  const arrivals = record(scheduler, link.b);
  const carrier: string[] = [];
  link.a.onCarrierChange = (up) => carrier.push(`a:${up}`);
  link.b.onCarrierChange = (up) => carrier.push(`b:${up}`);
  for (let i = 0; i < 10; i++) link.a.transmit(frame(1000, i)); // 8 ms each at 1 Mbit/s
  scheduler.runFor(20 * MILLISECOND); // a couple are through, the rest queued or in flight
  const before = arrivals.length;
  assert.ok(before > 0 && before < 10);
  link.setUp(false);
  assert.equal(link.a.isUp, false);
  assert.deepEqual(carrier, ["a:false", "b:false"]);
  assert.equal(link.a.transmit(frame(100)), false);
  assert.equal(link.b.transmit(frame(100)), false);
  scheduler.run();
  assert.equal(arrivals.length, before, "nothing arrives after the cable is pulled");
  assert.equal(link.counters("a-to-b").drops.down, 10 - before + 1);
  assert.equal(link.counters("b-to-a").drops.down, 1);
  assert.equal(drops.filter((r) => r === "down").length, 10 - before + 1 + 1);

  link.setUp(true);
  assert.deepEqual(carrier, ["a:false", "b:false", "a:true", "b:true"]);
  link.configure({ reorder: 0 });
  const start = scheduler.now;
  assert.equal(link.a.transmit(frame(1000, 99)), true);
  scheduler.run();
  assert.equal(arrivals.at(-1)!.time, start + 8 * MILLISECOND + 10 * MILLISECOND);
});

test("impairments change while running, per direction or both; a bad value changes nothing", () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, { name: "l", delay: "1ms" });
  const atB = record(scheduler, link.b);
  const atA = record(scheduler, link.a);
  link.a.transmit(frame(100, 1));
  scheduler.run();
  link.configure({ delay: "10ms" }, "a-to-b");
  const t = scheduler.now;
  link.a.transmit(frame(100, 2));
  link.b.transmit(frame(100, 3));
  scheduler.run();
  assert.equal(atB[1].time, t + 10 * MILLISECOND);
  assert.equal(atA[0].time, t + 1 * MILLISECOND);

  link.configure({ loss: "100%" }, "b-to-a");
  link.a.transmit(frame(100, 4));
  link.b.transmit(frame(100, 5));
  scheduler.run();
  assert.equal(atB.length, 3);
  assert.equal(atA.length, 1);
  assert.equal(link.counters("b-to-a").drops.loss, 1);

  assert.throws(() => link.configure({ delay: "5ms", loss: "150%" }), UnitError);
  assert.equal(link.settings("a-to-b").delay, 10 * MILLISECOND, "nothing applied");
  assert.throws(() => link.configure({ rate: "fast" }), /invalid rate "fast"/);

  // A rate change applies to frames still waiting in the queue.
  link.configure({ rate: "1mbit", delay: 0, loss: 0 });
  const start = scheduler.now;
  link.a.transmit(frame(1000, 6)); // 8 ms at 1 Mbit/s
  link.a.transmit(frame(1000, 7)); // queued
  link.configure({ rate: "8mbit" }); // 1 ms per frame from now on
  scheduler.run();
  assert.deepEqual(
    atB.slice(-2).map((a) => a.time - start),
    [8 * MILLISECOND, 9 * MILLISECOND],
  );
});

test("determinism: the same seed gives the same deliveries, times and bytes", () => {
  const run = (seed: number): string[] => {
    const scheduler = new Scheduler({ seed });
    const link = new Link(scheduler, {
      name: "wan",
      rate: "10mbit",
      delay: "20ms",
      jitter: "3ms",
      loss: "gemodel 2% 30% 80% 0.5%",
      duplicate: "2%",
      reorder: "5%",
      corrupt: "2%",
    });
    const log: string[] = [];
    link.b.onReceive = (f) => log.push(`${scheduler.now}:${Buffer.from(f).toString("hex")}`);
    for (let i = 0; i < 500; i++) scheduler.at(i * 200 * MICROSECOND, () => link.a.transmit(frame(200, i)));
    scheduler.run();
    return log;
  };
  const first = run(1);
  assert.deepEqual(run(1), first);
  assert.notDeepEqual(run(2), first);
});

test("trace events: queued, drop with a reason, and deliveries", () => {
  const scheduler = new Scheduler();
  const tracer = new Tracer();
  const events: TraceEvent[] = [];
  tracer.subscribe((e) => events.push(e));
  const link = new Link(
    scheduler,
    { name: "l", a: "h1:eth0", b: "h2:eth0", rate: "1mbit", queueLimit: 1 },
    tracer,
  );
  link.a.transmit(frame(100, 1));
  link.a.transmit(frame(100, 2));
  link.a.transmit(frame(100, 3));
  scheduler.run();
  const kinds = events.map((e) => (e.type === "drop" ? `drop:${e.reason}` : e.type));
  assert.deepEqual(kinds, ["queued", "drop:queue-full", "link-delivered", "link-delivered"]);
  const queued = events[0];
  assert.ok(
    queued.type === "queued" && queued.depth === 1 && queued.bytes === 100 && queued.iface === "h1:eth0",
  );
  const delivered = events[2];
  assert.ok(
    delivered.type === "link-delivered" && delivered.from === "h1:eth0" && delivered.to === "h2:eth0",
  );
  assert.equal(link.a.peer, link.b);
});
