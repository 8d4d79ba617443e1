/**
 * DNS messages (RFC 1035 §4): a header, then questions and three sections of resource records.
 *
 * ```
 *  0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |   matches replies to queries
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |   (AD, CD: RFC 4035 §3.2)
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |    QDCOUNT    |    ANCOUNT    |    NSCOUNT    |    ARCOUNT    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * | Question: QNAME, QTYPE, QCLASS                |
 * | Answer / Authority / Additional: NAME, TYPE,  |
 * |   CLASS, TTL, RDLENGTH, RDATA                 |
 * ```
 *
 * Names are written as labels (a length octet, then up to 63 octets) ending with the root's empty
 * label, or end in a 2-octet pointer to an earlier occurrence of the same suffix (RFC 1035 §4.1.4,
 * "message compression"). The parser follows pointers only backwards — each jump must land before
 * the previous one — so a hostile message cannot make it loop, and names stay within 255 octets
 * (§2.3.4). The emitter compresses owner names and the names inside the RDATA of the types RFC 1035
 * defines (RFC 3597 §4 forbids it for later types such as SRV and DNAME).
 *
 * In a `DnsRepr` a name is text in master-file form (RFC 1035 §5.1) without the final dot — `www.
 * example.com`, the root is `.` — with `\.`, `\\` and `\DDD` escapes for octets that are not
 * ordinary characters, so any label round-trips byte for byte. Case is kept as sent (names compare
 * case-insensitively: `dnsNamesEqual`). RDATA of the common types is read into fields; any other
 * type (and EDNS options) is kept raw (RFC 3597).
 */
import { Ipv4Address } from "./address/ipv4.js";
import { Ipv6Address } from "./address/ipv6.js";
import { type FieldDescription, hex, type LayerDescription, OSI_APPLICATION } from "./describe.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** The DNS port, for UDP and TCP (RFC 1035 §4.2). */
export const DNS_PORT = 53;
export const DNS_HEADER_LENGTH = 12;
/** RFC 1035 §4.2.1: without EDNS, UDP messages are limited to 512 octets (else truncated, TC=1). */
export const DNS_UDP_LIMIT = 512;
/** RFC 1035 §2.3.4: names are at most 255 octets in wire form; labels at most 63. */
export const DNS_MAX_NAME_LENGTH = 255;
export const DNS_MAX_LABEL_LENGTH = 63;

/** Byte offsets of the header fields (RFC 1035 §4.1.1). */
export const DnsField = {
  ID: 0,
  FLAGS: 2,
  QDCOUNT: 4,
  ANCOUNT: 6,
  NSCOUNT: 8,
  ARCOUNT: 10,
} as const;

/** Resource record types (IANA "Resource Record (RR) TYPEs"). */
export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  TLSA: 52,
  SVCB: 64,
  HTTPS: 65,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  URI: 256,
  CAA: 257,
} as const;

const typeNames = new Map<number, string>([
  [1, "A"],
  [2, "NS"],
  [3, "MD"],
  [4, "MF"],
  [5, "CNAME"],
  [6, "SOA"],
  [7, "MB"],
  [8, "MG"],
  [9, "MR"],
  [10, "NULL"],
  [11, "WKS"],
  [12, "PTR"],
  [13, "HINFO"],
  [14, "MINFO"],
  [15, "MX"],
  [16, "TXT"],
  [17, "RP"],
  [18, "AFSDB"],
  [24, "SIG"],
  [25, "KEY"],
  [28, "AAAA"],
  [29, "LOC"],
  [33, "SRV"],
  [35, "NAPTR"],
  [36, "KX"],
  [37, "CERT"],
  [39, "DNAME"],
  [41, "OPT"],
  [42, "APL"],
  [43, "DS"],
  [44, "SSHFP"],
  [45, "IPSECKEY"],
  [46, "RRSIG"],
  [47, "NSEC"],
  [48, "DNSKEY"],
  [49, "DHCID"],
  [50, "NSEC3"],
  [51, "NSEC3PARAM"],
  [52, "TLSA"],
  [53, "SMIMEA"],
  [55, "HIP"],
  [59, "CDS"],
  [60, "CDNSKEY"],
  [61, "OPENPGPKEY"],
  [62, "CSYNC"],
  [63, "ZONEMD"],
  [64, "SVCB"],
  [65, "HTTPS"],
  [99, "SPF"],
  [249, "TKEY"],
  [250, "TSIG"],
  [251, "IXFR"],
  [252, "AXFR"],
  [255, "ANY"],
  [256, "URI"],
  [257, "CAA"],
]);
const typeNumbers = new Map([...typeNames].map(([n, name]) => [name, n]));

/** "A", "MX", ...; unknown types as RFC 3597 writes them, "TYPE65280". */
export function dnsTypeName(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

/** The number of a type mnemonic ("mx" → 15, "TYPE99" → 99), or undefined. */
export function dnsTypeFromName(name: string): number | undefined {
  const upper = name.toUpperCase();
  const known = typeNumbers.get(upper);
  if (known !== undefined) return known;
  const generic = /^TYPE(\d{1,5})$/.exec(upper);
  return generic && Number(generic[1]) <= 0xffff ? Number(generic[1]) : undefined;
}

/** Classes (RFC 1035 §3.2.4, RFC 2136 NONE). */
export const DnsClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export function dnsClassName(cls: number): string {
  switch (cls) {
    case 1:
      return "IN";
    case 3:
      return "CH";
    case 4:
      return "HS";
    case 254:
      return "NONE";
    case 255:
      return "ANY";
    default:
      return `CLASS${cls}`;
  }
}

/** Opcodes (RFC 1035 §4.1.1, RFC 1996 NOTIFY, RFC 2136 UPDATE). */
export const DnsOpcode = { Query: 0, IQuery: 1, Status: 2, Notify: 4, Update: 5, Dso: 6 } as const;

/** Response codes (RFC 1035 §4.1.1, RFC 2136, RFC 6891 BADVERS, RFC 7873 BADCOOKIE). */
export const DnsRcode = {
  NoError: 0,
  FormErr: 1,
  ServFail: 2,
  NXDomain: 3,
  NotImp: 4,
  Refused: 5,
  YXDomain: 6,
  YXRRSet: 7,
  NXRRSet: 8,
  NotAuth: 9,
  NotZone: 10,
  BadVers: 16,
  BadCookie: 23,
} as const;

const rcodeNames = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
];

/** "NOERROR", "NXDOMAIN", ... as dig prints them. */
export function dnsRcodeName(rcode: number): string {
  if (rcode === 16) return "BADVERS";
  if (rcode === 23) return "BADCOOKIE";
  return rcodeNames[rcode] ?? `RESERVED${rcode}`;
}

const opcodeNames = ["QUERY", "IQUERY", "STATUS", "RESERVED3", "NOTIFY", "UPDATE", "DSO"];
export function dnsOpcodeName(opcode: number): string {
  return opcodeNames[opcode] ?? `RESERVED${opcode}`;
}

/** EDNS option codes (IANA "DNS EDNS0 Option Codes"). */
export const EdnsOptionCode = {
  Nsid: 3,
  ClientSubnet: 8,
  Expire: 9,
  Cookie: 10,
  TcpKeepalive: 11,
  Padding: 12,
  ExtendedError: 15,
} as const;

// -----------------------------------------------------------------------------------------------
// The representation

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

/** One EDNS option (RFC 6891 §6.1.2), raw. */
export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

/** RDATA read into fields for the types that need it; any other type is `raw`. */
export type DnsRdata =
  | { kind: "a"; address: Ipv4Address }
  | { kind: "aaaa"; address: Ipv6Address }
  /** NS, CNAME, PTR, DNAME (and MB, MD, MF, MG, MR): one domain name. */
  | { kind: "name"; name: string }
  | { kind: "mx"; preference: number; exchange: string }
  /** One or more character-strings (RFC 1035 §3.3.14), each up to 255 octets. */
  | { kind: "txt"; strings: Uint8Array[] }
  | {
      kind: "soa";
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    }
  | { kind: "srv"; priority: number; weight: number; port: number; target: string }
  /** EDNS (RFC 6891): the record's class is the UDP payload size, its TTL the extended flags. */
  | { kind: "opt"; options: EdnsOption[] }
  | { kind: "raw"; bytes: Uint8Array };

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  /** Seconds (an unsigned 32-bit field; RFC 2181 §8 reads values above 2^31-1 as 0). */
  ttl: number;
  data: DnsRdata;
}

export interface DnsRepr {
  id: number;
  /** QR: a response (true) or a query. */
  response: boolean;
  opcode: number;
  /** AA: the answer comes from an authoritative server for the name. */
  authoritative: boolean;
  /** TC: the message was cut to fit (retry over TCP, RFC 7766). */
  truncated: boolean;
  /** RD: the client wants recursion. */
  recursionDesired: boolean;
  /** RA: the server offers recursion. */
  recursionAvailable: boolean;
  /** Z: reserved, must be zero (kept as sent). */
  zero: boolean;
  /** AD: authentic data (RFC 4035 §3.2.3). */
  authenticData: boolean;
  /** CD: checking disabled (RFC 4035 §3.2.2). */
  checkingDisabled: boolean;
  /** The header's 4-bit RCODE (EDNS extends it: see `dnsFullRcode`). */
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

/** A query for `name`/`type` with a fresh header (RD set, as stub resolvers send). */
export function dnsQuery(
  id: number,
  name: string,
  type: number,
  options: { recursionDesired?: boolean } = {},
): DnsRepr {
  return {
    id,
    response: false,
    opcode: DnsOpcode.Query,
    authoritative: false,
    truncated: false,
    recursionDesired: options.recursionDesired ?? true,
    recursionAvailable: false,
    zero: false,
    authenticData: false,
    checkingDisabled: false,
    rcode: DnsRcode.NoError,
    questions: [{ name, type, class: DnsClass.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

// -----------------------------------------------------------------------------------------------
// The view

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_Z = 0x0040;
const FLAG_AD = 0x0020;
const FLAG_CD = 0x0010;

/** A zero-copy view of the header. Check untrusted bytes with {@link DnsView.checked}. */
export class DnsView {
  constructor(readonly bytes: Uint8Array) {}

  static checked(bytes: Uint8Array): DnsView | ParseError {
    if (bytes.length < DNS_HEADER_LENGTH) return headerTooShort(bytes.length);
    return new DnsView(bytes);
  }

  get id(): number {
    return readUint16(this.bytes, DnsField.ID);
  }
  set id(value: number) {
    writeUint16(this.bytes, DnsField.ID, value);
  }
  /** The 16 flag bits (QR, Opcode, AA, TC, RD, RA, Z, AD, CD, RCODE). */
  get flags(): number {
    return readUint16(this.bytes, DnsField.FLAGS);
  }
  set flags(value: number) {
    writeUint16(this.bytes, DnsField.FLAGS, value);
  }
  get response(): boolean {
    return (this.flags & FLAG_QR) !== 0;
  }
  get opcode(): number {
    return (this.flags >>> 11) & 0xf;
  }
  get truncated(): boolean {
    return (this.flags & FLAG_TC) !== 0;
  }
  get rcode(): number {
    return this.flags & 0xf;
  }
  get questionCount(): number {
    return readUint16(this.bytes, DnsField.QDCOUNT);
  }
  get answerCount(): number {
    return readUint16(this.bytes, DnsField.ANCOUNT);
  }
  get authorityCount(): number {
    return readUint16(this.bytes, DnsField.NSCOUNT);
  }
  get additionalCount(): number {
    return readUint16(this.bytes, DnsField.ARCOUNT);
  }
}

function headerTooShort(length: number): ParseError {
  return new ParseError("dns", `${length} bytes is shorter than the 12-byte DNS header`, length);
}

// -----------------------------------------------------------------------------------------------
// Names in text

/** Characters escaped with a backslash in master-file text (RFC 1035 §5.1, as dig writes them). */
const SPECIAL = new Set([0x22, 0x24, 0x28, 0x29, 0x2e, 0x3b, 0x40, 0x5c]); // " $ ( ) . ; @ \

/** One label's text, escaped. */
function labelText(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b <= 0x20 || b >= 0x7f) text += `\\${b.toString().padStart(3, "0")}`;
    else if (SPECIAL.has(b)) text += `\\${String.fromCharCode(b)}`;
    else text += String.fromCharCode(b);
  }
  return text;
}

let encoder: TextEncoder | undefined;

/**
 * A name's labels from its text (`www.example.com`, with or without the final dot; `.` or `""` is
 * the root). Escapes `\X` and `\DDD` are understood; other non-ASCII text is taken as UTF-8.
 * Returns an error text for empty labels, labels over 63 octets or names over 255.
 */
export function dnsNameLabels(text: string): Uint8Array[] | string {
  if (text === "." || text === "") return [];
  const labels: Uint8Array[] = [];
  let current: number[] = [];
  let wire = 1;
  encoder ??= new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      // Backslash: \DDD (decimal octet) or \X (X literally).
      const digits = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        const value = Number(digits);
        if (value > 255) return `escape \\${digits} in "${text}" is not an octet`;
        current.push(value);
        i += 3;
      } else if (i + 1 < text.length) {
        const next = text.codePointAt(i + 1)!;
        for (const b of encoder.encode(String.fromCodePoint(next))) current.push(b);
        i += next > 0xffff ? 2 : 1;
      } else return `"${text}" ends with a lone backslash`;
    } else if (c === 0x2e) {
      if (current.length === 0) return `empty label in "${text}"`;
      labels.push(Uint8Array.from(current));
      wire += current.length + 1;
      current = [];
      if (i === text.length - 1) break; // the final dot of an absolute name
    } else if (c < 0x80) {
      current.push(c);
    } else {
      const point = text.codePointAt(i)!;
      for (const b of encoder.encode(String.fromCodePoint(point))) current.push(b);
      if (point > 0xffff) i++;
    }
    if (current.length > DNS_MAX_LABEL_LENGTH) return `label longer than 63 octets in "${text}"`;
  }
  if (current.length > 0) {
    labels.push(Uint8Array.from(current));
    wire += current.length + 1;
  }
  if (wire > DNS_MAX_NAME_LENGTH) return `"${text}" is longer than 255 octets in wire form`;
  return labels;
}

/** The canonical text of labels (escaped, no final dot; the root is "."). */
export function dnsNameFromLabels(labels: readonly Uint8Array[]): string {
  if (labels.length === 0) return ".";
  return labels.map((l) => labelText(l, 0, l.length)).join(".");
}

/** The canonical form of a name's text (`WWW.Example.com.` → `WWW.Example.com`), or undefined if invalid. */
export function canonicalDnsName(text: string): string | undefined {
  const labels = dnsNameLabels(text);
  return typeof labels === "string" ? undefined : dnsNameFromLabels(labels);
}

/** ASCII-lowercased name text: names compare without regard to case (RFC 4343). */
export function dnsNameKey(name: string): string {
  let lower = "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    lower += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : name[i];
  }
  return lower === "" ? "." : lower;
}

/** Whether two names are the same name (ASCII case-insensitive, RFC 4343). */
export function dnsNamesEqual(a: string, b: string): boolean {
  return a.length === b.length ? dnsNameKey(a) === dnsNameKey(b) : false;
}

/** Whether `name` is `zone` or below it (`www.example.com` is in `example.com`; everything is in "."). */
export function dnsNameInZone(name: string, zone: string): boolean {
  const n = dnsNameKey(name);
  const z = dnsNameKey(zone);
  if (z === ".") return true;
  return (
    n === z ||
    (n.endsWith(z) &&
      n.length > z.length &&
      n[n.length - z.length - 1] === "." &&
      !isEscaped(n, n.length - z.length - 1))
  );
}

/** Whether the character at `index` is escaped (an odd run of backslashes before it). */
function isEscaped(text: string, index: number): boolean {
  let slashes = 0;
  for (let i = index - 1; i >= 0 && text[i] === "\\"; i--) slashes++;
  return slashes % 2 === 1;
}

/** The name's text with the final dot, as dig prints owner names (`www.example.com.`; the root is `.`). */
export function absoluteDnsName(name: string): string {
  return name === "." ? "." : `${name}.`;
}

// -----------------------------------------------------------------------------------------------
// Parsing

/** A name read from the message: its text and where the bytes after it begin. */
interface ReadName {
  name: string;
  next: number;
}

/**
 * Reads a possibly compressed name at `offset` (RFC 1035 §4.1.4). Pointers must each point before
 * the previous jump's target (the first: before the name's own start), so reading ends after at most
 * as many jumps as there are octets before the name; the name may not exceed 255 octets.
 */
function readName(bytes: Uint8Array, offset: number, end: number): ReadName | ParseError {
  let text = "";
  let wire = 1;
  let at = offset;
  let next = -1;
  let limit = offset;
  let labels = 0;
  for (;;) {
    if (at >= end) return new ParseError("dns", "name runs past the end of the message", at);
    const length = bytes[at];
    const kind = length & 0xc0;
    if (kind === 0xc0) {
      if (at + 1 >= end) return new ParseError("dns", "compression pointer cut short", at);
      const target = ((length & 0x3f) << 8) | bytes[at + 1];
      if (next < 0) next = at + 2;
      if (target >= limit) {
        return new ParseError(
          "dns",
          `compression pointer at ${at} to ${target} does not point back before ${limit} (a loop or forward reference)`,
          at,
        );
      }
      limit = target;
      at = target;
      continue;
    }
    if (kind !== 0) {
      return new ParseError("dns", `label type 0x${kind.toString(16)} is not supported (RFC 6891 §5)`, at);
    }
    if (length === 0) {
      if (next < 0) next = at + 1;
      return { name: labels === 0 ? "." : text, next };
    }
    if (at + 1 + length > end) return new ParseError("dns", "label runs past the end of the message", at);
    wire += length + 1;
    if (wire > DNS_MAX_NAME_LENGTH) return new ParseError("dns", "name longer than 255 octets", at);
    text += (labels === 0 ? "" : ".") + labelText(bytes, at + 1, at + 1 + length);
    labels++;
    at += 1 + length;
  }
}

/** Section names, for error messages. */
const SECTIONS = ["question", "answer", "authority", "additional"];

/** Parses a DNS message (a UDP payload, or a TCP message without its 2-octet length). Never throws. */
export function parseDns(bytes: Uint8Array): DnsRepr | ParseError {
  if (bytes.length < DNS_HEADER_LENGTH) return headerTooShort(bytes.length);
  const flags = readUint16(bytes, DnsField.FLAGS);
  const repr: DnsRepr = {
    id: readUint16(bytes, DnsField.ID),
    response: (flags & FLAG_QR) !== 0,
    opcode: (flags >>> 11) & 0xf,
    authoritative: (flags & FLAG_AA) !== 0,
    truncated: (flags & FLAG_TC) !== 0,
    recursionDesired: (flags & FLAG_RD) !== 0,
    recursionAvailable: (flags & FLAG_RA) !== 0,
    zero: (flags & FLAG_Z) !== 0,
    authenticData: (flags & FLAG_AD) !== 0,
    checkingDisabled: (flags & FLAG_CD) !== 0,
    rcode: flags & 0xf,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
  const end = bytes.length;
  let at = DNS_HEADER_LENGTH;
  const qdcount = readUint16(bytes, DnsField.QDCOUNT);
  for (let i = 0; i < qdcount; i++) {
    const name = readName(bytes, at, end);
    if (name instanceof ParseError) return name;
    if (name.next + 4 > end) return new ParseError("dns", `question ${i + 1} is cut short`, name.next);
    repr.questions.push({
      name: name.name,
      type: readUint16(bytes, name.next),
      class: readUint16(bytes, name.next + 2),
    });
    at = name.next + 4;
  }
  const sections = [repr.answers, repr.authorities, repr.additionals];
  for (let s = 0; s < 3; s++) {
    const count = readUint16(bytes, DnsField.ANCOUNT + 2 * s);
    for (let i = 0; i < count; i++) {
      const record = readRecord(bytes, at, end, `${SECTIONS[s + 1]} record ${i + 1}`);
      if (record instanceof ParseError) return record;
      sections[s].push(record.record);
      at = record.next;
    }
  }
  return repr;
}

function readRecord(
  bytes: Uint8Array,
  at: number,
  end: number,
  what: string,
): { record: DnsRecord; next: number } | ParseError {
  const owner = readName(bytes, at, end);
  if (owner instanceof ParseError) return owner;
  let p = owner.next;
  if (p + 10 > end) return new ParseError("dns", `${what} is cut short`, p);
  const type = readUint16(bytes, p);
  const cls = readUint16(bytes, p + 2);
  const ttl = readUint32(bytes, p + 4);
  const rdlength = readUint16(bytes, p + 8);
  p += 10;
  if (p + rdlength > end) {
    return new ParseError("dns", `${what}: RDLENGTH ${rdlength} runs past the end of the message`, p - 2);
  }
  const data = readRdata(bytes, type, p, p + rdlength, what);
  if (data instanceof ParseError) return data;
  return { record: { name: owner.name, type, class: cls, ttl, data }, next: p + rdlength };
}

/** Reads RDATA in `bytes[start, end)`; names inside may point anywhere earlier in the message. */
function readRdata(
  bytes: Uint8Array,
  type: number,
  start: number,
  end: number,
  what: string,
): DnsRdata | ParseError {
  const length = end - start;
  const wrong = (reason: string) =>
    new ParseError("dns", `${what}: ${dnsTypeName(type)} RDATA ${reason}`, start);
  // A name inside RDATA: its uncompressed part must stay within RDLENGTH.
  const name = (at: number): ReadName | ParseError => readName(bytes, at, end);
  switch (type) {
    case DnsType.A:
      if (length !== 4) return wrong(`is ${length} octets, not 4`);
      return { kind: "a", address: Ipv4Address.fromBytes(bytes, start) };
    case DnsType.AAAA:
      if (length !== 16) return wrong(`is ${length} octets, not 16`);
      return { kind: "aaaa", address: Ipv6Address.fromBytes(bytes.slice(start, end)) };
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
    case DnsType.DNAME:
    case 3: // MD
    case 4: // MF
    case 7: // MB
    case 8: // MG
    case 9: {
      // MR
      const target = name(start);
      if (target instanceof ParseError) return target;
      if (target.next !== end) return wrong("has octets after the name");
      return { kind: "name", name: target.name };
    }
    case DnsType.MX: {
      if (length < 3) return wrong("is too short");
      const exchange = name(start + 2);
      if (exchange instanceof ParseError) return exchange;
      if (exchange.next !== end) return wrong("has octets after the name");
      return { kind: "mx", preference: readUint16(bytes, start), exchange: exchange.name };
    }
    case DnsType.TXT: {
      const strings: Uint8Array[] = [];
      let at = start;
      while (at < end) {
        const n = bytes[at];
        if (at + 1 + n > end) return wrong("has a character-string running past RDLENGTH");
        strings.push(bytes.slice(at + 1, at + 1 + n));
        at += 1 + n;
      }
      return { kind: "txt", strings };
    }
    case DnsType.SOA: {
      const mname = name(start);
      if (mname instanceof ParseError) return mname;
      const rname = name(mname.next);
      if (rname instanceof ParseError) return rname;
      if (rname.next + 20 !== end) return wrong("does not end with the five 32-bit counters");
      const n = rname.next;
      return {
        kind: "soa",
        mname: mname.name,
        rname: rname.name,
        serial: readUint32(bytes, n),
        refresh: readUint32(bytes, n + 4),
        retry: readUint32(bytes, n + 8),
        expire: readUint32(bytes, n + 12),
        minimum: readUint32(bytes, n + 16),
      };
    }
    case DnsType.SRV: {
      if (length < 7) return wrong("is too short");
      const target = name(start + 6);
      if (target instanceof ParseError) return target;
      if (target.next !== end) return wrong("has octets after the target");
      return {
        kind: "srv",
        priority: readUint16(bytes, start),
        weight: readUint16(bytes, start + 2),
        port: readUint16(bytes, start + 4),
        target: target.name,
      };
    }
    case DnsType.OPT: {
      const options: EdnsOption[] = [];
      let at = start;
      while (at < end) {
        if (at + 4 > end) return wrong("has an option header cut short");
        const code = readUint16(bytes, at);
        const n = readUint16(bytes, at + 2);
        if (at + 4 + n > end) return wrong(`option ${code} runs past RDLENGTH`);
        options.push({ code, data: bytes.slice(at + 4, at + 4 + n) });
        at += 4 + n;
      }
      return { kind: "opt", options };
    }
    default:
      return { kind: "raw", bytes: bytes.slice(start, end) };
  }
}

// -----------------------------------------------------------------------------------------------
// Emitting

/** RFC 3597 §4: names in RDATA may be compressed only for the types of RFC 1035. */
function compressibleRdata(type: number): boolean {
  return (
    (type >= 2 && type <= 9) ||
    type === DnsType.PTR ||
    type === 14 ||
    type === DnsType.MX ||
    type === DnsType.SOA
  );
}

export interface DnsEmitOptions {
  /** Compress names (default true). */
  compress?: boolean;
}

/**
 * Writes messages; with no buffer it only counts (for {@link dnsLength}). Suffixes already written
 * are remembered by their exact octets, so compression never changes a name's case.
 */
class DnsWriter {
  at = 0;
  private readonly suffixes: Map<string, number> | undefined;

  constructor(
    private readonly into: Uint8Array | undefined,
    compress: boolean,
  ) {
    this.suffixes = compress ? new Map() : undefined;
  }

  room(n: number): void {
    if (this.into && this.at + n > this.into.length) {
      throw new RangeError(`DNS message needs more than the ${this.into.length} bytes of the buffer`);
    }
  }

  u8(value: number): void {
    this.room(1);
    if (this.into) this.into[this.at] = value;
    this.at += 1;
  }
  u16(value: number): void {
    this.room(2);
    if (this.into) writeUint16(this.into, this.at, value);
    this.at += 2;
  }
  u32(value: number): void {
    this.room(4);
    if (this.into) writeUint32(this.into, this.at, value);
    this.at += 4;
  }
  bytes(data: Uint8Array): void {
    this.room(data.length);
    if (this.into) this.into.set(data, this.at);
    this.at += data.length;
  }

  name(text: string, compress: boolean): void {
    if (!this.plainName(text, compress)) this.escapedName(text, compress);
  }

  /**
   * The common case, without allocating: ASCII text with no escapes. The key of each suffix is the
   * text from that label on (two texts for the same octets would only miss a compression).
   * Returns false when the text needs the general path.
   */
  private plainName(text: string, compress: boolean): boolean {
    let end = text.length;
    if (end > 0 && text.charCodeAt(end - 1) === 0x2e) end--;
    if (end === 0) {
      this.u8(0);
      return true;
    }
    // Check first (labels 1-63 octets, name ≤ 255, no escapes or non-ASCII) so nothing is half written.
    let labelLength = 0;
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c || c >= 0x80) return false;
      if (c === 0x2e) {
        if (labelLength === 0) return false;
        labelLength = 0;
      } else if (++labelLength > DNS_MAX_LABEL_LENGTH) return false;
    }
    if (labelLength === 0 || end + 2 > DNS_MAX_NAME_LENGTH) return false;
    const suffixes = this.suffixes;
    let start = 0;
    while (start < end) {
      if (suffixes) {
        const key = start === 0 && end === text.length ? text : text.slice(start, end);
        const known = compress ? suffixes.get(key) : undefined;
        if (known !== undefined) {
          this.u16(0xc000 | known);
          return true;
        }
        // Remember where this suffix starts, if a pointer (14 bits) can reach it.
        if (this.at < 0x4000 && !suffixes.has(key)) suffixes.set(key, this.at);
      }
      let dot = text.indexOf(".", start);
      if (dot < 0 || dot > end) dot = end;
      this.u8(dot - start);
      this.room(dot - start);
      if (this.into) for (let i = start; i < dot; i++) this.into[this.at + i - start] = text.charCodeAt(i);
      this.at += dot - start;
      start = dot + 1;
    }
    this.u8(0);
    return true;
  }

  /** Names with escapes or non-ASCII octets: through their labels, keyed by canonical text. */
  private escapedName(text: string, compress: boolean): void {
    const labels = dnsNameLabels(text);
    if (typeof labels === "string") throw new RangeError(`cannot emit name: ${labels}`);
    const suffixes = this.suffixes;
    for (let i = 0; i < labels.length; i++) {
      if (suffixes) {
        const key = dnsNameFromLabels(labels.slice(i));
        const known = compress ? suffixes.get(key) : undefined;
        if (known !== undefined) {
          this.u16(0xc000 | known);
          return;
        }
        if (this.at < 0x4000 && !suffixes.has(key)) suffixes.set(key, this.at);
      }
      this.u8(labels[i].length);
      this.bytes(labels[i]);
    }
    this.u8(0);
  }
}

function writeMessage(repr: DnsRepr, w: DnsWriter): void {
  w.u16(repr.id);
  w.u16(
    (repr.response ? FLAG_QR : 0) |
      ((repr.opcode & 0xf) << 11) |
      (repr.authoritative ? FLAG_AA : 0) |
      (repr.truncated ? FLAG_TC : 0) |
      (repr.recursionDesired ? FLAG_RD : 0) |
      (repr.recursionAvailable ? FLAG_RA : 0) |
      (repr.zero ? FLAG_Z : 0) |
      (repr.authenticData ? FLAG_AD : 0) |
      (repr.checkingDisabled ? FLAG_CD : 0) |
      (repr.rcode & 0xf),
  );
  for (const count of [
    repr.questions.length,
    repr.answers.length,
    repr.authorities.length,
    repr.additionals.length,
  ]) {
    if (count > 0xffff) throw new RangeError(`a section of ${count} entries exceeds 65535`);
    w.u16(count);
  }
  for (const question of repr.questions) {
    w.name(question.name, true);
    w.u16(question.type);
    w.u16(question.class);
  }
  for (const section of [repr.answers, repr.authorities, repr.additionals]) {
    for (const record of section) writeRecord(record, w);
  }
}

function writeRecord(record: DnsRecord, w: DnsWriter): void {
  w.name(record.name, true);
  w.u16(record.type);
  w.u16(record.class);
  w.u32(record.ttl);
  const lengthAt = w.at;
  w.u16(0);
  const start = w.at;
  const data = record.data;
  const compress = compressibleRdata(record.type);
  switch (data.kind) {
    case "a":
      w.u32(data.address.value);
      break;
    case "aaaa":
      w.bytes(data.address.bytes);
      break;
    case "name":
      w.name(data.name, compress);
      break;
    case "mx":
      w.u16(data.preference);
      w.name(data.exchange, compress);
      break;
    case "txt":
      for (const s of data.strings) {
        if (s.length > 255) throw new RangeError("a TXT character-string exceeds 255 octets");
        w.u8(s.length);
        w.bytes(s);
      }
      break;
    case "soa":
      w.name(data.mname, compress);
      w.name(data.rname, compress);
      w.u32(data.serial);
      w.u32(data.refresh);
      w.u32(data.retry);
      w.u32(data.expire);
      w.u32(data.minimum);
      break;
    case "srv":
      w.u16(data.priority);
      w.u16(data.weight);
      w.u16(data.port);
      w.name(data.target, false);
      break;
    case "opt":
      for (const option of data.options) {
        w.u16(option.code);
        w.u16(option.data.length);
        w.bytes(option.data);
      }
      break;
    case "raw":
      w.bytes(data.bytes);
      break;
  }
  const rdlength = w.at - start;
  if (rdlength > 0xffff) throw new RangeError(`RDATA of ${rdlength} octets exceeds 65535`);
  const end = w.at;
  w.at = lengthAt;
  w.u16(rdlength);
  w.at = end;
}

/** Octets {@link emitDns} writes for `repr` (with the same compression setting). */
export function dnsLength(repr: DnsRepr, options: DnsEmitOptions = {}): number {
  const w = new DnsWriter(undefined, options.compress ?? true);
  writeMessage(repr, w);
  return w.at;
}

/**
 * Writes the message at the start of `into`, compressing names unless told not to, and returns
 * its length. Throws a RangeError (a caller bug) when `into` is too small or a name or field is
 * invalid.
 */
export function emitDns(repr: DnsRepr, into: Uint8Array, options: DnsEmitOptions = {}): number {
  const w = new DnsWriter(into, options.compress ?? true);
  writeMessage(repr, w);
  return w.at;
}

/** A fresh Uint8Array holding the message. */
export function encodeDns(repr: DnsRepr, options: DnsEmitOptions = {}): Uint8Array {
  // One pass into a scratch buffer as large as any DNS message (65535 octets over TCP), then a copy.
  scratch ??= new Uint8Array(0xffff);
  const length = emitDns(repr, scratch, options);
  return scratch.slice(0, length);
}

let scratch: Uint8Array | undefined;

// -----------------------------------------------------------------------------------------------
// EDNS (RFC 6891)

export interface EdnsInfo {
  /** The largest UDP payload the sender can reassemble (the OPT record's CLASS). */
  udpPayloadSize: number;
  /** The upper 8 bits of the 12-bit RCODE. */
  extendedRcode: number;
  version: number;
  /** DO: the sender wants DNSSEC records (RFC 3225). */
  dnssecOk: boolean;
  options: EdnsOption[];
}

/** The EDNS information of the message's OPT record, if it has one. */
export function dnsEdns(repr: DnsRepr): EdnsInfo | undefined {
  const opt = repr.additionals.find((r) => r.type === DnsType.OPT);
  if (!opt) return undefined;
  return {
    udpPayloadSize: opt.class,
    extendedRcode: opt.ttl >>> 24,
    version: (opt.ttl >>> 16) & 0xff,
    dnssecOk: (opt.ttl & 0x8000) !== 0,
    options: opt.data.kind === "opt" ? opt.data.options : [],
  };
}

/** An OPT pseudo-record for the additional section. */
export function ednsRecord(info: Partial<EdnsInfo> = {}): DnsRecord {
  return {
    name: ".",
    type: DnsType.OPT,
    class: info.udpPayloadSize ?? 1232,
    ttl:
      (((info.extendedRcode ?? 0) << 24) | ((info.version ?? 0) << 16) | (info.dnssecOk ? 0x8000 : 0)) >>> 0,
    data: { kind: "opt", options: info.options ?? [] },
  };
}

/** The 12-bit response code: the header's four bits and EDNS's extension (RFC 6891 §6.1.3). */
export function dnsFullRcode(repr: DnsRepr): number {
  const edns = dnsEdns(repr);
  return ((edns?.extendedRcode ?? 0) << 4) | repr.rcode;
}

// -----------------------------------------------------------------------------------------------
// Presentation (master-file text, as dig prints records)

function characterString(bytes: Uint8Array): string {
  let text = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) text += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b >= 0x7f) text += `\\${b.toString().padStart(3, "0")}`;
    else text += String.fromCharCode(b);
  }
  return `${text}"`;
}

function hexString(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** RDATA in master-file form, as dig prints it (`10 mail.example.com.`; RFC 3597 `\# 4 0a000001`). */
export function formatDnsRdata(record: DnsRecord): string {
  const data = record.data;
  switch (data.kind) {
    case "a":
    case "aaaa":
      return data.address.toString();
    case "name":
      return absoluteDnsName(data.name);
    case "mx":
      return `${data.preference} ${absoluteDnsName(data.exchange)}`;
    case "txt":
      return data.strings.map(characterString).join(" ");
    case "soa":
      return `${absoluteDnsName(data.mname)} ${absoluteDnsName(data.rname)} ${data.serial} ${data.refresh} ${data.retry} ${data.expire} ${data.minimum}`;
    case "srv":
      return `${data.priority} ${data.weight} ${data.port} ${absoluteDnsName(data.target)}`;
    case "opt":
      return data.options.map((o) => `${o.code}:${hexString(o.data)}`).join(" ");
    case "raw":
      return data.bytes.length === 0 ? "\\# 0" : `\\# ${data.bytes.length} ${hexString(data.bytes)}`;
  }
}

/** A record as one line of dig's answer section: `www.example.com.\t300\tIN\tA\t192.0.2.1`. */
export function formatDnsRecord(record: DnsRecord): string {
  return `${absoluteDnsName(record.name)}\t${record.ttl}\t${dnsClassName(record.class)}\t${dnsTypeName(record.type)}\t${formatDnsRdata(record)}`;
}

/** A question as dig prints it: `;www.example.com.\t\tIN\tA`. */
export function formatDnsQuestion(question: DnsQuestion): string {
  return `;${absoluteDnsName(question.name)}\t\t${dnsClassName(question.class)}\t${dnsTypeName(question.type)}`;
}

/**
 * The one-line summary tshark prints: "Standard query 0x1234 A www.example.com" or "Standard query
 * response 0x1234 A www.example.com A 192.0.2.1" (with the error name when the RCODE is not 0).
 */
export function dnsSummary(repr: DnsRepr): string {
  const kind = repr.opcode === 0 ? "Standard query" : `${dnsOpcodeName(repr.opcode)} query`;
  let text = `${kind}${repr.response ? " response" : ""} 0x${repr.id.toString(16).padStart(4, "0")}`;
  const rcode = dnsFullRcode(repr);
  if (repr.response && rcode !== 0) text += ` ${rcodeSummary(rcode)}`;
  for (const q of repr.questions) text += ` ${dnsTypeName(q.type)} ${q.name === "." ? "<Root>" : q.name}`;
  for (const r of repr.answers) {
    if (r.type === DnsType.OPT) continue;
    text += ` ${dnsTypeName(r.type)}`;
    const d = r.data;
    if (d.kind === "a" || d.kind === "aaaa") text += ` ${d.address}`;
    else if (d.kind === "name") text += ` ${d.name}`;
    else if (d.kind === "mx") text += ` ${d.exchange}`;
    else if (d.kind === "srv") text += ` ${d.target}`;
  }
  if (repr.answers.length === 0) {
    for (const r of repr.authorities) {
      if (r.data.kind === "soa") text += ` SOA ${r.data.mname}`;
    }
  }
  return text;
}

function rcodeSummary(rcode: number): string {
  switch (rcode) {
    case 1:
      return "Format error";
    case 2:
      return "Server failure";
    case 3:
      return "No such name";
    case 4:
      return "Not implemented";
    case 5:
      return "Refused";
    default:
      return dnsRcodeName(rcode);
  }
}

/** Explains a message field by field; records appear as children of their section. */
export function describeDns(repr: DnsRepr): LayerDescription {
  const flags: FieldDescription[] = [
    {
      name: "Response (QR)",
      value: repr.response ? "1" : "0",
      meaning: repr.response ? "a response" : "a query",
    },
    { name: "Opcode", value: `${dnsOpcodeName(repr.opcode)} (${repr.opcode})` },
    {
      name: "Authoritative (AA)",
      value: repr.authoritative ? "1" : "0",
      meaning: repr.authoritative ? "from a server authoritative for the name" : undefined,
    },
    {
      name: "Truncated (TC)",
      value: repr.truncated ? "1" : "0",
      meaning: repr.truncated ? "cut to fit: ask again over TCP" : undefined,
    },
    {
      name: "Recursion desired (RD)",
      value: repr.recursionDesired ? "1" : "0",
      meaning: repr.recursionDesired ? "please resolve the whole name for me" : undefined,
    },
    {
      name: "Recursion available (RA)",
      value: repr.recursionAvailable ? "1" : "0",
      meaning: repr.recursionAvailable ? "this server resolves names for its clients" : undefined,
    },
    { name: "Z", value: repr.zero ? "1" : "0", meaning: "reserved, zero" },
    { name: "Authentic data (AD)", value: repr.authenticData ? "1" : "0" },
    { name: "Checking disabled (CD)", value: repr.checkingDisabled ? "1" : "0" },
    {
      name: "Reply code",
      value: `${dnsRcodeName(repr.rcode)} (${repr.rcode})`,
      meaning: repr.response ? rcodeMeaning(dnsFullRcode(repr)) : undefined,
    },
  ];
  const flagBits =
    (repr.response ? FLAG_QR : 0) |
    ((repr.opcode & 0xf) << 11) |
    (repr.authoritative ? FLAG_AA : 0) |
    (repr.truncated ? FLAG_TC : 0) |
    (repr.recursionDesired ? FLAG_RD : 0) |
    (repr.recursionAvailable ? FLAG_RA : 0) |
    (repr.zero ? FLAG_Z : 0) |
    (repr.authenticData ? FLAG_AD : 0) |
    (repr.checkingDisabled ? FLAG_CD : 0) |
    (repr.rcode & 0xf);
  const recordFields = (records: DnsRecord[]): FieldDescription[] =>
    records.map((r) => {
      if (r.type === DnsType.OPT) {
        const edns = {
          udpPayloadSize: r.class,
          version: (r.ttl >>> 16) & 0xff,
          dnssecOk: (r.ttl & 0x8000) !== 0,
        };
        return {
          name: "OPT (EDNS)",
          value: `UDP payload size ${edns.udpPayloadSize}, version ${edns.version}${edns.dnssecOk ? ", DO" : ""}`,
          meaning: "extends DNS: bigger UDP answers, more flags and options (RFC 6891)",
          children:
            r.data.kind === "opt"
              ? r.data.options.map((o) => ({
                  name: `Option ${o.code}`,
                  value: hexString(o.data) || "(empty)",
                }))
              : undefined,
        };
      }
      return {
        name: `${absoluteDnsName(r.name)} ${dnsTypeName(r.type)}`,
        value: formatDnsRdata(r),
        meaning: `class ${dnsClassName(r.class)}, may be cached for ${r.ttl} s`,
      };
    });
  const fields: FieldDescription[] = [
    {
      name: "Transaction ID",
      value: hex(repr.id, 4),
      meaning: "chosen by the client; the response carries it back",
      offset: DnsField.ID,
      length: 2,
    },
    { name: "Flags", value: hex(flagBits, 4), offset: DnsField.FLAGS, length: 2, children: flags },
    { name: "Questions", value: String(repr.questions.length), offset: DnsField.QDCOUNT, length: 2 },
    { name: "Answer RRs", value: String(repr.answers.length), offset: DnsField.ANCOUNT, length: 2 },
    { name: "Authority RRs", value: String(repr.authorities.length), offset: DnsField.NSCOUNT, length: 2 },
    { name: "Additional RRs", value: String(repr.additionals.length), offset: DnsField.ARCOUNT, length: 2 },
  ];
  if (repr.questions.length > 0) {
    fields.push({
      name: "Queries",
      value: String(repr.questions.length),
      children: repr.questions.map((q) => ({
        name: absoluteDnsName(q.name),
        value: `type ${dnsTypeName(q.type)}, class ${dnsClassName(q.class)}`,
      })),
    });
  }
  if (repr.answers.length > 0)
    fields.push({
      name: "Answers",
      value: String(repr.answers.length),
      children: recordFields(repr.answers),
    });
  if (repr.authorities.length > 0) {
    fields.push({
      name: "Authoritative nameservers",
      value: String(repr.authorities.length),
      meaning: "who is authoritative, or the SOA that says how long a negative answer may be cached",
      children: recordFields(repr.authorities),
    });
  }
  if (repr.additionals.length > 0) {
    fields.push({
      name: "Additional records",
      value: String(repr.additionals.length),
      children: recordFields(repr.additionals),
    });
  }
  return {
    ...OSI_APPLICATION,
    layer: "dns",
    title: "Domain Name System",
    summary: dnsSummary(repr),
    fields,
  };
}

function rcodeMeaning(rcode: number): string {
  switch (rcode) {
    case 0:
      return "no error";
    case 1:
      return "the server could not understand the query";
    case 2:
      return "the server failed to answer (e.g. no authoritative server answered it)";
    case 3:
      return "the name does not exist";
    case 4:
      return "the server does not do that kind of query";
    case 5:
      return "the server will not answer this client";
    default:
      return dnsRcodeName(rcode);
  }
}
