/**
 * The one way a parser says "no": a typed value, never an exception.
 *
 * Every `parseX(bytes)` in `src/wire` returns either a plain `XRepr` or a `ParseError` that says
 * which layer failed, why, and at which byte offset (relative to the start of that layer's bytes).
 */
export class ParseError {
  readonly kind = "parse-error" as const;
  constructor(
    /** The layer that could not be parsed, e.g. `"ipv4"`. */
    readonly layer: string,
    /** A human-readable reason, e.g. `"header length 4 words is below the minimum of 5"`. */
    readonly reason: string,
    /** Byte offset within the layer's bytes where the problem was found. */
    readonly offset = 0,
  ) {}

  toString(): string {
    return `${this.layer}: ${this.reason} (at byte ${this.offset})`;
  }
}

/** Type guard: `if (isParseError(r)) { ...count the drop... }`. */
export function isParseError(value: unknown): value is ParseError {
  return value instanceof ParseError;
}
