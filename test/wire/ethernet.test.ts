import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MacAddress } from "../../src/wire/address/mac.js";
import { formatLayer } from "../../src/wire/describe.js";
import {
  describeEthernet,
  ETHERNET_HEADER_LENGTH,
  EthernetView,
  EtherType,
  emitEthernet,
  ethernetLength,
  padEthernetFrame,
  parseEthernet,
} from "../../src/wire/ethernet.js";
import { isParseError } from "../../src/wire/parse-error.js";
import { arbitraryEthernetRepr } from "../support/arbitraries.js";
import { fromHex, readPcapFrames, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";

// An ARP request as Linux sends it (broadcast, 42 bytes before padding).
const arpRequest = fromHex(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 00 01 00 00 00 00 00 00 0a 00 00 02`);

test("parses the header fields of a hand-checked frame", () => {
  const frame = parseEthernet(arpRequest);
  assert.ok(!isParseError(frame));
  assert.equal(frame.dst.toString(), "ff:ff:ff:ff:ff:ff");
  assert.equal(frame.src.toString(), "02:00:00:00:00:01");
  assert.equal(frame.ethertype, EtherType.ARP);
  assert.equal(frame.payload.length, 28);
  assert.equal(frame.payload.buffer, arpRequest.buffer, "payload is a zero-copy subarray");
  assert.equal(frame.payload.byteOffset, arpRequest.byteOffset + 14);
});

test("the view reads and writes every field in place", () => {
  const bytes = arpRequest.slice();
  const view = new EthernetView(bytes);
  assert.equal(view.dstValue, 0xffff_ffff_ffff);
  assert.equal(view.src.toString(), "02:00:00:00:00:01");
  assert.equal(view.ethertype, 0x0806);
  view.dst = MacAddress.parse("0a:0b:0c:0d:0e:0f");
  view.src = MacAddress.parse("10:20:30:40:50:60");
  view.ethertype = EtherType.IPv6;
  assert.deepEqual([...bytes.subarray(0, 14)], [10, 11, 12, 13, 14, 15, 16, 32, 48, 64, 80, 96, 0x86, 0xdd]);
  assert.deepEqual(view.payload, arpRequest.subarray(14));
});

test("frames shorter than 14 bytes are a ParseError, never an exception", () => {
  for (let length = 0; length < ETHERNET_HEADER_LENGTH; length++) {
    const result = parseEthernet(arpRequest.subarray(0, length));
    assert.ok(isParseError(result), `length ${length}`);
    assert.equal(result.layer, "ethernet");
    assert.ok(isParseError(EthernetView.checked(arpRequest.subarray(0, length))));
  }
  const headerOnly = parseEthernet(arpRequest.subarray(0, 14));
  assert.ok(!isParseError(headerOnly));
  assert.equal(headerOnly.payload.length, 0);
});

test("emit writes the same bytes it parsed, and skips the copy when the payload is in place", () => {
  const frame = parseEthernet(arpRequest);
  assert.ok(!isParseError(frame));
  const out = new Uint8Array(ethernetLength(frame));
  assert.equal(emitEthernet(frame, out), 42);
  assert.deepEqual(out, arpRequest);

  const inPlace = arpRequest.slice();
  const repr = { ...frame, payload: inPlace.subarray(14) };
  inPlace.fill(0, 0, 14);
  assert.equal(emitEthernet(repr, inPlace), 42);
  assert.deepEqual(inPlace, arpRequest);

  assert.throws(() => emitEthernet(frame, new Uint8Array(41)), RangeError);
});

test("padEthernetFrame zero-fills short frames to 60 bytes and leaves long ones alone", () => {
  const buffer = new Uint8Array(1514).fill(0xee);
  buffer.set(arpRequest);
  assert.equal(padEthernetFrame(buffer, 42), 60);
  assert.deepEqual([...buffer.subarray(42, 60)], new Array(18).fill(0));
  assert.equal(buffer[60], 0xee);
  assert.equal(padEthernetFrame(buffer, 1000), 1000);
  assert.throws(() => padEthernetFrame(new Uint8Array(42), 42), RangeError);
});

test("describe names the fields with their offsets and reads like tcpdump -e", () => {
  const frame = parseEthernet(arpRequest);
  assert.ok(!isParseError(frame));
  const description = describeEthernet(frame);
  assert.equal(
    description.summary,
    "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42",
  );
  assert.deepEqual(
    description.fields.map((f) => [f.name, f.offset, f.length]),
    [
      ["Destination", 0, 6],
      ["Source", 6, 6],
      ["Type", 12, 2],
    ],
  );
  assert.match(description.fields[0].meaning ?? "", /broadcast/);
  assert.match(formatLayer(description), /OSI layer 2 Data link/);
  const llc = describeEthernet({ ...frame, ethertype: 38 });
  assert.equal(llc.fields[2].name, "Length");
});

test("every frame of a real capture parses and re-emits byte for byte", (t) => {
  const name = "802.1ad_QinQ.pcap";
  if (!needSystem(t, "tcpdump test corpus", hasShared(`captures/tcpdump-tests/${name}`))) return;
  const { frames } = readPcapFrames(tcpdumpCapture(name));
  assert.ok(frames.length > 0);
  for (const bytes of frames) {
    const frame = parseEthernet(bytes);
    assert.ok(!isParseError(frame));
    assert.equal(frame.ethertype, EtherType.QinQ);
    const out = new Uint8Array(bytes.length);
    emitEthernet(frame, out);
    assert.deepEqual(out, bytes);
  }
});

test("property: parse(emit(repr)) gives back repr", () => {
  fc.assert(
    fc.property(arbitraryEthernetRepr, (repr) => {
      const out = new Uint8Array(ethernetLength(repr));
      assert.equal(emitEthernet(repr, out), out.length);
      assert.deepEqual(parseEthernet(out), repr);
    }),
  );
});

test("property: parse never throws on arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const result = parseEthernet(bytes);
      assert.equal(isParseError(result), bytes.length < 14);
    }),
  );
});
