/**
 * Routing settles before a lab's first command (src/routing/settle.ts): at time zero the routers of
 * examples/world.yml know only their connected networks; once OSPF is Full, BGP Established and
 * the RIBs quiet, every host reaches every other.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { lastRoutingChange } from "../../src/routing/rib.js";
import {
  ROUTING_QUIET_TIME,
  RoutingSettleWatch,
  routingRouters,
  unsettledProtocols,
} from "../../src/routing/settle.js";
import { SECOND } from "../../src/sim/time.js";
import { buildNetwork } from "../../src/topology/build.js";
import { loadTopology } from "../../src/topology/loader.js";
import { projectRoot } from "../support/system.js";

test("world.yml: routing is not settled at time zero, settles within minutes, and stays settled", () => {
  const { topology } = loadTopology(
    readFileSync(join(projectRoot, "examples", "world.yml"), "utf8"),
    "world.yml",
  );
  const { lab } = buildNetwork(topology!, { seed: 1 });
  const network = lab!.network;
  const routers = routingRouters(network);
  assert.ok(routers.length >= 8, "the world's routers run OSPF and BGP");
  const watch = new RoutingSettleWatch(network);
  assert.equal(watch.settled(), false);
  const waiting = routers.flatMap((r) => unsettledProtocols(r));
  assert.ok(
    waiting.some((w) => w.startsWith("bgp session")),
    `BGP sessions are not up at time zero: ${waiting.join("; ")}`,
  );

  let settledAt: number | undefined;
  for (let t = 0; t < 300 && settledAt === undefined; t++) {
    network.runFor(SECOND);
    if (watch.settled()) settledAt = network.scheduler.now;
  }
  assert.ok(settledAt !== undefined, "settled within 300 s of network time");
  assert.deepEqual(
    routers.flatMap((r) => unsettledProtocols(r)),
    [],
  );
  const last = lastRoutingChange(network.scheduler);
  assert.ok(
    last !== undefined && settledAt - last >= ROUTING_QUIET_TIME,
    "the RIBs were quiet for the quiet time",
  );
  // Nothing changes once settled: a minute later, no route has moved.
  network.runFor(60 * SECOND);
  assert.equal(lastRoutingChange(network.scheduler), last);
  assert.equal(watch.settled(), true);
});

test("an OSPF ring on broadcast links: not settled until the routes that follow the adjacencies are in", () => {
  // Broadcast links wait a dead interval (40 s) before electing a DR and install nothing before:
  // the RIBs are "quiet" from time zero, which must not count as settled (it did once).
  const text = `name: ring
topology:
  nodes:
${[1, 2, 3, 4].map((i) => `    r${i}: {kind: router, ospf: {router-id: ${i}.${i}.${i}.${i}, areas: {0: {interfaces: [eth0, eth1]}}}}`).join("\n")}
  links:
    - {endpoints: ["r1:eth0", "r2:eth0"]}
    - {endpoints: ["r2:eth1", "r3:eth0"]}
    - {endpoints: ["r3:eth1", "r4:eth0"]}
    - {endpoints: ["r4:eth1", "r1:eth1"]}
`;
  const { topology, errors } = loadTopology(text, "ring.yml");
  assert.deepEqual(errors, []);
  const { lab } = buildNetwork(topology!, { seed: 1 });
  const network = lab!.network;
  const watch = new RoutingSettleWatch(network);
  let settled = false;
  for (let t = 0; t < 1200 && !settled; t++) {
    network.runFor(SECOND / 10);
    settled = watch.settled();
  }
  assert.ok(settled);
  assert.ok(
    network.scheduler.now >= 40 * SECOND + ROUTING_QUIET_TIME,
    "not before the DR election and a quiet time",
  );
  const r1 = network.router("r1");
  const ospfRoutes = [...r1.ipv4.routes.routes()].filter((r) => r.protocol === "ospf" && r.distance === 110);
  const far = ospfRoutes
    .map((r) => r.prefix.toString())
    .filter((p) => p !== "10.255.0.0/30" && p !== "10.255.0.12/30");
  assert.equal(far.length, 2, `r1 has OSPF routes to both far links once settled: ${far.join(", ")}`);
});
