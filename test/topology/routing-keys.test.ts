/** The topology keys `rip:` and `ospf:` (src/topology/routing.ts): loaded, checked, started. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Router } from "../../src/devices/router.js";
import type { Ospf } from "../../src/routing/ospf/ospf.js";
import { SECOND } from "../../src/sim/time.js";
import { buildNetwork } from "../../src/topology/build.js";
import { loadTopology } from "../../src/topology/loader.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";

const lab = `name: igp
topology:
  nodes:
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.1/24}, lan: {ipv4: 10.1.0.1/24}}
      ospf:
        router-id: 1.1.1.1
        hello-interval: 1
        dead-interval: 4
        areas: {0: {interfaces: [{name: eth0, network: point-to-point, cost: 5}, lan]}}
    r2:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.2/24}, eth1: {ipv4: 10.0.23.2/24}}
      ospf: {router-id: 2.2.2.2, hello-interval: 1, dead-interval: 4, areas: {0.0.0.0: {interfaces: [{name: eth0, network: point-to-point}]}}}
      rip: {interfaces: [eth1], timers: {update: 5, timeout: 30, garbage: 20}}
    r3:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.23.3/24}, lan: {ipv4: 10.3.0.1/24}}
      rip: {interfaces: [eth0, lan], timers: {update: 5, timeout: 30, garbage: 20}}
  links:
    - endpoints: [r1:eth0, r2:eth0]
    - endpoints: [r2:eth1, r3:eth0]
`;

test("ospf and rip keys start the processes: OSPF between r1 and r2, RIP between r2 and r3", () => {
  const { topology, errors } = loadTopology(lab, "igp.yml");
  assert.deepEqual(errors.map(String), []);
  assert.equal(topology!.nodes.get("r1")!.ospf?.routerId, "1.1.1.1");
  assert.equal(topology!.nodes.get("r3")!.rip?.timers?.update, 5);
  const built = buildNetwork(topology!);
  assert.deepEqual(built.errors.map(String), []);
  const net = built.lab!.network;
  net.scheduler.runFor(20 * SECOND);
  const r1 = net.router("r1");
  const r2 = net.router("r2");
  const r3 = net.router("r3");
  assert.equal(r2.ipv4.routes.lookup(Ipv4Address.parse("10.1.0.9"))?.protocol, "ospf");
  assert.equal(r2.ipv4.routes.lookup(Ipv4Address.parse("10.1.0.9"))?.metric, 20); // r2's eth0 cost 10 + the LAN's 10
  assert.equal(r2.ipv4.routes.lookup(Ipv4Address.parse("10.3.0.9"))?.protocol, "rip");
  assert.equal(r3.ipv4.routes.lookup(Ipv4Address.parse("10.0.23.9"))?.protocol, "connected");
  // r2 runs RIP on eth1 only and redistributes nothing: r3 never hears of the OSPF side.
  assert.equal(r3.ipv4.routes.lookup(Ipv4Address.parse("10.0.12.9")), undefined);
  const ospf = r1.routing.get("ospf") as Ospf;
  assert.equal([...ospf.neighbors()][0].neighbor.state, "Full");
  assert.equal((r1 as Router).routing.list().length, 1);
});

test("mistakes in the routing keys are pointed at", () => {
  const text = `name: bad
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.0.0.1/24}}, rip: {interfaces: [eth0]}}
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.0.2/24}}
      ospf: {router-id: one, hello-interval: 10, dead-interval: 5, areas: {backbone: {interfaces: [eth0]}}}
`;
  const { errors } = loadTopology(text, "bad.yml");
  const messages = errors.map((e) => e.message).join("\n");
  assert.match(messages, /rip and ospf run on routers, but "h1" is a host/);
  assert.match(messages, /"router-id" of ospf: "one" is not a dotted quad/);
  assert.match(messages, /area "backbone" of ospf is not a number or a dotted quad/);
  assert.match(messages, /"dead-interval" \(5\) of ospf must exceed "hello-interval" \(10\)/);
});

test("an interface the router does not have is reported when the lab is built", () => {
  const text = `name: typo
topology:
  nodes:
    r1: {kind: router, interfaces: {eth0: {ipv4: 10.0.0.1/24}}, ospf: {areas: {0: {interfaces: [eth9]}}}}
`;
  const { topology, errors } = loadTopology(text, "typo.yml");
  assert.deepEqual(errors, []);
  const built = buildNetwork(topology!);
  assert.match(built.errors.map(String).join("\n"), /"ospf" of node "r1": r1 has no interface eth9/);
});
