// Our decoder against Wireshark's on the tcpdump corpus: for every Ethernet frame, each layer we
// decode (Ethernet, VLAN, ARP, IPv4, IPv6, ICMPv4, ICMPv6, UDP, TCP, and above them DHCP and DNS,
// which app-tshark.test.ts checks on every DHCP and DNS capture) must agree with
// `tshark -T json` field by field, checksum verdicts included.
//
// Where tshark and we legitimately differ, the comparison (compareWithTshark in
// test/support/tshark.ts) says so and skips: Cisco ISL frames (tshark unwraps an inner Ethernet
// frame, we see 802.3); TCP option order (tshark's JSON merges repeated options, so only the
// multiset of kinds is compared); options of packets tshark marks malformed (it stops mid-list);
// ip.frag_offset units (8-octet units in tshark 4.0, octets later and in our Repr). Layers we
// refuse (e.g. ARP for other hardware than Ethernet, jumbograms) end the comparison of that frame
// and are counted.
//
// tshark costs ~0.15 s per file and this machine is small and shared, so by default a seeded
// random slice of the files runs (plus a fixed set of key files); TINKERNET_SEED=N reproduces a
// slice, TINKERNET_CORPUS_ALL=1 runs every Ethernet file (about a minute on 2 cores).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeFrame, frameFields } from "../../src/trace/decode.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { readCapture } from "../../src/trace/read-capture.js";
import { hasShared, needSystem, sharedDir } from "../support/system.js";
import { compareWithTshark, inBatches, tsharkAvailable, tsharkPackets } from "../support/tshark.js";

const CORPUS = "captures/tcpdump-tests";
const SAMPLE_SIZE = 60;

/** Files that exercise the layers we decode: always compared. */
const KEY_FILES = [
  "802.1ad_QinQ.pcap", // stacked S-tag and C-tag, ARP
  "accecn_handshake.pcap", // TCP AE/CWR/ECE flags, options, a bad checksum
  "tcp_rst_data.pcap",
  "tcp_eight_lowest_weight_flags_set.pcap",
  "tfo-5c1fa7f9ae91.pcap", // TCP Fast Open option (unknown to us: kind 34)
  "mptcp-v0.pcap", // MPTCP options (kind 30), which tshark files under a subtree of their own
  "dns_udp.pcap",
  "icmpv6.pcap", // RA with options, MLD, hop-by-hop
  "icmpv6-ns-nonce.pcap",
  "ipv6-routing-header.pcap",
  "ipv6-srh-ext-header.pcap",
  "ip6_frag_asan.pcap",
  "afs.pcap", // ICMP errors quoting UDP
  "arp-too-long-tha.pcap",
  "ipv4_tcp_http_xml.pcap",
  "espudp1.pcap",
  "IGMP_V2.pcap", // IPv4 Router Alert option
  "syslog_udp.pcap",
  "udp-length-heapoverflow.pcap",
  "ssh.pcap", // SACK blocks
];

/**
 * Fields the key files exercise: each must have been compared at least once, so a misspelt tshark
 * field name cannot pass as agreement.
 */
const MUST_COMPARE = [
  ...["src", "dst", "ethertype"].map((f) => `ethernet.${f}`),
  ...["id", "priority", "dropEligible", "ethertype"].map((f) => `vlan.${f}`),
  ...["operation", "senderMac", "senderIp", "targetMac", "targetIp"].map((f) => `arp.${f}`),
  ...[
    "src",
    "dst",
    "ttl",
    "id",
    "protocol",
    "totalLength",
    "headerLength",
    "dontFragment",
    "moreFragments",
  ].map((f) => `ipv4.${f}`),
  ...["fragmentOffset", "checksum", "checksumValid", "dscp", "ecn"].map((f) => `ipv4.${f}`),
  ...["src", "dst", "hopLimit", "nextHeader", "payloadLength", "flowLabel", "extensions"].map(
    (f) => `ipv6.${f}`,
  ),
  ...["type", "code", "checksumValid"].map((f) => `icmpv4.${f}`),
  ...["type", "code", "checksumValid", "curHopLimit", "routerLifetime", "target"].map((f) => `icmpv6.${f}`),
  ...["srcPort", "dstPort", "length", "checksum", "checksumValid"].map((f) => `udp.${f}`),
  ...["srcPort", "dstPort", "seq", "ack", "flags", "window", "checksumValid", "segmentLength"].map(
    (f) => `tcp.${f}`,
  ),
  ...["options", "options.mss", "options.wscale", "options.tsval", "options.sack"].map((f) => `tcp.${f}`),
  // dns_udp.pcap: the application layer above UDP.
  ...["id", "qr", "rcode", "questions", "answers"].map((f) => `dns.${f}`),
];

/** A small seeded generator (mulberry32), so a slice can be reproduced from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("decoder agrees with tshark on the tcpdump corpus", () => {
  it("every layer we decode matches tshark's fields", async (t) => {
    if (!needSystem(t, `shared corpus ${CORPUS}`, hasShared(CORPUS))) return;
    if (!needSystem(t, "tshark", tsharkAvailable)) return;
    const dir = join(sharedDir, CORPUS);
    const all = readdirSync(dir)
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .sort();
    // Read every file (cheap) to pick the Ethernet ones; the others are counted and skipped.
    const ethernet: string[] = [];
    let otherLinks = 0;
    for (const file of all) {
      const capture = readCapture(readFileSync(join(dir, file)));
      if (capture.frames.length > 0 && capture.frames.every((f) => f.linkType === LINKTYPE_ETHERNET))
        ethernet.push(file);
      else otherLinks++;
    }
    const seed = process.env.TINKERNET_SEED
      ? Number(process.env.TINKERNET_SEED)
      : Math.floor(Math.random() * 0x7fffffff);
    let chosen: string[];
    if (process.env.TINKERNET_CORPUS_ALL === "1") chosen = ethernet;
    else {
      const random = seededRandom(seed);
      const pool = ethernet.filter((f) => !KEY_FILES.includes(f));
      for (let i = pool.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      assert.deepEqual(
        KEY_FILES.filter((f) => !ethernet.includes(f)),
        [],
        "key files must be Ethernet captures",
      );
      chosen = [...KEY_FILES, ...pool.slice(0, SAMPLE_SIZE)];
    }
    console.log(
      `corpus-tshark: seed ${seed} (TINKERNET_SEED=${seed} reproduces; TINKERNET_CORPUS_ALL=1 runs all), ` +
        `${chosen.length} of ${ethernet.length} Ethernet files; ${otherLinks} files with other link types skipped`,
    );

    const mismatches: string[] = [];
    const missing: string[] = [];
    const checked = new Map<string, number>();
    let comparedLayers = 0;
    let comparedFrames = 0;
    let unreadableByTshark = 0;
    let weRefused = 0;
    await inBatches(chosen, 2, async (file) => {
      const path = join(dir, file);
      const packets = await tsharkPackets(path);
      if (typeof packets === "string") {
        unreadableByTshark++;
        return;
      }
      const capture = readCapture(readFileSync(path));
      for (const packet of packets) {
        const number = Number((packet.layers.frame as Record<string, string>)["frame.number"]);
        const frame = capture.frames[number - 1];
        if (!frame) {
          mismatches.push(`${file}#${number}: tshark has a frame we did not read`);
          continue;
        }
        const ours = frameFields(
          decodeFrame(frame.linkType, frame.data, {
            originalLength: frame.originalLength,
            fcsLength: capture.interfaces[frame.interfaceIndex].fcsLength,
          }),
        );
        if (ours.some((l) => l.error !== undefined)) weRefused++;
        const comparison = compareWithTshark(ours, packet);
        comparedLayers += comparison.compared;
        comparedFrames++;
        for (const m of comparison.mismatches) mismatches.push(`${file}#${number} ${m}`);
        for (const m of comparison.missingInTshark) missing.push(`${file}#${number} ${m}`);
        for (const k of comparison.checked) checked.set(k, (checked.get(k) ?? 0) + 1);
      }
      if (packets.length !== capture.frames.length)
        mismatches.push(`${file}: tshark read ${packets.length} frames, we read ${capture.frames.length}`);
    });
    console.log(
      `corpus-tshark: ${comparedFrames} frames, ${comparedLayers} layers compared; ${mismatches.length} mismatches; ` +
        `${weRefused} frames with a layer we refused; ${missing.length} layers tshark did not show; ` +
        `${unreadableByTshark} files tshark could not read`,
    );
    if (missing.length > 0) console.log(`  not in tshark (first 10): ${missing.slice(0, 10).join("; ")}`);
    assert.deepEqual(
      mismatches.slice(0, 40),
      [],
      `${mismatches.length} mismatches with tshark (seed ${seed})`,
    );
    assert.deepEqual(
      MUST_COMPARE.filter((f) => !checked.has(f)),
      [],
      "fields never compared with tshark (a wrong tshark field name, or a key file missing)",
    );
  });
});
