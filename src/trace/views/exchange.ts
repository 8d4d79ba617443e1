/**
 * From a stream of trace events to an *exchange*: who sent which packet to whom, when it arrived,
 * and what was lost on the way — the material of a sequence diagram.
 *
 * Trace events report frames per interface (sent here, received there). To draw one arrow per
 * packet from the host that sent it to the host that took it, packets are followed across hops by
 * their identity key (`packets.ts`):
 * - a packet *originates* at a node that sends it without having received it before (a router
 *   that forwards it received it first; a switch floods what it received);
 * - it is *delivered* at a node that receives it, addressed to that node's MAC address (or to a
 *   broadcast or multicast address), and does not send it on;
 * - a packet that originated but was delivered nowhere was lost; a drop event carrying the same
 *   packet says where and why.
 * A node owns the IP addresses of the packets it originates and of those delivered to it, which
 * names the columns of the diagram.
 *
 * A NAT rewrites addresses and ports, so the packet it sends on is not, byte for byte, the one it
 * received. Its trace events (`nat-translated`) say what it rewrote: the packet before and after
 * are then one packet, followed from the laptop behind the NAT to the server and back, and drawn
 * as the node the diagram is about saw it. New NAT mappings appear as notes.
 */
import type { Nanoseconds } from "../../sim/time.js";
import type { TraceEvent } from "../events.js";
import {
  type ExchangeProtocol,
  exchangeProtocols,
  type PacketSummary,
  packetEndpoints,
  summarizeFrame,
} from "./packets.js";

/** Which part of the trace to show. */
export interface ExchangeFilter {
  /** The columns, in order; by default the nodes taking part (see `focus`). */
  nodes?: readonly string[];
  /** Only the exchanges of this node (it becomes the first column, its peers the others). */
  focus?: string;
  /** Only these protocols (`tcp`, `udp`, `icmp`, `arp`, `ip` for other IP, `other`). */
  protocol?: ExchangeProtocol | readonly ExchangeProtocol[];
  /**
   * Only one conversation: `ADDR:PORT>ADDR:PORT` as trace events name TCP connections (either
   * direction), `ADDR:PORT` or `PORT` (TCP and UDP packets with that port at either end), or
   * `ADDR` (packets from or to that address).
   */
  connection?: string;
  /** Only packets sent at or after this virtual time. */
  from?: Nanoseconds;
  /** Only packets sent before this virtual time. */
  until?: Nanoseconds;
  /** Known owners of addresses (address → node name), e.g. from the running network. */
  names?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/** One packet from one column to others. */
export interface ExchangeMessage {
  kind: "message";
  /** Position in the event stream (orders things that happen at the same instant). */
  index: number;
  /** When it was sent. */
  time: Nanoseconds;
  from: string;
  /** The columns that took it (several for a broadcast); empty when it was lost. */
  to: string[];
  /** When it reached the first of them. */
  arrival?: Nanoseconds;
  /** The column it was headed for when it was lost. */
  lostToward?: string;
  /**
   * Why it was lost, from a drop event (e.g. `link loss on r1:eth1-r2:eth0`); undefined when no
   * drop was traced (the packet may still have been in flight when the trace ended).
   */
  lost?: string;
  /** The packet stopped at a node it was not addressed to, and why (e.g. `dropped at r1: ttl-exceeded`). */
  stopped?: string;
  packet: PacketSummary;
}

/** A TCP connection changed state at a column. */
export interface ExchangeStateChange {
  kind: "state";
  index: number;
  time: Nanoseconds;
  node: string;
  connection: string;
  from: string;
  to: string;
}

/** Something worth a line of its own, e.g. a NAT mapping made for a connection shown. */
export interface ExchangeNote {
  kind: "note";
  index: number;
  time: Nanoseconds;
  /** The node it happened at. */
  node: string;
  text: string;
}

export type ExchangeItem = ExchangeMessage | ExchangeStateChange | ExchangeNote;

export interface ExchangeColumn {
  /** A node name, or an address nobody in the trace was seen to own. */
  name: string;
  /** The address this column uses in the exchange (the first seen). */
  address?: string;
}

export interface Exchange {
  columns: ExchangeColumn[];
  /** Messages and state changes in the order they happened. */
  items: ExchangeItem[];
}

/** A frame seen leaving or entering a node. */
interface Sighting {
  index: number;
  time: Nanoseconds;
  node: string;
  packet: PacketSummary;
  /** The packet's identity: its key, or, after a NAT, the key it had before the NAT rewrote it. */
  key: string;
}

type Endpoints = ReturnType<typeof packetEndpoints>;

interface Translation {
  index: number;
  node: string;
  direction: "outbound" | "inbound" | "hairpin";
  before: Endpoints;
  after: Endpoints;
}

interface Origin extends Sighting {
  deliveries: Sighting[];
}

interface Drop {
  index: number;
  time: Nanoseconds;
  node?: string;
  /** e.g. `link loss on r1:eth1-r2:eth0`, `ipv4 ttl-exceeded at r1`. */
  text: string;
  reason: string;
  key?: string;
}

/** Follows packets through the events and picks the part `filter` asks for. */
export function buildExchange(events: Iterable<TraceEvent>, filter: ExchangeFilter = {}): Exchange {
  const sends: Sighting[] = [];
  const receives: Sighting[] = [];
  const drops: Drop[] = [];
  const states: ExchangeStateChange[] = [];
  const translations: Translation[] = [];
  const mappings: {
    index: number;
    time: Nanoseconds;
    node: string;
    protocol: string;
    inside: string;
    outside: string;
  }[] = [];
  let index = 0;
  for (const event of events) {
    index++;
    switch (event.type) {
      case "frame-sent":
      case "frame-received": {
        const packet = summarizeFrame(event.frame);
        const sighting = { index, time: event.time, node: event.node, packet, key: packet.key };
        (event.type === "frame-sent" ? sends : receives).push(sighting);
        break;
      }
      case "drop": {
        const where = event.link ? ` on ${event.link}` : event.node ? ` at ${event.node}` : "";
        drops.push({
          index,
          time: event.time,
          ...(event.node !== undefined ? { node: event.node } : {}),
          text: `${event.layer} ${event.reason}${where}`,
          reason: event.reason,
          ...(event.frame ? { key: summarizeFrame(event.frame).key } : {}),
        });
        break;
      }
      case "nat-translated":
        translations.push({
          index,
          node: event.node,
          direction: event.direction,
          before: event.before,
          after: event.after,
        });
        break;
      case "nat-mapping":
        if (event.action === "created" && !event.static)
          mappings.push({
            index,
            time: event.time,
            node: event.node,
            protocol: event.protocol,
            inside: event.inside,
            outside: event.outside,
          });
        break;
      case "tcp-state":
        states.push({
          kind: "state",
          index,
          time: event.time,
          node: event.node,
          connection: event.connection,
          from: event.from,
          to: event.to,
        });
        break;
      default:
        break;
    }
  }

  // NAT: the packet a NAT sends on after rewriting it is the packet it received.
  const alias = new Map<string, string>();
  /** Where a NAT's outside endpoint (`addr:port`) leads inside. */
  const insideOf = new Map<string, Endpoints>();
  if (translations.length > 0) linkTranslations(translations, sends, receives, alias, insideOf);
  const canonical = (key: string): string => {
    let k = key;
    for (let hops = 0; hops < 8; hops++) {
      const next = alias.get(k);
      if (next === undefined) break;
      k = next;
    }
    return k;
  };
  if (alias.size > 0) {
    for (const s of sends) s.key = canonical(s.key);
    for (const r of receives) r.key = canonical(r.key);
    for (const d of drops) if (d.key !== undefined) d.key = canonical(d.key);
  }

  // Merge sends and receives in stream order to tell origins from forwarding, and learn each
  // node's MAC addresses: those it sends from, except frames it passes on unchanged (a switch).
  const timeline = [
    ...sends.map((s) => ({ s, send: true })),
    ...receives.map((s) => ({ s, send: false })),
  ].sort((a, b) => a.s.index - b.s.index);
  const seen = new Map<string, Map<string, string>>(); // node → key received → its source MAC
  const lastSend = new Map<string, Map<string, number>>(); // node → key → index of its last send
  const macs = new Map<string, Set<string>>();
  const origins: Origin[] = [];
  for (const { s, send } of timeline) {
    const received = getOrCreate(seen, s.node, () => new Map<string, string>());
    if (send) {
      const receivedFrom = received.get(s.key);
      if (receivedFrom === undefined) origins.push({ ...s, deliveries: [] });
      if (receivedFrom !== s.packet.srcMac)
        getOrCreate(macs, s.node, () => new Set<string>()).add(s.packet.srcMac);
      getOrCreate(lastSend, s.node, () => new Map<string, number>()).set(s.key, s.index);
    } else {
      received.set(s.key, s.packet.srcMac);
    }
  }

  const macOwner = new Map<string, string>();
  for (const [node, set] of macs) for (const mac of set) if (!macOwner.has(mac)) macOwner.set(mac, node);
  /**
   * Whether a unicast frame was addressed to `node`: to a MAC it sends from, or, for a node that
   * sent nothing in the trace (its MACs unknown), to a MAC no other node sends from.
   */
  const isMine = (node: string, mac: string): boolean => {
    const own = macs.get(node);
    if (own) return own.has(mac);
    return !macOwner.has(mac);
  };

  const originsByKey = new Map<string, Origin[]>();
  for (const o of origins) {
    const list = originsByKey.get(o.key);
    if (list) list.push(o);
    else originsByKey.set(o.key, [o]);
  }

  // Deliveries: received, meant for this node, not sent on. Each goes to the latest origin before it.
  const owners = new Map<string, string>();
  const addOwner = (address: string | undefined, node: string) => {
    if (address && address !== "0.0.0.0" && address !== "::" && !owners.has(address))
      owners.set(address, node);
  };
  for (const r of receives) {
    const forMe = r.packet.groupAddressed || isMine(r.node, r.packet.dstMac);
    if (!forMe) continue;
    if ((lastSend.get(r.node)?.get(r.key) ?? -1) > r.index) continue;
    const candidates = originsByKey.get(r.key);
    if (!candidates) continue;
    let origin: Origin | undefined;
    for (const o of candidates) if (o.index < r.index && o.node !== r.node) origin = o;
    if (!origin) continue;
    origin.deliveries.push(r);
  }
  for (const o of origins) {
    addOwner(o.packet.ipSrc, o.node);
    if (o.packet.arp) addOwner(o.packet.arp.senderIp, o.node);
  }
  for (const o of origins) {
    if (o.packet.groupAddressed) continue;
    for (const d of o.deliveries) if (d.packet.ipDst) addOwner(d.packet.ipDst, d.node);
  }
  const names = filter.names;
  const ownerOf = (address: string | undefined): string | undefined => {
    if (!address) return undefined;
    const named =
      names instanceof Map ? names.get(address) : (names as Record<string, string> | undefined)?.[address];
    return named ?? owners.get(address);
  };

  const matches = makeMatcher(filter);
  const chosen = origins.filter(
    (o) =>
      matches(o.packet) &&
      (filter.from === undefined || o.time >= filter.from) &&
      (filter.until === undefined || o.time < filter.until),
  );

  /** Where a packet was headed: the owner of its destination (or its ARP target), else the address. */
  const headedFor = (packet: PacketSummary): string | undefined => {
    let address = packet.arp ? packet.arp.targetIp : packet.ipDst;
    // To a NAT's outside address and port: the inside host behind it.
    const ends = packet.ipDst ? packetEndpoints(packet) : undefined;
    const inside = ends ? insideOf.get(`${ends.dst}:${ends.dstPort}`) : undefined;
    if (inside) address = inside.src;
    return address ? (ownerOf(address) ?? address) : undefined;
  };
  const endpoints = (o: Origin): string[] => {
    if (o.deliveries.length > 0) {
      // The node the packet was meant for first (an ARP request's target), then the others that
      // took it (a broadcast's bystanders).
      const meant = headedFor(o.packet);
      const takers = [...new Set(o.deliveries.map((d) => d.node))];
      return [o.node, ...takers.filter((n) => n === meant), ...takers.filter((n) => n !== meant)];
    }
    const toward = headedFor(o.packet);
    return toward ? [o.node, toward] : [o.node];
  };

  // The columns.
  let columnNames: string[];
  if (filter.nodes) columnNames = [...filter.nodes];
  else {
    const order: string[] = filter.focus ? [filter.focus] : [];
    for (const o of chosen) {
      const ends = endpoints(o);
      if (filter.focus && !ends.includes(filter.focus)) continue;
      for (const name of ends) if (!order.includes(name)) order.push(name);
    }
    columnNames = order;
  }
  const columnSet = new Set(columnNames);

  const items: ExchangeItem[] = [];
  const columnAddress = new Map<string, string>();
  /** Whose view of a packet a diagram shows (a NAT makes them differ): the focus, else the first column. */
  const viewpoint = filter.focus ?? columnNames[0];
  /** The address the viewpoint's packets give each other column. */
  const seenAs = new Map<string, string>();
  /** Connection names (`a:p>b:p`, both ways) of the TCP packets shown, in every view of them. */
  const shownConnections = new Set<string>();
  for (const o of chosen) {
    if (!columnSet.has(o.node)) continue;
    const to = [...new Set(o.deliveries.map((d) => d.node))].filter((n) => columnSet.has(n) && n !== o.node);
    const seenThere = o.node === viewpoint ? undefined : o.deliveries.find((d) => d.node === viewpoint);
    const message: ExchangeMessage = {
      kind: "message",
      index: o.index,
      time: o.time,
      from: o.node,
      to,
      packet: seenThere ? seenThere.packet : o.packet,
    };
    if (o.deliveries.length === 0) {
      const toward = headedFor(o.packet);
      if (!toward || !columnSet.has(toward) || toward === o.node) continue;
      message.lostToward = toward;
      if (toward === viewpoint) message.packet = viewedInside(o.packet, insideOf);
      const drop = drops.find((d) => d.key === o.key && d.index > o.index);
      if (drop) message.lost = drop.text;
    } else {
      if (to.length === 0) continue;
      const first = o.deliveries.find((d) => d.node === to[0]);
      if (first) {
        message.arrival = first.time;
        // Delivered to a node the packet was not addressed to: a router stopped it. Say why.
        const addressedTo = first.packet.ipDst ? ownerOf(first.packet.ipDst) : undefined;
        if (!o.packet.groupAddressed && first.packet.ipDst && addressedTo !== first.node) {
          const drop = drops.find((d) => d.node === first.node && d.index > first.index && d.key === o.key);
          if (drop) message.stopped = `dropped at ${first.node}: ${drop.reason}`;
        }
      }
    }
    // With a focus, only what the focus node sent, received, or should have received.
    if (
      filter.focus &&
      o.node !== filter.focus &&
      !to.includes(filter.focus) &&
      message.lostToward !== filter.focus
    )
      continue;
    items.push(message);
    // How the viewpoint addresses the other end (behind a NAT: not by its own address).
    if (message.packet.ipSrc && message.packet.ipDst && !o.packet.groupAddressed) {
      // Sent by the viewpoint to an address that arrived as the receiver's own (not a router
      // stopping a probe meant for someone else).
      if (o.node === viewpoint)
        for (const d of o.deliveries)
          if (to.includes(d.node) && !seenAs.has(d.node) && ownerOf(d.packet.ipDst) === d.node)
            seenAs.set(d.node, message.packet.ipDst);
      if (
        o.node !== viewpoint &&
        to.includes(viewpoint) &&
        !seenAs.has(o.node) &&
        ownerOf(o.packet.ipSrc) === o.node
      )
        seenAs.set(o.node, message.packet.ipSrc);
    }
    for (const view of [o, ...o.deliveries]) {
      const tcp = view.packet.tcp;
      if (!tcp) continue;
      const a = `${view.packet.ipSrc}:${tcp.srcPort}`;
      const b = `${view.packet.ipDst}:${tcp.dstPort}`;
      shownConnections.add(`${a}>${b}`).add(`${b}>${a}`);
    }
    const address = o.packet.arp?.senderIp ?? o.packet.ipSrc;
    if (address && !columnAddress.has(o.node) && ownerOf(address) === o.node)
      columnAddress.set(o.node, address);
  }
  for (const [address, node] of owners) if (!columnAddress.has(node)) columnAddress.set(node, address);
  // A column that sent nothing and was sent nothing of its own (a bystander of a broadcast): its
  // first address the caller knows.
  const known = names instanceof Map ? [...names] : Object.entries(names ?? {});
  for (const [address, node] of known) if (!columnAddress.has(node)) columnAddress.set(node, address);

  // TCP state changes of the columns, for the connections shown.
  const wantTcp = protocolList(filter.protocol).includes("tcp");
  if (wantTcp) {
    for (const s of states) {
      if (!columnSet.has(s.node)) continue;
      if (filter.from !== undefined && s.time < filter.from) continue;
      if (filter.until !== undefined && s.time >= filter.until) continue;
      if (!connectionMatches(filter.connection, s.connection)) continue;
      if (filter.focus && !shownConnections.has(s.connection)) continue;
      items.push(s);
    }
  }
  // NAT mappings made for what is shown: where an inside host's packets get their outside address.
  const wanted = new Set<string>(protocolList(filter.protocol));
  // One note per inside host and NAT is enough to say what happens (a new port per UDP exchange
  // would otherwise repeat it).
  const noted = new Set<string>();
  for (const m of mappings) {
    if (!wanted.has(m.protocol)) continue;
    const insideAddress = m.inside.slice(0, m.inside.lastIndexOf(":"));
    const owner = ownerOf(insideAddress);
    if (!owner || (!columnSet.has(owner) && !columnSet.has(m.node))) continue;
    if (filter.from !== undefined && m.time < filter.from) continue;
    if (filter.until !== undefined && m.time >= filter.until) continue;
    if (filter.connection !== undefined && !endpointMatches(filter.connection, m.inside, m.inside)) continue;
    // Only for mappings the packets shown use (as the inside host sees them, or as the outside does).
    const ends = new Set([m.inside, m.outside]);
    const used = items.some(
      (i) =>
        i.kind === "message" &&
        (ends.has(packetEndpointText(i.packet, "src")) || ends.has(packetEndpointText(i.packet, "dst"))),
    );
    if (!used || noted.has(`${m.node}|${insideAddress}`)) continue;
    noted.add(`${m.node}|${insideAddress}`);
    items.push({
      kind: "note",
      index: m.index,
      time: m.time,
      node: m.node,
      text: `${m.node} (NAT) maps ${m.protocol} ${m.inside} to ${m.outside}`,
    });
  }
  items.sort((a, b) => a.index - b.index);

  const columns = columnNames.map((name): ExchangeColumn => {
    let address =
      columnAddress.get(name) ?? (ownerOf(name) === undefined && /[:.]/.test(name) ? name : undefined);
    // Seen by the viewpoint at another address: a NAT stands between them.
    const seen = seenAs.get(name);
    if (seen && address && seen !== address) address = `${seen} (NAT)`;
    return address && address !== name ? { name, address } : { name };
  });
  return { columns, items };
}

/** `addr:port` of a packet's source or destination, as NAT events write endpoints. */
function packetEndpointText(packet: PacketSummary, which: "src" | "dst"): string {
  const ends = packetEndpoints(packet);
  return which === "src" ? `${ends.src}:${ends.srcPort}` : `${ends.dst}:${ends.dstPort}`;
}

function sameEndpoints(packet: PacketSummary, ends: Endpoints): boolean {
  const mine = packetEndpoints(packet);
  return (
    mine.src === ends.src &&
    mine.dst === ends.dst &&
    mine.srcPort === ends.srcPort &&
    mine.dstPort === ends.dstPort
  );
}

/**
 * Links each NAT translation's packet before and after: the frame the NAT node received last with
 * the `before` endpoints, and the first frame it sends after the translation with the `after`
 * endpoints and the same IP identification. The sent frame's key becomes an alias of the received
 * one's. Outbound translations also record where the outside endpoint leads inside.
 */
function linkTranslations(
  translations: readonly Translation[],
  sends: readonly Sighting[],
  receives: readonly Sighting[],
  alias: Map<string, string>,
  insideOf: Map<string, Endpoints>,
): void {
  const byNode = (list: readonly Sighting[]) => {
    const map = new Map<string, Sighting[]>();
    for (const s of list) getOrCreate(map, s.node, () => []).push(s);
    return map;
  };
  const sent = byNode(sends);
  const received = byNode(receives);
  /** The position of the first sighting after `index` (the lists are in stream order). */
  const after = (list: readonly Sighting[], index: number): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].index <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const used = new Set<Sighting>();
  // A packet is translated within a few events of its arrival, and sent within a few after (or
  // after an ARP resolution): looking this far is plenty, and keeps long traces linear.
  const reach = 64;
  for (const t of translations) {
    if (t.direction === "outbound") insideOf.set(`${t.after.src}:${t.after.srcPort}`, t.before);
    const ins = received.get(t.node) ?? [];
    const outs = sent.get(t.node) ?? [];
    let before: Sighting | undefined;
    for (let i = after(ins, t.index) - 1, n = 0; i >= 0 && n < reach; i--, n++) {
      if (sameEndpoints(ins[i].packet, t.before)) {
        before = ins[i];
        break;
      }
    }
    if (!before) continue;
    for (let i = after(outs, t.index), n = 0; i < outs.length && n < reach; i++, n++) {
      const out = outs[i];
      // NAT44 keeps the IPv4 identification; NAT64 (IPv6 ⇄ IPv4) has none to keep on one side.
      const sameId =
        out.packet.ipVersion !== 4 || before.packet.ipVersion !== 4 || out.packet.ipId === before.packet.ipId;
      if (used.has(out) || !sameEndpoints(out.packet, t.after) || !sameId) continue;
      used.add(out);
      if (out.packet.key !== before.packet.key) alias.set(out.packet.key, before.packet.key);
      break;
    }
  }
}

/** A packet lost on its way to a NAT's outside endpoint, as the inside host would have seen it. */
function viewedInside(packet: PacketSummary, insideOf: ReadonlyMap<string, Endpoints>): PacketSummary {
  const ends = packetEndpoints(packet);
  const inside = insideOf.get(`${ends.dst}:${ends.dstPort}`);
  if (!inside) return packet;
  const copy: PacketSummary = { ...packet, ipDst: inside.src };
  if (packet.tcp) copy.tcp = { ...packet.tcp, dstPort: inside.srcPort };
  if (packet.udp) copy.udp = { ...packet.udp, dstPort: inside.srcPort };
  return copy;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function protocolList(protocol: ExchangeFilter["protocol"]): readonly ExchangeProtocol[] {
  if (protocol === undefined) return exchangeProtocols;
  return typeof protocol === "string" ? [protocol] : protocol;
}

/** Whether a TCP state change's connection is within the filter's conversation. */
function connectionMatches(filter: string | undefined, connection: string): boolean {
  if (filter === undefined) return true;
  const [local, remote] = connection.split(">");
  return endpointMatches(filter, local, remote);
}

/** `filter` is `A:P>B:P`, `A:P`, `P` or `A`; `a` and `b` are `ADDR:PORT` ends. */
function endpointMatches(filter: string, a: string, b: string): boolean {
  if (filter.includes(">")) {
    const [x, y] = filter.split(">");
    return (x === a && y === b) || (x === b && y === a);
  }
  const portOf = (end: string) => end.slice(end.lastIndexOf(":") + 1);
  const addressOf = (end: string) => end.slice(0, end.lastIndexOf(":"));
  if (/^\d+$/.test(filter)) return portOf(a) === filter || portOf(b) === filter;
  if (a === filter || b === filter) return true;
  return addressOf(a) === filter || addressOf(b) === filter;
}

function makeMatcher(filter: ExchangeFilter): (packet: PacketSummary) => boolean {
  const protocols = new Set(protocolList(filter.protocol));
  const conversation = filter.connection;
  return (packet) => {
    if (!protocols.has(packet.protocol)) return false;
    if (conversation === undefined) return true;
    const ports = packet.tcp ?? packet.udp;
    if (ports && packet.ipSrc && packet.ipDst)
      return endpointMatches(
        conversation,
        `${packet.ipSrc}:${ports.srcPort}`,
        `${packet.ipDst}:${ports.dstPort}`,
      );
    if (conversation.includes(":") || /^\d+$/.test(conversation)) return false;
    const a = packet.arp ? packet.arp.senderIp : packet.ipSrc;
    const b = packet.arp ? packet.arp.targetIp : packet.ipDst;
    return a === conversation || b === conversation;
  };
}
