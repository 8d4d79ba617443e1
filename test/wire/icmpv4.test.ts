import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { parseEthernet } from "../../src/wire/ethernet.js";
import {
  describeIcmpv4,
  emitIcmpv4,
  ICMPV4_MAX_QUOTE_LENGTH,
  Icmpv4Type,
  Icmpv4View,
  icmpv4CodeName,
  icmpv4Length,
  icmpv4TypeName,
  parseIcmpv4,
  parseQuotedIpv4,
  quoteInvokingDatagram,
  UnreachableCode,
} from "../../src/wire/icmpv4.js";
import { IpProtocol, parseIpv4 } from "../../src/wire/ipv4.js";
import { isParseError } from "../../src/wire/parse-error.js";
import { arbitraryIcmpv4Repr } from "../support/arbitraries.js";
import { fromHex, readPcapFrames, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";

// Frame 2 of dhcp-rfc4388.pcap (tcpdump corpus), the ICMP part: "ICMP echo request, id 16420, seq 0, length 28".
const echoRequest = fromHex(
  "08 00 b7 db 40 24 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
);

// Frame 6 of the same capture, the ICMP part: "ICMP host 10.30.4.4 unreachable, length 56", quoting
// the echo request above as the next router forwarded it (TTL 63).
const hostUnreachable = fromHex(`
  03 01 fc fe 00 00 00 00
  45 00 00 30 61 b4 40 00 3f 01 bf cc 0a 28 02 03 0a 1e 04 04
  08 00 b7 db 40 24 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`);

function roundTrip(bytes: Uint8Array): Uint8Array {
  const icmp = parseIcmpv4(bytes);
  assert.ok(!isParseError(icmp));
  const out = new Uint8Array(icmpv4Length(icmp));
  assert.equal(emitIcmpv4(icmp, out), out.length);
  return out;
}

test("a captured echo request: identifier, sequence, data, checksum", () => {
  const icmp = parseIcmpv4(echoRequest);
  assert.ok(!isParseError(icmp));
  assert.equal(icmp.kind, "echo-request");
  if (icmp.kind !== "echo-request") return;
  assert.equal(icmp.identifier, 16420);
  assert.equal(icmp.sequence, 0);
  assert.equal(icmp.data.length, 20);
  assert.equal(icmp.data.byteOffset, echoRequest.byteOffset + 8, "zero-copy");
  assert.ok(new Icmpv4View(echoRequest).verifyChecksum());
  assert.deepEqual(roundTrip(echoRequest), echoRequest);
  assert.equal(describeIcmpv4(icmp).summary, "ICMP echo request, id 16420, seq 0, length 28");
});

test("a captured host unreachable quotes the offending datagram", () => {
  const icmp = parseIcmpv4(hostUnreachable);
  assert.ok(!isParseError(icmp));
  assert.equal(icmp.kind, "destination-unreachable");
  if (icmp.kind !== "destination-unreachable") return;
  assert.equal(icmp.code, UnreachableCode.HostUnreachable);
  assert.equal(icmp.nextHopMtu, 0);
  assert.equal(icmp.invoking.length, 48);
  const quoted = parseQuotedIpv4(icmp.invoking);
  assert.ok(!isParseError(quoted));
  assert.deepEqual(
    [quoted.src.toString(), quoted.dst.toString(), quoted.protocol, quoted.ttl, quoted.identification],
    ["10.40.2.3", "10.30.4.4", IpProtocol.ICMP, 63, 25012],
  );
  assert.deepEqual(quoted.transport, echoRequest);
  assert.ok(new Icmpv4View(hostUnreachable).verifyChecksum());
  assert.deepEqual(roundTrip(hostUnreachable), hostUnreachable);
  const described = describeIcmpv4(icmp, hostUnreachable);
  assert.equal(described.summary, "ICMP host 10.30.4.4 unreachable, length 56");
  assert.deepEqual(
    described.fields.map((f) => [f.name, f.offset, f.length]),
    [
      ["Type", 0, 1],
      ["Code", 1, 1],
      ["Checksum", 2, 2],
      ["Unused", 4, 4],
      ["Invoking Datagram", 8, 48],
    ],
  );
  assert.equal(described.fields[1].meaning, "host unreachable");
  assert.equal(described.fields[4].value, "48 bytes: ICMP 10.40.2.3 > 10.30.4.4");
});

test("fragmentation needed carries the next-hop MTU (RFC 1191)", () => {
  const invoking = fromHex(
    "45 00 05 dc 00 01 40 00 3f 11 00 00 0a 00 00 01 0a 00 00 02 30 39 00 35 05 c8 00 00",
  );
  const repr = { kind: "destination-unreachable" as const, code: 4, nextHopMtu: 1400, invoking };
  const out = new Uint8Array(icmpv4Length(repr));
  emitIcmpv4(repr, out);
  assert.deepEqual([...out.subarray(0, 2)], [3, 4]);
  assert.deepEqual([...out.subarray(4, 8)], [0, 0, 0x05, 0x78]);
  assert.ok(new Icmpv4View(out).verifyChecksum());
  assert.equal(new Icmpv4View(out).nextHopMtu, 1400);
  const described = describeIcmpv4(repr, out);
  assert.equal(described.summary, "ICMP 10.0.0.2 unreachable - need to frag (mtu 1400), length 36");
  assert.ok(described.fields.some((f) => f.name === "Next-Hop MTU" && f.value === "1400"));
  const port = describeIcmpv4({ ...repr, code: UnreachableCode.PortUnreachable, nextHopMtu: 0 });
  assert.equal(port.summary, "ICMP 10.0.0.2 udp port 53 unreachable, length 36");
  const net = describeIcmpv4({ ...repr, code: UnreachableCode.NetUnreachable });
  assert.equal(net.summary, "ICMP net 10.0.0.2 unreachable, length 36");
  const admin = describeIcmpv4({ ...repr, code: UnreachableCode.CommunicationAdministrativelyProhibited });
  assert.equal(admin.summary, "ICMP host 10.0.0.2 unreachable - admin prohibited filter, length 36");
});

test("the unused octets of error messages are described with their offsets, so every header byte is labelled", () => {
  const invoking = hostUnreachable.subarray(8);
  const emit = (repr: Parameters<typeof icmpv4Length>[0]) => {
    const out = new Uint8Array(icmpv4Length(repr));
    emitIcmpv4(repr, out);
    return out;
  };
  const header = (fields: { name: string; offset?: number; length?: number }[]) =>
    fields.filter((f) => f.offset! < 8).map((f) => [f.name, f.offset, f.length]);

  const ttl = { kind: "time-exceeded" as const, code: 0, invoking };
  const ttlBytes = emit(ttl);
  const described = describeIcmpv4(ttl, ttlBytes);
  assert.deepEqual(header(described.fields), [
    ["Type", 0, 1],
    ["Code", 1, 1],
    ["Checksum", 2, 2],
    ["Unused", 4, 4],
  ]);
  const unused = described.fields.find((f) => f.name === "Unused")!;
  assert.equal(unused.value, "0x00000000");
  assert.equal(unused.meaning, "unused: sent as zero, ignored on receipt (RFC 792)");
  // Described without the bytes (from a Repr), the unused octets are still there, as zero.
  assert.deepEqual(header(describeIcmpv4(ttl).fields).at(-1), ["Unused", 4, 4]);

  // Fragmentation needed: 2 unused octets, then the Next-Hop MTU (RFC 1191 §4).
  const frag = { kind: "destination-unreachable" as const, code: 4, nextHopMtu: 1280, invoking };
  assert.deepEqual(header(describeIcmpv4(frag, emit(frag)).fields).slice(3), [
    ["Unused", 4, 2],
    ["Next-Hop MTU", 6, 2],
  ]);
  assert.match(describeIcmpv4(frag).fields[2].meaning!, /RFC 1191 §4/);

  // Parameter problem: the pointer, then 3 unused octets.
  const problem = { kind: "parameter-problem" as const, code: 0, pointer: 9, invoking };
  assert.deepEqual(header(describeIcmpv4(problem, emit(problem)).fields).slice(3), [
    ["Pointer", 4, 1],
    ["Unused", 5, 3],
  ]);

  // Bytes as received: a non-zero octet 5 is RFC 4884's length of the quoted datagram.
  const extended = ttlBytes.slice();
  extended[5] = 12;
  const withLength = describeIcmpv4(ttl, extended).fields.find((f) => f.name === "Unused")!;
  assert.equal(withLength.value, "0x000c0000");
  assert.match(withLength.meaning!, /RFC 4884 length of the quoted datagram, 12 32-bit words \(48 bytes\)/);
  const junk = ttlBytes.slice();
  junk[7] = 1;
  const junkField = describeIcmpv4(ttl, junk).fields.find((f) => f.name === "Unused")!;
  assert.deepEqual(
    [junkField.value, junkField.meaning],
    ["0x00000001", "should be zero (RFC 792); receivers ignore it"],
  );
});

test("every Destination Unreachable code 0-15 has its RFC name", () => {
  const names = Array.from({ length: 16 }, (_, code) =>
    icmpv4CodeName(Icmpv4Type.DestinationUnreachable, code),
  );
  assert.ok(names.every((n) => typeof n === "string" && n.length > 0));
  assert.equal(names[3], "port unreachable");
  assert.equal(names[4], "fragmentation needed and DF set");
  assert.equal(names[13], "communication administratively prohibited");
  assert.equal(names[15], "precedence cutoff in effect");
  assert.equal(icmpv4CodeName(Icmpv4Type.TimeExceeded, 1), "fragment reassembly time exceeded");
  assert.equal(icmpv4CodeName(Icmpv4Type.Redirect, 1), "redirect datagrams for the host");
  assert.equal(icmpv4TypeName(Icmpv4Type.EchoRequest), "Echo Request");
  assert.equal(icmpv4TypeName(Icmpv4Type.ParameterProblem), "Parameter Problem");
});

test("redirect, parameter problem and time exceeded: fields and summaries", () => {
  const invoking = hostUnreachable.subarray(8);
  const redirect = {
    kind: "redirect" as const,
    code: 1,
    gateway: Ipv4Address.parse("10.40.1.254"),
    invoking,
  };
  const out = new Uint8Array(icmpv4Length(redirect));
  emitIcmpv4(redirect, out);
  assert.deepEqual([...out.subarray(0, 2)], [5, 1]);
  assert.deepEqual([...out.subarray(4, 8)], [10, 40, 1, 254]);
  assert.deepEqual(parseIcmpv4(out), redirect);
  assert.equal(describeIcmpv4(redirect).summary, "ICMP redirect 10.30.4.4 to host 10.40.1.254, length 56");

  const problem = { kind: "parameter-problem" as const, code: 0, pointer: 20, invoking };
  const out2 = new Uint8Array(icmpv4Length(problem));
  emitIcmpv4(problem, out2);
  assert.deepEqual(
    [...out2.subarray(0, 8)].filter((_, i) => i !== 2 && i !== 3),
    [12, 0, 20, 0, 0, 0],
  );
  assert.equal(new Icmpv4View(out2).pointer, 20);
  assert.equal(describeIcmpv4(problem).summary, "ICMP parameter problem - octet 20, length 56");

  const reassembly = { kind: "time-exceeded" as const, code: 1, invoking };
  assert.equal(describeIcmpv4(reassembly).summary, "ICMP ip reassembly time exceeded, length 56");
});

test("other messages are kept whole: timestamp requests, echo with a non-zero code", () => {
  const timestamp = fromHex("0d 00 00 00 12 34 00 01 00 00 00 01 00 00 00 00 00 00 00 00");
  new Icmpv4View(timestamp).fillChecksum();
  const icmp = parseIcmpv4(timestamp);
  assert.ok(!isParseError(icmp));
  assert.equal(icmp.kind, "other");
  if (icmp.kind !== "other") return;
  assert.equal(icmp.type, Icmpv4Type.Timestamp);
  assert.deepEqual([...icmp.rest], [0x12, 0x34, 0, 1]);
  assert.deepEqual(roundTrip(timestamp), timestamp);
  assert.equal(describeIcmpv4(icmp).summary, "ICMP timestamp, length 20");

  const oddEcho = echoRequest.slice();
  oddEcho[1] = 1;
  const odd = parseIcmpv4(oddEcho);
  assert.ok(!isParseError(odd));
  assert.equal(odd.kind, "other");
});

test("the view reads and writes the header in place", () => {
  const bytes = echoRequest.slice();
  const view = new Icmpv4View(bytes);
  assert.deepEqual(
    [view.type, view.code, view.checksum, view.identifier, view.sequence],
    [8, 0, 0xb7db, 16420, 0],
  );
  view.type = Icmpv4Type.EchoReply;
  view.sequence = 7;
  assert.ok(!view.verifyChecksum());
  view.fillChecksum();
  assert.ok(view.verifyChecksum());
  const reply = parseIcmpv4(bytes);
  assert.ok(!isParseError(reply));
  assert.equal(reply.kind, "echo-reply");
  view.gatewayValue = 0x0a000001;
  assert.equal(view.identifier, 0x0a00);
  assert.equal(view.rest.length, 4);
  assert.equal(view.data.length, 20);
  assert.ok(isParseError(Icmpv4View.checked(bytes.subarray(0, 7))));
});

test("messages shorter than 8 bytes and bad quotes are ParseErrors", () => {
  for (let length = 0; length < 8; length++) {
    const result = parseIcmpv4(echoRequest.subarray(0, length));
    assert.ok(isParseError(result));
    assert.equal(result.layer, "icmpv4");
  }
  assert.ok(isParseError(parseQuotedIpv4(new Uint8Array(19))));
  assert.ok(isParseError(parseQuotedIpv4(fromHex("65000000000000000000000000000000000000000000"))));
  assert.ok(isParseError(parseQuotedIpv4(fromHex("4f000000000000000000000000000000000000000000"))));
});

test("quoteInvokingDatagram keeps at most 548 bytes, so the error fits in 576", () => {
  const big = new Uint8Array(1500);
  assert.equal(quoteInvokingDatagram(big).length, ICMPV4_MAX_QUOTE_LENGTH);
  assert.equal(ICMPV4_MAX_QUOTE_LENGTH, 548);
  assert.equal(quoteInvokingDatagram(big).buffer, big.buffer, "zero-copy");
  const small = new Uint8Array(40);
  assert.equal(quoteInvokingDatagram(small), small);
});

test("a router's time exceeded from a real traceroute (with an RFC 4884-style extension)", (t) => {
  const name = "mpls-traceroute.pcap";
  if (!needSystem(t, "tcpdump test corpus", hasShared(`captures/tcpdump-tests/${name}`))) return;
  const { linkType, frames } = readPcapFrames(tcpdumpCapture(name));
  assert.equal(linkType, 9, "PPP");
  // Frame 2: PPP in HDLC framing (ff 03 00 21), then "IP 10.5.0.1 > 12.4.4.4: ICMP time exceeded in-transit, length 148".
  const ip = parseIpv4(frames[1].subarray(4));
  assert.ok(!isParseError(ip));
  const icmp = parseIcmpv4(ip.payload);
  assert.ok(!isParseError(icmp));
  assert.equal(icmp.kind, "time-exceeded");
  if (icmp.kind !== "time-exceeded") return;
  assert.equal(icmp.code, 0);
  assert.ok(new Icmpv4View(ip.payload).verifyChecksum());
  const quoted = parseQuotedIpv4(icmp.invoking);
  assert.ok(!isParseError(quoted));
  assert.equal(quoted.dst.toString(), "12.1.1.1");
  assert.equal(quoted.protocol, IpProtocol.UDP);
  const described = describeIcmpv4(icmp, ip.payload);
  assert.equal(described.summary, "ICMP time exceeded in-transit, length 148");
  assert.match(described.fields.at(-1)?.value ?? "", /UDP 12\.4\.4\.4 > 12\.1\.1\.1, ports 42315 > 33435/);
  assert.deepEqual(roundTrip(ip.payload), ip.payload);
});

test("echo requests in a real capture verify and re-emit byte for byte", (t) => {
  const name = "dhcp-rfc4388.pcap";
  if (!needSystem(t, "tcpdump test corpus", hasShared(`captures/tcpdump-tests/${name}`))) return;
  let seen = 0;
  for (const bytes of readPcapFrames(tcpdumpCapture(name)).frames) {
    const frame = parseEthernet(bytes);
    if (isParseError(frame)) continue;
    const ip = parseIpv4(frame.payload);
    if (isParseError(ip) || ip.protocol !== IpProtocol.ICMP) continue;
    assert.ok(new Icmpv4View(ip.payload).verifyChecksum());
    assert.deepEqual(roundTrip(ip.payload), ip.payload);
    seen++;
  }
  assert.ok(seen >= 6, `saw ${seen} ICMP messages`);
});

test("property: parse(emit(repr)) gives back repr, and the checksum verifies", () => {
  fc.assert(
    fc.property(arbitraryIcmpv4Repr, (repr) => {
      const out = new Uint8Array(icmpv4Length(repr));
      assert.equal(emitIcmpv4(repr, out), out.length);
      assert.ok(new Icmpv4View(out).verifyChecksum());
      assert.deepEqual(parseIcmpv4(out), repr);
      describeIcmpv4(repr, out);
    }),
  );
});

test("property: checksum verification catches every single bit flip", () => {
  fc.assert(
    fc.property(arbitraryIcmpv4Repr, fc.nat(), fc.nat(7), (repr, at, bit) => {
      const out = new Uint8Array(icmpv4Length(repr));
      emitIcmpv4(repr, out);
      out[at % out.length] ^= 1 << bit;
      assert.ok(!new Icmpv4View(out).verifyChecksum());
    }),
  );
});

test("property: parse and describe never throw on random, truncated or bit-flipped messages", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const icmp = parseIcmpv4(bytes);
      if (!isParseError(icmp)) describeIcmpv4(icmp, bytes);
    }),
  );
  fc.assert(
    fc.property(arbitraryIcmpv4Repr, fc.nat(), fc.nat(7), fc.nat(), (repr, at, bit, cut) => {
      const out = new Uint8Array(icmpv4Length(repr));
      emitIcmpv4(repr, out);
      out[at % out.length] ^= 1 << bit;
      const truncated = out.subarray(0, cut % (out.length + 1));
      for (const bytes of [out, truncated]) {
        const icmp = parseIcmpv4(bytes);
        if (isParseError(icmp)) continue;
        describeIcmpv4(icmp, bytes);
        // Whatever parses is stable: emitting and parsing again gives the same message.
        const again = new Uint8Array(icmpv4Length(icmp));
        emitIcmpv4(icmp, again);
        assert.deepEqual(parseIcmpv4(again), icmp);
      }
    }),
  );
});
