/**
 * The network layer the TCP under test runs on during a script: one local address, one remote
 * peer (the script), a fixed path MTU. Everything TCP sends is captured with its virtual send
 * time; the runner injects the script's inbound segments and ICMP errors.
 */
import type {
  DatagramToSend,
  NetworkLayer,
  ReceivedDatagram,
  SendError,
  TransportError,
  TransportProtocol,
} from "../net/network-layer.js";
import type { Scheduler } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";
import type { IpAddress } from "../wire/address/ipv6.js";

export interface CapturedDatagram {
  /** Virtual time at which the transport handed it to the network layer. */
  time: Nanoseconds;
  datagram: DatagramToSend;
}

export class NetworkDouble implements NetworkLayer {
  /** Datagrams sent and not yet taken by the runner, oldest first. */
  readonly outbox: CapturedDatagram[] = [];
  private readonly transports = new Map<number, TransportProtocol>();
  private mtu: number;

  constructor(
    private readonly scheduler: Scheduler,
    readonly local: IpAddress,
    readonly remote: IpAddress,
    mtu: number,
  ) {
    this.mtu = mtu;
  }

  send(datagram: DatagramToSend): SendError | undefined {
    if (datagram.dst.version !== this.local.version) return "no-route";
    // The transport may reuse its buffer once send returns: keep a copy.
    this.outbox.push({
      time: this.scheduler.now,
      datagram: { ...datagram, payload: datagram.payload.slice() },
    });
    return undefined;
  }

  register(protocol: TransportProtocol): void {
    this.transports.set(protocol.protocol, protocol);
  }

  sourceFor(dst: IpAddress): IpAddress | undefined {
    return dst.version === this.local.version ? this.local : undefined;
  }

  pathMtu(_dst: IpAddress): number {
    return this.mtu;
  }

  isLocalAddress(address: IpAddress): boolean {
    return address.version === this.local.version && address.toString() === this.local.toString();
  }

  /** Lowers the path MTU, as the real network layer does on a fragmentation-needed / packet-too-big error. */
  learnPathMtu(mtu: number): void {
    if (mtu < this.mtu) this.mtu = mtu;
  }

  /** Hands a datagram from the script up to its transport protocol; false when none is registered. */
  deliver(datagram: ReceivedDatagram): boolean {
    const transport = this.transports.get(datagram.protocol);
    if (!transport) return false;
    transport.receive(datagram);
    return true;
  }

  /** Hands an ICMP error quoting one of our datagrams to the transport that sent it. */
  deliverError(error: TransportError): boolean {
    const transport = this.transports.get(error.protocol);
    if (!transport?.receiveError) return false;
    transport.receiveError(error);
    return true;
  }
}
