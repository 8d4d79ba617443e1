/**
 * DESIGN.md principle 3, as issue 3 states it: same topology, same seed, same program →
 * byte-identical pcapng, even with random impairments (loss, jitter, duplication, reordering).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { traceroute } from "../../src/apps/traceroute.js";
import { Network } from "../../src/devices/network.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";

async function capture(seed: number): Promise<Uint8Array> {
  const net = new Network({ seed });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  net.connect("h1:eth0", "r1:eth0", { rate: "100Mbit", delay: "1ms", jitter: "500us" });
  net.connect("r1:eth1", "r2:eth0", {
    rate: "10Mbit",
    delay: "10ms",
    loss: "10%",
    duplicate: "5%",
    reorder: "10%",
  });
  net.connect("r2:eth1", "h2:eth0", { rate: "100Mbit", delay: "1ms" });
  h1.addAddress("eth0", "10.0.1.10/24");
  h1.setGateway("10.0.1.1");
  r1.addAddress("eth0", "10.0.1.1/24");
  r1.addAddress("eth1", "10.0.12.1/30");
  r1.addRoute("10.0.2.0/24", "10.0.12.2");
  r2.addAddress("eth0", "10.0.12.2/30");
  r2.addAddress("eth1", "10.0.2.1/24");
  r2.addRoute("10.0.1.0/24", "10.0.12.1");
  h2.addAddress("eth0", "10.0.2.10/24");
  h2.setGateway("10.0.2.1");

  const writer = new PcapngWriter({ application: "tinkernet determinism test" });
  const interfaces = new Map<string, number>();
  net.tracer.subscribe((event) => {
    if (event.type !== "frame-sent" && event.type !== "frame-received") return;
    const name = `${event.node}:${event.iface}:${event.type === "frame-sent" ? "out" : "in"}`;
    let id = interfaces.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name });
      interfaces.set(name, id);
    }
    writer.writePacket(id, event.time, event.frame);
  });
  const pings = ping(h1, "10.0.2.10", { count: 20, interval: 0.2 });
  net.runUntilDone(pings);
  await pings.result;
  const trace = traceroute(h1, "10.0.2.10");
  net.runUntilDone(trace);
  await trace.result;
  return writer.toBytes();
}

const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

test("same seed, same program: byte-identical pcapng through random impairments", async () => {
  const first = await capture(11);
  const second = await capture(11);
  assert.ok(first.length > 5000, `capture has ${first.length} bytes`);
  assert.equal(digest(first), digest(second));
  assert.notEqual(digest(first), digest(await capture(12)), "a different seed gives a different run");
});
