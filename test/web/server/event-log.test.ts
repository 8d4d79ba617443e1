import assert from "node:assert/strict";
import { test } from "node:test";
import { Network } from "../../../src/devices/network.js";
import { EventLog, flagNames } from "../../../src/web/server/event-log.js";
import { packetMessage } from "../../../src/web/server/packet.js";

function pingPair(maxEvents: number, maxFrameBytes?: number) {
  const network = new Network({ seed: 1 });
  network.addHost("h1");
  network.addHost("h2");
  network.connect("h1:eth0", "h2:eth0", { delay: "1ms" });
  network.node("h1").addAddress("eth0", "10.0.0.1/24");
  network.node("h2").addAddress("eth0", "10.0.0.2/24");
  const log = new EventLog(network.tracer, () => network.scheduler.now, {
    maxEvents,
    ...(maxFrameBytes !== undefined ? { maxFrameBytes } : {}),
  });
  return { network, log };
}

test("the history is bounded: the oldest events are forgotten and firstSeq says where it starts", () => {
  const { log } = pingPair(50);
  for (let i = 0; i < 40; i++) log.append({ type: "command", summary: `c${i}` });
  assert.equal(log.firstSeq, 0);
  for (let i = 40; i < 130; i++) log.append({ type: "command", summary: `c${i}` });
  assert.equal(log.endSeq, 130);
  assert.equal(log.firstSeq, 80);
  const kept = log.slice(0, 1000);
  assert.equal(kept.length, 50);
  assert.equal(kept[0].seq, 80);
  assert.equal(kept[0].summary, "c80");
  assert.equal(log.event(79), undefined);
  assert.equal(log.event(129)?.summary, "c129");
});

test("frame bytes are bounded too: a forgotten frame cannot be opened, a kept one can", () => {
  const { network, log } = pingPair(10_000, 600);
  const h1 = network.node("h1");
  // ARP and twenty datagrams: well over 600 bytes of frames.
  const socket = h1.dgram.createSocket("udp4");
  for (let i = 0; i < 20; i++) {
    socket.send(new Uint8Array(100), 9, "10.0.0.2");
    network.scheduler.runUntil(network.scheduler.now + 10_000_000);
  }
  const frames = log.slice(0, 10_000).filter((e) => e.type === "frame-sent");
  assert.ok(frames.length > 10);
  const first = frames[0].frameId!;
  const last = frames[frames.length - 1].frameId!;
  assert.match(String(packetMessage(log, first)), /not kept/);
  const opened = packetMessage(log, last);
  assert.ok(typeof opened !== "string");
  assert.equal(opened.layers[0].layer, "ethernet");
  // The capture holds only what is kept.
  const captured = [...log.captureRecords()];
  assert.ok(captured.length > 0 && captured.every((r) => log.frame(r.frameId) !== undefined));
  // (A frame seen at both ends is one frame kept.)
  const unique = new Map(captured.map((r) => [r.frameId, r.bytes.length]));
  assert.ok([...unique.values()].reduce((n, length) => n + length, 0) <= 600);
});

test("TCP trace flags are named as frames name them", () => {
  assert.equal(flagNames("S"), "SYN");
  assert.equal(flagNames("S."), "SYN,ACK");
  assert.equal(flagNames("FP."), "FIN,PSH,ACK");
  assert.equal(flagNames("R"), "RST");
  assert.equal(flagNames("SYN,ACK"), "SYN,ACK");
});

test("frames and capture records are bounded by the event history as well", () => {
  const { network, log } = pingPair(40);
  const socket = network.node("h1").dgram.createSocket("udp4");
  for (let i = 0; i < 60; i++) {
    socket.send(new Uint8Array(10), 9, "10.0.0.2");
    network.scheduler.runUntil(network.scheduler.now + 10_000_000);
  }
  assert.ok(log.endSeq > 200);
  const records = [...log.captureRecords()];
  assert.ok(records.length > 0 && records.length <= 40, `${records.length} capture records`);
  const kept = log
    .slice(0, 1000)
    .filter((e) => e.frameId !== undefined && log.frame(e.frameId) !== undefined);
  assert.ok(kept.length > 0);
});
