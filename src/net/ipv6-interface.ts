/**
 * IPv6 on one interface: its addresses with their states and lifetimes (RFC 4862), the multicast
 * groups it listens to (RFC 4291 §2.8), its neighbour cache (RFC 4861 §5.1) and the link
 * parameters routers advertised (hop limit, MTU, reachable time).
 *
 * An address goes through the states of RFC 4862 §5.5.4 ("tentative" until duplicate address
 * detection passes, "preferred", "deprecated" once its preferred lifetime ends, gone when its
 * valid lifetime does), or ends "duplicate" when DAD finds another node using it (§5.4.5).
 */
import type { Timer } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";
import { Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import type { MacAddress } from "../wire/address/mac.js";
import type { NetInterface } from "./interface.js";
import type { NeighborCache } from "./neighbor-cache.js";

export type Ipv6AddressState = "tentative" | "preferred" | "deprecated" | "duplicate";
/** How the address came: the interface's own link-local one, configuration, or SLAAC (RFC 4862). */
export type Ipv6AddressOrigin = "link-local" | "static" | "slaac";

export interface Ipv6InterfaceAddress {
  readonly address: Ipv6Address;
  readonly prefixLength: number;
  state: Ipv6AddressState;
  readonly origin: Ipv6AddressOrigin;
  /** Absolute virtual time the address stops being valid; undefined for "forever". */
  validUntil: Nanoseconds | undefined;
  /** Absolute virtual time it stops being preferred; undefined for "forever". */
  preferredUntil: Nanoseconds | undefined;
  /** Skip duplicate address detection (`ip addr add ... nodad`). */
  readonly nodad: boolean;
  /** @internal DAD solicitations still to send, and the timer of the next step. */
  dadTransmitsLeft: number;
  timer: Timer | undefined;
}

/** A packet waiting for neighbour resolution: the frame it sits in, ready but for the MAC. */
export interface PendingIpv6Packet {
  frame: Uint8Array;
  /** Where the IPv6 header starts. */
  offset: number;
  length: number;
}

/** Router advertisement settings of a router interface (RFC 4861 §6.2.1, AdvXxx variables). */
export interface RouterAdvertisementConfig {
  /** Prefixes to advertise; by default every global /64 of the interface (the usual `ipv6-ra: true`). */
  prefixes?: Ipv6Prefix[];
  /** MaxRtrAdvInterval (default 600 s). */
  maxInterval?: Nanoseconds;
  /** MinRtrAdvInterval (default 0.33 × max, i.e. 200 s). */
  minInterval?: Nanoseconds;
  /** AdvDefaultLifetime in seconds (default 3 × max interval = 1800; 0: not a default router). */
  routerLifetime?: number;
  /** AdvCurHopLimit (default 64). */
  curHopLimit?: number;
  /** AdvLinkMTU: include an MTU option (default: none, as radvd). */
  mtu?: number;
  /** AdvValidLifetime / AdvPreferredLifetime of the prefixes, seconds (defaults 2592000 / 604800). */
  validLifetime?: number;
  preferredLifetime?: number;
  /** AdvManagedFlag / AdvOtherConfigFlag. */
  managed?: boolean;
  other?: boolean;
  /** Recursive DNS servers to announce (RFC 8106). */
  dnsServers?: Ipv6Address[];
}

const ALL_NODES = Ipv6Address.parse("ff02::1");
const ALL_ROUTERS = Ipv6Address.parse("ff02::2");

export { ALL_NODES, ALL_ROUTERS };

/**
 * The Modified EUI-64 interface identifier of a MAC address (RFC 4291 Appendix A, RFC 2464 §4):
 * ff:fe in the middle, and the universal/local bit inverted.
 */
export function eui64InterfaceId(mac: MacAddress): Uint8Array {
  const m = mac.toBytes();
  return Uint8Array.of(m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]);
}

/** `prefix` (its first 64 bits) followed by the EUI-64 identifier of `mac`. */
export function addressFromPrefix(prefix: Ipv6Address, mac: MacAddress): Ipv6Address {
  const bytes = prefix.toBytes();
  bytes.set(eui64InterfaceId(mac), 8);
  return new Ipv6Address(bytes);
}

/** fe80::/64 + EUI-64 (RFC 4862 §5.3). */
export function linkLocalAddress(mac: MacAddress): Ipv6Address {
  return addressFromPrefix(Ipv6Address.parse("fe80::"), mac);
}

/** The scope of an address (RFC 4007 §4 / RFC 6724 §3.1): 1 interface, 2 link, 5 site, 14 global. */
export function addressScope(address: Ipv6Address): number {
  const b = address.bytes;
  if (b[0] === 0xff) return b[1] & 0x0f;
  if (address.isLinkLocal || address.isLoopback) return 2;
  return 14;
}

/** 16 octets equal? */
export function sameBytes16(a: Uint8Array, b: Uint8Array, bOffset = 0): boolean {
  for (let i = 15; i >= 0; i--) if (a[i] !== b[bOffset + i]) return false;
  return true;
}

/** Leading bits `a` and `b` have in common (RFC 6724 §2.2 CommonPrefixLen), up to 128. */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) {
    const x = a[i] ^ b[i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 128;
}

/** IPv6 state of one interface; created when IPv6 is enabled on it. */
export class Ipv6InterfaceState {
  readonly addresses: Ipv6InterfaceAddress[] = [];
  /** Multicast groups listened to on this interface (canonical text → members). */
  readonly groups = new Map<string, { group: Ipv6Address; members: number }>();
  /** The neighbour cache, created on first use. */
  neighborCache: NeighborCache<PendingIpv6Packet> | undefined;
  /** CurHopLimit learned from a router (RFC 4861 §6.3.4); undefined: the node's default. */
  curHopLimit: number | undefined;
  /** The link MTU a router advertised (never above the link's own). */
  advertisedMtu: number | undefined;
  /** Router advertisement settings, on a router interface that advertises. */
  advertise: RouterAdvertisementConfig | undefined;
  /** Router Solicitations sent since the interface came up (RFC 4861 §6.3.7). */
  solicitationsSent = 0;
  /** @internal The timer of the next solicitation or unsolicited advertisement. */
  ndTimer: Timer | undefined;
  /** @internal Unsolicited advertisements sent since advertising started (the first 3 go faster). */
  advertisementsSent = 0;
  /** @internal Virtual time of the last multicast RA (RFC 4861 §6.2.6 rate limit). */
  lastMulticastAdvertisement = Number.NEGATIVE_INFINITY;
  /** Whether the link is up as far as IPv6 knows (the last change it saw). */
  up = false;

  constructor(readonly iface: NetInterface) {}

  /** The link MTU IPv6 uses on this interface. */
  get mtu(): number {
    const link = this.iface.mtu;
    return this.advertisedMtu !== undefined && this.advertisedMtu < link ? this.advertisedMtu : link;
  }

  /** The link-local address, once formed. */
  get linkLocal(): Ipv6InterfaceAddress | undefined {
    for (const a of this.addresses) if (a.origin === "link-local") return a;
    return undefined;
  }

  /** The entry for `address` (16 bytes at `offset`), in any state. */
  find(bytes: Uint8Array, offset = 0): Ipv6InterfaceAddress | undefined {
    for (const a of this.addresses) if (sameBytes16(a.address.bytes, bytes, offset)) return a;
    return undefined;
  }

  /** Addresses that may be used (as a source, or receive packets): preferred or deprecated. */
  usable(): Ipv6InterfaceAddress[] {
    return this.addresses.filter((a) => a.state === "preferred" || a.state === "deprecated");
  }

  /** Whether `address` is on-link here by one of the interface's own prefixes (not link-local). */
  onLinkByAddress(address: Ipv6Address): boolean {
    for (const a of this.addresses) {
      if (a.origin === "link-local" || a.state === "duplicate") continue;
      if (new Ipv6Prefix(a.address, a.prefixLength).contains(address)) return true;
    }
    return false;
  }

  /** Whether the interface listens to the multicast group at `bytes[offset..]`. */
  isMember(bytes: Uint8Array, offset: number): boolean {
    for (const entry of this.groups.values()) if (sameBytes16(entry.group.bytes, bytes, offset)) return true;
    return false;
  }
}
