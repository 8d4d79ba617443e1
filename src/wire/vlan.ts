/**
 * IEEE 802.1Q VLAN tags (C-tags, TPID 0x8100) and IEEE 802.1ad service tags (S-tags, TPID 0x88a8),
 * which stack ("QinQ": a provider's S-tag outside the customer's C-tag).
 *
 * A tag sits where the Ethernet type would be: the Ethernet header's Type field holds the Tag
 * Protocol Identifier (TPID), and then come the Tag Control Information (TCI) and the real type:
 *
 * ```
 *  dst(6) src(6) | TPID(2) | TCI(2): PCP(3) DEI(1) VID(12) | Type(2) | payload
 *                  ^ the Ethernet "ethertype"   ^ this module's bytes start here
 * ```
 *
 * So {@link parseVlan} reads the bytes *after* an Ethernet header whose type is a TPID, and its
 * `ethertype` is the inner type (possibly another TPID when tags are stacked);
 * {@link peelVlanTags} follows the whole stack at once.
 */
import { type FieldDescription, hex, type LayerDescription, OSI_DATA_LINK } from "./describe.js";
import { copyPayloadUnlessInPlace, EtherType, etherTypeName } from "./ethernet.js";
import { ParseError } from "./parse-error.js";

/** Byte offsets within a tag (relative to the bytes after the TPID). */
export const VlanField = {
  /** Tag Control Information: PCP, DEI and VID. */
  TCI: 0,
  /** The encapsulated EtherType. */
  ETHERTYPE: 2,
} as const;

/** Octets of one tag after its TPID: TCI and the inner type. */
export const VLAN_TAG_LENGTH = 4;
/** VID 0 means "priority tag only, no VLAN"; VID 4095 is reserved (IEEE 802.1Q Table 9-2). */
export const VLAN_ID_MAX = 4094;

/** Whether an EtherType is a tag protocol identifier this module decodes. */
export function isVlanTpid(ethertype: number): boolean {
  return ethertype === EtherType.VLAN || ethertype === EtherType.QinQ || ethertype === EtherType.QinQLegacy;
}

/** A zero-copy view of one tag: the bytes after the TPID (TCI, inner type, payload). */
export class VlanView {
  constructor(readonly bytes: Uint8Array) {}

  static checked(bytes: Uint8Array): VlanView | ParseError {
    if (bytes.length < VLAN_TAG_LENGTH) return truncated(bytes.length);
    return new VlanView(bytes);
  }

  /** The whole 16-bit Tag Control Information. */
  get tci(): number {
    return (this.bytes[VlanField.TCI] << 8) | this.bytes[VlanField.TCI + 1];
  }
  set tci(value: number) {
    this.bytes[VlanField.TCI] = (value >>> 8) & 0xff;
    this.bytes[VlanField.TCI + 1] = value & 0xff;
  }
  /** Priority Code Point (3 bits, IEEE 802.1p class of service, 0 lowest … 7 highest). */
  get priority(): number {
    return this.bytes[VlanField.TCI] >>> 5;
  }
  set priority(value: number) {
    this.bytes[VlanField.TCI] = (this.bytes[VlanField.TCI] & 0x1f) | ((value & 7) << 5);
  }
  /** Drop Eligible Indicator (1 bit; was CFI before 802.1Q-2011). */
  get dropEligible(): boolean {
    return (this.bytes[VlanField.TCI] & 0x10) !== 0;
  }
  set dropEligible(value: boolean) {
    this.bytes[VlanField.TCI] = (this.bytes[VlanField.TCI] & 0xef) | (value ? 0x10 : 0);
  }
  /** VLAN Identifier (12 bits). */
  get id(): number {
    return this.tci & 0x0fff;
  }
  set id(value: number) {
    this.bytes[VlanField.TCI] = (this.bytes[VlanField.TCI] & 0xf0) | ((value >>> 8) & 0x0f);
    this.bytes[VlanField.TCI + 1] = value & 0xff;
  }
  /** The type of what follows the tag (another TPID when tags are stacked). */
  get ethertype(): number {
    return (this.bytes[VlanField.ETHERTYPE] << 8) | this.bytes[VlanField.ETHERTYPE + 1];
  }
  set ethertype(value: number) {
    this.bytes[VlanField.ETHERTYPE] = value >>> 8;
    this.bytes[VlanField.ETHERTYPE + 1] = value & 0xff;
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(VLAN_TAG_LENGTH);
  }
}

/** One VLAN tag as plain data. `payload` is a zero-copy `subarray`. */
export interface VlanRepr {
  /** Priority Code Point (PCP), 0-7. */
  priority: number;
  /** Drop Eligible Indicator (DEI). */
  dropEligible: boolean;
  /** VLAN Identifier (VID), 0-4095. */
  id: number;
  /** The inner EtherType. */
  ethertype: number;
  payload: Uint8Array;
}

/** Reads one tag from the bytes after the TPID. */
export function parseVlan(bytes: Uint8Array): VlanRepr | ParseError {
  if (bytes.length < VLAN_TAG_LENGTH) return truncated(bytes.length);
  const tciHigh = bytes[VlanField.TCI];
  return {
    priority: tciHigh >>> 5,
    dropEligible: (tciHigh & 0x10) !== 0,
    id: ((tciHigh & 0x0f) << 8) | bytes[VlanField.TCI + 1],
    ethertype: (bytes[VlanField.ETHERTYPE] << 8) | bytes[VlanField.ETHERTYPE + 1],
    payload: bytes.subarray(VLAN_TAG_LENGTH),
  };
}

/** Octets {@link emitVlan} writes: TCI, type and payload. */
export function vlanLength(repr: VlanRepr): number {
  return VLAN_TAG_LENGTH + repr.payload.length;
}

/**
 * Writes TCI, inner type and payload (not copied when already in place) and returns the length.
 * The TPID is the enclosing Ethernet header's type (or the enclosing tag's `ethertype`).
 * @throws RangeError when a field is out of range or `into` is too short (caller bugs).
 */
export function emitVlan(repr: VlanRepr, into: Uint8Array): number {
  const length = VLAN_TAG_LENGTH + repr.payload.length;
  if (into.length < length) throw new RangeError(`VLAN tag needs ${length} bytes, buffer has ${into.length}`);
  if (repr.priority >>> 3 !== 0 || repr.id >>> 12 !== 0) {
    throw new RangeError(`VLAN priority ${repr.priority} (0-7) or id ${repr.id} (0-4095) out of range`);
  }
  into[VlanField.TCI] = (repr.priority << 5) | (repr.dropEligible ? 0x10 : 0) | (repr.id >>> 8);
  into[VlanField.TCI + 1] = repr.id & 0xff;
  into[VlanField.ETHERTYPE] = repr.ethertype >>> 8;
  into[VlanField.ETHERTYPE + 1] = repr.ethertype & 0xff;
  copyPayloadUnlessInPlace(repr.payload, into, VLAN_TAG_LENGTH);
  return length;
}

/** One tag of a stack, with the TPID that announced it (0x88a8 outer S-tag, 0x8100 C-tag). */
export interface VlanTag {
  tpid: number;
  priority: number;
  dropEligible: boolean;
  id: number;
}

/** A frame's payload with its VLAN tags taken off, outermost tag first. */
export interface UntaggedPayload {
  tags: VlanTag[];
  /** The EtherType after the last tag (e.g. IPv4). */
  ethertype: number;
  payload: Uint8Array;
}

/**
 * Peels every VLAN tag off a frame: give it the Ethernet header's type and payload, get back the
 * tags (outermost first), the real EtherType and the payload behind the tags. An untagged frame
 * gives no tags and its type and payload unchanged. The loop is bounded by the payload length.
 */
export function peelVlanTags(ethertype: number, payload: Uint8Array): UntaggedPayload | ParseError {
  const tags: VlanTag[] = [];
  let offset = 0;
  while (isVlanTpid(ethertype)) {
    if (payload.length - offset < VLAN_TAG_LENGTH) {
      return new ParseError(
        "vlan",
        `tag ${tags.length + 1} (TPID ${hex(ethertype, 4)}) is cut short: ${payload.length - offset} of 4 bytes`,
        offset,
      );
    }
    const tciHigh = payload[offset];
    tags.push({
      tpid: ethertype,
      priority: tciHigh >>> 5,
      dropEligible: (tciHigh & 0x10) !== 0,
      id: ((tciHigh & 0x0f) << 8) | payload[offset + 1],
    });
    ethertype = (payload[offset + 2] << 8) | payload[offset + 3];
    offset += VLAN_TAG_LENGTH;
  }
  return { tags, ethertype, payload: offset === 0 ? payload : payload.subarray(offset) };
}

const priorityNames = [
  "best effort",
  "background",
  "excellent effort",
  "critical applications",
  "video",
  "voice",
  "internetwork control",
  "network control",
];

/**
 * Explains one tag. `tpid` is the type that announced it (the Ethernet header's, or the previous
 * tag's), which tells a C-tag from an S-tag.
 */
export function describeVlan(repr: VlanRepr, tpid: number = EtherType.VLAN): LayerDescription {
  const service = tpid === EtherType.QinQ || tpid === EtherType.QinQLegacy;
  const inner = etherTypeName(repr.ethertype);
  const fields: FieldDescription[] = [
    {
      name: "Priority Code Point",
      value: String(repr.priority),
      meaning: `IEEE 802.1p class of service: ${priorityNames[repr.priority] ?? "?"} (IEEE 802.1Q Table I-2)`,
      offset: VlanField.TCI,
      length: 1,
    },
    {
      name: "Drop Eligible Indicator",
      value: repr.dropEligible ? "1" : "0",
      meaning: repr.dropEligible
        ? "may be dropped first when the network is congested"
        : "not marked for early discard",
      offset: VlanField.TCI,
      length: 1,
    },
    {
      name: "VLAN Identifier",
      value: String(repr.id),
      meaning:
        repr.id === 0
          ? "no VLAN: a priority-only tag"
          : repr.id === 4095
            ? "reserved value (must not be used)"
            : `the frame belongs to VLAN ${repr.id}`,
      offset: VlanField.TCI,
      length: 2,
    },
    {
      name: "Type",
      value: `${inner} (${hex(repr.ethertype, 4)})`,
      meaning: isVlanTpid(repr.ethertype)
        ? "another tag follows (stacked tags)"
        : "the protocol after the tag",
      offset: VlanField.ETHERTYPE,
      length: 2,
    },
  ];
  return {
    ...OSI_DATA_LINK,
    layer: "vlan",
    title: service ? "IEEE 802.1ad Service VLAN tag" : "IEEE 802.1Q Virtual LAN",
    summary: `vlan ${repr.id}, p ${repr.priority}${repr.dropEligible ? ", DEI" : ""}, ethertype ${inner} (${hex(repr.ethertype, 4)})`,
    fields,
  };
}

function truncated(length: number): ParseError {
  return new ParseError("vlan", `tag of ${length} bytes is shorter than the 4 bytes of TCI and type`, length);
}
