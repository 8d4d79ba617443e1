/**
 * System tests of the TAP mechanism, before any emulated stack: frames we write reach the kernel
 * whole and in order; frames the kernel sends reach us whole, in order and all of them; the
 * kernel's own `ping` is answered by a responder made of src/wire alone, both on the raw device and
 * through the scheduler in real time; teardown removes what we created on exit and on signals.
 * Root, /dev/net/tun and the built addon are needed (see needTap).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openTapBridge } from "../../src/platform/tap/bridge.js";
import { TapDevice } from "../../src/platform/tap/tap-device.js";
import { TapEndpoint } from "../../src/platform/tap/tap-endpoint.js";
import { WakeableClock } from "../../src/platform/tap/wake-clock.js";
import { runRealtime } from "../../src/sim/realtime.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { readCapture } from "../../src/trace/read-capture.js";
import {
  handcraftedResponder,
  Ipv4Address,
  linkStats,
  MacAddress,
  needTap,
  netnsGone,
  run,
  runIn,
  startCapture,
  uniqueName,
} from "./tap-support.js";

const EXPERIMENTAL_ETHERTYPE = 0x88b5; // IEEE 802 "local experimental": nothing in the kernel reacts to it

/** A deterministic test frame: broadcast, our EtherType, sequence number, then patterned bytes. */
function testFrame(sequence: number, length: number): Uint8Array {
  const frame = new Uint8Array(length);
  frame.fill(0xff, 0, 6);
  frame.set([0x02, 0x00, 0x00, 0x00, 0x00, 0x02], 6);
  frame[12] = EXPERIMENTAL_ETHERTYPE >> 8;
  frame[13] = EXPERIMENTAL_ETHERTYPE & 0xff;
  new DataView(frame.buffer).setUint32(14, sequence);
  for (let i = 18; i < length; i++) frame[i] = (i * 7 + sequence) & 0xff;
  return frame;
}

test("frames written to the TAP reach the kernel whole and in order", async (t) => {
  if (!needTap(t, "tcpdump")) return;
  const netns = uniqueName("tkt-");
  const bridge = await openTapBridge({ name: uniqueName("tkw"), netns });
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-tap-"));
  try {
    const before = await linkStats(netns, bridge.name);
    const capture = await startCapture(netns, bridge.name, join(dir, "in.pcap"), [
      "ether",
      "proto",
      "0x88b5",
    ]);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const frame = testFrame(i, 60 + ((i * 97) % (1514 - 60 + 1)));
      sent.push(frame);
      assert.equal(bridge.device.write(frame), true);
      // tcpdump is the slow party here: give it a turn now and then so its buffer never overflows.
      if (i % 25 === 24) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const after = await linkStats(netns, bridge.name);
    assert.equal(after.rxPackets - before.rxPackets, sent.length, "the kernel counts every frame we wrote");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await capture.stop();
    const captured = readCapture(new Uint8Array(readFileSync(capture.file))).frames.map((f) => f.data);
    assert.equal(captured.length, sent.length);
    for (let i = 0; i < sent.length; i++) assert.deepEqual(captured[i], sent[i], `frame ${i}`);
    assert.equal(bridge.device.counters.txFrames, sent.length);
    assert.equal(bridge.device.counters.txErrors, 0);
  } finally {
    bridge.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(netnsGone(netns), "the namespace we created is removed on close");
});

test("frames the kernel sends reach us whole, in order, every one", async (t) => {
  if (!needTap(t, "python3")) return;
  const netns = uniqueName("tkt-");
  const bridge = await openTapBridge({ name: uniqueName("tkr"), netns, address: "10.97.0.1/24" });
  try {
    const peerMac = "02:00:00:00:00:02";
    await run("ip", ["-n", netns, "neigh", "replace", "10.97.0.2", "lladdr", peerMac, "dev", bridge.name]);
    const sequences: number[] = [];
    let malformed = 0;
    // Ethernet(14) IPv4(20) UDP(8) then our 4-byte sequence and a pattern that depends on it.
    const damage = (frame: Uint8Array, sequence: number) => {
      let bad = 0;
      for (let i = 46; i < frame.length; i++) if (frame[i] !== ((i + sequence) & 0xff)) bad++;
      return bad;
    };
    // Every frame is kept, as queues and captures keep them: later reads must not write over it.
    const kept: { frame: Uint8Array; sequence: number }[] = [];
    bridge.device.onFrame = (frame) => {
      if (frame.length < 46 || frame[12] !== 0x08 || frame[13] !== 0x00 || frame[23] !== 17) return;
      const view = new DataView(frame.buffer, frame.byteOffset);
      const sequence = view.getUint32(42);
      malformed += damage(frame, sequence);
      sequences.push(sequence);
      kept.push({ frame, sequence });
    };
    bridge.device.start();
    const count = 3000;
    const before = await linkStats(netns, bridge.name);
    const sender = [
      "import socket, struct",
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      `for n in range(${count}):`,
      "    size = 4 + (n * 131) % 1400",
      "    s.sendto(struct.pack('!I', n) + bytes((46 + i + n) & 255 for i in range(size - 4)), ('10.97.0.2', 9))",
    ].join("\n");
    const result = await runIn(netns, "python3", ["-c", sender]);
    assert.equal(result.code, 0, result.stderr);
    // Wait (bounded) until every frame the kernel transmitted has been read.
    let after = await linkStats(netns, bridge.name);
    for (let i = 0; i < 50 && bridge.device.counters.rxFrames < after.txPackets - before.txPackets; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await linkStats(netns, bridge.name);
    }
    const transmitted = after.txPackets - before.txPackets;
    assert.equal(bridge.device.counters.rxFrames, transmitted, "we read every frame the kernel transmitted");
    assert.equal(
      sequences.length + (after.txDropped - before.txDropped),
      count,
      "only the kernel's own queue may drop",
    );
    for (let i = 1; i < sequences.length; i++) assert.ok(sequences[i] > sequences[i - 1], `in order at ${i}`);
    assert.equal(malformed, 0, "no byte changed");
    assert.equal(
      kept.reduce((bad, k) => bad + damage(k.frame, k.sequence), 0),
      0,
      "frames kept by the receiver are still whole after all the reads that followed",
    );
    assert.equal(bridge.device.counters.rxErrors, 0);
  } finally {
    bridge.close();
  }
});

test("the kernel's ping is answered by a responder made of src/wire (raw device)", async (t) => {
  if (!needTap(t, "ping")) return;
  const netns = uniqueName("tkt-");
  const bridge = await openTapBridge({ name: uniqueName("tkp"), netns, address: "10.96.0.1/24" });
  try {
    const responder = handcraftedResponder(
      MacAddress.parse("02:00:00:00:96:02"),
      Ipv4Address.parse("10.96.0.2"),
      (f) => bridge.device.write(f),
    );
    bridge.device.onFrame = responder.onFrame;
    bridge.device.start();
    const ping = await runIn(netns, "ping", ["-n", "-c", "20", "-i", "0.01", "-W", "2", "10.96.0.2"]);
    assert.match(ping.stdout, / 0% packet loss/, ping.stdout + ping.stderr);
    assert.ok(responder.arpRequests >= 1, "the kernel resolved our address with ARP first");
    assert.equal(responder.echoRequests, 20);
  } finally {
    bridge.close();
  }
});

test("through the scheduler in real time: kernel frames are delivered as events, replies go straight out", async (t) => {
  if (!needTap(t, "ping")) return;
  const netns = uniqueName("tkt-");
  const bridge = await openTapBridge({ name: uniqueName("tks"), netns, address: "10.95.0.1/24" });
  const scheduler = new Scheduler();
  const clock = new WakeableClock();
  const endpoint = new TapEndpoint(bridge.device, scheduler, { wake: () => clock.wake() });
  const abort = new AbortController();
  const running = runRealtime(scheduler, { clock, signal: abort.signal, maxSleepMs: 50 });
  try {
    let insideEvents = true;
    const responder = handcraftedResponder(
      MacAddress.parse("02:00:00:00:95:02"),
      Ipv4Address.parse("10.95.0.2"),
      (f) => endpoint.transmit(f),
    );
    endpoint.onReceive = (frame) => {
      // Deliveries happen inside scheduler events, at the virtual time the real-time loop keeps.
      if (scheduler.now === 0 && scheduler.eventsExecuted === 0) insideEvents = false;
      responder.onFrame(frame);
    };
    const ping = await runIn(netns, "ping", ["-n", "-c", "20", "-i", "0.01", "-W", "2", "10.95.0.2"]);
    assert.match(ping.stdout, / 0% packet loss/, ping.stdout + ping.stderr);
    assert.ok(insideEvents);
    assert.equal(responder.echoRequests, 20);
    assert.ok(endpoint.counters.delivered >= 21);
    assert.equal(endpoint.counters.inboxOverflow, 0);
    assert.ok(clock.wakeups > 0, "frames from the kernel woke the real-time loop");
  } finally {
    abort.abort();
    await running;
    bridge.close();
  }
});

test("the MTU is enforced like a link's: oversized frames are refused and counted", async (t) => {
  if (!needTap(t)) return;
  const bridge = await openTapBridge({ name: uniqueName("tkm"), netns: uniqueName("tkt-"), mtu: 1400 });
  try {
    const endpoint = new TapEndpoint(bridge.device, new Scheduler(), { mtu: 1400 });
    assert.equal(endpoint.transmit(testFrame(1, 14 + 1400)), true);
    assert.equal(endpoint.transmit(testFrame(2, 14 + 1401)), false);
    assert.equal(endpoint.counters.mtuExceeded, 1);
    assert.equal(endpoint.name, `tap:${bridge.name}`);
  } finally {
    bridge.close();
  }
});

/** Starts the fixture holding a bridge open; resolves once it printed "ready". */
function startChild(name: string, netns: string, mode: string) {
  const script = new URL("./fixtures/tap-child.js", import.meta.url).pathname;
  const child = spawn(process.execPath, [script, name, netns, mode], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready: ${stderr}`)), 15_000);
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", () => clearTimeout(timer));
  });
  return { child, ready, exited, stderr: () => stderr };
}

for (const [mode, signal] of [
  ["wait", "SIGTERM"],
  ["wait", "SIGINT"],
  ["exit", undefined],
  ["throw", undefined],
] as const) {
  test(`teardown on ${signal ?? mode}: the interface and the namespace we created are removed`, async (t) => {
    if (!needTap(t)) return;
    const name = uniqueName("tkd");
    const netns = uniqueName("tkt-");
    const child = startChild(name, netns, mode);
    try {
      await child.ready;
      if (signal) {
        const shown = await run("ip", ["-n", netns, "-br", "addr", "show", "dev", name]);
        assert.match(shown.stdout, /10\.98\.0\.1\/24/, "address configured");
        assert.match(shown.stdout, /UP|UNKNOWN/, "interface up");
        child.child.kill(signal);
      }
      const exit = await child.exited;
      if (signal) assert.equal(exit.signal, signal, "the process still ends by the signal");
      else assert.equal(exit.code, mode === "exit" ? 0 : 1, child.stderr());
      assert.ok(netnsGone(netns), `namespace ${netns} removed`);
    } finally {
      child.child.kill("SIGKILL");
      await run("ip", ["netns", "del", netns]);
    }
  });
}

test("an existing namespace and a persistent interface are used and left in place", async (t) => {
  if (!needTap(t)) return;
  const netns = uniqueName("tkt-");
  const name = uniqueName("tke");
  await run("ip", ["netns", "add", netns]);
  try {
    assert.equal((await run("ip", ["-n", netns, "tuntap", "add", "dev", name, "mode", "tap"])).code, 0);
    const bridge = await openTapBridge({ name, netns, address: "10.94.0.1/24" });
    assert.equal(bridge.createdNetns, false);
    bridge.close();
    assert.ok(!netnsGone(netns), "a namespace we did not create stays");
    const shown = await run("ip", ["-n", netns, "link", "show", "dev", name]);
    assert.equal(shown.code, 0, "a persistent interface outlives our descriptor");
    // And the raw device opens it again.
    const device = TapDevice.open(name, { netns });
    device.close();
  } finally {
    await run("ip", ["netns", "del", netns]);
  }
});
