/**
 * A DHCPv4 server (RFC 2131 §4.3): pools per subnet, static leases by MAC, lease times, and the
 * router, DNS and domain options, answering DISCOVER, REQUEST, DECLINE, RELEASE and INFORM.
 *
 * - **Which subnet.** A request relayed by an agent names the client's subnet in giaddr (RFC 2131
 *   §4.3.1); otherwise the client is on the link it arrived on, or, for a unicast renewal, on the
 *   subnet of ciaddr. A request from a subnet with no pool is ignored.
 * - **Offers** (§4.3.1) choose an address in the pool's order of preference (./pool.ts). Before
 *   offering an address not known to be the client's, the server pings it (§4.3.1: "the server
 *   SHOULD probe the reused address before allocating the address, e.g., with an ICMP echo
 *   request"); an answer means someone uses it unannounced, and the address is held back.
 * - **Requests** (§4.3.2) in each client state: SELECTING (server identifier present: ours → ACK
 *   the offer, another's → withdraw our offer), INIT-REBOOT (requested address, no identifier: NAK
 *   if it is on the wrong network or someone else's, ACK if we know it is the client's, else stay
 *   silent), RENEWING/REBINDING (ciaddr: extend the binding).
 * - **Replies** (§4.1): to the relay agent at giaddr (port 67) if there is one; else unicast to
 *   ciaddr; else broadcast if the client set the BROADCAST bit (and always for NAK); else unicast
 *   to yiaddr at the client's hardware address.
 * - Defaults as the issue asks: router and DNS server are the serving interface's address, the lease
 *   is a day; T1 and T2 are 50% and 87.5% of it (§4.4.5).
 *
 * A log in dnsmasq's words (`DHCPDISCOVER(eth0) 02:00:00:00:00:0a`) tells a learner what happened.
 */
import type { Node } from "../../devices/node.js";
import type { EchoSocket } from "../../net/icmp.js";
import type { Timer } from "../../sim/scheduler.js";
import { MILLISECOND, type Nanoseconds, SECOND } from "../../sim/time.js";
import type { UdpMessage, UdpSocket } from "../../transport/udp.js";
import { Ipv4Address, Ipv4Prefix } from "../../wire/address/ipv4.js";
import { MacAddress } from "../../wire/address/mac.js";
import {
  BootpOp,
  DHCP_CLIENT_PORT,
  DHCP_FLAG_BROADCAST,
  DHCP_SERVER_PORT,
  DhcpMessageType,
  type DhcpOption,
  DhcpOptionCode,
  type DhcpRepr,
  dhcpAddress,
  dhcpClientMac,
  dhcpMessageType,
  dhcpMessageTypeName,
  dhcpOption,
  dhcpText,
  dhcpUint32,
  encodeDhcp,
  optionAddresses,
  optionByte,
  optionText,
  optionUint32,
  parseDhcp,
} from "../../wire/dhcp.js";
import { isParseError } from "../../wire/parse-error.js";
import { AddressPool, type Lease, type PoolConfig, type StaticLease } from "./pool.js";
import { traceDhcp } from "./trace.js";
import { sendDhcpDatagram } from "./transport.js";

/** One pool as configured (text, as in a topology file). */
export interface DhcpPoolOptions {
  /** Serve this interface's link directly; its address is the default router and DNS server. */
  interface?: string;
  /** The subnet (e.g. 10.0.2.0/24); required for a subnet reached through relay agents. */
  subnet?: string;
  /** The dynamic range, "192.168.1.100-192.168.1.199" or [first, last]. */
  range: string | readonly [string, string];
  /** Option 3. Default: the serving interface's address (for relayed subnets: the relay's giaddr). */
  router?: string | readonly string[];
  /** Option 6. Default: the serving interface's address. */
  dns?: string | readonly string[];
  /** Option 15. */
  domain?: string;
  /** Lease time in seconds (default 86400, one day). */
  leaseTime?: number;
  /** Fixed addresses by MAC. */
  static?: readonly { mac: string; address: string; hostname?: string }[];
}

export interface DhcpServerOptions {
  pools: readonly DhcpPoolOptions[];
  /**
   * NAK requests for addresses that are wrong for the network (ISC's `authoritative`). Default
   * true; a non-authoritative server stays silent, leaving it to the right server.
   */
  authoritative?: boolean;
  /** Ping an address before offering it (default true). */
  pingCheck?: boolean;
  /** How long to wait for the ping's answer (default 500 ms). */
  pingTimeout?: Nanoseconds;
  /** How long an offered address stays reserved for the client (default 60 s). */
  offerHold?: Nanoseconds;
  /** How long a declined or conflicting address is held back (default 10 minutes, as dnsmasq). */
  conflictHold?: Nanoseconds;
  /** Where log lines go (they are also kept in `log`). */
  write?: (line: string) => void;
}

/** Counters in the spirit of ISC dhcpd's statistics. */
export class DhcpServerCounters {
  received = 0;
  malformed = 0;
  /** BOOTREQUEST without option 53 (plain BOOTP is not served). */
  bootp = 0;
  /** Requests from subnets with no pool. */
  noSubnet = 0;
  discovers = 0;
  requests = 0;
  declines = 0;
  releases = 0;
  informs = 0;
  offers = 0;
  acks = 0;
  naks = 0;
  /** DISCOVERs that found no free address. */
  exhausted = 0;
  /** Addresses found in use by a ping before an offer. */
  conflicts = 0;
  sendErrors = 0;
}

interface ResolvedPool {
  pool: AddressPool;
  /** The serving interface's address on the subnet (undefined for relayed subnets). */
  serverAddress?: Ipv4Address;
}

interface PendingCheck {
  address: Ipv4Address;
  timer: Timer;
  onDone(inUse: boolean): void;
}

export const DEFAULT_LEASE_TIME = 86400;

export class DhcpServer {
  readonly counters = new DhcpServerCounters();
  readonly log: string[] = [];
  private socket: UdpSocket | undefined;
  private pools: ResolvedPool[] = [];
  private echo: EchoSocket | undefined;
  private readonly checks = new Map<number, PendingCheck>();
  /** Clients whose DISCOVER is waiting on a ping check (by client key). */
  private readonly checking = new Set<string>();
  private pingSequence = 0;
  readonly authoritative: boolean;
  readonly pingCheck: boolean;
  private readonly pingTimeout: Nanoseconds;
  private readonly offerHold: Nanoseconds;
  private readonly conflictHold: Nanoseconds;
  /** Told the address whenever a lease there is bound, released or declined (see dns-update.ts). */
  private readonly leaseWatchers: ((address: Ipv4Address) => void)[] = [];

  constructor(
    readonly node: Node,
    readonly options: DhcpServerOptions,
  ) {
    this.authoritative = options.authoritative ?? true;
    this.pingCheck = options.pingCheck ?? true;
    this.pingTimeout = options.pingTimeout ?? 500 * MILLISECOND;
    this.offerHold = options.offerHold ?? 60 * SECOND;
    this.conflictHold = options.conflictHold ?? 600 * SECOND;
  }

  get running(): boolean {
    return this.socket !== undefined;
  }

  /** The pools with their defaults resolved (after {@link start}). */
  get addressPools(): AddressPool[] {
    return this.pools.map((p) => p.pool);
  }

  /**
   * Resolves the pools against the node's interfaces and starts listening on port 67. Throws a
   * RangeError naming the problem when a pool does not fit its interface's subnet.
   */
  start(): this {
    if (this.socket) return this;
    this.pools = this.options.pools.map((p, i) => this.resolvePool(p, i));
    const socket = this.node.udp.createSocket({ broadcast: true });
    const error = socket.bind(DHCP_SERVER_PORT);
    if (error) throw new Error(`${this.node.name}: DHCP server cannot bind port 67 (${error})`);
    socket.onMessage = (message) => this.receive(message);
    this.socket = socket;
    return this;
  }

  stop(): void {
    this.socket?.close();
    this.socket = undefined;
    this.echo?.close();
    this.echo = undefined;
    for (const check of this.checks.values()) this.node.scheduler.cancel(check.timer);
    this.checks.clear();
    this.checking.clear();
  }

  private resolvePool(options: DhcpPoolOptions, index: number): ResolvedPool {
    const where = `${this.node.name}: DHCP pool ${index + 1}`;
    const list = (value: string | readonly string[] | undefined) =>
      value === undefined
        ? undefined
        : (typeof value === "string" ? [value] : [...value]).map((a) => Ipv4Address.parse(a));
    const [startText, endText] =
      typeof options.range === "string" ? options.range.split("-").map((s) => s.trim()) : options.range;
    const start = Ipv4Address.tryParse(startText ?? "");
    const end = Ipv4Address.tryParse(endText ?? "");
    if (!start || !end || end.value < start.value) {
      throw new RangeError(
        `${where}: range "${String(options.range)}" is not "first-last" with first ≤ last`,
      );
    }
    let subnet: Ipv4Prefix | undefined = options.subnet
      ? Ipv4Prefix.parse(options.subnet).networkPrefix
      : undefined;
    let serverAddress: Ipv4Address | undefined;
    if (options.interface !== undefined) {
      const iface = this.node.interface(options.interface);
      const prefix = iface.addresses.find((p) => p.contains(start)) ?? iface.addresses[0];
      if (!prefix)
        throw new RangeError(`${where}: interface ${options.interface} has no IPv4 address to serve from`);
      serverAddress = prefix.address;
      subnet ??= prefix.networkPrefix;
    }
    if (!subnet)
      throw new RangeError(`${where}: give "interface" (a directly served link) or "subnet" (a relayed one)`);
    if (!subnet.contains(start) || !subnet.contains(end)) {
      throw new RangeError(`${where}: range ${start}-${end} is not inside ${subnet}`);
    }
    const statics: StaticLease[] = (options.static ?? []).map((s) => {
      const address = Ipv4Address.parse(s.address);
      if (!subnet!.contains(address))
        throw new RangeError(`${where}: static ${s.address} is not inside ${subnet}`);
      return {
        mac: MacAddress.parse(s.mac),
        address,
        ...(s.hostname !== undefined ? { hostname: s.hostname } : {}),
      };
    });
    const config: PoolConfig = {
      subnet,
      start,
      end,
      routers: list(options.router) ?? (serverAddress ? [serverAddress] : []),
      dns: list(options.dns) ?? (serverAddress ? [serverAddress] : []),
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
      leaseTime: options.leaseTime ?? DEFAULT_LEASE_TIME,
      statics,
      ...(options.interface !== undefined ? { iface: options.interface } : {}),
    };
    // Never hand out the addresses of this node or of the routers.
    const reserved = new Set<number>();
    for (const iface of this.node.interfaces) for (const p of iface.addresses) reserved.add(p.address.value);
    for (const r of config.routers) reserved.add(r.value);
    reserved.add(subnet.network.value);
    reserved.add(subnet.broadcast.value);
    return { pool: new AddressPool(config, reserved), ...(serverAddress ? { serverAddress } : {}) };
  }

  private get now(): Nanoseconds {
    return this.node.scheduler.now;
  }

  private write(line: string): void {
    // Keep the last lines only: a busy server must not grow without bound.
    if (this.log.length >= 1000) this.log.shift();
    this.log.push(line);
    this.options.write?.(line);
    traceDhcp(this.node.tracer, {
      time: this.node.scheduler.now,
      node: this.node.name,
      role: "server",
      message: line,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /** Handles one datagram that arrived on port 67. Never throws. */
  receive(message: UdpMessage): void {
    this.counters.received++;
    const repr = parseDhcp(message.data);
    if (isParseError(repr) || repr.op !== BootpOp.Request) {
      this.counters.malformed++;
      return;
    }
    const type = dhcpMessageType(repr);
    const mac = dhcpClientMac(repr);
    if (type === undefined || !mac) {
      this.counters.bootp++;
      return;
    }
    const found = this.poolFor(repr, message);
    if (!found) {
      this.counters.noSubnet++;
      this.write(
        `DHCP${dhcpMessageTypeName(type).toUpperCase()}(${message.iface}) ${mac} no address range available for DHCP request ${repr.giaddr.isUnspecified ? `via ${message.iface}` : `via ${repr.giaddr}`}`,
      );
      return;
    }
    const context: RequestContext = {
      repr,
      mac,
      key: clientKeyOf(repr, mac),
      pool: found,
      iface: message.iface,
      serverId: this.serverIdFor(repr, message, found),
      hostname: dhcpText(repr, DhcpOptionCode.HostName),
    };
    switch (type) {
      case DhcpMessageType.Discover:
        this.counters.discovers++;
        this.discover(context);
        return;
      case DhcpMessageType.Request:
        this.counters.requests++;
        this.request(context);
        return;
      case DhcpMessageType.Decline:
        this.counters.declines++;
        this.decline(context);
        return;
      case DhcpMessageType.Release:
        this.counters.releases++;
        this.release(context);
        return;
      case DhcpMessageType.Inform:
        this.counters.informs++;
        this.inform(context);
        return;
      default:
        this.counters.malformed++;
    }
  }

  /** RFC 2131 §4.3.1: giaddr names the subnet; else the arrival link, or ciaddr for a unicast renewal. */
  private poolFor(repr: DhcpRepr, message: UdpMessage): ResolvedPool | undefined {
    if (!repr.giaddr.isUnspecified) return this.pools.find((p) => p.pool.contains(repr.giaddr));
    if (!repr.ciaddr.isUnspecified && !message.broadcast) {
      const byClient = this.pools.find((p) => p.pool.contains(repr.ciaddr));
      if (byClient) return byClient;
    }
    return this.pools.find((p) => p.pool.config.iface === message.iface);
  }

  /** Our address as the client should know it (option 54): the one it can reach us at. */
  private serverIdFor(repr: DhcpRepr, message: UdpMessage, pool: ResolvedPool): Ipv4Address {
    if (!repr.giaddr.isUnspecified) {
      const source = this.node.ipv4.sourceFor(repr.giaddr);
      if (source && source.version === 4) return source;
    }
    if (!message.broadcast && message.localAddress.version === 4) return message.localAddress;
    return pool.serverAddress ?? this.node.primaryAddress ?? Ipv4Address.ANY;
  }

  private isOurs(address: Ipv4Address): boolean {
    return this.node.ipv4.isLocalAddress(address);
  }

  // ---------------------------------------------------------------------------------------------
  // The messages

  private discover(c: RequestContext): void {
    this.write(`DHCPDISCOVER(${c.iface}) ${c.mac}`);
    if (this.checking.has(c.key)) return; // a retransmission while we ping: the offer follows
    const requested = dhcpAddress(c.repr, DhcpOptionCode.RequestedIpAddress);
    // The relay agent's own address on the client's subnet is never free.
    this.offerFrom(c, requested, new Set(c.repr.giaddr.isUnspecified ? [] : [c.repr.giaddr.value]));
  }

  private offerFrom(c: RequestContext, requested: Ipv4Address | undefined, skip: Set<number>): void {
    const pool = c.pool.pool;
    const address = pool.choose(c.key, c.mac, requested, this.now, skip);
    if (!address) {
      this.counters.exhausted++;
      this.write(`DHCPDISCOVER(${c.iface}) ${c.mac} no address available`);
      return;
    }
    const known =
      pool.staticFor(c.mac) !== undefined || pool.leaseOf(c.key, this.now)?.address.equals(address);
    if (!this.pingCheck || known) {
      this.offer(c, address);
      return;
    }
    // Hold the address for this client while the ping is out, so no one else is offered it.
    pool.assign(address, c.key, c.mac, "offered", this.now + this.offerHold, this.now, c.hostname);
    this.checking.add(c.key);
    this.checkInUse(address, (inUse) => {
      this.checking.delete(c.key);
      if (!this.running) return;
      if (!inUse) {
        this.offer(c, address);
        return;
      }
      this.counters.conflicts++;
      pool.markUnavailable(address, this.now + this.conflictHold, this.now);
      this.write(`DHCPDISCOVER(${c.iface}) ${c.mac} abandoning ${address}: it answered a ping`);
      skip.add(address.value);
      this.offerFrom(c, undefined, skip);
    });
  }

  private offer(c: RequestContext, address: Ipv4Address): void {
    const pool = c.pool.pool;
    const lease = this.leaseTimeFor(c);
    pool.assign(address, c.key, c.mac, "offered", this.now + this.offerHold, this.now, c.hostname);
    this.counters.offers++;
    this.write(`DHCPOFFER(${c.iface}) ${address} ${c.mac}`);
    this.reply(c, DhcpMessageType.Offer, address, this.configOptions(c, address, lease));
  }

  private request(c: RequestContext): void {
    const repr = c.repr;
    const pool = c.pool.pool;
    const now = this.now;
    const serverId = dhcpAddress(repr, DhcpOptionCode.ServerIdentifier);
    const requested = dhcpAddress(repr, DhcpOptionCode.RequestedIpAddress);
    const reservation = pool.staticFor(c.mac);
    const lease = pool.leaseOf(c.key, now);
    const isClients = (address: Ipv4Address) =>
      reservation
        ? reservation.address.equals(address)
        : lease?.address.equals(address) && lease.state !== "declined" && pool.isFreeFor(address, c.key, now);

    if (serverId) {
      // SELECTING: the client chose an offer (RFC 2131 §4.3.2 "DHCPREQUEST generated during SELECTING state").
      if (!this.isOurs(serverId)) {
        pool.withdrawOffer(c.key, now);
        this.write(`DHCPREQUEST(${c.iface}) ${requested ?? "?"} ${c.mac} for server ${serverId}: not us`);
        return;
      }
      this.write(`DHCPREQUEST(${c.iface}) ${requested ?? "0.0.0.0"} ${c.mac}`);
      if (requested && isClients(requested)) this.ack(c, requested);
      else this.nak(c, requested ? "address not available" : "no address requested");
      return;
    }
    if (requested && repr.ciaddr.isUnspecified) {
      // INIT-REBOOT: the client checks an address it remembers (§4.3.2).
      this.write(`DHCPREQUEST(${c.iface}) ${requested} ${c.mac}`);
      if (!pool.contains(requested)) {
        if (this.authoritative) this.nak(c, "wrong network");
        return;
      }
      if (isClients(requested)) {
        this.ack(c, requested);
        return;
      }
      const holder = pool.leaseAt(requested, now);
      const takenByOther = holder !== undefined && !pool.isFreeFor(requested, c.key, now);
      const clientHasOther =
        reservation !== undefined || (lease !== undefined && !lease.address.equals(requested));
      if (this.authoritative && (takenByOther || clientHasOther)) this.nak(c, "address not available");
      // RFC 2131 §4.3.2: "If the DHCP server has no record of this client, then it MUST remain silent".
      return;
    }
    if (!repr.ciaddr.isUnspecified) {
      // RENEWING (unicast to us) or REBINDING (broadcast): extend the binding of ciaddr.
      const address = repr.ciaddr;
      this.write(`DHCPREQUEST(${c.iface}) ${address} ${c.mac}`);
      if (!pool.contains(address)) {
        if (this.authoritative) this.nak(c, "wrong network");
        return;
      }
      if (isClients(address)) {
        this.ack(c, address);
        return;
      }
      // We lost the record (or never had it): take the client back if the address is free and ours.
      const inRange = address.value >= pool.config.start.value && address.value <= pool.config.end.value;
      if (!reservation && inRange && pool.isFreeFor(address, c.key, now)) {
        this.ack(c, address);
        return;
      }
      if (this.authoritative) this.nak(c, "lease not found");
      return;
    }
    this.counters.malformed++;
  }

  private ack(c: RequestContext, address: Ipv4Address): void {
    const seconds = this.leaseTimeFor(c);
    c.pool.pool.assign(address, c.key, c.mac, "bound", this.now + seconds * SECOND, this.now, c.hostname);
    this.counters.acks++;
    const name = c.hostname ?? c.pool.pool.staticFor(c.mac)?.hostname;
    this.write(`DHCPACK(${c.iface}) ${address} ${c.mac}${name ? ` ${name}` : ""}`);
    this.reply(c, DhcpMessageType.Ack, address, this.configOptions(c, address, seconds));
    this.leaseChanged(address);
  }

  private nak(c: RequestContext, reason: string): void {
    this.counters.naks++;
    this.write(`DHCPNAK(${c.iface}) ${c.mac} ${reason}`);
    this.reply(c, DhcpMessageType.Nak, Ipv4Address.ANY, optionText(DhcpOptionCode.Message, reason));
  }

  private decline(c: RequestContext): void {
    const address = dhcpAddress(c.repr, DhcpOptionCode.RequestedIpAddress);
    this.write(`DHCPDECLINE(${c.iface}) ${address ?? "?"} ${c.mac}`);
    if (!address) return;
    // RFC 2131 §4.3.3: the address is in use by someone else; do not give it out again soon.
    const lease = c.pool.pool.leaseOf(c.key, this.now);
    if (lease?.address.equals(address) || c.pool.pool.staticFor(c.mac)?.address.equals(address)) {
      c.pool.pool.markUnavailable(address, this.now + this.conflictHold, this.now);
      this.leaseChanged(address);
    }
  }

  private release(c: RequestContext): void {
    const address = c.repr.ciaddr;
    this.write(`DHCPRELEASE(${c.iface}) ${address} ${c.mac}`);
    if (c.pool.pool.release(c.key, address, this.now)) this.leaseChanged(address);
  }

  private inform(c: RequestContext): void {
    // RFC 2131 §4.3.5: configuration only, no address and no lease time, unicast to ciaddr.
    this.write(`DHCPINFORM(${c.iface}) ${c.repr.ciaddr} ${c.mac}`);
    this.counters.acks++;
    this.write(`DHCPACK(${c.iface}) ${c.repr.ciaddr} ${c.mac}`);
    this.reply(c, DhcpMessageType.Ack, Ipv4Address.ANY, this.configOptions(c, c.repr.ciaddr, undefined));
  }

  /** The lease the client gets: ours, or less if it asked for less (RFC 2131 §4.3.1). */
  private leaseTimeFor(c: RequestContext): number {
    const configured = c.pool.pool.config.leaseTime;
    const asked = dhcpUint32(c.repr, DhcpOptionCode.LeaseTime);
    return asked !== undefined && asked > 0 && asked < configured ? asked : configured;
  }

  /** Lease times, mask, router, DNS, domain and host name, in the order dnsmasq sends them. */
  private configOptions(c: RequestContext, address: Ipv4Address, lease: number | undefined): DhcpOption[] {
    const config = c.pool.pool.config;
    const options: DhcpOption[] = [];
    if (lease !== undefined) {
      options.push(optionUint32(DhcpOptionCode.LeaseTime, lease));
      if (lease !== 0xffffffff) {
        options.push(optionUint32(DhcpOptionCode.RenewalTime, Math.floor(lease / 2)));
        options.push(optionUint32(DhcpOptionCode.RebindingTime, Math.floor((lease * 7) / 8)));
      }
    }
    options.push(optionAddresses(DhcpOptionCode.SubnetMask, [config.subnet.netmask]));
    options.push(optionAddresses(DhcpOptionCode.BroadcastAddress, [config.subnet.broadcast]));
    const routers =
      config.routers.length > 0 ? config.routers : c.repr.giaddr.isUnspecified ? [] : [c.repr.giaddr];
    if (routers.length > 0) options.push(optionAddresses(DhcpOptionCode.Router, routers));
    const dns = config.dns.length > 0 ? config.dns : c.pool.serverAddress ? [] : [c.serverId];
    if (dns.length > 0) options.push(optionAddresses(DhcpOptionCode.DomainNameServer, dns));
    if (config.domain) options.push(...optionText(DhcpOptionCode.DomainName, config.domain));
    const reservation = c.pool.pool.staticFor(c.mac);
    if (reservation?.hostname && reservation.address.equals(address)) {
      options.push(...optionText(DhcpOptionCode.HostName, reservation.hostname));
    }
    return options;
  }

  /** Builds and sends a reply where RFC 2131 §4.1 says it goes. */
  private reply(c: RequestContext, type: number, yiaddr: Ipv4Address, extra: DhcpOption[]): void {
    const request = c.repr;
    const nak = type === DhcpMessageType.Nak;
    const response: DhcpRepr = {
      op: BootpOp.Reply,
      htype: request.htype,
      hlen: request.hlen,
      hops: 0,
      xid: request.xid,
      secs: 0,
      // RFC 1542 §4.1.1 / RFC 2131 §4.3.2: a NAK through a relay asks it to broadcast.
      flags: nak && !request.giaddr.isUnspecified ? request.flags | DHCP_FLAG_BROADCAST : request.flags,
      // RFC 2131 Table 3: ciaddr is echoed in an ACK (renewal, INFORM), zero otherwise.
      ciaddr: type === DhcpMessageType.Ack ? request.ciaddr : Ipv4Address.ANY,
      yiaddr,
      siaddr: Ipv4Address.ANY,
      giaddr: request.giaddr,
      chaddr: request.chaddr,
      sname: new Uint8Array(0),
      file: new Uint8Array(0),
      options: [
        optionByte(DhcpOptionCode.MessageType, type),
        optionAddresses(DhcpOptionCode.ServerIdentifier, [c.serverId]),
        ...extra,
      ],
    };
    const payload = encodeDhcp(response);
    const src = c.serverId;
    let error: string | undefined;
    if (!request.giaddr.isUnspecified) {
      error = sendDhcpDatagram(this.node, {
        src,
        dst: request.giaddr,
        srcPort: DHCP_SERVER_PORT,
        dstPort: DHCP_SERVER_PORT,
        payload,
      });
    } else if (!nak && !request.ciaddr.isUnspecified) {
      error = sendDhcpDatagram(this.node, {
        src,
        dst: request.ciaddr,
        srcPort: DHCP_SERVER_PORT,
        dstPort: DHCP_CLIENT_PORT,
        payload,
      });
    } else if (nak || request.flags & DHCP_FLAG_BROADCAST || yiaddr.isUnspecified) {
      error = sendDhcpDatagram(this.node, {
        src,
        dst: Ipv4Address.BROADCAST,
        srcPort: DHCP_SERVER_PORT,
        dstPort: DHCP_CLIENT_PORT,
        payload,
        iface: c.iface,
      });
    } else {
      error = sendDhcpDatagram(this.node, {
        src,
        dst: yiaddr,
        srcPort: DHCP_SERVER_PORT,
        dstPort: DHCP_CLIENT_PORT,
        payload,
        iface: c.iface,
        mac: c.mac,
      });
    }
    if (error) this.counters.sendErrors++;
  }

  // ---------------------------------------------------------------------------------------------
  // Conflict detection

  /** Pings `address`; calls back with whether anything answered within the timeout. */
  private checkInUse(address: Ipv4Address, onDone: (inUse: boolean) => void): void {
    this.echo ??= this.node.ipv4.icmp.openEcho({
      onReply: (reply) => {
        const check = this.checks.get(reply.sequence);
        if (!check?.address.equals(reply.from)) return;
        this.checks.delete(reply.sequence);
        this.node.scheduler.cancel(check.timer);
        check.onDone(true);
      },
    });
    const sequence = this.pingSequence;
    this.pingSequence = (this.pingSequence + 1) & 0xffff;
    const timer = this.node.scheduler.after(this.pingTimeout, () => {
      if (this.checks.get(sequence)?.timer !== timer) return;
      this.checks.delete(sequence);
      onDone(false);
    });
    this.checks.set(sequence, { address, timer, onDone });
    if (this.echo.send(address, sequence, new Uint8Array(0))) {
      // Could not even send (no route): nobody can be using it as far as we can tell.
      this.node.scheduler.cancel(timer);
      this.checks.delete(sequence);
      onDone(false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lease watchers

  /**
   * Calls `watcher` with the address of every lease that is bound (or renewed), released or
   * declined from now on; expiry is lazy, so a watcher that cares about it asks {@link boundLease}
   * when the lease's time runs out. Returns a function that stops the calls.
   */
  watchLeases(watcher: (address: Ipv4Address) => void): () => void {
    this.leaseWatchers.push(watcher);
    return () => {
      const i = this.leaseWatchers.indexOf(watcher);
      if (i >= 0) this.leaseWatchers.splice(i, 1);
    };
  }

  /** The lease bound at `address` now, with the client's name (a reservation's name first). */
  boundLease(address: Ipv4Address): { lease: Lease; hostname?: string } | undefined {
    for (const { pool } of this.pools) {
      if (!pool.contains(address)) continue;
      const lease = pool.leaseAt(address, this.now);
      if (lease?.state !== "bound") continue;
      const hostname = pool.staticFor(lease.mac)?.hostname ?? lease.hostname;
      return { lease, ...(hostname !== undefined ? { hostname } : {}) };
    }
    return undefined;
  }

  private leaseChanged(address: Ipv4Address): void {
    for (const watcher of [...this.leaseWatchers]) watcher(address);
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  /** Every lease record, all pools. */
  leases(): Lease[] {
    return this.pools.flatMap((p) => p.pool.leases(this.now));
  }

  /** Cisco IOS `show ip dhcp binding`, with the lease's remaining time instead of a date. */
  showBinding(): string {
    const lines = [
      "Bindings from all pools not associated with VRF:",
      "IP address          Client-ID/              Lease expiration        Type       State",
      "                    Hardware address/",
      "                    User name",
    ];
    for (const lease of this.leases()) {
      if (lease.state === "released" || lease.state === "expired") continue;
      const remaining = lease.expires - this.now;
      const expiration = lease.state === "declined" ? "" : formatRemaining(remaining);
      const type = lease.static ? "Manual" : "Automatic";
      const state = lease.state === "bound" ? "Active" : lease.state === "offered" ? "Selecting" : "Declined";
      lines.push(
        `${lease.address.toString().padEnd(20)}${ciscoMac(lease.mac).padEnd(24)}${expiration.padEnd(24)}${type.padEnd(11)}${state}`,
      );
    }
    return `${lines.join("\n")}\n`;
  }
}

interface RequestContext {
  repr: DhcpRepr;
  mac: MacAddress;
  /** How the client is known: its client identifier, else its hardware address (RFC 2131 §4.2). */
  key: string;
  pool: ResolvedPool;
  iface: string;
  serverId: Ipv4Address;
  hostname: string | undefined;
}

/** RFC 2131 §4.2: "the combination of 'client identifier' or 'chaddr' and assigned network address". */
function clientKeyOf(repr: DhcpRepr, mac: MacAddress): string {
  const id = dhcpOption(repr, DhcpOptionCode.ClientId);
  if (id && id.length > 0) return `id:${Array.from(id, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  return `mac:${mac}`;
}

/** Cisco's dotted MAC with the hardware type in front: 0102.0000.0000.0a. */
function ciscoMac(mac: MacAddress): string {
  const hex = `01${mac.toString().replaceAll(":", "")}`;
  return `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}.${hex.slice(12)}`;
}

function formatRemaining(ns: Nanoseconds): string {
  if (ns <= 0) return "expired";
  let seconds = Math.ceil(ns / SECOND);
  const days = Math.floor(seconds / 86400);
  seconds %= 86400;
  const hms = `${String(Math.floor(seconds / 3600)).padStart(2, "0")}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
  return `in ${days > 0 ? `${days}d ` : ""}${hms}`;
}
