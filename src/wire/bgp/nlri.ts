/**
 * IPv4 prefixes as UPDATE carries them (RFC 4271 §4.3, "Withdrawn Routes" and "Network Layer
 * Reachability Information"): a length octet in bits, then only the octets that length needs
 * (ceil(len/8)), so 10.1.0.0/16 takes 3 octets and 0.0.0.0/0 takes 1.
 */
import { Ipv4Address, Ipv4Prefix } from "../address/ipv4.js";
import { BgpErrorCode, UpdateErrorSubcode } from "./constants.js";
import { BgpError } from "./error.js";

/** Octets one prefix takes on the wire. */
export function nlriLength(prefix: Ipv4Prefix): number {
  return 1 + ((prefix.length + 7) >> 3);
}

/**
 * Reads the prefixes in `bytes[start, end)`. A length above 32 or a prefix running past `end` is
 * RFC 4271 §6.3's "Invalid Network Field" (for NLRI) or a malformed withdrawn list; the caller
 * gives the subcode. Host bits set beyond the length are cleared (the RFC says such bits are
 * irrelevant).
 */
export function parseNlri(
  bytes: Uint8Array,
  start: number,
  end: number,
  subcode: number = UpdateErrorSubcode.InvalidNetworkField,
): Ipv4Prefix[] | BgpError {
  const out: Ipv4Prefix[] = [];
  let at = start;
  while (at < end) {
    const length = bytes[at];
    if (length > 32) {
      return new BgpError(BgpErrorCode.UpdateMessage, subcode, `prefix length ${length} is above 32`, at);
    }
    const octets = (length + 7) >> 3;
    if (at + 1 + octets > end) {
      return new BgpError(
        BgpErrorCode.UpdateMessage,
        subcode,
        `a /${length} prefix needs ${octets} octets but only ${end - at - 1} remain`,
        at,
      );
    }
    let value = 0;
    for (let i = 0; i < 4; i++) value = (value << 8) | (i < octets ? bytes[at + 1 + i] : 0);
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
    out.push(new Ipv4Prefix(new Ipv4Address((value & mask) >>> 0), length));
    at += 1 + octets;
  }
  return out;
}

/** Writes prefixes from `offset`; returns the offset after them. */
export function emitNlri(prefixes: readonly Ipv4Prefix[], into: Uint8Array, offset: number): number {
  let at = offset;
  for (const prefix of prefixes) {
    const length = prefix.length;
    const value = prefix.address.value;
    into[at++] = length;
    const octets = (length + 7) >> 3;
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
    const masked = (value & mask) >>> 0;
    for (let i = 0; i < octets; i++) into[at++] = (masked >>> (24 - 8 * i)) & 0xff;
  }
  return at;
}
