/**
 * The Internet Protocol, version 4 (RFC 791), header and all.
 *
 * ```
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options                    |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * The old Type of Service octet is DSCP (RFC 2474) and ECN (RFC 3168) today.
 *
 * The plain {@link Ipv4Repr} leaves out what emit derives: version, IHL, total length and the
 * header checksum. Checking the checksum is a separate, cheap call ({@link Ipv4View.verifyChecksum})
 * so a decoder can still show a packet whose checksum is wrong, and the stack can count the drop.
 */
import { Ipv4Address } from "./address/ipv4.js";
import { internetChecksum, updateChecksum16, updateChecksum32 } from "./checksum.js";
import { type FieldDescription, hex, type LayerDescription, OSI_NETWORK } from "./describe.js";
import { copyPayloadUnlessInPlace } from "./ethernet.js";
import {
  describeIpv4Option,
  emitIpv4Options,
  type Ipv4Option,
  ipv4OptionShortName,
  ipv4OptionsLength,
  NO_IPV4_OPTIONS,
  parseIpv4Options,
} from "./ipv4-options.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** Byte offsets of the IPv4 header fields. */
export const Ipv4Field = {
  /** Version (high nibble) and IHL (low nibble). */
  VERSION_IHL: 0,
  /** DSCP (high 6 bits) and ECN (low 2 bits), once Type of Service. */
  DSCP_ECN: 1,
  TOTAL_LENGTH: 2,
  IDENTIFICATION: 4,
  /** Flags (high 3 bits) and Fragment Offset (low 13 bits). */
  FLAGS_FRAGMENT_OFFSET: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SOURCE: 12,
  DESTINATION: 16,
  /** Options start here, when IHL > 5. */
  OPTIONS: 20,
} as const;

/** Octets of the header without options (IHL 5). */
export const IPV4_MIN_HEADER_LENGTH = 20;
/** Octets of the largest header (IHL 15): 40 octets of options. */
export const IPV4_MAX_HEADER_LENGTH = 60;
/** The largest datagram Total Length can describe. */
export const IPV4_MAX_PACKET_LENGTH = 65535;
/** RFC 791: every host must accept datagrams of 576 octets (whole or reassembled). */
export const IPV4_MIN_REASSEMBLY_SIZE = 576;
/** RFC 1700/RFC 1122 §3.2.1.7: the TTL hosts send with by default (Linux uses 64). */
export const IPV4_DEFAULT_TTL = 64;

/** Bits of the flags (in the 16-bit word at offset 6). */
const FLAG_RESERVED = 0x8000;
const FLAG_DONT_FRAGMENT = 0x4000;
const FLAG_MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/** Protocol numbers (IANA "Assigned Internet Protocol Numbers"), shared by IPv4's Protocol and IPv6's Next Header. */
export const IpProtocol = {
  /** IPv6 Hop-by-Hop Options (RFC 8200). */
  HopByHop: 0,
  /** Internet Control Message Protocol (RFC 792). */
  ICMP: 1,
  /** Internet Group Management Protocol (RFC 3376). */
  IGMP: 2,
  /** IPv4-in-IP encapsulation (RFC 2003). */
  IPinIP: 4,
  /** Transmission Control Protocol (RFC 9293). */
  TCP: 6,
  /** User Datagram Protocol (RFC 768). */
  UDP: 17,
  /** IPv6 encapsulation (RFC 2473, 6in4 tunnels). */
  IPv6: 41,
  /** IPv6 Routing header (RFC 8200). */
  IPv6Route: 43,
  /** IPv6 Fragment header (RFC 8200). */
  IPv6Frag: 44,
  /** Generic Routing Encapsulation (RFC 2784). */
  GRE: 47,
  /** Encapsulating Security Payload (RFC 4303). */
  ESP: 50,
  /** Authentication Header (RFC 4302). */
  AH: 51,
  /** ICMP for IPv6, "IPv6-ICMP" (RFC 4443). */
  ICMPv6: 58,
  /** IPv6 No Next Header (RFC 8200). */
  IPv6NoNext: 59,
  /** IPv6 Destination Options (RFC 8200). */
  IPv6Opts: 60,
  /** Open Shortest Path First (RFC 2328). */
  OSPF: 89,
  /** Protocol Independent Multicast (RFC 7761). */
  PIM: 103,
  /** Virtual Router Redundancy Protocol (RFC 5798). */
  VRRP: 112,
  /** Stream Control Transmission Protocol (RFC 9260). */
  SCTP: 132,
} as const;

const protocolNames: ReadonlyMap<number, string> = new Map([
  [IpProtocol.HopByHop, "HOPOPT"],
  [IpProtocol.ICMP, "ICMP"],
  [IpProtocol.IGMP, "IGMP"],
  [IpProtocol.IPinIP, "IPIP"],
  [IpProtocol.TCP, "TCP"],
  [IpProtocol.UDP, "UDP"],
  [IpProtocol.IPv6, "IPv6"],
  [IpProtocol.IPv6Route, "IPv6-Route"],
  [IpProtocol.IPv6Frag, "IPv6-Frag"],
  [IpProtocol.GRE, "GRE"],
  [IpProtocol.ESP, "ESP"],
  [IpProtocol.AH, "AH"],
  [IpProtocol.ICMPv6, "IPv6-ICMP"],
  [IpProtocol.IPv6NoNext, "IPv6-NoNxt"],
  [IpProtocol.IPv6Opts, "IPv6-Opts"],
  [IpProtocol.OSPF, "OSPF"],
  [IpProtocol.PIM, "PIM"],
  [IpProtocol.VRRP, "VRRP"],
  [IpProtocol.SCTP, "SCTP"],
]);

/** The IANA keyword of a protocol number, e.g. `"TCP"`, or `"unknown"`. */
export function ipProtocolName(protocol: number): string {
  return protocolNames.get(protocol) ?? "unknown";
}

/**
 * A zero-copy view of an IPv4 packet. Getters read and setters write the bytes in place; setters
 * do not touch the checksum (call {@link fillChecksum} after, or use the incremental helpers).
 * Use {@link Ipv4View.checked} on untrusted bytes.
 */
export class Ipv4View {
  constructor(readonly bytes: Uint8Array) {}

  /**
   * A view once version, IHL and Total Length are consistent with the buffer (the same checks as
   * {@link parseIpv4} except the options), or why not. The checksum is not checked.
   */
  static checked(bytes: Uint8Array): Ipv4View | ParseError {
    return checkHeader(bytes) ?? new Ipv4View(bytes);
  }

  get version(): number {
    return this.bytes[Ipv4Field.VERSION_IHL] >>> 4;
  }
  set version(value: number) {
    this.bytes[Ipv4Field.VERSION_IHL] = ((value & 0x0f) << 4) | (this.bytes[Ipv4Field.VERSION_IHL] & 0x0f);
  }
  /** Internet Header Length in 32-bit words (5-15). */
  get ihl(): number {
    return this.bytes[Ipv4Field.VERSION_IHL] & 0x0f;
  }
  set ihl(value: number) {
    this.bytes[Ipv4Field.VERSION_IHL] = (this.bytes[Ipv4Field.VERSION_IHL] & 0xf0) | (value & 0x0f);
  }
  /** The header length in octets (IHL × 4). */
  get headerLength(): number {
    return (this.bytes[Ipv4Field.VERSION_IHL] & 0x0f) << 2;
  }
  /** The whole second octet (the old Type of Service). */
  get tos(): number {
    return this.bytes[Ipv4Field.DSCP_ECN];
  }
  set tos(value: number) {
    this.bytes[Ipv4Field.DSCP_ECN] = value;
  }
  /** Differentiated Services Code Point (RFC 2474), 6 bits. */
  get dscp(): number {
    return this.bytes[Ipv4Field.DSCP_ECN] >>> 2;
  }
  set dscp(value: number) {
    this.bytes[Ipv4Field.DSCP_ECN] = ((value & 0x3f) << 2) | (this.bytes[Ipv4Field.DSCP_ECN] & 3);
  }
  /** Explicit Congestion Notification (RFC 3168), 2 bits. */
  get ecn(): number {
    return this.bytes[Ipv4Field.DSCP_ECN] & 3;
  }
  set ecn(value: number) {
    this.bytes[Ipv4Field.DSCP_ECN] = (this.bytes[Ipv4Field.DSCP_ECN] & 0xfc) | (value & 3);
  }
  /** Octets in the datagram, header and data. */
  get totalLength(): number {
    return readUint16(this.bytes, Ipv4Field.TOTAL_LENGTH);
  }
  set totalLength(value: number) {
    writeUint16(this.bytes, Ipv4Field.TOTAL_LENGTH, value);
  }
  get identification(): number {
    return readUint16(this.bytes, Ipv4Field.IDENTIFICATION);
  }
  set identification(value: number) {
    writeUint16(this.bytes, Ipv4Field.IDENTIFICATION, value);
  }
  /** The 3 flag bits as a number: reserved (4), DF (2), MF (1). */
  get flags(): number {
    return this.bytes[Ipv4Field.FLAGS_FRAGMENT_OFFSET] >>> 5;
  }
  set flags(value: number) {
    const at = Ipv4Field.FLAGS_FRAGMENT_OFFSET;
    this.bytes[at] = ((value & 7) << 5) | (this.bytes[at] & 0x1f);
  }
  /** The reserved flag bit: must be zero (RFC 791); RFC 3514's April-fools "evil bit". */
  get reservedFlag(): boolean {
    return (this.bytes[Ipv4Field.FLAGS_FRAGMENT_OFFSET] & 0x80) !== 0;
  }
  set reservedFlag(value: boolean) {
    this.setFlag(0x80, value);
  }
  /** Don't Fragment: routers must drop (and report) rather than fragment it. */
  get dontFragment(): boolean {
    return (this.bytes[Ipv4Field.FLAGS_FRAGMENT_OFFSET] & 0x40) !== 0;
  }
  set dontFragment(value: boolean) {
    this.setFlag(0x40, value);
  }
  /** More Fragments: this is not the last fragment of the datagram. */
  get moreFragments(): boolean {
    return (this.bytes[Ipv4Field.FLAGS_FRAGMENT_OFFSET] & 0x20) !== 0;
  }
  set moreFragments(value: boolean) {
    this.setFlag(0x20, value);
  }
  /** The raw 13-bit Fragment Offset field, in units of 8 octets. */
  get fragmentOffsetUnits(): number {
    return readUint16(this.bytes, Ipv4Field.FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK;
  }
  set fragmentOffsetUnits(value: number) {
    const at = Ipv4Field.FLAGS_FRAGMENT_OFFSET;
    writeUint16(
      this.bytes,
      at,
      (readUint16(this.bytes, at) & ~FRAGMENT_OFFSET_MASK) | (value & FRAGMENT_OFFSET_MASK),
    );
  }
  /** Where this fragment's data sits in the original datagram, in octets (field × 8). */
  get fragmentOffset(): number {
    return this.fragmentOffsetUnits << 3;
  }
  set fragmentOffset(bytes: number) {
    this.fragmentOffsetUnits = bytes >>> 3;
  }
  /** Whether this is a fragment (MF set or a non-zero offset) rather than a whole datagram. */
  get isFragment(): boolean {
    return (
      (readUint16(this.bytes, Ipv4Field.FLAGS_FRAGMENT_OFFSET) &
        (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) !==
      0
    );
  }
  get ttl(): number {
    return this.bytes[Ipv4Field.TTL];
  }
  set ttl(value: number) {
    this.bytes[Ipv4Field.TTL] = value;
  }
  get protocol(): number {
    return this.bytes[Ipv4Field.PROTOCOL];
  }
  set protocol(value: number) {
    this.bytes[Ipv4Field.PROTOCOL] = value;
  }
  get checksum(): number {
    return readUint16(this.bytes, Ipv4Field.CHECKSUM);
  }
  set checksum(value: number) {
    writeUint16(this.bytes, Ipv4Field.CHECKSUM, value);
  }
  /** The source address as a uint32 (no allocation). */
  get srcValue(): number {
    return readUint32(this.bytes, Ipv4Field.SOURCE);
  }
  set srcValue(value: number) {
    writeUint32(this.bytes, Ipv4Field.SOURCE, value);
  }
  /** The destination address as a uint32 (no allocation: for route lookups). */
  get dstValue(): number {
    return readUint32(this.bytes, Ipv4Field.DESTINATION);
  }
  set dstValue(value: number) {
    writeUint32(this.bytes, Ipv4Field.DESTINATION, value);
  }
  get src(): Ipv4Address {
    return new Ipv4Address(this.srcValue);
  }
  set src(address: Ipv4Address) {
    this.srcValue = address.value;
  }
  get dst(): Ipv4Address {
    return new Ipv4Address(this.dstValue);
  }
  set dst(address: Ipv4Address) {
    this.dstValue = address.value;
  }
  /** The options area (IHL × 4 − 20 octets, with padding), zero-copy. */
  get optionsArea(): Uint8Array {
    return this.bytes.subarray(Ipv4Field.OPTIONS, this.headerLength);
  }
  /** The data: from the header's end to Total Length (link padding excluded), zero-copy. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength, this.totalLength);
  }

  /** RFC 791: the one's complement sum of the header, checksum included, is all ones. */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes, 0, this.headerLength) === 0;
  }
  /** Computes and writes the header checksum (over IHL × 4 octets). */
  fillChecksum(): void {
    writeUint16(this.bytes, Ipv4Field.CHECKSUM, 0);
    writeUint16(this.bytes, Ipv4Field.CHECKSUM, internetChecksum(this.bytes, 0, this.headerLength));
  }

  /** Rewrites the source address and updates the checksum incrementally (RFC 1624), as NAT does. */
  rewriteSrc(value: number): void {
    this.checksum = updateChecksum32(this.checksum, this.srcValue, value >>> 0);
    this.srcValue = value;
  }
  /** Rewrites the destination address and updates the checksum incrementally (RFC 1624). */
  rewriteDst(value: number): void {
    this.checksum = updateChecksum32(this.checksum, this.dstValue, value >>> 0);
    this.dstValue = value;
  }

  private setFlag(bit: number, value: boolean): void {
    const at = Ipv4Field.FLAGS_FRAGMENT_OFFSET;
    this.bytes[at] = value ? this.bytes[at] | bit : this.bytes[at] & ~bit;
  }
}

/**
 * Decrements the TTL in place and updates the checksum incrementally (RFC 1624 eqn. 3: only the
 * 16-bit word holding TTL and Protocol changed), as a router does for every packet it forwards
 * (RFC 1812 §5.3.1). Returns the new TTL. A TTL of 0 is left alone and 0 returned; the router
 * sends Time Exceeded instead of forwarding when the result is 0.
 */
export function decrementTtl(view: Ipv4View): number {
  const bytes = view.bytes;
  const ttl = bytes[Ipv4Field.TTL];
  if (ttl === 0) return 0;
  const oldWord = (ttl << 8) | bytes[Ipv4Field.PROTOCOL];
  bytes[Ipv4Field.TTL] = ttl - 1;
  writeUint16(
    bytes,
    Ipv4Field.CHECKSUM,
    updateChecksum16(readUint16(bytes, Ipv4Field.CHECKSUM), oldWord, oldWord - 0x100),
  );
  return ttl - 1;
}

/** An IPv4 packet as plain data. Version, IHL, Total Length and the checksum are derived on emit. */
export interface Ipv4Repr {
  /** Differentiated Services Code Point (RFC 2474), 0-63. */
  dscp: number;
  /** Explicit Congestion Notification (RFC 3168), 0-3. */
  ecn: number;
  /** Identification: ties the fragments of one datagram together (RFC 6864). */
  identification: number;
  /** The reserved flag bit (must be zero; kept so a decoder can show it). */
  reservedFlag: boolean;
  /** Don't Fragment (DF). */
  dontFragment: boolean;
  /** More Fragments (MF). */
  moreFragments: boolean;
  /**
   * Fragment offset in OCTETS (the header field × 8), a multiple of 8 below 65536: what tcpdump
   * prints as "offset 1480" and `tshark -V` as "Fragment Offset: 1480". Beware that tshark 4.0's
   * `-T fields -e ip.frag_offset` prints the raw field in 8-octet units (185 for that packet):
   * compare it with {@link Ipv4View.fragmentOffsetUnits}, or divide by 8.
   */
  fragmentOffset: number;
  /** Time to Live: hops left. */
  ttl: number;
  /** {@link IpProtocol} of the payload. */
  protocol: number;
  src: Ipv4Address;
  dst: Ipv4Address;
  /** The options, raw and in order (see ipv4-options.ts); empty for a 20-octet header. */
  options: readonly Ipv4Option[];
  /** The data up to Total Length, zero-copy. */
  payload: Uint8Array;
}

/**
 * Reads an IPv4 packet. Refuses version ≠ 4, IHL < 5, a header or Total Length beyond the buffer
 * and malformed options. Octets after Total Length (Ethernet padding) are ignored. The checksum
 * is not checked: use {@link Ipv4View.verifyChecksum}.
 */
export function parseIpv4(bytes: Uint8Array): Ipv4Repr | ParseError {
  const problem = checkHeader(bytes);
  if (problem) return problem;
  const headerLength = (bytes[0] & 0x0f) << 2;
  let options = NO_IPV4_OPTIONS;
  if (headerLength > IPV4_MIN_HEADER_LENGTH) {
    const parsed = parseIpv4Options(
      bytes.subarray(IPV4_MIN_HEADER_LENGTH, headerLength),
      IPV4_MIN_HEADER_LENGTH,
    );
    if (parsed instanceof ParseError) return parsed;
    options = parsed;
  }
  const tos = bytes[Ipv4Field.DSCP_ECN];
  const flagsOffset = readUint16(bytes, Ipv4Field.FLAGS_FRAGMENT_OFFSET);
  return {
    dscp: tos >>> 2,
    ecn: tos & 3,
    identification: readUint16(bytes, Ipv4Field.IDENTIFICATION),
    reservedFlag: (flagsOffset & FLAG_RESERVED) !== 0,
    dontFragment: (flagsOffset & FLAG_DONT_FRAGMENT) !== 0,
    moreFragments: (flagsOffset & FLAG_MORE_FRAGMENTS) !== 0,
    fragmentOffset: (flagsOffset & FRAGMENT_OFFSET_MASK) << 3,
    ttl: bytes[Ipv4Field.TTL],
    protocol: bytes[Ipv4Field.PROTOCOL],
    src: new Ipv4Address(readUint32(bytes, Ipv4Field.SOURCE)),
    dst: new Ipv4Address(readUint32(bytes, Ipv4Field.DESTINATION)),
    options,
    payload: bytes.subarray(headerLength, readUint16(bytes, Ipv4Field.TOTAL_LENGTH)),
  };
}

/** The header length emit writes for `repr`: 20 plus the options padded to 32 bits. */
export function ipv4HeaderLength(repr: Pick<Ipv4Repr, "options">): number {
  return repr.options.length === 0
    ? IPV4_MIN_HEADER_LENGTH
    : IPV4_MIN_HEADER_LENGTH + ((ipv4OptionsLength(repr.options) + 3) & ~3);
}

/** Octets {@link emitIpv4} writes: header plus payload (the Total Length). */
export function ipv4Length(repr: Ipv4Repr): number {
  return ipv4HeaderLength(repr) + repr.payload.length;
}

/**
 * Writes the packet: header with version 4, IHL, Total Length and checksum computed, then the
 * payload (not copied when it already sits in place). Returns the octets written.
 * @throws RangeError for a field out of range, options over 40 octets, a packet over 65535
 * octets or a buffer too short (all caller bugs, not input).
 */
export function emitIpv4(repr: Ipv4Repr, into: Uint8Array): number {
  const headerLength = ipv4HeaderLength(repr);
  const totalLength = headerLength + repr.payload.length;
  if (headerLength > IPV4_MAX_HEADER_LENGTH) {
    throw new RangeError(`IPv4 options take ${headerLength - 20} octets, more than the 40 allowed`);
  }
  if (totalLength > IPV4_MAX_PACKET_LENGTH)
    throw new RangeError(`IPv4 packet of ${totalLength} octets exceeds 65535`);
  if (into.length < totalLength)
    throw new RangeError(`IPv4 packet needs ${totalLength} bytes, buffer has ${into.length}`);
  const { fragmentOffset } = repr;
  if ((fragmentOffset & 7) !== 0 || fragmentOffset < 0 || fragmentOffset > 0xfff8) {
    throw new RangeError(`fragment offset ${fragmentOffset} is not a multiple of 8 octets below 65536`);
  }
  into[Ipv4Field.VERSION_IHL] = 0x40 | (headerLength >>> 2);
  into[Ipv4Field.DSCP_ECN] = ((repr.dscp & 0x3f) << 2) | (repr.ecn & 3);
  writeUint16(into, Ipv4Field.TOTAL_LENGTH, totalLength);
  writeUint16(into, Ipv4Field.IDENTIFICATION, repr.identification);
  writeUint16(
    into,
    Ipv4Field.FLAGS_FRAGMENT_OFFSET,
    (repr.reservedFlag ? FLAG_RESERVED : 0) |
      (repr.dontFragment ? FLAG_DONT_FRAGMENT : 0) |
      (repr.moreFragments ? FLAG_MORE_FRAGMENTS : 0) |
      (fragmentOffset >>> 3),
  );
  into[Ipv4Field.TTL] = repr.ttl;
  into[Ipv4Field.PROTOCOL] = repr.protocol;
  into[Ipv4Field.CHECKSUM] = 0;
  into[Ipv4Field.CHECKSUM + 1] = 0;
  writeUint32(into, Ipv4Field.SOURCE, repr.src.value);
  writeUint32(into, Ipv4Field.DESTINATION, repr.dst.value);
  if (headerLength > IPV4_MIN_HEADER_LENGTH) emitIpv4Options(repr.options, into, IPV4_MIN_HEADER_LENGTH);
  writeUint16(into, Ipv4Field.CHECKSUM, internetChecksum(into, 0, headerLength));
  copyPayloadUnlessInPlace(repr.payload, into, headerLength);
  return totalLength;
}

const dscpNames: ReadonlyMap<number, string> = new Map([
  [0, "CS0, default best effort"],
  [8, "CS1, scavenger: below best effort"],
  [1, "LE, lower effort (RFC 8622)"],
  [10, "AF11, assured forwarding"],
  [12, "AF12"],
  [14, "AF13"],
  [16, "CS2"],
  [18, "AF21"],
  [20, "AF22"],
  [22, "AF23"],
  [24, "CS3"],
  [26, "AF31"],
  [28, "AF32"],
  [30, "AF33"],
  [32, "CS4"],
  [34, "AF41"],
  [36, "AF42"],
  [38, "AF43"],
  [40, "CS5"],
  [44, "VOICE-ADMIT (RFC 5865)"],
  [46, "EF, expedited forwarding (voice)"],
  [48, "CS6, network control"],
  [56, "CS7"],
]);

const ecnNames = [
  "Not-ECT, not ECN-capable",
  "ECT(1), ECN-capable",
  "ECT(0), ECN-capable",
  "CE, congestion experienced",
];

/**
 * Explains an IPv4 header field by field. Give `bytes` (the packet as received) to show the
 * checksum field and whether it is correct.
 */
export function describeIpv4(repr: Ipv4Repr, bytes?: Uint8Array): LayerDescription {
  const headerLength =
    bytes && bytes.length >= IPV4_MIN_HEADER_LENGTH ? (bytes[0] & 0x0f) << 2 : ipv4HeaderLength(repr);
  const totalLength =
    bytes && bytes.length >= 4
      ? readUint16(bytes, Ipv4Field.TOTAL_LENGTH)
      : headerLength + repr.payload.length;
  const protocolName = ipProtocolName(repr.protocol);
  const flagNames: string[] = [];
  if (repr.moreFragments) flagNames.push("+");
  if (repr.dontFragment) flagNames.push("DF");
  if (repr.reservedFlag) flagNames.push("rsvd");
  const flagsValue = (repr.reservedFlag ? 4 : 0) | (repr.dontFragment ? 2 : 0) | (repr.moreFragments ? 1 : 0);
  const fields: FieldDescription[] = [
    { name: "Version", value: "4", meaning: "Internet Protocol version 4", offset: 0, length: 1 },
    {
      name: "Internet Header Length",
      value: `${headerLength >>> 2} (${headerLength} bytes)`,
      meaning:
        headerLength > 20
          ? "32-bit words of header: 5 fixed plus options"
          : "32-bit words of header: no options",
      offset: 0,
      length: 1,
    },
    {
      name: "Differentiated Services Code Point",
      value: String(repr.dscp),
      meaning: `traffic class: ${dscpNames.get(repr.dscp) ?? "unassigned"} (RFC 2474)`,
      offset: 1,
      length: 1,
    },
    {
      name: "Explicit Congestion Notification",
      value: String(repr.ecn),
      meaning: `${ecnNames[repr.ecn]} (RFC 3168)`,
      offset: 1,
      length: 1,
    },
    {
      name: "Total Length",
      value: String(totalLength),
      meaning: "octets in the datagram, header included",
      offset: Ipv4Field.TOTAL_LENGTH,
      length: 2,
    },
    {
      name: "Identification",
      value: `${hex(repr.identification, 4)} (${repr.identification})`,
      meaning: "identifies the fragments of one datagram",
      offset: Ipv4Field.IDENTIFICATION,
      length: 2,
    },
    {
      name: "Flags",
      value: hex(flagsValue, 1),
      meaning: flagNames.length ? flagNames.join(", ") : "none set",
      offset: Ipv4Field.FLAGS_FRAGMENT_OFFSET,
      length: 1,
      children: [
        {
          name: "Reserved",
          value: repr.reservedFlag ? "1" : "0",
          meaning: repr.reservedFlag
            ? 'set, though RFC 791 says it must be zero (RFC 3514\'s "evil bit")'
            : "must be zero",
        },
        {
          name: "Don't Fragment",
          value: repr.dontFragment ? "1" : "0",
          meaning: repr.dontFragment
            ? 'routers must not fragment it: too big means drop and ICMP "fragmentation needed" (path MTU discovery)'
            : "routers may fragment it",
        },
        {
          name: "More Fragments",
          value: repr.moreFragments ? "1" : "0",
          meaning: repr.moreFragments ? "more fragments of this datagram follow" : "last (or only) fragment",
        },
      ],
    },
    {
      name: "Fragment Offset",
      value: `${repr.fragmentOffset} (field ${repr.fragmentOffset >>> 3} × 8 bytes)`,
      meaning:
        repr.fragmentOffset === 0 && !repr.moreFragments
          ? "not a fragment"
          : `this fragment's data starts ${repr.fragmentOffset} bytes into the original datagram`,
      offset: Ipv4Field.FLAGS_FRAGMENT_OFFSET,
      length: 2,
    },
    {
      name: "Time to Live",
      value: String(repr.ttl),
      meaning: "hops left: each router subtracts one and discards the packet at zero",
      offset: Ipv4Field.TTL,
      length: 1,
    },
    {
      name: "Protocol",
      value: `${protocolName} (${repr.protocol})`,
      meaning: "which protocol the data belongs to",
      offset: Ipv4Field.PROTOCOL,
      length: 1,
    },
  ];
  if (bytes && bytes.length >= headerLength && headerLength >= IPV4_MIN_HEADER_LENGTH) {
    const view = new Ipv4View(bytes);
    const checksum = view.checksum;
    const good = view.verifyChecksum();
    fields.push({
      name: "Header Checksum",
      value: hex(checksum, 4),
      meaning: good
        ? "correct: covers the header only"
        : `incorrect, should be ${hex(correctChecksum(bytes, headerLength), 4)}`,
      offset: Ipv4Field.CHECKSUM,
      length: 2,
    });
  }
  fields.push(
    {
      name: "Source Address",
      value: repr.src.toString(),
      offset: Ipv4Field.SOURCE,
      length: 4,
    },
    {
      name: "Destination Address",
      value: repr.dst.toString(),
      meaning: repr.dst.isBroadcast
        ? "limited broadcast"
        : repr.dst.isMulticast
          ? "multicast group"
          : undefined,
      offset: Ipv4Field.DESTINATION,
      length: 4,
    },
  );
  if (repr.options.length > 0) {
    const children: FieldDescription[] = [];
    let offset = IPV4_MIN_HEADER_LENGTH;
    for (const option of repr.options) {
      const described = describeIpv4Option(option, offset);
      children.push(described);
      offset += described.length ?? 1;
    }
    fields.push({
      name: "Options",
      value: `${headerLength - IPV4_MIN_HEADER_LENGTH} bytes`,
      offset: IPV4_MIN_HEADER_LENGTH,
      length: headerLength - IPV4_MIN_HEADER_LENGTH,
      children,
    });
  }
  let summary = `IP (tos ${hex((repr.dscp << 2) | repr.ecn, 1)}, ttl ${repr.ttl}, id ${repr.identification}, offset ${repr.fragmentOffset}, flags [${flagNames.length ? flagNames.join(", ") : "none"}], proto ${protocolName} (${repr.protocol}), length ${totalLength}`;
  if (repr.options.length > 0) {
    summary += `, options (${repr.options.map((o) => ipv4OptionShortName(o.type)).join(",")})`;
  }
  summary += `) ${repr.src} > ${repr.dst}`;
  return { ...OSI_NETWORK, layer: "ipv4", title: "Internet Protocol version 4", summary, fields };
}

function correctChecksum(bytes: Uint8Array, headerLength: number): number {
  const copy = bytes.slice(0, headerLength);
  copy[Ipv4Field.CHECKSUM] = 0;
  copy[Ipv4Field.CHECKSUM + 1] = 0;
  return internetChecksum(copy);
}

/** Version, IHL and lengths; the options are walked by parse only. */
function checkHeader(bytes: Uint8Array): ParseError | undefined {
  if (bytes.length < IPV4_MIN_HEADER_LENGTH) {
    return new ParseError(
      "ipv4",
      `packet of ${bytes.length} bytes is shorter than the 20-byte header`,
      bytes.length,
    );
  }
  const version = bytes[0] >>> 4;
  if (version !== 4) return new ParseError("ipv4", `version is ${version}, not 4`, 0);
  const headerLength = (bytes[0] & 0x0f) << 2;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    return new ParseError("ipv4", `header length ${headerLength >>> 2} words is below the minimum of 5`, 0);
  }
  if (headerLength > bytes.length) {
    return new ParseError(
      "ipv4",
      `header length ${headerLength} bytes runs past the ${bytes.length}-byte buffer`,
      0,
    );
  }
  const totalLength = readUint16(bytes, Ipv4Field.TOTAL_LENGTH);
  if (totalLength < headerLength) {
    return new ParseError(
      "ipv4",
      `total length ${totalLength} is shorter than the ${headerLength}-byte header`,
      Ipv4Field.TOTAL_LENGTH,
    );
  }
  if (totalLength > bytes.length) {
    return new ParseError(
      "ipv4",
      `total length ${totalLength} runs past the ${bytes.length} bytes received (truncated packet)`,
      Ipv4Field.TOTAL_LENGTH,
    );
  }
  return undefined;
}
