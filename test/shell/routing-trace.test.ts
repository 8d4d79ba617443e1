/**
 * `trace NODE ospf|rip|bgp|routes`: the routing protocols' log since the lab started, as FRR's
 * `debug ospf` / `debug bgp` write it — the messages a router sent and received (RFC names), its
 * neighbours' state changes and the routes it added, changed or removed, in time order. On a small
 * OSPF lab the adjacency's states and the route arriving; on examples/world.yml a BGP route
 * changing at paris after the transatlantic cable is cut.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { labShell } from "../support/lab-shell.js";
import { projectRoot } from "../support/system.js";

const OSPF_LAB = `name: two-routers
topology:
  nodes:
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.1/24}, lan: {ipv4: 10.1.0.1/24}}
      ospf: {router-id: 1.1.1.1, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [{name: eth0, network: point-to-point}, {name: lan, passive: true}]}}}
    r2:
      kind: router
      interfaces: {eth0: {ipv4: 10.0.12.2/24}, lan: {ipv4: 10.2.0.1/24}}
      ospf: {router-id: 2.2.2.2, hello-interval: 1, dead-interval: 4, areas: {0: {interfaces: [{name: eth0, network: point-to-point}, {name: lan, passive: true}]}}}
  links:
    - endpoints: [r1:eth0, r2:eth0]
`;

function lab(text: string, file: string) {
  const { ok: run, shell } = labShell(text, { seed: 1, file });
  return { run, shell };
}

/** The log's lines as [seconds, rest]. */
function entries(text: string): [number, string][] {
  return text
    .split("\n")
    .filter((line) => /^\s*\d+\.\d{3} /.test(line))
    .map((line) => {
      const [, time, rest] = /^\s*(\d+\.\d{3}) (.*)$/.exec(line)!;
      return [Number(time), rest];
    });
}

test("trace NODE ospf: Hellos, the adjacency coming up, the route arriving, in time order", async () => {
  const { run } = lab(OSPF_LAB, "two.yml");
  await run("sleep 10");
  const log = await run("trace r1 ospf -n 1000");
  const lines = entries(log);
  assert.ok(lines.length > 10, log);
  const times = lines.map(([t]) => t);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    "time-ordered",
  );
  assert.ok(
    lines.every(([, rest]) => rest.startsWith("r1 OSPF: ")),
    "only r1, only OSPF",
  );
  const text = lines.map(([, rest]) => rest);
  const at = (re: RegExp) => text.findIndex((l) => re.test(l));
  const hello = at(/^r1 OSPF: sent Hello to 224\.0\.0\.5 on eth0: Hello from 1\.1\.1\.1 area 0\.0\.0\.0/);
  const heard = at(/^r1 OSPF: received Hello from 10\.0\.12\.2 on eth0: Hello from 2\.2\.2\.2/);
  const full = at(
    /^r1 OSPF: neighbour 2\.2\.2\.2 on eth0 Loading -> Full \(LoadingDone\)|^r1 OSPF: neighbour 2\.2\.2\.2 on eth0 Exchange -> Full/,
  );
  const update = at(/^r1 OSPF: received LS Update from 10\.0\.12\.2 on eth0/);
  const route = at(/^r1 OSPF: route added 10\.2\.0\.0\/24 via 10\.0\.12\.2 eth0 \[110\/\d+\]$/);
  for (const [name, index] of Object.entries({ hello, heard, full, update, route }))
    assert.ok(index >= 0, `${name} in:\n${log}`);
  assert.ok(hello < full && heard < full && update < route, log);
  assert.match(text.join("\n"), /^r1 OSPF: neighbour 2\.2\.2\.2 on eth0 Down -> Init/m);

  // routes: only the route changes; --no-hello leaves the Hellos out; -n the last lines.
  const routes = entries(await run("trace r1 routes"));
  assert.ok(routes.length > 0 && routes.every(([, l]) => / route (added|changed|removed) /.test(l)));
  const quiet = await run("trace r1 ospf --no-hello -n 1000");
  assert.doesNotMatch(quiet, / Hello /);
  assert.match(quiet, /LS Update/);
  const last3 = await run("trace r1 ospf -n 3");
  assert.equal(entries(last3).length, 3);
  assert.match(last3, /earlier lines not shown; -n \d+ shows them/);
  assert.match(await run("trace r1 bgp"), /no bgp events recorded at r1 yet/);

  // The link goes down: the neighbour drops and the route is removed.
  await run("trace clear");
  await run("link r1 r2 down");
  await run("sleep 6");
  const after = (await run("trace r1 routing")).split("\n");
  assert.ok(
    after.some((l) => /r1 OSPF: neighbour 2\.2\.2\.2 on eth0 \S+ -> Down/.test(l)),
    after.join("\n"),
  );
  assert.ok(
    after.some((l) => /r1 OSPF: route removed 10\.2\.0\.0\/24$/.test(l)),
    after.join("\n"),
  );
});

test("trace paris bgp on world.yml: after the transatlantic cable is cut, the route to Sydney changes at paris", async () => {
  const { run } = lab(readFileSync(join(projectRoot, "examples", "world.yml"), "utf8"), "world.yml");
  await run("sleep 60");
  const start = await run("trace paris bgp --no-hello -n 10000");
  assert.match(
    start,
    /paris BGP: neighbour 10\.10\.1\.2 Idle -> Connect|paris BGP: neighbour 10\.10\.1\.2 \S+ -> Established/,
  );
  assert.match(start, /paris BGP: received UPDATE from 10\.10\.1\.2: \d+ prefix(es)? via 10\.10\.1\.2/);
  assert.match(start, /paris BGP: route added 10\.40\.0\.0\/24 via 10\.10\.1\.2 eth1 \[200\/0\]/);
  await run("trace clear");
  await run("link london newyork down");
  await run("sleep 20");
  const log = await run("trace paris bgp --no-hello");
  const text = entries(log).map(([, l]) => l);
  const withdrawn = text.findIndex((l) =>
    /^paris BGP: received UPDATE from 10\.10\.1\.2: (.*; )?\d+ withdrawn/.test(l),
  );
  const changed = text.findIndex((l) =>
    /^paris BGP: route changed 10\.40\.0\.0\/24 via 10\.10\.2\.2 eth2 \[200\/0\]$/.test(l),
  );
  assert.ok(withdrawn >= 0 && changed > withdrawn, log);
});
