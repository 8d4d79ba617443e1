/**
 * ICMPv6 (RFC 4443) as the node runs it, the IPv6 counterpart of ./icmp.ts:
 *
 * - answers Echo Requests (§4.1), to unicast and (as Linux does by default) multicast addresses;
 * - hands Echo Replies, and errors quoting our echoes, to echo sockets (ping -6, traceroute -6 -I);
 * - turns errors quoting a packet we sent into a {@link TransportError} for the transport that sent
 *   it (§2.4(b)), and feeds Packet Too Big to path MTU discovery (RFC 8201);
 * - passes Neighbor Discovery (RFC 4861) and Multicast Listener Discovery (RFC 3810) messages to
 *   their modules;
 * - generates errors for the IPv6 layer under §2.4(e)'s rules (never about an ICMPv6 error or a
 *   Redirect; about multicast only Packet Too Big and Parameter Problem code 2; never to a source
 *   that is not one node) and §2.4(f)'s rate limit: Linux's token buckets, as for IPv4 (global
 *   1000/s with a burst of 50, 1/s with a burst of 6 per destination), sparing Packet Too Big as
 *   Linux's icmpv6 ratemask does ("0-1,3-127"), because path MTU discovery depends on it.
 */
import { Ipv6Address } from "../wire/address/ipv6.js";
import { onesComplementSum, pseudoHeaderSum } from "../wire/checksum.js";
import {
  ICMPV6_ERROR_MAX_INVOKING,
  ICMPV6_NEXT_HEADER,
  Icmpv6DestinationUnreachableCode,
  Icmpv6Type,
  icmpv6Checksum,
} from "../wire/icmpv6.js";
import { IPV6_HEADER_LENGTH } from "../wire/ipv6.js";
import { walkIpv6Extensions } from "../wire/ipv6-extensions.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "../wire/network-order.js";
import { isParseError } from "../wire/parse-error.js";
import { IcmpCounters } from "./counters.js";
import { DEFAULT_RATE_LIMIT, type IcmpRateLimit, MAX_LIMITED_DESTINATIONS, TokenBucket } from "./icmp.js";
import type { NetInterface } from "./interface.js";
import type { Ipv6Layer } from "./ipv6-layer.js";
import type { ReceivedDatagram, SendError, TransportError, TransportProtocol } from "./network-layer.js";

/** An Echo Reply as an echo socket sees it. */
export interface Echo6Reply {
  from: Ipv6Address;
  identifier: number;
  sequence: number;
  /** Hop limit of the reply as it arrived (ping prints it as ttl). */
  ttl: number;
  data: Uint8Array;
  /** Octets of the ICMPv6 message, as ping's "64 bytes from" counts them. */
  length: number;
}

/** The quoted packet of an ICMPv6 error, as far as it was quoted. */
export interface QuotedIpv6Packet {
  src: Ipv6Address;
  dst: Ipv6Address;
  /** The upper-layer protocol after any extension headers. */
  protocol: number;
  hopLimit: number;
  payloadLength: number;
  /** The upper-layer header and data, as far as quoted. */
  transport: Uint8Array;
}

/** An ICMPv6 error quoting one of our packets, with its type (for ping's and traceroute's output). */
export interface Icmp6ErrorReport extends TransportError {
  /** ICMPv6 type: 1 unreachable, 2 packet too big, 3 time exceeded, 4 parameter problem. */
  type: number;
  /** Parameter Problem's pointer. */
  pointer?: number;
  datagram: QuotedIpv6Packet;
}

export interface Echo6Handlers {
  onReply?(reply: Echo6Reply): void;
  onError?(error: Icmp6ErrorReport): void;
}

export interface Echo6SendOptions {
  /** Hop limit (ping -t). */
  ttl?: number;
  /** Traffic class (ping -Q). */
  tos?: number;
  /** IPV6_DONTFRAG: refuse rather than fragment at the source. */
  dontFragment?: boolean;
  src?: Ipv6Address;
  /** Out of this interface (ping -I, or a link-local destination's zone). */
  iface?: string;
}

/** An ICMPv6 echo socket (Linux's `socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)`). */
export class Echo6Socket {
  constructor(
    private readonly icmp: Icmp6,
    readonly identifier: number,
    public handlers: Echo6Handlers,
  ) {}

  /** Sends an Echo Request carrying `data`. */
  send(
    dst: Ipv6Address,
    sequence: number,
    data: Uint8Array,
    options: Echo6SendOptions = {},
  ): SendError | undefined {
    const message = new Uint8Array(8 + data.length);
    message[0] = Icmpv6Type.EchoRequest;
    writeUint16(message, 4, this.identifier);
    writeUint16(message, 6, sequence & 0xffff);
    message.set(data, 8);
    return this.icmp.sendMessage(message, dst, options);
  }

  close(): void {
    this.icmp.closeEcho(this);
  }
}

/** Extra fields of an error. */
export interface Icmp6ErrorDetail {
  /** The interface the offending packet arrived on (its address becomes the error's source). */
  arrivedOn?: NetInterface;
  /** The offending packet came in a link-layer multicast or broadcast frame. */
  linkMulticast?: boolean;
  /** Packet Too Big: the next link's MTU. */
  mtu?: number;
  /** Parameter Problem: the offset of the problem in the offending packet. */
  pointer?: number;
}

export class Icmp6 implements TransportProtocol {
  readonly protocol = ICMPV6_NEXT_HEADER;
  readonly counters = new IcmpCounters();
  rateLimit: IcmpRateLimit = DEFAULT_RATE_LIMIT;
  /** Linux's net.ipv6.icmp.echo_ignore_multicast (default 0: answer). */
  echoIgnoreMulticast = false;
  private echoSockets: Map<number, Echo6Socket> | undefined;
  private nextIdentifier = -1;
  private globalBucket: TokenBucket | undefined;
  private destinationBuckets: Map<string, TokenBucket> | undefined;

  constructor(private readonly ip: Ipv6Layer) {}

  // ---------------------------------------------------------------------------------------------
  // Echo sockets

  openEcho(handlers: Echo6Handlers, identifier?: number): Echo6Socket {
    this.echoSockets ??= new Map();
    if (identifier === undefined) {
      if (this.nextIdentifier < 0) this.nextIdentifier = this.ip.random.int(0x10000);
      do {
        identifier = this.nextIdentifier;
        this.nextIdentifier = (this.nextIdentifier + 1) & 0xffff;
      } while (this.echoSockets.has(identifier));
    } else if (this.echoSockets.has(identifier)) {
      throw new RangeError(`ICMPv6 echo identifier ${identifier} is in use`);
    }
    const socket = new Echo6Socket(this, identifier, handlers);
    this.echoSockets.set(identifier, socket);
    return socket;
  }

  /** @internal */
  closeEcho(socket: Echo6Socket): void {
    if (this.echoSockets?.get(socket.identifier) === socket) this.echoSockets.delete(socket.identifier);
  }

  /**
   * @internal Sends an ICMPv6 message (checksum field zero): the source is chosen first, since the
   * checksum covers it (RFC 4443 §2.3).
   */
  sendMessage(message: Uint8Array, dst: Ipv6Address, options: Echo6SendOptions = {}): SendError | undefined {
    const src = options.src ?? this.ip.sourceFor(dst, options.iface);
    if (!src) {
      return this.ip.hasRoute(dst, options.iface) ? "no-source-address" : "no-route";
    }
    message[2] = 0;
    message[3] = 0;
    writeUint16(message, 2, icmpv6Checksum(message, { src, dst }));
    const error = this.ip.send({
      src,
      dst,
      protocol: ICMPV6_NEXT_HEADER,
      payload: message,
      ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
      ...(options.tos !== undefined ? { tos: options.tos } : {}),
      ...(options.dontFragment ? { dontFragment: true } : {}),
      ...(options.iface !== undefined ? { iface: options.iface } : {}),
    });
    if (error === undefined) this.counters.countOut(message[0]);
    return error;
  }

  // ---------------------------------------------------------------------------------------------
  // Receive

  receive(datagram: ReceivedDatagram): void {
    const message = datagram.payload;
    const counters = this.counters;
    if (message.length < 4) {
      counters.inErrors++;
      this.drop("icmp6-truncated", datagram.iface);
      return;
    }
    const sum = onesComplementSum(
      message,
      0,
      message.length,
      pseudoHeaderSum(datagram, ICMPV6_NEXT_HEADER, message.length),
    );
    if (sum !== 0xffff) {
      counters.inErrors++;
      counters.inCsumErrors++;
      this.drop("icmp6-bad-checksum", datagram.iface);
      return;
    }
    const type = message[0];
    counters.countIn(type);
    switch (type) {
      case Icmpv6Type.EchoRequest:
        this.answerEcho(datagram);
        return;
      case Icmpv6Type.EchoReply: {
        if (message.length < 8) {
          this.drop("icmp6-truncated", datagram.iface);
          return;
        }
        const identifier = readUint16(message, 4);
        const socket = this.echoSockets?.get(identifier);
        if (!socket) {
          this.drop("echo-reply-unexpected", datagram.iface);
          return;
        }
        socket.handlers.onReply?.({
          from: datagram.src as Ipv6Address,
          identifier,
          sequence: readUint16(message, 6),
          ttl: datagram.ttl,
          data: message.subarray(8),
          length: message.length,
        });
        return;
      }
      case Icmpv6Type.DestinationUnreachable:
      case Icmpv6Type.PacketTooBig:
      case Icmpv6Type.TimeExceeded:
      case Icmpv6Type.ParameterProblem:
        this.handleError(datagram, type, message);
        return;
      case Icmpv6Type.RouterSolicitation:
      case Icmpv6Type.RouterAdvertisement:
      case Icmpv6Type.NeighborSolicitation:
      case Icmpv6Type.NeighborAdvertisement:
      case Icmpv6Type.Redirect:
        this.ip.nd.receive(datagram, message);
        return;
      case Icmpv6Type.MulticastListenerQuery:
      case Icmpv6Type.MulticastListenerReport:
      case Icmpv6Type.MulticastListenerDone:
      case Icmpv6Type.MulticastListenerReportV2:
        this.ip.mld.receive(datagram, message);
        return;
      default:
        // §2.4(b): unknown informational messages are silently discarded.
        return;
    }
  }

  /** §4.2: the reply echoes identifier, sequence number and data. */
  private answerEcho(request: ReceivedDatagram): void {
    if (request.broadcast && this.echoIgnoreMulticast) {
      this.drop("echo-multicast-ignored", request.iface);
      return;
    }
    if (request.payload.length < 8) {
      this.drop("icmp6-truncated", request.iface);
      return;
    }
    const reply = request.payload.slice();
    reply[0] = Icmpv6Type.EchoReply;
    // §4.2: a reply to a unicast request comes from the address it was sent to; to a multicast
    // request, from a unicast address of the interface it arrived on.
    const dst = request.src as Ipv6Address;
    const own = request.dst as Ipv6Address;
    const src = request.broadcast ? this.ip.sourceFor(dst, request.iface) : own;
    if (!src) return;
    const zone = dst.isLinkLocal || own.isLinkLocal || request.broadcast ? { iface: request.iface } : {};
    this.sendMessage(reply, dst, { src, ...zone });
  }

  /** An error arrived: find whose packet it quotes and tell them (§2.4(b), RFC 1122 §4.2.3.9 in spirit). */
  private handleError(datagram: ReceivedDatagram, type: number, message: Uint8Array): void {
    if (message.length < 8) {
      this.drop("icmp6-truncated", datagram.iface);
      return;
    }
    const quoted = parseQuoted(message.subarray(8));
    if (!quoted || quoted.transport.length < 4) {
      this.counters.inErrors++;
      this.drop("icmp6-bad-quote", datagram.iface);
      return;
    }
    if (!this.ip.isLocalAddress(quoted.src)) {
      this.drop("icmp6-not-ours", datagram.iface);
      return;
    }
    const code = message[1];
    const report: Icmp6ErrorReport = {
      kind: errorKind(type),
      type,
      code,
      errno: errno6For(type, code),
      reporter: datagram.src,
      src: quoted.src,
      dst: quoted.dst,
      protocol: quoted.protocol,
      quoted: quoted.transport,
      datagram: quoted,
    };
    if (type === Icmpv6Type.PacketTooBig) {
      report.mtu = this.ip.learnPathMtu(quoted.dst, readUint32(message, 4));
    } else if (type === Icmpv6Type.ParameterProblem) {
      report.pointer = readUint32(message, 4);
    }
    if (quoted.protocol === ICMPV6_NEXT_HEADER) {
      const q = quoted.transport;
      if (q[0] !== Icmpv6Type.EchoRequest || q.length < 8) return;
      this.echoSockets?.get(readUint16(q, 4))?.handlers.onError?.(report);
      return;
    }
    this.ip.transportFor(quoted.protocol)?.receiveError?.(report);
  }

  // ---------------------------------------------------------------------------------------------
  // Send errors

  /**
   * Sends an error of `type`/`code` about `packet` (the offending IPv6 packet, header first),
   * quoting as much as fits the minimum MTU (§2.4(c)), unless §2.4(e) forbids it or the rate
   * limit holds it back. Returns whether one was sent.
   */
  sendError(type: number, code: number, packet: Uint8Array, detail: Icmp6ErrorDetail = {}): boolean {
    if (!this.errorAllowed(type, code, packet, detail)) return false;
    const src = Ipv6Address.fromBytes(packet, 8);
    if (type !== Icmpv6Type.PacketTooBig && !this.admit(src)) {
      this.counters.outRateLimited++;
      this.drop("icmp6-rate-limited", detail.arrivedOn?.name);
      return false;
    }
    const quote = packet.subarray(0, Math.min(packet.length, ICMPV6_ERROR_MAX_INVOKING));
    const message = new Uint8Array(8 + quote.length);
    message[0] = type;
    message[1] = code;
    if (detail.mtu !== undefined) writeUint32(message, 4, detail.mtu);
    if (detail.pointer !== undefined) writeUint32(message, 4, detail.pointer);
    message.set(quote, 8);
    const from = this.ip.errorSource(packet, detail.arrivedOn);
    const zone = src.isLinkLocal && detail.arrivedOn ? { iface: detail.arrivedOn.name } : {};
    return this.sendMessage(message, src, { ...(from ? { src: from } : {}), ...zone }) === undefined;
  }

  /** RFC 4443 §2.4(e): the packets that must never cause an error. */
  private errorAllowed(type: number, code: number, packet: Uint8Array, detail: Icmp6ErrorDetail): boolean {
    if (packet.length < IPV6_HEADER_LENGTH) return false;
    // (e.3)-(e.5): not about a packet sent to a multicast address or as link-layer multicast,
    // except Packet Too Big and a Parameter Problem about an option whose type says to report.
    const multicastAllowed =
      type === Icmpv6Type.PacketTooBig || (type === Icmpv6Type.ParameterProblem && code === 2);
    if ((packet[24] === 0xff || detail.linkMulticast) && !multicastAllowed) {
      return this.refuse("icmp6-error-multicast", detail);
    }
    // (e.6): the source must identify one node.
    const src = Ipv6Address.fromBytes(packet, 8);
    if (src.isUnspecified || src.isMulticast) return this.refuse("icmp6-error-bad-source", detail);
    // (e.1), (e.2): never about an ICMPv6 error or a Redirect.
    const chain = walkIpv6Extensions(packet[6], packet.subarray(IPV6_HEADER_LENGTH));
    if (
      !isParseError(chain) &&
      chain.upperLayerProtocol === ICMPV6_NEXT_HEADER &&
      !chain.fragment?.fragmentOffset
    ) {
      const at = IPV6_HEADER_LENGTH + chain.upperLayerOffset;
      if (at < packet.length) {
        const t = packet[at];
        if (t < 128 || t === Icmpv6Type.Redirect) return this.refuse("icmp6-error-about-error", detail);
      }
    }
    return true;
  }

  /** @internal Redirects share the error rate limit (RFC 4861 §8.2). */
  admitRedirect(destination: Ipv6Address): boolean {
    if (this.admit(destination)) return true;
    this.counters.outRateLimited++;
    return false;
  }

  private refuse(reason: string, detail: Icmp6ErrorDetail): false {
    this.drop(reason, detail.arrivedOn?.name);
    return false;
  }

  private admit(destination: Ipv6Address): boolean {
    const now = this.ip.now;
    const limit = this.rateLimit;
    this.globalBucket ??= new TokenBucket(limit.globalRate, limit.globalBurst, now);
    this.destinationBuckets ??= new Map();
    const key = destination.toString();
    let bucket = this.destinationBuckets.get(key);
    if (!bucket) {
      if (this.destinationBuckets.size >= MAX_LIMITED_DESTINATIONS) {
        const oldest = this.destinationBuckets.keys().next().value;
        if (oldest !== undefined) this.destinationBuckets.delete(oldest);
      }
      bucket = new TokenBucket(limit.perDestinationRate, limit.perDestinationBurst, now);
      this.destinationBuckets.set(key, bucket);
    }
    return bucket.take(now) && this.globalBucket.take(now);
  }

  private drop(reason: string, iface?: string): void {
    this.counters.drops.count(reason);
    this.ip.traceDrop("icmpv6", reason, iface);
  }
}

/** Reads the quoted packet of an error: addresses, then the extension headers as far as quoted. */
function parseQuoted(invoking: Uint8Array): QuotedIpv6Packet | undefined {
  if (invoking.length < IPV6_HEADER_LENGTH || invoking[0] >>> 4 !== 6) return undefined;
  const chain = walkIpv6Extensions(invoking[6], invoking.subarray(IPV6_HEADER_LENGTH));
  if (isParseError(chain)) return undefined;
  if (chain.fragment && chain.fragment.fragmentOffset !== 0) return undefined; // no transport header here
  return {
    src: Ipv6Address.fromBytes(invoking, 8),
    dst: Ipv6Address.fromBytes(invoking, 24),
    protocol: chain.upperLayerProtocol,
    hopLimit: invoking[7],
    payloadLength: readUint16(invoking, 4),
    transport: invoking.subarray(IPV6_HEADER_LENGTH + chain.upperLayerOffset),
  };
}

function errorKind(type: number): TransportError["kind"] {
  switch (type) {
    case Icmpv6Type.PacketTooBig:
      return "packet-too-big";
    case Icmpv6Type.TimeExceeded:
      return "time-exceeded";
    case Icmpv6Type.ParameterProblem:
      return "parameter-problem";
    default:
      return "unreachable";
  }
}

/** The errno Linux reports for an ICMPv6 error (net/ipv6/icmp.c, icmpv6_err_convert). */
export function errno6For(type: number, code: number): string {
  switch (type) {
    case Icmpv6Type.DestinationUnreachable:
      switch (code) {
        case Icmpv6DestinationUnreachableCode.NoRoute:
          return "ENETUNREACH";
        case Icmpv6DestinationUnreachableCode.AdministrativelyProhibited:
        case Icmpv6DestinationUnreachableCode.SourceAddressFailedPolicy:
        case Icmpv6DestinationUnreachableCode.RejectRoute:
          return "EACCES";
        case Icmpv6DestinationUnreachableCode.PortUnreachable:
          return "ECONNREFUSED";
        default:
          return "EHOSTUNREACH";
      }
    case Icmpv6Type.PacketTooBig:
      return "EMSGSIZE";
    case Icmpv6Type.ParameterProblem:
      return "EPROTO";
    default:
      return "EHOSTUNREACH";
  }
}
