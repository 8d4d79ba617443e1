/**
 * The topology after loading and validation: plain data with defaults, kinds and groups merged,
 * ready for the builder. Every item keeps where it came from, for error messages.
 */

import type { BgpConfig } from "../routing/bgp/config.js";
import type { OspfConfig } from "../routing/ospf/config.js";
import type { RipConfig } from "../routing/rip/rip.js";
import type { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";
import type { IpAddress, Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import type { FirewallSpec, NatSpec } from "./nat-firewall.js";
import type { nodeKinds } from "./schema.js";

export type NodeKind = (typeof nodeKinds)[number];

/** A place in a topology file: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface InterfaceSpec {
  name: string;
  ipv4: Ipv4Prefix[];
  ipv6: Ipv6Prefix[];
  mac?: string;
  mtu?: number;
  /** Switch access port VLAN. */
  vlan?: number;
  /** Switch trunk VLANs. */
  trunk?: number[];
  native?: number;
  /** The address comes from DHCP (`dhcp: true` on the interface). */
  dhcp?: boolean;
  /** `ipv6-ra: true`: a router interface that advertises its prefixes (RFC 4861 §6.2). */
  ipv6Ra?: boolean;
}

export interface RouteSpec {
  to: Ipv4Prefix | Ipv6Prefix;
  via?: Ipv4Address | Ipv6Address;
  dev?: string;
  metric?: number;
  distance?: number;
}

export interface NodeSpec {
  name: string;
  kind: NodeKind;
  interfaces: Map<string, InterfaceSpec>;
  gateway?: Ipv4Address;
  gateway6?: Ipv6Address;
  routes: RouteSpec[];
  exec: string[];
  labels: Record<string, string>;
  /** Address translation (`kind: nat`, or the `nat` key of a router). */
  nat?: NatSpec;
  /** A stateful firewall (the `firewall` key). */
  firewall?: FirewallSpec;
  /** `bgp`: the router's BGP speaker (src/routing/bgp). */
  bgp?: BgpConfig;
  /** `nat64`: stateful NAT64 (RFC 6146) on a router; the prefix (default 64:ff9b::/96) and pool. */
  nat64?: { prefix?: string; pool?: string; outside?: string };
  /** `rip`: RIPv2 on a router (src/topology/routing.ts). */
  rip?: RipConfig;
  /** `ospf`: OSPFv2 on a router. */
  ospf?: OspfConfig;
  location: SourceLocation;
  /** `dhcp: true`: interfaces without an ipv4 address get one by DHCP (see {@link usesDhcp}). */
  dhcp?: boolean;
  /** `ipv6: true` runs IPv6 on every interface; `auto` also asks for automatic IPv6 addressing. */
  ipv6?: boolean | "auto";
  /** `ipv4: false`: an IPv6-only node (no IPv4 address, automatic or DHCP, and no gateway). */
  ipv4?: false;
  /** `dhcp-server`: the pools this node serves. */
  dhcpServer?: DhcpServerSpec;
  /** `dhcp-relay`. */
  dhcpRelay?: DhcpRelaySpec;
  /** `dns` and `dns-search`: the node's resolv.conf. */
  resolver?: ResolverSpec;
  /** `dns-server` (and `dns-zone`). */
  dnsServer?: DnsServerSpec;
}

/** One DHCP pool, checked (addresses parsed, lease in seconds). */
export interface DhcpPoolSpec {
  first: Ipv4Address;
  last: Ipv4Address;
  /** Given, or left for the builder: the interface whose subnet holds the pool. */
  interface?: string;
  /** For a relayed subnet. */
  subnet?: Ipv4Prefix;
  router?: Ipv4Address[];
  dns?: Ipv4Address[];
  domain?: string;
  /** Seconds (default 86400). */
  leaseTime: number;
  static: { mac: string; address: Ipv4Address; name?: string }[];
}

export interface DhcpServerSpec {
  pools: DhcpPoolSpec[];
  authoritative?: boolean;
  pingCheck?: boolean;
}

export interface DhcpRelaySpec {
  servers: Ipv4Address[];
  interfaces?: string[];
}

export interface ResolverSpec {
  servers: IpAddress[];
  search: string[];
}

export interface DnsRecordSpec {
  name: string;
  type: string;
  value: string;
  ttl?: number;
}

export interface DnsZoneSpec {
  origin: string;
  ttl?: number;
  /** Add the lab's nodes: A records for NAME.ORIGIN, PTR records in reverse zones (default true). */
  hosts: boolean;
  records: DnsRecordSpec[];
}

export interface DnsServerSpec {
  zones: DnsZoneSpec[];
  recursion: boolean;
  forwarders: Ipv4Address[];
  rootHints: Ipv4Address[];
  /** `dns64`: synthesize AAAA records in this NAT64 prefix (RFC 6147). */
  dns64?: string;
}

/** Whether `iface` of `node` gets its address by DHCP: flagged itself, or unaddressed on a `dhcp: true` node. */
export function usesDhcp(node: NodeSpec, iface: InterfaceSpec): boolean {
  return iface.dhcp === true || (node.dhcp === true && iface.ipv4.length === 0 && node.kind !== "switch");
}

/** Kinds that forward: a `nat` node is a router that translates. */
export function isRouterKind(kind: NodeKind): boolean {
  return kind === "router" || kind === "nat";
}

/** Link impairments as written (with units), converted by the builder's link layer. */
export interface ImpairmentSpec {
  rate?: string;
  delay?: string;
  jitter?: string;
  loss?: string;
  duplicate?: string;
  reorder?: string;
  corrupt?: string;
  mtu?: number;
  queue?: number;
}

export interface EndpointSpec {
  node: string;
  iface: string;
}

export interface LinkSpec {
  a: EndpointSpec;
  b: EndpointSpec;
  impairments: ImpairmentSpec;
  location: SourceLocation;
}

/** A link from an emulated interface to the Linux kernel through a TAP interface (docs/tap.md). */
export interface TapLinkSpec {
  /** The emulated side. */
  endpoint: EndpointSpec;
  /** The TAP interface's name (the `IFACE` of `tap:IFACE`). */
  name: string;
  /** Namespace of the TAP interface (created if missing). */
  netns?: string;
  /** Linux-side addresses. */
  addresses: Ipv4Prefix[];
  /** Linux-side routes as `ip route` takes them, e.g. "10.0.0.0/8 via 10.99.0.2". */
  routes: string[];
  mtu?: number;
  mac?: string;
  ipv6?: boolean;
  forwarding?: boolean;
  /** Impairments of the emulated link between the interface and the TAP. */
  impairments: ImpairmentSpec;
  location: SourceLocation;
}

export interface TopologySpec {
  name: string;
  file: string;
  nodes: Map<string, NodeSpec>;
  links: LinkSpec[];
  /** Links to the Linux kernel (`tap:IFACE` endpoints); they are not in `links`. */
  taps?: TapLinkSpec[];
}

/** A problem in a topology file, pointing at file, line and column. */
export class TopologyError {
  constructor(
    readonly message: string,
    readonly location: SourceLocation,
  ) {}

  toString(): string {
    return `${this.location.file}:${this.location.line}:${this.location.column}: ${this.message}`;
  }
}

/** Whether a node runs a dynamic routing protocol (then automatic addressing adds no static routes). */
export function usesDynamicRouting(node: NodeSpec): boolean {
  return node.bgp !== undefined || node.rip !== undefined || node.ospf !== undefined;
}
