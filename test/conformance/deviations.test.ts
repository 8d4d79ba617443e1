import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDeviations, KNOWN_DEVIATIONS } from "../../src/conformance/deviations.js";
import type { ScriptResult } from "../../src/conformance/runner.js";

const closing: ScriptResult = {
  status: "failed",
  line: 57,
  source: "+0.00 > F. 1:1(0) ack 2 win 65535",
  message: "the packet sent at 0.30s differs from the script",
  expected: "> F. 1:1(0) ack 2 win 65535",
  sent: "> . 2:2(0) ack 2 win 65534",
};

test("a known deviation turns exactly its failure into not applicable, with the RFC clause", () => {
  const result = applyDeviations("snippets/closing-ipv4.pkt", closing);
  assert.equal(result.status, "not-applicable");
  if (result.status === "not-applicable") {
    assert.match(result.reason, /RFC 9293 §3\.10\.7\.4/);
    assert.equal(result.line, 57);
  }
});

test("another script, another line or another packet sent still fails", () => {
  assert.equal(applyDeviations("snippets/established-ipv4.pkt", closing).status, "failed");
  assert.equal(
    applyDeviations("snippets/closing-ipv4.pkt", { ...closing, sent: "> R 2:2(0) win 0" }).status,
    "failed",
  );
  assert.equal(
    applyDeviations("snippets/closing-ipv4.pkt", { ...closing, source: "+0.00 > . 2:2(0) ack 2 win 65535" })
      .status,
    "failed",
  );
  const passed: ScriptResult = { status: "passed", events: 1, duration: 0, warnings: [] };
  assert.equal(applyDeviations("snippets/closing-ipv4.pkt", passed), passed);
});

test("every known deviation names the RFC clause we follow", () => {
  for (const d of KNOWN_DEVIATIONS) assert.match(d.reason, /RFC \d+ §[\d.]+/);
});

test("a SYN reopening TIME-WAIT is an RFC choice (RFC 6191), marked as the STANDARD branch's other option", () => {
  const reopen: ScriptResult = {
    status: "failed",
    line: 66,
    source: "+0.00 >  .     2:2(0)     ack     2 win 65535",
    message: "the packet sent at 0.40s differs from the script",
    expected: "> . 2:2(0) ack 2 win 65535",
    sent: "> S. 100000:100000(0) ack 65537 win 65535 <mss 1460,nop,nop,sackOK>",
  };
  const name =
    "state-event-engine/rcv-syn-time-wait/rcv-syn-time-wait-using-shutdown-right-edge-secure-ipv4.pkt";
  const result = applyDeviations(name, reopen);
  assert.equal(result.status, "not-applicable");
  if (result.status === "not-applicable") {
    assert.match(result.reason, /^RFC choice/);
    assert.match(result.reason, /RFC 6191 §2/);
  }
  // The left edge (a SYN at RCV.NXT, not above it) must still get the challenge ACK.
  const leftEdge = name.replace("right-edge", "left-edge");
  assert.equal(applyDeviations(leftEdge, reopen).status, "failed");
});
