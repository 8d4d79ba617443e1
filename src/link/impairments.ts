/**
 * What a link does to the frames it carries, and the units people write them in.
 *
 * The knobs and their spellings follow Linux's netem queueing discipline (tc-netem(8)), which is
 * what most people already know: `rate 100mbit delay 20ms 5ms loss 1% duplicate 0.1% reorder 25%
 * gap 5 corrupt 0.1% limit 1000`. The unit parsers accept tc's spellings (tc(8) "PARAMETERS"), so
 * a topology file can say `rate: 100Mbit`, `delay: 20ms`, `loss: 1%` or
 * `loss: gemodel 1% 10% 100% 0%`.
 *
 * Configuration mistakes are programmer or topology-file errors, not network input, so the parsers
 * throw a {@link UnitError} whose message names the bad text and lists what is accepted.
 */
import { MICROSECOND, MILLISECOND, type Nanoseconds, SECOND } from "../sim/time.js";

/**
 * Gilbert-Elliott burst loss (netem's `loss gemodel p r 1-h 1-k`): a two-state Markov chain with a
 * Good and a Bad state, each with its own loss probability. Mean burst (Bad) length is 1/r frames,
 * mean gap (Good) length 1/p frames.
 */
export interface GilbertElliottParams {
  /** Probability of moving from Good to Bad, per frame. */
  p: number;
  /** Probability of moving from Bad back to Good, per frame (default 1). */
  r?: number;
  /** Loss probability in the Bad state, netem's `1-h` (default 1: every frame in a burst is lost). */
  lossBad?: number;
  /** Loss probability in the Good state, netem's `1-k` (default 0). */
  lossGood?: number;
}

/** A loss model: a plain probability (independent, "Bernoulli" loss) or Gilbert-Elliott bursts. */
export type LossSpec = number | string | ({ model: "gilbert-elliott" } & GilbertElliottParams);

/**
 * Impairments of one direction of a link, as a user writes them. Numbers are in base units
 * (bits per second, nanoseconds, probabilities 0..1); strings are parsed with the tc spellings
 * ({@link parseRate}, {@link parseDuration}, {@link parsePercent}, {@link parseLoss}).
 * Omitted fields keep their current value (or the default when the link is created).
 */
export interface LinkImpairments {
  /** Serialization rate in bits/s; 0 (the default) means infinitely fast. */
  rate?: number | string;
  /**
   * Bytes added to every frame when computing its serialization time (netem's PACKETOVERHEAD).
   * Default 0: only the frame's own bytes (header to payload, as handed to `transmit`) count, as
   * with netem. Use {@link ETHERNET_PHY_OVERHEAD} (24) to also charge preamble, SFD, FCS and the
   * inter-frame gap, as a real Ethernet PHY does.
   */
  overhead?: number;
  /** One-way propagation delay (default 0). */
  delay?: number | string;
  /** Delay variation: each frame's delay is drawn uniformly from delay ± jitter (default 0). */
  jitter?: number | string;
  /** Frame loss (default 0). */
  loss?: LossSpec;
  /** Probability that a frame is delivered twice (default 0). */
  duplicate?: number | string;
  /** Probability that a frame skips the propagation delay and overtakes earlier ones (default 0). */
  reorder?: number | string;
  /** netem's `gap`: only every `reorderGap`-th frame may be reordered (default 1: any frame). */
  reorderGap?: number;
  /** Probability that one random bit of a delivered frame is flipped (default 0). */
  corrupt?: number | string;
  /** Drop-tail limit of the transmit queue in frames (default 1000, Linux's txqueuelen). */
  queueLimit?: number;
  /** Drop-tail limit of the transmit queue in bytes (default: no byte limit). */
  queueLimitBytes?: number;
  /** Largest Ethernet payload carried, in bytes (default 1500); 802.1Q tags do not count. */
  mtu?: number;
}

/** Preamble (7) + start-of-frame delimiter (1) + FCS (4) + inter-frame gap (12), IEEE 802.3 §4.4.2. */
export const ETHERNET_PHY_OVERHEAD = 24;
/** Linux's default txqueuelen and netem's default `limit`. */
export const DEFAULT_QUEUE_LIMIT = 1000;
export const DEFAULT_MTU = 1500;

/** A configuration value that does not parse or is out of range. */
export class UnitError extends Error {
  override name = "UnitError";
}

/**
 * Multipliers of tc's rate units (tc(8) "RATES"): `bit` and `bps` (bytes per second, as tc
 * spells it), with SI (k, m, g, t = powers of 1000) and IEC (ki, mi, gi, ti = powers of 1024)
 * prefixes. A bare number is bits per second.
 */
const rateUnits: ReadonlyMap<string, number> = (() => {
  const units = new Map<string, number>([
    ["", 1],
    ["bit", 1],
    ["bps", 8],
  ]);
  const prefixes: [string, number][] = [
    ["k", 1e3],
    ["m", 1e6],
    ["g", 1e9],
    ["t", 1e12],
    ["ki", 1024],
    ["mi", 1024 ** 2],
    ["gi", 1024 ** 3],
    ["ti", 1024 ** 4],
  ];
  for (const [prefix, factor] of prefixes) {
    units.set(`${prefix}bit`, factor);
    units.set(`${prefix}bps`, factor * 8);
  }
  return units;
})();

/** tc(8) "TIMES" spellings, plus nanoseconds. */
const timeUnits: ReadonlyMap<string, number> = new Map([
  ["s", SECOND],
  ["sec", SECOND],
  ["secs", SECOND],
  ["ms", MILLISECOND],
  ["msec", MILLISECOND],
  ["msecs", MILLISECOND],
  ["us", MICROSECOND],
  ["usec", MICROSECOND],
  ["usecs", MICROSECOND],
  ["µs", MICROSECOND],
  ["ns", 1],
  ["nsec", 1],
  ["nsecs", 1],
]);

const NUMBER_AND_UNIT = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zµ%]*)$/i;

function splitNumber(what: string, text: string, example: string): [number, string] {
  const match = NUMBER_AND_UNIT.exec(text.trim());
  if (!match) throw new UnitError(`invalid ${what} "${text}": expected a number and a unit, e.g. ${example}`);
  return [Number(match[1]), match[2].toLowerCase()];
}

/**
 * Parses a rate in tc's spelling and returns bits per second: `"100Mbit"` → 100e6,
 * `"1gbit"` → 1e9, `"125kbps"` → 1e6 (bps is *bytes* per second, as in tc), `"1mibit"` → 1048576.
 */
export function parseRate(text: string | number): number {
  if (typeof text === "number") return checkNonNegative("rate", text, String(text));
  const [value, unit] = splitNumber("rate", text, "100mbit");
  const factor = rateUnits.get(unit);
  if (factor === undefined) {
    throw new UnitError(
      `invalid rate "${text}": unknown unit "${unit}" (use bit, kbit, mbit, gbit, tbit; bps, kbps, mbps, gbps, tbps for bytes/s; or kibit, mibit, ... for powers of 1024)`,
    );
  }
  return checkNonNegative("rate", value * factor, text);
}

/**
 * Parses a duration in tc's spelling and returns nanoseconds: `"20ms"`, `"1.5s"`, `"250us"`,
 * `"100ns"`. Unlike tc, a bare number is refused: tc reads it as microseconds, which surprises
 * anyone who meant milliseconds.
 */
export function parseDuration(text: string | number): Nanoseconds {
  if (typeof text === "number") return Math.round(checkNonNegative("duration", text, String(text)));
  const [value, unit] = splitNumber("duration", text, "20ms");
  if (unit === "") {
    throw new UnitError(`invalid duration "${text}": missing unit (write e.g. "${text}ms"; s, ms, us, ns)`);
  }
  const factor = timeUnits.get(unit);
  if (factor === undefined) {
    throw new UnitError(`invalid duration "${text}": unknown unit "${unit}" (use s, ms, us or ns)`);
  }
  return Math.round(checkNonNegative("duration", value * factor, text));
}

/**
 * Parses a probability as tc-netem writes it: `"1%"` → 0.01, or a fraction `"0.01"` → 0.01.
 * Values outside 0..1 (0%..100%) are refused.
 */
export function parsePercent(text: string | number): number {
  let value: number;
  if (typeof text === "number") value = text;
  else {
    const [number, unit] = splitNumber("percentage", text, "1%");
    if (unit !== "" && unit !== "%") {
      throw new UnitError(
        `invalid percentage "${text}": write a percentage such as 1% or a fraction such as 0.01`,
      );
    }
    value = unit === "%" ? number / 100 : number;
  }
  if (!(value >= 0 && value <= 1)) {
    throw new UnitError(`invalid probability "${text}": must lie between 0% and 100% (0 to 1)`);
  }
  return value;
}

/** A parsed loss model. */
export type LossModel =
  | { model: "none" }
  | { model: "random"; probability: number }
  | ({ model: "gilbert-elliott" } & Required<GilbertElliottParams>);

/**
 * Parses a loss specification: a probability (`0.01`, `"1%"`, `"random 1%"`) or netem's
 * Gilbert-Elliott model `"gemodel p [r [1-h [1-k]]]"` (e.g. `"gemodel 1% 10% 100% 0%"`), or the
 * same as an object `{model: "gilbert-elliott", p, r, lossBad, lossGood}`.
 */
export function parseLoss(spec: LossSpec): LossModel {
  if (typeof spec === "number") return randomLoss(parsePercent(spec));
  if (typeof spec === "object") {
    return {
      model: "gilbert-elliott",
      p: parsePercent(spec.p),
      r: parsePercent(spec.r ?? 1),
      lossBad: parsePercent(spec.lossBad ?? 1),
      lossGood: parsePercent(spec.lossGood ?? 0),
    };
  }
  const words = spec.trim().split(/\s+/);
  if (words[0] === "random") {
    if (words.length !== 2) throw new UnitError(`invalid loss "${spec}": write "random 1%"`);
    return randomLoss(parsePercent(words[1]));
  }
  if (words[0] === "gemodel") {
    if (words.length < 2 || words.length > 5) {
      throw new UnitError(`invalid loss "${spec}": write "gemodel p [r [1-h [1-k]]]", e.g. "gemodel 1% 10%"`);
    }
    const [p, r = "1", lossBad = "1", lossGood = "0"] = words.slice(1);
    return {
      model: "gilbert-elliott",
      p: parsePercent(p),
      r: parsePercent(r),
      lossBad: parsePercent(lossBad),
      lossGood: parsePercent(lossGood),
    };
  }
  if (words.length !== 1) {
    throw new UnitError(
      `invalid loss "${spec}": write a probability ("1%"), "random 1%" or "gemodel p r 1-h 1-k"`,
    );
  }
  return randomLoss(parsePercent(words[0]));
}

function randomLoss(probability: number): LossModel {
  return probability > 0 ? { model: "random", probability } : { model: "none" };
}

function checkNonNegative(what: string, value: number, text: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new UnitError(`invalid ${what} "${text}": must be a finite number ≥ 0`);
  }
  return value;
}

/** Checks an integer count option (queue limits, MTU, gap). */
export function checkCount(what: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new UnitError(`invalid ${what} ${value}: must be an integer ≥ ${minimum}`);
  }
  return value;
}
