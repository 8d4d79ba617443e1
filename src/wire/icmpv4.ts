/**
 * The Internet Control Message Protocol for IPv4 (RFC 792), with RFC 1191's next-hop MTU and the
 * router requirements of RFC 1812 §4.3.
 *
 * ```
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          rest of the header (meaning depends on the type)     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  data: echo payload, or the invoking datagram's IP header and  |
 *  |  at least its first 64 bits of data (errors)                  |
 * ```
 *
 * {@link Icmpv4Repr} is a union on `kind`; messages the stack does not act on are kept whole as
 * `other` (type, code, the 4 header octets and the data) so they still round-trip and describe.
 * The checksum covers the whole message and is checked separately ({@link Icmpv4View.verifyChecksum}).
 */
import { Ipv4Address } from "./address/ipv4.js";
import { internetChecksum } from "./checksum.js";
import { type FieldDescription, hex, type LayerDescription, OSI_NETWORK } from "./describe.js";
import { copyPayloadUnlessInPlace } from "./ethernet.js";
import { IpProtocol, ipProtocolName } from "./ipv4.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** Byte offsets of the ICMPv4 header fields. */
export const Icmpv4Field = {
  TYPE: 0,
  CODE: 1,
  CHECKSUM: 2,
  /** The 4 type-specific octets ("rest of header"). */
  REST: 4,
  /** Echo: identifier (2 octets) then sequence number (2 octets). */
  IDENTIFIER: 4,
  SEQUENCE: 6,
  /** Destination Unreachable, code 4: next-hop MTU (RFC 1191 §4). */
  NEXT_HOP_MTU: 6,
  /** Redirect: the gateway address. */
  GATEWAY: 4,
  /** Parameter Problem: the octet where the error was found. */
  POINTER: 4,
  /** Data (echo payload or the invoking datagram). */
  DATA: 8,
} as const;

/** Octets of the ICMP header: type, code, checksum and the 4-octet rest. */
export const ICMPV4_HEADER_LENGTH = 8;
/**
 * RFC 1812 §4.3.2.3: an error message SHOULD quote as much of the invoking datagram as fits
 * without the ICMP datagram exceeding 576 octets: 576 − 20 (IP header) − 8 (ICMP header).
 */
export const ICMPV4_MAX_QUOTE_LENGTH = 576 - 20 - 8;

/** ICMP message types (IANA "ICMP Type Numbers"). */
export const Icmpv4Type = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  /** Deprecated by RFC 6633. */
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  /** RFC 1256. */
  RouterAdvertisement: 9,
  /** RFC 1256. */
  RouterSolicitation: 10,
  TimeExceeded: 11,
  ParameterProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
  /** Deprecated by RFC 6918. */
  InformationRequest: 15,
  InformationReply: 16,
  /** RFC 950, deprecated by RFC 6918. */
  AddressMaskRequest: 17,
  AddressMaskReply: 18,
  /** RFC 1393, deprecated. */
  Traceroute: 30,
  /** RFC 8335 (PROBE). */
  ExtendedEchoRequest: 42,
  ExtendedEchoReply: 43,
} as const;

/** Destination Unreachable codes (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1). */
export const UnreachableCode = {
  NetUnreachable: 0,
  HostUnreachable: 1,
  ProtocolUnreachable: 2,
  PortUnreachable: 3,
  /** Fragmentation needed and DF set; carries the next-hop MTU (RFC 1191). */
  FragmentationNeeded: 4,
  SourceRouteFailed: 5,
  DestinationNetworkUnknown: 6,
  DestinationHostUnknown: 7,
  SourceHostIsolated: 8,
  NetworkAdministrativelyProhibited: 9,
  HostAdministrativelyProhibited: 10,
  NetworkUnreachableForTos: 11,
  HostUnreachableForTos: 12,
  /** RFC 1812: a filter forbids it. */
  CommunicationAdministrativelyProhibited: 13,
  HostPrecedenceViolation: 14,
  PrecedenceCutoffInEffect: 15,
} as const;

/** Time Exceeded codes (RFC 792). */
export const TimeExceededCode = {
  /** Time to live exceeded in transit (what traceroute provokes). */
  TtlExceeded: 0,
  /** Fragment reassembly time exceeded. */
  FragmentReassembly: 1,
} as const;

/** Redirect codes (RFC 792; the TOS ones are obsolete, RFC 1812 §5.2.7.2). */
export const RedirectCode = {
  Network: 0,
  Host: 1,
  TosAndNetwork: 2,
  TosAndHost: 3,
} as const;

/** Parameter Problem codes (RFC 792, RFC 1108, RFC 1812). */
export const ParameterProblemCode = {
  /** The pointer indicates the error. */
  Pointer: 0,
  /** A required option is missing (RFC 1108). */
  MissingOption: 1,
  BadLength: 2,
} as const;

const typeNames: ReadonlyMap<number, string> = new Map([
  [0, "Echo Reply"],
  [3, "Destination Unreachable"],
  [4, "Source Quench"],
  [5, "Redirect"],
  [6, "Alternate Host Address"],
  [8, "Echo Request"],
  [9, "Router Advertisement"],
  [10, "Router Solicitation"],
  [11, "Time Exceeded"],
  [12, "Parameter Problem"],
  [13, "Timestamp"],
  [14, "Timestamp Reply"],
  [15, "Information Request"],
  [16, "Information Reply"],
  [17, "Address Mask Request"],
  [18, "Address Mask Reply"],
  [30, "Traceroute"],
  [40, "Photuris"],
  [42, "Extended Echo Request"],
  [43, "Extended Echo Reply"],
]);

const unreachableNames = [
  "net unreachable",
  "host unreachable",
  "protocol unreachable",
  "port unreachable",
  "fragmentation needed and DF set",
  "source route failed",
  "destination network unknown",
  "destination host unknown",
  "source host isolated",
  "communication with destination network is administratively prohibited",
  "communication with destination host is administratively prohibited",
  "destination network unreachable for type of service",
  "destination host unreachable for type of service",
  "communication administratively prohibited",
  "host precedence violation",
  "precedence cutoff in effect",
];

const timeExceededNames = ["time to live exceeded in transit", "fragment reassembly time exceeded"];
const redirectNames = [
  "redirect datagrams for the network",
  "redirect datagrams for the host",
  "redirect datagrams for the type of service and network",
  "redirect datagrams for the type of service and host",
];
const parameterProblemNames = ["pointer indicates the error", "missing a required option", "bad length"];

/** The message type's name, e.g. `"Echo Request"`. */
export function icmpv4TypeName(type: number): string {
  return typeNames.get(type) ?? `Unknown type ${type}`;
}

/** The code's meaning for its type, e.g. `"port unreachable"`; `undefined` where codes are not named. */
export function icmpv4CodeName(type: number, code: number): string | undefined {
  switch (type) {
    case Icmpv4Type.DestinationUnreachable:
      return unreachableNames[code];
    case Icmpv4Type.TimeExceeded:
      return timeExceededNames[code];
    case Icmpv4Type.Redirect:
      return redirectNames[code];
    case Icmpv4Type.ParameterProblem:
      return parameterProblemNames[code];
    default:
      return code === 0 ? undefined : `code ${code}`;
  }
}

/** A zero-copy view of an ICMPv4 message. Use {@link Icmpv4View.checked} on untrusted bytes. */
export class Icmpv4View {
  constructor(readonly bytes: Uint8Array) {}

  static checked(bytes: Uint8Array): Icmpv4View | ParseError {
    return bytes.length < ICMPV4_HEADER_LENGTH ? truncated(bytes.length) : new Icmpv4View(bytes);
  }

  get type(): number {
    return this.bytes[Icmpv4Field.TYPE];
  }
  set type(value: number) {
    this.bytes[Icmpv4Field.TYPE] = value;
  }
  get code(): number {
    return this.bytes[Icmpv4Field.CODE];
  }
  set code(value: number) {
    this.bytes[Icmpv4Field.CODE] = value;
  }
  get checksum(): number {
    return readUint16(this.bytes, Icmpv4Field.CHECKSUM);
  }
  set checksum(value: number) {
    writeUint16(this.bytes, Icmpv4Field.CHECKSUM, value);
  }
  /** The 4 type-specific header octets, zero-copy. */
  get rest(): Uint8Array {
    return this.bytes.subarray(Icmpv4Field.REST, ICMPV4_HEADER_LENGTH);
  }
  /** Echo identifier. */
  get identifier(): number {
    return readUint16(this.bytes, Icmpv4Field.IDENTIFIER);
  }
  set identifier(value: number) {
    writeUint16(this.bytes, Icmpv4Field.IDENTIFIER, value);
  }
  /** Echo sequence number. */
  get sequence(): number {
    return readUint16(this.bytes, Icmpv4Field.SEQUENCE);
  }
  set sequence(value: number) {
    writeUint16(this.bytes, Icmpv4Field.SEQUENCE, value);
  }
  /** Destination Unreachable code 4: the MTU of the next hop (RFC 1191 §4). */
  get nextHopMtu(): number {
    return readUint16(this.bytes, Icmpv4Field.NEXT_HOP_MTU);
  }
  set nextHopMtu(value: number) {
    writeUint16(this.bytes, Icmpv4Field.NEXT_HOP_MTU, value);
  }
  /** Redirect: the better first hop, as a uint32. */
  get gatewayValue(): number {
    return readUint32(this.bytes, Icmpv4Field.GATEWAY);
  }
  set gatewayValue(value: number) {
    writeUint32(this.bytes, Icmpv4Field.GATEWAY, value);
  }
  /** Parameter Problem: the octet of the invoking datagram where the error lies. */
  get pointer(): number {
    return this.bytes[Icmpv4Field.POINTER];
  }
  set pointer(value: number) {
    this.bytes[Icmpv4Field.POINTER] = value;
  }
  /** Everything after the 8-octet header, zero-copy. */
  get data(): Uint8Array {
    return this.bytes.subarray(ICMPV4_HEADER_LENGTH);
  }

  /** RFC 792: the checksum covers the whole ICMP message; summed with it, it gives all ones. */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes) === 0;
  }
  fillChecksum(): void {
    writeUint16(this.bytes, Icmpv4Field.CHECKSUM, 0);
    writeUint16(this.bytes, Icmpv4Field.CHECKSUM, internetChecksum(this.bytes));
  }
}

/** The fields of Echo and Echo Reply (RFC 792). */
export interface Icmpv4Echo {
  /** Chosen by the sender to match replies to requests (ping uses its process id). */
  identifier: number;
  sequence: number;
  /** Echoed back unchanged. */
  data: Uint8Array;
}

/** An ICMPv4 message as plain data; data fields are zero-copy `subarray`s. */
export type Icmpv4Repr =
  | ({ kind: "echo-request" } & Icmpv4Echo)
  | ({ kind: "echo-reply" } & Icmpv4Echo)
  | {
      kind: "destination-unreachable";
      /** {@link UnreachableCode}. */
      code: number;
      /** RFC 1191: the next hop's MTU for code 4 (0 from pre-RFC 1191 routers); 0 otherwise. */
      nextHopMtu: number;
      /** The invoking datagram: its IP header and at least 8 octets of its data. */
      invoking: Uint8Array;
    }
  | {
      kind: "time-exceeded";
      /** {@link TimeExceededCode}. */
      code: number;
      invoking: Uint8Array;
    }
  | {
      kind: "redirect";
      /** {@link RedirectCode}. */
      code: number;
      /** The router the sender should use instead. */
      gateway: Ipv4Address;
      invoking: Uint8Array;
    }
  | {
      kind: "parameter-problem";
      /** {@link ParameterProblemCode}. */
      code: number;
      /** The octet of the invoking datagram's header where the problem was found (code 0). */
      pointer: number;
      invoking: Uint8Array;
    }
  | {
      kind: "other";
      type: number;
      code: number;
      /** The 4 type-specific header octets. */
      rest: Uint8Array;
      data: Uint8Array;
    };

/** The kinds of {@link Icmpv4Repr}. */
export type Icmpv4Kind = Icmpv4Repr["kind"];

/**
 * Reads an ICMPv4 message (all of `bytes`: give it the IPv4 payload). Messages shorter than the
 * 8-octet header are a `ParseError`. Echo messages with a non-zero code, and every type not
 * modelled, come back as `other`. Unused header octets of error messages are not kept (RFC 792
 * says they are zero; RFC 4884's length octet is among them).
 */
export function parseIcmpv4(bytes: Uint8Array): Icmpv4Repr | ParseError {
  if (bytes.length < ICMPV4_HEADER_LENGTH) return truncated(bytes.length);
  const type = bytes[Icmpv4Field.TYPE];
  const code = bytes[Icmpv4Field.CODE];
  const data = bytes.subarray(ICMPV4_HEADER_LENGTH);
  switch (type) {
    case Icmpv4Type.EchoRequest:
    case Icmpv4Type.EchoReply:
      if (code !== 0) break;
      return {
        kind: type === Icmpv4Type.EchoRequest ? ("echo-request" as const) : ("echo-reply" as const),
        identifier: readUint16(bytes, Icmpv4Field.IDENTIFIER),
        sequence: readUint16(bytes, Icmpv4Field.SEQUENCE),
        data,
      };
    case Icmpv4Type.DestinationUnreachable:
      return {
        kind: "destination-unreachable",
        code,
        nextHopMtu: readUint16(bytes, Icmpv4Field.NEXT_HOP_MTU),
        invoking: data,
      };
    case Icmpv4Type.TimeExceeded:
      return { kind: "time-exceeded", code, invoking: data };
    case Icmpv4Type.Redirect:
      return {
        kind: "redirect",
        code,
        gateway: new Ipv4Address(readUint32(bytes, Icmpv4Field.GATEWAY)),
        invoking: data,
      };
    case Icmpv4Type.ParameterProblem:
      return { kind: "parameter-problem", code, pointer: bytes[Icmpv4Field.POINTER], invoking: data };
  }
  return { kind: "other", type, code, rest: bytes.subarray(Icmpv4Field.REST, ICMPV4_HEADER_LENGTH), data };
}

/** The message's type number. */
export function icmpv4Type(repr: Icmpv4Repr): number {
  switch (repr.kind) {
    case "echo-request":
      return Icmpv4Type.EchoRequest;
    case "echo-reply":
      return Icmpv4Type.EchoReply;
    case "destination-unreachable":
      return Icmpv4Type.DestinationUnreachable;
    case "time-exceeded":
      return Icmpv4Type.TimeExceeded;
    case "redirect":
      return Icmpv4Type.Redirect;
    case "parameter-problem":
      return Icmpv4Type.ParameterProblem;
    case "other":
      return repr.type;
  }
}

/** The message's code (0 for echo). */
export function icmpv4Code(repr: Icmpv4Repr): number {
  if (repr.kind === "echo-request" || repr.kind === "echo-reply") return 0;
  return repr.code;
}

/** The data after the 8-octet header: echo data, the invoking datagram, or `other`'s data. */
export function icmpv4Data(repr: Icmpv4Repr): Uint8Array {
  switch (repr.kind) {
    case "echo-request":
    case "echo-reply":
    case "other":
      return repr.data;
    default:
      return repr.invoking;
  }
}

/** Octets {@link emitIcmpv4} writes. */
export function icmpv4Length(repr: Icmpv4Repr): number {
  return ICMPV4_HEADER_LENGTH + icmpv4Data(repr).length;
}

/**
 * Writes the message with its checksum computed and returns its length. The data is not copied
 * when it already sits in place at offset 8.
 * @throws RangeError when `into` is too short or `other.rest` is not 4 octets (caller bugs).
 */
export function emitIcmpv4(repr: Icmpv4Repr, into: Uint8Array): number {
  const data = icmpv4Data(repr);
  const length = ICMPV4_HEADER_LENGTH + data.length;
  if (into.length < length)
    throw new RangeError(`ICMPv4 message needs ${length} bytes, buffer has ${into.length}`);
  into[Icmpv4Field.TYPE] = icmpv4Type(repr);
  into[Icmpv4Field.CODE] = icmpv4Code(repr);
  into[Icmpv4Field.CHECKSUM] = 0;
  into[Icmpv4Field.CHECKSUM + 1] = 0;
  switch (repr.kind) {
    case "echo-request":
    case "echo-reply":
      writeUint16(into, Icmpv4Field.IDENTIFIER, repr.identifier);
      writeUint16(into, Icmpv4Field.SEQUENCE, repr.sequence);
      break;
    case "destination-unreachable":
      writeUint16(into, Icmpv4Field.REST, 0);
      writeUint16(into, Icmpv4Field.NEXT_HOP_MTU, repr.nextHopMtu);
      break;
    case "time-exceeded":
      writeUint32(into, Icmpv4Field.REST, 0);
      break;
    case "redirect":
      writeUint32(into, Icmpv4Field.GATEWAY, repr.gateway.value);
      break;
    case "parameter-problem":
      writeUint32(into, Icmpv4Field.REST, 0);
      into[Icmpv4Field.POINTER] = repr.pointer;
      break;
    case "other":
      if (repr.rest.length !== 4)
        throw new RangeError(`ICMPv4 rest of header must be 4 octets, got ${repr.rest.length}`);
      into.set(repr.rest, Icmpv4Field.REST);
      break;
  }
  copyPayloadUnlessInPlace(data, into, ICMPV4_HEADER_LENGTH);
  writeUint16(into, Icmpv4Field.CHECKSUM, internetChecksum(into, 0, length));
  return length;
}

/**
 * The part of an offending datagram an error message quotes: as much as fits in a 576-octet ICMP
 * datagram (RFC 1812 §4.3.2.3; at least the IP header and 8 octets, RFC 792), zero-copy.
 */
export function quoteInvokingDatagram(packet: Uint8Array, maxLength = ICMPV4_MAX_QUOTE_LENGTH): Uint8Array {
  return packet.length <= maxLength ? packet : packet.subarray(0, maxLength);
}

/** What an error message's quoted datagram tells: whose packet it was and its transport ports. */
export interface QuotedIpv4Datagram {
  src: Ipv4Address;
  dst: Ipv4Address;
  protocol: number;
  identification: number;
  ttl: number;
  /** The Total Length the original datagram had (the quote is usually shorter). */
  totalLength: number;
  headerLength: number;
  /** The quoted octets after the IP header (the start of the TCP/UDP/ICMP header). */
  transport: Uint8Array;
}

/**
 * Reads the IP header an error message quotes, so the stack can find the socket the error
 * belongs to. Lenient about Total Length (the quote is truncated by design) but not about version
 * or IHL; never reads out of bounds.
 */
export function parseQuotedIpv4(invoking: Uint8Array): QuotedIpv4Datagram | ParseError {
  if (invoking.length < 20) {
    return new ParseError(
      "icmpv4",
      `quoted datagram of ${invoking.length} bytes is shorter than an IPv4 header`,
      8,
    );
  }
  if (invoking[0] >>> 4 !== 4) {
    return new ParseError("icmpv4", `quoted datagram has IP version ${invoking[0] >>> 4}, not 4`, 8);
  }
  const headerLength = (invoking[0] & 0x0f) << 2;
  if (headerLength < 20 || headerLength > invoking.length) {
    return new ParseError("icmpv4", `quoted datagram has a bad header length of ${headerLength} bytes`, 8);
  }
  return {
    src: new Ipv4Address(readUint32(invoking, 12)),
    dst: new Ipv4Address(readUint32(invoking, 16)),
    protocol: invoking[9],
    identification: readUint16(invoking, 4),
    ttl: invoking[8],
    totalLength: readUint16(invoking, 2),
    headerLength,
    transport: invoking.subarray(headerLength),
  };
}

/**
 * Explains an ICMPv4 message. Give `bytes` (the message as received) to show the checksum and
 * whether it is correct.
 */
export function describeIcmpv4(repr: Icmpv4Repr, bytes?: Uint8Array): LayerDescription {
  const type = icmpv4Type(repr);
  const code = icmpv4Code(repr);
  const codeName = icmpv4CodeName(type, code);
  const length = icmpv4Length(repr);
  const fields: FieldDescription[] = [
    { name: "Type", value: `${type} (${icmpv4TypeName(type)})`, offset: 0, length: 1 },
    {
      name: "Code",
      value: String(code),
      meaning: codeName,
      offset: 1,
      length: 1,
    },
  ];
  if (bytes && bytes.length >= ICMPV4_HEADER_LENGTH) {
    const view = new Icmpv4View(bytes);
    fields.push({
      name: "Checksum",
      value: hex(view.checksum, 4),
      meaning: view.verifyChecksum()
        ? "correct: covers the whole ICMP message"
        : `incorrect, should be ${hex(correctChecksum(bytes), 4)}`,
      offset: Icmpv4Field.CHECKSUM,
      length: 2,
    });
  }
  let summary: string;
  switch (repr.kind) {
    case "echo-request":
    case "echo-reply": {
      const request = repr.kind === "echo-request";
      fields.push(
        {
          name: "Identifier",
          value: `${repr.identifier} (${hex(repr.identifier, 4)})`,
          meaning: "matches replies to the pinging process",
          offset: Icmpv4Field.IDENTIFIER,
          length: 2,
        },
        {
          name: "Sequence Number",
          value: String(repr.sequence),
          meaning: "counts the requests, so lost ones show",
          offset: Icmpv4Field.SEQUENCE,
          length: 2,
        },
        {
          name: "Data",
          value: `${repr.data.length} bytes`,
          meaning: request ? "echoed back unchanged by the reply" : "the request's data, returned",
          offset: Icmpv4Field.DATA,
          length: repr.data.length,
        },
      );
      summary = `ICMP echo ${request ? "request" : "reply"}, id ${repr.identifier}, seq ${repr.sequence}, length ${length}`;
      break;
    }
    case "destination-unreachable": {
      if (code === UnreachableCode.FragmentationNeeded) {
        // RFC 1191 §4: "unused" is now the first half; the Next-Hop MTU the second.
        fields.push(unusedField(Icmpv4Field.REST, 2, bytes, "RFC 1191 §4"));
        fields.push({
          name: "Next-Hop MTU",
          value: String(repr.nextHopMtu),
          meaning:
            repr.nextHopMtu === 0
              ? "not given (router predates RFC 1191)"
              : "the largest packet the next link carries: send smaller (path MTU discovery, RFC 1191)",
          offset: Icmpv4Field.NEXT_HOP_MTU,
          length: 2,
        });
      } else {
        fields.push(unusedField(Icmpv4Field.REST, 4, bytes, "RFC 792"));
      }
      fields.push(invokingField(repr.invoking));
      summary = `ICMP ${unreachableSummary(code, repr.nextHopMtu, repr.invoking)}, length ${length}`;
      break;
    }
    case "time-exceeded":
      fields.push(unusedField(Icmpv4Field.REST, 4, bytes, "RFC 792"), invokingField(repr.invoking));
      summary = `ICMP ${code === TimeExceededCode.TtlExceeded ? "time exceeded in-transit" : code === TimeExceededCode.FragmentReassembly ? "ip reassembly time exceeded" : `time exceeded code ${code}`}, length ${length}`;
      break;
    case "redirect": {
      fields.push(
        {
          name: "Gateway Internet Address",
          value: repr.gateway.toString(),
          meaning: "a better first-hop router for this destination, on the sender's own network",
          offset: Icmpv4Field.GATEWAY,
          length: 4,
        },
        invokingField(repr.invoking),
      );
      const quoted = parseQuotedIpv4(repr.invoking);
      const target = quoted instanceof ParseError ? "?" : quoted.dst.toString();
      const scope = code === RedirectCode.Network || code === RedirectCode.TosAndNetwork ? "net" : "host";
      summary = `ICMP redirect ${target} to ${scope} ${repr.gateway}, length ${length}`;
      break;
    }
    case "parameter-problem":
      fields.push(
        {
          name: "Pointer",
          value: String(repr.pointer),
          meaning: "the octet of the quoted header where the problem is",
          offset: Icmpv4Field.POINTER,
          length: 1,
        },
        unusedField(Icmpv4Field.POINTER + 1, 3, bytes, "RFC 792"),
        invokingField(repr.invoking),
      );
      summary = `ICMP parameter problem - octet ${repr.pointer}, length ${length}`;
      break;
    case "other":
      fields.push(
        {
          name: "Rest of Header",
          value: Array.from(repr.rest, (b) => b.toString(16).padStart(2, "0")).join(" "),
          offset: Icmpv4Field.REST,
          length: 4,
        },
        {
          name: "Data",
          value: `${repr.data.length} bytes`,
          offset: Icmpv4Field.DATA,
          length: repr.data.length,
        },
      );
      summary = `ICMP ${icmpv4TypeName(type).toLowerCase()}${code !== 0 ? ` code ${code}` : ""}, length ${length}`;
      break;
  }
  return {
    ...OSI_NETWORK,
    layer: "icmpv4",
    title: "Internet Control Message Protocol",
    summary,
    fields,
  };
}

/**
 * The octets an error message leaves unused (RFC 792: "unused", sent as zero). Shown so every byte
 * of the header has a label; with the received `bytes`, the value is what was actually there.
 * RFC 4884 §4.1 later gave the octet at offset 5 a meaning (the quoted datagram's length in 32-bit
 * words, when ICMP extensions such as MPLS labels follow it), so a non-zero one is explained.
 */
function unusedField(
  offset: number,
  length: number,
  bytes: Uint8Array | undefined,
  rfc: string,
): FieldDescription {
  let value = 0;
  const present = bytes !== undefined && bytes.length >= offset + length;
  if (present) for (let i = 0; i < length; i++) value = value * 256 + bytes[offset + i];
  let meaning = `unused: sent as zero, ignored on receipt (${rfc})`;
  if (value !== 0) {
    const lengthOctet = offset <= 5 && offset + length > 5 ? bytes![5] : 0;
    meaning =
      lengthOctet !== 0
        ? `unused except the octet at offset 5: RFC 4884 length of the quoted datagram, ${lengthOctet} 32-bit words (${lengthOctet * 4} bytes), with ICMP extensions after it`
        : `should be zero (${rfc}); receivers ignore it`;
  }
  return { name: "Unused", value: hex(value, length * 2), meaning, offset, length };
}

function invokingField(invoking: Uint8Array): FieldDescription {
  const quoted = parseQuotedIpv4(invoking);
  let value = `${invoking.length} bytes`;
  if (!(quoted instanceof ParseError)) {
    value += `: ${ipProtocolName(quoted.protocol)} ${quoted.src} > ${quoted.dst}`;
    const ports = quotedPorts(quoted);
    if (ports) value += `, ports ${ports[0]} > ${ports[1]}`;
  }
  return {
    name: "Invoking Datagram",
    value,
    meaning: "the start of the packet that caused this error, so the sender can tell which it was",
    offset: Icmpv4Field.DATA,
    length: invoking.length,
  };
}

function quotedPorts(quoted: QuotedIpv4Datagram): [number, number] | undefined {
  if (quoted.protocol !== IpProtocol.TCP && quoted.protocol !== IpProtocol.UDP) return undefined;
  if (quoted.transport.length < 4) return undefined;
  return [readUint16(quoted.transport, 0), readUint16(quoted.transport, 2)];
}

/** The tcpdump-like text for a Destination Unreachable. */
function unreachableSummary(code: number, mtu: number, invoking: Uint8Array): string {
  const quoted = parseQuotedIpv4(invoking);
  const dst = quoted instanceof ParseError ? "?" : quoted.dst.toString();
  switch (code) {
    case UnreachableCode.NetUnreachable:
      return `net ${dst} unreachable`;
    case UnreachableCode.HostUnreachable:
      return `host ${dst} unreachable`;
    case UnreachableCode.ProtocolUnreachable:
      return `${dst} protocol ${quoted instanceof ParseError ? "?" : quoted.protocol} unreachable`;
    case UnreachableCode.PortUnreachable: {
      if (quoted instanceof ParseError) return `${dst} port unreachable`;
      const ports = quotedPorts(quoted);
      const protocol = ipProtocolName(quoted.protocol).toLowerCase();
      return ports
        ? `${dst} ${protocol} port ${ports[1]} unreachable`
        : `${dst} ${protocol} port unreachable`;
    }
    case UnreachableCode.FragmentationNeeded:
      return `${dst} unreachable - need to frag (mtu ${mtu})`;
    case UnreachableCode.CommunicationAdministrativelyProhibited:
      return `host ${dst} unreachable - admin prohibited filter`;
    default:
      return `${dst} unreachable - ${unreachableNames[code] ?? `code ${code}`}`;
  }
}

function correctChecksum(bytes: Uint8Array): number {
  const copy = bytes.slice();
  copy[Icmpv4Field.CHECKSUM] = 0;
  copy[Icmpv4Field.CHECKSUM + 1] = 0;
  return internetChecksum(copy);
}

function truncated(length: number): ParseError {
  return new ParseError(
    "icmpv4",
    `message of ${length} bytes is shorter than the 8-byte ICMP header`,
    length,
  );
}
