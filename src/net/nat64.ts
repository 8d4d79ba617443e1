/**
 * Stateful NAT64 (RFC 6146): IPv6-only hosts reach IPv4-only servers through a router that
 * translates. The IPv4 address of a server is written inside an IPv6 prefix (RFC 6052: by default
 * the well-known prefix 64:ff9b::/96, the IPv4 address in the last 32 bits; DNS64 hands such
 * addresses out, see src/apps/dns), and the router translates the headers (RFC 7915) with a
 * binding per IPv6 source endpoint, like a NAPT.
 *
 * ```
 *  IPv6 host ──▶ 2001:db8:1::10.5000 → 64:ff9b::c633:6450.80 ──▶ [router: binding 5000 ⇄ 61001]
 *                                          ──▶ 203.0.113.1.61001 → 198.51.100.80.80 ──▶ IPv4 server
 *  IPv6 host ◀── 64:ff9b::c633:6450.80 → 2001:db8:1::10.5000 ◀── [the same binding, backwards] ◀──
 * ```
 *
 * - **IPv6 → IPv4** (packets forwarded to the prefix): TCP and UDP get a binding of their
 *   (source address, port), ICMPv6 echo one of its (source address, identifier), from the pool
 *   address's ports (61001-65535 by default, as Jool's pool4, apart from what NAT44 uses); the
 *   header is rebuilt (RFC 7915 §5.1: TTL = hop limit − 1, TOS = traffic class, DF when the
 *   result exceeds 1260 octets), ICMPv6 echo becomes ICMPv4 echo (§5.2), checksums are
 *   recomputed over the new pseudo-header. Sources are filtered endpoint-independently (§3.5.2 allows it).
 * - **IPv4 → IPv6** (PREROUTING, datagrams to the pool address): a binding's port (or echo
 *   identifier) takes them back to the IPv6 host, from the server's address inside the prefix
 *   (§4.1); ICMPv4 errors about translated datagrams become ICMPv6 errors (§4.2: unreachables,
 *   time exceeded, fragmentation needed → Packet Too Big with the MTU + 20) with the quoted
 *   datagram translated back too, so traceroute and path MTU discovery work through the translator.
 * - **Limits** said plainly: fragments are not translated (counted and dropped; RFC 6146 §3.4
 *   would reassemble them), nor are ICMPv6 errors coming from the IPv6 side; bindings expire
 *   lazily (UDP 5 min, TCP 2 h 4 min, ICMP 60 s: RFC 6146 §4's defaults) and are bounded by the
 *   port range. RFC 6052 §3.1: with the well-known prefix, non-global IPv4 addresses (RFC 1918
 *   and the like) are refused with "administratively prohibited".
 */
import { type Nanoseconds, SECOND } from "../sim/time.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import { internetChecksum, pseudoHeaderSum } from "../wire/checksum.js";
import { Icmpv4Type, UnreachableCode } from "../wire/icmpv4.js";
import {
  Icmpv6DestinationUnreachableCode,
  Icmpv6ParameterProblemCode,
  Icmpv6Type,
  icmpv6Checksum,
} from "../wire/icmpv6.js";
import { walkIpv6Extensions } from "../wire/ipv6-extensions.js";
import { readUint16, readUint32, writeUint16 } from "../wire/network-order.js";
import { isParseError } from "../wire/parse-error.js";
import { DropTally } from "./counters.js";
import { HookPriority, type Ipv4Hook, Verdict } from "./hooks.js";
import type { NetInterface } from "./interface.js";
import type { Ipv4Layer } from "./ipv4-layer.js";
import type { Ipv6Layer, Ipv6Translator } from "./ipv6-layer.js";

export interface Nat64Config {
  /** The IPv6 prefix IPv4 addresses are written in (a /96, RFC 6052); default 64:ff9b::/96. */
  prefix?: string;
  /** The IPv4 address translated traffic comes from; default the outside interface's. */
  pool?: string;
  /** The interface toward the IPv4 network (for the default pool address). */
  outside?: string;
  /** First and last port handed out (default 61001-65535). */
  ports?: [number, number];
}

export class Nat64Counters {
  /** IPv6 → IPv4 datagrams translated. */
  toIpv4 = 0;
  /** IPv4 → IPv6 datagrams translated (ICMP errors included). */
  toIpv6 = 0;
  bindings = 0;
  readonly drops = new DropTally();
}

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const MINUTE = 60 * SECOND;
const TIMEOUT: Record<number, Nanoseconds> = {
  [UDP]: 5 * MINUTE,
  [TCP]: (2 * 60 + 4) * MINUTE,
  [ICMP]: MINUTE,
};
const WELL_KNOWN_PREFIX = "64:ff9b::/96";

/** One binding (RFC 6146 §3.1's BIB entry): an IPv6 endpoint and the pool port that stands for it. */
interface Binding {
  protocol: number;
  v6: Ipv6Address;
  v6Port: number;
  v4Port: number;
  expires: Nanoseconds;
}

/** The NAT64 prefix `text` (default the well-known 64:ff9b::/96), checked to be a /96. */
export function nat64Prefix(text: string | undefined): Ipv6Prefix {
  const prefix = Ipv6Prefix.parse(text ?? WELL_KNOWN_PREFIX).networkPrefix;
  if (prefix.length !== 96) {
    throw new RangeError(`NAT64 prefix ${prefix}: only /96 prefixes are supported (RFC 6052 §2.2)`);
  }
  return prefix;
}

/** The IPv6 address that stands for `v4` inside a /96 `prefix` (RFC 6052 §2.2: the last 32 bits). */
export function synthesizeIpv6(prefix: Ipv6Prefix, v4: Ipv4Address): Ipv6Address {
  const bytes = prefix.address.toBytes();
  bytes.set(v4.toBytes(), 12);
  return new Ipv6Address(bytes);
}

/** An IPv4-mapped address (::ffff:0:0/96), which DNS64 does not count as IPv6 (RFC 6147 §5.1.4). */
export function isMappedIpv4(address: Ipv6Address): boolean {
  const b = address.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Non-global IPv4 addresses (RFC 6052 §3.1 forbids them with the well-known prefix). */
export function isNonGlobalIpv4(v4: number): boolean {
  const a = v4 >>> 24;
  const b = (v4 >>> 16) & 0xff;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 ||
    (a === 100 && b >= 64 && b < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168)
  );
}

export class Nat64 implements Ipv4Hook, Ipv6Translator {
  /** Before NAT44's destination translation: our ports of the pool address are ours. */
  readonly priority = HookPriority.DestinationNat - 1;
  readonly counters = new Nat64Counters();
  readonly prefix: Ipv6Prefix;
  private readonly wellKnown: boolean;
  private readonly firstPort: number;
  private readonly lastPort: number;
  private readonly byV6 = new Map<string, Binding>();
  private readonly byV4 = new Map<string, Binding>();
  private nextPort: number;

  constructor(
    private readonly ipv4: Ipv4Layer,
    private readonly ipv6: Ipv6Layer,
    private readonly config: Nat64Config = {},
  ) {
    this.prefix = nat64Prefix(config.prefix);
    this.wellKnown = this.prefix.equals(nat64Prefix(undefined));
    [this.firstPort, this.lastPort] = config.ports ?? [61001, 65535];
    this.nextPort = this.firstPort;
  }

  /** The IPv4 address translated packets come from. */
  get poolAddress(): Ipv4Address | undefined {
    if (this.config.pool) return Ipv4Address.parse(this.config.pool);
    const outside = this.config.outside ? this.ipv4.interface(this.config.outside) : undefined;
    return (outside ?? this.ipv4.interfaces.find((i) => i.addresses.length > 0))?.primaryAddress?.address;
  }

  /** The IPv6 address that stands for `v4` (RFC 6052 §2.2, /96: the last 32 bits). */
  synthesize(v4: Ipv4Address): Ipv6Address {
    return synthesizeIpv6(this.prefix, v4);
  }

  /** The current bindings, for listings (`show nat64 bindings`). */
  bindings(): { protocol: number; v6: string; v4Port: number; expiresIn: Nanoseconds }[] {
    const now = this.ipv4.now;
    return [...this.byV6.values()]
      .filter((b) => b.expires > now)
      .map((b) => ({
        protocol: b.protocol,
        v6: `[${b.v6}]:${b.v6Port}`,
        v4Port: b.v4Port,
        expiresIn: b.expires - now,
      }));
  }

  /**
   * `show nat64 translations`: the bindings, one line each (as IOS XE's stateful NAT64 view, the
   * IPv4 side first).
   */
  showTranslations(): string {
    const pool = this.poolAddress?.toString() ?? "-";
    const rows = this.bindings()
      .sort((a, b) => a.protocol - b.protocol || a.v4Port - b.v4Port)
      .map((b) => {
        const proto = b.protocol === TCP ? "tcp" : b.protocol === UDP ? "udp" : "icmp";
        const left = `${pool}:${b.v4Port}`;
        return `${proto.padEnd(7)}${left.padEnd(24)}${b.v6.padEnd(44)}${Math.ceil(b.expiresIn / SECOND)}s`;
      });
    return `${["Proto  IPv4 (pool)".padEnd(31), "IPv6 source".padEnd(44), "Expires"].join("")}\n${rows.map((r) => `${r}\n`).join("")}`;
  }

  /** `show nat64 statistics`: the prefix, the pool, what was translated and what was dropped. */
  showStatistics(): string {
    const c = this.counters;
    const lines = [
      `NAT64 prefix: ${this.prefix}${this.wellKnown ? " (well-known)" : ""}`,
      `Pool address: ${this.poolAddress ?? "none"}, ports ${this.firstPort}-${this.lastPort}`,
      `Active bindings: ${this.bindings().length}`,
      `Translated: ${c.toIpv4} IPv6 to IPv4, ${c.toIpv6} IPv4 to IPv6`,
      `Dropped: ${c.drops.total}`,
      ...c.drops.entries().map(([reason, n]) => `  ${reason}: ${n}`),
    ];
    return `${lines.join("\n")}\n`;
  }

  // ---------------------------------------------------------------------------------------------
  // IPv6 → IPv4

  claims(packet: Uint8Array): boolean {
    const p = this.prefix.address.bytes;
    for (let i = 0; i < 12; i++) if (packet[24 + i] !== p[i]) return false;
    return true;
  }

  translate(packet: Uint8Array, inIface: NetInterface): boolean {
    const pool = this.poolAddress;
    if (!pool) return this.drop("nat64-no-pool");
    const chain = walkIpv6Extensions(packet[6], packet.subarray(40));
    if (isParseError(chain)) return this.drop("nat64-bad-chain");
    if (chain.fragment) return this.drop("nat64-fragment");
    const dst = new Ipv4Address(readUint32(packet, 36));
    if (this.wellKnown && isNonGlobalIpv4(dst.value)) {
      this.refuse6(
        packet,
        inIface,
        Icmpv6DestinationUnreachableCode.AdministrativelyProhibited,
        "nat64-non-global",
      );
      return false;
    }
    const v6src = Ipv6Address.fromBytes(packet, 8);
    const transport = packet.subarray(40 + chain.upperLayerOffset);
    let protocol = chain.upperLayerProtocol;
    let payload: Uint8Array;
    if (protocol === TCP || protocol === UDP) {
      if (transport.length < (protocol === TCP ? 20 : 8)) return this.drop("nat64-truncated");
      const binding = this.bind(protocol, v6src, readUint16(transport, 0));
      if (!binding)
        return this.refuse6(
          packet,
          inIface,
          Icmpv6DestinationUnreachableCode.AdministrativelyProhibited,
          "nat64-ports-exhausted",
        );
      payload = transport.slice();
      writeUint16(payload, 0, binding.v4Port);
      this.checksum4(payload, protocol, pool, dst);
    } else if (protocol === ICMPV6) {
      if (transport.length < 8 || transport[0] !== Icmpv6Type.EchoRequest) {
        return this.drop(transport[0] < 128 ? "nat64-icmp6-error-untranslated" : "nat64-icmp6-untranslated");
      }
      const binding = this.bind(ICMP, v6src, readUint16(transport, 4));
      if (!binding)
        return this.refuse6(
          packet,
          inIface,
          Icmpv6DestinationUnreachableCode.AdministrativelyProhibited,
          "nat64-ports-exhausted",
        );
      payload = transport.slice();
      payload[0] = Icmpv4Type.EchoRequest;
      payload[1] = 0;
      writeUint16(payload, 4, binding.v4Port);
      payload[2] = 0;
      payload[3] = 0;
      writeUint16(payload, 2, internetChecksum(payload));
      protocol = ICMP;
    } else {
      // §5.1: other protocols have no ports to bind.
      this.refuse6(
        packet,
        inIface,
        Icmpv6DestinationUnreachableCode.AdministrativelyProhibited,
        "nat64-protocol",
      );
      return false;
    }
    const trafficClass = ((packet[0] & 0x0f) << 4) | (packet[1] >>> 4);
    // The translation is traced before the packet leaves, so the views link the two (as NAT44's).
    this.trace("outbound", protocol, packet, chain.upperLayerOffset, pool, dst, payload);
    const error = this.ipv4.send({
      src: pool,
      dst,
      protocol,
      payload,
      ttl: packet[7] - 1,
      tos: trafficClass,
      // RFC 7915 §5.1: DF only when the IPv4 packet exceeds 1260 octets.
      dontFragment: 20 + payload.length > 1260,
    });
    if (error === "message-too-big") {
      // The IPv4 path is narrower: tell the IPv6 host, 20 octets more for the bigger header.
      const mtu = Math.max(1280, this.ipv4.pathMtu(dst) + 20);
      this.ipv6.icmp.sendError(Icmpv6Type.PacketTooBig, 0, packet, { arrivedOn: inIface, mtu });
      return this.drop("nat64-too-big");
    }
    if (error === "no-route") {
      this.refuse6(packet, inIface, Icmpv6DestinationUnreachableCode.NoRoute, "nat64-no-route");
      return false;
    }
    if (error) return this.drop(`nat64-${error}`);
    this.counters.toIpv4++;
    return true;
  }

  /** A binding for (protocol, IPv6 address, port), found or made; refreshed either way. */
  private bind(protocol: number, v6: Ipv6Address, v6Port: number): Binding | undefined {
    const now = this.ipv4.now;
    const key = `${protocol}|${v6}|${v6Port}`;
    let binding = this.byV6.get(key);
    if (binding && binding.expires <= now) {
      this.forget(binding);
      binding = undefined;
    }
    if (!binding) {
      const v4Port = this.freePort(protocol, now);
      if (v4Port === undefined) return undefined;
      binding = { protocol, v6, v6Port, v4Port, expires: 0 };
      this.byV6.set(key, binding);
      this.byV4.set(`${protocol}|${v4Port}`, binding);
      this.counters.bindings++;
    }
    binding.expires = now + TIMEOUT[protocol];
    return binding;
  }

  private freePort(protocol: number, now: Nanoseconds): number | undefined {
    const span = this.lastPort - this.firstPort + 1;
    for (let i = 0; i < span; i++) {
      const port = this.nextPort;
      this.nextPort = port >= this.lastPort ? this.firstPort : port + 1;
      const taken = this.byV4.get(`${protocol}|${port}`);
      if (!taken) return port;
      if (taken.expires <= now) {
        this.forget(taken);
        return port;
      }
    }
    return undefined;
  }

  private forget(binding: Binding): void {
    this.byV6.delete(`${binding.protocol}|${binding.v6}|${binding.v6Port}`);
    this.byV4.delete(`${binding.protocol}|${binding.v4Port}`);
    this.counters.bindings--;
  }

  // ---------------------------------------------------------------------------------------------
  // IPv4 → IPv6

  prerouting(frame: Uint8Array, offset: number, inIface: NetInterface): Verdict {
    const pool = this.poolAddress;
    if (!pool || readUint32(frame, offset + 16) !== pool.value) return Verdict.Accept;
    const headerLength = (frame[offset] & 0x0f) << 2;
    const total = readUint16(frame, offset + 2);
    const protocol = frame[offset + 9];
    const datagram = frame.subarray(offset, offset + total);
    const transport = datagram.subarray(headerLength);
    const flags = readUint16(frame, offset + 6);
    if ((flags & 0x3fff) !== 0) return Verdict.Accept; // fragments: not ours to translate (hooks reassemble first)
    const src = new Ipv4Address(readUint32(frame, offset + 12));
    let binding: Binding | undefined;
    let payload: Uint8Array;
    let nextHeader = protocol;
    if (protocol === TCP || protocol === UDP) {
      if (transport.length < 8) return Verdict.Accept;
      binding = this.lookup(protocol, readUint16(transport, 2));
      if (!binding) return Verdict.Accept;
      payload = transport.slice();
      writeUint16(payload, 2, binding.v6Port);
    } else if (protocol === ICMP && transport.length >= 8 && transport[0] === Icmpv4Type.EchoReply) {
      binding = this.lookup(ICMP, readUint16(transport, 4));
      if (!binding) return Verdict.Accept;
      payload = transport.slice();
      payload[0] = Icmpv6Type.EchoReply;
      writeUint16(payload, 4, binding.v6Port);
      nextHeader = ICMPV6;
    } else if (protocol === ICMP && transport.length >= 8 + 28 && isIcmpv4Error(transport[0])) {
      const translated = this.translateError(transport);
      if (!translated) return Verdict.Accept;
      binding = translated.binding;
      payload = translated.message;
      nextHeader = ICMPV6;
    } else {
      return Verdict.Accept;
    }
    const ttl = frame[offset + 8];
    if (ttl <= 1) {
      this.ipv4.icmp.sendError(Icmpv4Type.TimeExceeded, 0, datagram, { arrivedOn: inIface });
      this.drop("nat64-ttl-exceeded");
      return Verdict.Drop;
    }
    const v6src = this.synthesize(src);
    const v6dst = binding.v6;
    this.checksum6(payload, nextHeader, v6src, v6dst);
    this.traceInbound(protocol, src, transport, v6src, v6dst, payload, nextHeader, inIface);
    const error = this.ipv6.send({
      src: v6src,
      dst: v6dst,
      protocol: nextHeader,
      payload,
      ttl: ttl - 1,
      tos: frame[offset + 1],
      // §4: an IPv4 datagram with DF that does not fit is refused; without DF it is fragmented.
      dontFragment: (flags & 0x4000) !== 0,
    });
    if (error === "message-too-big") {
      const mtu = Math.max(68, this.ipv6.pathMtu(v6dst) - 20);
      this.ipv4.icmp.sendError(
        Icmpv4Type.DestinationUnreachable,
        UnreachableCode.FragmentationNeeded,
        datagram,
        {
          arrivedOn: inIface,
          mtu,
        },
      );
      this.drop("nat64-too-big");
      return Verdict.Drop;
    }
    if (error) {
      this.drop(`nat64-${error}`);
      return Verdict.Drop;
    }
    this.counters.toIpv6++;
    return Verdict.Drop; // consumed: it left as IPv6
  }

  private lookup(protocol: number, v4Port: number): Binding | undefined {
    const binding = this.byV4.get(`${protocol}|${v4Port}`);
    if (!binding) return undefined;
    if (binding.expires <= this.ipv4.now) {
      this.forget(binding);
      return undefined;
    }
    return binding;
  }

  /**
   * RFC 7915 §4.2: an ICMPv4 error about a datagram we translated becomes the ICMPv6 error about
   * the IPv6 packet it was, the quoted datagram translated back (§4.3).
   */
  private translateError(icmp: Uint8Array): { binding: Binding; message: Uint8Array } | undefined {
    const inner = icmp.subarray(8);
    const innerHeader = (inner[0] & 0x0f) << 2;
    if (inner[0] >>> 4 !== 4 || innerHeader < 20 || inner.length < innerHeader + 8) return undefined;
    const pool = this.poolAddress!;
    if (readUint32(inner, 12) !== pool.value) return undefined;
    const innerProtocol = inner[9];
    const innerTransport = inner.subarray(innerHeader);
    const binding =
      innerProtocol === TCP || innerProtocol === UDP
        ? this.lookup(innerProtocol, readUint16(innerTransport, 0))
        : innerProtocol === ICMP && innerTransport[0] === Icmpv4Type.EchoRequest
          ? this.lookup(ICMP, readUint16(innerTransport, 4))
          : undefined;
    if (!binding) return undefined;
    // The type and code (§4.2).
    const type = icmp[0];
    const code = icmp[1];
    let type6: number;
    let code6 = 0;
    let word = 0;
    if (type === Icmpv4Type.TimeExceeded) {
      type6 = Icmpv6Type.TimeExceeded;
      code6 = code;
    } else if (type === Icmpv4Type.ParameterProblem) {
      type6 = Icmpv6Type.ParameterProblem;
      code6 = Icmpv6ParameterProblemCode.ErroneousHeaderField;
    } else if (code === UnreachableCode.FragmentationNeeded) {
      type6 = Icmpv6Type.PacketTooBig;
      word = Math.max(1280, readUint16(icmp, 6) + 20);
    } else if (code === UnreachableCode.ProtocolUnreachable) {
      type6 = Icmpv6Type.ParameterProblem;
      code6 = Icmpv6ParameterProblemCode.UnrecognizedNextHeader;
      word = 6;
    } else if (code === UnreachableCode.PortUnreachable) {
      type6 = Icmpv6Type.DestinationUnreachable;
      code6 = Icmpv6DestinationUnreachableCode.PortUnreachable;
    } else if (
      code === UnreachableCode.NetworkAdministrativelyProhibited ||
      code === UnreachableCode.HostAdministrativelyProhibited ||
      code === UnreachableCode.CommunicationAdministrativelyProhibited
    ) {
      type6 = Icmpv6Type.DestinationUnreachable;
      code6 = Icmpv6DestinationUnreachableCode.AdministrativelyProhibited;
    } else {
      type6 = Icmpv6Type.DestinationUnreachable;
      code6 = Icmpv6DestinationUnreachableCode.NoRoute;
    }
    // The quoted datagram as the IPv6 packet it was: the host's own addresses and ports again.
    const innerTotal = readUint16(inner, 2);
    const quotedTransport = innerTransport.slice();
    const innerNext = innerProtocol === ICMP ? ICMPV6 : innerProtocol;
    if (innerProtocol === ICMP) {
      quotedTransport[0] = Icmpv6Type.EchoRequest;
      writeUint16(quotedTransport, 4, binding.v6Port);
    } else {
      writeUint16(quotedTransport, 0, binding.v6Port);
    }
    const quoted = new Uint8Array(40 + quotedTransport.length);
    quoted[0] = 0x60 | (inner[1] >>> 4);
    quoted[1] = (inner[1] & 0x0f) << 4;
    writeUint16(quoted, 4, Math.max(0, innerTotal - innerHeader));
    quoted[6] = innerNext;
    quoted[7] = inner[8];
    quoted.set(binding.v6.bytes, 8);
    quoted.set(this.synthesize(new Ipv4Address(readUint32(inner, 16))).bytes, 24);
    quoted.set(quotedTransport, 40);
    const limit = Math.min(quoted.length, 1280 - 40 - 8);
    const message = new Uint8Array(8 + limit);
    message[0] = type6;
    message[1] = code6;
    message[4] = (word >>> 24) & 0xff;
    message[5] = (word >>> 16) & 0xff;
    message[6] = (word >>> 8) & 0xff;
    message[7] = word & 0xff;
    message.set(quoted.subarray(0, limit), 8);
    return { binding, message };
  }

  // ---------------------------------------------------------------------------------------------

  private checksum4(payload: Uint8Array, protocol: number, src: Ipv4Address, dst: Ipv4Address): void {
    const at = protocol === TCP ? 16 : 6;
    payload[at] = 0;
    payload[at + 1] = 0;
    let sum = internetChecksum(
      payload,
      0,
      payload.length,
      pseudoHeaderSum({ src, dst }, protocol, payload.length),
    );
    if (protocol === UDP && sum === 0) sum = 0xffff;
    writeUint16(payload, at, sum);
  }

  private checksum6(payload: Uint8Array, nextHeader: number, src: Ipv6Address, dst: Ipv6Address): void {
    if (nextHeader === ICMPV6) {
      payload[2] = 0;
      payload[3] = 0;
      writeUint16(payload, 2, icmpv6Checksum(payload, { src, dst }));
      return;
    }
    const at = nextHeader === TCP ? 16 : 6;
    payload[at] = 0;
    payload[at + 1] = 0;
    let sum = internetChecksum(
      payload,
      0,
      payload.length,
      pseudoHeaderSum({ src, dst }, nextHeader, payload.length),
    );
    if (nextHeader === UDP && sum === 0) sum = 0xffff;
    writeUint16(payload, at, sum);
  }

  private refuse6(packet: Uint8Array, inIface: NetInterface, code: number, reason: string): false {
    this.ipv6.icmp.sendError(Icmpv6Type.DestinationUnreachable, code, packet, { arrivedOn: inIface });
    return this.drop(reason);
  }

  /** Counts and traces a datagram not translated; false, for `translate` to return. */
  private drop(reason: string): false {
    this.counters.drops.count(reason);
    this.ipv6.traceDrop("nat64", reason);
    return false;
  }

  private trace(
    direction: "outbound",
    protocol: number,
    packet: Uint8Array,
    upperOffset: number,
    pool: Ipv4Address,
    dst: Ipv4Address,
    payload: Uint8Array,
  ): void {
    const tracer = this.ipv6.context.tracer;
    if (!tracer.enabled) return;
    const original = packet.subarray(40 + upperOffset);
    const icmp = protocol === ICMP;
    tracer.emit({
      type: "nat-translated",
      time: this.ipv4.now,
      node: this.ipv6.context.name,
      iface: "nat64",
      direction,
      protocol: icmp ? "icmp" : protocol === TCP ? "tcp" : "udp",
      before: {
        src: Ipv6Address.fromBytes(packet, 8).toString(),
        srcPort: readUint16(original, icmp ? 4 : 0),
        dst: Ipv6Address.fromBytes(packet, 24).toString(),
        dstPort: icmp ? readUint16(original, 4) : readUint16(original, 2),
      },
      after: {
        src: pool.toString(),
        srcPort: readUint16(payload, icmp ? 4 : 0),
        dst: dst.toString(),
        dstPort: icmp ? readUint16(payload, 4) : readUint16(payload, 2),
      },
    });
  }

  private traceInbound(
    protocol: number,
    src: Ipv4Address,
    transport: Uint8Array,
    v6src: Ipv6Address,
    v6dst: Ipv6Address,
    payload: Uint8Array,
    nextHeader: number,
    inIface: NetInterface,
  ): void {
    const tracer = this.ipv6.context.tracer;
    if (!tracer.enabled) return;
    const echo = nextHeader === ICMPV6 && payload[0] === Icmpv6Type.EchoReply;
    const ports = (bytes: Uint8Array, icmp: boolean) =>
      icmp
        ? [readUint16(bytes, 4), readUint16(bytes, 4)]
        : nextHeader === ICMPV6
          ? [0, 0]
          : [readUint16(bytes, 0), readUint16(bytes, 2)];
    const [srcPort, dstPort] = ports(transport, echo);
    const [srcPort6, dstPort6] = ports(payload, echo);
    tracer.emit({
      type: "nat-translated",
      time: this.ipv4.now,
      node: this.ipv6.context.name,
      iface: inIface.name,
      direction: "inbound",
      protocol: protocol === ICMP ? "icmp" : protocol === TCP ? "tcp" : "udp",
      before: { src: src.toString(), srcPort, dst: this.poolAddress!.toString(), dstPort },
      after: { src: v6src.toString(), srcPort: srcPort6, dst: v6dst.toString(), dstPort: dstPort6 },
    });
  }
}

function isIcmpv4Error(type: number): boolean {
  return (
    type === Icmpv4Type.DestinationUnreachable ||
    type === Icmpv4Type.TimeExceeded ||
    type === Icmpv4Type.ParameterProblem
  );
}
