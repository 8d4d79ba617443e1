/**
 * A deliberately small walker for the transport-layer tests: yields each captured frame's IPv4/IPv6
 * pseudo-header and TCP/UDP bytes, found by hand rather than with the project's own Ethernet/IP
 * parsers, so these tests check the TCP/UDP code alone against bytes nobody on this project wrote.
 */
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import type { PseudoHeader } from "../../src/wire/checksum.js";
import { readPcapFrames } from "../support/pcap-fixtures.js";

export interface TransportSegment {
  /** 1-based frame number, as tshark counts. */
  frame: number;
  pseudo: PseudoHeader;
  /** 6 (TCP) or 17 (UDP). */
  protocol: number;
  /** The IP payload, trimmed to the IP length; shorter than that when the capture was truncated. */
  bytes: Uint8Array;
  /** Whether the capture cut the IP payload short (snap length). */
  truncated: boolean;
}

const ETHERNET = 1;
const RAW = 101;
const RAW_OPENBSD = 12;
const IPV4_LINK = 228;
const IPV6_LINK = 229;
const LINUX_SLL = 113;
const NULL_LOOPBACK = 0;

/** Every TCP and UDP segment (not IP fragments) in a classic pcap file; [] for other formats. */
export function transportSegments(path: string): TransportSegment[] {
  let linkType: number;
  let frames: Uint8Array[];
  try {
    ({ linkType, frames } = readPcapFrames(path));
  } catch {
    return []; // pcapng or not a capture at all
  }
  const segments: TransportSegment[] = [];
  frames.forEach((frame, index) => {
    const ip = networkLayer(linkType, frame);
    if (!ip) return;
    const segment = ip[0] >>> 4 === 4 ? fromIpv4(ip) : ip[0] >>> 4 === 6 ? fromIpv6(ip) : undefined;
    if (segment) segments.push({ frame: index + 1, ...segment });
  });
  return segments;
}

function networkLayer(linkType: number, frame: Uint8Array): Uint8Array | undefined {
  let type: number;
  let at: number;
  switch (linkType) {
    case ETHERNET:
      if (frame.length < 14) return undefined;
      type = (frame[12] << 8) | frame[13];
      at = 14;
      while ((type === 0x8100 || type === 0x88a8) && frame.length >= at + 4) {
        type = (frame[at + 2] << 8) | frame[at + 3];
        at += 4;
      }
      break;
    case LINUX_SLL:
      if (frame.length < 16) return undefined;
      type = (frame[14] << 8) | frame[15];
      at = 16;
      break;
    case NULL_LOOPBACK:
      return frame.subarray(4);
    case RAW:
    case RAW_OPENBSD:
    case IPV4_LINK:
    case IPV6_LINK:
      return frame;
    default:
      return undefined;
  }
  return type === 0x0800 || type === 0x86dd ? frame.subarray(at) : undefined;
}

type Found = Omit<TransportSegment, "frame">;

function fromIpv4(ip: Uint8Array): Found | undefined {
  if (ip.length < 20) return undefined;
  const headerLength = (ip[0] & 0x0f) * 4;
  const totalLength = (ip[2] << 8) | ip[3];
  const fragment = ((ip[6] << 8) | ip[7]) & 0x3fff; // MF flag and fragment offset
  const protocol = ip[9];
  if (headerLength < 20 || fragment !== 0 || (protocol !== 6 && protocol !== 17)) return undefined;
  // TSO captures (and "big TCP") carry total length 0 or a length beyond the frame: take the frame.
  const end = totalLength >= headerLength && totalLength <= ip.length ? totalLength : ip.length;
  if (headerLength > end) return undefined;
  return {
    pseudo: { src: Ipv4Address.fromBytes(ip, 12), dst: Ipv4Address.fromBytes(ip, 16) },
    protocol,
    bytes: ip.subarray(headerLength, end),
    truncated: totalLength > ip.length,
  };
}

function fromIpv6(ip: Uint8Array): Found | undefined {
  if (ip.length < 40) return undefined;
  const payloadLength = (ip[4] << 8) | ip[5];
  const protocol = ip[6];
  if (protocol !== 6 && protocol !== 17) return undefined;
  const end = payloadLength > 0 && 40 + payloadLength <= ip.length ? 40 + payloadLength : ip.length;
  return {
    pseudo: { src: Ipv6Address.fromBytes(ip, 8), dst: Ipv6Address.fromBytes(ip, 24) },
    protocol,
    bytes: ip.subarray(40, end),
    truncated: 40 + payloadLength > ip.length,
  };
}
