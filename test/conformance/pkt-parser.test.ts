import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  activeEvents,
  type PacketEvent,
  type Script,
  type ScriptEvent,
  type SyscallEvent,
  scriptOption,
} from "../../src/conformance/pkt-ast.js";
import { isPktSyntaxError, PktSyntaxError, tokenize } from "../../src/conformance/pkt-lexer.js";
import { parsePkt, secondsToNanoseconds } from "../../src/conformance/pkt-parser.js";

function parse(source: string): Script {
  const script = parsePkt(source);
  if (isPktSyntaxError(script)) assert.fail(`unexpected error: ${script.toString()}`);
  return script;
}

function only(source: string): ScriptEvent {
  const { events } = parse(source);
  assert.equal(events.length, 1);
  return events[0];
}

function packet(source: string): PacketEvent {
  const event = only(source);
  assert.equal(event.type, "packet");
  return event as PacketEvent;
}

function syscall(source: string): SyscallEvent {
  const event = only(source);
  assert.equal(event.type, "syscall");
  return event as SyscallEvent;
}

function error(source: string): PktSyntaxError {
  const result = parsePkt(source);
  assert.ok(isPktSyntaxError(result), "expected a syntax error");
  return result;
}

test("times: absolute, relative, any, ranges and blocking calls, in exact nanoseconds", () => {
  assert.deepEqual(only("0.00 close(3) = 0").time, { kind: "absolute", at: 0, end: undefined });
  assert.deepEqual(only("+0.10 close(3) = 0").time, {
    kind: "relative",
    offset: 100_000_000,
    end: undefined,
  });
  assert.deepEqual(only("+ 0.1 close(3) = 0").time, {
    kind: "relative",
    offset: 100_000_000,
    end: undefined,
  });
  assert.deepEqual(only("* > S 0:0(0) win 65535").time, { kind: "any" });
  assert.deepEqual(only("1.00...6.00 connect(3, ..., ...) = -1 ETIMEDOUT (Operation timed out)").time, {
    kind: "absolute",
    at: 1_000_000_000,
    end: { kind: "blocking", relative: false, time: 6_000_000_000 },
  });
  assert.deepEqual(only("+0.1~+0.2 > . 1:1(0) ack 1").time, {
    kind: "relative",
    offset: 100_000_000,
    end: { kind: "range", relative: true, time: 200_000_000 },
  });
  assert.deepEqual(only("`echo set-up`").time, { kind: "none" });
  // 0.1 + 0.2 is not 0.3 in floating point; times are converted from their digits.
  assert.equal(secondsToNanoseconds("0.3"), 300_000_000);
  assert.equal(secondsToNanoseconds("12.000001"), 12_000_001_000);
  assert.equal(secondsToNanoseconds("1.2.3"), undefined);
});

test("options and comments", () => {
  const script = parse(
    "// header\n--ip_version=ipv6 // trailing\n--tolerance_usecs=75000\n--verbose\n/* block\ncomment */ 0 close(3) = 0//\n",
  );
  assert.equal(scriptOption(script, "ip_version"), "ipv6");
  assert.equal(scriptOption(script, "tolerance_usecs"), "75000");
  assert.equal(scriptOption(script, "verbose"), "");
  assert.equal(scriptOption(script, "mtu"), undefined);
  assert.equal(script.events.length, 1);
  assert.equal(script.events[0].line, 6);
});

test("TCP packets: flags, sequence ranges, ack, window and options", () => {
  const syn = packet("+0.00 > S  0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>");
  assert.equal(syn.direction, "outbound");
  assert.deepEqual(syn.packet, {
    protocol: "tcp",
    flagText: "S",
    seq: { start: 0, end: 0, length: 0 },
    absoluteSeq: false,
    window: 65535,
    options: [
      { kind: "mss", value: 1460 },
      { kind: "nop" },
      { kind: "wscale", shift: 6 },
      { kind: "sackOK" },
      { kind: "timestamp", value: 100, echo: 0 },
    ],
  });
  const data = packet("+0.1 < P. 1:1001(1000) ack 4294967295 win 0");
  assert.equal(data.direction, "inbound");
  assert.deepEqual(data.packet, {
    protocol: "tcp",
    flagText: "P.",
    seq: { start: 1, end: 1001, length: 1000 },
    absoluteSeq: false,
    ack: 4294967295,
    window: 0,
  });
  // Sequence numbers wrap: 4294967295:99(100).
  const wrapped = packet("+0 < . 4294967295:99(100) ack 1 win 100");
  assert.deepEqual((wrapped.packet as { seq: unknown }).seq, { start: 4294967295, end: 99, length: 100 });
  assert.equal((packet("+0 > SEW 0:0(0) win 1").packet as { flagText: string }).flagText, "SEW");
  assert.equal((packet("+0 > . 1:1(0) ack 1").packet as { flagText: string }).flagText, ".");
  assert.equal((packet("+0 < SF 5:5(0) win 1").packet as { flagText: string }).flagText, "SF");
});

test("TCP packets: SACK blocks, md5, any options, any sequence, absolute sequence, UDP encapsulation", () => {
  const sack = packet("+0 > . 1:1(0) ack 100 win 65535 <nop,nop,sack 50:75 600:700 400:500>");
  assert.deepEqual((sack.packet as { options: unknown }).options, [
    { kind: "nop" },
    { kind: "nop" },
    {
      kind: "sack",
      blocks: [
        { left: 50, right: 75 },
        { left: 600, right: 700 },
        { left: 400, right: 500 },
      ],
    },
  ]);
  const any = packet("* > S 0:0(0) win 65535 <...>");
  assert.equal((any.packet as { options: unknown }).options, "any");
  const anySeq = packet("+0 > S. ...(0) ack 65537 win 65535 <mss 1460,sackOK,eol,eol>");
  assert.deepEqual((anySeq.packet as { seq: unknown }).seq, { any: true, length: 0 });
  const rst = packet("+0 > R. 0:0(0)! ack 2 win 0 <nop,nop,md5 valid>/udp(9811 > 1)");
  assert.deepEqual(rst.packet, {
    protocol: "tcp",
    flagText: "R.",
    seq: { start: 0, end: 0, length: 0 },
    absoluteSeq: true,
    ack: 2,
    window: 0,
    options: [{ kind: "nop" }, { kind: "nop" }, { kind: "md5", valid: true }],
    udpEncapsulation: { srcPort: 9811, dstPort: 1 },
  });
  const spaced = packet("+0 < . 1:1(0) ack 1 win 1 <sack 1:2, nop, nop>");
  assert.equal((spaced.packet as { options: unknown[] }).options.length, 3);
  const unknown = packet("+0 < S 0:0(0) win 1 <mss 1460,FO abcd,nop>");
  assert.deepEqual((unknown.packet as { options: unknown[] }).options[1], {
    kind: "other",
    name: "FO",
    text: "FO abcd",
  });
});

test("packets with ECN codepoints and IP fields", () => {
  const ecn = packet("+0.00 >[ect0] P. 1:1001(1000) ack 1");
  assert.equal(ecn.ecn, "ect0");
  assert.equal(packet("+0 < [noecn] . 1:1(0) ack 1 win 1").ecn, "noecn");
  assert.deepEqual(packet("+0 > (tos 0xe2) . 1:1(0) ack 1 win 1").ip, { tos: 0xe2 });
  assert.deepEqual(packet("+0 < (ttl 64) F. 1:1(0) ack 1 win 1").ip, { ttl: 64 });
  assert.deepEqual(packet("+0 < (hlim 255) . 1:1(0) ack 1 win 1").ip, { hopLimit: 255 });
  assert.deepEqual(packet("+0 < (class 0x2, ttl 3) . 1:1(0) ack 1 win 1").ip, { trafficClass: 2, ttl: 3 });
});

test("ICMP packets quote a TCP segment", () => {
  assert.deepEqual(packet("+0.1 < icmp unreachable port_unreachable [0:0(0)]").packet, {
    protocol: "icmp",
    type: "unreachable",
    code: "port_unreachable",
    quoted: { flagText: "", seq: { start: 0, end: 0, length: 0 } },
  });
  assert.deepEqual(packet("+0 <icmp unreachable frag_needed mtu 1280 [1:1(0)]").packet, {
    protocol: "icmp",
    type: "unreachable",
    code: "frag_needed",
    mtu: 1280,
    quoted: { flagText: "", seq: { start: 1, end: 1, length: 0 } },
  });
  assert.deepEqual(packet("+0 < icmp source_quench [4294967295:4294967295(0)]").packet, {
    protocol: "icmp",
    type: "source_quench",
    quoted: { flagText: "", seq: { start: 4294967295, end: 4294967295, length: 0 } },
  });
  assert.equal((packet("+0 < icmp packet_too_big mtu 1280 [1:1(0)]").packet as { mtu: number }).mtu, 1280);
});

test("system calls: arguments, results, errno and notes", () => {
  const connect = syscall("+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
  assert.equal(connect.name, "connect");
  assert.deepEqual(connect.args, [
    { kind: "number", value: 3, text: "3" },
    { kind: "ellipsis" },
    { kind: "ellipsis" },
  ]);
  assert.deepEqual(connect.result, { kind: "number", value: -1, text: "-1" });
  assert.equal(connect.errno, "EINPROGRESS");
  assert.equal(connect.note, "Operation now in progress");
  const fcntl = syscall("+0.00 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)");
  assert.deepEqual(fcntl.result, { kind: "number", value: 2, text: "0x02" });
  assert.equal(fcntl.errno, undefined);
  assert.equal(fcntl.note, "flags O_RDWR");
  const setfl = syscall("+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0");
  assert.deepEqual(setfl.args[2], {
    kind: "or",
    operands: [
      { kind: "symbol", name: "O_RDWR" },
      { kind: "symbol", name: "O_NONBLOCK" },
    ],
  });
  const getsockopt = syscall("+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0");
  assert.deepEqual(getsockopt.args[3], { kind: "array", items: [{ kind: "symbol", name: "ECONNRESET" }] });
  const linger = syscall("+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0");
  assert.deepEqual(linger.args[3], {
    kind: "struct",
    fields: [
      { name: "l_onoff", value: { kind: "number", value: 1, text: "1" } },
      { name: "l_linger", value: { kind: "number", value: 0, text: "0" } },
    ],
  });
  const call = syscall('+0 bind(3, {sin_addr=inet_addr("192.0.2.1")}, 16) = 0');
  assert.deepEqual(call.args[1], {
    kind: "struct",
    fields: [
      {
        name: "sin_addr",
        value: { kind: "call", name: "inet_addr", args: [{ kind: "string", value: "192.0.2.1" }] },
      },
    ],
  });
  assert.equal(syscall("+0 write (4, ..., 1000) = 1000").name, "write");
  assert.equal(syscall("+0 read(3, ..., 1) = -1 EWOULDBLOCK (Operation would block)").errno, "EWOULDBLOCK");
});

test("commands may span lines; code blocks are kept as text", () => {
  const { events } = parse(
    "`echo 'a ;\n  b' | setkey -c`\n\n+0.00 %{ assert tcpi_state == TCPI_LISTEN }%\n+0 close(3) = 0\n",
  );
  assert.equal(events.length, 3);
  assert.deepEqual(events[0], {
    line: 1,
    source: "`echo 'a ;",
    time: { kind: "none" },
    conditions: [],
    type: "command",
    command: "echo 'a ;\n  b' | setkey -c",
  });
  assert.equal(events[1].type, "code");
  assert.equal((events[1] as { code: string }).code, "assert tcpi_state == TCPI_LISTEN");
  assert.equal(events[1].line, 4);
  assert.equal(events[2].line, 5);
});

test("#ifdef, #ifndef and #else mark events; activeEvents chooses a branch", () => {
  const script = parse(
    [
      "0 close(3) = 0",
      "#ifdef STANDARD",
      "+0 close(4) = 0",
      "#else",
      "+0 close(5) = 0",
      "#endif",
      "#ifndef FreeBSD",
      "#ifdef STANDARD",
      "+0 close(6) = 0",
      "#endif",
      "#endif",
    ].join("\n"),
  );
  const fds = (defines: string[]) =>
    activeEvents(script, new Set(defines)).map(
      (e) => ((e as SyscallEvent).args[0] as { value: number }).value,
    );
  assert.deepEqual(fds(["STANDARD"]), [3, 4, 6]);
  assert.deepEqual(fds(["FreeBSD"]), [3, 5]);
  assert.deepEqual(fds(["STANDARD", "FreeBSD"]), [3, 4]);
  assert.deepEqual(script.events[3].conditions, [
    { name: "FreeBSD", negated: true },
    { name: "STANDARD", negated: false },
  ]);
});

test("errors name the line and column and never throw", () => {
  const cases: [string, number, number, RegExp][] = [
    ["0 close(3) = 0\n+0 `sysctl -w x=1", 2, 4, /unterminated ` command/],
    ["+0 < . 1:5(3) ack 1 win 1", 1, 8, /does not span its length 3/],
    ["+0 > . 1:1(0) ack 1 win 70000", 1, 25, /window 0-65535/],
    ["close(3) = 0", 1, 1, /needs a time/],
    ["* close(3) = 0", 1, 1, /only for outbound packets/],
    ["#if 0\n", 1, 1, /unsupported preprocessor directive #if/],
    ["#endif\n", 1, 1, /#endif without #ifdef/],
    ["#ifdef A\n0 close(3) = 0\n", 3, 1, /never closed/],
    ["+0 < . 1:1(0) ack 1 win 1 <mss>", 1, 31, /expected an MSS/],
    ["+0 < . 1:1(0) ack 1 win 1 extra", 1, 27, /unexpected "extra" at the end/],
    ["+0 close(3) = 0 (note", 1, 17, /unterminated \( note/],
    ["+0 hello", 1, 4, /expected a packet, system call/],
    ["+0 < 1:1(0)", 1, 6, /expected TCP flags/],
    ["0 close(3) = 0 $", 1, 16, /unexpected character "\$"/],
    ["0 close(3) = 12abc", 1, 14, /malformed number/],
    ['0 write(3, "abc) = 3', 1, 12, /unterminated string/],
    ["0 close(3) = 0 /* open", 1, 16, /unterminated \/\* comment/],
  ];
  for (const [source, line, column, message] of cases) {
    const e = error(source);
    assert.match(e.message, message, source);
    assert.deepEqual([e.line, e.column], [line, column], `${source}: ${e.toString()}`);
  }
});

test("the lexer gives numbers, ellipses and words with positions", () => {
  const tokens = tokenize("1.00...6.00 S. 0x1f");
  assert.ok(!(tokens instanceof PktSyntaxError));
  assert.deepEqual(
    tokens.map((t) => [t.kind, t.text, t.column]),
    [
      ["number", "1.00", 1],
      ["punct", "...", 5],
      ["number", "6.00", 8],
      ["word", "S", 13],
      ["punct", ".", 14],
      ["number", "0x1f", 16],
      ["eof", "", 20],
    ],
  );
});

test("property: parsePkt never throws, whatever the input", () => {
  const alphabet = fc.constantFrom(..."0123456789+-*<>.:()[]{},=|!/~&`%#\"' \n\tabcSFRPxEW_".split(""));
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 80 }), (chars) => {
      const result = parsePkt(chars.join(""));
      assert.ok(isPktSyntaxError(result) || Array.isArray(result.events));
    }),
    { numRuns: 2000 },
  );
  const fragments = fc.constantFrom(
    "+0.1 ",
    "< ",
    "> ",
    "S. ",
    "0:0(0) ",
    "ack 1 ",
    "win 5 ",
    "<mss 1460,nop>",
    "close(3) = 0",
    "\n",
    "#ifdef X\n",
    "#endif\n",
    "`ls`",
    "icmp unreachable [1:1(0)]",
  );
  fc.assert(
    fc.property(fc.array(fragments, { maxLength: 20 }), (parts) => {
      const result = parsePkt(parts.join(""));
      assert.ok(isPktSyntaxError(result) || Array.isArray(result.events));
    }),
    { numRuns: 2000 },
  );
});
