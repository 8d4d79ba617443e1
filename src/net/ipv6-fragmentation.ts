/**
 * IPv6 fragmentation, which only the source does (RFC 8200 §4.5, §5): routers never fragment, they
 * answer Packet Too Big and the source lowers its path MTU (RFC 8201).
 *
 * The packet is split into an *unfragmentable part* (the IPv6 header and the extension headers
 * routers must see: Hop-by-Hop, and Destination Options before a Routing header, and Routing) and
 * a *fragmentable part* (everything after). Each fragment is the unfragmentable part, a Fragment
 * header (offset in 8-octet units, M flag, the packet's 32-bit Identification), and a piece of
 * the fragmentable part that is a multiple of 8 octets except in the last fragment. The Next
 * Header that named the fragmentable part now names the Fragment header (44), whose own Next
 * Header carries the original value.
 */
import { ETHERNET_HEADER_LENGTH } from "../wire/ethernet.js";
import { IPV6_HEADER_LENGTH } from "../wire/ipv6.js";
import { IPV6_FRAGMENT_HEADER_LENGTH, Ipv6NextHeader } from "../wire/ipv6-extensions.js";
import { writeUint16, writeUint32 } from "../wire/network-order.js";
import { allocateFrame } from "./frame-pool.js";

/** Offset of the Next Header field that names the first header after `length` octets of headers. */
export function lastNextHeaderField(packet: Uint8Array, length: number): number {
  let field = 6;
  let at = IPV6_HEADER_LENGTH;
  while (at < length && at + 2 <= packet.length) {
    field = at;
    at += (packet[at + 1] + 1) * 8;
  }
  return field;
}

/**
 * Cuts `packet` (a whole IPv6 packet whose first `unfragmentable` octets are the unfragmentable
 * part) into fragments of at most `mtu` octets, each in its own frame buffer with
 * {@link ETHERNET_HEADER_LENGTH} octets of headroom. Undefined when the MTU leaves no room for
 * 8 octets of data.
 */
export function fragmentIpv6(
  packet: Uint8Array,
  unfragmentable: number,
  mtu: number,
  identification: number,
): Uint8Array[] | undefined {
  const room = (mtu - unfragmentable - IPV6_FRAGMENT_HEADER_LENGTH) & ~7;
  if (room < 8) return undefined;
  const field = lastNextHeaderField(packet, unfragmentable);
  const firstOfFragmentable = packet[field];
  const dataLength = packet.length - unfragmentable;
  const fragments: Uint8Array[] = [];
  for (let done = 0; done < dataLength; done += room) {
    const take = Math.min(room, dataLength - done);
    const more = done + take < dataLength;
    const length = unfragmentable + IPV6_FRAGMENT_HEADER_LENGTH + take;
    const frame = allocateFrame(ETHERNET_HEADER_LENGTH + length);
    const ip = frame.subarray(ETHERNET_HEADER_LENGTH);
    ip.set(packet.subarray(0, unfragmentable));
    ip[field] = Ipv6NextHeader.Fragment;
    writeUint16(ip, 4, length - IPV6_HEADER_LENGTH);
    const header = unfragmentable;
    ip[header] = firstOfFragmentable;
    ip[header + 1] = 0; // Reserved
    writeUint16(ip, header + 2, done | (more ? 1 : 0)); // offset in octets is offset×8 units, low 3 bits: 0, 0, M
    writeUint32(ip, header + 4, identification);
    ip.set(
      packet.subarray(unfragmentable + done, unfragmentable + done + take),
      header + IPV6_FRAGMENT_HEADER_LENGTH,
    );
    fragments.push(frame);
  }
  return fragments;
}
