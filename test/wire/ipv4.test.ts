import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { internetChecksum } from "../../src/wire/checksum.js";
import { formatLayer } from "../../src/wire/describe.js";
import { EtherType, parseEthernet } from "../../src/wire/ethernet.js";
import {
  decrementTtl,
  describeIpv4,
  emitIpv4,
  IpProtocol,
  Ipv4View,
  ipProtocolName,
  ipv4HeaderLength,
  ipv4Length,
  parseIpv4,
} from "../../src/wire/ipv4.js";
import { Ipv4OptionType } from "../../src/wire/ipv4-options.js";
import { isParseError } from "../../src/wire/parse-error.js";
import { arbitraryIpv4Repr } from "../support/arbitraries.js";
import { fromHex, readPcapFrames, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";

// Frame 2 of dhcp-rfc4388.pcap (tcpdump corpus) after the Ethernet header, with the 4 bytes of
// Ethernet padding the capture shows. tcpdump -v: "IP (tos 0x0, ttl 64, id 25012, offset 0,
// flags [DF], proto ICMP (1), length 48) 10.40.2.3 > 10.30.4.4: ICMP echo request".
const echoRequest = fromHex(`
  45 00 00 30 61 b4 40 00 40 01 be cc 0a 28 02 03 0a 1e 04 04
  08 00 b7 db 40 24 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`);

// The same datagram as frame 6 of that capture quotes it inside "host unreachable": one router
// later, TTL 63 and the checksum adjusted.
const forwardedHeader = fromHex("45 00 00 30 61 b4 40 00 3f 01 bf cc 0a 28 02 03 0a 1e 04 04");

// An ICMP echo request with a Record Route option, as Linux 6.x sent it on lo (captured with
// tcpdump while writing this test): "options (RR 127.0.0.1, 0.0.0.0 ... ,NOP)", IHL 15.
const recordRoute = fromHex(`
  4f 00 00 4d 88 51 40 00 40 01 99 b5 7f 00 00 01 7f 00 00 01
  07 27 08 7f 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 01
  08 00 bb 1d 12 34 00 01 74 69 6e 6b 65 72 6e 65 74`);

test("parses a captured header field by field and ignores Ethernet padding", () => {
  const ip = parseIpv4(echoRequest);
  assert.ok(!isParseError(ip));
  assert.deepEqual(
    {
      dscp: ip.dscp,
      ecn: ip.ecn,
      identification: ip.identification,
      reservedFlag: ip.reservedFlag,
      dontFragment: ip.dontFragment,
      moreFragments: ip.moreFragments,
      fragmentOffset: ip.fragmentOffset,
      ttl: ip.ttl,
      protocol: ip.protocol,
      src: ip.src.toString(),
      dst: ip.dst.toString(),
      options: ip.options,
    },
    {
      dscp: 0,
      ecn: 0,
      identification: 25012,
      reservedFlag: false,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: IpProtocol.ICMP,
      src: "10.40.2.3",
      dst: "10.30.4.4",
      options: [],
    },
  );
  assert.equal(ip.payload.length, 28, "trimmed to Total Length 48");
  assert.equal(ip.payload.byteOffset, echoRequest.byteOffset + 20, "zero-copy");
  const view = new Ipv4View(echoRequest);
  assert.ok(view.verifyChecksum());
  assert.equal(view.checksum, 0xbecc);
});

test("emit reproduces the captured header, checksum included", () => {
  const ip = parseIpv4(echoRequest);
  assert.ok(!isParseError(ip));
  const out = new Uint8Array(ipv4Length(ip));
  assert.equal(emitIpv4(ip, out), 48);
  assert.deepEqual(out, echoRequest.subarray(0, 48));
});

test("the view reads every field and its setters write them", () => {
  const bytes = echoRequest.slice(0, 48);
  const view = new Ipv4View(bytes);
  assert.deepEqual(
    [view.version, view.ihl, view.headerLength, view.tos, view.totalLength, view.identification, view.flags],
    [4, 5, 20, 0, 48, 25012, 2],
  );
  assert.deepEqual([view.ttl, view.protocol, view.srcValue, view.dstValue], [64, 1, 0x0a280203, 0x0a1e0404]);
  view.dscp = 46;
  view.ecn = 3;
  assert.equal(view.tos, 0xbb);
  view.reservedFlag = true;
  view.dontFragment = false;
  view.moreFragments = true;
  view.fragmentOffset = 1480;
  assert.deepEqual([bytes[6], bytes[7]], [0xa0, 0xb9], "flags 101, offset 185 units");
  assert.equal(view.fragmentOffsetUnits, 185);
  assert.equal(view.fragmentOffset, 1480);
  assert.ok(view.isFragment);
  view.flags = 0;
  assert.equal(view.fragmentOffsetUnits, 185, "flags setter keeps the offset");
  view.fragmentOffsetUnits = 0;
  assert.ok(!view.isFragment);
  view.src = Ipv4Address.parse("192.0.2.1");
  view.dst = Ipv4Address.parse("198.51.100.7");
  view.ttl = 1;
  view.protocol = IpProtocol.UDP;
  view.identification = 0xbeef;
  assert.ok(!view.verifyChecksum());
  view.fillChecksum();
  assert.ok(view.verifyChecksum());
  const reparsed = parseIpv4(bytes);
  assert.ok(!isParseError(reparsed));
  assert.deepEqual(
    [
      reparsed.src.toString(),
      reparsed.dst.toString(),
      reparsed.ttl,
      reparsed.protocol,
      reparsed.identification,
    ],
    ["192.0.2.1", "198.51.100.7", 1, 17, 0xbeef],
  );
  assert.equal(view.payload.length, 28);
  assert.equal(view.optionsArea.length, 0);
});

test("decrementTtl turns the captured header into the one the next router quotes", () => {
  const bytes = echoRequest.slice(0, 20);
  assert.equal(decrementTtl(new Ipv4View(bytes)), 63);
  assert.deepEqual(bytes, forwardedHeader);
  const zero = forwardedHeader.slice();
  zero[8] = 0;
  new Ipv4View(zero).fillChecksum();
  const before = zero.slice();
  assert.equal(decrementTtl(new Ipv4View(zero)), 0);
  assert.deepEqual(zero, before, "TTL 0 is left alone");
});

test("rewriteSrc/rewriteDst update the checksum incrementally, as NAT needs", () => {
  const bytes = echoRequest.slice(0, 20);
  const view = new Ipv4View(bytes);
  view.rewriteSrc(0xc0a80001);
  view.rewriteDst(0x08080808);
  assert.ok(view.verifyChecksum());
  assert.equal(view.src.toString(), "192.168.0.1");
  assert.equal(view.dst.toString(), "8.8.8.8");
});

test("a Record Route header from Linux parses, describes and re-emits byte for byte", () => {
  const ip = parseIpv4(recordRoute);
  assert.ok(!isParseError(ip));
  assert.equal(ipv4HeaderLength(ip), 60);
  assert.deepEqual(
    ip.options.map((o) => [o.type, o.data.length]),
    [
      [Ipv4OptionType.RecordRoute, 37],
      [Ipv4OptionType.NoOperation, 0],
    ],
  );
  assert.equal(ip.payload.length, 17);
  assert.ok(new Ipv4View(recordRoute).verifyChecksum());
  const out = new Uint8Array(ipv4Length(ip));
  emitIpv4(ip, out);
  assert.deepEqual(out, recordRoute);
  const description = describeIpv4(ip, recordRoute);
  assert.equal(
    description.summary,
    "IP (tos 0x0, ttl 64, id 34897, offset 0, flags [DF], proto ICMP (1), length 77, options (RR,NOP)) 127.0.0.1 > 127.0.0.1",
  );
  const options = description.fields.find((f) => f.name === "Options");
  assert.ok(options?.children);
  assert.equal(options.children[0].name, "Record Route");
  assert.equal(options.children[0].value, "127.0.0.1");
  assert.equal(options.children[0].offset, 20);
  assert.equal(options.children[1].offset, 59);
});

test("refuses what RFC 791 forbids, with the offset of the fault", () => {
  /** A copy of the captured packet with `patch` (offset → byte) applied, cut to `length`. */
  const patched =
    (patch: Record<number, number>, length = 48) =>
    (b: Uint8Array) => {
      for (const [at, value] of Object.entries(patch)) b[Number(at)] = value;
      return b.subarray(0, length);
    };
  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp, number][] = [
    ["short", patched({}, 19), /shorter than the 20-byte header/, 19],
    ["version 6", patched({ 0: 0x65 }), /version is 6, not 4/, 0],
    ["IHL 4", patched({ 0: 0x44 }), /header length 4 words is below the minimum of 5/, 0],
    ["IHL past buffer", patched({ 0: 0x4f }, 40), /runs past the 40-byte buffer/, 0],
    ["total < header", patched({ 2: 0, 3: 19 }), /total length 19 is shorter than the 20-byte header/, 2],
    ["total > buffer", patched({ 2: 0, 3: 49 }), /total length 49 runs past the 48 bytes/, 2],
  ];
  for (const [name, mutate, reason, offset] of cases) {
    const result = parseIpv4(mutate(echoRequest.slice()));
    assert.ok(isParseError(result), name);
    assert.equal(result.layer, "ipv4");
    assert.match(result.reason, reason, name);
    assert.equal(result.offset, offset, name);
    assert.ok(isParseError(Ipv4View.checked(mutate(echoRequest.slice()))), name);
  }
});

test("malformed options are a ParseError pointing at the option", () => {
  const bytes = recordRoute.slice();
  bytes[21] = 60; // Record Route length past the header's end
  const result = parseIpv4(bytes);
  assert.ok(isParseError(result));
  assert.match(result.reason, /Record Route of length 60 runs past the header end/);
  assert.equal(result.offset, 21);
  const pointer = recordRoute.slice();
  pointer[22] = 3;
  const bad = parseIpv4(pointer);
  assert.ok(isParseError(bad));
  assert.match(bad.reason, /pointer 3 is below the minimum of 4/);
  assert.equal(bad.offset, 22);
});

test("emit refuses what cannot be written", () => {
  const ip = parseIpv4(echoRequest);
  assert.ok(!isParseError(ip));
  const out = new Uint8Array(100);
  assert.throws(() => emitIpv4({ ...ip, fragmentOffset: 12 }, out), /multiple of 8/);
  assert.throws(() => emitIpv4({ ...ip, fragmentOffset: 65536 }, out), /multiple of 8/);
  assert.throws(() => emitIpv4(ip, new Uint8Array(47)), RangeError);
  assert.throws(
    () => emitIpv4({ ...ip, payload: new Uint8Array(65516) }, new Uint8Array(70000)),
    /exceeds 65535/,
  );
  const tooMany = Array.from({ length: 41 }, () => ({
    type: Ipv4OptionType.NoOperation,
    data: new Uint8Array(0),
  }));
  assert.throws(() => emitIpv4({ ...ip, options: tooMany }, out), /more than the 40 allowed/);
});

test("describe reads like tcpdump -v and flags a bad checksum", () => {
  const ip = parseIpv4(echoRequest);
  assert.ok(!isParseError(ip));
  const good = describeIpv4(ip, echoRequest);
  assert.equal(
    good.summary,
    "IP (tos 0x0, ttl 64, id 25012, offset 0, flags [DF], proto ICMP (1), length 48) 10.40.2.3 > 10.30.4.4",
  );
  const checksum = good.fields.find((f) => f.name === "Header Checksum");
  assert.equal(checksum?.value, "0xbecc");
  assert.match(checksum?.meaning ?? "", /^correct/);
  const names = good.fields.map((f) => f.name);
  assert.deepEqual(names, [
    "Version",
    "Internet Header Length",
    "Differentiated Services Code Point",
    "Explicit Congestion Notification",
    "Total Length",
    "Identification",
    "Flags",
    "Fragment Offset",
    "Time to Live",
    "Protocol",
    "Header Checksum",
    "Source Address",
    "Destination Address",
  ]);
  const corrupted = echoRequest.slice();
  corrupted[11] ^= 0xff;
  const bad = describeIpv4(ip, corrupted);
  assert.match(
    bad.fields.find((f) => f.name === "Header Checksum")?.meaning ?? "",
    /incorrect, should be 0xbecc/,
  );
  const fragment = describeIpv4({
    ...ip,
    dontFragment: true,
    moreFragments: true,
    reservedFlag: true,
    fragmentOffset: 1480,
  });
  assert.match(fragment.summary, /offset 1480, flags \[\+, DF, rsvd\]/);
  assert.match(formatLayer(good), /Time to Live: 64 {2}\(hops left/);
});

test("protocol names follow IANA", () => {
  assert.equal(ipProtocolName(1), "ICMP");
  assert.equal(ipProtocolName(58), "IPv6-ICMP");
  assert.equal(ipProtocolName(253), "unknown");
});

test("IPv4 in real captures: checksums verify and headers re-emit byte for byte", (t) => {
  const names = ["dhcp-rfc4388.pcap", "eapon1.pcap", "afs.pcap"];
  if (
    !needSystem(
      t,
      "tcpdump test corpus",
      names.every((n) => hasShared(`captures/tcpdump-tests/${n}`)),
    )
  )
    return;
  let checked = 0;
  let fragments = 0;
  for (const name of names) {
    for (const bytes of readPcapFrames(tcpdumpCapture(name)).frames) {
      const frame = parseEthernet(bytes);
      if (isParseError(frame) || frame.ethertype !== EtherType.IPv4) continue;
      const ip = parseIpv4(frame.payload);
      assert.ok(!isParseError(ip), `${name}: ${ip}`);
      assert.ok(new Ipv4View(frame.payload).verifyChecksum(), name);
      const out = new Uint8Array(ipv4Length(ip));
      emitIpv4(ip, out);
      assert.deepEqual(out, frame.payload.subarray(0, out.length));
      if (ip.moreFragments || ip.fragmentOffset > 0) fragments++;
      checked++;
    }
  }
  assert.ok(checked > 100, `checked ${checked} packets`);
  assert.ok(fragments > 0, "afs.pcap holds fragments");
});

test("property: parse(emit(repr)) gives back repr, and the checksum verifies", () => {
  fc.assert(
    fc.property(arbitraryIpv4Repr, (repr) => {
      const out = new Uint8Array(ipv4Length(repr));
      assert.equal(emitIpv4(repr, out), out.length);
      assert.ok(new Ipv4View(out).verifyChecksum());
      assert.deepEqual(parseIpv4(out), repr);
    }),
  );
});

test("property: checksum verification catches every single bit flip in the header", () => {
  fc.assert(
    fc.property(arbitraryIpv4Repr, fc.nat(), fc.nat(7), (repr, at, bit) => {
      const out = new Uint8Array(ipv4Length(repr));
      emitIpv4(repr, out);
      const headerLength = ipv4HeaderLength(repr);
      const byte = at % headerLength;
      // Flipping an IHL bit changes which bytes the checksum covers, not a covered bit.
      fc.pre(!(byte === 0 && bit < 4));
      out[byte] ^= 1 << bit;
      assert.ok(!new Ipv4View(out).verifyChecksum());
    }),
  );
});

test("property: decrementTtl equals recomputing the checksum from scratch", () => {
  fc.assert(
    fc.property(arbitraryIpv4Repr, (repr) => {
      fc.pre(repr.ttl > 0);
      const out = new Uint8Array(ipv4Length(repr));
      emitIpv4(repr, out);
      assert.equal(decrementTtl(new Ipv4View(out)), repr.ttl - 1);
      const incremental = new Ipv4View(out).checksum;
      new Ipv4View(out).fillChecksum();
      assert.equal(incremental, new Ipv4View(out).checksum);
    }),
  );
});

test("property: parse never throws, and whatever parses re-emits byte for byte", () => {
  const check = (bytes: Uint8Array) => {
    const ip = parseIpv4(bytes);
    if (isParseError(ip)) return;
    const out = new Uint8Array(ipv4Length(ip));
    emitIpv4(ip, out);
    const original = bytes.slice(0, out.length);
    original[10] = 0;
    original[11] = 0;
    original[10] = internetChecksum(original, 0, ipv4HeaderLength(ip)) >>> 8;
    original[11] = internetChecksum(original, 0, ipv4HeaderLength(ip)) & 0xff;
    out[10] = original[10];
    out[11] = original[11];
    assert.deepEqual(out, original);
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, consistent) => {
      // Mostly version 4 with a plausible Total Length, so that the options get walked.
      if (bytes.length > 0) bytes[0] = 0x40 | (bytes[0] & 0x0f);
      if (consistent && bytes.length >= 4) bytes[3] = bytes.length;
      if (consistent && bytes.length >= 4) bytes[2] = 0;
      check(bytes);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(arbitraryIpv4Repr, fc.nat(), fc.nat(7), fc.nat(), (repr, at, bit, cut) => {
      const out = new Uint8Array(ipv4Length(repr));
      emitIpv4(repr, out);
      out[at % out.length] ^= 1 << bit;
      check(out);
      check(out.subarray(0, cut % (out.length + 1)));
    }),
  );
});
