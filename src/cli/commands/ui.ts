/**
 * `tinkernet ui [FILE] [--port N] [--host H] [--open] [--seed N] [--exec CMDS] [--script FILE]`:
 * the web lab. Builds the lab (the demo network, examples/internet.yml, when no FILE is given),
 * runs a short start-up script so there is something to watch, and serves the page on
 * http://127.0.0.1:PORT/ (a free port unless --port says). The simulation runs here, in virtual
 * time; the page plays back its events (docs/web-lab.md). Runs until Ctrl-C (SIGINT) or SIGTERM.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { tokenize } from "../../shell/tokenize.js";
import type { ScriptLine } from "../../web/protocol.js";
import { DEMO_SCRIPT, WebLab } from "../../web/server/lab.js";
import { DEFAULT_ASSETS, startLabServer } from "../../web/server/server.js";
import { INTERNET_YML } from "./demo.js";

interface UiOptions {
  port?: string;
  host: string;
  open?: boolean;
  seed: string;
  exec: string[];
  script?: string;
  maxEvents?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerUi(program: Command): void {
  program
    .command("ui")
    .description("the web lab: see the network, play its packets back, open each one layer by layer")
    .argument("[file]", "a topology YAML file (default: the demo network, examples/internet.yml)")
    .option("--port <n>", "port to listen on (default: a free port)")
    .option(
      "--host <address>",
      "address to listen on (anything but loopback exposes the lab's shell)",
      "127.0.0.1",
    )
    .option("--open", "open the page in a browser (xdg-open)")
    .option("--seed <n>", "seed of the simulation's randomness", "1")
    .option(
      "--exec <commands>",
      'start-up commands instead of the default ones, separated by ";" (repeatable)',
      collect,
      [],
    )
    .option("--script <file>", "start-up commands from a file, one per line (# comments)")
    .option("--max-events <n>", "events kept for the page (default 200000; older ones are forgotten)")
    .addHelpText(
      "after",
      '\nExamples:\n  tinkernet ui\n  tinkernet ui examples/lan.yml --port 8080 --open\n  tinkernet ui examples/chain.yml --exec "h1 traceroute h2"',
    )
    .action(async (file: string | undefined, options: UiOptions) => {
      process.exitCode = await ui(file, options);
    });
}

function usage(message: string): number {
  console.error(`tinkernet ui: ${message}`);
  return 2;
}

async function ui(file: string | undefined, options: UiOptions): Promise<number> {
  if (!/^\d+$/.test(options.seed)) return usage(`invalid seed "${options.seed}": expected a whole number`);
  let port = 0;
  if (options.port !== undefined) {
    port = Number(options.port);
    if (!/^\d+$/.test(options.port) || port > 65535)
      return usage(`invalid port "${options.port}": 0 to 65535`);
  }
  let maxEvents: number | undefined;
  if (options.maxEvents !== undefined) {
    maxEvents = Number(options.maxEvents);
    if (!/^\d+$/.test(options.maxEvents) || maxEvents < 1000 || maxEvents > 5_000_000)
      return usage(`invalid --max-events "${options.maxEvents}": 1000 to 5000000`);
  }
  const path = file ?? INTERNET_YML;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return usage(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let commands = options.exec.join("\n");
  if (options.script !== undefined) {
    try {
      commands += `\n${readFileSync(options.script, "utf8")}`;
    } catch (error) {
      return usage(
        `cannot read ${options.script}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  let script: ScriptLine[] | undefined = file === undefined ? DEMO_SCRIPT : undefined;
  if (commands.trim() !== "") {
    const parsed = tokenize(commands);
    if (parsed.error) return usage(`syntax error in the commands: ${parsed.error}`);
    script = parsed.commands.map((words) => ({ command: words.map((w) => w.text).join(" ") }));
  }
  const created = WebLab.create({
    text,
    file: file ?? "examples/internet.yml",
    seed: Number(options.seed),
    ...(script ? { script } : {}),
    ...(maxEvents !== undefined ? { maxEvents } : {}),
  });
  if (!created.ok) {
    console.error(created.error);
    return 2;
  }
  const lab = created.value;
  let server: Awaited<ReturnType<typeof startLabServer>>;
  try {
    server = await startLabServer({ lab, host: options.host, port });
  } catch (error) {
    await lab.close();
    return usage(
      `cannot listen on ${options.host}:${port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const loopback = ["127.0.0.1", "::1", "localhost"].includes(options.host);
  console.log(`tinkernet web lab "${lab.snapshot().name}" on ${server.url}`);
  if (!loopback)
    console.error(
      `warning: listening on ${options.host}: anyone who can reach it can use the lab's shell (the lab only, not this machine's)`,
    );
  if (!existsSync(join(DEFAULT_ASSETS, "index.html")))
    console.error(
      `warning: the page is not built (${join(DEFAULT_ASSETS, "index.html")}): run npm run build:web`,
    );
  for (const line of lab.script) console.log(`  start-up: ${line.command}`);
  if (options.open) openBrowser(server.url);
  await lab.start();
  console.log(
    `ready: ${lab.log.endSeq} events recorded (the page gets the last ${lab.log.maxEvents} and frames up to ${lab.log.maxFrameBytes >> 20} MiB); Ctrl-C stops the lab`,
  );
  await new Promise<void>((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });
  await server.close();
  return 0;
}

function openBrowser(url: string): void {
  const found = spawnSync("sh", ["-c", "command -v xdg-open"], { encoding: "utf8" });
  if (found.status !== 0) {
    console.log(`(no xdg-open here: open ${url} in a browser)`);
    return;
  }
  const child = spawn("xdg-open", [url], { stdio: "ignore", detached: true });
  child.on("error", () => console.log(`(xdg-open failed: open ${url} in a browser)`));
  child.unref();
}
