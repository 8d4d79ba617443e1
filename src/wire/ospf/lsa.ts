/**
 * OSPFv2 link-state advertisements (RFC 2328 §12, Appendix A.4): the 20-octet LSA header and the
 * bodies we originate and compute with — router-LSAs (type 1), network-LSAs (type 2) and summary-
 * LSAs (types 3 and 4). Other types parse as opaque bodies (they are still flooded, §13).
 *
 * Addresses and router IDs are uint32 numbers here (the LSDB and SPF work on numbers); the
 * describe functions print them dotted.
 *
 * The LSA checksum is the Fletcher checksum of ISO 8473 (RFC 2328 §12.1.7, RFC 905 Annex B) over
 * the whole LSA except the LS age, so that aging an LSA in the database does not change it.
 */
import { readUint16, readUint32, writeUint16, writeUint32 } from "../network-order.js";
import { ParseError } from "../parse-error.js";

export const LSA_HEADER_LENGTH = 20;
/** RFC 2328 Appendix B: an LSA this old is being flushed from the routing domain. */
export const MAX_AGE = 3600;
/** Appendix B: LSAs are refreshed (re-originated) every 30 minutes. */
export const LS_REFRESH_TIME = 1800;
/** Appendix B: two LSA instances whose ages differ by more than this are different instances. */
export const MAX_AGE_DIFF = 900;
/** §12.1.6: the first (smallest usable) sequence number, 0x80000001, and the largest, 0x7fffffff. */
export const INITIAL_SEQUENCE_NUMBER = -0x7fffffff;
export const MAX_SEQUENCE_NUMBER = 0x7fffffff;
/** §12.4.3: summary-LSAs of unreachable destinations carry LSInfinity. */
export const LS_INFINITY = 0xffffff;

/** LS types (RFC 2328 §12.1.3, Appendix A.4.1). */
export const LsaType = {
  Router: 1,
  Network: 2,
  SummaryNetwork: 3,
  SummaryAsbr: 4,
  AsExternal: 5,
} as const;

export function lsaTypeName(type: number): string {
  switch (type) {
    case 1:
      return "Router";
    case 2:
      return "Network";
    case 3:
      return "Summary";
    case 4:
      return "ASBR-Summary";
    case 5:
      return "AS-External";
    default:
      return `Type-${type}`;
  }
}

/** Options bits (Appendix A.2): E = AS-external capable; others we neither set nor need. */
export const OspfOption = { E: 0x02, MC: 0x04, NP: 0x08, EA: 0x10, DC: 0x20, O: 0x40 } as const;

/** Router-LSA link types (Appendix A.4.2). */
export const RouterLinkType = {
  PointToPoint: 1,
  Transit: 2,
  Stub: 3,
  Virtual: 4,
} as const;

/** Router-LSA flags (Appendix A.4.2): V virtual link endpoint, E ASBR, B area border router. */
export const RouterLsaFlag = { B: 0x01, E: 0x02, V: 0x04 } as const;

export interface LsaHeader {
  age: number;
  options: number;
  type: number;
  /** Link State ID. */
  id: number;
  advertisingRouter: number;
  /** Signed 32-bit sequence number (§12.1.6). */
  sequence: number;
  checksum: number;
  /** Length of the whole LSA in octets, header included. */
  length: number;
}

export interface RouterLink {
  id: number;
  data: number;
  type: number;
  metric: number;
}

export interface RouterLsaBody {
  kind: "router";
  flags: number;
  links: RouterLink[];
}

export interface NetworkLsaBody {
  kind: "network";
  mask: number;
  attachedRouters: number[];
}

export interface SummaryLsaBody {
  kind: "summary";
  mask: number;
  /** 24-bit cost; LS_INFINITY when unreachable. */
  metric: number;
}

export interface OpaqueLsaBody {
  kind: "opaque";
  bytes: Uint8Array;
}

export type LsaBody = RouterLsaBody | NetworkLsaBody | SummaryLsaBody | OpaqueLsaBody;

export interface LsaRepr {
  header: LsaHeader;
  body: LsaBody;
}

/** Reads an LSA header at `offset`; the caller checked that 20 octets are there. */
export function readLsaHeader(bytes: Uint8Array, offset: number): LsaHeader {
  return {
    age: readUint16(bytes, offset),
    options: bytes[offset + 2],
    type: bytes[offset + 3],
    id: readUint32(bytes, offset + 4),
    advertisingRouter: readUint32(bytes, offset + 8),
    sequence: readUint32(bytes, offset + 12) | 0,
    checksum: readUint16(bytes, offset + 16),
    length: readUint16(bytes, offset + 18),
  };
}

export function writeLsaHeader(header: LsaHeader, into: Uint8Array, offset: number): void {
  writeUint16(into, offset, header.age);
  into[offset + 2] = header.options;
  into[offset + 3] = header.type;
  writeUint32(into, offset + 4, header.id >>> 0);
  writeUint32(into, offset + 8, header.advertisingRouter >>> 0);
  writeUint32(into, offset + 12, header.sequence >>> 0);
  writeUint16(into, offset + 16, header.checksum);
  writeUint16(into, offset + 18, header.length);
}

/**
 * Parses a whole LSA (header and body) from `bytes` (exactly the LSA, or more: the header's
 * length says where it ends). Never throws.
 */
export function parseLsa(bytes: Uint8Array): LsaRepr | ParseError {
  if (bytes.length < LSA_HEADER_LENGTH)
    return new ParseError("ospf-lsa", `${bytes.length} octets is shorter than the 20-octet LSA header`, 0);
  const header = readLsaHeader(bytes, 0);
  if (header.length < LSA_HEADER_LENGTH)
    return new ParseError("ospf-lsa", `length ${header.length} is below the 20-octet header`, 18);
  if (header.length > bytes.length)
    return new ParseError(
      "ospf-lsa",
      `length ${header.length} exceeds the ${bytes.length} octets present`,
      18,
    );
  const body = bytes.subarray(LSA_HEADER_LENGTH, header.length);
  switch (header.type) {
    case LsaType.Router: {
      if (body.length < 4) return new ParseError("ospf-lsa", "router-LSA body shorter than 4 octets", 20);
      const count = readUint16(body, 2);
      const links: RouterLink[] = [];
      let at = 4;
      for (let i = 0; i < count; i++) {
        if (at + 12 > body.length)
          return new ParseError("ospf-lsa", `router-LSA link ${i + 1} of ${count} is truncated`, 20 + at);
        const tos = body[at + 9];
        links.push({
          id: readUint32(body, at),
          data: readUint32(body, at + 4),
          type: body[at + 8],
          metric: readUint16(body, at + 10),
        });
        at += 12 + 4 * tos; // TOS metrics (RFC 2328 keeps them for compatibility) are skipped
        if (at > body.length)
          return new ParseError("ospf-lsa", `router-LSA link ${i + 1} TOS entries are truncated`, 20 + at);
      }
      return { header, body: { kind: "router", flags: body[0], links } };
    }
    case LsaType.Network: {
      if (body.length < 4 || body.length % 4 !== 0)
        return new ParseError("ospf-lsa", `network-LSA body of ${body.length} octets is not 4+4n`, 20);
      const attachedRouters: number[] = [];
      for (let at = 4; at < body.length; at += 4) attachedRouters.push(readUint32(body, at));
      return { header, body: { kind: "network", mask: readUint32(body, 0), attachedRouters } };
    }
    case LsaType.SummaryNetwork:
    case LsaType.SummaryAsbr: {
      if (body.length < 8) return new ParseError("ospf-lsa", "summary-LSA body shorter than 8 octets", 20);
      const metric = (body[5] << 16) | (body[6] << 8) | body[7];
      return { header, body: { kind: "summary", mask: readUint32(body, 0), metric } };
    }
    default:
      return { header, body: { kind: "opaque", bytes: body } };
  }
}

/** Octets the LSA takes on the wire. */
export function lsaLength(repr: LsaRepr): number {
  const body = repr.body;
  switch (body.kind) {
    case "router":
      return LSA_HEADER_LENGTH + 4 + 12 * body.links.length;
    case "network":
      return LSA_HEADER_LENGTH + 4 + 4 * body.attachedRouters.length;
    case "summary":
      return LSA_HEADER_LENGTH + 8;
    case "opaque":
      return LSA_HEADER_LENGTH + body.bytes.length;
  }
}

/**
 * Writes the LSA at `into[offset]`, with its length and Fletcher checksum computed (the header's
 * length and checksum are ignored). Returns the octets written. Throws RangeError when `into` is
 * too small (a programmer error).
 */
export function emitLsa(repr: LsaRepr, into: Uint8Array, offset = 0): number {
  const length = lsaLength(repr);
  if (into.length < offset + length) throw new RangeError(`LSA needs ${length} octets at ${offset}`);
  writeLsaHeader({ ...repr.header, length, checksum: 0 }, into, offset);
  let at = offset + LSA_HEADER_LENGTH;
  const body = repr.body;
  switch (body.kind) {
    case "router":
      into[at] = body.flags;
      into[at + 1] = 0;
      writeUint16(into, at + 2, body.links.length);
      at += 4;
      for (const link of body.links) {
        writeUint32(into, at, link.id >>> 0);
        writeUint32(into, at + 4, link.data >>> 0);
        into[at + 8] = link.type;
        into[at + 9] = 0;
        writeUint16(into, at + 10, link.metric);
        at += 12;
      }
      break;
    case "network":
      writeUint32(into, at, body.mask >>> 0);
      at += 4;
      for (const router of body.attachedRouters) {
        writeUint32(into, at, router >>> 0);
        at += 4;
      }
      break;
    case "summary":
      writeUint32(into, at, body.mask >>> 0);
      into[at + 4] = 0;
      into[at + 5] = (body.metric >>> 16) & 0xff;
      into[at + 6] = (body.metric >>> 8) & 0xff;
      into[at + 7] = body.metric & 0xff;
      break;
    case "opaque":
      into.set(body.bytes, at);
      break;
  }
  setLsaChecksum(into, offset, length);
  return length;
}

/** Emits an LSA into a new array of exactly its length. */
export function encodeLsa(repr: LsaRepr): Uint8Array {
  const bytes = new Uint8Array(lsaLength(repr));
  emitLsa(repr, bytes, 0);
  return bytes;
}

/**
 * The ISO 8473 Fletcher checksum (RFC 905 Annex B) of `length` octets from `start`, with the two
 * check octets at `start + checksumAt`: the octets X, Y that make both running sums zero mod 255.
 */
export function fletcherChecksum(
  bytes: Uint8Array,
  start: number,
  length: number,
  checksumAt: number,
): number {
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < length; i++) {
    const octet = i === checksumAt || i === checksumAt + 1 ? 0 : bytes[start + i];
    c0 += octet;
    c1 += c0;
    if ((i & 0xff) === 0xff) {
      c0 %= 255;
      c1 %= 255;
    }
  }
  c0 %= 255;
  c1 %= 255;
  let x = ((length - checksumAt - 1) * c0 - c1) % 255;
  if (x <= 0) x += 255;
  let y = 510 - c0 - x;
  if (y > 255) y -= 255;
  return (x << 8) | y;
}

/** Computes and writes the checksum of the LSA at `offset` (RFC 2328 §12.1.7: all but the age). */
export function setLsaChecksum(bytes: Uint8Array, offset: number, length: number): void {
  writeUint16(bytes, offset + 16, fletcherChecksum(bytes, offset + 2, length - 2, 14));
}

/** Whether the LSA at `offset` carries a correct checksum (both Fletcher sums are zero). */
export function verifyLsaChecksum(bytes: Uint8Array, offset: number, length: number): boolean {
  if (length < LSA_HEADER_LENGTH || offset + length > bytes.length) return false;
  let c0 = 0;
  let c1 = 0;
  // The sums stay exact in doubles for thousands of octets: reduce mod 255 every 4096 only.
  for (let i = offset + 2, n = 0; i < offset + length; i++, n++) {
    c0 += bytes[i];
    c1 += c0;
    if ((n & 0xfff) === 0xfff) {
      c0 %= 255;
      c1 %= 255;
    }
  }
  return c0 % 255 === 0 && c1 % 255 === 0 && readUint16(bytes, offset + 16) !== 0;
}

/**
 * Which of two instances of the same LSA is more recent (RFC 2328 §13.1): positive when `a` is
 * newer, negative when `b` is, 0 when they are the same instance.
 */
export function compareLsaInstances(a: LsaHeader, b: LsaHeader): number {
  if (a.sequence !== b.sequence) return a.sequence > b.sequence ? 1 : -1;
  if (a.checksum !== b.checksum) return a.checksum > b.checksum ? 1 : -1;
  const aMax = a.age >= MAX_AGE;
  const bMax = b.age >= MAX_AGE;
  if (aMax !== bMax) return aMax ? 1 : -1;
  if (Math.abs(a.age - b.age) > MAX_AGE_DIFF) return a.age < b.age ? 1 : -1;
  return 0;
}

/** Dotted-quad text of a uint32 (router IDs, link state IDs, masks). */
export function dotted(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** `type id adv` — how FRR names an LSA in logs. */
export function lsaKeyText(header: Pick<LsaHeader, "type" | "id" | "advertisingRouter">): string {
  return `${lsaTypeName(header.type)} ${dotted(header.id)} ${dotted(header.advertisingRouter)}`;
}
