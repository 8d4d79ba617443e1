/**
 * Shared scaffolding for the TCP tests: two stacks over the fake network, payload generators and
 * a SHA-256 digest (node:crypto, in tests only).
 */
import { createHash } from "node:crypto";
import type { ReceivedDatagram, TransportProtocol } from "../../../src/net/network-layer.js";
import { Scheduler } from "../../../src/sim/scheduler.js";
import { Tracer } from "../../../src/trace/events.js";
import type { TcpConfig } from "../../../src/transport/tcp/config.js";
import type { ConnectionOptions, TcpConnection } from "../../../src/transport/tcp/connection.js";
import { TcpLayer } from "../../../src/transport/tcp/tcp-layer.js";
import { type FakeHost, FakeNetwork } from "../../../src/transport/tcp/testing.js";
import { type IpAddress, Ipv6Address } from "../../../src/wire/address/ipv6.js";
import { isParseError } from "../../../src/wire/parse-error.js";
import { emitTcp, parseTcp, type TcpRepr } from "../../../src/wire/tcp.js";

export interface Pair {
  scheduler: Scheduler;
  network: FakeNetwork;
  tracer: Tracer;
  a: FakeHost;
  b: FakeHost;
  tcpA: TcpLayer;
  tcpB: TcpLayer;
}

/** Two hosts, 10.0.0.1 (a) and 10.0.0.2 (b) (2001:db8::1 and 2001:db8::2 for `family` 6), each with a TCP stack. */
export function pair(
  seed = 1,
  config: Partial<TcpConfig> = {},
  configB: Partial<TcpConfig> = config,
  family: 4 | 6 = 4,
): Pair {
  const scheduler = new Scheduler({ seed });
  const network = new FakeNetwork(scheduler);
  const tracer = new Tracer();
  const a = network.host(family === 4 ? "10.0.0.1" : Ipv6Address.parse("2001:db8::1"));
  const b = network.host(family === 4 ? "10.0.0.2" : Ipv6Address.parse("2001:db8::2"));
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

export interface TransferResult {
  /** The receiver got exactly the bytes sent (SHA-256 equal) and saw the FIN. */
  intact: boolean;
  /** Both ends finished: the receiver saw end-of-stream and the sender's close completed. */
  completed: boolean;
  /** Virtual time from connect to the receiver's end-of-stream (ns). */
  elapsed: number;
  received: number;
  client: ReturnType<TcpConnection["stats"]>;
  server: ReturnType<TcpConnection["stats"]> | undefined;
  errors: string[];
}

/**
 * Sends `data` from a to b over one connection (a writes as fast as the send buffer accepts,
 * then shuts down; b reads and closes when it sees the end), running the simulation until both
 * ends are done or `deadline` (virtual ns) passes.
 */
export function transfer(
  p: Pair,
  data: Uint8Array,
  deadline: number,
  options: ConnectionOptions = {},
): TransferResult {
  const { scheduler, tcpA, tcpB } = p;
  const start = scheduler.now;
  const hash = createHash("sha256");
  let received = 0;
  let ended = -1;
  let clientClosed = false;
  let server: TcpConnection | undefined;
  const errors: string[] = [];
  const listener = tcpB.listen(5001, options, (c) => {
    server = c;
    c.onData = (d) => {
      hash.update(d);
      received += d.length;
    };
    c.onEnd = () => {
      ended = scheduler.now;
      c.close();
    };
    c.onError = (e) => errors.push(`server ${e.code}`);
  });
  const client = tcpA.connect({ remote: p.b.address, port: 5001, ...options });
  let offset = 0;
  const pump = () => {
    while (offset < data.length) {
      const n = client.write(data.subarray(offset, Math.min(data.length, offset + 256 * 1024)));
      offset += n;
      if (n === 0) return;
    }
    client.shutdown();
  };
  client.onConnect = pump;
  client.onWritable = pump;
  client.onError = (e) => errors.push(`client ${e.code}`);
  client.onClose = () => {
    clientClosed = true;
  };
  // An event budget as well as the virtual deadline: a loop that stops the clock fails the test
  // instead of hanging it.
  let budget = 50_000_000;
  scheduler.runWhile(() => {
    if (--budget === 0) errors.push("event budget exhausted (the clock stopped?)");
    return !(ended >= 0 && clientClosed) && errors.length === 0;
  }, start + deadline);
  listener.close();
  const digest = hash.digest("hex");
  return {
    intact: ended >= 0 && received === data.length && digest === sha256(data),
    completed: ended >= 0 && clientClosed,
    elapsed: (ended >= 0 ? ended : scheduler.now) - start,
    received,
    client: client.stats(),
    server: server?.stats(),
    errors,
  };
}

/** A segment the raw peer saw, with the addresses it travelled between. */
export interface SeenSegment extends TcpRepr {
  src: IpAddress;
  dst: IpAddress;
  time: number;
}

/**
 * A hand-driven TCP "peer" on a fake host: it records every segment that arrives and sends
 * segments built field by field, so tests can walk the RFC 9293 state machine step by step.
 */
export class RawPeer implements TransportProtocol {
  readonly protocol = 6;
  readonly received: SeenSegment[] = [];
  constructor(
    readonly host: FakeHost,
    private readonly scheduler: Scheduler,
  ) {
    host.register(this);
  }

  receive(datagram: ReceivedDatagram): void {
    const seg = parseTcp(datagram.payload);
    if (isParseError(seg)) throw new Error(`raw peer got a malformed segment: ${seg}`);
    this.received.push({
      ...seg,
      payload: seg.payload.slice(),
      src: datagram.src,
      dst: datagram.dst,
      time: this.scheduler.now,
    });
  }

  /** Sends a segment to `to` (fields not given are zero / empty). */
  send(to: IpAddress, fields: Partial<TcpRepr> & { srcPort: number; dstPort: number }): void {
    const repr: TcpRepr = {
      seq: 0,
      ack: 0,
      flags: 0,
      window: 65535,
      urgentPointer: 0,
      options: [],
      payload: new Uint8Array(0),
      ...fields,
    };
    const out = new Uint8Array(20 + 40 + repr.payload.length);
    const length = emitTcp(repr, out, { src: this.host.address, dst: to });
    this.host.send({ dst: to, protocol: 6, payload: out.subarray(0, length) });
  }

  /** The segments received since the last call, which are then forgotten. */
  take(): SeenSegment[] {
    return this.received.splice(0);
  }
}

/** A stack on 10.0.0.1 and a raw peer on 10.0.0.2, 1 ms apart. */
export function rawWorld(config: Partial<TcpConfig> = {}, seed = 1) {
  const scheduler = new Scheduler({ seed });
  const network = new FakeNetwork(scheduler);
  const tracer = new Tracer();
  const a = network.host("10.0.0.1");
  const b = network.host("10.0.0.2");
  network.setDefaults({ delay: 1e6 });
  const tcp = new TcpLayer(a, scheduler, { tracer, node: "a", config });
  const peer = new RawPeer(b, scheduler);
  const states: string[] = [];
  tracer.subscribe((e) => {
    if (e.type === "tcp-state") states.push(e.to);
  });
  return { scheduler, network, tracer, a, b, tcp, peer, states };
}
