/**
 * NAT end to end: a home network behind a masquerading router reaching servers on the Internet
 * (ping, UDP, TCP, HTTP), with the server seeing only the router's outside address.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import type { NatTranslatedEvent } from "../../src/net/nat/events.js";
import { SECOND } from "../../src/sim/time.js";
import type { TraceEvent } from "../../src/trace/events.js";
import {
  bytes,
  curl,
  homeNetwork,
  ip,
  OUTSIDE,
  SERVER,
  SERVER2,
  settle,
  text,
  udpEcho,
  udpSocket,
  whoAmIServer,
} from "./nat-support.js";

test("ping through the NAT: the server sees the outside address, the reply finds its way back", async () => {
  const { net, h1, home, server } = homeNetwork();
  const delivered: string[] = [];
  const translated: NatTranslatedEvent[] = [];
  net.tracer.subscribe((event: TraceEvent) => {
    if (event.type === "delivered" && event.node === "server") delivered.push(event.src);
    if (event.type === "nat-translated") translated.push(event);
  });
  const run = ping(h1, SERVER, { count: 3 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.received, 3);
  assert.deepEqual([...new Set(delivered)], [OUTSIDE]);
  // Out: the source is rewritten; in: the destination goes back to h1. The identifier was free,
  // so it is preserved.
  const out = translated.find((e) => e.direction === "outbound")!;
  const back = translated.find((e) => e.direction === "inbound")!;
  assert.equal(out.protocol, "icmp");
  assert.equal(out.before.src, "192.168.1.10");
  assert.equal(out.after.src, OUTSIDE);
  assert.equal(out.after.srcPort, out.before.srcPort);
  assert.equal(back.before.dst, OUTSIDE);
  assert.equal(back.after.dst, "192.168.1.10");
  assert.equal(translated.length, 6);
  assert.match(
    home.showIpNatTranslations(),
    new RegExp(`^icmp ${OUTSIDE}:\\d+ +192\\.168\\.1\\.10:\\d+ +${SERVER}:\\d+`, "m"),
  );
  assert.equal(server.ipv4.counters.inDelivers, 3);
});

test("UDP through the NAT: the inside port is preserved and the reply reaches the socket", () => {
  const { net, h1, home, server } = homeNetwork();
  const echo = udpEcho(server, 7);
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("hello"), 7, ip(SERVER));
  net.runFor(SECOND);
  assert.deepEqual(echo.seen, [`${OUTSIDE}:40000`]);
  assert.equal(client.received.length, 1);
  assert.equal(text(client.received[0].data), "hello");
  assert.equal(client.received[0].address.toString(), SERVER);
  assert.equal(client.received[0].port, 7);
  const lines = home.showIpNatTranslations().trim().split("\n");
  assert.equal(
    lines[0],
    "Pro  Inside global         Inside local          Outside local         Outside global",
  );
  assert.equal(lines[1], `udp  ${OUTSIDE}:40000     192.168.1.10:40000    ${SERVER}:7       ${SERVER}:7`);
  assert.equal(home.nat!.counters.outboundPackets, 1);
  assert.equal(home.nat!.counters.inboundPackets, 1);
});

test("TCP and HTTP through the NAT: our curl engine gets the page, the server saw the outside address", async () => {
  const { net, h1, home, server } = homeNetwork();
  const web = whoAmIServer(server, 80);
  const result = await settle(net, curl(h1, SERVER, 80));
  assert.equal(result.response?.status, 200);
  assert.equal(web.seen.length, 1);
  assert.ok(web.seen[0].startsWith(`${OUTSIDE}:`), web.seen[0]);
  assert.equal(result.body, `you are ${web.seen[0]}\n`);
  // The session followed the connection's close (FIN both ways): it goes after 4 minutes.
  net.runFor(SECOND);
  assert.match(home.showIpNatTranslations({ verbose: true }), /state BOTH_FIN/);
  net.runFor(241 * SECOND);
  // Expiry is lazy: the listing sweeps first, and then nothing is held any more.
  assert.equal(home.showIpNatTranslations().trim().split("\n").length, 1);
  assert.equal(home.nat!.table.sessionCount, 0);
  assert.equal(home.nat!.table.stats.sessionsExpired, 1);
});

test("sixteen hosts behind one NAT, each with UDP and TCP to two servers at once", async () => {
  const { net, hosts, home, server, server2 } = homeNetwork({ hosts: 16 });
  const echoes = [udpEcho(server, 7), udpEcho(server2, 7)];
  const webs = [whoAmIServer(server, 80), whoAmIServer(server2, 80)];
  // Neighbours resolved first: a router holds only 3 packets per neighbour it is still asking
  // ARP about (as this stack does), and 32 flows start in the same millisecond.
  for (const target of [SERVER, SERVER2]) net.runUntilDone(ping(hosts[0], target, { count: 1 }));
  const clients = hosts.map((host) => udpSocket(host, 5000));
  clients.forEach((client, i) => {
    client.socket.sendTo(bytes(`h${i + 1}`), 7, ip(i % 2 ? SERVER : SERVER2));
  });
  const pages = await settle(
    net,
    Promise.all(hosts.map((host, i) => curl(host, i % 2 ? SERVER : SERVER2, 80))),
  );
  net.runFor(SECOND);
  assert.ok(pages.every((p) => p.response?.status === 200));
  assert.ok(clients.every((c) => c.received.length === 1));
  // The servers saw one address; 16 inside sockets on port 5000 needed 16 outside ports.
  const seen = [...echoes.flatMap((e) => e.seen), ...webs.flatMap((w) => w.seen)];
  assert.deepEqual([...new Set(seen.map((s) => s.split(":")[0]))], [OUTSIDE]);
  assert.equal(new Set(echoes.flatMap((e) => e.seen)).size, 16);
  // Each page names the client as the server saw it.
  assert.ok(pages.every((p) => p.body.startsWith(`you are ${OUTSIDE}:`)));
  assert.equal(home.nat!.table.stats.mappingsCreated, 34); // and the two warm-up pings
});
