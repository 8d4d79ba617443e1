/**
 * A small HTTP/1.1 server (RFC 9110/9112) over any {@link StreamSocket}: persistent connections,
 * one request at a time per connection (a pipelined request waits until the previous response
 * is done), streaming request and response bodies with backpressure, and `Expect: 100-continue`
 * (RFC 9110 §10.1.1): a client that asks waits for `100 Continue` before it sends the body.
 */
import { type HttpHead, HttpMessageParser, type HttpParseError, serializeResponseHead } from "./message.js";
import type { StreamSocket } from "./stream-socket.js";

export interface IncomingRequest {
  method: string;
  /** The request target as sent, e.g. `/bytes/1024?x=1`. */
  target: string;
  /** The target's path, without query. */
  path: string;
  headers: Map<string, string>;
  /** Body chunks as they arrive (set before returning from the handler). */
  onData?: (chunk: Uint8Array) => void;
  /** The body is complete. */
  onEnd?: () => void;
}

export interface ServerResponse {
  /** Sends the status line and headers (Content-Length or chunked must be decided by the caller). */
  writeHead(status: number, headers: Record<string, string | number>): void;
  /** Queues body bytes; false means "wait for `onDrain`" (backpressure). */
  write(chunk: Uint8Array): boolean;
  /** Called when the socket can take more after `write` returned false. */
  onDrain?: () => void;
  /** Ends the response. */
  end(chunk?: Uint8Array): void;
  /** Convenience: a complete response with a body and Content-Length. */
  send(status: number, body: Uint8Array | string, headers?: Record<string, string | number>): void;
}

export type HttpHandler = (request: IncomingRequest, response: ServerResponse) => void;

const encoder = new TextEncoder();

/** Serves HTTP on one connected socket until it closes. */
export function serveHttpConnection(socket: StreamSocket, handler: HttpHandler): void {
  let current: IncomingRequest | undefined;
  let responding = false;
  let closeAfterResponse = false;
  let pending: Uint8Array | undefined;
  let closed = false;
  let drainListener: (() => void) | undefined;
  /** A 100 (Continue) is owed unless the handler answers before asking for the body. */
  let awaitingContinue = false;

  const parser = new HttpMessageParser("request", {
    onHead(head: HttpHead) {
      const target = head.target ?? "/";
      const query = target.indexOf("?");
      current = {
        method: head.method ?? "GET",
        target,
        path: query < 0 ? target : target.slice(0, query),
        headers: head.headers,
      };
      const connection = head.headers.get("connection")?.toLowerCase() ?? "";
      // RFC 9112 §9.3: HTTP/1.0 closes unless keep-alive is asked for; 1.1 persists unless "close".
      closeAfterResponse =
        head.version === "HTTP/1.0" ? !connection.includes("keep-alive") : connection.includes("close");
      responding = true;
      // RFC 9110 §10.1.1: "100-continue" asks for a 100 (Continue) interim response before the
      // client sends the content (curl asks for uploads over 1 MiB and waits a second otherwise).
      // The handler first gets to answer at once (a 404, a 413): then no 100 is sent, the body is
      // never read, and the connection closes after the answer (the client may or may not send the
      // body; §10.1.1 has the server say which it does). HTTP/1.0 clients get no 100 (§15.2).
      awaitingContinue =
        head.version === "HTTP/1.1" &&
        head.headers.get("expect")?.toLowerCase() === "100-continue" &&
        hasContent(head);
      handler(current, makeResponse(head));
      if (awaitingContinue) {
        awaitingContinue = false;
        socket.write(serializeResponseHead(100, []));
      }
    },
    onBody(chunk) {
      current?.onData?.(chunk);
    },
    onEnd() {
      current?.onEnd?.();
    },
    onError(error: HttpParseError) {
      if (!responding) {
        const body = encoder.encode(`${error.message}\n`);
        socket.write(
          serializeResponseHead(error.status, [
            ["Content-Length", String(body.length)],
            ["Connection", "close"],
            ["Content-Type", "text/plain"],
          ]),
        );
        socket.write(body);
      }
      socket.end();
    },
  });
  parser.stopAfterMessage = true;

  const feed = (chunk: Uint8Array) => {
    if (closed) return;
    if (responding && parser.idle) {
      // A pipelined request: keep it until the current response is done.
      pending = pending ? concat(pending, chunk) : chunk;
      socket.pause();
      return;
    }
    const consumed = parser.feed(chunk);
    if (consumed < chunk.length) {
      pending = pending ? concat(chunk.subarray(consumed), pending) : chunk.subarray(consumed);
      if (responding) socket.pause();
      else drainPending();
    }
  };

  const drainPending = () => {
    if (!pending || responding) return;
    const next = pending;
    pending = undefined;
    socket.resume();
    feed(next);
  };

  function makeResponse(request: HttpHead): ServerResponse {
    let headSent = false;
    let chunked = false;
    const headOnly = request.method === "HEAD";
    const response: ServerResponse = {
      writeHead(status, headers) {
        if (headSent) return;
        headSent = true;
        if (awaitingContinue) {
          // A final answer instead of the 100: the body stays unread, so the connection ends.
          awaitingContinue = false;
          closeAfterResponse = true;
        }
        const fields: [string, string][] = Object.entries(headers).map(([k, v]) => [k, String(v)]);
        const has = (name: string) => fields.some(([k]) => k.toLowerCase() === name);
        if (!has("content-length") && !has("transfer-encoding") && !headOnly) {
          chunked = true;
          fields.push(["Transfer-Encoding", "chunked"]);
        }
        if (closeAfterResponse) fields.push(["Connection", "close"]);
        socket.write(serializeResponseHead(status, fields));
      },
      write(chunk) {
        if (!headSent) response.writeHead(200, {});
        if (headOnly || chunk.length === 0) return true;
        if (chunked) {
          socket.write(encoder.encode(`${chunk.length.toString(16)}\r\n`));
          socket.write(chunk);
          return socket.write(encoder.encode("\r\n"));
        }
        return socket.write(chunk);
      },
      end(chunk) {
        if (chunk) response.write(chunk);
        if (!headSent) response.writeHead(200, { "Content-Length": 0 });
        if (chunked && !headOnly) socket.write(encoder.encode("0\r\n\r\n"));
        responding = false;
        current = undefined;
        if (closeAfterResponse) {
          socket.end();
          return;
        }
        drainPending();
      },
      send(status, body, headers = {}) {
        const bytes = typeof body === "string" ? encoder.encode(body) : body;
        response.writeHead(status, { ...headers, "Content-Length": bytes.length });
        response.end(bytes);
      },
    };
    drainListener = () => response.onDrain?.();
    return response;
  }

  socket.on("data", feed);
  socket.on("drain", () => drainListener?.());
  socket.on("end", () => {
    parser.end();
    if (!responding) socket.end();
    else closeAfterResponse = true;
  });
  socket.on("close", () => {
    closed = true;
  });
  socket.on("error", () => {
    closed = true;
  });
}

/** Whether a request has content to wait for (RFC 9112 §6.3: Transfer-Encoding, or a length above 0). */
function hasContent(head: HttpHead): boolean {
  if (head.headers.has("transfer-encoding")) return true;
  const length = head.headers.get("content-length");
  return length !== undefined && length.trim() !== "0";
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
