/**
 * UDP (RFC 768, RFC 1122 §4.1): sockets over the network layer.
 *
 * - **Ports.** A socket binds a local port, optionally a local address; port 0 picks an ephemeral
 *   port from 49152-65535 (RFC 6335 §6, IANA's dynamic range) starting at a random point of the
 *   node's seeded stream (RFC 6056 §3.3.1's "simple port randomization"). Two sockets may not bind
 *   overlapping (address, port) pairs unless both ask for `reuseAddress` (EADDRINUSE otherwise).
 * - **Demultiplexing** (RFC 1122 §4.1.3.4): the most specific socket wins — one connected to the
 *   datagram's source, then one bound to the destination address, then a wildcard socket.
 *   A broadcast or multicast datagram goes to every socket bound to the port that accepts it.
 * - **Checksums** are always sent (RFC 1122 §4.1.3.4: MUST be able to, SHOULD by default) and
 *   verified on receipt; a zero checksum (none sent) is accepted over IPv4 (RFC 768).
 * - **No listener**: ICMP port unreachable (RFC 1122 §4.1.3.1), rate limited by ICMP, never for
 *   broadcast; counted as NoPorts.
 * - **ICMP errors** (RFC 1122 §4.1.3.3) go to the socket that sent the quoted datagram: a connected
 *   socket gets the errno (ECONNREFUSED for port unreachable, like Linux's); with `recvErr` (Linux's
 *   IP_RECVERR, what traceroute uses) every error is reported with its ICMP details.
 * - **Both IP versions**: a socket takes IPv4 and IPv6 unless `family` restricts it (`udp4`, or
 *   IPV6_V6ONLY); over IPv6 the checksum is mandatory (RFC 8200 §8.1) and a datagram may carry
 *   65,527 octets.
 * - **Receive buffer**: a socket without a message handler queues datagrams up to
 *   `receiveBufferSize` octets (Linux's rmem_default is 212992); beyond that they are dropped and
 *   counted as RcvbufErrors.
 */

import { UdpCounters } from "../net/counters.js";
import type {
  NetworkLayer,
  ReceivedDatagram,
  SendError,
  TransportError,
  TransportProtocol,
} from "../net/network-layer.js";
import type { SeededRandom } from "../sim/random.js";
import type { Ipv4Address } from "../wire/address/ipv4.js";
import type { IpAddress } from "../wire/address/ipv6.js";
import { internetChecksum, pseudoHeaderSum } from "../wire/checksum.js";
import { checkUdp, IP_PROTOCOL_UDP, UDP_HEADER_LENGTH } from "../wire/udp.js";

/** What UDP needs from the network layer beyond the common contract. */
export interface UdpNetwork extends NetworkLayer {
  /** The node's seeded random stream (ephemeral ports). */
  readonly random: SeededRandom;
  /** Answers `datagram` with ICMP port unreachable (the network layer applies RFC 1122's rules and the rate limit). */
  sendPortUnreachable(datagram: ReceivedDatagram): boolean;
  /** Multicast membership (IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP), counted per member. */
  joinGroup(group: IpAddress): void;
  leaveGroup(group: IpAddress): void;
}

/** A datagram as a socket receives it. */
export interface UdpMessage {
  data: Uint8Array;
  /** The sender. */
  address: IpAddress;
  port: number;
  /** The address it was sent to (ours, or a broadcast). */
  localAddress: IpAddress;
  localPort: number;
  ttl: number;
  tos: number;
  /** Interface it arrived on. */
  iface: string;
  broadcast: boolean;
}

/** Errors a socket operation can return (Node/POSIX errno names). */
export type UdpErrno =
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "EINVAL"
  | "EACCES"
  | "EMSGSIZE"
  | "ENETUNREACH"
  | "EHOSTUNREACH"
  | "ENOBUFS"
  | "EDESTADDRREQ"
  | "EBADF"
  | "EAFNOSUPPORT"
  | "ENETDOWN"
  | "EPERM";

export interface UdpSocketOptions {
  /** SO_REUSEADDR: several sockets may bind the same port (all must ask). */
  reuseAddress?: boolean;
  /** SO_BROADCAST: allow sending to broadcast addresses. */
  broadcast?: boolean;
  /** Queue limit in octets of payload when no `onMessage` handler is set (default 212992). */
  receiveBufferSize?: number;
  /**
   * Only this IP version: 4 for an `AF_INET` socket, 6 for `AF_INET6` with IPV6_V6ONLY; undefined
   * (the default) takes both, as an `AF_INET6` socket bound to `::` does (RFC 3493 §3.7).
   */
  family?: 4 | 6;
}

/** The dynamic port range (RFC 6335 §6). */
export const EPHEMERAL_PORT_MIN = 49152;
export const EPHEMERAL_PORT_MAX = 65535;
/** Largest UDP payload over IPv4: 65535 − 20 (IP header) − 8 (UDP header). */
export const MAX_UDP_PAYLOAD = 65507;
/** Largest UDP payload over IPv6 without jumbograms: 65535 (Payload Length) − 8 (UDP header). */
export const MAX_UDP6_PAYLOAD = 65527;
const DEFAULT_RECEIVE_BUFFER = 212_992;

export class UdpSocket {
  /** Bound local address; undefined means any (INADDR_ANY). */
  localAddress: IpAddress | undefined;
  /** Bound local port, 0 while unbound. */
  localPort = 0;
  remoteAddress: IpAddress | undefined;
  remotePort = 0;
  /** SO_BROADCAST. */
  broadcast: boolean;
  readonly reuseAddress: boolean;
  /** The IP version this socket is limited to, if any (see {@link UdpSocketOptions.family}). */
  readonly family: 4 | 6 | undefined;
  /** IP_TTL for datagrams this socket sends (default: the node's). */
  ttl: number | undefined;
  /** IP_TOS. */
  tos: number | undefined;
  /** IP_MULTICAST_TTL: TTL of datagrams to multicast groups (default 1, RFC 1112 §6.1). */
  multicastTtl = 1;
  /** Groups this socket joined (left again on close). */
  private memberships: IpAddress[] | undefined;
  /** Set DF on datagrams (IP_MTU_DISCOVER = IP_PMTUDISC_DO). */
  dontFragment = false;
  /** IP_RECVERR: report every ICMP error about our datagrams to {@link onIcmpError}. */
  recvErr = false;
  /** SO_BINDTODEVICE: send out of this interface. */
  boundInterface: string | undefined;
  /** Called for each datagram received (otherwise datagrams queue for {@link receive}). */
  onMessage: ((message: UdpMessage) => void) | undefined;
  /** Asynchronous errors on a connected socket (ECONNREFUSED after a port unreachable...). */
  onError: ((errno: string, error: TransportError) => void) | undefined;
  /** With {@link recvErr}: every ICMP error quoting a datagram this socket sent. */
  onIcmpError: ((error: TransportError) => void) | undefined;
  /** Octets of payload that may wait in the queue. */
  receiveBufferSize: number;
  private queue: UdpMessage[] | undefined;
  private queuedBytes = 0;
  /** The pending asynchronous error (SO_ERROR), reported once. */
  pendingError: string | undefined;
  private closed = false;

  constructor(
    private readonly udp: UdpLayer,
    options: UdpSocketOptions = {},
  ) {
    this.broadcast = options.broadcast ?? false;
    this.reuseAddress = options.reuseAddress ?? false;
    this.family = options.family;
    this.receiveBufferSize = options.receiveBufferSize ?? DEFAULT_RECEIVE_BUFFER;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isConnected(): boolean {
    return this.remoteAddress !== undefined;
  }

  /**
   * Binds to `port` (0: an ephemeral port) and optionally a local `address` (which must be one of
   * the node's, or a broadcast/multicast address to receive those only).
   */
  bind(port = 0, address?: IpAddress): UdpErrno | undefined {
    if (this.closed) return "EBADF";
    if (this.localPort !== 0) return "EINVAL";
    return this.udp.bindSocket(this, port, address);
  }

  /** Sets the default destination and accepts datagrams only from it (RFC 1122 §4.1.3.4). */
  connect(address: IpAddress, port: number): UdpErrno | undefined {
    if (this.closed) return "EBADF";
    if (!validPort(port) || port === 0) return "EINVAL";
    if (this.udp.isBroadcastDestination(address) && !this.broadcast) return "EACCES";
    if (this.localPort === 0) {
      const error = this.bind(0);
      if (error) return error;
    }
    this.remoteAddress = address;
    this.remotePort = port;
    return undefined;
  }

  /** Dissolves the association (connect to AF_UNSPEC). */
  disconnect(): void {
    this.remoteAddress = undefined;
    this.remotePort = 0;
  }

  /** Sends to the connected peer. */
  send(data: Uint8Array): UdpErrno | undefined {
    if (this.remoteAddress === undefined) return "EDESTADDRREQ";
    return this.sendTo(data, this.remotePort, this.remoteAddress);
  }

  /** Sends `data` to `address:port`, binding an ephemeral port first if needed. */
  sendTo(data: Uint8Array, port: number, address: IpAddress): UdpErrno | undefined {
    if (this.closed) return "EBADF";
    if (!validPort(port) || port === 0) return "EINVAL";
    return this.udp.sendFrom(this, data, port, address);
  }

  /** The next queued datagram (when no `onMessage` handler is set), or undefined. */
  receive(): UdpMessage | undefined {
    const message = this.queue?.shift();
    if (message) this.queuedBytes -= message.data.length;
    return message;
  }

  /** Datagrams waiting in the queue. */
  get queued(): number {
    return this.queue?.length ?? 0;
  }

  /** IP_ADD_MEMBERSHIP: receive datagrams sent to `group` (on this socket's port). */
  addMembership(group: IpAddress): UdpErrno | undefined {
    if (this.closed) return "EBADF";
    if (group.version === 4 ? group.value >>> 28 !== 0xe : !group.isMulticast) return "EINVAL";
    if (this.family !== undefined && group.version !== this.family) return "EINVAL";
    if (this.memberships?.some((g) => sameAddress(g, group))) return "EADDRINUSE";
    this.udp.network.joinGroup(group);
    this.memberships ??= [];
    this.memberships.push(group);
    return undefined;
  }

  /** IP_DROP_MEMBERSHIP. */
  dropMembership(group: IpAddress): UdpErrno | undefined {
    const index = this.memberships?.findIndex((g) => sameAddress(g, group)) ?? -1;
    if (index < 0) return "EADDRNOTAVAIL";
    this.memberships!.splice(index, 1);
    this.udp.network.leaveGroup(group);
    return undefined;
  }

  /** Reads and clears the pending error (SO_ERROR). */
  takeError(): string | undefined {
    const error = this.pendingError;
    this.pendingError = undefined;
    return error;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.memberships ?? []) this.udp.network.leaveGroup(group);
    this.memberships = undefined;
    this.udp.unbindSocket(this);
    this.queue = undefined;
    this.queuedBytes = 0;
  }

  /** @internal A datagram for this socket. Returns false when the buffer was full. */
  deliver(message: UdpMessage): boolean {
    if (this.onMessage) {
      this.onMessage(message);
      return true;
    }
    if (this.queuedBytes + message.data.length > this.receiveBufferSize) return false;
    this.queue ??= [];
    this.queue.push(message);
    this.queuedBytes += message.data.length;
    return true;
  }

  /** @internal An ICMP error about a datagram we sent. */
  error(error: TransportError): void {
    if (this.recvErr) this.onIcmpError?.(error);
    // RFC 1122 §4.1.3.3 leaves it to the application; Linux reports errors only to connected
    // sockets (or with IP_RECVERR), since an unconnected socket cannot tell which send failed.
    if (this.isConnected || this.recvErr) {
      this.pendingError = error.errno;
      this.onError?.(error.errno, error);
    }
  }
}

export class UdpLayer implements TransportProtocol {
  readonly protocol = IP_PROTOCOL_UDP;
  readonly counters = new UdpCounters();
  /** Sockets by local port. */
  private readonly ports = new Map<number, UdpSocket[]>();
  private nextEphemeral = -1;

  constructor(readonly network: UdpNetwork) {
    network.register(this);
  }

  /** Creates an unbound socket. */
  createSocket(options: UdpSocketOptions = {}): UdpSocket {
    return new UdpSocket(this, options);
  }

  /** Sockets bound to `port`. */
  socketsOn(port: number): readonly UdpSocket[] {
    return this.ports.get(port) ?? [];
  }

  /** Whether `address` is a broadcast or multicast destination (needs SO_BROADCAST for broadcast). */
  isBroadcastDestination(address: IpAddress): boolean {
    if (address.version !== 4) return false;
    return address.value === 0xffffffff || isDirectedBroadcastOf(this.network, address);
  }

  /** @internal */
  bindSocket(socket: UdpSocket, port: number, address: IpAddress | undefined): UdpErrno | undefined {
    if (!validPort(port)) return "EINVAL";
    if (address && socket.family !== undefined && address.version !== socket.family) return "EAFNOSUPPORT";
    const wildcard = !address || (address.version === 4 ? address.value === 0 : address.isUnspecified);
    if (!wildcard && !this.network.isLocalAddress(address!) && !this.isBroadcastDestination(address!)) {
      return "EADDRNOTAVAIL";
    }
    const local = wildcard ? undefined : address;
    if (port === 0) {
      const chosen = this.ephemeralPort(local, socket.reuseAddress, socket.family);
      if (chosen === undefined) return "EADDRINUSE";
      port = chosen;
    } else if (this.conflicts(port, local, socket.reuseAddress, socket.family)) {
      return "EADDRINUSE";
    }
    socket.localAddress = local;
    socket.localPort = port;
    const list = this.ports.get(port);
    if (list) list.push(socket);
    else this.ports.set(port, [socket]);
    return undefined;
  }

  /** @internal */
  unbindSocket(socket: UdpSocket): void {
    const list = this.ports.get(socket.localPort);
    if (!list) return;
    const index = list.indexOf(socket);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.ports.delete(socket.localPort);
  }

  /**
   * Two bindings overlap when the ports match and either address is the wildcard (of a family the
   * other socket takes) or they are equal.
   */
  private conflicts(port: number, address: IpAddress | undefined, reuse: boolean, family?: 4 | 6): boolean {
    const list = this.ports.get(port);
    if (!list) return false;
    for (const other of list) {
      if (reuse && other.reuseAddress) continue;
      if (family !== undefined && other.family !== undefined && family !== other.family) continue;
      if (!address && other.localAddress && family !== undefined && other.localAddress.version !== family)
        continue;
      if (!other.localAddress && address && other.family !== undefined && address.version !== other.family)
        continue;
      if (!address || !other.localAddress) return true;
      if (sameAddress(address, other.localAddress)) return true;
    }
    return false;
  }

  /** RFC 6056 §3.3.1: a random starting point in the dynamic range, then the next free port. */
  private ephemeralPort(address: IpAddress | undefined, reuse: boolean, family?: 4 | 6): number | undefined {
    const range = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
    if (this.nextEphemeral < 0) this.nextEphemeral = this.network.random.int(range);
    for (let i = 0; i < range; i++) {
      const port = EPHEMERAL_PORT_MIN + ((this.nextEphemeral + i) % range);
      if (!this.conflicts(port, address, reuse, family)) {
        this.nextEphemeral = (this.nextEphemeral + i + 1) % range;
        return port;
      }
    }
    return undefined;
  }

  /** @internal Builds the datagram (header, data, checksum) and hands it to the network layer. */
  sendFrom(socket: UdpSocket, data: Uint8Array, port: number, address: IpAddress): UdpErrno | undefined {
    if (socket.family !== undefined && address.version !== socket.family) return "EAFNOSUPPORT";
    if (data.length > (address.version === 4 ? MAX_UDP_PAYLOAD : MAX_UDP6_PAYLOAD)) return "EMSGSIZE";
    if (this.isBroadcastDestination(address) && !socket.broadcast) return "EACCES";
    if (socket.localPort === 0) {
      const error = socket.bind(0);
      if (error) return error;
    }
    // RFC 1122 §4.1.3.4: the source is the bound address, else the one the route suggests.
    let src = socket.localAddress;
    if (src && src.version !== address.version) return "EAFNOSUPPORT";
    if (
      !src ||
      (src.version === 4 ? src.value === 0xffffffff || src.value >>> 28 === 0xe : src.isMulticast)
    ) {
      src = this.network.sourceFor(address);
    }
    if (!src) {
      this.counters.sndbufErrors++;
      return "ENETUNREACH";
    }
    const length = UDP_HEADER_LENGTH + data.length;
    const datagram = new Uint8Array(length);
    datagram[0] = socket.localPort >>> 8;
    datagram[1] = socket.localPort & 0xff;
    datagram[2] = port >>> 8;
    datagram[3] = port & 0xff;
    datagram[4] = length >>> 8;
    datagram[5] = length & 0xff;
    datagram.set(data, UDP_HEADER_LENGTH);
    // RFC 768: the checksum covers a pseudo-header, the UDP header and the data; a computed 0
    // is sent as 0xffff since 0 means "no checksum".
    const sum = internetChecksum(
      datagram,
      0,
      length,
      pseudoHeaderSum({ src, dst: address }, IP_PROTOCOL_UDP, length),
    );
    const checksum = sum === 0 ? 0xffff : sum;
    datagram[6] = checksum >>> 8;
    datagram[7] = checksum & 0xff;
    const error = this.network.send({
      src,
      dst: address,
      protocol: IP_PROTOCOL_UDP,
      payload: datagram,
      ...((address.version === 4 ? address.value >>> 28 === 0xe : address.isMulticast)
        ? { ttl: socket.multicastTtl }
        : socket.ttl !== undefined
          ? { ttl: socket.ttl }
          : {}),
      ...(socket.tos !== undefined ? { tos: socket.tos } : {}),
      ...(socket.dontFragment ? { dontFragment: true } : {}),
      ...(socket.boundInterface !== undefined ? { iface: socket.boundInterface } : {}),
    });
    if (error) {
      this.counters.sndbufErrors++;
      return sendErrno(error);
    }
    this.counters.outDatagrams++;
    return undefined;
  }

  receive(datagram: ReceivedDatagram): void {
    const counters = this.counters;
    const bytes = datagram.payload;
    if (checkUdp(bytes) !== undefined) {
      counters.inErrors++;
      counters.drops.count("malformed");
      return;
    }
    const length = (bytes[4] << 8) | bytes[5];
    const checksum = (bytes[6] << 8) | bytes[7];
    if (checksum !== 0) {
      const initial = pseudoHeaderSum({ src: datagram.src, dst: datagram.dst }, IP_PROTOCOL_UDP, length);
      if (internetChecksum(bytes, 0, length, initial) !== 0) {
        counters.inErrors++;
        counters.inCsumErrors++;
        counters.drops.count("bad-checksum");
        return;
      }
    } else if (datagram.src.version !== 4) {
      // RFC 8200 §8.1: over IPv6 the checksum is mandatory.
      counters.inErrors++;
      counters.drops.count("zero-checksum");
      return;
    }
    const srcPort = (bytes[0] << 8) | bytes[1];
    const dstPort = (bytes[2] << 8) | bytes[3];
    const data = bytes.subarray(UDP_HEADER_LENGTH, length);
    const candidates = this.ports.get(dstPort);

    if (datagram.broadcast) {
      let delivered = false;
      if (candidates) {
        for (const socket of [...candidates]) {
          if (!this.accepts(socket, datagram, srcPort)) continue;
          delivered = true;
          this.hand(socket, datagram, data, srcPort, dstPort);
        }
      }
      if (!delivered) {
        counters.noPorts++;
        counters.drops.count("no-port");
      }
      return;
    }

    let best: UdpSocket | undefined;
    let bestScore = -1;
    if (candidates) {
      for (const socket of candidates) {
        if (!this.accepts(socket, datagram, srcPort)) continue;
        const score = (socket.isConnected ? 2 : 0) + (socket.localAddress ? 1 : 0);
        if (score > bestScore) {
          best = socket;
          bestScore = score;
        }
      }
    }
    if (!best) {
      counters.noPorts++;
      counters.drops.count("no-port");
      this.network.sendPortUnreachable(datagram);
      return;
    }
    this.hand(best, datagram, data, srcPort, dstPort);
  }

  /** Whether `socket` takes this datagram: bound address and connected peer must match. */
  private accepts(socket: UdpSocket, datagram: ReceivedDatagram, srcPort: number): boolean {
    if (socket.family !== undefined && datagram.dst.version !== socket.family) return false;
    // A socket bound to a unicast address sees neither other addresses nor broadcasts (as Linux).
    if (socket.localAddress && !sameAddress(socket.localAddress, datagram.dst)) return false;
    if (socket.isConnected) {
      return socket.remotePort === srcPort && sameAddress(socket.remoteAddress!, datagram.src);
    }
    return true;
  }

  private hand(
    socket: UdpSocket,
    datagram: ReceivedDatagram,
    data: Uint8Array,
    srcPort: number,
    dstPort: number,
  ): void {
    const message: UdpMessage = {
      data,
      address: datagram.src,
      port: srcPort,
      localAddress: datagram.dst,
      localPort: dstPort,
      ttl: datagram.ttl,
      tos: datagram.tos,
      iface: datagram.iface,
      broadcast: datagram.broadcast,
    };
    if (socket.deliver(message)) {
      this.counters.inDatagrams++;
    } else {
      this.counters.rcvbufErrors++;
      this.counters.inErrors++;
      this.counters.drops.count("receive-buffer-full");
    }
  }

  /** RFC 1122 §4.1.3.3: an ICMP error quoting one of our datagrams goes to the socket that sent it. */
  receiveError(error: TransportError): void {
    const quoted = error.quoted;
    if (quoted.length < 4) return;
    const srcPort = (quoted[0] << 8) | quoted[1];
    const dstPort = (quoted[2] << 8) | quoted[3];
    const sockets = this.ports.get(srcPort);
    if (!sockets) return;
    let target: UdpSocket | undefined;
    for (const socket of sockets) {
      if (socket.localAddress && !sameAddress(socket.localAddress, error.src)) continue;
      if (socket.isConnected) {
        if (socket.remotePort !== dstPort || !sameAddress(socket.remoteAddress!, error.dst)) continue;
        target = socket;
        break;
      }
      target ??= socket;
    }
    target?.error(error);
  }
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 0xffff;
}

function sameAddress(a: IpAddress, b: IpAddress): boolean {
  if (a.version !== b.version) return false;
  if (a.version === 4) return a.value === (b as Ipv4Address).value;
  const x = a.bytes;
  const y = (b as typeof a).bytes;
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return false;
  return true;
}

function isDirectedBroadcastOf(network: NetworkLayer, address: Ipv4Address): boolean {
  const withBroadcast = network as NetworkLayer & { isBroadcastAddress?(address: number): boolean };
  return withBroadcast.isBroadcastAddress?.(address.value) ?? false;
}

/** The errno a failed send maps to (Linux's). */
function sendErrno(error: SendError): UdpErrno {
  switch (error) {
    case "no-route":
      return "ENETUNREACH";
    case "message-too-big":
      return "EMSGSIZE";
    case "no-source-address":
      return "EADDRNOTAVAIL";
    case "interface-down":
      return "ENETDOWN";
    case "queue-full":
      return "ENOBUFS";
    case "filtered":
      return "EPERM";
  }
}
