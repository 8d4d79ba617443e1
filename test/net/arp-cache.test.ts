import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ArpCache } from "../../src/net/arp-cache.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { SECOND } from "../../src/sim/time.js";

const A = 0x0a000001;
const MAC = 0x0200_0000_0001;

function harness(options = {}) {
  const scheduler = new Scheduler();
  const log: string[] = [];
  const cache = new ArpCache<string>(
    scheduler,
    {
      sendRequest: (address, mac) =>
        log.push(
          `${scheduler.now / SECOND}s request ${address.toString(16)} ${mac === undefined ? "bcast" : "ucast"}`,
        ),
      transmit: (packet, mac) => log.push(`${scheduler.now / SECOND}s tx ${packet} ${mac.toString(16)}`),
      drop: (packet, reason) => log.push(`${scheduler.now / SECOND}s drop ${packet} ${reason}`),
    },
    options,
  );
  return { scheduler, cache, log };
}

test("an unresolved neighbour queues packets, asks, and sends them when the reply arrives", () => {
  const { scheduler, cache, log } = harness();
  assert.equal(cache.lookup(A), undefined);
  cache.enqueue(A, "p1");
  cache.enqueue(A, "p2");
  assert.equal(cache.stateOf(A), "incomplete");
  scheduler.runFor(SECOND / 2);
  cache.update(A, MAC, false);
  assert.deepEqual(log, ["0s request a000001 bcast", "0.5s tx p1 20000000001", "0.5s tx p2 20000000001"]);
  assert.equal(cache.lookup(A), MAC);
  assert.equal(cache.stateOf(A), "reachable");
});

test("the queue holds three packets per neighbour and drops the oldest", () => {
  const { cache, log } = harness();
  for (const p of ["p1", "p2", "p3", "p4"]) cache.enqueue(A, p);
  assert.ok(log.includes("0s drop p1 arp-queue-full"));
  cache.update(A, MAC, false);
  assert.deepEqual(
    log.filter((l) => l.includes("tx")).map((l) => l.split(" ")[2]),
    ["p2", "p3", "p4"],
  );
});

test("three requests one second apart, then the queued packets fail", () => {
  const { scheduler, cache, log } = harness();
  let failures = 0;
  cache.onFailure = () => failures++;
  cache.enqueue(A, "p1");
  scheduler.run();
  assert.deepEqual(log, [
    "0s request a000001 bcast",
    "1s request a000001 bcast",
    "2s request a000001 bcast",
    "3s drop p1 arp-failed",
  ]);
  assert.equal(failures, 1);
  assert.equal(cache.size, 0);
});

test("after 30 s an entry is stale: still used, and its use sends unicast polls", () => {
  const { scheduler, cache, log } = harness();
  cache.update(A, MAC, true);
  scheduler.runFor(31 * SECOND);
  assert.equal(cache.stateOf(A), "stale");
  assert.equal(cache.lookup(A), MAC);
  assert.equal(cache.stateOf(A), "probe");
  scheduler.runFor(SECOND / 2);
  cache.update(A, MAC, false);
  assert.equal(cache.stateOf(A), "reachable");
  assert.deepEqual(log, ["31s request a000001 ucast"]);
});

test("a stale neighbour that does not answer its polls is forgotten", () => {
  const { scheduler, cache, log } = harness();
  cache.update(A, MAC, true);
  scheduler.runFor(40 * SECOND);
  assert.equal(cache.lookup(A), MAC);
  scheduler.run();
  assert.equal(log.length, 3);
  assert.equal(cache.size, 0);
  assert.equal(cache.lookup(A), undefined);
});

test("unused stale entries vanish after the stale time; static entries never age", () => {
  const { scheduler, cache } = harness();
  cache.update(A, MAC, true);
  cache.addStatic(A + 1, MAC + 1);
  scheduler.runFor(100 * SECOND);
  assert.deepEqual(
    cache.list().map((e) => [e.address, e.state]),
    [[A + 1, "permanent"]],
  );
  cache.update(A + 1, MAC + 7, true);
  assert.equal(cache.lookup(A + 1), MAC + 1);
});

test("update without create touches only existing entries (RFC 826 merge)", () => {
  const { cache } = harness();
  cache.update(A, MAC, false);
  assert.equal(cache.size, 0);
  cache.update(A, MAC, true);
  cache.update(A, MAC + 1, false);
  assert.equal(cache.lookup(A), MAC + 1);
});

test("the table is bounded: stale entries are evicted, then the oldest; all-incomplete refuses", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(40)), { maxLength: 60 }), (ops) => {
      const { scheduler, cache, log } = harness({ maxEntries: 8 });
      for (const [resolve, n] of ops) {
        if (resolve) cache.update(A + n, MAC + n, true);
        else cache.enqueue(A + n, `p${n}`);
        scheduler.runFor(SECOND / 4);
        assert.ok(cache.size <= 8);
      }
      scheduler.run();
      // Every queued packet was either transmitted or dropped exactly once.
      const queued = ops.filter(([r]) => !r).length;
      const settled = log.filter((l) => l.includes(" tx ") || l.includes(" drop ")).length;
      assert.equal(settled, queued);
    }),
    { numRuns: 50 },
  );
});
