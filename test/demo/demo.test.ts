/**
 * `tinkernet demo` as a user runs it: a child process, twice with the same seed (same text, same
 * capture, byte for byte), once with another seed, the capture checked by tshark, and
 * `--interactive` carrying on in the shell afterwards.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readPcapng } from "../../src/trace/pcapng.js";
import { runCli } from "../support/cli.js";
import { needSystem, projectRoot } from "../support/system.js";
import { runTshark, TSHARK_CHECK_OPTIONS, tsharkAvailable, tsharkExpert } from "../support/tshark.js";

const cli = join(projectRoot, "bin", "tinkernet.js");
let dir = "";

/** Runs `tinkernet demo ARGS` in `cwd`. */
function demo(cwd: string, args: string[], input?: string) {
  const result = spawnSync(process.execPath, [cli, "demo", ...args], {
    cwd,
    encoding: "utf8",
    input,
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const runs: { status: number | null; stdout: string; stderr: string; pcap: Uint8Array }[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tinkernet-demo-"));
  // The same seed twice, each in its own folder (the capture's name is the same, so the text is too).
  for (const name of ["a", "b"]) {
    const cwd = join(dir, name);
    spawnSync("mkdir", ["-p", cwd]);
    const result = demo(cwd, ["--seed", "7", "--pcap", "demo.pcapng"]);
    runs.push({ ...result, pcap: new Uint8Array(readFileSync(join(cwd, "demo.pcapng"))) });
  }
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test("the demo exits 0 and tours ARP, ping, traceroute, TCP, NAT, HTTP, UDP with loss and IPv6 only", () => {
  const [{ status, stdout, stderr }] = runs;
  assert.equal(status, 0, stderr);
  assert.equal(stderr, "");
  const headings = stdout.split("\n").filter((l, i, all) => /^-+$/.test(all[i + 1] ?? "") && l.length > 0);
  assert.deepEqual(headings, [
    "1. Finding a neighbour: ARP on the home LAN",
    "2. Across the world: ping",
    "3. The path: traceroute",
    "4. TCP: handshake, data, teardown",
    "5. NAT: one address for the whole home",
    "6. A download: far away, and from the edge",
    "7. Loss: UDP does not care, TCP does",
    "8. IPv6 only: a phone on a mobile network",
    "What next",
  ]);
  // ARP: the broadcast reaches the phone and the home router; the reply comes back.
  assert.match(stdout, /\|-+ ARP who-has 192\.168\.1\.11\? tell 192\.168\.1\.10 -+>\|-+>\|/);
  assert.match(stdout, /\|<-+ ARP 192\.168\.1\.11 is-at 02:00:00:00:00:02 -+\|/);
  // Ping across the ocean: 182 ms round trips; the edge data center is nearer.
  assert.match(stdout, /64 bytes from 203\.0\.113\.10: icmp_seq=3 ttl=57 time=182 ms/);
  assert.match(stdout, /64 bytes from 203\.0\.113\.130: icmp_seq=3 ttl=59 time=46\.2 ms/);
  // Traceroute: eight hops, the cable between hops 4 and 5.
  assert.match(stdout, / 4 {2}198\.51\.100\.18 .*\n 5 {2}192\.0\.2\.2 \(192\.0\.2\.2\) {2}168\.\d+ ms/);
  assert.match(stdout, / 8 {2}203\.0\.113\.10 \(203\.0\.113\.10\)/);
  // The handshake, segment by segment, and the teardown with TIME-WAIT at the server.
  assert.match(stdout, /\|-+ \[SYN\] seq=0 win=65535 mss=1460 -+>\|/);
  assert.match(stdout, /\|<- \[SYN, ACK\] seq=0 ack=1 win=65535 mss=1460 -+\|/);
  assert.match(stdout, /\[TIME-WAIT\]/);
  // Every packet was drawn up to its arrival except the ones the lossy cable dropped.
  assert.doesNotMatch(stdout, /no arrival seen/);
  assert.match(stdout, /lost: link loss on isp-core3:eth2-far-core1:eth0/);
  assert.match(stdout, /\(retransmission\)/);
  // Downloads complete.
  assert.match(stdout, /200, 1000000 bytes in [\d.]+ s\n/);
  assert.match(stdout, /200, 20000 bytes in [\d.]+ s\n/);
  // Layers: each step shows a packet with both models.
  assert.equal(stdout.match(/^ {2}OSI layer {9}TCP\/IP layer {3}in this frame$/gm)?.length, 9);
  // NAT: two devices behind one address; web1 sees only that address; nobody outside gets in.
  assert.match(
    stdout,
    /\ntcp {2}198\.51\.100\.2:\d+ +192\.168\.1\.10:\d+ +203\.0\.113\.10:80 +203\.0\.113\.10:80\n/,
  );
  assert.match(
    stdout,
    /\ntcp {2}198\.51\.100\.2:\d+ +192\.168\.1\.11:\d+ +203\.0\.113\.10:80 +203\.0\.113\.10:80\n/,
  );
  assert.match(stdout, /\n {11}203\.0\.113\.10 +198\.51\.100\.2 \(NAT\)\n/);
  assert.match(stdout, /\(home-router \(NAT\) maps tcp 192\.168\.1\.11:\d+ to 198\.51\.100\.2:\d+\)/);
  assert.match(stdout, /I9 {2}001a {2}c6 33 64 02 +Source Address: 198\.51\.100\.2\n/);
  assert.match(
    stdout,
    /tinkernet> web1 ping -c 1 laptop\n.*\nFrom 192\.0\.2\.9 icmp_seq=1 Destination Net Unreachable\n/,
  );
  assert.match(stdout, /\nCapture: demo\.pcapng \(\d+ frames\) — open it with: wireshark demo\.pcapng\n$/);
});

test("step 8: the IPv6-only phone reaches IPv4-only web1 through NAT64 and DNS64", () => {
  const [{ stdout }] = runs;
  const step = stdout.slice(stdout.indexOf("8. IPv6 only"), stdout.indexOf("What next"));
  // SLAAC: an address from mobile-gw's prefix and the phone's MAC (EUI-64), and no IPv4 address.
  assert.match(step, /tinkernet> mobile ip addr show dev eth0\n2: eth0: /);
  assert.match(step, /\n {4}inet6 2001:db8:64::ff:fe00:1d\/64 scope global dynamic mngtmpaddr\n/);
  assert.match(step, /\n {4}inet6 fe80::ff:fe00:1d\/64 scope link\n/);
  assert.doesNotMatch(step.slice(0, step.indexOf("web1 has only")), /\binet /);
  // web1's IPv4 address cannot be reached directly; DNS64 synthesizes an address in 64:ff9b::/96.
  assert.match(step, /tinkernet> mobile ping -c 1 web1\n.*\nping: connect: Network is unreachable\n/);
  assert.match(step, /tinkernet> mobile dig \+short web1\.example\.net AAAA\n64:ff9b::cb00:710a\n/);
  assert.match(step, /\n200, 1000 bytes in [\d.]+ s\n/);
  // The NAT64 binding: the pool address and port for the phone's IPv6 source.
  assert.match(step, /\ntcp +198\.51\.100\.26:\d+ +\[2001:db8:64::ff:fe00:1d\]:\d+ +\d+s\n/);
  // The diagram names web1 behind the translation and draws the whole connection.
  assert.match(step, /\n +2001:db8:64::ff:fe00:1d +64:ff9b::cb00:710a \(NAT\)\n/);
  assert.match(step, /\|-+ \[SYN\] seq=0 win=65535 mss=1440 -+>\|/);
  assert.match(step, /\[TIME-WAIT\]/);
  // The SYN before (IPv6, from the phone, to the synthesized address) and after (IPv4, from the pool).
  const before = step.slice(
    step.indexOf("the phone's SYN before translation"),
    step.indexOf("the same SYN after"),
  );
  const after = step.slice(step.indexOf("the same SYN after"));
  assert.match(before, /Frame: 94 bytes, sent by mobile on eth0/);
  assert.match(before, /I6 {2}0016 {2}20 01 0d b8 00 64 \.\. Source Address: 2001:db8:64::ff:fe00:1d/);
  assert.match(before, /I7 {2}0026 {2}00 64 ff 9b 00 00 \.\. Destination Address: 64:ff9b::cb00:710a/);
  assert.match(after, /Frame: 74 bytes, received by web1 on eth0/);
  assert.match(after, /I9 {2}001a {2}c6 33 64 1a +Source Address: 198\.51\.100\.26\n/);
  assert.match(after, /Ia {2}001e {2}cb 00 71 0a +Destination Address: 203\.0\.113\.10\n/);
  // The same sequence number on both sides of the gateway.
  const isn = /T3 {2}003a {2}(?:[0-9a-f]{2} ){4}\s*Sequence Number: (\d+)/.exec(before)?.[1];
  assert.ok(isn);
  assert.match(after, new RegExp(`Sequence Number: ${isn} `));
});

test("the same seed gives the same text and the same capture, byte for byte; another seed does not", () => {
  const [a, b] = runs;
  assert.equal(a.stdout, b.stdout);
  assert.deepEqual(a.pcap, b.pcap);
  const other = demo(join(dir, "a"), ["--seed", "8", "--pcap", "other.pcapng"]);
  assert.equal(other.status, 0, other.stderr);
  assert.notDeepEqual(new Uint8Array(readFileSync(join(dir, "a", "other.pcapng"))), a.pcap);
});

test("the capture holds every frame of the laptop's and the phone's interfaces, and tshark finds nothing malformed", async (t) => {
  const file = readPcapng(runs[0].pcap);
  assert.equal(file.error, undefined);
  assert.deepEqual(
    file.interfaces.map((i) => i.name),
    ["laptop:eth0", "mobile:eth0"],
  );
  const count = Number(/Capture: demo\.pcapng \((\d+) frames\)/.exec(runs[0].stdout)?.[1]);
  assert.equal(file.frames.length, count);
  assert.ok(count > 1000);
  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const path = join(dir, "a", "demo.pcapng");
  const problems = (await tsharkExpert(path)).filter(
    (item) =>
      item.severity === "Errors" ||
      /malformed|checksum/i.test(`${item.group} ${item.protocol} ${item.summary}`),
  );
  assert.deepEqual(problems, []);
  // Wireshark's own defaults too (TCP reassembly on): still nothing malformed.
  const { stdout } = await runTshark(["-r", path, "-q", "-z", "expert,error"]);
  assert.doesNotMatch(stdout, /Malformed/);
  const { stdout: bad } = await runTshark([
    "-r",
    path,
    "-n",
    "-Y",
    "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || (icmpv6 && icmpv6.checksum.status != 1)",
    ...TSHARK_CHECK_OPTIONS,
  ]);
  assert.equal(bad.trim(), "");
  // The phone's side is IPv6: tshark decodes its neighbour discovery, MLD, DNS and TCP.
  const { stdout: six } = await runTshark([
    "-r",
    path,
    "-n",
    "-Y",
    "ipv6",
    "-T",
    "fields",
    "-e",
    "icmpv6.type",
    "-e",
    "tcp.srcport",
    "-e",
    "dns.qry.type",
    ...TSHARK_CHECK_OPTIONS,
  ]);
  const kinds = new Set(
    six
      .trim()
      .split("\n")
      .map((line) => {
        const [icmp, tcp, dns] = line.split("\t");
        return icmp ? `icmpv6 ${icmp}` : tcp ? "tcp" : dns ? `dns ${dns}` : "other";
      }),
  );
  // 133/134 router solicitation/advertisement, 135/136 neighbour solicitation/advertisement, 143 MLDv2.
  for (const kind of ["icmpv6 134", "icmpv6 135", "icmpv6 136", "icmpv6 143", "tcp", "dns 28"])
    assert.ok(kinds.has(kind), `${kind} in ${[...kinds].join(", ")}`);
});

test("--no-pcap writes no file; a bad seed is a usage error", () => {
  const cwd = join(dir, "b");
  const result = demo(cwd, ["--no-pcap", "--seed", "3"]);
  assert.equal(result.status, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /Capture:/);
  assert.equal(existsSync(join(cwd, "tinkernet-demo.pcapng")), false);
  const bad = runCli(["demo", "--seed", "x"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid seed "x"/);
});

test("--interactive leaves the user in the shell on the same network", () => {
  const result = demo(join(dir, "b"), ["--no-pcap", "--interactive"], "laptop ping -c 1 web1\njobs\nexit\n");
  assert.equal(result.status, 0, result.stderr);
  const after = result.stdout.slice(result.stdout.indexOf("What next"));
  // The ARP caches along the path are warm: the first reply takes the plain round trip.
  assert.match(after, /64 bytes from 203\.0\.113\.10: icmp_seq=1 ttl=57 time=182 ms/);
  // The tour's servers still run.
  assert.match(after, /\[1\] web1 httpd 80\n\[2\] cdn1 httpd 80\n\[3\] web1 nc -u -l 9000\n/);
});

test("--step prints only the steps asked for; the others still run", () => {
  const cwd = join(dir, "b");
  const one = demo(cwd, ["--no-pcap", "--step", "3"]);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /^3\. The path: traceroute\n-+\n/);
  assert.doesNotMatch(one.stdout, /^\d\. (?!The path)/m);
  // The same step as in the whole tour, byte for byte.
  const whole = runs[0].stdout;
  const step3 = whole.slice(whole.indexOf("3. The path"), whole.indexOf("\n4. TCP"));
  const seven = demo(cwd, ["--no-pcap", "--seed", "7", "--step", "4,3"]);
  assert.equal(seven.stdout.slice(0, step3.length), step3);
  assert.match(seven.stdout, /\n\n4\. TCP: handshake, data, teardown\n/);
  const bad = demo(cwd, ["--step", "0"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid --step "0": expected step numbers from 1 to 8/);
});

test("tinkernet run examples/internet.yml --exec pingall: everyone reaches everyone, the NATed home from inside only", () => {
  const result = runCli(["run", join(projectRoot, "examples", "internet.yml"), "--exec", "pingall"]);
  // The home's devices reach everything; nothing outside reaches them (their addresses are
  // private, behind the home router's NAT): pingall does not try those 8 pairs, and says so.
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout,
    [
      "*** Ping: testing ping reachability",
      "laptop -> phone web1 web2 db1 cdn1",
      "phone -> laptop web1 web2 db1 cdn1",
      "web1 -> laptop(NAT) phone(NAT) web2 db1 cdn1",
      "web2 -> laptop(NAT) phone(NAT) web1 db1 cdn1",
      "db1 -> laptop(NAT) phone(NAT) web1 web2 cdn1",
      "cdn1 -> laptop(NAT) phone(NAT) web1 web2 db1",
      "*** Results: 0% dropped (22/22 received)",
      "*** Not tried: 8 of 30 pairs: laptop, phone are behind home-router's NAT, which lets nobody outside start a conversation in (pingall --all tries them)",
      "*** Left out: mobile (IPv6 only; pingall pings over IPv4, pingall -6 over IPv6)",
      "",
    ].join("\n"),
  );
  // --all tries them too: the NAT lets none in.
  const all = runCli(["run", join(projectRoot, "examples", "internet.yml"), "--exec", "pingall --all"]);
  assert.equal(all.status, 1, all.stderr);
  assert.match(all.stdout, /^web1 -> X X web2 db1 cdn1$/m);
  assert.match(all.stdout, /^\*\*\* Results: 26% dropped \(22\/30 received\)$/m);
});
