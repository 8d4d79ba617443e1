/**
 * The TCP segment format (RFC 9293 §3.1), with the AE bit of Accurate ECN (RFC 9768, formerly NS,
 * RFC 3540) and the ECN bits CWR/ECE (RFC 3168):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrv|E|W|C|R|C|S|S|Y|I|            Window             |
 *  |       |     | |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options                    |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                             Data                              |
 *
 * The 12 bits after the data offset are kept together as `flags`: bit 0 is FIN ... bit 7 CWR,
 * bit 8 AE, bits 9-11 reserved (kept as read so a header round-trips exactly).
 *
 * `TcpView` reads and writes fields in place; `TcpRepr` is the plain meaning of a segment and the
 * contract the TCP implementation codes against. The checksum is not in the Repr: emit computes it,
 * `TcpView.verifyChecksum` checks it, so a decoder can still show a segment whose checksum is wrong.
 * Sequence-number arithmetic (mod 2^32) belongs to the TCP implementation, not to the wire format.
 */
import { internetChecksum, onesComplementSum, type PseudoHeader, pseudoHeaderSum } from "./checksum.js";
import { type FieldDescription, hex, type LayerDescription, OSI_TRANSPORT } from "./describe.js";
import { readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";
import {
  emitTcpOptions,
  parseTcpOptions,
  type TcpOption,
  TcpOptionKind,
  tcpOptionLength,
  tcpOptionsToString,
  tcpPaddedOptionsLength,
} from "./tcp-options.js";

export * from "./tcp-options.js";

/** IP protocol number / IPv6 next header for TCP. */
export const IP_PROTOCOL_TCP = 6;

/** Byte offsets of the header fields (RFC 9293 §3.1). */
export const TCP_SRC_PORT = 0;
export const TCP_DST_PORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
/** Data offset in the high 4 bits; reserved bits and AE in the low 4 bits. */
export const TCP_DATA_OFFSET = 12;
/** The 12 flag bits span the low nibble of byte 12 and all of byte 13. */
export const TCP_FLAGS = 12;
export const TCP_WINDOW = 14;
export const TCP_CHECKSUM = 16;
export const TCP_URGENT_POINTER = 18;
export const TCP_OPTIONS = 20;
/** The fixed header: 5 words. */
export const TCP_HEADER_LENGTH = 20;
/** Data offset is 4 bits of 32-bit words: at most 15 words. */
export const TCP_MAX_HEADER_LENGTH = 60;

/** Control bits, as masks of `TcpRepr.flags`. AE is the former NS bit (RFC 3540 / RFC 9768). */
export const TcpFlags = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  AE: 0x100,
} as const;

/** The three bits RFC 9293 still reserves (bits 4-6 of byte 12): must be zero, kept as read. */
export const TCP_RESERVED_FLAGS = 0xe00;

/** The plain meaning of a TCP segment: what the TCP implementation sends and receives. */
export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  /** Sequence number of the first data byte (or the ISN in a SYN), uint32. */
  seq: number;
  /** Next sequence number expected from the peer when ACK is set, uint32. */
  ack: number;
  /** Bitmask of `TcpFlags` (incl. reserved bits kept as read). */
  flags: number;
  /** The raw 16-bit window field (unscaled). */
  window: number;
  urgentPointer: number;
  /** In wire order, incl. NOP/EOL padding as read. */
  options: TcpOption[];
  payload: Uint8Array;
}

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [TcpFlags.FIN, "FIN"],
  [TcpFlags.SYN, "SYN"],
  [TcpFlags.RST, "RST"],
  [TcpFlags.PSH, "PSH"],
  [TcpFlags.ACK, "ACK"],
  [TcpFlags.URG, "URG"],
  [TcpFlags.ECE, "ECE"],
  [TcpFlags.CWR, "CWR"],
  [TcpFlags.AE, "AE"],
];

/**
 * Flag names as tshark shows them, lowest bit first: FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE
 * (so a SYN-ACK is `"SYN,ACK"` and tshark's `[FIN, ACK]` is `"FIN,ACK"`). Reserved bits, if any,
 * follow as `Reserved(0x...)`; no bits at all give tshark's `"<None>"`.
 */
export function tcpFlagsToString(flags: number): string {
  const names: string[] = [];
  for (const [mask, name] of FLAG_NAMES) if (flags & mask) names.push(name);
  if (flags & TCP_RESERVED_FLAGS) names.push(`Reserved(${hex(flags & TCP_RESERVED_FLAGS, 3)})`);
  return names.length > 0 ? names.join(",") : "<None>";
}

/** tcpdump's compact flags, e.g. `S.` for SYN-ACK: F S R P . U E W e. */
export function tcpFlagsToTcpdump(flags: number): string {
  const letters = "FSRP.UEWe";
  let text = "";
  for (let bit = 0; bit < 9; bit++) if (flags & (1 << bit)) text += letters[bit];
  return text.length > 0 ? text : "none";
}

/** A zero-copy view of a TCP segment. Construct it over bytes that `checkTcp` accepted. */
export class TcpView {
  constructor(readonly bytes: Uint8Array) {}

  get srcPort(): number {
    return (this.bytes[TCP_SRC_PORT] << 8) | this.bytes[TCP_SRC_PORT + 1];
  }
  set srcPort(value: number) {
    writeUint16(this.bytes, TCP_SRC_PORT, value);
  }

  get dstPort(): number {
    return (this.bytes[TCP_DST_PORT] << 8) | this.bytes[TCP_DST_PORT + 1];
  }
  set dstPort(value: number) {
    writeUint16(this.bytes, TCP_DST_PORT, value);
  }

  get seq(): number {
    return readUint32(this.bytes, TCP_SEQ);
  }
  set seq(value: number) {
    writeUint32(this.bytes, TCP_SEQ, value);
  }

  get ack(): number {
    return readUint32(this.bytes, TCP_ACK);
  }
  set ack(value: number) {
    writeUint32(this.bytes, TCP_ACK, value);
  }

  /** Header length in 32-bit words (5-15). */
  get dataOffset(): number {
    return this.bytes[TCP_DATA_OFFSET] >>> 4;
  }
  set dataOffset(words: number) {
    this.bytes[TCP_DATA_OFFSET] = ((words & 0x0f) << 4) | (this.bytes[TCP_DATA_OFFSET] & 0x0f);
  }

  /** Header length in bytes (data offset × 4): where the data begins. */
  get headerLength(): number {
    return (this.bytes[TCP_DATA_OFFSET] >>> 4) * 4;
  }

  /** The 12 flag bits (see `TcpFlags`), reserved bits included. */
  get flags(): number {
    return ((this.bytes[TCP_FLAGS] & 0x0f) << 8) | this.bytes[TCP_FLAGS + 1];
  }
  set flags(value: number) {
    this.bytes[TCP_FLAGS] = (this.bytes[TCP_FLAGS] & 0xf0) | ((value >>> 8) & 0x0f);
    this.bytes[TCP_FLAGS + 1] = value & 0xff;
  }

  /** Whether every bit of `mask` (e.g. `TcpFlags.SYN | TcpFlags.ACK`) is set. */
  has(mask: number): boolean {
    return (this.flags & mask) === mask;
  }

  get window(): number {
    return (this.bytes[TCP_WINDOW] << 8) | this.bytes[TCP_WINDOW + 1];
  }
  set window(value: number) {
    writeUint16(this.bytes, TCP_WINDOW, value);
  }

  get checksum(): number {
    return (this.bytes[TCP_CHECKSUM] << 8) | this.bytes[TCP_CHECKSUM + 1];
  }
  set checksum(value: number) {
    writeUint16(this.bytes, TCP_CHECKSUM, value);
  }

  get urgentPointer(): number {
    return (this.bytes[TCP_URGENT_POINTER] << 8) | this.bytes[TCP_URGENT_POINTER + 1];
  }
  set urgentPointer(value: number) {
    writeUint16(this.bytes, TCP_URGENT_POINTER, value);
  }

  /** The option bytes, padding included (zero-copy). */
  get optionBytes(): Uint8Array {
    return this.bytes.subarray(TCP_OPTIONS, Math.max(TCP_OPTIONS, this.headerLength));
  }

  /** The data after the header (zero-copy). */
  get payload(): Uint8Array {
    return this.bytes.subarray(Math.min(this.headerLength, this.bytes.length));
  }

  /**
   * Whether the checksum is right: the one's complement sum over the pseudo-header (IPv4:
   * RFC 9293 §3.1; IPv6: RFC 8200 §8.1), header and data, checksum included, must be all ones.
   * The view must span exactly the segment (the IP payload).
   */
  verifyChecksum(pseudo: PseudoHeader): boolean {
    const length = this.bytes.length;
    return internetChecksum(this.bytes, 0, length, pseudoHeaderSum(pseudo, IP_PROTOCOL_TCP, length)) === 0;
  }

  /** The checksum this segment should carry. */
  computeChecksum(pseudo: PseudoHeader): number {
    const length = this.bytes.length;
    // Sum around the checksum field instead of zeroing it, so the view is not modified.
    const head = onesComplementSum(this.bytes, 0, TCP_CHECKSUM);
    return internetChecksum(
      this.bytes,
      TCP_CHECKSUM + 2,
      length,
      pseudoHeaderSum(pseudo, IP_PROTOCOL_TCP, length) + head,
    );
  }

  /** Computes the checksum over pseudo-header, header and data, and writes it. */
  fillChecksum(pseudo: PseudoHeader): void {
    this.checksum = this.computeChecksum(pseudo);
  }
}

/** Checks the fixed header and the data offset; `undefined` when `bytes` can be viewed as TCP. */
export function checkTcp(bytes: Uint8Array): ParseError | undefined {
  if (bytes.length < TCP_HEADER_LENGTH)
    return new ParseError("tcp", `${bytes.length} bytes is shorter than the 20-byte TCP header`, 0);
  const words = bytes[TCP_DATA_OFFSET] >>> 4;
  if (words < 5)
    return new ParseError("tcp", `data offset ${words} words is below the minimum of 5`, TCP_DATA_OFFSET);
  if (words * 4 > bytes.length)
    return new ParseError(
      "tcp",
      `data offset ${words} words (${words * 4} bytes) overruns the ${bytes.length}-byte segment`,
      TCP_DATA_OFFSET,
    );
  return undefined;
}

/**
 * Parses a TCP segment (exactly the IP payload). The payload is a zero-copy subarray; the options
 * keep every byte (see `TcpOption`). The checksum is not checked here: call `TcpView.verifyChecksum`.
 */
export function parseTcp(bytes: Uint8Array): TcpRepr | ParseError {
  const error = checkTcp(bytes);
  if (error) return error;
  const headerLength = (bytes[TCP_DATA_OFFSET] >>> 4) * 4;
  const options = headerLength > TCP_HEADER_LENGTH ? parseTcpOptions(bytes, TCP_OPTIONS, headerLength) : [];
  if (options instanceof ParseError) return options;
  return {
    srcPort: (bytes[TCP_SRC_PORT] << 8) | bytes[TCP_SRC_PORT + 1],
    dstPort: (bytes[TCP_DST_PORT] << 8) | bytes[TCP_DST_PORT + 1],
    seq: readUint32(bytes, TCP_SEQ),
    ack: readUint32(bytes, TCP_ACK),
    flags: ((bytes[TCP_FLAGS] & 0x0f) << 8) | bytes[TCP_FLAGS + 1],
    window: (bytes[TCP_WINDOW] << 8) | bytes[TCP_WINDOW + 1],
    urgentPointer: (bytes[TCP_URGENT_POINTER] << 8) | bytes[TCP_URGENT_POINTER + 1],
    options,
    payload: bytes.subarray(headerLength),
  };
}

/** Header bytes the segment needs: 20 plus the options padded to 32 bits. */
export function tcpHeaderLength(repr: TcpRepr): number {
  return TCP_HEADER_LENGTH + tcpPaddedOptionsLength(repr.options);
}

/**
 * Writes header, options (padded with zeros), data and checksum (over the IPv4 or IPv6
 * pseudo-header) at the start of `into`; returns the segment's length. Throws a RangeError (a
 * programmer error) when the options exceed 40 bytes or `into` is too small. If the payload already
 * sits in `into` right after the header, it is not copied.
 */
export function emitTcp(repr: TcpRepr, into: Uint8Array, pseudo: PseudoHeader): number {
  const headerLength = TCP_HEADER_LENGTH + tcpPaddedOptionsLength(repr.options);
  if (headerLength > TCP_MAX_HEADER_LENGTH)
    throw new RangeError(
      `TCP options need ${headerLength - TCP_HEADER_LENGTH} bytes, a header has room for 40`,
    );
  const length = headerLength + repr.payload.length;
  if (into.length < length)
    throw new RangeError(`TCP segment needs ${length} bytes, buffer has ${into.length}`);
  writeUint16(into, TCP_SRC_PORT, repr.srcPort);
  writeUint16(into, TCP_DST_PORT, repr.dstPort);
  writeUint32(into, TCP_SEQ, repr.seq);
  writeUint32(into, TCP_ACK, repr.ack);
  into[TCP_DATA_OFFSET] = ((headerLength >>> 2) << 4) | ((repr.flags >>> 8) & 0x0f);
  into[TCP_FLAGS + 1] = repr.flags & 0xff;
  writeUint16(into, TCP_WINDOW, repr.window);
  into[TCP_CHECKSUM] = 0;
  into[TCP_CHECKSUM + 1] = 0;
  writeUint16(into, TCP_URGENT_POINTER, repr.urgentPointer);
  if (repr.options.length > 0) emitTcpOptions(repr.options, into, TCP_OPTIONS);
  const payload = repr.payload;
  if (payload.buffer !== into.buffer || payload.byteOffset !== into.byteOffset + headerLength)
    into.set(payload, headerLength);
  writeUint16(
    into,
    TCP_CHECKSUM,
    internetChecksum(into, 0, length, pseudoHeaderSum(pseudo, IP_PROTOCOL_TCP, length)),
  );
  return length;
}

const FLAG_MEANINGS: readonly (readonly [number, string, string])[] = [
  [TcpFlags.AE, "AE (Accurate ECN)", "part of the Accurate ECN counter (RFC 9768)"],
  [TcpFlags.CWR, "CWR (Congestion Window Reduced)", "the sender slowed down after an ECN echo (RFC 3168)"],
  [TcpFlags.ECE, "ECE (ECN-Echo)", "a router on the path marked congestion (RFC 3168)"],
  [TcpFlags.URG, "URG (Urgent)", "the urgent pointer is significant"],
  [TcpFlags.ACK, "ACK (Acknowledgment)", "the acknowledgment number is significant"],
  [TcpFlags.PSH, "PSH (Push)", "deliver the data to the application without waiting"],
  [TcpFlags.RST, "RST (Reset)", "abort the connection"],
  [TcpFlags.SYN, "SYN (Synchronize)", "synchronize sequence numbers: opens a connection"],
  [TcpFlags.FIN, "FIN (Finish)", "no more data from the sender"],
];

/**
 * Explains a segment field by field, with byte offsets. With the segment's `bytes`, the data
 * offset, reserved bits and checksum are shown as sent; with a `pseudo`-header too, the checksum is
 * verified.
 */
export function describeTcp(repr: TcpRepr, bytes?: Uint8Array, pseudo?: PseudoHeader): LayerDescription {
  const view = bytes && checkTcp(bytes) === undefined ? new TcpView(bytes) : undefined;
  const headerLength = view ? view.headerLength : tcpHeaderLength(repr);
  const flags = repr.flags;
  const syn = (flags & TcpFlags.SYN) !== 0;
  const ackSet = (flags & TcpFlags.ACK) !== 0;

  let checksum: { value: string; meaning: string };
  if (!view) {
    checksum = {
      value: "(computed on emit)",
      meaning: "one's complement sum over pseudo-header, header and data",
    };
  } else if (!pseudo) {
    checksum = { value: hex(view.checksum, 4), meaning: "covers pseudo-header, header and data" };
  } else if (view.verifyChecksum(pseudo)) {
    checksum = { value: hex(view.checksum, 4), meaning: "correct: covers pseudo-header, header and data" };
  } else {
    checksum = {
      value: hex(view.checksum, 4),
      meaning: `incorrect, should be ${hex(view.computeChecksum(pseudo), 4)}: the segment is dropped`,
    };
  }

  const flagChildren: FieldDescription[] = FLAG_MEANINGS.map(([mask, name, meaning]) => ({
    name,
    value: flags & mask ? "Set" : "Not set",
    meaning,
    offset: mask === TcpFlags.AE ? TCP_FLAGS : TCP_FLAGS + 1,
    length: 1,
  }));
  if (flags & TCP_RESERVED_FLAGS)
    flagChildren.unshift({
      name: "Reserved",
      value: hex((flags & TCP_RESERVED_FLAGS) >>> 9, 1),
      meaning: "must be zero (RFC 9293 §3.1); ignored by the receiver",
      offset: TCP_FLAGS,
      length: 1,
    });

  const optionChildren: FieldDescription[] = [];
  let at = TCP_OPTIONS;
  for (const option of repr.options) {
    const length = tcpOptionLength(option);
    optionChildren.push({ ...describeOption(option, syn), offset: at, length });
    at += length;
  }
  if (at < headerLength)
    optionChildren.push({
      name: "Padding",
      value: `${headerLength - at} bytes`,
      meaning: "zeros that end the header on a 32-bit boundary",
      offset: at,
      length: headerLength - at,
    });

  const fields: FieldDescription[] = [
    {
      name: "Source Port",
      value: String(repr.srcPort),
      meaning: "the sender's port",
      offset: TCP_SRC_PORT,
      length: 2,
    },
    {
      name: "Destination Port",
      value: String(repr.dstPort),
      meaning: "the receiver's port; with the addresses and source port it names the connection",
      offset: TCP_DST_PORT,
      length: 2,
    },
    {
      name: "Sequence Number",
      value: String(repr.seq),
      meaning: syn
        ? "the initial sequence number (ISN); the first data byte will be ISN+1"
        : "the number of the first data byte in this segment",
      offset: TCP_SEQ,
      length: 4,
    },
    {
      name: "Acknowledgment Number",
      value: String(repr.ack),
      meaning: ackSet
        ? "the next sequence number the sender expects: everything before it arrived"
        : "not meaningful: the ACK flag is not set",
      offset: TCP_ACK,
      length: 4,
    },
    {
      name: "Data Offset",
      value: `${headerLength / 4} (${headerLength} bytes)`,
      meaning: "header length in 32-bit words: where the data begins",
      offset: TCP_DATA_OFFSET,
      length: 1,
    },
    {
      name: "Control Bits",
      value: `${hex(flags, 3)} (${tcpFlagsToString(flags)})`,
      meaning: controlMeaning(flags),
      offset: TCP_FLAGS,
      length: 2,
      children: flagChildren,
    },
    {
      name: "Window",
      value: String(repr.window),
      meaning: syn
        ? "bytes the sender can receive; never scaled in a SYN (RFC 7323 §2.2)"
        : "bytes the sender can still receive, before the window scale agreed in the handshake (RFC 7323)",
      offset: TCP_WINDOW,
      length: 2,
    },
    { name: "Checksum", ...checksum, offset: TCP_CHECKSUM, length: 2 },
    {
      name: "Urgent Pointer",
      value: String(repr.urgentPointer),
      meaning:
        flags & TcpFlags.URG
          ? "urgent data ends this many bytes after the sequence number"
          : "not meaningful: URG is not set",
      offset: TCP_URGENT_POINTER,
      length: 2,
    },
  ];
  if (headerLength > TCP_HEADER_LENGTH)
    fields.push({
      name: "Options",
      value: `${headerLength - TCP_HEADER_LENGTH} bytes`,
      meaning: tcpOptionsToString(repr.options),
      offset: TCP_OPTIONS,
      length: headerLength - TCP_HEADER_LENGTH,
      children: optionChildren,
    });
  fields.push({
    name: "Data",
    value: `${repr.payload.length} bytes`,
    meaning:
      repr.payload.length > 0
        ? `sequence numbers ${repr.seq} to ${(repr.seq + repr.payload.length - 1) >>> 0}`
        : "no data",
    offset: headerLength,
    length: repr.payload.length,
  });

  const options = repr.options.length > 0 ? `, options [${tcpOptionsToString(repr.options)}]` : "";
  return {
    layer: "tcp",
    title: "Transmission Control Protocol",
    ...OSI_TRANSPORT,
    summary:
      `TCP ${repr.srcPort} → ${repr.dstPort} [${tcpFlagsToString(flags)}] seq ${repr.seq}` +
      `${ackSet ? ` ack ${repr.ack}` : ""} win ${repr.window}${options}, length ${repr.payload.length}`,
    fields,
  };
}

function controlMeaning(flags: number): string {
  const f = flags & 0x1ff;
  if (f & TcpFlags.RST) return "reset: the connection is refused or aborted";
  if ((f & (TcpFlags.SYN | TcpFlags.ACK)) === TcpFlags.SYN) return "first step of the three-way handshake";
  if ((f & (TcpFlags.SYN | TcpFlags.ACK)) === (TcpFlags.SYN | TcpFlags.ACK))
    return "second step of the three-way handshake";
  if (f & TcpFlags.FIN) return "the sender has finished sending";
  if (f & TcpFlags.ACK) return "acknowledges data received";
  return "unusual: no ACK outside the first SYN";
}

function describeOption(option: TcpOption, syn: boolean): FieldDescription {
  switch (option.kind) {
    case "eol":
      return { name: "End of Option List", value: "0", meaning: "no more options; the rest is padding" };
    case "nop":
      return { name: "No-Operation", value: "1", meaning: "a filler that aligns the next option" };
    case "mss":
      return {
        name: "Maximum Segment Size",
        value: String(option.value),
        meaning: "the largest segment data the sender can receive (RFC 9293 §3.7.1)",
      };
    case "window-scale":
      return {
        name: "Window Scale",
        value: String(option.shift),
        meaning: `windows from the sender are multiplied by 2^${option.shift} = ${2 ** Math.min(option.shift, 14)} after the handshake (RFC 7323)`,
      };
    case "sack-permitted":
      return {
        name: "SACK Permitted",
        value: "yes",
        meaning: "the sender understands selective acknowledgments (RFC 2018)",
      };
    case "sack":
      return {
        name: "SACK",
        value: option.blocks.map((b) => `${b.left}-${b.right}`).join(" ") || "(no blocks)",
        meaning: "blocks of data received beyond the acknowledgment number (RFC 2018)",
      };
    case "timestamps":
      return {
        name: "Timestamps",
        value: `TSval ${option.value}, TSecr ${option.echo}`,
        meaning:
          syn && option.echo === 0
            ? "the sender's clock; nothing to echo yet (RFC 7323)"
            : "the sender's clock, and the peer's clock echoed back to measure round-trip time (RFC 7323)",
      };
    case "unknown":
      if (option.type === TcpOptionKind.EOL)
        return {
          name: "End of Option List",
          value: "0",
          meaning: `followed by ${option.data.length} padding bytes that are not zero`,
        };
      return {
        name: `Option kind ${option.type}`,
        value: `${option.data.length} data bytes`,
        meaning: "an option this stack does not interpret; a receiver ignores it",
      };
  }
}
