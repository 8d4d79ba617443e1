import assert from "node:assert/strict";
import { test } from "node:test";
import { describePath, loadTopology } from "../../src/topology/loader.js";
import { topologySchema } from "../../src/topology/schema.js";

const lab = `name: lab
topology:
  defaults:
    kind: host
  kinds:
    router:
      labels: {role: core}
  nodes:
    h1:
      interfaces:
        eth0: {ipv4: 10.0.1.10/24}
      gateway: 10.0.1.1
    r1:
      kind: router
      interfaces:
        eth0: {ipv4: 10.0.1.1/24}
        eth1: {ipv4: [10.0.12.1/30]}
      routes:
        - {to: 10.0.2.0/24, via: 10.0.12.2}
        - {to: default, via: 10.0.12.2}
    s1: {kind: switch, interfaces: {eth1: {vlan: 10}, eth2: {trunk: [10, 20], native: 1}}}
  links:
    - endpoints: ["h1:eth0", "r1:eth0"]
      delay: 20ms
      rate: 100Mbit
      loss: 1%
      mtu: 576
`;

/** Loads text expected to fail and returns "line:column: message" strings. */
function problems(text: string): string[] {
  const result = loadTopology(text, "lab.yml");
  assert.equal(result.topology, undefined, "expected errors");
  return result.errors.map((e) => `${e.location.line}:${e.location.column}: ${e.message}`);
}

test("a valid lab loads with defaults and kinds merged", () => {
  const { topology, errors } = loadTopology(lab, "lab.yml");
  assert.deepEqual(errors, []);
  assert.ok(topology);
  assert.equal(topology.name, "lab");
  const h1 = topology.nodes.get("h1")!;
  assert.equal(h1.kind, "host");
  assert.equal(h1.interfaces.get("eth0")!.ipv4[0].toString(), "10.0.1.10/24");
  assert.equal(h1.gateway?.toString(), "10.0.1.1");
  const r1 = topology.nodes.get("r1")!;
  assert.equal(r1.kind, "router");
  assert.deepEqual(r1.labels, { role: "core" });
  assert.deepEqual(
    r1.routes.map((r) => `${r.to} via ${r.via}`),
    ["10.0.2.0/24 via 10.0.12.2", "0.0.0.0/0 via 10.0.12.2"],
  );
  assert.deepEqual(topology.nodes.get("s1")!.interfaces.get("eth2")!.trunk, [10, 20]);
  assert.equal(topology.links.length, 1);
  assert.deepEqual(topology.links[0].a, { node: "h1", iface: "eth0" });
  assert.equal(topology.links[0].impairments.delay, "20ms");
  assert.equal(topology.links[0].impairments.mtu, 576);
  assert.equal(topology.links[0].location.line, 23);
});

test("an unknown key is located and gets a did-you-mean", () => {
  const text = lab.replace("      gateway: 10.0.1.1", "      gatway: 10.0.1.1");
  const [message] = problems(text);
  assert.match(
    message,
    /^12:7: unknown key "gatway" in node "h1" \(did you mean "gateway"\?\); expected one of: kind, group, interfaces, gateway/,
  );
});

test("a bad prefix names what was expected and what was found", () => {
  assert.deepEqual(problems(lab.replace("10.0.1.10/24", "10.0.1.300/24")), [
    '11:22: "ipv4" of interface "eth0" of node "h1": expected an IPv4 address with prefix length such as 10.0.1.10/24, found "10.0.1.300/24"',
  ]);
  assert.deepEqual(problems(lab.replace("10.0.1.10/24", "10.0.1.0/24")), [
    '11:22: "ipv4" of interface "eth0" of node "h1": 10.0.1.0/24 is the network address of 10.0.1.0/24, not a host address (hosts: 10.0.1.1-10.0.1.254)',
  ]);
  assert.match(
    problems(lab.replace("to: 10.0.2.0/24", "to: 10.0.2.1/24"))[0],
    /^19:16: "to" of route #1 of node "r1": 10.0.2.1\/24 has host bits set; did you mean 10.0.2.0\/24\?/,
  );
});

test("a duplicate address points at the second use", () => {
  assert.deepEqual(problems(lab.replace("10.0.1.1/24", "10.0.1.10/24")), [
    "16:22: duplicate address 10.0.1.10: already used by h1:eth0",
  ]);
});

test("an endpoint naming a missing node, and an interface used twice", () => {
  const missing = lab.replace('["h1:eth0", "r1:eth0"]', '["h1:eth0", "r2:eth0"]');
  assert.deepEqual(problems(missing), [
    '23:30: link #1: endpoint "r2:eth0" names node "r2", which is not in topology.nodes (did you mean "r1"?)',
  ]);
  const twice = `${lab}    - endpoints: ["h1:eth0", "s1:eth1"]\n`;
  assert.deepEqual(problems(twice), [
    '28:19: link #2: interface "h1:eth0" is already used by link #1; an interface joins one link',
  ]);
});

test("schema errors: wrong types, bad enums, bad units, wrong endpoint counts, missing keys", () => {
  assert.deepEqual(problems(lab.replace("kind: router", "kind: ruoter")), [
    '14:13: "kind" of node "r1": expected one of host, server, router, nat, switch, found string "ruoter" (did you mean "router"?)',
  ]);
  assert.deepEqual(problems(lab.replace("delay: 20ms", "delay: 20 parsecs")), [
    '24:14: "delay" of link #1: expected a duration with its unit, e.g. 20ms, 1.5s, 250us, found string "20 parsecs"',
  ]);
  assert.deepEqual(problems(lab.replace('["h1:eth0", "r1:eth0"]', '["h1:eth0"]')), [
    '23:18: "endpoints" of link #1: expected exactly 2 endpoints, found 1',
  ]);
  assert.deepEqual(problems(lab.replace("mtu: 576", "mtu: big")), [
    '27:12: "mtu" of link #1: expected integer, found string "big"',
  ]);
  assert.deepEqual(problems("topology:\n  nodes: {}\n"), ['1:1: missing key "name" in the top level']);
});

test("YAML syntax errors, empty files and nodes without a kind are reported, never thrown", () => {
  assert.match(problems("name: [unclosed\n")[0], /^\d+:\d+: YAML syntax error/);
  assert.match(problems("")[0], /^1:1: the file is empty/);
  assert.match(problems("a: 1\na: 2\n")[0], /^2:1: YAML syntax error: Map keys must be unique/);
  assert.deepEqual(problems("name: x\ntopology:\n  nodes:\n    h1: {}\n"), [
    '4:9: node "h1" has no kind: set "kind" (host, server, router, nat or switch) on it or in topology.defaults',
  ]);
});

test("VLAN settings only on switches, and access xor trunk", () => {
  const text = lab.replace("eth0: {ipv4: 10.0.1.10/24}", "eth0: {ipv4: 10.0.1.10/24, vlan: 10}");
  assert.match(
    problems(text)[0],
    /^11:42: "vlan" of interface "eth0" of node "h1": VLAN port settings belong on switch ports, but "h1" is a host/,
  );
});

test("paths read as words", () => {
  assert.equal(
    describePath(["topology", "nodes", "h1", "interfaces", "eth0", "ipv4"]),
    '"ipv4" of interface "eth0" of node "h1"',
  );
  assert.equal(describePath(["topology", "links", 2, "delay"]), '"delay" of link #3');
  assert.equal(describePath(["topology", "defaults", "gateway"]), '"gateway" of defaults');
  assert.equal(
    describePath(["topology", "kinds", "router", "routes", 0, "via"]),
    '"via" of route #1 of kind "router"',
  );
});

test("did-you-mean counts a transposition as one edit", async () => {
  const { editDistance, closest } = await import("../../src/topology/suggest.js");
  assert.equal(editDistance("hots", "host"), 1);
  assert.equal(editDistance("gatway", "gateway"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(closest("rotuer", ["host", "router", "switch"]), "router");
  assert.equal(closest("banana", ["host", "router", "switch"]), undefined);
});

test("defaults, kinds and groups share the node settings' schema: their unknown keys are located too", () => {
  const found = problems(`name: d
topology:
  defaults: {gatway: 10.0.0.1}
  kinds:
    host: {kind: host, exce: []}
  groups:
    g1: {lables: {}}
  nodes:
    h1: {kind: host, gateway: 10.0.0.1, routes: [{to: 10.9.0.0/16, vai: 10.0.0.2}]}
`);
  assert.deepEqual(
    found.map((line) => line.replace(/; expected one of: .*$/, "")),
    [
      '3:14: unknown key "gatway" in defaults (did you mean "gateway"?)',
      '5:24: unknown key "exce" in kind "host" (did you mean "exec"?)',
      '7:10: unknown key "lables" in group "g1" (did you mean "labels"?)',
      '9:68: unknown key "vai" in route #1 of node "h1" (did you mean "via"?)',
    ],
  );
  // The published schema says the same once: the node settings are a definition the four refer to.
  assert.equal(topologySchema.properties.topology.properties.defaults.$ref, "#/definitions/node");
  assert.ok("interfaces" in topologySchema.definitions.node.properties);
});
