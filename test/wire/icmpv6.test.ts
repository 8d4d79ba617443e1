import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import {
  describeIcmpv6,
  emitIcmpv6,
  ICMPV6_ERROR_MAX_INVOKING,
  type Icmpv6Repr,
  Icmpv6View,
  icmpv6Checksum,
  icmpv6CodeName,
  icmpv6Length,
  icmpv6TypeName,
  parseIcmpv6,
  verifyIcmpv6Checksum,
} from "../../src/wire/icmpv6.js";
import { emitIpv6, parseIpv6 } from "../../src/wire/ipv6.js";
import {
  type Ipv6RoutingHeader,
  routingHeaderAddresses,
  walkIpv6Extensions,
} from "../../src/wire/ipv6-extensions.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import { arbitraryIcmpv6Repr, arbitraryIpv6Address } from "../support/arbitraries.js";
import { ipv6Packets, pcapBytes } from "../support/pcap-frames.js";
import { hasCommand, hasShared, needSystem } from "../support/system.js";

const hexBytes = (text: string) =>
  Uint8Array.from(
    text
      .replace(/\s+/g, "")
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );

const SRC = Ipv6Address.parse("2001:db8::1");
const DST = Ipv6Address.parse("2001:db8::2");
const PSEUDO: PseudoHeader = { src: SRC, dst: DST };

function expectRepr(value: Icmpv6Repr | ParseError): Icmpv6Repr {
  if (isParseError(value)) assert.fail(`unexpected ParseError: ${value}`);
  return value;
}

function emit(repr: Icmpv6Repr, pseudo: PseudoHeader = PSEUDO): Uint8Array {
  const out = new Uint8Array(icmpv6Length(repr));
  assert.equal(emitIcmpv6(repr, out, pseudo), out.length);
  return out;
}

/**
 * The ICMPv6 message of a captured packet and its pseudo-header. With a routing header, the
 * pseudo-header's destination is the final one, the last address of the route (RFC 8200 §8.1).
 */
function icmpOf(packet: Uint8Array): { message: Uint8Array; pseudo: PseudoHeader } {
  const ip = parseIpv6(packet);
  if (isParseError(ip)) assert.fail(String(ip));
  const chain = walkIpv6Extensions(ip.nextHeader, ip.payload);
  if (isParseError(chain)) assert.fail(String(chain));
  assert.equal(chain.upperLayerProtocol, 58);
  let dst = ip.dst;
  const routing = chain.headers.find((h): h is Ipv6RoutingHeader => h.kind === "routing");
  if (routing) {
    const route = routingHeaderAddresses(routing);
    if (!isParseError(route)) dst = route[route.length - 1];
  }
  return { message: ip.payload.subarray(chain.upperLayerOffset), pseudo: { src: ip.src, dst } };
}

// Echo request, hand-checked: type 128, code 0, checksum, identifier 0x1234, sequence 1, "hi".
// Sum: pseudo-header (2001:db8::1, 2001:db8::2, length 10, next header 58) + message words.
const ECHO = hexBytes("8000 0000 1234 0001 6869");

test("echo request: known bytes, the checksum over the pseudo-header, and the reply", () => {
  const repr = expectRepr(parseIcmpv6(ECHO));
  assert.deepEqual(repr, {
    kind: "echo-request",
    code: 0,
    identifier: 0x1234,
    sequence: 1,
    data: Uint8Array.from([0x68, 0x69]),
  });
  // By hand: pseudo = 0x2001+0x0db8+0x0001 + 0x2001+0x0db8+0x0002 + 10 + 58 = 0x5ba9 (+ 0x0044... see below)
  // message = 0x8000 + 0x1234 + 0x0001 + 0x6869 = 0xfa9e; total 0x5b9f + 0x0044 + 0xfa9e folded.
  const pseudoSum = 0x2001 + 0x0db8 + 0x0001 + 0x2001 + 0x0db8 + 0x0002 + 10 + 58;
  let sum = pseudoSum + 0x8000 + 0x1234 + 0x0001 + 0x6869;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const expected = ~sum & 0xffff;
  assert.equal(icmpv6Checksum(ECHO, PSEUDO), expected);
  const out = emit(repr);
  assert.equal((out[2] << 8) | out[3], expected);
  assert.deepEqual(out.subarray(4), ECHO.subarray(4));
  assert.ok(verifyIcmpv6Checksum(out, PSEUDO));
  assert.ok(!verifyIcmpv6Checksum(ECHO, PSEUDO), "the zero checksum of the template is wrong");
  // The reply swaps the addresses; the pseudo-header sum is symmetric, the type is not.
  const reply = emit({ ...repr, kind: "echo-reply" }, { src: PSEUDO.dst, dst: PSEUDO.src });
  assert.equal(reply[0], 129);
  assert.ok(verifyIcmpv6Checksum(reply, { src: PSEUDO.dst, dst: PSEUDO.src }));
  assert.equal(describeIcmpv6(repr).summary, "ICMP6, echo request, id 4660, seq 1, length 10");
});

test("errors: destination unreachable, packet too big, time exceeded, parameter problem", () => {
  const invoking = new Uint8Array(48);
  invoking.set(hexBytes("6000 0000 0008 1140"));
  invoking.set(SRC.bytes, 8);
  invoking.set(DST.bytes, 24);
  const cases: Array<[Icmpv6Repr, string, string]> = [
    [
      { kind: "destination-unreachable", code: 4, invoking },
      "01 04",
      "ICMP6, destination unreachable, port unreachable, length 56",
    ],
    [
      { kind: "packet-too-big", code: 0, mtu: 1280, invoking },
      "02 00",
      "ICMP6, packet too big, mtu 1280, length 56",
    ],
    [{ kind: "time-exceeded", code: 0, invoking }, "03 00", "ICMP6, time exceeded in-transit, length 56"],
    [
      { kind: "parameter-problem", code: 1, pointer: 6, invoking },
      "04 01",
      "ICMP6, parameter problem, unrecognized Next Header type encountered - octet 6, length 56",
    ],
  ];
  for (const [repr, typeCode, summary] of cases) {
    const out = emit(repr);
    assert.deepEqual([...out.subarray(0, 2)], [...hexBytes(typeCode)]);
    assert.deepEqual(parseIcmpv6(out), repr);
    assert.ok(verifyIcmpv6Checksum(out, PSEUDO));
    const description = describeIcmpv6(repr, out, PSEUDO);
    assert.equal(description.summary, summary);
    assert.equal(description.fields.find((f) => f.name === "Checksum")?.meaning, "correct");
    assert.match(
      description.fields.find((f) => f.name === "Invoking Packet")!.value,
      /^IP6 2001:db8::1 > 2001:db8::2, next-header UDP \(17\), 48 octets$/,
    );
  }
  const tooBig = emit(cases[1][0]);
  assert.deepEqual([...tooBig.subarray(4, 8)], [0, 0, 5, 0], "MTU 1280 in network order");
  const problem = emit(cases[3][0]);
  assert.deepEqual([...problem.subarray(4, 8)], [0, 0, 0, 6], "pointer 6");
  assert.equal(icmpv6CodeName(1, 0), "no route to destination");
  assert.equal(icmpv6CodeName(1, 1), "communication with destination administratively prohibited");
  assert.equal(icmpv6CodeName(1, 5), "source address failed ingress/egress policy");
  assert.equal(icmpv6CodeName(1, 6), "reject route to destination");
  assert.equal(icmpv6CodeName(1, 7), "error in source routing header");
  assert.equal(icmpv6CodeName(3, 1), "fragment reassembly time exceeded");
  assert.equal(icmpv6CodeName(4, 2), "unrecognized IPv6 option encountered");
  assert.equal(icmpv6CodeName(4, 3), "first fragment has incomplete IPv6 header chain");
  assert.equal(icmpv6CodeName(1, 99), "code 99");
  assert.equal(ICMPV6_ERROR_MAX_INVOKING, 1232);
});

test("MLD messages are recognized and named; unknown types are kept whole", () => {
  for (const [type, kind, name] of [
    [130, "multicast-listener-query", "multicast listener query"],
    [131, "multicast-listener-report", "multicast listener report"],
    [132, "multicast-listener-done", "multicast listener done"],
    [143, "multicast-listener-report-v2", "multicast listener report v2"],
  ] as const) {
    const bytes = new Uint8Array(24);
    bytes[0] = type;
    const repr = expectRepr(parseIcmpv6(bytes));
    assert.equal(repr.kind, kind);
    assert.equal(icmpv6TypeName(type), name);
  }
  const other = expectRepr(parseIcmpv6(hexBytes("a0 07 0000 01020304")));
  assert.deepEqual(other, { kind: "other", type: 160, code: 7, body: Uint8Array.from([1, 2, 3, 4]) });
  assert.equal(describeIcmpv6(other).summary, "ICMP6, extended echo request (type 160, code 7), length 8");
});

test("parse errors: too short for the header or the 32-bit word", () => {
  const short = parseIcmpv6(hexBytes("8000 00"));
  assert.ok(isParseError(short));
  assert.match(short.reason, /truncated: 3 octets/);
  const echo = parseIcmpv6(hexBytes("8000 0000 1234"));
  assert.ok(isParseError(echo));
  assert.match(echo.reason, /truncated echo request: 6 octets, need 8/);
  const unreachable = parseIcmpv6(hexBytes("0104 0000"));
  assert.ok(isParseError(unreachable));
  assert.ok(!verifyIcmpv6Checksum(hexBytes("80"), PSEUDO));
  assert.ok(isParseError(Icmpv6View.checked(hexBytes("0104 0000"))));
  assert.ok(Icmpv6View.checked(hexBytes("0104 0000 0000 0000")) instanceof Icmpv6View);
});

test("the view edits fields in place and refreshes the checksum", () => {
  const bytes = emit({ kind: "echo-request", code: 0, identifier: 1, sequence: 2, data: new Uint8Array(8) });
  const view = new Icmpv6View(bytes);
  assert.equal(view.type, 128);
  assert.equal(view.identifier, 1);
  assert.equal(view.sequence, 2);
  assert.equal(view.payload.length, 8);
  assert.ok(view.verifyChecksum(PSEUDO));
  view.type = 129;
  view.sequence = 3;
  assert.ok(!view.verifyChecksum(PSEUDO));
  view.fillChecksum(PSEUDO);
  assert.ok(view.verifyChecksum(PSEUDO));
  assert.deepEqual(parseIcmpv6(bytes), {
    kind: "echo-reply",
    code: 0,
    identifier: 1,
    sequence: 3,
    data: new Uint8Array(8),
  });
  view.type = 2;
  view.mtu = 1400;
  assert.equal(view.mtu, 1400);
  view.pointer = 40;
  assert.equal(view.pointer, 40);
  view.code = 9;
  assert.equal(bytes[1], 9);
  view.checksum = 0xbeef;
  assert.equal(view.checksum, 0xbeef);
  assert.equal(view.body.length, bytes.length - 4);
});

test("a bad checksum is still decoded, and the description says what it should be", () => {
  const bytes = emit({ kind: "echo-request", code: 0, identifier: 7, sequence: 7, data: new Uint8Array(0) });
  const good = (bytes[2] << 8) | bytes[3];
  bytes[2] ^= 0xff;
  const repr = expectRepr(parseIcmpv6(bytes));
  const checksum = describeIcmpv6(repr, bytes, PSEUDO).fields.find((f) => f.name === "Checksum")!;
  assert.match(checksum.meaning!, new RegExp(`wrong: should be 0x${good.toString(16).padStart(4, "0")}`));
});

// ---------------------------------------------------------------------------------------------
// Real captures

test("real captures: echo requests behind routing headers and an SRH, a parameter problem, MLDv2", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  // RT6 ... [icmp6 sum ok] ICMP6, echo request, id 0, seq 0 — the checksum uses the final destination.
  for (const packet of ipv6Packets("ipv6-routing-header.pcap").slice(0, 2)) {
    const { message, pseudo } = icmpOf(packet);
    assert.ok(verifyIcmpv6Checksum(message, pseudo));
    assert.deepEqual(parseIcmpv6(message), {
      kind: "echo-request",
      code: 0,
      identifier: 0,
      sequence: 0,
      data: new Uint8Array(0),
    });
  }
  // SRH, then an inner IPv6 packet: ICMP6, echo request, id 1774, seq 1, length 64.
  const outer = parseIpv6(ipv6Packets("ipv6-srh-ext-header.pcap")[0]);
  if (isParseError(outer)) assert.fail(String(outer));
  const { message, pseudo } = icmpOf(outer.payload.subarray(40));
  assert.ok(verifyIcmpv6Checksum(message, pseudo));
  const echo = expectRepr(parseIcmpv6(message));
  assert.equal(describeIcmpv6(echo).summary, "ICMP6, echo request, id 1774, seq 1, length 64");
  if (echo.kind !== "echo-request") assert.fail("echo request expected");
  assert.equal(echo.data.length, 56);
  // Re-emitting the parsed Repr gives the captured octets, checksum included.
  assert.deepEqual(emit(echo, pseudo), message);

  // ICMP6, parameter problem, incomplete header chain - octet 48 (RFC 7112).
  const problem = icmpOf(ipv6Packets("icmpv6-rfc7112.pcap")[0]);
  assert.ok(verifyIcmpv6Checksum(problem.message, problem.pseudo));
  const parsed = expectRepr(parseIcmpv6(problem.message));
  if (parsed.kind !== "parameter-problem") assert.fail("parameter problem expected");
  assert.equal(parsed.code, 3);
  assert.equal(parsed.pointer, 48);
  assert.equal(parsed.invoking.length, 64);
  assert.equal(
    describeIcmpv6(parsed).summary,
    "ICMP6, parameter problem, first fragment has incomplete IPv6 header chain - octet 48, length 72",
  );
  assert.deepEqual(emit(parsed, problem.pseudo), problem.message);

  // MLDv2 reports and a query behind a Hop-by-Hop header with Router Alert.
  const kinds = ipv6Packets("icmpv6.pcap")
    .slice(1)
    .map((p) => {
      const m = icmpOf(p);
      assert.ok(verifyIcmpv6Checksum(m.message, m.pseudo));
      const repr = expectRepr(parseIcmpv6(m.message));
      assert.deepEqual(emit(repr, m.pseudo), m.message);
      return repr.kind;
    });
  assert.deepEqual(kinds, [
    "multicast-listener-report-v2",
    "multicast-listener-query",
    "multicast-listener-report-v2",
    "multicast-listener-report-v2",
  ]);
  const query = expectRepr(parseIcmpv6(icmpOf(ipv6Packets("icmpv6.pcap")[2]).message));
  const fields = describeIcmpv6(query).fields;
  assert.equal(fields.find((f) => f.name === "Multicast Address")?.value, "::");
  assert.equal(fields.find((f) => f.name === "Maximum Response Code")?.value, "10000");
  const report = describeIcmpv6(expectRepr(parseIcmpv6(icmpOf(ipv6Packets("icmpv6.pcap")[3]).message)));
  assert.equal(report.fields.find((f) => f.name === "Nr of Mcast Address Records")?.value, "4");
});

// ---------------------------------------------------------------------------------------------
// Properties

test("property: parse(emit(repr)) deep-equals repr, and the checksum verifies", () => {
  fc.assert(
    fc.property(arbitraryIcmpv6Repr, arbitraryIpv6Address, arbitraryIpv6Address, (repr, src, dst) => {
      const pseudo = { src, dst };
      const bytes = emit(repr, pseudo);
      assert.ok(verifyIcmpv6Checksum(bytes, pseudo));
      assert.deepStrictEqual(parseIcmpv6(bytes), repr);
      const description = describeIcmpv6(repr, bytes, pseudo);
      assert.match(description.summary, /^ICMP6, /);
    }),
    { numRuns: 500 },
  );
});

test("property: the checksum catches every single-bit flip in the message or the pseudo-header", () => {
  fc.assert(
    fc.property(arbitraryIcmpv6Repr, fc.nat(), fc.boolean(), (repr, bit, inPseudo) => {
      const bytes = emit(repr);
      if (inPseudo) {
        const src = SRC.toBytes();
        src[(bit >>> 3) % 16] ^= 1 << (bit & 7);
        assert.ok(!verifyIcmpv6Checksum(bytes, { src: new Ipv6Address(src), dst: PSEUDO.dst }));
      } else {
        const at = (bit >>> 3) % bytes.length;
        bytes[at] ^= 1 << (bit & 7);
        assert.ok(!verifyIcmpv6Checksum(bytes, PSEUDO), `flip at octet ${at} bit ${bit & 7}`);
      }
    }),
    { numRuns: 1000 },
  );
});

test("property: parse never throws on random or mutated bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const result = parseIcmpv6(bytes);
      if (result instanceof ParseError) assert.ok(result.offset >= 0 && result.offset <= bytes.length);
      else describeIcmpv6(result, bytes, PSEUDO);
    }),
    { numRuns: 1500 },
  );
  fc.assert(
    fc.property(
      arbitraryIcmpv6Repr,
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
      fc.nat(),
      (repr, edits, cut) => {
        const bytes = emit(repr);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        const truncated = bytes.subarray(0, cut % (bytes.length + 1));
        const result = parseIcmpv6(truncated);
        if (!(result instanceof ParseError)) describeIcmpv6(result, truncated, PSEUDO);
      },
    ),
    { numRuns: 800 },
  );
});

// ---------------------------------------------------------------------------------------------
// A peer we did not write: Wireshark's dissector must agree with what we emit.

test("tshark decodes our emitted ICMPv6 messages with the same fields and a good checksum", (t) => {
  if (!needSystem(t, "tshark", hasCommand("tshark"))) return;
  const src = Ipv6Address.parse("fe80::200:ff:fe00:1");
  const dst = Ipv6Address.parse("2001:db8::2");
  const mac = MacAddress.parse("02:00:00:00:00:01");
  const fixed: Icmpv6Repr[] = [
    { kind: "echo-request", code: 0, identifier: 0xbeef, sequence: 42, data: Uint8Array.from([1, 2, 3]) },
    { kind: "packet-too-big", code: 0, mtu: 1400, invoking: new Uint8Array(48) },
    { kind: "parameter-problem", code: 2, pointer: 42, invoking: new Uint8Array(48) },
    {
      kind: "neighbor-solicitation",
      code: 0,
      target: dst,
      options: [{ kind: "source-link-layer-address", address: mac }],
    },
    {
      kind: "neighbor-advertisement",
      code: 0,
      router: true,
      solicited: true,
      override: false,
      target: dst,
      options: [{ kind: "target-link-layer-address", address: mac }],
    },
    {
      kind: "router-advertisement",
      code: 0,
      curHopLimit: 64,
      managed: false,
      other: true,
      reservedFlags: 0,
      routerLifetime: 1800,
      reachableTime: 30000,
      retransTimer: 1000,
      options: [
        { kind: "source-link-layer-address", address: mac },
        { kind: "mtu", mtu: 1500 },
        {
          kind: "prefix-information",
          prefixLength: 64,
          onLink: true,
          autonomous: true,
          reservedFlags: 0,
          validLifetime: 2592000,
          preferredLifetime: 604800,
          prefix: Ipv6Address.parse("2001:db8:1::"),
        },
        { kind: "recursive-dns-server", lifetime: 600, servers: [Ipv6Address.parse("2001:db8::53")] },
      ],
    },
    {
      kind: "redirect",
      code: 0,
      target: Ipv6Address.parse("fe80::2"),
      destination: Ipv6Address.parse("2001:db8:9::9"),
      options: [
        { kind: "target-link-layer-address", address: mac },
        { kind: "redirected-header", packet: new Uint8Array(48) },
      ],
    },
  ];
  const random = fc.sample(arbitraryIcmpv6Repr, { numRuns: 60, seed: 6 });
  const reprs = [...fixed, ...random];
  const frames = reprs.map((repr) => {
    const message = new Uint8Array(icmpv6Length(repr));
    emitIcmpv6(repr, message, { src, dst });
    const frame = new Uint8Array(14 + 40 + message.length);
    frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd]);
    emitIpv6(
      { dscp: 0, ecn: 0, flowLabel: 0, nextHeader: 58, hopLimit: 255, src, dst, payload: message },
      frame.subarray(14),
    );
    return frame;
  });
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-icmpv6-"));
  try {
    const file = join(dir, "icmpv6.pcap");
    writeFileSync(file, pcapBytes(frames));
    const fields = [
      "icmpv6.type",
      "icmpv6.code",
      "icmpv6.checksum.status",
      "icmpv6.echo.identifier",
      "icmpv6.echo.sequence_number",
      "icmpv6.mtu",
      "icmpv6.pointer",
      "icmpv6.nd.ns.target_address",
      "icmpv6.nd.na.target_address",
      "icmpv6.nd.na.flag.r",
      "icmpv6.nd.na.flag.s",
      "icmpv6.nd.ra.cur_hop_limit",
      "icmpv6.nd.ra.router_lifetime",
      "icmpv6.nd.ra.reachable_time",
      "icmpv6.nd.ra.retrans_timer",
      "icmpv6.opt.linkaddr",
      "icmpv6.opt.mtu",
      "icmpv6.opt.prefix",
      "icmpv6.opt.prefix.length",
      "icmpv6.opt.prefix.valid_lifetime",
      "icmpv6.opt.rdnss",
      "icmpv6.nd.rd.target_address",
      "icmpv6.rd.na.destination_address",
    ];
    const run = spawnSync(
      "tshark",
      [
        "-r",
        file,
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=f",
        ...fields.flatMap((f) => ["-e", f]),
      ],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    const rows = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.split("|"));
    assert.equal(rows.length, reprs.length);
    const column = (row: string[], name: string) => row[fields.indexOf(name)];
    rows.forEach((row, i) => {
      const repr = reprs[i];
      const bytes = frames[i].subarray(54);
      assert.equal(column(row, "icmpv6.type"), `${bytes[0]}`, `frame ${i} type`);
      assert.equal(column(row, "icmpv6.code"), `${bytes[1]}`, `frame ${i} code`);
      assert.equal(column(row, "icmpv6.checksum.status"), "1", `frame ${i} (${repr.kind}) checksum good`);
    });
    const [echo, tooBig, problem, ns, na, ra, redirect] = rows;
    assert.equal(column(echo, "icmpv6.echo.identifier"), "0xbeef");
    assert.equal(column(echo, "icmpv6.echo.sequence_number"), "42");
    assert.equal(column(tooBig, "icmpv6.mtu"), "1400");
    assert.equal(column(problem, "icmpv6.pointer"), "42");
    assert.equal(column(ns, "icmpv6.nd.ns.target_address"), "2001:db8::2");
    assert.equal(column(ns, "icmpv6.opt.linkaddr"), "02:00:00:00:00:01");
    assert.equal(column(na, "icmpv6.nd.na.target_address"), "2001:db8::2");
    assert.equal(column(na, "icmpv6.nd.na.flag.r"), "1");
    assert.equal(column(na, "icmpv6.nd.na.flag.s"), "1");
    assert.equal(column(ra, "icmpv6.nd.ra.cur_hop_limit"), "64");
    assert.equal(column(ra, "icmpv6.nd.ra.router_lifetime"), "1800");
    assert.equal(column(ra, "icmpv6.nd.ra.reachable_time"), "30000");
    assert.equal(column(ra, "icmpv6.nd.ra.retrans_timer"), "1000");
    assert.equal(column(ra, "icmpv6.opt.mtu"), "1500");
    assert.equal(column(ra, "icmpv6.opt.prefix"), "2001:db8:1::");
    assert.equal(column(ra, "icmpv6.opt.prefix.length"), "64");
    assert.equal(column(ra, "icmpv6.opt.prefix.valid_lifetime"), "2592000");
    assert.equal(column(ra, "icmpv6.opt.rdnss"), "2001:db8::53");
    assert.equal(column(redirect, "icmpv6.nd.rd.target_address"), "fe80::2");
    assert.equal(column(redirect, "icmpv6.rd.na.destination_address"), "2001:db8:9::9");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
