import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LINKTYPE_ETHERNET, LINKTYPE_IPV6, LINKTYPE_RAW } from "../../src/trace/linktype.js";
import {
  BLOCK_ENHANCED_PACKET,
  BLOCK_INTERFACE_DESCRIPTION,
  BLOCK_SECTION_HEADER,
  BLOCK_SIMPLE_PACKET,
  PcapngWriter,
  readPcapng,
} from "../../src/trace/pcapng.js";
import { readCapture } from "../../src/trace/read-capture.js";

/** Builds one raw block by hand (for the block kinds our writer does not produce). */
export function rawBlock(type: number, body: Uint8Array, littleEndian = true): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const block = new Uint8Array(12 + padded);
  const view = new DataView(block.buffer);
  view.setUint32(0, type, littleEndian);
  view.setUint32(4, block.length, littleEndian);
  block.set(body, 8);
  view.setUint32(block.length - 4, block.length, littleEndian);
  return block;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const packetArb = fc.record({
  iface: fc.nat(2),
  timestampNs: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  data: fc.uint8Array({ maxLength: 150 }),
  extra: fc.nat(40),
  comments: fc.array(fc.string({ unit: "grapheme", maxLength: 20 }), { maxLength: 2 }),
  direction: fc.constantFrom(undefined, "inbound" as const, "outbound" as const),
});

describe("pcapng", () => {
  it("round-trips interfaces, nanosecond timestamps, comments and directions in both byte orders", () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 8 }), fc.boolean(), (packets, littleEndian) => {
        const writer = new PcapngWriter({
          littleEndian,
          application: "tinkernet test",
          comment: "a section",
        });
        const ifaces = [
          { linkType: LINKTYPE_ETHERNET, name: "h1-eth0", description: "host h1 — link to s1" },
          { linkType: LINKTYPE_RAW, name: "tun0" },
          { linkType: LINKTYPE_IPV6 },
        ];
        for (const iface of ifaces) writer.addInterface(iface);
        for (const p of packets)
          writer.writePacket(p.iface, p.timestampNs, p.data, {
            originalLength: p.data.length + p.extra,
            comment: p.comments,
            direction: p.direction,
          });
        const read = readCapture(writer.toBytes());
        assert.equal(read.error, undefined);
        assert.equal(read.format, "pcapng");
        assert.deepEqual(read.comments, ["a section"]);
        assert.deepEqual(
          read.interfaces.map((i) => [i.linkType, i.name, i.description, i.ticksPerSecond, i.section]),
          ifaces.map((i) => [i.linkType, i.name, i.description, 1_000_000_000n, 0]),
        );
        assert.equal(read.frames.length, packets.length);
        read.frames.forEach((got, i) => {
          const want = packets[i];
          assert.equal(got.interfaceIndex, want.iface);
          assert.equal(got.linkType, ifaces[want.iface].linkType);
          assert.equal(got.timestampNs, want.timestampNs);
          assert.deepEqual(got.data, want.data);
          assert.equal(got.originalLength, want.data.length + want.extra);
          assert.deepEqual(got.comments, want.comments);
          assert.equal(got.direction, want.direction);
        });
      }),
    );
  });

  it("writes blocks incrementally: SHB at construction, then one block per call", () => {
    const chunks: Uint8Array[] = [];
    const writer = new PcapngWriter({ sink: (c) => chunks.push(c) });
    assert.equal(chunks.length, 1);
    const type = (c: Uint8Array) => new DataView(c.buffer, c.byteOffset).getUint32(0, true);
    assert.equal(type(chunks[0]), BLOCK_SECTION_HEADER);
    writer.addInterface({ linkType: LINKTYPE_ETHERNET });
    assert.equal(type(chunks[1]), BLOCK_INTERFACE_DESCRIPTION);
    writer.writePacket(0, 1n, Uint8Array.of(1, 2, 3, 4, 5));
    assert.equal(type(chunks[2]), BLOCK_ENHANCED_PACKET);
    assert.equal(chunks[2].length, 12 + 20 + 8);
    for (const c of chunks) assert.equal(c.length % 4, 0);
    assert.throws(() => writer.toBytes(), /streams to a sink/);
    assert.throws(() => writer.writePacket(1, 0n, new Uint8Array(1)), /interface 1 was not added/);
  });

  it("declares nanosecond resolution (if_tsresol = 9) on every interface", () => {
    const writer = new PcapngWriter();
    writer.addInterface({ linkType: LINKTYPE_ETHERNET });
    const bytes = writer.toBytes();
    const idb = bytes.subarray(28); // after a 28-byte SHB without options
    const view = new DataView(idb.buffer, idb.byteOffset);
    assert.equal(view.getUint32(0, true), BLOCK_INTERFACE_DESCRIPTION);
    // Options start after the 8 fixed bytes: code 9, length 1, value 9.
    assert.equal(view.getUint16(16, true), 9);
    assert.equal(view.getUint16(18, true), 1);
    assert.equal(idb[20], 9);
  });

  it("cuts packets to the interface's snap length", () => {
    const writer = new PcapngWriter();
    writer.addInterface({ linkType: LINKTYPE_ETHERNET, snapLength: 16 });
    writer.writePacket(0, 0n, new Uint8Array(100));
    const read = readPcapng(writer.toBytes());
    assert.equal(read.frames[0].data.length, 16);
    assert.equal(read.frames[0].originalLength, 100);
  });

  it("reads several sections, each with its own byte order and interfaces", () => {
    const a = new PcapngWriter({ littleEndian: true });
    a.addInterface({ linkType: LINKTYPE_ETHERNET, name: "a0" });
    a.writePacket(0, 10n, Uint8Array.of(1));
    const b = new PcapngWriter({ littleEndian: false, comment: "second" });
    b.addInterface({ linkType: LINKTYPE_RAW, name: "b0" });
    b.addInterface({ linkType: LINKTYPE_ETHERNET, name: "b1" });
    b.writePacket(1, 20n, Uint8Array.of(2));
    b.writePacket(0, 30n, Uint8Array.of(3));
    const read = readPcapng(concat(a.toBytes(), b.toBytes()));
    assert.equal(read.error, undefined);
    assert.deepEqual(
      read.interfaces.map((i) => [i.name, i.section]),
      [
        ["a0", 0],
        ["b0", 1],
        ["b1", 1],
      ],
    );
    assert.deepEqual(
      read.frames.map((f) => [f.interfaceIndex, f.linkType, f.timestampNs, f.data[0]]),
      [
        [0, LINKTYPE_ETHERNET, 10n, 1],
        [2, LINKTYPE_ETHERNET, 20n, 2],
        [1, LINKTYPE_RAW, 30n, 3],
      ],
    );
    assert.deepEqual(read.comments, ["second"]);
  });

  it("reads Simple Packet Blocks, obsolete Packet Blocks and other resolutions, and skips unknown blocks", () => {
    const le = true;
    const shb = new PcapngWriter().toBytes();
    // IDB with if_tsresol = 2^-10 (binary) and if_tsoffset = 100 s, snap length 6.
    const idbBody = new Uint8Array(8 + 4 + 4 + 4 + 8 + 4);
    const idb = new DataView(idbBody.buffer);
    idb.setUint16(0, LINKTYPE_ETHERNET, le);
    idb.setUint32(4, 6, le);
    idb.setUint16(8, 9, le);
    idb.setUint16(10, 1, le);
    idbBody[12] = 0x80 | 10;
    idb.setUint16(16, 14, le);
    idb.setUint16(18, 8, le);
    idb.setBigInt64(20, 100n, le);
    // Simple Packet Block: original length 10, 10 bytes present but snap length 6.
    const spbBody = new Uint8Array(4 + 12);
    new DataView(spbBody.buffer).setUint32(0, 10, le);
    spbBody.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4);
    // Obsolete Packet Block (type 2): interface 0, drops 0, timestamp 1024 ticks = 1 s.
    const pbBody = new Uint8Array(20 + 4);
    const pb = new DataView(pbBody.buffer);
    pb.setUint32(8, 1024, le);
    pb.setUint32(12, 3, le);
    pb.setUint32(16, 3, le);
    pbBody.set([7, 8, 9], 20);
    const bytes = concat(
      shb,
      rawBlock(BLOCK_INTERFACE_DESCRIPTION, idbBody),
      rawBlock(0x0000_0004, new Uint8Array(8)), // name resolution: skipped
      rawBlock(BLOCK_SIMPLE_PACKET, spbBody),
      rawBlock(0x4000_0bad, Uint8Array.of(1, 2, 3, 4, 5)), // custom block: skipped
      rawBlock(0x0000_0002, pbBody),
      rawBlock(0x0000_0005, new Uint8Array(12)), // interface statistics: skipped
    );
    const read = readPcapng(bytes);
    assert.equal(read.error, undefined);
    assert.equal(read.interfaces[0].ticksPerSecond, 1024n);
    assert.equal(read.frames.length, 2);
    assert.deepEqual([...read.frames[0].data], [1, 2, 3, 4, 5, 6]);
    assert.equal(read.frames[0].originalLength, 10);
    assert.deepEqual([...read.frames[1].data], [7, 8, 9]);
    assert.equal(read.frames[1].timestampNs, 101_000_000_000n);
  });

  it("names the damage: bad lengths, bad magic, missing interfaces, no section header", () => {
    const writer = new PcapngWriter();
    writer.addInterface({ linkType: LINKTYPE_ETHERNET });
    writer.writePacket(0, 0n, new Uint8Array(8));
    const good = writer.toBytes();
    const shbLength = 28;
    const idbLength = 20 + 12;
    const epbOffset = shbLength + idbLength;
    const damaged = (mutate: (v: DataView, b: Uint8Array) => void) => {
      const b = good.slice();
      mutate(new DataView(b.buffer), b);
      return readPcapng(b);
    };
    const zero = damaged((v) => v.setUint32(epbOffset + 4, 0, true));
    assert.match(
      String(zero.error),
      /block 3 \(Enhanced Packet Block\): total length 0 is below the minimum of 12/,
    );
    assert.equal(zero.error?.offset, epbOffset + 4);
    assert.equal(zero.interfaces.length, 1);
    assert.match(String(damaged((v) => v.setUint32(epbOffset + 4, 42, true)).error), /not a multiple of 4/);
    assert.match(String(damaged((v) => v.setUint32(epbOffset + 4, 4000, true)).error), /only 40 remain/);
    assert.match(String(damaged((v) => v.setUint32(good.length - 4, 36, true)).error), /trailing length 36/);
    assert.match(String(damaged((v) => v.setUint32(8, 0xdeadbeef, true)).error), /bad byte-order magic/);
    assert.match(
      String(damaged((v) => v.setUint32(epbOffset + 8, 3, true)).error),
      /interface 3 was not described/,
    );
    assert.match(
      String(damaged((v) => v.setUint32(epbOffset + 8 + 12, 100, true)).error),
      /captured length 100/,
    );
    assert.match(String(damaged((v) => v.setUint16(12, 2, true)).error), /unsupported version 2\.0/);
    assert.match(
      String(readPcapng(good.subarray(shbLength)).error),
      /does not start with a Section Header Block \(found Interface Description Block\)/,
    );
    // An option whose length runs past the block.
    assert.match(
      String(damaged((v) => v.setUint16(shbLength + 16 + 2, 200, true)).error),
      /option 9 says 200 bytes/,
    );
  });
});
