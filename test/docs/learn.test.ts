/**
 * The lessons in docs/learn/ never rot: every command in a ```console block runs (the way a
 * reader runs it, from the project's root) and must print what the lesson shows. The seed fixes
 * everything the network does, so outputs are compared exactly; a line `...` in a shown output
 * stands for any number of lines the lesson leaves out.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { projectRoot } from "../support/system.js";

const lessonsDir = join(projectRoot, "docs", "learn");

interface Example {
  file: string;
  /** 1-based line of the command in the lesson. */
  line: number;
  command: string;
  expected: string[];
}

/** The commands of a lesson's ```console blocks, each with the output shown after it. */
function examples(file: string, text: string): Example[] {
  const found: Example[] = [];
  const lines = text.split("\n");
  let inBlock = false;
  let current: Example | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inBlock) {
      if (/^```console\s*$/.test(line)) inBlock = true;
      continue;
    }
    if (/^```\s*$/.test(line)) {
      inBlock = false;
      current = undefined;
      continue;
    }
    if (line.startsWith("$ ")) {
      let command = line.slice(2);
      const start = i + 1;
      while (command.endsWith("\\") && i + 1 < lines.length)
        command = `${command.slice(0, -1)}${lines[++i].trim()}`;
      current = { file, line: start, command, expected: [] };
      found.push(current);
    } else if (current) current.expected.push(line);
    else assert.fail(`${file}:${i + 1}: output before any "$ " command in a console block`);
  }
  assert.equal(inBlock, false, `${file}: a console block is not closed`);
  return found;
}

/** Whether `actual` lines match `expected`, where a `...` line matches any run of lines. */
function matches(expected: readonly string[], actual: readonly string[]): boolean {
  const memo = new Map<string, boolean>();
  const go = (e: number, a: number): boolean => {
    const key = `${e},${a}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (e === expected.length) result = a === actual.length;
    else if (expected[e] === "...") result = go(e + 1, a) || (a < actual.length && go(e, a + 1));
    else result = a < actual.length && expected[e] === actual[a] && go(e + 1, a + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

interface Result {
  stdout: string;
  status: number | null;
}

/**
 * Runs commands as the reader would, `tinkernet` being this checkout's: in one process per batch
 * (test/support/lesson-runner.ts), which saves a Node start-up and a module graph per command.
 */
function runBatch(commands: readonly string[]): Promise<Map<string, Result>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(projectRoot, "dist", "test", "support", "lesson-runner.js")],
      {
        cwd: projectRoot,
        env: { ...process.env, NO_COLOR: "1", TINKERNET_HISTORY: "" },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      const results = new Map<string, Result>();
      for (const line of stdout.split("\n").filter(Boolean)) {
        const { command, ...result } = JSON.parse(line) as Result & { command: string };
        results.set(command, result);
      }
      if (status !== 0 || results.size !== commands.length)
        reject(new Error(`the lesson runner stopped (status ${status}): ${stderr.slice(-2000)}`));
      else resolve(results);
    });
    child.stdin.end(JSON.stringify(commands));
  });
}

const normalize = (text: string) =>
  text
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => l.trimEnd());

test("the ... wildcard and the block reader", () => {
  assert.ok(matches(["a", "...", "d"], ["a", "b", "c", "d"]));
  assert.ok(matches(["a", "...", "d"], ["a", "d"]));
  assert.ok(!matches(["a", "...", "d"], ["a", "b", "c"]));
  assert.ok(!matches(["a", "b"], ["a", "b", "c"]));
  assert.ok(matches(["..."], []));
  const found = examples(
    "x.md",
    "text\n```console\n$ one \\\n  two\nout 1\nout 2\n$ three\n```\n```sh\n$ not run\n```\n",
  );
  assert.deepEqual(
    found.map((f) => [f.line, f.command, f.expected]),
    [
      [3, "one two", ["out 1", "out 2"]],
      [7, "three", []],
    ],
  );
});

const files = readdirSync(lessonsDir)
  .filter((f) => f.endsWith(".md"))
  .sort();

test("every lesson has a title and commands to run", () => {
  assert.ok(files.length >= 6, files.join(" "));
  for (const file of files) {
    const text = readFileSync(join(lessonsDir, file), "utf8");
    assert.match(text, /^# \S/, file);
    if (file !== "README.md") assert.ok(examples(file, text).length > 0, `${file} has no console block`);
  }
});

// Every command of every lesson, run once (lessons share some), in two batches at a time: the
// machine is shared, and each command is a whole tinkernet run.
const lessons = files.map((file) => ({
  file,
  all: examples(file, readFileSync(join(lessonsDir, file), "utf8")),
}));
const results = new Map<string, Promise<Result>>();
{
  const unique = [...new Set(lessons.flatMap((l) => l.all.map((e) => e.command)))];
  const batches = [unique.filter((_, i) => i % 2 === 0), unique.filter((_, i) => i % 2 === 1)];
  for (const batch of batches) {
    const done = runBatch(batch);
    for (const command of batch)
      results.set(
        command,
        done.then((r) => r.get(command)!),
      );
  }
}

for (const { file, all } of lessons) {
  if (all.length === 0) continue;
  test(`docs/learn/${file}: every command prints what the lesson shows`, async () => {
    for (const example of all) {
      const result = await results.get(example.command)!;
      const actual = normalize(result.stdout);
      const expected = example.expected.map((l) => l.trimEnd());
      while (expected.length > 0 && expected[expected.length - 1] === "") expected.pop();
      assert.ok(
        matches(expected, actual),
        `${example.file}:${example.line}: $ ${example.command}\n--- the lesson shows:\n${expected.join("\n")}\n--- it prints:\n${actual.join("\n")}`,
      );
    }
  });
}
