/**
 * OSPFv2 in the emulator (RFC 2328): adjacencies to Full, DR/BDR election, convergence on a ring
 * and a mesh with equal-cost multipath, link failure and recovery, areas with an ABR.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import type { Router } from "../../src/devices/router.js";
import type { Ospf } from "../../src/routing/ospf/ospf.js";
import { SECOND } from "../../src/sim/time.js";
import { hops, link, neighborStates, ospf, protocolOf, recordNeighbors } from "./support.js";

test("two routers on a point-to-point link reach Full and learn each other's LANs", () => {
  const net = new Network();
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  link(net, r1, "eth0", r2, "eth0", "10.0.12");
  r1.addAddress("lan", "10.1.0.1/24");
  r2.addAddress("lan", "10.2.0.1/24");
  const events = recordNeighbors(net);
  const p2p = { name: "eth0", network: "point-to-point" as const };
  const o1 = ospf(r1, { 0: { interfaces: [p2p, "lan"] } }, { routerId: "1.1.1.1" });
  const o2 = ospf(r2, { 0: { interfaces: [p2p, "lan"] } }, { routerId: "2.2.2.2" });
  net.scheduler.runFor(10 * SECOND);
  assert.deepEqual(neighborStates(o1), ["eth0 Full"]);
  assert.deepEqual(neighborStates(o2), ["eth0 Full"]);
  // The whole neighbour state machine, as r1 saw it (r1 has the lower ID: the slave).
  const r1Path = events.filter((e) => e.node === "r1" && e.neighbor === "2.2.2.2").map((e) => e.to);
  assert.deepEqual(
    r1Path,
    ["Init", "ExStart", "Exchange", "Loading", "Full"].filter((s) => r1Path.includes(s)),
  );
  assert.ok(r1Path.includes("ExStart") && r1Path.at(-1) === "Full");
  assert.deepEqual(hops(r1, "10.2.0.9"), ["10.0.12.2 eth0"]);
  assert.equal(protocolOf(r1, "10.2.0.9"), "ospf");
  assert.deepEqual(hops(r2, "10.1.0.9"), ["10.0.12.1 eth0"]);
  assert.match(r1.showIpRoute(), /O>\* 10\.2\.0\.0\/24 \[110\/20\] via 10\.0\.12\.2, eth0/);
  // Both databases hold the same two router-LSAs.
  const keys = (o: Ospf) =>
    [...o.areas.get(0)!.lsdb.values()]
      .map((e) => `${e.lsa.header.type}/${e.lsa.header.advertisingRouter}/${e.lsa.header.sequence}`)
      .sort();
  assert.deepEqual(keys(o1), keys(o2));
});

test("DR/BDR election on a broadcast segment: highest priority, then highest router ID", () => {
  const net = new Network();
  const sw = net.addSwitch("s1");
  void sw;
  const routers: Router[] = [];
  const ids = ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"];
  const priorities = [1, 0, 1, 1];
  for (let i = 0; i < 4; i++) {
    const r = net.addRouter(`r${i + 1}`);
    net.connect(`r${i + 1}:eth0`, `s1:p${i + 1}`);
    r.addAddress("eth0", `10.0.0.${i + 1}/24`);
    routers.push(r);
  }
  const procs = routers.map((r, i) =>
    ospf(r, { 0: { interfaces: [{ name: "eth0", priority: priorities[i] }] } }, { routerId: ids[i] }),
  );
  net.scheduler.runFor(20 * SECOND);
  const states = procs.map((p) => p.interfaces.get("eth0")!.state);
  // r4 (4.4.4.4) is DR, r3 (3.3.3.3) BDR; r2 has priority 0 and is never elected.
  assert.deepEqual(states, ["DROther", "DROther", "Backup", "DR"]);
  for (const p of procs) {
    assert.equal(p.interfaces.get("eth0")!.designatedRouter, 0x0a000004);
    assert.equal(p.interfaces.get("eth0")!.backupDesignatedRouter, 0x0a000003);
  }
  // DROthers are Full with DR and BDR and stay 2-Way with each other.
  const r1 = procs[0].interfaces.get("eth0")!;
  const stateOf = (iface: typeof r1, id: number) => iface.neighbors.get(id)?.state;
  assert.equal(stateOf(r1, 0x04040404), "Full");
  assert.equal(stateOf(r1, 0x03030303), "Full");
  assert.equal(stateOf(r1, 0x02020202), "2-Way");
  // The DR originates the network-LSA listing every router.
  const network = [...procs[3].areas.get(0)!.lsdb.values()].find((e) => e.lsa.header.type === 2);
  assert.ok(network);
  assert.equal(network.lsa.body.kind === "network" && network.lsa.body.attachedRouters.length, 4);
  // Every database agrees.
  const sizes = procs.map((p) => p.areas.get(0)!.lsdb.size);
  assert.deepEqual(sizes, [5, 5, 5, 5]);
});

/** A ring r1-r2-r3-r4-r1, each router with a LAN 10.<n>.0.0/24. */
function ring(options: { p2p?: boolean } = {}) {
  const net = new Network();
  const r = [1, 2, 3, 4].map((n) => net.addRouter(`r${n}`));
  link(net, r[0], "eth0", r[1], "eth1", "10.0.12");
  link(net, r[1], "eth0", r[2], "eth1", "10.0.23");
  link(net, r[2], "eth0", r[3], "eth1", "10.0.34");
  link(net, r[3], "eth0", r[0], "eth1", "10.0.41");
  const procs = r.map((router, i) => {
    router.addAddress("lan", `10.${i + 1}.0.1/24`);
    const iface = (name: string) => (options.p2p ? { name, network: "point-to-point" as const } : name);
    return ospf(
      router,
      { 0: { interfaces: [iface("eth0"), iface("eth1"), "lan"] } },
      { routerId: `${i + 1}.${i + 1}.${i + 1}.${i + 1}` },
    );
  });
  return { net, r, procs };
}

test("a ring converges, with two equal-cost paths to the opposite router", () => {
  for (const p2p of [false, true]) {
    const { net, r } = ring({ p2p });
    net.scheduler.runFor(15 * SECOND);
    // r1 to r3's LAN: via r2 (10.0.12.2) and via r4 (10.0.41.1), both cost 30.
    assert.deepEqual(hops(r[0], "10.3.0.5"), ["10.0.12.2 eth0", "10.0.41.1 eth1"], `p2p=${p2p}`);
    assert.equal(r[0].ipv4.routes.lookup(0x0a030005)?.metric, 30);
    assert.deepEqual(hops(r[0], "10.2.0.5"), ["10.0.12.2 eth0"]);
    assert.deepEqual(hops(r[0], "10.0.34.9"), ["10.0.41.1 eth1"]);
    assert.match(
      r[0].showIpRoute(),
      /O>\* 10\.3\.0\.0\/24 \[110\/30\] via 10\.0\.12\.2, eth0, [\d:]+\n {2}\*\s+via 10\.0\.41\.1, eth1/,
    );
  }
});

test("link failure: the ring reconverges on the other way round, and back when the link returns", async () => {
  const { net, r } = ring({ p2p: true });
  net.scheduler.runFor(15 * SECOND);
  assert.deepEqual(hops(r[0], "10.2.0.5"), ["10.0.12.2 eth0"]);
  const link12 = net.links.find((l) => l.a.name.startsWith("r1") && l.b.name.startsWith("r2"))!;
  link12.setUp(false);
  net.scheduler.runFor(10 * SECOND);
  // r1 reaches r2 the long way: r4, r3, r2 (cost 40).
  assert.deepEqual(hops(r[0], "10.2.0.5"), ["10.0.41.1 eth1"]);
  assert.equal(r[0].ipv4.routes.lookup(0x0a020005)?.metric, 40);
  assert.deepEqual(hops(r[0], "10.3.0.5"), ["10.0.41.1 eth1"]);
  // Data follows: a ping from r1's LAN address reaches r2's LAN address.
  const run = ping(r[0], "10.2.0.1", { count: 2, interval: SECOND / 10 });
  net.scheduler.runFor(3 * SECOND);
  assert.equal((await run.result).received, 2);
  link12.setUp(true);
  net.scheduler.runFor(15 * SECOND);
  assert.deepEqual(hops(r[0], "10.2.0.5"), ["10.0.12.2 eth0"]);
  assert.deepEqual(hops(r[0], "10.3.0.5"), ["10.0.12.2 eth0", "10.0.41.1 eth1"]);
});

test("a router that stops OSPF flushes its LSAs (premature aging) and its neighbours route around it", () => {
  const { net, r, procs } = ring({ p2p: true });
  net.scheduler.runFor(15 * SECOND);
  r[1].routing.remove("ospf"); // r2 stops: it flushes its LSAs, neighbours drop it
  // Within a second, well before the 4 s dead interval: the MaxAge LSA did it, not the silence.
  net.scheduler.runFor(SECOND);
  assert.equal(protocolOf(r[0], "10.2.0.5"), undefined);
  assert.deepEqual(hops(r[0], "10.3.0.5"), ["10.0.41.1 eth1"]);
  net.scheduler.runFor(10 * SECOND);
  assert.deepEqual(hops(r[0], "10.3.0.5"), ["10.0.41.1 eth1"]);
  assert.equal(protocolOf(r[0], "10.2.0.5"), undefined, "r2's LAN is gone with r2's OSPF");
  assert.deepEqual(neighborStates(procs[0]), ["eth1 Full"]);
  assert.equal(r[1].ipv4.routes.size, [...r[1].ipv4.routes].filter((x) => x.protocol !== "ospf").length);
});

test("a mesh with unequal costs picks the cheapest path and splits over equal ones", () => {
  const net = new Network();
  const r = [1, 2, 3, 4, 5].map((n) => net.addRouter(`r${n}`));
  const costs: Record<string, number> = {};
  const ifaces: Record<string, { name: string; cost: number; network: "point-to-point" }[]> = {};
  let subnet = 0;
  const join = (a: number, b: number, cost: number) => {
    subnet++;
    const aIf = `to${b + 1}`;
    const bIf = `to${a + 1}`;
    link(net, r[a], aIf, r[b], bIf, `10.0.${subnet}`);
    ifaces[a] = [...(ifaces[a] ?? []), { name: aIf, cost, network: "point-to-point" }];
    ifaces[b] = [...(ifaces[b] ?? []), { name: bIf, cost, network: "point-to-point" }];
    costs[`${a}-${b}`] = cost;
  };
  join(0, 1, 10);
  join(0, 2, 10);
  join(0, 3, 50);
  join(1, 3, 10);
  join(2, 3, 10);
  join(3, 4, 10);
  join(1, 2, 5);
  r.forEach((router, i) => {
    router.addAddress("lan", `10.${i + 1}.0.1/24`);
    ospf(router, { 0: { interfaces: [...ifaces[i], "lan"] } }, { routerId: `0.0.0.${i + 1}` });
  });
  net.scheduler.runFor(20 * SECOND);
  // r1 → r5's LAN: via r2 or r3 (10+10+10+10 = 40), not the direct 50 link to r4 (50+10+10 = 70).
  assert.deepEqual(hops(r[0], "10.5.0.9"), ["10.0.1.2 to2", "10.0.2.2 to3"]);
  assert.equal(r[0].ipv4.routes.lookup(0x0a050009)?.metric, 40);
  // r2 → r3's LAN: directly (5 + 10), not via r1.
  assert.deepEqual(hops(r[1], "10.3.0.9"), ["10.0.7.2 to3"]);
});

test("areas: an ABR summarizes each area into the other (type 3 LSAs, inter-area routes)", () => {
  const net = new Network();
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  const r3 = net.addRouter("r3");
  link(net, r1, "eth0", r2, "eth0", "10.0.12");
  link(net, r2, "eth1", r3, "eth0", "10.0.23");
  r1.addAddress("lan", "10.1.0.1/24");
  r3.addAddress("lan", "10.3.0.1/24");
  const o1 = ospf(r1, { 1: { interfaces: ["eth0", "lan"] } }, { routerId: "1.1.1.1" });
  const o2 = ospf(r2, { 0: { interfaces: ["eth1"] }, 1: { interfaces: ["eth0"] } }, { routerId: "2.2.2.2" });
  const o3 = ospf(r3, { 0: { interfaces: ["eth0", "lan"] } }, { routerId: "3.3.3.3" });
  net.scheduler.runFor(20 * SECOND);
  assert.ok(o2.isAreaBorderRouter);
  assert.deepEqual(hops(r1, "10.3.0.9"), ["10.0.12.2 eth0"]);
  assert.equal(o1.route("10.3.0.0/24")?.type, "inter-area");
  assert.equal(o1.route("10.3.0.0/24")?.cost, 30);
  assert.deepEqual(hops(r3, "10.1.0.9"), ["10.0.23.1 eth0"]);
  assert.equal(o3.route("10.1.0.0/24")?.type, "inter-area");
  // Area 1 holds summaries of area 0's networks from the ABR, and no router-LSA from r3.
  const area1 = [...o1.areas.get(1)!.lsdb.values()].map((e) => e.lsa.header);
  assert.ok(area1.some((h) => h.type === 3 && h.id === 0x0a030000 && h.advertisingRouter === 0x02020202));
  assert.ok(!area1.some((h) => h.type === 1 && h.advertisingRouter === 0x03030303));
});
