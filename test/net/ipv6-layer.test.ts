/**
 * IPv6 input from the wire (RFC 8200): extension headers and their processing rules, fragments
 * and reassembly (RFC 5722 overlaps, RFC 7112 header chains, RFC 6946 atomic fragments), the
 * ICMPv6 errors each case owes (RFC 4443) and their limits.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { SECOND } from "../../src/sim/time.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import {
  ATTACKER,
  concat,
  extension,
  fragmentHeader,
  icmp6,
  icmpErrors,
  ipv6Packet,
  udp6,
  VICTIM,
  victim,
} from "./ipv6-support.js";

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DEST_OPTS = 60;
const UDP = 17;

test("a UDP datagram over IPv6 is delivered; a zero checksum is refused (RFC 8200 §8.1)", () => {
  const { net, h2, send, delivered } = victim();
  send(ipv6Packet(udp6(Uint8Array.of(1, 2, 3)), { nextHeader: UDP }));
  send(ipv6Packet(udp6(Uint8Array.of(4), {}, {}, 0), { nextHeader: UDP }));
  net.runFor(SECOND);
  assert.deepEqual(delivered, [Uint8Array.of(1, 2, 3)]);
  assert.equal(h2.udp.counters.drops.get("zero-checksum"), 1);
  assert.equal(h2.ipv6.counters.inDelivers, 2);
});

test("fragments arriving out of order are reassembled; the datagram continues after the Fragment header", () => {
  const { net, h2, send, delivered } = victim();
  const data = new Uint8Array(100).map((_, i) => i);
  const datagram = udp6(data);
  const id = 0x01020304;
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 64, false, id), datagram.subarray(64)), { nextHeader: FRAGMENT }),
  );
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 32, true, id), datagram.subarray(32, 64)), {
      nextHeader: FRAGMENT,
    }),
  );
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 0, true, id), datagram.subarray(0, 32)), { nextHeader: FRAGMENT }),
  );
  net.runFor(SECOND);
  assert.equal(delivered.length, 1);
  assert.deepEqual(delivered[0], data);
  assert.equal(h2.ipv6.counters.reasmOKs, 1);
  assert.equal(h2.ipv6.counters.reasmReqds, 3);
});

test("an unfragmentable Destination Options header before the Fragment header is kept in the reassembled packet", () => {
  const { net, send, delivered } = victim();
  const datagram = udp6(new Uint8Array(40).fill(7));
  const opts = extension(FRAGMENT, [1, 4, 0, 0, 0, 0]); // PadN
  send(
    ipv6Packet(concat(opts, fragmentHeader(UDP, 0, true, 9), datagram.subarray(0, 24)), {
      nextHeader: DEST_OPTS,
    }),
  );
  send(
    ipv6Packet(concat(opts, fragmentHeader(UDP, 24, false, 9), datagram.subarray(24)), {
      nextHeader: DEST_OPTS,
    }),
  );
  net.runFor(SECOND);
  assert.deepEqual(delivered, [new Uint8Array(40).fill(7)]);
});

test("an atomic fragment (offset 0, M clear) is processed on its own, never reassembled (RFC 6946)", () => {
  const { net, h2, send, delivered } = victim();
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 0, false, 5), udp6(Uint8Array.of(9))), { nextHeader: FRAGMENT }),
  );
  net.runFor(SECOND);
  assert.deepEqual(delivered, [Uint8Array.of(9)]);
  assert.equal(h2.ipv6.counters.reasmReqds, 0);
});

test("overlapping fragments discard the whole datagram (RFC 5722); exact duplicates are only ignored", () => {
  const { net, h2, send, delivered } = victim();
  const datagram = udp6(new Uint8Array(56).fill(0x61));
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 0, true, 1), datagram.subarray(0, 32)), { nextHeader: FRAGMENT }),
  );
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 16, false, 1), new Uint8Array(48).fill(0xee)), {
      nextHeader: FRAGMENT,
    }),
  );
  // The rest of the genuine datagram cannot revive it.
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 32, false, 1), datagram.subarray(32)), { nextHeader: FRAGMENT }),
  );
  // Another datagram with a duplicated fragment still completes.
  const other = udp6(new Uint8Array(40).fill(0x62));
  const first = ipv6Packet(concat(fragmentHeader(UDP, 0, true, 2), other.subarray(0, 24)), {
    nextHeader: FRAGMENT,
  });
  send(first);
  send(first);
  send(ipv6Packet(concat(fragmentHeader(UDP, 24, false, 2), other.subarray(24)), { nextHeader: FRAGMENT }));
  net.runFor(SECOND);
  assert.equal(h2.ipv6.counters.reasmOverlaps, 1);
  assert.equal(h2.ipv6.counters.drops.get("frag-overlap"), 1);
  assert.equal(h2.ipv6.counters.drops.get("frag-duplicate"), 1);
  assert.deepEqual(delivered, [new Uint8Array(40).fill(0x62)]);
});

test("malformed fragments earn Parameter Problem with the RFC 8200 §4.5 pointers; an incomplete chain code 3 (RFC 7112)", () => {
  const { net, send, received } = victim();
  // Not a multiple of 8 with M set: pointer to Payload Length (4).
  send(ipv6Packet(concat(fragmentHeader(UDP, 0, true, 3), new Uint8Array(20)), { nextHeader: FRAGMENT }));
  // Offset + length beyond 65535: pointer to the Fragment Offset field (40 + 2).
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 65528, false, 4), new Uint8Array(16)), { nextHeader: FRAGMENT }),
  );
  // First fragment without the whole upper-layer header: code 3.
  send(
    ipv6Packet(concat(fragmentHeader(ROUTING, 0, true, 5), Uint8Array.of(UDP, 4, 0, 0, 0, 0, 0, 0)), {
      nextHeader: FRAGMENT,
    }),
  );
  net.runFor(SECOND);
  assert.deepEqual(
    icmpErrors(received).map((e) => [e.type, e.code, e.word]),
    [
      [4, 0, 4],
      [4, 0, 42],
      [4, 3, 0],
    ],
  );
});

test("reassembly is abandoned after 60 s (RFC 8200 §4.5): Time Exceeded code 1 only when fragment zero came", () => {
  const { net, h2, send, received } = victim();
  const datagram = udp6(new Uint8Array(40));
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 0, true, 7), datagram.subarray(0, 24)), { nextHeader: FRAGMENT }),
  );
  send(
    ipv6Packet(concat(fragmentHeader(UDP, 24, false, 8), datagram.subarray(24)), { nextHeader: FRAGMENT }),
  );
  net.runFor(59 * SECOND);
  assert.equal(h2.ipv6.counters.reasmTimeout, 0);
  net.runFor(2 * SECOND);
  assert.equal(h2.ipv6.counters.reasmTimeout, 2);
  assert.deepEqual(
    icmpErrors(received).map((e) => [e.type, e.code]),
    [[3, 1]],
  );
  assert.equal(h2.ipv6.reassemblyPending, 0);
});

test("routing header type 0 is refused (RFC 5095): Parameter Problem at the type; Segments Left 0 is ignored", () => {
  const { net, send, received, delivered } = victim();
  const type0 = (segmentsLeft: number) =>
    extension(UDP, [0, segmentsLeft, 0, 0, 0, 0, ...Ipv6Address.parse("2001:db8::99").bytes]);
  send(ipv6Packet(concat(type0(1), udp6(Uint8Array.of(1))), { nextHeader: ROUTING }));
  send(ipv6Packet(concat(type0(0), udp6(Uint8Array.of(2))), { nextHeader: ROUTING }));
  // Segment Routing (type 4) is not ours to process either.
  send(
    ipv6Packet(concat(extension(UDP, [4, 1, 0, 0, 0, 0, ...new Uint8Array(16)]), udp6(Uint8Array.of(3))), {
      nextHeader: ROUTING,
    }),
  );
  net.runFor(SECOND);
  assert.deepEqual(delivered, [Uint8Array.of(2)]);
  assert.deepEqual(
    icmpErrors(received).map((e) => [e.type, e.code, e.word]),
    [
      [4, 0, 42],
      [4, 0, 42],
    ],
  );
});

test("unknown options follow their type's action bits (RFC 8200 §4.2)", () => {
  const { net, send, received, delivered } = victim();
  const withOption = (type: number, dst = VICTIM) =>
    ipv6Packet(concat(extension(UDP, [type, 4, 0, 0, 0, 0]), udp6(Uint8Array.of(type), {}, { dst })), {
      nextHeader: DEST_OPTS,
      dst,
    });
  send(withOption(0x1e)); // 00: skip
  send(withOption(0x5e)); // 01: discard silently
  send(withOption(0x9e)); // 10: discard, Parameter Problem code 2
  send(withOption(0xde)); // 11: discard, Parameter Problem unless the destination is multicast
  net.runFor(SECOND);
  assert.deepEqual(delivered, [Uint8Array.of(0x1e)]);
  assert.deepEqual(
    icmpErrors(received).map((e) => [e.type, e.code, e.word]),
    [
      [4, 2, 42],
      [4, 2, 42],
    ],
  );
});

test("a Hop-by-Hop header that does not come first is an unrecognized Next Header (code 1) at the field that named it", () => {
  const { net, send, received, delivered } = victim();
  send(
    ipv6Packet(
      concat(
        extension(HOP_BY_HOP, [1, 4, 0, 0, 0, 0]),
        extension(UDP, [1, 4, 0, 0, 0, 0]),
        udp6(Uint8Array.of(1)),
      ),
      { nextHeader: DEST_OPTS },
    ),
  );
  // Hop-by-Hop first, with a Router Alert, is fine.
  send(
    ipv6Packet(concat(extension(UDP, [5, 2, 0, 0, 1, 0]), udp6(Uint8Array.of(2))), {
      nextHeader: HOP_BY_HOP,
    }),
  );
  net.runFor(SECOND);
  assert.deepEqual(delivered, [Uint8Array.of(2)]);
  assert.deepEqual(
    icmpErrors(received).map((e) => [e.type, e.code, e.word]),
    [[4, 1, 40]],
  );
});

test("an unknown upper-layer protocol: Parameter Problem code 1 pointing at its Next Header field", () => {
  const { net, h2, send, received } = victim();
  send(ipv6Packet(new Uint8Array(8), { nextHeader: 132 }));
  send(ipv6Packet(concat(extension(132, [1, 4, 0, 0, 0, 0]), new Uint8Array(8)), { nextHeader: DEST_OPTS }));
  net.runFor(SECOND);
  assert.deepEqual(
    icmpErrors(received).map((e) => [e.type, e.code, e.word]),
    [
      [4, 1, 6],
      [4, 1, 40],
    ],
  );
  assert.equal(h2.ipv6.counters.inUnknownProtos, 2);
});

test("no port: Destination Unreachable code 4 quoting the datagram; never about multicast, ICMPv6 errors or bad sources", () => {
  const { net, send, received } = victim();
  send(ipv6Packet(udp6(Uint8Array.of(1), { dst: 9 }), { nextHeader: UDP }));
  // To a group we listen to (all nodes): no error.
  const allNodes = Ipv6Address.parse("ff02::1");
  send(ipv6Packet(udp6(Uint8Array.of(1), { dst: 9 }, { dst: allNodes }), { nextHeader: UDP, dst: allNodes }));
  // An ICMPv6 error about something, with an unknown option that says "report": still no error.
  const error = icmp6(1, 0, new Uint8Array(52));
  send(ipv6Packet(concat(extension(58, [0x9e, 4, 0, 0, 0, 0]), error), { nextHeader: DEST_OPTS }));
  // From the unspecified address: no one to tell.
  send(
    ipv6Packet(udp6(Uint8Array.of(1), { dst: 9 }, { src: Ipv6Address.UNSPECIFIED }), {
      nextHeader: UDP,
      src: Ipv6Address.UNSPECIFIED,
    }),
  );
  net.runFor(SECOND);
  const errors = icmpErrors(received);
  assert.deepEqual(
    errors.map((e) => [e.type, e.code, e.dst]),
    [[1, 4, ATTACKER.toString()]],
  );
});

test("errors are rate limited per destination (6 at once, then 1/s) like Linux; Packet Too Big is not", () => {
  const { net, h2, send, received } = victim();
  for (let i = 0; i < 20; i++) send(ipv6Packet(udp6(Uint8Array.of(i), { dst: 9 }), { nextHeader: UDP }));
  net.runFor(SECOND / 2);
  assert.equal(icmpErrors(received).length, 6);
  assert.equal(h2.ipv6.icmp.counters.outRateLimited, 14);
  net.runFor(SECOND);
  send(ipv6Packet(udp6(Uint8Array.of(99), { dst: 9 }), { nextHeader: UDP }));
  net.runFor(SECOND / 2);
  assert.equal(icmpErrors(received).length, 7);
});

test("martian packets are dropped: multicast or loopback source, loopback destination, scope-0 multicast", () => {
  const { net, h2, send, delivered } = victim();
  send(ipv6Packet(udp6(Uint8Array.of(1)), { nextHeader: UDP, src: Ipv6Address.parse("ff02::1") }));
  send(ipv6Packet(udp6(Uint8Array.of(2)), { nextHeader: UDP, src: Ipv6Address.LOOPBACK }));
  send(ipv6Packet(udp6(Uint8Array.of(3)), { nextHeader: UDP, dst: Ipv6Address.LOOPBACK }));
  send(ipv6Packet(udp6(Uint8Array.of(4)), { nextHeader: UDP, dst: Ipv6Address.parse("ff00::1") }));
  net.runFor(SECOND);
  assert.deepEqual(delivered, []);
  assert.equal(h2.ipv6.counters.inAddrErrors, 4);
});

test("an echo request to all-nodes is answered from our unicast (link-local) address", () => {
  const { net, h2, send, received } = victim();
  const allNodes = Ipv6Address.parse("ff02::1");
  const src = Ipv6Address.parse("fe80::66");
  h2.ipv6.neighbors(h2.ipv6.interfaceState("eth0")!).addStatic(src, 0x02bad0000001);
  send(ipv6Packet(icmp6(128, 0, [0, 1, 0, 1, 0xaa], src, allNodes), { nextHeader: 58, src, dst: allNodes }));
  net.runFor(SECOND);
  const replies = received
    .map((f) => f.subarray(14))
    .filter((ip) => ip[6] === 58 && ip[40] === 129)
    .map((ip) => ({
      src: Ipv6Address.fromBytes(ip, 8).toString(),
      dst: Ipv6Address.fromBytes(ip, 24).toString(),
    }));
  assert.deepEqual(replies, [
    { src: h2.ipv6.interfaceState("eth0")!.linkLocal!.address.toString(), dst: "fe80::66" },
  ]);
});

test("property: any bytes after an IPv6 Ethernet header never throw and never grow memory without bound", () => {
  const { net, h2, send } = victim();
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
      fc.integer({ min: 0, max: 255 }),
      (body, next) => {
        const packet = ipv6Packet(body, { nextHeader: next });
        // Sometimes lie about the payload length too.
        if (body.length > 0 && body[0] & 1) packet[5] ^= body[0];
        send(packet);
        net.runFor(SECOND / 100);
      },
    ),
    { numRuns: 300 },
  );
  net.runFor(61 * SECOND);
  assert.equal(h2.ipv6.reassemblyPending, 0);
});
