/**
 * Servers that keep serving in the background (`httpd`, `iperf -s`, `nc -l`) and the clients
 * that talk to them (`iperf -c`, `nc HOST PORT`). A server is a shell job: `jobs` lists it,
 * `kill N` stops it. What a server prints arrives while network time passes (during a later
 * command, or any time in real-time mode), prefixed with its node and name.
 */
import { bytesService } from "../../apps/http/bytes-service.js";
import { type HttpHandler, serveHttpConnection } from "../../apps/http/server.js";
import { runIperf3Client } from "../../apps/iperf3/client.js";
import { schedulerClock } from "../../apps/iperf3/clock.js";
import { Iperf3Server } from "../../apps/iperf3/server.js";
import type { Node } from "../../devices/node.js";
import { SECOND } from "../../sim/time.js";
import type { DgramSocket, RemoteInfo } from "../../socket/dgram.js";
import type { NetServer, NetSocket } from "../../socket/net.js";
import type { NodeCommand, NodeCommandContext } from "../command.js";
import { intOption, parseOptions, secondsOption, UsageError } from "../options.js";
import type { Shell } from "../shell.js";
import { resolveName } from "./dns.js";

/**
 * The address a server's banner names: the node's IPv4 address, or its IPv6 one on an IPv6-only
 * node (the servers listen on both families), or the wildcard when it has neither yet.
 */
function bannerAddress(node: Node): string {
  return (node.primaryAddress ?? node.primaryIpv6Address)?.toString() ?? "0.0.0.0";
}

/** Listens on `port`; resolves with the server, or throws the listen error in words. */
async function listen(server: NetServer, port: number, what: string): Promise<NetServer> {
  let failure: NodeJS.ErrnoException | undefined;
  server.once("error", (error: NodeJS.ErrnoException) => {
    failure = error;
  });
  server.listen(port);
  for (let i = 0; i < 4 && !server.listening && !failure; i++) await Promise.resolve();
  if (!server.listening) {
    const reason =
      failure?.code === "EADDRINUSE" ? "Address already in use" : (failure?.message ?? "cannot listen");
    throw new Error(`${what}: cannot listen on port ${port}: ${reason}`);
  }
  return server;
}

function portArgument(text: string | undefined, fallback: number): number {
  return intOption(text, "port", 1, 65535) ?? fallback;
}

const decoder = new TextDecoder();

// -------------------------------------------------------------------------------------------------
// httpd

const httpd: NodeCommand = {
  scope: "node",
  name: "httpd",
  summary:
    "serve HTTP in the background: GET /bytes/N (N test bytes), POST /upload (answers the body's sha-256)",
  usage: "httpd [-v] [PORT]",
  details: "PORT defaults to 80; -v logs each request. Stop it with kill (see jobs).",
  async run({ node, nodeName, args, out, shell }) {
    const options = parseOptions(args, [{ name: "verbose", short: "v" }]);
    if (options.positionals.length > 1)
      throw new UsageError(`unexpected argument "${options.positionals[1]}"`);
    const port = portArgument(options.positionals[0], 80);
    const source = `${nodeName} httpd`;
    const handler: HttpHandler = options.flags.has("verbose")
      ? (request, response) => {
          const writeHead = response.writeHead.bind(response);
          const send = response.send.bind(response);
          const log = (status: number) =>
            shell.notify(source, `"${request.method} ${request.target}" ${status}`);
          response.writeHead = (status, headers) => {
            log(status);
            writeHead(status, headers);
          };
          response.send = (status, body, headers) => {
            response.writeHead = writeHead;
            log(status);
            send(status, body, headers);
          };
          bytesService(request, response);
        }
      : bytesService;
    const server = await listen(
      node!.net.createServer((socket: NetSocket) => serveHttpConnection(socket, handler)),
      port,
      "httpd",
    );
    const address = bannerAddress(node!);
    const host = address.includes(":") ? `[${address}]` : address;
    const job = shell.addJob(nodeName, `httpd ${port}`, () => {
      server.close();
    });
    out.write(
      `[${job.id}] Serving HTTP on ${address} port ${port} (http://${host}${port === 80 ? "" : `:${port}`}/) ...\n`,
    );
    return { status: 0, data: { job: job.id, port } };
  },
};

// -------------------------------------------------------------------------------------------------
// iperf

let iperfRuns = 0;

function connector(node: Node) {
  return (host: string, port: number) =>
    new Promise<NetSocket>((resolve, reject) => {
      const socket = node.net.connect(port, host, () => resolve(socket));
      socket.once("error", reject);
    });
}

const iperf: NodeCommand = {
  scope: "node",
  name: "iperf",
  aliases: ["iperf3"],
  summary: "measure TCP throughput (iperf3): -s serves in the background, -c HOST measures",
  usage:
    "iperf -s [-p PORT] [-1] | iperf -c HOST [-p PORT] [-t SECONDS] [-n BYTES] [-P STREAMS] [-R] [-l LEN] [-i INTERVAL] [-O SECONDS] [-J]",
  details: "Speaks iperf 3.12's protocol: a real iperf3 can be either side through a TAP link.",
  async run(context) {
    const { args } = context;
    const options = parseOptions(args, [
      { name: "server", short: "s", long: "server" },
      { name: "client", short: "c", long: "client", value: true },
      { name: "port", short: "p", long: "port", value: true },
      { name: "time", short: "t", long: "time", value: true },
      { name: "bytes", short: "n", long: "bytes", value: true },
      { name: "blocks", short: "k", long: "blockcount", value: true },
      { name: "parallel", short: "P", long: "parallel", value: true },
      { name: "reverse", short: "R", long: "reverse" },
      { name: "length", short: "l", long: "length", value: true },
      { name: "interval", short: "i", long: "interval", value: true },
      { name: "omit", short: "O", long: "omit", value: true },
      { name: "json", short: "J", long: "json" },
      { name: "oneOff", short: "1", long: "one-off" },
      { name: "noDelay", short: "N", long: "no-delay" },
      { name: "serverOutput", long: "get-server-output" },
    ]);
    if (options.positionals.length > 0)
      throw new UsageError(`unexpected argument "${options.positionals[0]}"`);
    const port = portArgument(options.values.get("port"), 5201);
    if (options.flags.has("server") === options.values.has("client")) {
      throw new UsageError("choose -s (server) or -c HOST (client)");
    }
    if (options.flags.has("server"))
      return iperfServer(context, port, options.flags.has("oneOff"), options.flags.has("json"));
    const sizeOption = (name: string, what: string) => {
      const text = options.values.get(name);
      if (text === undefined) return undefined;
      const match = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text);
      if (!match) throw new UsageError(`invalid ${what} "${text}": e.g. 100M, 64K`);
      const factor = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[
        match[2].toUpperCase() as "" | "K" | "M" | "G"
      ];
      return Math.round(Number(match[1]) * factor);
    };
    const time = intOption(options.values.get("time"), "time", 1, 86400);
    const num = sizeOption("bytes", "byte count");
    const blockcount = intOption(options.values.get("blocks"), "block count", 1, 2 ** 31);
    const parallel = intOption(options.values.get("parallel"), "streams", 1, 128);
    const len = sizeOption("length", "length");
    const omit = intOption(options.values.get("omit"), "omit", 0, 600);
    const intervalText = options.values.get("interval");
    const interval = intervalText === undefined ? 1 : Number(intervalText);
    if (!(interval >= 0)) throw new UsageError(`invalid interval "${intervalText}"`);
    const { node, out, shell, signal } = context;
    const host = await resolveName(shell, node!, options.values.get("client")!, signal);
    if (typeof host !== "string") {
      out.write(`iperf3: error - unable to connect to server: ${host.message}\n`);
      return 1;
    }
    const scheduler = node!.scheduler;
    const random = scheduler.random.fork(`iperf:${node!.name}:${++iperfRuns}`);
    let result: Awaited<ReturnType<typeof runIperf3Client>> | undefined;
    let failure: Error | undefined;
    runIperf3Client({
      host,
      port,
      connect: connector(node!),
      clock: schedulerClock(scheduler),
      random: () => random.next(),
      interval,
      json: options.flags.has("json"),
      write: (line) => out.write(`${line}\n`),
      ...(time !== undefined ? { time } : {}),
      ...(num !== undefined ? { num } : {}),
      ...(blockcount !== undefined ? { blockcount } : {}),
      ...(parallel !== undefined ? { parallel } : {}),
      ...(len !== undefined ? { len } : {}),
      ...(omit !== undefined ? { omit } : {}),
      reverse: options.flags.has("reverse"),
      noDelay: options.flags.has("noDelay"),
      getServerOutput: options.flags.has("serverOutput"),
    }).then(
      (r) => {
        result = r;
      },
      (error: Error) => {
        failure = error;
      },
    );
    const limit = ((time ?? 10) + (omit ?? 0) + 120) * SECOND;
    await shell.driver.until(() => result !== undefined || failure !== undefined, { signal, limit });
    if (result) {
      return {
        status: 0,
        data: {
          sentBitsPerSecond: result.sentBitsPerSecond,
          receivedBitsPerSecond: result.receivedBitsPerSecond,
          sentBytes: result.sentBytes,
          receivedBytes: result.receivedBytes,
        },
      };
    }
    if (!failure) out.write("iperf3: interrupt - the client has terminated\n");
    return 1;
  },
};

async function iperfServer(
  context: NodeCommandContext,
  port: number,
  oneOff: boolean,
  json: boolean,
): Promise<{ status: number; data: unknown }> {
  const { node, nodeName, shell, out } = context;
  const scheduler = node!.scheduler;
  const random = scheduler.random.fork(`iperf-server:${nodeName}:${port}`);
  const source = `${nodeName} iperf3`;
  let netServer: NetServer | undefined;
  let job: ReturnType<Shell["addJob"]> | undefined;
  // iperf3's banner, before each test.
  const banner = (say: (line: string) => void) => {
    say("-----------------------------------------------------------");
    say(
      `Server listening on ${port} (test #${server.counters.testsCompleted + server.counters.testsFailed + 1})`,
    );
    say("-----------------------------------------------------------");
  };
  const server = new Iperf3Server({
    clock: schedulerClock(scheduler),
    random: () => random.next(),
    json,
    write: (line) => shell.notify(source, line),
    onTestDone: () => {
      if (oneOff && job) shell.stopJob(job.id);
      else banner((line) => shell.notify(source, line));
    },
  });
  netServer = await listen(
    node!.net.createServer((socket: NetSocket) => server.accept(socket)),
    port,
    "iperf3",
  );
  job = shell.addJob(nodeName, `iperf3 -s -p ${port}`, () => {
    netServer?.close();
  });
  out.write(`[${job.id}] iperf3 server on ${node!.primaryAddress ?? "0.0.0.0"} port ${port}\n`);
  banner((line) => out.write(`${line}\n`));
  return { status: 0, data: { job: job.id, port } };
}

// -------------------------------------------------------------------------------------------------
// nc

const nc: NodeCommand = {
  scope: "node",
  name: "nc",
  summary: "send and receive bytes over TCP or UDP (netcat): -l listens in the background",
  usage: "nc -l [-u] [-k] [--echo] PORT  |  nc [-u] [-z] [-v] [-w SECONDS] HOST PORT [TEXT ...]",
  details:
    "The listener prints what arrives (--echo also sends it back; -k keeps listening after a TCP peer leaves).\n" +
    "The client sends TEXT and a newline, then prints what comes back until the peer closes or -w seconds pass (default 2).\n" +
    "-z only checks that the TCP port accepts connections.",
  async run(context) {
    const options = parseOptions(context.args, [
      { name: "listen", short: "l" },
      { name: "udp", short: "u" },
      { name: "keep", short: "k" },
      { name: "echo", long: "echo" },
      { name: "zero", short: "z" },
      { name: "verbose", short: "v" },
      { name: "wait", short: "w", value: true },
      { name: "port", short: "p", value: true },
      { name: "numeric", short: "n" },
    ]);
    if (options.flags.has("listen")) {
      const [portText, extra] = options.positionals;
      if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
      const port = portArgument(portText ?? options.values.get("port"), 0);
      if (port === 0) throw new UsageError("name the port to listen on");
      return options.flags.has("udp")
        ? ncListenUdp(context, port, options.flags.has("echo"))
        : ncListenTcp(context, port, options.flags.has("echo"), options.flags.has("keep"));
    }
    const [host, portText, ...words] = options.positionals;
    if (host === undefined || portText === undefined) throw new UsageError("give a host and a port");
    const port = portArgument(portText, 0);
    const wait = secondsOption(options.values.get("wait"), "wait") ?? 2 * SECOND;
    const text = words.length > 0 ? `${words.join(" ")}\n` : "";
    if (options.flags.has("udp")) return ncSendUdp(context, host, port, text, wait);
    return ncConnect(
      context,
      host,
      port,
      text,
      wait,
      options.flags.has("zero"),
      options.flags.has("verbose"),
    );
  },
};

function printReceived(shell: Shell, source: string, data: Uint8Array): void {
  const text = decoder.decode(data).replace(/\n$/, "");
  for (const line of text.split("\n")) shell.notify(source, line);
}

async function ncListenTcp(context: NodeCommandContext, port: number, echo: boolean, keep: boolean) {
  const { node, nodeName, shell, out } = context;
  const source = `${nodeName} nc :${port}`;
  let job: ReturnType<Shell["addJob"]> | undefined;
  const server = await listen(
    node!.net.createServer((socket: NetSocket) => {
      shell.notify(source, `connection from ${socket.remoteAddress}:${socket.remotePort}`);
      socket.on("data", (chunk: Uint8Array) => {
        printReceived(shell, source, chunk);
        if (echo) socket.write(chunk);
      });
      socket.on("end", () => socket.end());
      socket.on("error", () => {});
      socket.on("close", () => {
        shell.notify(source, `${socket.remoteAddress ?? "peer"} closed the connection`);
        if (!keep && job) shell.stopJob(job.id);
      });
    }),
    port,
    "nc",
  );
  job = shell.addJob(nodeName, `nc -l ${port}`, () => {
    server.close();
  });
  out.write(`[${job.id}] listening on ${bannerAddress(node!)} port ${port} (tcp)\n`);
  return { status: 0, data: { job: job.id, port } };
}

async function ncListenUdp(context: NodeCommandContext, port: number, echo: boolean) {
  const { node, nodeName, shell, out, driver } = { ...context, driver: context.shell.driver };
  const source = `${nodeName} nc -u :${port}`;
  const socket: DgramSocket = node!.dgram.createSocket("udp4");
  let error: Error | undefined;
  let bound = false;
  socket.on("error", (e: Error) => {
    error = e;
  });
  socket.on("message", (message: Uint8Array, rinfo: RemoteInfo) => {
    shell.notify(
      source,
      `from ${rinfo.address}:${rinfo.port}: ${decoder.decode(message).replace(/\n$/, "")}`,
    );
    if (echo) socket.send(message, rinfo.port, rinfo.address);
  });
  socket.bind(port, () => {
    bound = true;
  });
  await driver.until(() => bound || error !== undefined, { limit: SECOND });
  if (!bound) throw new Error(`nc: cannot bind UDP port ${port}: ${error?.message ?? "no answer"}`);
  const job = shell.addJob(nodeName, `nc -u -l ${port}`, () => {
    socket.close();
  });
  out.write(`[${job.id}] listening on ${bannerAddress(node!)} port ${port} (udp)\n`);
  return { status: 0, data: { job: job.id, port } };
}

async function ncConnect(
  context: NodeCommandContext,
  host: string,
  port: number,
  text: string,
  wait: number,
  zero: boolean,
  verbose: boolean,
) {
  const { node, shell, out, err, signal } = context;
  const socket = node!.net.connect(port, host);
  let connected = false;
  let closed = false;
  let failure: NodeJS.ErrnoException | undefined;
  const received: Uint8Array[] = [];
  socket.on("connect", () => {
    connected = true;
    if (verbose || zero) err.write(`Connection to ${host} ${port} port [tcp/*] succeeded!\n`);
    if (zero) {
      socket.end();
      return;
    }
    if (text) socket.write(new TextEncoder().encode(text));
    socket.end(); // we have nothing more to say (netcat -N)
  });
  socket.on("data", (chunk: Uint8Array) => {
    received.push(chunk);
    out.write(decoder.decode(chunk, { stream: true }));
  });
  socket.on("error", (error: NodeJS.ErrnoException) => {
    failure = error;
  });
  socket.on("close", () => {
    closed = true;
  });
  await shell.driver.until(() => closed || failure !== undefined || (connected && zero), {
    signal,
    limit: 75 * SECOND,
  });
  if (!connected) {
    socket.destroy();
    const reason =
      failure?.code === "ECONNREFUSED"
        ? "Connection refused"
        : failure?.code === "EHOSTUNREACH"
          ? "No route to host"
          : failure?.code === "ENETUNREACH"
            ? "Network is unreachable"
            : "Connection timed out";
    err.write(`nc: connect to ${host} port ${port} (tcp) failed: ${reason}\n`);
    return 1;
  }
  if (!closed && !zero) await shell.driver.until(() => closed, { signal, limit: wait });
  socket.destroy();
  const bytes = received.reduce((n, c) => n + c.length, 0);
  return { status: 0, data: { sent: text.length, received: bytes } };
}

async function ncSendUdp(
  context: NodeCommandContext,
  host: string,
  port: number,
  text: string,
  wait: number,
) {
  const { node, shell, out, signal } = context;
  const socket: DgramSocket = node!.dgram.createSocket("udp4");
  let failure: NodeJS.ErrnoException | undefined;
  let replies = 0;
  socket.on("error", (error: NodeJS.ErrnoException) => {
    failure = error;
  });
  socket.on("message", (message: Uint8Array) => {
    replies++;
    out.write(decoder.decode(message));
  });
  socket.connect(port, host, () => socket.send(new TextEncoder().encode(text || "\n")));
  await shell.driver.until(() => failure !== undefined, { signal, limit: wait });
  socket.close();
  if (failure) {
    context.err.write(`nc: ${failure.code === "ECONNREFUSED" ? "Connection refused" : failure.message}\n`);
    return 1;
  }
  return { status: 0, data: { replies } };
}

export const serviceCommands: readonly NodeCommand[] = [httpd, iperf, nc];
