/**
 * Wireshark as the judge of our BGP bytes: a lab exercising every message type and attribute we
 * emit (OPEN with capabilities, 4-octet AS numbers, UPDATEs packed with hundreds of prefixes,
 * withdrawals, MED, LOCAL_PREF, COMMUNITIES, ORIGINATOR_ID/CLUSTER_LIST from a reflector,
 * KEEPALIVE, ROUTE-REFRESH, NOTIFICATION) is captured to pcapng and tshark must decode every
 * message with no malformed packet, the types and attributes we sent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LINKTYPE_ETHERNET } from "../../../src/trace/linktype.js";
import { PcapngWriter } from "../../../src/trace/pcapng.js";
import { needSystem } from "../../support/system.js";
import { runTshark, TSHARK_CHECK_OPTIONS, tsharkAvailable } from "../../support/tshark.js";
import { lab, settle, startBgp } from "./support.js";

test("tshark decodes every BGP message of a lab (eBGP with a 4-octet AS, a route reflector, policy) with none malformed", async (t) => {
  const l = lab(
    ["rr", "c1", "c2", "far"],
    [
      ["rr", "c1", 1],
      ["rr", "c2", 2],
      ["far", "rr", 9],
    ],
    { c1: "10.11.0.0" },
  );
  for (const [name, n] of [
    ["c1", 1],
    ["c2", 2],
  ] as const)
    l.r[name].addRoute("10.0.0.0/16", `10.0.${n}.1`);
  const many: string[] = [];
  for (let i = 0; i < 600; i++) {
    const prefix = `172.${16 + (i >> 8)}.${i & 255}.0/24`;
    l.r.far.addRoute(prefix, undefined, { iface: "eth0" });
    many.push(prefix);
  }
  const writer = new PcapngWriter({ application: "tinkernet bgp test" });
  const ids = new Map<string, number>();
  l.net.tracer.subscribe((event) => {
    if (event.type !== "frame-sent") return;
    const name = `${event.node}:${event.iface}`;
    let id = ids.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name });
      ids.set(name, id);
    }
    writer.writePacket(id, event.time, event.frame);
  });
  const b = startBgp(l, {
    rr: {
      asn: 65000,
      "router-id": "10.255.0.100",
      neighbors: [
        { address: "10.0.1.2", "remote-as": 65000, "route-reflector-client": true },
        { address: "10.0.2.2", "remote-as": 65000, "route-reflector-client": true },
        { address: "10.0.9.1", "remote-as": 4200000001, "route-map-out": "TAG" },
      ],
      "route-maps": {
        TAG: [{ action: "permit", set: { community: "65000:42 no-export additive", metric: 7 } }],
      },
    },
    c1: {
      asn: 65000,
      "router-id": "10.255.0.1",
      networks: ["10.11.0.0/24"],
      neighbors: [{ address: "10.0.1.1", "remote-as": 65000 }],
    },
    c2: { asn: 65000, "router-id": "10.255.0.2", neighbors: [{ address: "10.0.2.1", "remote-as": 65000 }] },
    far: {
      asn: 4200000001,
      "router-id": "10.255.0.9",
      networks: many,
      neighbors: [{ address: "10.0.9.2", "remote-as": 65000 }],
    },
  });
  settle(b);
  assert.equal(b.bgp.c2.entry("172.16.0.0/24")?.best?.attributes.asPath?.[0].asns[0], 4200000001);
  assert.ok(b.bgp.c2.entry("10.11.0.0/24")?.best?.attributes.originatorId);
  assert.equal(b.bgp.far.entry("10.11.0.0/24")?.best?.attributes.med, 7);
  b.bgp.rr.clear("*", "in"); // ROUTE-REFRESH
  for (const prefix of many.slice(0, 50)) l.r.far.removeRoute(prefix);
  b.bgp.far.scan(); // withdrawals
  settle(b, 2);
  b.bgp.rr.clear("10.0.2.2"); // NOTIFICATION (Cease)
  settle(b, 2);

  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-bgp-"));
  const file = join(dir, "bgp.pcapng");
  writeFileSync(file, writer.toBytes());
  const fields = await runTshark([
    "-r",
    file,
    "-n",
    ...TSHARK_CHECK_OPTIONS,
    // BGP messages span TCP segments: let tshark reassemble them.
    "-o",
    "tcp.desegment_tcp_streams:TRUE",
    "-Y",
    "bgp",
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-E",
    "aggregator=,",
    "-e",
    "bgp.type",
    "-e",
    "_ws.malformed",
    "-e",
    "bgp.update.path_attribute.type_code",
    "-e",
    "bgp.cap.type",
    "-e",
    "bgp.notify.major_error",
    "-e",
    "tcp.checksum.status",
    "-e",
    "_ws.expert.severity",
  ]);
  assert.equal(fields.code, 0, fields.stderr);
  const rows = fields.stdout
    .trim()
    .split("\n")
    .map((line) => line.split("|"));
  assert.ok(rows.length > 20, `${rows.length} BGP frames`);
  for (const row of rows) {
    assert.equal(row[1], "", `malformed: ${row.join(" | ")}`);
    assert.notEqual(row[5], "0", `bad TCP checksum: ${row.join(" | ")}`);
    assert.ok(!row[6].split(",").includes("8388608"), `an expert error: ${row.join(" | ")}`);
  }
  const types = new Set(rows.flatMap((r) => r[0].split(",")).filter(Boolean));
  assert.deepEqual(
    [...types].sort(),
    ["1", "2", "3", "4", "5"],
    "OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH",
  );
  const attributes = new Set(rows.flatMap((r) => r[2].split(",")).filter(Boolean));
  for (const code of ["1", "2", "3", "4", "5", "8", "9", "10"])
    assert.ok(attributes.has(code), `attribute ${code} seen`);
  const capabilities = new Set(rows.flatMap((r) => r[3].split(",")).filter(Boolean));
  for (const code of ["1", "2", "65"]) assert.ok(capabilities.has(code), `capability ${code} seen`);
  assert.ok(
    rows.some((r) => r[4] === "6"),
    "a Cease NOTIFICATION",
  );
});
