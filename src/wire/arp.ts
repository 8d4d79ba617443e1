/**
 * The Address Resolution Protocol (RFC 826) for IPv4 over Ethernet: "who has 10.0.0.2? tell
 * 10.0.0.1" and "10.0.0.2 is at 02:00:00:00:00:02".
 *
 * ```
 *  0        2        4    5    6        8              14        18             24        28
 *  +--------+--------+----+----+--------+--------------+---------+--------------+---------+
 *  | HTYPE  | PTYPE  |HLEN|PLEN|  OPER  | sender MAC   | sender  | target MAC   | target  |
 *  | (1)    |(0x0800)| 6  | 4  |        | (SHA)        | IP (SPA)| (THA)        | IP (TPA)|
 *  +--------+--------+----+----+--------+--------------+---------+--------------+---------+
 * ```
 *
 * RFC 826 is generic over hardware and protocol types; this stack only resolves IPv4 addresses to
 * Ethernet addresses, so other combinations are refused with a `ParseError` that says which.
 * Bytes after the 28-octet packet (Ethernet minimum-size padding) are ignored.
 */
import { Ipv4Address } from "./address/ipv4.js";
import { MacAddress } from "./address/mac.js";
import { type FieldDescription, hex, type LayerDescription, OSI_DATA_LINK } from "./describe.js";
import { EtherType, readMac48, writeMac48 } from "./ethernet.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** Byte offsets of the ARP fields for Ethernet/IPv4. */
export const ArpField = {
  HARDWARE_TYPE: 0,
  PROTOCOL_TYPE: 2,
  HARDWARE_LENGTH: 4,
  PROTOCOL_LENGTH: 5,
  OPERATION: 6,
  SENDER_HARDWARE_ADDRESS: 8,
  SENDER_PROTOCOL_ADDRESS: 14,
  TARGET_HARDWARE_ADDRESS: 18,
  TARGET_PROTOCOL_ADDRESS: 24,
} as const;

/** Octets of an Ethernet/IPv4 ARP packet. */
export const ARP_PACKET_LENGTH = 28;
/** Octets before the addresses: types, lengths and operation (enough to tell what the packet is). */
const ARP_FIXED_LENGTH = 8;
/** ARP hardware type for Ethernet (IANA "Hardware Types": 1, Ethernet (10Mb)). */
export const ARP_HARDWARE_ETHERNET = 1;

/** ARP operation codes (IANA "Operation Codes"; RFC 826, RFC 903 RARP, RFC 2390 InARP). */
export const ArpOperation = {
  Request: 1,
  Reply: 2,
  ReverseRequest: 3,
  ReverseReply: 4,
  InverseRequest: 8,
  InverseReply: 9,
} as const;

const operationNames: ReadonlyMap<number, string> = new Map([
  [ArpOperation.Request, "request"],
  [ArpOperation.Reply, "reply"],
  [ArpOperation.ReverseRequest, "reverse request"],
  [ArpOperation.ReverseReply, "reverse reply"],
  [ArpOperation.InverseRequest, "inverse request"],
  [ArpOperation.InverseReply, "inverse reply"],
]);

/** The name of an ARP operation, e.g. `"request"`. */
export function arpOperationName(operation: number): string {
  return operationNames.get(operation) ?? `unknown operation ${operation}`;
}

/** A zero-copy view of an Ethernet/IPv4 ARP packet. Check untrusted bytes with {@link ArpView.checked}. */
export class ArpView {
  constructor(readonly bytes: Uint8Array) {}

  /** A view once the bytes are known to be a whole Ethernet/IPv4 ARP packet, or why not. */
  static checked(bytes: Uint8Array): ArpView | ParseError {
    return checkArp(bytes) ?? new ArpView(bytes);
  }

  get hardwareType(): number {
    return readUint16(this.bytes, ArpField.HARDWARE_TYPE);
  }
  set hardwareType(value: number) {
    writeUint16(this.bytes, ArpField.HARDWARE_TYPE, value);
  }
  get protocolType(): number {
    return readUint16(this.bytes, ArpField.PROTOCOL_TYPE);
  }
  set protocolType(value: number) {
    writeUint16(this.bytes, ArpField.PROTOCOL_TYPE, value);
  }
  get hardwareLength(): number {
    return this.bytes[ArpField.HARDWARE_LENGTH];
  }
  set hardwareLength(value: number) {
    this.bytes[ArpField.HARDWARE_LENGTH] = value;
  }
  get protocolLength(): number {
    return this.bytes[ArpField.PROTOCOL_LENGTH];
  }
  set protocolLength(value: number) {
    this.bytes[ArpField.PROTOCOL_LENGTH] = value;
  }
  get operation(): number {
    return readUint16(this.bytes, ArpField.OPERATION);
  }
  set operation(value: number) {
    writeUint16(this.bytes, ArpField.OPERATION, value);
  }
  /** Sender hardware address (SHA) as a 48-bit integer, allocation-free. */
  get senderMacValue(): number {
    return readMac48(this.bytes, ArpField.SENDER_HARDWARE_ADDRESS);
  }
  set senderMacValue(value: number) {
    writeMac48(this.bytes, ArpField.SENDER_HARDWARE_ADDRESS, value);
  }
  get senderMac(): MacAddress {
    return new MacAddress(this.senderMacValue);
  }
  set senderMac(mac: MacAddress) {
    this.senderMacValue = mac.value;
  }
  /** Sender protocol address (SPA) as a uint32. */
  get senderIpValue(): number {
    return readUint32(this.bytes, ArpField.SENDER_PROTOCOL_ADDRESS);
  }
  set senderIpValue(value: number) {
    writeUint32(this.bytes, ArpField.SENDER_PROTOCOL_ADDRESS, value);
  }
  get senderIp(): Ipv4Address {
    return new Ipv4Address(this.senderIpValue);
  }
  set senderIp(ip: Ipv4Address) {
    this.senderIpValue = ip.value;
  }
  /** Target hardware address (THA); zero or ignored in a request. */
  get targetMacValue(): number {
    return readMac48(this.bytes, ArpField.TARGET_HARDWARE_ADDRESS);
  }
  set targetMacValue(value: number) {
    writeMac48(this.bytes, ArpField.TARGET_HARDWARE_ADDRESS, value);
  }
  get targetMac(): MacAddress {
    return new MacAddress(this.targetMacValue);
  }
  set targetMac(mac: MacAddress) {
    this.targetMacValue = mac.value;
  }
  /** Target protocol address (TPA): the address being resolved, in a request. */
  get targetIpValue(): number {
    return readUint32(this.bytes, ArpField.TARGET_PROTOCOL_ADDRESS);
  }
  set targetIpValue(value: number) {
    writeUint32(this.bytes, ArpField.TARGET_PROTOCOL_ADDRESS, value);
  }
  get targetIp(): Ipv4Address {
    return new Ipv4Address(this.targetIpValue);
  }
  set targetIp(ip: Ipv4Address) {
    this.targetIpValue = ip.value;
  }
}

/** An Ethernet/IPv4 ARP packet as plain data (the fixed type and length fields are implied). */
export interface ArpRepr {
  /** {@link ArpOperation}: 1 request, 2 reply. */
  operation: number;
  senderMac: MacAddress;
  senderIp: Ipv4Address;
  targetMac: MacAddress;
  targetIp: Ipv4Address;
}

/** Reads an Ethernet/IPv4 ARP packet; other hardware/protocol types are refused by name. */
export function parseArp(bytes: Uint8Array): ArpRepr | ParseError {
  const problem = checkArp(bytes);
  if (problem) return problem;
  return {
    operation: readUint16(bytes, ArpField.OPERATION),
    senderMac: new MacAddress(readMac48(bytes, ArpField.SENDER_HARDWARE_ADDRESS)),
    senderIp: new Ipv4Address(readUint32(bytes, ArpField.SENDER_PROTOCOL_ADDRESS)),
    targetMac: new MacAddress(readMac48(bytes, ArpField.TARGET_HARDWARE_ADDRESS)),
    targetIp: new Ipv4Address(readUint32(bytes, ArpField.TARGET_PROTOCOL_ADDRESS)),
  };
}

/** Octets {@link emitArp} writes (always 28). */
export function arpLength(_repr?: ArpRepr): number {
  return ARP_PACKET_LENGTH;
}

/**
 * Writes the 28-octet packet and returns its length.
 * @throws RangeError when `into` is shorter than 28 bytes (a caller bug).
 */
export function emitArp(repr: ArpRepr, into: Uint8Array): number {
  if (into.length < ARP_PACKET_LENGTH) {
    throw new RangeError(`ARP packet needs ${ARP_PACKET_LENGTH} bytes, buffer has ${into.length}`);
  }
  writeUint16(into, ArpField.HARDWARE_TYPE, ARP_HARDWARE_ETHERNET);
  writeUint16(into, ArpField.PROTOCOL_TYPE, EtherType.IPv4);
  into[ArpField.HARDWARE_LENGTH] = 6;
  into[ArpField.PROTOCOL_LENGTH] = 4;
  writeUint16(into, ArpField.OPERATION, repr.operation);
  writeMac48(into, ArpField.SENDER_HARDWARE_ADDRESS, repr.senderMac.value);
  writeUint32(into, ArpField.SENDER_PROTOCOL_ADDRESS, repr.senderIp.value);
  writeMac48(into, ArpField.TARGET_HARDWARE_ADDRESS, repr.targetMac.value);
  writeUint32(into, ArpField.TARGET_PROTOCOL_ADDRESS, repr.targetIp.value);
  return ARP_PACKET_LENGTH;
}

/**
 * A gratuitous ARP announces the sender's own binding: sender and target IP are the same
 * (RFC 5227 §3 "ARP Announcement"; RFC 5944 §4.6). Hosts use it after taking an address or
 * moving it (failover), and everyone who hears it updates their cache.
 */
export function isGratuitous(repr: ArpRepr): boolean {
  return repr.senderIp.value === repr.targetIp.value;
}

/**
 * An ARP probe (RFC 5227 §2.1.1) asks whether anyone uses an address before taking it: a request
 * whose sender IP is 0.0.0.0, so no one's cache learns from it.
 */
export function isArpProbe(repr: ArpRepr): boolean {
  return repr.operation === ArpOperation.Request && repr.senderIp.value === 0;
}

/** Explains an ARP packet; the summary reads like tcpdump's. */
export function describeArp(repr: ArpRepr): LayerDescription {
  const fields: FieldDescription[] = [
    {
      name: "Hardware type",
      value: "Ethernet (1)",
      meaning: "the link's address kind: 6-byte MAC addresses",
      offset: ArpField.HARDWARE_TYPE,
      length: 2,
    },
    {
      name: "Protocol type",
      value: `IPv4 (${hex(EtherType.IPv4, 4)})`,
      meaning: "the network-layer address being resolved (an EtherType)",
      offset: ArpField.PROTOCOL_TYPE,
      length: 2,
    },
    {
      name: "Hardware size",
      value: "6",
      meaning: "bytes per hardware address",
      offset: ArpField.HARDWARE_LENGTH,
      length: 1,
    },
    {
      name: "Protocol size",
      value: "4",
      meaning: "bytes per protocol address",
      offset: ArpField.PROTOCOL_LENGTH,
      length: 1,
    },
    {
      name: "Opcode",
      value: `${arpOperationName(repr.operation)} (${repr.operation})`,
      meaning:
        repr.operation === ArpOperation.Request
          ? "asks everyone on the LAN who owns the target IP address"
          : repr.operation === ArpOperation.Reply
            ? "answers a request: the sender owns the sender IP address"
            : "not used for IPv4 address resolution",
      offset: ArpField.OPERATION,
      length: 2,
    },
    {
      name: "Sender MAC address",
      value: repr.senderMac.toString(),
      meaning: "receivers record sender IP → sender MAC in their ARP cache",
      offset: ArpField.SENDER_HARDWARE_ADDRESS,
      length: 6,
    },
    {
      name: "Sender IP address",
      value: repr.senderIp.toString(),
      meaning: repr.senderIp.isUnspecified ? "0.0.0.0: an address probe (RFC 5227)" : undefined,
      offset: ArpField.SENDER_PROTOCOL_ADDRESS,
      length: 4,
    },
    {
      name: "Target MAC address",
      value: repr.targetMac.toString(),
      meaning:
        repr.operation === ArpOperation.Request
          ? "unknown yet: that is what the request asks for"
          : "the requester's MAC address",
      offset: ArpField.TARGET_HARDWARE_ADDRESS,
      length: 6,
    },
    {
      name: "Target IP address",
      value: repr.targetIp.toString(),
      meaning: isGratuitous(repr)
        ? "same as the sender's: a gratuitous ARP announcing its own binding"
        : repr.operation === ArpOperation.Request
          ? "the address whose MAC address is wanted"
          : undefined,
      offset: ArpField.TARGET_PROTOCOL_ADDRESS,
      length: 4,
    },
  ];
  let summary: string;
  if (repr.operation === ArpOperation.Request) {
    summary = `Request who-has ${repr.targetIp} tell ${repr.senderIp}`;
  } else if (repr.operation === ArpOperation.Reply) {
    summary = `Reply ${repr.senderIp} is-at ${repr.senderMac}`;
  } else {
    summary = `${arpOperationName(repr.operation)} ${repr.senderIp} (${repr.senderMac}) → ${repr.targetIp}`;
  }
  if (isArpProbe(repr)) summary += " (probe)";
  else if (isGratuitous(repr)) summary += " (gratuitous)";
  return {
    ...OSI_DATA_LINK,
    layer: "arp",
    title: "Address Resolution Protocol",
    summary: `${summary}, length ${ARP_PACKET_LENGTH}`,
    fields,
  };
}

function checkArp(bytes: Uint8Array): ParseError | undefined {
  if (bytes.length < ARP_FIXED_LENGTH) {
    return new ParseError("arp", `packet of ${bytes.length} bytes is shorter than the 8-byte fixed part`, 0);
  }
  const hardwareType = readUint16(bytes, ArpField.HARDWARE_TYPE);
  if (hardwareType !== ARP_HARDWARE_ETHERNET) {
    return new ParseError(
      "arp",
      `unsupported hardware type ${hardwareType} (only Ethernet, 1, is supported)`,
      ArpField.HARDWARE_TYPE,
    );
  }
  const protocolType = readUint16(bytes, ArpField.PROTOCOL_TYPE);
  if (protocolType !== EtherType.IPv4) {
    return new ParseError(
      "arp",
      `unsupported protocol type ${hex(protocolType, 4)} (only IPv4, 0x0800, is supported)`,
      ArpField.PROTOCOL_TYPE,
    );
  }
  if (bytes[ArpField.HARDWARE_LENGTH] !== 6) {
    return new ParseError(
      "arp",
      `hardware address length ${bytes[ArpField.HARDWARE_LENGTH]} is not 6 (Ethernet)`,
      ArpField.HARDWARE_LENGTH,
    );
  }
  if (bytes[ArpField.PROTOCOL_LENGTH] !== 4) {
    return new ParseError(
      "arp",
      `protocol address length ${bytes[ArpField.PROTOCOL_LENGTH]} is not 4 (IPv4)`,
      ArpField.PROTOCOL_LENGTH,
    );
  }
  if (bytes.length < ARP_PACKET_LENGTH) {
    return new ParseError(
      "arp",
      `packet of ${bytes.length} bytes is shorter than the ${ARP_PACKET_LENGTH} bytes of an Ethernet/IPv4 ARP`,
      bytes.length,
    );
  }
  return undefined;
}
