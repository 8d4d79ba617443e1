/**
 * IPv6 from topology files: explicit addresses, `ipv6-ra` and `gateway6`, automatic IPv6
 * addressing (`ipv6: auto`), and the shell's IPv6 commands (ping -6 and traceroute -6 to node
 * names, ip -6 route, show ipv6 route).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesService } from "../../src/apps/http/bytes-service.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { SECOND } from "../../src/sim/time.js";
import type { NetSocket } from "../../src/socket/net.js";
import { loadTopology } from "../../src/topology/loader.js";
import { labShell } from "../support/lab-shell.js";

function lab(yaml: string, options: { services?: boolean } = {}) {
  const { run, network, lab: built } = labShell(yaml, { seed: 5, services: options.services });
  return { run, network, notes: built.notes };
}

test("explicit IPv6: addresses, a router advertising with ipv6-ra, a static gateway6 and IPv6 routes", async () => {
  const { run, network } = lab(`name: v6
topology:
  nodes:
    pc:
      kind: host
      ipv6: true
    srv:
      kind: server
      interfaces: {eth0: {ipv6: 2001:db8:2::80/64}}
      gateway6: 2001:db8:2::1
    r1:
      kind: router
      interfaces:
        eth0: {ipv6: 2001:db8:1::1/64, ipv6-ra: true}
        eth1: {ipv6: 2001:db8:12::1/64}
      routes: [{to: 2001:db8:2::/64, via: 2001:db8:12::2}]
    r2:
      kind: router
      interfaces:
        eth0: {ipv6: 2001:db8:12::2/64}
        eth1: {ipv6: 2001:db8:2::1/64}
      routes: [{to: 2001:db8:1::/64, via: 2001:db8:12::1}]
  links:
    - endpoints: [pc:eth0, r1:eth0]
    - endpoints: [r1:eth1, r2:eth0]
    - endpoints: [r2:eth1, srv:eth0]
`);
  network.runFor(10 * SECOND);
  const pc = network.node("pc");
  assert.ok(pc.primaryIpv6Address?.toString().startsWith("2001:db8:1::"), "pc configured itself by SLAAC");
  const ping = await run("pc ping -6 -c 2 2001:db8:2::80");
  assert.equal(ping.status, 0, ping.out + ping.err);
  assert.match(ping.out, /^PING 2001:db8:2::80\(2001:db8:2::80\) 56 data bytes$/m);
  assert.match(ping.out, /2 packets transmitted, 2 received/);
  const route = await run("pc ip -6 route");
  assert.match(
    route.out,
    /^default via fe80::[0-9a-f:]+ dev eth0 proto ra metric 1024 expires \d+sec pref medium$/m,
  );
  const show = await run("r1 show ipv6 route");
  assert.match(show.out, /^S>\* 2001:db8:2::\/64 \[1\/0\] via 2001:db8:12::2, eth1/m);
  const trace = await run("pc traceroute -6 -n -q 1 srv");
  assert.equal(trace.status, 0, trace.out + trace.err);
  assert.match(trace.out, /^ 3 {2}2001:db8:2::80 {2}[\d.]+ ms$/m);
});

test("ipv6: auto gives every link a /64, routers their addresses, advertisements and routes; hosts use SLAAC", async () => {
  const { run, network, notes } = lab(`name: auto6
topology:
  defaults: {ipv6: auto}
  nodes:
    h1: {kind: host}
    h2: {kind: host}
    r1: {kind: router}
    r2: {kind: router}
  links:
    - endpoints: [h1:eth0, r1:eth0]
    - endpoints: [r1:eth1, r2:eth0]
    - endpoints: [r2:eth1, h2:eth0]
`);
  assert.ok(
    notes.some((n) => /^r1:eth0 2001:db8:1::1\/64 \(auto\)$/.test(n)),
    notes.join("\n"),
  );
  assert.ok(
    notes.some((n) => /^r1:eth0 advertises 2001:db8:1::\/64 \(ipv6-ra, auto\)$/.test(n)),
    notes.join("\n"),
  );
  assert.ok(
    notes.some((n) => /^r1 route 2001:db8:2::\/64 via 2001:db8:ff:1::2 \(auto\)$/.test(n)),
    notes.join("\n"),
  );
  network.runFor(10 * SECOND);
  const ping = await run("h1 ping -6 -c 1 h2");
  assert.equal(ping.status, 0, ping.out + ping.err);
  assert.match(ping.out, /ttl=62/);
  // IPv4 was assigned as usual, side by side.
  const ping4 = await run("h1 ping -c 1 h2");
  assert.equal(ping4.status, 0, ping4.out + ping4.err);
});

test("the loader refuses ipv6-ra on a host and accepts ipv6 on defaults even with switches", () => {
  const { errors } = loadTopology(
    `name: bad
topology:
  defaults: {ipv6: true}
  nodes:
    h: {kind: host, interfaces: {eth0: {ipv6-ra: true}}}
    s: {kind: switch}
  links:
    - endpoints: [h:eth0, s:p1]
`,
    "bad.yml",
  );
  assert.equal(errors.length, 1);
  assert.match(
    errors[0].toString(),
    /"ipv6-ra" of interface "eth0" of node "h": router advertisements come from routers/,
  );
});

test("an IPv6-only phone (ipv4: false) reaches an IPv4-only web server by name: nat64 and dns64 keys, RDNSS from the router", async () => {
  const { run, network, notes } = lab(
    `name: phone
topology:
  nodes:
    phone: {kind: host, ipv4: false, ipv6: auto}
    r1:
      kind: router
      ipv6: auto
      nat64: true
      dns-server:
        dns64: true
        zones: [{origin: example.com}]
    isp:
      kind: router
      interfaces: {eth1: {ipv4: 198.51.100.1/24}}
    web:
      kind: server
      interfaces: {eth0: {ipv4: 198.51.100.80/24}}
  links:
    - endpoints: [phone:eth0, r1:eth0]
    - endpoints: [r1:eth1, isp:eth0]
    - endpoints: [isp:eth1, web:eth0]
`,
    { services: true },
  );
  // The phone's link is IPv6-only (its only host has ipv4: false): no IPv4 subnet there, not even
  // for the router, and its /64 comes from the spare range (there is no 10.0.N.0/24 beside it).
  assert.ok(!notes.some((n) => / 10\./.test(n) && /^(phone|r1):eth0 /.test(n)), notes.join("\n"));
  assert.ok(notes.includes("r1:eth0 2001:db8:100::1/64 (auto)"), notes.join("\n"));
  network
    .node("web")
    .net.createServer((s: NetSocket) => serveHttpConnection(s, bytesService))
    .listen(80, "0.0.0.0");
  network.runFor(5 * SECOND);
  const addr = await run("phone ip addr");
  assert.doesNotMatch(addr.out, /^ {4}inet (?!127\.)/m);
  assert.match(addr.out, /inet6 2001:db8:100::[0-9a-f:]+\/64 scope global dynamic/);
  const dig = await run("phone dig +short web.example.com AAAA");
  assert.equal(dig.out, "64:ff9b::c633:6450\n");
  const ping = await run("phone ping -c 1 web.example.com");
  assert.equal(ping.status, 0, ping.out + ping.err);
  assert.match(ping.out, /^64 bytes from 64:ff9b::c633:6450: icmp_seq=1 ttl=62/m);
  const curl = await run(
    "phone curl -s -w '%{http_code} %{remote_ip}' -o /dev/null http://web.example.com/bytes/5000",
  );
  assert.equal(curl.out, "200 64:ff9b::c633:6450", curl.err);
  // A private IPv4 name (r1's own, 10.x) gets no well-known-prefix address.
  assert.equal((await run("phone dig +short r1.example.com AAAA")).out, "");
});

test("a command on an IPv6-only host at start waits for its SLAAC address (router advertisement and DAD), then runs", async () => {
  const { run, network } = lab(
    `name: slaac
topology:
  nodes:
    phone: {kind: host, ipv4: false}
    r1:
      kind: router
      interfaces: {eth0: {ipv6: 2001:db8:7::1/64, ipv6-ra: true}}
  links:
    - endpoints: [phone:eth0, r1:eth0]
`,
  );
  const phone = network.node("phone");
  const address = () => phone.primaryIpv6Address?.toString();
  assert.equal(network.scheduler.now, 0);
  assert.equal(address(), undefined);
  const ping = await run("phone ping -6 -c 1 2001:db8:7::1");
  assert.equal(ping.status, 0, ping.out + ping.err);
  // The router's link-local DAD, its advertisement and the phone's own DAD took some seconds.
  assert.ok(network.scheduler.now > SECOND, `${network.scheduler.now}`);
  assert.match(address() ?? "", /^2001:db8:7::/);
  // A router (or a host with IPv4) never waits: it runs at once.
  const before = network.scheduler.now;
  assert.equal((await run("r1 ip -6 route")).status, 0);
  assert.equal(network.scheduler.now, before);
});

test("the loader checks nat64 (routers only, a /96 prefix), dns64 and ipv4: false", () => {
  const { errors } = loadTopology(
    `name: bad
topology:
  nodes:
    h: {kind: host, nat64: true, ipv4: false, interfaces: {eth0: {ipv4: 10.0.0.1/24}}}
    r: {kind: router, nat64: {prefix: "64:ff9b::/64"}, dns-server: {dns64: "2001:db8::/32"}}
  links:
    - endpoints: [h:eth0, r:eth0]
`,
    "bad.yml",
  );
  assert.deepEqual(errors.map((e) => e.toString().replace(/^bad\.yml:\d+:\d+: /, "")).sort(), [
    '"dns64" of node "r": NAT64 prefix 2001:db8::/32: only /96 prefixes are supported (RFC 6052 §2.2)',
    '"nat64" of node "h": NAT64 runs on routers, but "h" is a host',
    '"nat64" of node "r": NAT64 prefix 64:ff9b::/64: only /96 prefixes are supported (RFC 6052 §2.2)',
    'node "h" has "ipv4: false", but its interface "eth0" has IPv4 (ipv4 or dhcp)',
  ]);
});

test("the shell's httpd serves both families: curl -6 by node name, a bracketed literal, and IPv4 alike", async () => {
  const { run, network } = lab(
    `name: dual
topology:
  defaults: {ipv6: auto}
  nodes:
    h1: {kind: host}
    h2: {kind: server}
    r1: {kind: router}
  links:
    - endpoints: [h1:eth0, r1:eth0]
    - endpoints: [r1:eth1, h2:eth0]
`,
  );
  network.runFor(5 * SECOND);
  assert.equal((await run("h2 httpd")).status, 0);
  const six = await run(
    "h1 curl -6 -s -o /dev/null -w '%{http_code} %{remote_ip} %{size_download}' http://h2/bytes/5000",
  );
  assert.equal(six.status, 0, six.err);
  const address = network.node("h2").primaryIpv6Address!.toString();
  assert.equal(six.out, `200 ${address} 5000`);
  const literal = await run(
    `h1 curl -s -o /dev/null -w '%{http_code} %{remote_ip}' http://[${address}]:80/bytes/10`,
  );
  assert.equal(literal.out, `200 ${address}`, literal.err);
  const four = await run("h1 curl -s -o /dev/null -w '%{http_code} %{remote_ip}' http://h2/bytes/10");
  assert.equal(four.out, "200 10.0.2.10", four.err);
});

test("ipv6: false keeps a node IPv4-only when the defaults say auto; with ipv4: false too it is an error", async () => {
  const { network, notes } = lab(
    `name: mixed
topology:
  defaults: {ipv6: auto}
  nodes:
    h1: {kind: host}
    old: {kind: host, ipv6: false}
    r1: {kind: router}
    s1: {kind: switch}
  links:
    - endpoints: [h1:eth0, s1:eth1]
    - endpoints: [old:eth0, s1:eth2]
    - endpoints: [s1:eth0, r1:eth0]
`,
  );
  network.runFor(5 * SECOND);
  assert.ok(network.node("h1").primaryIpv6Address, "h1 configured itself (SLAAC)");
  assert.equal(network.node("old").hasIpv6, false);
  assert.equal(network.node("old").primaryIpv6Address, undefined);
  assert.ok(
    notes.some((n) => n.startsWith("old:eth0 10.")),
    notes.join("\n"),
  );
  assert.ok(!notes.some((n) => n.startsWith("old:") && n.includes("2001:")), notes.join("\n"));

  const { errors } = loadTopology(
    "name: none\ntopology:\n  nodes:\n    h: {kind: host, ipv4: false, ipv6: false}\n",
    "none.yml",
  );
  assert.deepEqual(
    errors.map((e) => e.toString().replace(/^none\.yml:\d+:\d+: (error: )?/, "")),
    ['node "h" has "ipv4: false" and "ipv6: false": it needs one of them'],
  );
});

test("on an IPv6-only LAN a node name stands for its IPv6 address (as an AAAA-only name would); banners name it too", async () => {
  const { run, network } = lab(
    `name: v6
topology:
  nodes:
    h1: {kind: host, ipv4: false}
    h2: {kind: server, ipv4: false}
    r1: {kind: router, interfaces: {eth0: {ipv6: 2001:db8:5::1/64, ipv6-ra: true}}}
    s1: {kind: switch}
  links:
    - endpoints: [h1:eth0, s1:eth1]
    - endpoints: [h2:eth0, s1:eth2]
    - endpoints: [r1:eth0, s1:eth0]
`,
  );
  const httpd = await run("h2 httpd");
  const h2 = network.node("h2").primaryIpv6Address!.toString();
  assert.match(h2, /^2001:db8:5::/);
  assert.equal(httpd.out, `[1] Serving HTTP on ${h2} port 80 (http://[${h2}]/) ...\n`);
  const curl = await run("h1 curl -s -o /dev/null -w '%{http_code} %{remote_ip}' http://h2/bytes/10");
  assert.equal(curl.out, `200 ${h2}`, curl.err);
  const ping = await run("h1 ping -c 1 h2");
  assert.equal(ping.status, 0, ping.err);
  assert.match(ping.out, new RegExp(`^64 bytes from ${h2}: icmp_seq=1 `, "m"));
  assert.equal((await run("h2 nc -l 9000")).out, `[2] listening on ${h2} port 9000 (tcp)\n`);
  // -4 still asks for IPv4, which h2 does not have.
  const four = await run("h1 ping -4 -c 1 h2");
  assert.equal(four.status, 2);
  assert.match(four.err, /h2 has no IPv4 address yet/);
});
