/**
 * The sender's SACK scoreboard and the loss-recovery rules of RFC 6675 ("A Conservative Loss
 * Recovery Algorithm Based on Selective Acknowledgment (SACK) for TCP").
 *
 * The scoreboard holds the byte ranges above SND.UNA that the receiver reported holding (RFC 2018
 * §4 SACK blocks), merged and sorted, in stream offsets. From it follow RFC 6675 §4's routines:
 * IsLost, SetPipe and NextSeg. Because IsLost is monotone (a byte below a lost byte has at least
 * as much SACKed data above it), "lost" is a prefix of the unSACKed bytes: everything unSACKed
 * below `lossBoundary` is lost; it is recomputed whenever the scoreboard changes.
 */

export class SackScoreboard {
  /** SACKed ranges, sorted, disjoint and non-adjacent: lefts[i] < rights[i] < lefts[i + 1]. */
  private lefts: number[] = [];
  private rights: number[] = [];
  /** Total SACKed bytes. */
  sacked = 0;
  /** Offset below which every unSACKed byte is lost (RFC 6675 IsLost); -inf when none is. */
  lossBoundary = Number.NEGATIVE_INFINITY;

  /** Number of ranges. */
  get size(): number {
    return this.lefts.length;
  }

  /** The offset just past the highest SACKed byte, or -inf when nothing is SACKed. */
  get highestSacked(): number {
    const n = this.rights.length;
    return n > 0 ? this.rights[n - 1] : Number.NEGATIVE_INFINITY;
  }

  /** Records one SACK block [left, right) (already clipped to (SND.UNA, SND.NXT]). Returns bytes newly SACKed. */
  add(left: number, right: number): number {
    if (right <= left) return 0;
    const lefts = this.lefts;
    const rights = this.rights;
    // First range whose right edge reaches `left` (touching counts: the ranges merge).
    let i = lefts.length;
    while (i > 0 && rights[i - 1] >= left) i--;
    let j = i;
    let covered = 0;
    while (j < lefts.length && lefts[j] <= right) {
      covered += rights[j] - lefts[j];
      j++;
    }
    if (i === j) {
      lefts.splice(i, 0, left);
      rights.splice(i, 0, right);
      this.sacked += right - left;
      return right - left;
    }
    const newLeft = Math.min(left, lefts[i]);
    const newRight = Math.max(right, rights[j - 1]);
    const added = newRight - newLeft - covered;
    lefts.splice(i, j - i, newLeft);
    rights.splice(i, j - i, newRight);
    this.sacked += added;
    return added;
  }

  /** Forgets everything below `una` (it was cumulatively acknowledged). */
  advance(una: number): void {
    const lefts = this.lefts;
    const rights = this.rights;
    let drop = 0;
    while (drop < lefts.length && rights[drop] <= una) {
      this.sacked -= rights[drop] - lefts[drop];
      drop++;
    }
    if (drop > 0) {
      lefts.splice(0, drop);
      rights.splice(0, drop);
    }
    if (lefts.length > 0 && lefts[0] < una) {
      this.sacked -= una - lefts[0];
      lefts[0] = una;
    }
  }

  /** Forgets everything (RFC 2018 §8: after a retransmission timeout the sender drops SACK state). */
  clear(): void {
    this.lefts.length = 0;
    this.rights.length = 0;
    this.sacked = 0;
    this.lossBoundary = Number.NEGATIVE_INFINITY;
  }

  /** Whether the byte at `offset` was SACKed. */
  isSacked(offset: number): boolean {
    const i = this.indexAtOrBelow(offset);
    return i >= 0 && offset < this.rights[i];
  }

  /** Index of the last range starting at or below `offset`, or -1. */
  private indexAtOrBelow(offset: number): number {
    const lefts = this.lefts;
    let low = 0;
    let high = lefts.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (lefts[mid] <= offset) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  /**
   * RFC 6675 §4 IsLost, for every byte at once: a byte is lost when at least DupThresh
   * discontiguous SACKed ranges, or more than (DupThresh - 1) * SMSS SACKed bytes, lie above it.
   */
  updateLossBoundary(dupThresh: number, smss: number): void {
    const lefts = this.lefts;
    let bytes = 0;
    let boundary = Number.NEGATIVE_INFINITY;
    for (let k = lefts.length - 1, ranges = 1; k >= 0; k--, ranges++) {
      bytes += this.rights[k] - lefts[k];
      if (ranges >= dupThresh || bytes > (dupThresh - 1) * smss) {
        boundary = lefts[k];
        break;
      }
    }
    this.lossBoundary = boundary;
  }

  /** Bytes SACKed within [from, to). */
  sackedWithin(from: number, to: number): number {
    if (to <= from) return 0;
    let total = 0;
    let k = this.indexAtOrBelow(from);
    if (k < 0) k = 0;
    for (; k < this.lefts.length && this.lefts[k] < to; k++) {
      const left = Math.max(this.lefts[k], from);
      const right = Math.min(this.rights[k], to);
      if (right > left) total += right - left;
    }
    return total;
  }

  /**
   * RFC 6675 §4 SetPipe: the sender's estimate of the bytes still in the network. An unSACKed
   * byte counts once if it is not lost, and once more if it was retransmitted (it lies below
   * HighRxt), so `pipe = unSACKed[max(una, lossBoundary), nxt) + unSACKed[una, highRxt)`.
   */
  pipe(una: number, nxt: number, highRxt: number): number {
    const notLostFrom = Math.max(una, Math.min(this.lossBoundary, nxt));
    let pipe = nxt - notLostFrom - this.sackedWithin(notLostFrom, nxt);
    const rxtTo = Math.min(highRxt, nxt);
    if (rxtTo > una) pipe += rxtTo - una - this.sackedWithin(una, rxtTo);
    return pipe;
  }

  /**
   * The first unSACKed byte at or after `from` and below `limit`, or undefined; `holeEnd` then
   * holds where that hole ends (the next SACKed byte, or `limit`).
   */
  nextHole(from: number, limit: number): number | undefined {
    let offset = from;
    const k = this.indexAtOrBelow(offset);
    const next = k + 1;
    if (k >= 0 && offset < this.rights[k]) offset = this.rights[k];
    if (offset >= limit) return undefined;
    this.holeEnd = next < this.lefts.length ? Math.min(this.lefts[next], limit) : limit;
    return offset;
  }

  /** Set by `nextHole`: the end of the hole it found. */
  holeEnd = 0;
}
