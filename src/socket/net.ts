/**
 * A Node.js-compatible `net` API over an emulated host's TCP: `createServer`, `connect`,
 * `createConnection`, and `Socket` as a Duplex stream with Node's events (`connect`, `data`,
 * `end`, `close`, `error`, `timeout`, `drain`), half-close (`allowHalfOpen`), backpressure (a
 * full send buffer makes `write()` return false until `drain`; a slow reader closes the TCP receive
 * window), `setNoDelay`, `setKeepAlive`, `setTimeout` (in virtual time) and Node-style error codes.
 * Node's own `http.Server` runs over it (`server.emit("connection", socket)`), and `http.request`
 * through `createConnection`.
 *
 * Streams come from the `readable-stream` package (Node's streams, also in browsers), so this
 * layer stays platform-neutral.
 */
import { Buffer } from "buffer";
import { EventEmitter } from "events";
import { Duplex } from "readable-stream";
import type { Scheduler, Timer } from "../sim/scheduler.js";
import { MILLISECOND } from "../sim/time.js";
import type { StreamConnection, StreamListener, StreamTransport } from "./stream-connection.js";

/** Node's error shape: an Error with `code`, `errno`, `syscall` and the address. */
export function socketError(
  code: string,
  syscall: string,
  address?: string,
  port?: number,
): NodeJS.ErrnoException {
  const where = address !== undefined ? ` ${address}${port !== undefined ? `:${port}` : ""}` : "";
  const error = new Error(`${syscall} ${code}${where}`) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  error.code = code;
  error.errno = errnoNumbers[code] ?? -1;
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  if (port !== undefined) error.port = port;
  return error;
}

// Linux errno values, negated as libuv reports them.
const errnoNumbers: Record<string, number> = {
  ECONNREFUSED: -111,
  ECONNRESET: -104,
  ETIMEDOUT: -110,
  EHOSTUNREACH: -113,
  ENETUNREACH: -101,
  EADDRINUSE: -98,
  EADDRNOTAVAIL: -99,
  EPIPE: -32,
  EMSGSIZE: -90,
};

export interface SocketOptions {
  allowHalfOpen?: boolean;
}

export interface ConnectOptions {
  port: number;
  host?: string;
  localAddress?: string;
  localPort?: number;
  timeout?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

/** The environment every socket of one host shares. */
export interface NetContext {
  transport: StreamTransport;
  scheduler: Scheduler;
}

export class NetSocket extends Duplex {
  connecting = false;
  bytesRead = 0;
  private connection?: StreamConnection;
  private pendingWrite?: { bytes: Uint8Array; callback: (error?: Error | null) => void };
  private idleTimeout = 0;
  private idleTimer?: Timer;
  private noDelay = false;
  private keepAlive: [boolean, number] = [false, 0];
  private written = 0;
  private hadError = false;

  constructor(
    private readonly context: NetContext,
    options: SocketOptions = {},
  ) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false });
  }

  get remoteAddress(): string | undefined {
    return this.connection?.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.connection?.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.connection ? `IPv${this.connection.family}` : undefined;
  }
  get localAddress(): string | undefined {
    return this.connection?.localAddress;
  }
  get localPort(): number | undefined {
    return this.connection?.localPort;
  }
  get bytesWritten(): number {
    return this.written;
  }
  get pending(): boolean {
    return !this.connection || this.connecting;
  }
  get readyState(): string {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }
  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (!this.connection) return {};
    return {
      address: this.connection.localAddress,
      family: `IPv${this.connection.family}`,
      port: this.connection.localPort,
    };
  }

  /** `socket.connect(port[, host][, listener])` or `socket.connect(options[, listener])`. */
  connect(...args: unknown[]): this {
    const [options, listener] = normalizeConnectArgs(args);
    if (listener) this.once("connect", listener);
    if (options.timeout) this.setTimeout(options.timeout);
    this.connecting = true;
    let connection: StreamConnection;
    try {
      connection = this.context.transport.connect({
        host: options.host ?? "127.0.0.1",
        port: options.port,
        localAddress: options.localAddress,
        localPort: options.localPort,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "EINVAL";
      queueMicrotask(() => this.destroy(socketError(code, "connect", options.host, options.port)));
      return this;
    }
    this.attach(connection, options.host ?? "127.0.0.1", options.port);
    connection.events.onConnect = () => {
      this.connecting = false;
      this.applyOptions();
      this.touch();
      this.context.scheduler.requestYield();
      this.emit("connect");
      this.emit("ready");
    };
    if (options.noDelay) this.setNoDelay(true);
    if (options.keepAlive) this.setKeepAlive(true, options.keepAliveInitialDelay ?? 0);
    return this;
  }

  /** @internal Wraps a connection accepted by a server. */
  adopt(connection: StreamConnection): void {
    this.attach(connection, connection.remoteAddress, connection.remotePort);
    this.applyOptions();
    this.touch();
  }

  /** @internal */
  attach(connection: StreamConnection, host: string, port: number): void {
    this.connection = connection;
    connection.events.onData = (chunk) => {
      this.bytesRead += chunk.length;
      this.touch();
      this.context.scheduler.requestYield();
      if (!this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))) connection.pauseReading();
    };
    connection.events.onEnd = () => {
      this.context.scheduler.requestYield();
      this.push(null);
    };
    connection.events.onWritable = () => this.flushPending();
    connection.events.onError = (code) => {
      this.context.scheduler.requestYield();
      const syscall = this.connecting ? "connect" : "read";
      this.connecting = false;
      this.destroy(socketError(code, syscall, host, port));
    };
    connection.events.onClose = () => {
      this.context.scheduler.requestYield();
      this.clearIdleTimer();
      if (!this.destroyed && this.readableEnded && (this.writableFinished || !this.writable)) this.destroy();
    };
  }

  /** @internal */
  applyOptions(): void {
    this.connection?.setNoDelay(this.noDelay);
    this.connection?.setKeepAlive(...this.keepAlive);
  }

  override _read(): void {
    this.connection?.resumeReading();
  }

  override _write(
    chunk: Uint8Array | string,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
    if (this.connecting || !this.connection) {
      this.once("connect", () => this._write(bytes, encoding, callback));
      return;
    }
    this.touch();
    this.pendingWrite = { bytes, callback };
    this.flushPending();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.connecting || !this.connection) {
      this.once("connect", () => this._final(callback));
      return;
    }
    this.connection.shutdown();
    callback();
  }

  /** Node's `close` event carries `hadError`; the stream library's does not, so add it. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "close" && args.length === 0) return super.emit("close", this.hadError);
    return super.emit(event, ...args);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.hadError = error !== null && error !== undefined;
    this.clearIdleTimer();
    const connection = this.connection;
    if (connection) {
      connection.events = {};
      // Like close(2): an error or unsent data resets the connection; otherwise FIN.
      if (error || this.pendingWrite) connection.abort();
      else connection.shutdown();
    }
    if (this.pendingWrite) {
      const { callback: writeCallback } = this.pendingWrite;
      this.pendingWrite = undefined;
      writeCallback(error ?? socketError("EPIPE", "write"));
    }
    callback(error);
  }

  private flushPending(): void {
    const pending = this.pendingWrite;
    if (!pending || !this.connection) return;
    const accepted = this.connection.write(pending.bytes);
    this.written += accepted;
    if (accepted >= pending.bytes.length) {
      this.pendingWrite = undefined;
      this.context.scheduler.requestYield();
      pending.callback();
    } else {
      pending.bytes = pending.bytes.subarray(accepted);
    }
  }

  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay;
    this.connection?.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this.keepAlive = [enable, initialDelay];
    this.connection?.setKeepAlive(enable, initialDelay);
    return this;
  }

  /** Emits `timeout` after `ms` of virtual time without activity (does not close the socket). */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleTimeout = ms;
    if (callback) ms === 0 ? this.removeListener("timeout", callback) : this.once("timeout", callback);
    this.touch();
    return this;
  }

  get timeout(): number | undefined {
    return this.idleTimeout || undefined;
  }

  private touch(): void {
    this.clearIdleTimer();
    if (this.idleTimeout > 0 && !this.destroyed) {
      this.idleTimer = this.context.scheduler.after(this.idleTimeout * MILLISECOND, () => {
        this.context.scheduler.requestYield();
        this.emit("timeout");
      });
    }
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) this.context.scheduler.cancel(this.idleTimer);
    this.idleTimer = undefined;
  }

  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

export class NetServer extends EventEmitter {
  listening = false;
  maxConnections?: number;
  private listener?: StreamListener;
  private port = 0;
  private host?: string;
  private connections = new Set<NetSocket>();

  constructor(
    private readonly context: NetContext,
    private readonly options: SocketOptions & { noDelay?: boolean; keepAlive?: boolean } = {},
    connectionListener?: (socket: NetSocket) => void,
  ) {
    super();
    if (connectionListener) this.on("connection", connectionListener);
  }

  /**
   * `listen(port[, host][, backlog][, callback])` or `listen({port, host, backlog, ipv6Only}[, callback])`.
   * `::` takes IPv4 too (its peers shown as `::ffff:a.b.c.d`) unless `ipv6Only`; `0.0.0.0` only IPv4.
   */
  listen(...args: unknown[]): this {
    let port = 0;
    let host: string | undefined;
    let backlog: number | undefined;
    let ipv6Only: boolean | undefined;
    let callback: (() => void) | undefined;
    for (const arg of args) {
      if (typeof arg === "function") callback = arg as () => void;
      else if (typeof arg === "object" && arg !== null)
        ({
          port = 0,
          host,
          backlog,
          ipv6Only,
        } = arg as {
          port?: number;
          host?: string;
          backlog?: number;
          ipv6Only?: boolean;
        });
      else if (typeof arg === "number" && port === 0 && host === undefined) port = arg;
      else if (typeof arg === "string") host = arg;
      else if (typeof arg === "number") backlog = arg;
    }
    if (callback) this.once("listening", callback);
    const result = this.context.transport.listen({ host, port, backlog, ipv6Only }, (connection) =>
      this.accept(connection),
    );
    if ("error" in result) {
      queueMicrotask(() => this.emit("error", socketError(result.error, "listen", host ?? "0.0.0.0", port)));
      return this;
    }
    this.listener = result;
    this.port = this.context.transport.boundPort?.(result) ?? port;
    this.host = host;
    this.listening = true;
    queueMicrotask(() => this.emit("listening"));
    return this;
  }

  private accept(connection: StreamConnection): void {
    if (this.maxConnections !== undefined && this.connections.size >= this.maxConnections) {
      connection.abort();
      return;
    }
    const socket = new NetSocket(this.context, { allowHalfOpen: this.options.allowHalfOpen });
    socket.adopt(connection);
    if (this.options.noDelay) socket.setNoDelay(true);
    if (this.options.keepAlive) socket.setKeepAlive(true);
    this.connections.add(socket);
    socket.once("close", () => {
      this.connections.delete(socket);
      this.maybeClosed();
    });
    this.context.scheduler.requestYield();
    this.emit("connection", socket);
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.listening) return null;
    const address = this.host ?? "0.0.0.0";
    return { address, family: address.includes(":") ? "IPv6" : "IPv4", port: this.port };
  }

  /** Stops accepting; `close` is emitted once every connection has ended (as in Node). */
  close(callback?: (error?: Error) => void): this {
    if (callback) this.once("close", callback);
    this.listener?.close();
    this.listener = undefined;
    this.listening = false;
    this.closing = true;
    this.maybeClosed();
    return this;
  }

  getConnections(callback: (error: Error | null, count: number) => void): this {
    queueMicrotask(() => callback(null, this.connections.size));
    return this;
  }

  private closing = false;
  private maybeClosed(): void {
    if (this.closing && this.connections.size === 0) {
      this.closing = false;
      queueMicrotask(() => this.emit("close"));
    }
  }

  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** The per-host `net` module, shaped like Node's. */
export interface NetApi {
  Socket: new (options?: SocketOptions) => NetSocket;
  Server: new (options?: SocketOptions, listener?: (socket: NetSocket) => void) => NetServer;
  createServer(...args: unknown[]): NetServer;
  connect(...args: unknown[]): NetSocket;
  createConnection(...args: unknown[]): NetSocket;
  isIP(text: string): 0 | 4 | 6;
  isIPv4(text: string): boolean;
  isIPv6(text: string): boolean;
}

/** Builds the per-host `net` module. */
export function createNetApi(context: NetContext): NetApi {
  class Socket extends NetSocket {
    constructor(options?: SocketOptions) {
      super(context, options);
    }
  }
  class Server extends NetServer {
    constructor(options?: SocketOptions, listener?: (socket: NetSocket) => void) {
      super(context, options, listener);
    }
  }
  function createServer(...args: unknown[]): NetServer {
    const options = (typeof args[0] === "object" && args[0] !== null ? args[0] : {}) as SocketOptions;
    const listener = args.find((a) => typeof a === "function") as ((socket: NetSocket) => void) | undefined;
    return new Server(options, listener);
  }

  function connect(...args: unknown[]): NetSocket {
    const [options] = normalizeConnectArgs(args);
    const socket = new Socket({ allowHalfOpen: (options as SocketOptions).allowHalfOpen });
    return socket.connect(...args);
  }

  return { Socket, Server, createServer, connect, createConnection: connect, isIP, isIPv4, isIPv6 };
}

function normalizeConnectArgs(args: unknown[]): [ConnectOptions & SocketOptions, (() => void) | undefined] {
  const listener = args.find((a) => typeof a === "function") as (() => void) | undefined;
  if (typeof args[0] === "object" && args[0] !== null) return [args[0] as ConnectOptions, listener];
  return [{ port: Number(args[0]), host: typeof args[1] === "string" ? args[1] : undefined }, listener];
}

export function isIPv4(text: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text);
}
export function isIPv6(text: string): boolean {
  return text.includes(":") && /^[0-9a-fA-F:.]+$/.test(text) && text.split("::").length <= 2;
}
export function isIP(text: string): 0 | 4 | 6 {
  return isIPv4(text) ? 4 : isIPv6(text) ? 6 : 0;
}
