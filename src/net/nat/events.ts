/**
 * What NAT reports to the trace (DESIGN.md principle 5): each packet it rewrites, before and
 * after, so the `layers` view and the web lab can show exactly what changed; and each mapping it
 * creates or forgets.
 */
import type { TraceBase } from "../../trace/events.js";

/** The addresses and ports of a datagram (ICMP queries: the Identifier as both ports; errors: 0). */
export interface PacketEndpoints {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

/** NAT rewrote a datagram. */
export interface NatTranslatedEvent extends TraceBase {
  node: string;
  /** Where the datagram arrived (inbound, hairpin) or leaves (outbound). */
  iface: string;
  /**
   * `outbound`: source translated on the way out; `inbound`: destination translated back (a
   * reply, or a port forward); `hairpin`: both, inside to inside through an outside address.
   */
  direction: "outbound" | "inbound" | "hairpin";
  /** `tcp`, `udp` or `icmp`. */
  protocol: string;
  before: PacketEndpoints;
  after: PacketEndpoints;
  /** For an ICMP error: the datagram it quotes, before and after (RFC 5508). */
  quoted?: { protocol: string; before: PacketEndpoints; after: PacketEndpoints };
}

/** A mapping was created, or removed (lazily: when a lookup or sweep met it expired). */
export interface NatMappingEvent extends TraceBase {
  node: string;
  action: "created" | "removed";
  reason?: "expired" | "cleared";
  protocol: string;
  /** Inside local endpoint, e.g. `192.168.1.10:40000`. */
  inside: string;
  /** Inside global (outside) endpoint, e.g. `203.0.113.2:40000`. */
  outside: string;
  static: boolean;
}

declare module "../../trace/events.js" {
  interface TraceEventMap {
    "nat-translated": NatTranslatedEvent;
    "nat-mapping": NatMappingEvent;
  }
}
