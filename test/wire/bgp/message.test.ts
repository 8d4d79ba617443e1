import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address, Ipv4Prefix } from "../../../src/wire/address/ipv4.js";
import {
  AS_TRANS,
  type AsPathSegment,
  asPathLength,
  BgpError,
  type BgpMessage,
  type BgpPathAttributes,
  bgpMessageLength,
  describeBgp,
  encodeBgpMessage,
  FOUR_OCTET,
  formatAsPath,
  formatCommunity,
  mergeAs4Path,
  packUpdates,
  parseBgpMessage,
  parseCommunity,
  TWO_OCTET,
} from "../../../src/wire/bgp/index.js";
import { formatLayer } from "../../../src/wire/describe.js";
import { isParseError } from "../../../src/wire/parse-error.js";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const MARKER = "ffffffffffffffffffffffffffffffff";
const p = (t: string) => Ipv4Prefix.parse(t);
const a = (t: string) => Ipv4Address.parse(t);

test("KEEPALIVE is the 19-octet header alone (RFC 4271 §4.4)", () => {
  const bytes = encodeBgpMessage({ type: "keepalive" });
  assert.deepEqual(bytes, hex(`${MARKER} 0013 04`));
  assert.deepEqual(parseBgpMessage(bytes), { type: "keepalive" });
});

test("OPEN with capabilities: byte layout of RFC 4271 §4.2 / RFC 5492 §4, and back", () => {
  const open: BgpMessage = {
    type: "open",
    version: 4,
    myAs: 65001,
    holdTime: 90,
    bgpId: a("1.1.1.1"),
    capabilities: [
      { kind: "multiprotocol", afi: 1, safi: 1 },
      { kind: "route-refresh", code: 2 },
      { kind: "four-octet-as", asn: 65001 },
    ],
  };
  const bytes = encodeBgpMessage(open);
  assert.deepEqual(
    bytes,
    hex(`${MARKER} 002d 01  04 fde9 005a 01010101 10  02 0e  01 04 0001 00 01  02 00  41 04 0000fde9`),
  );
  assert.deepEqual(parseBgpMessage(bytes), open);
});

test("UPDATE: attributes in type order, NLRI packed to the prefix length (RFC 4271 §4.3)", () => {
  const update: BgpMessage = {
    type: "update",
    withdrawn: [p("10.9.0.0/16")],
    attributes: { origin: 0, asPath: [{ type: 2, asns: [65002, 65003] }], nextHop: a("10.99.0.2"), med: 5 },
    nlri: [p("10.98.0.0/24"), p("0.0.0.0/0")],
  };
  const bytes = encodeBgpMessage(update);
  assert.deepEqual(
    bytes,
    hex(
      `${MARKER} 003e 02  0003 10 0a09  001f 40 01 01 00  40 02 0a 02 02 0000fdea 0000fdeb  40 03 04 0a630002  80 04 04 00000005  18 0a6200  00`,
    ),
  );
  assert.deepEqual(parseBgpMessage(bytes), update);
});

test("NOTIFICATION and ROUTE-REFRESH round-trip", () => {
  for (const m of [
    { type: "notification", code: 6, subcode: 2, data: Uint8Array.of(1, 2) },
    { type: "route-refresh", afi: 1, safi: 1 },
  ] as BgpMessage[]) {
    assert.deepEqual(parseBgpMessage(encodeBgpMessage(m)), m);
  }
});

test("a 2-octet session carries 4-octet ASes as AS_TRANS plus AS4_PATH, and merges them back (RFC 6793)", () => {
  const attributes: BgpPathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [65001, 4200000001, 65003] }],
    nextHop: a("192.0.2.1"),
    aggregator: { asn: 4200000001, address: a("192.0.2.9") },
  };
  const bytes = encodeBgpMessage(
    { type: "update", withdrawn: [], attributes, nlri: [p("198.51.100.0/24")] },
    TWO_OCTET,
  );
  const text = Buffer.from(bytes).toString("hex");
  assert.ok(text.includes("fde95ba0fdeb"), "AS_PATH holds 65001 AS_TRANS 65003 in two octets each");
  assert.ok(text.includes("c0110e"), "AS4_PATH is optional transitive type 17");
  const back = parseBgpMessage(bytes, TWO_OCTET);
  assert.ok(!isParseError(back) && back.type === "update");
  assert.deepEqual(back.attributes.asPath, attributes.asPath);
  assert.deepEqual(back.attributes.aggregator, attributes.aggregator);
  // Read as if both were new speakers, the 2-octet bytes are not what was meant.
  const wrong = parseBgpMessage(bytes, FOUR_OCTET);
  assert.ok(
    isParseError(wrong) ||
      (wrong.type === "update" && formatAsPath(wrong.attributes.asPath) !== "65001 4200000001 65003"),
  );
});

test("RFC 6793 §4.2.3: ASes an old speaker prepended are kept in front of the AS4_PATH", () => {
  const asPath: AsPathSegment[] = [{ type: 2, asns: [65010, 65001, AS_TRANS] }];
  const as4Path: AsPathSegment[] = [{ type: 2, asns: [65001, 4200000001] }];
  assert.deepEqual(mergeAs4Path(asPath, as4Path), [{ type: 2, asns: [65010, 65001, 4200000001] }]);
  // An AS4_PATH longer than the AS_PATH is ignored.
  assert.deepEqual(mergeAs4Path([{ type: 2, asns: [1] }], as4Path), [{ type: 2, asns: [1] }]);
  assert.equal(
    asPathLength([
      { type: 2, asns: [1, 2] },
      { type: 1, asns: [3, 4, 5] },
    ]),
    3,
  );
  assert.equal(
    formatAsPath([
      { type: 2, asns: [1, 2] },
      { type: 1, asns: [3, 4] },
    ]),
    "1 2 {3,4}",
  );
});

test("communities: text form both ways (RFC 1997)", () => {
  assert.equal(formatCommunity(parseCommunity("65001:100") ?? 0), "65001:100");
  assert.equal(formatCommunity(0xffffff01), "no-export");
  assert.equal(parseCommunity("65536:1"), undefined);
});

function errorOf(bytes: Uint8Array): BgpError {
  const r = parseBgpMessage(bytes);
  assert.ok(r instanceof BgpError, `expected an error, got ${JSON.stringify(r)}`);
  return r;
}

test("header errors carry RFC 4271 §6.1's code, subcode and data", () => {
  let e = errorOf(hex(`ffffffffffffffffffffffffffffff00 0013 04`));
  assert.deepEqual([e.code, e.subcode], [1, 1]);
  e = errorOf(hex(`${MARKER} 0014 04 00`));
  assert.deepEqual([e.code, e.subcode, [...e.data]], [1, 2, [0, 0x14]]);
  e = errorOf(hex(`${MARKER} 0013 09`));
  assert.deepEqual([e.code, e.subcode, [...e.data]], [1, 3, [9]]);
  e = errorOf(hex(`${MARKER} 1001 04`));
  assert.deepEqual([e.code, e.subcode], [1, 2]);
});

test("OPEN errors: version, hold time, identifier (RFC 4271 §6.2)", () => {
  let e = errorOf(hex(`${MARKER} 001d 01 03 fde9 005a 01010101 00`));
  assert.deepEqual([e.code, e.subcode, [...e.data]], [2, 1, [0, 4]]);
  e = errorOf(hex(`${MARKER} 001d 01 04 fde9 0002 01010101 00`));
  assert.deepEqual([e.code, e.subcode], [2, 6]);
  e = errorOf(hex(`${MARKER} 001d 01 04 fde9 005a 00000000 00`));
  assert.deepEqual([e.code, e.subcode], [2, 3]);
});

test("UPDATE errors (RFC 4271 §6.3)", () => {
  const update = (body: string) => {
    const b = hex(body);
    return hex(`${MARKER} ${(19 + b.length).toString(16).padStart(4, "0")} 02 ${body}`);
  };
  const cases: [string, number, string][] = [
    ["0000 0004 40 01 01 05  08 0a", 6, "invalid ORIGIN"],
    ["0000 0004 40 01 02 00  08 0a", 5, "ORIGIN length 2"],
    ["0000 0004 c0 01 01 00  08 0a", 4, "ORIGIN flagged optional"],
    ["0000 0004 40 01 01 00  08 0a", 3, "AS_PATH missing"],
    ["0000 0003 40 63 00", 2, "unknown well-known attribute 99"],
    ["0000 000a 40 01 01 00 40 02 00 40 02 00", 1, "AS_PATH twice"],
    ["0000 000e 40 01 01 00 40 02 00 40 03 04 00000000 08 0a", 8, "NEXT_HOP 0.0.0.0"],
    ["0000 000c 40 01 01 00 40 02 03 02 01 fd 08 0a", 11, "truncated AS_PATH segment"],
    ["0000 000e 40 01 01 00 40 02 00 40 03 04 0a000001 21 0a", 10, "prefix length 33"],
    ["0009 0000", 1, "withdrawn length past the message"],
    ["0000 0005 40 01 09 00 00", 5, "attribute past the list"],
  ];
  for (const [body, subcode, what] of cases) {
    const e = errorOf(update(body));
    assert.deepEqual([e.code, e.subcode], [3, subcode], what);
  }
  // Missing attribute data is the type code.
  assert.deepEqual([...errorOf(update(cases[3][0])).data], [2]);
});

test("packUpdates fills messages up to 4096 octets and the prefixes all come back", () => {
  const prefixes: Ipv4Prefix[] = [];
  for (let i = 0; i < 5000; i++) prefixes.push(new Ipv4Prefix(new Ipv4Address(0x0a000000 + i * 256), 24));
  const attributes: BgpPathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [65002] }],
    nextHop: a("10.0.0.1"),
  };
  const bytes = packUpdates(prefixes.slice(0, 100), attributes, prefixes);
  const got: string[] = [];
  let withdrawn = 0;
  let messages = 0;
  for (let at = 0; at < bytes.length; ) {
    const length = bgpMessageLength(bytes, at);
    assert.ok(length <= 4096);
    const m = parseBgpMessage(bytes.subarray(at, at + length));
    assert.ok(!isParseError(m) && m.type === "update");
    withdrawn += m.withdrawn.length;
    for (const n of m.nlri) got.push(n.toString());
    at += length;
    messages++;
  }
  assert.equal(withdrawn, 100);
  assert.deepEqual(got, prefixes.map(String));
  assert.ok(messages <= 7, `${messages} messages`);
});

test("describe explains an UPDATE", () => {
  const text = formatLayer(
    describeBgp({
      type: "update",
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [{ type: 2, asns: [65002] }],
        nextHop: a("10.0.0.1"),
        communities: [0xfde90064],
      },
      nlri: [p("10.98.0.0/24")],
    }),
  );
  assert.match(text, /BGP UPDATE: 1 prefix via 10\.0\.0\.1, AS path 65002/);
  assert.match(text, /COMMUNITIES: 65001:100/);
});

// --- property tests ------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: a generic record helper
const rec = (model: any): fc.Arbitrary<any> => fc.record(model, { noNullPrototype: true });
const arbAddress = fc.integer({ min: 0x01000000, max: 0xdfffffff }).map((v) => new Ipv4Address(v));
const arbPrefix = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([v, len]) => new Ipv4Prefix(new Ipv4Address(v), len).networkPrefix);
const arbSegment = rec({
  type: fc.constantFrom(1, 2),
  asns: fc.array(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 0xffffffff })), {
    minLength: 1,
    maxLength: 8,
  }),
});
const arbAttributes: fc.Arbitrary<BgpPathAttributes> = fc.record(
  {
    origin: fc.integer({ min: 0, max: 2 }),
    asPath: fc.array(arbSegment, { maxLength: 3 }),
    nextHop: arbAddress,
    med: fc.integer({ min: 0, max: 0xffffffff }),
    localPref: fc.integer({ min: 0, max: 0xffffffff }),
    communities: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 5 }),
    originatorId: arbAddress,
    clusterList: fc.array(arbAddress, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ["origin", "asPath", "nextHop"], noNullPrototype: true },
);
const arbMessage: fc.Arbitrary<BgpMessage> = fc.oneof(
  fc.constant<BgpMessage>({ type: "keepalive" }),
  rec({
    type: fc.constant("open" as const),
    version: fc.constant(4),
    myAs: fc.integer({ min: 1, max: 65535 }),
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 65535 })),
    bgpId: arbAddress,
    capabilities: fc.array(
      fc.oneof(
        rec({
          kind: fc.constant("multiprotocol" as const),
          afi: fc.integer({ min: 0, max: 65535 }),
          safi: fc.integer({ min: 0, max: 255 }),
        }),
        rec({ kind: fc.constant("route-refresh" as const), code: fc.constantFrom(2, 128) }),
        rec({ kind: fc.constant("four-octet-as" as const), asn: fc.integer({ min: 0, max: 0xffffffff }) }),
        rec({
          kind: fc.constant("other" as const),
          code: fc.constantFrom(64, 70, 73),
          value: fc.uint8Array({ minLength: 1, maxLength: 8 }),
        }),
      ),
      { maxLength: 5 },
    ),
  }),
  rec({
    type: fc.constant("update" as const),
    withdrawn: fc.array(arbPrefix, { maxLength: 5 }),
    attributes: arbAttributes,
    nlri: fc.array(arbPrefix, { minLength: 1, maxLength: 5 }),
  }),
  rec({
    type: fc.constant("notification" as const),
    code: fc.integer({ min: 1, max: 6 }),
    subcode: fc.integer({ min: 0, max: 11 }),
    data: fc.uint8Array({ maxLength: 8 }),
  }),
  rec({ type: fc.constant("route-refresh" as const), afi: fc.constant(1), safi: fc.constant(1) }),
);

test("property: parse(emit(m)) == m, with 4-octet and 2-octet AS encodings", () => {
  fc.assert(
    fc.property(arbMessage, fc.boolean(), (m, four) => {
      const encoding = four ? FOUR_OCTET : TWO_OCTET;
      const back = parseBgpMessage(encodeBgpMessage(m, encoding), encoding);
      assert.deepEqual(back, m);
    }),
    { numRuns: 300 },
  );
});

test("property: parsing never throws, on random bytes and on mutated valid messages", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, four) => {
      const r = parseBgpMessage(bytes, four ? FOUR_OCTET : TWO_OCTET);
      if (isParseError(r)) assert.ok(r instanceof BgpError && r.code >= 1 && r.code <= 7);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(
      arbMessage,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      (m, flips) => {
        const bytes = encodeBgpMessage(m);
        for (const [at, value] of flips) bytes[16 + (at % (bytes.length - 16))] = value;
        const r = parseBgpMessage(bytes);
        if (isParseError(r)) assert.ok(r instanceof BgpError);
      },
    ),
    { numRuns: 500 },
  );
});
