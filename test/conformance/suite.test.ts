/**
 * The FreeBSD TCP test suite (../shared/conformance/freebsd-tcp-testsuite, read in place) against
 * our TCP. The whole suite runs (about a second of CPU; no sampling needed) and must be at least
 * as good as the recorded baseline: every script that passed there still passes and the pass
 * count does not drop. After a TCP fix, record the new baseline with
 *
 *     node bin/tinkernet.js conformance --write-baseline test/conformance/baseline.json
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { type Baseline, regressions, type ScriptRecord, totals } from "../../src/conformance/report.js";
import { runSuite } from "../../src/conformance/suite-files.js";
import { tinkernetTcp } from "../../src/conformance/tcp-adapter.js";
import { hasShared, needSystem, projectRoot, sharedDir } from "../support/system.js";

const SUITE = "conformance/freebsd-tcp-testsuite";

let cached: ScriptRecord[] | undefined;
function records(): ScriptRecord[] {
  cached ??= runSuite(join(sharedDir, SUITE), { stack: tinkernetTcp });
  return cached;
}

test("the FreeBSD suite is at least as good as the recorded baseline", (t) => {
  if (!needSystem(t, `shared suite ${SUITE}`, hasShared(SUITE))) return;
  const baseline = JSON.parse(
    readFileSync(join(projectRoot, "test", "conformance", "baseline.json"), "utf8"),
  ) as Baseline;
  const all = records();
  const now = totals(all);
  console.log(`conformance: ${JSON.stringify(now)} (baseline ${JSON.stringify(baseline.totals)})`);
  assert.equal(now.total, baseline.totals.total, "the suite's size changed");
  assert.deepEqual(regressions(all, baseline), []);
  // Every script ends passed, failed or not applicable with a reason: none is skipped silently.
  for (const r of all) {
    if (r.status === "not-applicable")
      assert.ok(r.reason && r.reason.length > 10, `${r.script} has no reason`);
    if (r.status === "failed")
      assert.ok(r.message && r.line !== undefined, `${r.script} has no failure detail`);
  }
});

/** Scripts that must pass: the handshakes, a RST in each state, and the RFC 5961 challenge ACKs. */
const MUST_PASS = [
  // Three-way handshakes, active and passive, IPv4 and IPv6.
  "snippets/established-ipv4.pkt",
  "snippets/established-ipv6.pkt",
  "snippets/syn-sent-ipv4.pkt",
  "snippets/syn-rcvd-via-listen-ipv4.pkt",
  "snippets/syn-rcvd-via-listen-ipv6.pkt",
  // A RST with SEG.SEQ = RCV.NXT ends the connection (RFC 9293 §3.10.7.4, RFC 5961 §3.2) ...
  "state-event-engine/rcv-rst-established/rcv-rst-established-left-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-close-wait/rcv-rst-close-wait-left-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-fin-wait-1/rcv-rst-fin-wait-1-left-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-fin-wait-2/rcv-rst-fin-wait-2-left-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-syn-rcvd/rcv-rst-syn-rcvd-via-listen-left-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-syn-rcvd/rcv-rst-syn-rcvd-via-syn-sent-left-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-ack-syn-sent/rcv-rst-ack-without-data-syn-sent-ack-left-edge-ipv4.pkt",
  // ... and is ignored in LISTEN and CLOSED (RFC 9293 §3.10.7.1-2).
  "state-event-engine/rcv-rst-listen/rcv-rst-without-data-listen-ipv4.pkt",
  "state-event-engine/rcv-rst-closed/rcv-rst-without-data-closed-ipv4.pkt",
  // Challenge ACKs (RFC 5961 §3.2, §4.2): an in-window RST that is not exact, and a SYN.
  "state-event-engine/rcv-rst-established/rcv-rst-established-right-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-established/rcv-rst-established-right-edge-secure-ipv6.pkt",
  "state-event-engine/rcv-rst-fin-wait-1/rcv-rst-fin-wait-1-right-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-rst-close-wait/rcv-rst-close-wait-right-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-syn-established/rcv-syn-established-left-edge-secure-ipv4.pkt",
  "state-event-engine/rcv-syn-established/rcv-syn-established-outside-right-secure-ipv6.pkt",
  "state-event-engine/rcv-syn-close-wait/rcv-syn-close-wait-right-edge-secure-ipv4.pkt",
];

test("the handshakes, a RST in each state and the challenge ACKs pass", (t) => {
  if (!needSystem(t, `shared suite ${SUITE}`, hasShared(SUITE))) return;
  const byName = new Map(records().map((r) => [r.script, r]));
  for (const name of MUST_PASS) {
    const r = byName.get(name);
    assert.ok(r, `${name} is not in the suite`);
    assert.equal(r.status, "passed", `${name}: ${JSON.stringify(r, null, 1)}`);
  }
});
