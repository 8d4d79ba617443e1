/**
 * ICMPv6 (RFC 4443): IPv6's error and diagnostic messages, and the carrier of Neighbor Discovery
 * (RFC 4861, ./ndp.ts) and Multicast Listener Discovery (RFC 2710, RFC 3810).
 *
 * ```
 * |     Type      |     Code      |          Checksum             |
 * |                         Message Body                          |
 * ```
 *
 * Unlike ICMPv4, the checksum covers an IPv6 pseudo-header (RFC 4443 §2.3, RFC 8200 §8.1), so a
 * message cannot be checked or built without the addresses of the packet that carries it. The
 * checksum is not part of a Repr: `emitIcmpv6` computes it and `verifyIcmpv6Checksum` checks it,
 * so a decoder can still show a message whose checksum is wrong.
 */
import { Ipv6Address } from "./address/ipv6.js";
import { onesComplementSum, type PseudoHeader, pseudoHeaderSum } from "./checksum.js";
import { type FieldDescription, hex, type LayerDescription, OSI_NETWORK } from "./describe.js";
import { ipv6NextHeaderName } from "./ipv6-extensions.js";
import {
  describeNdpFields,
  emitNdp,
  isNdpType,
  type NdpRepr,
  ndpLength,
  ndpSummary,
  ndpType,
  parseNdp,
} from "./ndp.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** The Next Header value of ICMPv6, used in its pseudo-header (RFC 4443 §2.3). */
export const ICMPV6_NEXT_HEADER = 58;

/** ICMPv6 message types (IANA "ICMPv6 Parameters"). */
export const Icmpv6Type = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  MulticastListenerQuery: 130,
  MulticastListenerReport: 131,
  MulticastListenerDone: 132,
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
  MulticastListenerReportV2: 143,
} as const;

/** Destination Unreachable codes (RFC 4443 §3.1, RFC 6550 for code 7). */
export const Icmpv6DestinationUnreachableCode = {
  NoRoute: 0,
  AdministrativelyProhibited: 1,
  BeyondScopeOfSource: 2,
  AddressUnreachable: 3,
  PortUnreachable: 4,
  SourceAddressFailedPolicy: 5,
  RejectRoute: 6,
  SourceRoutingHeaderError: 7,
} as const;

/** Time Exceeded codes (RFC 4443 §3.3). */
export const Icmpv6TimeExceededCode = {
  HopLimitExceeded: 0,
  FragmentReassemblyTimeExceeded: 1,
} as const;

/** Parameter Problem codes (RFC 4443 §3.4, RFC 7112, RFC 8754, RFC 8883). */
export const Icmpv6ParameterProblemCode = {
  ErroneousHeaderField: 0,
  UnrecognizedNextHeader: 1,
  UnrecognizedOption: 2,
  IncompleteHeaderChain: 3,
  SrUpperLayerHeaderError: 4,
  UnrecognizedNextHeaderIntermediate: 5,
  ExtensionHeaderTooBig: 6,
  ExtensionHeaderChainTooLong: 7,
  TooManyExtensionHeaders: 8,
  TooManyOptions: 9,
  OptionTooBig: 10,
} as const;

const TYPE_NAMES: Record<number, string> = {
  1: "destination unreachable",
  2: "packet too big",
  3: "time exceeded",
  4: "parameter problem",
  100: "private experimentation",
  101: "private experimentation",
  127: "reserved for expansion of error messages",
  128: "echo request",
  129: "echo reply",
  130: "multicast listener query",
  131: "multicast listener report",
  132: "multicast listener done",
  133: "router solicitation",
  134: "router advertisement",
  135: "neighbor solicitation",
  136: "neighbor advertisement",
  137: "redirect",
  138: "router renumbering",
  139: "node information query",
  140: "node information response",
  141: "inverse neighbor discovery solicitation",
  142: "inverse neighbor discovery advertisement",
  143: "multicast listener report v2",
  144: "home agent address discovery request",
  145: "home agent address discovery reply",
  146: "mobile prefix solicitation",
  147: "mobile prefix advertisement",
  151: "multicast router advertisement",
  152: "multicast router solicitation",
  153: "multicast router termination",
  155: "RPL control message",
  160: "extended echo request",
  161: "extended echo reply",
  200: "private experimentation",
  201: "private experimentation",
  255: "reserved for expansion of informational messages",
};

/** The name of an ICMPv6 type, e.g. `"echo request"`, or `"unknown"`. */
export function icmpv6TypeName(type: number): string {
  return TYPE_NAMES[type] ?? "unknown";
}

const DESTINATION_UNREACHABLE_NAMES = [
  "no route to destination",
  "communication with destination administratively prohibited",
  "beyond scope of source address",
  "address unreachable",
  "port unreachable",
  "source address failed ingress/egress policy",
  "reject route to destination",
  "error in source routing header",
];
const TIME_EXCEEDED_NAMES = ["hop limit exceeded in transit", "fragment reassembly time exceeded"];
const PARAMETER_PROBLEM_NAMES = [
  "erroneous header field encountered",
  "unrecognized Next Header type encountered",
  "unrecognized IPv6 option encountered",
  "first fragment has incomplete IPv6 header chain",
  "SR upper-layer header error",
  "unrecognized Next Header type encountered by intermediate node",
  "extension header too big",
  "extension header chain too long",
  "too many extension headers",
  "too many options in extension header",
  "option too big",
];

/** The name of a code of the error types (1-4), e.g. `"port unreachable"`, or `"code N"`. */
export function icmpv6CodeName(type: number, code: number): string {
  let names: readonly string[] = [];
  if (type === Icmpv6Type.DestinationUnreachable) names = DESTINATION_UNREACHABLE_NAMES;
  else if (type === Icmpv6Type.TimeExceeded) names = TIME_EXCEEDED_NAMES;
  else if (type === Icmpv6Type.ParameterProblem) names = PARAMETER_PROBLEM_NAMES;
  return names[code] ?? `code ${code}`;
}

/** Types 0-127 are errors, 128-255 informational (RFC 4443 §2.1). */
export function isIcmpv6Error(type: number): boolean {
  return type < 128;
}

/**
 * The most of the invoking packet an error may quote: the whole error must fit the minimum IPv6
 * MTU (RFC 4443 §2.4(c)): 1280 - 40 (IPv6 header) - 8 (ICMPv6 header and word).
 */
export const ICMPV6_ERROR_MAX_INVOKING = 1280 - 40 - 8;

// Offsets (RFC 4443 §2.1, §3, §4).
const TYPE = 0;
const CODE = 1;
const CHECKSUM = 2;
/** The 32-bit word after the checksum: unused, MTU, pointer, or identifier and sequence number. */
const WORD = 4;
const SEQUENCE = 6;
const BODY = 8;

/** The shortest ICMPv6 message: type, code and checksum. */
export const ICMPV6_HEADER_LENGTH = 4;
/** Errors and echo messages have the 32-bit word too. */
const WITH_WORD_LENGTH = 8;

/** The types we decode whose 32-bit word after the checksum is part of the fixed message. */
function hasWordType(type: number): boolean {
  return (
    (type >= Icmpv6Type.DestinationUnreachable && type <= Icmpv6Type.ParameterProblem) ||
    type === 128 ||
    type === 129
  );
}

// ---------------------------------------------------------------------------------------------
// Representations

/** §3.1: the packet could not be delivered; `invoking` is as much of it as fits. */
export interface Icmpv6DestinationUnreachable {
  kind: "destination-unreachable";
  code: number;
  invoking: Uint8Array;
}

/** §3.2: the packet is larger than the next link's MTU (the basis of Path MTU Discovery, RFC 8201). */
export interface Icmpv6PacketTooBig {
  kind: "packet-too-big";
  code: number;
  mtu: number;
  invoking: Uint8Array;
}

/** §3.3: Hop Limit reached zero in transit, or reassembly timed out (traceroute relies on code 0). */
export interface Icmpv6TimeExceeded {
  kind: "time-exceeded";
  code: number;
  invoking: Uint8Array;
}

/** §3.4: a header field could not be processed; `pointer` is its octet offset in the invoking packet. */
export interface Icmpv6ParameterProblem {
  kind: "parameter-problem";
  code: number;
  pointer: number;
  invoking: Uint8Array;
}

/** §4.1/§4.2: ping. The reply echoes identifier, sequence number and data. */
export interface Icmpv6Echo {
  kind: "echo-request" | "echo-reply";
  code: number;
  identifier: number;
  sequence: number;
  data: Uint8Array;
}

/**
 * Multicast Listener Discovery (RFC 2710 MLDv1, RFC 3810 MLDv2): recognized and named; `body` is
 * everything after the checksum, decoded only in the description.
 */
export interface Icmpv6MulticastListener {
  kind:
    | "multicast-listener-query"
    | "multicast-listener-report"
    | "multicast-listener-done"
    | "multicast-listener-report-v2";
  code: number;
  body: Uint8Array;
}

/** Any other type, kept as received: `body` is everything after the checksum. */
export interface Icmpv6Other {
  kind: "other";
  type: number;
  code: number;
  body: Uint8Array;
}

export type Icmpv6Repr =
  | Icmpv6DestinationUnreachable
  | Icmpv6PacketTooBig
  | Icmpv6TimeExceeded
  | Icmpv6ParameterProblem
  | Icmpv6Echo
  | Icmpv6MulticastListener
  | NdpRepr
  | Icmpv6Other;

const MLD_KINDS: Record<number, Icmpv6MulticastListener["kind"]> = {
  130: "multicast-listener-query",
  131: "multicast-listener-report",
  132: "multicast-listener-done",
  143: "multicast-listener-report-v2",
};

/** The ICMPv6 type of a Repr. */
export function icmpv6Type(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case "destination-unreachable":
      return Icmpv6Type.DestinationUnreachable;
    case "packet-too-big":
      return Icmpv6Type.PacketTooBig;
    case "time-exceeded":
      return Icmpv6Type.TimeExceeded;
    case "parameter-problem":
      return Icmpv6Type.ParameterProblem;
    case "echo-request":
      return Icmpv6Type.EchoRequest;
    case "echo-reply":
      return Icmpv6Type.EchoReply;
    case "multicast-listener-query":
      return Icmpv6Type.MulticastListenerQuery;
    case "multicast-listener-report":
      return Icmpv6Type.MulticastListenerReport;
    case "multicast-listener-done":
      return Icmpv6Type.MulticastListenerDone;
    case "multicast-listener-report-v2":
      return Icmpv6Type.MulticastListenerReportV2;
    case "other":
      return repr.type;
    default:
      return ndpType(repr);
  }
}

// ---------------------------------------------------------------------------------------------
// Parse and emit

/**
 * Parses an ICMPv6 message (`bytes` is exactly the message: the IPv6 payload after any extension
 * headers). The checksum is not checked here: see {@link verifyIcmpv6Checksum}.
 */
export function parseIcmpv6(bytes: Uint8Array): Icmpv6Repr | ParseError {
  if (bytes.length < ICMPV6_HEADER_LENGTH) {
    return new ParseError(
      "icmpv6",
      `truncated: ${bytes.length} octets, need ${ICMPV6_HEADER_LENGTH} for type, code and checksum`,
      0,
    );
  }
  const type = bytes[TYPE];
  const code = bytes[CODE];
  if (isNdpType(type)) return parseNdp(bytes);
  const mld = MLD_KINDS[type];
  if (mld !== undefined) return { kind: mld, code, body: bytes.subarray(ICMPV6_HEADER_LENGTH) };
  const hasWord = hasWordType(type);
  if (!hasWord) return { kind: "other", type, code, body: bytes.subarray(ICMPV6_HEADER_LENGTH) };
  if (bytes.length < WITH_WORD_LENGTH) {
    return new ParseError(
      "icmpv6",
      `truncated ${icmpv6TypeName(type)}: ${bytes.length} octets, need ${WITH_WORD_LENGTH}`,
      bytes.length,
    );
  }
  const body = bytes.subarray(BODY);
  switch (type) {
    case Icmpv6Type.DestinationUnreachable:
      return { kind: "destination-unreachable", code, invoking: body };
    case Icmpv6Type.PacketTooBig:
      return { kind: "packet-too-big", code, mtu: readUint32(bytes, WORD), invoking: body };
    case Icmpv6Type.TimeExceeded:
      return { kind: "time-exceeded", code, invoking: body };
    case Icmpv6Type.ParameterProblem:
      return { kind: "parameter-problem", code, pointer: readUint32(bytes, WORD), invoking: body };
    default:
      return {
        kind: type === Icmpv6Type.EchoRequest ? "echo-request" : "echo-reply",
        code,
        identifier: readUint16(bytes, WORD),
        sequence: readUint16(bytes, SEQUENCE),
        data: body,
      };
  }
}

/** Octets the message takes. */
export function icmpv6Length(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case "destination-unreachable":
    case "packet-too-big":
    case "time-exceeded":
    case "parameter-problem":
      return WITH_WORD_LENGTH + repr.invoking.length;
    case "echo-request":
    case "echo-reply":
      return WITH_WORD_LENGTH + repr.data.length;
    case "multicast-listener-query":
    case "multicast-listener-report":
    case "multicast-listener-done":
    case "multicast-listener-report-v2":
    case "other":
      return ICMPV6_HEADER_LENGTH + repr.body.length;
    default:
      return ndpLength(repr);
  }
}

/**
 * Writes the message into `into`, computes its checksum over the pseudo-header of `pseudo`
 * (RFC 4443 §2.3) and returns its length. Unused fields are written as zero.
 * Throws a RangeError when `into` is too short.
 */
export function emitIcmpv6(repr: Icmpv6Repr, into: Uint8Array, pseudo: PseudoHeader): number {
  const length = icmpv6Length(repr);
  if (into.length < length)
    throw new RangeError(`ICMPv6 message needs ${length} octets, buffer has ${into.length}`);
  switch (repr.kind) {
    case "destination-unreachable":
    case "time-exceeded":
      writeUint32(into, WORD, 0);
      into.set(repr.invoking, BODY);
      break;
    case "packet-too-big":
      writeUint32(into, WORD, repr.mtu);
      into.set(repr.invoking, BODY);
      break;
    case "parameter-problem":
      writeUint32(into, WORD, repr.pointer);
      into.set(repr.invoking, BODY);
      break;
    case "echo-request":
    case "echo-reply":
      writeUint16(into, WORD, repr.identifier);
      writeUint16(into, SEQUENCE, repr.sequence);
      into.set(repr.data, BODY);
      break;
    case "multicast-listener-query":
    case "multicast-listener-report":
    case "multicast-listener-done":
    case "multicast-listener-report-v2":
    case "other":
      into.set(repr.body, ICMPV6_HEADER_LENGTH);
      break;
    default:
      emitNdp(repr, into);
      break;
  }
  into[TYPE] = icmpv6Type(repr);
  into[CODE] = repr.code;
  writeUint16(into, CHECKSUM, icmpv6Checksum(into.subarray(0, length), pseudo));
  return length;
}

/**
 * The checksum `bytes` should carry: the complement of the one's complement sum of the
 * pseudo-header (source, destination, upper-layer length, next header 58) and the message with
 * its checksum field taken as zero (RFC 4443 §2.3).
 */
export function icmpv6Checksum(bytes: Uint8Array, pseudo: PseudoHeader): number {
  const initial = pseudoHeaderSum(pseudo, ICMPV6_NEXT_HEADER, bytes.length);
  const head = onesComplementSum(bytes, 0, Math.min(CHECKSUM, bytes.length), initial);
  return ~onesComplementSum(bytes, Math.min(WORD, bytes.length), bytes.length, head) & 0xffff;
}

/** Whether the message's checksum is right for the packet's addresses. */
export function verifyIcmpv6Checksum(bytes: Uint8Array, pseudo: PseudoHeader): boolean {
  if (bytes.length < ICMPV6_HEADER_LENGTH) return false;
  const sum = onesComplementSum(
    bytes,
    0,
    bytes.length,
    pseudoHeaderSum(pseudo, ICMPV6_NEXT_HEADER, bytes.length),
  );
  return sum === 0xffff;
}

// ---------------------------------------------------------------------------------------------
// View

/**
 * A zero-copy view of an ICMPv6 message. The word accessors (identifier, MTU, pointer...) read
 * octets 4-7, whichever meaning they have for the type; they assume at least 8 octets.
 */
export class Icmpv6View {
  constructor(readonly bytes: Uint8Array) {}

  /** A view after checking the 4-octet header is there (8 octets for errors and echo). */
  static checked(bytes: Uint8Array): Icmpv6View | ParseError {
    const minimum = bytes.length >= 1 && hasWordType(bytes[0]) ? WITH_WORD_LENGTH : ICMPV6_HEADER_LENGTH;
    if (bytes.length < minimum) {
      return new ParseError("icmpv6", `truncated: ${bytes.length} octets, need ${minimum}`, bytes.length);
    }
    return new Icmpv6View(bytes);
  }

  get type(): number {
    return this.bytes[TYPE];
  }
  set type(value: number) {
    this.bytes[TYPE] = value;
  }
  get code(): number {
    return this.bytes[CODE];
  }
  set code(value: number) {
    this.bytes[CODE] = value;
  }
  get checksum(): number {
    return readUint16(this.bytes, CHECKSUM);
  }
  set checksum(value: number) {
    writeUint16(this.bytes, CHECKSUM, value);
  }
  /** Echo: the identifier. */
  get identifier(): number {
    return readUint16(this.bytes, WORD);
  }
  set identifier(value: number) {
    writeUint16(this.bytes, WORD, value);
  }
  /** Echo: the sequence number. */
  get sequence(): number {
    return readUint16(this.bytes, SEQUENCE);
  }
  set sequence(value: number) {
    writeUint16(this.bytes, SEQUENCE, value);
  }
  /** Packet Too Big: the next-hop MTU. */
  get mtu(): number {
    return readUint32(this.bytes, WORD);
  }
  set mtu(value: number) {
    writeUint32(this.bytes, WORD, value);
  }
  /** Parameter Problem: offset of the offending octet in the invoking packet. */
  get pointer(): number {
    return readUint32(this.bytes, WORD);
  }
  set pointer(value: number) {
    writeUint32(this.bytes, WORD, value);
  }
  /** Everything after the checksum. */
  get body(): Uint8Array {
    return this.bytes.subarray(ICMPV6_HEADER_LENGTH);
  }
  /** Errors: the invoking packet; echo: the data (everything after the 32-bit word). */
  get payload(): Uint8Array {
    return this.bytes.subarray(BODY);
  }
  /** Recomputes the checksum in place, e.g. after changing a field. */
  fillChecksum(pseudo: PseudoHeader): void {
    this.checksum = icmpv6Checksum(this.bytes, pseudo);
  }
  verifyChecksum(pseudo: PseudoHeader): boolean {
    return verifyIcmpv6Checksum(this.bytes, pseudo);
  }
}

// ---------------------------------------------------------------------------------------------
// Description

/**
 * Describes a message for a learner. `bytes`, when given, are the message as received, for the
 * checksum field; with `pseudo` as well, the description says whether that checksum is right.
 */
export function describeIcmpv6(
  repr: Icmpv6Repr,
  bytes?: Uint8Array,
  pseudo?: PseudoHeader,
): LayerDescription {
  const type = icmpv6Type(repr);
  const length = icmpv6Length(repr);
  const error = isIcmpv6Error(type);
  const fields: FieldDescription[] = [
    {
      name: "Type",
      value: `${type} (${icmpv6TypeName(type)})`,
      meaning: error ? "an error message (types 0-127)" : "an informational message (types 128-255)",
      offset: TYPE,
      length: 1,
    },
    {
      name: "Code",
      value: error ? `${repr.code} (${icmpv6CodeName(type, repr.code)})` : `${repr.code}`,
      meaning: error ? "which kind of this error" : "0 for this type",
      offset: CODE,
      length: 1,
    },
    describeChecksum(bytes, pseudo),
  ];
  let summary: string;
  switch (repr.kind) {
    case "destination-unreachable":
      fields.push(unusedWord(), describeInvoking(repr.invoking));
      summary = `destination unreachable, ${icmpv6CodeName(type, repr.code)}`;
      break;
    case "packet-too-big":
      fields.push(
        {
          name: "MTU",
          value: `${repr.mtu}`,
          meaning: "the largest packet the next link carries: the sender should send smaller ones (RFC 8201)",
          offset: WORD,
          length: 4,
        },
        describeInvoking(repr.invoking),
      );
      summary = `packet too big, mtu ${repr.mtu}`;
      break;
    case "time-exceeded":
      fields.push(unusedWord(), describeInvoking(repr.invoking));
      summary = `time exceeded ${repr.code === 0 ? "in-transit" : repr.code === 1 ? "reassembly" : `code ${repr.code}`}`;
      break;
    case "parameter-problem":
      fields.push(
        {
          name: "Pointer",
          value: `${repr.pointer}`,
          meaning: "octet offset of the problem in the invoking packet",
          offset: WORD,
          length: 4,
        },
        describeInvoking(repr.invoking),
      );
      summary = `parameter problem, ${icmpv6CodeName(type, repr.code)} - octet ${repr.pointer}`;
      break;
    case "echo-request":
    case "echo-reply":
      fields.push(
        {
          name: "Identifier",
          value: `${repr.identifier}`,
          meaning: "matches replies to the sender (often its process)",
          offset: WORD,
          length: 2,
        },
        {
          name: "Sequence Number",
          value: `${repr.sequence}`,
          meaning: "counts the requests, so each reply can be matched to one",
          offset: SEQUENCE,
          length: 2,
        },
        {
          name: "Data",
          value: `${repr.data.length} octets`,
          meaning:
            repr.kind === "echo-request"
              ? "arbitrary; the reply returns it unchanged"
              : "the request's data, returned",
          offset: BODY,
          length: repr.data.length,
        },
      );
      summary = `${icmpv6TypeName(type)}, id ${repr.identifier}, seq ${repr.sequence}`;
      break;
    case "multicast-listener-query":
    case "multicast-listener-report":
    case "multicast-listener-done":
    case "multicast-listener-report-v2":
      fields.push(...describeMulticastListener(repr));
      summary = icmpv6TypeName(type);
      break;
    case "other":
      fields.push({
        name: "Message Body",
        value: `${repr.body.length} octets`,
        meaning: "not decoded here",
        offset: ICMPV6_HEADER_LENGTH,
        length: repr.body.length,
      });
      summary = `${icmpv6TypeName(type)} (type ${type}, code ${repr.code})`;
      break;
    default:
      fields.push(...describeNdpFields(repr));
      return {
        ...OSI_NETWORK,
        layer: "icmpv6",
        title: "Internet Control Message Protocol for IPv6 — Neighbor Discovery",
        summary: `ICMP6, ${ndpSummary(repr, length)}`,
        fields,
      };
  }
  return {
    ...OSI_NETWORK,
    layer: "icmpv6",
    title: "Internet Control Message Protocol for IPv6",
    summary: `ICMP6, ${summary}, length ${length}`,
    fields,
  };
}

function describeChecksum(bytes: Uint8Array | undefined, pseudo: PseudoHeader | undefined): FieldDescription {
  const field: FieldDescription = {
    name: "Checksum",
    value: "computed when sent",
    meaning: "covers the message and an IPv6 pseudo-header (addresses, length, next header 58)",
    offset: CHECKSUM,
    length: 2,
  };
  if (bytes && bytes.length >= ICMPV6_HEADER_LENGTH) {
    field.value = hex(readUint16(bytes, CHECKSUM), 4);
    if (pseudo) {
      field.meaning = verifyIcmpv6Checksum(bytes, pseudo)
        ? "correct"
        : `wrong: should be ${hex(icmpv6Checksum(bytes, pseudo), 4)}; a receiver discards the message`;
    }
  }
  return field;
}

function unusedWord(): FieldDescription {
  return {
    name: "Unused",
    value: "0",
    meaning: "zero when sent, ignored when received",
    offset: WORD,
    length: 4,
  };
}

/** The invoking packet: its IPv6 header summarized when at least 40 octets were quoted. */
function describeInvoking(invoking: Uint8Array): FieldDescription {
  const field: FieldDescription = {
    name: "Invoking Packet",
    value: `${invoking.length} octets`,
    meaning: "the start of the packet that caused this error, so the sender can tell which it was",
    offset: BODY,
    length: invoking.length,
  };
  if (invoking.length >= 40 && invoking[0] >>> 4 === 6) {
    const src = Ipv6Address.fromBytes(invoking, 8);
    const dst = Ipv6Address.fromBytes(invoking, 24);
    const next = invoking[6];
    field.value = `IP6 ${src} > ${dst}, next-header ${ipv6NextHeaderName(next)} (${next}), ${invoking.length} octets`;
  }
  return field;
}

function describeMulticastListener(repr: Icmpv6MulticastListener): FieldDescription[] {
  const body = repr.body;
  // Offsets below are from the message start; body starts at 4.
  if (repr.kind === "multicast-listener-report-v2" && body.length >= 4) {
    return [
      {
        name: "Nr of Mcast Address Records",
        value: `${readUint16(body, 2)}`,
        meaning: "multicast groups this listener reports (RFC 3810 §5.2)",
        offset: 6,
        length: 2,
      },
      {
        name: "Multicast Address Records",
        value: `${body.length - 4} octets`,
        offset: 8,
        length: body.length - 4,
      },
    ];
  }
  if (repr.kind !== "multicast-listener-report-v2" && body.length >= 20) {
    const group = Ipv6Address.fromBytes(body, 4);
    const fields: FieldDescription[] = [
      {
        name: repr.kind === "multicast-listener-query" ? "Maximum Response Code" : "Maximum Response Delay",
        value: `${readUint16(body, 0)}`,
        meaning: "milliseconds a listener may wait before reporting (queries only)",
        offset: 4,
        length: 2,
      },
      {
        name: "Multicast Address",
        value: group.toString(),
        meaning: group.isUnspecified ? "a general query: every group" : "the group this message is about",
        offset: 8,
        length: 16,
      },
    ];
    if (repr.kind === "multicast-listener-query" && body.length >= 24) {
      fields.push({
        name: "Number of Sources",
        value: `${readUint16(body, 22)}`,
        meaning: "MLDv2 query (RFC 3810 §5.1): sources this query is specific to",
        offset: 26,
        length: 2,
      });
    }
    return fields;
  }
  return [
    {
      name: "Message Body",
      value: `${body.length} octets`,
      offset: ICMPV6_HEADER_LENGTH,
      length: body.length,
    },
  ];
}
