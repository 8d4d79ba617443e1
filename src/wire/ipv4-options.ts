/**
 * IPv4 header options (RFC 791 §3.1, "Options"), between the fixed 20-octet header and the data.
 *
 * Two formats share the area: a single octet of option-type (End of Option List, No Operation),
 * or option-type, option-length (counting the type and length octets) and option-data. The area
 * ends at the header's end (IHL × 4) or at End of Option List, after which come zero octets of
 * padding up to a 32-bit boundary.
 *
 * The header keeps every option raw and in order ({@link Ipv4Option}), so parse and emit are
 * byte-exact whatever the options are; {@link decodeIpv4Option} reads the ones a learner meets
 * (Record Route, Timestamp, source routes, Router Alert) into plain data, and
 * {@link encodeIpv4Option} builds them.
 *
 * Padding: emit pads the options with zeros (End of Option List octets) to a 32-bit boundary. So
 * that parse(emit(x)) = x, parse leaves out an End of Option List that only starts that padding
 * (zeros to the end of the header, fewer than four octets). Any other End of Option List is kept,
 * and its `data` holds the octets after it to the end of the header (RFC 791 says they are zero;
 * keeping them makes even odd headers re-emit byte for byte).
 */
import { Ipv4Address } from "./address/ipv4.js";
import type { FieldDescription } from "./describe.js";
import { readUint32, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** One option, raw: its type octet and the option-data (the octets after type and length). */
export interface Ipv4Option {
  /** The option-type octet: copied flag (bit 7), class (bits 6-5) and number (bits 4-0). */
  type: number;
  /**
   * The option-data, zero-copy. Empty for No Operation; for End of Option List, the padding
   * octets that follow it.
   */
  data: Uint8Array;
}

/** Option-type octets (IANA "IP Option Numbers"). */
export const Ipv4OptionType = {
  /** End of Option List (RFC 791). */
  EndOfList: 0,
  /** No Operation: aligns the next option (RFC 791). */
  NoOperation: 1,
  /** Record Route (RFC 791). */
  RecordRoute: 7,
  /** Quick-Start (RFC 4782). */
  QuickStart: 25,
  /** Internet Timestamp (RFC 791). */
  Timestamp: 68,
  /** Traceroute (RFC 1393, historic). */
  Traceroute: 82,
  /** Security (RFC 1108, historic). */
  Security: 130,
  /** Loose Source and Record Route (RFC 791). */
  LooseSourceRoute: 131,
  /** Extended Security (RFC 1108). */
  ExtendedSecurity: 133,
  /** Commercial IP Security Option (CIPSO, draft). */
  CommercialSecurity: 134,
  /** Stream Identifier (RFC 791, obsolete). */
  StreamId: 136,
  /** Strict Source and Record Route (RFC 791). */
  StrictSourceRoute: 137,
  /** Router Alert (RFC 2113). */
  RouterAlert: 148,
} as const;

const optionNames: ReadonlyMap<number, [name: string, short: string]> = new Map([
  [Ipv4OptionType.EndOfList, ["End of Option List", "EOL"]],
  [Ipv4OptionType.NoOperation, ["No Operation", "NOP"]],
  [Ipv4OptionType.RecordRoute, ["Record Route", "RR"]],
  [Ipv4OptionType.QuickStart, ["Quick-Start", "QS"]],
  [Ipv4OptionType.Timestamp, ["Internet Timestamp", "TS"]],
  [Ipv4OptionType.Traceroute, ["Traceroute", "TR"]],
  [Ipv4OptionType.Security, ["Security", "SEC"]],
  [Ipv4OptionType.LooseSourceRoute, ["Loose Source and Record Route", "LSRR"]],
  [Ipv4OptionType.ExtendedSecurity, ["Extended Security", "E-SEC"]],
  [Ipv4OptionType.CommercialSecurity, ["Commercial Security (CIPSO)", "CIPSO"]],
  [Ipv4OptionType.StreamId, ["Stream Identifier", "SID"]],
  [Ipv4OptionType.StrictSourceRoute, ["Strict Source and Record Route", "SSRR"]],
  [Ipv4OptionType.RouterAlert, ["Router Alert", "RA"]],
]);

/** The option's name as its RFC gives it, e.g. `"Record Route"`. */
export function ipv4OptionName(type: number): string {
  return optionNames.get(type)?.[0] ?? `Unknown option ${type}`;
}

/** The short name tcpdump prints, e.g. `"RR"`. */
export function ipv4OptionShortName(type: number): string {
  return optionNames.get(type)?.[1] ?? `opt-${type}`;
}

/** RFC 791: the copied flag says whether fragments carry the option too. */
export function isCopiedOnFragmentation(type: number): boolean {
  return (type & 0x80) !== 0;
}

/** Timestamp option flag values (RFC 791, "Internet Timestamp"). */
export const TimestampFlag = {
  /** Timestamps only, 4 octets each. */
  TimestampsOnly: 0,
  /** Each router records its address and a timestamp. */
  AddressAndTimestamp: 1,
  /** The sender prespecified the addresses; only those routers fill in their timestamp. */
  Prespecified: 3,
} as const;

/** One Timestamp option slot. `address` is present for flags 1 and 3. */
export interface TimestampEntry {
  address?: Ipv4Address;
  /** Milliseconds since midnight UT, or any value with the high-order bit set (non-standard). */
  timestamp: number;
}

/** An option read into plain data. Empty slots (beyond the pointer) are included, as zeros. */
export type DecodedIpv4Option =
  | { kind: "end-of-list" }
  | { kind: "no-operation" }
  | {
      kind: "record-route" | "loose-source-route" | "strict-source-route";
      /** Octet offset (from the option's start, minimum 4) of the next slot to fill or use. */
      pointer: number;
      /** Every address slot, recorded or not. */
      addresses: Ipv4Address[];
    }
  | {
      kind: "timestamp";
      /** Octet offset (from the option's start, minimum 5) of the next free slot. */
      pointer: number;
      /** Routers that could not record for lack of room (4 bits). */
      overflow: number;
      /** {@link TimestampFlag}. */
      flag: number;
      entries: TimestampEntry[];
    }
  | {
      kind: "router-alert";
      /** 0: "routers shall examine this packet" (RFC 2113 §2.1). */
      value: number;
    }
  | { kind: "unknown"; type: number; data: Uint8Array };

const routeKinds = {
  [Ipv4OptionType.RecordRoute]: "record-route",
  [Ipv4OptionType.LooseSourceRoute]: "loose-source-route",
  [Ipv4OptionType.StrictSourceRoute]: "strict-source-route",
} as const;

const EMPTY = new Uint8Array(0);
/** The shared (frozen) list of a header without options, so parse allocates nothing for it. */
export const NO_IPV4_OPTIONS: readonly Ipv4Option[] = Object.freeze([]) as readonly Ipv4Option[];

/**
 * Walks the options area `area` (the octets after the fixed header). `baseOffset` is the area's
 * offset in the IPv4 header, so a `ParseError` points at the offending octet of the header.
 */
export function parseIpv4Options(area: Uint8Array, baseOffset = 20): readonly Ipv4Option[] | ParseError {
  if (area.length === 0) return NO_IPV4_OPTIONS;
  const options: Ipv4Option[] = [];
  let i = 0;
  while (i < area.length) {
    const type = area[i];
    if (type === Ipv4OptionType.EndOfList) {
      const rest = area.subarray(i + 1);
      // Leave out the End of Option List that emit's padding would recreate (see module doc).
      if (!(area.length - i < 4 && isAllZero(rest))) options.push({ type, data: rest });
      break;
    }
    if (type === Ipv4OptionType.NoOperation) {
      options.push({ type, data: EMPTY });
      i++;
      continue;
    }
    if (i + 1 >= area.length) {
      return new ParseError("ipv4", `option ${ipv4OptionName(type)} has no length octet`, baseOffset + i);
    }
    const length = area[i + 1];
    if (length < 2) {
      return new ParseError(
        "ipv4",
        `option ${ipv4OptionName(type)} has length ${length}, below the minimum of 2`,
        baseOffset + i + 1,
      );
    }
    if (i + length > area.length) {
      return new ParseError(
        "ipv4",
        `option ${ipv4OptionName(type)} of length ${length} runs past the header end (${area.length - i} octets left)`,
        baseOffset + i + 1,
      );
    }
    const option = { type, data: area.subarray(i + 2, i + length) };
    const problem = checkKnownOption(option);
    if (problem) return new ParseError("ipv4", problem.reason, baseOffset + i + problem.offset);
    options.push(option);
    i += length;
  }
  return options;
}

/** Octets the options take before padding. */
export function ipv4OptionsLength(options: readonly Ipv4Option[]): number {
  let length = 0;
  for (let k = 0; k < options.length; k++) {
    const option = options[k];
    length += isSingleOctet(option.type) ? 1 + option.data.length : 2 + option.data.length;
  }
  return length;
}

/** Octets the options take once padded to a 32-bit boundary (what the header holds). */
export function ipv4OptionsPaddedLength(options: readonly Ipv4Option[]): number {
  return (ipv4OptionsLength(options) + 3) & ~3;
}

/**
 * Writes the options at `into[offset..]`, pads with zeros to a 32-bit boundary and returns the
 * padded length.
 * @throws RangeError for an option that cannot be written (No Operation with data, data > 253).
 */
export function emitIpv4Options(options: readonly Ipv4Option[], into: Uint8Array, offset: number): number {
  let i = offset;
  for (let k = 0; k < options.length; k++) {
    const { type, data } = options[k];
    into[i++] = type;
    if (type === Ipv4OptionType.NoOperation) {
      if (data.length !== 0) throw new RangeError("the No Operation option carries no data");
      continue;
    }
    if (type !== Ipv4OptionType.EndOfList) {
      if (data.length > 253) throw new RangeError(`option ${type} data of ${data.length} octets exceeds 253`);
      into[i++] = data.length + 2;
    }
    into.set(data, i);
    i += data.length;
  }
  while (((i - offset) & 3) !== 0) into[i++] = 0;
  return i - offset;
}

/**
 * Reads an option into plain data. Options whose format this module does not know come back as
 * `unknown`; a known option whose content breaks its RFC's rules is a `ParseError` (offset from
 * the option's type octet).
 */
export function decodeIpv4Option(option: Ipv4Option): DecodedIpv4Option | ParseError {
  const problem = checkKnownOption(option);
  if (problem) return new ParseError("ipv4", problem.reason, problem.offset);
  const { type, data } = option;
  switch (type) {
    case Ipv4OptionType.EndOfList:
      return { kind: "end-of-list" };
    case Ipv4OptionType.NoOperation:
      return { kind: "no-operation" };
    case Ipv4OptionType.RecordRoute:
    case Ipv4OptionType.LooseSourceRoute:
    case Ipv4OptionType.StrictSourceRoute: {
      const addresses: Ipv4Address[] = [];
      for (let i = 1; i + 4 <= data.length; i += 4) addresses.push(Ipv4Address.fromBytes(data, i));
      return { kind: routeKinds[type], pointer: data[0], addresses };
    }
    case Ipv4OptionType.Timestamp: {
      const flag = data[1] & 0x0f;
      const entries: TimestampEntry[] = [];
      if (flag === TimestampFlag.TimestampsOnly) {
        for (let i = 2; i + 4 <= data.length; i += 4) entries.push({ timestamp: readUint32(data, i) });
      } else {
        for (let i = 2; i + 8 <= data.length; i += 8) {
          entries.push({ address: Ipv4Address.fromBytes(data, i), timestamp: readUint32(data, i + 4) });
        }
      }
      return { kind: "timestamp", pointer: data[0], overflow: data[1] >>> 4, flag, entries };
    }
    case Ipv4OptionType.RouterAlert:
      return { kind: "router-alert", value: (data[0] << 8) | data[1] };
    default:
      return { kind: "unknown", type, data };
  }
}

/** Builds the raw option for decoded data (the inverse of {@link decodeIpv4Option}). */
export function encodeIpv4Option(decoded: DecodedIpv4Option): Ipv4Option {
  switch (decoded.kind) {
    case "end-of-list":
      return { type: Ipv4OptionType.EndOfList, data: EMPTY };
    case "no-operation":
      return { type: Ipv4OptionType.NoOperation, data: EMPTY };
    case "record-route":
    case "loose-source-route":
    case "strict-source-route": {
      const data = new Uint8Array(1 + 4 * decoded.addresses.length);
      data[0] = decoded.pointer;
      for (let k = 0; k < decoded.addresses.length; k++) decoded.addresses[k].writeTo(data, 1 + 4 * k);
      const type =
        decoded.kind === "record-route"
          ? Ipv4OptionType.RecordRoute
          : decoded.kind === "loose-source-route"
            ? Ipv4OptionType.LooseSourceRoute
            : Ipv4OptionType.StrictSourceRoute;
      return { type, data };
    }
    case "timestamp": {
      const withAddress = decoded.flag !== TimestampFlag.TimestampsOnly;
      const slot = withAddress ? 8 : 4;
      const data = new Uint8Array(2 + slot * decoded.entries.length);
      data[0] = decoded.pointer;
      data[1] = ((decoded.overflow & 0x0f) << 4) | (decoded.flag & 0x0f);
      for (let k = 0; k < decoded.entries.length; k++) {
        const entry = decoded.entries[k];
        const at = 2 + slot * k;
        if (withAddress) (entry.address ?? Ipv4Address.ANY).writeTo(data, at);
        writeUint32(data, withAddress ? at + 4 : at, entry.timestamp);
      }
      return { type: Ipv4OptionType.Timestamp, data };
    }
    case "router-alert":
      return {
        type: Ipv4OptionType.RouterAlert,
        data: Uint8Array.of(decoded.value >>> 8, decoded.value & 0xff),
      };
    case "unknown":
      return { type: decoded.type, data: decoded.data };
  }
}

/**
 * An empty Record Route option with room for `slots` addresses (at most 9: the 40 octets of
 * options hold 3 + 4 × 9 = 39), as `ping -R` sends it.
 */
export function recordRouteOption(slots = 9): Ipv4Option {
  return encodeIpv4Option({
    kind: "record-route",
    pointer: 4,
    addresses: Array.from({ length: Math.min(slots, 9) }, () => Ipv4Address.ANY),
  });
}

/** The Router Alert option (RFC 2113), as IGMP and RSVP messages carry it. */
export function routerAlertOption(value = 0): Ipv4Option {
  return encodeIpv4Option({ kind: "router-alert", value });
}

/** Describes one option as a field with children (offset relative to the IPv4 header). */
export function describeIpv4Option(option: Ipv4Option, offset: number): FieldDescription {
  const { type } = option;
  const name = ipv4OptionName(type);
  const single = isSingleOctet(type);
  const length = single ? 1 + option.data.length : 2 + option.data.length;
  const children: FieldDescription[] = [
    {
      name: "Type",
      value: String(type),
      meaning: `copied ${type >>> 7} (${isCopiedOnFragmentation(type) ? "every fragment carries it" : "only the first fragment"}), class ${(type >>> 5) & 3} (${(type & 0x60) === 0x40 ? "debugging and measurement" : "control"}), number ${type & 0x1f}`,
      offset,
      length: 1,
    },
  ];
  if (!single) {
    children.push({
      name: "Length",
      value: String(length),
      meaning: "octets in the option, counting type and length",
      offset: offset + 1,
      length: 1,
    });
  }
  const decoded = decodeIpv4Option(option);
  let summary = "";
  if (decoded instanceof ParseError) {
    summary = `malformed: ${decoded.reason}`;
  } else {
    switch (decoded.kind) {
      case "end-of-list":
        summary = option.data.length > 0 ? `followed by ${option.data.length} octets of padding` : "";
        break;
      case "no-operation":
        summary = "padding between options";
        break;
      case "record-route":
      case "loose-source-route":
      case "strict-source-route": {
        const used = Math.max(0, Math.min(decoded.addresses.length, Math.floor((decoded.pointer - 4) / 4)));
        children.push({
          name: "Pointer",
          value: String(decoded.pointer),
          meaning:
            decoded.kind === "record-route"
              ? `${used} of ${decoded.addresses.length} slots filled`
              : `next hop is slot ${used + 1} of ${decoded.addresses.length}`,
          offset: offset + 2,
          length: 1,
        });
        decoded.addresses.forEach((address, k) => {
          children.push({
            name: `Address ${k + 1}`,
            value: address.toString(),
            meaning:
              decoded.kind === "record-route"
                ? k < used
                  ? "recorded by a router on the way"
                  : "empty slot"
                : k < used
                  ? "already visited (now the recorded route)"
                  : "still to visit",
            offset: offset + 3 + 4 * k,
            length: 4,
          });
        });
        summary = decoded.addresses
          .slice(0, decoded.kind === "record-route" ? used : decoded.addresses.length)
          .join(" ");
        break;
      }
      case "timestamp": {
        const flagText =
          decoded.flag === TimestampFlag.TimestampsOnly
            ? "timestamps only"
            : decoded.flag === TimestampFlag.AddressAndTimestamp
              ? "address and timestamp"
              : decoded.flag === TimestampFlag.Prespecified
                ? "prespecified addresses"
                : "unknown flag";
        children.push(
          { name: "Pointer", value: String(decoded.pointer), offset: offset + 2, length: 1 },
          {
            name: "Overflow",
            value: String(decoded.overflow),
            meaning: "routers that could not add a timestamp for lack of room",
            offset: offset + 3,
            length: 1,
          },
          { name: "Flag", value: String(decoded.flag), meaning: flagText, offset: offset + 3, length: 1 },
        );
        const slot = decoded.flag === TimestampFlag.TimestampsOnly ? 4 : 8;
        decoded.entries.forEach((entry, k) => {
          children.push({
            name: `Timestamp ${k + 1}`,
            value: `${entry.address ? `${entry.address} ` : ""}${entry.timestamp}`,
            meaning: "milliseconds since midnight UT",
            offset: offset + 4 + slot * k,
            length: slot,
          });
        });
        summary = flagText;
        break;
      }
      case "router-alert":
        children.push({
          name: "Value",
          value: String(decoded.value),
          meaning: decoded.value === 0 ? "routers shall examine this packet" : "reserved",
          offset: offset + 2,
          length: 2,
        });
        summary = "routers shall examine this packet";
        break;
      case "unknown":
        summary = `${option.data.length} octets of data`;
        break;
    }
  }
  return { name, value: summary || ipv4OptionShortName(type), offset, length, children };
}

function isSingleOctet(type: number): boolean {
  return type === Ipv4OptionType.EndOfList || type === Ipv4OptionType.NoOperation;
}

/**
 * The rules of the options this module decodes (RFC 791, RFC 2113), as Linux's
 * ip_options_compile() enforces them. Offsets are from the option's type octet.
 */
function checkKnownOption(option: Ipv4Option): { reason: string; offset: number } | undefined {
  const { type, data } = option;
  switch (type) {
    case Ipv4OptionType.RecordRoute:
    case Ipv4OptionType.LooseSourceRoute:
    case Ipv4OptionType.StrictSourceRoute:
      // RFC 791: length is 3 + 4n; "the smallest legal value [of the pointer] is 4".
      if (data.length < 1) return { reason: `${ipv4OptionName(type)} option has no pointer`, offset: 1 };
      if (data[0] < 4) {
        return { reason: `${ipv4OptionName(type)} pointer ${data[0]} is below the minimum of 4`, offset: 2 };
      }
      return undefined;
    case Ipv4OptionType.Timestamp:
      // RFC 791: pointer, then overflow and flag; "the smallest legal value [of the pointer] is 5".
      if (data.length < 2) return { reason: "Internet Timestamp option is shorter than 4 octets", offset: 1 };
      if (data[0] < 5)
        return { reason: `Internet Timestamp pointer ${data[0]} is below the minimum of 5`, offset: 2 };
      return undefined;
    case Ipv4OptionType.RouterAlert:
      // RFC 2113 §2.1: type 148, length 4, a two-octet value.
      if (data.length !== 2) {
        return { reason: `Router Alert option has length ${data.length + 2}, not 4`, offset: 1 };
      }
      return undefined;
    default:
      return undefined;
  }
}

function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
