import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Lpm } from "../../../src/net/lpm/ipv4-lpm.js";
import { syntheticInternetTable } from "../../../src/net/lpm/synthetic-table.js";

interface Prefix {
  network: number;
  length: number;
}

function mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

function contains(prefix: Prefix, address: number): boolean {
  return (address & mask(prefix.length)) >>> 0 === prefix.network;
}

/** The textbook definition: of all prefixes containing the address, the longest. */
function naiveLookup(prefixes: Iterable<Prefix>, address: number): Prefix | undefined {
  let best: Prefix | undefined;
  for (const p of prefixes) if (contains(p, address) && (!best || p.length > best.length)) best = p;
  return best;
}

const key = (p: Prefix) => `${p.network}/${p.length}`;

/** Prefixes drawn from a few octet values, so that they nest and overlap a lot; plus some anywhere. */
const octet = fc.constantFrom(0, 1, 10, 127, 128, 192, 254, 255);
const crowdedPrefix = fc
  .tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 }))
  .map(([a, b, c, d, length]): Prefix => {
    const address = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    return { network: (address & mask(length)) >>> 0, length };
  });
const anyPrefix = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([address, length]): Prefix => ({ network: (address & mask(length)) >>> 0, length }));
const prefixArbitrary = fc.oneof(
  { weight: 4, arbitrary: crowdedPrefix },
  { weight: 1, arbitrary: anyPrefix },
);

type Op =
  | { kind: "add"; prefix: Prefix }
  | { kind: "remove"; prefix: Prefix }
  | { kind: "withdraw"; pick: number };
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: prefixArbitrary.map((prefix): Op => ({ kind: "add", prefix })) },
  { weight: 1, arbitrary: prefixArbitrary.map((prefix): Op => ({ kind: "remove", prefix })) },
  { weight: 3, arbitrary: fc.nat().map((pick): Op => ({ kind: "withdraw", pick })) },
);

/**
 * Addresses that sit on every boundary that matters: each prefix's first and last address and
 * the addresses just outside it, plus the extremes of the address space and some random ones.
 */
function probeAddresses(prefixes: Iterable<Prefix>, random: number[]): number[] {
  const probes = new Set<number>([0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, ...random]);
  for (const p of prefixes) {
    const last = (p.network | ~mask(p.length)) >>> 0;
    probes.add(p.network);
    probes.add(last);
    probes.add((p.network - 1) >>> 0);
    probes.add((last + 1) >>> 0);
    probes.add((p.network + Math.floor((last - p.network) / 2)) >>> 0);
  }
  return [...probes];
}

function checkAgainstReference(lpm: Ipv4Lpm, reference: Map<string, Prefix>, addresses: number[]): void {
  assert.equal(lpm.size, reference.size);
  for (const address of probeAddresses(reference.values(), addresses)) {
    const expected = naiveLookup(reference.values(), address);
    const id = lpm.lookup(address);
    if (expected === undefined) {
      assert.equal(
        id,
        -1,
        `address ${address}: expected no match, got ${lpm.network(id)}/${lpm.prefixLength(id)}`,
      );
    } else {
      assert.ok(id >= 0, `address ${address}: expected ${key(expected)}, got no match`);
      assert.equal(`${lpm.network(id)}/${lpm.prefixLength(id)}`, key(expected), `address ${address}`);
    }
  }
  for (const p of reference.values()) {
    const id = lpm.find(p.network, p.length);
    assert.ok(id >= 0, `find ${key(p)}`);
    assert.equal(lpm.network(id), p.network);
    assert.equal(lpm.prefixLength(id), p.length);
  }
}

/** Runs a random add/remove sequence against the naive reference, checking after every step. */
function runSequence(listLimit: number, ops: Op[], addresses: number[]): Ipv4Lpm {
  const lpm = new Ipv4Lpm({ listLimit });
  const reference = new Map<string, Prefix>();
  for (const op of ops) {
    if (op.kind === "add") {
      const id = lpm.insert(op.prefix.network, op.prefix.length);
      if (reference.has(key(op.prefix))) assert.equal(id, lpm.find(op.prefix.network, op.prefix.length));
      reference.set(key(op.prefix), op.prefix);
    } else {
      const prefix =
        op.kind === "remove" ? op.prefix : [...reference.values()][op.pick % (reference.size || 1)];
      if (prefix === undefined) continue;
      const removed = lpm.remove(prefix.network, prefix.length);
      assert.equal(removed, reference.delete(key(prefix)));
    }
    checkAgainstReference(lpm, reference, addresses);
  }
  return lpm;
}

const addressesArbitrary = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 8 });

for (const [name, listLimit] of [
  ["the trie", 0],
  ["a set that switches between list and trie", 4],
  ["the default set", 32],
] as const) {
  test(`${name}: random add/remove sequences give the same answers as a naive longest match`, () => {
    fc.assert(
      fc.property(
        fc.array(opArbitrary, { maxLength: 60, size: "max" }),
        addressesArbitrary,
        (ops, addresses) => {
          runSequence(listLimit, ops, addresses);
        },
      ),
      { numRuns: 300 },
    );
  });
}

test("withdrawing every prefix in random order frees every trie node but the root", () => {
  fc.assert(
    fc.property(fc.array(prefixArbitrary, { maxLength: 80, size: "max" }), fc.nat(), (prefixes, seed) => {
      const lpm = new Ipv4Lpm({ listLimit: 0 });
      for (const p of prefixes) lpm.insert(p.network, p.length);
      const unique = [...new Map(prefixes.map((p) => [key(p), p])).values()];
      // A seeded shuffle: withdrawal order independent of insertion order.
      for (let i = unique.length - 1; i > 0; i--) {
        const j = (seed + i * 7919) % (i + 1);
        [unique[i], unique[j]] = [unique[j], unique[i]];
      }
      const reference = new Map(unique.map((p) => [key(p), p]));
      for (const p of unique) {
        assert.ok(lpm.remove(p.network, p.length));
        reference.delete(key(p));
        checkAgainstReference(lpm, reference, []);
      }
      assert.equal(lpm.size, 0);
      assert.equal(lpm.nodeCount, 1);
      assert.equal(lpm.lookup(0x0a000001), -1);
    }),
    { numRuns: 100 },
  );
});

test("a covering prefix answers again when a more-specific in the middle of the chain is withdrawn", () => {
  const lpm = new Ipv4Lpm({ listLimit: 0 });
  const chain: Prefix[] = [
    { network: 0, length: 0 },
    { network: 0x0a000000, length: 8 }, // 10.0.0.0/8
    { network: 0x0a010000, length: 16 }, // 10.1.0.0/16
    { network: 0x0a010200, length: 23 }, // 10.1.2.0/23
    { network: 0x0a010200, length: 24 }, // 10.1.2.0/24
    { network: 0x0a010280, length: 25 }, // 10.1.2.128/25
    { network: 0x0a0102c1, length: 32 }, // 10.1.2.193/32
  ];
  const reference = new Map<string, Prefix>();
  for (const p of chain) {
    lpm.insert(p.network, p.length);
    reference.set(key(p), p);
  }
  // Withdraw from the middle out, checking the whole chain each time, then put them back.
  for (const index of [3, 4, 1, 5, 2, 6, 0]) {
    lpm.remove(chain[index].network, chain[index].length);
    reference.delete(key(chain[index]));
    checkAgainstReference(lpm, reference, [0x0a0102c1, 0x0a0102c0, 0x0a010305, 0x0a020000]);
  }
  assert.equal(lpm.nodeCount, 1);
  for (const index of [6, 0, 4, 2, 5, 1, 3]) {
    lpm.insert(chain[index].network, chain[index].length);
    reference.set(key(chain[index]), chain[index]);
    checkAgainstReference(lpm, reference, [0x0a0102c1, 0x0a0102c0, 0x0a010305, 0x0a020000]);
  }
});

test("/0 and /32 edges: the default route, host routes at both ends of the address space", () => {
  for (const listLimit of [0, 32]) {
    const lpm = new Ipv4Lpm({ listLimit });
    assert.equal(lpm.lookup(0), -1);
    const any = lpm.insert(0, 0);
    assert.equal(lpm.lookup(0), any);
    assert.equal(lpm.lookup(0xffffffff), any);
    const top = lpm.insert(0xffffffff, 32);
    const bottom = lpm.insert(0, 32);
    assert.equal(lpm.lookup(0xffffffff), top);
    assert.equal(lpm.lookup(0xfffffffe), any);
    assert.equal(lpm.lookup(0), bottom);
    assert.equal(lpm.lookup(1), any);
    assert.ok(lpm.remove(0, 0));
    assert.equal(lpm.lookup(1), -1);
    assert.equal(lpm.lookup(0xffffffff), top);
    assert.ok(!lpm.remove(0, 0));
  }
});

test("inserting an existing prefix returns its id; host bits and bad lengths are rejected", () => {
  const lpm = new Ipv4Lpm();
  const id = lpm.insert(0x0a000000, 8);
  assert.equal(lpm.insert(0x0a000000, 8), id);
  assert.equal(lpm.size, 1);
  assert.throws(() => lpm.insert(0x0a000001, 8), RangeError);
  assert.throws(() => lpm.insert(0, 33), RangeError);
  assert.throws(() => lpm.insert(0, -1), RangeError);
});

test("a small set stays a list of a few hundred bytes and becomes a trie past the limit, and back", () => {
  const lpm = new Ipv4Lpm();
  for (let i = 0; i < 5; i++) lpm.insert((0x0a000000 + (i << 8)) >>> 0, 24);
  assert.equal(lpm.isTrie, false);
  assert.ok(lpm.memoryBytes() < 200, `5 prefixes take ${lpm.memoryBytes()} bytes`);
  for (let i = 5; i < 40; i++) lpm.insert((0x0a000000 + (i << 8)) >>> 0, 24);
  assert.equal(lpm.isTrie, true);
  assert.equal(lpm.nodeCount, 3); // root, 10., 10.0.
  for (let i = 39; i >= 8; i--) lpm.remove((0x0a000000 + (i << 8)) >>> 0, 24);
  assert.equal(lpm.isTrie, false);
  for (let i = 0; i < 8; i++)
    assert.equal(lpm.network(lpm.lookup((0x0a000005 + (i << 8)) >>> 0)), 0x0a000000 + (i << 8));
});

test("a large table that shrinks gives its memory back", () => {
  const { networks, lengths } = syntheticInternetTable(20_000, 3);
  const lpm = new Ipv4Lpm();
  for (let i = 0; i < networks.length; i++) lpm.insert(networks[i], lengths[i]);
  const full = lpm.memoryBytes();
  for (let i = 0; i < networks.length - 200; i++) lpm.remove(networks[i], lengths[i]);
  assert.ok(lpm.memoryBytes() < full / 4, `${lpm.memoryBytes()} bytes left of ${full}`);
  const reference = new Map<string, Prefix>();
  for (let i = networks.length - 200; i < networks.length; i++) {
    const p = { network: networks[i], length: lengths[i] };
    reference.set(key(p), p);
  }
  checkAgainstReference(lpm, reference, []);
});

test("a synthetic Internet table agrees with the naive lookup on sampled addresses", () => {
  const { networks, lengths } = syntheticInternetTable(5_000, 11);
  const lpm = new Ipv4Lpm();
  const prefixes: Prefix[] = [];
  for (let i = 0; i < networks.length; i++) {
    lpm.insert(networks[i], lengths[i]);
    prefixes.push({ network: networks[i], length: lengths[i] });
  }
  assert.equal(lpm.size, networks.length);
  assert.deepEqual(
    [...new Set(lengths)].every((l) => l >= 8 && l <= 24),
    true,
  );
  // Each prefix's own network address must resolve to it or to a longer prefix inside it.
  for (const p of prefixes.slice(0, 1_000)) {
    const id = lpm.lookup(p.network);
    const expected = naiveLookup(prefixes, p.network)!;
    assert.equal(`${lpm.network(id)}/${lpm.prefixLength(id)}`, key(expected));
  }
});

test("ordered ids follow address order, a covering prefix before its more-specifics", () => {
  const lpm = new Ipv4Lpm({ listLimit: 0 });
  const inserted: Prefix[] = [
    { network: 0x0a010000, length: 16 },
    { network: 0x0a000000, length: 8 },
    { network: 0, length: 0 },
    { network: 0x0a010200, length: 24 },
    { network: 0x0a000000, length: 16 },
    { network: 0xc0a80000, length: 16 },
  ];
  for (const p of inserted) lpm.insert(p.network, p.length);
  const order = [...lpm.orderedIds()].map((id) => `${lpm.network(id).toString(16)}/${lpm.prefixLength(id)}`);
  assert.deepEqual(order, ["0/0", "a000000/8", "a000000/16", "a010000/16", "a010200/24", "c0a80000/16"]);
});
