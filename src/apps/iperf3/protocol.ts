/**
 * The iperf3 control protocol, as iperf 3.12 (Debian 12's) speaks it over TCP port 5201.
 *
 * A test is one control connection plus one TCP connection per stream, all opened by the client:
 *
 * ```
 * client                                         server
 *   ── cookie (36 characters + NUL) ───────────────►     identifies the test on every connection
 *   ◄────────────────────────── PARAM_EXCHANGE (9) ──
 *   ── length (u32, network order) + JSON params ──►     {"tcp":true,"time":10,"parallel":1,...}
 *   ◄────────────────────────── CREATE_STREAMS (10) ─
 *   ══ one data connection per stream, each starting with the cookie ══►
 *   ◄──────────────── TEST_START (1), TEST_RUNNING (2)
 *   ══ data: client → server (or server → client with -R) ══
 *   ── TEST_END (4) ────────────────────────────────►     the client's timer (or byte count) ran out
 *   ◄────────────────────────── EXCHANGE_RESULTS (13)
 *   ── length + JSON results (client's) ───────────►
 *   ◄─────────────────── length + JSON results (server's)
 *   ◄────────────────────────── DISPLAY_RESULTS (14)
 *   ── IPERF_DONE (16) ─────────────────────────────►
 * ```
 *
 * Every state is one signed octet. A busy server answers a second test's cookie with
 * ACCESS_DENIED (-1); a server that cannot run the test sends SERVER_ERROR (-2) followed by two
 * 32-bit network-order integers, iperf's error number (`i_errno`) and the system `errno`.
 * (Values from iperf_api.h; the exchange was checked against the Debian binary with tcpdump.)
 */

/** Test states, the octets on the control connection (iperf_api.h). */
export const Iperf3State = {
  TEST_START: 1,
  TEST_RUNNING: 2,
  TEST_END: 4,
  PARAM_EXCHANGE: 9,
  CREATE_STREAMS: 10,
  SERVER_TERMINATE: 11,
  CLIENT_TERMINATE: 12,
  EXCHANGE_RESULTS: 13,
  DISPLAY_RESULTS: 14,
  IPERF_START: 15,
  IPERF_DONE: 16,
  ACCESS_DENIED: -1,
  SERVER_ERROR: -2,
} as const;

const stateNames = new Map<number, string>(Object.entries(Iperf3State).map(([name, value]) => [value, name]));

export function iperf3StateName(state: number): string {
  return stateNames.get(state) ?? `unknown state ${state}`;
}

/** iperf's error numbers (`i_errno`) that we send or explain (iperf_api.h). */
export const Iperf3Error = {
  IENUMSTREAMS: 6,
  IEBLOCKSIZE: 7,
  IEUNIMP: 13,
  IEENDCONDITIONS: 16,
  IEREVERSEBIDIR: 25,
  IECTRLCLOSE: 109,
  IEMESSAGE: 110,
  IERECVPARAMS: 114,
  IERECVRESULTS: 117,
  IECLIENTTERM: 119,
  IESERVERTERM: 120,
  IEACCESSDENIED: 121,
  IEPROTOCOL: 131,
  IESTREAMID: 208,
} as const;

const errorTexts = new Map<number, string>([
  [Iperf3Error.IENUMSTREAMS, "number of parallel streams too large"],
  [Iperf3Error.IEBLOCKSIZE, "block size too large"],
  [Iperf3Error.IEUNIMP, "an option you are trying to set is not implemented yet"],
  [Iperf3Error.IEENDCONDITIONS, "only one test end condition (-t, -n, -k) may be specified"],
  [Iperf3Error.IEREVERSEBIDIR, "cannot be both reverse and bidirectional"],
  [Iperf3Error.IECTRLCLOSE, "control socket has closed unexpectedly"],
  [Iperf3Error.IEMESSAGE, "received an unknown control message"],
  [Iperf3Error.IERECVPARAMS, "unable to receive parameters from client"],
  [Iperf3Error.IERECVRESULTS, "unable to receive results"],
  [Iperf3Error.IECLIENTTERM, "the client has terminated"],
  [Iperf3Error.IESERVERTERM, "the server has terminated"],
  [Iperf3Error.IEACCESSDENIED, "the server is busy running a test. try again later"],
  [Iperf3Error.IEPROTOCOL, "protocol does not exist"],
  [Iperf3Error.IESTREAMID, "stream has an invalid id"],
]);

export function iperf3ErrorText(code: number): string {
  return errorTexts.get(code) ?? `iperf error ${code}`;
}

/** A test that failed, with iperf's error number when there is one. */
export class Iperf3ProtocolError extends Error {
  override name = "Iperf3ProtocolError";
  constructor(
    message: string,
    /** iperf's `i_errno`, when the failure has one. */
    readonly code?: number,
  ) {
    super(message);
  }
}

/** 36 characters and a NUL (iperf.h COOKIE_SIZE). */
export const COOKIE_SIZE = 37;
/** The characters iperf draws cookies from (iperf_util.c make_cookie). */
const COOKIE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A fresh cookie from `random` (numbers in [0, 1)): 36 characters, as iperf makes them. */
export function makeCookie(random: () => number): string {
  let cookie = "";
  for (let i = 0; i < COOKIE_SIZE - 1; i++)
    cookie += COOKIE_ALPHABET[Math.floor(random() * COOKIE_ALPHABET.length)];
  return cookie;
}

/** The cookie as sent: ASCII plus the terminating NUL. */
export function encodeCookie(cookie: string): Uint8Array {
  const bytes = new Uint8Array(COOKIE_SIZE);
  for (let i = 0; i < COOKIE_SIZE - 1 && i < cookie.length; i++) bytes[i] = cookie.charCodeAt(i) & 0x7f;
  return bytes;
}

/** The cookie received: the characters up to the first NUL. */
export function decodeCookie(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length && bytes[i] !== 0; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** A state octet (signed). */
export function encodeState(state: number): Uint8Array {
  return Uint8Array.of(state & 0xff);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON with its 4-octet network-order length in front (iperf_api.c JSON_write). */
export function encodeJsonMessage(value: unknown): Uint8Array {
  const text = encoder.encode(JSON.stringify(value));
  const out = new Uint8Array(4 + text.length);
  new DataView(out.buffer).setUint32(0, text.length);
  out.set(text, 4);
  return out;
}

/** SERVER_ERROR followed by i_errno and errno, 32 bits each in network order. */
export function encodeServerError(code: number, errno = 0): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = Iperf3State.SERVER_ERROR & 0xff;
  const view = new DataView(out.buffer);
  view.setInt32(1, code);
  view.setInt32(5, errno);
  return out;
}

/** Largest JSON message accepted: parameters and results are a few hundred octets; 1 MiB is generous. */
export const MAX_JSON_MESSAGE = 1 << 20;

/**
 * Bytes arriving on a control connection, consumed as the protocol expects them: a cookie, a state
 * octet, a length-prefixed JSON object, integers. Each `take…` returns undefined until enough bytes
 * are there, so the reader is driven by `data` events without blocking or promises.
 */
export class ControlReader {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  get available(): number {
    return this.length;
  }

  /** Takes `n` bytes (a copy), or undefined when fewer are waiting. */
  take(n: number): Uint8Array | undefined {
    if (this.length < n) return undefined;
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const piece = Math.min(chunk.length - this.head, n - filled);
      out.set(chunk.subarray(this.head, this.head + piece), filled);
      filled += piece;
      this.head += piece;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }

  /** Everything waiting (for a data connection's first chunk after the cookie). */
  takeAll(): Uint8Array {
    return this.take(this.length) ?? new Uint8Array(0);
  }

  takeState(): number | undefined {
    const byte = this.take(1);
    return byte === undefined ? undefined : (byte[0] << 24) >> 24;
  }

  takeInt32(): number | undefined {
    if (this.length < 4) return undefined;
    return new DataView(this.take(4)!.buffer).getInt32(0);
  }

  /**
   * A length-prefixed JSON object: undefined while incomplete, an Iperf3ProtocolError when the
   * length is absurd or the text is not a JSON object.
   */
  takeJson(): Record<string, unknown> | Iperf3ProtocolError | undefined {
    if (this.length < 4) return undefined;
    const lengthBytes = this.peek(4);
    const size = new DataView(lengthBytes.buffer).getUint32(0);
    if (size > MAX_JSON_MESSAGE) return new Iperf3ProtocolError(`JSON message of ${size} bytes is too long`);
    if (this.length < 4 + size) return undefined;
    this.take(4);
    const text = decoder.decode(this.take(size));
    try {
      const value: unknown = JSON.parse(text);
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return new Iperf3ProtocolError("JSON message is not an object");
      }
      return value as Record<string, unknown>;
    } catch {
      return new Iperf3ProtocolError("JSON message does not parse");
    }
  }

  private peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let index = 0;
    let offset = this.head;
    while (filled < n) {
      const chunk = this.chunks[index];
      const piece = Math.min(chunk.length - offset, n - filled);
      out.set(chunk.subarray(offset, offset + piece), filled);
      filled += piece;
      index++;
      offset = 0;
    }
    return out;
  }
}
