/**
 * The command engine behind `tinkernet run`'s shell (and, later, the web lab's terminals): it
 * reads command lines, finds the command, replaces node names by their addresses the way
 * Mininet does (`h1 ping h2`), runs it while network time passes (through a {@link TimeDriver}),
 * and reports an exit status per command. It prints through {@link ShellOutput}s and touches files
 * only through a {@link ShellFileSystem}, so it runs unchanged in Node.js and in a browser.
 */
import type { Network } from "../devices/network.js";
import type { Node } from "../devices/node.js";
import type { Link } from "../link/link.js";
import type { Switch } from "../link/switch.js";
import { SECOND } from "../sim/time.js";
import type { TopologySpec } from "../topology/model.js";
import { closest } from "../topology/suggest.js";
import {
  ALL_KINDS,
  type CommandContext,
  type CommandOutcome,
  type CommandReturn,
  L3_KINDS,
  type NodeCommandContext,
  type NodeKindName,
  type ShellCommand,
} from "./command.js";
import type { TimeDriver } from "./driver.js";
import { makeStyle, noFileSystem, type ShellFileSystem, type ShellOutput, type Style } from "./io.js";
import { UsageError } from "./options.js";
import { tokenize, type Word } from "./tokenize.js";

export interface ShellOptions {
  network: Network;
  /** The lab's file, when there is one: node kinds (servers) and the order of nodes. */
  topology?: TopologySpec;
  driver: TimeDriver;
  out: ShellOutput;
  err?: ShellOutput;
  fs?: ShellFileSystem;
  /** ANSI colours (default off). */
  color?: boolean;
  /** The commands (default: none; see `defaultCommands()` in ./commands/index.ts). */
  commands?: readonly ShellCommand[];
}

/** The result of one command. */
export interface CommandRecord extends CommandOutcome {
  /** The command as typed. */
  line: string;
  /** True when it was not run because it was written wrong (unknown command, bad option). */
  usage: boolean;
}

/** Something running in the background (a server), listed by `jobs` and ended by `kill`. */
export interface Job {
  readonly id: number;
  readonly node: string;
  /** e.g. `httpd 80`. */
  readonly description: string;
  /** Stops it; called once. A promise when stopping takes time (a capture flushing its file). */
  stop(): void | Promise<void>;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Output for this call only (`--json` captures each command's output). */
  out?: ShellOutput;
  err?: ShellOutput;
}

export class Shell {
  readonly network: Network;
  readonly topology: TopologySpec | undefined;
  readonly driver: TimeDriver;
  readonly fs: ShellFileSystem;
  readonly style: Style;
  /** Where background jobs print (a server's log, what `nc -l` receives). */
  out: ShellOutput;
  err: ShellOutput;
  /** Set by `exit`. */
  exited = false;
  private readonly commandMap = new Map<string, ShellCommand>();
  private readonly commandList: ShellCommand[] = [];
  private readonly jobMap = new Map<number, Job>();
  private nextJob = 1;

  constructor(options: ShellOptions) {
    this.network = options.network;
    this.topology = options.topology;
    this.driver = options.driver;
    this.out = options.out;
    this.err = options.err ?? options.out;
    this.fs = options.fs ?? noFileSystem;
    this.style = makeStyle(options.color ?? false);
    for (const command of options.commands ?? []) this.register(command);
  }

  /** Adds a command (later registrations of the same name replace earlier ones). */
  register(command: ShellCommand): void {
    if (!this.commandMap.has(command.name)) this.commandList.push(command);
    else this.commandList[this.commandList.indexOf(this.commandMap.get(command.name)!)] = command;
    this.commandMap.set(command.name, command);
    for (const alias of command.aliases ?? []) this.commandMap.set(alias, command);
    command.attach?.(this);
  }

  /** Every command, in registration order. */
  get commands(): readonly ShellCommand[] {
    return this.commandList;
  }

  command(name: string): ShellCommand | undefined {
    return this.commandMap.get(name);
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  /** Every node name: the file's order when there is a file, else hosts and routers, then switches. */
  nodeNames(): string[] {
    if (this.topology) return [...this.topology.nodes.keys()].filter((name) => this.hasNode(name));
    return [...this.network.nodes.map((n) => n.name), ...this.network.switches.map((s) => s.name)];
  }

  hasNode(name: string): boolean {
    return this.nodeOrUndefined(name) !== undefined || this.switchOrUndefined(name) !== undefined;
  }

  kindOf(name: string): NodeKindName | undefined {
    const declared = this.topology?.nodes.get(name)?.kind;
    if (declared === "server" && this.nodeOrUndefined(name)) return "server";
    if (this.switchOrUndefined(name)) return "switch";
    const node = this.nodeOrUndefined(name);
    if (!node) return undefined;
    return node.kind === "router" ? "router" : "host";
  }

  /** The host or router called `name`, if there is one. */
  nodeOrUndefined(name: string): Node | undefined {
    return this.network.nodes.find((n) => n.name === name);
  }

  switchOrUndefined(name: string): Switch | undefined {
    return this.network.switches.find((s) => s.name === name);
  }

  /** Hosts and servers (what `pingall` pings between). */
  hostNames(): string[] {
    return this.nodeNames().filter((n) => {
      const kind = this.kindOf(n);
      return kind === "host" || kind === "server";
    });
  }

  /** The address that stands for a node in arguments: its first address. */
  addressOf(name: string, family: 4 | 6 = 4): string | undefined {
    const node = this.nodeOrUndefined(name);
    return (family === 6 ? node?.primaryIpv6Address : node?.primaryAddress)?.toString();
  }

  /** Links between `a` and `b` (each `node` or `node:interface`), in creation order. */
  linksBetween(a: string, b: string): Link[] {
    const matches = (end: string, spec: string) => end === spec || end.startsWith(`${spec}:`);
    return this.network.links.filter(
      (link) =>
        (matches(link.a.name, a) && matches(link.b.name, b)) ||
        (matches(link.a.name, b) && matches(link.b.name, a)),
    );
  }

  /** A name that does not exist, with a did-you-mean over the nodes. */
  unknownNode(name: string): UsageError {
    const suggestion = closest(name, this.nodeNames());
    return new UsageError(
      `no node named "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; nodes: ${this.nodeNames().join(" ")}`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Jobs

  addJob(node: string, description: string, stop: () => void | Promise<void>): Job {
    const job: Job = { id: this.nextJob++, node, description, stop };
    this.jobMap.set(job.id, job);
    return job;
  }

  get jobs(): Job[] {
    return [...this.jobMap.values()];
  }

  /** Stops a job; false when there is none with that id. `settled` waits for it to finish stopping. */
  stopJob(id: number): boolean {
    const job = this.jobMap.get(id);
    if (!job) return false;
    this.jobMap.delete(id);
    const stopped = job.stop();
    if (stopped) this.stopping.push(stopped.catch(() => {}));
    return true;
  }

  private stopping: Promise<void>[] = [];

  /** Resolves when every job stopped so far has finished stopping. */
  async settled(): Promise<void> {
    while (this.stopping.length > 0) await Promise.all(this.stopping.splice(0));
  }

  /** Stops every job (the shell is closing) and waits until they have stopped. */
  async stopAllJobs(): Promise<void> {
    for (const id of [...this.jobMap.keys()]) this.stopJob(id);
    await this.settled();
  }

  /** Prints a background line from `source` (e.g. `h2 httpd`). */
  notify(source: string, line: string): void {
    this.out.write(`${this.style.dim(`[${source}]`)} ${line}\n`);
  }

  // ---------------------------------------------------------------------------------------------
  // Running commands

  /** Runs every command on a line (or several lines: `;` and newlines separate commands). */
  async execute(text: string, options: ExecuteOptions = {}): Promise<CommandRecord[]> {
    const err = options.err ?? this.err;
    const { commands, error } = tokenize(text);
    if (error) {
      err.write(`tinkernet: syntax error: ${error}\n`);
      return [{ line: text.trim(), status: 2, usage: true }];
    }
    const records: CommandRecord[] = [];
    for (const words of commands) {
      if (this.exited) break;
      records.push(await this.run(words, options));
    }
    return records;
  }

  /** Runs one command given as words. */
  async run(
    words: readonly Word[] | readonly string[],
    options: ExecuteOptions = {},
  ): Promise<CommandRecord> {
    const texts = words.map((w) => (typeof w === "string" ? w : w.text));
    const line = texts.map((t) => (/[\s;'"#]/.test(t) || t === "" ? JSON.stringify(t) : t)).join(" ");
    const out = options.out ?? this.out;
    const err = options.err ?? this.err;
    const signal = options.signal ?? new AbortController().signal;
    const [first, ...rest] = texts;
    let commandName = "tinkernet";
    try {
      if (first === undefined) return { line, status: 0, usage: false };
      if (this.hasNode(first)) {
        const kind = this.kindOf(first)!;
        const [name, ...args] = rest;
        if (name === undefined) return { line, ...(await this.describeNode(first, out)), usage: false };
        const command = this.commandMap.get(name);
        commandName = name;
        if (!command) throw this.unknownCommand(name, true);
        if (command.scope === "global") {
          throw new UsageError(`${name} is not run on a node: write "${[name, ...args].join(" ")}"`);
        }
        commandName = command.name;
        const kinds = command.kinds ?? L3_KINDS;
        if (!kinds.includes(kind)) {
          throw new UsageError(
            `${first} is a ${kind}; ${command.name} runs on ${kinds.map((k) => `${k}s`).join(", ")}`,
          );
        }
        if (isHelp(args)) return { line, status: this.printUsage(command, out), usage: false };
        await this.awaitAutoconfiguration(first, signal);
        const context: NodeCommandContext = {
          shell: this,
          name: command.name,
          args:
            command.substitute === false
              ? args
              : args.map((a) =>
                  this.substitute(a, args.includes("-6") ? 6 : args.includes("-4") ? 4 : undefined),
                ),
          rawArgs: args,
          out,
          err,
          signal,
          style: this.style,
          nodeName: first,
          kind,
          node: this.nodeOrUndefined(first),
          switch: this.switchOrUndefined(first),
        };
        return { line, ...outcome(await command.run(context)), usage: false };
      }
      const command = this.commandMap.get(first);
      if (!command) throw this.unknownCommand(first, false);
      commandName = command.name;
      if (command.scope === "node") {
        const example = this.exampleNode(command);
        throw new UsageError(
          `${command.name} runs on a node: write "${example ?? "NODE"} ${[command.name, ...rest].join(" ")}"`,
        );
      }
      if (isHelp(rest)) return { line, status: this.printUsage(command, out), usage: false };
      const context: CommandContext = {
        shell: this,
        name: command.name,
        args: rest,
        rawArgs: rest,
        out,
        err,
        signal,
        style: this.style,
      };
      return { line, ...outcome(await command.run(context)), usage: false };
    } catch (error) {
      if (error instanceof UsageError) {
        err.write(`${this.style.red(`${commandName}: ${error.message}`)}\n`);
        const command = this.commandMap.get(commandName);
        if (command && !/^no node named|runs on a node|is a (host|server|router|switch);/.test(error.message))
          err.write(`usage: ${command.usage}\n`);
        return { line, status: 2, usage: true };
      }
      err.write(`${this.style.red(`${commandName}: ${(error as Error).message ?? String(error)}`)}\n`);
      return { line, status: 1, usage: false };
    }
  }

  /**
   * An IPv6-only host (`ipv4: false` in the file) configures its address from a router's
   * advertisement (SLAAC, RFC 4862 §5.5) a few seconds after the network starts (the router's and
   * its own duplicate address detection come first). A command run on it before then waits for the
   * address, 10 s of network time at most, as a phone's apps wait until it has attached.
   */
  async awaitAutoconfiguration(name: string, signal: AbortSignal): Promise<void> {
    if (this.topology?.nodes.get(name)?.ipv4 !== false) return;
    const node = this.nodeOrUndefined(name);
    if (!node || node.kind === "router" || node.primaryIpv6Address !== undefined) return;
    await this.driver.until(() => node.primaryIpv6Address !== undefined, { signal, limit: 10 * SECOND });
  }

  /**
   * A word standing for a node becomes its address: `h2`, `http://h2/x`, `h2:8080`, `h2/path`;
   * its IPv6 address for a command given `-6` (in URLs in brackets, as RFC 3986 §3.2.2 writes them).
   */
  substitute(word: string, family?: 4 | 6): string {
    if (this.hasNode(word)) return this.requireAddress(word, this.familyOf(word, family));
    const url = /^([a-z][a-z0-9+.-]*:\/\/)([^/:?#@]+)(.*)$/i.exec(word);
    if (url && this.hasNode(url[2])) {
      const f = this.familyOf(url[2], family);
      const address = this.requireAddress(url[2], f);
      return `${url[1]}${f === 6 ? `[${address}]` : address}${url[3]}`;
    }
    const hostPort = /^([^/:@]+)((?::\d+|\/).*)$/.exec(word);
    if (hostPort && this.hasNode(hostPort[1])) {
      const f = this.familyOf(hostPort[1], family);
      const address = this.requireAddress(hostPort[1], f);
      return `${f === 6 ? `[${address}]` : address}${hostPort[2]}`;
    }
    return word;
  }

  /**
   * The family a node name stands for: the one asked for (`-4`, `-6`), else IPv4, or IPv6 for a
   * node that has only an IPv6 address (as a name with only an AAAA record resolves to it).
   */
  private familyOf(name: string, family: 4 | 6 | undefined): 4 | 6 {
    if (family !== undefined) return family;
    return this.addressOf(name, 4) === undefined && this.addressOf(name, 6) !== undefined ? 6 : 4;
  }

  private requireAddress(name: string, family: 4 | 6 = 4): string {
    const address = this.addressOf(name, family);
    if (address !== undefined) return address;
    const kind = this.kindOf(name);
    throw new UsageError(
      kind === "switch"
        ? `${name} is a switch: it forwards frames but has no IP address to send to`
        : `${name} has no IPv${family} address yet`,
    );
  }

  private unknownCommand(name: string, onNode: boolean): UsageError {
    const names = [...this.commandMap.keys()];
    const candidates = onNode ? names : [...names, ...this.nodeNames()];
    const suggestion = closest(name, candidates);
    return new UsageError(
      `unknown ${onNode ? "command" : "command or node"} "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; type "help" for the list`,
    );
  }

  private exampleNode(command: ShellCommand): string | undefined {
    const kinds = (command.scope === "node" ? command.kinds : undefined) ?? L3_KINDS;
    const names = this.nodeNames();
    // A host reads best in an example; then whatever kind the command runs on.
    for (const kind of ["host", "server", "router", "switch"] as const) {
      const found = kinds.includes(kind) ? names.find((n) => this.kindOf(n) === kind) : undefined;
      if (found) return found;
    }
    return undefined;
  }

  printUsage(command: ShellCommand, out: ShellOutput): number {
    const where = command.scope === "node" ? "NODE " : "";
    out.write(`usage: ${where}${command.usage}\n  ${command.summary}\n`);
    if (command.details) out.write(`${command.details.replace(/^/gm, "  ")}\n`);
    if (command.scope === "node") {
      const kinds = command.kinds ?? L3_KINDS;
      if (kinds !== ALL_KINDS) out.write(`  runs on: ${kinds.join(", ")}\n`);
    }
    return 0;
  }

  /** `h1` alone: what the node is and how it is set up. */
  private async describeNode(name: string, out: ShellOutput): Promise<CommandOutcome> {
    const sw = this.switchOrUndefined(name);
    if (sw) {
      out.write(sw.showInterfacesCounters());
      return { status: 0 };
    }
    const node = this.nodeOrUndefined(name)!;
    out.write(
      node.kind === "router"
        ? `${node.showIpInterfaceBrief()}\n${node.showIpRoute()}`
        : `${node.ipAddr()}${node.ipRoute()}`,
    );
    return { status: 0 };
  }

  // ---------------------------------------------------------------------------------------------
  // Completion

  /**
   * Completions for a line being typed (the cursor at its end): the words that could replace the
   * last word, and where that word starts. Commands and node names first; then what the command
   * knows (subcommands, node names as arguments).
   */
  complete(line: string): { candidates: string[]; start: number } {
    const { commands, partial } = tokenize(line);
    const lastCommand = commands.length > 0 && !/[;\n]\s*$/.test(line) ? commands[commands.length - 1] : [];
    const words = lastCommand.map((w) => w.text);
    const prefix = partial?.text ?? "";
    const start = partial?.start ?? line.length;
    const before = partial ? words.slice(0, -1) : words;
    const pick = (options: Iterable<string>) =>
      [...new Set(options)].filter((o) => o.startsWith(prefix)).sort((a, b) => a.localeCompare(b));
    if (before.length === 0) {
      const globals = this.commandList.filter((c) => c.scope === "global").map((c) => c.name);
      return { candidates: pick([...globals, ...this.nodeNames()]), start };
    }
    const [first, ...rest] = before;
    if (this.hasNode(first)) {
      const kind = this.kindOf(first)!;
      if (rest.length === 0) {
        const names = this.commandList
          .filter((c) => c.scope === "node" && (c.kinds ?? L3_KINDS).includes(kind))
          .map((c) => c.name);
        return { candidates: pick(names), start };
      }
      const command = this.commandMap.get(rest[0]);
      if (!command) return { candidates: [], start };
      const own = command.complete?.(this, rest.slice(1));
      return { candidates: pick(own ?? this.nodeNames().filter((n) => n !== first)), start };
    }
    const command = this.commandMap.get(first);
    if (!command) return { candidates: [], start };
    return { candidates: pick(command.complete?.(this, rest) ?? this.nodeNames()), start };
  }
}

function isHelp(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] === "--help" || args[0] === "-h" || args[0] === "-?");
}

function outcome(result: CommandReturn): CommandOutcome {
  if (result === undefined) return { status: 0 };
  if (typeof result === "number") return { status: result };
  return result;
}
