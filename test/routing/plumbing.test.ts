/** The shared routing plumbing: processes on a router, the RIB writer, link-change notices. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Network } from "../../src/devices/network.js";
import { RibWriter, type RoutingProtocol, type RoutingRouteEvent } from "../../src/routing/index.js";
import { Ipv4Address, Ipv4Prefix } from "../../src/wire/address/ipv4.js";

test("RibWriter installs, changes and withdraws routes, tracing each change", () => {
  const net = new Network();
  const r1 = net.addRouter("r1");
  r1.addAddress("eth0", "10.0.12.1/24");
  const events: RoutingRouteEvent[] = [];
  net.tracer.subscribe((e) => {
    if (e.type === "routing-route") events.push(e);
  });
  const rib = new RibWriter(r1, "ospf", 110);
  const prefix = Ipv4Prefix.parse("10.9.0.0/16");
  const hop = { via: Ipv4Address.parse("10.0.12.2"), interface: "eth0" };
  assert.equal(rib.sync([{ prefix, nextHops: [hop], metric: 20 }]), 1);
  assert.equal(rib.sync([{ prefix, nextHops: [hop], metric: 20 }]), 0, "no change, no event");
  assert.equal(r1.ipv4.routes.lookup(Ipv4Address.parse("10.9.1.1"))?.protocol, "ospf");
  assert.equal(rib.sync([{ prefix, nextHops: [hop], metric: 30 }]), 1);
  assert.equal(r1.ipv4.routes.selected(prefix)?.metric, 30);
  assert.equal(rib.sync([]), 1);
  assert.equal(r1.ipv4.routes.lookup(Ipv4Address.parse("10.9.1.1")), undefined);
  assert.deepEqual(
    events.map((e) => `${e.action} ${e.prefix} ${e.metric}`),
    ["add 10.9.0.0/16 20", "change 10.9.0.0/16 30", "remove 10.9.0.0/16 30"],
  );
});

test("routing processes start when added and stop when removed; one per protocol", () => {
  const net = new Network();
  const r1 = net.addRouter("r1");
  const log: string[] = [];
  const process: RoutingProtocol = {
    protocol: "rip",
    running: false,
    start: () => log.push("start"),
    stop: () => log.push("stop"),
  };
  r1.routing.add(process);
  assert.throws(() => r1.routing.add(process), /already runs/);
  assert.equal(r1.routing.get("rip"), process);
  assert.ok(r1.routing.remove("rip"));
  assert.equal(r1.routing.remove("rip"), false);
  assert.deepEqual(log, ["start", "stop"]);
});

test("interfaces tell listeners when their link goes down and up", () => {
  const net = new Network();
  const r1 = net.addRouter("r1");
  const _r2 = net.addRouter("r2");
  const link = net.connect("r1:eth0", "r2:eth0");
  const seen: boolean[] = [];
  r1.interface("eth0").onLinkChange((_iface, up) => seen.push(up));
  link.setUp(false);
  link.setUp(false);
  link.setUp(true);
  r1.setInterfaceUp("eth0", false);
  assert.deepEqual(seen, [false, true, false]);
});
