/**
 * fast-check arbitraries for the wire formats' representations: property tests generate valid
 * `Repr`s with these and check `parse(emit(repr))` gives them back; the decoder's tshark oracle
 * test reuses them. Every generated value is one that emit accepts and parse returns unchanged.
 */
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import { type EthernetRepr, EtherType } from "../../src/wire/ethernet.js";
import type { TcpRepr } from "../../src/wire/tcp.js";
import {
  TCP_MAX_OPTIONS_LENGTH,
  type TcpOption,
  TcpOptionKind,
  tcpOptionLength,
} from "../../src/wire/tcp-options.js";
import type { UdpRepr } from "../../src/wire/udp.js";

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

// ---- Transport layer (UDP, TCP) ----

/** Any IPv6 address. */
export const arbitraryIpv6Address: fc.Arbitrary<Ipv6Address> = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => new Ipv6Address(bytes));

/** The addresses of an IPv4 or an IPv6 header, for TCP/UDP/ICMPv6 checksums. */
export const arbitraryPseudoHeader: fc.Arbitrary<PseudoHeader> = fc.oneof(
  fc.record({ src: arbitraryIpv4Address, dst: arbitraryIpv4Address }),
  fc.record({ src: arbitraryIpv6Address, dst: arbitraryIpv6Address }),
);

const port = fc.integer({ min: 0, max: 0xffff });
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });

/** A UDP datagram with up to 1500 bytes of data. */
export const arbitraryUdpRepr: fc.Arbitrary<UdpRepr> = plainRecord<UdpRepr>({
  srcPort: port,
  dstPort: port,
  payload: arbitraryPayload(1500),
});

/** One TCP option other than EOL (those come from `arbitraryTcpOptions`' padding rule). */
export const arbitraryTcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: "nop" }),
  plainRecord({ kind: fc.constant("mss" as const), value: port }),
  plainRecord({ kind: fc.constant("window-scale" as const), shift: fc.integer({ min: 0, max: 255 }) }),
  fc.constant<TcpOption>({ kind: "sack-permitted" }),
  plainRecord({
    kind: fc.constant("sack" as const),
    blocks: fc.array(plainRecord({ left: uint32, right: uint32 }), { maxLength: 4 }),
  }),
  plainRecord({ kind: fc.constant("timestamps" as const), value: uint32, echo: uint32 }),
  plainRecord({
    kind: fc.constant("unknown" as const),
    // Kinds the parser does not interpret (a known kind is only "unknown" with a wrong length).
    type: fc.integer({ min: 6, max: 255 }).filter((type) => type !== TcpOptionKind.TIMESTAMPS),
    data: fc.uint8Array({ maxLength: 12 }),
  }),
);

/**
 * An option list as a parser returns it: options that fit in 40 bytes, ending, when they do not
 * fill a whole number of 32-bit words (or sometimes anyway), in EOL entries that account for the
 * zero padding (one EOL, plus one per byte of whole extra zero words a sender may add).
 */
export const arbitraryTcpOptions: fc.Arbitrary<TcpOption[]> = fc
  .tuple(fc.array(arbitraryTcpOption, { maxLength: 10 }), fc.boolean(), fc.integer({ min: 0, max: 2 }))
  .map(([body, endWithEol, extraWords]) => {
    const options: TcpOption[] = [];
    let length = 0;
    for (const option of body) {
      const size = tcpOptionLength(option);
      if (length + size > TCP_MAX_OPTIONS_LENGTH) break;
      options.push(option);
      length += size;
    }
    if (length === TCP_MAX_OPTIONS_LENGTH || (length % 4 === 0 && !endWithEol)) return options;
    let total = (length + 1 + 3) & ~3;
    while (extraWords > 0 && total + 4 <= TCP_MAX_OPTIONS_LENGTH) {
      total += 4;
      extraWords--;
    }
    for (let k = Math.max(1, total - length - 3); k > 0; k--) options.push({ kind: "eol" });
    return options;
  });

/** A TCP segment: any flags (reserved bits included), options as parsed, up to 1460 bytes of data. */
export const arbitraryTcpRepr: fc.Arbitrary<TcpRepr> = plainRecord<TcpRepr>({
  srcPort: port,
  dstPort: port,
  seq: uint32,
  ack: uint32,
  flags: fc.integer({ min: 0, max: 0xfff }),
  window: port,
  urgentPointer: port,
  options: arbitraryTcpOptions,
  payload: arbitraryPayload(1460),
});
