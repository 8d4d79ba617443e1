/**
 * What NAT writes into a packet, in place, with every checksum it touches updated incrementally
 * (RFC 1624 eqn. 3, RFC 3022 §4.2): the IPv4 header checksum, the TCP or UDP checksum (which
 * covers the addresses through the pseudo-header, RFC 9293 §3.1, RFC 768) and, for ICMP, the
 * message checksum. Nothing is summed again, so a checksum that was wrong stays wrong by the
 * same amount: the receiver still detects the corruption (RFC 3022 §4.2).
 *
 * An "endpoint" is an address and a port; for ICMP queries (echo) the port is the Identifier,
 * which RFC 5508 §3.1 maps as NAPT maps a port (the same field serves both directions).
 *
 * Callers check lengths first (see {@link transportHeaderPresent}); these functions do not.
 */
import { updateChecksum16, updateChecksum32 } from "../../wire/checksum.js";
import { IpProtocol } from "../../wire/ipv4.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "../../wire/network-order.js";

/** Which end of a datagram: its source or its destination. */
export const Side = { Source: 0, Destination: 1 } as const;
export type Side = (typeof Side)[keyof typeof Side];

const IP_CHECKSUM = 10;
const IP_SOURCE = 12;
const TCP_CHECKSUM = 16;
const UDP_CHECKSUM = 6;
const ICMP_CHECKSUM = 2;
const ICMP_IDENTIFIER = 4;

/**
 * Octets of transport header NAT needs to see to translate `protocol`: TCP up to its checksum,
 * UDP's whole header, ICMP's type, code, checksum and identifier. 0 for protocols NAPT cannot
 * translate (it has no ports to rewrite).
 */
export function translatableHeaderLength(protocol: number): number {
  switch (protocol) {
    case IpProtocol.TCP:
      return TCP_CHECKSUM + 2;
    case IpProtocol.UDP:
      return 8;
    case IpProtocol.ICMP:
      return 8;
    default:
      return 0;
  }
}

/** Whether the datagram at `offset` (Total Length `total`) holds the transport header NAT rewrites. */
export function transportHeaderPresent(frame: Uint8Array, offset: number, total: number): boolean {
  const headerLength = (frame[offset] & 0x0f) << 2;
  const needed = translatableHeaderLength(frame[offset + 9]);
  return needed > 0 && total >= headerLength + needed && offset + total <= frame.length;
}

/** The port (or ICMP identifier) on `side` of the datagram at `offset`. */
export function portOf(frame: Uint8Array, offset: number, side: Side): number {
  const t = offset + ((frame[offset] & 0x0f) << 2);
  if (frame[offset + 9] === IpProtocol.ICMP) return readUint16(frame, t + ICMP_IDENTIFIER);
  return readUint16(frame, t + side * 2);
}

/** The address on `side` of the datagram at `offset`, as a uint32. */
export function addressOf(frame: Uint8Array, offset: number, side: Side): number {
  return readUint32(frame, offset + IP_SOURCE + side * 4);
}

/**
 * Rewrites the address and port on `side` of the datagram at `frame[offset]`, updating the IPv4
 * header checksum and the transport checksum incrementally.
 */
export function rewriteEndpoint(
  frame: Uint8Array,
  offset: number,
  side: Side,
  address: number,
  port: number,
): void {
  const addressAt = offset + IP_SOURCE + side * 4;
  const oldAddress = readUint32(frame, addressAt);
  const t = offset + ((frame[offset] & 0x0f) << 2);
  const protocol = frame[offset + 9];
  if (oldAddress !== address) {
    const ipChecksum = updateChecksum32(readUint16(frame, offset + IP_CHECKSUM), oldAddress, address);
    writeUint16(frame, offset + IP_CHECKSUM, ipChecksum);
    writeUint32(frame, addressAt, address);
  }
  switch (protocol) {
    case IpProtocol.TCP: {
      const portAt = t + side * 2;
      const oldPort = readUint16(frame, portAt);
      let checksum = readUint16(frame, t + TCP_CHECKSUM);
      checksum = updateChecksum32(checksum, oldAddress, address);
      checksum = updateChecksum16(checksum, oldPort, port);
      writeUint16(frame, t + TCP_CHECKSUM, checksum);
      writeUint16(frame, portAt, port);
      return;
    }
    case IpProtocol.UDP: {
      const portAt = t + side * 2;
      const oldPort = readUint16(frame, portAt);
      let checksum = readUint16(frame, t + UDP_CHECKSUM);
      // RFC 768: zero means the sender computed no checksum; it stays zero.
      if (checksum !== 0) {
        checksum = updateChecksum32(checksum, oldAddress, address);
        checksum = updateChecksum16(checksum, oldPort, port);
        // A computed zero is sent as all ones (RFC 768), the same number in one's complement.
        writeUint16(frame, t + UDP_CHECKSUM, checksum === 0 ? 0xffff : checksum);
      }
      writeUint16(frame, portAt, port);
      return;
    }
    case IpProtocol.ICMP: {
      // The ICMP checksum has no pseudo-header: only the identifier matters.
      const oldId = readUint16(frame, t + ICMP_IDENTIFIER);
      if (oldId !== port) {
        const checksum = updateChecksum16(readUint16(frame, t + ICMP_CHECKSUM), oldId, port);
        writeUint16(frame, t + ICMP_CHECKSUM, checksum);
        writeUint16(frame, t + ICMP_IDENTIFIER, port);
      }
      return;
    }
  }
}

/** Rewrites only the address on `side` (protocols without ports, ICMP errors' outer header). */
export function rewriteAddress(frame: Uint8Array, offset: number, side: Side, address: number): void {
  const addressAt = offset + IP_SOURCE + side * 4;
  const oldAddress = readUint32(frame, addressAt);
  if (oldAddress === address) return;
  writeUint16(
    frame,
    offset + IP_CHECKSUM,
    updateChecksum32(readUint16(frame, offset + IP_CHECKSUM), oldAddress, address),
  );
  writeUint32(frame, addressAt, address);
}

/**
 * The datagram an ICMP error quotes (RFC 792: its IP header and at least 8 octets), where NAT
 * must find and rewrite it (RFC 5508 §4.2, RFC 3022 §4.3).
 */
export interface QuotedPacket {
  /** Where the quoted IPv4 header starts in the frame. */
  offset: number;
  /** Where the quote ends (the end of the ICMP message). */
  end: number;
  protocol: number;
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
}

/**
 * Finds the datagram quoted by the ICMP error that starts at `icmpAt` and ends at `end`: a valid
 * IPv4 header (RFC 5508 REQ-3: options are stepped over) followed by at least the 8 octets that
 * hold the ports or the echo identifier. Undefined when the quote is not one NAT can use.
 */
export function findQuotedPacket(frame: Uint8Array, icmpAt: number, end: number): QuotedPacket | undefined {
  const inner = icmpAt + 8;
  if (end - inner < 28 || frame[inner] >>> 4 !== 4) return undefined;
  const headerLength = (frame[inner] & 0x0f) << 2;
  if (headerLength < 20 || inner + headerLength + 8 > end) return undefined;
  const protocol = frame[inner + 9];
  if (protocol !== IpProtocol.TCP && protocol !== IpProtocol.UDP && protocol !== IpProtocol.ICMP) {
    return undefined;
  }
  const t = inner + headerLength;
  const icmp = protocol === IpProtocol.ICMP;
  return {
    offset: inner,
    end,
    protocol,
    src: readUint32(frame, inner + IP_SOURCE),
    dst: readUint32(frame, inner + IP_SOURCE + 4),
    srcPort: icmp ? readUint16(frame, t + ICMP_IDENTIFIER) : readUint16(frame, t),
    dstPort: icmp ? readUint16(frame, t + ICMP_IDENTIFIER) : readUint16(frame, t + 2),
  };
}

/**
 * RFC 5508 REQ-4a/REQ-5a: reverts the quoted datagram's endpoint on `side` (its source when the
 * error is about a datagram we translated on the way out) to `address`:`port`. Every checksum in
 * the chain is updated: the quoted IP header's, the quoted transport checksum when the quote
 * holds it (UDP always; TCP when 18 octets were quoted; a quoted echo's), and the ICMP error's own
 * checksum, which covers all of those bytes.
 */
export function rewriteQuotedEndpoint(
  frame: Uint8Array,
  icmpAt: number,
  quoted: QuotedPacket,
  side: Side,
  address: number,
  port: number,
): void {
  const inner = quoted.offset;
  const icmpChecksumAt = icmpAt + ICMP_CHECKSUM;
  let icmpChecksum = readUint16(frame, icmpChecksumAt);
  /** Writes a 16-bit word inside the ICMP message and folds the change into its checksum. */
  const setWord = (at: number, value: number) => {
    const old = readUint16(frame, at);
    if (old === value) return;
    icmpChecksum = updateChecksum16(icmpChecksum, old, value);
    writeUint16(frame, at, value);
  };

  const addressAt = inner + IP_SOURCE + side * 4;
  const oldAddress = readUint32(frame, addressAt);
  setWord(inner + IP_CHECKSUM, updateChecksum32(readUint16(frame, inner + IP_CHECKSUM), oldAddress, address));
  setWord(addressAt, address >>> 16);
  setWord(addressAt + 2, address & 0xffff);

  const t = inner + ((frame[inner] & 0x0f) << 2);
  const end = quoted.end;
  switch (quoted.protocol) {
    case IpProtocol.TCP:
    case IpProtocol.UDP: {
      const portAt = t + side * 2;
      const oldPort = readUint16(frame, portAt);
      const checksumAt = t + (quoted.protocol === IpProtocol.TCP ? TCP_CHECKSUM : UDP_CHECKSUM);
      if (checksumAt + 2 <= end) {
        const old = readUint16(frame, checksumAt);
        if (!(quoted.protocol === IpProtocol.UDP && old === 0)) {
          let checksum = updateChecksum32(old, oldAddress, address);
          checksum = updateChecksum16(checksum, oldPort, port);
          if (quoted.protocol === IpProtocol.UDP && checksum === 0) checksum = 0xffff;
          setWord(checksumAt, checksum);
        }
      }
      setWord(portAt, port);
      break;
    }
    case IpProtocol.ICMP: {
      const oldId = readUint16(frame, t + ICMP_IDENTIFIER);
      if (t + ICMP_CHECKSUM + 2 <= end) {
        setWord(t + ICMP_CHECKSUM, updateChecksum16(readUint16(frame, t + ICMP_CHECKSUM), oldId, port));
      }
      setWord(t + ICMP_IDENTIFIER, port);
      break;
    }
  }
  writeUint16(frame, icmpChecksumAt, icmpChecksum);
}
