/**
 * A DNS cache in virtual time (RFC 1034 §4.3.4, RFC 2181 §5 and §8, RFC 2308): whole RRsets keyed
 * by name, type and class, each kept for its TTL, and negative answers (NXDOMAIN and NODATA) kept
 * for the SOA's TTL or MINIMUM, whichever is less. Records come back with their TTLs counted down.
 *
 * Bounded: beyond `maxEntries`, the entry inserted longest ago goes first (a Map keeps insertion
 * order), so a resolver under a flood of distinct names holds a fixed amount of memory.
 */
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { DnsRcode, type DnsRecord, dnsNameKey } from "../../wire/dns.js";

export type CacheEntry =
  | { kind: "records"; records: DnsRecord[]; expires: Nanoseconds }
  /** NXDOMAIN (the name does not exist, so no type does) or NODATA (this type does not). */
  | { kind: "negative"; rcode: number; soa: DnsRecord | undefined; expires: Nanoseconds };

export interface CacheStats {
  hits: number;
  misses: number;
  inserts: number;
  evictions: number;
}

export interface DnsCacheOptions {
  maxEntries?: number;
  /** Upper bound on any TTL (BIND's max-cache-ttl; default one day). */
  maxTtl?: number;
  /** Upper bound on negative TTLs (BIND's max-ncache-ttl; default three hours, RFC 2308 §5). */
  maxNegativeTtl?: number;
}

export class DnsCache {
  private readonly entries = new Map<string, CacheEntry>();
  readonly stats: CacheStats = { hits: 0, misses: 0, inserts: 0, evictions: 0 };
  private readonly maxEntries: number;
  private readonly maxTtl: number;
  private readonly maxNegativeTtl: number;

  constructor(
    private readonly clock: { readonly now: Nanoseconds },
    options: DnsCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxTtl = options.maxTtl ?? 86_400;
    this.maxNegativeTtl = options.maxNegativeTtl ?? 10_800;
  }

  get size(): number {
    return this.entries.size;
  }

  private static key(name: string, type: number, cls: number): string {
    return `${dnsNameKey(name)}|${type}|${cls}`;
  }

  /** NXDOMAIN is cached for every type of the name: this key. */
  private static nameKey(name: string, cls: number): string {
    return `${dnsNameKey(name)}|*|${cls}`;
  }

  private insert(key: string, entry: CacheEntry): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        this.entries.delete(oldest);
        this.stats.evictions++;
      }
    }
    this.entries.set(key, entry);
    this.stats.inserts++;
  }

  /**
   * Caches an RRset (records of one name, type and class). RFC 2181 §5.2: one TTL per RRset, the
   * lowest given. A TTL of 0 is not cached (RFC 1035 §3.2.1: "zero values are interpreted to mean
   * that the RR can only be used for the transaction in progress").
   */
  putRecords(records: DnsRecord[]): void {
    if (records.length === 0) return;
    const first = records[0];
    let ttl = this.maxTtl;
    for (const r of records) ttl = Math.min(ttl, effectiveTtl(r.ttl));
    if (ttl === 0) return;
    const now = this.clock.now;
    this.insert(DnsCache.key(first.name, first.type, first.class), {
      kind: "records",
      records: records.map((r) => ({ ...r, ttl })),
      expires: now + ttl * SECOND,
    });
  }

  /** Caches every RRset among `records` (grouped by name, type, class). */
  putAll(records: DnsRecord[]): void {
    const groups = new Map<string, DnsRecord[]>();
    for (const r of records) {
      const key = DnsCache.key(r.name, r.type, r.class);
      const group = groups.get(key);
      if (group) group.push(r);
      else groups.set(key, [r]);
    }
    for (const group of groups.values()) this.putRecords(group);
  }

  /** RFC 2308 §5: a negative answer, kept for min(SOA TTL, SOA MINIMUM). */
  putNegative(name: string, type: number, cls: number, rcode: number, soa: DnsRecord | undefined): void {
    const minimum = soa?.data.kind === "soa" ? soa.data.minimum : 0;
    const ttl = Math.min(soa ? Math.min(effectiveTtl(soa.ttl), minimum) : 0, this.maxNegativeTtl);
    if (ttl === 0) return;
    const key = rcode === DnsRcode.NXDomain ? DnsCache.nameKey(name, cls) : DnsCache.key(name, type, cls);
    this.insert(key, {
      kind: "negative",
      rcode,
      soa: soa ? { ...soa, ttl } : undefined,
      expires: this.clock.now + ttl * SECOND,
    });
  }

  /**
   * The cached answer for name/type/class with TTLs counted down to what is left, or undefined.
   * An NXDOMAIN for the name answers every type.
   */
  get(name: string, type: number, cls: number): CacheEntry | undefined {
    const now = this.clock.now;
    for (const key of [DnsCache.nameKey(name, cls), DnsCache.key(name, type, cls)]) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      if (entry.expires <= now) {
        this.entries.delete(key);
        continue;
      }
      this.stats.hits++;
      // Whole seconds left, rounded up: a record cached for 300 s reads 300 until a full second passed.
      const left = Math.ceil((entry.expires - now) / SECOND);
      if (entry.kind === "records") {
        return { ...entry, records: entry.records.map((r) => ({ ...r, ttl: left })) };
      }
      return { ...entry, soa: entry.soa ? { ...entry.soa, ttl: left } : undefined };
    }
    this.stats.misses++;
    return undefined;
  }

  /** Removes everything (`rndc flush`). */
  flush(): void {
    this.entries.clear();
  }

  /** The cache as dig-style lines, for `show`. */
  dump(): string[] {
    const now = this.clock.now;
    const lines: string[] = [];
    for (const entry of this.entries.values()) {
      if (entry.expires <= now) continue;
      const left = Math.floor((entry.expires - now) / SECOND);
      if (entry.kind === "records") {
        for (const r of entry.records) lines.push(`${r.name} ${left} ${r.type}`);
      } else lines.push(`negative ${entry.rcode} ${entry.soa?.name ?? ""} ${left}`);
    }
    return lines;
  }
}

/** RFC 2181 §8: a TTL with the top bit set is read as zero. */
function effectiveTtl(ttl: number): number {
  return ttl > 0x7fffffff ? 0 : ttl;
}
