/**
 * The topology builder: files become running networks (kinds, interfaces, addresses, routes,
 * impairments, VLAN ports), and what cannot be applied comes back located in the file.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Host } from "../../src/devices/host.js";
import type { Network } from "../../src/devices/network.js";
import { Router } from "../../src/devices/router.js";
import { MILLISECOND, SECOND } from "../../src/sim/time.js";
import { buildNetwork } from "../../src/topology/build.js";
import { loadTopology } from "../../src/topology/loader.js";

function build(text: string, options: Parameters<typeof buildNetwork>[1] = {}) {
  const { topology, errors } = loadTopology(text, "lab.yml");
  assert.deepEqual(errors.map(String), [], "the file loads");
  return buildNetwork(topology!, options);
}

function built(text: string) {
  const { lab, errors } = build(text);
  assert.deepEqual(errors.map(String), [], "the lab builds");
  return lab!;
}

/** Pings twice (the first waits for ARP) and returns the last round trip in ms. */
async function pingRtt(network: Network, from: string, to: string): Promise<number | undefined> {
  const run = ping(network.node(from), to, { count: 2, interval: SECOND, timeout: 2 * SECOND });
  network.runUntilDone(run, 30 * SECOND);
  const result = await run.result;
  return result.replies.filter((reply) => !reply.duplicate).at(-1)?.rtt;
}

test("kinds, interfaces, addresses, gateways, routes and impairments become a running network", async () => {
  const lab = built(`name: kinds
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.0.1.10/24, mac: "02:aa:00:00:00:01", mtu: 1400}}, gateway: 10.0.1.1}
    web: {kind: server, interfaces: {eth0: {ipv4: 10.0.2.80/24}}, gateway: 10.0.2.1, exec: ["httpd 8080", "ip route"]}
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.1.1/24}, eth1: {ipv4: 10.0.2.1/24}, eth9: {ipv4: 10.9.9.1/24}}
      routes: [{to: 10.50.0.0/16, via: 10.0.2.80, distance: 5}]
    s1: {kind: switch}
  links:
    - endpoints: ["h1:eth0", "s1:eth1"]
      delay: 10ms
      rate: 100Mbit
    - endpoints: ["r1:eth0", "s1:eth2"]
    - endpoints: ["r1:eth1", "web:eth0"]
      delay: 5ms
      loss: 0
`);
  const net = lab.network;
  assert.ok(net.node("h1") instanceof Host);
  assert.ok(net.node("web") instanceof Host, "a server is a host");
  assert.ok(net.node("r1") instanceof Router);
  assert.equal(net.switch("s1").ports.length, 2);
  const h1eth0 = net.node("h1").interface("eth0");
  assert.equal(h1eth0.mac.toString(), "02:aa:00:00:00:01");
  assert.equal(h1eth0.mtu, 1400);
  assert.equal(net.node("r1").interface("eth9").isUp, false, "an interface on no link has no carrier");
  assert.match(net.node("r1").ipRoute(), /10\.50\.0\.0\/16 via 10\.0\.2\.80 dev eth1 proto static/);
  assert.match(net.node("web").ipRoute(), /^default via 10\.0\.2\.1 dev eth0/);
  assert.deepEqual(lab.exec, [
    { node: "web", command: "httpd 8080" },
    { node: "web", command: "ip route" },
  ]);
  const [first, second] = lab.links;
  assert.equal(first.link.settings("a-to-b").delay, 10 * MILLISECOND);
  assert.equal(first.link.settings("b-to-a").rate, 100e6);
  assert.equal(second.link.settings("a-to-b").delay, 0);
  // h1 → s1 (10 ms each way) → r1 → web (5 ms each way): 30 ms and a little serialization.
  const rttMs = await pingRtt(net, "h1", "10.0.2.80");
  assert.ok(rttMs !== undefined && rttMs >= 30 && rttMs < 31, `rtt ${rttMs}`);
});

test("automatic addressing fills what the file leaves out; notes say what was decided", async () => {
  const lab = built(`name: auto
topology:
  nodes:
    h1: {kind: host}
    r1: {kind: router}
    r2: {kind: router}
    h2: {kind: host, interfaces: {eth0: {ipv6: "2001:db8::2/64"}}}
  links:
    - endpoints: ["h1:eth0", "r1:eth0"]
    - endpoints: ["r1:eth1", "r2:eth0"]
    - endpoints: ["r2:eth1", "h2:eth0"]
`);
  assert.ok(lab.notes.includes("h1:eth0 10.0.1.10/24 (auto)"), lab.notes.join("\n"));
  // The file's IPv6 address is configured as given (beside the automatic IPv4 one).
  assert.equal(lab.network.node("h2").primaryIpv6Address?.toString(), "2001:db8::2");
  assert.equal(lab.network.node("h2").primaryAddress?.toString(), "10.0.2.10");
  assert.ok(
    (await pingRtt(lab.network, "h1", "10.0.2.10")) !== undefined,
    "h1 reaches h2 across two routers",
  );
  const without = build(
    `name: none
topology:
  nodes:
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: ["h1:eth0", "h2:eth0"]
`,
    { autoAddress: false },
  );
  assert.equal(
    without.lab?.network.node("h1").primaryAddress,
    undefined,
    "autoAddress: false leaves them bare",
  );
});

test("VLANs: access ports, an 802.1Q trunk between switches and a router on a stick", async () => {
  const lab = built(`name: vlans
topology:
  nodes:
    s1:
      kind: switch
      interfaces:
        eth1: {vlan: 10}
        eth2: {vlan: 20}
        eth3: {trunk: [10, 20]}
    s2:
      kind: switch
      interfaces:
        eth1: {trunk: [10, 20]}
        eth2: {trunk: [10, 20], native: 99}
    r1:
      kind: router
      interfaces:
        eth0: {}
        eth0.10: {ipv4: 10.0.10.1/24}
        eth0.20: {ipv4: 10.0.20.1/24}
    h10: {kind: host, interfaces: {eth0: {ipv4: 10.0.10.5/24}}, gateway: 10.0.10.1}
    h20: {kind: host, interfaces: {eth0: {ipv4: 10.0.20.5/24}}, gateway: 10.0.20.1}
  links:
    - endpoints: ["h10:eth0", "s1:eth1"]
    - endpoints: ["h20:eth0", "s1:eth2"]
    - endpoints: ["s1:eth3", "s2:eth1"]
    - endpoints: ["s2:eth2", "r1:eth0"]
`);
  const s1 = lab.network.switch("s1");
  assert.equal(s1.port("eth1")?.pvid, 10);
  assert.equal(s1.port("eth2")?.pvid, 20);
  assert.equal(s1.port("eth3")?.mode, "trunk");
  assert.deepEqual(s1.port("eth3")?.allowedVlans, [10, 20]);
  assert.equal(lab.network.switch("s2").port("eth2")?.native, 99);
  // h10 and h20 are in different VLANs: only the router joins them, through tagged frames.
  assert.ok((await pingRtt(lab.network, "h10", "10.0.20.5")) !== undefined, "routed between VLANs");
  assert.match(lab.network.switch("s2").showMacAddressTable(), /\b10\s+0200\.0000\.\d{4}/);
});

test("what the builder cannot apply is reported at the file's line and column", () => {
  const { lab, errors } = build(`name: bad
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.0.1.10/24}}}
    h2: {kind: host, interfaces: {eth0: {ipv4: 10.0.1.11/24}}}
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.1.1/24}}
      routes: [{to: 10.9.0.0/16, via: 192.168.7.1}]
  links:
    - endpoints: ["h1:eth0", "h2:eth0"]
      loss: 150%
      delay: 10ms
    - endpoints: ["r1:eth0", "h2:eth1"]
      duplicate: 101
`);
  assert.equal(lab, undefined);
  assert.deepEqual(
    errors.map((e) => `${e.location.line}:${e.location.column}: ${e.message}`),
    [
      '6:5: route #1 of node "r1" (10.9.0.0/16): r1: gateway 192.168.7.1 is not on any connected subnet (Nexthop has invalid gateway)',
      '11:7: "loss" of link #1: invalid probability "150%": must lie between 0% and 100% (0 to 1)',
      '14:7: "duplicate" of link #2: invalid probability "101%": must lie between 0% and 100% (0 to 1)',
    ],
  );
  assert.equal(errors[0].location.file, "lab.yml");
});

test("TAP links are left to a real-time caller; otherwise the error says how to run them", () => {
  const text = `name: tap
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.99.0.2/24}}, gateway: 10.99.0.1}
  links:
    - endpoints: ["h1:eth0", "tap:tk0"]
      tap: {address: 10.99.0.1/24}
`;
  const refused = build(text);
  assert.equal(refused.lab, undefined);
  assert.equal(refused.errors.length, 1);
  assert.equal(refused.errors[0].location.line, 6);
  assert.match(refused.errors[0].message, /TAP interface "tk0".*--forever/);
  const allowed = build(text, { allowTaps: true });
  assert.deepEqual(allowed.errors, []);
  assert.equal(allowed.lab?.network.links.length, 0, "the TAP is plugged in by the caller");
  assert.match(allowed.lab!.network.node("h1").ipRoute(), /default via 10\.99\.0\.1 dev eth0/);
});

test("the same seed builds the same network: same MACs, same link random streams", async () => {
  const text = `name: seeded
topology:
  nodes:
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: ["h1:eth0", "h2:eth0"]
      delay: 10ms
      jitter: 5ms
`;
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const lab = built(text);
    const run = ping(lab.network.node("h1"), "10.0.1.11", { count: 5, interval: 100 * MILLISECOND });
    lab.network.runUntilDone(run);
    runs.push((await run.result).replies.map((r) => r.rtt));
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(new Set(runs[0]).size > 1, true, "jitter varies the round trips");
});
