import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Counters } from "../../src/net/counters.js";
import { fragmentDatagram } from "../../src/net/fragmentation.js";
import { Reassembler } from "../../src/net/reassembly.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { internetChecksum } from "../../src/wire/checksum.js";
import { Ipv4View, parseIpv4 } from "../../src/wire/ipv4.js";
import { isParseError } from "../../src/wire/parse-error.js";

/** A datagram with `options` (raw octets, padded) and `dataLength` octets of data. */
function datagram(dataLength: number, options: number[] = [], flags = 0): Uint8Array {
  const padded = [...options];
  while (padded.length % 4) padded.push(0);
  const headerLength = 20 + padded.length;
  const bytes = new Uint8Array(headerLength + dataLength);
  bytes[0] = 0x40 | (headerLength >> 2);
  bytes[2] = bytes.length >> 8;
  bytes[3] = bytes.length & 0xff;
  bytes[4] = 0x12;
  bytes[5] = 0x34;
  bytes[6] = flags >> 8;
  bytes[7] = flags & 0xff;
  bytes[8] = 64;
  bytes[9] = 17;
  bytes.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
  bytes.set(padded, 20);
  for (let i = headerLength; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
  const c = internetChecksum(bytes, 0, headerLength);
  bytes[10] = c >> 8;
  bytes[11] = c & 0xff;
  return bytes;
}

test("fragments fit the MTU, carry multiples of 8, valid checksums, and reassemble to the original", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 68, max: 1500 }), (length, mtu) => {
      const original = datagram(length);
      const fragments = fragmentDatagram(original, mtu)!;
      assert.ok(fragments);
      const reassembler = new Reassembler(new Scheduler(), new Ipv4Counters(), { timeExceeded: () => {} });
      let whole: ReturnType<Reassembler["add"]>;
      fragments.forEach((frame, index) => {
        const ip = frame.subarray(14);
        assert.ok(ip.length <= mtu);
        const view = new Ipv4View(ip);
        assert.ok(view.verifyChecksum());
        assert.equal(view.identification, 0x1234);
        const last = index === fragments.length - 1;
        assert.equal(view.moreFragments, !last);
        if (!last) assert.equal(view.payload.length % 8, 0);
        const parsed = parseIpv4(ip);
        assert.ok(!isParseError(parsed));
        whole = reassembler.add({
          src: 1,
          dst: 2,
          protocol: 17,
          identification: view.identification,
          offset: view.fragmentOffset,
          moreFragments: view.moreFragments,
          header: ip.subarray(0, view.headerLength),
          data: view.payload,
        });
      });
      if (fragments.length === 1) return; // a single "fragment" is MF=0, offset 0: nothing to join
      assert.ok(whole);
      assert.deepEqual(whole.data, original.subarray(20));
    }),
    { numRuns: 150 },
  );
});

test("only copied options (copy flag set) go into later fragments (RFC 791)", () => {
  // Record Route (7, not copied) then Router Alert (148, copied), 12 + 4 octets.
  const options = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 148, 4, 0, 0];
  const original = datagram(200, options);
  const fragments = fragmentDatagram(original, 128)!;
  assert.ok(fragments.length > 2);
  const first = new Ipv4View(fragments[0].subarray(14));
  assert.equal(first.headerLength, 36);
  assert.deepEqual([...first.optionsArea.subarray(0, 15)], options);
  const later = new Ipv4View(fragments[1].subarray(14));
  assert.equal(later.headerLength, 24);
  assert.deepEqual([...later.optionsArea], [148, 4, 0, 0]);
  assert.ok(later.verifyChecksum());
});

test("fragmenting a fragment keeps offsets and the final MF", () => {
  // A middle fragment: offset 1480, MF set, 1480 octets of data.
  const middle = datagram(1480, [], 0x2000 | (1480 >> 3));
  const pieces = fragmentDatagram(middle, 576)!;
  const views = pieces.map((p) => new Ipv4View(p.subarray(14)));
  assert.deepEqual(
    views.map((v) => [v.fragmentOffset, v.moreFragments]),
    [
      [1480, true],
      [1480 + 552, true],
      [1480 + 1104, true],
    ],
  );
});

test("DF is preserved on fragments; an MTU too small for any data is refused", () => {
  assert.equal(fragmentDatagram(datagram(100, new Array(40).fill(1)), 64), undefined);
  const df = fragmentDatagram(datagram(1000, [], 0x4000), 576)!;
  assert.ok(df.every((f) => new Ipv4View(f.subarray(14)).dontFragment));
});
