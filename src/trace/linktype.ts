/**
 * Link-layer header types: the number a capture file stores to say what the first byte of every
 * frame is. Values are the LINKTYPE_ registry (tcpdump.org/linktypes.html, now
 * draft-ietf-opsawg-pcaplinktype), shared by pcap and pcapng.
 */

/** BSD loopback: a 4-byte address family in the capturing host's byte order, then the packet. */
export const LINKTYPE_NULL = 0;
/** IEEE 802.3 Ethernet (DIX or 802.3 framing), without the frame check sequence by default. */
export const LINKTYPE_ETHERNET = 1;
/** Raw IP: the frame starts with an IPv4 or IPv6 header (the version nibble tells which). */
export const LINKTYPE_RAW = 101;
/** OpenBSD loopback: like NULL but the address family is always big-endian. */
export const LINKTYPE_LOOP = 108;
/** Linux "cooked" capture v1 (SLL): a 16-byte pseudo-header instead of a link header. */
export const LINKTYPE_LINUX_SLL = 113;
/** Raw IPv4: the frame starts with an IPv4 header. */
export const LINKTYPE_IPV4 = 228;
/** Raw IPv6: the frame starts with an IPv6 header. */
export const LINKTYPE_IPV6 = 229;
/** Linux "cooked" capture v2 (SLL2): a 20-byte pseudo-header. */
export const LINKTYPE_LINUX_SLL2 = 276;

const names: Record<number, string> = {
  [LINKTYPE_NULL]: "NULL (BSD loopback)",
  [LINKTYPE_ETHERNET]: "ETHERNET",
  [LINKTYPE_RAW]: "RAW (IP)",
  [LINKTYPE_LOOP]: "LOOP (OpenBSD loopback)",
  [LINKTYPE_LINUX_SLL]: "LINUX_SLL (Linux cooked)",
  [LINKTYPE_IPV4]: "IPV4 (raw IPv4)",
  [LINKTYPE_IPV6]: "IPV6 (raw IPv6)",
  [LINKTYPE_LINUX_SLL2]: "LINUX_SLL2 (Linux cooked v2)",
};

/** A readable name for a link type, e.g. `"ETHERNET"`, or `"LINKTYPE 127"` for ones we do not name. */
export function linkTypeName(linkType: number): string {
  return names[linkType] ?? `LINKTYPE ${linkType}`;
}
