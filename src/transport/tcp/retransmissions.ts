/**
 * What a connection remembers about its fast retransmissions, allocated on the first one (an
 * idle or loss-free connection holds none of it):
 *
 * - for spurious-retransmission detection (RFC 3708 §3, with D-SACK), the ranges retransmitted in
 *   the current recovery episode that no D-SACK has yet shown to be duplicates, sorted offsets
 *   [undoLefts[i], undoRights[i]);
 * - for lost-retransmission detection (Linux's tcp_mark_lost_retrans), each retransmission not yet
 *   known delivered, with SND.NXT when it left (`marks`), and those found lost again, to resend.
 */
export class Retransmissions {
  undoLefts: number[] = [];
  undoRights: number[] = [];
  starts: number[] = [];
  ends: number[] = [];
  marks: number[] = [];
  lostStarts: number[] = [];
  lostEnds: number[] = [];

  clearUndo(): void {
    this.undoLefts.length = this.undoRights.length = 0;
  }

  clearLog(): void {
    this.starts.length = this.ends.length = this.marks.length = 0;
    this.lostStarts.length = this.lostEnds.length = 0;
  }
}
