/**
 * The web lab's message protocol: what the server (src/web/server, Node) and the page
 * (src/web/client, a browser) say to each other over one WebSocket. Every message is one JSON
 * object with a `type` tag.
 *
 * The simulation runs on the server in virtual time; the page gets a snapshot of the lab (`hello`)
 * and then an append-only stream of {@link LabEvent}s (`events`), which it plays back locally
 * (play, pause, step, step back, speed), the way Packet Tracer's simulation mode does. Details
 * that would be heavy to stream (a frame's bytes and decoded layers) are fetched on demand
 * (`get-packet` → `packet`).
 *
 * Every message from the page is untrusted input: {@link validateClientMessage} checks it against
 * the shapes below (types, lengths, ranges, no unknown fields) before the server acts on it; a
 * message that does not pass gets an `error` reply and is counted, never thrown. This module
 * imports nothing platform-specific: the page uses the same types (and may use the validator for
 * its own tests).
 *
 * Compatibility: changes are additive (new optional fields, new message or event types). A page
 * must ignore message types and event types it does not know. {@link PROTOCOL_VERSION} changes
 * only if something incompatible ever has to change.
 */

/** Bumped only on an incompatible change; `hello` carries it. */
export const PROTOCOL_VERSION = 1;

/** Largest message the page may send (bytes of its JSON text); bigger ones are refused. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** Longest shell line the page may send (characters). */
export const MAX_SHELL_LINE = 4096;
/** Longest names (nodes, sessions, links) accepted from the page. */
export const MAX_NAME = 64;
/** Most terminal sessions one page may have open. */
export const MAX_SESSIONS = 32;
/** Longest `run {duration}` in one request: ten minutes of network time, in nanoseconds. */
export const MAX_RUN_DURATION_NS = 600_000_000_000;

// ================================================================================================
// The lab, as the page draws it

/** What kind of device a node is (the topology file's `kind`). */
export type LabNodeKind = "host" | "server" | "router" | "nat" | "switch";

export interface LabInterface {
  /** e.g. `eth0`. */
  name: string;
  /** e.g. `02:00:00:00:00:01` (switch ports have none). */
  mac?: string;
  /** Addresses with their prefix length, e.g. `192.168.1.10/24`. */
  ipv4: string[];
  /** e.g. `2001:db8::10/64`, link-local ones included. */
  ipv6: string[];
  /** Switch port: its access VLAN. */
  vlan?: number;
  /** Switch port: the VLANs it trunks (802.1Q). */
  trunk?: number[];
}

export interface LabNode {
  name: string;
  kind: LabNodeKind;
  interfaces: LabInterface[];
  /** The default gateway, for hosts that have one. */
  gateway?: string;
}

export interface LinkEndpoint {
  node: string;
  iface: string;
}

/**
 * Link impairments as people write them (tc-netem spellings, as in topology files): rate `100Mbit`,
 * delay `20ms`, jitter `5ms`, loss `1%`, duplicate `0.1%`, reorder `25%`, corrupt `0.1%`; mtu and
 * queue (frames) as numbers. Absent: the default (no impairment).
 */
export interface LinkImpairmentsText {
  rate?: string;
  delay?: string;
  jitter?: string;
  loss?: string;
  duplicate?: string;
  reorder?: string;
  corrupt?: string;
  mtu?: number;
  queue?: number;
}

/** The names of {@link LinkImpairmentsText}'s fields, for validation and forms. */
export const IMPAIRMENT_TEXT_FIELDS = [
  "rate",
  "delay",
  "jitter",
  "loss",
  "duplicate",
  "reorder",
  "corrupt",
] as const;
export const IMPAIRMENT_NUMBER_FIELDS = ["mtu", "queue"] as const;

export interface LabLink {
  /** Stable id, used in events (`link`) and in edits. */
  id: string;
  a: LinkEndpoint;
  b: LinkEndpoint;
  impairments: LinkImpairmentsText;
  up: boolean;
}

/** One line of the warm-up script (or of any command the server ran on its own). */
export interface ScriptLine {
  /** The command as the shell reads it, node first: `laptop ping -c 2 web1`. */
  command: string;
  /** Why it is there, for the page to show. */
  comment?: string;
}

export interface LabSnapshot {
  name: string;
  /** The file it came from, or `examples/internet.yml` for the demo. */
  file: string;
  nodes: LabNode[];
  links: LabLink[];
}

// ================================================================================================
// Events

/**
 * Event types. Those named after a trace event keep its name (src/trace/events.ts):
 * - `frame-sent`, `frame-received`: a frame left or arrived at `node:iface` (has `frameId`);
 * - `link-delivered`: a frame reached the far end of `link` (has `frameId` of the sent frame);
 * - `drop`: something was dropped (`summary` says where and why; `frameId` when the frame is known);
 * - `route`: a routing decision; `forward`: a router forwarded (TTL decremented);
 * - `neighbor`: an ARP/NDP entry was resolved; `deliver`: a packet reached a local protocol;
 * - `tcp-segment`, `tcp-state`, `tcp-cc` (congestion window / RTT update, `values`);
 * - `nat-translated`, `nat-mapping`, `dhcp`, `dns`, `ipv6` (address/RA/redirect);
 * - `routing-message` (an OSPF/RIP/BGP message sent or received, `direction`), `routing-neighbor`
 *   (a neighbour's state change, `fromState`/`toState`), `routing-route` (a route the protocol
 *   added, changed or removed), with `protocol` `ospf`, `rip` or `bgp` (src/routing/events.ts);
 * - `link-state`, `link-edit`, `node-added`: the page's edits (or the script's);
 * - `command`: the server started running a shell command (`summary` is the line, node first; `node` the
 *   terminal's node, absent for the start-up script and the lab-wide terminal).
 * A page ignores types it does not know.
 */
export type LabEventType =
  | "frame-sent"
  | "frame-received"
  | "link-delivered"
  | "drop"
  | "route"
  | "forward"
  | "neighbor"
  | "deliver"
  | "tcp-segment"
  | "tcp-state"
  | "tcp-cc"
  | "nat-translated"
  | "nat-mapping"
  | "dhcp"
  | "dns"
  | "ipv6"
  | "routing-message"
  | "routing-neighbor"
  | "routing-route"
  | "link-state"
  | "link-edit"
  | "node-added"
  | "command";

/** Protocol tags for colouring, the highest layer that was recognised. */
export type LabProtocol =
  | "arp"
  | "ndp"
  | "icmp"
  | "icmpv6"
  | "tcp"
  | "udp"
  | "dns"
  | "dhcp"
  | "http"
  | "ospf"
  | "rip"
  | "bgp"
  | "ipv4"
  | "ipv6"
  | "ethernet"
  | "other";

export interface LabEvent {
  /** 0, 1, 2, ... in order, no gaps (events older than the history cap are forgotten, see `hello`). */
  seq: number;
  /** Virtual time in nanoseconds since the lab started. */
  time: number;
  type: LabEventType;
  /** Where it happened (absent for lab-wide events). */
  node?: string;
  iface?: string;
  /** The link id ({@link LabLink.id}) for link events, and the link a frame was sent into or received from. */
  link?: string;
  /**
   * The frame, for `get-packet`. Each `frame-sent` gets a new id; `frame-received` and
   * `link-delivered` carry the id of the frame as received (a new id when a switch or link changed
   * it, else the sender's) and `sentFrameId` the id it had when sent.
   */
  frameId?: number;
  /** For `frame-received`/`link-delivered`: the `frame-sent` it came from (animation). */
  sentFrameId?: number;
  /** For `link-delivered`: the endpoint it left and the one it reached, as `node:iface`. */
  from?: string;
  to?: string;
  protocol?: LabProtocol;
  /** One line, like Wireshark's Info column. */
  summary: string;
  /**
   * A TCP connection's stable id: both endpoints sorted, `10.0.0.1:40000<>10.0.0.2:80`, so the two
   * ends (and the frames between them) share it. Behind a NAT each side has its own.
   */
  connection?: string;
  /**
   * Numbers for plots: `cwnd`, `ssthresh` (absent while infinite, before the first loss), `srtt`
   * (ns), `rto` (ns) on `tcp-cc`; `seq`, `ack` (absolute), `window`, `length` (data bytes) on TCP
   * frames and `tcp-segment`; `bytes` (frame length) and `ttl` on frames.
   */
  values?: Record<string, number>;
  /** For TCP frames, `tcp-segment` and dropped TCP frames: flags as `SYN`, `SYN,ACK`, `ACK`, `FIN,ACK`, `RST`... */
  flags?: string;
  /** For `tcp-segment`: `out` sent, `in` received. For `tcp-state`: absent. */
  direction?: "in" | "out";
  /** For `tcp-segment`: a retransmission. */
  retransmission?: boolean;
  /** For `tcp-state`: the state left and the state entered (RFC 9293 §3.3.2). */
  fromState?: string;
  toState?: string;
}

// ================================================================================================
// A packet, opened in the inspector

export interface PacketField {
  name: string;
  value: string;
  /** What it means here (e.g. "hops left before a router discards the packet"). */
  meaning?: string;
  /** Byte offset within the whole frame (not the layer), for highlighting the hex dump. */
  offset?: number;
  length?: number;
  children?: PacketField[];
}

export interface PacketLayer {
  /** Machine name, e.g. `ipv4`. */
  layer: string;
  /** e.g. `Internet Protocol version 4`. */
  name: string;
  /** e.g. `3 Network`. */
  osi: string;
  /** e.g. `Internet`. */
  tcpip: string;
  summary: string;
  /** Byte offset of the layer within the frame, and its length to the end of what it covers. */
  offset: number;
  length: number;
  fields: PacketField[];
  /** The layer did not parse: why. */
  error?: string;
}

/** What happened to the packet at a device, from the events around it. */
export interface PacketAtDevice {
  node: string;
  iface?: string;
  time: number;
  /** `received`, `sent`, `arp`, `route`, `forward`, `nat`, `drop`, `deliver`... */
  kind: string;
  /** A sentence, e.g. "route 203.0.113.0/26 via 192.0.2.9 on eth0", "TTL 64 → 63", "dropped: no route". */
  what: string;
  /** The event it comes from. */
  seq: number;
  /**
   * For `sent`, `received` and `drop`: the frame as it was there (a router sends the packet in a
   * new frame: other MAC addresses, TTL one lower), to open with `get-packet` ("in" and "out").
   */
  frameId?: number;
}

// ================================================================================================
// Server → page

export interface HelloMessage {
  type: "hello";
  version: number;
  lab: LabSnapshot;
  /** Virtual time now (ns). */
  time: number;
  /** The commands run at start, in order, so the page can show what it is watching. */
  script: ScriptLine[];
  /** Limits the server keeps to. */
  limits: {
    /** Events kept; older ones are forgotten (and `firstSeq` moves on). */
    maxEvents: number;
    maxMessageBytes: number;
    maxShellLine: number;
    maxSessions: number;
  };
  /** The oldest event still kept (0 until the cap is reached). */
  firstSeq: number;
}

/** New events, appended in `seq` order. The first `events` after `hello` starts at `hello.firstSeq`. */
export interface EventsMessage {
  type: "events";
  events: LabEvent[];
  /** Virtual time now (ns). */
  time: number;
}

export interface PacketMessage {
  type: "packet";
  /** The `id` of the request. */
  replyTo?: number;
  frameId: number;
  /** The frame's bytes, lowercase hex without separators. */
  bytes: string;
  /** Captured length (bytes.length / 2) and where it was first seen. */
  length: number;
  node: string;
  iface: string;
  time: number;
  layers: PacketLayer[];
  atDevice: PacketAtDevice[];
}

export interface ShellOutputMessage {
  type: "shell-output";
  session: string;
  /** Text as a terminal shows it (newlines are `\n`; the page converts for xterm). */
  text: string;
  /** Standard error rather than standard output. */
  stderr?: boolean;
}

/** A command line finished: its exit status, and the prompt may come back. */
export interface ShellExitMessage {
  type: "shell-exit";
  session: string;
  code: number;
  replyTo?: number;
}

export interface CompletionsMessage {
  type: "completions";
  session: string;
  replyTo?: number;
  /** Words that could replace the last word of the line... */
  candidates: string[];
  /** ...which starts at this index. */
  start: number;
}

/** The lab changed (an edit): the new snapshot. */
export interface LabChangedMessage {
  type: "lab-changed";
  lab: LabSnapshot;
  replyTo?: number;
}

/** `run {duration}` finished. */
export interface RunDoneMessage {
  type: "run-done";
  replyTo?: number;
  time: number;
}

export interface ErrorMessage {
  type: "error";
  message: string;
  /** The `type` of the message it answers, when that could be read. */
  request?: string;
  replyTo?: number;
}

export type ServerMessage =
  | HelloMessage
  | EventsMessage
  | PacketMessage
  | ShellOutputMessage
  | ShellExitMessage
  | CompletionsMessage
  | LabChangedMessage
  | RunDoneMessage
  | ErrorMessage;

// ================================================================================================
// Page → server (every one optionally carries `id`, a request number echoed as `replyTo`)

export interface GetPacketRequest {
  type: "get-packet";
  id?: number;
  frameId: number;
}

/** Opens a terminal on `node` (lines typed there run as `node COMMAND`); without node, the lab's shell. */
export interface ShellOpenRequest {
  type: "shell-open";
  id?: number;
  session: string;
  node?: string;
}

/** One whole line typed in a terminal. */
export interface ShellInputRequest {
  type: "shell-input";
  id?: number;
  session: string;
  line: string;
}

/** Ctrl-C: stops the command running in the session. */
export interface ShellInterruptRequest {
  type: "shell-interrupt";
  id?: number;
  session: string;
}

export interface ShellCloseRequest {
  type: "shell-close";
  id?: number;
  session: string;
}

export interface ShellCompleteRequest {
  type: "shell-complete";
  id?: number;
  session: string;
  line: string;
}

/** Changes a link's impairments (both directions); fields absent keep their value, `""` resets one. */
export interface EditLinkRequest {
  type: "edit-link";
  id?: number;
  link: string;
  impairments: LinkImpairmentsText;
}

export interface LinkStateRequest {
  type: "link-state";
  id?: number;
  link: string;
  up: boolean;
}

/** Adds a host attached to a switch or router, addressed automatically from that subnet. */
export interface AddHostRequest {
  type: "add-host";
  id?: number;
  name: string;
  attachTo: { node: string };
}

/** Lets `duration` nanoseconds of network time pass. */
export interface RunRequest {
  type: "run";
  id?: number;
  duration: number;
}

export type ClientMessage =
  | GetPacketRequest
  | ShellOpenRequest
  | ShellInputRequest
  | ShellInterruptRequest
  | ShellCloseRequest
  | ShellCompleteRequest
  | EditLinkRequest
  | LinkStateRequest
  | AddHostRequest
  | RunRequest;

export type ClientMessageType = ClientMessage["type"];

// ================================================================================================
// Validation (hand-written: small, exact, and the error says what is wrong)

/** Either the message, checked, or why it is refused (and its `type`/`id` when readable, for the reply). */
export type Validation =
  | { ok: true; message: ClientMessage }
  | { ok: false; error: string; request?: string; id?: number };

/** Names of nodes, sessions and links: letters, digits and `._:-`, 1..MAX_NAME characters. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** A node name the topology loader accepts (for add-host). */
const NODE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

type Fields = Record<string, unknown>;

class Invalid {
  constructor(readonly reason: string) {}
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function only(message: Fields, allowed: readonly string[]): void {
  for (const key of Object.keys(message)) {
    if (!allowed.includes(key)) throw new Invalid(`unknown field "${key.slice(0, MAX_NAME)}"`);
  }
}

function name(message: Fields, key: string, pattern = NAME): string {
  const value = message[key];
  if (typeof value !== "string") throw new Invalid(`"${key}" must be a string`);
  if (value.length === 0 || value.length > MAX_NAME)
    throw new Invalid(`"${key}" must be 1 to ${MAX_NAME} characters`);
  if (!pattern.test(value)) throw new Invalid(`"${key}" has characters that are not allowed`);
  return value;
}

function line(message: Fields, key: string): string {
  const value = message[key];
  if (typeof value !== "string") throw new Invalid(`"${key}" must be a string`);
  if (value.length > MAX_SHELL_LINE)
    throw new Invalid(`"${key}" is longer than ${MAX_SHELL_LINE} characters`);
  // One line: the page sends what was typed before Enter. Control characters other than tab have
  // no meaning to the shell.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value))
    throw new Invalid(`"${key}" must be one line of text`);
  return value;
}

function integer(message: Fields, key: string, min: number, max: number): number {
  const value = message[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new Invalid(`"${key}" must be a whole number from ${min} to ${max}`);
  return value;
}

function impairments(value: unknown): LinkImpairmentsText {
  if (!isObject(value)) throw new Invalid(`"impairments" must be an object`);
  only(value, [...IMPAIRMENT_TEXT_FIELDS, ...IMPAIRMENT_NUMBER_FIELDS]);
  const out: LinkImpairmentsText = {};
  for (const key of IMPAIRMENT_TEXT_FIELDS) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== "string" || v.length > 64 || !/^[A-Za-z0-9.%/ ]*$/.test(v))
      throw new Invalid(`"impairments.${key}" must be text like "10ms", "100Mbit" or "1%"`);
    out[key] = v;
  }
  for (const key of IMPAIRMENT_NUMBER_FIELDS) {
    const v = value[key];
    if (v === undefined) continue;
    if (
      typeof v !== "number" ||
      !Number.isInteger(v) ||
      v < (key === "mtu" ? 68 : 1) ||
      v > (key === "mtu" ? 65535 : 100_000)
    )
      throw new Invalid(
        `"impairments.${key}" must be a whole number (${key === "mtu" ? "68 to 65535" : "1 to 100000"})`,
      );
    out[key] = v;
  }
  return out;
}

const CLIENT_TYPES: readonly ClientMessageType[] = [
  "get-packet",
  "shell-open",
  "shell-input",
  "shell-interrupt",
  "shell-close",
  "shell-complete",
  "edit-link",
  "link-state",
  "add-host",
  "run",
];

function check(message: Fields, type: ClientMessageType, id: number | undefined): ClientMessage {
  const base = id === undefined ? {} : { id };
  switch (type) {
    case "get-packet":
      only(message, ["type", "id", "frameId"]);
      return { type, ...base, frameId: integer(message, "frameId", 0, Number.MAX_SAFE_INTEGER) };
    case "shell-open": {
      only(message, ["type", "id", "session", "node"]);
      const session = name(message, "session");
      return message.node === undefined
        ? { type, ...base, session }
        : { type, ...base, session, node: name(message, "node") };
    }
    case "shell-input":
      only(message, ["type", "id", "session", "line"]);
      return { type, ...base, session: name(message, "session"), line: line(message, "line") };
    case "shell-complete":
      only(message, ["type", "id", "session", "line"]);
      return { type, ...base, session: name(message, "session"), line: line(message, "line") };
    case "shell-interrupt":
    case "shell-close":
      only(message, ["type", "id", "session"]);
      return { type, ...base, session: name(message, "session") };
    case "edit-link":
      only(message, ["type", "id", "link", "impairments"]);
      return { type, ...base, link: name(message, "link"), impairments: impairments(message.impairments) };
    case "link-state":
      only(message, ["type", "id", "link", "up"]);
      if (typeof message.up !== "boolean") throw new Invalid(`"up" must be true or false`);
      return { type, ...base, link: name(message, "link"), up: message.up };
    case "add-host": {
      only(message, ["type", "id", "name", "attachTo"]);
      const host = name(message, "name", NODE_NAME);
      if (!isObject(message.attachTo)) throw new Invalid(`"attachTo" must be an object {node}`);
      only(message.attachTo, ["node"]);
      return { type, ...base, name: host, attachTo: { node: name(message.attachTo, "node") } };
    }
    case "run":
      only(message, ["type", "id", "duration"]);
      return { type, ...base, duration: integer(message, "duration", 1, MAX_RUN_DURATION_NS) };
  }
}

/**
 * Checks one message from the page: its text (at most {@link MAX_CLIENT_MESSAGE_BYTES}), that it is
 * JSON, an object with a known `type`, and exactly the fields that type has, each of the right
 * kind and size. Never throws.
 */
export function validateClientMessage(text: string): Validation {
  if (typeof text !== "string") return { ok: false, error: "a message must be JSON text" };
  // Characters count at most 3 UTF-8 bytes each, a cheap upper bound before encoding.
  if (
    text.length > MAX_CLIENT_MESSAGE_BYTES ||
    new TextEncoder().encode(text).length > MAX_CLIENT_MESSAGE_BYTES
  )
    return { ok: false, error: `message too large (limit ${MAX_CLIENT_MESSAGE_BYTES} bytes)` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "message is not JSON" };
  }
  return validateClientValue(value);
}

/** As {@link validateClientMessage}, for an already parsed value. */
export function validateClientValue(value: unknown): Validation {
  if (!isObject(value)) return { ok: false, error: "a message must be a JSON object" };
  const id =
    typeof value.id === "number" &&
    Number.isInteger(value.id) &&
    value.id >= 0 &&
    value.id <= Number.MAX_SAFE_INTEGER
      ? value.id
      : undefined;
  if (value.id !== undefined && id === undefined)
    return { ok: false, error: `"id" must be a whole number from 0`, ...requestOf(value) };
  const type = value.type;
  if (typeof type !== "string")
    return { ok: false, error: `a message needs a "type"`, ...(id !== undefined ? { id } : {}) };
  if (!(CLIENT_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      error: `unknown message type "${type.slice(0, MAX_NAME)}"; expected one of ${CLIENT_TYPES.join(", ")}`,
      ...(id !== undefined ? { id } : {}),
    };
  }
  try {
    return { ok: true, message: check(value, type as ClientMessageType, id) };
  } catch (error) {
    if (error instanceof Invalid)
      return {
        ok: false,
        error: `${type}: ${error.reason}`,
        request: type,
        ...(id !== undefined ? { id } : {}),
      };
    return { ok: false, error: `${type}: invalid message`, request: type };
  }
}

function requestOf(value: Fields): { request?: string } {
  return typeof value.type === "string" && (CLIENT_TYPES as readonly string[]).includes(value.type)
    ? { request: value.type }
    : {};
}
