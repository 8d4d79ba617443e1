/**
 * An emulated host (src/devices) on a TAP interface, in real time, with the Linux kernel as its
 * neighbour: the kernel's ping reaches it, its ping reaches the kernel (100 each, no loss).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import { openTapBridge } from "../../src/platform/tap/bridge.js";
import { RealtimeRunner } from "../../src/platform/tap/realtime-runner.js";
import { MILLISECOND, SECOND } from "../../src/sim/time.js";
import { needTap, runIn, uniqueName } from "./tap-support.js";

async function hostOnTap(subnet: string) {
  const netns = uniqueName("tkt-");
  const bridge = await openTapBridge({ name: uniqueName("tkh"), netns, address: `${subnet}.1/24` });
  const net = new Network({ seed: 3 });
  const runner = new RealtimeRunner(net.scheduler);
  const h1 = net.addHost("h1");
  const endpoint = runner.endpoint(bridge);
  h1.attach("eth0", endpoint);
  h1.addAddress("eth0", `${subnet}.2/24`);
  h1.setGateway(`${subnet}.1`);
  return {
    netns,
    bridge,
    net,
    runner,
    h1,
    endpoint,
    async close() {
      await runner.stop();
      bridge.close();
    },
  };
}

test("the kernel's ping reaches an emulated host through TAP: 100 pings, 0% loss", async (t) => {
  if (!needTap(t, "ping")) return;
  const lab = await hostOnTap("10.91.0");
  try {
    const result = await runIn(lab.netns, "ping", ["-n", "-c", "100", "-i", "0.01", "-W", "2", "10.91.0.2"]);
    assert.match(
      result.stdout,
      /100 packets transmitted, 100 received, 0% packet loss/,
      result.stdout + result.stderr,
    );
    assert.equal(lab.endpoint.counters.inboxOverflow, 0);
    assert.equal(lab.bridge.device.counters.txErrors, 0);
  } finally {
    await lab.close();
  }
});

test("an emulated host's ping reaches the kernel through TAP: 100 pings, 0% loss", async (t) => {
  if (!needTap(t)) return;
  const lab = await hostOnTap("10.92.0");
  try {
    const run = ping(lab.h1, "10.92.0.1", { count: 100, interval: 10 * MILLISECOND, timeout: 2 * SECOND });
    const result = await run.result;
    assert.equal(result.transmitted, 100, result.output.join("\n"));
    assert.equal(result.received, 100, result.output.join("\n"));
    assert.equal(result.loss, 0);
    assert.ok(result.rtt && result.rtt.max < 1000, "round trips are real-time milliseconds");
  } finally {
    await lab.close();
  }
});
