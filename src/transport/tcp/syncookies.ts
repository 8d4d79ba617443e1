/**
 * SYN cookies (RFC 4987 §3.6, D. J. Bernstein's design as Linux implements it): when a listener's
 * SYN queue is full, the SYN-ACK's sequence number itself carries the state the queue would have
 * held, and nothing is stored. The client's ACK returns it (ACK - 1), so a legitimate client still
 * connects while a flood of spoofed SYNs costs the listener no memory.
 *
 *   cookie = H1(4-tuple) + client ISN + (t << 24) + ((H2(4-tuple, t) + mssIndex) mod 2^24)
 *
 * t is a counter that ticks every 64 s; a cookie older than two ticks is refused. mssIndex picks
 * one of four MSS values. Window scaling and SACK cannot fit in the sequence number; when the
 * client sent timestamps, they ride in the low 6 bits of our TSval, which the client echoes back
 * in TSecr (Linux's `cookie_init_timestamp`).
 */
import type { Nanoseconds } from "../../sim/time.js";
import { SECOND } from "../../sim/time.js";
import type { IpAddress } from "../../wire/address/ipv6.js";
import { tupleWords } from "./isn.js";
import { halfSipHash, type SipKey } from "./siphash.js";

const COOKIE_BITS = 24;
const COOKIE_MASK = (1 << COOKIE_BITS) - 1;
/** The cookie clock's period (Linux: 64 s). */
const COOKIE_PERIOD: Nanoseconds = 64 * SECOND;
/** Cookies older than this many periods are refused. */
const MAX_AGE = 2;

/** The MSS values a cookie can encode, per address family (Linux's msstab). */
export const COOKIE_MSS_V4 = [536, 1300, 1440, 1460] as const;
export const COOKIE_MSS_V6 = [1220, 1420, 1440, 8940] as const;

/** Options encoded in the low bits of TSval: window scale (4 bits, 15 = none) and SACK (bit 4). */
const TS_WSCALE_MASK = 0xf;
const TS_SACK = 0x10;
const TS_BITS = 6;
const TS_MASK = (1 << TS_BITS) - 1;

export interface CookieOptions {
  /** The client's window scale shift, or undefined when it sent none. */
  windowScale: number | undefined;
  sackPermitted: boolean;
}

export class SynCookies {
  constructor(
    private readonly key1: SipKey,
    private readonly key2: SipKey,
  ) {}

  private counter(now: Nanoseconds): number {
    return Math.floor(now / COOKIE_PERIOD) & 0xff;
  }

  /** The largest table MSS not above `mss`, as an index. */
  static mssIndex(mss: number, ipVersion: 4 | 6): number {
    const table = ipVersion === 4 ? COOKIE_MSS_V4 : COOKIE_MSS_V6;
    for (let i = table.length - 1; i > 0; i--) if (mss >= table[i]) return i;
    return 0;
  }

  static mssOf(index: number, ipVersion: 4 | 6): number {
    return (ipVersion === 4 ? COOKIE_MSS_V4 : COOKIE_MSS_V6)[index];
  }

  /** Our ISN for a SYN from (remote, remotePort) to (local, localPort) with sequence number `clientIsn`. */
  create(
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
    clientIsn: number,
    mssIndex: number,
    now: Nanoseconds,
  ): number {
    const t = this.counter(now);
    const h1 = halfSipHash(this.key1, tupleWords(local, localPort, remote, remotePort));
    const h2 = halfSipHash(this.key2, tupleWords(local, localPort, remote, remotePort, t));
    return (h1 + clientIsn + t * 2 ** COOKIE_BITS + ((h2 + mssIndex) & COOKIE_MASK)) >>> 0;
  }

  /**
   * Checks the cookie an ACK returns (`cookie` = SEG.ACK - 1, `clientIsn` = SEG.SEQ - 1) and gives
   * back the MSS index it encodes, or -1 when it is not one of ours or too old.
   */
  check(
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
    clientIsn: number,
    cookie: number,
    now: Nanoseconds,
  ): number {
    const t = this.counter(now);
    const h1 = halfSipHash(this.key1, tupleWords(local, localPort, remote, remotePort));
    const rest = (cookie - h1 - clientIsn) >>> 0;
    const age = (t - (rest >>> COOKIE_BITS)) & 0xff;
    if (age >= MAX_AGE) return -1;
    const h2 = halfSipHash(this.key2, tupleWords(local, localPort, remote, remotePort, (t - age) & 0xff));
    const index = (rest - h2) & COOKIE_MASK;
    return index < COOKIE_MSS_V4.length ? index : -1;
  }

  /** Our TSval with the client's options in its low bits (never above `tsNow`). */
  static encodeTimestamp(tsNow: number, options: CookieOptions): number {
    const bits = (options.windowScale ?? TS_WSCALE_MASK) | (options.sackPermitted ? TS_SACK : 0);
    let ts = ((tsNow & ~TS_MASK) | bits) >>> 0;
    if (((ts - tsNow) | 0) > 0) ts = (ts - (1 << TS_BITS)) >>> 0;
    return ts;
  }

  /** The options a cookie ACK's TSecr carries back. */
  static decodeTimestamp(tsEcr: number): CookieOptions {
    const wscale = tsEcr & TS_WSCALE_MASK;
    return {
      windowScale: wscale === TS_WSCALE_MASK ? undefined : wscale,
      sackPermitted: (tsEcr & TS_SACK) !== 0,
    };
  }
}
