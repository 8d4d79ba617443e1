/**
 * Our iperf3 against the real one (Debian's iperf 3.12), over Node's loopback TCP: the real client
 * measures our server (forward, -R, -P, -n, a busy server) and our client measures a real
 * `iperf3 -s`. Both sides' byte counts must agree, and the real tool must accept every message.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { runIperf3Client } from "../../src/apps/iperf3/client.js";
import { Iperf3Error, Iperf3ProtocolError } from "../../src/apps/iperf3/protocol.js";
import { hasCommand, needSystem } from "../support/system.js";
import { freePort, listenIperf3, nodeConnect, wallClock } from "./iperf3-support.js";

const haveIperf3 = hasCommand("iperf3");

function iperf3(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("iperf3", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface RealReport {
  error?: string;
  start: { test_start: { reverse: number; num_streams: number } };
  intervals: unknown[];
  end: {
    streams: unknown[];
    sum_sent: { bytes: number; seconds: number };
    sum_received: { bytes: number; seconds: number };
  };
  server_output_text?: string;
}

type OurEnd = { sum_sent: { bytes: number }; sum_received: { bytes: number } };

for (const variant of [
  { name: "forward", args: [] as string[], streams: 1 },
  { name: "-R -P 2 --get-server-output", args: ["-R", "-P", "2", "--get-server-output"], streams: 2 },
]) {
  test(`the real iperf3 client measures our server (${variant.name})`, async (t) => {
    if (!needSystem(t, "iperf3", haveIperf3)) return;
    const outcomes: { report: Record<string, unknown>; error?: Error }[] = [];
    const { port, listener, server } = await listenIperf3({ onTestDone: (o) => outcomes.push(o) });
    try {
      const run = await iperf3(["-c", "127.0.0.1", "-p", String(port), "-t", "1", "-J", ...variant.args]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const report = JSON.parse(run.stdout) as RealReport;
      assert.equal(report.error, undefined);
      assert.equal(report.end.streams.length, variant.streams);
      assert.ok(report.end.sum_received.bytes > 1_000_000, `received ${report.end.sum_received.bytes}`);
      assert.equal(outcomes.length, 1);
      assert.equal(outcomes[0].error, undefined);
      const ours = (outcomes[0].report as { end: OurEnd }).end;
      // The real client's view of the receiver is what our server reported, byte for byte.
      assert.equal(report.end.sum_received.bytes, ours.sum_received.bytes);
      assert.equal(report.end.sum_sent.bytes, ours.sum_sent.bytes);
      if (variant.args.includes("--get-server-output")) {
        assert.match(report.server_output_text ?? "", /Accepted connection from 127\.0\.0\.1/);
      }
      assert.equal(server.counters.testsCompleted, 1);
    } finally {
      listener.close();
    }
  });
}

test("the real iperf3 client with -n: exactly that many bytes, and a busy server says so", async (t) => {
  if (!needSystem(t, "iperf3", haveIperf3)) return;
  const { port, listener, server } = await listenIperf3();
  try {
    const [first, second] = await Promise.all([
      iperf3(["-c", "127.0.0.1", "-p", String(port), "-n", "20M", "-b", "100M", "-J"]),
      new Promise<Awaited<ReturnType<typeof iperf3>>>((resolve) =>
        setTimeout(() => iperf3(["-c", "127.0.0.1", "-p", String(port), "-t", "1"]).then(resolve), 400),
      ),
    ]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const report = JSON.parse(first.stdout) as RealReport;
    assert.equal(report.end.sum_sent.bytes, 20 * 1024 * 1024);
    assert.equal(report.end.sum_received.bytes, 20 * 1024 * 1024);
    assert.notEqual(second.code, 0);
    assert.match(second.stdout + second.stderr, /busy/);
    assert.equal(server.counters.accessDenied, 1);
  } finally {
    listener.close();
  }
});

for (const reverse of [false, true]) {
  test(`our client measures the real iperf3 server${reverse ? " (-R)" : ""}`, async (t) => {
    if (!needSystem(t, "iperf3", haveIperf3)) return;
    const port = await freePort();
    const real = iperf3(["-s", "-1", "-p", String(port), "-B", "127.0.0.1", "-J"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines: string[] = [];
    const result = await runIperf3Client({
      host: "127.0.0.1",
      port,
      connect: nodeConnect,
      clock: wallClock,
      random: Math.random,
      time: 1,
      parallel: 2,
      reverse,
      write: (line) => lines.push(line),
    });
    const server = await real;
    assert.equal(server.code, 0, server.stdout + server.stderr);
    const serverReport = JSON.parse(server.stdout) as RealReport;
    assert.equal(serverReport.error, undefined);
    assert.equal(serverReport.start.test_start.reverse, reverse ? 1 : 0);
    assert.equal(serverReport.start.test_start.num_streams, 2);
    assert.ok(result.receivedBytes > 1_000_000, `received ${result.receivedBytes}`);
    // A real server's -J reports only its own side: what it received, or (with -R) what it sent.
    if (reverse) assert.equal(result.sentBytes, serverReport.end.sum_sent.bytes);
    else assert.equal(result.receivedBytes, serverReport.end.sum_received.bytes);
    assert.ok(result.sentBytes >= result.receivedBytes);
    assert.ok(lines.includes("iperf Done."), lines.join("\n"));
  });
}

test("our client reports a busy real server", async (t) => {
  if (!needSystem(t, "iperf3", haveIperf3)) return;
  const port = await freePort();
  const real = iperf3(["-s", "-1", "-p", String(port), "-B", "127.0.0.1"]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const first = runIperf3Client({
    host: "127.0.0.1",
    port,
    connect: nodeConnect,
    clock: wallClock,
    random: Math.random,
    time: 1,
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await assert.rejects(
    runIperf3Client({
      host: "127.0.0.1",
      port,
      connect: nodeConnect,
      clock: wallClock,
      random: Math.random,
      time: 1,
    }),
    (error: unknown) => error instanceof Iperf3ProtocolError && error.code === Iperf3Error.IEACCESSDENIED,
  );
  await first;
  await real;
});
