/**
 * Neighbor Discovery (RFC 4861) and stateless address autoconfiguration (RFC 4862) for the node's
 * IPv6 layer: what ARP, router discovery, ICMP redirects and a good part of DHCP do for IPv4.
 *
 * - **Address resolution and NUD** (§7): Neighbor Solicitations for the neighbour cache
 *   (./neighbor-cache.ts), answered with Neighbor Advertisements for our own addresses.
 * - **Duplicate address detection** (RFC 4862 §5.4): every address starts tentative; after a
 *   random delay of up to 1 s one solicitation from :: asks whether anyone uses it
 *   (DupAddrDetectTransmits = 1), and after RetransTimer (1 s) of silence it becomes preferred.
 *   A solicitation from :: for the same address (someone else's DAD) or an advertisement for it
 *   makes it "duplicate": never used.
 * - **Router discovery** (§6): hosts send up to 3 Router Solicitations, 4 s apart, once their
 *   link-local address is ready; routers on interfaces with `advertise` settings send Router
 *   Advertisements — 3 fast ones (at most 16 s apart), then every MinRtrAdvInterval to
 *   MaxRtrAdvInterval (200-600 s), and an answer to each solicitation within 0.5 s (at most one
 *   multicast RA every 3 s). Hosts (not routers, §6.2.7) take from an advertisement: the default
 *   router (a kernel default route, metric 1024, as Linux shows `proto ra`), on-link prefixes, hop
 *   limit, MTU, timers and DNS servers (RFC 8106).
 * - **SLAAC** (RFC 4862 §5.5.3): a Prefix Information option with the A flag and a /64 prefix gives
 *   an address of prefix + Modified EUI-64 identifier, with the "two-hour rule" guarding its valid
 *   lifetime against forged advertisements.
 * - **Redirects** (§8): routers tell an on-link host of a better first hop (when the packet leaves
 *   by the interface it came in on, and the next hop is link-local or the destination itself);
 *   hosts that get one from their current first-hop router remember the new first hop.
 *
 * Constants are RFC 4861 §10's and RFC 4862's; random delays come from the node's seeded stream.
 */
import type { Timer } from "../sim/scheduler.js";
import { MILLISECOND, type Nanoseconds, SECOND } from "../sim/time.js";
import { Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import { MacAddress } from "../wire/address/mac.js";
import type { Icmpv6Repr } from "../wire/icmpv6.js";
import {
  findNdpOption,
  NDP_INFINITE_LIFETIME,
  type NdpOption,
  ndpValidityProblem,
  parseNdp,
  redirectedHeaderPacket,
} from "../wire/ndp.js";
import { isParseError } from "../wire/parse-error.js";
import {
  ALL_NODES,
  ALL_ROUTERS,
  addressFromPrefix,
  type Ipv6InterfaceAddress,
  type Ipv6InterfaceState,
  type PendingIpv6Packet,
  sameBytes16,
} from "./ipv6-interface.js";
import type { Ipv6Layer } from "./ipv6-layer.js";
import { NeighborCache } from "./neighbor-cache.js";
import type { ReceivedDatagram } from "./network-layer.js";
import { makeIpv6Route } from "./routing-table.js";

// RFC 4861 §10 (host and router constants) and RFC 4862 §5.1.
const MAX_RTR_SOLICITATION_DELAY = SECOND;
const RTR_SOLICITATION_INTERVAL = 4 * SECOND;
const MAX_RTR_SOLICITATIONS = 3;
const MAX_INITIAL_RTR_ADVERT_INTERVAL = 16 * SECOND;
const MAX_INITIAL_RTR_ADVERTISEMENTS = 3;
const MIN_DELAY_BETWEEN_RAS = 3 * SECOND;
const MAX_RA_DELAY_TIME = 500 * MILLISECOND;
const DEFAULT_MAX_RTR_ADV_INTERVAL = 600 * SECOND;
const DUP_ADDR_DETECT_TRANSMITS = 1;
/** RFC 4862 §5.5.3(e). */
const TWO_HOURS = 7200 * SECOND;
/** How long a redirect is remembered without being renewed (Linux keeps such routes ~10 min). */
const REDIRECT_LIFETIME = 600 * SECOND;
/** RFC 4861 §6.2.1: AdvValidLifetime and AdvPreferredLifetime defaults. */
const DEFAULT_VALID_LIFETIME = 2_592_000;
const DEFAULT_PREFERRED_LIFETIME = 604_800;

/** A router learned from advertisements (RFC 4861 §6.3.4's Default Router List). */
interface DefaultRouter {
  address: Ipv6Address;
  iface: string;
  expires: Nanoseconds | undefined;
  timer: Timer | undefined;
}

/** An on-link prefix learned from advertisements (the Prefix List). */
interface OnLinkPrefix {
  prefix: Ipv6Prefix;
  iface: string;
  expires: Nanoseconds | undefined;
  timer: Timer | undefined;
}

/** A recursive DNS server learned from an advertisement (RFC 8106). */
export interface LearnedDnsServer {
  address: Ipv6Address;
  iface: string;
  expires: Nanoseconds | undefined;
}

/** `lifetime` seconds from now, undefined for infinity. */
function until(now: Nanoseconds, lifetime: number): Nanoseconds | undefined {
  return lifetime === NDP_INFINITE_LIFETIME ? undefined : now + lifetime * SECOND;
}

export class NeighborDiscovery {
  private readonly routers = new Map<string, DefaultRouter>();
  private readonly prefixes = new Map<string, OnLinkPrefix>();
  private redirects: Map<string, { nextHop: Ipv6Address; iface: string; expires: Nanoseconds }> | undefined;
  private readonly solicitedAdvertisements = new Map<string, Timer>();
  /** DNS servers from RDNSS options, most recent first. */
  readonly dnsServers: LearnedDnsServer[] = [];

  constructor(private readonly ip: Ipv6Layer) {}

  private get scheduler() {
    return this.ip.context.scheduler;
  }

  // ---------------------------------------------------------------------------------------------
  // The neighbour cache of an interface

  /** Builds the neighbour cache of an interface, wired to solicit and transmit through it. */
  createCache(state: Ipv6InterfaceState): NeighborCache<PendingIpv6Packet> {
    const ip = this.ip;
    return new NeighborCache<PendingIpv6Packet>(this.scheduler, {
      solicit: (target, unicastMac, prompt) => this.sendSolicitation(state, target, unicastMac, prompt),
      transmit: (packet, mac) => ip.transmitResolved(state, packet, mac),
      drop: (packet, reason) => ip.resolutionFailed(state, packet, reason),
      resolved: (target, mac) => ip.traceNeighbor(state, target, mac),
      unreachable: (target, wasRouter) => {
        if (wasRouter) this.routerGone(state, target);
      },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Receive

  receive(datagram: ReceivedDatagram, message: Uint8Array): void {
    const state = this.ip.interfaceState(datagram.iface);
    if (!state) return;
    const repr = parseNdp(message);
    if (isParseError(repr)) {
      this.drop("nd-malformed", state);
      return;
    }
    const src = datagram.src as Ipv6Address;
    const dst = datagram.dst as Ipv6Address;
    const problem = ndpValidityProblem(repr, { hopLimit: datagram.ttl, src, dst });
    if (problem) {
      this.drop("nd-invalid", state);
      return;
    }
    const cache = this.ip.neighbors(state);
    switch (repr.kind) {
      case "neighbor-solicitation": {
        const own = state.find(repr.target.bytes);
        if (!own || own.state === "duplicate") {
          this.drop("ns-not-for-us", state);
          return;
        }
        if (own.state === "tentative") {
          // RFC 4862 §5.4.3: someone else is verifying the same address: ours is a duplicate.
          if (src.isUnspecified) this.dadFailed(state, own);
          return;
        }
        const slla = findNdpOption(repr.options, "source-link-layer-address");
        if (slla && !src.isUnspecified) cache.learned(src, slla.address.value);
        // §7.2.4: solicited when the solicitation had a source to answer; to all nodes otherwise.
        const solicited = !src.isUnspecified;
        this.ip.sendNdp(state, own.address, solicited ? src : ALL_NODES, {
          kind: "neighbor-advertisement",
          code: 0,
          router: this.ip.forwarding,
          solicited,
          override: true,
          target: own.address,
          options: [{ kind: "target-link-layer-address", address: state.iface.mac }],
        });
        return;
      }
      case "neighbor-advertisement": {
        const own = state.find(repr.target.bytes);
        if (own) {
          if (own.state === "tentative") this.dadFailed(state, own);
          else this.drop("na-for-own-address", state);
          return;
        }
        const tlla = findNdpOption(repr.options, "target-link-layer-address");
        cache.advertisement(repr.target, tlla?.address.value, repr);
        return;
      }
      case "router-solicitation": {
        if (!this.ip.forwarding || !state.advertise) {
          this.drop("rs-not-advertising", state);
          return;
        }
        const slla = findNdpOption(repr.options, "source-link-layer-address");
        if (slla && !src.isUnspecified) cache.learned(src, slla.address.value);
        this.scheduleSolicitedAdvertisement(state);
        return;
      }
      case "router-advertisement":
        // §6.2.7: routers only check advertisements for consistency; they learn nothing from them.
        if (this.ip.forwarding || !this.ip.acceptRa) {
          this.drop("ra-ignored", state);
          return;
        }
        this.processAdvertisement(state, src, repr);
        return;
      case "redirect":
        this.processRedirect(state, src, repr);
        return;
    }
  }

  private processAdvertisement(
    state: Ipv6InterfaceState,
    src: Ipv6Address,
    ra: Extract<Icmpv6Repr, { kind: "router-advertisement" }>,
  ): void {
    const cache = this.ip.neighbors(state);
    if (ra.curHopLimit !== 0) state.curHopLimit = ra.curHopLimit;
    if (ra.reachableTime !== 0) cache.reachableTime = ra.reachableTime * MILLISECOND;
    if (ra.retransTimer !== 0) cache.retransTimer = ra.retransTimer * MILLISECOND;
    const slla = findNdpOption(ra.options, "source-link-layer-address");
    if (slla) cache.learned(src, slla.address.value, true);
    const mtu = findNdpOption(ra.options, "mtu");
    // §6.3.4: an MTU below the IPv6 minimum or above the link's own is ignored.
    if (mtu && mtu.mtu >= 1280 && mtu.mtu <= state.iface.mtu) state.advertisedMtu = mtu.mtu;
    this.updateRouter(state, src, ra.routerLifetime);
    for (const option of ra.options) {
      if (option.kind === "prefix-information") this.processPrefix(state, option);
      else if (option.kind === "recursive-dns-server") this.updateDnsServers(state, option);
    }
    // §6.3.7: an advertisement ends the solicitations.
    if (state.solicitationsSent > 0 && state.ndTimer) {
      this.scheduler.cancel(state.ndTimer);
      state.ndTimer = undefined;
    }
    state.solicitationsSent = MAX_RTR_SOLICITATIONS;
    this.ip.traceEvent({
      type: "router-advertisement",
      iface: state.iface.name,
      router: src.toString(),
      lifetime: ra.routerLifetime,
    });
  }

  private processPrefix(
    state: Ipv6InterfaceState,
    pio: Extract<NdpOption, { kind: "prefix-information" }>,
  ): void {
    // §6.3.4 / RFC 4862 §5.5.3(b): the link-local prefix is ignored.
    if (pio.prefix.isLinkLocal || pio.prefixLength > 128) return;
    const prefix = new Ipv6Prefix(pio.prefix, pio.prefixLength).networkPrefix;
    if (pio.onLink) this.updateOnLink(state, prefix, pio.validLifetime);
    if (pio.autonomous) this.autoconfigure(state, prefix, pio.validLifetime, pio.preferredLifetime);
  }

  /** RFC 4862 §5.5.3: form or refresh an address from an advertised prefix. */
  private autoconfigure(
    state: Ipv6InterfaceState,
    prefix: Ipv6Prefix,
    valid: number,
    preferred: number,
  ): void {
    if (!this.ip.autoconf) return;
    if (preferred > valid) return; // (c)
    if (prefix.length !== 64) return; // (d): prefix and the 64-bit interface identifier must make 128
    const now = this.scheduler.now;
    const address = addressFromPrefix(prefix.address, state.iface.mac);
    const existing = state.find(address.bytes);
    if (!existing) {
      if (valid === 0) return;
      this.ip.addInterfaceAddress(state, address, 64, {
        origin: "slaac",
        validUntil: until(now, valid),
        preferredUntil: until(now, preferred),
      });
      return;
    }
    if (existing.origin !== "slaac") return;
    // (e): the preferred lifetime is taken as advertised; the valid lifetime only when it extends
    // the address or exceeds two hours, so a forged advertisement cannot kill an address at once.
    existing.preferredUntil = until(now, preferred);
    const remaining =
      existing.validUntil === undefined ? Number.POSITIVE_INFINITY : existing.validUntil - now;
    const advertised = valid === NDP_INFINITE_LIFETIME ? Number.POSITIVE_INFINITY : valid * SECOND;
    if (advertised > TWO_HOURS || advertised > remaining) existing.validUntil = until(now, valid);
    else if (remaining > TWO_HOURS) existing.validUntil = now + TWO_HOURS;
    if (
      existing.state === "deprecated" &&
      (existing.preferredUntil === undefined || existing.preferredUntil > now)
    ) {
      existing.state = "preferred";
    }
    this.ip.scheduleLifetime(state, existing);
  }

  private updateOnLink(state: Ipv6InterfaceState, prefix: Ipv6Prefix, valid: number): void {
    const key = `${state.iface.name} ${prefix}`;
    let entry = this.prefixes.get(key);
    if (valid === 0) {
      if (entry) this.removeOnLink(key, entry);
      return;
    }
    if (!entry) {
      entry = { prefix, iface: state.iface.name, expires: undefined, timer: undefined };
      this.prefixes.set(key, entry);
      this.ip.routes.add(
        makeIpv6Route({
          prefix: prefix.toString(),
          protocol: "kernel",
          interface: state.iface.name,
          metric: 256,
          installedAt: this.scheduler.now,
        }),
      );
    }
    this.scheduler.cancel(entry.timer);
    entry.expires = until(this.scheduler.now, valid);
    const current = entry;
    entry.timer =
      entry.expires === undefined
        ? undefined
        : this.scheduler.at(entry.expires, () => this.removeOnLink(key, current));
  }

  private removeOnLink(key: string, entry: OnLinkPrefix): void {
    this.scheduler.cancel(entry.timer);
    if (this.prefixes.get(key) !== entry) return;
    this.prefixes.delete(key);
    this.ip.routes.remove(entry.prefix, "kernel");
  }

  /** Whether `prefix` on `iface` was learned from an advertisement (for `proto ra` in listings). */
  isAdvertisedPrefix(iface: string, prefix: Ipv6Prefix): boolean {
    return this.prefixes.has(`${iface} ${prefix}`);
  }

  /** When a learned route expires (for `expires Nsec` in listings), if it does. */
  expiryOf(iface: string, prefix: Ipv6Prefix | "default", via?: Ipv6Address): Nanoseconds | undefined {
    if (prefix === "default") return via ? this.routers.get(`${iface} ${via}`)?.expires : undefined;
    return this.prefixes.get(`${iface} ${prefix}`)?.expires;
  }

  /** RFC 4861 §6.3.4: the Default Router List, kept as one kernel default route with a next hop each. */
  private updateRouter(state: Ipv6InterfaceState, address: Ipv6Address, lifetime: number): void {
    const key = `${state.iface.name} ${address}`;
    const existing = this.routers.get(key);
    if (existing) this.scheduler.cancel(existing.timer);
    if (lifetime === 0) {
      if (existing) {
        this.routers.delete(key);
        this.rebuildDefaultRoute();
      }
      return;
    }
    const router: DefaultRouter = existing ?? {
      address,
      iface: state.iface.name,
      expires: undefined,
      timer: undefined,
    };
    router.expires = this.scheduler.now + lifetime * SECOND;
    router.timer = this.scheduler.at(router.expires, () => {
      if (this.routers.get(key) !== router) return;
      this.routers.delete(key);
      this.rebuildDefaultRoute();
    });
    if (!existing) {
      this.routers.set(key, router);
      this.rebuildDefaultRoute();
    }
  }

  /** The router at `address` is gone (NUD failed, or its NA dropped the R flag, §7.2.5). */
  private routerGone(state: Ipv6InterfaceState, address: Ipv6Address): void {
    const key = `${state.iface.name} ${address}`;
    const router = this.routers.get(key);
    if (!router) return;
    this.scheduler.cancel(router.timer);
    this.routers.delete(key);
    this.rebuildDefaultRoute();
  }

  private rebuildDefaultRoute(): void {
    const routes = this.ip.routes;
    const all = Ipv6Prefix.parse("::/0");
    routes.remove(all, "kernel");
    const hops = [...this.routers.values()].map((r) => ({ via: r.address, interface: r.iface }));
    if (hops.length === 0) return;
    routes.add(
      makeIpv6Route({
        prefix: "::/0",
        protocol: "kernel",
        nextHops: hops,
        metric: 1024,
        installedAt: this.scheduler.now,
      }),
    );
  }

  /** The routers in the Default Router List. */
  defaultRouters(): { address: Ipv6Address; iface: string; expires: Nanoseconds | undefined }[] {
    return [...this.routers.values()].map(({ address, iface, expires }) => ({ address, iface, expires }));
  }

  private updateDnsServers(
    state: Ipv6InterfaceState,
    option: Extract<NdpOption, { kind: "recursive-dns-server" }>,
  ): void {
    const now = this.scheduler.now;
    for (const server of option.servers) {
      const at = this.dnsServers.findIndex((s) => s.address.equals(server) && s.iface === state.iface.name);
      if (at >= 0) this.dnsServers.splice(at, 1);
      if (option.lifetime !== 0) {
        this.dnsServers.unshift({
          address: server,
          iface: state.iface.name,
          expires: until(now, option.lifetime),
        });
      }
    }
  }

  /** The DNS servers still valid, most recently advertised first. */
  currentDnsServers(): Ipv6Address[] {
    const now = this.scheduler.now;
    return this.dnsServers.filter((s) => s.expires === undefined || s.expires > now).map((s) => s.address);
  }

  // ---------------------------------------------------------------------------------------------
  // Redirects (§8)

  private processRedirect(
    state: Ipv6InterfaceState,
    src: Ipv6Address,
    redirect: Extract<Icmpv6Repr, { kind: "redirect" }>,
  ): void {
    if (this.ip.forwarding) {
      this.drop("redirect-ignored", state);
      return;
    }
    // §8.1: only the first-hop router we currently use for the destination may redirect us.
    const current = this.ip.firstHop(redirect.destination);
    if (!current || current.state !== state || !current.nextHop.equals(src)) {
      this.drop("redirect-not-from-first-hop", state);
      return;
    }
    const onLink = redirect.target.equals(redirect.destination);
    const tlla = findNdpOption(redirect.options, "target-link-layer-address");
    const cache = this.ip.neighbors(state);
    if (tlla) cache.learned(redirect.target, tlla.address.value, onLink ? undefined : true);
    this.redirects ??= new Map();
    this.redirects.set(redirect.destination.toString(), {
      nextHop: redirect.target,
      iface: state.iface.name,
      expires: this.scheduler.now + REDIRECT_LIFETIME,
    });
    this.ip.traceEvent({
      type: "redirect",
      iface: state.iface.name,
      destination: redirect.destination.toString(),
      target: redirect.target.toString(),
    });
  }

  /** The first hop a redirect told us for `dst`, if any (checked before the routing table). */
  redirectFor(dst: Ipv6Address): { nextHop: Ipv6Address; iface: string } | undefined {
    if (!this.redirects || this.redirects.size === 0) return undefined;
    const key = dst.toString();
    const entry = this.redirects.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.scheduler.now) {
      this.redirects.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * A router forwards `packet` back out of the interface it came in on, toward `nextHop`: tell
   * the sender (§8.2), when the better first hop is something it can use — the destination itself
   * (on-link) or a router's link-local address.
   */
  sendRedirect(state: Ipv6InterfaceState, packet: Uint8Array, nextHop: Ipv6Address): void {
    const destination = Ipv6Address.fromBytes(packet, 24);
    const source = Ipv6Address.fromBytes(packet, 8);
    const onLink = sameBytes16(nextHop.bytes, packet, 24);
    if (!onLink && !nextHop.isLinkLocal) return;
    const src = state.linkLocal;
    if (src?.state !== "preferred") return;
    // Rate limited like the errors (§8.2: "A router MUST limit the rate at which Redirect
    // messages are sent").
    if (!this.ip.icmp.admitRedirect(source)) return;
    const options: NdpOption[] = [];
    const mac = this.ip.neighbors(state).lookupQuietly(nextHop);
    if (mac !== undefined) options.push({ kind: "target-link-layer-address", address: new MacAddress(mac) });
    // The Redirect (40 octets + options) must fit the minimum MTU with its IPv6 header.
    const room = 1280 - 40 - 40 - (mac !== undefined ? 8 : 0);
    options.push({ kind: "redirected-header", packet: redirectedHeaderPacket(packet, room) });
    this.ip.sendNdp(state, src.address, source, {
      kind: "redirect",
      code: 0,
      target: nextHop,
      destination,
      options,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Sending solicitations

  /**
   * A Neighbor Solicitation for address resolution (to the solicited-node group) or a NUD probe
   * (unicast to `unicastMac`). §7.2.2: from the prompting packet's source when that is an address
   * of this interface, else another of its addresses (the link-local one first).
   */
  private sendSolicitation(
    state: Ipv6InterfaceState,
    target: Ipv6Address,
    unicastMac: number | undefined,
    prompt: PendingIpv6Packet | undefined,
  ): void {
    let src: Ipv6Address | undefined;
    if (prompt) {
      const own = state.find(prompt.frame, prompt.offset + 8);
      if (own && (own.state === "preferred" || own.state === "deprecated")) src = own.address;
    }
    src ??= this.usableSource(state);
    if (!src) return; // no usable address yet: the retries will try again
    const dst = unicastMac === undefined ? target.solicitedNode : target;
    this.ip.sendNdp(
      state,
      src,
      dst,
      {
        kind: "neighbor-solicitation",
        code: 0,
        target,
        options: [{ kind: "source-link-layer-address", address: state.iface.mac }],
      },
      unicastMac,
    );
  }

  /** The link-local address when usable, else any usable address of the interface. */
  private usableSource(state: Ipv6InterfaceState): Ipv6Address | undefined {
    const ll = state.linkLocal;
    if (ll && (ll.state === "preferred" || ll.state === "deprecated")) return ll.address;
    return state.usable()[0]?.address;
  }

  // ---------------------------------------------------------------------------------------------
  // Duplicate address detection (RFC 4862 §5.4)

  /** Starts DAD for a new (tentative) address; `delay` adds §5.4.2's random initial delay. */
  startDad(state: Ipv6InterfaceState, entry: Ipv6InterfaceAddress): void {
    this.scheduler.cancel(entry.timer);
    entry.timer = undefined;
    if (entry.nodad || !this.ip.dad) {
      this.addressReady(state, entry);
      return;
    }
    entry.state = "tentative";
    entry.dadTransmitsLeft = DUP_ADDR_DETECT_TRANSMITS;
    if (!state.up) return; // resumes when the link comes up
    const delay = Math.floor(this.ip.random.next() * MAX_RTR_SOLICITATION_DELAY);
    entry.timer = this.scheduler.after(delay, () => this.dadStep(state, entry));
  }

  private dadStep(state: Ipv6InterfaceState, entry: Ipv6InterfaceAddress): void {
    entry.timer = undefined;
    if (entry.state !== "tentative" || !state.up || !state.addresses.includes(entry)) return;
    if (entry.dadTransmitsLeft > 0) {
      entry.dadTransmitsLeft--;
      this.ip.sendNdp(state, Ipv6Address.UNSPECIFIED, entry.address.solicitedNode, {
        kind: "neighbor-solicitation",
        code: 0,
        target: entry.address,
        options: [],
      });
      entry.timer = this.scheduler.after(this.ip.neighbors(state).retransTimer, () =>
        this.dadStep(state, entry),
      );
      return;
    }
    this.addressReady(state, entry);
  }

  private addressReady(state: Ipv6InterfaceState, entry: Ipv6InterfaceAddress): void {
    const now = this.scheduler.now;
    entry.state =
      entry.preferredUntil !== undefined && entry.preferredUntil <= now ? "deprecated" : "preferred";
    this.ip.addressStateChanged(state, entry);
    if (entry.origin === "link-local" && state.up) {
      this.startSolicitation(state);
      this.startAdvertising(state);
    }
  }

  private dadFailed(state: Ipv6InterfaceState, entry: Ipv6InterfaceAddress): void {
    this.scheduler.cancel(entry.timer);
    entry.timer = undefined;
    entry.state = "duplicate";
    this.ip.addressStateChanged(state, entry);
  }

  // ---------------------------------------------------------------------------------------------
  // Router solicitation (hosts, §6.3.7)

  startSolicitation(state: Ipv6InterfaceState): void {
    if (this.ip.forwarding || !this.ip.acceptRa || !state.up) return;
    this.scheduler.cancel(state.ndTimer);
    state.solicitationsSent = 0;
    const delay = Math.floor(this.ip.random.next() * MAX_RTR_SOLICITATION_DELAY);
    state.ndTimer = this.scheduler.after(delay, () => this.solicitStep(state));
  }

  private solicitStep(state: Ipv6InterfaceState): void {
    state.ndTimer = undefined;
    if (!state.up || state.solicitationsSent >= MAX_RTR_SOLICITATIONS) return;
    const ll = state.linkLocal;
    const src = ll?.state === "preferred" ? ll.address : Ipv6Address.UNSPECIFIED;
    this.ip.sendNdp(state, src, ALL_ROUTERS, {
      kind: "router-solicitation",
      code: 0,
      // §4.1: no source link-layer address option from the unspecified address.
      options: src.isUnspecified ? [] : [{ kind: "source-link-layer-address", address: state.iface.mac }],
    });
    state.solicitationsSent++;
    if (state.solicitationsSent < MAX_RTR_SOLICITATIONS) {
      state.ndTimer = this.scheduler.after(RTR_SOLICITATION_INTERVAL, () => this.solicitStep(state));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Router advertisement (routers, §6.2)

  /** Starts (or restarts) unsolicited advertisements on an interface configured to advertise. */
  startAdvertising(state: Ipv6InterfaceState): void {
    if (!this.ip.forwarding || !state.advertise || !state.up) return;
    const ll = state.linkLocal;
    if (ll?.state !== "preferred") return; // resumes when the link-local address is ready
    this.scheduler.cancel(state.ndTimer);
    state.advertisementsSent = 0;
    state.ndTimer = this.scheduler.after(0, () => this.advertiseStep(state));
  }

  stopAdvertising(state: Ipv6InterfaceState, final: boolean): void {
    this.scheduler.cancel(state.ndTimer);
    state.ndTimer = undefined;
    const pending = this.solicitedAdvertisements.get(state.iface.name);
    this.scheduler.cancel(pending);
    this.solicitedAdvertisements.delete(state.iface.name);
    // §6.2.5: a router that stops advertising says so with a zero router lifetime.
    if (final && state.up) this.sendAdvertisement(state, 0);
  }

  private advertiseStep(state: Ipv6InterfaceState): void {
    state.ndTimer = undefined;
    if (!state.up || !state.advertise) return;
    this.sendAdvertisement(state);
    state.advertisementsSent++;
    const max = state.advertise.maxInterval ?? DEFAULT_MAX_RTR_ADV_INTERVAL;
    const min = state.advertise.minInterval ?? Math.max(3 * SECOND, Math.floor(0.33 * max));
    let next = min + Math.floor(this.ip.random.next() * (max - min));
    if (state.advertisementsSent < MAX_INITIAL_RTR_ADVERTISEMENTS)
      next = Math.min(next, MAX_INITIAL_RTR_ADVERT_INTERVAL);
    state.ndTimer = this.scheduler.after(next, () => this.advertiseStep(state));
  }

  /** §6.2.6: answer a solicitation within MAX_RA_DELAY_TIME, at most one multicast RA per 3 s. */
  private scheduleSolicitedAdvertisement(state: Ipv6InterfaceState): void {
    const key = state.iface.name;
    if (this.solicitedAdvertisements.has(key)) return;
    const now = this.scheduler.now;
    let at = now + Math.floor(this.ip.random.next() * MAX_RA_DELAY_TIME);
    at = Math.max(at, state.lastMulticastAdvertisement + MIN_DELAY_BETWEEN_RAS);
    this.solicitedAdvertisements.set(
      key,
      this.scheduler.at(at, () => {
        this.solicitedAdvertisements.delete(key);
        if (state.up && state.advertise) this.sendAdvertisement(state);
      }),
    );
  }

  /** Sends a multicast Router Advertisement with the interface's settings. */
  private sendAdvertisement(state: Ipv6InterfaceState, lifetimeOverride?: number): void {
    const config = state.advertise;
    const ll = state.linkLocal;
    if (!config || !ll || ll.state !== "preferred") return;
    const max = config.maxInterval ?? DEFAULT_MAX_RTR_ADV_INTERVAL;
    const options: NdpOption[] = [{ kind: "source-link-layer-address", address: state.iface.mac }];
    if (config.mtu !== undefined) options.push({ kind: "mtu", mtu: config.mtu });
    for (const prefix of this.advertisedPrefixes(state)) {
      options.push({
        kind: "prefix-information",
        prefixLength: prefix.length,
        onLink: true,
        autonomous: prefix.length === 64,
        reservedFlags: 0,
        validLifetime: config.validLifetime ?? DEFAULT_VALID_LIFETIME,
        preferredLifetime: config.preferredLifetime ?? DEFAULT_PREFERRED_LIFETIME,
        prefix: prefix.address,
      });
    }
    if (config.dnsServers && config.dnsServers.length > 0) {
      // RFC 8106 §5.1: a lifetime of at least MaxRtrAdvInterval (we use twice it).
      options.push({
        kind: "recursive-dns-server",
        lifetime: Math.ceil((2 * max) / SECOND),
        servers: config.dnsServers,
      });
    }
    this.ip.sendNdp(state, ll.address, ALL_NODES, {
      kind: "router-advertisement",
      code: 0,
      curHopLimit: config.curHopLimit ?? 64,
      managed: config.managed ?? false,
      other: config.other ?? false,
      reservedFlags: 0,
      routerLifetime:
        lifetimeOverride ?? config.routerLifetime ?? Math.min(9000, Math.ceil((3 * max) / SECOND)),
      reachableTime: 0,
      retransTimer: 0,
      options,
    });
    state.lastMulticastAdvertisement = this.scheduler.now;
  }

  /** The prefixes an interface advertises: configured, or every global prefix of its addresses. */
  advertisedPrefixes(state: Ipv6InterfaceState): Ipv6Prefix[] {
    if (state.advertise?.prefixes) return state.advertise.prefixes.map((p) => p.networkPrefix);
    const seen = new Set<string>();
    const list: Ipv6Prefix[] = [];
    for (const a of state.addresses) {
      if (a.origin === "link-local" || a.state === "duplicate" || a.address.isLinkLocal) continue;
      const prefix = new Ipv6Prefix(a.address, a.prefixLength).networkPrefix;
      const key = prefix.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      list.push(prefix);
    }
    return list;
  }

  // ---------------------------------------------------------------------------------------------
  // Link state

  /** The link went down: stop the protocol timers and forget what routers said on it. */
  linkDown(state: Ipv6InterfaceState): void {
    this.stopAdvertising(state, false);
    for (const [key, router] of [...this.routers]) {
      if (router.iface !== state.iface.name) continue;
      this.scheduler.cancel(router.timer);
      this.routers.delete(key);
    }
    this.rebuildDefaultRoute();
    for (const [key, prefix] of [...this.prefixes])
      if (prefix.iface === state.iface.name) this.removeOnLink(key, prefix);
    if (this.redirects)
      for (const [key, r] of [...this.redirects])
        if (r.iface === state.iface.name) this.redirects.delete(key);
  }

  private drop(reason: string, state: Ipv6InterfaceState): void {
    this.ip.counters.drops.count(reason);
    this.ip.traceDrop("ndp", reason, state.iface.name);
  }
}
