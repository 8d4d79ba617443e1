/**
 * Option negotiation on the SYN and SYN-ACK: MSS (RFC 9293 §3.7.1), window scaling and
 * timestamps (RFC 7323), SACK-permitted (RFC 2018). Each extension is on only when both SYNs
 * carried it; the values are fixed for the life of the connection. (The SYN's option layout is
 * the wire module's `synOptions`.)
 */
import type { TcpOption } from "../../wire/tcp.js";

/** What a received SYN (or SYN-ACK) offered. */
export interface SynOffer {
  /** The MSS option, or undefined when absent. */
  mss: number | undefined;
  /** The window scale shift, clamped to 14 (RFC 7323 §2.3), or undefined when absent. */
  windowScale: number | undefined;
  sackPermitted: boolean;
  /** TSval of the SYN, or undefined when it had no Timestamps option. */
  tsVal: number | undefined;
  /** TSecr of the SYN (a SYN-ACK echoes ours; a cookie ACK carries encoded options here). */
  tsEcr: number;
}

/** RFC 7323 §2.3: "the shift.cnt value ... MUST be limited to 14". */
export const MAX_WINDOW_SCALE = 14;

/** Reads the options of a SYN. Options that appear twice count once (the first). */
export function readSynOptions(options: readonly TcpOption[]): SynOffer {
  const offer: SynOffer = {
    mss: undefined,
    windowScale: undefined,
    sackPermitted: false,
    tsVal: undefined,
    tsEcr: 0,
  };
  for (const option of options) {
    switch (option.kind) {
      case "mss":
        if (offer.mss === undefined) offer.mss = option.value;
        break;
      case "window-scale":
        // RFC 7323 §2.3: a larger shift is logged and treated as 14.
        if (offer.windowScale === undefined) offer.windowScale = Math.min(option.shift, MAX_WINDOW_SCALE);
        break;
      case "sack-permitted":
        offer.sackPermitted = true;
        break;
      case "timestamps":
        if (offer.tsVal === undefined) {
          offer.tsVal = option.value;
          offer.tsEcr = option.echo;
        }
        break;
    }
  }
  return offer;
}

/** RFC 9293 §3.7.1: the MSS assumed when a SYN carries no MSS option (IPv4 536, IPv6 1220). */
export function defaultMss(ipVersion: 4 | 6): number {
  return ipVersion === 4 ? 536 : 1220;
}

/** The window scale shift that lets `buffer` bytes be advertised (RFC 7323 §2.3). */
export function windowScaleFor(buffer: number): number {
  let shift = 0;
  while (shift < MAX_WINDOW_SCALE && 0xffff * 2 ** shift < buffer) shift++;
  return shift;
}
