/**
 * Wireshark's judgement of what we put on the wire: tshark reads a capture taken on the Linux side
 * of the TAP during downloads, uploads and pings both ways, and finds no malformed frame and no bad
 * IPv4, ICMP or TCP checksum among the frames our host sent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { MILLISECOND, SECOND } from "../../src/sim/time.js";
import { needSystem } from "../support/system.js";
import { runTshark, TSHARK_CHECK_OPTIONS, tsharkAvailable } from "../support/tshark.js";
import { curlDownload, curlUpload, httpLab } from "./tap-e2e-support.js";
import { needTap, runIn, startCapture } from "./tap-support.js";

async function count(file: string, filter: string): Promise<number> {
  const result = await runTshark([
    "-r",
    file,
    "-n",
    ...TSHARK_CHECK_OPTIONS,
    "-Y",
    filter,
    "-T",
    "fields",
    "-e",
    "frame.number",
  ]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split("\n").filter((line) => line.trim() !== "").length;
}

test("tshark on the TAP: no malformed frames and no checksum errors from our side", async (t) => {
  if (!needTap(t, "curl", "tcpdump", "ping")) return;
  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const lab = await httpLab("10.83.0", 6);
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-tshark-"));
  try {
    const capture = await startCapture(lab.netns, lab.bridge.name, join(dir, "tap.pcap"));
    const size = 4 * 1024 * 1024;
    assert.equal((await curlDownload(lab.netns, `http://${lab.emulated}/bytes/${size}`)).code, 0);
    const upload = await curlUpload(lab.netns, `http://${lab.emulated}/upload`, size);
    assert.equal(upload.answer, upload.sentHex);
    const kernelPing = await runIn(lab.netns, "ping", [
      "-n",
      "-c",
      "10",
      "-i",
      "0.02",
      "-s",
      "1400",
      lab.emulated,
    ]);
    assert.match(kernelPing.stdout, / 0% packet loss/);
    const ours = await ping(lab.host, lab.linux, { count: 10, interval: 20 * MILLISECOND, timeout: SECOND })
      .result;
    assert.equal(ours.received, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await capture.stop();

    const mac = lab.host.interface("eth0").mac.toString();
    const fromUs = `eth.src == ${mac}`;
    assert.ok((await count(capture.file, `${fromUs} && tcp`)) > 1000, "the capture holds our TCP segments");
    assert.ok(
      (await count(capture.file, `${fromUs} && tcp.checksum.status == "Good"`)) > 1000,
      "tshark verified our TCP checksums",
    );
    assert.ok(
      (await count(capture.file, `${fromUs} && ip.checksum.status == "Good"`)) > 1000,
      "and our IPv4 checksums",
    );
    assert.ok(
      (await count(capture.file, `${fromUs} && icmp.type == 0 && icmp.checksum.status == "Good"`)) >= 10,
      "our echo replies",
    );
    assert.ok((await count(capture.file, `${fromUs} && arp`)) >= 1, "our ARP");
    const bad = `${fromUs} && (_ws.malformed || _ws.expert.severity == "Error" || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad")`;
    assert.equal(await count(capture.file, bad), 0, "no malformed frame and no bad checksum from our side");
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
