/**
 * The web lab's simulation, on the server: a topology built into a running network (the same
 * Network and Shell the CLI uses), in virtual time, with its history recorded for the page
 * ({@link EventLog}). Everything the page may do goes through here, one thing at a time (a queue):
 * shell lines typed in a terminal, link edits, new hosts, letting time run. Between those the
 * network stands still, as in `tinkernet run`'s shell.
 *
 * The topology the page downloads (`/topology.yml`) is the original file's YAML document with the
 * edits written into it, so comments and layout survive and `tinkernet validate` accepts it.
 */
import { type Document, isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import { startLabServices } from "../../apps/lab-services.js";
import type { Node } from "../../devices/node.js";
import type { LinkImpairments } from "../../link/impairments.js";
import { parseDuration, parseLoss, parsePercent, parseRate } from "../../link/impairments.js";
import type { Link } from "../../link/link.js";
import { RoutingSettleWatch, routingRouters } from "../../routing/settle.js";
import { defaultCommands } from "../../shell/commands/index.js";
import type { FileSink, ShellFileSystem, ShellOutput } from "../../shell/io.js";
import { Shell } from "../../shell/shell.js";
import { tokenize } from "../../shell/tokenize.js";
import { SECOND } from "../../sim/time.js";
import { assignAddresses } from "../../topology/addressing.js";
import { type BuiltLab, buildNetwork } from "../../topology/build.js";
import { loadTopology } from "../../topology/loader.js";
import type {
  ImpairmentSpec,
  InterfaceSpec,
  LinkSpec,
  NodeSpec,
  TopologySpec,
} from "../../topology/model.js";
import { LINKTYPE_ETHERNET } from "../../trace/linktype.js";
import { PcapngWriter } from "../../trace/pcapng.js";
import {
  IMPAIRMENT_TEXT_FIELDS,
  type LabInterface,
  type LabLink,
  type LabNode,
  type LabNodeKind,
  type LabSnapshot,
  type LinkImpairmentsText,
  type ScriptLine,
} from "../protocol.js";
import { WebLabDriver } from "./driver.js";
import { EventLog } from "./event-log.js";

export interface WebLabOptions {
  /** The topology's YAML text. */
  text: string;
  /** The name it is shown by (a path). */
  file: string;
  seed?: number;
  /** Commands run at start (default: the file's `exec` lines, or a ping between two hosts). */
  script?: ScriptLine[];
  maxEvents?: number;
  maxFrameBytes?: number;
}

/** The warm-up for the demo network: a ping, then a short download (handshake, data, teardown). */
export const DEMO_SCRIPT: ScriptLine[] = [
  { command: "web1 httpd", comment: "web1 serves HTTP in the background" },
  { command: "laptop ping -c 2 web1", comment: "ARP, then ICMP echo across NAT, the ISP and the ocean" },
  {
    command: "laptop curl -s -o /dev/null http://web1/bytes/20000",
    comment: "a TCP connection: handshake, 20 000 bytes of data, teardown",
  },
];

/** Most bytes of files the lab's shell may keep (`curl -o`, `capture FILE`). */
const FILE_SPACE = 8 * 1024 * 1024;
/** Most hosts the page may add to one lab. */
export const MAX_ADDED_HOSTS = 256;
/** Most output one command line may send to a terminal. */
export const MAX_COMMAND_OUTPUT = 1024 * 1024;

/**
 * Files for the lab's shell: kept in memory, at most {@link FILE_SPACE} bytes in all; `/dev/null`
 * swallows everything. Nothing touches the server's disk.
 */
class LabFileSystem implements ShellFileSystem {
  private readonly files = new Map<string, Uint8Array>();
  private used = 0;

  readFile(path: string): Uint8Array {
    const data = this.files.get(path);
    if (!data) throw new Error(`${path}: No such file or directory`);
    return data;
  }

  createWriteSink(path: string): FileSink {
    if (path === "/dev/null") return { write() {}, close: async () => {} };
    const chunks: Uint8Array[] = [];
    let size = 0;
    let full = false;
    return {
      write: (bytes) => {
        if (full) return;
        if (this.used + size + bytes.length > FILE_SPACE) {
          full = true;
          return;
        }
        chunks.push(bytes.slice());
        size += bytes.length;
      },
      close: async () => {
        if (full)
          throw new Error(
            `${path}: No space left on device (the web lab keeps ${FILE_SPACE >> 20} MiB of files)`,
          );
        const data = new Uint8Array(size);
        let at = 0;
        for (const chunk of chunks) {
          data.set(chunk, at);
          at += chunk.length;
        }
        this.used -= this.files.get(path)?.length ?? 0;
        this.files.set(path, data);
        this.used += size;
      },
    };
  }
}

interface LinkInfo {
  id: string;
  link: Link;
  spec: LinkSpec;
  impairments: LinkImpairmentsText;
}

/** An output for one command: forwards text to `send`, and stops after {@link MAX_COMMAND_OUTPUT} characters. */
export function cappedOutput(send: (text: string) => void): ShellOutput {
  let sent = 0;
  let stopped = false;
  const decoder = new TextDecoder();
  const write = (text: string) => {
    if (stopped) return;
    if (sent + text.length > MAX_COMMAND_OUTPUT) {
      stopped = true;
      send(`\n[output truncated: the web lab sends at most ${MAX_COMMAND_OUTPUT >> 20} MiB per command]\n`);
      return;
    }
    sent += text.length;
    send(text);
  };
  return { isTTY: true, write, writeBytes: (bytes) => write(decoder.decode(bytes, { stream: true })) };
}

function impairmentsText(spec: ImpairmentSpec): LinkImpairmentsText {
  const out: LinkImpairmentsText = {};
  for (const key of IMPAIRMENT_TEXT_FIELDS) {
    const value = spec[key];
    if (value !== undefined && value !== "") out[key] = String(value);
  }
  if (spec.mtu !== undefined) out.mtu = spec.mtu;
  if (spec.queue !== undefined) out.queue = spec.queue;
  return out;
}

/** A bare number is a percentage, as in topology files (`loss: 1` is 1%). */
function percent(text: string): string {
  return /^\d+(\.\d+)?$/.test(text.trim()) ? `${text.trim()}%` : text;
}

/** The page's impairment text → the link's settings; `""` resets a field. Throws a UnitError. */
export function parseImpairments(text: LinkImpairmentsText): LinkImpairments {
  const out: LinkImpairments = {};
  const given = (value: string | undefined) => value !== undefined;
  if (given(text.rate)) out.rate = text.rate === "" ? 0 : parseRate(text.rate!);
  if (given(text.delay)) out.delay = text.delay === "" ? 0 : parseDuration(text.delay!);
  if (given(text.jitter)) out.jitter = text.jitter === "" ? 0 : parseDuration(text.jitter!);
  if (given(text.loss)) {
    const loss = text.loss === "" ? "0%" : percent(text.loss!);
    parseLoss(loss);
    out.loss = loss;
  }
  if (given(text.duplicate))
    out.duplicate = text.duplicate === "" ? 0 : parsePercent(percent(text.duplicate!));
  if (given(text.reorder)) out.reorder = text.reorder === "" ? 0 : parsePercent(percent(text.reorder!));
  if (given(text.corrupt)) out.corrupt = text.corrupt === "" ? 0 : parsePercent(percent(text.corrupt!));
  if (text.mtu !== undefined) out.mtu = text.mtu;
  if (text.queue !== undefined) out.queueLimit = text.queue;
  return out;
}

export type LabResult<T> = { ok: true; value: T } | { ok: false; error: string };

export class WebLab {
  readonly log: EventLog;
  readonly shell: Shell;
  readonly script: ScriptLine[];
  readonly file: string;
  private readonly built: BuiltLab;
  private readonly topology: TopologySpec;
  private readonly document: Document;
  private readonly driver: WebLabDriver;
  private readonly links: LinkInfo[] = [];
  private readonly linksByName = new Map<string, LinkInfo>();
  /** `node:iface` → the name of the link plugged into it. */
  private readonly endpointLinks = new Map<string, string>();
  private readonly services: { stop(): void };
  private queue: Promise<unknown> = Promise.resolve();
  /** Background output (servers' logs), for whoever listens. */
  onBackgroundOutput: ((text: string) => void) | undefined;
  /** Called when the lab's shape changed (a link edited, a host added, a link taken down). */
  onChange: (() => void) | undefined;
  private lastSnapshot = "";
  /** Hosts added from the page. */
  private added = 0;
  private closed = false;

  private constructor(built: BuiltLab, document: Document, options: WebLabOptions) {
    this.built = built;
    this.topology = built.topology;
    this.document = document;
    this.file = options.file;
    const network = built.network;
    built.links.forEach(({ spec, link }, index) => {
      const info: LinkInfo = {
        id: `link${index + 1}`,
        link,
        spec,
        impairments: impairmentsText(spec.impairments),
      };
      this.remember(info);
    });
    this.log = new EventLog(network.tracer, () => network.scheduler.now, {
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
      ...(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {}),
      linkId: (name) => this.linksByName.get(name)?.id,
      linkAt: (node, iface) => this.linksByName.get(this.endpointLinks.get(`${node}:${iface}`) ?? "")?.id,
    });
    this.driver = new WebLabDriver(network.scheduler);
    const background: ShellOutput = {
      isTTY: true,
      write: (text) => this.onBackgroundOutput?.(text),
    };
    this.shell = new Shell({
      network,
      topology: this.topology,
      driver: this.driver,
      out: background,
      err: background,
      fs: new LabFileSystem(),
      color: true,
      commands: defaultCommands(),
    });
    this.services = startLabServices(network, this.topology);
    this.script = options.script ?? defaultScript(built);
    this.lastSnapshot = JSON.stringify(this.snapshot());
  }

  private remember(info: LinkInfo): void {
    this.links.push(info);
    this.linksByName.set(info.link.name, info);
    this.endpointLinks.set(`${info.spec.a.node}:${info.spec.a.iface}`, info.link.name);
    this.endpointLinks.set(`${info.spec.b.node}:${info.spec.b.iface}`, info.link.name);
  }

  /** Builds the lab from topology text; errors are the loader's and builder's messages. */
  static create(options: WebLabOptions): LabResult<WebLab> {
    const { topology, errors } = loadTopology(options.text, options.file);
    if (!topology) return { ok: false, error: errors.map((e) => e.toString()).join("\n") };
    if ((topology.taps ?? []).length > 0)
      return {
        ok: false,
        error: `${options.file}: the web lab runs in virtual time; TAP links need \`tinkernet run --forever\``,
      };
    const result = buildNetwork(topology, { seed: options.seed ?? 1 });
    if (!result.lab) return { ok: false, error: result.errors.map((e) => e.toString()).join("\n") };
    const document = parseDocument(options.text);
    return { ok: true, value: new WebLab(result.lab, document, options) };
  }

  /** Virtual time now (ns). */
  get time(): number {
    return this.built.network.scheduler.now;
  }

  /** Runs tasks one at a time, in the order asked. */
  enqueue<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(
      () => task(),
      () => task(),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  /** The lab as the page draws it. */
  snapshot(): LabSnapshot {
    const nodes: LabNode[] = [];
    for (const name of this.shell.nodeNames()) {
      const spec = this.topology.nodes.get(name);
      const kind: LabNodeKind = (spec?.kind ?? this.shell.kindOf(name) ?? "host") as LabNodeKind;
      const sw = this.shell.switchOrUndefined(name);
      if (sw) {
        nodes.push({
          name,
          kind: "switch",
          interfaces: sw.ports.map((port) => {
            const out: LabInterface = { name: port.name, ipv4: [], ipv6: [] };
            if (port.mode === "access" && port.pvid !== undefined) out.vlan = port.pvid;
            const allowed = port.allowedVlans;
            if (port.mode === "trunk") out.trunk = allowed ? [...allowed] : [];
            return out;
          }),
        });
        continue;
      }
      const node = this.shell.nodeOrUndefined(name);
      if (!node) continue;
      const entry: LabNode = {
        name,
        kind,
        interfaces: node.interfaces.map((iface) => this.describeInterface(node, iface.name)),
      };
      if (spec?.gateway) entry.gateway = spec.gateway.toString();
      nodes.push(entry);
    }
    const links: LabLink[] = this.links.map((info) => ({
      id: info.id,
      a: { node: info.spec.a.node, iface: info.spec.a.iface },
      b: { node: info.spec.b.node, iface: info.spec.b.iface },
      impairments: { ...info.impairments },
      up: info.link.isUp,
    }));
    return { name: this.topology.name, file: this.file, nodes, links };
  }

  private describeInterface(node: Node, name: string): LabInterface {
    const iface = node.interfaces.find((i) => i.name === name)!;
    const ipv6 = node.hasIpv6
      ? (node.ipv6.interfaceState(name)?.addresses ?? []).map((a) => `${a.address}/${a.prefixLength}`)
      : [];
    return { name, mac: iface.mac.toString(), ipv4: iface.addresses.map((p) => p.toString()), ipv6 };
  }

  /** Tells `onChange` when the snapshot differs from the last one sent (a shell `link` command too). */
  checkChanged(): boolean {
    const now = JSON.stringify(this.snapshot());
    if (now === this.lastSnapshot) return false;
    this.lastSnapshot = now;
    this.onChange?.();
    return true;
  }

  /** Runs the start-up script; resolves when it is done (DHCP clients bound first, as in `run`). */
  async start(): Promise<void> {
    await this.enqueue(async () => {
      const clients = [...(this.services as ReturnType<typeof startLabServices>).dhcpClients.values()];
      if (clients.length > 0)
        await this.driver.until(() => clients.every((c) => c.state === "BOUND"), { limit: 60 * SECOND });
      // Routes from OSPF/BGP/RIP first, as `tinkernet run` waits for them (src/routing/settle.ts).
      if (routingRouters(this.shell.network).length > 0) {
        const watch = new RoutingSettleWatch(this.shell.network);
        await this.driver.until(() => watch.settled(), { limit: 300 * SECOND });
      }
    });
    for (const line of this.script) {
      const out = cappedOutput((text) => this.onBackgroundOutput?.(text));
      await this.enqueue(() => this.execute(undefined, line.command, out, out, new AbortController().signal));
    }
  }

  /**
   * Runs one line typed in a terminal on `node` (or the lab's shell when undefined): each command
   * on it runs as `node COMMAND`, unless it names a node itself or is a lab-wide command (`links`,
   * `pingall`, `help`). Resolves with the last command's exit status. `exit` is the terminal's
   * business and never reaches the shared shell.
   */
  async execute(
    node: string | undefined,
    line: string,
    out: ShellOutput,
    err: ShellOutput,
    signal: AbortSignal,
  ): Promise<number> {
    if (this.closed) return 1;
    const parsed = tokenize(line);
    if (parsed.error) {
      err.write(`tinkernet: syntax error: ${parsed.error}\n`);
      return 2;
    }
    let status = 0;
    for (const command of parsed.commands) {
      if (signal.aborted) return 130;
      let words = command.map((w) => w.text);
      if (words.length === 0) continue;
      if (
        node !== undefined &&
        !this.shell.hasNode(words[0]) &&
        this.shell.command(words[0])?.scope !== "global"
      )
        words = [node, ...words];
      if (words[0] === "exit" || (this.shell.hasNode(words[0]) && words[1] === "exit")) {
        err.write("exit: close the terminal to leave; the lab keeps running\n");
        status = 2;
        continue;
      }
      this.log.append({ type: "command", ...(node !== undefined ? { node } : {}), summary: words.join(" ") });
      const record = await this.shell.run(words, { out, err, signal });
      status = record.status;
      this.checkChanged();
    }
    return status;
  }

  /** Completions for a line typed on `node`'s terminal. */
  complete(node: string | undefined, line: string): { candidates: string[]; start: number } {
    if (node === undefined) return this.shell.complete(line);
    const first = tokenize(line).commands.at(-1)?.[0]?.text;
    // The node's own commands, unless the line already names a node or a lab-wide command.
    if (first !== undefined && (this.shell.hasNode(first) || this.shell.command(first)?.scope === "global"))
      return this.shell.complete(line);
    const prefix = `${node} `;
    const result = this.shell.complete(prefix + line);
    return { candidates: result.candidates, start: Math.max(0, result.start - prefix.length) };
  }

  /** Lets `duration` of network time pass. */
  async run(duration: number, signal?: AbortSignal): Promise<void> {
    await this.driver.sleep(duration, signal ? { signal } : {});
    this.checkChanged();
  }

  hasNode(name: string): boolean {
    return this.shell.hasNode(name);
  }

  private linkInfo(id: string): LinkInfo | undefined {
    return this.links.find((l) => l.id === id);
  }

  /** Changes a link's impairments (both directions). */
  editLink(id: string, changes: LinkImpairmentsText): LabResult<LabLink> {
    const info = this.linkInfo(id);
    if (!info) return { ok: false, error: `no link "${id}"` };
    let settings: LinkImpairments;
    try {
      settings = parseImpairments(changes);
      info.link.configure(settings);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    for (const key of IMPAIRMENT_TEXT_FIELDS) {
      const value = changes[key];
      if (value === undefined) continue;
      if (value === "") delete info.impairments[key];
      else info.impairments[key] = value;
      this.setYamlLinkField(info, key, value === "" ? undefined : value);
    }
    if (changes.mtu !== undefined) {
      info.impairments.mtu = changes.mtu;
      this.setYamlLinkField(info, "mtu", changes.mtu);
    }
    if (changes.queue !== undefined) {
      info.impairments.queue = changes.queue;
      this.setYamlLinkField(info, "queue", changes.queue);
    }
    const text = Object.entries(changes)
      .map(([k, v]) => `${k}=${v === "" ? "(default)" : v}`)
      .join(" ");
    this.log.append({ type: "link-edit", link: id, summary: `link ${this.linkName(info)}: ${text}` });
    this.checkChanged();
    return { ok: true, value: this.snapshot().links.find((l) => l.id === id)! };
  }

  /** Plugs or pulls a link's cable. */
  setLinkState(id: string, up: boolean): LabResult<LabLink> {
    const info = this.linkInfo(id);
    if (!info) return { ok: false, error: `no link "${id}"` };
    info.link.setUp(up);
    const item = this.yamlLinkItem(info);
    if (item) item.comment = up ? null : " taken down in the web lab";
    this.log.append({
      type: "link-state",
      link: id,
      summary: `link ${this.linkName(info)} ${up ? "up" : "down"}`,
    });
    this.checkChanged();
    return { ok: true, value: this.snapshot().links.find((l) => l.id === id)! };
  }

  private linkName(info: LinkInfo): string {
    return `${info.spec.a.node}:${info.spec.a.iface}—${info.spec.b.node}:${info.spec.b.iface}`;
  }

  /**
   * Adds a host attached to a switch (a new access port, in the VLAN of the switch's other access
   * ports) or a router (a new interface and subnet), addressed the way automatic addressing does
   * it (src/topology/addressing.ts): the segment's subnet, the first router on it as gateway.
   * On a router the new subnet is known to that router only (the others' routes were computed at
   * start).
   */
  addHost(name: string, attachTo: string): LabResult<LabNode> {
    if (this.added >= MAX_ADDED_HOSTS)
      return { ok: false, error: `the web lab adds at most ${MAX_ADDED_HOSTS} hosts to a lab` };
    if (this.topology.nodes.has(name) || this.shell.hasNode(name))
      return { ok: false, error: `"${name}" already exists` };
    if (name === "tap") return { ok: false, error: `"tap" names the Linux side of TAP links` };
    const target = this.topology.nodes.get(attachTo);
    if (!target) return { ok: false, error: `no node named "${attachTo}"` };
    if (target.kind !== "switch" && target.kind !== "router" && target.kind !== "nat")
      return { ok: false, error: `${attachTo} is a ${target.kind}: attach a host to a switch or a router` };
    const network = this.built.network;
    // The next free ethN on the target.
    const used = new Set<string>([...target.interfaces.keys()]);
    for (const l of this.topology.links) {
      if (l.a.node === attachTo) used.add(l.a.iface);
      if (l.b.node === attachTo) used.add(l.b.iface);
    }
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const port = `eth${n}`;
    const location = { file: this.file, line: 0, column: 0 };
    const hostIface: InterfaceSpec = { name: "eth0", ipv4: [], ipv6: [] };
    const hostSpec: NodeSpec = {
      name,
      kind: "host",
      interfaces: new Map([["eth0", hostIface]]),
      routes: [],
      exec: [],
      labels: {},
      location,
    };
    const portSpec: InterfaceSpec = { name: port, ipv4: [], ipv6: [] };
    if (target.kind === "switch") {
      const access = [...target.interfaces.values()].find((i) => i.vlan !== undefined);
      if (access?.vlan !== undefined) portSpec.vlan = access.vlan;
    }
    const linkSpec: LinkSpec = {
      a: { node: name, iface: "eth0" },
      b: { node: attachTo, iface: port },
      impairments: {},
      location,
    };
    this.topology.nodes.set(name, hostSpec);
    target.interfaces.set(port, portSpec);
    this.topology.links.push(linkSpec);
    try {
      assignAddresses(this.topology);
    } catch (error) {
      // Nothing is running yet: the file's model goes back to what it was.
      this.topology.nodes.delete(name);
      target.interfaces.delete(port);
      this.topology.links.pop();
      return { ok: false, error: `cannot address ${name}: ${(error as Error).message}` };
    }
    this.added++;
    try {
      const host = network.addHost(name);
      host.addInterface("eth0");
      if (target.kind !== "switch") network.node(attachTo).addInterface(port);
      const link = network.connect(`${name}:eth0`, `${attachTo}:${port}`);
      if (target.kind === "switch" && portSpec.vlan !== undefined)
        network.switch(attachTo).setPortMode(port, { mode: "access", vlan: portSpec.vlan });
      for (const prefix of hostIface.ipv4) host.addAddress("eth0", prefix);
      if (target.kind !== "switch")
        for (const prefix of portSpec.ipv4) network.node(attachTo).addAddress(port, prefix);
      if (hostSpec.gateway) host.setDefaultGateway(hostSpec.gateway.toString());
      const info: LinkInfo = { id: `link${this.links.length + 1}`, link, spec: linkSpec, impairments: {} };
      this.remember(info);
    } catch (error) {
      return { ok: false, error: `cannot add ${name}: ${(error as Error).message}` };
    }
    this.addYamlHost(hostSpec, target, portSpec, linkSpec);
    const address = hostIface.ipv4[0]?.toString() ?? "no address";
    this.log.append({
      type: "node-added",
      node: name,
      summary: `host ${name} added on ${attachTo}:${port}: ${address}${hostSpec.gateway ? `, gateway ${hostSpec.gateway}` : ""}`,
    });
    this.checkChanged();
    return { ok: true, value: this.snapshot().nodes.find((n) => n.name === name)! };
  }

  // ---------------------------------------------------------------------------------------------
  // Downloads

  /** Every frame still kept, as pcapng: one interface block per `node:iface`, in order of first use. */
  capture(): Uint8Array {
    const writer = new PcapngWriter({
      application: "tinkernet web lab",
      comment: `tinkernet ui: lab ${this.topology.name}`,
    });
    const ids = new Map<string, number>();
    for (const record of this.log.captureRecords()) {
      const name = `${record.node}:${record.iface}`;
      let id = ids.get(name);
      if (id === undefined) {
        id = writer.addInterface({
          linkType: LINKTYPE_ETHERNET,
          name,
          description: `${record.node} interface ${record.iface}`,
        });
        ids.set(name, id);
      }
      writer.writePacket(id, record.time, record.bytes, {
        direction: record.direction === "in" ? "inbound" : "outbound",
      });
    }
    return writer.toBytes();
  }

  /** The topology file with the edits made so far. */
  topologyYaml(): string {
    return this.document.toString({ lineWidth: 0, flowCollectionPadding: false });
  }

  private yamlLinks(): YAMLSeq | undefined {
    const links = this.document.getIn(["topology", "links"], true);
    return isSeq(links) ? links : undefined;
  }

  /** The YAML item of a link from the file, found by its endpoints. */
  private yamlLinkItem(info: LinkInfo): YAMLMap | undefined {
    const seq = this.yamlLinks();
    if (!seq) return undefined;
    const a = `${info.spec.a.node}:${info.spec.a.iface}`;
    const b = `${info.spec.b.node}:${info.spec.b.iface}`;
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      const endpoints = (item.toJSON() as { endpoints?: unknown }).endpoints;
      if (Array.isArray(endpoints) && endpoints[0] === a && endpoints[1] === b) return item;
    }
    return undefined;
  }

  private setYamlLinkField(info: LinkInfo, key: string, value: string | number | undefined): void {
    const item = this.yamlLinkItem(info);
    if (!item) return;
    if (value === undefined) item.delete(key);
    else item.set(key, value);
  }

  private addYamlHost(host: NodeSpec, target: NodeSpec, port: InterfaceSpec, link: LinkSpec): void {
    const doc = this.document;
    const eth0 = host.interfaces.get("eth0")!;
    const hostNode: Record<string, unknown> = { kind: "host" };
    if (eth0.ipv4.length > 0) hostNode.interfaces = { eth0: { ipv4: eth0.ipv4[0].toString() } };
    if (host.gateway) hostNode.gateway = host.gateway.toString();
    if (!isMap(doc.getIn(["topology", "nodes"], true))) return;
    doc.setIn(["topology", "nodes", host.name], doc.createNode(hostNode, { flow: true }));
    const portValue: Record<string, unknown> = {};
    if (port.vlan !== undefined) portValue.vlan = port.vlan;
    if (port.ipv4.length > 0) portValue.ipv4 = port.ipv4[0].toString();
    if (Object.keys(portValue).length > 0) {
      if (!isMap(doc.getIn(["topology", "nodes", target.name, "interfaces"], true)))
        doc.setIn(["topology", "nodes", target.name, "interfaces"], doc.createNode({}));
      doc.setIn(
        ["topology", "nodes", target.name, "interfaces", port.name],
        doc.createNode(portValue, { flow: true }),
      );
    }
    const endpoints = [`${link.a.node}:${link.a.iface}`, `${link.b.node}:${link.b.iface}`];
    const links = this.yamlLinks();
    if (links) links.add(doc.createNode({ endpoints }, { flow: true }));
    else doc.setIn(["topology", "links"], doc.createNode([{ endpoints }], { flow: true }));
  }

  /** Stops servers and services; the lab runs no more. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.services.stop();
    await this.shell.stopAllJobs();
    this.log.stop();
  }
}

/** The file's `exec` lines, then a ping between the first two hosts (so there is something to watch). */
function defaultScript(lab: BuiltLab): ScriptLine[] {
  const script: ScriptLine[] = lab.exec.map((e) => ({
    command: `${e.node} ${e.command}`,
    comment: "from the file's exec lines",
  }));
  const hosts = [...lab.topology.nodes.values()].filter(
    (n) => (n.kind === "host" || n.kind === "server") && n.ipv4 !== false,
  );
  if (hosts.length >= 2)
    script.push({
      command: `${hosts[0].name} ping -c 2 ${hosts[1].name}`,
      comment: "a first ping, to have something to watch",
    });
  return script;
}
