/**
 * Labs that reach the Linux kernel: the TAP links of a topology opened and plugged into an
 * emulated network, run in real time until interrupted (or for a duration), and torn down
 * cleanly. `tinkernet run lab.yml --forever` (the CLI's `run`, issue 5) calls these; so do the
 * system tests and `tinkernet bench tap`.
 */
import type { Network } from "../../devices/network.js";
import type { Node } from "../../devices/node.js";
import type { LinkEndpoint } from "../../link/endpoint.js";
import { Link } from "../../link/link.js";
import { MILLISECOND, type Nanoseconds } from "../../sim/time.js";
import type { TapLinkSpec } from "../../topology/model.js";
import { openTapBridge, type TapBridge, type TapBridgeOptions } from "./bridge.js";
import { RealtimeRunner } from "./realtime-runner.js";
import type { TapEndpoint } from "./tap-endpoint.js";

/** One TAP link of a running lab. */
export interface TapAttachment {
  spec: TapLinkSpec;
  bridge: TapBridge;
  endpoint: TapEndpoint;
  /** The emulated link between the interface and the TAP, when the TAP link has impairments. */
  link?: Link;
}

/** The bridge options a topology's TAP link asks for. */
export function bridgeOptionsOf(spec: TapLinkSpec): TapBridgeOptions {
  const options: TapBridgeOptions = {
    name: spec.name,
    address: spec.addresses.map(String),
    routes: spec.routes,
  };
  if (spec.netns !== undefined) options.netns = spec.netns;
  if (spec.mtu !== undefined) options.mtu = spec.mtu;
  if (spec.mac !== undefined) options.mac = spec.mac;
  if (spec.ipv6 !== undefined) options.ipv6 = spec.ipv6;
  if (spec.forwarding !== undefined) options.forwarding = spec.forwarding;
  return options;
}

/**
 * Joins two link endpoints back to back, frames flowing both ways: how a TAP endpoint is put at
 * the far end of an emulated (impaired) link.
 */
export function splice(a: LinkEndpoint, b: LinkEndpoint): void {
  a.onReceive = (frame) => b.transmit(frame);
  b.onReceive = (frame) => a.transmit(frame);
}

/**
 * Opens every TAP link of a topology and plugs it into `network`: node `spec.endpoint.node`'s
 * interface `spec.endpoint.iface` (or a switch port) gets the TAP, directly when the link is
 * unimpaired, else through an emulated link with those impairments (rate, delay, loss, ...).
 * On failure the bridges opened so far are closed again.
 */
export async function attachTaps(
  network: Network,
  taps: readonly TapLinkSpec[],
  runner: RealtimeRunner,
): Promise<TapAttachment[]> {
  const attachments: TapAttachment[] = [];
  try {
    for (const spec of taps) {
      const bridge = await openTapBridge(bridgeOptionsOf(spec));
      const endpoint = runner.endpoint(bridge, spec.mtu);
      const attachment: TapAttachment = { spec, bridge, endpoint };
      attachments.push(attachment);
      const { node, iface } = spec.endpoint;
      const impaired = Object.keys(spec.impairments).length > 0;
      let plug: LinkEndpoint = endpoint;
      if (impaired) {
        const link = new Link(
          network.scheduler,
          {
            ...spec.impairments,
            name: `${node}:${iface}-tap:${spec.name}`,
            a: `${node}:${iface}`,
            b: `tap:${spec.name}`,
          },
          network.tracer,
        );
        splice(link.b, endpoint);
        attachment.link = link;
        plug = link.a;
      }
      const sw = network.switches.find((s) => s.name === node);
      if (sw) sw.addPort(iface, plug);
      else network.node(node).attach(iface, plug);
    }
  } catch (error) {
    for (const attachment of attachments) attachment.bridge.close();
    throw error;
  }
  return attachments;
}

export interface RunLabOptions {
  /** Stop after this much time (`--duration`); default: until interrupted. */
  duration?: Nanoseconds;
  /** Stop when this aborts (besides SIGINT and SIGTERM). */
  signal?: AbortSignal;
  /** Listen for SIGINT/SIGTERM and stop cleanly on them (default true). */
  handleSignals?: boolean;
}

/**
 * Runs the lab in real time until Ctrl-C (SIGINT), SIGTERM, the signal, or the duration; then
 * stops the loop and closes every TAP (interfaces removed, namespaces we created deleted).
 * Resolves with why it stopped.
 */
export async function runUntilInterrupted(
  runner: RealtimeRunner,
  attachments: readonly TapAttachment[],
  options: RunLabOptions = {},
): Promise<"duration" | "signal" | "aborted"> {
  let reason: "duration" | "signal" | "aborted" = "duration";
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const onSignal = () => {
    reason = "signal";
    stop();
  };
  const onAbort = () => {
    reason = "aborted";
    stop();
  };
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  options.signal?.addEventListener("abort", onAbort);
  const timer =
    options.duration !== undefined ? setTimeout(() => stop(), options.duration / MILLISECOND) : undefined;
  try {
    await Promise.race([stopped, runner.finished]);
  } finally {
    if (timer) clearTimeout(timer);
    if (handleSignals) {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
    options.signal?.removeEventListener("abort", onAbort);
    await runner.stop();
    for (const attachment of attachments) attachment.bridge.close();
  }
  return reason;
}

/** One emulated host on one TAP interface: the smallest lab that talks to the kernel. */
export interface TapHostLab {
  network: Network;
  host: Node;
  bridge: TapBridge;
  endpoint: TapEndpoint;
  runner: RealtimeRunner;
  /** Stops the real-time loop and closes the TAP. */
  close(): Promise<void>;
}

/**
 * Opens a TAP (Linux side `tap.address`), plugs `host`'s `iface` (default eth0) into it with
 * `hostAddress`, and starts the real-time loop.
 */
export async function startTapHost(
  network: Network,
  host: Node,
  tap: TapBridgeOptions,
  hostAddress: string,
  iface = "eth0",
): Promise<TapHostLab> {
  const runner = new RealtimeRunner(network.scheduler);
  let bridge: TapBridge;
  try {
    bridge = await openTapBridge(tap);
  } catch (error) {
    await runner.stop();
    throw error;
  }
  const endpoint = runner.endpoint(bridge, tap.mtu);
  host.attach(iface, endpoint);
  host.addAddress(iface, hostAddress);
  return {
    network,
    host,
    bridge,
    endpoint,
    runner,
    async close() {
      await runner.stop();
      bridge.close();
    },
  };
}

export interface TapLabRunOptions extends RunLabOptions {
  /** Called once every TAP is open and the loop runs (start apps, print "ready"). */
  onReady?: (attachments: readonly TapAttachment[]) => void | Promise<void>;
}

/**
 * The entry `tinkernet run lab.yml --forever` needs once it has built `network` from a topology:
 * opens the topology's TAP links, runs in real time until Ctrl-C/SIGTERM (or `duration`), and
 * tears everything down. Resolves with why it stopped.
 */
export async function runTapLab(
  network: Network,
  taps: readonly TapLinkSpec[],
  options: TapLabRunOptions = {},
): Promise<"duration" | "signal" | "aborted"> {
  const runner = new RealtimeRunner(network.scheduler);
  let attachments: TapAttachment[];
  try {
    attachments = await attachTaps(network, taps, runner);
  } catch (error) {
    await runner.stop();
    throw error;
  }
  const running = runUntilInterrupted(runner, attachments, options);
  await options.onReady?.(attachments);
  return running;
}
