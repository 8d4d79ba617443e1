/**
 * How DHCP messages get on and off the wire.
 *
 * DHCP needs two things an ordinary UDP socket cannot do (RFC 2131 §4.1): a client with no address
 * yet sends from 0.0.0.0 to 255.255.255.255 out of a chosen interface, and a server or relay agent
 * answers a client that has no address by unicasting to the offered address at the client's
 * hardware address, without ARP. This adapter builds the UDP datagram itself (header, checksum over
 * the pseudo-header with the chosen source) and hands it to the node's IPv4 layer, which accepts an
 * explicit source and interface; for the unicast-without-ARP case it first records the client's MAC
 * in the interface's ARP cache, as Linux DHCP servers do with SIOCSARP.
 *
 * Receiving needs nothing special: IPv4 delivers limited broadcasts to local sockets even on an
 * interface without an address, so servers, relays and clients listen on ordinary UDP sockets.
 * Since several DHCP clients on one node (one per interface) share port 68, they share one socket
 * and a dispatcher ({@link clientPort}).
 */
import type { Node } from "../../devices/node.js";
import type { SendError } from "../../net/network-layer.js";
import type { UdpMessage, UdpSocket } from "../../transport/udp.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import type { MacAddress } from "../../wire/address/mac.js";
import { DHCP_CLIENT_PORT } from "../../wire/dhcp.js";
import { ETHERNET_HEADER_LENGTH } from "../../wire/ethernet.js";
import { emitIpv4, IPV4_MIN_HEADER_LENGTH } from "../../wire/ipv4.js";
import { emitUdp, IP_PROTOCOL_UDP, UDP_HEADER_LENGTH } from "../../wire/udp.js";

export interface DhcpDatagram {
  src: Ipv4Address;
  dst: Ipv4Address;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  /** Send out of this interface (broadcasts, and unicasts that must not follow the routing table). */
  iface?: string;
  /** Deliver to this MAC without asking ARP (the client has no address to answer ARP with yet). */
  mac?: MacAddress;
}

/** Sends one DHCP datagram; returns why it could not be sent, if it could not. */
export function sendDhcpDatagram(node: Node, datagram: DhcpDatagram): SendError | undefined {
  const udp = new Uint8Array(UDP_HEADER_LENGTH + datagram.payload.length);
  emitUdp({ srcPort: datagram.srcPort, dstPort: datagram.dstPort, payload: datagram.payload }, udp, {
    src: datagram.src,
    dst: datagram.dst,
  });
  if (datagram.mac && datagram.iface) {
    // RFC 2131 §4.1: "the server unicasts DHCPOFFER and DHCPACK messages to the client's hardware
    // address and 'yiaddr' address".
    node.interface(datagram.iface).arp.update(datagram.dst.value, datagram.mac.value, true);
  }
  if (datagram.dst.isBroadcast && datagram.iface !== undefined)
    return sendBroadcast(node, datagram.iface, datagram.src, udp);
  const error = node.ipv4.send({
    src: datagram.src,
    dst: datagram.dst,
    protocol: IP_PROTOCOL_UDP,
    payload: udp,
    ...(datagram.iface !== undefined ? { iface: datagram.iface } : {}),
  });
  if (!error) node.udp.counters.outDatagrams++;
  return error;
}

/**
 * Workaround: `Ipv4Layer.send` with an explicit interface takes the next hop from the route that
 * matches the destination, so 255.255.255.255 with a default route installed would leave as a
 * unicast to the gateway's MAC (a renewing client rebinding, a relay agent answering). Until that is
 * fixed there, limited broadcasts are framed here and handed straight to the interface.
 */
function sendBroadcast(
  node: Node,
  ifaceName: string,
  src: Ipv4Address,
  udp: Uint8Array,
): SendError | undefined {
  const iface = node.interface(ifaceName);
  const total = IPV4_MIN_HEADER_LENGTH + udp.length;
  const frame = new Uint8Array(ETHERNET_HEADER_LENGTH + total);
  node.ipv4.counters.outRequests++;
  emitIpv4(
    {
      dscp: 0,
      ecn: 0,
      identification: node.ipv4.random.int(0x10000),
      reservedFlag: false,
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      // RFC 2131 §4.1 asks nothing special; Linux clients send with the default TTL.
      ttl: node.ipv4.defaultTtl,
      protocol: IP_PROTOCOL_UDP,
      src,
      dst: Ipv4Address.BROADCAST,
      options: [],
      payload: udp,
    },
    frame.subarray(ETHERNET_HEADER_LENGTH),
  );
  if (!iface.sendIpv4(frame, ETHERNET_HEADER_LENGTH, total, 0xffffffff)) {
    node.ipv4.counters.outDiscards++;
    return iface.isUp ? "queue-full" : "interface-down";
  }
  node.udp.counters.outDatagrams++;
  return undefined;
}

/** Something that wants the DHCP replies for one interface. */
export interface ClientPortListener {
  readonly iface: string;
  receive(payload: Uint8Array, message: UdpMessage): void;
}

/** The node's shared client socket (port 68) and the clients listening on it. */
class ClientPort {
  private readonly listeners = new Set<ClientPortListener>();
  private socket: UdpSocket | undefined;

  constructor(private readonly node: Node) {}

  add(listener: ClientPortListener): void {
    if (!this.socket) {
      const socket = this.node.udp.createSocket({ broadcast: true });
      const error = socket.bind(DHCP_CLIENT_PORT);
      if (error) throw new Error(`${this.node.name}: cannot bind the DHCP client port 68 (${error})`);
      socket.onMessage = (message) => {
        for (const l of this.listeners) {
          // Replies come back on the interface the request left from; unicast renewals may arrive
          // on another, so every listener sees them and matches xid and chaddr itself.
          if (l.iface === message.iface || !message.broadcast) l.receive(message.data, message);
        }
      };
      this.socket = socket;
    }
    this.listeners.add(listener);
  }

  remove(listener: ClientPortListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) {
      this.socket?.close();
      this.socket = undefined;
    }
  }
}

const ports = new WeakMap<Node, ClientPort>();

/** The DHCP client port of `node`, shared by its clients. */
export function clientPort(node: Node): ClientPort {
  let port = ports.get(node);
  if (!port) {
    port = new ClientPort(node);
    ports.set(node, port);
  }
  return port;
}
