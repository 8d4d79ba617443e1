/**
 * The routing protocols' log, as FRR's `debug ospf packet all` / `debug bgp updates` /
 * `debug rip events` write it: one line per protocol message sent or received (named as its RFC
 * names it), per neighbour or adjacency state change, and per route a protocol installed, changed
 * or withdrew — so a learner can watch a route arrive (`trace NODE ospf|rip|bgp|routes` in the shell).
 *
 * The {@link RoutingLog} keeps the routing events (src/routing/events.ts) in a ring of their own:
 * frames are far more numerous and would push them out of the shared recorder (./recorder.ts).
 */
import type { RoutingProtocolName } from "../../routing/events.js";
import type { TraceEvent, Tracer } from "../events.js";

export type RoutingTraceEvent = Extract<
  TraceEvent,
  { type: "routing-message" | "routing-neighbor" | "routing-route" }
>;

export const routingProtocolNames: readonly RoutingProtocolName[] = ["ospf", "rip", "bgp"];

/** A bounded memory of routing events, oldest first; when full the oldest go first. */
export class RoutingLog {
  private readonly ring: (RoutingTraceEvent | undefined)[];
  private start = 0;
  private count = 0;
  private unsubscribe: (() => void) | undefined;
  /** Events that fell out of the ring. */
  forgotten = 0;

  constructor(tracer: Tracer, options: { limit?: number } = {}) {
    this.ring = new Array(Math.max(1, options.limit ?? 20_000));
    this.unsubscribe = tracer.subscribe((event) => {
      if (
        event.type === "routing-message" ||
        event.type === "routing-neighbor" ||
        event.type === "routing-route"
      )
        this.push(event);
    });
  }

  private push(event: RoutingTraceEvent): void {
    const size = this.ring.length;
    if (this.count < size) {
      this.ring[(this.start + this.count) % size] = event;
      this.count++;
    } else {
      this.ring[this.start] = event;
      this.start = (this.start + 1) % size;
      this.forgotten++;
    }
  }

  /** The kept events, oldest first. */
  get events(): RoutingTraceEvent[] {
    const out: RoutingTraceEvent[] = [];
    for (let i = 0; i < this.count; i++)
      out.push(this.ring[(this.start + i) % this.ring.length] as RoutingTraceEvent);
    return out;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

export interface RoutingLogOptions {
  /** Only this node's events. */
  node?: string;
  /** Only these protocols (default: all). */
  protocols?: readonly RoutingProtocolName[];
  /** Only route changes (no messages, no neighbour states). */
  routesOnly?: boolean;
  /** Leave out the periodic keep-alive messages: OSPF Hellos, BGP KEEPALIVEs. */
  noHello?: boolean;
  /** The most recent lines shown (default: all). */
  limit?: number;
}

/** Whether an event is shown with these options. */
export function routingEventShown(event: RoutingTraceEvent, options: RoutingLogOptions): boolean {
  if (options.node !== undefined && event.node !== options.node) return false;
  if (options.protocols && options.protocols.length > 0 && !options.protocols.includes(event.protocol))
    return false;
  if (options.routesOnly && event.type !== "routing-route") return false;
  if (
    options.noHello &&
    event.type === "routing-message" &&
    (event.kind === "Hello" || event.kind === "KEEPALIVE")
  )
    return false;
  return true;
}

/** Seconds of virtual time, FRR's log stamps shortened to what matters in a lab. */
function stamp(time: number): string {
  return (time / 1e9).toFixed(3).padStart(9);
}

/**
 * What a message says, without the name the line already gives: BGP's and RIP's summaries begin
 * with it (`BGP UPDATE: 1 prefix via ...` → `1 prefix via ...`; RIP keeps its version).
 */
export function messageDetail(event: Extract<RoutingTraceEvent, { type: "routing-message" }>): string {
  return event.summary.replace(/^BGP [A-Z-]+:? ?/, "").replace(/^(RIPv\d) (Request|Response):? ?/, "$1 ");
}

/** One log line for an event, e.g. `   12.004 r1 OSPF: received from 10.0.12.2 on eth0: Hello from 2.2.2.2 ...`. */
export function formatRoutingEvent(event: RoutingTraceEvent): string {
  const head = `${stamp(event.time)} ${event.node} ${event.protocol.toUpperCase()}:`;
  switch (event.type) {
    case "routing-message": {
      const where = event.iface ? ` on ${event.iface}` : "";
      const way = event.direction === "out" ? `sent ${event.kind} to` : `received ${event.kind} from`;
      const summary = messageDetail(event);
      return `${head} ${way} ${event.peer}${where}${summary ? `: ${summary}` : ""}`;
    }
    case "routing-neighbor": {
      // OSPF reports its interfaces' state machine (RFC 2328 §9.3) with `interface NAME`.
      const who = event.neighbor.startsWith("interface ")
        ? event.neighbor
        : `neighbour ${event.neighbor}${event.iface ? ` on ${event.iface}` : ""}`;
      return `${head} ${who} ${event.from} -> ${event.to}${event.reason ? ` (${event.reason})` : ""}`;
    }
    case "routing-route": {
      const verb = event.action === "add" ? "added" : event.action === "change" ? "changed" : "removed";
      const via = event.nextHops ? ` ${event.nextHops}` : "";
      return `${head} route ${verb} ${event.prefix}${via}${event.action === "remove" ? "" : ` [${event.distance}/${event.metric}]`}`;
    }
  }
}

/** The log, oldest first: the shown events as lines, and how many earlier ones `limit` left out. */
export function routingLogView(
  events: Iterable<RoutingTraceEvent>,
  options: RoutingLogOptions = {},
): { lines: string[]; omitted: number } {
  const lines: string[] = [];
  for (const event of events) if (routingEventShown(event, options)) lines.push(formatRoutingEvent(event));
  const limit = options.limit ?? lines.length;
  const omitted = Math.max(0, lines.length - limit);
  return { lines: lines.slice(omitted), omitted };
}
