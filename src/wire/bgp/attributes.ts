/**
 * Path attributes (RFC 4271 §4.3 and §5): each is flags, type code, length (one octet, or two
 * with the Extended Length flag) and a value. We parse the ones BGP-4 route selection and our
 * policy use — ORIGIN, AS_PATH, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE,
 * AGGREGATOR, COMMUNITIES (RFC 1997), ORIGINATOR_ID and CLUSTER_LIST (RFC 4456), AS4_PATH and
 * AS4_AGGREGATOR (RFC 6793) — and keep unknown optional ones as bytes, because RFC 4271 §5 says
 * an optional transitive attribute we do not understand must still be passed on (marked Partial).
 *
 * Errors follow RFC 4271 §6.3: each returns the UPDATE Message Error subcode and Data it names.
 */
import { Ipv4Address } from "../address/ipv4.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "../network-order.js";
import {
  AS_TRANS,
  AsPathSegmentType,
  AttributeFlag,
  AttributeType,
  BgpErrorCode,
  UpdateErrorSubcode,
} from "./constants.js";
import { BgpError } from "./error.js";

export interface AsPathSegment {
  /** AS_SET (1), AS_SEQUENCE (2), or a confederation segment (3, 4; RFC 5065). */
  type: number;
  asns: number[];
}

export interface Aggregator {
  asn: number;
  address: Ipv4Address;
}

/** An attribute we do not interpret, carried as received (minus the Extended Length flag). */
export interface UnknownAttribute {
  flags: number;
  type: number;
  value: Uint8Array;
}

/** The path attributes of an UPDATE; absent fields were not in the message. */
export interface BgpPathAttributes {
  origin?: number;
  /** Always in 4-octet form: a 2-octet session's AS_PATH is merged with its AS4_PATH (RFC 6793 §4.2.3). */
  asPath?: AsPathSegment[];
  nextHop?: Ipv4Address;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  /** RFC 1997 communities as 32-bit numbers (AS << 16 | value). */
  communities?: number[];
  originatorId?: Ipv4Address;
  clusterList?: Ipv4Address[];
  unknown?: UnknownAttribute[];
}

/** How AS numbers are encoded on this session: 4 octets once both sides announced RFC 6793. */
export interface AsEncoding {
  fourOctetAs: boolean;
}

function attributeBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return bytes.slice(start, end);
}

function updateError(subcode: number, reason: string, offset: number, data?: Uint8Array): BgpError {
  return new BgpError(BgpErrorCode.UpdateMessage, subcode, reason, offset, data);
}

/** The flags each known attribute must carry (Optional and Transitive bits), RFC 4271 §5. */
function expectedFlags(type: number): number | undefined {
  const { Optional, Transitive } = AttributeFlag;
  switch (type) {
    case AttributeType.Origin:
    case AttributeType.AsPath:
    case AttributeType.NextHop:
    case AttributeType.LocalPref:
    case AttributeType.AtomicAggregate:
      return Transitive; // well-known
    case AttributeType.MultiExitDisc:
    case AttributeType.OriginatorId:
    case AttributeType.ClusterList:
    case AttributeType.MpReachNlri:
    case AttributeType.MpUnreachNlri:
      return Optional; // optional non-transitive
    case AttributeType.Aggregator:
    case AttributeType.Communities:
    case AttributeType.As4Path:
    case AttributeType.As4Aggregator:
      return Optional | Transitive;
    default:
      return undefined;
  }
}

/** Reads AS_PATH or AS4_PATH segments from `bytes[start, end)` with `width`-octet AS numbers. */
export function parseAsPath(
  bytes: Uint8Array,
  start: number,
  end: number,
  width: 2 | 4,
): AsPathSegment[] | string {
  const segments: AsPathSegment[] = [];
  let at = start;
  while (at < end) {
    if (at + 2 > end) return "a segment header runs past the attribute";
    const type = bytes[at];
    const count = bytes[at + 1];
    if (type < AsPathSegmentType.Set || type > AsPathSegmentType.ConfedSet)
      return `segment type ${type} is unknown`;
    if (count === 0) return "a segment has no AS numbers";
    if (at + 2 + count * width > end) return `a segment of ${count} AS numbers runs past the attribute`;
    const asns: number[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const p = at + 2 + i * width;
      asns[i] = width === 4 ? readUint32(bytes, p) : readUint16(bytes, p);
    }
    segments.push({ type, asns });
    at += 2 + count * width;
  }
  return segments;
}

/** RFC 4271 §9.1.2.2 a): an AS_SET counts as one AS, confederation segments not at all. */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  if (!path) return 0;
  let n = 0;
  for (const s of path) {
    if (s.type === AsPathSegmentType.Sequence) n += s.asns.length;
    else if (s.type === AsPathSegmentType.Set) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: a new speaker rebuilds the true path from an old speaker's AS_PATH (with
 * AS_TRANS in place of 4-octet numbers) and the AS4_PATH: when the AS_PATH has fewer ASes than
 * the AS4_PATH, the AS4_PATH is ignored; otherwise the leading ASes of AS_PATH that the AS4_PATH
 * lacks (prepended by old speakers since) are put in front of the AS4_PATH.
 */
export function mergeAs4Path(asPath: AsPathSegment[], as4Path: AsPathSegment[]): AsPathSegment[] {
  const have = asPathLength(asPath);
  const extra = have - asPathLength(as4Path);
  if (extra < 0) return asPath;
  const leading: AsPathSegment[] = [];
  let need = extra;
  for (const s of asPath) {
    if (need === 0) break;
    if (s.type === AsPathSegmentType.Sequence) {
      const take = Math.min(need, s.asns.length);
      leading.push({ type: s.type, asns: s.asns.slice(0, take) });
      need -= take;
    } else if (s.type === AsPathSegmentType.Set) {
      leading.push(s);
      need -= 1;
    } else {
      leading.push(s);
    }
  }
  // Join the last leading sequence with the AS4_PATH's first sequence, as one path.
  const rest = as4Path.map((s) => ({ type: s.type, asns: [...s.asns] }));
  const last = leading[leading.length - 1];
  const first = rest[0];
  if (
    last?.type === AsPathSegmentType.Sequence &&
    first?.type === AsPathSegmentType.Sequence &&
    last.asns.length + first.asns.length <= 255
  ) {
    leading[leading.length - 1] = { type: last.type, asns: [...last.asns, ...first.asns] };
    rest.shift();
  }
  const out = [...leading, ...rest];
  return out;
}

/**
 * Parses the Path Attributes field `bytes[start, end)` of an UPDATE. `offset` values in errors are
 * relative to `bytes`.
 */
export function parseAttributes(
  bytes: Uint8Array,
  start: number,
  end: number,
  encoding: AsEncoding,
): BgpPathAttributes | BgpError {
  const attrs: BgpPathAttributes = {};
  const seen = new Set<number>();
  let as4Path: AsPathSegment[] | undefined;
  let as4Aggregator: Aggregator | undefined;
  let at = start;
  while (at < end) {
    if (at + 3 > end) {
      return updateError(
        UpdateErrorSubcode.MalformedAttributeList,
        "an attribute header runs past the list",
        at,
      );
    }
    const flags = bytes[at];
    const type = bytes[at + 1];
    const extended = (flags & AttributeFlag.ExtendedLength) !== 0;
    const headerLength = extended ? 4 : 3;
    if (at + headerLength > end) {
      return updateError(
        UpdateErrorSubcode.MalformedAttributeList,
        "an attribute header runs past the list",
        at,
      );
    }
    const length = extended ? readUint16(bytes, at + 2) : bytes[at + 2];
    const vStart = at + headerLength;
    const vEnd = vStart + length;
    // RFC 4271 §6.3: an attribute whose length runs past the list is an Attribute Length Error.
    if (vEnd > end) {
      return updateError(
        UpdateErrorSubcode.AttributeLengthError,
        `attribute ${type} of length ${length} runs past the attribute list`,
        at,
        attributeBytes(bytes, at, end),
      );
    }
    const whole = () => attributeBytes(bytes, at, vEnd);
    if (seen.has(type)) {
      return updateError(UpdateErrorSubcode.MalformedAttributeList, `attribute ${type} appears twice`, at);
    }
    seen.add(type);
    const expected = expectedFlags(type);
    if (expected === undefined) {
      // RFC 4271 §6.3: an unrecognized well-known attribute is an error; unknown optional ones are kept.
      if ((flags & AttributeFlag.Optional) === 0) {
        return updateError(
          UpdateErrorSubcode.UnrecognizedWellKnownAttribute,
          `well-known attribute ${type} is not recognized`,
          at,
          whole(),
        );
      }
      attrs.unknown ??= [];
      attrs.unknown.push({
        flags: flags & ~AttributeFlag.ExtendedLength,
        type,
        value: bytes.slice(vStart, vEnd),
      });
      at = vEnd;
      continue;
    }
    const optionalTransitive = flags & (AttributeFlag.Optional | AttributeFlag.Transitive);
    // The Partial bit must be 0 for well-known and optional non-transitive attributes (RFC 4271 §4.3).
    const partialWrong =
      (flags & AttributeFlag.Partial) !== 0 &&
      expected !== (AttributeFlag.Optional | AttributeFlag.Transitive);
    if (optionalTransitive !== expected || partialWrong) {
      return updateError(
        UpdateErrorSubcode.AttributeFlagsError,
        `attribute ${type} has flags 0x${flags.toString(16)}`,
        at,
        whole(),
      );
    }
    const lengthError = (want: string) =>
      updateError(
        UpdateErrorSubcode.AttributeLengthError,
        `attribute ${type} has length ${length}, expected ${want}`,
        at,
        whole(),
      );
    switch (type) {
      case AttributeType.Origin: {
        if (length !== 1) return lengthError("1");
        const origin = bytes[vStart];
        if (origin > 2) {
          return updateError(
            UpdateErrorSubcode.InvalidOriginAttribute,
            `ORIGIN ${origin} is undefined`,
            at,
            whole(),
          );
        }
        attrs.origin = origin;
        break;
      }
      case AttributeType.AsPath: {
        const path = parseAsPath(bytes, vStart, vEnd, encoding.fourOctetAs ? 4 : 2);
        if (typeof path === "string") return updateError(UpdateErrorSubcode.MalformedAsPath, path, at);
        attrs.asPath = path;
        break;
      }
      case AttributeType.NextHop: {
        if (length !== 4) return lengthError("4");
        const value = readUint32(bytes, vStart);
        // RFC 4271 §6.3: a syntactically incorrect NEXT_HOP (here: 0.0.0.0, multicast, class E).
        if (value === 0 || value >>> 28 >= 0xe) {
          return updateError(
            UpdateErrorSubcode.InvalidNextHopAttribute,
            `NEXT_HOP ${new Ipv4Address(value)} is not a unicast address`,
            at,
            whole(),
          );
        }
        attrs.nextHop = new Ipv4Address(value);
        break;
      }
      case AttributeType.MultiExitDisc:
        if (length !== 4) return lengthError("4");
        attrs.med = readUint32(bytes, vStart);
        break;
      case AttributeType.LocalPref:
        if (length !== 4) return lengthError("4");
        attrs.localPref = readUint32(bytes, vStart);
        break;
      case AttributeType.AtomicAggregate:
        if (length !== 0) return lengthError("0");
        attrs.atomicAggregate = true;
        break;
      case AttributeType.Aggregator: {
        const width = encoding.fourOctetAs ? 4 : 2;
        if (length !== width + 4) return lengthError(String(width + 4));
        attrs.aggregator = {
          asn: width === 4 ? readUint32(bytes, vStart) : readUint16(bytes, vStart),
          address: new Ipv4Address(readUint32(bytes, vStart + width)),
        };
        break;
      }
      case AttributeType.Communities: {
        if (length % 4 !== 0) return lengthError("a multiple of 4");
        const list: number[] = [];
        for (let p = vStart; p < vEnd; p += 4) list.push(readUint32(bytes, p));
        attrs.communities = list;
        break;
      }
      case AttributeType.OriginatorId:
        if (length !== 4) return lengthError("4");
        attrs.originatorId = new Ipv4Address(readUint32(bytes, vStart));
        break;
      case AttributeType.ClusterList: {
        if (length % 4 !== 0) return lengthError("a multiple of 4");
        const list: Ipv4Address[] = [];
        for (let p = vStart; p < vEnd; p += 4) list.push(new Ipv4Address(readUint32(bytes, p)));
        attrs.clusterList = list;
        break;
      }
      case AttributeType.As4Path: {
        // RFC 6793 §6: a malformed AS4_PATH is discarded, not a session error.
        const path = parseAsPath(bytes, vStart, vEnd, 4);
        if (typeof path !== "string") as4Path = path;
        break;
      }
      case AttributeType.As4Aggregator:
        if (length === 8) {
          as4Aggregator = {
            asn: readUint32(bytes, vStart),
            address: new Ipv4Address(readUint32(bytes, vStart + 4)),
          };
        }
        break;
      default:
        // MP_REACH/MP_UNREACH (RFC 4760): other address families, kept but not interpreted.
        attrs.unknown ??= [];
        attrs.unknown.push({
          flags: flags & ~AttributeFlag.ExtendedLength,
          type,
          value: bytes.slice(vStart, vEnd),
        });
    }
    at = vEnd;
  }
  // RFC 6793 §4.2.3: only an old (2-octet) session's AS4 attributes are meaningful.
  if (!encoding.fourOctetAs) {
    if (as4Path && attrs.asPath) attrs.asPath = mergeAs4Path(attrs.asPath, as4Path);
    if (as4Aggregator && attrs.aggregator?.asn === AS_TRANS) attrs.aggregator = as4Aggregator;
  }
  return attrs;
}

function needsAs4(path: readonly AsPathSegment[] | undefined): boolean {
  return path?.some((s) => s.asns.some((a) => a > 0xffff)) ?? false;
}

/** Octets the attributes take when emitted. */
export function attributesLength(attrs: BgpPathAttributes, encoding: AsEncoding): number {
  let n = 0;
  const add = (valueLength: number) => {
    n += (valueLength > 255 ? 4 : 3) + valueLength;
  };
  const width = encoding.fourOctetAs ? 4 : 2;
  const pathLength = (path: readonly AsPathSegment[], w: number) =>
    path.reduce((s, seg) => s + 2 + seg.asns.length * w, 0);
  if (attrs.origin !== undefined) add(1);
  if (attrs.asPath !== undefined) add(pathLength(attrs.asPath, width));
  if (attrs.nextHop !== undefined) add(4);
  if (attrs.med !== undefined) add(4);
  if (attrs.localPref !== undefined) add(4);
  if (attrs.atomicAggregate) add(0);
  if (attrs.aggregator !== undefined) add(width + 4);
  if (attrs.communities !== undefined && attrs.communities.length > 0) add(attrs.communities.length * 4);
  if (attrs.originatorId !== undefined) add(4);
  if (attrs.clusterList !== undefined && attrs.clusterList.length > 0) add(attrs.clusterList.length * 4);
  if (!encoding.fourOctetAs && attrs.asPath && needsAs4(attrs.asPath)) add(pathLength(attrs.asPath, 4));
  if (!encoding.fourOctetAs && attrs.aggregator && attrs.aggregator.asn > 0xffff) add(8);
  for (const u of attrs.unknown ?? []) add(u.value.length);
  return n;
}

/**
 * Writes the attributes in type-code order (as FRR and BIRD do) from `offset`; returns the offset
 * after them. On a 2-octet session, AS numbers above 65535 become AS_TRANS and the true path
 * travels in AS4_PATH (RFC 6793 §4.2.2).
 */
export function emitAttributes(
  attrs: BgpPathAttributes,
  into: Uint8Array,
  offset: number,
  encoding: AsEncoding,
): number {
  let at = offset;
  const { Optional, Transitive } = AttributeFlag;
  const header = (flags: number, type: number, length: number) => {
    if (length > 255) {
      into[at] = flags | AttributeFlag.ExtendedLength;
      into[at + 1] = type;
      writeUint16(into, at + 2, length);
      at += 4;
    } else {
      into[at] = flags;
      into[at + 1] = type;
      into[at + 2] = length;
      at += 3;
    }
  };
  const u32 = (flags: number, type: number, value: number) => {
    header(flags, type, 4);
    writeUint32(into, at, value);
    at += 4;
  };
  const path = (flags: number, type: number, segments: readonly AsPathSegment[], width: number) => {
    header(
      flags,
      type,
      segments.reduce((s, seg) => s + 2 + seg.asns.length * width, 0),
    );
    for (const seg of segments) {
      into[at] = seg.type;
      into[at + 1] = seg.asns.length;
      at += 2;
      for (const asn of seg.asns) {
        if (width === 4) writeUint32(into, at, asn);
        else writeUint16(into, at, asn > 0xffff ? AS_TRANS : asn);
        at += width;
      }
    }
  };
  const width = encoding.fourOctetAs ? 4 : 2;
  const unknown = [...(attrs.unknown ?? [])].sort((a, b) => a.type - b.type);
  let u = 0;
  const unknownBefore = (type: number) => {
    while (u < unknown.length && unknown[u].type < type) {
      const a = unknown[u++];
      header(a.flags, a.type, a.value.length);
      into.set(a.value, at);
      at += a.value.length;
    }
  };
  if (attrs.origin !== undefined) {
    header(Transitive, AttributeType.Origin, 1);
    into[at++] = attrs.origin;
  }
  if (attrs.asPath !== undefined) path(Transitive, AttributeType.AsPath, attrs.asPath, width);
  if (attrs.nextHop !== undefined) u32(Transitive, AttributeType.NextHop, attrs.nextHop.value);
  if (attrs.med !== undefined) u32(Optional, AttributeType.MultiExitDisc, attrs.med);
  if (attrs.localPref !== undefined) u32(Transitive, AttributeType.LocalPref, attrs.localPref);
  if (attrs.atomicAggregate) header(Transitive, AttributeType.AtomicAggregate, 0);
  if (attrs.aggregator !== undefined) {
    header(Optional | Transitive, AttributeType.Aggregator, width + 4);
    const asn = attrs.aggregator.asn;
    if (width === 4) writeUint32(into, at, asn);
    else writeUint16(into, at, asn > 0xffff ? AS_TRANS : asn);
    writeUint32(into, at + width, attrs.aggregator.address.value);
    at += width + 4;
  }
  if (attrs.communities !== undefined && attrs.communities.length > 0) {
    header(Optional | Transitive, AttributeType.Communities, attrs.communities.length * 4);
    for (const c of attrs.communities) {
      writeUint32(into, at, c);
      at += 4;
    }
  }
  if (attrs.originatorId !== undefined) u32(Optional, AttributeType.OriginatorId, attrs.originatorId.value);
  if (attrs.clusterList !== undefined && attrs.clusterList.length > 0) {
    header(Optional, AttributeType.ClusterList, attrs.clusterList.length * 4);
    for (const c of attrs.clusterList) {
      writeUint32(into, at, c.value);
      at += 4;
    }
  }
  unknownBefore(AttributeType.As4Path);
  if (!encoding.fourOctetAs && attrs.asPath && needsAs4(attrs.asPath)) {
    path(Optional | Transitive, AttributeType.As4Path, attrs.asPath, 4);
  }
  if (!encoding.fourOctetAs && attrs.aggregator && attrs.aggregator.asn > 0xffff) {
    header(Optional | Transitive, AttributeType.As4Aggregator, 8);
    writeUint32(into, at, attrs.aggregator.asn);
    writeUint32(into, at + 4, attrs.aggregator.address.value);
    at += 8;
  }
  unknownBefore(256);
  return at;
}

/** `65001 65002 {65003,65004}` as `show ip bgp` prints a path. */
export function formatAsPath(path: readonly AsPathSegment[] | undefined): string {
  if (!path) return "";
  return path
    .map((s) => {
      const list = s.asns.join(
        s.type === AsPathSegmentType.Set || s.type === AsPathSegmentType.ConfedSet ? "," : " ",
      );
      if (s.type === AsPathSegmentType.Set) return `{${list}}`;
      if (s.type === AsPathSegmentType.ConfedSequence) return `(${list})`;
      if (s.type === AsPathSegmentType.ConfedSet) return `[${list}]`;
      return list;
    })
    .join(" ");
}

/** `65001:100`, or the RFC 1997 well-known names. */
export function formatCommunity(value: number): string {
  if (value === 0xffffff01) return "no-export";
  if (value === 0xffffff02) return "no-advertise";
  if (value === 0xffffff03) return "local-AS";
  return `${value >>> 16}:${value & 0xffff}`;
}

/** Parses `65001:100` or a well-known name; undefined when malformed. */
export function parseCommunity(text: string): number | undefined {
  const named: Record<string, number> = {
    "no-export": 0xffffff01,
    "no-advertise": 0xffffff02,
    "local-AS": 0xffffff03,
  };
  if (text in named) return named[text];
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  if (hi > 0xffff || lo > 0xffff) return undefined;
  return ((hi << 16) | lo) >>> 0;
}
