/**
 * BGP over an IGP: iBGP between routers that are not neighbours, a NEXT_HOP that only OSPF knows
 * how to reach (recursive resolution, as zebra does), and a BGP route that follows OSPF when the
 * path inside the AS changes.
 *
 *        ext (AS 65100, 203.0.113.0/24)
 *         │ 10.0.45.0/24 (r4's side passive in OSPF)
 *         r4
 *        /  \\
 *      r2    r3        AS 65000: OSPF everywhere, iBGP r1 — r4 over the r3 side
 *        \\  /
 *         r1           r1—r3 costs 15, the rest 10: r1 reaches 10.0.45.0/24 through r2
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Router } from "../../../src/devices/router.js";
import type { Bgp } from "../../../src/routing/bgp/speaker.js";
import { SECOND } from "../../../src/sim/time.js";
import { buildNetwork } from "../../../src/topology/build.js";
import { loadTopology } from "../../../src/topology/loader.js";
import { Ipv4Address, Ipv4Prefix } from "../../../src/wire/address/ipv4.js";

const LAB = `name: igp
topology:
  nodes:
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.1/24}, eth1: {ipv4: 10.0.13.1/24}}
      ospf: {router-id: 1.1.1.1, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [eth0, {name: eth1, cost: 15}]}}}
      bgp: {asn: 65000, router-id: 1.1.1.1, timers: {keepalive: 3, hold: 9, connect-retry: 2},
            neighbors: [{address: 10.0.34.2, remote-as: 65000}]}
    r2:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.2/24}, eth1: {ipv4: 10.0.24.1/24}}
      ospf: {router-id: 2.2.2.2, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [eth0, eth1]}}}
    r3:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.13.2/24}, eth1: {ipv4: 10.0.34.1/24}}
      ospf: {router-id: 3.3.3.3, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [eth0, eth1]}}}
    r4:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.24.2/24}, eth1: {ipv4: 10.0.34.2/24}, eth2: {ipv4: 10.0.45.4/24}}
      ospf: {router-id: 4.4.4.4, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [eth0, eth1, {name: eth2, passive: true}]}}}
      bgp: {asn: 65000, router-id: 4.4.4.4, timers: {keepalive: 3, hold: 9, connect-retry: 2},
            neighbors: [{address: 10.0.13.1, remote-as: 65000}, {address: 10.0.45.5, remote-as: 65100}]}
    ext:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.45.5/24}, eth1: {ipv4: 203.0.113.1/24}}
      bgp: {asn: 65100, router-id: 5.5.5.5, networks: [203.0.113.0/24], timers: {keepalive: 3, hold: 9, connect-retry: 2},
            neighbors: [{address: 10.0.45.4, remote-as: 65000}]}
    web: {kind: host, interfaces: {eth0: {ipv4: 203.0.113.10/24}}, gateway: 203.0.113.1}
  links:
    - endpoints: [r1:eth0, r2:eth0]
    - endpoints: [r1:eth1, r3:eth0]
    - endpoints: [r2:eth1, r4:eth0]
    - endpoints: [r3:eth1, r4:eth1]
    - endpoints: [r4:eth2, ext:eth0]
    - endpoints: [ext:eth1, web:eth0]
`;

test("iBGP over OSPF: the NEXT_HOP resolves recursively through OSPF and the BGP route follows the IGP", () => {
  const { topology, errors: loadErrors } = loadTopology(LAB, "igp.yml");
  assert.deepEqual(loadErrors, []);
  const { lab, errors } = buildNetwork(topology!, { seed: 3 });
  assert.deepEqual(errors, []);
  const net = lab!.network;
  net.runFor(30 * SECOND);
  const r1 = net.node("r1") as Router;
  const bgp = r1.routing.get("bgp") as Bgp;
  assert.equal(bgp.session("10.0.34.2")?.state, "Established", "iBGP between routers two hops apart");
  const best = bgp.entry("203.0.113.0/24")?.best;
  assert.equal(best?.attributes.nextHop?.toString(), "10.0.45.5", "the eBGP next hop, unchanged over iBGP");
  const prefix = Ipv4Prefix.parse("203.0.113.0/24");
  const route = () => r1.ipv4.routes.selected(prefix);
  assert.equal(route()?.protocol, "bgp");
  assert.equal(route()?.distance, 200);
  assert.equal(
    route()?.nextHops[0].via?.toString(),
    "10.0.12.2",
    "forwarded like OSPF's route to 10.0.45.5: via r2",
  );
  assert.equal(bgp.resolve(Ipv4Address.parse("10.0.45.5")).cost, 30, "the IGP cost to the next hop");
  // Cut r1—r2: OSPF finds the way through r3; BGP's next-hop tracking follows.
  lab!.links.find((l) => l.spec.a.node === "r1" && l.spec.b.node === "r2")!.link.setUp(false);
  net.runFor(15 * SECOND);
  assert.equal(bgp.session("10.0.34.2")?.state, "Established", "the session did not depend on that link");
  assert.equal(route()?.nextHops[0].via?.toString(), "10.0.13.2", "now via r3");
  assert.equal(bgp.resolve(Ipv4Address.parse("10.0.45.5")).cost, 35);
});
