import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { IPV6_HEADER_LENGTH, parseIpv6 } from "../../src/wire/ipv6.js";
import {
  describeIpv6ExtensionHeader,
  emitIpv6ExtensionHeader,
  emitIpv6Extensions,
  IPV6_MAX_EXTENSION_HEADERS,
  type Ipv6ExtensionChain,
  type Ipv6ExtensionHeader,
  Ipv6FragmentHeaderView,
  Ipv6NextHeader,
  type Ipv6Option,
  Ipv6OptionsHeaderView,
  Ipv6RoutingHeaderView,
  ipv6ExtensionHeaderLength,
  ipv6ExtensionsLength,
  ipv6OptionAction,
  ipv6OptionMayChange,
  isDeprecatedRoutingType,
  padIpv6Options,
  parseIpv6ExtensionHeader,
  parseSegmentRoutingHeader,
  routingHeaderAddresses,
  walkIpv6Extensions,
} from "../../src/wire/ipv6-extensions.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import { arbitraryIpv6ExtensionChain, arbitraryIpv6ExtensionHeader } from "../support/arbitraries.js";
import { ipv6Packets } from "../support/pcap-frames.js";
import { hasShared, needSystem } from "../support/system.js";

const hexBytes = (text: string) =>
  Uint8Array.from(
    text
      .replace(/\s+/g, "")
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );

function walk(nextHeader: number, bytes: Uint8Array): Ipv6ExtensionChain {
  const chain = walkIpv6Extensions(nextHeader, bytes);
  if (isParseError(chain)) assert.fail(`unexpected ParseError: ${chain}`);
  return chain;
}

function walkError(nextHeader: number, bytes: Uint8Array, reason: RegExp): ParseError {
  const chain = walkIpv6Extensions(nextHeader, bytes);
  assert.ok(isParseError(chain), `expected a ParseError, got ${JSON.stringify(chain)}`);
  assert.match(chain.reason, reason);
  return chain;
}

/** The payload of a corpus packet's IPv6 header, untrimmed (for packets parseIpv6 rejects). */
const afterHeader = (packet: Uint8Array) => packet.subarray(IPV6_HEADER_LENGTH);

test("no extension headers: the upper layer starts at offset 0", () => {
  const chain = walk(Ipv6NextHeader.Tcp, new Uint8Array(20));
  assert.deepEqual(chain, { headers: [], upperLayerProtocol: 6, upperLayerOffset: 0, fragment: undefined });
});

// Hand-checked chain in RFC 8200 §4.1's recommended order:
// HBH (Router Alert 0, PadN of 2) → Destination Options (unknown 0x1e with 2 data octets, PadN of 2)
// → Routing (type 2, one address) → Fragment (first, M set) → Destination Options (PadN of 6) → UDP.
const CHAIN = hexBytes(`
  3c00 0502 0000 0100
  2b00 1e02 abcd 0100
  2c02 0201 00000000 20010db8000000000000000000000099
  3c00 0001 12345678
  1100 0104 00000000
  d00d`);

test("a hand-checked chain walks to UDP in RFC 8200 §4.1 order", () => {
  const chain = walk(Ipv6NextHeader.HopByHop, CHAIN);
  assert.equal(chain.upperLayerProtocol, Ipv6NextHeader.Udp);
  assert.equal(chain.upperLayerOffset, 56);
  assert.deepEqual(
    chain.headers.map((h) => h.kind),
    ["hop-by-hop", "destination-options", "routing", "fragment", "destination-options"],
  );
  const [hbh, dst1, routing, fragment, dst2] = chain.headers;
  assert.deepEqual(hbh, {
    kind: "hop-by-hop",
    nextHeader: 60,
    options: [
      { kind: "router-alert", value: 0 },
      { kind: "padn", data: new Uint8Array(0) },
    ],
  });
  assert.equal(dst1.kind, "destination-options");
  assert.deepEqual((dst1 as { options: Ipv6Option[] }).options, [
    { kind: "unknown", type: 0x1e, data: Uint8Array.from([0xab, 0xcd]) },
    { kind: "padn", data: new Uint8Array(0) },
  ]);
  assert.equal(routing.kind, "routing");
  if (routing.kind !== "routing") return;
  assert.equal(routing.routingType, 2);
  assert.equal(routing.segmentsLeft, 1);
  assert.deepEqual((routingHeaderAddresses(routing) as Ipv6Address[]).map(String), ["2001:db8::99"]);
  assert.deepEqual(fragment, {
    kind: "fragment",
    nextHeader: 60,
    fragmentOffset: 0,
    offsetBytes: 0,
    moreFragments: true,
    identification: 0x12345678,
  });
  assert.equal(chain.fragment, fragment);
  assert.equal(dst2.kind, "destination-options");
  // Emitting the headers gives back the same octets.
  const out = new Uint8Array(ipv6ExtensionsLength(chain.headers));
  assert.equal(emitIpv6Extensions(chain.headers, out), 56);
  assert.deepEqual(out, CHAIN.subarray(0, 56));
});

test("a non-first fragment ends the walk: what follows is data, not a header", () => {
  const bytes = hexBytes("3a00 05a9 00000001 80 00 ffff");
  const chain = walk(Ipv6NextHeader.Fragment, bytes);
  const fragment = chain.fragment!;
  assert.equal(fragment.fragmentOffset, 0x5a9 >>> 3);
  assert.equal(fragment.offsetBytes, (0x5a9 >>> 3) * 8);
  assert.equal(fragment.moreFragments, true);
  assert.equal(chain.upperLayerProtocol, 58);
  assert.equal(chain.upperLayerOffset, 8);
});

test("ESP ends the walk (the rest is encrypted); AH is walked over in 4-octet units", () => {
  // AH (RFC 4302): Payload Len 4 → (4 + 2) × 4 = 24 octets, then ESP.
  const bytes = new Uint8Array(40);
  bytes[0] = Ipv6NextHeader.Esp;
  bytes[1] = 4;
  const chain = walk(Ipv6NextHeader.Ah, bytes);
  assert.equal(chain.headers.length, 1);
  assert.equal(chain.headers[0].kind, "opaque");
  assert.equal(chain.upperLayerProtocol, Ipv6NextHeader.Esp);
  assert.equal(chain.upperLayerOffset, 24);
  const out = new Uint8Array(24);
  emitIpv6ExtensionHeader(chain.headers[0], out);
  assert.deepEqual(out, bytes.subarray(0, 24));
});

test("walk errors: truncation at every point, Hop-by-Hop not first, too many headers", () => {
  for (let cut = 0; cut < 56; cut++) {
    const error = walkIpv6Extensions(Ipv6NextHeader.HopByHop, CHAIN.subarray(0, cut));
    assert.ok(isParseError(error), `cut at ${cut}`);
    assert.ok(error.offset <= cut, `offset ${error.offset} within ${cut}`);
  }
  walkError(60, hexBytes("0000 0104 00000000 3a00 0104 00000000"), /must immediately follow the IPv6 header/);
  const long = new Uint8Array(8 * (IPV6_MAX_EXTENSION_HEADERS + 1));
  for (let i = 0; i < IPV6_MAX_EXTENSION_HEADERS + 1; i++) {
    long.set([60, 0, 1, 4], i * 8);
  }
  const error = walkError(60, long, /more than 16 extension headers/);
  assert.equal(error.offset, 128);
  const sixteen = long.slice(0, 8 * IPV6_MAX_EXTENSION_HEADERS);
  sixteen[8 * (IPV6_MAX_EXTENSION_HEADERS - 1)] = Ipv6NextHeader.NoNextHeader;
  assert.equal(walk(60, sixteen).headers.length, 16);
  walkError(0, hexBytes("3a00 0509 0000 0000"), /claims 9 data octets but only 4 remain/);
  walkError(0, hexBytes("3a00 0000 0000 0005"), /no room for its length octet/);
  walkError(44, hexBytes("3a00 0000 0000 00"), /truncated: 7 octets, the Fragment header needs 8/);
  walkError(43, hexBytes("3a01 0000 0000 0000"), /header length 16 octets exceeds the 8 octets/);
});

test("options: unknown ones are kept byte-exact with the action their two high bits require", () => {
  assert.equal(ipv6OptionAction(0x1e), "skip");
  assert.equal(ipv6OptionAction(0x5e), "discard");
  assert.equal(ipv6OptionAction(0x9e), "discard-and-report");
  assert.equal(ipv6OptionAction(0xde), "discard-and-report-unless-multicast");
  assert.equal(ipv6OptionAction(0xc2), "discard-and-report-unless-multicast", "Jumbo Payload");
  assert.equal(ipv6OptionMayChange(0x3e), true);
  assert.equal(ipv6OptionMayChange(0x1e), false);
  // A Router Alert with the wrong length is not decoded as one: it is kept as received.
  const header = parseIpv6ExtensionHeader(0, hexBytes("3a00 0501 ff01 0000"));
  assert.deepEqual(header, {
    kind: "hop-by-hop",
    nextHeader: 58,
    options: [
      { kind: "unknown", type: 5, data: Uint8Array.from([0xff]) },
      { kind: "padn", data: new Uint8Array(0) },
      { kind: "pad1" },
    ],
  });
});

test("padIpv6Options pads to a multiple of 8; emit refuses what is not", () => {
  const lengths = (options: Ipv6Option[]) =>
    ipv6ExtensionHeaderLength({ kind: "hop-by-hop", nextHeader: 59, options });
  assert.equal(lengths(padIpv6Options([])), 8);
  assert.equal(lengths(padIpv6Options([{ kind: "router-alert", value: 0 }])), 8);
  const five = padIpv6Options([{ kind: "unknown", type: 0x1e, data: new Uint8Array(3) }]);
  assert.deepEqual(five[1], { kind: "pad1" });
  assert.equal(lengths(five), 8);
  assert.equal(lengths(padIpv6Options([{ kind: "jumbo-payload", length: 70000 }])), 8);
  assert.throws(
    () =>
      emitIpv6ExtensionHeader(
        { kind: "destination-options", nextHeader: 59, options: [{ kind: "pad1" }] },
        new Uint8Array(8),
      ),
    /not a multiple of 8/,
  );
  assert.throws(
    () =>
      emitIpv6ExtensionHeader(
        {
          kind: "fragment",
          nextHeader: 6,
          fragmentOffset: 2,
          offsetBytes: 8,
          moreFragments: false,
          identification: 1,
        },
        new Uint8Array(8),
      ),
    /offsetBytes 8 is not fragmentOffset 2 × 8/,
  );
  assert.throws(
    () =>
      emitIpv6ExtensionHeader(
        { kind: "routing", nextHeader: 6, routingType: 0, segmentsLeft: 0, data: new Uint8Array(4) },
        new Uint8Array(4),
      ),
    RangeError,
  );
});

test("views read and write the Fragment, Routing and options headers in place", () => {
  const bytes = new Uint8Array(8);
  const fragment = new Ipv6FragmentHeaderView(bytes);
  fragment.nextHeader = 17;
  fragment.fragmentOffsetBytes = 1480;
  fragment.moreFragments = true;
  fragment.identification = 0xdeadbeef;
  assert.equal(fragment.fragmentOffset, 185);
  assert.deepEqual(parseIpv6ExtensionHeader(44, bytes), {
    kind: "fragment",
    nextHeader: 17,
    fragmentOffset: 185,
    offsetBytes: 1480,
    moreFragments: true,
    identification: 0xdeadbeef,
  });
  fragment.moreFragments = false;
  assert.equal(fragment.fragmentOffset, 185);
  fragment.fragmentOffset = 0x1fff;
  assert.equal(fragment.moreFragments, false);
  assert.equal(fragment.fragmentOffsetBytes, 0x1fff * 8);

  const routing = new Ipv6RoutingHeaderView(CHAIN.slice(16, 40));
  assert.equal(routing.nextHeader, 44);
  assert.equal(routing.headerExtensionLength, 2);
  assert.equal(routing.length, 24);
  assert.equal(routing.routingType, 2);
  assert.equal(routing.segmentsLeft, 1);
  routing.segmentsLeft = 0;
  assert.equal(routing.bytes[3], 0);
  assert.equal(routing.data.length, 20);
  const options = new Ipv6OptionsHeaderView(CHAIN.slice(0, 8));
  assert.deepEqual([...options.optionBytes], [5, 2, 0, 0, 1, 0]);
});

test("descriptions: summaries like tcpdump's, offsets that stay inside the header", () => {
  const chain = walk(0, CHAIN);
  const hbh = describeIpv6ExtensionHeader(chain.headers[0], CHAIN.subarray(0, 8));
  assert.equal(hbh.summary, "HBH (rtalert: 0x0000) (padn)");
  assert.equal(hbh.layer, "ipv6-hop-by-hop");
  const options = hbh.fields.find((f) => f.name === "Options")!;
  assert.deepEqual(
    options.children?.map((c) => [c.name, c.offset, c.length]),
    [
      ["Router Alert", 2, 4],
      ["PadN", 6, 2],
    ],
  );
  assert.match(options.children![0].meaning!, /Multicast Listener Discovery/);
  const unknown = describeIpv6ExtensionHeader(chain.headers[1]).fields.find((f) => f.name === "Options")!;
  assert.match(unknown.children![0].meaning!, /if not recognized: skip/);
  assert.equal(describeIpv6ExtensionHeader(chain.headers[3]).summary, "frag (0x12345678:0|M)");
  for (const header of chain.headers) {
    const length = ipv6ExtensionHeaderLength(header);
    const walkFields = (fields: ReturnType<typeof describeIpv6ExtensionHeader>["fields"]) => {
      for (const f of fields) {
        assert.ok((f.offset ?? 0) + (f.length ?? 0) <= length, `${f.name} inside the ${header.kind} header`);
        if (f.children) walkFields(f.children);
      }
    };
    walkFields(describeIpv6ExtensionHeader(header).fields);
  }
});

// ---------------------------------------------------------------------------------------------
// Real captures

test("real captures: routing header type 0 (deprecated) and the Segment Routing Header", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  // RT6 (len=2, type=0 [Deprecated], segleft=1, [0]2200::210:2:0:0:4) ICMP6 echo request
  // RT6 (len=4, type=0 [Deprecated], segleft=2, [0]2200::210:2:0:0:4, [1]2200::240:2:0:0:4)
  const [first, second, third] = ipv6Packets("ipv6-routing-header.pcap").map((p) => parseIpv6(p));
  for (const [packet, addresses, upper] of [
    [first, ["2200::210:2:0:0:4"], 58],
    [second, ["2200::210:2:0:0:4", "2200::240:2:0:0:4"], 58],
    [third, ["2200::210:2:0:0:4"], 17],
  ] as const) {
    if (isParseError(packet)) assert.fail(String(packet));
    const chain = walk(packet.nextHeader, packet.payload);
    const routing = chain.headers[0];
    assert.equal(routing.kind, "routing");
    if (routing.kind !== "routing") return;
    assert.equal(routing.routingType, 0);
    assert.ok(isDeprecatedRoutingType(routing.routingType));
    assert.equal(routing.segmentsLeft, addresses.length);
    assert.deepEqual((routingHeaderAddresses(routing) as Ipv6Address[]).map(String), addresses);
    assert.equal(chain.upperLayerProtocol, upper);
    assert.equal(chain.upperLayerOffset, 8 + 16 * addresses.length);
    assert.match(
      describeIpv6ExtensionHeader(routing).summary,
      /^RT6 \(len=\d, type=0 \[Deprecated\], segleft=\d\)$/,
    );
  }

  // RT6 (len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=0, [0]a:b:c:3::d6, [1]a:b:c:2::f1:0) IP6 ...
  const srhPacket = parseIpv6(ipv6Packets("ipv6-srh-ext-header.pcap")[0]);
  if (isParseError(srhPacket)) assert.fail(String(srhPacket));
  const srhChain = walk(srhPacket.nextHeader, srhPacket.payload);
  assert.equal(srhChain.upperLayerProtocol, Ipv6NextHeader.Ipv6);
  assert.equal(srhChain.upperLayerOffset, 40);
  const srhHeader = srhChain.headers[0];
  if (srhHeader.kind !== "routing") assert.fail("routing header expected");
  const srh = parseSegmentRoutingHeader(srhHeader);
  if (isParseError(srh)) assert.fail(String(srh));
  assert.equal(srh.lastEntry, 1);
  assert.equal(srh.flags, 0);
  assert.equal(srh.tag, 0);
  assert.deepEqual(srh.segments.map(String), ["a:b:c:3::d6", "a:b:c:2::f1:0"]);
  assert.equal(srh.tlvs.length, 0);
  const inner = parseIpv6(srhPacket.payload.subarray(40));
  if (isParseError(inner)) assert.fail(String(inner));
  assert.equal(inner.dst.toString(), "b2::2");

  // An SRH with TLVs (Pad1, PadN of 5) after a one-entry segment list.
  const tlvPacket = parseIpv6(ipv6Packets("ipv6-srh-tlv-pad1-padn-5.pcap")[0]);
  if (isParseError(tlvPacket)) assert.fail(String(tlvPacket));
  const tlvChain = walk(tlvPacket.nextHeader, tlvPacket.payload);
  assert.equal(tlvChain.upperLayerProtocol, Ipv6NextHeader.NoNextHeader);
  const tlvHeader = tlvChain.headers[0];
  if (tlvHeader.kind !== "routing") assert.fail("routing header expected");
  const tlvSrh = parseSegmentRoutingHeader(tlvHeader);
  if (isParseError(tlvSrh)) assert.fail(String(tlvSrh));
  assert.deepEqual(tlvSrh.segments.map(String), ["cafe:1::2"]);
  assert.deepEqual([...tlvSrh.tlvs], [0, 4, 5, 0, 0, 0, 0, 0]);
});

test("real captures: Hop-by-Hop with Router Alert (MLD), jumbo and odd options, fragments", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  // HBH (rtalert: 0x0000) (padn) ICMP6, multicast listener report v2
  const mld = parseIpv6(ipv6Packets("icmpv6.pcap")[1]);
  if (isParseError(mld)) assert.fail(String(mld));
  const chain = walk(mld.nextHeader, mld.payload);
  assert.deepEqual(chain.headers, [
    {
      kind: "hop-by-hop",
      nextHeader: 58,
      options: [
        { kind: "router-alert", value: 0 },
        { kind: "padn", data: new Uint8Array(0) },
      ],
    },
  ]);
  assert.equal(chain.upperLayerOffset, 8);

  // HBH (jumbo: 65536): parseIpv6 refuses jumbograms, but the option itself is recognized.
  const jumbo = walk(0, afterHeader(ipv6Packets("ipv6_jumbogram_1.pcap")[0]));
  assert.deepEqual(jumbo.headers[0], {
    kind: "hop-by-hop",
    nextHeader: 58,
    options: [{ kind: "jumbo-payload", length: 65536 }],
  });

  // A fuzzed HBH full of unknown options and a non-zero PadN, decoded as tcpdump does:
  // (opt_type 0x1a: len=0)(padn)(opt_type 0x16: len=0)(opt_type 0x64: len=114)(jumbo: 3858694210)
  // (opt_type 0x42: len=3)(opt_type 0xfe: len=6)(pad1)(jumbo: 248)(opt_type 0x0e: len=8)(opt_type 0x07: len=4)
  // (opt_type 0xf1: len=60) ... ip-proto-12. Every option is kept byte-exact.
  const fuzzedBytes = afterHeader(ipv6Packets("ipv6-too-long-jumbo.pcap")[0]);
  const fuzzed = walk(0, fuzzedBytes);
  assert.equal(fuzzed.upperLayerProtocol, 12);
  const hbh = fuzzed.headers[0];
  if (hbh.kind !== "hop-by-hop") assert.fail("hop-by-hop expected");
  const brief = (o: Ipv6Option) =>
    o.kind === "unknown"
      ? `${o.type.toString(16)}:${o.data.length}`
      : o.kind === "jumbo-payload"
        ? `jumbo:${o.length}`
        : o.kind === "padn"
          ? `padn:${o.data.length}`
          : o.kind;
  assert.deepEqual(hbh.options.map(brief), [
    "1a:0",
    "padn:180",
    "16:0",
    "64:114",
    "jumbo:3858694210",
    "42:3",
    "fe:6",
    "pad1",
    "jumbo:248",
    "e:8",
    "7:4",
    "f1:60",
  ]);
  const out = new Uint8Array(ipv6ExtensionsLength(fuzzed.headers));
  emitIpv6Extensions(fuzzed.headers, out);
  assert.deepEqual(out, fuzzedBytes.subarray(0, out.length));

  // frag (0x80000074:1280|...): a non-first fragment with next header 2.
  const fragment = walk(44, afterHeader(ipv6Packets("ipv6_frag6_negative_len.pcap")[0]));
  assert.deepEqual(fragment.fragment, {
    kind: "fragment",
    nextHeader: 2,
    fragmentOffset: 160,
    offsetBytes: 1280,
    moreFragments: false,
    identification: 0x80000074,
  });
  assert.equal(fragment.upperLayerProtocol, 2);
  assert.equal(fragment.upperLayerOffset, 8);
  // ip6_frag_asan: only 6 octets of the Fragment header were captured.
  walkError(44, afterHeader(ipv6Packets("ip6_frag_asan.pcap")[0]), /truncated: 6 octets/);
  // ipv6-rthdr-oobr: a routing header whose length runs past the capture.
  walkError(43, afterHeader(ipv6Packets("ipv6-rthdr-oobr.pcap")[0]), /exceeds/);
  walkError(
    0,
    afterHeader(ipv6Packets("ipv6_missing_jumbo_payload_option.pcap")[0]).subarray(0, 0),
    /truncated/,
  );
});

// ---------------------------------------------------------------------------------------------
// Properties

test("property: walking an emitted chain gives back the headers, the upper layer and its offset", () => {
  fc.assert(
    fc.property(arbitraryIpv6ExtensionChain, fc.uint8Array({ maxLength: 40 }), (chain, upper) => {
      const length = ipv6ExtensionsLength(chain.headers);
      const bytes = new Uint8Array(length + upper.length);
      assert.equal(emitIpv6Extensions(chain.headers, bytes), length);
      bytes.set(upper, length);
      const walked = walk(chain.firstProtocol, bytes);
      assert.deepStrictEqual(walked.headers, chain.headers);
      assert.equal(walked.upperLayerProtocol, chain.upperLayerProtocol);
      assert.equal(walked.upperLayerOffset, length);
      assert.equal(
        walked.fragment,
        walked.headers.find((h) => h.kind === "fragment"),
      );
    }),
    { numRuns: 400 },
  );
});

test("property: one header round-trips through emit and parse", () => {
  fc.assert(
    fc.property(arbitraryIpv6ExtensionHeader, (header) => {
      const bytes = new Uint8Array(ipv6ExtensionHeaderLength(header));
      emitIpv6ExtensionHeader(header, bytes);
      const protocol =
        header.kind === "opaque"
          ? header.protocol
          : ({ "hop-by-hop": 0, "destination-options": 60, routing: 43, fragment: 44 } as const)[header.kind];
      assert.deepStrictEqual(parseIpv6ExtensionHeader(protocol, bytes), header);
    }),
    { numRuns: 400 },
  );
});

test("property: random bytes never make the walk throw or run past its bounds; what parses re-emits exactly", () => {
  const protocols = [0, 43, 44, 51, 60, 135, 139, 140, 253, 254];
  fc.assert(
    fc.property(fc.constantFrom(...protocols), fc.uint8Array({ maxLength: 300 }), (first, bytes) => {
      const result = walkIpv6Extensions(first, bytes);
      if (result instanceof ParseError) {
        assert.ok(result.offset >= 0 && result.offset <= bytes.length);
        return;
      }
      assert.ok(result.headers.length <= IPV6_MAX_EXTENSION_HEADERS);
      assert.ok(result.upperLayerOffset <= bytes.length);
      // Every header but the Fragment header (reserved fields) is kept byte-exact.
      let at = 0;
      for (const header of result.headers as Ipv6ExtensionHeader[]) {
        const length = ipv6ExtensionHeaderLength(header);
        if (header.kind !== "fragment") {
          const out = new Uint8Array(length);
          emitIpv6ExtensionHeader(header, out);
          assert.deepEqual(out, bytes.subarray(at, at + length));
        }
        describeIpv6ExtensionHeader(header);
        at += length;
      }
    }),
    { numRuns: 1500 },
  );
});

test("property: parseSegmentRoutingHeader and routingHeaderAddresses never throw on any routing data", () => {
  fc.assert(
    fc.property(fc.nat(255), fc.uint8Array({ maxLength: 120 }), (routingType, data) => {
      const header = { kind: "routing" as const, nextHeader: 59, routingType, segmentsLeft: 0, data };
      const srh = parseSegmentRoutingHeader({ ...header, routingType: 4 });
      if (!isParseError(srh)) assert.ok(4 + srh.segments.length * 16 + srh.tlvs.length === data.length);
      routingHeaderAddresses(header);
      describeIpv6ExtensionHeader(header);
      describeIpv6ExtensionHeader({ ...header, routingType: 4 });
      describeIpv6ExtensionHeader({ ...header, routingType: 0 });
    }),
    { numRuns: 500 },
  );
});
