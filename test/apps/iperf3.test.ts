/**
 * iperf3 in virtual time: the control protocol's framing, the parameters, and our client against
 * our server over the in-memory stream transport (forward, reverse, parallel streams, byte counts,
 * a busy server, refused options). The real iperf3 binary checks both in iperf3-interop.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { runIperf3Client } from "../../src/apps/iperf3/client.js";
import { schedulerClock } from "../../src/apps/iperf3/clock.js";
import {
  defaultParameters,
  parametersFromJson,
  parametersToJson,
  streamId,
} from "../../src/apps/iperf3/params.js";
import {
  COOKIE_SIZE,
  ControlReader,
  decodeCookie,
  encodeCookie,
  encodeJsonMessage,
  encodeServerError,
  Iperf3Error,
  Iperf3ProtocolError,
  Iperf3State,
  makeCookie,
} from "../../src/apps/iperf3/protocol.js";
import { formatBitrate, formatTransfer } from "../../src/apps/iperf3/report.js";
import { Iperf3Server } from "../../src/apps/iperf3/server.js";
import { driveUntil } from "../../src/sim/async-driver.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { SECOND } from "../../src/sim/time.js";
import { createNetApi, type NetSocket } from "../../src/socket/net.js";
import { MemoryStreamTransport } from "../support/memory-stream.js";

test("cookies: 36 characters of iperf's alphabet plus NUL, decoded back", () => {
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const cookie = makeCookie(random);
  assert.match(cookie, /^[a-z2-7]{36}$/);
  const bytes = encodeCookie(cookie);
  assert.equal(bytes.length, COOKIE_SIZE);
  assert.equal(bytes[36], 0);
  assert.equal(decodeCookie(bytes), cookie);
});

test("control reader: states, length-prefixed JSON and integers, however the bytes are split", () => {
  const message = new Uint8Array([
    Iperf3State.PARAM_EXCHANGE,
    ...encodeJsonMessage({ tcp: true, time: 3 }),
    0xff, // ACCESS_DENIED is -1
    ...encodeServerError(Iperf3Error.IEUNIMP, 22),
  ]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: message.length }), { maxLength: 6 }), (cuts) => {
      const reader = new ControlReader();
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      let last = 0;
      for (const point of [...points, message.length]) {
        reader.push(message.subarray(last, point));
        last = point;
      }
      assert.equal(reader.takeState(), Iperf3State.PARAM_EXCHANGE);
      assert.deepEqual(reader.takeJson(), { tcp: true, time: 3 });
      assert.equal(reader.takeState(), Iperf3State.ACCESS_DENIED);
      assert.equal(reader.takeState(), Iperf3State.SERVER_ERROR);
      assert.equal(reader.takeInt32(), Iperf3Error.IEUNIMP);
      assert.equal(reader.takeInt32(), 22);
      assert.equal(reader.available, 0);
    }),
  );
  const partial = new ControlReader();
  partial.push(encodeJsonMessage({ a: 1 }).subarray(0, 6));
  assert.equal(partial.takeJson(), undefined, "incomplete JSON waits");
  const absurd = new ControlReader();
  absurd.push(Uint8Array.of(0x7f, 0xff, 0xff, 0xff));
  assert.ok(absurd.takeJson() instanceof Iperf3ProtocolError, "a 2 GiB length is refused, not awaited");
  const garbage = new ControlReader();
  garbage.push(Uint8Array.of(0, 0, 0, 3, 0x5b, 0x31, 0x5d));
  assert.ok(garbage.takeJson() instanceof Iperf3ProtocolError, "a JSON array is not parameters");
});

test("parameters: the JSON a 3.12 client sends, and what a server refuses", () => {
  const p = { ...defaultParameters(), time: 3, parallel: 2, reverse: true, getServerOutput: true };
  const json = parametersToJson(p);
  assert.deepEqual(Object.keys(json), [
    "tcp",
    "omit",
    "time",
    "num",
    "blockcount",
    "parallel",
    "reverse",
    "len",
    "pacing_timer",
    "get_server_output",
    "client_version",
  ]);
  assert.deepEqual(parametersFromJson(json), { ...p, clientVersion: "3.12" });
  const udp = parametersFromJson({ udp: true, time: 1 });
  assert.ok(udp instanceof Iperf3ProtocolError && udp.code === Iperf3Error.IEUNIMP);
  const many = parametersFromJson({ tcp: true, time: 1, parallel: 500 });
  assert.ok(many instanceof Iperf3ProtocolError && many.code === Iperf3Error.IENUMSTREAMS);
  const bidir = parametersFromJson({ tcp: true, time: 1, bidirectional: true });
  assert.ok(bidir instanceof Iperf3ProtocolError);
  assert.deepEqual([0, 1, 2, 3].map(streamId), [1, 3, 4, 5], "iperf never uses stream id 2");
});

test("units: transfers in powers of 1024, bit rates in powers of 1000, as iperf prints them", () => {
  assert.equal(formatTransfer(131072), " 128 KBytes");
  assert.equal(formatTransfer(1.5 * 1024 * 1024 * 1024), "1.50 GBytes");
  assert.equal(formatBitrate(1048576), "1.05 Mbits/sec");
  assert.equal(formatBitrate(9.41e9), "9.41 Gbits/sec");
  assert.equal(formatBitrate(42.3e6), "42.3 Mbits/sec");
});

function lab() {
  const scheduler = new Scheduler({ seed: 7 });
  // 1 MiB send buffers: enough in flight to keep the memory link busy.
  const net = createNetApi({ scheduler, transport: new MemoryStreamTransport(scheduler, 1 << 20) });
  const clock = schedulerClock(scheduler);
  const random = () => scheduler.random.next();
  const serverLines: string[] = [];
  const outcomes: { error?: Iperf3ProtocolError; report: Record<string, unknown> }[] = [];
  const server = new Iperf3Server({
    clock,
    random,
    write: (line) => serverLines.push(line),
    onTestDone: (outcome) => outcomes.push(outcome),
  });
  net.createServer((socket: NetSocket) => server.accept(socket)).listen(5201);
  const connect = (host: string, port: number) =>
    new Promise<NetSocket>((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(socket));
      socket.once("error", reject);
    });
  return { scheduler, clock, random, server, serverLines, outcomes, connect };
}

type End = {
  sum_sent: { bytes: number; seconds: number };
  sum_received: { bytes: number; seconds: number };
  streams: { sender: { bytes: number }; receiver: { bytes: number } }[];
};

for (const reverse of [false, true]) {
  test(`client and server in virtual time${reverse ? " (-R: the server sends)" : ""}: 3 streams, 2 s, results exchanged`, async () => {
    const { scheduler, clock, random, server, serverLines, outcomes, connect } = lab();
    const lines: string[] = [];
    let result: Awaited<ReturnType<typeof runIperf3Client>> | undefined;
    runIperf3Client({
      host: "10.0.0.2",
      connect,
      clock,
      random,
      time: 2,
      parallel: 3,
      reverse,
      len: 16384,
      getServerOutput: true,
      write: (l) => lines.push(l),
    }).then((r) => {
      result = r;
    });
    assert.ok(
      await driveUntil(scheduler, () => result !== undefined && outcomes.length === 1, {
        deadline: 30 * SECOND,
      }),
    );
    assert.equal(outcomes[0].error, undefined);
    const report = result!.report as {
      end: End;
      intervals: unknown[];
      start: { test_start: { reverse: number } };
    };
    const end = report.end;
    assert.equal(end.streams.length, 3);
    assert.ok(end.sum_received.bytes > 1_000_000, `received ${end.sum_received.bytes}`);
    assert.ok(end.sum_sent.bytes >= end.sum_received.bytes, "the receiver cannot count more than was sent");
    assert.ok(Math.abs(end.sum_sent.seconds - 2) < 0.01, `measured ${end.sum_sent.seconds} s`);
    assert.equal(report.start.test_start.reverse, reverse ? 1 : 0);
    assert.equal(report.intervals.length, 2, "one sample per second");
    // The server's own report agrees with what the client was told.
    const serverEnd = (outcomes[0].report as { end: End }).end;
    assert.equal(serverEnd.sum_received.bytes, end.sum_received.bytes);
    assert.equal(serverEnd.sum_sent.bytes, end.sum_sent.bytes);
    assert.ok(lines.includes("iperf Done."));
    assert.ok(
      lines.some((l) => /\[SUM\].*receiver$/.test(l)),
      lines.join("\n"),
    );
    assert.ok(result!.serverOutput?.startsWith("Accepted connection from 10.0.0.1"), result!.serverOutput);
    assert.ok(serverLines.some((l) => /receiver|sender/.test(l)));
    assert.equal(server.counters.testsCompleted, 1);
    assert.equal(server.busy, false);
  });
}

test("a byte count (-n) ends the test when it is sent, in both directions", async () => {
  for (const reverse of [false, true]) {
    const { scheduler, clock, random, outcomes, connect } = lab();
    let result: Awaited<ReturnType<typeof runIperf3Client>> | undefined;
    runIperf3Client({ host: "10.0.0.2", connect, clock, random, num: 1_000_000, reverse, len: 65536 }).then(
      (r) => {
        result = r;
      },
    );
    assert.ok(
      await driveUntil(scheduler, () => result !== undefined && outcomes.length === 1, {
        deadline: 30 * SECOND,
      }),
    );
    assert.equal(result!.sentBytes, 1_000_000, "exactly -n bytes are sent");
    assert.equal(result!.receivedBytes, 1_000_000);
  }
});

test("a second client during a test hears ACCESS_DENIED; bad options hear SERVER_ERROR", async () => {
  const { scheduler, clock, random, server, connect } = lab();
  let first: unknown;
  let second: unknown;
  runIperf3Client({ host: "10.0.0.2", connect, clock, random, time: 1 }).then((r) => {
    first = r;
  });
  scheduler.after(SECOND / 2, () => {
    runIperf3Client({ host: "10.0.0.2", connect, clock, random, time: 1 }).catch((e) => {
      second = e;
    });
  });
  assert.ok(
    await driveUntil(scheduler, () => first !== undefined && second !== undefined, { deadline: 30 * SECOND }),
  );
  assert.ok(second instanceof Iperf3ProtocolError && second.code === Iperf3Error.IEACCESSDENIED);
  assert.equal(server.counters.accessDenied, 1);

  let refused: unknown;
  runIperf3Client({ host: "10.0.0.2", connect, clock, random, time: 1, parallel: 129 }).catch((e) => {
    refused = e;
  });
  assert.ok(await driveUntil(scheduler, () => refused !== undefined, { deadline: 60 * SECOND }));
  assert.ok(
    refused instanceof Iperf3ProtocolError && refused.code === Iperf3Error.IENUMSTREAMS,
    String(refused),
  );
  assert.equal(server.counters.testsFailed, 1);
  assert.equal(server.busy, false, "the server is free again");
});

test("garbage instead of a cookie or parameters does not wedge the server", async () => {
  const { scheduler, clock, random, server, connect } = lab();
  const socket = await new Promise<NetSocket>((resolve) => {
    connect("10.0.0.2", 5201).then(resolve);
    driveUntil(scheduler, () => false, { deadline: SECOND });
  });
  socket.write(new Uint8Array(COOKIE_SIZE).fill(0x41));
  socket.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3));
  await driveUntil(scheduler, () => !server.busy, { deadline: 5 * SECOND });
  assert.equal(server.busy, false);
  assert.equal(server.counters.testsFailed, 1);
  let ok: unknown;
  runIperf3Client({ host: "10.0.0.2", connect, clock, random, time: 1 }).then((r) => {
    ok = r;
  });
  assert.ok(await driveUntil(scheduler, () => ok !== undefined, { deadline: 60 * SECOND }));
});
