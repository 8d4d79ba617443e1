/** The shell's word splitting and option parsing. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseDurationText, parseOptions, UsageError } from "../../src/shell/options.js";
import { quoteWord, tokenize } from "../../src/shell/tokenize.js";
import { MILLISECOND, SECOND } from "../../src/sim/time.js";

const words = (text: string) => tokenize(text).commands.map((c) => c.map((w) => w.text));

test("words, quotes, escapes, separators and comments", () => {
  assert.deepEqual(words(`h1 curl -w "%{http_code}\\n" -o 'my file' http://h2/; h2 arp`), [
    ["h1", "curl", "-w", "%{http_code}\\n", "-o", "my file", "http://h2/"],
    ["h2", "arp"],
  ]);
  assert.deepEqual(words(`a "b \\"c\\" d" e\\ f 'g;h' i#j # a comment`), [
    ["a", 'b "c" d', "e f", "g;h", "i#j"],
  ]);
  assert.deepEqual(words("pingall\n\n  # only a comment\nnodes;;net"), [["pingall"], ["nodes"], ["net"]]);
  assert.deepEqual(words(`x ""`), [["x", ""]], "an empty quoted word is a word");
  assert.deepEqual(words("a \\\n b"), [["a", "b"]], "backslash-newline continues the line");
  assert.deepEqual(words(""), []);
});

test("syntax errors: unterminated quotes and a trailing backslash", () => {
  assert.equal(tokenize(`h1 curl 'x`).error, "unterminated ' quote");
  assert.equal(tokenize(`h1 curl "x`).error, 'unterminated " quote');
  assert.equal(tokenize("h1 curl \\").error, "a lone backslash at the end");
});

test("the partial word at the end, for completion", () => {
  assert.deepEqual(tokenize("h1 pi").partial, { text: "pi", start: 3, end: 5, quoted: false });
  assert.equal(tokenize("h1 ").partial, undefined);
  assert.equal(tokenize("h1 'my fi").partial?.text, "my fi");
});

test("quoteWord gives back the same word through tokenize", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), (text) => {
      assert.deepEqual(words(`cmd ${quoteWord(text)}`), [["cmd", text]]);
    }),
  );
});

test("options as getopt_long takes them", () => {
  const specs = [
    { name: "count", short: "c", long: "count", value: true },
    { name: "quiet", short: "q", long: "quiet" },
    { name: "silent", short: "s" },
    { name: "header", short: "H", value: true, repeat: true },
  ];
  const parsed = parseOptions(
    ["-qs", "-c3", "x", "--count=5", "-H", "A: 1", "-H", "B: 2", "--", "-q"],
    specs,
  );
  assert.deepEqual([...parsed.flags].sort(), ["quiet", "silent"]);
  assert.equal(parsed.values.get("count"), "5", "the last one wins");
  assert.deepEqual(parsed.lists.get("header"), ["A: 1", "B: 2"]);
  assert.deepEqual(parsed.positionals, ["x", "-q"]);
  assert.deepEqual(
    parseOptions(["-5", "--count", "7"], specs).positionals,
    ["-5"],
    "a negative number is an argument",
  );
  assert.throws(
    () => parseOptions(["--cuont", "3"], specs),
    /unknown option --cuont \(did you mean --count\?\)/,
  );
  assert.throws(
    () => parseOptions(["-x"], specs),
    (e: Error) => e instanceof UsageError && /unknown option -x/.test(e.message),
  );
  assert.throws(() => parseOptions(["-c"], specs), /option -c needs a value/);
  assert.throws(() => parseOptions(["--quiet=yes"], specs), /takes no value/);
});

test("durations with units, a bare number in seconds", () => {
  assert.equal(parseDurationText("30s"), 30 * SECOND);
  assert.equal(parseDurationText("5m"), 300 * SECOND);
  assert.equal(parseDurationText("1.5h"), 5400 * SECOND);
  assert.equal(parseDurationText("250ms"), 250 * MILLISECOND);
  assert.equal(parseDurationText("2"), 2 * SECOND);
  assert.equal(parseDurationText("5 minutes"), undefined);
  assert.equal(parseDurationText("fast"), undefined);
});
