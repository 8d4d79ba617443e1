/**
 * The IPv6 layer of a node (RFC 8200; RFC 4861/4862 via ./neighbor-discovery.ts; RFC 4443 via
 * ./icmp6.ts): input with extension headers, local delivery, forwarding by longest prefix match,
 * output with source address selection and fragmentation at the source, reassembly, path MTU
 * discovery, and the ICMPv6 errors each step owes.
 *
 * ```
 *  interface ──▶ ipv6Input: header, Hop-by-Hop ──▶ for us? ──▶ Routing, Destination Options,
 *                                                  │ no         Fragment (reassemble) ──▶ transport
 *                                                  ▼                     (or Parameter Problem)
 *                                  forwarding? ──▶ scope ──▶ route ──▶ hop limit ──▶ MTU ──▶ NDP ──▶ link
 *                                    (host: drop)  (beyond   (no      (time       (packet   (redirect?)
 *                                                   scope)    route)   exceeded)   too big)
 *  transport ──▶ send: route, source (RFC 6724), header, fragment if needed ──▶ neighbour cache ──▶ link
 * ```
 *
 * IPv6 is enabled per interface (`enableInterface`): the interface then gets its link-local
 * address (fe80::/64 + Modified EUI-64, after duplicate address detection), joins the all-nodes
 * group (and all-routers on a router), reports its groups by MLDv2, and a host solicits routers
 * and autoconfigures from their advertisements. Nodes that never enable IPv6 send no IPv6 at all
 * (and drop IPv6 frames), so IPv4-only labs stay as quiet as before.
 *
 * Differences from IPv4 that shape the code: no header checksum; routers never fragment (Packet
 * Too Big instead, RFC 8200 §5); the minimum MTU is 1280; link-local addresses need the interface
 * to be known (RFC 4007 zones); ARP's job is done by ICMPv6 (Neighbor Discovery), so resolving a
 * neighbour sends IPv6 packets.
 */
import type { SeededRandom } from "../sim/random.js";
import { type Nanoseconds, SECOND } from "../sim/time.js";
import type { TraceBase } from "../trace/events.js";
import { type IpAddress, Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import { MacAddress } from "../wire/address/mac.js";
import { ETHERNET_HEADER_LENGTH, EtherType } from "../wire/ethernet.js";
import {
  emitIcmpv6,
  ICMPV6_NEXT_HEADER,
  Icmpv6DestinationUnreachableCode,
  Icmpv6ParameterProblemCode,
  type Icmpv6Repr,
  Icmpv6TimeExceededCode,
  Icmpv6Type,
  icmpv6Length,
} from "../wire/icmpv6.js";
import { IPV6_HEADER_LENGTH, IPV6_MIN_MTU } from "../wire/ipv6.js";
import {
  IPV6_MAX_EXTENSION_HEADERS,
  Ipv6NextHeader,
  Ipv6OptionType,
  ipv6NextHeaderName,
  walkIpv6Extensions,
} from "../wire/ipv6-extensions.js";
import { readUint16, readUint32, writeUint16 } from "../wire/network-order.js";
import { isParseError } from "../wire/parse-error.js";
import { Ipv6Counters } from "./counters.js";
import { allocateFrame, copyFrame } from "./frame-pool.js";
import { Icmp6 } from "./icmp6.js";
import type { Ipv6InterfaceOwner, NetInterface, NodeContext } from "./interface.js";
import { fragmentIpv6, lastNextHeaderField } from "./ipv6-fragmentation.js";
import {
  ALL_NODES,
  ALL_ROUTERS,
  addressScope,
  commonPrefixLength,
  type Ipv6AddressOrigin,
  type Ipv6InterfaceAddress,
  Ipv6InterfaceState,
  linkLocalAddress,
  type PendingIpv6Packet,
  type RouterAdvertisementConfig,
  sameBytes16,
} from "./ipv6-interface.js";
import { Mld } from "./mld.js";
import type { NeighborCache } from "./neighbor-cache.js";
import { NeighborDiscovery } from "./neighbor-discovery.js";
import type {
  DatagramToSend,
  NetworkLayer,
  ReceivedDatagram,
  SendError,
  TransportProtocol,
} from "./network-layer.js";
import { Reassembler, type ReassemblyOptions } from "./reassembly.js";
import { chooseNextHop, type Ipv6Route, Ipv6RoutingTable, makeIpv6Route } from "./routing-table.js";

/**
 * Something that takes over forwarded packets to a prefix and sends them on in another form:
 * NAT64 (./nat64.ts) translating them to IPv4.
 */
export interface Ipv6Translator {
  /** Whether the destination of `packet` (an IPv6 packet, header first) is the translator's. */
  claims(packet: Uint8Array): boolean;
  /**
   * Translates and sends `packet` (its hop limit checked); counts and answers problems itself.
   * True when it left translated.
   */
  translate(packet: Uint8Array, inIface: NetInterface): boolean;
}

/** An address of ours changed state (tentative → preferred, duplicate, deprecated, removed). */
export interface Ipv6AddressEvent extends TraceBase {
  node: string;
  iface: string;
  address: string;
  state: string;
}

/** A host accepted a router advertisement. */
export interface RouterAdvertisementEvent extends TraceBase {
  node: string;
  iface: string;
  router: string;
  lifetime: number;
}

/** A host followed a redirect. */
export interface RedirectEvent extends TraceBase {
  node: string;
  iface: string;
  destination: string;
  target: string;
}

declare module "../trace/events.js" {
  interface TraceEventMap {
    "ipv6-address": Ipv6AddressEvent;
    "router-advertisement": RouterAdvertisementEvent;
    redirect: RedirectEvent;
  }
}

/** What the protocol modules report (the layer adds time and node). */
type Ipv6TraceEvent =
  | ({ type: "ipv6-address" } & Omit<Ipv6AddressEvent, "time" | "node">)
  | ({ type: "router-advertisement" } & Omit<RouterAdvertisementEvent, "time" | "node">)
  | ({ type: "redirect" } & Omit<RedirectEvent, "time" | "node">);

export interface Ipv6LayerOptions {
  /** Forward packets not addressed to us (a router). */
  forwarding?: boolean;
  /** Hop limit of packets we originate (default 64, Linux's). */
  hopLimit?: number;
  reassembly?: ReassemblyOptions;
  /** Duplicate address detection (RFC 4862 §5.4; default on, Linux's accept_dad). */
  dad?: boolean;
  /** Learn from router advertisements (default on; routers never do). */
  acceptRa?: boolean;
  /** Form addresses from advertised prefixes (SLAAC; default on). */
  autoconf?: boolean;
}

/** An interface-local or unicast address of ours and the interface that holds it. */
interface LocalAddress {
  bytes: Uint8Array;
  state: Ipv6InterfaceState;
  entry: Ipv6InterfaceAddress;
}

/** RFC 2464 §7: IPv6 multicast maps to 33:33 + the low 32 bits of the group. */
const MULTICAST_MAC_BASE = 0x3333_0000_0000;
/** RFC 8201 §5.3: a learned path MTU is tried higher again after 10 minutes. */
const PMTU_EXPIRES = 600 * SECOND;
const MAX_PMTU_ENTRIES = 256;
const DEFAULT_HOP_LIMIT = 64;
/** The Hop-by-Hop header of an MLD report: Router Alert "MLD" (RFC 2711) and two octets of PadN. */
const ROUTER_ALERT_HEADER = [0, 0, Ipv6OptionType.RouterAlert, 2, 0, 0, Ipv6OptionType.PadN, 0];

export class Ipv6Layer implements NetworkLayer, Ipv6InterfaceOwner {
  readonly counters = new Ipv6Counters();
  readonly routes = new Ipv6RoutingTable();
  readonly icmp: Icmp6;
  readonly nd: NeighborDiscovery;
  readonly mld: Mld;
  forwarding: boolean;
  defaultHopLimit: number;
  /** NAT64, when the node translates (see {@link Ipv6Translator}). */
  translator: Ipv6Translator | undefined;
  dad: boolean;
  acceptRa: boolean;
  autoconf: boolean;
  private readonly states = new Map<string, Ipv6InterfaceState>();
  private readonly stateList: Ipv6InterfaceState[] = [];
  /** Usable unicast addresses of every interface (preferred or deprecated), for input and output. */
  private local: LocalAddress[] = [];
  private transports: (TransportProtocol | undefined)[] | undefined;
  private factories: ((() => TransportProtocol) | undefined)[] | undefined;
  private reassembler: Reassembler | undefined;
  private readonly reassemblyOptions: ReassemblyOptions | undefined;
  private identification = -1;
  private pmtu: Map<string, { mtu: number; expires: Nanoseconds }> | undefined;
  private randomSource: SeededRandom | undefined;
  /** The packet being handed to a transport (so an ICMPv6 error about it can quote it exactly). */
  private delivering: { packet: Uint8Array; payload: Uint8Array } | undefined;
  /** UDP multicast memberships (joined on every IPv6 interface, current and future). */
  private socketGroups: Map<string, { group: Ipv6Address; members: number }> | undefined;

  constructor(
    readonly context: NodeContext,
    options: Ipv6LayerOptions = {},
  ) {
    this.forwarding = options.forwarding ?? false;
    this.defaultHopLimit = options.hopLimit ?? DEFAULT_HOP_LIMIT;
    this.dad = options.dad ?? true;
    this.acceptRa = options.acceptRa ?? true;
    this.autoconf = options.autoconf ?? true;
    this.reassemblyOptions = options.reassembly;
    this.icmp = new Icmp6(this);
    this.nd = new NeighborDiscovery(this);
    this.mld = new Mld(this);
    this.register(this.icmp);
  }

  get now(): Nanoseconds {
    return this.context.scheduler.now;
  }

  /** This node's IPv6 random stream (DAD and solicitation delays, fragment identifications). */
  get random(): SeededRandom {
    this.randomSource ??= this.context.scheduler.random.fork(`ipv6:${this.context.name}`);
    return this.randomSource;
  }

  /** Datagrams awaiting reassembly. */
  get reassemblyPending(): number {
    return this.reassembler?.pending ?? 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Interfaces

  /**
   * Enables IPv6 on `iface` (idempotent): its link-local address, the all-nodes group (and
   * all-routers on a router), and, once the link is up, DAD, MLD reports and router discovery.
   * Refused on a link whose MTU is below 1280 (RFC 8200 §5), as Linux does.
   */
  enableInterface(iface: NetInterface): Ipv6InterfaceState {
    const existing = this.states.get(iface.name);
    if (existing) return existing;
    if (iface.mtu < IPV6_MIN_MTU) {
      throw new RangeError(
        `${this.context.name}:${iface.name} has MTU ${iface.mtu}; IPv6 needs at least ${IPV6_MIN_MTU} (RFC 8200 §5)`,
      );
    }
    const state = new Ipv6InterfaceState(iface);
    this.states.set(iface.name, state);
    this.stateList.push(state);
    iface.ipv6 = this;
    this.mld.join(state, ALL_NODES);
    if (this.forwarding) this.mld.join(state, ALL_ROUTERS);
    for (const group of this.socketGroups?.values() ?? []) this.mld.join(state, group.group);
    this.addInterfaceAddress(state, linkLocalAddress(iface.mac), 64, { origin: "link-local" });
    if (iface.isUp) this.ipv6LinkChanged(iface, true);
    return state;
  }

  /** Whether IPv6 runs on the interface `name`. */
  isEnabled(name: string): boolean {
    return this.states.has(name);
  }

  /** The IPv6 state of interface `name`, if IPv6 is enabled on it. */
  interfaceState(name: string): Ipv6InterfaceState | undefined {
    return this.states.get(name);
  }

  /** Interfaces with IPv6, in the order they were enabled. */
  get interfaces(): readonly Ipv6InterfaceState[] {
    return this.stateList;
  }

  /** The neighbour cache of an interface (created on first use). */
  neighbors(state: Ipv6InterfaceState): NeighborCache<PendingIpv6Packet> {
    state.neighborCache ??= this.nd.createCache(state);
    return state.neighborCache;
  }

  /** Router advertisement settings for a router interface (undefined stops advertising). */
  setAdvertise(iface: NetInterface, config: RouterAdvertisementConfig | undefined): void {
    const state = this.enableInterface(iface);
    // §6.2.5: a router that stops advertising first says so, with a zero router lifetime.
    if (!config && state.advertise) this.nd.stopAdvertising(state, true);
    state.advertise = config;
    if (config) this.nd.startAdvertising(state);
  }

  /** Interface went up or down (from NetInterface). */
  ipv6LinkChanged(iface: NetInterface, up: boolean): void {
    const state = this.states.get(iface.name);
    if (!state || state.up === up) return;
    state.up = up;
    if (up) {
      // RFC 3810 §6 / RFC 4862 §5.4: announce the groups and verify every address afresh.
      this.mld.linkUp(state);
      for (const entry of state.addresses) if (entry.state !== "duplicate") this.nd.startDad(state, entry);
      this.rebuildLocal();
      return;
    }
    state.neighborCache?.flush();
    this.nd.linkDown(state);
    state.advertisedMtu = undefined;
    state.curHopLimit = undefined;
    for (const entry of state.addresses) {
      this.context.scheduler.cancel(entry.timer);
      entry.timer = undefined;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Addresses

  /**
   * `ip -6 addr add 2001:db8:1::10/64 dev eth0` / `ipv6 address 2001:db8:1::1/64`: enables IPv6
   * on the interface, adds the address (tentative until DAD passes, unless `nodad`), its
   * connected prefix route and its local /128 route.
   */
  addAddress(iface: NetInterface, prefix: Ipv6Prefix, options: { nodad?: boolean } = {}): void {
    const address = prefix.address;
    if (address.isMulticast || address.isUnspecified || address.isLoopback) {
      throw new RangeError(`${address} cannot be an interface address`);
    }
    if (this.findAnyAddress(address)) {
      throw new RangeError(`${this.context.name}: ${address} is already configured`);
    }
    const state = this.enableInterface(iface);
    this.addInterfaceAddress(state, address, prefix.length, {
      origin: "static",
      nodad: options.nodad ?? false,
    });
  }

  /** Removes a configured address and its routes; true when it was there. */
  removeAddress(iface: NetInterface, address: Ipv6Address): boolean {
    const state = this.states.get(iface.name);
    const entry = state?.find(address.bytes);
    if (!state || !entry || entry.origin === "link-local") return false;
    this.removeInterfaceAddress(state, entry);
    return true;
  }

  /** @internal Adds an address of any origin to an interface and starts DAD. */
  addInterfaceAddress(
    state: Ipv6InterfaceState,
    address: Ipv6Address,
    prefixLength: number,
    options: {
      origin: Ipv6AddressOrigin;
      nodad?: boolean;
      validUntil?: Nanoseconds | undefined;
      preferredUntil?: Nanoseconds | undefined;
    },
  ): Ipv6InterfaceAddress {
    const entry: Ipv6InterfaceAddress = {
      address,
      prefixLength,
      state: "tentative",
      origin: options.origin,
      validUntil: options.validUntil,
      preferredUntil: options.preferredUntil,
      nodad: options.nodad ?? false,
      dadTransmitsLeft: 0,
      timer: undefined,
    };
    state.addresses.push(entry);
    // RFC 4862 §5.4.2: join the solicited-node group before DAD, to hear other nodes' DAD.
    this.mld.join(state, address.solicitedNode);
    if (options.origin !== "link-local") {
      const installedAt = this.now;
      const iface = state.iface.name;
      if (options.origin === "static" && prefixLength < 128) {
        const network = new Ipv6Prefix(address, prefixLength).networkPrefix;
        this.routes.add(
          makeIpv6Route({ prefix: network.toString(), protocol: "connected", interface: iface, installedAt }),
        );
      }
      this.routes.add(
        makeIpv6Route({ prefix: `${address}/128`, protocol: "local", interface: iface, installedAt }),
      );
    }
    this.scheduleLifetime(state, entry);
    this.nd.startDad(state, entry);
    return entry;
  }

  /** @internal */
  removeInterfaceAddress(state: Ipv6InterfaceState, entry: Ipv6InterfaceAddress): void {
    const index = state.addresses.indexOf(entry);
    if (index < 0) return;
    this.context.scheduler.cancel(entry.timer);
    entry.timer = undefined;
    state.addresses.splice(index, 1);
    this.mld.leave(state, entry.address.solicitedNode);
    if (entry.origin !== "link-local") {
      this.routes.remove(new Ipv6Prefix(entry.address, 128), "local");
      const network = new Ipv6Prefix(entry.address, entry.prefixLength).networkPrefix;
      const stillUsed = state.addresses.some(
        (a) => a.origin === "static" && a.prefixLength === network.length && network.contains(a.address),
      );
      if (!stillUsed && entry.origin === "static") this.routes.remove(network, "connected");
    }
    this.rebuildLocal();
    this.traceEvent({
      type: "ipv6-address",
      iface: state.iface.name,
      address: entry.address.toString(),
      state: "removed",
    });
  }

  /**
   * @internal (Re)arms the timer that deprecates an address at the end of its preferred lifetime
   * and removes it at the end of its valid lifetime (RFC 4862 §5.5.4). DAD uses the same timer
   * slot while the address is tentative, so this only runs for addresses past DAD.
   */
  scheduleLifetime(state: Ipv6InterfaceState, entry: Ipv6InterfaceAddress): void {
    if (entry.state === "tentative") return;
    const scheduler = this.context.scheduler;
    scheduler.cancel(entry.timer);
    entry.timer = undefined;
    const now = this.now;
    if (entry.validUntil !== undefined && entry.validUntil <= now) {
      this.removeInterfaceAddress(state, entry);
      return;
    }
    if (entry.state === "preferred" && entry.preferredUntil !== undefined && entry.preferredUntil <= now) {
      entry.state = "deprecated";
      this.addressStateChanged(state, entry);
    }
    const next =
      entry.state === "preferred" && entry.preferredUntil !== undefined
        ? entry.preferredUntil
        : entry.validUntil;
    if (next !== undefined) entry.timer = scheduler.at(next, () => this.scheduleLifetime(state, entry));
  }

  /** @internal DAD or a lifetime changed an address's state. */
  addressStateChanged(state: Ipv6InterfaceState, entry: Ipv6InterfaceAddress): void {
    this.rebuildLocal();
    if (entry.state === "preferred" || entry.state === "deprecated") this.scheduleLifetime(state, entry);
    this.traceEvent({
      type: "ipv6-address",
      iface: state.iface.name,
      address: entry.address.toString(),
      state: entry.state,
    });
  }

  private rebuildLocal(): void {
    const local: LocalAddress[] = [];
    for (const state of this.stateList) {
      for (const entry of state.addresses) {
        if (entry.state === "preferred" || entry.state === "deprecated") {
          local.push({ bytes: entry.address.bytes, state, entry });
        }
      }
    }
    this.local = local;
  }

  /** The usable address of ours at `bytes[offset..]`. */
  private findLocal(bytes: Uint8Array, offset: number): LocalAddress | undefined {
    const local = this.local;
    for (let i = 0; i < local.length; i++) if (sameBytes16(local[i].bytes, bytes, offset)) return local[i];
    return undefined;
  }

  private findAnyAddress(address: Ipv6Address): Ipv6InterfaceAddress | undefined {
    for (const state of this.stateList) {
      const entry = state.find(address.bytes);
      if (entry) return entry;
    }
    return undefined;
  }

  /** Every address of every interface (any state), for listings. */
  allAddresses(): { iface: string; entry: Ipv6InterfaceAddress }[] {
    return this.stateList.flatMap((s) => s.addresses.map((entry) => ({ iface: s.iface.name, entry })));
  }

  /**
   * Adds a static route `prefix` via `gateway` (resolved to the interface whose prefix holds it;
   * a link-local gateway needs `iface`), or out of `iface` directly.
   */
  addStaticRoute(
    prefix: string,
    gateway: string | undefined,
    options: { iface?: string; distance?: number; metric?: number } = {},
  ): Ipv6Route {
    let ifaceName = options.iface;
    if (gateway !== undefined && ifaceName === undefined) {
      const via = Ipv6Address.parse(gateway);
      if (via.isLinkLocal) throw new RangeError(`a link-local gateway (${gateway}) needs an interface`);
      const state = this.stateList.find((s) => s.onLinkByAddress(via));
      if (!state) {
        throw new RangeError(
          `${this.context.name}: gateway ${gateway} is not on any connected prefix (Nexthop has invalid gateway)`,
        );
      }
      ifaceName = state.iface.name;
    }
    if (ifaceName === undefined) throw new RangeError("a static route needs a gateway or an interface");
    if (!this.states.has(ifaceName))
      throw new RangeError(`${this.context.name}: IPv6 is not enabled on ${ifaceName}`);
    return this.routes.add(
      makeIpv6Route({
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

  /** Joins a multicast group on every IPv6 interface (IPV6_JOIN_GROUP), counted per member. */
  joinGroup(group: IpAddress): void {
    if (group.version !== 6 || !group.isMulticast)
      throw new RangeError(`${group} is not an IPv6 multicast group`);
    this.socketGroups ??= new Map();
    const key = group.toString();
    const entry = this.socketGroups.get(key);
    if (entry) entry.members++;
    else this.socketGroups.set(key, { group, members: 1 });
    for (const state of this.stateList) this.mld.join(state, group);
  }

  leaveGroup(group: IpAddress): void {
    if (group.version !== 6) return;
    const key = group.toString();
    const entry = this.socketGroups?.get(key);
    if (!entry) return;
    if (--entry.members === 0) this.socketGroups!.delete(key);
    for (const state of this.stateList) this.mld.leave(state, group);
  }

  // ---------------------------------------------------------------------------------------------
  // NetworkLayer (what transports see)

  register(protocol: TransportProtocol): void {
    this.transports ??= [];
    if (this.transports[protocol.protocol] && protocol.protocol !== ICMPV6_NEXT_HEADER) {
      throw new RangeError(`${this.context.name}: IPv6 protocol ${protocol.protocol} is already registered`);
    }
    this.transports[protocol.protocol] = protocol;
  }

  /** Registers a transport created only when a packet or an error first needs it (see Ipv4Layer). */
  registerLazy(protocol: number, create: () => TransportProtocol): void {
    this.factories ??= [];
    this.factories[protocol] = create;
  }

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
    if (address.version !== 6) return false;
    return address.isLoopback || this.findLocal(address.bytes, 0) !== undefined;
  }

  /**
   * The source address for `dst` (RFC 6724 §5, the rules that matter here): the destination
   * itself if it is ours; else among the outgoing interface's usable addresses, one of the
   * destination's scope (link-local for link-local and link-scope multicast destinations),
   * preferred over deprecated, with the longest prefix in common with the destination.
   */
  sourceFor(dst: IpAddress, ifaceName?: string): Ipv6Address | undefined {
    if (dst.version !== 6) return undefined;
    if (dst.isLoopback) return Ipv6Address.LOOPBACK;
    const own = this.findLocal(dst.bytes, 0);
    if (own) return own.entry.address;
    const out = this.route(dst, ifaceName);
    return out ? this.selectSource(dst, out.state) : undefined;
  }

  /** @internal Whether any route (or zone) leads toward `dst`. */
  hasRoute(dst: Ipv6Address, ifaceName?: string): boolean {
    return (
      dst.isLoopback || this.findLocal(dst.bytes, 0) !== undefined || this.route(dst, ifaceName) !== undefined
    );
  }

  pathMtu(dst: IpAddress): number {
    if (dst.version !== 6) return IPV6_MIN_MTU;
    if (dst.isLoopback || this.findLocal(dst.bytes, 0)) return 65535;
    const out = this.route(dst);
    const mtu = out?.state.mtu ?? 1500;
    const learned = this.learnedMtu(dst);
    return learned !== undefined && learned < mtu ? learned : mtu;
  }

  /**
   * RFC 8201 §4: a Packet Too Big lowers the path MTU toward `dst` (never below 1280, the IPv6
   * minimum; a smaller report is taken as 1280, RFC 8021 having retired atomic fragments).
   * Returns the path MTU now believed.
   */
  learnPathMtu(dst: Ipv6Address, reported: number): number {
    const mtu = Math.max(IPV6_MIN_MTU, reported);
    const current = this.pathMtu(dst);
    if (mtu >= current) return current;
    this.pmtu ??= new Map();
    const key = dst.toString();
    if (!this.pmtu.has(key) && this.pmtu.size >= MAX_PMTU_ENTRIES) {
      const oldest = this.pmtu.keys().next().value;
      if (oldest !== undefined) this.pmtu.delete(oldest);
    }
    this.pmtu.set(key, { mtu, expires: this.now + PMTU_EXPIRES });
    return mtu;
  }

  private learnedMtu(dst: Ipv6Address): number | undefined {
    if (!this.pmtu || this.pmtu.size === 0) return undefined;
    const key = dst.toString();
    const entry = this.pmtu.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now) {
      this.pmtu.delete(key);
      return undefined;
    }
    return entry.mtu;
  }

  /**
   * Sends a datagram for a local transport: route it (or use its zone), choose the source, build
   * the header, and fragment at the source when it is bigger than the path MTU and the sender
   * allows it (RFC 8200 §4.5; `dontFragment` is IPV6_DONTFRAG, which TCP always sets).
   */
  send(datagram: DatagramToSend): SendError | undefined {
    const counters = this.counters;
    counters.outRequests++;
    const dst = datagram.dst;
    if (dst.version !== 6 || (datagram.src && datagram.src.version !== 6)) {
      counters.outNoRoutes++;
      return "no-route";
    }
    const payload = datagram.payload;
    if (payload.length > 0xffff) {
      counters.outDiscards++;
      return "message-too-big";
    }
    const total = IPV6_HEADER_LENGTH + payload.length;
    // Packets to ourselves go round the loopback, never onto a link.
    if (dst.isLoopback || this.findLocal(dst.bytes, 0)) {
      const src = (datagram.src as Ipv6Address | undefined) ?? dst;
      const frame = this.buildPacket(
        src,
        dst,
        datagram.protocol,
        payload,
        datagram.ttl ?? this.defaultHopLimit,
        datagram.tos ?? 0,
      );
      this.context.scheduler.after(0, () => this.loopbackInput(frame.subarray(ETHERNET_HEADER_LENGTH)));
      return undefined;
    }
    const out = this.route(
      dst,
      datagram.iface,
      datagram.src as Ipv6Address | undefined,
      payload,
      datagram.protocol,
      true,
    );
    if (!out) {
      counters.outNoRoutes++;
      return "no-route";
    }
    const state = out.state;
    if (!state.iface.isUp) {
      counters.outDiscards++;
      return "interface-down";
    }
    const src = (datagram.src as Ipv6Address | undefined) ?? this.selectSource(dst, state);
    if (!src) {
      counters.outDiscards++;
      return "no-source-address";
    }
    const hopLimit = datagram.ttl ?? (dst.isMulticast ? 1 : (state.curHopLimit ?? this.defaultHopLimit));
    let mtu = state.mtu;
    const learned = this.learnedMtu(dst);
    if (learned !== undefined && learned < mtu) mtu = learned;
    if (total > mtu && datagram.dontFragment) {
      counters.fragFails++;
      return "message-too-big";
    }
    const frame = this.buildPacket(src, dst, datagram.protocol, payload, hopLimit, datagram.tos ?? 0);
    if (dst.isMulticast) counters.outMcastPkts++;
    if (total <= mtu) {
      return this.transmit(state, frame, ETHERNET_HEADER_LENGTH, total, out.nextHop.bytes, 0)
        ? undefined
        : this.outputFailed(state);
    }
    const fragments = fragmentIpv6(
      frame.subarray(ETHERNET_HEADER_LENGTH),
      IPV6_HEADER_LENGTH,
      mtu,
      this.nextIdentification(),
    );
    if (!fragments) {
      counters.fragFails++;
      return "message-too-big";
    }
    counters.fragOKs++;
    counters.fragCreates += fragments.length;
    for (const fragment of fragments) {
      const length = fragment.length - ETHERNET_HEADER_LENGTH;
      if (!this.transmit(state, fragment, ETHERNET_HEADER_LENGTH, length, out.nextHop.bytes, 0)) {
        return this.outputFailed(state);
      }
    }
    return undefined;
  }

  private outputFailed(state: Ipv6InterfaceState): SendError {
    this.counters.outDiscards++;
    return state.iface.isUp ? "queue-full" : "interface-down";
  }

  /** A packet with 14 octets of headroom for the Ethernet header. */
  private buildPacket(
    src: Ipv6Address,
    dst: Ipv6Address,
    nextHeader: number,
    payload: Uint8Array,
    hopLimit: number,
    trafficClass: number,
    routerAlert = false,
  ): Uint8Array {
    const extra = routerAlert ? ROUTER_ALERT_HEADER.length : 0;
    const total = IPV6_HEADER_LENGTH + extra + payload.length;
    const frame = allocateFrame(ETHERNET_HEADER_LENGTH + total);
    const ip = frame.subarray(ETHERNET_HEADER_LENGTH);
    ip[0] = 0x60 | ((trafficClass >>> 4) & 0x0f);
    ip[1] = (trafficClass & 0x0f) << 4;
    writeUint16(ip, 4, total - IPV6_HEADER_LENGTH);
    ip[7] = hopLimit;
    ip.set(src.bytes, 8);
    ip.set(dst.bytes, 24);
    if (routerAlert) {
      ip[6] = Ipv6NextHeader.HopByHop;
      ip.set(ROUTER_ALERT_HEADER, IPV6_HEADER_LENGTH);
      ip[IPV6_HEADER_LENGTH] = nextHeader;
    } else {
      ip[6] = nextHeader;
    }
    ip.set(payload, IPV6_HEADER_LENGTH + extra);
    return frame;
  }

  /**
   * RFC 8200 §4.5 / RFC 7739: the Identification of a fragmented packet; one counter per node from
   * a seeded random start (unpredictable enough off-path, deterministic for a given seed).
   */
  private nextIdentification(): number {
    if (this.identification < 0) this.identification = Math.floor(this.random.next() * 0x1_0000_0000);
    const id = this.identification;
    this.identification = (id + 1) >>> 0;
    return id;
  }

  /**
   * The interface and first hop toward `dst`: the given interface (a zone), the interface of a
   * link-local source, a redirect, or longest prefix match (ECMP by flow hash). Link-local and
   * multicast destinations without a zone go out of the first interface that is up (or, for
   * link-local, the one whose neighbour cache knows the destination).
   */
  private route(
    dst: Ipv6Address,
    ifaceName?: string,
    src?: Ipv6Address,
    payload?: Uint8Array,
    protocol?: number,
    trace = false,
  ): { state: Ipv6InterfaceState; nextHop: Ipv6Address } | undefined {
    const scoped = dst.isLinkLocal || (dst.isMulticast && (dst.bytes[1] & 0x0f) <= 2);
    if (ifaceName !== undefined) {
      const state = this.states.get(ifaceName);
      if (!state) return undefined;
      if (scoped || dst.isMulticast) return { state, nextHop: dst };
      const route = this.routes.lookup(dst);
      const hop = route?.nextHops.find((h) => h.interface === ifaceName);
      return { state, nextHop: hop?.via ?? dst };
    }
    if (scoped || dst.isMulticast) {
      if (src?.isLinkLocal) {
        const owner = this.findLocal(src.bytes, 0);
        if (owner) return { state: owner.state, nextHop: dst };
      }
      let chosen: Ipv6InterfaceState | undefined;
      for (const state of this.stateList) {
        if (!state.iface.isUp) continue;
        if (dst.isLinkLocal && state.neighborCache?.stateOf(dst) !== undefined)
          return { state, nextHop: dst };
        chosen ??= state;
      }
      return chosen ? { state: chosen, nextHop: dst } : undefined;
    }
    const redirect = this.nd.redirectFor(dst);
    if (redirect) {
      const state = this.states.get(redirect.iface);
      if (state) return { state, nextHop: redirect.nextHop };
    }
    const route = this.routes.lookup(dst);
    if (!route) {
      if (trace) this.traceRoute(dst, undefined);
      return undefined;
    }
    const hop =
      route.nextHops.length === 1
        ? route.nextHops[0]
        : chooseNextHop(
            route,
            payload ? transportFlowHash(dst.bytes, 0, protocol ?? 0, payload) : readUint32(dst.bytes, 12),
          );
    const state = this.states.get(hop.interface);
    if (!state) return undefined;
    const nextHop = hop.via ?? dst;
    if (trace && this.context.tracer.enabled) this.traceRoute(dst, route, nextHop, state.iface.name);
    return { state, nextHop };
  }

  /** @internal The first hop in use toward `dst` (for validating redirects, RFC 4861 §8.1). */
  firstHop(dst: Ipv6Address): { state: Ipv6InterfaceState; nextHop: Ipv6Address } | undefined {
    return this.route(dst);
  }

  /** RFC 6724 §5 rules 1, 2, 3 and 8 over the interface's usable addresses (others' as a last resort). */
  private selectSource(dst: Ipv6Address, state: Ipv6InterfaceState): Ipv6Address | undefined {
    const dstScope = addressScope(dst);
    let best: Ipv6InterfaceAddress | undefined;
    let bestScope = 0;
    let bestCommon = -1;
    const consider = (entry: Ipv6InterfaceAddress) => {
      const scope = addressScope(entry.address);
      const common = commonPrefixLength(entry.address.bytes, dst.bytes);
      if (best) {
        // Rule 2: prefer the appropriate scope.
        if (scope !== bestScope) {
          const better = scope < bestScope ? scope >= dstScope : bestScope < dstScope;
          if (!better) return;
        } else if (entry.state !== best.state) {
          // Rule 3: avoid deprecated addresses.
          if (entry.state === "deprecated") return;
        } else if (common <= bestCommon) {
          // Rule 8: longest matching prefix.
          return;
        }
      }
      best = entry;
      bestScope = scope;
      bestCommon = common;
    };
    for (const entry of state.addresses) {
      if (entry.state === "preferred" || entry.state === "deprecated") consider(entry);
    }
    if ((!best || bestScope < dstScope) && dstScope > 2) {
      // The weak host model: a global address of another interface beats none of the right scope.
      for (const other of this.stateList) {
        if (other === state) continue;
        for (const entry of other.addresses) {
          if (
            (entry.state === "preferred" || entry.state === "deprecated") &&
            addressScope(entry.address) > 2
          ) {
            consider(entry);
          }
        }
      }
    }
    return best?.address;
  }

  /** @internal The source of an ICMPv6 error about `packet` (RFC 4443 §2.2). */
  errorSource(packet: Uint8Array, arrivedOn: NetInterface | undefined): Ipv6Address | undefined {
    // (a): a packet sent to one of our unicast addresses is answered from that address.
    const own = packet[24] !== 0xff ? this.findLocal(packet, 24) : undefined;
    if (own) return own.entry.address;
    const to = Ipv6Address.fromBytes(packet, 8);
    const state = arrivedOn ? this.states.get(arrivedOn.name) : undefined;
    // Otherwise an address of the interface it came in on, which is what traceroute shows.
    return state ? this.selectSource(to, state) : this.sourceFor(to);
  }

  // ---------------------------------------------------------------------------------------------
  // Transmission

  /**
   * Sends the packet at `frame[offset, offset+length)` to the neighbour `nextHop` (16 octets at
   * `nextHopBytes[at]`) out of `state`'s interface: multicast maps straight to its MAC, unicast
   * goes through the neighbour cache (waiting in its queue while unresolved).
   */
  private transmit(
    state: Ipv6InterfaceState,
    frame: Uint8Array,
    offset: number,
    length: number,
    nextHopBytes: Uint8Array,
    at: number,
  ): boolean {
    const iface = state.iface;
    if (!iface.isUp) {
      iface.counters.txDropped++;
      iface.counters.drops.count("interface-down");
      return false;
    }
    let mac: number | undefined;
    if (nextHopBytes[at] === 0xff) mac = MULTICAST_MAC_BASE + readUint32(nextHopBytes, at + 12);
    else {
      const cache = this.neighbors(state);
      mac = cache.lookup(nextHopBytes, at);
      if (mac === undefined) {
        cache.enqueue(new Ipv6Address(nextHopBytes.subarray(at, at + 16)), { frame, offset, length });
        return true;
      }
    }
    return iface.sendPayload(frame, offset, length, mac, EtherType.IPv6);
  }

  /** @internal A packet that waited for its neighbour goes out. */
  transmitResolved(state: Ipv6InterfaceState, packet: PendingIpv6Packet, mac: number): void {
    state.iface.sendPayload(packet.frame, packet.offset, packet.length, mac, EtherType.IPv6);
  }

  /**
   * @internal Resolution gave up (or the queue overflowed): RFC 4861 §7.2.2, the source of each
   * dropped packet hears Destination Unreachable, address unreachable (we tell ourselves too, so
   * ping prints it, as Linux does).
   */
  resolutionFailed(state: Ipv6InterfaceState, packet: PendingIpv6Packet, reason: string): void {
    this.counters.outDiscards++;
    const iface = state.iface;
    iface.counters.txDropped++;
    iface.counters.drops.count(reason);
    this.traceDrop("ndp", reason, iface.name, packet.frame);
    if (reason !== "nd-failed") return;
    const bytes = packet.frame.subarray(packet.offset, packet.offset + packet.length);
    this.icmp.sendError(
      Icmpv6Type.DestinationUnreachable,
      Icmpv6DestinationUnreachableCode.AddressUnreachable,
      bytes,
    );
  }

  /** @internal Sends a Neighbor Discovery message from `src` (Hop Limit 255, RFC 4861 §4). */
  sendNdp(
    state: Ipv6InterfaceState,
    src: Ipv6Address,
    dst: Ipv6Address,
    repr: Icmpv6Repr,
    unicastMac?: number,
  ): boolean {
    const message = new Uint8Array(icmpv6Length(repr));
    emitIcmpv6(repr, message, { src, dst });
    this.icmp.counters.countOut(message[0]);
    return this.originate(state, src, dst, message, 255, false, unicastMac);
  }

  /** @internal Sends an MLD report: Hop Limit 1, Router Alert, from the link-local address or :: (RFC 3810 §5). */
  sendMld(state: Ipv6InterfaceState, dst: Ipv6Address, body: Uint8Array): boolean {
    const ll = state.linkLocal;
    const src = ll && ll.state === "preferred" ? ll.address : Ipv6Address.UNSPECIFIED;
    const message = new Uint8Array(4 + body.length);
    emitIcmpv6({ kind: "multicast-listener-report-v2", code: 0, body }, message, { src, dst });
    this.icmp.counters.countOut(message[0]);
    return this.originate(state, src, dst, message, 1, true);
  }

  /** @internal Sends an MLD General Query to all nodes (RFC 3810 §5.1.15: link-local source, Hop Limit 1). */
  sendMldQuery(state: Ipv6InterfaceState, src: Ipv6Address, body: Uint8Array): boolean {
    const message = new Uint8Array(4 + body.length);
    emitIcmpv6({ kind: "multicast-listener-query", code: 0, body }, message, { src, dst: ALL_NODES });
    this.icmp.counters.countOut(message[0]);
    return this.originate(state, src, ALL_NODES, message, 1, true);
  }

  /** Builds and sends an ICMPv6 message the stack itself originates on one interface. */
  private originate(
    state: Ipv6InterfaceState,
    src: Ipv6Address,
    dst: Ipv6Address,
    message: Uint8Array,
    hopLimit: number,
    routerAlert: boolean,
    unicastMac?: number,
  ): boolean {
    if (!state.iface.isUp) return false;
    this.counters.outRequests++;
    if (dst.isMulticast) this.counters.outMcastPkts++;
    const frame = this.buildPacket(src, dst, ICMPV6_NEXT_HEADER, message, hopLimit, 0, routerAlert);
    const length = frame.length - ETHERNET_HEADER_LENGTH;
    if (unicastMac !== undefined) {
      return state.iface.sendPayload(frame, ETHERNET_HEADER_LENGTH, length, unicastMac, EtherType.IPv6);
    }
    return this.transmit(state, frame, ETHERNET_HEADER_LENGTH, length, dst.bytes, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /** An IPv6 packet arrived on `iface` (the header at `frame[offset]`). Never throws. */
  ipv6Input(iface: NetInterface, frame: Uint8Array, offset: number, linkBroadcast: boolean): void {
    const counters = this.counters;
    counters.inReceives++;
    const state = this.states.get(iface.name);
    if (!state) {
      this.inputDrop(iface, frame, "ipv6-disabled", "discard");
      return;
    }
    const available = frame.length - offset;
    if (available < IPV6_HEADER_LENGTH) {
      this.inputDrop(iface, frame, "truncated", "truncated");
      return;
    }
    if (frame[offset] >>> 4 !== 6) {
      this.inputDrop(iface, frame, "bad-version", "header");
      return;
    }
    const payloadLength = readUint16(frame, offset + 4);
    const total = IPV6_HEADER_LENGTH + payloadLength;
    if (total > available) {
      this.inputDrop(iface, frame, "truncated", "truncated");
      return;
    }
    // RFC 4291 §2.7 and §2.5.3: a multicast source is never valid; loopback never crosses a link.
    if (frame[offset + 8] === 0xff || isLoopbackAt(frame, offset + 8) || isLoopbackAt(frame, offset + 24)) {
      this.inputDrop(iface, frame, "martian-address", "address");
      return;
    }
    const packet = frame.subarray(offset, offset + total);
    let local = false;
    let multicast = false;
    if (frame[offset + 24] === 0xff) {
      const scope = frame[offset + 25] & 0x0f;
      // Scope 0 is reserved and interface-local (1) traffic never leaves the node (RFC 4291 §2.7).
      if (scope <= 1) {
        this.inputDrop(iface, frame, "bad-multicast-scope", "address");
        return;
      }
      if (!state.isMember(frame, offset + 24)) {
        // A group we do not listen to: what a NIC's multicast filter would have dropped.
        this.inputDrop(iface, frame, "multicast-not-joined", "none");
        return;
      }
      counters.inMcastPkts++;
      local = multicast = true;
    } else if (this.findLocal(frame, offset + 24)) {
      local = true;
    }
    // RFC 8200 §4.3: the Hop-by-Hop Options header is examined by every node on the path.
    if (packet[6] === Ipv6NextHeader.HopByHop) {
      if (total < IPV6_HEADER_LENGTH + 8 || IPV6_HEADER_LENGTH + (packet[41] + 1) * 8 > total) {
        this.inputDrop(iface, frame, "truncated-extension-header", "header");
        return;
      }
      if (!this.optionsAcceptable(iface, packet, IPV6_HEADER_LENGTH, linkBroadcast)) return;
    }
    if (local) {
      this.localInput(state, packet, multicast, linkBroadcast);
      return;
    }
    if (!this.forwarding) {
      // RFC 8200 §3 / RFC 4291: a host discards what is not addressed to it (or is still tentative).
      this.inputDrop(
        iface,
        frame,
        state.find(frame, offset + 24) ? "tentative-address" : "not-for-us",
        "address",
      );
      return;
    }
    if (linkBroadcast) {
      this.inputDrop(iface, frame, "link-multicast", "address");
      return;
    }
    this.forward(state, frame, offset, total);
  }

  /** Packets we sent to ourselves, after the loopback's "link". */
  private loopbackInput(packet: Uint8Array): void {
    this.counters.inReceives++;
    this.localInput(undefined, packet, false, false);
  }

  /**
   * RFC 8200 §4.2: the options of a Hop-by-Hop or Destination Options header at `start`. Unknown
   * options are handled as their type's two high bits say; false when the packet is discarded.
   */
  private optionsAcceptable(
    iface: NetInterface | undefined,
    packet: Uint8Array,
    start: number,
    linkMulticast: boolean,
  ): boolean {
    const end = start + (packet[start + 1] + 1) * 8;
    let i = start + 2;
    while (i < end) {
      const type = packet[i];
      if (type === Ipv6OptionType.Pad1) {
        i++;
        continue;
      }
      if (i + 2 > end || i + 2 + packet[i + 1] > end) {
        this.parameterProblem(
          iface,
          packet,
          Icmpv6ParameterProblemCode.ErroneousHeaderField,
          i + 1,
          linkMulticast,
          "bad-option-length",
        );
        return false;
      }
      const length = packet[i + 1];
      if (type !== Ipv6OptionType.PadN && !(type === Ipv6OptionType.RouterAlert && length === 2)) {
        switch (type >>> 6) {
          case 0: // skip over it
            break;
          case 1:
            this.inputDrop(iface, packet, "unrecognized-option", "header");
            return false;
          case 2:
            this.parameterProblem(
              iface,
              packet,
              Icmpv6ParameterProblemCode.UnrecognizedOption,
              i,
              linkMulticast,
              "unrecognized-option",
            );
            return false;
          default:
            if (packet[24] === 0xff) this.inputDrop(iface, packet, "unrecognized-option", "header");
            else
              this.parameterProblem(
                iface,
                packet,
                Icmpv6ParameterProblemCode.UnrecognizedOption,
                i,
                linkMulticast,
                "unrecognized-option",
              );
            return false;
        }
      }
      i += 2 + length;
    }
    return true;
  }

  /**
   * For us: follow the extension headers (RFC 8200 §4.1 order), reassembling at a Fragment
   * header, and hand the upper-layer protocol its data.
   */
  private localInput(
    state: Ipv6InterfaceState | undefined,
    packet: Uint8Array,
    multicast: boolean,
    linkMulticast: boolean,
  ): void {
    const iface = state?.iface;
    let next = packet[6];
    let field = 6; // where `next` was read, for Parameter Problem pointers
    let at = IPV6_HEADER_LENGTH;
    for (let headers = 0; ; headers++) {
      if (headers > IPV6_MAX_EXTENSION_HEADERS) {
        this.inputDrop(iface, packet, "too-many-extension-headers", "header");
        return;
      }
      switch (next) {
        case Ipv6NextHeader.HopByHop:
        case Ipv6NextHeader.DestinationOptions:
        case Ipv6NextHeader.Routing: {
          if (next === Ipv6NextHeader.HopByHop && at !== IPV6_HEADER_LENGTH) {
            // §4.3: Hop-by-Hop may only follow the IPv6 header.
            this.parameterProblem(
              iface,
              packet,
              Icmpv6ParameterProblemCode.UnrecognizedNextHeader,
              field,
              linkMulticast,
              "misplaced-hop-by-hop",
            );
            return;
          }
          if (at + 8 > packet.length || at + (packet[at + 1] + 1) * 8 > packet.length) {
            this.inputDrop(iface, packet, "truncated-extension-header", "header");
            return;
          }
          if (
            next === Ipv6NextHeader.DestinationOptions &&
            !this.optionsAcceptable(iface, packet, at, linkMulticast)
          )
            return;
          if (next === Ipv6NextHeader.Routing && packet[at + 3] !== 0) {
            // §4.4: we implement no routing type (type 0 is deprecated by RFC 5095, and the others
            // are for other roles): with Segments Left nonzero, Parameter Problem at the type.
            const reason = packet[at + 2] === 0 ? "routing-type-0" : "unsupported-routing-type";
            this.parameterProblem(
              iface,
              packet,
              Icmpv6ParameterProblemCode.ErroneousHeaderField,
              at + 2,
              linkMulticast,
              reason,
            );
            return;
          }
          field = at;
          next = packet[at];
          at += (packet[at + 1] + 1) * 8;
          continue;
        }
        case Ipv6NextHeader.Fragment: {
          const result = this.fragmentInput(state, packet, at, linkMulticast);
          if (!result) return;
          packet = result.packet;
          field = result.field;
          at = result.at;
          next = result.next;
          continue;
        }
        case Ipv6NextHeader.NoNextHeader:
          // §4.7: nothing follows; the packet is done.
          this.counters.inDelivers++;
          return;
        default:
          if (next === Ipv6NextHeader.Esp || next === Ipv6NextHeader.Ah || this.isOtherExtension(next)) {
            this.unknownNextHeader(state, packet, field, linkMulticast, multicast);
            return;
          }
          this.deliver(state, packet, at, next, field, multicast, linkMulticast);
          return;
      }
    }
  }

  private isOtherExtension(next: number): boolean {
    return next === 135 || next === 139 || next === 140 || next === 253 || next === 254;
  }

  private unknownNextHeader(
    state: Ipv6InterfaceState | undefined,
    packet: Uint8Array,
    field: number,
    linkMulticast: boolean,
    multicast: boolean,
  ): void {
    this.counters.inUnknownProtos++;
    if (multicast) {
      this.inputDrop(state?.iface, packet, "unknown-protocol", "none");
      return;
    }
    this.parameterProblem(
      state?.iface,
      packet,
      Icmpv6ParameterProblemCode.UnrecognizedNextHeader,
      field,
      linkMulticast,
      "unknown-protocol",
      false,
    );
  }

  /**
   * A Fragment header at `at` (RFC 8200 §4.5): an atomic fragment is processed as is (RFC 6946);
   * others go to the reassembler, and a completed packet continues with the header that followed
   * the Fragment header.
   */
  private fragmentInput(
    state: Ipv6InterfaceState | undefined,
    packet: Uint8Array,
    at: number,
    linkMulticast: boolean,
  ): { packet: Uint8Array; at: number; field: number; next: number } | undefined {
    const iface = state?.iface;
    if (at + 8 > packet.length) {
      this.inputDrop(iface, packet, "truncated-extension-header", "header");
      return undefined;
    }
    const word = readUint16(packet, at + 2);
    const offset = word & 0xfff8;
    const more = (word & 1) === 1;
    const fragmentNext = packet[at];
    const data = packet.subarray(at + 8);
    if (offset === 0 && !more) return { packet, at: at + 8, field: at, next: fragmentNext };
    // §4.5: a fragment that is not the last must carry a multiple of 8 octets.
    if (more && data.length % 8 !== 0) {
      this.parameterProblem(
        iface,
        packet,
        Icmpv6ParameterProblemCode.ErroneousHeaderField,
        4,
        linkMulticast,
        "frag-malformed",
      );
      return undefined;
    }
    // §4.5: the reassembled payload (the unfragmentable headers, without the Fragment header, and
    // the fragmentable part) would exceed 65 535 octets.
    if (at - IPV6_HEADER_LENGTH + offset + data.length > 0xffff) {
      this.parameterProblem(
        iface,
        packet,
        Icmpv6ParameterProblemCode.ErroneousHeaderField,
        at + 2,
        linkMulticast,
        "frag-too-big",
      );
      return undefined;
    }
    // RFC 7112 / §4.5: the first fragment must hold the whole header chain through the upper-layer header.
    if (offset === 0 && !headerChainComplete(fragmentNext, data)) {
      this.parameterProblem(
        iface,
        packet,
        Icmpv6ParameterProblemCode.IncompleteHeaderChain,
        0,
        linkMulticast,
        "frag-incomplete-chain",
      );
      return undefined;
    }
    this.reassembler ??= new Reassembler(
      this.context.scheduler,
      this.counters,
      {
        timeExceeded: (quote) =>
          this.icmp.sendError(
            Icmpv6Type.TimeExceeded,
            Icmpv6TimeExceededCode.FragmentReassemblyTimeExceeded,
            quote,
          ),
        dropped: (reason) => this.traceDrop("ipv6", reason, iface?.name),
      },
      {
        // RFC 8200 §4.5: abandon reassembly 60 s after the first-arriving fragment.
        timeout: 60 * SECOND,
        ...this.reassemblyOptions,
        maxDatagramLength: 0xffff + IPV6_HEADER_LENGTH,
      },
    );
    const whole = this.reassembler.add({
      src: hexOf(packet, 8),
      dst: hexOf(packet, 24),
      protocol: fragmentNext,
      identification: readUint32(packet, at + 4),
      offset,
      moreFragments: more,
      header: packet.subarray(0, at),
      data,
    });
    if (!whole) return undefined;
    // §4.5 reassembly: the unfragmentable part of fragment zero, its last Next Header taking the
    // value of the Fragment header's, and the Payload Length recomputed.
    const header = whole.header;
    const rebuilt = new Uint8Array(header.length + whole.data.length);
    rebuilt.set(header);
    rebuilt.set(whole.data, header.length);
    const lastField = lastNextHeaderField(rebuilt, header.length);
    rebuilt[lastField] = fragmentNext;
    writeUint16(rebuilt, 4, rebuilt.length - IPV6_HEADER_LENGTH);
    return { packet: rebuilt, at: header.length, field: lastField, next: fragmentNext };
  }

  private deliver(
    state: Ipv6InterfaceState | undefined,
    packet: Uint8Array,
    at: number,
    protocol: number,
    field: number,
    multicast: boolean,
    linkMulticast: boolean,
  ): void {
    const transport = this.transportFor(protocol);
    if (!transport) {
      this.unknownNextHeader(state, packet, field, linkMulticast, multicast);
      return;
    }
    this.counters.inDelivers++;
    const src = Ipv6Address.fromBytes(packet, 8);
    const dst = Ipv6Address.fromBytes(packet, 24);
    const payload = packet.subarray(at);
    const tracer = this.context.tracer;
    if (tracer.enabled) {
      tracer.emit({
        type: "delivered",
        time: this.now,
        node: this.context.name,
        protocol: ipv6NextHeaderName(protocol),
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
      ttl: packet[7],
      tos: ((packet[0] & 0x0f) << 4) | (packet[1] >>> 4),
      iface: state?.iface.name ?? "lo",
      broadcast: multicast,
    };
    this.delivering = { packet, payload };
    try {
      transport.receive(datagram);
    } finally {
      this.delivering = undefined;
    }
  }

  /** For UDP with no listener (RFC 4443 §3.1 code 4): port unreachable about the datagram it was handed. */
  sendPortUnreachable(datagram: ReceivedDatagram): boolean {
    if (datagram.broadcast || datagram.src.version !== 6 || datagram.dst.version !== 6) return false;
    const state = this.states.get(datagram.iface);
    let packet: Uint8Array;
    if (this.delivering?.payload === datagram.payload) packet = this.delivering.packet;
    else {
      packet = new Uint8Array(IPV6_HEADER_LENGTH + datagram.payload.length);
      packet[0] = 0x60 | (datagram.tos >>> 4);
      packet[1] = (datagram.tos & 0x0f) << 4;
      writeUint16(packet, 4, datagram.payload.length);
      packet[6] = datagram.protocol;
      packet[7] = datagram.ttl;
      packet.set(datagram.src.bytes, 8);
      packet.set(datagram.dst.bytes, 24);
      packet.set(datagram.payload, IPV6_HEADER_LENGTH);
    }
    return this.icmp.sendError(
      Icmpv6Type.DestinationUnreachable,
      Icmpv6DestinationUnreachableCode.PortUnreachable,
      packet,
      state ? { arrivedOn: state.iface } : {},
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Forwarding (RFC 8200 §3, RFC 4443, RFC 4861 §8.2)

  private forward(inState: Ipv6InterfaceState, frame: Uint8Array, offset: number, total: number): void {
    const counters = this.counters;
    const inIface = inState.iface;
    const packet = frame.subarray(offset, offset + total);
    // RFC 4291 §2.5.2, §2.5.6: the unspecified source and link-local addresses never leave a link.
    if (isUnspecifiedAt(frame, offset + 8)) {
      this.inputDrop(inIface, frame, "unspecified-source", "address");
      return;
    }
    if (isLinkLocalAt(frame, offset + 24)) {
      this.inputDrop(inIface, frame, "link-local-destination", "address");
      return;
    }
    if (isLinkLocalAt(frame, offset + 8)) {
      this.inputDrop(inIface, frame, "beyond-scope", "address");
      this.icmp.sendError(
        Icmpv6Type.DestinationUnreachable,
        Icmpv6DestinationUnreachableCode.BeyondScopeOfSource,
        packet,
        { arrivedOn: inIface },
      );
      return;
    }
    const tracer = this.context.tracer;
    if (this.translator?.claims(packet)) {
      if (frame[offset + 7] <= 1) {
        counters.inHdrErrors++;
        this.traceInputDrop(inIface, frame, "hop-limit-exceeded");
        this.icmp.sendError(Icmpv6Type.TimeExceeded, Icmpv6TimeExceededCode.HopLimitExceeded, packet, {
          arrivedOn: inIface,
        });
        return;
      }
      counters.forwDatagrams++;
      this.translator.translate(packet, inIface);
      return;
    }
    const route = this.routes.lookup(frame, offset + 24);
    if (!route) {
      counters.inNoRoutes++;
      if (tracer.enabled) this.traceRoute(Ipv6Address.fromBytes(frame, offset + 24), undefined);
      this.traceInputDrop(inIface, frame, "no-route");
      this.icmp.sendError(
        Icmpv6Type.DestinationUnreachable,
        Icmpv6DestinationUnreachableCode.NoRoute,
        packet,
        {
          arrivedOn: inIface,
        },
      );
      return;
    }
    // RFC 8200 §3: a packet whose Hop Limit would reach zero is discarded with Time Exceeded.
    const hopLimit = frame[offset + 7];
    if (hopLimit <= 1) {
      counters.inHdrErrors++;
      this.traceInputDrop(inIface, frame, "hop-limit-exceeded");
      this.icmp.sendError(Icmpv6Type.TimeExceeded, Icmpv6TimeExceededCode.HopLimitExceeded, packet, {
        arrivedOn: inIface,
      });
      return;
    }
    const hop =
      route.nextHops.length === 1 ? route.nextHops[0] : chooseNextHop(route, packetFlowHash(frame, offset));
    const outState = this.states.get(hop.interface);
    if (!outState?.iface.isUp) {
      counters.outDiscards++;
      this.traceInputDrop(inIface, frame, "interface-down");
      this.icmp.sendError(
        Icmpv6Type.DestinationUnreachable,
        Icmpv6DestinationUnreachableCode.NoRoute,
        packet,
        {
          arrivedOn: inIface,
        },
      );
      return;
    }
    // RFC 8200 §5: routers never fragment; the source learns the MTU from Packet Too Big.
    const mtu = outState.mtu;
    if (total > mtu) {
      counters.inTooBigErrors++;
      this.traceInputDrop(inIface, frame, "packet-too-big");
      this.icmp.sendError(Icmpv6Type.PacketTooBig, 0, packet, { arrivedOn: inIface, mtu });
      return;
    }
    const via = hop.via;
    if (tracer.enabled) {
      const dst = Ipv6Address.fromBytes(frame, offset + 24);
      this.traceRoute(dst, route, via ?? dst, outState.iface.name);
    }
    // RFC 4861 §8.2: leaving by the interface it came in on, toward a better first hop the
    // sender could have used itself.
    if (outState === inState && inState.onLinkByAddress(Ipv6Address.fromBytes(frame, offset + 8))) {
      this.nd.sendRedirect(inState, packet, via ?? Ipv6Address.fromBytes(frame, offset + 24));
    }
    // Received frames are read-only: forward a copy, with headroom for the new Ethernet header.
    const copy = copyFrame(frame, 0, offset + total);
    copy[offset + 7] = hopLimit - 1;
    counters.forwDatagrams++;
    if (tracer.enabled) {
      tracer.emit({
        type: "forwarded",
        time: this.now,
        node: this.context.name,
        inIface: inIface.name,
        outIface: outState.iface.name,
        destination: Ipv6Address.fromBytes(frame, offset + 24).toString(),
        ttl: hopLimit - 1,
      });
    }
    const ok = via
      ? this.transmit(outState, copy, offset, total, via.bytes, 0)
      : this.transmit(outState, copy, offset, total, copy, offset + 24);
    if (!ok) counters.outDiscards++;
  }

  // ---------------------------------------------------------------------------------------------
  // Errors and drops

  private parameterProblem(
    iface: NetInterface | undefined,
    packet: Uint8Array,
    code: number,
    pointer: number,
    linkMulticast: boolean,
    reason: string,
    countHeaderError = true,
  ): void {
    if (countHeaderError) this.counters.inHdrErrors++;
    this.traceInputDrop(iface, packet, reason);
    this.icmp.sendError(Icmpv6Type.ParameterProblem, code, packet, {
      ...(iface ? { arrivedOn: iface } : {}),
      linkMulticast,
      pointer,
    });
  }

  private inputDrop(
    iface: NetInterface | undefined,
    frame: Uint8Array,
    reason: string,
    kind: "header" | "truncated" | "address" | "discard" | "none",
  ): void {
    const counters = this.counters;
    if (kind === "header") counters.inHdrErrors++;
    else if (kind === "truncated") counters.inTruncatedPkts++;
    else if (kind === "address") counters.inAddrErrors++;
    else if (kind === "discard") counters.inDiscards++;
    this.traceInputDrop(iface, frame, reason);
  }

  private traceInputDrop(
    iface: NetInterface | undefined,
    frame: Uint8Array | undefined,
    reason: string,
  ): void {
    this.counters.drops.count(reason);
    this.traceDrop("ipv6", reason, iface?.name, frame);
  }

  /** Emits a drop event for this node (when someone listens). */
  traceDrop(layer: string, reason: string, iface?: string, frame?: Uint8Array): void {
    const tracer = this.context.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "drop",
      time: this.now,
      node: this.context.name,
      layer,
      reason,
      ...(iface !== undefined ? { iface } : {}),
      ...(frame !== undefined ? { frame } : {}),
    });
  }

  /** @internal Emits one of the IPv6 events with this node's name and the time. */
  traceEvent(event: Ipv6TraceEvent): void {
    const tracer = this.context.tracer;
    if (!tracer.enabled) return;
    tracer.emit({ ...event, time: this.now, node: this.context.name } as Parameters<typeof tracer.emit>[0]);
  }

  /** @internal */
  traceNeighbor(state: Ipv6InterfaceState, target: Ipv6Address, mac: number): void {
    const tracer = this.context.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "neighbor-resolved",
      time: this.now,
      node: this.context.name,
      iface: state.iface.name,
      address: target.toString(),
      mac: new MacAddress(mac).toString(),
    });
  }

  private traceRoute(
    dst: Ipv6Address,
    route: Ipv6Route | undefined,
    via?: Ipv6Address,
    iface?: string,
  ): void {
    const tracer = this.context.tracer;
    if (!tracer.enabled) return;
    tracer.emit({
      type: "route-lookup",
      time: this.now,
      node: this.context.name,
      destination: dst.toString(),
      ...(route ? { prefix: route.prefix.toString() } : {}),
      ...(via !== undefined && !via.equals(dst) ? { via: via.toString() } : {}),
      ...(iface !== undefined ? { iface } : {}),
    });
  }
}

/**
 * RFC 7112: whether the first fragment's data (starting with header `next`) holds every extension
 * header and the upper-layer header (its first 8 octets at least; TCP's 20).
 */
function headerChainComplete(next: number, data: Uint8Array): boolean {
  const chain = walkIpv6Extensions(next, data);
  if (isParseError(chain)) return false;
  const rest = data.length - chain.upperLayerOffset;
  const needed =
    chain.upperLayerProtocol === 6 ? 20 : chain.upperLayerProtocol === Ipv6NextHeader.NoNextHeader ? 0 : 8;
  return rest >= needed || chain.upperLayerProtocol === Ipv6NextHeader.Esp;
}

function isLoopbackAt(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 15; i++) if (bytes[offset + i] !== 0) return false;
  return bytes[offset + 15] === 1;
}

function isUnspecifiedAt(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}

function isLinkLocalAt(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === 0xfe && (bytes[offset + 1] & 0xc0) === 0x80;
}

function hexOf(bytes: Uint8Array, offset: number): string {
  let text = "";
  for (let i = 0; i < 16; i += 4)
    text += readUint32(bytes, offset + i)
      .toString(16)
      .padStart(8, "0");
  return text;
}

/** ECMP flow hash of a packet: addresses, flow label and, for TCP/UDP right after the header, ports. */
function packetFlowHash(frame: Uint8Array, offset: number): number {
  const next = frame[offset + 6];
  const ports =
    (next === 6 || next === 17) && frame.length >= offset + IPV6_HEADER_LENGTH + 4
      ? readUint32(frame, offset + IPV6_HEADER_LENGTH)
      : 0;
  let h = readUint32(frame, offset) & 0xfffff; // the flow label (RFC 6437 §5 suggests it for ECMP)
  for (let i = 8; i < 40; i += 4) h = Math.imul(h ^ readUint32(frame, offset + i), 0x85ebca6b) ^ (h >>> 13);
  h = Math.imul(h ^ ports ^ next, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function transportFlowHash(dst: Uint8Array, at: number, protocol: number, payload: Uint8Array): number {
  const ports = (protocol === 6 || protocol === 17) && payload.length >= 4 ? readUint32(payload, 0) : 0;
  let h = protocol;
  for (let i = 0; i < 16; i += 4) h = Math.imul(h ^ readUint32(dst, at + i), 0x85ebca6b) ^ (h >>> 13);
  h = Math.imul(h ^ ports, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** For tests: the multicast MAC of an IPv6 group (RFC 2464 §7). */
export function ipv6MulticastMac(group: Ipv6Address): MacAddress {
  return new MacAddress(MULTICAST_MAC_BASE + readUint32(group.bytes, 12));
}
