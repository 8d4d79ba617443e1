/**
 * fast-check arbitraries for the wire formats' representations: property tests generate valid
 * `Repr`s with these and check `parse(emit(repr))` gives them back; the decoder's tshark oracle
 * test reuses them. Every generated value is one that emit accepts and parse returns unchanged.
 */
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { type EthernetRepr, EtherType } from "../../src/wire/ethernet.js";

/** `fc.record` producing ordinary objects (so `deepStrictEqual` against a parsed `Repr` works). */
export function plainRecord<T extends object>(
  model: { [K in keyof T]: fc.Arbitrary<T[K]> },
): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

/** Any 48-bit MAC address (unicast, multicast and broadcast alike). */
export const arbitraryMacAddress: fc.Arbitrary<MacAddress> = fc
  .integer({ min: 0, max: 0xffff_ffff_ffff })
  .map((value) => new MacAddress(value));

/** Any IPv4 address. */
export const arbitraryIpv4Address: fc.Arbitrary<Ipv4Address> = fc
  .integer({ min: 0, max: 0xffff_ffff })
  .map((value) => new Ipv4Address(value));

/** A payload of up to `maxLength` random octets. */
export function arbitraryPayload(maxLength = 64): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ minLength: 0, maxLength });
}

/** An EtherType: mostly the common ones, sometimes any value (including 802.3 lengths). */
export const arbitraryEtherType: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(EtherType.IPv4, EtherType.ARP, EtherType.IPv6, EtherType.VLAN, EtherType.QinQ),
  fc.integer({ min: 0, max: 0xffff }),
);

/** An Ethernet II frame with a random payload. */
export const arbitraryEthernetRepr: fc.Arbitrary<EthernetRepr> = plainRecord<EthernetRepr>({
  dst: arbitraryMacAddress,
  src: arbitraryMacAddress,
  ethertype: arbitraryEtherType,
  payload: arbitraryPayload(),
});
