import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { needSystem } from "../support/system.js";
import { runTshark, tsharkAvailable } from "../support/tshark.js";
import { routerChain } from "./support.js";

test("MTU 576 with DF set (ping -M do): fragmentation needed comes back with the MTU, then EMSGSIZE", async () => {
  const { net, h1, r2 } = routerChain({ mtu23: 576 });
  const run = ping(h1, "10.0.2.10", { count: 3, size: 1000, pmtudisc: "do" });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.output[0], "PING 10.0.2.10 (10.0.2.10) 1000(1028) bytes of data.");
  assert.equal(result.output[1], "From 10.0.12.2 icmp_seq=1 Frag needed and DF set (mtu = 576)");
  // The path MTU is now known: the next requests fail locally, as Linux's ping reports.
  assert.equal(result.output[2], "ping: local error: message too long, mtu=576");
  assert.equal(result.received, 0);
  assert.equal(result.errors, 3);
  assert.equal(result.errorReports[0].mtu, 576);
  assert.equal(h1.ipv4.pathMtu(Ipv4Address.parse("10.0.2.10")), 576);
  assert.equal(h1.ipv4.pathMtu(Ipv4Address.parse("10.0.12.2")), 1500);
  assert.equal(r2.ipv4.counters.fragFails, 1);
  assert.equal(r2.ipv4.icmp.counters.sent(3), 1);
});

test("MTU 576, default pmtudisc (want): the first request learns the MTU, the rest are fragmented by the host", async () => {
  const { net, h1, h2 } = routerChain({ mtu23: 576 });
  const run = ping(h1, "10.0.2.10", { count: 3, size: 1000 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.output[1], "From 10.0.12.2 icmp_seq=1 Frag needed and DF set (mtu = 576)");
  assert.equal(result.received, 2);
  assert.equal(h1.ipv4.counters.fragOKs, 2);
  assert.equal(h2.ipv4.counters.reasmOKs, 2);
});

test("MTU 576 without DF: fragments cross the small link and are reassembled; tshark agrees", async (t) => {
  const { net, h1, h2, r2, r3 } = routerChain({ mtu23: 576 });
  const writer = new PcapngWriter({ application: "tinkernet test" });
  const ifaces = new Map<string, number>();
  net.tracer.subscribe((event) => {
    if (event.type !== "frame-sent") return;
    const name = `${event.node}:${event.iface}`;
    if (name !== "r2:eth1" && name !== "r3:eth0") return; // both directions of the 576 link
    let id = ifaces.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name });
      ifaces.set(name, id);
    }
    writer.writePacket(id, event.time, event.frame);
  });
  const run = ping(h1, "10.0.2.10", { count: 2, size: 1000, pmtudisc: "dont" });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.received, 2);
  assert.equal(result.replies[0].bytes, 1008);
  assert.equal(r2.ipv4.counters.fragCreates, 4); // two requests, two fragments each
  assert.equal(r3.ipv4.counters.fragCreates, 4); // two replies, two fragments each
  assert.equal(h2.ipv4.counters.reasmOKs, 2);
  assert.equal(h1.ipv4.counters.reasmOKs, 2);

  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-mtu-"));
  const file = join(dir, "mtu576.pcapng");
  writeFileSync(file, writer.toBytes());
  const { stdout, code, stderr } = await runTshark([
    "-r",
    file,
    "-n",
    "-2", // two passes, so the first fragment knows where it was reassembled
    "-o",
    "ip.defragment:TRUE",
    "-o",
    "ip.check_checksum:TRUE",
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-e",
    "frame.number",
    "-e",
    "ip.len",
    "-e",
    "ip.flags.mf",
    "-e",
    "ip.frag_offset",
    "-e",
    "ip.reassembled_in",
    "-e",
    "icmp.type",
    "-e",
    "ip.checksum.status",
    "-e",
    "ip.fragment.count",
    "-Y",
    "ip",
  ]);
  assert.equal(code, 0, stderr);
  const rows = stdout
    .trim()
    .split("\n")
    .map((line) => line.split("|"));
  // 8 fragments: (request 1, request 2) on r2:eth1, (reply 1, reply 2) on r3:eth0, two each.
  assert.equal(rows.length, 8, stdout);
  const first = rows.filter((r) => r[3] === "0");
  // tshark prints the offset field itself, in 8-octet units: 552 / 8 = 69.
  const second = rows.filter((r) => r[3] === "69");
  assert.equal(first.length, 4, stdout);
  assert.equal(second.length, 4, stdout);
  for (const r of first) {
    assert.equal(r[1], "572"); // 20 + 552
    assert.equal(r[2], "1"); // MF
    assert.notEqual(r[4], "", "tshark says in which frame it reassembled this fragment");
  }
  for (const r of second) {
    assert.equal(r[1], "476"); // 20 + 456
    assert.equal(r[2], "0");
    // The reassembled datagram is an echo request (8) or reply (0), dissected on the last fragment.
    assert.ok(r[5] === "8" || r[5] === "0", stdout);
    assert.equal(r[7], "2", "reassembled from two fragments");
  }
  for (const r of rows) assert.equal(r[6], "1", "IPv4 header checksum good"); // 0 bad, 1 good, 2 unverified
});
