/**
 * The contract between the network layer (IPv4, later IPv6) and the transport protocols above it
 * (UDP, TCP, ICMP users such as ping). The transport sees addresses, protocol numbers and payloads;
 * it never sees interfaces, ARP or fragments.
 */
import type { IpAddress } from "../wire/address/ipv6.js";

/** A datagram delivered up to a transport protocol. */
export interface ReceivedDatagram {
  src: IpAddress;
  dst: IpAddress;
  /** IP protocol / next header number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  protocol: number;
  /** The transport header and data (reassembled if it arrived in fragments). */
  payload: Uint8Array;
  ttl: number;
  /** DSCP/ECN byte. */
  tos: number;
  /** Name of the interface it arrived on. */
  iface: string;
  /** The datagram was sent to a broadcast or multicast address. */
  broadcast: boolean;
}

/** What the transport asks the network layer to send. */
export interface DatagramToSend {
  /** Source address; when omitted the network layer chooses one for the route (RFC 1122 §3.3.4.3). */
  src?: IpAddress;
  dst: IpAddress;
  protocol: number;
  /** The transport header and data; the network layer copies it into the frame. */
  payload: Uint8Array;
  ttl?: number;
  tos?: number;
  /** Set the Don't Fragment bit (path MTU discovery, RFC 1191). */
  dontFragment?: boolean;
  /** Send out of this interface regardless of routes (e.g. broadcast, DHCP). */
  iface?: string;
}

/** Why a send could not start. (Loss later on the path is not reported here.) */
export type SendError =
  | "no-route"
  | "message-too-big"
  | "no-source-address"
  | "interface-down"
  | "queue-full"
  /** A firewall's OUTPUT rules refused it (Linux: EPERM). */
  | "filtered";

/**
 * An ICMP error that quotes a datagram this host sent, handed to the transport protocol that sent
 * it (RFC 1122 §4.1.3.3, §4.2.3.9): port unreachable ends a UDP "connection", fragmentation needed
 * lowers the path MTU, and TCP treats most others as soft errors.
 */
export interface TransportError {
  kind: "unreachable" | "time-exceeded" | "parameter-problem" | "packet-too-big" | "source-quench";
  /** ICMP code (e.g. 3 port unreachable, 4 fragmentation needed). */
  code: number;
  /** Node-style error code this maps to, e.g. `ECONNREFUSED`, `EHOSTUNREACH`, `EMSGSIZE`. */
  errno: string;
  /** Next-hop MTU for fragmentation-needed / packet-too-big. */
  mtu?: number;
  /** Who reported it (the router or host that sent the ICMP error). */
  reporter: IpAddress;
  /** Addresses and protocol of the quoted datagram. */
  src: IpAddress;
  dst: IpAddress;
  protocol: number;
  /** The quoted transport header bytes (at least 8). */
  quoted: Uint8Array;
}

/** A transport protocol as the network layer sees it. */
export interface TransportProtocol {
  readonly protocol: number;
  receive(datagram: ReceivedDatagram): void;
  /** Optional: ICMP errors quoting datagrams this protocol sent. */
  receiveError?(error: TransportError): void;
}

/** The network layer as a transport protocol sees it. */
export interface NetworkLayer {
  /** Sends a datagram. Returns undefined when it was handed on, or why it could not be sent. */
  send(datagram: DatagramToSend): SendError | undefined;
  /** Attaches a transport protocol (one per protocol number). */
  register(protocol: TransportProtocol): void;
  /** The source address this host would use toward `dst`, or undefined if unroutable. */
  sourceFor(dst: IpAddress): IpAddress | undefined;
  /** The MTU of the path toward `dst` (the route's interface MTU, lowered by PMTU discovery). */
  pathMtu(dst: IpAddress): number;
  /** Whether `address` is one of this host's own (for bind checks). */
  isLocalAddress(address: IpAddress): boolean;
}
