// Wireshark judges our TCP under impairment (issue 4: "tshark reads a capture of a lossy transfer
// and flags nothing that the impairments do not explain").
//
// A 3 MiB transfer (SACK, timestamps and window scaling negotiated) crosses one link — 100 Mbit/s,
// 10 ms each way — that is clean, lossy, reordering or duplicating, with a fixed seed. Both ends
// are captured as pcapng with our writer, and tshark's TCP analysis runs over each capture. Then:
//
// - nothing is malformed and every IPv4 and TCP checksum verifies;
// - a clean link gives no analysis flag at all except the benign ones below;
// - on an impaired link every flag has a cause we can point to in our own trace: each
//   retransmitted range (whatever tshark calls it: retransmission, fast retransmission, spurious,
//   out-of-order) overlaps a data frame the link dropped earlier (or, reordering, one the link
//   delayed behind a later frame); each "previous segment not captured" at the receiver sits right
//   after a frame the link dropped (or delayed); duplicate ACKs and D-SACKs appear only where the
//   link lost, reordered or duplicated something; a retransmission seen twice at the receiver is
//   one the link copied.
//
// Benign flags (allowed on any link): `window_update` — a pure ACK whose only news is a larger
// window, sent when receive-window auto-tuning grows the buffer or the application drains it
// (RFC 9293 §3.8.6.2.2, RFC 1122 §4.2.3.3): flow control working, not a fault; `window_full` —
// the sender filled exactly the window offered (it respects flow control; tshark notes it so a
// reader can tell a receiver-limited flow). Zero windows, keep-alives, "ACKed unseen segment" and
// reused ports are never expected here: the reader reads at once and the capture sees every frame
// its host sent or received.
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
import { runTshark, TSHARK_CHECK_OPTIONS, tsharkAvailable, tsharkExpert } from "../../support/tshark.js";
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
  length: number;
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
    length: view.getUint16(16) - ipHeader - tcpHeader,
  };
}

/** A frame the link dropped, and how many frames each capture held at that moment. */
interface Dropped extends Seen {
  framesAt: { h1: number; h2: number };
}

interface Run {
  files: { h1: string; h2: string };
  clientPort: number;
  /** Data frames the link lost, in both directions. */
  dropped: Dropped[];
  /** Capture frame numbers (1-based, per capture) that are the link's extra copies. */
  copies: { h1: Set<number>; h2: Set<number> };
  /** Client data transmissions that the link delivered behind one sent after them. */
  late: Seen[];
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
  const dropped: Dropped[] = [];
  const copies = { h1: new Set<number>(), h2: new Set<number>() };
  let copyArriving = false;
  // The client's data transmissions, in sending order and in arrival order (index into `sent`).
  const sent: Seen[] = [];
  const arrivals: number[] = [];
  const sentIndex = new Map<string, number[]>();
  net.tracer.subscribe((event) => {
    if (event.type === "drop" && event.layer === "link" && event.frame) {
      const seg = segmentOf(event.frame);
      if (seg && seg.length > 0) dropped.push({ ...seg, framesAt: { ...count } });
    } else if (event.type === "link-delivered") {
      copyArriving = event.duplicate;
    } else if (event.type === "frame-sent" || event.type === "frame-received") {
      const node = event.node as "h1" | "h2";
      writers[node].writePacket(ids[node], event.time, event.frame, {
        direction: event.type === "frame-sent" ? "outbound" : "inbound",
      });
      count[node]++;
      if (event.type === "frame-received" && copyArriving) copies[node].add(count[node]);
      copyArriving = false;
      const seg = segmentOf(event.frame);
      if (!seg || seg.length === 0 || seg.srcPort === PORT) return;
      const key = `${seg.seq}/${seg.length}`;
      if (node === "h1") {
        const list = sentIndex.get(key) ?? [];
        sentIndex.set(key, list);
        list.push(sent.length);
        sent.push(seg);
      } else {
        // Without loss or duplication the k-th arrival of a range is its k-th transmission.
        const index = sentIndex.get(key)?.shift();
        if (index !== undefined) arrivals.push(index);
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

  // A transmission is late when one sent after it arrived first: the link reordered it.
  const late: Seen[] = [];
  let highest = -1;
  for (const index of arrivals) {
    if (index < highest) late.push(sent[index]);
    else highest = index;
  }
  const files = { h1: join(dir, `${name}-h1.pcapng`), h2: join(dir, `${name}-h2.pcapng`) };
  writeFileSync(files.h1, writers.h1.toBytes());
  writeFileSync(files.h2, writers.h2.toBytes());
  const clientPort = Number(client.stats().local.split(":")[1]);
  return { files, clientPort, dropped, copies, late, intact: ended && sha256(received) === sha256(data) };
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
];

async function analyse(file: string): Promise<Frame[]> {
  const args = ["-r", file, "-n", ...TSHARK_CHECK_OPTIONS, "-T", "fields", "-E", "occurrence=a"];
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
    frames.push({
      number: Number(v[0]),
      srcPort: Number(v[1]),
      seq: Number(v[2]),
      length: Number(v[3]),
      syn: v[4] === "1" || v[4] === "True",
      options: { sackPermitted: v[5] !== "", timestamps: v[6] !== "", windowScale: v[7] !== "" },
      flags,
      malformed: v[8] !== "",
      // (ARP frames have neither checksum.)
      checksumsGood: v[1] === "" || (v[9] === "1" && v[10] === "1"),
    });
  }
  return frames;
}

const overlaps = (a: Seen, b: Seen) => a.seq < b.seq + b.length && b.seq < a.seq + a.length;

/**
 * Every analysis flag in one capture, with the unexplained ones listed (empty when all are
 * explained). `node` is where the capture was taken.
 */
function unexplained(frames: Frame[], node: "h1" | "h2", run: Run, link: LinkImpairments): string[] {
  const lossy = Boolean(link.loss);
  const reordering = Boolean(link.reorder);
  const duplicating = Boolean(link.duplicate);
  const problems: string[] = [];
  const say = (f: Frame, flag: Flag, why: string) =>
    problems.push(
      `${node} frame ${f.number} (port ${f.srcPort} seq ${f.seq} len ${f.length}) ${flag}: ${why}`,
    );
  for (const f of frames) {
    const fromClient = f.srcPort === run.clientPort;
    for (const flag of f.flags) {
      if (BENIGN.has(flag)) continue;
      // Drops before this frame was captured (the link drops in transit, after the sender's capture).
      const droppedBefore = run.dropped.filter((d) => d.framesAt[node] < f.number && d.srcPort === f.srcPort);
      if (RESENT.includes(flag)) {
        if (!fromClient || f.length === 0) {
          say(f, flag, "only the client sends data");
          continue;
        }
        if (lossy && droppedBefore.some((d) => overlaps(d, f))) continue;
        if (reordering && run.late.some((l) => overlaps(l, f))) continue;
        if (duplicating && run.copies[node].has(f.number)) continue;
        say(f, flag, "re-sends a range the link neither dropped, delayed nor copied");
      } else if (flag === "lost_segment") {
        // The segment right before this one in sequence space never arrived (or arrived later).
        const before = (s: Seen) => s.seq + s.length === f.seq;
        if (node === "h2" && fromClient) {
          if (lossy && droppedBefore.some(before)) continue;
          if (reordering && run.late.some(before)) continue;
        }
        say(f, flag, "no dropped or delayed segment ends where this one starts");
      } else if (flag === "duplicate_ack" || flag === "dsack") {
        // Duplicate ACKs (RFC 5681 §2) answer out-of-order or repeated data, and D-SACKs
        // (RFC 2883) repeated data: both need the link to lose, reorder or copy something.
        if (!fromClient && (lossy || reordering || duplicating)) continue;
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
      for (const node of ["h1", "h2"] as const) {
        const expert = await tsharkExpert(run.files[node]);
        assert.deepEqual(
          expert.filter((e) => e.severity === "Errors" || /malformed|checksum/i.test(e.summary)),
          [],
          `${node}: no errors, nothing malformed, no checksum complaint`,
        );
        const frames = await analyse(run.files[node]);
        assert.ok(frames.length > SIZE / 1448, `${node}: tshark read the whole capture (${frames.length})`);
        assert.deepEqual(
          frames.filter((f) => f.malformed || !f.checksumsGood).map((f) => f.number),
          [],
          `${node}: every frame well formed, IPv4 and TCP checksums verified`,
        );
        const syn = frames.find((f) => f.syn && f.srcPort === run.clientPort);
        assert.deepEqual(syn?.options, { sackPermitted: true, timestamps: true, windowScale: true });
        for (const f of frames)
          for (const flag of f.flags)
            flagged.set(`${node} ${flag}`, (flagged.get(`${node} ${flag}`) ?? 0) + 1);
        assert.deepEqual(unexplained(frames, node, run, link), [], `${node}: every flag explained`);
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
