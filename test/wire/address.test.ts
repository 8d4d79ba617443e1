import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address, Ipv4Prefix, ipv4Netmask } from "../../src/wire/address/ipv4.js";
import { Ipv6Address, Ipv6Prefix } from "../../src/wire/address/ipv6.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { arbitraryIpv4Address, arbitraryIpv6Address, arbitraryMacAddress } from "../support/arbitraries.js";

const canonical = (text: string) => Ipv6Address.parse(text).toString();

// ---------------------------------------------------------------------------------------------
// IPv6 text (RFC 4291 §2.2 input, RFC 5952 output)

test("RFC 5952 §2.1: every way to write 2001:db8:0:0:1:0:0:1 prints as 2001:db8::1:0:0:1", () => {
  for (const text of [
    "2001:db8:0:0:1:0:0:1",
    "2001:0db8:0:0:1:0:0:1",
    "2001:db8::1:0:0:1",
    "2001:db8::0:1:0:0:1",
    "2001:0db8::1:0:0:1",
    "2001:db8:0:0:1::1",
    "2001:db8:0000:0:1::1",
    "2001:DB8:0:0:1::1",
  ]) {
    assert.equal(canonical(text), "2001:db8::1:0:0:1", text);
  }
  // §2.2: leading zeros and case.
  for (const text of [
    "2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001",
    "2001:db8:aaaa:bbbb:cccc:dddd:eeee:001",
    "2001:db8:aaaa:bbbb:cccc:dddd:eeee:01",
    "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1",
    "2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:1",
  ]) {
    assert.equal(canonical(text), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", text);
  }
});

test("RFC 5952 §4: the recommendation, rule by rule", () => {
  // §4.1 leading zeros MUST be suppressed; a single 0 field is written 0.
  assert.equal(canonical("2001:0db8::0001"), "2001:db8::1");
  // §4.2.1 "::" MUST shorten as much as possible.
  assert.equal(canonical("2001:db8:0:0:0:0:2:1"), "2001:db8::2:1");
  // §4.2.2 "::" MUST NOT shorten just one 16-bit 0 field.
  assert.equal(canonical("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  assert.equal(canonical("1:2:3:4:5:6:7::"), "1:2:3:4:5:6:7:0");
  assert.equal(canonical("::2:3:4:5:6:7:8"), "0:2:3:4:5:6:7:8");
  // §4.2.3 the longest run is shortened; on a tie, the first.
  assert.equal(canonical("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  assert.equal(canonical("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  // §4.3 lower case.
  assert.equal(canonical("2001:DB8::ABCD:EF"), "2001:db8::abcd:ef");
  // The ends and the specials.
  assert.equal(canonical("0:0:0:0:0:0:0:0"), "::");
  assert.equal(canonical("0:0:0:0:0:0:0:1"), "::1");
  assert.equal(canonical("1:0:0:0:0:0:0:0"), "1::");
  assert.equal(canonical("fe80:0:0:0:0:0:0:1"), "fe80::1");
  assert.equal(canonical("ff02:0:0:0:0:1:ff00:1"), "ff02::1:ff00:1");
  // §5: IPv4-mapped addresses keep the dotted quad.
  assert.equal(canonical("0:0:0:0:0:ffff:c000:0201"), "::ffff:192.0.2.1");
  assert.equal(canonical("::FFFF:192.0.2.1"), "::ffff:192.0.2.1");
  // Input forms that are not output: brackets (RFC 3986) and zone indexes (RFC 4007).
  assert.equal(canonical("[2001:db8::1]"), "2001:db8::1");
  assert.equal(canonical("fe80::1%eth0"), "fe80::1");
  assert.equal(canonical("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
});

test("malformed IPv6 text is refused", () => {
  for (const text of [
    "",
    ":",
    ":::",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::",
    "g::1",
    "1:2:3:4:5:6:7:8::",
    "::1.2.3",
    "::1.2.3.4:5",
    "1.2.3.4",
    "2001:db8::1/64",
    "fe80::1%",
  ]) {
    assert.equal(Ipv6Address.tryParse(text), undefined, JSON.stringify(text));
  }
  assert.throws(() => Ipv6Address.parse("nope"), /invalid IPv6 address "nope"/);
});

test("property: text round-trips, and the text obeys RFC 5952", () => {
  fc.assert(
    fc.property(arbitraryIpv6Address, (address) => {
      const text = address.toString();
      assert.ok(Ipv6Address.parse(text).equals(address), text);
      if (address.isIpv4Mapped) return;
      assert.doesNotMatch(text, /[A-F]/, "lower case");
      assert.doesNotMatch(text, /(^|:)0[0-9a-f]/, "no leading zeros");
      assert.ok(text.split("::").length <= 2, "at most one ::");
      // The run compressed by "::" is the longest run of zero groups (at least 2), the first on a tie.
      const groups = address.groups;
      let best = 0;
      let bestStart = -1;
      for (let i = 0; i < 8; ) {
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > best) {
          best = j - i;
          bestStart = i;
        }
        i = j === i ? i + 1 : j;
      }
      if (best < 2) {
        assert.ok(!text.includes("::"), `${text} must not compress a single zero`);
      } else {
        const [head] = text.split("::");
        assert.equal(head === "" ? 0 : head.split(":").length, bestStart, text);
      }
    }),
    { numRuns: 2000 },
  );
});

test("IPv6 address properties and prefixes", () => {
  assert.ok(Ipv6Address.parse("::").isUnspecified);
  assert.ok(Ipv6Address.parse("::1").isLoopback);
  assert.ok(Ipv6Address.parse("ff02::1").isMulticast);
  assert.ok(Ipv6Address.parse("fe80::1").isLinkLocal);
  assert.ok(Ipv6Address.parse("febf::1").isLinkLocal);
  assert.ok(!Ipv6Address.parse("fec0::1").isLinkLocal);
  assert.equal(Ipv6Address.parse("2001:db8::1234:5678").solicitedNode.toString(), "ff02::1:ff34:5678");
  const prefix = Ipv6Prefix.parse("2001:db8:1:2::10/64");
  assert.equal(prefix.network.toString(), "2001:db8:1:2::");
  assert.equal(prefix.networkPrefix.toString(), "2001:db8:1:2::/64");
  assert.ok(prefix.contains(Ipv6Address.parse("2001:db8:1:2:ffff::1")));
  assert.ok(!prefix.contains(Ipv6Address.parse("2001:db8:1:3::1")));
  assert.ok(Ipv6Prefix.parse("2001:db8::/32").covers(prefix));
  assert.ok(!prefix.covers(Ipv6Prefix.parse("2001:db8::/32")));
  assert.equal(Ipv6Prefix.parse("2001:db8::/29").network.toString(), "2001:db8::");
  assert.equal(Ipv6Prefix.parse("2001:dbf::/29").network.toString(), "2001:db8::");
  assert.ok(Ipv6Prefix.parse("2001:db8::/29").contains(Ipv6Address.parse("2001:dbf::1")));
  assert.ok(!Ipv6Prefix.parse("2001:db8::/29").contains(Ipv6Address.parse("2001:dc0::1")));
  assert.equal(Ipv6Prefix.parse("::/0").contains(Ipv6Address.parse("ffff::")), true);
  assert.equal(Ipv6Prefix.parse("2001:db8::1").length, 128);
  assert.equal(Ipv6Prefix.tryParse("2001:db8::/129"), undefined);
  assert.equal(Ipv6Prefix.tryParse("2001:db8::/064"), undefined);
  assert.equal(Ipv6Prefix.tryParse("2001:db8::/1/2"), undefined);
  assert.throws(() => new Ipv6Prefix(Ipv6Address.LOOPBACK, 129), RangeError);
});

// ---------------------------------------------------------------------------------------------
// IPv4 and CIDR (RFC 4632)

test("IPv4 prefix math: the /24 a learner works out by hand", () => {
  const p = Ipv4Prefix.parse("10.0.1.10/24");
  assert.equal(p.netmask.toString(), "255.255.255.0");
  assert.equal(p.wildcard.toString(), "0.0.0.255");
  assert.equal(p.network.toString(), "10.0.1.0");
  assert.equal(p.broadcast.toString(), "10.0.1.255");
  assert.equal(p.firstHost.toString(), "10.0.1.1");
  assert.equal(p.lastHost.toString(), "10.0.1.254");
  assert.equal(p.size, 256);
  assert.equal(p.hostCount, 254);
  assert.equal(p.networkPrefix.toString(), "10.0.1.0/24");
  assert.equal(p.toString(), "10.0.1.10/24");
  assert.ok(p.contains(Ipv4Address.parse("10.0.1.200")));
  assert.ok(!p.contains(Ipv4Address.parse("10.0.2.1")));
});

test("IPv4 prefix math at the edges: /0, /8, /30, /31 (RFC 3021), /32", () => {
  const zero = Ipv4Prefix.parse("0.0.0.0/0");
  assert.equal(zero.netmask.toString(), "0.0.0.0");
  assert.equal(zero.broadcast.toString(), "255.255.255.255");
  assert.equal(zero.size, 2 ** 32);
  assert.ok(zero.contains(Ipv4Address.parse("203.0.113.9")));
  const eight = Ipv4Prefix.parse("10.20.30.40/8");
  assert.equal(eight.network.toString(), "10.0.0.0");
  assert.equal(eight.broadcast.toString(), "10.255.255.255");
  assert.equal(eight.hostCount, 16777214);
  const thirty = Ipv4Prefix.parse("192.0.2.5/30");
  assert.equal(thirty.network.toString(), "192.0.2.4");
  assert.equal(thirty.firstHost.toString(), "192.0.2.5");
  assert.equal(thirty.lastHost.toString(), "192.0.2.6");
  assert.equal(thirty.broadcast.toString(), "192.0.2.7");
  assert.equal(thirty.hostCount, 2);
  // RFC 3021: on a point-to-point /31 both addresses are hosts; there is no broadcast.
  const p2p = Ipv4Prefix.parse("192.0.2.1/31");
  assert.equal(p2p.hostCount, 2);
  assert.equal(p2p.firstHost.toString(), "192.0.2.0");
  assert.equal(p2p.lastHost.toString(), "192.0.2.1");
  const host = Ipv4Prefix.parse("192.0.2.77/32");
  assert.equal(host.hostCount, 1);
  assert.equal(host.firstHost.toString(), "192.0.2.77");
  assert.equal(host.lastHost.toString(), "192.0.2.77");
  assert.equal(host.netmask.toString(), "255.255.255.255");
  assert.equal(Ipv4Prefix.parse("192.0.2.77").length, 32);
  assert.equal(ipv4Netmask(0), 0);
  assert.equal(ipv4Netmask(1), 0x80000000);
  assert.equal(ipv4Netmask(32), 0xffffffff);
});

test("subnets() splits a prefix as a learner does, and refuses impossible splits", () => {
  assert.deepEqual(
    Ipv4Prefix.parse("192.168.1.77/24")
      .subnets(26)
      .map((s) => s.toString()),
    ["192.168.1.0/26", "192.168.1.64/26", "192.168.1.128/26", "192.168.1.192/26"],
  );
  assert.deepEqual(Ipv4Prefix.parse("10.0.0.0/30").subnets(32).map(String), [
    "10.0.0.0/32",
    "10.0.0.1/32",
    "10.0.0.2/32",
    "10.0.0.3/32",
  ]);
  assert.deepEqual(Ipv4Prefix.parse("10.1.2.3/16").subnets(16).map(String), ["10.1.0.0/16"]);
  assert.deepEqual(Ipv4Prefix.parse("0.0.0.0/0").subnets(2).map(String), [
    "0.0.0.0/2",
    "64.0.0.0/2",
    "128.0.0.0/2",
    "192.0.0.0/2",
  ]);
  assert.throws(() => Ipv4Prefix.parse("10.0.0.0/24").subnets(23), /cannot split \/24 into \/23/);
  assert.throws(() => Ipv4Prefix.parse("10.0.0.0/24").subnets(33), RangeError);
});

test("covers, equals and text parsing of IPv4 prefixes", () => {
  const big = Ipv4Prefix.parse("10.0.0.0/8");
  assert.ok(big.covers(Ipv4Prefix.parse("10.1.0.0/16")));
  assert.ok(!Ipv4Prefix.parse("10.1.0.0/16").covers(big));
  assert.ok(!big.covers(Ipv4Prefix.parse("11.0.0.0/16")));
  assert.ok(big.equals(Ipv4Prefix.parse("10.0.0.0/8")));
  assert.ok(!big.equals(Ipv4Prefix.parse("10.0.0.1/8")));
  for (const text of [
    "10.0.0.0/33",
    "10.0.0.0/08",
    "10.0.0.256/8",
    "10.0.0/8",
    "10.0.0.0/8/8",
    "01.0.0.0/8",
    "a.b.c.d",
  ]) {
    assert.equal(Ipv4Prefix.tryParse(text), undefined, text);
  }
  assert.throws(() => Ipv4Address.parse("300.1.1.1"), /invalid IPv4 address/);
  assert.ok(Ipv4Address.parse("10.1.2.3").isPrivate);
  assert.ok(Ipv4Address.parse("172.31.0.1").isPrivate);
  assert.ok(!Ipv4Address.parse("172.32.0.1").isPrivate);
  assert.ok(Ipv4Address.parse("169.254.1.1").isLinkLocal);
  assert.ok(Ipv4Address.parse("224.0.0.5").isMulticast);
  assert.ok(Ipv4Address.parse("127.0.0.53").isLoopback);
});

test("property: every address of a prefix lies between network and broadcast, and subnets tile it", () => {
  fc.assert(
    fc.property(arbitraryIpv4Address, fc.nat(32), fc.nat(4), (address, length, extra) => {
      const prefix = new Ipv4Prefix(address, length);
      const { network, broadcast } = prefix;
      assert.ok(network.value <= address.value && address.value <= broadcast.value);
      assert.equal(broadcast.value - network.value + 1, prefix.size);
      assert.ok(prefix.contains(address));
      assert.ok(prefix.contains(prefix.firstHost) && prefix.contains(prefix.lastHost));
      assert.equal(prefix.lastHost.value - prefix.firstHost.value + 1, prefix.hostCount);
      assert.ok(Ipv4Prefix.parse(prefix.toString()).equals(prefix));
      const newLength = Math.min(32, length + extra);
      const subnets = prefix.subnets(newLength);
      assert.equal(subnets.length, 2 ** (newLength - length));
      assert.equal(subnets[0].network.value, network.value);
      assert.equal(subnets[subnets.length - 1].broadcast.value, broadcast.value);
      for (const subnet of subnets) assert.ok(prefix.covers(subnet));
    }),
    { numRuns: 500 },
  );
});

test("MAC addresses: text, bytes and the I/G and U/L bits", () => {
  const mac = MacAddress.parse("02:00:5E:10:00:01");
  assert.equal(mac.toString(), "02:00:5e:10:00:01");
  assert.ok(mac.isLocallyAdministered && mac.isUnicast);
  assert.ok(MacAddress.parse("33-33-00-00-00-01").isMulticast);
  assert.ok(MacAddress.BROADCAST.isBroadcast);
  assert.equal(MacAddress.tryParse("02:00:5e:10:00"), undefined);
  assert.equal(MacAddress.tryParse("02:00-5e:10:00:01"), undefined);
  fc.assert(
    fc.property(arbitraryMacAddress, (m) => {
      assert.ok(MacAddress.parse(m.toString()).equals(m));
      assert.ok(MacAddress.fromBytes(m.toBytes()).equals(m));
    }),
  );
});
