/**
 * The part of a Node.js `Duplex` stream (a `net.Socket`) that the HTTP code uses. Our own
 * sockets (src/socket), Node's `net.Socket` and an in-memory pair all provide it, so the same HTTP
 * server and client run over the emulated network, over real TCP, and in tests.
 */
export interface StreamSocket {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close" | "drain", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  pause(): unknown;
  resume(): unknown;
}
