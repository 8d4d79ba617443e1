/**
 * The transfer matrix: sizes × loss × reordering × duplication × corruption × delay × rate ×
 * congestion control (× SACK on/off), over IPv4 and IPv6. The whole matrix is too big for one run, so each run tests a
 * seeded sample of it, prints the seed, and takes TINKERNET_SEED to reproduce a run exactly.
 * Every case checks the bytes (SHA-256) and that the transfer finished within a bound derived
 * from the path (a generous multiple of what TCP's throughput model predicts).
 */
import assert from "node:assert/strict";
import type { CongestionControlName } from "../../../src/transport/tcp/congestion/index.js";
import { pair, pattern, transfer } from "./support.js";

const MS = 1e6;
const SECOND = 1e9;
const MiB = 1 << 20;

export interface MatrixCase {
  size: number;
  loss: number;
  reorder: boolean;
  duplicate: boolean;
  corrupt: boolean;
  /** One-way delay (ns). */
  delay: number;
  /** Bottleneck rate (bit/s). */
  rate: number;
  cc: CongestionControlName;
  sack: boolean;
  seed: number;
}

export const SIZES = [0, 1, MiB, 64 * MiB];
export const LOSSES = [0, 0.01, 0.05, 0.2];
export const DELAYS = [0, 50 * MS, 200 * MS];
export const RATES = [10e6, 1e9];
export const CCS: CongestionControlName[] = ["newreno", "cubic"];

/** The run's seed: TINKERNET_SEED, or a fresh one (printed so the run can be repeated). */
export function runSeed(label: string): number {
  const fromEnv = process.env.TINKERNET_SEED;
  const seed = fromEnv !== undefined ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 0x7fffffff);
  console.log(`${label}: seed ${seed} (TINKERNET_SEED=${seed} reproduces this run)`);
  return seed;
}

/** A small seeded generator for picking cases (xorshift32). */
export function picker(seed: number) {
  let x = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
  return {
    next,
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)];
    },
  };
}

/** A random case; 64 MiB only at 1 Gbit/s (at 10 Mbit/s it would take minutes of virtual time per case anyway). */
export function randomCase(random: ReturnType<typeof picker>, sizes = SIZES): MatrixCase {
  const rate = random.pick(RATES);
  let size = random.pick(sizes);
  if (size === 64 * MiB && rate < 1e9) size = MiB;
  return {
    size,
    loss: random.pick(LOSSES),
    reorder: random.next() < 0.5,
    duplicate: random.next() < 0.5,
    corrupt: random.next() < 0.5,
    delay: random.pick(DELAYS),
    rate,
    cc: random.pick(CCS),
    sack: random.next() < 0.75,
    seed: Math.floor(random.next() * 0x7fffffff),
  };
}

export function describeCase(c: MatrixCase): string {
  const size = c.size >= MiB ? `${c.size / MiB} MiB` : `${c.size} B`;
  const rate = c.rate >= 1e9 ? `${c.rate / 1e9} Gbit/s` : `${c.rate / 1e6} Mbit/s`;
  const flags = [
    c.reorder && "reorder",
    c.duplicate && "dup",
    c.corrupt && "corrupt",
    !c.sack && "no-sack",
  ].filter(Boolean);
  return `${size} loss ${c.loss * 100}% delay ${c.delay / MS} ms ${rate} ${c.cc} ${flags.join(" ")} seed ${c.seed}`;
}

/**
 * The bound on virtual time: what the path allows at its rate, or what TCP's loss-throughput
 * model (Padhye et al., with timeouts, at the round-trip loss rate) allows, whichever is slower,
 * times five, plus a minute for an unlucky handshake (SYN retransmissions back off 1, 2, 4, ... s).
 */
export function timeBound(c: MatrixCase): number {
  const mss = 1448;
  const rtt = Math.max(2 * c.delay, 1 * MS) / SECOND + (c.rate < 1e8 ? 0.05 : 0.005);
  // Loss hits data and ACKs alike, so a round trip fails with probability 1 - (1 - p)^2.
  const oneWay = Math.min(0.5, c.loss + (c.corrupt ? 0.01 : 0) + 0.001);
  const p = 1 - (1 - oneWay) ** 2;
  const rto = 1;
  const padhye =
    mss /
    (rtt * Math.sqrt((2 * p) / 3) + rto * Math.min(1, 3 * Math.sqrt((3 * p) / 8)) * p * (1 + 32 * p * p));
  const rate = Math.min(c.rate / 8, padhye);
  return (5 * (c.size / rate + 10 * rtt) + 60) * SECOND;
}

/** Runs one case (over IPv4, or IPv6 with `family` 6) and asserts on it; returns a one-line summary. */
export function runCase(c: MatrixCase, family: 4 | 6 = 4): string {
  const p = pair(c.seed, { sack: c.sack }, { sack: c.sack }, family);
  const bdp = (c.rate / 8) * ((2 * c.delay) / SECOND);
  p.network.setDefaults({
    delay: c.delay,
    rate: c.rate,
    // A drop-tail queue of one bandwidth-delay product (at least 64 KiB), as routers are sized.
    queueBytes: Math.max(64 * 1024, bdp),
    loss: c.loss,
    reorder: c.reorder ? 0.05 : 0,
    reorderDelay: Math.max(2 * MS, c.delay / 4),
    duplicate: c.duplicate ? 0.02 : 0,
    corrupt: c.corrupt ? 0.01 : 0,
  });
  const bound = timeBound(c);
  const started = performance.now();
  const result = transfer(p, pattern(c.size, c.seed), bound, { congestionControl: c.cc });
  const wall = performance.now() - started;
  const summary = `${family === 6 ? "IPv6 " : ""}${describeCase(c)}: ${(result.elapsed / SECOND).toFixed(2)} s virtual (bound ${(bound / SECOND).toFixed(0)} s), ${wall.toFixed(0)} ms wall, ${result.client.retransmissions} retransmissions, ${result.client.timeouts} timeouts`;
  assert.deepEqual(result.errors, [], summary);
  assert.ok(result.intact, `data not intact (${result.received} of ${c.size} bytes): ${summary}`);
  assert.ok(result.completed, `did not complete: ${summary}`);
  return summary;
}
