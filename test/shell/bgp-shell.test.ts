/**
 * BGP from a topology file, through the builder and the shell: the `bgp:` key starts speakers,
 * `show ip bgp`, `show ip bgp summary`, `show ip bgp neighbors` print FRR's views, `clear ip bgp`
 * resets a session, and a host pings across the AS boundary over BGP-learned routes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Router } from "../../src/devices/router.js";
import type { Bgp } from "../../src/routing/bgp/speaker.js";
import { SECOND } from "../../src/sim/time.js";
import { buildNetwork } from "../../src/topology/build.js";
import { loadTopology } from "../../src/topology/loader.js";
import { labShell } from "../support/lab-shell.js";

const LAB = `name: two-ases
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.1.0.10/24}}, gateway: 10.1.0.1}
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.1.0.1/24}, eth1: {ipv4: 10.0.12.1/24}}
      bgp:
        asn: 65001
        router-id: 1.1.1.1
        networks: [10.1.0.0/24]
        timers: {keepalive: 3, hold: 9}
        neighbors: [{address: 10.0.12.2, remote-as: 65002, route-map-out: PREPEND}]
        route-maps:
          PREPEND: [{seq: 10, action: permit, set: {as-path-prepend: 65001 65001}}]
    r2:
      kind: router
      interfaces: {eth0: {ipv4: 10.2.0.1/24}, eth1: {ipv4: 10.0.12.2/24}}
      bgp:
        asn: 65002
        router-id: 2.2.2.2
        networks: [10.2.0.0/24]
        neighbors: [{address: 10.0.12.1, remote-as: 65001, description: to-r1}]
    h2: {kind: host, interfaces: {eth0: {ipv4: 10.2.0.10/24}}, gateway: 10.2.0.1}
  links:
    - endpoints: [h1:eth0, r1:eth0]
    - endpoints: [r1:eth1, r2:eth1]
    - endpoints: [r2:eth0, h2:eth0]
`;

async function lab(text = LAB) {
  return labShell(text, { seed: 5, file: "bgp.yml" });
}

test("bgp: in a topology file starts the speakers; the shell shows the table, the summary and the neighbours", async () => {
  const { run, network } = await lab();
  network.runFor(10 * SECOND);
  const table = await run("r2 show ip bgp");
  assert.equal(table.status, 0, table.err);
  assert.match(table.out, /^\*> 10\.1\.0\.0\/24\s+10\.0\.12\.1\s+0\s+0 65001 65001 65001 i$/m);
  assert.match(table.out, /^\*> 10\.2\.0\.0\/24\s+0\.0\.0\.0\s+0\s+32768 i$/m);
  const one = await run("r2 sh ip bgp 10.1.0.0/24");
  assert.match(one.out, /Paths: \(1 available, best #1\)/);
  const summary = await run("r1 show ip bgp summary");
  assert.match(summary.out, /^10\.0\.12\.2\s+4\s+65002 .* 1\s+1 N\/A$/m);
  const neighbors = await run("r2 show ip bgp neighbors 10.0.12.1");
  assert.match(neighbors.out, /Description: to-r1/);
  assert.match(neighbors.out, /Hold time is 9 seconds, keepalive interval is 3 seconds/);
  const advertised = await run("r1 show ip bgp neighbors 10.0.12.2 advertised-routes");
  assert.match(
    advertised.out,
    /^\*> 10\.1\.0\.0\/24\s+10\.0\.12\.1\s+0\s+0 65001 65001 65001 i$/m,
    "as sent",
  );
  assert.match(advertised.out, /Total number of prefixes 1/);
  const accepted = await run("r1 sh ip bgp nei 10.0.12.2 routes");
  assert.match(accepted.out, /^\*> 10\.2\.0\.0\/24\s+10\.0\.12\.2\s+0\s+0 65002 i$/m);
  assert.match((await run("r1 show ip route")).out, /B>\* 10\.2\.0\.0\/24 \[20\/0\] via 10\.0\.12\.2, eth1/);
  const protocols = await run("r1 show ip protocols");
  assert.match(protocols.out, /Routing Protocol is "bgp 65001"/);
  assert.match(protocols.out, /10\.0\.12\.2\s+AS 65002\s+external\s+Established/);
  const ping = await run("h1 ping -c 2 10.2.0.10");
  assert.match(ping.out, /2 packets transmitted, 2 received/);
});

test("clear ip bgp resets the session (Cease) and it comes back; soft in asks for a ROUTE-REFRESH", async () => {
  const { run, network } = await lab();
  network.runFor(10 * SECOND);
  const r1 = network.node("r1") as Router;
  const bgp = r1.routing.get("bgp") as Bgp;
  assert.equal((await run("r1 clear ip bgp 10.0.12.2")).status, 0);
  assert.notEqual(bgp.session("10.0.12.2")?.state, "Established");
  network.runFor(15 * SECOND);
  assert.equal(bgp.session("10.0.12.2")?.state, "Established");
  assert.equal(bgp.session("10.0.12.2")?.establishedCount, 2);
  await run("r1 clear ip bgp * soft in");
  network.runFor(1 * SECOND);
  assert.equal(bgp.session("10.0.12.2")?.sent.routeRefreshes, 1);
  const bad = await run("r1 clear ip bgp 10.9.9.9");
  assert.match(bad.out, /Unknown neighbor/);
  const none = await run("h1 show ip bgp");
  assert.notEqual(none.status, 0);
});

test("the loader refuses bgp on a host and a route map naming a missing prefix list", () => {
  const onHost = loadTopology(
    `name: x\ntopology:\n  nodes:\n    h: {kind: host, bgp: {asn: 1, router-id: 1.1.1.1}}\n`,
    "x.yml",
  );
  assert.match(onHost.errors.map((e) => e.message).join("\n"), /BGP runs on routers/);
  const { topology } = loadTopology(
    `name: x\ntopology:\n  nodes:\n    r: {kind: router, bgp: {asn: 1, router-id: 1.1.1.1, route-maps: {M: [{action: permit, match: {prefix-list: NOPE}}]}}}\n`,
    "x.yml",
  );
  const { errors } = buildNetwork(topology!, {});
  assert.match(errors.map((e) => e.message).join("\n"), /unknown prefix-list NOPE/);
});
