/** The shape of a shell command, global (`pingall`) or run on a node (`h1 ping h2`). */
import type { Node } from "../devices/node.js";
import type { Switch } from "../link/switch.js";
import type { ShellOutput, Style } from "./io.js";
import type { Shell } from "./shell.js";

/** What a node is, as the topology file says (a server is a host that runs services). */
export type NodeKindName = "host" | "server" | "router" | "switch";

export interface CommandContext {
  readonly shell: Shell;
  /** The command's canonical name. */
  readonly name: string;
  /** Arguments after the command name, node names already replaced by addresses. */
  readonly args: string[];
  /** Arguments as typed. */
  readonly rawArgs: string[];
  readonly out: ShellOutput;
  readonly err: ShellOutput;
  /** Aborted by Ctrl-C: long-running commands stop and print what they have. */
  readonly signal: AbortSignal;
  readonly style: Style;
}

export interface NodeCommandContext extends CommandContext {
  readonly nodeName: string;
  readonly kind: NodeKindName;
  /** The host or router (undefined on a switch). */
  readonly node: Node | undefined;
  /** The switch (undefined on a host or router). */
  readonly switch: Switch | undefined;
}

/** How a command ended: its exit status (0 = success) and, for `--json`, what it found. */
export interface CommandOutcome {
  status: number;
  data?: unknown;
}

// biome-ignore lint/suspicious/noConfusingVoidType: commands that simply succeed return nothing
export type CommandReturn = CommandOutcome | number | undefined | void;

interface CommandBase {
  name: string;
  aliases?: readonly string[];
  /** One line for `help`. */
  summary: string;
  /** The synopsis, e.g. `ping [-c COUNT] DESTINATION`. */
  usage: string;
  /** More lines for `help NAME`. */
  details?: string;
  /** Called once when the command joins a shell (e.g. to start recording what it will show). */
  attach?(shell: Shell): void;
  /** Candidates for the word being completed, given the words before it (after the command name). */
  complete?(shell: Shell, previous: readonly string[]): readonly string[];
}

export interface GlobalCommand extends CommandBase {
  scope: "global";
  run(context: CommandContext): CommandReturn | Promise<CommandReturn>;
}

export interface NodeCommand extends CommandBase {
  scope: "node";
  /** The kinds of node it runs on (default: host, server, router). */
  kinds?: readonly NodeKindName[];
  /** Replace node names in the arguments by their addresses (default true). */
  substitute?: boolean;
  run(context: NodeCommandContext): CommandReturn | Promise<CommandReturn>;
}

export type ShellCommand = GlobalCommand | NodeCommand;

export const L3_KINDS: readonly NodeKindName[] = ["host", "server", "router"];
export const ALL_KINDS: readonly NodeKindName[] = ["host", "server", "router", "switch"];

/** Writes lines (each followed by a newline). */
export function writeLines(out: ShellOutput, lines: readonly string[]): void {
  if (lines.length > 0) out.write(`${lines.join("\n")}\n`);
}
