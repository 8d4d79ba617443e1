/**
 * The building blocks on their own: sequence arithmetic, HalfSipHash, SYN cookies, the RTO
 * estimator, the send and receive buffers, the SACK scoreboard and the congestion modules.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Scheduler } from "../../../src/sim/scheduler.js";
import { CubicCongestionControl } from "../../../src/transport/tcp/congestion/cubic.js";
import { initialWindow } from "../../../src/transport/tcp/congestion/index.js";
import { NewRenoCongestionControl } from "../../../src/transport/tcp/congestion/newreno.js";
import { readSynOptions, windowScaleFor } from "../../../src/transport/tcp/options.js";
import { InsertResult, type OffsetBlock, ReceiveBuffer } from "../../../src/transport/tcp/receive-buffer.js";
import { RttEstimator } from "../../../src/transport/tcp/rtt.js";
import { SackScoreboard } from "../../../src/transport/tcp/sack.js";
import { SegmentReader } from "../../../src/transport/tcp/segment-reader.js";
import { SendBuffer } from "../../../src/transport/tcp/send-buffer.js";
import {
  seqAdd,
  seqDiff,
  seqGe,
  seqGt,
  seqInWindow,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
} from "../../../src/transport/tcp/sequence.js";
import { halfSipHash } from "../../../src/transport/tcp/siphash.js";
import { SynCookies } from "../../../src/transport/tcp/syncookies.js";
import { LazyTimer } from "../../../src/transport/tcp/timers.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { isParseError, type ParseError } from "../../../src/wire/parse-error.js";
import { emitTcp, parseTcp, type TcpOption, type TcpRepr } from "../../../src/wire/tcp.js";
import { arbitraryTcpOptions, arbitraryTcpRepr, arbitraryUint32 } from "../../support/arbitraries.js";

const MS = 1e6;
const SECOND = 1e9;

describe("sequence numbers (RFC 9293 §3.4)", () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const distance = fc.integer({ min: 1, max: 0x7fffffff });

  test("comparisons hold across the wrap at 2^32", () => {
    fc.assert(
      fc.property(u32, distance, (a, d) => {
        const b = seqAdd(a, d);
        assert.ok(seqLt(a, b) && seqLe(a, b) && seqGt(b, a) && seqGe(b, a));
        assert.ok(!seqLt(b, a) && !seqGt(a, b));
        assert.equal(seqDiff(b, a), d);
        assert.equal(seqDiff(a, b), -d);
        assert.equal(seqMax(a, b), b);
        assert.equal(seqMin(a, b), a);
      }),
    );
    assert.ok(seqLt(0xfffffff0, 0x10));
    assert.equal(seqAdd(0xffffffff, 1), 0);
  });

  test("the window test covers exactly [low, low + size)", () => {
    fc.assert(
      fc.property(
        u32,
        fc.integer({ min: 0, max: 0x7fffffff }),
        fc.integer({ min: -1000, max: 1000 }),
        (low, size, k) => {
          const x = seqAdd(low, k);
          assert.equal(seqInWindow(x, low, size), k >= 0 && k < size);
        },
      ),
    );
  });
});

describe("HalfSipHash-2-4", () => {
  test("matches the reference test vectors (key 00..07, input bytes 00..n-1)", () => {
    const key = { k0: 0x03020100, k1: 0x07060504 };
    // vectors_hsip32 from the SipHash reference implementation, for 0, 4, 8 and 12 bytes.
    assert.equal(halfSipHash(key, []), 0x5b9f35a9);
    assert.equal(halfSipHash(key, [0x03020100]), 0x89466e2a);
    assert.equal(halfSipHash(key, [0x03020100, 0x07060504]), 0x8f84b8d0);
    assert.equal(halfSipHash(key, [0x03020100, 0x07060504, 0x0b0a0908]), 0x2f87f057);
  });
});

describe("SYN cookies (RFC 4987 §3.6)", () => {
  const local = Ipv4Address.parse("10.0.0.2");
  const remote = Ipv4Address.parse("192.0.2.7");
  const cookies = new SynCookies({ k0: 1, k1: 2 }, { k0: 3, k1: 4 });

  test("a cookie checks out for its 4-tuple and ISN, and gives back the MSS index", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        (isn, index, seconds) => {
          const now = seconds * SECOND;
          const cookie = cookies.create(local, 80, remote, 40000, isn, index, now);
          assert.equal(cookies.check(local, 80, remote, 40000, isn, cookie, now + 30 * SECOND), index);
          assert.equal(cookies.check(local, 80, remote, 40001, isn, cookie, now), -1);
          // A neighbouring ISN shifts the encoded value by one (as in Linux): never the same MSS index.
          assert.notEqual(cookies.check(local, 80, remote, 40000, (isn + 1) >>> 0, cookie, now), index);
          assert.equal(cookies.check(local, 80, remote, 40000, (isn + 1000) >>> 0, cookie, now), -1);
        },
      ),
    );
  });

  test("a cookie expires after two periods of the 64 s clock", () => {
    const cookie = cookies.create(local, 80, remote, 40000, 12345, 2, 0);
    assert.equal(cookies.check(local, 80, remote, 40000, 12345, cookie, 127 * SECOND), 2);
    assert.equal(cookies.check(local, 80, remote, 40000, 12345, cookie, 128 * SECOND), -1);
  });

  test("the MSS table: the largest value not above the client's MSS", () => {
    assert.equal(SynCookies.mssOf(SynCookies.mssIndex(1460, 4), 4), 1460);
    assert.equal(SynCookies.mssOf(SynCookies.mssIndex(1400, 4), 4), 1300);
    assert.equal(SynCookies.mssOf(SynCookies.mssIndex(100, 4), 4), 536);
    assert.equal(SynCookies.mssOf(SynCookies.mssIndex(1440, 6), 6), 1440);
  });

  test("window scale and SACK ride in the low bits of TSval, which never exceeds the clock", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
        fc.boolean(),
        (now, windowScale, sackPermitted) => {
          const ts = SynCookies.encodeTimestamp(now, { windowScale, sackPermitted });
          assert.ok(((now - ts) | 0) >= 0 && ((now - ts) | 0) < 64);
          assert.deepEqual(SynCookies.decodeTimestamp(ts), { windowScale, sackPermitted });
        },
      ),
    );
  });
});

describe("RTO estimation (RFC 6298)", () => {
  test("the first sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR (or the minimum)", () => {
    const rtt = new RttEstimator({ minRto: 200 * MS });
    assert.equal(rtt.rto, SECOND, "1 s before any sample (§2.1)");
    rtt.sample(100 * MS);
    assert.equal(rtt.srtt, 100 * MS);
    assert.equal(rtt.rttvar, 50 * MS);
    assert.equal(rtt.rto, 300 * MS);
  });

  test("later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R", () => {
    const rtt = new RttEstimator({ minRto: 0 });
    rtt.sample(100 * MS);
    rtt.sample(200 * MS);
    assert.equal(rtt.rttvar, 0.75 * 50 * MS + 0.25 * 100 * MS);
    assert.equal(rtt.srtt, 0.875 * 100 * MS + 0.125 * 200 * MS);
    assert.equal(rtt.rto, rtt.srtt! + 4 * rtt.rttvar);
  });

  test("the 1 s minimum by default; backoff doubles up to the maximum; a new sample clears it", () => {
    const rtt = new RttEstimator({ maxRto: 60 * SECOND });
    rtt.sample(10 * MS);
    assert.equal(rtt.rto, SECOND);
    for (let i = 0; i < 10; i++) rtt.backOff();
    assert.equal(rtt.rto, 60 * SECOND);
    rtt.sample(10 * MS);
    assert.equal(rtt.rto, SECOND);
  });

  test("after a retransmitted SYN without a sample, data starts at RTO 3 s (§5.7)", () => {
    const rtt = new RttEstimator();
    rtt.backOff();
    rtt.resetAfterHandshakeRetransmission();
    assert.equal(rtt.rto, 3 * SECOND);
  });
});

describe("send buffer", () => {
  test("whatever the write sizes, any range copies out the bytes written, and release frees them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(3000)), { maxLength: 20 }),
        (sizes, reads) => {
          const buffer = new SendBuffer();
          const all: number[] = [];
          let value = 0;
          for (const size of sizes) {
            const chunk = new Uint8Array(size);
            for (let i = 0; i < size; i++) chunk[i] = value++ & 0xff;
            buffer.append(chunk);
            all.push(...chunk);
          }
          assert.equal(buffer.length, all.length);
          for (const [start, length] of reads) {
            if (all.length === 0) break;
            const from = start % all.length;
            const n = Math.min(length, all.length - from);
            const out = new Uint8Array(n);
            buffer.copy(from, n, out, 0);
            assert.deepEqual([...out], all.slice(from, from + n));
            const view = buffer.view(from, n);
            if (view) assert.deepEqual([...view], all.slice(from, from + n));
          }
          const half = Math.floor(all.length / 2);
          buffer.release(half);
          assert.equal(buffer.start, half);
          assert.equal(buffer.length, all.length - half);
          if (all.length - half > 0) {
            const out = new Uint8Array(all.length - half);
            buffer.copy(half, out.length, out, 0);
            assert.deepEqual([...out], all.slice(half));
          }
          buffer.release(all.length);
          assert.equal(buffer.length, 0);
        },
      ),
    );
  });
});

describe("receive buffer", () => {
  test("segments in any order and with overlaps reassemble into the original stream", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 60 }),
        (total, pieces) => {
          const stream = Uint8Array.from({ length: total }, (_, i) => (i * 7) & 0xff);
          const buffer = new ReceiveBuffer(1000);
          const segments = pieces.map(([start, length]) => [
            start % total,
            Math.min(length, total - (start % total)),
          ]);
          // Make sure everything is covered at the end.
          for (let offset = 0; offset < total; offset += 500)
            segments.push([offset, Math.min(500, total - offset)]);
          for (const [start, length] of segments)
            buffer.insert(start, stream.subarray(start, start + length));
          assert.equal(buffer.next, total);
          assert.equal(buffer.outOfOrderBytes, 0);
          const out = buffer.read();
          assert.deepEqual(out, stream);
        },
      ),
    );
  });

  test("insert reports in-order, out-of-order, duplicate and dropped (over the hole cap)", () => {
    const buffer = new ReceiveBuffer(2);
    const bytes = (n: number) => new Uint8Array(n);
    assert.equal(buffer.insert(0, bytes(10)), InsertResult.InOrder);
    assert.equal(buffer.insert(0, bytes(10)), InsertResult.Duplicate);
    assert.equal(buffer.insert(20, bytes(10)), InsertResult.OutOfOrder);
    assert.equal(buffer.insert(40, bytes(10)), InsertResult.OutOfOrder);
    assert.equal(buffer.insert(60, bytes(10)), InsertResult.Dropped, "a third hole");
    assert.equal(buffer.insert(30, bytes(5)), InsertResult.OutOfOrder, "extending a range is fine");
    assert.equal(buffer.insert(22, bytes(3)), InsertResult.Duplicate);
    assert.equal(buffer.outOfOrderBytes, 25);
    assert.equal(buffer.insert(10, bytes(10)), InsertResult.InOrder);
    assert.equal(buffer.next, 35);
  });

  test("SACK blocks: the most recent first (RFC 2018 §4), then the others", () => {
    const buffer = new ReceiveBuffer(10);
    const bytes = new Uint8Array(10);
    buffer.insert(100, bytes);
    buffer.insert(300, bytes);
    buffer.insert(200, bytes);
    const blocks: OffsetBlock[] = [];
    const n = buffer.sackBlocks(3, blocks);
    assert.deepEqual(
      blocks.slice(0, n).map((b) => [b.left, b.right]),
      [
        [200, 210],
        [300, 310],
        [100, 110],
      ],
    );
    buffer.insert(310, bytes);
    assert.equal(buffer.sackBlocks(1, blocks), 1);
    assert.deepEqual([blocks[0].left, blocks[0].right], [300, 320]);
  });
});

describe("SACK scoreboard (RFC 6675)", () => {
  test("blocks merge; SACKed bytes are counted once; advancing SND.UNA forgets what is below", () => {
    const board = new SackScoreboard();
    assert.equal(board.add(100, 200), 100);
    assert.equal(board.add(300, 400), 100);
    assert.equal(board.add(150, 350), 100);
    assert.equal(board.sacked, 300);
    assert.equal(board.size, 1);
    board.advance(250);
    assert.equal(board.sacked, 150);
    assert.ok(board.isSacked(399) && !board.isSacked(400) && !board.isSacked(249));
  });

  test("IsLost: DupThresh ranges or more than (DupThresh - 1) * SMSS bytes SACKed above", () => {
    const board = new SackScoreboard();
    board.add(1000, 2000);
    board.updateLossBoundary(3, 1000);
    assert.equal(board.lossBoundary, Number.NEGATIVE_INFINITY, "1000 bytes above: not yet");
    board.add(2000, 3001);
    board.updateLossBoundary(3, 1000);
    assert.equal(board.lossBoundary, 1000, "2001 bytes above");
    const discontiguous = new SackScoreboard();
    for (const left of [100, 200, 300]) discontiguous.add(left, left + 10);
    discontiguous.updateLossBoundary(3, 1000);
    assert.equal(discontiguous.lossBoundary, 100, "three separate ranges");
  });

  test("pipe matches RFC 6675 SetPipe() computed byte by byte", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 40 })), {
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 240 }),
        (blocks, highRxt) => {
          const una = 0;
          const nxt = 240;
          const board = new SackScoreboard();
          for (const [left, length] of blocks) board.add(left, Math.min(nxt, left + length));
          board.updateLossBoundary(3, 10);
          let expected = 0;
          for (let octet = una; octet < nxt; octet++) {
            if (board.isSacked(octet)) continue;
            if (octet >= board.lossBoundary) expected++;
            if (octet < highRxt) expected++;
          }
          assert.equal(board.pipe(una, nxt, highRxt), expected);
        },
      ),
    );
  });

  test("nextHole finds the first unSACKed byte and where that hole ends", () => {
    const board = new SackScoreboard();
    board.add(10, 20);
    board.add(30, 40);
    assert.equal(board.nextHole(0, 100), 0);
    assert.equal(board.holeEnd, 10);
    assert.equal(board.nextHole(12, 100), 20);
    assert.equal(board.holeEnd, 30);
    assert.equal(board.nextHole(35, 100), 40);
    assert.equal(board.holeEnd, 100);
    assert.equal(board.nextHole(35, 40), undefined);
  });
});

describe("congestion control", () => {
  const mss = 1000;
  const ack = (acked: number, now = 0, cwndLimited = true) => ({
    acked,
    now,
    srtt: 100 * MS,
    minRtt: 100 * MS,
    cwndLimited,
    rtt: undefined,
    una: 0,
    nxt: 0,
  });

  test("initial window (RFC 6928): min(10 MSS, max(2 MSS, 14600))", () => {
    assert.equal(initialWindow(1460), 14600);
    assert.equal(initialWindow(1000), 10000);
    assert.equal(initialWindow(9000), 18000);
  });

  test("NewReno: slow start doubles per window, congestion avoidance adds one MSS per window", () => {
    const cc = new NewRenoCongestionControl(mss);
    assert.equal(cc.cwnd, 10 * mss);
    for (let i = 0; i < 5; i++) cc.onAck(ack(2 * mss));
    assert.equal(cc.cwnd, 20 * mss, "byte counting with L = 2 SMSS");
    cc.onRecoveryStart(0, 20 * mss);
    assert.equal(cc.ssthresh, 10 * mss);
    assert.equal(cc.cwnd, 10 * mss);
    for (let i = 0; i < 10; i++) cc.onAck(ack(mss));
    assert.equal(cc.cwnd, 11 * mss);
    cc.onRto(0, 11 * mss);
    assert.equal(cc.cwnd, mss, "the loss window is one segment");
    assert.equal(cc.ssthresh, 5.5 * mss);
    cc.onAck(ack(mss, 0, false));
    assert.equal(cc.cwnd, mss, "not grown when the window was not the limit (RFC 7661)");
  });

  test("CUBIC: multiplicative decrease by 0.7, fast convergence, and growth back to W_max along the cubic", () => {
    const cc = new CubicCongestionControl(mss);
    for (let i = 0; i < 45; i++) cc.onAck(ack(2 * mss));
    assert.equal(cc.cwnd, 100 * mss);
    cc.onRecoveryStart(0, 100 * mss);
    assert.equal(cc.ssthresh, 70 * mss);
    cc.onRecoveryEnd(0, 70 * mss);
    assert.equal(cc.cwnd, 70 * mss);
    // K = cbrt(W_max * (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) ≈ 4.22 s: cwnd approaches W_max
    // (100) around then, and is well beyond it later (the convex region).
    let now = 0;
    const step = 100 * MS;
    const windowAt = (until: number) => {
      while (now < until) {
        now += step;
        const segments = cc.cwnd / mss;
        cc.onAck(ack(segments * mss, now));
      }
      return cc.cwnd / mss;
    };
    const early = windowAt(1 * SECOND);
    const atK = windowAt(4.3 * SECOND);
    const late = windowAt(8 * SECOND);
    assert.ok(early > 70 && early < 95, `1 s: ${early}`);
    assert.ok(atK > 97 && atK < 105, `at K: ${atK}`);
    assert.ok(late > 120, `8 s: ${late}`);
    // A second loss below the previous W_max: fast convergence lowers W_max to cwnd * (1 + beta) / 2.
    const beforeLoss = cc.cwnd;
    cc.onRecoveryStart(now, beforeLoss);
    assert.equal(cc.ssthresh, beforeLoss * 0.7);
  });

  test("options: the SYN's offers are read, a window shift above 14 is treated as 14", () => {
    const offer = readSynOptions([
      { kind: "mss", value: 1400 },
      { kind: "window-scale", shift: 20 },
      { kind: "sack-permitted" },
      { kind: "timestamps", value: 5, echo: 0 },
    ]);
    assert.deepEqual(offer, { mss: 1400, windowScale: 14, sackPermitted: true, tsVal: 5, tsEcr: 0 });
    assert.equal(windowScaleFor(65535), 0);
    assert.equal(windowScaleFor(32 * 1024 * 1024), 10);
  });
});

describe("lazy timers", () => {
  test("moving a deadline later costs no new event; a fractional deadline fires once, on the next whole nanosecond", () => {
    const scheduler = new Scheduler();
    const fired: number[] = [];
    const timer = new LazyTimer(scheduler, () => fired.push(scheduler.now));
    timer.arm(1000.4);
    for (let t = 1001; t < 2000; t += 7) timer.arm(t + 0.3);
    assert.equal(scheduler.pending, 1, "one event in the queue, however often the deadline moved");
    assert.equal(scheduler.run(1000), 2, "the early event re-armed itself once, then fired");
    assert.deepEqual(fired, [1996]);
    timer.arm(5000);
    timer.stop();
    scheduler.run(1000);
    assert.deepEqual(fired, [1996], "a stopped timer does not fire");
  });
});

describe("SegmentReader (arriving segments read into one scratch repr)", () => {
  const pseudo = { src: Ipv4Address.parse("10.0.0.1"), dst: Ipv4Address.parse("10.0.0.2") };
  const emit = (repr: TcpRepr) => {
    const out = new Uint8Array(60 + repr.payload.length);
    return out.subarray(0, emitTcp(repr, out, pseudo));
  };
  const plain = (r: TcpRepr | ParseError) =>
    isParseError(r) ? r : { ...r, options: structuredClone(r.options), payload: r.payload.slice() };
  /** The layouts the fast path takes: NOP, NOP, Timestamps and/or NOP, NOP, SACK of 1-4 blocks. */
  const fastOptions = fc
    .tuple(
      fc.option(fc.tuple(arbitraryUint32, arbitraryUint32)),
      fc.array(fc.record({ left: arbitraryUint32, right: arbitraryUint32 }), { maxLength: 4 }),
    )
    .map(([ts, blocks]) => {
      const options: TcpOption[] = [];
      if (ts)
        options.push({ kind: "nop" }, { kind: "nop" }, { kind: "timestamps", value: ts[0], echo: ts[1] });
      if (blocks.length > 0 && (ts === null || blocks.length <= 3))
        options.push({ kind: "nop" }, { kind: "nop" }, { kind: "sack", blocks });
      return options;
    });

  test("reads every segment as parseTcp does (fast layouts, any options, truncated and damaged bytes)", () => {
    const reader = new SegmentReader();
    fc.assert(
      fc.property(
        arbitraryTcpRepr,
        fc.oneof(fastOptions, arbitraryTcpOptions),
        fc.nat(80),
        fc.option(fc.tuple(fc.nat(59), fc.nat(255))),
        (base, options, cut, damage) => {
          const bytes = emit({ ...base, options }).slice();
          if (damage) bytes[Math.min(damage[0], bytes.length - 1)] = damage[1];
          const view = bytes.subarray(0, Math.max(0, bytes.length - (cut % 20 === 0 ? cut : 0)));
          assert.deepEqual(plain(reader.read(view)), plain(parseTcp(view)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("the common layouts reuse the same objects (nothing allocated per segment)", () => {
    const reader = new SegmentReader();
    const repr: TcpRepr = {
      srcPort: 1,
      dstPort: 2,
      seq: 3,
      ack: 4,
      flags: 0x10,
      window: 5,
      urgentPointer: 0,
      options: [{ kind: "nop" }, { kind: "nop" }, { kind: "timestamps", value: 7, echo: 8 }],
      payload: new Uint8Array(10),
    };
    const first = reader.read(emit(repr));
    const second = reader.read(
      emit({ ...repr, options: [...repr.options.slice(0, 2), { kind: "timestamps", value: 9, echo: 10 }] }),
    );
    assert.ok(!isParseError(first) && !isParseError(second));
    assert.equal(first, second);
    assert.deepEqual(second.options[2], { kind: "timestamps", value: 9, echo: 10 });
  });
});
