/**
 * Wireshark judges our routing protocols: a capture of OSPF (Hellos, DD exchange, requests,
 * updates and acks; router, network and summary LSAs; broadcast and point-to-point links, an ABR)
 * and of RIPv2 must decode with no malformed packet and no bad checksum, and tshark must read the
 * same things we meant (packet types, LSA types, RIP metrics).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Network } from "../../src/devices/network.js";
import { Rip } from "../../src/routing/rip/rip.js";
import { SECOND } from "../../src/sim/time.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { needSystem } from "../support/system.js";
import { findAll, tsharkAvailable, tsharkExpert, tsharkPackets } from "../support/tshark.js";
import { link, ospf } from "./support.js";

function capture(net: Network): PcapngWriter {
  const writer = new PcapngWriter({ application: "tinkernet routing test" });
  const ids = new Map<string, number>();
  net.tracer.subscribe((event) => {
    if (event.type !== "frame-sent") return;
    const name = `${event.node}:${event.iface}`;
    let id = ids.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name });
      ids.set(name, id);
    }
    writer.writePacket(id, event.time, event.frame, { direction: "outbound" });
  });
  return writer;
}

test("tshark decodes our OSPF and RIP packets: none malformed, checksums good, fields as meant", async (t) => {
  const net = new Network();
  const writer = capture(net);
  // OSPF: three routers on a switch (DR/BDR, network-LSA), r3 an ABR to r4 over a p2p link in area 1.
  net.addSwitch("s1");
  const routers = [1, 2, 3].map((n) => {
    const r = net.addRouter(`r${n}`);
    net.connect(`r${n}:eth0`, `s1:p${n}`);
    r.addAddress("eth0", `10.0.0.${n}/24`);
    return r;
  });
  const r4 = net.addRouter("r4");
  link(net, routers[2], "eth1", r4, "eth0", "10.0.34");
  r4.addAddress("lan", "10.4.0.1/24");
  ospf(routers[0], { 0: { interfaces: ["eth0"] } }, { routerId: "1.1.1.1" });
  ospf(routers[1], { 0: { interfaces: ["eth0"] } }, { routerId: "2.2.2.2" });
  ospf(
    routers[2],
    { 0: { interfaces: ["eth0"] }, 1: { interfaces: [{ name: "eth1", network: "point-to-point" }] } },
    { routerId: "3.3.3.3" },
  );
  ospf(
    r4,
    { 1: { interfaces: [{ name: "eth0", network: "point-to-point" }, "lan"] } },
    { routerId: "4.4.4.4" },
  );
  // RIP on a separate pair.
  const a = net.addRouter("ra");
  const b = net.addRouter("rb");
  link(net, a, "eth0", b, "eth0", "10.9.12");
  b.addAddress("lan", "10.9.2.1/24");
  a.routing.add(new Rip(a, { interfaces: ["eth0"], timers: { update: 5, timeout: 30, garbage: 20 } }));
  b.routing.add(new Rip(b, { interfaces: ["eth0", "lan"], timers: { update: 5, timeout: 30, garbage: 20 } }));
  net.scheduler.runFor(30 * SECOND);
  // a withdrawal too: rb's LAN goes (poisoned, metric 16)
  b.routing.remove("rip");
  net.scheduler.runFor(2 * SECOND);
  assert.equal(routers[0].ipv4.routes.lookup(0x0a040009)?.protocol, "ospf");

  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const file = join(mkdtempSync(join(tmpdir(), "tinkernet-routing-")), "routing.pcapng");
  writeFileSync(file, writer.toBytes());
  const expert = await tsharkExpert(file);
  const bad = expert.filter(
    (item) =>
      item.severity === "Errors" ||
      (/checksum|malformed/i.test(item.summary) && !/unverified/i.test(item.summary)),
  );
  assert.deepEqual(bad, []);
  const packets = await tsharkPackets(file, ["-Y", "ospf || rip"]);
  assert.ok(Array.isArray(packets), String(packets));
  const ospfPackets = packets.filter((p) => p.layers.ospf !== undefined);
  const ripPackets = packets.filter((p) => p.layers.rip !== undefined);
  const types = new Set(ospfPackets.flatMap((p) => findAll(p.layers.ospf, "ospf.msg")));
  // Hello, DB Description, LS Request, LS Update, LS Acknowledge
  assert.deepEqual([...types].map(String).sort(), ["1", "2", "3", "4", "5"]);
  const lsaTypes = new Set(ospfPackets.flatMap((p) => findAll(p.layers.ospf, "ospf.lsa")).map(String));
  for (const type of ["1", "2", "3"])
    assert.ok(lsaTypes.has(type), `LSA type ${type} seen: ${[...lsaTypes]}`);
  const metrics = ripPackets.flatMap((p) => findAll(p.layers.rip, "rip.metric")).map(String);
  assert.ok(metrics.includes("1") && metrics.includes("16"), `RIP metrics: ${metrics}`);
  const versions = new Set(ripPackets.flatMap((p) => findAll(p.layers.rip, "rip.version")).map(String));
  assert.deepEqual([...versions], ["2"]);
});
