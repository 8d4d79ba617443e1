/**
 * The mechanisms around the state machine: loss recovery, Nagle and delayed ACKs, zero-window
 * probing, keepalive, timeouts, timestamps and PAWS, TIME-WAIT reuse, MSS, silly window syndrome
 * avoidance, auto-tuning, traces.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import { formatTcpNetstat, formatTcpSockets } from "../../../src/transport/tcp/show.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { isParseError } from "../../../src/wire/parse-error.js";
import { parseTcp, TcpFlags } from "../../../src/wire/tcp.js";
import { runCase } from "./matrix.js";
import { type Pair, pair, pattern, rawWorld, sha256, transfer } from "./support.js";

const { SYN, ACK, FIN, PSH } = TcpFlags;
const A = Ipv4Address.parse("10.0.0.1");
const B = Ipv4Address.parse("10.0.0.2");
const MS = 1e6;
const SECOND = 1e9;

/** Drops the data segments from a to b whose index (among first transmissions) is in `indexes`. */
function dropDataSegments(p: Pair, indexes: number[]): { dropped: number } {
  const state = { dropped: 0 };
  const seen = new Set<number>();
  let index = 0;
  p.network.observer = (packet) => {
    if (packet.src.toString() !== "10.0.0.1") return undefined;
    const seg = parseTcp(packet.payload);
    if (isParseError(seg) || seg.payload.length === 0 || seen.has(seg.seq)) return undefined;
    seen.add(seg.seq);
    if (indexes.includes(index++)) {
      state.dropped++;
      return "drop";
    }
    return undefined;
  };
  return state;
}

describe("loss recovery", () => {
  for (const cc of ["cubic", "newreno"] as const) {
    test(`${cc} with SACK: one loss in a window is recovered by fast retransmit, no timeout`, () => {
      const p = pair(31, { congestionControl: cc });
      p.network.setDefaults({ rate: 10e6, delay: 25 * MS });
      const drops = dropDataSegments(p, [300]);
      const result = transfer(p, pattern(2 << 20), 60 * SECOND);
      assert.ok(result.intact);
      assert.equal(drops.dropped, 1);
      assert.equal(result.client.timeouts, 0, "no RTO fired");
      assert.equal(result.client.fastRecoveries, 1);
      assert.equal(result.client.retransmissions, 1);
      assert.equal(p.tcpA.counters.TCPSackRecovery, 1);
      assert.equal(p.tcpA.counters.TCPTimeouts, 0);
    });
  }

  test("SACK: three losses in one window are all recovered in one recovery, no timeout", () => {
    const p = pair(32);
    p.network.setDefaults({ rate: 10e6, delay: 25 * MS });
    dropDataSegments(p, [300, 303, 307]);
    const result = transfer(p, pattern(2 << 20), 60 * SECOND);
    assert.ok(result.intact);
    assert.equal(result.client.timeouts, 0);
    assert.equal(result.client.fastRecoveries, 1);
    // The three holes, plus at most RFC 6675's one "rescue" retransmission (NextSeg rule 4).
    assert.ok(result.client.retransmissions >= 3 && result.client.retransmissions <= 4);
  });

  test("NewReno without SACK (RFC 6582): partial ACKs retransmit each hole, no timeout", () => {
    const p = pair(33, { sack: false });
    p.network.setDefaults({ rate: 10e6, delay: 25 * MS });
    dropDataSegments(p, [300, 303]);
    const result = transfer(p, pattern(2 << 20), 60 * SECOND);
    assert.ok(result.intact);
    assert.equal(result.client.timeouts, 0);
    assert.equal(result.client.fastRecoveries, 1);
    assert.equal(result.client.retransmissions, 2);
    assert.equal(p.tcpA.counters.TCPRenoRecovery, 1);
  });

  test("NewReno without SACK, thousands of holes in one window: the timer restarts on the first partial ACK only (RFC 6582 §3.2), so a timeout repairs them", () => {
    // Transfer matrix seed 1248782973, case 66: slow start overshoots a one-BDP drop-tail queue
    // on a clean 1 Gbit/s, 100 ms path and loses thousands of segments in one window. Repairing
    // one hole per round trip (the timer restarted on every partial ACK) took over 990 s.
    const summary = runCase({
      size: 64 << 20,
      loss: 0,
      reorder: false,
      duplicate: false,
      corrupt: false,
      delay: 50 * MS,
      rate: 1e9,
      cc: "newreno",
      sack: false,
      seed: 1531294716,
    });
    const virtual = Number(/: ([0-9.]+) s virtual/.exec(summary)?.[1]);
    assert.ok(virtual < 30, summary);
    assert.match(summary, / [1-9]\d* timeouts/, "the retransmission timer fired");
  });

  test("a lost retransmission is found by SACKs of later data and resent without waiting for the timer", () => {
    const p = pair(34);
    p.network.setDefaults({ rate: 10e6, delay: 25 * MS });
    let dropNext = 2;
    const seen = new Set<number>();
    p.network.observer = (packet) => {
      if (packet.src.toString() !== "10.0.0.1") return undefined;
      const seg = parseTcp(packet.payload);
      if (isParseError(seg) || seg.payload.length === 0) return undefined;
      // Drop segment 200 and its first retransmission.
      const first = !seen.has(seg.seq);
      seen.add(seg.seq);
      if (seen.size === 200 && first) return "drop";
      if (!first && dropNext-- === 2) return "drop";
      return undefined;
    };
    const result = transfer(p, pattern(1 << 20), 60 * SECOND);
    assert.ok(result.intact);
    // Linux's tcp_mark_lost_retrans (RFC 6675 alone would wait for the RTO and go back N).
    assert.equal(p.tcpA.counters.TCPLostRetransmit, 1);
    assert.equal(result.client.timeouts, 0);
    assert.ok(result.client.retransmissions <= 3, `${result.client.retransmissions} retransmissions`);
  });

  test("a retransmission lost twice is repaired by the retransmission timer, go-back-N skipping SACKed data", () => {
    const p = pair(34);
    p.network.setDefaults({ rate: 10e6, delay: 25 * MS });
    let drops = 2;
    const seen = new Set<number>();
    let lostSeq = -1;
    p.network.observer = (packet) => {
      if (packet.src.toString() !== "10.0.0.1") return undefined;
      const seg = parseTcp(packet.payload);
      if (isParseError(seg) || seg.payload.length === 0) return undefined;
      // Drop segment 200, its retransmission, and the resend of that retransmission.
      const first = !seen.has(seg.seq);
      seen.add(seg.seq);
      if (seen.size === 200 && first) {
        lostSeq = seg.seq;
        return "drop";
      }
      if (!first && seg.seq === lostSeq && drops-- > 0) return "drop";
      return undefined;
    };
    const result = transfer(p, pattern(1 << 20), 60 * SECOND);
    assert.ok(result.intact);
    assert.equal(p.tcpA.counters.TCPLostRetransmit, 1);
    assert.equal(result.client.timeouts, 1);
    // After the timeout go-back-N skips what the new SACKs report: only a few segments are resent.
    assert.ok(result.client.retransmissions <= 6, `${result.client.retransmissions} retransmissions`);
  });

  test("the RTO follows RFC 6298: backs off exponentially, honours the configured minimum, gives up with ETIMEDOUT", () => {
    const p = pair(35, { minRto: 200 * MS, maxRetransmissions: 5 });
    p.network.setDefaults({ delay: 5 * MS });
    let server: TcpConnection | undefined;
    p.tcpB.listen(80, (c) => (server = c));
    const client = p.tcpA.connect({ remote: B, port: 80 });
    p.scheduler.runFor(100 * MS);
    assert.equal(client.stats().rto, 200 * MS, "SRTT 10 ms + 4 RTTVAR is below the 200 ms minimum");
    // The peer vanishes; the client keeps sending.
    const sent: number[] = [];
    p.network.observer = (packet) => {
      if (packet.src.toString() === "10.0.0.1") sent.push(p.scheduler.now);
      return "drop";
    };
    const errors: string[] = [];
    client.onError = (e) => errors.push(e.code);
    client.write(new Uint8Array(100));
    p.scheduler.runFor(60 * SECOND);
    const gaps = sent.slice(1).map((t, i) => Math.round((t - sent[i]) / MS));
    assert.deepEqual(gaps, [200, 400, 800, 1600, 3200]);
    assert.deepEqual(errors, ["ETIMEDOUT"]);
    assert.equal(p.tcpA.counters.TCPAbortOnTimeout, 1);
    assert.equal(server!.state, "ESTABLISHED", "the silent peer never learns");
  });

  test("userTimeout (RFC 5482) limits how long data may stay unacknowledged", () => {
    const p = pair(36);
    p.network.setDefaults({ delay: 5 * MS });
    p.tcpB.listen(80, () => {});
    const client = p.tcpA.connect({ remote: B, port: 80, userTimeout: 5 * SECOND });
    p.scheduler.runFor(100 * MS);
    p.network.observer = () => "drop";
    let failedAt = -1;
    client.onError = (e) => {
      assert.equal(e.code, "ETIMEDOUT");
      failedAt = p.scheduler.now;
    };
    const start = p.scheduler.now;
    client.write(new Uint8Array(100));
    p.scheduler.runFor(120 * SECOND);
    // RTOs at 1, 3, 7 s; the one at 15 s is past the 5 s limit.
    assert.ok(
      failedAt > 0 && failedAt - start <= 16 * SECOND,
      `failed after ${(failedAt - start) / SECOND} s`,
    );
  });
});

describe("Nagle's algorithm and delayed ACKs (RFC 1122 §4.2.3)", () => {
  function smallWrites(noDelay: boolean): number[] {
    const p = pair(41, { noDelay });
    p.network.setDefaults({ delay: 10 * MS });
    const lengths: number[] = [];
    p.tracer.subscribe((e) => {
      if (e.type === "tcp-segment" && e.direction === "out" && e.node === "a" && e.length > 0)
        lengths.push(e.length);
    });
    p.tcpB.listen(80, () => {});
    const client = p.tcpA.connect({ remote: B, port: 80 });
    client.onConnect = () => {
      for (let i = 0; i < 10; i++) client.write(new Uint8Array(1));
    };
    p.scheduler.runFor(500 * MS);
    return lengths;
  }

  test("Nagle: small writes wait while data is unacknowledged, then go as one segment", () => {
    assert.deepEqual(smallWrites(false), [1, 9]);
  });

  test("TCP_NODELAY: every small write goes at once", () => {
    assert.deepEqual(smallWrites(true), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  test("delayed ACKs: one ACK per two full segments; a lone segment is acknowledged after the delay", () => {
    const w = rawWorld({ delayedAckTimeout: 40 * MS });
    w.tcp.listen(80, (c) => (c.onData = () => {}));
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: 100,
      flags: SYN,
      options: [{ kind: "mss", value: 1000 }],
    });
    w.scheduler.runFor(2 * MS);
    const synAck = w.peer.take()[0];
    const send = (offset: number, length: number) =>
      w.peer.send(A, {
        srcPort: 4000,
        dstPort: 80,
        seq: 101 + offset,
        ack: synAck.seq + 1,
        flags: ACK,
        payload: new Uint8Array(length),
      });
    send(0, 0);
    send(0, 1000);
    send(1000, 1000);
    send(2000, 1000);
    send(3000, 1000);
    w.scheduler.runFor(2 * MS);
    assert.deepEqual(
      w.peer.take().map((s) => s.ack - 101),
      [2000, 4000],
    );
    send(4000, 500);
    w.scheduler.runFor(30 * MS);
    assert.equal(w.peer.take().length, 0, "held back");
    w.scheduler.runFor(20 * MS);
    const delayed = w.peer.take();
    assert.equal(delayed.length, 1);
    assert.equal(delayed[0].ack - 101, 4500);
    assert.ok(Math.abs(delayed[0].time - 40 * MS - (w.scheduler.now - 50 * MS + 1 * MS)) <= 1 * MS);
    assert.equal(w.tcp.counters.DelayedACKs, 1);
  });

  test("delayed ACKs off: every segment is acknowledged at once", () => {
    const w = rawWorld({ delayedAck: false });
    w.tcp.listen(80, (c) => (c.onData = () => {}));
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 100, flags: SYN });
    w.scheduler.runFor(2 * MS);
    const synAck = w.peer.take()[0];
    for (let i = 0; i < 3; i++) {
      w.peer.send(A, {
        srcPort: 4000,
        dstPort: 80,
        seq: 101 + 100 * i,
        ack: synAck.seq + 1,
        flags: ACK,
        payload: new Uint8Array(100),
      });
    }
    w.scheduler.runFor(2 * MS);
    assert.equal(w.peer.take().length, 3);
  });
});

describe("flow control", () => {
  test("zero window: the sender probes with backoff (persist timer) and resumes when the reader does", () => {
    const p = pair(51, { receiveBuffer: 16 * 1024 });
    p.network.setDefaults({ delay: 5 * MS });
    let server: TcpConnection | undefined;
    const got: Uint8Array[] = [];
    p.tcpB.listen(80, { receiveBufferSize: 16 * 1024 }, (c) => {
      server = c;
      c.pause();
    });
    const client = p.tcpA.connect({ remote: B, port: 80 });
    const data = pattern(100_000);
    let offset = 0;
    const pump = () => {
      while (offset < data.length) {
        const n = client.write(data.subarray(offset));
        if (n === 0) return;
        offset += n;
      }
      client.shutdown();
    };
    client.onConnect = pump;
    client.onWritable = pump;
    p.scheduler.runFor(20 * SECOND);
    assert.equal(server!.readableLength, 16 * 1024, "the receiver's buffer is full");
    assert.equal(client.stats().sendWindow, 0);
    const probes = p.tcpA.counters.TCPWinProbe;
    assert.ok(probes >= 3 && probes <= 8, `${probes} probes in 20 s (backing off)`);
    assert.equal(client.state, "ESTABLISHED", "probes that are answered never time out");
    // Hours later, far more probes than the retransmission limit: still connected (RFC 1122 §4.2.2.17).
    p.scheduler.runFor(3 * 3600 * SECOND);
    assert.ok(p.tcpA.counters.TCPWinProbe > 50, `${p.tcpA.counters.TCPWinProbe} probes`);
    assert.equal(client.state, "ESTABLISHED");
    let ended = false;
    server!.onData = (d) => got.push(d);
    server!.onEnd = () => (ended = true);
    server!.resume();
    p.scheduler.runFor(5 * SECOND);
    assert.ok(ended);
    assert.equal(sha256(got), sha256(data));
  });

  test("receiver SWS avoidance: reading a byte at a time from a full buffer does not open the window byte by byte", () => {
    const p = pair(52);
    p.network.setDefaults({ delay: 5 * MS });
    let server: TcpConnection | undefined;
    const windows: number[] = [];
    p.tracer.subscribe((e) => {
      if (e.type === "tcp-segment" && e.direction === "out" && e.node === "b") windows.push(e.window);
    });
    p.tcpB.listen(80, { receiveBufferSize: 8192 }, (c) => {
      server = c;
      c.pause();
    });
    const client = p.tcpA.connect({ remote: B, port: 80 });
    client.onConnect = () => client.write(pattern(50_000));
    p.scheduler.runFor(5 * SECOND);
    assert.equal(windows.at(-1), 0);
    windows.length = 0;
    for (let i = 0; i < 1000; i++) {
      server!.read(1);
      p.scheduler.runFor(1 * MS);
    }
    // Window updates only once at least min(buffer/2, MSS) could be offered.
    const small = windows.filter((w) => w > 0 && w < 1448);
    assert.deepEqual(small, []);
  });

  test("sender SWS avoidance: a window smaller than a segment is not filled with tiny segments", () => {
    const p = pair(53);
    p.network.setDefaults({ delay: 5 * MS });
    const lengths: number[] = [];
    p.tracer.subscribe((e) => {
      if (e.type === "tcp-segment" && e.direction === "out" && e.node === "a" && e.length > 0)
        lengths.push(e.length);
    });
    let server: TcpConnection | undefined;
    p.tcpB.listen(80, { receiveBufferSize: 4000 }, (c) => {
      server = c;
      c.pause();
    });
    const client = p.tcpA.connect({ remote: B, port: 80 });
    client.onConnect = () => client.write(pattern(20_000));
    p.scheduler.runFor(1 * SECOND);
    for (let i = 0; i < 50; i++) {
      server!.read(100);
      p.scheduler.runFor(20 * MS);
    }
    const tiny = lengths.filter((n) => n < 1000);
    assert.ok(tiny.length <= 2, `segments: ${lengths.join(",")}`);
  });

  test("receive-window auto-tuning grows the buffer with the path; a fixed buffer size turns it off", () => {
    const tuned = pair(54);
    tuned.network.setDefaults({ rate: 100e6, delay: 20 * MS });
    const r1 = transfer(tuned, pattern(8 << 20), 60 * SECOND);
    assert.ok(r1.intact);
    assert.ok(r1.server!.receiveBufferSize > 128 * 1024, `grew to ${r1.server!.receiveBufferSize}`);
    const fixed = pair(54);
    fixed.network.setDefaults({ rate: 100e6, delay: 20 * MS });
    const r2 = transfer(fixed, pattern(8 << 20), 60 * SECOND, { receiveBufferSize: 64 * 1024 });
    assert.ok(r2.intact);
    assert.equal(r2.server!.receiveBufferSize, 64 * 1024);
    assert.ok(r2.elapsed > r1.elapsed * 2, "a 64 KiB window cannot fill 100 Mbit/s over 40 ms");
  });
});

describe("options", () => {
  test("the MSS follows the interface MTU (RFC 9293 §3.7.1) and the smaller side wins", () => {
    const p = pair(61);
    const small = p.network.host("10.0.0.3", 1000);
    const tcpSmall = new (
      p.tcpA.constructor as typeof import("../../../src/transport/tcp/tcp-layer.js").TcpLayer
    )(small, p.scheduler);
    let accepted: TcpConnection | undefined;
    tcpSmall.listen(80, (c) => (accepted = c));
    const client = p.tcpA.connect({ remote: small.address, port: 80 });
    p.scheduler.runFor(10 * MS);
    assert.equal(client.stats().mss, 1000 - 40 - 12);
    assert.equal(accepted!.stats().mss, 1000 - 40 - 12);
  });

  test("window scaling is used only when both sides offer it (RFC 7323 §2.2)", () => {
    const p = pair(62, {}, { windowScaling: false });
    let accepted: TcpConnection | undefined;
    p.tcpB.listen(80, (c) => (accepted = c));
    const client = p.tcpA.connect({ remote: B, port: 80 });
    p.scheduler.runFor(10 * MS);
    assert.deepEqual(client.stats().windowScale, { send: 0, receive: 0 });
    assert.deepEqual(accepted!.stats().windowScale, { send: 0, receive: 0 });
    assert.ok(client.stats().receiveWindow <= 65535);
  });

  test("PAWS (RFC 7323 §5): a segment with an older timestamp is an old duplicate and is dropped", () => {
    const w = rawWorld();
    let conn: TcpConnection | undefined;
    const got: number[] = [];
    w.tcp.listen(80, (c) => {
      conn = c;
      c.onData = (d) => got.push(...d);
    });
    const ts = (value: number) => [
      { kind: "nop" as const },
      { kind: "nop" as const },
      { kind: "timestamps" as const, value, echo: 0 },
    ];
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: 100,
      flags: SYN,
      options: [
        { kind: "mss", value: 1460 },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "timestamps", value: 1000, echo: 0 },
      ],
    });
    w.scheduler.runFor(2 * MS);
    const synAck = w.peer.take()[0];
    const tsOption = synAck.options.find((o) => o.kind === "timestamps");
    assert.ok(tsOption, "timestamps negotiated");
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: 101,
      ack: synAck.seq + 1,
      flags: ACK,
      options: ts(1001),
    });
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: 101,
      ack: synAck.seq + 1,
      flags: ACK | PSH,
      options: ts(1002),
      payload: Uint8Array.from([1, 2]),
    });
    w.scheduler.runFor(100 * MS);
    assert.deepEqual(got, [1, 2]);
    w.peer.take();
    // A segment that fits the window but carries TSval 900 < TS.Recent (1002): PAWS drops it.
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: 103,
      ack: synAck.seq + 1,
      flags: ACK | PSH,
      options: ts(900),
      payload: Uint8Array.from([9]),
    });
    w.scheduler.runFor(100 * MS);
    assert.deepEqual(got, [1, 2]);
    assert.equal(w.tcp.counters.PAWSEstab, 1);
    const ack = w.peer.take()[0];
    assert.equal(ack.ack, 104 - 1, "answered with an ACK for what was really received");
    assert.equal(conn!.state, "ESTABLISHED");
    // Pure ACKs with an old TSval (reordered ACKs, typically) are dropped too, but answered at most
    // once per 500 ms (Linux's tcp_invalid_ratelimit): reordering must not become an ACK storm.
    const staleAck = () =>
      w.peer.send(A, {
        srcPort: 4000,
        dstPort: 80,
        seq: 103,
        ack: synAck.seq + 1,
        flags: ACK,
        options: ts(901),
      });
    for (let i = 0; i < 5; i++) {
      staleAck();
      w.scheduler.runFor(10 * MS);
    }
    assert.equal(w.tcp.counters.PAWSEstab, 6);
    assert.equal(w.tcp.counters.TCPACKSkippedPAWS, 4, "four of the five answers held back");
    assert.equal(w.peer.take().length, 1);
    w.scheduler.runFor(500 * MS);
    staleAck();
    w.scheduler.runFor(10 * MS);
    assert.equal(w.peer.take().length, 1, "answered again after 500 ms");
  });

  test("a new SYN with a newer timestamp reopens a 4-tuple in TIME-WAIT (RFC 6191)", () => {
    const p = pair(63);
    p.network.setDefaults({ delay: 5 * MS });
    const servers: TcpConnection[] = [];
    p.tcpB.listen(80, (c) => {
      servers.push(c);
      c.onEnd = () => c.close();
    });
    // The server closes first, so the server holds the TIME-WAIT.
    const first = p.tcpA.connect({ remote: B, port: 80, localPort: 40000 });
    p.scheduler.runFor(50 * MS);
    servers[0].close();
    p.scheduler.runFor(20 * MS);
    first.close();
    p.scheduler.runFor(50 * MS);
    assert.equal(servers[0].state, "TIME-WAIT");
    assert.equal(first.state, "CLOSED");
    p.scheduler.runFor(10 * MS);
    const second = p.tcpA.connect({ remote: B, port: 80, localPort: 40000 });
    p.scheduler.runFor(50 * MS);
    assert.equal(second.state, "ESTABLISHED");
    assert.equal(servers.length, 2);
    assert.equal(servers[0].state, "CLOSED");
    assert.equal(p.tcpB.counters.TCPTimeWaitRecycled, 1);
  });
});

describe("TIME-WAIT reuse by active opens (Linux tcp_tw_reuse)", () => {
  /** Opens a connection from `localPort` (or an ephemeral one), exchanges a byte, the client closes first. */
  function exchange(p: Pair, localPort?: number): { connection: TcpConnection; errors: string[] } {
    const connection = p.tcpA.connect({ remote: B, port: 80, localPort });
    const errors: string[] = [];
    connection.onError = (e) => errors.push(e.code);
    connection.onConnect = () => {
      connection.write(new Uint8Array(1));
      connection.close();
    };
    p.scheduler.runFor(100 * MS);
    return { connection, errors };
  }

  test("a 4-tuple in TIME-WAIT is refused at once and taken over after a second, with an ISN beyond the old one", () => {
    const p = pair(64);
    p.network.setDefaults({ delay: 5 * MS });
    p.tcpB.listen(80, (c) => {
      c.onData = () => {};
      c.onEnd = () => c.close();
    });
    let lastSeq = 0;
    p.tracer.subscribe((e) => {
      if (e.type === "tcp-segment" && e.node === "a" && e.direction === "out") lastSeq = e.seq;
    });
    const first = exchange(p, 40000);
    assert.equal(first.connection.state, "TIME-WAIT");
    const oldEnd = lastSeq;
    assert.deepEqual(exchange(p, 40000).errors, ["EADDRINUSE"]);
    p.scheduler.runFor(1000 * MS);
    let synSeq = -1;
    p.tracer.subscribe((e) => {
      if (synSeq < 0 && e.type === "tcp-segment" && e.node === "a" && e.flags === "S") synSeq = e.seq;
    });
    const third = exchange(p, 40000);
    assert.deepEqual(third.errors, []);
    assert.equal(third.connection.state, "TIME-WAIT", "it ran its course");
    assert.equal(first.connection.state, "CLOSED");
    assert.equal((synSeq - oldEnd) >>> 0, 65537);
    assert.equal(p.tcpA.counters.TCPTimeWaitRecycled, 1);
  });

  test("with four ephemeral ports, a client that closes first keeps connecting once a second", () => {
    const p = pair(65, { ephemeralPortMin: 50000, ephemeralPortMax: 50003 });
    p.network.setDefaults({ delay: 5 * MS });
    let served = 0;
    p.tcpB.listen(80, (c) => {
      c.onData = () => served++;
      c.onEnd = () => c.close();
    });
    for (let i = 0; i < 12; i++) {
      assert.deepEqual(exchange(p).errors, [], `connection ${i + 1}`);
      p.scheduler.runFor(1000 * MS);
    }
    assert.equal(served, 12);
    const off = pair(65, { ephemeralPortMin: 50000, ephemeralPortMax: 50003, timeWaitReuse: false });
    off.tcpB.listen(80, (c) => (c.onEnd = () => c.close()));
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(...exchange(off).errors);
      off.scheduler.runFor(1000 * MS);
    }
    assert.deepEqual(results, ["EADDRNOTAVAIL", "EADDRNOTAVAIL"], "without reuse the four ports run out");
  });
});

describe("keepalive (RFC 1122 §4.2.3.6)", () => {
  test("an idle connection is probed; a live peer answers; a dead one is dropped with ETIMEDOUT", () => {
    const p = pair(71);
    p.network.setDefaults({ delay: 5 * MS });
    p.tcpB.listen(80, () => {});
    const client = p.tcpA.connect({
      remote: B,
      port: 80,
      keepAlive: { idle: 10 * SECOND, interval: 1 * SECOND, probes: 3 },
    });
    const errors: string[] = [];
    client.onError = (e) => errors.push(e.code);
    p.scheduler.runFor(35 * SECOND);
    assert.equal(p.tcpA.counters.TCPKeepAlive, 3, "a probe every 10 s of idleness");
    assert.equal(client.state, "ESTABLISHED");
    p.network.observer = () => "drop";
    p.scheduler.runFor(20 * SECOND);
    assert.deepEqual(errors, ["ETIMEDOUT"]);
    assert.equal(client.state, "CLOSED");
  });

  test("keepalive is off by default", () => {
    const p = pair(72);
    p.tcpB.listen(80, () => {});
    const client = p.tcpA.connect({ remote: B, port: 80 });
    p.scheduler.runFor(3 * 3600 * SECOND);
    assert.equal(p.tcpA.counters.TCPKeepAlive, 0);
    assert.equal(client.state, "ESTABLISHED");
  });
});

describe("observability", () => {
  test("every segment, state change and congestion update is traced; counters agree with the traces", () => {
    const p = pair(81);
    p.network.setDefaults({ rate: 10e6, delay: 10 * MS, loss: 0.02 });
    const segments = { a: { in: 0, out: 0 }, b: { in: 0, out: 0 } };
    let retransmissions = 0;
    let congestion = 0;
    p.tracer.subscribe((e) => {
      if (e.type === "tcp-segment") {
        segments[e.node as "a" | "b"][e.direction]++;
        if (e.retransmission) retransmissions++;
        assert.match(e.connection, /^10\.0\.0\.\d:\d+>10\.0\.0\.\d:\d+$/);
      }
      if (e.type === "tcp-congestion") congestion++;
    });
    const result = transfer(p, pattern(512 * 1024), 120 * SECOND);
    assert.ok(result.intact);
    assert.equal(segments.a.out, p.tcpA.counters.OutSegs);
    assert.equal(segments.a.in, p.tcpA.counters.InSegs);
    assert.equal(segments.b.out, p.tcpB.counters.OutSegs);
    assert.equal(retransmissions, p.tcpA.counters.RetransSegs + p.tcpB.counters.RetransSegs);
    assert.ok(congestion > 0);
    assert.equal(p.tcpA.counters.ActiveOpens, 1);
    assert.equal(p.tcpB.counters.PassiveOpens, 1);
  });

  test("connection stats report bytes, segments, RTT and the congestion window", () => {
    const p = pair(82);
    p.network.setDefaults({ rate: 100e6, delay: 10 * MS });
    const result = transfer(p, pattern(1 << 20), 60 * SECOND);
    const stats = result.client;
    assert.equal(stats.bytesWritten, 1 << 20);
    assert.equal(stats.bytesAcked, 1 << 20);
    assert.equal(result.server!.bytesReceived, 1 << 20);
    assert.ok(stats.segmentsSent >= (1 << 20) / 1448);
    // At least the 20 ms path RTT; more as the bottleneck queue fills.
    assert.ok(stats.srtt! >= 20 * MS && stats.srtt! < 200 * MS, `srtt ${stats.srtt}`);
    assert.equal(stats.minRtt! >= 20 * MS, true);
    assert.equal(stats.congestionControl, "cubic");
    assert.ok(stats.cwnd > 14480);
  });
});

test("FIN-WAIT-2 of a closed connection times out (Linux tcp_fin_timeout); a half-closed one waits", () => {
  const w = rawWorld({ finWait2Timeout: 5 * SECOND });
  let conn: TcpConnection | undefined;
  w.tcp.listen(80, (c) => (conn = c));
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 100, flags: SYN });
  w.scheduler.runFor(2 * MS);
  const synAck = w.peer.take()[0];
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 101, ack: synAck.seq + 1, flags: ACK });
  w.scheduler.runFor(2 * MS);
  conn!.close();
  w.scheduler.runFor(2 * MS);
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 101, ack: synAck.seq + 2, flags: ACK });
  w.scheduler.runFor(2 * MS);
  assert.equal(conn!.state, "FIN-WAIT-2");
  w.scheduler.runFor(6 * SECOND);
  assert.equal(conn!.state, "CLOSED");
  void FIN;
});

describe("ss and netstat views", () => {
  test("ss -tan lists the listener and both ends; -i adds the internals; netstat -s counts", () => {
    const p = pair(91);
    p.network.setDefaults({ delay: 5 * MS });
    p.tcpB.listen(80, () => {});
    const client = p.tcpA.connect({ remote: B, port: 80, localPort: 40000 });
    client.onConnect = () => client.write(new Uint8Array(3000));
    p.scheduler.runFor(100 * MS);
    const server = formatTcpSockets(p.tcpB);
    assert.match(server, /^State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port$/m);
    assert.match(server, /^LISTEN\s+0\s+511\s+\*:80\s+\*:\*$/m);
    // Nobody reads on the server: the 3000 bytes wait in its Recv-Q.
    assert.match(server, /^ESTAB\s+3000\s+0\s+10\.0\.0\.2:80\s+10\.0\.0\.1:40000$/m);
    const info = formatTcpSockets(p.tcpA, { info: true });
    assert.match(info, /^ESTAB\s+0\s+0\s+10\.0\.0\.1:40000\s+10\.0\.0\.2:80$/m);
    assert.match(
      info,
      /^\t cubic wscale:10,10 rto:1000 rtt:[\d.]+\/[\d.]+ mss:1448 cwnd:\d+ bytes_sent:3000 bytes_acked:3000 /m,
    );
    const netstat = formatTcpNetstat(p.tcpA.counters, p.tcpA.currentEstablished);
    assert.match(netstat, /^Tcp:\n {4}1 active connection openings\n {4}0 passive connection openings\n/);
    assert.match(netstat, /^ {4}1 connections established$/m);
    assert.match(netstat, /^TcpExt:$/m);
  });
});
