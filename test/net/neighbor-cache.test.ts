/**
 * The neighbour cache against RFC 4861 §7.3 and its Appendix C state table: every NUD state and
 * the transitions between them, queueing, limits and the owner's hooks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NeighborCache } from "../../src/net/neighbor-cache.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { SECOND } from "../../src/sim/time.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";

const A = Ipv6Address.parse("fe80::a");
const B = Ipv6Address.parse("2001:db8::b");
const MAC_A = 0x0200_0000_000a;
const MAC_A2 = 0x0200_0000_00aa;

function setup(options = {}) {
  const scheduler = new Scheduler({ seed: 1 });
  const log: string[] = [];
  const sent: { packet: string; mac: number }[] = [];
  const dropped: { packet: string; reason: string }[] = [];
  const cache = new NeighborCache<string>(
    scheduler,
    {
      solicit: (target, unicastMac, prompt) =>
        log.push(
          `${scheduler.now / SECOND}s NS ${target} ${unicastMac === undefined ? "multicast" : "unicast"} ${prompt ?? "-"}`,
        ),
      transmit: (packet, mac) => sent.push({ packet, mac }),
      drop: (packet, reason) => dropped.push({ packet, reason }),
      unreachable: (target, wasRouter) => log.push(`unreachable ${target} router=${wasRouter}`),
    },
    options,
  );
  return { scheduler, cache, log, sent, dropped };
}

test("INCOMPLETE: 3 multicast solicitations 1 s apart, then the queue is dropped as nd-failed", () => {
  const { scheduler, cache, log, dropped } = setup();
  assert.equal(cache.lookup(A.bytes), undefined);
  cache.enqueue(A, "p1");
  cache.enqueue(A, "p2");
  assert.equal(cache.stateOf(A), "incomplete");
  scheduler.runFor(10 * SECOND);
  assert.deepEqual(log, [
    "0s NS fe80::a multicast p1",
    "1s NS fe80::a multicast p1",
    "2s NS fe80::a multicast p1",
    "unreachable fe80::a router=false",
  ]);
  assert.deepEqual(dropped, [
    { packet: "p1", reason: "nd-failed" },
    { packet: "p2", reason: "nd-failed" },
  ]);
  assert.equal(cache.size, 0);
});

test("the queue holds 3 packets; a 4th pushes out the oldest (nd-queue-full)", () => {
  const { cache, dropped } = setup();
  for (const p of ["p1", "p2", "p3", "p4"]) cache.enqueue(A, p);
  assert.deepEqual(dropped, [{ packet: "p1", reason: "nd-queue-full" }]);
});

test("a solicited NA resolves INCOMPLETE to REACHABLE and sends the queue; unsolicited gives STALE", () => {
  const { cache, sent } = setup();
  cache.enqueue(A, "p1");
  cache.enqueue(A, "p2");
  assert.ok(cache.advertisement(A, MAC_A, { solicited: true, override: false, router: false }));
  assert.equal(cache.stateOf(A), "reachable");
  assert.deepEqual(sent, [
    { packet: "p1", mac: MAC_A },
    { packet: "p2", mac: MAC_A },
  ]);
  cache.enqueue(B, "q");
  cache.advertisement(B, MAC_A2, { solicited: false, override: true, router: true });
  assert.equal(cache.stateOf(B), "stale");
  assert.ok(cache.isRouter(B));
});

test("an NA without a link-layer address cannot resolve INCOMPLETE; an NA with no entry is ignored", () => {
  const { cache } = setup();
  cache.enqueue(A, "p");
  cache.advertisement(A, undefined, { solicited: true, override: true, router: false });
  assert.equal(cache.stateOf(A), "incomplete");
  assert.equal(cache.advertisement(B, MAC_A, { solicited: true, override: true, router: false }), false);
  assert.equal(cache.stateOf(B), undefined);
});

test("REACHABLE → STALE after ReachableTime; sending through STALE → DELAY → PROBE → deleted", () => {
  const { scheduler, cache, log } = setup();
  cache.enqueue(A, "p");
  cache.advertisement(A, MAC_A, { solicited: true, override: true, router: true });
  log.length = 0;
  scheduler.runFor(29 * SECOND);
  assert.equal(cache.stateOf(A), "reachable");
  scheduler.runFor(1 * SECOND);
  assert.equal(cache.stateOf(A), "stale");
  // Using a STALE entry still sends at once (the cached address), but starts the DELAY timer.
  assert.equal(cache.lookup(A.bytes), MAC_A);
  assert.equal(cache.stateOf(A), "delay");
  scheduler.runFor(4.9 * SECOND);
  assert.equal(cache.stateOf(A), "delay");
  assert.deepEqual(log, []);
  scheduler.runFor(0.2 * SECOND);
  assert.equal(cache.stateOf(A), "probe");
  scheduler.runFor(10 * SECOND);
  assert.deepEqual(log, [
    "35s NS fe80::a unicast -",
    "36s NS fe80::a unicast -",
    "37s NS fe80::a unicast -",
    "unreachable fe80::a router=true",
  ]);
  assert.equal(cache.stateOf(A), undefined);
});

test("a confirmation during DELAY or PROBE returns the entry to REACHABLE without further probes", () => {
  const { scheduler, cache, log } = setup();
  cache.learned(A, MAC_A);
  assert.equal(cache.stateOf(A), "stale");
  cache.lookup(A.bytes);
  assert.equal(cache.stateOf(A), "delay");
  cache.confirm(A); // upper-layer hint (RFC 4861 §7.3.1)
  assert.equal(cache.stateOf(A), "reachable");
  scheduler.runFor(31 * SECOND);
  cache.lookup(A.bytes);
  scheduler.runFor(5.5 * SECOND);
  assert.equal(cache.stateOf(A), "probe");
  cache.advertisement(A, MAC_A, { solicited: true, override: false, router: false });
  assert.equal(cache.stateOf(A), "reachable");
  scheduler.runFor(5 * SECOND);
  assert.equal(log.filter((l) => l.includes("unicast")).length, 1);
});

test("Override: an NA with O clear and a different address only makes REACHABLE stale; with O set it replaces", () => {
  const { cache } = setup();
  cache.learned(A, MAC_A);
  cache.advertisement(A, MAC_A, { solicited: true, override: false, router: false });
  assert.equal(cache.stateOf(A), "reachable");
  cache.advertisement(A, MAC_A2, { solicited: true, override: false, router: false });
  assert.equal(cache.stateOf(A), "stale");
  assert.equal(cache.list()[0].mac, MAC_A);
  cache.advertisement(A, MAC_A2, { solicited: false, override: true, router: false });
  assert.equal(cache.stateOf(A), "stale");
  assert.equal(cache.list()[0].mac, MAC_A2);
});

test("learned (NS/RS/Redirect with a source address): creates STALE, resolves INCOMPLETE and flushes its queue", () => {
  const { cache, sent } = setup();
  cache.enqueue(A, "p");
  cache.learned(A, MAC_A);
  assert.equal(cache.stateOf(A), "stale");
  assert.deepEqual(sent, [{ packet: "p", mac: MAC_A }]);
  cache.learned(B, MAC_A2, true);
  assert.equal(cache.stateOf(B), "stale");
  assert.ok(cache.isRouter(B));
});

test("a router NA that drops the R flag reports the router gone (RFC 4861 §7.2.5)", () => {
  const { cache, log } = setup();
  cache.learned(A, MAC_A, true);
  cache.advertisement(A, MAC_A, { solicited: true, override: true, router: false });
  assert.deepEqual(log, ["unreachable fe80::a router=true"]);
});

test("static entries are never replaced, aged or flushed", () => {
  const { scheduler, cache } = setup();
  cache.addStatic(A, MAC_A);
  cache.advertisement(A, MAC_A2, { solicited: true, override: true, router: false });
  cache.learned(A, MAC_A2);
  scheduler.runFor(1000 * SECOND);
  cache.flush();
  assert.equal(cache.stateOf(A), "permanent");
  assert.equal(cache.lookup(A.bytes), MAC_A);
});

test("unused STALE entries are forgotten; a full table evicts stale entries first, and drops when all are INCOMPLETE", () => {
  const { scheduler, cache, dropped } = setup({ maxEntries: 2 });
  cache.learned(A, MAC_A);
  scheduler.runFor(100 * SECOND);
  assert.equal(cache.list().length, 0);
  cache.learned(A, MAC_A);
  cache.enqueue(B, "b");
  cache.enqueue(Ipv6Address.parse("2001:db8::c"), "c"); // evicts A (stale)
  assert.equal(cache.stateOf(A), undefined);
  cache.enqueue(Ipv6Address.parse("2001:db8::d"), "d"); // both entries INCOMPLETE
  assert.deepEqual(dropped, [{ packet: "d", reason: "nd-table-full" }]);
});

test("lookups read the address from the packet in place and never allocate a key", () => {
  const { cache } = setup();
  cache.learned(B, MAC_A);
  const packet = new Uint8Array(64);
  packet.set(B.bytes, 24);
  assert.equal(cache.lookup(packet, 24), MAC_A);
  packet[39] ^= 1;
  assert.equal(cache.lookup(packet, 24), undefined);
});
