import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { applicationFor } from "../../src/trace/applications.js";
import { decodeFrame, frameFields, type LayerFields } from "../../src/trace/decode.js";
import { LINKTYPE_ETHERNET } from "../../src/trace/linktype.js";
import { renderFrameText } from "../../src/trace/render.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import {
  BootpOp,
  chaddrOf,
  DhcpMessageType,
  DhcpOptionCode,
  type DhcpRepr,
  encodeDhcp,
  optionAddresses,
  optionByte,
  optionUint32,
} from "../../src/wire/dhcp.js";
import { DnsClass, type DnsRepr, DnsType, dnsQuery, encodeDns } from "../../src/wire/dns.js";
import { IpProtocol } from "../../src/wire/ipv4.js";
import { concat, eth4, IP_A, IP_B, ipv4, tcp, udp } from "./frame-builder.js";

const pseudo4 = { src: IP_A, dst: IP_B };
const CLIENT_MAC = MacAddress.parse("02:00:00:00:00:42");

function layers(frame: Uint8Array, originalLength?: number): LayerFields[] {
  return frameFields(decodeFrame(LINKTYPE_ETHERNET, frame, { originalLength }));
}

function udpFrame(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  return eth4(ipv4({ protocol: IpProtocol.UDP }, udp({ srcPort, dstPort, payload }, pseudo4)));
}

function tcpFrame(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  return eth4(ipv4({ protocol: IpProtocol.TCP }, tcp({ srcPort, dstPort, flags: 0x18, payload }, pseudo4)));
}

/** A DHCPACK from a server through a relay, as RFC 2131 §4.3.1 builds it. */
function dhcpAck(): DhcpRepr {
  return {
    op: BootpOp.Reply,
    htype: 1,
    hlen: 6,
    hops: 1,
    xid: 0x3d1d0001,
    secs: 3,
    flags: 0x8000,
    ciaddr: Ipv4Address.parse("0.0.0.0"),
    yiaddr: Ipv4Address.parse("10.0.1.50"),
    siaddr: Ipv4Address.parse("10.0.0.1"),
    giaddr: Ipv4Address.parse("10.0.1.1"),
    chaddr: chaddrOf(CLIENT_MAC),
    sname: new Uint8Array(0),
    file: new Uint8Array(0),
    options: [
      optionByte(DhcpOptionCode.MessageType, DhcpMessageType.Ack),
      optionAddresses(DhcpOptionCode.ServerIdentifier, [Ipv4Address.parse("10.0.0.1")]),
      optionUint32(DhcpOptionCode.LeaseTime, 3600),
      optionAddresses(DhcpOptionCode.Router, [Ipv4Address.parse("10.0.1.1")]),
    ],
  };
}

/** A response for www.example.com: two A records. */
function dnsResponse(): DnsRepr {
  const query = dnsQuery(0xbeef, "www.example.com", DnsType.A);
  const record = (address: string) => ({
    name: "www.example.com",
    type: DnsType.A,
    class: DnsClass.IN,
    ttl: 300,
    data: { kind: "a" as const, address: Ipv4Address.parse(address) },
  });
  return {
    ...query,
    response: true,
    recursionAvailable: true,
    answers: [record("192.0.2.10"), record("192.0.2.11")],
  };
}

describe("application layer: the port registry", () => {
  it("names DHCP on UDP 67 and 68, DNS on UDP and TCP 53 (length-prefixed over TCP), nothing else", () => {
    assert.equal(applicationFor("udp", 68, 67)?.layer, "dhcp");
    assert.equal(applicationFor("udp", 67, 68)?.layer, "dhcp");
    assert.equal(applicationFor("udp", 40000, 53)?.layer, "dns");
    assert.equal(applicationFor("udp", 53, 40000)?.layer, "dns");
    assert.equal(applicationFor("udp", 53, 40000)?.lengthPrefixed, false);
    assert.equal(applicationFor("tcp", 40000, 53)?.lengthPrefixed, true);
    assert.equal(applicationFor("tcp", 40000, 67), undefined);
    assert.equal(applicationFor("udp", 40000, 8053), undefined);
  });
});

describe("application layer: DHCP", () => {
  it("a DHCPACK over UDP 67 → 68 becomes a dhcp layer with its fields and options", () => {
    const fields = layers(udpFrame(67, 68, encodeDhcp(dhcpAck())));
    assert.deepEqual(
      fields.map((l) => l.layer),
      ["ethernet", "ipv4", "udp", "dhcp"],
    );
    const dhcp = fields[3];
    assert.equal(dhcp.op, 2);
    assert.equal(dhcp.xid, 0x3d1d0001);
    assert.equal(dhcp.messageType, "ACK");
    assert.equal(dhcp.hops, 1);
    assert.equal(dhcp.flags, 0x8000);
    assert.equal(dhcp.ciaddr, "0.0.0.0");
    assert.equal(dhcp.yiaddr, "10.0.1.50");
    assert.equal(dhcp.siaddr, "10.0.0.1");
    assert.equal(dhcp.giaddr, "10.0.1.1");
    assert.equal(dhcp.chaddr, "02:00:00:00:00:42");
    assert.deepEqual(dhcp.options, [
      { code: 53, name: "DHCP Message Type", value: "ACK (5)" },
      { code: 54, name: "DHCP Server Identifier", value: "10.0.0.1" },
      { code: 51, name: "IP Address Lease Time", value: (dhcp.options as { value: string }[])[2].value },
      { code: 3, name: "Router", value: "10.0.1.1" },
    ]);
    assert.match((dhcp.options as { value: string }[])[2].value, /3600/);
  });

  it("plain BOOTP (no magic cookie) has no message type", () => {
    const bytes = encodeDhcp({ ...dhcpAck(), options: [], vendor: new Uint8Array(64) });
    const dhcp = layers(udpFrame(67, 68, bytes))[3];
    assert.equal(dhcp.layer, "dhcp");
    assert.equal(dhcp.messageType, null);
    assert.deepEqual(dhcp.options, []);
    assert.equal(dhcp.vendorLength, 64);
  });

  it("a message too short for BOOTP's fixed part becomes {layer: dhcp, error}", () => {
    const fields = layers(udpFrame(68, 67, new Uint8Array(100)));
    const last = fields[fields.length - 1];
    assert.equal(last.layer, "dhcp");
    assert.equal(typeof last.error, "string");
    assert.equal(last.offset, 14 + 20 + 8 + 100);
  });

  it("the text view shows DHCP in OSI layer 7, the TCP/IP application layer", () => {
    const frame = udpFrame(67, 68, encodeDhcp(dhcpAck()));
    const text = renderText(frame);
    assert.match(
      text,
      /Dynamic Host Configuration Protocol — OSI layer 7 Application, TCP\/IP Application layer/,
    );
    assert.match(text, /DHCP ACK - Transaction ID 0x3d1d0001/);
  });
});

describe("application layer: DNS", () => {
  it("a query and a response over UDP 53 become dns layers with questions, answers and counts", () => {
    const query = layers(udpFrame(40000, 53, encodeDns(dnsQuery(0xbeef, "www.example.com", DnsType.AAAA))));
    const q = query[3];
    assert.equal(q.layer, "dns");
    assert.equal(q.id, 0xbeef);
    assert.equal(q.qr, false);
    assert.equal(q.opcode, 0);
    assert.equal(q.recursionDesired, true);
    assert.deepEqual(q.questions, [{ name: "www.example.com", type: "AAAA", class: "IN" }]);
    assert.equal(q.questionCount, 1);
    assert.equal(q.answerCount, 0);

    const response = layers(udpFrame(53, 40000, encodeDns(dnsResponse())))[3];
    assert.equal(response.qr, true);
    assert.equal(response.rcode, 0);
    assert.equal(response.rcodeName, "NOERROR");
    assert.equal(response.answerCount, 2);
    assert.deepEqual(response.answers, [
      { name: "www.example.com", type: "A", class: "IN", ttl: 300, data: "192.0.2.10" },
      { name: "www.example.com", type: "A", class: "IN", ttl: 300, data: "192.0.2.11" },
    ]);
  });

  it("an NXDOMAIN response carries its rcode", () => {
    const nx = { ...dnsQuery(7, "nope.example", DnsType.A), response: true, rcode: 3 };
    const dns = layers(udpFrame(53, 40000, encodeDns(nx)))[3];
    assert.equal(dns.rcode, 3);
    assert.equal(dns.rcodeName, "NXDOMAIN");
  });

  it("over TCP, each length-prefixed message in the segment is a dns layer (RFC 1035 §4.2.2)", () => {
    const first = encodeDns(dnsQuery(1, "a.example", DnsType.A));
    const second = encodeDns(dnsQuery(2, "b.example", DnsType.MX));
    const prefixed = (m: Uint8Array) => concat(new Uint8Array([m.length >> 8, m.length & 0xff]), m);
    const frame = tcpFrame(40000, 53, concat(prefixed(first), prefixed(second)));
    const decoded = decodeFrame(LINKTYPE_ETHERNET, frame);
    const fields = frameFields(decoded);
    assert.deepEqual(
      fields.map((l) => l.layer),
      ["ethernet", "ipv4", "tcp", "dns", "dns"],
    );
    assert.equal(fields[3].id, 1);
    assert.equal(fields[3].length, first.length);
    assert.equal(fields[4].id, 2);
    assert.deepEqual(fields[4].questions, [{ name: "b.example", type: "MX", class: "IN" }]);
    // The layer starts at the length prefix, which its description labels at offset 0.
    const tcpEnd = 14 + 20 + 20;
    assert.equal(decoded.layers[3].offset, tcpEnd);
    assert.equal(decoded.layers[4].offset, tcpEnd + 2 + first.length);
    const description = decoded.layers[3].describe()[0];
    assert.deepEqual(
      description.fields.slice(0, 2).map((f) => [f.name, f.offset]),
      [
        ["Length", 0],
        ["Transaction ID", 2],
      ],
    );
  });

  it("over TCP, part of a message (no stream reassembly) stays payload, with a note", () => {
    const message = encodeDns(dnsResponse());
    const prefixed = concat(new Uint8Array([message.length >> 8, message.length & 0xff]), message);
    const fields = layers(tcpFrame(53, 40000, prefixed.subarray(0, 20)));
    const last = fields[fields.length - 1];
    assert.equal(last.layer, "payload");
    assert.match(String(last.note), /not a whole DNS message/);
  });

  it("a DNS message that does not parse becomes {layer: dns, error}", () => {
    // A header announcing one question, and no question.
    const bad = new Uint8Array([0, 1, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    const fields = layers(udpFrame(40000, 53, bad));
    const last = fields[fields.length - 1];
    assert.equal(last.layer, "dns");
    assert.equal(typeof last.error, "string");
  });

  it("a datagram cut by the snap length stays payload (no half-decoded message)", () => {
    const frame = udpFrame(53, 40000, encodeDns(dnsResponse()));
    const cut = frame.subarray(0, frame.length - 10);
    const fields = layers(cut, frame.length);
    assert.ok(!fields.some((l) => l.layer === "dns"));
  });

  it("the text view shows DNS in OSI layer 7 with tshark's summary", () => {
    const text = renderText(udpFrame(53, 40000, encodeDns(dnsResponse())));
    assert.match(text, /Domain Name System — OSI layer 7 Application, TCP\/IP Application layer/);
    assert.match(text, /Standard query response 0xbeef A www\.example\.com A 192\.0\.2\.10 A 192\.0\.2\.11/);
  });

  it("never throws on any bytes at the DHCP and DNS ports, and describes what it decodes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom<[number, number, "udp" | "tcp"]>(
          [68, 67, "udp"],
          [40000, 53, "udp"],
          [40000, 53, "tcp"],
        ),
        (payload, [src, dst, transport]) => {
          const frame = transport === "udp" ? udpFrame(src, dst, payload) : tcpFrame(src, dst, payload);
          const decoded = decodeFrame(LINKTYPE_ETHERNET, frame);
          JSON.stringify(frameFields(decoded));
          for (const layer of decoded.layers) layer.describe();
        },
      ),
      { numRuns: 300 },
    );
  });
});

function renderText(frame: Uint8Array): string {
  return renderFrameText(
    1,
    {
      interfaceIndex: 0,
      linkType: 1,
      timestampNs: 0n,
      originalLength: frame.length,
      data: frame,
      comments: [],
    },
    undefined,
    decodeFrame(LINKTYPE_ETHERNET, frame),
  );
}
