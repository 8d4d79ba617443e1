import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import { formatLayer } from "../../src/wire/describe.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import {
  checkUdp,
  describeUdp,
  emitUdp,
  parseUdp,
  type UdpRepr,
  UdpView,
  udpHeaderLength,
} from "../../src/wire/udp.js";
import { arbitraryPseudoHeader, arbitraryUdpRepr } from "../support/arbitraries.js";
import { fromHex, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";
import { transportSegments } from "./l4-captures.js";

const v4: PseudoHeader = { src: Ipv4Address.parse("192.0.2.1"), dst: Ipv4Address.parse("198.51.100.2") };
const v6: PseudoHeader = { src: Ipv6Address.parse("2001:db8::1"), dst: Ipv6Address.parse("2001:db8::2") };
const text = (s: string) => new TextEncoder().encode(s);

// Hand-checked vectors: emitted by this code, then decoded by tcpdump 4.99 and tshark 4.0 with
// checksum verification on ("[udp sum ok]", udp.checksum.status 1). Fields read off by hand.
const DNS_OVER_IPV4 = "14e9 0035 000b 3a20 616263"; // 5353 → 53, length 11, checksum 0x3a20, "abc"
const DHCP6_OVER_IPV6 = "0222 0223 000c db55 61626364"; // 546 → 547, length 12, checksum 0xdb55, "abcd"

test("emit writes RFC 768 bytes that tcpdump and tshark accept (IPv4 and IPv6 pseudo-headers)", () => {
  const into = new Uint8Array(64);
  let n = emitUdp({ srcPort: 5353, dstPort: 53, payload: text("abc") }, into, v4);
  assert.deepEqual(into.subarray(0, n), fromHex(DNS_OVER_IPV4));
  n = emitUdp({ srcPort: 546, dstPort: 547, payload: text("abcd") }, into, v6);
  assert.deepEqual(into.subarray(0, n), fromHex(DHCP6_OVER_IPV6));
});

test("parse and view read every field of a known datagram", () => {
  const bytes = fromHex(DNS_OVER_IPV4);
  const repr = parseUdp(bytes);
  assert.ok(!isParseError(repr));
  assert.deepEqual(repr, { srcPort: 5353, dstPort: 53, payload: text("abc") });
  const view = new UdpView(bytes);
  assert.equal(view.srcPort, 5353);
  assert.equal(view.dstPort, 53);
  assert.equal(view.length, 11);
  assert.equal(view.checksum, 0x3a20);
  assert.deepEqual(view.payload, text("abc"));
  assert.equal(view.verifyChecksum(v4), true);
  assert.equal(view.verifyChecksum(v6), false, "same bytes, other pseudo-header");
  assert.equal(udpHeaderLength(repr), 8);
});

test("setters write in place and fillChecksum makes the datagram verify again", () => {
  const bytes = fromHex(DHCP6_OVER_IPV6);
  const view = new UdpView(bytes);
  view.srcPort = 0xbeef;
  view.dstPort = 7;
  assert.equal(view.verifyChecksum(v6), false);
  view.fillChecksum(v6);
  assert.equal(view.verifyChecksum(v6), true);
  assert.deepEqual(parseUdp(bytes), { srcPort: 0xbeef, dstPort: 7, payload: text("abcd") });
});

test("length field: below 8 or beyond the buffer is a ParseError at offset 4; extra bytes are trimmed", () => {
  const tooSmall = fromHex("0001 0002 0007 0000 00");
  const error = parseUdp(tooSmall);
  assert.ok(error instanceof ParseError);
  assert.equal(error.layer, "udp");
  assert.equal(error.offset, 4);
  const tooLong = fromHex("0001 0002 000c 0000 0102");
  assert.ok(isParseError(parseUdp(tooLong)));
  assert.equal((parseUdp(tooLong) as ParseError).offset, 4);
  const short = parseUdp(fromHex("0001 0002 00"));
  assert.ok(short instanceof ParseError && short.offset === 0);
  // Ethernet padding after a short datagram is not data (RFC 768: length covers header and data).
  const padded = fromHex("0001 0002 000a 0000 aabb 0000 0000");
  const repr = parseUdp(padded);
  assert.ok(!isParseError(repr));
  assert.deepEqual(repr.payload, fromHex("aabb"));
  assert.equal(checkUdp(padded), undefined);
});

test("checksum 0 means none over IPv4 (RFC 768) but is an error over IPv6 (RFC 8200 §8.1)", () => {
  const bytes = fromHex("0001 0002 000a 0000 aabb");
  const view = new UdpView(bytes);
  assert.equal(view.verifyChecksum(v4), true);
  assert.equal(view.verifyChecksum(v6), false);
  assert.match(
    describeUdp(parseUdp(bytes) as UdpRepr, bytes, v6).fields[3].meaning ?? "",
    /not allowed over IPv6/,
  );
  assert.match(describeUdp(parseUdp(bytes) as UdpRepr, bytes, v4).fields[3].meaning ?? "", /did not compute/);
});

test("a computed checksum of zero is sent as 0xffff (RFC 768) and verifies", () => {
  for (const pseudo of [v4, v6]) {
    // Put the would-be checksum into the data: the sum then becomes 0xffff, so the checksum is 0.
    const repr: UdpRepr = { srcPort: 1000, dstPort: 2000, payload: new Uint8Array(4) };
    const into = new Uint8Array(12);
    emitUdp(repr, into, pseudo);
    const first = new UdpView(into).checksum;
    repr.payload = Uint8Array.from([first >>> 8, first & 0xff, 0, 0]);
    emitUdp(repr, into, pseudo);
    const view = new UdpView(into);
    assert.equal(view.checksum, 0xffff);
    assert.equal(view.computeChecksum(pseudo), 0xffff);
    assert.equal(view.verifyChecksum(pseudo), true);
  }
});

test("emit refuses a buffer that is too small (a programmer error)", () => {
  assert.throws(
    () => emitUdp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(10) }, new Uint8Array(17), v4),
    RangeError,
  );
  assert.throws(
    () => emitUdp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(0xfff8) }, new Uint8Array(0x10000), v4),
    RangeError,
  );
});

test("describe names every field with its offset, and says whether the checksum is right", () => {
  const bytes = fromHex(DNS_OVER_IPV4);
  const repr = parseUdp(bytes) as UdpRepr;
  const description = describeUdp(repr, bytes, v4);
  assert.equal(description.layer, "udp");
  assert.equal(description.osi, "4 Transport");
  assert.deepEqual(
    description.fields.map((f) => [f.name, f.value, f.offset, f.length]),
    [
      ["Source Port", "5353", 0, 2],
      ["Destination Port", "53", 2, 2],
      ["Length", "11", 4, 2],
      ["Checksum", "0x3a20", 6, 2],
      ["Data", "3 bytes", 8, 3],
    ],
  );
  assert.match(description.fields[3].meaning ?? "", /^correct/);
  bytes[9] ^= 1; // "abc" becomes "acc": one more in the low byte, one less in the checksum
  assert.match(describeUdp(repr, bytes, v4).fields[3].meaning ?? "", /incorrect, should be 0x3a1f/);
  assert.match(formatLayer(describeUdp(repr)), /User Datagram Protocol/);
});

test("property: parse(emit(repr)) gives repr back, and the checksum verifies", () => {
  fc.assert(
    fc.property(arbitraryUdpRepr, arbitraryPseudoHeader, (repr, pseudo) => {
      const into = new Uint8Array(1600);
      const n = emitUdp(repr, into, pseudo);
      assert.equal(n, 8 + repr.payload.length);
      const bytes = into.subarray(0, n);
      assert.deepEqual(parseUdp(bytes), repr);
      assert.equal(new UdpView(bytes).verifyChecksum(pseudo), true);
    }),
    { numRuns: 300 },
  );
});

test("property: the checksum catches every single-bit error", () => {
  fc.assert(
    fc.property(arbitraryUdpRepr, arbitraryPseudoHeader, fc.nat(), (repr, pseudo, which) => {
      const into = new Uint8Array(8 + repr.payload.length);
      emitUdp(repr, into, pseudo);
      const bit = which % (into.length * 8);
      into[bit >>> 3] ^= 1 << (bit & 7);
      const view = new UdpView(into);
      if (checkUdp(into) !== undefined) return; // a flip in the length field: no longer parses
      if (view.checksum === 0 && pseudo.src.version === 4) return; // now says "no checksum" (RFC 768)
      assert.equal(view.verifyChecksum(pseudo), false);
    }),
    { numRuns: 500 },
  );
});

test("property: parse never throws on random or mutated bytes, and stays within them", () => {
  const mutated = fc
    .tuple(
      arbitraryUdpRepr,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(),
    )
    .map(([repr, edits, cut]) => {
      const into = new Uint8Array(8 + repr.payload.length);
      emitUdp(repr, into, v4);
      for (const [at, value] of edits) into[at % into.length] = value;
      return into.subarray(0, cut % (into.length + 1));
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), mutated), (bytes) => {
      const result = parseUdp(bytes);
      if (isParseError(result)) return;
      assert.ok(result.payload.length <= bytes.length - 8);
      assert.equal(result.payload.buffer, bytes.buffer, "the payload is a view, not a copy");
    }),
    { numRuns: 500 },
  );
});

test("real captures: our checksum verdicts agree with tshark's", (t) => {
  if (!needSystem(t, "tcpdump test captures (../shared/captures)", hasShared("captures/tcpdump-tests")))
    return;
  // Checksums as tshark 4.0 reports them (udp.checksum.status), checked by hand on these files.
  const expected: Record<string, { good: number; bad: number }> = {
    "dhcpv6-ia-na.pcap": { good: 4, bad: 0 }, // IPv6
    "babel_rfc6126bis.pcap": { good: 66, bad: 64 }, // IPv6, half with wrong checksums
    "quic_handshake.pcap": { good: 0, bad: 18 },
    "dns_udp.pcap": { good: 2, bad: 0 },
  };
  for (const [name, want] of Object.entries(expected)) {
    let good = 0;
    let bad = 0;
    for (const segment of transportSegments(tcpdumpCapture(name))) {
      if (segment.protocol !== 17 || segment.truncated) continue;
      const view = new UdpView(segment.bytes);
      if (view.checksum === 0 && segment.pseudo.src.version === 4) continue; // "not present"
      if (view.verifyChecksum(segment.pseudo)) good++;
      else bad++;
    }
    assert.deepEqual({ good, bad }, want, name);
  }
});

test("real captures: every UDP datagram in the tcpdump corpus parses or fails cleanly, and re-emits byte-exact", (t) => {
  if (!needSystem(t, "tcpdump test captures (../shared/captures)", hasShared("captures/tcpdump-tests")))
    return;
  let parsed = 0;
  let refused = 0;
  const into = new Uint8Array(0x10000);
  for (const name of readdirSync(tcpdumpCapture(""))) {
    if (!name.endsWith(".pcap")) continue;
    for (const segment of transportSegments(tcpdumpCapture(name))) {
      if (segment.protocol !== 17) continue;
      const repr = parseUdp(segment.bytes);
      if (isParseError(repr)) {
        refused++;
        continue;
      }
      parsed++;
      const view = new UdpView(segment.bytes);
      const n = emitUdp(repr, into, segment.pseudo);
      const where = `${name} frame ${segment.frame}`;
      assert.equal(n, view.length, where);
      assert.deepEqual(into.subarray(0, 6), segment.bytes.subarray(0, 6), where);
      assert.deepEqual(into.subarray(8, n), segment.bytes.subarray(8, n), where);
      const original = view.checksum;
      if (original !== 0 && view.verifyChecksum(segment.pseudo))
        assert.equal(new UdpView(into).checksum, original, where);
    }
  }
  // Counted on the corpus at commit 39b50f76: most datagrams are sound; the rest are truncated
  // captures and fuzzed files whose length field lies, which must be refused.
  assert.ok(parsed > 1500, `parsed ${parsed}`);
  assert.ok(refused > 100, `refused ${refused}`);
});
