import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type DecodedFrame, decodeFrame, frameFields, type LayerFields } from "../../src/trace/decode.js";
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from "../../src/trace/linktype.js";
import { renderFrameText } from "../../src/trace/render.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { ArpOperation } from "../../src/wire/arp.js";
import { EtherType } from "../../src/wire/ethernet.js";
import { IpProtocol } from "../../src/wire/ipv4.js";
import { recordRouteOption, routerAlertOption } from "../../src/wire/ipv4-options.js";
import { padIpv6Options } from "../../src/wire/ipv6-extensions.js";
import {
  arp,
  concat,
  eth4,
  eth6,
  ethernet,
  IP_A,
  IP_B,
  IP6_A,
  IP6_B,
  icmpv4,
  icmpv6,
  ipv4,
  ipv6,
  MAC_A,
  MAC_B,
  tagged,
  tcp,
  udp,
} from "./frame-builder.js";

const pseudo4 = { src: IP_A, dst: IP_B };
const pseudo6 = { src: IP6_A, dst: IP6_B };

function layers(linkType: number, frame: Uint8Array, originalLength?: number): LayerFields[] {
  return frameFields(decodeFrame(linkType, frame, { originalLength }));
}

function names(fields: LayerFields[]): string[] {
  return fields.map((l) => l.layer);
}

describe("decodeFrame", () => {
  it("Ethernet → IPv4 → TCP SYN with options, padding noted, checksums verified", () => {
    const segment = tcp(
      {
        flags: 0x002,
        seq: 0xfffffff0,
        options: [
          { kind: "mss", value: 1460 },
          { kind: "sack-permitted" },
          { kind: "timestamps", value: 7, echo: 0 },
          { kind: "nop" },
          { kind: "window-scale", shift: 7 },
        ],
      },
      pseudo4,
    );
    const fields = layers(
      LINKTYPE_ETHERNET,
      eth4(ipv4({ protocol: IpProtocol.TCP, dontFragment: true }, segment)),
    );
    assert.deepEqual(names(fields), ["ethernet", "ipv4", "tcp"]);
    const [eth, ip, t] = fields;
    assert.deepEqual(
      { src: eth.src, dst: eth.dst, ethertype: eth.ethertype },
      { src: MAC_A.toString(), dst: MAC_B.toString(), ethertype: 0x0800 },
    );
    assert.equal(eth.padding, undefined, "a 74-byte frame needs no padding");
    assert.deepEqual(
      [ip.src, ip.dst, ip.ttl, ip.id, ip.protocol, ip.totalLength, ip.dontFragment, ip.moreFragments],
      ["192.0.2.1", "198.51.100.2", 64, 0x1234, 6, 20 + segment.length, true, false],
    );
    assert.equal(ip.fragmentOffset, 0);
    assert.equal(ip.checksumValid, true);
    assert.deepEqual(
      [t.srcPort, t.dstPort, t.seq, t.ack, t.flags, t.window, t.checksumValid, t.segmentLength],
      [40000, 80, 0xfffffff0, 0, "SYN", 65535, true, 0],
    );
    assert.deepEqual(t.options, [
      { kind: "mss", value: 1460 },
      { kind: "sack-permitted" },
      { kind: "timestamps", value: 7, echo: 0 },
      { kind: "nop" },
      { kind: "window-scale", shift: 7 },
    ]);
  });

  it("names every flag combination, ECE/CWR/AE included", () => {
    const cases: [number, string][] = [
      [0x012, "SYN,ACK"],
      [0x011, "FIN,ACK"],
      [0x018, "PSH,ACK"],
      [0x0c2, "SYN,ECE,CWR"],
      [0x1ff, "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR,AE"],
      [0x000, "<None>"],
    ];
    for (const [flags, text] of cases) {
      const frame = eth4(ipv4({ protocol: IpProtocol.TCP }, tcp({ flags }, pseudo4)));
      assert.equal(layers(LINKTYPE_ETHERNET, frame)[2].flags, text);
    }
  });

  it("short frames carry Ethernet padding, noted on the Ethernet layer; payload excludes it", () => {
    const datagram = udp({ srcPort: 5000, dstPort: 5353, payload: Uint8Array.of(1, 2) }, pseudo4);
    const fields = layers(LINKTYPE_ETHERNET, eth4(ipv4({ protocol: IpProtocol.UDP }, datagram)));
    assert.deepEqual(names(fields), ["ethernet", "ipv4", "udp", "payload"]);
    assert.equal(fields[0].padding, 60 - 14 - 20 - 10);
    assert.deepEqual([fields[2].length, fields[2].checksumValid, fields[3].length], [10, true, 2]);
  });

  it("bad checksums are reported as false, and the layers still decode", () => {
    const frame = eth4(
      ipv4({ protocol: IpProtocol.UDP }, udp({ srcPort: 1, dstPort: 2, payload: Uint8Array.of(9) }, pseudo4)),
    );
    frame[14 + 10] ^= 0xff; // IPv4 header checksum
    frame[14 + 20 + 6] ^= 0x01; // UDP checksum
    const fields = layers(LINKTYPE_ETHERNET, frame);
    assert.equal(fields[1].checksumValid, false);
    assert.equal(fields[2].checksumValid, false);
  });

  it("a zero UDP checksum over IPv4 means none (null); over IPv6 it is wrong", () => {
    const over4 = eth4(
      ipv4({ protocol: IpProtocol.UDP }, udp({ srcPort: 1, dstPort: 2, payload: Uint8Array.of(9) }, pseudo4)),
    );
    over4[14 + 20 + 6] = 0;
    over4[14 + 20 + 7] = 0;
    assert.equal(layers(LINKTYPE_ETHERNET, over4)[2].checksumValid, null);
    const over6 = eth6(
      ipv6({}, [], IpProtocol.UDP, udp({ srcPort: 1, dstPort: 2, payload: Uint8Array.of(9) }, pseudo6)),
    );
    over6[14 + 40 + 6] = 0;
    over6[14 + 40 + 7] = 0;
    assert.equal(layers(LINKTYPE_ETHERNET, over6)[2].checksumValid, false);
  });

  it("a frame cut by the snap length keeps its headers but verifies no transport checksum", () => {
    const payload = new Uint8Array(400).fill(0x61);
    const full = eth4(ipv4({ protocol: IpProtocol.TCP }, tcp({ flags: 0x018, payload }, pseudo4)));
    const cut = full.subarray(0, 14 + 20 + 20 + 10);
    const fields = layers(LINKTYPE_ETHERNET, cut, full.length);
    assert.deepEqual(names(fields), ["ethernet", "ipv4", "tcp", "payload"]);
    assert.equal(fields[1].truncated, true);
    assert.equal(fields[1].totalLength, 20 + 20 + 400);
    assert.equal(fields[1].checksumValid, true, "the IPv4 header itself is whole");
    assert.equal(fields[2].checksumValid, null);
    assert.equal(fields[2].segmentLength, 400, "tcp.len follows the IP header, as tshark's does");
    assert.deepEqual([fields[3].length, fields[3].truncated], [10, true]);
    // The same cut UDP datagram: the header is read through the view.
    const dgram = eth4(ipv4({ protocol: IpProtocol.UDP }, udp({ srcPort: 7, dstPort: 9, payload }, pseudo4)));
    const udpFields = layers(LINKTYPE_ETHERNET, dgram.subarray(0, 50), dgram.length);
    assert.deepEqual(
      [udpFields[2].layer, udpFields[2].srcPort, udpFields[2].length, udpFields[2].checksumValid],
      ["udp", 7, 408, null],
    );
    // Without the capture saying it was cut, the same bytes are a malformed packet.
    const malformed = layers(LINKTYPE_ETHERNET, cut);
    assert.deepEqual(names(malformed), ["ethernet", "ipv4"]);
    assert.match(String(malformed[1].error), /total length/);
  });

  it("IPv4 fragments: the first is decoded without checksum verdict, later ones are payload", () => {
    const datagram = udp({ srcPort: 1000, dstPort: 2000, payload: new Uint8Array(64) }, pseudo4);
    const first = eth4(
      ipv4({ protocol: IpProtocol.UDP, moreFragments: true, identification: 77 }, datagram.subarray(0, 32)),
    );
    const second = eth4(
      ipv4({ protocol: IpProtocol.UDP, fragmentOffset: 32, identification: 77 }, datagram.subarray(32)),
    );
    const a = layers(LINKTYPE_ETHERNET, first);
    assert.deepEqual(names(a), ["ethernet", "ipv4", "udp", "payload"]);
    assert.deepEqual(
      [a[1].moreFragments, a[2].srcPort, a[2].length, a[2].checksumValid],
      [true, 1000, 72, null],
    );
    const b = layers(LINKTYPE_ETHERNET, second);
    assert.deepEqual(names(b), ["ethernet", "ipv4", "payload"]);
    assert.equal(b[1].fragmentOffset, 32);
    assert.match(String(b[2].note), /fragment at offset 32 of datagram 77/);
  });

  it("IPv4 options come out decoded", () => {
    const frame = eth4(
      ipv4(
        { protocol: IpProtocol.ICMP, options: [recordRouteOption(2), routerAlertOption()] },
        icmpv4({
          kind: "echo-request",
          identifier: 1,
          sequence: 2,
          data: new Uint8Array(0),
        }),
      ),
    );
    const ip = layers(LINKTYPE_ETHERNET, frame)[1];
    assert.equal(ip.headerLength, 20 + 12 + 4);
    const options = ip.options as Record<string, unknown>[];
    assert.deepEqual(
      options.map((o) => o.kind),
      ["record-route", "router-alert"],
    );
    assert.deepEqual(options[0].addresses, ["0.0.0.0", "0.0.0.0"]);
  });

  it("stacked VLAN tags (802.1ad outside 802.1Q) and ARP", () => {
    const request = arp({
      operation: ArpOperation.Request,
      senderMac: MAC_A,
      senderIp: IP_A,
      targetMac: MAC_B,
      targetIp: IP_B,
    });
    const frame = tagged(
      [
        { tpid: EtherType.QinQ, id: 200, priority: 3 },
        { tpid: EtherType.VLAN, id: 10, priority: 5, dropEligible: true },
      ],
      EtherType.ARP,
      request,
    );
    const fields = layers(LINKTYPE_ETHERNET, frame);
    assert.deepEqual(names(fields), ["ethernet", "vlan", "vlan", "arp"]);
    assert.deepEqual(
      [fields[1].tpid, fields[1].id, fields[1].priority, fields[1].dropEligible, fields[1].ethertype],
      [0x88a8, 200, 3, false, 0x8100],
    );
    assert.deepEqual(
      [fields[2].tpid, fields[2].id, fields[2].priority, fields[2].dropEligible],
      [0x8100, 10, 5, true],
    );
    assert.deepEqual(
      [fields[3].operation, fields[3].senderMac, fields[3].senderIp, fields[3].targetMac, fields[3].targetIp],
      [1, MAC_A.toString(), "192.0.2.1", MAC_B.toString(), "198.51.100.2"],
    );
    assert.equal(fields[3].gratuitous, false);
  });

  it("IPv6 extension chain, and the upper checksum over a routing header's final destination", () => {
    const final = Ipv6Address.parse("2001:db8::f");
    const routingData = concat(new Uint8Array(4), final.bytes);
    const datagram = udp(
      { srcPort: 5, dstPort: 6, payload: Uint8Array.of(1, 2, 3) },
      { src: IP6_A, dst: final },
    );
    const packet = ipv6(
      {},
      [
        { kind: "hop-by-hop", nextHeader: 0, options: padIpv6Options([{ kind: "router-alert", value: 0 }]) },
        { kind: "routing", nextHeader: 0, routingType: 0, segmentsLeft: 1, data: routingData },
        { kind: "destination-options", nextHeader: 0, options: padIpv6Options([]) },
      ],
      IpProtocol.UDP,
      datagram,
    );
    const fields = layers(LINKTYPE_ETHERNET, eth6(packet));
    assert.deepEqual(names(fields), ["ethernet", "ipv6", "udp", "payload"]);
    const ip = fields[1];
    assert.deepEqual(
      [ip.src, ip.dst, ip.nextHeader, ip.hopLimit, ip.upperLayerProtocol],
      ["2001:db8::a", "2001:db8::b", 0, 64, 17],
    );
    assert.deepEqual(
      (ip.extensions as Record<string, unknown>[]).map((e) => e.header),
      ["hop-by-hop", "routing", "destination-options"],
    );
    assert.equal(fields[2].checksumValid, true, "checksum computed over 2001:db8::f, the final destination");
  });

  it("IPv6 fragments: first decoded without a checksum verdict, later ones payload", () => {
    const datagram = udp({ srcPort: 5, dstPort: 6, payload: new Uint8Array(40) }, pseudo6);
    const fragment = (offsetBytes: number, more: boolean) => ({
      kind: "fragment" as const,
      nextHeader: 0,
      fragmentOffset: offsetBytes / 8,
      offsetBytes,
      moreFragments: more,
      identification: 0xabcdef,
    });
    const first = layers(
      LINKTYPE_ETHERNET,
      eth6(ipv6({}, [fragment(0, true)], IpProtocol.UDP, datagram.subarray(0, 24))),
    );
    assert.deepEqual(names(first), ["ethernet", "ipv6", "udp", "payload"]);
    assert.equal(first[2].checksumValid, null);
    const second = layers(
      LINKTYPE_ETHERNET,
      eth6(ipv6({}, [fragment(24, false)], IpProtocol.UDP, datagram.subarray(24))),
    );
    assert.deepEqual(names(second), ["ethernet", "ipv6", "payload"]);
    assert.match(String(second[2].note), /fragment at offset 24/);
  });

  it("ICMPv4 frag-needed carries the MTU and the quoted datagram's addresses and ports", () => {
    const original = ipv4(
      { protocol: IpProtocol.UDP, src: IP_B, dst: IP_A, dontFragment: true },
      udp({ srcPort: 4444, dstPort: 53, payload: new Uint8Array(100) }, { src: IP_B, dst: IP_A }),
    );
    const message = icmpv4({
      kind: "destination-unreachable",
      code: 4,
      nextHopMtu: 1400,
      invoking: original.subarray(0, 28),
    });
    const fields = layers(LINKTYPE_ETHERNET, eth4(ipv4({ protocol: IpProtocol.ICMP }, message)));
    assert.deepEqual(names(fields), ["ethernet", "ipv4", "icmpv4"]);
    const icmp = fields[2];
    assert.deepEqual([icmp.type, icmp.code, icmp.mtu, icmp.checksumValid], [3, 4, 1400, true]);
    assert.deepEqual(icmp.quoted, {
      src: "198.51.100.2",
      dst: "192.0.2.1",
      protocol: 17,
      srcPort: 4444,
      dstPort: 53,
    });
  });

  it("ICMPv4 echo and ICMPv6 NDP with options", () => {
    const echo = layers(
      LINKTYPE_ETHERNET,
      eth4(
        ipv4(
          { protocol: IpProtocol.ICMP },
          icmpv4({ kind: "echo-reply", identifier: 9, sequence: 3, data: new Uint8Array(8) }),
        ),
      ),
    );
    assert.deepEqual(names(echo), ["ethernet", "ipv4", "icmpv4", "payload"]);
    assert.deepEqual([echo[2].type, echo[2].identifier, echo[2].sequence], [0, 9, 3]);
    const solicitation = icmpv6(
      {
        kind: "neighbor-solicitation",
        code: 0,
        target: IP6_B,
        options: [{ kind: "source-link-layer-address", address: MAC_A }],
      },
      pseudo6,
    );
    const ns = layers(LINKTYPE_ETHERNET, eth6(ipv6({ hopLimit: 255 }, [], 58, solicitation)));
    assert.deepEqual(names(ns), ["ethernet", "ipv6", "icmpv6"]);
    assert.deepEqual(
      [ns[2].type, ns[2].code, ns[2].target, ns[2].checksumValid],
      [135, 0, "2001:db8::b", true],
    );
    assert.deepEqual(ns[2].options, [{ kind: "source-link-layer-address", address: MAC_A.toString() }]);
  });

  it("IP in IP: both headers decode", () => {
    const inner = ipv4(
      { protocol: IpProtocol.UDP, src: IP_B, dst: IP_A },
      udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(0) }, { src: IP_B, dst: IP_A }),
    );
    const fields = layers(LINKTYPE_ETHERNET, eth4(ipv4({ protocol: IpProtocol.IPinIP }, inner)));
    assert.deepEqual(names(fields), ["ethernet", "ipv4", "ipv4", "udp"]);
    assert.equal(fields[2].src, "198.51.100.2");
    assert.equal(fields[3].checksumValid, true);
  });

  it("raw IP, Linux cooked (v1, v2), BSD loopback and unknown link types", () => {
    const packet4 = ipv4(
      { protocol: IpProtocol.UDP },
      udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(0) }, pseudo4),
    );
    const packet6 = ipv6(
      {},
      [],
      IpProtocol.UDP,
      udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(0) }, pseudo6),
    );
    assert.deepEqual(names(layers(LINKTYPE_RAW, packet4)), ["ipv4", "udp"]);
    assert.deepEqual(names(layers(LINKTYPE_RAW, packet6)), ["ipv6", "udp"]);
    assert.deepEqual(names(layers(LINKTYPE_IPV4, packet4)), ["ipv4", "udp"]);
    assert.deepEqual(names(layers(LINKTYPE_IPV6, packet6)), ["ipv6", "udp"]);
    const sll = concat(Uint8Array.of(0, 4, 0, 1, 0, 6, ...MAC_A.toBytes(), 0, 0, 0x08, 0x00), packet4);
    const sllFields = layers(LINKTYPE_LINUX_SLL, sll);
    assert.deepEqual(names(sllFields), ["sll", "ipv4", "udp"]);
    assert.deepEqual(
      [sllFields[0].direction, sllFields[0].src, sllFields[0].protocol],
      ["sent by us", MAC_A.toString(), 0x0800],
    );
    const sll2 = concat(
      Uint8Array.of(0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, ...MAC_A.toBytes(), 0, 0),
      packet6,
    );
    const sll2Fields = layers(LINKTYPE_LINUX_SLL2, sll2);
    assert.deepEqual(names(sll2Fields), ["sll", "ipv6", "udp"]);
    assert.equal(sll2Fields[0].interfaceIndex, 3);
    assert.deepEqual(names(layers(LINKTYPE_NULL, concat(Uint8Array.of(2, 0, 0, 0), packet4))), [
      "loopback",
      "ipv4",
      "udp",
    ]);
    assert.deepEqual(names(layers(LINKTYPE_NULL, concat(Uint8Array.of(0, 0, 0, 30), packet6))), [
      "loopback",
      "ipv6",
      "udp",
    ]);
    assert.deepEqual(names(layers(LINKTYPE_LOOP, concat(Uint8Array.of(0, 0, 0, 2), packet4))), [
      "loopback",
      "ipv4",
      "udp",
    ]);
    const unknown = layers(127, Uint8Array.of(1, 2, 3));
    assert.deepEqual(names(unknown), ["payload"]);
    assert.match(String(unknown[0].note), /link type LINKTYPE 127 is not decoded/);
    assert.match(
      String(layers(LINKTYPE_ETHERNET, ethernet(0x88b5, new Uint8Array(4)))[1].note),
      /EtherType .*0x88b5/,
    );
  });

  it("a layer that does not parse ends the frame with {layer, error, offset}", () => {
    assert.deepEqual(layers(LINKTYPE_ETHERNET, Uint8Array.of(1, 2, 3)), [
      { layer: "ethernet", error: "frame of 3 bytes is shorter than the 14-byte Ethernet header", offset: 3 },
    ]);
    const badVersion = eth4(ipv4({ protocol: IpProtocol.UDP }, new Uint8Array(8)));
    badVersion[14] = 0x55;
    const fields = layers(LINKTYPE_ETHERNET, badVersion);
    assert.deepEqual(names(fields), ["ethernet", "ipv4"]);
    assert.equal(typeof fields[1].error, "string");
    assert.equal(fields[1].offset, 14);
    const shortTcp = layers(LINKTYPE_ETHERNET, eth4(ipv4({ protocol: IpProtocol.TCP }, new Uint8Array(10))));
    assert.deepEqual(names(shortTcp), ["ethernet", "ipv4", "tcp"]);
    assert.match(String(shortTcp[2].error), /shorter than the 20-byte TCP header/);
  });

  it("every decoded layer explains itself with its OSI and TCP/IP place", () => {
    const frame = eth6(
      ipv6(
        {},
        [{ kind: "hop-by-hop", nextHeader: 0, options: padIpv6Options([]) }],
        IpProtocol.TCP,
        tcp({ flags: 0x012, payload: Uint8Array.of(0x47, 0x45, 0x54) }, pseudo6),
      ),
    );
    const decoded: DecodedFrame = decodeFrame(LINKTYPE_ETHERNET, frame);
    const descriptions = decoded.layers.flatMap((l) => l.describe());
    assert.deepEqual(
      descriptions.map((d) => [d.layer, d.osi, d.tcpip]),
      [
        ["ethernet", "2 Data link", "Link"],
        ["ipv6", "3 Network", "Internet"],
        ["ipv6-hop-by-hop", "3 Network", "Internet"],
        ["tcp", "4 Transport", "Transport"],
        ["payload", "7 Application", "Application"],
      ],
    );
    const text = renderFrameText(
      1,
      {
        interfaceIndex: 0,
        linkType: 1,
        timestampNs: 1_000_000_001n,
        originalLength: frame.length,
        data: frame,
        comments: ["hi"],
      },
      { linkType: 1, snapLength: 0, ticksPerSecond: 1_000_000_000n, section: 0, name: "h1-eth0" },
      decoded,
    );
    assert.match(
      text,
      /^Frame 1: \d+ bytes on the wire, \d+ captured, h1-eth0, link type ETHERNET, 1970-01-01 00:00:01\.000000001 UTC/,
    );
    assert.match(text, /Comment: hi/);
    assert.match(text, /Transmission Control Protocol — OSI layer 4 Transport, TCP\/IP Transport layer/);
    assert.match(text, /Source Port: 40000/);
    assert.match(text, /\|GET\|/);
  });

  it("never throws, whatever the bytes and link type", () => {
    const valid = [
      eth4(ipv4({ protocol: IpProtocol.TCP }, tcp({ options: [{ kind: "mss", value: 1 }] }, pseudo4))),
      eth6(
        ipv6(
          {},
          [{ kind: "hop-by-hop", nextHeader: 0, options: padIpv6Options([]) }],
          58,
          icmpv6(
            { kind: "echo-request", code: 0, identifier: 1, sequence: 1, data: new Uint8Array(4) },
            pseudo6,
          ),
        ),
      ),
      tagged(
        [{ tpid: EtherType.VLAN, id: 1, priority: 0 }],
        EtherType.IPv4,
        ipv4(
          { protocol: IpProtocol.ICMP },
          icmpv4({ kind: "time-exceeded", code: 0, invoking: new Uint8Array(28) }),
        ),
      ),
    ];
    const linkTypes = [
      LINKTYPE_ETHERNET,
      LINKTYPE_RAW,
      LINKTYPE_LINUX_SLL,
      LINKTYPE_LINUX_SLL2,
      LINKTYPE_NULL,
      229,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...linkTypes),
        fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(200),
        (linkType, random, base, flips, cut) => {
          const mutated = base.slice();
          for (const [at, value] of flips) mutated[at % mutated.length] = value;
          for (const [bytes, original] of [
            [random, random.length],
            [mutated, mutated.length],
            [mutated.subarray(0, cut % mutated.length), mutated.length],
          ] as const) {
            for (const lt of [linkType, LINKTYPE_ETHERNET]) {
              const decoded = decodeFrame(lt, bytes, { originalLength: original });
              JSON.stringify(frameFields(decoded));
              for (const layer of decoded.layers) layer.describe();
            }
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
