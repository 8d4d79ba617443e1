/**
 * Interop with FRRouting 8: FRR's ospfd (with zebra) in a network namespace, on a TAP link to an
 * emulated router r1 running our OSPF, with a second emulated router r2 behind it. FRR and r1 reach
 * Full; FRR's kernel table gets our networks (r1's and r2's, so our LSAs and SPF were understood)
 * and we get FRR's; a network withdrawn on either side disappears on the other.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Ospf } from "../../src/routing/ospf/ospf.js";
import { showIpOspfNeighbor } from "../../src/routing/ospf/show.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { needTap, runIn, uniqueName } from "../platform/tap-support.js";
import { hasCommand, needSystem } from "../support/system.js";
import { Daemons, runTapLabUntil, until } from "./bgp/interop-support.js";
import { igpTapLab, linuxLan, startFrrDaemon } from "./interop-support.js";

test("FRR ospfd: Full adjacency over TAP, networks learned both ways, withdrawals seen on the other side", {
  timeout: 90_000,
}, async (t) => {
  if (!needTap(t)) return;
  if (
    !needSystem(
      t,
      "FRR (/usr/lib/frr/ospfd, zebra, vtysh)",
      hasCommand("vtysh") && hasCommand("/usr/lib/frr/ospfd"),
    )
  )
    return;
  const netns = uniqueName("tko-");
  const tap = uniqueName("tko");
  const daemons = new Daemons();
  const { network, r1, r2, taps } = igpTapLab({ name: "ospf-interop", netns, tap, net: "10.85", seed: 12 });
  const timers = { helloInterval: 1, deadInterval: 4, retransmitInterval: 2 };
  try {
    await runTapLabUntil(network, taps, async () => {
      // FRR's side: a LAN to advertise (a veth pair, both ends in the namespace), then zebra and ospfd.
      await linuxLan(netns, "frrlan", "10.85.9.1/24");
      const frr = startFrrDaemon(
        daemons,
        netns,
        "ospfd",
        [
          "hostname frr-ospf",
          "!",
          `interface ${tap}`,
          " ip ospf hello-interval 1",
          " ip ospf dead-interval 4",
          " ip ospf retransmit-interval 2",
          "!",
          "router ospf",
          " ospf router-id 9.9.9.9",
          " network 10.85.0.0/24 area 0",
          " network 10.85.9.0/24 area 0",
          "!",
          "",
        ].join("\n"),
      );
      const o1 = r1.routing.add(
        new Ospf(r1, {
          ...timers,
          routerId: "1.1.1.1",
          areas: { 0: { interfaces: ["eth0", "eth1"] } },
        }),
      );
      r2.routing.add(
        new Ospf(r2, { ...timers, routerId: "2.2.2.2", areas: { 0: { interfaces: ["eth0", "lan"] } } }),
      );
      const frrNeighbors = async () => (await frr.vtysh("show ip ospf neighbor")).stdout;
      const kernel = async () => (await runIn(netns, "ip", ["route"])).stdout;
      // Full with FRR, as both see it.
      assert.ok(
        await until(async () => /^1\.1\.1\.1\s+1\s+Full\//m.test(await frrNeighbors()), 30_000),
        `FRR: ${await frrNeighbors()}\nours: ${showIpOspfNeighbor(o1)}\n${daemons.failures.join("\n")}`,
      );
      const fromFrr = [...o1.neighbors()].find((x) => x.neighbor.routerId === 0x09090909);
      assert.equal(fromFrr?.neighbor.state, "Full");
      // FRR's kernel routes to our networks (r2's LAN is two routers in: our LSAs, parsed by FRR).
      assert.ok(
        await until(
          async () => /10\.85\.2\.0\/24 (nhid \d+ )?via 10\.85\.0\.2 .*proto ospf/.test(await kernel()),
          20_000,
        ),
        `${await kernel()}\n${(await frr.vtysh("show ip ospf database")).stdout}`,
      );
      assert.match(await kernel(), /10\.85\.12\.0\/24 (nhid \d+ )?via 10\.85\.0\.2 .*proto ospf/);
      // Ours to FRR's network, on both emulated routers.
      const lookup = (r: typeof r1, a: string) => r.ipv4.routes.lookup(Ipv4Address.parse(a));
      assert.ok(
        await until(() => lookup(r2, "10.85.9.5")?.protocol === "ospf", 20_000),
        `${r2.showIpRoute()}\n${(await frr.vtysh("show ip ospf interface", "show ip ospf database router")).stdout}\n${(await runIn(netns, "ip", ["addr"])).stdout}`,
      );
      assert.equal(lookup(r1, "10.85.9.5")?.nextHops[0].via?.toString(), "10.85.0.1");
      assert.equal(lookup(r2, "10.85.9.5")?.metric, 30);
      const linuxPing = await runIn(netns, "ping", ["-n", "-c", "2", "-i", "0.2", "-W", "2", "10.85.2.1"]);
      assert.match(linuxPing.stdout, / 0% packet loss/, linuxPing.stdout + linuxPing.stderr);
      // FRR loses its network: we lose the route.
      await runIn(netns, "ip", ["addr", "del", "10.85.9.1/24", "dev", "frrlan"]);
      assert.ok(await until(() => lookup(r2, "10.85.9.5") === undefined, 20_000), r2.showIpRoute());
      // r2 stops OSPF (flushing its LSAs at once): FRR's kernel loses r2's LAN.
      r2.routing.remove("ospf");
      assert.ok(await until(async () => !(await kernel()).includes("10.85.2.0/24"), 20_000), await kernel());
      // r1's link to r2 (a transit network whose DR, r2, flushed its network-LSA) comes back as
      // a stub network once r1 declares r2 dead and originates its router-LSA again.
      assert.ok(
        await until(
          async () => /10\.85\.12\.0\/24 (nhid \d+ )?via 10\.85\.0\.2/.test(await kernel()),
          20_000,
        ),
        await kernel(),
      );
    });
  } finally {
    daemons.stop();
    daemons.remove();
  }
});
