import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import { MILLISECOND } from "../../src/sim/time.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { routerChain } from "./support.js";

test("30% loss on one direction of a link: ping statistics match what was lost", async () => {
  const { net, h1, h2 } = routerChain({ seed: 11 });
  // Lose 30% of the frames r1 sends to r2 (the requests); the replies come back intact.
  net.links[1].configure({ loss: 0.3 }, "a-to-b");
  const run = ping(h1, "10.0.2.10", { count: 200, interval: 200 * MILLISECOND });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.transmitted, 200);
  const lost = result.transmitted - result.received;
  // Exactly the requests that reached h2 were answered.
  assert.equal(h2.ipv4.icmp.counters.received(8), result.received);
  assert.ok(lost >= 40 && lost <= 80, `lost ${lost} of 200`);
  assert.equal(result.loss, (lost * 100) / 200);
  const summary = result.output.at(-2)!;
  assert.equal(
    summary,
    `200 packets transmitted, ${result.received} received, ${result.loss}% packet loss, time 39800ms`,
  );
  // The link counted at least those losses (ARP frames may have been lost too).
  assert.ok(net.links[1].counters("a-to-b").drops.loss >= lost);
  // Lost requests are not errors.
  assert.equal(result.errors, 0);
});

/**
 * Two switches joined by an 802.1Q trunk carrying VLANs 10 and 20; all four hosts share one IP
 * subnet, so only the VLANs keep them apart.
 */
function twoVlans() {
  const net = new Network({ seed: 2 });
  net.addSwitch("s1");
  net.addSwitch("s2");
  net.connect("s1:trunk", "s2:trunk", { trunk: [10, 20] });
  const hosts = [
    ["h1", "s1:p1", 10],
    ["h2", "s1:p2", 20],
    ["h3", "s2:p1", 10],
    ["h4", "s2:p2", 20],
  ] as const;
  hosts.forEach(([name, port, vlan], i) => {
    net.addHost(name).addAddress("eth0", `10.0.0.${i + 1}/24`);
    net.connect(`${name}:eth0`, port, { vlan });
  });
  return net;
}

test("a VLAN trunk keeps two VLANs apart", async () => {
  const net = twoVlans();
  const h1 = net.host("h1");
  // Same VLAN across the trunk: works.
  let run = ping(h1, "10.0.0.3", { count: 2 });
  net.runUntilDone(run);
  assert.equal((await run.result).received, 2);
  // Other VLAN, same subnet: ARP never reaches it.
  run = ping(h1, "10.0.0.4", { count: 2 });
  net.runUntilDone(run);
  const other = await run.result;
  assert.equal(other.received, 0);
  assert.ok(other.output.some((l) => l.includes("Destination Host Unreachable")));
  // h2 and h4 (VLAN 20) never heard a single frame from h1 or h3: not even a broadcast.
  for (const name of ["h2", "h4"]) {
    const neighbours = net.host(name).ipNeigh();
    assert.ok(!neighbours.includes("10.0.0.1") && !neighbours.includes("10.0.0.3"), neighbours);
  }
  // The trunk carried tagged frames: the switch learned h1 in VLAN 10 only.
  const table = net.switch("s2").showMacAddressTable();
  assert.match(table, /\s10\s+0200\.0000\.0001/);
  assert.doesNotMatch(table, /\s20\s+0200\.0000\.0001/);
});

test("router on a stick: 802.1Q sub-interfaces route between the VLANs", async () => {
  const net = new Network({ seed: 4 });
  net.addSwitch("s1");
  const r1 = net.addRouter("r1");
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  net.connect("r1:eth0", "s1:p0", { trunk: [10, 20] });
  net.connect("h1:eth0", "s1:p1", { vlan: 10 });
  net.connect("h2:eth0", "s1:p2", { vlan: 20 });
  r1.addInterface("eth0.10");
  r1.addInterface("eth0.20");
  r1.addAddress("eth0.10", "10.0.10.1/24").addAddress("eth0.20", "10.0.20.1/24");
  h1.addAddress("eth0", "10.0.10.5/24");
  h1.setGateway("10.0.10.1");
  h2.addAddress("eth0", "10.0.20.5/24");
  h2.setGateway("10.0.20.1");
  const run = ping(h1, "10.0.20.5", { count: 2 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.received, 2);
  assert.equal(result.replies[0].ttl, 63);
  assert.equal(r1.ipv4.counters.forwDatagrams, 4);
  assert.ok(r1.interface("eth0.10").counters.rxPackets >= 2);
  assert.ok(r1.interface("eth0.20").counters.txPackets >= 2);
  assert.match(r1.showIpInterfaceBrief(), /eth0\.20\s+10\.0\.20\.1\s+YES manual up/);
  assert.equal(r1.ipv4.sourceFor(Ipv4Address.parse("10.0.20.5"))?.toString(), "10.0.20.1");
});

test("equal-cost multipath: flows spread over both paths, each flow stays on one", async () => {
  // h1 — r1 =(two links)= r2 — h2, with two equal static routes on r1.
  const net = new Network({ seed: 9 });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  net.connect("h1:eth0", "r1:eth0");
  net.connect("r1:eth1", "r2:eth1");
  net.connect("r1:eth2", "r2:eth2");
  net.connect("r2:eth0", "h2:eth0");
  h1.addAddress("eth0", "10.0.1.10/24");
  h1.setGateway("10.0.1.1");
  h2.addAddress("eth0", "10.0.2.10/24");
  h2.setGateway("10.0.2.1");
  r1.addAddress("eth0", "10.0.1.1/24").addAddress("eth1", "10.9.1.1/30").addAddress("eth2", "10.9.2.1/30");
  r2.addAddress("eth0", "10.0.2.1/24").addAddress("eth1", "10.9.1.2/30").addAddress("eth2", "10.9.2.2/30");
  r2.addRoute("10.0.1.0/24", "10.9.1.1");
  const route = r1.ipv4.routes.add({
    prefix: r1.addRoute("10.0.2.0/24", "10.9.1.2").prefix,
    nextHops: [
      { via: Ipv4Address.parse("10.9.1.2"), interface: "eth1" },
      { via: Ipv4Address.parse("10.9.2.2"), interface: "eth2" },
    ],
    protocol: "static",
    distance: 1,
    metric: 0,
  });
  assert.equal(route.nextHops.length, 2);
  const server = h2.udp.createSocket();
  server.bind(9);
  let received = 0;
  server.onMessage = () => received++;
  // Which way each flow (source port) went, from the frames r1 sent.
  const paths = new Map<number, Set<string>>();
  net.tracer.subscribe((e) => {
    if (e.type !== "frame-sent" || e.node !== "r1" || e.iface === "eth0") return;
    const f = e.frame;
    if (((f[12] << 8) | f[13]) !== 0x0800 || f[23] !== 17) return;
    const port = (f[34] << 8) | f[35];
    if (!paths.has(port)) paths.set(port, new Set());
    paths.get(port)!.add(e.iface);
  });
  const sockets = Array.from({ length: 16 }, () => h1.udp.createSocket());
  for (let round = 0; round < 4; round++) {
    for (const s of sockets) s.sendTo(new Uint8Array(10), 9, Ipv4Address.parse("10.0.2.10"));
    net.runFor(1_000_000_000);
  }
  assert.ok(received >= 16 * 3);
  const via1 = r1.interface("eth1").counters.txPackets;
  const via2 = r1.interface("eth2").counters.txPackets;
  assert.ok(via1 > 8 && via2 > 8, `eth1 ${via1}, eth2 ${via2}`);
  assert.equal(paths.size, 16);
  for (const [port, ifaces] of paths)
    assert.equal(ifaces.size, 1, `flow from port ${port} took ${[...ifaces]}`);
});
