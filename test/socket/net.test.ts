import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { test } from "node:test";
import { driveUntil } from "../../src/sim/async-driver.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { createNetApi, type NetSocket } from "../../src/socket/net.js";
import { MemoryStreamTransport } from "../support/memory-stream.js";

function setup(capacity?: number) {
  const scheduler = new Scheduler({ seed: 1 });
  const net = createNetApi({ scheduler, transport: new MemoryStreamTransport(scheduler, capacity) });
  return { scheduler, net };
}

test("echo: connect, data both ways, end and close events in Node's order", async () => {
  const { scheduler, net } = setup();
  const serverEvents: string[] = [];
  const server = net.createServer((socket: NetSocket) => {
    serverEvents.push(`connection from ${socket.remoteAddress}`);
    socket.on("data", (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
    socket.on("end", () => serverEvents.push("end"));
    socket.on("close", () => serverEvents.push("close"));
  });
  server.listen(7);
  const client = net.connect(7, "10.0.0.2");
  const clientEvents: string[] = [];
  let received = "";
  client.on("connect", () => {
    clientEvents.push("connect");
    client.write("hello, ");
    client.write("world");
  });
  client.on("data", (chunk: Buffer) => {
    received += chunk.toString();
    if (received === "HELLO, WORLD") client.end();
  });
  client.on("end", () => clientEvents.push("end"));
  client.on("close", (hadError: boolean) => clientEvents.push(`close ${hadError}`));
  assert.ok(
    await driveUntil(scheduler, () => clientEvents.includes("close false") && serverEvents.includes("close")),
  );
  assert.deepEqual(clientEvents, ["connect", "end", "close false"]);
  assert.deepEqual(serverEvents, ["connection from 10.0.0.1", "end", "close"]);
  assert.equal(client.bytesWritten, 12);
  assert.equal(client.bytesRead, 12);
});

test("half-close with allowHalfOpen: the server keeps writing after the client's FIN", async () => {
  const { scheduler, net } = setup();
  net
    .createServer({ allowHalfOpen: true }, (socket: NetSocket) => {
      let total = 0;
      socket.on("data", (c: Buffer) => {
        total += c.length;
      });
      socket.on("end", () => socket.end(`got ${total}`));
    })
    .listen(9);
  const client = net.connect({ port: 9, host: "10.0.0.2", allowHalfOpen: true });
  let reply = "";
  let closed = false;
  client.on("connect", () => client.end(Buffer.alloc(1000)));
  client.on("data", (c: Buffer) => {
    reply += c.toString();
  });
  client.on("close", () => {
    closed = true;
  });
  assert.ok(await driveUntil(scheduler, () => closed));
  assert.equal(reply, "got 1000");
});

test("backpressure: write() returns false, drain follows, a paused reader holds the sender back", async () => {
  const { scheduler, net } = setup(16 * 1024);
  let serverSocket: NetSocket | undefined;
  net
    .createServer((socket: NetSocket) => {
      serverSocket = socket;
      socket.pause();
    })
    .listen(5001);
  const client = net.connect(5001, "10.0.0.2");
  const data = Buffer.alloc(1 << 20, 7);
  let accepted: boolean | undefined;
  let drained = false;
  client.on("connect", () => {
    accepted = client.write(data);
  });
  client.on("drain", () => {
    drained = true;
  });
  await driveUntil(scheduler, () => false, { deadline: scheduler.now + 200_000_000 });
  assert.equal(accepted, false);
  assert.equal(drained, false, "nothing drains while the reader is paused");
  let received = 0;
  serverSocket!.on("data", (c: Buffer) => {
    received += c.length;
  });
  serverSocket!.resume();
  assert.ok(await driveUntil(scheduler, () => drained && received === data.length));
});

test("errors carry Node's codes: ECONNREFUSED on connect, EADDRINUSE on listen", async () => {
  const { scheduler, net } = setup();
  const client = net.connect(81, "10.0.0.2");
  let error: NodeJS.ErrnoException | undefined;
  client.on("error", (e: NodeJS.ErrnoException) => {
    error = e;
  });
  assert.ok(await driveUntil(scheduler, () => error !== undefined));
  assert.equal(error!.code, "ECONNREFUSED");
  assert.equal(error!.syscall, "connect");
  net.createServer().listen(80);
  let listenError: NodeJS.ErrnoException | undefined;
  net
    .createServer()
    .on("error", (e: NodeJS.ErrnoException) => {
      listenError = e;
    })
    .listen(80);
  assert.ok(await driveUntil(scheduler, () => listenError !== undefined));
  assert.equal(listenError!.code, "EADDRINUSE");
});

test("setTimeout fires in virtual time after idleness", async () => {
  const { scheduler, net } = setup();
  net.createServer(() => {}).listen(22);
  const client = net.connect(22, "10.0.0.2");
  let firedAt: number | undefined;
  client.setTimeout(5000, () => {
    firedAt = scheduler.now;
  });
  assert.ok(await driveUntil(scheduler, () => firedAt !== undefined));
  assert.ok(firedAt! >= 5_000_000_000 && firedAt! < 5_010_000_000, `fired at ${firedAt}`);
  client.destroy();
});

test("Node's own http.Server and http.request run over our sockets (4 MiB with digest)", async () => {
  const { scheduler, net } = setup();
  const body = Buffer.alloc(4 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
  const digest = createHash("sha256").update(body).digest("base64");
  const httpServer = createHttpServer((_req, res) => {
    res.writeHead(200, { "Content-Length": body.length, Digest: `sha-256=${digest}` });
    res.end(body);
  });
  net.createServer((socket: NetSocket) => httpServer.emit("connection", socket)).listen(80);
  let result: { status?: number; digestHeader?: string; hash?: string } | undefined;
  const req = httpRequest(
    {
      host: "10.0.0.2",
      port: 80,
      path: "/big",
      createConnection: () => net.createConnection(80, "10.0.0.2") as never,
    },
    (res) => {
      const hash = createHash("sha256");
      res.on("data", (c: Buffer) => hash.update(c));
      res.on("end", () => {
        result = {
          status: res.statusCode,
          digestHeader: res.headers.digest as string,
          hash: hash.digest("base64"),
        };
      });
    },
  );
  req.end();
  assert.ok(await driveUntil(scheduler, () => result !== undefined));
  assert.equal(result!.status, 200);
  assert.equal(result!.digestHeader, `sha-256=${result!.hash}`);
  assert.equal(result!.hash, digest);
  httpServer.close();
});
