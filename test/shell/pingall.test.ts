/**
 * `pingall` where a NAT stands between hosts: the pairs from outside into the NAT's inside are not
 * tried (they cannot work by design: private addresses nobody outside routes to), they show as
 * NAME(NAT) and are counted on a line of their own; `--all` tries them anyway and counts their
 * loss. IPv6-only hosts are left out, with a note. And the reach computation on its own: which
 * nodes a NAT's configuration puts behind it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { natBetween, natInsides } from "../../src/shell/nat-reach.js";
import { labShell } from "../support/lab-shell.js";

function lab(yaml: string) {
  return labShell(yaml, { seed: 3 });
}

/** A home behind a NAT (two hosts on a switch), an ISP router, a server, and an IPv6-only phone. */
const HOME = `name: home
topology:
  nodes:
    a: {kind: host, interfaces: {eth0: {ipv4: 192.168.1.10/24}}, gateway: 192.168.1.1}
    b: {kind: host, interfaces: {eth0: {ipv4: 192.168.1.11/24}}, gateway: 192.168.1.1}
    sw: {kind: switch}
    home:
      kind: nat
      interfaces: {eth0: {ipv4: 192.168.1.1/24}, eth1: {ipv4: 198.51.100.2/30}}
      routes: [{to: default, via: 198.51.100.1}]
    isp:
      kind: router
      interfaces:
        eth0: {ipv4: 198.51.100.1/30}
        eth1: {ipv4: 203.0.113.1/24}
        eth2: {ipv6: 2001:db8:9::1/64, ipv6-ra: true}
    web: {kind: server, interfaces: {eth0: {ipv4: 203.0.113.10/24}}, gateway: 203.0.113.1}
    phone: {kind: host, ipv4: false}
  links:
    - endpoints: [a:eth0, sw:eth1]
    - endpoints: [b:eth0, sw:eth2]
    - endpoints: [sw:eth0, home:eth0]
    - endpoints: [home:eth1, isp:eth0]
    - endpoints: [isp:eth1, web:eth0]
    - endpoints: [isp:eth2, phone:eth0]
`;

test("natInsides: the nodes a NAT's inside interfaces lead to, without crossing it", () => {
  const { network } = lab(HOME);
  const insides = natInsides(network);
  assert.deepEqual(
    insides.map((i) => [i.nat, [...i.nodes].sort()]),
    [["home", ["a", "b", "sw"]]],
  );
  assert.equal(natBetween(insides, "web", "a"), "home");
  assert.equal(natBetween(insides, "isp", "b"), "home");
  assert.equal(natBetween(insides, "a", "b"), undefined, "both inside");
  assert.equal(natBetween(insides, "a", "web"), undefined, "outward is what a NAT is for");
  assert.equal(natBetween(insides, "home", "a"), undefined, "the NAT itself is on both sides");
});

test("natInsides: an inside with another way out (a second uplink around the NAT) is behind nothing", () => {
  const { network } = lab(
    HOME.replace(
      "    - endpoints: [isp:eth2, phone:eth0]",
      "    - endpoints: [isp:eth2, phone:eth0]\n    - endpoints: [sw:eth3, isp:eth3]",
    ).replace(
      "        eth2: {ipv6: 2001:db8:9::1/64, ipv6-ra: true}",
      "        eth2: {ipv6: 2001:db8:9::1/64, ipv6-ra: true}\n        eth3: {ipv4: 192.168.1.254/24}",
    ),
  );
  assert.deepEqual(natInsides(network), []);
});

test("natInsides: only the interfaces the NAT calls inside lead behind it", () => {
  // eth2 is neither inside nor outside: the host there is not hidden (the NAT just routes for it).
  const { network } = lab(`name: parts
topology:
  nodes:
    in: {kind: host, interfaces: {eth0: {ipv4: 192.168.1.10/24}}, gateway: 192.168.1.1}
    dmz: {kind: host, interfaces: {eth0: {ipv4: 203.0.113.66/26}}, gateway: 203.0.113.65}
    out: {kind: host, interfaces: {eth0: {ipv4: 198.51.100.1/30}}}
    gw:
      kind: router
      interfaces:
        eth0: {ipv4: 192.168.1.1/24}
        eth1: {ipv4: 198.51.100.2/30}
        eth2: {ipv4: 203.0.113.65/26}
      nat: {outside: eth1, inside: [eth0]}
  links:
    - endpoints: [in:eth0, gw:eth0]
    - endpoints: [gw:eth1, out:eth0]
    - endpoints: [gw:eth2, dmz:eth0]
`);
  assert.deepEqual(
    natInsides(network).map((i) => [i.nat, [...i.nodes]]),
    [["gw", ["in"]]],
  );
});

test("pingall leaves out the pairs into the NATed home (NAME(NAT)), says so, and succeeds; --all tries them and fails", async () => {
  const { run } = lab(HOME);
  const result = await run("pingall");
  assert.equal(result.status, 0, result.out + result.err);
  assert.equal(
    result.out,
    [
      "*** Ping: testing ping reachability",
      "a -> b web",
      "b -> a web",
      "web -> a(NAT) b(NAT)",
      "*** Results: 0% dropped (4/4 received)",
      "*** Not tried: 2 of 6 pairs: a, b are behind home's NAT, which lets nobody outside start a conversation in (pingall --all tries them)",
      "*** Left out: phone (IPv6 only; pingall pings over IPv4, pingall -6 over IPv6)",
      "",
    ].join("\n"),
  );
  const data = result.data as { matrix: Record<string, Record<string, boolean | null>>; notTried: number };
  assert.equal(data.matrix.web.a, null);
  assert.equal(data.matrix.a.web, true);
  assert.equal(data.notTried, 2);

  const everything = await run("pingall --all -W 1");
  assert.equal(everything.status, 1);
  assert.match(everything.out, /^web -> X X$/m);
  assert.match(everything.out, /^\*\*\* Results: 33% dropped \(4\/6 received\)$/m);
  assert.doesNotMatch(everything.out, /Not tried/);
  assert.match(everything.out, /^\*\*\* Left out: phone /m);
  // -a is the short form.
  assert.equal((await run("pingall -a -W 1")).status, 1);
});

test("pingall still reports real losses beside the pairs it does not try", async () => {
  const { run } = lab(HOME);
  await run("link isp web down");
  const result = await run("pingall -W 1");
  assert.equal(result.status, 1);
  assert.match(result.out, /^a -> b X$/m);
  assert.match(result.out, /^web -> a\(NAT\) b\(NAT\)$/m);
  assert.match(result.out, /^\*\*\* Results: 50% dropped \(2\/4 received\)$/m);
  assert.match(result.out, /^\*\*\* Not tried: 2 of 6 pairs/m);
});

test("pingall -6 pings over IPv6: no NAT in the way, IPv4-only hosts left out; an IPv6-only host is waited for", async () => {
  const dual = lab(`name: dual
topology:
  defaults: {ipv6: auto}
  nodes:
    h1: {kind: host}
    h2: {kind: server}
    v4: {kind: host, ipv6: false}
    r1: {kind: router}
    s1: {kind: switch}
  links:
    - endpoints: [h1:eth0, s1:eth1]
    - endpoints: [v4:eth0, s1:eth2]
    - endpoints: [s1:eth0, r1:eth0]
    - endpoints: [r1:eth1, h2:eth0]
`);
  dual.network.runFor(5_000_000_000);
  const six = await dual.run("pingall -6");
  assert.equal(six.status, 0, six.out + six.err);
  assert.equal(
    six.out,
    [
      "*** Ping: testing ping reachability",
      "h1 -> h2",
      "h2 -> h1",
      "*** Results: 0% dropped (2/2 received)",
      "*** Left out: v4 (IPv4 only; pingall -6 pings over IPv6)",
      "",
    ].join("\n"),
  );
  // Over IPv4 the same hosts, v4 among them.
  assert.match((await dual.run("pingall")).out, /^\*\*\* Results: 0% dropped \(6\/6 received\)$/m);

  // The home's NAT does not matter over IPv6; the phone (IPv6 only, no address yet at time 0) is
  // waited for, and with fewer than two IPv6 hosts the routers with an IPv6 address join in.
  const home = lab(HOME);
  const result = await home.run("pingall -6");
  assert.equal(result.status, 0, result.out + result.err);
  assert.match(result.out, /^isp -> phone$/m);
  assert.match(result.out, /^phone -> isp$/m);
  assert.match(result.out, /^\*\*\* Left out: a, b, web \(IPv4 only; pingall -6 pings over IPv6\)$/m);
  assert.doesNotMatch(result.out, /NAT/);
});
