/**
 * The learning views in the shell, over the views of src/trace/views:
 * - `trace [NODE] [tcp|udp|icmp|arp|ip]`: the recent exchange as an ASCII sequence diagram
 *   (handshake, data, ACKs, FIN, with flags/seq/ack), `sequenceDiagram`;
 * - `trace [NODE] ospf|rip|bgp|routes|routing`: the routing protocols' log since the lab started, as
 *   FRR's `debug ospf`/`debug bgp` write it: messages, neighbour states, routes, `routingLogView`;
 * - `layers [NODE[:IF]] [N]`: a recent frame layer by layer, OSI and TCP/IP side by side, with a
 *   hex dump labelled by field, `layersView`;
 * - `capture TARGET FILE|FIFO|-`: pcapng for Wireshark as it happens, `startCapture`.
 * `trace` and `layers` look back at what the shell's recorder kept (the most recent events,
 * bounded); `trace clear` forgets them.
 */

import type { RoutingProtocolName } from "../../routing/events.js";
import type { TraceEvent } from "../../trace/events.js";
import { packetLabel, TcpNumbering } from "../../trace/views/labels.js";
import { layersView } from "../../trace/views/layers.js";
import { parseCaptureTarget, startCapture } from "../../trace/views/live-capture.js";
import { type ExchangeProtocol, exchangeProtocols, summarizeFrame } from "../../trace/views/packets.js";
import { TraceRecorder } from "../../trace/views/recorder.js";
import { RoutingLog, routingLogView, routingProtocolNames } from "../../trace/views/routing-log.js";
import { sequenceDiagram } from "../../trace/views/sequence.js";
import type { GlobalCommand } from "../command.js";
import type { ByteStream } from "../io.js";
import { intOption, parseOptions, UsageError } from "../options.js";
import type { Shell } from "../shell.js";

const recorders = new WeakMap<Shell, TraceRecorder>();

/** Starts recording what happens on the shell's network (done when the commands are registered). */
export function recorderOf(shell: Shell): TraceRecorder {
  let recorder = recorders.get(shell);
  if (!recorder) {
    recorder = new TraceRecorder(shell.network.tracer);
    recorders.set(shell, recorder);
  }
  return recorder;
}

const routingLogs = new WeakMap<Shell, RoutingLog>();

/** Starts keeping the routing protocols' events (from the lab's start: done when the commands are registered). */
export function routingLogOf(shell: Shell): RoutingLog {
  let log = routingLogs.get(shell);
  if (!log) {
    log = new RoutingLog(shell.network.tracer);
    routingLogs.set(shell, log);
  }
  return log;
}

/** The words that make `trace` show the routing log rather than a sequence diagram. */
const ROUTING_WORDS: readonly string[] = [...routingProtocolNames, "routes", "routing"];

/** `trace [NODE] ospf|rip|bgp|routes|routing [-n LIMIT] [--no-hello]`. */
function routingTrace(shell: Shell, args: readonly string[], out: { write(text: string): void }): number {
  const options = parseOptions(args, [
    { name: "limit", short: "n", value: true },
    { name: "noHello", short: "H", long: "no-hello" },
  ]);
  let node: string | undefined;
  const protocols: RoutingProtocolName[] = [];
  let routesOnly = false;
  for (const word of options.positionals) {
    if ((routingProtocolNames as readonly string[]).includes(word))
      protocols.push(word as RoutingProtocolName);
    else if (word === "routes") routesOnly = true;
    else if (word === "routing") continue;
    else if (node === undefined && shell.hasNode(word)) node = word;
    else if (node === undefined) throw shell.unknownNode(word);
    else throw new UsageError(`unknown "${word}": expected ${ROUTING_WORDS.join(", ")}`);
  }
  const limit = intOption(options.values.get("limit"), "limit", 1, 1_000_000) ?? 100;
  const log = routingLogOf(shell);
  const { lines, omitted } = routingLogView(log.events, {
    ...(node !== undefined ? { node } : {}),
    protocols,
    routesOnly,
    noHello: options.flags.has("noHello"),
    limit,
  });
  const what = [protocols.join("/") || "routing", routesOnly ? "route changes" : "events"].join(" ");
  if (lines.length === 0) {
    out.write(`no ${what} recorded${node ? ` at ${node}` : ""} yet\n`);
    return 0;
  }
  if (omitted > 0 || log.forgotten > 0)
    out.write(
      `(${omitted + log.forgotten} earlier lines not shown${omitted > 0 ? `; -n ${omitted + lines.length} shows them` : ""})\n`,
    );
  out.write(`${lines.join("\n")}\n`);
  return 0;
}

/** Address → node name, so diagrams label columns with names. */
function addressNames(shell: Shell): Map<string, string> {
  const names = new Map<string, string>();
  for (const node of shell.network.nodes) {
    for (const iface of node.interfaces)
      for (const p of iface.addresses) names.set(p.address.toString(), node.name);
  }
  return names;
}

/** `h1` or `h1:eth0`, checked against the lab. */
function nodeAndInterface(shell: Shell, text: string): { node: string; iface?: string } {
  const [node, iface] = text.split(":");
  if (!shell.hasNode(node)) throw shell.unknownNode(node);
  if (iface !== undefined) {
    const known =
      shell.switchOrUndefined(node)?.ports.map((p) => p.name) ??
      shell.nodeOrUndefined(node)?.interfaces.map((i) => i.name) ??
      [];
    if (!known.includes(iface))
      throw new UsageError(`${node} has no interface ${iface} (interfaces: ${known.join(", ") || "none"})`);
  }
  return iface === undefined ? { node } : { node, iface };
}

const trace: GlobalCommand = {
  scope: "global",
  name: "trace",
  summary:
    "the recent exchange as a sequence diagram (TCP handshake, data, ACKs, FIN; UDP; ICMP; ARP), or the routing log (ospf, rip, bgp, routes)",
  usage:
    "trace [NODE] [tcp|udp|icmp|arp|ip ...] [-c CONNECTION] [-n LIMIT] [-a] [-w]  |  trace [NODE] ospf|rip|bgp|routes|routing [-n LIMIT] [--no-hello]  |  trace clear",
  details:
    "NODE: only its exchanges, with it in the first column. CONNECTION: ADDR:PORT>ADDR:PORT, ADDR:PORT,\n" +
    "PORT or ADDR (node names work too). -n: at most LIMIT packets (default 60). -a: absolute sequence\n" +
    "numbers (default: relative, as Wireshark shows them). -w: the window in every segment.\n" +
    "Looks back at what the network did during the previous commands; trace clear starts afresh.\n" +
    "ospf, rip, bgp: the protocol's log since the lab started, one line per message sent or received,\n" +
    "neighbour state change and route added/changed/removed (as FRR's debug ospf/bgp/rip). routes: only\n" +
    "the route changes; routing: all protocols. -n: the last LIMIT lines (default 100). --no-hello:\n" +
    "without the periodic OSPF Hellos and BGP KEEPALIVEs.",
  attach: (shell) => {
    recorderOf(shell);
    routingLogOf(shell);
  },
  complete: (shell, previous) =>
    previous.length === 0
      ? [...shell.nodeNames(), "clear", ...exchangeProtocols, ...ROUTING_WORDS]
      : [...exchangeProtocols, ...ROUTING_WORDS, "--no-hello"],
  run({ shell, args, out }) {
    if (args.length === 1 && args[0] === "clear") {
      recorderOf(shell).clear();
      routingLogOf(shell).clear();
      return;
    }
    if (args.some((word) => ROUTING_WORDS.includes(word))) return routingTrace(shell, args, out);
    const options = parseOptions(args, [
      { name: "connection", short: "c", value: true },
      { name: "limit", short: "n", value: true },
      { name: "absolute", short: "a" },
      { name: "window", short: "w" },
    ]);
    let focus: string | undefined;
    const protocols: ExchangeProtocol[] = [];
    for (const word of options.positionals) {
      if ((exchangeProtocols as readonly string[]).includes(word)) protocols.push(word as ExchangeProtocol);
      else if (focus === undefined && shell.hasNode(word)) focus = word;
      else if (focus === undefined) throw shell.unknownNode(word);
      else throw new UsageError(`unknown protocol "${word}": expected ${exchangeProtocols.join(", ")}`);
    }
    const connectionText = options.values.get("connection");
    const connection = connectionText?.replace(/[A-Za-z][\w-]*/g, (word) =>
      shell.hasNode(word) ? (shell.addressOf(word) ?? word) : word,
    );
    const limit = intOption(options.values.get("limit"), "limit", 1, 100_000) ?? 60;
    const recorder = recorderOf(shell);
    const diagram = sequenceDiagram(recorder.events as Iterable<TraceEvent>, {
      ...(focus ? { focus } : {}),
      ...(protocols.length > 0 ? { protocol: protocols } : {}),
      ...(connection ? { connection } : {}),
      names: addressNames(shell),
      limit,
      absolute: options.flags.has("absolute"),
      window: options.flags.has("window"),
    });
    out.write(`${diagram}\n`);
    if (recorder.forgotten > 0)
      out.write(
        `(the recorder kept the most recent events; ${recorder.forgotten} older ones were forgotten)\n`,
      );
  },
};

const layers: GlobalCommand = {
  scope: "global",
  name: "layers",
  summary: "a recent frame layer by layer: OSI and TCP/IP names, every field, a labelled hex dump",
  usage: "layers [NODE[:IF]] [N] [--list] [--no-hex] [--brief]",
  details:
    "Without N: the last frame sent or received (at NODE, on IF). N counts back: 1 is the last, 2 the one before.\n" +
    "--list numbers the recent frames. --brief leaves out what each field means; --no-hex the byte dump.",
  attach: (shell) => {
    recorderOf(shell);
  },
  complete: (shell, previous) =>
    previous.length === 0 ? shell.nodeNames() : ["--list", "--no-hex", "--brief"],
  run({ shell, args, out }) {
    const options = parseOptions(args, [
      { name: "list", short: "l", long: "list" },
      { name: "noHex", long: "no-hex" },
      { name: "brief", long: "brief" },
    ]);
    let where: { node?: string; iface?: string } = {};
    let back = 1;
    for (const word of options.positionals) {
      if (/^\d+$/.test(word)) back = intOption(word, "frame number", 1, 1_000_000)!;
      else where = nodeAndInterface(shell, word);
    }
    const frames = recorderOf(shell).frames(where.node, where.iface);
    if (frames.length === 0) {
      out.write(
        `no frames recorded${where.node ? ` at ${where.node}${where.iface ? `:${where.iface}` : ""}` : ""} yet: run a command first (e.g. a ping)\n`,
      );
      return 1;
    }
    if (options.flags.has("list")) {
      const shown = frames.slice(-20);
      const numbering = new TcpNumbering();
      const summaries = shown.map((f) => summarizeFrame(f.frame));
      for (const s of summaries) numbering.learn(s);
      shown.forEach((frame, i) => {
        const n = shown.length - i;
        const what = frame.type === "frame-sent" ? "sent" : "recv";
        const summary = summaries[i];
        const ends = summary.ipSrc
          ? `${summary.ipSrc} > ${summary.ipDst}`
          : `${summary.srcMac} > ${summary.dstMac}`;
        out.write(
          `${String(n).padStart(3)}  ${(frame.time / 1e9).toFixed(6)}  ${`${frame.node}:${frame.iface}`.padEnd(12)} ${what}  ${ends}  ${packetLabel(summary, numbering)}\n`,
        );
      });
      return;
    }
    if (back > frames.length)
      throw new UsageError(`only ${frames.length} frames recorded there (see layers --list)`);
    const frame = frames[frames.length - back];
    out.write(
      `${layersView(frame, { hex: !options.flags.has("noHex"), meanings: !options.flags.has("brief") })}\n`,
    );
  },
};

const capture: GlobalCommand = {
  scope: "global",
  name: "capture",
  summary: "write what crosses an interface, a node or a link as pcapng for Wireshark, as it happens",
  usage: "capture NODE:IF|NODE|A:IF-B:IF|'*' [FILE|FIFO|-]",
  details:
    "Runs in the background until kill (see jobs). FILE defaults to TARGET.pcapng. A named pipe streams\n" +
    "live: mkfifo /tmp/tn; wireshark -k -i /tmp/tn &   then: capture h1:eth0 /tmp/tn\n" +
    "- writes to standard output (tinkernet run lab.yml --exec '...' | wireshark -k -i -).",
  complete: (shell, previous) => (previous.length === 0 ? shell.nodeNames() : []),
  run({ shell, args, out }) {
    const [targetText, path, extra] = args;
    if (targetText === undefined) throw new UsageError("what to capture? NODE:IF, NODE, A:IF-B:IF or *");
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    let target: ReturnType<typeof parseCaptureTarget>;
    try {
      target = parseCaptureTarget(targetText);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (target.kind === "interface") nodeAndInterface(shell, `${target.node}:${target.iface}`);
    if (target.kind === "node") nodeAndInterface(shell, target.node);
    if (target.kind === "link" && shell.linksBetween(target.a, target.b).length === 0) {
      throw new UsageError(`no link between ${target.a} and ${target.b} (see links)`);
    }
    const file = path ?? `${targetText === "*" ? "all" : targetText.replace(/:/g, "-")}.pcapng`;
    let stream: ByteStream;
    try {
      stream = shell.fs.openStream?.(file) ?? sinkStream(shell, file);
    } catch (error) {
      throw new Error(`cannot write ${file}: ${(error as Error).message}`);
    }
    const running = startCapture(shell.network.tracer, target, (chunk) => stream.write(chunk), {
      comment: `tinkernet capture of ${targetText}`,
    });
    const job = shell.addJob(
      targetText === "*" ? "*" : targetText.split(":")[0],
      `capture ${targetText} ${file}`,
      async () => {
        running.stop();
        await stream.close();
      },
    );
    if (file !== "-")
      out.write(`[${job.id}] capturing ${targetText} to ${file} (pcapng; kill ${job.id} stops it)\n`);
    return { status: 0, data: { job: job.id, file } };
  },
};

function sinkStream(shell: Shell, file: string): ByteStream {
  const sink = shell.fs.createWriteSink(file);
  return { write: (chunk) => sink.write(chunk), close: () => sink.close() };
}

export const learnCommands: readonly GlobalCommand[] = [trace, layers, capture];
