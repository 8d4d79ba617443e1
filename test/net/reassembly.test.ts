import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Counters } from "../../src/net/counters.js";
import { FRAGMENT_OVERHEAD, type Fragment, Reassembler } from "../../src/net/reassembly.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { SECOND } from "../../src/sim/time.js";

const HEADER = new Uint8Array(20).fill(0x45);

function setup(options = {}) {
  const scheduler = new Scheduler();
  const counters = new Ipv4Counters();
  const quotes: Uint8Array[] = [];
  const reassembler = new Reassembler(scheduler, counters, { timeExceeded: (q) => quotes.push(q) }, options);
  return { scheduler, counters, quotes, reassembler };
}

function fragment(data: Uint8Array, offset: number, more: boolean, extra: Partial<Fragment> = {}): Fragment {
  return {
    src: 1,
    dst: 2,
    protocol: 17,
    identification: 7,
    offset,
    moreFragments: more,
    header: HEADER,
    data: data.subarray(offset, offset + (extra.data?.length ?? data.length - offset)),
    ...extra,
  };
}

function split(data: Uint8Array, size: number): Fragment[] {
  const fragments: Fragment[] = [];
  for (let offset = 0; offset < data.length; offset += size) {
    const end = Math.min(data.length, offset + size);
    fragments.push({ ...fragment(data, offset, end < data.length), data: data.subarray(offset, end) });
  }
  return fragments;
}

test("fragments in any order (with duplicates) reassemble to the original data", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 9, maxLength: 3000 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer(),
      fc.boolean(),
      (data, eights, seed, duplicate) => {
        const { reassembler, counters } = setup();
        const fragments = split(data, eights * 8);
        if (fragments.length < 2) return;
        if (fragments[0].data.length < 8) return;
        const shuffled = [...fragments];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        if (duplicate) shuffled.splice(1, 0, shuffled[0]);
        let result: ReturnType<Reassembler["add"]>;
        for (const f of shuffled) {
          const r = reassembler.add(f);
          if (r) {
            assert.equal(result, undefined, "completed twice");
            result = r;
          }
        }
        assert.ok(result);
        assert.deepEqual(result.data, data);
        assert.deepEqual(result.header, HEADER);
        assert.equal(reassembler.pending, 0);
        assert.equal(reassembler.memoryInUse, 0);
        assert.equal(counters.reasmOKs, 1);
      },
    ),
    { numRuns: 200 },
  );
});

test("a partial overlap discards the whole datagram (RFC 5722 policy)", () => {
  const { reassembler, counters } = setup();
  const data = new Uint8Array(48).map((_, i) => i);
  assert.equal(reassembler.add({ ...fragment(data, 0, true), data: data.subarray(0, 24) }), undefined);
  // Overlaps octets 16..23 with different content.
  assert.equal(
    reassembler.add({ ...fragment(data, 16, false), data: new Uint8Array(32).fill(0xee) }),
    undefined,
  );
  assert.equal(counters.reasmOverlaps, 1);
  assert.equal(counters.drops.get("frag-overlap"), 1);
  assert.equal(reassembler.pending, 0);
  // The rest alone never completes the datagram.
  assert.equal(reassembler.add({ ...fragment(data, 24, false), data: data.subarray(24) }), undefined);
  assert.equal(counters.reasmOKs, 0);
});

test("tiny fragments: TCP at offset 1 and short first fragments are dropped (RFC 1858)", () => {
  const { reassembler, counters } = setup();
  const data = new Uint8Array(64);
  reassembler.add({ ...fragment(data, 8, true), protocol: 6, data: data.subarray(8, 16) });
  reassembler.add({ ...fragment(data, 0, true), protocol: 6, data: data.subarray(0, 16) });
  reassembler.add({ ...fragment(data, 0, true), protocol: 6, data: data.subarray(0, 8) });
  reassembler.add({ ...fragment(data, 0, true), protocol: 17, data: data.subarray(0, 0) });
  assert.equal(counters.drops.get("frag-tcp-offset-1"), 1);
  assert.equal(counters.drops.get("frag-tiny-first"), 3);
  assert.equal(reassembler.pending, 0);
});

test("a never-completed datagram expires after 30 s: Time Exceeded only if fragment zero came", () => {
  const { scheduler, reassembler, counters, quotes } = setup();
  const data = new Uint8Array(64).map((_, i) => i);
  reassembler.add({ ...fragment(data, 0, true), data: data.subarray(0, 16) });
  reassembler.add({ ...fragment(data, 32, true), identification: 8, data: data.subarray(32, 40) });
  scheduler.runFor(29 * SECOND);
  assert.equal(reassembler.pending, 2);
  scheduler.runFor(2 * SECOND);
  assert.equal(reassembler.pending, 0);
  assert.equal(counters.reasmTimeout, 2);
  assert.equal(quotes.length, 1);
  assert.deepEqual(quotes[0].subarray(20), data.subarray(0, 8));
  assert.equal(reassembler.memoryInUse, 0);
});

test("the ping of death (data beyond 65535 octets) is discarded", () => {
  const { reassembler, counters } = setup();
  const chunk = new Uint8Array(1480);
  const r = reassembler.add({ ...fragment(chunk, 0, false), offset: 65_528, data: chunk.subarray(0, 100) });
  assert.equal(r, undefined);
  assert.equal(counters.drops.get("frag-too-big"), 1);
});

test("memory stays under the budget under a flood: oldest datagrams are evicted", () => {
  const limit = 20_000;
  const { reassembler, counters } = setup({ memoryLimit: limit });
  const chunk = new Uint8Array(1000);
  for (let id = 0; id < 500; id++) {
    reassembler.add({ ...fragment(chunk, 0, true), identification: id, data: chunk.subarray(0, 1000) });
    assert.ok(reassembler.memoryInUse <= limit);
  }
  assert.equal(reassembler.pending, Math.floor(limit / (1000 + FRAGMENT_OVERHEAD)));
  assert.ok(counters.drops.get("frag-evicted") > 400);
});

test("fragments disagreeing about the end, or too many, discard the datagram", () => {
  const { reassembler, counters } = setup({ maxFragments: 4 });
  const data = new Uint8Array(200);
  reassembler.add({ ...fragment(data, 64, false), data: data.subarray(64, 80) });
  reassembler.add({ ...fragment(data, 96, true), data: data.subarray(96, 104) });
  assert.equal(counters.drops.get("frag-inconsistent-end"), 1);
  for (let i = 0; i < 6; i++)
    reassembler.add({
      ...fragment(data, i * 16, true),
      identification: 9,
      data: data.subarray(i * 16, i * 16 + 8),
    });
  assert.equal(counters.drops.get("frag-too-many"), 1);
});
