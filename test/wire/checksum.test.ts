import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import {
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
  updateChecksum16,
  updateChecksum32,
} from "../../src/wire/checksum.js";

/** The textbook definition, word by word, as the reference. */
function referenceSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i] << 8) | (i + 1 < bytes.length ? bytes[i + 1] : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}

test("RFC 1071 §3 example: sum of 00 01 f2 03 f4 f5 f6 f7 is 0xddf2", () => {
  const bytes = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(onesComplementSum(bytes), 0xddf2);
  assert.equal(internetChecksum(bytes), ~0xddf2 & 0xffff);
});

test("a real IPv4 header checksums to zero when the checksum field is included", () => {
  // 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7 (Wikipedia's worked example)
  const header = Uint8Array.from([
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0,
    0xa8, 0x00, 0xc7,
  ]);
  assert.equal(internetChecksum(header), 0);
  header[10] = 0;
  header[11] = 0;
  assert.equal(internetChecksum(header), 0xb861);
});

test("the fast path equals the word-by-word reference at every alignment and length", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.nat(7),
      fc.nat(7),
      (data, front, back) => {
        const buffer = new Uint8Array(data.length + front + back + 8);
        buffer.set(data, front);
        const view = buffer.subarray(front, front + data.length);
        assert.equal(onesComplementSum(view) % 0xffff, referenceSum(data) % 0xffff);
        assert.equal(
          onesComplementSum(buffer, front, front + data.length) % 0xffff,
          referenceSum(data) % 0xffff,
        );
      },
    ),
    { numRuns: 500 },
  );
});

test("RFC 1624 incremental update equals a full recomputation", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 20, maxLength: 200 }),
      fc.nat(9),
      fc.integer({ min: 0, max: 0xffff }),
      (data, wordIndex, newWord) => {
        const bytes = data.slice(0, data.length & ~1);
        const before = internetChecksum(bytes);
        const oldWord = (bytes[wordIndex * 2] << 8) | bytes[wordIndex * 2 + 1];
        bytes[wordIndex * 2] = newWord >>> 8;
        bytes[wordIndex * 2 + 1] = newWord & 0xff;
        const full = internetChecksum(bytes);
        const incremental = updateChecksum16(before, oldWord, newWord);
        // 0x0000 and 0xffff are the same one's complement value (RFC 1624 §3).
        assert.equal(incremental % 0xffff, full % 0xffff);
      },
    ),
  );
  const c = internetChecksum(Uint8Array.from([10, 0, 0, 1, 0, 0]));
  const updated = updateChecksum32(
    c,
    Ipv4Address.parse("10.0.0.1").value,
    Ipv4Address.parse("192.168.1.1").value,
  );
  assert.equal(updated % 0xffff, internetChecksum(Uint8Array.from([192, 168, 1, 1, 0, 0])) % 0xffff);
});

test("IPv4 pseudo-header sum follows RFC 9293 §3.1", () => {
  const pseudo = { src: Ipv4Address.parse("192.168.0.1"), dst: Ipv4Address.parse("192.168.0.199") };
  const bytes = Uint8Array.from([192, 168, 0, 1, 192, 168, 0, 199, 0, 17, 0, 20]);
  assert.equal(
    onesComplementSum(new Uint8Array(0), 0, 0, pseudoHeaderSum(pseudo, 17, 20)),
    referenceSum(bytes),
  );
});
