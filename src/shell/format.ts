/** Small formatters shared by the shell's commands: tc-style rates and times, tables. */
import type { LinkDirectionSettings } from "../link/link.js";
import { MICROSECOND, MILLISECOND, type Nanoseconds, SECOND } from "../sim/time.js";

const trim = (value: number) => String(Number(value.toFixed(3)));

/** A rate as tc prints it: `100Mbit`, `1.5Gbit`, `64kbit`. */
export function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1e9) return `${trim(bitsPerSecond / 1e9)}Gbit`;
  if (bitsPerSecond >= 1e6) return `${trim(bitsPerSecond / 1e6)}Mbit`;
  if (bitsPerSecond >= 1e3) return `${trim(bitsPerSecond / 1e3)}kbit`;
  return `${trim(bitsPerSecond)}bit`;
}

/** A time as tc prints it: `20ms`, `1.5s`, `250us`. */
export function formatTime(time: Nanoseconds): string {
  if (time >= SECOND) return `${trim(time / SECOND)}s`;
  if (time >= MILLISECOND) return `${trim(time / MILLISECOND)}ms`;
  if (time >= MICROSECOND) return `${trim(time / MICROSECOND)}us`;
  return `${time}ns`;
}

/** A probability as a percentage: `5%`, `0.1%`. */
export function formatPercent(probability: number): string {
  return `${trim(probability * 100)}%`;
}

/** What a link does to frames, in `tc qdisc show` words: `rate 100Mbit delay 2ms loss 1%`. */
export function describeSettings(s: LinkDirectionSettings): string {
  const parts: string[] = [];
  if (s.rate > 0) parts.push(`rate ${formatRate(s.rate)}`);
  if (s.delay > 0 || s.jitter > 0)
    parts.push(`delay ${formatTime(s.delay)}${s.jitter > 0 ? ` ${formatTime(s.jitter)}` : ""}`);
  if (s.loss.model === "random") parts.push(`loss ${formatPercent(s.loss.probability)}`);
  if (s.loss.model === "gilbert-elliott") {
    parts.push(
      `loss gemodel ${formatPercent(s.loss.p)} ${formatPercent(s.loss.r)} ${formatPercent(s.loss.lossBad)} ${formatPercent(s.loss.lossGood)}`,
    );
  }
  if (s.duplicate > 0) parts.push(`duplicate ${formatPercent(s.duplicate)}`);
  if (s.reorder > 0) parts.push(`reorder ${formatPercent(s.reorder)}`);
  if (s.corrupt > 0) parts.push(`corrupt ${formatPercent(s.corrupt)}`);
  if (s.mtu !== 1500) parts.push(`mtu ${s.mtu}`);
  return parts.join(" ");
}

/** Left-aligned columns, two spaces apart (the last column is not padded). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i] ?? 0, row[i].length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/** `h1:eth0` → `h1-eth0` (Mininet's interface names). */
export const mininetName = (end: string) => end.replace(":", "-");
