/**
 * Dynamic routing through the shell: `router ospf ...` / `router rip ...` configure a running lab,
 * `show ip ospf neighbor|database|interface|route`, `show ip rip`, `show ip protocols` and
 * `show ip route` show what the protocols did, and `link a b down` makes them reconverge.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { labShell } from "../support/lab-shell.js";

const LAB = `name: igp
topology:
  defaults: {}
  nodes:
    r1: {kind: router, interfaces: {eth0: {ipv4: 10.0.12.1/24}, eth1: {ipv4: 10.0.13.1/24}}, routes: [{to: 192.0.2.0/24, via: 10.0.12.2}]}
    r2: {kind: router, interfaces: {eth0: {ipv4: 10.0.12.2/24}, eth1: {ipv4: 10.0.23.2/24}, lan: {ipv4: 10.2.0.1/24}}, routes: [{to: 192.0.2.0/24, via: 10.0.12.1}]}
    r3: {kind: router, interfaces: {eth0: {ipv4: 10.0.13.3/24}, eth1: {ipv4: 10.0.23.3/24}}, routes: [{to: 192.0.2.0/24, via: 10.0.13.1}]}
  links:
    - endpoints: [r1:eth0, r2:eth0]
    - endpoints: [r1:eth1, r3:eth0]
    - endpoints: [r2:eth1, r3:eth1]
`;

async function lab() {
  return labShell(LAB, { seed: 3, file: "igp.yml" });
}

test("router ospf in the shell, then the OSPF views and a link failure", async () => {
  const { run } = await lab();
  for (const [name, id] of [
    ["r1", "1.1.1.1"],
    ["r2", "2.2.2.2"],
    ["r3", "3.3.3.3"],
  ]) {
    const r = await run(
      `${name} router ospf router-id ${id} hello-interval 1 dead-interval 4 area 0 eth0 eth1`,
    );
    assert.equal(r.status, 0, r.err);
  }
  assert.equal((await run("r2 router ospf area 0 lan")).status, 0);
  await run("sleep 15");
  const neighbors = await run("r1 show ip ospf neighbor");
  assert.match(neighbors.out, /^2\.2\.2\.2\s+1 Full\/(DR|Backup)\s/m);
  assert.match(neighbors.out, /^3\.3\.3\.3\s+1 Full\/(DR|Backup)\s/m);
  const database = await run("r1 sh ip o data");
  assert.match(database.out, /Router Link States \(Area 0\.0\.0\.0\)/);
  assert.match(database.out, /Net Link States \(Area 0\.0\.0\.0\)/);
  assert.match(database.out, /^3\.3\.3\.3\s+3\.3\.3\.3\s+\d+ 0x8000000\d 0x[0-9a-f]{4} 2$/m);
  const iface = await run("r1 show ip ospf interface eth0");
  assert.match(iface.out, /eth0 is up\n {2}Internet Address 10\.0\.12\.1\/24, Area 0\.0\.0\.0/);
  assert.match(
    (await run("r1 show ip route")).out,
    /O>\* 10\.2\.0\.0\/24 \[110\/20\] via 10\.0\.12\.2, eth0/,
  );
  assert.match((await run("r1 show ip ospf route")).out, /N {4}10\.2\.0\.0\/24\s+\[20\] area: 0\.0\.0\.0/);
  assert.match(
    (await run("r1 show ip protocols")).out,
    /Routing Protocol is "ospf"\n {2}Router ID 1\.1\.1\.1/,
  );
  assert.match((await run("r1 show ip ospf")).out, /OSPF Routing Process, Router ID: 1\.1\.1\.1/);
  // Cut r1-r2: r1 reaches r2's LAN through r3.
  assert.equal((await run("link r1 r2 down")).status, 0);
  await run("sleep 10");
  assert.match(
    (await run("r1 show ip route")).out,
    /O>\* 10\.2\.0\.0\/24 \[110\/30\] via 10\.0\.13\.3, eth1/,
  );
  assert.equal((await run("r1 no router ospf")).status, 0);
  assert.doesNotMatch((await run("r1 show ip route")).out, /^O/m);
  assert.match((await run("r1 show ip ospf neighbor")).out, /OSPF instance not found/);
});

test("router rip in the shell, then show ip rip", async () => {
  const { run } = await lab();
  for (const name of ["r1", "r2", "r3"]) {
    const r = await run(`${name} router rip network eth0 eth1 timers 5 30 20`);
    assert.equal(r.status, 0, r.err);
  }
  await run("r2 router rip passive lan");
  await run("sleep 12");
  const rip = await run("r1 show ip rip");
  assert.match(rip.out, /^R\(n\) 10\.2\.0\.0\/24\s+10\.0\.12\.2\s+2 10\.0\.12\.2\s+0 00:\d\d$/m);
  assert.match(rip.out, /^C\(i\) 10\.0\.12\.0\/24\s+0\.0\.0\.0\s+1 self/m);
  assert.match((await run("r1 show ip route")).out, /R>\* 10\.2\.0\.0\/24 \[120\/2\] via 10\.0\.12\.2, eth0/);
  assert.match((await run("r1 show ip rip status")).out, /Split horizon: poisoned-reverse/);
  const bad = await run("r1 router rip bogus");
  assert.notEqual(bad.status, 0);
  assert.match(bad.err, /unknown "bogus"/);
});
