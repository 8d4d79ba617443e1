import assert from "node:assert/strict";
import { test } from "node:test";
import { assignAddresses } from "../../src/topology/addressing.js";
import { loadTopology } from "../../src/topology/loader.js";
import type { TopologySpec } from "../../src/topology/model.js";

function load(text: string): TopologySpec {
  const { topology, errors } = loadTopology(text, "lab.yml");
  assert.deepEqual(errors.map(String), []);
  return topology!;
}

const addressOf = (t: TopologySpec, node: string, iface: string) =>
  t.nodes.get(node)!.interfaces.get(iface)!.ipv4.map(String).join(",");

test("a chain of routers with hosts at both ends gets /24 LANs, /30 links, gateways and routes", () => {
  const topology = load(`name: chain
topology:
  nodes:
    h1: {kind: host}
    r1: {kind: router}
    r2: {kind: router}
    r3: {kind: router}
    h2: {kind: host}
  links:
    - endpoints: ["h1:eth0", "r1:eth0"]
    - endpoints: ["r1:eth1", "r2:eth0"]
    - endpoints: ["r2:eth1", "r3:eth0"]
    - endpoints: ["r3:eth1", "h2:eth0"]
`);
  const { notes } = assignAddresses(topology);
  assert.equal(addressOf(topology, "r1", "eth0"), "10.0.1.1/24");
  assert.equal(addressOf(topology, "h1", "eth0"), "10.0.1.10/24");
  assert.equal(addressOf(topology, "r1", "eth1"), "10.255.0.1/30");
  assert.equal(addressOf(topology, "r2", "eth0"), "10.255.0.2/30");
  assert.equal(addressOf(topology, "r2", "eth1"), "10.255.0.5/30");
  assert.equal(addressOf(topology, "r3", "eth1"), "10.0.2.1/24");
  assert.equal(addressOf(topology, "h2", "eth0"), "10.0.2.10/24");
  assert.equal(topology.nodes.get("h1")!.gateway?.toString(), "10.0.1.1");
  assert.equal(topology.nodes.get("h2")!.gateway?.toString(), "10.0.2.1");
  const routes = (name: string) => topology.nodes.get(name)!.routes.map((r) => `${r.to} via ${r.via}`);
  assert.deepEqual(routes("r1"), ["10.255.0.4/30 via 10.255.0.2", "10.0.2.0/24 via 10.255.0.2"]);
  assert.deepEqual(routes("r2"), ["10.0.1.0/24 via 10.255.0.1", "10.0.2.0/24 via 10.255.0.6"]);
  assert.deepEqual(routes("r3"), ["10.255.0.0/30 via 10.255.0.5", "10.0.1.0/24 via 10.255.0.5"]);
  assert.ok(notes.includes("h1:eth0 10.0.1.10/24 (auto)"));
  assert.ok(notes.includes("r2 route 10.0.1.0/24 via 10.255.0.1 (auto)"));
});

test("a switched LAN shares one subnet; given addresses are kept and their subnet is filled", () => {
  const topology = load(`name: lan
topology:
  nodes:
    s1: {kind: switch}
    h1: {kind: host, interfaces: {eth0: {ipv4: 192.168.7.10/24}}}
    h2: {kind: host}
    h3: {kind: host}
    r1: {kind: router}
  links:
    - endpoints: ["h1:eth0", "s1:eth1"]
    - endpoints: ["h2:eth0", "s1:eth2"]
    - endpoints: ["h3:eth0", "s1:eth3"]
    - endpoints: ["r1:eth0", "s1:eth4"]
`);
  assignAddresses(topology);
  assert.equal(addressOf(topology, "h1", "eth0"), "192.168.7.10/24");
  assert.equal(addressOf(topology, "r1", "eth0"), "192.168.7.1/24");
  assert.equal(addressOf(topology, "h2", "eth0"), "192.168.7.11/24");
  assert.equal(addressOf(topology, "h3", "eth0"), "192.168.7.12/24");
  assert.equal(topology.nodes.get("h3")!.gateway?.toString(), "192.168.7.1");
});

test("VLANs split a switch into separate subnets, joined across a trunk", () => {
  const topology = load(`name: vlans
topology:
  nodes:
    s1: {kind: switch, interfaces: {eth1: {vlan: 10}, eth2: {vlan: 20}, eth9: {trunk: [10, 20]}}}
    s2: {kind: switch, interfaces: {eth1: {vlan: 10}, eth2: {vlan: 20}, eth9: {trunk: [10, 20]}}}
    a1: {kind: host}
    b1: {kind: host}
    a2: {kind: host}
    b2: {kind: host}
  links:
    - endpoints: ["a1:eth0", "s1:eth1"]
    - endpoints: ["b1:eth0", "s1:eth2"]
    - endpoints: ["a2:eth0", "s2:eth1"]
    - endpoints: ["b2:eth0", "s2:eth2"]
    - endpoints: ["s1:eth9", "s2:eth9"]
`);
  assignAddresses(topology);
  assert.equal(addressOf(topology, "a1", "eth0"), "10.0.1.10/24");
  assert.equal(addressOf(topology, "a2", "eth0"), "10.0.1.11/24");
  assert.equal(addressOf(topology, "b1", "eth0"), "10.0.2.10/24");
  assert.equal(addressOf(topology, "b2", "eth0"), "10.0.2.11/24");
});

test("automatic subnets never overlap the file's own", () => {
  const topology = load(`name: overlap
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.0.1.5/16}}}
    h2: {kind: host}
    h3: {kind: host}
    h4: {kind: host}
  links:
    - endpoints: ["h1:eth0", "h2:eth0"]
    - endpoints: ["h3:eth0", "h4:eth0"]
`);
  assignAddresses(topology);
  assert.equal(addressOf(topology, "h2", "eth0"), "10.0.0.10/16");
  assert.equal(addressOf(topology, "h3", "eth0"), "10.1.0.10/24");
});
