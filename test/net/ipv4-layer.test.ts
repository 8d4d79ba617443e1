import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ping } from "../../src/apps/ping.js";
import { Network } from "../../src/devices/network.js";
import { Link } from "../../src/link/link.js";
import { SECOND } from "../../src/sim/time.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { internetChecksum } from "../../src/wire/checksum.js";

const ATTACKER_MAC = [0x02, 0xba, 0xd0, 0x00, 0x00, 0x01];
const VICTIM_IP = [10, 0, 0, 2];
const ATTACKER_IP = [10, 0, 0, 66];

/**
 * A victim host h2 (10.0.0.2) on a link whose other end the test drives by hand: it transmits
 * crafted frames and records what h2 sends back.
 */
function victim() {
  const net = new Network({ seed: 3 });
  const h2 = net.addHost("h2");
  h2.addAddress("eth0", "10.0.0.2/24");
  const link = new Link(net.scheduler, { name: "attack" }, net.tracer);
  h2.attach("eth0", link.a);
  const received: Uint8Array[] = [];
  link.b.onReceive = (frame) => received.push(frame);
  h2.addStaticArp("eth0", "10.0.0.66", "02:ba:d0:00:00:01");
  const victimMac = h2.interface("eth0").mac.toBytes();
  const send = (ipPacket: Uint8Array) => {
    const frame = new Uint8Array(14 + ipPacket.length);
    frame.set(victimMac, 0);
    frame.set(ATTACKER_MAC, 6);
    frame[12] = 0x08;
    frame[13] = 0x00;
    frame.set(ipPacket, 14);
    link.b.transmit(frame);
  };
  const server = h2.udp.createSocket();
  server.bind(7);
  const delivered: Uint8Array[] = [];
  server.onMessage = (m) => delivered.push(m.data);
  return { net, h2, send, received, delivered, link };
}

/** An IPv4 packet (header checksum filled) carrying `data` from the attacker to the victim. */
function packet(
  data: Uint8Array,
  fields: {
    id?: number;
    offset?: number;
    more?: boolean;
    protocol?: number;
    ttl?: number;
    options?: number[];
  } = {},
): Uint8Array {
  const options = fields.options ?? [];
  const headerLength = 20 + options.length;
  const bytes = new Uint8Array(headerLength + data.length);
  bytes[0] = 0x40 | (headerLength / 4);
  bytes[2] = bytes.length >> 8;
  bytes[3] = bytes.length & 0xff;
  bytes[4] = (fields.id ?? 1) >> 8;
  bytes[5] = (fields.id ?? 1) & 0xff;
  const word = ((fields.offset ?? 0) >> 3) | (fields.more ? 0x2000 : 0);
  bytes[6] = word >> 8;
  bytes[7] = word & 0xff;
  bytes[8] = fields.ttl ?? 64;
  bytes[9] = fields.protocol ?? 17;
  bytes.set(ATTACKER_IP, 12);
  bytes.set(VICTIM_IP, 16);
  bytes.set(options, 20);
  const checksum = internetChecksum(bytes, 0, headerLength);
  bytes[10] = checksum >> 8;
  bytes[11] = checksum & 0xff;
  bytes.set(data, headerLength);
  return bytes;
}

/** A UDP datagram to port 7 with no checksum (0 is allowed over IPv4). */
function udp(data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(8 + data.length);
  bytes[0] = 0x30;
  bytes[1] = 0x39;
  bytes[3] = 7;
  bytes[4] = bytes.length >> 8;
  bytes[5] = bytes.length & 0xff;
  bytes.set(data, 8);
  return bytes;
}

test("well-formed fragments from the wire are reassembled and delivered", () => {
  const { net, h2, send, delivered } = victim();
  const datagram = udp(new Uint8Array(40).fill(0x61));
  send(packet(datagram.subarray(24), { offset: 24 }));
  send(packet(datagram.subarray(0, 24), { more: true }));
  net.runFor(SECOND);
  assert.equal(delivered.length, 1);
  assert.deepEqual(delivered[0], new Uint8Array(40).fill(0x61));
  assert.equal(h2.ipv4.counters.reasmOKs, 1);
});

test("hostile fragments: overlap, tiny, never completed, flood — all bounded and counted", () => {
  const { net, h2, send, delivered, received } = victim();
  const counters = h2.ipv4.counters;
  const datagram = udp(new Uint8Array(40).fill(0x61));

  // Overlap: a second fragment rewrites octets 16..31 (inside the first one).
  send(packet(datagram.subarray(0, 32), { id: 10, more: true }));
  send(packet(new Uint8Array(32).fill(0xee), { id: 10, offset: 16 }));
  // Tiny: a TCP fragment at offset 1 (8 octets), and a first fragment of 8 octets of TCP.
  send(packet(new Uint8Array(16), { id: 11, offset: 8, more: true, protocol: 6 }));
  send(packet(new Uint8Array(8), { id: 12, more: true, protocol: 6 }));
  net.runFor(SECOND);
  assert.equal(counters.reasmOverlaps, 1);
  assert.equal(counters.drops.get("frag-overlap"), 1);
  assert.equal(counters.drops.get("frag-tcp-offset-1"), 1);
  assert.equal(counters.drops.get("frag-tiny-first"), 1);
  assert.equal(delivered.length, 0);

  // Never completed: fragment zero of datagram 20 and a middle piece of datagram 21.
  send(packet(datagram.subarray(0, 16), { id: 20, more: true }));
  send(packet(datagram.subarray(16, 24), { id: 21, offset: 16, more: true }));
  net.runFor(29 * SECOND);
  const icmpBefore = received.filter(isTimeExceeded).length;
  net.runFor(2 * SECOND);
  assert.equal(counters.reasmTimeout, 2);
  // Time Exceeded (reassembly) only for the datagram whose fragment zero came (RFC 1122 §3.3.2).
  const timeExceeded = received.filter(isTimeExceeded);
  assert.equal(timeExceeded.length - icmpBefore, 1);
  const quote = timeExceeded[0].subarray(14 + 20 + 8);
  assert.equal((quote[4] << 8) | quote[5], 20, "the ICMP message quotes datagram 20");

  // Flood: 20,000 first fragments of 1000 octets: memory stays within the 4 MiB budget.
  const chunk = udp(new Uint8Array(992));
  for (let id = 1000; id < 21_000; id++) send(packet(chunk, { id, more: true }));
  net.runFor(SECOND);
  assert.ok(h2.ipv4.reassemblyMemory <= 4 * 1024 * 1024, String(h2.ipv4.reassemblyMemory));
  assert.ok(counters.drops.get("frag-evicted") > 15_000);
  // Everything expires; nothing is left behind.
  net.runFor(31 * SECOND);
  assert.equal(h2.ipv4.reassemblyMemory, 0);
  assert.equal(delivered.length, 0);
});

function isTimeExceeded(frame: Uint8Array): boolean {
  return frame.length > 34 && frame[23] === 1 && frame[34] === 11 && frame[35] === 1;
}

test("malformed packets are counted by reason, never thrown, and the host keeps working", () => {
  const { net, h2, send, link } = victim();
  const counters = h2.ipv4.counters;
  const good = packet(udp(new Uint8Array(4)));
  const mutate = (f: (p: Uint8Array) => void, fixChecksum = true) => {
    const p = good.slice();
    f(p);
    if (fixChecksum) {
      p[10] = 0;
      p[11] = 0;
      const c = internetChecksum(p, 0, (p[0] & 15) * 4 <= p.length ? (p[0] & 15) * 4 : 20);
      p[10] = c >> 8;
      p[11] = c & 0xff;
    }
    return p;
  };
  send(mutate((p) => (p[0] = 0x65))); // version 6 in an IPv4 frame
  send(mutate((p) => (p[0] = 0x44))); // IHL 4
  send(mutate((p) => (p[3] = 10))); // total length below the header
  send(mutate((p) => (p[3] = 200))); // total length beyond the frame
  send(mutate((p) => (p[10] ^= 0xff), false)); // bad checksum
  send(good.subarray(0, 12)); // truncated header
  send(mutate((p) => p.set([127, 0, 0, 1], 12))); // martian source
  link.b.transmit(new Uint8Array(6)); // runt frame
  net.runFor(SECOND);
  assert.equal(counters.drops.get("bad-version"), 1);
  assert.equal(counters.drops.get("bad-header-length"), 1);
  assert.equal(counters.drops.get("bad-total-length"), 1);
  assert.equal(counters.drops.get("truncated"), 2);
  assert.equal(counters.drops.get("bad-checksum"), 1);
  assert.equal(counters.drops.get("martian-source"), 1);
  assert.equal(counters.inHdrErrors, 4);
  assert.equal(counters.inTruncatedPkts, 2);
  assert.equal(h2.interface("eth0").counters.drops.get("runt-frame"), 1);
});

test("bad options earn a parameter problem; source routes are dropped", () => {
  const { net, h2, send, received } = victim();
  // Record Route with a length that runs past the header.
  send(packet(udp(new Uint8Array(4)), { options: [7, 12, 4, 0] }));
  // Loose source route (valid format, one address).
  send(packet(udp(new Uint8Array(4)), { options: [131, 7, 4, 10, 0, 0, 9, 0] }));
  net.runFor(SECOND);
  assert.equal(h2.ipv4.counters.drops.get("bad-options"), 1);
  assert.equal(h2.ipv4.counters.drops.get("source-routed"), 1);
  const problems = received.filter((f) => f.length > 34 && f[23] === 1 && f[34] === 12);
  assert.equal(problems.length, 1);
  assert.equal(problems[0][38], 21, "the pointer names the option length octet");
});

test("property: random frames and mutated packets never throw, and ping still works after", async () => {
  const { net, h2, send, link } = victim();
  const base = packet(udp(new Uint8Array(12)), { more: false });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 120 }).map((bytes) => ({ raw: bytes })),
        fc
          .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })
          .map((edits) => {
            const p = base.slice();
            for (const [at, value] of edits) p[at] = value;
            return { ip: p };
          }),
      ),
      (input) => {
        if ("raw" in input) link.b.transmit(input.raw);
        else send(input.ip);
        net.runFor(1_000_000);
      },
    ),
    { numRuns: 400 },
  );
  // Still alive: answer a ping from a proper neighbour.
  const h1 = net.addHost("h1");
  const l2 = new Link(net.scheduler, { name: "l2" });
  h1.attach("eth0", l2.a);
  h2.attach("eth1", l2.b);
  h1.addAddress("eth0", "10.1.0.1/24");
  h2.addAddress("eth1", "10.1.0.2/24");
  const run = ping(h1, "10.1.0.2", { count: 2 });
  net.runUntilDone(run);
  assert.equal((await run.result).received, 2);
  assert.ok(h2.ipv4.isLocalAddress(Ipv4Address.parse("10.1.0.2")));
});

test("a router records its address in a Record Route option and decrements TTL (checksum stays valid)", () => {
  const net = new Network({ seed: 6 });
  const r1 = net.addRouter("r1");
  const left = new Link(net.scheduler, { name: "left" });
  const right = new Link(net.scheduler, { name: "right" });
  r1.attach("eth0", left.a);
  r1.attach("eth1", right.a);
  r1.addAddress("eth0", "10.0.0.1/24").addAddress("eth1", "10.0.1.1/24");
  r1.addStaticArp("eth1", "10.0.1.2", "02:00:00:00:00:77");
  const out: Uint8Array[] = [];
  right.b.onReceive = (f) => out.push(f);
  // From 10.0.0.66 to 10.0.1.2 with an empty Record Route option of 2 slots (+ EOL padding).
  const ip = packet(udp(new Uint8Array(4)), { ttl: 9, options: [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
  ip.set([10, 0, 1, 2], 16);
  ip[10] = 0;
  ip[11] = 0;
  const c = internetChecksum(ip, 0, 32);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  const frame = new Uint8Array(14 + ip.length);
  r1.interface("eth0").mac.writeTo(frame, 0);
  frame.set(ATTACKER_MAC, 6);
  frame[12] = 8;
  frame.set(ip, 14);
  left.b.transmit(frame);
  net.runFor(SECOND);
  const forwarded = out.find((f) => f[12] === 8 && f[13] === 0)!;
  assert.ok(forwarded);
  const header = forwarded.subarray(14, 14 + 32);
  assert.equal(header[8], 8, "TTL decremented");
  assert.equal(internetChecksum(header), 0, "header checksum valid");
  assert.deepEqual([...header.subarray(20, 31)], [7, 11, 8, 10, 0, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(
    [...frame.subarray(14 + 20, 14 + 24)],
    [7, 11, 4, 0],
    "the received frame was not modified",
  );
});
