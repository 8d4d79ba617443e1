/**
 * Capturing the emulated network for Wireshark: frames seen at chosen interfaces (or on whole links)
 * become pcapng blocks, handed to a sink as they happen. The sink decides where they go: a file, a
 * named pipe that `wireshark -k -i FIFO` reads live, stdout, a WebSocket, memory. Opening files and
 * pipes is the platform's business (`src/platform/capture-sink.ts`); this module only writes bytes.
 *
 * What is captured where, as tcpdump would see it:
 * - `NODE:IF` — frames the interface sent (outbound) and received (inbound);
 * - `NODE` — the same on every interface of the node, each its own pcapng interface;
 * - `A:IF-B:IF` — a link (named as the network names it): the frames sent into it from either end,
 *   i.e. what travelled on the wire, including frames the link then lost;
 * - `*` — every interface of every node and switch.
 * Timestamps are virtual time plus `epoch` (default 0, the Unix epoch), so the same seed gives the
 * same file, byte for byte.
 */
import type { ByteSink } from "../capture.js";
import type { FrameEvent, TraceEvent, Tracer } from "../events.js";
import { LINKTYPE_ETHERNET } from "../linktype.js";
import { PcapngWriter } from "../pcapng.js";

export interface CaptureOptions {
  /** Added to virtual time for the timestamps, in nanoseconds since the Unix epoch (default 0). */
  epoch?: bigint;
  /** Bytes kept per frame (default 0: the whole frame). */
  snapLength?: number;
  /** A comment in the file's Section Header Block. */
  comment?: string;
  /** The writing application (pcapng shb_userappl; default "tinkernet"). */
  application?: string;
}

/** A running capture. */
export interface Capture {
  /** Frames written so far. */
  readonly frames: number;
  /** The pcapng interfaces declared so far, by name (`h1:eth0`, or a link's name). */
  readonly interfaces: readonly string[];
  /** Stops capturing (the sink receives nothing more). */
  stop(): void;
}

/** One thing to capture, parsed from its text. */
export type CaptureTarget =
  | { kind: "interface"; node: string; iface: string }
  | { kind: "node"; node: string }
  | { kind: "link"; a: string; b: string; name: string }
  | { kind: "all" };

/** Parses `NODE:IF`, `NODE`, `A:IF-B:IF` or `*`; throws a RangeError that says what is expected. */
export function parseCaptureTarget(text: string): CaptureTarget {
  const target = text.trim();
  if (target === "*") return { kind: "all" };
  // A link: two NODE:IF ends joined by "-" (node names may hold "-" too, so the split is after an
  // interface name, which never does).
  const link = /^([^:\s]+:[^-:\s]+)-([^:\s]+:[^:\s]+)$/.exec(target);
  if (link) return { kind: "link", a: link[1], b: link[2], name: target };
  const end = /^([^:\s]+):([^:\s]+)$/.exec(target);
  if (end) return { kind: "interface", node: end[1], iface: end[2] };
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(target)) return { kind: "node", node: target };
  throw new RangeError(`cannot capture "${text}": expected NODE:IF, NODE, A:IF-B:IF (a link) or *`);
}

/**
 * Starts capturing `targets` from `tracer`'s frame events into `sink` as pcapng. The Section Header
 * Block goes to the sink at once, and the interface blocks of named interfaces and links too, so a
 * live reader (Wireshark on a FIFO) sees the interfaces before the first packet.
 */
export function startCapture(
  tracer: Tracer,
  targets: string | CaptureTarget | readonly (string | CaptureTarget)[],
  sink: ByteSink,
  options: CaptureOptions = {},
): Capture {
  const list = (Array.isArray(targets) ? targets : [targets]) as (string | CaptureTarget)[];
  const parsed = list.map((t) => (typeof t === "string" ? parseCaptureTarget(t) : t));
  const writer = new PcapngWriter({
    sink,
    application: options.application ?? "tinkernet",
    ...(options.comment !== undefined ? { comment: options.comment } : {}),
  });
  const epoch = options.epoch ?? 0n;
  const snapLength = options.snapLength ?? 0;
  const ids = new Map<string, number>();
  const names: string[] = [];
  const declare = (name: string, description: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name, description, snapLength });
      ids.set(name, id);
      names.push(name);
    }
    return id;
  };

  // What each frame event at NODE:IF goes to: an interface capture (with direction) and/or links.
  const interfaces = new Set<string>();
  const nodes = new Set<string>();
  const linkEnds = new Map<string, string>(); // "node:iface" → link name
  let all = false;
  for (const target of parsed) {
    switch (target.kind) {
      case "all":
        all = true;
        break;
      case "node":
        nodes.add(target.node);
        break;
      case "interface": {
        const name = `${target.node}:${target.iface}`;
        interfaces.add(name);
        declare(name, `interface ${target.iface} of ${target.node}`);
        break;
      }
      case "link":
        linkEnds.set(target.a, target.name);
        linkEnds.set(target.b, target.name);
        declare(target.name, `the link between ${target.a} and ${target.b}`);
        break;
    }
  }

  let frames = 0;
  const write = (id: number, event: FrameEvent, direction?: "inbound" | "outbound") => {
    writer.writePacket(id, epoch + BigInt(event.time), event.frame, direction ? { direction } : {});
    frames++;
  };
  const listener = (event: TraceEvent) => {
    if (event.type !== "frame-sent" && event.type !== "frame-received") return;
    const name = `${event.node}:${event.iface}`;
    const direction = event.type === "frame-sent" ? "outbound" : "inbound";
    if (all || interfaces.has(name) || nodes.has(event.node))
      write(declare(name, `interface ${event.iface} of ${event.node}`), event, direction);
    // A link carries what its ends send into it.
    const link = event.type === "frame-sent" ? linkEnds.get(name) : undefined;
    if (link !== undefined) write(declare(link, ""), event);
  };
  let unsubscribe: (() => void) | undefined = tracer.subscribe(listener);
  return {
    get frames() {
      return frames;
    },
    get interfaces() {
      return names;
    },
    stop() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
