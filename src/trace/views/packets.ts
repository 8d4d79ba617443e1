/**
 * What the learning views need to know about one frame: which protocol it carries, its addresses
 * and the few fields a sequence diagram labels it with, plus an identity `key` that stays the same
 * while a router forwards the packet (new MAC addresses, TTL one lower, new header checksum), so a
 * packet can be followed from the host that sent it to the host that received it.
 *
 * Built on the frame decoder (`../decode.ts`), so it never throws: a frame that does not decode far
 * enough is summarised as "other" with a key over its bytes.
 */
import { decodeFrame, type JsonValue, type LayerFields } from "../decode.js";
import { LINKTYPE_ETHERNET } from "../linktype.js";

/** The protocols the views can filter on. */
export const exchangeProtocols = ["arp", "icmp", "udp", "tcp", "ip", "other"] as const;
export type ExchangeProtocol = (typeof exchangeProtocols)[number];

export interface TcpSummary {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Flag names in header order, as Wireshark lists them: `["SYN", "ACK"]`. */
  flags: string[];
  window: number;
  /** Data bytes in the segment. */
  length: number;
  /** Maximum segment size option (SYN segments). */
  mss?: number;
  /** Window scale option (SYN segments). */
  windowScale?: number;
}

export interface UdpSummary {
  srcPort: number;
  dstPort: number;
  /** The datagram's data (a view into the frame). */
  payload: Uint8Array;
}

export interface IcmpSummary {
  type: number;
  code: number;
  /** e.g. `"Echo Request"`, `"Time Exceeded"`. */
  typeName: string;
  /** e.g. `"port unreachable"`. */
  codeName?: string;
  identifier?: number;
  sequence?: number;
  /** For errors: the packet the error is about. */
  quoted?: { src: string; dst: string; protocol: number; srcPort?: number; dstPort?: number };
}

export interface ArpSummary {
  /** `"request"`, `"reply"`, ... */
  operation: string;
  senderIp: string;
  senderMac: string;
  targetIp: string;
  targetMac: string;
  gratuitous: boolean;
}

/** One frame, as the views see it. */
export interface PacketSummary {
  /**
   * Identity across hops: IP source, destination, protocol, identification, fragment offset and a
   * hash of the IP payload (none of which a router changes); for frames without IP, the MAC
   * addresses and a hash of the whole payload.
   */
  key: string;
  protocol: ExchangeProtocol;
  srcMac: string;
  dstMac: string;
  /** Sent to the broadcast or a multicast MAC address: every station may take it. */
  groupAddressed: boolean;
  ipVersion?: 4 | 6;
  ipSrc?: string;
  ipDst?: string;
  /** TTL or hop limit as the frame carries it. */
  ttl?: number;
  /** IPv4 Identification (a NAT rewrites addresses and ports, never this). */
  ipId?: number;
  tcp?: TcpSummary;
  udp?: UdpSummary;
  icmp?: IcmpSummary;
  arp?: ArpSummary;
  /** Protocol number (IPv4) or next header (IPv6) when it is none of the above. */
  ipProtocol?: number;
}

/** FNV-1a, 32 bits, over `bytes[start, end)`. */
function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}

const num = (value: JsonValue | undefined): number => (typeof value === "number" ? value : 0);
const str = (value: JsonValue | undefined): string => (typeof value === "string" ? value : "");

/** Wireshark's order and names: `FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE`. */
function tcpFlagList(flags: string): string[] {
  if (flags === "<None>") return [];
  return flags.split(",").filter((f) => f.length > 0);
}

function tcpOptionNumber(options: JsonValue | undefined, kind: string, key: string): number | undefined {
  if (!Array.isArray(options)) return undefined;
  for (const option of options) {
    if (option && typeof option === "object" && !Array.isArray(option) && option.kind === kind) {
      const value = option[key];
      if (typeof value === "number") return value;
    }
  }
  return undefined;
}

/** Summarises a frame (Ethernet unless `linkType` says otherwise). */
export function summarizeFrame(frame: Uint8Array, linkType = LINKTYPE_ETHERNET): PacketSummary {
  const decoded = decodeFrame(linkType, frame);
  const layers = decoded.layers;
  const find = (name: string): { fields: LayerFields; offset: number } | undefined => {
    const layer = layers.find((l) => l.fields.layer === name && l.fields.error === undefined);
    return layer ? { fields: layer.fields, offset: layer.offset } : undefined;
  };
  const ethernet = find("ethernet");
  const srcMac = ethernet ? str(ethernet.fields.src) : "";
  const dstMac = ethernet ? str(ethernet.fields.dst) : "";
  // The I/G bit (least significant bit of the first octet) marks group addresses (IEEE 802 §8.2).
  const groupAddressed = dstMac !== "" && (Number.parseInt(dstMac.slice(0, 2), 16) & 1) === 1;
  const summary: PacketSummary = { key: "", protocol: "other", srcMac, dstMac, groupAddressed };

  const ipv4 = find("ipv4");
  const ipv6 = ipv4 ? undefined : find("ipv6");
  if (ipv4) {
    const f = ipv4.fields;
    const start = ipv4.offset + num(f.headerLength);
    const end = Math.min(frame.length, ipv4.offset + num(f.totalLength));
    summary.ipVersion = 4;
    summary.ipSrc = str(f.src);
    summary.ipDst = str(f.dst);
    summary.ttl = num(f.ttl);
    summary.ipId = num(f.id);
    summary.protocol = "ip";
    summary.ipProtocol = num(f.protocol);
    summary.key = `4|${summary.ipSrc}|${summary.ipDst}|${f.protocol}|${f.id}|${f.fragmentOffset}|${f.moreFragments}|${fnv1a(frame, start, Math.max(start, end))}`;
  } else if (ipv6) {
    const f = ipv6.fields;
    const start = ipv6.offset + 40;
    const end = Math.min(frame.length, start + num(f.payloadLength));
    summary.ipVersion = 6;
    summary.ipSrc = str(f.src);
    summary.ipDst = str(f.dst);
    summary.ttl = num(f.hopLimit);
    summary.protocol = "ip";
    summary.ipProtocol = num(f.nextHeader);
    summary.key = `6|${summary.ipSrc}|${summary.ipDst}|${f.nextHeader}|${f.flowLabel}|${fnv1a(frame, start, Math.max(start, end))}`;
  } else {
    // No IP: the frame itself is the identity (switches pass it unchanged, tags aside).
    const l2 = layers.find((l) => l.fields.layer !== "ethernet" && l.fields.layer !== "vlan");
    const start = l2 ? l2.offset : frame.length;
    summary.key = `L2|${srcMac}|${dstMac}|${fnv1a(frame, start, frame.length)}`;
  }

  const arp = find("arp");
  const tcp = find("tcp");
  const udp = find("udp");
  const icmp = find("icmpv4") ?? find("icmpv6");
  if (arp) {
    const f = arp.fields;
    summary.protocol = "arp";
    summary.arp = {
      operation: str(f.operationName),
      senderIp: str(f.senderIp),
      senderMac: str(f.senderMac),
      targetIp: str(f.targetIp),
      targetMac: str(f.targetMac),
      gratuitous: f.gratuitous === true,
    };
  } else if (tcp) {
    const f = tcp.fields;
    summary.protocol = "tcp";
    summary.tcp = {
      srcPort: num(f.srcPort),
      dstPort: num(f.dstPort),
      seq: num(f.seq),
      ack: num(f.ack),
      flags: tcpFlagList(str(f.flags)),
      window: num(f.window),
      length: num(f.segmentLength),
    };
    const mss = tcpOptionNumber(f.options, "mss", "value");
    if (mss !== undefined) summary.tcp.mss = mss;
    const scale = tcpOptionNumber(f.options, "window-scale", "shift");
    if (scale !== undefined) summary.tcp.windowScale = scale;
  } else if (udp) {
    const f = udp.fields;
    summary.protocol = "udp";
    const payloadStart = Math.min(frame.length, udp.offset + 8);
    const payloadEnd = Math.min(frame.length, udp.offset + Math.max(8, num(f.length)));
    summary.udp = {
      srcPort: num(f.srcPort),
      dstPort: num(f.dstPort),
      payload: frame.subarray(payloadStart, payloadEnd),
    };
  } else if (icmp) {
    const f = icmp.fields;
    summary.protocol = "icmp";
    summary.icmp = { type: num(f.type), code: num(f.code), typeName: str(f.typeName) };
    if (typeof f.codeName === "string") summary.icmp.codeName = f.codeName;
    if (typeof f.identifier === "number") summary.icmp.identifier = f.identifier;
    if (typeof f.sequence === "number") summary.icmp.sequence = f.sequence;
    const quoted = f.quoted;
    if (quoted && typeof quoted === "object" && !Array.isArray(quoted)) {
      summary.icmp.quoted = {
        src: str(quoted.src),
        dst: str(quoted.dst),
        protocol: num(quoted.protocol),
        ...(typeof quoted.srcPort === "number" ? { srcPort: quoted.srcPort } : {}),
        ...(typeof quoted.dstPort === "number" ? { dstPort: quoted.dstPort } : {}),
      };
    }
  }
  return summary;
}

/**
 * The endpoints of a packet as NAT trace events name them: addresses, and ports for TCP and UDP,
 * the Identifier as both "ports" for an ICMP query, 0 for anything else.
 */
export function packetEndpoints(packet: PacketSummary): {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
} {
  const ports = packet.tcp ?? packet.udp;
  const id = packet.icmp?.identifier;
  const srcPort = ports ? ports.srcPort : (id ?? 0);
  const dstPort = ports ? ports.dstPort : (id ?? 0);
  return { src: packet.ipSrc ?? "", srcPort, dst: packet.ipDst ?? "", dstPort };
}
