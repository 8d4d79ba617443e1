/**
 * The connection state machine against RFC 9293's diagram (§3.3.2) and event processing rules
 * (§3.10): every transition, simultaneous open and close, and RST in every state, driven segment
 * by segment from a raw peer.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import type { TcpError, TcpState } from "../../../src/transport/tcp/state.js";
import { TcpLayer } from "../../../src/transport/tcp/tcp-layer.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../../src/wire/address/ipv6.js";
import { TcpFlags } from "../../../src/wire/tcp.js";
import { pair, rawWorld, type SeenSegment } from "./support.js";

const { SYN, ACK, FIN, RST, PSH, URG } = TcpFlags;
const A = Ipv4Address.parse("10.0.0.1");
const B = Ipv4Address.parse("10.0.0.2");
const MS = 1e6;
const PEER_ISS = 1_000_000;

type World = ReturnType<typeof rawWorld>;

function only(segments: SeenSegment[]): SeenSegment {
  assert.equal(segments.length, 1, `expected one segment, got ${segments.length}`);
  return segments[0];
}

/** Our stack opens to the raw peer's port 80; the peer completes the handshake (no options). */
function activeOpen(w: World): { conn: TcpConnection; port: number; iss: number; errors: TcpError[] } {
  const conn = w.tcp.connect({ remote: B, port: 80 });
  const errors: TcpError[] = [];
  conn.onError = (e) => errors.push(e);
  w.scheduler.runFor(2 * MS);
  const syn = only(w.peer.take());
  w.peer.send(A, {
    srcPort: 80,
    dstPort: syn.srcPort,
    seq: PEER_ISS,
    ack: syn.seq + 1,
    flags: SYN | ACK,
    options: [{ kind: "mss", value: 1460 }],
  });
  w.scheduler.runFor(2 * MS);
  const ack = only(w.peer.take());
  assert.equal(ack.flags, ACK);
  assert.equal(conn.state, "ESTABLISHED");
  return { conn, port: syn.srcPort, iss: syn.seq, errors };
}

/** The raw peer opens to our listener on port 80 from port 4000. */
function passiveOpen(w: World): { conn: TcpConnection; iss: number; errors: TcpError[] } {
  let conn: TcpConnection | undefined;
  const errors: TcpError[] = [];
  w.tcp.listen(80, (c) => {
    conn = c;
    c.onError = (e) => errors.push(e);
  });
  w.peer.send(A, {
    srcPort: 4000,
    dstPort: 80,
    seq: PEER_ISS,
    flags: SYN,
    options: [{ kind: "mss", value: 1460 }],
  });
  w.scheduler.runFor(2 * MS);
  const synAck = only(w.peer.take());
  assert.equal(synAck.flags, SYN | ACK);
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  w.scheduler.runFor(2 * MS);
  assert.ok(conn, "the listener got the connection");
  assert.equal(conn.state, "ESTABLISHED");
  return { conn, iss: synAck.seq, errors };
}

describe("opening (RFC 9293 §3.5)", () => {
  test("active open: CLOSED → SYN-SENT → ESTABLISHED, the three-way handshake of figure 6", () => {
    const w = rawWorld();
    const conn = w.tcp.connect({ remote: B, port: 80 });
    let connected = 0;
    conn.onConnect = () => connected++;
    assert.equal(conn.state, "SYN-SENT");
    w.scheduler.runFor(2 * MS);
    const syn = only(w.peer.take());
    assert.equal(syn.flags, SYN);
    assert.equal(syn.ack, 0);
    // The SYN offers MSS (MTU 1500 - 40), SACK, timestamps and window scaling.
    const kinds = syn.options.map((o) => o.kind);
    assert.deepEqual(kinds, ["mss", "sack-permitted", "timestamps", "nop", "window-scale"]);
    assert.deepEqual(syn.options[0], { kind: "mss", value: 1460 });
    w.peer.send(A, {
      srcPort: 80,
      dstPort: syn.srcPort,
      seq: PEER_ISS,
      ack: syn.seq + 1,
      flags: SYN | ACK,
      window: 8192,
    });
    w.scheduler.runFor(2 * MS);
    const ack = only(w.peer.take());
    assert.equal(ack.flags, ACK);
    assert.equal(ack.seq, syn.seq + 1);
    assert.equal(ack.ack, PEER_ISS + 1);
    assert.equal(ack.options.length, 0, "the peer offered no options, so none are used");
    assert.deepEqual(w.states, ["SYN-SENT", "ESTABLISHED"]);
    assert.equal(connected, 1);
    // Without an MSS option the peer's MSS is 536 (RFC 9293 §3.7.1).
    assert.equal(conn.stats().mss, 536);
    assert.equal(conn.stats().sendWindow, 8192);
  });

  test("passive open: LISTEN → SYN-RECEIVED → ESTABLISHED; the application sees it only when established", () => {
    const w = rawWorld();
    const accepted: TcpConnection[] = [];
    const listener = w.tcp.listen(80, (c) => accepted.push(c));
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS,
      flags: SYN,
      options: [{ kind: "mss", value: 1000 }],
    });
    w.scheduler.runFor(2 * MS);
    const synAck = only(w.peer.take());
    assert.equal(synAck.flags, SYN | ACK);
    assert.equal(synAck.ack, PEER_ISS + 1);
    // Only options the SYN offered come back (just MSS here).
    assert.deepEqual(synAck.options, [{ kind: "mss", value: 1460 }]);
    assert.equal(listener.synQueueLength, 1);
    assert.equal(accepted.length, 0);
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(accepted.length, 1);
    assert.equal(accepted[0].state, "ESTABLISHED");
    assert.equal(accepted[0].stats().mss, 1000);
    assert.equal(listener.synQueueLength, 0);
    assert.deepEqual(w.states, ["SYN-RECEIVED", "ESTABLISHED"]);
    assert.equal(w.tcp.counters.PassiveOpens, 1);
  });

  test("simultaneous open with a raw peer: SYN-SENT → SYN-RECEIVED → ESTABLISHED (figure 8)", () => {
    const w = rawWorld();
    const conn = w.tcp.connect({ remote: B, port: 80, localPort: 3000 });
    let connected = 0;
    conn.onConnect = () => connected++;
    w.scheduler.runFor(2 * MS);
    const syn = only(w.peer.take());
    // The peer's own SYN crosses ours.
    w.peer.send(A, { srcPort: 80, dstPort: 3000, seq: PEER_ISS, flags: SYN });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "SYN-RECEIVED");
    const synAck = only(w.peer.take());
    assert.equal(synAck.flags, SYN | ACK);
    assert.equal(synAck.seq, syn.seq, "the SYN,ACK repeats our ISS");
    assert.equal(synAck.ack, PEER_ISS + 1);
    // The peer's SYN,ACK acknowledges our SYN.
    w.peer.send(A, { srcPort: 80, dstPort: 3000, seq: PEER_ISS, ack: syn.seq + 1, flags: SYN | ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "ESTABLISHED");
    assert.equal(connected, 1);
    assert.deepEqual(w.states, ["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"]);
  });

  test("simultaneous open between two stacks, then data both ways", () => {
    const p = pair();
    p.network.setDefaults({ delay: 5 * MS });
    const x = p.tcpA.connect({ remote: B, port: 2000, localPort: 1000 });
    const y = p.tcpB.connect({ remote: A, port: 1000, localPort: 2000 });
    const got: string[] = [];
    x.onConnect = () => x.write(new TextEncoder().encode("from x"));
    y.onConnect = () => y.write(new TextEncoder().encode("from y"));
    x.onData = (d) => got.push(`x:${new TextDecoder().decode(d)}`);
    y.onData = (d) => got.push(`y:${new TextDecoder().decode(d)}`);
    p.scheduler.runFor(100 * MS);
    assert.equal(x.state, "ESTABLISHED");
    assert.equal(y.state, "ESTABLISHED");
    assert.deepEqual(got.sort(), ["x:from y", "y:from x"]);
    // Both negotiated the options each offered.
    assert.equal(x.stats().sack, true);
    assert.equal(x.stats().timestamps, true);
  });

  test("a SYN-ACK that does not acknowledge our SYN draws <SEQ=SEG.ACK><CTL=RST> and is ignored", () => {
    const w = rawWorld();
    const conn = w.tcp.connect({ remote: B, port: 80 });
    w.scheduler.runFor(2 * MS);
    const syn = only(w.peer.take());
    w.peer.send(A, { srcPort: 80, dstPort: syn.srcPort, seq: PEER_ISS, ack: syn.seq + 77, flags: SYN | ACK });
    w.scheduler.runFor(2 * MS);
    const rst = only(w.peer.take());
    assert.equal(rst.flags, RST);
    assert.equal(rst.seq, syn.seq + 77);
    assert.equal(conn.state, "SYN-SENT");
  });

  test("the SYN is retransmitted with exponential backoff, then connect fails with ETIMEDOUT", () => {
    const w = rawWorld({ synRetries: 3 });
    const conn = w.tcp.connect({ remote: B, port: 80 });
    const errors: string[] = [];
    let closed = false;
    conn.onError = (e) => errors.push(e.code);
    conn.onClose = () => (closed = true);
    w.scheduler.runFor(60_000 * MS);
    const sent = w.peer.take();
    assert.equal(sent.length, 4);
    const gaps = sent.slice(1).map((s, i) => Math.round((s.time - sent[i].time) / MS));
    assert.deepEqual(gaps, [1000, 2000, 4000], "RFC 6298 §2.1 initial RTO 1 s, doubled each time (§5.5)");
    assert.deepEqual(errors, ["ETIMEDOUT"]);
    assert.ok(closed);
    assert.equal(conn.state, "CLOSED");
    assert.equal(w.tcp.counters.AttemptFails, 1);
  });

  test("a connection to a closed port is refused (ECONNREFUSED)", () => {
    const p = pair();
    const conn = p.tcpA.connect({ remote: B, port: 81 });
    const errors: string[] = [];
    conn.onError = (e) => errors.push(e.code);
    p.scheduler.runFor(10 * MS);
    assert.deepEqual(errors, ["ECONNREFUSED"]);
    assert.equal(p.tcpB.counters.OutRsts, 1);
  });

  test("no route: EHOSTUNREACH, reported asynchronously", () => {
    const p = pair();
    const conn = p.tcpA.connect({ remote: { version: 6 } as never, port: 80 });
    const errors: string[] = [];
    conn.onError = (e) => errors.push(e.code);
    assert.deepEqual(errors, []);
    p.scheduler.runFor(1);
    assert.deepEqual(errors, ["EHOSTUNREACH"]);
  });

  test("an ICMP unreachable in SYN-SENT fails the connect at once", () => {
    const w = rawWorld();
    const conn = w.tcp.connect({ remote: B, port: 80 });
    const errors: string[] = [];
    conn.onError = (e) => errors.push(e.code);
    w.scheduler.runFor(2 * MS);
    const syn = only(w.peer.take());
    const quoted = new Uint8Array(8);
    quoted.set([
      syn.srcPort >> 8,
      syn.srcPort & 255,
      0,
      80,
      syn.seq >>> 24,
      (syn.seq >>> 16) & 255,
      (syn.seq >>> 8) & 255,
      syn.seq & 255,
    ]);
    w.tcp.receiveError({
      kind: "unreachable",
      code: 1,
      errno: "EHOSTUNREACH",
      reporter: B,
      src: A,
      dst: B,
      protocol: 6,
      quoted,
    });
    assert.deepEqual(errors, ["EHOSTUNREACH"]);
    assert.equal(conn.state, "CLOSED");
  });

  test("an ICMP error quoting a sequence number not in flight is ignored (RFC 5927)", () => {
    const w = rawWorld();
    const { conn, port } = activeOpen(w);
    const quoted = new Uint8Array([port >> 8, port & 255, 0, 80, 1, 2, 3, 4]);
    w.tcp.receiveError({
      kind: "unreachable",
      code: 1,
      errno: "EHOSTUNREACH",
      reporter: B,
      src: A,
      dst: B,
      protocol: 6,
      quoted,
    });
    assert.equal(conn.state, "ESTABLISHED");
    assert.equal(w.tcp.counters.OutOfWindowIcmps, 1);
  });
});

describe("closing (RFC 9293 §3.6)", () => {
  test("active close: ESTABLISHED → FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT → CLOSED after 2MSL", () => {
    const w = rawWorld({ msl: 1000 * MS });
    const { conn, port, iss } = activeOpen(w);
    let closedAt = -1;
    conn.onClose = () => (closedAt = w.scheduler.now);
    conn.shutdown();
    assert.equal(conn.state, "FIN-WAIT-1");
    w.scheduler.runFor(2 * MS);
    const fin = only(w.peer.take());
    assert.equal(fin.flags, FIN | ACK);
    assert.equal(fin.seq, iss + 1);
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 1, ack: iss + 2, flags: ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "FIN-WAIT-2");
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 1, ack: iss + 2, flags: FIN | ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "TIME-WAIT");
    const enteredTimeWait = w.scheduler.now - 1 * MS;
    const lastAck = only(w.peer.take());
    assert.equal(lastAck.flags, ACK);
    assert.equal(lastAck.ack, PEER_ISS + 2);
    assert.ok(closedAt > 0, "the application is done with it in TIME-WAIT");
    w.scheduler.runFor(1990 * MS);
    assert.equal(conn.state, "TIME-WAIT");
    w.scheduler.runFor(20 * MS);
    assert.equal(conn.state, "CLOSED");
    assert.ok(Math.abs(w.scheduler.now - 10 * MS - enteredTimeWait - 2000 * MS) < 20 * MS);
    assert.deepEqual(w.states, [
      "SYN-SENT",
      "ESTABLISHED",
      "FIN-WAIT-1",
      "FIN-WAIT-2",
      "TIME-WAIT",
      "CLOSED",
    ]);
    assert.equal(w.tcp.connectionTotal, 0);
  });

  test("passive close: ESTABLISHED → CLOSE-WAIT → LAST-ACK → CLOSED", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    let ended = 0;
    conn.onEnd = () => ended++;
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS + 1, ack: iss + 1, flags: FIN | ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "CLOSE-WAIT");
    assert.equal(ended, 1);
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 2);
    conn.shutdown();
    assert.equal(conn.state, "LAST-ACK");
    w.scheduler.runFor(2 * MS);
    const fin = only(w.peer.take());
    assert.equal(fin.flags, FIN | ACK);
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS + 2, ack: iss + 2, flags: ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "CLOSED");
    assert.deepEqual(w.states, ["SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"]);
  });

  test("simultaneous close: FIN-WAIT-1 → CLOSING → TIME-WAIT (figure 13)", () => {
    const w = rawWorld();
    const { conn, port, iss } = activeOpen(w);
    conn.shutdown();
    w.scheduler.runFor(2 * MS);
    only(w.peer.take());
    // The peer's FIN crosses ours and does not acknowledge it.
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 1, ack: iss + 1, flags: FIN | ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "CLOSING");
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 2);
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 2, ack: iss + 2, flags: ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "TIME-WAIT");
    assert.deepEqual(w.states.slice(2), ["FIN-WAIT-1", "CLOSING", "TIME-WAIT"]);
  });

  test("simultaneous close between two stacks: both pass through CLOSING to TIME-WAIT", () => {
    const p = pair();
    p.network.setDefaults({ delay: 5 * MS });
    const seen: string[] = [];
    p.tracer.subscribe((e) => {
      if (e.type === "tcp-state") seen.push(`${e.node}:${e.to}`);
    });
    let server: TcpConnection | undefined;
    p.tcpB.listen(80, (c) => (server = c));
    const client = p.tcpA.connect({ remote: B, port: 80 });
    p.scheduler.runFor(50 * MS);
    client.shutdown();
    server!.shutdown();
    p.scheduler.runFor(50 * MS);
    assert.equal(client.state, "TIME-WAIT");
    assert.equal(server!.state, "TIME-WAIT");
    assert.ok(seen.includes("a:CLOSING") && seen.includes("b:CLOSING"));
  });

  test("FIN-WAIT-1 → TIME-WAIT when the peer's FIN also acknowledges ours", () => {
    const w = rawWorld();
    const { conn, port, iss } = activeOpen(w);
    conn.shutdown();
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 1, ack: iss + 2, flags: FIN | ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "TIME-WAIT");
    assert.deepEqual(w.states.slice(2), ["FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]);
  });

  test("TIME-WAIT acknowledges a retransmitted FIN and restarts the 2MSL timer", () => {
    const w = rawWorld({ msl: 1000 * MS });
    const { conn, port, iss } = activeOpen(w);
    conn.shutdown();
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 1, ack: iss + 2, flags: FIN | ACK });
    w.scheduler.runFor(1500 * MS);
    w.peer.take();
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 1, ack: iss + 2, flags: FIN | ACK });
    w.scheduler.runFor(2 * MS);
    const reAck = only(w.peer.take());
    assert.equal(reAck.ack, PEER_ISS + 2);
    w.scheduler.runFor(1900 * MS);
    assert.equal(conn.state, "TIME-WAIT", "the timer restarted");
    w.scheduler.runFor(200 * MS);
    assert.equal(conn.state, "CLOSED");
  });

  test("half-close: after shutdown() the connection still receives until the peer's FIN", () => {
    const p = pair();
    let server: TcpConnection | undefined;
    const got: string[] = [];
    p.tcpB.listen(80, (c) => {
      server = c;
      c.onEnd = () => {
        c.write(new TextEncoder().encode("still "));
        c.write(new TextEncoder().encode("talking"));
        c.shutdown();
      };
    });
    const client = p.tcpA.connect({ remote: B, port: 80 });
    client.onConnect = () => client.shutdown();
    client.onData = (d) => got.push(new TextDecoder().decode(d));
    let ended = false;
    client.onEnd = () => (ended = true);
    p.scheduler.runFor(100 * MS);
    assert.equal(got.join(""), "still talking");
    assert.ok(ended);
    assert.equal(client.state, "TIME-WAIT");
    assert.equal(server!.state, "CLOSED");
  });

  test("after 'close', a connection in TIME-WAIT lets go of the application's callbacks and its read receive buffer", () => {
    const p = pair();
    p.tcpB.listen(80, (c) => {
      c.write(new Uint8Array(20_000));
      c.onEnd = () => c.close();
    });
    const client = p.tcpA.connect({ remote: B, port: 80 });
    let got = 0;
    let closes = 0;
    client.onData = (d) => {
      got += d.length;
      if (got === 20_000) client.close();
    };
    client.onClose = () => closes++;
    p.scheduler.runFor(100 * MS);
    assert.equal(client.state, "TIME-WAIT");
    assert.equal(closes, 1);
    // Nothing follows 'close' (Node's order), and TIME-WAIT lasts a minute: the application's
    // objects and the last receive block must not be kept that long.
    assert.equal(client.onData, undefined);
    assert.equal(client.onClose, undefined);
    assert.equal((client as unknown as { receiveBuffer: unknown }).receiveBuffer, null);
    assert.equal(client.stats().receiveQueued, 0);
  });

  test("write after shutdown throws EPIPE", () => {
    const w = rawWorld();
    const { conn } = activeOpen(w);
    conn.shutdown();
    assert.throws(() => conn.write(new Uint8Array(1)), /EPIPE/);
  });

  test("close() with unread data resets the connection (RFC 2525 §2.17)", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    conn.pause();
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1,
      ack: iss + 1,
      flags: ACK | PSH,
      payload: new Uint8Array(10),
    });
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    conn.close();
    w.scheduler.runFor(2 * MS);
    const rst = only(w.peer.take());
    assert.equal(rst.flags, RST);
    assert.equal(conn.state, "CLOSED");
    assert.equal(w.tcp.counters.TCPAbortOnClose, 1);
  });

  test("data arriving after close() resets the connection (Linux TCPAbortOnData)", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    conn.close();
    assert.equal(conn.state, "FIN-WAIT-1");
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1,
      ack: iss + 2,
      flags: ACK | PSH,
      payload: new Uint8Array(10),
    });
    w.scheduler.runFor(2 * MS);
    assert.ok(w.peer.take().some((s) => s.flags & RST));
    assert.equal(conn.state, "CLOSED");
  });
});

describe("RST in every state (RFC 9293 §3.10.7, RFC 5961 §3)", () => {
  test("SYN-SENT: a RST acknowledging our SYN refuses the connection; one without ACK is ignored", () => {
    const w = rawWorld();
    const conn = w.tcp.connect({ remote: B, port: 80 });
    const errors: string[] = [];
    conn.onError = (e) => errors.push(e.code);
    w.scheduler.runFor(2 * MS);
    const syn = only(w.peer.take());
    w.peer.send(A, { srcPort: 80, dstPort: syn.srcPort, seq: 0, flags: RST });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "SYN-SENT");
    w.peer.send(A, { srcPort: 80, dstPort: syn.srcPort, seq: 0, ack: syn.seq + 5, flags: RST | ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "SYN-SENT", "an unacceptable ACK: ignored");
    w.peer.send(A, { srcPort: 80, dstPort: syn.srcPort, seq: 0, ack: syn.seq + 1, flags: RST | ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "CLOSED");
    assert.deepEqual(errors, ["ECONNREFUSED"]);
  });

  test("SYN-RECEIVED from a passive open: RST returns to LISTEN (the listener keeps working)", () => {
    const w = rawWorld();
    const accepted: TcpConnection[] = [];
    const listener = w.tcp.listen(80, (c) => accepted.push(c));
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS, flags: SYN });
    w.scheduler.runFor(2 * MS);
    only(w.peer.take());
    assert.equal(listener.synQueueLength, 1);
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS + 1, flags: RST });
    w.scheduler.runFor(2 * MS);
    assert.equal(listener.synQueueLength, 0);
    assert.equal(w.tcp.connectionTotal, 0);
    assert.deepEqual(w.states, ["SYN-RECEIVED", "CLOSED"]);
    // A new attempt succeeds.
    passiveOpenAgain(w, accepted);
  });

  test("SYN-RECEIVED from an active open (simultaneous open): RST refuses the connection", () => {
    const w = rawWorld();
    const conn = w.tcp.connect({ remote: B, port: 80, localPort: 3000 });
    const errors: string[] = [];
    conn.onError = (e) => errors.push(e.code);
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    w.peer.send(A, { srcPort: 80, dstPort: 3000, seq: PEER_ISS, flags: SYN });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "SYN-RECEIVED");
    w.peer.send(A, { srcPort: 80, dstPort: 3000, seq: PEER_ISS + 1, flags: RST });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "CLOSED");
    assert.deepEqual(errors, ["ECONNREFUSED"]);
  });

  const synchronized: { state: TcpState; error: string | undefined }[] = [
    { state: "ESTABLISHED", error: "ECONNRESET" },
    { state: "FIN-WAIT-1", error: "ECONNRESET" },
    { state: "FIN-WAIT-2", error: "ECONNRESET" },
    { state: "CLOSE-WAIT", error: "ECONNRESET" },
    // RFC 9293 only says "enter CLOSED" here; like FreeBSD and Linux we still tell the application.
    { state: "CLOSING", error: "ECONNRESET" },
    { state: "LAST-ACK", error: "ECONNRESET" },
    { state: "TIME-WAIT", error: undefined },
  ];
  for (const { state, error } of synchronized) {
    test(`${state}: a RST at exactly RCV.NXT closes${error ? ` with ${error}` : ""}; in-window elsewhere draws a challenge ACK; out of window it is ignored`, () => {
      const w = rawWorld();
      const { conn, port, iss } = activeOpen(w);
      const errors: string[] = [];
      conn.onError = (e) => errors.push(e.code);
      const rcvNxt = driveTo(w, conn, port, iss, state);
      assert.equal(conn.state, state);
      w.peer.take();
      // Out of window: silently dropped.
      w.peer.send(A, { srcPort: 80, dstPort: port, seq: rcvNxt + 1_000_000, flags: RST });
      w.scheduler.runFor(2 * MS);
      assert.equal(w.peer.take().length, 0);
      assert.equal(conn.state, state);
      // In window but not RCV.NXT: a challenge ACK (RFC 5961 §3.2), the connection survives.
      w.peer.send(A, { srcPort: 80, dstPort: port, seq: rcvNxt + 100, flags: RST });
      w.scheduler.runFor(2 * MS);
      const challenge = only(w.peer.take());
      assert.equal(challenge.flags, ACK);
      assert.equal(challenge.ack, rcvNxt);
      assert.equal(conn.state, state);
      // Exactly RCV.NXT: the connection is reset.
      w.peer.send(A, { srcPort: 80, dstPort: port, seq: rcvNxt, flags: RST });
      w.scheduler.runFor(2 * MS);
      assert.equal(conn.state, "CLOSED");
      assert.deepEqual(errors, error ? [error] : []);
      assert.equal(w.peer.take().length, 0, "no answer to a RST");
    });
  }
});

/** Moves an established connection (after activeOpen) to `state`; returns the peer's RCV.NXT. */
function driveTo(w: World, conn: TcpConnection, port: number, iss: number, state: TcpState): number {
  const send = (seq: number, ack: number, flags: number) => {
    w.peer.send(A, { srcPort: 80, dstPort: port, seq, ack, flags });
    w.scheduler.runFor(2 * MS);
  };
  const peerNxt = PEER_ISS + 1;
  switch (state) {
    case "ESTABLISHED":
      return peerNxt;
    case "FIN-WAIT-1":
      conn.shutdown();
      w.scheduler.runFor(2 * MS);
      return peerNxt;
    case "FIN-WAIT-2":
      conn.shutdown();
      w.scheduler.runFor(2 * MS);
      send(peerNxt, iss + 2, ACK);
      return peerNxt;
    case "CLOSE-WAIT":
      send(peerNxt, iss + 1, FIN | ACK);
      return peerNxt + 1;
    case "CLOSING":
      conn.shutdown();
      w.scheduler.runFor(2 * MS);
      send(peerNxt, iss + 1, FIN | ACK);
      return peerNxt + 1;
    case "LAST-ACK":
      send(peerNxt, iss + 1, FIN | ACK);
      conn.shutdown();
      w.scheduler.runFor(2 * MS);
      return peerNxt + 1;
    case "TIME-WAIT":
      conn.shutdown();
      w.scheduler.runFor(2 * MS);
      send(peerNxt, iss + 2, FIN | ACK);
      return peerNxt + 1;
    default:
      throw new Error(`cannot drive to ${state}`);
  }
}

function passiveOpenAgain(w: World, accepted: TcpConnection[]): void {
  w.peer.send(A, { srcPort: 4001, dstPort: 80, seq: 7777, flags: SYN });
  w.scheduler.runFor(2 * MS);
  const synAck = only(w.peer.take());
  w.peer.send(A, { srcPort: 4001, dstPort: 80, seq: 7778, ack: synAck.seq + 1, flags: ACK });
  w.scheduler.runFor(2 * MS);
  assert.equal(accepted.length, 1);
}

describe("CLOSED and LISTEN (RFC 9293 §3.10.7.1-2)", () => {
  test("no listener: a SYN gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, an ACK gets <SEQ=SEG.ACK><CTL=RST>, a RST nothing", () => {
    const w = rawWorld();
    w.peer.send(A, { srcPort: 4000, dstPort: 9, seq: 500, flags: SYN, payload: new Uint8Array(3) });
    w.scheduler.runFor(2 * MS);
    const rst1 = only(w.peer.take());
    assert.equal(rst1.flags, RST | ACK);
    assert.equal(rst1.seq, 0);
    assert.equal(rst1.ack, 504);
    w.peer.send(A, { srcPort: 4000, dstPort: 9, seq: 500, ack: 9999, flags: ACK });
    w.scheduler.runFor(2 * MS);
    const rst2 = only(w.peer.take());
    assert.equal(rst2.flags, RST);
    assert.equal(rst2.seq, 9999);
    w.peer.send(A, { srcPort: 4000, dstPort: 9, seq: 500, flags: RST });
    w.scheduler.runFor(2 * MS);
    assert.equal(w.peer.take().length, 0);
    assert.equal(w.tcp.counters.NoListener, 2);
  });

  test("LISTEN: an ACK draws <SEQ=SEG.ACK><CTL=RST>; a RST is ignored; a bare segment is dropped", () => {
    const w = rawWorld();
    w.tcp.listen(80, () => {});
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 500, ack: 1234, flags: ACK });
    w.scheduler.runFor(2 * MS);
    const rst = only(w.peer.take());
    assert.equal(rst.flags, RST);
    assert.equal(rst.seq, 1234);
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 500, flags: RST });
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: 500, flags: PSH, payload: new Uint8Array(5) });
    w.scheduler.runFor(2 * MS);
    assert.equal(w.peer.take().length, 0);
    assert.equal(w.tcp.connectionTotal, 0);
  });

  test("a bad checksum is counted and dropped", () => {
    const w = rawWorld();
    w.tcp.listen(80, () => {});
    const bytes = new Uint8Array(20);
    bytes[0] = 0x0f;
    bytes[3] = 80;
    bytes[12] = 0x50;
    bytes[13] = SYN;
    bytes[16] = 0x12; // wrong checksum
    w.network.inject(B, A, 6, bytes);
    w.scheduler.runFor(2 * MS);
    assert.equal(w.tcp.counters.InCsumErrors, 1);
    assert.equal(w.peer.take().length, 0);
  });
});

describe("segment processing (RFC 9293 §3.10.7.4)", () => {
  test("an unacceptable segment is answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and dropped", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    const got: Uint8Array[] = [];
    conn.onData = (d) => got.push(d);
    // Entirely old data.
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS - 100,
      ack: iss + 1,
      flags: ACK,
      payload: new Uint8Array(50),
    });
    // Entirely beyond the window (64 KiB advertised in the SYN-ACK, unscaled: no window scaling).
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1 + 200_000,
      ack: iss + 1,
      flags: ACK,
      payload: new Uint8Array(50),
    });
    w.scheduler.runFor(2 * MS);
    const acks = w.peer.take();
    assert.equal(acks.length, 2);
    for (const ack of acks) {
      assert.equal(ack.flags, ACK);
      assert.equal(ack.seq, iss + 1);
      assert.equal(ack.ack, PEER_ISS + 1);
    }
    assert.equal(got.length, 0);
    assert.equal(w.tcp.counters.OutOfWindowSegments, 2);
  });

  test("a segment overlapping RCV.NXT is trimmed: only the new bytes are delivered", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    const got: number[] = [];
    conn.onData = (d) => got.push(...d);
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1,
      ack: iss + 1,
      flags: ACK,
      payload: Uint8Array.from([1, 2, 3, 4]),
    });
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 3,
      ack: iss + 1,
      flags: ACK,
      payload: Uint8Array.from([3, 4, 5, 6]),
    });
    w.scheduler.runFor(100 * MS);
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
  });

  test("out-of-order segments are held and delivered in order once the hole fills", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    const got: number[] = [];
    conn.onData = (d) => got.push(...d);
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 5,
      ack: iss + 1,
      flags: ACK,
      payload: Uint8Array.from([5, 6, 7]),
    });
    w.scheduler.runFor(2 * MS);
    // RFC 5681 §4.2: an immediate duplicate ACK for out-of-order data.
    assert.equal(only(w.peer.take()).ack, PEER_ISS + 1);
    assert.deepEqual(got, []);
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1,
      ack: iss + 1,
      flags: ACK,
      payload: Uint8Array.from([1, 2, 3, 4]),
    });
    w.scheduler.runFor(2 * MS);
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7]);
    // Filling the hole is acknowledged at once, too.
    assert.equal(only(w.peer.take()).ack, PEER_ISS + 8);
  });

  test("urgent data is ignored safely: URG and the urgent pointer change nothing, the bytes arrive inline", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    const got: number[] = [];
    conn.onData = (d) => got.push(...d);
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1,
      ack: iss + 1,
      flags: ACK | URG,
      urgentPointer: 60000,
      payload: Uint8Array.from([9, 8, 7]),
    });
    w.scheduler.runFor(100 * MS);
    assert.deepEqual(got, [9, 8, 7]);
    assert.equal(conn.state, "ESTABLISHED");
  });

  test("an ACK for data never sent draws an ACK and is dropped (SEG.ACK > SND.NXT)", () => {
    const w = rawWorld();
    const { conn, iss } = passiveOpen(w);
    const got: number[] = [];
    conn.onData = (d) => got.push(...d);
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1,
      ack: iss + 5000,
      flags: ACK,
      payload: Uint8Array.from([1]),
    });
    w.scheduler.runFor(2 * MS);
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 1, "the data was not accepted");
    assert.deepEqual(got, []);
  });

  test("a zero receive window accepts only exact RCV.NXT, processes its ACK, and drops its data", () => {
    const w = rawWorld({ receiveBuffer: 2000 });
    const { conn, iss } = passiveOpen(w);
    conn.pause();
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 1,
      ack: iss + 1,
      flags: ACK,
      payload: new Uint8Array(2000),
    });
    w.scheduler.runFor(100 * MS);
    const acks = w.peer.take();
    assert.equal(acks.at(-1)!.window, 0, "the window closed");
    // A probe byte at RCV.NXT is not accepted, but acknowledged.
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS + 2001,
      ack: iss + 1,
      flags: ACK,
      payload: new Uint8Array(1),
    });
    w.scheduler.runFor(2 * MS);
    const probeAck = only(w.peer.take());
    assert.equal(probeAck.ack, PEER_ISS + 2001);
    assert.equal(probeAck.window, 0);
    // Reading opens the window and sends a window update.
    const data = conn.read();
    assert.equal(data?.length, 2000);
    w.scheduler.runFor(2 * MS);
    const update = only(w.peer.take());
    assert.equal(update.window, 2000);
  });
});

describe("details the FreeBSD packetdrill suite checks (docs/conformance.md)", () => {
  /** A passive open from a raw peer that offers SACK (and nothing else). */
  function sackPeer(w: World) {
    let conn: TcpConnection | undefined;
    w.tcp.listen(80, (c) => (conn = c));
    w.peer.send(A, {
      srcPort: 4000,
      dstPort: 80,
      seq: PEER_ISS,
      flags: SYN,
      options: [{ kind: "mss", value: 1460 }, { kind: "nop" }, { kind: "nop" }, { kind: "sack-permitted" }],
    });
    w.scheduler.runFor(2 * MS);
    const synAck = only(w.peer.take());
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
    w.scheduler.runFor(2 * MS);
    const data = (offset: number, length: number, flags: number = ACK) =>
      w.peer.send(A, {
        srcPort: 4000,
        dstPort: 80,
        seq: PEER_ISS + 1 + offset,
        ack: synAck.seq + 1,
        flags,
        payload: new Uint8Array(length),
      });
    return { conn: conn!, data };
  }
  const sackOf = (s: SeenSegment) => {
    const option = s.options.find((o) => o.kind === "sack");
    return option?.kind === "sack"
      ? option.blocks.map((b) => [b.left - PEER_ISS - 1, b.right - PEER_ISS - 1])
      : [];
  };

  test("D-SACK (RFC 2883): a duplicate below RCV.NXT is reported first; over held data, the holding block comes second", () => {
    const w = rawWorld();
    const { data } = sackPeer(w);
    data(0, 100);
    data(200, 100);
    data(400, 100);
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    data(50, 25);
    w.scheduler.runFor(2 * MS);
    assert.deepEqual(sackOf(only(w.peer.take())), [
      [50, 75],
      [400, 500],
      [200, 300],
    ]);
    data(220, 30);
    w.scheduler.runFor(2 * MS);
    assert.deepEqual(sackOf(only(w.peer.take())), [
      [220, 250],
      [200, 300],
      [400, 500],
    ]);
  });

  test("every second segment is acknowledged at once, however small", () => {
    const w = rawWorld();
    const { data } = sackPeer(w);
    data(0, 1);
    data(1, 2);
    w.scheduler.runFor(2 * MS);
    assert.equal(only(w.peer.take()).ack, PEER_ISS + 1 + 3);
  });

  test("an out-of-order FIN draws an immediate duplicate ACK", () => {
    const w = rawWorld();
    const { data } = sackPeer(w);
    data(10, 0, FIN | ACK);
    w.scheduler.runFor(2 * MS);
    assert.equal(only(w.peer.take()).ack, PEER_ISS + 1);
  });

  test("TIME-WAIT: an acceptable segment is acknowledged; a bare copy of the peer's last ACK is not", () => {
    const w = rawWorld();
    const { conn, port, iss } = activeOpen(w);
    conn.shutdown();
    w.scheduler.runFor(2 * MS);
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 1, ack: iss + 2, flags: FIN | ACK });
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    assert.equal(conn.state, "TIME-WAIT");
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 2, ack: iss + 2, flags: ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(w.peer.take().length, 0);
    w.peer.send(A, { srcPort: 80, dstPort: port, seq: PEER_ISS + 2 + 100, ack: iss + 2, flags: ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(only(w.peer.take()).ack, PEER_ISS + 2);
  });

  test("simultaneous open: text in the peer's SYN is acknowledged and delivered only after ESTABLISHED", () => {
    const w = rawWorld();
    const conn = w.tcp.connect({ remote: B, port: 80, localPort: 3000 });
    const got: number[] = [];
    conn.onData = (d) => got.push(...d);
    w.scheduler.runFor(2 * MS);
    const syn = only(w.peer.take());
    w.peer.send(A, {
      srcPort: 80,
      dstPort: 3000,
      seq: PEER_ISS,
      flags: SYN,
      payload: Uint8Array.from([7, 8, 9]),
    });
    w.scheduler.runFor(2 * MS);
    assert.equal(only(w.peer.take()).ack, PEER_ISS + 1, "the SYN,ACK acknowledges only the SYN");
    assert.deepEqual(got, []);
    w.peer.send(A, { srcPort: 80, dstPort: 3000, seq: PEER_ISS + 4, ack: syn.seq + 1, flags: ACK });
    w.scheduler.runFor(2 * MS);
    assert.equal(conn.state, "ESTABLISHED");
    assert.deepEqual(got, [7, 8, 9]);
  });

  test("a listener takes no text from a SYN (as FreeBSD and Linux): the SYN,ACK acknowledges the SYN only", () => {
    const w = rawWorld();
    w.tcp.listen(80, () => {});
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS, flags: SYN, payload: new Uint8Array(3) });
    w.scheduler.runFor(2 * MS);
    assert.equal(only(w.peer.take()).ack, PEER_ISS + 1);
  });

  test("ICMPv6 port unreachable (code 4) is a hard error in SYN-SENT, not a Packet Too Big", () => {
    const w = rawWorld();
    const six = Ipv6Address.parse("2001:db8::2");
    const local = w.network.host(Ipv6Address.parse("2001:db8::1"));
    const tcp6 = new TcpLayer(local, w.scheduler);
    const conn = tcp6.connect({ remote: six, port: 80 });
    const errors: string[] = [];
    conn.onError = (e) => errors.push(e.code);
    w.scheduler.runFor(2 * MS);
    const seq = (conn as unknown as { iss: number }).iss;
    const quoted = Uint8Array.from([
      conn.localPort >> 8,
      conn.localPort & 255,
      0,
      80,
      seq >>> 24,
      (seq >>> 16) & 255,
      (seq >>> 8) & 255,
      seq & 255,
    ]);
    tcp6.receiveError({
      kind: "unreachable",
      code: 4,
      errno: "ECONNREFUSED",
      reporter: six,
      src: local.address,
      dst: six,
      protocol: 6,
      quoted,
    });
    assert.deepEqual(errors, ["ECONNREFUSED"]);
    assert.equal(tcp6.counters.TCPPmtuReductions, 0);
  });

  test("a 72-octet MTU gives an MSS of 32 (MTU - 40, no floor above it)", () => {
    const w = rawWorld();
    const small = w.network.host("10.0.0.9", 72);
    const tcp = new TcpLayer(small, w.scheduler);
    tcp.connect({ remote: B, port: 80 });
    w.scheduler.runFor(2 * MS);
    const syn = only(w.peer.take());
    assert.deepEqual(syn.options[0], { kind: "mss", value: 32 });
  });

  test("closing a listener drops its half-open connections without a RST", () => {
    const w = rawWorld();
    const listener = w.tcp.listen(80, () => {});
    w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS, flags: SYN });
    w.scheduler.runFor(2 * MS);
    w.peer.take();
    listener.close();
    w.scheduler.runFor(2 * MS);
    assert.equal(w.peer.take().length, 0);
    assert.equal(w.tcp.connectionTotal, 0);
  });
});
