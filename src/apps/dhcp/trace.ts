/**
 * DHCP's trace events (DESIGN.md principle 5), added to the event map by declaration merging: one
 * per line a client, server or relay logs ("DHCPOFFER of 192.168.1.100 from 192.168.1.1"), with the
 * client's state at that moment, so the CLI tracer and the web lab can show a lease being negotiated.
 */
import type { TraceBase, Tracer } from "../../trace/events.js";

export interface DhcpTraceEvent extends TraceBase {
  node: string;
  role: "client" | "server" | "relay";
  iface?: string;
  /** The client's state when it logged the line (clients only). */
  state?: string;
  message: string;
}

declare module "../../trace/events.js" {
  interface TraceEventMap {
    dhcp: DhcpTraceEvent;
  }
}

/** Emits a `dhcp` event if anyone listens. */
export function traceDhcp(tracer: Tracer, event: Omit<DhcpTraceEvent, "type">): void {
  if (tracer.enabled) tracer.emit({ type: "dhcp", ...event });
}
