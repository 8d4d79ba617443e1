import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { TraceEvent } from "../../../src/trace/events.js";
import { layersView } from "../../../src/trace/views/index.js";
import { chain, tcpEcho } from "./support.js";

type FrameTraceEvent = Extract<TraceEvent, { type: "frame-sent" | "frame-received" }>;

/** The field rows of the view: tag, frame offset, bytes shown, and the text. */
function fieldRows(view: string) {
  const rows: { tag: string; offset: number; bytes: string; text: string }[] = [];
  for (const line of view.split("\n")) {
    const m =
      /^ {2}([A-Za-z][0-9a-z+]|Ep)? {1,2}\s*([0-9a-f]{4}) {2}((?:[0-9a-f]{2} )*(?:[0-9a-f]{2}|\.\.)?)\s+(\S.*)$/.exec(
        line,
      );
    if (m) rows.push({ tag: m[1] ?? "", offset: Number.parseInt(m[2], 16), bytes: m[3].trim(), text: m[4] });
  }
  return rows;
}

/** The dump's tag under each byte offset. */
function dumpTags(view: string): Map<number, string> {
  const lines = view.split("\n");
  const start = lines.findIndex((l) => l.startsWith("Hex dump"));
  const tags = new Map<number, string>();
  for (let i = start + 1; i + 1 < lines.length; i += 2) {
    const offset = Number.parseInt(lines[i].slice(2, 6), 16);
    const tagLine = lines[i + 1].slice(8);
    for (let b = 0; b < 16; b++) {
      const tag = tagLine.slice(b * 3, b * 3 + 2);
      if (tag.trim() !== "" && tag !== "..") tags.set(offset + b, tag);
    }
  }
  return tags;
}

async function tcpFrames() {
  const setup = chain();
  await tcpEcho(setup, ["GET / HTTP/1.1\r\n\r\n"]);
  return setup.events.filter((e): e is FrameTraceEvent => e.type === "frame-sent" && e.node === "h1");
}

test("a TCP segment layer by layer: the two models side by side, fields with meanings, tagged bytes", async () => {
  const frames = await tcpFrames();
  const syn = frames.find((e) => e.frame.length > 60 && (e.frame[47] & 0x02) !== 0);
  assert.ok(syn);
  const view = layersView(syn);
  assert.match(view, /^Frame: 74 bytes, sent by h1 on eth0 at \d+\.\d{6} s/);
  const table = view.split("\n").slice(2, 10);
  assert.deepEqual(
    table.map((l) => l.slice(0, 33).trimEnd()),
    [
      "  OSI layer         TCP/IP layer",
      "  7 Application     Application",
      "  6 Presentation    Application",
      "  5 Session         Application",
      "  4 Transport       Transport",
      "  3 Network         Internet",
      "  2 Data link       Link",
      "  1 Physical        Link",
    ],
  );
  assert.match(table[4], /Transmission Control Protocol: TCP \d+ → 7 \[SYN\]/);
  assert.match(table[5], /Internet Protocol version 4: .*10\.0\.1\.10 > 10\.0\.2\.10/);
  assert.match(table[6], /Ethernet II: /);
  assert.match(view, /Ethernet II — bytes 0-13, OSI layer 2 Data link, TCP\/IP Link layer/);
  assert.match(
    view,
    /Internet Protocol version 4 — bytes 14-33, OSI layer 3 Network, TCP\/IP Internet layer/,
  );
  assert.match(view, /Transmission Control Protocol — bytes 34-73, OSI layer 4 Transport/);
  assert.match(view, /Time to Live: 64 — hops left/);

  const rows = fieldRows(view);
  const ttl = rows.find((r) => r.text.startsWith("Time to Live"));
  assert.ok(ttl);
  assert.equal(ttl.offset, 14 + 8);
  assert.equal(ttl.bytes, "40");
  // Every row's bytes are the frame's bytes at its offset.
  for (const row of rows) {
    const shown = row.bytes
      .replace(" ..", "")
      .split(" ")
      .filter((b) => b !== "");
    shown.forEach((b, i) => {
      assert.equal(Number.parseInt(b, 16), syn.frame[row.offset + i], row.text);
    });
  }
  // The dump labels each field's first byte with the field's tag.
  const tags = dumpTags(view);
  for (const name of [
    "Destination",
    "Source Address",
    "Time to Live",
    "Sequence Number",
    "Window",
    "Maximum Segment Size",
  ]) {
    const row = rows.find((r) => r.text.trimStart().startsWith(name));
    assert.ok(row?.tag, name);
    assert.equal(tags.get(row.offset), row.tag, name);
  }
  // The TCP flags share one byte: only their parent is tagged.
  const syncRow = rows.find((r) => r.text.trimStart().startsWith("SYN (Synchronize)"));
  assert.equal(syncRow?.tag, "");
  // Every tag in the dump names a field row.
  const known = new Set(rows.map((r) => r.tag));
  for (const tag of tags.values()) assert.ok(known.has(tag), tag);
});

test("data shows up as the application layer, bytes labelled as data", async () => {
  const frames = await tcpFrames();
  const data = frames.find(
    (e) => e.frame.length > 66 + 12 && new TextDecoder().decode(e.frame).includes("GET /"),
  );
  assert.ok(data);
  const view = layersView(data, { meanings: false });
  assert.match(view, /\n {2}7 Application {5}Application {4}Payload: 18 bytes of data/);
  const rows = fieldRows(view);
  const bytes = rows.find((r) => r.text.startsWith("Bytes:"));
  assert.ok(bytes);
  assert.equal(bytes.offset, data.frame.length - 18);
  assert.equal(dumpTags(view).get(bytes.offset), bytes.tag);
  assert.match(view, /GET \/ HTTP\/1\.1/);
  // Without meanings: no " — " explanations.
  assert.doesNotMatch(view, /Time to Live: \d+ —/);
});

test("an ARP request: the Link layer only, no hex dump when asked", () => {
  const frame = Uint8Array.from([
    ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06],
    ...[0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 1, 10, 0, 0, 0, 0, 0, 0, 10, 0, 1, 1],
  ]);
  const view = layersView(frame, { hex: false });
  assert.match(view, /^Frame: 42 bytes\n/);
  assert.match(
    view,
    /2 Data link {7}Link {11}Ethernet II: .*; Address Resolution Protocol: Request who-has 10\.0\.1\.1 tell 10\.0\.1\.10/,
  );
  assert.match(view, /3 Network {9}Internet {7}-/);
  assert.match(view, /A9 {2}0026 {2}0a 00 01 01 +Target IP address: 10\.0\.1\.1/);
  assert.doesNotMatch(view, /Hex dump/);
});

test("a frame that does not decode says where, and the view never throws", () => {
  const cut = Uint8Array.from([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0x00, 0x00]);
  const view = layersView(cut);
  assert.match(
    view,
    /\nipv4: cannot decode: packet of 3 bytes is shorter than the 20-byte header \(at byte 17 of the frame\)\n/,
  );
  assert.match(view, /E3 \.\. \?\? \?\?\n {2}0010 {2}00 +\.\n {8}\?\?$/);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = layersView(bytes);
      assert.ok(text.startsWith(`Frame: ${bytes.length} bytes`));
    }),
    { numRuns: 300 },
  );
});
