/**
 * An in-memory StreamTransport for testing the socket layer without TCP: connections deliver
 * after a fixed virtual delay, each side's send buffer is bounded (so `write` accepts only part of
 * a large chunk and `onWritable` follows), and a paused reader holds data back.
 */
import type { Scheduler } from "../../src/sim/scheduler.js";
import { MILLISECOND } from "../../src/sim/time.js";
import type {
  StreamConnection,
  StreamConnectionEvents,
  StreamListener,
  StreamTransport,
} from "../../src/socket/stream-connection.js";

const DELAY = MILLISECOND;

class End implements StreamConnection {
  events: StreamConnectionEvents = {};
  peer!: End;
  buffered = 0;
  private inbox: (Uint8Array | "fin")[] = [];
  private paused = false;
  private finSent = false;
  private finReceived = false;
  closed = false;

  constructor(
    private readonly scheduler: Scheduler,
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly capacity: number,
  ) {}
  readonly family = 4 as const;
  get bufferedBytes() {
    return this.buffered;
  }

  write(bytes: Uint8Array): number {
    if (this.closed || this.finSent) return 0;
    const accepted = Math.min(bytes.length, this.capacity - this.buffered);
    if (accepted <= 0) return 0;
    const chunk = bytes.slice(0, accepted);
    this.buffered += accepted;
    this.scheduler.after(DELAY, () => this.peer.receive(chunk));
    return accepted;
  }
  /** Called by the peer when it consumed bytes we sent. */
  consumed(n: number): void {
    const wasFull = this.buffered >= this.capacity;
    this.buffered -= n;
    if (wasFull || n > 0) this.events.onWritable?.();
  }
  receive(item: Uint8Array | "fin"): void {
    if (this.closed) return;
    this.inbox.push(item);
    this.deliver();
  }
  private deliver(): void {
    while (!this.paused && this.inbox.length > 0 && !this.closed) {
      const item = this.inbox.shift()!;
      if (item === "fin") {
        this.finReceived = true;
        this.events.onEnd?.();
        this.maybeClose();
      } else {
        this.peer.consumed(item.length);
        this.events.onData?.(item);
      }
    }
  }
  shutdown(): void {
    if (this.finSent || this.closed) return;
    this.finSent = true;
    this.scheduler.after(DELAY, () => this.peer.receive("fin"));
    this.maybeClose();
  }
  maybeClose(): void {
    if (this.finSent && this.finReceived && this.peer.finSent && this.peer.finReceived) {
      for (const end of [this, this.peer]) {
        if (!end.closed) {
          end.closed = true;
          end.events.onClose?.();
        }
      }
    }
  }
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.onClose?.();
    this.scheduler.after(DELAY, () => {
      if (this.peer.closed) return;
      this.peer.closed = true;
      this.peer.events.onError?.("ECONNRESET");
      this.peer.events.onClose?.();
    });
  }
  pauseReading(): void {
    this.paused = true;
  }
  resumeReading(): void {
    this.paused = false;
    this.deliver();
  }
  setNoDelay(): void {}
  setKeepAlive(): void {}
}

export class MemoryStreamTransport implements StreamTransport {
  private listeners = new Map<number, (c: StreamConnection) => void>();
  private nextPort = 49152;
  constructor(
    private readonly scheduler: Scheduler,
    private readonly capacity = 64 * 1024,
  ) {}

  connect(options: { host: string; port: number }): StreamConnection {
    const localPort = this.nextPort++;
    const client = new End(this.scheduler, "10.0.0.1", localPort, options.host, options.port, this.capacity);
    this.scheduler.after(DELAY, () => {
      const listener = this.listeners.get(options.port);
      if (!listener) {
        client.closed = true;
        client.events.onError?.("ECONNREFUSED");
        client.events.onClose?.();
        return;
      }
      const server = new End(
        this.scheduler,
        options.host,
        options.port,
        "10.0.0.1",
        localPort,
        this.capacity,
      );
      client.peer = server;
      server.peer = client;
      listener(server);
      this.scheduler.after(DELAY, () => client.events.onConnect?.());
    });
    return client;
  }

  listen(
    options: { port: number },
    onConnection: (c: StreamConnection) => void,
  ): StreamListener | { error: string } {
    if (this.listeners.has(options.port)) return { error: "EADDRINUSE" };
    this.listeners.set(options.port, onConnection);
    return { close: () => this.listeners.delete(options.port) };
  }
}
