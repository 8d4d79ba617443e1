/**
 * Packet hooks: the five places where the IPv4 layer lets NAT and the firewall look at (and
 * rewrite or refuse) a datagram. They are netfilter's hooks, at the same places in the path:
 *
 * ```
 *  link ─▶ PREROUTING ─▶ routing ─┬─▶ INPUT ─▶ local transport
 *          (DNAT, un-SNAT)        │
 *                                 └─▶ FORWARD ─▶ POSTROUTING ─▶ link
 *                                     (filter)   (SNAT)           ▲
 *  local transport ─▶ routing ─▶ OUTPUT ─▶ POSTROUTING ──────────┘
 * ```
 *
 * A hook sees the datagram in place (`frame[offset]` is the IPv4 header, Total Length says where
 * it ends) and returns a {@link Verdict}. Hooks that rewrite may do so: the layer hands them a
 * frame it owns (received frames are copied first, as forwarding does anyway). A hook that
 * refuses a datagram counts and traces why itself, and sends any ICMP error it owes.
 *
 * With any hook installed, fragments are reassembled as they arrive, before PREROUTING (Linux's
 * nf_defrag_ipv4 does the same once connection tracking is loaded): NAT and a stateful filter need
 * the transport header, which only the first fragment carries. Forwarded datagrams are then
 * fragmented again on the way out if the next link needs it.
 *
 * Several hooks run in `priority` order at each place (lower first), like netfilter's priorities:
 * destination NAT before filtering (−100), filtering (0), source NAT after it (100).
 */
import type { NetInterface } from "./interface.js";

/** What a hook decides about a datagram. */
export const Verdict = {
  /** Carry on (possibly rewritten). */
  Accept: 0,
  /** Stop here: the hook has counted, traced and answered it as it should. */
  Drop: 1,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** The usual priorities (netfilter's NF_IP_PRI_NAT_DST, NF_IP_PRI_FILTER, NF_IP_PRI_NAT_SRC). */
export const HookPriority = {
  DestinationNat: -100,
  Filter: 0,
  SourceNat: 100,
} as const;

/** Something that watches IPv4 datagrams at one or more of the five places. */
export interface Ipv4Hook {
  /** Lower runs first at each place (see {@link HookPriority}). */
  readonly priority: number;
  /** Every datagram that arrived from a link, before the routing decision. */
  prerouting?(frame: Uint8Array, offset: number, inIface: NetInterface): Verdict;
  /** Datagrams for this node, before they reach their transport. */
  input?(frame: Uint8Array, offset: number, inIface: NetInterface): Verdict;
  /** Datagrams being forwarded, after routing (TTL not yet decremented). */
  forward?(frame: Uint8Array, offset: number, inIface: NetInterface, outIface: NetInterface): Verdict;
  /** Datagrams this node originates, after routing (loopback traffic is not hooked). */
  output?(frame: Uint8Array, offset: number, outIface: NetInterface): Verdict;
  /**
   * Every datagram about to leave by `outIface`, forwarded (`inIface` set) or our own (undefined),
   * before fragmentation.
   */
  postrouting?(
    frame: Uint8Array,
    offset: number,
    inIface: NetInterface | undefined,
    outIface: NetInterface,
  ): Verdict;
}

/**
 * The hooks installed on one IPv4 layer, kept per place in priority order so that running a place
 * with no hooks costs one property test.
 */
export class HookChain {
  private all: Ipv4Hook[] = [];
  prerouting: Ipv4Hook[] | undefined;
  input: Ipv4Hook[] | undefined;
  forward: Ipv4Hook[] | undefined;
  output: Ipv4Hook[] | undefined;
  postrouting: Ipv4Hook[] | undefined;

  get size(): number {
    return this.all.length;
  }

  add(hook: Ipv4Hook): void {
    if (this.all.includes(hook)) return;
    this.all.push(hook);
    // Stable: hooks of equal priority run in the order they were added.
    this.all.sort((a, b) => a.priority - b.priority);
    this.rebuild();
  }

  remove(hook: Ipv4Hook): boolean {
    const before = this.all.length;
    this.all = this.all.filter((h) => h !== hook);
    this.rebuild();
    return this.all.length !== before;
  }

  runPrerouting(frame: Uint8Array, offset: number, inIface: NetInterface): Verdict {
    for (const hook of this.prerouting!) {
      if (hook.prerouting!(frame, offset, inIface) !== Verdict.Accept) return Verdict.Drop;
    }
    return Verdict.Accept;
  }

  runInput(frame: Uint8Array, offset: number, inIface: NetInterface): Verdict {
    for (const hook of this.input!) {
      if (hook.input!(frame, offset, inIface) !== Verdict.Accept) return Verdict.Drop;
    }
    return Verdict.Accept;
  }

  runForward(frame: Uint8Array, offset: number, inIface: NetInterface, outIface: NetInterface): Verdict {
    for (const hook of this.forward!) {
      if (hook.forward!(frame, offset, inIface, outIface) !== Verdict.Accept) return Verdict.Drop;
    }
    return Verdict.Accept;
  }

  runOutput(frame: Uint8Array, offset: number, outIface: NetInterface): Verdict {
    for (const hook of this.output!) {
      if (hook.output!(frame, offset, outIface) !== Verdict.Accept) return Verdict.Drop;
    }
    return Verdict.Accept;
  }

  runPostrouting(
    frame: Uint8Array,
    offset: number,
    inIface: NetInterface | undefined,
    outIface: NetInterface,
  ): Verdict {
    for (const hook of this.postrouting!) {
      if (hook.postrouting!(frame, offset, inIface, outIface) !== Verdict.Accept) return Verdict.Drop;
    }
    return Verdict.Accept;
  }

  private rebuild(): void {
    const pick = (has: (h: Ipv4Hook) => boolean) => {
      const list = this.all.filter(has);
      return list.length > 0 ? list : undefined;
    };
    this.prerouting = pick((h) => h.prerouting !== undefined);
    this.input = pick((h) => h.input !== undefined);
    this.forward = pick((h) => h.forward !== undefined);
    this.output = pick((h) => h.output !== undefined);
    this.postrouting = pick((h) => h.postrouting !== undefined);
  }
}
