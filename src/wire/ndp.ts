/**
 * Neighbor Discovery for IPv6 (RFC 4861): five ICMPv6 messages that replace ARP, router discovery
 * and ICMP redirects, plus the type-length-value options they carry.
 *
 * The messages share ICMPv6's 4-octet header (type, code, checksum; ./icmpv6.ts computes the
 * checksum), so every offset here is from the start of the ICMPv6 message.
 */
import { Ipv6Address } from "./address/ipv6.js";
import { MacAddress } from "./address/mac.js";
import { type FieldDescription, hex } from "./describe.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** ICMPv6 types of the Neighbor Discovery messages (RFC 4861 §4). */
export const NdpType = {
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
} as const;

/** Whether an ICMPv6 type is one of the five Neighbor Discovery messages. */
export function isNdpType(type: number): boolean {
  return type >= NdpType.RouterSolicitation && type <= NdpType.Redirect;
}

// Offsets within the message (RFC 4861 §4.1-§4.5).
const TYPE = 0;
const CODE = 1;
const RA_CUR_HOP_LIMIT = 4;
const RA_FLAGS = 5;
const RA_ROUTER_LIFETIME = 6;
const RA_REACHABLE_TIME = 8;
const RA_RETRANS_TIMER = 12;
const NA_FLAGS = 4;
const TARGET = 8;
const REDIRECT_DESTINATION = 24;

/** Where the options start, i.e. the fixed length of each message. */
const RS_LENGTH = 8;
const RA_LENGTH = 16;
const NS_LENGTH = 24;
const NA_LENGTH = 24;
const REDIRECT_LENGTH = 40;

const RA_MANAGED = 0x80;
const RA_OTHER = 0x40;
const NA_ROUTER = 0x80;
const NA_SOLICITED = 0x40;
const NA_OVERRIDE = 0x20;

/** A lifetime of all ones means "forever" (RFC 4861 §4.6.2). */
export const NDP_INFINITE_LIFETIME = 0xffffffff;

// ---------------------------------------------------------------------------------------------
// Options (RFC 4861 §4.6)

/** NDP option types (IANA "IPv6 Neighbor Discovery Option Formats"). */
export const NdpOptionType = {
  SourceLinkLayerAddress: 1,
  TargetLinkLayerAddress: 2,
  PrefixInformation: 3,
  RedirectedHeader: 4,
  Mtu: 5,
  RecursiveDnsServer: 25,
} as const;

const OPTION_NAMES: Record<number, string> = {
  1: "Source Link-Layer Address",
  2: "Target Link-Layer Address",
  3: "Prefix Information",
  4: "Redirected Header",
  5: "MTU",
  7: "Advertisement Interval",
  8: "Home Agent Information",
  14: "Nonce",
  24: "Route Information",
  25: "Recursive DNS Server",
  31: "DNS Search List",
  37: "Captive-Portal",
  38: "PREF64",
};

/** The name of an NDP option type, e.g. `"Prefix Information"`, or `"unknown"`. */
export function ndpOptionName(type: number): string {
  return OPTION_NAMES[type] ?? "unknown";
}

/** Options carry a length in 8-octet units, so every option is a multiple of 8 octets. */
const OPTION_UNIT = 8;
const PREFIX_INFORMATION_LENGTH = 32;
const MTU_OPTION_LENGTH = 8;
const REDIRECTED_HEADER_DATA = 8;
const RDNSS_ADDRESSES = 8;

export type NdpOption =
  /** Type 1: the sender's link-layer address (Ethernet: length 1). */
  | { kind: "source-link-layer-address"; address: MacAddress }
  /** Type 2: the target's link-layer address (Ethernet: length 1). */
  | { kind: "target-link-layer-address"; address: MacAddress }
  /** Type 3 (§4.6.2): an on-link prefix and/or one for stateless address autoconfiguration. */
  | {
      kind: "prefix-information";
      prefixLength: number;
      /** L: the prefix is on-link (hosts reach its addresses directly). */
      onLink: boolean;
      /** A: hosts may form addresses in it by SLAAC (RFC 4862). */
      autonomous: boolean;
      /** The six remaining flag bits (R of RFC 6275 is 0x20), kept as received. */
      reservedFlags: number;
      /** Seconds the prefix stays on-link; 0xffffffff is infinity. */
      validLifetime: number;
      /** Seconds addresses formed from it stay preferred. */
      preferredLifetime: number;
      prefix: Ipv6Address;
    }
  /** Type 4 (§4.6.3): as much of the redirected packet as fits. Its length is a multiple of 8. */
  | { kind: "redirected-header"; packet: Uint8Array }
  /** Type 5 (§4.6.4): the MTU to use on this link. */
  | { kind: "mtu"; mtu: number }
  /** Type 25 (RFC 8106 §5.1): recursive DNS servers, for `lifetime` seconds. */
  | { kind: "recursive-dns-server"; lifetime: number; servers: Ipv6Address[] }
  /**
   * An option we do not decode, kept byte-exact: an unknown type (RFC 4861 §4.6: receivers
   * silently ignore it), or a known type whose length does not fit its format, e.g. the link-layer
   * address of a link that is not Ethernet. `data` follows the type and length octets.
   */
  | { kind: "unknown"; type: number; data: Uint8Array };

/** Octets an option takes. */
export function ndpOptionLength(option: NdpOption): number {
  switch (option.kind) {
    case "source-link-layer-address":
    case "target-link-layer-address":
    case "mtu":
      return OPTION_UNIT;
    case "prefix-information":
      return PREFIX_INFORMATION_LENGTH;
    case "redirected-header":
      return REDIRECTED_HEADER_DATA + option.packet.length;
    case "recursive-dns-server":
      return RDNSS_ADDRESSES + 16 * option.servers.length;
    case "unknown":
      return 2 + option.data.length;
  }
}

/** Octets a list of options takes. */
export function ndpOptionsLength(options: readonly NdpOption[]): number {
  let length = 0;
  for (let i = 0; i < options.length; i++) length += ndpOptionLength(options[i]);
  return length;
}

/**
 * Parses the options in `bytes[start, end)`. An option with length 0 is an error: RFC 4861 §4.6
 * says nodes must silently discard such a packet (a zero length would make a walk loop forever).
 */
export function parseNdpOptions(
  bytes: Uint8Array,
  start: number,
  end = bytes.length,
): NdpOption[] | ParseError {
  const options: NdpOption[] = [];
  let i = start;
  while (i < end) {
    if (i + 2 > end) {
      return new ParseError(
        "ndp",
        `option at ${i} is truncated: ${end - i} octet(s), need type and length`,
        i,
      );
    }
    const type = bytes[i];
    const units = bytes[i + 1];
    if (units === 0) {
      return new ParseError(
        "ndp",
        `option type ${type} has length 0, the packet must be discarded (RFC 4861 §4.6)`,
        i + 1,
      );
    }
    const length = units * OPTION_UNIT;
    if (i + length > end) {
      return new ParseError(
        "ndp",
        `option type ${type} claims ${length} octets but only ${end - i} remain`,
        i + 1,
      );
    }
    options.push(parseOption(bytes, i, type, length));
    i += length;
  }
  return options;
}

function parseOption(bytes: Uint8Array, at: number, type: number, length: number): NdpOption {
  switch (type) {
    case NdpOptionType.SourceLinkLayerAddress:
    case NdpOptionType.TargetLinkLayerAddress:
      // RFC 4861 §4.6.1 with RFC 2464 §6 (Ethernet): length 1, 6 octets of address.
      if (length === OPTION_UNIT) {
        return {
          kind: type === 1 ? "source-link-layer-address" : "target-link-layer-address",
          address: MacAddress.fromBytes(bytes, at + 2),
        };
      }
      break;
    case NdpOptionType.PrefixInformation:
      if (length === PREFIX_INFORMATION_LENGTH) {
        const flags = bytes[at + 3];
        return {
          kind: "prefix-information",
          prefixLength: bytes[at + 2],
          onLink: (flags & 0x80) !== 0,
          autonomous: (flags & 0x40) !== 0,
          reservedFlags: flags & 0x3f,
          validLifetime: readUint32(bytes, at + 4),
          preferredLifetime: readUint32(bytes, at + 8),
          prefix: Ipv6Address.fromBytes(bytes, at + 16),
        };
      }
      break;
    case NdpOptionType.RedirectedHeader:
      return { kind: "redirected-header", packet: bytes.subarray(at + REDIRECTED_HEADER_DATA, at + length) };
    case NdpOptionType.Mtu:
      if (length === MTU_OPTION_LENGTH) return { kind: "mtu", mtu: readUint32(bytes, at + 4) };
      break;
    case NdpOptionType.RecursiveDnsServer:
      // RFC 8106 §5.1: length 3 + 2(n-1), i.e. 8 octets then n ≥ 1 addresses of 16.
      if (length >= RDNSS_ADDRESSES + 16 && (length - RDNSS_ADDRESSES) % 16 === 0) {
        const servers: Ipv6Address[] = [];
        for (let a = at + RDNSS_ADDRESSES; a < at + length; a += 16)
          servers.push(Ipv6Address.fromBytes(bytes, a));
        return { kind: "recursive-dns-server", lifetime: readUint32(bytes, at + 4), servers };
      }
      break;
  }
  return { kind: "unknown", type, data: bytes.subarray(at + 2, at + length) };
}

/**
 * Writes options at `offset` and returns their length. Throws a RangeError for an option whose
 * length is not a whole number of 8-octet units (a programming error, not bad input).
 */
export function emitNdpOptions(options: readonly NdpOption[], into: Uint8Array, offset: number): number {
  let at = offset;
  for (let k = 0; k < options.length; k++) {
    const option = options[k];
    const length = ndpOptionLength(option);
    if (length % OPTION_UNIT !== 0 || length === 0 || length > 255 * OPTION_UNIT) {
      throw new RangeError(`NDP ${option.kind} option of ${length} octets is not 1..255 units of 8 octets`);
    }
    into.fill(0, at, at + length);
    into[at + 1] = length / OPTION_UNIT;
    switch (option.kind) {
      case "source-link-layer-address":
      case "target-link-layer-address":
        into[at] = option.kind === "source-link-layer-address" ? 1 : 2;
        option.address.writeTo(into, at + 2);
        break;
      case "prefix-information":
        into[at] = NdpOptionType.PrefixInformation;
        into[at + 2] = option.prefixLength;
        into[at + 3] =
          (option.onLink ? 0x80 : 0) | (option.autonomous ? 0x40 : 0) | (option.reservedFlags & 0x3f);
        writeUint32(into, at + 4, option.validLifetime);
        writeUint32(into, at + 8, option.preferredLifetime);
        into.set(option.prefix.bytes, at + 16);
        break;
      case "redirected-header":
        into[at] = NdpOptionType.RedirectedHeader;
        into.set(option.packet, at + REDIRECTED_HEADER_DATA);
        break;
      case "mtu":
        into[at] = NdpOptionType.Mtu;
        writeUint32(into, at + 4, option.mtu);
        break;
      case "recursive-dns-server":
        into[at] = NdpOptionType.RecursiveDnsServer;
        writeUint32(into, at + 4, option.lifetime);
        for (let s = 0; s < option.servers.length; s++)
          into.set(option.servers[s].bytes, at + RDNSS_ADDRESSES + s * 16);
        break;
      case "unknown":
        into[at] = option.type;
        into.set(option.data, at + 2);
        break;
    }
    at += length;
  }
  return at - offset;
}

/**
 * The redirected packet to put in a Redirected Header option: cut to whole 8-octet units and so
 * that the Redirect stays within the minimum MTU (RFC 4861 §4.6.3, §8.2).
 */
export function redirectedHeaderPacket(packet: Uint8Array, room: number): Uint8Array {
  const length = Math.max(0, Math.min(packet.length, room - REDIRECTED_HEADER_DATA)) & ~7;
  return packet.subarray(0, length);
}

// ---------------------------------------------------------------------------------------------
// Messages (RFC 4861 §4.1-§4.5)

/** §4.1: a host asks routers to advertise now. */
export interface RouterSolicitation {
  kind: "router-solicitation";
  code: number;
  options: NdpOption[];
}

/** §4.2: a router announces itself, the link's parameters and prefixes. */
export interface RouterAdvertisement {
  kind: "router-advertisement";
  code: number;
  /** The Hop Limit hosts should use; 0 means unspecified by this router. */
  curHopLimit: number;
  /** M: addresses are available via DHCPv6 (RFC 8415). */
  managed: boolean;
  /** O: other configuration (e.g. DNS) is available via DHCPv6. */
  other: boolean;
  /**
   * The six remaining flag bits, kept as received: H (home agent, RFC 6275) is 0x20, Prf (default
   * router preference, RFC 4191) is 0x18, P (proxy, RFC 4389) is 0x04.
   */
  reservedFlags: number;
  /** Seconds this router may be a default router; 0 means "not a default router". */
  routerLifetime: number;
  /** Milliseconds a neighbor counts as reachable after a confirmation; 0 unspecified. */
  reachableTime: number;
  /** Milliseconds between retransmitted Neighbor Solicitations; 0 unspecified. */
  retransTimer: number;
  options: NdpOption[];
}

/** §4.3: "who has `target`?" (address resolution), or "are you still there?" (unreachability detection). */
export interface NeighborSolicitation {
  kind: "neighbor-solicitation";
  code: number;
  target: Ipv6Address;
  options: NdpOption[];
}

/** §4.4: "`target` is at (Target Link-Layer Address option)". */
export interface NeighborAdvertisement {
  kind: "neighbor-advertisement";
  code: number;
  /** R: the sender is a router. */
  router: boolean;
  /** S: sent in response to a Neighbor Solicitation. */
  solicited: boolean;
  /** O: override an existing cache entry's link-layer address. */
  override: boolean;
  target: Ipv6Address;
  options: NdpOption[];
}

/** §4.5: a router tells a host of a better first hop (`target`) for `destination`. */
export interface Redirect {
  kind: "redirect";
  code: number;
  /** The better first hop; equals `destination` when the destination is itself on-link. */
  target: Ipv6Address;
  destination: Ipv6Address;
  options: NdpOption[];
}

export type NdpRepr =
  | RouterSolicitation
  | RouterAdvertisement
  | NeighborSolicitation
  | NeighborAdvertisement
  | Redirect;

function fixedLength(type: number): number {
  switch (type) {
    case NdpType.RouterSolicitation:
      return RS_LENGTH;
    case NdpType.RouterAdvertisement:
      return RA_LENGTH;
    case NdpType.NeighborSolicitation:
      return NS_LENGTH;
    case NdpType.NeighborAdvertisement:
      return NA_LENGTH;
    default:
      return REDIRECT_LENGTH;
  }
}

const MESSAGE_NAMES: Record<number, string> = {
  133: "Router Solicitation",
  134: "Router Advertisement",
  135: "Neighbor Solicitation",
  136: "Neighbor Advertisement",
  137: "Redirect",
};

/**
 * Parses a whole Neighbor Discovery message (ICMPv6 header included; the checksum is not checked
 * here, see `verifyIcmpv6Checksum`). Semantic checks that need the IP header (Hop Limit 255 and so
 * on) are in {@link ndpValidityProblem}.
 */
export function parseNdp(bytes: Uint8Array): NdpRepr | ParseError {
  if (bytes.length < 4) return new ParseError("ndp", `truncated: ${bytes.length} octets, need 4`, 0);
  const type = bytes[TYPE];
  if (!isNdpType(type))
    return new ParseError("ndp", `ICMPv6 type ${type} is not a Neighbor Discovery message`, 0);
  const minimum = fixedLength(type);
  if (bytes.length < minimum) {
    return new ParseError(
      "ndp",
      `truncated ${MESSAGE_NAMES[type]}: ${bytes.length} octets, need at least ${minimum} (RFC 4861 §4)`,
      bytes.length,
    );
  }
  const options = parseNdpOptions(bytes, minimum);
  if (options instanceof ParseError) return options;
  const code = bytes[CODE];
  switch (type) {
    case NdpType.RouterSolicitation:
      return { kind: "router-solicitation", code, options };
    case NdpType.RouterAdvertisement: {
      const flags = bytes[RA_FLAGS];
      return {
        kind: "router-advertisement",
        code,
        curHopLimit: bytes[RA_CUR_HOP_LIMIT],
        managed: (flags & RA_MANAGED) !== 0,
        other: (flags & RA_OTHER) !== 0,
        reservedFlags: flags & 0x3f,
        routerLifetime: readUint16(bytes, RA_ROUTER_LIFETIME),
        reachableTime: readUint32(bytes, RA_REACHABLE_TIME),
        retransTimer: readUint32(bytes, RA_RETRANS_TIMER),
        options,
      };
    }
    case NdpType.NeighborSolicitation:
      return { kind: "neighbor-solicitation", code, target: Ipv6Address.fromBytes(bytes, TARGET), options };
    case NdpType.NeighborAdvertisement: {
      const flags = bytes[NA_FLAGS];
      return {
        kind: "neighbor-advertisement",
        code,
        router: (flags & NA_ROUTER) !== 0,
        solicited: (flags & NA_SOLICITED) !== 0,
        override: (flags & NA_OVERRIDE) !== 0,
        target: Ipv6Address.fromBytes(bytes, TARGET),
        options,
      };
    }
    default:
      return {
        kind: "redirect",
        code,
        target: Ipv6Address.fromBytes(bytes, TARGET),
        destination: Ipv6Address.fromBytes(bytes, REDIRECT_DESTINATION),
        options,
      };
  }
}

/** The ICMPv6 type of an NDP message. */
export function ndpType(repr: NdpRepr): number {
  switch (repr.kind) {
    case "router-solicitation":
      return NdpType.RouterSolicitation;
    case "router-advertisement":
      return NdpType.RouterAdvertisement;
    case "neighbor-solicitation":
      return NdpType.NeighborSolicitation;
    case "neighbor-advertisement":
      return NdpType.NeighborAdvertisement;
    case "redirect":
      return NdpType.Redirect;
  }
}

/** Octets the whole message takes (ICMPv6 header included). */
export function ndpLength(repr: NdpRepr): number {
  return fixedLength(ndpType(repr)) + ndpOptionsLength(repr.options);
}

/**
 * Writes the whole message with a zero checksum (`emitIcmpv6` fills it in) and returns its length.
 * Reserved fields are written as zero (RFC 4861 §4: "MUST be initialized to zero by the sender").
 */
export function emitNdp(repr: NdpRepr, into: Uint8Array): number {
  const type = ndpType(repr);
  const fixed = fixedLength(type);
  const length = fixed + ndpOptionsLength(repr.options);
  if (into.length < length)
    throw new RangeError(`NDP message needs ${length} octets, buffer has ${into.length}`);
  into.fill(0, 0, fixed);
  into[TYPE] = type;
  into[CODE] = repr.code;
  switch (repr.kind) {
    case "router-solicitation":
      break;
    case "router-advertisement":
      into[RA_CUR_HOP_LIMIT] = repr.curHopLimit;
      into[RA_FLAGS] =
        (repr.managed ? RA_MANAGED : 0) | (repr.other ? RA_OTHER : 0) | (repr.reservedFlags & 0x3f);
      writeUint16(into, RA_ROUTER_LIFETIME, repr.routerLifetime);
      writeUint32(into, RA_REACHABLE_TIME, repr.reachableTime);
      writeUint32(into, RA_RETRANS_TIMER, repr.retransTimer);
      break;
    case "neighbor-solicitation":
      into.set(repr.target.bytes, TARGET);
      break;
    case "neighbor-advertisement":
      into[NA_FLAGS] =
        (repr.router ? NA_ROUTER : 0) |
        (repr.solicited ? NA_SOLICITED : 0) |
        (repr.override ? NA_OVERRIDE : 0);
      into.set(repr.target.bytes, TARGET);
      break;
    case "redirect":
      into.set(repr.target.bytes, TARGET);
      into.set(repr.destination.bytes, REDIRECT_DESTINATION);
      break;
  }
  emitNdpOptions(repr.options, into, fixed);
  return length;
}

/** The first option of a kind, e.g. the Source Link-Layer Address of a solicitation. */
export function findNdpOption<K extends NdpOption["kind"]>(
  options: readonly NdpOption[],
  kind: K,
): Extract<NdpOption, { kind: K }> | undefined {
  for (let i = 0; i < options.length; i++) {
    if (options[i].kind === kind) return options[i] as Extract<NdpOption, { kind: K }>;
  }
  return undefined;
}

/** What a receiver knows from the IPv6 header that carried the message. */
export interface NdpIpContext {
  hopLimit: number;
  src: Ipv6Address;
  dst: Ipv6Address;
}

/**
 * The receiver's validity checks of RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2 and §8.1 that a parser
 * cannot make alone. Returns why the message must be silently discarded, or `undefined` if valid.
 * (The checksum, the minimum lengths and nonzero option lengths are checked elsewhere.)
 */
export function ndpValidityProblem(repr: NdpRepr, ip: NdpIpContext): string | undefined {
  // Hop Limit 255 proves the sender is on this link: a router would have decremented it.
  if (ip.hopLimit !== 255) return `IP Hop Limit is ${ip.hopLimit}, not 255: the message came from off-link`;
  if (repr.code !== 0) return `ICMP Code is ${repr.code}, not 0`;
  switch (repr.kind) {
    case "router-solicitation":
      if (ip.src.isUnspecified && findNdpOption(repr.options, "source-link-layer-address")) {
        return "a solicitation from the unspecified address must not carry a Source Link-Layer Address option (§6.1.1)";
      }
      return undefined;
    case "router-advertisement":
      if (!ip.src.isLinkLocal) return "a Router Advertisement must come from a link-local address (§6.1.2)";
      return undefined;
    case "neighbor-solicitation":
      if (repr.target.isMulticast) return "the Target Address must not be multicast (§7.1.1)";
      if (ip.src.isUnspecified) {
        if (!isSolicitedNodeMulticast(ip.dst)) {
          return "a solicitation from the unspecified address must go to a solicited-node multicast address (§7.1.1)";
        }
        if (findNdpOption(repr.options, "source-link-layer-address")) {
          return "a solicitation from the unspecified address must not carry a Source Link-Layer Address option (§7.1.1)";
        }
      }
      return undefined;
    case "neighbor-advertisement":
      if (repr.target.isMulticast) return "the Target Address must not be multicast (§7.1.2)";
      if (ip.dst.isMulticast && repr.solicited) {
        return "an advertisement to a multicast address must not have the Solicited flag (§7.1.2)";
      }
      return undefined;
    case "redirect":
      if (!ip.src.isLinkLocal) return "a Redirect must come from a link-local address (§8.1)";
      if (repr.destination.isMulticast) return "the Destination Address must not be multicast (§8.1)";
      if (!repr.target.isLinkLocal && !repr.target.equals(repr.destination)) {
        return "the Target Address must be link-local or equal the Destination Address (§8.1)";
      }
      return undefined;
  }
}

/** ff02::1:ffXX:XXXX (RFC 4291 §2.7.1). */
function isSolicitedNodeMulticast(address: Ipv6Address): boolean {
  const b = address.bytes;
  if (b[0] !== 0xff || b[1] !== 0x02) return false;
  for (let i = 2; i < 11; i++) if (b[i] !== 0) return false;
  return b[11] === 0x01 && b[12] === 0xff;
}

// ---------------------------------------------------------------------------------------------
// Zero-copy views of the fixed parts (they assume parseNdp's minimum lengths hold).

/** A Router Advertisement's fixed fields, in place. */
export class RouterAdvertisementView {
  constructor(readonly bytes: Uint8Array) {}
  get curHopLimit(): number {
    return this.bytes[RA_CUR_HOP_LIMIT];
  }
  set curHopLimit(value: number) {
    this.bytes[RA_CUR_HOP_LIMIT] = value;
  }
  get managed(): boolean {
    return (this.bytes[RA_FLAGS] & RA_MANAGED) !== 0;
  }
  set managed(value: boolean) {
    this.bytes[RA_FLAGS] = value ? this.bytes[RA_FLAGS] | RA_MANAGED : this.bytes[RA_FLAGS] & ~RA_MANAGED;
  }
  get other(): boolean {
    return (this.bytes[RA_FLAGS] & RA_OTHER) !== 0;
  }
  set other(value: boolean) {
    this.bytes[RA_FLAGS] = value ? this.bytes[RA_FLAGS] | RA_OTHER : this.bytes[RA_FLAGS] & ~RA_OTHER;
  }
  get reservedFlags(): number {
    return this.bytes[RA_FLAGS] & 0x3f;
  }
  set reservedFlags(value: number) {
    this.bytes[RA_FLAGS] = (this.bytes[RA_FLAGS] & 0xc0) | (value & 0x3f);
  }
  get routerLifetime(): number {
    return readUint16(this.bytes, RA_ROUTER_LIFETIME);
  }
  set routerLifetime(value: number) {
    writeUint16(this.bytes, RA_ROUTER_LIFETIME, value);
  }
  get reachableTime(): number {
    return readUint32(this.bytes, RA_REACHABLE_TIME);
  }
  set reachableTime(value: number) {
    writeUint32(this.bytes, RA_REACHABLE_TIME, value);
  }
  get retransTimer(): number {
    return readUint32(this.bytes, RA_RETRANS_TIMER);
  }
  set retransTimer(value: number) {
    writeUint32(this.bytes, RA_RETRANS_TIMER, value);
  }
  get options(): Uint8Array {
    return this.bytes.subarray(RA_LENGTH);
  }
}

/** A Neighbor Solicitation or Advertisement's fixed fields, in place (the flags are NA only). */
export class NeighborMessageView {
  constructor(readonly bytes: Uint8Array) {}
  get router(): boolean {
    return (this.bytes[NA_FLAGS] & NA_ROUTER) !== 0;
  }
  set router(value: boolean) {
    this.setFlag(NA_ROUTER, value);
  }
  get solicited(): boolean {
    return (this.bytes[NA_FLAGS] & NA_SOLICITED) !== 0;
  }
  set solicited(value: boolean) {
    this.setFlag(NA_SOLICITED, value);
  }
  get override(): boolean {
    return (this.bytes[NA_FLAGS] & NA_OVERRIDE) !== 0;
  }
  set override(value: boolean) {
    this.setFlag(NA_OVERRIDE, value);
  }
  /** The target address octets, in place. */
  get targetBytes(): Uint8Array {
    return this.bytes.subarray(TARGET, TARGET + 16);
  }
  get target(): Ipv6Address {
    return Ipv6Address.fromBytes(this.bytes, TARGET);
  }
  set target(address: Ipv6Address) {
    this.bytes.set(address.bytes, TARGET);
  }
  get options(): Uint8Array {
    return this.bytes.subarray(NS_LENGTH);
  }
  private setFlag(bit: number, value: boolean): void {
    this.bytes[NA_FLAGS] = value ? this.bytes[NA_FLAGS] | bit : this.bytes[NA_FLAGS] & ~bit;
  }
}

/** A Redirect's fixed fields, in place. */
export class RedirectView {
  constructor(readonly bytes: Uint8Array) {}
  get target(): Ipv6Address {
    return Ipv6Address.fromBytes(this.bytes, TARGET);
  }
  set target(address: Ipv6Address) {
    this.bytes.set(address.bytes, TARGET);
  }
  get destination(): Ipv6Address {
    return Ipv6Address.fromBytes(this.bytes, REDIRECT_DESTINATION);
  }
  set destination(address: Ipv6Address) {
    this.bytes.set(address.bytes, REDIRECT_DESTINATION);
  }
  get options(): Uint8Array {
    return this.bytes.subarray(REDIRECT_LENGTH);
  }
}

/** One option's type and length, in place (`bytes` starts at the option). */
export class NdpOptionView {
  constructor(readonly bytes: Uint8Array) {}
  get type(): number {
    return this.bytes[0];
  }
  set type(value: number) {
    this.bytes[0] = value;
  }
  /** Length in units of 8 octets, including type and length. */
  get lengthUnits(): number {
    return this.bytes[1];
  }
  set lengthUnits(value: number) {
    this.bytes[1] = value;
  }
  get length(): number {
    return this.bytes[1] * OPTION_UNIT;
  }
  /** Octets after type and length. */
  get data(): Uint8Array {
    return this.bytes.subarray(2, this.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Descriptions (used by describeIcmpv6)

function lifetime(seconds: number): string {
  return seconds === NDP_INFINITE_LIFETIME ? "infinity" : `${seconds}s`;
}

const ROUTER_PREFERENCES = ["medium", "high", "reserved", "low"];

/** The fields after the ICMPv6 header, for `describeIcmpv6`. Offsets are from the message start. */
export function describeNdpFields(repr: NdpRepr): FieldDescription[] {
  const fields: FieldDescription[] = [];
  const target = (meaning: string): FieldDescription => ({
    name: "Target Address",
    value: (repr as NeighborSolicitation).target.toString(),
    meaning,
    offset: TARGET,
    length: 16,
  });
  switch (repr.kind) {
    case "router-solicitation":
      break;
    case "router-advertisement": {
      const preference = (repr.reservedFlags >>> 3) & 3;
      fields.push(
        {
          name: "Cur Hop Limit",
          value: `${repr.curHopLimit}`,
          meaning: repr.curHopLimit === 0 ? "unspecified by this router" : "the Hop Limit hosts should use",
          offset: RA_CUR_HOP_LIMIT,
          length: 1,
        },
        {
          name: "M (Managed address configuration)",
          value: repr.managed ? "1" : "0",
          meaning: repr.managed ? "get addresses from DHCPv6" : "no DHCPv6 addresses",
          offset: RA_FLAGS,
          length: 1,
        },
        {
          name: "O (Other configuration)",
          value: repr.other ? "1" : "0",
          meaning: repr.other ? "get other settings (e.g. DNS) from DHCPv6" : "no other DHCPv6 settings",
          offset: RA_FLAGS,
          length: 1,
        },
        {
          name: "Other flags",
          value: hex(repr.reservedFlags, 2),
          meaning: `H (home agent) ${(repr.reservedFlags >>> 5) & 1}, default router preference ${ROUTER_PREFERENCES[preference]} (RFC 4191), P (proxy) ${(repr.reservedFlags >>> 2) & 1}`,
          offset: RA_FLAGS,
          length: 1,
        },
        {
          name: "Router Lifetime",
          value: `${repr.routerLifetime}s`,
          meaning:
            repr.routerLifetime === 0
              ? "not a default router"
              : "how long this router may be a default router",
          offset: RA_ROUTER_LIFETIME,
          length: 2,
        },
        {
          name: "Reachable Time",
          value: `${repr.reachableTime}ms`,
          meaning: "how long a neighbor counts as reachable after a confirmation (0: unspecified)",
          offset: RA_REACHABLE_TIME,
          length: 4,
        },
        {
          name: "Retrans Timer",
          value: `${repr.retransTimer}ms`,
          meaning: "time between retransmitted Neighbor Solicitations (0: unspecified)",
          offset: RA_RETRANS_TIMER,
          length: 4,
        },
      );
      break;
    }
    case "neighbor-solicitation":
      fields.push(target("the address whose link-layer address is wanted"));
      break;
    case "neighbor-advertisement":
      fields.push(
        {
          name: "R (Router)",
          value: repr.router ? "1" : "0",
          meaning: repr.router ? "the sender is a router" : "the sender is a host",
          offset: NA_FLAGS,
          length: 1,
        },
        {
          name: "S (Solicited)",
          value: repr.solicited ? "1" : "0",
          meaning: repr.solicited ? "an answer to a Neighbor Solicitation" : "unsolicited",
          offset: NA_FLAGS,
          length: 1,
        },
        {
          name: "O (Override)",
          value: repr.override ? "1" : "0",
          meaning: repr.override
            ? "replace a cached link-layer address"
            : "do not replace a cached link-layer address",
          offset: NA_FLAGS,
          length: 1,
        },
        target("the address this advertisement is about"),
      );
      break;
    case "redirect":
      fields.push(
        {
          name: "Target Address",
          value: repr.target.toString(),
          meaning: repr.target.equals(repr.destination)
            ? "the destination is on-link: send to it directly"
            : "a better first-hop router for the destination",
          offset: TARGET,
          length: 16,
        },
        {
          name: "Destination Address",
          value: repr.destination.toString(),
          meaning: "the destination being redirected",
          offset: REDIRECT_DESTINATION,
          length: 16,
        },
      );
      break;
  }
  let at = fixedLength(ndpType(repr));
  for (const option of repr.options) {
    const field = describeNdpOption(option);
    field.offset = at;
    field.length = ndpOptionLength(option);
    at += field.length;
    fields.push(field);
  }
  return fields;
}

function describeNdpOption(option: NdpOption): FieldDescription {
  switch (option.kind) {
    case "source-link-layer-address":
      return {
        name: "Source Link-Layer Address option",
        value: option.address.toString(),
        meaning: "the sender's MAC address, so the receiver need not ask for it",
      };
    case "target-link-layer-address":
      return {
        name: "Target Link-Layer Address option",
        value: option.address.toString(),
        meaning: "the target's MAC address: the answer to address resolution",
      };
    case "prefix-information":
      return {
        name: "Prefix Information option",
        value: `${option.prefix}/${option.prefixLength}`,
        meaning: "a prefix on this link",
        children: [
          {
            name: "L (on-link)",
            value: option.onLink ? "1" : "0",
            meaning: option.onLink
              ? "addresses in the prefix are reachable directly"
              : "no on-link statement",
          },
          {
            name: "A (autonomous)",
            value: option.autonomous ? "1" : "0",
            meaning: option.autonomous ? "hosts may form addresses in it themselves (SLAAC)" : "no SLAAC",
          },
          {
            name: "Valid Lifetime",
            value: lifetime(option.validLifetime),
            meaning: "how long the prefix is valid",
          },
          {
            name: "Preferred Lifetime",
            value: lifetime(option.preferredLifetime),
            meaning: "how long addresses from it stay preferred for new connections",
          },
        ],
      };
    case "redirected-header":
      return {
        name: "Redirected Header option",
        value: `${option.packet.length} octets`,
        meaning: "the start of the packet that triggered the redirect",
      };
    case "mtu":
      return {
        name: "MTU option",
        value: `${option.mtu}`,
        meaning: "the MTU all nodes on this link should use",
      };
    case "recursive-dns-server":
      return {
        name: "Recursive DNS Server option",
        value: option.servers.map((s) => s.toString()).join(", "),
        meaning: `DNS servers to use, for ${lifetime(option.lifetime)} (RFC 8106)`,
      };
    case "unknown":
      return {
        name: `Option ${option.type} (${ndpOptionName(option.type)})`,
        value: `${option.data.length + 2} octets`,
        meaning:
          OPTION_NAMES[option.type] !== undefined
            ? "not decoded here"
            : "unknown option: receivers ignore it (RFC 4861 §4.6)",
      };
  }
}

/** tcpdump-like summary text for an NDP message (after "ICMP6, "). */
export function ndpSummary(repr: NdpRepr, length: number): string {
  switch (repr.kind) {
    case "router-solicitation":
      return `router solicitation, length ${length}`;
    case "router-advertisement":
      return `router advertisement, length ${length}`;
    case "neighbor-solicitation":
      return `neighbor solicitation, length ${length}, who has ${repr.target}`;
    case "neighbor-advertisement": {
      const flags: string[] = [];
      if (repr.router) flags.push("router");
      if (repr.solicited) flags.push("solicited");
      if (repr.override) flags.push("override");
      return `neighbor advertisement, length ${length}, tgt is ${repr.target}, Flags [${flags.join(", ")}]`;
    }
    case "redirect":
      return `redirect, length ${length}, ${repr.destination} to ${repr.target}`;
  }
}
