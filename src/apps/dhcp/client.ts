/**
 * A DHCP client: the state machine of RFC 2131 §4.4 (Figure 5), driven by the simulator's clock.
 *
 * ```
 *  INIT-REBOOT ──REQUEST──► REBOOTING ──ACK──► BOUND ◄──ACK── REQUESTING ◄──OFFER── SELECTING
 *       ▲                       │NAK            │ T1            ▲ ▲NAK                  ▲
 *       │                       ▼               ▼               │ │                     │ DISCOVER
 *  (remembered address)       INIT ◄──NAK── RENEWING ──ACK──────┘ │                    INIT
 *                               ▲               │ T2              │
 *                               └──NAK/expiry── REBINDING ──ACK───┘
 * ```
 *
 * - **INIT → SELECTING**: after a short random wait (RFC 2131 §4.4.1 suggests 1-10 s to spread
 *   clients that start together; dhclient waits none; we wait up to `initialDelay`, 1 s by default),
 *   broadcast DISCOVER from 0.0.0.0, retransmitting after 4, 8, 16, 32, 64, 64... seconds, each ±1 s
 *   (§4.1). The first OFFER is taken, as dhclient does.
 * - **REQUESTING**: broadcast REQUEST naming the server and the offered address (same xid); no
 *   answer after four tries means back to INIT; NAK too.
 * - **BOUND**: the interface gets the address, the default route the first router, the resolver
 *   the DNS servers and domain. Times count from when the REQUEST was sent (§4.4.1). T1 (option 58,
 *   else 50% of the lease) starts RENEWING, T2 (option 59, else 87.5%) REBINDING, the lease's end
 *   takes everything away and starts again (§4.4.5).
 * - **RENEWING**: unicast REQUEST with ciaddr to the server that gave the lease; **REBINDING**:
 *   broadcast it to any server. Retransmit after half the time left until T2 (renewing) or the end
 *   of the lease (rebinding), but no sooner than 60 s (§4.4.5).
 * - **INIT-REBOOT → REBOOTING**: a client that remembers its address asks to keep it (§4.4.2):
 *   broadcast REQUEST with the address and no server identifier. ACK → BOUND, NAK → INIT.
 *
 * This stack cannot receive unicast datagrams for an address it does not have yet, so the client
 * sets the BROADCAST flag (§4.1: "A client that cannot receive unicast IP datagrams until its
 * protocol software has been configured with an IP address SHOULD set the BROADCAST bit").
 * Not done: probing the offered address with ARP before using it (§4.4.1 SHOULD) — the network
 * layer has no hook to hear ARP replies for an address the interface does not have; servers here
 * ping-check instead, and `decline()` is there for a caller that detects a conflict.
 */
import type { Node } from "../../devices/node.js";
import type { Timer } from "../../sim/scheduler.js";
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import type { UdpMessage } from "../../transport/udp.js";
import { Ipv4Address, Ipv4Prefix } from "../../wire/address/ipv4.js";
import {
  BootpOp,
  chaddrOf,
  clientIdOf,
  DHCP_CLIENT_PORT,
  DHCP_FLAG_BROADCAST,
  DHCP_HTYPE_ETHERNET,
  DHCP_SERVER_PORT,
  DhcpMessageType,
  type DhcpOption,
  DhcpOptionCode,
  type DhcpRepr,
  dhcpAddress,
  dhcpAddresses,
  dhcpClientMac,
  dhcpMessageType,
  dhcpText,
  dhcpUint32,
  encodeDhcp,
  optionAddresses,
  optionByte,
  optionText,
  optionUint16,
  optionUint32,
  parseDhcp,
} from "../../wire/dhcp.js";
import { isParseError } from "../../wire/parse-error.js";
import { resolvConf } from "../dns/resolv-conf.js";
import { traceDhcp } from "./trace.js";
import { type ClientPortListener, clientPort, sendDhcpDatagram } from "./transport.js";

export type DhcpClientState =
  | "INIT"
  | "SELECTING"
  | "REQUESTING"
  | "BOUND"
  | "RENEWING"
  | "REBINDING"
  | "INIT-REBOOT"
  | "REBOOTING"
  | "STOPPED";

export interface DhcpClientOptions {
  /** The interface to configure (default eth0). */
  iface?: string;
  /** Option 12 (default: the node's name). */
  hostname?: string;
  /** An address remembered from before: start in INIT-REBOOT and ask to keep it. */
  previousAddress?: string;
  /** Longest random wait before the first DISCOVER (default 1 s; RFC 2131 suggests up to 10 s). */
  initialDelay?: Nanoseconds;
  /** Set the BROADCAST flag (default true; see the module comment). */
  broadcastFlag?: boolean;
  /** Ask for this lease time, in seconds (option 51). */
  leaseTime?: number;
  /** Apply the lease to the node: address, default route, resolver (default true). */
  configure?: boolean;
  /** Where log lines go (they are also kept in `log`). */
  write?: (line: string) => void;
}

/** What a lease gave the client. */
export interface DhcpLease {
  address: Ipv4Address;
  prefix: Ipv4Prefix;
  server: Ipv4Address;
  routers: Ipv4Address[];
  dns: Ipv4Address[];
  domain?: string;
  hostname?: string;
  /** Seconds, as granted. */
  leaseTime: number;
  t1: number;
  t2: number;
  /** Virtual time the lease counts from (when the REQUEST was sent). */
  start: Nanoseconds;
}

/** The Parameter Request List we send (option 55), as dhclient's default minus the exotic ones. */
const PARAMETERS = [
  DhcpOptionCode.SubnetMask,
  DhcpOptionCode.BroadcastAddress,
  DhcpOptionCode.TimeOffset,
  DhcpOptionCode.Router,
  DhcpOptionCode.DomainName,
  DhcpOptionCode.DomainNameServer,
  DhcpOptionCode.HostName,
  DhcpOptionCode.InterfaceMtu,
];

/** Log lines kept (the oldest go first), so a client running for weeks stays small. */
const LOG_LIMIT = 200;
/** RFC 2131 §4.1: four tries in REQUESTING/REBOOTING before giving up on the server. */
const REQUEST_TRIES = 4;
/** RFC 2131 §4.4.4: "wait a minimum of ten seconds before restarting" after a DECLINE. */
const DECLINE_WAIT = 10 * SECOND;
/** RFC 2131 §4.4.5: retransmissions in RENEWING/REBINDING are at least 60 s apart. */
const MIN_RENEW_INTERVAL = 60 * SECOND;

export class DhcpClient implements ClientPortListener {
  readonly iface: string;
  state: DhcpClientState = "STOPPED";
  /** The current (or last) lease. */
  lease: DhcpLease | undefined;
  readonly log: string[] = [];
  /** Called on every state change. */
  onStateChange: ((state: DhcpClientState, previous: DhcpClientState) => void) | undefined;
  /** Messages sent and received, by type name, for tests and `show`. */
  readonly counters = { sent: new Map<string, number>(), received: new Map<string, number>(), ignored: 0 };
  private xid = 0;
  private timer: Timer | undefined;
  /** T1, T2 and expiry while bound. */
  private leaseTimers: Timer[] = [];
  private tries = 0;
  /** When the current exchange began (for `secs`) and when the last REQUEST left (lease start). */
  private exchangeStart: Nanoseconds = 0;
  private requestSentAt: Nanoseconds = 0;
  private offer: { address: Ipv4Address; server: Ipv4Address } | undefined;
  /** What this client installed on the node, to take it away again. */
  private configured: { prefix: Ipv4Prefix; router?: Ipv4Address } | undefined;
  private readonly configure: boolean;

  constructor(
    readonly node: Node,
    readonly options: DhcpClientOptions = {},
  ) {
    this.iface = options.iface ?? "eth0";
    this.configure = options.configure ?? true;
  }

  private get now(): Nanoseconds {
    return this.node.scheduler.now;
  }

  private get mac() {
    return this.node.interface(this.iface).mac;
  }

  private write(line: string): void {
    if (this.log.length >= LOG_LIMIT) this.log.shift();
    this.log.push(line);
    this.options.write?.(line);
    traceDhcp(this.node.tracer, {
      time: this.now,
      node: this.node.name,
      role: "client",
      iface: this.iface,
      state: this.state,
      message: line,
    });
  }

  private setState(state: DhcpClientState): void {
    const previous = this.state;
    this.state = state;
    if (previous !== state) this.onStateChange?.(state, previous);
  }

  /** Starts: INIT-REBOOT with a remembered address, else INIT. */
  start(): this {
    if (this.state !== "STOPPED") return this;
    clientPort(this.node).add(this);
    const previous = this.options.previousAddress
      ? Ipv4Address.parse(this.options.previousAddress)
      : undefined;
    if (previous) {
      this.setState("INIT-REBOOT");
      this.reboot(previous);
    } else {
      this.init(this.randomDelay(this.options.initialDelay ?? SECOND));
    }
    return this;
  }

  /** Stops without telling the server (a host switched off): the address stays until stop. */
  stop(): void {
    this.cancelTimers();
    clientPort(this.node).remove(this);
    this.setState("STOPPED");
  }

  /** `dhclient -r`: releases the lease (RFC 2131 §4.4.6), removes the configuration, stops. */
  release(): void {
    const lease = this.lease;
    if (lease && (this.state === "BOUND" || this.state === "RENEWING" || this.state === "REBINDING")) {
      this.xid = this.newXid();
      this.exchangeStart = this.now;
      const message = this.message(DhcpMessageType.Release, lease.address, [
        optionAddresses(DhcpOptionCode.ServerIdentifier, [lease.server]),
      ]);
      this.send(message, lease.server, lease.address);
      this.write(`DHCPRELEASE of ${lease.address} on ${this.iface} to ${lease.server} port 67`);
    }
    this.unconfigure();
    this.lease = undefined;
    this.stop();
  }

  /**
   * RFC 2131 §4.4.1: the client found the offered address in use — tell the server with DECLINE
   * and start over after ten seconds.
   */
  decline(): void {
    const lease = this.lease;
    if (!lease) return;
    this.cancelTimers();
    this.unconfigure();
    this.xid = this.newXid();
    const message = this.message(DhcpMessageType.Decline, Ipv4Address.ANY, [
      optionAddresses(DhcpOptionCode.RequestedIpAddress, [lease.address]),
      optionAddresses(DhcpOptionCode.ServerIdentifier, [lease.server]),
    ]);
    this.send(message, Ipv4Address.BROADCAST, Ipv4Address.ANY);
    this.write(`DHCPDECLINE of ${lease.address} on ${this.iface} to 255.255.255.255 port 67`);
    this.lease = undefined;
    this.init(DECLINE_WAIT);
  }

  // ---------------------------------------------------------------------------------------------
  // States

  /** INIT: wait `delay`, then DISCOVER. */
  private init(delay: Nanoseconds): void {
    this.setState("INIT");
    this.offer = undefined;
    this.schedule(delay, () => {
      this.xid = this.newXid();
      this.exchangeStart = this.now;
      this.tries = 0;
      this.setState("SELECTING");
      this.discover();
    });
  }

  private discover(): void {
    const interval = this.backoff(this.tries);
    const options: DhcpOption[] = [];
    if (this.lease) options.push(optionAddresses(DhcpOptionCode.RequestedIpAddress, [this.lease.address]));
    this.send(
      this.message(DhcpMessageType.Discover, Ipv4Address.ANY, options),
      Ipv4Address.BROADCAST,
      Ipv4Address.ANY,
    );
    this.write(
      `DHCPDISCOVER on ${this.iface} to 255.255.255.255 port 67 interval ${Math.round(interval / SECOND)}`,
    );
    this.tries++;
    this.schedule(interval, () => this.discover());
  }

  private request(): void {
    const offer = this.offer!;
    if (this.tries >= REQUEST_TRIES) {
      this.write(`No DHCPACK from ${offer.server}: back to INIT`);
      this.init(0);
      return;
    }
    this.requestSentAt = this.now;
    const message = this.message(DhcpMessageType.Request, Ipv4Address.ANY, [
      optionAddresses(DhcpOptionCode.RequestedIpAddress, [offer.address]),
      optionAddresses(DhcpOptionCode.ServerIdentifier, [offer.server]),
    ]);
    this.send(message, Ipv4Address.BROADCAST, Ipv4Address.ANY);
    this.write(`DHCPREQUEST for ${offer.address} on ${this.iface} to 255.255.255.255 port 67`);
    const interval = this.backoff(this.tries);
    this.tries++;
    this.schedule(interval, () => this.request());
  }

  private reboot(address: Ipv4Address): void {
    this.xid = this.newXid();
    this.exchangeStart = this.now;
    this.tries = 0;
    this.setState("REBOOTING");
    const attempt = () => {
      if (this.tries >= REQUEST_TRIES) {
        this.write(`No answer for ${address}: back to INIT`);
        this.init(0);
        return;
      }
      this.requestSentAt = this.now;
      const message = this.message(DhcpMessageType.Request, Ipv4Address.ANY, [
        optionAddresses(DhcpOptionCode.RequestedIpAddress, [address]),
      ]);
      this.send(message, Ipv4Address.BROADCAST, Ipv4Address.ANY);
      this.write(`DHCPREQUEST for ${address} on ${this.iface} to 255.255.255.255 port 67`);
      const interval = this.backoff(this.tries);
      this.tries++;
      this.schedule(interval, attempt);
    };
    attempt();
  }

  /** T1: RENEWING, unicast to the server that granted the lease. */
  private renew(): void {
    const lease = this.lease!;
    this.xid = this.newXid();
    this.exchangeStart = this.now;
    this.setState("RENEWING");
    const t2 = lease.start + lease.t2 * SECOND;
    const attempt = () => {
      this.requestSentAt = this.now;
      this.send(this.message(DhcpMessageType.Request, lease.address, []), lease.server, lease.address);
      this.write(`DHCPREQUEST for ${lease.address} on ${this.iface} to ${lease.server} port 67`);
      const wait = Math.max(MIN_RENEW_INTERVAL, (t2 - this.now) / 2);
      if (this.now + wait < t2) this.schedule(wait, attempt);
    };
    attempt();
  }

  /** T2: REBINDING, broadcast to any server. */
  private rebind(): void {
    const lease = this.lease!;
    this.cancel();
    this.xid = this.newXid();
    this.exchangeStart = this.now;
    this.setState("REBINDING");
    const end = lease.start + lease.leaseTime * SECOND;
    const attempt = () => {
      this.requestSentAt = this.now;
      this.send(
        this.message(DhcpMessageType.Request, lease.address, []),
        Ipv4Address.BROADCAST,
        lease.address,
      );
      this.write(`DHCPREQUEST for ${lease.address} on ${this.iface} to 255.255.255.255 port 67`);
      const wait = Math.max(MIN_RENEW_INTERVAL, (end - this.now) / 2);
      if (this.now + wait < end) this.schedule(wait, attempt);
    };
    attempt();
  }

  /** The lease ran out (RFC 2131 §4.4.5): stop using the address and start over. */
  private expire(): void {
    this.write(`Lease of ${this.lease?.address} expired on ${this.iface}`);
    this.cancelTimers();
    this.unconfigure();
    this.init(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /** A datagram for port 68 on our interface (from the shared client port). Never throws. */
  receive(payload: Uint8Array, message: UdpMessage): void {
    const repr = parseDhcp(payload);
    if (isParseError(repr) || repr.op !== BootpOp.Reply || repr.xid !== this.xid) {
      this.counters.ignored++;
      return;
    }
    const mac = dhcpClientMac(repr);
    if (!mac || mac.value !== this.mac.value) {
      this.counters.ignored++;
      return;
    }
    const type = dhcpMessageType(repr);
    const from = message.address.toString();
    const count = (name: string) =>
      this.counters.received.set(name, (this.counters.received.get(name) ?? 0) + 1);
    if (type === DhcpMessageType.Offer && this.state === "SELECTING") {
      const server = dhcpAddress(repr, DhcpOptionCode.ServerIdentifier);
      if (!server || repr.yiaddr.isUnspecified) {
        this.counters.ignored++;
        return;
      }
      count("OFFER");
      this.write(`DHCPOFFER of ${repr.yiaddr} from ${from}`);
      this.offer = { address: repr.yiaddr, server };
      this.cancel();
      this.tries = 0;
      this.setState("REQUESTING");
      this.request();
      return;
    }
    const waiting =
      this.state === "REQUESTING" ||
      this.state === "REBOOTING" ||
      this.state === "RENEWING" ||
      this.state === "REBINDING";
    if (!waiting) {
      this.counters.ignored++;
      return;
    }
    if (type === DhcpMessageType.Ack) {
      const server = dhcpAddress(repr, DhcpOptionCode.ServerIdentifier);
      if (this.state === "REQUESTING" && server && !server.equals(this.offer!.server)) {
        this.counters.ignored++;
        return;
      }
      count("ACK");
      this.write(`DHCPACK of ${repr.yiaddr} from ${from}`);
      this.bind(repr, server);
      return;
    }
    if (type === DhcpMessageType.Nak) {
      count("NAK");
      const reason = dhcpText(repr, DhcpOptionCode.Message);
      this.write(`DHCPNAK from ${from}${reason ? ` (${reason})` : ""}`);
      this.cancelTimers();
      this.unconfigure();
      this.lease = undefined;
      this.init(0);
      return;
    }
    this.counters.ignored++;
  }

  /** ACK: record the lease, configure the node, set T1/T2/expiry. */
  private bind(repr: DhcpRepr, serverId: Ipv4Address | undefined): void {
    this.cancelTimers();
    const address = repr.yiaddr.isUnspecified ? repr.ciaddr : repr.yiaddr;
    const mask = dhcpAddress(repr, DhcpOptionCode.SubnetMask);
    const length = mask ? maskLength(mask.value) : classfulLength(address.value);
    const leaseTime = dhcpUint32(repr, DhcpOptionCode.LeaseTime) ?? 0xffffffff;
    const t1 = dhcpUint32(repr, DhcpOptionCode.RenewalTime) ?? Math.floor(leaseTime / 2);
    const t2 = dhcpUint32(repr, DhcpOptionCode.RebindingTime) ?? Math.floor((leaseTime * 7) / 8);
    const domain = dhcpText(repr, DhcpOptionCode.DomainName);
    const hostname = dhcpText(repr, DhcpOptionCode.HostName);
    const lease: DhcpLease = {
      address,
      prefix: new Ipv4Prefix(address, length ?? 24),
      server: serverId ?? this.lease?.server ?? this.offer?.server ?? Ipv4Address.ANY,
      routers: dhcpAddresses(repr, DhcpOptionCode.Router) ?? [],
      dns: dhcpAddresses(repr, DhcpOptionCode.DomainNameServer) ?? [],
      ...(domain !== undefined ? { domain } : {}),
      ...(hostname !== undefined ? { hostname } : {}),
      leaseTime,
      t1,
      t2,
      start: this.requestSentAt,
    };
    this.lease = lease;
    this.apply(lease);
    this.setState("BOUND");
    if (leaseTime === 0xffffffff) {
      this.write(`bound to ${address} -- infinite lease.`);
      return;
    }
    const at = (seconds: number) => lease.start + seconds * SECOND;
    const { scheduler } = this.node;
    this.leaseTimers = [
      scheduler.at(at(t1), () => this.renew()),
      scheduler.at(at(t2), () => this.rebind()),
      scheduler.at(at(leaseTime), () => this.expire()),
    ];
    this.write(
      `bound to ${address} -- renewal in ${Math.max(0, Math.round((at(t1) - this.now) / SECOND))} seconds.`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Configuring the node

  private apply(lease: DhcpLease): void {
    if (!this.configure) return;
    const node = this.node;
    const current = this.configured;
    if (!current?.prefix.address.equals(lease.address) || current.prefix.length !== lease.prefix.length) {
      this.unconfigure();
      node.addAddress(this.iface, lease.prefix);
      this.configured = { prefix: lease.prefix };
    }
    // The first router on our subnet becomes the default route (`ip route replace default via R`).
    const router = lease.routers.find((r) => lease.prefix.contains(r));
    const configured = this.configured!;
    if (router && !configured.router?.equals(router)) {
      node.removeRoute("0.0.0.0/0");
      node.addRoute("0.0.0.0/0", router.toString());
      configured.router = router;
    }
    const conf = resolvConf(node);
    if (lease.dns.length > 0) conf.nameservers = [...lease.dns];
    if (lease.domain) conf.search = [lease.domain];
    conf.source = `dhclient (${this.iface})`;
  }

  private unconfigure(): void {
    const configured = this.configured;
    if (!configured || !this.configure) return;
    if (configured.router) this.node.removeRoute("0.0.0.0/0");
    this.node.removeAddress(this.iface, configured.prefix.address.toString());
    const conf = resolvConf(this.node);
    if (conf.source === `dhclient (${this.iface})`) {
      conf.nameservers = [];
      conf.search = [];
    }
    this.configured = undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Messages and timers

  /** A BOOTREQUEST of `type` with the options every client message carries (RFC 2131 Table 5). */
  private message(type: number, ciaddr: Ipv4Address, extra: DhcpOption[]): DhcpRepr {
    const mac = this.mac;
    const options: DhcpOption[] = [optionByte(DhcpOptionCode.MessageType, type), clientIdOf(mac), ...extra];
    if (
      type === DhcpMessageType.Discover ||
      type === DhcpMessageType.Request ||
      type === DhcpMessageType.Inform
    ) {
      options.push({ code: DhcpOptionCode.ParameterRequestList, data: Uint8Array.from(PARAMETERS) });
      options.push(optionUint16(DhcpOptionCode.MaxMessageSize, 1500));
      options.push(...optionText(DhcpOptionCode.HostName, this.options.hostname ?? this.node.name));
      if (this.options.leaseTime !== undefined) {
        options.push(optionUint32(DhcpOptionCode.LeaseTime, this.options.leaseTime));
      }
    }
    const broadcast =
      (this.options.broadcastFlag ?? true) &&
      (type === DhcpMessageType.Discover || type === DhcpMessageType.Request)
        ? DHCP_FLAG_BROADCAST
        : 0;
    return {
      op: BootpOp.Request,
      htype: DHCP_HTYPE_ETHERNET,
      hlen: 6,
      hops: 0,
      xid: this.xid,
      secs: Math.min(0xffff, Math.floor((this.now - this.exchangeStart) / SECOND)),
      // Renewals are unicast and the client has its address: no need for broadcast replies.
      flags: ciaddr.isUnspecified ? broadcast : 0,
      ciaddr,
      yiaddr: Ipv4Address.ANY,
      siaddr: Ipv4Address.ANY,
      giaddr: Ipv4Address.ANY,
      chaddr: chaddrOf(mac),
      sname: new Uint8Array(0),
      file: new Uint8Array(0),
      options,
    };
  }

  private send(repr: DhcpRepr, dst: Ipv4Address, src: Ipv4Address): void {
    const type = dhcpMessageType(repr) ?? 0;
    const name =
      ["", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM"][type] ??
      String(type);
    this.counters.sent.set(name, (this.counters.sent.get(name) ?? 0) + 1);
    sendDhcpDatagram(this.node, {
      src,
      dst,
      srcPort: DHCP_CLIENT_PORT,
      dstPort: DHCP_SERVER_PORT,
      payload: encodeDhcp(repr),
      // Broadcasts leave by our interface; unicasts (renew, release) follow the routing table.
      ...(dst.isBroadcast ? { iface: this.iface } : {}),
    });
  }

  /** RFC 2131 §4.1: 4 s, then doubling to 64 s, each randomized by ±1 s. */
  private backoff(tries: number): Nanoseconds {
    const base = Math.min(64, 4 * 2 ** tries);
    return Math.round((base - 1 + 2 * this.node.ipv4.random.next()) * SECOND);
  }

  private randomDelay(max: Nanoseconds): Nanoseconds {
    return Math.floor(this.node.ipv4.random.next() * max);
  }

  private newXid(): number {
    return this.node.ipv4.random.nextUint32();
  }

  private schedule(delay: Nanoseconds, action: () => void): void {
    this.cancel();
    this.timer = this.node.scheduler.after(delay, action);
  }

  private cancel(): void {
    this.node.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  private cancelTimers(): void {
    this.cancel();
    for (const timer of this.leaseTimers) this.node.scheduler.cancel(timer);
    this.leaseTimers = [];
  }

  /** `dhclient`-like status: state, address, server, times. */
  show(): string {
    const lines = [`${this.iface}: ${this.state}`];
    const lease = this.lease;
    if (lease) {
      lines.push(`  address ${lease.prefix}  server ${lease.server}`);
      if (lease.routers.length) lines.push(`  routers ${lease.routers.join(" ")}`);
      if (lease.dns.length)
        lines.push(`  dns ${lease.dns.join(" ")}${lease.domain ? `  domain ${lease.domain}` : ""}`);
      if (lease.leaseTime !== 0xffffffff) {
        const left = (s: number) => Math.max(0, Math.round((lease.start + s * SECOND - this.now) / SECOND));
        lines.push(
          `  lease ${lease.leaseTime}s  renew in ${left(lease.t1)}s  rebind in ${left(lease.t2)}s  expires in ${left(lease.leaseTime)}s`,
        );
      }
    }
    return `${lines.join("\n")}\n`;
  }
}

/** The prefix length of a contiguous netmask, or undefined if it is not contiguous. */
function maskLength(mask: number): number | undefined {
  const inverted = ~mask >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return undefined;
  return 32 - Math.log2(inverted + 1);
}

/** RFC 791's classes, for a lease without a subnet mask (what dhclient falls back to). */
function classfulLength(address: number): number {
  const first = address >>> 24;
  return first < 128 ? 8 : first < 192 ? 16 : 24;
}

/** Starts a DHCP client on `node` (`dhclient eth0`). */
export function dhclient(node: Node, options: DhcpClientOptions = {}): DhcpClient {
  return new DhcpClient(node, options).start();
}
