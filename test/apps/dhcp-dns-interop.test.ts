/**
 * Interop through TAP (system tests): the Linux tools we did not write against our servers, and our
 * clients against theirs, in real time on a TAP interface in its own network namespace.
 *
 * - ISC `dhclient` gets a lease from our DHCP server (it does not set the BROADCAST flag, so our
 *   server's unicast to yiaddr at chaddr is what it receives);
 * - our DHCP client gets a lease from `dnsmasq`;
 * - BIND's `dig` gets answers from our DNS server over UDP and TCP;
 * - our stub resolver and our recursive resolver (forwarding) resolve through `dnsmasq`.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DhcpClient } from "../../src/apps/dhcp/client.js";
import { DhcpServer } from "../../src/apps/dhcp/server.js";
import { resolvConf } from "../../src/apps/dns/resolv-conf.js";
import { RecursiveResolver, type ResolveResult } from "../../src/apps/dns/resolver.js";
import { DnsServer } from "../../src/apps/dns/server.js";
import { resolveHost } from "../../src/apps/dns/stub.js";
import { Network } from "../../src/devices/network.js";
import type { Node } from "../../src/devices/node.js";
import { openTapBridge, type TapBridge } from "../../src/platform/tap/bridge.js";
import { RealtimeRunner } from "../../src/platform/tap/realtime-runner.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { DnsType, formatDnsRecord } from "../../src/wire/dns.js";
import { needTap, run, runIn, uniqueName } from "../platform/tap-support.js";

/** A node on a TAP whose Linux side lives in a fresh namespace. */
async function nodeOnTap(linuxAddress: string | undefined, nodeAddress: string | undefined, router = false) {
  const netns = uniqueName("tkd-");
  const bridge: TapBridge = await openTapBridge({
    name: uniqueName("tkd"),
    netns,
    ...(linuxAddress ? { address: linuxAddress } : {}),
  });
  const net = new Network({ seed: 9 });
  const runner = new RealtimeRunner(net.scheduler);
  const node: Node = router ? net.addRouter("r1") : net.addHost("h1");
  node.attach("eth0", runner.endpoint(bridge));
  if (nodeAddress) node.addAddress("eth0", nodeAddress);
  return {
    netns,
    bridge,
    net,
    node,
    async close() {
      await runner.stop();
      bridge.close();
    },
  };
}

/** Waits (in real time) until `done()` or `ms` pass. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return done();
}

/** Starts a long-running command in a namespace; returns the process (kill it when done). */
function startIn(netns: string, command: string, args: string[]): ChildProcess {
  return spawn("ip", ["netns", "exec", netns, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

test("ISC dhclient gets a lease from our DHCP server", async (t) => {
  if (!needTap(t, "dhclient")) return;
  const lab = await nodeOnTap(undefined, "10.93.0.1/24", true);
  const server = new DhcpServer(lab.node, {
    pools: [{ interface: "eth0", range: "10.93.0.100-10.93.0.110", domain: "tap.example", leaseTime: 600 }],
  }).start();
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-dhclient-"));
  try {
    const result = await runIn(
      lab.netns,
      "dhclient",
      ["-1", "-v", "-sf", "/bin/true", "-lf", join(dir, "leases"), "-pf", join(dir, "pid"), lab.bridge.name],
      30_000,
    );
    const log = result.stdout + result.stderr;
    assert.match(log, /DHCPOFFER of 10\.93\.0\.100 from 10\.93\.0\.1/, log);
    assert.match(log, /DHCPACK of 10\.93\.0\.100 from 10\.93\.0\.1/, log);
    assert.match(log, /bound to 10\.93\.0\.100/, log);
    const leases = readFileSync(join(dir, "leases"), "utf8");
    assert.match(leases, /fixed-address 10\.93\.0\.100;/);
    assert.match(leases, /option subnet-mask 255\.255\.255\.0;/);
    assert.match(leases, /option routers 10\.93\.0\.1;/);
    assert.match(leases, /option domain-name-servers 10\.93\.0\.1;/);
    assert.match(leases, /option domain-name "tap\.example";/);
    assert.match(leases, /option dhcp-lease-time 600;/);
    assert.equal(server.counters.acks, 1);
    assert.match(server.showBinding(), /10\.93\.0\.100 .*Active/);
    // dhclient -x releases and stops the daemon it left running.
    await runIn(lab.netns, "dhclient", [
      "-x",
      "-pf",
      join(dir, "pid"),
      "-lf",
      join(dir, "leases"),
      lab.bridge.name,
    ]);
  } finally {
    await lab.close();
  }
});

test("our DHCP client gets a lease from dnsmasq", async (t) => {
  if (!needTap(t, "dnsmasq")) return;
  const lab = await nodeOnTap("10.94.0.1/24", undefined);
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-dnsmasq-"));
  const dnsmasq = startIn(lab.netns, "dnsmasq", [
    "--no-daemon",
    "--conf-file=/dev/null",
    "--port=0",
    `--interface=${lab.bridge.name}`,
    "--bind-interfaces",
    "--dhcp-range=10.94.0.50,10.94.0.60,255.255.255.0,2m",
    "--dhcp-option=option:dns-server,10.94.0.53",
    "--dhcp-option=option:domain-name,dnsmasq.example",
    `--dhcp-leasefile=${join(dir, "leases")}`,
    `--pid-file=${join(dir, "pid")}`,
  ]);
  let log = "";
  dnsmasq.stderr?.on("data", (chunk) => {
    log += chunk;
  });
  try {
    const client = new DhcpClient(lab.node).start();
    assert.ok(await until(() => client.state === "BOUND", 20_000), `${client.log.join("\n")}\n${log}`);
    const lease = client.lease!;
    assert.ok(lease.address.value >= Ipv4Address.parse("10.94.0.50").value, String(lease.address));
    assert.ok(lease.address.value <= Ipv4Address.parse("10.94.0.60").value, String(lease.address));
    assert.equal(lease.prefix.length, 24);
    assert.equal(lease.leaseTime, 120);
    assert.deepEqual(lease.routers.map(String), ["10.94.0.1"], "dnsmasq's default router is itself");
    assert.deepEqual(resolvConf(lab.node).nameservers.map(String), ["10.94.0.53"]);
    assert.deepEqual(resolvConf(lab.node).search, ["dnsmasq.example"]);
    assert.match(log, /DHCPACK\(.*\) 10\.94\.0\.\d+ 02:/, log);
    // And the address works: the kernel answers our ping... through the lease's configuration.
    const ping = await runIn(lab.netns, "ping", ["-n", "-c", "1", "-W", "2", lease.address.toString()]);
    assert.match(ping.stdout, /1 received/, ping.stdout + ping.stderr);
    client.release();
  } finally {
    dnsmasq.kill("SIGTERM");
    await lab.close();
  }
});

test("BIND's dig gets answers from our DNS server, over UDP and TCP", async (t) => {
  if (!needTap(t, "dig")) return;
  const lab = await nodeOnTap("10.95.0.1/24", "10.95.0.2/24");
  const big = Array.from({ length: 12 }, (_, i) => ({
    name: "big",
    type: "TXT",
    value: `"${i} ${"z".repeat(80)}"`,
  }));
  new DnsServer(lab.node, {
    zones: [
      {
        origin: "lab.example",
        records: [
          { name: "web1", type: "A", value: "10.95.0.10" },
          { name: "www", type: "CNAME", value: "web1" },
          { name: "@", type: "MX", value: "10 web1" },
          ...big,
        ],
      },
    ],
  }).start();
  try {
    const digIn = (...args: string[]) =>
      runIn(lab.netns, "dig", ["@10.95.0.2", "+time=2", "+tries=1", ...args]);
    const answer = await digIn("www.lab.example");
    assert.match(answer.stdout, /status: NOERROR/, answer.stdout);
    assert.match(answer.stdout, /flags: qr aa rd;/);
    assert.match(answer.stdout, /www\.lab\.example\.\s+300\s+IN\s+CNAME\s+web1\.lab\.example\./);
    assert.match(answer.stdout, /web1\.lab\.example\.\s+300\s+IN\s+A\s+10\.95\.0\.10/);
    assert.match(answer.stdout, /; EDNS: version: 0, flags:; udp: 1232/);
    const nx = await digIn("nope.lab.example");
    assert.match(nx.stdout, /status: NXDOMAIN/);
    assert.match(
      nx.stdout,
      /lab\.example\.\s+60\s+IN\s+SOA\s+ns1\.lab\.example\. hostmaster\.lab\.example\./,
    );
    const mx = await digIn("lab.example", "MX", "+tcp");
    assert.match(mx.stdout, /lab\.example\.\s+300\s+IN\s+MX\s+10 web1\.lab\.example\./);
    assert.match(
      mx.stdout,
      /web1\.lab\.example\.\s+300\s+IN\s+A\s+10\.95\.0\.10/,
      "glue in the additional section",
    );
    assert.match(mx.stdout, /\(TCP\)/);
    const truncated = await digIn("big.lab.example", "TXT", "+noedns");
    assert.match(truncated.stdout, /Truncated, retrying in TCP mode/, truncated.stdout);
    assert.equal((truncated.stdout.match(/^big\.lab\.example\.\s+\d+\s+IN\s+TXT/gm) ?? []).length, 12);
    const refused = await digIn("example.com");
    assert.match(refused.stdout, /status: REFUSED/);
  } finally {
    await lab.close();
  }
});

test("our stub and recursive resolvers resolve through dnsmasq", async (t) => {
  if (!needTap(t, "dnsmasq")) return;
  const lab = await nodeOnTap("10.96.0.1/24", "10.96.0.2/24");
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-dnsmasq-"));
  const dnsmasq = startIn(lab.netns, "dnsmasq", [
    "--no-daemon",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    `--interface=${lab.bridge.name}`,
    "--bind-interfaces",
    "--address=/wild.test/10.96.0.77",
    // Answer tinker.test from local data only: unknown names are NXDOMAIN, not REFUSED.
    "--local=/tinker.test/",
    "--host-record=host.tinker.test,10.96.0.78",
    "--cname=alias.tinker.test,host.tinker.test",
    `--pid-file=${join(dir, "pid")}`,
  ]);
  try {
    // dnsmasq needs a moment to bind: the kernel's dig says when it answers.
    const ready = await run("ip", [
      "netns",
      "exec",
      lab.netns,
      "dig",
      "@10.96.0.1",
      "+time=1",
      "+tries=5",
      "host.tinker.test",
    ]);
    assert.match(ready.stdout, /status: NOERROR/, ready.stdout + ready.stderr);
    const conf = resolvConf(lab.node);
    conf.nameservers = [Ipv4Address.parse("10.96.0.1")];
    conf.search = ["tinker.test"];
    assert.equal((await resolveHost(lab.node, "host")).toString(), "10.96.0.78");
    assert.equal((await resolveHost(lab.node, "anything.wild.test")).toString(), "10.96.0.77");
    await assert.rejects(resolveHost(lab.node, "nope.tinker.test"), /Name or service not known/);
    const resolver = new RecursiveResolver(lab.node, { forwarders: ["10.96.0.1"] });
    const result = await new Promise<ResolveResult>((resolve) =>
      resolver.resolve("alias.tinker.test", DnsType.A, resolve),
    );
    assert.deepEqual(
      result.answers.map(formatDnsRecord).map((l) => l.replace(/\t\d+\t/, "\tTTL\t")),
      ["alias.tinker.test.\tTTL\tIN\tCNAME\thost.tinker.test.", "host.tinker.test.\tTTL\tIN\tA\t10.96.0.78"],
    );
  } finally {
    dnsmasq.kill("SIGTERM");
    await lab.close();
  }
});
