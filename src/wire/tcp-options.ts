/**
 * TCP options (RFC 9293 §3.1 "Options", §3.2): the bytes between the fixed 20-byte header and the
 * data. Each option is either a single kind byte (End of Option List, No-Operation) or
 * kind, length (counting kind and length bytes), data.
 *
 * | kind | length | meaning                          | defined in        |
 * |------|--------|----------------------------------|-------------------|
 * | 0    | -      | End of Option List (EOL)         | RFC 9293 §3.2     |
 * | 1    | -      | No-Operation (NOP), for alignment| RFC 9293 §3.2     |
 * | 2    | 4      | Maximum Segment Size             | RFC 9293 §3.7.1   |
 * | 3    | 3      | Window Scale shift count         | RFC 7323 §2       |
 * | 4    | 2      | SACK-Permitted                   | RFC 2018 §2       |
 * | 5    | 2+8n   | SACK blocks                      | RFC 2018 §3       |
 * | 8    | 10     | Timestamps (TSval, TSecr)        | RFC 7323 §3       |
 *
 * Parsing keeps every byte: an option of another kind, or a known kind with a length its RFC does
 * not allow, becomes `{ kind: "unknown" }` with its data, and non-zero bytes after EOL are kept too
 * (see `TcpOption`), so that emitting a parsed header reproduces it byte for byte.
 */

import { readUint32, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** Option kind numbers (IANA "TCP Option Kind Numbers"). */
export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
} as const;

/** The room for options: data offset is at most 15 words, 60 bytes, less the 20 fixed bytes. */
export const TCP_MAX_OPTIONS_LENGTH = 40;

/**
 * One TCP option, in wire order.
 *
 * `unknown` keeps an option byte-exact: `type` is its kind byte and `data` what follows its length
 * byte. One special case: `{ kind: "unknown", type: 0, data }` is an End of Option List followed by
 * padding that is *not* all zeros; `data` is those padding bytes, emitted verbatim after the EOL
 * byte (RFC 9293 §3.2 says options end at EOL; we keep what follows only to reproduce the bytes).
 *
 * EOL padding as read: emit pads to the next 32-bit boundary with zeros by itself, so a parsed list
 * ends in the fewest `eol` entries that, padded, give the header its length as read: one when the
 * zeros stop at the next boundary, more when a sender padded with extra whole words of zeros (seen
 * in real captures).
 */
export type TcpOption =
  | { kind: "eol" }
  | { kind: "nop" }
  | { kind: "mss"; value: number }
  | { kind: "window-scale"; shift: number }
  | { kind: "sack-permitted" }
  | { kind: "sack"; blocks: { left: number; right: number }[] }
  | { kind: "timestamps"; value: number; echo: number }
  | { kind: "unknown"; type: number; data: Uint8Array };

/** The option of one kind, for `findTcpOption`. */
export type TcpOptionOf<K extends TcpOption["kind"]> = Extract<TcpOption, { kind: K }>;

/** The first option of `kind` in a list, e.g. `findTcpOption(repr.options, "mss")?.value`. */
export function findTcpOption<K extends TcpOption["kind"]>(
  options: readonly TcpOption[],
  kind: K,
): TcpOptionOf<K> | undefined {
  for (const option of options) if (option.kind === kind) return option as TcpOptionOf<K>;
  return undefined;
}

/** Bytes one option takes on the wire. */
export function tcpOptionLength(option: TcpOption): number {
  switch (option.kind) {
    case "eol":
    case "nop":
      return 1;
    case "mss":
      return 4;
    case "window-scale":
      return 3;
    case "sack-permitted":
      return 2;
    case "sack":
      return 2 + 8 * option.blocks.length;
    case "timestamps":
      return 10;
    case "unknown":
      // An EOL with non-zero padding has no length byte; every other kind has one.
      return option.type === TcpOptionKind.EOL || option.type === TcpOptionKind.NOP
        ? 1 + option.data.length
        : 2 + option.data.length;
  }
}

/** Bytes the options take before padding. */
export function tcpOptionsLength(options: readonly TcpOption[]): number {
  let length = 0;
  for (let i = 0; i < options.length; i++) length += tcpOptionLength(options[i]);
  return length;
}

/** Bytes the options take once padded with zeros (EOL) to the 32-bit boundary the data offset needs. */
export function tcpPaddedOptionsLength(options: readonly TcpOption[]): number {
  return (tcpOptionsLength(options) + 3) & ~3;
}

/**
 * Parses the option bytes `bytes[start, end)` of a header (offsets in errors are from the start of
 * `bytes`, i.e. of the TCP header). Never throws.
 */
export function parseTcpOptions(bytes: Uint8Array, start: number, end: number): TcpOption[] | ParseError {
  const options: TcpOption[] = [];
  let i = start;
  while (i < end) {
    const type = bytes[i];
    if (type === TcpOptionKind.EOL) {
      // RFC 9293 §3.2: EOL ends the list; the rest of the header is padding, normally zeros.
      let zeros = true;
      for (let k = i + 1; k < end; k++) if (bytes[k] !== 0) zeros = false;
      if (!zeros) {
        options.push({ kind: "unknown", type, data: bytes.slice(i + 1, end) });
        return options;
      }
      // Emit pads to the next 32-bit boundary by itself; a sender that padded further (whole
      // words of zeros) is reproduced by the fewest EOL entries that reach the same length.
      const count = Math.max(1, end - i - 3);
      for (let k = 0; k < count; k++) options.push(EOL);
      return options;
    }
    if (type === TcpOptionKind.NOP) {
      options.push(NOP);
      i++;
      continue;
    }
    if (i + 1 >= end) return new ParseError("tcp", `option kind ${type} has no room for its length byte`, i);
    const length = bytes[i + 1];
    if (length < 2)
      return new ParseError("tcp", `option kind ${type} has length ${length}, below the minimum of 2`, i + 1);
    if (i + length > end)
      return new ParseError(
        "tcp",
        `option kind ${type} of length ${length} overruns the header by ${i + length - end} bytes`,
        i + 1,
      );
    options.push(parseOne(bytes, i, type, length));
    i += length;
  }
  return options;
}

const EOL: TcpOption = Object.freeze({ kind: "eol" });
const NOP: TcpOption = Object.freeze({ kind: "nop" });

/** One kind-length-data option whose bytes lie within the header. */
function parseOne(bytes: Uint8Array, at: number, type: number, length: number): TcpOption {
  const d = at + 2;
  switch (type) {
    case TcpOptionKind.MSS:
      if (length === 4) return { kind: "mss", value: (bytes[d] << 8) | bytes[d + 1] };
      break;
    case TcpOptionKind.WINDOW_SCALE:
      // The shift is kept as sent; RFC 7323 §2.3 says a receiver treats a shift above 14 as 14,
      // which is the TCP implementation's decision, not the wire format's.
      if (length === 3) return { kind: "window-scale", shift: bytes[d] };
      break;
    case TcpOptionKind.SACK_PERMITTED:
      if (length === 2) return { kind: "sack-permitted" };
      break;
    case TcpOptionKind.SACK:
      if ((length - 2) % 8 === 0) {
        const blocks: { left: number; right: number }[] = [];
        for (let k = d; k < at + length; k += 8)
          blocks.push({ left: readUint32(bytes, k), right: readUint32(bytes, k + 4) });
        return { kind: "sack", blocks };
      }
      break;
    case TcpOptionKind.TIMESTAMPS:
      if (length === 10)
        return { kind: "timestamps", value: readUint32(bytes, d), echo: readUint32(bytes, d + 4) };
      break;
  }
  return { kind: "unknown", type, data: bytes.slice(d, at + length) };
}

/**
 * Writes the options in order at `bytes[offset...]`, then zeros (EOL) up to a 4-byte boundary, and
 * returns the padded length. Throws a RangeError (a programmer error, not bad input) when they do
 * not fit in the 40 bytes a header has room for. Values are written modulo their field width.
 */
export function emitTcpOptions(options: readonly TcpOption[], bytes: Uint8Array, offset: number): number {
  const padded = tcpPaddedOptionsLength(options);
  if (padded > TCP_MAX_OPTIONS_LENGTH)
    throw new RangeError(`TCP options need ${padded} bytes, a header has room for ${TCP_MAX_OPTIONS_LENGTH}`);
  let i = offset;
  for (let n = 0; n < options.length; n++) {
    const option = options[n];
    switch (option.kind) {
      case "eol":
        bytes[i++] = TcpOptionKind.EOL;
        break;
      case "nop":
        bytes[i++] = TcpOptionKind.NOP;
        break;
      case "mss":
        bytes[i] = TcpOptionKind.MSS;
        bytes[i + 1] = 4;
        bytes[i + 2] = (option.value >>> 8) & 0xff;
        bytes[i + 3] = option.value & 0xff;
        i += 4;
        break;
      case "window-scale":
        bytes[i] = TcpOptionKind.WINDOW_SCALE;
        bytes[i + 1] = 3;
        bytes[i + 2] = option.shift & 0xff;
        i += 3;
        break;
      case "sack-permitted":
        bytes[i] = TcpOptionKind.SACK_PERMITTED;
        bytes[i + 1] = 2;
        i += 2;
        break;
      case "sack": {
        bytes[i] = TcpOptionKind.SACK;
        bytes[i + 1] = 2 + 8 * option.blocks.length;
        i += 2;
        for (const block of option.blocks) {
          writeUint32(bytes, i, block.left);
          writeUint32(bytes, i + 4, block.right);
          i += 8;
        }
        break;
      }
      case "timestamps":
        bytes[i] = TcpOptionKind.TIMESTAMPS;
        bytes[i + 1] = 10;
        writeUint32(bytes, i + 2, option.value);
        writeUint32(bytes, i + 6, option.echo);
        i += 10;
        break;
      case "unknown":
        bytes[i++] = option.type;
        if (option.type !== TcpOptionKind.EOL && option.type !== TcpOptionKind.NOP)
          bytes[i++] = 2 + option.data.length;
        bytes.set(option.data, i);
        i += option.data.length;
        break;
    }
  }
  // RFC 9293 §3.1: "The TCP header padding is used to ensure that the TCP header ends, and data
  // begins, on a 32-bit boundary. The padding is composed of zeros."
  const end = offset + padded;
  while (i < end) bytes[i++] = 0;
  return padded;
}

/** What a SYN offers (RFC 9293 §3.7.1, RFC 7323, RFC 2018); omit what is not offered. */
export interface SynOptionsOffer {
  /** Maximum Segment Size this end can receive (MTU less IP and TCP headers). */
  mss: number;
  /** Window scale shift this end will apply to the windows it sends (0-14). */
  windowScale?: number;
  /** Whether this end can receive SACK blocks. */
  sackPermitted?: boolean;
  /** Timestamps: our clock now, and the peer's TSval to echo (0 in a SYN, RFC 7323 §3.2). */
  timestamps?: { value: number; echo: number };
}

/**
 * Options for a SYN or SYN-ACK, laid out the way Linux does (`tcp_options_write`) so that the
 * 4- and 8-byte fields sit on 32-bit boundaries and the list needs no trailing padding:
 * MSS, then SACK-Permitted + Timestamps (or NOP, NOP, Timestamps), then NOP + Window Scale,
 * then NOP, NOP, SACK-Permitted when there are no timestamps to share a word with.
 * With everything offered this is `mss,sackOK,TS,nop,wscale`: 20 bytes.
 */
export function synOptions(offer: SynOptionsOffer): TcpOption[] {
  const options: TcpOption[] = [{ kind: "mss", value: offer.mss }];
  if (offer.timestamps) {
    if (offer.sackPermitted) options.push({ kind: "sack-permitted" });
    else options.push(NOP, NOP);
    options.push({ kind: "timestamps", value: offer.timestamps.value, echo: offer.timestamps.echo });
  }
  if (offer.windowScale !== undefined) options.push(NOP, { kind: "window-scale", shift: offer.windowScale });
  if (offer.sackPermitted && !offer.timestamps) options.push(NOP, NOP, { kind: "sack-permitted" });
  return options;
}

/**
 * Options for a segment after the handshake: NOP, NOP, Timestamps (RFC 7323 Appendix A layout),
 * then NOP, NOP, SACK with as many blocks as fit (RFC 2018 §3: at most 3 with timestamps, 4 without).
 */
export function segmentOptions(
  timestamps?: { value: number; echo: number },
  sackBlocks?: readonly { left: number; right: number }[],
): TcpOption[] {
  const options: TcpOption[] = [];
  if (timestamps)
    options.push(NOP, NOP, { kind: "timestamps", value: timestamps.value, echo: timestamps.echo });
  if (sackBlocks && sackBlocks.length > 0) {
    const room = Math.floor((TCP_MAX_OPTIONS_LENGTH - (timestamps ? 12 : 0) - 4) / 8);
    options.push(NOP, NOP, {
      kind: "sack",
      blocks: sackBlocks.slice(0, room).map((b) => ({ left: b.left, right: b.right })),
    });
  }
  return options;
}

/** tcpdump's rendering of an option list, e.g. `mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7`. */
export function tcpOptionsToString(options: readonly TcpOption[]): string {
  return options.map(tcpOptionToString).join(",");
}

/** tcpdump's rendering of one option, e.g. `wscale 7`. */
export function tcpOptionToString(option: TcpOption): string {
  switch (option.kind) {
    case "eol":
      return "eol";
    case "nop":
      return "nop";
    case "mss":
      return `mss ${option.value}`;
    case "window-scale":
      return `wscale ${option.shift}`;
    case "sack-permitted":
      return "sackOK";
    case "sack":
      return `sack ${option.blocks.length} ${option.blocks.map((b) => `{${b.left}:${b.right}}`).join("")}`;
    case "timestamps":
      return `TS val ${option.value} ecr ${option.echo}`;
    case "unknown":
      return option.type === TcpOptionKind.EOL
        ? `eol+${option.data.length} padding`
        : `unknown-${option.type}`;
  }
}
