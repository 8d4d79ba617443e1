import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import { formatLayer } from "../../src/wire/describe.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import {
  checkTcp,
  describeTcp,
  emitTcp,
  parseTcp,
  TCP_RESERVED_FLAGS,
  TcpFlags,
  type TcpRepr,
  TcpView,
  tcpFlagsToString,
  tcpFlagsToTcpdump,
  tcpHeaderLength,
} from "../../src/wire/tcp.js";
import {
  emitTcpOptions,
  findTcpOption,
  parseTcpOptions,
  segmentOptions,
  synOptions,
  type TcpOption,
  tcpOptionsLength,
  tcpOptionsToString,
  tcpPaddedOptionsLength,
} from "../../src/wire/tcp-options.js";
import { arbitraryPseudoHeader, arbitraryTcpOptions, arbitraryTcpRepr } from "../support/arbitraries.js";
import { fromHex, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasCommand, hasShared, needSystem } from "../support/system.js";
import { transportSegments } from "./l4-captures.js";

const v4: PseudoHeader = { src: Ipv4Address.parse("192.0.2.1"), dst: Ipv4Address.parse("198.51.100.2") };
const v6: PseudoHeader = { src: Ipv6Address.parse("2001:db8::1"), dst: Ipv6Address.parse("2001:db8::2") };
const text = (s: string) => new TextEncoder().encode(s);
const haveCaptures = () => hasShared("captures/tcpdump-tests");

// Hand-checked vectors: emitted by this code inside IPv4/IPv6 packets 192.0.2.1 → 198.51.100.2 and
// 2001:db8::1 → 2001:db8::2, then decoded by tcpdump 4.99 and tshark 4.0 with checksum checks on.
// tcpdump: "49152 > 80: Flags [S], cksum 0x9c80 (correct), seq 16909060, win 64240,
//           options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"
const SYN = `c000 0050 01020304 00000000 a0 02 faf0 9c80 0000
             020405b4 0402 080a 00000001 00000000 01 030307`;
// tcpdump: "80 > 49152: Flags [P.], cksum 0x1fc8 (correct), seq 4294967280:4294967293,
//           ack 16909061, win 501, options [nop,nop,TS val 7 ecr 9,nop,nop,sack 2 {100:200}{300:400}],
//           length 13" (tshark, absolute numbers: sack_le 100,300 sack_re 200,400)
const DATA = `0050 c000 fffffff0 01020305 d0 18 01f5 1fc8 0000
              0101 080a 00000007 00000009 0101 0512 00000064 000000c8 0000012c 00000190
              68656c6c6f2c20776f726c640a`;
// Over IPv6: "80 > 49152: Flags [F.], cksum 0x920e (correct), seq 5, ack 6, win 501, length 0"
const FIN6 = "0050 c000 00000005 00000006 50 11 01f5 920e 0000";

function emitted(repr: TcpRepr, pseudo: PseudoHeader): Uint8Array {
  const into = new Uint8Array(tcpHeaderLength(repr) + repr.payload.length);
  assert.equal(emitTcp(repr, into, pseudo), into.length);
  return into;
}

test("emit writes RFC 9293 bytes that tcpdump and tshark accept, over IPv4 and IPv6", () => {
  const syn: TcpRepr = {
    srcPort: 49152,
    dstPort: 80,
    seq: 0x01020304,
    ack: 0,
    flags: TcpFlags.SYN,
    window: 64240,
    urgentPointer: 0,
    options: synOptions({
      mss: 1460,
      windowScale: 7,
      sackPermitted: true,
      timestamps: { value: 1, echo: 0 },
    }),
    payload: new Uint8Array(0),
  };
  assert.deepEqual(emitted(syn, v4), fromHex(SYN));
  const data: TcpRepr = {
    srcPort: 80,
    dstPort: 49152,
    seq: 0xfffffff0,
    ack: 0x01020305,
    flags: TcpFlags.PSH | TcpFlags.ACK,
    window: 501,
    urgentPointer: 0,
    options: segmentOptions({ value: 7, echo: 9 }, [
      { left: 100, right: 200 },
      { left: 300, right: 400 },
    ]),
    payload: text("hello, world\n"),
  };
  assert.deepEqual(emitted(data, v4), fromHex(DATA));
  const fin: TcpRepr = {
    ...data,
    seq: 5,
    ack: 6,
    flags: TcpFlags.FIN | TcpFlags.ACK,
    options: [],
    payload: new Uint8Array(0),
  };
  assert.deepEqual(emitted(fin, v6), fromHex(FIN6));
});

test("parse and view read every field of a known segment", () => {
  const bytes = fromHex(DATA);
  const repr = parseTcp(bytes);
  assert.ok(!isParseError(repr));
  assert.deepEqual(repr, {
    srcPort: 80,
    dstPort: 49152,
    seq: 4294967280,
    ack: 16909061,
    flags: TcpFlags.PSH | TcpFlags.ACK,
    window: 501,
    urgentPointer: 0,
    options: [
      { kind: "nop" },
      { kind: "nop" },
      { kind: "timestamps", value: 7, echo: 9 },
      { kind: "nop" },
      { kind: "nop" },
      {
        kind: "sack",
        blocks: [
          { left: 100, right: 200 },
          { left: 300, right: 400 },
        ],
      },
    ],
    payload: text("hello, world\n"),
  });
  const view = new TcpView(bytes);
  assert.equal(view.srcPort, 80);
  assert.equal(view.dstPort, 49152);
  assert.equal(view.seq, 0xfffffff0);
  assert.equal(view.ack, 0x01020305);
  assert.equal(view.dataOffset, 13);
  assert.equal(view.headerLength, 52);
  assert.equal(view.flags, 0x018);
  assert.ok(view.has(TcpFlags.PSH | TcpFlags.ACK));
  assert.ok(!view.has(TcpFlags.SYN | TcpFlags.ACK));
  assert.equal(view.window, 501);
  assert.equal(view.checksum, 0x1fc8);
  assert.equal(view.urgentPointer, 0);
  assert.equal(view.optionBytes.length, 32);
  assert.deepEqual(view.payload, text("hello, world\n"));
  assert.equal(view.verifyChecksum(v4), true);
  assert.equal(view.verifyChecksum(v6), false);
  assert.equal(view.computeChecksum(v4), 0x1fc8);
  assert.equal(findTcpOption(repr.options, "timestamps")?.echo, 9);
  assert.equal(findTcpOption(repr.options, "mss"), undefined);
});

test("setters write in place, leave their neighbours alone, and fillChecksum repairs the sum", () => {
  const bytes = fromHex(SYN);
  const view = new TcpView(bytes);
  view.flags = TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR | TcpFlags.AE; // an AccECN SYN (RFC 9768)
  assert.equal(view.dataOffset, 10, "AE lives beside the data offset");
  assert.equal(bytes[12], 0xa1);
  assert.equal(bytes[13], 0xc2);
  view.dataOffset = 10;
  assert.equal(view.flags, 0x1c2);
  view.seq = 0xffffffff;
  view.ack = 0x80000000;
  view.srcPort = 1;
  view.dstPort = 2;
  view.window = 0xffff;
  view.urgentPointer = 3;
  assert.equal(view.verifyChecksum(v4), false);
  const before = view.computeChecksum(v4);
  assert.equal(view.checksum, 0x9c80, "computeChecksum does not modify the segment");
  view.fillChecksum(v4);
  assert.equal(view.checksum, before);
  assert.equal(view.verifyChecksum(v4), true);
  const repr = parseTcp(bytes) as TcpRepr;
  assert.deepEqual(
    [repr.srcPort, repr.dstPort, repr.seq, repr.ack, repr.flags, repr.window, repr.urgentPointer],
    [1, 2, 0xffffffff, 0x80000000, 0x1c2, 0xffff, 3],
  );
});

test("tcpFlagsToString lists FIN,SYN,RST,PSH,ACK,URG,ECE,CWR,AE in that order, as tshark names them", () => {
  assert.equal(tcpFlagsToString(TcpFlags.SYN | TcpFlags.ACK), "SYN,ACK");
  assert.equal(tcpFlagsToString(TcpFlags.ACK | TcpFlags.FIN), "FIN,ACK");
  assert.equal(tcpFlagsToString(0x1ff), "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR,AE");
  assert.equal(tcpFlagsToString(0), "<None>");
  assert.equal(tcpFlagsToString(TCP_RESERVED_FLAGS | TcpFlags.RST), "RST,Reserved(0xe00)");
  assert.equal(tcpFlagsToTcpdump(TcpFlags.SYN | TcpFlags.ACK), "S.");
  assert.equal(tcpFlagsToTcpdump(0xff), "FSRP.UEW");
  assert.equal(tcpFlagsToTcpdump(0), "none");
});

test("header errors: short segment, data offset below 5 or beyond the segment", () => {
  const short = parseTcp(new Uint8Array(19));
  assert.ok(short instanceof ParseError && short.layer === "tcp" && short.offset === 0);
  const bytes = fromHex(SYN);
  bytes[12] = 0x40; // 4 words
  const low = parseTcp(bytes);
  assert.ok(low instanceof ParseError && low.offset === 12, String(low));
  assert.match(low.reason, /below the minimum of 5/);
  const truncated = parseTcp(fromHex(SYN).subarray(0, 39)); // 10 words announced, 39 bytes present
  assert.ok(truncated instanceof ParseError && truncated.offset === 12);
  assert.equal(checkTcp(fromHex(SYN)), undefined);
});

test("option errors name the byte: length below 2, overrunning the header, kind without a length", () => {
  const header = (options: string) => {
    const bytes = fromHex(`0001 0002 00000000 00000000 00 00 0000 0000 0000 ${options}`);
    bytes[12] = (bytes.length / 4) << 4;
    return bytes;
  };
  const zeroLength = parseTcp(header("0101 0200"));
  assert.ok(zeroLength instanceof ParseError);
  assert.equal(zeroLength.offset, 23);
  assert.match(zeroLength.reason, /length 0, below the minimum of 2/);
  const one = parseTcp(header("0801 0000"));
  assert.ok(one instanceof ParseError && one.offset === 21);
  const overrun = parseTcp(header("0101 080a 00000001")); // timestamps need 10 bytes, 6 remain
  assert.ok(overrun instanceof ParseError && overrun.offset === 23);
  assert.match(overrun.reason, /overruns the header by 4 bytes/);
  const dangling = parseTcp(header("010101 1e")); // kind 30 in the last byte, no length byte
  assert.ok(dangling instanceof ParseError && dangling.offset === 23);
  // Options after EOL are not parsed (RFC 9293 §3.2): garbage there is kept, not rejected.
  const afterEol = parseTcp(header("00 02 0000"));
  assert.ok(!isParseError(afterEol));
  assert.deepEqual(afterEol.options, [{ kind: "unknown", type: 0, data: fromHex("020000") }]);
});

test("options the parser does not interpret are kept byte-exact, and so is EOL padding", () => {
  const cases: [string, TcpOption[]][] = [
    [
      "1e06 01020304 0101",
      [{ kind: "unknown", type: 30, data: fromHex("01020304") }, { kind: "nop" }, { kind: "nop" }],
    ], // MPTCP, RFC 8684
    ["0203 05 00", [{ kind: "unknown", type: 2, data: fromHex("05") }, { kind: "eol" }]], // MSS of length 3
    ["0303 07 01", [{ kind: "window-scale", shift: 7 }, { kind: "nop" }]],
  ];
  for (const [hex, options] of cases) {
    const bytes = fromHex(hex);
    assert.deepEqual(parseTcpOptions(bytes, 0, bytes.length), options, hex);
    const into = new Uint8Array(bytes.length);
    assert.equal(emitTcpOptions(options, into, 0), bytes.length);
    assert.deepEqual(into, bytes, hex);
  }
  // SACK-Permitted then two zeros: one EOL, and the zeros up to the word boundary are its padding.
  assert.deepEqual(parseTcpOptions(fromHex("0402 0000"), 0, 4), [
    { kind: "sack-permitted" },
    { kind: "eol" },
  ]);
  // A sender that pads with a whole extra word of zeros (real: an MD5 option in bgp-aigp-oobr.pcap).
  const extra = fromHex("0402 0000 00000000");
  const options = parseTcpOptions(extra, 0, 8) as TcpOption[];
  // Three EOLs: sack-permitted (2) + 3 = 5 bytes, which emit pads to the same 8.
  assert.deepEqual(options, [{ kind: "sack-permitted" }, ...Array(3).fill({ kind: "eol" })]);
  assert.equal(tcpPaddedOptionsLength(options), 8);
  // A non-zero byte after EOL.
  const dirty = fromHex("0402 00 ff");
  const kept = parseTcpOptions(dirty, 0, 4) as TcpOption[];
  assert.deepEqual(kept, [{ kind: "sack-permitted" }, { kind: "unknown", type: 0, data: fromHex("ff") }]);
  const into = new Uint8Array(4);
  emitTcpOptions(kept, into, 0);
  assert.deepEqual(into, dirty);
});

test("emit pads options with zeros to 32 bits, and refuses more than 40 bytes or a short buffer", () => {
  const repr: TcpRepr = {
    srcPort: 1,
    dstPort: 2,
    seq: 3,
    ack: 4,
    flags: TcpFlags.SYN,
    window: 5,
    urgentPointer: 0,
    options: [{ kind: "window-scale", shift: 14 }],
    payload: new Uint8Array(0),
  };
  const into = new Uint8Array(64).fill(0xee);
  assert.equal(emitTcp(repr, into, v4), 24);
  assert.deepEqual(into.subarray(20, 24), fromHex("03030e00"));
  assert.equal(into[12] >>> 4, 6);
  const tooMany = {
    ...repr,
    options: [
      ...segmentOptions({ value: 1, echo: 2 }),
      { kind: "mss", value: 1 } as TcpOption,
      ...segmentOptions({ value: 1, echo: 2 }),
    ],
  };
  assert.equal(tcpOptionsLength(tooMany.options), 28);
  assert.doesNotThrow(() => emitTcp(tooMany, new Uint8Array(60), v4));
  tooMany.options.push({ kind: "sack", blocks: [{ left: 1, right: 2 }] }); // 38 bytes, padded to 40
  assert.doesNotThrow(() => emitTcp(tooMany, new Uint8Array(60), v4));
  tooMany.options.push({ kind: "nop" }, { kind: "nop" }, { kind: "nop" }); // 41 bytes
  assert.throws(() => emitTcp(tooMany, new Uint8Array(80), v4), RangeError);
  assert.throws(() => emitTcp({ ...repr, payload: new Uint8Array(10) }, new Uint8Array(33), v4), RangeError);
});

test("emit leaves a payload already built in place where it is", () => {
  const into = new Uint8Array(100);
  const payload = into.subarray(20, 30);
  payload.set(text("in place!!"));
  const repr = parseTcp(fromHex(FIN6)) as TcpRepr;
  assert.equal(emitTcp({ ...repr, payload }, into, v6), 30);
  assert.deepEqual(into.subarray(20, 30), text("in place!!"));
  assert.ok(new TcpView(into.subarray(0, 30)).verifyChecksum(v6));
});

test("synOptions and segmentOptions lay options out on 32-bit boundaries, like Linux", () => {
  assert.equal(
    tcpOptionsToString(
      synOptions({ mss: 1460, sackPermitted: true, timestamps: { value: 1, echo: 0 }, windowScale: 7 }),
    ),
    "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7",
  );
  assert.equal(
    tcpOptionsToString(synOptions({ mss: 1460, sackPermitted: true, windowScale: 7 })),
    "mss 1460,nop,wscale 7,nop,nop,sackOK",
  );
  assert.equal(tcpOptionsToString(synOptions({ mss: 536 })), "mss 536");
  for (const sackPermitted of [false, true])
    for (const windowScale of [undefined, 0, 14])
      for (const timestamps of [undefined, { value: 0xffffffff, echo: 0 }]) {
        const options = synOptions({ mss: 1460, sackPermitted, windowScale, timestamps });
        assert.equal(tcpOptionsLength(options) % 4, 0, tcpOptionsToString(options));
        const into = new Uint8Array(40);
        const n = emitTcpOptions(options, into, 0);
        assert.deepEqual(parseTcpOptions(into, 0, n), options);
      }
  const four = Array.from({ length: 5 }, (_, i) => ({ left: i, right: i + 1 }));
  assert.equal(findTcpOption(segmentOptions({ value: 1, echo: 2 }, four), "sack")?.blocks.length, 3);
  assert.equal(findTcpOption(segmentOptions(undefined, four), "sack")?.blocks.length, 4);
  assert.equal(tcpOptionsLength(segmentOptions({ value: 1, echo: 2 }, four)), 40);
});

test("describe explains every field with its byte offset, and verifies the checksum when it can", () => {
  const bytes = fromHex(SYN);
  const repr = parseTcp(bytes) as TcpRepr;
  const description = describeTcp(repr, bytes, v4);
  assert.equal(description.layer, "tcp");
  assert.equal(description.osi, "4 Transport");
  assert.equal(
    description.summary,
    "TCP 49152 → 80 [SYN] seq 16909060 win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0",
  );
  assert.deepEqual(
    description.fields.map((f) => [f.name, f.offset, f.length]),
    [
      ["Source Port", 0, 2],
      ["Destination Port", 2, 2],
      ["Sequence Number", 4, 4],
      ["Acknowledgment Number", 8, 4],
      ["Data Offset", 12, 1],
      ["Control Bits", 12, 2],
      ["Window", 14, 2],
      ["Checksum", 16, 2],
      ["Urgent Pointer", 18, 2],
      ["Options", 20, 20],
      ["Data", 40, 0],
    ],
  );
  const byName = new Map(description.fields.map((f) => [f.name, f]));
  assert.match(byName.get("Sequence Number")?.meaning ?? "", /initial sequence number/);
  assert.match(byName.get("Acknowledgment Number")?.meaning ?? "", /not meaningful/);
  assert.equal(byName.get("Checksum")?.value, "0x9c80");
  assert.match(byName.get("Checksum")?.meaning ?? "", /^correct/);
  assert.equal(byName.get("Control Bits")?.value, "0x002 (SYN)");
  assert.deepEqual(
    byName.get("Options")?.children?.map((c) => [c.name, c.value, c.offset, c.length]),
    [
      ["Maximum Segment Size", "1460", 20, 4],
      ["SACK Permitted", "yes", 24, 2],
      ["Timestamps", "TSval 1, TSecr 0", 26, 10],
      ["No-Operation", "1", 36, 1],
      ["Window Scale", "7", 37, 3],
    ],
  );
  bytes[17] ^= 0xff;
  assert.match(describeTcp(repr, bytes, v4).fields[7].meaning ?? "", /incorrect, should be 0x9c80/);
  const text = formatLayer(describeTcp(repr));
  assert.match(text, /Transmission Control Protocol — OSI layer 4 Transport/);
  assert.match(text, /Checksum: \(computed on emit\)/);
});

test("property: parse(emit(repr)) gives repr back over either pseudo-header, and the checksum verifies", () => {
  fc.assert(
    fc.property(arbitraryTcpRepr, arbitraryPseudoHeader, (repr, pseudo) => {
      const bytes = emitted(repr, pseudo);
      assert.deepEqual(parseTcp(bytes), repr);
      assert.equal(new TcpView(bytes).verifyChecksum(pseudo), true);
    }),
    { numRuns: 400 },
  );
});

test("property: options round-trip and always fill whole 32-bit words", () => {
  fc.assert(
    fc.property(arbitraryTcpOptions, (options) => {
      const into = new Uint8Array(40);
      const n = emitTcpOptions(options, into, 0);
      assert.equal(n % 4, 0);
      assert.ok(n <= 40);
      assert.deepEqual(parseTcpOptions(into, 0, n), options);
    }),
    { numRuns: 500 },
  );
});

test("property: the checksum catches every single-bit error", () => {
  fc.assert(
    fc.property(arbitraryTcpRepr, arbitraryPseudoHeader, fc.nat(), (repr, pseudo, which) => {
      const bytes = emitted(repr, pseudo);
      const bit = which % (bytes.length * 8);
      bytes[bit >>> 3] ^= 1 << (bit & 7);
      assert.equal(new TcpView(bytes).verifyChecksum(pseudo), false);
    }),
    { numRuns: 500 },
  );
});

test("property: parse never throws on random or mutated bytes, and its views stay inside them", () => {
  const mutated = fc
    .tuple(
      arbitraryTcpRepr,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(),
    )
    .map(([repr, edits, cut]) => {
      const bytes = emitted(repr, v4);
      const header = tcpHeaderLength(repr);
      // Aim most edits at the header, where the structure is.
      for (const [at, value] of edits) bytes[at % (at & 1 ? header : bytes.length)] = value;
      return bytes.subarray(0, cut % 3 === 0 ? bytes.length : cut % (bytes.length + 1));
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated), (bytes) => {
      const result = parseTcp(bytes);
      if (isParseError(result)) {
        assert.ok(result.offset >= 0 && result.offset < Math.max(bytes.length, 1));
        return;
      }
      assert.ok(tcpHeaderLength(result) <= bytes.length);
      assert.equal(result.payload.buffer, bytes.buffer, "the payload is a view, not a copy");
      // What parses, re-emits to the same header bytes (checksum aside).
      const again = new Uint8Array(bytes.length);
      emitTcp(result, again, v4);
      assert.deepEqual(again.subarray(0, 16), bytes.subarray(0, 16));
      assert.deepEqual(again.subarray(18), bytes.subarray(18));
    }),
    { numRuns: 1000 },
  );
});

test("real captures: every TCP segment in the tcpdump corpus parses or fails cleanly, and re-emits byte-exact", (t) => {
  if (!needSystem(t, "tcpdump test captures (../shared/captures)", haveCaptures())) return;
  let parsed = 0;
  let verified = 0;
  const refused = new Map<string, string>();
  const into = new Uint8Array(0x20000); // "big TCP" captures hold segments beyond 64 KiB
  const kinds = new Set<string>();
  for (const name of readdirSync(tcpdumpCapture(""))) {
    if (!name.endsWith(".pcap")) continue;
    for (const segment of transportSegments(tcpdumpCapture(name))) {
      if (segment.protocol !== 6) continue;
      const repr = parseTcp(segment.bytes);
      if (isParseError(repr)) {
        refused.set(name, repr.reason);
        continue;
      }
      parsed++;
      for (const option of repr.options)
        kinds.add(option.kind === "unknown" ? `kind ${option.type}` : option.kind);
      const where = `${name} frame ${segment.frame}`;
      const n = emitTcp(repr, into, segment.pseudo);
      assert.equal(n, segment.bytes.length, where);
      assert.deepEqual(into.subarray(0, 16), segment.bytes.subarray(0, 16), where);
      assert.deepEqual(into.subarray(18, n), segment.bytes.subarray(18), where);
      const view = new TcpView(segment.bytes);
      if (!segment.truncated && view.verifyChecksum(segment.pseudo)) {
        verified++;
        assert.equal(new TcpView(into.subarray(0, n)).checksum, view.checksum, where);
      }
    }
  }
  assert.ok(parsed > 1300, `parsed ${parsed}`);
  assert.ok(verified > 700, `verified ${verified}`);
  // The fuzzed files that once overflowed tcpdump's TCP printer must be refused, not read past.
  assert.deepEqual([...refused.keys()].sort(), [
    "beep-oobr.pcap",
    "heapoverflow-tcp_print.pcap",
    "tcp-auth-heapoverflow.pcap",
    "tcp_header_heapoverflow.pcap",
  ]);
  // Every option shape in the corpus: the standard ones, and MPTCP (30), TCP-AO (29)... kept raw.
  for (const kind of [
    "mss",
    "window-scale",
    "sack-permitted",
    "sack",
    "timestamps",
    "nop",
    "eol",
    "kind 30",
    "kind 254",
  ])
    assert.ok(kinds.has(kind), kind);
});

const KIND_NUMBERS = {
  eol: 0,
  nop: 1,
  mss: 2,
  "window-scale": 3,
  "sack-permitted": 4,
  sack: 5,
  timestamps: 8,
};
const optionKind = (option: TcpOption) =>
  option.kind === "unknown" ? option.type : KIND_NUMBERS[option.kind];

/** tshark's reading of the TCP segments of one capture, keyed by frame number. */
function tsharkTcp(path: string): Map<number, string[]> {
  const fields = [
    "frame.number",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.flags",
    "tcp.window_size_value",
    "tcp.urgent_pointer",
    "tcp.hdr_len",
    "tcp.len",
    "tcp.checksum.status",
    "tcp.option_kind",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "tcp.options.sack_le",
    "tcp.options.sack_re",
  ];
  const run = spawnSync(
    "tshark",
    [
      "-r",
      path,
      "-o",
      "tcp.check_checksum:TRUE",
      "-o",
      "tcp.relative_sequence_numbers:FALSE",
      "-o",
      "tcp.analyze_sequence_numbers:FALSE",
      "-Y",
      "tcp",
      "-T",
      "fields",
      "-E",
      "occurrence=a",
      "-E",
      "aggregator=/s",
      ...fields.flatMap((f) => ["-e", f]),
    ],
    { encoding: "utf8" },
  );
  assert.equal(run.status, 0, run.stderr);
  const rows = new Map<number, string[]>();
  for (const line of run.stdout.split("\n")) {
    if (!line) continue;
    const columns = line.split("\t");
    rows.set(Number(columns[0]), columns);
  }
  return rows;
}

test("real captures: our reading of every TCP field agrees with tshark's", (t) => {
  if (!needSystem(t, "tcpdump test captures (../shared/captures)", haveCaptures())) return;
  if (!needSystem(t, "tshark", hasCommand("tshark"))) return;
  const files = [
    "accecn_handshake.pcap", // AccECN: AE/ECE/CWR flags, experimental option 254, EOL; some bad checksums
    "ssh.pcap", // SACK blocks after 14 NOPs
    "mptcp-v1.pcap", // Linux cooked capture, MPTCP option 30
    "tfo-5c1fa7f9ae91.pcap", // TCP Fast Open cookie (option 34) with data on the SYN
    "tcp_eight_lowest_weight_flags_set.pcap", // FSRP.UEW all at once
    "dns_tcp.pcap",
  ];
  let compared = 0;
  for (const name of files) {
    const path = tcpdumpCapture(name);
    const tshark = tsharkTcp(path);
    for (const segment of transportSegments(path)) {
      if (segment.protocol !== 6) continue;
      const row = tshark.get(segment.frame);
      assert.ok(row, `${name} frame ${segment.frame}: tshark saw no TCP`);
      if (row[1].includes(" ")) continue; // a tunnel: tshark lists the inner segment too
      const repr = parseTcp(segment.bytes);
      assert.ok(!isParseError(repr), `${name} frame ${segment.frame}: ${repr}`);
      const view = new TcpView(segment.bytes);
      const numbers = (text: string) => (text === "" ? [] : text.split(/[ ,]/).map(Number));
      const ours = [
        String(repr.srcPort),
        String(repr.dstPort),
        String(repr.seq),
        String(repr.ack),
        `0x${repr.flags.toString(16).padStart(4, "0")}`,
        String(repr.window),
        String(repr.urgentPointer),
        String(view.headerLength),
        String(repr.payload.length),
        segment.truncated ? row[10] : view.verifyChecksum(segment.pseudo) ? "1" : "0",
        // tshark lists each zero byte of EOL padding as an option of kind 0; compare the rest.
        repr.options
          .map(optionKind)
          .filter((k) => k !== 0)
          .join(","),
        findTcpOption(repr.options, "mss")?.value ?? "",
        findTcpOption(repr.options, "window-scale")?.shift ?? "",
        findTcpOption(repr.options, "timestamps")?.value ?? "",
        findTcpOption(repr.options, "timestamps")?.echo ?? "",
        findTcpOption(repr.options, "sack")
          ?.blocks.map((b) => b.left)
          .join(",") ?? "",
        findTcpOption(repr.options, "sack")
          ?.blocks.map((b) => b.right)
          .join(",") ?? "",
      ].map(String);
      const theirs = row.slice(1);
      theirs[10] = numbers(row[11])
        .filter((k) => k !== 0)
        .join(",");
      assert.deepEqual(ours, theirs, `${name} frame ${segment.frame}`);
      compared++;
    }
  }
  assert.ok(compared > 100, `compared ${compared} segments`);
});
