/**
 * Sequence number arithmetic (RFC 9293 §3.4): sequence numbers live in a circle of 2^32 values,
 * so "less than" means "less than, going round the circle by less than half of it" (the
 * comparison RFC 1982 calls serial number arithmetic). Every comparison of two sequence or
 * acknowledgment numbers in this module's users goes through these functions, never `<` directly.
 */

/** `a + n` modulo 2^32. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance from `b` to `a` (`a - b` interpreted in (-2^31, 2^31]). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** a > b in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** a >= b in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqGt(a, b) ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}

/** `low <= x < low + size` in sequence space (the window test of RFC 9293 §3.10.7.4). */
export function seqInWindow(x: number, low: number, size: number): boolean {
  const offset = (x - low) >>> 0;
  return offset < size;
}
