/**
 * The runner against a scripted fake TCP (./fake-stack.ts): every kind of event, the mapping of
 * sequence numbers and timestamps, timing with tolerance, and each way a script can fail or be
 * not applicable.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runScriptText, type ScriptResult } from "../../src/conformance/runner.js";
import { type FakeOptions, fakeStack } from "./fake-stack.js";

function run(text: string, options: FakeOptions = {}, defines?: string[]): ScriptResult {
  return runScriptText(text, { stack: fakeStack(options), defines: defines ? new Set(defines) : undefined });
}

function passes(text: string, options: FakeOptions = {}): void {
  const result = run(text, options);
  assert.equal(result.status, "passed", JSON.stringify(result, null, 2));
}

function fails(text: string, line: number, message: RegExp, options: FakeOptions = {}) {
  const result = run(text, options);
  assert.equal(result.status, "failed", JSON.stringify(result, null, 2));
  if (result.status !== "failed") throw new Error("unreachable");
  assert.equal(result.line, line, JSON.stringify(result, null, 2));
  assert.match(result.message, message);
  return result;
}

function notApplicable(text: string, reason: RegExp): void {
  const result = run(text);
  assert.equal(result.status, "not-applicable", JSON.stringify(result, null, 2));
  if (result.status === "not-applicable") assert.match(result.reason, reason);
}

const ACTIVE_OPEN = `
--tolerance_usecs=10000
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S  0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.10 < S. 0:0(0) ack 1 win 32767 <mss 1460,nop,wscale 0,sackOK,TS val 500 ecr 100>
+0.00 >  . 1:1(0) ack 1 win 65535 <nop,nop,TS val 200 ecr 500>
`;

test("an active open passes: our ISN 1000 is the script's 0, option layout and TSval are loose", () => {
  passes(ACTIVE_OPEN);
});

test("data both ways, FIN both ways, and reads", () => {
  passes(
    `${ACTIVE_OPEN}
+0.00 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0.00 write(3, ..., 100) = 100
+0.00 P. 1:101(100) ack 1 win 65535 <nop,nop,TS val 200 ecr 500>
`.replace("+0.00 P.", "+0.00 > P."),
  );
  passes(`${ACTIVE_OPEN}
+0.10 < P. 1:51(50) ack 1 win 32767 <nop,nop,TS val 600 ecr 100>
+0.00 > . 1:1(0) ack 51 win 65535 <nop,nop,TS val 300 ecr 600>
+0.00 recv(3, ..., 1024, MSG_PEEK) = 50
+0.00 read(3, ..., 20) = 20
+0.00 read(3, ..., 100) = 30
+0.00 read(3, ..., 100) = -1 EWOULDBLOCK (Operation would block)
+0.10 < F. 51:51(0) ack 1 win 32767 <nop,nop,TS val 700 ecr 100>
+0.00 > . 1:1(0) ack 52 win 65535 <nop,nop,TS val 400 ecr 700>
+0.00 read(3, ..., 100) = 0
+0.00 close(3) = 0
+0.00 > F. 1:1(0) ack 52 win 65535 <nop,nop,TS val 400 ecr 700>
+0.10 < . 52:52(0) ack 2 win 32767 <nop,nop,TS val 800 ecr 400>
`);
});

test("the script's TSecr is mapped to the TSval we sent", () => {
  // The fake echoes TS.Recent; the script echoes `100`, which must reach the fake as its own TSval 7.
  const result = run(`${ACTIVE_OPEN}
+0.10 < P. 1:11(10) ack 1 win 32767 <nop,nop,TS val 600 ecr 100>
+0.00 > . 1:1(0) ack 11 win 65535 <nop,nop,TS val 300 ecr 600>
`);
  assert.equal(result.status, "passed", JSON.stringify(result));
});

test("a passive open: the listener's SYN-ACK, accept, and sockstat counts", () => {
  passes(
    `
--tolerance_usecs=10000
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0.00 bind(3, ..., ...) = 0
+0.00 listen(3, 1) = 0
+0.00 \`sockstat -4 -P tcp -p 8080 -s | grep -c LISTEN | grep 1\`
+0.00 < S  0:0(0) win 32767 <mss 1460,sackOK,eol,eol>
+0.00 > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>
+0.00 \`sockstat -4 -P tcp -s -p 8080 | grep -c SYN_RCVD | grep 1\`
+0.10 < . 1:1(0) ack 1 win 32767
+0.00 accept(3, ..., ...) = 4
+0.00 \`sockstat -4 -P tcp -s | grep packetdril | grep -c ESTABLISHED | grep 1\`
+0.00 %{ assert tcpi_state == TCPI_ESTABLISHED }%
+0.00 accept(3, ..., ...) = -1 EINVAL
`.replace("accept(3, ..., ...) = -1 EINVAL", "close(3) = 0"),
  );
});

test("an absolute time, a relative time and `*`: retransmitted SYNs", () => {
  passes(`
--tolerance_usecs=10000
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
 0.50 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <...>
+1.00 > S 0:0(0) win 65535 <...>
+0.00 close(3) = 0
`);
  passes(`
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
*     > S 0:0(0) win 65535 <...>
*     > S 0:0(0) win 65535 <...>
+0.00 close(3) = 0
`);
});

test("a packet outside its tolerance fails as late, or early", () => {
  fails(
    `
--tolerance_usecs=10000
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <...>
+0.90 > S 0:0(0) win 65535 <...>
`,
    7,
    /sent nothing/,
  );
  fails(
    `
--tolerance_usecs=10000
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <...>
+1.10 > S 0:0(0) win 65535 <...>
`,
    7,
    /earlier than expected/,
  );
});

test("a wrong field fails at its line with the expected and sent segments", () => {
  const result = fails(
    ACTIVE_OPEN.replace(">  . 1:1(0) ack 1 win 65535", ">  . 1:1(0) ack 2 win 65535"),
    9,
    /differs from the script/,
  );
  assert.equal(result.status, "failed");
  if (result.status !== "failed") return;
  assert.equal(result.expected, "> . 1:1(0) ack 2 win 65535 <nop,nop,TS val 200 ecr 500>");
  assert.equal(result.sent, "> . 1:1(0) ack 1 win 29200 <nop,nop,TS val 107 ecr 500>");
  assert.deepEqual(result.mismatches, [{ field: "ack", expected: "2", actual: "1" }]);
  fails(ACTIVE_OPEN.replace("> S  0:0(0)", "> S  0:1(1)"), 7, /differs/);
  fails(ACTIVE_OPEN.replace("ecr 500>", "ecr 501>"), 9, /differs/);
  fails(ACTIVE_OPEN.replace("<mss 1460,nop,wscale 6", "<mss 1400,nop,wscale 6"), 7, /differs/);
  fails(ACTIVE_OPEN.replace("<mss 1460,nop,wscale 6,sackOK,", "<mss 1460,nop,wscale 6,"), 7, /differs/);
  fails(ACTIVE_OPEN.replace("win 65535 <nop", "win 0 <nop"), 9, /differs/);
});

test("a packet the script does not expect fails at the next event, if a > line follows (as in packetdrill)", () => {
  const closing = `${ACTIVE_OPEN}+0.00 close(3) = 0\n+0.00 > F. 1:1(0) ack 1 win 65535 <nop,nop,TS val 200 ecr 500>\n`;
  fails(closing, 10, /does not expect before this event/, { duplicateAck: true });
  // After the last > line nothing is compared; what was sent is listed as a warning.
  const result = run(`${ACTIVE_OPEN}+0.00 close(3) = 0\n`, { duplicateAck: true });
  assert.equal(result.status, "passed");
  if (result.status === "passed")
    assert.deepEqual(result.warnings, [
      "line 10: not compared (after the last > line): > . 1:1(0) ack 1 win 29200 <nop,nop,TS val 107 ecr 500> at 0.10s",
      "end: not compared (after the last > line): > F. 1:1(0) ack 1 win 29200 <nop,nop,TS val 107 ecr 500> at 0.10s",
    ]);
});

test("system calls: a wrong result, errno or getsockopt value fails at its line", () => {
  fails(ACTIVE_OPEN.replace("= -1 EINPROGRESS", "= 0"), 6, /connect\(\) returned -1 EINPROGRESS, expected 0/);
  fails(ACTIVE_OPEN.replace("EINPROGRESS (", "EALREADY ("), 6, /failed with EINPROGRESS, expected EALREADY/);
  fails(
    `${ACTIVE_OPEN}+0.00 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0\n`,
    10,
    /gave \[0\], expected \[ECONNRESET\]/,
  );
  fails(`${ACTIVE_OPEN}+0.00 close(4) = 0\n`, 10, /EBADF/);
  // The out value of SO_RCVBUF is a buffer size: not compared.
  passes(`${ACTIVE_OPEN}+0.00 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [12345], [4]) = 0\n`);
});

test("a reset: ECONNRESET from SO_ERROR, and --non_fatal=syscall turns call mismatches into warnings", () => {
  passes(`${ACTIVE_OPEN}
+0.10 < R. 1:1(0) ack 1 win 0
+0.00 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0
+0.00 close(3) = 0
`);
  const result = run(
    `--non_fatal=syscall\n${ACTIVE_OPEN}+0.00 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0\n`,
  );
  assert.equal(result.status, "passed");
  if (result.status === "passed") assert.match(result.warnings[0], /line 11: getsockopt\(\) gave \[0\]/);
});

test("a blocking connect completes inside its time range; outside it fails", () => {
  const blocking = (range: string) => `
--tolerance_usecs=10000
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
 0.10${range} connect(3, ..., ...) = 0
+0.00 > S 0:0(0) win 65535 <...>
+0.20 < S. 0:0(0) ack 1 win 32767 <mss 1460>
+0.00 > . 1:1(0) ack 1 win 65535 <...>
+0.10 close(3) = 0
+0.00 > F. 1:1(0) ack 1 win 65535 <...>
`;
  passes(blocking("...0.30"));
  fails(blocking("...0.50"), 4, /connect\(\) returned at 0.30s, outside 0.49s..0.51s/);
  fails(blocking(""), 4, /blocked; the script expects it to return at once/);
});

test("#ifdef STANDARD is the branch that runs (by default)", () => {
  const script = `${ACTIVE_OPEN}#ifdef STANDARD
+0.00 close(3) = 0
+0.00 > F. 1:1(0) ack 1 win 65535 <nop,nop,TS val 200 ecr 500>
#endif
#ifdef FreeBSD
+0.00 > R. 1:1(0) ack 1 win 65535
#endif
`;
  assert.equal(run(script).status, "passed");
  assert.equal(run(script, {}, ["FreeBSD"]).status, "failed");
});

test("sysctl lines: known ones configure, FreeBSD-only values make a script not applicable, cleanup lines are ignored", () => {
  notApplicable(`0 \`sysctl -w net.inet.tcp.insecure_rst=1\`\n${ACTIVE_OPEN}`, /RFC 5961 §3\.2/);
  notApplicable(
    `0 \`sysctl -w net.inet.tcp.nonsense=1\`\n${ACTIVE_OPEN}`,
    /sysctl net\.inet\.tcp\.nonsense is not emulated/,
  );
  notApplicable(`0 \`sysctl -w net.inet.tcp.blackhole=2\`\n${ACTIVE_OPEN}`, /RFC 9293 §3\.10\.7\.1/);
  passes(
    `0 \`sysctl -w net.inet.tcp.sack.enable=1\`\n${ACTIVE_OPEN}+0.00 \`sysctl -w net.inet.tcp.insecure_rst=1\`\n`,
  );
  notApplicable(`0 \`ls /tmp\`\n${ACTIVE_OPEN}`, /shell command not emulated: ls/);
});

test("features we do not have make a script not applicable, never skipped silently", () => {
  notApplicable(`--tcp_md5_secret=secret\n${ACTIVE_OPEN}`, /TCP-MD5/);
  notApplicable(ACTIVE_OPEN.replace("<nop,nop,TS val 200 ecr 500>", "<nop,nop,md5 valid>"), /TCP-MD5/);
  notApplicable(ACTIVE_OPEN.replace("> S  0:0(0)", "> SEW 0:0(0)"), /ECN \(RFC 3168\)/);
  notApplicable(`${ACTIVE_OPEN}+0 %{ print(tcpi_rtt) }%\n`, /Python/);
  notApplicable(`${ACTIVE_OPEN}+0 setsockopt(3, IPPROTO_TCP, TCP_MD5SIG, [1], 4) = 0\n`, /TCP-MD5/);
  notApplicable(
    `${ACTIVE_OPEN}+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [1], 4) = 0\n`,
    /no keepInit option/,
  );
  notApplicable(`--udp_encapsulation=tcp\n${ACTIVE_OPEN}`, /UDP tunnelling/);
});

test("an ICMP error reaches the stack; any ICMP errno then matches any other", () => {
  const result = run(`
 0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <...>
+0.10 < icmp unreachable port_unreachable [0:0(0)]
+0.00 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
`);
  // The fake has no receiveError: nothing happens, and SO_ERROR stays 0.
  assert.equal(result.status, "passed", JSON.stringify(result));
});

test("an exception thrown by the stack is a failure of the line, not a crash", () => {
  fails(ACTIVE_OPEN, 8, /exception: Error: fake stack exploded/, { throwOnReceive: true });
});

test("a syntax error is a failure at its line", () => {
  const result = run("0 close(3) = 0\n+0 < S. 1:2(5) win 1\n");
  assert.equal(result.status, "failed");
  if (result.status === "failed") {
    assert.equal(result.line, 2);
    assert.match(result.message, /syntax error/);
  }
});

test("sequence numbers at the edges of the script's assumed window move to the edges of ours", () => {
  const open = ACTIVE_OPEN.replace(
    "<mss 1460,nop,wscale 0,sackOK,TS val 500 ecr 100>",
    "<mss 1460,sackOK,TS val 500 ecr 100>",
  );
  const script = (seq: number) => `${open}+0.00 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65700], [4]) = 0
+0.10 < R ${seq}:${seq}(0) win 0
`;
  // RCV.NXT is 1 and the fake advertised 29200, unscaled: the script's SYN-ACK offers no scaling.
  const edge = run(script(65700));
  assert.equal(edge.status, "passed", JSON.stringify(edge));
  if (edge.status === "passed")
    assert.deepEqual(edge.warnings, [
      "line 11: sequence number 65700 is the edge of the script's 65700-byte window; sent as 29200, the same edge of ours (29200)",
    ]);
  const beyond = run(script(65701));
  assert.equal(beyond.status, "passed");
  if (beyond.status === "passed") assert.match(beyond.warnings[0], /65701 .* sent as 29201/);
  // Anything else is sent as written.
  const inside = run(script(5000));
  assert.equal(inside.status, "passed");
  if (inside.status === "passed") assert.deepEqual(inside.warnings, []);
});

test("net.inet.tcp.rexmit_slop lets a retransmission come that much earlier, and only a retransmission", () => {
  const script = (slop: string) => `--tolerance_usecs=10000
 0.00 \`sysctl -w net.inet.tcp.rexmit_slop=${slop}\`
+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 65535 <...>
+1.20 > S 0:0(0) win 65535 <...>
`;
  passes(script("200"));
  fails(script("0"), 7, /earlier than expected/);
});
