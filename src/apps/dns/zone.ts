/**
 * A DNS zone (RFC 1034 §4.2, RFC 1035 §5): the records an authoritative server holds for the names
 * at and below its origin, and the lookup that answers a question from them (RFC 1034 §4.3.2).
 *
 * Records are given as master-file text (`{name: www, type: CNAME, value: web1}`): names without a
 * final dot are relative to the origin, `@` is the origin itself. A zone always has an SOA (made up
 * when none is given) whose MINIMUM is the negative-caching TTL (RFC 2308 §4).
 */
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { Ipv6Address } from "../../wire/address/ipv6.js";
import {
  canonicalDnsName,
  DnsClass,
  type DnsRdata,
  type DnsRecord,
  DnsType,
  dnsNameInZone,
  dnsNameKey,
  dnsTypeFromName,
  dnsTypeName,
} from "../../wire/dns.js";

/** A record as written in a topology file or in code. */
export interface ZoneRecordText {
  /** Owner: relative to the origin, `@` for the origin, or absolute with a final dot. */
  name: string;
  /** Type mnemonic ("A", "MX", "TYPE65280") or number. */
  type: string | number;
  /** RDATA in master-file form: "192.0.2.1", "10 mail", "\"v=spf1 -all\"", "\\# 2 abcd". */
  value: string;
  ttl?: number;
}

export interface ZoneOptions {
  origin: string;
  /** Default TTL of the records (default 300 s). */
  ttl?: number;
  /** The SOA's MNAME (primary server), default `ns1.<origin>`. */
  primary?: string;
  /** The SOA's RNAME (admin mailbox as a name), default `hostmaster.<origin>`. */
  admin?: string;
  serial?: number;
  /** Negative-caching TTL (SOA MINIMUM, RFC 2308), default 60 s. */
  negativeTtl?: number;
  records?: readonly ZoneRecordText[];
}

/** What a lookup in a zone found (RFC 1034 §4.3.2 step 3). */
export type ZoneAnswer =
  /** Records of the asked type (possibly after CNAMEs inside the zone). */
  | { kind: "answer"; records: DnsRecord[] }
  /** A CNAME whose target lies outside this zone: the chain so far; the rest is the resolver's job. */
  | { kind: "cname"; records: DnsRecord[]; target: string }
  /** The name is delegated to other servers: their NS records and the glue addresses we know. */
  | { kind: "referral"; ns: DnsRecord[]; glue: DnsRecord[]; cname: DnsRecord[] }
  /** The name exists but has no record of the type (NOERROR, empty answer, SOA in authority). */
  | { kind: "nodata"; soa: DnsRecord; cname: DnsRecord[] }
  /** The name does not exist (NXDOMAIN, SOA in authority). */
  | { kind: "nxdomain"; soa: DnsRecord; cname: DnsRecord[] };

/** Longest CNAME chain followed inside one zone (loops end here too). */
const MAX_CNAME_CHAIN = 16;

export class Zone {
  readonly origin: string;
  readonly defaultTtl: number;
  /** Records by owner name key, then in insertion order. */
  private readonly names = new Map<string, DnsRecord[]>();
  /** Names that exist only as ancestors of owners (empty non-terminals, RFC 8020). */
  private readonly ancestors = new Set<string>();
  soa: DnsRecord;

  constructor(options: ZoneOptions) {
    const origin = canonicalDnsName(options.origin);
    if (origin === undefined) throw new RangeError(`invalid zone origin "${options.origin}"`);
    this.origin = origin;
    this.defaultTtl = options.ttl ?? 300;
    const negative = options.negativeTtl ?? 60;
    this.soa = {
      name: origin,
      type: DnsType.SOA,
      class: DnsClass.IN,
      ttl: this.defaultTtl,
      data: {
        kind: "soa",
        mname: this.absolute(options.primary ?? "ns1"),
        rname: this.absolute(options.admin ?? "hostmaster"),
        serial: options.serial ?? 1,
        refresh: 3600,
        retry: 600,
        expire: 604800,
        minimum: negative,
      },
    };
    for (const record of options.records ?? []) this.addText(record);
    if (!this.names.get(dnsNameKey(origin))?.some((r) => r.type === DnsType.SOA)) this.add(this.soa);
  }

  /** A name relative to the origin made absolute (`www` → `www.lab.example`, `@` → the origin). */
  absolute(name: string): string {
    if (name === "@" || name === "") return this.origin;
    if (name.endsWith(".") && !name.endsWith("\\.")) {
      const canonical = canonicalDnsName(name);
      if (canonical === undefined) throw new RangeError(`invalid name "${name}"`);
      return canonical;
    }
    const full = this.origin === "." ? name : `${name}.${this.origin}`;
    const canonical = canonicalDnsName(full);
    if (canonical === undefined) throw new RangeError(`invalid name "${name}" in zone ${this.origin}`);
    return canonical;
  }

  /** Adds a record given as text; throws a RangeError explaining what is wrong. */
  addText(record: ZoneRecordText): DnsRecord {
    const type = typeof record.type === "number" ? record.type : dnsTypeFromName(record.type);
    if (type === undefined) throw new RangeError(`unknown record type "${record.type}"`);
    const name = this.absolute(record.name);
    const data = rdataFromText(type, record.value, (n) => this.absolute(n));
    return this.add({ name, type, class: DnsClass.IN, ttl: record.ttl ?? this.defaultTtl, data });
  }

  /** Adds a record (its owner must be in the zone). */
  add(record: DnsRecord): DnsRecord {
    if (!dnsNameInZone(record.name, this.origin)) {
      throw new RangeError(`${record.name} is not in zone ${this.origin}`);
    }
    const key = dnsNameKey(record.name);
    const list = this.names.get(key);
    if (record.type === DnsType.SOA) {
      if (key !== dnsNameKey(this.origin)) throw new RangeError("an SOA record belongs at the zone's origin");
      this.soa = record;
    }
    // RFC 1034 §3.6.2 / RFC 2181 §10.1: a CNAME owner has no other data.
    if (list && (record.type === DnsType.CNAME) !== list.every((r) => r.type === DnsType.CNAME)) {
      throw new RangeError(`${record.name} cannot have a CNAME and other records`);
    }
    if (list) {
      if (list.some((r) => r.type === record.type && sameRdata(r.data, record.data))) return record;
      if (record.type === DnsType.SOA) {
        const i = list.findIndex((r) => r.type === DnsType.SOA);
        if (i >= 0) list.splice(i, 1);
      }
      list.push(record);
    } else this.names.set(key, [record]);
    this.addAncestors(record.name);
    return record;
  }

  /**
   * Removes the record with `record`'s owner, type and data (a dynamic update's delete, RFC 2136
   * §2.5.4); true if it was there. The SOA stays. A name left with no records stops existing, and
   * so do the empty non-terminals only it held up.
   */
  remove(record: DnsRecord): boolean {
    if (record.type === DnsType.SOA) return false;
    const key = dnsNameKey(record.name);
    const list = this.names.get(key);
    const i = list ? list.findIndex((r) => r.type === record.type && sameRdata(r.data, record.data)) : -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) {
      this.names.delete(key);
      this.ancestors.clear();
      for (const records of this.names.values()) this.addAncestors(records[0].name);
    }
    return true;
  }

  /**
   * Adds one to the SOA serial (RFC 1982 arithmetic), as a change to the zone's data must (RFC
   * 1996 §2, RFC 2136 §3.6), so secondaries and caches comparing serials see it.
   */
  bumpSerial(): void {
    const soa = this.soa;
    if (soa.data.kind !== "soa") return;
    const next: DnsRecord = { ...soa, data: { ...soa.data, serial: (soa.data.serial + 1) >>> 0 } };
    const list = this.names.get(dnsNameKey(this.origin));
    const i = list ? list.indexOf(soa) : -1;
    if (list && i >= 0) list[i] = next;
    this.soa = next;
  }

  /** Every name between `owner` and the origin exists (as an empty non-terminal at least). */
  private addAncestors(owner: string): void {
    const parts = splitName(owner);
    const originDepth = splitName(this.origin).length;
    for (let i = 1; i < parts.length - originDepth; i++)
      this.ancestors.add(dnsNameKey(parts.slice(i).join(".")));
  }

  /** All records, in owner order. */
  records(): DnsRecord[] {
    return [...this.names.values()].flat();
  }

  /** The records at `name` (any type). */
  at(name: string): DnsRecord[] {
    return this.names.get(dnsNameKey(name)) ?? [];
  }

  /** The SOA record to put in the authority section of a negative answer, with its TTL (RFC 2308 §3). */
  get negativeSoa(): DnsRecord {
    const soa = this.soa;
    const minimum = soa.data.kind === "soa" ? soa.data.minimum : 0;
    return { ...soa, ttl: Math.min(soa.ttl, minimum) };
  }

  /**
   * Answers `name`/`type` from this zone (RFC 1034 §4.3.2 step 3): a delegation below the origin
   * gives a referral, an exact match its records (following CNAMEs that stay in the zone), a
   * wildcard (RFC 4592) a synthesized answer, and otherwise NODATA or NXDOMAIN.
   */
  lookup(name: string, type: number): ZoneAnswer {
    const chain: DnsRecord[] = [];
    let current = name;
    for (let hops = 0; hops <= MAX_CNAME_CHAIN; hops++) {
      const cut = this.delegation(current);
      if (cut) return { kind: "referral", ns: cut, glue: this.glue(cut), cname: chain };
      let records = this.at(current);
      if (records.length === 0) {
        const wildcard = this.wildcard(current);
        if (wildcard) records = wildcard.map((r) => ({ ...r, name: current }));
      }
      if (records.length === 0) {
        return this.ancestors.has(dnsNameKey(current))
          ? { kind: "nodata", soa: this.negativeSoa, cname: chain }
          : { kind: "nxdomain", soa: this.negativeSoa, cname: chain };
      }
      const wanted = type === DnsType.ANY ? records : records.filter((r) => r.type === type);
      if (wanted.length > 0) return { kind: "answer", records: [...chain, ...wanted] };
      const cname = records.find((r) => r.type === DnsType.CNAME);
      if (cname?.data.kind !== "name") return { kind: "nodata", soa: this.negativeSoa, cname: chain };
      chain.push(cname);
      current = cname.data.name;
      if (!dnsNameInZone(current, this.origin)) return { kind: "cname", records: chain, target: current };
    }
    // A CNAME loop inside the zone: give what we have (resolvers detect loops, RFC 1034 §3.6.2).
    return { kind: "cname", records: chain, target: current };
  }

  /** NS records of the closest zone cut between `name` and the origin (excluding the origin). */
  private delegation(name: string): DnsRecord[] | undefined {
    if (!dnsNameInZone(name, this.origin)) return undefined;
    const parts = splitName(name);
    const originDepth = this.origin === "." ? 0 : splitName(this.origin).length;
    // From the top down: the highest cut below the origin wins.
    for (let i = parts.length - originDepth - 1; i >= 0; i--) {
      const candidate = parts.slice(i).join(".");
      const ns = this.at(candidate).filter((r) => r.type === DnsType.NS);
      if (ns.length > 0) return ns;
    }
    return undefined;
  }

  /** Addresses of in-zone name servers (glue) for a referral. */
  private glue(ns: DnsRecord[]): DnsRecord[] {
    const glue: DnsRecord[] = [];
    for (const record of ns) {
      if (record.data.kind !== "name") continue;
      for (const r of this.at(record.data.name))
        if (r.type === DnsType.A || r.type === DnsType.AAAA) glue.push(r);
    }
    return glue;
  }

  /** RFC 4592: `*.<closest encloser>` answers for names below it that do not exist. */
  private wildcard(name: string): DnsRecord[] | undefined {
    const parts = splitName(name);
    for (let i = 1; i < parts.length; i++) {
      const encloser = parts.slice(i).join(".");
      if (!dnsNameInZone(encloser, this.origin)) return undefined;
      const key = dnsNameKey(encloser);
      if (this.names.has(key) || this.ancestors.has(key) || key === dnsNameKey(this.origin)) {
        const star = this.at(`*.${encloser}`);
        return star.length > 0 ? star : undefined;
      }
    }
    return undefined;
  }
}

/** Splits canonical name text at unescaped dots. */
export function splitName(name: string): string[] {
  if (name === ".") return [];
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === "\\" && i + 1 < name.length) {
      current += c + name[i + 1];
      i++;
    } else if (c === ".") {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function sameRdata(a: DnsRdata, b: DnsRdata): boolean {
  return JSON.stringify(a, rdataJson) === JSON.stringify(b, rdataJson);
}

function rdataJson(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Ipv4Address || value instanceof Ipv6Address) return value.toString();
  return value;
}

/** Splits master-file RDATA text into fields, honouring "quoted strings" and \ escapes. */
function fields(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let field = "";
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) {
          field += text[i] + text[i + 1];
          i += 2;
        } else field += text[i++];
      }
      i++;
      out.push(`"${field}`);
    } else {
      while (i < text.length && !/\s/.test(text[i])) field += text[i++];
      out.push(field);
    }
  }
  return out;
}

/** A character-string's octets from its text (quotes removed, `\"`, `\\` and `\DDD` understood). */
function characterString(text: string): Uint8Array {
  const body = text.startsWith('"') ? text.slice(1) : text;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "\\" && /^\d{3}$/.test(body.slice(i + 1, i + 4))) {
      bytes.push(Number(body.slice(i + 1, i + 4)) & 0xff);
      i += 3;
    } else if (body[i] === "\\" && i + 1 < body.length) {
      bytes.push(...encoder.encode(body[i + 1]));
      i++;
    } else bytes.push(...encoder.encode(body[i]));
  }
  if (bytes.length > 255) throw new RangeError("a character-string is longer than 255 octets");
  return Uint8Array.from(bytes);
}

function uint(text: string | undefined, max: number, what: string): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) > max) {
    throw new RangeError(`expected ${what} (0-${max}), found "${text ?? ""}"`);
  }
  return Number(text);
}

/**
 * RDATA from master-file text (RFC 1035 §5.1; RFC 3597 `\# length hex` for any type). `name`
 * makes relative names absolute. Throws a RangeError saying what was expected.
 */
export function rdataFromText(type: number, text: string, name: (relative: string) => string): DnsRdata {
  const f = fields(text.trim());
  if (f[0] === "\\#") {
    const length = uint(f[1], 0xffff, "an RDATA length");
    const hex = f.slice(2).join("");
    if (!/^([0-9a-fA-F]{2})*$/.test(hex) || hex.length / 2 !== length) {
      throw new RangeError(`"\\# ${length}" must be followed by ${length} octets in hex`);
    }
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return { kind: "raw", bytes };
  }
  const want = (n: number, shape: string) => {
    if (f.length !== n) throw new RangeError(`${dnsTypeName(type)} expects "${shape}", found "${text}"`);
  };
  switch (type) {
    case DnsType.A: {
      want(1, "an IPv4 address");
      const address = Ipv4Address.tryParse(f[0]);
      if (!address) throw new RangeError(`A expects an IPv4 address, found "${text}"`);
      return { kind: "a", address };
    }
    case DnsType.AAAA: {
      want(1, "an IPv6 address");
      const address = Ipv6Address.tryParse(f[0]);
      if (!address) throw new RangeError(`AAAA expects an IPv6 address, found "${text}"`);
      return { kind: "aaaa", address };
    }
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
    case DnsType.DNAME:
      want(1, "a domain name");
      return { kind: "name", name: name(f[0]) };
    case DnsType.MX:
      want(2, "preference exchange");
      return { kind: "mx", preference: uint(f[0], 0xffff, "a preference"), exchange: name(f[1]) };
    case DnsType.TXT:
      if (f.length === 0) throw new RangeError("TXT expects one or more strings");
      return { kind: "txt", strings: f.map(characterString) };
    case DnsType.SRV:
      want(4, "priority weight port target");
      return {
        kind: "srv",
        priority: uint(f[0], 0xffff, "a priority"),
        weight: uint(f[1], 0xffff, "a weight"),
        port: uint(f[2], 0xffff, "a port"),
        target: name(f[3]),
      };
    case DnsType.SOA:
      want(7, "mname rname serial refresh retry expire minimum");
      return {
        kind: "soa",
        mname: name(f[0]),
        rname: name(f[1]),
        serial: uint(f[2], 0xffffffff, "a serial"),
        refresh: uint(f[3], 0xffffffff, "a refresh time"),
        retry: uint(f[4], 0xffffffff, "a retry time"),
        expire: uint(f[5], 0xffffffff, "an expire time"),
        minimum: uint(f[6], 0xffffffff, "a minimum TTL"),
      };
    default:
      throw new RangeError(`${dnsTypeName(type)} records are written in RFC 3597 form: "\\# length hex"`);
  }
}

/** The reverse-lookup name of an IPv4 address (RFC 1035 §3.5): 10.0.1.5 → 5.1.0.10.in-addr.arpa. */
export function reverseName(address: Ipv4Address | Ipv6Address): string {
  if (address.version === 4) {
    const v = address.value;
    return `${v & 0xff}.${(v >>> 8) & 0xff}.${(v >>> 16) & 0xff}.${v >>> 24}.in-addr.arpa`;
  }
  // RFC 3596 §2.5: nibbles, least significant first, under ip6.arpa.
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) {
    nibbles.push((address.bytes[i] & 0xf).toString(16), (address.bytes[i] >>> 4).toString(16));
  }
  return `${nibbles.join(".")}.ip6.arpa`;
}
