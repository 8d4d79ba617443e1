/**
 * A small HTTP/1.1 client (the engine of the `curl` command) over any connected
 * {@link StreamSocket}: one request, streaming request and response bodies, Content-Length,
 * chunked and close-delimited responses (RFC 9112 §6.3).
 */
import { type HttpHead, HttpMessageParser, serializeRequestHead } from "./message.js";
import type { StreamSocket } from "./stream-socket.js";

export interface ClientRequest {
  method?: string;
  /** Host header value, e.g. `10.0.2.10:8080`. */
  host: string;
  /** Request target, e.g. `/bytes/1024`. */
  path: string;
  headers?: Record<string, string>;
  /** A body to send (with Content-Length). */
  body?: Uint8Array;
  /** Keep the connection open afterwards (default: ask the server to close it). */
  keepAlive?: boolean;
}

export interface ClientResponse {
  status: number;
  reason: string;
  version: string;
  headers: Map<string, string>;
}

export interface ClientCallbacks {
  onResponse?(response: ClientResponse): void;
  /** Body chunks as they arrive. */
  onData?(chunk: Uint8Array): void;
  /** The whole response arrived. */
  onEnd?(): void;
  onError?(error: Error): void;
}

/** Sends one request on `socket` and reports the response through `callbacks`. */
export function sendHttpRequest(
  socket: StreamSocket,
  request: ClientRequest,
  callbacks: ClientCallbacks,
): void {
  const method = request.method ?? (request.body ? "POST" : "GET");
  const headers = new Map<string, string>([
    ["Host", request.host],
    ["User-Agent", "tinkernet-curl/0.1"],
    ["Accept", "*/*"],
  ]);
  for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);
  if (request.body) headers.set("Content-Length", String(request.body.length));
  if (!request.keepAlive) headers.set("Connection", "close");

  let finished = false;
  const finish = (error?: Error) => {
    if (finished) return;
    finished = true;
    if (error) callbacks.onError?.(error);
    else callbacks.onEnd?.();
  };
  const parser = new HttpMessageParser("response", {
    onHead(head: HttpHead) {
      if (head.status !== undefined && head.status >= 100 && head.status < 200) return; // interim (§15.2)
      callbacks.onResponse?.({
        status: head.status ?? 0,
        reason: head.reason ?? "",
        version: head.version,
        headers: head.headers,
      });
    },
    onBody(chunk) {
      callbacks.onData?.(chunk);
    },
    onEnd() {
      finish();
    },
    onError(error) {
      finish(error);
      socket.destroy();
    },
  });
  if (method === "HEAD") parser.expectNoBody();
  socket.on("data", (chunk) => parser.feed(chunk));
  socket.on("end", () => {
    parser.end();
    if (!finished) finish(new Error("connection closed before the response was complete"));
  });
  socket.on("error", (error) => finish(error));
  socket.on("close", () => {
    if (!finished) finish(new Error("connection closed before the response was complete"));
  });
  socket.write(serializeRequestHead(method, request.path, headers));
  if (request.body) writeBody(socket, request.body);
}

/** Writes a large body in slices, respecting backpressure. */
function writeBody(socket: StreamSocket, body: Uint8Array): void {
  const slice = 64 * 1024;
  let offset = 0;
  const pump = () => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + slice);
      offset += chunk.length;
      if (!socket.write(chunk)) return; // continue on "drain"
    }
  };
  socket.on("drain", pump);
  pump();
}
