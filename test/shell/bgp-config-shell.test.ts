/**
 * BGP configured in the shell only (`router bgp ASN ...`, FRR's lines on one line): two routers
 * that the topology file gives no `bgp:` key bring up their session, exchange their networks, a
 * host pings across, and `no router bgp` withdraws the routes on the peer (the Cease ends the
 * session, RFC 4271 §9.1.2 / §6.7).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Router } from "../../src/devices/router.js";
import type { Bgp } from "../../src/routing/bgp/speaker.js";
import { parseBgpWords } from "../../src/shell/commands/bgp.js";
import { UsageError } from "../../src/shell/options.js";
import { twoAsesByHand } from "./two-ases-lab.js";

test("router bgp in the shell: the session comes up, the networks are exchanged, no router bgp withdraws them", async () => {
  const { run, network } = twoAsesByHand();
  for (const line of [
    "r1 router bgp 65001 router-id 1.1.1.1 neighbor 10.0.12.2 remote-as 65002 timers 3 9",
    "r1 router bgp 65001 network 10.1.0.0/24",
    "r2 router bgp 65002 neighbor 10.0.12.1 remote-as 65001 description to-r1",
    "r2 router bgp 65002 network 10.2.0.0/24",
  ]) {
    const r = await run(line);
    assert.equal(r.status, 0, `${line}: ${r.err}`);
  }
  await run("sleep 10");
  const r1 = network.node("r1") as Router;
  const bgp = r1.routing.get("bgp") as Bgp;
  assert.deepEqual(bgp.config, {
    asn: 65001,
    "router-id": "1.1.1.1",
    neighbors: [{ address: "10.0.12.2", "remote-as": 65002, timers: { keepalive: 3, hold: 9 } }],
    networks: ["10.1.0.0/24"],
  });
  assert.equal(bgp.session("10.0.12.2")?.state, "Established");
  // r2 was given no router ID: FRR's default, the highest interface address.
  assert.match(
    (await run("r2 show ip bgp summary")).out,
    /BGP router identifier 10\.2\.0\.1, local AS number 65002/,
  );
  assert.match((await run("r2 show ip bgp neighbors 10.0.12.1")).out, /Description: to-r1/);
  assert.match((await run("r2 show ip route")).out, /B>\* 10\.1\.0\.0\/24 \[20\/0\] via 10\.0\.12\.1, eth1/);
  assert.match((await run("r1 show ip route")).out, /B>\* 10\.2\.0\.0\/24 \[20\/0\] via 10\.0\.12\.2, eth1/);
  assert.match((await run("h1 ping -c 2 10.2.0.10")).out, /2 packets transmitted, 2 received/);

  // Taking one network back withdraws just it.
  assert.equal((await run("r2 router bgp 65002 no network 10.2.0.0/24")).status, 0);
  await run("sleep 10");
  assert.doesNotMatch((await run("r1 show ip route")).out, /10\.2\.0\.0\/24/);
  assert.match((await run("r2 show ip route")).out, /B>\* 10\.1\.0\.0\/24/);

  // A second AS on the same router is refused, as FRR does.
  // A route map that does not exist: refused, and the running speaker is left as it was.
  const noMap = await run("r1 router bgp 65001 neighbor 10.0.12.2 route-map NOPE out");
  assert.notEqual(noMap.status, 0);
  assert.match(noMap.err, /no route-map NOPE/);
  assert.equal(r1.routing.get("bgp"), bgp);

  const other = await run("r1 router bgp 65009 network 10.9.0.0/24");
  assert.notEqual(other.status, 0);
  assert.match(other.err, /BGP is already running; AS is 65001/);

  assert.equal((await run("r1 no router bgp 65001")).status, 0);
  await run("sleep 2");
  assert.equal(r1.routing.get("bgp"), undefined);
  assert.doesNotMatch((await run("r2 show ip route")).out, /^B/m, "the Cease withdrew r1's routes at r2");
  const r2bgp = (network.node("r2") as Router).routing.get("bgp") as Bgp;
  assert.notEqual(r2bgp.session("10.0.12.1")?.state, "Established");
  assert.match((await run("r1 no router bgp")).out, /BGP instance not found/);
});

test("router bgp words: neighbour options, internal peers, FRR's spellings, mistakes", () => {
  const config = parseBgpWords(
    "65000 bgp router-id 9.9.9.9 bgp cluster-id 9.9.9.9 timers bgp 5 15 neighbor 10.0.0.2 remote-as internal route-reflector-client next-hop-self neighbor 10.0.0.3 remote-as 65003 weight 50 passive network 10.9.0.0/16".split(
      " ",
    ),
    undefined,
  );
  assert.deepEqual(config, {
    asn: 65000,
    "router-id": "9.9.9.9",
    "cluster-id": "9.9.9.9",
    timers: { keepalive: 5, hold: 15 },
    neighbors: [
      { address: "10.0.0.2", "remote-as": 65000, "route-reflector-client": true, "next-hop-self": true },
      { address: "10.0.0.3", "remote-as": 65003, weight: 50, passive: true },
    ],
    networks: ["10.9.0.0/16"],
  });
  // A later line adds an option to an existing neighbour and removes another.
  const next = parseBgpWords("65000 neighbor 10.0.0.3 shutdown no neighbor 10.0.0.2".split(" "), config);
  assert.deepEqual(next.neighbors, [
    { address: "10.0.0.3", "remote-as": 65003, weight: 50, passive: true, shutdown: true },
  ]);
  assert.equal(config.neighbors?.length, 2, "the running configuration is not modified");
  // Policy by name: the maps and lists come from the bgp: key or the shell (bgp-policy-shell.test.ts).
  const policed = parseBgpWords(
    "65000 neighbor 10.0.0.3 route-map TO-ISP out prefix-list MINE in".split(" "),
    { ...config, "route-maps": { "TO-ISP": [{ action: "permit" }] }, "prefix-lists": { MINE: [] } },
  );
  assert.equal(policed.neighbors?.[1]["route-map-out"], "TO-ISP");
  assert.equal(policed.neighbors?.[1]["prefix-list-in"], "MINE");
  for (const [words, message] of [
    ["", /needs the AS number/],
    ["65000 neighbor 10.0.0.2", /needs an option/],
    ["65000 router-id 1.1.1.1 neighbor 10.0.0.2 next-hop-self", /specify remote-as first/],
    ["65000 router-id 1.1.1.1 network 10.0.0.0", /expected A\.B\.C\.D\/N/],
    ["65000 neighbor 10.0.0.300 remote-as 1", /expected A\.B\.C\.D/],
    ["65000 network 10.0.0.0/8", /needs a router-id/],
    ["65000 router-id 1.1.1.1 frobnicate", /unknown "frobnicate"/],
    ["65000 router-id 1.1.1.1 neighbor 10.0.0.2 remote-as 1 route-map X sideways", /route-map X in\|out/],
  ] as const) {
    assert.throws(
      () => parseBgpWords(words === "" ? [] : words.split(" "), undefined),
      (e) => e instanceof UsageError && message.test(e.message),
      words,
    );
  }
});

test("router bgp completes its clauses and a neighbour's options", () => {
  const { shell } = twoAsesByHand();
  assert.deepEqual(shell.complete("r1 router b").candidates, ["bgp"]);
  assert.ok(shell.complete("r1 router bgp 65001 ").candidates.includes("neighbor"));
  assert.deepEqual(shell.complete("r1 router bgp 65001 neighbor 10.0.12.2 r").candidates, [
    "remote-as",
    "route-map",
    "route-reflector-client",
  ]);
  assert.ok(
    shell
      .complete("r1 router bgp 65001 neighbor 10.0.12.2 remote-as 65002 ")
      .candidates.includes("next-hop-self"),
  );
  assert.deepEqual(shell.complete("r1 no router ").candidates, ["bgp", "ospf", "rip"]);
});
