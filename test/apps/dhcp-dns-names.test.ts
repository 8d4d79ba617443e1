/**
 * DHCP clients' names in the lab's DNS, as dnsmasq gives them: a node that serves DHCP and DNS
 * puts each client's host name (option 12) in its zone, A and PTR, while the lease lasts — so
 * `dig laptop.home.example` and `ping laptop` work from the other hosts — and takes it out when
 * the lease is released or expires. Names the zone already has are not taken over.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DhcpClient } from "../../src/apps/dhcp/client.js";
import { hostLabel } from "../../src/apps/dhcp/dns-update.js";
import { resolveHost } from "../../src/apps/dns/stub.js";
import { Zone } from "../../src/apps/dns/zone.js";
import { SECOND } from "../../src/sim/time.js";
import { DnsType } from "../../src/wire/dns.js";
import { labShell } from "../support/lab-shell.js";

const LAB = `name: names
topology:
  nodes:
    gw:
      kind: router
      interfaces: {eth0: {ipv4: 192.168.7.1/24}}
      dhcp-server: {pool: 192.168.7.100-192.168.7.149, lease: 600, domain: home.example}
      dns-server:
        zones:
          - origin: home.example
          - origin: 7.168.192.in-addr.arpa
    laptop: {kind: host, dhcp: true}
    phone: {kind: host, dhcp: true}
    printer: {kind: host, interfaces: {eth0: {ipv4: 192.168.7.5/24}}, dns: 192.168.7.1, dns-search: [home.example]}
    guest: {kind: host}
    lan: {kind: switch}
  links:
    - endpoints: [gw:eth0, lan:p0]
    - endpoints: [laptop:eth0, lan:p1]
    - endpoints: [phone:eth0, lan:p2]
    - endpoints: [printer:eth0, lan:p3]
    - endpoints: [guest:eth0, lan:p4]
`;

async function lab() {
  const { run, network, services: started } = labShell(LAB, { seed: 11, file: "names.yml", services: true });
  const services = started!;
  network.runFor(10 * SECOND);
  for (const [name, client] of services.dhcpClients) assert.equal(client.state, "BOUND", name);
  const leased = (name: string) => services.dhcpClients.get(`${name}:eth0`)!.lease!.address.toString();
  return { run, network, services, leased };
}

test("a DHCP client's name is in the lab's zone while its lease lasts: dig, dig -x and ping by name", async () => {
  const { run, network, services, leased } = await lab();
  const laptop = leased("laptop");
  const phone = leased("phone");
  assert.notEqual(laptop, phone);

  const forward = await run("phone dig laptop.home.example");
  assert.equal(forward.status, 0, forward.err);
  assert.match(forward.out, /status: NOERROR/);
  assert.match(forward.out, /flags: qr aa rd/);
  // TTL 0, as dnsmasq's local-ttl: the lease may end at any moment.
  assert.match(
    forward.out,
    new RegExp(`^laptop\\.home\\.example\\.\\s+0\\s+IN\\s+A\\s+${laptop.replaceAll(".", "\\.")}$`, "m"),
  );

  const reverse = await run(`printer dig -x ${laptop} +short`);
  assert.equal(reverse.out.trim(), "laptop.home.example.");

  // A static host and another DHCP host find it through their resolvers and the search list.
  const fromPrinter = await network.waitFor(resolveHost(network.node("printer"), "laptop"));
  assert.equal(fromPrinter.toString(), laptop);
  // `ping NAME`: the shell resolves a name that is not a node's through the node's resolver.
  const ping = await run("phone ping -c 2 laptop.home.example");
  assert.equal(ping.status, 0, ping.out + ping.err);
  assert.match(ping.out, new RegExp(`^PING ${laptop.replaceAll(".", "\\.")} `, "m"));
  assert.match(ping.out, /2 packets transmitted, 2 received, 0% packet loss/);
  const fromLaptop = await network.waitFor(resolveHost(network.node("laptop"), "phone"));
  assert.equal(fromLaptop.toString(), phone);
  const unknown = await run("phone ping -c 1 tablet.home.example");
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.out + unknown.err, /Name or service not known/);

  const updater = services.dhcpDnsUpdaters.get("gw")!;
  assert.deepEqual([...updater.names().keys()].sort(), ["laptop", "phone"]);
  services.stop();
});

test("the name goes when the lease is released, and when it expires; renewals keep it", async () => {
  const { run, network, services, leased } = await lab();
  const laptop = leased("laptop");
  const soaSerial = async () => (await run("printer dig home.example SOA +short")).out.trim().split(/\s+/)[2];
  const serialBefore = Number(await soaSerial());

  // dhclient -r on the laptop: RELEASE, and the server takes its name out at once.
  services.dhcpClients.get("laptop:eth0")!.release();
  network.runFor(SECOND);
  const gone = await run("printer dig laptop.home.example");
  assert.match(gone.out, /status: NXDOMAIN/);
  const gonePtr = await run(`printer dig -x ${laptop}`);
  assert.match(gonePtr.out, /status: NXDOMAIN/);
  assert.ok(Number(await soaSerial()) > serialBefore, "the zone's serial moved with the change");

  // The phone renews at T1 (300 s) and T1 again: past its first lease's end, the name is still there.
  network.runFor(700 * SECOND);
  assert.equal(services.dhcpClients.get("phone:eth0")!.state, "BOUND");
  const renewed = await run("printer dig phone.home.example +short");
  assert.equal(renewed.out.trim(), leased("phone"));

  // Switched off without a word: the name lives until the lease runs out (600 s at most), then goes.
  services.dhcpClients.get("phone:eth0")!.stop();
  network.runFor(200 * SECOND);
  assert.notEqual((await run("printer dig phone.home.example +short")).out.trim(), "");
  network.runFor(450 * SECOND);
  const expired = await run("printer dig phone.home.example");
  assert.match(expired.out, /status: NXDOMAIN/);
  assert.deepEqual([...services.dhcpDnsUpdaters.get("gw")!.names().keys()], []);
  services.stop();
});

test("a name the zone already has is not taken over; a name that is no host name is not registered", async () => {
  const { run, network, services } = await lab();
  const updater = services.dhcpDnsUpdaters.get("gw")!;
  // The guest calls itself "printer", a node of the lab with its own A record.
  const guest = new DhcpClient(network.node("guest"), { iface: "eth0", hostname: "printer" }).start();
  network.runFor(10 * SECOND);
  assert.equal(guest.state, "BOUND");
  assert.ok(
    updater.log.some((l) =>
      l.startsWith(`not giving name printer.home.example to the DHCP lease of ${guest.lease!.address}`),
    ),
    updater.log.join("\n"),
  );
  assert.equal((await run("phone dig printer.home.example +short")).out.trim(), "192.168.7.5");
  assert.deepEqual([...updater.names().keys()].sort(), ["laptop", "phone"]);

  assert.equal(hostLabel("Laptop.corp.example"), "laptop");
  assert.equal(hostLabel("my_pc"), undefined);
  assert.equal(hostLabel("-x"), undefined);
  assert.equal(hostLabel("a".repeat(64)), undefined);
  services.stop();
});

test("Zone.remove: the name stops existing, and so do the empty non-terminals only it held up", () => {
  const zone = new Zone({ origin: "lab.example", records: [{ name: "www", type: "A", value: "192.0.2.1" }] });
  const deep = zone.addText({ name: "a.b", type: "A", value: "192.0.2.2" });
  assert.equal(zone.lookup("b.lab.example", DnsType.A).kind, "nodata");
  const serial = zone.soa.data.kind === "soa" ? zone.soa.data.serial : -1;
  assert.equal(zone.remove(deep), true);
  assert.equal(zone.remove(deep), false);
  zone.bumpSerial();
  assert.equal(zone.lookup("a.b.lab.example", DnsType.A).kind, "nxdomain");
  assert.equal(zone.lookup("b.lab.example", DnsType.A).kind, "nxdomain");
  assert.equal(zone.lookup("www.lab.example", DnsType.A).kind, "answer");
  assert.equal(zone.remove(zone.soa), false, "the SOA stays");
  assert.equal(zone.soa.data.kind === "soa" && zone.soa.data.serial, serial + 1);
  assert.equal(zone.lookup("lab.example", DnsType.SOA).kind, "answer");
});
