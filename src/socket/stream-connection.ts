/**
 * What the Node-compatible `net` layer needs from a reliable byte-stream connection (our TCP).
 * Keeping it this narrow lets `net.Socket` wrap TCP without knowing its internals, and lets
 * tests wrap an in-memory pair.
 */
export interface StreamConnectionEvents {
  /** The handshake completed (active open). */
  onConnect?(): void;
  /** In-order data arrived. */
  onData?(chunk: Uint8Array): void;
  /** The peer sent FIN: no more data will arrive. */
  onEnd?(): void;
  /** Send-buffer space freed after `write` accepted less than it was given. */
  onWritable?(): void;
  /** The connection failed, with a Node-style code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...). */
  onError?(code: string): void;
  /** The connection is gone (closed both ways, reset or failed). */
  onClose?(): void;
}

export interface StreamConnection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
  events: StreamConnectionEvents;
  /** Queues bytes for sending; returns how many were accepted (the rest must wait for onWritable). */
  write(bytes: Uint8Array): number;
  /** Half-close: send FIN after the queued data (RFC 9293 CLOSE in ESTABLISHED). */
  shutdown(): void;
  /** Reset the connection (RFC 9293 ABORT). */
  abort(): void;
  /** Stop delivering data (the receive window closes as the buffer fills). */
  pauseReading(): void;
  resumeReading(): void;
  setNoDelay(noDelay: boolean): void;
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
  /** Bytes queued but not yet acknowledged. */
  readonly bufferedBytes: number;
}

/** A listening endpoint that hands over established connections. */
export interface StreamListener {
  close(): void;
}

/** The transport as the `net` layer sees it: a host's TCP. */
export interface StreamTransport {
  connect(options: {
    host: string;
    port: number;
    localAddress?: string;
    localPort?: number;
  }): StreamConnection;
  listen(
    options: { host?: string; port: number; backlog?: number; ipv6Only?: boolean },
    onConnection: (connection: StreamConnection) => void,
  ): StreamListener | { error: string };
  /** The port a listener actually bound (for port 0). */
  boundPort?(listener: StreamListener): number;
}
