/**
 * The Linux kernel as the peer of our whole stack, through TAP in real time: kernel curl downloads
 * and uploads 100 MiB against our HTTP server (digest and SHA-256 checked), our HTTP client
 * downloads from a Linux `python3 -m http.server`, and the same transfers impaired (loss 2%,
 * reordering 5%, delay 5 ms, duplication 1%, both directions: netem where the kernel has it,
 * else nftables drops and our own netem-semantics link; sizes in the test) complete intact.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesDigest } from "../../src/apps/http/bytes-service.js";
import { hasCommand, needSystem } from "../support/system.js";
import {
  curlDownload,
  curlUpload,
  emulatedGet,
  type HttpLab,
  httpLab,
  impairBothWays,
  kernelHasNetem,
  linuxWebServer,
  netemStats,
  nftLoss,
  nftStats,
} from "./tap-e2e-support.js";
import { needTap } from "./tap-support.js";

const MiB = 1024 * 1024;

/** Octets each way: the kernel's download from us, its upload to us, our download from Linux. */
interface Sizes {
  download: number;
  upload: number;
  web: number;
  /** How long kernel curl may take for one transfer (a lossy one takes about a minute). */
  timeoutMs?: number;
}

/** Runs the three transfers; resolves with how long each took (wall seconds), for the diagnostics. */
async function transfers(lab: HttpLab, sizes: Sizes): Promise<string> {
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
  let since = Date.now();
  const size = sizes.download;
  const download = await curlDownload(lab.netns, `http://${lab.emulated}/bytes/${size}`, sizes.timeoutMs);
  assert.equal(download.code, 0, download.stderr);
  assert.equal(download.bytes, size);
  assert.match(download.headers, /^HTTP\/1\.1 200/);
  const digest = /^digest: (.*)\r$/im.exec(download.headers)?.[1];
  assert.equal(digest, bytesDigest(size), "the server's Digest header is the deterministic stream's");
  assert.equal(`sha-256=${download.sha256}`, digest, "the bytes curl received match the Digest");
  const took = [`kernel download ${seconds(since)} s`];
  since = Date.now();

  const upload = await curlUpload(lab.netns, `http://${lab.emulated}/upload`, sizes.upload, sizes.timeoutMs);
  assert.equal(upload.code, 0, upload.stderr);
  assert.equal(upload.answer, upload.sentHex, "our server hashed exactly the bytes curl sent");
  took.push(`kernel upload ${seconds(since)} s`);
  since = Date.now();

  const web = await linuxWebServer(lab.netns, lab.linux, sizes.web);
  try {
    const got = await emulatedGet(lab.host, lab.linux, web.port, "/file.bin");
    assert.equal(got.status, 200);
    assert.equal(got.bytes, sizes.web);
    assert.equal(got.hex, web.hex, "our client received the Linux server's file intact");
  } finally {
    web.stop();
  }
  took.push(`our download from Linux ${seconds(since)} s`);
  return took.join(", ");
}

test("kernel curl downloads and uploads 100 MiB; our client downloads from python3 -m http.server", async (t) => {
  if (!needTap(t, "curl", "python3")) return;
  const lab = await httpLab("10.88.0");
  try {
    t.diagnostic(await transfers(lab, { download: 100 * MiB, upload: 100 * MiB, web: 20 * MiB }));
    assert.equal(lab.endpoint.counters.inboxOverflow, 0);
    assert.equal(lab.bridge.device.counters.txErrors, 0);
  } finally {
    await lab.close();
  }
});

test("the same transfers impaired: loss 2%, reordering 5%, delay 5 ms, duplication 1%, both directions", async (t) => {
  if (!needTap(t, "curl", "python3", "tc")) return;
  const netem = ["delay", "5ms", "loss", "2%", "reorder", "5%", "duplicate", "1%"];
  // Where the kernel has netem, it impairs both directions of the TAP. This machine's kernel is
  // built without it (CONFIG_NET_SCH_NETEM unset): then the kernel drops 2% both ways with
  // nftables, and tinkernet's own netem-semantics link between the TAP and h1 adds the delay,
  // reordering and duplication.
  const withNetem = await kernelHasNetem();
  if (!withNetem && !needSystem(t, "nft (nftables), for kernel-side loss without netem", hasCommand("nft")))
    return;
  const lab = await httpLab(
    "10.87.0",
    2,
    withNetem ? undefined : { delay: "5ms", reorder: "5%", duplicate: "1%" },
  );
  try {
    if (withNetem) await impairBothWays(lab.netns, lab.bridge.name, netem);
    else await nftLoss(lab.netns, lab.bridge.name, 2);
    // 100 MiB each way. The loss is per segment on both sides (nftLoss caps the TAP's GSO at one
    // segment), so each transfer is loss-bound: a minute or so for our server's download at 2%.
    t.diagnostic(
      await transfers(lab, { download: 100 * MiB, upload: 100 * MiB, web: 100 * MiB, timeoutMs: 600_000 }),
    );
    if (withNetem) assert.match(await netemStats(lab.netns), /netem/);
    else
      assert.match(
        await nftStats(lab.netns),
        /counter packets [1-9]\d* bytes \d+ drop/,
        "the kernel dropped packets",
      );
    const tcp = lab.host.tcp.counters;
    assert.ok(tcp.RetransSegs > 0, "our TCP retransmitted what was lost");
    assert.ok(tcp.TCPOFOQueue > 0, "and queued what arrived out of order");
  } finally {
    await lab.close();
  }
});
