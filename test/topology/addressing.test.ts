import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { SECOND } from "../../src/sim/time.js";
import { assignAddresses } from "../../src/topology/addressing.js";
import { buildNetwork } from "../../src/topology/build.js";
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

/** The data center of examples/internet.yml as it first was: one trunk to a router "on a stick". */
const onAStick = (routerInterfaces: string, mdfUplink = "trunk: [10, 20]") => `name: stick
topology:
  nodes:
    core: {kind: router, interfaces: {eth0: {ipv4: 192.0.2.9/30}}}
    dc-border:
      kind: router
      interfaces: {eth0: {ipv4: 192.0.2.10/30}, ${routerInterfaces}}
    dc-mdf: {kind: switch, interfaces: {eth0: {${mdfUplink}}, eth1: {trunk: [10, 20]}, eth2: {trunk: [10, 20]}}}
    dc-idf1: {kind: switch, interfaces: {eth0: {trunk: [10, 20]}, eth1: {vlan: 10}, eth2: {vlan: 10}}}
    dc-idf2: {kind: switch, interfaces: {eth0: {trunk: [10, 20]}, eth1: {vlan: 20}}}
    web1: {kind: server}
    web2: {kind: server}
    db1: {kind: server}
  links:
    - endpoints: ["core:eth0", "dc-border:eth0"]
    - endpoints: ["dc-border:eth1", "dc-mdf:eth0"]
    - endpoints: ["dc-mdf:eth1", "dc-idf1:eth0"]
    - endpoints: ["dc-mdf:eth2", "dc-idf2:eth0"]
    - endpoints: ["dc-idf1:eth1", "web1:eth0"]
    - endpoints: ["dc-idf1:eth2", "web2:eth0"]
    - endpoints: ["dc-idf2:eth1", "db1:eth0"]
`;

test("a router on a stick: the trunk-facing parent gets no address, each VLAN its sub-interface's subnet", () => {
  const topology = load(onAStick("eth1.10: {ipv4: 203.0.113.1/26}, eth1.20: {ipv4: 203.0.113.65/26}"));
  const { notes } = assignAddresses(topology);
  // The parent carries only tagged frames: no /24 of its own (it used to get 10.0.1.1/24).
  assert.equal(addressOf(topology, "dc-border", "eth1"), "");
  assert.ok(!notes.some((n) => n.startsWith("dc-border:eth1 ")), notes.join("\n"));
  // The servers join the sub-interfaces' subnets, with them as gateways.
  assert.equal(addressOf(topology, "web1", "eth0"), "203.0.113.10/26");
  assert.equal(addressOf(topology, "web2", "eth0"), "203.0.113.11/26");
  assert.equal(addressOf(topology, "db1", "eth0"), "203.0.113.74/26");
  assert.equal(topology.nodes.get("web2")!.gateway?.toString(), "203.0.113.1");
  assert.equal(topology.nodes.get("db1")!.gateway?.toString(), "203.0.113.65");
  const coreRoutes = topology.nodes.get("core")!.routes.map((r) => `${r.to} via ${r.via}`);
  assert.deepEqual(coreRoutes.sort(), ["203.0.113.0/26 via 192.0.2.10", "203.0.113.64/26 via 192.0.2.10"]);
  assert.ok(!coreRoutes.some((r) => r.startsWith("10.")));
});

test("a router on a stick with nothing addressed: a /24 per VLAN on the sub-interfaces, none on the parent", () => {
  const topology = load(onAStick("eth1: {}, eth1.10: {}, eth1.20: {}"));
  assignAddresses(topology);
  assert.equal(addressOf(topology, "dc-border", "eth1"), "");
  assert.equal(addressOf(topology, "dc-border", "eth1.10"), "10.0.1.1/24");
  assert.equal(addressOf(topology, "web1", "eth0"), "10.0.1.10/24");
  assert.equal(addressOf(topology, "dc-border", "eth1.20"), "10.0.2.1/24");
  assert.equal(addressOf(topology, "db1", "eth0"), "10.0.2.10/24");
  assert.equal(topology.nodes.get("db1")!.gateway?.toString(), "10.0.2.1");
});

test("a trunk that carries its native VLAN untagged: the parent is on that VLAN's LAN, with the hosts there", () => {
  const topology = load(
    `${onAStick("eth1.10: {}, eth1.20: {}", "trunk: [1, 10, 20]").replace(
      "dc-idf2: {kind: switch, interfaces: {eth0: {trunk: [10, 20]}, eth1: {vlan: 20}}}",
      "dc-idf2: {kind: switch, interfaces: {eth0: {trunk: [10, 20]}, eth1: {vlan: 20}}}\n    mgmt: {kind: host}\n    dc-oob: {kind: switch}",
    )}    - endpoints: ["dc-oob:eth1", "mgmt:eth0"]\n    - endpoints: ["dc-oob:eth2", "dc-mdf:eth9"]\n`,
  );
  assignAddresses(topology);
  // VLAN 1 (untagged on the uplink) reaches mgmt through dc-mdf's default access port eth9.
  const parent = addressOf(topology, "dc-border", "eth1");
  assert.match(parent, /^10\.0\.\d+\.1\/24$/);
  assert.equal(topology.nodes.get("mgmt")!.gateway?.toString(), parent.replace("/24", ""));
  assert.match(addressOf(topology, "dc-border", "eth1.10"), /^10\.0\.\d+\.1\/24$/);
});

test("built, the router on a stick routes between its VLANs and to the core with the automatic plan", async () => {
  const { lab, errors } = buildNetwork(load(onAStick("eth1: {}, eth1.10: {}, eth1.20: {}")), { seed: 1 });
  assert.deepEqual(errors.map(String), []);
  for (const [from, to] of [
    ["web1", "10.0.2.10"],
    ["db1", "10.0.1.11"],
    ["core", "10.0.1.10"],
  ]) {
    const run = ping(lab!.network.node(from), to, { count: 2, interval: SECOND, timeout: 2 * SECOND });
    lab!.network.runUntilDone(run, 30 * SECOND);
    const result = await run.result;
    assert.equal(result.received, 2, `${from} -> ${to}: ${result.output.join("\n")}`);
  }
});
