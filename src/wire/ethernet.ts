/**
 * Ethernet II frames (DIX Ethernet, IEEE 802.3 clause 3.2.6 "Length/Type" used as a type).
 *
 * ```
 *  0                   6                  12       14
 *  +-------------------+-------------------+--------+---------------------------+
 *  | Destination MAC   | Source MAC        | Type   | Payload (46-1500 octets)  |
 *  +-------------------+-------------------+--------+---------------------------+
 * ```
 *
 * The preamble, start-of-frame delimiter and frame check sequence (FCS) belong to the physical
 * layer: like a capture on Linux, the bytes here start at the destination address and end before
 * the FCS. Minimum-size padding is not this layer's concern either: the Ethernet header says
 * nothing about its payload's length, so a frame padded to 60 octets carries its padding in
 * `payload` and the layer above (IPv4's Total Length, ARP's fixed size) trims it. Call
 * {@link padEthernetFrame} explicitly when sending on a real wire that needs it.
 */
import { MacAddress } from "./address/mac.js";
import { type FieldDescription, hex, type LayerDescription, OSI_DATA_LINK } from "./describe.js";
import { ParseError } from "./parse-error.js";

/** Byte offsets of the Ethernet II header fields. */
export const EthernetField = {
  DESTINATION: 0,
  SOURCE: 6,
  ETHERTYPE: 12,
} as const;

/** Octets in the Ethernet II header: two addresses and the type. */
export const ETHERNET_HEADER_LENGTH = 14;
/** IEEE 802.3 §4.4.2: minFrameSize is 64 octets including the 4-octet FCS, so 60 without it. */
export const ETHERNET_MIN_FRAME_LENGTH = 60;
/** The classic Ethernet MTU (largest payload), IEEE 802.3 maxUntaggedFrameSize 1518 − 18. */
export const ETHERNET_MTU = 1500;
/**
 * IEEE 802.3 §3.2.6: values of the Length/Type field at or above 0x0600 (1536) are an EtherType;
 * values at or below 1500 are the payload length of an 802.3 frame (with an LLC header).
 */
export const ETHERTYPE_MIN = 0x0600;

/** EtherType values (IEEE Registration Authority) the stack and the decoder know. */
export const EtherType = {
  /** Internet Protocol version 4 (RFC 894). */
  IPv4: 0x0800,
  /** Address Resolution Protocol (RFC 826). */
  ARP: 0x0806,
  /** Wake-on-LAN magic packet. */
  WakeOnLan: 0x0842,
  /** Reverse ARP (RFC 903). */
  RARP: 0x8035,
  /** IEEE 802.1Q customer VLAN tag (C-tag). */
  VLAN: 0x8100,
  /** Internet Protocol version 6 (RFC 2464). */
  IPv6: 0x86dd,
  /** Ethernet flow control (IEEE 802.3 Annex 31B: PAUSE frames). */
  FlowControl: 0x8808,
  /** Slow protocols (LACP, IEEE 802.3 Annex 43B). */
  SlowProtocols: 0x8809,
  /** MPLS unicast (RFC 3032). */
  MPLS: 0x8847,
  /** PPPoE discovery stage (RFC 2516). */
  PPPoEDiscovery: 0x8863,
  /** PPPoE session stage (RFC 2516). */
  PPPoESession: 0x8864,
  /** IEEE 802.1X port-based network access control (EAPOL). */
  EAPOL: 0x888e,
  /** IEEE 802.1ad service VLAN tag (S-tag, "QinQ"). */
  QinQ: 0x88a8,
  /** Link Layer Discovery Protocol (IEEE 802.1AB). */
  LLDP: 0x88cc,
  /** Pre-standard QinQ outer tag some switches still send; decoded like 0x88a8. */
  QinQLegacy: 0x9100,
} as const;

const etherTypeNames: ReadonlyMap<number, string> = new Map([
  [EtherType.IPv4, "IPv4"],
  [EtherType.ARP, "ARP"],
  [EtherType.WakeOnLan, "Wake-on-LAN"],
  [EtherType.RARP, "Reverse ARP"],
  [EtherType.VLAN, "802.1Q"],
  [EtherType.IPv6, "IPv6"],
  [EtherType.FlowControl, "Ethernet flow control"],
  [EtherType.SlowProtocols, "Slow protocols (LACP)"],
  [EtherType.MPLS, "MPLS unicast"],
  [EtherType.PPPoEDiscovery, "PPPoE discovery"],
  [EtherType.PPPoESession, "PPPoE session"],
  [EtherType.EAPOL, "802.1X (EAPOL)"],
  [EtherType.QinQ, "802.1ad"],
  [EtherType.LLDP, "LLDP"],
  [EtherType.QinQLegacy, "802.1Q-in-Q (pre-standard)"],
]);

/** The name of an EtherType, e.g. `"IPv4"`, or `"Unknown"`; values ≤ 1500 are 802.3 lengths. */
export function etherTypeName(ethertype: number): string {
  if (ethertype <= ETHERNET_MTU) return "802.3 length";
  return etherTypeNames.get(ethertype) ?? "Unknown";
}

/**
 * A zero-copy view of an Ethernet II frame. Getters read the bytes in place; setters write them.
 * It does not check the length: use {@link EthernetView.checked} (or {@link parseEthernet}) on
 * untrusted bytes first. Reading past the end yields `undefined` bytes, never an exception.
 */
export class EthernetView {
  constructor(readonly bytes: Uint8Array) {}

  /** A view over `bytes` once they are known to hold a whole header, or why they do not. */
  static checked(bytes: Uint8Array): EthernetView | ParseError {
    if (bytes.length < ETHERNET_HEADER_LENGTH) return truncated(bytes.length);
    return new EthernetView(bytes);
  }

  /** The destination address as its 48-bit integer (no allocation: for switch/MAC table lookups). */
  get dstValue(): number {
    return readMac48(this.bytes, EthernetField.DESTINATION);
  }
  set dstValue(value: number) {
    writeMac48(this.bytes, EthernetField.DESTINATION, value);
  }
  /** The source address as its 48-bit integer. */
  get srcValue(): number {
    return readMac48(this.bytes, EthernetField.SOURCE);
  }
  set srcValue(value: number) {
    writeMac48(this.bytes, EthernetField.SOURCE, value);
  }

  get dst(): MacAddress {
    return new MacAddress(this.dstValue);
  }
  set dst(mac: MacAddress) {
    this.dstValue = mac.value;
  }
  get src(): MacAddress {
    return new MacAddress(this.srcValue);
  }
  set src(mac: MacAddress) {
    this.srcValue = mac.value;
  }

  /** The Length/Type field: an EtherType (≥ 0x0600) or an 802.3 payload length (≤ 1500). */
  get ethertype(): number {
    return (this.bytes[EthernetField.ETHERTYPE] << 8) | this.bytes[EthernetField.ETHERTYPE + 1];
  }
  set ethertype(value: number) {
    this.bytes[EthernetField.ETHERTYPE] = value >>> 8;
    this.bytes[EthernetField.ETHERTYPE + 1] = value & 0xff;
  }

  /** Everything after the header (including any minimum-size padding), zero-copy. */
  get payload(): Uint8Array {
    return this.bytes.subarray(ETHERNET_HEADER_LENGTH);
  }
}

/** An Ethernet II frame as plain data. `payload` is a zero-copy `subarray` of the parsed bytes. */
export interface EthernetRepr {
  dst: MacAddress;
  src: MacAddress;
  /** The EtherType of the payload (see {@link EtherType}); ≤ 1500 means an 802.3 length. */
  ethertype: number;
  payload: Uint8Array;
}

/** Reads an Ethernet II frame; frames shorter than the 14-octet header are a `ParseError`. */
export function parseEthernet(bytes: Uint8Array): EthernetRepr | ParseError {
  if (bytes.length < ETHERNET_HEADER_LENGTH) return truncated(bytes.length);
  return {
    dst: new MacAddress(readMac48(bytes, EthernetField.DESTINATION)),
    src: new MacAddress(readMac48(bytes, EthernetField.SOURCE)),
    ethertype: (bytes[EthernetField.ETHERTYPE] << 8) | bytes[EthernetField.ETHERTYPE + 1],
    payload: bytes.subarray(ETHERNET_HEADER_LENGTH),
  };
}

/** Octets {@link emitEthernet} writes for `repr`: header plus payload. */
export function ethernetLength(repr: EthernetRepr): number {
  return ETHERNET_HEADER_LENGTH + repr.payload.length;
}

/**
 * Writes the header and the payload into `into` and returns the octets written. When the payload
 * already sits in place (a `subarray` of `into` at offset 14, as when an upper layer emitted
 * straight into the frame buffer) it is not copied.
 * @throws RangeError when `into` is shorter than {@link ethernetLength} (a caller bug, not input).
 */
export function emitEthernet(repr: EthernetRepr, into: Uint8Array): number {
  const length = ETHERNET_HEADER_LENGTH + repr.payload.length;
  if (into.length < length) {
    throw new RangeError(`Ethernet frame needs ${length} bytes, buffer has ${into.length}`);
  }
  writeMac48(into, EthernetField.DESTINATION, repr.dst.value);
  writeMac48(into, EthernetField.SOURCE, repr.src.value);
  into[EthernetField.ETHERTYPE] = repr.ethertype >>> 8;
  into[EthernetField.ETHERTYPE + 1] = repr.ethertype & 0xff;
  copyPayloadUnlessInPlace(repr.payload, into, ETHERNET_HEADER_LENGTH);
  return length;
}

/**
 * Pads a frame of `length` octets held in `into` with zeros up to the 60-octet minimum
 * (IEEE 802.3 §4.2.3.3 pads short frames so collision detection works) and returns the new length.
 * @throws RangeError when `into` is too short to hold the padded frame.
 */
export function padEthernetFrame(into: Uint8Array, length: number): number {
  if (length >= ETHERNET_MIN_FRAME_LENGTH) return length;
  if (into.length < ETHERNET_MIN_FRAME_LENGTH) {
    throw new RangeError(`a padded Ethernet frame needs 60 bytes, buffer has ${into.length}`);
  }
  into.fill(0, length, ETHERNET_MIN_FRAME_LENGTH);
  return ETHERNET_MIN_FRAME_LENGTH;
}

/** Explains an Ethernet II header to a learner, field by field. */
export function describeEthernet(repr: EthernetRepr): LayerDescription {
  const type = etherTypeName(repr.ethertype);
  const isLength = repr.ethertype <= ETHERNET_MTU;
  const fields: FieldDescription[] = [
    {
      name: "Destination",
      value: repr.dst.toString(),
      meaning: macMeaning(repr.dst, "the station(s) that should accept this frame"),
      offset: EthernetField.DESTINATION,
      length: 6,
    },
    {
      name: "Source",
      value: repr.src.toString(),
      meaning: "the sending interface; switches learn which port leads to it",
      offset: EthernetField.SOURCE,
      length: 6,
    },
    {
      name: isLength ? "Length" : "Type",
      value: isLength ? String(repr.ethertype) : `${type} (${hex(repr.ethertype, 4)})`,
      meaning: isLength
        ? "an IEEE 802.3 frame: the payload length, followed by an 802.2 LLC header"
        : repr.ethertype < ETHERTYPE_MIN
          ? "invalid: neither a length (≤ 1500) nor an EtherType (≥ 0x0600)"
          : "EtherType: which protocol the payload carries",
      offset: EthernetField.ETHERTYPE,
      length: 2,
    },
  ];
  const frameLength = ETHERNET_HEADER_LENGTH + repr.payload.length;
  const typeText = isLength
    ? `802.3, length ${repr.ethertype}`
    : `ethertype ${type} (${hex(repr.ethertype, 4)})`;
  return {
    ...OSI_DATA_LINK,
    layer: "ethernet",
    title: "Ethernet II",
    summary: `${repr.src} > ${repr.dst}, ${typeText}, length ${frameLength}`,
    fields,
  };
}

function macMeaning(mac: MacAddress, unicast: string): string {
  if (mac.isBroadcast) return "broadcast: every station on the LAN accepts it";
  if (mac.isMulticast) return "multicast (group bit set): stations that joined the group accept it";
  return `unicast: ${unicast}`;
}

function truncated(length: number): ParseError {
  return new ParseError(
    "ethernet",
    `frame of ${length} bytes is shorter than the ${ETHERNET_HEADER_LENGTH}-byte Ethernet header`,
    length,
  );
}

/** The 48-bit address at `offset` as an integer (first octet most significant), allocation-free. */
export function readMac48(bytes: Uint8Array, offset: number): number {
  const high = (bytes[offset] << 8) | bytes[offset + 1];
  const low =
    ((bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5]) >>>
    0;
  return high * 0x1_0000_0000 + low;
}

/** Writes a 48-bit address integer as 6 octets at `offset`. */
export function writeMac48(bytes: Uint8Array, offset: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  const low = value >>> 0;
  bytes[offset] = high >>> 8;
  bytes[offset + 1] = high & 0xff;
  bytes[offset + 2] = low >>> 24;
  bytes[offset + 3] = (low >>> 16) & 0xff;
  bytes[offset + 4] = (low >>> 8) & 0xff;
  bytes[offset + 5] = low & 0xff;
}

/**
 * Copies `payload` to `into[offset..]` unless it is already there (an upper layer emitted in place).
 * Shared by the formats in this folder that carry an opaque payload.
 */
export function copyPayloadUnlessInPlace(payload: Uint8Array, into: Uint8Array, offset: number): void {
  if (payload.buffer === into.buffer && payload.byteOffset === into.byteOffset + offset) return;
  into.set(payload, offset);
}
