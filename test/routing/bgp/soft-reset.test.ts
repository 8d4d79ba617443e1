/**
 * Soft reconfiguration (`clear ip bgp * soft out|in`): a changed policy takes effect on an
 * established session without resetting it. Soft out diffs the new export against the
 * Adj-RIB-Out (RFC 4271 §9.1.3: a prefix no longer exported is withdrawn); soft in asks the peer
 * for a ROUTE-REFRESH (RFC 2918) and runs every route through the current import policy.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PrefixList, RouteMap } from "../../../src/routing/bgp/policy.js";
import { showIpBgp } from "../../../src/routing/bgp/show.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { lab, settle, startBgp } from "./support.js";

/** r1 (AS 65001) originates 10.1.0.0/24 and 10.1.1.0/24 to r2 (AS 65002) through route maps both ways. */
function twoPrefixes() {
  const l = lab(["r1", "r2"], [["r1", "r2", 12]], { r1: "10.1.0.0" });
  l.r.r1.addRoute("10.1.1.0/24", undefined, { iface: "eth1" });
  const b = startBgp(l, {
    r1: {
      asn: 65001,
      "router-id": "1.1.1.1",
      networks: ["10.1.0.0/24", "10.1.1.0/24"],
      "prefix-lists": { ONE: [{ action: "permit", prefix: "10.1.1.0/24" }] },
      "route-maps": { OUT: [{ seq: 10, action: "permit", set: { metric: 10 } }] },
      neighbors: [{ address: "10.0.12.2", "remote-as": 65002, "route-map-out": "OUT" }],
    },
    r2: {
      asn: 65002,
      "router-id": "2.2.2.2",
      "prefix-lists": { ONE: [{ action: "permit", prefix: "10.1.1.0/24" }] },
      "route-maps": {
        IN: [
          { seq: 10, action: "deny", match: { "prefix-list": "ONE" } },
          { seq: 20, action: "permit", set: { "local-preference": 150 } },
        ],
      },
      neighbors: [{ address: "10.0.12.1", "remote-as": 65001, "route-map-in": "IN" }],
    },
  });
  settle(b);
  return { l, b };
}

test("soft out: a prefix the new export policy denies is withdrawn, a new `set metric` is sent, the session stays up", () => {
  // r2 accepts both prefixes here (its import policy denies nothing yet).
  const { l, b } = twoPrefixes();
  b.bgp.r2.routeMaps.set("IN", new RouteMap("IN", [{ seq: 20, action: "permit" }]));
  b.bgp.r2.clear("*", "in");
  settle(b, 1);
  const toR2 = b.bgp.r1.session("10.0.12.2")!;
  const toR1 = b.bgp.r2.session("10.0.12.1")!;
  assert.equal(toR2.state, "Established");
  assert.equal(b.bgp.r2.entry("10.1.0.0/24")?.best?.attributes.med, 10);
  assert.equal(b.bgp.r2.entry("10.1.1.0/24")?.best?.attributes.med, 10);
  const lookup = (a: string) => l.r.r2.ipv4.routes.lookup(Ipv4Address.parse(a));
  assert.equal(lookup("10.1.1.10")?.protocol, "bgp");

  // New export policy on r1: deny 10.1.1.0/24, a different metric for the rest.
  b.bgp.r1.routeMaps.set(
    "OUT",
    new RouteMap("OUT", [
      { seq: 5, action: "deny", match: { "prefix-list": "ONE" } },
      { seq: 10, action: "permit", set: { metric: 77 } },
    ]),
  );
  settle(b, 2);
  assert.equal(b.bgp.r2.entry("10.1.1.0/24")?.best?.attributes.med, 10, "nothing changes before the clear");

  const updatesBefore = toR2.sent.updates;
  const established = [toR2.establishedCount, toR1.establishedCount];
  assert.equal(b.bgp.r1.clear("*", "out"), "");
  settle(b, 1);
  // The denied prefix is withdrawn: gone from r2's Loc-RIB, `show ip bgp` and the RIB.
  assert.equal(b.bgp.r2.entry("10.1.1.0/24"), undefined, "withdrawn from r2");
  assert.equal(lookup("10.1.1.10"), undefined, "and from r2's RIB");
  assert.doesNotMatch(showIpBgp(b.bgp.r2), /10\.1\.1\.0\/24/);
  // The permitted one carries the new MED.
  assert.equal(b.bgp.r2.entry("10.1.0.0/24")?.best?.attributes.med, 77);
  assert.match(showIpBgp(b.bgp.r2), /^\*> 10\.1\.0\.0\/24\s+10\.0\.12\.1\s+77\s+0 65001 i$/m);
  assert.equal(lookup("10.1.0.10")?.metric, 77);
  // r1's Adj-RIB-Out matches what r2 holds.
  assert.deepEqual(
    [...b.bgp.r1.advertised(toR2).values()].map((a) => a.med),
    [77],
  );
  assert.equal(toR2.prefixesSent, 1);
  assert.equal(toR1.prefixesReceived, 1);
  // One withdrawal, one UPDATE for the changed MED; no reset on either side.
  assert.equal(toR2.sent.updates - updatesBefore, 2);
  assert.equal(toR2.state, "Established");
  assert.equal(toR1.state, "Established");
  assert.deepEqual([toR2.establishedCount, toR1.establishedCount], established);
  assert.equal(toR2.droppedCount + toR1.droppedCount, 0);

  // Soft out again with nothing changed: nothing to send.
  const quiet = toR2.sent.updates;
  b.bgp.r1.clear("10.0.12.2", "out");
  settle(b, 1);
  assert.equal(toR2.sent.updates, quiet);

  // Permit it again: soft out announces it once more.
  b.bgp.r1.routeMaps.set("OUT", new RouteMap("OUT", [{ seq: 10, action: "permit", set: { metric: 5 } }]));
  b.bgp.r1.clear("*", "out");
  settle(b, 1);
  assert.equal(b.bgp.r2.entry("10.1.1.0/24")?.best?.attributes.med, 5);
  assert.equal(b.bgp.r2.entry("10.1.0.0/24")?.best?.attributes.med, 5);
  assert.equal(toR1.droppedCount, 0);
});

test("soft out: a new prefix-list-out and `set local-preference` to an iBGP peer take effect without a reset", () => {
  const l = lab(["r1", "r2"], [["r1", "r2", 12]], { r1: "10.1.0.0" });
  l.r.r1.addRoute("10.1.1.0/24", undefined, { iface: "eth1" });
  const b = startBgp(l, {
    r1: {
      asn: 65000,
      "router-id": "1.1.1.1",
      networks: ["10.1.0.0/24", "10.1.1.0/24"],
      "prefix-lists": { ALL: [{ action: "permit", prefix: "10.0.0.0/8", le: 24 }] },
      "route-maps": { OUT: [{ seq: 10, action: "permit" }] },
      neighbors: [
        { address: "10.0.12.2", "remote-as": 65000, "route-map-out": "OUT", "prefix-list-out": "ALL" },
      ],
    },
    r2: { asn: 65000, "router-id": "2.2.2.2", neighbors: [{ address: "10.0.12.1", "remote-as": 65000 }] },
  });
  settle(b);
  assert.equal(b.bgp.r2.entry("10.1.1.0/24")?.best?.attributes.localPref, 100);
  b.bgp.r1.prefixLists.set("ALL", new PrefixList("ALL", [{ action: "permit", prefix: "10.1.0.0/24" }]));
  b.bgp.r1.routeMaps.set(
    "OUT",
    new RouteMap("OUT", [{ seq: 10, action: "permit", set: { "local-preference": 250 } }]),
  );
  b.bgp.r1.clear("10.0.12.2", "out");
  settle(b, 1);
  assert.equal(b.bgp.r2.entry("10.1.1.0/24"), undefined);
  assert.equal(b.bgp.r2.entry("10.1.0.0/24")?.best?.attributes.localPref, 250);
  assert.match(showIpBgp(b.bgp.r2), /^\*>i10\.1\.0\.0\/24\s+10\.0\.12\.1\s+0\s+250\s+0 i$/m);
  assert.equal(b.bgp.r2.session("10.0.12.1")?.droppedCount, 0);
});

test("soft in: the peer resends everything (ROUTE-REFRESH) and the new import policy admits, denies and rewrites", () => {
  const { l, b } = twoPrefixes();
  const toR1 = b.bgp.r2.session("10.0.12.1")!;
  assert.equal(b.bgp.r2.entry("10.1.1.0/24"), undefined, "denied on import");
  assert.equal(b.bgp.r2.entry("10.1.0.0/24")?.best?.attributes.localPref, 150);
  // New import policy: deny 10.1.0.0/24 instead, admit 10.1.1.0/24 with LOCAL_PREF 250.
  b.bgp.r2.prefixLists.set("ZERO", new PrefixList("ZERO", [{ action: "permit", prefix: "10.1.0.0/24" }]));
  b.bgp.r2.routeMaps.set(
    "IN",
    new RouteMap("IN", [
      { seq: 10, action: "deny", match: { "prefix-list": "ZERO" } },
      { seq: 20, action: "permit", set: { "local-preference": 250 } },
    ]),
  );
  const refreshes = toR1.sent.routeRefreshes;
  assert.equal(b.bgp.r2.clear("*", "in"), "");
  settle(b, 1);
  assert.equal(toR1.sent.routeRefreshes, refreshes + 1);
  // 10.1.1.0/24 was never in r2's Adj-RIB-In: only r1 resending it can bring it in.
  assert.equal(b.bgp.r2.entry("10.1.1.0/24")?.best?.attributes.localPref, 250);
  assert.equal(l.r.r2.ipv4.routes.lookup(Ipv4Address.parse("10.1.1.10"))?.protocol, "bgp");
  assert.equal(b.bgp.r2.entry("10.1.0.0/24"), undefined, "now denied: an implicit withdrawal");
  assert.equal(l.r.r2.ipv4.routes.lookup(Ipv4Address.parse("10.1.0.10")), undefined);
  assert.equal(toR1.prefixesReceived, 1);
  assert.equal(toR1.state, "Established");
  assert.equal(toR1.droppedCount, 0);
});
