/**
 * A network interface (a NIC, or a VLAN sub-interface of one): its MAC address, its IPv4 addresses,
 * the link endpoint it is plugged into, its counters and its ARP cache.
 *
 * The interface is the Ethernet layer of the node: on receive it filters by destination MAC,
 * counts, peels an 802.1Q tag for a sub-interface and dispatches on the EtherType (ARP here,
 * IPv4 to the IPv4 layer); on transmit it resolves the next hop's MAC (ARP, queueing while it
 * asks) and writes the Ethernet header in front of the IP packet.
 *
 * IPv4 packets travel inside the buffer that will become the frame: the IP header starts at
 * `offset` and the octets before it are ours to overwrite with the Ethernet header (the IPv4 layer
 * builds packets with 14 octets of headroom, and a forwarded packet still sits in the frame it
 * arrived in), so transmitting copies nothing.
 */
import type { LinkEndpoint } from "../link/endpoint.js";
import type { Scheduler } from "../sim/scheduler.js";
import type { Tracer } from "../trace/events.js";
import { Ipv4Address, type Ipv4Prefix, ipv4Netmask } from "../wire/address/ipv4.js";
import { MacAddress } from "../wire/address/mac.js";
import { ETHERNET_HEADER_LENGTH, EtherType, readMac48, writeMac48 } from "../wire/ethernet.js";
import { VLAN_TAG_LENGTH } from "../wire/vlan.js";
import { ArpCache, type ArpCacheOptions } from "./arp-cache.js";
import { ArpCounters, InterfaceCounters } from "./counters.js";

/** What every part of a node's stack shares: its name (for traces), the clock and the tracer. */
export interface NodeContext {
  readonly name: string;
  readonly scheduler: Scheduler;
  readonly tracer: Tracer;
}

/** What the interface hands up to, and asks of, the node's IPv4 layer. */
export interface InterfaceOwner {
  readonly context: NodeContext;
  /** An IPv4 packet arrived; the IP header starts at `offset`. `linkBroadcast`: sent to a group MAC. */
  ipv4Input(iface: NetInterface, frame: Uint8Array, offset: number, linkBroadcast: boolean): void;
  /** ARP gave up on a queued packet's next hop (RFC 1122 §2.3.2.2: tell the source, host unreachable). */
  neighborUnreachable(iface: NetInterface, frame: Uint8Array, offset: number): void;
  /** Handles an ARP packet (src/net/arp.ts); the ARP message starts at `offset`. */
  arpInput(iface: NetInterface, frame: Uint8Array, offset: number): void;
  /** Sends an ARP request for `target` (broadcast, or unicast to `unicastMac`). */
  arpRequest(iface: NetInterface, target: number, unicastMac: number | undefined): void;
  /** The interface got its first address or came up: announce (gratuitous ARP). */
  announce(iface: NetInterface): void;
  /** Proxy ARP (RFC 1027): whether to answer ARP requests for `address`, not ours, on `iface`. */
  answersArpFor?(iface: NetInterface, address: number): boolean;
}

/**
 * What the interface hands IPv6 to: the node's IPv6 layer, once IPv6 is enabled on the interface
 * (src/net/ipv6-layer.ts). Until then IPv6 frames are dropped, as on a Linux interface with
 * `disable_ipv6`.
 */
export interface Ipv6InterfaceOwner {
  /** An IPv6 packet arrived; its header starts at `offset`. `linkBroadcast`: sent to a group MAC. */
  ipv6Input(iface: NetInterface, frame: Uint8Array, offset: number, linkBroadcast: boolean): void;
  /** The interface went up or down (carrier or administrative state). */
  ipv6LinkChanged(iface: NetInterface, up: boolean): void;
}

/** A packet waiting in the ARP queue (created only when a packet must wait). */
interface PendingPacket {
  frame: Uint8Array;
  offset: number;
  length: number;
}

/** Ethernet's minimum frame (60 octets without FCS) holds at most 46 octets of payload. */
const BROADCAST_MAC = 0xffff_ffff_ffff;
/** RFC 1112 §6.4: IPv4 multicast maps to 01:00:5e + the low 23 bits of the group. */
const IPV4_MULTICAST_MAC_BASE = 0x0100_5e00_0000;

export class NetInterface {
  /** IPv4 addresses with their prefix lengths, the first being the primary. */
  readonly addresses: Ipv4Prefix[] = [];
  readonly counters = new InterfaceCounters();
  /** The link this interface is plugged into (for a sub-interface: its parent's). */
  endpoint: LinkEndpoint | undefined;
  /** Administrative state (`ip link set ... down`, `shutdown`). */
  adminUp = true;
  /** For an 802.1Q sub-interface (`eth0.10`): the VLAN it tags its frames with. */
  readonly vlan: number | undefined;
  /** For a sub-interface: the physical interface it rides on. */
  readonly parent: NetInterface | undefined;
  /** MTU set by configuration (`ip link set mtu`); otherwise the link's. */
  mtuOverride: number | undefined;
  /** A description for `show interfaces` (Cisco `description`). */
  description: string | undefined;
  /** The IPv6 layer, when IPv6 is enabled on this interface. */
  ipv6: Ipv6InterfaceOwner | undefined;
  private subinterfaces: Map<number, NetInterface> | undefined;
  /** Who wants to know when the interface goes up or down (routing protocols, src/routing). */
  private linkListeners: ((iface: NetInterface, up: boolean) => void)[] | undefined;
  private arpCache: ArpCache<PendingPacket> | undefined;
  private arpStats: ArpCounters | undefined;
  private readonly macValue: number;

  constructor(
    readonly name: string,
    readonly mac: MacAddress,
    private readonly owner: InterfaceOwner,
    options: { vlan?: number; parent?: NetInterface; arp?: ArpCacheOptions } = {},
  ) {
    this.macValue = mac.value;
    this.vlan = options.vlan;
    this.parent = options.parent;
    this.arpOptions = options.arp;
  }

  private readonly arpOptions: ArpCacheOptions | undefined;

  /** The largest IP packet this interface sends (configured, else the link's, else 1500). */
  get mtu(): number {
    return this.mtuOverride ?? this.parent?.mtu ?? this.endpoint?.mtu ?? 1500;
  }

  /** Up when administratively up and the link has carrier (`ip link` "state UP"). */
  get isUp(): boolean {
    if (!this.adminUp) return false;
    if (this.parent) return this.parent.isUp;
    return this.endpoint?.isUp ?? false;
  }

  /** The link this interface sends on (its own, or its parent's for a sub-interface). */
  private get wire(): LinkEndpoint | undefined {
    return this.parent ? this.parent.wire : this.endpoint;
  }

  /** The ARP cache, created on first use. */
  get arp(): ArpCache<PendingPacket> {
    if (!this.arpCache) {
      const cache = new ArpCache<PendingPacket>(
        this.owner.context.scheduler,
        {
          sendRequest: (address, unicastMac) => this.owner.arpRequest(this, address, unicastMac),
          transmit: (packet, mac) => this.sendFrame(packet.frame, packet.offset, packet.length, mac),
          drop: (packet, reason) => {
            this.counters.txDropped++;
            this.counters.drops.count(reason);
            this.traceDrop("arp", reason, packet.frame);
            if (reason === "arp-failed") this.owner.neighborUnreachable(this, packet.frame, packet.offset);
          },
          resolved: (address, mac) => {
            const tracer = this.owner.context.tracer;
            if (!tracer.enabled) return;
            tracer.emit({
              type: "neighbor-resolved",
              time: this.owner.context.scheduler.now,
              node: this.owner.context.name,
              iface: this.name,
              address: new Ipv4Address(address).toString(),
              mac: new MacAddress(mac).toString(),
            });
          },
        },
        this.arpOptions,
      );
      cache.onFailure = () => this.arpCounters.failures++;
      this.arpCache = cache;
    }
    return this.arpCache;
  }

  /** ARP statistics, created on first use. */
  get arpCounters(): ArpCounters {
    this.arpStats ??= new ArpCounters();
    return this.arpStats;
  }

  /** Whether the ARP cache was ever created (so listings need not create one). */
  get hasArpCache(): boolean {
    return this.arpCache !== undefined;
  }

  /** The primary IPv4 address, if any. */
  get primaryAddress(): Ipv4Prefix | undefined {
    return this.addresses[0];
  }

  /** Whether ARP requests for `address` get our MAC: our own, or one the node proxies (NAT pools). */
  answersArpFor(address: number): boolean {
    return this.hasAddress(address) || (this.owner.answersArpFor?.(this, address) ?? false);
  }

  /** Whether `address` (uint32) is one of this interface's own. */
  hasAddress(address: number): boolean {
    for (const prefix of this.addresses) if (prefix.address.value === address) return true;
    return false;
  }

  /** The address of this interface on the subnet that holds `address`, else the primary. */
  sourceFor(address: number): Ipv4Prefix | undefined {
    for (const prefix of this.addresses) {
      const mask = ipv4Netmask(prefix.length);
      if (((prefix.address.value ^ address) & mask) === 0) return prefix;
    }
    return this.addresses[0];
  }

  /** Whether `address` is on one of this interface's subnets (on-link). */
  isOnLink(address: number): boolean {
    for (const prefix of this.addresses) {
      const mask = ipv4Netmask(prefix.length);
      if (((prefix.address.value ^ address) & mask) === 0) return true;
    }
    return false;
  }

  /**
   * Whether `address` is the directed broadcast of one of this interface's subnets (RFC 919; not
   * for /31 and /32, which have no broadcast address, RFC 3021).
   */
  isDirectedBroadcast(address: number): boolean {
    for (const prefix of this.addresses) {
      if (prefix.length >= 31) continue;
      if ((prefix.address.value | ~ipv4Netmask(prefix.length)) >>> 0 === address) return true;
    }
    return false;
  }

  /** The sub-interface for `vlan`, if configured. */
  subinterface(vlan: number): NetInterface | undefined {
    return this.subinterfaces?.get(vlan);
  }

  /** Registers a sub-interface (created by the node) under its VLAN id. */
  attachSubinterface(sub: NetInterface): void {
    if (sub.vlan === undefined) throw new RangeError(`${sub.name} has no VLAN id`);
    this.subinterfaces ??= new Map();
    if (this.subinterfaces.has(sub.vlan)) throw new RangeError(`${this.name} already has VLAN ${sub.vlan}`);
    this.subinterfaces.set(sub.vlan, sub);
  }

  /** Sub-interfaces, in VLAN order. */
  listSubinterfaces(): NetInterface[] {
    return this.subinterfaces ? [...this.subinterfaces.values()].sort((a, b) => a.vlan! - b.vlan!) : [];
  }

  /** Plugs the interface into a link endpoint. */
  attach(endpoint: LinkEndpoint): void {
    if (this.parent) throw new RangeError(`${this.name} is a sub-interface; attach its parent`);
    if (this.endpoint) throw new RangeError(`${this.owner.context.name}:${this.name} is already connected`);
    this.endpoint = endpoint;
    endpoint.onReceive = (frame) => this.receive(frame);
    endpoint.onCarrierChange = (up) => this.carrierChanged(up);
    if (this.isUp) this.announceSoon();
    this.notifyIpv6();
  }

  /** Sets the administrative state; coming up announces the addresses again. */
  setAdminUp(up: boolean): void {
    if (this.adminUp === up) return;
    this.adminUp = up;
    if (up) this.announceSoon();
    else this.arpCache?.flush();
    for (const sub of this.listSubinterfaces()) if (up) sub.announceSoon();
    this.notifyIpv6();
  }

  /** Tells IPv6 and the link listeners (here and on the sub-interfaces) the link's state after a change. */
  private notifyIpv6(): void {
    this.ipv6?.ipv6LinkChanged(this, this.isUp);
    this.notifyLinkListeners();
    for (const sub of this.listSubinterfaces()) {
      sub.ipv6?.ipv6LinkChanged(sub, sub.isUp);
      sub.notifyLinkListeners();
    }
  }

  /**
   * Calls `listener(iface, up)` whenever the interface goes up or down (carrier or administrative
   * state), as a routing protocol needs to know (RFC 2328 §9.3 InterfaceUp/InterfaceDown).
   * Returns a function that removes the listener.
   */
  onLinkChange(listener: (iface: NetInterface, up: boolean) => void): () => void {
    this.linkListeners ??= [];
    if (this.linkListeners.length === 0) this.lastNotifiedUp = this.isUp;
    this.linkListeners.push(listener);
    return () => {
      this.linkListeners = this.linkListeners?.filter((l) => l !== listener);
    };
  }

  private lastNotifiedUp: boolean | undefined;

  private notifyLinkListeners(): void {
    const listeners = this.linkListeners;
    if (listeners === undefined || listeners.length === 0) return;
    const up = this.isUp;
    if (up === this.lastNotifiedUp) return;
    this.lastNotifiedUp = up;
    for (const listener of [...listeners]) listener(this, up);
  }

  /** Adds an address (the node installs the routes); announces it once the link is up. */
  addAddress(prefix: Ipv4Prefix): void {
    if (this.hasAddress(prefix.address.value)) return;
    this.addresses.push(prefix);
    if (this.isUp) this.announceSoon();
  }

  /** Removes an address; true when it was there. */
  removeAddress(address: number): boolean {
    const index = this.addresses.findIndex((p) => p.address.value === address);
    if (index < 0) return false;
    this.addresses.splice(index, 1);
    return true;
  }

  private announcePending = false;

  /** Gratuitous ARP once, at the current time but after the configuration step finishes. */
  private announceSoon(): void {
    if (this.announcePending || this.addresses.length === 0) return;
    this.announcePending = true;
    this.owner.context.scheduler.after(0, () => {
      this.announcePending = false;
      if (this.isUp) this.owner.announce(this);
    });
  }

  private carrierChanged(up: boolean): void {
    if (up) {
      this.announceSoon();
      for (const sub of this.listSubinterfaces()) sub.announceSoon();
    } else {
      this.arpCache?.flush();
      for (const sub of this.listSubinterfaces()) sub.arpCache?.flush();
    }
    this.notifyIpv6();
  }

  // ---------------------------------------------------------------------------------------------
  // Receive

  /** A frame arrived from the link. Never throws: bad frames are counted and traced. */
  receive(frame: Uint8Array): void {
    const context = this.owner.context;
    if (context.tracer.enabled) this.traceFrame("frame-received", frame);
    const counters = this.counters;
    if (!this.adminUp) {
      counters.rxDropped++;
      counters.drops.count("interface-down");
      return;
    }
    if (frame.length < ETHERNET_HEADER_LENGTH) {
      counters.rxErrors++;
      counters.drops.count("runt-frame");
      this.traceDrop("ethernet", "runt-frame", frame);
      return;
    }
    // The NIC's address filter (IEEE 802.3 §4.2.4.1.2): our unicast address, broadcast, and (for
    // IPv4 multicast) group addresses; frames for other stations (flooded by a switch) are
    // ignored, counted only in the per-reason tally like a NIC's "filtered" statistic.
    const dst = readMac48(frame, 0);
    const group = frame[0] & 1;
    if (group === 0 && dst !== this.macValue) {
      counters.drops.count("other-host");
      return;
    }
    counters.rxPackets++;
    counters.rxBytes += frame.length;
    if (group !== 0) {
      if (dst === BROADCAST_MAC) counters.rxBroadcast++;
      else counters.rxMulticast++;
    }
    this.dispatch(frame, ETHERNET_HEADER_LENGTH, (frame[12] << 8) | frame[13], group !== 0);
  }

  /** Hands the payload that starts at `offset` to the protocol `ethertype` names. */
  private dispatch(frame: Uint8Array, offset: number, ethertype: number, linkBroadcast: boolean): void {
    switch (ethertype) {
      case EtherType.IPv4:
        this.owner.ipv4Input(this, frame, offset, linkBroadcast);
        return;
      case EtherType.ARP:
        this.owner.arpInput(this, frame, offset);
        return;
      case EtherType.IPv6:
        if (this.ipv6) this.ipv6.ipv6Input(this, frame, offset, linkBroadcast);
        else this.rxDrop(frame, "ipv6-disabled");
        return;
      case EtherType.VLAN: {
        // IEEE 802.1Q: a 4-octet tag (TPID 0x8100 already read, then PCP/DEI/VID), then the type.
        if (this.vlan !== undefined || frame.length < offset + VLAN_TAG_LENGTH) {
          this.rxDrop(frame, this.vlan !== undefined ? "double-tagged" : "runt-frame");
          return;
        }
        const vid = ((frame[offset] << 8) | frame[offset + 1]) & 0x0fff;
        const sub = this.subinterfaces?.get(vid);
        if (!sub?.adminUp) {
          this.rxDrop(frame, "unknown-vlan");
          return;
        }
        sub.counters.rxPackets++;
        sub.counters.rxBytes += frame.length;
        const inner = (frame[offset + 2] << 8) | frame[offset + 3];
        sub.dispatch(frame, offset + VLAN_TAG_LENGTH, inner, linkBroadcast);
        return;
      }
      default:
        this.rxDrop(frame, "unknown-ethertype");
    }
  }

  private rxDrop(frame: Uint8Array, reason: string): void {
    this.counters.rxDropped++;
    this.counters.drops.count(reason);
    this.traceDrop("ethernet", reason, frame);
  }

  // ---------------------------------------------------------------------------------------------
  // Transmit

  /**
   * Sends the IPv4 packet at `frame[offset, offset+length)` to the neighbour `nextHop` (uint32):
   * broadcast and multicast map straight to group MACs, unicast goes through ARP (the packet
   * waits in the ARP queue if the neighbour is not yet known). Returns false when the packet was
   * dropped here (interface down, link refused).
   */
  sendIpv4(frame: Uint8Array, offset: number, length: number, nextHop: number): boolean {
    if (!this.isUp) {
      this.counters.txDropped++;
      this.counters.drops.count("interface-down");
      return false;
    }
    let mac: number | undefined;
    if (nextHop === 0xffffffff || this.isDirectedBroadcast(nextHop)) mac = BROADCAST_MAC;
    else if (nextHop >>> 28 === 0xe) mac = IPV4_MULTICAST_MAC_BASE + (nextHop & 0x7fffff);
    else {
      const arp = this.arp;
      mac = arp.lookup(nextHop);
      if (mac === undefined) {
        arp.enqueue(nextHop, { frame, offset, length });
        return true;
      }
    }
    return this.sendFrame(frame, offset, length, mac);
  }

  /** Sends a non-IP payload (ARP) that sits at `frame[offset, offset+length)` with headroom before it. */
  sendPayload(frame: Uint8Array, offset: number, length: number, dstMac: number, ethertype: number): boolean {
    if (!this.isUp) {
      this.counters.txDropped++;
      this.counters.drops.count("interface-down");
      return false;
    }
    return this.sendFrame(frame, offset, length, dstMac, ethertype);
  }

  /** Writes the Ethernet (and 802.1Q) header before `offset` and hands the frame to the link. */
  private sendFrame(
    frame: Uint8Array,
    offset: number,
    length: number,
    dstMac: number,
    ethertype: number = EtherType.IPv4,
  ): boolean {
    const endpoint = this.wire;
    if (!endpoint || !this.isUp) {
      this.counters.txDropped++;
      this.counters.drops.count("interface-down");
      return false;
    }
    const header =
      this.vlan === undefined ? ETHERNET_HEADER_LENGTH : ETHERNET_HEADER_LENGTH + VLAN_TAG_LENGTH;
    let start = offset - header;
    if (start < 0) {
      // Not enough headroom (a packet that arrived untagged leaving on a VLAN): copy once.
      const copy = new Uint8Array(header + length);
      copy.set(frame.subarray(offset, offset + length), header);
      frame = copy;
      offset = header;
      start = 0;
    }
    writeMac48(frame, start, dstMac);
    writeMac48(frame, start + 6, this.macValue);
    let typeAt = start + 12;
    if (this.vlan !== undefined) {
      frame[typeAt] = EtherType.VLAN >>> 8;
      frame[typeAt + 1] = EtherType.VLAN & 0xff;
      frame[typeAt + 2] = (this.vlan >>> 8) & 0x0f;
      frame[typeAt + 3] = this.vlan & 0xff;
      typeAt += VLAN_TAG_LENGTH;
    }
    frame[typeAt] = ethertype >>> 8;
    frame[typeAt + 1] = ethertype & 0xff;
    const end = offset + length;
    const out = start === 0 && end === frame.length ? frame : frame.subarray(start, end);
    const counters = this.counters;
    const physical = this.parent ?? this;
    if (!endpoint.transmit(out)) {
      counters.txErrors++;
      counters.drops.count("link-refused");
      this.traceDrop("link", "link-refused", out);
      return false;
    }
    counters.txPackets++;
    counters.txBytes += out.length;
    if (dstMac === BROADCAST_MAC) counters.txBroadcast++;
    else if (dstMac >= 0x0100_0000_0000 && Math.floor(dstMac / 0x100_0000_0000) % 2 === 1)
      counters.txMulticast++;
    if (physical !== this) {
      physical.counters.txPackets++;
      physical.counters.txBytes += out.length;
    }
    if (this.owner.context.tracer.enabled) physical.traceFrame("frame-sent", out);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Trace

  private traceFrame(type: "frame-sent" | "frame-received", frame: Uint8Array): void {
    const context = this.owner.context;
    context.tracer.emit({ type, time: context.scheduler.now, node: context.name, iface: this.name, frame });
  }

  /** Emits a drop event (when someone listens). */
  traceDrop(layer: string, reason: string, frame?: Uint8Array): void {
    const context = this.owner.context;
    if (!context.tracer.enabled) return;
    context.tracer.emit({
      type: "drop",
      time: context.scheduler.now,
      node: context.name,
      layer,
      reason,
      iface: this.name,
      ...(frame ? { frame } : {}),
    });
  }
}
