// Every capture of tcpdump's own test suite (real traffic and fuzzer-made wreckage, see
// ../shared/captures/README.md) goes through the reader, the decoder and both renderings
// without an exception. Read in place, never copied into the project.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeFrame, frameFields } from "../../src/trace/decode.js";
import { readCapture } from "../../src/trace/read-capture.js";
import { renderFrameText } from "../../src/trace/render.js";
import { hasShared, needSystem, sharedDir } from "../support/system.js";

const CORPUS = "captures/tcpdump-tests";

describe("the tcpdump capture corpus", () => {
  it("reads and decodes every file without an exception", (t) => {
    if (!needSystem(t, `shared corpus ${CORPUS}`, hasShared(CORPUS))) return;
    const dir = join(sharedDir, CORPUS);
    const files = readdirSync(dir)
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .sort();
    assert.ok(files.length > 800, `expected the whole corpus, found ${files.length} files`);
    let frames = 0;
    let damaged = 0;
    const layerCounts = new Map<string, number>();
    let layerErrors = 0;
    for (const file of files) {
      const capture = readCapture(readFileSync(join(dir, file)));
      if (capture.error) damaged++;
      for (const [index, frame] of capture.frames.entries()) {
        const iface = capture.interfaces[frame.interfaceIndex];
        const decoded = decodeFrame(frame.linkType, frame.data, {
          originalLength: frame.originalLength,
          fcsLength: iface?.fcsLength,
        });
        assert.ok(decoded.layers.length > 0, `${file} frame ${index + 1}: no layers`);
        for (const fields of frameFields(decoded)) {
          layerCounts.set(fields.layer, (layerCounts.get(fields.layer) ?? 0) + 1);
          if (fields.error !== undefined) layerErrors++;
        }
        // Both renderings must work on whatever came out (and JSON must be plain data).
        JSON.parse(JSON.stringify(frameFields(decoded)));
        renderFrameText(index + 1, frame, iface, decoded);
        frames++;
      }
    }
    const summary = [...layerCounts].map(([k, v]) => `${k} ${v}`).join(", ");
    console.log(
      `corpus: ${files.length} files, ${frames} frames, ${damaged} damaged files, ${layerErrors} layer errors; layers: ${summary}`,
    );
    assert.ok(frames > 10000);
  });
});
