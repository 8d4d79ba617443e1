/**
 * A network-layer test double for TCP: hosts that implement the NetworkLayer contract, joined
 * by directed paths with the impairments TCP must survive — propagation delay, a bottleneck rate
 * with a drop-tail queue, random loss, duplication, reordering and corruption, and a router with
 * a smaller MTU that answers oversized DF packets with ICMP "fragmentation needed". Everything
 * runs in the simulator's virtual time with its seeded random streams, so a run is reproducible
 * from its seed.
 *
 * It lets TCP be tested (and benchmarked) without Ethernet, ARP or routing; end-to-end tests over
 * the real stack live beside it.
 */
import type {
  DatagramToSend,
  NetworkLayer,
  ReceivedDatagram,
  SendError,
  TransportProtocol,
} from "../../net/network-layer.js";
import type { SeededRandom } from "../../sim/random.js";
import type { Scheduler } from "../../sim/scheduler.js";
import type { Nanoseconds } from "../../sim/time.js";
import { SECOND } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import type { IpAddress } from "../../wire/address/ipv6.js";

/** What happens to packets on one direction of a path. */
export interface PathConditions {
  /** One-way propagation delay. */
  delay?: Nanoseconds;
  /** Bottleneck rate in bit/s (undefined: infinitely fast). */
  rate?: number;
  /** Bytes the bottleneck queue holds before it drops arrivals (undefined: unbounded). */
  queueBytes?: number;
  /** Probability that a packet is lost. */
  loss?: number;
  /** Probability that a packet is delivered twice. */
  duplicate?: number;
  /** Probability that one bit of a packet is flipped (the checksum must catch it). */
  corrupt?: number;
  /** Probability that a packet is held back by up to `reorderDelay` (overtaken by later ones). */
  reorder?: number;
  reorderDelay?: Nanoseconds;
  /** A router on the path with this MTU: larger DF packets are dropped with an ICMP error. */
  bottleneckMtu?: number;
}

/** A packet seen by a network observer. */
export interface FakePacket {
  src: IpAddress;
  dst: IpAddress;
  protocol: number;
  payload: Uint8Array;
}

/** Counts of what the network did. */
export interface FakeNetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  queueDrops: number;
  duplicated: number;
  corrupted: number;
  reordered: number;
  unroutable: number;
  tooBig: number;
}

interface DirectedPath {
  conditions: PathConditions;
  random: SeededRandom;
  busyUntil: Nanoseconds;
}

export class FakeNetwork {
  private readonly hosts = new Map<number | string, FakeHost>();
  /** Directed paths by source, then destination. */
  private readonly paths = new Map<number | string, Map<number | string, DirectedPath>>();
  private defaults: PathConditions = {};
  readonly stats: FakeNetworkStats = {
    sent: 0,
    delivered: 0,
    lost: 0,
    queueDrops: 0,
    duplicated: 0,
    corrupted: 0,
    reordered: 0,
    unroutable: 0,
    tooBig: 0,
  };
  /**
   * Sees every packet as it is sent; returning "drop" drops it (for targeted-loss tests). The
   * payload is the network's own copy.
   */
  observer: ((packet: FakePacket) => "drop" | undefined) | undefined = undefined;

  constructor(readonly scheduler: Scheduler) {}

  /** A host with this address (and MTU, default 1500). */
  host(address: IpAddress | string, mtu = 1500): FakeHost {
    const ip = typeof address === "string" ? Ipv4Address.parse(address) : address;
    const host = new FakeHost(this, ip, mtu);
    this.hosts.set(addressKey(ip), host);
    return host;
  }

  /** Conditions for every path without its own. */
  setDefaults(conditions: PathConditions): void {
    this.defaults = conditions;
    for (const bySource of this.paths.values())
      for (const path of bySource.values()) path.conditions = conditions;
  }

  /** Conditions from `a` to `b` (one direction). */
  setPath(a: FakeHost, b: FakeHost, conditions: PathConditions): void {
    this.path(a.address, b.address).conditions = conditions;
  }

  /** The same conditions in both directions. */
  setLink(a: FakeHost, b: FakeHost, conditions: PathConditions): void {
    this.setPath(a, b, conditions);
    this.setPath(b, a, conditions);
  }

  private path(src: IpAddress, dst: IpAddress): DirectedPath {
    const sourceKey = addressKey(src);
    let bySource = this.paths.get(sourceKey);
    if (!bySource) {
      bySource = new Map();
      this.paths.set(sourceKey, bySource);
    }
    const destinationKey = addressKey(dst);
    let path = bySource.get(destinationKey);
    if (!path) {
      const label = `fake-path:${src}>${dst}`;
      path = { conditions: this.defaults, random: this.scheduler.random.fork(label), busyUntil: 0 };
      bySource.set(destinationKey, path);
    }
    return path;
  }

  /** @internal */
  hostFor(address: IpAddress): FakeHost | undefined {
    return this.hosts.get(addressKey(address));
  }

  /** @internal Carries a datagram from `from` toward its destination. */
  carry(from: FakeHost, datagram: DatagramToSend): SendError | undefined {
    const stats = this.stats;
    const src = datagram.src ?? from.address;
    const dst = datagram.dst;
    stats.sent++;
    const to = this.hostFor(dst);
    if (!to) {
      // Nobody there (e.g. the spoofed source of a SYN flood): the packet goes nowhere.
      stats.unroutable++;
      return undefined;
    }
    const ipLength = datagram.payload.length + (dst.version === 4 ? 20 : 40);
    if (ipLength > from.mtu && datagram.dontFragment) return "message-too-big";
    const payload = datagram.payload.slice();
    if (this.observer?.({ src, dst, protocol: datagram.protocol, payload }) === "drop") {
      stats.lost++;
      return undefined;
    }
    const path = this.path(src, dst);
    const c = path.conditions;
    const random = path.random;
    const now = this.scheduler.now;
    if (c.bottleneckMtu !== undefined && ipLength > c.bottleneckMtu && datagram.dontFragment) {
      // RFC 1191: the router drops it and says which MTU would fit.
      stats.tooBig++;
      const mtu = c.bottleneckMtu;
      this.scheduler.at(now + (c.delay ?? 0), () =>
        from.icmpTooBig(src, dst, datagram.protocol, payload, mtu),
      );
      return undefined;
    }
    // The bottleneck: serialization at `rate` behind what is queued, drop-tail beyond queueBytes.
    let departure = now;
    if (c.rate !== undefined && c.rate > 0) {
      const start = Math.max(now, path.busyUntil);
      const queued = ((start - now) * c.rate) / 8 / SECOND;
      if (c.queueBytes !== undefined && queued + ipLength > c.queueBytes) {
        stats.queueDrops++;
        return undefined;
      }
      path.busyUntil = start + Math.round((ipLength * 8 * SECOND) / c.rate);
      departure = path.busyUntil;
    }
    if (c.loss && random.chance(c.loss)) {
      stats.lost++;
      return undefined;
    }
    let arrival = departure + (c.delay ?? 0);
    if (c.reorder && random.chance(c.reorder)) {
      stats.reordered++;
      arrival += Math.round(random.next() * (c.reorderDelay ?? 1_000_000));
    }
    if (c.corrupt && random.chance(c.corrupt) && payload.length > 0) {
      stats.corrupted++;
      payload[random.int(payload.length)] ^= 1 << random.int(8);
    }
    this.scheduler.at(arrival, () => this.deliver(to, src, dst, datagram.protocol, payload));
    if (c.duplicate && random.chance(c.duplicate)) {
      stats.duplicated++;
      const copy = payload.slice();
      this.scheduler.at(arrival + Math.round(random.next() * 1_000_000), () =>
        this.deliver(to, src, dst, datagram.protocol, copy),
      );
    }
    return undefined;
  }

  private deliver(to: FakeHost, src: IpAddress, dst: IpAddress, protocol: number, payload: Uint8Array): void {
    this.stats.delivered++;
    to.input({ src, dst, protocol, payload, ttl: 64, tos: 0, iface: "eth0", broadcast: false });
  }

  /** Delivers a hand-made datagram to `dst` now, as if `src` had sent it (injection tests). */
  inject(src: IpAddress, dst: IpAddress, protocol: number, payload: Uint8Array): void {
    const to = this.hostFor(dst);
    if (to) this.deliver(to, src, dst, protocol, payload);
  }
}

function addressKey(address: IpAddress): number | string {
  return address.version === 4 ? address.value : address.toString();
}

/** One host: a NetworkLayer with a single address. */
export class FakeHost implements NetworkLayer {
  private readonly transports = new Map<number, TransportProtocol>();
  /** Path MTUs learned from ICMP "fragmentation needed" (RFC 1191), by destination. */
  private readonly learnedMtu = new Map<number | string, number>();

  /** @internal Use FakeNetwork.host. */
  constructor(
    private readonly network: FakeNetwork,
    readonly address: IpAddress,
    readonly mtu: number,
  ) {}

  send(datagram: DatagramToSend): SendError | undefined {
    const learned = this.learnedMtu.get(addressKey(datagram.dst));
    const ipLength = datagram.payload.length + (datagram.dst.version === 4 ? 20 : 40);
    if (learned !== undefined && ipLength > learned && datagram.dontFragment) return "message-too-big";
    return this.network.carry(this, datagram);
  }

  register(protocol: TransportProtocol): void {
    this.transports.set(protocol.protocol, protocol);
  }

  sourceFor(dst: IpAddress): IpAddress | undefined {
    return this.network.hostFor(dst) || dst.version === this.address.version ? this.address : undefined;
  }

  pathMtu(dst: IpAddress): number {
    return this.learnedMtu.get(addressKey(dst)) ?? this.mtu;
  }

  isLocalAddress(address: IpAddress): boolean {
    return addressKey(address) === addressKey(this.address);
  }

  /** @internal */
  input(datagram: ReceivedDatagram): void {
    this.transports.get(datagram.protocol)?.receive(datagram);
  }

  /** @internal A router answered a packet we sent with "fragmentation needed" (RFC 1191). */
  icmpTooBig(src: IpAddress, dst: IpAddress, protocol: number, payload: Uint8Array, mtu: number): void {
    const key = addressKey(dst);
    const known = this.learnedMtu.get(key);
    if (known === undefined || mtu < known) this.learnedMtu.set(key, mtu);
    this.transports.get(protocol)?.receiveError?.({
      kind: "unreachable",
      code: 4,
      errno: "EMSGSIZE",
      mtu,
      reporter: dst,
      src,
      dst,
      protocol,
      quoted: payload.subarray(0, 8),
    });
  }
}
