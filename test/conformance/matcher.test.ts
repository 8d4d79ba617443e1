import assert from "node:assert/strict";
import { test } from "node:test";
import {
  flagsFromText,
  flagsToText,
  formatLiveSegment,
  formatSpec,
  type LiveSegment,
  matchOptions,
  matchSegment,
} from "../../src/conformance/matcher.js";
import type { PacketEvent, TcpPacketSpec } from "../../src/conformance/pkt-ast.js";
import { parsePkt } from "../../src/conformance/pkt-parser.js";
import { TcpFlags } from "../../src/wire/tcp.js";

function spec(line: string): PacketEvent {
  const script = parsePkt(line);
  assert.ok(!("message" in script));
  return script.events[0] as PacketEvent;
}

function tcp(line: string): TcpPacketSpec {
  return spec(line).packet as TcpPacketSpec;
}

const { SYN, ACK, FIN, RST, PSH, ECE, CWR } = TcpFlags;

function live(overrides: Partial<LiveSegment> = {}): LiveSegment {
  return {
    flags: SYN | ACK,
    seq: 0,
    ack: 1,
    window: 65535,
    urgent: 0,
    length: 0,
    options: [{ kind: "mss", value: 1460 }, { kind: "sack-permitted" }],
    ttl: 64,
    tos: 0,
    checksumOk: true,
    ...overrides,
  };
}

test("flags: letters to masks and back", () => {
  assert.equal(flagsFromText("S."), SYN | ACK);
  assert.equal(flagsFromText("."), ACK);
  assert.equal(flagsFromText("SEW"), SYN | ECE | CWR);
  assert.equal(flagsFromText("F."), FIN | ACK);
  assert.equal(flagsToText(SYN | ACK), "S.");
  assert.equal(flagsToText(FIN | PSH | ACK), "FP.");
  assert.equal(flagsToText(0), "-");
});

test("an exact match, and each exactly-matched field on its own", () => {
  const expected = tcp("+0 > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>");
  assert.deepEqual(matchSegment(expected, live()), []);
  assert.deepEqual(matchSegment(expected, live({ flags: RST | ACK })), [
    { field: "flags", expected: "S.", actual: "R." },
  ]);
  assert.deepEqual(matchSegment(expected, live({ seq: 7 })), [{ field: "seq", expected: "0", actual: "7" }]);
  assert.deepEqual(matchSegment(expected, live({ ack: 2 })), [{ field: "ack", expected: "1", actual: "2" }]);
  assert.deepEqual(matchSegment(expected, live({ length: 3 })), [
    { field: "length", expected: "0", actual: "3" },
  ]);
  assert.deepEqual(matchSegment(expected, live({ checksumOk: false })), [
    { field: "checksum", expected: "valid", actual: "invalid" },
  ]);
  assert.deepEqual(
    matchSegment(tcp("+0 > . 1:1(0) ack 1 urg 3"), live({ flags: ACK, seq: 1, urgent: 4, options: [] })),
    [{ field: "urg", expected: "3", actual: "4" }],
  );
});

test("loose: PSH, window size (but not zero windows), and the window of a RST", () => {
  const data = tcp("+0 > P. 1:101(100) ack 1 win 65535");
  const base = { flags: ACK, seq: 1, length: 100, options: [] };
  assert.deepEqual(matchSegment(data, live({ ...base, window: 1027 })), []);
  assert.deepEqual(
    matchSegment(tcp("+0 > . 1:101(100) ack 1 win 1"), live({ ...base, flags: PSH | ACK })),
    [],
  );
  assert.deepEqual(matchSegment(data, live({ ...base, window: 0 })), [
    { field: "win", expected: "non-zero", actual: "0" },
  ]);
  assert.deepEqual(matchSegment(tcp("+0 > . 1:1(0) ack 1 win 0"), live({ ...base, length: 0, window: 5 })), [
    { field: "win", expected: "0", actual: "5" },
  ]);
  assert.deepEqual(
    matchSegment(tcp("+0 > R 1:1(0) win 0"), live({ flags: RST, seq: 1, window: 512, options: [] })),
    [],
  );
});

test("options: order and padding are free, the set is not; wscale shift and TSval are loose", () => {
  const expected = tcp("+0 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>").options;
  assert.ok(Array.isArray(expected));
  const linux = [
    { kind: "mss", value: 1460 },
    { kind: "sack-permitted" },
    { kind: "timestamps", value: 3_000_000, echo: 0 },
    { kind: "nop" },
    { kind: "window-scale", shift: 7 },
  ] as const;
  assert.deepEqual(matchOptions(expected, [...linux]), []);
  assert.deepEqual(matchOptions(expected, [linux[0], linux[2], linux[3], linux[4]]), [
    { field: "option sackOK", expected: "sackOK", actual: "missing" },
  ]);
  assert.deepEqual(matchOptions(expected, [...linux, { kind: "sack", blocks: [{ left: 1, right: 2 }] }]), [
    { field: "option sack", expected: "absent", actual: "sack 1:2" },
  ]);
  assert.deepEqual(matchOptions(expected, [{ kind: "mss", value: 536 }, linux[1], linux[2], linux[4]]), [
    { field: "option mss", expected: "1460", actual: "536" },
  ]);
  assert.deepEqual(
    matchOptions(expected, [linux[0], linux[1], { kind: "timestamps", value: 1, echo: 9 }, linux[4]]),
    [{ field: "option TS ecr", expected: "0", actual: "9" }],
  );
  // No options written: none may be sent.
  assert.deepEqual(matchOptions([], [{ kind: "nop" }, { kind: "eol" }]), []);
  assert.equal(matchOptions([], [linux[0]]).length, 1);
  // `<...>`: anything goes.
  assert.deepEqual(matchSegment(tcp("+0 > S 0:0(0) <...>"), live({ flags: SYN, options: [...linux] })), []);
});

test("SACK blocks match exactly, in order (RFC 2018 §4: the first block is the newest)", () => {
  const expected = tcp("+0 > . 1:1(0) ack 100 win 65535 <nop,nop,sack 400:500 200:300>").options;
  assert.ok(Array.isArray(expected));
  const block = (left: number, right: number) => ({ left, right });
  assert.deepEqual(
    matchOptions(expected, [{ kind: "sack", blocks: [block(400, 500), block(200, 300)] }]),
    [],
  );
  assert.deepEqual(matchOptions(expected, [{ kind: "sack", blocks: [block(200, 300), block(400, 500)] }]), [
    { field: "option sack", expected: "400:500 200:300", actual: "200:300 400:500" },
  ]);
});

test("IP fields and ECN codepoints where the script gives them", () => {
  const ttl = spec("+0 > (ttl 32) . 1:1(0) ack 1 win 1");
  const base = live({ flags: ACK, seq: 1, options: [] });
  assert.deepEqual(matchSegment(ttl.packet as TcpPacketSpec, base, { fields: ttl.ip }), [
    { field: "ttl", expected: "32", actual: "64" },
  ]);
  const tos = spec("+0 > (tos 0x20) . 1:1(0) ack 1 win 1");
  assert.deepEqual(matchSegment(tos.packet as TcpPacketSpec, { ...base, tos: 0x20 }, { fields: tos.ip }), []);
  const ect = spec("+0 > [ect0] . 1:1(0) ack 1 win 1");
  assert.deepEqual(matchSegment(ect.packet as TcpPacketSpec, { ...base, tos: 2 }, { ecn: ect.ecn }), []);
  assert.deepEqual(matchSegment(ect.packet as TcpPacketSpec, base, { ecn: ect.ecn }), [
    { field: "ecn", expected: "ect0", actual: "noecn" },
  ]);
});

test("formatting in script syntax", () => {
  assert.equal(
    formatSpec(tcp("+0 > S. ...(0) ack 65537 win 65535 <mss 1460,sackOK,eol,eol>")),
    "S. ...(0) ack 65537 win 65535 <mss 1460,sackOK,eol,eol>",
  );
  assert.equal(formatSpec(tcp("+0 > R. 0:0(0)! ack 2 win 0")), "R. 0:0(0)! ack 2 win 0");
  assert.equal(
    formatLiveSegment(live({ flags: PSH | ACK, seq: 4294967295, length: 2, options: [] })),
    "P. 4294967295:1(2) ack 1 win 65535",
  );
});
