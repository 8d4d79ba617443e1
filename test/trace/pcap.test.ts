import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from "../../src/trace/linktype.js";
import {
  PCAP_MAGIC_MICROSECONDS,
  PCAP_MAGIC_NANOSECONDS,
  PcapWriter,
  readPcap,
} from "../../src/trace/pcap.js";
import { readCapture } from "../../src/trace/read-capture.js";

const frameArb = fc.record({
  timestampNs: fc.bigInt({ min: 0n, max: 0xffff_ffffn * 1_000_000_000n + 999_999_999n }),
  data: fc.uint8Array({ minLength: 0, maxLength: 200 }),
  extra: fc.nat(100),
});

describe("classic pcap", () => {
  it("round-trips frames in both byte orders and both resolutions", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom("microseconds" as const, "nanoseconds" as const),
        (frames, littleEndian, resolution) => {
          const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET, littleEndian, resolution });
          for (const f of frames) writer.writePacket(f.timestampNs, f.data, f.data.length + f.extra);
          const bytes = writer.toBytes();
          const read = readCapture(bytes);
          assert.equal(read.error, undefined);
          assert.equal(read.format, "pcap");
          assert.equal(read.interfaces.length, 1);
          assert.equal(read.interfaces[0].linkType, LINKTYPE_ETHERNET);
          assert.equal(
            read.interfaces[0].ticksPerSecond,
            resolution === "nanoseconds" ? 1_000_000_000n : 1_000_000n,
          );
          assert.equal(read.frames.length, frames.length);
          read.frames.forEach((got, i) => {
            const want = frames[i];
            const ts = resolution === "nanoseconds" ? want.timestampNs : (want.timestampNs / 1000n) * 1000n;
            assert.equal(got.timestampNs, ts);
            assert.deepEqual(got.data, want.data);
            assert.equal(got.originalLength, want.data.length + want.extra);
            assert.equal(got.linkType, LINKTYPE_ETHERNET);
          });
        },
      ),
    );
  });

  it("writes the magic in the chosen order and unit", () => {
    const le = new PcapWriter({ linkType: LINKTYPE_RAW, resolution: "nanoseconds" }).toBytes();
    assert.equal(new DataView(le.buffer).getUint32(0, true), PCAP_MAGIC_NANOSECONDS);
    const be = new PcapWriter({
      linkType: LINKTYPE_RAW,
      resolution: "microseconds",
      littleEndian: false,
    }).toBytes();
    assert.equal(new DataView(be.buffer).getUint32(0, false), PCAP_MAGIC_MICROSECONDS);
    assert.deepEqual([...be.subarray(0, 4)], [0xa1, 0xb2, 0xc3, 0xd4]);
    assert.equal(new DataView(be.buffer).getUint32(20, false), LINKTYPE_RAW);
  });

  it("cuts frames to the snap length and keeps the original length", () => {
    const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET, snapLength: 10 });
    writer.writePacket(5n, new Uint8Array(64).fill(7));
    const read = readPcap(writer.toBytes());
    assert.equal(read.frames[0].data.length, 10);
    assert.equal(read.frames[0].originalLength, 64);
    assert.equal(read.interfaces[0].snapLength, 10);
  });

  it("streams header and records to a sink as they are written", () => {
    const chunks: Uint8Array[] = [];
    const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET, sink: (c) => chunks.push(c) });
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0].length, 24);
    writer.writePacket(1_500_000_000n, Uint8Array.of(1, 2, 3));
    assert.equal(chunks.length, 2);
    assert.equal(chunks[1].length, 16 + 3);
    assert.throws(() => writer.toBytes(), /streams to a sink/);
  });

  it("rejects timestamps a record cannot hold", () => {
    const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET });
    assert.throws(() => writer.writePacket(-1n, new Uint8Array(1)), RangeError);
    assert.throws(() => writer.writePacket(2n ** 32n * 1_000_000_000n, new Uint8Array(1)), RangeError);
    assert.throws(() => writer.writePacket(0.5, new Uint8Array(1)), RangeError);
  });

  it("reads the FCS length from the link-type field's F bit", () => {
    const bytes = new PcapWriter({ linkType: LINKTYPE_ETHERNET }).toBytes();
    // F bit (26) set, 2 sixteen-bit words of FCS (bits 28–31).
    new DataView(bytes.buffer).setUint32(20, 0x2400_0001, true);
    const read = readPcap(bytes);
    assert.equal(read.interfaces[0].linkType, LINKTYPE_ETHERNET);
    assert.equal(read.interfaces[0].fcsLength, 4);
  });

  it("reports damage with the frames before it", () => {
    const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET });
    writer.writePacket(1n, new Uint8Array(20));
    writer.writePacket(2n, new Uint8Array(30));
    const bytes = writer.toBytes();
    const cut = readPcap(bytes.subarray(0, bytes.length - 1));
    assert.equal(cut.frames.length, 1);
    assert.match(String(cut.error), /record 2: header says 30 bytes were captured but only 29 remain/);
    assert.equal(cut.error?.offset, 24 + 16 + 20 + 8);
    const headerCut = readPcap(bytes.subarray(0, 24 + 16 + 20 + 5));
    assert.match(String(headerCut.error), /record 2: header truncated \(5 of 16/);
    assert.match(String(readPcap(bytes.subarray(0, 10)).error), /file header truncated/);
    const badMagic = bytes.slice();
    badMagic[0] = 0;
    assert.match(String(readCapture(badMagic).error), /not a pcap or pcapng file/);
    const badVersion = bytes.slice();
    badVersion[4] = 9;
    assert.match(String(readPcap(badVersion).error), /unsupported version 9\.4/);
  });
});
