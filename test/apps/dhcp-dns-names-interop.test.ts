/**
 * DHCP names in DNS with Linux's own tools (a system test, through TAP): ISC `dhclient` takes a lease
 * from our DHCP server sending host name "linuxbox" (option 12, `send host-name` in its
 * configuration), BIND's `dig` then finds linuxbox.tap.example and its PTR at our DNS server, and
 * after `dhclient -r` (RELEASE) both are gone — what dnsmasq does for its DHCP clients.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DhcpDnsUpdater } from "../../src/apps/dhcp/dns-update.js";
import { DhcpServer } from "../../src/apps/dhcp/server.js";
import { DnsServer } from "../../src/apps/dns/server.js";
import { Zone } from "../../src/apps/dns/zone.js";
import { Network } from "../../src/devices/network.js";
import { openTapBridge } from "../../src/platform/tap/bridge.js";
import { RealtimeRunner } from "../../src/platform/tap/realtime-runner.js";
import { needTap, runIn, uniqueName } from "../platform/tap-support.js";

test("dhclient's host name is in our DNS while its lease lasts: dig finds A and PTR, and not after dhclient -r", async (t) => {
  if (!needTap(t, "dhclient", "dig")) return;
  const netns = uniqueName("tkn-");
  const bridge = await openTapBridge({ name: uniqueName("tkn"), netns, address: "10.94.0.2/24" });
  const net = new Network({ seed: 4 });
  const runner = new RealtimeRunner(net.scheduler);
  const r1 = net.addRouter("r1");
  r1.attach("eth0", runner.endpoint(bridge));
  r1.addAddress("eth0", "10.94.0.1/24");
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-dhclient-names-"));
  try {
    const server = new DhcpServer(r1, {
      pools: [{ interface: "eth0", range: "10.94.0.100-10.94.0.110", domain: "tap.example", leaseTime: 600 }],
    }).start();
    const forward = new Zone({ origin: "tap.example" });
    const reverse = new Zone({ origin: "0.94.10.in-addr.arpa" });
    new DnsServer(r1, { zones: [forward, reverse], recursion: false }).start();
    const updater = new DhcpDnsUpdater(server, { forward: [forward], reverse: [reverse] }).start();

    // -sf /bin/true: the lease is not applied to the interface (the Linux side keeps 10.94.0.2).
    const conf = join(dir, "dhclient.conf");
    writeFileSync(
      conf,
      'send host-name "linuxbox";\nrequest subnet-mask, routers, domain-name, domain-name-servers;\n',
    );
    const files = ["-cf", conf, "-sf", "/bin/true", "-lf", join(dir, "leases"), "-pf", join(dir, "pid")];
    const lease = await runIn(netns, "dhclient", ["-1", "-v", ...files, bridge.name], 30_000);
    assert.match(lease.stdout + lease.stderr, /bound to 10\.94\.0\.100/, lease.stdout + lease.stderr);
    assert.match(server.log.join("\n"), /DHCPACK\(eth0\) 10\.94\.0\.100 \S+ linuxbox/);

    const dig = (...args: string[]) => runIn(netns, "dig", ["@10.94.0.1", "+time=2", "+tries=2", ...args]);
    const a = await dig("linuxbox.tap.example");
    assert.match(a.stdout, /status: NOERROR/, a.stdout);
    assert.match(a.stdout, /flags: qr aa rd;/);
    assert.match(a.stdout, /^linuxbox\.tap\.example\.\s+0\s+IN\s+A\s+10\.94\.0\.100$/m);
    const ptr = await dig("-x", "10.94.0.100", "+short");
    assert.equal(ptr.stdout.trim(), "linuxbox.tap.example.");
    assert.deepEqual(
      [...updater.names()].map(([name, address]) => `${name} ${address}`),
      ["linuxbox 10.94.0.100"],
    );

    // dhclient -r: RELEASE, and the records go.
    await runIn(netns, "dhclient", ["-r", ...files, bridge.name], 30_000);
    const released = await until(() => updater.names().size === 0, 5000);
    assert.ok(released, "the server took the name out on RELEASE");
    assert.match((await dig("linuxbox.tap.example")).stdout, /status: NXDOMAIN/);
    assert.match((await dig("-x", "10.94.0.100")).stdout, /status: NXDOMAIN/);
  } finally {
    await runner.stop();
    bridge.close();
  }
});

/** Waits (in real time) until `done()` or `ms` pass. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return done();
}
