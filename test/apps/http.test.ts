import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer as nodeHttpServer, request as nodeRequest } from "node:http";
import { type AddressInfo, connect, createServer } from "node:net";
import { test } from "node:test";
import fc from "fast-check";
import { deterministicBytes } from "../../src/apps/deterministic-bytes.js";
import { bytesDigest, bytesService } from "../../src/apps/http/bytes-service.js";
import { type ClientResponse, sendHttpRequest } from "../../src/apps/http/client.js";
import { type HttpHead, HttpMessageParser } from "../../src/apps/http/message.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { hasCommand, needSystem } from "../support/system.js";

const sha256hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Our server on a real loopback TCP port (Node's net), for checking against real clients. */
async function withServer(run: (port: number) => Promise<void>): Promise<void> {
  const server = createServer((socket) => serveHttpConnection(socket, bytesService));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

function parseAll(kind: "request" | "response", chunks: Uint8Array[]) {
  const heads: HttpHead[] = [];
  const bodies: string[] = [];
  const errors: string[] = [];
  let body = "";
  const parser = new HttpMessageParser(kind, {
    onHead: (h) => heads.push(h),
    onBody: (c) => {
      body += Buffer.from(c).toString("latin1");
    },
    onEnd: () => {
      bodies.push(body);
      body = "";
    },
    onError: (e) => errors.push(`${e.status} ${e.message}`),
  });
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return { heads, bodies, errors };
}

test("the parser reads Content-Length, chunked and close-delimited bodies split at every byte", () => {
  const text =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" +
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n" +
    "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil close";
  const bytes = new TextEncoder().encode(text);
  for (let split = 0; split <= bytes.length; split++) {
    const { heads, bodies, errors } = parseAll("response", [bytes.subarray(0, split), bytes.subarray(split)]);
    assert.deepEqual(errors, [], `split at ${split}`);
    assert.equal(heads.length, 3);
    assert.deepEqual(bodies, ["hello", "abcde", "until close"]);
  }
});

test("the parser rejects malformed and oversized heads, conflicting lengths and bad chunks, and never throws", () => {
  const enc = (s: string) => [new TextEncoder().encode(s)];
  assert.match(
    parseAll("request", enc("GET / HTTP/1.1\r\nBad Header\r\n\r\n")).errors[0],
    /^400 malformed header line/,
  );
  assert.match(parseAll("request", enc("GET /\r\n\r\n")).errors[0], /^400 malformed request line/);
  assert.match(
    parseAll("request", enc(`GET / HTTP/1.1\r\nX: ${"a".repeat(20000)}\r\n\r\n`)).errors[0],
    /^431 header section too large/,
  );
  assert.match(
    parseAll("request", enc("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\n")).errors[0],
    /^400 invalid Content-Length/,
  );
  assert.match(
    parseAll("response", enc("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).errors[0],
    /^400 bad chunk size/,
  );
  assert.match(
    parseAll("request", enc("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")).errors[0],
    /connection closed in the middle/,
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, split) => {
      parseAll("request", [bytes.subarray(0, split), bytes.subarray(split)]);
      parseAll("response", [bytes]);
    }),
  );
});

test("/bytes/<n> is deterministic and its Digest header matches the body", async () => {
  assert.deepEqual(deterministicBytes(65530, 20), deterministicBytes(0, 65550).subarray(65530));
  const body = deterministicBytes(0, 200_000);
  assert.equal(bytesDigest(200_000), `sha-256=${createHash("sha256").update(body).digest("base64")}`);
});

test("Node's http client downloads from our server and uploads to it, keep-alive included", async () => {
  await withServer(async (port) => {
    const get = (path: string, method = "GET", body?: Buffer) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = nodeRequest({ host: "127.0.0.1", port, path, method }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        });
        req.on("error", reject);
        req.end(body);
      });
    const download = await get("/bytes/3000000");
    assert.equal(download.status, 200);
    assert.equal(download.body.length, 3_000_000);
    assert.equal(
      download.headers.digest,
      `sha-256=${createHash("sha256").update(download.body).digest("base64")}`,
    );
    const payload = Buffer.from(deterministicBytes(7, 1_000_001));
    const upload = await get("/upload", "POST", payload);
    assert.equal(upload.body.toString(), `${sha256hex(payload)}\n`);
    assert.equal((await get("/nope")).status, 404);
    assert.equal((await get("/upload")).status, 405);
    assert.equal((await get("/bytes/10", "HEAD")).body.length, 0);
  });
});

test("the real curl downloads /bytes and uploads to /upload", async (t) => {
  if (!needSystem(t, "curl", hasCommand("curl"))) return;
  await withServer(async (port) => {
    // curl runs asynchronously: a synchronous spawn would block the event loop that serves it.
    const curl = (args: string[]) =>
      new Promise<Buffer>((resolve, reject) =>
        execFile("curl", ["-sS", ...args], { encoding: "buffer", maxBuffer: 64 << 20 }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        ),
      );
    const body = await curl([`http://127.0.0.1:${port}/bytes/5000000`]);
    assert.equal(sha256hex(body), sha256hex(deterministicBytes(0, 5_000_000)));
    const headers = (
      await curl(["-D", "-", "-o", "/dev/null", `http://127.0.0.1:${port}/bytes/5000000`])
    ).toString();
    assert.match(headers, /Digest: sha-256=/);
    const answer = await curl(["--data-binary", "hello world", `http://127.0.0.1:${port}/upload`]);
    assert.equal(answer.toString(), `${sha256hex(new TextEncoder().encode("hello world"))}\n`);
  });
});

test("our client talks to Node's http server: content-length, chunked and HEAD", async () => {
  const server = nodeHttpServer((req, res) => {
    if (req.url === "/chunked") {
      res.write("part one, ");
      res.end("part two");
    } else if (req.method === "POST") {
      const hash = createHash("sha256");
      req.on("data", (c) => hash.update(c));
      req.on("end", () => res.end(hash.digest("hex")));
    } else res.end("fixed body");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const fetchOnce = (path: string, method?: string, body?: Uint8Array) =>
    new Promise<{ response: ClientResponse; body: string }>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let response: ClientResponse | undefined;
      let text = "";
      sendHttpRequest(
        socket,
        { host: `127.0.0.1:${port}`, path, method, body },
        {
          onResponse: (r) => {
            response = r;
          },
          onData: (c) => {
            text += Buffer.from(c).toString();
          },
          onEnd: () => {
            socket.end();
            resolve({ response: response!, body: text });
          },
          onError: reject,
        },
      );
    });
  try {
    assert.equal((await fetchOnce("/")).body, "fixed body");
    const chunked = await fetchOnce("/chunked");
    assert.equal(chunked.response.headers.get("transfer-encoding"), "chunked");
    assert.equal(chunked.body, "part one, part two");
    const big = deterministicBytes(0, 2_000_000);
    assert.equal((await fetchOnce("/up", "POST", big)).body, sha256hex(big));
    const head = await fetchOnce("/", "HEAD");
    assert.equal(head.response.status, 200);
    assert.equal(head.body, "");
  } finally {
    server.close();
  }
});

/** A raw client on a real socket: sends each step, and waits for what comes back to match its `until` before the next; resolves with what each step received (the last until the close). */
function rawExchange(port: number, steps: { send: string; until?: RegExp }[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const seen: string[] = [];
    let received = "";
    let step = 0;
    const next = () => {
      if (step >= steps.length) return;
      socket.write(steps[step].send);
    };
    socket.setEncoding("latin1");
    socket.on("connect", next);
    socket.on("data", (chunk: string) => {
      received += chunk;
      const until = steps[step]?.until;
      if (until?.test(received)) {
        seen.push(received);
        received = "";
        step++;
        next();
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve([...seen, received]));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer after ${JSON.stringify(seen)} + ${JSON.stringify(received)}`));
    }, 20_000).unref();
  });
}

test("Expect: 100-continue: the server answers 100 Continue before the body, then the final answer (RFC 9110 §10.1.1)", async () => {
  await withServer(async (port) => {
    const body = "hello world";
    const [interim, final] = await rawExchange(port, [
      {
        send: `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
        until: /\r\n\r\n/,
      },
      { send: body },
    ]);
    // Nothing of the body was sent before the 100 arrived: the server asked for it.
    assert.equal(interim, "HTTP/1.1 100 Continue\r\n\r\n");
    assert.match(final, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(final.endsWith(`${sha256hex(new TextEncoder().encode(body))}\n`), final);

    // An answer the handler gives at once (no such path): no 100, and the connection closes
    // without the body having been sent.
    const [refused] = await rawExchange(port, [
      {
        send: "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
      },
    ]);
    assert.match(refused, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(refused, /\r\nConnection: close\r\n/);
    assert.doesNotMatch(refused, /100 Continue/);

    // HTTP/1.0 clients never get a 100 (they would not know it); a body-less request needs none.
    for (const head of [
      "POST /upload HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi",
      "GET /bytes/3 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
    ]) {
      const [answer] = await rawExchange(port, [{ send: head }]);
      assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/, head);
      assert.doesNotMatch(answer, /100 Continue/, head);
    }
  });
});

test("the real curl uploads 3 MB with Expect: 100-continue and gets the 100 at once", async (t) => {
  if (!needSystem(t, "curl", hasCommand("curl"))) return;
  await withServer(async (port) => {
    const payload = Buffer.from(deterministicBytes(3, 3_000_000));
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      // --expect100-timeout 60: without the 100, curl would wait a minute (the test's timeout)
      // instead of its default second before sending the body anyway.
      const child = execFile(
        "curl",
        ["-sS", "-v", "--expect100-timeout", "60", "--data-binary", "@-", `http://127.0.0.1:${port}/upload`],
        { encoding: "utf8", timeout: 30_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
      );
      child.stdin!.end(payload);
    });
    assert.match(result.stderr, /^> Expect: 100-continue\r?$/m, "curl asked");
    assert.match(result.stderr, /^< HTTP\/1\.1 100 Continue\r?$/m, "the server answered");
    assert.equal(result.stdout, `${sha256hex(payload)}\n`);
  });
});
