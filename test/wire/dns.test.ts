import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { formatLayer } from "../../src/wire/describe.js";
import {
  canonicalDnsName,
  DnsClass,
  DnsRcode,
  type DnsRdata,
  type DnsRecord,
  type DnsRepr,
  DnsType,
  DnsView,
  describeDns,
  dnsEdns,
  dnsFullRcode,
  dnsLength,
  dnsNameFromLabels,
  dnsNameInZone,
  dnsNameLabels,
  dnsNamesEqual,
  dnsQuery,
  dnsSummary,
  dnsTypeFromName,
  dnsTypeName,
  EdnsOptionCode,
  ednsRecord,
  emitDns,
  encodeDns,
  formatDnsRecord,
  parseDns,
} from "../../src/wire/dns.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import { plainRecord } from "../support/arbitraries.js";
import { fromHex, tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";
import { field, runTshark, tsharkAvailable, tsharkPackets } from "../support/tshark.js";
import { pcapWithUdp } from "./dhcp-dns-pcap.js";
import { transportSegments } from "./l4-captures.js";

const needCorpus = (t: Parameters<typeof needSystem>[0]) =>
  needSystem(t, "tcpdump test captures (../shared/captures)", hasShared("captures/tcpdump-tests"));

/** DNS messages over UDP (port 53 or 8053 at either end) in a corpus file. */
function dnsPayloads(name: string): { frame: number; bytes: Uint8Array }[] {
  const found: { frame: number; bytes: Uint8Array }[] = [];
  for (const segment of transportSegments(tcpdumpCapture(name))) {
    if (segment.protocol !== 17 || segment.bytes.length < 8) continue;
    const src = (segment.bytes[0] << 8) | segment.bytes[1];
    const dst = (segment.bytes[2] << 8) | segment.bytes[3];
    if (src === 53 || dst === 53 || src === 8053 || dst === 8053) {
      const length = Math.min((segment.bytes[4] << 8) | segment.bytes[5], segment.bytes.length);
      found.push({ frame: segment.frame, bytes: segment.bytes.subarray(8, Math.max(8, length)) });
    }
  }
  return found;
}

const text = (s: string) => new TextEncoder().encode(s);
const ip = (s: string) => Ipv4Address.parse(s);

test("dns_udp.pcap: a query with an EDNS cookie and a compressed answer, read and re-emitted byte for byte", (t) => {
  if (!needCorpus(t)) return;
  const [query, response] = dnsPayloads("dns_udp.pcap");
  const q = parseDns(query.bytes);
  assert.ok(!isParseError(q), String(q));
  assert.equal(q.id, 22836);
  assert.equal(q.response, false);
  assert.equal(q.recursionDesired, true);
  assert.equal(q.authenticData, true);
  assert.deepEqual(q.questions, [{ name: "www.tcpdump.org", type: DnsType.A, class: DnsClass.IN }]);
  const edns = dnsEdns(q)!;
  assert.equal(edns.udpPayloadSize, 4096);
  assert.equal(edns.dnssecOk, false);
  assert.deepEqual(edns.options, [{ code: EdnsOptionCode.Cookie, data: fromHex("42f5d00996f90b13") }]);
  assert.deepEqual(encodeDns(q), query.bytes);
  assert.equal(dnsSummary(q), "Standard query 0x5934 A www.tcpdump.org");

  const r = parseDns(response.bytes);
  assert.ok(!isParseError(r), String(r));
  assert.equal(r.response, true);
  assert.equal(r.authoritative, true);
  assert.equal(r.recursionAvailable, false);
  assert.equal(r.rcode, DnsRcode.NoError);
  assert.deepEqual(r.answers.map(formatDnsRecord), [
    "www.tcpdump.org.\t60\tIN\tA\t192.139.46.66",
    "www.tcpdump.org.\t60\tIN\tA\t198.199.88.104",
  ]);
  assert.deepEqual(r.authorities.map(formatDnsRecord), [
    "tcpdump.org.\t86400\tIN\tNS\tsns.cooperix.net.",
    "tcpdump.org.\t86400\tIN\tNS\tnic.sandelman.ca.",
  ]);
  assert.deepEqual(r.additionals.slice(0, 4).map(formatDnsRecord), [
    "nic.sandelman.ca.\t300\tIN\tA\t209.87.249.18",
    "nic.sandelman.ca.\t300\tIN\tAAAA\t2607:f0b0:f::babe:f00d",
    "sns.cooperix.net.\t7200\tIN\tA\t97.107.133.15",
    "sns.cooperix.net.\t7200\tIN\tAAAA\t2600:3c03::f03c:91ff:fe96:e8ef",
  ]);
  // The server compressed exactly as we do (owner names, NS targets), so the bytes are the same.
  assert.deepEqual(encodeDns(r), response.bytes);
  assert.ok(encodeDns(r, { compress: false }).length > response.bytes.length);
  assert.equal(
    dnsSummary(r),
    "Standard query response 0x5934 A www.tcpdump.org A 192.139.46.66 A 198.199.88.104",
  );
  const view = new DnsView(response.bytes);
  assert.equal(view.id, 22836);
  assert.equal(view.response, true);
  assert.equal(view.answerCount, 2);
  assert.equal(view.authorityCount, 2);
  assert.equal(view.additionalCount, 5);
});

test("every UDP DNS message in the tcpdump corpus parses or fails cleanly, and re-emits to the same meaning", (t) => {
  if (!needCorpus(t)) return;
  let parsed = 0;
  let refused = 0;
  for (const name of readdirSync(tcpdumpCapture(""))) {
    if (!name.endsWith(".pcap")) continue;
    for (const message of dnsPayloads(name)) {
      const where = `${name} frame ${message.frame}`;
      const repr = parseDns(message.bytes);
      if (isParseError(repr)) {
        refused++;
        assert.equal(repr.layer, "dns", where);
        assert.ok(repr.offset >= 0 && repr.offset <= message.bytes.length, where);
        continue;
      }
      parsed++;
      for (const compress of [true, false]) {
        const bytes = encodeDns(repr, { compress });
        assert.equal(bytes.length, dnsLength(repr, { compress }), where);
        assert.deepEqual(parseDns(bytes), repr, where);
      }
      describeDns(repr);
    }
  }
  // Counted on the corpus: most are sound; the rest are fuzzed (zlip loops, bad labels, pointers
  // past the end, truncated captures).
  // Counted on the corpus: 82 sound messages; 6 refused — the zlip files (empty datagrams), a
  // forward pointer (dns_fwdptr), a name over 255 octets (dns-badlabel) and one cut by the capture.
  assert.ok(parsed >= 80, `parsed ${parsed}`);
  assert.ok(refused >= 6, `refused ${refused}`);
});

test("compression attacks (dns-zlip, dns_fwdptr, dns-badlabel) are refused, quickly and without throwing", (t) => {
  if (!needCorpus(t)) return;
  for (const name of [
    "dns-zlip-1.pcap",
    "dns-zlip-2.pcap",
    "dns-zlip-3.pcap",
    "dns_fwdptr.pcap",
    "dns-badlabel.pcap",
  ]) {
    // These frames claim UDP lengths their captures do not hold: take every byte after the UDP header.
    for (const segment of transportSegments(tcpdumpCapture(name))) {
      const result = parseDns(segment.bytes.subarray(8));
      assert.ok(isParseError(result), `${name} frame ${segment.frame} should be refused`);
    }
  }
});

test("hand-made hostile names: loops, forward pointers, long chains, names over 255 octets", () => {
  const header = (qd: number) => fromHex(`1234 0100 ${qd.toString(16).padStart(4, "0")} 0000 0000 0000`);
  const message = (...parts: Uint8Array[]) => {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  };
  const question = (name: Uint8Array) => message(header(1), name, fromHex("0001 0001"));
  // A pointer to itself (offset 12).
  let error = parseDns(question(fromHex("c00c")));
  assert.ok(error instanceof ParseError);
  assert.match(error.reason, /does not point back/);
  // A label then a pointer back to that label: a two-step loop.
  error = parseDns(question(fromHex("0161 c00c")));
  assert.ok(error instanceof ParseError);
  // A forward pointer.
  assert.ok(isParseError(parseDns(question(fromHex("c010 0000 0161 00")))));
  // Pointer past the end, truncated pointer, reserved label types 01 and 10.
  assert.ok(isParseError(parseDns(question(fromHex("c0ff")))));
  assert.ok(isParseError(parseDns(message(header(1), fromHex("c0")))));
  assert.ok(isParseError(parseDns(question(fromHex("4000")))));
  assert.ok(isParseError(parseDns(question(fromHex("8000")))));
  // A legitimate chain: each name is "a" plus a pointer to the previous one (backwards each time).
  const chainOf = (count: number): Uint8Array => {
    const questions: Uint8Array[] = [];
    let at = 12;
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const name =
        previous < 0 ? fromHex("016100") : Uint8Array.of(1, 0x61, 0xc0 | (previous >> 8), previous & 0xff);
      questions.push(message(name, fromHex("0001 0001")));
      previous = at;
      at += name.length + 4;
    }
    return message(header(count), ...questions);
  };
  const ok = parseDns(chainOf(40));
  assert.ok(!isParseError(ok), String(ok));
  assert.equal(ok.questions[39].name, Array(40).fill("a").join("."));
  // 200 of them: the names pass 255 octets (2 per label) and are refused.
  const tooLong = parseDns(chainOf(200));
  assert.ok(tooLong instanceof ParseError);
  assert.match(tooLong.reason, /longer than 255/);
  // Counts that promise more than the bytes hold.
  assert.ok(isParseError(parseDns(fromHex("1234 0100 ffff ffff ffff ffff"))));
  assert.ok(isParseError(parseDns(new Uint8Array(5))));
});

test("names as text: escapes, the root, case, zones", () => {
  const labels = dnsNameLabels("a\\.b.c\\\\d.\\000\\255 x.");
  assert.ok(Array.isArray(labels));
  assert.deepEqual(labels, [text("a.b"), text("c\\d"), Uint8Array.of(0, 255, 0x20, 0x78)]);
  assert.equal(dnsNameFromLabels(labels), "a\\.b.c\\\\d.\\000\\255\\032x");
  assert.deepEqual(dnsNameLabels("."), []);
  assert.equal(dnsNameFromLabels([]), ".");
  assert.equal(canonicalDnsName("WWW.Example.COM."), "WWW.Example.COM");
  assert.equal(canonicalDnsName("a..b"), undefined);
  assert.equal(canonicalDnsName(`${"x".repeat(64)}.com`), undefined);
  assert.equal(canonicalDnsName(Array(128).fill("a").join(".")), undefined, "over 255 octets");
  assert.ok(dnsNamesEqual("WWW.example.com", "www.EXAMPLE.com"));
  assert.ok(dnsNameInZone("www.example.com", "Example.com"));
  assert.ok(dnsNameInZone("example.com", "example.com"));
  assert.ok(!dnsNameInZone("badexample.com", "example.com"));
  assert.ok(!dnsNameInZone("a\\.example.com", "example.com"), "one label a.example, then com");
  assert.ok(dnsNameInZone("anything", "."));
  assert.equal(dnsTypeName(DnsType.AAAA), "AAAA");
  assert.equal(dnsTypeName(65280), "TYPE65280");
  assert.equal(dnsTypeFromName("mx"), 15);
  assert.equal(dnsTypeFromName("TYPE99"), 99);
  assert.equal(dnsTypeFromName("NOPE"), undefined);
});

test("emit compresses owner and RFC 1035 RDATA names, keeps case, never compresses SRV targets", () => {
  const repr = dnsQuery(7, "www.Example.com", DnsType.SRV);
  repr.response = true;
  repr.answers.push(
    {
      name: "www.Example.com",
      type: DnsType.CNAME,
      class: 1,
      ttl: 60,
      data: { kind: "name", name: "web.Example.com" },
    },
    {
      name: "web.Example.com",
      type: DnsType.SRV,
      class: 1,
      ttl: 60,
      data: { kind: "srv", priority: 1, weight: 2, port: 80, target: "web.Example.com" },
    },
    {
      name: "web.example.com",
      type: DnsType.A,
      class: 1,
      ttl: 60,
      data: { kind: "a", address: ip("192.0.2.1") },
    },
  );
  const bytes = encodeDns(repr);
  // Header, question www.Example.com (17 octets + 4), then the CNAME: owner is a pointer to 12.
  assert.deepEqual(bytes.subarray(33, 35), fromHex("c00c"));
  // The CNAME target: "web" then a pointer to "Example.com" at 16.
  assert.deepEqual(bytes.subarray(45, 51), fromHex("03 776562 c010"));
  // The SRV target is written in full (RFC 2782, RFC 3597 §4).
  const srvTarget = fromHex("03 776562 07 4578616d706c65 03 636f6d 00");
  assert.ok(indexOf(bytes, srvTarget) > 0);
  // "web.example.com" differs in case from "web.Example.com": not compressed against it.
  assert.deepEqual(parseDns(bytes), repr);
  assert.ok(indexOf(bytes, fromHex("07 6578616d706c65")) > 0);
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

test("EDNS: the OPT record's class, TTL bits and options; the extended RCODE", () => {
  const repr = dnsQuery(1, "example.com", DnsType.A);
  repr.additionals.push(
    ednsRecord({
      udpPayloadSize: 1232,
      dnssecOk: true,
      options: [{ code: EdnsOptionCode.Cookie, data: new Uint8Array(8) }],
    }),
  );
  const parsed = parseDns(encodeDns(repr)) as DnsRepr;
  const edns = dnsEdns(parsed)!;
  assert.equal(edns.udpPayloadSize, 1232);
  assert.equal(edns.dnssecOk, true);
  assert.equal(edns.version, 0);
  assert.equal(edns.options[0].code, 10);
  repr.response = true;
  repr.rcode = 0;
  repr.additionals[0] = ednsRecord({ extendedRcode: 1 });
  assert.equal(dnsFullRcode(repr), DnsRcode.BadVers);
  assert.match(dnsSummary(repr), /BADVERS/);
});

test("describe explains header, flags and sections; summaries read like tshark's", () => {
  const response = dnsQuery(0xbeef, "nope.example.com", DnsType.A);
  response.response = true;
  response.rcode = DnsRcode.NXDomain;
  response.authorities.push({
    name: "example.com",
    type: DnsType.SOA,
    class: 1,
    ttl: 3600,
    data: {
      kind: "soa",
      mname: "ns1.example.com",
      rname: "hostmaster.example.com",
      serial: 2024010101,
      refresh: 7200,
      retry: 3600,
      expire: 1209600,
      minimum: 300,
    },
  });
  assert.equal(
    dnsSummary(response),
    "Standard query response 0xbeef No such name A nope.example.com SOA ns1.example.com",
  );
  const textOut = formatLayer(describeDns(response));
  assert.match(textOut, /Reply code: NXDOMAIN \(3\) {2}\(the name does not exist\)/);
  assert.match(
    textOut,
    /example\.com\. SOA: ns1\.example\.com\. hostmaster\.example\.com\. 2024010101 7200 3600 1209600 300/,
  );
  assert.equal(
    formatDnsRecord({
      name: "x",
      type: 65280,
      class: 1,
      ttl: 5,
      data: { kind: "raw", bytes: fromHex("0a000001") },
    }),
    "x.\t5\tIN\tTYPE65280\t\\# 4 0a000001",
  );
  assert.equal(
    formatDnsRecord({
      name: "t",
      type: 16,
      class: 1,
      ttl: 5,
      data: { kind: "txt", strings: [text('say "hi"'), Uint8Array.of(1)] },
    }),
    't.\t5\tIN\tTXT\t"say \\"hi\\"" "\\001"',
  );
});

test("malformed RDATA of known types is a ParseError naming the record", () => {
  const repr = dnsQuery(1, "a", DnsType.A);
  repr.answers.push({
    name: "a",
    type: 99,
    class: 1,
    ttl: 1,
    data: { kind: "raw", bytes: fromHex("0102030405") },
  });
  const bytes = encodeDns(repr);
  // Turn the record's type 99 into A (1): five octets are not an address.
  bytes[bytes.length - 5 - 10 + 1] = 1;
  const error = parseDns(bytes);
  assert.ok(error instanceof ParseError);
  assert.match(error.reason, /answer record 1: A RDATA is 5 octets, not 4/);
  assert.throws(() => emitDns(dnsQuery(1, "a..b", 1), new Uint8Array(100)), RangeError);
  assert.throws(() => emitDns(dnsQuery(1, "a.b", 1), new Uint8Array(10)), RangeError);
});

// -----------------------------------------------------------------------------------------------
// Properties

const arbitraryLabel = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 12 }),
  fc.constantFrom("www", "example", "com", "a", "WWW", "mail").map(text),
);
const arbitraryName = fc.array(arbitraryLabel, { maxLength: 4 }).map((labels) => dnsNameFromLabels(labels));
const arbitraryAddress = fc.integer({ min: 0, max: 0xffffffff }).map((v) => new Ipv4Address(v));
const arbitraryAddress6 = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => Ipv6Address.fromBytes(b));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const arbitraryRecord: fc.Arbitrary<DnsRecord> = fc
  .tuple(
    arbitraryName,
    u16,
    u32,
    fc.oneof(
      fc.tuple(
        fc.constant(1),
        arbitraryAddress.map((address): DnsRdata => ({ kind: "a", address })),
      ),
      fc.tuple(
        fc.constant(28),
        arbitraryAddress6.map((address): DnsRdata => ({ kind: "aaaa", address })),
      ),
      fc.tuple(
        fc.constantFrom(2, 3, 4, 5, 7, 8, 9, 12, 39),
        arbitraryName.map((name): DnsRdata => ({ kind: "name", name })),
      ),
      fc.tuple(
        fc.constant(15),
        fc
          .tuple(u16, arbitraryName)
          .map(([preference, exchange]): DnsRdata => ({ kind: "mx", preference, exchange })),
      ),
      fc.tuple(
        fc.constant(16),
        fc
          .array(fc.uint8Array({ maxLength: 20 }), { maxLength: 3 })
          .map((strings): DnsRdata => ({ kind: "txt", strings })),
      ),
      fc.tuple(
        fc.constant(6),
        fc.tuple(arbitraryName, arbitraryName, u32, u32, u32, u32, u32).map(
          ([mname, rname, serial, refresh, retry, expire, minimum]): DnsRdata => ({
            kind: "soa",
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
          }),
        ),
      ),
      fc.tuple(
        fc.constant(33),
        fc
          .tuple(u16, u16, u16, arbitraryName)
          .map(
            ([priority, weight, port, target]): DnsRdata => ({ kind: "srv", priority, weight, port, target }),
          ),
      ),
      fc.tuple(
        fc.constant(41),
        fc
          .array(plainRecord({ code: u16, data: fc.uint8Array({ maxLength: 10 }) }), { maxLength: 3 })
          .map((options): DnsRdata => ({ kind: "opt", options })),
      ),
      fc.tuple(
        fc.constantFrom(10, 13, 46, 99, 257, 65280),
        fc.uint8Array({ maxLength: 30 }).map((bytes): DnsRdata => ({ kind: "raw", bytes })),
      ),
    ),
  )
  .map(([name, cls, ttl, [type, data]]) => ({ name, type, class: cls, ttl, data }));

const arbitraryDnsRepr: fc.Arbitrary<DnsRepr> = plainRecord<DnsRepr>({
  id: u16,
  response: fc.boolean(),
  opcode: fc.integer({ min: 0, max: 15 }),
  authoritative: fc.boolean(),
  truncated: fc.boolean(),
  recursionDesired: fc.boolean(),
  recursionAvailable: fc.boolean(),
  zero: fc.boolean(),
  authenticData: fc.boolean(),
  checkingDisabled: fc.boolean(),
  rcode: fc.integer({ min: 0, max: 15 }),
  questions: fc.array(plainRecord({ name: arbitraryName, type: u16, class: u16 }), { maxLength: 3 }),
  answers: fc.array(arbitraryRecord, { maxLength: 4 }),
  authorities: fc.array(arbitraryRecord, { maxLength: 3 }),
  additionals: fc.array(arbitraryRecord, { maxLength: 3 }),
});

test("property: parse(emit(repr)) gives repr back, compressed or not, and dnsLength is exact", () => {
  fc.assert(
    fc.property(arbitraryDnsRepr, fc.boolean(), (repr, compress) => {
      const length = dnsLength(repr, { compress });
      const into = new Uint8Array(length);
      assert.equal(emitDns(repr, into, { compress }), length);
      assert.deepEqual(parseDns(into), repr);
    }),
    { numRuns: 300 },
  );
});

test("property: name text round-trips through labels", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 63 }), { maxLength: 3 }), (labels) => {
      const name = dnsNameFromLabels(labels);
      assert.deepEqual(dnsNameLabels(name), labels);
      if (labels.length > 0) assert.deepEqual(dnsNameLabels(`${name}.`), labels);
    }),
    { numRuns: 300 },
  );
});

test("property: hostile bytes never throw or hang; results are Reprs or ParseErrors", () => {
  const hostile = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    // Plausible headers with small counts, then random bytes dense with compression pointers.
    fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(0xc0)), { maxLength: 200 }),
      )
      .map(([counts, tail]) =>
        Uint8Array.from([0, 1, 0x81, 0x80, ...counts.flatMap((c) => [0, c]), ...tail]),
      ),
    // Valid messages with a few bytes changed.
    fc
      .tuple(
        arbitraryDnsRepr,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([repr, edits]) => {
        const bytes = encodeDns(repr);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        return bytes;
      }),
  );
  fc.assert(
    fc.property(hostile, (bytes) => {
      const result = parseDns(bytes);
      if (isParseError(result)) {
        assert.equal(result.layer, "dns");
        return;
      }
      // Whatever parses re-emits (names are canonical text) and parses to the same.
      assert.deepEqual(parseDns(encodeDns(result)), result);
      describeDns(result);
    }),
    { numRuns: 600 },
  );
});

test("tshark agrees with our reading of the corpus's DNS messages (id, flags, counts, names)", async (t) => {
  if (!needCorpus(t) || !needSystem(t, "tshark", tsharkAvailable)) return;
  let compared = 0;
  for (const name of [
    "dns_udp.pcap",
    "edns-opts.pcap",
    "dns-uri.pcap",
    "dns-badcookie.pcap",
    "dnssec.pcap",
    "dns-badvers.pcap",
  ]) {
    const packets = await tsharkPackets(tcpdumpCapture(name), ["-Y", "dns && !_ws.malformed"]);
    assert.ok(Array.isArray(packets), String(packets));
    const ours = new Map(dnsPayloads(name).map((m) => [m.frame, m.bytes]));
    for (const packet of packets) {
      const frame = Number(field(packet.layers.frame, "frame.number"));
      const repr = parseDns(ours.get(frame)!);
      assert.ok(!isParseError(repr), `${name} ${frame}: ${repr}`);
      const dns = packet.layers.dns;
      const where = `${name} frame ${frame}`;
      assert.equal(Number(field(dns, "dns.id")), repr.id, where);
      assert.equal(Number(field(dns, "dns.flags.response")), repr.response ? 1 : 0, where);
      assert.equal(Number(field(dns, "dns.count.answers")), repr.answers.length, where);
      assert.equal(Number(field(dns, "dns.count.auth_rr")), repr.authorities.length, where);
      assert.equal(Number(field(dns, "dns.count.add_rr")), repr.additionals.length, where);
      const qname = field(dns, "dns.qry.name");
      assert.equal(qname === "<Root>" ? "." : qname, repr.questions[0]?.name, where);
      compared++;
    }
  }
  assert.ok(compared >= 15, `compared ${compared}`);
});

test("tshark decodes every record type we emit, compressed, without a malformed packet", async (t) => {
  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const response = dnsQuery(0x4242, "www.lab.example", DnsType.A);
  response.response = true;
  response.authoritative = true;
  const rr = (name: string, type: number, data: DnsRdata): DnsRecord => ({
    name,
    type,
    class: 1,
    ttl: 300,
    data,
  });
  response.answers.push(
    rr("www.lab.example", DnsType.CNAME, { kind: "name", name: "web1.lab.example" }),
    rr("web1.lab.example", DnsType.A, { kind: "a", address: ip("10.0.1.10") }),
    rr("web1.lab.example", DnsType.AAAA, { kind: "aaaa", address: Ipv6Address.parse("2001:db8::10") }),
    rr("lab.example", DnsType.MX, { kind: "mx", preference: 10, exchange: "mail.lab.example" }),
    rr("lab.example", DnsType.TXT, { kind: "txt", strings: [text("v=spf1 -all"), text("two")] }),
    rr("_http._tcp.lab.example", DnsType.SRV, {
      kind: "srv",
      priority: 0,
      weight: 5,
      port: 80,
      target: "web1.lab.example",
    }),
    rr("10.1.0.10.in-addr.arpa", DnsType.PTR, { kind: "name", name: "web1.lab.example" }),
    rr("lab.example", 65280, { kind: "raw", bytes: fromHex("deadbeef") }),
  );
  response.authorities.push(
    rr("lab.example", DnsType.NS, { kind: "name", name: "ns1.lab.example" }),
    rr("lab.example", DnsType.SOA, {
      kind: "soa",
      mname: "ns1.lab.example",
      rname: "hostmaster.lab.example",
      serial: 1,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 60,
    }),
  );
  response.additionals.push(
    ednsRecord({
      udpPayloadSize: 1232,
      options: [{ code: EdnsOptionCode.Cookie, data: new Uint8Array(8).fill(9) }],
    }),
  );
  const nx = dnsQuery(0x4243, "nope.lab.example", DnsType.A);
  nx.response = true;
  nx.rcode = DnsRcode.NXDomain;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-dns-"));
  const file = join(dir, "dns.pcap");
  writeFileSync(
    file,
    pcapWithUdp([
      { srcPort: 40000, dstPort: 53, payload: encodeDns(dnsQuery(0x4242, "www.lab.example", DnsType.A)) },
      { srcPort: 53, dstPort: 40000, payload: encodeDns(response) },
      { srcPort: 53, dstPort: 40000, payload: encodeDns(nx) },
    ]),
  );
  const { stdout, code } = await runTshark([
    "-r",
    file,
    "-n",
    "-T",
    "fields",
    "-e",
    "dns.count.answers",
    "-e",
    "dns.a",
    "-e",
    "dns.srv.target",
    "-e",
    "dns.flags.rcode",
    "-e",
    "_ws.malformed",
  ]);
  assert.equal(code, 0);
  const rows = stdout
    .trim()
    .split("\n")
    .map((l) => l.split("\t"));
  assert.deepEqual(
    rows.map((r) => [r[0], r[1], r[2], r[3], r[4] ?? ""]),
    [
      ["0", "", "", "", ""],
      ["8", "10.0.1.10", "web1.lab.example", "0", ""],
      ["0", "", "", "3", ""],
    ],
  );
});
