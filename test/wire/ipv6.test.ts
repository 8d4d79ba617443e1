import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import {
  describeIpv6,
  dscpName,
  emitIpv6,
  emitIpv6Header,
  IPV6_HEADER_LENGTH,
  Ipv6View,
  ipv6PacketLength,
  parseIpv6,
} from "../../src/wire/ipv6.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import { arbitraryIpv6Repr } from "../support/arbitraries.js";
import {
  ipv6InEthernet,
  ipv6Packets,
  readPcap,
  tcpdumpCaptures,
  tcpdumpFrames,
} from "../support/pcap-frames.js";
import { hasShared, needSystem } from "../support/system.js";

const hexBytes = (text: string) =>
  Uint8Array.from(
    text
      .replace(/\s+/g, "")
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );

function expectRepr(value: ReturnType<typeof parseIpv6>) {
  if (isParseError(value)) assert.fail(`unexpected ParseError: ${value}`);
  return value;
}

function expectError(value: ReturnType<typeof parseIpv6>, reason: RegExp): ParseError {
  assert.ok(isParseError(value), `expected a ParseError, got ${JSON.stringify(value)}`);
  assert.equal(value.layer, "ipv6");
  assert.match(value.reason, reason);
  return value;
}

// RFC 8200 §3, checked by hand: version 6, traffic class 0x78, flow label 0x9abcd, payload 8,
// next header 59 (No Next Header), hop limit 64, 2001:db8::1 > 2001:db8::2.
const HAND_BUILT = hexBytes(`
  6789abcd 0008 3b 40
  20010db8000000000000000000000001
  20010db8000000000000000000000002
  0102030405060708`);

test("a hand-checked header parses field by field", () => {
  const repr = expectRepr(parseIpv6(HAND_BUILT));
  assert.equal(repr.dscp, 0x78 >>> 2);
  assert.equal(repr.ecn, 0);
  assert.equal(repr.flowLabel, 0x9abcd);
  assert.equal(repr.nextHeader, 59);
  assert.equal(repr.hopLimit, 64);
  assert.equal(repr.src.toString(), "2001:db8::1");
  assert.equal(repr.dst.toString(), "2001:db8::2");
  assert.deepEqual([...repr.payload], [1, 2, 3, 4, 5, 6, 7, 8]);
  // Zero-copy: the payload is a window on the input.
  assert.equal(repr.payload.buffer, HAND_BUILT.buffer);
  const out = new Uint8Array(ipv6PacketLength(repr));
  assert.equal(emitIpv6(repr, out), 48);
  assert.deepEqual(out, HAND_BUILT);
});

test("the view reads and writes every field in place", () => {
  const bytes = HAND_BUILT.slice();
  const view = new Ipv6View(bytes);
  assert.equal(view.version, 6);
  assert.equal(view.trafficClass, 0x78);
  assert.equal(view.dscp, 30);
  assert.equal(view.ecn, 0);
  assert.equal(view.flowLabel, 0x9abcd);
  assert.equal(view.payloadLength, 8);
  assert.equal(view.nextHeader, 59);
  assert.equal(view.hopLimit, 64);
  assert.equal(view.src.toString(), "2001:db8::1");
  assert.equal(view.dst.toString(), "2001:db8::2");
  assert.equal(view.payload.length, 8);

  view.ecn = 3; // a router marks Congestion Experienced (RFC 3168)
  assert.equal(view.dscp, 30);
  assert.equal(view.trafficClass, 0x7b);
  view.dscp = 46;
  assert.equal(view.trafficClass, (46 << 2) | 3);
  assert.equal(view.flowLabel, 0x9abcd, "changing the traffic class keeps the flow label");
  assert.equal(view.version, 6);
  view.flowLabel = 0xfffff;
  assert.equal(view.trafficClass, (46 << 2) | 3, "changing the flow label keeps the traffic class");
  view.hopLimit -= 1;
  view.nextHeader = 58;
  view.payloadLength = 4;
  view.src = Ipv6Address.parse("fe80::1");
  view.dst = Ipv6Address.parse("ff02::1");
  view.version = 6;
  const repr = expectRepr(parseIpv6(bytes));
  assert.equal(repr.dscp, 46);
  assert.equal(repr.ecn, 3);
  assert.equal(repr.flowLabel, 0xfffff);
  assert.equal(repr.hopLimit, 63);
  assert.equal(repr.nextHeader, 58);
  assert.equal(repr.src.toString(), "fe80::1");
  assert.equal(repr.dst.toString(), "ff02::1");
  assert.equal(repr.payload.length, 4);
  assert.ok(Ipv6View.checked(bytes) instanceof Ipv6View);
  assert.ok(isParseError(Ipv6View.checked(bytes.subarray(0, 39))));
});

test("errors: truncated header, wrong version, payload length beyond the buffer", () => {
  const short = expectError(parseIpv6(HAND_BUILT.subarray(0, 39)), /truncated: 39 octets/);
  assert.equal(short.offset, 39);
  const v4 = HAND_BUILT.slice();
  v4[0] = 0x45;
  expectError(parseIpv6(v4), /version 4 is not 6/);
  const cut = expectError(parseIpv6(HAND_BUILT.subarray(0, 47)), /payload length 8 exceeds the 7 octets/);
  assert.equal(cut.offset, 4);
  assert.equal(expectError(parseIpv6(new Uint8Array(0)), /truncated/).offset, 0);
});

test("octets beyond Payload Length (Ethernet padding) are ignored, and the description says so", () => {
  const padded = new Uint8Array(HAND_BUILT.length + 10);
  padded.set(HAND_BUILT);
  padded.fill(0xee, HAND_BUILT.length);
  const repr = expectRepr(parseIpv6(padded));
  assert.equal(repr.payload.length, 8);
  const description = describeIpv6(repr, padded);
  const trailing = description.fields.find((f) => f.name === "Trailing octets");
  assert.equal(trailing?.value, "10");
  assert.equal(trailing?.offset, 48);
});

test("emitIpv6 builds in place without copying the payload onto itself, and checks room", () => {
  const buffer = new Uint8Array(48);
  buffer.set([9, 8, 7, 6, 5, 4, 3, 2], 40);
  const repr = { ...expectRepr(parseIpv6(HAND_BUILT)), payload: buffer.subarray(40, 48) };
  assert.equal(emitIpv6(repr, buffer), 48);
  assert.deepEqual([...buffer.subarray(40)], [9, 8, 7, 6, 5, 4, 3, 2]);
  assert.throws(() => emitIpv6(repr, new Uint8Array(47)), RangeError);
  assert.throws(
    () => emitIpv6({ ...repr, payload: new Uint8Array(65536) }, new Uint8Array(70000)),
    /jumbograms/,
  );
  const header = new Uint8Array(40);
  emitIpv6Header(repr, header, 1000);
  assert.equal(new Ipv6View(header).payloadLength, 1000);
});

test("the summary reads like tcpdump -v, and every field has a name, offset and meaning", () => {
  const repr = expectRepr(parseIpv6(HAND_BUILT));
  const d = describeIpv6(repr);
  assert.equal(d.layer, "ipv6");
  assert.equal(d.osi, "3 Network");
  assert.equal(
    d.summary,
    "IP6 (class 0x78, flowlabel 0x9abcd, hlim 64, next-header No Next Header (59) payload length: 8) 2001:db8::1 > 2001:db8::2",
  );
  for (const f of d.fields) {
    assert.ok(f.offset !== undefined && f.length !== undefined, `${f.name} has a place`);
    assert.ok(f.offset + f.length <= IPV6_HEADER_LENGTH, `${f.name} lies in the header`);
  }
  assert.deepEqual(
    d.fields.map((f) => f.name),
    [
      "Version",
      "Traffic Class",
      "Flow Label",
      "Payload Length",
      "Next Header",
      "Hop Limit",
      "Source Address",
      "Destination Address",
    ],
  );
  assert.equal(d.fields[1].children?.[0].value, "30 (AF33)");
  assert.equal(dscpName(46), "EF");
  assert.equal(dscpName(0), "CS0");
  assert.equal(dscpName(48), "CS6");
  assert.equal(dscpName(10), "AF11");
  assert.equal(dscpName(1), "LE");
  assert.equal(dscpName(11), "11");
});

// ---------------------------------------------------------------------------------------------
// Real captures (tcpdump's test corpus)

test("real captures: fields match tcpdump's decode, and re-emitting gives the same bytes", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  const cases: Array<{ file: string; summary: string }> = [
    {
      file: "ipv6-srh-ext-header.pcap",
      summary:
        "IP6 (flowlabel 0x889ad, hlim 64, next-header Routing (43) payload length: 144) a:b:c:12::1 > a:b:c:2::f1:0",
    },
    {
      file: "ipv6-srh-tlv-pad1-padn-5.pcap",
      summary:
        "IP6 (class 0x78, flowlabel 0x9abcd, hlim 64, next-header Routing (43) payload length: 32) 2001:db8:1::1 > cafe:1::2",
    },
    {
      file: "icmpv6-ns-nonce.pcap",
      summary: "IP6 (hlim 255, next-header ICMPv6 (58) payload length: 32) :: > ff02::1:ffe1:f",
    },
    {
      file: "ipv6_no_next_header.pcap",
      summary: "IP6 (hlim 64, next-header No Next Header (59) payload length: 20) 2005::1 > 2008::1",
    },
  ];
  for (const { file, summary } of cases) {
    const packet = ipv6InEthernet(tcpdumpFrames(file)[0])!;
    const repr = expectRepr(parseIpv6(packet));
    assert.equal(describeIpv6(repr).summary, summary, file);
    const out = new Uint8Array(ipv6PacketLength(repr));
    emitIpv6(repr, out);
    assert.deepEqual(out, packet.subarray(0, out.length), file);
  }
  // LINKTYPE_RAW / LINKTYPE_IPV6: the packet is the whole record.
  for (const file of ["LINKTYPE_RAW_ipv6.pcap", "LINKTYPE_IPV6.pcap"]) {
    const pcap = readPcap(`${tcpdumpCaptures}/${file}`);
    const repr = expectRepr(parseIpv6(pcap.frames[0]));
    assert.equal(repr.src.toString(), "2001:db8::1");
    assert.equal(repr.dst.toString(), "2620:fe::9");
    assert.equal(repr.nextHeader, 17);
    assert.equal(repr.payload.length, 37);
  }
});

test("real captures: malformed packets give the right ParseError, never an exception", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  const ip = (file: string, index = 0) => ipv6Packets(file)[index];
  expectError(parseIpv6(ip("ipv6_invalid_length.pcap")), /truncated: 39 octets/);
  expectError(parseIpv6(ip("ipv6_39_byte_header.pcap")), /truncated: 25 octets/);
  expectError(parseIpv6(ip("ipv6_invalid_length_2.pcap")), /payload length 65 exceeds the 64 octets/);
  expectError(parseIpv6(ip("ipv6-next-header-oobr-1.pcap")), /payload length 12336 exceeds/);
  expectError(parseIpv6(ip("ipv6hdr-heapoverflow.pcap")), /payload length 12336 exceeds/);
  expectError(parseIpv6(ip("ipv6-bad-version.pcap", 1)), /version 0 is not 6/);
  expectError(parseIpv6(ip("ip6_frag_asan.pcap")), /payload length 27136 exceeds/);
  // RFC 2675 jumbograms: Payload Length 0 and a Jumbo Payload option.
  expectError(parseIpv6(ip("ipv6_jumbogram_1.pcap")), /jumbograms \(RFC 2675\) are not supported/);
  expectError(parseIpv6(ip("ipv6_jumbogram_invalid_length.pcap")), /jumbograms/);
  expectError(parseIpv6(ip("ipv6-too-long-jumbo.pcap")), /jumbograms/);
  // Payload Length 0 without the option: an empty payload (the walk then finds the HBH missing).
  const missing = expectRepr(parseIpv6(ip("ipv6_missing_jumbo_payload_option.pcap")));
  assert.equal(missing.payload.length, 0);
  // Payload Length 0 in an Ethernet frame padded to 60 octets: the padding is not payload.
  const frame = tcpdumpFrames("ipv6_frag6_negative_len.pcap")[0];
  const fragment = expectRepr(parseIpv6(ipv6InEthernet(frame)!));
  assert.equal(fragment.payload.length, 0);
  assert.equal(fragment.nextHeader, 44);
});

// ---------------------------------------------------------------------------------------------
// Properties

test("property: parse(emit(repr)) deep-equals repr", () => {
  fc.assert(
    fc.property(arbitraryIpv6Repr, (repr) => {
      const out = new Uint8Array(ipv6PacketLength(repr));
      assert.equal(emitIpv6(repr, out), out.length);
      assert.deepStrictEqual(parseIpv6(out), repr);
    }),
    { numRuns: 300 },
  );
});

test("property: parse never throws on random bytes, and what it accepts re-emits byte-exact", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, forceVersion) => {
      if (forceVersion && bytes.length > 0) bytes[0] = (bytes[0] & 0x0f) | 0x60;
      const result = parseIpv6(bytes);
      if (result instanceof ParseError) {
        assert.ok(result.offset >= 0 && result.offset <= bytes.length);
        return;
      }
      const out = new Uint8Array(ipv6PacketLength(result));
      emitIpv6(result, out);
      assert.deepEqual(out, bytes.subarray(0, out.length));
      describeIpv6(result, bytes);
    }),
    { numRuns: 1000 },
  );
});

test("property: mutated and truncated valid packets never make parse throw", () => {
  fc.assert(
    fc.property(
      arbitraryIpv6Repr,
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
      fc.nat(),
      (repr, edits, cut) => {
        const out = new Uint8Array(ipv6PacketLength(repr));
        emitIpv6(repr, out);
        for (const [at, value] of edits) out[at % out.length] = value;
        const result = parseIpv6(out.subarray(0, cut % (out.length + 1)));
        assert.ok(isParseError(result) || result.payload.length <= out.length - IPV6_HEADER_LENGTH);
      },
    ),
    { numRuns: 500 },
  );
});
