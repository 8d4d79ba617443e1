import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { SeededRandom } from "../../src/sim/random.js";
import { runRealtime } from "../../src/sim/realtime.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { MILLISECOND } from "../../src/sim/time.js";

test("events run in time order, equal times in insertion order", () => {
  fc.assert(
    fc.property(fc.array(fc.nat(50), { maxLength: 200 }), (times) => {
      const scheduler = new Scheduler();
      const order: number[] = [];
      for (const [index, time] of times.entries()) scheduler.at(time, () => order.push(index));
      scheduler.run();
      const expected = times
        .map((time, index) => ({ time, index }))
        .sort((a, b) => a.time - b.time || a.index - b.index);
      assert.deepEqual(
        order,
        expected.map((e) => e.index),
      );
    }),
  );
});

test("the clock advances to each event's time; after() is relative; the past is clamped to now", () => {
  const scheduler = new Scheduler();
  const seen: number[] = [];
  scheduler.after(10, () => {
    seen.push(scheduler.now);
    scheduler.after(5, () => seen.push(scheduler.now));
    scheduler.at(3, () => seen.push(scheduler.now));
  });
  scheduler.run();
  assert.deepEqual(seen, [10, 10, 15]);
});

test("cancelled timers never fire, even in large numbers (compaction)", () => {
  const scheduler = new Scheduler();
  let fired = 0;
  const timers = [];
  for (let i = 0; i < 5000; i++) timers.push(scheduler.after(i, () => fired++));
  for (let i = 0; i < 5000; i += 2) scheduler.cancel(timers[i]);
  assert.equal(scheduler.pending, 2500);
  scheduler.run();
  assert.equal(fired, 2500);
  assert.equal(timers[0].active, false);
});

test("step runs exactly one event; runUntil stops at the horizon and sets the clock", () => {
  const scheduler = new Scheduler();
  const log: string[] = [];
  scheduler.at(5, () => log.push("a"));
  scheduler.at(20, () => log.push("b"));
  assert.equal(scheduler.step(), true);
  assert.deepEqual(log, ["a"]);
  assert.equal(scheduler.runUntil(10), 0);
  assert.equal(scheduler.now, 10);
  assert.equal(scheduler.runFor(10), 1);
  assert.equal(scheduler.step(), false);
});

test("runWhile stops when the condition clears or the deadline passes", () => {
  const scheduler = new Scheduler();
  let count = 0;
  const tick = () => {
    count++;
    scheduler.after(10, tick);
  };
  scheduler.after(0, tick);
  assert.equal(
    scheduler.runWhile(() => count < 5),
    true,
  );
  assert.equal(count, 5);
  assert.equal(
    scheduler.runWhile(() => true, 100),
    false,
  );
  assert.ok(scheduler.now <= 100);
});

test("the seeded random source is deterministic, uniform enough, and forks independently", () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const seqA = Array.from({ length: 100 }, () => a.nextUint32());
  const seqB = Array.from({ length: 100 }, () => b.nextUint32());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(
    seqA,
    Array.from({ length: 100 }, () => new SeededRandom(43).nextUint32()),
  );
  const r = new SeededRandom(7);
  let sum = 0;
  for (let i = 0; i < 10000; i++) sum += r.next();
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  assert.deepEqual(
    [new SeededRandom(1).fork("link").nextUint32()],
    [new SeededRandom(1).fork("link").nextUint32()],
  );
  assert.notEqual(new SeededRandom(1).fork("a").nextUint32(), new SeededRandom(1).fork("b").nextUint32());
});

test("real-time mode paces virtual time to a (fake) wall clock", async () => {
  let wall = 0;
  const clock = {
    now: () => wall,
    sleep: async (ms: number) => {
      wall += Math.max(ms, 0.25);
    },
  };
  const scheduler = new Scheduler();
  const firedAtWall: number[] = [];
  scheduler.at(5 * MILLISECOND, () => firedAtWall.push(wall));
  scheduler.at(20 * MILLISECOND, () => firedAtWall.push(wall));
  await runRealtime(scheduler, { clock, until: 30 * MILLISECOND, speed: 2 });
  // At speed 2, 5 ms of virtual time is 2.5 ms of wall time.
  assert.ok(firedAtWall[0] >= 2.5 && firedAtWall[0] < 3.5, `first at ${firedAtWall[0]}`);
  assert.ok(firedAtWall[1] >= 10 && firedAtWall[1] < 11, `second at ${firedAtWall[1]}`);
  assert.equal(scheduler.now, 30 * MILLISECOND);
});

test("fractional times are rounded to whole nanoseconds", () => {
  const scheduler = new Scheduler();
  const seen: number[] = [];
  scheduler.at(10.4, () => seen.push(scheduler.now));
  scheduler.after(3.8, () => seen.push(scheduler.now));
  scheduler.run();
  assert.deepEqual(seen, [4, 10]);
});

test("runUntil and runFor round fractional times as at() does: the clock stays whole, at(t) is reached by runUntil(t)", () => {
  const scheduler = new Scheduler({ start: 2.6 });
  assert.equal(scheduler.now, 3);
  scheduler.runUntil(10.4);
  assert.equal(scheduler.now, 10);
  scheduler.runFor(0.6);
  assert.equal(scheduler.now, 11);
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1e12, noNaN: true }),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      (t, d) => {
        const s = new Scheduler();
        let fired = false;
        s.at(t, () => {
          fired = true;
        });
        s.runUntil(t);
        assert.ok(fired, `at(${t}) not reached by runUntil(${t})`);
        assert.ok(Number.isInteger(s.now), `now ${s.now}`);
        assert.equal(s.now, Math.round(t));
        s.runFor(d);
        assert.ok(Number.isInteger(s.now), `now ${s.now} after runFor(${d})`);
      },
    ),
  );
});
