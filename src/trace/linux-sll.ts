/**
 * Linux "cooked" capture headers (LINKTYPE_LINUX_SLL 113, LINKTYPE_LINUX_SLL2 276): what
 * `tcpdump -i any` records instead of a real link header, since the interfaces underneath differ.
 * Not a wire format, only a capture one: it says which way the packet went, the link-layer source
 * address and the protocol (an EtherType for everything we decode).
 *
 * ```
 * SLL  (16 bytes): packet type(2) ARPHRD type(2) address length(2) address(8) protocol(2)
 * SLL2 (20 bytes): protocol(2) reserved(2) interface index(4) ARPHRD type(2) packet type(1)
 *                  address length(1) address(8)
 * ```
 * (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html)
 */
import { type FieldDescription, hex, type LayerDescription, OSI_DATA_LINK } from "../wire/describe.js";
import { etherTypeName } from "../wire/ethernet.js";
import { ParseError } from "../wire/parse-error.js";

export const SLL_HEADER_LENGTH = 16;
export const SLL2_HEADER_LENGTH = 20;

/** The packet type field: where the packet went relative to the capturing host. */
const packetTypes = ["to us", "broadcast", "multicast", "to another host", "sent by us"];

export interface LinuxSllRepr {
  version: 1 | 2;
  /** 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  packetType: number;
  /** The interface's ARPHRD_ type (1 = Ethernet, 772 = loopback, 65534 = no header, ...). */
  hardwareType: number;
  /** The link-layer source address, as many bytes as the address length says (at most 8). */
  address: Uint8Array;
  /** The protocol: an EtherType for everything above 1500 (Linux `skb->protocol`). */
  protocol: number;
  /** SLL2 only: the capturing interface's index. */
  interfaceIndex?: number;
  payload: Uint8Array;
}

/** Reads an SLL (`version` 1) or SLL2 (`version` 2) header. */
export function parseLinuxSll(bytes: Uint8Array, version: 1 | 2): LinuxSllRepr | ParseError {
  const headerLength = version === 1 ? SLL_HEADER_LENGTH : SLL2_HEADER_LENGTH;
  if (bytes.length < headerLength)
    return new ParseError(
      "sll",
      `${bytes.length} bytes is shorter than the ${headerLength}-byte Linux cooked header`,
      bytes.length,
    );
  const u16 = (at: number) => (bytes[at] << 8) | bytes[at + 1];
  if (version === 1) {
    const addressLength = Math.min(u16(4), 8);
    return {
      version,
      packetType: u16(0),
      hardwareType: u16(2),
      address: bytes.subarray(6, 6 + addressLength),
      protocol: u16(14),
      payload: bytes.subarray(SLL_HEADER_LENGTH),
    };
  }
  const addressLength = Math.min(bytes[11], 8);
  return {
    version,
    protocol: u16(0),
    interfaceIndex: ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0,
    hardwareType: u16(8),
    packetType: bytes[10],
    address: bytes.subarray(12, 12 + addressLength),
    payload: bytes.subarray(SLL2_HEADER_LENGTH),
  };
}

/** The address as colon-separated hex, e.g. `"00:1b:21:3c:9d:f8"`. */
export function sllAddressText(address: Uint8Array): string {
  return Array.from(address, (b) => b.toString(16).padStart(2, "0")).join(":");
}

export function packetTypeName(packetType: number): string {
  return packetTypes[packetType] ?? `type ${packetType}`;
}

/** Explains a cooked header to a learner. */
export function describeLinuxSll(repr: LinuxSllRepr): LayerDescription {
  const v1 = repr.version === 1;
  const fields: FieldDescription[] = [
    {
      name: "Packet type",
      value: `${repr.packetType} (${packetTypeName(repr.packetType)})`,
      meaning: "which way the packet went, as seen by the capturing host",
      offset: v1 ? 0 : 10,
      length: v1 ? 2 : 1,
    },
    {
      name: "Link-layer address type",
      value: String(repr.hardwareType),
      meaning: "the Linux ARPHRD_ type of the interface (1 = Ethernet)",
      offset: v1 ? 2 : 8,
      length: 2,
    },
    {
      name: "Link-layer address",
      value: sllAddressText(repr.address) || "(none)",
      meaning: "the sender's hardware address, when the link has one",
      offset: v1 ? 6 : 12,
      length: 8,
    },
    {
      name: "Protocol",
      value: `${etherTypeName(repr.protocol)} (${hex(repr.protocol, 4)})`,
      meaning: "the EtherType of the packet that follows",
      offset: v1 ? 14 : 0,
      length: 2,
    },
  ];
  if (repr.interfaceIndex !== undefined)
    fields.push({
      name: "Interface index",
      value: String(repr.interfaceIndex),
      meaning: "the capturing interface (as `ip link` numbers them)",
      offset: 4,
      length: 4,
    });
  return {
    ...OSI_DATA_LINK,
    layer: "sll",
    title: v1 ? "Linux cooked capture" : "Linux cooked capture v2",
    summary: `${packetTypeName(repr.packetType)}, from ${sllAddressText(repr.address) || "?"}, ${etherTypeName(repr.protocol)}`,
    fields,
  };
}
