/**
 * The web lab's HTTP and WebSocket server (Node only, like src/cli). It serves:
 *
 *   GET /                the page (dist/web/index.html, built by scripts/build-web)
 *   GET /assets/...      the page's scripts, styles and fonts (dist/web/assets/); nothing outside
 *   GET /capture.pcapng  every frame kept so far, one pcapng interface per node:interface
 *   GET /topology.yml    the topology with the page's edits, as a file `tinkernet validate` accepts
 *   GET /ws              the WebSocket (src/web/protocol.ts)
 *
 * and nothing else. It binds 127.0.0.1 unless told otherwise. A WebSocket from another origin
 * (a web site the user visits trying to reach the lab on localhost) is refused, and so is a
 * request whose Host header is not the server's own name (DNS rebinding). Every message from
 * the page is checked by `validateClientMessage` before anything is done; a bad one gets an
 * `error` reply and is counted. The page can run nothing but the lab's own shell commands.
 */
import { readFile, realpath } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type WebSocket, WebSocketServer } from "ws";
import type { ShellOutput } from "../../shell/io.js";
import {
  type ClientMessage,
  type LabChangedMessage,
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_SESSIONS,
  MAX_SHELL_LINE,
  PROTOCOL_VERSION,
  type ServerMessage,
  validateClientMessage,
} from "../protocol.js";
import { cappedOutput, type WebLab } from "./lab.js";
import { packetMessage } from "./packet.js";

/** dist/web, found from this module (dist/src/web/server/) up to dist/. */
export const DEFAULT_ASSETS = fileURLToPath(new URL("../../../web/", import.meta.url));

export interface LabServerOptions {
  lab: WebLab;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** The built page: a directory with index.html and assets/ (default dist/web). */
  assets?: string;
}

export interface LabServerStats {
  /** Messages from pages that were refused (invalid, oversized, unknown). */
  invalidMessages: number;
  /** Messages handled. */
  messages: number;
  connections: number;
}

/** Requests one page may have waiting in the lab's queue. */
export const MAX_PENDING = 64;
/** The requests that wait in the lab's queue. */
const QUEUED: ReadonlySet<string> = new Set(["shell-input", "run", "edit-link", "link-state", "add-host"]);

/** Events per `events` message. */
const EVENTS_PER_MESSAGE = 2000;
/** Stop sending events to a page while this much is waiting in its socket. */
const BACKPRESSURE_BYTES = 4 * 1024 * 1024;
/** Frames larger than this close the socket (ws's own limit); smaller oversized ones get an error. */
const HARD_MESSAGE_LIMIT = 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".txt": "text/plain; charset=utf-8",
};

interface Session {
  node: string | undefined;
  running: Set<AbortController>;
}

class Client {
  /** The next event sequence number to send. */
  cursor = 0;
  readonly sessions = new Map<string, Session>();
  invalid = 0;
  /** Requests waiting in the lab's queue (commands, runs, edits). */
  pending = 0;
  /** Aborted when the page goes away: its `run`s stop. */
  readonly gone = new AbortController();
  constructor(readonly socket: WebSocket) {}

  send(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }
}

export class LabServer {
  readonly stats: LabServerStats = { invalidMessages: 0, messages: 0, connections: 0 };
  private readonly clients = new Set<Client>();
  private readonly wss: WebSocketServer;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly assets: string;
  private host = "127.0.0.1";
  private port = 0;
  /** The edit being handled, so the change it causes answers it. */
  private request: { client: Client; id: number | undefined; answered: boolean } | undefined;

  constructor(
    readonly lab: WebLab,
    private readonly http: Server,
    assets: string,
  ) {
    this.assets = resolve(assets);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MESSAGE_LIMIT });
    lab.log.onAppend = () => this.scheduleFlush();
    lab.onChange = () => this.broadcastChange();
    lab.onBackgroundOutput = (text) => {
      for (const client of this.clients)
        for (const session of client.sessions.keys()) client.send({ type: "shell-output", session, text });
    };
    http.on("request", (req, res) => {
      this.handleHttp(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("internal error\n");
      });
    });
    http.on("upgrade", (req, socket, head) => {
      if (!this.allowedHost(req) || pathOf(req) !== "/ws" || !this.sameOrigin(req)) {
        socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws));
    });
  }

  get url(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${this.port}/`;
  }

  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  /** @internal */
  listening(host: string, port: number): void {
    this.host = host;
    this.port = port;
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const client of this.clients) {
      for (const session of client.sessions.values()) for (const c of session.running) c.abort();
      client.socket.terminate();
    }
    this.wss.close();
    await new Promise<void>((done) => {
      this.http.close(() => done());
      this.http.closeAllConnections?.();
    });
    await this.lab.close();
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  /** The Host header must name this server (a name that resolves elsewhere is DNS rebinding). */
  private allowedHost(req: IncomingMessage): boolean {
    const host = req.headers.host;
    if (host === undefined) return true;
    const name = host
      .replace(/:\d+$/, "")
      .replace(/^\[|\]$/g, "")
      .toLowerCase();
    if (this.host !== "127.0.0.1" && this.host !== "::1" && this.host !== "localhost") return true;
    return name === "127.0.0.1" || name === "localhost" || name === "::1";
  }

  /** A browser's WebSocket says where its page came from: only the lab's own page may connect. */
  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser (tests, tools): nothing to protect from
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = this.securityHeaders(req);
    if (!this.allowedHost(req)) return text(res, 403, "forbidden host\n", headers);
    if (req.method !== "GET" && req.method !== "HEAD") {
      return text(res, 405, "method not allowed\n", { ...headers, allow: "GET, HEAD" });
    }
    const path = pathOf(req);
    if (path === undefined) return text(res, 400, "bad request\n", headers);
    if (path === "/" || path === "/index.html")
      return this.sendFile(res, req, join(this.assets, "index.html"), headers);
    if (path.startsWith("/assets/")) {
      const file = await this.assetPath(path.slice("/assets/".length));
      if (!file) return text(res, 404, "not found\n", headers);
      return this.sendFile(res, req, file, headers);
    }
    if (path === "/capture.pcapng") {
      // Not through the queue: a download must not wait for a long command, and between two
      // slices of simulation the log is whole.
      const bytes = this.lab.capture();
      return send(res, req, 200, bytes, {
        ...headers,
        "content-type": "application/vnd.tcpdump.pcap",
        "content-disposition": `attachment; filename="${safeName(this.lab.snapshot().name)}.pcapng"`,
      });
    }
    if (path === "/topology.yml") {
      const yaml = this.lab.topologyYaml();
      return send(res, req, 200, Buffer.from(yaml), {
        ...headers,
        "content-type": "application/yaml; charset=utf-8",
        "content-disposition": `attachment; filename="${safeName(this.lab.snapshot().name)}.yml"`,
      });
    }
    return text(res, 404, "not found\n", headers);
  }

  /**
   * `rel` (already URL-decoded) inside the assets directory, or undefined: no `..`, no absolute
   * paths, no backslashes or NULs, and after resolving symbolic links still inside.
   */
  private async assetPath(rel: string): Promise<string | undefined> {
    if (rel === "" || rel.includes("\0") || rel.includes("\\")) return undefined;
    const parts = rel.split("/");
    if (parts.some((p) => p === ".." || p === "." || p === "")) return undefined;
    const root = join(this.assets, "assets");
    const candidate = resolve(root, rel);
    if (!candidate.startsWith(root + sep)) return undefined;
    try {
      const [real, realRoot] = await Promise.all([realpath(candidate), realpath(root)]);
      return real.startsWith(realRoot + sep) ? real : undefined;
    } catch {
      return undefined;
    }
  }

  private async sendFile(
    res: ServerResponse,
    req: IncomingMessage,
    file: string,
    headers: Record<string, string>,
  ): Promise<void> {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      if (file.endsWith("index.html"))
        return text(
          res,
          503,
          "The web lab's page is not built: run `npm run build:web` (or `node scripts/build-web.mjs`).\n",
          headers,
        );
      return text(res, 404, "not found\n", headers);
    }
    send(res, req, 200, data, {
      ...headers,
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-cache",
    });
  }

  private securityHeaders(req: IncomingMessage): Record<string, string> {
    const host = req.headers.host ?? `${this.host}:${this.port}`;
    return {
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      // Everything is served from here; the page talks only to its own WebSocket.
      "content-security-policy": `default-src 'self'; connect-src 'self' ws://${host}; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'none'`,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // WebSocket

  private connect(socket: WebSocket): void {
    const client = new Client(socket);
    this.clients.add(client);
    this.stats.connections++;
    const log = this.lab.log;
    client.cursor = log.firstSeq;
    client.send({
      type: "hello",
      version: PROTOCOL_VERSION,
      lab: this.lab.snapshot(),
      time: this.lab.time,
      script: this.lab.script,
      limits: {
        maxEvents: log.maxEvents,
        maxMessageBytes: MAX_CLIENT_MESSAGE_BYTES,
        maxShellLine: MAX_SHELL_LINE,
        maxSessions: MAX_SESSIONS,
      },
      firstSeq: log.firstSeq,
    });
    this.scheduleFlush(0);
    socket.on("message", (data, isBinary) => {
      if (isBinary) return this.refuse(client, "messages must be JSON text");
      const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (raw.length > MAX_CLIENT_MESSAGE_BYTES)
        return this.refuse(client, `message too large (limit ${MAX_CLIENT_MESSAGE_BYTES} bytes)`);
      const checked = validateClientMessage(raw.toString("utf8"));
      if (!checked.ok) {
        return this.refuse(client, checked.error, checked.request, checked.id);
      }
      this.stats.messages++;
      const queued = QUEUED.has(checked.message.type);
      if (queued && client.pending >= MAX_PENDING)
        return this.fail(
          client,
          checked.message,
          `${MAX_PENDING} requests are already waiting: wait for their answers before sending more`,
        );
      if (queued) client.pending++;
      this.handle(client, checked.message)
        .finally(() => {
          if (queued) client.pending--;
        })
        .catch((error: Error) => {
          client.send({
            type: "error",
            message: `${checked.message.type}: ${error.message}`,
            request: checked.message.type,
            ...(checked.message.id !== undefined ? { replyTo: checked.message.id } : {}),
          });
        });
    });
    socket.on("close", () => {
      this.clients.delete(client);
      client.gone.abort();
      for (const session of client.sessions.values()) for (const c of session.running) c.abort();
    });
    socket.on("error", () => {
      // A broken connection (a frame over the hard limit, a reset): forget the page.
      this.clients.delete(client);
    });
  }

  private refuse(client: Client, message: string, request?: string, id?: number): void {
    this.stats.invalidMessages++;
    client.invalid++;
    client.send({
      type: "error",
      message,
      ...(request !== undefined ? { request } : {}),
      ...(id !== undefined ? { replyTo: id } : {}),
    });
  }

  private fail(client: Client, message: ClientMessage, text: string): void {
    client.send({
      type: "error",
      message: text,
      request: message.type,
      ...(message.id !== undefined ? { replyTo: message.id } : {}),
    });
  }

  private async handle(client: Client, message: ClientMessage): Promise<void> {
    const replyTo = message.id !== undefined ? { replyTo: message.id } : {};
    const lab = this.lab;
    switch (message.type) {
      case "get-packet": {
        const packet = packetMessage(lab.log, message.frameId);
        if (typeof packet === "string") return this.fail(client, message, packet);
        client.send({ ...packet, ...replyTo });
        return;
      }
      case "shell-open": {
        if (!client.sessions.has(message.session) && client.sessions.size >= MAX_SESSIONS)
          return this.fail(client, message, `at most ${MAX_SESSIONS} terminals at once`);
        if (message.node !== undefined && !lab.hasNode(message.node))
          return this.fail(client, message, `no node named "${message.node}"`);
        const existing = client.sessions.get(message.session);
        if (existing) for (const c of existing.running) c.abort();
        client.sessions.set(message.session, { node: message.node, running: new Set() });
        client.send({
          type: "shell-output",
          session: message.session,
          text: `${message.node ?? "lab"}: the lab's shell (type help for the commands)\n`,
        });
        return;
      }
      case "shell-input": {
        const session = client.sessions.get(message.session);
        if (!session)
          return this.fail(client, message, `no terminal "${message.session}": send shell-open first`);
        const abort = new AbortController();
        session.running.add(abort);
        const write = (stderr: boolean) => (text: string) =>
          client.send({
            type: "shell-output",
            session: message.session,
            text,
            ...(stderr ? { stderr: true } : {}),
          });
        const out: ShellOutput = cappedOutput(write(false));
        const err: ShellOutput = cappedOutput(write(true));
        let code: number;
        try {
          code = await lab.enqueue(() =>
            abort.signal.aborted ? 130 : lab.execute(session.node, message.line, out, err, abort.signal),
          );
        } finally {
          session.running.delete(abort);
        }
        this.flush();
        client.send({ type: "shell-exit", session: message.session, code, ...replyTo });
        return;
      }
      case "shell-interrupt": {
        const session = client.sessions.get(message.session);
        if (!session) return this.fail(client, message, `no terminal "${message.session}"`);
        for (const c of session.running) c.abort();
        return;
      }
      case "shell-close": {
        const session = client.sessions.get(message.session);
        if (session) for (const c of session.running) c.abort();
        client.sessions.delete(message.session);
        return;
      }
      case "shell-complete": {
        const session = client.sessions.get(message.session);
        if (!session) return this.fail(client, message, `no terminal "${message.session}"`);
        const { candidates, start } = lab.complete(session.node, message.line);
        client.send({
          type: "completions",
          session: message.session,
          candidates: candidates.slice(0, 200),
          start,
          ...replyTo,
        });
        return;
      }
      case "edit-link":
        return this.edit(client, message, () => lab.editLink(message.link, message.impairments));
      case "link-state":
        return this.edit(client, message, () => lab.setLinkState(message.link, message.up));
      case "add-host":
        return this.edit(client, message, () => lab.addHost(message.name, message.attachTo.node));
      case "run": {
        await lab.enqueue(() =>
          client.gone.signal.aborted ? undefined : lab.run(message.duration, client.gone.signal),
        );
        this.flush();
        client.send({ type: "run-done", time: lab.time, ...replyTo });
        return;
      }
    }
  }

  /** Runs an edit; the change it makes answers the request (and reaches every other page). */
  private async edit(
    client: Client,
    message: ClientMessage,
    action: () => { ok: true } | { ok: false; error: string },
  ): Promise<void> {
    const result = await this.lab.enqueue(() => {
      this.request = { client, id: message.id, answered: false };
      try {
        return { outcome: action(), answered: this.request.answered };
      } finally {
        this.request = undefined;
      }
    });
    this.flush();
    if (!result.outcome.ok) return this.fail(client, message, result.outcome.error);
    if (!result.answered)
      client.send({
        type: "lab-changed",
        lab: this.lab.snapshot(),
        ...(message.id !== undefined ? { replyTo: message.id } : {}),
      });
  }

  private broadcastChange(): void {
    const lab = this.lab.snapshot();
    for (const client of this.clients) {
      const message: LabChangedMessage = { type: "lab-changed", lab };
      if (this.request?.client === client) {
        this.request.answered = true;
        if (this.request.id !== undefined) message.replyTo = this.request.id;
      }
      client.send(message);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Streaming events

  private scheduleFlush(delay = 30): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, delay);
  }

  /** Sends each page the events it has not seen, as far as its socket keeps up. */
  flush(): void {
    const log = this.lab.log;
    let behind = false;
    for (const client of this.clients) {
      if (client.cursor < log.firstSeq) client.cursor = log.firstSeq;
      while (client.cursor < log.endSeq) {
        if (client.socket.bufferedAmount > BACKPRESSURE_BYTES) {
          behind = true;
          break;
        }
        const events = log.slice(client.cursor, EVENTS_PER_MESSAGE);
        if (events.length === 0) break;
        client.cursor = events[events.length - 1].seq + 1;
        client.send({ type: "events", events, time: this.lab.time });
      }
    }
    if (behind) this.scheduleFlush(50);
  }
}

/** The request's path, URL-decoded, or undefined when it cannot be read. */
function pathOf(req: IncomingMessage): string | undefined {
  try {
    const url = new URL(req.url ?? "/", "http://lab");
    return decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_") || "lab";
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  body: Uint8Array,
  headers: Record<string, string>,
): void {
  res.writeHead(status, { ...headers, "content-length": String(body.length) });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Starts the server; resolves once it listens. */
export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const http = createServer();
  const server = new LabServer(options.lab, http, options.assets ?? DEFAULT_ASSETS);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((done, fail) => {
    http.once("error", fail);
    http.listen(options.port ?? 0, host, () => {
      http.off("error", fail);
      done();
    });
  });
  const address = http.address() as AddressInfo;
  server.listening(address.address, address.port);
  return server;
}
