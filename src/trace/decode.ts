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
import type { LayerDescription } from "../wire/describe.js";
import { describeEthernet, EtherType, etherTypeName, parseEthernet } from "../wire/ethernet.js";
import { isParseError, type ParseError } from "../wire/parse-error.js";
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

  /** Dispatches on an EtherType: the network layer (or tags and ARP, which sit beside it). */
  private network(ethertype: number, bytes: Uint8Array): void {
    this.payload(
      bytes,
      `EtherType ${etherTypeName(ethertype)} (0x${ethertype.toString(16).padStart(4, "0")}) is not decoded`,
    );
  }
}
