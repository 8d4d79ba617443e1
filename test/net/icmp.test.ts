import assert from "node:assert/strict";
import { test } from "node:test";
import { Network } from "../../src/devices/network.js";
import { Link } from "../../src/link/link.js";
import { errnoFor } from "../../src/net/icmp.js";
import { SECOND } from "../../src/sim/time.js";
import { internetChecksum } from "../../src/wire/checksum.js";

/** Host h1 (10.0.0.1) on a link the test drives; returns what h1 sends. */
function harness() {
  const net = new Network({ seed: 8 });
  const h1 = net.addHost("h1");
  h1.addAddress("eth0", "10.0.0.1/24");
  const link = new Link(net.scheduler, { name: "probe" });
  h1.attach("eth0", link.a);
  h1.addStaticArp("eth0", "10.0.0.9", "02:00:00:00:00:99");
  const out: Uint8Array[] = [];
  link.b.onReceive = (frame) => out.push(frame);
  const icmpOut = () => out.filter((f) => f[12] === 8 && f[13] === 0 && f[23] === 1);
  return { net, h1, icmp: h1.ipv4.icmp, out, icmpOut, link };
}

/** An IPv4 header (+ data) as an offending datagram. */
function offending(fields: {
  src?: number[];
  dst?: number[];
  protocol?: number;
  flags?: number;
  data?: number[];
}) {
  const data = fields.data ?? [0, 1, 0, 2, 0, 8, 0, 0];
  const p = new Uint8Array(20 + data.length);
  p[0] = 0x45;
  p[3] = p.length;
  p[6] = (fields.flags ?? 0) >> 8;
  p[7] = (fields.flags ?? 0) & 0xff;
  p[8] = 1;
  p[9] = fields.protocol ?? 17;
  p.set(fields.src ?? [10, 0, 0, 9], 12);
  p.set(fields.dst ?? [10, 0, 0, 1], 16);
  p.set(data, 20);
  const c = internetChecksum(p, 0, 20);
  p[10] = c >> 8;
  p[11] = c & 0xff;
  return p;
}

test("ICMP errors are never sent about errors, broadcasts, later fragments or odd sources", () => {
  const { net, icmp, icmpOut } = harness();
  const unreachable = (p: Uint8Array, linkBroadcast = false) => icmp.sendError(3, 3, p, { linkBroadcast });
  assert.equal(unreachable(offending({ protocol: 1, data: [3, 3, 0, 0, 0, 0, 0, 0] })), false); // about an error
  assert.equal(unreachable(offending({ protocol: 1, data: [8, 0, 0, 0, 0, 1, 0, 1] })), true); // about an echo: fine
  assert.equal(unreachable(offending({ dst: [255, 255, 255, 255] })), false);
  assert.equal(unreachable(offending({ dst: [10, 0, 0, 255] })), false); // directed broadcast of our subnet
  assert.equal(unreachable(offending({ dst: [224, 0, 0, 9] })), false);
  assert.equal(unreachable(offending({}), true), false); // came in a link-layer broadcast
  assert.equal(unreachable(offending({ flags: 0x2000 | 185 })), false); // not the first fragment
  assert.equal(unreachable(offending({ flags: 0x2000 })), true); // the first fragment is fine
  assert.equal(unreachable(offending({ src: [0, 0, 0, 0] })), false);
  assert.equal(unreachable(offending({ src: [240, 0, 0, 1] })), false);
  assert.equal(unreachable(offending({ src: [224, 1, 2, 3] })), false);
  net.runFor(SECOND);
  assert.equal(icmpOut().length, 2);
  assert.equal(icmp.counters.drops.get("icmp-error-about-error"), 1);
  assert.equal(icmp.counters.drops.get("icmp-error-broadcast"), 3);
  assert.equal(icmp.counters.drops.get("icmp-error-fragment"), 1);
  assert.equal(icmp.counters.drops.get("icmp-error-bad-source"), 3);
});

test("errors quote the offending datagram up to 576 octets in all", () => {
  const { net, icmp, icmpOut } = harness();
  icmp.sendError(3, 3, offending({ data: new Array(1000).fill(0x55) }));
  net.runFor(SECOND);
  const [frame] = icmpOut();
  assert.equal(frame.length - 14, 576);
  assert.equal(internetChecksum(frame.subarray(34)), 0, "ICMP checksum");
});

test("fragmentation needed is not rate limited; other errors are (burst 6 per destination)", () => {
  const { icmp } = harness();
  let sent = 0;
  for (let i = 0; i < 20; i++) if (icmp.sendError(3, 4, offending({}), { mtu: 1400 })) sent++;
  assert.equal(sent, 20);
  sent = 0;
  for (let i = 0; i < 20; i++) if (icmp.sendError(11, 0, offending({}))) sent++;
  assert.equal(sent, 6);
  assert.equal(icmp.counters.outRateLimited, 14);
});

test("echo requests to a broadcast address are ignored (like Linux's icmp_echo_ignore_broadcasts)", () => {
  const { net, h1, link, icmpOut } = harness();
  const echo = new Uint8Array(14 + 28);
  echo.fill(0xff, 0, 6);
  echo.set([2, 0, 0, 0, 0, 0x99], 6);
  echo[12] = 8;
  const ip = offending({ dst: [10, 0, 0, 255], protocol: 1, data: [8, 0, 0, 0, 0, 1, 0, 1] });
  const c = internetChecksum(ip, 20);
  ip[22] = c >> 8;
  ip[23] = c & 0xff;
  echo.set(ip, 14);
  link.b.transmit(echo);
  net.runFor(SECOND);
  assert.equal(icmpOut().length, 0);
  assert.equal(h1.ipv4.icmp.counters.drops.get("echo-broadcast-ignored"), 1);
});

test("errno mapping follows Linux", () => {
  assert.equal(errnoFor(3, 3), "ECONNREFUSED");
  assert.equal(errnoFor(3, 0), "ENETUNREACH");
  assert.equal(errnoFor(3, 1), "EHOSTUNREACH");
  assert.equal(errnoFor(3, 4), "EMSGSIZE");
  assert.equal(errnoFor(11, 0), "EHOSTUNREACH");
  assert.equal(errnoFor(12, 0), "EPROTO");
});
