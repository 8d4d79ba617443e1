/**
 * `tinkernet run FILE`: builds the lab a topology file describes and runs it.
 *
 * - With no `--exec`, `--script` or `--app` (and no `--duration`/`--forever`): the interactive
 *   shell. `--interactive` also opens it after the commands.
 * - With them: the file's `exec` lines, the apps, then the commands in order (servers started by
 *   `httpd`, `nc -l`, `iperf -s` keep serving); the run ends after the last one, or keeps the
 *   network running for `--duration T` more, or until SIGINT/SIGTERM with `--forever`.
 *
 * Time is virtual (as fast as possible, deterministic for a seed) unless `--realtime` or
 * `--forever` (TAP links need the wall clock). Exit codes: 0 every command succeeded, 1 a
 * command failed (ping with 100% loss, curl's HTTP error with -f, an app threw), 2 a usage or
 * topology error (nothing ran, or a command was written wrong).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { startLabServices } from "../../apps/lab-services.js";
import { openCaptureSink } from "../../platform/capture-sink.js";
import { RoutingSettleWatch, routingRouters, unsettledProtocols } from "../../routing/settle.js";
import { defaultCommands } from "../../shell/commands/index.js";
import { RealtimeDriver, type TimeDriver, VirtualDriver } from "../../shell/driver.js";
import { BufferOutput, makeStyle } from "../../shell/io.js";
import { parseDurationText } from "../../shell/options.js";
import { type CommandRecord, Shell } from "../../shell/shell.js";
import { tokenize } from "../../shell/tokenize.js";
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { type BuiltLab, buildNetwork } from "../../topology/build.js";
import { startCapture } from "../../trace/views/live-capture.js";
import { type AppMain, type AppSpec, loadApp, parseAppSpec, startApp } from "../apps.js";
import { interactive } from "../interactive.js";
import { closedOutput, nodeFileSystem, streamOutput, wantsColor } from "../node-io.js";
import { progressBar } from "../progress.js";
import { readTopology } from "./topology.js";

export interface RunOptions {
  exec: string[];
  script?: string;
  seed: string;
  realtime?: boolean;
  pcap?: string;
  json?: boolean;
  duration?: string;
  forever?: boolean;
  app: string[];
  interactive?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a lab: the interactive shell, or the commands given with --exec/--script")
    .argument("<file>", "a topology YAML file")
    .option("--exec <commands>", 'shell commands separated by ";" (repeatable)', collect, [])
    .option("--script <file>", "a file of shell commands, one per line (# comments)")
    .option("--seed <n>", "seed of the simulation's randomness", "1")
    .option("--realtime", "pace the network to the wall clock instead of virtual time")
    .option("--pcap <dir>", "write a pcapng capture per node into this directory")
    .option("--json", "one JSON object per command (status, output, data) instead of text")
    .option("--duration <time>", "keep the network running this long after the commands (30s, 5m)")
    .option("--forever", "keep running in real time until SIGINT/SIGTERM (needed for TAP links)")
    .option(
      "--app <node:module>",
      "run your module's main(host, args) on a host, e.g. h2:./server.js (repeatable)",
      collect,
      [],
    )
    .option("-i, --interactive", "open the shell after the commands and apps")
    .addHelpText(
      "after",
      '\nExamples:\n  tinkernet run examples/lan.yml\n  tinkernet run examples/chain.yml --exec "pingall; h1 traceroute h2"\n  tinkernet run lab.yml --app h2:./examples/apps/echo-server.js --app "h1:./examples/apps/echo-client.js h2"',
    )
    .action(async (file: string, options: RunOptions) => {
      process.exitCode = await runLab(file, options);
    });
}

function usage(message: string): number {
  console.error(`tinkernet run: ${message}`);
  return 2;
}

/** Runs a lab; resolves with the exit code. */
export async function runLab(file: string, options: RunOptions): Promise<number> {
  // ---- options ------------------------------------------------------------------------------
  if (!/^\d+$/.test(options.seed)) return usage(`invalid seed "${options.seed}": expected a whole number`);
  if (options.duration !== undefined && options.forever)
    return usage("choose --duration or --forever, not both");
  let duration: Nanoseconds | undefined;
  if (options.duration !== undefined) {
    duration = parseDurationText(options.duration);
    if (duration === undefined)
      return usage(`invalid duration "${options.duration}": e.g. 30s, 5m, 1.5h, 250ms`);
  }
  const realtime = options.realtime === true || options.forever === true;
  let commandText = options.exec.join("\n");
  if (options.script !== undefined) {
    try {
      commandText += `\n${readFileSync(options.script, "utf8")}`;
    } catch (error) {
      return usage(
        `cannot read ${options.script}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  const parsed = tokenize(commandText);
  if (parsed.error) return usage(`syntax error in the commands: ${parsed.error}`);
  const apps: AppSpec[] = [];
  for (const text of options.app) {
    const spec = parseAppSpec(text);
    if (typeof spec === "string") return usage(spec);
    apps.push(spec);
  }
  const headless =
    parsed.commands.length > 0 || apps.length > 0 || duration !== undefined || options.forever === true;
  const openShell = options.interactive === true || !headless;

  // ---- the lab ------------------------------------------------------------------------------
  const topology = readTopology(file);
  if (!topology) return 2;
  const { lab, errors } = buildNetwork(topology, { seed: Number(options.seed), allowTaps: realtime });
  for (const error of errors) console.error(error.toString().replace(": ", ": error: "));
  if (!lab) {
    console.error(`${errors.length} error${errors.length === 1 ? "" : "s"} in ${file}`);
    return 2;
  }
  for (const app of apps) {
    const kind = topology.nodes.get(app.node)?.kind;
    if (kind === undefined) return usage(`--app: no node named "${app.node}" in ${file}`);
    if (kind === "switch")
      return usage(`--app: ${app.node} is a switch; programs run on hosts, servers and routers`);
  }

  const color = wantsColor(process.stdout);
  const style = makeStyle(color);
  const scheduler = lab.network.scheduler;
  let driver: TimeDriver;
  let stopTime: () => Promise<void> = async () => {};
  let runForever: (() => Promise<void>) | undefined;
  const taps = topology.taps ?? [];
  if (taps.length > 0) {
    const tap = await import("../../platform/tap/index.js");
    const runner = new tap.RealtimeRunner(scheduler);
    let attachments: Awaited<ReturnType<typeof tap.attachTaps>>;
    try {
      attachments = await tap.attachTaps(lab.network, taps, runner);
    } catch (error) {
      await runner.stop();
      console.error(`tinkernet run: cannot open the TAP links: ${(error as Error).message}`);
      return 2;
    }
    driver = new RealtimeDriver(scheduler, runner.clock, true);
    runForever = async () => {
      await tap.runUntilInterrupted(runner, attachments, { signal: closedOutput });
    };
    stopTime = async () => {
      await runner.stop();
      for (const attachment of attachments) attachment.bridge.close();
    };
  } else if (realtime) {
    const realtimeDriver = new RealtimeDriver(scheduler);
    realtimeDriver.start();
    driver = realtimeDriver;
    stopTime = () => realtimeDriver.stop();
  } else {
    const virtual = new VirtualDriver(scheduler);
    const bar = progressBar(process.stderr, wantsColor(process.stderr));
    if (bar) virtual.onProgress = bar.listener;
    driver = virtual;
  }

  const stderr = streamOutput(process.stderr);
  // `capture TARGET -` streams pcapng on stdout: the shell's own text then goes to stderr.
  const pcapOnStdout = parsed.commands.some(
    (words) => words[0]?.text === "capture" && words.at(-1)?.text === "-",
  );
  const stdout = pcapOnStdout ? stderr : streamOutput(process.stdout);
  const shell = new Shell({
    network: lab.network,
    topology,
    driver,
    out: stdout,
    err: stderr,
    fs: nodeFileSystem,
    color,
    commands: defaultCommands(),
  });

  const captures = options.pcap !== undefined ? startPcap(lab, options.pcap) : undefined;
  if (typeof captures === "string") {
    await stopTime();
    return usage(captures);
  }

  // Ctrl-C in a headless run stops the command that runs and skips the rest.
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  if (headless) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  // The reader of our output went away (`| head -1`): stop as for Ctrl-C, then exit 0 quietly.
  closedOutput.addEventListener("abort", onSignal);

  const records: CommandRecord[] = [];
  let appFailures = 0;
  const runCommands = async (commands: readonly { text: string; words: string[] }[]) => {
    for (const { text, words } of commands) {
      if (interrupt.signal.aborted || shell.exited) break;
      if (options.json) {
        const out = new BufferOutput();
        const err = new BufferOutput();
        shell.out = out;
        shell.err = err;
        const record = await shell.run(words, { out, err, signal: interrupt.signal });
        shell.out = stdout;
        shell.err = stderr;
        records.push(record);
        const { line: _, usage: isUsage, ...rest } = record;
        if (!closedOutput.aborted)
          process.stdout.write(
            `${JSON.stringify({ command: text, ...rest, usageError: isUsage, output: out.text, errors: err.text })}\n`,
          );
      } else {
        if (process.stdout.isTTY && !closedOutput.aborted)
          process.stdout.write(`${style.dim(`tinkernet> ${text}`)}\n`);
        records.push(await shell.run(words, { signal: interrupt.signal }));
      }
    }
  };

  // The file's DHCP and DNS servers, relays and clients; the run goes on once the clients have
  // their leases (or a minute of network time has passed).
  const services = startLabServices(lab.network, topology);
  try {
    const clients = [...services.dhcpClients.values()];
    if (clients.length > 0) {
      const bound = await driver.until(() => clients.every((c) => c.state === "BOUND"), {
        limit: 60 * SECOND,
        signal: interrupt.signal,
      });
      if (!bound) {
        const waiting = [...services.dhcpClients.entries()]
          .filter(([, c]) => c.state !== "BOUND")
          .map(([name]) => name);
        console.error(style.yellow(`tinkernet run: no DHCP lease yet for ${waiting.join(", ")}`));
      }
    }

    // Dynamic routing: in virtual time the first command waits until the routers' protocols have
    // settled (adjacencies up, RIBs quiet; src/routing/settle.ts), as a user would wait for
    // `show ip ospf neighbor` to say Full. In real time the user watches it happen instead.
    if (!realtime && routingRouters(lab.network).length > 0) {
      const started = scheduler.now;
      const watch = new RoutingSettleWatch(lab.network);
      const settled = await driver.until(() => watch.settled(), {
        limit: 300 * SECOND,
        signal: interrupt.signal,
      });
      const seconds = ((scheduler.now - started) / SECOND).toFixed(1);
      if (settled)
        console.error(style.dim(`tinkernet run: routing settled after ${seconds} s of network time`));
      else {
        const waiting = routingRouters(lab.network).flatMap((r) =>
          unsettledProtocols(r).map((w) => `${r.name}: ${w}`),
        );
        console.error(
          style.yellow(
            `tinkernet run: routing not settled after ${seconds} s (${waiting.slice(0, 5).join("; ")})`,
          ),
        );
      }
    }

    // The file's `exec` lines, as containerlab runs them after deploying.
    await runCommands(
      lab.exec.flatMap((e) =>
        tokenize(e.command).commands.map((words) => {
          const texts = [e.node, ...words.map((w) => w.text)];
          return { text: texts.join(" "), words: texts };
        }),
      ),
    );

    // The apps: loaded, started in order; the network runs until they are done or nothing more happens.
    if (apps.length > 0) {
      const write = (text: string) => {
        if (!closedOutput.aborted) process.stdout.write(text);
      };
      const mains: AppMain[] = [];
      for (const app of apps) {
        try {
          mains.push(await loadApp(app));
        } catch (error) {
          console.error(`tinkernet run: --app ${app.node}:${app.module}: ${(error as Error).message}`);
          return 2;
        }
      }
      const settled = apps.map(() => false);
      apps.forEach((app, index) => {
        // Node names in the arguments stand for addresses, as in the shell (`h2`, `http://h2:8080/`).
        const args = app.args.map((arg) => {
          try {
            return shell.substitute(arg);
          } catch {
            return arg;
          }
        });
        startApp(lab.network.node(app.node), mains[index], args, write).then(
          () => {
            settled[index] = true;
          },
          (error: Error) => {
            settled[index] = true;
            appFailures++;
            console.error(style.red(`[${app.node}] ${app.module}: ${error.stack ?? error.message}`));
          },
        );
      });
      await driver.until(() => settled.every(Boolean), { signal: interrupt.signal });
    }

    await runCommands(
      parsed.commands.map((words) => ({
        text: words.map((w) => w.text).join(" "),
        words: words.map((w) => w.text),
      })),
    );

    if (duration !== undefined && !interrupt.signal.aborted)
      await driver.sleep(duration, { signal: interrupt.signal });
    if (options.forever && !interrupt.signal.aborted) {
      console.error(`*** ${topology.name}: running in real time; Ctrl-C (SIGINT) or SIGTERM stops it`);
      if (runForever) {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await runForever();
      } else {
        await new Promise<void>((resolve) => interrupt.signal.addEventListener("abort", () => resolve()));
      }
    }

    if (openShell && !interrupt.signal.aborted) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      const banner =
        `${style.bold(`*** tinkernet: lab "${topology.name}"`)} — ${shell.nodeNames().length} nodes, ${lab.network.links.length} links, ` +
        `${realtime ? "real time" : `virtual time (seed ${options.seed}): the clock runs while a command waits`}\n` +
        `*** Type help for the commands, exit or Ctrl-D to leave.\n`;
      // What is typed at a terminal does not decide the exit code (a typo is not a failed run);
      // commands piped in (`tinkernet run lab.yml < commands`) do, as a script's would.
      const typed = await interactive(shell, { banner });
      if (!process.stdin.isTTY) records.push(...typed);
    }
  } finally {
    services.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    closedOutput.removeEventListener("abort", onSignal);
    await shell.stopAllJobs();
    await stopTime();
    if (captures) await captures.stop();
  }

  if (closedOutput.aborted) return 0;
  const interrupted = interrupt.signal.aborted && !options.forever;
  if (records.some((r) => r.usage)) return 2;
  if (records.some((r) => r.status !== 0) || appFailures > 0) return 1;
  if (interrupted) return 130;
  return 0;
}

/**
 * `--pcap DIR`: one pcapng file per node (`DIR/h1.pcapng`), every interface of it a pcapng
 * interface, frames with their direction; timestamps are virtual time from the Unix epoch, so the
 * same seed writes the same files.
 */
function startPcap(lab: BuiltLab, dir: string): { stop(): Promise<void> } | string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    return `--pcap ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
  const names = [...lab.network.nodes.map((n) => n.name), ...lab.network.switches.map((s) => s.name)];
  const running = names.map((name) => {
    const handle = openCaptureSink(join(dir, `${name}.pcapng`));
    const capture = startCapture(lab.network.tracer, { kind: "node", node: name }, handle.sink, {
      comment: `tinkernet run ${lab.topology.file}: node ${name}`,
    });
    return { handle, capture };
  });
  return {
    async stop() {
      for (const { capture } of running) capture.stop();
      await Promise.all(running.map(({ handle }) => handle.close()));
    },
  };
}
