/**
 * DHCPv4 (RFC 2131) and its options (RFC 2132), carried in the BOOTP message format (RFC 951):
 * how a host with no address learns one, and with it a netmask, a router and name servers.
 *
 * ```
 *  0               1               2               3
 *  +---------------+---------------+---------------+---------------+
 *  |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |    0
 *  +---------------+---------------+---------------+---------------+
 *  |                            xid (4)                            |    4
 *  +-------------------------------+-------------------------------+
 *  |           secs (2)            |           flags (2)           |    8
 *  +-------------------------------+-------------------------------+
 *  |   ciaddr (4): client's address, when it already has one       |   12
 *  |   yiaddr (4): "your" address, what the server gives           |   16
 *  |   siaddr (4): next server (TFTP) address                      |   20
 *  |   giaddr (4): relay agent ("gateway") address                 |   24
 *  |   chaddr (16): client hardware address                        |   28
 *  |   sname (64): server host name                                |   44
 *  |   file (128): boot file name                                  |  108
 *  +---------------------------------------------------------------+
 *  |   magic cookie 99.130.83.99, then options (variable)          |  236
 *  +---------------------------------------------------------------+
 * ```
 *
 * Options are type-length-value triples after the magic cookie (RFC 2131 §3, RFC 2132 §2): Pad (0)
 * and End (255) are a single octet, every other option is code, length, data. With the Option
 * Overload option (52) the `file` and `sname` fields carry options too (RFC 2131 §4.1), and an
 * option longer than 255 octets is split into several of the same code that the reader
 * concatenates (RFC 3396). `DhcpRepr.options` keeps every option as sent — code and raw data, in
 * order, each tagged with the field it came from — so unknown options re-emit byte for byte; the
 * typed accessors below (`dhcpOption`, `dhcpMessageType`, `dhcpAddresses`, ...) read the meaning.
 * A message without the magic cookie is plain BOOTP (RFC 951): its vendor area is kept raw.
 */
import { Ipv4Address } from "./address/ipv4.js";
import { MacAddress } from "./address/mac.js";
import { type FieldDescription, hex, type LayerDescription, OSI_APPLICATION } from "./describe.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "./network-order.js";
import { ParseError } from "./parse-error.js";

/** UDP ports (RFC 2131 §4.1): servers and relay agents listen on 67, clients on 68. */
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

/** Byte offsets of the fixed fields (RFC 2131 §2, Figure 1). */
export const DhcpField = {
  OP: 0,
  HTYPE: 1,
  HLEN: 2,
  HOPS: 3,
  XID: 4,
  SECS: 8,
  FLAGS: 10,
  CIADDR: 12,
  YIADDR: 16,
  SIADDR: 20,
  GIADDR: 24,
  CHADDR: 28,
  SNAME: 44,
  FILE: 108,
  /** Where the magic cookie sits, right after the fixed BOOTP fields. */
  COOKIE: 236,
  /** Where the options start, after the cookie. */
  OPTIONS: 240,
} as const;

export const DHCP_CHADDR_LENGTH = 16;
export const DHCP_SNAME_LENGTH = 64;
export const DHCP_FILE_LENGTH = 128;
/** The fixed BOOTP part (RFC 951), before the vendor area / cookie. */
export const DHCP_FIXED_LENGTH = 236;
/** RFC 2131 §3: the first four octets of the options field are 99, 130, 83, 99. */
export const DHCP_MAGIC_COOKIE = 0x63825363;
/**
 * BOOTP's minimum message (RFC 951: a 64-octet vendor area makes 300 octets). RFC 1542 §2.1 notes
 * that relay agents and old servers may drop anything shorter, so emitted messages are padded to it.
 */
export const BOOTP_MIN_LENGTH = 300;
/** RFC 2131 §2: every DHCP participant must accept messages of up to 576 octets of IP datagram. */
export const DHCP_MIN_MAX_MESSAGE = 576;

/** BOOTP op codes (RFC 951). */
export const BootpOp = { Request: 1, Reply: 2 } as const;

/** The BROADCAST bit of `flags` (RFC 2131 §2, Figure 2); the other 15 bits must be zero. */
export const DHCP_FLAG_BROADCAST = 0x8000;

/** Hardware type for Ethernet (IANA "Hardware Types", as ARP's). */
export const DHCP_HTYPE_ETHERNET = 1;

/** DHCP message types, the value of option 53 (RFC 2132 §9.6; 9-18 from RFC 3203, 4388, 6926, 7724). */
export const DhcpMessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
  ForceRenew: 9,
  LeaseQuery: 10,
  LeaseUnassigned: 11,
  LeaseUnknown: 12,
  LeaseActive: 13,
  BulkLeaseQuery: 14,
  LeaseQueryDone: 15,
  ActiveLeaseQuery: 16,
  LeaseQueryStatus: 17,
  Tls: 18,
} as const;

const messageTypeNames = [
  "",
  "Discover",
  "Offer",
  "Request",
  "Decline",
  "ACK",
  "NAK",
  "Release",
  "Inform",
  "Force Renew",
  "Lease Query",
  "Lease Unassigned",
  "Lease Unknown",
  "Lease Active",
  "Bulk Lease Query",
  "Lease Query Done",
  "Active Lease Query",
  "Lease Query Status",
  "TLS",
];

/** "Discover", "ACK", ... as Wireshark names them; unknown values by number. */
export function dhcpMessageTypeName(type: number): string {
  return messageTypeNames[type] || `Unknown (${type})`;
}

/** Option codes (RFC 2132 and IANA "BOOTP Vendor Extensions and DHCP Options"). */
export const DhcpOptionCode = {
  Pad: 0,
  SubnetMask: 1,
  TimeOffset: 2,
  Router: 3,
  TimeServer: 4,
  NameServer: 5,
  DomainNameServer: 6,
  LogServer: 7,
  HostName: 12,
  BootFileSize: 13,
  DomainName: 15,
  InterfaceMtu: 26,
  BroadcastAddress: 28,
  StaticRoute: 33,
  NtpServers: 42,
  VendorSpecific: 43,
  NetbiosNameServer: 44,
  RequestedIpAddress: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerIdentifier: 54,
  ParameterRequestList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  VendorClassId: 60,
  ClientId: 61,
  TftpServerName: 66,
  BootfileName: 67,
  UserClass: 77,
  ClientFqdn: 81,
  RelayAgentInformation: 82,
  DomainSearch: 119,
  ClasslessStaticRoute: 121,
  End: 255,
} as const;

/** How an option's data reads (for typed access and for explanations). */
type OptionFormat =
  | "ipv4"
  | "ipv4-list"
  | "ipv4-pairs"
  | "seconds"
  | "int32"
  | "uint16"
  | "uint8"
  | "text"
  | "message-type"
  | "codes"
  | "client-id"
  | "overload"
  | "bytes";

interface OptionInfo {
  name: string;
  format: OptionFormat;
  meaning?: string;
}

const optionInfo: ReadonlyMap<number, OptionInfo> = new Map<number, OptionInfo>([
  [1, { name: "Subnet Mask", format: "ipv4", meaning: "the netmask of the client's subnet" }],
  [2, { name: "Time Offset", format: "int32", meaning: "the subnet's offset from UTC, in seconds" }],
  [3, { name: "Router", format: "ipv4-list", meaning: "default gateways, in order of preference" }],
  [4, { name: "Time Server", format: "ipv4-list" }],
  [5, { name: "Name Server", format: "ipv4-list", meaning: "IEN 116 name servers (not DNS)" }],
  [6, { name: "Domain Name Server", format: "ipv4-list", meaning: "DNS resolvers, in order of preference" }],
  [7, { name: "Log Server", format: "ipv4-list" }],
  [12, { name: "Host Name", format: "text", meaning: "the client's name" }],
  [13, { name: "Boot File Size", format: "uint16" }],
  [15, { name: "Domain Name", format: "text", meaning: "the domain for resolving short host names" }],
  [26, { name: "Interface MTU", format: "uint16" }],
  [28, { name: "Broadcast Address", format: "ipv4" }],
  [33, { name: "Static Route", format: "ipv4-pairs" }],
  [42, { name: "NTP Servers", format: "ipv4-list" }],
  [43, { name: "Vendor-Specific Information", format: "bytes" }],
  [44, { name: "NetBIOS over TCP/IP Name Server", format: "ipv4-list" }],
  [50, { name: "Requested IP Address", format: "ipv4", meaning: "the address the client asks for" }],
  [51, { name: "IP Address Lease Time", format: "seconds", meaning: "how long the address may be used" }],
  [52, { name: "Option Overload", format: "overload", meaning: "options continue in file and/or sname" }],
  [53, { name: "DHCP Message Type", format: "message-type" }],
  [
    54,
    {
      name: "DHCP Server Identifier",
      format: "ipv4",
      meaning: "the server's address, to tell servers apart",
    },
  ],
  [55, { name: "Parameter Request List", format: "codes", meaning: "the options the client wants" }],
  [56, { name: "Message", format: "text", meaning: "an error message from server or client" }],
  [57, { name: "Maximum DHCP Message Size", format: "uint16" }],
  [
    58,
    { name: "Renewal Time Value (T1)", format: "seconds", meaning: "when to start renewing with the server" },
  ],
  [59, { name: "Rebinding Time Value (T2)", format: "seconds", meaning: "when to ask any server" }],
  [60, { name: "Vendor Class Identifier", format: "text" }],
  [
    61,
    { name: "Client Identifier", format: "client-id", meaning: "the key the server files the lease under" },
  ],
  [66, { name: "TFTP Server Name", format: "text" }],
  [67, { name: "Bootfile Name", format: "text" }],
  [77, { name: "User Class Information", format: "bytes" }],
  [81, { name: "Client Fully Qualified Domain Name", format: "bytes" }],
  [82, { name: "Relay Agent Information", format: "bytes" }],
  [119, { name: "Domain Search", format: "bytes" }],
  [121, { name: "Classless Static Route", format: "bytes" }],
]);

/** An option's name, e.g. "Router"; unknown codes by number. */
export function dhcpOptionName(code: number): string {
  if (code === DhcpOptionCode.Pad) return "Padding";
  if (code === DhcpOptionCode.End) return "End";
  return optionInfo.get(code)?.name ?? `Unknown option ${code}`;
}

/** Which part of the message an option was (or is to be) written in. */
export type DhcpOptionField = "options" | "file" | "sname";

/** One option as sent: its code and raw data (Pad and End are implied, not listed). */
export interface DhcpOption {
  code: number;
  /** 0-255 octets. */
  data: Uint8Array;
  /**
   * With Option Overload (52): the field that holds it (RFC 2131 §4.1). Omitted for the options
   * field itself.
   */
  field?: "file" | "sname";
}

/** A DHCP (or BOOTP) message as plain data. */
export interface DhcpRepr {
  /** 1 BOOTREQUEST (client or relay to server), 2 BOOTREPLY. */
  op: number;
  /** Hardware address type (1 Ethernet). */
  htype: number;
  /** Hardware address length (6 for Ethernet). */
  hlen: number;
  /** Relay agents passed (RFC 1542 §4.1.1). */
  hops: number;
  /** Transaction ID, chosen by the client, echoed by the server. */
  xid: number;
  /** Seconds since the client began acquiring or renewing. */
  secs: number;
  /** Bit 15 is BROADCAST (`DHCP_FLAG_BROADCAST`); the rest MBZ but are kept as sent. */
  flags: number;
  ciaddr: Ipv4Address;
  yiaddr: Ipv4Address;
  siaddr: Ipv4Address;
  giaddr: Ipv4Address;
  /** The 16-octet chaddr field (the first `hlen` octets are the hardware address). */
  chaddr: Uint8Array;
  /** The sname field without its trailing zero octets (empty when overloaded with options). */
  sname: Uint8Array;
  /** The file field without its trailing zero octets (empty when overloaded with options). */
  file: Uint8Array;
  /** Options in the order sent (options field, then file, then sname). */
  options: DhcpOption[];
  /** Plain BOOTP (no magic cookie): the vendor area, raw. Then `options` is empty. */
  vendor?: Uint8Array;
}

/** A zero-copy view of the fixed fields. Check untrusted bytes with {@link DhcpView.checked}. */
export class DhcpView {
  constructor(readonly bytes: Uint8Array) {}

  /** A view once the bytes hold at least the fixed BOOTP part, or why not. */
  static checked(bytes: Uint8Array): DhcpView | ParseError {
    if (bytes.length < DHCP_FIXED_LENGTH) return tooShort(bytes.length);
    return new DhcpView(bytes);
  }

  get op(): number {
    return this.bytes[DhcpField.OP];
  }
  set op(value: number) {
    this.bytes[DhcpField.OP] = value;
  }
  get htype(): number {
    return this.bytes[DhcpField.HTYPE];
  }
  set htype(value: number) {
    this.bytes[DhcpField.HTYPE] = value;
  }
  get hlen(): number {
    return this.bytes[DhcpField.HLEN];
  }
  set hlen(value: number) {
    this.bytes[DhcpField.HLEN] = value;
  }
  get hops(): number {
    return this.bytes[DhcpField.HOPS];
  }
  set hops(value: number) {
    this.bytes[DhcpField.HOPS] = value;
  }
  get xid(): number {
    return readUint32(this.bytes, DhcpField.XID);
  }
  set xid(value: number) {
    writeUint32(this.bytes, DhcpField.XID, value);
  }
  get secs(): number {
    return readUint16(this.bytes, DhcpField.SECS);
  }
  set secs(value: number) {
    writeUint16(this.bytes, DhcpField.SECS, value);
  }
  get flags(): number {
    return readUint16(this.bytes, DhcpField.FLAGS);
  }
  set flags(value: number) {
    writeUint16(this.bytes, DhcpField.FLAGS, value);
  }
  get broadcast(): boolean {
    return (this.flags & DHCP_FLAG_BROADCAST) !== 0;
  }
  /** ciaddr as a uint32. */
  get ciaddrValue(): number {
    return readUint32(this.bytes, DhcpField.CIADDR);
  }
  set ciaddrValue(value: number) {
    writeUint32(this.bytes, DhcpField.CIADDR, value);
  }
  get yiaddrValue(): number {
    return readUint32(this.bytes, DhcpField.YIADDR);
  }
  set yiaddrValue(value: number) {
    writeUint32(this.bytes, DhcpField.YIADDR, value);
  }
  get siaddrValue(): number {
    return readUint32(this.bytes, DhcpField.SIADDR);
  }
  set siaddrValue(value: number) {
    writeUint32(this.bytes, DhcpField.SIADDR, value);
  }
  /** giaddr as a uint32; a relay agent writes its own address here (RFC 1542 §4.1.1). */
  get giaddrValue(): number {
    return readUint32(this.bytes, DhcpField.GIADDR);
  }
  set giaddrValue(value: number) {
    writeUint32(this.bytes, DhcpField.GIADDR, value);
  }
  /** The chaddr field (all 16 octets, zero-copy). */
  get chaddr(): Uint8Array {
    return this.bytes.subarray(DhcpField.CHADDR, DhcpField.CHADDR + DHCP_CHADDR_LENGTH);
  }
  /** Whether the magic cookie is present (a DHCP message rather than plain BOOTP). */
  get hasMagicCookie(): boolean {
    return (
      this.bytes.length >= DhcpField.OPTIONS && readUint32(this.bytes, DhcpField.COOKIE) === DHCP_MAGIC_COOKIE
    );
  }
  /**
   * The value of option 53 found in the options field, or 0 when there is none — a quick look
   * for dispatch without parsing the message (overloaded fields are not searched).
   */
  get messageType(): number {
    if (!this.hasMagicCookie) return 0;
    let found = 0;
    walkOptions(this.bytes, DhcpField.OPTIONS, this.bytes.length, (code, at, length) => {
      if (code === DhcpOptionCode.MessageType && length === 1) found = this.bytes[at];
      return found === 0;
    });
    return found;
  }
}

function tooShort(length: number): ParseError {
  return new ParseError(
    "dhcp",
    `${length} bytes is shorter than the ${DHCP_FIXED_LENGTH}-byte BOOTP header`,
    Math.min(length, DHCP_FIXED_LENGTH),
  );
}

/**
 * Walks the options in `bytes[start, end)`, calling `visit(code, dataOffset, dataLength, optionOffset)`
 * for each option other than Pad, until End, the end of the area, or `visit` returns false. Returns
 * a ParseError when an option's length runs past the area (nothing read out of bounds), else
 * whether End was seen.
 */
function walkOptions(
  bytes: Uint8Array,
  start: number,
  end: number,
  visit: (code: number, at: number, length: number, optionAt: number) => boolean,
): ParseError | boolean {
  let offset = start;
  while (offset < end) {
    const code = bytes[offset];
    if (code === DhcpOptionCode.Pad) {
      offset++;
      continue;
    }
    if (code === DhcpOptionCode.End) return true;
    if (offset + 2 > end) {
      return new ParseError("dhcp", `option ${code} at the end of its field has no length octet`, offset);
    }
    const length = bytes[offset + 1];
    if (offset + 2 + length > end) {
      return new ParseError(
        "dhcp",
        `option ${code} (${dhcpOptionName(code)}) says ${length} octets but only ${end - offset - 2} remain`,
        offset + 1,
      );
    }
    if (!visit(code, offset + 2, length, offset)) return false;
    offset += 2 + length;
  }
  return false;
}

/**
 * Parses a DHCP or BOOTP message (the UDP payload). Options are copied out of `bytes`. Never
 * throws; a truncated option or a bad overload value is a ParseError.
 */
export function parseDhcp(bytes: Uint8Array): DhcpRepr | ParseError {
  if (bytes.length < DHCP_FIXED_LENGTH) return tooShort(bytes.length);
  const repr: DhcpRepr = {
    op: bytes[DhcpField.OP],
    htype: bytes[DhcpField.HTYPE],
    hlen: bytes[DhcpField.HLEN],
    hops: bytes[DhcpField.HOPS],
    xid: readUint32(bytes, DhcpField.XID),
    secs: readUint16(bytes, DhcpField.SECS),
    flags: readUint16(bytes, DhcpField.FLAGS),
    ciaddr: new Ipv4Address(readUint32(bytes, DhcpField.CIADDR)),
    yiaddr: new Ipv4Address(readUint32(bytes, DhcpField.YIADDR)),
    siaddr: new Ipv4Address(readUint32(bytes, DhcpField.SIADDR)),
    giaddr: new Ipv4Address(readUint32(bytes, DhcpField.GIADDR)),
    chaddr: bytes.slice(DhcpField.CHADDR, DhcpField.CHADDR + DHCP_CHADDR_LENGTH),
    sname: trimZeros(bytes.subarray(DhcpField.SNAME, DhcpField.SNAME + DHCP_SNAME_LENGTH)),
    file: trimZeros(bytes.subarray(DhcpField.FILE, DhcpField.FILE + DHCP_FILE_LENGTH)),
    options: [],
  };
  if (bytes.length < DhcpField.OPTIONS || readUint32(bytes, DhcpField.COOKIE) !== DHCP_MAGIC_COOKIE) {
    // RFC 951's 64-octet "vend" area, or whatever follows the fixed part: not DHCP options.
    repr.vendor = bytes.slice(DHCP_FIXED_LENGTH);
    return repr;
  }
  const collect =
    (field?: "file" | "sname") =>
    (code: number, at: number, length: number): boolean => {
      const option: DhcpOption = { code, data: bytes.slice(at, at + length) };
      if (field) option.field = field;
      repr.options.push(option);
      return true;
    };
  const main = walkOptions(bytes, DhcpField.OPTIONS, bytes.length, collect());
  if (main instanceof ParseError) return main;
  // RFC 2131 §4.1: with option 52 the file field (value 1 or 3) and then sname (2 or 3) hold more
  // options, each area ending with its own End option.
  const overload = repr.options.find((o) => o.code === DhcpOptionCode.Overload);
  if (overload) {
    const value = overload.data.length === 1 ? overload.data[0] : 0;
    if (value < 1 || value > 3) {
      return new ParseError(
        "dhcp",
        `option overload value must be 1, 2 or 3, found ${overload.data.join(",")}`,
      );
    }
    if (value & 1) {
      const end = DhcpField.FILE + DHCP_FILE_LENGTH;
      const result = walkOptions(bytes, DhcpField.FILE, end, collect("file"));
      if (result instanceof ParseError) return result;
      repr.file = new Uint8Array(0);
    }
    if (value & 2) {
      const end = DhcpField.SNAME + DHCP_SNAME_LENGTH;
      const result = walkOptions(bytes, DhcpField.SNAME, end, collect("sname"));
      if (result instanceof ParseError) return result;
      repr.sname = new Uint8Array(0);
    }
  }
  return repr;
}

/** Octets of an options area holding `options` plus End. */
function areaLength(options: readonly DhcpOption[], field: DhcpOptionField): number {
  let length = 1; // End
  for (const option of options) if ((option.field ?? "options") === field) length += 2 + option.data.length;
  return length;
}

/** Octets {@link emitDhcp} writes: the fixed part, cookie, options and End, padded to 300. */
export function dhcpLength(repr: DhcpRepr): number {
  const body = repr.vendor
    ? DHCP_FIXED_LENGTH + repr.vendor.length
    : DhcpField.OPTIONS + areaLength(repr.options, "options");
  return Math.max(body, BOOTP_MIN_LENGTH);
}

/**
 * Writes the message at the start of `into` and returns its length ({@link dhcpLength}). Options
 * tagged `file`/`sname` go into those fields, each followed by End (the caller includes option 52).
 * Throws a RangeError (a caller bug) when `into` is too small, an option exceeds 255 octets or does
 * not fit its field, or a field is too long.
 */
export function emitDhcp(repr: DhcpRepr, into: Uint8Array): number {
  const length = dhcpLength(repr);
  if (into.length < length)
    throw new RangeError(`DHCP message needs ${length} bytes, buffer has ${into.length}`);
  if (repr.chaddr.length > DHCP_CHADDR_LENGTH) throw new RangeError("chaddr is longer than 16 octets");
  const overflow = checkDhcpOverload(repr);
  if (overflow) throw new RangeError(overflow);
  into.fill(0, 0, length);
  into[DhcpField.OP] = repr.op;
  into[DhcpField.HTYPE] = repr.htype;
  into[DhcpField.HLEN] = repr.hlen;
  into[DhcpField.HOPS] = repr.hops;
  writeUint32(into, DhcpField.XID, repr.xid);
  writeUint16(into, DhcpField.SECS, repr.secs);
  writeUint16(into, DhcpField.FLAGS, repr.flags);
  writeUint32(into, DhcpField.CIADDR, repr.ciaddr.value);
  writeUint32(into, DhcpField.YIADDR, repr.yiaddr.value);
  writeUint32(into, DhcpField.SIADDR, repr.siaddr.value);
  writeUint32(into, DhcpField.GIADDR, repr.giaddr.value);
  into.set(repr.chaddr, DhcpField.CHADDR);
  const inFile = repr.options.some((o) => o.field === "file");
  const inSname = repr.options.some((o) => o.field === "sname");
  writeField(into, DhcpField.SNAME, DHCP_SNAME_LENGTH, repr.sname, inSname, "sname");
  writeField(into, DhcpField.FILE, DHCP_FILE_LENGTH, repr.file, inFile, "file");
  if (repr.vendor) {
    into.set(repr.vendor, DHCP_FIXED_LENGTH);
    return length;
  }
  writeUint32(into, DhcpField.COOKIE, DHCP_MAGIC_COOKIE);
  const offsets: Record<DhcpOptionField, number> = {
    options: DhcpField.OPTIONS,
    file: DhcpField.FILE,
    sname: DhcpField.SNAME,
  };
  for (const option of repr.options) {
    if (option.data.length > 255) {
      throw new RangeError(`option ${option.code} has ${option.data.length} octets; split it (RFC 3396)`);
    }
    const field = option.field ?? "options";
    const at = offsets[field];
    into[at] = option.code;
    into[at + 1] = option.data.length;
    into.set(option.data, at + 2);
    offsets[field] = at + 2 + option.data.length;
  }
  into[offsets.options] = DhcpOptionCode.End;
  if (inFile) into[offsets.file] = DhcpOptionCode.End;
  if (inSname) into[offsets.sname] = DhcpOptionCode.End;
  return length;
}

function writeField(
  into: Uint8Array,
  at: number,
  size: number,
  value: Uint8Array,
  overloaded: boolean,
  name: "sname" | "file",
): void {
  if (overloaded) {
    if (value.length > 0) throw new RangeError(`${name} holds options (overload) and text at once`);
    // Options plus End must fit in the field.
    return;
  }
  if (value.length > size) throw new RangeError(`${name} is longer than ${size} octets`);
  into.set(value, at);
}

/** Checks overloaded areas fit before emitting (emit itself would write past the field). */
export function checkDhcpOverload(repr: DhcpRepr): string | undefined {
  if (areaLength(repr.options, "file") > DHCP_FILE_LENGTH) return "options overflow the file field";
  if (areaLength(repr.options, "sname") > DHCP_SNAME_LENGTH) return "options overflow the sname field";
  return undefined;
}

/** A fresh Uint8Array holding the emitted message. */
export function encodeDhcp(repr: DhcpRepr): Uint8Array {
  const bytes = new Uint8Array(dhcpLength(repr));
  emitDhcp(repr, bytes);
  return bytes;
}

function trimZeros(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.slice(0, end);
}

// -----------------------------------------------------------------------------------------------
// Typed access to options

/**
 * The data of option `code`: the concatenation of every occurrence in order (RFC 3396 §7, "the
 * client concatenates the values of multiple instances of the same option"), or undefined.
 */
export function dhcpOption(repr: DhcpRepr, code: number): Uint8Array | undefined {
  let first: Uint8Array | undefined;
  let parts: Uint8Array[] | undefined;
  for (const option of repr.options) {
    if (option.code !== code) continue;
    if (!first) first = option.data;
    else {
      parts ??= [first];
      parts.push(option.data);
    }
  }
  if (!parts) return first;
  const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** The DHCP message type (option 53), or undefined for BOOTP or a malformed option. */
export function dhcpMessageType(repr: DhcpRepr): number | undefined {
  const data = dhcpOption(repr, DhcpOptionCode.MessageType);
  return data && data.length === 1 ? data[0] : undefined;
}

/** An option holding one IPv4 address (subnet mask, server identifier, requested address). */
export function dhcpAddress(repr: DhcpRepr, code: number): Ipv4Address | undefined {
  const data = dhcpOption(repr, code);
  return data && data.length === 4 ? Ipv4Address.fromBytes(data) : undefined;
}

/** An option holding a list of IPv4 addresses (routers, DNS servers); undefined unless a multiple of 4. */
export function dhcpAddresses(repr: DhcpRepr, code: number): Ipv4Address[] | undefined {
  const data = dhcpOption(repr, code);
  if (!data || data.length === 0 || data.length % 4 !== 0) return undefined;
  const list: Ipv4Address[] = [];
  for (let i = 0; i < data.length; i += 4) list.push(Ipv4Address.fromBytes(data, i));
  return list;
}

/** An option holding a 32-bit unsigned number (lease time, T1, T2). */
export function dhcpUint32(repr: DhcpRepr, code: number): number | undefined {
  const data = dhcpOption(repr, code);
  return data && data.length === 4 ? readUint32(data, 0) : undefined;
}

/** An option holding a 16-bit number (maximum message size, MTU). */
export function dhcpUint16(repr: DhcpRepr, code: number): number | undefined {
  const data = dhcpOption(repr, code);
  return data && data.length === 2 ? readUint16(data, 0) : undefined;
}

/** An option holding text (host name, domain name, message); NVT ASCII, read as UTF-8. */
export function dhcpText(repr: DhcpRepr, code: number): string | undefined {
  const data = dhcpOption(repr, code);
  return data ? bytesToText(data) : undefined;
}

/** The client hardware address as a MAC, when the message says Ethernet (htype 1, hlen 6). */
export function dhcpClientMac(repr: DhcpRepr): MacAddress | undefined {
  if (repr.htype !== DHCP_HTYPE_ETHERNET || repr.hlen !== 6 || repr.chaddr.length < 6) return undefined;
  return MacAddress.fromBytes(repr.chaddr, 0);
}

/** The 16-octet chaddr for a MAC address. */
export function chaddrOf(mac: MacAddress): Uint8Array {
  const chaddr = new Uint8Array(DHCP_CHADDR_LENGTH);
  const high = Math.floor(mac.value / 0x1_0000_0000);
  const low = mac.value >>> 0;
  chaddr[0] = high >>> 8;
  chaddr[1] = high & 0xff;
  writeUint32(chaddr, 2, low);
  return chaddr;
}

// Builders for option data.

/** An option with one-octet data (message type, overload). */
export function optionByte(code: number, value: number): DhcpOption {
  return { code, data: Uint8Array.of(value) };
}

/** An option with IPv4 addresses. */
export function optionAddresses(code: number, addresses: readonly Ipv4Address[]): DhcpOption {
  const data = new Uint8Array(4 * addresses.length);
  for (let i = 0; i < addresses.length; i++) addresses[i].writeTo(data, 4 * i);
  return { code, data };
}

/** An option with a 32-bit number (lease time, T1, T2). */
export function optionUint32(code: number, value: number): DhcpOption {
  const data = new Uint8Array(4);
  writeUint32(data, 0, value);
  return { code, data };
}

/** An option with a 16-bit number (maximum message size). */
export function optionUint16(code: number, value: number): DhcpOption {
  const data = new Uint8Array(2);
  writeUint16(data, 0, value);
  return { code, data };
}

/** Options carrying text, split into 255-octet pieces when longer (RFC 3396). */
export function optionText(code: number, text: string): DhcpOption[] {
  return splitLongOption(code, new TextEncoder().encode(text));
}

/** Long data as consecutive options of the same code (RFC 3396 §5). */
export function splitLongOption(code: number, data: Uint8Array): DhcpOption[] {
  if (data.length <= 255) return [{ code, data }];
  const parts: DhcpOption[] = [];
  for (let at = 0; at < data.length; at += 255) parts.push({ code, data: data.slice(at, at + 255) });
  return parts;
}

/** A client identifier of hardware type + MAC (RFC 2132 §9.14), as most clients send. */
export function clientIdOf(mac: MacAddress): DhcpOption {
  const data = new Uint8Array(7);
  data[0] = DHCP_HTYPE_ETHERNET;
  data.set(chaddrOf(mac).subarray(0, 6), 1);
  return { code: DhcpOptionCode.ClientId, data };
}

function bytesToText(bytes: Uint8Array): string {
  // Trailing NULs are common (RFC 2132 §2: "options containing NVT ASCII data SHOULD NOT include
  // a trailing NULL", but many clients send one).
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, end));
}

// -----------------------------------------------------------------------------------------------
// Explanations

function formatMac(bytes: Uint8Array, length: number): string {
  return Array.from(bytes.subarray(0, length), (b) => b.toString(16).padStart(2, "0")).join(":");
}

function formatHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function formatSeconds(value: number): string {
  if (value === 0xffffffff) return "infinity";
  const parts: string[] = [];
  let rest = value;
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return `${value} (${parts.join("")})`;
}

/** An option's value as text, per its format. */
export function formatDhcpOptionValue(code: number, data: Uint8Array): string {
  const format = optionInfo.get(code)?.format ?? "bytes";
  switch (format) {
    case "ipv4":
      if (data.length === 4) return Ipv4Address.fromBytes(data).toString();
      break;
    case "ipv4-list":
      if (data.length > 0 && data.length % 4 === 0) {
        const list: string[] = [];
        for (let i = 0; i < data.length; i += 4) list.push(Ipv4Address.fromBytes(data, i).toString());
        return list.join(", ");
      }
      break;
    case "ipv4-pairs":
      if (data.length > 0 && data.length % 8 === 0) {
        const list: string[] = [];
        for (let i = 0; i < data.length; i += 8)
          list.push(`${Ipv4Address.fromBytes(data, i)} via ${Ipv4Address.fromBytes(data, i + 4)}`);
        return list.join(", ");
      }
      break;
    case "seconds":
      if (data.length === 4) return formatSeconds(readUint32(data, 0));
      break;
    case "int32":
      if (data.length === 4) return String(readUint32(data, 0) | 0);
      break;
    case "uint16":
      if (data.length === 2) return String(readUint16(data, 0));
      break;
    case "uint8":
      if (data.length === 1) return String(data[0]);
      break;
    case "text":
      return JSON.stringify(bytesToText(data));
    case "message-type":
      if (data.length === 1) return `${dhcpMessageTypeName(data[0])} (${data[0]})`;
      break;
    case "codes":
      return Array.from(data, (c) => `${c} ${dhcpOptionName(c)}`).join(", ");
    case "client-id":
      if (data.length === 7 && data[0] === DHCP_HTYPE_ETHERNET)
        return `Ethernet ${formatMac(data.subarray(1), 6)}`;
      break;
    case "overload":
      if (data.length === 1) {
        const names = ["", "file", "sname", "file and sname"];
        return names[data[0]] ? `${data[0]} (${names[data[0]]} hold options)` : String(data[0]);
      }
      break;
    case "bytes":
      break;
  }
  return data.length === 0 ? "(empty)" : formatHex(data);
}

/** The summary line, as tshark puts it: "DHCP Discover - Transaction ID 0x3d1d". */
export function dhcpSummary(repr: DhcpRepr): string {
  const type = dhcpMessageType(repr);
  const id = `Transaction ID 0x${repr.xid.toString(16)}`;
  if (type === undefined) return `Boot ${repr.op === BootpOp.Reply ? "Reply" : "Request"} - ${id}`;
  return `DHCP ${dhcpMessageTypeName(type)} - ${id}`;
}

/**
 * Explains a message field by field. With the message's `bytes`, options carry their offsets (for
 * hex-dump labelling).
 */
export function describeDhcp(repr: DhcpRepr, bytes?: Uint8Array): LayerDescription {
  const mac = dhcpClientMac(repr);
  const fields: FieldDescription[] = [
    {
      name: "Message type (op)",
      value: `${repr.op === 1 ? "Boot Request" : repr.op === 2 ? "Boot Reply" : "Unknown"} (${repr.op})`,
      meaning: repr.op === 1 ? "from a client (or relay) to a server" : "from a server to a client",
      offset: DhcpField.OP,
      length: 1,
    },
    {
      name: "Hardware type",
      value: repr.htype === DHCP_HTYPE_ETHERNET ? "Ethernet (1)" : String(repr.htype),
      offset: DhcpField.HTYPE,
      length: 1,
    },
    { name: "Hardware address length", value: String(repr.hlen), offset: DhcpField.HLEN, length: 1 },
    {
      name: "Hops",
      value: String(repr.hops),
      meaning: "relay agents this message has passed",
      offset: DhcpField.HOPS,
      length: 1,
    },
    {
      name: "Transaction ID",
      value: hex(repr.xid, 8),
      meaning: "chosen by the client; replies carry it back so the client can match them",
      offset: DhcpField.XID,
      length: 4,
    },
    {
      name: "Seconds elapsed",
      value: String(repr.secs),
      meaning: "since the client began acquiring or renewing its lease",
      offset: DhcpField.SECS,
      length: 2,
    },
    {
      name: "Flags",
      value: hex(repr.flags, 4),
      meaning:
        repr.flags & DHCP_FLAG_BROADCAST
          ? "BROADCAST: the client cannot receive unicast before it has an address, so reply by broadcast"
          : "unicast replies are fine",
      offset: DhcpField.FLAGS,
      length: 2,
    },
    {
      name: "Client IP address (ciaddr)",
      value: repr.ciaddr.toString(),
      meaning: repr.ciaddr.isUnspecified
        ? "none yet"
        : "the address the client already has (renewing, rebinding, or INFORM)",
      offset: DhcpField.CIADDR,
      length: 4,
    },
    {
      name: "Your IP address (yiaddr)",
      value: repr.yiaddr.toString(),
      meaning: repr.yiaddr.isUnspecified ? undefined : "the address the server offers or assigns",
      offset: DhcpField.YIADDR,
      length: 4,
    },
    {
      name: "Next server IP address (siaddr)",
      value: repr.siaddr.toString(),
      meaning: repr.siaddr.isUnspecified ? undefined : "the server to boot from (TFTP)",
      offset: DhcpField.SIADDR,
      length: 4,
    },
    {
      name: "Relay agent IP address (giaddr)",
      value: repr.giaddr.toString(),
      meaning: repr.giaddr.isUnspecified
        ? "no relay: client and server share a link"
        : "the relay agent that forwarded this; the server picks the subnet from it",
      offset: DhcpField.GIADDR,
      length: 4,
    },
    {
      name: "Client hardware address",
      value: mac ? mac.toString() : formatMac(repr.chaddr, Math.min(repr.hlen, DHCP_CHADDR_LENGTH)),
      offset: DhcpField.CHADDR,
      length: DHCP_CHADDR_LENGTH,
    },
    {
      name: "Server host name",
      value: repr.sname.length ? JSON.stringify(bytesToText(repr.sname)) : "not given",
      offset: DhcpField.SNAME,
      length: DHCP_SNAME_LENGTH,
    },
    {
      name: "Boot file name",
      value: repr.file.length ? JSON.stringify(bytesToText(repr.file)) : "not given",
      offset: DhcpField.FILE,
      length: DHCP_FILE_LENGTH,
    },
  ];
  if (repr.vendor) {
    fields.push({
      name: "Vendor area",
      value: `${repr.vendor.length} octets`,
      meaning: "no magic cookie: plain BOOTP (RFC 951)",
      offset: DHCP_FIXED_LENGTH,
      length: repr.vendor.length,
    });
  } else {
    fields.push({
      name: "Magic cookie",
      value: "DHCP (99.130.83.99)",
      meaning: "options follow",
      offset: DhcpField.COOKIE,
      length: 4,
    });
    const offsets = bytes ? optionOffsets(bytes) : [];
    repr.options.forEach((option, index) => {
      const info = optionInfo.get(option.code);
      const at = offsets[index];
      fields.push({
        name: `Option (${option.code}) ${dhcpOptionName(option.code)}`,
        value: formatDhcpOptionValue(option.code, option.data),
        meaning: option.field
          ? `${info?.meaning ?? ""}${info?.meaning ? "; " : ""}in the ${option.field} field`
          : info?.meaning,
        ...(at !== undefined ? { offset: at, length: 2 + option.data.length } : {}),
      });
    });
    fields.push({ name: "Option (255) End", value: "", meaning: "the end of the options" });
  }
  const type = dhcpMessageType(repr);
  const summary = `${dhcpSummary(repr)}${mac ? `, client ${mac}` : ""}${repr.yiaddr.isUnspecified ? "" : `, your address ${repr.yiaddr}`}`;
  return {
    ...OSI_APPLICATION,
    layer: "dhcp",
    title: type === undefined ? "Bootstrap Protocol" : "Dynamic Host Configuration Protocol",
    summary,
    fields,
  };
}

/** Offsets of the options in the order `parseDhcp` lists them (for describe). */
function optionOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  const visit = (_code: number, _at: number, _length: number, optionAt: number) => {
    offsets.push(optionAt);
    return true;
  };
  if (bytes.length < DhcpField.OPTIONS) return offsets;
  walkOptions(bytes, DhcpField.OPTIONS, bytes.length, visit);
  const parsed = parseDhcp(bytes);
  if (parsed instanceof ParseError) return offsets;
  const overload = dhcpOption(parsed, DhcpOptionCode.Overload);
  const value = overload?.length === 1 ? overload[0] : 0;
  if (value & 1) walkOptions(bytes, DhcpField.FILE, DhcpField.FILE + DHCP_FILE_LENGTH, visit);
  if (value & 2) walkOptions(bytes, DhcpField.SNAME, DhcpField.SNAME + DHCP_SNAME_LENGTH, visit);
  return offsets;
}
