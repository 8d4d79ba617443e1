/**
 * DNS benchmarks: `tinkernet bench dns`.
 *
 * - `dns-queries`: answers per second from the authoritative server — parse the query, look the
 *   name up in a 10,000-name zone, build and encode the response with name compression — for a
 *   rotating set of names (one in ten a CNAME, one in ten NXDOMAIN). The network is not involved:
 *   this is the server's own cost per query (target ≥ 100,000/s, issue #8).
 * - `dns-parse-response` / `dns-emit-response`: the wire format alone, on a response with an
 *   answer, two NS records and their glue (like dns_udp.pcap's).
 */
import { DnsServer } from "../src/apps/dns/server.js";
import { Zone } from "../src/apps/dns/zone.js";
import { Network } from "../src/devices/network.js";
import { Ipv4Address } from "../src/wire/address/ipv4.js";
import { type DnsRepr, DnsType, dnsQuery, ednsRecord, encodeDns, parseDns } from "../src/wire/dns.js";
import { opsPerSecond, type Report, round } from "./harness.js";

export function run(report: Report): void {
  const zone = new Zone({ origin: "bench.example" });
  for (let i = 0; i < 10_000; i++) {
    if (i % 10 === 5) zone.addText({ name: `h${i}`, type: "CNAME", value: `h${i - 1}` });
    else zone.addText({ name: `h${i}`, type: "A", value: new Ipv4Address(0x0a000000 + i).toString() });
  }
  const net = new Network();
  const server = new DnsServer(net.addHost("ns"), { zones: [zone] });
  const queries: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) {
    const name = i % 10 === 9 ? `missing${i}.bench.example` : `h${(i * 37) % 10_000}.bench.example`;
    const query = dnsQuery(i, name, DnsType.A);
    query.additionals.push(ednsRecord({ udpPayloadSize: 1232 }));
    queries.push(encodeDns(query));
  }
  let next = 0;
  let answered = 0;
  const reply = (response: Uint8Array | undefined) => {
    if (response) answered++;
  };
  const value = opsPerSecond(() => {
    server.handle(queries[next], reply, 512);
    next = (next + 1) % queries.length;
  });
  if (answered === 0) throw new Error("the server answered nothing");
  report({ suite: "dns", name: "dns-queries", value: round(value), unit: "answers/s", target: 100_000 });

  const response: DnsRepr = dnsQuery(0x5934, "www.tcpdump.org", DnsType.A);
  response.response = true;
  response.authoritative = true;
  const rr = (name: string, type: number, data: DnsRepr["answers"][number]["data"]) => ({
    name,
    type,
    class: 1,
    ttl: 300,
    data,
  });
  response.answers.push(
    rr("www.tcpdump.org", DnsType.A, { kind: "a", address: Ipv4Address.parse("192.139.46.66") }),
  );
  response.authorities.push(
    rr("tcpdump.org", DnsType.NS, { kind: "name", name: "sns.cooperix.net" }),
    rr("tcpdump.org", DnsType.NS, { kind: "name", name: "nic.sandelman.ca" }),
  );
  response.additionals.push(
    rr("sns.cooperix.net", DnsType.A, { kind: "a", address: Ipv4Address.parse("97.107.133.15") }),
    rr("nic.sandelman.ca", DnsType.A, { kind: "a", address: Ipv4Address.parse("209.87.249.18") }),
    ednsRecord({ udpPayloadSize: 4096 }),
  );
  const bytes = encodeDns(response);
  report({
    suite: "dns",
    name: "dns-parse-response",
    value: round(opsPerSecond(() => parseDns(bytes))),
    unit: "msg/s",
  });
  report({
    suite: "dns",
    name: "dns-emit-response",
    value: round(opsPerSecond(() => encodeDns(response))),
    unit: "msg/s",
  });
}
