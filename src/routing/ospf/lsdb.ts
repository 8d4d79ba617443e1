/**
 * An area's link-state database (RFC 2328 §12.2): each LSA instance as received or originated,
 * kept as its octets (what is flooded, byte for byte) and parsed once.
 *
 * Ages are not counted by a timer per LSA: an entry records the age it had and the virtual time it
 * was installed, and its age now is computed (§12.1.1 "the LS age field is incremented ... while
 * the LSA is held in the database").
 */
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { type LsaHeader, type LsaRepr, MAX_AGE } from "../../wire/ospf/lsa.js";

export interface LsaEntry {
  /** The LSA's octets; the age field holds `installedAge`. */
  readonly bytes: Uint8Array;
  readonly lsa: LsaRepr;
  readonly installedAt: Nanoseconds;
  readonly installedAge: number;
  /** Set once a MaxAge LSA has been flooded; it is removed when no neighbour still owes an ack. */
  flushing?: boolean;
  /** Its key ({@link lsaKey}), made once: the lists of every neighbour use it. */
  key?: string;
}

/** The key of an LSA: type, link state ID and advertising router (§12.1). */
export function lsaKey(type: number, id: number, advertisingRouter: number): string {
  return `${type}:${id >>> 0}:${advertisingRouter >>> 0}`;
}

export function headerKey(header: Pick<LsaHeader, "type" | "id" | "advertisingRouter">): string {
  return lsaKey(header.type, header.id, header.advertisingRouter);
}

/** The age of an entry at `now`, capped at MaxAge. */
export function ageOf(entry: LsaEntry, now: Nanoseconds): number {
  if (entry.installedAge >= MAX_AGE) return MAX_AGE;
  const age = entry.installedAge + Math.floor((now - entry.installedAt) / SECOND);
  return Math.min(age, MAX_AGE);
}

/** The header of an entry with its current age. */
export function currentHeader(entry: LsaEntry, now: Nanoseconds): LsaHeader {
  return { ...entry.lsa.header, age: ageOf(entry, now) };
}

export class Lsdb {
  private readonly entries = new Map<string, LsaEntry>();
  /** Router-LSAs by advertising router and network-LSAs by ID, for SPF. */
  readonly routers = new Map<number, LsaEntry>();
  readonly networks = new Map<number, LsaEntry>();

  get size(): number {
    return this.entries.size;
  }

  get(key: string): LsaEntry | undefined {
    return this.entries.get(key);
  }

  /** The entry of an LSA by its three numbers (the hot path: every LSA received or acknowledged). */
  find(type: number, id: number, advertisingRouter: number): LsaEntry | undefined {
    // Router-LSAs (most of any database) are found by number; the rest by their key.
    if (type === 1 && id >>> 0 === advertisingRouter >>> 0) {
      const entry = this.routers.get(advertisingRouter >>> 0);
      return entry !== undefined && entry.lsa.header.id >>> 0 === id >>> 0 ? entry : undefined;
    }
    return this.entries.get(lsaKey(type, id, advertisingRouter));
  }

  values(): IterableIterator<LsaEntry> {
    return this.entries.values();
  }

  install(entry: LsaEntry): void {
    const h = entry.lsa.header;
    entry.key ??= headerKey(h);
    this.entries.set(entry.key, entry);
    if (h.type === 1) this.routers.set(h.advertisingRouter, entry);
    else if (h.type === 2) this.networks.set(h.id >>> 0, entry);
  }

  remove(key: string): LsaEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    const h = entry.lsa.header;
    if (h.type === 1 && this.routers.get(h.advertisingRouter) === entry)
      this.routers.delete(h.advertisingRouter);
    else if (h.type === 2 && this.networks.get(h.id >>> 0) === entry) this.networks.delete(h.id >>> 0);
    return entry;
  }
}
