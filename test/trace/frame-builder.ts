/**
 * Builds frames for the decoder tests out of the wire formats' own emitters, layer by layer from
 * the top (the transport checksum needs the addresses of the IP header it will travel in).
 */
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { type ArpRepr, emitArp } from "../../src/wire/arp.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import { EtherType, emitEthernet } from "../../src/wire/ethernet.js";
import { emitIcmpv4, type Icmpv4Repr, icmpv4Length } from "../../src/wire/icmpv4.js";
import { emitIcmpv6, type Icmpv6Repr, icmpv6Length } from "../../src/wire/icmpv6.js";
import { emitIpv4, type Ipv4Repr, ipv4Length } from "../../src/wire/ipv4.js";
import { NO_IPV4_OPTIONS } from "../../src/wire/ipv4-options.js";
import { emitIpv6, type Ipv6Repr } from "../../src/wire/ipv6.js";
import {
  emitIpv6Extensions,
  type Ipv6ExtensionHeader,
  ipv6ExtensionHeaderProtocol,
  ipv6ExtensionsLength,
} from "../../src/wire/ipv6-extensions.js";
import { emitTcp, type TcpRepr, tcpHeaderLength } from "../../src/wire/tcp.js";
import { emitUdp, type UdpRepr } from "../../src/wire/udp.js";

export const MAC_A = MacAddress.parse("02:00:00:00:00:0a");
export const MAC_B = MacAddress.parse("02:00:00:00:00:0b");
export const IP_A = Ipv4Address.parse("192.0.2.1");
export const IP_B = Ipv4Address.parse("198.51.100.2");
export const IP6_A = Ipv6Address.parse("2001:db8::a");
export const IP6_B = Ipv6Address.parse("2001:db8::b");

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An Ethernet II frame, padded to the 60-byte minimum like a real NIC would (unless `pad` is false). */
export function ethernet(
  ethertype: number,
  payload: Uint8Array,
  pad = true,
  src = MAC_A,
  dst = MAC_B,
): Uint8Array {
  const length = Math.max(14 + payload.length, pad ? 60 : 0);
  const frame = new Uint8Array(length);
  emitEthernet({ src, dst, ethertype, payload }, frame);
  return frame;
}

/** One 802.1Q/802.1ad tag. */
export interface Tag {
  tpid: number;
  id: number;
  priority: number;
  dropEligible?: boolean;
}

/** An Ethernet frame with `tags` stacked outermost first, then `ethertype` and `payload`. */
export function tagged(tags: Tag[], ethertype: number, payload: Uint8Array): Uint8Array {
  let inner = ethertype;
  let body = payload;
  for (let i = tags.length - 1; i >= 0; i--) {
    const tag = tags[i];
    const tci = (tag.priority << 13) | (tag.dropEligible ? 0x1000 : 0) | tag.id;
    body = concat(Uint8Array.of(tci >>> 8, tci & 0xff, inner >>> 8, inner & 0xff), body);
    inner = tag.tpid;
  }
  return ethernet(inner, body);
}

export function arp(repr: ArpRepr): Uint8Array {
  const bytes = new Uint8Array(28);
  emitArp(repr, bytes);
  return bytes;
}

/** An IPv4 packet; unspecified fields take plain defaults (TTL 64, DF clear, no options). */
export function ipv4(
  fields: Partial<Ipv4Repr> & Pick<Ipv4Repr, "protocol">,
  payload: Uint8Array,
): Uint8Array {
  const repr: Ipv4Repr = {
    dscp: 0,
    ecn: 0,
    identification: 0x1234,
    reservedFlag: false,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    src: IP_A,
    dst: IP_B,
    options: NO_IPV4_OPTIONS,
    ...fields,
    payload,
  };
  const bytes = new Uint8Array(ipv4Length(repr));
  emitIpv4(repr, bytes);
  return bytes;
}

/**
 * An IPv6 packet with `extensions` (their next-header fields are chained here: each points at the
 * next, the last at `upperProtocol`) and `upper` as the upper-layer bytes.
 */
export function ipv6(
  fields: Partial<Omit<Ipv6Repr, "payload" | "nextHeader">>,
  extensions: Ipv6ExtensionHeader[],
  upperProtocol: number,
  upper: Uint8Array,
): Uint8Array {
  const chained = extensions.map((header, i) => ({
    ...header,
    nextHeader: i + 1 < extensions.length ? ipv6ExtensionHeaderProtocol(extensions[i + 1]) : upperProtocol,
  })) as Ipv6ExtensionHeader[];
  const headerBytes = new Uint8Array(ipv6ExtensionsLength(chained));
  emitIpv6Extensions(chained, headerBytes);
  const repr: Ipv6Repr = {
    dscp: 0,
    ecn: 0,
    flowLabel: 0,
    hopLimit: 64,
    src: IP6_A,
    dst: IP6_B,
    ...fields,
    nextHeader: chained.length > 0 ? ipv6ExtensionHeaderProtocol(chained[0]) : upperProtocol,
    payload: concat(headerBytes, upper),
  };
  const bytes = new Uint8Array(40 + repr.payload.length);
  emitIpv6(repr, bytes);
  return bytes;
}

export function udp(repr: UdpRepr, pseudo: PseudoHeader): Uint8Array {
  const bytes = new Uint8Array(8 + repr.payload.length);
  emitUdp(repr, bytes, pseudo);
  return bytes;
}

/** A TCP segment; unspecified fields default to a bare ACK with a 64 KiB window. */
export function tcp(fields: Partial<TcpRepr>, pseudo: PseudoHeader): Uint8Array {
  const repr: TcpRepr = {
    srcPort: 40000,
    dstPort: 80,
    seq: 1000,
    ack: 0,
    flags: 0x10,
    window: 65535,
    urgentPointer: 0,
    options: [],
    payload: new Uint8Array(0),
    ...fields,
  };
  const bytes = new Uint8Array(tcpHeaderLength(repr) + repr.payload.length);
  emitTcp(repr, bytes, pseudo);
  return bytes;
}

export function icmpv4(repr: Icmpv4Repr): Uint8Array {
  const bytes = new Uint8Array(icmpv4Length(repr));
  emitIcmpv4(repr, bytes);
  return bytes;
}

export function icmpv6(repr: Icmpv6Repr, pseudo: PseudoHeader): Uint8Array {
  const bytes = new Uint8Array(icmpv6Length(repr));
  emitIcmpv6(repr, bytes, pseudo);
  return bytes;
}

/** Shorthands: Ethernet + IPv4, Ethernet + IPv6. */
export const eth4 = (packet: Uint8Array): Uint8Array => ethernet(EtherType.IPv4, packet);
export const eth6 = (packet: Uint8Array): Uint8Array => ethernet(EtherType.IPv6, packet);
