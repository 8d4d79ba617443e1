import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv6Lpm } from "../../../src/net/lpm/ipv6-lpm.js";
import { syntheticIpv6Table } from "../../../src/net/lpm/synthetic-table.js";
import { SeededRandom } from "../../../src/sim/random.js";
import { Ipv6Address, Ipv6Prefix } from "../../../src/wire/address/ipv6.js";

/** Prefixes built from a few group values so they nest; the network form of `address/length`. */
const group = fc.constantFrom(0, 1, 0x2001, 0xdb8, 0xfe80, 0xffff);
const prefixArbitrary = fc
  .tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 }))
  .map(([groups, length]) => new Ipv6Prefix(Ipv6Address.fromGroups(groups), length).networkPrefix);
const addressArbitrary = fc
  .array(fc.oneof(group, fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => Ipv6Address.fromGroups(groups));

function naiveLookup(prefixes: Iterable<Ipv6Prefix>, address: Ipv6Address): Ipv6Prefix | undefined {
  let best: Ipv6Prefix | undefined;
  for (const p of prefixes) if (p.contains(address) && (!best || p.length > best.length)) best = p;
  return best;
}

function prefixOf(lpm: Ipv6Lpm, id: number): string {
  return `${new Ipv6Address(lpm.network(id).slice())}/${lpm.prefixLength(id)}`;
}

for (const [form, listLimit] of [
  ["list then trie", 8],
  ["trie only", 0],
  ["default", undefined],
] as const) {
  test(`IPv6 (${form}): random add/remove sequences give the same answers as a naive longest match`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), prefixArbitrary), { maxLength: 40, size: "max" }),
        fc.array(addressArbitrary, { maxLength: 10 }),
        (ops, addresses) => {
          const lpm = new Ipv6Lpm(listLimit === undefined ? {} : { listLimit });
          const reference = new Map<string, Ipv6Prefix>();
          for (const [add, prefix] of ops) {
            if (add) {
              lpm.insert(prefix.address.bytes, prefix.length);
              reference.set(prefix.toString(), prefix);
            } else {
              assert.equal(
                lpm.remove(prefix.address.bytes, prefix.length),
                reference.delete(prefix.toString()),
              );
            }
            assert.equal(lpm.size, reference.size);
            const probes = [...addresses, ...[...reference.values()].map((p) => p.address)];
            for (const address of probes) {
              const expected = naiveLookup(reference.values(), address);
              const id = lpm.lookup(address.bytes);
              assert.equal(id < 0 ? undefined : prefixOf(lpm, id), expected?.toString());
            }
          }
          for (const prefix of reference.values()) lpm.remove(prefix.address.bytes, prefix.length);
          assert.equal(lpm.nodeCount, 1);
        },
      ),
      { numRuns: 150 },
    );
  });
}

test("IPv6: a 20,000-prefix synthetic table answers like a per-length exact-match reference, and empties to one node", () => {
  const { networks, lengths } = syntheticIpv6Table(20_000, 3);
  const lpm = new Ipv6Lpm();
  const ids: number[] = [];
  const byLength = new Map<number, Set<string>>();
  const keyOf = (bytes: Uint8Array, length: number) => {
    const masked = new Ipv6Prefix(new Ipv6Address(bytes.slice()), length).network;
    return masked.toString();
  };
  for (let i = 0; i < lengths.length; i++) {
    const network = networks.subarray(16 * i, 16 * i + 16);
    ids.push(lpm.insert(network.slice(), lengths[i]));
    let set = byLength.get(lengths[i]);
    if (!set) {
      set = new Set();
      byLength.set(lengths[i], set);
    }
    set.add(keyOf(network, lengths[i]));
  }
  assert.ok(lpm.isTrie);
  const present = [...byLength.keys()].sort((a, b) => b - a);
  const reference = (address: Uint8Array) => {
    for (const length of present) if (byLength.get(length)!.has(keyOf(address, length))) return length;
    return -1;
  };
  const rng = new SeededRandom(9);
  for (let probe = 0; probe < 3000; probe++) {
    // Half inside a random prefix, half anywhere in 2000::/3.
    const address = new Uint8Array(16);
    for (let i = 0; i < 16; i++) address[i] = rng.int(256);
    if (probe % 2 === 0) {
      const r = rng.int(lengths.length);
      const network = networks.subarray(16 * r, 16 * r + 16);
      for (let bit = 0; bit < lengths[r]; bit++) {
        const m = 0x80 >> (bit & 7);
        address[bit >> 3] = (address[bit >> 3] & ~m) | (network[bit >> 3] & m);
      }
    } else {
      address[0] = 0x20 | (address[0] & 0x1f);
    }
    const id = lpm.lookup(address);
    assert.equal(id < 0 ? -1 : lpm.prefixLength(id), reference(address));
  }
  // The bulk lookup gives the same answers, in any batch size.
  const batch = new Uint8Array(16 * 1000);
  for (let i = 0; i < batch.length; i++) batch[i] = rng.int(256);
  for (let k = 0; k < 1000; k += 2) {
    const r = rng.int(lengths.length);
    batch.set(networks.subarray(16 * r, 16 * r + 16), 16 * k);
  }
  const bulk = new Int32Array(1000);
  lpm.lookupBulk(batch, 0, 1000, bulk);
  for (let k = 0; k < 1000; k++) assert.equal(bulk[k], lpm.lookup(batch, 16 * k));
  const few = new Int32Array(3);
  lpm.lookupBulk(batch, 16 * 5, 3, few);
  assert.deepEqual(
    [...few],
    [5, 6, 7].map((k) => lpm.lookup(batch, 16 * k)),
  );
  const nodes = lpm.nodeCount;
  assert.ok(nodes > 1000, `${nodes} nodes`);
  for (const id of ids) lpm.delete(id);
  assert.equal(lpm.size, 0);
  assert.equal(lpm.lookup(networks.subarray(0, 16)), -1);
});

test("IPv6: /0, /128, lookup at an offset, host bits rejected, prefix order", () => {
  const lpm = new Ipv6Lpm();
  const any = lpm.insert(new Uint8Array(16), 0);
  const host = lpm.insert(Ipv6Address.parse("2001:db8::1").bytes, 128);
  const net = lpm.insert(Ipv6Prefix.parse("2001:db8::/32").address.bytes, 32);
  const packet = new Uint8Array(40);
  packet.set(Ipv6Address.parse("2001:db8::1").bytes, 24); // an IPv6 header's destination field
  assert.equal(lpm.lookup(packet, 24), host);
  assert.equal(lpm.lookup(Ipv6Address.parse("2001:db8::2").bytes), net);
  assert.equal(lpm.lookup(Ipv6Address.parse("::1").bytes), any);
  assert.throws(() => lpm.insert(Ipv6Address.parse("2001:db8::1").bytes, 64), RangeError);
  assert.deepEqual([...lpm.orderedIds()], [any, net, host]);
});
