/**
 * NAT's packet surgery: every incremental checksum update (RFC 1624) must give what summing again
 * would, for the IPv4 header, TCP, UDP, ICMP echo and the ICMP error that quotes a datagram
 * (RFC 5508); and the TCP session state machine (RFC 6146 §3.5.2.2).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  findQuotedPacket,
  rewriteAddress,
  rewriteEndpoint,
  rewriteQuotedEndpoint,
  Side,
} from "../../src/net/nat/rewrite.js";
import { NatTcpState, nextTcpState } from "../../src/net/nat/tcp-state.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { internetChecksum } from "../../src/wire/checksum.js";
import { emitIcmpv4 } from "../../src/wire/icmpv4.js";
import { emitIpv4, IpProtocol, Ipv4View } from "../../src/wire/ipv4.js";
import { emitTcp, TcpFlags, TcpView } from "../../src/wire/tcp.js";
import { emitUdp, UdpView } from "../../src/wire/udp.js";

type Kind = "tcp" | "udp" | "icmp";

/** An IPv4 datagram of `kind` with correct checksums. */
function datagram(
  kind: Kind,
  src: number,
  dst: number,
  sport: number,
  dport: number,
  data: Uint8Array,
): Uint8Array {
  const pseudo = { src: new Ipv4Address(src), dst: new Ipv4Address(dst) };
  let transport: Uint8Array;
  if (kind === "udp") {
    transport = new Uint8Array(8 + data.length);
    emitUdp({ srcPort: sport, dstPort: dport, payload: data }, transport, pseudo);
  } else if (kind === "tcp") {
    transport = new Uint8Array(20 + data.length);
    emitTcp(
      {
        srcPort: sport,
        dstPort: dport,
        seq: 1,
        ack: 2,
        flags: TcpFlags.ACK,
        window: 100,
        urgentPointer: 0,
        options: [],
        payload: data,
      },
      transport,
      pseudo,
    );
  } else {
    transport = new Uint8Array(8 + data.length);
    emitIcmpv4({ kind: "echo-request", identifier: sport, sequence: 7, data }, transport);
  }
  const packet = new Uint8Array(20 + transport.length);
  emitIpv4(
    {
      dscp: 0,
      ecn: 0,
      identification: 9,
      reservedFlag: false,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: kind === "tcp" ? IpProtocol.TCP : kind === "udp" ? IpProtocol.UDP : IpProtocol.ICMP,
      src: pseudo.src,
      dst: pseudo.dst,
      options: [],
      payload: transport,
    },
    packet,
  );
  return packet;
}

/** Whether every checksum of `packet` verifies. */
function checksumsValid(packet: Uint8Array): boolean {
  const ip = new Ipv4View(packet);
  if (!ip.verifyChecksum()) return false;
  const pseudo = { src: ip.src, dst: ip.dst };
  const payload = packet.subarray(20, ip.totalLength);
  if (ip.protocol === IpProtocol.TCP) return new TcpView(payload).verifyChecksum(pseudo);
  if (ip.protocol === IpProtocol.UDP) return new UdpView(payload).verifyChecksum(pseudo);
  return internetChecksum(payload) === 0;
}

const kinds = fc.constantFrom<Kind>("tcp", "udp", "icmp");
const address = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 0, max: 0xffff });
const data = fc.uint8Array({ maxLength: 64 });

test("rewriting either endpoint keeps every checksum right, whatever the values", () => {
  fc.assert(
    fc.property(
      kinds,
      address,
      address,
      port,
      port,
      data,
      fc.boolean(),
      address,
      port,
      (kind, src, dst, sp, dp, payload, source, newAddress, newPort) => {
        const packet = datagram(kind, src, dst, sp, dp, payload);
        rewriteEndpoint(packet, 0, source ? Side.Source : Side.Destination, newAddress, newPort);
        assert.ok(checksumsValid(packet));
        const view = new Ipv4View(packet);
        assert.equal(source ? view.srcValue : view.dstValue, newAddress);
        const t = packet.subarray(20);
        const portAt = kind === "icmp" ? 4 : source ? 0 : 2;
        assert.equal((t[portAt] << 8) | t[portAt + 1], newPort);
      },
    ),
    { numRuns: 500 },
  );
});

test("a wrong checksum stays wrong (RFC 3022 §4.2: NAT must not hide corruption)", () => {
  fc.assert(
    fc.property(
      kinds,
      address,
      address,
      port,
      port,
      data,
      address,
      port,
      (kind, src, dst, sp, dp, payload, newAddress, newPort) => {
        const packet = datagram(kind, src, dst, sp, dp, payload);
        const at = 20 + (kind === "tcp" ? 16 : kind === "udp" ? 6 : 2);
        packet[at] ^= 0x5a; // damage the transport checksum
        if (kind === "udp" && packet[at] === 0 && packet[at + 1] === 0) return; // "no checksum"
        rewriteEndpoint(packet, 0, Side.Source, newAddress, newPort);
        assert.equal(checksumsValid(packet), false);
      },
    ),
    { numRuns: 300 },
  );
});

test("a UDP datagram sent without a checksum (0) keeps none", () => {
  const packet = datagram("udp", 0x0a000001, 0x0a000002, 1000, 53, Uint8Array.of(1, 2, 3));
  packet[26] = 0;
  packet[27] = 0;
  new Ipv4View(packet).fillChecksum();
  rewriteEndpoint(packet, 0, Side.Source, 0xcb007102, 4000);
  assert.equal((packet[26] << 8) | packet[27], 0);
  assert.ok(new Ipv4View(packet).verifyChecksum());
});

test("an ICMP error's quoted datagram is rewritten with all four checksums right (RFC 5508 REQ-4/5)", () => {
  fc.assert(
    fc.property(
      kinds,
      address,
      address,
      port,
      port,
      data,
      fc.boolean(),
      address,
      port,
      address,
      (kind, src, dst, sp, dp, payload, source, newAddress, newPort, outer) => {
        const inner = datagram(kind, src, dst, sp, dp, payload);
        const icmp = new Uint8Array(8 + inner.length);
        emitIcmpv4({ kind: "destination-unreachable", code: 3, nextHopMtu: 0, invoking: inner }, icmp);
        const error = datagram("icmp", outer, src, 0, 0, new Uint8Array(0)).subarray(0, 20);
        const packet = new Uint8Array(20 + icmp.length);
        packet.set(error);
        packet.set(icmp, 20);
        packet[2] = packet.length >>> 8;
        packet[3] = packet.length & 0xff;
        new Ipv4View(packet).fillChecksum();
        const quoted = findQuotedPacket(packet, 20, packet.length)!;
        assert.equal(quoted.src, src);
        rewriteQuotedEndpoint(
          packet,
          20,
          quoted,
          source ? Side.Source : Side.Destination,
          newAddress,
          newPort,
        );
        rewriteAddress(packet, 0, Side.Destination, newAddress);
        assert.ok(new Ipv4View(packet).verifyChecksum(), "outer IP header");
        assert.equal(internetChecksum(packet, 20, packet.length), 0, "ICMP message");
        assert.ok(checksumsValid(packet.subarray(28)), "quoted datagram and its transport");
        const after = findQuotedPacket(packet, 20, packet.length)!;
        assert.equal(source ? after.src : after.dst, newAddress);
        assert.equal(source ? after.srcPort : after.dstPort, newPort);
      },
    ),
    { numRuns: 300 },
  );
});

test("an ICMP error quoting only 8 octets of TCP (no checksum quoted) is still translated consistently", () => {
  const inner = datagram("tcp", 0xcb007102, 0xc6336410, 40000, 80, new Uint8Array(0)).subarray(0, 28);
  const icmp = new Uint8Array(8 + inner.length);
  emitIcmpv4({ kind: "time-exceeded", code: 0, invoking: inner }, icmp);
  const quoted = findQuotedPacket(icmp, 0, icmp.length)!;
  rewriteQuotedEndpoint(icmp, 0, quoted, Side.Source, 0xc0a8010a, 40001);
  assert.equal(internetChecksum(icmp), 0);
  assert.equal(internetChecksum(icmp, 8, 28), 0, "quoted IP header");
  assert.equal((icmp[28] << 8) | icmp[29], 40001);
});

test("findQuotedPacket refuses quotes that are too short, not IPv4, or of other protocols", () => {
  const inner = datagram("udp", 1, 2, 3, 4, new Uint8Array(0));
  const icmp = new Uint8Array(8 + inner.length);
  emitIcmpv4({ kind: "time-exceeded", code: 0, invoking: inner }, icmp);
  assert.ok(findQuotedPacket(icmp, 0, icmp.length));
  assert.equal(findQuotedPacket(icmp, 0, icmp.length - 1), undefined);
  const v6 = icmp.slice();
  v6[8] = 0x65;
  assert.equal(findQuotedPacket(v6, 0, v6.length), undefined);
  const gre = icmp.slice();
  gre[8 + 9] = 47;
  assert.equal(findQuotedPacket(gre, 0, gre.length), undefined);
});

test("the TCP session states follow RFC 6146 §3.5.2.2", () => {
  const { SYN, FIN, RST, ACK } = TcpFlags;
  const run = (steps: [number, boolean][]) =>
    steps.reduce<NatTcpState>((state, [flags, out]) => nextTcpState(state, flags, out), NatTcpState.Closed);
  // An ordinary connection from inside: SYN out, SYN-ACK in, data, FIN out, FIN in.
  assert.equal(run([[SYN, true]]), NatTcpState.InsideInit);
  assert.equal(
    run([
      [SYN, true],
      [SYN | ACK, false],
    ]),
    NatTcpState.Established,
  );
  assert.equal(
    run([
      [SYN, true],
      [SYN | ACK, false],
      [FIN | ACK, true],
    ]),
    NatTcpState.InsideFin,
  );
  assert.equal(
    run([
      [SYN, true],
      [SYN | ACK, false],
      [FIN | ACK, true],
      [FIN | ACK, false],
    ]),
    NatTcpState.BothFin,
  );
  // From outside (port forward), and simultaneous open (RFC 5382 REQ-2a).
  assert.equal(
    run([
      [SYN, false],
      [SYN | ACK, true],
    ]),
    NatTcpState.Established,
  );
  assert.equal(
    run([
      [SYN, true],
      [SYN, false],
    ]),
    NatTcpState.Established,
  );
  // Data before any SYN does not open anything; a RST makes an established session transitory,
  // and anything but a RST brings it back.
  assert.equal(run([[ACK, true]]), NatTcpState.Closed);
  assert.equal(
    run([
      [SYN, true],
      [SYN | ACK, false],
      [RST, false],
    ]),
    NatTcpState.Transitory,
  );
  assert.equal(
    run([
      [SYN, true],
      [SYN | ACK, false],
      [RST, false],
      [ACK, true],
    ]),
    NatTcpState.Established,
  );
  // BOTH_FIN is final.
  assert.equal(
    run([
      [SYN, true],
      [SYN | ACK, false],
      [FIN, false],
      [FIN, true],
      [SYN, true],
    ]),
    NatTcpState.BothFin,
  );
});
