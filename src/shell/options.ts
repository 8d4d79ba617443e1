/**
 * Command-line options as Unix tools take them (getopt_long): `-c 3`, `-c3`, `-sS` (short flags
 * together), `--count 3`, `--count=3`, and `--` to end the options. Unknown options are usage
 * errors with a did-you-mean.
 */
import { MILLISECOND, type Nanoseconds, SECOND } from "../sim/time.js";
import { closest } from "../topology/suggest.js";

export interface OptionSpec {
  /** The key in the result, e.g. "count". */
  name: string;
  /** One letter, e.g. "c" for -c. */
  short?: string;
  /** Long name, e.g. "count" for --count. */
  long?: string;
  /** Takes a value (-c 3) rather than being a flag (-q). */
  value?: boolean;
  /** May be given several times (-H a -H b): values are collected in a list. */
  repeat?: boolean;
}

export interface ParsedOptions {
  flags: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
  positionals: string[];
}

/** A mistake in how a command was written: the shell prints it with the command's usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function parseOptions(args: readonly string[], specs: readonly OptionSpec[]): ParsedOptions {
  const result: ParsedOptions = { flags: new Set(), values: new Map(), lists: new Map(), positionals: [] };
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const byLong = new Map(specs.filter((s) => s.long).map((s) => [s.long!, s]));
  const set = (spec: OptionSpec, value: string | undefined) => {
    if (!spec.value) result.flags.add(spec.name);
    else if (spec.repeat) result.lists.set(spec.name, [...(result.lists.get(spec.name) ?? []), value!]);
    else result.values.set(spec.name, value!);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      result.positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) {
        const suggestion = closest(name, byLong.keys());
        throw new UsageError(
          `unknown option --${name}${suggestion ? ` (did you mean --${suggestion}?)` : ""}`,
        );
      }
      if (spec.value) {
        const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
        if (value === undefined) throw new UsageError(`option --${name} needs a value`);
        set(spec, value);
      } else {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
        set(spec, undefined);
      }
      continue;
    }
    // "-5" is a negative number unless a digit is an option of the command (ping -4, -6).
    if (arg.startsWith("-") && arg.length > 1 && (!/^-\d/.test(arg) || byShort.has(arg[1]))) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j];
        const spec = byShort.get(letter);
        if (!spec) throw new UsageError(`unknown option -${letter}`);
        if (spec.value) {
          const rest = arg.slice(j + 1);
          const value = rest !== "" ? rest : args[++i];
          if (value === undefined) throw new UsageError(`option -${letter} needs a value`);
          set(spec, value);
          break;
        }
        set(spec, undefined);
      }
      continue;
    }
    result.positionals.push(arg);
  }
  return result;
}

/** An integer option within bounds. */
export function intOption(
  text: string | undefined,
  what: string,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`invalid ${what} "${text}": expected a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`invalid ${what} ${value}: must be ${min} to ${max}`);
  return value;
}

/** Seconds as the classic tools take them (`-i 0.2`, `-W 2`), to nanoseconds. */
export function secondsOption(text: string | undefined, what: string): Nanoseconds | undefined {
  if (text === undefined) return undefined;
  if (!/^\d*\.?\d+$/.test(text))
    throw new UsageError(`invalid ${what} "${text}": expected seconds, e.g. 0.5`);
  return Math.round(Number(text) * SECOND);
}

const durationUnits: Record<string, number> = {
  ns: 1,
  us: 1_000,
  µs: 1_000,
  ms: MILLISECOND,
  s: SECOND,
  sec: SECOND,
  m: 60 * SECOND,
  min: 60 * SECOND,
  h: 3600 * SECOND,
};

/**
 * A duration with a unit, `30s`, `5m`, `1.5h`, `250ms` (a bare number is seconds, as `sleep`
 * takes it). Undefined when it does not parse.
 */
export function parseDurationText(text: string): Nanoseconds | undefined {
  const match = /^(\d*\.?\d+)\s*([a-zµ]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = match[2].toLowerCase() || "s";
  const factor = durationUnits[unit];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}
