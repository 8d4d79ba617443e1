import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Link } from "../../src/link/link.js";
import { ciscoMac } from "../../src/link/show-mac.js";
import { type PortMode, Switch } from "../../src/link/switch.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { SECOND } from "../../src/sim/time.js";
import { Tracer } from "../../src/trace/events.js";
import { type Arrival, frame, record } from "./support.js";

const BROADCAST = 0xffff_ffff_ffff;
const mac = (n: number): number => 0x0200_0000_0000 + n;

interface Host {
  mac: number;
  link: Link;
  got: Arrival[];
  send(dst: number, length?: number, src?: number): Uint8Array;
}

/** A switch with one host per port; host i has MAC 02:00:00:00:00:0i and sits on port `eth<i>`. */
function lan(modes: PortMode[], options: ConstructorParameters<typeof Switch>[3] = {}, tracer?: Tracer) {
  const scheduler = new Scheduler();
  const sw = new Switch(scheduler, "sw1", tracer, options);
  const hosts: Host[] = [];
  for (const [index, mode] of modes.entries()) {
    const i = index + 1;
    const link = new Link(scheduler, { name: `h${i}-sw1`, a: `h${i}:eth0`, b: `sw1:eth${i}` }, tracer);
    sw.addPort(`eth${i}`, link.b, mode);
    const got = record(scheduler, link.a);
    hosts.push({
      mac: mac(i),
      link,
      got,
      send(dst, length = 64, src = mac(i)) {
        const f = frame(length, i, dst, src);
        link.a.transmit(f);
        scheduler.run();
        return f;
      },
    });
  }
  return { scheduler, sw, hosts };
}

const access = (vlan = 1): PortMode => ({ mode: "access", vlan });
const received = (hosts: Host[]): number[] => hosts.map((h) => h.got.length);

test("learning: unknown unicast floods, the reply goes straight back, then unicast only", () => {
  const { sw, hosts } = lan([access(), access(), access()]);
  const [h1, h2] = hosts;
  h1.send(h2.mac);
  assert.deepEqual(received(hosts), [0, 1, 1], "flooded, never back out of the ingress port");
  h2.send(h1.mac);
  assert.deepEqual(received(hosts), [1, 1, 1], "h1 was learned on eth1");
  h1.send(h2.mac);
  assert.deepEqual(received(hosts), [1, 2, 1], "h2 was learned on eth2");
  assert.equal(sw.macTable.lookup(1, h1.mac, 0)?.port.name, "eth1");
  assert.equal(sw.counters.learned, 2);
  assert.equal(sw.port("eth3")!.counters.flooded, 1);
  assert.equal(sw.port("eth1")!.counters.rxUnicast, 2);
  assert.equal(sw.port("eth2")!.counters.txUnicast, 2);
});

test("broadcast and multicast flood to every other port in the VLAN", () => {
  const { hosts } = lan([access(), access(), access(), access()]);
  hosts[0].send(BROADCAST);
  assert.deepEqual(received(hosts), [0, 1, 1, 1]);
  hosts[2].send(0x0100_5e00_0001); // an IPv4 multicast group
  assert.deepEqual(received(hosts), [1, 2, 1, 2]);
});

test("a frame for a station behind the ingress port is filtered, not reflected", () => {
  const { sw, hosts, scheduler } = lan([access(), access()]);
  hosts[0].send(BROADCAST, 64, mac(50)); // station 50 lives behind eth1 too (a hub there)
  hosts[0].send(mac(50));
  assert.deepEqual(received(hosts), [0, 1]);
  assert.equal(sw.port("eth1")!.counters.filtered, 1);
  assert.equal(scheduler.pending, 0);
});

test("aging: a silent station is forgotten after the ageing time and traffic to it floods again", () => {
  const { sw, hosts, scheduler } = lan([access(), access(), access()]);
  const [h1, h2] = hosts;
  h1.send(BROADCAST);
  scheduler.runFor(299 * SECOND);
  h2.send(h1.mac);
  assert.deepEqual(received(hosts), [1, 1, 1], "still known after 299 s: unicast");
  scheduler.runFor(2 * SECOND);
  h2.send(h1.mac);
  assert.deepEqual(received(hosts), [2, 1, 2], "forgotten after 300 s: flooded");
  assert.equal(sw.counters.aged, 1);

  const short = lan([access(), access(), access()], { agingTime: 10 * SECOND });
  short.hosts[0].send(BROADCAST);
  short.scheduler.runFor(11 * SECOND);
  assert.ok(!short.sw.showMacAddressTable().includes(ciscoMac(mac(1))));
  assert.equal(short.sw.macTable.size, 0, "listing the table swept the stale entry");
});

test("the table is bounded: when full, new stations are not learned (and counted), frames still flow", () => {
  const { sw, hosts } = lan([access(), access(), access()], { macTableSize: 4 });
  for (let n = 100; n < 110; n++) hosts[0].send(BROADCAST, 64, mac(n));
  assert.equal(sw.macTable.size, 4);
  assert.equal(sw.counters.tableFull, 6);
  hosts[1].send(mac(109)); // not learned: flooded
  assert.deepEqual(received(hosts), [1, 10, 11]);
  hosts[1].send(mac(100)); // learned: unicast
  assert.deepEqual(received(hosts), [2, 10, 11]);
});

test("a port whose link goes down forgets its stations", () => {
  const { sw, hosts } = lan([access(), access(), access()]);
  hosts[0].send(BROADCAST);
  hosts[1].send(BROADCAST);
  assert.equal(sw.macTable.size, 2);
  hosts[0].link.setUp(false);
  assert.equal(sw.macTable.size, 1);
  assert.equal(sw.macTable.lookup(1, hosts[0].mac, 0), undefined);
  assert.deepEqual(received(hosts), [1, 1, 2]);
  hosts[2].send(hosts[0].mac);
  assert.deepEqual(received(hosts), [1, 2, 2], "floods, but not to the down port");
});

test("VLANs stay apart over a trunk between two switches; trunk frames carry 802.1Q tags", () => {
  const scheduler = new Scheduler();
  const tracer = new Tracer();
  const onTrunk: Uint8Array[] = [];
  tracer.subscribe((e) => {
    if (e.type === "link-delivered" && e.link === "trunk") onTrunk.push(e.frame);
  });
  const sw1 = new Switch(scheduler, "sw1", tracer);
  const sw2 = new Switch(scheduler, "sw2", tracer);
  const trunk = new Link(scheduler, { name: "trunk" }, tracer);
  sw1.addPort("gi0/24", trunk.a, { mode: "trunk", allowed: [10, 20] });
  sw2.addPort("gi0/24", trunk.b, { mode: "trunk", allowed: [10, 20] });
  const hosts = new Map<string, { link: Link; got: Arrival[] }>();
  for (const [sw, prefix] of [
    [sw1, "a"],
    [sw2, "b"],
  ] as const) {
    for (const vlan of [10, 20]) {
      for (const k of [1, 2]) {
        const name = `${prefix}${vlan}-${k}`;
        const link = new Link(scheduler, { name }, tracer);
        sw.addPort(`gi0/${vlan + k}`, link.b, { mode: "access", vlan });
        hosts.set(name, { link, got: record(scheduler, link.a) });
      }
    }
  }
  const counts = () => Object.fromEntries([...hosts].map(([name, h]) => [name, h.got.length]));

  const sent = frame(100, 7, BROADCAST, mac(1));
  hosts.get("a10-1")!.link.a.transmit(sent);
  scheduler.run();
  assert.deepEqual(counts(), {
    "a10-1": 0,
    "a10-2": 1,
    "a20-1": 0,
    "a20-2": 0,
    "b10-1": 1,
    "b10-2": 1,
    "b20-1": 0,
    "b20-2": 0,
  });
  // On the trunk: the frame with a tag for VLAN 10 inserted after the addresses.
  assert.equal(onTrunk.length, 1);
  assert.equal(onTrunk[0].length, sent.length + 4);
  assert.deepEqual([...onTrunk[0].subarray(12, 16)], [0x81, 0x00, 0x00, 10]);
  assert.deepEqual(onTrunk[0].subarray(0, 12), sent.subarray(0, 12));
  assert.deepEqual(onTrunk[0].subarray(16), sent.subarray(12));
  // Off the trunk at the far access ports: untagged again, byte for byte what was sent.
  assert.deepEqual(hosts.get("b10-2")!.got[0].frame, sent);
  // Between access ports of one switch nothing changes, so the very same buffer is forwarded.
  assert.equal(hosts.get("a10-2")!.got[0].frame, sent);

  // The same MAC in VLAN 20 is a different station (independent VLAN learning).
  hosts.get("b20-1")!.link.a.transmit(frame(100, 8, BROADCAST, mac(1)));
  scheduler.run();
  assert.equal(sw1.macTable.lookup(10, mac(1), scheduler.now)?.port.name, "gi0/11");
  assert.equal(sw1.macTable.lookup(20, mac(1), scheduler.now)?.port.name, "gi0/24");
  assert.equal(counts()["a10-2"], 1, "VLAN 20's broadcast did not reach VLAN 10");
  assert.equal(counts()["a20-1"], 1);
  assert.deepEqual([...onTrunk[1].subarray(12, 16)], [0x81, 0x00, 0x00, 20]);
});

test("the trunk's native VLAN crosses untagged; other VLANs tagged", () => {
  const { hosts, sw } = lan([access(10), { mode: "trunk", native: 10 }, access(20), { mode: "trunk" }]);
  const sent = hosts[0].send(BROADCAST);
  assert.equal(hosts[1].got[0].frame, sent, "native VLAN: untagged, zero-copy");
  assert.equal(hosts[3].got[0].frame.length, sent.length + 4, "VLAN 10 is not native on eth4: tagged");
  hosts[2].send(BROADCAST);
  const onTrunk = hosts[1].got[1].frame;
  assert.deepEqual([...onTrunk.subarray(12, 16)], [0x81, 0x00, 0x00, 20]);
  assert.equal(sw.port("eth2")!.pvid, 10);
});

test("tagged frames from a trunk are untagged to access ports; priority survives retagging", () => {
  const { hosts } = lan([{ mode: "trunk", allowed: [10, 20] }, access(10), access(20), { mode: "trunk" }]);
  const tagged = frame(68, 1, BROADCAST, mac(1), 0x8100);
  tagged.set([0xa0, 20, 0x08, 0x00], 14); // PCP 5, VID 20, inner type IPv4
  hosts[0].link.a.transmit(tagged);
  hosts[0].link.scheduler.run();
  assert.deepEqual(received(hosts), [0, 0, 1, 1]);
  const untagged = hosts[2].got[0].frame;
  assert.equal(untagged.length, 64);
  assert.deepEqual([...untagged.subarray(12, 14)], [0x08, 0x00]);
  assert.deepEqual(untagged.subarray(14), tagged.subarray(18));
  assert.equal(hosts[3].got[0].frame, tagged, "trunk to trunk in the same VLAN: the same buffer");

  // A priority-tagged frame (VID 0) belongs to the access port's VLAN; the priority is kept.
  const priority = frame(68, 2, BROADCAST, mac(2), 0x8100);
  priority.set([0xe0, 0, 0x08, 0x00], 14); // PCP 7, VID 0
  hosts[1].link.a.transmit(priority);
  hosts[1].link.scheduler.run();
  const retagged = hosts[3].got[1].frame;
  assert.deepEqual([...retagged.subarray(12, 16)], [0x81, 0x00, 0xe0, 10]);
  assert.deepEqual([...priority.subarray(14, 16)], [0xe0, 0], "the sender's buffer is untouched");
  assert.deepEqual(hosts[0].got[0].frame.subarray(12, 16), retagged.subarray(12, 16));
});

test("frames in a VLAN the port does not carry are dropped and counted", () => {
  const { sw, hosts } = lan([{ mode: "trunk", allowed: [10], native: 99 }, access(10), access(30)]);
  const vlan30 = frame(68, 1, BROADCAST, mac(1), 0x8100);
  vlan30.set([0, 30, 0x08, 0x00], 14);
  hosts[0].link.a.transmit(vlan30);
  hosts[0].send(BROADCAST); // untagged on a trunk whose native VLAN 99 is not allowed
  const tagged10 = frame(68, 1, BROADCAST, mac(2), 0x8100);
  tagged10.set([0, 10, 0x08, 0x00], 14);
  hosts[1].send(BROADCAST); // fine
  hosts[1].link.a.transmit(tagged10); // access ports admit only untagged frames
  hosts[1].link.scheduler.run();
  assert.deepEqual(received(hosts), [1, 0, 0]);
  assert.equal(sw.port("eth1")!.counters.drops["vlan-not-allowed"], 2);
  assert.equal(sw.port("eth2")!.counters.drops["vlan-not-allowed"], 1);
  assert.equal(sw.port("eth1")!.pvid, undefined);
});

test("malformed and bogus frames are dropped and counted, never thrown", () => {
  const { sw, hosts } = lan([access(), access()]);
  const inject = (bytes: Uint8Array) => hosts[0].link.a.transmit(bytes);
  inject(new Uint8Array(10)); // runt
  inject(frame(64, 0, BROADCAST, mac(1), 0x8100).subarray(0, 16)); // tag cut short
  const reserved = frame(64, 0, BROADCAST, mac(1), 0x8100);
  reserved.set([0x0f, 0xff], 14); // VID 4095
  inject(reserved);
  inject(frame(64, 0, BROADCAST, 0x0100_5e00_0001)); // multicast source
  inject(frame(64, 0, BROADCAST, 0)); // zero source
  inject(frame(64, 0, 0x0180_c200_000e)); // LLDP: link-local, never forwarded
  hosts[0].link.scheduler.run();
  assert.deepEqual(received(hosts), [0, 0]);
  const { drops, rxFrames } = sw.port("eth1")!.counters;
  assert.equal(rxFrames, 6);
  assert.equal(drops.malformed, 3);
  assert.equal(drops["invalid-source"], 2);
  assert.equal(drops["reserved-address"], 1);
});

test("random bytes never throw, are all counted, and never cross VLANs", () => {
  const { sw, hosts, scheduler } = lan([
    access(10),
    access(20),
    { mode: "trunk", allowed: [20] },
    access(20),
  ]);
  let injected = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, viaTrunk) => {
      (viaTrunk ? hosts[2] : hosts[1]).link.a.transmit(bytes);
      scheduler.run();
      injected++;
    }),
  );
  assert.equal(hosts[0].got.length, 0, "nothing entered VLAN 10");
  const rx = sw.port("eth2")!.counters.rxFrames + sw.port("eth3")!.counters.rxFrames;
  assert.equal(rx, injected);
});

test("show mac address-table in Cisco's format, with filters", () => {
  const { sw, hosts } = lan([access(), access(), access(20)]);
  hosts[0].send(BROADCAST);
  hosts[2].send(BROADCAST);
  sw.macTable.addStatic(1, mac(0xab), sw.port("eth2")!);
  assert.equal(
    sw.showMacAddressTable(),
    [
      "          Mac Address Table",
      "-------------------------------------------",
      "",
      "Vlan    Mac Address       Type        Ports",
      "----    -----------       --------    -----",
      "   1    0200.0000.0001    DYNAMIC     eth1",
      "   1    0200.0000.00ab    STATIC      eth2",
      "  20    0200.0000.0003    DYNAMIC     eth3",
      "Total Mac Addresses for this criterion: 3",
      "",
    ].join("\n"),
  );
  assert.match(
    sw.showMacAddressTable({ vlan: 20 }),
    /0200\.0000\.0003[^\n]*\nTotal Mac Addresses for this criterion: 1/,
  );
  assert.match(sw.showMacAddressTable({ interface: "eth1" }), /criterion: 1\n$/);
  assert.match(sw.showMacAddressTable({ address: "02:00:00:00:00:ab" }), /STATIC {6}eth2/);
  assert.match(sw.showMacAddressTable({ address: "0200.0000.0001" }), /criterion: 1\n$/);
  assert.match(sw.showMacAddressTable({ type: "static" }), /criterion: 1\n$/);
});

test("show interfaces counters", () => {
  const { sw, hosts } = lan([access(), access()]);
  hosts[0].send(BROADCAST, 100);
  hosts[1].send(hosts[0].mac, 200);
  hosts[0].send(0x0100_5e00_0001, 80);
  const text = sw.showInterfacesCounters({ errors: true });
  const row = (header: string, port: string) => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.includes(header));
    return lines
      .slice(start)
      .find((l) => l.startsWith(`${port} `))!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
  };
  assert.deepEqual(row("InOctets", "eth1"), [180, 0, 1, 1]);
  assert.deepEqual(row("OutOctets", "eth1"), [200, 1, 0, 0]);
  assert.deepEqual(row("OutOctets", "eth2"), [180, 0, 1, 1]);
  assert.deepEqual(row("Malformed", "eth2"), [0, 0, 0, 0, 0, 0, 2]);
});

test("switch events: frames in and out of ports, and drops with reasons", () => {
  const tracer = new Tracer();
  const seen: string[] = [];
  tracer.subscribe((e) => {
    if (e.node === "sw1")
      seen.push(`${e.type}:${"iface" in e ? e.iface : ""}${e.type === "drop" ? `:${e.reason}` : ""}`);
  });
  const { hosts } = lan([access(), access(20)], {}, tracer);
  hosts[0].send(BROADCAST);
  hosts[0].link.a.transmit(new Uint8Array(5));
  hosts[0].link.scheduler.run();
  assert.deepEqual(seen, ["frame-received:eth1", "drop:eth1:malformed"]);
});

test("configuration mistakes throw at once", () => {
  const { sw, hosts } = lan([access()]);
  assert.throws(() => sw.addPort("eth1", hosts[0].link.a), /already has a port named eth1/);
  assert.throws(() => sw.addPort("eth9", hosts[0].link.a, access(4095)), RangeError);
  assert.throws(() => sw.addPort("eth9", hosts[0].link.a, { mode: "trunk", allowed: [0] }), RangeError);
  sw.setPortMode("eth1", access(30));
  assert.equal(sw.port("eth1")!.pvid, 30);
});
