/**
 * The Node-compatible socket APIs over the real emulated stack: hosts, a router, links, ARP,
 * IPv4 and our TCP and UDP underneath.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { test } from "node:test";
import { deterministicBytes } from "../../src/apps/deterministic-bytes.js";
import { bytesDigest, bytesService } from "../../src/apps/http/bytes-service.js";
import { sendHttpRequest } from "../../src/apps/http/client.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { Network } from "../../src/devices/network.js";
import { driveUntil } from "../../src/sim/async-driver.js";
import type { NetSocket } from "../../src/socket/net.js";

/** h1 — r1 — h2 with 1 Gbit/s links and 1 ms delay each way. */
function twoHosts(seed = 1) {
  const net = new Network({ seed });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const r1 = net.addRouter("r1");
  net.connect("h1:eth0", "r1:eth0", { rate: "1Gbit", delay: "1ms" });
  net.connect("r1:eth1", "h2:eth0", { rate: "1Gbit", delay: "1ms" });
  h1.addAddress("eth0", "10.0.1.10/24");
  h1.setGateway("10.0.1.1");
  r1.addAddress("eth0", "10.0.1.1/24");
  r1.addAddress("eth1", "10.0.2.1/24");
  h2.addAddress("eth0", "10.0.2.10/24");
  h2.setGateway("10.0.2.1");
  return { net, h1, h2, r1 };
}

test("Node's http.Server on one emulated host, http.request on another: 64 MiB with a correct digest", async () => {
  const { net, h1, h2 } = twoHosts();
  const size = 64 * 1024 * 1024;
  const httpServer = createHttpServer((_req, res) => {
    res.writeHead(200, { "Content-Length": size, Digest: bytesDigest(size) });
    let offset = 0;
    const pump = () => {
      while (offset < size) {
        const chunk = Buffer.from(deterministicBytes(offset, Math.min(256 * 1024, size - offset)));
        offset += chunk.length;
        if (!res.write(chunk)) return;
      }
      res.end();
    };
    res.on("drain", pump);
    pump();
  });
  h2.net.createServer((socket: NetSocket) => httpServer.emit("connection", socket)).listen(80);
  let result:
    | { status?: number; digest?: string; computed?: string; length: number; remote?: string }
    | undefined;
  const request = httpRequest(
    {
      host: "10.0.2.10",
      port: 80,
      path: "/bytes",
      createConnection: () => h1.net.createConnection(80, "10.0.2.10") as never,
    },
    (response) => {
      const hash = createHash("sha256");
      let length = 0;
      response.on("data", (chunk: Buffer) => {
        hash.update(chunk);
        length += chunk.length;
      });
      response.on("end", () => {
        result = {
          status: response.statusCode,
          digest: response.headers.digest as string,
          computed: `sha-256=${hash.digest("base64")}`,
          length,
          remote: response.socket.remoteAddress,
        };
      });
    },
  );
  request.end();
  assert.ok(
    await driveUntil(net.scheduler, () => result !== undefined, { deadline: net.scheduler.now + 60e9 }),
    "download finished in 60 s of virtual time",
  );
  assert.equal(result!.status, 200);
  assert.equal(result!.length, size);
  assert.equal(result!.computed, result!.digest);
  assert.equal(result!.remote, "10.0.2.10");
  httpServer.close();
});

test("our httpd and curl engine over the emulated sockets: /bytes digest and /upload sha-256", async () => {
  const { net, h1, h2 } = twoHosts(2);
  h2.net.createServer((socket: NetSocket) => serveHttpConnection(socket, bytesService)).listen(8080);
  const fetch = (path: string, body?: Uint8Array) =>
    new Promise<{ status: number; headers: Map<string, string>; body: Buffer }>((resolve, reject) => {
      const socket = h1.net.connect(8080, "10.0.2.10");
      const chunks: Buffer[] = [];
      let status = 0;
      let headers = new Map<string, string>();
      sendHttpRequest(
        socket,
        { host: "10.0.2.10:8080", path, body },
        {
          onResponse: (r) => {
            status = r.status;
            headers = r.headers;
          },
          onData: (c) => chunks.push(Buffer.from(c)),
          onEnd: () => {
            socket.end();
            resolve({ status, headers, body: Buffer.concat(chunks) });
          },
          onError: reject,
        },
      );
    });
  let download: Awaited<ReturnType<typeof fetch>> | undefined;
  let upload: Awaited<ReturnType<typeof fetch>> | undefined;
  const payload = deterministicBytes(99, 3_000_000);
  fetch("/bytes/2000000").then((r) => {
    download = r;
  });
  fetch("/upload", payload).then((r) => {
    upload = r;
  });
  assert.ok(
    await driveUntil(net.scheduler, () => download !== undefined && upload !== undefined, {
      deadline: net.scheduler.now + 60e9,
    }),
  );
  assert.equal(download!.status, 200);
  assert.equal(
    download!.headers.get("digest"),
    `sha-256=${createHash("sha256").update(download!.body).digest("base64")}`,
  );
  assert.equal(upload!.body.toString(), `${createHash("sha256").update(payload).digest("hex")}\n`);
});

test("connection errors carry Node codes: ECONNREFUSED from a host, EHOSTUNREACH without a route", async () => {
  const { net, h1 } = twoHosts(3);
  const errors: string[] = [];
  h1.net
    .connect(81, "10.0.2.10")
    .on("error", (e: NodeJS.ErrnoException) => errors.push(`${e.code} ${e.syscall}`));
  const h3 = net.addHost("h3");
  h3.net.connect(80, "10.0.2.10").on("error", (e: NodeJS.ErrnoException) => errors.push(e.code!));
  assert.ok(
    await driveUntil(net.scheduler, () => errors.length === 2, { deadline: net.scheduler.now + 10e9 }),
  );
  assert.deepEqual(errors.sort(), ["ECONNREFUSED connect", "EHOSTUNREACH"]);
});

test("dgram: echo across the router, ECONNREFUSED on a connected socket, rinfo like Node's", async () => {
  const { net, h1, h2 } = twoHosts(4);
  const server = h2.dgram.createSocket("udp4");
  server.on("message", (message: Buffer, rinfo: { address: string; port: number }) => {
    server.send(Buffer.from(message.toString().toUpperCase()), rinfo.port, rinfo.address);
  });
  let listening = false;
  server.bind(5353, () => {
    listening = true;
  });
  const client = h1.dgram.createSocket("udp4");
  const replies: string[] = [];
  let from: { address: string; port: number; family: string; size: number } | undefined;
  client.on(
    "message",
    (message: Buffer, rinfo: { address: string; port: number; family: string; size: number }) => {
      replies.push(message.toString());
      from = rinfo;
    },
  );
  client.send("hello udp", 5353, "10.0.2.10");
  assert.ok(
    await driveUntil(net.scheduler, () => listening && replies.length === 1, {
      deadline: net.scheduler.now + 5e9,
    }),
  );
  assert.deepEqual(replies, ["HELLO UDP"]);
  assert.deepEqual(from, { address: "10.0.2.10", port: 5353, family: "IPv4", size: 9 });
  const connected = h1.dgram.createSocket("udp4");
  let refused: NodeJS.ErrnoException | undefined;
  connected.on("error", (e: NodeJS.ErrnoException) => {
    refused = e;
  });
  connected.connect(9999, "10.0.2.10", () => connected.send("anyone?"));
  assert.ok(
    await driveUntil(net.scheduler, () => refused !== undefined, { deadline: net.scheduler.now + 5e9 }),
  );
  assert.equal(refused!.code, "ECONNREFUSED");
});
