import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { formatLayer } from "../../src/wire/describe.js";
import {
  BOOTP_MIN_LENGTH,
  chaddrOf,
  clientIdOf,
  DHCP_FLAG_BROADCAST,
  DHCP_MAGIC_COOKIE,
  DhcpMessageType,
  type DhcpOption,
  DhcpOptionCode,
  type DhcpRepr,
  DhcpView,
  describeDhcp,
  dhcpAddress,
  dhcpAddresses,
  dhcpClientMac,
  dhcpLength,
  dhcpMessageType,
  dhcpOption,
  dhcpText,
  dhcpUint32,
  emitDhcp,
  encodeDhcp,
  optionAddresses,
  optionByte,
  optionText,
  optionUint32,
  parseDhcp,
  splitLongOption,
} from "../../src/wire/dhcp.js";
import { isParseError, ParseError } from "../../src/wire/parse-error.js";
import { plainRecord } from "../support/arbitraries.js";
import { tcpdumpCapture } from "../support/pcap-fixtures.js";
import { hasShared, needSystem } from "../support/system.js";
import { field, runTshark, tsharkAvailable, tsharkPackets } from "../support/tshark.js";
import { transportSegments } from "./l4-captures.js";

const needCorpus = (t: Parameters<typeof needSystem>[0]) =>
  needSystem(t, "tcpdump test captures (../shared/captures)", hasShared("captures/tcpdump-tests"));

/** The DHCP messages (UDP payloads on ports 67/68) of a corpus file. */
function dhcpPayloads(name: string): { frame: number; bytes: Uint8Array }[] {
  const found: { frame: number; bytes: Uint8Array }[] = [];
  for (const segment of transportSegments(tcpdumpCapture(name))) {
    if (segment.protocol !== 17 || segment.bytes.length < 8) continue;
    const src = (segment.bytes[0] << 8) | segment.bytes[1];
    const dst = (segment.bytes[2] << 8) | segment.bytes[3];
    if ((src === 67 || src === 68) && (dst === 67 || dst === 68)) {
      const length = Math.min((segment.bytes[4] << 8) | segment.bytes[5], segment.bytes.length);
      found.push({ frame: segment.frame, bytes: segment.bytes.subarray(8, Math.max(8, length)) });
    }
  }
  return found;
}

/** Emitted bytes equal the original, except that either may carry extra zero padding at the end. */
function assertSameUpToPadding(emitted: Uint8Array, original: Uint8Array, where: string): void {
  const common = Math.min(emitted.length, original.length);
  assert.deepEqual(emitted.subarray(0, common), original.subarray(0, common), where);
  const longer = emitted.length > original.length ? emitted : original;
  assert.ok(
    longer.subarray(common).every((b) => b === 0),
    `${where}: only zero padding may differ`,
  );
}

test("dhcp-rfc3004.pcap frame 1: a Discover read field by field (as tcpdump -vvv prints it)", (t) => {
  if (!needCorpus(t)) return;
  const [discover] = dhcpPayloads("dhcp-rfc3004.pcap");
  const repr = parseDhcp(discover.bytes);
  assert.ok(!isParseError(repr), String(repr));
  assert.equal(repr.op, 1);
  assert.equal(repr.htype, 1);
  assert.equal(repr.hlen, 6);
  assert.equal(repr.hops, 0);
  assert.equal(repr.xid, 0x06e32864);
  assert.equal(repr.secs, 0);
  assert.equal(repr.flags, 0);
  assert.equal(repr.ciaddr.toString(), "0.0.0.0");
  assert.equal(dhcpClientMac(repr)?.toString(), "00:0c:29:1f:74:06");
  assert.equal(dhcpMessageType(repr), DhcpMessageType.Discover);
  assert.equal(dhcpAddress(repr, DhcpOptionCode.RequestedIpAddress)?.toString(), "192.168.1.4");
  assert.deepEqual([...dhcpOption(repr, DhcpOptionCode.ParameterRequestList)!], [1, 28, 2, 3, 15, 6, 12]);
  // User Class (77, RFC 3004) is not interpreted here: kept as sent, three length-prefixed instances.
  const userClass = dhcpOption(repr, DhcpOptionCode.UserClass)!;
  assert.equal(userClass.length, 37);
  assert.equal(userClass[0], 7);
  assert.equal(new TextDecoder().decode(userClass.subarray(1, 8)), "subopt1");
  assert.deepEqual(
    repr.options.map((o) => o.code),
    [53, 50, 55, 77],
  );
  assert.equal(repr.vendor, undefined);
  // 300 octets, End then two Pads: exactly what emit writes (End, zero padding to 300).
  assert.equal(discover.bytes.length, 300);
  assert.deepEqual(encodeDhcp(repr), discover.bytes);
  assert.equal(
    describeDhcp(repr).summary,
    "DHCP Discover - Transaction ID 0x6e32864, client 00:0c:29:1f:74:06",
  );
});

test("dhcp-rfc3004.pcap frames 2-4: Offer, Request and ACK with lease, mask, router, DNS and domain", (t) => {
  if (!needCorpus(t)) return;
  const [, offer, request, ack] = dhcpPayloads("dhcp-rfc3004.pcap");
  for (const [message, type] of [
    [offer, DhcpMessageType.Offer],
    [ack, DhcpMessageType.Ack],
  ] as const) {
    const repr = parseDhcp(message.bytes);
    assert.ok(!isParseError(repr));
    assert.equal(repr.op, 2);
    assert.equal(dhcpMessageType(repr), type);
    assert.equal(repr.yiaddr.toString(), "192.168.1.4");
    assert.equal(dhcpAddress(repr, DhcpOptionCode.ServerIdentifier)?.toString(), "192.168.1.1");
    assert.equal(dhcpUint32(repr, DhcpOptionCode.LeaseTime), 86400);
    assert.equal(dhcpAddress(repr, DhcpOptionCode.SubnetMask)?.toString(), "255.255.255.0");
    assert.deepEqual(dhcpAddresses(repr, DhcpOptionCode.Router)?.map(String), ["192.168.1.1"]);
    assert.deepEqual(dhcpAddresses(repr, DhcpOptionCode.DomainNameServer)?.map(String), ["192.168.1.1"]);
    assert.equal(dhcpText(repr, DhcpOptionCode.DomainName), "Home");
    // 280 octets on the wire; we pad to BOOTP's 300.
    assert.equal(message.bytes.length, 280);
    const emitted = encodeDhcp(repr);
    assert.equal(emitted.length, BOOTP_MIN_LENGTH);
    assertSameUpToPadding(emitted, message.bytes, `frame ${message.frame}`);
  }
  const repr = parseDhcp(request.bytes);
  assert.ok(!isParseError(repr));
  assert.equal(dhcpMessageType(repr), DhcpMessageType.Request);
  assert.equal(dhcpAddress(repr, DhcpOptionCode.ServerIdentifier)?.toString(), "192.168.1.1");
  const text = formatLayer(describeDhcp(repr, request.bytes));
  assert.match(text, /Option \(53\) DHCP Message Type: Request \(3\)/);
  assert.match(text, /Option \(50\) Requested IP Address: 192\.168\.1\.4/);
  assert.match(text, /Option \(55\) Parameter Request List: 1 Subnet Mask, 28 Broadcast Address/);
});

test("every DHCP/BOOTP message in the tcpdump corpus parses or fails cleanly, and re-emits byte-exact", (t) => {
  if (!needCorpus(t)) return;
  let parsed = 0;
  let refused = 0;
  for (const name of readdirSync(tcpdumpCapture(""))) {
    if (!name.endsWith(".pcap")) continue;
    for (const message of dhcpPayloads(name)) {
      const repr = parseDhcp(message.bytes);
      const where = `${name} frame ${message.frame}`;
      if (isParseError(repr)) {
        refused++;
        assert.equal(repr.layer, "dhcp", where);
        continue;
      }
      parsed++;
      const emitted = encodeDhcp(repr);
      if (repr.vendor !== undefined) {
        // Plain BOOTP: the vendor area is raw, padded to 300 octets on emit.
        assertSameUpToPadding(emitted, message.bytes, where);
        continue;
      }
      assert.deepEqual(parseDhcp(emitted), repr, where);
      // Where the options end with End and nothing but zeros follows, the bytes are the same.
      if (endsCleanly(message.bytes)) {
        assertSameUpToPadding(emitted, message.bytes, where);
      }
    }
  }
  // Counted on the corpus: 88 messages (dhcp-*.pcap, the RFC 4388 leasequery set, DHCPv4 in
  // dhcpv4v6); none is refused — the malformed leasequery frame 43 is read as plain BOOTP, as
  // tcpdump does, and the bootp_asan fuzz files are cut by their 53-octet snap length.
  assert.ok(parsed >= 80, `parsed ${parsed}`);
  assert.equal(refused, 0);
});

/** The options end with End (after only Pads) and then zeros: no junk our emit would drop. */
function endsCleanly(bytes: Uint8Array): boolean {
  let offset = 240;
  while (offset < bytes.length) {
    const code = bytes[offset];
    if (code === 0) {
      offset++;
      continue;
    }
    if (code === 255) return bytes.subarray(offset + 1).every((b) => b === 0);
    offset += 2 + bytes[offset + 1];
  }
  return false;
}

test("tshark agrees with our reading of every DHCPv4 message in the corpus (type, xid, addresses)", async (t) => {
  if (!needCorpus(t) || !needSystem(t, "tshark", tsharkAvailable)) return;
  const files = [
    "dhcp-rfc3004.pcap",
    "dhcp-rfc5859.pcap",
    "dhcp-mud.pcap",
    "dhcp-option-33.pcap",
    "dhcp-rfc4388.pcap",
  ];
  for (const name of files) {
    const packets = await tsharkPackets(tcpdumpCapture(name), ["-Y", "dhcp"]);
    assert.ok(Array.isArray(packets), String(packets));
    const ours = new Map(dhcpPayloads(name).map((m) => [m.frame, m.bytes]));
    for (const packet of packets) {
      const frame = Number(field(packet.layers.frame, "frame.number"));
      const repr = parseDhcp(ours.get(frame)!);
      assert.ok(!isParseError(repr), `${name} ${frame}`);
      const dhcp = packet.layers.dhcp;
      const type = field(dhcp, "dhcp.option.dhcp");
      assert.equal(
        type === undefined ? undefined : Number(type),
        dhcpMessageType(repr),
        `${name} ${frame} type`,
      );
      assert.equal(Number(field(dhcp, "dhcp.id")), repr.xid, `${name} ${frame} xid`);
      assert.equal(field(dhcp, "dhcp.ip.your"), repr.yiaddr.toString());
      assert.equal(field(dhcp, "dhcp.ip.relay"), repr.giaddr.toString());
      assert.equal(field(dhcp, "dhcp.hw.mac_addr"), dhcpClientMac(repr)?.toString());
    }
  }
});

const mac = MacAddress.parse("02:00:00:00:00:0a");
const ip = (text: string) => Ipv4Address.parse(text);

function message(overrides: Partial<DhcpRepr> = {}): DhcpRepr {
  return {
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0x12345678,
    secs: 3,
    flags: DHCP_FLAG_BROADCAST,
    ciaddr: ip("0.0.0.0"),
    yiaddr: ip("0.0.0.0"),
    siaddr: ip("0.0.0.0"),
    giaddr: ip("0.0.0.0"),
    chaddr: chaddrOf(mac),
    sname: new Uint8Array(0),
    file: new Uint8Array(0),
    options: [optionByte(DhcpOptionCode.MessageType, DhcpMessageType.Discover), clientIdOf(mac)],
    ...overrides,
  };
}

test("emit writes RFC 2131 bytes: fixed fields, cookie, options, End, zero padding to 300", () => {
  const bytes = encodeDhcp(message());
  assert.equal(bytes.length, 300);
  const view = new DhcpView(bytes);
  assert.equal(view.op, 1);
  assert.equal(view.xid, 0x12345678);
  assert.equal(view.secs, 3);
  assert.equal(view.broadcast, true);
  assert.equal(view.hasMagicCookie, true);
  assert.equal(view.messageType, DhcpMessageType.Discover);
  assert.deepEqual(view.chaddr.subarray(0, 6), Uint8Array.of(2, 0, 0, 0, 0, 0x0a));
  // Cookie 63 82 53 63, then 35 01 01 (Discover), 3d 07 01 <mac> (client id), ff.
  assert.deepEqual(
    bytes.subarray(236, 252),
    Uint8Array.of(0x63, 0x82, 0x53, 0x63, 53, 1, 1, 61, 7, 1, 2, 0, 0, 0, 0, 0x0a),
  );
  assert.equal(bytes[252], 255);
  assert.ok(bytes.subarray(253).every((b) => b === 0));
  // Setters write in place.
  view.giaddrValue = ip("10.0.0.1").value;
  view.hops = 1;
  const repr = parseDhcp(bytes) as DhcpRepr;
  assert.equal(repr.giaddr.toString(), "10.0.0.1");
  assert.equal(repr.hops, 1);
});

test("option overload (52): options continue in file, then sname, each with its own End (RFC 2131 §4.1)", () => {
  const fileOptions: DhcpOption[] = [
    { ...optionText(DhcpOptionCode.HostName, "a-rather-long-client-host-name")[0], field: "file" },
    {
      ...optionAddresses(DhcpOptionCode.DomainNameServer, [ip("192.0.2.53"), ip("192.0.2.54")]),
      field: "file",
    },
  ];
  const snameOptions: DhcpOption[] = [{ ...optionUint32(DhcpOptionCode.LeaseTime, 3600), field: "sname" }];
  const repr = message({
    op: 2,
    options: [
      optionByte(DhcpOptionCode.MessageType, DhcpMessageType.Offer),
      optionByte(52, 3),
      ...fileOptions,
      ...snameOptions,
    ],
  });
  const bytes = encodeDhcp(repr);
  assert.equal(bytes[108], DhcpOptionCode.HostName, "file starts with the first overloaded option");
  assert.equal(bytes[44], DhcpOptionCode.LeaseTime, "sname holds the lease time");
  assert.equal(bytes[44 + 6], 255, "End after the sname options");
  const parsed = parseDhcp(bytes);
  assert.deepEqual(parsed, repr);
  assert.equal(dhcpUint32(parsed as DhcpRepr, DhcpOptionCode.LeaseTime), 3600);
  const described = formatLayer(describeDhcp(parsed as DhcpRepr, bytes));
  assert.match(described, /Option \(51\) IP Address Lease Time: 3600 \(1h\).*in the sname field/);
  // A bad overload value is refused; options that overflow their field are a caller error.
  bytes[bytes.indexOf(52, 240) + 2] = 4;
  assert.ok(isParseError(parseDhcp(bytes)));
  assert.throws(
    () =>
      encodeDhcp(
        message({ options: [optionByte(52, 2), { code: 12, data: new Uint8Array(80), field: "sname" }] }),
      ),
    RangeError,
  );
});

test("long options are split and concatenated (RFC 3396)", () => {
  const long = new Uint8Array(600).map((_, i) => i & 0xff);
  const parts = splitLongOption(DhcpOptionCode.VendorSpecific, long);
  assert.deepEqual(
    parts.map((p) => p.data.length),
    [255, 255, 90],
  );
  const repr = message({ options: [optionByte(53, 1), ...parts] });
  const parsed = parseDhcp(encodeDhcp(repr)) as DhcpRepr;
  assert.deepEqual(dhcpOption(parsed, DhcpOptionCode.VendorSpecific), long);
  assert.throws(() => encodeDhcp(message({ options: [{ code: 43, data: long }] })), RangeError);
});

test("plain BOOTP (no magic cookie) keeps its vendor area", () => {
  const vendor = new Uint8Array(64).fill(7);
  const repr = message({ options: [], vendor });
  const bytes = encodeDhcp(repr);
  assert.equal(bytes.length, 300);
  assert.equal(new DhcpView(bytes).hasMagicCookie, false);
  assert.equal(new DhcpView(bytes).messageType, 0);
  const parsed = parseDhcp(bytes) as DhcpRepr;
  assert.deepEqual(parsed, repr);
  assert.equal(dhcpMessageType(parsed), undefined);
  assert.match(describeDhcp(parsed).summary, /^Boot Request - Transaction ID 0x12345678/);
});

test("short and truncated messages are ParseErrors at the right offsets", () => {
  const short = parseDhcp(new Uint8Array(100));
  assert.ok(short instanceof ParseError);
  assert.equal(short.layer, "dhcp");
  const bytes = encodeDhcp(message());
  const cut = bytes.slice(0, 250); // inside the client identifier
  const error = parseDhcp(cut);
  assert.ok(error instanceof ParseError);
  assert.equal(error.offset, 244); // the length octet of option 61 (its code sits at 243)
  assert.ok(isParseError(DhcpView.checked(new Uint8Array(10))));
  assert.ok(DhcpView.checked(bytes) instanceof DhcpView);
  // A missing End is tolerated (many clients omit it when the options fill the packet).
  const noEnd = bytes.slice(0, 252);
  const parsed = parseDhcp(noEnd);
  assert.ok(!isParseError(parsed));
  assert.equal(parsed.options.length, 2);
});

// -----------------------------------------------------------------------------------------------
// Properties

const arbitraryData = (max: number) => fc.uint8Array({ maxLength: max });
const trimmed = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((bytes) => {
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    return bytes.slice(0, end);
  });
const arbitraryAddress = fc.integer({ min: 0, max: 0xffffffff }).map((v) => new Ipv4Address(v));
const arbitraryCode = fc.integer({ min: 1, max: 254 }).filter((c) => c !== DhcpOptionCode.Overload);
const arbitraryOption = plainRecord<{ code: number; data: Uint8Array }>({
  code: arbitraryCode,
  data: arbitraryData(40),
});

const arbitraryDhcpRepr: fc.Arbitrary<DhcpRepr> = fc
  .record({
    fixed: plainRecord({
      op: fc.integer({ min: 0, max: 255 }),
      htype: fc.integer({ min: 0, max: 255 }),
      hlen: fc.integer({ min: 0, max: 255 }),
      hops: fc.integer({ min: 0, max: 255 }),
      xid: fc.integer({ min: 0, max: 0xffffffff }),
      secs: fc.integer({ min: 0, max: 0xffff }),
      flags: fc.integer({ min: 0, max: 0xffff }),
      ciaddr: arbitraryAddress,
      yiaddr: arbitraryAddress,
      siaddr: arbitraryAddress,
      giaddr: arbitraryAddress,
      chaddr: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      sname: trimmed(64),
      file: trimmed(128),
    }),
    options: fc.array(arbitraryOption, { maxLength: 12 }),
    overload: fc.constantFrom(0, 1, 2, 3),
    fileOptions: fc.array(plainRecord({ code: arbitraryCode, data: arbitraryData(20) }), { maxLength: 4 }),
    snameOptions: fc.array(plainRecord({ code: arbitraryCode, data: arbitraryData(8) }), { maxLength: 5 }),
    vendor: fc.option(
      fc.uint8Array({ minLength: 64, maxLength: 100 }).filter((v) => v[0] !== 0x63),
      { nil: undefined },
    ),
  })
  .map(({ fixed, options, overload, fileOptions, snameOptions, vendor }) => {
    if (vendor) return { ...fixed, options: [], vendor };
    const repr: DhcpRepr = { ...fixed, options: [...options] };
    if (overload !== 0) {
      repr.options.push(optionByte(DhcpOptionCode.Overload, overload));
      if (overload & 1) {
        repr.file = new Uint8Array(0);
        let room = 128 - 1;
        for (const o of fileOptions) {
          if (2 + o.data.length > room) break;
          room -= 2 + o.data.length;
          repr.options.push({ ...o, field: "file" });
        }
      }
      if (overload & 2) {
        repr.sname = new Uint8Array(0);
        let room = 64 - 1;
        for (const o of snameOptions) {
          if (2 + o.data.length > room) break;
          room -= 2 + o.data.length;
          repr.options.push({ ...o, field: "sname" });
        }
      }
    }
    return repr;
  });

test("property: parse(emit(repr)) gives repr back, and the length is dhcpLength", () => {
  fc.assert(
    fc.property(arbitraryDhcpRepr, (repr) => {
      const length = dhcpLength(repr);
      const into = new Uint8Array(length + 7);
      assert.equal(emitDhcp(repr, into), length);
      assert.deepEqual(parseDhcp(into.subarray(0, length)), repr);
      if (!repr.vendor) assert.deepEqual(parseDhcp(into), repr, "trailing bytes after End are ignored");
    }),
    { numRuns: 300 },
  );
});

test("property: hostile bytes never throw; parse gives a Repr or a ParseError, and describe copes", () => {
  const cookie = Uint8Array.of(0x63, 0x82, 0x53, 0x63);
  const hostile = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    // A valid fixed part and cookie, then random option bytes (lengths that lie, overloads).
    fc.uint8Array({ minLength: 0, maxLength: 120 }).map((tail) => {
      const bytes = new Uint8Array(240 + tail.length);
      bytes.set(cookie, 236);
      bytes.set(tail, 240);
      return bytes;
    }),
    fc
      .tuple(
        arbitraryDhcpRepr,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      )
      .map(([repr, edits]) => {
        const bytes = encodeDhcp(repr);
        for (const [at, value] of edits) bytes[240 + (at % Math.max(1, bytes.length - 240))] = value;
        return bytes;
      }),
  );
  fc.assert(
    fc.property(hostile, (bytes) => {
      const result = parseDhcp(bytes);
      if (isParseError(result)) {
        assert.equal(result.layer, "dhcp");
        assert.ok(result.offset >= 0 && result.offset <= bytes.length);
        return;
      }
      describeDhcp(result, bytes);
      new DhcpView(bytes).messageType;
    }),
    { numRuns: 500 },
  );
  assert.equal(DHCP_MAGIC_COOKIE, 0x63825363);
});

test("tshark decodes what we emit without complaint (overload, long options, all message types)", async (t) => {
  if (!needSystem(t, "tshark", tsharkAvailable)) return;
  const { pcapWithUdp } = await import("./dhcp-dns-pcap.js");
  const messages: DhcpRepr[] = [];
  for (let type = 1; type <= 8; type++) {
    messages.push(
      message({
        op: type === 2 || type === 5 || type === 6 ? 2 : 1,
        xid: 0x1000 + type,
        yiaddr: ip(type === 2 || type === 5 ? "192.168.1.100" : "0.0.0.0"),
        options: [
          optionByte(DhcpOptionCode.MessageType, type),
          optionAddresses(DhcpOptionCode.ServerIdentifier, [ip("192.168.1.1")]),
          optionUint32(DhcpOptionCode.LeaseTime, 86400),
          optionAddresses(DhcpOptionCode.Router, [ip("192.168.1.1")]),
          ...optionText(DhcpOptionCode.DomainName, "lab.example"),
          ...splitLongOption(DhcpOptionCode.VendorSpecific, new Uint8Array(300).fill(1)),
        ],
      }),
    );
  }
  messages.push(
    message({
      options: [
        optionByte(DhcpOptionCode.MessageType, 3),
        optionByte(DhcpOptionCode.Overload, 1),
        { ...optionText(DhcpOptionCode.HostName, "overloaded")[0], field: "file" },
      ],
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), "tinkernet-dhcp-"));
  const file = join(dir, "dhcp.pcap");
  writeFileSync(
    file,
    pcapWithUdp(messages.map((m) => ({ srcPort: 68, dstPort: 67, payload: encodeDhcp(m) }))),
  );
  const { stdout, code } = await runTshark([
    "-r",
    file,
    "-n",
    "-T",
    "fields",
    "-e",
    "dhcp.option.dhcp",
    "-e",
    "_ws.malformed",
    "-e",
    "_ws.expert.severity",
    "-e",
    "dhcp.option.hostname",
  ]);
  assert.equal(code, 0);
  const rows = stdout
    .trim()
    .split("\n")
    .map((line) => line.split("\t"));
  assert.deepEqual(
    rows.map((r) => r[0]),
    ["1", "2", "3", "4", "5", "6", "7", "8", "3"],
  );
  for (const row of rows) assert.equal(row[1], "", `malformed: ${row.join(" | ")}`);
  assert.equal(rows[8][3], "overloaded");
});
