/**
 * The interactive shell on a terminal: node:readline with the engine's tab completion (commands,
 * node names, a command's own words), history kept across sessions (~/.tinkernet_history, or
 * $TINKERNET_HISTORY; set it empty to keep none), Ctrl-C to stop the running command (or clear
 * the line), Ctrl-D or `exit` to leave. Lines typed while a command runs wait their turn. Input
 * that is not a terminal (a pipe) is read line by line without prompts.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { CommandRecord, Shell } from "../shell/shell.js";
import { closedOutput } from "./node-io.js";

const HISTORY_SIZE = 1000;

function historyFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.TINKERNET_HISTORY !== undefined) return env.TINKERNET_HISTORY || undefined;
  try {
    return join(homedir(), ".tinkernet_history");
  } catch {
    return undefined;
  }
}

function loadHistory(file: string | undefined): string[] {
  if (!file) return [];
  try {
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    return lines.slice(-HISTORY_SIZE).reverse(); // readline wants the newest first
  } catch {
    return [];
  }
}

/** Runs the shell on stdin/stdout until `exit` or end of input; resolves with every command's record. */
export function interactive(
  shell: Shell,
  options: { prompt?: string; banner?: string } = {},
): Promise<CommandRecord[]> {
  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const file = terminal ? historyFile(process.env) : undefined;
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal,
    history: loadHistory(file),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: shell.style.bold(options.prompt ?? "tinkernet> "),
    completer: (line: string): [string[], string] => {
      const { candidates, start } = shell.complete(line);
      const word = line.slice(start);
      return [candidates.length === 1 ? [`${candidates[0]} `] : candidates, word];
    },
  });
  const records: CommandRecord[] = [];
  const queue: string[] = [];
  let running: AbortController | undefined;
  let closed = false;
  if (options.banner && terminal) process.stdout.write(options.banner);
  // In real time, servers print between commands: clear the prompt line first, redraw it after.
  if (terminal) {
    const original = shell.out;
    shell.out = {
      write(text) {
        if (running || closed || closedOutput.aborted) return original.write(text);
        process.stdout.write("\r\u001b[K");
        original.write(text);
        rl.prompt(true);
      },
      writeBytes: (bytes) =>
        original.writeBytes ? original.writeBytes(bytes) : original.write(new TextDecoder().decode(bytes)),
      isTTY: original.isTTY,
    };
  }
  let inputEnded = false;
  const prompt = () => {
    if (terminal && !closed && !inputEnded) rl.prompt();
  };

  return new Promise((resolve) => {
    const finish = () => {
      if (closed) return;
      closed = true;
      closedOutput.removeEventListener("abort", onOutputClosed);
      rl.close();
      resolve(records);
    };
    const next = async () => {
      while (!running && queue.length > 0 && !shell.exited) {
        const line = queue.shift()!;
        if (line.trim() === "") {
          prompt();
          continue;
        }
        if (file) {
          try {
            appendFileSync(file, `${line}\n`);
          } catch {
            // History is a convenience: a read-only home must not stop the shell.
          }
        }
        running = new AbortController();
        try {
          records.push(...(await shell.execute(line, { signal: running.signal })));
        } finally {
          running = undefined;
        }
        if (shell.exited) return finish();
        prompt();
      }
      if (inputEnded && !running && queue.length === 0) finish();
    };
    rl.on("line", (line) => {
      queue.push(line);
      void next();
    });
    rl.on("SIGINT", () => {
      if (running) {
        running.abort();
        process.stdout.write("^C\n");
      } else {
        process.stdout.write("^C\n");
        rl.write(null, { ctrl: true, name: "u" }); // clear the line (readline redraws the prompt)
      }
    });
    // The reader of our output went away (`... | head -1`): stop the command, read no more.
    const onOutputClosed = () => {
      queue.length = 0;
      inputEnded = true;
      if (running) running.abort();
      else finish();
    };
    if (closedOutput.aborted) return onOutputClosed();
    closedOutput.addEventListener("abort", onOutputClosed, { once: true });
    rl.on("close", () => {
      inputEnded = true;
      if (terminal && !closed) process.stdout.write("\n");
      if (!running && queue.length === 0) finish();
      else void next();
    });
    prompt();
  });
}
