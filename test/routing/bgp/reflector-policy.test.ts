/** Route reflection (RFC 4456), policy (prefix lists and route maps), and withdrawal with the new best path. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { showIpBgp } from "../../../src/routing/bgp/show.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { formatAsPath, formatCommunity } from "../../../src/wire/bgp/index.js";
import { lab, settle, startBgp } from "./support.js";

test("route reflector: client routes reach everyone, non-client routes only clients, with ORIGINATOR_ID and CLUSTER_LIST", () => {
  // rr in the middle; c1, c2 clients; n1, n2 non-clients; all AS 65000.
  const l = lab(
    ["rr", "c1", "c2", "n1", "n2"],
    [
      ["rr", "c1", 1],
      ["rr", "c2", 2],
      ["rr", "n1", 3],
      ["rr", "n2", 4],
    ],
    { c1: "10.11.0.0", n1: "10.13.0.0" },
  );
  for (const [name, n] of [
    ["c1", 1],
    ["c2", 2],
    ["n1", 3],
    ["n2", 4],
  ] as const) {
    l.r[name].addRoute("10.0.0.0/16", `10.0.${n}.1`); // the "IGP": spokes reach every link through rr
  }
  const spoke = (id: string, n: number, networks: string[] = []) => ({
    asn: 65000,
    "router-id": id,
    neighbors: [{ address: `10.0.${n}.1`, "remote-as": 65000 }],
    networks,
  });
  const b = startBgp(l, {
    rr: {
      asn: 65000,
      "router-id": "10.255.0.100",
      neighbors: [
        { address: "10.0.1.2", "remote-as": 65000, "route-reflector-client": true },
        { address: "10.0.2.2", "remote-as": 65000, "route-reflector-client": true },
        { address: "10.0.3.2", "remote-as": 65000 },
        { address: "10.0.4.2", "remote-as": 65000 },
      ],
    },
    c1: spoke("10.255.0.1", 1, ["10.11.0.0/24"]),
    c2: spoke("10.255.0.2", 2),
    n1: spoke("10.255.0.3", 3, ["10.13.0.0/24"]),
    n2: spoke("10.255.0.4", 4),
  });
  settle(b);
  for (const s of b.bgp.rr.sessions) assert.equal(s.state, "Established", s.address.toString());
  // The client's route, reflected to the other client and to both non-clients.
  for (const name of ["c2", "n1", "n2"]) {
    const best = b.bgp[name].entry("10.11.0.0/24")?.best;
    assert.ok(best, `${name} has c1's route`);
    assert.equal(best.attributes.originatorId?.toString(), "10.255.0.1");
    assert.deepEqual(best.attributes.clusterList?.map(String), ["10.255.0.100"]);
    assert.equal(
      best.attributes.nextHop?.toString(),
      "10.0.1.2",
      "the next hop is not changed by reflection",
    );
  }
  // The non-client's route goes to clients only.
  assert.ok(b.bgp.c1.entry("10.13.0.0/24")?.best);
  assert.ok(b.bgp.c2.entry("10.13.0.0/24")?.best);
  assert.equal(b.bgp.n2.entry("10.13.0.0/24"), undefined, "non-client to non-client is not reflected");
  // Traffic follows: c2 forwards to c1's LAN through rr.
  assert.equal(
    l.r.c2.ipv4.routes.lookup(Ipv4Address.parse("10.11.0.10"))?.nextHops[0].via?.toString(),
    "10.0.2.1",
  );
});

test("policy: prefix lists and route maps set MED, communities, AS-path prepending and LOCAL_PREF, in and out", () => {
  const l = lab(["r1", "r2"], [["r1", "r2", 12]], { r1: "10.1.0.0" });
  l.r.r1.addRoute("10.1.1.0/24", undefined, { iface: "eth1" });
  l.r.r1.addRoute("10.1.2.0/24", undefined, { iface: "eth1" });
  l.r.r1.addRoute("10.9.0.0/16", undefined, { iface: "eth1" });
  const b = startBgp(l, {
    r1: {
      asn: 65001,
      "router-id": "1.1.1.1",
      networks: ["10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24", "10.9.0.0/16"],
      "prefix-lists": {
        FIRST: [{ action: "permit", prefix: "10.1.0.0/24" }],
        NOT_TWO: [
          { seq: 5, action: "deny", prefix: "10.1.2.0/24" },
          { seq: 10, action: "permit", prefix: "10.0.0.0/8", le: 24 },
        ],
      },
      "route-maps": {
        OUT: [
          {
            seq: 10,
            action: "permit",
            match: { "prefix-list": "FIRST" },
            set: { metric: 50, community: "65001:100", "as-path-prepend": "65001 65001" },
          },
          { seq: 20, action: "permit" },
        ],
      },
      neighbors: [
        { address: "10.0.12.2", "remote-as": 65002, "route-map-out": "OUT", "prefix-list-out": "NOT_TWO" },
      ],
    },
    r2: {
      asn: 65002,
      "router-id": "2.2.2.2",
      "route-maps": {
        IN: [
          { seq: 10, action: "deny", match: { "prefix-list": "SIXTEEN" } },
          { seq: 20, action: "permit", match: { community: "65001:100" }, set: { "local-preference": 300 } },
          { seq: 30, action: "permit", set: { "local-preference": 150 } },
        ],
      },
      "prefix-lists": { SIXTEEN: [{ action: "permit", prefix: "0.0.0.0/0", ge: 16, le: 16 }] },
      neighbors: [{ address: "10.0.12.1", "remote-as": 65001, "route-map-in": "IN" }],
    },
  });
  settle(b);
  const e0 = b.bgp.r2.entry("10.1.0.0/24")?.best;
  assert.ok(e0);
  assert.equal(e0.attributes.med, 50);
  assert.deepEqual(e0.attributes.communities?.map(formatCommunity), ["65001:100"]);
  assert.equal(formatAsPath(e0.attributes.asPath), "65001 65001 65001");
  assert.equal(e0.attributes.localPref, 300, "route-map-in matched the community");
  const e1 = b.bgp.r2.entry("10.1.1.0/24")?.best;
  assert.equal(e1?.attributes.med, 0, "entry 20 permits unchanged: our own MED (the RIB metric) is sent");
  assert.equal(e1?.attributes.localPref, 150);
  assert.equal(formatAsPath(e1?.attributes.asPath), "65001");
  assert.equal(b.bgp.r2.entry("10.1.2.0/24"), undefined, "denied by prefix-list-out");
  assert.equal(b.bgp.r2.entry("10.9.0.0/16"), undefined, "denied by route-map-in (a /16)");
  assert.match(
    showIpBgp(b.bgp.r2),
    /^\*> 10\.1\.0\.0\/24\s+10\.0\.12\.1\s+50\s+300\s+0 65001 65001 65001 i$/m,
  );
});

test("withdrawal: a lost session or a cut link withdraws its routes and the next best path takes over", () => {
  // r1 (AS 65001) hears r3's LAN directly and through r2.
  const l = lab(
    ["r1", "r2", "r3"],
    [
      ["r1", "r2", 12],
      ["r2", "r3", 23],
      ["r1", "r3", 13],
    ],
    { r3: "10.3.0.0" },
  );
  const b = startBgp(l, {
    r1: {
      asn: 65001,
      "router-id": "1.1.1.1",
      neighbors: [
        { address: "10.0.12.2", "remote-as": 65002 },
        { address: "10.0.13.2", "remote-as": 65003 },
      ],
    },
    r2: {
      asn: 65002,
      "router-id": "2.2.2.2",
      neighbors: [
        { address: "10.0.12.1", "remote-as": 65001 },
        { address: "10.0.23.2", "remote-as": 65003 },
      ],
    },
    r3: {
      asn: 65003,
      "router-id": "3.3.3.3",
      networks: ["10.3.0.0/24"],
      neighbors: [
        { address: "10.0.23.1", "remote-as": 65002 },
        { address: "10.0.13.1", "remote-as": 65001 },
      ],
    },
  });
  settle(b);
  const path = () => formatAsPath(b.bgp.r1.entry("10.3.0.0/24")?.best?.attributes.asPath);
  const via = () => l.r.r1.ipv4.routes.lookup(Ipv4Address.parse("10.3.0.10"))?.nextHops[0].via?.toString();
  assert.equal(path(), "65003");
  assert.equal(b.bgp.r1.entry("10.3.0.0/24")?.paths.length, 2);
  // Cut r1-r3: the direct session dies with the interface, the path through r2 takes over.
  const removed: string[] = [];
  l.net.tracer.subscribe((e) => {
    if (e.type === "routing-route" && e.node === "r1") removed.push(`${e.action} ${e.prefix} ${e.nextHops}`);
  });
  l.net.links[2].setUp(false);
  settle(b, 1);
  assert.equal(path(), "65002 65003");
  assert.equal(via(), "10.0.12.2");
  assert.deepEqual(removed, ["change 10.3.0.0/24 via 10.0.12.2 eth0"]);
  // The link comes back: the session re-establishes and the direct path wins again.
  l.net.links[2].setUp(true);
  settle(b, 20);
  assert.equal(path(), "65003");
  assert.equal(via(), "10.0.13.2");
  // r3 stops BGP (a Cease to its peers): r1 loses the prefix entirely.
  l.r.r3.routing.remove("bgp");
  settle(b, 1);
  assert.equal(b.bgp.r1.entry("10.3.0.0/24"), undefined);
  assert.equal(via(), undefined);
  assert.match(b.bgp.r1.session("10.0.13.2")?.lastError ?? "", /Cease\/Administrative Shutdown/);
});
