/**
 * Interop with FRRouting 8: FRR's ripd (with zebra) in a network namespace, on a TAP link to an
 * emulated router r1 running our RIPv2, with r2 behind it. Each learns the other's networks (FRR's
 * kernel table, our RIB, with the hop counts RIP gives), and a network withdrawn on either side
 * (poisoned with metric 16) disappears on the other.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rip } from "../../src/routing/rip/rip.js";
import { showIpRip } from "../../src/routing/rip/show.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { needTap, runIn, uniqueName } from "../platform/tap-support.js";
import { hasCommand, needSystem } from "../support/system.js";
import { Daemons, runTapLabUntil, until } from "./bgp/interop-support.js";
import { igpTapLab, linuxLan, startFrrDaemon } from "./interop-support.js";

test("FRR ripd: routes exchanged both ways over TAP, withdrawals seen on the other side", {
  timeout: 90_000,
}, async (t) => {
  if (!needTap(t)) return;
  if (
    !needSystem(
      t,
      "FRR (/usr/lib/frr/ripd, zebra, vtysh)",
      hasCommand("vtysh") && hasCommand("/usr/lib/frr/ripd"),
    )
  )
    return;
  const netns = uniqueName("tkr-");
  const tap = uniqueName("tkr");
  const daemons = new Daemons();
  const { network, r1, r2, taps } = igpTapLab({ name: "rip-interop", netns, tap, net: "10.86", seed: 13 });
  const timers = { update: 5, timeout: 30, garbage: 20 };
  try {
    await runTapLabUntil(network, taps, async () => {
      await linuxLan(netns, "frrlan", "10.86.9.1/24");
      const frr = startFrrDaemon(
        daemons,
        netns,
        "ripd",
        [
          "hostname frr-rip",
          "!",
          "router rip",
          " version 2",
          ` network ${tap}`,
          " network frrlan",
          " timers basic 5 30 20",
          "!",
          "",
        ].join("\n"),
      );
      const rip1 = r1.routing.add(new Rip(r1, { interfaces: ["eth0", "eth1"], timers }));
      r2.routing.add(new Rip(r2, { interfaces: ["eth0", "lan"], timers }));
      const kernel = async () => (await runIn(netns, "ip", ["route"])).stdout;
      const frrRip = async () => (await frr.vtysh("show ip rip")).stdout;
      // FRR learns r2's LAN, three hops away (r2 1, r1 2, FRR 3), and installs it.
      assert.ok(
        await until(
          async () => /10\.86\.2\.0\/24 (nhid \d+ )?via 10\.86\.0\.2 .*proto rip/.test(await kernel()),
          30_000,
        ),
        `${await kernel()}\n${await frrRip()}\nours:\n${showIpRip(rip1)}\n${daemons.failures.join("\n")}`,
      );
      assert.match(await frrRip(), /R\(n\) 10\.86\.2\.0\/24\s+10\.86\.0\.2\s+3 /);
      // We learn FRR's LAN: metric 2 at r1, 3 at r2.
      const lookup = (r: typeof r1, a: string) => r.ipv4.routes.lookup(Ipv4Address.parse(a));
      assert.ok(await until(() => lookup(r2, "10.86.9.5")?.protocol === "rip", 20_000), showIpRip(rip1));
      assert.equal(lookup(r1, "10.86.9.5")?.metric, 2);
      assert.equal(lookup(r1, "10.86.9.5")?.nextHops[0].via?.toString(), "10.86.0.1");
      assert.equal(lookup(r2, "10.86.9.5")?.metric, 3);
      const linuxPing = await runIn(netns, "ping", ["-n", "-c", "2", "-i", "0.2", "-W", "2", "10.86.2.1"]);
      assert.match(linuxPing.stdout, / 0% packet loss/, linuxPing.stdout + linuxPing.stderr);
      // FRR's LAN goes away: ripd poisons it, and we drop it long before the 30 s timeout.
      await runIn(netns, "ip", ["link", "set", "frrlan", "down"]);
      assert.ok(await until(() => lookup(r2, "10.86.9.5") === undefined, 15_000), showIpRip(rip1));
      // r2 stops RIP (a last update poisons its LAN): FRR's kernel loses it.
      r2.routing.remove("rip");
      assert.ok(await until(async () => !(await kernel()).includes("10.86.2.0/24"), 15_000), await kernel());
    });
  } finally {
    daemons.stop();
    daemons.remove();
  }
});
