/**
 * The `nat` node kind and the `nat` and `firewall` keys: what the loader makes of them, the
 * mistakes it points at, automatic addressing around a NAT, and a lab built from a file that
 * pings through the NAT and is filtered by the firewall.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import type { Node } from "../../src/devices/node.js";
import { SECOND } from "../../src/sim/time.js";
import { assignAddresses } from "../../src/topology/addressing.js";
import { loadTopology } from "../../src/topology/loader.js";
import type { TopologySpec } from "../../src/topology/model.js";
import {
  applyNatAndFirewall,
  natConfigOf,
  parseNatDuration,
  parsePool,
} from "../../src/topology/nat-firewall.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";

const home = `name: home
topology:
  nodes:
    laptop: {kind: host, interfaces: {eth0: {ipv4: 192.168.1.10/24}}, gateway: 192.168.1.1}
    nas: {kind: server, interfaces: {eth0: {ipv4: 192.168.1.20/24}}, gateway: 192.168.1.1}
    home:
      kind: nat
      gateway: 203.0.113.1
      interfaces:
        eth0: {ipv4: 192.168.1.1/24}
        eth1: {ipv4: 203.0.113.2/24}
      nat:
        filtering: address-dependent
        timeouts: {udp: 10m, tcp-established: 3h}
        forward:
          - {proto: tcp, port: 8080, to: "192.168.1.20:80"}
          - {proto: udp, port: 6000-6002, to: 192.168.1.20}
      firewall:
        zones: {lan: eth0, wan: [eth1]}
        forward:
          policy: drop
          rules:
            - accept state established,related
            - accept from lan to wan
            - {action: accept, from: wan, proto: tcp, dst: 192.168.1.20, dport: 80, state: new}
    isp:
      kind: router
      interfaces:
        eth0: {ipv4: 203.0.113.1/24}
        eth1: {ipv4: 198.51.100.1/24}
    web: {kind: server, interfaces: {eth0: {ipv4: 198.51.100.10/24}}, gateway: 198.51.100.1}
    lan: {kind: switch}
  links:
    - endpoints: [laptop:eth0, lan:p1]
    - endpoints: [nas:eth0, lan:p2]
    - endpoints: [home:eth0, lan:p0]
    - endpoints: [home:eth1, isp:eth0]
    - endpoints: [isp:eth1, web:eth0]
`;

function problems(text: string): string[] {
  const result = loadTopology(text, "lab.yml");
  assert.equal(result.topology, undefined, "expected errors");
  return result.errors.map((e) => `${e.location.line}:${e.location.column}: ${e.message}`);
}

test("a nat node with port forwards and a firewall loads into plain settings", () => {
  const { topology, errors } = loadTopology(home, "home.yml");
  assert.deepEqual(errors, []);
  const node = topology!.nodes.get("home")!;
  assert.equal(node.kind, "nat");
  assert.equal(node.nat?.filtering, "address-dependent");
  assert.deepEqual(node.nat?.timeouts, { udp: 600 * SECOND, tcpEstablished: 3 * 3600 * SECOND });
  assert.deepEqual(node.nat?.forward, [
    { protocol: "tcp", port: 8080, to: Ipv4Address.parse("192.168.1.20").value, toPort: 80 },
    { protocol: "udp", port: 6000, count: 3, to: Ipv4Address.parse("192.168.1.20").value },
  ]);
  assert.deepEqual(node.firewall?.zones, { lan: ["eth0"], wan: ["eth1"] });
  assert.equal(node.firewall?.forward?.policy, "drop");
  assert.deepEqual(node.firewall?.forward?.rules?.[0], {
    action: "accept",
    state: ["established", "related"],
  });
  assert.deepEqual(node.firewall?.forward?.rules?.[2], {
    action: "accept",
    from: "wan",
    protocol: "tcp",
    dst: "192.168.1.20",
    dport: 80,
    state: "new",
  });
  // The outside interface is the one toward the gateway.
  const config = natConfigOf(node);
  assert.ok(typeof config !== "string");
  assert.equal(config.outside, "eth1");
});

test("mistakes are pointed at: NAT on a host, a bad pool, a bad forward, a short timeout, unknown interfaces and rules", () => {
  const text = `name: bad
topology:
  nodes:
    h1: {kind: host, nat: {outside: eth0}}
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.0.1/24}, eth1: {ipv4: 10.0.1.1/24}}
      nat:
        outside: eht1
        pool: 203.0.113.20-203.0.113.10
        timeouts: {udp: 60s}
        forward: [{port: 80, to: "192.168.1.300:80"}]
      firewall:
        zones: {lan: eth0}
        forward:
          rules:
            - allow everything
            - {action: accept, proto: udp, dport: 70000}
            - {action: accept, from: dmz}
`;
  const found = problems(text);
  const expect = [
    /^4:\d+: "nat" of node "h1": NAT needs a node that forwards/,
    /^9:18: node "r1": no interface or zone "eht1" \(did you mean "eth1"\?\)/,
    /^10:15: node "r1": "pool" of nat: range 203\.0\.113\.20-203\.0\.113\.10 ends before it starts/,
    /^12:\d+: node "r1": port forward #1: "to" must be an inside address/,
    /^11:25: node "r1": the udp timeout of 60s is below the 120 s the RFCs require/,
    /node "r1": forward rule #1 of firewall: a rule starts with accept, drop or reject, not "allow"/,
    /node "r1": forward rule #2 of firewall: "dport" must be a port or a range/,
    /^19:15: node "r1": no interface or zone "dmz"/,
  ];
  for (const pattern of expect)
    assert.ok(
      found.some((line) => pattern.test(line)),
      `${pattern}\n${found.join("\n")}`,
    );
  assert.match(
    problems("name: x\ntopology:\n  nodes:\n    r: {kind: nat, nat: {outsde: eth1}}\n").join(),
    /unknown key "outsde" in "nat" of node "r" \(did you mean "outside"\?\)/,
  );
  assert.match(
    problems("name: x\ntopology:\n  nodes:\n    r: {kind: nat, nat: {mapping: symmetric}}\n").join(),
    /expected one of endpoint-independent, address-dependent, address-and-port-dependent/,
  );
});

test("durations and pools parse as documented", () => {
  assert.equal(parseNatDuration("2h4m"), (2 * 3600 + 4 * 60) * SECOND);
  assert.equal(parseNatDuration("300s"), 300 * SECOND);
  assert.equal(parseNatDuration(90), 90 * SECOND);
  assert.equal(parseNatDuration("5 parsecs"), undefined);
  assert.deepEqual(
    (parsePool("203.0.113.8/30") as number[]).map((a) => new Ipv4Address(a).toString()),
    ["203.0.113.9", "203.0.113.10"],
  );
  assert.equal((parsePool("10.0.0.1-10.0.0.4") as number[]).length, 4);
  assert.match(String(parsePool("10.0.0.0/8")), /larger than a \/16/);
});

test("a nat node needs to know its outside interface", () => {
  const { topology } = loadTopology(
    "name: x\ntopology:\n  nodes:\n    r: {kind: nat, interfaces: {eth0: {ipv4: 10.0.0.1/24}}}\n",
  );
  assert.match(
    String(natConfigOf(topology!.nodes.get("r")!)),
    /which interface is outside\? Say it with "nat: \{outside: IFACE\}"/,
  );
  const routed = loadTopology(
    "name: x\ntopology:\n  nodes:\n    r: {kind: nat, interfaces: {eth0: {ipv4: 10.0.0.1/24}, eth1: {ipv4: 10.9.0.2/30}}, routes: [{to: default, via: 10.9.0.1}]}\n",
  );
  const config = natConfigOf(routed.topology!.nodes.get("r")!);
  assert.equal(typeof config !== "string" && config.outside, "eth1");
});

test("automatic addressing keeps the networks behind a NAT private: other routers get no route to them", () => {
  const text = `name: auto
topology:
  nodes:
    pc: {kind: host}
    home: {kind: nat, nat: {outside: eth1}}
    isp: {kind: router}
    web: {kind: server}
  links:
    - endpoints: [pc:eth0, home:eth0]
    - endpoints: [home:eth1, isp:eth0]
    - endpoints: [isp:eth1, web:eth0]
`;
  const { topology } = loadTopology(text);
  assignAddresses(topology!);
  const lan = topology!.nodes.get("pc")!.interfaces.get("eth0")!.ipv4[0].networkPrefix.toString();
  const isp = topology!.nodes.get("isp")!;
  assert.ok(!isp.routes.some((r) => r.to.toString() === lan), `isp must not route to ${lan}`);
  const nat = topology!.nodes.get("home")!;
  const web = topology!.nodes.get("web")!.interfaces.get("eth0")!.ipv4[0].networkPrefix.toString();
  assert.ok(nat.routes.some((r) => r.to.toString() === web));
  assert.equal(
    topology!.nodes.get("pc")!.gateway?.toString(),
    nat.interfaces.get("eth0")!.ipv4[0].address.toString(),
  );
});

/** The builder's job, by hand (src/topology/build.ts does it for the CLI). */
function build(topology: TopologySpec): Network {
  const net = new Network({ seed: 3 });
  const nodes = new Map<string, Node>();
  for (const spec of topology.nodes.values()) {
    if (spec.kind === "switch") net.addSwitch(spec.name);
    else
      nodes.set(
        spec.name,
        spec.kind === "router" || spec.kind === "nat" ? net.addRouter(spec.name) : net.addHost(spec.name),
      );
  }
  for (const link of topology.links)
    net.connect(`${link.a.node}:${link.a.iface}`, `${link.b.node}:${link.b.iface}`);
  for (const spec of topology.nodes.values()) {
    const node = nodes.get(spec.name);
    if (!node) continue;
    for (const iface of spec.interfaces.values())
      for (const prefix of iface.ipv4) node.addAddress(iface.name, prefix);
    if (spec.gateway) node.setDefaultGateway(spec.gateway.toString());
    for (const route of spec.routes)
      node.addRoute(route.to.toString(), route.via?.toString(), route.dev ? { iface: route.dev } : {});
    assert.deepEqual(applyNatAndFirewall(node, spec), []);
  }
  return net;
}

test("a lab from the file: the laptop pings the web server through the NAT; the firewall lets the port forward in", async () => {
  const { topology } = loadTopology(home, "home.yml");
  const net = build(topology!);
  const laptop = net.node("laptop");
  const run = ping(laptop, "198.51.100.10", { count: 2 });
  net.runUntilDone(run);
  assert.equal((await run.result).received, 2);
  const router = net.node("home");
  assert.match(router.showIpNatTranslations(), /^icmp 203\.0\.113\.2:\d+ +192\.168\.1\.10:\d+/m);
  assert.match(router.showIpNatTranslations(), /^tcp {2}203\.0\.113\.2:8080 +192\.168\.1\.20:80 +---/m);
  assert.equal(router.nat?.filtering, "address-dependent");
  // The web server knocks on the forwarded port: the NAT and the firewall let it through.
  const nas = net.node("nas");
  let reached = false;
  nas.tcp.listen(80, () => {
    reached = true;
  });
  net.node("web").tcp.connect({ remote: Ipv4Address.parse("203.0.113.2"), port: 8080 });
  net.runFor(SECOND);
  assert.equal(reached, true);
  assert.equal(router.firewall?.chains.forward.rules[2].packets, 1);
  // The UDP forward is translated, but the firewall has no rule for it: the drop policy.
  const udp = net.node("web").udp.createSocket();
  udp.sendTo(new Uint8Array(4), 6001, Ipv4Address.parse("203.0.113.2"));
  net.runFor(SECOND);
  assert.equal(router.firewall!.counters.drops.get("firewall-forward-policy"), 1);
});
