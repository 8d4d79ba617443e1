/**
 * Looking at a node: Linux's `ip`, `arp`, `netstat` and `ss` on hosts (and routers), and the
 * Cisco/FRR-style `show ...` on routers and switches.
 */
import type { Node } from "../../devices/node.js";
import type { Switch } from "../../link/switch.js";
import { MILLISECOND } from "../../sim/time.js";
import type { TcpConnection } from "../../transport/tcp/connection.js";
import { MacAddress } from "../../wire/address/mac.js";
import { ALL_KINDS, type NodeCommand, type NodeCommandContext } from "../command.js";
import { table } from "../format.js";
import { intOption, parseOptions, UsageError } from "../options.js";
import { bgpShowViews } from "./bgp.js";
import { bgpPolicyShowViews, ipPrefixList } from "./bgp-policy.js";
import { routingShowViews } from "./routing.js";

/** iproute2's way with words: any unambiguous prefix of an object or command name. */
function matchWord(word: string | undefined, choices: Record<string, readonly string[]>): string | undefined {
  if (word === undefined) return undefined;
  for (const [name, spellings] of Object.entries(choices)) {
    if (name.startsWith(word) || spellings.includes(word)) return name;
  }
  return undefined;
}

function ipLink(node: Node): string {
  // `ip link` is `ip addr` without the addresses.
  return `${node
    .ipAddr()
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("    inet"))
    .join("\n")}\n`;
}

/** `ip addr add 10.0.9.1/24 dev eth1`, `ip route add 10.0.9.0/24 via 10.0.1.1`, ... */
function ipChange(node: Node, object: string, verb: string, rest: string[], six = false): void {
  const words = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (["dev", "via", "metric"].includes(rest[i])) {
      const value = rest[i + 1];
      if (value === undefined) throw new UsageError(`"${rest[i]}" needs a value`);
      words.set(rest[i], value);
      i++;
    } else positional.push(rest[i]);
  }
  const [target] = positional;
  if (target === undefined || positional.length > 1)
    throw new UsageError(`ip ${object} ${verb}: give one ${object === "address" ? "address" : "prefix"}`);
  const dev = words.get("dev");
  const attempt = (action: () => unknown) => {
    try {
      action();
    } catch (error) {
      throw new Error(`RTNETLINK answers: ${(error as Error).message}`);
    }
  };
  if (object === "address") {
    if (dev === undefined) throw new UsageError('ip address: name the interface with "dev IFACE"');
    if (verb === "add") attempt(() => node.addAddress(dev, target));
    else if (!node.removeAddress(dev, target.split("/")[0]))
      throw new Error("RTNETLINK answers: Cannot assign requested address");
    return;
  }
  const prefix =
    target === "default" ? (six || words.get("via")?.includes(":") ? "::/0" : "0.0.0.0/0") : target;
  if (verb === "add") {
    const metric = intOption(words.get("metric"), "metric", 0, 2 ** 31);
    attempt(() =>
      node.addRoute(prefix, words.get("via"), {
        ...(dev !== undefined ? { iface: dev } : {}),
        ...(metric !== undefined ? { metric } : {}),
      }),
    );
  } else if (!node.removeRoute(prefix)) throw new Error("RTNETLINK answers: No such process");
}

const ip: NodeCommand = {
  scope: "node",
  name: "ip",
  summary: "addresses, routes, neighbours and links, as Linux's iproute2 shows them",
  usage:
    "ip [-s] addr|route|neigh|link [show | add ... | del ... | set IFACE up|down] | ip prefix-list NAME [seq N] permit|deny PREFIX [ge N] [le N] (routers, FRR)",
  details:
    "ip addr add 10.0.9.1/24 dev eth1 · ip route add 10.0.9.0/24 via 10.0.1.1 · ip route del default\n" +
    "ip link set eth0 down · ip -s link (counters) · ip -6 route · ip -6 neigh · ip -6 addr add 2001:db8:1::1/64 dev eth0",
  substitute: true,
  complete: (_shell, previous) =>
    previous.length === 0
      ? ["addr", "route", "neigh", "link", "-s", "-6", "prefix-list"]
      : previous.length === 1
        ? ["show", "add", "del", "set"]
        : [],
  run(context) {
    const { node, args: allArgs, out } = context;
    // FRR's `ip prefix-list NAME ...` on a router (BGP policy, src/shell/commands/bgp-policy.ts).
    if (allArgs[0] === "prefix-list") return ipPrefixList(context, allArgs);
    // -4 / -6 (iproute2's family options): `ip -6 route`, `ip -6 neigh`, `ip -6 addr add ...`.
    const six = allArgs.includes("-6");
    const args = allArgs.filter((a) => a !== "-6" && a !== "-4");
    const stats = args[0] === "-s" || args[0] === "-stats";
    const [objectWord, verbWord, ...rest] = stats ? args.slice(1) : args;
    const object = matchWord(objectWord, {
      address: ["a", "addr"],
      route: ["r", "ro"],
      neighbour: ["n", "neigh", "neighbor"],
      link: ["l"],
    });
    if (!object) {
      throw new UsageError(
        objectWord === undefined
          ? "which object? addr, route, neigh or link"
          : `unknown object "${objectWord}": expected addr, route, neigh or link`,
      );
    }
    const verb = matchWord(verbWord ?? "show", { show: ["list", "ls"], add: [], del: ["delete"], set: [] });
    if (!verb) throw new UsageError(`unknown command "${verbWord}" for ip ${object}`);
    if (verb === "show") {
      if (object === "address") {
        // `ip addr show [dev] IFACE`: one interface; iproute2's words for a missing one.
        const dev = rest[0] === "dev" ? rest[1] : rest[0];
        if (dev !== undefined && dev !== "lo" && !node!.interfaces.some((i) => i.name === dev))
          throw new UsageError(`Device "${dev}" does not exist.`);
        out.write(node!.ipAddr(dev));
      } else if (object === "route") out.write(six ? node!.ipRoute6() : node!.ipRoute());
      else if (object === "neighbour") out.write(six ? node!.ipNeigh6() : node!.ipNeigh());
      else out.write(stats ? node!.ipStatsLink() : ipLink(node!));
      return;
    }
    if (object === "link") {
      if (verb !== "set") throw new UsageError("ip link: use ip link set IFACE up|down");
      const words = rest.filter((w) => w !== "dev");
      const [iface, state] = words;
      if (iface === undefined || (state !== "up" && state !== "down"))
        throw new UsageError("ip link set IFACE up|down");
      node!.setInterfaceUp(iface, state === "up");
      return;
    }
    if (object === "neighbour" || verb === "set")
      throw new UsageError(`ip ${object} ${verb} is not supported`);
    ipChange(node!, object, verb, rest, six);
  },
};

const arp: NodeCommand = {
  scope: "node",
  name: "arp",
  summary: "the ARP cache (net-tools' arp -n)",
  usage: "arp [-n] [-a]",
  run({ node, args, out }) {
    parseOptions(args, [
      { name: "numeric", short: "n" },
      { name: "all", short: "a" },
    ]);
    out.write(node!.arpN());
  },
};

/** `ss`/`netstat` state names. */
const ssStates: Record<string, string> = {
  ESTABLISHED: "ESTAB",
  "SYN-SENT": "SYN-SENT",
  "SYN-RECEIVED": "SYN-RECV",
  "FIN-WAIT-1": "FIN-WAIT-1",
  "FIN-WAIT-2": "FIN-WAIT-2",
  "CLOSE-WAIT": "CLOSE-WAIT",
  CLOSING: "CLOSING",
  "LAST-ACK": "LAST-ACK",
  "TIME-WAIT": "TIME-WAIT",
};

function connectionsOf(node: Node): TcpConnection[] {
  if (!node.hasTcp) return [];
  return node.tcp.connections();
}

function listenersOf(node: Node): { local: string }[] {
  if (!node.hasTcp) return [];
  return node.tcp
    .listening()
    .filter((l) => l.listening)
    .map((l) => ({ local: `${l.address?.toString() ?? "0.0.0.0"}:${l.port}` }));
}

const ms = (ns: number | undefined) =>
  ns === undefined ? "-" : String(Number((ns / MILLISECOND).toFixed(3)));

const ss: NodeCommand = {
  scope: "node",
  name: "ss",
  aliases: ["netstat"],
  summary: "TCP sockets (ss -t; -l listening, -a all, -i internals); netstat -s for the counters",
  usage: "ss [-t] [-a] [-l] [-n] [-i]  |  netstat -s",
  run({ node, args, out, name }) {
    const options = parseOptions(args, [
      { name: "tcp", short: "t" },
      { name: "all", short: "a" },
      { name: "listening", short: "l" },
      { name: "numeric", short: "n" },
      { name: "info", short: "i" },
      { name: "statistics", short: "s" },
      { name: "programs", short: "p" },
      { name: "udp", short: "u" },
    ]);
    if (options.flags.has("statistics")) {
      out.write(node!.netstat());
      if (node!.hasTcp) {
        const c = node!.tcp.counters;
        out.write(
          `Tcp:\n    ${c.ActiveOpens} active connection openings\n    ${c.PassiveOpens} passive connection openings\n` +
            `    ${c.AttemptFails} failed connection attempts\n    ${c.EstabResets} connection resets received\n` +
            `    ${node!.tcp.currentEstablished} connections established\n    ${c.InSegs} segments received\n` +
            `    ${c.OutSegs} segments sent out\n    ${c.RetransSegs} segments retransmitted\n` +
            `    ${c.InErrs} bad segments received\n    ${c.OutRsts} resets sent\n`,
        );
      }
      return;
    }
    void name;
    const listening = options.flags.has("listening");
    const all = options.flags.has("all");
    const rows: string[][] = [["State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"]];
    const details: (string | undefined)[] = [undefined];
    if (listening || all) {
      for (const l of listenersOf(node!)) {
        rows.push(["LISTEN", "0", "128", l.local, "0.0.0.0:*"]);
        details.push(undefined);
      }
    }
    if (!listening) {
      for (const c of connectionsOf(node!)) {
        const s = c.stats();
        rows.push([
          ssStates[s.state] ?? s.state,
          String(s.receiveQueued),
          String(s.sendQueued),
          s.local,
          s.remote,
        ]);
        details.push(
          options.flags.has("info")
            ? `\t ${s.congestionControl} wscale:${s.windowScale.send},${s.windowScale.receive} rto:${ms(s.rto)} rtt:${ms(s.srtt)}/${ms(s.rttvar)} mss:${s.mss} cwnd:${s.cwnd} ssthresh:${s.ssthresh} bytes_sent:${s.bytesWritten} bytes_acked:${s.bytesAcked} bytes_received:${s.bytesReceived} segs_out:${s.segmentsSent} segs_in:${s.segmentsReceived} retrans:${s.retransmissions}`
            : undefined,
        );
      }
    }
    const lines = table(rows);
    lines.forEach((line, i) => {
      out.write(`${line}\n`);
      if (details[i]) out.write(`${details[i]}\n`);
    });
  },
};

/** `show tcp connections`: the TCP connections with their state and what TCP knows about the path. */
function showTcpConnections(node: Node): string {
  const rows: string[][] = [
    [
      "Local Address",
      "Foreign Address",
      "State",
      "Send-Q",
      "Recv-Q",
      "cwnd",
      "srtt(ms)",
      "rto(ms)",
      "Retrans",
    ],
  ];
  for (const l of listenersOf(node)) rows.push([l.local, "*:*", "LISTEN", "0", "0", "-", "-", "-", "-"]);
  for (const c of connectionsOf(node)) {
    const s = c.stats();
    rows.push([
      s.local,
      s.remote,
      s.state,
      String(s.sendQueued),
      String(s.receiveQueued),
      String(s.cwnd),
      ms(s.srtt),
      ms(s.rto),
      String(s.retransmissions),
    ]);
  }
  const lines = table(rows);
  if (node.hasTcp) {
    const c = node.tcp.counters;
    lines.push(
      "",
      `TCP: ${c.ActiveOpens} active opens, ${c.PassiveOpens} passive opens, ${c.AttemptFails} failed attempts, ` +
        `${c.EstabResets} resets, ${c.InSegs} segments in, ${c.OutSegs} out, ${c.RetransSegs} retransmitted`,
    );
  } else lines.push("", "TCP has not been used on this node.");
  return `${lines.join("\n")}\n`;
}

export type ShowView = {
  words: readonly string[];
  kinds: "l3" | "switch" | "both";
  /** Extra words after the view's own (e.g. `vlan 10`). */
  run(context: NodeCommandContext, extra: string[]): string;
};

function macFilter(extra: string[]): Parameters<Switch["showMacAddressTable"]>[0] {
  const filter: NonNullable<Parameters<Switch["showMacAddressTable"]>[0]> = {};
  for (let i = 0; i < extra.length; i++) {
    const word = extra[i];
    if (word === "dynamic" || word === "static") {
      filter.type = word;
      continue;
    }
    const value = extra[++i];
    if (value === undefined) throw new UsageError(`"${word}" needs a value`);
    if ("vlan".startsWith(word)) filter.vlan = intOption(value, "VLAN", 1, 4094);
    else if ("interface".startsWith(word)) filter.interface = value;
    else if ("address".startsWith(word)) {
      const mac = MacAddress.tryParse(value) ?? ciscoMacParse(value);
      if (mac === undefined) throw new UsageError(`invalid MAC address "${value}"`);
      filter.address = mac;
    } else throw new UsageError(`unknown filter "${word}": vlan, interface, address, dynamic or static`);
  }
  return filter;
}

function ciscoMacParse(text: string): number | undefined {
  const match = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i.exec(text);
  return match ? Number.parseInt(match[1] + match[2] + match[3], 16) : undefined;
}

const showViews: readonly ShowView[] = [
  { words: ["ip", "route"], kinds: "l3", run: ({ node }) => node!.showIpRoute() },
  { words: ["ip", "interface", "brief"], kinds: "l3", run: ({ node }) => node!.showIpInterfaceBrief() },
  { words: ["ip", "arp"], kinds: "l3", run: ({ node }) => node!.showArp() },
  { words: ["ipv6", "route"], kinds: "l3", run: ({ node }) => node!.showIpv6Route() },
  { words: ["ipv6", "neighbors"], kinds: "l3", run: ({ node }) => node!.showIpv6Neighbors() },
  { words: ["ipv6", "interface", "brief"], kinds: "l3", run: ({ node }) => node!.showIpv6InterfaceBrief() },
  { words: ["arp"], kinds: "l3", run: ({ node }) => node!.showArp() },
  {
    words: ["interfaces", "counters"],
    kinds: "both",
    run: ({ node, switch: sw }, extra) => {
      if (sw) return sw.showInterfacesCounters({ errors: extra[0] === "errors" });
      return node!.showInterfacesCounters();
    },
  },
  { words: ["tcp", "connections"], kinds: "l3", run: ({ node }) => showTcpConnections(node!) },
  {
    words: ["ip", "nat", "translations"],
    kinds: "l3",
    run: ({ node }, extra) => node!.showIpNatTranslations({ verbose: extra[0] === "verbose" }),
  },
  { words: ["ip", "nat", "statistics"], kinds: "l3", run: ({ node }) => node!.showIpNatStatistics() },
  { words: ["nat64", "translations"], kinds: "l3", run: ({ node }) => node!.nat64?.showTranslations() ?? "" },
  { words: ["nat64", "statistics"], kinds: "l3", run: ({ node }) => node!.nat64?.showStatistics() ?? "" },
  { words: ["access-lists"], kinds: "l3", run: ({ node }) => node!.showAccessLists() },
  ...routingShowViews,
  {
    words: ["mac", "address-table"],
    kinds: "switch",
    run: ({ switch: sw }, extra) => sw!.showMacAddressTable(macFilter(extra)),
  },
  ...bgpShowViews,
  ...bgpPolicyShowViews,
];

/** Finds the view whose words the typed words abbreviate (`sh ip int br`, as IOS allows). */
function findView(words: readonly string[], isSwitch: boolean): { view: ShowView; extra: string[] } | string {
  const usable = showViews.filter((v) => v.kinds === "both" || (v.kinds === "switch") === isSwitch);
  let candidates = usable;
  for (let depth = 0; ; depth++) {
    const word = words[depth];
    const complete = candidates.filter((v) => v.words.length === depth);
    if (word === undefined || (complete.length > 0 && candidates.every((v) => v.words.length === depth))) {
      if (complete.length === 1) return { view: complete[0], extra: words.slice(depth) };
      const next = [...new Set(candidates.map((v) => v.words[depth]).filter(Boolean))];
      return `incomplete command; next: ${next.join(", ")}`;
    }
    const matching = candidates.filter((v) => v.words[depth]?.startsWith(word));
    const exact = matching.filter((v) => v.words[depth] === word);
    const chosen = exact.length > 0 ? exact : matching;
    if (chosen.length === 0) {
      if (complete.length === 1) return { view: complete[0], extra: words.slice(depth) };
      const next = [...new Set(candidates.map((v) => v.words[depth]).filter(Boolean))];
      return `unknown "${word}"; expected one of: ${next.join(", ")}`;
    }
    const names = new Set(chosen.map((v) => v.words[depth]));
    if (names.size > 1) return `ambiguous "${word}": ${[...names].join(", ")}`;
    candidates = chosen;
  }
}

const show: NodeCommand = {
  scope: "node",
  name: "show",
  aliases: ["sh"],
  kinds: ALL_KINDS,
  substitute: false,
  summary:
    "Cisco/FRR-style views: ip route, ip interface brief, arp, ipv6 route/neighbors/interface brief, interfaces counters, tcp connections, ip nat, nat64, access-lists, mac address-table, ip bgp, ip prefix-list, route-map, ip ospf, ip rip, ip protocols",
  usage:
    "show ip route | ip interface brief | arp | ipv6 route | ipv6 neighbors | ipv6 interface brief | interfaces counters [errors] | tcp connections | ip nat translations [verbose] | ip nat statistics | nat64 translations | nat64 statistics | access-lists | mac address-table [vlan N] | ip bgp [summary | neighbors [A.B.C.D [advertised-routes|routes]] | A.B.C.D/N] | ip prefix-list [NAME] | route-map [NAME] | ip ospf [neighbor|interface [IFACE]|database|route] | ip rip [status] | ip protocols",
  details: "Words may be shortened as on IOS: sh ip int br",
  complete(shell, previous) {
    void shell;
    const depth = previous.length;
    return [
      ...new Set(
        showViews
          .filter((v) => v.words.length > depth && previous.every((w, i) => v.words[i] === w))
          .map((v) => v.words[depth]),
      ),
    ];
  },
  run(context) {
    const found = findView(context.args, context.kind === "switch");
    if (typeof found === "string") throw new UsageError(found);
    context.out.write(found.view.run(context, found.extra));
  },
};

export const viewCommands: readonly NodeCommand[] = [ip, arp, ss, show];
