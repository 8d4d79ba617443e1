/**
 * IPv4 fragmentation (RFC 791 §3.2, "An Example Fragmentation Procedure"; RFC 1812 §5.2.6).
 *
 * A datagram too big for the next link is cut into fragments that each fit the MTU:
 * - every fragment but the last carries a multiple of 8 data octets (offsets count 8-octet units);
 * - the first fragment keeps all the options; later ones keep only those whose "copied" flag is
 *   set (RFC 791: Security, source routes; not Record Route or Timestamp);
 * - MF is set on all but the last, and the last keeps the original MF, so fragmenting a fragment
 *   works (offsets add up);
 * - each fragment gets its own Total Length and header checksum, and the same Identification.
 *
 * The caller checks DF first: a datagram with DF set is never fragmented (it gets ICMP
 * "fragmentation needed" or EMSGSIZE instead).
 */

import { internetChecksum } from "../wire/checksum.js";
import { ETHERNET_HEADER_LENGTH } from "../wire/ethernet.js";
import { IPV4_MIN_HEADER_LENGTH, Ipv4Field } from "../wire/ipv4.js";
import { Ipv4OptionType, isCopiedOnFragmentation } from "../wire/ipv4-options.js";
import { allocateFrame } from "./frame-pool.js";

const MORE_FRAGMENTS = 0x2000;
const OFFSET_MASK = 0x1fff;

/**
 * Cuts the datagram at `packet` (header and data, exactly Total Length octets) into fragments of
 * at most `mtu` octets. Each fragment comes back in its own buffer with {@link ETHERNET_HEADER_LENGTH}
 * octets of headroom before its IP header (the frame it will be sent in). Returns undefined when
 * the MTU is too small to carry any data after the header (below 68, RFC 791's minimum).
 */
export function fragmentDatagram(packet: Uint8Array, mtu: number): Uint8Array[] | undefined {
  const headerLength = (packet[0] & 0x0f) << 2;
  const dataLength = packet.length - headerLength;
  const firstHeader = packet.subarray(0, headerLength);
  const laterHeader = headerLength > IPV4_MIN_HEADER_LENGTH ? copiedOptionsHeader(firstHeader) : firstHeader;
  const firstRoom = (mtu - headerLength) & ~7;
  const laterRoom = (mtu - laterHeader.length) & ~7;
  if (firstRoom < 8 || laterRoom < 8) return undefined;

  const flagsWord =
    (packet[Ipv4Field.FLAGS_FRAGMENT_OFFSET] << 8) | packet[Ipv4Field.FLAGS_FRAGMENT_OFFSET + 1];
  const originalMore = (flagsWord & MORE_FRAGMENTS) !== 0;
  const baseOffset = (flagsWord & OFFSET_MASK) << 3;
  const keptFlags = flagsWord & ~(MORE_FRAGMENTS | OFFSET_MASK);

  const fragments: Uint8Array[] = [];
  let done = 0;
  while (done < dataLength) {
    const header = done === 0 ? firstHeader : laterHeader;
    const room = done === 0 ? firstRoom : laterRoom;
    const take = Math.min(room, dataLength - done);
    const last = done + take >= dataLength;
    const total = header.length + take;
    const frame = allocateFrame(ETHERNET_HEADER_LENGTH + total);
    const ip = frame.subarray(ETHERNET_HEADER_LENGTH);
    ip.set(header);
    ip.set(packet.subarray(headerLength + done, headerLength + done + take), header.length);
    ip[Ipv4Field.TOTAL_LENGTH] = total >>> 8;
    ip[Ipv4Field.TOTAL_LENGTH + 1] = total & 0xff;
    const word = keptFlags | (last && !originalMore ? 0 : MORE_FRAGMENTS) | ((baseOffset + done) >>> 3);
    ip[Ipv4Field.FLAGS_FRAGMENT_OFFSET] = word >>> 8;
    ip[Ipv4Field.FLAGS_FRAGMENT_OFFSET + 1] = word & 0xff;
    ip[Ipv4Field.CHECKSUM] = 0;
    ip[Ipv4Field.CHECKSUM + 1] = 0;
    const checksum = internetChecksum(ip, 0, header.length);
    ip[Ipv4Field.CHECKSUM] = checksum >>> 8;
    ip[Ipv4Field.CHECKSUM + 1] = checksum & 0xff;
    fragments.push(frame);
    done += take;
  }
  return fragments;
}

/**
 * The header later fragments carry: the fixed header plus only the options with the copied flag
 * (RFC 791 §3.1 "Options": "the copy flag indicates that this option is copied into all fragments
 * on fragmentation"), padded with End of Option List octets to a 32-bit boundary.
 */
function copiedOptionsHeader(header: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length);
  out.set(header.subarray(0, IPV4_MIN_HEADER_LENGTH));
  let write = IPV4_MIN_HEADER_LENGTH;
  let read = IPV4_MIN_HEADER_LENGTH;
  while (read < header.length) {
    const type = header[read];
    if (type === Ipv4OptionType.EndOfList) break;
    if (type === Ipv4OptionType.NoOperation) {
      read++;
      continue;
    }
    const length = header[read + 1];
    // The input path validated the options; stop at anything malformed all the same.
    if (read + 1 >= header.length || length < 2 || read + length > header.length) break;
    if (isCopiedOnFragmentation(type)) {
      out.set(header.subarray(read, read + length), write);
      write += length;
    }
    read += length;
  }
  const padded = (write + 3) & ~3;
  const result = out.subarray(0, padded);
  result.fill(0, write);
  result[0] = 0x40 | (padded >>> 2);
  return result;
}
