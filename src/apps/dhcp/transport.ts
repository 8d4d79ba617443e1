/**
 * How DHCP messages get on and off the wire.
 *
 * DHCP needs two things an ordinary UDP socket cannot do (RFC 2131 §4.1): a client with no address
 * yet sends from 0.0.0.0 to 255.255.255.255 out of a chosen interface, and a server or relay agent
 * answers a client that has no address by unicasting to the offered address at the client's
 * hardware address, without ARP. A UDP socket cannot send from 0.0.0.0 (it takes its source from
 * the route, and an interface with no address gives none), so this adapter builds the UDP datagram
 * itself (header, checksum over the pseudo-header with the chosen source) and hands it to the
 * node's IPv4 layer, which accepts an explicit source and interface and keeps a broadcast on the
 * link even when a default route matches 255.255.255.255. For the unicast-without-ARP case it
 * first records the client's MAC in the interface's ARP cache, as Linux DHCP servers do with
 * SIOCSARP.
 *
 * Receiving needs nothing special: IPv4 delivers limited broadcasts to local sockets even on an
 * interface without an address, so servers, relays and clients listen on ordinary UDP sockets.
 * Since several DHCP clients on one node (one per interface) share port 68, they share one socket
 * and a dispatcher ({@link clientPort}).
 */
import type { Node } from "../../devices/node.js";
import type { SendError } from "../../net/network-layer.js";
import type { UdpMessage, UdpSocket } from "../../transport/udp.js";
import type { Ipv4Address } from "../../wire/address/ipv4.js";
import type { MacAddress } from "../../wire/address/mac.js";
import { DHCP_CLIENT_PORT } from "../../wire/dhcp.js";
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
