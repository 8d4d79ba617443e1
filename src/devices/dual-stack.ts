/**
 * The network layer a node's transports see: one {@link NetworkLayer} over both IP versions, so a
 * single UDP and a single TCP serve IPv4 and IPv6 alike (as in Linux, where one socket table holds
 * both families and an `AF_INET6` socket bound to `::` also takes IPv4, RFC 3493 §3.7).
 *
 * Each datagram goes to the layer of its destination's family; a transport registers once and is
 * registered with both layers (with IPv6 as soon as the node enables it). IPv6 is created lazily
 * by the node, so an IPv4-only node pays nothing for it.
 */
import type { Ipv4Layer } from "../net/ipv4-layer.js";
import type { Ipv6Layer } from "../net/ipv6-layer.js";
import type { DatagramToSend, ReceivedDatagram, SendError, TransportProtocol } from "../net/network-layer.js";
import type { SeededRandom } from "../sim/random.js";
import type { UdpNetwork } from "../transport/udp.js";
import type { IpAddress } from "../wire/address/ipv6.js";

export class DualStack implements UdpNetwork {
  private readonly registered: TransportProtocol[] = [];
  private v6: Ipv6Layer | undefined;

  constructor(
    readonly ipv4: Ipv4Layer,
    /** Creates (or returns) the node's IPv6 layer when an IPv6 operation needs it. */
    private readonly createIpv6: () => Ipv6Layer,
  ) {}

  /** The IPv6 layer, once the node has one. */
  get ipv6(): Ipv6Layer | undefined {
    return this.v6;
  }

  /** @internal The node created its IPv6 layer: give it the transports registered so far. */
  attachIpv6(ipv6: Ipv6Layer): void {
    if (this.v6) return;
    this.v6 = ipv6;
    for (const protocol of this.registered) ipv6.register(protocol);
  }

  get random(): SeededRandom {
    return this.ipv4.random;
  }

  register(protocol: TransportProtocol): void {
    this.ipv4.register(protocol);
    this.v6?.register(protocol);
    this.registered.push(protocol);
  }

  send(datagram: DatagramToSend): SendError | undefined {
    if (datagram.dst.version === 4) return this.ipv4.send(datagram);
    if (!this.v6) return "no-route";
    return this.v6.send(datagram);
  }

  sourceFor(dst: IpAddress): IpAddress | undefined {
    return dst.version === 4 ? this.ipv4.sourceFor(dst) : this.v6?.sourceFor(dst);
  }

  pathMtu(dst: IpAddress): number {
    return dst.version === 4 ? this.ipv4.pathMtu(dst) : (this.v6?.pathMtu(dst) ?? 1280);
  }

  isLocalAddress(address: IpAddress): boolean {
    if (address.version === 4) return this.ipv4.isLocalAddress(address);
    return address.isLoopback || (this.v6?.isLocalAddress(address) ?? false);
  }

  /** IPv4 broadcast addresses (UDP asks, for SO_BROADCAST). */
  isBroadcastAddress(address: number): boolean {
    return this.ipv4.isBroadcastAddress(address);
  }

  sendPortUnreachable(datagram: ReceivedDatagram): boolean {
    if (datagram.src.version === 4) return this.ipv4.sendPortUnreachable(datagram);
    return this.v6?.sendPortUnreachable(datagram) ?? false;
  }

  joinGroup(group: IpAddress): void {
    if (group.version === 4) this.ipv4.joinGroup(group);
    else this.createIpv6().joinGroup(group);
  }

  leaveGroup(group: IpAddress): void {
    if (group.version === 4) this.ipv4.leaveGroup(group);
    else this.v6?.leaveGroup(group);
  }
}
