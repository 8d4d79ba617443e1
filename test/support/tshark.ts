/**
 * tshark as an oracle: run it on a capture file and read its JSON dissection, so tests can compare
 * our decoding with Wireshark's field by field.
 */

import { execFile } from "node:child_process";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { hasCommand } from "./system.js";

export const tsharkAvailable = hasCommand("tshark");

/** Options that make tshark verify checksums and print absolute TCP sequence numbers. */
export const TSHARK_CHECK_OPTIONS = [
  "-o",
  "ip.check_checksum:TRUE",
  "-o",
  "tcp.check_checksum:TRUE",
  "-o",
  "udp.check_checksum:TRUE",
  "-o",
  "tcp.relative_sequence_numbers:FALSE",
  // Keep tshark's analysis from guessing at higher layers it would reassemble across frames.
  "-o",
  "tcp.desegment_tcp_streams:FALSE",
  "-o",
  "ip.defragment:FALSE",
  "-o",
  "ipv6.defragment:FALSE",
];

/** One packet of `tshark -T json`: `layers` maps a protocol (`eth`, `ip`, ...) to its field tree. */
export interface TsharkPacket {
  layers: Record<string, unknown>;
}

/** Runs tshark with `args`, resolving to stdout (rejecting with stderr when it fails to start or exits non-zero). */
export function runTshark(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      "tshark",
      args,
      { maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ stdout, stderr, code: error ? Number(error.code) : 0 });
      },
    );
  });
}

/**
 * `tshark -r FILE -T json --no-duplicate-keys` with checksum verification on. Duplicate keys
 * (e.g. two `ip` layers in a tunnel) become arrays. Resolves to the packets, or to an error text
 * when tshark could not read the file at all.
 */
export async function tsharkPackets(file: string, extra: string[] = []): Promise<TsharkPacket[] | string> {
  const { stdout, stderr, code } = await runTshark([
    "-r",
    file,
    "-n",
    "-T",
    "json",
    "--no-duplicate-keys",
    ...TSHARK_CHECK_OPTIONS,
    ...extra,
  ]);
  const text = stdout.trim();
  if (text === "") return code === 0 ? [] : `tshark exit ${code}: ${stderr.trim()}`;
  try {
    const parsed = JSON.parse(text) as { _source: { layers: Record<string, unknown> } }[];
    return parsed.map((p) => ({ layers: p._source.layers }));
  } catch (error) {
    // tshark may stop mid-file on damage and leave the JSON unfinished.
    return `tshark output is not JSON (exit ${code}): ${String(error)} ${stderr.trim()}`;
  }
}

/** One line of `tshark -q -z expert`: severity, group, protocol, summary. */
export interface ExpertItem {
  severity: string;
  group: string;
  protocol: string;
  summary: string;
}

/** `tshark -r FILE -q -z expert` with checksum verification on, parsed into items. */
export async function tsharkExpert(file: string): Promise<ExpertItem[]> {
  const { stdout } = await runTshark(["-r", file, "-n", "-q", "-z", "expert", ...TSHARK_CHECK_OPTIONS]);
  const items: ExpertItem[] = [];
  let severity = "";
  for (const line of stdout.split("\n")) {
    const header = /^(Errors|Warnings|Notes|Chats|Comments) \(\d+\)/.exec(line);
    if (header) {
      severity = header[1];
      continue;
    }
    // Rows: "  Frequency      Group           Protocol  Summary"
    // (Groups are one word except these three.)
    const row = /^\s+(\d+)\s+(Response Code|Request Code|Comments Group|\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (row && severity !== "" && row[1] !== "Frequency") {
      for (let i = 0; i < Number(row[1]); i++)
        items.push({ severity, group: row[2], protocol: row[3], summary: row[4].trim() });
    }
  }
  return items;
}

/** Every value stored under `key` anywhere inside `tree` (depth-first, in document order). */
export function findAll(tree: unknown, key: string): unknown[] {
  const found: unknown[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === key) {
        if (Array.isArray(v)) found.push(...v);
        else found.push(v);
      } else walk(v);
    }
  };
  walk(tree);
  return found;
}

/** The first value under `key` inside `tree`, as a string (or undefined). */
export function field(tree: unknown, key: string): string | undefined {
  const [value] = findAll(tree, key);
  return typeof value === "string" ? value : undefined;
}

/** A layer's object(s): `layers.ip` may be one object or (tunnels) an array of them. */
export function layerList(packet: TsharkPacket, name: string): Record<string, unknown>[] {
  const value = packet.layers[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
}

/** Runs `task` over `items` with at most `concurrency` in flight, keeping the order of results. */
export async function inBatches<T, R>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Comparing our decoded layers with tshark's dissection, field by field.

/**
 * The value of `key` in a tshark protocol object, searching its field trees (`x_tree`, keys with a
 * dot) but never nested protocols (keys without a dot, like the `ip` an ICMP error quotes).
 */
export function own(tree: unknown, key: string): string | undefined {
  if (tree === null || typeof tree !== "object" || Array.isArray(tree)) return undefined;
  const queue: Record<string, unknown>[] = [tree as Record<string, unknown>];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const [k, v] of Object.entries(node)) {
      if (k === key) {
        if (typeof v === "string") return v;
        if (Array.isArray(v) && typeof v[0] === "string") return v[0];
      }
      if (k.includes(".") && v !== null && typeof v === "object") {
        for (const child of Array.isArray(v) ? v : [v])
          if (child !== null && typeof child === "object") queue.push(child as Record<string, unknown>);
      }
    }
  }
  return undefined;
}

/** Every value of `key` in a protocol object's own field trees, in document order. */
export function ownAll(tree: unknown, key: string): string[] {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === key) {
        for (const item of Array.isArray(v) ? v : [v]) if (typeof item === "string") found.push(item);
      } else if (k.includes(".")) walk(v);
    }
  };
  walk(tree);
  return found;
}

type Conversion = (text: string) => unknown;
const asNumber: Conversion = (t) => Number(t);
const asHex: Conversion = (t) => Number.parseInt(t, 16);
const asBool: Conversion = (t) => t === "1" || t === "True" || t === "true";
const asText: Conversion = (t) => t;
/**
 * IPv6 addresses in our RFC 5952 form: tshark (inet_ntop) prints the deprecated IPv4-compatible
 * ::/96 addresses in dotted form (::161.107.109.25) where RFC 5952 has ::a16b:6d19.
 */
const asIpv6: Conversion = (t) => Ipv6Address.tryParse(t)?.toString() ?? t;
/**
 * tshark 4.0 shows ip.frag_offset in 8-octet units, later versions in octets (our unit, RFC 791's
 * field × 8): accept either reading, which cannot be confused except at 0.
 */
const asFragmentOffset = (ours: unknown, text: string): boolean =>
  ours === Number(text) * 8 || ours === Number(text);
/** tshark's checksum status: 0 bad, 1 good, 2 unverified, 3 not present. */
const asStatus: Conversion = (t) => (t === "1" ? true : t === "0" ? false : null);

/** Per layer: [our field, tshark field, how to read tshark's text]. */
const FIELD_MAP: Record<string, [string, string, Conversion][]> = {
  ethernet: [
    ["src", "eth.src", asText],
    ["dst", "eth.dst", asText],
    ["ethertype", "eth.type", asHex],
  ],
  vlan: [
    ["id", ".id", asNumber],
    ["priority", ".priority", asNumber],
    ["dropEligible", ".dei", asBool],
    ["ethertype", ".etype", asHex],
  ],
  arp: [
    ["operation", "arp.opcode", asNumber],
    ["senderMac", "arp.src.hw_mac", asText],
    ["senderIp", "arp.src.proto_ipv4", asText],
    ["targetMac", "arp.dst.hw_mac", asText],
    ["targetIp", "arp.dst.proto_ipv4", asText],
  ],
  ipv4: [
    ["src", "ip.src", asText],
    ["dst", "ip.dst", asText],
    ["ttl", "ip.ttl", asNumber],
    ["id", "ip.id", asHex],
    ["protocol", "ip.proto", asNumber],
    ["totalLength", "ip.len", asNumber],
    ["headerLength", "ip.hdr_len", asNumber],
    ["dscp", "ip.dsfield.dscp", asNumber],
    ["ecn", "ip.dsfield.ecn", asNumber],
    ["reservedFlag", "ip.flags.rb", asBool],
    ["dontFragment", "ip.flags.df", asBool],
    ["moreFragments", "ip.flags.mf", asBool],
    ["checksum", "ip.checksum", asHex],
    ["checksumValid", "ip.checksum.status", asStatus],
  ],
  ipv6: [
    ["src", "ipv6.src", asIpv6],
    ["dst", "ipv6.dst", asIpv6],
    ["hopLimit", "ipv6.hlim", asNumber],
    ["nextHeader", "ipv6.nxt", asNumber],
    ["payloadLength", "ipv6.plen", asNumber],
    ["flowLabel", "ipv6.flow", asHex],
    ["dscp", "ipv6.tclass.dscp", asNumber],
    ["ecn", "ipv6.tclass.ecn", asNumber],
  ],
  icmpv4: [
    ["type", "icmp.type", asNumber],
    ["code", "icmp.code", asNumber],
    ["checksum", "icmp.checksum", asHex],
    ["checksumValid", "icmp.checksum.status", asStatus],
    ["identifier", "icmp.ident", asNumber],
    ["sequence", "icmp.seq", asNumber],
    ["mtu", "icmp.mtu", asNumber],
    ["gateway", "icmp.redir_gw", asText],
    ["pointer", "icmp.pointer", asNumber],
  ],
  icmpv6: [
    ["type", "icmpv6.type", asNumber],
    ["code", "icmpv6.code", asNumber],
    ["checksum", "icmpv6.checksum", asHex],
    ["checksumValid", "icmpv6.checksum.status", asStatus],
    ["identifier", "icmpv6.echo.identifier", asHex],
    ["sequence", "icmpv6.echo.sequence_number", asNumber],
    ["mtu", "icmpv6.mtu", asNumber],
    ["pointer", "icmpv6.pointer", asNumber],
    ["curHopLimit", "icmpv6.nd.ra.cur_hop_limit", asNumber],
    ["managed", "icmpv6.nd.ra.flag.m", asBool],
    ["other", "icmpv6.nd.ra.flag.o", asBool],
    ["routerLifetime", "icmpv6.nd.ra.router_lifetime", asNumber],
    ["reachableTime", "icmpv6.nd.ra.reachable_time", asNumber],
    ["retransTimer", "icmpv6.nd.ra.retrans_timer", asNumber],
    ["router", "icmpv6.nd.na.flag.r", asBool],
    ["solicited", "icmpv6.nd.na.flag.s", asBool],
    ["override", "icmpv6.nd.na.flag.o", asBool],
    ["target", "icmpv6.nd.ns.target_address|icmpv6.nd.na.target_address|icmpv6.nd.rd.target_address", asIpv6],
    // (tshark 4.0 names it icmpv6.rd.na.destination_address.)
    ["destination", "icmpv6.nd.rd.destination_address|icmpv6.rd.na.destination_address", asIpv6],
  ],
  udp: [
    ["srcPort", "udp.srcport", asNumber],
    ["dstPort", "udp.dstport", asNumber],
    ["length", "udp.length", asNumber],
    ["checksum", "udp.checksum", asHex],
    ["checksumValid", "udp.checksum.status", asStatus],
  ],
  dhcp: [
    ["op", "dhcp.type", asNumber],
    ["htype", "dhcp.hw.type", asHex],
    ["hlen", "dhcp.hw.len", asNumber],
    ["hops", "dhcp.hops", asNumber],
    ["xid", "dhcp.id", asHex],
    ["secs", "dhcp.secs", asNumber],
    ["flags", "dhcp.flags", asHex],
    ["ciaddr", "dhcp.ip.client", asText],
    ["yiaddr", "dhcp.ip.your", asText],
    ["siaddr", "dhcp.ip.server", asText],
    ["giaddr", "dhcp.ip.relay", asText],
    ["chaddr", "dhcp.hw.mac_addr", asText],
  ],
  dns: [
    ["id", "dns.id", asHex],
    ["qr", "dns.flags.response", asBool],
    ["opcode", "dns.flags.opcode", asNumber],
    ["rcode", "dns.flags.rcode", asNumber],
    ["authoritative", "dns.flags.authoritative", asBool],
    ["truncated", "dns.flags.truncated", asBool],
    ["recursionDesired", "dns.flags.recdesired", asBool],
    ["recursionAvailable", "dns.flags.recavail", asBool],
    ["authenticData", "dns.flags.authenticated", asBool],
    ["checkingDisabled", "dns.flags.checkdisable", asBool],
    ["questionCount", "dns.count.queries", asNumber],
    ["answerCount", "dns.count.answers", asNumber],
    ["authorityCount", "dns.count.auth_rr", asNumber],
    ["additionalCount", "dns.count.add_rr", asNumber],
    ["length", "dns.length", asNumber],
  ],
  tcp: [
    ["srcPort", "tcp.srcport", asNumber],
    ["dstPort", "tcp.dstport", asNumber],
    ["seq", "tcp.seq_raw", asNumber],
    ["ack", "tcp.ack_raw", asNumber],
    ["headerLength", "tcp.hdr_len", asNumber],
    ["window", "tcp.window_size_value", asNumber],
    ["checksum", "tcp.checksum", asHex],
    ["checksumValid", "tcp.checksum.status", asStatus],
    ["urgentPointer", "tcp.urgent_pointer", asNumber],
    ["segmentLength", "tcp.len", asNumber],
  ],
};

/** Our TCP flag names to their bits (RFC 9293 §3.1, RFC 3168, RFC 9768 for AE), independent of src/. */
const TCP_FLAG_BITS: Record<string, number> = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
};

export function tcpFlagBits(flags: string): number {
  if (flags === "<None>") return 0;
  let bits = 0;
  for (const name of flags.split(",")) {
    const reserved = /^Reserved\((0x[0-9a-f]+)\)$/.exec(name);
    bits |= reserved ? Number.parseInt(reserved[1], 16) : (TCP_FLAG_BITS[name] ?? Number.NaN);
  }
  return bits;
}

/** TCP option kinds by our names (IANA "TCP Option Kind Numbers"). */
const TCP_OPTION_KINDS: Record<string, number> = {
  eol: 0,
  nop: 1,
  mss: 2,
  "window-scale": 3,
  "sack-permitted": 4,
  sack: 5,
  timestamps: 8,
};

/** Which tshark protocol object holds each of our layers (VLAN depends on the tag's TPID). */
function tsharkProtocol(layer: Record<string, unknown>): string | undefined {
  switch (layer.layer) {
    case "ethernet":
      return "eth";
    case "vlan":
      return layer.tpid === 0x88a8 ? "ieee8021ad" : "vlan";
    case "ipv4":
      return "ip";
    case "icmpv4":
      return "icmp";
    case "arp":
    case "ipv6":
    case "icmpv6":
    case "udp":
    case "tcp":
    case "dhcp":
    case "dns":
      return layer.layer as string;
    default:
      return undefined;
  }
}

/** How one frame compared. */
export interface FrameComparison {
  /** Field disagreements, as readable lines. */
  mismatches: string[];
  /** Layers both decoded and compared. */
  compared: number;
  /** Our layers tshark has no object for (e.g. it gave up earlier): listed, not failures. */
  missingInTshark: string[];
  /** Every `layer.field` actually compared (so a test can tell a typo'd tshark key from agreement). */
  checked: string[];
}

/**
 * Compares our layers (outermost first, from `frameFields`) with tshark's packet. Layers we could
 * not decode (`error`) and payload are skipped; when we have more instances of a protocol than
 * tshark (tunnels it dissects differently), the extra ones are listed in `missingInTshark`.
 */
export function compareWithTshark(ours: Record<string, unknown>[], packet: TsharkPacket): FrameComparison {
  const result: FrameComparison = { mismatches: [], compared: 0, missingInTshark: [], checked: [] };
  // tshark decodes Cisco ISL (dst 01:00:0c:00:00:00) as an encapsulation of an inner Ethernet frame,
  // where we see an 802.3 frame: the frame's layers do not line up, so there is nothing to compare.
  if (packet.layers.isl !== undefined) {
    result.missingInTshark.push("ethernet (tshark decodes Cisco ISL)");
    return result;
  }
  // Where tshark found the packet malformed it stops dissecting mid-layer; we then compare only
  // the fixed header fields, not the option lists it did not finish.
  const malformed = packet.layers["_ws.malformed"] !== undefined;
  const seen = new Map<string, number>();
  for (const layer of ours) {
    if (layer.error !== undefined) break;
    const protocol = tsharkProtocol(layer);
    if (!protocol) continue;
    const index = seen.get(protocol) ?? 0;
    seen.set(protocol, index + 1);
    const theirs = layerList(packet, protocol)[index];
    if (!theirs) {
      result.missingInTshark.push(`${layer.layer}#${index + 1}`);
      continue;
    }
    result.compared++;
    const where = `${layer.layer}${index > 0 ? `#${index + 1}` : ""}`;
    const check = (ourKey: string, theirKey: string, convert: Conversion) => {
      if (!(ourKey in layer)) return;
      // "a|b": the first of several tshark fields that is present.
      let text: string | undefined;
      for (const key of theirKey.split("|")) {
        text = own(theirs, key);
        if (text !== undefined) {
          theirKey = key;
          break;
        }
      }
      if (text === undefined) return;
      const want = convert(text);
      const got = layer[ourKey];
      result.checked.push(`${layer.layer}.${ourKey}`);
      if (!Object.is(got, want) && !(got === want))
        result.mismatches.push(`${where}.${ourKey}: ours ${JSON.stringify(got)}, tshark ${theirKey}=${text}`);
    };
    for (const [ourKey, theirKey, convert] of FIELD_MAP[layer.layer as string] ?? []) {
      check(ourKey, theirKey.startsWith(".") ? `${protocol}${theirKey}` : theirKey, convert);
    }
    if (layer.layer === "vlan" && protocol === "ieee8021ad") check("ethertype", "ieee8021ah.etype", asHex);
    if (layer.layer === "ipv4") {
      const text = own(theirs, "ip.frag_offset");
      if (text !== undefined) result.checked.push("ipv4.fragmentOffset");
      if (text !== undefined && !asFragmentOffset(layer.fragmentOffset, text))
        result.mismatches.push(
          `${where}.fragmentOffset: ours ${layer.fragmentOffset}, tshark ip.frag_offset=${text}`,
        );
    }
    if (layer.layer === "tcp") compareTcpExtras(layer, theirs, where, result, malformed);
    if (layer.layer === "ipv6") compareIpv6Extensions(layer, theirs, where, result);
    if (layer.layer === "dhcp") compareDhcpExtras(layer, theirs, where, result, malformed);
    if (layer.layer === "dns") compareDnsExtras(layer, theirs, where, result, malformed);
  }
  return result;
}

function compareTcpExtras(
  layer: Record<string, unknown>,
  theirs: Record<string, unknown>,
  where: string,
  result: FrameComparison,
  malformed: boolean,
): void {
  const mismatches = result.mismatches;
  const flags = own(theirs, "tcp.flags");
  if (flags !== undefined) {
    const want = Number.parseInt(flags, 16) & 0xfff;
    const got = tcpFlagBits(String(layer.flags));
    result.checked.push("tcp.flags");
    if (got !== want)
      mismatches.push(`${where}.flags: ours ${layer.flags} (${hexOf(got)}), tshark tcp.flags=${flags}`);
  }
  if (malformed) return;
  // Options: compare the kinds up to the first End of Option List (after it tshark and we
  // legitimately differ in how padding is shown) as a multiset: --no-duplicate-keys merges
  // repeated options (two NOPs) into one array, so tshark's JSON loses their order. Then the
  // values of the common options.
  const options = (layer.options as Record<string, unknown>[]) ?? [];
  const ourKinds: number[] = [];
  for (const option of options) {
    const kind = option.kind === "unknown" ? Number(option.type) : TCP_OPTION_KINDS[String(option.kind)];
    ourKinds.push(kind);
    if (kind === 0) break;
  }
  const optionsTree = theirs["tcp.options_tree"];
  if (optionsTree === undefined) {
    if (ourKinds.length > 0) mismatches.push(`${where}.options: ours ${ourKinds}, tshark shows none`);
    return;
  }
  // Some options (MPTCP) sit in a subtree without a dot in its key: search the whole options tree.
  const theirKinds = findAll(optionsTree, "tcp.option_kind").map(Number);
  const eol = theirKinds.indexOf(0);
  const theirCut = eol >= 0 ? theirKinds.slice(0, eol + 1) : theirKinds;
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b).join(",");
  result.checked.push("tcp.options");
  if (sorted(ourKinds) !== sorted(theirCut))
    mismatches.push(`${where}.options kinds: ours [${ourKinds}], tshark [${theirCut}]`);
  const find = (kind: string) => options.find((o) => o.kind === kind);
  const pairs: [unknown, string | undefined, string][] = [
    [find("mss")?.value, own(optionsTree, "tcp.options.mss_val"), "mss"],
    [find("window-scale")?.shift, own(optionsTree, "tcp.options.wscale.shift"), "wscale"],
    [find("timestamps")?.value, own(optionsTree, "tcp.options.timestamp.tsval"), "tsval"],
    [find("timestamps")?.echo, own(optionsTree, "tcp.options.timestamp.tsecr"), "tsecr"],
  ];
  for (const [got, text, name] of pairs) {
    if (got === undefined || text === undefined) continue;
    result.checked.push(`tcp.options.${name}`);
    if (got !== Number(text)) mismatches.push(`${where}.options.${name}: ours ${got}, tshark ${text}`);
  }
  // All SACK options' blocks, in order (a segment may carry more than one, or one without blocks).
  const sacks = options.filter((o) => o.kind === "sack") as { blocks: { left: number; right: number }[] }[];
  if (sacks.length > 0) {
    const lefts = ownAll(optionsTree, "tcp.options.sack_le").map(Number);
    const rights = ownAll(optionsTree, "tcp.options.sack_re").map(Number);
    const want = lefts.map((l, i) => `${l}-${rights[i]}`).join(" ");
    const got = sacks
      .flatMap((s) => s.blocks)
      .map((b) => `${b.left}-${b.right}`)
      .join(" ");
    result.checked.push("tcp.options.sack");
    if (got !== want) mismatches.push(`${where}.options.sack: ours ${got}, tshark ${want}`);
  }
}

/** Extension headers: the same kinds, as many of each, with the same next-header values. */
function compareIpv6Extensions(
  layer: Record<string, unknown>,
  theirs: Record<string, unknown>,
  where: string,
  result: FrameComparison,
): void {
  const mismatches = result.mismatches;
  const names: Record<string, string> = {
    "hop-by-hop": "ipv6.hopopts",
    routing: "ipv6.routing",
    fragment: "ipv6.fraghdr",
    "destination-options": "ipv6.dstopts",
  };
  // Without `extensions` we could not walk the chain (the layer after says why): nothing to compare.
  if (layer.extensions === undefined) return;
  const extensions = layer.extensions as Record<string, unknown>[];
  result.checked.push("ipv6.extensions");
  for (const [kind, key] of Object.entries(names)) {
    const ours = extensions.filter((e) => e.header === kind).length;
    const value = theirs[key];
    const count = value === undefined ? 0 : Array.isArray(value) ? value.length : 1;
    if (ours !== count) mismatches.push(`${where}.extensions ${kind}: ours ${ours}, tshark ${count}`);
  }
}

function hexOf(n: number): string {
  return `0x${n.toString(16).padStart(3, "0")}`;
}

/** Option 53's values as Wireshark names them (RFC 2132 §9.6, RFC 4388 §6.1), independent of src/. */
const DHCP_MESSAGE_TYPES: Record<string, string> = {
  "1": "Discover",
  "2": "Offer",
  "3": "Request",
  "4": "Decline",
  "5": "ACK",
  "6": "NAK",
  "7": "Release",
  "8": "Inform",
  "9": "Force Renew",
  "10": "Lease Query",
  "11": "Lease Unassigned",
  "12": "Lease Unknown",
  "13": "Lease Active",
};

/** The DHCP message type (option 53) and the option codes, as a multiset (Pad and End left out). */
function compareDhcpExtras(
  layer: Record<string, unknown>,
  theirs: Record<string, unknown>,
  where: string,
  result: FrameComparison,
  malformed: boolean,
): void {
  const type = own(theirs, "dhcp.option.dhcp");
  if (type !== undefined && DHCP_MESSAGE_TYPES[type] !== undefined) {
    result.checked.push("dhcp.messageType");
    if (layer.messageType !== DHCP_MESSAGE_TYPES[type])
      result.mismatches.push(
        `${where}.messageType: ours ${layer.messageType}, tshark dhcp.option.dhcp=${type}`,
      );
  }
  if (malformed) return;
  // tshark lists each option's code in dhcp.option.type (End shows as 0 there); Pad and End are
  // not options we list.
  const raw = theirs["dhcp.option.type"];
  const theirCodes = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const wanted = theirCodes.map(Number).filter((c) => c !== 0 && c !== 255);
  const ours = ((layer.options as { code: number }[]) ?? []).map((o) => o.code);
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b).join(",");
  result.checked.push("dhcp.options");
  if (sorted(ours) !== sorted(wanted))
    result.mismatches.push(`${where}.options codes: ours [${ours}], tshark [${wanted}]`);
}

/** Resource record types by number (IANA "DNS Parameters"), independent of src/: the common ones. */
const DNS_TYPES: Record<string, string> = {
  "1": "A",
  "2": "NS",
  "5": "CNAME",
  "6": "SOA",
  "12": "PTR",
  "15": "MX",
  "16": "TXT",
  "28": "AAAA",
  "33": "SRV",
  "41": "OPT",
  "255": "ANY",
};

/** Question names and types, then the answers' names, types and TTLs, in order. */
function compareDnsExtras(
  layer: Record<string, unknown>,
  theirs: Record<string, unknown>,
  where: string,
  result: FrameComparison,
  malformed: boolean,
): void {
  if (malformed) return;
  const name = (text: string) => (text === "<Root>" ? "." : text);
  const questions = (layer.questions as { name: string; type: string }[]) ?? [];
  const queries = theirs.Queries;
  if (queries !== undefined) {
    const names = findAll(queries, "dns.qry.name").map((n) => name(String(n)));
    const types = findAll(queries, "dns.qry.type").map(String);
    result.checked.push("dns.questions");
    const got = questions.map((q) => q.name).join(" ");
    if (got !== names.join(" "))
      result.mismatches.push(`${where}.questions: ours ${got}, tshark ${names.join(" ")}`);
    questions.forEach((q, i) => {
      const want = DNS_TYPES[types[i]];
      if (want !== undefined && q.type !== want)
        result.mismatches.push(`${where}.questions[${i}].type: ours ${q.type}, tshark ${types[i]}`);
    });
  }
  const answers = (layer.answers as { name: string; type: string; ttl: number }[]) ?? [];
  const section = theirs.Answers;
  if (section !== undefined) {
    const names = findAll(section, "dns.resp.name").map((n) => name(String(n)));
    const types = findAll(section, "dns.resp.type").map(String);
    const ttls = findAll(section, "dns.resp.ttl").map(Number);
    result.checked.push("dns.answers");
    const got = answers.map((a) => `${a.name}/${a.ttl}`).join(" ");
    const want = names.map((n, i) => `${n}/${ttls[i]}`).join(" ");
    if (got !== want) result.mismatches.push(`${where}.answers: ours ${got}, tshark ${want}`);
    answers.forEach((a, i) => {
      const type = DNS_TYPES[types[i]];
      if (type !== undefined && a.type !== type)
        result.mismatches.push(`${where}.answers[${i}].type: ours ${a.type}, tshark ${types[i]}`);
    });
  }
}
