/**
 * The ARP cache of one interface: which link-layer address answers for which IPv4 neighbour, and
 * the packets waiting while we ask (RFC 826, RFC 1122 §2.3.2).
 *
 * The states follow Linux's neighbour table, simplified and with fixed (documented) times so runs
 * are deterministic and easy to read:
 *
 * ```
 *            request sent                   reply                      30 s without confirmation
 *  (none) ───────────────▶ INCOMPLETE ─────────────▶ REACHABLE ───────────────────────────▶ STALE
 *                            │ 3 requests, 1 s apart     ▲                                     │ used
 *                            ▼ no reply                  │ reply                               ▼
 *                         (deleted; queued packets       └───────────────────────────────── PROBE
 *                          dropped → host unreachable)     3 unicast polls 1 s apart, else deleted
 * ```
 *
 * - REACHABLE lasts {@link ArpCacheOptions.reachableTime} (30 s, Linux's base_reachable_time; Linux
 *   randomizes it to 15-45 s, we keep it fixed for determinism) after the last confirmation.
 * - A STALE entry is still used (RFC 1122 §2.3.2.1 warns against flushing entries in use); its
 *   first use sends a *unicast* ARP request to the cached address ("unicast poll", RFC 1122
 *   §2.3.2.1) and moves it to PROBE. If the neighbour does not answer three polls, the entry is
 *   deleted and the next packet resolves from scratch.
 * - STALE entries nobody uses are removed after {@link ArpCacheOptions.staleTime} (60 s, Linux's
 *   gc_stale_time), checked lazily on lookups and listings, so idle entries cost no timer.
 * - INCOMPLETE: up to {@link ArpCacheOptions.queueLength} packets wait (3, Linux's unres_qlen
 *   before 3.x; the oldest is dropped when a fourth arrives); the request is repeated every second,
 *   three requests in all (Linux's mcast_solicit = 3, retrans_time = 1 s). Then the queued packets
 *   are handed back as unresolvable (the IPv4 layer answers them with ICMP host unreachable).
 * - The table holds at most {@link ArpCacheOptions.maxEntries} entries (Linux's gc_thresh3 is
 *   1024): when full, stale entries go first, then the oldest resolved one; if every entry is
 *   still being resolved, the new packet is dropped.
 *
 * The cache knows nothing about ARP's wire format: sending requests and transmitting or dropping
 * packets are hooks supplied by the owner (src/net/arp.ts), and `P` is whatever the owner queues.
 */
import type { Scheduler, Timer } from "../sim/scheduler.js";
import { type Nanoseconds, SECOND } from "../sim/time.js";

export type ArpState = "incomplete" | "reachable" | "stale" | "probe" | "permanent";

export interface ArpCacheOptions {
  /** How long an entry is REACHABLE after a confirmation (default 30 s). */
  reachableTime?: Nanoseconds;
  /** How long an unused STALE entry is kept (default 60 s). */
  staleTime?: Nanoseconds;
  /** Interval between requests while resolving or probing (default 1 s). */
  retransmitTime?: Nanoseconds;
  /** Requests sent before giving up (default 3). */
  maxRequests?: number;
  /** Packets queued per unresolved neighbour (default 3). */
  queueLength?: number;
  /** Entries in the table (default 1024). */
  maxEntries?: number;
}

/** What the cache asks of its owner. */
export interface ArpCacheHooks<P> {
  /**
   * Send an ARP request for `address`: broadcast when `unicastMac` is undefined, otherwise a
   * unicast poll to the cached address.
   */
  sendRequest(address: number, unicastMac: number | undefined): void;
  /** Transmit a packet that waited for resolution, now that `mac` is known. */
  transmit(packet: P, mac: number): void;
  /** A packet is dropped: `"arp-failed"` after the retries ran out, `"arp-queue-full"` on overflow. */
  drop(packet: P, reason: "arp-failed" | "arp-queue-full" | "arp-table-full"): void;
  /** An entry became REACHABLE (for the trace). */
  resolved?(address: number, mac: number): void;
}

/** One row of the table, as `show arp` and `ip neigh` need it. */
export interface ArpEntryInfo {
  /** IPv4 address as a 32-bit unsigned integer. */
  address: number;
  /** 48-bit MAC, or undefined while incomplete. */
  mac: number | undefined;
  state: ArpState;
  /** Virtual time of the last confirmation (or of the first request while incomplete). */
  updated: Nanoseconds;
}

interface Entry<P> {
  mac: number;
  state: ArpState;
  /** Last confirmation (REACHABLE/STALE/PROBE) or creation (INCOMPLETE). */
  updated: Nanoseconds;
  requests: number;
  timer: Timer | undefined;
  queue: P[] | undefined;
}

const NO_MAC = -1;

export class ArpCache<P> {
  private readonly entries = new Map<number, Entry<P>>();
  private readonly reachableTime: Nanoseconds;
  private readonly staleTime: Nanoseconds;
  private readonly retransmitTime: Nanoseconds;
  private readonly maxRequests: number;
  private readonly queueLength: number;
  private readonly maxEntries: number;
  /** Called when a resolution or probe gives up (for counters). */
  onFailure: ((address: number) => void) | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly hooks: ArpCacheHooks<P>,
    options: ArpCacheOptions = {},
  ) {
    this.reachableTime = options.reachableTime ?? 30 * SECOND;
    this.staleTime = options.staleTime ?? 60 * SECOND;
    this.retransmitTime = options.retransmitTime ?? SECOND;
    this.maxRequests = options.maxRequests ?? 3;
    this.queueLength = options.queueLength ?? 3;
    this.maxEntries = options.maxEntries ?? 1024;
  }

  /** Number of entries, in any state. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The MAC to use for `address` right now, or undefined when it must be resolved first (then call
   * {@link enqueue}). Using a STALE entry starts a unicast poll but still returns the address.
   */
  lookup(address: number): number | undefined {
    const entry = this.entries.get(address);
    if (!entry || entry.state === "incomplete") return undefined;
    if (entry.state === "reachable" || entry.state === "stale") {
      const age = this.scheduler.now - entry.updated;
      if (age >= this.reachableTime) {
        if (age >= this.reachableTime + this.staleTime && entry.state === "stale") {
          // Long unused: forget it and resolve afresh.
          this.entries.delete(address);
          return undefined;
        }
        this.startProbe(address, entry);
      }
    }
    return entry.mac;
  }

  /**
   * Queues `packet` until `address` is resolved, sending the first request if none is pending.
   * When the queue is full the oldest packet is dropped (Linux's unres_qlen behaviour).
   */
  enqueue(address: number, packet: P): void {
    let entry = this.entries.get(address);
    if (entry && entry.state !== "incomplete") {
      // Resolved meanwhile (the caller should have used lookup): send at once.
      this.hooks.transmit(packet, entry.mac);
      return;
    }
    if (!entry) {
      if (!this.makeRoom()) {
        this.hooks.drop(packet, "arp-table-full");
        return;
      }
      entry = {
        mac: NO_MAC,
        state: "incomplete",
        updated: this.scheduler.now,
        requests: 0,
        timer: undefined,
        queue: [packet],
      };
      this.entries.set(address, entry);
      this.solicit(address, entry);
      return;
    }
    entry.queue ??= [];
    const queue = entry.queue;
    if (queue.length >= this.queueLength) this.hooks.drop(queue.shift()!, "arp-queue-full");
    queue.push(packet);
  }

  /**
   * Records that `address` is at `mac` (RFC 826's "merge" step). An existing entry is always
   * updated; a new one is created only when `create` is set (the packet was addressed to us, or
   * the neighbour is one we asked about). Queued packets for the address are sent.
   */
  update(address: number, mac: number, create: boolean): void {
    let entry = this.entries.get(address);
    if (!entry) {
      if (!create || !this.makeRoom()) return;
      entry = {
        mac,
        state: "reachable",
        updated: this.scheduler.now,
        requests: 0,
        timer: undefined,
        queue: undefined,
      };
      this.entries.set(address, entry);
      this.hooks.resolved?.(address, mac);
      return;
    }
    if (entry.state === "permanent") return;
    const wasResolved = entry.state !== "incomplete" && entry.mac === mac;
    entry.mac = mac;
    entry.state = "reachable";
    entry.updated = this.scheduler.now;
    entry.requests = 0;
    this.scheduler.cancel(entry.timer);
    entry.timer = undefined;
    if (!wasResolved) this.hooks.resolved?.(address, mac);
    const queue = entry.queue;
    if (queue) {
      entry.queue = undefined;
      for (const packet of queue) this.hooks.transmit(packet, mac);
    }
  }

  /** Adds a static entry (`arp -s`), never aged or replaced by ARP traffic. */
  addStatic(address: number, mac: number): void {
    this.remove(address);
    this.entries.set(address, {
      mac,
      state: "permanent",
      updated: this.scheduler.now,
      requests: 0,
      timer: undefined,
      queue: undefined,
    });
  }

  /** Deletes an entry (its queued packets are dropped as unresolvable). */
  remove(address: number): void {
    const entry = this.entries.get(address);
    if (!entry) return;
    this.scheduler.cancel(entry.timer);
    this.entries.delete(address);
    if (entry.queue) for (const packet of entry.queue) this.hooks.drop(packet, "arp-failed");
  }

  /** Forgets every dynamic entry (link down, address change). */
  flush(): void {
    for (const [address, entry] of [...this.entries]) {
      if (entry.state !== "permanent") this.remove(address);
    }
  }

  /** The table for display, after dropping entries that have aged out. */
  list(): ArpEntryInfo[] {
    const now = this.scheduler.now;
    const rows: ArpEntryInfo[] = [];
    for (const [address, entry] of [...this.entries]) {
      let state = entry.state;
      if (state === "reachable" && now - entry.updated >= this.reachableTime) state = "stale";
      if (state === "stale" && now - entry.updated >= this.reachableTime + this.staleTime) {
        this.entries.delete(address);
        continue;
      }
      rows.push({
        address,
        mac: entry.state === "incomplete" ? undefined : entry.mac,
        state,
        updated: entry.updated,
      });
    }
    return rows;
  }

  /** The state of the entry for `address` (as `list` would show it), or undefined. */
  stateOf(address: number): ArpState | undefined {
    return this.list().find((row) => row.address === address)?.state;
  }

  /** Sends the next request for an INCOMPLETE or PROBE entry, or gives up after the last one. */
  private solicit(address: number, entry: Entry<P>): void {
    if (entry.requests >= this.maxRequests) {
      this.entries.delete(address);
      entry.timer = undefined;
      const queue = entry.queue;
      entry.queue = undefined;
      if (queue) for (const packet of queue) this.hooks.drop(packet, "arp-failed");
      this.onFailure?.(address);
      return;
    }
    entry.requests++;
    this.hooks.sendRequest(address, entry.state === "probe" ? entry.mac : undefined);
    entry.timer = this.scheduler.after(this.retransmitTime, () => {
      if (this.entries.get(address) === entry) this.solicit(address, entry);
    });
  }

  private startProbe(address: number, entry: Entry<P>): void {
    if (entry.state === "probe") return;
    entry.state = "probe";
    entry.requests = 0;
    this.solicit(address, entry);
  }

  /** Makes room for one more entry; false when every entry is still being resolved. */
  private makeRoom(): boolean {
    if (this.entries.size < this.maxEntries) return true;
    const now = this.scheduler.now;
    let oldest: number | undefined;
    for (const [address, entry] of this.entries) {
      if (entry.state === "permanent" || entry.state === "incomplete") continue;
      if (now - entry.updated >= this.reachableTime) {
        this.remove(address);
        return true;
      }
      oldest ??= address;
    }
    if (oldest === undefined) return false;
    this.remove(oldest);
    return true;
  }
}
