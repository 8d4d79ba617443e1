import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { dhclient } from "../../src/apps/dhcp/client.js";
import { DhcpServer } from "../../src/apps/dhcp/server.js";
import { dig, nslookup } from "../../src/apps/dns/dig.js";
import { DnsServer } from "../../src/apps/dns/server.js";
import { Network } from "../../src/devices/network.js";
import { SECOND } from "../../src/sim/time.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { needSystem } from "../support/system.js";
import { runTshark, TSHARK_CHECK_OPTIONS, tsharkAvailable } from "../support/tshark.js";

/**
 * A home LAN where r1 serves DHCP and DNS: h1 gets its lease, then looks names up (an answer, a
 * CNAME, NXDOMAIN, a truncated answer retried over TCP). Every frame r1 and h1 send goes into a
 * pcapng, which tshark must decode with no malformed packet and no bad checksum.
 */
test("tshark decodes a DHCP exchange and DNS queries from the emulated LAN without a malformed packet", async (t) => {
  const net = new Network({ seed: 5 });
  const r1 = net.addRouter("r1");
  const h1 = net.addHost("h1");
  net.addSwitch("s1");
  net.connect("r1:eth0", "s1:p0", { rate: "1Gbit", delay: "100us" });
  net.connect("h1:eth0", "s1:p1", { rate: "1Gbit", delay: "100us" });
  r1.addAddress("eth0", "192.168.1.1/24");
  new DhcpServer(r1, {
    pools: [{ interface: "eth0", range: "192.168.1.100-192.168.1.150", domain: "home.example" }],
  }).start();
  const records = Array.from({ length: 10 }, (_, i) => ({
    name: "big",
    type: "TXT",
    value: `"${i} ${"y".repeat(80)}"`,
  }));
  new DnsServer(r1, {
    zones: [
      {
        origin: "home.example",
        records: [
          { name: "router", type: "A", value: "192.168.1.1" },
          { name: "nas", type: "A", value: "192.168.1.5" },
          { name: "files", type: "CNAME", value: "nas" },
          { name: "@", type: "MX", value: "10 nas" },
          ...records,
        ],
      },
    ],
  }).start();

  const writer = new PcapngWriter({ application: "tinkernet dhcp/dns test" });
  const ids = new Map<string, number>();
  net.tracer.subscribe((event) => {
    // What r1 and h1 put on the wire (the switch's copies would show every frame twice).
    if (event.type !== "frame-sent" || (event.node !== "r1" && event.node !== "h1")) return;
    const name = `${event.node}:${event.iface}`;
    let id = ids.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name });
      ids.set(name, id);
    }
    writer.writePacket(id, event.time, event.frame);
  });

  const client = dhclient(h1);
  net.runFor(10 * SECOND);
  assert.equal(client.state, "BOUND");
  const runs = [
    dig(h1, "nas.home.example"),
    dig(h1, "files.home.example"),
    dig(h1, "home.example MX"),
    dig(h1, "nope.home.example"),
    dig(h1, "big.home.example TXT +noedns"),
    nslookup(h1, "router"),
  ];
  for (const run of runs) net.runUntilDone(run);
  const results = await Promise.all(runs.map((r) => r.result));
  assert.deepEqual(
    results.map((r) => r.status),
    ["NOERROR", "NOERROR", "NOERROR", "NXDOMAIN", "NOERROR", "NOERROR"],
  );
  client.release();
  net.runFor(SECOND);

  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-dhcp-dns-"));
  const file = join(dir, "dhcp-dns.pcapng");
  writeFileSync(file, writer.toBytes());
  const fields = await runTshark([
    "-r",
    file,
    "-n",
    ...TSHARK_CHECK_OPTIONS,
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-e",
    "frame.protocols",
    "-e",
    "dhcp.option.dhcp",
    "-e",
    "dns.flags.response",
    "-e",
    "dns.flags.rcode",
    "-e",
    "_ws.malformed",
    "-e",
    "udp.checksum.status",
    "-e",
    "ip.checksum.status",
  ]);
  assert.equal(fields.code, 0, fields.stderr);
  const rows = fields.stdout
    .trim()
    .split("\n")
    .map((line) => line.split("|"));
  for (const row of rows) {
    assert.equal(row[4], "", `malformed: ${row.join(" | ")}`);
    assert.notEqual(row[5], "0", `bad UDP checksum: ${row.join(" | ")}`);
    assert.notEqual(row[6], "0", `bad IP checksum: ${row.join(" | ")}`);
  }
  const dhcpTypes = rows.filter((r) => r[1] !== "").map((r) => Number(r[1]));
  assert.deepEqual(dhcpTypes, [1, 2, 3, 5, 7], "DISCOVER, OFFER, REQUEST, ACK, RELEASE");
  const dns = rows.filter((r) => r[0].includes(":dns"));
  const responses = dns.filter((r) => r[2] === "1");
  assert.ok(
    responses.some((r) => r[3] === "3"),
    "an NXDOMAIN",
  );
  assert.ok(
    dns.some((r) => r[0].includes("tcp:dns")),
    "the TCP retry",
  );
  assert.ok(responses.length >= 7);
  // And tshark's expert system finds no error in any of it.
  const expert = await runTshark(["-r", file, "-n", "-q", "-z", "expert,error", ...TSHARK_CHECK_OPTIONS]);
  assert.doesNotMatch(expert.stdout, /Errors \(\d+\)/, expert.stdout);
});
