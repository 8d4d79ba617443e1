/**
 * D-SACK (RFC 2883) edge cases beyond the overlapping-* scripts of the FreeBSD packetdrill suite
 * (docs/conformance.md): which duplicate run is reported, which block follows it, that it is
 * reported once, and that nothing is sent without SACK. Driven segment by segment from a raw peer.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { TcpFlags, type TcpOption } from "../../../src/wire/tcp.js";
import { rawWorld, type SeenSegment } from "./support.js";

const { SYN, ACK } = TcpFlags;
const A = Ipv4Address.parse("10.0.0.1");
const MS = 1e6;
const PEER_ISS = 1_000_000;

type World = ReturnType<typeof rawWorld>;

function only(segments: SeenSegment[]): SeenSegment {
  assert.equal(segments.length, 1, `expected one segment, got ${segments.length}`);
  return segments[0];
}

/** SACK blocks of a segment, relative to the peer's ISN (as packetdrill writes them). */
function sackBlocks(seg: SeenSegment): string[] {
  const option = seg.options.find((o): o is Extract<TcpOption, { kind: "sack" }> => o.kind === "sack");
  if (!option) return [];
  return option.blocks.map((b) => `${(b.left - PEER_ISS) >>> 0}:${(b.right - PEER_ISS) >>> 0}`);
}

/** The raw peer opens to our listener on port 80 from port 4000 (SACK permitted). */
function passiveOpen(w: World): { conn: TcpConnection; iss: number } {
  let conn: TcpConnection | undefined;
  w.tcp.listen(80, (c) => {
    conn = c;
  });
  w.peer.send(A, {
    srcPort: 4000,
    dstPort: 80,
    seq: PEER_ISS,
    flags: SYN,
    options: [{ kind: "mss", value: 1460 }, { kind: "sack-permitted" }],
  });
  w.scheduler.runFor(2 * MS);
  const synAck = only(w.peer.take());
  assert.equal(synAck.flags, SYN | ACK);
  w.peer.send(A, { srcPort: 4000, dstPort: 80, seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  w.scheduler.runFor(2 * MS);
  assert.ok(conn, "the listener got the connection");
  assert.equal(conn.state, "ESTABLISHED");
  return { conn, iss: synAck.seq };
}

/** The peer sends bytes [from, to) of its stream (relative sequence numbers, 1 = first byte). */
function data(w: World, iss: number, from: number, to: number, flags = ACK): void {
  w.peer.send(A, {
    srcPort: 4000,
    dstPort: 80,
    seq: PEER_ISS + from,
    ack: iss + 1,
    flags,
    payload: new Uint8Array(to - from).fill(from & 0xff),
  });
  w.scheduler.runFor(2 * MS);
}

/** The state of the overlapping-* scripts: 1:100 in order, 200:300, 400:500, 600:700 out of order. */
function withHoles(): { w: World; iss: number; conn: TcpConnection } {
  const w = rawWorld({ delayedAckTimeout: 100 * MS });
  const { conn, iss } = passiveOpen(w);
  data(w, iss, 1, 100);
  w.scheduler.runFor(200 * MS);
  w.peer.take();
  for (const from of [200, 400, 600]) data(w, iss, from, from + 100);
  const last = w.peer.take().at(-1)!;
  assert.deepEqual(sackBlocks(last), ["600:700", "400:500", "200:300"]);
  return { w, iss, conn };
}

describe("D-SACK (RFC 2883)", () => {
  test("a segment entirely below RCV.NXT is reported first, before the SACK blocks (§4)", () => {
    const { w, iss } = withHoles();
    data(w, iss, 50, 75);
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 100);
    assert.deepEqual(sackBlocks(ack), ["50:75", "600:700", "400:500", "200:300"]);
  });

  test("the first duplicate run of a segment that also fills holes: below RCV.NXT, then the remaining blocks", () => {
    const { w, iss } = withHoles();
    data(w, iss, 50, 400);
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 500);
    assert.deepEqual(sackBlocks(ack), ["50:100", "600:700"]);
  });

  test("a duplicate inside out-of-order data is followed by the larger block holding it (§4 rule 2)", () => {
    const { w, iss } = withHoles();
    data(w, iss, 150, 550);
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 100);
    assert.deepEqual(sackBlocks(ack), ["200:300", "150:550", "600:700"]);
  });

  test("a repeated out-of-order segment is reported, then its block", () => {
    const { w, iss } = withHoles();
    data(w, iss, 400, 500);
    const ack = only(w.peer.take());
    assert.deepEqual(sackBlocks(ack).slice(0, 2), ["400:500", "400:500"]);
  });

  test("the D-SACK is sent once; the next ACK carries only SACK blocks", () => {
    const { w, iss } = withHoles();
    data(w, iss, 50, 75);
    w.peer.take();
    data(w, iss, 800, 900);
    assert.deepEqual(sackBlocks(only(w.peer.take())), ["800:900", "600:700", "400:500", "200:300"]);
  });

  test("a retransmission of everything: the first duplicate run, with nothing out of order left", () => {
    const { w, iss, conn } = withHoles();
    data(w, iss, 1, 800);
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 800);
    assert.deepEqual(sackBlocks(ack), ["1:100"]);
    assert.equal(conn.read()?.length, 799);
  });

  test("without SACK permitted, no SACK option at all", () => {
    const w = rawWorld({ sack: false });
    const { iss } = passiveOpen(w);
    data(w, iss, 1, 100);
    w.scheduler.runFor(500 * MS);
    w.peer.take();
    data(w, iss, 1, 100);
    const ack = only(w.peer.take());
    assert.equal(ack.ack, PEER_ISS + 100);
    assert.deepEqual(sackBlocks(ack), []);
  });
});
