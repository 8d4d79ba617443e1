/**
 * The decoder's application layer: which protocol a transport's payload carries, chosen by port
 * number, as tcpdump and Wireshark do (RFC 6335 §5: well-known ports name the service; nothing in
 * the datagram itself says which application it is, so a guess by port is all a decoder can make).
 *
 * ```
 *   UDP 67, 68  ──▶ DHCP (RFC 2131; BOOTP, RFC 951, when there is no magic cookie)
 *   UDP 53      ──▶ DNS  (RFC 1035 §4.2.1: one message per datagram)
 *   TCP 53      ──▶ DNS  (RFC 1035 §4.2.2: each message preceded by a two-octet length)
 *   TCP 179     ──▶ BGP  (RFC 4271 §4.1: each message's header holds its length)
 * ```
 *
 * Each entry turns the payload bytes into a JSON-ready field set and a learner's description (the
 * wire format's own describeX), or a ParseError: the decoder then records `{layer, error}`.
 */

import {
  type BgpMessage,
  bgpMessageLength,
  describeBgp,
  formatAsPath,
  formatCommunity,
  parseBgpMessage,
  summarizeBgp,
} from "../wire/bgp/index.js";
import type { LayerDescription } from "../wire/describe.js";
import {
  type DhcpOption,
  type DhcpRepr,
  describeDhcp,
  dhcpClientMac,
  dhcpMessageType,
  dhcpMessageTypeName,
  dhcpOptionName,
  formatDhcpOptionValue,
  parseDhcp,
} from "../wire/dhcp.js";
import {
  type DnsQuestion,
  type DnsRecord,
  describeDns,
  dnsClassName,
  dnsOpcodeName,
  dnsRcodeName,
  dnsTypeName,
  formatDnsRdata,
  parseDns,
} from "../wire/dns.js";
import { isParseError, type ParseError } from "../wire/parse-error.js";
import type { JsonValue, LayerFields } from "./decode.js";

/** One application message, decoded. */
export interface DecodedApplication {
  fields: LayerFields;
  describe(): LayerDescription[];
}

/** An application protocol the decoder reads above a transport. */
export interface ApplicationProtocol {
  /** The layer name, e.g. `"dns"`. */
  layer: string;
  /** Over a byte stream, each message is preceded by a two-octet length (DNS over TCP, RFC 1035 §4.2.2). */
  lengthPrefixed: boolean;
  /**
   * Over a byte stream, each message carries its own length in its header (BGP, RFC 4271 §4.1):
   * the length of the message at the start of `bytes`, or -1 when its header is not all there.
   */
  messageLength?(bytes: Uint8Array): number;
  /** Decodes one whole message. Never throws. */
  decode(bytes: Uint8Array): DecodedApplication | ParseError;
}

const DHCP: ApplicationProtocol = { layer: "dhcp", lengthPrefixed: false, decode: decodeDhcp };
const DNS_OVER_UDP: ApplicationProtocol = { layer: "dns", lengthPrefixed: false, decode: decodeDns };
const DNS_OVER_TCP: ApplicationProtocol = { layer: "dns", lengthPrefixed: true, decode: decodeDns };

/** UDP ports (IANA "Service Name and Transport Protocol Port Number Registry"). */
const UDP_APPLICATIONS = new Map<number, ApplicationProtocol>([
  [67, DHCP], // bootps
  [68, DHCP], // bootpc
  [53, DNS_OVER_UDP], // domain
]);

const BGP: ApplicationProtocol = {
  layer: "bgp",
  lengthPrefixed: false,
  messageLength: (bytes) => bgpMessageLength(bytes),
  decode: decodeBgp,
};

const TCP_APPLICATIONS = new Map<number, ApplicationProtocol>([
  [53, DNS_OVER_TCP],
  [179, BGP], // bgp
]);

/**
 * The application a UDP or TCP payload carries, by its ports: the destination port first (a
 * request goes to the service's port), then the source port (the reply comes from it).
 */
export function applicationFor(
  transport: "udp" | "tcp",
  srcPort: number,
  dstPort: number,
): ApplicationProtocol | undefined {
  const table = transport === "udp" ? UDP_APPLICATIONS : TCP_APPLICATIONS;
  return table.get(dstPort) ?? table.get(srcPort);
}

// -----------------------------------------------------------------------------------------------
// DHCP

function decodeDhcp(bytes: Uint8Array): DecodedApplication | ParseError {
  const repr = parseDhcp(bytes);
  if (isParseError(repr)) return repr;
  const type = dhcpMessageType(repr);
  const fields: LayerFields = {
    layer: "dhcp",
    op: repr.op,
    htype: repr.htype,
    hlen: repr.hlen,
    hops: repr.hops,
    xid: repr.xid,
    secs: repr.secs,
    flags: repr.flags,
    // RFC 2131 §2: option 53 makes a BOOTP message a DHCP message; without it, null.
    messageType: type === undefined ? null : dhcpMessageTypeName(type),
    ciaddr: repr.ciaddr.toString(),
    yiaddr: repr.yiaddr.toString(),
    siaddr: repr.siaddr.toString(),
    giaddr: repr.giaddr.toString(),
    chaddr: chaddrText(repr),
    options: repr.options.map(dhcpOptionJson),
  };
  if (repr.vendor) fields.vendorLength = repr.vendor.length;
  return { fields, describe: () => [describeDhcp(repr, bytes)] };
}

/** The client hardware address: a MAC for Ethernet, else the first `hlen` octets in hex. */
function chaddrText(repr: DhcpRepr): string {
  const mac = dhcpClientMac(repr);
  if (mac) return mac.toString();
  const length = Math.min(repr.hlen, repr.chaddr.length);
  return Array.from(repr.chaddr.subarray(0, length), (b) => b.toString(16).padStart(2, "0")).join(":");
}

function dhcpOptionJson(option: DhcpOption): JsonValue {
  const json: { [key: string]: JsonValue } = {
    code: option.code,
    name: dhcpOptionName(option.code),
    value: formatDhcpOptionValue(option.code, option.data),
  };
  if (option.field) json.field = option.field;
  return json;
}

// -----------------------------------------------------------------------------------------------
// DNS

function decodeDns(bytes: Uint8Array): DecodedApplication | ParseError {
  const repr = parseDns(bytes);
  if (isParseError(repr)) return repr;
  const fields: LayerFields = {
    layer: "dns",
    id: repr.id,
    qr: repr.response,
    opcode: repr.opcode,
    opcodeName: dnsOpcodeName(repr.opcode),
    // The header's 4-bit RCODE (EDNS may extend it, RFC 6891 §6.1.3; the OPT record is listed).
    rcode: repr.rcode,
    rcodeName: dnsRcodeName(repr.rcode),
    authoritative: repr.authoritative,
    truncated: repr.truncated,
    recursionDesired: repr.recursionDesired,
    recursionAvailable: repr.recursionAvailable,
    authenticData: repr.authenticData,
    checkingDisabled: repr.checkingDisabled,
    questionCount: repr.questions.length,
    answerCount: repr.answers.length,
    authorityCount: repr.authorities.length,
    additionalCount: repr.additionals.length,
    questions: repr.questions.map(dnsQuestionJson),
    answers: repr.answers.map(dnsRecordJson),
    authorities: repr.authorities.map(dnsRecordJson),
    additionals: repr.additionals.map(dnsRecordJson),
  };
  return { fields, describe: () => [describeDns(repr)] };
}

function dnsQuestionJson(question: DnsQuestion): JsonValue {
  return { name: question.name, type: dnsTypeName(question.type), class: dnsClassName(question.class) };
}

function dnsRecordJson(record: DnsRecord): JsonValue {
  return {
    name: record.name,
    type: dnsTypeName(record.type),
    class: dnsClassName(record.class),
    ttl: record.ttl,
    data: formatDnsRdata(record),
  };
}

// -----------------------------------------------------------------------------------------------
// BGP

/**
 * One BGP message. AS numbers are read as 4 octets: a capture does not say what the session
 * negotiated (RFC 6793), and every current speaker announces 4-octet support (Wireshark guesses the
 * same way).
 */
function decodeBgp(bytes: Uint8Array): DecodedApplication | ParseError {
  const message = parseBgpMessage(bytes);
  if (isParseError(message)) return message;
  return { fields: bgpJson(message), describe: () => [describeBgp(message)] };
}

function bgpJson(message: BgpMessage): LayerFields {
  const fields: LayerFields = {
    layer: "bgp",
    type: message.type.toUpperCase(),
    summary: summarizeBgp(message),
  };
  switch (message.type) {
    case "open":
      fields.myAs = message.myAs;
      fields.holdTime = message.holdTime;
      fields.bgpId = message.bgpId.toString();
      fields.capabilities = message.capabilities.map((c) => c.kind);
      break;
    case "update": {
      const a = message.attributes;
      fields.withdrawn = message.withdrawn.map(String);
      fields.nlri = message.nlri.map(String);
      if (a.origin !== undefined) fields.origin = a.origin;
      if (a.asPath !== undefined) fields.asPath = formatAsPath(a.asPath);
      if (a.nextHop !== undefined) fields.nextHop = a.nextHop.toString();
      if (a.med !== undefined) fields.med = a.med;
      if (a.localPref !== undefined) fields.localPref = a.localPref;
      if (a.communities !== undefined) fields.communities = a.communities.map(formatCommunity);
      if (a.originatorId !== undefined) fields.originatorId = a.originatorId.toString();
      if (a.clusterList !== undefined) fields.clusterList = a.clusterList.map(String);
      break;
    }
    case "notification":
      fields.code = message.code;
      fields.subcode = message.subcode;
      break;
    case "route-refresh":
      fields.afi = message.afi;
      fields.safi = message.safi;
      break;
    case "keepalive":
      break;
  }
  return fields;
}
