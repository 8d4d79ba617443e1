/**
 * Gateway mode, from a topology file: an emulated router joins an emulated LAN to Linux through a
 * TAP interface. Linux reaches the emulated server by its own address (a route on the Linux side,
 * written in the topology), and the emulated host reaches a web server running in Linux (its
 * default route through the router). The lab runs under `runTapLab`, the entry of
 * `tinkernet run --forever`, and tears down when told to stop.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesDigest, bytesService } from "../../src/apps/http/bytes-service.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { Network } from "../../src/devices/network.js";
import { runTapLab } from "../../src/platform/tap/lab.js";
import { loadTopology } from "../../src/topology/loader.js";
import { curlDownload, emulatedGet, linuxWebServer } from "./tap-e2e-support.js";
import { needTap, netnsGone, runIn, uniqueName } from "./tap-support.js";

test("gateway mode: Linux reaches an emulated server behind a router, the emulated host reaches Linux", async (t) => {
  if (!needTap(t, "curl", "ping", "python3")) return;
  const netns = uniqueName("tkt-");
  const tap = uniqueName("tkg");
  const { topology, errors } = loadTopology(
    `name: gateway
topology:
  nodes:
    r1:
      kind: router
      interfaces: {eth1: {ipv4: 10.82.2.1/24}}
      routes: [{to: default, via: 10.82.0.1}]
    h2:
      kind: host
      interfaces: {eth0: {ipv4: 10.82.2.10/24}}
      gateway: 10.82.2.1
  links:
    - endpoints: ["h2:eth0", "r1:eth1"]
    - endpoints: ["r1:eth0", "tap:${tap}"]
      tap: {netns: ${netns}, address: 10.82.0.1/24, routes: ["10.82.2.0/24 via 10.82.0.2"]}
`,
    "gateway.yml",
  );
  assert.deepEqual(errors, []);
  assert.ok(topology?.taps?.length === 1);
  // Build the emulated part from the topology (the CLI's builder does the same).
  const network = new Network({ seed: 8 });
  for (const node of topology.nodes.values()) {
    const device = node.kind === "router" ? network.addRouter(node.name) : network.addHost(node.name);
    for (const iface of node.interfaces.values()) {
      device.ensureInterface(iface.name);
      for (const prefix of iface.ipv4) device.addAddress(iface.name, prefix);
    }
    if (node.gateway) device.setDefaultGateway(String(node.gateway));
    for (const route of node.routes) if (route.via) device.addRoute(String(route.to), String(route.via));
  }
  for (const link of topology.links)
    network.connect(`${link.a.node}:${link.a.iface}`, `${link.b.node}:${link.b.iface}`);
  const h2 = network.host("h2");
  h2.net
    .createServer((socket: Parameters<typeof serveHttpConnection>[0]) =>
      serveHttpConnection(socket, bytesService),
    )
    .listen(80);

  const stop = new AbortController();
  let checks: Promise<void> = Promise.resolve();
  const reason = await runTapLab(network, topology.taps, {
    signal: stop.signal,
    handleSignals: false,
    onReady: () => {
      checks = (async () => {
        const pinged = await runIn(netns, "ping", ["-n", "-c", "20", "-i", "0.01", "-W", "2", "10.82.2.10"]);
        assert.match(pinged.stdout, / 0% packet loss/, pinged.stdout + pinged.stderr);
        assert.match(pinged.stdout, /ttl=63/, "one router on the way");
        const size = 2 * 1024 * 1024;
        const download = await curlDownload(netns, `http://10.82.2.10/bytes/${size}`);
        assert.equal(download.code, 0, download.stderr);
        assert.equal(`sha-256=${download.sha256}`, bytesDigest(size));
        const web = await linuxWebServer(netns, "10.82.0.1", 1024 * 1024);
        try {
          const got = await emulatedGet(h2, "10.82.0.1", web.port, "/file.bin");
          assert.equal(got.status, 200);
          assert.equal(got.hex, web.hex);
        } finally {
          web.stop();
        }
      })().finally(() => stop.abort());
    },
  });
  await checks;
  assert.equal(reason, "aborted");
  assert.ok(netnsGone(netns), "stopping the lab removed the namespace it created");
});
