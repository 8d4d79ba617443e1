/**
 * HTTP/1.1 messages (RFC 9112): an incremental parser fed with whatever chunks the transport
 * delivers, and serializers for heads. Bodies are framed by Content-Length or chunked transfer
 * coding (§7.1), or, for responses, by the connection closing (§6.3 rule 8). Limits keep hostile
 * peers from growing memory: a head larger than `maxHeadBytes` is an error (431 for a server).
 */

export interface HttpHead {
  /** Requests: method and target. Responses: status and reason. */
  method?: string;
  target?: string;
  status?: number;
  reason?: string;
  version: string;
  /** Header fields with lower-case names, values joined with ", " when repeated (§5.3). */
  headers: Map<string, string>;
}

export interface ParserEvents {
  onHead(head: HttpHead): void;
  onBody(chunk: Uint8Array): void;
  onEnd(): void;
  onError(error: HttpParseError): void;
}

export class HttpParseError extends Error {
  constructor(
    message: string,
    /** The status a server should answer with. */
    readonly status: number,
  ) {
    super(message);
  }
}

const CRLF = "\r\n";
const decoder = new TextDecoder("latin1");
const encoder = new TextEncoder();

type State =
  | "head"
  | "body-length"
  | "chunk-size"
  | "chunk-data"
  | "chunk-data-end"
  | "trailers"
  | "body-close"
  | "failed";

/**
 * Parses one message after another from a byte stream (keep-alive). `kind` says whether heads
 * are request lines or status lines. For a response to HEAD, or 1xx/204/304, call
 * `expectNoBody()` before feeding the head (§6.3 rules 1-2).
 */
export class HttpMessageParser {
  private state: State = "head";
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private remaining = 0;
  private noBodyNext = false;
  private messageEnded = false;
  /** Stop feeding at the end of each message (a server answering one request at a time). */
  stopAfterMessage = false;

  constructor(
    private readonly kind: "request" | "response",
    private readonly events: ParserEvents,
    private readonly maxHeadBytes = 16 * 1024,
  ) {}

  /** The next response has no body regardless of its headers (answer to HEAD). */
  expectNoBody(): void {
    this.noBodyNext = true;
  }

  /** Whether the parser sits between messages (nothing partial buffered). */
  get idle(): boolean {
    return this.state === "head" && this.bufferedBytes === 0;
  }

  /**
   * Parses `chunk`. Returns how many bytes were consumed: all of them, unless `stopAfterMessage`
   * is set and a message ended inside the chunk (the caller keeps the rest for later).
   */
  feed(chunk: Uint8Array): number {
    let offset = 0;
    this.messageEnded = false;
    while (offset < chunk.length && this.state !== "failed") {
      if (this.messageEnded && this.stopAfterMessage) return offset;
      switch (this.state) {
        case "head":
        case "chunk-size":
        case "trailers":
        case "chunk-data-end": {
          const consumed = this.feedLine(chunk, offset);
          if (consumed < 0) return chunk.length;
          offset = consumed;
          break;
        }
        case "body-length": {
          const take = Math.min(this.remaining, chunk.length - offset);
          this.events.onBody(chunk.subarray(offset, offset + take));
          offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.finishMessage();
          break;
        }
        case "chunk-data": {
          const take = Math.min(this.remaining, chunk.length - offset);
          this.events.onBody(chunk.subarray(offset, offset + take));
          offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = "chunk-data-end";
          break;
        }
        case "body-close":
          this.events.onBody(chunk.subarray(offset));
          offset = chunk.length;
          break;
      }
    }
    return chunk.length;
  }

  /** The transport closed: completes a close-delimited body, or reports a truncated message. */
  end(): void {
    if (this.state === "body-close") this.finishMessage();
    else if (this.state !== "head" || this.bufferedBytes > 0) {
      if (this.state !== "failed")
        this.fail(new HttpParseError("connection closed in the middle of a message", 400));
    }
  }

  private fail(error: HttpParseError): void {
    this.state = "failed";
    this.events.onError(error);
  }

  /**
   * Buffers until a complete line (or, in state "head", a complete head ending in an empty line)
   * is present; returns the offset after it in `chunk`, or -1 when more data is needed.
   */
  private feedLine(chunk: Uint8Array, offset: number): number {
    const wantHead = this.state === "head";
    // RFC 9112 §2.2: a server ignores at least one empty line before a request line.
    if (wantHead && this.bufferedBytes === 0 && chunk[offset] === 13 && chunk[offset + 1] === 10)
      return offset + 2;
    const terminator = wantHead ? "\r\n\r\n" : "\r\n";
    // Search the joined tail of what is buffered plus the new chunk.
    const joined =
      this.bufferedBytes > 0 ? concat([...this.buffered, chunk.subarray(offset)]) : chunk.subarray(offset);
    const text = decoder.decode(
      joined.subarray(0, Math.min(joined.length, (wantHead ? this.maxHeadBytes : 1024) + 4)),
    );
    let end = text.indexOf(terminator);
    if (end < 0) {
      const limit = wantHead ? this.maxHeadBytes : 1024;
      if (joined.length > limit) {
        this.fail(
          new HttpParseError(
            wantHead ? "header section too large" : "chunk line too long",
            wantHead ? 431 : 400,
          ),
        );
        return -1;
      }
      this.buffered = [joined.slice()];
      this.bufferedBytes = joined.length;
      return -1;
    }
    const usedFromChunk = end + terminator.length - this.bufferedBytes;
    this.buffered = [];
    this.bufferedBytes = 0;
    const line = text.slice(0, end);
    end = offset + usedFromChunk;
    switch (this.state) {
      case "head":
        this.handleHead(line);
        break;
      case "chunk-size": {
        const sizeText = line.split(";")[0].trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) {
          this.fail(new HttpParseError(`bad chunk size "${sizeText}"`, 400));
          return -1;
        }
        this.remaining = Number.parseInt(sizeText, 16);
        this.state = this.remaining === 0 ? "trailers" : "chunk-data";
        break;
      }
      case "chunk-data-end":
        if (line !== "") {
          this.fail(new HttpParseError("chunk data not followed by CRLF", 400));
          return -1;
        }
        this.state = "chunk-size";
        break;
      case "trailers":
        if (line === "") this.finishMessage();
        break;
    }
    return end;
  }

  private handleHead(text: string): void {
    const lines = text.split(CRLF);
    const start = lines[0];
    const head: HttpHead = { version: "HTTP/1.1", headers: new Map() };
    if (this.kind === "request") {
      const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/\d\.\d)$/.exec(start);
      if (!match) {
        this.fail(new HttpParseError(`malformed request line "${start.slice(0, 80)}"`, 400));
        return;
      }
      [, head.method, head.target, head.version] = match;
    } else {
      const match = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(start);
      if (!match) {
        this.fail(new HttpParseError(`malformed status line "${start.slice(0, 80)}"`, 502));
        return;
      }
      head.version = match[1];
      head.status = Number(match[2]);
      head.reason = match[3] ?? "";
    }
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      // §5.1: no whitespace between the field name and the colon.
      if (colon <= 0 || /\s/.test(line[colon - 1])) {
        this.fail(new HttpParseError(`malformed header line "${line.slice(0, 80)}"`, 400));
        return;
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = head.headers.get(name);
      head.headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
    }
    this.events.onHead(head);
    this.startBody(head);
  }

  private startBody(head: HttpHead): void {
    const noBody =
      this.noBodyNext ||
      (head.status !== undefined && (head.status < 200 || head.status === 204 || head.status === 304));
    this.noBodyNext = false;
    const transferEncoding = head.headers.get("transfer-encoding");
    const contentLength = head.headers.get("content-length");
    if (noBody) {
      this.finishMessage();
      return;
    }
    if (transferEncoding !== undefined) {
      // §6.3 rule 3: chunked must be the final coding; Transfer-Encoding overrides Content-Length.
      if (!/(^|,)\s*chunked\s*$/i.test(transferEncoding)) {
        if (this.kind === "request") {
          this.fail(new HttpParseError(`unsupported transfer coding "${transferEncoding}"`, 501));
          return;
        }
        this.state = "body-close";
        return;
      }
      this.state = "chunk-size";
      return;
    }
    if (contentLength !== undefined) {
      // §6.3 rule 5: differing repeated values are an error.
      const values = new Set(contentLength.split(",").map((v) => v.trim()));
      const [value] = values;
      if (values.size !== 1 || !/^\d{1,15}$/.test(value)) {
        this.fail(new HttpParseError(`invalid Content-Length "${contentLength}"`, 400));
        return;
      }
      this.remaining = Number(value);
      if (this.remaining === 0) {
        this.finishMessage();
        return;
      }
      this.state = "body-length";
      return;
    }
    if (this.kind === "request") {
      this.finishMessage();
      return;
    }
    this.state = "body-close";
  }

  private finishMessage(): void {
    this.state = "head";
    this.messageEnded = true;
    this.events.onEnd();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Serializes a request line and headers, ending with the empty line. */
export function serializeRequestHead(
  method: string,
  target: string,
  headers: Iterable<[string, string]>,
): Uint8Array {
  let text = `${method} ${target} HTTP/1.1${CRLF}`;
  for (const [name, value] of headers) text += `${name}: ${value}${CRLF}`;
  return encoder.encode(text + CRLF);
}

const reasons: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  204: "No Content",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  411: "Length Required",
  413: "Content Too Large",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
};

export function reasonPhrase(status: number): string {
  return reasons[status] ?? "Unknown";
}

/** Serializes a status line and headers, ending with the empty line. */
export function serializeResponseHead(status: number, headers: Iterable<[string, string]>): Uint8Array {
  let text = `HTTP/1.1 ${status} ${reasonPhrase(status)}${CRLF}`;
  for (const [name, value] of headers) text += `${name}: ${value}${CRLF}`;
  return encoder.encode(text + CRLF);
}
