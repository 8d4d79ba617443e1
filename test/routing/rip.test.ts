/**
 * RIPv2 in the emulator (RFC 2453): routes spread hop by hop, a ring converges with the shorter
 * way round, a failed link is routed around, and poisoned reverse stops counting to infinity
 * (which plain RIP without split horizon does, slowly, as the contrast shows).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Network } from "../../src/devices/network.js";
import type { Router } from "../../src/devices/router.js";
import type { RoutingRouteEvent } from "../../src/routing/index.js";
import { Rip, type RipConfig } from "../../src/routing/rip/rip.js";
import { SECOND } from "../../src/sim/time.js";
import { hops, link } from "./support.js";

const FAST_RIP = { update: 5, timeout: 30, garbage: 20 };

function rip(router: Router, interfaces: string[], extra: Partial<RipConfig> = {}): Rip {
  return router.routing.add(new Rip(router, { interfaces, timers: FAST_RIP, ...extra }));
}

/** r1 - r2 - r3 in a line, r3 with a LAN 10.3.0.0/24. */
function line(extra: Partial<RipConfig> = {}) {
  const net = new Network();
  const r = [1, 2, 3].map((n) => net.addRouter(`r${n}`));
  link(net, r[0], "eth0", r[1], "eth0", "10.0.12");
  link(net, r[1], "eth1", r[2], "eth0", "10.0.23");
  r[2].addAddress("lan", "10.3.0.1/24");
  const procs = [
    rip(r[0], ["eth0"], extra),
    rip(r[1], ["eth0", "eth1"], extra),
    rip(r[2], ["eth0", "lan"], extra),
  ];
  return { net, r, procs };
}

test("routes spread hop by hop with metrics 1, 2, 3", () => {
  const { net, r, procs } = line();
  net.scheduler.runFor(15 * SECOND);
  assert.deepEqual(hops(r[0], "10.3.0.9"), ["10.0.12.2 eth0"]);
  assert.equal(r[0].ipv4.routes.lookup(0x0a030009)?.metric, 3);
  assert.equal(r[0].ipv4.routes.lookup(0x0a030009)?.distance, 120);
  assert.deepEqual(hops(r[2], "10.0.12.9").length, 1);
  assert.equal(procs[0].routes.get("10.3.0.0/24")?.metric, 3);
  assert.match(r[0].showIpRoute(), /R>\* 10\.3\.0\.0\/24 \[120\/3\] via 10\.0\.12\.2, eth0/);
});

test("poisoned reverse: a lost network is withdrawn without counting to infinity", () => {
  for (const splitHorizon of ["poisoned-reverse", "none"] as const) {
    const { net, r } = line({ splitHorizon });
    net.scheduler.runFor(15 * SECOND);
    const metrics: number[] = [];
    net.tracer.subscribe((e) => {
      if (e.type === "routing-route" && e.prefix === "10.3.0.0/24" && e.node !== "r3")
        metrics.push((e as RoutingRouteEvent).metric);
    });
    const start = net.scheduler.now;
    let goneAt: number | undefined;
    net.tracer.subscribe((e) => {
      if (
        e.type === "routing-route" &&
        e.prefix === "10.3.0.0/24" &&
        e.node === "r1" &&
        e.action === "remove"
      )
        goneAt ??= e.time;
    });
    const link23 = net.links.find((l) => l.a.name.startsWith("r2") && l.b.name.startsWith("r3"))!;
    link23.setUp(false);
    net.scheduler.runFor(120 * SECOND);
    assert.deepEqual(hops(r[0], "10.3.0.9"), [], splitHorizon);
    assert.deepEqual(hops(r[1], "10.3.0.9"), [], splitHorizon);
    if (splitHorizon === "poisoned-reverse") {
      // r2 hears from r1 only "metric 16" for 10.3.0.0/24, so nobody ever offers a longer way.
      assert.ok(
        metrics.every((m) => m <= 3),
        `metrics seen: ${metrics}`,
      );
      assert.ok(
        goneAt !== undefined && goneAt - start < 10 * SECOND,
        "withdrawn by triggered updates, in seconds",
      );
    }
  }
});

test("split horizon: what r1 tells r2 about r3's LAN (poisoned: 16; none: its own 3 hops, the seed of counting to infinity)", () => {
  for (const [splitHorizon, expected] of [
    ["poisoned-reverse", "10.3.0.0/24 metric 16"],
    ["none", "10.3.0.0/24 metric 3"],
  ] as const) {
    const { net } = line({ splitHorizon });
    const said: string[] = [];
    net.tracer.subscribe((e) => {
      if (e.type === "routing-message" && e.node === "r1" && e.direction === "out" && e.kind === "Response")
        said.push(e.summary);
    });
    net.scheduler.runFor(20 * SECOND);
    assert.ok(
      said.some((s) => s.includes(expected)),
      `${splitHorizon}: ${said.join(" | ")}`,
    );
    assert.ok(
      !said.some((s) =>
        s.includes(expected === "10.3.0.0/24 metric 3" ? "10.3.0.0/24 metric 16" : "10.3.0.0/24 metric 3"),
      ),
    );
  }
});

test("a ring routes round a failed link and back when it returns", () => {
  const net = new Network();
  const r = [1, 2, 3, 4].map((n) => net.addRouter(`r${n}`));
  link(net, r[0], "eth0", r[1], "eth1", "10.0.12");
  link(net, r[1], "eth0", r[2], "eth1", "10.0.23");
  link(net, r[2], "eth0", r[3], "eth1", "10.0.34");
  link(net, r[3], "eth0", r[0], "eth1", "10.0.41");
  r.forEach((router, i) => {
    router.addAddress("lan", `10.${i + 1}.0.1/24`);
    rip(router, ["eth0", "eth1", "lan"]);
  });
  net.scheduler.runFor(20 * SECOND);
  assert.deepEqual(hops(r[0], "10.2.0.9"), ["10.0.12.2 eth0"]);
  assert.equal(r[0].ipv4.routes.lookup(0x0a020009)?.metric, 2);
  const link12 = net.links[0];
  link12.setUp(false);
  net.scheduler.runFor(20 * SECOND);
  assert.deepEqual(hops(r[0], "10.2.0.9"), ["10.0.41.1 eth1"]);
  assert.equal(r[0].ipv4.routes.lookup(0x0a020009)?.metric, 4);
  link12.setUp(true);
  net.scheduler.runFor(20 * SECOND);
  assert.deepEqual(hops(r[0], "10.2.0.9"), ["10.0.12.2 eth0"]);
});

test("routes time out after 180 s of silence and are garbage-collected 120 s later", () => {
  const net = new Network();
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  link(net, r1, "eth0", r2, "eth0", "10.0.12");
  r2.addAddress("lan", "10.2.0.1/24");
  const p1 = r1.routing.add(new Rip(r1, { interfaces: ["eth0"] }));
  const p2 = r2.routing.add(new Rip(r2, { interfaces: ["eth0", "lan"] }));
  net.scheduler.runFor(40 * SECOND);
  assert.equal(p1.routes.get("10.2.0.0/24")?.metric, 2);
  // r2 goes silent without a goodbye: its interface is shut, r1's side keeps its carrier.
  void p2;
  r2.setInterfaceUp("eth0", false);
  net.scheduler.runFor(170 * SECOND);
  assert.equal(p1.routes.get("10.2.0.0/24")?.metric, 2, "still valid before 180 s");
  net.scheduler.runFor(40 * SECOND);
  assert.equal(p1.routes.get("10.2.0.0/24")?.metric, 16, "timed out: metric 16, being deleted");
  assert.deepEqual(hops(r1, "10.2.0.9"), []);
  net.scheduler.runFor(125 * SECOND);
  assert.equal(p1.routes.get("10.2.0.0/24"), undefined, "garbage-collected");
});
