/**
 * ICMP for IPv4 (RFC 792) as the node runs it:
 *
 * - answers Echo Requests (RFC 1122 §3.2.2.6), hosts and routers alike;
 * - hands Echo Replies, and errors quoting our echoes, to echo sockets (ping, traceroute -I);
 * - turns errors quoting a datagram we sent into a {@link TransportError} for the transport that
 *   sent it (RFC 1122 §3.2.2.1, §4.1.3.3), and feeds "fragmentation needed" to path MTU discovery;
 * - generates errors for the IPv4 layer, obeying RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7 (never about
 *   an ICMP error, a broadcast or multicast, a non-first fragment, or a source that is not one
 *   host) and RFC 1812 §4.3.2.8's rate limit.
 *
 * Rate limiting follows Linux's two token buckets: a global one (icmp_msgs_per_sec = 1000,
 * icmp_msgs_burst = 50) and one per destination (icmp_ratelimit = 1 s with a burst of 6,
 * XRLIM_BURST_FACTOR), applied to Destination Unreachable, Time Exceeded and Parameter Problem
 * (icmp_ratemask) but never to "fragmentation needed", which path MTU discovery depends on.
 */
import { type Nanoseconds, SECOND } from "../sim/time.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { internetChecksum, updateChecksum16 } from "../wire/checksum.js";
import {
  ICMPV4_HEADER_LENGTH,
  ICMPV4_MAX_QUOTE_LENGTH,
  Icmpv4Type,
  parseQuotedIpv4,
  type QuotedIpv4Datagram,
  UnreachableCode,
} from "../wire/icmpv4.js";
import { IpProtocol } from "../wire/ipv4.js";
import { isParseError } from "../wire/parse-error.js";
import { IcmpCounters } from "./counters.js";
import type { NetInterface } from "./interface.js";
import type { Ipv4Layer } from "./ipv4-layer.js";
import type { ReceivedDatagram, SendError, TransportError, TransportProtocol } from "./network-layer.js";

/** An Echo Reply as an echo socket sees it. */
export interface EchoReply {
  from: Ipv4Address;
  identifier: number;
  sequence: number;
  /** TTL of the reply as it arrived (ping prints it). */
  ttl: number;
  /** The echoed data. */
  data: Uint8Array;
  /** Octets of the ICMP message (header + data), as ping's "64 bytes from" counts them. */
  length: number;
}

/** An ICMP error quoting one of our datagrams, with the ICMP type (for ping's and traceroute's output). */
export interface IcmpErrorReport extends TransportError {
  /** ICMP type: 3 unreachable, 11 time exceeded, 12 parameter problem, 4 source quench. */
  type: number;
  /** The quoted IP header's fields. */
  datagram: QuotedIpv4Datagram;
}

/** What an echo socket's owner wants to hear about. */
export interface EchoHandlers {
  onReply?(reply: EchoReply): void;
  /** Errors quoting an echo request this socket sent (sequence is in `quoted` octets 6-7). */
  onError?(error: IcmpErrorReport): void;
}

export interface EchoSendOptions {
  ttl?: number;
  tos?: number;
  dontFragment?: boolean;
  src?: Ipv4Address;
}

/**
 * An "ICMP echo socket" (Linux's ping socket, `socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)`): sends
 * Echo Requests with its identifier and receives the matching replies and errors.
 */
export class EchoSocket {
  constructor(
    private readonly icmp: Icmp,
    readonly identifier: number,
    public handlers: EchoHandlers,
  ) {}

  /** Sends an Echo Request carrying `data`. Returns why it could not be sent, if it could not. */
  send(
    dst: Ipv4Address,
    sequence: number,
    data: Uint8Array,
    options: EchoSendOptions = {},
  ): SendError | undefined {
    const message = new Uint8Array(ICMPV4_HEADER_LENGTH + data.length);
    message[0] = Icmpv4Type.EchoRequest;
    message[4] = this.identifier >>> 8;
    message[5] = this.identifier & 0xff;
    message[6] = (sequence >>> 8) & 0xff;
    message[7] = sequence & 0xff;
    message.set(data, ICMPV4_HEADER_LENGTH);
    const checksum = internetChecksum(message);
    message[2] = checksum >>> 8;
    message[3] = checksum & 0xff;
    return this.icmp.sendMessage(message, dst, options);
  }

  close(): void {
    this.icmp.closeEcho(this);
  }
}

/** A token bucket in virtual time: `rate` tokens per second, holding at most `burst` (ICMPv6 uses it too). */
export class TokenBucket {
  private tokens: number;
  private last: Nanoseconds;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: Nanoseconds,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: Nanoseconds): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / SECOND);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Options of the ICMP error generator (defaults: Linux's). */
export interface IcmpRateLimit {
  /** Errors per second over all destinations (default 1000). */
  globalRate: number;
  globalBurst: number;
  /** Errors per second to one destination (default 1). */
  perDestinationRate: number;
  perDestinationBurst: number;
}

export const DEFAULT_RATE_LIMIT: IcmpRateLimit = {
  globalRate: 1000,
  globalBurst: 50,
  perDestinationRate: 1,
  perDestinationBurst: 6,
};

/** Destinations the per-destination limiter remembers (oldest forgotten first). */
export const MAX_LIMITED_DESTINATIONS = 256;

/** Extra fields of an error: the next-hop MTU (code 4) or the parameter-problem pointer. */
export interface ErrorDetail {
  /** The interface the offending packet arrived on (its address becomes the error's source). */
  arrivedOn?: NetInterface;
  /** The offending packet came in a link-layer broadcast or multicast frame. */
  linkBroadcast?: boolean;
  /** Destination Unreachable code 4: the MTU of the next hop (RFC 1191 §4). */
  mtu?: number;
  /** Parameter Problem: the octet where the problem is. */
  pointer?: number;
}

export class Icmp implements TransportProtocol {
  readonly protocol = IpProtocol.ICMP;
  readonly counters = new IcmpCounters();
  /** RFC 1122 §3.2.2.6 lets hosts ignore echoes to broadcast; Linux does by default (smurf attacks). */
  echoIgnoreBroadcasts = true;
  rateLimit: IcmpRateLimit = DEFAULT_RATE_LIMIT;
  private echoSockets: Map<number, EchoSocket> | undefined;
  private nextIdentifier = -1;
  private globalBucket: TokenBucket | undefined;
  private destinationBuckets: Map<number, TokenBucket> | undefined;

  constructor(private readonly ip: Ipv4Layer) {}

  // ---------------------------------------------------------------------------------------------
  // Echo sockets

  /** Opens an echo socket with a fresh identifier (or the one given, if free). */
  openEcho(handlers: EchoHandlers, identifier?: number): EchoSocket {
    this.echoSockets ??= new Map();
    if (identifier === undefined) {
      if (this.nextIdentifier < 0) this.nextIdentifier = this.ip.random.int(0x10000);
      do {
        identifier = this.nextIdentifier;
        this.nextIdentifier = (this.nextIdentifier + 1) & 0xffff;
      } while (this.echoSockets.has(identifier));
    } else if (this.echoSockets.has(identifier)) {
      throw new RangeError(`ICMP echo identifier ${identifier} is in use`);
    }
    const socket = new EchoSocket(this, identifier, handlers);
    this.echoSockets.set(identifier, socket);
    return socket;
  }

  /** @internal */
  closeEcho(socket: EchoSocket): void {
    if (this.echoSockets?.get(socket.identifier) === socket) this.echoSockets.delete(socket.identifier);
  }

  /** @internal Sends a complete ICMP message (checksum already filled). */
  sendMessage(message: Uint8Array, dst: Ipv4Address, options: EchoSendOptions = {}): SendError | undefined {
    const error = this.ip.send({
      dst,
      protocol: IpProtocol.ICMP,
      payload: message,
      ...(options.src ? { src: options.src } : {}),
      ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
      ...(options.tos !== undefined ? { tos: options.tos } : {}),
      ...(options.dontFragment ? { dontFragment: true } : {}),
    });
    if (error === undefined) this.counters.countOut(message[0]);
    return error;
  }

  // ---------------------------------------------------------------------------------------------
  // Receive

  receive(datagram: ReceivedDatagram): void {
    const message = datagram.payload;
    const counters = this.counters;
    if (message.length < ICMPV4_HEADER_LENGTH) {
      counters.inErrors++;
      this.drop("icmp-truncated");
      return;
    }
    if (internetChecksum(message) !== 0) {
      counters.inErrors++;
      counters.inCsumErrors++;
      this.drop("icmp-bad-checksum");
      return;
    }
    const type = message[0];
    counters.countIn(type);
    switch (type) {
      case Icmpv4Type.EchoRequest:
        this.answerEcho(datagram);
        return;
      case Icmpv4Type.EchoReply: {
        const identifier = (message[4] << 8) | message[5];
        const socket = this.echoSockets?.get(identifier);
        if (!socket) {
          this.drop("echo-reply-unexpected");
          return;
        }
        socket.handlers.onReply?.({
          from: datagram.src as Ipv4Address,
          identifier,
          sequence: (message[6] << 8) | message[7],
          ttl: datagram.ttl,
          data: message.subarray(ICMPV4_HEADER_LENGTH),
          length: message.length,
        });
        return;
      }
      case Icmpv4Type.DestinationUnreachable:
      case Icmpv4Type.TimeExceeded:
      case Icmpv4Type.ParameterProblem:
      case Icmpv4Type.SourceQuench:
        this.handleError(datagram, type, message);
        return;
      default:
        // Redirects (RFC 1122 §3.2.2.2) and the informational types are counted and ignored.
        return;
    }
  }

  /** RFC 1122 §3.2.2.6: the reply carries the request's data back unchanged. */
  private answerEcho(request: ReceivedDatagram): void {
    if (request.broadcast && this.echoIgnoreBroadcasts) {
      this.drop("echo-broadcast-ignored");
      return;
    }
    const reply = request.payload.slice();
    // Only the type changes (8 → 0): update the checksum incrementally (RFC 1624).
    const oldWord = (reply[0] << 8) | reply[1];
    reply[0] = Icmpv4Type.EchoReply;
    const checksum = updateChecksum16((reply[2] << 8) | reply[3], oldWord, (reply[0] << 8) | reply[1]);
    reply[2] = checksum >>> 8;
    reply[3] = checksum & 0xff;
    // Reply from the address the request was sent to, unless that was a broadcast.
    const src = request.broadcast ? undefined : (request.dst as Ipv4Address);
    this.sendMessage(reply, request.src as Ipv4Address, src ? { src } : {});
  }

  /** An error arrived: find whose datagram it quotes and tell them (RFC 1122 §3.2.2.1, §4.1.3.3). */
  private handleError(datagram: ReceivedDatagram, type: number, message: Uint8Array): void {
    const quoted = parseQuotedIpv4(message.subarray(ICMPV4_HEADER_LENGTH));
    if (isParseError(quoted) || quoted.transport.length < 8) {
      // RFC 792: errors quote the IP header and at least 64 bits of data.
      this.counters.inErrors++;
      this.drop("icmp-bad-quote");
      return;
    }
    if (!this.ip.isLocalAddress(quoted.src)) {
      this.drop("icmp-not-ours");
      return;
    }
    const code = message[1];
    const report: IcmpErrorReport = {
      kind: errorKind(type),
      type,
      code,
      errno: errnoFor(type, code),
      reporter: datagram.src,
      src: quoted.src,
      dst: quoted.dst,
      protocol: quoted.protocol,
      quoted: quoted.transport,
      datagram: quoted,
    };
    if (type === Icmpv4Type.DestinationUnreachable && code === UnreachableCode.FragmentationNeeded) {
      // RFC 1191 §4: the next-hop MTU is in the low 16 bits of the unused field.
      report.mtu = this.ip.learnPathMtu(quoted.dst.value, (message[6] << 8) | message[7], quoted.totalLength);
    }
    if (quoted.protocol === IpProtocol.ICMP) {
      const q = quoted.transport;
      if (q[0] !== Icmpv4Type.EchoRequest) return;
      this.echoSockets?.get((q[4] << 8) | q[5])?.handlers.onError?.(report);
      return;
    }
    this.ip.transportFor(quoted.protocol)?.receiveError?.(report);
  }

  // ---------------------------------------------------------------------------------------------
  // Send errors

  /**
   * Sends an ICMP error of `type`/`code` about `packet` (the offending IP datagram, header first;
   * what follows the header is quoted up to the 576-octet limit), unless RFC 1122 §3.2.2 forbids
   * it or the rate limit holds it back. Returns whether one was sent.
   */
  sendError(type: number, code: number, packet: Uint8Array, detail: ErrorDetail = {}): boolean {
    if (!this.errorAllowed(packet, detail)) return false;
    const src = (packet[12] << 24) | (packet[13] << 16) | (packet[14] << 8) | packet[15];
    const rateLimited = !(
      type === Icmpv4Type.DestinationUnreachable && code === UnreachableCode.FragmentationNeeded
    );
    if (rateLimited && !this.admit(src >>> 0)) {
      this.counters.outRateLimited++;
      this.drop("icmp-rate-limited");
      return false;
    }
    const quote = packet.subarray(0, Math.min(packet.length, ICMPV4_MAX_QUOTE_LENGTH));
    const message = new Uint8Array(ICMPV4_HEADER_LENGTH + quote.length);
    message[0] = type;
    message[1] = code;
    if (detail.mtu !== undefined) {
      message[6] = (detail.mtu >>> 8) & 0xff;
      message[7] = detail.mtu & 0xff;
    }
    if (detail.pointer !== undefined) message[4] = detail.pointer;
    message.set(quote, ICMPV4_HEADER_LENGTH);
    const checksum = internetChecksum(message);
    message[2] = checksum >>> 8;
    message[3] = checksum & 0xff;
    // RFC 1812 §4.3.2.4: the source is an address of the router; we use the interface the
    // offending packet came in on, which is what traceroute then shows for this hop.
    const destination = new Ipv4Address(src);
    const from = detail.arrivedOn?.sourceFor(src >>> 0)?.address;
    return this.sendMessage(message, destination, from ? { src: from } : {}) === undefined;
  }

  /** RFC 1122 §3.2.2 and RFC 1812 §4.3.2.7: the datagrams that must never cause an error. */
  private errorAllowed(packet: Uint8Array, detail: ErrorDetail): boolean {
    if (packet.length < 20) return false;
    const headerLength = (packet[0] & 0x0f) << 2;
    if (headerLength < 20 || headerLength > packet.length) return false;
    if (detail.linkBroadcast) return this.refuse("icmp-error-link-broadcast");
    // Not for a fragment other than the first.
    if ((((packet[6] << 8) | packet[7]) & 0x1fff) !== 0) return this.refuse("icmp-error-fragment");
    const src = ((packet[12] << 24) | (packet[13] << 16) | (packet[14] << 8) | packet[15]) >>> 0;
    const dst = ((packet[16] << 24) | (packet[17] << 16) | (packet[18] << 8) | packet[19]) >>> 0;
    // Not about a datagram sent to a broadcast or multicast address.
    if (dst === 0xffffffff || dst >>> 28 === 0xe || this.ip.isBroadcastAddress(dst)) {
      return this.refuse("icmp-error-broadcast");
    }
    // Not to a source that does not name one host: 0.0.0.0, broadcast, multicast, class E, loopback.
    if (src === 0 || src === 0xffffffff || src >>> 28 >= 0xe || src >>> 24 === 127) {
      if (!(src >>> 24 === 127 && this.ip.isLocalAddress(new Ipv4Address(src)))) {
        return this.refuse("icmp-error-bad-source");
      }
    }
    // Never about an ICMP error message (only about queries such as echo).
    if (packet[9] === IpProtocol.ICMP) {
      if (packet.length < headerLength + 1) return this.refuse("icmp-error-about-error");
      const type = packet[headerLength];
      if (!isQuery(type)) return this.refuse("icmp-error-about-error");
    }
    return true;
  }

  private refuse(reason: string): false {
    this.drop(reason);
    return false;
  }

  /** The two token buckets (see the module comment). */
  private admit(destination: number): boolean {
    const now = this.ip.now;
    const limit = this.rateLimit;
    this.globalBucket ??= new TokenBucket(limit.globalRate, limit.globalBurst, now);
    this.destinationBuckets ??= new Map();
    let bucket = this.destinationBuckets.get(destination);
    if (!bucket) {
      if (this.destinationBuckets.size >= MAX_LIMITED_DESTINATIONS) {
        const oldest = this.destinationBuckets.keys().next().value;
        if (oldest !== undefined) this.destinationBuckets.delete(oldest);
      }
      bucket = new TokenBucket(limit.perDestinationRate, limit.perDestinationBurst, now);
      this.destinationBuckets.set(destination, bucket);
    }
    return bucket.take(now) && this.globalBucket.take(now);
  }

  private drop(reason: string): void {
    this.counters.drops.count(reason);
    this.ip.traceDrop("icmp", reason);
  }
}

/** Types that are queries or replies, not errors (RFC 792, RFC 1122 §3.2.2). */
function isQuery(type: number): boolean {
  return (
    type === Icmpv4Type.EchoReply ||
    type === Icmpv4Type.EchoRequest ||
    type === Icmpv4Type.RouterAdvertisement ||
    type === Icmpv4Type.RouterSolicitation ||
    (type >= Icmpv4Type.Timestamp && type <= Icmpv4Type.AddressMaskReply) ||
    type === Icmpv4Type.ExtendedEchoRequest ||
    type === Icmpv4Type.ExtendedEchoReply
  );
}

function errorKind(type: number): TransportError["kind"] {
  switch (type) {
    case Icmpv4Type.TimeExceeded:
      return "time-exceeded";
    case Icmpv4Type.ParameterProblem:
      return "parameter-problem";
    case Icmpv4Type.SourceQuench:
      return "source-quench";
    default:
      return "unreachable";
  }
}

/** The errno Linux reports for an ICMP error (net/ipv4/icmp.c, icmp_err_convert). */
export function errnoFor(type: number, code: number): string {
  if (type === Icmpv4Type.DestinationUnreachable) {
    return unreachableErrno[code] ?? "EHOSTUNREACH";
  }
  if (type === Icmpv4Type.TimeExceeded) return "EHOSTUNREACH";
  if (type === Icmpv4Type.ParameterProblem) return "EPROTO";
  return "EHOSTUNREACH";
}

const unreachableErrno = [
  "ENETUNREACH", // 0 net unreachable
  "EHOSTUNREACH", // 1 host unreachable
  "ENOPROTOOPT", // 2 protocol unreachable
  "ECONNREFUSED", // 3 port unreachable
  "EMSGSIZE", // 4 fragmentation needed
  "EOPNOTSUPP", // 5 source route failed
  "ENETUNREACH", // 6 destination network unknown
  "EHOSTDOWN", // 7 destination host unknown
  "ENONET", // 8 source host isolated
  "ENETUNREACH", // 9 network administratively prohibited
  "EHOSTUNREACH", // 10 host administratively prohibited
  "ENETUNREACH", // 11 network unreachable for TOS
  "EHOSTUNREACH", // 12 host unreachable for TOS
  "EHOSTUNREACH", // 13 communication administratively prohibited
  "EHOSTUNREACH", // 14 host precedence violation
  "EHOSTUNREACH", // 15 precedence cutoff
];
