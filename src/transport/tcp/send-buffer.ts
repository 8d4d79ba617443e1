/**
 * The send buffer: bytes the application wrote that the peer has not yet acknowledged, both those
 * in flight and those not yet sent (RFC 9293 §3.3.1 fig. 3, "SND.UNA ... SND.NXT ... SND.UNA +
 * SND.WND"). Segments are cut from it on demand, so a retransmission may be repacketized, as in
 * BSD and Linux.
 *
 * Positions are stream offsets: byte 0 is the first data byte of the connection. Offsets do not
 * wrap (a double holds 2^53 exactly), so the connection converts sequence numbers at its edge.
 *
 * Memory: nothing is allocated until the first write. Large writes are kept by reference, the way
 * Node's writable streams hold the chunks they are given (the writer must not modify them after
 * handing them over); small writes are copied into a shared tail block so that a stream of tiny
 * writes does not become a list of tiny arrays. Acknowledged chunks are released at once.
 */

/** Writes at or above this size are kept by reference instead of copied. */
const REFERENCE_THRESHOLD = 2048;
/** Sizes of the blocks small writes are copied into: the first fits the write, then they double. */
const MIN_TAIL_BLOCK = 256;
const MAX_TAIL_BLOCK = 4096;

export class SendBuffer {
  /** Chunks in stream order; chunk i covers [starts[i], starts[i + 1]) (the last one up to `end`). */
  private chunks: Uint8Array[] = [];
  private starts: number[] = [];
  /** Index of the first live chunk (chunks before it were released). */
  private head = 0;
  /** Stream offset of the first byte still held (everything before was acknowledged). */
  private startOffset = 0;
  /** Stream offset just past the last byte written. */
  private endOffset = 0;
  /** The block small writes go into, if it is the last chunk and has room. */
  private tail: Uint8Array | null = null;
  /** Lookup hint: the chunk index found last (segments are cut in order). */
  private hint = 0;

  /** Offset of the first byte held: the acknowledged prefix ends here. */
  get start(): number {
    return this.startOffset;
  }

  /** Offset just past the last byte written. */
  get end(): number {
    return this.endOffset;
  }

  /** Bytes held (unacknowledged plus unsent). */
  get length(): number {
    return this.endOffset - this.startOffset;
  }

  /** Appends `bytes` (see the note on references above). */
  append(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    if (n >= REFERENCE_THRESHOLD) {
      this.tail = null;
      this.pushChunk(bytes);
      return;
    }
    let copied = 0;
    while (copied < n) {
      const tail = this.tail;
      const used = tail === null ? 0 : this.endOffset - this.starts[this.starts.length - 1];
      if (tail === null || used === tail.length) {
        let size = tail === null ? MIN_TAIL_BLOCK : Math.min(MAX_TAIL_BLOCK, tail.length * 2);
        while (size < n - copied && size < MAX_TAIL_BLOCK) size *= 2;
        this.tail = new Uint8Array(size);
        this.pushChunk(this.tail, 0);
        continue;
      }
      const take = Math.min(n - copied, tail.length - used);
      tail.set(copied === 0 && take === n ? bytes : bytes.subarray(copied, copied + take), used);
      this.endOffset += take;
      copied += take;
    }
  }

  private pushChunk(chunk: Uint8Array, length = chunk.length): void {
    if (this.head === this.chunks.length) {
      // Everything was released: start the arrays afresh instead of growing them.
      this.chunks.length = 0;
      this.starts.length = 0;
      this.head = 0;
      this.hint = 0;
    }
    this.chunks.push(chunk);
    this.starts.push(this.endOffset);
    this.endOffset += length;
  }

  /**
   * Copies `length` bytes starting at stream offset `offset` (which must lie within
   * [start, end - length]) into `into` at `at`.
   */
  copy(offset: number, length: number, into: Uint8Array, at: number): void {
    let i = this.find(offset);
    let within = offset - this.starts[i];
    let left = length;
    while (left > 0) {
      const chunk = this.chunks[i];
      const chunkEnd = i + 1 < this.chunks.length ? this.starts[i + 1] : this.endOffset;
      const available = chunkEnd - this.starts[i] - within;
      const take = Math.min(available, left);
      into.set(within === 0 && take === chunk.length ? chunk : chunk.subarray(within, within + take), at);
      at += take;
      left -= take;
      within = 0;
      i++;
    }
    this.hint = i - 1;
  }

  /** A view of the bytes at [offset, offset + length) when they lie in one chunk, else undefined. */
  view(offset: number, length: number): Uint8Array | undefined {
    const i = this.find(offset);
    const chunkEnd = i + 1 < this.chunks.length ? this.starts[i + 1] : this.endOffset;
    if (offset + length > chunkEnd) return undefined;
    const within = offset - this.starts[i];
    this.hint = i;
    return this.chunks[i].subarray(within, within + length);
  }

  /** Index of the chunk holding `offset` (binary search, starting from the hint). */
  private find(offset: number): number {
    const starts = this.starts;
    const h = this.hint;
    if (h >= this.head && h < starts.length && starts[h] <= offset) {
      if (h + 1 === starts.length || starts[h + 1] > offset) return h;
      if (h + 2 === starts.length || starts[h + 2] > offset) return h + 1;
    }
    let low = this.head;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Releases everything before stream offset `offset` (it was acknowledged). */
  release(offset: number): void {
    if (offset <= this.startOffset) return;
    if (offset > this.endOffset) offset = this.endOffset;
    this.startOffset = offset;
    const chunks = this.chunks;
    while (this.head < chunks.length) {
      const chunkEnd = this.head + 1 < chunks.length ? this.starts[this.head + 1] : this.endOffset;
      if (chunkEnd > offset) break;
      if (chunks[this.head] === this.tail) this.tail = null;
      chunks[this.head] = EMPTY;
      this.head++;
    }
    if (this.head === chunks.length) {
      chunks.length = 0;
      this.starts.length = 0;
      this.head = 0;
      this.hint = 0;
      this.tail = null;
    } else if (this.head > 64 && this.head * 2 > chunks.length) {
      chunks.splice(0, this.head);
      this.starts.splice(0, this.head);
      this.hint = Math.max(0, this.hint - this.head);
      this.head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
