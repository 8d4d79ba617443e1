/**
 * The lexer of packetdrill's `.pkt` script language.
 *
 * A script is a list of events, one per line, each starting with a time:
 *
 *     --tolerance_usecs=75000                       an option (only before the events)
 *     0.00 `sysctl -w net.inet.tcp.sack.enable=1`   a shell command in backticks (may span lines)
 *     +0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
 *     +0.10 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>
 *     +0.00 %{ assert tcpi_state == TCPI_ESTABLISHED }%     Python in packetdrill; parsed, not run
 *     #ifdef STANDARD ... #endif                    the C preprocessor's conditionals
 *
 * Newlines are tokens (an event ends at the end of its line), except inside backticks and `%{ }%`.
 * `//` and `/* *\/` comments are dropped. The lexer never throws: an unterminated string, command
 * or code block, or a character the language does not use, comes back as a `PktSyntaxError`.
 */

export type TokenKind =
  /** `123`, `0.10`, `0x02` (the text is kept; the parser gives it a value in context). */
  | "number"
  /** `SOCK_STREAM`, `sackOK`, `S`, `md5`, `icmp`, `ack`. */
  | "word"
  /** `"..."`: the value has escapes resolved. */
  | "string"
  /** `` `...` ``: the value is the shell command between the backticks. */
  | "command"
  /** `%{ ... }%`: the value is the code between the braces. */
  | "code"
  /** `--name=value` or `--name` at the start of a line: the value is the text after `--`. */
  | "option"
  /** `#ifdef NAME` and friends at the start of a line: the value is the text after `#`. */
  | "directive"
  /** `...`, `+`, `-`, `*`, `<`, `>`, `.`, `:`, `(`, `)`, `[`, `]`, `{`, `}`, `,`, `=`, `|`, `!`, `/`, `~`, `&`. */
  | "punct"
  | "newline"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings, commands and code: with their delimiters). */
  text: string;
  /** The token's meaning where it differs from its text (string contents, command, code, option). */
  value: string;
  /** 1-based line and column of the first character. */
  line: number;
  column: number;
  /** Offsets of the token in the source, `[start, end)`. */
  start: number;
  end: number;
}

/** A script that cannot be read, with where. */
export class PktSyntaxError {
  readonly kind = "pkt-syntax-error" as const;
  constructor(
    readonly message: string,
    /** 1-based line and column. */
    readonly line: number,
    readonly column: number,
  ) {}

  toString(): string {
    return `line ${this.line}:${this.column}: ${this.message}`;
  }
}

export function isPktSyntaxError(value: unknown): value is PktSyntaxError {
  return value instanceof PktSyntaxError;
}

const PUNCTUATION = "+-*<>.:()[]{},=|!/~&";

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}
function isHexDigit(c: string): boolean {
  return isDigit(c) || (c >= "a" && c <= "f") || (c >= "A" && c <= "F");
}
function isWordStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}
function isWordPart(c: string): boolean {
  return isWordStart(c) || isDigit(c);
}

/** Splits a script into tokens, ending with an `eof` token. */
export function tokenize(source: string): Token[] | PktSyntaxError {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  /** Whether only whitespace has been seen on the current line (options and directives need it). */
  let atLineStart = true;
  const n = source.length;

  const push = (kind: TokenKind, start: number, end: number, value: string, startLine: number, col: number) =>
    tokens.push({ kind, text: source.slice(start, end), value, line: startLine, column: col, start, end });

  /** Advances over `[from, to)`, counting the newlines inside (multi-line commands and comments). */
  const advanceOver = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (source[k] === "\n") {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };

  while (i < n) {
    const c = source[i];
    const column = i - lineStart + 1;
    if (c === "\n") {
      push("newline", i, i + 1, "\n", line, column);
      i++;
      line++;
      lineStart = i;
      atLineStart = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    // Comments: `//` to the end of the line, `/* ... */` anywhere.
    if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      if (close < 0) return new PktSyntaxError("unterminated /* comment", line, column);
      advanceOver(i, close + 2);
      continue;
    }
    const startLine = line;
    if (atLineStart && c === "-" && source[i + 1] === "-") {
      // A command-line option given in the script, e.g. `--tolerance_usecs=75000`.
      let end = i;
      while (end < n && source[end] !== "\n" && !source.startsWith("//", end)) end++;
      const text = source.slice(i, end).trimEnd();
      push("option", i, i + text.length, text.slice(2), startLine, column);
      i = end;
      atLineStart = false;
      continue;
    }
    if (atLineStart && c === "#") {
      let end = i;
      while (end < n && source[end] !== "\n" && !source.startsWith("//", end)) end++;
      const text = source.slice(i, end).trimEnd();
      push("directive", i, i + text.length, text.slice(1).trim(), startLine, column);
      i = end;
      atLineStart = false;
      continue;
    }
    atLineStart = false;
    if (c === "`") {
      const close = source.indexOf("`", i + 1);
      if (close < 0) return new PktSyntaxError("unterminated ` command", line, column);
      push("command", i, close + 1, source.slice(i + 1, close), startLine, column);
      advanceOver(i, close + 1);
      continue;
    }
    if (c === "%" && source[i + 1] === "{") {
      const close = source.indexOf("}%", i + 2);
      if (close < 0) return new PktSyntaxError("unterminated %{ code block", line, column);
      push("code", i, close + 2, source.slice(i + 2, close).trim(), startLine, column);
      advanceOver(i, close + 2);
      continue;
    }
    if (c === '"') {
      let value = "";
      let k = i + 1;
      for (; k < n && source[k] !== '"'; k++) {
        if (source[k] === "\n") return new PktSyntaxError("unterminated string", line, column);
        if (source[k] === "\\" && k + 1 < n) {
          k++;
          const e = source[k];
          value += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e === "0" ? "\0" : e;
        } else value += source[k];
      }
      if (k >= n) return new PktSyntaxError("unterminated string", line, column);
      push("string", i, k + 1, value, startLine, column);
      i = k + 1;
      continue;
    }
    if (isDigit(c)) {
      let k = i;
      if (c === "0" && (source[i + 1] === "x" || source[i + 1] === "X") && isHexDigit(source[i + 2] ?? "")) {
        k = i + 2;
        while (k < n && isHexDigit(source[k])) k++;
      } else {
        while (k < n && isDigit(source[k])) k++;
        // A fraction only when a digit follows the point: `1.00...6.00` is 1.00, `...`, 6.00.
        if (source[k] === "." && isDigit(source[k + 1] ?? "")) {
          k++;
          while (k < n && isDigit(source[k])) k++;
        }
      }
      if (k < n && isWordStart(source[k]))
        return new PktSyntaxError(`malformed number ${source.slice(i, k + 1)}`, line, column);
      push("number", i, k, source.slice(i, k), startLine, column);
      i = k;
      continue;
    }
    if (isWordStart(c)) {
      let k = i + 1;
      while (k < n && isWordPart(source[k])) k++;
      push("word", i, k, source.slice(i, k), startLine, column);
      i = k;
      continue;
    }
    if (c === "." && source[i + 1] === "." && source[i + 2] === ".") {
      push("punct", i, i + 3, "...", startLine, column);
      i += 3;
      continue;
    }
    if (PUNCTUATION.includes(c)) {
      push("punct", i, i + 1, c, startLine, column);
      i++;
      continue;
    }
    return new PktSyntaxError(`unexpected character ${JSON.stringify(c)}`, line, column);
  }
  tokens.push({ kind: "eof", text: "", value: "", line, column: i - lineStart + 1, start: n, end: n });
  return tokens;
}
