/**
 * The IPv4 layer of a node (RFC 791, RFC 1122 §3 for hosts, RFC 1812 §4-5 for routers): input
 * validation, local delivery to transports, forwarding by longest prefix match, output with
 * source selection and fragmentation, reassembly, path MTU, and the ICMP errors each step owes.
 *
 * ```
 *  interface ──▶ ipv4Input: validate header ──▶ for us? ──▶ reassemble ──▶ deliver to transport
 *                                               │ no                        (or protocol unreachable)
 *                                               ▼
 *                                    forwarding on? ──▶ route lookup ──▶ TTL ──▶ MTU ──▶ interface
 *                                        (host: drop)   (net unreach.)  (time ex.) (frag / frag needed)
 *  transport ──▶ send: route, source address, header, fragment ──▶ interface (ARP) ──▶ link
 * ```
 *
 * NAT and the firewall plug in at netfilter's five places (PREROUTING, INPUT, FORWARD, OUTPUT,
 * POSTROUTING) through {@link Ipv4Layer.addHook}; see hooks.ts. With no hook installed the path
 * above runs untouched.
 *
 * Hosts and routers run this same code (DESIGN.md principle 7); `forwarding` is the difference.
 * Everything dropped is counted (RFC 4293 names, see counters.ts) and traced with its reason.
 */
import type { SeededRandom } from "../sim/random.js";
import { type Nanoseconds, SECOND } from "../sim/time.js";
import type { TraceEvent } from "../trace/events.js";
import { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";
import type { IpAddress } from "../wire/address/ipv6.js";
import { internetChecksum, updateChecksum16 } from "../wire/checksum.js";
import { ETHERNET_HEADER_LENGTH } from "../wire/ethernet.js";
import { Icmpv4Type, ParameterProblemCode, TimeExceededCode, UnreachableCode } from "../wire/icmpv4.js";
import {
  IPV4_DEFAULT_TTL,
  IPV4_MIN_HEADER_LENGTH,
  IpProtocol,
  Ipv4Field,
  ipProtocolName,
} from "../wire/ipv4.js";
import { Ipv4OptionType, parseIpv4Options } from "../wire/ipv4-options.js";
import { isParseError } from "../wire/parse-error.js";
import * as arp from "./arp.js";
import { Ipv4Counters } from "./counters.js";
import { fragmentDatagram } from "./fragmentation.js";
import { allocateFrame, copyFrame } from "./frame-pool.js";
import { HookChain, type Ipv4Hook, Verdict } from "./hooks.js";
import { Icmp } from "./icmp.js";
import type { InterfaceOwner, NetInterface, NodeContext } from "./interface.js";
import type {
  DatagramToSend,
  NetworkLayer,
  ReceivedDatagram,
  SendError,
  TransportProtocol,
} from "./network-layer.js";
import { Reassembler, type ReassemblyOptions } from "./reassembly.js";
import { chooseNextHop, makeRoute, type Route, RoutingTable } from "./routing-table.js";

const MORE_FRAGMENTS = 0x2000;
const DONT_FRAGMENT = 0x4000;
const OFFSET_MASK = 0x1fff;
const LIMITED_BROADCAST = 0xffffffff;
/** 224.0.0.1, all systems on this subnet (RFC 1112): every host is a member. */
const ALL_SYSTEMS = 0xe0000001;
/** RFC 1191 §6.3: a learned path MTU is forgotten after 10 minutes (Linux's mtu_expires). */
const PMTU_EXPIRES = 600 * SECOND;
/** Path MTU entries kept (oldest dropped first). */
const MAX_PMTU_ENTRIES = 256;
/** RFC 791: every link must carry 68 octets; a smaller "MTU" in an ICMP message is bogus. */
const MIN_MTU = 68;
/**
 * RFC 1191 §7 "plateau table", for routers that send "fragmentation needed" without the MTU:
 * the next plateau below the rejected datagram's size.
 */
const MTU_PLATEAUS = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68];

export interface Ipv4LayerOptions {
  /** Forward datagrams not addressed to us (a router). */
  forwarding?: boolean;
  /** TTL of datagrams we originate (default 64). */
  ttl?: number;
  reassembly?: ReassemblyOptions;
}

export class Ipv4Layer implements NetworkLayer, InterfaceOwner {
  readonly counters = new Ipv4Counters();
  readonly routes = new RoutingTable();
  readonly icmp: Icmp;
  /** Forward datagrams addressed elsewhere (RFC 1812); off for a host (RFC 1122 §3.3.4.2). */
  forwarding: boolean;
  /** TTL of datagrams this node originates (RFC 1122 §3.2.1.7; Linux's ip_default_ttl is 64). */
  defaultTtl: number;
  /** RFC 2644: routers must not forward directed broadcasts unless configured to. */
  forwardDirectedBroadcasts = false;
  private readonly interfaceList: NetInterface[] = [];
  private readonly byName = new Map<string, NetInterface>();
  /** Our unicast addresses, as uint32. */
  private readonly localAddresses = new Set<number>();
  private transports: (TransportProtocol | undefined)[] | undefined;
  private factories: ((() => TransportProtocol) | undefined)[] | undefined;
  private reassembler: Reassembler | undefined;
  private readonly reassemblyOptions: ReassemblyOptions | undefined;
  private identification = -1;
  private pmtu: Map<number, { mtu: number; expires: Nanoseconds }> | undefined;
  /** Multicast groups joined, with how many members (sockets, protocols) asked. */
  private groups: Map<number, number> | undefined;
  private randomSource: SeededRandom | undefined;
  /** The datagram being handed to a transport (so an ICMP error about it can quote it exactly). */
  private deliveringHeader: Uint8Array | undefined;
  private deliveringPayload: Uint8Array | undefined;
  /** The addresses of the last datagram delivered, reused while they repeat. */
  private lastSource = Ipv4Address.ANY;
  private lastDestination = Ipv4Address.ANY;
  /** NAT, firewall: see hooks.ts. */
  private hooks: HookChain | undefined;

  constructor(
    readonly context: NodeContext,
    options: Ipv4LayerOptions = {},
  ) {
    this.forwarding = options.forwarding ?? false;
    this.defaultTtl = options.ttl ?? IPV4_DEFAULT_TTL;
    this.reassemblyOptions = options.reassembly;
    this.icmp = new Icmp(this);
    this.register(this.icmp);
  }

  /** The current virtual time. */
  get now(): Nanoseconds {
    return this.context.scheduler.now;
  }

  /** Octets held by incomplete datagrams awaiting reassembly. */
  get reassemblyMemory(): number {
    return this.reassembler?.memoryInUse ?? 0;
  }

  /** Datagrams awaiting reassembly. */
  get reassemblyPending(): number {
    return this.reassembler?.pending ?? 0;
  }

  /** This node's own random stream (IP identification, ephemeral ports, echo identifiers). */
  get random(): SeededRandom {
    this.randomSource ??= this.context.scheduler.random.fork(`node:${this.context.name}`);
    return this.randomSource;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  /** Attaches an interface to this layer (the node creates it with this layer as its owner). */
  addInterface(iface: NetInterface): void {
    if (this.byName.has(iface.name)) throw new RangeError(`${this.context.name} already has ${iface.name}`);
    this.interfaceList.push(iface);
    this.byName.set(iface.name, iface);
  }

  get interfaces(): readonly NetInterface[] {
    return this.interfaceList;
  }

  interface(name: string): NetInterface | undefined {
    return this.byName.get(name);
  }

  /**
   * Configures `prefix` (e.g. 10.0.1.10/24) on `iface` and installs its connected route (the
   * subnet) and local route (the /32), as Linux and FRR do.
   */
  addAddress(iface: NetInterface, prefix: Ipv4Prefix): void {
    const address = prefix.address.value;
    if (this.localAddresses.has(address)) {
      throw new RangeError(`${this.context.name}: ${prefix.address} is already configured`);
    }
    iface.addAddress(prefix);
    this.localAddresses.add(address);
    const installedAt = this.now;
    this.routes.add(
      makeRoute({
        prefix: prefix.networkPrefix.toString(),
        protocol: "connected",
        interface: iface.name,
        installedAt,
      }),
    );
    if (prefix.length < 32) {
      this.routes.add(
        makeRoute({ prefix: `${prefix.address}/32`, protocol: "local", interface: iface.name, installedAt }),
      );
    }
  }

  /** Removes an address and its routes (unless another address still needs the subnet). */
  removeAddress(iface: NetInterface, address: Ipv4Address): boolean {
    const prefix = iface.addresses.find((p) => p.address.value === address.value);
    if (!prefix || !iface.removeAddress(address.value)) return false;
    this.localAddresses.delete(address.value);
    this.routes.remove(new Ipv4Prefix(address, 32), "local");
    const network = prefix.networkPrefix;
    const stillUsed = iface.addresses.some((p) => p.length === network.length && network.contains(p.address));
    if (!stillUsed) this.routes.remove(network, "connected");
    return true;
  }

  /**
   * Adds a static route `prefix` via `gateway` (resolved to the interface whose subnet holds it),
   * or out of `iface` directly. `distance` makes a floating static (default 1).
   */
  addStaticRoute(
    prefix: string,
    gateway: string | undefined,
    options: { iface?: string; distance?: number; metric?: number } = {},
  ): Route {
    let ifaceName = options.iface;
    if (gateway !== undefined && ifaceName === undefined) {
      const via = Ipv4Address.parse(gateway).value;
      const onLink = this.interfaceList.find((i) => i.isOnLink(via));
      if (!onLink) {
        throw new RangeError(
          `${this.context.name}: gateway ${gateway} is not on any connected subnet (Nexthop has invalid gateway)`,
        );
      }
      ifaceName = onLink.name;
    }
    if (ifaceName === undefined) throw new RangeError("a static route needs a gateway or an interface");
    if (!this.byName.has(ifaceName))
      throw new RangeError(`${this.context.name} has no interface ${ifaceName}`);
    return this.routes.add(
      makeRoute({
        prefix,
        protocol: "static",
        interface: ifaceName,
        ...(gateway !== undefined ? { via: gateway } : {}),
        ...(options.distance !== undefined ? { distance: options.distance } : {}),
        ...(options.metric !== undefined ? { metric: options.metric } : {}),
        installedAt: this.now,
      }),
    );
  }

  /**
   * Joins a multicast group (RIP's 224.0.0.9, OSPF's 224.0.0.5...): its datagrams are delivered.
   * Joins are counted, so the group is left when its last member leaves. (No IGMP is sent: the
   * emulated switches flood multicast.)
   */
  joinGroup(group: IpAddress): void {
    if (group.version !== 4 || group.value >>> 28 !== 0xe)
      throw new RangeError(`${group} is not an IPv4 multicast group`);
    this.groups ??= new Map();
    this.groups.set(group.value, (this.groups.get(group.value) ?? 0) + 1);
  }

  leaveGroup(group: IpAddress): void {
    if (group.version !== 4) return;
    const members = this.groups?.get(group.value);
    if (members === undefined) return;
    if (members <= 1) this.groups!.delete(group.value);
    else this.groups!.set(group.value, members - 1);
  }

  /** Whether this node is a member of `group`. */
  isMember(group: number): boolean {
    return group === ALL_SYSTEMS || (this.groups?.has(group) ?? false);
  }

  /**
   * Installs a packet hook (NAT, a firewall) at the places it implements (see hooks.ts). From then
   * on, fragments are reassembled on arrival so hooks always see whole datagrams.
   */
  addHook(hook: Ipv4Hook): void {
    this.hooks ??= new HookChain();
    this.hooks.add(hook);
  }

  removeHook(hook: Ipv4Hook): boolean {
    const removed = this.hooks?.remove(hook) ?? false;
    if (this.hooks?.size === 0) this.hooks = undefined;
    return removed;
  }

  // ---------------------------------------------------------------------------------------------
  // NetworkLayer (what transports see)

  register(protocol: TransportProtocol): void {
    this.transports ??= [];
    if (this.transports[protocol.protocol] && protocol.protocol !== IpProtocol.ICMP) {
      throw new RangeError(`${this.context.name}: protocol ${protocol.protocol} is already registered`);
    }
    this.transports[protocol.protocol] = protocol;
  }

  /** Detaches a transport (a routing protocol that stops); true when it was the one registered. */
  unregister(protocol: TransportProtocol): boolean {
    if (this.transports?.[protocol.protocol] !== protocol) return false;
    this.transports[protocol.protocol] = undefined;
    return true;
  }

  /**
   * Registers a transport that is created only when first needed (a datagram for it arrives, or an
   * error quoting it): every node "has" UDP and answers port unreachable, but an idle node pays
   * nothing for it.
   */
  registerLazy(protocol: number, create: () => TransportProtocol): void {
    this.factories ??= [];
    this.factories[protocol] = create;
  }

  /** The transport registered for `protocol`, if any (creating a lazily registered one). */
  transportFor(protocol: number): TransportProtocol | undefined {
    const transport = this.transports?.[protocol];
    if (transport) return transport;
    const create = this.factories?.[protocol];
    if (!create) return undefined;
    this.factories![protocol] = undefined;
    const created = create();
    if (this.transports?.[protocol] !== created) this.register(created);
    return created;
  }

  isLocalAddress(address: IpAddress): boolean {
    if (address.version !== 4) return false;
    return this.localAddresses.has(address.value) || address.value >>> 24 === 127;
  }

  /** Whether `address` is the limited broadcast or a directed broadcast of one of our subnets. */
  isBroadcastAddress(address: number): boolean {
    if (address === LIMITED_BROADCAST) return true;
    for (const iface of this.interfaceList) if (iface.isDirectedBroadcast(address)) return true;
    return false;
  }

  sourceFor(dst: IpAddress): IpAddress | undefined {
    if (dst.version !== 4) return undefined;
    const value = dst.value;
    if (this.localAddresses.has(value)) return dst;
    if (value >>> 24 === 127) return new Ipv4Address(0x7f000001);
    const out = this.outputInterface(value);
    if (!out) return undefined;
    // RFC 1122 §3.3.4.3: an address of the interface the datagram will leave by (any of ours if
    // that interface has none, as the weak host model allows).
    return out.iface.sourceFor(out.nextHop)?.address ?? this.anyAddress();
  }

  pathMtu(dst: IpAddress): number {
    if (dst.version !== 4) return 1280;
    const value = dst.value;
    if (this.localAddresses.has(value) || value >>> 24 === 127) return 65535;
    const out = this.outputInterface(value);
    const mtu = out?.iface.mtu ?? 1500;
    const learned = this.learnedMtu(value);
    return learned !== undefined && learned < mtu ? learned : mtu;
  }

  /**
   * Sends a datagram for a local transport: route it, choose the source address (RFC 1122
   * §3.3.4.3), build the header, and fragment it if it is too big and DF is clear.
   */
  send(datagram: DatagramToSend): SendError | undefined {
    const counters = this.counters;
    counters.outRequests++;
    if (datagram.dst.version !== 4 || (datagram.src && datagram.src.version !== 4)) {
      counters.outNoRoutes++;
      return "no-route";
    }
    const dst = datagram.dst.value;
    const total = IPV4_MIN_HEADER_LENGTH + datagram.payload.length;
    if (total > 65535) {
      counters.outDiscards++;
      return "message-too-big";
    }

    // Datagrams to ourselves go round the loopback, never onto a link.
    if (this.localAddresses.has(dst) || dst >>> 24 === 127) {
      const src = datagram.src?.value ?? (dst >>> 24 === 127 ? 0x7f000001 : dst);
      const frame = this.buildDatagram(datagram, src, dst, total);
      this.context.scheduler.after(0, () => this.loopbackInput(frame));
      return undefined;
    }

    let iface: NetInterface | undefined;
    let nextHop = dst;
    if (datagram.iface !== undefined) {
      iface = this.byName.get(datagram.iface);
      if (!iface) {
        counters.outNoRoutes++;
        return "no-route";
      }
      // A broadcast or multicast is delivered on the link itself (RFC 1122 §3.3.6, RFC 1112 §6.4):
      // its next hop is the destination, never the gateway of the route that matches it (the
      // default route matches 255.255.255.255). outputInterface makes the same choice.
      if (!isLinkDestination(iface, dst)) {
        const route = this.routes.lookup(dst);
        const hop = route?.nextHops.find((h) => h.interface === iface!.name);
        if (hop?.via) nextHop = hop.via.value;
      }
    } else {
      const out = this.outputInterface(dst, datagram.payload, datagram.protocol, true);
      if (!out) {
        counters.outNoRoutes++;
        this.traceRoute(dst, undefined);
        return "no-route";
      }
      iface = out.iface;
      nextHop = out.nextHop;
    }
    if (!iface.isUp) {
      counters.outDiscards++;
      return "interface-down";
    }
    const src = datagram.src?.value ?? iface.sourceFor(nextHop)?.address.value ?? this.anyAddress()?.value;
    if (src === undefined) {
      counters.outDiscards++;
      return "no-source-address";
    }
    let mtu = iface.mtu;
    const learned = this.learnedMtu(dst);
    if (learned !== undefined && learned < mtu) mtu = learned;
    if (total > mtu && datagram.dontFragment) {
      // RFC 1191 §3: a DF datagram bigger than the path MTU is refused locally (EMSGSIZE).
      counters.fragFails++;
      return "message-too-big";
    }
    const frame = this.buildDatagram(datagram, src, dst, total);
    const hooks = this.hooks;
    if (hooks !== undefined) {
      if (hooks.output && hooks.runOutput(frame, ETHERNET_HEADER_LENGTH, iface) !== Verdict.Accept) {
        counters.outDiscards++;
        return "filtered";
      }
      if (
        hooks.postrouting &&
        hooks.runPostrouting(frame, ETHERNET_HEADER_LENGTH, undefined, iface) !== Verdict.Accept
      ) {
        counters.outDiscards++;
        return "filtered";
      }
    }
    if (total <= mtu) {
      return iface.sendIpv4(frame, ETHERNET_HEADER_LENGTH, total, nextHop)
        ? undefined
        : this.outputFailed(iface);
    }
    const fragments = fragmentDatagram(frame.subarray(ETHERNET_HEADER_LENGTH), mtu);
    if (!fragments) {
      counters.fragFails++;
      return "message-too-big";
    }
    counters.fragOKs++;
    counters.fragCreates += fragments.length;
    for (const fragment of fragments) {
      if (
        !iface.sendIpv4(fragment, ETHERNET_HEADER_LENGTH, fragment.length - ETHERNET_HEADER_LENGTH, nextHop)
      ) {
        return this.outputFailed(iface);
      }
    }
    return undefined;
  }

  private outputFailed(iface: NetInterface): SendError {
    this.counters.outDiscards++;
    return iface.isUp ? "queue-full" : "interface-down";
  }

  /** Builds a datagram with 14 octets of headroom for the Ethernet header. */
  private buildDatagram(datagram: DatagramToSend, src: number, dst: number, total: number): Uint8Array {
    const frame = allocateFrame(ETHERNET_HEADER_LENGTH + total);
    // The header is written in place after the headroom (no view of its own: this runs per packet).
    const at = ETHERNET_HEADER_LENGTH;
    frame[at + Ipv4Field.VERSION_IHL] = 0x45;
    frame[at + Ipv4Field.DSCP_ECN] = datagram.tos ?? 0;
    frame[at + Ipv4Field.TOTAL_LENGTH] = total >>> 8;
    frame[at + Ipv4Field.TOTAL_LENGTH + 1] = total & 0xff;
    const id = this.nextIdentification();
    frame[at + Ipv4Field.IDENTIFICATION] = id >>> 8;
    frame[at + Ipv4Field.IDENTIFICATION + 1] = id & 0xff;
    frame[at + Ipv4Field.FLAGS_FRAGMENT_OFFSET] = datagram.dontFragment ? DONT_FRAGMENT >>> 8 : 0;
    frame[at + Ipv4Field.TTL] = datagram.ttl ?? this.defaultTtl;
    frame[at + Ipv4Field.PROTOCOL] = datagram.protocol;
    write32(frame, at + Ipv4Field.SOURCE, src);
    write32(frame, at + Ipv4Field.DESTINATION, dst);
    const checksum = internetChecksum(frame, at, at + IPV4_MIN_HEADER_LENGTH);
    frame[at + Ipv4Field.CHECKSUM] = checksum >>> 8;
    frame[at + Ipv4Field.CHECKSUM + 1] = checksum & 0xff;
    frame.set(datagram.payload, at + IPV4_MIN_HEADER_LENGTH);
    return frame;
  }

  /**
   * RFC 791's Identification: unique per (src, dst, protocol) while the datagram may live. One
   * counter per node, starting at a seeded random value, is enough (RFC 6864 §4.1 allows it).
   */
  private nextIdentification(): number {
    if (this.identification < 0) this.identification = this.random.int(0x10000);
    const id = this.identification;
    this.identification = (id + 1) & 0xffff;
    return id;
  }

  /** The interface and next hop toward `dst`, by longest prefix match (ECMP by flow hash). */
  private outputInterface(
    dst: number,
    payload?: Uint8Array,
    protocol?: number,
    trace = false,
  ): { iface: NetInterface; nextHop: number } | undefined {
    const route = this.routes.lookup(dst);
    if (!route) {
      if (dst === LIMITED_BROADCAST) {
        // No route matches 255.255.255.255: use the only (or first) interface with an address.
        const iface = this.interfaceList.find((i) => i.addresses.length > 0 && i.isUp);
        return iface ? { iface, nextHop: dst } : undefined;
      }
      return undefined;
    }
    const hop =
      route.nextHops.length === 1
        ? route.nextHops[0]
        : chooseNextHop(route, payload ? transportFlowHash(0, dst, protocol ?? 0, payload) : dst);
    const iface = this.byName.get(hop.interface);
    if (!iface) return undefined;
    const nextHop = dst === LIMITED_BROADCAST || dst >>> 28 === 0xe ? dst : (hop.via?.value ?? dst);
    if (trace && this.context.tracer.enabled) this.traceRoute(dst, route, nextHop, iface.name);
    return { iface, nextHop };
  }

  private anyAddress(): Ipv4Address | undefined {
    for (const iface of this.interfaceList) if (iface.addresses.length > 0) return iface.addresses[0].address;
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /** An IPv4 packet arrived on `iface` (the header at `frame[offset]`). Never throws. */
  ipv4Input(iface: NetInterface, frame: Uint8Array, offset: number, linkBroadcast: boolean): void {
    // (frame, offset and total are reassigned when hooks reassemble or copy the datagram.)
    const counters = this.counters;
    counters.inReceives++;
    const available = frame.length - offset;
    // RFC 1122 §3.2.1.1-3.2.1.2, RFC 1812 §5.2.2: the checks every received datagram must pass.
    if (available < IPV4_MIN_HEADER_LENGTH) {
      this.inputDrop(iface, frame, "truncated", true);
      return;
    }
    const versionIhl = frame[offset];
    if (versionIhl >>> 4 !== 4) {
      this.inputDrop(iface, frame, "bad-version");
      return;
    }
    const headerLength = (versionIhl & 0x0f) << 2;
    if (headerLength < IPV4_MIN_HEADER_LENGTH || headerLength > available) {
      this.inputDrop(iface, frame, "bad-header-length");
      return;
    }
    let total = (frame[offset + 2] << 8) | frame[offset + 3];
    if (total < headerLength) {
      this.inputDrop(iface, frame, "bad-total-length");
      return;
    }
    if (total > available) {
      this.inputDrop(iface, frame, "truncated", true);
      return;
    }
    if (internetChecksum(frame, offset, offset + headerLength) !== 0) {
      this.inputDrop(iface, frame, "bad-checksum");
      return;
    }
    if (
      headerLength > IPV4_MIN_HEADER_LENGTH &&
      !this.optionsAcceptable(iface, frame, offset, total, headerLength, linkBroadcast)
    ) {
      return;
    }

    const src = read32(frame, offset + Ipv4Field.SOURCE);
    let dst = read32(frame, offset + Ipv4Field.DESTINATION);
    // RFC 1812 §5.3.7 / RFC 1122 §3.2.1.3: martian sources are not accepted from a link.
    if (
      src === LIMITED_BROADCAST ||
      src >>> 28 === 0xe ||
      src >>> 24 === 127 ||
      this.localAddresses.has(src)
    ) {
      counters.inAddrErrors++;
      this.traceInputDrop(iface, frame, "martian-source");
      return;
    }

    const hooks = this.hooks;
    let owned = false;
    if (hooks !== undefined) {
      // Hooks see whole datagrams (hooks.ts): reassemble first, into a frame we own.
      if ((((frame[offset + 6] << 8) | frame[offset + 7]) & (MORE_FRAGMENTS | OFFSET_MASK)) !== 0) {
        const whole = this.defragment(iface, frame, offset, total, headerLength, src, dst);
        if (!whole) return;
        frame = whole;
        offset = ETHERNET_HEADER_LENGTH;
        total = frame.length - offset;
        owned = true;
      }
      if (hooks.prerouting) {
        // PREROUTING may rewrite (destination NAT): it gets a copy, which forwarding then keeps.
        if (!owned) frame = copyFrame(frame, 0, offset + total);
        owned = true;
        if (hooks.runPrerouting(frame, offset, iface) !== Verdict.Accept) return;
        dst = read32(frame, offset + Ipv4Field.DESTINATION);
      }
    }

    let local = false;
    let broadcast = false;
    if (this.localAddresses.has(dst)) local = true;
    else if (dst === LIMITED_BROADCAST || iface.isDirectedBroadcast(dst)) local = broadcast = true;
    else if (dst >>> 28 === 0xe) {
      // Multicast: ours when all-systems or a group we joined; routers do not forward it.
      if (!this.isMember(dst)) {
        counters.inAddrErrors++;
        this.traceInputDrop(iface, frame, "multicast-not-joined");
        return;
      }
      local = broadcast = true;
    }

    if (local) {
      if (hooks?.input && hooks.runInput(frame, offset, iface) !== Verdict.Accept) return;
      this.localInput(iface, frame, offset, total, headerLength, broadcast, linkBroadcast);
      return;
    }
    if (!this.forwarding) {
      // RFC 1122 §3.3.4.2 (hosts silently discard datagrams not addressed to them).
      counters.inAddrErrors++;
      this.traceInputDrop(iface, frame, "not-for-us");
      return;
    }
    if (linkBroadcast) {
      // RFC 1812 §5.3.4: a datagram that came in a link-layer broadcast is not forwarded.
      counters.inAddrErrors++;
      this.traceInputDrop(iface, frame, "link-broadcast");
      return;
    }
    if (src === 0) {
      counters.inAddrErrors++;
      this.traceInputDrop(iface, frame, "martian-source");
      return;
    }
    this.forward(iface, frame, offset, total, headerLength, dst, owned);
  }

  /** Datagrams we sent to ourselves, after the loopback's "link". */
  private loopbackInput(frame: Uint8Array): void {
    this.counters.inReceives++;
    const total = frame.length - ETHERNET_HEADER_LENGTH;
    this.localInput(undefined, frame, ETHERNET_HEADER_LENGTH, total, IPV4_MIN_HEADER_LENGTH, false, false);
  }

  /**
   * Checks the options (RFC 1122 §3.2.1.8, RFC 1812 §5.2.4.1): malformed ones earn a Parameter
   * Problem pointing at the bad octet; source-routed datagrams are dropped (RFC 7126 §4.3-4.4
   * recommends it, as Linux's accept_source_route=0 does).
   */
  private optionsAcceptable(
    iface: NetInterface,
    frame: Uint8Array,
    offset: number,
    total: number,
    headerLength: number,
    linkBroadcast: boolean,
  ): boolean {
    const options = parseIpv4Options(frame.subarray(offset + IPV4_MIN_HEADER_LENGTH, offset + headerLength));
    if (isParseError(options)) {
      this.inputDrop(iface, frame, "bad-options");
      this.icmp.sendError(
        Icmpv4Type.ParameterProblem,
        ParameterProblemCode.Pointer,
        frame.subarray(offset, offset + total),
        {
          arrivedOn: iface,
          linkBroadcast,
          pointer: options.offset,
        },
      );
      return false;
    }
    for (const option of options) {
      if (
        option.type === Ipv4OptionType.LooseSourceRoute ||
        option.type === Ipv4OptionType.StrictSourceRoute
      ) {
        this.counters.inDiscards++;
        this.traceInputDrop(iface, frame, "source-routed");
        return false;
      }
    }
    return true;
  }

  private inputDrop(iface: NetInterface, frame: Uint8Array, reason: string, truncated = false): void {
    if (truncated) this.counters.inTruncatedPkts++;
    else this.counters.inHdrErrors++;
    this.traceInputDrop(iface, frame, reason);
  }

  private traceInputDrop(
    iface: NetInterface | undefined,
    frame: Uint8Array | undefined,
    reason: string,
  ): void {
    this.counters.drops.count(reason);
    this.traceDrop("ipv4", reason, iface?.name, frame);
  }

  /** For us: reassemble if it is a fragment, then hand it to its transport. */
  private localInput(
    iface: NetInterface | undefined,
    frame: Uint8Array,
    offset: number,
    total: number,
    headerLength: number,
    broadcast: boolean,
    linkBroadcast: boolean,
  ): void {
    const flags = (frame[offset + 6] << 8) | frame[offset + 7];
    let header = frame.subarray(offset, offset + headerLength);
    let payload = frame.subarray(offset + headerLength, offset + total);
    if ((flags & (MORE_FRAGMENTS | OFFSET_MASK)) !== 0) {
      const whole = this.fragmentReassembler(iface).add({
        src: read32(header, Ipv4Field.SOURCE),
        dst: read32(header, Ipv4Field.DESTINATION),
        protocol: header[Ipv4Field.PROTOCOL],
        identification: (header[4] << 8) | header[5],
        offset: (flags & OFFSET_MASK) << 3,
        moreFragments: (flags & MORE_FRAGMENTS) !== 0,
        header,
        data: payload,
      });
      if (!whole) return;
      header = whole.header;
      payload = whole.data;
    }
    this.deliver(iface, header, payload, broadcast, linkBroadcast);
  }

  /**
   * The reassembly queue. RFC 792 and RFC 1122 §3.3.2: Time Exceeded (code 1) comes from the
   * destination that gave up, so only for datagrams addressed to us (not for those reassembled
   * before forwarding, as Linux's conntrack defragmentation stays silent too).
   */
  private fragmentReassembler(iface: NetInterface | undefined): Reassembler {
    this.reassembler ??= new Reassembler(
      this.context.scheduler,
      this.counters,
      {
        timeExceeded: (quote) => {
          const dst = read32(quote, Ipv4Field.DESTINATION);
          if (!this.localAddresses.has(dst) && !this.isBroadcastAddress(dst)) return;
          this.icmp.sendError(Icmpv4Type.TimeExceeded, TimeExceededCode.FragmentReassembly, quote);
        },
        dropped: (reason) => this.traceDrop("ipv4", reason, iface?.name),
      },
      this.reassemblyOptions,
    );
    return this.reassembler;
  }

  /**
   * With hooks installed, a fragment is reassembled before PREROUTING (hooks.ts). Returns the whole
   * datagram in a new frame (with Ethernet headroom, MF and offset cleared, DF kept), or undefined
   * while fragments are missing.
   */
  private defragment(
    iface: NetInterface,
    frame: Uint8Array,
    offset: number,
    total: number,
    headerLength: number,
    src: number,
    dst: number,
  ): Uint8Array | undefined {
    const flags = (frame[offset + 6] << 8) | frame[offset + 7];
    const whole = this.fragmentReassembler(iface).add({
      src,
      dst,
      protocol: frame[offset + Ipv4Field.PROTOCOL],
      identification: (frame[offset + 4] << 8) | frame[offset + 5],
      offset: (flags & OFFSET_MASK) << 3,
      moreFragments: (flags & MORE_FRAGMENTS) !== 0,
      header: frame.subarray(offset, offset + headerLength),
      data: frame.subarray(offset + headerLength, offset + total),
    });
    if (!whole) return undefined;
    const length = whole.header.length + whole.data.length;
    const out = allocateFrame(ETHERNET_HEADER_LENGTH + length);
    const ip = out.subarray(ETHERNET_HEADER_LENGTH);
    ip.set(whole.header);
    ip.set(whole.data, whole.header.length);
    ip[Ipv4Field.TOTAL_LENGTH] = length >>> 8;
    ip[Ipv4Field.TOTAL_LENGTH + 1] = length & 0xff;
    ip[Ipv4Field.FLAGS_FRAGMENT_OFFSET] &= DONT_FRAGMENT >>> 8;
    ip[Ipv4Field.FLAGS_FRAGMENT_OFFSET + 1] = 0;
    ip[Ipv4Field.CHECKSUM] = 0;
    ip[Ipv4Field.CHECKSUM + 1] = 0;
    const checksum = internetChecksum(ip, 0, whole.header.length);
    ip[Ipv4Field.CHECKSUM] = checksum >>> 8;
    ip[Ipv4Field.CHECKSUM + 1] = checksum & 0xff;
    return out;
  }

  private deliver(
    iface: NetInterface | undefined,
    header: Uint8Array,
    payload: Uint8Array,
    broadcast: boolean,
    linkBroadcast: boolean,
  ): void {
    const protocol = header[Ipv4Field.PROTOCOL];
    const transport = this.transportFor(protocol);
    // Addresses are immutable: a flow's packets share the objects of the one before.
    const srcValue = read32(header, Ipv4Field.SOURCE);
    const dstValue = read32(header, Ipv4Field.DESTINATION);
    if (this.lastSource.value !== srcValue) this.lastSource = new Ipv4Address(srcValue);
    if (this.lastDestination.value !== dstValue) this.lastDestination = new Ipv4Address(dstValue);
    const src = this.lastSource;
    const dst = this.lastDestination;
    if (!transport) {
      // RFC 1122 §3.2.2.1: protocol unreachable, from hosts (routers may too).
      this.counters.inUnknownProtos++;
      this.traceInputDrop(iface, undefined, "unknown-protocol");
      if (!broadcast) {
        this.icmp.sendError(
          Icmpv4Type.DestinationUnreachable,
          UnreachableCode.ProtocolUnreachable,
          quoteOf(header, payload),
          iface ? { arrivedOn: iface, linkBroadcast } : {},
        );
      }
      return;
    }
    this.counters.inDelivers++;
    const tracer = this.context.tracer;
    if (tracer.enabled) {
      tracer.emit({
        type: "delivered",
        time: this.now,
        node: this.context.name,
        protocol: ipProtocolName(protocol),
        src: src.toString(),
        dst: dst.toString(),
        length: payload.length,
      });
    }
    const datagram: ReceivedDatagram = {
      src,
      dst,
      protocol,
      payload,
      ttl: header[Ipv4Field.TTL],
      tos: header[Ipv4Field.DSCP_ECN],
      iface: iface?.name ?? "lo",
      broadcast,
    };
    this.deliveringHeader = header;
    this.deliveringPayload = payload;
    try {
      transport.receive(datagram);
    } finally {
      this.deliveringHeader = this.deliveringPayload = undefined;
    }
  }

  /**
   * For transports that find no listener (UDP, RFC 1122 §4.1.3.1): ICMP port unreachable about
   * the datagram they were handed, quoting its header (rebuilt) and data.
   */
  sendPortUnreachable(datagram: ReceivedDatagram): boolean {
    if (datagram.broadcast || datagram.src.version !== 4 || datagram.dst.version !== 4) return false;
    const iface = this.byName.get(datagram.iface);
    const detail = iface ? { arrivedOn: iface } : {};
    if (this.deliveringHeader !== undefined && this.deliveringPayload === datagram.payload) {
      // Called while the datagram is being delivered: quote its header exactly as it came.
      const quote = quoteOf(this.deliveringHeader, datagram.payload);
      return this.icmp.sendError(
        Icmpv4Type.DestinationUnreachable,
        UnreachableCode.PortUnreachable,
        quote,
        detail,
      );
    }
    const header = new Uint8Array(IPV4_MIN_HEADER_LENGTH);
    header[0] = 0x45;
    const total = IPV4_MIN_HEADER_LENGTH + datagram.payload.length;
    header[2] = (total >>> 8) & 0xff;
    header[3] = total & 0xff;
    header[Ipv4Field.TTL] = datagram.ttl;
    header[Ipv4Field.PROTOCOL] = datagram.protocol;
    header[Ipv4Field.DSCP_ECN] = datagram.tos;
    write32(header, Ipv4Field.SOURCE, datagram.src.value);
    write32(header, Ipv4Field.DESTINATION, datagram.dst.value);
    const checksum = internetChecksum(header);
    header[10] = checksum >>> 8;
    header[11] = checksum & 0xff;
    return this.icmp.sendError(
      Icmpv4Type.DestinationUnreachable,
      UnreachableCode.PortUnreachable,
      quoteOf(header, datagram.payload),
      detail,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Forwarding (RFC 1812 §5.2-5.3)

  private forward(
    inIface: NetInterface,
    frame: Uint8Array,
    offset: number,
    total: number,
    headerLength: number,
    dst: number,
    owned: boolean,
  ): void {
    const counters = this.counters;
    const tracer = this.context.tracer;
    // RFC 1812 §5.2.4.3: longest prefix match.
    const route = this.routes.lookup(dst);
    if (!route) {
      counters.outNoRoutes++;
      if (tracer.enabled) this.traceRoute(dst, undefined);
      this.traceInputDrop(inIface, frame, "no-route");
      this.icmp.sendError(
        Icmpv4Type.DestinationUnreachable,
        UnreachableCode.NetUnreachable,
        frame.subarray(offset, offset + total),
        {
          arrivedOn: inIface,
        },
      );
      return;
    }
    // RFC 1812 §5.3.1: a datagram whose TTL would reach zero is discarded with Time Exceeded.
    const ttl = frame[offset + Ipv4Field.TTL];
    if (ttl <= 1) {
      counters.inHdrErrors++;
      this.traceInputDrop(inIface, frame, "ttl-exceeded");
      this.icmp.sendError(
        Icmpv4Type.TimeExceeded,
        TimeExceededCode.TtlExceeded,
        frame.subarray(offset, offset + total),
        {
          arrivedOn: inIface,
        },
      );
      return;
    }
    const hop =
      route.nextHops.length === 1
        ? route.nextHops[0]
        : chooseNextHop(route, packetFlowHash(frame, offset, headerLength, total));
    const outIface = this.byName.get(hop.interface);
    if (!outIface?.isUp) {
      counters.outDiscards++;
      this.traceInputDrop(inIface, frame, "interface-down");
      this.icmp.sendError(
        Icmpv4Type.DestinationUnreachable,
        UnreachableCode.NetUnreachable,
        frame.subarray(offset, offset + total),
        {
          arrivedOn: inIface,
        },
      );
      return;
    }
    // RFC 2644 / RFC 1812 §5.3.5.2: directed broadcasts are not forwarded by default.
    if (!this.forwardDirectedBroadcasts && outIface.isDirectedBroadcast(dst)) {
      counters.inAddrErrors++;
      this.traceInputDrop(inIface, frame, "directed-broadcast");
      return;
    }
    const nextHop = hop.via?.value ?? dst;
    if (tracer.enabled) this.traceRoute(dst, route, nextHop, outIface.name);
    const hooks = this.hooks;
    if (hooks?.forward && hooks.runForward(frame, offset, inIface, outIface) !== Verdict.Accept) return;
    // Received frames are read-only (a switch floods one buffer to every port; traces keep it):
    // the forwarded datagram is a copy, with the headroom for the new Ethernet header.
    if (!owned) frame = copyFrame(frame, 0, offset + total);

    // TTL - 1 with an incremental checksum update (RFC 1624), then the options a router writes.
    const newTtl = ttl - 1;
    const oldWord = (ttl << 8) | frame[offset + Ipv4Field.PROTOCOL];
    frame[offset + Ipv4Field.TTL] = newTtl;
    updateHeaderChecksum(frame, offset, oldWord, oldWord - 0x100);
    if (headerLength > IPV4_MIN_HEADER_LENGTH) recordRoute(frame, offset, headerLength, outIface);

    const mtu = outIface.mtu;
    if (total > mtu) {
      const flags = (frame[offset + 6] << 8) | frame[offset + 7];
      if ((flags & DONT_FRAGMENT) !== 0) {
        // RFC 1191 §4: "fragmentation needed and DF set", with the next-hop MTU. The quote is of
        // the datagram as it arrived, so undo our TTL change for it.
        counters.fragFails++;
        this.traceInputDrop(inIface, frame, "fragmentation-needed");
        const quote = frame.slice(offset, offset + Math.min(total, 576));
        quote[Ipv4Field.TTL] = ttl;
        updateHeaderChecksum(quote, 0, oldWord - 0x100, oldWord);
        this.icmp.sendError(Icmpv4Type.DestinationUnreachable, UnreachableCode.FragmentationNeeded, quote, {
          arrivedOn: inIface,
          mtu,
        });
        return;
      }
    }
    // POSTROUTING (source NAT) after the checks that quote the datagram as it arrived.
    if (hooks?.postrouting && hooks.runPostrouting(frame, offset, inIface, outIface) !== Verdict.Accept) {
      return;
    }
    if (total > mtu) {
      const fragments = fragmentDatagram(frame.subarray(offset, offset + total), mtu);
      if (!fragments) {
        counters.fragFails++;
        this.traceInputDrop(inIface, frame, "mtu-too-small");
        return;
      }
      counters.forwDatagrams++;
      counters.fragOKs++;
      counters.fragCreates += fragments.length;
      if (tracer.enabled) this.traceForward(inIface, outIface, dst, newTtl);
      for (const fragment of fragments) {
        outIface.sendIpv4(
          fragment,
          ETHERNET_HEADER_LENGTH,
          fragment.length - ETHERNET_HEADER_LENGTH,
          nextHop,
        );
      }
      return;
    }
    counters.forwDatagrams++;
    if (tracer.enabled) this.traceForward(inIface, outIface, dst, newTtl);
    if (!outIface.sendIpv4(frame, offset, total, nextHop)) counters.outDiscards++;
  }

  // ---------------------------------------------------------------------------------------------
  // Path MTU discovery (RFC 1191)

  /**
   * Records a "fragmentation needed" report for `dst` and returns the path MTU now believed.
   * `reported` is the next-hop MTU from the message (0 from pre-RFC 1191 routers: then the
   * plateau below the rejected datagram's length is used, RFC 1191 §5).
   */
  learnPathMtu(dst: number, reported: number, rejectedLength: number): number {
    let mtu = reported;
    if (mtu === 0 || mtu >= rejectedLength) {
      mtu = MTU_PLATEAUS.find((p) => p < rejectedLength) ?? MIN_MTU;
    }
    if (mtu < MIN_MTU) mtu = MIN_MTU;
    const current = this.pathMtu(new Ipv4Address(dst));
    if (mtu >= current) return current;
    this.pmtu ??= new Map();
    if (!this.pmtu.has(dst) && this.pmtu.size >= MAX_PMTU_ENTRIES) {
      const oldest = this.pmtu.keys().next().value;
      if (oldest !== undefined) this.pmtu.delete(oldest);
    }
    this.pmtu.set(dst, { mtu, expires: this.now + PMTU_EXPIRES });
    return mtu;
  }

  private learnedMtu(dst: number): number | undefined {
    const entry = this.pmtu?.get(dst);
    if (!entry) return undefined;
    if (entry.expires <= this.now) {
      this.pmtu!.delete(dst);
      return undefined;
    }
    return entry.mtu;
  }

  // ---------------------------------------------------------------------------------------------
  // InterfaceOwner: ARP and neighbour failures

  arpInput(iface: NetInterface, frame: Uint8Array, offset: number): void {
    arp.arpInput(iface, frame, offset);
  }

  arpRequest(iface: NetInterface, target: number, unicastMac: number | undefined): void {
    arp.sendArpRequest(iface, target, unicastMac);
  }

  announce(iface: NetInterface): void {
    arp.announce(iface);
  }

  /**
   * Addresses this node answers ARP for without owning them (RFC 1027 proxy ARP): a NAT's pool
   * addresses on its outside link. Set by the feature that needs it.
   */
  proxyArp: ((iface: NetInterface, address: number) => boolean) | undefined;

  answersArpFor(iface: NetInterface, address: number): boolean {
    return this.proxyArp?.(iface, address) ?? false;
  }

  /**
   * ARP gave up on the next hop of a queued datagram: RFC 1122 §2.3.2.2 and RFC 1812 §5.2.7.1 —
   * host unreachable to its source (to ourselves when we sent it, as Linux does, so ping prints
   * "Destination Host Unreachable" from our own address).
   */
  neighborUnreachable(_iface: NetInterface, frame: Uint8Array, offset: number): void {
    this.counters.outDiscards++;
    const total = (frame[offset + 2] << 8) | frame[offset + 3];
    const packet = frame.subarray(offset, Math.min(frame.length, offset + total));
    // The error comes from our address toward the source (not from the interface where ARP failed).
    this.icmp.sendError(Icmpv4Type.DestinationUnreachable, UnreachableCode.HostUnreachable, packet);
  }

  // ---------------------------------------------------------------------------------------------
  // Trace

  /** Emits a drop event for this node (when someone listens). */
  traceDrop(layer: string, reason: string, iface?: string, frame?: Uint8Array): void {
    const tracer = this.context.tracer;
    if (!tracer.enabled) return;
    const event: TraceEvent = { type: "drop", time: this.now, node: this.context.name, layer, reason };
    if (iface !== undefined) event.iface = iface;
    if (frame !== undefined) event.frame = frame;
    tracer.emit(event);
  }

  private traceRoute(dst: number, route: Route | undefined, via?: number, iface?: string): void {
    const tracer = this.context.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "route-lookup",
      time: this.now,
      node: this.context.name,
      destination: new Ipv4Address(dst).toString(),
      ...(route ? { prefix: route.prefix.toString() } : {}),
      ...(via !== undefined && via !== dst ? { via: new Ipv4Address(via).toString() } : {}),
      ...(iface !== undefined ? { iface } : {}),
    });
  }

  private traceForward(inIface: NetInterface, outIface: NetInterface, dst: number, ttl: number): void {
    this.context.tracer.emit({
      type: "forwarded",
      time: this.now,
      node: this.context.name,
      inIface: inIface.name,
      outIface: outIface.name,
      destination: new Ipv4Address(dst).toString(),
      ttl,
    });
  }
}

/**
 * Whether `dst` is delivered on `iface`'s link without a gateway: the limited broadcast, a
 * multicast group (224.0.0.0/4), or the directed broadcast of one of `iface`'s subnets.
 */
function isLinkDestination(iface: NetInterface, dst: number): boolean {
  return dst === LIMITED_BROADCAST || dst >>> 28 === 0xe || iface.isDirectedBroadcast(dst);
}

/** RFC 1624 eqn. 3 on the header checksum of the datagram at `offset` (one 16-bit word changed). */
function updateHeaderChecksum(bytes: Uint8Array, offset: number, oldWord: number, newWord: number): void {
  const at = offset + Ipv4Field.CHECKSUM;
  const checksum = updateChecksum16((bytes[at] << 8) | bytes[at + 1], oldWord, newWord);
  bytes[at] = checksum >>> 8;
  bytes[at + 1] = checksum & 0xff;
}

/**
 * RFC 791 "Record Route": a router with room left in the option writes the address of the
 * interface it forwards on and advances the pointer; then the header checksum is recomputed.
 */
function recordRoute(frame: Uint8Array, offset: number, headerLength: number, outIface: NetInterface): void {
  let i = offset + IPV4_MIN_HEADER_LENGTH;
  const end = offset + headerLength;
  let changed = false;
  while (i < end) {
    const type = frame[i];
    if (type === Ipv4OptionType.EndOfList) break;
    if (type === Ipv4OptionType.NoOperation) {
      i++;
      continue;
    }
    const length = frame[i + 1];
    if (length < 2 || i + length > end) break;
    if (type === Ipv4OptionType.RecordRoute) {
      const pointer = frame[i + 2];
      const address = outIface.primaryAddress?.address.value;
      if (pointer >= 4 && pointer + 3 <= length && address !== undefined) {
        write32(frame, i + pointer - 1, address);
        frame[i + 2] = pointer + 4;
        changed = true;
      }
    }
    i += length;
  }
  if (changed) {
    frame[offset + Ipv4Field.CHECKSUM] = 0;
    frame[offset + Ipv4Field.CHECKSUM + 1] = 0;
    const checksum = internetChecksum(frame, offset, end);
    frame[offset + Ipv4Field.CHECKSUM] = checksum >>> 8;
    frame[offset + Ipv4Field.CHECKSUM + 1] = checksum & 0xff;
  }
}

/** A header and data rebuilt into one datagram, for quoting in an ICMP error. */
function quoteOf(header: Uint8Array, payload: Uint8Array): Uint8Array {
  const length = Math.min(header.length + payload.length, 576);
  const quote = new Uint8Array(length);
  quote.set(header.subarray(0, Math.min(header.length, length)));
  if (length > header.length) quote.set(payload.subarray(0, length - header.length), header.length);
  return quote;
}

/**
 * The flow hash ECMP picks a next hop with (RFC 2992 §2): addresses, protocol and, for TCP and
 * UDP datagrams that are not later fragments, the ports, so all packets of one flow take one path.
 */
function packetFlowHash(frame: Uint8Array, offset: number, headerLength: number, total: number): number {
  const src = read32(frame, offset + Ipv4Field.SOURCE);
  const dst = read32(frame, offset + Ipv4Field.DESTINATION);
  const protocol = frame[offset + Ipv4Field.PROTOCOL];
  const fragmentOffset = ((frame[offset + 6] << 8) | frame[offset + 7]) & OFFSET_MASK;
  let ports = 0;
  if (
    (protocol === IpProtocol.TCP || protocol === IpProtocol.UDP) &&
    fragmentOffset === 0 &&
    total >= headerLength + 4
  ) {
    ports = read32(frame, offset + headerLength);
  }
  return mixFlow(src, dst, protocol, ports);
}

function transportFlowHash(src: number, dst: number, protocol: number, payload: Uint8Array): number {
  const ports =
    (protocol === IpProtocol.TCP || protocol === IpProtocol.UDP) && payload.length >= 4
      ? read32(payload, 0)
      : 0;
  return mixFlow(src, dst, protocol, ports);
}

/** A small avalanche mix (murmur3's finalizer) of the 5-tuple. */
function mixFlow(src: number, dst: number, protocol: number, ports: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ dst ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ ports ^ (h >>> 16), 0x85ebca6b);
  h ^= protocol;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function read32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
  );
}

function write32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}
