/**
 * One short line per packet, the text written on a sequence diagram's arrow: TCP flags with
 * sequence and acknowledgment numbers (relative to each side's initial sequence number, as
 * Wireshark shows them, unless absolute numbers are asked for), UDP ports and length, the ICMP
 * message, the ARP question or answer.
 */
import type { ArpSummary, IcmpSummary, PacketSummary, TcpSummary, UdpSummary } from "./packets.js";

export interface LabelOptions {
  /** TCP sequence and acknowledgment numbers as on the wire instead of relative ones. */
  absolute?: boolean;
  /** Show the TCP window in every segment (by default only in SYNs, where it starts). */
  window?: boolean;
}

/** Relative TCP numbering: each direction of each connection counts from its ISN. */
export class TcpNumbering {
  private readonly isn = new Map<string, number>();
  private readonly highest = new Map<string, number>();
  private readonly connections = new Set<string>();
  private readonly sawSyn = new Set<string>();

  constructor(private readonly absolute = false) {}

  /** Learns the ISNs from the packets in order (call for every packet before labelling). */
  learn(packet: PacketSummary): void {
    const tcp = packet.tcp;
    if (!tcp) return;
    const direction = directionKey(packet, tcp);
    this.connections.add(connectionKey(packet, tcp));
    // RFC 9293 §3.4: the SYN carries the ISN; without a SYN in view, count from the first seen.
    if (tcp.flags.includes("SYN")) {
      if (!this.isn.has(direction) || !this.sawSyn.has(direction)) this.isn.set(direction, tcp.seq);
      this.sawSyn.add(direction);
    } else if (!this.isn.has(direction)) this.isn.set(direction, tcp.seq);
  }
  /** More than one TCP connection in view: labels then name the ports. */
  get manyConnections(): boolean {
    return this.connections.size > 1;
  }

  /** Sequence number for display. */
  seq(packet: PacketSummary, tcp: TcpSummary): number {
    if (this.absolute) return tcp.seq;
    const isn = this.isn.get(directionKey(packet, tcp));
    return isn === undefined ? tcp.seq : (tcp.seq - isn) >>> 0;
  }

  /** Acknowledgment number for display (relative to the other side's ISN). */
  ack(packet: PacketSummary, tcp: TcpSummary): number {
    if (this.absolute) return tcp.ack;
    const isn = this.isn.get(reverseDirectionKey(packet, tcp));
    return isn === undefined ? tcp.ack : (tcp.ack - isn) >>> 0;
  }

  /**
   * Whether this segment repeats sequence space already sent in its direction (a retransmission).
   * Call once per segment, in order.
   */
  isRetransmission(packet: PacketSummary, tcp: TcpSummary): boolean {
    // SYN and FIN occupy one sequence number each (RFC 9293 §3.4).
    const space = tcp.length + (tcp.flags.includes("SYN") ? 1 : 0) + (tcp.flags.includes("FIN") ? 1 : 0);
    if (space === 0) return false;
    const direction = directionKey(packet, tcp);
    const end = this.seq(packet, tcp) + space;
    const highest = this.highest.get(direction);
    if (highest !== undefined && end <= highest) return true;
    this.highest.set(direction, Math.max(highest ?? 0, end));
    return false;
  }
}

function directionKey(packet: PacketSummary, tcp: TcpSummary): string {
  return `${packet.ipSrc}:${tcp.srcPort}>${packet.ipDst}:${tcp.dstPort}`;
}
function reverseDirectionKey(packet: PacketSummary, tcp: TcpSummary): string {
  return `${packet.ipDst}:${tcp.dstPort}>${packet.ipSrc}:${tcp.srcPort}`;
}
function connectionKey(packet: PacketSummary, tcp: TcpSummary): string {
  const a = `${packet.ipSrc}:${tcp.srcPort}`;
  const b = `${packet.ipDst}:${tcp.dstPort}`;
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Below this, a TTL is the point of the packet (traceroute's probes) and is shown. */
const SHOWN_TTL_BELOW = 32;

/** The arrow text of one packet. `numbering` must have learned every packet shown. */
export function packetLabel(
  packet: PacketSummary,
  numbering: TcpNumbering,
  options: LabelOptions = {},
): string {
  const ttl = packet.ttl !== undefined && packet.ttl < SHOWN_TTL_BELOW ? ` ttl=${packet.ttl}` : "";
  if (packet.tcp) return tcpLabel(packet, packet.tcp, numbering, options);
  // A probe's data is filler: with the TTL shown, the text preview would only be noise.
  if (packet.udp) return udpLabel(packet.udp, ttl === "") + ttl;
  if (packet.icmp) return icmpLabel(packet.icmp, packet.ipVersion === 6 ? "ICMPv6" : "ICMP") + ttl;
  if (packet.arp) return arpLabel(packet.arp);
  if (packet.ipVersion) return `IPv${packet.ipVersion} protocol ${packet.ipProtocol ?? "?"}${ttl}`;
  return `frame ${packet.srcMac} > ${packet.dstMac}`;
}

function tcpLabel(
  packet: PacketSummary,
  tcp: TcpSummary,
  numbering: TcpNumbering,
  options: LabelOptions,
): string {
  const parts: string[] = [];
  if (numbering.manyConnections) parts.push(`${tcp.srcPort}>${tcp.dstPort}`);
  parts.push(`[${tcp.flags.join(", ") || "none"}]`);
  parts.push(`seq=${numbering.seq(packet, tcp)}`);
  if (tcp.flags.includes("ACK")) parts.push(`ack=${numbering.ack(packet, tcp)}`);
  const syn = tcp.flags.includes("SYN");
  if (syn || options.window) parts.push(`win=${tcp.window}`);
  if (tcp.length > 0) parts.push(`len=${tcp.length}`);
  if (syn && tcp.mss !== undefined) parts.push(`mss=${tcp.mss}`);
  if (numbering.isRetransmission(packet, tcp)) parts.push("(retransmission)");
  return parts.join(" ");
}

/** Up to 16 characters of data, when it is all printable text. */
function textPreview(bytes: Uint8Array): string {
  if (bytes.length === 0) return "";
  const shown = bytes.subarray(0, 16);
  let text = "";
  for (const b of shown) {
    if (b === 0x0a || b === 0x0d) text += " ";
    else if (b >= 0x20 && b < 0x7f) text += String.fromCharCode(b);
    else return "";
  }
  return ` "${text.trimEnd()}${bytes.length > shown.length ? "..." : ""}"`;
}

function udpLabel(udp: UdpSummary, preview: boolean): string {
  return `UDP ${udp.srcPort} > ${udp.dstPort} len=${udp.payload.length}${preview ? textPreview(udp.payload) : ""}`;
}

function icmpLabel(icmp: IcmpSummary, protocol: string): string {
  const name = icmp.typeName.toLowerCase();
  if (icmp.identifier !== undefined && icmp.sequence !== undefined)
    return `${protocol} ${name} id=${icmp.identifier} seq=${icmp.sequence}`;
  const about = icmp.quoted
    ? ` (about ${icmp.quoted.protocol === 17 ? "UDP" : icmp.quoted.protocol === 6 ? "TCP" : `protocol ${icmp.quoted.protocol}`}${icmp.quoted.dstPort !== undefined ? ` to port ${icmp.quoted.dstPort}` : ""})`
    : "";
  // Time Exceeded (type 11) says enough by its type; Destination Unreachable by its code.
  if (protocol === "ICMPv6") return `${protocol} ${icmp.codeName ?? name}${about}`;
  return `${protocol} ${icmp.type === 11 ? name : (icmp.codeName ?? name)}${about}`;
}

function arpLabel(arp: ArpSummary): string {
  if (arp.gratuitous) return `ARP announce ${arp.senderIp} is-at ${arp.senderMac}`;
  if (arp.operation === "request") return `ARP who-has ${arp.targetIp}? tell ${arp.senderIp}`;
  if (arp.operation === "reply") return `ARP ${arp.senderIp} is-at ${arp.senderMac}`;
  return `ARP ${arp.operation}`;
}
