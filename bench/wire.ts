/** Wire-format benchmarks: `tinkernet bench wire`. */
import { Ipv4Address } from "../src/wire/address/ipv4.js";
import { Ipv6Address } from "../src/wire/address/ipv6.js";
import { MacAddress } from "../src/wire/address/mac.js";
import { internetChecksum } from "../src/wire/checksum.js";
import { ETHERNET_HEADER_LENGTH, EtherType, emitEthernet, parseEthernet } from "../src/wire/ethernet.js";
import {
  emitIcmpv6,
  type Icmpv6Repr,
  icmpv6Length,
  parseIcmpv6,
  verifyIcmpv6Checksum,
} from "../src/wire/icmpv6.js";
import { emitIpv4, IpProtocol, type Ipv4Repr, Ipv4View, parseIpv4 } from "../src/wire/ipv4.js";
import { emitIpv6, IPV6_HEADER_LENGTH, parseIpv6 } from "../src/wire/ipv6.js";
import { walkIpv6Extensions } from "../src/wire/ipv6-extensions.js";
import { isParseError } from "../src/wire/parse-error.js";
import {
  emitTcp,
  parseTcp,
  segmentOptions,
  TcpFlags,
  type TcpRepr,
  TcpView,
  tcpHeaderLength,
} from "../src/wire/tcp.js";
import { opsPerSecond, type Report, round } from "./harness.js";

export function run(report: Report): void {
  checksum1500(report);
  ethIpv4Tcp(report);
  ipv6Icmpv6Echo(report);
}

function checksum1500(report: Report): void {
  const data = new Uint8Array(1500);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131) & 0xff;
  let sink = 0;
  const perSecond = opsPerSecond(() => {
    sink ^= internetChecksum(data);
  });
  report({
    suite: "wire",
    name: "checksum-1500",
    value: round((perSecond * 1500) / 1e9),
    unit: "GB/s",
    target: 4,
  });
  if (sink === -1) console.log(sink);
}

/**
 * An MTU-sized data segment as a bulk sender with SACK and timestamps emits it: a 1514-byte
 * Ethernet frame holding a 1500-byte IPv4 packet, a 60-byte TCP header (NOP, NOP, Timestamps,
 * NOP, NOP, SACK with 3 blocks: the 40 option bytes full) and 1420 bytes of data.
 */
function ethIpv4Tcp(report: Report): void {
  const src = Ipv4Address.parse("192.0.2.1");
  const dst = Ipv4Address.parse("198.51.100.2");
  const data = new Uint8Array(1420);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131) & 0xff;
  const tcp: TcpRepr = {
    srcPort: 443,
    dstPort: 50123,
    seq: 0x89abcdef,
    ack: 0x01234567,
    flags: TcpFlags.ACK | TcpFlags.PSH,
    window: 501,
    urgentPointer: 0,
    options: segmentOptions({ value: 0x12345678, echo: 0x9abcdef0 }, [
      { left: 0x01235000, right: 0x01236000 },
      { left: 0x01237000, right: 0x01238000 },
      { left: 0x01239000, right: 0x0123a000 },
    ]),
    payload: data,
  };
  const tcpLength = tcpHeaderLength(tcp) + data.length;
  const frame = new Uint8Array(ETHERNET_HEADER_LENGTH + 20 + tcpLength);
  const ipBytes = frame.subarray(ETHERNET_HEADER_LENGTH);
  const tcpBytes = ipBytes.subarray(20);
  const ip: Ipv4Repr = {
    dscp: 0,
    ecn: 0,
    identification: 0x1c46,
    reservedFlag: false,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: IpProtocol.TCP,
    src,
    dst,
    options: [],
    payload: tcpBytes,
  };
  const ethernet = {
    dst: MacAddress.parse("02:00:00:00:00:02"),
    src: MacAddress.parse("02:00:00:00:00:01"),
    ethertype: EtherType.IPv4,
    payload: ipBytes,
  };
  const pseudo = { src, dst };

  // Build the frame as a stack does, innermost first, each layer into its place in one buffer
  // (the data is copied from the "send buffer"; the headers below it are written in place).
  const emitFrame = (): number => {
    emitTcp(tcp, tcpBytes, pseudo);
    emitIpv4(ip, ipBytes);
    return emitEthernet(ethernet, frame);
  };
  if (emitFrame() !== 1514) throw new Error(`benchmark frame is ${frame.length} bytes, expected 1514`);

  // Parse as a host's receive path does: each layer, both checksums verified.
  let sink = 0;
  const parseFrame = (): void => {
    const eth = parseEthernet(frame);
    if (isParseError(eth) || eth.ethertype !== EtherType.IPv4) throw new Error("not IPv4");
    const packet = parseIpv4(eth.payload);
    if (isParseError(packet) || !new Ipv4View(eth.payload).verifyChecksum()) throw new Error("bad IPv4");
    const segment = parseTcp(packet.payload);
    if (isParseError(segment) || !new TcpView(packet.payload).verifyChecksum(packet))
      throw new Error("bad TCP");
    sink += segment.options.length;
  };
  parseFrame();

  report({
    suite: "wire",
    name: "parse-eth-ipv4-tcp",
    value: round(opsPerSecond(parseFrame, 2)),
    unit: "pkt/s",
    target: 2_000_000,
    frameBytes: frame.length,
  });
  report({
    suite: "wire",
    name: "emit-eth-ipv4-tcp",
    value: round(
      opsPerSecond(() => {
        sink += emitFrame();
      }, 2),
    ),
    unit: "pkt/s",
    target: 1_500_000,
    frameBytes: frame.length,
  });
  if (sink === -1) console.log(sink);
}

/**
 * IPv6 + ICMPv6 echo (a 64-octet ping, as `ping -6` sends): the receive path (parse, walk the
 * extension headers, verify the checksum, parse the message) and the send path.
 */
function ipv6Icmpv6Echo(report: Report): void {
  const src = Ipv6Address.parse("2001:db8::1");
  const dst = Ipv6Address.parse("2001:db8::2");
  const echo: Icmpv6Repr = {
    kind: "echo-request",
    code: 0,
    identifier: 1,
    sequence: 1,
    data: new Uint8Array(56),
  };
  const packet = new Uint8Array(IPV6_HEADER_LENGTH + icmpv6Length(echo));
  const message = packet.subarray(IPV6_HEADER_LENGTH);
  emitIcmpv6(echo, message, { src, dst });
  const ip = { dscp: 0, ecn: 0, flowLabel: 0, nextHeader: 58, hopLimit: 64, src, dst, payload: message };
  emitIpv6(ip, packet);
  let sink = 0;
  const parsePerSecond = opsPerSecond(() => {
    const repr = parseIpv6(packet);
    if (isParseError(repr)) return;
    const chain = walkIpv6Extensions(repr.nextHeader, repr.payload);
    if (isParseError(chain)) return;
    const body = repr.payload.subarray(chain.upperLayerOffset);
    if (!verifyIcmpv6Checksum(body, repr)) return;
    const icmp = parseIcmpv6(body);
    if (!isParseError(icmp) && icmp.kind === "echo-request") sink += icmp.sequence;
  });
  report({ suite: "wire", name: "parse-ipv6-icmpv6-echo", value: round(parsePerSecond), unit: "pkt/s" });
  const out = new Uint8Array(packet.length);
  const body = out.subarray(IPV6_HEADER_LENGTH);
  const emitPerSecond = opsPerSecond(() => {
    emitIcmpv6(echo, body, ip);
    emitIpv6(ip, out);
    sink += out[7];
  });
  report({ suite: "wire", name: "emit-ipv6-icmpv6-echo", value: round(emitPerSecond), unit: "pkt/s" });
  if (sink === -1) console.log(sink);
}
