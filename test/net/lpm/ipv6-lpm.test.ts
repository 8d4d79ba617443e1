import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv6Lpm } from "../../../src/net/lpm/ipv6-lpm.js";
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

test("IPv6: random add/remove sequences give the same answers as a naive longest match", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), prefixArbitrary), { maxLength: 40, size: "max" }),
      fc.array(addressArbitrary, { maxLength: 10 }),
      (ops, addresses) => {
        const lpm = new Ipv6Lpm();
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
