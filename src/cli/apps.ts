/**
 * Your own programs on emulated hosts: `tinkernet run lab.yml --app h2:./server.js --app
 * "h1:./client.js 10.0.2.10 hello"`. A module exports `main(host, args)` and uses `host.net`,
 * `host.dgram` and `host.http` exactly as it would use Node's `net`, `dgram` and `http` modules,
 * but its sockets live on the emulated host. Time is the network's: `host.setTimeout` and
 * `host.sleep` run on the virtual clock (Node's own timers run on the wall clock, which a
 * virtual-time run races past).
 *
 * Whatever the program prints with `console.log` (or `console.error`, ...) is prefixed with its
 * host's name. Programs run together in one JavaScript realm, so the host is found from the async
 * context: `main` runs inside an AsyncLocalStorage context, and event listeners added to the
 * emulated sockets are bound to the context in which they were added (AsyncResource.bind), so a
 * `data` handler of h2's server prints as h2 even though the simulator calls it.
 */
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import * as nodeHttp from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import type { Node } from "../devices/node.js";
import { MILLISECOND } from "../sim/time.js";
import { DgramSocket } from "../socket/dgram.js";
import { NetServer, NetSocket } from "../socket/net.js";

interface AppContext {
  host: string;
}

const context = new AsyncLocalStorage<AppContext>();

/** What `main(host, args)` receives. */
export interface AppHost {
  /** The host's name, e.g. "h2". */
  readonly name: string;
  /** Its first IPv4 address. */
  readonly address: string | undefined;
  /** Node's `net` API on this host. */
  readonly net: Node["net"];
  /** Node's `dgram` API on this host. */
  readonly dgram: Node["dgram"];
  /** Node's `http` API (createServer, request, get) over this host's TCP. */
  readonly http: AppHttp;
  /** Virtual-time timers. */
  setTimeout(callback: () => void, ms: number): { cancel(): void };
  clearTimeout(timer: { cancel(): void } | undefined): void;
  setInterval(callback: () => void, ms: number): { cancel(): void };
  clearInterval(timer: { cancel(): void } | undefined): void;
  /** Resolves after `ms` of network time. */
  sleep(ms: number): Promise<void>;
  /** Network time in milliseconds. */
  now(): number;
  /** The emulated node itself (routes, interfaces, counters). */
  readonly node: Node;
}

export interface AppHttp {
  createServer(handler?: nodeHttp.RequestListener): nodeHttp.Server;
  request(
    url: string | nodeHttp.RequestOptions,
    callback?: (response: nodeHttp.IncomingMessage) => void,
  ): nodeHttp.ClientRequest;
  get(
    url: string | nodeHttp.RequestOptions,
    callback?: (response: nodeHttp.IncomingMessage) => void,
  ): nodeHttp.ClientRequest;
  readonly STATUS_CODES: typeof nodeHttp.STATUS_CODES;
}

function httpFor(node: Node): AppHttp {
  const request = (
    url: string | nodeHttp.RequestOptions,
    callback?: (response: nodeHttp.IncomingMessage) => void,
  ): nodeHttp.ClientRequest => {
    const options: nodeHttp.RequestOptions =
      typeof url === "string"
        ? (() => {
            const parsed = new URL(url);
            return {
              host: parsed.hostname,
              port: parsed.port === "" ? 80 : Number(parsed.port),
              path: `${parsed.pathname}${parsed.search}`,
            };
          })()
        : { ...url };
    const host = options.hostname ?? options.host ?? "127.0.0.1";
    const port = Number(options.port ?? 80);
    // No agent: with one, Node's http would open a real socket (an Agent ignores createConnection).
    return nodeHttp.request(
      {
        ...options,
        host,
        port,
        agent: undefined,
        createConnection: () => node.net.createConnection(port, host) as never,
      },
      callback,
    );
  };
  return {
    createServer(handler) {
      const server = handler ? nodeHttp.createServer(handler) : nodeHttp.createServer();
      let listener: NetServer | undefined;
      // listen() and close() act on the emulated host's TCP; requests flow through Node's http.
      server.listen = ((...args: unknown[]) => {
        listener = node.net.createServer((socket: NetSocket) => server.emit("connection", socket));
        listener.on("listening", () => server.emit("listening"));
        listener.on("error", (error: Error) => server.emit("error", error));
        listener.listen(...args);
        return server;
      }) as typeof server.listen;
      server.close = ((callback?: (error?: Error) => void) => {
        listener?.close(callback);
        return server;
      }) as typeof server.close;
      server.address = () => listener?.address() ?? null;
      return server;
    },
    request,
    get(url, callback) {
      const req = request(url, callback);
      req.end();
      return req;
    },
    STATUS_CODES: nodeHttp.STATUS_CODES,
  };
}

export function makeAppHost(node: Node): AppHost {
  const scheduler = node.scheduler;
  const timer = (callback: () => void, ms: number, repeat: boolean) => {
    const bound = AsyncResource.bind(callback);
    const delay = Math.max(0, Math.round(ms * MILLISECOND));
    let current = scheduler.after(delay, function fire() {
      if (repeat) current = scheduler.after(Math.max(MILLISECOND, delay), fire);
      scheduler.requestYield();
      bound();
    });
    return { cancel: () => scheduler.cancel(current) };
  };
  return {
    name: node.name,
    get address() {
      return node.primaryAddress?.toString();
    },
    net: node.net,
    dgram: node.dgram,
    http: httpFor(node),
    setTimeout: (callback, ms) => timer(callback, ms, false),
    clearTimeout: (t) => t?.cancel(),
    setInterval: (callback, ms) => timer(callback, ms, true),
    clearInterval: (t) => t?.cancel(),
    sleep: (ms) => new Promise((done) => timer(done, ms, false)),
    now: () => scheduler.now / MILLISECOND,
    node,
  };
}

let installed = false;

/**
 * Binds listeners added to emulated sockets, servers and datagram sockets to the app context
 * they were added in, and prefixes console output made in an app context with its host's name.
 * Installed once, the first time apps run; outside app contexts nothing changes.
 */
function installContextHooks(write: (text: string) => void): void {
  if (installed) return;
  installed = true;
  for (const type of [NetSocket, NetServer, DgramSocket] as unknown as {
    prototype: Record<string, unknown>;
  }[]) {
    for (const method of ["on", "addListener", "once", "prependListener", "prependOnceListener"]) {
      const original = type.prototype[method] as ((event: string, listener: unknown) => unknown) | undefined;
      if (typeof original !== "function") continue;
      type.prototype[method] = function (this: unknown, event: string, listener: unknown) {
        if (context.getStore() === undefined || typeof listener !== "function")
          return original.call(this, event, listener);
        const bound = AsyncResource.bind(listener as (...args: unknown[]) => unknown) as ((
          ...args: unknown[]
        ) => unknown) & {
          listener?: unknown;
        };
        bound.listener = listener; // so removeListener(listener) still finds it
        return original.call(this, event, bound);
      };
    }
  }
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const store = context.getStore();
      if (!store) return original(...args);
      const text = format(...args);
      write(
        `${text
          .split("\n")
          .map((line) => `[${store.host}] ${line}`)
          .join("\n")}\n`,
      );
    };
  }
}

export interface AppSpec {
  node: string;
  module: string;
  args: string[];
}

/** `h2:./server.js`, `h1:./client.js 10.0.2.10 hello` → node, module path, arguments. */
export function parseAppSpec(text: string): AppSpec | string {
  const colon = text.indexOf(":");
  if (colon <= 0) return `--app "${text}": expected NODE:MODULE [ARGS...], e.g. h2:./server.js`;
  const [module, ...args] = text
    .slice(colon + 1)
    .trim()
    .split(/\s+/);
  if (!module) return `--app "${text}": name the module after the colon`;
  return { node: text.slice(0, colon), module, args };
}

/** A loaded app, ready to start. */
export type AppMain = (host: AppHost, args: string[]) => unknown;

/** Imports the module and finds its `main(host, args)` (a named export, or the default export). */
export async function loadApp(spec: AppSpec): Promise<AppMain> {
  const url = pathToFileURL(resolve(spec.module)).href;
  let module: { main?: unknown; default?: unknown };
  try {
    module = (await import(url)) as typeof module;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_UNKNOWN_FILE_EXTENSION") {
      throw new Error(
        `cannot load ${spec.module}: this Node.js runs JavaScript modules; compile it first (npx tsc) or use Node.js 22.6+ with --experimental-strip-types`,
      );
    }
    if (code === "ERR_MODULE_NOT_FOUND") throw new Error(`cannot load ${spec.module}: no such module`);
    throw new Error(`cannot load ${spec.module}: ${(error as Error).message}`);
  }
  const main =
    typeof module.main === "function"
      ? module.main
      : typeof (module.default as { main?: unknown } | undefined)?.main === "function"
        ? (module.default as { main: unknown }).main
        : typeof module.default === "function"
          ? module.default
          : undefined;
  if (typeof main !== "function") throw new Error(`${spec.module} exports no main(host, args) function`);
  return main as AppMain;
}

/**
 * Starts `main(host, args)` on `node`, in the host's context; resolves or rejects when main's
 * promise does (at once when main returns something else). `write` takes the prefixed console
 * output.
 */
export async function startApp(
  node: Node,
  main: AppMain,
  args: string[],
  write: (text: string) => void,
): Promise<unknown> {
  installContextHooks(write);
  const host = makeAppHost(node);
  return context.run({ host: node.name }, () => main(host, args));
}
