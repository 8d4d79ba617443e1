// Helpers shared by the link and switch tests: frames with recognisable contents, and endpoints
// that record what they receive.
import type { LinkEndpoint } from "../../src/link/endpoint.js";
import type { Scheduler } from "../../src/sim/scheduler.js";
import { writeMac48 } from "../../src/wire/ethernet.js";

/** An Ethernet II frame of `length` bytes carrying `sequence` in its first payload bytes (if ≥ 18). */
export function frame(
  length: number,
  sequence = 0,
  dst = 0x0200_0000_0002,
  src = 0x0200_0000_0001,
  ethertype = 0x0800,
): Uint8Array {
  const bytes = new Uint8Array(length);
  if (length < 18) return bytes;
  writeMac48(bytes, 0, dst);
  writeMac48(bytes, 6, src);
  bytes[12] = ethertype >>> 8;
  bytes[13] = ethertype & 0xff;
  new DataView(bytes.buffer).setUint32(14, sequence);
  for (let i = 18; i < length; i++) bytes[i] = (i * 7 + sequence) & 0xff;
  return bytes;
}

export function sequenceOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(14);
}

export interface Arrival {
  time: number;
  frame: Uint8Array;
}

/** Records every frame delivered to `endpoint`, with its arrival time. */
export function record(scheduler: Scheduler, endpoint: LinkEndpoint): Arrival[] {
  const arrivals: Arrival[] = [];
  endpoint.onReceive = (frame) => arrivals.push({ time: scheduler.now, frame });
  return arrivals;
}
