/**
 * TCP's tunables, per stack (TcpLayer) with per-connection overrides. Defaults follow the RFCs
 * where they give a number and Linux where they leave a choice, and each says which.
 */
import type { Nanoseconds } from "../../sim/time.js";
import { MILLISECOND, SECOND } from "../../sim/time.js";
import type { CongestionControlName } from "./congestion/index.js";

const HOUR = 3600 * SECOND;

export interface KeepAliveOptions {
  /** Idle time before the first probe (RFC 1122 §4.2.3.6: at least two hours by default). */
  idle?: Nanoseconds;
  /** Time between unanswered probes (Linux: 75 s). */
  interval?: Nanoseconds;
  /** Unanswered probes before the connection is dropped (Linux: 9). */
  probes?: number;
}

export interface TcpConfig {
  /** Congestion control module for new connections (default `cubic`, as in Linux). */
  congestionControl: CongestionControlName;
  /** Minimum RTO: RFC 6298 §2.4 says 1 s (the default); Linux uses 200 ms. */
  minRto: Nanoseconds;
  /** Maximum RTO (RFC 6298 §2.5: at least 60 s; Linux 120 s). */
  maxRto: Nanoseconds;
  /** RTO before the first RTT measurement (RFC 6298 §2.1: 1 s). */
  initialRto: Nanoseconds;
  /** SYN retransmissions before connect fails with ETIMEDOUT (Linux tcp_syn_retries: 6). */
  synRetries: number;
  /** SYN-ACK retransmissions before a half-open connection is dropped (Linux: 5). */
  synAckRetries: number;
  /** Data retransmissions before the connection fails with ETIMEDOUT (RFC 1122 R2; Linux tcp_retries2: 15). */
  maxRetransmissions: number;
  /** Maximum segment lifetime; TIME-WAIT lasts 2*MSL (RFC 9293 §3.4.2). Linux's TIME-WAIT is 60 s. */
  msl: Nanoseconds;
  /** How long a connection the application closed may wait in FIN-WAIT-2 (Linux tcp_fin_timeout: 60 s). */
  finWait2Timeout: Nanoseconds;
  /** Delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2). */
  delayedAck: boolean;
  /** Delayed ACK timeout: at most 500 ms (RFC 1122); Linux uses 40 ms at first. */
  delayedAckTimeout: Nanoseconds;
  /** Disable Nagle's algorithm (RFC 896, RFC 1122 §4.2.3.4) by default. */
  noDelay: boolean;
  /** Offer SACK (RFC 2018). */
  sack: boolean;
  /** Offer timestamps (RFC 7323). */
  timestamps: boolean;
  /** Offer window scaling (RFC 7323). */
  windowScaling: boolean;
  /**
   * Undo a fast recovery that D-SACKs (RFC 3708) or timestamps (RFC 3522, at its end) prove
   * spurious, with RFC 4015's kind of response: cwnd and ssthresh go back to their values before
   * it, as Linux does by default.
   */
  dsackUndo: boolean;
  /**
   * The most a connection's reordering degree may grow to, in segments (Linux
   * tcp_max_reordering, 300): once reordering is seen, RFC 6675's DupThresh follows it (RFC 4653's
   * idea) so reordered segments stop triggering fast retransmits. 3 turns the adaptation off.
   */
  maxReordering: number;
  /** Answer with SYN cookies when a listener's SYN queue is full (Linux tcp_syncookies=1). */
  syncookies: boolean;
  /** Initial receive buffer in bytes (Linux tcp_rmem[1]: 128 KiB). */
  receiveBuffer: number;
  /** Receive buffer auto-tuning ceiling (Linux tcp_rmem[2]). */
  receiveBufferMax: number;
  /** Initial send buffer in bytes (Linux tcp_wmem[1]: 16 KiB; we start at 64 KiB). */
  sendBuffer: number;
  /** Send buffer auto-tuning ceiling (Linux tcp_wmem[2]). */
  sendBufferMax: number;
  /** Most out-of-order ranges (holes) a connection holds at once; beyond, segments are dropped. */
  maxOutOfOrderRanges: number;
  /** RFC 5961 §7: challenge ACKs per second, for the whole stack (Linux: 1000). */
  challengeAckLimit: number;
  /** Keepalive for new connections (off by default, RFC 1122 §4.2.3.6). */
  keepAlive: false | Required<KeepAliveOptions>;
  /**
   * A new active open may take over a 4-tuple still in TIME-WAIT once the old connection's last
   * timestamp is this old (Linux's tcp_tw_reuse, 1 s): timestamps (PAWS) and a higher ISN keep
   * the old connection's segments out of the new one. `false`: never.
   */
  timeWaitReuse: Nanoseconds | false;
  /** Ephemeral port range (RFC 6335 §6: 49152-65535). */
  ephemeralPortMin: number;
  ephemeralPortMax: number;
  /** Default listen backlog (the SYN queue's bound; Node's default is 511). */
  backlog: number;
}

export const DEFAULT_KEEPALIVE: Required<KeepAliveOptions> = {
  idle: 2 * HOUR,
  interval: 75 * SECOND,
  probes: 9,
};

export const DEFAULT_TCP_CONFIG: TcpConfig = {
  congestionControl: "cubic",
  minRto: SECOND,
  maxRto: 120 * SECOND,
  initialRto: SECOND,
  synRetries: 6,
  synAckRetries: 5,
  maxRetransmissions: 15,
  msl: 30 * SECOND,
  finWait2Timeout: 60 * SECOND,
  delayedAck: true,
  delayedAckTimeout: 40 * MILLISECOND,
  noDelay: false,
  sack: true,
  timestamps: true,
  windowScaling: true,
  syncookies: true,
  dsackUndo: true,
  maxReordering: 300,
  receiveBuffer: 128 * 1024,
  receiveBufferMax: 32 * 1024 * 1024,
  sendBuffer: 64 * 1024,
  sendBufferMax: 32 * 1024 * 1024,
  maxOutOfOrderRanges: 512,
  challengeAckLimit: 1000,
  keepAlive: false,
  timeWaitReuse: SECOND,
  ephemeralPortMin: 49152,
  ephemeralPortMax: 65535,
  backlog: 511,
};
