/**
 * An emulated web server on a TAP interface, and the Linux tools that talk to it: kernel `curl`
 * downloads and uploads with their bytes hashed as they stream (nothing large sits in memory),
 * and netem on both directions of the TAP (egress directly, ingress through an ifb device).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesService } from "../../src/apps/http/bytes-service.js";
import { sendHttpRequest } from "../../src/apps/http/client.js";
import { serveHttpConnection } from "../../src/apps/http/server.js";
import { Network } from "../../src/devices/network.js";
import type { Node } from "../../src/devices/node.js";
import type { LinkImpairments } from "../../src/link/impairments.js";
import { Link } from "../../src/link/link.js";
import { openTapBridge } from "../../src/platform/tap/bridge.js";
import { splice, type TapHostLab } from "../../src/platform/tap/lab.js";
import { RealtimeRunner } from "../../src/platform/tap/realtime-runner.js";
import { run, runIn, uniqueName } from "./tap-support.js";

export interface HttpLab extends TapHostLab {
  netns: string;
  linux: string;
  emulated: string;
}

/**
 * h1 at SUBNET.2 serving /bytes and /upload on port 80; Linux at SUBNET.1 in a fresh namespace.
 * With `impairments`, an emulated link with them (netem's semantics, src/link) sits between h1's
 * interface and the TAP.
 */
export async function httpLab(subnet: string, seed = 1, impairments?: LinkImpairments): Promise<HttpLab> {
  const netns = uniqueName("tkt-");
  const network = new Network({ seed });
  const host = network.addHost("h1");
  const runner = new RealtimeRunner(network.scheduler);
  const bridge = await openTapBridge({ name: uniqueName("tkx"), netns, address: `${subnet}.1/24` });
  const endpoint = runner.endpoint(bridge);
  if (impairments) {
    const link = new Link(network.scheduler, { ...impairments, name: "h1:eth0-tap" }, network.tracer);
    splice(link.b, endpoint);
    host.attach("eth0", link.a);
  } else host.attach("eth0", endpoint);
  host.addAddress("eth0", `${subnet}.2/24`);
  host.setDefaultGateway(`${subnet}.1`);
  host.net
    .createServer((socket: Parameters<typeof serveHttpConnection>[0]) =>
      serveHttpConnection(socket, bytesService),
    )
    .listen(80);
  return {
    network,
    host,
    bridge,
    endpoint,
    runner,
    netns,
    linux: `${subnet}.1`,
    emulated: `${subnet}.2`,
    async close() {
      await runner.stop();
      bridge.close();
    },
  };
}

/** Kernel curl downloads URL; resolves with the status, headers and the body's SHA-256 (base64 and hex). */
export function curlDownload(
  netns: string,
  url: string,
  timeoutMs = 120_000,
  extra: string[] = [],
): Promise<{
  code: number | null;
  headers: string;
  sha256: string;
  hex: string;
  bytes: number;
  stderr: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-curl-"));
  const headerFile = join(dir, "headers");
  return new Promise((resolve) => {
    const child = spawn(
      "ip",
      ["netns", "exec", netns, "curl", "-sS", "--fail", ...extra, "-D", headerFile, "-o", "-", url],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const hash = createHash("sha256");
    let bytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      let headers = "";
      try {
        headers = readFileSync(headerFile, "utf8");
      } catch {}
      rmSync(dir, { recursive: true, force: true });
      const digest = hash.digest();
      resolve({
        code,
        headers,
        sha256: digest.toString("base64"),
        hex: digest.toString("hex"),
        bytes,
        stderr,
      });
    });
  });
}

/** Fills `chunk` with a stream of pseudo-random bytes (xorshift32 from `state`); returns the new state. */
function fillRandom(chunk: Uint8Array, state: number): number {
  for (let i = 0; i < chunk.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    chunk[i] = state & 0xff;
  }
  return state;
}

/** Kernel curl POSTs `size` pseudo-random bytes to URL; resolves with its answer and the sent bytes' SHA-256 (hex). */
export function curlUpload(
  netns: string,
  url: string,
  size: number,
  timeoutMs = 120_000,
): Promise<{ code: number | null; answer: string; sentHex: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        netns,
        "curl",
        "-sS",
        "--fail",
        "-H",
        "Expect:",
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        "@-",
        url,
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    const hash = createHash("sha256");
    let answer = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      answer += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdin.on("error", () => {});
    let sent = 0;
    let state = 0x9e3779b9;
    const chunk = Buffer.alloc(256 * 1024);
    const pump = () => {
      while (sent < size) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
        state = fillRandom(piece, state);
        hash.update(piece);
        sent += piece.length;
        // stdin.write keeps a reference to what it is given, and the chunk is reused: hand it a copy.
        if (!child.stdin.write(Buffer.from(piece))) {
          child.stdin.once("drain", pump);
          return;
        }
      }
      child.stdin.end();
    };
    pump();
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, answer: answer.trim(), sentHex: hash.digest("hex"), stderr });
    });
  });
}

/**
 * netem on both directions of the Linux side of the TAP: egress (kernel → emulated) on the TAP
 * itself, ingress (emulated → kernel) redirected through an ifb device with the same netem.
 */
export async function impairBothWays(netns: string, iface: string, netem: string[]): Promise<void> {
  const ifb = `${iface}i`.slice(0, 15);
  const steps = [
    ["-n", netns, "link", "add", ifb, "type", "ifb"],
    ["-n", netns, "link", "set", ifb, "up"],
  ];
  for (const args of steps) {
    const result = await run("ip", args);
    if (result.code !== 0) throw new Error(`ip ${args.join(" ")}: ${result.stderr}`);
  }
  const tc = [
    ["qdisc", "add", "dev", iface, "root", "netem", ...netem],
    ["qdisc", "add", "dev", iface, "handle", "ffff:", "ingress"],
    [
      "filter",
      "add",
      "dev",
      iface,
      "parent",
      "ffff:",
      "matchall",
      "action",
      "mirred",
      "egress",
      "redirect",
      "dev",
      ifb,
    ],
    ["qdisc", "add", "dev", ifb, "root", "netem", ...netem],
  ];
  for (const args of tc) {
    const result = await run("ip", ["netns", "exec", netns, "tc", ...args]);
    if (result.code !== 0) throw new Error(`tc ${args.join(" ")}: ${result.stderr}`);
  }
}

/** `tc -s qdisc` of the namespace (netem's counters show it really dropped, duplicated, reordered). */
export async function netemStats(netns: string): Promise<string> {
  return (await run("ip", ["netns", "exec", netns, "tc", "-s", "qdisc"])).stdout;
}

/** Whether this kernel has netem (CONFIG_NET_SCH_NETEM): tried on a scratch namespace's loopback. */
export async function kernelHasNetem(): Promise<boolean> {
  const scratch = uniqueName("tkt-");
  await run("ip", ["netns", "add", scratch]);
  try {
    const result = await run("ip", [
      "netns",
      "exec",
      scratch,
      "tc",
      "qdisc",
      "add",
      "dev",
      "lo",
      "root",
      "netem",
      "delay",
      "1ms",
    ]);
    return result.code === 0;
  } finally {
    await run("ip", ["netns", "del", scratch]);
  }
}

/**
 * Random loss in the kernel itself with nftables (netdev family, ingress and egress hooks of the
 * TAP): what is left of netem on a kernel built without it.
 */
export async function nftLoss(netns: string, iface: string, percent: number): Promise<void> {
  const rules = `table netdev tinkernet_impair {
  chain egress {
    type filter hook egress device "${iface}" priority 0;
    numgen random mod 100 < ${percent} counter drop
  }
  chain ingress {
    type filter hook ingress device "${iface}" priority 0;
    numgen random mod 100 < ${percent} counter drop
  }
}
`;
  // The kernel's TCP hands the device GSO super-packets (up to 64 KiB) that are cut into segments
  // only after the egress hook: a 2% drop there would lose 2% of super-packets, far fewer segments
  // than 2%. One segment per packet makes the loss per segment, as netem's would be on the wire.
  const gso = await run("ip", ["-n", netns, "link", "set", "dev", iface, "gso_max_segs", "1"]);
  if (gso.code !== 0) throw new Error(`ip link set gso_max_segs: ${gso.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-nft-"));
  try {
    const file = join(dir, "rules.nft");
    writeFileSync(file, rules);
    const result = await run("ip", ["netns", "exec", netns, "nft", "-f", file]);
    if (result.code !== 0) throw new Error(`nft: ${result.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The nftables counters (packets dropped by each chain). */
export async function nftStats(netns: string): Promise<string> {
  return (await run("ip", ["netns", "exec", netns, "nft", "list", "ruleset"])).stdout;
}

/** Our HTTP client on an emulated host: GET url, hashing the body; resolves with status and SHA-256 (hex). */
export function emulatedGet(
  host: Node,
  address: string,
  port: number,
  path: string,
): Promise<{ status: number; hex: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const socket = host.net.connect(port, address, () => {
      let status = 0;
      let bytes = 0;
      const hash = createHash("sha256");
      sendHttpRequest(
        socket,
        { host: `${address}:${port}`, path },
        {
          onResponse: (response) => {
            status = response.status;
          },
          onData: (chunk) => {
            bytes += chunk.length;
            hash.update(chunk);
          },
          onEnd: () => {
            socket.end();
            resolve({ status, hex: hash.digest("hex"), bytes });
          },
          onError: reject,
        },
      );
    });
    socket.once("error", reject);
  });
}

/** A Linux web server (python3 -m http.server) in the namespace, serving a file of `size` random bytes. */
export async function linuxWebServer(
  netns: string,
  address: string,
  size: number,
): Promise<{ hex: string; port: number; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-www-"));
  const content = new Uint8Array(size);
  for (let i = 0, x = 12345; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    content[i] = x >>> 24;
  }
  writeFileSync(join(dir, "file.bin"), content);
  const port = 8000;
  const child: ChildProcess = spawn(
    "ip",
    [
      "netns",
      "exec",
      netns,
      "python3",
      "-m",
      "http.server",
      String(port),
      "--bind",
      address,
      "--directory",
      dir,
    ],
    { stdio: "ignore" },
  );
  // Wait (bounded) until it accepts connections.
  for (let i = 0; i < 50; i++) {
    const probe = await runIn(netns, "curl", ["-s", "-o", "/dev/null", `http://${address}:${port}/`], 2000);
    if (probe.code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    hex: createHash("sha256").update(content).digest("hex"),
    port,
    stop() {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
