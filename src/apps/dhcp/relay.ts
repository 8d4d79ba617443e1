/**
 * A DHCP relay agent (RFC 1542 §4, RFC 2131 §4.1), what Cisco calls `ip helper-address`: it lets
 * one server serve many subnets. On a router, it hears clients' broadcasts on its client-facing
 * interfaces and forwards them as unicast to the servers, after writing its own address on that
 * interface into giaddr — which tells the server the client's subnet and where to send the reply.
 * Replies come back to giaddr; the agent delivers them on the interface that owns giaddr, by
 * broadcast if the client asked for it (BROADCAST flag), else by unicast to yiaddr at chaddr.
 */
import type { Node } from "../../devices/node.js";
import type { UdpMessage, UdpSocket } from "../../transport/udp.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import {
  BootpOp,
  DHCP_CLIENT_PORT,
  DHCP_FLAG_BROADCAST,
  DHCP_SERVER_PORT,
  DhcpView,
  dhcpClientMac,
  parseDhcp,
} from "../../wire/dhcp.js";
import { isParseError } from "../../wire/parse-error.js";
import { traceDhcp } from "./trace.js";
import { sendDhcpDatagram } from "./transport.js";

export interface DhcpRelayOptions {
  /** Interfaces whose clients are served (default: every interface with an address). */
  interfaces?: readonly string[];
  /** The DHCP servers to forward to (`ip helper-address`). */
  servers: readonly string[];
  /**
   * RFC 1542 §4.1.1: requests that have already passed this many agents are discarded (default 4,
   * the RFC's suggestion; at most 16).
   */
  maxHops?: number;
  write?: (line: string) => void;
}

export class DhcpRelayCounters {
  requestsForwarded = 0;
  repliesForwarded = 0;
  /** Requests dropped for too many hops. */
  hopsExceeded = 0;
  /** Replies whose giaddr is not ours, malformed messages, requests on other interfaces. */
  dropped = 0;
}

export class DhcpRelay {
  readonly counters = new DhcpRelayCounters();
  readonly log: string[] = [];
  private socket: UdpSocket | undefined;
  private readonly servers: Ipv4Address[];
  private readonly maxHops: number;

  constructor(
    readonly node: Node,
    readonly options: DhcpRelayOptions,
  ) {
    this.servers = options.servers.map((s) => Ipv4Address.parse(s));
    if (this.servers.length === 0)
      throw new RangeError(`${node.name}: a DHCP relay needs at least one server`);
    this.maxHops = Math.min(options.maxHops ?? 4, 16);
  }

  start(): this {
    if (this.socket) return this;
    const socket = this.node.udp.createSocket({ broadcast: true });
    const error = socket.bind(DHCP_SERVER_PORT);
    if (error) throw new Error(`${this.node.name}: DHCP relay cannot bind port 67 (${error})`);
    socket.onMessage = (message) => this.receive(message);
    this.socket = socket;
    return this;
  }

  stop(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  private write(line: string): void {
    // Keep the last lines only: a busy server must not grow without bound.
    if (this.log.length >= 1000) this.log.shift();
    this.log.push(line);
    this.options.write?.(line);
    traceDhcp(this.node.tracer, {
      time: this.node.scheduler.now,
      node: this.node.name,
      role: "relay",
      message: line,
    });
  }

  private serves(iface: string): boolean {
    return this.options.interfaces ? this.options.interfaces.includes(iface) : true;
  }

  /** Handles a datagram to port 67. Never throws. */
  receive(message: UdpMessage): void {
    const view = DhcpView.checked(message.data);
    if (isParseError(view)) {
      this.counters.dropped++;
      return;
    }
    if (view.op === BootpOp.Request) this.forwardRequest(message);
    else if (view.op === BootpOp.Reply) this.forwardReply(message);
    else this.counters.dropped++;
  }

  private forwardRequest(message: UdpMessage): void {
    if (!this.serves(message.iface)) {
      this.counters.dropped++;
      return;
    }
    const bytes = message.data.slice(); // we edit hops and giaddr in place
    const view = new DhcpView(bytes);
    // RFC 1542 §4.1.1: count the hop, discard beyond the limit.
    if (view.hops >= this.maxHops) {
      this.counters.hopsExceeded++;
      return;
    }
    view.hops = view.hops + 1;
    if (view.giaddrValue === 0) {
      // The first agent writes the address of the interface the request arrived on.
      const address = this.node.interface(message.iface).primaryAddress?.address;
      if (!address) {
        this.counters.dropped++;
        return;
      }
      view.giaddrValue = address.value;
    }
    const giaddr = new Ipv4Address(view.giaddrValue);
    for (const server of this.servers) {
      // RFC 1542 §4.1.1: sent to the server from port 67, with our address toward it as source.
      const src = this.node.ipv4.sourceFor(server);
      if (src?.version !== 4) continue;
      const error = sendDhcpDatagram(this.node, {
        src,
        dst: server,
        srcPort: DHCP_SERVER_PORT,
        dstPort: DHCP_SERVER_PORT,
        payload: bytes,
      });
      if (!error) this.counters.requestsForwarded++;
    }
    this.write(
      `relay: request from ${macOf(bytes)} on ${message.iface} → ${this.servers.join(", ")} (giaddr ${giaddr})`,
    );
  }

  private forwardReply(message: UdpMessage): void {
    const repr = parseDhcp(message.data);
    if (isParseError(repr)) {
      this.counters.dropped++;
      return;
    }
    // RFC 1542 §4.1.2: the reply goes out of the interface that owns giaddr.
    const iface = this.node.interfaces.find((i) => i.hasAddress(repr.giaddr.value));
    const mac = dhcpClientMac(repr);
    if (!iface || !mac) {
      this.counters.dropped++;
      return;
    }
    const src = repr.giaddr;
    const broadcast = (repr.flags & DHCP_FLAG_BROADCAST) !== 0 || repr.yiaddr.isUnspecified;
    const error = broadcast
      ? sendDhcpDatagram(this.node, {
          src,
          dst: Ipv4Address.BROADCAST,
          srcPort: DHCP_SERVER_PORT,
          dstPort: DHCP_CLIENT_PORT,
          payload: message.data,
          iface: iface.name,
        })
      : sendDhcpDatagram(this.node, {
          src,
          dst: repr.yiaddr,
          srcPort: DHCP_SERVER_PORT,
          dstPort: DHCP_CLIENT_PORT,
          payload: message.data,
          iface: iface.name,
          mac,
        });
    if (!error) this.counters.repliesForwarded++;
    this.write(`relay: reply for ${mac} → ${iface.name} (${broadcast ? "broadcast" : repr.yiaddr})`);
  }
}

function macOf(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(28, 34), (b) => b.toString(16).padStart(2, "0")).join(":");
}
