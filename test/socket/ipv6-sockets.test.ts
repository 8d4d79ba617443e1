/**
 * The Node-compatible socket APIs over IPv6 and dual stack (RFC 3493 §3.7): Node's own http over
 * IPv6, `::` listeners that take IPv4 peers as IPv4-mapped addresses, `0.0.0.0` and `ipv6Only`
 * listeners that take one family, and dual-stack `udp6` sockets.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { test } from "node:test";
import { deterministicBytes } from "../../src/apps/deterministic-bytes.js";
import { bytesDigest } from "../../src/apps/http/bytes-service.js";
import { Network } from "../../src/devices/network.js";
import { driveUntil } from "../../src/sim/async-driver.js";
import type { NetSocket } from "../../src/socket/net.js";

/** h1 — r1 — h2, dual stack: 10.0.1.0/24 + 2001:db8:1::/64 and 10.0.2.0/24 + 2001:db8:2::/64. */
function twoHosts(seed = 1) {
  const net = new Network({ seed });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const r1 = net.addRouter("r1");
  net.connect("h1:eth0", "r1:eth0", { rate: "1Gbit", delay: "1ms" });
  net.connect("r1:eth1", "h2:eth0", { rate: "1Gbit", delay: "1ms" });
  const nodad = { nodad: true };
  h1.addAddress("eth0", "10.0.1.10/24").addAddress("eth0", "2001:db8:1::10/64", nodad);
  h1.setGateway("10.0.1.1");
  h1.setGateway("2001:db8:1::1");
  r1.addAddress("eth0", "10.0.1.1/24").addAddress("eth0", "2001:db8:1::1/64", nodad);
  r1.addAddress("eth1", "10.0.2.1/24").addAddress("eth1", "2001:db8:2::1/64", nodad);
  h2.addAddress("eth0", "10.0.2.10/24").addAddress("eth0", "2001:db8:2::10/64", nodad);
  h2.setGateway("10.0.2.1");
  h2.setGateway("2001:db8:2::1");
  return { net, h1, h2, r1 };
}

test("Node's http.Server and http.request over IPv6: 64 MiB with a correct digest", async () => {
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
  h2.net.createServer((socket: NetSocket) => httpServer.emit("connection", socket)).listen(80, "::");
  let result:
    | { status?: number; digest?: string; computed?: string; length: number; remote?: string }
    | undefined;
  const request = httpRequest(
    {
      host: "2001:db8:2::10",
      port: 80,
      path: "/bytes",
      createConnection: () => h1.net.createConnection(80, "2001:db8:2::10") as never,
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
  assert.equal(result!.remote, "2001:db8:2::10");
  httpServer.close();
});

/** Connects from h1 to h2:`port` at `host`; resolves to what each end saw, or the error code. */
async function attempt(net: Network, h1: Network["nodes"][number], host: string, port: number) {
  let outcome: string | undefined;
  const socket = h1.net.connect(port, host);
  socket.on("connect", () => {
    outcome = `connected ${socket.remoteAddress} ${socket.remoteFamily}`;
    socket.end();
  });
  socket.on("error", (error: NodeJS.ErrnoException) => {
    outcome = error.code;
  });
  await driveUntil(net.scheduler, () => outcome !== undefined, { deadline: net.scheduler.now + 10e9 });
  return outcome;
}

test("a server on :: takes both families and sees IPv4 peers as ::ffff:a.b.c.d, as Node's do", async () => {
  const { net, h1, h2 } = twoHosts(2);
  const seen: string[] = [];
  const server = h2.net.createServer((socket: NetSocket) => {
    seen.push(`${socket.remoteAddress} ${socket.remoteFamily} local ${socket.localAddress}`);
    socket.end();
  });
  server.listen(7000, "::");
  assert.equal(await attempt(net, h1, "2001:db8:2::10", 7000), "connected 2001:db8:2::10 IPv6");
  assert.equal(await attempt(net, h1, "10.0.2.10", 7000), "connected 10.0.2.10 IPv4");
  await driveUntil(net.scheduler, () => seen.length === 2, { deadline: net.scheduler.now + 1e9 });
  assert.deepEqual(seen, [
    "2001:db8:1::10 IPv6 local 2001:db8:2::10",
    "::ffff:10.0.1.10 IPv6 local ::ffff:10.0.2.10",
  ]);
  assert.deepEqual(server.address(), { address: "::", family: "IPv6", port: 7000 });
});

test("0.0.0.0 takes only IPv4; ipv6Only on :: takes only IPv6; the other family is refused", async () => {
  const { net, h1, h2 } = twoHosts(3);
  h2.net.createServer((s: NetSocket) => s.end()).listen(7001, "0.0.0.0");
  h2.net.createServer((s: NetSocket) => s.end()).listen({ port: 7002, host: "::", ipv6Only: true });
  assert.equal(await attempt(net, h1, "10.0.2.10", 7001), "connected 10.0.2.10 IPv4");
  assert.equal(await attempt(net, h1, "2001:db8:2::10", 7001), "ECONNREFUSED");
  assert.equal(await attempt(net, h1, "2001:db8:2::10", 7002), "connected 2001:db8:2::10 IPv6");
  assert.equal(await attempt(net, h1, "10.0.2.10", 7002), "ECONNREFUSED");
  // An IPv4-mapped destination is an IPv4 peer.
  assert.equal(await attempt(net, h1, "::ffff:10.0.2.10", 7001), "connected 10.0.2.10 IPv4");
});

test("dgram: a udp6 socket is dual stack (IPv4 senders as ::ffff:…); ipv6Only and udp4 take one family", async () => {
  const { net, h1, h2 } = twoHosts(4);
  const got: string[] = [];
  const dual = h2.dgram.createSocket("udp6");
  dual.bind(5000);
  dual.on("message", (msg: Buffer, rinfo: { address: string; family: string; port: number }) => {
    got.push(`dual ${msg} from ${rinfo.address} ${rinfo.family}`);
    dual.send(msg, rinfo.port, rinfo.address);
  });
  const only6 = h2.dgram.createSocket({ type: "udp6", ipv6Only: true });
  only6.bind(5001);
  only6.on("message", (msg: Buffer, rinfo: { address: string }) =>
    got.push(`only6 ${msg} from ${rinfo.address}`),
  );
  const only4 = h2.dgram.createSocket("udp4");
  only4.bind(5001);
  only4.on("message", (msg: Buffer, rinfo: { address: string }) =>
    got.push(`only4 ${msg} from ${rinfo.address}`),
  );
  const echoes: string[] = [];
  const client = h1.dgram.createSocket("udp6");
  client.on("message", (msg: Buffer, rinfo: { address: string }) =>
    echoes.push(`${msg} from ${rinfo.address}`),
  );
  client.send("a", 5000, "2001:db8:2::10");
  client.send("b", 5000, "::ffff:10.0.2.10");
  client.send("c", 5001, "2001:db8:2::10");
  client.send("d", 5001, "::ffff:10.0.2.10");
  await driveUntil(net.scheduler, () => echoes.length === 2, { deadline: net.scheduler.now + 5e9 });
  assert.deepEqual(got.sort(), [
    "dual a from 2001:db8:1::10 IPv6",
    "dual b from ::ffff:10.0.1.10 IPv6",
    "only4 d from 10.0.1.10",
    "only6 c from 2001:db8:1::10",
  ]);
  assert.deepEqual(echoes.sort(), ["a from 2001:db8:2::10", "b from ::ffff:10.0.2.10"]);
});
