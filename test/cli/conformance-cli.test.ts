/** `tinkernet conformance` over a small suite written here: the table, --json, --filter and baselines. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli.js";

const HANDSHAKE = `--tolerance_usecs=10000
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.10 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>
+0.00 > . 1:1(0) ack 1 win 65535
`;

const dir = mkdtempSync(join(tmpdir(), "tinkernet-conformance-"));
mkdirSync(join(dir, "open"));
mkdirSync(join(dir, "other"));
writeFileSync(join(dir, "open", "handshake.pkt"), HANDSHAKE);
writeFileSync(join(dir, "open", "wrong-ack.pkt"), HANDSHAKE.replace("> . 1:1(0) ack 1", "> . 1:1(0) ack 7"));
writeFileSync(join(dir, "other", "md5.pkt"), `--tcp_md5_secret=secret\n${HANDSHAKE}`);

test("the table: per folder, the total, the reasons and the failures with a diff", () => {
  const result = runCli(["conformance", dir]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^open +1 +1 +0 +2$/m);
  assert.match(result.stdout, /^other +0 +0 +1 +1$/m);
  assert.match(result.stdout, /^total +1 +1 +1 +3$/m);
  assert.match(result.stdout, /1 +TCP-MD5 signatures \(RFC 2385/);
  assert.match(result.stdout, /open\/wrong-ack\.pkt:7: the packet sent at 0\.10s differs from the script/);
  assert.match(
    result.stdout,
    /expected: > \. 1:1\(0\) ack 7 win 65535\n +sent: +> \. 1:1\(0\) ack 1 win \d+\n +ack: expected 7, sent 1/,
  );
});

test("--json: one object per script, then the totals; --filter", () => {
  const result = runCli(["conformance", dir, "--json"]);
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  assert.deepEqual(
    lines.slice(0, 3).map((l) => [l.script, l.status]),
    [
      ["open/handshake.pkt", "passed"],
      ["open/wrong-ack.pkt", "failed"],
      ["other/md5.pkt", "not-applicable"],
    ],
  );
  assert.deepEqual(lines[1].mismatches, [{ field: "ack", expected: "7", actual: "1" }]);
  assert.deepEqual(lines[3], { total: 3, passed: 1, failed: 1, notApplicable: 1 });
  const filtered = runCli(["conformance", dir, "--json", "--filter", "md5"]);
  assert.deepEqual(JSON.parse(filtered.stdout.trim().split("\n").at(-1)!), {
    total: 1,
    passed: 0,
    failed: 0,
    notApplicable: 1,
  });
});

test("baselines: record one, pass against it, fail (exit 1) on a regression", () => {
  const baseline = join(dir, "baseline.json");
  assert.equal(runCli(["conformance", dir, "--write-baseline", baseline]).status, 0);
  assert.deepEqual(JSON.parse(readFileSync(baseline, "utf8")).passing, ["open/handshake.pkt"]);
  assert.equal(runCli(["conformance", dir, "--baseline", baseline]).status, 0);
  writeFileSync(
    join(dir, "open", "handshake.pkt"),
    HANDSHAKE.replace("ack 1 win 65535\n", "ack 9 win 65535\n"),
  );
  const regressed = runCli(["conformance", dir, "--baseline", baseline]);
  assert.equal(regressed.status, 1);
  assert.match(regressed.stderr, /open\/handshake\.pkt: passed in the baseline, now failed/);
  writeFileSync(join(dir, "open", "handshake.pkt"), HANDSHAKE);
});

test("a folder that does not exist is a usage error", () => {
  const result = runCli(["conformance", join(dir, "nope")]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /no such folder/);
});
