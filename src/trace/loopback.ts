/**
 * BSD loopback encapsulation (LINKTYPE_NULL 0, LINKTYPE_LOOP 108): a 4-byte address family before
 * the packet, instead of a link header. NULL stores it in the capturing host's byte order (so we
 * try both); LOOP always big-endian. The values are the BSDs' AF_ numbers: 2 is IPv4 everywhere,
 * IPv6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD) or 30 (macOS). (tcpdump.org/linktypes/LINKTYPE_NULL.html)
 */
import type { LayerDescription } from "../wire/describe.js";
import { OSI_DATA_LINK } from "../wire/describe.js";
import { ParseError } from "../wire/parse-error.js";

export const LOOPBACK_HEADER_LENGTH = 4;

export interface LoopbackRepr {
  /** The address family as the capturing host wrote it. */
  family: number;
  /** What the family means for us: the network protocol that follows. */
  network: "ipv4" | "ipv6" | "unknown";
  payload: Uint8Array;
}

const IPV6_FAMILIES = new Set([24, 28, 30]);

function networkOf(family: number): LoopbackRepr["network"] {
  if (family === 2) return "ipv4";
  if (IPV6_FAMILIES.has(family)) return "ipv6";
  return "unknown";
}

/** Reads the 4-byte family; `bigEndianOnly` for LINKTYPE_LOOP. */
export function parseLoopback(bytes: Uint8Array, bigEndianOnly: boolean): LoopbackRepr | ParseError {
  if (bytes.length < LOOPBACK_HEADER_LENGTH)
    return new ParseError(
      "loopback",
      `${bytes.length} bytes is shorter than the 4-byte family`,
      bytes.length,
    );
  const big = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const little = ((bytes[3] << 24) | (bytes[2] << 16) | (bytes[1] << 8) | bytes[0]) >>> 0;
  // Families are small numbers: whichever reading is small is the writer's byte order.
  const family = bigEndianOnly || big <= 0xffff ? big : little;
  return { family, network: networkOf(family), payload: bytes.subarray(LOOPBACK_HEADER_LENGTH) };
}

export function describeLoopback(repr: LoopbackRepr): LayerDescription {
  const name = repr.network === "unknown" ? "unknown" : repr.network === "ipv4" ? "IPv4" : "IPv6";
  return {
    ...OSI_DATA_LINK,
    layer: "loopback",
    title: "BSD loopback",
    summary: `address family ${repr.family} (${name})`,
    fields: [
      {
        name: "Address family",
        value: `${repr.family} (${name})`,
        meaning: "a loopback interface has no link header; the family says which protocol follows",
        offset: 0,
        length: 4,
      },
    ],
  };
}
