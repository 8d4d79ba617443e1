/**
 * NAT and the firewall from a topology file, through the builder and the shell: a `nat` node
 * built from YAML translates, `show ip nat ...` and `show access-lists` print the state, and
 * `firewall` edits rules that take effect at once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { labShell } from "../support/lab-shell.js";

const LAB = `name: home
topology:
  nodes:
    pc: {kind: host}
    home:
      kind: nat
      nat: {outside: eth1}
      firewall:
        zones: {lan: eth0, wan: eth1}
        forward:
          policy: drop
          rules: ["accept state established,related", "accept from lan to wan"]
    isp: {kind: router}
    web: {kind: server}
  links:
    - endpoints: [pc:eth0, home:eth0]
    - endpoints: [home:eth1, isp:eth0]
    - endpoints: [isp:eth1, web:eth0]
`;

async function lab() {
  return labShell(LAB, { seed: 5, file: "home.yml" });
}

test("a nat node from the file: ping through it, then show ip nat translations and statistics", async () => {
  const { run, network } = await lab();
  const home = network.node("home");
  const outside = home.interface("eth1").primaryAddress!.address.toString();
  const ping = await run("pc ping -c 2 web");
  assert.equal(ping.status, 0, ping.out + ping.err);
  assert.match(ping.out, /2 packets transmitted, 2 received/);
  const translations = (await run("home show ip nat translations")).out;
  assert.match(translations, new RegExp(`^icmp ${outside.replaceAll(".", "\\.")}:\\d+ +10\\.`, "m"));
  assert.match((await run("home sh ip nat stat")).out, /^Total active translations: 1 /m);
  assert.match((await run("home show ip nat translations verbose")).out, /create 00:00:0\d, use/);
  // The inside network is private: the ISP router has no route to it.
  const lan = network.node("pc").interface("eth0").primaryAddress!.networkPrefix.toString();
  const routes = (await run("isp show ip route")).out;
  assert.ok(!routes.includes(lan), routes);
});

test("the firewall from the file, then edited in the shell: rules act at once and count their hits", async () => {
  const { run, network } = await lab();
  assert.match(
    (await run("home show access-lists")).out,
    /20 permit ip any any from lan to wan \(0 matches\)/,
  );
  assert.equal((await run("pc ping -c 1 web")).status, 0);
  assert.equal((await run("home firewall insert forward 1 reject icmp icmp-type 8")).status, 0);
  const refused = await run("pc ping -c 1 web");
  assert.notEqual(refused.status, 0);
  assert.match(refused.out, /^From 10\.\S+ icmp_seq=1 Packet filtered$/m); // iputils for code 13
  const lists = (await run("home show access-lists")).out;
  assert.match(lists, /^ {4}10 reject icmp any any 8 \(1 matches\)$/m);
  assert.match(lists, /^ {4}30 permit ip any any from lan to wan \(1 matches\)$/m);
  assert.equal((await run("home firewall del forward 1")).status, 0);
  assert.equal((await run("pc ping -c 1 web")).status, 0);
  assert.match(
    (await run("home conntrack -L")).out,
    /^icmp +1 \d+ src=10\.\S+ dst=\S+ id=\d+ .*\[ASSURED\]$/m,
  );
  const bad = await run("home firewall add forward allow everything");
  assert.notEqual(bad.status, 0);
  assert.match(bad.err, /starts with accept, drop or reject/);
  assert.equal((await run("home nat clear")).status, 0);
  assert.equal(network.node("home").nat!.table.mappingCount, 0);
});
