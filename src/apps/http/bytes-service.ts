/**
 * tinkernet's test web service, the one `httpd` runs:
 * - `GET /bytes/<n>`: n deterministic bytes (src/apps/deterministic-bytes.ts) with a
 *   `Digest: sha-256=<base64>` header (RFC 3230) over the body, so a client can check the download;
 * - `POST /upload`: answers the SHA-256 of the request body, in hex, with a newline;
 * - `GET /`: a short page naming these.
 * Bodies stream in both directions with backpressure; a 100 MiB transfer never sits in memory.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { fillDeterministicBytes } from "../deterministic-bytes.js";
import type { HttpHandler } from "./server.js";

/** The largest `/bytes/<n>` served (1 GiB). */
export const MAX_BYTES = 1024 * 1024 * 1024;
const CHUNK = 64 * 1024;

const digestCache = new Map<number, string>();

/** `sha-256=<base64>` of the first n stream bytes (cached: computing it costs a pass over n bytes). */
export function bytesDigest(n: number): string {
  const cached = digestCache.get(n);
  if (cached) return cached;
  const hash = sha256.create();
  const chunk = new Uint8Array(CHUNK);
  for (let offset = 0; offset < n; offset += CHUNK) {
    const length = Math.min(CHUNK, n - offset);
    const view = chunk.subarray(0, length);
    fillDeterministicBytes(view, offset);
    hash.update(view);
  }
  const digest = `sha-256=${toBase64(hash.digest())}`;
  if (digestCache.size > 64) digestCache.clear();
  digestCache.set(n, digest);
  return digest;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

const index = `tinkernet httpd
GET  /bytes/<n>   n deterministic bytes, with a Digest: sha-256=<base64> header
POST /upload      answers the sha-256 (hex) of the body
`;

export const bytesService: HttpHandler = (request, response) => {
  const bytesMatch = /^\/bytes\/(\d{1,10})$/.exec(request.path);
  if (bytesMatch && (request.method === "GET" || request.method === "HEAD")) {
    const n = Number(bytesMatch[1]);
    if (n > MAX_BYTES)
      return response.send(413, `at most ${MAX_BYTES} bytes\n`, { "Content-Type": "text/plain" });
    response.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": n,
      Digest: bytesDigest(n),
    });
    let offset = 0;
    const pump = () => {
      while (offset < n) {
        const length = Math.min(CHUNK, n - offset);
        const chunk = new Uint8Array(length);
        fillDeterministicBytes(chunk, offset);
        offset += length;
        if (!response.write(chunk)) return; // wait for drain
      }
      response.onDrain = undefined;
      response.end();
    };
    response.onDrain = pump;
    pump();
    return;
  }
  if (request.path === "/upload") {
    if (request.method !== "POST" && request.method !== "PUT") {
      return response.send(405, "use POST\n", { Allow: "POST, PUT", "Content-Type": "text/plain" });
    }
    const hash = sha256.create();
    let length = 0;
    request.onData = (chunk) => {
      hash.update(chunk);
      length += chunk.length;
    };
    request.onEnd = () => {
      response.send(200, `${bytesToHex(hash.digest())}\n`, {
        "Content-Type": "text/plain",
        "X-Received-Bytes": length,
      });
    };
    return;
  }
  if (request.path === "/" && (request.method === "GET" || request.method === "HEAD")) {
    return response.send(200, index, { "Content-Type": "text/plain" });
  }
  response.send(404, `no such page: ${request.path}\n`, { "Content-Type": "text/plain" });
};
