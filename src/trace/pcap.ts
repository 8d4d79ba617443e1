/**
 * The classic libpcap file format (draft-ietf-opsawg-pcap, "PCAP Capture File Format").
 *
 * A 24-byte file header (magic, version 2.4, time zone, accuracy, snap length, link type) and then
 * records: a 16-byte header (seconds, sub-seconds, captured length, original length) followed by the
 * captured bytes. The magic number says both the byte order the writer used (it reads as
 * 0xA1B2C3D4 in the writer's order) and the sub-second unit: 0xA1B2C3D4 microseconds,
 * 0xA1B23C4D nanoseconds.
 *
 * The reader never throws: damage ends the frame list with an error that says what and where.
 */
import { ParseError } from "../wire/parse-error.js";
import {
  ByteCollector,
  type ByteSink,
  type CaptureFile,
  type CaptureFrame,
  type CaptureInterface,
  toNanoseconds,
} from "./capture.js";

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** libpcap's MAXIMUM_SNAPLEN: what we write when the caller does not choose. */
export const PCAP_DEFAULT_SNAPLEN = 262144;

// File header offsets (draft-ietf-opsawg-pcap §4).
const MAGIC = 0;
const VERSION_MAJOR = 4;
const VERSION_MINOR = 6;
const SNAPLEN = 16;
const LINKTYPE = 20;
// Record header offsets (§5).
const TS_SECONDS = 0;
const TS_FRACTION = 4;
const CAPTURED_LENGTH = 8;
const ORIGINAL_LENGTH = 12;

// The link-type field (§4): bits 0–27 the link type (bits 16–25 reserved), bit 26 "F" says bits
// 28–31 hold the length of the frame check sequence appended to each frame, in 16-bit words.
const LINKTYPE_MASK = 0x03ff_ffff;
const FCS_PRESENT = 0x0400_0000;

/** Does this look like a classic pcap file (either byte order, either resolution)? */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const le = view.getUint32(0, true);
  const be = view.getUint32(0, false);
  return [le, be].some((m) => m === PCAP_MAGIC_MICROSECONDS || m === PCAP_MAGIC_NANOSECONDS);
}

/** Reads a classic pcap file. Never throws; see {@link CaptureFile.error} for damage. */
export function readPcap(bytes: Uint8Array): CaptureFile {
  const result: CaptureFile = { format: "pcap", interfaces: [], frames: [], comments: [] };
  const fail = (reason: string, offset: number): CaptureFile => {
    result.error = new ParseError("pcap", reason, offset);
    return result;
  };
  if (bytes.length < PCAP_FILE_HEADER_LENGTH)
    return fail(
      `file header truncated: ${bytes.length} of ${PCAP_FILE_HEADER_LENGTH} bytes present`,
      bytes.length,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian: boolean;
  let ticksPerSecond: bigint;
  const magicLe = view.getUint32(MAGIC, true);
  const magicBe = view.getUint32(MAGIC, false);
  if (magicLe === PCAP_MAGIC_MICROSECONDS || magicLe === PCAP_MAGIC_NANOSECONDS) {
    littleEndian = true;
    ticksPerSecond = magicLe === PCAP_MAGIC_NANOSECONDS ? 1_000_000_000n : 1_000_000n;
  } else if (magicBe === PCAP_MAGIC_MICROSECONDS || magicBe === PCAP_MAGIC_NANOSECONDS) {
    littleEndian = false;
    ticksPerSecond = magicBe === PCAP_MAGIC_NANOSECONDS ? 1_000_000_000n : 1_000_000n;
  } else {
    return fail(`unknown magic number 0x${magicBe.toString(16).padStart(8, "0")}`, 0);
  }
  const major = view.getUint16(VERSION_MAJOR, littleEndian);
  const minor = view.getUint16(VERSION_MINOR, littleEndian);
  // Version 2.4 is the only one written since 1998; libpcap also reads 2.2 and 2.3, same layout
  // (2.2 and earlier swapped the two length fields, which we cannot tell apart, so we read as 2.4).
  if (major !== 2) return fail(`unsupported version ${major}.${minor} (expected 2.4)`, VERSION_MAJOR);
  const linkField = view.getUint32(LINKTYPE, littleEndian);
  const iface: CaptureInterface = {
    linkType: linkField & LINKTYPE_MASK,
    snapLength: view.getUint32(SNAPLEN, littleEndian),
    ticksPerSecond,
    section: 0,
  };
  if ((linkField & FCS_PRESENT) !== 0) iface.fcsLength = (linkField >>> 28) * 2;
  result.interfaces.push(iface);

  const ticksToNs = ticksPerSecond === 1_000_000n ? 1000n : 1n;
  let offset = PCAP_FILE_HEADER_LENGTH;
  while (offset < bytes.length) {
    const recordNumber = result.frames.length + 1;
    if (bytes.length - offset < PCAP_RECORD_HEADER_LENGTH)
      return fail(
        `record ${recordNumber}: header truncated (${bytes.length - offset} of ${PCAP_RECORD_HEADER_LENGTH} bytes present)`,
        offset,
      );
    const seconds = view.getUint32(offset + TS_SECONDS, littleEndian);
    const fraction = view.getUint32(offset + TS_FRACTION, littleEndian);
    const captured = view.getUint32(offset + CAPTURED_LENGTH, littleEndian);
    const original = view.getUint32(offset + ORIGINAL_LENGTH, littleEndian);
    const dataStart = offset + PCAP_RECORD_HEADER_LENGTH;
    if (captured > bytes.length - dataStart)
      return fail(
        `record ${recordNumber}: header says ${captured} bytes were captured but only ${bytes.length - dataStart} remain in the file`,
        offset + CAPTURED_LENGTH,
      );
    const frame: CaptureFrame = {
      interfaceIndex: 0,
      linkType: iface.linkType,
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(fraction) * ticksToNs,
      // Some writers leave the original length zero or below the captured one; the captured bytes
      // are the better witness of how long the frame was.
      originalLength: Math.max(original, captured),
      data: bytes.subarray(dataStart, dataStart + captured),
      comments: [],
    };
    result.frames.push(frame);
    offset = dataStart + captured;
  }
  return result;
}

/** Options for {@link PcapWriter}. */
export interface PcapWriterOptions {
  /** The link type of every frame (classic pcap has one per file). */
  linkType: number;
  /** Snap length to record in the header (default 262144). */
  snapLength?: number;
  /** Sub-second unit (default nanoseconds). */
  resolution?: "microseconds" | "nanoseconds";
  /** Byte order of the file (default little-endian, as on most capturing hosts). */
  littleEndian?: boolean;
  /** Where to send the bytes as they are produced; without it the writer collects them for {@link PcapWriter.toBytes}. */
  sink?: ByteSink;
}

/**
 * Writes a classic pcap file, one record per call, to a sink (streaming) or to memory. The file
 * header goes out on construction, so a reader at the other end of a pipe can start at once.
 */
export class PcapWriter {
  private readonly collector?: ByteCollector;
  private readonly sink: ByteSink;
  private readonly littleEndian: boolean;
  private readonly nanoseconds: boolean;
  readonly snapLength: number;

  constructor(options: PcapWriterOptions) {
    if (options.sink) this.sink = options.sink;
    else {
      this.collector = new ByteCollector();
      this.sink = this.collector.sink;
    }
    this.littleEndian = options.littleEndian ?? true;
    this.nanoseconds = (options.resolution ?? "nanoseconds") === "nanoseconds";
    this.snapLength = options.snapLength ?? PCAP_DEFAULT_SNAPLEN;
    const header = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
    const view = new DataView(header.buffer);
    const le = this.littleEndian;
    view.setUint32(MAGIC, this.nanoseconds ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS, le);
    view.setUint16(VERSION_MAJOR, 2, le);
    view.setUint16(VERSION_MINOR, 4, le);
    // Time zone offset and timestamp accuracy (offsets 8 and 12) are always zero in practice.
    view.setUint32(SNAPLEN, this.snapLength, le);
    view.setUint32(LINKTYPE, options.linkType & LINKTYPE_MASK, le);
    this.sink(header);
  }

  /**
   * Appends one frame. `data` longer than the snap length is cut to it; `originalLength` defaults
   * to the full `data` length.
   */
  writePacket(timestampNs: bigint | number, data: Uint8Array, originalLength = data.length): void {
    const ns = toNanoseconds(timestampNs);
    const seconds = ns / 1_000_000_000n;
    if (ns < 0n || seconds > 0xffff_ffffn)
      throw new RangeError(`timestamp ${ns} ns does not fit a pcap record (0 … 2^32 s)`);
    const fraction = ns % 1_000_000_000n;
    const captured = Math.min(data.length, this.snapLength || data.length);
    const record = new Uint8Array(PCAP_RECORD_HEADER_LENGTH + captured);
    const view = new DataView(record.buffer);
    const le = this.littleEndian;
    view.setUint32(TS_SECONDS, Number(seconds), le);
    view.setUint32(TS_FRACTION, Number(this.nanoseconds ? fraction : fraction / 1000n), le);
    view.setUint32(CAPTURED_LENGTH, captured, le);
    view.setUint32(ORIGINAL_LENGTH, Math.max(originalLength, captured), le);
    record.set(data.subarray(0, captured), PCAP_RECORD_HEADER_LENGTH);
    this.sink(record);
  }

  /** The whole file so far (only when no sink was given). */
  toBytes(): Uint8Array {
    if (!this.collector) throw new Error("PcapWriter.toBytes(): this writer streams to a sink");
    return this.collector.toBytes();
  }
}
