/**
 * IPv6 extension headers (RFC 8200 §4): the optional headers between the fixed IPv6 header and the
 * upper-layer protocol, each naming the next one in its Next Header field, like a linked list.
 *
 * - Hop-by-Hop Options and Destination Options (§4.3, §4.6) carry type-length-value options (§4.2).
 * - Routing (§4.4) lists intermediate nodes; type 0 is deprecated (RFC 5095), type 4 is the Segment
 *   Routing Header (RFC 8754).
 * - Fragment (§4.5) marks one piece of a packet that the source split.
 * - Authentication Header (RFC 4302) and the headers that follow RFC 6564's uniform format
 *   (Mobility, HIP, Shim6, experiments) are walked over and kept as bytes.
 *
 * `walkIpv6Extensions` follows the chain to the upper layer, bounded so a hostile packet cannot make
 * it loop or run long, and returns a `ParseError` when the chain is truncated.
 */
import { Ipv6Address } from "./address/ipv6.js";
import { type FieldDescription, hex, type LayerDescription, OSI_NETWORK } from "./describe.js";
import { readUint32, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** IANA "Assigned Internet Protocol Numbers" as they appear in an IPv6 Next Header field. */
export const Ipv6NextHeader = {
  HopByHop: 0,
  Icmp: 1,
  Igmp: 2,
  Ipv4: 4,
  Tcp: 6,
  Udp: 17,
  Ipv6: 41,
  Routing: 43,
  Fragment: 44,
  Gre: 47,
  Esp: 50,
  Ah: 51,
  Icmpv6: 58,
  NoNextHeader: 59,
  DestinationOptions: 60,
  Ospf: 89,
  Pim: 103,
  Vrrp: 112,
  Sctp: 132,
  Mobility: 135,
  UdpLite: 136,
  Hip: 139,
  Shim6: 140,
  Ethernet: 143,
  Experiment1: 253,
  Experiment2: 254,
} as const;

const NEXT_HEADER_NAMES: Record<number, string> = {
  0: "Hop-by-Hop Options",
  1: "ICMP",
  2: "IGMP",
  4: "IPv4",
  6: "TCP",
  17: "UDP",
  41: "IPv6",
  43: "Routing",
  44: "Fragment",
  47: "GRE",
  50: "ESP",
  51: "AH",
  58: "ICMPv6",
  59: "No Next Header",
  60: "Destination Options",
  89: "OSPF",
  103: "PIM",
  112: "VRRP",
  132: "SCTP",
  135: "Mobility",
  136: "UDP-Lite",
  139: "HIP",
  140: "Shim6",
  143: "Ethernet",
  253: "Experimentation 1",
  254: "Experimentation 2",
};

/** The name of an IPv6 Next Header (IP protocol) value, e.g. `"ICMPv6"`, or `"unknown"`. */
export function ipv6NextHeaderName(value: number): string {
  return NEXT_HEADER_NAMES[value] ?? "unknown";
}

/**
 * Whether a Next Header value names an IPv6 extension header (RFC 7045 §2, the IANA "IPv6
 * Extension Header Types" registry). ESP is one, but what follows it is encrypted, so a walk ends there.
 */
export function isIpv6ExtensionHeader(value: number): boolean {
  switch (value) {
    case 0:
    case 43:
    case 44:
    case 50:
    case 51:
    case 60:
    case 135:
    case 139:
    case 140:
    case 253:
    case 254:
      return true;
    default:
      return false;
  }
}

// Offsets shared by every extension header (RFC 8200 §4.3-§4.6, RFC 6564 §4).
const NEXT_HEADER = 0;
const HDR_EXT_LEN = 1;
// Options headers: the options start right after the two common bytes.
const OPTIONS = 2;
// Routing header (RFC 8200 §4.4).
const ROUTING_TYPE = 2;
const SEGMENTS_LEFT = 3;
const ROUTING_DATA = 4;
// Fragment header (RFC 8200 §4.5): the offset word holds a 13-bit offset, 2 reserved bits and M.
const FRAGMENT_OFFSET_FLAGS = 2;
const FRAGMENT_IDENTIFICATION = 4;

/** The Fragment header is always 8 octets (RFC 8200 §4.5). */
export const IPV6_FRAGMENT_HEADER_LENGTH = 8;
/** The largest header whose length counts 8-octet units in one byte: (255 + 1) × 8. */
export const IPV6_EXTENSION_HEADER_MAX_LENGTH = 2048;
/**
 * How many extension headers a walk follows before giving up. RFC 8200 sets no limit, but §4.1's
 * recommended order has at most 8 headers (Destination Options may appear twice), and RFC 8883 §2
 * lets nodes drop longer chains. Every header is at least 8 octets, so a walk also ends with the bytes.
 */
export const IPV6_MAX_EXTENSION_HEADERS = 16;

// ---------------------------------------------------------------------------------------------
// TLV options (RFC 8200 §4.2)

/** Option types we decode (IANA "Destination Options and Hop-by-Hop Options"). */
export const Ipv6OptionType = {
  Pad1: 0x00,
  PadN: 0x01,
  RouterAlert: 0x05,
  JumboPayload: 0xc2,
} as const;

const OPTION_NAMES: Record<number, string> = {
  0: "Pad1",
  1: "PadN",
  4: "Tunnel Encapsulation Limit",
  5: "Router Alert",
  7: "CALIPSO",
  8: "SMF_DPD",
  15: "Performance and Diagnostic Metrics",
  38: "Quick-Start",
  99: "RPL Option",
  109: "MPL Option",
  139: "ILNP Nonce",
  140: "Line-Identification",
  194: "Jumbo Payload",
  201: "Home Address",
};

/** The name of an option type, e.g. `"Router Alert"`, or `"unknown"`. */
export function ipv6OptionName(type: number): string {
  return OPTION_NAMES[type] ?? "unknown";
}

/** Router Alert values (RFC 2711 §2.1, RFC 3175). */
const ROUTER_ALERT_VALUES: Record<number, string> = {
  0: "Multicast Listener Discovery message",
  1: "RSVP message",
  2: "Active Networks message",
};

/**
 * What a node must do with an option whose type it does not recognize: RFC 8200 §4.2 encodes the
 * answer in the two highest bits of the type, so every node agrees without knowing the option.
 */
export type Ipv6OptionAction =
  /** 00: skip over this option and continue processing the header. */
  | "skip"
  /** 01: discard the packet. */
  | "discard"
  /** 10: discard the packet and send an ICMP Parameter Problem, Code 2, pointing at the option. */
  | "discard-and-report"
  /** 11: as 10, but only when the packet's destination was not a multicast address. */
  | "discard-and-report-unless-multicast";

const OPTION_ACTIONS: readonly Ipv6OptionAction[] = [
  "skip",
  "discard",
  "discard-and-report",
  "discard-and-report-unless-multicast",
];

/** The action for an unrecognized option of this type (its two high bits, RFC 8200 §4.2). */
export function ipv6OptionAction(type: number): Ipv6OptionAction {
  return OPTION_ACTIONS[(type >>> 6) & 3];
}

/** The third-highest bit of the type: the option's data may change en route (RFC 8200 §4.2). */
export function ipv6OptionMayChange(type: number): boolean {
  return (type & 0x20) !== 0;
}

/** One TLV option of a Hop-by-Hop or Destination Options header. */
export type Ipv6Option =
  /** A single octet of padding (RFC 8200 §4.2). */
  | { kind: "pad1" }
  /** Two or more octets of padding; `data` is normally zeros, kept as received. */
  | { kind: "padn"; data: Uint8Array }
  /** RFC 2711: routers should look more closely at this packet (e.g. 0 = MLD). */
  | { kind: "router-alert"; value: number }
  /** RFC 2675: the real payload length of a jumbogram (recognized, not supported). */
  | { kind: "jumbo-payload"; length: number }
  /**
   * Any other option (or a known type whose length does not fit its format), kept byte-exact.
   * {@link ipv6OptionAction} says what a node that does not know it must do.
   */
  | { kind: "unknown"; type: number; data: Uint8Array };

/** Bytes an option takes on the wire. */
export function ipv6OptionLength(option: Ipv6Option): number {
  switch (option.kind) {
    case "pad1":
      return 1;
    case "padn":
    case "unknown":
      return 2 + option.data.length;
    case "router-alert":
      return 4;
    case "jumbo-payload":
      return 6;
  }
}

/** Bytes a list of options takes. */
export function ipv6OptionsLength(options: readonly Ipv6Option[]): number {
  let length = 0;
  for (let i = 0; i < options.length; i++) length += ipv6OptionLength(options[i]);
  return length;
}

/**
 * Returns `options` followed by the Pad1 or PadN that makes an options header a whole number of
 * 8-octet units (RFC 8200 §4.2: "Padding options ... align subsequent options and pad out the
 * containing header to a multiple of 8 octets in length").
 */
export function padIpv6Options(options: readonly Ipv6Option[]): Ipv6Option[] {
  const result = options.slice();
  const missing = (8 - ((OPTIONS + ipv6OptionsLength(options)) & 7)) & 7;
  if (missing === 1) result.push({ kind: "pad1" });
  else if (missing > 1) result.push({ kind: "padn", data: new Uint8Array(missing - 2) });
  return result;
}

function parseOptions(
  layer: string,
  bytes: Uint8Array,
  start: number,
  end: number,
  base: number,
): Ipv6Option[] | ParseError {
  const options: Ipv6Option[] = [];
  let i = start;
  while (i < end) {
    const type = bytes[i];
    if (type === Ipv6OptionType.Pad1) {
      // Pad1 is the one option without length and data fields.
      options.push({ kind: "pad1" });
      i += 1;
      continue;
    }
    if (i + 2 > end) {
      return new ParseError(layer, `option type ${hex(type, 2)} has no room for its length octet`, i - base);
    }
    const length = bytes[i + 1];
    const dataStart = i + 2;
    const dataEnd = dataStart + length;
    if (dataEnd > end) {
      return new ParseError(
        layer,
        `option type ${hex(type, 2)} claims ${length} data octets but only ${end - dataStart} remain in the header`,
        i - base,
      );
    }
    if (type === Ipv6OptionType.PadN) {
      options.push({ kind: "padn", data: bytes.subarray(dataStart, dataEnd) });
    } else if (type === Ipv6OptionType.RouterAlert && length === 2) {
      options.push({ kind: "router-alert", value: (bytes[dataStart] << 8) | bytes[dataStart + 1] });
    } else if (type === Ipv6OptionType.JumboPayload && length === 4) {
      options.push({ kind: "jumbo-payload", length: readUint32(bytes, dataStart) });
    } else {
      options.push({ kind: "unknown", type, data: bytes.subarray(dataStart, dataEnd) });
    }
    i = dataEnd;
  }
  return options;
}

function emitOptions(options: readonly Ipv6Option[], into: Uint8Array, offset: number): number {
  let i = offset;
  for (let k = 0; k < options.length; k++) {
    const option = options[k];
    switch (option.kind) {
      case "pad1":
        into[i++] = Ipv6OptionType.Pad1;
        break;
      case "padn":
        into[i] = Ipv6OptionType.PadN;
        into[i + 1] = checkOptionDataLength(option.data.length);
        into.set(option.data, i + 2);
        i += 2 + option.data.length;
        break;
      case "router-alert":
        into[i] = Ipv6OptionType.RouterAlert;
        into[i + 1] = 2;
        into[i + 2] = (option.value >>> 8) & 0xff;
        into[i + 3] = option.value & 0xff;
        i += 4;
        break;
      case "jumbo-payload":
        into[i] = Ipv6OptionType.JumboPayload;
        into[i + 1] = 4;
        writeUint32(into, i + 2, option.length);
        i += 6;
        break;
      case "unknown":
        into[i] = option.type;
        into[i + 1] = checkOptionDataLength(option.data.length);
        into.set(option.data, i + 2);
        i += 2 + option.data.length;
        break;
    }
  }
  return i - offset;
}

function checkOptionDataLength(length: number): number {
  if (length > 255) throw new RangeError(`IPv6 option data of ${length} octets exceeds 255`);
  return length;
}

/**
 * Finds the Jumbo Payload option in a Hop-by-Hop header at `offset` and returns its length, or
 * `undefined` when there is no such header or option. Used by the IPv6 parser to say "jumbogram"
 * rather than "empty payload" when Payload Length is 0 (RFC 2675 §2). Never reads out of bounds.
 */
export function findJumboPayloadLength(bytes: Uint8Array, offset: number): number | undefined {
  if (offset + 2 > bytes.length) return undefined;
  const end = Math.min(bytes.length, offset + (bytes[offset + HDR_EXT_LEN] + 1) * 8);
  let i = offset + OPTIONS;
  while (i < end) {
    const type = bytes[i];
    if (type === Ipv6OptionType.Pad1) {
      i += 1;
      continue;
    }
    if (i + 2 > end) return undefined;
    const length = bytes[i + 1];
    if (type === Ipv6OptionType.JumboPayload && length === 4 && i + 6 <= end) return readUint32(bytes, i + 2);
    i += 2 + length;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Extension header representations

/** A Hop-by-Hop Options (RFC 8200 §4.3) or Destination Options (§4.6) header. */
export interface Ipv6OptionsHeader {
  kind: "hop-by-hop" | "destination-options";
  nextHeader: number;
  /** The options in order, padding included: the header length is 2 + their length, a multiple of 8. */
  options: Ipv6Option[];
}

/**
 * A Routing header (RFC 8200 §4.4), kept generic: the type-specific data follows Segments Left.
 * {@link routingHeaderAddresses} and {@link parseSegmentRoutingHeader} decode types 0, 2 and 4.
 */
export interface Ipv6RoutingHeader {
  kind: "routing";
  nextHeader: number;
  routingType: number;
  /** Route segments still to visit before the final destination. */
  segmentsLeft: number;
  /** Octets from offset 4 to the end of the header; 4 + its length is a multiple of 8. */
  data: Uint8Array;
}

/** A Fragment header (RFC 8200 §4.5). */
export interface Ipv6FragmentHeader {
  kind: "fragment";
  /** The first header of the fragmentable part of the original packet. */
  nextHeader: number;
  /** Where this fragment's data starts in the original fragmentable part, in 8-octet units. */
  fragmentOffset: number;
  /** The same offset in octets (`fragmentOffset × 8`); `emit` checks the two agree. */
  offsetBytes: number;
  /** The M flag: more fragments follow. */
  moreFragments: boolean;
  /** The 32-bit value shared by all fragments of one original packet. */
  identification: number;
}

/**
 * A header we walk over without decoding: the Authentication Header (RFC 4302) and the headers of
 * RFC 6564's uniform format (Mobility, HIP, Shim6, experiments). `data` is everything after the
 * Next Header and length octets.
 */
export interface Ipv6OpaqueExtensionHeader {
  kind: "opaque";
  /** Which header this is (the Next Header value that pointed at it), e.g. 51 for AH. */
  protocol: number;
  nextHeader: number;
  data: Uint8Array;
}

export type Ipv6ExtensionHeader =
  | Ipv6OptionsHeader
  | Ipv6RoutingHeader
  | Ipv6FragmentHeader
  | Ipv6OpaqueExtensionHeader;

/** The Next Header value that announces this header. */
export function ipv6ExtensionHeaderProtocol(header: Ipv6ExtensionHeader): number {
  switch (header.kind) {
    case "hop-by-hop":
      return Ipv6NextHeader.HopByHop;
    case "destination-options":
      return Ipv6NextHeader.DestinationOptions;
    case "routing":
      return Ipv6NextHeader.Routing;
    case "fragment":
      return Ipv6NextHeader.Fragment;
    case "opaque":
      return header.protocol;
  }
}

/** Bytes the header takes on the wire. */
export function ipv6ExtensionHeaderLength(header: Ipv6ExtensionHeader): number {
  switch (header.kind) {
    case "hop-by-hop":
    case "destination-options":
      return OPTIONS + ipv6OptionsLength(header.options);
    case "routing":
      return ROUTING_DATA + header.data.length;
    case "fragment":
      return IPV6_FRAGMENT_HEADER_LENGTH;
    case "opaque":
      return 2 + header.data.length;
  }
}

/** Bytes a whole chain takes. */
export function ipv6ExtensionsLength(headers: readonly Ipv6ExtensionHeader[]): number {
  let length = 0;
  for (let i = 0; i < headers.length; i++) length += ipv6ExtensionHeaderLength(headers[i]);
  return length;
}

/** The layer name each header reports in a ParseError and a description. */
function layerName(protocol: number): string {
  switch (protocol) {
    case Ipv6NextHeader.HopByHop:
      return "ipv6-hop-by-hop";
    case Ipv6NextHeader.DestinationOptions:
      return "ipv6-destination-options";
    case Ipv6NextHeader.Routing:
      return "ipv6-routing";
    case Ipv6NextHeader.Fragment:
      return "ipv6-fragment";
    default:
      return "ipv6-extension";
  }
}

/**
 * The length on the wire of the header announced by `protocol` at `offset`, read from its length
 * octet, or a ParseError when the bytes cannot hold it. AH counts 4-octet units minus 2 (RFC 4302
 * §2.2); every other header counts 8-octet units not including the first 8 (RFC 8200 §4.3).
 */
function wireLength(protocol: number, bytes: Uint8Array, offset: number): number | ParseError {
  const layer = layerName(protocol);
  const available = bytes.length - offset;
  if (protocol === Ipv6NextHeader.Fragment) {
    if (available < IPV6_FRAGMENT_HEADER_LENGTH) {
      return new ParseError(
        layer,
        `truncated: ${available} octets, the Fragment header needs ${IPV6_FRAGMENT_HEADER_LENGTH}`,
        offset,
      );
    }
    return IPV6_FRAGMENT_HEADER_LENGTH;
  }
  if (available < 2) {
    return new ParseError(
      layer,
      `truncated: ${available} octets, too few for Next Header and length`,
      offset,
    );
  }
  const length =
    protocol === Ipv6NextHeader.Ah
      ? (bytes[offset + HDR_EXT_LEN] + 2) * 4
      : (bytes[offset + HDR_EXT_LEN] + 1) * 8;
  if (length > available) {
    return new ParseError(
      layer,
      `header length ${length} octets exceeds the ${available} octets that remain`,
      offset + HDR_EXT_LEN,
    );
  }
  return length;
}

/**
 * Parses the extension header announced by `protocol` (a Next Header value) at `offset`.
 * ParseError offsets are relative to `bytes`.
 */
export function parseIpv6ExtensionHeader(
  protocol: number,
  bytes: Uint8Array,
  offset = 0,
): Ipv6ExtensionHeader | ParseError {
  if (protocol === Ipv6NextHeader.Esp || !isIpv6ExtensionHeader(protocol)) {
    return new ParseError(
      "ipv6-extension",
      `next header ${protocol} (${ipv6NextHeaderName(protocol)}) is not an extension header we can walk`,
      offset,
    );
  }
  const length = wireLength(protocol, bytes, offset);
  if (typeof length !== "number") return length;
  const end = offset + length;
  const nextHeader = bytes[offset + NEXT_HEADER];
  switch (protocol) {
    case Ipv6NextHeader.HopByHop:
    case Ipv6NextHeader.DestinationOptions: {
      const options = parseOptions(layerName(protocol), bytes, offset + OPTIONS, end, 0);
      if (options instanceof ParseError) return options;
      return {
        kind: protocol === Ipv6NextHeader.HopByHop ? "hop-by-hop" : "destination-options",
        nextHeader,
        options,
      };
    }
    case Ipv6NextHeader.Routing:
      return {
        kind: "routing",
        nextHeader,
        routingType: bytes[offset + ROUTING_TYPE],
        segmentsLeft: bytes[offset + SEGMENTS_LEFT],
        data: bytes.subarray(offset + ROUTING_DATA, end),
      };
    case Ipv6NextHeader.Fragment: {
      const word = (bytes[offset + FRAGMENT_OFFSET_FLAGS] << 8) | bytes[offset + FRAGMENT_OFFSET_FLAGS + 1];
      const fragmentOffset = word >>> 3;
      return {
        kind: "fragment",
        nextHeader,
        fragmentOffset,
        offsetBytes: fragmentOffset * 8,
        moreFragments: (word & 1) === 1,
        identification: readUint32(bytes, offset + FRAGMENT_IDENTIFICATION),
      };
    }
    default:
      return { kind: "opaque", protocol, nextHeader, data: bytes.subarray(offset + 2, end) };
  }
}

/**
 * Writes one header at `offset` and returns its length. Throws a RangeError for a header that
 * cannot be encoded (a length that is not a whole number of units, a field out of range): that is
 * a programming error, not bad input.
 */
export function emitIpv6ExtensionHeader(header: Ipv6ExtensionHeader, into: Uint8Array, offset = 0): number {
  const length = ipv6ExtensionHeaderLength(header);
  if (offset + length > into.length) {
    throw new RangeError(
      `IPv6 extension header needs ${length} octets at ${offset}, buffer has ${into.length}`,
    );
  }
  into[offset + NEXT_HEADER] = header.nextHeader;
  switch (header.kind) {
    case "hop-by-hop":
    case "destination-options":
      into[offset + HDR_EXT_LEN] = eightOctetUnits(length, header.kind);
      emitOptions(header.options, into, offset + OPTIONS);
      break;
    case "routing":
      into[offset + HDR_EXT_LEN] = eightOctetUnits(length, "routing");
      into[offset + ROUTING_TYPE] = header.routingType;
      into[offset + SEGMENTS_LEFT] = header.segmentsLeft;
      into.set(header.data, offset + ROUTING_DATA);
      break;
    case "fragment": {
      if (header.fragmentOffset < 0 || header.fragmentOffset > 0x1fff) {
        throw new RangeError(`fragment offset ${header.fragmentOffset} is outside 0..8191 units`);
      }
      if (header.offsetBytes !== header.fragmentOffset * 8) {
        throw new RangeError(
          `fragment offsetBytes ${header.offsetBytes} is not fragmentOffset ${header.fragmentOffset} × 8`,
        );
      }
      into[offset + HDR_EXT_LEN] = 0; // Reserved (RFC 8200 §4.5)
      const word = (header.fragmentOffset << 3) | (header.moreFragments ? 1 : 0);
      into[offset + FRAGMENT_OFFSET_FLAGS] = word >>> 8;
      into[offset + FRAGMENT_OFFSET_FLAGS + 1] = word & 0xff;
      writeUint32(into, offset + FRAGMENT_IDENTIFICATION, header.identification);
      break;
    }
    case "opaque":
      if (header.protocol === Ipv6NextHeader.Ah) {
        // RFC 4302 §2.2: 4-octet units minus 2; for IPv6 the whole header is a multiple of 8.
        if (length % 8 !== 0 || length < 8) {
          throw new RangeError(`AH length ${length} octets is not a multiple of 8 of at least 8`);
        }
        into[offset + HDR_EXT_LEN] = length / 4 - 2;
      } else {
        into[offset + HDR_EXT_LEN] = eightOctetUnits(length, `protocol ${header.protocol}`);
      }
      into.set(header.data, offset + 2);
      break;
  }
  return length;
}

/** Writes a chain of headers back to back at `offset` and returns their total length. */
export function emitIpv6Extensions(
  headers: readonly Ipv6ExtensionHeader[],
  into: Uint8Array,
  offset = 0,
): number {
  let at = offset;
  for (let i = 0; i < headers.length; i++) at += emitIpv6ExtensionHeader(headers[i], into, at);
  return at - offset;
}

function eightOctetUnits(length: number, what: string): number {
  if (length % 8 !== 0 || length < 8 || length > IPV6_EXTENSION_HEADER_MAX_LENGTH) {
    throw new RangeError(
      `${what} header length ${length} octets is not a multiple of 8 between 8 and ${IPV6_EXTENSION_HEADER_MAX_LENGTH}` +
        " (pad the options with padIpv6Options)",
    );
  }
  return length / 8 - 1;
}

// ---------------------------------------------------------------------------------------------
// Walking the chain

/** The result of walking an extension header chain. */
export interface Ipv6ExtensionChain {
  /** The headers in the order they appear. */
  headers: Ipv6ExtensionHeader[];
  /**
   * What follows the last extension header: an upper-layer protocol (6 TCP, 17 UDP, 58 ICMPv6...),
   * 59 No Next Header, 50 ESP (encrypted, not walked), or, after the Fragment header of a
   * non-first fragment, the protocol of the fragmentable part whose middle this is.
   */
  upperLayerProtocol: number;
  /** Offset of that protocol's bytes within the walked bytes. */
  upperLayerOffset: number;
  /** The first Fragment header, when the packet is a fragment (it then needs reassembly first). */
  fragment: Ipv6FragmentHeader | undefined;
}

/**
 * Walks the extension headers that start the IPv6 payload `bytes`, beginning with the header named
 * by the IPv6 header's `nextHeader`, until a value that is not an extension header (or ESP).
 *
 * Bounded: at most {@link IPV6_MAX_EXTENSION_HEADERS} headers, each consuming at least 8 octets.
 * The walk stops after the Fragment header of a non-first fragment, since what follows is a
 * piece of the original payload, not a header (RFC 8200 §4.5). A Hop-by-Hop header anywhere but
 * first is an error (RFC 8200 §4.3: it must immediately follow the IPv6 header).
 */
export function walkIpv6Extensions(nextHeader: number, bytes: Uint8Array): Ipv6ExtensionChain | ParseError {
  const headers: Ipv6ExtensionHeader[] = [];
  let fragment: Ipv6FragmentHeader | undefined;
  let protocol = nextHeader;
  let offset = 0;
  while (protocol !== Ipv6NextHeader.Esp && isIpv6ExtensionHeader(protocol)) {
    if (headers.length >= IPV6_MAX_EXTENSION_HEADERS) {
      return new ParseError(
        "ipv6-extension",
        `more than ${IPV6_MAX_EXTENSION_HEADERS} extension headers (RFC 8883 §2 lets a node drop such packets)`,
        offset,
      );
    }
    if (protocol === Ipv6NextHeader.HopByHop && headers.length > 0) {
      return new ParseError(
        "ipv6-hop-by-hop",
        "a Hop-by-Hop Options header must immediately follow the IPv6 header (RFC 8200 §4.3)",
        offset,
      );
    }
    const header = parseIpv6ExtensionHeader(protocol, bytes, offset);
    if (header instanceof ParseError) return header;
    headers.push(header);
    offset += ipv6ExtensionHeaderLength(header);
    protocol = header.nextHeader;
    if (header.kind === "fragment") {
      // Reassembly starts at the first Fragment header: the headers before it are the
      // unfragmentable part (RFC 8200 §4.5). A second one belongs to the reassembled payload.
      fragment ??= header;
      if (header.fragmentOffset !== 0) break;
    }
  }
  return { headers, upperLayerProtocol: protocol, upperLayerOffset: offset, fragment };
}

// ---------------------------------------------------------------------------------------------
// Routing header types

const ROUTING_TYPE_NAMES: Record<number, string> = {
  0: "Source Route (deprecated, RFC 5095)",
  1: "Nimrod (deprecated)",
  2: "Type 2 Routing Header (Mobile IPv6, RFC 6275)",
  3: "RPL Source Route Header (RFC 6554)",
  4: "Segment Routing Header (RFC 8754)",
  253: "RFC3692-style Experiment 1",
  254: "RFC3692-style Experiment 2",
};

/** The name of a routing type. */
export function ipv6RoutingTypeName(type: number): string {
  return ROUTING_TYPE_NAMES[type] ?? "unknown";
}

/**
 * Type 0 was deprecated by RFC 5095 (it let one packet bounce between two routers many times, an
 * amplification attack): a node treats it as an unrecognized routing type (RFC 5095 §3).
 */
export function isDeprecatedRoutingType(type: number): boolean {
  return type === 0 || type === 1;
}

/**
 * The addresses of a type 0 (RFC 5095, formerly RFC 2460 §4.4) or type 2 (RFC 6275 §6.4) routing
 * header: 4 reserved octets, then 16-octet addresses. A ParseError when the data is not that shape.
 */
export function routingHeaderAddresses(header: Ipv6RoutingHeader): Ipv6Address[] | ParseError {
  if (header.routingType !== 0 && header.routingType !== 2) {
    return new ParseError("ipv6-routing", `routing type ${header.routingType} is not a list of addresses`, 2);
  }
  const data = header.data;
  if (data.length < 4 || (data.length - 4) % 16 !== 0) {
    return new ParseError(
      "ipv6-routing",
      `${data.length} data octets are not 4 reserved + 16 per address`,
      4,
    );
  }
  const addresses: Ipv6Address[] = [];
  for (let at = 4; at < data.length; at += 16) addresses.push(Ipv6Address.fromBytes(data, at));
  return addresses;
}

/** The Segment Routing Header (RFC 8754 §2), decoded from a type 4 routing header's data. */
export interface SegmentRoutingHeader {
  /** Index of the last element of the segment list (its first segment). */
  lastEntry: number;
  flags: number;
  tag: number;
  /** The segment list as encoded: `segments[0]` is the last segment, the final destination. */
  segments: Ipv6Address[];
  /** Type-length-value objects after the segment list, kept as bytes. */
  tlvs: Uint8Array;
}

/** Decodes a type 4 routing header's data (RFC 8754 §2). */
export function parseSegmentRoutingHeader(header: Ipv6RoutingHeader): SegmentRoutingHeader | ParseError {
  if (header.routingType !== 4) {
    return new ParseError("ipv6-srh", `routing type ${header.routingType} is not 4 (Segment Routing)`, 2);
  }
  const data = header.data;
  if (data.length < 4) return new ParseError("ipv6-srh", `${data.length} data octets, need at least 4`, 4);
  const lastEntry = data[0];
  const listEnd = 4 + (lastEntry + 1) * 16;
  if (listEnd > data.length) {
    return new ParseError(
      "ipv6-srh",
      `Last Entry ${lastEntry} needs ${lastEntry + 1} segments but the header holds ${Math.floor((data.length - 4) / 16)}`,
      4,
    );
  }
  const segments: Ipv6Address[] = [];
  for (let at = 4; at < listEnd; at += 16) segments.push(Ipv6Address.fromBytes(data, at));
  return {
    lastEntry,
    flags: data[1],
    tag: (data[2] << 8) | data[3],
    segments,
    tlvs: data.subarray(listEnd),
  };
}

// ---------------------------------------------------------------------------------------------
// Zero-copy views. They assume the bytes hold the whole header (check with parse or walk first).

/** Fields common to every extension header but the Fragment header. */
export class Ipv6ExtensionHeaderView {
  constructor(readonly bytes: Uint8Array) {}
  get nextHeader(): number {
    return this.bytes[NEXT_HEADER];
  }
  set nextHeader(value: number) {
    this.bytes[NEXT_HEADER] = value;
  }
  /** Hdr Ext Len: the length in 8-octet units, not counting the first 8 octets. */
  get headerExtensionLength(): number {
    return this.bytes[HDR_EXT_LEN];
  }
  set headerExtensionLength(value: number) {
    this.bytes[HDR_EXT_LEN] = value;
  }
  /** The header's length in octets. */
  get length(): number {
    return (this.bytes[HDR_EXT_LEN] + 1) * 8;
  }
}

/** A Hop-by-Hop or Destination Options header. */
export class Ipv6OptionsHeaderView extends Ipv6ExtensionHeaderView {
  /** The options area (everything after the two common octets). */
  get optionBytes(): Uint8Array {
    return this.bytes.subarray(OPTIONS, this.length);
  }
}

export class Ipv6RoutingHeaderView extends Ipv6ExtensionHeaderView {
  get routingType(): number {
    return this.bytes[ROUTING_TYPE];
  }
  set routingType(value: number) {
    this.bytes[ROUTING_TYPE] = value;
  }
  get segmentsLeft(): number {
    return this.bytes[SEGMENTS_LEFT];
  }
  set segmentsLeft(value: number) {
    this.bytes[SEGMENTS_LEFT] = value;
  }
  /** Type-specific data. */
  get data(): Uint8Array {
    return this.bytes.subarray(ROUTING_DATA, this.length);
  }
}

export class Ipv6FragmentHeaderView {
  constructor(readonly bytes: Uint8Array) {}
  get nextHeader(): number {
    return this.bytes[NEXT_HEADER];
  }
  set nextHeader(value: number) {
    this.bytes[NEXT_HEADER] = value;
  }
  private get word(): number {
    return (this.bytes[FRAGMENT_OFFSET_FLAGS] << 8) | this.bytes[FRAGMENT_OFFSET_FLAGS + 1];
  }
  private set word(value: number) {
    this.bytes[FRAGMENT_OFFSET_FLAGS] = value >>> 8;
    this.bytes[FRAGMENT_OFFSET_FLAGS + 1] = value & 0xff;
  }
  /** Fragment Offset in 8-octet units. */
  get fragmentOffset(): number {
    return this.word >>> 3;
  }
  set fragmentOffset(units: number) {
    this.word = ((units & 0x1fff) << 3) | (this.word & 7);
  }
  /** Fragment Offset in octets. */
  get fragmentOffsetBytes(): number {
    return this.fragmentOffset * 8;
  }
  set fragmentOffsetBytes(octets: number) {
    this.fragmentOffset = octets >>> 3;
  }
  /** M flag: more fragments follow. */
  get moreFragments(): boolean {
    return (this.word & 1) === 1;
  }
  set moreFragments(value: boolean) {
    this.word = (this.word & ~1) | (value ? 1 : 0);
  }
  get identification(): number {
    return readUint32(this.bytes, FRAGMENT_IDENTIFICATION);
  }
  set identification(value: number) {
    writeUint32(this.bytes, FRAGMENT_IDENTIFICATION, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Descriptions

/**
 * Describes one extension header for a learner. `bytes`, when given, are this header's own bytes
 * (for the raw length octet); offsets are relative to the header's start.
 */
export function describeIpv6ExtensionHeader(
  header: Ipv6ExtensionHeader,
  bytes?: Uint8Array,
): LayerDescription {
  const protocol = ipv6ExtensionHeaderProtocol(header);
  const length = ipv6ExtensionHeaderLength(header);
  const fields: FieldDescription[] = [
    {
      name: "Next Header",
      value: `${header.nextHeader} (${ipv6NextHeaderName(header.nextHeader)})`,
      meaning: "the header that follows this one",
      offset: NEXT_HEADER,
      length: 1,
    },
  ];
  if (header.kind !== "fragment") {
    const raw = bytes && bytes.length > HDR_EXT_LEN ? bytes[HDR_EXT_LEN] : undefined;
    fields.push({
      name: protocol === Ipv6NextHeader.Ah ? "Payload Len" : "Hdr Ext Len",
      value: `${raw ?? (protocol === Ipv6NextHeader.Ah ? length / 4 - 2 : length / 8 - 1)}`,
      meaning:
        protocol === Ipv6NextHeader.Ah
          ? `header length in 4-octet units minus 2: ${length} octets`
          : `header length in 8-octet units, not counting the first 8: ${length} octets`,
      offset: HDR_EXT_LEN,
      length: 1,
    });
  }
  let title: string;
  let summary: string;
  switch (header.kind) {
    case "hop-by-hop":
    case "destination-options": {
      title = header.kind === "hop-by-hop" ? "IPv6 Hop-by-Hop Options" : "IPv6 Destination Options";
      fields.push({
        name: "Options",
        value: `${header.options.length} option(s)`,
        meaning:
          header.kind === "hop-by-hop"
            ? "examined by every node on the path (RFC 8200 §4.3)"
            : "examined only by the destination (RFC 8200 §4.6)",
        offset: OPTIONS,
        length: length - OPTIONS,
        children: describeOptions(header.options),
      });
      const parts: string[] = [];
      for (const option of header.options) parts.push(optionSummary(option));
      summary = `${header.kind === "hop-by-hop" ? "HBH" : "DSTOPT"} ${parts.map((p) => `(${p})`).join(" ")}`;
      break;
    }
    case "routing": {
      title = "IPv6 Routing Header";
      const deprecated = isDeprecatedRoutingType(header.routingType);
      fields.push(
        {
          name: "Routing Type",
          value: `${header.routingType} (${ipv6RoutingTypeName(header.routingType)})`,
          meaning: deprecated
            ? "deprecated: a node must not process it; if Segments Left is not zero it answers with ICMPv6 Parameter Problem (RFC 5095 §3)"
            : "the variant of routing header",
          offset: ROUTING_TYPE,
          length: 1,
        },
        {
          name: "Segments Left",
          value: `${header.segmentsLeft}`,
          meaning: "route segments still to visit before the final destination",
          offset: SEGMENTS_LEFT,
          length: 1,
        },
        ...describeRoutingData(header),
      );
      summary = `RT6 (len=${length / 8 - 1}, type=${header.routingType}${deprecated ? " [Deprecated]" : ""}, segleft=${header.segmentsLeft})`;
      break;
    }
    case "fragment":
      title = "IPv6 Fragment Header";
      fields.push(
        {
          name: "Fragment Offset",
          value: `${header.fragmentOffset} (${header.offsetBytes} octets)`,
          meaning: "where this piece starts in the original packet's fragmentable part, in 8-octet units",
          offset: FRAGMENT_OFFSET_FLAGS,
          length: 2,
        },
        {
          name: "M flag",
          value: header.moreFragments ? "1" : "0",
          meaning: header.moreFragments ? "more fragments follow" : "this is the last fragment",
          offset: FRAGMENT_OFFSET_FLAGS + 1,
          length: 1,
        },
        {
          name: "Identification",
          value: `${hex(header.identification, 8)}`,
          meaning: "the same in every fragment of one original packet, so the receiver can match them",
          offset: FRAGMENT_IDENTIFICATION,
          length: 4,
        },
      );
      summary = `frag (${hex(header.identification, 8)}:${header.offsetBytes}|${header.moreFragments ? "M" : "last"})`;
      break;
    case "opaque":
      title = `IPv6 ${ipv6NextHeaderName(header.protocol)} Header`;
      fields.push({
        name: "Data",
        value: `${header.data.length} octets`,
        meaning: "not decoded here",
        offset: 2,
        length: header.data.length,
      });
      summary = `${ipv6NextHeaderName(header.protocol)} (${length} octets)`;
      break;
  }
  return { ...OSI_NETWORK, layer: layerName(protocol), title, summary, fields };
}

function optionSummary(option: Ipv6Option): string {
  switch (option.kind) {
    case "pad1":
      return "pad1";
    case "padn":
      return "padn";
    case "router-alert":
      return `rtalert: ${hex(option.value, 4)}`;
    case "jumbo-payload":
      return `jumbo: ${option.length}`;
    case "unknown":
      return `type ${hex(option.type, 2)} len ${option.data.length}`;
  }
}

function describeOptions(options: readonly Ipv6Option[]): FieldDescription[] {
  const fields: FieldDescription[] = [];
  let at = OPTIONS;
  for (const option of options) {
    const length = ipv6OptionLength(option);
    let field: FieldDescription;
    switch (option.kind) {
      case "pad1":
        field = { name: "Pad1", value: "1 octet", meaning: "padding to align the next option" };
        break;
      case "padn":
        field = { name: "PadN", value: `${length} octets`, meaning: "padding to align the next option" };
        break;
      case "router-alert":
        field = {
          name: "Router Alert",
          value: `${option.value}`,
          meaning: `${ROUTER_ALERT_VALUES[option.value] ?? "unassigned value"}: routers on the path should look inside (RFC 2711)`,
        };
        break;
      case "jumbo-payload":
        field = {
          name: "Jumbo Payload",
          value: `${option.length} octets`,
          meaning: "the real payload length of a jumbogram, larger than 65535 (RFC 2675)",
        };
        break;
      case "unknown": {
        const action = ipv6OptionAction(option.type);
        field = {
          name: `Option ${hex(option.type, 2)} (${ipv6OptionName(option.type)})`,
          value: `${option.data.length} data octets`,
          meaning: `if not recognized: ${action}${ipv6OptionMayChange(option.type) ? "; data may change en route" : ""} (RFC 8200 §4.2)`,
        };
        break;
      }
    }
    field.offset = at;
    field.length = length;
    fields.push(field);
    at += length;
  }
  return fields;
}

function describeRoutingData(header: Ipv6RoutingHeader): FieldDescription[] {
  if (header.routingType === 0 || header.routingType === 2) {
    const addresses = routingHeaderAddresses(header);
    if (!(addresses instanceof ParseError)) {
      return addresses.map((address, i) => ({
        name: `Address[${i}]`,
        value: address.toString(),
        meaning:
          header.routingType === 0 ? "an intermediate node to visit" : "the mobile node's home address",
        offset: ROUTING_DATA + 4 + i * 16,
        length: 16,
      }));
    }
  }
  if (header.routingType === 4) {
    const srh = parseSegmentRoutingHeader(header);
    if (!(srh instanceof ParseError)) {
      const fields: FieldDescription[] = [
        {
          name: "Last Entry",
          value: `${srh.lastEntry}`,
          meaning: "index of the last element of the segment list",
          offset: 4,
          length: 1,
        },
        { name: "Flags", value: hex(srh.flags, 2), offset: 5, length: 1 },
        {
          name: "Tag",
          value: `${srh.tag}`,
          meaning: "marks packets of a class or group",
          offset: 6,
          length: 2,
        },
      ];
      srh.segments.forEach((segment, i) => {
        fields.push({
          name: `Segment List[${i}]`,
          value: segment.toString(),
          meaning: i === 0 ? "the last segment (final destination)" : "a segment on the path",
          offset: 8 + i * 16,
          length: 16,
        });
      });
      if (srh.tlvs.length > 0) {
        fields.push({
          name: "TLVs",
          value: `${srh.tlvs.length} octets`,
          offset: 8 + srh.segments.length * 16,
          length: srh.tlvs.length,
        });
      }
      return fields;
    }
  }
  return [
    {
      name: "Type-specific Data",
      value: `${header.data.length} octets`,
      offset: ROUTING_DATA,
      length: header.data.length,
    },
  ];
}
