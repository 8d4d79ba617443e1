/**
 * Runs the lessons' commands (docs/learn) in one process, one after the other, instead of a
 * process each: `tinkernet run` and `tinkernet demo` through the CLI's own commander program,
 * stdout captured per command. Each command builds its lab afresh from the file and the seed, so
 * it prints what a fresh `tinkernet` process prints (a difference would be a determinism bug the
 * lessons' test then reports). What is not a `tinkernet run|demo` command runs through `sh -c`.
 *
 * Input: a JSON array of command lines on stdin. Output: one JSON line per command,
 * `{command, stdout, status}`, in order.
 */
import { spawnSync } from "node:child_process";
import { Command, CommanderError } from "commander";
import { registerDemo } from "../../src/cli/commands/demo.js";
import { registerRun } from "../../src/cli/commands/run.js";
import { projectRoot } from "./system.js";

/** Splits a command line into words as sh does for quotes and backslashes; undefined for anything else. */
export function shellWords(line: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= "";
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === "\\" && '"\\$`'.includes(line[i + 1] ?? "")) i++;
        else if ("$`".includes(line[i])) return undefined;
        word += line[i];
      }
      if (i >= line.length) return undefined;
    } else if (c === "\\") {
      word = (word ?? "") + (line[++i] ?? "");
    } else if ("|&;<>()$`*?[#~".includes(c)) {
      return undefined; // real shell syntax: leave it to sh
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

async function inProcess(args: string[]): Promise<{ stdout: string; status: number }> {
  const program = new Command().name("tinkernet").exitOverride();
  registerRun(program);
  registerDemo(program);
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof process.stdout.write;
  process.exitCode = undefined;
  let status: number;
  try {
    await program.parseAsync(["node", "tinkernet", ...args]);
    status = Number(process.exitCode ?? 0);
  } catch (error) {
    status = error instanceof CommanderError ? 2 : 1;
  } finally {
    process.stdout.write = write;
    process.exitCode = undefined;
  }
  return { stdout: chunks.join(""), status };
}

const input = await new Promise<string>((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  process.stdin.on("end", () => resolve(text));
});
process.chdir(projectRoot);
for (const command of JSON.parse(input) as string[]) {
  const words = shellWords(command);
  let result: { stdout: string; status: number | null };
  if (words && words[0] === "tinkernet" && (words[1] === "run" || words[1] === "demo")) {
    result = await inProcess(words.slice(1));
  } else {
    const shell = command.replace(/^tinkernet\b/, `"${process.execPath}" bin/tinkernet.js`);
    const child = spawnSync("sh", ["-c", shell], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    result = { stdout: child.stdout, status: child.status };
  }
  process.stdout.write(`${JSON.stringify({ command, ...result })}\n`);
}
