// Our pcap and pcapng writers, checked by a reader we did not write: tshark must read every
// frame with the exact nanosecond timestamp, interface names and descriptions, and comments.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from "../../src/trace/linktype.js";
import { PcapWriter } from "../../src/trace/pcap.js";
import { PcapngWriter } from "../../src/trace/pcapng.js";
import { needSystem } from "../support/system.js";
import { field, findAll, tsharkAvailable, tsharkExpert, tsharkPackets } from "../support/tshark.js";

const dir = mkdtempSync(join(tmpdir(), "tinkernet-writer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An Ethernet frame carrying an unknown EtherType (0x88b5, local experimental), so no layer above is parsed. */
function ethernetFrame(fill: number, length = 60): Uint8Array {
  const frame = new Uint8Array(length).fill(fill);
  frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  return frame;
}

/** A raw IPv4 header with a correct checksum and no payload (protocol 253, experimental). */
function rawIpv4(): Uint8Array {
  const ip = Uint8Array.of(0x45, 0, 0, 20, 0, 1, 0x40, 0, 64, 253, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const checksum = ~sum & 0xffff;
  ip[10] = checksum >>> 8;
  ip[11] = checksum & 0xff;
  return ip;
}

/** tshark prints epoch time as seconds.nanoseconds. */
function epoch(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
}

const timestamps = [1_700_000_000_123_456_789n, 1_700_000_000_999_999_999n, 1_700_000_001_000_000_001n];

describe("tshark reads what our writers write", () => {
  for (const littleEndian of [true, false]) {
    it(`pcapng, ${littleEndian ? "little" : "big"}-endian: interfaces, nanoseconds, comments`, async (t) => {
      if (!needSystem(t, "tshark", tsharkAvailable)) return;
      const writer = new PcapngWriter({ littleEndian, application: "tinkernet tests" });
      const eth = writer.addInterface({
        linkType: LINKTYPE_ETHERNET,
        name: "h1-eth0",
        description: "host h1 to s1",
      });
      const raw = writer.addInterface({ linkType: LINKTYPE_RAW, name: "r1-tun0" });
      writer.writePacket(eth, timestamps[0], ethernetFrame(0xaa), { comment: "first frame" });
      writer.writePacket(raw, timestamps[1], rawIpv4(), { direction: "outbound" });
      writer.writePacket(eth, timestamps[2], ethernetFrame(0xbb, 100), {
        comment: ["two", "comments ✓"],
        originalLength: 1514,
      });
      const file = join(dir, `w-${littleEndian}.pcapng`);
      writeFileSync(file, writer.toBytes());
      const packets = await tsharkPackets(file);
      assert.ok(Array.isArray(packets), String(packets));
      assert.equal(packets.length, 3);
      assert.deepEqual(
        packets.map((p) => field(p.layers.frame, "frame.time_epoch")),
        timestamps.map(epoch),
      );
      assert.deepEqual(
        packets.map((p) => field(p.layers.frame, "frame.interface_name")),
        ["h1-eth0", "r1-tun0", "h1-eth0"],
      );
      assert.equal(field(packets[0].layers.frame, "frame.interface_description"), "host h1 to s1");
      assert.deepEqual(findAll(packets[0].layers, "frame.comment"), ["first frame"]);
      assert.deepEqual(findAll(packets[1].layers, "frame.comment"), []);
      assert.deepEqual(findAll(packets[2].layers, "frame.comment"), ["two", "comments ✓"]);
      assert.equal(field(packets[1].layers.frame, "frame.protocols"), "raw:ip");
      assert.equal(field(packets[1].layers.frame, "frame.packet_flags_direction"), "0x00000002");
      assert.equal(field(packets[1].layers.ip, "ip.checksum.status"), "1");
      assert.equal(field(packets[2].layers.frame, "frame.len"), "1514");
      assert.equal(field(packets[2].layers.frame, "frame.cap_len"), "100");
      const expert = await tsharkExpert(file);
      assert.deepEqual(
        expert.filter((e) => e.severity === "Errors" || e.severity === "Warnings"),
        [],
      );
    });
  }

  for (const [littleEndian, resolution] of [
    [true, "nanoseconds"],
    [false, "microseconds"],
  ] as const) {
    it(`pcap, ${littleEndian ? "little" : "big"}-endian, ${resolution}`, async (t) => {
      if (!needSystem(t, "tshark", tsharkAvailable)) return;
      const writer = new PcapWriter({ linkType: LINKTYPE_ETHERNET, littleEndian, resolution });
      for (const [i, ts] of timestamps.entries()) writer.writePacket(ts, ethernetFrame(i));
      const file = join(dir, `w-${littleEndian}.pcap`);
      writeFileSync(file, writer.toBytes());
      const packets = await tsharkPackets(file);
      assert.ok(Array.isArray(packets), String(packets));
      const expected = timestamps.map((ts) =>
        epoch(resolution === "nanoseconds" ? ts : (ts / 1000n) * 1000n),
      );
      assert.deepEqual(
        packets.map((p) => field(p.layers.frame, "frame.time_epoch")),
        expected,
      );
      assert.deepEqual(
        packets.map((p) => field(p.layers.eth, "eth.src")),
        ["02:00:00:00:00:01", "02:00:00:00:00:01", "02:00:00:00:00:01"],
      );
    });
  }
});
