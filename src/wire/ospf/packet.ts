/**
 * OSPFv2 packets (RFC 2328 Appendix A.3): the 24-octet header shared by all five types, and the
 * bodies of Hello, Database Description, Link State Request, Link State Update and Link State
 * Acknowledgment. OSPF runs directly over IP, protocol 89, to 224.0.0.5 (AllSPFRouters) and
 * 224.0.0.6 (AllDRouters) with TTL 1.
 *
 * The packet checksum is the Internet checksum of the whole packet except the 64-bit
 * authentication field (§D.4.1, "Null authentication"); simple password (AuType 1) is understood
 * too. Parsing never throws: a bad packet gives a ParseError naming the field.
 */
import { internetChecksum, onesComplementSum } from "../checksum.js";
import { type LayerDescription, OSI_NETWORK } from "../describe.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "../network-order.js";
import { ParseError } from "../parse-error.js";
import {
  dotted,
  LSA_HEADER_LENGTH,
  type LsaHeader,
  lsaKeyText,
  lsaTypeName,
  readLsaHeader,
  writeLsaHeader,
} from "./lsa.js";

export const IP_PROTOCOL_OSPF = 89;
export const OSPF_VERSION = 2;
export const OSPF_HEADER_LENGTH = 24;
/** 224.0.0.5 and 224.0.0.6 (RFC 2328 Appendix A.1). */
export const ALL_SPF_ROUTERS = 0xe0000005;
export const ALL_D_ROUTERS = 0xe0000006;

export const OspfPacketType = {
  Hello: 1,
  DatabaseDescription: 2,
  LinkStateRequest: 3,
  LinkStateUpdate: 4,
  LinkStateAck: 5,
} as const;

const TYPE_NAMES = ["", "Hello", "DB Description", "LS Request", "LS Update", "LS Acknowledge"];

export function ospfPacketTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

/** Database Description flags (Appendix A.3.3). */
export const DdFlag = { MS: 0x01, M: 0x02, I: 0x04 } as const;

export interface HelloBody {
  type: 1;
  networkMask: number;
  helloInterval: number;
  options: number;
  priority: number;
  deadInterval: number;
  designatedRouter: number;
  backupDesignatedRouter: number;
  neighbors: number[];
}

export interface DatabaseDescriptionBody {
  type: 2;
  mtu: number;
  options: number;
  /** I, M and MS bits. */
  flags: number;
  sequence: number;
  lsaHeaders: LsaHeader[];
}

export interface LsRequestEntry {
  type: number;
  id: number;
  advertisingRouter: number;
}

export interface LinkStateRequestBody {
  type: 3;
  requests: LsRequestEntry[];
}

export interface LinkStateUpdateBody {
  type: 4;
  /** Each LSA's octets, a zero-copy view into the packet (parse them with `parseLsa`). */
  lsas: Uint8Array[];
  /**
   * On emit only: the LS age to write into each LSA as it is copied into the packet (a router's
   * stored LSA plus InfTransDelay, §13.3), so the stored octets need no copy of their own. The age
   * is outside the LSA checksum.
   */
  ages?: number[];
}

export interface LinkStateAckBody {
  type: 5;
  lsaHeaders: LsaHeader[];
}

export type OspfBody =
  | HelloBody
  | DatabaseDescriptionBody
  | LinkStateRequestBody
  | LinkStateUpdateBody
  | LinkStateAckBody;

export interface OspfRepr {
  routerId: number;
  areaId: number;
  /** 0 none, 1 simple password, 2 cryptographic (not supported). */
  authType: number;
  /** The 8 octets of authentication data (the password for AuType 1). */
  authentication?: Uint8Array;
  body: OspfBody;
}

function err(reason: string, offset: number): ParseError {
  return new ParseError("ospf", reason, offset);
}

/** Whether the packet's checksum is right (§D.4: over all but the 8 authentication octets). */
export function verifyOspfChecksum(bytes: Uint8Array, length: number): boolean {
  if (length < OSPF_HEADER_LENGTH || length > bytes.length) return false;
  const head = onesComplementSum(bytes, 0, 16);
  return internetChecksum(bytes, 24, length, head) === 0;
}

/**
 * Parses an OSPF packet (the IP payload). The checksum is checked (a packet with a bad one is an
 * error, RFC 2328 §8.2). Never throws.
 */
export function parseOspf(bytes: Uint8Array): OspfRepr | ParseError {
  if (bytes.length < OSPF_HEADER_LENGTH)
    return err(`${bytes.length} octets is shorter than the 24-octet OSPF header`, 0);
  if (bytes[0] !== OSPF_VERSION) return err(`version ${bytes[0]} is not 2`, 0);
  const type = bytes[1];
  const length = readUint16(bytes, 2);
  if (length < OSPF_HEADER_LENGTH) return err(`packet length ${length} is below the header's 24`, 2);
  if (length > bytes.length)
    return err(`packet length ${length} exceeds the ${bytes.length} octets present`, 2);
  const authType = readUint16(bytes, 14);
  if (authType !== 2 && !verifyOspfChecksum(bytes, length)) return err("bad checksum", 12);
  const base: Omit<OspfRepr, "body"> =
    authType !== 0
      ? {
          routerId: readUint32(bytes, 4),
          areaId: readUint32(bytes, 8),
          authType,
          authentication: bytes.slice(16, 24),
        }
      : { routerId: readUint32(bytes, 4), areaId: readUint32(bytes, 8), authType };
  const body = bytes.subarray(OSPF_HEADER_LENGTH, length);
  const at = OSPF_HEADER_LENGTH;
  switch (type) {
    case OspfPacketType.Hello: {
      if (body.length < 20 || body.length % 4 !== 0)
        return err(`Hello body of ${body.length} octets is not 20+4n`, at);
      const neighbors: number[] = [];
      for (let i = 20; i < body.length; i += 4) neighbors.push(readUint32(body, i));
      return {
        ...base,
        body: {
          type: 1,
          networkMask: readUint32(body, 0),
          helloInterval: readUint16(body, 4),
          options: body[6],
          priority: body[7],
          deadInterval: readUint32(body, 8),
          designatedRouter: readUint32(body, 12),
          backupDesignatedRouter: readUint32(body, 16),
          neighbors,
        },
      };
    }
    case OspfPacketType.DatabaseDescription: {
      if (body.length < 8 || (body.length - 8) % LSA_HEADER_LENGTH !== 0)
        return err(`DD body of ${body.length} octets is not 8+20n`, at);
      const lsaHeaders: LsaHeader[] = [];
      for (let i = 8; i < body.length; i += LSA_HEADER_LENGTH) lsaHeaders.push(readLsaHeader(body, i));
      return {
        ...base,
        body: {
          type: 2,
          mtu: readUint16(body, 0),
          options: body[2],
          flags: body[3],
          sequence: readUint32(body, 4),
          lsaHeaders,
        },
      };
    }
    case OspfPacketType.LinkStateRequest: {
      if (body.length % 12 !== 0) return err(`LS Request body of ${body.length} octets is not 12n`, at);
      const requests: LsRequestEntry[] = [];
      for (let i = 0; i < body.length; i += 12)
        requests.push({
          type: readUint32(body, i),
          id: readUint32(body, i + 4),
          advertisingRouter: readUint32(body, i + 8),
        });
      return withBody(base, { type: 3, requests });
    }
    case OspfPacketType.LinkStateUpdate: {
      if (body.length < 4) return err("LS Update body shorter than 4 octets", at);
      const count = readUint32(body, 0);
      const lsas: Uint8Array[] = [];
      let i = 4;
      for (let n = 0; n < count; n++) {
        if (i + LSA_HEADER_LENGTH > body.length) return err(`LSA ${n + 1} of ${count} is truncated`, at + i);
        const lsaLength = readUint16(body, i + 18);
        if (lsaLength < LSA_HEADER_LENGTH || i + lsaLength > body.length)
          return err(`LSA ${n + 1} length ${lsaLength} does not fit`, at + i + 18);
        lsas.push(body.subarray(i, i + lsaLength));
        i += lsaLength;
      }
      return withBody(base, { type: 4, lsas });
    }
    case OspfPacketType.LinkStateAck: {
      if (body.length % LSA_HEADER_LENGTH !== 0)
        return err(`LS Ack body of ${body.length} octets is not 20n`, at);
      const lsaHeaders: LsaHeader[] = [];
      for (let i = 0; i < body.length; i += LSA_HEADER_LENGTH) lsaHeaders.push(readLsaHeader(body, i));
      return withBody(base, { type: 5, lsaHeaders });
    }
    default:
      return err(`unknown packet type ${type}`, 1);
  }
}

/** The packet from its header fields and body, built field by field (no spread: every packet of a large simulation comes through here). */
function withBody(base: Omit<OspfRepr, "body">, body: OspfBody): OspfRepr {
  return base.authentication
    ? {
        routerId: base.routerId,
        areaId: base.areaId,
        authType: base.authType,
        authentication: base.authentication,
        body,
      }
    : { routerId: base.routerId, areaId: base.areaId, authType: base.authType, body };
}

/** Octets the packet takes. */
export function ospfLength(repr: OspfRepr): number {
  const body = repr.body;
  switch (body.type) {
    case 1:
      return OSPF_HEADER_LENGTH + 20 + 4 * body.neighbors.length;
    case 2:
      return OSPF_HEADER_LENGTH + 8 + LSA_HEADER_LENGTH * body.lsaHeaders.length;
    case 3:
      return OSPF_HEADER_LENGTH + 12 * body.requests.length;
    case 4: {
      let total = OSPF_HEADER_LENGTH + 4;
      for (const lsa of body.lsas) total += lsa.length;
      return total;
    }
    case 5:
      return OSPF_HEADER_LENGTH + LSA_HEADER_LENGTH * body.lsaHeaders.length;
  }
}

/**
 * Writes the packet with its length and checksum at the start of `into`; returns the octets
 * written. The LSAs of an update are copied as they are (their age and checksum already set).
 * Throws RangeError when `into` is too small.
 */
export function emitOspf(repr: OspfRepr, into: Uint8Array): number {
  const length = ospfLength(repr);
  if (into.length < length)
    throw new RangeError(`OSPF packet needs ${length} octets, buffer has ${into.length}`);
  const body = repr.body;
  into[0] = OSPF_VERSION;
  into[1] = body.type;
  writeUint16(into, 2, length);
  writeUint32(into, 4, repr.routerId >>> 0);
  writeUint32(into, 8, repr.areaId >>> 0);
  writeUint16(into, 12, 0);
  writeUint16(into, 14, repr.authType);
  into.fill(0, 16, 24);
  let at = OSPF_HEADER_LENGTH;
  switch (body.type) {
    case 1:
      writeUint32(into, at, body.networkMask >>> 0);
      writeUint16(into, at + 4, body.helloInterval);
      into[at + 6] = body.options;
      into[at + 7] = body.priority;
      writeUint32(into, at + 8, body.deadInterval >>> 0);
      writeUint32(into, at + 12, body.designatedRouter >>> 0);
      writeUint32(into, at + 16, body.backupDesignatedRouter >>> 0);
      at += 20;
      for (const n of body.neighbors) {
        writeUint32(into, at, n >>> 0);
        at += 4;
      }
      break;
    case 2:
      writeUint16(into, at, body.mtu);
      into[at + 2] = body.options;
      into[at + 3] = body.flags;
      writeUint32(into, at + 4, body.sequence >>> 0);
      at += 8;
      for (const h of body.lsaHeaders) {
        writeLsaHeader(h, into, at);
        at += LSA_HEADER_LENGTH;
      }
      break;
    case 3:
      for (const r of body.requests) {
        writeUint32(into, at, r.type >>> 0);
        writeUint32(into, at + 4, r.id >>> 0);
        writeUint32(into, at + 8, r.advertisingRouter >>> 0);
        at += 12;
      }
      break;
    case 4:
      writeUint32(into, at, body.lsas.length);
      at += 4;
      for (let i = 0; i < body.lsas.length; i++) {
        const lsa = body.lsas[i];
        into.set(lsa, at);
        const age = body.ages?.[i];
        if (age !== undefined) writeUint16(into, at, age);
        at += lsa.length;
      }
      break;
    case 5:
      for (const h of body.lsaHeaders) {
        writeLsaHeader(h, into, at);
        at += LSA_HEADER_LENGTH;
      }
      break;
  }
  // §D.4.1: the checksum skips the authentication field, which is filled in afterwards.
  const checksum = internetChecksum(into, 24, length, onesComplementSum(into, 0, 16));
  writeUint16(into, 12, checksum);
  if (repr.authentication) into.set(repr.authentication.subarray(0, 8), 16);
  return length;
}

/** Emits into a new array of exactly the packet's length. */
export function encodeOspf(repr: OspfRepr): Uint8Array {
  const bytes = new Uint8Array(ospfLength(repr));
  emitOspf(repr, bytes);
  return bytes;
}

/** One line, as tcpdump / FRR's debug log would say it. */
export function summarizeOspf(repr: OspfRepr): string {
  const body = repr.body;
  const who = `from ${dotted(repr.routerId)} area ${dotted(repr.areaId)}`;
  switch (body.type) {
    case 1:
      return `Hello ${who}: pri ${body.priority}, DR ${dotted(body.designatedRouter)}, BDR ${dotted(body.backupDesignatedRouter)}, neighbors [${body.neighbors.map(dotted).join(" ")}]`;
    case 2: {
      const flags = ["I", "M", "MS"]
        .filter((_, i) => body.flags & [DdFlag.I, DdFlag.M, DdFlag.MS][i])
        .join("/");
      return `DB Description ${who}: seq ${body.sequence >>> 0} flags [${flags}] ${body.lsaHeaders.length} LSA headers`;
    }
    case 3:
      return `LS Request ${who}: ${body.requests.map((r) => lsaKeyText(r)).join(", ")}`;
    case 4:
      return `LS Update ${who}: ${body.lsas.length} LSA(s) ${body.lsas
        .map((l) => (l.length >= LSA_HEADER_LENGTH ? lsaKeyText(readLsaHeader(l, 0)) : "?"))
        .join(", ")}`;
    case 5:
      return `LS Acknowledge ${who}: ${body.lsaHeaders.map((h) => lsaKeyText(h)).join(", ")}`;
  }
}

/** Explains the packet field by field for a learner (the shell's `layers` view). */
export function describeOspf(repr: OspfRepr): LayerDescription {
  const body = repr.body;
  const fields = [
    { name: "Version", value: "2", meaning: "OSPF for IPv4 (RFC 2328)", offset: 0, length: 1 },
    { name: "Type", value: `${body.type} (${ospfPacketTypeName(body.type)})`, offset: 1, length: 1 },
    { name: "Packet Length", value: String(ospfLength(repr)), offset: 2, length: 2 },
    {
      name: "Router ID",
      value: dotted(repr.routerId),
      meaning: "the sender's router ID",
      offset: 4,
      length: 4,
    },
    { name: "Area ID", value: dotted(repr.areaId), meaning: "0.0.0.0 is the backbone", offset: 8, length: 4 },
    {
      name: "Checksum",
      value: "(Internet checksum)",
      meaning: "over the packet except authentication",
      offset: 12,
      length: 2,
    },
    {
      name: "AuType",
      value: String(repr.authType),
      meaning: repr.authType === 0 ? "no authentication" : "authenticated",
      offset: 14,
      length: 2,
    },
  ];
  const at = OSPF_HEADER_LENGTH;
  switch (body.type) {
    case 1:
      fields.push(
        { name: "Network Mask", value: dotted(body.networkMask), offset: at, length: 4 },
        {
          name: "HelloInterval",
          value: `${body.helloInterval} s`,
          meaning: "how often Hellos are sent",
          offset: at + 4,
          length: 2,
        },
        {
          name: "Router Priority",
          value: String(body.priority),
          meaning: "highest becomes DR; 0 never",
          offset: at + 7,
          length: 1,
        },
        {
          name: "RouterDeadInterval",
          value: `${body.deadInterval} s`,
          meaning: "silence after which a neighbour is declared down",
          offset: at + 8,
          length: 4,
        },
        { name: "Designated Router", value: dotted(body.designatedRouter), offset: at + 12, length: 4 },
        {
          name: "Backup Designated Router",
          value: dotted(body.backupDesignatedRouter),
          offset: at + 16,
          length: 4,
        },
        {
          name: "Neighbors",
          value: body.neighbors.map(dotted).join(", ") || "none",
          meaning: "routers heard on this link (2-Way when we are listed)",
          offset: at + 20,
          length: 4 * body.neighbors.length,
        },
      );
      break;
    case 2:
      fields.push(
        { name: "Interface MTU", value: String(body.mtu), offset: at, length: 2 },
        {
          name: "Flags",
          value: `0x${body.flags.toString(16)}`,
          meaning: "I init, M more, MS master",
          offset: at + 3,
          length: 1,
        },
        { name: "DD Sequence Number", value: String(body.sequence >>> 0), offset: at + 4, length: 4 },
        {
          name: "LSA Headers",
          value: body.lsaHeaders.map((h) => lsaKeyText(h)).join(", ") || "none",
          offset: at + 8,
          length: 20 * body.lsaHeaders.length,
        },
      );
      break;
    case 3:
      fields.push({
        name: "Requests",
        value: body.requests.map((r) => lsaKeyText(r)).join(", "),
        offset: at,
        length: 12 * body.requests.length,
      });
      break;
    case 4:
      fields.push({ name: "Number of LSAs", value: String(body.lsas.length), offset: at, length: 4 });
      break;
    case 5:
      fields.push({
        name: "LSA Headers",
        value: body.lsaHeaders.map((h) => `${lsaTypeName(h.type)} ${dotted(h.id)}`).join(", "),
        offset: at,
        length: 20 * body.lsaHeaders.length,
      });
      break;
  }
  return {
    layer: "ospf",
    title: "Open Shortest Path First version 2",
    ...OSI_NETWORK,
    summary: summarizeOspf(repr),
    fields,
  };
}
