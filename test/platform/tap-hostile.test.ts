/**
 * Hostile input from the Linux side (scapy, bounded counts) while a legitimate kernel client keeps
 * downloading from our web server: bad IPv4 and TCP checksums, truncated headers, overlapping
 * fragments, out-of-window RSTs aimed at the client's own connections, and a SYN flood from
 * spoofed sources. Every download must still complete intact, and the counters must show the drops.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { bytesDigest } from "../../src/apps/http/bytes-service.js";
import { hasCommand, needSystem, projectRoot } from "../support/system.js";
import { curlDownload, httpLab } from "./tap-e2e-support.js";
import { needTap, run, runIn } from "./tap-support.js";

const SCAPY_PYTHON = "/usr/bin/python3"; // Debian's python3-scapy lives with Debian's interpreter
/** The local port of the long legitimate download the blind RSTs aim at. */
const RST_PORT = 40999;

function hasScapy(): boolean {
  return hasCommand(SCAPY_PYTHON);
}

test("hostile input: the server keeps serving a legitimate client, and counts what it dropped", async (t) => {
  if (!needTap(t, "curl")) return;
  const scapy = hasScapy() && (await run(SCAPY_PYTHON, ["-c", "import scapy.all"])).code === 0;
  if (!needSystem(t, "python3-scapy (Debian's /usr/bin/python3 with scapy)", scapy)) return;
  const lab = await httpLab("10.84.0", 5);
  try {
    const size = 1024 * 1024;
    const url = `http://${lab.emulated}/bytes/${size}`;
    let attacking = true;
    const attack = runIn(
      lab.netns,
      SCAPY_PYTHON,
      [
        join(projectRoot, "test", "platform", "fixtures", "hostile.py"),
        lab.bridge.name,
        lab.host.interface("eth0").mac.toString(),
        lab.emulated,
        lab.linux,
        String(RST_PORT),
      ],
      60_000,
    ).finally(() => {
      attacking = false;
    });
    // The legitimate clients: one slow download from a pinned port (the blind RSTs aim at it) that
    // lasts through the attack, and short downloads one after another, during it and after.
    const slowSize = 8 * 1024 * 1024;
    const slow = curlDownload(lab.netns, `http://${lab.emulated}/bytes/${slowSize}`, 60_000, [
      "--local-port",
      String(RST_PORT),
      "--limit-rate",
      "2M",
    ]);
    const results: Awaited<ReturnType<typeof curlDownload>>[] = [];
    let after = 0;
    // Bounded: at most 150 downloads or 90 s, whichever comes first; a failed one ends the loop
    // (and the test, below) at once with curl's message and the counters.
    const started = performance.now();
    for (let i = 0; i < 150 && after < 3 && performance.now() - started < 90_000; i++) {
      if (!attacking) after++;
      const result = await curlDownload(lab.netns, url, 20_000);
      results.push(result);
      if (result.code !== 0) break;
    }
    const attackResult = await attack;
    assert.equal(attackResult.code, 0, attackResult.stderr);
    assert.match(attackResult.stdout, /syn-flood=3000/);
    const slowResult = await slow;
    assert.equal(slowResult.code, 0, `the slow download survived: ${slowResult.stderr}`);
    assert.equal(`sha-256=${slowResult.sha256}`, bytesDigest(slowSize));
    const digest = bytesDigest(size);
    const state = () =>
      JSON.stringify({
        tcp: lab.host.tcp.counters,
        tap: lab.endpoint.counters,
        device: lab.bridge.device.counters,
      });
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 0, `download ${i}: ${r.stderr} ${state()}`);
      assert.equal(`sha-256=${r.sha256}`, digest, `download ${i} intact`);
    }
    assert.ok(results.length >= 4);
    const ip = lab.host.ipv4.counters;
    const tcp = lab.host.tcp.counters;
    // Each kind is counted "more than none", not exactly: under load the kernel's own queue toward
    // the TAP (txqueuelen) may drop part of scapy's bursts before we ever see them.
    const iface = lab.host.interface("eth0").counters;
    const report = JSON.stringify({
      ip,
      tcp,
      ipDrops: ip.drops.entries(),
      iface,
      ifaceDrops: iface.drops.entries(),
    });
    assert.ok(ip.inHdrErrors > 0, `bad IPv4 checksums counted: ${report}`);
    assert.ok(tcp.InCsumErrors > 0, `bad TCP checksums counted: ${report}`);
    assert.ok(
      ip.inTruncatedPkts + ip.inHdrErrors + iface.rxErrors > ip.drops.get("bad-checksum"),
      `truncated IPv4 headers counted: ${report}`,
    );
    assert.ok(tcp.InErrs > tcp.InCsumErrors, `bad checksums and truncated TCP headers counted: ${report}`);
    assert.ok(ip.reasmOverlaps >= 1 || ip.reasmFails >= 1, `overlapping fragments counted: ${report}`);
    assert.equal(ip.reasmOKs, 0, "no overlapping datagram was reassembled");
    assert.ok(
      tcp.SyncookiesSent + tcp.ListenOverflows + tcp.ListenDrops > 0,
      `the SYN flood was absorbed: ${report}`,
    );
    assert.ok(
      tcp.TCPRstOutOfWindow + tcp.TCPChallengeACK + tcp.OutOfWindowSegments > 0,
      `blind RSTs counted: ${report}`,
    );
    assert.equal(tcp.EstabResets, 0, "no blind RST reset a connection");
  } finally {
    await lab.close();
  }
});
