/**
 * Counters: every packet a layer handles is counted, and every drop is counted with its reason
 * (DESIGN.md principle 6). The names follow the MIBs the real tools print, so a learner can put
 * our output beside `ip -s link`, `netstat -s` or Cisco's `show interfaces counters`:
 * - interfaces: IF-MIB (RFC 2863) in/out octets, unicast/multicast/broadcast packets, errors, discards;
 * - IPv4 and ICMP: IP-MIB (RFC 4293) / RFC 1213 names, as `netstat -s` and /proc/net/snmp show them;
 * - UDP: UDP-MIB (RFC 4113) plus Linux's RcvbufErrors, SndbufErrors and InCsumErrors.
 *
 * Plain number fields keep the per-node footprint small; the per-reason drop map is created only
 * when the first drop happens.
 */

/** A tally of drops by reason, e.g. `{ "bad-checksum": 2 }`, created on first use. */
export class DropTally {
  private byReason: Map<string, number> | undefined;

  /** Adds one drop for `reason`. */
  count(reason: string): void {
    this.byReason ??= new Map();
    const map = this.byReason;
    map.set(reason, (map.get(reason) ?? 0) + 1);
  }

  /** Drops recorded for `reason` (0 if none). */
  get(reason: string): number {
    return this.byReason?.get(reason) ?? 0;
  }

  /** Total drops over all reasons. */
  get total(): number {
    let total = 0;
    if (this.byReason) for (const n of this.byReason.values()) total += n;
    return total;
  }

  /** `[reason, count]` pairs in first-seen order. */
  entries(): [string, number][] {
    return this.byReason ? [...this.byReason] : [];
  }
}

/** Per-interface counters (IF-MIB ifTable / `ip -s link`). */
export class InterfaceCounters {
  rxPackets = 0;
  rxBytes = 0;
  rxMulticast = 0;
  rxBroadcast = 0;
  /** Frames that arrived malformed (too short, bad header): ifInErrors. */
  rxErrors = 0;
  /** Frames that were well formed but not taken (not for us, unknown type, no queue): ifInDiscards. */
  rxDropped = 0;
  txPackets = 0;
  txBytes = 0;
  txMulticast = 0;
  txBroadcast = 0;
  /** Frames the link refused (down, queue full): ifOutErrors. */
  txErrors = 0;
  /** Packets discarded before transmission (ARP failure, ARP queue overflow): ifOutDiscards. */
  txDropped = 0;
  /** Every receive- or transmit-side drop of this interface by reason. */
  readonly drops = new DropTally();
}

/** IPv4 counters (RFC 4293 ipSystemStatsTable; the "Ip:" block of `netstat -s`). */
export class Ipv4Counters {
  /** Datagrams received from interfaces, including those later dropped. */
  inReceives = 0;
  /** Discarded for a bad header: version, IHL, checksum, length, TTL expired on forwarding. */
  inHdrErrors = 0;
  /** Discarded because the destination was not ours and we do not forward (or is a martian). */
  inAddrErrors = 0;
  /** Datagrams shorter than their Total Length claims. */
  inTruncatedPkts = 0;
  /** Local datagrams for a protocol nobody registered. */
  inUnknownProtos = 0;
  /** Well-formed datagrams discarded for lack of resources. */
  inDiscards = 0;
  /** Datagrams delivered to transport protocols (including ICMP). */
  inDelivers = 0;
  /** Datagrams forwarded toward another host (routers only). */
  forwDatagrams = 0;
  /** Datagrams local protocols asked to send. */
  outRequests = 0;
  /** Outgoing datagrams discarded (interface down, link refused, ARP failure). */
  outDiscards = 0;
  /** Outgoing or forwarded datagrams with no route to their destination. */
  outNoRoutes = 0;
  /** Fragments received that needed reassembly. */
  reasmReqds = 0;
  /** Datagrams successfully reassembled. */
  reasmOKs = 0;
  /** Reassembly failures of any kind (timeout, overlap, limits, malformed fragments). */
  reasmFails = 0;
  /** Reassemblies abandoned because the timer expired. */
  reasmTimeout = 0;
  /** Reassemblies abandoned because fragments overlapped (RFC 5722-style policy). */
  reasmOverlaps = 0;
  /** Datagrams successfully fragmented. */
  fragOKs = 0;
  /** Datagrams that needed fragmenting but could not be (DF set). */
  fragFails = 0;
  /** Fragments created by fragmentation. */
  fragCreates = 0;
  /** Every IPv4 drop by reason. */
  readonly drops = new DropTally();
}

/**
 * IPv6 counters (RFC 4293 ipSystemStatsTable for IPv6; Linux's /proc/net/snmp6 "Ip6" names). The
 * reassembly and fragmentation fields share IPv4's names, so the same reassembler counts both.
 */
export class Ipv6Counters {
  inReceives = 0;
  /** Bad version, truncated header chains, malformed options, hop limit expired when forwarding. */
  inHdrErrors = 0;
  /** Packets too big for the next link (answered with Packet Too Big, RFC 8201). */
  inTooBigErrors = 0;
  /** Forwarded packets with no route. */
  inNoRoutes = 0;
  /** Bad source or destination: multicast source, not ours, group not joined, scope violations. */
  inAddrErrors = 0;
  inUnknownProtos = 0;
  inTruncatedPkts = 0;
  inDiscards = 0;
  inDelivers = 0;
  inMcastPkts = 0;
  forwDatagrams = 0;
  outRequests = 0;
  outDiscards = 0;
  outNoRoutes = 0;
  outMcastPkts = 0;
  reasmReqds = 0;
  reasmOKs = 0;
  reasmFails = 0;
  reasmTimeout = 0;
  reasmOverlaps = 0;
  /** Packets we fragmented at the source (IPv6 routers never fragment, RFC 8200 §4.5). */
  fragOKs = 0;
  fragFails = 0;
  fragCreates = 0;
  readonly drops = new DropTally();
}

/** ICMP counters (RFC 4293 icmpStatsTable plus per-type counts, as in `netstat -s`). */
export class IcmpCounters {
  inMsgs = 0;
  /** Received but malformed (too short, bad checksum). */
  inErrors = 0;
  inCsumErrors = 0;
  outMsgs = 0;
  /** Errors we wanted to send but the rate limiter (RFC 1812 §4.3.2.8) held back. */
  outRateLimited = 0;
  /** Messages received, indexed by ICMP type (0-255). Created on first use. */
  private inTypes: Uint32Array | undefined;
  /** Messages sent, indexed by ICMP type. */
  private outTypes: Uint32Array | undefined;
  readonly drops = new DropTally();

  countIn(type: number): void {
    this.inMsgs++;
    this.inTypes ??= new Uint32Array(256);
    this.inTypes[type & 0xff]++;
  }

  countOut(type: number): void {
    this.outMsgs++;
    this.outTypes ??= new Uint32Array(256);
    this.outTypes[type & 0xff]++;
  }

  /** Messages of `type` received. */
  received(type: number): number {
    return this.inTypes?.[type & 0xff] ?? 0;
  }

  /** Messages of `type` sent. */
  sent(type: number): number {
    return this.outTypes?.[type & 0xff] ?? 0;
  }
}

/** UDP counters (RFC 4113 plus Linux's buffer and checksum errors; "Udp:" in `netstat -s`). */
export class UdpCounters {
  inDatagrams = 0;
  /** Datagrams for a port nobody listens on. */
  noPorts = 0;
  /** Datagrams dropped for any other reason (malformed, bad checksum, full buffer). */
  inErrors = 0;
  outDatagrams = 0;
  /** Dropped because the socket's receive buffer was full. */
  rcvbufErrors = 0;
  /** Not sent because the network layer could not take them. */
  sndbufErrors = 0;
  inCsumErrors = 0;
  readonly drops = new DropTally();
}

/** ARP counters for one interface. */
export class ArpCounters {
  requestsSent = 0;
  repliesSent = 0;
  requestsReceived = 0;
  repliesReceived = 0;
  gratuitousSent = 0;
  /** Resolutions that gave up after all retries. */
  failures = 0;
}

/** Formats IPv4, ICMP and UDP counters like `netstat -s` on Linux. */
export function formatNetstat(ip: Ipv4Counters, icmp: IcmpCounters, udp?: UdpCounters): string {
  const lines: string[] = [];
  lines.push("Ip:");
  lines.push(`    ${ip.inReceives} total packets received`);
  if (ip.forwDatagrams) lines.push(`    ${ip.forwDatagrams} forwarded`);
  if (ip.inHdrErrors) lines.push(`    ${ip.inHdrErrors} with invalid headers`);
  if (ip.inAddrErrors) lines.push(`    ${ip.inAddrErrors} with invalid addresses`);
  if (ip.inUnknownProtos) lines.push(`    ${ip.inUnknownProtos} with unknown protocol`);
  lines.push(`    ${ip.inDiscards} incoming packets discarded`);
  lines.push(`    ${ip.inDelivers} incoming packets delivered`);
  lines.push(`    ${ip.outRequests} requests sent out`);
  if (ip.outDiscards) lines.push(`    ${ip.outDiscards} outgoing packets dropped`);
  if (ip.outNoRoutes) lines.push(`    ${ip.outNoRoutes} dropped because of missing route`);
  if (ip.reasmTimeout) lines.push(`    ${ip.reasmTimeout} fragments dropped after timeout`);
  if (ip.reasmReqds) lines.push(`    ${ip.reasmReqds} reassemblies required`);
  if (ip.reasmOKs) lines.push(`    ${ip.reasmOKs} packets reassembled ok`);
  if (ip.reasmFails) lines.push(`    ${ip.reasmFails} packet reassemblies failed`);
  // netstat's own (odd) wording for FragOKs: datagrams that were fragmented successfully.
  if (ip.fragOKs) lines.push(`    ${ip.fragOKs} fragments received ok`);
  if (ip.fragFails) lines.push(`    ${ip.fragFails} fragments failed`);
  if (ip.fragCreates) lines.push(`    ${ip.fragCreates} fragments created`);
  lines.push("Icmp:");
  lines.push(`    ${icmp.inMsgs} ICMP messages received`);
  lines.push(`    ${icmp.inErrors} input ICMP message failed`);
  lines.push("    ICMP input histogram:");
  for (const [type, name] of icmpTypeNames) {
    const n = icmp.received(type);
    if (n) lines.push(`        ${name}: ${n}`);
  }
  lines.push(`    ${icmp.outMsgs} ICMP messages sent`);
  if (icmp.outRateLimited) lines.push(`    ${icmp.outRateLimited} ICMP messages rate limited`);
  lines.push("    ICMP output histogram:");
  for (const [type, name] of icmpTypeNames) {
    const n = icmp.sent(type);
    if (n) lines.push(`        ${name}: ${n}`);
  }
  if (udp) {
    lines.push("Udp:");
    lines.push(`    ${udp.inDatagrams} packets received`);
    lines.push(`    ${udp.noPorts} packets to unknown port received`);
    lines.push(`    ${udp.inErrors} packet receive errors`);
    lines.push(`    ${udp.outDatagrams} packets sent`);
    lines.push(`    ${udp.rcvbufErrors} receive buffer errors`);
    lines.push(`    ${udp.sndbufErrors} send buffer errors`);
    if (udp.inCsumErrors) lines.push(`    InCsumErrors: ${udp.inCsumErrors}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The ICMP type names `netstat -s` prints in its histograms. */
const icmpTypeNames: [number, string][] = [
  [0, "echo replies"],
  [3, "destination unreachable"],
  [4, "source quenches"],
  [5, "redirects"],
  [8, "echo requests"],
  [11, "timeout in transit"],
  [12, "wrong parameters"],
  [13, "timestamp request"],
  [14, "timestamp replies"],
];
