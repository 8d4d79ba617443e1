import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import {
  describeIcmpv6,
  emitIcmpv6,
  icmpv6Length,
  parseIcmpv6,
  verifyIcmpv6Checksum,
} from "../../src/wire/icmpv6.js";
import { parseIpv6 } from "../../src/wire/ipv6.js";
import {
  emitNdp,
  emitNdpOptions,
  findNdpOption,
  NDP_INFINITE_LIFETIME,
  NdpOptionView,
  type NdpRepr,
  NeighborMessageView,
  ndpLength,
  ndpOptionsLength,
  ndpValidityProblem,
  parseNdp,
  parseNdpOptions,
  RedirectView,
  RouterAdvertisementView,
  redirectedHeaderPacket,
} from "../../src/wire/ndp.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import { arbitraryNdpRepr } from "../support/arbitraries.js";
import { ipv6Packets } from "../support/pcap-frames.js";
import { hasShared, needSystem } from "../support/system.js";

const hexBytes = (text: string) =>
  Uint8Array.from(
    text
      .replace(/\s+/g, "")
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );
const ip6 = (text: string) => Ipv6Address.parse(text);
const mac = (text: string) => MacAddress.parse(text);

function expectNdp(value: ReturnType<typeof parseNdp>): NdpRepr {
  if (isParseError(value)) assert.fail(`unexpected ParseError: ${value}`);
  return value;
}

function expectError(value: unknown, reason: RegExp): ParseError {
  assert.ok(isParseError(value), `expected a ParseError, got ${JSON.stringify(value)}`);
  assert.match(value.reason, reason);
  return value;
}

/** The `index`th ICMPv6 message right after an IPv6 header in a capture, and its pseudo-header. */
function captured(file: string, index = 0): { message: Uint8Array; pseudo: PseudoHeader; hopLimit: number } {
  const ip = parseIpv6(ipv6Packets(file).filter((p) => p[6] === 58)[index]);
  if (isParseError(ip)) assert.fail(String(ip));
  assert.equal(ip.nextHeader, 58);
  return { message: ip.payload, pseudo: { src: ip.src, dst: ip.dst }, hopLimit: ip.hopLimit };
}

/** Parses, checks the checksum, and checks that re-emitting gives the captured octets exactly. */
function roundTrip(file: string, index = 0): { repr: NdpRepr; pseudo: PseudoHeader; hopLimit: number } {
  const { message, pseudo, hopLimit } = captured(file, index);
  assert.ok(verifyIcmpv6Checksum(message, pseudo), `${file}: checksum`);
  const repr = expectNdp(parseNdp(message));
  const out = new Uint8Array(icmpv6Length(repr));
  emitIcmpv6(repr, out, pseudo);
  assert.deepEqual(out, message, `${file}: re-emitted octets`);
  return { repr, pseudo, hopLimit };
}

test("real captures: a Router Advertisement with prefix, RDNSS, MTU, link-layer and unknown options", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  // tcpdump -v icmpv6.pcap: hop limit 64, Flags [home agent], router lifetime 15s, reachable 0, retrans 0;
  // prefix info 2222:3333:4444:5555:6600::/72 [onlink, auto] valid 2592000s pref. 604800s;
  // rdnss lifetime 5s abcd::efef 1234:5678::1; dnssl (31); mtu 100; source link-address b0:99:28:c8:d6:6c;
  // advertisement interval (7); homeagent information (8).
  const { repr, pseudo, hopLimit } = roundTrip("icmpv6.pcap");
  assert.deepEqual(repr.kind === "router-advertisement" && { ...repr, options: [] }, {
    kind: "router-advertisement",
    code: 0,
    curHopLimit: 64,
    managed: false,
    other: false,
    reservedFlags: 0x20,
    routerLifetime: 15,
    reachableTime: 0,
    retransTimer: 0,
    options: [],
  });
  const [prefix, rdnss, dnssl, mtu, slla, interval, homeAgent] = repr.options;
  assert.deepEqual(prefix, {
    kind: "prefix-information",
    prefixLength: 72,
    onLink: true,
    autonomous: true,
    reservedFlags: 0,
    validLifetime: 2592000,
    preferredLifetime: 604800,
    prefix: ip6("2222:3333:4444:5555:6600::"),
  });
  assert.deepEqual(rdnss, {
    kind: "recursive-dns-server",
    lifetime: 5,
    servers: [ip6("abcd::efef"), ip6("1234:5678::1")],
  });
  assert.equal(dnssl.kind === "unknown" && dnssl.type, 31);
  assert.equal(dnssl.kind === "unknown" && dnssl.data.length, 54);
  assert.deepEqual(mtu, { kind: "mtu", mtu: 100 });
  assert.deepEqual(slla, { kind: "source-link-layer-address", address: mac("b0:99:28:c8:d6:6c") });
  assert.equal(interval.kind === "unknown" && interval.type, 7);
  assert.equal(homeAgent.kind === "unknown" && homeAgent.type, 8);
  assert.equal(findNdpOption(repr.options, "mtu")?.mtu, 100);
  assert.equal(ndpValidityProblem(repr, { hopLimit, ...pseudo } as never), undefined);

  const description = describeIcmpv6(repr);
  assert.equal(description.summary, "ICMP6, router advertisement, length 176");
  const other = description.fields.find((f) => f.name === "Other flags")!;
  assert.match(other.meaning!, /H \(home agent\) 1, default router preference medium/);
  const names = description.fields.map((f) => f.name);
  assert.ok(names.includes("Option 31 (DNS Search List)"));
  const prefixField = description.fields.find((f) => f.name === "Prefix Information option")!;
  assert.equal(prefixField.value, "2222:3333:4444:5555:6600::/72");
  assert.equal(prefixField.offset, 16);
  assert.equal(prefixField.length, 32);
});

test("real captures: RAs with the M and O flags, an MTU of 1500 and unknown PREF64/route options", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  // icmpv6_opt24: Flags [managed, other stateful], mtu 1500, prefix fd8d:4fb3:5b2e::/64, route info (24),
  // rdnss lifetime 1800s fd8d:4fb3:5b2e::1, dnssl (31).
  const { repr } = roundTrip("icmpv6_opt24.pcap");
  if (repr.kind !== "router-advertisement") assert.fail("router advertisement expected");
  assert.equal(repr.managed, true);
  assert.equal(repr.other, true);
  assert.equal(repr.curHopLimit, 0);
  assert.deepEqual(
    repr.options.map((o) => (o.kind === "unknown" ? `unknown ${o.type}` : o.kind)),
    [
      "source-link-layer-address",
      "mtu",
      "prefix-information",
      "unknown 24",
      "recursive-dns-server",
      "unknown 31",
    ],
  );
  assert.deepEqual(findNdpOption(repr.options, "recursive-dns-server"), {
    kind: "recursive-dns-server",
    lifetime: 1800,
    servers: [ip6("fd8d:4fb3:5b2e::1")],
  });
  roundTrip("icmpv6_opt24.pcap", 1);
  // icmpv6-ra-pref64: hop limit 80, Flags [other stateful], router lifetime 500s, prefix [onlink] only.
  for (let i = 0; i < 4; i++) {
    const ra = roundTrip("icmpv6-ra-pref64.pcap", i).repr;
    if (ra.kind !== "router-advertisement") assert.fail("router advertisement expected");
    assert.equal(ra.curHopLimit, 80);
    assert.equal(ra.other, true);
    assert.equal(ra.managed, false);
    assert.equal(ra.routerLifetime, 500);
    const prefix = findNdpOption(ra.options, "prefix-information")!;
    assert.equal(prefix.onLink, true);
    assert.equal(prefix.autonomous, false);
    assert.equal(prefix.validLifetime, 3600);
    assert.equal(prefix.preferredLifetime, 1800);
    assert.deepEqual(
      findNdpOption(ra.options, "source-link-layer-address")?.address,
      mac("e2:15:81:b4:b9:45"),
    );
    assert.equal(ra.options[2].kind === "unknown" && ra.options[2].type, 38);
  }
});

test("real captures: solicitations from ::, a router solicitation, a nonce option, an advertisement", (t) => {
  if (!needSystem(t, "tcpdump test captures", hasShared("captures/tcpdump-tests"))) return;
  // IP6 :: > ff02::1:ff46:e884: neighbor solicitation, length 24, who has fe80::a00:27ff:fe46:e884
  const ns = roundTrip("dcb_ets.pcap", 0);
  assert.deepEqual(ns.repr, {
    kind: "neighbor-solicitation",
    code: 0,
    target: ip6("fe80::a00:27ff:fe46:e884"),
    options: [],
  });
  assert.equal(
    describeIcmpv6(ns.repr).summary,
    "ICMP6, neighbor solicitation, length 24, who has fe80::a00:27ff:fe46:e884",
  );
  // Duplicate Address Detection (RFC 4862 §5.4.2): from ::, to the solicited-node group, no SLLA.
  assert.equal(
    ndpValidityProblem(ns.repr, { hopLimit: ns.hopLimit, src: ip6("::"), dst: ip6("ff02::1:ff46:e884") }),
    undefined,
  );

  // fe80::a00:27ff:fe46:e884 > ff02::2: router solicitation, length 16, source link-address 08:00:27:46:e8:84
  const rs = roundTrip("dcb_ets.pcap", 1);
  assert.deepEqual(rs.repr, {
    kind: "router-solicitation",
    code: 0,
    options: [{ kind: "source-link-layer-address", address: mac("08:00:27:46:e8:84") }],
  });

  // who has fe80::546f:f7ff:fee1:f, unknown option (14), length 8: 6069 604c 0aaa (a DAD nonce, RFC 7527)
  const nonce = roundTrip("icmpv6-ns-nonce.pcap");
  assert.deepEqual(nonce.repr, {
    kind: "neighbor-solicitation",
    code: 0,
    target: ip6("fe80::546f:f7ff:fee1:f"),
    options: [{ kind: "unknown", type: 14, data: hexBytes("6069604c0aaa") }],
  });

  // ipv6-bad-version's second frame has IPv6 version 0, but its ICMPv6 part is a sound advertisement:
  // fe80::20c:29ff:fe76:6c14 > ff02::1, target the same, Target Link-Layer 24:84:3f:eb:3c:ee.
  const packet = ipv6Packets("ipv6-bad-version.pcap")[1];
  assert.ok(isParseError(parseIpv6(packet)));
  const message = packet.subarray(40);
  const src = Ipv6Address.fromBytes(packet, 8);
  assert.ok(verifyIcmpv6Checksum(message, { src, dst: Ipv6Address.fromBytes(packet, 24) }));
  const na = expectNdp(parseNdp(message));
  assert.deepEqual(na, {
    kind: "neighbor-advertisement",
    code: 0,
    router: false,
    solicited: false,
    override: false,
    target: src,
    options: [{ kind: "target-link-layer-address", address: mac("24:84:3f:eb:3c:ee") }],
  });
  assert.equal(
    describeIcmpv6(na).summary,
    "ICMP6, neighbor advertisement, length 32, tgt is fe80::20c:29ff:fe76:6c14, Flags []",
  );
});

// ---------------------------------------------------------------------------------------------
// Hand-checked messages

// Neighbor Advertisement, RFC 4861 §4.4: type 136, code 0, checksum, R S O = 1 1 0 then 29 reserved
// bits, target 2001:db8::2, Target Link-Layer Address option (type 2, length 1, 02:00:00:00:00:02).
const NA = hexBytes(`
  8800 0000 c0000000
  20010db8000000000000000000000002
  0201 020000000002`);

test("a hand-checked Neighbor Advertisement parses, emits and is edited in place", () => {
  const repr = expectNdp(parseNdp(NA));
  assert.deepEqual(repr, {
    kind: "neighbor-advertisement",
    code: 0,
    router: true,
    solicited: true,
    override: false,
    target: ip6("2001:db8::2"),
    options: [{ kind: "target-link-layer-address", address: mac("02:00:00:00:00:02") }],
  });
  const out = new Uint8Array(ndpLength(repr));
  assert.equal(emitNdp(repr, out), 32);
  assert.deepEqual(out, NA);
  const view = new NeighborMessageView(out);
  assert.equal(view.router, true);
  assert.equal(view.solicited, true);
  assert.equal(view.override, false);
  view.override = true;
  view.router = false;
  assert.equal(out[4], 0x60);
  view.target = ip6("fe80::9");
  assert.equal(view.target.toString(), "fe80::9");
  assert.equal(view.targetBytes[15], 9);
  const option = new NdpOptionView(view.options);
  assert.equal(option.type, 2);
  assert.equal(option.lengthUnits, 1);
  assert.equal(option.length, 8);
  assert.equal(MacAddress.fromBytes(option.data).toString(), "02:00:00:00:00:02");
  option.type = 1;
  assert.equal(option.bytes[0], 1);
  option.lengthUnits = 1;
});

// Redirect, RFC 4861 §4.5: target fe80::1 (a better router) for destination 2001:db8:9::9, with a
// Redirected Header option (type 4, length 2: 6 reserved octets and 8 octets of the packet).
const REDIRECT = hexBytes(`
  8900 0000 00000000
  fe800000000000000000000000000001
  20010db8000900000000000000000009
  0402 000000000000 6000000000083a40`);

test("a hand-checked Redirect with a Redirected Header option", () => {
  const repr = expectNdp(parseNdp(REDIRECT));
  assert.deepEqual(repr, {
    kind: "redirect",
    code: 0,
    target: ip6("fe80::1"),
    destination: ip6("2001:db8:9::9"),
    options: [{ kind: "redirected-header", packet: hexBytes("6000000000083a40") }],
  });
  const out = new Uint8Array(ndpLength(repr));
  emitNdp(repr, out);
  assert.deepEqual(out, REDIRECT);
  const view = new RedirectView(out);
  assert.equal(view.target.toString(), "fe80::1");
  assert.equal(view.destination.toString(), "2001:db8:9::9");
  view.destination = ip6("2001:db8::7");
  assert.equal(view.destination.toString(), "2001:db8::7");
  view.target = ip6("fe80::7");
  assert.equal(view.options.length, 16);
  assert.equal(describeIcmpv6(repr).summary, "ICMP6, redirect, length 56, 2001:db8:9::9 to fe80::1");
  assert.equal(redirectedHeaderPacket(new Uint8Array(100), 1280).length, 96);
  assert.equal(redirectedHeaderPacket(new Uint8Array(2000), 1280 - 40 - 40).length, 1192);
  assert.equal(redirectedHeaderPacket(new Uint8Array(2000), 4).length, 0);
});

test("the Router Advertisement view reads and writes the fixed fields", () => {
  const repr: NdpRepr = {
    kind: "router-advertisement",
    code: 0,
    curHopLimit: 64,
    managed: true,
    other: false,
    reservedFlags: 0x08, // Prf = 01: high preference (RFC 4191)
    routerLifetime: 9000,
    reachableTime: 30000,
    retransTimer: 1000,
    options: [],
  };
  const bytes = new Uint8Array(ndpLength(repr));
  emitNdp(repr, bytes);
  assert.deepEqual([...bytes.subarray(4, 16)], [64, 0x88, 0x23, 0x28, 0, 0, 0x75, 0x30, 0, 0, 0x03, 0xe8]);
  const view = new RouterAdvertisementView(bytes);
  assert.equal(view.curHopLimit, 64);
  assert.equal(view.managed, true);
  assert.equal(view.other, false);
  assert.equal(view.reservedFlags, 0x08);
  assert.equal(view.routerLifetime, 9000);
  assert.equal(view.reachableTime, 30000);
  assert.equal(view.retransTimer, 1000);
  view.managed = false;
  view.other = true;
  view.reservedFlags = 0x18;
  view.curHopLimit = 255;
  view.routerLifetime = 0;
  view.reachableTime = 1;
  view.retransTimer = 2;
  assert.deepEqual(parseNdp(bytes), {
    ...repr,
    managed: false,
    other: true,
    reservedFlags: 0x18,
    curHopLimit: 255,
    routerLifetime: 0,
    reachableTime: 1,
    retransTimer: 2,
  });
  assert.equal(view.options.length, 0);
  const described = describeIcmpv6(parseNdp(bytes) as NdpRepr).fields.find((f) => f.name === "Other flags")!;
  assert.match(described.meaning!, /default router preference low/);
});

test("option length 0 is a ParseError (RFC 4861 §4.6), as are truncated messages and options", () => {
  const zero = expectError(
    parseNdp(hexBytes("8500 0000 00000000 0100 000000000000")),
    /length 0, the packet must be discarded/,
  );
  assert.equal(zero.offset, 9);
  expectError(
    parseNdp(hexBytes("8500 0000 00000000 0102 000000000000")),
    /claims 16 octets but only 8 remain/,
  );
  expectError(parseNdp(hexBytes("8500 0000 00000000 01")), /truncated: 1 octet/);
  expectError(
    parseNdp(hexBytes("8600 0000 00000000 00000000")),
    /truncated Router Advertisement: 12 octets, need at least 16/,
  );
  expectError(parseNdp(NA.subarray(0, 23)), /truncated Neighbor Advertisement/);
  expectError(parseNdp(REDIRECT.subarray(0, 39)), /truncated Redirect/);
  expectError(parseNdp(hexBytes("85")), /truncated: 1 octets, need 4/);
  expectError(parseNdp(hexBytes("8000 0000")), /not a Neighbor Discovery message/);
  // The same through parseIcmpv6.
  expectError(parseIcmpv6(hexBytes("8700 0000 00000000")), /truncated Neighbor Solicitation/);
});

test("known option types with lengths that do not fit their format are kept as received", () => {
  // A link-layer address option of 16 octets (not Ethernet), an RDNSS of length 2 (no whole address),
  // an MTU option of length 2, a Prefix Information option of length 3.
  const bytes = hexBytes(`
    0102 00112233445566778899aabbccdd
    1902 0000 0000000a 0000000000000000
    0502 0000 000005dc 0000000000000000
    0303 40c0 00000e10 00000708 00000000 2001 0db8 0000 0000`);
  const options = parseNdpOptions(bytes, 0);
  if (isParseError(options)) assert.fail(String(options));
  assert.deepEqual(
    options.map((o) => (o.kind === "unknown" ? [o.type, o.data.length] : o.kind)),
    [
      [1, 14],
      [25, 14],
      [5, 14],
      [3, 22],
    ],
  );
  const out = new Uint8Array(ndpOptionsLength(options));
  emitNdpOptions(options, out, 0);
  assert.deepEqual(out, bytes);
  assert.throws(
    () => emitNdpOptions([{ kind: "unknown", type: 99, data: new Uint8Array(5) }], new Uint8Array(7), 0),
    RangeError,
  );
  assert.throws(
    () => emitNdpOptions([{ kind: "redirected-header", packet: new Uint8Array(3) }], new Uint8Array(11), 0),
    RangeError,
  );
});

test("lifetimes: all ones reads as infinity in the description", () => {
  const repr: NdpRepr = {
    kind: "router-advertisement",
    code: 0,
    curHopLimit: 64,
    managed: false,
    other: false,
    reservedFlags: 0,
    routerLifetime: 1800,
    reachableTime: 0,
    retransTimer: 0,
    options: [
      {
        kind: "prefix-information",
        prefixLength: 64,
        onLink: true,
        autonomous: true,
        reservedFlags: 0,
        validLifetime: NDP_INFINITE_LIFETIME,
        preferredLifetime: NDP_INFINITE_LIFETIME,
        prefix: ip6("2001:db8::"),
      },
    ],
  };
  const prefix = describeIcmpv6(repr).fields.find((f) => f.name === "Prefix Information option")!;
  assert.equal(prefix.children?.find((c) => c.name === "Valid Lifetime")?.value, "infinity");
});

test("ndpValidityProblem applies the receiver checks of RFC 4861 §6.1, §7.1 and §8.1", () => {
  const linkLocal = ip6("fe80::1");
  const global = ip6("2001:db8::1");
  const allNodes = ip6("ff02::1");
  const ns: NdpRepr = { kind: "neighbor-solicitation", code: 0, target: global, options: [] };
  const ok = { hopLimit: 255, src: linkLocal, dst: global.solicitedNode };
  assert.equal(ndpValidityProblem(ns, ok), undefined);
  assert.match(ndpValidityProblem(ns, { ...ok, hopLimit: 254 })!, /not 255/);
  assert.match(ndpValidityProblem({ ...ns, code: 1 }, ok)!, /Code is 1/);
  assert.match(ndpValidityProblem({ ...ns, target: allNodes }, ok)!, /must not be multicast/);
  assert.match(ndpValidityProblem(ns, { ...ok, src: ip6("::"), dst: global })!, /solicited-node multicast/);
  const withSlla: NdpRepr = {
    ...ns,
    options: [{ kind: "source-link-layer-address", address: mac("02:00:00:00:00:01") }],
  };
  assert.match(
    ndpValidityProblem(withSlla, { ...ok, src: ip6("::") })!,
    /must not carry a Source Link-Layer/,
  );
  const na: NdpRepr = {
    kind: "neighbor-advertisement",
    code: 0,
    router: false,
    solicited: true,
    override: true,
    target: global,
    options: [],
  };
  assert.equal(ndpValidityProblem(na, { ...ok, dst: linkLocal }), undefined);
  assert.match(ndpValidityProblem(na, { ...ok, dst: allNodes })!, /Solicited flag/);
  const ra: NdpRepr = {
    kind: "router-advertisement",
    code: 0,
    curHopLimit: 64,
    managed: false,
    other: false,
    reservedFlags: 0,
    routerLifetime: 1800,
    reachableTime: 0,
    retransTimer: 0,
    options: [],
  };
  assert.equal(ndpValidityProblem(ra, { ...ok, dst: allNodes }), undefined);
  assert.match(ndpValidityProblem(ra, { ...ok, src: global })!, /link-local/);
  const rs: NdpRepr = { kind: "router-solicitation", code: 0, options: withSlla.options };
  assert.match(ndpValidityProblem(rs, { ...ok, src: ip6("::") })!, /must not carry/);
  const redirect: NdpRepr = {
    kind: "redirect",
    code: 0,
    target: global,
    destination: ip6("2001:db8::9"),
    options: [],
  };
  assert.match(ndpValidityProblem(redirect, ok)!, /link-local or equal the Destination/);
  assert.equal(ndpValidityProblem({ ...redirect, target: redirect.destination }, ok), undefined);
  assert.match(
    ndpValidityProblem({ ...redirect, target: linkLocal, destination: allNodes }, ok)!,
    /multicast/,
  );
  assert.match(ndpValidityProblem(redirect, { ...ok, src: global })!, /link-local address/);
});

// ---------------------------------------------------------------------------------------------
// Properties

test("property: parseNdp(emitNdp(repr)) deep-equals repr", () => {
  fc.assert(
    fc.property(arbitraryNdpRepr, (repr) => {
      const out = new Uint8Array(ndpLength(repr));
      assert.equal(emitNdp(repr, out), out.length);
      assert.deepStrictEqual(parseNdp(out), repr);
    }),
    { numRuns: 400 },
  );
});

test("property: random option bytes never throw or loop, and parsing is a fixed point after one emit", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const options = parseNdpOptions(bytes, 0);
      if (options instanceof ParseError) {
        assert.ok(options.offset >= 0 && options.offset <= bytes.length);
        return;
      }
      assert.equal(ndpOptionsLength(options), bytes.length);
      const out = new Uint8Array(bytes.length);
      emitNdpOptions(options, out, 0);
      // Reserved fields come back as zero; everything a receiver reads is kept.
      assert.deepStrictEqual(parseNdpOptions(out, 0), options);
    }),
    { numRuns: 1500 },
  );
  // Options with lengths in 1..3 units (the common shapes) to reach the decoders often.
  const optionBytes = fc
    .array(
      fc
        .tuple(fc.constantFrom(1, 2, 3, 4, 5, 25, 14, 31), fc.integer({ min: 1, max: 5 }))
        .chain(([type, units]) =>
          fc
            .uint8Array({ minLength: units * 8 - 2, maxLength: units * 8 - 2 })
            .map((rest) => Uint8Array.from([type, units, ...rest])),
        ),
      { maxLength: 5 },
    )
    .map((list) => {
      const all = new Uint8Array(list.reduce((n, o) => n + o.length, 0));
      let at = 0;
      for (const o of list) {
        all.set(o, at);
        at += o.length;
      }
      return all;
    });
  fc.assert(
    fc.property(optionBytes, (bytes) => {
      const options = parseNdpOptions(bytes, 0);
      if (options instanceof ParseError) assert.fail(String(options));
      const out = new Uint8Array(bytes.length);
      emitNdpOptions(options, out, 0);
      assert.deepStrictEqual(parseNdpOptions(out, 0), options);
    }),
    { numRuns: 500 },
  );
});
