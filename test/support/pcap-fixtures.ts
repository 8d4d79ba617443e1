/**
 * Reads the frames of a classic libpcap file (the tcpdump test corpus under the shared folder),
 * so wire-format tests can check themselves against bytes captured from real networks. Test-only:
 * the project's own pcap reader lives in src/trace and is tested on its own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sharedDir } from "./system.js";

export interface PcapFixture {
  /** The link-layer header type (1 = Ethernet, 101/228 = raw IPv4). */
  linkType: number;
  frames: Uint8Array[];
}

/** Path of a capture in the tcpdump test corpus. */
export function tcpdumpCapture(name: string): string {
  return join(sharedDir, "captures", "tcpdump-tests", name);
}

/** Parses a classic pcap file (either byte order, micro- or nanosecond timestamps). */
export function readPcapFrames(path: string): PcapFixture {
  const file = new Uint8Array(readFileSync(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, true);
  let little: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) little = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) little = false;
  else throw new Error(`${path}: not a classic pcap file (magic 0x${magic.toString(16)})`);
  const linkType = view.getUint32(20, little) & 0x0fffffff;
  const frames: Uint8Array[] = [];
  let offset = 24;
  while (offset + 16 <= file.length) {
    const captured = view.getUint32(offset + 8, little);
    offset += 16;
    if (offset + captured > file.length) break;
    frames.push(file.subarray(offset, offset + captured));
    offset += captured;
  }
  return { linkType, frames };
}

/** Hex text (spaces and newlines allowed) to bytes, for hand-checked literals. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  if (digits.length % 2 !== 0) throw new Error("odd number of hex digits");
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
