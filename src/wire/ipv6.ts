/**
 * The IPv6 header (RFC 8200 §3): a fixed 40 octets, with no checksum and no options of its own;
 * anything optional lives in extension headers (./ipv6-extensions.ts).
 *
 * ```
 *  0               1               2               3
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                  Source Address (16 octets)                   |
 * |               Destination Address (16 octets)                 |
 * ```
 */
import { Ipv6Address } from "./address/ipv6.js";
import { type FieldDescription, hex, type LayerDescription, OSI_NETWORK } from "./describe.js";
import { findJumboPayloadLength, Ipv6NextHeader, ipv6NextHeaderName } from "./ipv6-extensions.js";
import { readUint16, writeUint16 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** The fixed header is always 40 octets. */
export const IPV6_HEADER_LENGTH = 40;
/** Every link must carry packets of 1280 octets (RFC 8200 §5). */
export const IPV6_MIN_MTU = 1280;
/** The largest payload without the Jumbo Payload option: Payload Length is 16 bits. */
export const IPV6_MAX_PAYLOAD_LENGTH = 0xffff;

// Field offsets (RFC 8200 §3).
const VERSION_CLASS_FLOW = 0;
const PAYLOAD_LENGTH = 4;
const NEXT_HEADER = 6;
const HOP_LIMIT = 7;
const SOURCE = 8;
const DESTINATION = 24;

/**
 * A zero-copy view of an IPv6 header. It assumes at least 40 octets: use {@link Ipv6View.checked}
 * or {@link parseIpv6} on untrusted bytes.
 */
export class Ipv6View {
  constructor(readonly bytes: Uint8Array) {}

  /** A view after checking what the getters rely on (40 octets, version 6, payload present). */
  static checked(bytes: Uint8Array): Ipv6View | ParseError {
    const problem = checkHeader(bytes);
    return problem ?? new Ipv6View(bytes);
  }

  /** Version: 6. */
  get version(): number {
    return this.bytes[VERSION_CLASS_FLOW] >>> 4;
  }
  set version(value: number) {
    this.bytes[VERSION_CLASS_FLOW] = ((value & 0xf) << 4) | (this.bytes[VERSION_CLASS_FLOW] & 0x0f);
  }
  /** Traffic Class (RFC 8200 §7): DSCP in the upper 6 bits, ECN in the lower 2. */
  get trafficClass(): number {
    return ((this.bytes[0] & 0x0f) << 4) | (this.bytes[1] >>> 4);
  }
  set trafficClass(value: number) {
    this.bytes[0] = (this.bytes[0] & 0xf0) | ((value >>> 4) & 0x0f);
    this.bytes[1] = ((value & 0x0f) << 4) | (this.bytes[1] & 0x0f);
  }
  /** Differentiated Services Code Point (RFC 2474). */
  get dscp(): number {
    return this.trafficClass >>> 2;
  }
  set dscp(value: number) {
    this.trafficClass = ((value & 0x3f) << 2) | (this.trafficClass & 3);
  }
  /** Explicit Congestion Notification (RFC 3168): 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE. */
  get ecn(): number {
    return this.trafficClass & 3;
  }
  set ecn(value: number) {
    this.trafficClass = (this.trafficClass & 0xfc) | (value & 3);
  }
  /** Flow Label (RFC 6437), 20 bits. */
  get flowLabel(): number {
    return ((this.bytes[1] & 0x0f) << 16) | (this.bytes[2] << 8) | this.bytes[3];
  }
  set flowLabel(value: number) {
    this.bytes[1] = (this.bytes[1] & 0xf0) | ((value >>> 16) & 0x0f);
    this.bytes[2] = (value >>> 8) & 0xff;
    this.bytes[3] = value & 0xff;
  }
  /** Octets after the fixed header, extension headers included. */
  get payloadLength(): number {
    return readUint16(this.bytes, PAYLOAD_LENGTH);
  }
  set payloadLength(value: number) {
    writeUint16(this.bytes, PAYLOAD_LENGTH, value);
  }
  get nextHeader(): number {
    return this.bytes[NEXT_HEADER];
  }
  set nextHeader(value: number) {
    this.bytes[NEXT_HEADER] = value;
  }
  get hopLimit(): number {
    return this.bytes[HOP_LIMIT];
  }
  set hopLimit(value: number) {
    this.bytes[HOP_LIMIT] = value;
  }
  /** The source address octets, in place. */
  get srcBytes(): Uint8Array {
    return this.bytes.subarray(SOURCE, SOURCE + 16);
  }
  /** The destination address octets, in place. */
  get dstBytes(): Uint8Array {
    return this.bytes.subarray(DESTINATION, DESTINATION + 16);
  }
  /** The source address (a copy). */
  get src(): Ipv6Address {
    return Ipv6Address.fromBytes(this.bytes, SOURCE);
  }
  set src(address: Ipv6Address) {
    this.bytes.set(address.bytes, SOURCE);
  }
  get dst(): Ipv6Address {
    return Ipv6Address.fromBytes(this.bytes, DESTINATION);
  }
  set dst(address: Ipv6Address) {
    this.bytes.set(address.bytes, DESTINATION);
  }
  /** The payload as Payload Length says, in place (cut short if the buffer is). */
  get payload(): Uint8Array {
    return this.bytes.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + this.payloadLength);
  }
}

/** An IPv6 packet as plain values. */
export interface Ipv6Repr {
  /** Differentiated Services Code Point: the upper 6 bits of Traffic Class (RFC 2474). */
  dscp: number;
  /** Explicit Congestion Notification: the lower 2 bits of Traffic Class (RFC 3168). */
  ecn: number;
  /** Flow Label, 20 bits (RFC 6437); 0 when the source does not label flows. */
  flowLabel: number;
  /** The first extension header or the upper-layer protocol (e.g. 58 ICMPv6, 6 TCP). */
  nextHeader: number;
  /** Decremented by each forwarding node; the packet is discarded at zero (RFC 8200 §3). */
  hopLimit: number;
  src: Ipv6Address;
  dst: Ipv6Address;
  /** The Payload Length octets after the header (extension headers included), in place when parsed. */
  payload: Uint8Array;
}

function checkHeader(bytes: Uint8Array): ParseError | undefined {
  if (bytes.length < IPV6_HEADER_LENGTH) {
    return new ParseError(
      "ipv6",
      `truncated: ${bytes.length} octets, the fixed header needs ${IPV6_HEADER_LENGTH}`,
      bytes.length,
    );
  }
  const version = bytes[VERSION_CLASS_FLOW] >>> 4;
  if (version !== 6) return new ParseError("ipv6", `version ${version} is not 6`, VERSION_CLASS_FLOW);
  const payloadLength = readUint16(bytes, PAYLOAD_LENGTH);
  if (
    payloadLength === 0 &&
    bytes[NEXT_HEADER] === Ipv6NextHeader.HopByHop &&
    findJumboPayloadLength(bytes, IPV6_HEADER_LENGTH) !== undefined
  ) {
    // RFC 2675 §2: Payload Length 0 with a Jumbo Payload option means the length is in the option.
    return new ParseError(
      "ipv6",
      "payload length 0 with a Jumbo Payload option: jumbograms (RFC 2675) are not supported",
      PAYLOAD_LENGTH,
    );
  }
  const available = bytes.length - IPV6_HEADER_LENGTH;
  if (payloadLength > available) {
    return new ParseError(
      "ipv6",
      `payload length ${payloadLength} exceeds the ${available} octets after the header`,
      PAYLOAD_LENGTH,
    );
  }
  return undefined;
}

/**
 * Parses an IPv6 packet. The payload is trimmed to Payload Length, so link-layer padding after it
 * (Ethernet pads frames to 60 octets) is ignored; a Payload Length beyond the buffer is an error.
 */
export function parseIpv6(bytes: Uint8Array): Ipv6Repr | ParseError {
  const problem = checkHeader(bytes);
  if (problem) return problem;
  const trafficClass = ((bytes[0] & 0x0f) << 4) | (bytes[1] >>> 4);
  return {
    dscp: trafficClass >>> 2,
    ecn: trafficClass & 3,
    flowLabel: ((bytes[1] & 0x0f) << 16) | (bytes[2] << 8) | bytes[3],
    nextHeader: bytes[NEXT_HEADER],
    hopLimit: bytes[HOP_LIMIT],
    src: Ipv6Address.fromBytes(bytes, SOURCE),
    dst: Ipv6Address.fromBytes(bytes, DESTINATION),
    payload: bytes.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + readUint16(bytes, PAYLOAD_LENGTH)),
  };
}

/** Octets the packet takes: the fixed header plus the payload. */
export function ipv6PacketLength(repr: Ipv6Repr): number {
  return IPV6_HEADER_LENGTH + repr.payload.length;
}

/**
 * Writes the header and payload into `into` and returns the packet length. When the payload
 * already sits right after the header in `into` (built in place), it is not copied.
 * Throws a RangeError when `into` is too short or the payload exceeds 65535 octets.
 */
export function emitIpv6(repr: Ipv6Repr, into: Uint8Array): number {
  const payload = repr.payload;
  if (payload.length > IPV6_MAX_PAYLOAD_LENGTH) {
    throw new RangeError(
      `IPv6 payload of ${payload.length} octets exceeds 65535 (jumbograms are not supported)`,
    );
  }
  const length = IPV6_HEADER_LENGTH + payload.length;
  if (into.length < length)
    throw new RangeError(`IPv6 packet needs ${length} octets, buffer has ${into.length}`);
  emitIpv6Header(repr, into, payload.length);
  const inPlace =
    payload.buffer === into.buffer && payload.byteOffset === into.byteOffset + IPV6_HEADER_LENGTH;
  if (!inPlace) into.set(payload, IPV6_HEADER_LENGTH);
  return length;
}

/**
 * Writes only the 40-octet header, with Payload Length `payloadLength`, for a caller that builds
 * the payload in place after it.
 */
export function emitIpv6Header(
  repr: Omit<Ipv6Repr, "payload">,
  into: Uint8Array,
  payloadLength: number,
): void {
  if (into.length < IPV6_HEADER_LENGTH) {
    throw new RangeError(`IPv6 header needs ${IPV6_HEADER_LENGTH} octets, buffer has ${into.length}`);
  }
  const trafficClass = ((repr.dscp & 0x3f) << 2) | (repr.ecn & 3);
  into[0] = 0x60 | (trafficClass >>> 4);
  into[1] = ((trafficClass & 0x0f) << 4) | ((repr.flowLabel >>> 16) & 0x0f);
  into[2] = (repr.flowLabel >>> 8) & 0xff;
  into[3] = repr.flowLabel & 0xff;
  writeUint16(into, PAYLOAD_LENGTH, payloadLength);
  into[NEXT_HEADER] = repr.nextHeader;
  into[HOP_LIMIT] = repr.hopLimit;
  into.set(repr.src.bytes, SOURCE);
  into.set(repr.dst.bytes, DESTINATION);
}

const ECN_NAMES = ["Not-ECT", "ECT(1)", "ECT(0)", "CE"];
const ECN_MEANINGS = [
  "not ECN-capable",
  "ECN-capable transport",
  "ECN-capable transport",
  "congestion experienced: a router marked it instead of dropping it",
];

/** A DSCP's conventional name (RFC 2474 class selectors, RFC 2597 AF, RFC 3246 EF, RFC 8622 LE). */
export function dscpName(dscp: number): string {
  if (dscp === 46) return "EF";
  if (dscp === 44) return "VOICE-ADMIT";
  if (dscp === 1) return "LE";
  if ((dscp & 7) === 0) return `CS${dscp >>> 3}`;
  const afClass = dscp >>> 3;
  const dropPrecedence = (dscp & 7) >>> 1;
  if (afClass >= 1 && afClass <= 4 && (dscp & 1) === 0 && dropPrecedence >= 1 && dropPrecedence <= 3) {
    return `AF${afClass}${dropPrecedence}`;
  }
  return `${dscp}`;
}

/**
 * Describes the IPv6 header for a learner. `bytes`, when given, are the packet as received, so the
 * description can point out octets after Payload Length (link-layer padding) that were ignored.
 */
export function describeIpv6(repr: Ipv6Repr, bytes?: Uint8Array): LayerDescription {
  const trafficClass = ((repr.dscp & 0x3f) << 2) | (repr.ecn & 3);
  const payloadLength = repr.payload.length;
  const next = `${ipv6NextHeaderName(repr.nextHeader)} (${repr.nextHeader})`;
  const fields: FieldDescription[] = [
    { name: "Version", value: "6", meaning: "Internet Protocol version 6", offset: 0, length: 1 },
    {
      name: "Traffic Class",
      value: hex(trafficClass, 2),
      meaning: "the packet's class of service and congestion marks (RFC 8200 §7)",
      offset: 0,
      length: 2,
      children: [
        {
          name: "Differentiated Services Code Point",
          value: `${repr.dscp} (${dscpName(repr.dscp)})`,
          meaning: "which forwarding treatment routers give it (RFC 2474)",
          offset: 0,
          length: 2,
        },
        {
          name: "Explicit Congestion Notification",
          value: `${repr.ecn} (${ECN_NAMES[repr.ecn & 3]})`,
          meaning: `${ECN_MEANINGS[repr.ecn & 3]} (RFC 3168)`,
          offset: 1,
          length: 1,
        },
      ],
    },
    {
      name: "Flow Label",
      value: hex(repr.flowLabel, 5),
      meaning:
        repr.flowLabel === 0
          ? "not labelled"
          : "marks packets of one flow so routers can keep them on one path (RFC 6437)",
      offset: 1,
      length: 3,
    },
    {
      name: "Payload Length",
      value: `${payloadLength}`,
      meaning: "octets after this 40-octet header, extension headers included",
      offset: PAYLOAD_LENGTH,
      length: 2,
    },
    {
      name: "Next Header",
      value: next,
      meaning: "the header that follows: an extension header or the upper-layer protocol",
      offset: NEXT_HEADER,
      length: 1,
    },
    {
      name: "Hop Limit",
      value: `${repr.hopLimit}`,
      meaning: "hops left: each router subtracts one and discards the packet at zero",
      offset: HOP_LIMIT,
      length: 1,
    },
    {
      name: "Source Address",
      value: repr.src.toString(),
      meaning: addressMeaning(repr.src, "sender"),
      offset: SOURCE,
      length: 16,
    },
    {
      name: "Destination Address",
      value: repr.dst.toString(),
      meaning: addressMeaning(repr.dst, "receiver"),
      offset: DESTINATION,
      length: 16,
    },
  ];
  if (bytes && bytes.length > IPV6_HEADER_LENGTH + payloadLength) {
    const extra = bytes.length - IPV6_HEADER_LENGTH - payloadLength;
    fields.push({
      name: "Trailing octets",
      value: `${extra}`,
      meaning: "beyond Payload Length (e.g. Ethernet padding): not part of the packet, ignored",
      offset: IPV6_HEADER_LENGTH + payloadLength,
      length: extra,
    });
  }
  // tcpdump -v: IP6 (class 0x78, flowlabel 0x9abcd, hlim 64, next-header UDP (17) payload length: 37) a > b
  let summary = "IP6 (";
  if (trafficClass !== 0) summary += `class ${hex(trafficClass, 2)}, `;
  if (repr.flowLabel !== 0) summary += `flowlabel ${hex(repr.flowLabel, 5)}, `;
  summary += `hlim ${repr.hopLimit}, next-header ${next} payload length: ${payloadLength}) ${repr.src} > ${repr.dst}`;
  return { ...OSI_NETWORK, layer: "ipv6", title: "Internet Protocol version 6", summary, fields };
}

function addressMeaning(address: Ipv6Address, role: string): string {
  if (address.isUnspecified) return `unspecified (::): the ${role} has no address yet`;
  if (address.isLoopback) return "loopback: this host";
  if (address.isMulticast) return `multicast group${role === "receiver" ? ": every member receives it" : ""}`;
  if (address.isLinkLocal) return `link-local: valid only on this link (fe80::/10)`;
  return `the ${role}`;
}
