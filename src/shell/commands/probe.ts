/** `ping` and `traceroute`, with iputils' and Linux traceroute's options and output. */
import { ping as startPing } from "../../apps/ping.js";
import { traceroute as startTraceroute } from "../../apps/traceroute.js";
import { SECOND } from "../../sim/time.js";
import type { NodeCommand } from "../command.js";
import { intOption, parseOptions, secondsOption, UsageError } from "../options.js";
import { resolveName } from "./dns.js";

const ping: NodeCommand = {
  scope: "node",
  name: "ping",
  summary: "send ICMP echo requests (iputils' ping)",
  usage:
    "ping [-c COUNT] [-i INTERVAL] [-s SIZE] [-t TTL] [-W TIMEOUT] [-M do|want|dont] [-Q TOS] [-I IFACE] [-q] [-4|-6] DESTINATION",
  details:
    "Sends 4 requests unless -c says otherwise (Ctrl-C stops early). DESTINATION: an address or a node name.\n" +
    "Exit status: 0 when a reply came back, 1 when none did, 2 on an error.",
  async run({ node, args, out, signal, shell }) {
    const options = parseOptions(args, [
      { name: "count", short: "c", value: true },
      { name: "interval", short: "i", value: true },
      { name: "size", short: "s", value: true },
      { name: "ttl", short: "t", value: true },
      { name: "timeout", short: "W", value: true },
      { name: "pmtudisc", short: "M", value: true },
      { name: "tos", short: "Q", value: true },
      { name: "quiet", short: "q" },
      { name: "numeric", short: "n" },
      { name: "inet", short: "4" },
      { name: "inet6", short: "6" },
      { name: "iface", short: "I", value: true },
    ]);
    if (options.positionals.length !== 1) throw new UsageError("give one destination");
    const family = familyOf(options.flags);
    const pmtudisc = options.values.get("pmtudisc");
    if (pmtudisc !== undefined && pmtudisc !== "do" && pmtudisc !== "want" && pmtudisc !== "dont") {
      throw new UsageError(`invalid -M "${pmtudisc}": expected do, want or dont`);
    }
    const count = intOption(options.values.get("count"), "count", 1, 2 ** 31 - 1) ?? 4;
    const interval = secondsOption(options.values.get("interval"), "interval") ?? SECOND;
    const timeout = secondsOption(options.values.get("timeout"), "timeout") ?? 10 * SECOND;
    const size = intOption(options.values.get("size"), "packet size", 0, 65507);
    const ttl = intOption(options.values.get("ttl"), "TTL", 1, 255);
    const tos = intOption(options.values.get("tos"), "TOS", 0, 255);
    const destination = await resolveName(shell, node!, options.positionals[0], signal, family);
    if (typeof destination !== "string") {
      out.write(`ping: ${destination.message}\n`);
      return 2;
    }
    const run = startPing(node!, destination, {
      count,
      interval,
      timeout,
      ...(size !== undefined ? { size } : {}),
      ...(ttl !== undefined ? { ttl } : {}),
      ...(tos !== undefined ? { tos } : {}),
      ...(pmtudisc ? { pmtudisc: pmtudisc as "do" | "want" | "dont" } : {}),
      quiet: options.flags.has("quiet"),
      ...(family ? { family } : {}),
      ...(options.values.get("iface") !== undefined ? { iface: options.values.get("iface")! } : {}),
      write: (line) => out.write(`${line}\n`),
    });
    await shell.driver.until(() => run.done, { signal, limit: count * interval + timeout + SECOND });
    run.stop();
    const result = await run.result;
    const { output: _, ...data } = result;
    return { status: result.fatal ? 2 : result.received > 0 ? 0 : 1, data };
  },
};

const traceroute: NodeCommand = {
  scope: "node",
  name: "traceroute",
  summary: "show the routers on the way to a destination (Linux traceroute)",
  usage:
    "traceroute [-I] [-n] [-m MAX_TTL] [-f FIRST_TTL] [-q QUERIES] [-w WAIT] [-p PORT] [-4|-6] DESTINATION [LENGTH]",
  details: "UDP probes to ports 33434 and up by default; -I uses ICMP echo.",
  async run({ node, args, out, signal, shell }) {
    const options = parseOptions(args, [
      { name: "icmp", short: "I" },
      { name: "numeric", short: "n" },
      { name: "maxHops", short: "m", value: true },
      { name: "firstHop", short: "f", value: true },
      { name: "queries", short: "q", value: true },
      { name: "wait", short: "w", value: true },
      { name: "port", short: "p", value: true },
      { name: "inet", short: "4" },
      { name: "inet6", short: "6" },
    ]);
    const family = familyOf(options.flags);
    const [destination, length, extra] = options.positionals;
    if (destination === undefined || extra !== undefined) throw new UsageError("give one destination");
    const maxHops = intOption(options.values.get("maxHops"), "max TTL", 1, 255) ?? 30;
    const queries = intOption(options.values.get("queries"), "queries", 1, 10) ?? 3;
    const wait = secondsOption(options.values.get("wait"), "wait") ?? 5 * SECOND;
    const firstHop = intOption(options.values.get("firstHop"), "first TTL", 1, maxHops);
    const port = intOption(options.values.get("port"), "port", 1, 65535);
    const packetLength = intOption(length, "packet length", 28, 65000);
    const address = await resolveName(shell, node!, destination, signal, family);
    if (typeof address !== "string") {
      out.write(
        `${destination}: ${address.message.replace(`${destination}: `, "")}\nCannot handle "host" cmdline arg \`${destination}' on position 1 (argc 1)\n`,
      );
      return 2;
    }
    let live = true;
    const run = startTraceroute(node!, address, {
      icmp: options.flags.has("icmp"),
      numeric: options.flags.has("numeric"),
      ...(family ? { family } : {}),
      maxHops,
      queries,
      wait,
      ...(firstHop !== undefined ? { firstHop } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(packetLength !== undefined ? { packetLength } : {}),
      write: (line) => {
        if (live) out.write(`${line}\n`);
      },
    });
    await shell.driver.until(() => run.done, { signal, limit: maxHops * queries * (wait + SECOND) });
    if (!run.done) {
      live = false; // the probes go on by themselves; their lines are no longer wanted
      out.write("traceroute: interrupted\n");
      return 1;
    }
    const result = await run.result;
    const { output: _, ...data } = result;
    return { status: result.fatal ? 2 : 0, data };
  },
};

/** -4 / -6. */
function familyOf(flags: ReadonlySet<string>): 4 | 6 | undefined {
  if (flags.has("inet") && flags.has("inet6")) throw new UsageError("-4 and -6 are mutually exclusive");
  return flags.has("inet6") ? 6 : flags.has("inet") ? 4 : undefined;
}

export const probeCommands: readonly NodeCommand[] = [ping, traceroute];
