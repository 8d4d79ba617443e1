import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openCaptureSink } from "../../../src/platform/capture-sink.js";
import { ByteCollector } from "../../../src/trace/capture.js";
import type { TraceEvent } from "../../../src/trace/events.js";
import { readPcapng } from "../../../src/trace/pcapng.js";
import { parseCaptureTarget, startCapture } from "../../../src/trace/views/index.js";
import { hasCommand, needSystem } from "../../support/system.js";
import { tsharkAvailable, tsharkExpert, tsharkPackets } from "../../support/tshark.js";
import { chain, tcpEcho } from "./support.js";

type FrameTraceEvent = Extract<TraceEvent, { type: "frame-sent" | "frame-received" }>;
const frameEvents = (events: TraceEvent[]) =>
  events.filter((e): e is FrameTraceEvent => e.type === "frame-sent" || e.type === "frame-received");

test("capture targets: an interface, a node, a link, everything; anything else is refused with the forms", () => {
  assert.deepEqual(parseCaptureTarget("h1:eth0"), { kind: "interface", node: "h1", iface: "eth0" });
  assert.deepEqual(parseCaptureTarget("home-router"), { kind: "node", node: "home-router" });
  assert.deepEqual(parseCaptureTarget("home-router:eth0-isp-edge:eth1"), {
    kind: "link",
    a: "home-router:eth0",
    b: "isp-edge:eth1",
    name: "home-router:eth0-isp-edge:eth1",
  });
  assert.deepEqual(parseCaptureTarget(" * "), { kind: "all" });
  assert.throws(() => parseCaptureTarget("a:b:c"), /expected NODE:IF, NODE, A:IF-B:IF \(a link\) or \*/);
  assert.throws(() => parseCaptureTarget(""), RangeError);
});

test("an interface capture holds what the interface sent and received, with direction and virtual timestamps", async () => {
  const setup = chain();
  const out = new ByteCollector();
  const epoch = 1_700_000_000_000_000_000n;
  const capture = startCapture(setup.net.tracer, "h1:eth0", out.sink, { epoch, comment: "test" });
  // The interface is declared before any packet, for a live reader.
  const early = readPcapng(out.toBytes());
  assert.equal(early.error, undefined);
  assert.deepEqual(
    early.interfaces.map((i) => [i.name, i.description, i.linkType]),
    [["h1:eth0", "interface eth0 of h1", 1]],
  );
  assert.deepEqual(early.comments, ["test"]);
  await tcpEcho(setup);
  capture.stop();
  const expected = frameEvents(setup.events).filter((e) => e.node === "h1" && e.iface === "eth0");
  assert.ok(expected.length >= 10);
  const file = readPcapng(out.toBytes());
  assert.equal(file.error, undefined);
  assert.equal(capture.frames, expected.length);
  assert.equal(file.frames.length, expected.length);
  file.frames.forEach((frame, i) => {
    const event = expected[i];
    assert.deepEqual(frame.data, event.frame);
    assert.equal(frame.timestampNs, epoch + BigInt(event.time));
    assert.equal(frame.direction, event.type === "frame-sent" ? "outbound" : "inbound");
  });
  // Stopped: nothing more is written.
  const size = out.toBytes().length;
  await tcpEcho(setup);
  assert.equal(out.toBytes().length, size);
});

test("a link capture holds what both ends sent into the link; node and * captures add interfaces as they appear", async () => {
  const setup = chain();
  const link = new ByteCollector();
  const node = new ByteCollector();
  const everything = new ByteCollector();
  const c1 = startCapture(setup.net.tracer, "r1:eth1-r2:eth0", link.sink);
  const c2 = startCapture(setup.net.tracer, ["r1"], node.sink);
  const c3 = startCapture(setup.net.tracer, "*", everything.sink);
  await tcpEcho(setup);
  const events = frameEvents(setup.events);
  const linkFile = readPcapng(link.toBytes());
  assert.deepEqual(
    linkFile.interfaces.map((i) => i.name),
    ["r1:eth1-r2:eth0"],
  );
  const sentIntoLink = events.filter(
    (e) =>
      e.type === "frame-sent" &&
      ((e.node === "r1" && e.iface === "eth1") || (e.node === "r2" && e.iface === "eth0")),
  );
  assert.deepEqual(
    linkFile.frames.map((f) => f.data),
    sentIntoLink.map((e) => e.frame),
  );
  assert.ok(linkFile.frames.every((f) => f.direction === undefined));
  const nodeFile = readPcapng(node.toBytes());
  assert.deepEqual(nodeFile.interfaces.map((i) => i.name).sort(), ["r1:eth0", "r1:eth1"]);
  assert.equal(nodeFile.frames.length, events.filter((e) => e.node === "r1").length);
  assert.equal(c2.interfaces.length, 2);
  const allFile = readPcapng(everything.toBytes());
  assert.equal(allFile.frames.length, events.length);
  assert.equal(c3.interfaces.length, 6);
  for (const c of [c1, c2, c3]) c.stop();
});

test("tshark reads a capture of ARP and a TCP exchange on three kinds of target: no malformed packets, no checksum errors", async (t) => {
  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const setup = chain();
  const out = new ByteCollector();
  startCapture(setup.net.tracer, ["h1:eth0", "r1:eth1-r2:eth0", "h2"], out.sink);
  await tcpEcho(setup, ["hello", "world"]);
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-capture-"));
  try {
    const file = join(dir, "capture.pcapng");
    writeFileSync(file, out.toBytes());
    const packets = await tsharkPackets(file);
    assert.ok(Array.isArray(packets), String(packets));
    assert.equal(packets.length, readPcapng(out.toBytes()).frames.length);
    const problems = (await tsharkExpert(file)).filter(
      (item) => item.severity === "Errors" || /malformed|checksum/i.test(`${item.group} ${item.summary}`),
    );
    assert.deepEqual(problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the Node sink writes a capture file, and streams through a FIFO to a live reader", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-sink-"));
  try {
    const setup = chain();
    const path = join(dir, "file.pcapng");
    const handle = openCaptureSink(path);
    const memory = new ByteCollector();
    startCapture(setup.net.tracer, "h1:eth0", handle.sink);
    startCapture(setup.net.tracer, "h1:eth0", memory.sink);
    await tcpEcho(setup);
    await handle.close();
    assert.deepEqual(new Uint8Array(readFileSync(path)), memory.toBytes());

    if (!needSystem(t, "mkfifo", hasCommand("mkfifo"))) return;
    const fifo = join(dir, "live");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    // The reader (as Wireshark would be) copies what arrives to a file.
    const copy = join(dir, "copy.pcapng");
    const reader = spawn("sh", ["-c", `cat "${fifo}" > "${copy}"`]);
    const readerDone = new Promise((resolve) => reader.on("exit", resolve));
    const live = openCaptureSink(fifo);
    const second = chain();
    const reference = new ByteCollector();
    startCapture(second.net.tracer, "h2:eth0", live.sink);
    startCapture(second.net.tracer, "h2:eth0", reference.sink);
    await tcpEcho(second);
    await live.close();
    await readerDone;
    assert.equal(live.error, undefined);
    assert.deepEqual(new Uint8Array(readFileSync(copy)), reference.toBytes());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("when the live reader goes away the sink closes itself and says why", async (t) => {
  if (!needSystem(t, "mkfifo", hasCommand("mkfifo"))) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-sink-"));
  try {
    const fifo = join(dir, "live");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    // A reader that takes 4 bytes and leaves.
    const reader = spawn("sh", ["-c", `head -c 4 "${fifo}" > /dev/null`]);
    const live = openCaptureSink(fifo);
    let reported: Error | undefined;
    live.onClosed = (error) => {
      reported = error;
    };
    const setup = chain();
    startCapture(setup.net.tracer, "*", live.sink);
    await new Promise((resolve) => reader.on("exit", resolve));
    // Keep writing until the broken pipe is noticed.
    for (let i = 0; i < 200 && !live.closed; i++) {
      await tcpEcho(setup);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(live.closed, true);
    assert.match(String(reported), /EPIPE/);
    await live.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
