/**
 * The deterministic byte stream served at `/bytes/<n>`: anyone can regenerate it to check a
 * download. A 64 KiB block from a fixed xorshift32 sequence, each repetition XORed with its block
 * number (mod 256), so a misplaced block, not just a flipped bit, changes the digest.
 */
const BLOCK = 64 * 1024;
let block: Uint8Array | undefined;

function baseBlock(): Uint8Array {
  if (block) return block;
  block = new Uint8Array(BLOCK);
  let x = 0x2545f491;
  for (let i = 0; i < BLOCK; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[i] = x & 0xff;
  }
  return block;
}

/** Writes stream bytes [offset, offset + into.length) into `into`. */
export function fillDeterministicBytes(into: Uint8Array, offset: number): void {
  const base = baseBlock();
  let written = 0;
  while (written < into.length) {
    const position = offset + written;
    const blockNumber = Math.floor(position / BLOCK);
    const within = position - blockNumber * BLOCK;
    const take = Math.min(BLOCK - within, into.length - written);
    const mask = blockNumber & 0xff;
    if (mask === 0) into.set(base.subarray(within, within + take), written);
    else for (let i = 0; i < take; i++) into[written + i] = base[within + i] ^ mask;
    written += take;
  }
}

/** The stream bytes [offset, offset + length) as a new array. */
export function deterministicBytes(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  fillDeterministicBytes(out, offset);
  return out;
}
