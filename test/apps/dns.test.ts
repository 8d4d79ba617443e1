import assert from "node:assert/strict";
import { test } from "node:test";
import { dig, nslookup } from "../../src/apps/dns/dig.js";
import { resolvConf } from "../../src/apps/dns/resolv-conf.js";
import { DnsServer } from "../../src/apps/dns/server.js";
import {
  addressesOf,
  resolveHost,
  type StubResult,
  searchCandidates,
  stubResolve,
} from "../../src/apps/dns/stub.js";
import { reverseName, Zone } from "../../src/apps/dns/zone.js";
import { Network } from "../../src/devices/network.js";
import { SECOND } from "../../src/sim/time.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { DnsRcode, DnsType, dnsQuery, encodeDns, formatDnsRecord, parseDns } from "../../src/wire/dns.js";
import { isParseError } from "../../src/wire/parse-error.js";

/**
 * A small Internet: r1 joins a server LAN (10.0.0.0/24: the root, the "example." TLD server, the
 * lab's ns1 and a recursive resolver) and a client LAN (10.0.1.0/24: h1, web1, mail).
 *
 *   .            (root, 10.0.0.2)  example. NS tld.example. (glue 10.0.0.3)
 *   example.     (tld,  10.0.0.3)  lab.example. NS ns1.lab.example. (glue 10.0.0.4); other.example. A
 *   lab.example. (ns1,  10.0.0.4)  web1, www CNAME web1, mail, MX, TXT, alias CNAME www.other.example.
 *   resolver     (10.0.0.53)       recursion from the root hint 10.0.0.2
 */
function internet() {
  const net = new Network({ seed: 11 });
  const r1 = net.addRouter("r1");
  net.addSwitch("servers");
  net.addSwitch("clients");
  net.connect("r1:eth0", "servers:p0", { rate: "1Gbit", delay: "1ms" });
  net.connect("r1:eth1", "clients:p0", { rate: "1Gbit", delay: "1ms" });
  r1.addAddress("eth0", "10.0.0.1/24").addAddress("eth1", "10.0.1.1/24");
  const host = (name: string, lan: "servers" | "clients", address: string) => {
    const node = net.addHost(name);
    net.connect(`${name}:eth0`, `${lan}:${name}`, { rate: "1Gbit", delay: "1ms" });
    node.addAddress("eth0", `${address}/24`);
    node.setGateway(lan === "servers" ? "10.0.0.1" : "10.0.1.1");
    return node;
  };
  const root = host("root", "servers", "10.0.0.2");
  const tld = host("tld", "servers", "10.0.0.3");
  const ns1 = host("ns1", "servers", "10.0.0.4");
  const resolver = host("resolver", "servers", "10.0.0.53");
  const h1 = host("h1", "clients", "10.0.1.100");
  host("web1", "clients", "10.0.1.10");

  const rootServer = new DnsServer(root, {
    zones: [
      {
        origin: ".",
        ttl: 86400,
        primary: "a.root-servers.net.",
        records: [
          { name: "example", type: "NS", value: "tld.example." },
          { name: "tld.example", type: "A", value: "10.0.0.3" },
          // A reverse zone delegated straight to ns1, without glue: the resolver must find ns1 first.
          { name: "1.0.10.in-addr.arpa", type: "NS", value: "ns1.lab.example." },
        ],
      },
    ],
  }).start();
  const tldServer = new DnsServer(tld, {
    zones: [
      {
        origin: "example",
        ttl: 86400,
        records: [
          { name: "lab", type: "NS", value: "ns1.lab" },
          { name: "ns1.lab", type: "A", value: "10.0.0.4" },
          { name: "tld", type: "A", value: "10.0.0.3" },
          { name: "www.other", type: "A", value: "192.0.2.80" },
        ],
      },
    ],
  }).start();
  const big = Array.from({ length: 12 }, (_, i) => ({
    name: "big",
    type: "TXT",
    value: `"${String(i).padStart(2, "0")} ${"x".repeat(80)}"`,
  }));
  const labServer = new DnsServer(ns1, {
    zones: [
      {
        origin: "lab.example",
        ttl: 300,
        negativeTtl: 60,
        records: [
          { name: "@", type: "NS", value: "ns1" },
          { name: "ns1", type: "A", value: "10.0.0.4" },
          { name: "web1", type: "A", value: "10.0.1.10" },
          { name: "www", type: "CNAME", value: "web1" },
          { name: "mail", type: "A", value: "10.0.1.25" },
          { name: "@", type: "MX", value: "10 mail" },
          { name: "@", type: "TXT", value: '"v=spf1 mx -all"' },
          { name: "alias", type: "CNAME", value: "www.other.example." },
          { name: "_http._tcp", type: "SRV", value: "0 5 80 web1" },
          ...big,
        ],
      },
      { origin: "1.0.10.in-addr.arpa", records: [{ name: "10", type: "PTR", value: "web1.lab.example." }] },
    ],
  }).start();
  const recursive = new DnsServer(resolver, { recursion: { rootHints: ["10.0.0.2"] } }).start();
  const conf = resolvConf(h1);
  conf.nameservers = [Ipv4Address.parse("10.0.0.53")];
  conf.search = ["lab.example"];
  return { net, h1, rootServer, tldServer, labServer, recursive };
}

test("dig @ns1: an authoritative answer with its CNAME, printed as dig prints it", async () => {
  const { net, h1 } = internet();
  const run = dig(h1, "@10.0.0.4 www.lab.example");
  net.runUntilDone(run);
  const { output, status, answers } = await run.result;
  assert.equal(status, "NOERROR");
  assert.deepEqual(answers.map(formatDnsRecord), [
    "www.lab.example.\t300\tIN\tCNAME\tweb1.lab.example.",
    "web1.lab.example.\t300\tIN\tA\t10.0.1.10",
  ]);
  const text = output.join("\n");
  assert.match(text, /^; <<>> DiG 9\.18-tinkernet <<>> @10\.0\.0\.4 www\.lab\.example$/m);
  assert.match(text, /^;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+$/m);
  assert.match(text, /^;; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1$/m);
  assert.match(text, /^;; WARNING: recursion requested but not available$/m);
  assert.match(text, /^; EDNS: version: 0, flags:; udp: 1232$/m);
  assert.match(text, /^;www\.lab\.example\.\t\tIN\tA$/m);
  assert.match(text, /^;; SERVER: 10\.0\.0\.4#53\(10\.0\.0\.4\) \(UDP\)$/m);
  assert.match(text, /^;; Query time: \d+ msec$/m);
  // +short prints only the data.
  const short = dig(h1, "@10.0.0.4 lab.example MX +short");
  net.runUntilDone(short);
  assert.deepEqual((await short.result).output, ["10 mail.lab.example."]);
});

test("the recursive resolver walks root → example. → lab.example., then answers from its cache", async () => {
  const { net, h1, recursive, rootServer, tldServer } = internet();
  const first = dig(h1, "web1.lab.example");
  net.runUntilDone(first);
  const one = await first.result;
  assert.equal(one.status, "NOERROR");
  assert.match(
    one.output.join("\n"),
    /^;; flags: qr rd ra; QUERY: 1, ANSWER: 1/m,
    "not authoritative, recursion available",
  );
  assert.deepEqual(one.answers.map(formatDnsRecord), ["web1.lab.example.\t300\tIN\tA\t10.0.1.10"]);
  assert.equal(recursive.resolver!.counters.queriesSent, 3, "root, TLD, lab");
  assert.equal(rootServer.counters.referrals, 1);
  assert.equal(tldServer.counters.referrals, 1);
  // 100 s later: from the cache, TTL counted down, no query sent.
  net.runFor(100 * SECOND);
  const again = dig(h1, "web1.lab.example");
  net.runUntilDone(again);
  assert.deepEqual((await again.result).answers.map(formatDnsRecord), [
    "web1.lab.example.\t200\tIN\tA\t10.0.1.10",
  ]);
  assert.equal(recursive.resolver!.counters.queriesSent, 3);
  // Another name in the same zone: the cached delegation sends the resolver straight to ns1.
  const mail = dig(h1, "mail.lab.example");
  net.runUntilDone(mail);
  assert.equal((await mail.result).answers.length, 1);
  assert.equal(recursive.resolver!.counters.queriesSent, 4);
  // After the TTL, the record is asked for again (at ns1 only: the NS records live a day).
  net.runFor(300 * SECOND);
  const later = dig(h1, "web1.lab.example");
  net.runUntilDone(later);
  assert.deepEqual((await later.result).answers.map(formatDnsRecord), [
    "web1.lab.example.\t300\tIN\tA\t10.0.1.10",
  ]);
  assert.equal(recursive.resolver!.counters.queriesSent, 5);
});

test("NXDOMAIN with the SOA in authority, cached for the negative TTL (RFC 2308)", async () => {
  const { net, h1, recursive } = internet();
  const run = dig(h1, "nope.lab.example");
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.status, "NXDOMAIN");
  const text = result.output.join("\n");
  assert.match(
    text,
    /;; AUTHORITY SECTION:\nlab\.example\.\t60\tIN\tSOA\tns1\.lab\.example\. hostmaster\.lab\.example\. 1 3600 600 604800 60/,
  );
  const sent = recursive.resolver!.counters.queriesSent;
  const cached = dig(h1, "nope.lab.example AAAA");
  net.runUntilDone(cached);
  assert.equal((await cached.result).status, "NXDOMAIN", "NXDOMAIN covers every type");
  assert.equal(recursive.resolver!.counters.queriesSent, sent);
  net.runFor(61 * SECOND);
  const expired = dig(h1, "nope.lab.example");
  net.runUntilDone(expired);
  assert.equal((await expired.result).status, "NXDOMAIN");
  assert.equal(recursive.resolver!.counters.queriesSent, sent + 1);
  // NODATA: the name exists, the type does not.
  const nodata = dig(h1, "web1.lab.example MX");
  net.runUntilDone(nodata);
  const nd = await nodata.result;
  assert.equal(nd.status, "NOERROR");
  assert.equal(nd.answers.length, 0);
  assert.match(nd.output.join("\n"), /ANSWER: 0, AUTHORITY: 1/);
});

test("a CNAME chain that leaves the zone is followed by the resolver", async () => {
  const { net, h1, labServer } = internet();
  const run = dig(h1, "alias.lab.example");
  net.runUntilDone(run);
  const result = await run.result;
  assert.deepEqual(result.answers.map(formatDnsRecord), [
    "alias.lab.example.\t300\tIN\tCNAME\twww.other.example.",
    "www.other.example.\t86400\tIN\tA\t192.0.2.80",
  ]);
  // Asked directly, the authoritative server gives just the chain it holds.
  const direct = dig(h1, "@10.0.0.4 alias.lab.example");
  net.runUntilDone(direct);
  assert.deepEqual(
    (await direct.result).answers.map((r) => r.type),
    [DnsType.CNAME],
  );
  assert.ok(labServer.counters.queries >= 2);
});

test("the stub resolver: search list, nslookup and resolveHost", async () => {
  const { net, h1 } = internet();
  assert.deepEqual(searchCandidates("web1", ["lab.example"], 1), ["web1.lab.example", "web1"]);
  assert.deepEqual(searchCandidates("a.b", ["lab.example"], 1), ["a.b", "a.b.lab.example"]);
  assert.deepEqual(searchCandidates("web1.", ["lab.example"], 1), ["web1"]);
  const run = nslookup(h1, "web1");
  net.runUntilDone(run);
  assert.deepEqual((await run.result).output, [
    "Server:\t\t10.0.0.53",
    "Address:\t10.0.0.53#53",
    "",
    "Non-authoritative answer:",
    "Name:\tweb1.lab.example",
    "Address: 10.0.1.10",
    "",
  ]);
  const missing = nslookup(h1, "nope");
  net.runUntilDone(missing);
  const missingOut = (await missing.result).output;
  assert.ok(missingOut.includes("** server can't find nope: NXDOMAIN"), missingOut.join("\n"));
  const reverse = nslookup(h1, "10.0.1.10");
  net.runUntilDone(reverse);
  const reverseOut = (await reverse.result).output;
  assert.ok(reverseOut.includes("10.1.0.10.in-addr.arpa\tname = web1.lab.example."), reverseOut.join("\n"));
  assert.equal((await net.waitFor(resolveHost(h1, "www"))).toString(), "10.0.1.10");
  assert.equal((await net.waitFor(resolveHost(h1, "10.9.8.7"))).toString(), "10.9.8.7");
  await assert.rejects(net.waitFor(resolveHost(h1, "nope")), /nope: Name or service not known/);
  const result = await net.waitFor(
    new Promise<StubResult>((resolve) => stubResolve(h1, "lab.example", DnsType.MX, resolve)),
  );
  assert.equal(result.rcode, DnsRcode.NoError);
  assert.equal(addressesOf(result).length, 0);
  assert.equal(result.answers[0].data.kind, "mx");
});

test("a truncated UDP answer is retried over TCP (RFC 7766)", async () => {
  const { net, h1, labServer } = internet();
  const run = dig(h1, "@10.0.0.4 big.lab.example TXT +noedns");
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.answers.length, 12);
  const text = result.output.join("\n");
  assert.match(text, /^;; Truncated, retrying in TCP mode\.$/m);
  assert.match(text, /^;; SERVER: 10\.0\.0\.4#53\(10\.0\.0\.4\) \(TCP\)$/m);
  assert.equal(labServer.counters.truncated, 1);
  assert.equal(labServer.counters.tcpQueries, 1);
  // With EDNS (1232 octets) it fits in one UDP datagram.
  const edns = dig(h1, "@10.0.0.4 big.lab.example TXT");
  net.runUntilDone(edns);
  assert.doesNotMatch((await edns.result).output.join("\n"), /Truncated/);
  // And through the recursive resolver, which itself falls back to TCP for the client without EDNS.
  const recursive = dig(h1, "big.lab.example TXT +noedns");
  net.runUntilDone(recursive);
  assert.equal((await recursive.result).answers.length, 12);
});

test("referrals, REFUSED, FORMERR, NOTIMP and reverse lookups", async () => {
  const { net, h1, rootServer } = internet();
  const referral = dig(h1, "@10.0.0.2 www.lab.example +norec");
  net.runUntilDone(referral);
  const r = await referral.result;
  assert.equal(r.status, "NOERROR");
  assert.match(r.output.join("\n"), /;; AUTHORITY SECTION:\nexample\.\t86400\tIN\tNS\ttld\.example\./);
  assert.match(r.output.join("\n"), /;; ADDITIONAL SECTION:\ntld\.example\.\t86400\tIN\tA\t10\.0\.0\.3/);
  assert.match(r.output.join("\n"), /;; flags: qr; /, "a referral is not authoritative");
  const refused = dig(h1, "@10.0.0.4 www.elsewhere.test");
  net.runUntilDone(refused);
  assert.equal((await refused.result).status, "REFUSED");
  const ptr = dig(h1, "@10.0.0.4 -x 10.0.1.10");
  net.runUntilDone(ptr);
  assert.deepEqual((await ptr.result).answers.map(formatDnsRecord), [
    "10.1.0.10.in-addr.arpa.\t300\tIN\tPTR\tweb1.lab.example.",
  ]);
  assert.equal(reverseName(Ipv4Address.parse("10.0.1.10")), "10.1.0.10.in-addr.arpa");
  // Raw messages: garbage after a header gets FORMERR; an UPDATE gets NOTIMP; two questions FORMERR.
  const socket = h1.udp.createSocket();
  const server = Ipv4Address.parse("10.0.0.2");
  const send = (bytes: Uint8Array) => socket.sendTo(bytes, 53, server);
  send(Uint8Array.of(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0));
  const update = dnsQuery(7, "example", DnsType.SOA);
  update.opcode = 5;
  send(encodeDns(update));
  const two = dnsQuery(8, "example", DnsType.SOA);
  two.questions.push(two.questions[0]);
  send(encodeDns(two));
  net.runFor(SECOND);
  const replies = [socket.receive(), socket.receive(), socket.receive()].map((m) => parseDns(m!.data));
  assert.ok(replies.every((m) => !isParseError(m)));
  const [formErr, notImp, twoQ] = replies as Exclude<(typeof replies)[number], { kind: "parse-error" }>[];
  assert.equal(formErr.id, 0x1234);
  assert.equal(formErr.rcode, DnsRcode.FormErr);
  assert.equal(notImp.rcode, DnsRcode.NotImp);
  assert.equal(twoQ.rcode, DnsRcode.FormErr);
  assert.equal(rootServer.counters.malformed, 1);
});

test("a dead authoritative server: the resolver times out and answers SERVFAIL", async () => {
  const { net, h1, labServer } = internet();
  labServer.stop();
  const run = dig(h1, "web1.lab.example");
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.status, "SERVFAIL");
  // The host's stub resolver then reports a temporary failure.
  await assert.rejects(net.waitFor(resolveHost(h1, "web1")), /Temporary failure in name resolution/);
});

test("a host with no name server configured: dig says so", async () => {
  const net = new Network();
  const h = net.addHost("lonely");
  const run = dig(h, "example.com");
  net.runUntilDone(run);
  assert.ok((await run.result).output.includes(";; no servers could be reached"));
});

test("zones: text records, wildcards, empty non-terminals, CNAME exclusivity", () => {
  const zone = new Zone({
    origin: "z.test",
    records: [
      { name: "*.dyn", type: "A", value: "192.0.2.9" },
      { name: "a.b.c", type: "A", value: "192.0.2.1" },
      { name: "host", type: "AAAA", value: "2001:db8::1" },
      { name: "raw", type: "TYPE65280", value: "\\# 2 abcd" },
    ],
  });
  const wild = zone.lookup("anything.dyn.z.test", DnsType.A);
  assert.equal(wild.kind, "answer");
  assert.equal(wild.kind === "answer" && wild.records[0].name, "anything.dyn.z.test");
  assert.equal(
    zone.lookup("b.c.z.test", DnsType.A).kind,
    "nodata",
    "an empty non-terminal exists (RFC 8020)",
  );
  assert.equal(zone.lookup("x.z.test", DnsType.A).kind, "nxdomain");
  assert.equal(zone.lookup("host.z.test", DnsType.AAAA).kind, "answer");
  assert.equal(zone.lookup("raw.z.test", 65280).kind, "answer");
  assert.throws(() => zone.addText({ name: "host", type: "CNAME", value: "x" }), /CNAME and other records/);
  assert.throws(() => zone.addText({ name: "bad", type: "A", value: "300.1.1.1" }), /IPv4 address/);
  assert.throws(() => zone.addText({ name: "bad", type: "MX", value: "mail" }), /preference exchange/);
  assert.throws(() => zone.addText({ name: "x", type: "HINFO", value: "a b" }), /RFC 3597/);
});

test("trace events: servers report each answer, the stub each lookup", async () => {
  const { net, h1 } = internet();
  const events: string[] = [];
  net.tracer.subscribe((event) => {
    if (event.type === "dns")
      events.push(`${event.node} ${event.role} ${event.name} ${event.qtype} ${event.rcode} ${event.detail}`);
  });
  await net.waitFor(resolveHost(h1, "web1"));
  assert.deepEqual(events, [
    "root server web1.lab.example A NOERROR referral",
    "tld server web1.lab.example A NOERROR referral",
    "ns1 server web1.lab.example A NOERROR authoritative",
    "resolver server web1.lab.example A NOERROR recursive",
    "h1 stub web1.lab.example A NOERROR 10.0.0.53",
  ]);
});

test("TCP: an idle connection is closed by the server after 30 s (RFC 7766 §6.2.3)", () => {
  const { net, h1 } = internet();
  const connection = h1.tcp.connect({ remote: Ipv4Address.parse("10.0.0.4"), port: 53 });
  let ended = false;
  connection.onEnd = () => {
    ended = true;
    connection.close();
  };
  net.runFor(29 * SECOND);
  assert.equal(ended, false);
  net.runFor(2 * SECOND);
  assert.equal(ended, true);
});
