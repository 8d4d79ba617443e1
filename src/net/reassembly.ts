/**
 * IPv4 reassembly (RFC 791 §3.2 "Fragmentation and Reassembly", RFC 815), hardened the way current
 * stacks are, because fragments are the classic way to attack a stack:
 *
 * - **Overlaps kill the datagram** (the policy RFC 5722 mandates for IPv6, and Linux applies to
 *   IPv4 since the FragmentSmack fixes): a fragment that partially overlaps one already held makes
 *   the whole datagram be discarded, so overlapping data can never be used to smuggle a different
 *   transport header past a filter (RFC 1858 §4, "overlapping fragment attack"). An *exact*
 *   duplicate (same offset, same length) is only ignored, since links may duplicate packets.
 * - **Tiny fragments** (RFC 1858 §3): a TCP fragment at offset 1 (8 octets, inside the TCP header:
 *   the "TCP header overwrite" attack) is dropped, as is a first fragment too short to hold the
 *   transport header that filters look at (20 octets for TCP, 8 for UDP and ICMP).
 * - **Bounded memory**: each datagram is held at most {@link ReassemblyOptions.timeout} (30 s like
 *   Linux's ipfrag_time; RFC 791 suggests an initial 15 s), holds at most
 *   {@link ReassemblyOptions.maxFragments} fragments and can never exceed 65 535 octets (the
 *   "ping of death" is discarded, not reassembled). All datagrams together may hold at most
 *   {@link ReassemblyOptions.memoryLimit} octets (4 MiB, Linux's ipfrag_high_thresh), counting a
 *   fixed overhead per fragment so floods of 8-octet fragments are bounded too. When a new fragment
 *   would exceed the budget, the oldest datagrams are evicted first (they are the likeliest to be
 *   stale or junk).
 * - **Timeout**: a datagram whose timer expires is discarded; if its fragment zero had arrived the
 *   owner is asked to send ICMP Time Exceeded, code 1 (RFC 1122 §3.3.2, RFC 792).
 *
 * Fragment data is copied in, so the frames that carried it are not kept alive.
 */
import type { Scheduler, Timer } from "../sim/scheduler.js";
import { type Nanoseconds, SECOND } from "../sim/time.js";
import type { Ipv4Counters } from "./counters.js";

/** The counters the reassembler keeps (IPv4's and IPv6's share these names, RFC 4293). */
export type ReassemblyCounters = Pick<
  Ipv4Counters,
  "reasmReqds" | "reasmOKs" | "reasmFails" | "reasmTimeout" | "reasmOverlaps" | "drops"
>;

export interface ReassemblyOptions {
  /** How long an incomplete datagram is held (default 30 s). */
  timeout?: Nanoseconds;
  /** Octets all incomplete datagrams may hold together, overhead included (default 4 MiB). */
  memoryLimit?: number;
  /** Fragments one datagram may consist of (default 1024: a 65 535-octet datagram over a 68-octet MTU needs 1366). */
  maxFragments?: number;
  /**
   * The largest datagram, header included (default 65 535, IPv4's Total Length). IPv6 passes
   * 65 575: its 16-bit Payload Length does not count the 40-octet fixed header.
   */
  maxDatagramLength?: number;
}

/** Bookkeeping cost charged per fragment held, in octets (roughly what a fragment record costs). */
export const FRAGMENT_OVERHEAD = 64;
/** The largest IPv4 datagram: Total Length is a 16-bit field. */
export const MAX_DATAGRAM_LENGTH = 65_535;

const IP_PROTOCOL_ICMP = 1;
const IP_PROTOCOL_TCP = 6;
const IP_PROTOCOL_UDP = 17;

/** A fragment as the IPv4 input path hands it over (its header already validated). */
export interface Fragment {
  /** Source and destination: uint32 for IPv4, any unique text (e.g. hex) for IPv6. */
  src: number | string;
  dst: number | string;
  protocol: number;
  identification: number;
  /** Fragment offset in octets (the header field × 8). */
  offset: number;
  moreFragments: boolean;
  /** The fragment's IPv4 header, options included (IPv6: the unfragmentable part). */
  header: Uint8Array;
  /** The data after the header. */
  data: Uint8Array;
}

/** A reassembled datagram: fragment zero's header (unchanged) and the whole data. */
export interface Reassembled {
  header: Uint8Array;
  data: Uint8Array;
}

/** What the reassembler asks of its owner. */
export interface ReassemblyHooks {
  /**
   * A datagram timed out after fragment zero arrived: send ICMP Time Exceeded (code 1) quoting
   * `quote` (fragment zero's header and first data octets).
   */
  timeExceeded(quote: Uint8Array): void;
  /** A fragment or a whole datagram was discarded (for the trace). */
  dropped?(reason: string, fragment: Fragment | undefined): void;
}

interface Piece {
  offset: number;
  end: number;
  data: Uint8Array;
}

interface Datagram {
  key: string;
  /** Pieces sorted by offset, never overlapping. */
  pieces: Piece[];
  /** Fragment zero's header, once it arrived. */
  header: Uint8Array | undefined;
  /** End of the data, known once the last fragment (MF = 0) arrived; -1 before. */
  totalLength: number;
  /** Data octets held. */
  received: number;
  /** Octets charged against the memory budget. */
  charge: number;
  timer: Timer | undefined;
}

export class Reassembler {
  private readonly datagrams = new Map<string, Datagram>();
  private memory = 0;
  private readonly timeout: Nanoseconds;
  private readonly memoryLimit: number;
  private readonly maxFragments: number;
  private readonly maxDatagramLength: number;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly counters: ReassemblyCounters,
    private readonly hooks: ReassemblyHooks,
    options: ReassemblyOptions = {},
  ) {
    this.timeout = options.timeout ?? 30 * SECOND;
    this.memoryLimit = options.memoryLimit ?? 4 * 1024 * 1024;
    this.maxFragments = options.maxFragments ?? 1024;
    this.maxDatagramLength = options.maxDatagramLength ?? MAX_DATAGRAM_LENGTH;
  }

  /** Datagrams being reassembled. */
  get pending(): number {
    return this.datagrams.size;
  }

  /** Octets currently charged against the memory budget. */
  get memoryInUse(): number {
    return this.memory;
  }

  /**
   * Adds a fragment. Returns the reassembled datagram when this fragment completed one, otherwise
   * undefined (the fragment is held, or was dropped and counted).
   */
  add(fragment: Fragment): Reassembled | undefined {
    this.counters.reasmReqds++;
    const { offset, moreFragments, protocol } = fragment;
    const length = fragment.data.length;
    const end = offset + length;

    // RFC 1858 §3.2: "if FO=1 and PROTOCOL=TCP then drop packet" (TCP header overwrite).
    if (protocol === IP_PROTOCOL_TCP && offset === 8) return this.reject("frag-tcp-offset-1", fragment);
    // RFC 1858 §3.1: a first fragment must carry the whole transport header filters inspect.
    if (offset === 0 && moreFragments && length < minimumTransportHeader(protocol)) {
      return this.reject("frag-tiny-first", fragment);
    }
    // RFC 791: every fragment but the last carries a multiple of 8 octets, and at least 8.
    if (moreFragments && (length === 0 || length % 8 !== 0)) return this.reject("frag-malformed", fragment);
    // The "ping of death": data beyond what a 16-bit Total Length can describe.
    if (fragment.header.length + end > this.maxDatagramLength) return this.reject("frag-too-big", fragment);

    const key = `${fragment.src}>${fragment.dst}/${protocol}#${fragment.identification}`;
    let datagram = this.datagrams.get(key);
    if (!datagram) {
      datagram = {
        key,
        pieces: [],
        header: undefined,
        totalLength: -1,
        received: 0,
        charge: 0,
        timer: undefined,
      };
      this.datagrams.set(key, datagram);
      const created = datagram;
      created.timer = this.scheduler.after(this.timeout, () => this.expire(created));
    }

    // Where the last fragment says the data ends, everything must agree.
    if (!moreFragments) {
      if (datagram.totalLength >= 0 && datagram.totalLength !== end) {
        return this.fail(datagram, "frag-inconsistent-end", fragment);
      }
      const pieces = datagram.pieces;
      if (pieces.length > 0 && pieces[pieces.length - 1].end > end) {
        return this.fail(datagram, "frag-inconsistent-end", fragment);
      }
    } else if (datagram.totalLength >= 0 && end > datagram.totalLength) {
      return this.fail(datagram, "frag-inconsistent-end", fragment);
    }

    // Find the insertion point and check the neighbours for overlap.
    const pieces = datagram.pieces;
    let index = pieces.length;
    while (index > 0 && pieces[index - 1].offset >= offset) index--;
    const before = index > 0 ? pieces[index - 1] : undefined;
    const after = index < pieces.length ? pieces[index] : undefined;
    if (after && after.offset === offset && after.end === end) {
      // An exact duplicate (a duplicating link): harmless, keep the first copy.
      this.counters.drops.count("frag-duplicate");
      this.hooks.dropped?.("frag-duplicate", fragment);
      return undefined;
    }
    if ((before && before.end > offset) || (after && after.offset < end)) {
      this.counters.reasmOverlaps++;
      return this.fail(datagram, "frag-overlap", fragment);
    }
    if (pieces.length >= this.maxFragments) return this.fail(datagram, "frag-too-many", fragment);

    const charge = length + FRAGMENT_OVERHEAD;
    if (!this.reserve(charge, datagram)) return this.fail(datagram, "frag-memory", fragment);
    datagram.charge += charge;
    this.memory += charge;
    pieces.splice(index, 0, { offset, end, data: fragment.data.slice() });
    datagram.received += length;
    if (offset === 0) datagram.header = fragment.header.slice();
    if (!moreFragments) datagram.totalLength = end;

    if (
      datagram.header === undefined ||
      datagram.totalLength < 0 ||
      datagram.received !== datagram.totalLength
    ) {
      return undefined;
    }
    // Complete: no overlaps and no gaps, since the pieces are disjoint and sum to the total.
    const data = new Uint8Array(datagram.totalLength);
    for (const piece of pieces) data.set(piece.data, piece.offset);
    const header = datagram.header;
    this.release(datagram);
    this.counters.reasmOKs++;
    return { header, data };
  }

  /** Drops everything (interface reset). */
  clear(): void {
    for (const datagram of [...this.datagrams.values()]) this.release(datagram);
  }

  /** Makes room for `charge` more octets by evicting the oldest other datagrams. */
  private reserve(charge: number, keep: Datagram): boolean {
    if (charge > this.memoryLimit) return false;
    while (this.memory + charge > this.memoryLimit) {
      let victim: Datagram | undefined;
      for (const datagram of this.datagrams.values()) {
        if (datagram !== keep) {
          victim = datagram;
          break;
        }
      }
      if (!victim) return false;
      this.fail(victim, "frag-evicted", undefined);
    }
    return true;
  }

  private expire(datagram: Datagram): void {
    datagram.timer = undefined;
    if (this.datagrams.get(datagram.key) !== datagram) return;
    this.counters.reasmTimeout++;
    const first = datagram.header && datagram.pieces[0]?.offset === 0 ? datagram.pieces[0] : undefined;
    this.fail(datagram, "frag-timeout", undefined);
    if (first && datagram.header) {
      // RFC 1122 §3.3.2: Time Exceeded only if fragment zero was received; quote its header and
      // the first 8 octets of its data (RFC 792).
      const header = datagram.header;
      const quote = new Uint8Array(header.length + Math.min(8, first.data.length));
      quote.set(header);
      quote.set(first.data.subarray(0, 8), header.length);
      this.hooks.timeExceeded(quote);
    }
  }

  /** Discards a fragment that cannot belong to any datagram. */
  private reject(reason: string, fragment: Fragment): undefined {
    this.counters.reasmFails++;
    this.counters.drops.count(reason);
    this.hooks.dropped?.(reason, fragment);
    return undefined;
  }

  /** Discards a whole datagram (and the fragment that doomed it). */
  private fail(datagram: Datagram, reason: string, fragment: Fragment | undefined): undefined {
    this.release(datagram);
    this.counters.reasmFails++;
    this.counters.drops.count(reason);
    this.hooks.dropped?.(reason, fragment);
    return undefined;
  }

  private release(datagram: Datagram): void {
    this.scheduler.cancel(datagram.timer);
    datagram.timer = undefined;
    this.memory -= datagram.charge;
    datagram.charge = 0;
    datagram.pieces = [];
    this.datagrams.delete(datagram.key);
  }
}

/** The transport header a first fragment must hold whole (RFC 1858 §3.1). */
function minimumTransportHeader(protocol: number): number {
  if (protocol === IP_PROTOCOL_TCP) return 20;
  if (protocol === IP_PROTOCOL_UDP || protocol === IP_PROTOCOL_ICMP) return 8;
  return 8;
}
