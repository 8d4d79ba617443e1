/**
 * BGP policy defined in the shell only (FRR's `ip prefix-list` and `route-map` lines): two routers
 * the topology file gives no `bgp:` key exchange routes; an export route map on r1 prepends its AS
 * and sets the MED, an import route map on r2 raises LOCAL_PREF, an import prefix list on r2 denies
 * one prefix, and `show ip bgp` on r2 shows each effect (and did not before).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Router } from "../../src/devices/router.js";
import type { Bgp } from "../../src/routing/bgp/speaker.js";
import {
  type BgpPolicy,
  parsePrefixListWords,
  parseRouteMapWords,
  showIpPrefixList,
  showRouteMap,
} from "../../src/shell/commands/bgp-policy.js";
import { UsageError } from "../../src/shell/options.js";
import { twoAsesByHand } from "./two-ases-lab.js";

test("prefix lists and route maps from the shell change what the peer's show ip bgp shows", async () => {
  const { run, ok, network } = twoAsesByHand();
  // Defined before router bgp: they wait on the router and the speaker starts with them.
  await ok("r1 ip prefix-list MINE seq 5 permit 10.1.0.0/16 le 24");
  await ok(
    "r1 route-map TO-R2 permit 10 match ip address prefix-list MINE set as-path prepend 65001 65001 set metric 50",
  );
  await ok("r1 route-map TO-R2 permit 20");
  for (const line of [
    "r1 router bgp 65001 router-id 1.1.1.1 neighbor 10.0.12.2 remote-as 65002 timers 3 9",
    "r1 router bgp 65001 network 10.1.0.0/24 network 10.0.12.0/24",
    "r2 router bgp 65002 neighbor 10.0.12.1 remote-as 65001 timers 3 9",
  ])
    await ok(line);
  await run("sleep 10");
  let table = (await run("r2 show ip bgp")).out;
  assert.match(table, /10\.1\.0\.0\/24 +10\.0\.12\.1 +0 +0 65001 i/, table);
  assert.match(table, /10\.0\.12\.0\/24/, table);
  assert.deepEqual(
    ((network.node("r1") as Router).routing.get("bgp") as Bgp).config["route-maps"]?.["TO-R2"],
    [
      {
        seq: 10,
        action: "permit",
        match: { "prefix-list": "MINE" },
        set: { "as-path-prepend": "65001 65001", metric: 50 },
      },
      { seq: 20, action: "permit" },
    ],
  );

  // Applied to the running speakers: r1 exports through TO-R2; r2 imports through a deny list and a map.
  await ok("r1 router bgp 65001 neighbor 10.0.12.2 route-map TO-R2 out");
  await ok("r2 ip prefix-list FROM-R1 seq 5 deny 10.0.12.0/24");
  await ok("r2 ip prefix-list FROM-R1 permit any");
  await ok("r2 route-map FROM-R1 permit 10 set local-preference 200");
  await ok("r2 router bgp 65002 neighbor 10.0.12.1 prefix-list FROM-R1 in route-map FROM-R1 in");
  await run("sleep 30");
  table = (await run("r2 show ip bgp")).out;
  assert.match(table, /\*> 10\.1\.0\.0\/24 +10\.0\.12\.1 +50 +200 +0 65001 65001 65001 i/, table);
  assert.doesNotMatch(table, /10\.0\.12\.0\/24/, "the deny entry filtered it");
  assert.match((await run("r2 show ip route")).out, /B>\* 10\.1\.0\.0\/24/);

  // A changed map is picked up by the running speaker: local-preference 300 from now on.
  await ok("r2 route-map FROM-R1 permit 10 set local-preference 300");
  await run("sleep 30");
  assert.match((await run("r2 show ip bgp")).out, /10\.1\.0\.0\/24 +10\.0\.12\.1 +50 +300 /);

  // FRR's views.
  assert.equal(
    (await run("r2 show ip prefix-list")).out,
    "ip prefix-list FROM-R1: 2 entries\n   seq 5 deny 10.0.12.0/24\n   seq 10 permit any\n",
  );
  assert.equal(
    (await run("r1 show route-map TO-R2")).out,
    [
      "route-map TO-R2, permit, sequence 10",
      "  Match clauses:",
      "    ip address prefix-list MINE",
      "  Set clauses:",
      "    as-path prepend 65001 65001",
      "    metric 50",
      "  Call clause:",
      "  Action:",
      "    Exit routemap",
      "route-map TO-R2, permit, sequence 20",
      "  Match clauses:",
      "  Set clauses:",
      "  Call clause:",
      "  Action:",
      "    Exit routemap",
      "",
    ].join("\n"),
  );
  assert.match((await run("r1 show ip prefix-list NOPE")).out, /Can't find specified prefix-list/);

  // Taking policy away: refused while a neighbour names it, accepted once it does not.
  const inUse = await run("r2 no route-map FROM-R1");
  assert.notEqual(inUse.status, 0);
  assert.match(inUse.err, /neighbor 10\.0\.12\.1 uses it/);
  const listInUse = await run("r1 no ip prefix-list MINE");
  assert.notEqual(listInUse.status, 0, "TO-R2 still matches MINE");
  assert.match(listInUse.err, /unknown prefix-list MINE/);
  await ok("r1 no route-map TO-R2 permit 20");
  assert.doesNotMatch((await run("r1 show route-map TO-R2")).out, /sequence 20/);
  assert.equal((await run("r1 no route-map NOPE")).status !== 0, true);
});

test("prefix-list and route-map words: FRR's numbering, merging an entry, clear mistakes", () => {
  const empty: BgpPolicy = { "prefix-lists": {}, "route-maps": {} };
  let p = parsePrefixListWords("prefix-list L permit 10.0.0.0/8 ge 16 le 24".split(" "), empty);
  p = parsePrefixListWords("prefix-list L deny any".split(" "), p);
  p = parsePrefixListWords("prefix-list L seq 7 permit 192.0.2.0/24".split(" "), p);
  assert.deepEqual(p["prefix-lists"].L, [
    { seq: 5, action: "permit", prefix: "10.0.0.0/8", ge: 16, le: 24 },
    { seq: 7, action: "permit", prefix: "192.0.2.0/24" },
    { seq: 10, action: "deny", prefix: "any" },
  ]);
  assert.deepEqual(empty, { "prefix-lists": {}, "route-maps": {} }, "the input is not modified");
  assert.match(showIpPrefixList(p, "L"), /seq 5 permit 10\.0\.0\.0\/8 ge 16 le 24/);
  // A second line for the same entry adds its clauses to it (FRR re-enters the entry).
  let m = parseRouteMapWords("M permit 10 match community 65001:100".split(" "), p);
  m = parseRouteMapWords("M permit 10 set community 65001:1 65001:2 additive set weight 7".split(" "), m);
  assert.deepEqual(m["route-maps"].M, [
    {
      seq: 10,
      action: "permit",
      match: { community: "65001:100" },
      set: { community: "65001:1 65001:2 additive", weight: 7 },
    },
  ]);
  assert.match(showRouteMap(m), /community 65001:100[\s\S]*community 65001:1 65001:2 additive/);
  for (const [parse, words, message] of [
    [parsePrefixListWords, "prefix-list", /usage: ip prefix-list NAME/],
    [parsePrefixListWords, "prefix-list L allow 10.0.0.0/8", /expected permit or deny, got allow/],
    [parsePrefixListWords, "prefix-list L permit 10.0.0.0", /expected A\.B\.C\.D\/N or any/],
    [parsePrefixListWords, "prefix-list L permit 10.0.0.0/8 le 33", /invalid le length 33/],
    [parsePrefixListWords, "prefix-list L seq x permit any", /invalid sequence number/],
    [parsePrefixListWords, "prefix-list L permit any upto 24", /unknown "upto"/],
    [parseRouteMapWords, "M", /expected permit or deny, got nothing/],
    [parseRouteMapWords, "M permit", /needs a sequence number/],
    [parseRouteMapWords, "M permit 10 match ip prefix-list L", /match ip address prefix-list NAME/],
    [parseRouteMapWords, "M permit 10 match community lots", /not AS:value/],
    [parseRouteMapWords, "M permit 10 set local-preference high", /invalid local-preference "high"/],
    [parseRouteMapWords, "M permit 10 set as-path prepend", /needs a value/],
    [parseRouteMapWords, "M permit 10 set as-path prepend 65001 x", /invalid AS number "x"/],
    [parseRouteMapWords, "M permit 10 set colour blue", /unknown "set colour"/],
    [parseRouteMapWords, "M permit 10 on-match next", /unknown "on-match"/],
  ] as const) {
    assert.throws(
      () => parse(words.split(" "), empty),
      (e) => e instanceof UsageError && message.test(e.message),
      words,
    );
  }
});

test("the shell refuses bad policy lines and completes the new words", async () => {
  const { run, shell } = twoAsesByHand();
  const bad = await run("r1 route-map M permit 10 match ip address prefix-list NOPE");
  assert.notEqual(bad.status, 0);
  assert.match(bad.err, /route-map M matches unknown prefix-list NOPE/);
  const range = await run("r1 ip prefix-list L permit 10.0.0.0/8 le 4");
  assert.notEqual(range.status, 0);
  assert.match(range.err, /not a valid range/);
  assert.match((await run("h1 ip prefix-list L permit any")).err, /configured on routers/);
  assert.equal((await run("r1 show ip prefix-list")).out, "", "nothing was kept");
  assert.deepEqual(shell.complete("r1 ip pre").candidates, ["prefix-list"]);
  assert.deepEqual(shell.complete("r1 route-map M ").candidates, ["deny", "permit"]);
  assert.deepEqual(shell.complete("r1 route-map M permit 10 set ").candidates.includes("as-path"), true);
  assert.deepEqual(shell.complete("r1 route-map M permit 10 set as-path ").candidates, ["prepend"]);
  assert.deepEqual(shell.complete("r1 route-map M permit 10 match ip ").candidates, ["address"]);
  assert.deepEqual(shell.complete("r1 no ").candidates, ["ip", "route-map", "router"]);
  assert.deepEqual(shell.complete("r1 show ip pr").candidates.includes("prefix-list"), true);
  assert.deepEqual(shell.complete("r1 show rou").candidates.includes("route-map"), true);
});
