import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { emitIpv4, Ipv4View, ipv4Length, parseIpv4 } from "../../src/wire/ipv4.js";
import {
  decodeIpv4Option,
  describeIpv4Option,
  emitIpv4Options,
  encodeIpv4Option,
  Ipv4OptionType,
  ipv4OptionName,
  ipv4OptionsPaddedLength,
  isCopiedOnFragmentation,
  parseIpv4Options,
  recordRouteOption,
  routerAlertOption,
  TimestampFlag,
} from "../../src/wire/ipv4-options.js";
import { isParseError } from "../../src/wire/parse-error.js";
import { arbitraryDecodedIpv4Option, arbitraryIpv4Options } from "../support/arbitraries.js";
import { fromHex } from "../support/pcap-fixtures.js";

// Linux's echo reply to a Record Route ping on lo (captured with tcpdump while writing this test):
// "options (RR 127.0.0.1, 127.0.0.1, 127.0.0.1, 0.0.0.0 ... 0.0.0.0,EOL)".
const recordRouteReply = fromHex(`
  4f00 004d 8852 0000 4001 ceb7 7f00 0001
  7f00 0001 0727 107f 0000 017f 0000 017f
  0000 0100 0000 0000 0000 0000 0000 0000
  0000 0000 0000 0000 0000 0000 0000 c31d
  1234 0001 7469 6e6b 6572 6e65 74`);

// Linux's echo reply to a ping with an Internet Timestamp option, flag 1 (address and timestamp):
// "options (timestamp TS{TS+ADDR 60570310@127.0.0.1 60570310@127.0.0.1 60570310@127.0.0.1 ^ 0@0.0.0.0})".
const timestampReply = fromHex(`
  4e 00 00 40 89 ec 00 00 40 01 50 7e 7f 00 00 01 7f 00 00 01
  44 24 1d 01 7f 00 00 01 03 9c 3a c6 7f 00 00 01 03 9c 3a c6 7f 00 00 01 03 9c 3a c6
  00 00 00 00 00 00 00 00
  00 00 bd b6 42 42 00 07`);

// Frame 44 of eapon1.pcap (tcpdump corpus): an IGMPv3 report with Router Alert, "options (RA)".
const routerAlert = fromHex(`
  46 00 00 28 38 c0 00 00 01 02 1e 39 a9 fe 43 c2 e0 00 00 16 94 04 00 00
  22 00 ea 03 00 00 00 01 04 00 00 00 ef ff ff fa`);

function reEmit(bytes: Uint8Array): Uint8Array {
  const ip = parseIpv4(bytes);
  assert.ok(!isParseError(ip), String(ip));
  const out = new Uint8Array(ipv4Length(ip));
  emitIpv4(ip, out);
  return out;
}

test("Record Route: pointer and recorded addresses; the final EOL is padding", () => {
  const ip = parseIpv4(recordRouteReply);
  assert.ok(!isParseError(ip));
  assert.equal(ip.options.length, 1, "the End of Option List that only pads is left out");
  const decoded = decodeIpv4Option(ip.options[0]);
  assert.ok(!isParseError(decoded));
  assert.equal(decoded.kind, "record-route");
  if (decoded.kind !== "record-route") return;
  assert.equal(decoded.pointer, 16);
  assert.equal(decoded.addresses.length, 9);
  assert.deepEqual(decoded.addresses.slice(0, 4).map(String), [
    "127.0.0.1",
    "127.0.0.1",
    "127.0.0.1",
    "0.0.0.0",
  ]);
  assert.deepEqual(reEmit(recordRouteReply), recordRouteReply);
  const described = describeIpv4Option(ip.options[0], 20);
  assert.equal(described.value, "127.0.0.1 127.0.0.1 127.0.0.1");
  assert.equal(described.children?.find((c) => c.name === "Pointer")?.meaning, "3 of 9 slots filled");
});

test("Internet Timestamp: flag, overflow and address/timestamp pairs", () => {
  const ip = parseIpv4(timestampReply);
  assert.ok(!isParseError(ip));
  assert.ok(new Ipv4View(timestampReply).verifyChecksum());
  assert.equal(ip.options.length, 1);
  const decoded = decodeIpv4Option(ip.options[0]);
  assert.ok(!isParseError(decoded));
  assert.equal(decoded.kind, "timestamp");
  if (decoded.kind !== "timestamp") return;
  assert.deepEqual(
    [decoded.pointer, decoded.overflow, decoded.flag],
    [29, 0, TimestampFlag.AddressAndTimestamp],
  );
  assert.deepEqual(
    decoded.entries.map((e) => `${e.timestamp}@${e.address}`),
    ["60570310@127.0.0.1", "60570310@127.0.0.1", "60570310@127.0.0.1", "0@0.0.0.0"],
  );
  assert.deepEqual(reEmit(timestampReply), timestampReply);
  assert.deepEqual(encodeIpv4Option(decoded), ip.options[0]);
  const described = describeIpv4Option(ip.options[0], 20);
  assert.equal(described.name, "Internet Timestamp");
  assert.equal(described.value, "address and timestamp");
  assert.equal(described.children?.find((c) => c.name === "Timestamp 1")?.value, "127.0.0.1 60570310");
});

test("Router Alert from a captured IGMPv3 report", () => {
  const ip = parseIpv4(routerAlert);
  assert.ok(!isParseError(ip));
  assert.deepEqual(ip.options, [routerAlertOption(0)]);
  assert.deepEqual(decodeIpv4Option(ip.options[0]), { kind: "router-alert", value: 0 });
  assert.equal(ip.payload.length, 16);
  assert.ok(new Ipv4View(routerAlert).verifyChecksum());
  assert.deepEqual(reEmit(routerAlert), routerAlert);
});

test("an explicit End of Option List keeps the octets after it, so odd headers re-emit exactly", () => {
  // IHL 7: No Operation, End of Option List, then six octets (two of them not zero).
  const header = fromHex(
    "47 00 00 1c 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 01 00 00 00 00 5a 00 01",
  );
  new Ipv4View(header).fillChecksum();
  const ip = parseIpv4(header);
  assert.ok(!isParseError(ip));
  assert.deepEqual(
    ip.options.map((o) => [o.type, [...o.data]]),
    [
      [Ipv4OptionType.NoOperation, []],
      [Ipv4OptionType.EndOfList, [0, 0, 0, 0x5a, 0, 1]],
    ],
  );
  assert.deepEqual(reEmit(header), header);
  assert.match(describeIpv4Option(ip.options[1], 21).value, /6 octets of padding/);
});

test("loose and strict source routes decode their route", () => {
  const lsrr = encodeIpv4Option({
    kind: "loose-source-route",
    pointer: 8,
    addresses: [],
  });
  assert.equal(lsrr.type, 131);
  assert.ok(isCopiedOnFragmentation(lsrr.type), "source routes are copied into every fragment");
  assert.ok(!isCopiedOnFragmentation(Ipv4OptionType.RecordRoute));
  const area = new Uint8Array(12);
  emitIpv4Options(
    [
      {
        type: Ipv4OptionType.StrictSourceRoute,
        data: Uint8Array.of(8, 192, 0, 2, 1, 198, 51, 100, 1),
      },
    ],
    area,
    0,
  );
  assert.deepEqual([...area], [137, 11, 8, 192, 0, 2, 1, 198, 51, 100, 1, 0]);
  const parsed = parseIpv4Options(area);
  assert.ok(!isParseError(parsed));
  const decoded = decodeIpv4Option(parsed[0]);
  assert.ok(!isParseError(decoded));
  assert.equal(decoded.kind, "strict-source-route");
  if (decoded.kind !== "strict-source-route") return;
  assert.deepEqual(decoded.addresses.map(String), ["192.0.2.1", "198.51.100.1"]);
  const children = describeIpv4Option(parsed[0], 20).children ?? [];
  assert.equal(
    children.find((c) => c.name === "Address 1")?.meaning,
    "already visited (now the recorded route)",
  );
  assert.equal(children.find((c) => c.name === "Address 2")?.meaning, "still to visit");
});

test("malformed options: each fault is named and located", () => {
  const cases: [number[], RegExp, number][] = [
    [[1, 7], /Record Route has no length octet/, 21],
    [[68, 1, 0, 0], /Internet Timestamp has length 1, below the minimum of 2/, 21],
    [[7, 12, 4, 0], /Record Route of length 12 runs past the header end \(4 octets left\)/, 21],
    [[7, 2, 0, 0], /Record Route option has no pointer/, 21],
    [[68, 4, 4, 0], /Internet Timestamp pointer 4 is below the minimum of 5/, 22],
    [[68, 3, 5, 0], /Internet Timestamp option is shorter than 4 octets/, 21],
    [[148, 3, 0, 0], /Router Alert option has length 3, not 4/, 21],
  ];
  for (const [area, reason, offset] of cases) {
    const result = parseIpv4Options(Uint8Array.from(area), 20);
    assert.ok(isParseError(result), String(area));
    assert.match(result.reason, reason);
    assert.equal(result.offset, offset, String(area));
  }
});

test("helpers: names, Record Route for ping -R, padded length", () => {
  assert.equal(ipv4OptionName(7), "Record Route");
  assert.equal(ipv4OptionName(148), "Router Alert");
  assert.equal(ipv4OptionName(250), "Unknown option 250");
  const rr = recordRouteOption();
  assert.equal(rr.data.length, 37, "3 + 4 × 9 = 39 octets with type and length");
  assert.equal(ipv4OptionsPaddedLength([rr]), 40);
  assert.throws(
    () => emitIpv4Options([{ type: 1, data: Uint8Array.of(1) }], new Uint8Array(8), 0),
    /No Operation option carries no data/,
  );
});

test("property: decode(encode(option)) gives back the option", () => {
  fc.assert(
    fc.property(arbitraryDecodedIpv4Option, (decoded) => {
      assert.deepEqual(decodeIpv4Option(encodeIpv4Option(decoded)), decoded);
    }),
  );
});

test("property: options lists survive emit and parse unchanged", () => {
  fc.assert(
    fc.property(arbitraryIpv4Options, (options) => {
      const area = new Uint8Array(ipv4OptionsPaddedLength(options));
      assert.equal(emitIpv4Options(options, area, 0), area.length);
      const parsed = parseIpv4Options(area);
      assert.ok(!isParseError(parsed));
      assert.deepEqual([...parsed], [...options]);
    }),
  );
});

test("property: walking arbitrary option bytes never throws and never overruns", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (area) => {
      const parsed = parseIpv4Options(area);
      if (isParseError(parsed)) {
        assert.ok(parsed.offset >= 20 && parsed.offset < 20 + area.length);
        return;
      }
      for (const option of parsed) {
        decodeIpv4Option(option);
        describeIpv4Option(option, 20);
      }
    }),
  );
});
