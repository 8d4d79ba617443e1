/**
 * The IPv6 neighbour cache of one interface, with Neighbor Unreachability Detection (RFC 4861
 * §7.3): which link-layer address answers for which neighbour, how sure we are that it still
 * does, and the packets waiting while we ask.
 *
 * ```
 *           NS sent (multicast)       solicited NA              ReachableTime without confirmation
 *  (none) ─────────────────────▶ INCOMPLETE ──────▶ REACHABLE ─────────────────────────────────▶ STALE
 *                                   │ 3 NS, 1 s apart   ▲  ▲ confirmation                          │ a packet
 *                                   ▼ no answer         │  └──────────────── PROBE ◀── DELAY ◀─────┘ is sent
 *                        (deleted; queued packets       │                     │  5 s, no    (packet sent
 *                         → ICMPv6 address unreachable)  └──── solicited NA ───┘  confirmation  as usual)
 *                                                        3 unicast NS 1 s apart, else deleted
 * ```
 *
 * Appendix C of RFC 4861 is the state table this follows:
 * - an unsolicited NA, or an NS/RS/Redirect carrying the sender's link-layer address, creates or
 *   updates an entry as STALE (it says where the neighbour is, not that it is reachable);
 * - a *solicited* NA confirms reachability (REACHABLE); so may an upper layer (`confirm`, e.g. TCP
 *   seeing new data acknowledged, §7.3.1);
 * - using a STALE entry sends the packet at once and enters DELAY: if nothing confirms the
 *   neighbour within DELAY_FIRST_PROBE_TIME (5 s), PROBE sends unicast solicitations every
 *   RetransTimer, MAX_UNICAST_SOLICIT (3) times, then deletes the entry.
 *
 * Times are RFC 4861 §10's constants, fixed rather than randomized (ReachableTime is drawn from
 * 0.5-1.5 × BaseReachableTime on real hosts) so runs are deterministic; a router's advertisement
 * may change `reachableTime` and `retransTimer` (§6.3.4). REACHABLE → STALE is evaluated lazily
 * when the entry is used or listed, so a quiet entry costs no timer; only INCOMPLETE, DELAY and
 * PROBE entries hold one. Unused STALE entries are forgotten after `staleTime` (Linux's
 * gc_stale_time, 60 s).
 *
 * The cache knows nothing of the message formats: soliciting, transmitting and dropping are hooks
 * supplied by the owner (src/net/neighbor-discovery.ts), and `P` is whatever the owner queues.
 * Lookups take the address as 16 bytes at an offset (usually inside the packet being sent), so
 * the hot path allocates nothing.
 */
import type { Scheduler, Timer } from "../sim/scheduler.js";
import { type Nanoseconds, SECOND } from "../sim/time.js";
import { Ipv6Address } from "../wire/address/ipv6.js";

export type NeighborState = "incomplete" | "reachable" | "stale" | "delay" | "probe" | "permanent";

export interface NeighborCacheOptions {
  /** REACHABLE_TIME: how long a confirmation lasts (default 30 s, RFC 4861 §10). */
  reachableTime?: Nanoseconds;
  /** RETRANS_TIMER: between solicitations (default 1 s). */
  retransTimer?: Nanoseconds;
  /** DELAY_FIRST_PROBE_TIME (default 5 s). */
  delayFirstProbeTime?: Nanoseconds;
  /** MAX_MULTICAST_SOLICIT (default 3). */
  maxMulticastSolicit?: number;
  /** MAX_UNICAST_SOLICIT (default 3). */
  maxUnicastSolicit?: number;
  /** How long an unused STALE entry is kept (default 60 s). */
  staleTime?: Nanoseconds;
  /** Packets queued per unresolved neighbour (default 3; RFC 4861 §7.2.2 asks for at least 1). */
  queueLength?: number;
  /** Entries in the cache (default 1024). */
  maxEntries?: number;
}

/** What the cache asks of its owner. */
export interface NeighborCacheHooks<P> {
  /**
   * Send a Neighbor Solicitation for `target`: to its solicited-node multicast address when
   * `unicastMac` is undefined (address resolution), else unicast to the cached address (probe).
   * `prompt` is the first queued packet, whose source the solicitation should use (§7.2.2).
   */
  solicit(target: Ipv6Address, unicastMac: number | undefined, prompt: P | undefined): void;
  /** Transmit a packet that waited for resolution, now that `mac` is known. */
  transmit(packet: P, mac: number): void;
  /** A packet is dropped: after resolution failed, on queue overflow, or with the table full. */
  drop(packet: P, reason: "nd-failed" | "nd-queue-full" | "nd-table-full"): void;
  /** An entry got a (new) link-layer address (for the trace). */
  resolved?(target: Ipv6Address, mac: number): void;
  /** Resolution or a probe gave up on `target` (a router that was: §7.3.3 drops it as a default router). */
  unreachable?(target: Ipv6Address, wasRouter: boolean): void;
}

/** One row of the cache, as `ip -6 neigh` and `show ipv6 neighbors` need it. */
export interface NeighborEntryInfo {
  address: Ipv6Address;
  /** 48-bit MAC, undefined while INCOMPLETE. */
  mac: number | undefined;
  state: NeighborState;
  isRouter: boolean;
  /** Virtual time of the last confirmation or update. */
  updated: Nanoseconds;
}

interface Entry<P> {
  address: Ipv6Address;
  hash: number;
  mac: number;
  state: NeighborState;
  isRouter: boolean;
  updated: Nanoseconds;
  /** Last time a packet was sent through the entry (for garbage collection of STALE entries). */
  used: Nanoseconds;
  probes: number;
  timer: Timer | undefined;
  queue: P[] | undefined;
  /** The next entry with the same hash. */
  next: Entry<P> | undefined;
}

const NO_MAC = -1;

/** A 32-bit mix of the 16 address octets at `offset`. */
function hash16(bytes: Uint8Array, offset: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i += 4) {
    const word =
      (bytes[offset + i] << 24) |
      (bytes[offset + i + 1] << 16) |
      (bytes[offset + i + 2] << 8) |
      bytes[offset + i + 3];
    h = Math.imul(h ^ word, 0x01000193);
    h ^= h >>> 15;
  }
  return h;
}

function equal16(a: Uint8Array, b: Uint8Array, offset: number): boolean {
  for (let i = 15; i >= 0; i--) if (a[i] !== b[offset + i]) return false;
  return true;
}

export class NeighborCache<P> {
  private readonly buckets = new Map<number, Entry<P>>();
  private count = 0;
  /** REACHABLE_TIME in force (a router advertisement may change it, RFC 4861 §6.3.4). */
  reachableTime: Nanoseconds;
  /** RetransTimer in force (likewise). */
  retransTimer: Nanoseconds;
  private readonly delayFirstProbeTime: Nanoseconds;
  private readonly maxMulticastSolicit: number;
  private readonly maxUnicastSolicit: number;
  private readonly staleTime: Nanoseconds;
  private readonly queueLength: number;
  private readonly maxEntries: number;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly hooks: NeighborCacheHooks<P>,
    options: NeighborCacheOptions = {},
  ) {
    this.reachableTime = options.reachableTime ?? 30 * SECOND;
    this.retransTimer = options.retransTimer ?? SECOND;
    this.delayFirstProbeTime = options.delayFirstProbeTime ?? 5 * SECOND;
    this.maxMulticastSolicit = options.maxMulticastSolicit ?? 3;
    this.maxUnicastSolicit = options.maxUnicastSolicit ?? 3;
    this.staleTime = options.staleTime ?? 60 * SECOND;
    this.queueLength = options.queueLength ?? 3;
    this.maxEntries = options.maxEntries ?? 1024;
  }

  /** Number of entries in any state. */
  get size(): number {
    return this.count;
  }

  private find(bytes: Uint8Array, offset: number, hash = hash16(bytes, offset)): Entry<P> | undefined {
    let entry = this.buckets.get(hash);
    while (entry && !equal16(entry.address.bytes, bytes, offset)) entry = entry.next;
    return entry;
  }

  /**
   * The MAC to send a packet to the neighbour at `bytes[offset..+16]` right now, or undefined when
   * it must be resolved first (then call {@link enqueue}). Sending through a STALE entry starts
   * the DELAY timer (RFC 4861 §7.3.3) but still returns the address.
   */
  lookup(bytes: Uint8Array, offset = 0): number | undefined {
    const entry = this.find(bytes, offset);
    if (!entry || entry.state === "incomplete") return undefined;
    const now = this.scheduler.now;
    if (entry.state === "reachable" && now - entry.updated >= this.reachableTime) entry.state = "stale";
    if (entry.state === "stale") {
      if (now - entry.used >= this.staleTime && now - entry.updated >= this.reachableTime + this.staleTime) {
        // Long unused: forget it and resolve afresh (Linux's gc of stale entries).
        this.delete(entry);
        return undefined;
      }
      entry.state = "delay";
      entry.timer = this.scheduler.after(this.delayFirstProbeTime, () => this.delayExpired(entry));
    }
    entry.used = now;
    return entry.mac;
  }

  /** The cached MAC for `address` without touching the entry's state (for Redirect options). */
  lookupQuietly(address: Ipv6Address): number | undefined {
    const entry = this.find(address.bytes, 0);
    return entry && entry.state !== "incomplete" ? entry.mac : undefined;
  }

  /** Queues `packet` until `target` is resolved, sending the first solicitation if none is pending. */
  enqueue(target: Ipv6Address, packet: P): void {
    const hash = hash16(target.bytes, 0);
    let entry = this.find(target.bytes, 0, hash);
    if (entry && entry.state !== "incomplete") {
      this.hooks.transmit(packet, entry.mac);
      return;
    }
    if (!entry) {
      if (!this.makeRoom()) {
        this.hooks.drop(packet, "nd-table-full");
        return;
      }
      entry = this.insert(target, hash, NO_MAC, "incomplete");
      entry.queue = [packet];
      this.solicit(entry);
      return;
    }
    entry.queue ??= [];
    if (entry.queue.length >= this.queueLength) this.hooks.drop(entry.queue.shift()!, "nd-queue-full");
    entry.queue.push(packet);
  }

  /**
   * A Neighbor Advertisement for `target` arrived (RFC 4861 §7.2.5). `mac` is its Target
   * Link-Layer Address option, if any. Returns false when there was no entry (the advertisement
   * is then ignored, as the RFC says).
   */
  advertisement(
    target: Ipv6Address,
    mac: number | undefined,
    flags: { solicited: boolean; override: boolean; router: boolean },
  ): boolean {
    const entry = this.find(target.bytes, 0);
    if (!entry || entry.state === "permanent") return false;
    const wasRouter = entry.isRouter;
    if (entry.state === "incomplete") {
      if (mac === undefined) return true; // nothing to resolve with
      entry.mac = mac;
      entry.isRouter = flags.router;
      this.setState(entry, flags.solicited ? "reachable" : "stale");
      this.hooks.resolved?.(entry.address, mac);
      this.flushQueue(entry);
      return true;
    }
    const different = mac !== undefined && mac !== entry.mac;
    if (!flags.override && different) {
      // An advertisement that would change the address without the Override flag only casts doubt.
      if (entry.state === "reachable") this.setState(entry, "stale");
      return true;
    }
    if (different) {
      entry.mac = mac;
      this.hooks.resolved?.(entry.address, mac);
    }
    if (flags.solicited) this.setState(entry, "reachable");
    else if (different) this.setState(entry, "stale");
    entry.isRouter = flags.router;
    if (wasRouter && !flags.router) this.hooks.unreachable?.(entry.address, true);
    return true;
  }

  /**
   * The neighbour told us its link-layer address in a solicitation, RS or Redirect (RFC 4861
   * §7.2.3, §6.2.6, §8.3): create the entry as STALE, or update it (STALE when the address
   * changed); a waiting INCOMPLETE entry becomes STALE and sends its queue.
   */
  learned(address: Ipv6Address, mac: number, isRouter?: boolean): void {
    const hash = hash16(address.bytes, 0);
    let entry = this.find(address.bytes, 0, hash);
    if (!entry) {
      if (!this.makeRoom()) return;
      entry = this.insert(address, hash, mac, "stale");
      if (isRouter !== undefined) entry.isRouter = isRouter;
      this.hooks.resolved?.(address, mac);
      return;
    }
    if (entry.state === "permanent") return;
    if (isRouter !== undefined) entry.isRouter = isRouter;
    if (entry.state === "incomplete" || entry.mac !== mac) {
      entry.mac = mac;
      this.setState(entry, "stale");
      this.hooks.resolved?.(address, mac);
      this.flushQueue(entry);
    }
  }

  /** An upper layer saw forward progress with `address` (RFC 4861 §7.3.1): it is reachable. */
  confirm(address: Ipv6Address): void {
    const entry = this.find(address.bytes, 0);
    if (!entry || entry.state === "incomplete" || entry.state === "permanent") return;
    this.setState(entry, "reachable");
  }

  /** Whether the neighbour is known to be a router (its NA's R flag, or it sent an RA). */
  isRouter(address: Ipv6Address): boolean {
    return this.find(address.bytes, 0)?.isRouter ?? false;
  }

  /** Adds a static entry (`ip -6 neigh add ... nud permanent`), never aged or replaced. */
  addStatic(address: Ipv6Address, mac: number): void {
    this.remove(address);
    this.insert(address, hash16(address.bytes, 0), mac, "permanent");
  }

  /** Deletes the entry (its queued packets are dropped as unresolvable). */
  remove(address: Ipv6Address): void {
    const entry = this.find(address.bytes, 0);
    if (entry) this.delete(entry, true);
  }

  /** Forgets every dynamic entry (link down). */
  flush(): void {
    for (const entry of this.entries()) if (entry.state !== "permanent") this.delete(entry, true);
  }

  /** The state of the entry for `address` as a listing would show it. */
  stateOf(address: Ipv6Address): NeighborState | undefined {
    const entry = this.find(address.bytes, 0);
    return entry ? this.displayState(entry) : undefined;
  }

  /** The table for display (entries that aged out are dropped first). */
  list(): NeighborEntryInfo[] {
    const now = this.scheduler.now;
    const rows: NeighborEntryInfo[] = [];
    for (const entry of this.entries()) {
      const state = this.displayState(entry);
      if (
        state === "stale" &&
        now - entry.used >= this.staleTime &&
        now - entry.updated >= this.reachableTime + this.staleTime
      ) {
        this.delete(entry);
        continue;
      }
      rows.push({
        address: entry.address,
        mac: entry.state === "incomplete" ? undefined : entry.mac,
        state,
        isRouter: entry.isRouter,
        updated: entry.updated,
      });
    }
    return rows;
  }

  // ---------------------------------------------------------------------------------------------

  private displayState(entry: Entry<P>): NeighborState {
    if (entry.state === "reachable" && this.scheduler.now - entry.updated >= this.reachableTime)
      return "stale";
    return entry.state;
  }

  private *entries(): IterableIterator<Entry<P>> {
    for (const head of [...this.buckets.values()]) {
      for (let entry: Entry<P> | undefined = head; entry; entry = entry.next) yield entry;
    }
  }

  private insert(address: Ipv6Address, hash: number, mac: number, state: NeighborState): Entry<P> {
    const now = this.scheduler.now;
    const entry: Entry<P> = {
      // Keep our own copy: the caller's address may be a view into a packet.
      address: new Ipv6Address(address.bytes.slice()),
      hash,
      mac,
      state,
      isRouter: false,
      updated: now,
      used: now,
      probes: 0,
      timer: undefined,
      queue: undefined,
      next: this.buckets.get(hash),
    };
    this.buckets.set(hash, entry);
    this.count++;
    return entry;
  }

  private delete(entry: Entry<P>, dropQueue = false): void {
    this.scheduler.cancel(entry.timer);
    entry.timer = undefined;
    let head = this.buckets.get(entry.hash);
    if (head === entry) {
      if (entry.next) this.buckets.set(entry.hash, entry.next);
      else this.buckets.delete(entry.hash);
    } else {
      while (head && head.next !== entry) head = head.next;
      if (head) head.next = entry.next;
    }
    this.count--;
    const queue = entry.queue;
    entry.queue = undefined;
    if (dropQueue && queue) for (const packet of queue) this.hooks.drop(packet, "nd-failed");
  }

  private setState(entry: Entry<P>, state: NeighborState): void {
    this.scheduler.cancel(entry.timer);
    entry.timer = undefined;
    entry.state = state;
    entry.probes = 0;
    entry.updated = this.scheduler.now;
  }

  private flushQueue(entry: Entry<P>): void {
    const queue = entry.queue;
    if (!queue) return;
    entry.queue = undefined;
    entry.used = this.scheduler.now;
    for (const packet of queue) this.hooks.transmit(packet, entry.mac);
  }

  /** Sends the next solicitation of an INCOMPLETE or PROBE entry, or gives up after the last. */
  private solicit(entry: Entry<P>): void {
    const limit = entry.state === "probe" ? this.maxUnicastSolicit : this.maxMulticastSolicit;
    if (entry.probes >= limit) {
      // RFC 4861 §7.2.2/§7.3.3: unreachable. Queued packets earn ICMPv6 address unreachable.
      const wasRouter = entry.isRouter;
      this.delete(entry, true);
      this.hooks.unreachable?.(entry.address, wasRouter);
      return;
    }
    entry.probes++;
    this.hooks.solicit(entry.address, entry.state === "probe" ? entry.mac : undefined, entry.queue?.[0]);
    entry.timer = this.scheduler.after(this.retransTimer, () => {
      entry.timer = undefined;
      if (this.find(entry.address.bytes, 0) === entry) this.solicit(entry);
    });
  }

  private delayExpired(entry: Entry<P>): void {
    entry.timer = undefined;
    if (entry.state !== "delay" || this.find(entry.address.bytes, 0) !== entry) return;
    entry.state = "probe";
    entry.probes = 0;
    this.solicit(entry);
  }

  /** Makes room for one more entry; false when every entry is still being resolved. */
  private makeRoom(): boolean {
    if (this.count < this.maxEntries) return true;
    let oldest: Entry<P> | undefined;
    for (const entry of this.entries()) {
      if (entry.state === "permanent" || entry.state === "incomplete") continue;
      if (this.displayState(entry) === "stale") {
        this.delete(entry, true);
        return true;
      }
      if (!oldest || entry.updated < oldest.updated) oldest = entry;
    }
    if (!oldest) return false;
    this.delete(oldest, true);
    return true;
  }
}
