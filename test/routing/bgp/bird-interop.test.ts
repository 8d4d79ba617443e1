/**
 * Interop with BIRD 2: BIRD in a network namespace peers over a TAP link with an emulated router
 * running our BGP. Both learn each other's prefixes (`birdc show route` and our `show ip bgp`),
 * BIRD's kernel protocol installs our prefix so Linux pings the emulated LAN, and a prefix
 * withdrawn on either side disappears on the other.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { showIpBgp } from "../../../src/routing/bgp/show.js";
import { formatAsPath } from "../../../src/wire/bgp/index.js";
import { needTap, runIn, uniqueName } from "../../platform/tap-support.js";
import { hasCommand, needSystem } from "../../support/system.js";
import { Daemons, startBird, until, withBgpTapLab } from "./interop-support.js";

test("BIRD 2: eBGP session over TAP, prefixes both ways, withdrawals seen on the other side", {
  timeout: 90_000,
}, async (t) => {
  await birdSession(t, { as4: true });
});

test("BIRD 2 without 4-octet AS support (enable as4 off): the session speaks 2-octet AS_PATHs (RFC 6793)", {
  timeout: 90_000,
}, async (t) => {
  await birdSession(t, { as4: false });
});

async function birdSession(t: TestContext, options: { as4: boolean }): Promise<void> {
  if (!needTap(t, "ping")) return;
  if (!needSystem(t, "BIRD 2 (bird, birdc)", hasCommand("bird") && hasCommand("birdc"))) return;
  const netns = uniqueName("tkb-");
  const tap = uniqueName("tkb");
  const daemons = new Daemons();
  let bird: ReturnType<typeof startBird> | undefined;
  try {
    await withBgpTapLab(
      {
        netns,
        tap,
        subnet: "10.85.0",
        config: {
          asn: 65001,
          "router-id": "10.85.0.2",
          timers: { keepalive: 3, hold: 9, "connect-retry": 2 },
          neighbors: [{ address: "10.85.0.1", "remote-as": 65003 }],
          networks: ["10.90.0.0/24", "10.90.1.0/24"],
        },
      },
      async ({ router, bgp }) => {
        const routes = async () => (await bird!.birdc("show", "route")).stdout;
        assert.ok(
          await until(
            async () =>
              /10\.90\.0\.0\/24\s+unicast \[tk [^\]]*\] \* \(100\) \[AS65001i\]/.test(await routes()),
            40_000,
          ),
          `BIRD never learned our prefix:\n${await routes()}\n${(await bird!.birdc("show", "protocols", "all", "tk")).stdout}\nours: ${bgp.session("10.85.0.1")?.state} ${bgp.session("10.85.0.1")?.lastError}\n${daemons.failures.join("\n")}`,
        );
        assert.match(await routes(), /10\.90\.1\.0\/24\s+unicast \[tk/);
        assert.equal(bgp.session("10.85.0.1")?.state, "Established");
        assert.equal(
          bgp.session("10.85.0.1")?.encoding.fourOctetAs,
          options.as4,
          "the AS number encoding negotiated",
        );
        assert.ok(await until(() => bgp.entry("10.86.1.0/24")?.best !== undefined, 10_000), showIpBgp(bgp));
        assert.equal(formatAsPath(bgp.entry("10.86.0.0/24")?.best?.attributes.asPath), "65003");
        assert.match(showIpBgp(bgp), /^\*> 10\.86\.0\.0\/24\s+10\.85\.0\.1\s+0 65003 i$/m);
        assert.match(router.showIpRoute(), /B>\* 10\.86\.0\.0\/24 \[20\/0\] via 10\.85\.0\.1, eth0/);
        // BIRD's kernel protocol exported our route: Linux reaches the emulated host.
        assert.ok(
          await until(
            async () => /10\.90\.0\.0\/24 .*proto bird/.test((await runIn(netns, "ip", ["route"])).stdout),
            10_000,
          ),
          (await runIn(netns, "ip", ["route"])).stdout,
        );
        const ping = await runIn(netns, "ping", ["-n", "-c", "3", "-i", "0.2", "-W", "2", "10.90.0.10"]);
        assert.match(ping.stdout, / 0% packet loss/, ping.stdout + ping.stderr);
        // We withdraw 10.90.1.0/24: BIRD loses it.
        router.removeRoute("10.90.1.0/24");
        bgp.scan();
        assert.ok(
          await until(async () => !(await routes()).includes("10.90.1.0/24"), 15_000),
          await routes(),
        );
        assert.match(await routes(), /10\.90\.0\.0\/24/, "the other prefix stays");
        // BIRD withdraws 10.86.1.0/24 (its static protocol is disabled): we lose it.
        await bird!.birdc("disable", "st2");
        assert.ok(await until(() => bgp.entry("10.86.1.0/24") === undefined, 15_000), showIpBgp(bgp));
        assert.ok(bgp.entry("10.86.0.0/24")?.best);
      },
      () => {
        bird = startBird(
          daemons,
          netns,
          `log "${join(daemons.dir, "bird.log")}" all;
router id 10.85.0.1;
protocol device {}
protocol kernel { ipv4 { import none; export where proto = "tk"; }; }
protocol static st1 { ipv4; route 10.86.0.0/24 blackhole; }
protocol static st2 { ipv4; route 10.86.1.0/24 blackhole; }
protocol bgp tk {
  local 10.85.0.1 as 65003;
  neighbor 10.85.0.2 as 65001;
  hold time 9;
  keepalive time 3;
  connect retry time 2;
  enable as4 ${options.as4 ? "on" : "off"};
  ipv4 { import all; export where proto = "st1" || proto = "st2"; };
}
`,
        );
      },
    );
  } finally {
    daemons.stop();
    daemons.remove();
  }
}
