/**
 * Mininet's habits: `nodes`, `net`, `links`, `dump`, `pingall`, `link a b down|up`, plus
 * `link a b set loss 5% delay 20ms` (netem's knobs on a running link), `help`, `exit`, and the
 * shell's own `sleep`, `jobs` and `kill`.
 */
import { ping } from "../../apps/ping.js";
import { UnitError } from "../../link/impairments.js";
import type { Link, LinkImpairments } from "../../link/index.js";
import { SECOND } from "../../sim/time.js";
import { closest } from "../../topology/suggest.js";
import {
  type CommandContext,
  type GlobalCommand,
  L3_KINDS,
  type ShellCommand,
  writeLines,
} from "../command.js";
import { describeSettings, mininetName, table } from "../format.js";
import { natBetween, natInsides } from "../nat-reach.js";
import { intOption, parseDurationText, parseOptions, secondsOption, UsageError } from "../options.js";
import type { Shell } from "../shell.js";

const nodes: GlobalCommand = {
  scope: "global",
  name: "nodes",
  summary: "list the nodes",
  usage: "nodes",
  run({ shell, out }) {
    out.write(`available nodes are: \n${shell.nodeNames().join(" ")}\n`);
  },
};

/** The interfaces of a node and what each is plugged into, Mininet's `net` layout. */
function connections(shell: Shell, name: string): string[] {
  const result: string[] = [];
  for (const link of shell.network.links) {
    for (const [mine, theirs] of [
      [link.a.name, link.b.name],
      [link.b.name, link.a.name],
    ]) {
      if (mine.startsWith(`${name}:`)) result.push(`${mininetName(mine)}:${mininetName(theirs)}`);
    }
  }
  return result;
}

const net: GlobalCommand = {
  scope: "global",
  name: "net",
  summary: "list the nodes and what each interface is connected to",
  usage: "net",
  run({ shell, out }) {
    writeLines(
      out,
      shell.nodeNames().map((name) => [name, ...connections(shell, name)].join(" ")),
    );
  },
};

function linkState(link: Link): string {
  const up = link.isUp ? "OK" : "DOWN";
  return `(${up} ${up})`;
}

const links: GlobalCommand = {
  scope: "global",
  name: "links",
  summary: "list the links, their state and their impairments",
  usage: "links",
  run({ shell, out, style }) {
    writeLines(
      out,
      table(
        shell.network.links.map((link) => {
          const state = linkState(link);
          const settings = describeSettings(link.settings("a-to-b"));
          const back = describeSettings(link.settings("b-to-a"));
          return [
            `${mininetName(link.a.name)}<->${mininetName(link.b.name)}`,
            link.isUp ? style.green(state) : style.red(state),
            settings === back ? settings : `${settings} / ${back}`,
          ];
        }),
      ),
    );
  },
};

const dump: GlobalCommand = {
  scope: "global",
  name: "dump",
  summary: "show every node with its interfaces and addresses",
  usage: "dump",
  run({ shell, out }) {
    const lines: string[] = [];
    for (const name of shell.nodeNames()) {
      const kind = shell.kindOf(name)!;
      const title = kind.charAt(0).toUpperCase() + kind.slice(1);
      const sw = shell.switchOrUndefined(name);
      if (sw) {
        lines.push(`<${title} ${name}: ${sw.ports.map((p) => `${name}-${p.name}`).join(",")}>`);
        continue;
      }
      const node = shell.nodeOrUndefined(name)!;
      const interfaces = node.interfaces.map(
        (i) => `${name}-${i.name}:${i.addresses.map((a) => a.toString()).join("+") || "None"}`,
      );
      lines.push(`<${title} ${name}: ${interfaces.join(",")}>`);
    }
    writeLines(out, lines);
  },
};

const pingall: GlobalCommand = {
  scope: "global",
  name: "pingall",
  summary: "ping between every pair of hosts (one echo each) and count the losses",
  usage: "pingall [-6] [--all] [-W TIMEOUT]",
  details:
    "Hosts and servers ping each other over IPv4 (all nodes with an address when there are fewer than two hosts).\n" +
    "Pairs that cannot work by design are not tried: a host outside a NAT cannot start a conversation with\n" +
    "one behind it (shown as NAME(NAT)); --all tries them too, and counts them. IPv6-only hosts are left out.\n" +
    "-6 pings over IPv6 instead, between the hosts that have an IPv6 address (no NAT stands between them).\n" +
    "Ends with Mininet's line: *** Results: N% dropped (R/T received), and a line for what was not tried",
  async run({ shell, out, args, signal, style }) {
    const options = parseOptions(args, [
      { name: "timeout", short: "W", value: true },
      { name: "all", short: "a", long: "all" },
      { name: "ipv6", short: "6" },
    ]);
    if (options.positionals.length > 0)
      throw new UsageError(`unexpected argument "${options.positionals[0]}"`);
    const timeout = secondsOption(options.values.get("timeout"), "timeout") ?? 2 * SECOND;
    const all = options.flags.has("all");
    const family = options.flags.has("ipv6") ? 6 : 4;
    // Hosts of the other family only have nothing to ping with this one: left out, and said so (a
    // host with no address at all stays in: its pings count as lost). An IPv6-only host counts as
    // such before its router's advertisement has given it an address.
    const onlyOther = (n: string) =>
      family === 4
        ? shell.addressOf(n) === undefined && shell.nodeOrUndefined(n)?.hasIpv6 === true
        : shell.addressOf(n, 6) === undefined && shell.addressOf(n, 4) !== undefined;
    const hosts = shell.hostNames();
    // IPv6-only hosts may still be waiting for a router's advertisement (as a command on one does).
    if (family === 6) for (const host of hosts) await shell.awaitAutoconfiguration(host, signal);
    let names = hosts.filter((n) => !onlyOther(n));
    const leftOut = hosts.filter(onlyOther);
    if (names.length < 2) {
      names = shell
        .nodeNames()
        .filter((n) => L3_KINDS.includes(shell.kindOf(n)!) && shell.addressOf(n, family));
    }
    // NAT (NAT44) stands between IPv4 addresses only: over IPv6 every address is global.
    const insides = all || family === 6 ? [] : natInsides(shell.network);
    out.write("*** Ping: testing ping reachability\n");
    let sent = 0;
    let received = 0;
    const matrix: Record<string, Record<string, boolean | null>> = {};
    // Not tried, by the NAT in the way: "home-router" → the hosts behind it that were not pinged.
    const notTried = new Map<string, Set<string>>();
    let skipped = 0;
    for (const source of names) {
      const node = shell.nodeOrUndefined(source)!;
      const cells: string[] = [];
      matrix[source] = {};
      for (const target of names) {
        if (target === source || signal.aborted) continue;
        const nat = natBetween(insides, source, target);
        if (nat !== undefined) {
          const behind = notTried.get(nat) ?? new Set<string>();
          behind.add(target);
          notTried.set(nat, behind);
          skipped++;
          matrix[source][target] = null;
          cells.push(style.dim(`${target}(NAT)`));
          continue;
        }
        const address = shell.addressOf(target, family);
        let ok = false;
        if (address) {
          const run = ping(node, address, { count: 1, timeout });
          await shell.driver.until(() => run.done, { signal, limit: timeout + 10 * SECOND });
          run.stop();
          ok = (await run.result).received > 0;
        }
        sent++;
        if (ok) received++;
        matrix[source][target] = ok;
        cells.push(ok ? target : style.red("X"));
      }
      out.write(`${source} -> ${cells.join(" ")}\n`);
    }
    const dropped = sent === 0 ? 0 : Math.trunc((100 * (sent - received)) / sent);
    out.write(`*** Results: ${dropped}% dropped (${received}/${sent} received)\n`);
    if (skipped > 0) {
      const behind = [...notTried]
        .map(
          ([nat, hosts]) => `${[...hosts].join(", ")} ${hosts.size === 1 ? "is" : "are"} behind ${nat}'s NAT`,
        )
        .join("; ");
      out.write(
        `*** Not tried: ${skipped} of ${sent + skipped} pairs: ${behind}, which lets nobody outside start a conversation in (pingall --all tries them)\n`,
      );
    }
    if (leftOut.length > 0) {
      const why =
        family === 4
          ? "IPv6 only; pingall pings over IPv4, pingall -6 over IPv6"
          : "IPv4 only; pingall -6 pings over IPv6";
      out.write(`*** Left out: ${leftOut.join(", ")} (${why})\n`);
    }
    return {
      status: received === sent ? 0 : 1,
      data: {
        dropped,
        received,
        sent,
        matrix,
        notTried: skipped,
        behindNat: Object.fromEntries([...notTried].map(([nat, behind]) => [nat, [...behind]])),
        leftOut,
      },
    };
  },
};

/** Impairment keys of `link a b set ...`, as tc-netem names them. */
const settingKeys = [
  "rate",
  "delay",
  "jitter",
  "loss",
  "duplicate",
  "reorder",
  "corrupt",
  "mtu",
  "queue",
] as const;

function parseSettings(words: readonly string[]): LinkImpairments {
  if (words.length === 0) throw new UsageError(`"set" needs KEY VALUE pairs, e.g. set loss 5% delay 20ms`);
  const changes: LinkImpairments = {};
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i];
    let value = words[i + 1];
    if (!(settingKeys as readonly string[]).includes(key)) {
      const suggestion = closest(key, settingKeys);
      throw new UsageError(
        `unknown link setting "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; settings: ${settingKeys.join(", ")}`,
      );
    }
    if (value === undefined) throw new UsageError(`"${key}" needs a value`);
    // `loss gemodel 1% 10% ...` takes the rest of its words.
    if (key === "loss" && value === "gemodel") {
      const more: string[] = [];
      while (i + 2 < words.length && /^[\d.]+%?$/.test(words[i + 2])) more.push(words[++i + 1]);
      value = ["gemodel", ...more].join(" ");
    }
    switch (key) {
      case "mtu":
        changes.mtu = intOption(value, "mtu", 68, 65535);
        break;
      case "queue":
        changes.queueLimit = intOption(value, "queue", 1, 1_000_000);
        break;
      default:
        (changes as Record<string, string>)[key] = value;
    }
  }
  return changes;
}

const link: GlobalCommand = {
  scope: "global",
  name: "link",
  summary: "bring a link down or up, change its impairments, or show it",
  usage: "link NODE1 NODE2 [up|down|set KEY VALUE ...]",
  details:
    "NODE may be NODE:INTERFACE when two nodes share several links.\n" +
    `Settings (tc-netem's): ${settingKeys.join(", ")}; e.g. link h1 s1 set loss 5% delay 20ms rate 10Mbit`,
  complete(shell, previous) {
    if (previous.length < 2) return shell.nodeNames();
    if (previous.length === 2) return ["up", "down", "set"];
    if (previous[2] === "set" && previous.length % 2 === 1) return settingKeys;
    return [];
  },
  run({ shell, args, out, style }: CommandContext) {
    const [a, b, action, ...rest] = args;
    if (a === undefined || b === undefined) throw new UsageError("name the two ends of the link");
    for (const end of [a, b]) {
      const node = end.split(":")[0];
      if (!shell.hasNode(node) && node !== "tap") throw shell.unknownNode(node);
    }
    const found = shell.linksBetween(a, b);
    if (found.length === 0) throw new UsageError(`no link between ${a} and ${b}`);
    if (action === undefined) {
      for (const l of found) {
        const counters = [l.counters("a-to-b"), l.counters("b-to-a")];
        out.write(
          `${mininetName(l.a.name)}<->${mininetName(l.b.name)} ${l.isUp ? style.green("up") : style.red("down")}` +
            ` ${describeSettings(l.settings("a-to-b"))}\n`,
        );
        for (const [direction, c] of [
          [`${l.a.name} -> ${l.b.name}`, counters[0]],
          [`${l.b.name} -> ${l.a.name}`, counters[1]],
        ] as const) {
          const drops = Object.entries(c.drops)
            .filter(([, n]) => n > 0)
            .map(([reason, n]) => `${reason} ${n}`);
          out.write(
            `  ${direction}: ${c.framesSent} frames sent, ${c.framesDelivered} delivered` +
              `${drops.length ? `, dropped: ${drops.join(", ")}` : ""}\n`,
          );
        }
      }
      return;
    }
    if (action === "up" || action === "down") {
      if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after ${action}`);
      for (const l of found) l.setUp(action === "up");
      return;
    }
    if (action === "set") {
      const changes = parseSettings(rest);
      try {
        for (const l of found) l.configure(changes);
      } catch (error) {
        if (error instanceof UnitError) throw new UsageError(error.message);
        throw error;
      }
      for (const l of found)
        out.write(
          `${mininetName(l.a.name)}<->${mininetName(l.b.name)}: ${describeSettings(l.settings("a-to-b")) || "no impairments"}\n`,
        );
      return;
    }
    throw new UsageError(`unknown action "${action}": expected up, down or set`);
  },
};

const sleep: GlobalCommand = {
  scope: "global",
  name: "sleep",
  summary: "let network time pass (servers keep serving meanwhile)",
  usage: "sleep DURATION",
  details: "DURATION: 5 (seconds), 250ms, 30s, 5m",
  async run({ shell, args, signal }) {
    if (args.length !== 1) throw new UsageError("give one duration, e.g. sleep 5s");
    const duration = parseDurationText(args[0]);
    if (duration === undefined) throw new UsageError(`invalid duration "${args[0]}": e.g. 5, 250ms, 30s, 5m`);
    await shell.driver.sleep(duration, { signal });
  },
};

const jobs: GlobalCommand = {
  scope: "global",
  name: "jobs",
  summary: "list what runs in the background (servers started with httpd, nc -l, iperf -s)",
  usage: "jobs",
  run({ shell, out }) {
    writeLines(
      out,
      shell.jobs.map((job) => `[${job.id}] ${job.node} ${job.description}`),
    );
  },
};

const kill: GlobalCommand = {
  scope: "global",
  name: "kill",
  summary: "stop a background job",
  usage: "kill JOB",
  details: "JOB: the number jobs shows, as 2 or %2",
  complete: (shell) => shell.jobs.map((j) => String(j.id)),
  run({ shell, args }) {
    if (args.length !== 1) throw new UsageError("name one job (see jobs)");
    const id = intOption(args[0].replace(/^%/, ""), "job number", 1, Number.MAX_SAFE_INTEGER)!;
    if (!shell.stopJob(id)) throw new UsageError(`no job ${id} (see jobs)`);
  },
};

const help: GlobalCommand = {
  scope: "global",
  name: "help",
  aliases: ["?"],
  summary: "list the commands, or explain one",
  usage: "help [COMMAND]",
  complete: (shell) => shell.commands.map((c) => c.name),
  run({ shell, args, out, style }) {
    if (args.length > 0) {
      const command = shell.command(args[0]);
      if (!command) {
        const suggestion = closest(
          args[0],
          shell.commands.map((c) => c.name),
        );
        throw new UsageError(
          `no command "${args[0]}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
        );
      }
      return shell.printUsage(command, out);
    }
    const global = shell.commands.filter((c) => c.scope === "global");
    const onNodes = shell.commands.filter((c) => c.scope === "node");
    const rows = (list: readonly ShellCommand[]) => table(list.map((c) => [`  ${c.name}`, c.summary]));
    writeLines(out, [
      style.bold("Commands:"),
      ...rows(global),
      "",
      style.bold("On a node (NODE COMMAND ...; node names in arguments become their addresses):"),
      ...rows(onNodes),
      "",
      `Nodes: ${shell.nodeNames().join(" ")}`,
      `Examples: ${exampleLine(shell)}`,
      'Type "help COMMAND" or "COMMAND --help" for its options.',
    ]);
  },
};

function exampleLine(shell: Shell): string {
  const hosts = shell.hostNames();
  if (hosts.length >= 2)
    return `${hosts[0]} ping ${hosts[1]}; pingall; ${hosts[1]} httpd; ${hosts[0]} curl ${hosts[1]}/bytes/1000`;
  return "pingall; nodes; net";
}

const exit: GlobalCommand = {
  scope: "global",
  name: "exit",
  aliases: ["quit"],
  summary: "leave the shell",
  usage: "exit",
  run({ shell }) {
    shell.exited = true;
  },
};

export const mininetCommands: readonly GlobalCommand[] = [
  help,
  nodes,
  net,
  links,
  dump,
  pingall,
  link,
  sleep,
  jobs,
  kill,
  exit,
];
