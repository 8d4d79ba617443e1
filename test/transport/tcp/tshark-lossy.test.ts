// Wireshark judges our TCP under impairment (issue 4: "tshark reads a capture of a lossy transfer
// and flags nothing that the impairments do not explain").
//
// A 3 MiB transfer (SACK, timestamps and window scaling negotiated) crosses one link — 100 Mbit/s,
// 10 ms each way — that is clean, lossy, reordering or duplicating, with a fixed seed. Both ends
// are captured as pcapng with our writer, and tshark's TCP analysis runs over each capture. Then:
//
// - nothing is malformed and every IPv4 and TCP checksum verifies;
// - a clean link gives no analysis flag at all except the benign ones below;
// - on an impaired link every flag has a cause we can point to in our own trace (link drops,
//   link copies, the order frames left and arrived in, the sender's recovery episodes). A segment
//   sent again (whatever tshark calls it: retransmission, fast retransmission, spurious,
//   out-of-order) is judged where it was sent: it overlaps a segment the link dropped before; or
//   the ACK for it was dropped and the retransmission timer fired; or the link delivered it (or
//   the range) late; or it is the one rescue retransmission of a loss recovery (RFC 6675 §4 rule
//   4); or, on a link that reorders but never loses, a recovery that reordering set off sent it;
//   or it answers a copy of the peer's SYN the link made. At the receiver the same segment is
//   explained by that judgement, by being a link copy, or by arriving late. Each "previous
//   segment not captured" at a receiver sits right after a segment the link dropped or delayed;
//   duplicate ACKs and D-SACKs appear only where the link lost, reordered or copied something.
//
// The seeds are fixed (the run is deterministic); the rules were also checked over other seeds
// with 5% loss, 3% reordering and 5% duplication.
//
// Benign flags (allowed on any link): `window_update` — a pure ACK whose only news is a larger
// window, sent when receive-window auto-tuning grows the buffer or the application drains it
// (RFC 9293 §3.8.6.2.2, RFC 1122 §4.2.3.3): flow control working, not a fault; `window_full` —
// the sender filled exactly the window offered (it respects flow control; tshark notes it so a
// reader can tell a receiver-limited flow). Zero windows, keep-alives, "ACKed unseen segment" and
// reused ports are never expected here, except that a pure ACK the link delivered late looks like a
// keep-alive to tshark (its sequence number is one below the highest seen): the reader reads at
// once and each capture sees every frame its host sent or received.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Network } from "../../../src/devices/network.js";
import type { LinkImpairments } from "../../../src/link/impairments.js";
import { LINKTYPE_ETHERNET } from "../../../src/trace/linktype.js";
import { PcapngWriter } from "../../../src/trace/pcapng.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { needSystem } from "../../support/system.js";
import { runTshark, TSHARK_CHECK_OPTIONS, tsharkAvailable } from "../../support/tshark.js";
import { pattern, sha256 } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "tinkernet-tcp-tshark-"));
after(() => {
  if (process.env.TINKERNET_KEEP_CAPTURES === undefined) rmSync(dir, { recursive: true, force: true });
  else console.log(`captures kept in ${dir}`);
});

const SIZE = 3 << 20;
const PORT = 5001;

/** A TCP segment as our trace saw it (parsed from the Ethernet frame, independently of tshark). */
interface Seen {
  srcPort: number;
  seq: number;
  /** Sequence space: data octets, plus one for a SYN and one for a FIN. */
  length: number;
  /** The acknowledgment number (every segment after the SYN carries one). */
  ack: number;
}

/** Ethernet + IPv4 + TCP offsets (RFC 791, RFC 9293 §3.1): enough to name a segment. */
function segmentOf(frame: Uint8Array): Seen | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 54 || view.getUint16(12) !== 0x0800 || frame[23] !== 6) return undefined;
  const ipHeader = (frame[14] & 0x0f) * 4;
  const tcp = 14 + ipHeader;
  const tcpHeader = (frame[tcp + 12] >>> 4) * 4;
  return {
    srcPort: view.getUint16(tcp),
    seq: view.getUint32(tcp + 4),
    ack: view.getUint32(tcp + 8),
    length:
      view.getUint16(16) - ipHeader - tcpHeader + (frame[tcp + 13] & 0x02 ? 1 : 0) + (frame[tcp + 13] & 0x01),
  };
}

/** A frame the link dropped, and how many frames each capture held at that moment. */
interface Dropped extends Seen {
  framesAt: { h1: number; h2: number };
}

interface Run {
  files: { h1: string; h2: string };
  clientPort: number;
  /** TCP segments the link lost, in both directions (data, SYNs, FINs and pure ACKs). */
  dropped: Dropped[];
  /** Capture frame numbers (1-based, per capture) that are the link's extra copies. */
  copies: { h1: Set<number>; h2: Set<number> };
  /** Segments (either way) that the link delivered behind one their sender sent after them. */
  late: Seen[];
  /** The receiving capture's frame numbers of those late segments. */
  lateFrames: { h1: Set<number>; h2: Set<number> };
  /**
   * The client's loss recoveries (RFC 6675), as ranges of its capture's frame numbers: from the
   * `recovery-start` trace event to `recovery-end` (or the end of the capture).
   */
  recoveries: { from: number; to: number }[];
  intact: boolean;
}

/** The transfer over a link with `impairments` (both directions), captured at both hosts. */
function captureTransfer(name: string, impairments: LinkImpairments, seed: number): Run {
  const net = new Network({ seed });
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  net.connect("h1:eth0", "h2:eth0", { delay: "10ms", rate: "100Mbit", ...impairments });
  h1.addAddress("eth0", "10.0.0.1/24");
  h2.addAddress("eth0", "10.0.0.2/24");

  const writers = { h1: new PcapngWriter(), h2: new PcapngWriter() };
  const ids = {
    h1: writers.h1.addInterface({ linkType: LINKTYPE_ETHERNET, name: "h1:eth0" }),
    h2: writers.h2.addInterface({ linkType: LINKTYPE_ETHERNET, name: "h2:eth0" }),
  };
  const count = { h1: 0, h2: 0 };
  const recoveries: { from: number; to: number }[] = [];
  const dropped: Dropped[] = [];
  const copies = { h1: new Set<number>(), h2: new Set<number>() };
  let copyArriving = false;
  // Every TCP frame sent, by the buffer the link carries (a copy the link makes is a new buffer),
  // with its place in its sender's order; and the arrivals, in order, per direction.
  const sentFrames = new Map<Uint8Array, { index: number; seg: Seen }>();
  const sentCount = { h1: 0, h2: 0 };
  type Arrival = { index: number; seg: Seen; frame: number };
  const arrivals = { h1: [] as Arrival[], h2: [] as Arrival[] };
  net.tracer.subscribe((event) => {
    if (event.type === "drop" && event.layer === "link" && event.frame) {
      const seg = segmentOf(event.frame);
      if (seg) dropped.push({ ...seg, framesAt: { ...count } });
    } else if (event.type === "link-delivered") {
      copyArriving = event.duplicate;
    } else if (event.type === "tcp-congestion" && event.node === "h1") {
      if (event.reason === "recovery-start")
        recoveries.push({ from: count.h1 + 1, to: Number.POSITIVE_INFINITY });
      else if (event.reason === "recovery-end" && recoveries.length > 0)
        recoveries[recoveries.length - 1].to = count.h1;
    } else if (event.type === "frame-sent" || event.type === "frame-received") {
      const node = event.node as "h1" | "h2";
      writers[node].writePacket(ids[node], event.time, event.frame, {
        direction: event.type === "frame-sent" ? "outbound" : "inbound",
      });
      count[node]++;
      if (event.type === "frame-received" && copyArriving) copies[node].add(count[node]);
      copyArriving = false;
      const seg = segmentOf(event.frame);
      if (!seg) return;
      if (event.type === "frame-sent") sentFrames.set(event.frame, { index: sentCount[node]++, seg });
      else {
        const sent = sentFrames.get(event.frame);
        sentFrames.delete(event.frame);
        if (sent) arrivals[node].push({ ...sent, frame: count[node] });
      }
    }
  });

  const data = pattern(SIZE, seed);
  const received: Uint8Array[] = [];
  let ended = false;
  h2.tcp.listen(PORT, (c) => {
    c.onData = (d) => received.push(d.slice());
    c.onEnd = () => {
      ended = true;
      c.close();
    };
  });
  const client = h1.tcp.connect({ remote: Ipv4Address.parse("10.0.0.2"), port: PORT });
  let offset = 0;
  const pump = () => {
    while (offset < data.length) {
      const n = client.write(data.subarray(offset));
      offset += n;
      if (n === 0) return;
    }
    client.shutdown();
  };
  client.onConnect = pump;
  client.onWritable = pump;
  net.runFor(120e9);

  // A frame is late when one its sender sent after it arrived first: the link reordered it.
  const late: Seen[] = [];
  const lateFrames = { h1: new Set<number>(), h2: new Set<number>() };
  for (const node of ["h1", "h2"] as const) {
    let highest = -1;
    for (const arrival of arrivals[node]) {
      if (arrival.index > highest) highest = arrival.index;
      else {
        late.push(arrival.seg);
        lateFrames[node].add(arrival.frame);
      }
    }
  }
  const files = { h1: join(dir, `${name}-h1.pcapng`), h2: join(dir, `${name}-h2.pcapng`) };
  writeFileSync(files.h1, writers.h1.toBytes());
  writeFileSync(files.h2, writers.h2.toBytes());
  const clientPort = Number(client.stats().local.split(":")[1]);
  return {
    files,
    clientPort,
    dropped,
    copies,
    late,
    lateFrames,
    recoveries,
    intact: ended && sha256(received) === sha256(data),
  };
}

/** tshark's TCP analysis flags (FT_NONE fields: "1" when present), by our short names. */
const FLAGS = [
  "retransmission",
  "fast_retransmission",
  "spurious_retransmission",
  "out_of_order",
  "lost_segment",
  "ack_lost_segment",
  "duplicate_ack",
  "window_update",
  "window_full",
  "keep_alive",
  "keep_alive_ack",
  "zero_window",
  "zero_window_probe",
  "zero_window_probe_ack",
  "reused_ports",
] as const;
type Flag = (typeof FLAGS)[number] | "dsack";

const BENIGN: ReadonlySet<Flag> = new Set(["window_update", "window_full"]);
/** Flags that mean a retransmitted (or re-sent-looking) range. */
const RESENT: readonly Flag[] = [
  "retransmission",
  "fast_retransmission",
  "spurious_retransmission",
  "out_of_order",
];

interface Frame {
  number: number;
  srcPort: number;
  seq: number;
  length: number;
  syn: boolean;
  options: { sackPermitted: boolean; timestamps: boolean; windowScale: boolean };
  flags: Set<Flag>;
  malformed: boolean;
  checksumsGood: boolean;
  /** An expert item of severity Error (PI_ERROR). */
  error: boolean;
}

const FIELDS = [
  "frame.number",
  "tcp.srcport",
  "tcp.seq_raw",
  "tcp.len",
  "tcp.flags.syn",
  "tcp.options.sack_perm",
  "tcp.options.timestamp.tsval",
  "tcp.options.wscale.shift",
  "_ws.malformed",
  "ip.checksum.status",
  "tcp.checksum.status",
  "_ws.expert.message",
  ...FLAGS.map((f) => `tcp.analysis.${f}`),
  "tcp.flags.fin",
  "_ws.expert.severity",
];

async function analyse(file: string, clientPort: number): Promise<Frame[]> {
  // The payload is random bytes: decode it as data, so that no dissector guessing at a protocol
  // behind a port (an ephemeral port can be anyone's) reports on it.
  const args = ["-r", file, "-n", ...TSHARK_CHECK_OPTIONS, "-T", "fields", "-E", "occurrence=a"];
  args.push("-d", `tcp.port==${PORT},data`, "-d", `tcp.port==${clientPort},data`);
  args.push("-E", "aggregator=|", "-E", "separator=/t");
  for (const f of FIELDS) args.push("-e", f);
  const { stdout, stderr, code } = await runTshark(args);
  assert.equal(code, 0, stderr);
  const frames: Frame[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const v = line.split("\t");
    const flags = new Set<Flag>();
    FLAGS.forEach((flag, i) => {
      if (v[12 + i] !== "") flags.add(flag);
    });
    if (v[11].split("|").includes("D-SACK Sequence")) flags.add("dsack");
    const syn = v[4] === "1" || v[4] === "True";
    const fin = v[12 + FLAGS.length] === "1" || v[12 + FLAGS.length] === "True";
    frames.push({
      number: Number(v[0]),
      srcPort: Number(v[1]),
      seq: Number(v[2]),
      // Sequence space, as ours: a SYN and a FIN count one each.
      length: Number(v[3]) + (syn ? 1 : 0) + (fin ? 1 : 0),
      syn,
      options: { sackPermitted: v[5] !== "", timestamps: v[6] !== "", windowScale: v[7] !== "" },
      flags,
      malformed: v[8] !== "",
      // (ARP frames have neither checksum.)
      checksumsGood: v[1] === "" || (v[9] === "1" && v[10] === "1"),
      // Severities are PI_CHAT 0x200000, PI_NOTE 0x400000, PI_WARN 0x600000, PI_ERROR 0x800000.
      error: (v[13 + FLAGS.length] ?? "").split("|").some((x) => Number(x) >= 0x800000),
    });
  }
  return frames;
}

type Range = Pick<Seen, "seq" | "length">;
const overlaps = (a: Range, b: Range) => a.seq < b.seq + b.length && b.seq < a.seq + a.length;

/**
 * Every analysis flag in one capture, with the unexplained ones listed (empty when all are
 * explained). `node` is where the capture was taken.
 */
function unexplained(
  frames: Frame[],
  node: "h1" | "h2",
  run: Run,
  link: LinkImpairments,
  /** Which frames to judge: those `node` sent, or those it received. */
  side: "sent" | "received",
  /** Re-sent segments (`port/seq/length`) explained where they were sent, for the receiver's pass. */
  explainedResends: Set<string>,
): string[] {
  const lossy = Boolean(link.loss);
  const reordering = Boolean(link.reorder);
  const duplicating = Boolean(link.duplicate);
  const problems: string[] = [];
  const say = (f: Frame, flag: Flag, why: string) =>
    problems.push(
      `${node} frame ${f.number} (port ${f.srcPort} seq ${f.seq} len ${f.length}) ${flag}: ${why}`,
    );
  const ownPort = node === "h1" ? run.clientPort : PORT;
  // The end of the highest sequence number this node sent so far, and the recoveries whose one
  // rescue retransmission was seen.
  let highestSent = -1;
  const rescued = new Set<number>();
  for (const f of frames) {
    const fromClient = f.srcPort === run.clientPort;
    const highestBefore = highestSent;
    if (f.srcPort === ownPort && f.length > 0) {
      const end = f.seq + f.length;
      if (highestSent < 0 || ((end - highestSent) | 0) > 0) highestSent = end >>> 0;
    }
    if ((f.srcPort === ownPort) !== (side === "sent")) continue;
    const key = `${f.srcPort}/${f.seq}/${f.length}`;
    for (const flag of f.flags) {
      if (BENIGN.has(flag)) continue;
      // A copy the link made looks to tshark like a retransmission, or a duplicate ACK.
      if (duplicating && run.copies[node].has(f.number)) continue;
      // A segment the link delivered late, behind later ones, looks like a retransmission, an
      // out-of-order segment or (an old pure ACK, one below the highest sequence number seen)
      // a keep-alive.
      if (reordering && run.lateFrames[node].has(f.number)) continue;
      // Drops before this frame was captured (the link drops in transit, after the sender's capture).
      const droppedBefore = run.dropped.filter((d) => d.framesAt[node] < f.number && d.srcPort === f.srcPort);
      if (RESENT.includes(flag)) {
        if (f.length === 0) {
          say(f, flag, "a pure ACK re-sends nothing");
          continue;
        }
        // The receiver sees the sender's segments: each was judged in the sender's capture.
        if (side === "received" && explainedResends.has(key)) continue;
        const explained = () => {
          explainedResends.add(key);
        };
        // A SYN, SYN-ACK, data or FIN sent again: the link dropped (or delayed) what it repeats,
        if (lossy && droppedBefore.some((d) => overlaps(d, f))) {
          explained();
          continue;
        }
        // or it arrived but the ACK saying so was dropped, and the retransmission timer fired
        // (RFC 6298 §5.4; with a small window a single lost ACK can leave nothing else to send).
        const ackedHere = (d: Dropped) => d.srcPort !== f.srcPort && ((d.ack - f.seq) | 0) > 0;
        if (lossy && run.dropped.some((d) => d.framesAt[node] < f.number && ackedHere(d))) {
          explained();
          continue;
        }
        if (reordering && run.late.some((l) => l.srcPort === f.srcPort && overlaps(l, f))) {
          explained();
          continue;
        }
        // A copy of the peer's SYN (or FIN) the link made draws our SYN-ACK (or ACK of it) again,
        // at once (RFC 9293 §3.10.7.4: a repeated SYN in SYN-RECEIVED may mean ours was lost).
        if (duplicating && side === "sent" && run.copies[node].has(f.number - 1)) {
          explained();
          continue;
        }
        // RFC 6675 §4 NextSeg rule (4): once per loss recovery, when nothing else may be sent, a
        // "rescue" retransmission of the highest outstanding segment, which may have been sent
        // moments before. Loss (or, without loss, reordering) started the recovery.
        const recovery = run.recoveries.findIndex((r) => r.from <= f.number && f.number <= r.to);
        if (
          side === "sent" &&
          node === "h1" &&
          (lossy || reordering) &&
          recovery >= 0 &&
          !rescued.has(recovery) &&
          (f.seq + f.length) >>> 0 === highestBefore
        ) {
          rescued.add(recovery);
          explained();
          continue;
        }
        // Without loss, a loss recovery is set off by reordering alone: frames the link delivered
        // late let the receiver SACK data above a hole that was only delayed, and the sender
        // repairs "holes" (RFC 6675 NextSeg, and its rescue retransmission of the last segment)
        // that would have filled by themselves. Such a recovery is what sends these.
        if (reordering && !lossy && node === "h1" && run.late.length > 0 && recovery >= 0) {
          explained();
          continue;
        }
        say(f, flag, "re-sends a range the link neither dropped nor delayed");
      } else if (flag === "lost_segment") {
        // The segment right before this one in sequence space never arrived (or arrived later).
        const before = (s: Seen) => s.srcPort === f.srcPort && s.seq + s.length === f.seq;
        const receiving = fromClient === (node === "h2");
        if (receiving) {
          if (lossy && droppedBefore.some(before)) continue;
          if (reordering && run.late.some(before)) continue;
        }
        say(f, flag, "no dropped or delayed segment ends where this one starts");
      } else if (flag === "duplicate_ack" || flag === "dsack") {
        // Duplicate ACKs (RFC 5681 §2) answer out-of-order or repeated data, and D-SACKs
        // (RFC 2883) repeated data: both need the link to lose, reorder or copy something.
        if (!fromClient && (lossy || reordering || duplicating)) continue;
        // The client acknowledges the server's FIN again when it comes again: sent again after a
        // lost ACK, or copied by the link.
        if (fromClient && flag === "duplicate_ack" && (lossy || duplicating)) continue;
        // The client answers an ACK that PAWS drops — one the link reordered behind a later one,
        // so its timestamp is older (RFC 7323 §5.3 R1) — with an ACK, at most every 500 ms.
        if (fromClient && flag === "duplicate_ack" && reordering) continue;
        // Copies of ACKs the link made show as duplicate ACKs too.
        if (duplicating && run.copies[node].has(f.number)) continue;
        say(f, flag, "on a link that neither loses, reorders nor duplicates");
      } else {
        say(f, flag, "never expected");
      }
    }
  }
  return problems;
}

const CASES: { name: string; link: LinkImpairments; seed: number }[] = [
  { name: "clean", link: {}, seed: 1 },
  { name: "loss", link: { loss: "2%" }, seed: 2 },
  { name: "reorder", link: { reorder: "1%" }, seed: 3 },
  { name: "duplicate", link: { duplicate: "2%" }, seed: 4 },
];

describe("tshark's TCP analysis of a transfer over an impaired link", () => {
  for (const { name, link, seed } of CASES) {
    it(`${name}: nothing malformed, every checksum good, every flag explained by the link`, async (t) => {
      const run = captureTransfer(name, link, seed);
      assert.ok(run.intact, "the transfer completed with the right digest");
      if (name === "loss")
        assert.ok(run.dropped.length >= 20, `the link dropped data (${run.dropped.length})`);
      if (name === "reorder") assert.ok(run.late.length >= 5, `the link reordered data (${run.late.length})`);
      if (name === "duplicate") assert.ok(run.copies.h2.size >= 20, "the link copied frames");
      if (!needSystem(t, "tshark", tsharkAvailable)) return;
      const flagged = new Map<string, number>();
      const captures = { h1: [] as Frame[], h2: [] as Frame[] };
      for (const node of ["h1", "h2"] as const) {
        const frames = await analyse(run.files[node], run.clientPort);
        captures[node] = frames;
        assert.ok(frames.length > SIZE / 1448, `${node}: tshark read the whole capture (${frames.length})`);
        assert.deepEqual(
          frames.filter((f) => f.malformed || !f.checksumsGood || f.error).map((f) => f.number),
          [],
          `${node}: every frame well formed, IPv4 and TCP checksums verified, no expert error`,
        );
        const syn = frames.find((f) => f.syn && f.srcPort === run.clientPort);
        assert.deepEqual(syn?.options, { sackPermitted: true, timestamps: true, windowScale: true });
        for (const f of frames)
          for (const flag of f.flags)
            flagged.set(`${node} ${flag}`, (flagged.get(`${node} ${flag}`) ?? 0) + 1);
      }
      // Each capture's own segments first (where a retransmission is judged), then what it received.
      const explainedResends = new Set<string>();
      for (const side of ["sent", "received"] as const) {
        for (const node of ["h1", "h2"] as const) {
          assert.deepEqual(
            unexplained(captures[node], node, run, link, side, explainedResends),
            [],
            `${node}: every flag on segments it ${side} explained`,
          );
        }
      }
      const kinds = [...flagged.keys()].filter((k) => !BENIGN.has(k.split(" ")[1] as Flag));
      if (name === "clean") assert.deepEqual(kinds, [], "a clean link: no flags beyond the benign ones");
      else {
        // The impairment showed in tshark's analysis: the test checked real flags, not none.
        assert.ok(kinds.length > 0, `${name}: tshark flagged something (${[...flagged]})`);
      }
      t.diagnostic(`${name}: ${[...flagged].map(([k, n]) => `${k}×${n}`).join(", ")}`);
    });
  }
});
