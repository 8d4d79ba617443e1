import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../../src/apps/ping.js";
import { traceroute } from "../../../src/apps/traceroute.js";
import { Network } from "../../../src/devices/network.js";
import type { TraceEvent } from "../../../src/trace/events.js";
import { buildExchange, type ExchangeMessage, sequenceDiagram } from "../../../src/trace/views/index.js";
import { chain, tcpEcho } from "./support.js";

const messages = (events: TraceEvent[], filter: Parameters<typeof buildExchange>[1]) =>
  buildExchange(events, filter).items.filter((i): i is ExchangeMessage => i.kind === "message");

/** The diagram's packet lines (those with an arrow), without the time column. */
function arrowLines(diagram: string): string[] {
  return diagram
    .split("\n")
    .filter((line) => /[>X?]\s*\|/.test(line) || /\|\s*</.test(line) || /\|-+/.test(line));
}

test("the TCP handshake, data and teardown: relative seq/ack, arrow directions, states at each end", async () => {
  const setup = chain();
  const echoed = await tcpEcho(setup, ["hello"]);
  assert.equal(echoed, "hello");
  const diagram = sequenceDiagram(setup.events, { focus: "h1", protocol: "tcp" });
  const lines = diagram.split("\n");
  assert.match(lines[0], /^time \(s\)\s+h1\s+h2$/);
  assert.match(lines[1], /^\s+10\.0\.1\.10\s+10\.0\.2\.10$/);
  const packets = arrowLines(diagram);
  const expected: [RegExp, "right" | "left"][] = [
    [/\[SYN\] seq=0 win=65535 mss=1460/, "right"],
    [/\[SYN, ACK\] seq=0 ack=1 win=65535 mss=1460/, "left"],
    [/\[ACK\] seq=1 ack=1 /, "right"],
    [/\[PSH, ACK\] seq=1 ack=1 len=5/, "right"],
    [/\[PSH, ACK\] seq=1 ack=6 len=5/, "left"],
    [/\[FIN, ACK\] seq=6 ack=6/, "right"],
  ];
  for (const [pattern, direction] of expected) {
    const line = packets.find((l) => pattern.test(l));
    assert.ok(line, `a line matching ${pattern} in\n${diagram}`);
    if (direction === "right") assert.match(line, /->\|/, line);
    else assert.match(line, /\|<-/, line);
  }
  // Every packet arrived, so every arrow ends at a lifeline with its one-way time: 1+20+1 ms plus
  // serialisation, and for the SYN the time the routers took to resolve the next hop's address.
  assert.match(packets[0], /\[SYN\].*\+64\.\d{3} ms$/);
  for (const line of packets.slice(1)) assert.match(line, /\+22\.0\d\d ms$/, line);
  // The handshake's states, in order at each end.
  const states = lines.map((l) => /\[([A-Z-]+)\]\s*\|?$/.exec(l)?.[1]).filter((s) => s !== undefined);
  assert.deepEqual(
    states.filter((s) => ["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"].includes(s as string)),
    ["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "ESTABLISHED"],
  );
  assert.ok(states.includes("TIME-WAIT") && states.includes("LAST-ACK"), diagram);
});

test("absolute sequence numbers are the ISNs the TCP layer chose", async () => {
  const setup = chain();
  await tcpEcho(setup);
  const syn = setup.events.find(
    (e): e is Extract<TraceEvent, { type: "tcp-segment" }> =>
      e.type === "tcp-segment" && e.direction === "out" && e.flags === "S",
  );
  assert.ok(syn);
  const diagram = sequenceDiagram(setup.events, { focus: "h1", protocol: "tcp", absolute: true });
  assert.match(diagram, new RegExp(`\\[SYN\\] seq=${syn.seq} `));
  assert.match(diagram, new RegExp(`\\[SYN, ACK\\] seq=\\d+ ack=${(syn.seq + 1) >>> 0} `));
});

test("each message goes from the node that sent it to the node that took it, with its arrival time", async () => {
  const setup = chain();
  setup.warmUp();
  await tcpEcho(setup);
  const tcp = messages(setup.events, { protocol: "tcp" });
  assert.ok(tcp.length >= 9);
  for (const m of tcp) {
    assert.equal(m.to.length, 1);
    assert.deepEqual([m.from, m.to[0]].sort(), ["h1", "h2"]);
    assert.ok(m.arrival !== undefined && m.arrival - m.time >= 22_000_000 && m.arrival - m.time < 23_000_000);
    // Sent by the node whose address is the source.
    assert.equal(m.packet.ipSrc, m.from === "h1" ? "10.0.1.10" : "10.0.2.10");
  }
  // Without a focus, the routers only forward TCP: they are not columns.
  assert.deepEqual(
    buildExchange(setup.events, { protocol: "tcp" }).columns.map((c) => c.name),
    ["h1", "h2"],
  );
});

test("traceroute: probes stop at the router whose turn it is, which answers Time Exceeded", () => {
  const setup = chain();
  const run = traceroute(setup.h1, "10.0.2.10", { queries: 1 });
  setup.net.runUntilDone(run);
  const exchange = buildExchange(setup.events, { focus: "h1", protocol: ["udp", "icmp"] });
  assert.deepEqual(
    exchange.columns.map((c) => [c.name, c.address]),
    [
      ["h1", "10.0.1.10"],
      ["r1", "10.0.1.1"],
      ["r2", "10.0.12.2"],
      ["h2", "10.0.2.10"],
    ],
  );
  const m = exchange.items.filter((i): i is ExchangeMessage => i.kind === "message");
  assert.deepEqual(
    m.map((x) => `${x.from}>${x.to.join(",")} ${x.packet.protocol} ${x.stopped ?? ""}`.trim()),
    [
      "h1>r1 udp dropped at r1: ttl-exceeded",
      "r1>h1 icmp",
      "h1>r2 udp dropped at r2: ttl-exceeded",
      "r2>h1 icmp",
      "h1>h2 udp",
      "h2>h1 icmp",
    ],
  );
  const diagram = sequenceDiagram(setup.events, { focus: "h1", protocol: ["udp", "icmp"] });
  assert.match(diagram, /UDP \d+ > 33434 len=32 ttl=1 -+>\|/);
  assert.match(diagram, /\|<-+ ICMP time exceeded \(about UDP to port 33434\) -+\|/);
  assert.match(diagram, /ICMP port unreachable \(about UDP to port 33436\)/);
});

test("UDP with loss: every lost datagram is an X with the link's reason, every other one arrives", async () => {
  const setup = chain({ seed: 7 });
  setup.warmUp();
  setup.middle.configure({ loss: "40%" });
  const { net, h1, h2 } = setup;
  const got: string[] = [];
  const server = h2.dgram.createSocket("udp4");
  server.on("message", (message: Uint8Array, rinfo: { address: string; port: number }) => {
    got.push(String(message));
    server.send(message, rinfo.port, rinfo.address);
  });
  server.bind(9000);
  const client = h1.dgram.createSocket("udp4");
  for (let i = 0; i < 12; i++)
    net.scheduler.after(i * 100_000_000, () => client.send(`datagram ${i}`, 9000, "10.0.2.10"));
  net.runFor(5_000_000_000);
  const all = messages(setup.events, { protocol: "udp", focus: "h1" });
  const sent = all.filter((m) => m.from === "h1");
  assert.equal(sent.length, 12);
  const lost = sent.filter((m) => m.to.length === 0);
  assert.ok(lost.length > 0 && lost.length < 12, `${lost.length} lost`);
  assert.equal(sent.length - lost.length, got.length);
  for (const m of lost) assert.equal(m.lost, "link loss on r1:eth1-r2:eth0");
  // The echoes h2 sent back: those lost on the way are shown too, headed for the focus node.
  const echoes = all.filter((m) => m.from === "h2");
  assert.equal(echoes.length, got.length);
  const lostEchoes = echoes.filter((m) => m.to.length === 0);
  assert.ok(lostEchoes.length > 0, "some echoes were lost too");
  for (const m of lostEchoes) assert.equal(m.lostToward, "h1");
  // Every loss on the link is in the diagram, as an X with the reason.
  const linkDrops = setup.events.filter(
    (e) => e.type === "drop" && e.layer === "link" && e.reason === "loss",
  );
  assert.equal(lost.length + lostEchoes.length, linkDrops.length);
  const diagram = sequenceDiagram(setup.events, { protocol: "udp", focus: "h1" });
  const xs = diagram
    .split("\n")
    .filter((l) => /-X\s|X-/.test(l) && l.endsWith("lost: link loss on r1:eth1-r2:eth0"));
  assert.equal(xs.length, linkDrops.length, diagram);
  assert.match(diagram, /UDP \d+ > 9000 len=10 "datagram 0"/);
  assert.match(diagram, /\|\s+X-+ UDP 9000 > \d+ len=\d+ "datagram \d+" -+\|/);
});

test("ARP on a switched LAN: the request is heard by every host, the reply and the ping only by their target", () => {
  const net = new Network({ seed: 3 });
  const events: TraceEvent[] = [];
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const h3 = net.addHost("h3");
  net.addSwitch("s1");
  net.connect("h1:eth0", "s1:p1", { delay: "1ms" });
  net.connect("h2:eth0", "s1:p2", { delay: "1ms" });
  net.connect("h3:eth0", "s1:p3", { delay: "1ms" });
  h1.addAddress("eth0", "10.0.0.1/24");
  h2.addAddress("eth0", "10.0.0.2/24");
  h3.addAddress("eth0", "10.0.0.3/24");
  net.runFor(5_000_000_000);
  net.tracer.subscribe((e) => events.push(e));
  const run = ping(h1, "10.0.0.2", { count: 1 });
  net.runUntilDone(run);
  const exchange = buildExchange(events, { nodes: ["h1", "h2", "h3"] });
  const m = exchange.items.filter((i): i is ExchangeMessage => i.kind === "message");
  const summary = m.map((x) => `${x.from}>${x.to.join(",")} ${x.packet.protocol}`);
  assert.deepEqual(summary, ["h1>h2,h3 arp", "h2>h1 arp", "h1>h2 icmp", "h2>h1 icmp"]);
  const diagram = sequenceDiagram(events, { nodes: ["h1", "h2", "h3"] });
  // The broadcast: an arrowhead at h2 and at h3.
  const request = diagram.split("\n").find((l) => l.includes("who-has 10.0.0.2"));
  assert.match(request ?? "", /->\|-+>\|/);
  assert.match(diagram, /ICMP echo request id=\d+ seq=1/);
  // With a focus, the request's target comes before the bystander; the bystander, which sent
  // nothing, is named by the address the caller knows.
  assert.deepEqual(
    buildExchange(events, { focus: "h1" }).columns.map((c) => [c.name, c.address]),
    [
      ["h1", "10.0.0.1"],
      ["h2", "10.0.0.2"],
      ["h3", undefined],
    ],
  );
  assert.deepEqual(
    buildExchange(events, { focus: "h1", names: { "10.0.0.3": "h3" } }).columns.map((c) => c.address),
    ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
  );
  // The switch never appears: it only passes frames on.
  assert.ok(!buildExchange(events).columns.some((c) => c.name === "s1"));
});

test("filters: protocol, one connection among several, a time window, and a limit", async () => {
  const setup = chain();
  await tcpEcho(setup, ["a"]);
  const firstEnd = setup.net.scheduler.now;
  await tcpEcho(setup, ["b"]);
  const all = sequenceDiagram(setup.events, { protocol: "tcp", focus: "h1" });
  // Two connections in view: the labels name the ports.
  assert.match(all, /\d+>7 \[SYN\]/);
  const segments = setup.events.filter(
    (e): e is Extract<TraceEvent, { type: "tcp-segment" }> => e.type === "tcp-segment" && e.node === "h1",
  );
  const connections = [...new Set(segments.map((e) => e.connection))];
  assert.equal(connections.length, 2);
  const one = messages(setup.events, { protocol: "tcp", connection: connections[1] });
  assert.ok(one.length >= 9);
  const localPort = Number(connections[1].split(">")[0].split(":")[1]);
  for (const m of one) assert.ok(m.packet.tcp?.srcPort === localPort || m.packet.tcp?.dstPort === localPort);
  assert.doesNotMatch(
    sequenceDiagram(setup.events, { protocol: "tcp", connection: connections[1] }),
    /\d+>7 \[SYN\]/,
  );
  // By port: both connections use port 7.
  assert.equal(
    messages(setup.events, { protocol: "tcp", connection: "7" }).length,
    messages(setup.events, { protocol: "tcp" }).length,
  );
  // By time: only the second connection.
  assert.deepEqual(
    messages(setup.events, { protocol: "tcp", from: firstEnd }).map((m) => m.index),
    one.map((m) => m.index),
  );
  // Protocol filter: ARP only.
  for (const m of messages(setup.events, { protocol: "arp" })) assert.equal(m.packet.protocol, "arp");
  const limited = sequenceDiagram(setup.events, { protocol: "tcp", limit: 3, states: false });
  assert.equal(arrowLines(limited).length, 3);
  assert.match(
    limited,
    new RegExp(`\\.\\.\\. ${messages(setup.events, { protocol: "tcp" }).length - 3} more packets not shown$`),
  );
});

test("an empty selection says so instead of drawing nothing", () => {
  assert.equal(sequenceDiagram([], {}), "(no packets to show)");
  assert.equal(sequenceDiagram([], { title: "TCP" }), "TCP\n\n(no packets to show)");
});

test("through a NAT: one arrow per packet end to end, drawn as the focus saw it, with the mapping noted", async () => {
  const setup = chain({ nat: true });
  setup.warmUp();
  assert.equal(await tcpEcho(setup, ["hello"]), "hello");
  const inside = buildExchange(setup.events, { focus: "h1", protocol: "tcp" });
  assert.deepEqual(
    inside.columns.map((c) => [c.name, c.address]),
    [
      ["h1", "10.0.1.10"],
      ["h2", "10.0.2.10"],
    ],
  );
  const sent = inside.items.filter((i): i is ExchangeMessage => i.kind === "message");
  assert.ok(sent.length >= 9);
  for (const m of sent) {
    // Every segment arrived at the other end, and is shown with h1's own address.
    assert.equal(m.to.length, 1, JSON.stringify(m));
    assert.ok(m.packet.ipSrc === "10.0.1.10" || m.packet.ipDst === "10.0.1.10");
  }
  const note = inside.items.find((i) => i.kind === "note");
  assert.match(
    note?.kind === "note" ? note.text : "",
    /^r1 \(NAT\) maps tcp 10\.0\.1\.10:(\d+) to 10\.0\.12\.1:\1$/,
  );
  // Both ends' states, though h2 names the connection by the NAT's address.
  assert.ok(inside.items.some((i) => i.kind === "state" && i.node === "h2" && i.to === "ESTABLISHED"));
  const diagram = sequenceDiagram(setup.events, { focus: "h1", protocol: "tcp" });
  assert.match(diagram, /\[SYN, ACK\] seq=0 ack=1 /);
  assert.match(diagram, /\[PSH, ACK\] seq=1 ack=6 len=5/);
  assert.match(diagram, /\(r1 \(NAT\) maps tcp 10\.0\.1\.10:\d+ to 10\.0\.12\.1:\d+\)/);
  // From the far side, h1 is known by the NAT's address.
  const outside = buildExchange(setup.events, { focus: "h2", protocol: "tcp" });
  assert.deepEqual(
    outside.columns.map((c) => [c.name, c.address]),
    [
      ["h2", "10.0.2.10"],
      ["h1", "10.0.12.1 (NAT)"],
    ],
  );
  for (const m of outside.items.filter((i): i is ExchangeMessage => i.kind === "message"))
    assert.ok(m.packet.ipSrc === "10.0.12.1" || m.packet.ipDst === "10.0.12.1");
  assert.match(
    sequenceDiagram(setup.events, { focus: "h2", protocol: "tcp" }),
    /\[PSH, ACK\] seq=1 ack=6 len=5/,
  );
});

test("a host is recognised as the receiver even when only a switch has sent its frames in the window", () => {
  const net = new Network({ seed: 4 });
  const events: TraceEvent[] = [];
  net.tracer.subscribe((e) => events.push(e));
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  net.addSwitch("s1");
  net.connect("h1:eth0", "s1:p1", { delay: "1ms" });
  net.connect("h2:eth0", "s1:p2", { delay: "1ms" });
  h1.addAddress("eth0", "10.0.0.1/24");
  h2.addAddress("eth0", "10.0.0.2/24");
  net.runUntilDone(ping(h1, "10.0.0.2", { count: 1 }));
  net.runFor(1_000_000_000);
  const a = h2.dgram.createSocket("udp4");
  const b = h1.dgram.createSocket("udp4");
  b.bind(7000);
  a.bind(7000);
  const start = events.length;
  a.send("from h2", 7000, "10.0.0.1");
  net.runFor(500_000);
  b.send("from h1", 7000, "10.0.0.2");
  net.runFor(1_000_000_000);
  // Start the window after h2's own frame left, but before the switch passed it on: inside it,
  // h2's address is on frames only the switch sent.
  const h2Sent = events.findIndex((e, i) => i >= start && e.type === "frame-sent" && e.node === "h2");
  const window = events.slice(h2Sent + 1);
  assert.ok(!window.some((e) => e.type === "frame-sent" && e.node === "h2"));
  assert.ok(window.some((e) => e.type === "frame-sent" && e.node === "s1"));
  const m = messages(window, { protocol: "udp", focus: "h1" }).filter((x) => x.from === "h1");
  assert.equal(m.length, 1);
  assert.deepEqual(m[0].to, ["h2"]);
});
