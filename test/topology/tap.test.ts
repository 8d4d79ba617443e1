/** Topology files with TAP links: `tap:IFACE` endpoints and the link's `tap:` key (docs/tap.md). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTopology } from "../../src/topology/loader.js";
import { parseTapRoute, tapNameProblem } from "../../src/topology/tap.js";

const lab = `name: bridge
topology:
  nodes:
    h1: {kind: host, gateway: 10.99.0.1}
    r1: {kind: router, interfaces: {eth1: {ipv4: 10.0.1.1/24}}}
    s1: {kind: switch}
  links:
    - endpoints: ["h1:eth0", "tap:tk0"]
      tap: {netns: lab, address: 10.99.0.1/24, routes: ["10.0.0.0/8 via 10.99.0.2"]}
      delay: 1ms
    - endpoints: ["tap:tk1", "r1:eth0"]
      tap: {address: [10.98.0.1/24], mtu: 9000, forwarding: true}
    - endpoints: ["s1:eth1", "tap:tk2"]
      tap: {netns: lab}
`;

function problems(text: string): string[] {
  const result = loadTopology(text, "lab.yml");
  assert.equal(result.topology, undefined, "expected errors");
  return result.errors.map((e) => `${e.location.line}:${e.location.column}: ${e.message}`);
}

test("TAP links: the Linux side is parsed, the emulated side gets an address of its subnet", () => {
  const { topology, errors } = loadTopology(lab, "lab.yml");
  assert.deepEqual(errors, []);
  assert.ok(topology);
  assert.equal(topology.links.length, 0, "TAP links are not links between emulated nodes");
  const [tk0, tk1, tk2] = topology.taps ?? [];
  assert.deepEqual(tk0.endpoint, { node: "h1", iface: "eth0" });
  assert.equal(tk0.name, "tk0");
  assert.equal(tk0.netns, "lab");
  assert.deepEqual(tk0.addresses.map(String), ["10.99.0.1/24"]);
  assert.deepEqual(tk0.routes, ["10.0.0.0/8 via 10.99.0.2"]);
  assert.deepEqual(tk0.impairments, { delay: "1ms" });
  assert.equal(tk0.location.line, 8);
  assert.deepEqual(topology.nodes.get("h1")?.interfaces.get("eth0")?.ipv4.map(String), ["10.99.0.2/24"]);
  assert.deepEqual(tk1.endpoint, { node: "r1", iface: "eth0" });
  assert.equal(tk1.mtu, 9000);
  assert.equal(tk1.forwarding, true);
  assert.deepEqual(topology.nodes.get("r1")?.interfaces.get("eth0")?.ipv4.map(String), ["10.98.0.2/24"]);
  assert.deepEqual(tk2.endpoint, { node: "s1", iface: "eth1" });
  assert.deepEqual(topology.nodes.get("s1")?.interfaces.get("eth1")?.ipv4, [], "a switch port stays L2");
});

test("TAP links: located errors for what cannot work", () => {
  const base = (
    links: string,
    nodes = "    h1: {kind: host}\n    h2: {kind: host, interfaces: {eth0: {ipv4: 10.1.0.2/24}}}\n",
  ) => `name: bad\ntopology:\n  nodes:\n${nodes}  links:\n${links}`;
  assert.deepEqual(problems(base('    - endpoints: ["tap:tk0", "tap:tk1"]\n')), [
    "7:18: link #1: both endpoints are TAP interfaces; a TAP link joins an emulated interface to Linux",
  ]);
  assert.deepEqual(problems(base('    - endpoints: ["h1:eth0", "tap:a-name-far-too-long"]\n')), [
    '7:30: link #1: TAP interface "a-name-far-too-long" is not 1 to 15 characters long (Linux\'s IFNAMSIZ)',
  ]);
  assert.deepEqual(problems(base('    - endpoints: ["h1:eth0", "h2:eth0"]\n      tap: {netns: lab}\n')), [
    '8:12: "tap" of link #1: only a link with a "tap:IFACE" endpoint has a Linux side',
  ]);
  assert.deepEqual(
    problems(
      base(
        '    - endpoints: ["h2:eth0", "tap:tk0"]\n      tap: {address: 10.99.0.1/24, routes: ["10.0.0.0/8 via nowhere", "bogus"]}\n',
      ),
    ),
    [
      '8:22: link #1: interface "h2:eth0" (10.1.0.2/24) and the Linux side (10.99.0.1/24) are not on one subnet',
      '8:45: "routes" of link #1\'s TAP: route "10.0.0.0/8 via nowhere": "nowhere" is not an IPv4 address',
      '8:71: "routes" of link #1\'s TAP: route "bogus": expected a prefix such as 10.0.0.0/8 or "default" first',
    ],
  );
  assert.deepEqual(
    problems(base('    - endpoints: ["h1:eth0", "tap:tk0"]\n    - endpoints: ["h2:eth0", "tap:tk0"]\n')),
    ['8:30: link #2: TAP interface "tk0" is already used by another link'],
  );
  assert.deepEqual(problems(base('    - endpoints: ["hx:eth0", "tap:tk0"]\n')), [
    '7:19: link #1: endpoint "hx:eth0" names node "hx", which is not in topology.nodes (did you mean "h1"?)',
  ]);
  assert.deepEqual(
    problems(
      base('    - endpoints: ["tap:tk0", "h1:eth0"]\n', "    h1: {kind: host}\n    tap: {kind: host}\n"),
    ),
    ['5:5: node "tap": the name is reserved for TAP endpoints ("tap:IFACE" in a link joins Linux)'],
  );
  assert.deepEqual(
    problems(base('    - endpoints: ["h1:eth0", "tap:tk0"]\n      tap: {bogus: 1}\n')).length,
    1,
  );
});

test("TAP route and name checks", () => {
  const route = parseTapRoute("default via 10.99.0.2");
  assert.ok(typeof route === "object");
  assert.equal(String(route.to), "0.0.0.0/0");
  assert.equal(String(route.via), "10.99.0.2");
  assert.equal(route.text, "default via 10.99.0.2");
  assert.equal(typeof parseTapRoute("default"), "string");
  assert.equal(typeof parseTapRoute("10.0.0.0/8 dev tk0"), "object");
  assert.equal(typeof parseTapRoute("10.0.0.0/8 via"), "string");
  assert.equal(tapNameProblem("tk0"), undefined);
  assert.notEqual(tapNameProblem("a/b"), undefined);
  assert.notEqual(tapNameProblem(""), undefined);
});
