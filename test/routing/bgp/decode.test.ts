/**
 * BGP in the frame decoder (`layers`, `tinkernet decode`, the web lab's inspector): TCP port 179
 * payloads are read as BGP messages, each message of a segment its own layer, with fields and a
 * learner's description.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeFrame } from "../../../src/trace/decode.js";
import { LINKTYPE_ETHERNET } from "../../../src/trace/linktype.js";
import { formatLayer } from "../../../src/wire/describe.js";
import { lab, settle, startBgp } from "./support.js";

test("frames of a BGP session decode layer by layer, down to each BGP message", () => {
  const l = lab(["r1", "r2"], [["r1", "r2", 12]], { r1: "10.1.0.0" });
  const frames: Uint8Array[] = [];
  l.net.tracer.subscribe((e) => {
    if (e.type === "frame-sent" && e.node === "r1") frames.push(e.frame);
  });
  const b = startBgp(l, {
    r1: {
      asn: 65001,
      "router-id": "1.1.1.1",
      networks: ["10.1.0.0/24"],
      neighbors: [{ address: "10.0.12.2", "remote-as": 65002 }],
    },
    r2: { asn: 65002, "router-id": "2.2.2.2", neighbors: [{ address: "10.0.12.1", "remote-as": 65001 }] },
  });
  settle(b, 5);
  const bgpLayers = frames.flatMap((f) =>
    decodeFrame(LINKTYPE_ETHERNET, f).layers.filter((x) => x.fields.layer === "bgp"),
  );
  const types = new Set(bgpLayers.map((x) => x.fields.type));
  for (const type of ["OPEN", "KEEPALIVE", "UPDATE"]) assert.ok(types.has(type), `${type} decoded`);
  const update = bgpLayers.find((x) => x.fields.type === "UPDATE" && (x.fields.nlri as string[]).length > 0);
  assert.ok(update);
  assert.deepEqual(update.fields.nlri, ["10.1.0.0/24"]);
  assert.equal(update.fields.asPath, "65001");
  assert.equal(update.fields.nextHop, "10.0.12.1");
  const text = formatLayer(update.describe()[0]);
  assert.match(text, /Border Gateway Protocol — OSI layer 7 Application/);
  assert.match(text, /NEXT_HOP: 10\.0\.12\.1/);
  const open = bgpLayers.find((x) => x.fields.type === "OPEN");
  assert.deepEqual(open?.fields.capabilities, ["multiprotocol", "route-refresh", "four-octet-as"]);
  // No BGP message was left undecoded.
  for (const f of frames) {
    for (const layer of decodeFrame(LINKTYPE_ETHERNET, f).layers)
      assert.equal(layer.fields.error, undefined, JSON.stringify(layer.fields));
  }
});
