/**
 * `tinkernet run` end to end, as a user runs it: child processes, real files, every exit code
 * (0 success, 1 a command failed, 2 usage or topology errors), the example labs, --json,
 * --script, --duration, --forever with SIGTERM, user apps, colours.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { deterministicBytes } from "../../src/apps/deterministic-bytes.js";
import { readPcapng } from "../../src/trace/pcapng.js";
import { runCli } from "../support/cli.js";
import { needSystem, projectRoot } from "../support/system.js";
import { tsharkAvailable, tsharkExpert } from "../support/tshark.js";

const dir = mkdtempSync(join(tmpdir(), "tinkernet-run-"));
const example = (name: string) => join(projectRoot, "examples", name);
const lan = example("lan.yml");
const chain = example("chain.yml");
const ESC = "\u001b";

test("the example labs: pingall succeeds on the switched LAN and on the three-router chain", () => {
  const result = runCli(["run", lan, "--exec", "pingall"]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^h1 -> h2 h3 srv$/m);
  assert.match(result.stdout, /^\*\*\* Results: 0% dropped \(12\/12 received\)$/m);
  const routed = runCli(["run", chain, "--exec", "pingall; h1 traceroute -n h2"]);
  assert.equal(routed.status, 0, routed.stderr);
  assert.match(routed.stdout, /^\*\*\* Results: 0% dropped \(2\/2 received\)$/m);
  assert.match(routed.stdout, /^ 4 {2}10\.0\.2\.10 /m, "four hops: r1, r2, r3, h2");
});

test("tinkernet run EXAMPLE --exec pingall succeeds on every lab in examples/ (exit 0, 0% dropped; world.yml after routing settles)", () => {
  for (const name of ["lan.yml", "chain.yml", "internet.yml", "world.yml"]) {
    const result = runCli(["run", example(name), "--exec", "pingall"]);
    assert.equal(result.status, 0, `${name}: ${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /^\*\*\* Results: 0% dropped \((\d+)\/\1 received\)$/m, name);
  }
  // The Internet's home is behind a NAT: those pairs are not tried, and pingall says why.
  const internet = runCli(["run", example("internet.yml"), "--exec", "pingall"]);
  assert.match(internet.stdout, /^web1 -> laptop\(NAT\) phone\(NAT\) web2 db1 cdn1$/m);
  assert.match(
    internet.stdout,
    /^\*\*\* Not tried: 8 of 30 pairs: laptop, phone are behind home-router's NAT, which lets nobody outside start a conversation in \(pingall --all tries them\)$/m,
  );
  assert.match(
    internet.stdout,
    /^\*\*\* Left out: mobile \(IPv6 only; pingall pings over IPv4, pingall -6 over IPv6\)$/m,
  );
});

test("exit 1: a command that fails (100% loss), and the commands after it still run", () => {
  const result = runCli(["run", chain, "--exec", "link r2 r3 down; h1 ping -c 2 h2; h2 ip addr"]);
  assert.equal(result.status, 1);
  assert.match(result.stdout, /2 packets transmitted, 0 received, \+2 errors, 100% packet loss/);
  assert.match(result.stdout, /inet 10\.0\.2\.10\/24/, "the next command ran");
});

test("exit 2: usage and topology errors, located, with nothing run", () => {
  const badLab = join(dir, "bad.yml");
  writeFileSync(
    badLab,
    'name: bad\ntopology:\n  nodes:\n    h1: {kind: host}\n  links:\n    - endpoints: ["h1:eth0", "h9:eth0"]\n',
  );
  const cases: [string[], RegExp][] = [
    [["run", join(dir, "missing.yml")], /cannot read .*missing\.yml: ENOENT/],
    [
      ["run", badLab, "--exec", "pingall"],
      /bad\.yml:6:30: error: link #1: endpoint "h9:eth0" names node "h9", which is not in topology\.nodes/,
    ],
    [["run", lan, "--exec", "pnig"], /unknown command or node "pnig" \(did you mean "ping"\?\)/],
    [["run", lan, "--exec", "h1 ping -c"], /option -c needs a value/],
    [["run", lan, "--exec", "h1 curl 'unterminated"], /syntax error in the commands: unterminated ' quote/],
    [["run", lan, "--seed", "x", "--exec", "nodes"], /invalid seed "x"/],
    [["run", lan, "--duration", "5m", "--forever"], /choose --duration or --forever, not both/],
    [["run", lan, "--duration", "soon"], /invalid duration "soon"/],
    [["run", lan, "--app", "h9:./x.js"], /--app: no node named "h9"/],
    [["run", lan, "--app", "s1:./x.js"], /s1 is a switch/],
    [["run", lan, "--app", `h1:${join(dir, "absent.js")}`], /cannot load .*absent\.js: no such module/],
    [["run", lan, "--bogus"], /unknown option '--bogus'/],
    [["run"], /missing required argument 'file'/],
  ];
  for (const [args, pattern] of cases) {
    const result = runCli(args);
    assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, pattern, args.join(" "));
  }
});

test("--json: one object per command with status, output and what it found", () => {
  const result = runCli(["run", chain, "--json", "--exec", "h1 ping -c 1 h2; nodes; h1 nc h2 1"]);
  assert.equal(result.status, 1, result.stderr);
  const records = result.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(records.length, 3);
  assert.equal(records[0].command, "h1 ping -c 1 h2");
  assert.equal(records[0].status, 0);
  assert.equal(records[0].data.received, 1);
  assert.match(records[0].output, /^PING 10\.0\.2\.10/);
  assert.deepEqual([records[1].status, records[1].output], [0, "available nodes are: \nh1 r1 r2 r3 h2\n"]);
  assert.equal(records[2].status, 1);
  assert.match(records[2].errors, /Connection refused/);
});

test("--script: commands from a file, comments allowed; sleep and the route age show virtual time", () => {
  const script = join(dir, "script.tn");
  writeFileSync(
    script,
    "# a chain lab\nh2 httpd\nsleep 5m   # servers keep serving\nh1 curl -s h2/bytes/10 -o /dev/null -w '%{http_code}\\n'\nr2 show ip route\n",
  );
  const result = runCli(["run", chain, "--script", script]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^200$/m);
  assert.match(result.stdout, /^S>\* 10\.0\.1\.0\/24 \[1\/0\] via 10\.0\.12\.1, eth0, 00:05:00$/m);
});

test("--duration keeps the network running after the commands (seen from the shell after it)", () => {
  const result = runCli(["run", chain, "--duration", "2m", "--exec", "nodes", "--interactive"], {
    input: "r1 show ip route\nexit\n",
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^C>\* 10\.0\.1\.0\/24 is directly connected, eth0, 00:02:00$/m);
});

test("curl with real files: -o writes the download, --data-binary @FILE uploads it", () => {
  const output = join(dir, "download.bin");
  const upload = join(dir, "upload.bin");
  const payload = deterministicBytes(11, 200_000);
  writeFileSync(upload, payload);
  const result = runCli([
    "run",
    lan,
    "--exec",
    `h1 curl -s -o ${output} srv/bytes/150000; h2 curl -s --data-binary @${upload} srv/upload; h3 curl -sS -o ${join(dir, "no", "such", "dir")} srv/; h3 curl -o ${join(dir, "no", "such", "dir")} srv/`,
  ]);
  assert.equal(result.status, 1, "the last curl failed (23)");
  assert.deepEqual(new Uint8Array(readFileSync(output)), deterministicBytes(0, 150_000));
  assert.match(result.stdout, new RegExp(`^${createHash("sha256").update(payload).digest("hex")}$`, "m"));
  // -sS: the error but not the warning; without -s, both (curl's mute and showerror).
  assert.match(
    result.stderr,
    /^curl: \(23\) Failure writing output to destination\nWarning: Failed to open the file .*dir: No such file or directory\ncurl: \(23\) Failure writing output to destination\n$/,
  );
});

test("user apps: echo server and client, UDP chat, Node's http on both sides; console prefixed by host", () => {
  const apps = (name: string) => join(projectRoot, "examples", "apps", name);
  const echo = runCli([
    "run",
    lan,
    "--app",
    `h2:${apps("echo-server.js")} 7`,
    "--app",
    `h1:${apps("echo-client.js")} h2 7 hello there`,
  ]);
  assert.equal(echo.status, 0, echo.stderr);
  assert.match(echo.stdout, /^\[h2\] echo server listening on 10\.0\.1\.11 port 7$/m);
  assert.match(echo.stdout, /^\[h2\] connection from 10\.0\.1\.10:\d+$/m);
  assert.match(echo.stdout, /^\[h1\] the server echoed: hello there$/m);
  const chat = runCli([
    "run",
    lan,
    "--app",
    `h1:${apps("udp-chat.js")} h2 hello,how are you?`,
    "--app",
    `h2:${apps("udp-chat.js")} h1 hi h1,fine thanks`,
  ]);
  assert.equal(chat.status, 0, chat.stderr);
  assert.match(chat.stdout, /^\[h2\] 10\.0\.1\.10:5005 says: how are you\?$/m);
  assert.match(chat.stdout, /^\[h1\] 10\.0\.1\.11:5005 says: fine thanks$/m);
  const web = runCli([
    "run",
    lan,
    "--app",
    `h2:${apps("http-server.js")}`,
    "--app",
    `h1:${apps("http-client.js")} http://h2:8080/hello`,
    "--exec",
    "h3 curl -s -d name=ada h2:8080/greet",
  ]);
  assert.equal(web.status, 0, web.stderr);
  assert.match(web.stdout, /^\[h1\] HTTP 200 OK, content-type text\/plain$/m);
  assert.match(web.stdout, /^\[h1\] hello from h2 at [\d.]+ ms of network time$/m);
  assert.match(web.stdout, /^\[h2\] 10\.0\.1\.12 POST \/greet$/m);
  assert.match(web.stdout, /^welcome, ada$/m);
  // An app whose main rejects makes the run fail.
  const failing = join(dir, "failing.mjs");
  writeFileSync(
    failing,
    'export async function main(host) { await host.sleep(10); throw new Error("no luck on " + host.name); }\n',
  );
  const failed = runCli(["run", lan, "--app", `h3:${failing}`]);
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /\[h3\] .*failing\.mjs: Error: no luck on h3/);
});

test("colours: off for pipes and with NO_COLOR, on with FORCE_COLOR unless NO_COLOR is set", () => {
  const plain = runCli(["run", lan, "--exec", "pnig"]);
  assert.ok(!plain.stderr.includes(`${ESC}[`));
  const forced = runCli(["run", lan, "--exec", "pnig"], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
  assert.ok(forced.stderr.includes(`${ESC}[31m`));
  const both = runCli(["run", lan, "--exec", "pnig"], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } });
  assert.ok(!both.stderr.includes(`${ESC}[`));
});

test("commands piped on stdin run without prompts; --realtime runs on the wall clock", () => {
  const piped = runCli(["run", chain], { input: "h1 ping -c 1 h2\nnodes\n" });
  assert.equal(piped.status, 0, piped.stderr);
  assert.doesNotMatch(piped.stdout, /tinkernet>/);
  assert.match(piped.stdout, /1 packets transmitted, 1 received/);
  const realtime = runCli(["run", chain, "--realtime", "--exec", "h1 ping -c 2 -i 0.1 h2"]);
  assert.equal(realtime.status, 0, realtime.stderr);
  assert.match(realtime.stdout, /2 packets transmitted, 2 received/);
});

test("--forever runs in real time until SIGTERM, then ends cleanly", async () => {
  const child = spawn(
    process.execPath,
    [join(projectRoot, "bin", "tinkernet.js"), "run", lan, "--forever", "--exec", "h1 httpd"],
    {
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  const status = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no "running" line: ${stderr}`));
    }, 30_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      if (/running in real time/.test(stderr)) child.kill("SIGTERM");
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  assert.equal(status, 0, stderr);
  assert.match(stdout, /Serving HTTP on 10\.0\.1\.10 port 80/);
});

test("--pcap DIR: a pcapng per node, the same bytes for the same seed, clean for tshark", async (t) => {
  const dirs = [join(dir, "pcap-a"), join(dir, "pcap-b")];
  for (const out of dirs) {
    const result = runCli([
      "run",
      chain,
      "--seed",
      "5",
      "--pcap",
      out,
      "--exec",
      "h2 httpd; h1 curl -s -o /dev/null h2/bytes/20000; h1 traceroute h2",
    ]);
    assert.equal(result.status, 0, result.stderr);
  }
  for (const name of ["h1", "r1", "r2", "r3", "h2"]) {
    const bytes = readFileSync(join(dirs[0], `${name}.pcapng`));
    const capture = readPcapng(new Uint8Array(bytes));
    assert.equal(capture.error, undefined, name);
    assert.ok(capture.frames.length > 10, `${name}: ${capture.frames.length} frames`);
    assert.deepEqual(bytes, readFileSync(join(dirs[1], `${name}.pcapng`)), `${name}: same seed, same file`);
  }
  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const problems = (await tsharkExpert(join(dirs[0], "r2.pcapng"))).filter((i) => i.severity === "Errors");
  assert.deepEqual(problems, [], "no malformed packets, no checksum errors");
});

test("capture - streams pcapng on stdout while the shell's text goes to stderr", () => {
  const result = spawnSync(
    process.execPath,
    [join(projectRoot, "bin", "tinkernet.js"), "run", chain, "--exec", "capture h1:eth0 -; h1 ping -c 1 h2"],
    { env: { ...process.env, NO_COLOR: "1" } },
  );
  assert.equal(result.status, 0, result.stderr.toString());
  const capture = readPcapng(new Uint8Array(result.stdout));
  assert.equal(capture.error, undefined);
  assert.ok(capture.frames.length >= 4, "ARP and the echo request and reply");
  assert.match(result.stderr.toString(), /1 packets transmitted, 1 received/);
});

test("DHCP and DNS from the file: leases before the commands, names in curl, ping, dig and nslookup", () => {
  const file = join(dir, "names.yml");
  writeFileSync(
    file,
    `name: names
topology:
  nodes:
    s1: {kind: switch}
    r1:
      kind: router
      interfaces: {eth0: {ipv4: 192.168.1.1/24}}
      dhcp-server: {pool: 192.168.1.100-192.168.1.150, dns: 192.168.1.53, domain: lab.example}
    ns1:
      kind: server
      interfaces: {eth0: {ipv4: 192.168.1.53/24}}
      dns-server: {zones: [{origin: lab.example, records: [{name: www, type: CNAME, value: web}]}]}
    web: {kind: server, interfaces: {eth0: {ipv4: 192.168.1.80/24}}, exec: ["httpd"]}
    laptop: {kind: host, dhcp: true}
  links:
    - endpoints: ["r1:eth0", "s1:eth1"]
    - endpoints: ["ns1:eth0", "s1:eth2"]
    - endpoints: ["web:eth0", "s1:eth3"]
    - endpoints: ["laptop:eth0", "s1:eth4"]
`,
  );
  const result = runCli([
    "run",
    file,
    "--exec",
    "laptop ip route; laptop curl -s -o /dev/null -w '%{http_code} %{remote_ip}\\n' http://www.lab.example/bytes/10; laptop ping -c 1 web.lab.example; laptop dig @ns1 www.lab.example +short; laptop nslookup web",
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^default via 192\.168\.1\.1 dev eth0/m, "the lease gave the gateway");
  assert.match(result.stdout, /^200 192\.168\.1\.80$/m);
  assert.match(result.stdout, /1 packets transmitted, 1 received/);
  assert.match(result.stdout, /^web\.lab\.example\.\n192\.168\.1\.80$/m);
  assert.match(result.stdout, /^Name:\tweb\.lab\.example\nAddress: 192\.168\.1\.80$/m);
  const unknown = runCli(["run", file, "--exec", "laptop curl -sS http://nothing.lab.example/"]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /curl: \(6\) Could not resolve host: nothing\.lab\.example/);
});
