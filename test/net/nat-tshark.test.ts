/**
 * Wireshark judges our NAT: a capture of both sides of the home router (ping, UDP, HTTP, a
 * traceroute whose ICMP errors quote translated datagrams, a port forward) must decode without a
 * malformed packet or a bad checksum, and no inside address may show on the outside, not even
 * inside a quoted datagram.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { traceroute } from "../../src/apps/traceroute.js";
import { SECOND } from "../../src/sim/time.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { needSystem } from "../support/system.js";
import { findAll, tsharkAvailable, tsharkExpert, tsharkPackets } from "../support/tshark.js";
import {
  bytes,
  curl,
  homeNetwork,
  ip,
  OUTSIDE,
  SERVER,
  settle,
  udpEcho,
  udpSocket,
  whoAmIServer,
} from "./nat-support.js";

test("tshark decodes both sides of the NAT: no malformed packets, every checksum good, no inside address outside", async (t) => {
  const { net, h1, h2, server } = homeNetwork({
    nat: { forward: [{ protocol: "tcp", port: 8080, to: "192.168.1.11", toPort: 80 }] },
  });
  const writer = new PcapngWriter({ application: "tinkernet nat test" });
  const inside = writer.addInterface({
    linkType: LINKTYPE_ETHERNET,
    name: "home:eth0",
    description: "inside",
  });
  const outside = writer.addInterface({
    linkType: LINKTYPE_ETHERNET,
    name: "home:eth1",
    description: "outside",
  });
  net.tracer.subscribe((event) => {
    if ((event.type !== "frame-sent" && event.type !== "frame-received") || event.node !== "home") return;
    const id = event.iface === "eth0" ? inside : outside;
    writer.writePacket(id, event.time, event.frame, {
      direction: event.type === "frame-sent" ? "outbound" : "inbound",
    });
  });

  const pinging = ping(h1, SERVER, { count: 2 });
  net.runUntilDone(pinging);
  assert.equal((await pinging.result).received, 2);
  udpEcho(server, 7);
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("hello over UDP"), 7, ip(SERVER));
  net.runFor(SECOND);
  assert.equal(client.received.length, 1);
  whoAmIServer(server, 80);
  assert.equal((await settle(net, curl(h1, SERVER, 80))).response?.status, 200);
  whoAmIServer(h2, 80);
  assert.equal((await settle(net, curl(server, OUTSIDE, 8080))).response?.status, 200);
  const tracing = traceroute(h1, SERVER, { queries: 1 });
  net.runUntilDone(tracing);
  assert.equal((await tracing.result).reached, true);

  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const file = join(mkdtempSync(join(tmpdir(), "tinkernet-nat-")), "nat.pcapng");
  writeFileSync(file, writer.toBytes());
  const expert = await tsharkExpert(file);
  const bad = expert.filter(
    (item) =>
      item.severity === "Errors" ||
      (/checksum|malformed/i.test(item.summary) && !/unverified/i.test(item.summary)),
  );
  assert.deepEqual(bad, []);
  const packets = await tsharkPackets(file);
  assert.ok(Array.isArray(packets), String(packets));
  let quotedOutside = 0;
  let verified = 0;
  for (const packet of packets) {
    const onOutside = findAll(packet.layers.frame, "frame.interface_id")[0] === "1";
    const addresses = [...findAll(packet.layers, "ip.src"), ...findAll(packet.layers, "ip.dst")].map(String);
    if (onOutside) {
      assert.ok(
        !addresses.some((a) => a.startsWith("192.168.")),
        `inside address on the outside: ${addresses}`,
      );
      if (packet.layers.icmp && findAll(packet.layers.icmp, "ip.src").length > 0) quotedOutside++;
    }
    // tshark's checksum status: 0 bad, 1 good, 2 not verified.
    for (const key of [
      "ip.checksum.status",
      "tcp.checksum.status",
      "udp.checksum.status",
      "icmp.checksum.status",
    ]) {
      for (const status of findAll(packet.layers, key)) {
        assert.notEqual(status, "0", `${key} is bad in a frame`);
        if (status === "1") verified++;
      }
    }
  }
  assert.ok(verified > packets.length, "tshark verified the checksums");
  assert.ok(quotedOutside >= 2, "ICMP errors quoting translated datagrams crossed the outside link");
});
