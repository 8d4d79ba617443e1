/**
 * Shared scaffolding for the TCP tests: two stacks over the fake network, payload generators and
 * a SHA-256 digest (node:crypto, in tests only).
 */
import { createHash } from "node:crypto";
import { Scheduler } from "../../../src/sim/scheduler.js";
import { Tracer } from "../../../src/trace/events.js";
import type { TcpConfig } from "../../../src/transport/tcp/config.js";
import { TcpLayer } from "../../../src/transport/tcp/tcp-layer.js";
import { type FakeHost, FakeNetwork } from "../../../src/transport/tcp/testing.js";

export interface Pair {
  scheduler: Scheduler;
  network: FakeNetwork;
  tracer: Tracer;
  a: FakeHost;
  b: FakeHost;
  tcpA: TcpLayer;
  tcpB: TcpLayer;
}

/** Two hosts, 10.0.0.1 (a) and 10.0.0.2 (b), each with a TCP stack. */
export function pair(seed = 1, config: Partial<TcpConfig> = {}, configB: Partial<TcpConfig> = config): Pair {
  const scheduler = new Scheduler({ seed });
  const network = new FakeNetwork(scheduler);
  const tracer = new Tracer();
  const a = network.host("10.0.0.1");
  const b = network.host("10.0.0.2");
  const tcpA = new TcpLayer(a, scheduler, { tracer, node: "a", config });
  const tcpB = new TcpLayer(b, scheduler, { tracer, node: "b", config: configB });
  return { scheduler, network, tracer, a, b, tcpA, tcpB };
}

/** Deterministic pseudo-random bytes. */
export function pattern(length: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export function sha256(chunks: Uint8Array[] | Uint8Array): string {
  const hash = createHash("sha256");
  if (chunks instanceof Uint8Array) hash.update(chunks);
  else for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}
