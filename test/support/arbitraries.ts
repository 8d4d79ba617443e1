/**
 * fast-check arbitraries for the wire formats' representations: property tests generate valid
 * `Repr`s with these and check `parse(emit(repr))` gives them back; the decoder's tshark oracle
 * test reuses them. Every generated value is one that emit accepts and parse returns unchanged.
 */
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { ArpOperation, type ArpRepr } from "../../src/wire/arp.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import { type EthernetRepr, EtherType } from "../../src/wire/ethernet.js";
import { type Icmpv4Repr, Icmpv4Type } from "../../src/wire/icmpv4.js";
import type { Icmpv6Repr } from "../../src/wire/icmpv6.js";
import { IpProtocol, type Ipv4Repr } from "../../src/wire/ipv4.js";
import {
  type DecodedIpv4Option,
  encodeIpv4Option,
  type Ipv4Option,
  Ipv4OptionType,
  ipv4OptionsLength,
  TimestampFlag,
} from "../../src/wire/ipv4-options.js";
import type { Ipv6Repr } from "../../src/wire/ipv6.js";
import {
  type Ipv6ExtensionHeader,
  type Ipv6FragmentHeader,
  type Ipv6Option,
  type Ipv6OptionsHeader,
  type Ipv6RoutingHeader,
  isIpv6ExtensionHeader,
  padIpv6Options,
} from "../../src/wire/ipv6-extensions.js";
import type { NdpOption, NdpRepr } from "../../src/wire/ndp.js";
import type { TcpRepr } from "../../src/wire/tcp.js";
import {
  TCP_MAX_OPTIONS_LENGTH,
  type TcpOption,
  TcpOptionKind,
  tcpOptionLength,
} from "../../src/wire/tcp-options.js";
import type { UdpRepr } from "../../src/wire/udp.js";
import type { VlanRepr } from "../../src/wire/vlan.js";

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

/**
 * Any IPv6 address, biased toward the shapes that exercise RFC 5952 text (runs of zero groups,
 * IPv4-mapped) as well as uniformly random ones.
 */
export const arbitraryIpv6Address: fc.Arbitrary<Ipv6Address> = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new Ipv6Address(b)),
  fc
    .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    })
    .map((groups) => Ipv6Address.fromGroups(groups)),
  fc
    .integer({ min: 0, max: 0xffff_ffff })
    .map((v) => Ipv6Address.fromGroups([0, 0, 0, 0, 0, 0xffff, v >>> 16, v & 0xffff])),
);

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
/** One 802.1Q/802.1ad tag with its payload. */
export const arbitraryVlanRepr: fc.Arbitrary<VlanRepr> = plainRecord<VlanRepr>({
  priority: fc.integer({ min: 0, max: 7 }),
  dropEligible: fc.boolean(),
  id: fc.integer({ min: 0, max: 4095 }),
  ethertype: arbitraryEtherType,
  payload: arbitraryPayload(),
});

/** An Ethernet/IPv4 ARP packet (any operation code, not only request and reply). */
export const arbitraryArpRepr: fc.Arbitrary<ArpRepr> = plainRecord<ArpRepr>({
  operation: fc.oneof(
    fc.constantFrom(ArpOperation.Request, ArpOperation.Reply),
    fc.integer({ min: 0, max: 0xffff }),
  ),
  senderMac: arbitraryMacAddress,
  senderIp: arbitraryIpv4Address,
  targetMac: arbitraryMacAddress,
  targetIp: arbitraryIpv4Address,
});

const knownOptionTypes = new Set<number>([
  Ipv4OptionType.EndOfList,
  Ipv4OptionType.NoOperation,
  Ipv4OptionType.RecordRoute,
  Ipv4OptionType.LooseSourceRoute,
  Ipv4OptionType.StrictSourceRoute,
  Ipv4OptionType.Timestamp,
  Ipv4OptionType.RouterAlert,
]);

/** A decoded IPv4 option that parse accepts (pointers at or above their minimums). */
export const arbitraryDecodedIpv4Option: fc.Arbitrary<DecodedIpv4Option> = fc.oneof(
  fc.constant<DecodedIpv4Option>({ kind: "no-operation" }),
  fc
    .record({
      kind: fc.constantFrom("record-route", "loose-source-route", "strict-source-route" as const),
      pointer: fc.integer({ min: 4, max: 255 }),
      addresses: fc.array(arbitraryIpv4Address, { maxLength: 9 }),
    })
    .map((o): DecodedIpv4Option => ({ ...o })),
  fc
    .record({
      pointer: fc.integer({ min: 5, max: 255 }),
      overflow: fc.integer({ min: 0, max: 15 }),
      flag: fc.constantFrom(
        TimestampFlag.TimestampsOnly,
        TimestampFlag.AddressAndTimestamp,
        TimestampFlag.Prespecified,
      ),
      count: fc.integer({ min: 0, max: 4 }),
      addresses: fc.array(arbitraryIpv4Address, { minLength: 4, maxLength: 4 }),
      timestamps: fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { minLength: 4, maxLength: 4 }),
    })
    .map(
      ({ pointer, overflow, flag, count, addresses, timestamps }): DecodedIpv4Option => ({
        kind: "timestamp",
        pointer,
        overflow,
        flag,
        entries: timestamps
          .slice(0, count)
          .map((timestamp, k) =>
            flag === TimestampFlag.TimestampsOnly ? { timestamp } : { address: addresses[k], timestamp },
          ),
      }),
    ),
  fc.integer({ min: 0, max: 0xffff }).map((value): DecodedIpv4Option => ({ kind: "router-alert", value })),
  fc
    .record({
      type: fc.integer({ min: 2, max: 255 }).filter((t) => !knownOptionTypes.has(t)),
      data: fc.uint8Array({ maxLength: 12 }),
    })
    .map(({ type, data }): DecodedIpv4Option => ({ kind: "unknown", type, data })),
);

/** One raw IPv4 option (never End of Option List, which only ends a list). */
export const arbitraryIpv4Option: fc.Arbitrary<Ipv4Option> = arbitraryDecodedIpv4Option.map(encodeIpv4Option);

/**
 * An options list that fits the 40 octets and that parse returns unchanged: sometimes ended by an
 * End of Option List whose padding reaches the header's end (see ipv4-options.ts).
 */
export const arbitraryIpv4Options: fc.Arbitrary<readonly Ipv4Option[]> = fc
  .array(arbitraryIpv4Option, { maxLength: 6 })
  .filter((options) => ipv4OptionsLength(options) <= 40)
  .chain((options) => {
    const length = ipv4OptionsLength(options);
    // Padding lengths d after an End of Option List that make the area end on a 32-bit boundary.
    const paddings: number[] = [];
    for (let d = (4 - ((length + 1) % 4)) % 4; length + 1 + d <= 40; d += 4) if (d > 0) paddings.push(d);
    if (paddings.length === 0) return fc.constant(options);
    return fc.oneof(
      fc.constant(options),
      fc
        .constantFrom(...paddings)
        .chain((d) => fc.uint8Array({ minLength: d, maxLength: d }))
        .map((padding) => {
          // A short all-zero tail is what emit's own padding looks like, which parse leaves out.
          if (padding.length < 3) padding[0] |= 1;
          return [...options, { type: Ipv4OptionType.EndOfList, data: padding }];
        }),
    );
  });

/** An IPv4 packet: mostly without options, fragment offsets in octets (multiples of 8). */
export const arbitraryIpv4Repr: fc.Arbitrary<Ipv4Repr> = plainRecord<Ipv4Repr>({
  dscp: fc.integer({ min: 0, max: 63 }),
  ecn: fc.integer({ min: 0, max: 3 }),
  identification: fc.integer({ min: 0, max: 0xffff }),
  reservedFlag: fc.boolean(),
  dontFragment: fc.boolean(),
  moreFragments: fc.boolean(),
  fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((units) => units * 8),
  ttl: fc.integer({ min: 0, max: 255 }),
  protocol: fc.oneof(
    fc.constantFrom(IpProtocol.ICMP, IpProtocol.TCP, IpProtocol.UDP),
    fc.integer({ min: 0, max: 255 }),
  ),
  src: arbitraryIpv4Address,
  dst: arbitraryIpv4Address,
  options: fc.oneof(
    { weight: 3, arbitrary: fc.constant<readonly Ipv4Option[]>([]) },
    { weight: 2, arbitrary: arbitraryIpv4Options },
  ),
  payload: arbitraryPayload(),
});

const echoFields = {
  identifier: fc.integer({ min: 0, max: 0xffff }),
  sequence: fc.integer({ min: 0, max: 0xffff }),
  data: arbitraryPayload(),
};
const modelledTypes = new Set<number>([
  Icmpv4Type.DestinationUnreachable,
  Icmpv4Type.Redirect,
  Icmpv4Type.TimeExceeded,
  Icmpv4Type.ParameterProblem,
]);

/** Any ICMPv4 message, every kind. */
export const arbitraryIcmpv4Repr: fc.Arbitrary<Icmpv4Repr> = fc.oneof(
  plainRecord({ kind: fc.constant("echo-request" as const), ...echoFields }),
  plainRecord({ kind: fc.constant("echo-reply" as const), ...echoFields }),
  plainRecord({
    kind: fc.constant("destination-unreachable" as const),
    code: fc.integer({ min: 0, max: 255 }),
    nextHopMtu: fc.integer({ min: 0, max: 0xffff }),
    invoking: arbitraryPayload(),
  }),
  plainRecord({
    kind: fc.constant("time-exceeded" as const),
    code: fc.integer({ min: 0, max: 255 }),
    invoking: arbitraryPayload(),
  }),
  plainRecord({
    kind: fc.constant("redirect" as const),
    code: fc.integer({ min: 0, max: 255 }),
    gateway: arbitraryIpv4Address,
    invoking: arbitraryPayload(),
  }),
  plainRecord({
    kind: fc.constant("parameter-problem" as const),
    code: fc.integer({ min: 0, max: 255 }),
    pointer: fc.integer({ min: 0, max: 255 }),
    invoking: arbitraryPayload(),
  }),
  plainRecord({
    kind: fc.constant("other" as const),
    type: fc.integer({ min: 0, max: 255 }).filter((t) => !modelledTypes.has(t)),
    code: fc.integer({ min: 0, max: 255 }),
    rest: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    data: arbitraryPayload(),
  }).filter((o) => !((o.type === Icmpv4Type.EchoRequest || o.type === Icmpv4Type.EchoReply) && o.code === 0)),
);

/** Any 32-bit unsigned integer. */
export const arbitraryUint32 = fc.integer({ min: 0, max: 0xffff_ffff });

// ---------------------------------------------------------------------------------------------
// IPv6

export const arbitraryIpv6Repr: fc.Arbitrary<Ipv6Repr> = plainRecord<Ipv6Repr>({
  dscp: fc.nat(63),
  ecn: fc.nat(3),
  flowLabel: fc.nat(0xfffff),
  nextHeader: fc.nat(255),
  hopLimit: fc.nat(255),
  src: arbitraryIpv6Address,
  dst: arbitraryIpv6Address,
  payload: fc.uint8Array({ maxLength: 300 }),
});

/** Options other than padding, with lengths that parse back to the same kind. */
export const arbitraryIpv6Option: fc.Arbitrary<Ipv6Option> = fc.oneof(
  fc.constant<Ipv6Option>({ kind: "pad1" }),
  fc.uint8Array({ maxLength: 6 }).map((data): Ipv6Option => ({ kind: "padn", data })),
  fc.nat(0xffff).map((value): Ipv6Option => ({ kind: "router-alert", value })),
  arbitraryUint32.map((length): Ipv6Option => ({ kind: "jumbo-payload", length })),
  fc
    .record({
      type: fc.nat(255).filter((t) => t !== 0x00 && t !== 0x01 && t !== 0x05 && t !== 0xc2),
      data: fc.uint8Array({ maxLength: 24 }),
    })
    .map((o): Ipv6Option => ({ kind: "unknown", ...o })),
);

const arbitraryOptionsHeader = (kind: Ipv6OptionsHeader["kind"]): fc.Arbitrary<Ipv6OptionsHeader> =>
  fc
    .array(arbitraryIpv6Option, { maxLength: 5 })
    .map((options) => ({ kind, nextHeader: 59, options: padIpv6Options(options) }));

const arbitraryRoutingHeader: fc.Arbitrary<Ipv6RoutingHeader> = fc
  .record({ routingType: fc.nat(255), segmentsLeft: fc.nat(255), units: fc.nat(6) })
  .chain(({ routingType, segmentsLeft, units }) =>
    fc
      .uint8Array({ minLength: 4 + units * 8, maxLength: 4 + units * 8 })
      .map(
        (data): Ipv6RoutingHeader => ({ kind: "routing", nextHeader: 59, routingType, segmentsLeft, data }),
      ),
  );

export const arbitraryIpv6FragmentHeader: fc.Arbitrary<Ipv6FragmentHeader> = fc
  .record({
    nextHeader: fc.nat(255),
    fragmentOffset: fc.nat(0x1fff),
    moreFragments: fc.boolean(),
    identification: arbitraryUint32,
  })
  .map((f) => ({ kind: "fragment", ...f, offsetBytes: f.fragmentOffset * 8 }));

const arbitraryOpaqueHeader: fc.Arbitrary<Ipv6ExtensionHeader> = fc
  .record({ protocol: fc.constantFrom(51, 135, 139, 140, 253, 254), units: fc.nat(4) })
  .chain(({ protocol, units }) =>
    fc
      .uint8Array({ minLength: 6 + units * 8, maxLength: 6 + units * 8 })
      .map((data): Ipv6ExtensionHeader => ({ kind: "opaque", protocol, nextHeader: 59, data })),
  );

/** Any one extension header (its Next Header is arbitrary until placed in a chain). */
export const arbitraryIpv6ExtensionHeader: fc.Arbitrary<Ipv6ExtensionHeader> = fc.oneof(
  arbitraryOptionsHeader("hop-by-hop"),
  arbitraryOptionsHeader("destination-options"),
  arbitraryRoutingHeader,
  arbitraryIpv6FragmentHeader,
  arbitraryOpaqueHeader,
);

function protocolOf(header: Ipv6ExtensionHeader): number {
  switch (header.kind) {
    case "hop-by-hop":
      return 0;
    case "destination-options":
      return 60;
    case "routing":
      return 43;
    case "fragment":
      return 44;
    case "opaque":
      return header.protocol;
  }
}

/** A chain that `walkIpv6Extensions` accepts, with the protocol that follows it. */
export interface ArbitraryChain {
  /** The IPv6 header's Next Header: the first header's protocol, or the upper layer. */
  firstProtocol: number;
  headers: Ipv6ExtensionHeader[];
  upperLayerProtocol: number;
}

export const arbitraryIpv6ExtensionChain: fc.Arbitrary<ArbitraryChain> = fc
  .record({
    hopByHop: fc.option(arbitraryOptionsHeader("hop-by-hop"), { nil: undefined }),
    rest: fc.array(
      arbitraryIpv6ExtensionHeader.filter((h) => h.kind !== "hop-by-hop"),
      { maxLength: 6 },
    ),
    upper: fc.nat(255).filter((p) => !isIpv6ExtensionHeader(p)),
  })
  .map(({ hopByHop, rest, upper }) => {
    const headers: Ipv6ExtensionHeader[] = hopByHop ? [hopByHop, ...rest] : [...rest];
    // A non-first fragment ends the walk: what follows it is data, not headers.
    const stop = headers.findIndex((h) => h.kind === "fragment" && h.fragmentOffset !== 0);
    if (stop >= 0) headers.length = stop + 1;
    for (let i = 0; i < headers.length; i++) {
      const next = i + 1 < headers.length ? protocolOf(headers[i + 1]) : upper;
      headers[i] = { ...headers[i], nextHeader: next };
    }
    const last = headers[headers.length - 1];
    return {
      firstProtocol: headers.length > 0 ? protocolOf(headers[0]) : upper,
      headers,
      upperLayerProtocol: last ? last.nextHeader : upper,
    };
  });

// ---------------------------------------------------------------------------------------------
// NDP and ICMPv6

const arbitraryCode = fc.oneof(fc.constant(0), fc.nat(255));

export const arbitraryNdpOption: fc.Arbitrary<NdpOption> = fc.oneof(
  arbitraryMacAddress.map((address): NdpOption => ({ kind: "source-link-layer-address", address })),
  arbitraryMacAddress.map((address): NdpOption => ({ kind: "target-link-layer-address", address })),
  fc
    .record({
      prefixLength: fc.nat(128),
      onLink: fc.boolean(),
      autonomous: fc.boolean(),
      reservedFlags: fc.nat(0x3f),
      validLifetime: arbitraryUint32,
      preferredLifetime: arbitraryUint32,
      prefix: arbitraryIpv6Address,
    })
    .map((o): NdpOption => ({ kind: "prefix-information", ...o })),
  fc
    .nat(8)
    .chain((units) => fc.uint8Array({ minLength: units * 8, maxLength: units * 8 }))
    .map((packet): NdpOption => ({ kind: "redirected-header", packet })),
  arbitraryUint32.map((mtu): NdpOption => ({ kind: "mtu", mtu })),
  fc
    .record({
      lifetime: arbitraryUint32,
      servers: fc.array(arbitraryIpv6Address, { minLength: 1, maxLength: 3 }),
    })
    .map((o): NdpOption => ({ kind: "recursive-dns-server", ...o })),
  fc
    .record({
      type: fc.nat(255).filter((t) => ![1, 2, 3, 4, 5, 25].includes(t)),
      units: fc.integer({ min: 1, max: 4 }),
    })
    .chain(({ type, units }) =>
      fc
        .uint8Array({ minLength: units * 8 - 2, maxLength: units * 8 - 2 })
        .map((data): NdpOption => ({ kind: "unknown", type, data })),
    ),
);

const arbitraryNdpOptions = fc.array(arbitraryNdpOption, { maxLength: 4 });

export const arbitraryNdpRepr: fc.Arbitrary<NdpRepr> = fc.oneof(
  fc
    .record({ code: arbitraryCode, options: arbitraryNdpOptions })
    .map((m): NdpRepr => ({ kind: "router-solicitation", ...m })),
  fc
    .record({
      code: arbitraryCode,
      curHopLimit: fc.nat(255),
      managed: fc.boolean(),
      other: fc.boolean(),
      reservedFlags: fc.nat(0x3f),
      routerLifetime: fc.nat(0xffff),
      reachableTime: arbitraryUint32,
      retransTimer: arbitraryUint32,
      options: arbitraryNdpOptions,
    })
    .map((m): NdpRepr => ({ kind: "router-advertisement", ...m })),
  fc
    .record({ code: arbitraryCode, target: arbitraryIpv6Address, options: arbitraryNdpOptions })
    .map((m): NdpRepr => ({ kind: "neighbor-solicitation", ...m })),
  fc
    .record({
      code: arbitraryCode,
      router: fc.boolean(),
      solicited: fc.boolean(),
      override: fc.boolean(),
      target: arbitraryIpv6Address,
      options: arbitraryNdpOptions,
    })
    .map((m): NdpRepr => ({ kind: "neighbor-advertisement", ...m })),
  fc
    .record({
      code: arbitraryCode,
      target: arbitraryIpv6Address,
      destination: arbitraryIpv6Address,
      options: arbitraryNdpOptions,
    })
    .map((m): NdpRepr => ({ kind: "redirect", ...m })),
);

const arbitraryInvoking = fc.uint8Array({ maxLength: 200 });

export const arbitraryIcmpv6Repr: fc.Arbitrary<Icmpv6Repr> = fc.oneof(
  fc
    .record({ code: fc.nat(255), invoking: arbitraryInvoking })
    .map((m): Icmpv6Repr => ({ kind: "destination-unreachable", ...m })),
  fc
    .record({ code: arbitraryCode, mtu: arbitraryUint32, invoking: arbitraryInvoking })
    .map((m): Icmpv6Repr => ({ kind: "packet-too-big", ...m })),
  fc
    .record({ code: fc.nat(255), invoking: arbitraryInvoking })
    .map((m): Icmpv6Repr => ({ kind: "time-exceeded", ...m })),
  fc
    .record({ code: fc.nat(255), pointer: arbitraryUint32, invoking: arbitraryInvoking })
    .map((m): Icmpv6Repr => ({ kind: "parameter-problem", ...m })),
  fc
    .record({
      kind: fc.constantFrom<"echo-request" | "echo-reply">("echo-request", "echo-reply"),
      code: arbitraryCode,
      identifier: fc.nat(0xffff),
      sequence: fc.nat(0xffff),
      data: fc.uint8Array({ maxLength: 200 }),
    })
    .map((m): Icmpv6Repr => ({ ...m })),
  fc
    .record({
      kind: fc.constantFrom(
        "multicast-listener-query",
        "multicast-listener-report",
        "multicast-listener-done",
        "multicast-listener-report-v2",
      ),
      code: arbitraryCode,
      body: fc.uint8Array({ maxLength: 60 }),
    })
    .map((m): Icmpv6Repr => ({ ...m })),
  arbitraryNdpRepr,
  fc
    .record({
      type: fc.nat(255).filter((t) => !(t >= 1 && t <= 4) && !(t >= 128 && t <= 137) && t !== 143),
      code: fc.nat(255),
      body: fc.uint8Array({ maxLength: 60 }),
    })
    .map((m): Icmpv6Repr => ({ kind: "other", ...m })),
);
