/** RIPv2 messages (RFC 2453 §4): round trips, known bytes, never throwing. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isParseError } from "../../src/wire/parse-error.js";
import { describeRip, encodeRip, parseRip, type RipRepr, summarizeRip } from "../../src/wire/rip.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const rip: fc.Arbitrary<RipRepr> = fc.record({
  command: fc.constantFrom(1, 2),
  version: fc.constant(2),
  entries: fc.array(
    fc.record({
      family: fc.constant(2),
      tag: fc.integer({ min: 0, max: 0xffff }),
      address: u32,
      mask: u32,
      nextHop: u32,
      metric: fc.integer({ min: 1, max: 16 }),
    }),
    { maxLength: 25 },
  ),
});

test("RIP messages round-trip", () => {
  fc.assert(
    fc.property(rip, (repr) => {
      const parsed = parseRip(encodeRip(repr));
      assert.ok(!isParseError(parsed));
      assert.deepEqual(JSON.parse(JSON.stringify(parsed)), JSON.parse(JSON.stringify(repr)));
      assert.ok(describeRip(parsed).fields.length >= 2);
    }),
  );
});

test("a response with one route, byte for byte (RFC 2453 §4 layout)", () => {
  const bytes = encodeRip({
    command: 2,
    version: 2,
    entries: [{ family: 2, tag: 0, address: 0x0a030000, mask: 0xffffff00, nextHop: 0, metric: 2 }],
  });
  assert.deepEqual(
    [...bytes],
    [2, 2, 0, 0, 0, 2, 0, 0, 10, 3, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 2],
  );
  const parsed = parseRip(bytes);
  assert.ok(!isParseError(parsed));
  assert.equal(summarizeRip(parsed), "RIPv2 Response: 10.3.0.0/24 metric 2");
});

test("the parser never throws and rejects malformed messages", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      parseRip(bytes);
    }),
  );
  assert.ok(isParseError(parseRip(Uint8Array.of(3, 2, 0, 0))), "unknown command");
  assert.ok(isParseError(parseRip(Uint8Array.of(2, 2, 0, 0, 1))), "partial entry");
  assert.ok(isParseError(parseRip(Uint8Array.of(2))), "truncated header");
});
