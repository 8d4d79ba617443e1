// `tinkernet decode`, run as a user runs it: text and JSON output, exit codes for unreadable and
// damaged files.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from "../../src/trace/linktype.js";
import { PcapWriter } from "../../src/trace/pcap.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { IpProtocol } from "../../src/wire/ipv4.js";
import { runCli } from "../support/cli.js";
import { eth4, IP_A, IP_B, ipv4, tcp, udp } from "./frame-builder.js";

const dir = mkdtempSync(join(tmpdir(), "tinkernet-decode-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const pseudo = { src: IP_A, dst: IP_B };
const syn = eth4(
  ipv4({ protocol: IpProtocol.TCP }, tcp({ flags: 0x002, options: [{ kind: "mss", value: 1460 }] }, pseudo)),
);
const dns = ipv4(
  { protocol: IpProtocol.UDP },
  udp({ srcPort: 5353, dstPort: 53, payload: new Uint8Array(12) }, pseudo),
);

function pcapng(): Uint8Array {
  const writer = new PcapngWriter({ application: "tinkernet tests" });
  const eth = writer.addInterface({ linkType: LINKTYPE_ETHERNET, name: "h1-eth0" });
  const raw = writer.addInterface({ linkType: LINKTYPE_RAW, name: "tun0" });
  writer.writePacket(eth, 1_700_000_000_000_000_001n, syn, { comment: "the SYN" });
  writer.writePacket(raw, 1_700_000_000_500_000_000n, dns);
  return writer.toBytes();
}

describe("tinkernet decode", () => {
  const file = join(dir, "two.pcapng");
  writeFileSync(file, pcapng());

  it("--json prints one object per frame with its layers", () => {
    const result = runCli(["decode", file, "--json"]);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    const [first, second] = lines.map((l) => JSON.parse(l));
    assert.equal(first.frame, 1);
    assert.equal(first.time, "1700000000.000000001");
    assert.deepEqual(first.comments, ["the SYN"]);
    assert.deepEqual(
      first.layers.map((l: { layer: string }) => l.layer),
      ["ethernet", "ipv4", "tcp"],
    );
    assert.equal(first.layers[2].flags, "SYN");
    assert.deepEqual(first.layers[2].options, [{ kind: "mss", value: 1460 }]);
    assert.equal(second.frame, 2);
    assert.equal(second.interface, 1);
    assert.deepEqual(
      second.layers.map((l: { layer: string }) => [l.layer]),
      [["ipv4"], ["udp"], ["dns"]],
    );
    assert.equal(second.layers[1].dstPort, 53);
    // Twelve zero bytes to port 53: a DNS header (RFC 1035 §4.1.1), a query with id 0 and no questions.
    assert.deepEqual(
      [second.layers[2].id, second.layers[2].qr, second.layers[2].questionCount],
      [0, false, 0],
    );
  });

  it("text shows each layer with its OSI and TCP/IP place and field meanings", () => {
    const result = runCli(["decode", file]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Frame 1: 60 bytes on the wire, 60 captured, h1-eth0, link type ETHERNET, 2023-11-14 22:13:20\.000000001 UTC/m,
    );
    assert.match(result.stdout, /Comment: the SYN/);
    assert.match(result.stdout, /Ethernet II — OSI layer 2 Data link, TCP\/IP Link layer/);
    assert.match(result.stdout, /Internet Protocol version 4 — OSI layer 3 Network, TCP\/IP Internet layer/);
    assert.match(
      result.stdout,
      /Transmission Control Protocol — OSI layer 4 Transport, TCP\/IP Transport layer/,
    );
    assert.match(result.stdout, /Time to Live: 64 +\(/);
    assert.match(result.stdout, /^Frame 2: .* tun0, link type RAW \(IP\)/m);
    assert.match(result.stdout, /User Datagram Protocol/);
  });

  it("a missing or foreign file is an input error (exit 2) with a clear message", () => {
    const missing = runCli(["decode", join(dir, "nope.pcap")]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*nope\.pcap: no such file/);
    const foreign = join(dir, "foreign.pcap");
    writeFileSync(foreign, "this is not a capture\n");
    const notCapture = runCli(["decode", foreign, "--json"]);
    assert.equal(notCapture.status, 2);
    assert.match(
      notCapture.stderr,
      /is not a readable capture: not a pcap or pcapng file \(starts with 74 68 69 73\)/,
    );
    assert.equal(notCapture.stdout, "");
  });

  it("a damaged file prints the frames before the damage, says where, and exits 1", () => {
    const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET });
    writer.writePacket(1n, syn);
    writer.writePacket(2n, syn);
    const bytes = writer.toBytes();
    const damaged = join(dir, "cut.pcap");
    writeFileSync(damaged, bytes.subarray(0, bytes.length - 7));
    const result = runCli(["decode", damaged, "--json"]);
    assert.equal(result.status, 1);
    assert.equal(result.stdout.trim().split("\n").length, 1);
    assert.match(
      result.stderr,
      /cut\.pcap is damaged after frame 1: record 2: header says 60 bytes were captured but only 53 remain in the file \(at byte 108 of the file\)/,
    );
  });
});
