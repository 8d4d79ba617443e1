import assert from "node:assert/strict";
import { test } from "node:test";
import { Network } from "../../src/devices/network.js";
import type { TraceEvent } from "../../src/trace/events.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { MacAddress } from "../../src/wire/address/mac.js";

/**
 * h1, h2, h3 and the router r1 on one switched LAN (10.0.0.0/24); h1's default route points at
 * r1. h2 and h3 listen on UDP 9999 for broadcasts; h1 sends from a socket bound to eth0
 * (SO_BINDTODEVICE), so the IPv4 layer is given an explicit interface.
 */
function lan() {
  const net = new Network({ seed: 11 });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const h3 = net.addHost("h3");
  const r1 = net.addRouter("r1");
  net.addSwitch("s1");
  net.connect("h1:eth0", "s1:p1", { delay: "1ms" });
  net.connect("h2:eth0", "s1:p2", { delay: "1ms" });
  net.connect("h3:eth0", "s1:p3", { delay: "1ms" });
  net.connect("r1:eth0", "s1:p4", { delay: "1ms" });
  h1.addAddress("eth0", "10.0.0.1/24");
  h2.addAddress("eth0", "10.0.0.2/24");
  h3.addAddress("eth0", "10.0.0.3/24");
  r1.addAddress("eth0", "10.0.0.254/24");
  h1.setDefaultGateway("10.0.0.254");
  net.runFor(5_000_000_000);
  const received: string[] = [];
  for (const host of [h2, h3]) {
    const socket = host.udp.createSocket({ broadcast: true });
    socket.bind(9999);
    socket.onMessage = (m) =>
      received.push(`${host.name} ${m.localAddress} ${new TextDecoder().decode(m.data)}`);
  }
  const sent: Uint8Array[] = [];
  net.tracer.subscribe((e: TraceEvent) => {
    if (e.type === "frame-sent" && e.node === "h1") sent.push(e.frame);
  });
  const socket = h1.udp.createSocket({ broadcast: true });
  socket.boundInterface = "eth0";
  return { net, h1, h2, h3, socket, received, sent };
}

/** The destination MACs of IPv4 frames h1 sent (ARP frames left out). */
function ipv4Destinations(frames: Uint8Array[]): string[] {
  return frames
    .filter((f) => f[12] === 0x08 && f[13] === 0x00)
    .map((f) => MacAddress.fromBytes(f, 0).toString());
}

test("a limited broadcast sent with an explicit interface stays a broadcast despite a default route", () => {
  const { net, socket, received, sent } = lan();
  assert.equal(
    socket.sendTo(new TextEncoder().encode("hello"), 9999, Ipv4Address.parse("255.255.255.255")),
    undefined,
  );
  net.runFor(1_000_000_000);
  assert.deepEqual(ipv4Destinations(sent), ["ff:ff:ff:ff:ff:ff"]);
  assert.deepEqual(received.sort(), ["h2 255.255.255.255 hello", "h3 255.255.255.255 hello"]);
});

test("a subnet broadcast with an explicit interface goes to ff:ff:ff:ff:ff:ff, not to the gateway", () => {
  const { net, socket, received, sent } = lan();
  assert.equal(
    socket.sendTo(new TextEncoder().encode("subnet"), 9999, Ipv4Address.parse("10.0.0.255")),
    undefined,
  );
  net.runFor(1_000_000_000);
  assert.deepEqual(ipv4Destinations(sent), ["ff:ff:ff:ff:ff:ff"]);
  assert.deepEqual(received.sort(), ["h2 10.0.0.255 subnet", "h3 10.0.0.255 subnet"]);
});

test("a multicast with an explicit interface goes to the group's MAC (RFC 1112 §6.4)", () => {
  const { net, h2, socket, received, sent } = lan();
  const group = Ipv4Address.parse("239.1.2.3");
  const listener = h2.udp.createSocket({ reuseAddress: true });
  listener.bind(9998);
  assert.equal(listener.addMembership(group), undefined);
  listener.onMessage = (m) => received.push(`h2 ${m.localAddress} ${new TextDecoder().decode(m.data)}`);
  assert.equal(socket.sendTo(new TextEncoder().encode("group"), 9998, group), undefined);
  net.runFor(1_000_000_000);
  assert.deepEqual(ipv4Destinations(sent), ["01:00:5e:01:02:03"]);
  assert.deepEqual(received, ["h2 239.1.2.3 group"]);
});

test("a unicast off the subnet with an explicit interface still goes to the gateway", () => {
  const { net, socket, sent } = lan();
  assert.equal(
    socket.sendTo(new TextEncoder().encode("away"), 9999, Ipv4Address.parse("192.0.2.7")),
    undefined,
  );
  net.runFor(1_000_000_000);
  const r1Mac = net.node("r1").interface("eth0").mac.toString();
  assert.deepEqual(ipv4Destinations(sent), [r1Mac]);
});
