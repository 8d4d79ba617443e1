/**
 * Virtual time is an integer number of nanoseconds held in a double (exact up to 2^53 ns, about
 * 104 days of simulated time). These helpers keep unit conversions readable at call sites.
 */
export type Nanoseconds = number;

export const NANOSECOND = 1;
export const MICROSECOND = 1_000;
export const MILLISECOND = 1_000_000;
export const SECOND = 1_000_000_000;

export const ns = (value: number): Nanoseconds => Math.round(value);
export const us = (value: number): Nanoseconds => Math.round(value * MICROSECOND);
export const ms = (value: number): Nanoseconds => Math.round(value * MILLISECOND);
export const seconds = (value: number): Nanoseconds => Math.round(value * SECOND);

/** Human-readable time, e.g. `12.345 ms`. */
export function formatDuration(time: Nanoseconds): string {
  if (time >= SECOND) return `${(time / SECOND).toFixed(3)} s`;
  if (time >= MILLISECOND) return `${(time / MILLISECOND).toFixed(3)} ms`;
  if (time >= MICROSECOND) return `${(time / MICROSECOND).toFixed(3)} µs`;
  return `${time} ns`;
}
