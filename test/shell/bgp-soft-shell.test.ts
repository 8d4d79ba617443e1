/**
 * `clear ip bgp * soft out` from the shell: after the speaker's export route map changes, the
 * prefix it now denies disappears from the peer's `show ip bgp` and `show ip route`, the new MED
 * shows, and `show ip bgp summary` still has the session up (no reset).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Router } from "../../src/devices/router.js";
import { RouteMap } from "../../src/routing/bgp/policy.js";
import type { Bgp } from "../../src/routing/bgp/speaker.js";
import { SECOND } from "../../src/sim/time.js";
import { labShell } from "../support/lab-shell.js";

const LAB = `name: soft-out
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.1.0.10/24}}, gateway: 10.1.0.1}
    h3: {kind: host, interfaces: {eth0: {ipv4: 10.3.0.10/24}}, gateway: 10.3.0.1}
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 10.1.0.1/24}, eth1: {ipv4: 10.0.12.1/24}, eth2: {ipv4: 10.3.0.1/24}}
      bgp:
        asn: 65001
        router-id: 1.1.1.1
        networks: [10.1.0.0/24, 10.3.0.0/24]
        timers: {keepalive: 3, hold: 9}
        neighbors: [{address: 10.0.12.2, remote-as: 65002, route-map-out: OUT}]
        prefix-lists:
          THREE: [{action: permit, prefix: 10.3.0.0/24}]
        route-maps:
          OUT: [{seq: 10, action: permit, set: {metric: 10}}]
    r2:
      kind: router
      interfaces: {eth1: {ipv4: 10.0.12.2/24}}
      bgp:
        asn: 65002
        router-id: 2.2.2.2
        neighbors: [{address: 10.0.12.1, remote-as: 65001}]
  links:
    - endpoints: [h1:eth0, r1:eth0]
    - endpoints: [h3:eth0, r1:eth2]
    - endpoints: [r1:eth1, r2:eth1]
`;

test("clear ip bgp * soft out withdraws what the new route-map-out denies and sends the new metric, session kept", async () => {
  const { ok: run, network } = labShell(LAB, { seed: 5, file: "soft.yml" });
  network.runFor(10 * SECOND);
  const before = await run("r2 show ip bgp");
  assert.match(before, /^\*> 10\.1\.0\.0\/24\s+10\.0\.12\.1\s+10\s+0 65001 i$/m);
  assert.match(before, /^\*> 10\.3\.0\.0\/24\s+10\.0\.12\.1\s+10\s+0 65001 i$/m);

  const r1 = (network.node("r1") as Router).routing.get("bgp") as Bgp;
  r1.routeMaps.set(
    "OUT",
    new RouteMap("OUT", [
      { seq: 5, action: "deny", match: { "prefix-list": "THREE" } },
      { seq: 10, action: "permit", set: { metric: 42 } },
    ]),
  );
  assert.equal(await run("r1 clear ip bgp * soft out"), "");
  network.runFor(1 * SECOND);
  const after = await run("r2 show ip bgp");
  assert.match(after, /^\*> 10\.1\.0\.0\/24\s+10\.0\.12\.1\s+42\s+0 65001 i$/m);
  assert.doesNotMatch(after, /10\.3\.0\.0/);
  const routes = await run("r2 show ip route");
  assert.match(routes, /B>\* 10\.1\.0\.0\/24 \[20\/42\] via 10\.0\.12\.1, eth1/);
  assert.doesNotMatch(routes, /10\.3\.0\.0/);
  assert.equal(r1.session("10.0.12.2")?.state, "Established");
  assert.equal(r1.session("10.0.12.2")?.establishedCount, 1, "no reset");
  assert.match(
    await run("r1 show ip bgp summary"),
    /^10\.0\.12\.2\s+4\s+65002 .* 00:00:1\d\s+0\s+1 N\/A$/m,
    "up since the start, one prefix sent",
  );
});
