/** OSPFv2 wire formats: round trips, checksums (Internet for packets, Fletcher for LSAs), never throwing. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  compareLsaInstances,
  encodeLsa,
  type LsaRepr,
  parseLsa,
  verifyLsaChecksum,
} from "../../src/wire/ospf/lsa.js";
import { describeOspf, encodeOspf, type OspfRepr, parseOspf } from "../../src/wire/ospf/packet.js";
import { isParseError } from "../../src/wire/parse-error.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const header = fc.record({
  age: fc.integer({ min: 0, max: 3600 }),
  options: fc.integer({ min: 0, max: 255 }),
  id: u32,
  advertisingRouter: u32,
  sequence: fc.integer({ min: -0x7fffffff, max: 0x7fffffff }),
});
const lsa: fc.Arbitrary<LsaRepr> = fc.oneof(
  fc
    .record({
      header,
      flags: fc.integer({ min: 0, max: 7 }),
      links: fc.array(
        fc.record({
          id: u32,
          data: u32,
          type: fc.integer({ min: 1, max: 4 }),
          metric: fc.integer({ min: 0, max: 0xffff }),
        }),
        { maxLength: 6 },
      ),
    })
    .map(({ header, flags, links }) => ({
      header: { ...header, type: 1, checksum: 0, length: 0 },
      body: { kind: "router" as const, flags, links },
    })),
  fc
    .record({ header, mask: u32, attachedRouters: fc.array(u32, { minLength: 1, maxLength: 6 }) })
    .map(({ header, mask, attachedRouters }) => ({
      header: { ...header, type: 2, checksum: 0, length: 0 },
      body: { kind: "network" as const, mask, attachedRouters },
    })),
  fc
    .record({ header, mask: u32, metric: fc.integer({ min: 0, max: 0xffffff }), type: fc.constantFrom(3, 4) })
    .map(({ header, mask, metric, type }) => ({
      header: { ...header, type, checksum: 0, length: 0 },
      body: { kind: "summary" as const, mask, metric },
    })),
);

test("LSAs round-trip and carry a valid Fletcher checksum", () => {
  fc.assert(
    fc.property(lsa, (repr) => {
      const bytes = encodeLsa(repr);
      assert.ok(verifyLsaChecksum(bytes, 0, bytes.length));
      const parsed = parseLsa(bytes);
      assert.ok(!isParseError(parsed));
      assert.deepEqual(JSON.parse(JSON.stringify(parsed.body)), JSON.parse(JSON.stringify(repr.body)));
      assert.equal(parsed.header.sequence, repr.header.sequence);
      assert.equal(parsed.header.length, bytes.length);
      // The age is outside the checksum: aging an LSA keeps it valid (RFC 2328 §12.1.7).
      bytes[0] ^= 0x0f;
      assert.ok(verifyLsaChecksum(bytes, 0, bytes.length));
      bytes[bytes.length - 1] ^= 0x01;
      assert.ok(!verifyLsaChecksum(bytes, 0, bytes.length));
    }),
  );
});

test("newer LSA instances: sequence, then checksum, then MaxAge (RFC 2328 §13.1)", () => {
  const base = {
    age: 10,
    options: 2,
    type: 1,
    id: 1,
    advertisingRouter: 1,
    sequence: -0x7fffffff,
    checksum: 5,
    length: 24,
  };
  assert.ok(compareLsaInstances({ ...base, sequence: base.sequence + 1 }, base) > 0);
  assert.ok(compareLsaInstances({ ...base, checksum: 6 }, base) > 0);
  assert.ok(compareLsaInstances({ ...base, age: 3600 }, base) > 0);
  assert.ok(compareLsaInstances({ ...base, age: 1000 }, base) < 0);
  assert.equal(compareLsaInstances({ ...base, age: 20 }, base), 0);
});

const ospf: fc.Arbitrary<OspfRepr> = fc
  .record({
    routerId: u32,
    areaId: u32,
    body: fc.oneof(
      fc.record({
        type: fc.constant(1 as const),
        networkMask: u32,
        helloInterval: fc.integer({ min: 0, max: 0xffff }),
        options: fc.integer({ min: 0, max: 255 }),
        priority: fc.integer({ min: 0, max: 255 }),
        deadInterval: u32,
        designatedRouter: u32,
        backupDesignatedRouter: u32,
        neighbors: fc.array(u32, { maxLength: 5 }),
      }),
      fc.record({
        type: fc.constant(3 as const),
        requests: fc.array(
          fc.record({ type: fc.integer({ min: 1, max: 5 }), id: u32, advertisingRouter: u32 }),
          { maxLength: 5 },
        ),
      }),
      fc.array(lsa, { maxLength: 4 }).map((lsas) => ({ type: 4 as const, lsas: lsas.map(encodeLsa) })),
    ),
  })
  .map((r) => ({ ...r, authType: 0 }));

test("OSPF packets round-trip, with the Internet checksum checked on parse", () => {
  fc.assert(
    fc.property(ospf, (repr) => {
      const bytes = encodeOspf(repr);
      const parsed = parseOspf(bytes);
      assert.ok(!isParseError(parsed), String(parsed));
      assert.deepEqual(JSON.parse(JSON.stringify(parsed.body)), JSON.parse(JSON.stringify(repr.body)));
      assert.equal(parsed.routerId, repr.routerId);
      assert.ok(describeOspf(parsed).summary.length > 0);
      bytes[4] ^= 0x40;
      assert.ok(isParseError(parseOspf(bytes)), "a flipped bit fails the checksum");
    }),
  );
});

test("an update's ages are written into the copies, outside the LSA checksum", () => {
  fc.assert(
    fc.property(
      fc.array(lsa, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 3600 }),
      (lsas, age) => {
        const stored = lsas.map(encodeLsa);
        const before = stored.map((b) => b.slice());
        const bytes = encodeOspf({
          routerId: 1,
          areaId: 0,
          authType: 0,
          body: { type: 4, lsas: stored, ages: stored.map(() => age) },
        });
        const parsed = parseOspf(bytes);
        assert.ok(!isParseError(parsed) && parsed.body.type === 4);
        for (const l of parsed.body.lsas) {
          assert.equal((l[0] << 8) | l[1], age);
          assert.ok(verifyLsaChecksum(l, 0, l.length));
        }
        assert.deepEqual(stored, before, "the stored LSAs are not touched");
      },
    ),
  );
});

test("parsers never throw on arbitrary, truncated or corrupted input", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      parseOspf(bytes);
      parseLsa(bytes);
      verifyLsaChecksum(bytes, 0, bytes.length);
    }),
  );
  fc.assert(
    fc.property(ospf, fc.nat(), fc.integer({ min: 0, max: 255 }), (repr, at, value) => {
      const bytes = encodeOspf(repr);
      parseOspf(bytes.subarray(0, at % (bytes.length + 1)));
      bytes[at % bytes.length] = value;
      // with the checksum fixed up too, so the body parsers see the corruption
      const parsed = parseOspf(bytes);
      if (!isParseError(parsed) && parsed.body.type === 4) for (const l of parsed.body.lsas) parseLsa(l);
    }),
  );
});
