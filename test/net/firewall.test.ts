/**
 * The stateful firewall: connection states (NEW, ESTABLISHED, RELATED, INVALID), rules by zone,
 * protocol, address and port, policies, reject, hit counters, a bounded connection table, and
 * the firewall with NAT on the same router.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ping } from "../../src/apps/ping.js";
import { traceroute } from "../../src/apps/traceroute.js";
import { ConnState, Conntrack } from "../../src/net/firewall/conntrack.js";
import type { FirewallConfig } from "../../src/net/firewall/firewall.js";
import { parseRuleText } from "../../src/net/firewall/rules.js";
import { SECOND } from "../../src/sim/time.js";
import { emitTcp, TcpFlags } from "../../src/wire/tcp.js";
import {
  bytes,
  curl,
  homeNetwork,
  ip,
  OUTSIDE,
  SERVER,
  settle,
  udpEcho,
  udpSocket,
  whoAmIServer,
} from "./nat-support.js";

/** The classic home policy: anything out from the LAN, only replies back in. */
const homePolicy: FirewallConfig = {
  zones: { lan: ["eth0"], wan: ["eth1"] },
  forward: {
    policy: "drop",
    rules: [
      { action: "drop", state: "invalid" },
      { action: "accept", state: ["established", "related"] },
      { action: "accept", from: "lan", to: "wan" },
    ],
  },
};

test("NEW out from the LAN and ESTABLISHED back; unsolicited NEW from the WAN meets the policy", () => {
  const { net, h1, home, server } = homeNetwork({ nat: false, firewall: homePolicy });
  udpEcho(server, 7);
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("hi"), 7, ip(SERVER));
  net.runFor(SECOND);
  assert.equal(client.received.length, 1, "the reply came back (ESTABLISHED)");
  const intruder = udpSocket(server, 5000);
  intruder.socket.sendTo(bytes("let me in"), 40001, ip("192.168.1.10"));
  net.runFor(SECOND);
  const firewall = home.firewall!;
  assert.deepEqual(
    firewall.chains.forward.rules.map((r) => r.packets),
    [0, 1, 1],
  );
  assert.equal(firewall.chains.forward.policyPackets, 1);
  assert.equal(firewall.counters.drops.get("firewall-forward-policy"), 1);
  assert.match(
    home.showConntrack(),
    /^udp +17 \d+ src=192\.168\.1\.10 dst=198\.51\.100\.10 sport=40000 dport=7 .*\[ASSURED\]$/m,
  );
  assert.equal(
    home.showAccessLists(),
    [
      "Zones: lan (eth0), wan (eth1)",
      "Extended IP access list input",
      "    policy permit ip any any (0 matches)",
      "Extended IP access list forward",
      "    10 deny ip any any invalid (0 matches)",
      "    20 permit ip any any established,related (1 matches)",
      "    30 permit ip any any from lan to wan (1 matches)",
      "    policy deny ip any any (1 matches)",
      "Extended IP access list output",
      "    policy permit ip any any (0 matches)",
      "Connection tracking: 1 of 65536 entries; 1 created, 0 expired, 0 refused (table full), 0 invalid packets",
      "Drops: firewall-forward-policy 1",
      "",
    ].join("\n"),
  );
});

test("TCP: the handshake is NEW then ESTABLISHED; a stray ACK with no connection is INVALID", async () => {
  const { net, h1, home, server } = homeNetwork({ nat: false, firewall: homePolicy });
  whoAmIServer(server, 80);
  const result = await settle(net, curl(h1, SERVER, 80));
  assert.equal(result.response?.status, 200);
  const firewall = home.firewall!;
  assert.equal(firewall.chains.forward.rules[2].packets, 1, "only the SYN was NEW");
  assert.ok(firewall.chains.forward.rules[1].packets >= 5);
  // A segment with ACK set, for no connection, from outside.
  const segment = new Uint8Array(20);
  emitTcp(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: 1,
      ack: 1,
      flags: TcpFlags.ACK,
      window: 1000,
      urgentPointer: 0,
      options: [],
      payload: new Uint8Array(0),
    },
    segment,
    { src: ip(SERVER), dst: ip("192.168.1.10") },
  );
  server.ipv4.send({ dst: ip("192.168.1.10"), protocol: 6, payload: segment });
  net.runFor(SECOND);
  assert.equal(firewall.chains.forward.rules[0].packets, 1);
  assert.equal(firewall.counters.drops.get("firewall-forward-rule-1"), 1);
  assert.match(home.showConntrack(), / 6 \d+ (TIME_WAIT|LAST_ACK|FIN_WAIT) src=192\.168\.1\.10 /);
});

test("RELATED: traceroute's ICMP errors and a port unreachable come back through a drop-by-default forward chain", async () => {
  const { net, h1, home } = homeNetwork({ nat: false, firewall: homePolicy });
  const run = traceroute(h1, SERVER, { numeric: true, queries: 1 });
  net.runUntilDone(run);
  const result = await run.result;
  assert.equal(result.reached, true);
  assert.deepEqual(
    result.hops.map((h) => h.probes[0].address),
    ["192.168.1.1", "203.0.113.1", SERVER],
  );
  assert.equal(home.firewall!.counters.dropped, 0);
  // Without the established,related rule the errors are dropped and traceroute sees stars.
  const strict = homeNetwork({
    nat: false,
    firewall: {
      zones: { lan: "eth0" },
      forward: { policy: "drop", rules: [{ action: "accept", from: "lan" }] },
    },
  });
  const blind = traceroute(strict.h1, SERVER, { numeric: true, queries: 1, maxHops: 3, wait: SECOND });
  strict.net.runUntilDone(blind);
  const blinded = await blind.result;
  assert.equal(blinded.reached, false);
  assert.deepEqual(
    blinded.hops.map((h) => h.probes[0].address),
    ["192.168.1.1", undefined, undefined],
  );
});

test("reject answers with administratively prohibited (EHOSTUNREACH); rules match protocol, prefixes and port ranges", () => {
  const { net, h1, h2, home, server } = homeNetwork({
    nat: false,
    firewall: {
      forward: {
        rules: [
          { action: "reject", protocol: "udp", dport: "50-60" },
          { action: "drop", protocol: "udp", src: "192.168.1.11/32" },
          {
            action: "accept",
            protocol: "udp",
            src: "192.168.1.0/24",
            dst: "198.51.100.0/24",
            sport: "1024-65535",
          },
        ],
      },
    },
  });
  udpEcho(server, 53);
  udpEcho(server, 7);
  const rejected = udpSocket(h1, 40000);
  rejected.socket.connect(ip(SERVER), 53);
  rejected.socket.send(bytes("dns?"));
  const dropped = udpSocket(h2, 40000);
  dropped.socket.sendTo(bytes("from h2"), 7, ip(SERVER));
  const accepted = udpSocket(h1, 40002);
  accepted.socket.sendTo(bytes("from h1"), 7, ip(SERVER));
  net.runFor(SECOND);
  assert.deepEqual(rejected.errors, ["EHOSTUNREACH"]);
  assert.equal(dropped.received.length, 0);
  assert.equal(accepted.received.length, 1);
  const rules = home.firewall!.chains.forward.rules;
  // The echo's reply comes from port 7, outside rule 3's source range: the (accept) policy takes it.
  assert.deepEqual(
    rules.map((r) => r.packets),
    [1, 1, 1],
  );
  assert.equal(home.firewall!.chains.forward.policyPackets, 1);
  assert.equal(home.firewall!.counters.rejected, 1);
  assert.match(home.showAccessLists(), /10 reject udp any any range 50 60 \(1 matches\)/);
  assert.match(
    home.showAccessLists(),
    /30 permit udp 192\.168\.1\.0 0\.0\.0\.255 range 1024 65535 198\.51\.100\.0 0\.0\.0\.255 \(1 matches\)/,
  );
});

test("a host's own firewall: input allows web, ping and replies; output can refuse (EPERM)", async () => {
  const { net, h1, server } = homeNetwork();
  server.enableFirewall({
    input: {
      policy: "drop",
      rules: [
        { action: "accept", state: ["established", "related"] },
        { action: "accept", protocol: "tcp", dport: 80 },
        { action: "accept", protocol: "icmp", icmpType: 8 },
      ],
    },
    output: { rules: [{ action: "reject", protocol: "udp", dport: 9 }] },
  });
  whoAmIServer(server, 80);
  assert.equal((await settle(net, curl(h1, SERVER, 80))).response?.status, 200);
  const pinging = ping(h1, SERVER, { count: 2 });
  net.runUntilDone(pinging);
  assert.equal((await pinging.result).received, 2);
  udpEcho(server, 7);
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("x"), 7, ip(SERVER));
  net.runFor(SECOND);
  assert.equal(client.received.length, 0);
  assert.equal(server.firewall!.counters.drops.get("firewall-input-policy"), 1);
  const out = server.udp.createSocket();
  assert.equal(out.sendTo(bytes("discard"), 9, ip(OUTSIDE)), "EPERM");
});

test("a full connection table drops new flows and keeps the old ones", () => {
  const { net, h1, home, server } = homeNetwork({
    nat: false,
    firewall: { ...homePolicy, maxConnections: 2 },
  });
  udpEcho(server, 7);
  const flows = [41000, 41001, 41002].map((port) => udpSocket(h1, port));
  for (const flow of flows) {
    flow.socket.sendTo(bytes("x"), 7, ip(SERVER));
    net.runFor(SECOND);
  }
  assert.deepEqual(
    flows.map((f) => f.received.length),
    [1, 1, 0],
  );
  assert.equal(home.firewall!.counters.drops.get("conntrack-table-full"), 1);
  for (const flow of flows.slice(0, 2)) flow.socket.sendTo(bytes("again"), 7, ip(SERVER));
  net.runFor(SECOND);
  assert.deepEqual(
    flows.map((f) => f.received.length),
    [2, 2, 0],
  );
  assert.match(home.showAccessLists(), /2 of 2 entries; 2 created, 0 expired, 1 refused \(table full\)/);
});

test("conntrack timeouts in virtual time: UDP 120 s once replied, 30 s unreplied", () => {
  const { net, h1, home, server } = homeNetwork({ nat: false, firewall: homePolicy });
  const echo = udpEcho(server, 7);
  const client = udpSocket(h1, 40000);
  client.socket.sendTo(bytes("x"), 7, ip(SERVER));
  net.runFor(119 * SECOND);
  // Replied, so ESTABLISHED: the server may still talk after 119 s idle.
  echo.socket.sendTo(bytes("still here"), 40000, ip("192.168.1.10"));
  net.runFor(SECOND);
  assert.equal(client.received.length, 2);
  net.runFor(121 * SECOND);
  assert.equal(home.showConntrack().includes("dport=7 "), false, "gone after 120 s idle");
  echo.socket.sendTo(bytes("too late"), 40000, ip("192.168.1.10"));
  net.runFor(SECOND);
  assert.equal(client.received.length, 2, "now it is NEW from the WAN: dropped");
  // Unreplied flows go after 30 s.
  client.socket.sendTo(bytes("y"), 7000, ip(SERVER));
  net.runFor(29 * SECOND);
  assert.match(home.showConntrack(), /\[UNREPLIED\]/);
  net.runFor(2 * SECOND);
  assert.doesNotMatch(home.showConntrack(), /\[UNREPLIED\]/);
});

test("with NAT on the same router: the forward chain sees the inside address of a port forward", async () => {
  const { net, h2, home, server } = homeNetwork({
    nat: { forward: [{ protocol: "tcp", port: 8080, to: "192.168.1.11", toPort: 80 }] },
    firewall: {
      zones: { lan: "eth0", wan: "eth1" },
      forward: {
        policy: "drop",
        rules: [
          { action: "accept", state: ["established", "related"] },
          { action: "accept", from: "lan", to: "wan" },
          { action: "accept", from: "wan", protocol: "tcp", dst: "192.168.1.11", dport: 80, state: "new" },
        ],
      },
    },
  });
  whoAmIServer(h2, 80);
  assert.equal((await settle(net, curl(server, OUTSIDE, 8080))).response?.status, 200);
  assert.equal(home.firewall!.chains.forward.rules[2].packets, 1);
  assert.equal(home.firewall!.counters.dropped, 0);
});

test("rules written as one line of text (the shell's form), and the errors of bad ones", () => {
  assert.deepEqual(parseRuleText("accept tcp from wan to lan dst 192.168.1.10 dport 80 state new"), {
    action: "accept",
    protocol: "tcp",
    from: "wan",
    to: "lan",
    dst: "192.168.1.10",
    dport: "80",
    state: ["new"],
  });
  assert.deepEqual(parseRuleText("accept state established,related"), {
    action: "accept",
    state: ["established", "related"],
  });
  assert.match(String(parseRuleText("allow tcp")), /starts with accept, drop or reject/);
  assert.match(String(parseRuleText("accept tcp port 80")), /unknown word "port"/);
  const { home } = homeNetwork({ nat: false, firewall: {} });
  const firewall = home.firewall!;
  assert.match(
    String(firewall.addRule("forward", { action: "accept", protocol: "udp", dport: "99999" })),
    /dport/,
  );
  assert.match(
    String(firewall.addRule("forward", { action: "accept", dport: 80 })),
    /ports need protocol tcp or udp/,
  );
  assert.match(
    String(firewall.addRule("forward", { action: "accept", state: "open" })),
    /unknown state "open"/,
  );
  assert.match(String(firewall.addRule("forward", { action: "accept", src: "10.0.0.300/8" })), /"src"/);
  assert.equal(firewall.addRule("forward", parseRuleText("drop icmp icmp-type 8") as never), undefined);
  assert.equal(firewall.addRule("forward", { action: "accept" }, 1), undefined);
  assert.deepEqual(
    firewall.chains.forward.rules.map((r) => r.describe()),
    ["permit ip any any", "deny icmp any any 8"],
  );
  assert.equal(firewall.removeRule("forward", 1), true);
  assert.equal(firewall.removeRule("forward", 5), false);
});

test("the connection table stays bounded under a stream of short flows (lazy expiry, clock hand)", () => {
  const conntrack = new Conntrack(1_000_000);
  const packet = new Uint8Array(28);
  packet[0] = 0x45;
  packet[3] = 28;
  packet[9] = 17;
  let now = 0;
  for (let i = 0; i < 20_000; i++) {
    now += SECOND / 10; // ten new flows a second; unreplied UDP lives 30 s: 300 alive
    packet[12] = 10;
    packet[15] = i % 50;
    packet[20] = (i >>> 8) & 0xff;
    packet[21] = i & 0xff;
    assert.equal(conntrack.track(packet, 0, now).state, ConnState.New);
    assert.equal(conntrack.confirm(packet, 0, now), true);
  }
  assert.ok(conntrack.size <= 600, `connections held: ${conntrack.size}`);
});
