/**
 * BGP-4 messages (RFC 4271 §4): a 19-octet header (16-octet marker of ones, length, type) and one
 * of OPEN, UPDATE, NOTIFICATION, KEEPALIVE or ROUTE-REFRESH (RFC 2918). `parseBgpMessage` checks
 * everything RFC 4271 §6 says a receiver must check and, when something is wrong, returns the
 * {@link BgpError} whose code, subcode and data make the NOTIFICATION to send back.
 */
import { Ipv4Address, type Ipv4Prefix } from "../address/ipv4.js";
import { readUint16, readUint32, writeUint16, writeUint32 } from "../network-order.js";
import {
  type AsEncoding,
  attributesLength,
  type BgpPathAttributes,
  emitAttributes,
  parseAttributes,
} from "./attributes.js";
import {
  type BgpCapability,
  capabilityValueLength,
  emitCapability,
  parseCapability,
} from "./capabilities.js";
import {
  AttributeType,
  BGP_HEADER_LENGTH,
  BGP_MARKER_LENGTH,
  BGP_MAX_MESSAGE_LENGTH,
  BGP_NOTIFICATION_MIN_LENGTH,
  BGP_OPEN_MIN_LENGTH,
  BGP_ROUTE_REFRESH_LENGTH,
  BGP_UPDATE_MIN_LENGTH,
  BGP_VERSION,
  BgpErrorCode,
  BgpMessageType,
  HeaderErrorSubcode,
  OPTIONAL_PARAMETER_CAPABILITIES,
  OpenErrorSubcode,
  UpdateErrorSubcode,
} from "./constants.js";
import { BgpError } from "./error.js";
import { emitNlri, nlriLength, parseNlri } from "./nlri.js";

export interface BgpOpenMessage {
  type: "open";
  version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS needs 4 octets). */
  myAs: number;
  /** Seconds; 0 (no keepalives) or at least 3 (RFC 4271 §4.2). */
  holdTime: number;
  bgpId: Ipv4Address;
  capabilities: BgpCapability[];
  /** Optional parameters other than capabilities (type, value), kept to be refused. */
  otherParameters?: { type: number; value: Uint8Array }[];
}

export interface BgpUpdateMessage {
  type: "update";
  withdrawn: Ipv4Prefix[];
  attributes: BgpPathAttributes;
  nlri: Ipv4Prefix[];
}

export interface BgpNotificationMessage {
  type: "notification";
  code: number;
  subcode: number;
  data: Uint8Array;
}

export interface BgpKeepaliveMessage {
  type: "keepalive";
}

export interface BgpRouteRefreshMessage {
  type: "route-refresh";
  afi: number;
  safi: number;
}

export type BgpMessage =
  | BgpOpenMessage
  | BgpUpdateMessage
  | BgpNotificationMessage
  | BgpKeepaliveMessage
  | BgpRouteRefreshMessage;

/** The 4-octet encoding is the default once both speakers announced it (RFC 6793). */
export const FOUR_OCTET: AsEncoding = { fourOctetAs: true };
export const TWO_OCTET: AsEncoding = { fourOctetAs: false };

function lengthData(length: number): Uint8Array {
  const data = new Uint8Array(2);
  writeUint16(data, 0, length);
  return data;
}

/**
 * The length of the message starting at `offset`, once its header has arrived (for framing a TCP
 * stream); -1 when fewer than 19 octets are there. Not validated: `parseBgpMessage` does that.
 */
export function bgpMessageLength(bytes: Uint8Array, offset = 0): number {
  if (bytes.length - offset < BGP_HEADER_LENGTH) return -1;
  return readUint16(bytes, offset + BGP_MARKER_LENGTH);
}

/** RFC 4271 §6.1: the header checks (marker, length, type, length consistent with type). */
function checkHeader(bytes: Uint8Array): BgpError | { type: number; length: number } {
  if (bytes.length < BGP_HEADER_LENGTH) {
    return new BgpError(
      BgpErrorCode.MessageHeader,
      HeaderErrorSubcode.BadMessageLength,
      `${bytes.length} octets is shorter than the 19-octet header`,
      0,
      lengthData(bytes.length),
    );
  }
  for (let i = 0; i < BGP_MARKER_LENGTH; i++) {
    if (bytes[i] !== 0xff) {
      return new BgpError(
        BgpErrorCode.MessageHeader,
        HeaderErrorSubcode.ConnectionNotSynchronized,
        "the marker is not all ones",
        i,
      );
    }
  }
  const length = readUint16(bytes, BGP_MARKER_LENGTH);
  const type = bytes[18];
  const badLength = (why: string) =>
    new BgpError(
      BgpErrorCode.MessageHeader,
      HeaderErrorSubcode.BadMessageLength,
      why,
      BGP_MARKER_LENGTH,
      lengthData(length),
    );
  if (length < BGP_HEADER_LENGTH || length > BGP_MAX_MESSAGE_LENGTH) {
    return badLength(`length ${length} is outside 19..4096`);
  }
  if (length > bytes.length) return badLength(`length ${length} but only ${bytes.length} octets were given`);
  const minimum: Record<number, number> = {
    [BgpMessageType.Open]: BGP_OPEN_MIN_LENGTH,
    [BgpMessageType.Update]: BGP_UPDATE_MIN_LENGTH,
    [BgpMessageType.Notification]: BGP_NOTIFICATION_MIN_LENGTH,
    [BgpMessageType.Keepalive]: BGP_HEADER_LENGTH,
    [BgpMessageType.RouteRefresh]: BGP_ROUTE_REFRESH_LENGTH,
  };
  const min = minimum[type];
  if (min === undefined) {
    return new BgpError(
      BgpErrorCode.MessageHeader,
      HeaderErrorSubcode.BadMessageType,
      `message type ${type} is unknown`,
      18,
      Uint8Array.of(type),
    );
  }
  if (length < min) return badLength(`length ${length} is below the ${min} a type ${type} message needs`);
  const exact = type === BgpMessageType.Keepalive || type === BgpMessageType.RouteRefresh;
  if (exact && length !== min)
    return badLength(`length ${length} but a type ${type} message is exactly ${min}`);
  return { type, length };
}

/**
 * Parses one whole message (`bytes` may hold more; only the header's length is read). Never
 * throws; every problem is the BgpError to notify.
 */
export function parseBgpMessage(bytes: Uint8Array, encoding: AsEncoding = FOUR_OCTET): BgpMessage | BgpError {
  const header = checkHeader(bytes);
  if (header instanceof BgpError) return header;
  const { type, length } = header;
  const body = BGP_HEADER_LENGTH;
  switch (type) {
    case BgpMessageType.Keepalive:
      return { type: "keepalive" };
    case BgpMessageType.RouteRefresh:
      return { type: "route-refresh", afi: readUint16(bytes, body), safi: bytes[body + 3] };
    case BgpMessageType.Notification:
      return {
        type: "notification",
        code: bytes[body],
        subcode: bytes[body + 1],
        data: bytes.slice(body + 2, length),
      };
    case BgpMessageType.Open:
      return parseOpen(bytes, length);
    default:
      return parseUpdate(bytes, length, encoding);
  }
}

function openError(subcode: number, reason: string, offset: number, data?: Uint8Array): BgpError {
  return new BgpError(BgpErrorCode.OpenMessage, subcode, reason, offset, data);
}

/** RFC 4271 §6.2 (OPEN message error handling) and RFC 5492 §4 (capabilities). */
function parseOpen(bytes: Uint8Array, length: number): BgpOpenMessage | BgpError {
  const at = BGP_HEADER_LENGTH;
  const version = bytes[at];
  if (version !== BGP_VERSION) {
    // Data: the largest locally supported version number, 2 octets.
    return openError(
      OpenErrorSubcode.UnsupportedVersionNumber,
      `version ${version}`,
      at,
      lengthData(BGP_VERSION),
    );
  }
  const myAs = readUint16(bytes, at + 1);
  const holdTime = readUint16(bytes, at + 3);
  if (holdTime === 1 || holdTime === 2) {
    return openError(OpenErrorSubcode.UnacceptableHoldTime, `hold time ${holdTime} s is below 3`, at + 3);
  }
  const bgpIdValue = readUint32(bytes, at + 5);
  // RFC 6286 §2.2: the identifier must be non-zero (it need not be a valid unicast address any more).
  if (bgpIdValue === 0) return openError(OpenErrorSubcode.BadBgpIdentifier, "BGP Identifier 0.0.0.0", at + 5);
  const optLength = bytes[at + 9];
  const optStart = at + 10;
  if (optStart + optLength !== length) {
    return openError(
      OpenErrorSubcode.Unspecific,
      `optional parameters length ${optLength} disagrees with message length ${length}`,
      at + 9,
    );
  }
  const capabilities: BgpCapability[] = [];
  let otherParameters: { type: number; value: Uint8Array }[] | undefined;
  let p = optStart;
  while (p < length) {
    if (p + 2 > length)
      return openError(OpenErrorSubcode.Unspecific, "an optional parameter header runs past the message", p);
    const paramType = bytes[p];
    const paramLength = bytes[p + 1];
    const vStart = p + 2;
    const vEnd = vStart + paramLength;
    if (vEnd > length)
      return openError(
        OpenErrorSubcode.Unspecific,
        `optional parameter of length ${paramLength} runs past the message`,
        p,
      );
    if (paramType === OPTIONAL_PARAMETER_CAPABILITIES) {
      let c = vStart;
      while (c < vEnd) {
        if (c + 2 > vEnd)
          return openError(OpenErrorSubcode.Unspecific, "a capability header runs past its parameter", c);
        const code = bytes[c];
        const capLength = bytes[c + 1];
        if (c + 2 + capLength > vEnd) {
          return openError(
            OpenErrorSubcode.Unspecific,
            `capability ${code} of length ${capLength} runs past its parameter`,
            c,
          );
        }
        capabilities.push(parseCapability(code, bytes.slice(c + 2, c + 2 + capLength)));
        c += 2 + capLength;
      }
    } else {
      otherParameters ??= [];
      otherParameters.push({ type: paramType, value: bytes.slice(vStart, vEnd) });
    }
    p = vEnd;
  }
  const open: BgpOpenMessage = {
    type: "open",
    version,
    myAs,
    holdTime,
    bgpId: new Ipv4Address(bgpIdValue),
    capabilities,
  };
  if (otherParameters) open.otherParameters = otherParameters;
  return open;
}

/** RFC 4271 §6.3 (UPDATE message error handling). */
function parseUpdate(bytes: Uint8Array, length: number, encoding: AsEncoding): BgpUpdateMessage | BgpError {
  let at = BGP_HEADER_LENGTH;
  const withdrawnLength = readUint16(bytes, at);
  at += 2;
  if (at + withdrawnLength + 2 > length) {
    return new BgpError(
      BgpErrorCode.UpdateMessage,
      UpdateErrorSubcode.MalformedAttributeList,
      `withdrawn routes length ${withdrawnLength} runs past the message`,
      BGP_HEADER_LENGTH,
    );
  }
  const withdrawn = parseNlri(bytes, at, at + withdrawnLength, UpdateErrorSubcode.MalformedAttributeList);
  if (withdrawn instanceof BgpError) return withdrawn;
  at += withdrawnLength;
  const attributesLengthField = readUint16(bytes, at);
  at += 2;
  if (at + attributesLengthField > length) {
    return new BgpError(
      BgpErrorCode.UpdateMessage,
      UpdateErrorSubcode.MalformedAttributeList,
      `total path attribute length ${attributesLengthField} runs past the message`,
      at - 2,
    );
  }
  const attributes = parseAttributes(bytes, at, at + attributesLengthField, encoding);
  if (attributes instanceof BgpError) return attributes;
  at += attributesLengthField;
  const nlri = parseNlri(bytes, at, length);
  if (nlri instanceof BgpError) return nlri;
  // RFC 4271 §6.3: ORIGIN, AS_PATH and NEXT_HOP are mandatory when the UPDATE announces routes.
  if (nlri.length > 0) {
    const missing =
      attributes.origin === undefined
        ? AttributeType.Origin
        : attributes.asPath === undefined
          ? AttributeType.AsPath
          : attributes.nextHop === undefined
            ? AttributeType.NextHop
            : 0;
    if (missing !== 0) {
      return new BgpError(
        BgpErrorCode.UpdateMessage,
        UpdateErrorSubcode.MissingWellKnownAttribute,
        `well-known attribute ${missing} is missing`,
        BGP_HEADER_LENGTH,
        Uint8Array.of(missing),
      );
    }
  }
  return { type: "update", withdrawn, attributes, nlri };
}

function typeCode(message: BgpMessage): number {
  switch (message.type) {
    case "open":
      return BgpMessageType.Open;
    case "update":
      return BgpMessageType.Update;
    case "notification":
      return BgpMessageType.Notification;
    case "keepalive":
      return BgpMessageType.Keepalive;
    case "route-refresh":
      return BgpMessageType.RouteRefresh;
  }
}

/** Octets of the capabilities optional parameter (0 when there are none). */
function capabilitiesLength(capabilities: readonly BgpCapability[]): number {
  if (capabilities.length === 0) return 0;
  return 2 + capabilities.reduce((n, c) => n + 2 + capabilityValueLength(c), 0);
}

/** Octets the message takes on the wire, header included. */
export function bgpMessageSize(message: BgpMessage, encoding: AsEncoding = FOUR_OCTET): number {
  switch (message.type) {
    case "keepalive":
      return BGP_HEADER_LENGTH;
    case "route-refresh":
      return BGP_ROUTE_REFRESH_LENGTH;
    case "notification":
      return BGP_NOTIFICATION_MIN_LENGTH + message.data.length;
    case "open":
      return (
        BGP_OPEN_MIN_LENGTH +
        capabilitiesLength(message.capabilities) +
        (message.otherParameters ?? []).reduce((n, p) => n + 2 + p.value.length, 0)
      );
    case "update": {
      let n = BGP_UPDATE_MIN_LENGTH + attributesLength(message.attributes, encoding);
      for (const p of message.withdrawn) n += nlriLength(p);
      for (const p of message.nlri) n += nlriLength(p);
      return n;
    }
  }
}

/**
 * Writes the message at `into[offset]`; returns its length. `into` must have room for
 * `bgpMessageSize` octets; a message above 4096 octets is the caller's error (see `packUpdates`).
 */
export function emitBgpMessage(
  message: BgpMessage,
  into: Uint8Array,
  offset = 0,
  encoding: AsEncoding = FOUR_OCTET,
): number {
  const size = bgpMessageSize(message, encoding);
  if (size > BGP_MAX_MESSAGE_LENGTH) throw new RangeError(`a BGP message of ${size} octets exceeds 4096`);
  into.fill(0xff, offset, offset + BGP_MARKER_LENGTH);
  writeUint16(into, offset + BGP_MARKER_LENGTH, size);
  into[offset + 18] = typeCode(message);
  let at = offset + BGP_HEADER_LENGTH;
  switch (message.type) {
    case "keepalive":
      break;
    case "route-refresh":
      writeUint16(into, at, message.afi);
      into[at + 2] = 0;
      into[at + 3] = message.safi;
      break;
    case "notification":
      into[at] = message.code;
      into[at + 1] = message.subcode;
      into.set(message.data, at + 2);
      break;
    case "open": {
      into[at] = message.version;
      writeUint16(into, at + 1, message.myAs);
      writeUint16(into, at + 3, message.holdTime);
      writeUint32(into, at + 5, message.bgpId.value);
      into[at + 9] = size - BGP_OPEN_MIN_LENGTH;
      at += 10;
      // All capabilities in one optional parameter (RFC 5492 §4 allows one or several).
      if (message.capabilities.length > 0) {
        into[at] = OPTIONAL_PARAMETER_CAPABILITIES;
        into[at + 1] = capabilitiesLength(message.capabilities) - 2;
        at += 2;
        for (const c of message.capabilities) at = emitCapability(c, into, at);
      }
      for (const p of message.otherParameters ?? []) {
        into[at] = p.type;
        into[at + 1] = p.value.length;
        into.set(p.value, at + 2);
        at += 2 + p.value.length;
      }
      break;
    }
    case "update": {
      const wStart = at + 2;
      const wEnd = emitNlri(message.withdrawn, into, wStart);
      writeUint16(into, at, wEnd - wStart);
      const aStart = wEnd + 2;
      const aEnd = emitAttributes(message.attributes, into, aStart, encoding);
      writeUint16(into, wEnd, aEnd - aStart);
      emitNlri(message.nlri, into, aEnd);
      break;
    }
  }
  return size;
}

/** A new buffer holding the message. */
export function encodeBgpMessage(message: BgpMessage, encoding: AsEncoding = FOUR_OCTET): Uint8Array {
  const out = new Uint8Array(bgpMessageSize(message, encoding));
  emitBgpMessage(message, out, 0, encoding);
  return out;
}

/**
 * Splits withdrawals and announcements sharing one set of attributes into as few UPDATEs as fit
 * in 4096 octets each (RFC 4271 §4.3 lets one UPDATE carry many prefixes with the same path),
 * written back to back into one buffer. This is how a full table travels in a few hundred
 * messages per hundred thousand routes.
 */
export function packUpdates(
  withdrawn: readonly Ipv4Prefix[],
  attributes: BgpPathAttributes | undefined,
  nlri: readonly Ipv4Prefix[],
  encoding: AsEncoding = FOUR_OCTET,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const flush = (w: Ipv4Prefix[], a: BgpPathAttributes, n: Ipv4Prefix[]) => {
    const bytes = encodeBgpMessage({ type: "update", withdrawn: w, attributes: a, nlri: n }, encoding);
    chunks.push(bytes);
    total += bytes.length;
  };
  // Withdrawals first, attribute-free.
  let batch: Ipv4Prefix[] = [];
  let room = BGP_MAX_MESSAGE_LENGTH - BGP_UPDATE_MIN_LENGTH;
  for (const p of withdrawn) {
    const n = nlriLength(p);
    if (n > room) {
      flush(batch, {}, []);
      batch = [];
      room = BGP_MAX_MESSAGE_LENGTH - BGP_UPDATE_MIN_LENGTH;
    }
    batch.push(p);
    room -= n;
  }
  if (batch.length > 0) flush(batch, {}, []);
  if (attributes && nlri.length > 0) {
    const base = BGP_MAX_MESSAGE_LENGTH - BGP_UPDATE_MIN_LENGTH - attributesLength(attributes, encoding);
    batch = [];
    room = base;
    for (const p of nlri) {
      const n = nlriLength(p);
      if (n > room) {
        flush([], attributes, batch);
        batch = [];
        room = base;
      }
      batch.push(p);
      room -= n;
    }
    if (batch.length > 0) flush([], attributes, batch);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The NOTIFICATION that reports a parse failure (RFC 4271 §6). */
export function notificationFor(error: BgpError): BgpNotificationMessage {
  return { type: "notification", code: error.code, subcode: error.subcode, data: error.data };
}

/** The Length field of a header at `offset` (the caller checked that 19 octets are there). */
export function readUint16FromHeader(bytes: Uint8Array, offset: number): number {
  return readUint16(bytes, offset + BGP_MARKER_LENGTH);
}
