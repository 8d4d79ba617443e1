/**
 * Attacks TCP must survive: blind in-window injection (RFC 5961), SYN floods (RFC 4987 SYN
 * cookies), predictable ISNs (RFC 6528), and out-of-order data meant to exhaust memory.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { emitTcp, TcpFlags, type TcpRepr } from "../../../src/wire/tcp.js";
import { type Pair, pair, pattern, rawWorld, sha256 } from "./support.js";

const { SYN, ACK, RST, PSH } = TcpFlags;
const A = Ipv4Address.parse("10.0.0.1");
const B = Ipv4Address.parse("10.0.0.2");
const MS = 1e6;

/** Builds a segment as `src` would send it to `dst`. */
function segment(
  src: Ipv4Address,
  dst: Ipv4Address,
  fields: Partial<TcpRepr> & { srcPort: number; dstPort: number },
): Uint8Array {
  const repr: TcpRepr = {
    seq: 0,
    ack: 0,
    flags: 0,
    window: 65535,
    urgentPointer: 0,
    options: [],
    payload: new Uint8Array(0),
    ...fields,
  };
  const out = new Uint8Array(60 + repr.payload.length);
  return out.slice(0, emitTcp(repr, out, { src, dst }));
}

/**
 * A client on a sends `size` bytes to b's port 80 while `attack` runs once the connection is
 * established; returns whether the data arrived intact plus both connections.
 */
function transferUnderAttack(
  p: Pair,
  size: number,
  attack: (client: TcpConnection, server: TcpConnection) => void,
) {
  const data = pattern(size);
  const got: Uint8Array[] = [];
  let server: TcpConnection | undefined;
  let ended = false;
  const errors: string[] = [];
  p.tcpB.listen(80, (c) => {
    server = c;
    c.onData = (d) => got.push(d);
    c.onEnd = () => {
      ended = true;
      c.close();
    };
    c.onError = (e) => errors.push(`server ${e.code}`);
  });
  const client = p.tcpA.connect({ remote: B, port: 80 });
  client.onError = (e) => errors.push(`client ${e.code}`);
  let offset = 0;
  let attacked = false;
  const pump = () => {
    if (!attacked && server) {
      attacked = true;
      attack(client, server);
    }
    while (offset < data.length) {
      const n = client.write(data.subarray(offset, offset + 16384));
      if (n === 0) return;
      offset += n;
    }
    client.shutdown();
  };
  client.onConnect = () => p.scheduler.after(5 * MS, pump);
  client.onWritable = pump;
  p.scheduler.runWhile(() => !ended && errors.length === 0, p.scheduler.now + 60_000 * MS);
  return { intact: ended && sha256(got) === sha256(data), errors, client, server: server! };
}

/** Reads a connection's sequence variables from the wire: the next segment it sends. */
function peek(p: Pair, from: "a" | "b"): { seq: number; ack: number } {
  let seen: { seq: number; ack: number } | undefined;
  const unsubscribe = p.tracer.subscribe((e) => {
    if (!seen && e.type === "tcp-segment" && e.direction === "out" && e.node === from)
      seen = { seq: e.seq, ack: e.ack };
  });
  p.scheduler.runWhile(() => seen === undefined, p.scheduler.now + 10_000 * MS);
  unsubscribe();
  return seen!;
}

test("blind RSTs (RFC 5961 §3): out of window ignored, in window challenged, the connection survives", () => {
  const p = pair(11);
  p.network.setDefaults({ delay: 10 * MS, rate: 10e6 });
  const result = transferUnderAttack(p, 512 * 1024, (client, server) => {
    // The attacker knows the 4-tuple but not the sequence numbers: it tries some, spoofing the client.
    const { ack: rcvNxt } = peek(p, "b");
    const guesses = [rcvNxt + 3_000_000_000, rcvNxt - 5_000_000, rcvNxt + 1000, rcvNxt + 20_000];
    for (const seq of guesses) {
      p.network.inject(
        A,
        B,
        6,
        segment(A, B, { srcPort: client.localPort, dstPort: 80, seq: seq >>> 0, flags: RST }),
      );
    }
    assert.equal(server.state, "ESTABLISHED");
  });
  assert.deepEqual(result.errors, []);
  assert.ok(result.intact, "the transfer completed intact");
  const counters = p.tcpB.counters;
  assert.equal(counters.TCPRstOutOfWindow, 2);
  assert.equal(counters.TCPChallengeACK, 2);
});

test("a blind SYN in a synchronized state (RFC 5961 §4) draws a challenge ACK and changes nothing", () => {
  const p = pair(12, { timestamps: false });
  p.network.setDefaults({ delay: 10 * MS, rate: 10e6 });
  const result = transferUnderAttack(p, 256 * 1024, (client) => {
    for (const seq of [1, 0x7fffffff, 0xdeadbeef]) {
      p.network.inject(A, B, 6, segment(A, B, { srcPort: client.localPort, dstPort: 80, seq, flags: SYN }));
    }
  });
  assert.deepEqual(result.errors, []);
  assert.ok(result.intact);
  assert.equal(p.tcpB.counters.TCPSYNChallenge, 3);
  assert.ok(p.tcpB.counters.TCPChallengeACK >= 3);
});

test("blind data with an unacceptable ACK (RFC 5961 §5) is not accepted", () => {
  // Without timestamps, so that the ACK check itself is what stops it (see the next test).
  const p = pair(13, { timestamps: false });
  p.network.setDefaults({ delay: 10 * MS, rate: 10e6 });
  const result = transferUnderAttack(p, 256 * 1024, (client) => {
    const { seq: serverSndNxt, ack: rcvNxt } = peek(p, "b");
    const junk = new Uint8Array(100).fill(0x66);
    // The sequence number is right (in the window) but the ACK is far outside
    // [SND.UNA - MAX.SND.WND, SND.NXT]: a blind attacker cannot know it.
    for (const ack of [serverSndNxt + 1_000_000, serverSndNxt - 2_000_000_000]) {
      p.network.inject(
        A,
        B,
        6,
        segment(A, B, {
          srcPort: client.localPort,
          dstPort: 80,
          seq: rcvNxt,
          ack: ack >>> 0,
          flags: ACK | PSH,
          payload: junk,
        }),
      );
    }
  });
  assert.deepEqual(result.errors, []);
  assert.ok(result.intact, "no junk was inserted into the stream");
  assert.equal(p.tcpB.counters.TCPACKSkippedChallenge, 2);
});

test("with timestamps negotiated, blind segments without them are dropped (RFC 7323 §3.2)", () => {
  const p = pair(15);
  p.network.setDefaults({ delay: 10 * MS, rate: 10e6 });
  const result = transferUnderAttack(p, 256 * 1024, (client) => {
    const { ack: rcvNxt } = peek(p, "b");
    const junk = new Uint8Array(100).fill(0x66);
    p.network.inject(
      A,
      B,
      6,
      segment(A, B, {
        srcPort: client.localPort,
        dstPort: 80,
        seq: rcvNxt,
        ack: 0,
        flags: ACK | PSH,
        payload: junk,
      }),
    );
  });
  assert.deepEqual(result.errors, []);
  assert.ok(result.intact);
  assert.equal(p.tcpB.counters.TCPNoTimestampDrops, 1);
});

test("challenge ACKs are rate-limited (RFC 5961 §7)", () => {
  const w = rawWorld({ challengeAckLimit: 100 });
  w.tcp.listen(80, () => {});
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 1000, flags: SYN });
  w.scheduler.runFor(2 * MS);
  const synAck = w.peer.take()[0];
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 1001, ack: synAck.seq + 1, flags: ACK });
  w.scheduler.runFor(2 * MS);
  for (let i = 0; i < 1000; i++)
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 1001 + 10 + i, flags: RST });
  w.scheduler.runFor(2 * MS);
  assert.equal(w.peer.take().length, 100);
  assert.equal(w.tcp.counters.TCPChallengeACK, 100);
  assert.equal(w.tcp.counters.TCPChallengeACKLimited, 900);
  // A second later the budget is back.
  w.scheduler.runFor(1000 * MS);
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 1001 + 5, flags: RST });
  w.scheduler.runFor(2 * MS);
  assert.equal(w.peer.take().length, 1);
});

test("SYN flood: 100,000 spoofed SYNs fill the bounded SYN queue, SYN cookies answer the rest, a real client still connects", () => {
  const p = pair(14);
  p.network.setDefaults({ delay: 1 * MS });
  const backlog = 128;
  let accepted = 0;
  const serverGot: Uint8Array[] = [];
  const listener = p.tcpB.listen(80, { backlog }, (c) => {
    accepted++;
    c.onData = (d) => serverGot.push(d);
  });
  // Spoofed sources in 198.18.0.0/15 (RFC 2544 benchmarking space): nobody answers the SYN-ACKs.
  const flood = 100_000;
  for (let i = 0; i < flood; i++) {
    const src = new Ipv4Address(0xc6120000 + i);
    const syn = segment(src, B, {
      srcPort: 1024 + (i % 60000),
      dstPort: 80,
      seq: (i * 2654435761) >>> 0,
      flags: SYN,
      options: [
        { kind: "mss", value: 1460 },
        { kind: "sack-permitted" },
        { kind: "timestamps", value: i, echo: 0 },
        { kind: "nop" },
        { kind: "window-scale", shift: 7 },
      ],
    });
    p.network.inject(src, B, 6, syn);
  }
  const counters = p.tcpB.counters;
  // Memory is bounded: the queue holds `backlog` half-open connections and no more.
  assert.equal(listener.synQueueLength, backlog);
  assert.equal(p.tcpB.connectionTotal, backlog);
  assert.equal(counters.SyncookiesSent, flood - backlog);
  assert.equal(counters.ListenOverflows, flood - backlog);
  // A legitimate client connects now, while the queue is still full: its SYN gets a cookie.
  const client = p.tcpA.connect({ remote: B, port: 80 });
  const errors: string[] = [];
  client.onError = (e) => errors.push(e.code);
  const data = pattern(200_000);
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
  p.scheduler.runFor(2000 * MS);
  assert.deepEqual(errors, []);
  assert.equal(accepted, 1);
  assert.equal(counters.SyncookiesRecv, 1);
  assert.equal(sha256(serverGot), sha256(data));
  // The cookie carried SACK and window scaling in the timestamp (as Linux encodes them).
  const server = p.tcpB.connections().find((c) => c.remotePort === client.localPort)!;
  const stats = server.stats();
  assert.equal(stats.sack, true);
  assert.equal(stats.timestamps, true);
  assert.equal(stats.windowScale.send, client.stats().windowScale.receive);
  assert.equal(stats.mss, 1448);
  // The half-open connections give up after their SYN-ACK retries (1+2+4+8+16+32 s) and the
  // queue drains: nothing of the flood stays.
  p.scheduler.runFor(70_000 * MS);
  assert.equal(listener.synQueueLength, 0);
  assert.ok(p.tcpB.connectionTotal <= 1);
});

test("a forged cookie ACK is refused with RST", () => {
  const w = rawWorld({ backlog: 1 });
  w.tcp.listen(80, { backlog: 1 }, () => {});
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 1000, flags: SYN });
  w.peer.send(A, { srcPort: 4001, dstPort: 80, seq: 2000, flags: SYN });
  w.scheduler.runFor(2 * MS);
  assert.equal(w.tcp.counters.SyncookiesSent, 1);
  const cookieSynAck = w.peer.take().find((s) => s.dstPort === 4001)!;
  // A wrong cookie (off by one) and a right one.
  w.peer.send(A, {
    srcPort: 4001,
    dstPort: 80,
    seq: 2001,
    ack: (cookieSynAck.seq + 0x123456) >>> 0,
    flags: ACK,
  });
  w.scheduler.runFor(2 * MS);
  assert.equal(w.tcp.counters.SyncookiesFailed, 1);
  assert.equal(w.peer.take()[0].flags, RST);
  w.peer.send(A, { srcPort: 4001, dstPort: 80, seq: 2001, ack: cookieSynAck.seq + 1, flags: ACK });
  w.scheduler.runFor(2 * MS);
  assert.equal(w.tcp.counters.SyncookiesRecv, 1);
  // Without timestamps the cookie cannot carry SACK or window scaling: they are off.
  const connection = w.tcp.connections().find((c) => c.remotePort === 4001)!;
  assert.equal(connection.state, "ESTABLISHED");
  assert.equal(connection.stats().sack, false);
});

test("ISNs (RFC 6528): different per 4-tuple, advancing with the clock, unpredictable across stacks", () => {
  const isns = (seed: number, port: number, at: number) => {
    const w = rawWorld({}, seed);
    w.scheduler.runFor(at);
    w.tcp.connect({ remote: B, port: 80, localPort: port });
    w.scheduler.runFor(2 * MS);
    return w.peer.take()[0].seq;
  };
  const a = isns(1, 5000, 0);
  const b = isns(1, 5001, 0);
  const later = isns(1, 5000, 400 * MS);
  const otherKey = isns(2, 5000, 0);
  assert.notEqual(a, b);
  assert.notEqual(a, otherKey);
  // M ticks every 4 µs: 400 ms later the same 4-tuple's ISN is 100,000 higher.
  assert.equal((later - a) >>> 0, 100_000);
});

test("out-of-order data cannot exhaust memory: bytes stay within the window and holes are capped", () => {
  const w = rawWorld({ maxOutOfOrderRanges: 16, receiveBuffer: 64 * 1024 });
  let conn: TcpConnection | undefined;
  w.tcp.listen(80, (c) => (conn = c));
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 1000, flags: SYN });
  w.scheduler.runFor(2 * MS);
  const synAck = w.peer.take()[0];
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 1001, ack: synAck.seq + 1, flags: ACK });
  w.scheduler.runFor(2 * MS);
  // One byte into every other position of the window, and far beyond it.
  for (let i = 0; i < 2000; i++) {
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: 1001 + 2 + 2 * i * 40,
      ack: synAck.seq + 1,
      flags: ACK,
      payload: new Uint8Array(1),
    });
  }
  w.scheduler.runFor(10 * MS);
  const stats = conn!.stats();
  assert.ok(stats.outOfOrderBytes <= 16, `held ${stats.outOfOrderBytes} bytes out of order`);
  assert.ok(w.tcp.counters.TCPOFODrop > 0);
  assert.equal(conn!.state, "ESTABLISHED");
});
