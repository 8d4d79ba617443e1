import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import type { PacketField } from "../../../src/web/protocol.js";
import { WebLab } from "../../../src/web/server/lab.js";
import { packetLayers } from "../../../src/web/server/packet.js";
import { projectRoot } from "../../support/system.js";

function walk(fields: PacketField[], visit: (f: PacketField) => void): void {
  for (const field of fields) {
    visit(field);
    if (field.children) walk(field.children, visit);
  }
}

test("the inspector's layers never throw, and every offset lies inside the frame", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
      const layers = packetLayers(bytes);
      for (const layer of layers) {
        assert.ok(layer.offset >= 0 && layer.offset <= bytes.length);
        walk(layer.fields, (f) => {
          if (f.offset !== undefined) assert.ok(f.offset >= 0 && f.offset + (f.length ?? 0) <= bytes.length);
        });
      }
    }),
    { numRuns: 400 },
  );
  // A frame cut short says which layer could not be read.
  const arp = Uint8Array.from(
    Buffer.from("ffffffffffff020000000001080600010800060400010200000000010a000001", "hex"),
  );
  const layers = packetLayers(arp.subarray(0, 20));
  assert.equal(layers[0].layer, "ethernet");
  assert.ok(layers.some((l) => l.error !== undefined));
});

test("the same topology and seed record the same events and the same capture, byte for byte", async () => {
  const text = readFileSync(join(projectRoot, "examples", "lan.yml"), "utf8");
  const run = async () => {
    const created = WebLab.create({
      text,
      file: "lan.yml",
      seed: 7,
      script: [{ command: "h1 ping -c 2 srv" }, { command: "h2 curl -s -o /dev/null http://srv/bytes/5000" }],
    });
    assert.ok(created.ok);
    const lab = created.value;
    await lab.start();
    const result = { events: JSON.stringify(lab.log.slice(0, 1e6)), capture: lab.capture() };
    await lab.close();
    return result;
  };
  const [a, b] = [await run(), await run()];
  assert.ok(a.events.length > 1000);
  assert.equal(a.events, b.events);
  assert.deepEqual(a.capture, b.capture);
});
