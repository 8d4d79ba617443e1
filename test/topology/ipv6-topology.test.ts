/**
 * IPv6 from topology files: explicit addresses, `ipv6-ra` and `gateway6`, automatic IPv6
 * addressing (`ipv6: auto`), and the shell's IPv6 commands (ping -6 and traceroute -6 to node
 * names, ip -6 route, show ipv6 route).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultCommands } from "../../src/shell/commands/index.js";
import { VirtualDriver } from "../../src/shell/driver.js";
import { BufferOutput, MemoryFileSystem } from "../../src/shell/io.js";
import { Shell } from "../../src/shell/shell.js";
import { SECOND } from "../../src/sim/time.js";
import { buildNetwork } from "../../src/topology/build.js";
import { loadTopology } from "../../src/topology/loader.js";

function lab(yaml: string) {
  const { topology, errors: loadErrors } = loadTopology(yaml, "lab.yml");
  assert.deepEqual(loadErrors, []);
  const { lab: built, errors } = buildNetwork(topology!, { seed: 5 });
  assert.deepEqual(errors, []);
  const out = new BufferOutput(false);
  const err = new BufferOutput();
  const network = built!.network;
  const shell = new Shell({
    network,
    topology: topology!,
    driver: new VirtualDriver(network.scheduler),
    out,
    err,
    fs: new MemoryFileSystem(),
    commands: defaultCommands(),
  });
  const run = async (line: string) => {
    out.clear();
    err.clear();
    const records = await shell.execute(line);
    return { status: records.at(-1)?.status, out: out.text, err: err.text };
  };
  return { run, network, notes: built!.notes };
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
