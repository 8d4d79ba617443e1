// Hostile capture files: cut at every byte, lengths scrambled, random bytes. The readers must
// return (never throw, never hang) with the frames before the damage and an error.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from "../../src/trace/linktype.js";
import { PcapWriter } from "../../src/trace/pcap.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { readCapture } from "../../src/trace/read-capture.js";

/** A small file and the offsets where its blocks/records end (a cut there leaves a valid file). */
interface Sample {
  bytes: Uint8Array;
  boundaries: Set<number>;
}

function collect(): { sink: (c: Uint8Array) => void; sample: () => Sample } {
  const chunks: Uint8Array[] = [];
  return {
    sink: (c) => chunks.push(c),
    sample: () => {
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      const boundaries = new Set<number>();
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
        boundaries.add(at);
      }
      return { bytes, boundaries };
    },
  };
}

function smallPcapng(littleEndian: boolean): Sample {
  const out = collect();
  const writer = new PcapngWriter({ littleEndian, comment: "hostile", sink: out.sink });
  writer.addInterface({ linkType: LINKTYPE_ETHERNET, name: "eth0" });
  writer.addInterface({ linkType: LINKTYPE_RAW, name: "raw0", description: "d" });
  writer.writePacket(0, 1n, Uint8Array.of(1, 2, 3, 4, 5, 6, 7), { comment: "first" });
  writer.writePacket(1, 2n, new Uint8Array(13), { direction: "outbound" });
  writer.writePacket(0, 3n, new Uint8Array(0));
  return out.sample();
}

function smallPcap(littleEndian: boolean): Sample {
  const out = collect();
  const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET, littleEndian, sink: out.sink });
  writer.writePacket(1n, Uint8Array.of(1, 2, 3));
  writer.writePacket(2n, new Uint8Array(17));
  writer.writePacket(3n, new Uint8Array(0));
  return out.sample();
}

describe("hostile capture files", () => {
  for (const [name, make] of [
    ["pcapng", smallPcapng],
    ["pcap", smallPcap],
  ] as const) {
    for (const littleEndian of [true, false]) {
      it(`${name} (${littleEndian ? "little" : "big"}-endian) cut at every byte offset yields a prefix and an error`, () => {
        const { bytes: whole, boundaries } = make(littleEndian);
        const full = readCapture(whole);
        assert.equal(full.error, undefined);
        assert.equal(full.frames.length, 3);
        let previous = 0;
        for (let cut = 0; cut < whole.length; cut++) {
          const read = readCapture(whole.subarray(0, cut));
          // A cut exactly at a block/record boundary is a valid shorter file; anywhere else is damage.
          const framesSoFar = read.frames.length;
          assert.ok(framesSoFar >= previous && framesSoFar <= 3, `cut ${cut}: ${framesSoFar} frames`);
          previous = framesSoFar;
          for (const [i, f] of read.frames.entries()) assert.deepEqual(f.data, full.frames[i].data);
          if (boundaries.has(cut)) assert.equal(read.error, undefined, `cut ${cut} at a boundary`);
          else {
            assert.ok(read.error, `cut ${cut} inside a block must be reported`);
            assert.ok(read.error.offset <= cut, `cut ${cut}: error offset ${read.error.offset}`);
          }
        }
      });
    }
  }

  it("never throws on random bytes behind a valid magic, or on single-byte corruption", () => {
    const samples = [smallPcapng(true), smallPcapng(false), smallPcap(true), smallPcap(false)].map(
      (s) => s.bytes,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (sample, tail, position, value) => {
          const random = new Uint8Array(sample.slice(0, 28).length + tail.length);
          random.set(sample.slice(0, 28));
          random.set(tail, 28);
          readCapture(random);
          const corrupt = sample.slice();
          corrupt[position % corrupt.length] = value;
          const read = readCapture(corrupt);
          // Every frame costs at least a 12-byte block or a 16-byte record header: no frame from nothing.
          assert.ok(read.frames.length <= corrupt.length / 12);
          for (const f of read.frames) assert.equal(f.data.buffer, corrupt.buffer);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a block of length 12 repeated is read without looping forever, and zero length stops", () => {
    const shb = new PcapngWriter().toBytes();
    const empty = new Uint8Array(12 * 1000);
    const view = new DataView(empty.buffer);
    for (let i = 0; i < 1000; i++) {
      view.setUint32(i * 12, 0x99, true);
      view.setUint32(i * 12 + 4, 12, true);
      view.setUint32(i * 12 + 8, 12, true);
    }
    const file = new Uint8Array(shb.length + empty.length);
    file.set(shb);
    file.set(empty, shb.length);
    assert.equal(readCapture(file).error, undefined);
    view.setUint32(500 * 12 + 4, 0, true);
    file.set(empty, shb.length);
    assert.match(String(readCapture(file).error), /block 502 .*total length 0/);
  });
});
