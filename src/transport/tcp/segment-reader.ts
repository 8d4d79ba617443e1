/**
 * Reading arriving segments without building new objects for each one.
 *
 * `parseTcp` (src/wire/tcp.ts) returns a fresh `TcpRepr` with a fresh options list and option
 * objects: right for a decoder, but on a bulk transfer that is several objects per segment for the
 * garbage collector. Nearly every segment of an established connection carries the same options —
 * NOP, NOP, Timestamps (RFC 7323 Appendix A's layout) and, during loss, NOP, NOP, SACK (RFC 2018
 * §3) — so the reader fills one scratch `TcpRepr` whose option objects are reused. Any other
 * layout (a SYN's MSS and window scale, EOL, unknown kinds, anything malformed) goes through
 * `parseTcpOptions`, which keeps every byte and reports errors exactly.
 *
 * The repr is valid until the next `read`: the TCP layer hands it to a connection and nothing keeps
 * it (a SYN's options are read into a `SynOffer`, payload bytes are copied into the receive
 * buffer). A `read` while the previous repr is still in use (a segment delivered re-entrantly,
 * e.g. over a loopback that delivers at once) must use `parseTcp` instead: see `TcpLayer.receive`.
 */
import type { ParseError } from "../../wire/parse-error.js";
import { checkTcp, TCP_HEADER_LENGTH, type TcpRepr } from "../../wire/tcp.js";
import { parseTcpOptions, type TcpOption, TcpOptionKind } from "../../wire/tcp-options.js";

const NOP: TcpOption = Object.freeze({ kind: "nop" });
/** The most SACK blocks a header has room for (40 option bytes: 2 + 4 × 8 = 34). */
const MAX_SACK_BLOCKS = 4;
const EMPTY = new Uint8Array(0);

export class SegmentReader {
  private readonly repr: TcpRepr = {
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    urgentPointer: 0,
    options: [],
    payload: EMPTY,
  };
  private readonly noOptions: TcpOption[] = [];
  private readonly timestamps = { kind: "timestamps" as const, value: 0, echo: 0 };
  /** One SACK option per block count, each with its own block objects. */
  private readonly sacks: { kind: "sack"; blocks: { left: number; right: number }[] }[] = [];
  /** The option lists, by [timestamps present (0/1)][SACK blocks (0 for none)]. */
  private readonly lists: TcpOption[][][] = [[], []];

  constructor() {
    for (let n = 0; n <= MAX_SACK_BLOCKS; n++) {
      const blocks: { left: number; right: number }[] = [];
      for (let i = 0; i < n; i++) blocks.push({ left: 0, right: 0 });
      const sack = { kind: "sack" as const, blocks };
      this.sacks.push(sack);
      this.lists[0].push(n === 0 ? [] : [NOP, NOP, sack]);
      this.lists[1].push(n === 0 ? [NOP, NOP, this.timestamps] : [NOP, NOP, this.timestamps, NOP, NOP, sack]);
    }
  }

  /** The segment in `bytes` (the whole IP payload), or why it is malformed. Never throws. */
  read(bytes: Uint8Array): TcpRepr | ParseError {
    const error = checkTcp(bytes);
    if (error) return error;
    const headerLength = (bytes[12] >>> 4) * 4;
    const repr = this.repr;
    if (headerLength > TCP_HEADER_LENGTH) {
      const options =
        this.readOptions(bytes, headerLength) ?? parseTcpOptions(bytes, TCP_HEADER_LENGTH, headerLength);
      if (!Array.isArray(options)) return options;
      repr.options = options;
    } else repr.options = this.noOptions;
    // RFC 9293 §3.1 header layout.
    repr.srcPort = (bytes[0] << 8) | bytes[1];
    repr.dstPort = (bytes[2] << 8) | bytes[3];
    repr.seq = ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0;
    repr.ack = ((bytes[8] << 24) | (bytes[9] << 16) | (bytes[10] << 8) | bytes[11]) >>> 0;
    repr.flags = ((bytes[12] & 0x0f) << 8) | bytes[13];
    repr.window = (bytes[14] << 8) | bytes[15];
    repr.urgentPointer = (bytes[18] << 8) | bytes[19];
    repr.payload = headerLength === bytes.length ? EMPTY : bytes.subarray(headerLength);
    return repr;
  }

  /**
   * The options when they are laid out as Linux and we send them — NOP, NOP, Timestamps (RFC 7323
   * Appendix A), then NOP, NOP, SACK (RFC 2018 §3), either one or both, nothing after — as one of
   * the preallocated lists; otherwise undefined (the caller parses them in full).
   */
  private readOptions(bytes: Uint8Array, end: number): TcpOption[] | undefined {
    let i = TCP_HEADER_LENGTH;
    let timestamps = 0;
    if (
      end - i >= 12 &&
      bytes[i] === TcpOptionKind.NOP &&
      bytes[i + 1] === TcpOptionKind.NOP &&
      bytes[i + 2] === TcpOptionKind.TIMESTAMPS &&
      bytes[i + 3] === 10
    ) {
      // TSval and TSecr, 32 bits each.
      const ts = this.timestamps;
      ts.value = ((bytes[i + 4] << 24) | (bytes[i + 5] << 16) | (bytes[i + 6] << 8) | bytes[i + 7]) >>> 0;
      ts.echo = ((bytes[i + 8] << 24) | (bytes[i + 9] << 16) | (bytes[i + 10] << 8) | bytes[i + 11]) >>> 0;
      timestamps = 1;
      i += 12;
    }
    let blocks = 0;
    if (
      end - i >= 4 &&
      bytes[i] === TcpOptionKind.NOP &&
      bytes[i + 1] === TcpOptionKind.NOP &&
      bytes[i + 2] === TcpOptionKind.SACK
    ) {
      const length = bytes[i + 3];
      blocks = (length - 2) >>> 3;
      if (length < 10 || (length - 2) % 8 !== 0 || blocks > MAX_SACK_BLOCKS || i + 2 + length > end)
        return undefined;
      // Left and right edges, 32 bits each, per block.
      const sack = this.sacks[blocks];
      for (let b = 0, at = i + 4; b < blocks; b++, at += 8) {
        const block = sack.blocks[b];
        block.left = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
        block.right =
          ((bytes[at + 4] << 24) | (bytes[at + 5] << 16) | (bytes[at + 6] << 8) | bytes[at + 7]) >>> 0;
      }
      i += 2 + length;
    }
    if (i !== end || (timestamps === 0 && blocks === 0)) return undefined;
    return this.lists[timestamps][blocks];
  }
}
