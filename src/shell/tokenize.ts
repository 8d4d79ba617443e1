/**
 * Splits a command line into words the way a POSIX shell does, minus expansions: blanks separate
 * words; 'single quotes' keep everything literally; "double quotes" keep blanks and allow \" and
 * \\ inside; a backslash outside quotes escapes the next character; `;` and newlines separate
 * commands; `#` at the start of a word comments out the rest of the line.
 *
 * `h1 curl -w "%{http_code}\n" -o 'my file' http://h2/; h2 arp` is two commands:
 * `["h1", "curl", "-w", "%{http_code}\\n", "-o", "my file", "http://h2/"]` and `["h2", "arp"]`.
 */

/** One word and where it started in the text (for completion and error carets). */
export interface Word {
  text: string;
  start: number;
  end: number;
  /** Whether any part of it was quoted (a quoted word is never a command separator or a comment). */
  quoted: boolean;
}

export interface TokenizeResult {
  /** The commands, each a list of words (empty commands are dropped). */
  commands: Word[][];
  /** Set when the text ends inside a quote or after a lone backslash. */
  error?: string;
  /** For completion: the word the text ends in, if it does not end in a blank. */
  partial?: Word;
}

export function tokenize(text: string): TokenizeResult {
  const commands: Word[][] = [];
  let words: Word[] = [];
  let current: Word | undefined;
  let error: string | undefined;
  const endWord = (at: number) => {
    if (current) {
      current.end = at;
      words.push(current);
      current = undefined;
    }
  };
  const endCommand = (at: number) => {
    endWord(at);
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const word = (at: number): Word => {
    current ??= { text: "", start: at, end: at, quoted: false };
    return current;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const w = word(i);
      w.quoted = true;
      if (close < 0) {
        w.text += text.slice(i + 1);
        error = "unterminated ' quote";
        i = text.length;
        break;
      }
      w.text += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      const w = word(i);
      w.quoted = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\")) j++;
        w.text += text[j];
      }
      if (j >= text.length) {
        error = 'unterminated " quote';
        i = text.length;
        break;
      }
      i = j + 1;
    } else if (c === "\\") {
      if (i + 1 >= text.length) {
        error = "a lone backslash at the end";
        i++;
        break;
      }
      if (text[i + 1] === "\n") {
        i += 2; // line continuation
        continue;
      }
      word(i).text += text[i + 1];
      current!.quoted = true;
      i += 2;
    } else if (c === ";" || c === "\n") {
      endCommand(i);
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      endWord(i);
      i++;
    } else if (c === "#" && !current) {
      const newline = text.indexOf("\n", i);
      i = newline < 0 ? text.length : newline;
    } else {
      word(i).text += c;
      i++;
    }
  }
  const partial = current ? { ...current, end: text.length } : undefined;
  endCommand(text.length);
  return { commands, ...(error ? { error } : {}), ...(partial ? { partial } : {}) };
}

/** Quotes a word so {@link tokenize} gives it back unchanged (for completion and history). */
export function quoteWord(text: string): string {
  if (text !== "" && /^[A-Za-z0-9_@%+=:,./{}-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
