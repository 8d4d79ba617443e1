import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ArpOperation, parseArp } from "../../src/wire/arp.js";
import { EtherType, emitEthernet, parseEthernet } from "../../src/wire/ethernet.js";
import { isParseError } from "../../src/wire/parse-error.js";
import {
  describeVlan,
  emitVlan,
  isVlanTpid,
  parseVlan,
  peelVlanTags,
  VlanView,
  vlanLength,
} from "../../src/wire/vlan.js";
import { arbitraryVlanRepr } from "../support/arbitraries.js";
import { fromHex, readPcapFrames, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";

// Frame 1 of the tcpdump corpus's 802.1ad_QinQ.pcap, hand-checked with `tcpdump -e`: S-tag VLAN 200
// (TPID 0x88a8), C-tag VLAN 2001 (TPID 0x8100), then an ARP request padded to 64 bytes.
const qinqFrame = fromHex(`
  ff ff ff ff ff ff 00 20 d2 5a fb 3f 88 a8 00 c8 81 00 07 d1 08 06 00 01 08 00 06 04 00 01 00 20
  d2 5a fb 3f ac 15 4f 61 00 00 00 00 00 00 ac 15 4f 64 00 00 00 00 00 00 00 00 00 00 00 00 00 00`);

test("parses the outer S-tag of a QinQ frame", () => {
  const frame = parseEthernet(qinqFrame);
  assert.ok(!isParseError(frame));
  assert.equal(frame.ethertype, EtherType.QinQ);
  const outer = parseVlan(frame.payload);
  assert.ok(!isParseError(outer));
  assert.deepEqual(
    { priority: outer.priority, dropEligible: outer.dropEligible, id: outer.id, ethertype: outer.ethertype },
    { priority: 0, dropEligible: false, id: 200, ethertype: EtherType.VLAN },
  );
  const inner = parseVlan(outer.payload);
  assert.ok(!isParseError(inner));
  assert.equal(inner.id, 2001);
  assert.equal(inner.ethertype, EtherType.ARP);
  assert.equal(inner.payload.byteOffset, qinqFrame.byteOffset + 22, "zero-copy");
});

test("peelVlanTags follows the whole stack down to the ARP packet", () => {
  const frame = parseEthernet(qinqFrame);
  assert.ok(!isParseError(frame));
  const peeled = peelVlanTags(frame.ethertype, frame.payload);
  assert.ok(!isParseError(peeled));
  assert.deepEqual(peeled.tags, [
    { tpid: EtherType.QinQ, priority: 0, dropEligible: false, id: 200 },
    { tpid: EtherType.VLAN, priority: 0, dropEligible: false, id: 2001 },
  ]);
  assert.equal(peeled.ethertype, EtherType.ARP);
  const arp = parseArp(peeled.payload);
  assert.ok(!isParseError(arp));
  assert.equal(arp.operation, ArpOperation.Request);
  assert.equal(arp.targetIp.toString(), "172.21.79.100");
  assert.equal(arp.senderIp.toString(), "172.21.79.97");
});

test("peelVlanTags leaves untagged frames alone and reports a cut-short tag", () => {
  const payload = Uint8Array.of(1, 2, 3);
  const untagged = peelVlanTags(EtherType.IPv4, payload);
  assert.ok(!isParseError(untagged));
  assert.deepEqual(untagged, { tags: [], ethertype: EtherType.IPv4, payload });
  const cut = peelVlanTags(EtherType.QinQ, Uint8Array.of(0, 200, 0x81, 0, 0, 1));
  assert.ok(isParseError(cut));
  assert.equal(cut.layer, "vlan");
  assert.equal(cut.offset, 4);
  assert.match(cut.reason, /tag 2 .*0x8100.*2 of 4 bytes/);
});

test("the view reads and writes PCP, DEI and VID without disturbing each other", () => {
  const bytes = new Uint8Array(8);
  const view = new VlanView(bytes);
  view.id = 4095;
  view.priority = 5;
  view.dropEligible = true;
  view.ethertype = EtherType.IPv6;
  assert.deepEqual([...bytes.subarray(0, 4)], [0xbf, 0xff, 0x86, 0xdd]);
  assert.equal(view.tci, 0xbfff);
  view.dropEligible = false;
  view.id = 1;
  assert.deepEqual([view.priority, view.dropEligible, view.id], [5, false, 1]);
  assert.equal(view.payload.length, 4);
  assert.ok(isParseError(VlanView.checked(bytes.subarray(0, 3))));
  assert.ok(!isParseError(VlanView.checked(bytes.subarray(0, 4))));
});

test("TPIDs: 802.1Q, 802.1ad and the pre-standard 0x9100 are tags, others are not", () => {
  assert.ok(isVlanTpid(0x8100) && isVlanTpid(0x88a8) && isVlanTpid(0x9100));
  assert.ok(!isVlanTpid(0x0800) && !isVlanTpid(0x86dd));
});

test("emit rejects out-of-range fields and short buffers", () => {
  const repr = { priority: 8, dropEligible: false, id: 1, ethertype: 0x0800, payload: new Uint8Array(0) };
  assert.throws(() => emitVlan(repr, new Uint8Array(4)), RangeError);
  assert.throws(() => emitVlan({ ...repr, priority: 0, id: 4096 }, new Uint8Array(4)), RangeError);
  assert.throws(() => emitVlan({ ...repr, priority: 0 }, new Uint8Array(3)), RangeError);
});

test("describe says which tag it is and reads like tcpdump", () => {
  const frame = parseEthernet(qinqFrame);
  assert.ok(!isParseError(frame));
  const outer = parseVlan(frame.payload);
  assert.ok(!isParseError(outer));
  const described = describeVlan(outer, EtherType.QinQ);
  assert.equal(described.title, "IEEE 802.1ad Service VLAN tag");
  assert.equal(described.summary, "vlan 200, p 0, ethertype 802.1Q (0x8100)");
  assert.deepEqual(
    described.fields.map((f) => f.name),
    ["Priority Code Point", "Drop Eligible Indicator", "VLAN Identifier", "Type"],
  );
  assert.match(described.fields[3].meaning ?? "", /another tag follows/);
  assert.equal(describeVlan({ ...outer, id: 0 }).fields[2].meaning, "no VLAN: a priority-only tag");
});

test("every frame of the QinQ capture peels to the same tags and re-emits byte for byte", (t) => {
  const name = "802.1ad_QinQ.pcap";
  if (!needSystem(t, "tcpdump test corpus", hasShared(`captures/tcpdump-tests/${name}`))) return;
  const { frames } = readPcapFrames(tcpdumpCapture(name));
  for (const bytes of frames) {
    const frame = parseEthernet(bytes);
    assert.ok(!isParseError(frame));
    const outer = parseVlan(frame.payload);
    assert.ok(!isParseError(outer));
    const inner = parseVlan(outer.payload);
    assert.ok(!isParseError(inner));
    assert.deepEqual([outer.id, inner.id, inner.ethertype], [200, 2001, EtherType.ARP]);
    // Rebuild the frame from the inside out, each layer emitted into the one around it.
    const out = new Uint8Array(bytes.length);
    emitVlan(inner, out.subarray(18));
    emitVlan({ ...outer, payload: out.subarray(18) }, out.subarray(14));
    emitEthernet({ ...frame, payload: out.subarray(14) }, out);
    assert.deepEqual(out, bytes);
  }
});

test("property: parse(emit(repr)) gives back repr", () => {
  fc.assert(
    fc.property(arbitraryVlanRepr, (repr) => {
      const out = new Uint8Array(vlanLength(repr));
      assert.equal(emitVlan(repr, out), out.length);
      assert.deepEqual(parseVlan(out), repr);
    }),
  );
});

test("property: parse and peel never throw on arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), fc.integer({ min: 0, max: 0xffff }), (bytes, ethertype) => {
      assert.equal(isParseError(parseVlan(bytes)), bytes.length < 4);
      const peeled = peelVlanTags(ethertype, bytes);
      if (!isParseError(peeled)) assert.ok(!isVlanTpid(peeled.ethertype));
    }),
  );
});
