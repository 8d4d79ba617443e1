/**
 * The receive buffer: in-order bytes waiting for the application, and out-of-order bytes waiting
 * for the holes before them to fill (RFC 9293 §3.10.7.4 "seventh, process the segment text";
 * RFC 1122 §4.2.2.20 (g): a TCP SHOULD queue out-of-order segments).
 *
 * Positions are stream offsets (byte 0 is the first data byte); the connection converts sequence
 * numbers at its edge and trims every segment to the receive window before it gets here, so the
 * bytes held never exceed the window the connection advertised. On top of that the number of
 * separate out-of-order ranges (holes) is capped, so a peer cannot make per-ACK work grow without
 * bound by sending one byte into every other position of a large window.
 *
 * It also remembers which out-of-order ranges changed most recently, to build SACK blocks in the
 * order RFC 2018 §4 asks for.
 *
 * Bytes are always copied (the network layer may reuse its frame buffers). In-order bytes are
 * copied into blocks that start just big enough and double up to 64 KiB while data keeps coming,
 * and are handed to the application as views of those blocks, so bulk transfer allocates one
 * buffer per 64 KiB rather than one per segment, and a one-byte exchange allocates little.
 */

/** A contiguous out-of-order range [start, end) held as a list of chunks. */
interface OutOfOrderRange {
  start: number;
  end: number;
  chunks: Uint8Array[];
}

/** A SACK block in stream offsets, [left, right). */
export interface OffsetBlock {
  left: number;
  right: number;
}

/** What `insert` did with a segment's bytes. */
export const InsertResult = {
  /** The bytes were in order (RCV.NXT advanced, possibly past queued out-of-order data). */
  InOrder: 0,
  /** Stored out of order. */
  OutOfOrder: 1,
  /** Nothing new: every byte was already held or delivered. */
  Duplicate: 2,
  /** Dropped: it would have opened one hole more than the cap allows. */
  Dropped: 3,
} as const;
export type InsertResult = (typeof InsertResult)[keyof typeof InsertResult];

export class ReceiveBuffer {
  /** RCV.NXT as a stream offset: the next byte expected in order. */
  next = 0;
  /** In-order bytes not yet read by the application. */
  readable = 0;
  /** Bytes held out of order. */
  outOfOrderBytes = 0;
  /** Set by `insert`: the first part of the bytes that was already held out of order, if any. */
  duplicateLeft = 0;
  duplicateRight = 0;
  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private ranges: OutOfOrderRange[] = [];
  /** The block in-order bytes are copied into, and how much of it is used. */
  private block: Uint8Array | null = null;
  private blockUsed = 0;
  /** Offsets inside recently changed ranges, most recent first (RFC 2018 §4). */
  private recent: number[] = [];

  constructor(
    /** The most out-of-order ranges (holes) held at once. */
    readonly maxRanges: number,
  ) {}

  /** Number of separate out-of-order ranges held. */
  get outOfOrderRanges(): number {
    return this.ranges.length;
  }

  /** The offset just past the highest byte held (in order or not). */
  get highestReceived(): number {
    const n = this.ranges.length;
    return n > 0 ? this.ranges[n - 1].end : this.next;
  }

  /**
   * Takes a copy of `data`, which belongs at stream offset `offset` and which the caller has
   * trimmed to the receive window.
   */
  insert(offset: number, data: Uint8Array): InsertResult {
    this.duplicateLeft = this.duplicateRight = 0;
    let end = offset + data.length;
    if (end <= this.next) return InsertResult.Duplicate;
    if (offset < this.next) {
      data = data.subarray(this.next - offset);
      offset = this.next;
    }
    if (offset === this.next) {
      // Bytes that fill a hole may also cover data held beyond it: the first such overlap is a
      // duplicate to report (RFC 2883).
      for (let k = 0; k < this.ranges.length && this.ranges[k].start < end; k++) {
        const left = Math.max(offset, this.ranges[k].start);
        const right = Math.min(end, this.ranges[k].end);
        if (right > left) {
          this.duplicateLeft = left;
          this.duplicateRight = right;
          break;
        }
      }
      this.copyIn(data);
      this.next = end;
      this.absorbRanges();
      return InsertResult.InOrder;
    }
    // Out of order: find the ranges that overlap or touch [offset, end).
    const ranges = this.ranges;
    let i = ranges.length;
    while (i > 0 && ranges[i - 1].end >= offset) i--;
    let j = i;
    while (j < ranges.length && ranges[j].start <= end) j++;
    // ranges[i, j) overlap or touch the new bytes; the gaps between them lie inside [offset, end).
    if (i === j) {
      if (ranges.length >= this.maxRanges) return InsertResult.Dropped;
      ranges.splice(i, 0, { start: offset, end, chunks: [data.slice()] });
      this.outOfOrderBytes += data.length;
      this.remember(offset);
      return InsertResult.OutOfOrder;
    }
    const first = ranges[i];
    const last = ranges[j - 1];
    for (let k = i; k < j; k++) {
      const left = Math.max(offset, ranges[k].start);
      const right = Math.min(end, ranges[k].end);
      if (right > left) {
        this.duplicateLeft = left;
        this.duplicateRight = right;
        break;
      }
    }
    if (j - i === 1 && first.start <= offset && first.end >= end) {
      // RFC 2883 §4: after the D-SACK block comes the block that holds the duplicate.
      this.remember(offset);
      return InsertResult.Duplicate;
    }
    const chunks: Uint8Array[] = [];
    let held = 0;
    let cursor = Math.min(offset, first.start);
    for (let k = i; k < j; k++) {
      const range = ranges[k];
      if (range.start > cursor) chunks.push(data.slice(cursor - offset, range.start - offset));
      for (const chunk of range.chunks) chunks.push(chunk);
      held += range.end - range.start;
      cursor = range.end;
    }
    if (end > cursor) chunks.push(data.slice(cursor - offset));
    end = Math.max(end, last.end);
    const merged: OutOfOrderRange = { start: Math.min(offset, first.start), end, chunks };
    this.outOfOrderBytes += merged.end - merged.start - held;
    ranges.splice(i, j - i, merged);
    this.remember(offset);
    return InsertResult.OutOfOrder;
  }

  /** Moves out-of-order ranges that RCV.NXT has reached into the in-order queue. */
  private absorbRanges(): void {
    const ranges = this.ranges;
    while (ranges.length > 0 && ranges[0].start <= this.next) {
      const range = ranges.shift()!;
      this.outOfOrderBytes -= range.end - range.start;
      if (range.end <= this.next) continue;
      let position = range.start;
      for (const chunk of range.chunks) {
        const chunkEnd = position + chunk.length;
        if (chunkEnd > this.next)
          this.enqueue(position >= this.next ? chunk : chunk.subarray(this.next - position));
        position = chunkEnd;
      }
      this.next = range.end;
    }
  }

  /** Copies in-order bytes into the current block (a new, larger one when it is full). */
  private copyIn(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      let block = this.block;
      if (block === null || this.blockUsed === block.length) {
        let size = block === null ? MIN_BLOCK : Math.min(MAX_BLOCK, block.length * 2);
        while (size < data.length - at && size < MAX_BLOCK) size *= 2;
        block = new Uint8Array(size);
        this.block = block;
        this.blockUsed = 0;
      }
      const take = Math.min(data.length - at, block.length - this.blockUsed);
      block.set(at === 0 && take === data.length ? data : data.subarray(at, at + take), this.blockUsed);
      this.enqueue(block.subarray(this.blockUsed, this.blockUsed + take));
      this.blockUsed += take;
      at += take;
    }
  }

  private enqueue(chunk: Uint8Array): void {
    if (this.queueHead === this.queue.length && this.queueHead > 0) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    this.queue.push(chunk);
    this.readable += chunk.length;
  }

  /** The next in-order chunk for the application, or undefined when none is waiting. */
  shift(): Uint8Array | undefined {
    if (this.queueHead === this.queue.length) return undefined;
    const chunk = this.queue[this.queueHead];
    this.queue[this.queueHead++] = EMPTY;
    this.readable -= chunk.length;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 256 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return chunk;
  }

  /** Up to `max` in-order bytes in one array (copied when they span chunks), or undefined. */
  read(max = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    if (this.readable === 0 || max <= 0) return undefined;
    const first = this.queue[this.queueHead];
    if (first.length <= max && (first.length === this.readable || first.length === max)) return this.shift();
    const total = Math.min(max, this.readable);
    const out = new Uint8Array(total);
    let filled = 0;
    while (filled < total) {
      const chunk = this.queue[this.queueHead];
      const take = Math.min(chunk.length, total - filled);
      out.set(take === chunk.length ? chunk : chunk.subarray(0, take), filled);
      filled += take;
      if (take === chunk.length) this.shift();
      else {
        this.queue[this.queueHead] = chunk.subarray(take);
        this.readable -= take;
      }
    }
    return out;
  }

  private remember(offset: number): void {
    const recent = this.recent;
    recent.unshift(offset);
    if (recent.length > 4) recent.length = 4;
  }

  /**
   * Up to `max` SACK blocks (RFC 2018 §4): first the range holding the most recently received
   * out-of-order segment, then the ranges most recently reported, without repeats.
   */
  sackBlocks(max: number, into: OffsetBlock[], start = 0): number {
    // Blocks go to into[start, start + max); the count written is returned.
    let count = 0;
    const put = (range: OutOfOrderRange): void => {
      for (let k = 0; k < count; k++) if (into[start + k].left === range.start) return;
      if (count >= max) return;
      while (into.length <= start + count) into.push({ left: 0, right: 0 });
      into[start + count].left = range.start;
      into[start + count].right = range.end;
      count++;
    };
    const recent = this.recent;
    let kept = 0;
    for (let r = 0; r < recent.length; r++) {
      const range = this.rangeHolding(recent[r]);
      if (range === undefined) continue;
      recent[kept++] = recent[r];
      put(range);
    }
    recent.length = kept;
    // Fill any room left with the highest ranges (e.g. after the remembered ones were absorbed).
    for (let k = this.ranges.length - 1; k >= 0 && count < max; k--) put(this.ranges[k]);
    return count;
  }

  private rangeHolding(offset: number): OutOfOrderRange | undefined {
    const ranges = this.ranges;
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const range = ranges[mid];
      if (offset < range.start) high = mid - 1;
      else if (offset >= range.end) low = mid + 1;
      else return range;
    }
    return undefined;
  }

  /** Drops everything held (e.g. when the connection is reset). */
  clear(): void {
    this.block = null;
    this.blockUsed = 0;
    this.ranges.length = 0;
    this.recent.length = 0;
    this.outOfOrderBytes = 0;
    this.queue.length = 0;
    this.queueHead = 0;
    this.readable = 0;
  }
}

const EMPTY = new Uint8Array(0);
const MIN_BLOCK = 256;
const MAX_BLOCK = 65536;
