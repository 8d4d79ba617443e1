import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import {
  ARP_PACKET_LENGTH,
  ArpOperation,
  ArpView,
  arpLength,
  describeArp,
  emitArp,
  isArpProbe,
  isGratuitous,
  parseArp,
} from "../../src/wire/arp.js";
import { EtherType, parseEthernet } from "../../src/wire/ethernet.js";
import { isParseError } from "../../src/wire/parse-error.js";
import { arbitraryArpRepr } from "../support/arbitraries.js";
import { fromHex, readPcapFrames, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";

// Frame 8 of dhcp-rfc4388.pcap (tcpdump corpus), after the Ethernet header; tcpdump reads it as
// "Reply 10.40.1.1 is-at 74:83:ef:07:d0:a9".
const reply = fromHex(`
  00 01 08 00 06 04 00 02 74 83 ef 07 d0 a9 0a 28 01 01 a6 82 4b c9 a1 a7 0a 28 02 03`);

test("parses a captured ARP reply", () => {
  const arp = parseArp(reply);
  assert.ok(!isParseError(arp));
  assert.equal(arp.operation, ArpOperation.Reply);
  assert.equal(arp.senderMac.toString(), "74:83:ef:07:d0:a9");
  assert.equal(arp.senderIp.toString(), "10.40.1.1");
  assert.equal(arp.targetMac.toString(), "a6:82:4b:c9:a1:a7");
  assert.equal(arp.targetIp.toString(), "10.40.2.3");
  assert.equal(describeArp(arp).summary, "Reply 10.40.1.1 is-at 74:83:ef:07:d0:a9, length 28");
  const out = new Uint8Array(arpLength(arp));
  emitArp(arp, out);
  assert.deepEqual(out, reply);
});

test("the view reads and writes every field in place", () => {
  const bytes = reply.slice();
  const view = new ArpView(bytes);
  assert.deepEqual(
    [view.hardwareType, view.protocolType, view.hardwareLength, view.protocolLength, view.operation],
    [1, 0x0800, 6, 4, 2],
  );
  assert.equal(view.senderIpValue, 0x0a280101);
  assert.equal(view.targetMacValue, 0xa6824bc9a1a7);
  view.operation = ArpOperation.Request;
  view.senderMac = MacAddress.parse("02:00:00:00:00:01");
  view.senderIp = Ipv4Address.parse("192.0.2.1");
  view.targetMac = MacAddress.ZERO;
  view.targetIp = Ipv4Address.parse("192.0.2.2");
  assert.deepEqual(bytes, fromHex("0001 0800 0604 0001 020000000001 c0000201 000000000000 c0000202"));
  assert.equal(view.senderMac.toString(), "02:00:00:00:00:01");
  assert.equal(view.targetIp.toString(), "192.0.2.2");
});

test("refuses other hardware and protocol types, saying which", () => {
  const tokenRing = reply.slice();
  tokenRing[1] = 6;
  const r1 = parseArp(tokenRing);
  assert.ok(isParseError(r1));
  assert.match(r1.reason, /unsupported hardware type 6 \(only Ethernet/);
  assert.equal(r1.offset, 0);

  const ipv6 = reply.slice();
  ipv6[2] = 0x86;
  ipv6[3] = 0xdd;
  const r2 = parseArp(ipv6);
  assert.ok(isParseError(r2));
  assert.match(r2.reason, /unsupported protocol type 0x86dd \(only IPv4/);
  assert.equal(r2.offset, 2);

  const longMac = reply.slice();
  longMac[4] = 8;
  const r3 = parseArp(longMac);
  assert.ok(isParseError(r3));
  assert.match(r3.reason, /hardware address length 8/);
  assert.ok(isParseError(ArpView.checked(longMac)));
});

test("truncated packets are a ParseError; padding after 28 bytes is ignored", () => {
  for (let length = 0; length < ARP_PACKET_LENGTH; length++) {
    assert.ok(isParseError(parseArp(reply.subarray(0, length))), `length ${length}`);
  }
  const padded = new Uint8Array(46);
  padded.set(reply);
  padded.fill(0xaa, 28);
  assert.deepEqual(parseArp(padded), parseArp(reply));
});

test("gratuitous ARP and ARP probes are recognised", () => {
  const base = {
    operation: ArpOperation.Request,
    senderMac: MacAddress.parse("02:00:00:00:00:01"),
    senderIp: Ipv4Address.parse("10.0.0.1"),
    targetMac: MacAddress.ZERO,
    targetIp: Ipv4Address.parse("10.0.0.1"),
  };
  assert.ok(isGratuitous(base));
  assert.ok(!isArpProbe(base));
  assert.match(describeArp(base).summary, /^Request who-has 10\.0\.0\.1 tell 10\.0\.0\.1 \(gratuitous\)/);
  const probe = { ...base, senderIp: Ipv4Address.ANY, targetIp: Ipv4Address.parse("10.0.0.9") };
  assert.ok(isArpProbe(probe));
  assert.ok(!isGratuitous(probe));
  assert.match(describeArp(probe).summary, /\(probe\)/);
  assert.ok(!isGratuitous({ ...base, targetIp: Ipv4Address.parse("10.0.0.2") }));
});

test("describe names every field with its offset", () => {
  const arp = parseArp(reply);
  assert.ok(!isParseError(arp));
  const fields = describeArp(arp).fields;
  assert.deepEqual(
    fields.map((f) => [f.name, f.offset, f.length]),
    [
      ["Hardware type", 0, 2],
      ["Protocol type", 2, 2],
      ["Hardware size", 4, 1],
      ["Protocol size", 5, 1],
      ["Opcode", 6, 2],
      ["Sender MAC address", 8, 6],
      ["Sender IP address", 14, 4],
      ["Target MAC address", 18, 6],
      ["Target IP address", 24, 4],
    ],
  );
  assert.equal(fields[4].value, "reply (2)");
});

test("the ARP frames of a real capture parse as tcpdump reads them", (t) => {
  const name = "dhcp-rfc4388.pcap";
  if (!needSystem(t, "tcpdump test corpus", hasShared(`captures/tcpdump-tests/${name}`))) return;
  const { frames } = readPcapFrames(tcpdumpCapture(name));
  // Frame 7: "Request who-has 10.40.1.1 tell 10.40.2.3, length 46" (padded); frame 8: the reply.
  const request = parseEthernet(frames[6]);
  assert.ok(!isParseError(request));
  assert.equal(request.ethertype, EtherType.ARP);
  assert.equal(request.payload.length, 46);
  const arp = parseArp(request.payload);
  assert.ok(!isParseError(arp));
  assert.equal(describeArp(arp).summary, "Request who-has 10.40.1.1 tell 10.40.2.3, length 28");
  const replyFrame = parseEthernet(frames[7]);
  assert.ok(!isParseError(replyFrame));
  assert.deepEqual(replyFrame.payload, reply);
});

test("property: parse(emit(repr)) gives back repr", () => {
  fc.assert(
    fc.property(arbitraryArpRepr, (repr) => {
      const out = new Uint8Array(ARP_PACKET_LENGTH);
      assert.equal(emitArp(repr, out), ARP_PACKET_LENGTH);
      assert.deepEqual(parseArp(out), repr);
    }),
  );
});

test("property: parse never throws on random, truncated or bit-flipped packets", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      parseArp(bytes);
    }),
  );
  fc.assert(
    fc.property(arbitraryArpRepr, fc.nat(27), fc.nat(7), fc.nat(27), (repr, byte, bit, cut) => {
      const out = new Uint8Array(ARP_PACKET_LENGTH);
      emitArp(repr, out);
      out[byte] ^= 1 << bit;
      const result = parseArp(out.subarray(0, cut));
      assert.ok(isParseError(result));
      parseArp(out);
    }),
  );
});
