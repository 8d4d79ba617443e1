/**
 * The frame decoder: from a link type and a frame's bytes to its layers, outermost first, the way
 * a textbook peels an onion: the link header says which network protocol follows, the network
 * header which transport protocol, and the transport header's ports which application.
 *
 * Each layer comes out twice: as plain JSON-ready fields (`{layer: "ipv4", src: "10.0.0.1", ...}`,
 * for `tinkernet decode --json`, tests and tools) and as a learner-facing description built on
 * demand from the wire format's own `describeX` (for the text view, the shell and the web lab).
 *
 * The decoder never throws. A layer that does not parse becomes `{layer, error}` and decoding of
 * that frame stops there. Checksums are verified only where the whole datagram is present: a
 * frame cut by the snap length, or a fragment, leaves `checksumValid: null`.
 */
import type { Ipv6Address } from "../wire/address/ipv6.js";
import { ARP_PACKET_LENGTH, arpOperationName, describeArp, isGratuitous, parseArp } from "../wire/arp.js";
import type { PseudoHeader } from "../wire/checksum.js";
import { type FieldDescription, hex, type LayerDescription } from "../wire/describe.js";
import { describeEthernet, ETHERNET_MTU, EtherType, etherTypeName, parseEthernet } from "../wire/ethernet.js";
import {
  describeIcmpv4,
  Icmpv4View,
  icmpv4Code,
  icmpv4CodeName,
  icmpv4Type,
  icmpv4TypeName,
  parseIcmpv4,
  parseQuotedIpv4,
  UnreachableCode,
} from "../wire/icmpv4.js";
import {
  describeIcmpv6,
  ICMPV6_NEXT_HEADER,
  icmpv6CodeName,
  icmpv6Type,
  icmpv6TypeName,
  isIcmpv6Error,
  parseIcmpv6,
  verifyIcmpv6Checksum,
} from "../wire/icmpv6.js";
import {
  describeIpv4,
  IPV4_MIN_HEADER_LENGTH,
  IpProtocol,
  type Ipv4Repr,
  Ipv4View,
  ipProtocolName,
  parseIpv4,
} from "../wire/ipv4.js";
import { decodeIpv4Option, type Ipv4Option, ipv4OptionName, parseIpv4Options } from "../wire/ipv4-options.js";
import { describeIpv6, IPV6_HEADER_LENGTH, type Ipv6Repr, Ipv6View, parseIpv6 } from "../wire/ipv6.js";
import {
  describeIpv6ExtensionHeader,
  type Ipv6ExtensionHeader,
  Ipv6NextHeader,
  type Ipv6Option,
  ipv6ExtensionHeaderLength,
  ipv6ExtensionHeaderProtocol,
  parseSegmentRoutingHeader,
  routingHeaderAddresses,
  walkIpv6Extensions,
} from "../wire/ipv6-extensions.js";
import type { NdpOption } from "../wire/ndp.js";
import { isParseError, type ParseError } from "../wire/parse-error.js";
import { describeTcp, parseTcp, type TcpOption, TcpView, tcpFlagsToString } from "../wire/tcp.js";
import { describeUdp, parseUdp, UDP_HEADER_LENGTH, UdpView } from "../wire/udp.js";
import { describeVlan, isVlanTpid, parseVlan } from "../wire/vlan.js";
import { type ApplicationProtocol, applicationFor } from "./applications.js";
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  linkTypeName,
} from "./linktype.js";
import { describeLinuxSll, packetTypeName, parseLinuxSll, sllAddressText } from "./linux-sll.js";
import { describeLoopback, parseLoopback } from "./loopback.js";
import { describePayload } from "./payload.js";

/** A JSON value, for the fields of a decoded layer. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One layer as plain data: its name and camelCase fields, or an `error` when it did not parse. */
export interface LayerFields {
  layer: string;
  [field: string]: JsonValue;
}

/** One decoded layer. */
export interface DecodedLayer {
  fields: LayerFields;
  /** Byte offset of the layer within the frame. */
  offset: number;
  /** The learner's view: one description (or several, e.g. IPv6 and each extension header). */
  describe(): LayerDescription[];
}

/** A whole frame, decoded. */
export interface DecodedFrame {
  layers: DecodedLayer[];
  /** The capture cut the frame (captured fewer bytes than were on the wire). */
  truncated: boolean;
}

/** What the capture knows beyond the bytes. */
export interface DecodeOptions {
  /** Length on the wire; more than `data.length` when the snap length cut the frame. */
  originalLength?: number;
  /** Bytes of Ethernet frame check sequence at the end of each frame (pcap F bit, pcapng if_fcslen). */
  fcsLength?: number;
}

/** The plain fields of every layer, e.g. for `JSON.stringify`. */
export function frameFields(frame: DecodedFrame): LayerFields[] {
  return frame.layers.map((l) => l.fields);
}

/**
 * Decodes one frame. `linkType` is the capture's LINKTYPE_ value; unknown link types give a single
 * payload layer that says so.
 */
export function decodeFrame(linkType: number, data: Uint8Array, options: DecodeOptions = {}): DecodedFrame {
  const decoder = new FrameDecoder(data, options);
  decoder.link(linkType, data);
  return { layers: decoder.layers, truncated: decoder.truncated };
}

/** Walks one frame; each method decodes a layer and hands the rest to the next. */
class FrameDecoder {
  readonly layers: DecodedLayer[] = [];
  readonly truncated: boolean;

  constructor(
    private readonly frame: Uint8Array,
    private readonly options: DecodeOptions,
  ) {
    this.truncated = (options.originalLength ?? frame.length) > frame.length;
  }

  /** The byte offset of `bytes` (a subarray of the frame) within the frame. */
  private at(bytes: Uint8Array): number {
    return bytes.byteOffset - this.frame.byteOffset;
  }

  private push(fields: LayerFields, bytes: Uint8Array, describe: () => LayerDescription[]): LayerFields {
    this.layers.push({ fields, offset: this.at(bytes), describe });
    return fields;
  }

  /** Records a layer that did not parse; decoding of the frame ends here. */
  private fail(layer: string, bytes: Uint8Array, error: ParseError): void {
    const fields: LayerFields = { layer, error: error.reason, offset: this.at(bytes) + error.offset };
    if (this.truncated) fields.truncated = true;
    this.layers.push({ fields, offset: this.at(bytes), describe: () => [] });
  }

  /** Whatever is left: application data, or a protocol we do not decode. */
  payload(bytes: Uint8Array, note?: string): void {
    const fields: LayerFields = { layer: "payload", length: bytes.length };
    if (note) fields.note = note;
    if (this.truncated) fields.truncated = true;
    this.push(fields, bytes, () => [describePayload(bytes, note)]);
  }

  link(linkType: number, data: Uint8Array): void {
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        this.ethernet(data);
        return;
      case LINKTYPE_RAW:
        this.rawIp(data);
        return;
      case LINKTYPE_IPV4:
        this.network(EtherType.IPv4, data);
        return;
      case LINKTYPE_IPV6:
        this.network(EtherType.IPv6, data);
        return;
      case LINKTYPE_LINUX_SLL:
      case LINKTYPE_LINUX_SLL2:
        this.linuxSll(data, linkType === LINKTYPE_LINUX_SLL ? 1 : 2);
        return;
      case LINKTYPE_NULL:
      case LINKTYPE_LOOP:
        this.loopback(data, linkType === LINKTYPE_LOOP);
        return;
      default:
        this.payload(data, `link type ${linkTypeName(linkType)} is not decoded`);
    }
  }

  private ethernet(data: Uint8Array): void {
    // The frame check sequence, when captured, is not part of the frame's content.
    const fcs = this.options.fcsLength ?? 0;
    const bytes =
      fcs > 0 && !this.truncated && data.length >= fcs ? data.subarray(0, data.length - fcs) : data;
    const repr = parseEthernet(bytes);
    if (isParseError(repr)) {
      this.fail("ethernet", bytes, repr);
      return;
    }
    this.push(
      { layer: "ethernet", src: repr.src.toString(), dst: repr.dst.toString(), ethertype: repr.ethertype },
      bytes,
      () => [describeEthernet(repr)],
    );
    this.network(repr.ethertype, repr.payload);
  }

  private rawIp(data: Uint8Array): void {
    // LINKTYPE_RAW: the version nibble says which IP this is.
    const version = data.length > 0 ? data[0] >>> 4 : -1;
    if (version === 4) {
      this.network(EtherType.IPv4, data);
      return;
    }
    if (version === 6) {
      this.network(EtherType.IPv6, data);
      return;
    }
    this.payload(data, version < 0 ? "empty raw IP frame" : `raw IP frame with IP version ${version}`);
  }

  private linuxSll(data: Uint8Array, version: 1 | 2): void {
    const repr = parseLinuxSll(data, version);
    if (isParseError(repr)) {
      this.fail("sll", data, repr);
      return;
    }
    const fields: LayerFields = {
      layer: "sll",
      packetType: repr.packetType,
      direction: packetTypeName(repr.packetType),
      hardwareType: repr.hardwareType,
      src: sllAddressText(repr.address),
      protocol: repr.protocol,
    };
    if (repr.interfaceIndex !== undefined) fields.interfaceIndex = repr.interfaceIndex;
    this.push(fields, data, () => [describeLinuxSll(repr)]);
    this.network(repr.protocol, repr.payload);
  }

  private loopback(data: Uint8Array, bigEndianOnly: boolean): void {
    const repr = parseLoopback(data, bigEndianOnly);
    if (isParseError(repr)) {
      this.fail("loopback", data, repr);
      return;
    }
    this.push({ layer: "loopback", family: repr.family }, data, () => [describeLoopback(repr)]);
    if (repr.network === "ipv4") {
      this.network(EtherType.IPv4, repr.payload);
      return;
    }
    if (repr.network === "ipv6") {
      this.network(EtherType.IPv6, repr.payload);
      return;
    }
    this.payload(repr.payload, `address family ${repr.family} is not decoded`);
  }

  /** Dispatches on an EtherType: VLAN tags, ARP, or the network layer. */
  private network(ethertype: number, bytes: Uint8Array): void {
    if (isVlanTpid(ethertype)) {
      this.vlan(ethertype, bytes);
      return;
    }
    switch (ethertype) {
      case EtherType.ARP:
        this.arp(bytes);
        return;
      case EtherType.IPv4:
        this.ipv4(bytes, 0);
        return;
      case EtherType.IPv6:
        this.ipv6(bytes, 0);
        return;
    }
    this.payload(
      bytes,
      ethertype <= ETHERNET_MTU
        ? `IEEE 802.3 frame (length ${ethertype}): an 802.2 LLC payload, not decoded`
        : `EtherType ${etherTypeName(ethertype)} (${hex(ethertype, 4)}) is not decoded`,
    );
  }

  /** IEEE 802.1Q/802.1ad tags, as many as are stacked (each one consumes 4 bytes, so this ends). */
  private vlan(tpid: number, bytes: Uint8Array): void {
    while (isVlanTpid(tpid)) {
      const repr = parseVlan(bytes);
      if (isParseError(repr)) {
        this.fail("vlan", bytes, repr);
        return;
      }
      const announcedBy = tpid;
      this.push(
        {
          layer: "vlan",
          tpid,
          priority: repr.priority,
          dropEligible: repr.dropEligible,
          id: repr.id,
          ethertype: repr.ethertype,
        },
        bytes,
        () => [describeVlan(repr, announcedBy)],
      );
      tpid = repr.ethertype;
      bytes = repr.payload;
    }
    this.network(tpid, bytes);
  }

  /** Notes link-layer padding after a packet that ends before its frame does (IEEE 802.3 minimum size). */
  private notePadding(bytes: Uint8Array, used: number, depth: number): void {
    const link = this.layers[0]?.fields;
    if (depth === 0 && link?.layer === "ethernet" && bytes.length > used) link.padding = bytes.length - used;
  }

  private arp(bytes: Uint8Array): void {
    const repr = parseArp(bytes);
    if (isParseError(repr)) {
      this.fail("arp", bytes, repr);
      return;
    }
    this.push(
      {
        layer: "arp",
        operation: repr.operation,
        operationName: arpOperationName(repr.operation),
        senderMac: repr.senderMac.toString(),
        senderIp: repr.senderIp.toString(),
        targetMac: repr.targetMac.toString(),
        targetIp: repr.targetIp.toString(),
        gratuitous: isGratuitous(repr),
      },
      bytes,
      () => [describeArp(repr)],
    );
    this.notePadding(bytes, ARP_PACKET_LENGTH, 0);
  }

  private ipv4(bytes: Uint8Array, depth: number): void {
    let repr = parseIpv4(bytes);
    // A frame cut by the snap length still has a whole header worth showing.
    let cut = false;
    if (isParseError(repr) && this.truncated) {
      const partial = ipv4FromCutPacket(bytes);
      if (partial) {
        repr = partial;
        cut = true;
      }
    }
    if (isParseError(repr)) {
      this.fail("ipv4", bytes, repr);
      return;
    }
    const header = repr;
    const view = new Ipv4View(bytes);
    const headerLength = view.headerLength;
    const fields: LayerFields = {
      layer: "ipv4",
      src: header.src.toString(),
      dst: header.dst.toString(),
      ttl: header.ttl,
      id: header.identification,
      protocol: header.protocol,
      protocolName: ipProtocolName(header.protocol),
      headerLength,
      totalLength: view.totalLength,
      dscp: header.dscp,
      ecn: header.ecn,
      reservedFlag: header.reservedFlag,
      dontFragment: header.dontFragment,
      moreFragments: header.moreFragments,
      fragmentOffset: header.fragmentOffset,
      checksum: view.checksum,
      checksumValid: view.verifyChecksum(),
      options: header.options.map(ipv4OptionJson),
    };
    if (cut) fields.truncated = true;
    this.push(fields, bytes, () => [describeIpv4(header, bytes)]);
    this.notePadding(bytes, view.totalLength, depth);
    // RFC 791 §3.2: only the first fragment (offset 0) starts with the transport header.
    if (header.fragmentOffset > 0) {
      this.payload(
        header.payload,
        `fragment at offset ${header.fragmentOffset} of datagram ${header.identification}`,
      );
      return;
    }
    this.transport(header.protocol, header.payload, {
      version: 4,
      pseudo: { src: header.src, dst: header.dst },
      complete: !cut && !header.moreFragments,
      declaredLength: view.totalLength - headerLength,
      depth,
    });
  }

  private ipv6(bytes: Uint8Array, depth: number): void {
    let repr = parseIpv6(bytes);
    let cut = false;
    if (isParseError(repr) && this.truncated) {
      const partial = ipv6FromCutPacket(bytes);
      if (partial) {
        repr = partial;
        cut = true;
      }
    }
    if (isParseError(repr)) {
      this.fail("ipv6", bytes, repr);
      return;
    }
    const header = repr;
    const view = new Ipv6View(bytes);
    const fields: LayerFields = {
      layer: "ipv6",
      src: header.src.toString(),
      dst: header.dst.toString(),
      hopLimit: header.hopLimit,
      nextHeader: header.nextHeader,
      payloadLength: view.payloadLength,
      dscp: header.dscp,
      ecn: header.ecn,
      flowLabel: header.flowLabel,
    };
    if (cut) fields.truncated = true;
    const chain = walkIpv6Extensions(header.nextHeader, header.payload);
    if (isParseError(chain)) {
      this.push(fields, bytes, () => [describeIpv6(header, bytes)]);
      this.fail("ipv6", header.payload, chain);
      return;
    }
    fields.extensions = chain.headers.map(ipv6ExtensionJson);
    fields.upperLayerProtocol = chain.upperLayerProtocol;
    this.push(fields, bytes, () => {
      const descriptions = [describeIpv6(header, bytes)];
      let offset = 0;
      for (const extension of chain.headers) {
        const length = ipv6ExtensionHeaderLength(extension);
        descriptions.push(
          describeIpv6ExtensionHeader(extension, header.payload.subarray(offset, offset + length)),
        );
        offset += length;
      }
      return descriptions;
    });
    this.notePadding(bytes, IPV6_HEADER_LENGTH + view.payloadLength, depth);
    const upper = header.payload.subarray(chain.upperLayerOffset);
    // RFC 8200 §4.5: after the Fragment header of a non-first fragment comes the middle of the
    // original payload, not a header.
    if (chain.fragment && chain.fragment.fragmentOffset !== 0) {
      this.payload(
        upper,
        `fragment at offset ${chain.fragment.offsetBytes} of packet ${chain.fragment.identification}`,
      );
      return;
    }
    if (chain.upperLayerProtocol === Ipv6NextHeader.NoNextHeader) {
      // RFC 8200 §4.7: nothing follows; any bytes that do are to be ignored.
      if (upper.length > 0) this.payload(upper, "after No Next Header: ignored");
      return;
    }
    this.transport(chain.upperLayerProtocol, upper, {
      version: 6,
      pseudo: { src: header.src, dst: finalDestination(header.dst, chain.headers) },
      // An atomic fragment (offset 0, M clear) is a whole packet (RFC 6946 §4).
      complete: !cut && !chain.fragment?.moreFragments,
      declaredLength: view.payloadLength - chain.upperLayerOffset,
      depth,
    });
  }

  /** Dispatches on the IP protocol number (IPv4 Protocol, IPv6 upper-layer Next Header). */
  private transport(protocol: number, bytes: Uint8Array, context: TransportContext): void {
    switch (protocol) {
      case IpProtocol.TCP:
        this.tcp(bytes, context);
        return;
      case IpProtocol.UDP:
        this.udp(bytes, context);
        return;
      case IpProtocol.ICMP:
        if (context.version === 4) {
          this.icmpv4(bytes, context);
          return;
        }
        break;
      case ICMPV6_NEXT_HEADER:
        if (context.version === 6) {
          this.icmpv6(bytes, context);
          return;
        }
        break;
      case IpProtocol.IPinIP:
      case IPV6_IN_IP:
        // Tunnels (RFC 2003 IPv4-in-IPv4, RFC 4213 IPv6-in-IPv4/6): the payload is a whole packet.
        if (context.depth < MAX_TUNNEL_DEPTH && context.complete) {
          if (protocol === IpProtocol.IPinIP) this.ipv4(bytes, context.depth + 1);
          else this.ipv6(bytes, context.depth + 1);
          return;
        }
        break;
    }
    this.payload(bytes, `IP protocol ${protocol} (${ipProtocolName(protocol)}) is not decoded`);
  }

  private udp(bytes: Uint8Array, context: TransportContext): void {
    let repr = parseUdp(bytes);
    const whole = context.complete && !isParseError(repr);
    if (isParseError(repr) && (this.truncated || !context.complete) && bytes.length >= UDP_HEADER_LENGTH) {
      // Cut by the snap length or by fragmentation: the header is all there, the data is not.
      const view = new UdpView(bytes);
      repr = { srcPort: view.srcPort, dstPort: view.dstPort, payload: view.payload };
    }
    if (isParseError(repr)) {
      this.fail("udp", bytes, repr);
      return;
    }
    const datagram = repr;
    const view = new UdpView(bytes);
    let checksumValid: boolean | null = null;
    // RFC 768: a zero checksum over IPv4 means "none computed"; over IPv6 it is an error (RFC 8200 §8.1).
    if (whole && !(view.checksum === 0 && context.version === 4))
      checksumValid = view.verifyChecksum(context.pseudo);
    this.push(
      {
        layer: "udp",
        srcPort: datagram.srcPort,
        dstPort: datagram.dstPort,
        length: view.length,
        checksum: view.checksum,
        checksumValid,
      },
      bytes,
      () => [describeUdp(datagram, bytes, whole ? context.pseudo : undefined)],
    );
    if (datagram.payload.length === 0) return;
    // Only a whole datagram holds a whole message: a cut or fragmented one stays payload.
    const application = whole && applicationFor("udp", datagram.srcPort, datagram.dstPort);
    if (application) this.application(application, datagram.payload);
    else this.payload(datagram.payload);
  }

  private tcp(bytes: Uint8Array, context: TransportContext): void {
    const repr = parseTcp(bytes);
    if (isParseError(repr)) {
      this.fail("tcp", bytes, repr);
      return;
    }
    const view = new TcpView(bytes);
    const whole = context.complete;
    this.push(
      {
        layer: "tcp",
        srcPort: repr.srcPort,
        dstPort: repr.dstPort,
        seq: repr.seq,
        ack: repr.ack,
        headerLength: view.headerLength,
        flags: tcpFlagsToString(repr.flags),
        window: repr.window,
        checksum: view.checksum,
        checksumValid: whole ? view.verifyChecksum(context.pseudo) : null,
        urgentPointer: repr.urgentPointer,
        options: repr.options.map(tcpOptionJson),
        // The data length the IP header implies (tshark's tcp.len), even when the capture cut it.
        segmentLength: Math.max(0, context.declaredLength - view.headerLength),
      },
      bytes,
      () => [describeTcp(repr, bytes, whole ? context.pseudo : undefined)],
    );
    if (repr.payload.length === 0) return;
    const application = whole && !this.truncated && applicationFor("tcp", repr.srcPort, repr.dstPort);
    if (application) this.application(application, repr.payload);
    else this.payload(repr.payload);
  }

  /**
   * The application message(s) in a transport's payload. Over TCP, where messages carry a length
   * prefix (RFC 1035 §4.2.2), each whole message in the segment is decoded; without stream
   * reassembly, a segment holding only part of a message (or the rest of an earlier one) stays
   * payload.
   */
  private application(protocol: ApplicationProtocol, bytes: Uint8Array): void {
    if (protocol.messageLength) {
      // Messages that say their own length (BGP): each whole one in the segment.
      let rest = bytes;
      for (;;) {
        const length = protocol.messageLength(rest);
        if (length <= 0 || length > rest.length) break;
        if (!this.applicationMessage(protocol, rest.subarray(0, length))) return;
        rest = rest.subarray(length);
      }
      if (rest.length > 0)
        this.payload(
          rest,
          `not a whole ${protocol.layer.toUpperCase()} message (a message split across segments is not reassembled)`,
        );
      return;
    }
    if (!protocol.lengthPrefixed) {
      this.applicationMessage(protocol, bytes);
      return;
    }
    let rest = bytes;
    while (rest.length >= 2) {
      const length = (rest[0] << 8) | rest[1];
      if (2 + length > rest.length) break;
      if (!this.applicationMessage(protocol, rest.subarray(2, 2 + length), rest.subarray(0, 2 + length)))
        return;
      rest = rest.subarray(2 + length);
    }
    if (rest.length > 0)
      this.payload(
        rest,
        `not a whole ${protocol.layer.toUpperCase()} message (a message split across segments is not reassembled)`,
      );
  }

  /**
   * Decodes one message; false when it did not parse (then decoding of the frame ends). With
   * `framed` (the message with its two-octet length prefix in front), the layer starts at the prefix.
   */
  private applicationMessage(protocol: ApplicationProtocol, bytes: Uint8Array, framed?: Uint8Array): boolean {
    const decoded = protocol.decode(bytes);
    if (isParseError(decoded)) {
      this.fail(protocol.layer, bytes, decoded);
      return false;
    }
    const fields = decoded.fields;
    if (!framed) {
      this.push(fields, bytes, decoded.describe);
      return true;
    }
    fields.length = bytes.length;
    this.push(fields, framed, () => {
      const descriptions = decoded.describe();
      const first = descriptions[0];
      if (first) {
        shiftOffsets(first.fields, 2);
        first.fields.unshift({
          name: "Length",
          value: `${bytes.length} bytes`,
          meaning: "the two-octet prefix that delimits each message on a TCP stream (RFC 1035 §4.2.2)",
          offset: 0,
          length: 2,
        });
      }
      return descriptions;
    });
    return true;
  }

  private icmpv4(bytes: Uint8Array, context: TransportContext): void {
    const repr = parseIcmpv4(bytes);
    if (isParseError(repr)) {
      this.fail("icmpv4", bytes, repr);
      return;
    }
    const view = new Icmpv4View(bytes);
    const type = icmpv4Type(repr);
    const code = icmpv4Code(repr);
    const fields: LayerFields = {
      layer: "icmpv4",
      type,
      code,
      typeName: icmpv4TypeName(type),
      checksum: view.checksum,
      checksumValid: context.complete ? view.verifyChecksum() : null,
    };
    const codeName = icmpv4CodeName(type, code);
    if (codeName) fields.codeName = codeName;
    switch (repr.kind) {
      case "echo-request":
      case "echo-reply":
        fields.identifier = repr.identifier;
        fields.sequence = repr.sequence;
        break;
      case "destination-unreachable":
        // RFC 1191 §4: "fragmentation needed and DF set" carries the next hop's MTU.
        if (repr.code === UnreachableCode.FragmentationNeeded) fields.mtu = repr.nextHopMtu;
        break;
      case "redirect":
        fields.gateway = repr.gateway.toString();
        break;
      case "parameter-problem":
        fields.pointer = repr.pointer;
        break;
    }
    if (repr.kind !== "echo-request" && repr.kind !== "echo-reply" && repr.kind !== "other") {
      const quoted = parseQuotedIpv4(repr.invoking);
      if (!isParseError(quoted))
        fields.quoted = quotedJson(quoted.src, quoted.dst, quoted.protocol, quoted.transport);
    }
    const whole = context.complete;
    this.push(fields, bytes, () => [describeIcmpv4(repr, whole ? bytes : undefined)]);
    if ((repr.kind === "echo-request" || repr.kind === "echo-reply") && repr.data.length > 0)
      this.payload(repr.data);
  }

  private icmpv6(bytes: Uint8Array, context: TransportContext): void {
    const repr = parseIcmpv6(bytes);
    if (isParseError(repr)) {
      this.fail("icmpv6", bytes, repr);
      return;
    }
    const type = icmpv6Type(repr);
    const fields: LayerFields = {
      layer: "icmpv6",
      type,
      code: repr.code,
      typeName: icmpv6TypeName(type),
      checksum: (bytes[2] << 8) | bytes[3],
      checksumValid: context.complete ? verifyIcmpv6Checksum(bytes, context.pseudo) : null,
    };
    if (isIcmpv6Error(type)) fields.codeName = icmpv6CodeName(type, repr.code);
    switch (repr.kind) {
      case "echo-request":
      case "echo-reply":
        fields.identifier = repr.identifier;
        fields.sequence = repr.sequence;
        break;
      case "packet-too-big":
        fields.mtu = repr.mtu;
        break;
      case "parameter-problem":
        fields.pointer = repr.pointer;
        break;
      case "router-advertisement":
        fields.curHopLimit = repr.curHopLimit;
        fields.managed = repr.managed;
        fields.other = repr.other;
        fields.routerLifetime = repr.routerLifetime;
        fields.reachableTime = repr.reachableTime;
        fields.retransTimer = repr.retransTimer;
        break;
      case "neighbor-solicitation":
        fields.target = repr.target.toString();
        break;
      case "neighbor-advertisement":
        fields.router = repr.router;
        fields.solicited = repr.solicited;
        fields.override = repr.override;
        fields.target = repr.target.toString();
        break;
      case "redirect":
        fields.target = repr.target.toString();
        fields.destination = repr.destination.toString();
        break;
    }
    if ("options" in repr) fields.options = repr.options.map(ndpOptionJson);
    if ("invoking" in repr && repr.invoking.length >= IPV6_HEADER_LENGTH && repr.invoking[0] >>> 4 === 6) {
      const quoted = new Ipv6View(repr.invoking);
      fields.quoted = quotedJson(
        quoted.src,
        quoted.dst,
        quoted.nextHeader,
        repr.invoking.subarray(IPV6_HEADER_LENGTH),
      );
    }
    const whole = context.complete;
    this.push(fields, bytes, () => [describeIcmpv6(repr, bytes, whole ? context.pseudo : undefined)]);
    if ((repr.kind === "echo-request" || repr.kind === "echo-reply") && repr.data.length > 0)
      this.payload(repr.data);
  }
}

/** What the network layer tells the transport layer about the datagram it carries. */
interface TransportContext {
  version: 4 | 6;
  /** For transport checksums (RFC 9293 §3.1, RFC 8200 §8.1). */
  pseudo: PseudoHeader;
  /** The whole datagram is here: not cut by the snap length, not a fragment. */
  complete: boolean;
  /** The transport bytes the IP header announces (may exceed what was captured). */
  declaredLength: number;
  /** How many tunnels deep we are (0 = the outermost IP header). */
  depth: number;
}

/** IPv6 encapsulated in IP (RFC 4213), protocol 41. */
const IPV6_IN_IP = 41;
/** Tunnels nested deeper than this are shown as payload (each level costs 20+ bytes anyway). */
const MAX_TUNNEL_DEPTH = 4;

/**
 * RFC 8200 §8.1: with a Routing header, the upper-layer checksum covers the *final* destination:
 * while segments are left, that is the routing header's last address (type 0/2) or Segment List[0]
 * (type 4, RFC 8754 §2); once none are left, the Destination Address field already holds it.
 */
function finalDestination(dst: Ipv6Address, headers: readonly Ipv6ExtensionHeader[]): Ipv6Address {
  for (const header of headers) {
    if (header.kind !== "routing" || header.segmentsLeft === 0) continue;
    if (header.routingType === 4) {
      const srh = parseSegmentRoutingHeader(header);
      if (!isParseError(srh) && srh.segments.length > 0) return srh.segments[0];
    } else {
      const addresses = routingHeaderAddresses(header);
      if (!isParseError(addresses) && addresses.length > 0) return addresses[addresses.length - 1];
    }
  }
  return dst;
}

/** The IPv4 header of a packet the capture cut short, when the header itself is whole. */
function ipv4FromCutPacket(bytes: Uint8Array): Ipv4Repr | undefined {
  if (bytes.length < IPV4_MIN_HEADER_LENGTH || bytes[0] >>> 4 !== 4) return undefined;
  const view = new Ipv4View(bytes);
  const headerLength = view.headerLength;
  if (
    headerLength < IPV4_MIN_HEADER_LENGTH ||
    headerLength > bytes.length ||
    view.totalLength <= bytes.length
  )
    return undefined;
  const options = parseIpv4Options(
    bytes.subarray(IPV4_MIN_HEADER_LENGTH, headerLength),
    IPV4_MIN_HEADER_LENGTH,
  );
  if (isParseError(options)) return undefined;
  return {
    dscp: view.dscp,
    ecn: view.ecn,
    identification: view.identification,
    reservedFlag: view.reservedFlag,
    dontFragment: view.dontFragment,
    moreFragments: view.moreFragments,
    fragmentOffset: view.fragmentOffset,
    ttl: view.ttl,
    protocol: view.protocol,
    src: view.src,
    dst: view.dst,
    options,
    payload: bytes.subarray(headerLength),
  };
}

/** The IPv6 header of a packet the capture cut short. */
function ipv6FromCutPacket(bytes: Uint8Array): Ipv6Repr | undefined {
  if (bytes.length < IPV6_HEADER_LENGTH || bytes[0] >>> 4 !== 6) return undefined;
  const view = new Ipv6View(bytes);
  if (view.payloadLength === 0 || IPV6_HEADER_LENGTH + view.payloadLength <= bytes.length) return undefined;
  return {
    dscp: view.dscp,
    ecn: view.ecn,
    flowLabel: view.flowLabel,
    nextHeader: view.nextHeader,
    hopLimit: view.hopLimit,
    src: view.src,
    dst: view.dst,
    payload: bytes.subarray(IPV6_HEADER_LENGTH),
  };
}

/** Moves the byte offsets of `fields` (and their children) by `by`: a header now precedes them. */
function shiftOffsets(fields: FieldDescription[], by: number): void {
  for (const field of fields) {
    if (field.offset !== undefined) field.offset += by;
    if (field.children) shiftOffsets(field.children, by);
  }
}

function bytesHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function ipv4OptionJson(option: Ipv4Option): JsonValue {
  const decoded = decodeIpv4Option(option);
  if (isParseError(decoded))
    return { type: option.type, name: ipv4OptionName(option.type), error: decoded.reason };
  const base = { type: option.type, name: ipv4OptionName(option.type) };
  switch (decoded.kind) {
    case "record-route":
    case "loose-source-route":
    case "strict-source-route":
      return {
        ...base,
        kind: decoded.kind,
        pointer: decoded.pointer,
        addresses: decoded.addresses.map(String),
      };
    case "timestamp":
      return {
        ...base,
        kind: decoded.kind,
        pointer: decoded.pointer,
        overflow: decoded.overflow,
        flag: decoded.flag,
        entries: decoded.entries.map((e): JsonValue => {
          const entry: { [key: string]: JsonValue } = { timestamp: e.timestamp };
          if (e.address) entry.address = e.address.toString();
          return entry;
        }),
      };
    case "router-alert":
      return { ...base, kind: decoded.kind, value: decoded.value };
    case "unknown":
      return { ...base, kind: decoded.kind, data: bytesHex(decoded.data) };
    default:
      return { ...base, kind: decoded.kind };
  }
}

function ipv6OptionJson(option: Ipv6Option): JsonValue {
  switch (option.kind) {
    case "pad1":
      return { kind: option.kind };
    case "padn":
      return { kind: option.kind, length: option.data.length };
    case "router-alert":
      return { kind: option.kind, value: option.value };
    case "jumbo-payload":
      return { kind: option.kind, length: option.length };
    case "unknown":
      return { kind: option.kind, type: option.type, data: bytesHex(option.data) };
  }
}

function ipv6ExtensionJson(header: Ipv6ExtensionHeader): JsonValue {
  const base = {
    header: header.kind,
    protocol: ipv6ExtensionHeaderProtocol(header),
    nextHeader: header.nextHeader,
  };
  switch (header.kind) {
    case "hop-by-hop":
    case "destination-options":
      return { ...base, options: header.options.map(ipv6OptionJson) };
    case "routing":
      return {
        ...base,
        routingType: header.routingType,
        segmentsLeft: header.segmentsLeft,
        length: header.data.length,
      };
    case "fragment":
      return {
        ...base,
        fragmentOffset: header.offsetBytes,
        moreFragments: header.moreFragments,
        identification: header.identification,
      };
    case "opaque":
      return { ...base, length: header.data.length };
  }
}

function tcpOptionJson(option: TcpOption): JsonValue {
  switch (option.kind) {
    case "mss":
      return { kind: option.kind, value: option.value };
    case "window-scale":
      return { kind: option.kind, shift: option.shift };
    case "sack":
      return { kind: option.kind, blocks: option.blocks.map((b) => ({ left: b.left, right: b.right })) };
    case "timestamps":
      return { kind: option.kind, value: option.value, echo: option.echo };
    case "unknown":
      return { kind: option.kind, type: option.type, data: bytesHex(option.data) };
    default:
      return { kind: option.kind };
  }
}

function ndpOptionJson(option: NdpOption): JsonValue {
  switch (option.kind) {
    case "source-link-layer-address":
    case "target-link-layer-address":
      return { kind: option.kind, address: option.address.toString() };
    case "prefix-information":
      return {
        kind: option.kind,
        prefix: option.prefix.toString(),
        prefixLength: option.prefixLength,
        onLink: option.onLink,
        autonomous: option.autonomous,
        validLifetime: option.validLifetime,
        preferredLifetime: option.preferredLifetime,
      };
    case "redirected-header":
      return { kind: option.kind, length: option.packet.length };
    case "mtu":
      return { kind: option.kind, mtu: option.mtu };
    case "recursive-dns-server":
      return { kind: option.kind, lifetime: option.lifetime, servers: option.servers.map(String) };
    case "unknown":
      return { kind: option.kind, type: option.type, data: bytesHex(option.data) };
  }
}

/** What an ICMP error quotes: whose packet it was, and its ports when the quote reaches them. */
function quotedJson(src: object, dst: object, protocol: number, transport: Uint8Array): JsonValue {
  const quoted: { [key: string]: JsonValue } = { src: String(src), dst: String(dst), protocol };
  if ((protocol === IpProtocol.TCP || protocol === IpProtocol.UDP) && transport.length >= 4) {
    quoted.srcPort = (transport[0] << 8) | transport[1];
    quoted.dstPort = (transport[2] << 8) | transport[3];
  }
  return quoted;
}
