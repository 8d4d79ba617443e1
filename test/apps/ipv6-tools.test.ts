/**
 * ping -6 and traceroute -6 over the IPv6 router chain: the real tools' output and behaviour.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { traceroute } from "../../src/apps/traceroute.js";
import { SECOND } from "../../src/sim/time.js";
import { routerChain } from "../devices/support.js";

test("traceroute -6 (UDP): hop by hop with ICMPv6 Time Exceeded, the destination's port unreachable ends it", async () => {
  const { net, h1 } = routerChain({ ipv6: true });
  const run = traceroute(h1, "2001:db8:2::10", { numeric: true });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(
    result.output[0],
    "traceroute to 2001:db8:2::10 (2001:db8:2::10), 30 hops max, 80 byte packets",
  );
  assert.deepEqual(
    result.hops.map((h) => h.probes[0].address),
    ["2001:db8:1::1", "2001:db8:12::2", "2001:db8:23::3", "2001:db8:2::10"],
  );
  assert.match(result.output[4], /^ 4 {2}2001:db8:2::10 {2}[\d.]+ ms {2}[\d.]+ ms {2}[\d.]+ ms$/);
  assert.equal(result.reached, true);
});

test("traceroute -6 -I (ICMPv6 echo) reaches the destination; -6 with an IPv4 literal is refused", async () => {
  const { net, h1 } = routerChain({ ipv6: true });
  const run = traceroute(h1, "2001:db8:2::10", { icmp: true, queries: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.reached, true);
  assert.equal(result.hops.length, 4);
  assert.match(result.output[1], /^ 1 {2}2001:db8:1::1 \(2001:db8:1::1\) {2}[\d.]+ ms$/);
  const wrong = traceroute(h1, "10.0.2.10", { family: 6 });
  assert.match((await wrong.result).output[0], /Name or service not known/);
});

test("traceroute -6 to an address no router knows: !N from the router without a route", async () => {
  const { net, h1, r2 } = routerChain({ ipv6: true });
  r2.removeRoute("2001:db8:2::/64");
  const run = traceroute(h1, "2001:db8:2::10", { numeric: true, queries: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.match(result.output.at(-1)!, /^ 2 {2}2001:db8:12::2 {2}[\d.]+ ms !N$/);
});

test("traceroute -6 to a missing host on the last link: !H (address unreachable) after neighbour discovery fails", async () => {
  const { net, h1 } = routerChain({ ipv6: true });
  const run = traceroute(h1, "2001:db8:2::99", { numeric: true, queries: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.match(result.output.at(-1)!, /^ 4 {2}2001:db8:23::3 {2}[\d.]+ ms !H$/);
});

test("ping -6 to a link-local address with its zone (fe80::…%eth0), and without IPv6 a clear refusal", async () => {
  const { net, h1, r1 } = routerChain({ ipv6: true });
  net.runFor(3 * SECOND);
  const ll = r1.ipv6.interfaceState("eth0")!.linkLocal!.address;
  const run = ping(h1, `${ll}%eth0`, { count: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.received, 1);
  assert.equal(result.replies[0].from, ll.toString());
  assert.equal(result.replies[0].ttl, 64);
  // A node that never enabled IPv6.
  const lonely = net.addHost("lonely");
  const none = ping(lonely, "2001:db8::1", { count: 1 });
  assert.equal((await none.result).fatal, "connect: Network is unreachable");
});
