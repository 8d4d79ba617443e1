/**
 * The behaviours RFC 4787 (UDP), RFC 5382 (TCP) and RFC 5508 (ICMP) name, one test each, on the
 * home network of nat-support.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { traceroute } from "../../src/apps/traceroute.js";
import { SECOND } from "../../src/sim/time.js";
import type { NetSocket } from "../../src/socket/net.js";
import { Icmpv4Type } from "../../src/wire/icmpv4.js";
import { emitIpv4, IpProtocol } from "../../src/wire/ipv4.js";
import {
  bytes,
  curl,
  homeNetwork,
  ip,
  OUTSIDE,
  SERVER,
  SERVER2,
  settle,
  udpEcho,
  udpSocket,
  whoAmIServer,
} from "./nat-support.js";

// ---------------------------------------------------------------------------------------------
// Mapping (RFC 4787 §4.1)

test("endpoint-independent mapping (REQ-1): one inside endpoint keeps one outside endpoint for every destination", () => {
  const { net, h1, server, server2 } = homeNetwork();
  const a = udpEcho(server, 7);
  const b = udpEcho(server, 9);
  const c = udpEcho(server2, 7);
  const client = udpSocket(h1, 40000);
  for (const [port, host] of [
    [7, SERVER],
    [9, SERVER],
    [7, SERVER2],
  ] as const) {
    client.socket.sendTo(bytes("x"), port, ip(host));
  }
  net.runFor(SECOND);
  assert.deepEqual(
    [...a.seen, ...b.seen, ...c.seen],
    [`${OUTSIDE}:40000`, `${OUTSIDE}:40000`, `${OUTSIDE}:40000`],
  );
  assert.equal(client.received.length, 3);
});

test("address-dependent mapping: a new outside port per remote address, the same for its other ports", () => {
  const { net, h1, server, server2 } = homeNetwork({ nat: { mapping: "address-dependent" } });
  const a = udpEcho(server, 7);
  const b = udpEcho(server, 9);
  const c = udpEcho(server2, 7);
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("x"), 7, ip(SERVER));
  client.socket.sendTo(bytes("x"), 9, ip(SERVER));
  client.socket.sendTo(bytes("x"), 7, ip(SERVER2));
  net.runFor(SECOND);
  assert.equal(a.seen[0], `${OUTSIDE}:40000`);
  assert.equal(b.seen[0], `${OUTSIDE}:40000`);
  assert.notEqual(c.seen[0], `${OUTSIDE}:40000`);
  assert.equal(client.received.length, 3);
});

test("address-and-port-dependent mapping (symmetric NAT): a new outside port per remote endpoint, parity kept", () => {
  const { net, h1, server, server2 } = homeNetwork({ nat: { mapping: "address-and-port-dependent" } });
  const seen = [udpEcho(server, 7), udpEcho(server, 9), udpEcho(server2, 7)];
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("x"), 7, ip(SERVER));
  client.socket.sendTo(bytes("x"), 9, ip(SERVER));
  client.socket.sendTo(bytes("x"), 7, ip(SERVER2));
  net.runFor(SECOND);
  const ports = seen.map((s) => Number(s.seen[0].split(":")[1]));
  assert.equal(ports[0], 40000);
  assert.equal(new Set(ports).size, 3);
  // RFC 4787 REQ-4: port parity is preserved (40000 is even).
  for (const port of ports) assert.equal(port % 2, 0);
  assert.equal(client.received.length, 3);
});

// ---------------------------------------------------------------------------------------------
// Port assignment (RFC 4787 §4.2)

test("port preservation, and a collision: the second host gets another port of the same parity, both replies arrive", () => {
  const { net, h1, h2, server } = homeNetwork();
  const echo = udpEcho(server, 7);
  const one = udpSocket(h1, 40001);
  const two = udpSocket(h2, 40001);
  one.socket.sendTo(bytes("one"), 7, ip(SERVER));
  net.runFor(SECOND);
  two.socket.sendTo(bytes("two"), 7, ip(SERVER));
  net.runFor(SECOND);
  assert.equal(echo.seen[0], `${OUTSIDE}:40001`);
  const [address, port] = echo.seen[1].split(":");
  assert.equal(address, OUTSIDE);
  assert.notEqual(Number(port), 40001);
  assert.equal(Number(port) % 2, 1, "odd stays odd (REQ-4)");
  assert.ok(Number(port) >= 1024, "a port above 1023 stays above (REQ-3a)");
  assert.equal(one.received.length, 1);
  assert.equal(two.received.length, 1);
});

test("a low port maps into 1-1023 (REQ-3a); a configured range is honoured and, once used up, new flows are refused", () => {
  {
    const { net, h1, h2, server } = homeNetwork();
    const echo = udpEcho(server, 7);
    udpSocket(h1, 123).socket.sendTo(bytes("a"), 7, ip(SERVER));
    udpSocket(h2, 123).socket.sendTo(bytes("b"), 7, ip(SERVER));
    net.runFor(SECOND);
    const ports = echo.seen.map((s) => Number(s.split(":")[1]));
    assert.equal(ports[0], 123);
    assert.ok(ports[1] >= 1 && ports[1] <= 1023 && ports[1] !== 123, String(ports[1]));
  }
  const { net, h1, h2, h3, home, server } = homeNetwork({ nat: { ports: { min: 5000, max: 5001 } } });
  const echo = udpEcho(server, 7);
  const clients = [udpSocket(h1, 40000), udpSocket(h2, 40000), udpSocket(h3, 40000)];
  clients[2].socket.connect(ip(SERVER), 7);
  clients[0].socket.sendTo(bytes("a"), 7, ip(SERVER));
  clients[1].socket.sendTo(bytes("b"), 7, ip(SERVER));
  net.runFor(SECOND);
  clients[2].socket.send(bytes("c"));
  net.runFor(SECOND);
  assert.deepEqual(echo.seen.sort(), [`${OUTSIDE}:5000`, `${OUTSIDE}:5001`]);
  assert.equal(home.nat!.table.stats.refusedNoPort, 1);
  assert.equal(home.nat!.counters.drops.get("nat-no-free-port"), 1);
  // RFC 5508 REQ-8: the refused sender hears "communication administratively prohibited".
  assert.deepEqual(clients[2].errors, ["EHOSTUNREACH"]);
  assert.equal(home.ipv4.icmp.counters.sent(3), 1);
});

test("a pool of outside addresses, paired (REQ-2): each inside host keeps its address; proxy ARP answers for the pool", () => {
  const { net, h1, h2, home, server } = homeNetwork({
    nat: { pool: ["203.0.113.100", "203.0.113.101"] },
  });
  const echo = udpEcho(server, 7);
  udpEcho(server, 8);
  const one = udpSocket(h1, 1111);
  const two = udpSocket(h2, 2222);
  // One at a time: a neighbour being resolved holds only 3 packets (ARP queue, like Linux).
  for (let i = 0; i < 3; i++) {
    one.socket.sendTo(bytes("a"), 7, ip(SERVER));
    net.runFor(SECOND);
    two.socket.sendTo(bytes("b"), 7, ip(SERVER));
    net.runFor(SECOND);
    one.socket.sendTo(bytes("c"), 8, ip(SERVER));
    net.runFor(SECOND);
  }
  const byPort = new Map(echo.seen.map((s) => [s.split(":")[1], s.split(":")[0]]));
  assert.equal(byPort.get("1111"), "203.0.113.100");
  assert.equal(byPort.get("2222"), "203.0.113.101");
  assert.equal(one.received.length, 6);
  assert.equal(two.received.length, 3);
  assert.match(home.showIpNatStatistics(), /start 203\.0\.113\.100 end 203\.0\.113\.101/);
  assert.match(home.showIpNatStatistics(), /total addresses 2, allocated 2 \(100%\)/);
});

// ---------------------------------------------------------------------------------------------
// Filtering (RFC 4787 §5, RFC 5382 REQ-3)

/** h1:40000 talks to server:7; then server:9 and server2:7 try to reach h1 through its mapping. */
function filteringRun(
  filtering: "endpoint-independent" | "address-dependent" | "address-and-port-dependent",
) {
  const { net, h1, home, server, server2 } = homeNetwork({ nat: { filtering } });
  udpEcho(server, 7);
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("open"), 7, ip(SERVER));
  net.runFor(SECOND);
  const sameAddress = udpSocket(server, 9);
  const otherAddress = udpSocket(server2, 7);
  sameAddress.socket.sendTo(bytes("from server:9"), 40000, ip(OUTSIDE));
  otherAddress.socket.sendTo(bytes("from server2:7"), 40000, ip(OUTSIDE));
  net.runFor(SECOND);
  const got = client.received.map((m) => new TextDecoder().decode(m.data)).slice(1);
  return { got, filtered: home.nat!.counters.filtered };
}

test("endpoint-independent filtering: anyone may use the mapping once it exists", () => {
  const { got, filtered } = filteringRun("endpoint-independent");
  assert.deepEqual(got.sort(), ["from server2:7", "from server:9"]);
  assert.equal(filtered, 0);
});

test("address-dependent filtering: only addresses the inside host has sent to", () => {
  const { got, filtered } = filteringRun("address-dependent");
  assert.deepEqual(got, ["from server:9"]);
  assert.equal(filtered, 1);
});

test("address-and-port-dependent filtering: only the exact endpoints the inside host has sent to", () => {
  const { got, filtered } = filteringRun("address-and-port-dependent");
  assert.deepEqual(got, []);
  assert.equal(filtered, 2);
});

test("RFC 5382 REQ-4: an unsolicited SYN is held 6 s, then refused with port unreachable (ECONNREFUSED)", async () => {
  const { net, h1, home, server, server2 } = homeNetwork();
  udpEcho(server, 7);
  // h1 talks TCP to server:80 from port 45000, so 203.0.113.2:45000 is mapped.
  whoAmIServer(server, 80);
  const socket = h1.net.connect({ port: 80, host: SERVER, localPort: 45000 });
  await settle(net, new Promise<void>((resolve) => socket.on("connect", () => resolve())));
  const start = net.scheduler.now;
  const intruder = server2.net.connect(45000, OUTSIDE);
  const error = await settle(
    net,
    new Promise<NodeJS.ErrnoException>((resolve) =>
      intruder.on("error", (e: NodeJS.ErrnoException) => resolve(e)),
    ),
  );
  assert.equal(error.code, "ECONNREFUSED");
  const waited = (net.scheduler.now - start) / SECOND;
  assert.ok(waited >= 6 && waited < 7, `answered after ${waited} s`);
  assert.equal(home.nat!.counters.synsRefused, 1);
  socket.destroy();
});

// ---------------------------------------------------------------------------------------------
// Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8)

test("hairpinning (UDP): h1 reaches h2 at h2's outside endpoint and sees h1's outside endpoint as the source", () => {
  const { net, h1, h2, home, server } = homeNetwork({ nat: { filtering: "endpoint-independent" } });
  udpEcho(server, 7);
  const two = udpSocket(h2, 50000);
  two.socket.sendTo(bytes("register"), 7, ip(SERVER));
  const one = udpSocket(h1, 40000);
  one.socket.sendTo(bytes("register"), 7, ip(SERVER));
  net.runFor(SECOND);
  one.socket.sendTo(bytes("hello h2"), 50000, ip(OUTSIDE));
  net.runFor(SECOND);
  const message = two.received.find((m) => new TextDecoder().decode(m.data) === "hello h2");
  assert.ok(message, "h2 got the hairpinned datagram");
  assert.equal(
    `${message.address}:${message.port}`,
    `${OUTSIDE}:40000`,
    "REQ-9a: external source address and port",
  );
  assert.equal(home.nat!.counters.hairpinPackets, 1);
});

test("hairpinning (TCP) through a port forward: h1 fetches from h2 at the outside address", async () => {
  const { net, h1, h2, home } = homeNetwork({
    nat: { forward: [{ protocol: "tcp", port: 8080, to: "192.168.1.11", toPort: 80 }] },
  });
  const web = whoAmIServer(h2, 80);
  const result = await settle(net, curl(h1, OUTSIDE, 8080));
  assert.equal(result.response?.status, 200);
  assert.ok(web.seen[0].startsWith(`${OUTSIDE}:`), web.seen[0]);
  assert.ok(home.nat!.counters.hairpinPackets > 0);
});

// ---------------------------------------------------------------------------------------------
// Port forwarding (static destination NAT)

test("a TCP port forward: the outside reaches h1's web server at 203.0.113.2:8080; h1 sees the real client", async () => {
  const { net, h1, home, server } = homeNetwork({
    nat: { forward: [{ protocol: "tcp", port: 8080, to: "192.168.1.10", toPort: 80 }] },
  });
  const web = whoAmIServer(h1, 80);
  const result = await settle(net, curl(server, OUTSIDE, 8080));
  assert.equal(result.response?.status, 200);
  assert.ok(web.seen[0].startsWith(`${SERVER}:`), web.seen[0]);
  const lines = home.showIpNatTranslations().split("\n");
  assert.equal(
    lines[1].trim(),
    `tcp  ${OUTSIDE}:8080      192.168.1.10:80       ---                   ---`.trim(),
  );
});

test("a UDP port range forward", () => {
  const { net, h2, server } = homeNetwork({
    nat: { forward: [{ protocol: "udp", port: 6000, count: 3, to: "192.168.1.11", toPort: 7000 }] },
  });
  const inside = [udpEcho(h2, 7000), udpEcho(h2, 7001), udpEcho(h2, 7002)];
  const client = udpSocket(server, 3333);
  for (const port of [6000, 6001, 6002]) client.socket.sendTo(bytes("x"), port, ip(OUTSIDE));
  net.runFor(SECOND);
  assert.deepEqual(
    inside.map((s) => s.seen),
    [[`${SERVER}:3333`], [`${SERVER}:3333`], [`${SERVER}:3333`]],
  );
  // The replies leave from the forwarded ports.
  assert.deepEqual(
    client.received.map((m) => `${m.address}:${m.port}`),
    [`${OUTSIDE}:6000`, `${OUTSIDE}:6001`, `${OUTSIDE}:6002`],
  );
});

// ---------------------------------------------------------------------------------------------
// ICMP (RFC 5508)

test("traceroute from inside through the NAT lists every hop (Time Exceeded and Port Unreachable translated)", async () => {
  const { net, h1, home } = homeNetwork();
  const run = traceroute(h1, SERVER, { numeric: true });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.reached, true);
  assert.deepEqual(
    result.hops.map((h) => h.probes.map((p) => p.address)),
    [
      ["192.168.1.1", "192.168.1.1", "192.168.1.1"],
      ["203.0.113.1", "203.0.113.1", "203.0.113.1"],
      [SERVER, SERVER, SERVER],
    ],
  );
  // Hop 2's three errors and the destination's three were translated back in.
  assert.equal(home.nat!.counters.icmpErrorsTranslated, 6);
});

test("traceroute -I (echo) through the NAT", async () => {
  const { net, h1 } = homeNetwork();
  const run = traceroute(h1, SERVER, { icmp: true, numeric: true });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.reached, true);
  assert.deepEqual(
    result.hops.map((h) => h.probes[0].address),
    ["192.168.1.1", "203.0.113.1", SERVER],
  );
});

test("a port unreachable from the server reaches the inside socket as ECONNREFUSED", () => {
  const { net, h1, home } = homeNetwork();
  const client = udpSocket(h1, 40000);
  client.socket.connect(ip(SERVER), 9999);
  client.socket.send(bytes("anyone?"));
  net.runFor(SECOND);
  assert.deepEqual(client.errors, ["ECONNREFUSED"]);
  assert.equal(home.nat!.counters.icmpErrorsTranslated, 1);
});

test("an inside host's port unreachable about a forwarded datagram leaves with outside addresses only", () => {
  const { net, home, server } = homeNetwork({
    nat: { forward: [{ protocol: "udp", port: 5353, to: "192.168.1.10" }] },
  });
  const client = udpSocket(server, 4444);
  client.socket.connect(ip(OUTSIDE), 5353);
  client.socket.send(bytes("nobody listens on h1"));
  net.runFor(SECOND);
  assert.deepEqual(client.errors, ["ECONNREFUSED"]);
  assert.equal(home.nat!.counters.icmpErrorsTranslated, 1);
});

test("datagrams and ICMP errors for a pool address with no mapping are dropped (RFC 5508 REQ-4)", () => {
  const { net, home, isp } = homeNetwork({ nat: { pool: ["203.0.113.100"] } });
  const probe = isp.udp.createSocket();
  probe.bind(0, ip("203.0.113.1"));
  probe.sendTo(bytes("x"), 33434, ip("203.0.113.100"));
  net.runFor(SECOND);
  assert.equal(home.nat!.counters.drops.get("nat-no-mapping"), 1);
  // An error about a datagram 203.0.113.100:5555 → server:53 that no mapping ever sent.
  const quoted = new Uint8Array(28);
  emitIpv4(
    {
      dscp: 0,
      ecn: 0,
      identification: 1,
      reservedFlag: false,
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 1,
      protocol: IpProtocol.UDP,
      src: ip("203.0.113.100"),
      dst: ip(SERVER),
      options: [],
      payload: Uint8Array.of(0x15, 0xb3, 0, 53, 0, 8, 0, 0),
    },
    quoted,
  );
  isp.ipv4.icmp.sendError(Icmpv4Type.TimeExceeded, 0, quoted);
  net.runFor(SECOND);
  assert.equal(home.nat!.counters.drops.get("nat-icmp-no-mapping"), 1);
  assert.equal(home.nat!.counters.icmpErrorsTranslated, 0);
});

// ---------------------------------------------------------------------------------------------
// Timeouts (RFC 4787 REQ-5/6, RFC 5382 REQ-5, RFC 5508 REQ-1) in virtual time

test("UDP: an idle mapping lives 5 minutes; outbound keepalives keep it for as long as they come", () => {
  const { net, h1, home, server } = homeNetwork();
  udpEcho(server, 7);
  const client = udpSocket(h1, 40000);
  const late = udpSocket(server, 7777);
  client.socket.sendTo(bytes("open"), 7, ip(SERVER));
  client.socket.sendTo(bytes("open"), 7777, ip(SERVER));
  net.runFor(299 * SECOND);
  late.socket.sendTo(bytes("still there"), 40000, ip(OUTSIDE));
  net.runFor(SECOND);
  assert.equal(client.received.length, 2);
  // Keepalives every 100 s for 20 minutes keep the session to server:7 alive.
  for (let i = 0; i < 12; i++) {
    client.socket.sendTo(bytes("keepalive"), 7, ip(SERVER));
    net.runFor(100 * SECOND);
  }
  assert.match(home.showIpNatTranslations(), new RegExp(`${SERVER}:7 `));
  assert.doesNotMatch(home.showIpNatTranslations(), new RegExp(`${SERVER}:7777`));
  // Then silence: 301 s later nothing is left, and the server can no longer get in.
  net.runFor(301 * SECOND);
  assert.equal(home.showIpNatTranslations().trim().split("\n").length, 1);
  const before = client.received.length;
  late.socket.sendTo(bytes("too late"), 40000, ip(OUTSIDE));
  net.runFor(SECOND);
  assert.equal(client.received.length, before);
});

test("TCP: an established connection idle for 2 h 3 min still works (RFC 5382 REQ-5)", async () => {
  const { net, h1, home, server } = homeNetwork();
  const received: string[] = [];
  server.net
    .createServer((socket: NetSocket) =>
      socket.on("data", (chunk: Uint8Array) => received.push(new TextDecoder().decode(chunk))),
    )
    .listen(80);
  const socket = h1.net.connect(80, SERVER);
  await settle(net, new Promise<void>((resolve) => socket.on("connect", () => resolve())));
  net.runFor((2 * 3600 + 3 * 60) * SECOND);
  assert.match(home.showIpNatTranslations({ verbose: true }), /state ESTABLISHED/);
  socket.write("after a long silence");
  await settle(
    net,
    new Promise<void>((resolve) => {
      const check = () => (received.length > 0 ? resolve() : setImmediate(check));
      check();
    }),
  );
  assert.deepEqual(received, ["after a long silence"]);
  socket.destroy();
});

test("TCP: a connection that never opened (a lone SYN) is transitory and goes after 4 minutes", () => {
  const { net, h1, home } = homeNetwork();
  const connection = h1.tcp.connect({ remote: ip(SERVER2), port: 81 });
  net.runFor(SECOND / 2);
  connection.abort(); // SYN-SENT: no RST goes out (RFC 9293 §3.10.5)
  net.runFor(238 * SECOND);
  assert.match(home.showIpNatTranslations({ verbose: true }), /state INSIDE_INIT/);
  net.runFor(2 * SECOND);
  assert.doesNotMatch(home.showIpNatTranslations(), new RegExp(SERVER2));
});

test("ICMP query sessions last 60 s", async () => {
  const { net, h1, home } = homeNetwork();
  const { ping } = await import("../../src/apps/ping.js");
  const run = ping(h1, SERVER, { count: 1 });
  net.runUntilDone(run);
  assert.match(home.showIpNatTranslations(), /^icmp /m);
  net.runFor(59 * SECOND);
  assert.match(home.showIpNatTranslations(), /^icmp /m);
  net.runFor(2 * SECOND);
  assert.doesNotMatch(home.showIpNatTranslations(), /^icmp /m);
});

// ---------------------------------------------------------------------------------------------
// A bounded table

test("table exhaustion: new flows are refused and counted, existing flows keep working", () => {
  const { net, h1, home, server } = homeNetwork({ nat: { maxTranslations: 3 } });
  const echo = udpEcho(server, 7);
  const flows = [40001, 40002, 40003, 40004].map((port) => {
    const flow = udpSocket(h1, port);
    flow.socket.connect(ip(SERVER), 7);
    return flow;
  });
  for (const flow of flows) {
    flow.socket.send(bytes("hello"));
    net.runFor(SECOND);
  }
  assert.deepEqual(
    flows.map((f) => f.received.length),
    [1, 1, 1, 0],
  );
  assert.deepEqual(flows[3].errors, ["EHOSTUNREACH"]);
  assert.equal(home.nat!.table.stats.refusedTableFull, 1);
  assert.equal(home.nat!.counters.drops.get("nat-table-full"), 1);
  // The old flows are untouched.
  for (const flow of flows.slice(0, 3)) flow.socket.send(bytes("again"));
  net.runFor(SECOND);
  assert.deepEqual(
    flows.map((f) => f.received.length),
    [2, 2, 2, 0],
  );
  assert.equal(echo.seen.length, 6);
  assert.match(home.showIpNatStatistics(), /Limit: 3 translations; refused 1 \(table full\)/);
  // Once the old flows expire, there is room again.
  net.runFor(301 * SECOND);
  flows[3].socket.send(bytes("now?"));
  net.runFor(SECOND);
  assert.equal(flows[3].received.length, 1);
});
