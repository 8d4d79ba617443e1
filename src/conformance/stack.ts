/**
 * What the runner needs from the TCP under test: the passive and active OPEN calls of RFC 9293
 * §3.10.1 and, on a connection, SEND, RECEIVE, CLOSE (half and full), ABORT and STATUS. The BSD
 * socket calls of the scripts (./sockets.ts) are emulated on top of this, so the same runner drives
 * our TCP (./tcp-adapter.ts) and the scripted fake the runner's own tests use.
 */
import type { NetworkLayer, TransportProtocol } from "../net/network-layer.js";
import type { Scheduler } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";
import type { IpAddress } from "../wire/address/ipv6.js";
import type { StackCapabilities } from "./commands.js";

/** The connection states of RFC 9293 §3.3.2. */
export type ConnectionState =
  | "CLOSED"
  | "LISTEN"
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT";

/**
 * The stack-wide settings a script asks for, from its `sysctl` lines and options (see
 * ./sysctl.ts). Undefined means "the stack's default".
 */
export interface StackSettings {
  /** RFC 7323 timestamps and window scaling (FreeBSD `net.inet.tcp.rfc1323`). */
  rfc1323?: boolean;
  /** RFC 2018 SACK (`net.inet.tcp.sack.enable`). */
  sack?: boolean;
  /** Default socket buffers, bytes (`net.inet.tcp.recvspace` / `sendspace`). */
  receiveBuffer?: number;
  sendBuffer?: number;
  /** Keepalive timing (`net.inet.tcp.keepidle` / `keepintvl` / `keepcnt`). */
  keepIdle?: Nanoseconds;
  keepInterval?: Nanoseconds;
  keepCount?: number;
  /** How long an active or passive open may take before it is dropped (`net.inet.tcp.keepinit`). */
  keepInit?: Nanoseconds;
  /** RFC 6298 §2.1 initial RTO (`net.inet.tcp.rexmit_initial`). */
  initialRto?: Nanoseconds;
  /** Delayed-ACK timeout (`net.inet.tcp.delacktime`, RFC 1122 §4.2.3.2). */
  delayedAckTimeout?: Nanoseconds;
}

/** Per-socket options set with setsockopt before or after the connection exists. */
export interface SocketOptions {
  noDelay?: boolean;
  keepAlive?: boolean;
  keepIdle?: Nanoseconds;
  keepInterval?: Nanoseconds;
  keepCount?: number;
  keepInit?: Nanoseconds;
  receiveBuffer?: number;
  sendBuffer?: number;
  ttl?: number;
  tos?: number;
}

/** What the stack offers: the socket layer turns a missing one into "not applicable". */
export type SocketOptionName = keyof SocketOptions;

export interface ConnectionUnderTest {
  readonly state: ConnectionState;
  readonly localPort: number;
  readonly remotePort: number;
  /** In-order bytes waiting to be read. */
  readonly readable: number;
  /** The peer's FIN has been received (a read of an empty buffer returns 0, end of stream). */
  readonly finReceived: boolean;
  /**
   * The error that ended (or, for soft errors, troubles) the connection, as an errno name
   * (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, ...); cleared by `takeError` (SO_ERROR).
   */
  readonly error: string | undefined;
  takeError(): string | undefined;
  /** Bytes the send buffer would accept now. */
  readonly writable: number;
  /** Queues bytes; returns how many were taken, or an errno name (EPIPE after shutdown). */
  write(bytes: Uint8Array): number | string;
  /** Takes up to `max` in-order bytes; returns how many. */
  read(max: number): number;
  /** Half close (SHUT_WR). */
  shutdown(): void;
  /** Full close. */
  close(): void;
  abort(): void;
  /** Sets an option on the live connection; false when the stack does not have it. */
  setOption<K extends SocketOptionName>(name: K, value: NonNullable<SocketOptions[K]>): boolean;
  /** What was negotiated (tcp_info's `tcpi_options`). */
  negotiated(): { timestamps: boolean; sack: boolean; windowScale: boolean; ecn: boolean };
}

export interface ListenerUnderTest {
  /** Takes the oldest established connection, if any (RFC 9293 leaves the queue to the socket API). */
  accept(): ConnectionUnderTest | undefined;
  close(): void;
}

export interface StackUnderTest {
  /** Passive OPEN on `port`; an errno name when it cannot (EADDRINUSE). */
  listen(port: number, backlog: number, options: SocketOptions): ListenerUnderTest | string;
  /** Active OPEN from an ephemeral port; an errno name when it cannot. */
  connect(remote: IpAddress, remotePort: number, options: SocketOptions): ConnectionUnderTest | string;
  /** Every connection the stack knows, for `sockstat` lines (including TIME-WAIT and embryonic ones). */
  connections(): { state: ConnectionState; localPort: number; remotePort: number }[];
  /** Deletes the connections in TIME-WAIT (`tcpdrop -s TIME_WAIT`); false when the stack cannot. */
  dropTimeWait?(): boolean;
  /** Which socket options this stack has. */
  supports(option: SocketOptionName): boolean;
  /**
   * Changes stack-wide settings for connections opened afterwards (a `sysctl` line in the middle
   * of a script); false when the stack cannot.
   */
  configure(settings: StackSettings): boolean;
}

/** Everything a stack factory is given for one script. */
export interface StackEnvironment {
  scheduler: Scheduler;
  network: NetworkLayer;
  local: IpAddress;
  settings: StackSettings;
}

/** Creates a fresh stack for one script and registers its TCP on `env.network`. */
export type StackFactory = (env: StackEnvironment) => StackUnderTest;

/** A TCP implementation the runner can test. */
export interface StackDescription {
  name: string;
  capabilities: StackCapabilities;
  create: StackFactory;
}

export type { TransportProtocol };
