/**
 * The decision process (RFC 4271 §9.1.2.2, in FRR's order), one step at a time: each case offers
 * the same prefix from two or three neighbours, differing in one attribute, and checks who wins.
 * UPDATEs are applied straight to the speaker's Adj-RIB-In (no sessions needed for this).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BgpNeighborConfig } from "../../../src/routing/bgp/config.js";
import { showIpBgp, showIpBgpPrefix } from "../../../src/routing/bgp/show.js";
import { Bgp } from "../../../src/routing/bgp/speaker.js";
import { Ipv4Address, Ipv4Prefix } from "../../../src/wire/address/ipv4.js";
import type { BgpPathAttributes } from "../../../src/wire/bgp/index.js";
import { lab } from "./support.js";

const PREFIX = "203.0.113.0/24";

/** A speaker in AS 65000 on `dut`, with neighbours at 10.0.1.2, 10.0.2.2 and 10.0.3.2. */
function dut(neighbors: Omit<BgpNeighborConfig, "address">[]): Bgp {
  const l = lab(
    ["dut", "a", "b", "c"],
    [
      ["dut", "a", 1],
      ["dut", "b", 2],
      ["dut", "c", 3],
    ],
  );
  return new Bgp(l.r.dut, {
    asn: 65000,
    "router-id": "10.255.0.1",
    neighbors: neighbors.map((n, i) => ({ address: `10.0.${i + 1}.2`, ...n })),
  });
}

function offer(bgp: Bgp, neighbor: number, attributes: Partial<BgpPathAttributes>): void {
  const session = bgp.sessions[neighbor - 1];
  bgp.applyUpdate(session, {
    type: "update",
    withdrawn: [],
    attributes: {
      origin: 0,
      asPath: session.ibgp ? [] : [{ type: 2, asns: [session.remoteAs] }],
      nextHop: Ipv4Address.parse(`10.0.${neighbor}.2`),
      ...attributes,
    },
    nlri: [Ipv4Prefix.parse(PREFIX)],
  });
}

function winner(bgp: Bgp): string {
  return bgp.entry(PREFIX)?.best?.from?.address.toString() ?? "none";
}

test("1. weight: the neighbour with the higher configured weight wins (FRR's first step)", () => {
  const bgp = dut([{ "remote-as": 65001 }, { "remote-as": 65002, weight: 100 }]);
  offer(bgp, 1, {});
  offer(bgp, 2, { asPath: [{ type: 2, asns: [65002, 65009, 65010] }] });
  assert.equal(winner(bgp), "10.0.2.2");
  assert.match(showIpBgpPrefix(bgp, PREFIX), /Not best: Weight/);
});

test("2. highest LOCAL_PREF wins", () => {
  const bgp = dut([{ "remote-as": 65000 }, { "remote-as": 65000 }]);
  offer(bgp, 1, { localPref: 100 });
  offer(bgp, 2, { localPref: 200 });
  assert.equal(winner(bgp), "10.0.2.2");
  assert.match(
    showIpBgp(bgp),
    /\*>i203\.0\.113\.0\/24\s+10\.0\.2\.2\s+200\s+0 i\n\*\s+i\s+10\.0\.1\.2\s+100\s+0 i/,
  );
});

test("3. AS_PATH length: an AS_SET counts as one, so 65001 65005 ties with 65002 {65006,65007,65008}", () => {
  const bgp = dut([{ "remote-as": 65001 }, { "remote-as": 65002 }]);
  offer(bgp, 1, { asPath: [{ type: 2, asns: [65001, 65005] }] });
  offer(bgp, 2, {
    asPath: [
      { type: 2, asns: [65002] },
      { type: 1, asns: [65006, 65007, 65008] },
    ],
  });
  assert.equal(winner(bgp), "10.0.1.2", "a tie, broken by the lower peer address");
  assert.match(showIpBgpPrefix(bgp, PREFIX), /Not best: Neighbor IP/);
});

test("3b. a shorter AS_PATH beats a lower MED and a lower router ID", () => {
  const bgp = dut([{ "remote-as": 65001 }, { "remote-as": 65002 }]);
  offer(bgp, 1, { asPath: [{ type: 2, asns: [65001, 65001, 65001] }], med: 0 });
  offer(bgp, 2, { asPath: [{ type: 2, asns: [65002] }], med: 500 });
  assert.equal(winner(bgp), "10.0.2.2");
});

test("4. lowest ORIGIN wins: IGP over EGP over incomplete", () => {
  const bgp = dut([{ "remote-as": 65001 }, { "remote-as": 65002 }, { "remote-as": 65003 }]);
  offer(bgp, 1, { origin: 2 });
  offer(bgp, 2, { origin: 1 });
  assert.equal(winner(bgp), "10.0.2.2");
  offer(bgp, 3, { origin: 0 });
  assert.equal(winner(bgp), "10.0.3.2");
});

test("5. lowest MED wins between routes from the same neighbouring AS, and is ignored across ASes", () => {
  const same = dut([{ "remote-as": 65001 }, { "remote-as": 65001 }]);
  offer(same, 1, { med: 50 });
  offer(same, 2, { med: 10 });
  assert.equal(winner(same), "10.0.2.2");
  assert.match(showIpBgpPrefix(same, PREFIX), /Not best: MED/);
  const different = dut([{ "remote-as": 65001 }, { "remote-as": 65002 }]);
  offer(different, 1, { med: 50 });
  offer(different, 2, { med: 10 });
  assert.equal(winner(different), "10.0.1.2", "MEDs not compared: the lower peer address decides");
});

test("6. eBGP is preferred over iBGP", () => {
  const bgp = dut([{ "remote-as": 65000 }, { "remote-as": 65002 }]);
  offer(bgp, 1, { asPath: [{ type: 2, asns: [65002] }] });
  offer(bgp, 2, {});
  assert.equal(winner(bgp), "10.0.2.2");
  assert.equal(bgp.node.ipv4.routes.selected(Ipv4Prefix.parse(PREFIX))?.distance, 20);
});

test("7. lowest IGP cost to the NEXT_HOP wins", () => {
  const bgp = dut([{ "remote-as": 65000 }, { "remote-as": 65000 }]);
  bgp.node.addRoute("192.0.2.1/32", "10.0.1.2", { metric: 30 });
  bgp.node.addRoute("192.0.2.2/32", "10.0.2.2", { metric: 10 });
  offer(bgp, 1, { nextHop: Ipv4Address.parse("192.0.2.1") });
  offer(bgp, 2, { nextHop: Ipv4Address.parse("192.0.2.2") });
  assert.equal(winner(bgp), "10.0.2.2");
  // Installed with the IGP's forwarding next hop (recursive resolution).
  const route = bgp.node.ipv4.routes.selected(Ipv4Prefix.parse(PREFIX));
  assert.equal(route?.nextHops[0].via?.toString(), "10.0.2.2");
  assert.equal(route?.distance, 200);
});

test("8. then the lowest ORIGINATOR_ID / router ID, then the shorter CLUSTER_LIST, then the lowest peer address", () => {
  const bgp = dut([{ "remote-as": 65000 }, { "remote-as": 65000 }, { "remote-as": 65000 }]);
  offer(bgp, 1, { originatorId: Ipv4Address.parse("10.255.9.9") });
  offer(bgp, 2, {
    originatorId: Ipv4Address.parse("10.255.1.1"),
    clusterList: [Ipv4Address.parse("1.1.1.1")],
  });
  assert.equal(winner(bgp), "10.0.2.2");
  offer(bgp, 3, { originatorId: Ipv4Address.parse("10.255.1.1") });
  assert.equal(winner(bgp), "10.0.3.2", "same originator, shorter cluster list");
  const tie = dut([{ "remote-as": 65001 }, { "remote-as": 65001 }]);
  offer(tie, 2, {});
  offer(tie, 1, {});
  assert.equal(winner(tie), "10.0.1.2");
});

test("a path whose NEXT_HOP is unreachable is no candidate; withdrawing the best promotes the next", () => {
  const bgp = dut([{ "remote-as": 65001 }, { "remote-as": 65002 }]);
  offer(bgp, 1, { nextHop: Ipv4Address.parse("198.51.100.99") });
  offer(bgp, 2, { asPath: [{ type: 2, asns: [65002, 65008, 65009] }] });
  assert.equal(winner(bgp), "10.0.2.2");
  assert.match(showIpBgp(bgp), /^ {20}198\.51\.100\.99/m, "shown without * (not valid)");
  bgp.applyUpdate(bgp.sessions[1], {
    type: "update",
    withdrawn: [Ipv4Prefix.parse(PREFIX)],
    attributes: {},
    nlri: [],
  });
  assert.equal(winner(bgp), "none");
  assert.equal(bgp.node.ipv4.routes.selected(Ipv4Prefix.parse(PREFIX)), undefined);
});

test("loops are refused: our own AS in the AS_PATH, our ORIGINATOR_ID or CLUSTER_ID", () => {
  const bgp = dut([{ "remote-as": 65001 }, { "remote-as": 65000 }]);
  offer(bgp, 1, { asPath: [{ type: 2, asns: [65001, 65000, 65003] }] });
  assert.equal(winner(bgp), "none");
  offer(bgp, 2, { originatorId: Ipv4Address.parse("10.255.0.1") });
  assert.equal(winner(bgp), "none");
  offer(bgp, 2, { clusterList: [Ipv4Address.parse("10.255.0.1")] });
  assert.equal(winner(bgp), "none");
});
