// The decoder's application layer (DHCP, DNS) against Wireshark's on the tcpdump corpus: for every
// capture with dhcp, bootp or dns in its name, each dhcp and dns layer we decode must agree with
// `tshark -T json` (DHCP op, xid, addresses, chaddr, message type and option codes; DNS id, flags,
// rcode, counts, question names and types, answer names, types and TTLs), via compareWithTshark.
// DHCPv6 captures are not ours to decode (UDP 546/547) and are left out.
//
// tshark costs about a second of wall time per file on this shared machine, so by default a fixed
// set of files runs (BOOTP without options, DHCP with relay and lease query, DNS over UDP and TCP,
// EDNS, DNSSEC, odd labels); TINKERNET_CORPUS_ALL=1 runs all of them (26).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeFrame, frameFields } from "../../src/trace/decode.js";
import { readCapture } from "../../src/trace/read-capture.js";
import { hasShared, needSystem, sharedDir } from "../support/system.js";
import { compareWithTshark, inBatches, tsharkAvailable, tsharkPackets } from "../support/tshark.js";

const CORPUS = "captures/tcpdump-tests";

const KEY_FILES = [
  "bootp_asan.pcap",
  "dhcp-rfc3004.pcap",
  "dhcp-rfc4388.pcap",
  "dhcp-option-33.pcap",
  "dns_udp.pcap",
  "dns_tcp.pcap",
  "dns-badcookie.pcap",
  "dns-badlabel.pcap",
  "edns-opts.pcap",
  "dnssec.pcap",
];

/** Fields that must have been compared at least once (a misspelt tshark key cannot pass). */
const MUST_COMPARE = [
  ...["op", "xid", "yiaddr", "ciaddr", "giaddr", "chaddr", "messageType", "options"].map((f) => `dhcp.${f}`),
  ...["id", "qr", "opcode", "rcode", "questionCount", "answerCount", "questions", "answers", "length"].map(
    (f) => `dns.${f}`,
  ),
];

describe("DHCP and DNS decoding agrees with tshark", () => {
  it("every dhcp and dns layer in the corpus's DHCP and DNS captures matches tshark's fields", async (t) => {
    if (!needSystem(t, `shared corpus ${CORPUS}`, hasShared(CORPUS))) return;
    if (!needSystem(t, "tshark", tsharkAvailable)) return;
    const dir = join(sharedDir, CORPUS);
    const all = readdirSync(dir)
      .filter((f) => /\.pcap(ng)?$/.test(f) && /dhcp|bootp|dns/i.test(f) && !/dhcpv6|dhcp6/i.test(f))
      .sort();
    assert.deepEqual(
      KEY_FILES.filter((f) => !all.includes(f)),
      [],
      "the key captures are in the corpus",
    );
    const files = process.env.TINKERNET_CORPUS_ALL === "1" ? all : KEY_FILES;
    const mismatches: string[] = [];
    const checked = new Map<string, number>();
    const decoded = { dhcp: 0, dns: 0, refused: 0 };
    await inBatches(files, 2, async (file) => {
      const path = join(dir, file);
      const packets = await tsharkPackets(path);
      if (typeof packets === "string") return;
      const capture = readCapture(readFileSync(path));
      for (const packet of packets) {
        const number = Number((packet.layers.frame as Record<string, string>)["frame.number"]);
        const frame = capture.frames[number - 1];
        if (!frame) continue;
        const ours = frameFields(
          decodeFrame(frame.linkType, frame.data, {
            originalLength: frame.originalLength,
            fcsLength: capture.interfaces[frame.interfaceIndex].fcsLength,
          }),
        );
        for (const layer of ours) {
          if (layer.layer !== "dhcp" && layer.layer !== "dns") continue;
          if (layer.error !== undefined) decoded.refused++;
          else decoded[layer.layer]++;
        }
        const comparison = compareWithTshark(ours, packet);
        for (const m of comparison.mismatches) mismatches.push(`${file}#${number} ${m}`);
        for (const k of comparison.checked) checked.set(k, (checked.get(k) ?? 0) + 1);
      }
    });
    console.log(
      `app-tshark: ${files.length} files; ${decoded.dhcp} dhcp and ${decoded.dns} dns layers decoded, ` +
        `${decoded.refused} refused; ${mismatches.length} mismatches`,
    );
    assert.deepEqual(mismatches.slice(0, 40), [], `${mismatches.length} mismatches with tshark`);
    assert.deepEqual(
      MUST_COMPARE.filter((f) => !checked.has(f)),
      [],
      "fields never compared with tshark (a wrong tshark field name?)",
    );
  });
});
