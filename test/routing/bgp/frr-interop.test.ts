/**
 * Interop with FRRouting 8: FRR's bgpd (with zebra) in a network namespace peers over a TAP link
 * with an emulated router running our BGP. Both learn each other's prefixes (FRR's `show ip bgp`
 * and ours), zebra installs our prefix in the Linux kernel so Linux pings the emulated LAN, and a
 * prefix withdrawn on either side disappears on the other.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { showIpBgp } from "../../../src/routing/bgp/show.js";
import { formatAsPath } from "../../../src/wire/bgp/index.js";
import { needTap, runIn, uniqueName } from "../../platform/tap-support.js";
import { hasCommand, needSystem } from "../../support/system.js";
import { Daemons, startFrr, until, withBgpTapLab } from "./interop-support.js";

test("FRR bgpd: eBGP session over TAP, prefixes both ways, withdrawals seen on the other side", {
  timeout: 90_000,
}, async (t) => {
  if (!needTap(t, "ping")) return;
  if (
    !needSystem(
      t,
      "FRR (/usr/lib/frr/bgpd, zebra, vtysh)",
      hasCommand("vtysh") && hasCommand("/usr/lib/frr/bgpd"),
    )
  )
    return;
  const netns = uniqueName("tkf-");
  const tap = uniqueName("tkf");
  const daemons = new Daemons();
  let frr: ReturnType<typeof startFrr> | undefined;
  try {
    await withBgpTapLab(
      {
        netns,
        tap,
        subnet: "10.83.0",
        config: {
          asn: 65001,
          "router-id": "10.83.0.2",
          timers: { keepalive: 3, hold: 9, "connect-retry": 2 },
          neighbors: [{ address: "10.83.0.1", "remote-as": 65002 }],
          networks: ["10.90.0.0/24", "10.90.1.0/24"],
        },
      },
      async ({ router, bgp }) => {
        const frrBgp = async () => (await frr!.vtysh("show ip bgp")).stdout;
        // Ours: FRR has both prefixes with AS path "65001".
        assert.ok(
          await until(
            async () => /10\.90\.0\.0\/24\s+10\.83\.0\.2\s+0\s+0 65001 i/.test(await frrBgp()),
            40_000,
          ),
          `FRR never learned our prefix:\n${await frrBgp()}\n${(await frr!.vtysh("show ip bgp summary")).stdout}\nours: ${bgp.session("10.83.0.1")?.state} ${bgp.session("10.83.0.1")?.lastError}`,
        );
        assert.match(await frrBgp(), /10\.90\.1\.0\/24\s+10\.83\.0\.2/);
        assert.equal(bgp.session("10.83.0.1")?.state, "Established");
        // Theirs: we have FRR's prefixes, installed in our RIB.
        assert.ok(await until(() => bgp.entry("10.84.1.0/24")?.best !== undefined, 10_000), showIpBgp(bgp));
        assert.equal(formatAsPath(bgp.entry("10.84.0.0/24")?.best?.attributes.asPath), "65002");
        assert.match(showIpBgp(bgp), /^\*> 10\.84\.0\.0\/24\s+10\.83\.0\.1\s+0\s+0 65002 i$/m);
        assert.match(router.showIpRoute(), /B>\* 10\.84\.0\.0\/24 \[20\/0\] via 10\.83\.0\.1, eth0/);
        // zebra put our route in the namespace's kernel table: Linux reaches the emulated host.
        assert.ok(
          await until(
            async () => /10\.90\.0\.0\/24 .*proto bgp/.test((await runIn(netns, "ip", ["route"])).stdout),
            10_000,
          ),
          (await runIn(netns, "ip", ["route"])).stdout,
        );
        const ping = await runIn(netns, "ping", ["-n", "-c", "3", "-i", "0.2", "-W", "2", "10.90.0.10"]);
        assert.match(ping.stdout, / 0% packet loss/, ping.stdout + ping.stderr);
        // We withdraw 10.90.1.0/24 (its route leaves our RIB): FRR loses it.
        router.removeRoute("10.90.1.0/24");
        bgp.scan();
        assert.ok(
          await until(async () => !(await frrBgp()).includes("10.90.1.0/24"), 15_000),
          await frrBgp(),
        );
        assert.match(await frrBgp(), /10\.90\.0\.0\/24/, "the other prefix stays");
        // FRR withdraws 10.84.1.0/24: we lose it.
        await frr!.vtysh(
          "configure terminal",
          "router bgp 65002",
          "address-family ipv4 unicast",
          "no network 10.84.1.0/24",
        );
        assert.ok(await until(() => bgp.entry("10.84.1.0/24") === undefined, 15_000), showIpBgp(bgp));
        assert.ok(bgp.entry("10.84.0.0/24")?.best);
      },
      () => {
        frr = startFrr(
          daemons,
          netns,
          [
            "frr defaults traditional",
            "hostname frr-peer",
            "!",
            "router bgp 65002",
            " bgp router-id 10.83.0.1",
            " no bgp ebgp-requires-policy",
            " no bgp network import-check",
            " timers bgp 3 9",
            " neighbor 10.83.0.2 remote-as 65001",
            " neighbor 10.83.0.2 timers connect 2",
            " address-family ipv4 unicast",
            "  network 10.84.0.0/24",
            "  network 10.84.1.0/24",
            " exit-address-family",
            "!",
            "",
          ].join("\n"),
        );
      },
    );
  } finally {
    daemons.stop();
    daemons.remove();
  }
});
