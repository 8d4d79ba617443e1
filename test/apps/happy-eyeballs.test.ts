/**
 * Happy Eyeballs (RFC 8305) over the emulated stack, with a real DNS server answering AAAA and A:
 * IPv6 first, IPv4 after the attempt delay or at once after a refusal, interleaved families, the
 * losers abandoned; and curl using it, with bracketed IPv6 URLs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolvConf } from "../../src/apps/dns/resolv-conf.js";
import { DnsServer } from "../../src/apps/dns/server.js";
import { bytesService } from "../../src/apps/http/bytes-service.js";
import { happyEyeballs } from "../../src/apps/http/happy-eyeballs.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { Network } from "../../src/devices/network.js";
import { driveUntil } from "../../src/sim/async-driver.js";
import { MILLISECOND, SECOND } from "../../src/sim/time.js";
import type { NetSocket } from "../../src/socket/net.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { shellOn } from "../support/lab-shell.js";

/**
 * h1 — r1 — web, dual stack, 5 ms per link; ns (10.0.1.53) on h1's LAN serves lab.example:
 * www (AAAA 2001:db8:2::80, A 10.0.2.80), v4only (A), v6only (AAAA), two (two of each).
 */
function lab() {
  const net = new Network({ seed: 8 });
  net.addSwitch("s1");
  const h1 = net.addHost("h1");
  const ns = net.addHost("ns");
  const r1 = net.addRouter("r1");
  const web = net.addHost("web");
  net.connect("h1:eth0", "s1:p1", { delay: "1ms" });
  net.connect("ns:eth0", "s1:p2", { delay: "1ms" });
  net.connect("r1:eth0", "s1:p3", { delay: "1ms" });
  net.connect("r1:eth1", "web:eth0", { delay: "5ms" });
  const nodad = { nodad: true };
  h1.addAddress("eth0", "10.0.1.10/24").addAddress("eth0", "2001:db8:1::10/64", nodad);
  ns.addAddress("eth0", "10.0.1.53/24");
  r1.addAddress("eth0", "10.0.1.1/24").addAddress("eth0", "2001:db8:1::1/64", nodad);
  r1.addAddress("eth1", "10.0.2.1/24").addAddress("eth1", "2001:db8:2::1/64", nodad);
  web.addAddress("eth0", "10.0.2.80/24").addAddress("eth0", "10.0.2.81/24");
  web.addAddress("eth0", "2001:db8:2::80/64", nodad).addAddress("eth0", "2001:db8:2::81/64", nodad);
  h1.setGateway("10.0.1.1");
  h1.setGateway("2001:db8:1::1");
  web.setGateway("10.0.2.1");
  web.setGateway("2001:db8:2::1");
  new DnsServer(ns, {
    zones: [
      {
        origin: "lab.example",
        records: [
          { name: "www", type: "AAAA", value: "2001:db8:2::80" },
          { name: "www", type: "A", value: "10.0.2.80" },
          { name: "v4only", type: "A", value: "10.0.2.80" },
          { name: "v6only", type: "AAAA", value: "2001:db8:2::80" },
          { name: "two", type: "AAAA", value: "2001:db8:2::80" },
          { name: "two", type: "AAAA", value: "2001:db8:2::81" },
          { name: "two", type: "A", value: "10.0.2.80" },
          { name: "two", type: "A", value: "10.0.2.81" },
        ],
      },
    ],
  }).start();
  resolvConf(h1).nameservers.push(Ipv4Address.parse("10.0.1.53"));
  return { net, h1, r1, web };
}

async function race(net: Network, ...args: Parameters<typeof happyEyeballs>) {
  const start = net.scheduler.now;
  let result: Awaited<ReturnType<typeof happyEyeballs>> | undefined;
  void happyEyeballs(...args).then((r) => {
    result = r;
  });
  await driveUntil(net.scheduler, () => result !== undefined, { deadline: net.scheduler.now + 60 * SECOND });
  assert.ok(result, "the race ended");
  const summary = result.attempts.map((a) => `${a.address} ${a.outcome}${a.errno ? ` ${a.errno}` : ""}`);
  return { result, summary, elapsed: (net.scheduler.now - start) / MILLISECOND };
}

test("both families work: IPv6 is tried first and wins; the name resolved both ways", async () => {
  const { net, h1, web } = lab();
  web.net.createServer((s: NetSocket) => s.end()).listen(80, "::");
  const { result, summary } = await race(net, h1, "www.lab.example", 80);
  assert.deepEqual(summary, ["2001:db8:2::80 connected"]);
  assert.equal(result.socket?.remoteAddress, "2001:db8:2::80");
  result.socket?.destroy();
});

test("IPv6 silently broken (its route gone): IPv4 starts after the 250 ms attempt delay and wins", async () => {
  const { net, h1, r1, web } = lab();
  web.net.createServer((s: NetSocket) => s.end()).listen(80, "::");
  r1.removeAddress("eth1", "2001:db8:2::1"); // the IPv6 LAN of web is unreachable now
  r1.ipv6.icmp.rateLimit = { ...r1.ipv6.icmp.rateLimit, perDestinationBurst: 0, perDestinationRate: 0 };
  const { result, summary, elapsed } = await race(net, h1, "www.lab.example", 80);
  assert.deepEqual(summary, ["2001:db8:2::80 abandoned", "10.0.2.80 connected"]);
  assert.equal(result.address?.toString(), "10.0.2.80");
  // DNS (a few ms) + the 250 ms attempt delay + one round trip over IPv4.
  assert.ok(elapsed > 250 && elapsed < 300, `${elapsed} ms`);
});

test("IPv6 refused (nothing listens there): the next address is tried at once, families interleaved", async () => {
  const { net, h1, web } = lab();
  web.net.createServer((s: NetSocket) => s.end()).listen(80, "0.0.0.0");
  const { result, summary, elapsed } = await race(net, h1, "two.lab.example", 80);
  assert.deepEqual(summary, ["2001:db8:2::80 failed ECONNREFUSED", "10.0.2.80 connected"]);
  assert.equal(result.address?.toString(), "10.0.2.80");
  assert.ok(elapsed < 100, `no attempt delay after a refusal (${elapsed} ms)`);
});

test("one family only: A-only and AAAA-only names, -4 and -6, unknown names, literals", async () => {
  const { net, h1, web } = lab();
  web.net.createServer((s: NetSocket) => s.end()).listen(80, "::");
  assert.deepEqual((await race(net, h1, "v4only.lab.example", 80)).summary, ["10.0.2.80 connected"]);
  assert.deepEqual((await race(net, h1, "v6only.lab.example", 80)).summary, ["2001:db8:2::80 connected"]);
  assert.deepEqual((await race(net, h1, "www.lab.example", 80, { family: 4 })).summary, [
    "10.0.2.80 connected",
  ]);
  assert.equal((await race(net, h1, "v4only.lab.example", 80, { family: 6 })).result.error, "resolve");
  assert.equal((await race(net, h1, "nowhere.lab.example", 80)).result.error, "resolve");
  assert.deepEqual((await race(net, h1, "[2001:db8:2::81]", 80)).summary, ["2001:db8:2::81 connected"]);
  web.net.createServer((s: NetSocket) => s.end()).listen(81, "0.0.0.0");
  const refused = await race(net, h1, "v6only.lab.example", 81);
  assert.equal(refused.result.error, "connect");
  assert.equal(refused.result.errno, "ECONNREFUSED");
});

test("curl: a bracketed IPv6 URL, and a name through Happy Eyeballs with -v showing the attempts", async () => {
  const { net, web } = lab();
  web.net.createServer((s: NetSocket) => serveHttpConnection(s, bytesService)).listen(8080, "::");
  const { run } = shellOn(net);
  const literal = await run(
    "h1 curl -s -w '%{http_code} %{remote_ip} %{size_download}' -o /dev/null http://[2001:db8:2::80]:8080/bytes/1000",
  );
  assert.equal(literal.status, 0, literal.err);
  assert.equal(literal.out, "200 2001:db8:2::80 1000");
  const named = await run("h1 curl -v -o /dev/null http://www.lab.example:8080/bytes/10");
  assert.equal(named.status, 0, named.err);
  assert.match(named.err, /^\* {3}Trying \[2001:db8:2::80\]:8080\.\.\.$/m);
  assert.match(named.err, /^> Host: www\.lab\.example:8080\r?$/m);
  const v4 = await run("h1 curl -4 -s -w '%{remote_ip}' -o /dev/null http://www.lab.example:8080/bytes/10");
  assert.equal(v4.out, "10.0.2.80");
  const web6 = await run("h1 curl -6 -s -w '%{remote_ip}' -o /dev/null http://web:8080/bytes/10");
  assert.equal(web6.out, "2001:db8:2::80");
});
