/**
 * What a capture file holds, independent of its format (classic pcap or pcapng): the interfaces
 * frames were captured on, and the frames themselves. Readers fill these in; the decoder and the
 * CLI consume them.
 */
import type { ParseError } from "../wire/parse-error.js";

/** Where frames were captured: one per pcap file, one per Interface Description Block in pcapng. */
export interface CaptureInterface {
  /** The link-layer header type of every frame on this interface (see `linktype.ts`). */
  linkType: number;
  /** Maximum bytes captured per frame (0 = no limit). */
  snapLength: number;
  /** Interface name (pcapng `if_name`), e.g. `"eth0"`. */
  name?: string;
  /** Free-text description (pcapng `if_description`). */
  description?: string;
  /** Timestamp units per second: 1 000 000 for microseconds, 1 000 000 000 for nanoseconds. */
  ticksPerSecond: bigint;
  /** Bytes of frame check sequence at the end of each frame, when the file says (pcap F bit, `if_fcslen`). */
  fcsLength?: number;
  /** The pcapng section the interface belongs to (0 for classic pcap). */
  section: number;
}

/** Which way a frame went (pcapng `epb_flags` bits 0–1). */
export type FrameDirection = "inbound" | "outbound";

/** One captured frame. */
export interface CaptureFrame {
  /** Index into {@link CaptureFile.interfaces}. */
  interfaceIndex: number;
  /** Copied from the interface, for convenience. */
  linkType: number;
  /** Capture time in nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** Length of the frame on the wire; larger than `data.length` when the snap length cut it. */
  originalLength: number;
  /** The captured bytes: a view into the file's bytes, not a copy. */
  data: Uint8Array;
  /** Per-frame comments (pcapng `opt_comment`). */
  comments: string[];
  /** Direction, when the file records it. */
  direction?: FrameDirection;
}

/** A whole capture, or as much of it as could be read. */
export interface CaptureFile {
  format: "pcap" | "pcapng";
  interfaces: CaptureInterface[];
  frames: CaptureFrame[];
  /**
   * Set when the file is damaged or truncated: what went wrong and at which byte of the file
   * (`offset`). The frames before the damage are still in `frames`.
   */
  error?: ParseError;
  /** Comments on the file itself (pcapng Section Header Block `opt_comment`). */
  comments: string[];
}

/** Where a writer sends its bytes, block by block (a file, a FIFO, a WebSocket, an array). */
export type ByteSink = (chunk: Uint8Array) => void;

/** Collects a writer's chunks in memory and joins them on demand. */
export class ByteCollector {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  readonly sink: ByteSink = (chunk) => {
    this.chunks.push(chunk);
    this.length += chunk.length;
  };

  /** Everything written so far, as one array. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** Converts a timestamp in `ticksPerSecond` units to nanoseconds (rounding down). */
export function ticksToNanoseconds(ticks: bigint, ticksPerSecond: bigint): bigint {
  if (ticksPerSecond === 1_000_000_000n) return ticks;
  return (ticks * 1_000_000_000n) / ticksPerSecond;
}

/** Accepts a nanosecond timestamp as a bigint or a safe integer number; throws on anything else. */
export function toNanoseconds(timestamp: bigint | number): bigint {
  if (typeof timestamp === "bigint") return timestamp;
  if (!Number.isSafeInteger(timestamp))
    throw new RangeError(`timestamp ${timestamp} ns is not a safe integer; pass a bigint`);
  return BigInt(timestamp);
}
