/**
 * HalfSipHash-2-4 (Aumasson and Bernstein's SipHash on 32-bit words, 64-bit key, 32-bit output):
 * the keyed pseudo-random function behind initial sequence numbers (RFC 6528 §3, "F") and SYN
 * cookies. Linux uses the SipHash family for both (`secure_tcp_seq`, `__cookie_v4_init_sequence`).
 *
 * The input is a list of 32-bit words (addresses and ports), each taken as its four little-endian
 * bytes, so `halfSipHash(k0, k1, [w0, ...])` equals the reference function on those bytes.
 */

/** A 64-bit key as two 32-bit words (k0 = key bytes 0-3 little-endian, k1 = bytes 4-7). */
export interface SipKey {
  k0: number;
  k1: number;
}

let v0 = 0;
let v1 = 0;
let v2 = 0;
let v3 = 0;

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

function sipRound(): void {
  v0 = (v0 + v1) | 0;
  v1 = rotl(v1, 5) ^ v0;
  v0 = rotl(v0, 16);
  v2 = (v2 + v3) | 0;
  v3 = rotl(v3, 8) ^ v2;
  v0 = (v0 + v3) | 0;
  v3 = rotl(v3, 7) ^ v0;
  v2 = (v2 + v1) | 0;
  v1 = rotl(v1, 13) ^ v2;
  v2 = rotl(v2, 16);
}

function absorb(m: number): void {
  v3 ^= m;
  sipRound();
  sipRound();
  v0 ^= m;
}

/** HalfSipHash-2-4 with a 32-bit result of `count` words of `words` (unsigned). */
export function halfSipHash(key: SipKey, words: ArrayLike<number>, count = words.length): number {
  v0 = key.k0;
  v1 = key.k1;
  v2 = 0x6c796765 ^ key.k0;
  v3 = 0x74656462 ^ key.k1;
  for (let i = 0; i < count; i++) absorb(words[i] | 0);
  // The final block holds the message length in bytes in its top byte (no leftover bytes here).
  absorb((count * 4) << 24);
  v2 ^= 0xff;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  return (v1 ^ v3) >>> 0;
}

/** A fresh key from a (seeded) random source. */
export function randomSipKey(random: { nextUint32(): number }): SipKey {
  return { k0: random.nextUint32() | 0, k1: random.nextUint32() | 0 };
}
