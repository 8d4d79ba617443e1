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
  routingRouters,
  routingSettled,
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
  assert.equal(routingSettled(network), false);
  const waiting = routers.flatMap((r) => unsettledProtocols(r));
  assert.ok(
    waiting.some((w) => w.startsWith("bgp session")),
    `BGP sessions are not up at time zero: ${waiting.join("; ")}`,
  );

  let settledAt: number | undefined;
  for (let t = 0; t < 300 && settledAt === undefined; t++) {
    network.runFor(SECOND);
    if (routingSettled(network)) settledAt = network.scheduler.now;
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
  assert.equal(routingSettled(network), true);
});
