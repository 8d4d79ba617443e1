/**
 * Frame buffers for packets the stack builds or forwards.
 *
 * Every forwarded packet needs a fresh buffer (received frames are read-only: a switch floods one
 * buffer to several ports), and a `new Uint8Array(n)` over 64 octets allocates a separate
 * ArrayBuffer backing store outside the JS heap, which costs far more than the copy itself. So, as
 * Node.js does for small `Buffer`s, small frames are carved one after another out of 16 KiB slabs:
 * each frame is a `subarray` (a cheap on-heap view), a slab is never reused (so every frame starts
 * zeroed and no two frames share bytes), and a slab is freed by the garbage collector once no frame
 * carved from it is alive. The cost is that a frame kept for long (an ARP queue, a capture) keeps
 * its whole slab alive; slabs are small so that this stays modest.
 *
 * Code that reads a frame through its `buffer` must use `byteOffset` (as it must for any view).
 */

const SLAB_SIZE = 16 * 1024;
/** Frames above this size get their own buffer (jumbo frames, big reassembly copies). */
const MAX_POOLED = 2048;

let slab = new Uint8Array(SLAB_SIZE);
let used = 0;

/** A zero-filled buffer of `length` octets for a frame. */
export function allocateFrame(length: number): Uint8Array {
  if (length > MAX_POOLED) return new Uint8Array(length);
  if (used + length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const frame = slab.subarray(used, used + length);
  // Keep every frame 8-octet aligned (the checksum reads 32-bit words).
  used = (used + length + 7) & ~7;
  return frame;
}

/** A copy of `source[start, end)` in a pooled buffer. */
export function copyFrame(source: Uint8Array, start: number, end: number): Uint8Array {
  const frame = allocateFrame(end - start);
  frame.set(source.subarray(start, end));
  return frame;
}
