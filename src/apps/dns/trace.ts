/**
 * DNS's trace events, added to the event map by declaration merging: a server answering a query
 * (name, type, response code, whether from its zones or by recursion) and a stub resolver's lookup
 * ending, so a learner watching the lab sees names being resolved.
 */
import type { TraceBase, Tracer } from "../../trace/events.js";

export interface DnsTraceEvent extends TraceBase {
  node: string;
  role: "server" | "stub";
  /** The question's name and type mnemonic. */
  name: string;
  qtype: string;
  /** "NOERROR", "NXDOMAIN", ... or "TIMEOUT" for a stub that got no answer. */
  rcode: string;
  /** Server: "authoritative", "recursive", "referral" or "error"; stub: the server asked. */
  detail: string;
  /** Answer records, for the summary line. */
  answers: number;
}

declare module "../../trace/events.js" {
  interface TraceEventMap {
    dns: DnsTraceEvent;
  }
}

/** Emits a `dns` event if anyone listens. */
export function traceDns(tracer: Tracer, event: Omit<DnsTraceEvent, "type">): void {
  if (tracer.enabled) tracer.emit({ type: "dns", ...event });
}
