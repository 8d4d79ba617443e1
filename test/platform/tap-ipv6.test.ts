/**
 * IPv6 with the Linux kernel through a TAP interface: an emulated router advertises a prefix, the
 * kernel autoconfigures an address and a default route from it (SLAAC, RFC 4862 — the kernel's
 * own implementation judging ours), pings the router and a host behind it over IPv6, and
 * downloads 64 MiB from the emulated web server over IPv6 with a correct digest.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesDigest, bytesService } from "../../src/apps/http/bytes-service.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { Network } from "../../src/devices/network.js";
import { openTapBridge } from "../../src/platform/tap/bridge.js";
import { RealtimeRunner } from "../../src/platform/tap/realtime-runner.js";
import type { NetSocket } from "../../src/socket/net.js";
import { curlDownload } from "./tap-e2e-support.js";
import { needTap, runIn, uniqueName } from "./tap-support.js";

const MiB = 1024 * 1024;

/** Polls `check` every 100 ms until it returns a value or `timeoutMs` passes. */
async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

test("the kernel autoconfigures from our router advertisement, pings over IPv6 and downloads 64 MiB over IPv6", async (t) => {
  if (!needTap(t, "curl", "ping")) return;
  const netns = uniqueName("tkt-");
  const network = new Network({ seed: 9 });
  const r1 = network.addRouter("r1");
  const web = network.addHost("web");
  network.connect("r1:eth1", "web:eth0");
  const runner = new RealtimeRunner(network.scheduler);
  // The Linux side keeps IPv6 on, with no address of its own: it must get one from us.
  const bridge = await openTapBridge({ name: uniqueName("tk6"), netns, ipv6: true });
  try {
    r1.attach("eth0", runner.endpoint(bridge));
    r1.addAddress("eth0", "2001:db8:90::1/64", { nodad: true });
    r1.addAddress("eth1", "2001:db8:91::1/64", { nodad: true });
    r1.advertiseIpv6("eth0", { dnsServers: [] });
    web.addAddress("eth0", "2001:db8:91::80/64", { nodad: true });
    web.setGateway("2001:db8:91::1");
    web.net.createServer((socket: NetSocket) => serveHttpConnection(socket, bytesService)).listen(80, "::");

    // SLAAC: the kernel's address in our prefix (its MAC's EUI-64), and a default route from the RA.
    const address = await waitFor(async () => {
      const shown = await runIn(netns, "ip", ["-6", "addr", "show", "dev", bridge.name, "scope", "global"]);
      const match = /inet6 (2001:db8:90:[0-9a-f:]+)\/64 scope global dynamic/.exec(shown.stdout);
      return match && !/tentative/.test(shown.stdout) ? match[1] : undefined;
    }, 20_000);
    assert.ok(address, "the kernel configured an address from our prefix");
    const routes = await runIn(netns, "ip", ["-6", "route", "show", "default"]);
    assert.match(routes.stdout, /^default via fe80::[0-9a-f:]+ dev \S+ proto ra /m, routes.stdout);

    // The kernel pings the router, and the host behind it (one hop: hop limit 63).
    const router = await runIn(netns, "ping", [
      "-6",
      "-n",
      "-c",
      "3",
      "-i",
      "0.2",
      "-W",
      "2",
      "2001:db8:90::1",
    ]);
    assert.match(router.stdout, / 0% packet loss/, router.stdout + router.stderr);
    const far = await runIn(netns, "ping", [
      "-6",
      "-n",
      "-c",
      "3",
      "-i",
      "0.2",
      "-W",
      "2",
      "2001:db8:91::80",
    ]);
    assert.match(far.stdout, / 0% packet loss/, far.stdout + far.stderr);
    assert.match(far.stdout, /ttl=63/);

    // 64 MiB over IPv6 with curl, checked against the server's digest.
    const size = 64 * MiB;
    const download = await curlDownload(netns, `http://[2001:db8:91::80]/bytes/${size}`, 300_000, ["-g"]);
    assert.equal(download.code, 0, download.stderr);
    assert.equal(download.bytes, size);
    const digest = /^digest: (.*)\r$/im.exec(download.headers)?.[1];
    assert.equal(digest, bytesDigest(size));
    assert.equal(`sha-256=${download.sha256}`, digest, "the bytes curl received match the Digest");
  } finally {
    await runner.stop();
    bridge.close();
  }
});
