/**
 * Benchmark harness. Every benchmark prints one JSON object per line:
 * `{"suite":"wire","name":"parse-eth-ipv4-tcp","value":2100000,"unit":"pkt/s"}`.
 * Timing lives here, never in pass/fail tests.
 */
export interface BenchResult {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** Optional context (target, sample count, ...). */
  [extra: string]: unknown;
}

export type Report = (result: BenchResult) => void;

/** A suite runs its benchmarks and reports each result as soon as it is measured. */
export type BenchSuite = (report: Report) => Promise<void> | void;

/**
 * Runs `operation` repeatedly for about `seconds` (after a warm-up) and returns operations per
 * second. `batch` operations run between clock reads so the clock costs nothing measurable.
 */
export function opsPerSecond(operation: () => void, seconds = 1, batch = 1000): number {
  const warmUntil = performance.now() + Math.min(300, seconds * 300);
  while (performance.now() < warmUntil) for (let i = 0; i < batch; i++) operation();
  let count = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  let now = start;
  while (now < stop) {
    for (let i = 0; i < batch; i++) operation();
    count += batch;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

/** Three significant digits, for readable JSON. */
export function round(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 6)));
}
