/**
 * The measuring half of an iperf3 test, shared by client and server: the data streams, sending
 * blocks as fast as the sockets take them (or paced to `-b`), counting what arrives, the omit
 * period, per-interval samples, and this side's results as iperf exchanges them.
 */
import type { Iperf3Clock } from "./clock.js";
import type { Iperf3Parameters } from "./params.js";

/** The socket interface iperf3 needs: a Node `net.Socket`, our emulated `NetSocket`, or a test pair. */
export interface Iperf3Socket {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close" | "drain", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  setNoDelay?(noDelay?: boolean): unknown;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

/** One interval sample of one stream. */
export interface StreamInterval {
  start: number;
  end: number;
  bytes: number;
  omitted: boolean;
}

export class Iperf3DataStream {
  /** Bytes counted (sent or received) since the measurement started (after omit). */
  bytes = 0;
  /** Whole writes of `len` (sender). */
  blocks = 0;
  intervalBytes = 0;
  readonly intervals: StreamInterval[] = [];
  /** Waiting for `drain` before writing again. */
  blocked = false;
  closed = false;
  /** Cancels the timer that resumes sending (pacing, or a yield after many writes). */
  cancelPump: (() => void) | undefined;

  constructor(
    readonly id: number,
    readonly socket: Iperf3Socket,
    /** A small number to show as iperf's "socket" (the fd in real iperf). */
    readonly fd: number,
  ) {}
}

export type LocalRole = "sender" | "receiver";

/** Writes per pump before yielding to timers, in case a socket never pushes back. */
const WRITES_PER_PUMP = 16;

export interface Iperf3Cpu {
  /** Percent of one CPU used by this side during the test. */
  total: number;
  user: number;
  system: number;
}

export class Iperf3Session {
  readonly streams: Iperf3DataStream[] = [];
  /** Seconds at which counting started (after omit), and ended. */
  startTime = 0;
  endTime = 0;
  running = false;
  omitting = false;
  /** Called when the sender reached its byte or block count (-n, -k). */
  onSendLimit: (() => void) | undefined;
  /** Called when the receiver has received the byte count (-n) the client asked for. */
  onReceiveLimit: (() => void) | undefined;
  private intervalStart = 0;
  private cancelInterval: (() => void) | undefined;
  private cancelOmit: (() => void) | undefined;
  private sentTotal = 0;
  private blocksTotal = 0;
  private receivedTotal = 0;
  private limitReported = false;
  private readonly block: Uint8Array;

  constructor(
    readonly params: Iperf3Parameters,
    readonly role: LocalRole,
    private readonly clock: Iperf3Clock,
    random: () => number,
    /** Seconds between interval samples (0: none). */
    private readonly interval = 1,
  ) {
    // iperf fills its send buffer with random bytes once and sends it over and over.
    this.block = new Uint8Array(params.len);
    for (let i = 0; i < this.block.length; i++) this.block[i] = Math.floor(random() * 256);
  }

  /** Adds a connected data stream (its cookie already read); `initial` is data that came with it. */
  addStream(id: number, socket: Iperf3Socket, fd: number, initial?: Uint8Array): Iperf3DataStream {
    const stream = new Iperf3DataStream(id, socket, fd);
    this.streams.push(stream);
    if (this.params.noDelay) socket.setNoDelay?.(true);
    socket.on("data", (chunk) => this.received(stream, chunk.length));
    socket.on("drain", () => {
      stream.blocked = false;
      if (!stream.cancelPump) this.pump(stream);
    });
    socket.on("close", () => {
      stream.closed = true;
    });
    // Errors after the test (the peer closing while we still write) are expected; the control
    // connection decides whether the test failed.
    socket.on("error", () => {
      stream.closed = true;
    });
    if (initial && initial.length > 0) this.received(stream, initial.length);
    return stream;
  }

  /** TEST_RUNNING: start counting, the omit period, interval samples, and sending. */
  start(): void {
    const now = this.clock.now();
    this.running = true;
    this.startTime = now;
    this.intervalStart = now;
    if (this.params.omit > 0) {
      this.omitting = true;
      this.cancelOmit = this.clock.setTimer(this.params.omit, () => this.endOmit());
    }
    if (this.interval > 0) this.scheduleInterval();
    if (this.role === "sender") for (const stream of this.streams) this.pump(stream);
  }

  /** TEST_END: stop sending and counting; the last partial interval is kept. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.endTime = this.clock.now();
    this.cancelInterval?.();
    this.cancelOmit?.();
    for (const stream of this.streams) stream.cancelPump?.();
    if (this.endTime > this.intervalStart) this.closeInterval(this.endTime);
  }

  /** Half-closes every data stream: no more data from this side (queued data is still delivered). */
  endStreams(): void {
    for (const stream of this.streams) if (!stream.closed) stream.socket.end();
  }

  /** Closes every data stream (the test is over). */
  closeStreams(): void {
    for (const stream of this.streams) {
      stream.closed = true;
      stream.socket.destroy();
    }
  }

  get bytes(): number {
    let total = 0;
    for (const stream of this.streams) total += stream.bytes;
    return total;
  }

  /** Seconds measured (from the end of omit to stop, or to now while running). */
  get seconds(): number {
    return (this.running ? this.clock.now() : this.endTime) - this.startTime;
  }

  /** This side's results as iperf's send_results writes them. */
  results(
    cpu: Iperf3Cpu,
    retransmits?: (stream: Iperf3DataStream) => number | undefined,
  ): Record<string, unknown> {
    const sender = this.role === "sender";
    const counted = sender && retransmits !== undefined;
    return {
      cpu_util_total: cpu.total,
      cpu_util_user: cpu.user,
      cpu_util_system: cpu.system,
      sender_has_retransmits: sender ? (counted ? 1 : 0) : -1,
      streams: this.streams.map((stream) => ({
        id: stream.id,
        bytes: stream.bytes,
        retransmits: sender ? (retransmits?.(stream) ?? 0) : -1,
        jitter: 0,
        errors: 0,
        packets: 0,
        start_time: 0,
        end_time: round6(this.seconds),
      })),
    };
  }

  private received(stream: Iperf3DataStream, length: number): void {
    if (!this.running) return;
    stream.bytes += length;
    stream.intervalBytes += length;
    this.receivedTotal += length;
    if (
      this.role === "receiver" &&
      !this.limitReported &&
      this.params.num > 0 &&
      !this.omitting &&
      this.receivedTotal >= this.params.num
    ) {
      this.limitReported = true;
      this.onReceiveLimit?.();
    }
  }

  private sendLimitReached(): boolean {
    const { num, blockcount } = this.params;
    return (num > 0 && this.sentTotal >= num) || (blockcount > 0 && this.blocksTotal >= blockcount);
  }

  /** Writes blocks until the socket pushes back, the test stops, or the -n/-k limit is reached. */
  private pump(stream: Iperf3DataStream): void {
    if (this.role !== "sender") return;
    for (let writes = 0; this.running && !stream.blocked && !stream.closed; writes++) {
      if (this.sendLimitReached()) {
        if (!this.limitReported) {
          this.limitReported = true;
          this.onSendLimit?.();
        }
        return;
      }
      if (writes >= WRITES_PER_PUMP) {
        this.resumeLater(stream, 0);
        return;
      }
      if (this.params.bandwidth > 0) {
        // iperf's pacing: send only while this stream's average rate is below the target.
        const elapsed = this.clock.now() - this.startTime;
        if (stream.bytes * 8 > this.params.bandwidth * Math.max(elapsed, 0.001)) {
          this.resumeLater(stream, 0.001);
          return;
        }
      }
      let chunk = this.block;
      if (this.params.num > 0 && this.params.num - this.sentTotal < chunk.length) {
        chunk = chunk.subarray(0, this.params.num - this.sentTotal);
      }
      stream.bytes += chunk.length;
      stream.intervalBytes += chunk.length;
      stream.blocks++;
      this.sentTotal += chunk.length;
      this.blocksTotal++;
      if (!stream.socket.write(chunk)) stream.blocked = true;
    }
  }

  private resumeLater(stream: Iperf3DataStream, seconds: number): void {
    if (stream.cancelPump) return;
    stream.cancelPump = this.clock.setTimer(seconds, () => {
      stream.cancelPump = undefined;
      this.pump(stream);
    });
  }

  private endOmit(): void {
    // iperf resets its counters when the omit period ends: what came before is not measured.
    const now = this.clock.now();
    this.closeInterval(now);
    this.omitting = false;
    this.startTime = now;
    this.sentTotal = 0;
    this.blocksTotal = 0;
    this.receivedTotal = 0;
    for (const stream of this.streams) {
      stream.bytes = 0;
      stream.blocks = 0;
    }
  }

  private scheduleInterval(): void {
    this.cancelInterval = this.clock.setTimer(this.interval, () => {
      this.closeInterval(this.clock.now());
      if (this.running) this.scheduleInterval();
    });
  }

  private closeInterval(now: number): void {
    for (const stream of this.streams) {
      stream.intervals.push({
        start: this.intervalStart - this.startTime,
        end: now - this.startTime,
        bytes: stream.intervalBytes,
        omitted: this.omitting,
      });
      stream.intervalBytes = 0;
    }
    this.intervalStart = now;
  }
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
