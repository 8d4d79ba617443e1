/**
 * UDP, the User Datagram Protocol (RFC 768): ports, a length and a checksum in front of the data.
 *
 *   0      7 8     15 16    23 24    31
 *  +--------+--------+--------+--------+
 *  |   Source Port   | Destination Port|
 *  +--------+--------+--------+--------+
 *  |     Length      |    Checksum     |
 *  +--------+--------+--------+--------+
 *  |          data octets ...
 *
 * `UdpView` reads and writes those fields in place; `UdpRepr` is the plain meaning of a datagram.
 * The checksum is not part of the Repr: it is computed on emit and verified by a separate call, so
 * a decoder can still show a datagram whose checksum is wrong.
 */
import { internetChecksum, type PseudoHeader, pseudoHeaderSum } from "./checksum.js";
import { hex, type LayerDescription, OSI_TRANSPORT } from "./describe.js";
import { writeUint16 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** IP protocol number / IPv6 next header for UDP (IANA "Assigned Internet Protocol Numbers"). */
export const IP_PROTOCOL_UDP = 17;

/** Byte offsets of the UDP header fields (RFC 768 "Format"). */
export const UDP_SRC_PORT = 0;
export const UDP_DST_PORT = 2;
export const UDP_LENGTH = 4;
export const UDP_CHECKSUM = 6;
/** The header is always 8 bytes; the data follows. */
export const UDP_HEADER_LENGTH = 8;

/** A zero-copy view of a UDP datagram. Construct it over bytes that `checkUdp` accepted. */
export class UdpView {
  constructor(readonly bytes: Uint8Array) {}

  get srcPort(): number {
    return (this.bytes[UDP_SRC_PORT] << 8) | this.bytes[UDP_SRC_PORT + 1];
  }
  set srcPort(value: number) {
    writeUint16(this.bytes, UDP_SRC_PORT, value);
  }

  get dstPort(): number {
    return (this.bytes[UDP_DST_PORT] << 8) | this.bytes[UDP_DST_PORT + 1];
  }
  set dstPort(value: number) {
    writeUint16(this.bytes, UDP_DST_PORT, value);
  }

  /** Length in bytes of header plus data (RFC 768): at least 8. */
  get length(): number {
    return (this.bytes[UDP_LENGTH] << 8) | this.bytes[UDP_LENGTH + 1];
  }
  set length(value: number) {
    writeUint16(this.bytes, UDP_LENGTH, value);
  }

  /** The checksum field as sent; 0 means "no checksum" over IPv4 (RFC 768). */
  get checksum(): number {
    return (this.bytes[UDP_CHECKSUM] << 8) | this.bytes[UDP_CHECKSUM + 1];
  }
  set checksum(value: number) {
    writeUint16(this.bytes, UDP_CHECKSUM, value);
  }

  /** The data, as far as the length field says (zero-copy). */
  get payload(): Uint8Array {
    return this.bytes.subarray(UDP_HEADER_LENGTH, Math.min(this.length, this.bytes.length));
  }

  /**
   * Whether the checksum is right for this pseudo-header. Over IPv4 a checksum field of 0 means the
   * sender computed none (RFC 768), which is accepted; over IPv6 the checksum is mandatory and a zero
   * field is an error (RFC 8200 §8.1: "IPv6 receivers must discard UDP packets containing a zero
   * checksum"). The family is that of `pseudo.src`.
   */
  verifyChecksum(pseudo: PseudoHeader): boolean {
    const length = this.length;
    if (length < UDP_HEADER_LENGTH || length > this.bytes.length) return false;
    if (this.checksum === 0) return pseudo.src.version === 4;
    const initial = pseudoHeaderSum(pseudo, IP_PROTOCOL_UDP, length);
    return internetChecksum(this.bytes, 0, length, initial) === 0;
  }

  /** The checksum this datagram should carry (never 0: see `fillChecksum`). */
  computeChecksum(pseudo: PseudoHeader): number {
    const length = Math.min(this.length, this.bytes.length);
    const saved = this.checksum;
    this.checksum = 0;
    const sum = internetChecksum(this.bytes, 0, length, pseudoHeaderSum(pseudo, IP_PROTOCOL_UDP, length));
    this.checksum = saved;
    // RFC 768: "If the computed checksum is zero, it is transmitted as all ones", because a zero
    // field would say "no checksum". In one's complement 0xffff is the same number as 0.
    return sum === 0 ? 0xffff : sum;
  }

  /** Computes the checksum over pseudo-header, header and data, and writes it. */
  fillChecksum(pseudo: PseudoHeader): void {
    this.checksum = this.computeChecksum(pseudo);
  }
}

/** The meaning of a UDP datagram: the length and checksum follow from it on emit. */
export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** Checks that `bytes` hold a whole UDP datagram; `undefined` when they do. */
export function checkUdp(bytes: Uint8Array): ParseError | undefined {
  if (bytes.length < UDP_HEADER_LENGTH)
    return new ParseError("udp", `${bytes.length} bytes is shorter than the 8-byte UDP header`, 0);
  const length = (bytes[UDP_LENGTH] << 8) | bytes[UDP_LENGTH + 1];
  if (length < UDP_HEADER_LENGTH)
    return new ParseError("udp", `length field ${length} is below the 8-byte header`, UDP_LENGTH);
  if (length > bytes.length)
    return new ParseError(
      "udp",
      `length field ${length} exceeds the ${bytes.length} bytes the IP layer delivered`,
      UDP_LENGTH,
    );
  return undefined;
}

/**
 * Parses a UDP datagram (the IP payload). The data is trimmed to the length field, which may be
 * shorter than the IP payload (RFC 768: trailing bytes are not part of the datagram); the payload
 * is a zero-copy subarray. The checksum is not checked here: call `UdpView.verifyChecksum`.
 */
export function parseUdp(bytes: Uint8Array): UdpRepr | ParseError {
  const error = checkUdp(bytes);
  if (error) return error;
  const length = (bytes[UDP_LENGTH] << 8) | bytes[UDP_LENGTH + 1];
  return {
    srcPort: (bytes[UDP_SRC_PORT] << 8) | bytes[UDP_SRC_PORT + 1],
    dstPort: (bytes[UDP_DST_PORT] << 8) | bytes[UDP_DST_PORT + 1],
    payload: bytes.subarray(UDP_HEADER_LENGTH, length),
  };
}

/** Bytes of header a datagram needs (always 8). */
export function udpHeaderLength(_repr?: UdpRepr): number {
  return UDP_HEADER_LENGTH;
}

/**
 * Writes header, data and checksum (over the IPv4 or IPv6 pseudo-header) at the start of `into` and
 * returns the number of bytes written. Throws a RangeError (a programmer error) when `into` is too
 * small or the datagram is longer than the 16-bit length field can say.
 */
export function emitUdp(repr: UdpRepr, into: Uint8Array, pseudo: PseudoHeader): number {
  const length = UDP_HEADER_LENGTH + repr.payload.length;
  if (length > 0xffff)
    throw new RangeError(`UDP datagram of ${length} bytes exceeds the 65535 of its length field`);
  if (into.length < length)
    throw new RangeError(`UDP datagram needs ${length} bytes, buffer has ${into.length}`);
  writeUint16(into, UDP_SRC_PORT, repr.srcPort);
  writeUint16(into, UDP_DST_PORT, repr.dstPort);
  writeUint16(into, UDP_LENGTH, length);
  writeUint16(into, UDP_CHECKSUM, 0);
  copyPayload(repr.payload, into, UDP_HEADER_LENGTH);
  const sum = internetChecksum(into, 0, length, pseudoHeaderSum(pseudo, IP_PROTOCOL_UDP, length));
  writeUint16(into, UDP_CHECKSUM, sum === 0 ? 0xffff : sum);
  return length;
}

/**
 * Explains a datagram field by field. With the datagram's `bytes`, the length and checksum are
 * shown as sent; with a `pseudo`-header too, the checksum is verified.
 */
export function describeUdp(repr: UdpRepr, bytes?: Uint8Array, pseudo?: PseudoHeader): LayerDescription {
  const view = bytes && bytes.length >= UDP_HEADER_LENGTH ? new UdpView(bytes) : undefined;
  const length = view ? view.length : UDP_HEADER_LENGTH + repr.payload.length;
  let checksum: { value: string; meaning: string };
  if (!view) {
    checksum = {
      value: "(computed on emit)",
      meaning: "one's complement sum over pseudo-header, header and data",
    };
  } else if (view.checksum === 0) {
    checksum = {
      value: "0x0000",
      meaning:
        pseudo?.src.version === 6
          ? "missing: a zero checksum is not allowed over IPv6 (RFC 8200 §8.1), the datagram is dropped"
          : "none: the sender did not compute a checksum (allowed over IPv4, RFC 768)",
    };
  } else if (!pseudo) {
    checksum = { value: hex(view.checksum, 4), meaning: "covers pseudo-header, header and data" };
  } else if (view.verifyChecksum(pseudo)) {
    checksum = { value: hex(view.checksum, 4), meaning: "correct: covers pseudo-header, header and data" };
  } else {
    checksum = {
      value: hex(view.checksum, 4),
      meaning: `incorrect, should be ${hex(view.computeChecksum(pseudo), 4)}: the datagram is dropped`,
    };
  }
  return {
    layer: "udp",
    title: "User Datagram Protocol",
    ...OSI_TRANSPORT,
    summary: `UDP ${repr.srcPort} → ${repr.dstPort}, length ${repr.payload.length}`,
    fields: [
      {
        name: "Source Port",
        value: String(repr.srcPort),
        meaning: "the sender's port, where replies go",
        offset: UDP_SRC_PORT,
        length: 2,
      },
      {
        name: "Destination Port",
        value: String(repr.dstPort),
        meaning: "selects the receiving application",
        offset: UDP_DST_PORT,
        length: 2,
      },
      {
        name: "Length",
        value: String(length),
        meaning: `header (8) plus data (${length - UDP_HEADER_LENGTH}) in bytes`,
        offset: UDP_LENGTH,
        length: 2,
      },
      { name: "Checksum", ...checksum, offset: UDP_CHECKSUM, length: 2 },
      {
        name: "Data",
        value: `${repr.payload.length} bytes`,
        meaning: "delivered whole to the application, or not at all",
        offset: UDP_HEADER_LENGTH,
        length: repr.payload.length,
      },
    ],
  };
}

/** Copies the payload unless the caller already built it in place. */
function copyPayload(payload: Uint8Array, into: Uint8Array, offset: number): void {
  if (payload.buffer === into.buffer && payload.byteOffset === into.byteOffset + offset) return;
  into.set(payload, offset);
}
