/**
 * The filtering database of a learning bridge (IEEE 802.1D-2004 §7.9, 802.1Q-2018 §8.8): which
 * port leads to a station, per VLAN (802.1Q's independent VLAN learning: the same MAC may sit
 * behind different ports in different VLANs).
 *
 * Dynamic entries are learned from source addresses and age out when a station stays silent for
 * the ageing time (802.1D §7.9.2 recommends 300 s). Ageing is lazy — an entry is checked when it
 * is looked up, and stale entries are swept when the table fills up or is listed — so a quiet
 * switch costs no timer events. The table is bounded: when it is full a new address is not
 * learned (frames to it are flooded, as on real switches whose CAM is exhausted) and the refusal
 * is counted.
 */
import type { Nanoseconds } from "../sim/time.js";

/** IEEE 802.1D-2004 Table 7-5: recommended ageing time. */
export const DEFAULT_AGING_TIME: Nanoseconds = 300_000_000_000;
/** A typical access switch's table size. */
export const DEFAULT_MAC_TABLE_SIZE = 8192;

export interface MacEntry<P> {
  readonly vlan: number;
  /** The 48-bit address as an integer. */
  readonly mac: number;
  port: P;
  /** When a frame from this address was last seen. */
  lastSeen: Nanoseconds;
  /** Configured, never aged or moved. */
  readonly isStatic: boolean;
}

/** What happened when a source address was seen. */
export type LearnResult = "learned" | "refreshed" | "moved" | "full" | "static";

export class MacTable<P> {
  private readonly vlans = new Map<number, Map<number, MacEntry<P>>>();
  private count = 0;
  /** Sweeping a full table is O(n): do it at most once per second of virtual time. */
  private nextSweep = 0;
  /** New addresses not learned because the table was full. */
  refusedFull = 0;
  /** Entries removed by ageing. */
  aged = 0;

  constructor(
    readonly capacity = DEFAULT_MAC_TABLE_SIZE,
    public agingTime: Nanoseconds = DEFAULT_AGING_TIME,
  ) {}

  /** Entries held (some may have expired but not been swept yet). */
  get size(): number {
    return this.count;
  }

  /** The port toward `mac` in `vlan`, or undefined when unknown or aged out. */
  lookup(vlan: number, mac: number, now: Nanoseconds): MacEntry<P> | undefined {
    const table = this.vlans.get(vlan);
    if (table === undefined) return undefined;
    const entry = table.get(mac);
    if (entry === undefined) return undefined;
    if (!entry.isStatic && now - entry.lastSeen >= this.agingTime) {
      this.remove(table, entry);
      this.aged++;
      return undefined;
    }
    return entry;
  }

  /** Records that `mac` was seen on `port` in `vlan` (802.1D §7.8 learning process). */
  learn(vlan: number, mac: number, port: P, now: Nanoseconds): LearnResult {
    let table = this.vlans.get(vlan);
    const entry = table?.get(mac);
    if (entry !== undefined) {
      if (entry.isStatic) return "static";
      entry.lastSeen = now;
      if (entry.port === port) return "refreshed";
      entry.port = port; // the station moved
      return "moved";
    }
    if (this.count >= this.capacity && !this.makeRoom(now)) {
      this.refusedFull++;
      return "full";
    }
    if (table === undefined) {
      table = new Map();
      this.vlans.set(vlan, table);
    }
    table.set(mac, { vlan, mac, port, lastSeen: now, isStatic: false });
    this.count++;
    return "learned";
  }

  /** Adds a static entry (replacing any dynamic one); static entries ignore the size bound. */
  addStatic(vlan: number, mac: number, port: P): void {
    let table = this.vlans.get(vlan);
    if (table === undefined) {
      table = new Map();
      this.vlans.set(vlan, table);
    }
    if (!table.has(mac)) this.count++;
    table.set(mac, { vlan, mac, port, lastSeen: 0, isStatic: true });
  }

  /** Removes the dynamic entries pointing at `port` (the port went down, or changed VLANs). */
  flushPort(port: P): number {
    let removed = 0;
    for (const table of this.vlans.values()) {
      for (const entry of table.values()) {
        if (entry.port === port && !entry.isStatic) {
          this.remove(table, entry);
          removed++;
        }
      }
    }
    return removed;
  }

  /** Removes every dynamic entry (`clear mac address-table dynamic`). */
  flushDynamic(): void {
    for (const table of this.vlans.values()) {
      for (const entry of table.values()) if (!entry.isStatic) this.remove(table, entry);
    }
  }

  /** Live entries, sorted by VLAN then address, after sweeping the expired ones. */
  entries(now: Nanoseconds): MacEntry<P>[] {
    this.sweep(now);
    const list: MacEntry<P>[] = [];
    for (const table of this.vlans.values()) for (const entry of table.values()) list.push(entry);
    return list.sort((x, y) => x.vlan - y.vlan || x.mac - y.mac);
  }

  /** Removes every expired dynamic entry. */
  sweep(now: Nanoseconds): void {
    for (const table of this.vlans.values()) {
      for (const entry of table.values()) {
        if (!entry.isStatic && now - entry.lastSeen >= this.agingTime) {
          this.remove(table, entry);
          this.aged++;
        }
      }
    }
  }

  private makeRoom(now: Nanoseconds): boolean {
    if (now < this.nextSweep) return false;
    this.nextSweep = now + 1_000_000_000;
    this.sweep(now);
    return this.count < this.capacity;
  }

  private remove(table: Map<number, MacEntry<P>>, entry: MacEntry<P>): void {
    table.delete(entry.mac);
    this.count--;
    if (table.size === 0) this.vlans.delete(entry.vlan);
  }
}
