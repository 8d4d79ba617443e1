import assert from "node:assert/strict";
import { test } from "node:test";
import { assignAddresses } from "../../src/topology/addressing.js";
import { loadTopology, parseLeaseTime } from "../../src/topology/loader.js";
import { usesDhcp } from "../../src/topology/model.js";

const home = `name: home
topology:
  defaults: {kind: host}
  nodes:
    r1:
      kind: router
      interfaces:
        eth0: {ipv4: 192.168.1.1/24}
        eth1: {ipv4: 198.51.100.2/24}
      dhcp-server:
        pool: 192.168.1.100-192.168.1.199
        dns: 198.51.100.53
        domain: home.example
        lease: 12h
        static:
          - {mac: "02:00:00:00:00:42", address: 192.168.1.42, name: printer}
    ns:
      kind: server
      interfaces: {eth0: {ipv4: 198.51.100.53/24}}
      gateway: 198.51.100.2
      dns-server:
        recursion: true
        forwarders: [198.51.100.99]
        zones:
          - origin: home.example
            ttl: 600
            records:
              - {name: www, type: CNAME, value: nas}
              - {name: "@", type: MX, value: "10 mail"}
              - {name: txt, type: TXT, value: '"hello world"'}
          - {origin: 1.168.192.in-addr.arpa, hosts: true}
    laptop: {dhcp: true, dns-search: [home.example]}
    phone:
      interfaces: {wlan0: {dhcp: true}}
    s1: {kind: switch}
  links:
    - endpoints: [r1:eth0, s1:p0]
    - endpoints: [laptop:eth0, s1:p1]
    - endpoints: [phone:wlan0, s1:p2]
    - endpoints: [r1:eth1, ns:eth0]
`;

function problems(text: string): string[] {
  const result = loadTopology(text, "lab.yml");
  assert.equal(result.topology, undefined, "expected errors");
  return result.errors.map((e) => `${e.location.line}:${e.location.column}: ${e.message}`);
}

test("dhcp, dhcp-server, dns-server and dns-search load into the model", () => {
  const { topology, errors } = loadTopology(home, "home.yml");
  assert.deepEqual(errors, []);
  assert.ok(topology);
  const r1 = topology.nodes.get("r1")!;
  const [pool] = r1.dhcpServer!.pools;
  assert.equal(pool.first.toString(), "192.168.1.100");
  assert.equal(pool.last.toString(), "192.168.1.199");
  assert.deepEqual(pool.dns?.map(String), ["198.51.100.53"]);
  assert.equal(pool.router, undefined, "router defaults to the serving interface, resolved when started");
  assert.equal(pool.domain, "home.example");
  assert.equal(pool.leaseTime, 12 * 3600);
  assert.deepEqual(
    pool.static.map((s) => [s.mac, String(s.address), s.name]),
    [["02:00:00:00:00:42", "192.168.1.42", "printer"]],
  );
  const ns = topology.nodes.get("ns")!;
  assert.equal(ns.dnsServer!.recursion, true);
  assert.deepEqual(ns.dnsServer!.forwarders.map(String), ["198.51.100.99"]);
  assert.deepEqual(
    ns.dnsServer!.zones.map((z) => [z.origin, z.hosts, z.records.length, z.ttl]),
    [
      ["home.example", true, 3, 600],
      ["1.168.192.in-addr.arpa", true, 0, undefined],
    ],
  );
  const laptop = topology.nodes.get("laptop")!;
  assert.equal(laptop.dhcp, true);
  assert.deepEqual(laptop.resolver, { servers: [], search: ["home.example"] });
  const phone = topology.nodes.get("phone")!;
  assert.equal(phone.interfaces.get("wlan0")!.dhcp, true);
  assert.ok(usesDhcp(phone, phone.interfaces.get("wlan0")!));
});

test("automatic addressing leaves DHCP interfaces and their gateways to DHCP", () => {
  const text = home.replace("eth0: {ipv4: 192.168.1.1/24}", "eth0: {}");
  const { topology, errors } = loadTopology(text, "home.yml");
  assert.deepEqual(errors, []);
  const { notes } = assignAddresses(topology!);
  const r1 = topology!.nodes.get("r1")!;
  // The router's LAN address comes from the subnet around its pool, so pool and interface agree.
  assert.equal(r1.interfaces.get("eth0")!.ipv4[0].toString(), "192.168.1.1/24");
  const laptop = topology!.nodes.get("laptop")!;
  assert.deepEqual(laptop.interfaces.get("eth0")!.ipv4, []);
  assert.equal(laptop.gateway, undefined);
  assert.equal(topology!.nodes.get("phone")!.interfaces.get("wlan0")!.ipv4.length, 0);
  assert.ok(!notes.some((n) => n.startsWith("laptop") || n.startsWith("phone")), notes.join("\n"));
});

test("mistakes are located: bad pools, leases, statics, records, and dhcp where it cannot be", () => {
  const cases: [string, string, string][] = [
    [
      "pool: 192.168.1.100-192.168.1.199",
      "pool: 192.168.1.199-192.168.1.100",
      '11:15: "pool" of node "r1": 192.168.1.100 comes before 192.168.1.199; write the lower address first',
    ],
    [
      "pool: 192.168.1.100-192.168.1.199",
      "pool: 192.168.1.100-192.168.1.300",
      '11:15: "pool" of node "r1": expected first-last such as 192.168.1.100-192.168.1.199, found "192.168.1.100-192.168.1.300"',
    ],
    [
      "lease: 12h",
      "lease: 12y",
      '14:16: "dhcp-server" of node "r1": expected lease time, e.g. 1d, 12h, 30m or 3600 (seconds), found string "12y"',
    ],
    [
      'mac: "02:00:00:00:00:42"',
      'mac: "02:00:00:00:00"',
      '16:19: "static" of node "r1": expected a MAC address such as 02:00:00:00:01:01, found "02:00:00:00:00"',
    ],
    [
      "value: nas}",
      "value: nas, ttl: -1}",
      '28:59: "dns-server" of node "ns": must be >= 0, found number -1',
    ],
    [
      'value: "10 mail"',
      "value: mail",
      '29:46: record #2 of zone home.example on node "ns": MX expects "preference exchange", found "mail"',
    ],
    [
      "type: CNAME",
      "type: CNAMEE",
      '28:35: record #1 of zone home.example on node "ns": unknown type "CNAMEE" (A, AAAA, CNAME, MX, NS, PTR, SRV, TXT, SOA or TYPEnnn)',
    ],
    [
      "wlan0: {dhcp: true}",
      "wlan0: {dhcp: true, ipv4: 10.0.0.5/24}",
      '34:34: interface "wlan0" of node "phone": an address comes from "ipv4" or from "dhcp: true", not both',
    ],
    [
      "laptop: {dhcp: true,",
      "laptop: {dhcp: true, gateway: 192.168.1.1,",
      '32:35: node "laptop" gets its default gateway by DHCP: drop "gateway", or give the interface an address instead of "dhcp"',
    ],
    [
      "s1: {kind: switch}",
      "s1: {kind: switch, dhcp: true}",
      '35:30: "dhcp" of node "s1": a switch has no address to get',
    ],
    [
      "forwarders: [198.51.100.99]",
      "forwarders: [ns.example]",
      '23:22: "forwarders" of node "ns": expected an IPv4 address such as 192.0.2.53, found "ns.example"',
    ],
  ];
  for (const [from, to, expected] of cases)
    assert.deepEqual(problems(home.replace(from, to)), [expected], to);
  assert.match(
    problems(home.replace("dns-search: [home.example]", "dns-serch: [home.example]"))[0],
    /^32:26: unknown key "dns-serch" in node "laptop" \(did you mean "dns-search"\?\)/,
  );
});

test("lease times: units and seconds", () => {
  assert.equal(parseLeaseTime("1d"), 86400);
  assert.equal(parseLeaseTime("2w"), 1209600);
  assert.equal(parseLeaseTime("90m"), 5400);
  assert.equal(parseLeaseTime("45 s"), 45);
  assert.equal(parseLeaseTime(3600), 3600);
  assert.equal(parseLeaseTime("0"), undefined);
  assert.equal(parseLeaseTime("1y"), undefined);
  assert.equal(parseLeaseTime(1.5), undefined);
});

test("dns-zone is shorthand for one zone of dns-server", () => {
  const text = `name: z
topology:
  nodes:
    web:
      kind: server
      dns-zone:
        origin: example.net
        records:
          - {name: www, type: A, value: 198.51.100.80}
`;
  const { topology, errors } = loadTopology(text);
  assert.deepEqual(errors, []);
  const server = topology!.nodes.get("web")!.dnsServer!;
  assert.deepEqual(
    server.zones.map((z) => z.origin),
    ["example.net"],
  );
  assert.equal(server.recursion, false);
});
