/**
 * The listener half of Multicast Listener Discovery version 2 (RFC 3810): the node tells the
 * routers (and snooping switches) on each link which multicast groups it listens to there.
 *
 * - Joining a group sends a State Change Report (CHANGE_TO_EXCLUDE_MODE with no sources: "all
 *   sources", §6.1), sent [Robustness Variable] = 2 times, the repeat after a random delay up to the
 *   Unsolicited Report Interval of 1 s; leaving sends CHANGE_TO_INCLUDE_MODE with no sources.
 * - A Query is answered with a Current State Report (MODE_IS_EXCLUDE) after a random delay within
 *   the query's Maximum Response Delay (§6.2), one pending answer per interface.
 * - Reports go to ff02::16 with Hop Limit 1 and a Router Alert option (§5), from the link-local
 *   address, or from :: while it is still tentative (RFC 3590 §4).
 * - The link-scope all-nodes group ff02::1 and groups of scope 0 or 1 are never reported (§6).
 *
 * Membership itself (which groups the interface accepts) is kept in each interface's state, so
 * the receive path needs no MLD at all.
 */
import { MILLISECOND, SECOND } from "../sim/time.js";
import type { Ipv6Address } from "../wire/address/ipv6.js";
import {
  ALL_MLDV2_ROUTERS,
  emitMldQuery,
  emitMldReportV2,
  MldRecordType,
  parseMldQuery,
} from "../wire/mld.js";
import { isParseError } from "../wire/parse-error.js";
import { ALL_NODES, type Ipv6InterfaceState } from "./ipv6-interface.js";
import type { Ipv6Layer } from "./ipv6-layer.js";
import type { ReceivedDatagram } from "./network-layer.js";

/** RFC 3810 §9.1: the Robustness Variable's default. */
const ROBUSTNESS = 2;
/** RFC 3810 §9.11: Unsolicited Report Interval. */
const UNSOLICITED_REPORT_INTERVAL = SECOND;

/** Whether joining `group` is announced (§6: not ff02::1, not scopes 0 and 1). */
export function isReportable(group: Ipv6Address): boolean {
  const scope = group.bytes[1] & 0x0f;
  return scope >= 2 && !group.equals(ALL_NODES);
}

export class Mld {
  /** Reports sent and queries heard (for tests and `netstat`). */
  reportsSent = 0;
  queriesReceived = 0;
  private readonly pendingAnswers = new Map<string, ReturnType<Ipv6Layer["context"]["scheduler"]["after"]>>();

  constructor(private readonly ip: Ipv6Layer) {}

  /** Listens to `group` on the interface (counted: the last `leave` ends it). */
  join(state: Ipv6InterfaceState, group: Ipv6Address): void {
    const key = group.toString();
    const entry = state.groups.get(key);
    if (entry) {
      entry.members++;
      return;
    }
    state.groups.set(key, { group, members: 1 });
    if (state.up && isReportable(group)) this.stateChange(state, [group], MldRecordType.ChangeToExcludeMode);
  }

  leave(state: Ipv6InterfaceState, group: Ipv6Address): void {
    const key = group.toString();
    const entry = state.groups.get(key);
    if (!entry) return;
    if (--entry.members > 0) return;
    state.groups.delete(key);
    if (state.up && isReportable(group)) this.stateChange(state, [group], MldRecordType.ChangeToIncludeMode);
  }

  /** The link came up: announce every group again (the routers may never have heard of us). */
  linkUp(state: Ipv6InterfaceState): void {
    const groups = [...state.groups.values()].map((g) => g.group).filter(isReportable);
    if (groups.length > 0) this.stateChange(state, groups, MldRecordType.ChangeToExcludeMode);
  }

  /** A query or another listener's report arrived. */
  receive(datagram: ReceivedDatagram, message: Uint8Array): void {
    if (message[0] !== 130) return; // other listeners' reports: nothing for a listener to do
    const state = this.ip.interfaceState(datagram.iface);
    if (!state) return;
    // §5.1.14-§5.1.15: queries come from a link-local source with Hop Limit 1.
    if (datagram.ttl !== 1 || !(datagram.src as Ipv6Address).isLinkLocal) {
      this.ip.traceDrop("mld", "mld-query-invalid", datagram.iface);
      return;
    }
    const query = parseMldQuery(message.subarray(4));
    if (isParseError(query)) {
      this.ip.traceDrop("mld", "mld-malformed", datagram.iface);
      return;
    }
    this.queriesReceived++;
    const specific = !query.group.isUnspecified;
    if (specific && !state.groups.has(query.group.toString())) return;
    const key = state.iface.name;
    if (this.pendingAnswers.has(key)) return;
    const delay = Math.floor(this.ip.random.next() * query.maxResponseDelay * MILLISECOND);
    this.pendingAnswers.set(
      key,
      this.ip.context.scheduler.after(delay, () => {
        this.pendingAnswers.delete(key);
        const groups = specific
          ? [query.group]
          : [...state.groups.values()].map((g) => g.group).filter(isReportable);
        if (groups.length > 0 && state.up) this.send(state, groups, MldRecordType.ModeIsExclude);
      }),
    );
  }

  /**
   * Sends a General Query on the interface (what an MLD querier router does, §5.1; the node runs
   * no querier election): listeners answer within `maxResponseDelay` milliseconds.
   */
  query(state: Ipv6InterfaceState, maxResponseDelay = 10_000): boolean {
    const ll = state.linkLocal;
    if (ll?.state !== "preferred") return false;
    return this.ip.sendMldQuery(state, ll.address, emitMldQuery({ maxResponseDelay }));
  }

  /** A State Change Report, repeated once more after a random delay (§6.1). */
  private stateChange(state: Ipv6InterfaceState, groups: Ipv6Address[], type: number): void {
    this.send(state, groups, type);
    for (let i = 1; i < ROBUSTNESS; i++) {
      const delay = Math.floor(this.ip.random.next() * UNSOLICITED_REPORT_INTERVAL);
      this.ip.context.scheduler.after(delay, () => {
        // Only repeat what is still true.
        const still = groups.filter(
          (g) => state.groups.has(g.toString()) === (type !== MldRecordType.ChangeToIncludeMode),
        );
        if (still.length > 0 && state.up) this.send(state, still, type);
      });
    }
  }

  private send(state: Ipv6InterfaceState, groups: Ipv6Address[], type: number): void {
    const body = emitMldReportV2({
      records: groups.map((group) => ({ type, group, sources: [], auxData: new Uint8Array(0) })),
    });
    if (this.ip.sendMld(state, ALL_MLDV2_ROUTERS, body)) this.reportsSent++;
  }
}
