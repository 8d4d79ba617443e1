/**
 * The web lab's event list shows the routing protocols (src/routing/events.ts): each message, each
 * neighbour state change and each route change becomes an event with a protocol (`ospf`, `rip`,
 * `bgp`) for the page's colours and filter, and one summary line; the protocols' frames take the
 * same colours (OSPF is IP protocol 89, RIP UDP 520, BGP TCP 179).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SECOND } from "../../../src/sim/time.js";
import { buildNetwork } from "../../../src/topology/build.js";
import { loadTopology } from "../../../src/topology/loader.js";
import type { LabEvent } from "../../../src/web/protocol.js";
import { EventLog } from "../../../src/web/server/event-log.js";

// r1 = r2 run OSPF and eBGP between them (r1 originates h1's LAN); r2 = r3 run RIP.
const LAB = `name: three-protocols
topology:
  nodes:
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.1/24}, lan: {ipv4: 10.1.0.1/24}}
      ospf: {router-id: 1.1.1.1, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [{name: eth0, network: point-to-point}]}}}
      bgp: {asn: 65001, router-id: 1.1.1.1, networks: [10.1.0.0/24], neighbors: [{address: 10.0.12.2, remote-as: 65002}]}
    r2:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.2/24}, eth1: {ipv4: 10.0.23.2/24}}
      ospf: {router-id: 2.2.2.2, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [{name: eth0, network: point-to-point}]}}}
      bgp: {asn: 65002, router-id: 2.2.2.2, neighbors: [{address: 10.0.12.1, remote-as: 65001}]}
      rip: {interfaces: [eth1], timers: {update: 5, timeout: 30, garbage: 20}}
    r3:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.23.3/24}, lan: {ipv4: 10.3.0.1/24}}
      rip: {interfaces: [eth0, lan], timers: {update: 5, timeout: 30, garbage: 20}}
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.1.0.10/24}}, gateway: 10.1.0.1}
  links:
    - endpoints: [h1:eth0, r1:lan]
    - endpoints: [r1:eth0, r2:eth0]
    - endpoints: [r2:eth1, r3:eth0]
`;

test("routing messages, neighbour states and route changes are events with a protocol and a summary", () => {
  const { topology, errors: loadErrors } = loadTopology(LAB, "three.yml");
  assert.deepEqual(loadErrors, []);
  const { lab, errors } = buildNetwork(topology!, { seed: 2 });
  assert.deepEqual(errors, []);
  const network = lab!.network;
  const log = new EventLog(network.tracer, () => network.scheduler.now);
  network.runFor(15 * SECOND);
  const events = log.slice(0, log.endSeq);
  const find = (type: LabEvent["type"], protocol: string, summary: RegExp, node?: string) =>
    events.find(
      (e) =>
        e.type === type && e.protocol === protocol && summary.test(e.summary) && (!node || e.node === node),
    );
  const hello = find(
    "routing-message",
    "ospf",
    /^OSPF sent Hello to 224\.0\.0\.5 on eth0: Hello from 1\.1\.1\.1 area 0\.0\.0\.0: pri 1/,
    "r1",
  );
  assert.ok(hello, "an OSPF Hello");
  assert.equal(hello.direction, "out");
  assert.equal(hello.iface, "eth0");
  const full = find("routing-neighbor", "ospf", /^OSPF neighbour 2\.2\.2\.2: \S+ → Full/, "r1");
  assert.equal(full?.toState, "Full");
  assert.ok(find("routing-neighbor", "bgp", /^BGP neighbour 10\.0\.12\.2: OpenConfirm → Established/, "r1"));
  assert.equal(
    find(
      "routing-message",
      "bgp",
      /^BGP received UPDATE from 10\.0\.12\.1: 1 prefix via 10\.0\.12\.1, AS path 65001$/,
      "r2",
    )?.direction,
    "in",
  );
  assert.ok(
    find("routing-route", "bgp", /^BGP route added: 10\.1\.0\.0\/24 via 10\.0\.12\.1 eth0 \[20\/0\]$/, "r2"),
  );
  assert.ok(
    find(
      "routing-message",
      "rip",
      /^RIP sent Response to 224\.0\.0\.9 on eth0: RIPv2 10\.0\.23\.0\/24 metric 1, 10\.3\.0\.0\/24 metric 1$/,
      "r3",
    ),
  );
  const rip = find(
    "routing-route",
    "rip",
    /^RIP route added: 10\.3\.0\.0\/24 via 10\.0\.23\.3 eth1 \[120\/2\]$/,
    "r2",
  );
  assert.deepEqual(rip?.values, { metric: 2, distance: 120 });
  // The frames that carry them are coloured as them.
  const frames = events.filter((e) => e.type === "frame-sent");
  for (const [protocol, node] of [
    ["ospf", "r1"],
    ["bgp", "r1"],
    ["rip", "r3"],
  ])
    assert.ok(
      frames.some((e) => e.protocol === protocol && e.node === node),
      `${protocol} frames from ${node}`,
    );
});
