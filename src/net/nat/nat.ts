/**
 * Network Address Port Translation (RFC 3022 §2.2) as the hooks of a router's IPv4 layer, with the
 * behaviour the BEHAVE RFCs require of it: RFC 4787 (UDP), RFC 5382 (TCP), RFC 5508 (ICMP).
 *
 * ```
 *  inside host ──▶ [inside iface] ─ routing ─ POSTROUTING: source → outside address:port ──▶ outside
 *  inside host ◀── routing ─ PREROUTING: destination → inside address:port ◀── [outside iface] ◀──
 * ```
 *
 * - **Outbound** (POSTROUTING, datagrams from an inside interface leaving by the outside one):
 *   find or create the mapping of the source endpoint and the session with the destination, then
 *   rewrite the source. A new flow the table has no room for is refused with ICMP "communication
 *   administratively prohibited" (RFC 5508 REQ-8), and counted.
 * - **Inbound** (PREROUTING, datagrams for an outside address): find the mapping of the
 *   destination endpoint, apply the filtering behaviour (RFC 4787 §5), rewrite the destination
 *   to the inside endpoint; routing then sends it in. Port forwards are static mappings.
 * - **Hairpinning** (RFC 4787 REQ-9, RFC 5382 REQ-8): an inside host sending to an outside
 *   endpoint of the NAT is translated both ways at once, so the other inside host sees it come
 *   from the sender's outside endpoint.
 * - **ICMP errors** (RFC 5508 §4): an error about a translated datagram has the datagram it quotes
 *   reverted, with all its checksums, and its outer address translated, both directions; errors
 *   without a mapping are dropped.
 * - **ICMP queries** (RFC 5508 §3): echo and timestamp requests are mapped by their Identifier.
 *
 * Packets to the outside address that no mapping claims are left alone when the address is the
 * router's own (it answers pings and refuses unknown ports itself), and dropped for pool addresses.
 * Other protocols than TCP, UDP and ICMP are not translated and not let out (counted).
 */
import type { Timer } from "../../sim/scheduler.js";
import type { Nanoseconds } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { internetChecksum } from "../../wire/checksum.js";
import { Icmpv4Type, UnreachableCode } from "../../wire/icmpv4.js";
import { IpProtocol, ipProtocolName } from "../../wire/ipv4.js";
import { readUint16, readUint32 } from "../../wire/network-order.js";
import { DropTally } from "../counters.js";
import { HookPriority, type Ipv4Hook, Verdict } from "../hooks.js";
import type { NetInterface } from "../interface.js";
import type { Ipv4Layer } from "../ipv4-layer.js";
import {
  DEFAULT_MAX_TRANSLATIONS,
  DEFAULT_TIMEOUTS,
  type FilteringBehavior,
  type MappingBehavior,
  type NatConfig,
  type NatTimeouts,
  natConfigProblems,
} from "./config.js";
import type { PacketEndpoints } from "./events.js";
import {
  addressOf,
  findQuotedPacket,
  portOf,
  type QuotedPacket,
  rewriteAddress,
  rewriteEndpoint,
  rewriteQuotedEndpoint,
  Side,
  transportHeaderPresent,
} from "./rewrite.js";
import { type NatMapping, NatTable, protocolIndex } from "./table.js";

const NONE = 0;
const INSIDE = 1;
const OUTSIDE = 2;

const TCP_FLAGS = 13;
const SYN = 0x02;
const ACK = 0x10;

/** RFC 5382 REQ-4: unsolicited SYNs held at once (beyond this, the oldest goes silently). */
const MAX_HELD_SYNS = 64;

/** ICMP queries the NAT maps by Identifier, going out; and the replies coming back. */
function isOutboundQuery(type: number): boolean {
  return type === Icmpv4Type.EchoRequest || type === Icmpv4Type.Timestamp;
}
function isInboundReply(type: number): boolean {
  return type === Icmpv4Type.EchoReply || type === Icmpv4Type.TimestampReply;
}
function isIcmpError(type: number): boolean {
  return (
    type === Icmpv4Type.DestinationUnreachable ||
    type === Icmpv4Type.TimeExceeded ||
    type === Icmpv4Type.ParameterProblem ||
    type === Icmpv4Type.SourceQuench
  );
}

/** Counters for `show ip nat statistics`. */
export class NatCounters {
  /** Packets translated with an existing session (Cisco's "hits"). */
  hits = 0;
  /** Packets that needed a new session (Cisco's "misses"). */
  misses = 0;
  outboundPackets = 0;
  inboundPackets = 0;
  hairpinPackets = 0;
  icmpErrorsTranslated = 0;
  /** Inbound packets a mapping's filtering refused (RFC 4787 §5). */
  filtered = 0;
  /** Unsolicited SYNs answered with port unreachable after the RFC 5382 REQ-4 wait. */
  synsRefused = 0;
  /** Why packets were dropped, by reason (`nat-filtered`, `nat-table-full`, ...). */
  readonly drops = new DropTally();
}

/** An unsolicited inbound SYN held for RFC 5382 REQ-4. */
interface HeldSyn {
  mapping: NatMapping;
  remote: number;
  remotePort: number;
  packet: Uint8Array;
  timer: Timer;
}

export class Nat implements Ipv4Hook {
  /** Runs after filtering at POSTROUTING; alone at PREROUTING (see hooks.ts). */
  readonly priority = HookPriority.SourceNat;
  readonly counters = new NatCounters();
  readonly table: NatTable;
  readonly outside: string;
  readonly inside: readonly string[] | undefined;
  readonly mappingBehavior: MappingBehavior;
  readonly filtering: FilteringBehavior;
  readonly timeouts: NatTimeouts;
  readonly maxTranslations: number;
  readonly pool: readonly number[] | undefined;
  readonly config: NatConfig;
  private readonly poolSet: Set<number> | undefined;
  private nextPoolAddress = 0;
  private readonly roles = new Map<NetInterface, number>();
  private staticsPending: boolean;
  private heldSyns: HeldSyn[] | undefined;

  constructor(
    readonly ipv4: Ipv4Layer,
    config: NatConfig,
  ) {
    const problems = natConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`NAT on ${ipv4.context.name}: ${problems.join("; ")}`);
    this.config = config;
    this.outside = config.outside;
    this.inside = config.inside;
    this.mappingBehavior = config.mapping ?? "endpoint-independent";
    this.filtering = config.filtering ?? "address-and-port-dependent";
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...config.timeouts };
    this.maxTranslations = config.maxTranslations ?? DEFAULT_MAX_TRANSLATIONS;
    if (config.pool && config.pool.length > 0) {
      this.pool = config.pool.map(toAddress);
      this.poolSet = new Set(this.pool);
    }
    const random = ipv4.context.scheduler.random.fork(`nat:${ipv4.context.name}`);
    this.table = new NatTable({
      mapping: this.mappingBehavior,
      filtering: this.filtering,
      ...(config.ports ? { ports: config.ports } : {}),
      maxSessions: this.maxTranslations,
      timeouts: this.timeouts,
      inboundRefresh: config.inboundRefresh ?? true,
      randomInt: (n) => random.int(n),
      onMappingRemoved: (mapping, reason) => this.traceMapping(mapping, "removed", reason),
    });
    if (this.poolSet !== undefined) {
      // The pool's addresses must reach us: answer ARP for them on the outside link (RFC 1027).
      const pool = this.poolSet;
      ipv4.proxyArp = (iface, address) => iface.name === this.outside && pool.has(address);
    }
    this.staticsPending = (config.forward?.length ?? 0) > 0;
    this.installStatics();
  }

  private get now(): Nanoseconds {
    return this.ipv4.context.scheduler.now;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  /** The role of an interface: inside, outside, or neither (left alone). */
  private roleOf(iface: NetInterface): number {
    let role = this.roles.get(iface);
    if (role === undefined) {
      if (iface.name === this.outside) role = OUTSIDE;
      else role = this.isInsideInterface(iface.name) ? INSIDE : NONE;
      this.roles.set(iface, role);
    }
    return role;
  }

  /** Whether the interface called `name` is on the inside: what leaves from it is translated. */
  isInsideInterface(name: string): boolean {
    return name !== this.outside && (this.inside === undefined || this.inside.includes(name));
  }

  /** The outside interface, if it exists yet. */
  get outsideInterface(): NetInterface | undefined {
    return this.ipv4.interface(this.outside);
  }

  /** Whether `address` is one of the outside addresses we translate to. */
  isExternal(address: number): boolean {
    if (this.poolSet !== undefined) return this.poolSet.has(address);
    return this.outsideInterface?.hasAddress(address) ?? false;
  }

  /** Whether the router itself owns `address` (it answers for it when no mapping does). */
  private isOwnAddress(address: number): boolean {
    return this.ipv4.isLocalAddress(new Ipv4Address(address));
  }

  /** The outside addresses (the pool, or the outside interface's current one). */
  externalAddresses(): number[] {
    if (this.pool) return [...this.pool];
    const primary = this.outsideInterface?.primaryAddress;
    return primary ? [primary.address.value] : [];
  }

  /**
   * RFC 4787 REQ-2 "paired" pooling: an inside address keeps the outside address it got while it
   * has mappings; new inside addresses take the pool's addresses in turn.
   */
  private externalAddressFor(internal: number): number | undefined {
    if (this.pool === undefined) return this.outsideInterface?.primaryAddress?.address.value;
    const paired = this.table.pairedAddress(internal);
    if (paired !== undefined) return paired;
    const address = this.pool[this.nextPoolAddress];
    this.nextPoolAddress = (this.nextPoolAddress + 1) % this.pool.length;
    return address;
  }

  /** Installs the port forwards once the outside address is known (it may come later: DHCP). */
  private installStatics(): void {
    if (!this.staticsPending) return;
    const defaultExternal = this.pool?.[0] ?? this.outsideInterface?.primaryAddress?.address.value;
    const forwards = this.config.forward ?? [];
    if (defaultExternal === undefined && forwards.some((f) => f.address === undefined)) return;
    this.staticsPending = false;
    for (const forward of forwards) {
      const protocol = forward.protocol === "tcp" ? IpProtocol.TCP : IpProtocol.UDP;
      const external = forward.address !== undefined ? toAddress(forward.address) : defaultExternal!;
      const internal = toAddress(forward.to);
      const toPort = forward.toPort ?? forward.port;
      for (let i = 0; i < (forward.count ?? 1); i++) {
        const mapping = this.table.addStatic(
          protocol,
          internal,
          toPort + i,
          external,
          forward.port + i,
          this.now,
        );
        this.traceMapping(mapping, "created");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The hooks

  prerouting(frame: Uint8Array, offset: number, inIface: NetInterface): Verdict {
    const role = this.roleOf(inIface);
    if (role === NONE) return Verdict.Accept;
    if (this.staticsPending) this.installStatics();
    const dst = readUint32(frame, offset + 16);
    if (!this.isExternal(dst)) return Verdict.Accept;
    return this.inbound(frame, offset, inIface, dst, role === INSIDE);
  }

  postrouting(
    frame: Uint8Array,
    offset: number,
    inIface: NetInterface | undefined,
    outIface: NetInterface,
  ): Verdict {
    if (this.roleOf(outIface) !== OUTSIDE) return Verdict.Accept;
    if (inIface === undefined) return this.ownErrorOutbound(frame, offset, outIface);
    if (this.roleOf(inIface) !== INSIDE) return Verdict.Accept;
    if (this.staticsPending) this.installStatics();
    return this.outbound(frame, offset, outIface);
  }

  // ---------------------------------------------------------------------------------------------
  // Outbound: source translation

  private outbound(frame: Uint8Array, offset: number, outIface: NetInterface): Verdict {
    const total = readUint16(frame, offset + 2);
    const protocol = frame[offset + 9];
    const pi = protocolIndex(protocol);
    if (pi < 0) return this.drop(frame, outIface, "nat-unsupported-protocol");
    if (!transportHeaderPresent(frame, offset, total)) return this.drop(frame, outIface, "nat-truncated");
    const t = offset + ((frame[offset] & 0x0f) << 2);
    if (protocol === IpProtocol.ICMP) {
      const type = frame[t];
      if (isIcmpError(type)) return this.errorOutbound(frame, offset, total, t, outIface, true);
      if (!isOutboundQuery(type)) return this.drop(frame, outIface, "nat-unsupported-icmp");
    }
    const src = readUint32(frame, offset + 12);
    const srcPort = portOf(frame, offset, Side.Source);
    const dst = readUint32(frame, offset + 16);
    const dstPort = protocol === IpProtocol.ICMP ? 0 : portOf(frame, offset, Side.Destination);
    const flags = protocol === IpProtocol.TCP ? frame[t + TCP_FLAGS] : 0;
    const mapping = this.translateOutbound(
      frame,
      offset,
      protocol,
      pi,
      src,
      srcPort,
      dst,
      dstPort,
      flags,
      outIface,
    );
    if (mapping === undefined) return Verdict.Drop;
    const tracing = this.ipv4.context.tracer.enabled;
    const before = tracing ? endpointsOf(frame, offset) : undefined;
    rewriteEndpoint(frame, offset, Side.Source, mapping.externalAddress, mapping.externalPort);
    this.counters.outboundPackets++;
    if (before) this.traceTranslation(frame, offset, outIface, "outbound", before);
    return Verdict.Accept;
  }

  /**
   * The mapping and session an outbound packet uses, created if needed; undefined when the flow
   * was refused (counted, and answered with RFC 5508 REQ-8's ICMP error).
   */
  private translateOutbound(
    frame: Uint8Array,
    offset: number,
    protocol: number,
    pi: number,
    src: number,
    srcPort: number,
    remote: number,
    remotePort: number,
    tcpFlags: number,
    iface: NetInterface,
  ): NatMapping | undefined {
    const now = this.now;
    const table = this.table;
    let mapping = table.findOutbound(pi, src, srcPort, remote, remotePort, now);
    let created = false;
    if (mapping === undefined) {
      const external = this.externalAddressFor(src);
      if (external === undefined) {
        this.refuse(frame, offset, iface, "nat-no-outside-address");
        return undefined;
      }
      const made = table.createMapping(protocol, pi, src, srcPort, remote, remotePort, external, now);
      if (typeof made === "string") {
        this.refuse(frame, offset, iface, made === "table-full" ? "nat-table-full" : "nat-no-free-port");
        return undefined;
      }
      mapping = made;
      created = true;
      this.traceMapping(mapping, "created");
    }
    let session = table.findSession(mapping, remote, remotePort, now);
    if (session === undefined) {
      const made = table.createSession(mapping, remote, remotePort, now);
      if (made === "table-full") {
        this.refuse(frame, offset, iface, "nat-table-full");
        return undefined;
      }
      session = made;
      this.counters.misses++;
    } else if (!created) this.counters.hits++;
    table.use(session, true, tcpFlags, now);
    if ((tcpFlags & SYN) !== 0 && this.heldSyns !== undefined)
      this.releaseHeldSyn(mapping, remote, remotePort);
    return mapping;
  }

  // ---------------------------------------------------------------------------------------------
  // Inbound: destination translation (replies, port forwards, hairpinning)

  private inbound(
    frame: Uint8Array,
    offset: number,
    inIface: NetInterface,
    dst: number,
    hairpin: boolean,
  ): Verdict {
    const total = readUint16(frame, offset + 2);
    const protocol = frame[offset + 9];
    const pi = protocolIndex(protocol);
    if (pi < 0 || !transportHeaderPresent(frame, offset, total)) {
      return this.unclaimed(frame, inIface, dst, "nat-no-mapping");
    }
    const t = offset + ((frame[offset] & 0x0f) << 2);
    if (protocol === IpProtocol.ICMP) {
      const type = frame[t];
      if (isIcmpError(type)) {
        return hairpin ? Verdict.Accept : this.errorInbound(frame, offset, total, t, inIface, dst);
      }
      // Requests to an outside address are for the router itself; only replies are mapped back.
      if (!isInboundReply(type)) return this.unclaimed(frame, inIface, dst, "nat-no-mapping");
    }
    const now = this.now;
    const dstPort = portOf(frame, offset, Side.Destination);
    const mapping = this.table.findInbound(pi, dst, dstPort, now);
    if (mapping === undefined) return this.unclaimed(frame, inIface, dst, "nat-no-mapping");

    const tracing = this.ipv4.context.tracer.enabled;
    const before = tracing ? endpointsOf(frame, offset) : undefined;
    let remote = readUint32(frame, offset + 12);
    let remotePort = protocol === IpProtocol.ICMP ? 0 : portOf(frame, offset, Side.Source);
    const flags = protocol === IpProtocol.TCP ? frame[t + TCP_FLAGS] : 0;
    if (hairpin) {
      // RFC 4787 REQ-9a: the sender is first translated as if it went out, so the receiver sees
      // its outside endpoint ("external source IP address and port").
      const own = this.translateOutbound(
        frame,
        offset,
        protocol,
        pi,
        remote,
        remotePort,
        dst,
        dstPort,
        flags,
        inIface,
      );
      if (own === undefined) return Verdict.Drop;
      remote = own.externalAddress;
      remotePort = own.externalPort;
    }
    let session = this.table.findSession(mapping, remote, remotePort, now);
    if (session === undefined) {
      if (!this.table.admits(mapping, remote, now)) {
        this.counters.filtered++;
        if (protocol === IpProtocol.TCP && (flags & (SYN | ACK)) === SYN && !hairpin) {
          this.holdSyn(frame, offset, total, mapping, remote, remotePort);
        }
        return this.drop(frame, inIface, "nat-filtered");
      }
      const made = this.table.createSession(mapping, remote, remotePort, now);
      if (made === "table-full") return this.refuse(frame, offset, inIface, "nat-table-full");
      session = made;
      this.counters.misses++;
    } else this.counters.hits++;
    this.table.use(session, false, flags, now);
    rewriteEndpoint(frame, offset, Side.Destination, mapping.internalAddress, mapping.internalPort);
    if (hairpin) {
      rewriteEndpoint(frame, offset, Side.Source, remote, remotePort);
      this.counters.hairpinPackets++;
    } else this.counters.inboundPackets++;
    if (before) this.traceTranslation(frame, offset, inIface, hairpin ? "hairpin" : "inbound", before);
    return Verdict.Accept;
  }

  /** A packet for an outside address that no mapping claims: the router's own, or dropped. */
  private unclaimed(frame: Uint8Array, iface: NetInterface, dst: number, reason: string): Verdict {
    if (this.isOwnAddress(dst)) return Verdict.Accept;
    return this.drop(frame, iface, reason);
  }

  // ---------------------------------------------------------------------------------------------
  // ICMP errors (RFC 5508 §4)

  /**
   * An error from outside about a datagram we translated on its way out (REQ-4): the quoted
   * datagram's source goes back to the inside endpoint, the error's destination to the inside host.
   */
  private errorInbound(
    frame: Uint8Array,
    offset: number,
    total: number,
    t: number,
    inIface: NetInterface,
    dst: number,
  ): Verdict {
    const end = offset + total;
    // REQ-3: a bad ICMP checksum, or a quoted header with a bad checksum, is dropped.
    if (internetChecksum(frame, t, end) !== 0) return this.drop(frame, inIface, "nat-icmp-bad-checksum");
    const quoted = findQuotedPacket(frame, t, end);
    if (quoted === undefined || quoted.src !== dst)
      return this.unclaimed(frame, inIface, dst, "nat-icmp-bad-quote");
    const quotedHeaderEnd = quoted.offset + ((frame[quoted.offset] & 0x0f) << 2);
    if (internetChecksum(frame, quoted.offset, quotedHeaderEnd) !== 0) {
      return this.drop(frame, inIface, "nat-icmp-bad-checksum");
    }
    const now = this.now;
    const mapping = this.table.findInbound(protocolIndex(quoted.protocol), quoted.src, quoted.srcPort, now);
    if (mapping === undefined) return this.unclaimed(frame, inIface, dst, "nat-icmp-no-mapping");
    // The error must concern a conversation the mapping has (unless anyone may use it). REQ-6:
    // looking does not refresh the session.
    const remotePort = quoted.protocol === IpProtocol.ICMP ? 0 : quoted.dstPort;
    if (
      !mapping.isStatic &&
      this.filtering !== "endpoint-independent" &&
      this.table.findSession(mapping, quoted.dst, remotePort, now) === undefined
    ) {
      return this.drop(frame, inIface, "nat-icmp-no-mapping");
    }
    const tracing = this.ipv4.context.tracer.enabled;
    const before = tracing ? endpointsOf(frame, offset) : undefined;
    const quotedBefore = tracing ? quotedEndpointsOf(frame, quoted) : undefined;
    rewriteQuotedEndpoint(frame, t, quoted, Side.Source, mapping.internalAddress, mapping.internalPort);
    rewriteAddress(frame, offset, Side.Destination, mapping.internalAddress);
    this.counters.icmpErrorsTranslated++;
    if (before) this.traceTranslation(frame, offset, inIface, "inbound", before, quoted, quotedBefore);
    return Verdict.Accept;
  }

  /**
   * An error going out about a datagram that came in translated (REQ-5): the quoted datagram's
   * destination goes back to the outside endpoint; the error's source too when an inside host sent
   * it (`fromInside`), so no inside address leaks.
   */
  private errorOutbound(
    frame: Uint8Array,
    offset: number,
    total: number,
    t: number,
    outIface: NetInterface,
    fromInside: boolean,
  ): Verdict {
    const quoted = findQuotedPacket(frame, t, offset + total);
    if (quoted === undefined) {
      return fromInside ? this.drop(frame, outIface, "nat-icmp-bad-quote") : Verdict.Accept;
    }
    const remotePort = quoted.protocol === IpProtocol.ICMP ? 0 : quoted.srcPort;
    const mapping = this.table.findOutbound(
      protocolIndex(quoted.protocol),
      quoted.dst,
      quoted.dstPort,
      quoted.src,
      remotePort,
      this.now,
    );
    if (mapping === undefined) {
      // An error of our own about our own traffic needs nothing.
      return fromInside ? this.drop(frame, outIface, "nat-icmp-no-mapping") : Verdict.Accept;
    }
    const tracing = this.ipv4.context.tracer.enabled;
    const before = tracing ? endpointsOf(frame, offset) : undefined;
    const quotedBefore = tracing ? quotedEndpointsOf(frame, quoted) : undefined;
    rewriteQuotedEndpoint(frame, t, quoted, Side.Destination, mapping.externalAddress, mapping.externalPort);
    if (fromInside) rewriteAddress(frame, offset, Side.Source, mapping.externalAddress);
    this.counters.icmpErrorsTranslated++;
    if (before) this.traceTranslation(frame, offset, outIface, "outbound", before, quoted, quotedBefore);
    return Verdict.Accept;
  }

  /** POSTROUTING for the router's own datagrams: only its ICMP errors can need translating. */
  private ownErrorOutbound(frame: Uint8Array, offset: number, outIface: NetInterface): Verdict {
    if (frame[offset + 9] !== IpProtocol.ICMP) return Verdict.Accept;
    const total = readUint16(frame, offset + 2);
    const t = offset + ((frame[offset] & 0x0f) << 2);
    if (!transportHeaderPresent(frame, offset, total) || !isIcmpError(frame[t])) return Verdict.Accept;
    return this.errorOutbound(frame, offset, total, t, outIface, false);
  }

  // ---------------------------------------------------------------------------------------------
  // RFC 5382 REQ-4: unsolicited SYNs

  /**
   * Holds a filtered inbound SYN: if the inside host opens toward the sender within 6 s
   * (simultaneous open, hole punching), it is dropped silently; otherwise it is answered with
   * port unreachable (unless configured to stay silent).
   */
  private holdSyn(
    frame: Uint8Array,
    offset: number,
    total: number,
    mapping: NatMapping,
    remote: number,
    remotePort: number,
  ): void {
    this.heldSyns ??= [];
    const held = this.heldSyns;
    if (held.length >= MAX_HELD_SYNS) {
      const oldest = held.shift();
      if (oldest) this.ipv4.context.scheduler.cancel(oldest.timer);
    }
    const packet = frame.slice(offset, offset + total);
    const entry: HeldSyn = {
      mapping,
      remote,
      remotePort,
      packet,
      timer: this.ipv4.context.scheduler.after(this.timeouts.unsolicitedSyn, () => {
        const index = held.indexOf(entry);
        if (index < 0) return;
        held.splice(index, 1);
        if (this.config.unsolicitedSyn === "drop") return;
        this.counters.synsRefused++;
        this.ipv4.icmp.sendError(Icmpv4Type.DestinationUnreachable, UnreachableCode.PortUnreachable, packet);
      }),
    };
    held.push(entry);
  }

  private releaseHeldSyn(mapping: NatMapping, remote: number, remotePort: number): void {
    const held = this.heldSyns!;
    for (let i = held.length - 1; i >= 0; i--) {
      const entry = held[i];
      if (entry.mapping === mapping && entry.remote === remote && entry.remotePort === remotePort) {
        this.ipv4.context.scheduler.cancel(entry.timer);
        held.splice(i, 1);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Drops and refusals

  private drop(frame: Uint8Array, iface: NetInterface, reason: string): Verdict {
    this.counters.drops.count(reason);
    this.ipv4.traceDrop("nat", reason, iface.name, frame);
    return Verdict.Drop;
  }

  /**
   * A new flow got no translation: RFC 5508 REQ-8 — ICMP "communication administratively
   * prohibited" to its sender, and the packet is dropped.
   */
  private refuse(frame: Uint8Array, offset: number, iface: NetInterface, reason: string): Verdict {
    const total = readUint16(frame, offset + 2);
    this.drop(frame, iface, reason);
    this.ipv4.icmp.sendError(
      Icmpv4Type.DestinationUnreachable,
      UnreachableCode.CommunicationAdministrativelyProhibited,
      frame.subarray(offset, offset + total),
      { arrivedOn: iface },
    );
    return Verdict.Drop;
  }

  /** `clear ip nat translation *`: forgets every dynamic mapping. */
  clear(): void {
    this.table.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Trace

  private traceTranslation(
    frame: Uint8Array,
    offset: number,
    iface: NetInterface,
    direction: "outbound" | "inbound" | "hairpin",
    before: PacketEndpoints,
    quoted?: QuotedPacket,
    quotedBefore?: PacketEndpoints,
  ): void {
    const context = this.ipv4.context;
    context.tracer.emit({
      type: "nat-translated",
      time: this.now,
      node: context.name,
      iface: iface.name,
      direction,
      protocol: protocolName(frame[offset + 9]),
      before,
      after: endpointsOf(frame, offset),
      ...(quoted && quotedBefore
        ? {
            quoted: {
              protocol: protocolName(quoted.protocol),
              before: quotedBefore,
              after: quotedEndpointsOf(frame, quoted),
            },
          }
        : {}),
    });
  }

  private traceMapping(
    mapping: NatMapping,
    action: "created" | "removed",
    reason?: "expired" | "cleared",
  ): void {
    const context = this.ipv4.context;
    if (!context.tracer.enabled) return;
    context.tracer.emit({
      type: "nat-mapping",
      time: this.now,
      node: context.name,
      action,
      ...(reason ? { reason } : {}),
      protocol: protocolName(mapping.protocol),
      inside: `${new Ipv4Address(mapping.internalAddress)}:${mapping.internalPort}`,
      outside: `${new Ipv4Address(mapping.externalAddress)}:${mapping.externalPort}`,
      static: mapping.isStatic,
    });
  }
}

/** `tcp`, `udp`, `icmp` (as tshark and the topology file spell them). */
function protocolName(protocol: number): string {
  return ipProtocolName(protocol).toLowerCase();
}

function toAddress(value: number | string): number {
  return typeof value === "number" ? value >>> 0 : Ipv4Address.parse(value).value;
}

/** The endpoints of the datagram at `offset`, for the trace. */
function endpointsOf(frame: Uint8Array, offset: number): PacketEndpoints {
  const t = offset + ((frame[offset] & 0x0f) << 2);
  const error = frame[offset + 9] === IpProtocol.ICMP && isIcmpError(frame[t]);
  return {
    src: new Ipv4Address(addressOf(frame, offset, Side.Source)).toString(),
    srcPort: error ? 0 : portOf(frame, offset, Side.Source),
    dst: new Ipv4Address(addressOf(frame, offset, Side.Destination)).toString(),
    dstPort: error ? 0 : portOf(frame, offset, Side.Destination),
  };
}

function quotedEndpointsOf(frame: Uint8Array, quoted: QuotedPacket): PacketEndpoints {
  return endpointsOf(frame, quoted.offset);
}
