/**
 * A minimal reader of classic libpcap files (both byte orders, micro- and nanosecond magic), for
 * tests that check our parsers against real captures in the shared corpus. Test-only: the real
 * pcap/pcapng reader and writer live in src/trace.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sharedDir } from "./system.js";

export interface PcapFile {
  /** LINKTYPE_* (1 Ethernet, 101 raw IP, 229 raw IPv6 ...). */
  linkType: number;
  frames: Uint8Array[];
}

/** The tcpdump test captures folder. */
export const tcpdumpCaptures = join(sharedDir, "captures", "tcpdump-tests");

export function readPcap(path: string): PcapFile {
  const file = new Uint8Array(readFileSync(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, false);
  let little: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) little = false;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) little = true;
  else throw new Error(`${path}: not a classic pcap file (magic 0x${magic.toString(16)})`);
  const linkType = view.getUint32(20, little) & 0x0fffffff;
  const frames: Uint8Array[] = [];
  let at = 24;
  while (at + 16 <= file.length) {
    const captured = view.getUint32(at + 8, little);
    const start = at + 16;
    if (start + captured > file.length) break;
    frames.push(file.subarray(start, start + captured));
    at = start + captured;
  }
  return { linkType, frames };
}

/** Frames of a file in the tcpdump test corpus. */
export function tcpdumpFrames(name: string): Uint8Array[] {
  return readPcap(join(tcpdumpCaptures, name)).frames;
}

/** The IPv6 packet inside an Ethernet II frame (after any 802.1Q tags), or undefined. */
export function ipv6InEthernet(frame: Uint8Array): Uint8Array | undefined {
  let at = 12;
  while (at + 2 <= frame.length && ((frame[at] << 8) | frame[at + 1]) === 0x8100) at += 4;
  if (at + 2 > frame.length || ((frame[at] << 8) | frame[at + 1]) !== 0x86dd) return undefined;
  return frame.subarray(at + 2);
}

/** Writes a classic pcap file (Ethernet link type) of `frames`, for feeding peers like tshark. */
export function pcapBytes(frames: readonly Uint8Array[], linkType = 1): Uint8Array {
  let size = 24;
  for (const f of frames) size += 16 + f.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, linkType, true);
  let at = 24;
  frames.forEach((frame, i) => {
    view.setUint32(at, i, true);
    view.setUint32(at + 8, frame.length, true);
    view.setUint32(at + 12, frame.length, true);
    out.set(frame, at + 16);
    at += 16 + frame.length;
  });
  return out;
}

/** The IPv6 packets of a corpus file, whatever its link type (Ethernet, raw IP, raw IPv6). */
export function ipv6Packets(name: string): Uint8Array[] {
  const { linkType, frames } = readPcap(join(tcpdumpCaptures, name));
  const packets: Uint8Array[] = [];
  for (const frame of frames) {
    const packet =
      linkType === 1 ? ipv6InEthernet(frame) : linkType === 101 || linkType === 229 ? frame : undefined;
    if (packet) packets.push(packet);
  }
  return packets;
}
