/**
 * Initial sequence numbers (RFC 6528 §3):
 *
 *     ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 *
 * where M is a timer that ticks every 4 microseconds (RFC 9293 §3.4.1's clock) and F a keyed
 * pseudo-random function of the connection's 4-tuple. Each 4-tuple gets its own sequence number
 * space, so an off-path attacker who opens a connection of its own learns nothing about the ISNs
 * of others, while a new incarnation of the same 4-tuple still starts above the old one's
 * numbers (the property RFC 9293 §3.4.1 needs against old duplicates). The key comes from the
 * simulation's seeded random source, so runs stay reproducible.
 */
import type { Nanoseconds } from "../../sim/time.js";
import type { IpAddress } from "../../wire/address/ipv6.js";
import { halfSipHash, type SipKey } from "./siphash.js";

/** RFC 9293 §3.4.1: the ISN clock's period. */
const ISN_TICK: Nanoseconds = 4_000;

const words = new Uint32Array(10);

/**
 * Writes the words of a 4-tuple into a scratch array for hashing; returns how many it wrote.
 * `extra` is appended (e.g. a SYN cookie's time counter).
 */
export function tupleWords(
  localAddress: IpAddress,
  localPort: number,
  remoteAddress: IpAddress,
  remotePort: number,
  extra?: number,
): Uint32Array {
  let n = writeAddress(localAddress, 0);
  n = writeAddress(remoteAddress, n);
  words[n++] = ((localPort << 16) | remotePort) >>> 0;
  if (extra !== undefined) words[n++] = extra >>> 0;
  return words.subarray(0, n);
}

function writeAddress(address: IpAddress, n: number): number {
  if (address.version === 4) {
    words[n] = address.value;
    return n + 1;
  }
  const b = address.bytes;
  for (let i = 0; i < 16; i += 4)
    words[n++] = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  return n;
}

/** RFC 6528's ISN generator with its secret key. */
export class IsnGenerator {
  constructor(private readonly key: SipKey) {}

  /** The ISN for a connection opened at virtual time `now`. */
  generate(
    localAddress: IpAddress,
    localPort: number,
    remoteAddress: IpAddress,
    remotePort: number,
    now: Nanoseconds,
  ): number {
    const f = halfSipHash(this.key, tupleWords(localAddress, localPort, remoteAddress, remotePort));
    const m = Math.floor(now / ISN_TICK) % 0x1_0000_0000;
    return (m + f) >>> 0;
  }
}
