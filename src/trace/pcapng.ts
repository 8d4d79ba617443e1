/**
 * The pcapng file format (draft-ietf-opsawg-pcapng, "PCAP Now Generic").
 *
 * A file is a sequence of blocks, each framed as: block type (4 bytes), total length (4), body,
 * total length again (4); the total length is a multiple of 4. A Section Header Block (SHB) starts
 * every section and fixes its byte order (its byte-order magic reads 0x1A2B3C4D in the writer's
 * order). Interface Description Blocks (IDB) declare the interfaces of the section, numbered from
 * 0 in order; packet blocks (Enhanced, Simple, and the obsolete Packet Block) refer to them. Blocks
 * of other types (name resolution, statistics, custom, ...) are skipped: the length framing lets
 * a reader step over what it does not know, which is the point of the format.
 *
 * Options follow the fixed part of a block: code (2 bytes), length (2), value padded to 4 bytes,
 * ended by opt_endofopt (code 0).
 *
 * The reader never throws and never loops: every block must advance by at least 12 bytes, and any
 * framing damage ends the read with an error naming the block and the byte offset.
 */
import { ParseError } from "../wire/parse-error.js";
import {
  ByteCollector,
  type ByteSink,
  type CaptureFile,
  type CaptureFrame,
  type CaptureInterface,
  type FrameDirection,
  ticksToNanoseconds,
  toNanoseconds,
} from "./capture.js";

// Block types (§10.1 of the draft, "Block Type Codes").
export const BLOCK_SECTION_HEADER = 0x0a0d0d0a;
export const BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
export const BLOCK_PACKET = 0x00000002; // obsolete, still read
export const BLOCK_SIMPLE_PACKET = 0x00000003;
export const BLOCK_NAME_RESOLUTION = 0x00000004;
export const BLOCK_INTERFACE_STATISTICS = 0x00000005;
export const BLOCK_ENHANCED_PACKET = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

// Option codes. Code 1 (comment) is common to all blocks.
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_FCSLEN = 13;
const IF_TSOFFSET = 14;
const EPB_FLAGS = 2;

/** Block header (type + length) plus the trailing length copy. */
const BLOCK_OVERHEAD = 12;
// Fixed body sizes, before options.
const SHB_FIXED = 16;
const IDB_FIXED = 8;
const EPB_FIXED = 20;
const SPB_FIXED = 4;
const PB_FIXED = 20;

const blockNames: Record<number, string> = {
  [BLOCK_SECTION_HEADER]: "Section Header Block",
  [BLOCK_INTERFACE_DESCRIPTION]: "Interface Description Block",
  [BLOCK_PACKET]: "Packet Block",
  [BLOCK_SIMPLE_PACKET]: "Simple Packet Block",
  [BLOCK_NAME_RESOLUTION]: "Name Resolution Block",
  [BLOCK_INTERFACE_STATISTICS]: "Interface Statistics Block",
  [BLOCK_ENHANCED_PACKET]: "Enhanced Packet Block",
};

function blockName(type: number): string {
  return blockNames[type] ?? `block type 0x${type.toString(16).padStart(8, "0")}`;
}

/** Does this look like a pcapng file? */
export function isPcapng(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Option strings are UTF-8 without a terminator, but some writers add NULs: drop them. */
function optionString(value: Uint8Array): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  return utf8.decode(value.subarray(0, end));
}

interface RawOption {
  code: number;
  value: Uint8Array;
}

/** Thrown inside the reader only, turned into a `ParseError` at its edge. */
class Damage {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {}
}

/** Reads a pcapng file, all sections. Never throws; see {@link CaptureFile.error} for damage. */
export function readPcapng(bytes: Uint8Array): CaptureFile {
  const result: CaptureFile = { format: "pcapng", interfaces: [], frames: [], comments: [] };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian = true;
  let section = -1;
  /** Interfaces of the current section: block-local interface id → index in `result.interfaces`. */
  let sectionInterfaces: number[] = [];
  /** Per interface (by index in `result.interfaces`): if_tsoffset in nanoseconds. */
  const tsOffsets: bigint[] = [];
  let blockNumber = 0;
  let offset = 0;

  const u16 = (at: number) => view.getUint16(at, littleEndian);
  const u32 = (at: number) => view.getUint32(at, littleEndian);

  /** Options from `start` to `end` (both absolute offsets). */
  const readOptions = (start: number, end: number, where: string): RawOption[] => {
    const options: RawOption[] = [];
    let at = start;
    while (end - at >= 4) {
      const code = u16(at);
      const length = u16(at + 2);
      if (code === OPT_ENDOFOPT) break;
      const padded = (length + 3) & ~3;
      if (padded > end - at - 4)
        throw new Damage(
          `${where}: option ${code} says ${length} bytes but only ${end - at - 4} remain in the block`,
          at + 2,
        );
      options.push({ code, value: bytes.subarray(at + 4, at + 4 + length) });
      at += 4 + padded;
    }
    return options;
  };

  const comments = (options: RawOption[]): string[] =>
    options.filter((o) => o.code === OPT_COMMENT).map((o) => optionString(o.value));

  /** The index in `result.interfaces` of the section's interface `id`. */
  const interfaceIndex = (id: number, where: string, at: number): number => {
    const index = sectionInterfaces[id];
    if (index === undefined)
      throw new Damage(
        `${where}: interface ${id} was not described (section ${section} has ${sectionInterfaces.length})`,
        at,
      );
    return index;
  };

  try {
    while (offset < bytes.length) {
      blockNumber++;
      const remaining = bytes.length - offset;
      if (remaining < 8)
        throw new Damage(`block ${blockNumber}: header truncated (${remaining} of 8 bytes present)`, offset);
      const type = view.getUint32(offset, littleEndian);
      if (type === BLOCK_SECTION_HEADER) {
        // The type reads the same in both orders; the byte-order magic decides the order of the rest.
        if (remaining < 12)
          throw new Damage(
            `block ${blockNumber} (Section Header Block): truncated before its byte-order magic`,
            offset,
          );
        const magicLe = view.getUint32(offset + 8, true);
        if (magicLe === BYTE_ORDER_MAGIC) littleEndian = true;
        else if (view.getUint32(offset + 8, false) === BYTE_ORDER_MAGIC) littleEndian = false;
        else
          throw new Damage(
            `block ${blockNumber} (Section Header Block): bad byte-order magic 0x${view
              .getUint32(offset + 8, false)
              .toString(16)
              .padStart(8, "0")}`,
            offset + 8,
          );
      } else if (section < 0) {
        throw new Damage(
          `the file does not start with a Section Header Block (found ${blockName(type)})`,
          offset,
        );
      }
      const where = `block ${blockNumber} (${blockName(type)})`;
      const length = u32(offset + 4);
      if (length < BLOCK_OVERHEAD)
        throw new Damage(
          `${where}: total length ${length} is below the minimum of ${BLOCK_OVERHEAD}`,
          offset + 4,
        );
      if (length % 4 !== 0)
        throw new Damage(`${where}: total length ${length} is not a multiple of 4`, offset + 4);
      if (length > remaining)
        throw new Damage(
          `${where}: says ${length} bytes but only ${remaining} remain in the file`,
          offset + 4,
        );
      const trailer = u32(offset + length - 4);
      if (trailer !== length)
        throw new Damage(
          `${where}: trailing length ${trailer} does not match the leading length ${length}`,
          offset + length - 4,
        );
      const body = offset + 8;
      const bodyEnd = offset + length - 4;
      const bodyLength = bodyEnd - body;
      const need = (fixed: number) => {
        if (bodyLength < fixed)
          throw new Damage(
            `${where}: body of ${bodyLength} bytes is shorter than its ${fixed} fixed bytes`,
            body,
          );
      };

      switch (type) {
        case BLOCK_SECTION_HEADER: {
          need(SHB_FIXED);
          const major = u16(body + 4);
          if (major !== 1)
            throw new Damage(
              `${where}: unsupported version ${major}.${u16(body + 6)} (expected 1.0)`,
              body + 4,
            );
          section++;
          sectionInterfaces = [];
          const options = readOptions(body + SHB_FIXED, bodyEnd, where);
          result.comments.push(...comments(options));
          break;
        }
        case BLOCK_INTERFACE_DESCRIPTION: {
          need(IDB_FIXED);
          const iface: CaptureInterface = {
            linkType: u16(body),
            snapLength: u32(body + 4),
            ticksPerSecond: 1_000_000n, // if_tsresol default: microseconds
            section,
          };
          let offsetSeconds = 0n;
          for (const option of readOptions(body + IDB_FIXED, bodyEnd, where)) {
            if (option.code === IF_NAME) iface.name = optionString(option.value);
            else if (option.code === IF_DESCRIPTION) iface.description = optionString(option.value);
            else if (option.code === IF_TSRESOL && option.value.length >= 1) {
              // §4.2 if_tsresol: most significant bit clear → 10^-n seconds, set → 2^-n seconds.
              const resolution = option.value[0];
              iface.ticksPerSecond =
                (resolution & 0x80) === 0 ? 10n ** BigInt(resolution) : 2n ** BigInt(resolution & 0x7f);
            } else if (option.code === IF_FCSLEN && option.value.length >= 1)
              iface.fcsLength = option.value[0];
            else if (option.code === IF_TSOFFSET && option.value.length >= 8) {
              offsetSeconds = new DataView(option.value.buffer, option.value.byteOffset, 8).getBigInt64(
                0,
                littleEndian,
              );
            }
          }
          tsOffsets.push(offsetSeconds * 1_000_000_000n);
          sectionInterfaces.push(result.interfaces.length);
          result.interfaces.push(iface);
          break;
        }
        case BLOCK_ENHANCED_PACKET:
        case BLOCK_PACKET: {
          need(type === BLOCK_ENHANCED_PACKET ? EPB_FIXED : PB_FIXED);
          // The obsolete Packet Block has a 2-byte interface id and a 2-byte drop count.
          const interfaceId = type === BLOCK_ENHANCED_PACKET ? u32(body) : u16(body);
          const index = interfaceIndex(interfaceId, where, body);
          const iface = result.interfaces[index];
          const ticks = (BigInt(u32(body + 4)) << 32n) | BigInt(u32(body + 8));
          const captured = u32(body + 12);
          const original = u32(body + 16);
          const dataStart = body + EPB_FIXED;
          if (captured > bodyEnd - dataStart)
            throw new Damage(
              `${where}: captured length ${captured} exceeds the ${bodyEnd - dataStart} bytes of the block`,
              body + 12,
            );
          const options = readOptions(dataStart + ((captured + 3) & ~3), bodyEnd, where);
          const frame: CaptureFrame = {
            interfaceIndex: index,
            linkType: iface.linkType,
            timestampNs: ticksToNanoseconds(ticks, iface.ticksPerSecond) + tsOffsets[index],
            originalLength: Math.max(original, captured),
            data: bytes.subarray(dataStart, dataStart + captured),
            comments: comments(options),
          };
          const flags = options.find((o) => o.code === EPB_FLAGS && o.value.length >= 4);
          if (flags) {
            // §4.3.1 epb_flags bits 0–1: 01 inbound, 10 outbound.
            const direction =
              new DataView(flags.value.buffer, flags.value.byteOffset, 4).getUint32(0, littleEndian) & 3;
            if (direction === 1) frame.direction = "inbound";
            else if (direction === 2) frame.direction = "outbound";
          }
          result.frames.push(frame);
          break;
        }
        case BLOCK_SIMPLE_PACKET: {
          need(SPB_FIXED);
          // §4.4: the SPB belongs to interface 0 and has no captured length: it is the original
          // length cut to the snap length (and to what the block holds).
          const index = interfaceIndex(0, where, body);
          const iface = result.interfaces[index];
          const original = u32(body);
          const room = bodyEnd - (body + SPB_FIXED);
          let captured = Math.min(original, room);
          if (iface.snapLength !== 0) captured = Math.min(captured, iface.snapLength);
          const dataStart = body + SPB_FIXED;
          result.frames.push({
            interfaceIndex: index,
            linkType: iface.linkType,
            // No timestamp in a Simple Packet Block.
            timestampNs: 0n,
            originalLength: Math.max(original, captured),
            data: bytes.subarray(dataStart, dataStart + captured),
            comments: [],
          });
          break;
        }
        default:
          // Name resolution, interface statistics, decryption secrets, custom and unknown blocks:
          // nothing a frame list needs. The length framing was checked above, so skipping is safe.
          break;
      }
      offset += length;
    }
  } catch (error) {
    if (!(error instanceof Damage)) throw error;
    result.error = new ParseError("pcapng", error.reason, error.offset);
  }
  return result;
}

/** Options for {@link PcapngWriter}. */
export interface PcapngWriterOptions {
  /** Where to send each block as it is produced; without it the writer collects them for {@link PcapngWriter.toBytes}. */
  sink?: ByteSink;
  /** Byte order of the section (default little-endian). */
  littleEndian?: boolean;
  /** Section options: the writing application (shb_userappl), hardware, OS, and a comment. */
  application?: string;
  hardware?: string;
  os?: string;
  comment?: string;
}

/** An interface to declare with {@link PcapngWriter.addInterface}. */
export interface PcapngInterface {
  linkType: number;
  /** if_name, e.g. `"h1-eth0"`. */
  name?: string;
  /** if_description, e.g. `"host h1, link to switch s1"`. */
  description?: string;
  /** Snap length (default 0 = unlimited). */
  snapLength?: number;
}

/** Per-packet extras for {@link PcapngWriter.writePacket}. */
export interface PcapngPacketOptions {
  /** Length on the wire when `data` was cut (default `data.length`). */
  originalLength?: number;
  /** One comment (opt_comment), or several. */
  comment?: string | string[];
  /** epb_flags direction. */
  direction?: FrameDirection;
}

const utf8Encoder = new TextEncoder();

/** Encodes options (with opt_endofopt) in `littleEndian` order; empty when there are none. */
function encodeOptions(options: RawOption[], littleEndian: boolean): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  let size = 4; // opt_endofopt
  for (const option of options) size += 4 + ((option.value.length + 3) & ~3);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const option of options) {
    if (option.value.length > 0xffff)
      throw new RangeError(`pcapng option ${option.code} longer than 65535 bytes`);
    view.setUint16(at, option.code, littleEndian);
    view.setUint16(at + 2, option.value.length, littleEndian);
    out.set(option.value, at + 4);
    at += 4 + ((option.value.length + 3) & ~3);
  }
  // opt_endofopt is already zero.
  return out;
}

/**
 * Writes a pcapng file block by block, so it can stream to a FIFO (Wireshark reading live) as
 * well as fill a file. The Section Header Block goes out on construction; interfaces are declared
 * as they appear, and every packet carries a nanosecond timestamp (each IDB says if_tsresol = 9).
 */
export class PcapngWriter {
  private readonly collector?: ByteCollector;
  private readonly sink: ByteSink;
  private readonly littleEndian: boolean;
  private readonly snapLengths: number[] = [];

  constructor(options: PcapngWriterOptions = {}) {
    if (options.sink) this.sink = options.sink;
    else {
      this.collector = new ByteCollector();
      this.sink = this.collector.sink;
    }
    this.littleEndian = options.littleEndian ?? true;
    const fixed = new Uint8Array(SHB_FIXED);
    const view = new DataView(fixed.buffer);
    view.setUint32(0, BYTE_ORDER_MAGIC, this.littleEndian);
    view.setUint16(4, 1, this.littleEndian); // version 1.0
    view.setUint16(6, 0, this.littleEndian);
    // Section length unknown (-1): we stream, so we cannot know it up front (§4.1).
    view.setBigInt64(8, -1n, this.littleEndian);
    const shbOptions: RawOption[] = [];
    if (options.comment !== undefined) shbOptions.push(stringOption(OPT_COMMENT, options.comment));
    if (options.hardware !== undefined) shbOptions.push(stringOption(SHB_HARDWARE, options.hardware));
    if (options.os !== undefined) shbOptions.push(stringOption(SHB_OS, options.os));
    if (options.application !== undefined) shbOptions.push(stringOption(SHB_USERAPPL, options.application));
    this.writeBlock(BLOCK_SECTION_HEADER, fixed, undefined, shbOptions);
  }

  /** Declares an interface (writes its IDB) and returns its id for {@link writePacket}. */
  addInterface(iface: PcapngInterface): number {
    const fixed = new Uint8Array(IDB_FIXED);
    const view = new DataView(fixed.buffer);
    const snapLength = iface.snapLength ?? 0;
    view.setUint16(0, iface.linkType, this.littleEndian);
    view.setUint32(4, snapLength, this.littleEndian);
    const options: RawOption[] = [];
    if (iface.name !== undefined) options.push(stringOption(IF_NAME, iface.name));
    if (iface.description !== undefined) options.push(stringOption(IF_DESCRIPTION, iface.description));
    options.push({ code: IF_TSRESOL, value: Uint8Array.of(9) }); // 10^-9 s: nanoseconds
    this.writeBlock(BLOCK_INTERFACE_DESCRIPTION, fixed, undefined, options);
    this.snapLengths.push(snapLength);
    return this.snapLengths.length - 1;
  }

  /** Appends one frame captured on `interfaceId` at `timestampNs`, as an Enhanced Packet Block. */
  writePacket(
    interfaceId: number,
    timestampNs: bigint | number,
    data: Uint8Array,
    options: PcapngPacketOptions = {},
  ): void {
    const snapLength = this.snapLengths[interfaceId];
    if (snapLength === undefined)
      throw new RangeError(
        `pcapng: interface ${interfaceId} was not added (have ${this.snapLengths.length})`,
      );
    const ns = toNanoseconds(timestampNs);
    if (ns < 0n || ns > 0xffff_ffff_ffff_ffffn)
      throw new RangeError(`timestamp ${ns} ns does not fit 64 bits`);
    const captured = snapLength === 0 ? data.length : Math.min(data.length, snapLength);
    const fixed = new Uint8Array(EPB_FIXED);
    const view = new DataView(fixed.buffer);
    const le = this.littleEndian;
    view.setUint32(0, interfaceId, le);
    view.setUint32(4, Number(ns >> 32n), le);
    view.setUint32(8, Number(ns & 0xffff_ffffn), le);
    view.setUint32(12, captured, le);
    view.setUint32(16, Math.max(options.originalLength ?? data.length, captured), le);
    const packetOptions: RawOption[] = [];
    const commentList = options.comment === undefined ? [] : [options.comment].flat();
    for (const comment of commentList) packetOptions.push(stringOption(OPT_COMMENT, comment));
    if (options.direction !== undefined) {
      const flags = new Uint8Array(4);
      new DataView(flags.buffer).setUint32(0, options.direction === "inbound" ? 1 : 2, le);
      packetOptions.push({ code: EPB_FLAGS, value: flags });
    }
    this.writeBlock(BLOCK_ENHANCED_PACKET, fixed, data.subarray(0, captured), packetOptions);
  }

  /** The whole file so far (only when no sink was given). */
  toBytes(): Uint8Array {
    if (!this.collector) throw new Error("PcapngWriter.toBytes(): this writer streams to a sink");
    return this.collector.toBytes();
  }

  /** Frames one block: type, length, fixed part, data padded to 4, options, length. */
  private writeBlock(
    type: number,
    fixed: Uint8Array,
    data: Uint8Array | undefined,
    options: RawOption[],
  ): void {
    const encodedOptions = encodeOptions(options, this.littleEndian);
    const dataLength = data ? (data.length + 3) & ~3 : 0;
    const length = BLOCK_OVERHEAD + fixed.length + dataLength + encodedOptions.length;
    const block = new Uint8Array(length);
    const view = new DataView(block.buffer);
    view.setUint32(0, type, this.littleEndian);
    view.setUint32(4, length, this.littleEndian);
    block.set(fixed, 8);
    if (data) block.set(data, 8 + fixed.length);
    block.set(encodedOptions, 8 + fixed.length + dataLength);
    view.setUint32(length - 4, length, this.littleEndian);
    this.sink(block);
  }
}

function stringOption(code: number, text: string): RawOption {
  return { code, value: utf8Encoder.encode(text) };
}
