/**
 * The contract between a link and what is plugged into it (a host's NIC, a router port, a switch
 * port, a TAP bridge). A frame is a complete Ethernet frame without preamble or FCS. Ownership: once
 * a frame is handed to `transmit`, the sender must not modify it; a receiver may keep it (trace
 * and capture consumers do) but must not modify it either: the same buffer may reach several
 * receivers (a switch floods one buffer to every port), so copy before changing anything.
 */
export type FrameHandler = (frame: Uint8Array) => void;

export interface LinkEndpoint {
  /** Readable name, e.g. `r1:eth1`. */
  readonly name: string;
  /** Hands a frame to the link. Returns false when the link refused it (down, queue full). */
  transmit(frame: Uint8Array): boolean;
  /** Set by the attached device: called when a frame arrives at this end. */
  onReceive: FrameHandler | undefined;
  /** Set by the attached device: called when the link goes up or down. */
  onCarrierChange?: ((up: boolean) => void) | undefined;
  /** Largest IP packet (Ethernet payload) the link carries, in bytes (default 1500). */
  readonly mtu: number;
  /** Carrier: false while the link is administratively or physically down. */
  readonly isUp: boolean;
}
