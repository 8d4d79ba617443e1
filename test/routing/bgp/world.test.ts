/**
 * examples/world.yml, "the other side of the world": four ASes on four continents, OSPF inside,
 * BGP between. Traceroute from Paris to Sydney shows the path, `show ip bgp` the AS path; cutting
 * the transatlantic cable makes BGP reconverge through Asia, and the time it took is reported.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { MILLISECOND, SECOND } from "../../../src/sim/time.js";
import { labShell } from "../../support/lab-shell.js";
import { projectRoot } from "../../support/system.js";

async function world() {
  const { ok: run, network } = labShell(readFileSync(join(projectRoot, "examples", "world.yml"), "utf8"), {
    seed: 1,
    file: "world.yml",
  });
  return { run, network };
}

test("the other side of the world: traceroute Paris→Sydney, the AS path, and reconvergence after a cable cut", async (t) => {
  const { run, network } = await world();
  network.runFor(60 * SECOND);
  // Paris's table: Sydney's LAN through North America (65020 65040) and through Asia (65030 65040).
  const table = await run("paris show ip bgp");
  assert.match(table, /^\*>i10\.40\.0\.0\/24\s+10\.10\.1\.2\s+100\s+0 65020 65040 i$/m);
  assert.match(table, /^\* i\s+10\.10\.2\.2\s+100\s+0 65030 65040 i$/m);
  const before = await run("paris-pc traceroute -n 10.40.0.10");
  t.diagnostic(`before the cut:\n${before}`);
  const hops = (text: string) => [...text.matchAll(/^\s*\d+\s+(\d+\.\d+\.\d+\.\d+)/gm)].map((m) => m[1]);
  // paris, london, newyork, losangeles (via chicago or direct), brisbane, sydney, sydney-pc.
  assert.deepEqual(hops(before).slice(0, 3), ["10.10.0.1", "10.10.1.2", "172.16.1.2"]);
  assert.equal(hops(before).at(-1), "10.40.0.10");
  assert.ok(hops(before).includes("172.16.4.2"), "across the Pacific to brisbane");

  // Cut the transatlantic cable and time the reconvergence.
  const cutAt = network.scheduler.now;
  let lastChange = cutAt;
  const changes: string[] = [];
  network.tracer.subscribe((e) => {
    if (e.type === "routing-route" && e.protocol === "bgp") {
      lastChange = e.time;
      changes.push(
        `${((e.time - cutAt) / MILLISECOND).toFixed(1)} ms ${e.node} ${e.action} ${e.prefix} ${e.nextHops}`,
      );
    }
  });
  await run("link london newyork down");
  network.runFor(30 * SECOND);
  const took = (lastChange - cutAt) / MILLISECOND;
  t.diagnostic(
    `BGP reconverged ${took.toFixed(1)} ms after the cut (${changes.length} route changes):\n${changes.join("\n")}`,
  );
  assert.ok(changes.length > 0);
  assert.ok(took < 5000, `reconvergence took ${took} ms`);
  const after = await run("paris show ip bgp");
  assert.match(after, /^\*>i10\.40\.0\.0\/24\s+10\.10\.2\.2\s+100\s+0 65030 65040 i$/m);
  assert.doesNotMatch(after, /65020 65040/);
  const traced = await run("paris-pc traceroute -n 10.40.0.10");
  t.diagnostic(`after the cut:\n${traced}`);
  assert.deepEqual(
    hops(traced).slice(0, 3),
    ["10.10.0.1", "10.10.2.2", "172.16.2.2"],
    "now through Frankfurt and Singapore",
  );
  assert.equal(hops(traced).at(-1), "10.40.0.10");
  // The cable is repaired: the sessions come back and the first path returns.
  await run("link london newyork up");
  network.runFor(60 * SECOND);
  assert.match(
    await run("paris show ip bgp"),
    /^\*>i10\.40\.0\.0\/24\s+10\.10\.1\.2\s+100\s+0 65020 65040 i$/m,
  );
});
