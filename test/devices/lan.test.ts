import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import type { TraceEvent } from "../../src/trace/events.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";

/** Three hosts on one switch: 10.0.0.1-3/24. */
function lan(seed = 1) {
  const net = new Network({ seed });
  net.addSwitch("s1");
  for (const i of [1, 2, 3]) {
    const host = net.addHost(`h${i}`);
    net.connect(`h${i}:eth0`, `s1:eth${i}`, { rate: "1Gbit", delay: "10us" });
    host.addAddress("eth0", `10.0.0.${i}/24`);
  }
  return net;
}

test("a switched LAN: ARP resolves, ping answers, the switch learns every MAC", async () => {
  const net = lan();
  const events: TraceEvent[] = [];
  net.tracer.subscribe((e) => events.push(e));
  const h1 = net.host("h1");
  const run = ping(h1, "10.0.0.3", { count: 3 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.transmitted, 3);
  assert.equal(result.received, 3);
  assert.equal(result.loss, 0);
  assert.match(result.output[0], /^PING 10\.0\.0\.3 \(10\.0\.0\.3\) 56\(84\) bytes of data\.$/);
  assert.match(result.output[1], /^64 bytes from 10\.0\.0\.3: icmp_seq=1 ttl=64 time=\d+\.\d+ ms$/);
  assert.equal(result.output.at(-3), "--- 10.0.0.3 ping statistics ---");
  assert.equal(result.output.at(-2), "3 packets transmitted, 3 received, 0% packet loss, time 2000ms");
  assert.match(result.output.at(-1)!, /^rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/);
  // The first request waited for ARP, so it took longer than the others.
  assert.ok(result.replies[0].rtt > result.replies[1].rtt);

  // ARP: h1 resolved h3 and h3 learned h1 from the request.
  const resolved = events.filter((e) => e.type === "neighbor-resolved");
  assert.ok(
    resolved.some((e) => e.type === "neighbor-resolved" && e.node === "h1" && e.address === "10.0.0.3"),
  );
  assert.match(h1.ipNeigh(), /^10\.0\.0\.3 dev eth0 lladdr 02:00:00:00:00:03 REACHABLE$/m);
  assert.match(net.host("h3").arpN(), /10\.0\.0\.1\s+ether\s+02:00:00:00:00:01\s+C\s+eth0/);

  // The switch learned all three stations (gratuitous ARP announced h2 too).
  const table = net.switch("s1").showMacAddressTable();
  for (const mac of ["0200.0000.0001", "0200.0000.0002", "0200.0000.0003"])
    assert.ok(table.includes(mac), table);

  // Counters are consistent: h3 answered every request it got.
  const h3 = net.host("h3");
  assert.equal(h3.ipv4.icmp.counters.received(8), 3);
  assert.equal(h3.ipv4.icmp.counters.sent(0), 3);
  assert.equal(h1.ipv4.icmp.counters.received(0), 3);
  assert.ok(h3.interface("eth0").counters.rxPackets >= 4);
});

test("ping to an address nobody has: ARP gives up and ping prints Destination Host Unreachable", async () => {
  const net = lan();
  const h1 = net.host("h1");
  const run = ping(h1, "10.0.0.99", { count: 2 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.received, 0);
  assert.equal(result.errors, 2);
  assert.ok(
    result.output.includes("From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"),
    result.output.join("\n"),
  );
  assert.match(
    result.output.at(-1)!,
    /^2 packets transmitted, 0 received, \+2 errors, 100% packet loss, time 1000ms$/,
  );
  assert.equal(h1.interface("eth0").arpCounters.failures, 1);
  assert.equal(h1.interface("eth0").arpCounters.requestsSent, 3);
});

test("frames are byte-identical for the same seed", async () => {
  const capture = async (seed: number) => {
    const net = lan(seed);
    const frames: string[] = [];
    net.tracer.subscribe((e) => {
      if (e.type === "frame-sent")
        frames.push(`${e.time} ${e.node}:${e.iface} ${Buffer.from(e.frame).toString("hex")}`);
    });
    const run = ping(net.host("h1"), "10.0.0.2", { count: 2 });
    net.runUntilDone(run);
    await run.result;
    return frames;
  };
  const a = await capture(7);
  const b = await capture(7);
  assert.ok(a.length > 5);
  assert.deepEqual(a, b);
  // A different seed changes something (the ICMP identifier, the IP identification).
  assert.notDeepEqual(a, await capture(8));
});

test("a host's views: ip addr, ip route, ip -s link", () => {
  const net = lan();
  const h1 = net.host("h1");
  assert.match(h1.ipAddr(), /inet 10\.0\.0\.1\/24 brd 10\.0\.0\.255 scope global eth0/);
  assert.equal(h1.ipRoute(), "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n");
  net.runFor(1e9);
  assert.match(h1.ipStatsLink(), /TX: {2}bytes packets errors dropped carrier collsns\n\s+42\s+1\s+0/);
  assert.equal(h1.ipv4.isLocalAddress(Ipv4Address.parse("10.0.0.1")), true);
});
