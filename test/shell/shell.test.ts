/**
 * The shell engine on a small lab, in virtual time: every command, its errors, node-name
 * substitution, exit statuses, completion.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { deterministicBytes } from "../../src/apps/deterministic-bytes.js";
import { defaultCommands } from "../../src/shell/commands/index.js";
import { VirtualDriver } from "../../src/shell/driver.js";
import { BufferOutput, MemoryFileSystem } from "../../src/shell/io.js";
import { Shell } from "../../src/shell/shell.js";
import { MILLISECOND, SECOND } from "../../src/sim/time.js";
import { buildNetwork } from "../../src/topology/build.js";
import { loadTopology } from "../../src/topology/loader.js";
import { readPcapng } from "../../src/trace/pcapng.js";

const LAB = `name: t
topology:
  nodes:
    s1: {kind: switch}
    r1: {kind: router}
    h1: {kind: host}
    h2: {kind: host}
    srv: {kind: server}
    far: {kind: host}
    bare: {kind: host}
  links:
    - endpoints: ["h1:eth0", "s1:eth1"]
      delay: 1ms
    - endpoints: ["h2:eth0", "s1:eth2"]
      delay: 1ms
    - endpoints: ["srv:eth0", "s1:eth3"]
      rate: 100Mbit
    - endpoints: ["r1:eth0", "s1:eth4"]
    - endpoints: ["r1:eth1", "far:eth0"]
      delay: 5ms
`;
// Automatic addressing: 10.0.1.0/24 (r1 .1, h1 .10, h2 .11, srv .12), 10.0.2.0/24 (r1 .1, far .10).

function lab(options: { tty?: boolean } = {}) {
  const { topology } = loadTopology(LAB, "t.yml");
  const { lab: built, errors } = buildNetwork(topology!, { seed: 7, autoAddress: true });
  assert.deepEqual(errors, []);
  // "bare" has no link: it keeps no address (automatic addressing only addresses linked interfaces).
  const out = new BufferOutput(options.tty ?? false);
  const err = new BufferOutput();
  const fs = new MemoryFileSystem();
  const shell = new Shell({
    network: built!.network,
    topology: topology!,
    driver: new VirtualDriver(built!.network.scheduler),
    out,
    err,
    fs,
    commands: defaultCommands(),
  });
  /** Runs a line; returns its records and what it printed, clearing the buffers. */
  const run = async (line: string) => {
    out.clear();
    err.clear();
    const records = await shell.execute(line);
    return {
      records,
      status: records.at(-1)?.status,
      usage: records.at(-1)?.usage,
      out: out.text,
      err: err.text,
    };
  };
  return { shell, run, fs, network: built!.network };
}

test("nodes, net, links, dump: Mininet's listings", async () => {
  const { run } = lab();
  assert.equal((await run("nodes")).out, "available nodes are: \ns1 r1 h1 h2 srv far bare\n");
  const net = (await run("net")).out.split("\n");
  assert.equal(net[0], "s1 s1-eth1:h1-eth0 s1-eth2:h2-eth0 s1-eth3:srv-eth0 s1-eth4:r1-eth0");
  assert.equal(net[1], "r1 r1-eth0:s1-eth4 r1-eth1:far-eth0");
  assert.equal(net[6], "bare");
  const links = (await run("links")).out;
  assert.match(links, /^h1-eth0<->s1-eth1 +\(OK OK\) +delay 1ms$/m);
  assert.match(links, /^srv-eth0<->s1-eth3 +\(OK OK\) +rate 100Mbit$/m);
  const dump = (await run("dump")).out;
  assert.match(dump, /^<Switch s1: s1-eth1,s1-eth2,s1-eth3,s1-eth4>$/m);
  assert.match(dump, /^<Router r1: r1-eth0:10\.0\.1\.1\/24,r1-eth1:10\.0\.2\.1\/24>$/m);
  assert.match(dump, /^<Server srv: srv-eth0:10\.0\.1\.12\/24>$/m);
  assert.match(dump, /^<Host bare: >$/m);
});

test("pingall: every host pair, Mininet's results line, status 1 when anything was lost", async () => {
  const { run } = lab();
  const ok = await run("pingall");
  assert.equal(
    ok.out,
    "*** Ping: testing ping reachability\n" +
      "h1 -> h2 srv far X\nh2 -> h1 srv far X\nsrv -> h1 h2 far X\nfar -> h1 h2 srv X\nbare -> X X X X\n" +
      "*** Results: 40% dropped (12/20 received)\n",
  );
  assert.equal(ok.status, 1, "bare has no address: its pings count as lost");
  assert.deepEqual((ok.records[0].data as { received: number; sent: number }).received, 12);
  await run("link r1 far down");
  const down = await run("pingall -W 1");
  assert.match(down.out, /^h1 -> h2 srv X X$/m);
  assert.match(down.out, /^far -> X X X X$/m, "far is cut off");
  assert.match(down.out, /\*\*\* Results: 70% dropped \(6\/20 received\)\n$/);
});

test("node names in arguments become their addresses; switches and bare hosts cannot be", async () => {
  const { run, shell } = lab();
  assert.equal(shell.substitute("h2"), "10.0.1.11");
  assert.equal(shell.substitute("http://srv:8080/x"), "http://10.0.1.12:8080/x");
  assert.equal(shell.substitute("srv/bytes/10"), "10.0.1.12/bytes/10");
  assert.equal(shell.substitute("srv:80"), "10.0.1.12:80");
  assert.equal(shell.substitute("h2.log"), "h2.log");
  assert.equal(shell.substitute("srv:eth0"), "srv:eth0");
  const pinged = await run("h1 ping -c 1 far");
  assert.equal(pinged.status, 0);
  assert.match(pinged.out, /^PING 10\.0\.2\.10 \(10\.0\.2\.10\) 56\(84\) bytes of data\.$/m);
  assert.match(pinged.out, /^64 bytes from 10\.0\.2\.10: icmp_seq=1 ttl=63 time=1[0-9.]+ ms$/m);
  const toSwitch = await run("h1 ping s1");
  assert.equal(toSwitch.usage, true);
  assert.match(toSwitch.err, /s1 is a switch: it forwards frames but has no IP address/);
  assert.match((await run("h1 ping bare")).err, /bare has no IPv4 address yet/);
});

test("helpful errors: did-you-mean, commands on the wrong kind of node, missing node", async () => {
  const { run } = lab();
  const cases: [string, RegExp][] = [
    ["pnig", /unknown command or node "pnig" \(did you mean "ping"\?\)/],
    ["h1 pnig h2", /unknown command "pnig" \(did you mean "ping"\?\)/],
    ["hl ping h2", /unknown command or node "hl" \(did you mean "h1"\?\)/],
    ["ping h2", /ping runs on a node: write "h1 ping h2"/],
    ["h1 pingall", /pingall is not run on a node: write "pingall"/],
    ["s1 ping h1", /s1 is a switch; ping runs on hosts, servers, routers/],
    ["h1 show mac address-table", /unknown "mac"; expected one of: ip, ipv6, arp, interfaces, tcp/],
    ["h1 ping", /ping: give one destination\nusage: ping \[-c COUNT\]/],
    ["h1 ping -c x h2", /invalid count "x": expected a whole number/],
    ["link h1 s9 down", /no node named "s9" \(did you mean "s1"\?\)/],
    ["link h1 h2 down", /no link between h1 and h2/],
    ["link h1 s1 set los 5%", /unknown link setting "los" \(did you mean "loss"\?\)/],
    ["link h1 s1 set loss 150%", /invalid probability "150%"/],
    ["link h1 s1 sideways", /unknown action "sideways"/],
    ["help pnig", /no command "pnig" \(did you mean "ping"\?\)/],
    ["kill 9", /no job 9/],
    ["sleep soon", /invalid duration "soon"/],
    ["h1 ip frob", /unknown object "frob"/],
    ["h1 curl", /no URL specified/],
    ["h1 iperf", /choose -s \(server\) or -c HOST \(client\)/],
    ["h1 nc h2", /give a host and a port/],
  ];
  for (const [line, pattern] of cases) {
    const result = await run(line);
    assert.equal(result.status, 2, `${line}: ${result.err}`);
    assert.equal(result.usage, true, line);
    assert.match(result.err, pattern, line);
  }
  const syntax = await run("h1 curl 'oops");
  assert.equal(syntax.usage, true);
  assert.match(syntax.err, /syntax error: unterminated ' quote/);
});

test("help lists both kinds of command; COMMAND --help and help COMMAND show the usage", async () => {
  const { run } = lab();
  const help = (await run("help")).out;
  assert.match(help, /^ {2}pingall +ping between every pair of hosts/m);
  assert.match(help, /^ {2}curl +fetch a URL/m);
  assert.match(help, /^Examples: h1 ping h2; pingall; h2 httpd; h1 curl h2\/bytes\/1000$/m);
  const usage = (await run("h1 ping --help")).out;
  assert.match(usage, /^usage: NODE ping \[-c COUNT\]/);
  assert.equal((await run("help ping")).out, usage);
  assert.match((await run("help link")).out, /^usage: link NODE1 NODE2 \[up\|down\|set KEY VALUE \.\.\.\]/);
});

test("ping and traceroute: options, output, statuses", async () => {
  const { run } = lab();
  const quiet = await run("h1 ping -q -c 3 -i 0.2 -s 100 h2");
  assert.equal(quiet.status, 0);
  assert.match(quiet.out, /100\(128\) bytes of data/);
  assert.match(quiet.out, /^3 packets transmitted, 3 received, 0% packet loss, time 400ms$/m);
  assert.doesNotMatch(quiet.out, /icmp_seq/);
  await run("link h1 s1 set loss 100%");
  const lost = await run("h1 ping -c 2 -W 1 h2");
  assert.equal(lost.status, 1, "no reply: status 1, as iputils");
  assert.equal(lost.usage, false);
  assert.match(lost.out, /100% packet loss/);
  await run("link h1 s1 set loss 0%");
  const unreachable = await run("h1 ping -c 1 192.0.2.1");
  assert.match(unreachable.out, /Destination Net Unreachable/);
  const trace = await run("h1 traceroute -n far");
  assert.equal(trace.status, 0);
  assert.match(
    trace.out,
    /^traceroute to 10\.0\.2\.10 \(10\.0\.2\.10\), 30 hops max, 60 byte packets\n 1 {2}10\.0\.1\.1 {2}/,
  );
  // The first probe to far waits for r1's ARP; 5 ms each way on r1-far, 1 ms each way on h1-s1.
  assert.match(trace.out, /^ 2 {2}10\.0\.2\.10 {2}\d+\.\d{3} ms {2}12\.000 ms {2}12\.000 ms$/m);
  assert.deepEqual((trace.records[0].data as { reached: boolean }).reached, true);
});

test("link set changes impairments while running; link shows them and the counters; up/down", async () => {
  const { run, network } = lab();
  const set = await run("link r1 far set delay 20ms rate 10Mbit loss gemodel 1% 10%");
  assert.equal(set.status, 0, set.err);
  assert.equal(set.out, "r1-eth1<->far-eth0: rate 10Mbit delay 20ms loss gemodel 1% 10% 100% 0%\n");
  const link = network.links.find((l) => l.a.name === "r1:eth1")!;
  assert.equal(link.settings("b-to-a").delay, 20 * MILLISECOND);
  await run("h1 ping -c 1 far");
  const shown = (await run("link far r1")).out;
  assert.match(shown, /^r1-eth1<->far-eth0 up rate 10Mbit delay 20ms/);
  assert.match(shown, /r1:eth1 -> far:eth0: \d+ frames sent, \d+ delivered/);
  await run("link far:eth0 r1 down");
  assert.equal(link.isUp, false);
  assert.match((await run("links")).out, /^r1-eth1<->far-eth0 +\(DOWN DOWN\)/m);
  await run("link far r1 up");
  assert.equal(link.isUp, true);
});

test("httpd and curl: downloads, uploads, files, -w, -i, -I, -f, -v, -O, and curl's exit codes", async () => {
  const { run, fs, shell } = lab();
  const started = await run("srv httpd 8080");
  assert.equal(started.out, "[1] Serving HTTP on 10.0.1.12 port 8080 (http://10.0.1.12:8080/) ...\n");
  assert.match((await run("srv httpd 8080")).err, /cannot listen on port 8080: Address already in use/);
  assert.equal((await run("jobs")).out, "[1] srv httpd 8080\n");

  const download = await run(
    "h1 curl -s -o big.bin -w '%{http_code} %{size_download} %{remote_ip}:%{remote_port} %{content_type}\\n' srv:8080/bytes/300000",
  );
  assert.equal(download.status, 0, download.err);
  assert.equal(download.out, "200 300000 10.0.1.12:8080 application/octet-stream\n");
  assert.deepEqual(fs.readFile("big.bin"), deterministicBytes(0, 300000));

  const payload = deterministicBytes(5, 70000);
  fs.files.set("up.bin", payload);
  const upload = await run("h2 curl -s --data-binary @up.bin http://srv:8080/upload");
  assert.equal(upload.out, `${createHash("sha256").update(payload).digest("hex")}\n`);

  const meter = await run("h1 curl -o page.txt srv:8080/");
  assert.match(meter.err, /^ {2}% Total {4}% Received % Xferd {2}Average Speed/);
  assert.match(meter.err, /\n100 {3}\d+ {2}100 {3}\d+ {4}0 {5}0 /);
  assert.match(new TextDecoder().decode(fs.readFile("page.txt")), /^tinkernet httpd/);

  const include = await run("h1 curl -s -i srv:8080/bytes/5");
  assert.match(include.out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(include.out, /\r\nContent-Length: 5\r\n/i);
  const head = await run("h1 curl -s -I srv:8080/bytes/5");
  assert.match(head.out, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
  const verbose = await run("h1 curl -s -v -o /dev/null srv:8080/bytes/1");
  assert.match(verbose.err, /^\* {3}Trying 10\.0\.1\.12:8080\.\.\.\n\* Connected to 10\.0\.1\.12/);
  assert.match(verbose.err, /^> GET \/bytes\/1 HTTP\/1\.1$/m);
  assert.match(verbose.err, /^> Host: 10\.0\.1\.12:8080$/m);
  assert.match(verbose.err, /^< HTTP\/1\.1 200 OK$/m);
  const remote = await run("h1 curl -s -O srv:8080/bytes/7");
  assert.equal(remote.status, 0);
  assert.equal(fs.readFile("7").length, 7);

  const missing = await run("h1 curl -s -o /dev/null -w '%{http_code}' srv:8080/nothing");
  assert.deepEqual([missing.status, missing.out], [0, "404"], "an HTTP error is a success without -f");
  const failed = await run("h1 curl -sS -f srv:8080/nothing");
  assert.equal(failed.status, 22);
  assert.equal(failed.err, "curl: (22) The requested URL returned error: 404\n");
  assert.equal((await run("h1 curl -s srv:8081/")).status, 7);
  assert.match(
    (await run("h1 curl srv:8081/")).err,
    /curl: \(7\) Failed to connect to 10\.0\.1\.12 port 8081 after \d+ ms: Couldn't connect to server/,
  );
  assert.match((await run("h1 curl nowhere/")).err, /curl: \(6\) Could not resolve host: nowhere/);
  assert.equal((await run("h1 curl https://srv/")).status, 1);
  assert.equal((await run("h1 curl 'http://:80/'")).status, 3);
  const unreadable = await run("h1 curl --data-binary @absent.bin srv:8080/upload");
  assert.equal(unreadable.status, 26);
  assert.match(unreadable.err, /Couldn't read data from file "absent.bin"/);
  const timeout = await run("h1 curl -s -m 0.5 192.0.2.1/");
  assert.ok([7, 28].includes(timeout.status!), `status ${timeout.status}`);

  assert.equal((await run("kill %1")).status, 0);
  assert.equal(shell.jobs.length, 0);
  assert.equal((await run("h1 curl -s srv:8080/")).status, 7, "a stopped server refuses connections");
});

test("curl refuses to print binary data on a terminal, as real curl does", async () => {
  const { run } = lab({ tty: true });
  await run("srv httpd");
  const binary = await run("h1 curl srv/bytes/5000");
  assert.equal(binary.status, 23);
  assert.match(binary.err, /Warning: Binary output can mess up your terminal/);
  const text = await run("h1 curl srv/");
  assert.equal(text.status, 0);
  assert.equal(text.err, "", "no progress meter when the body goes to the terminal");
});

test("iperf: a server in the background and a client measuring through the LAN", async () => {
  const { run } = lab();
  const server = await run("srv iperf -s");
  assert.match(
    server.out,
    /^\[1\] iperf3 server on 10\.0\.1\.12 port 5201\n-{59}\nServer listening on 5201 \(test #1\)/,
  );
  const client = await run("h1 iperf3 -c srv -t 1 -i 0");
  assert.equal(client.status, 0, client.err);
  assert.match(client.out, /^Connecting to host 10\.0\.1\.12, port 5201$/m);
  assert.match(client.out, /\[h\d? ?srv iperf3\]|Accepted connection from 10\.0\.1\.10/);
  assert.match(client.out, /sender$/m);
  assert.match(client.out, /^iperf Done\.$/m);
  const data = client.records[0].data as { receivedBytes: number; receivedBitsPerSecond: number };
  assert.ok(data.receivedBytes > 1_000_000, `received ${data.receivedBytes}`);
  assert.ok(data.receivedBitsPerSecond < 100e6, "the 100 Mbit/s link is the bottleneck");
  assert.equal((await run("h2 iperf -c 10.0.1.99 -t 1")).status, 1, "no server: status 1");
});

test("nc: TCP and UDP listeners in the background, clients sending and receiving", async () => {
  const { run, shell } = lab();
  await run("h2 nc -l -k --echo 7");
  const echoed = await run("h1 nc h2 7 hello there");
  assert.equal(echoed.status, 0);
  assert.match(echoed.out, /\[h2 nc :7\] connection from 10\.0\.1\.10:\d+\n/);
  assert.match(echoed.out, /\[h2 nc :7\] hello there\n/);
  assert.match(echoed.out, /^hello there$/m, "the echo came back");
  assert.equal(shell.jobs.length, 1, "-k keeps listening");
  const scan = await run("h1 nc -z h2 7");
  assert.equal(scan.err, "Connection to 10.0.1.11 7 port [tcp/*] succeeded!\n");
  const refused = await run("h1 nc h2 8");
  assert.equal(refused.status, 1);
  assert.equal(refused.err, "nc: connect to 10.0.1.11 port 8 (tcp) failed: Connection refused\n");
  await run("far nc -u -l --echo 9999");
  const udp = await run("h1 nc -u far 9999 ping over udp");
  assert.match(udp.out, /\[far nc -u :9999\] from 10\.0\.1\.10:\d+: ping over udp/);
  assert.match(udp.out, /^ping over udp$/m);
  const once = await run("srv nc -l 6000");
  assert.equal(once.status, 0);
  await run("h1 nc srv 6000 bye");
  assert.equal(
    shell.jobs.filter((j) => j.node === "srv").length,
    0,
    "without -k the listener ends with its peer",
  );
});

test("ip, arp, ss/netstat: Linux views and changes", async () => {
  const { run } = lab();
  assert.match(
    (await run("h1 ip addr")).out,
    /^ {4}inet 10\.0\.1\.10\/24 brd 10\.0\.1\.255 scope global eth0$/m,
  );
  assert.equal((await run("h1 ip a")).out, (await run("h1 ip address show")).out);
  // One interface: `ip addr show dev eth0` (or without `dev`) leaves out loopback; a missing one is an error.
  const eth0 = (await run("h1 ip addr show dev eth0")).out;
  assert.match(eth0, /^2: eth0: /);
  assert.doesNotMatch(eth0, /\blo\b/);
  assert.equal((await run("h1 ip addr show eth0")).out, eth0);
  const missing = await run("h1 ip addr show dev eth9");
  assert.notEqual(missing.status, 0);
  assert.match(missing.err, /Device "eth9" does not exist\./);
  assert.equal(
    (await run("h1 ip route")).out,
    "default via 10.0.1.1 dev eth0 proto static\n10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10\n",
  );
  assert.doesNotMatch((await run("h1 ip link")).out, /inet /);
  assert.match((await run("h1 ip -s link")).out, /RX: {2}bytes packets/);
  await run("h1 ping -c 1 h2");
  assert.match(
    (await run("h1 ip neigh")).out,
    /^10\.0\.1\.11 dev eth0 lladdr 02:00:00:00:00:\w\w REACHABLE$/m,
  );
  assert.match((await run("h1 arp -n")).out, /^10\.0\.1\.11 +ether +02:00:00:00:00:\w\w +C +eth0$/m);
  assert.equal((await run("h1 ip addr add 10.0.9.10/24 dev eth0")).status, 0);
  assert.equal((await run("h1 ip route add 10.7.0.0/16 via 10.0.1.11")).status, 0);
  assert.match((await run("h1 ip route")).out, /^10\.7\.0\.0\/16 via 10\.0\.1\.11 dev eth0 proto static$/m);
  assert.equal((await run("h1 ip route del 10.7.0.0/16")).status, 0);
  const missingRoute = await run("h1 ip route del 10.7.0.0/16");
  assert.deepEqual([missingRoute.status, missingRoute.err], [1, "ip: RTNETLINK answers: No such process\n"]);
  assert.match(
    (await run("h1 ip route add 10.8.0.0/16 via 192.0.2.1")).err,
    /RTNETLINK answers: .*not on any connected subnet/,
  );
  await run("h1 ip link set eth0 down");
  assert.equal((await run("h1 ping -c 1 -W 1 h2")).status, 1);
  await run("h1 ip link set dev eth0 up");
  await run("srv httpd");
  await run("h1 curl -s srv/");
  const listening = (await run("srv ss -tln")).out;
  assert.match(listening, /^LISTEN +0 +128 +0\.0\.0\.0:80 +0\.0\.0\.0:\*$/m);
  const all = (await run("h1 ss -tai")).out;
  assert.match(all, /10\.0\.1\.10:\d+ +10\.0\.1\.12:80/);
  assert.match(all, /\tcubic|\tnewreno|\t \w+ wscale/);
  const stats = (await run("h1 netstat -s")).out;
  assert.match(stats, /^Tcp:\n {4}1 active connection openings$/m);
});

test("show: Cisco/FRR views on routers and switches, with IOS abbreviations", async () => {
  const { run } = lab();
  await run("h1 ping -c 1 far");
  const route = (await run("r1 show ip route")).out;
  assert.match(route, /^C>\* 10\.0\.1\.0\/24 is directly connected, eth0/m);
  assert.equal((await run("r1 sh ip ro")).out, route);
  const brief = (await run("r1 sh ip int br")).out;
  assert.match(brief, /^eth1 +10\.0\.2\.1 +YES manual up +up$/m);
  assert.match(
    (await run("r1 show arp")).out,
    /^Internet {2}10\.0\.1\.10 +0 +0200\.0000\.\w{4} {2}ARPA {3}eth0$/m,
  );
  assert.match((await run("r1 show interfaces counters")).out, /^Port +InOctets +InUcastPkts/);
  assert.match(
    (await run("s1 show mac address-table")).out,
    /^ {3}1 {4}0200\.0000\.\w{4} {4}DYNAMIC {5}eth1$/m,
  );
  assert.match(
    (await run("s1 show mac address-table interface eth4")).out,
    /Total Mac Addresses for this criterion: 1\n$/,
  );
  assert.match((await run("s1 show interfaces counters")).out, /eth1/);
  await run("far httpd");
  await run("h1 curl -s far/bytes/100");
  const tcp = (await run("far show tcp connections")).out;
  assert.match(
    tcp,
    /^Local Address +Foreign Address +State +Send-Q +Recv-Q +cwnd +srtt\(ms\) +rto\(ms\) +Retrans$/m,
  );
  assert.match(tcp, /^0\.0\.0\.0:80 +\*:\* +LISTEN/m);
  assert.match(
    tcp,
    /^10\.0\.2\.10:80 +10\.0\.1\.10:\d+ +(TIME-WAIT|CLOSED|LAST-ACK|FIN-WAIT-\d|CLOSE-WAIT)/m,
  );
  assert.match(tcp, /^TCP: 0 active opens, 1 passive opens/m);
  assert.match((await run("h2 show tcp connections")).out, /TCP has not been used on this node\./);
  assert.match((await run("r1 show ip")).err, /incomplete command; next: route, interface, arp/);
  assert.match((await run("r1 show i")).err, /ambiguous "i": ip, ipv6, interfaces/);
  assert.match((await run("h1")).out, /inet 10\.0\.1\.10\/24/, "a node alone shows itself");
});

test("sleep lets exactly that much network time pass; servers keep serving meanwhile", async () => {
  const { run, network } = lab();
  const before = network.scheduler.now;
  await run("sleep 90s");
  assert.equal(network.scheduler.now - before, 90 * SECOND);
  await run("sleep 250ms");
  assert.equal(network.scheduler.now - before, 90 * SECOND + 250 * MILLISECOND);
});

test("several commands on a line, exit, and the same commands giving the same output", async () => {
  const outputs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { run } = lab();
    const result = await run(
      "h1 ping -c 2 far; srv httpd; h2 curl -s -w ' %{time_total}' srv/bytes/3000 -o x; pingall",
    );
    assert.equal(result.records.length, 4);
    outputs.push(result.out);
  }
  assert.equal(outputs[0], outputs[1]);
  const { shell, run } = lab();
  const records = (await run("nodes; exit; nodes")).records;
  assert.equal(records.length, 2, "nothing runs after exit");
  assert.equal(shell.exited, true);
});

test("completion: commands and nodes first, then what the command knows", () => {
  const { shell } = lab();
  assert.deepEqual(shell.complete("pi"), { candidates: ["pingall"], start: 0 });
  assert.deepEqual(shell.complete("h").candidates, ["h1", "h2", "help"]);
  assert.deepEqual(shell.complete("h1 p").candidates, ["ping"]);
  assert.deepEqual(shell.complete("h1 ping ").candidates, ["bare", "far", "h2", "r1", "s1", "srv"]);
  assert.deepEqual(shell.complete("h1 ping f"), { candidates: ["far"], start: 8 });
  assert.deepEqual(shell.complete("s1 ").candidates, ["show"], "a switch only shows");
  assert.deepEqual(shell.complete("r1 show ip ").candidates, [
    "arp",
    "bgp",
    "interface",
    "nat",
    "ospf",
    "prefix-list",
    "protocols",
    "rip",
    "route",
  ]);
  assert.deepEqual(shell.complete("link h1 s1 ").candidates, ["down", "set", "up"]);
  assert.deepEqual(shell.complete("link h1 s1 set l").candidates, ["loss"]);
  assert.deepEqual(shell.complete("nodes; h1 tr").candidates, ["traceroute"]);
  assert.deepEqual(shell.complete("zz").candidates, []);
});

test("trace: the recent exchange as a sequence diagram, by node and protocol; trace clear", async () => {
  const { run } = lab();
  await run("srv httpd");
  await run("h1 curl -s -o /dev/null srv/bytes/100; sleep 1");
  const tcp = await run("trace h1 tcp");
  assert.equal(tcp.status, 0, tcp.err);
  const [header, addresses] = tcp.out.split("\n");
  assert.match(header, /^time \(s\) +h1 +srv$/);
  assert.match(addresses, /10\.0\.1\.10 +10\.0\.1\.12/);
  assert.match(tcp.out, /\|-+ \[SYN\] seq=0 win=\d+ mss=1460 -+>\|/);
  assert.match(tcp.out, /\|<-+ \[SYN, ACK\] seq=0 ack=1 win=\d+ mss=1460 -+\|/);
  assert.match(tcp.out, /\[FIN, ACK\]|\[FIN, PSH, ACK\]/);
  assert.match(tcp.out, /\[ESTABLISHED\]/);
  assert.doesNotMatch(tcp.out, /ARP/);
  const arp = await run("trace h1 arp");
  assert.match(arp.out, /who-has 10\.0\.1\.12\? tell 10\.0\.1\.10/);
  const limited = await run("trace h1 tcp -n 2");
  assert.match(limited.out, /more/);
  assert.match((await run("trace h9")).err, /no node named "h9"/);
  assert.match((await run("trace h1 tcp xyz")).err, /unknown protocol "xyz"/);
  await run("trace clear");
  assert.equal((await run("trace")).out, "(no packets to show)\n");
});

test("layers: a recent frame layer by layer, the list to choose from, and its errors", async () => {
  const { run } = lab();
  assert.equal((await run("layers")).status, 1, "nothing recorded yet");
  await run("h1 ping -c 1 h2");
  const last = await run("layers h1");
  assert.match(last.out, /^Frame: 98 bytes, received by h1 on eth0 at [\d.]+ s$/m);
  assert.match(last.out, /^ {2}3 Network +Internet +Internet Protocol version 4/m);
  assert.match(last.out, /Echo \(ping\) reply|echo reply/i);
  assert.match(last.out, /^Hex dump/m);
  assert.doesNotMatch((await run("layers h1 --no-hex")).out, /^Hex dump/m);
  const list = (await run("layers h1:eth0 --list")).out.split("\n").filter(Boolean);
  assert.match(list.at(-1)!, /^ {2}1 +[\d.]+ +h1:eth0 +recv +10\.0\.1\.11 > 10\.0\.1\.10/);
  const chosen = await run(`layers h1:eth0 ${list.length}`);
  assert.match(chosen.out, /^Frame: \d+ bytes, (sent|received) by h1 on eth0/);
  assert.match((await run("layers h1 999")).err, /only \d+ frames recorded there/);
  assert.match((await run("layers h1:eth7")).err, /h1 has no interface eth7 \(interfaces: eth0\)/);
});

test("capture: pcapng of an interface, a node or a link, as a background job", async () => {
  const { run, fs } = lab();
  const started = await run("capture h1:eth0 h1.pcapng");
  assert.equal(started.out, "[1] capturing h1:eth0 to h1.pcapng (pcapng; kill 1 stops it)\n");
  await run("capture r1");
  await run("h1 ping -c 2 far");
  await run("kill 1; kill 2");
  const h1 = readPcapng(fs.readFile("h1.pcapng"));
  assert.equal(h1.error, undefined);
  assert.equal(h1.interfaces[0].name, "h1:eth0");
  assert.ok(
    h1.frames.some((f) => f.direction === "outbound") && h1.frames.some((f) => f.direction === "inbound"),
  );
  const r1 = readPcapng(fs.readFile("r1.pcapng"));
  assert.deepEqual(r1.interfaces.map((i) => i.name).sort(), ["r1:eth0", "r1:eth1"]);
  assert.match((await run("capture h1:eth9 x")).err, /h1 has no interface eth9/);
  assert.match((await run("capture h1:eth0-h2:eth0 x")).err, /no link between h1:eth0 and h2:eth0/);
  assert.match((await run("capture")).err, /what to capture\?/);
});
