/**
 * A node: the IP stack every device shares (DESIGN.md principle 7, "devices are compositions").
 * Interfaces, the IPv4 layer with its routing table, ICMP, and transports created on first use.
 * A {@link Host} is a node that does not forward; a {@link Router} is one that does. Both answer
 * pings, both can run UDP and TCP; they differ in the defaults and in how they present themselves
 * (Linux-style `ip` output for hosts, Cisco-style `show` output for routers).
 *
 * Per-node memory is kept small for 10,000-node topologies: transports, ARP caches, the
 * reassembly queue, drop tallies and random streams are all created lazily.
 */

import type { LinkEndpoint } from "../link/endpoint.js";
import { formatNetstat } from "../net/counters.js";
import { Firewall, type FirewallConfig } from "../net/firewall/firewall.js";
import { showAccessLists, showConntrack } from "../net/firewall/show.js";
import { NetInterface, type NodeContext } from "../net/interface.js";
import { Ipv4Layer, type Ipv4LayerOptions } from "../net/ipv4-layer.js";
import type { RouterAdvertisementConfig } from "../net/ipv6-interface.js";
import { Ipv6Layer, type Ipv6LayerOptions } from "../net/ipv6-layer.js";
import type { NatConfig } from "../net/nat/config.js";
import { Nat } from "../net/nat/nat.js";
import { showIpNatStatistics, showIpNatTranslations } from "../net/nat/show.js";
import { Nat64, type Nat64Config } from "../net/nat64.js";
import type { Ipv6Route, Route } from "../net/routing-table.js";
import type { Scheduler } from "../sim/scheduler.js";
import { createDgramApi, type DgramApi } from "../socket/dgram.js";
import { createNetApi, type NetApi } from "../socket/net.js";
import { tcpStreamTransport } from "../socket/tcp-transport.js";
import type { Tracer } from "../trace/events.js";
import { TCP_PROTOCOL, TcpLayer } from "../transport/tcp/tcp-layer.js";
import { UdpLayer } from "../transport/udp.js";
import { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";
import { Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import { MacAddress } from "../wire/address/mac.js";
import { IP_PROTOCOL_UDP } from "../wire/udp.js";
import { DualStack } from "./dual-stack.js";
import * as show from "./show.js";

export interface NodeOptions extends Ipv4LayerOptions {
  /** Gives each new interface its MAC address (the Network hands out sequential local MACs). */
  allocateMac?: () => MacAddress;
  /** Translate addresses between inside and outside interfaces (see {@link Node.enableNat}). */
  nat?: NatConfig;
  /** Filter packets statefully (see {@link Node.enableFirewall}). */
  firewall?: FirewallConfig;
  /** Run IPv6 on every interface from the start (default: only once an IPv6 address or `enableIpv6`). */
  ipv6?: boolean;
  /** IPv6 settings (DAD, accepting router advertisements, SLAAC, hop limit). */
  ipv6Options?: Omit<Ipv6LayerOptions, "forwarding">;
}

/** A text that names an IPv6 prefix or address (it has a colon), for the overloads below. */
type Ipv6Text = `${string}:${string}`;

export class Node implements NodeContext {
  readonly ipv4: Ipv4Layer;
  /** The network layer UDP and TCP use: IPv4 or IPv6 by the destination's family. */
  readonly ip: DualStack;
  private ipv6Layer: Ipv6Layer | undefined;
  /** IPv6 runs on every interface, present and future (`enableIpv6()` without a name). */
  private ipv6Everywhere = false;
  private readonly ipv6Options: Omit<Ipv6LayerOptions, "forwarding"> | undefined;
  private udpLayer: UdpLayer | undefined;
  private tcpLayer: TcpLayer | undefined;
  private netApi: NetApi | undefined;
  private dgramApi: DgramApi | undefined;
  private readonly allocateMac: () => MacAddress;
  private natModule: Nat | undefined;
  private firewallModule: Firewall | undefined;

  constructor(
    readonly name: string,
    readonly scheduler: Scheduler,
    readonly tracer: Tracer,
    options: NodeOptions = {},
  ) {
    this.ipv4 = new Ipv4Layer(this, options);
    this.ipv4.registerLazy(IP_PROTOCOL_UDP, () => this.udp);
    this.ipv4.registerLazy(TCP_PROTOCOL, () => this.tcp);
    this.ip = new DualStack(this.ipv4, () => this.ipv6);
    this.allocateMac = options.allocateMac ?? defaultMacAllocator(name);
    this.ipv6Options = options.ipv6Options;
    if (options.ipv6) this.ipv6Everywhere = true;
    if (options.nat) this.enableNat(options.nat);
    if (options.firewall) this.enableFirewall(options.firewall);
  }

  /** The IPv6 layer, created on first use (enabling IPv6 on interfaces is separate). */
  get ipv6(): Ipv6Layer {
    if (!this.ipv6Layer) {
      const layer = new Ipv6Layer(this, { ...this.ipv6Options, forwarding: this.ipv4.forwarding });
      this.ipv6Layer = layer;
      layer.registerLazy(IP_PROTOCOL_UDP, () => this.udp);
      layer.registerLazy(TCP_PROTOCOL, () => this.tcp);
      this.ip.attachIpv6(layer);
    }
    return this.ipv6Layer;
  }

  /** Whether the node has an IPv6 layer. */
  get hasIpv6(): boolean {
    return this.ipv6Layer !== undefined;
  }

  /**
   * Runs IPv6 on interface `name`, or on every interface (now and later) when no name is given:
   * link-local addresses, DAD, MLD, router discovery and SLAAC (RFC 4861/4862). Interfaces whose
   * MTU is below 1280 are left out when enabling all.
   */
  enableIpv6(name?: string): this {
    if (name !== undefined) {
      this.ipv6.enableInterface(this.interface(name));
      return this;
    }
    this.ipv6Everywhere = true;
    for (const iface of this.interfaces) if (iface.mtu >= 1280) this.ipv6.enableInterface(iface);
    return this;
  }

  /**
   * Stateful NAT64 (RFC 6146) on a router: IPv6 packets to the prefix (64:ff9b::/96 unless told)
   * leave as IPv4 from the pool address (the outside interface's by default), and the answers
   * come back as IPv6. Pair it with DNS64 (src/apps/dns) so IPv6-only hosts find IPv4-only names.
   */
  enableNat64(config: Nat64Config = {}): Nat64 {
    if (!this.ipv4.forwarding) throw new RangeError(`${this.name} is not a router: NAT64 runs on routers`);
    if (this.ipv6.translator) throw new RangeError(`${this.name} already translates NAT64`);
    const nat64 = new Nat64(this.ipv4, this.ipv6, config);
    this.ipv4.addHook(nat64);
    this.ipv6.translator = nat64;
    return nat64;
  }

  /** The NAT64 translator, if the node runs one. */
  get nat64(): Nat64 | undefined {
    return this.ipv6Layer?.translator instanceof Nat64 ? this.ipv6Layer.translator : undefined;
  }

  /**
   * A router interface advertises itself and its prefixes (RFC 4861 §6.2): `ipv6-ra: true`.
   * Hosts on the link then autoconfigure addresses and a default route (RFC 4862).
   */
  advertiseIpv6(name: string, config: RouterAdvertisementConfig = {}): this {
    if (!this.ipv4.forwarding) throw new RangeError(`${this.name} is not a router: only routers advertise`);
    this.ipv6.setAdvertise(this.interface(name), config);
    return this;
  }

  /** "host" or "router", for listings. */
  get kind(): string {
    return this.ipv4.forwarding ? "router" : "host";
  }

  /** UDP, created (and registered with IPv4) on first use. */
  get udp(): UdpLayer {
    this.udpLayer ??= new UdpLayer(this.ip);
    return this.udpLayer;
  }

  /** TCP, created (and registered with IPv4) on first use. */
  get tcp(): TcpLayer {
    this.tcpLayer ??= new TcpLayer(this.ip, this.scheduler, { tracer: this.tracer, node: this.name });
    return this.tcpLayer;
  }

  /** Whether TCP was ever used on this node. */
  get hasTcp(): boolean {
    return this.tcpLayer !== undefined;
  }

  /** This node's Node.js-compatible `net` module (createServer, connect, Socket, ...). */
  get net(): NetApi {
    this.netApi ??= createNetApi({ transport: tcpStreamTransport(this.tcp), scheduler: this.scheduler });
    return this.netApi;
  }

  /** This node's Node.js-compatible `dgram` module (createSocket, ...). */
  get dgram(): DgramApi {
    this.dgramApi ??= createDgramApi({ udp: this.udp, scheduler: this.scheduler });
    return this.dgramApi;
  }

  /** Whether UDP was ever used on this node. */
  get hasUdp(): boolean {
    return this.udpLayer !== undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Features

  /**
   * Turns on NAT (masquerading, or a pool; port forwards): the node translates between its
   * inside interfaces and its outside one (src/net/nat). Interfaces may be created later.
   */
  enableNat(config: NatConfig): Nat {
    if (this.natModule) throw new RangeError(`${this.name} already does NAT`);
    const nat = new Nat(this.ipv4, config);
    this.ipv4.addHook(nat);
    this.natModule = nat;
    return nat;
  }

  /** Turns NAT off (its translations are forgotten). */
  disableNat(): void {
    if (!this.natModule) return;
    this.ipv4.removeHook(this.natModule);
    this.natModule = undefined;
  }

  /** The NAT, when enabled. */
  get nat(): Nat | undefined {
    return this.natModule;
  }

  /**
   * Turns on the stateful firewall (src/net/firewall): input, forward and output chains with
   * connection tracking. Rules can be added later through {@link Firewall.addRule}.
   */
  enableFirewall(config: FirewallConfig = {}): Firewall {
    if (this.firewallModule) throw new RangeError(`${this.name} already has a firewall`);
    const firewall = new Firewall(this.ipv4, config);
    this.ipv4.addHook(firewall);
    this.firewallModule = firewall;
    return firewall;
  }

  disableFirewall(): void {
    if (!this.firewallModule) return;
    this.ipv4.removeHook(this.firewallModule);
    this.firewallModule = undefined;
  }

  /** The firewall, when enabled. */
  get firewall(): Firewall | undefined {
    return this.firewallModule;
  }

  // ---------------------------------------------------------------------------------------------
  // Interfaces and addresses

  get interfaces(): readonly NetInterface[] {
    return this.ipv4.interfaces;
  }

  /** Creates an interface (e.g. `eth0`, `Gi0/1`), or a VLAN sub-interface `eth0.10` of an existing one. */
  addInterface(name: string, options: { mac?: MacAddress | string; mtu?: number } = {}): NetInterface {
    if (this.ipv4.interface(name)) throw new RangeError(`${this.name} already has an interface ${name}`);
    const mac = typeof options.mac === "string" ? MacAddress.parse(options.mac) : (options.mac ?? undefined);
    const dot = name.lastIndexOf(".");
    let iface: NetInterface;
    if (dot > 0 && /^\d+$/.test(name.slice(dot + 1))) {
      const parent = this.interface(name.slice(0, dot));
      const vlan = Number(name.slice(dot + 1));
      if (vlan < 1 || vlan > 4094) throw new RangeError(`VLAN ${vlan} of ${name} is outside 1-4094`);
      iface = new NetInterface(name, mac ?? parent.mac, this.ipv4, { vlan, parent });
      parent.attachSubinterface(iface);
    } else {
      iface = new NetInterface(name, mac ?? this.allocateMac(), this.ipv4);
    }
    if (options.mtu !== undefined) iface.mtuOverride = options.mtu;
    this.ipv4.addInterface(iface);
    if (this.ipv6Everywhere && iface.mtu >= 1280) this.ipv6.enableInterface(iface);
    return iface;
  }

  /** The interface `name`; throws with the list of interfaces when there is none. */
  interface(name: string): NetInterface {
    const iface = this.ipv4.interface(name);
    if (!iface) {
      const known = this.interfaces.map((i) => i.name).join(", ") || "none";
      throw new RangeError(`${this.name} has no interface ${name} (interfaces: ${known})`);
    }
    return iface;
  }

  /** The interface `name`, created if missing (used when wiring topologies). */
  ensureInterface(name: string): NetInterface {
    return this.ipv4.interface(name) ?? this.addInterface(name);
  }

  /** Plugs interface `name` (created if needed) into a link endpoint. */
  attach(name: string, endpoint: LinkEndpoint): NetInterface {
    const iface = this.ensureInterface(name);
    iface.attach(endpoint);
    return iface;
  }

  /**
   * `ip addr add 10.0.1.10/24 dev eth0` / `ip address 10.0.1.1 255.255.255.0`, or an IPv6 address
   * (`2001:db8:1::10/64`, which enables IPv6 on the interface; `nodad` skips duplicate address
   * detection, so the address is usable at once).
   */
  addAddress(
    ifaceName: string,
    prefix: string | Ipv4Prefix | Ipv6Prefix,
    options: { nodad?: boolean } = {},
  ): this {
    const iface = this.ensureInterface(ifaceName);
    if (prefix instanceof Ipv6Prefix || (typeof prefix === "string" && prefix.includes(":"))) {
      const parsed = typeof prefix === "string" ? Ipv6Prefix.parse(prefix) : prefix;
      this.ipv6.addAddress(iface, parsed, options);
      return this;
    }
    const parsed = typeof prefix === "string" ? Ipv4Prefix.parse(prefix) : prefix;
    this.ipv4.addAddress(iface, parsed);
    return this;
  }

  removeAddress(ifaceName: string, address: string): boolean {
    if (address.includes(":")) {
      return this.ipv6Layer?.removeAddress(this.interface(ifaceName), Ipv6Address.parse(address)) ?? false;
    }
    return this.ipv4.removeAddress(this.interface(ifaceName), Ipv4Address.parse(address));
  }

  /** The usable global IPv6 address of the first interface that has one. */
  get primaryIpv6Address(): Ipv6Address | undefined {
    for (const state of this.ipv6Layer?.interfaces ?? []) {
      for (const a of state.addresses) {
        if (a.origin !== "link-local" && (a.state === "preferred" || a.state === "deprecated"))
          return a.address;
      }
    }
    return undefined;
  }

  /** The first address of the first interface that has one (a node's "main" address). */
  get primaryAddress(): Ipv4Address | undefined {
    for (const iface of this.interfaces) if (iface.addresses.length > 0) return iface.addresses[0].address;
    return undefined;
  }

  /** `ip link set dev X up|down` / `[no] shutdown`. */
  setInterfaceUp(ifaceName: string, up: boolean): void {
    this.interface(ifaceName).setAdminUp(up);
  }

  // ---------------------------------------------------------------------------------------------
  // Routes

  /**
   * Adds a static route: `addRoute("10.0.2.0/24", "10.0.12.2")` (the interface is the one whose
   * subnet holds the gateway), or `addRoute("10.0.9.0/24", undefined, {iface: "eth1"})` for an
   * on-link route. `distance` > 1 makes a floating static.
   */
  addRoute(
    prefix: Ipv6Text,
    gateway?: string,
    options?: { iface?: string; distance?: number; metric?: number },
  ): Ipv6Route;
  addRoute(
    prefix: string,
    gateway?: string,
    options?: { iface?: string; distance?: number; metric?: number },
  ): Route;
  addRoute(
    prefix: string,
    gateway?: string,
    options: { iface?: string; distance?: number; metric?: number } = {},
  ): Route | Ipv6Route {
    if (prefix.includes(":")) return this.ipv6.addStaticRoute(prefix, gateway, options);
    return this.ipv4.addStaticRoute(prefix, gateway, options);
  }

  /** Removes a static route (IPv4 or IPv6). */
  removeRoute(prefix: string, distance?: number): boolean {
    if (prefix.includes(":")) {
      return (
        this.ipv6Layer?.routes.remove(Ipv6Prefix.parse(prefix).networkPrefix, "static", distance) ?? false
      );
    }
    return this.ipv4.routes.remove(Ipv4Prefix.parse(prefix).networkPrefix, "static", distance);
  }

  /** The default route's gateway (`ip route add default via X`, or `ip -6 route add default via X`). */
  setDefaultGateway(gateway: Ipv6Text, options?: { iface?: string }): Ipv6Route;
  setDefaultGateway(gateway: string, options?: { iface?: string }): Route;
  setDefaultGateway(gateway: string, options: { iface?: string } = {}): Route | Ipv6Route {
    if (gateway.includes(":")) {
      this.removeRoute("::/0");
      return this.ipv6.addStaticRoute("::/0", gateway, options);
    }
    this.removeRoute("0.0.0.0/0");
    return this.addRoute("0.0.0.0/0", gateway, options);
  }

  /** Adds a static ARP entry (`arp -s` / `arp 10.0.1.5 0200.0000.0005 ARPA`). */
  addStaticArp(ifaceName: string, address: string, mac: string): void {
    this.interface(ifaceName).arp.addStatic(Ipv4Address.parse(address).value, MacAddress.parse(mac).value);
  }

  // ---------------------------------------------------------------------------------------------
  // Views (both styles are available on every node; hosts and routers pick a default)

  /** Linux `ip route`. */
  ipRoute(): string {
    return show.ipRoute(this);
  }
  /** Linux `ip -brief address`-like `ip addr`. */
  ipAddr(dev?: string): string {
    return show.ipAddr(this, dev);
  }
  /** Linux `ip neigh`. */
  ipNeigh(): string {
    return show.ipNeigh(this);
  }
  /** Linux `arp -n`. */
  arpN(): string {
    return show.arpN(this);
  }
  /** Linux `ip -s link`. */
  ipStatsLink(): string {
    return show.ipStatsLink(this);
  }
  /** Linux `netstat -s` (Ip, Icmp, Udp). */
  netstat(): string {
    return formatNetstat(this.ipv4.counters, this.ipv4.icmp.counters, this.udpLayer?.counters);
  }
  /** Linux `ip -6 route`. */
  ipRoute6(): string {
    return show.ipRoute6(this);
  }
  /** Linux `ip -6 neigh`. */
  ipNeigh6(): string {
    return show.ipNeigh6(this);
  }
  /** Cisco `show ipv6 route`. */
  showIpv6Route(): string {
    return show.showIpv6Route(this);
  }
  /** Cisco `show ipv6 neighbors`. */
  showIpv6Neighbors(): string {
    return show.showIpv6Neighbors(this);
  }
  /** Cisco `show ipv6 interface brief`. */
  showIpv6InterfaceBrief(): string {
    return show.showIpv6InterfaceBrief(this);
  }
  /** Cisco `show ip route`. */
  showIpRoute(): string {
    return show.showIpRoute(this);
  }
  /** Cisco `show arp`. */
  showArp(): string {
    return show.showArp(this);
  }
  /** Cisco `show ip interface brief`. */
  showIpInterfaceBrief(): string {
    return show.showIpInterfaceBrief(this);
  }
  /** Cisco `show interfaces counters`. */
  showInterfacesCounters(): string {
    return show.showInterfacesCounters(this);
  }
  /** Cisco `show ip nat translations [verbose]` (empty table when NAT is off). */
  showIpNatTranslations(options: { verbose?: boolean } = {}): string {
    return this.natModule ? showIpNatTranslations(this.natModule, options) : "";
  }
  /** Cisco `show access-lists` (the firewall's chains with hit counts). */
  showAccessLists(): string {
    return this.firewallModule ? showAccessLists(this.firewallModule) : "No firewall configured\n";
  }
  /** Linux `conntrack -L`. */
  showConntrack(): string {
    return this.firewallModule ? showConntrack(this.firewallModule) : "";
  }
  /** Cisco `show ip nat statistics`. */
  showIpNatStatistics(): string {
    return this.natModule ? showIpNatStatistics(this.natModule) : "NAT is not enabled\n";
  }
}

/** A standalone node's MACs: locally administered, derived from its name and a counter. */
function defaultMacAllocator(name: string): () => MacAddress {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  let next = ((hash >>> 0) & 0xffffff) * 0x100;
  return () => MacAddress.local(next++);
}
