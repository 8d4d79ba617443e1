/**
 * Reordering is not loss: D-SACK detection of spurious retransmissions (RFC 2883 §4, RFC 3708)
 * with the window reduction undone, and the adaptive reordering degree (RFC 4653's idea, Linux's
 * tp->reordering) that raises DupThresh once reordering is seen. Virtual time only: the same
 * seeded transfer, with the adaptation on and off.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpConfig } from "../../../src/transport/tcp/config.js";
import { pair, pattern, transfer } from "./support.js";

const MS = 1e6;
const SECOND = 1e9;
const MiB = 1 << 20;

function run(
  config: Partial<TcpConfig>,
  path: { loss?: number; reorder?: number },
  size = 8 * MiB,
  seed = 12,
) {
  const p = pair(seed, config);
  p.network.setDefaults({
    delay: 5 * MS,
    rate: 200e6,
    queueBytes: 64 * MiB,
    loss: path.loss ?? 0,
    reorder: path.reorder ?? 0,
    reorderDelay: 2 * MS,
  });
  const result = transfer(p, pattern(size, 3), 300 * SECOND);
  assert.deepEqual(result.errors, []);
  assert.ok(result.intact && result.completed, "the transfer completed intact");
  return { result, counters: p.tcpA.counters };
}

const OFF: Partial<TcpConfig> = { dsackUndo: false, maxReordering: 3 };

test("a reordering path without loss: spurious fast retransmits are detected and undone, DupThresh adapts", () => {
  const path = { reorder: 0.05 };
  const on = run({}, path);
  const undoOnly = run({ maxReordering: 3 }, path);
  const off = run(OFF, path);
  const a = on.result.client;
  const u = undoOnly.result.client;
  const b = off.result.client;
  const seconds = (r: { result: { elapsed: number } }) => (r.result.elapsed / SECOND).toFixed(2);
  console.log(
    `adaptive + undo: ${seconds(on)} s virtual, ${a.fastRecoveries} recoveries, ${a.undos} undos, reordering ${a.reordering}; ` +
      `undo only: ${seconds(undoOnly)} s, ${u.fastRecoveries} recoveries, ${u.undos} undos, ${u.spuriousRetransmits} spurious; ` +
      `neither: ${seconds(off)} s, ${b.fastRecoveries} recoveries`,
  );
  // Nothing was lost, so every retransmission was spurious, and D-SACKs (or timestamps) said so.
  for (const { result, counters } of [on, undoOnly]) {
    const s = result.client;
    assert.ok(counters.TCPDSACKRecv > 0, "D-SACKs arrived");
    assert.ok(s.spuriousRetransmits > 0, "spurious retransmissions detected");
    assert.ok(s.undos > 0, "recoveries undone");
    assert.equal(counters.TCPDSACKUndo + counters.TCPFullUndo, s.undos, "and counted");
  }
  assert.ok(counters(undoOnly).TCPDSACKUndo > 0, "D-SACK undos");
  assert.ok(a.reordering > 3 && a.reordering <= 300, `reordering degree ${a.reordering}`);
  assert.equal(u.reordering, 3, "maxReordering 3 keeps DupThresh fixed");
  assert.ok(a.fastRecoveries < u.fastRecoveries, "fewer recoveries once DupThresh follows the reordering");
  // Without either nothing of it happens, and the transfer takes longer.
  assert.equal(b.undos, 0);
  assert.equal(b.reordering, 3);
  assert.ok(undoOnly.result.elapsed < off.result.elapsed, "faster with undo");
  assert.ok(on.result.elapsed < undoOnly.result.elapsed, "faster still with the adaptive threshold");
});

function counters(r: ReturnType<typeof run>) {
  return r.counters;
}

test("the undo restores the window: cwnd is back at least to where the spurious recovery found it", () => {
  const p = pair(5);
  p.network.setDefaults({
    delay: 5 * MS,
    rate: 200e6,
    queueBytes: 64 * MiB,
    reorder: 0.05,
    reorderDelay: 2 * MS,
  });
  const trace: { reason: string; cwnd: number }[] = [];
  p.tracer.subscribe((event) => {
    if (event.type === "tcp-congestion" && event.node === "a")
      trace.push({ reason: event.reason, cwnd: event.cwnd });
  });
  transfer(p, pattern(4 * MiB, 9), 300 * SECOND);
  const undo = trace.findIndex((e) => e.reason.startsWith("undo-"));
  assert.ok(undo > 0, "an undo was traced");
  let start = undo;
  while (start >= 0 && trace[start].reason !== "recovery-start") start--;
  assert.ok(start > 0, "after a recovery");
  // The cwnd just before the recovery began (the event before "recovery-start").
  const before = trace[start - 1].cwnd;
  assert.ok(trace[undo].cwnd >= before, `undo cwnd ${trace[undo].cwnd} >= ${before}`);
});

test("a lossy path still recovers with SACK and no timeout, and real losses are not undone", () => {
  const { result, counters } = run({}, { loss: 0.01 }, 4 * MiB, 16);
  const s = result.client;
  assert.ok(s.fastRecoveries > 0);
  assert.equal(s.timeouts, 0, "SACK recovery, no RTO");
  assert.equal(s.undos, 0, "no loss was spurious");
  assert.equal(counters.TCPDSACKUndo + counters.TCPFullUndo, 0);
  assert.equal(s.reordering, 3, "no reordering on this path");
});

test("a retransmission lost again is found by SACKs of data sent after it, not by the timer", () => {
  // Loss and reordering together (as in the TAP test): some retransmissions
  // are lost too, which RFC 6675 alone finds only when the retransmission timer expires.
  const { result, counters } = run({}, { loss: 0.02, reorder: 0.05 }, 8 * MiB);
  assert.ok(counters.TCPLostRetransmit > 0, "lost retransmissions detected");
  assert.equal(result.client.timeouts, 0, "and resent without a timeout");
});
