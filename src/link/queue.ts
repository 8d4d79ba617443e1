/**
 * A first-in first-out ring of frames, each with a time stamp, that grows by doubling and never
 * shrinks below what it once needed. Pushing and shifting allocate nothing once the ring has
 * grown to the working size, which is what a per-frame hot path needs (an `Array.shift()` would
 * move every element; a linked list would allocate a node per frame).
 *
 * Links use it twice per direction: as the drop-tail transmit queue (frames waiting for the
 * transmitter) and as the in-flight line (frames on the wire, stamped with their arrival time).
 */
export class FrameQueue {
  private frames: (Uint8Array | undefined)[];
  private times: Float64Array;
  private head = 0;
  /** Frames held. */
  length = 0;
  /** Sum of the held frames' lengths. */
  bytes = 0;

  /** @param initialCapacity rounded up to a power of two, so indices wrap with a mask. */
  constructor(initialCapacity = 8) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity *= 2;
    this.frames = new Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** Appends a frame with its time stamp. */
  push(frame: Uint8Array, time = 0): void {
    if (this.length === this.frames.length) this.grow();
    const index = (this.head + this.length) & (this.frames.length - 1);
    this.frames[index] = frame;
    this.times[index] = time;
    this.length++;
    this.bytes += frame.length;
  }

  /** The oldest frame's time stamp (undefined behaviour when empty: check `length`). */
  peekTime(): number {
    return this.times[this.head];
  }

  /** Removes and returns the oldest frame. */
  shift(): Uint8Array | undefined {
    if (this.length === 0) return undefined;
    const frame = this.frames[this.head]!;
    this.frames[this.head] = undefined;
    this.head = (this.head + 1) & (this.frames.length - 1);
    this.length--;
    this.bytes -= frame.length;
    return frame;
  }

  /** Removes every frame, calling `each` on it (oldest first). */
  drain(each: (frame: Uint8Array) => void): void {
    for (let frame = this.shift(); frame !== undefined; frame = this.shift()) each(frame);
  }

  private grow(): void {
    // Capacities stay powers of two so the index wraps with a mask.
    const capacity = this.frames.length * 2;
    const frames = new Array<Uint8Array | undefined>(capacity);
    const times = new Float64Array(capacity);
    for (let i = 0; i < this.length; i++) {
      const from = (this.head + i) & (this.frames.length - 1);
      frames[i] = this.frames[from];
      times[i] = this.times[from];
    }
    this.frames = frames;
    this.times = times;
    this.head = 0;
  }
}
