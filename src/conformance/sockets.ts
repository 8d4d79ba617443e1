/**
 * BSD sockets over the TCP under test, as the scripts call them: a file-descriptor table, blocking
 * and non-blocking calls, errno values (FreeBSD's), socket options. This is the part of a kernel
 * packetdrill talks to; the protocol itself is the stack's.
 *
 * Addresses are implicit, as in the suite: `bind(3, ..., ...)` binds port 8080 of our address and
 * `connect(3, ..., ...)` connects to port 8080 of the script's remote address.
 */
import type { IpAddress } from "../wire/address/ipv6.js";
import { SYMBOLS, symbolValue } from "./constants.js";
import type { Expr } from "./pkt-ast.js";
import type {
  ConnectionUnderTest,
  ListenerUnderTest,
  SocketOptionName,
  SocketOptions,
  StackSettings,
  StackUnderTest,
} from "./stack.js";

/** The port `bind(fd, ..., ...)` binds and `connect(fd, ..., ...)` connects to. */
export const SCRIPT_PORT = 8080;
const SECOND = 1_000_000_000;

/** What a call returned: its value, errno when it failed, and an out-parameter (getsockopt). */
export interface SyscallResult {
  ret: number;
  errno?: string;
  /**
   * getsockopt's value: a number, an errno name (SO_ERROR; `0` when there is none), or
   * "unchecked" where the runner does not compare it (buffer sizes).
   */
  out?: number | { errno: string } | "unchecked";
}

export type SyscallOutcome =
  | { kind: "done"; result: SyscallResult }
  /** The call blocks; `poll` returns its result once it can complete. */
  | { kind: "blocked"; poll: () => SyscallResult | undefined }
  | { kind: "not-applicable"; reason: string }
  /** The script called something wrongly (no such socket argument form, ...). */
  | { kind: "error"; message: string };

export interface Socket {
  fd: number;
  nonBlocking: boolean;
  options: SocketOptions;
  boundPort?: number;
  listener?: ListenerUnderTest;
  connection?: ConnectionUnderTest;
  /** SHUT_RD / SHUT_WR done. */
  readShut: boolean;
  writeShut: boolean;
}

const done = (ret: number, extra: Omit<SyscallResult, "ret"> = {}): SyscallOutcome => ({
  kind: "done",
  result: { ret, ...extra },
});
const fail = (errno: string): SyscallOutcome => ({ kind: "done", result: { ret: -1, errno } });
const notApplicable = (reason: string): SyscallOutcome => ({ kind: "not-applicable", reason });

export class SocketTable {
  private readonly sockets = new Map<number, Socket>();
  /** The socket of the most recent call that named one (packetdrill's socket under test). */
  lastSocket: Socket | undefined;

  constructor(
    private readonly stack: StackUnderTest,
    private readonly remote: IpAddress,
    private readonly settings: () => StackSettings,
  ) {}

  /** Every open socket, by descriptor. */
  all(): Socket[] {
    return [...this.sockets.values()];
  }

  call(name: string, args: readonly Expr[]): SyscallOutcome {
    switch (name) {
      case "socket":
        return this.socket(args);
      case "bind":
        return this.withSocket(args, (s) => this.bind(s));
      case "listen":
        return this.withSocket(args, (s) => this.listen(s, args));
      case "accept":
        return this.withSocket(args, (s) => this.accept(s));
      case "connect":
        return this.withSocket(args, (s) => this.connect(s));
      case "read":
        return this.withSocket(args, (s) => this.read(s, args[2], undefined));
      case "recv":
        return this.withSocket(args, (s) => this.read(s, args[2], args[3]));
      case "write":
        return this.withSocket(args, (s) => this.write(s, args[2], undefined));
      case "send":
        return this.withSocket(args, (s) => this.write(s, args[2], args[3]));
      case "close":
        return this.withSocket(args, (s) => this.close(s));
      case "shutdown":
        return this.withSocket(args, (s) => this.shutdown(s, args[1]));
      case "fcntl":
        return this.withSocket(args, (s) => this.fcntl(s, args));
      case "setsockopt":
        return this.withSocket(args, (s) => this.setsockopt(s, args));
      case "getsockopt":
        return this.withSocket(args, (s) => this.getsockopt(s, args));
      default:
        return notApplicable(`system call ${name}() is not emulated`);
    }
  }

  private withSocket(args: readonly Expr[], body: (socket: Socket) => SyscallOutcome): SyscallOutcome {
    const fd = evaluate(args[0]);
    if (typeof fd !== "number") return { kind: "error", message: "the first argument must be a descriptor" };
    const socket = this.sockets.get(fd);
    if (!socket) return fail("EBADF");
    this.lastSocket = socket;
    return body(socket);
  }

  // --- Creating and connecting -----------------------------------------------------------------

  private socket(args: readonly Expr[]): SyscallOutcome {
    const type = evaluate(args[1]);
    const protocol = evaluate(args[2]);
    if (type !== SYMBOLS.SOCK_STREAM || (protocol !== SYMBOLS.IPPROTO_TCP && protocol !== 0))
      return notApplicable("only SOCK_STREAM/IPPROTO_TCP sockets are emulated");
    let fd = 3;
    while (this.sockets.has(fd)) fd++;
    const socket: Socket = { fd, nonBlocking: false, options: {}, readShut: false, writeShut: false };
    this.sockets.set(fd, socket);
    this.lastSocket = socket;
    return done(fd);
  }

  private bind(socket: Socket): SyscallOutcome {
    if (socket.boundPort !== undefined || socket.connection || socket.listener) return fail("EINVAL");
    socket.boundPort = SCRIPT_PORT;
    return done(0);
  }

  private listen(socket: Socket, args: readonly Expr[]): SyscallOutcome {
    if (socket.connection) return fail("EINVAL");
    if (socket.listener) return done(0);
    const backlog = evaluate(args[1]);
    const result = this.stack.listen(
      socket.boundPort ?? SCRIPT_PORT,
      typeof backlog === "number" ? backlog : 128,
      socket.options,
    );
    if (typeof result === "string") return fail(result);
    socket.listener = result;
    return done(0);
  }

  private accept(socket: Socket): SyscallOutcome {
    const listener = socket.listener;
    if (!listener) return fail("EINVAL");
    const take = (): SyscallResult | undefined => {
      if (!this.sockets.has(socket.fd)) return { ret: -1, errno: "EBADF" };
      const connection = listener.accept();
      if (!connection) return undefined;
      let fd = 3;
      while (this.sockets.has(fd)) fd++;
      // BSD: the new socket inherits the listener's options and O_NONBLOCK.
      const child: Socket = {
        fd,
        nonBlocking: socket.nonBlocking,
        options: { ...socket.options },
        boundPort: socket.boundPort,
        connection,
        readShut: false,
        writeShut: false,
      };
      this.sockets.set(fd, child);
      // packetdrill's socket under test is now the accepted one (tcp_info, `%{ }%`).
      this.lastSocket = child;
      return { ret: fd };
    };
    const now = take();
    if (now) return { kind: "done", result: now };
    if (socket.nonBlocking) return fail("EWOULDBLOCK");
    return { kind: "blocked", poll: take };
  }

  private connect(socket: Socket): SyscallOutcome {
    if (socket.listener) return fail("EINVAL");
    if (socket.connection) {
      const state = socket.connection.state;
      if (state === "SYN-SENT" || state === "SYN-RECEIVED") return fail("EALREADY");
      return fail("EISCONN");
    }
    const result = this.stack.connect(this.remote, SCRIPT_PORT, socket.options);
    if (typeof result === "string") return fail(result);
    socket.connection = result;
    const connection = result;
    const finished = (): SyscallResult | undefined => {
      const state = connection.state;
      if (state === "SYN-SENT" || state === "SYN-RECEIVED") return undefined;
      const error = connection.takeError();
      if (error) return { ret: -1, errno: error };
      return state === "CLOSED" ? { ret: -1, errno: "ECONNREFUSED" } : { ret: 0 };
    };
    const now = finished();
    if (now) return { kind: "done", result: now };
    if (socket.nonBlocking) return fail("EINPROGRESS");
    return { kind: "blocked", poll: finished };
  }

  // --- Data ------------------------------------------------------------------------------------

  private read(socket: Socket, lengthArg: Expr | undefined, flagsArg: Expr | undefined): SyscallOutcome {
    const length = evaluate(lengthArg);
    const flags = flagsArg === undefined ? 0 : evaluate(flagsArg);
    if (typeof length !== "number" || typeof flags !== "number")
      return { kind: "error", message: "read/recv need a length and flags" };
    if (flags & ~(SYMBOLS.MSG_PEEK | SYMBOLS.MSG_DONTWAIT))
      return notApplicable(`recv flags ${flags} are not emulated (only MSG_PEEK and MSG_DONTWAIT)`);
    const connection = socket.connection;
    if (!connection) return fail("ENOTCONN");
    const peek = (flags & SYMBOLS.MSG_PEEK) !== 0;
    const attempt = (): SyscallResult | undefined => {
      if (!this.sockets.has(socket.fd)) return { ret: -1, errno: "EBADF" };
      if (connection.readable > 0) {
        const n = Math.min(length, connection.readable);
        return { ret: peek ? n : connection.read(n) };
      }
      // BSD soreceive: a pending error is reported (and cleared) before end of stream.
      const error = connection.takeError();
      if (error) return { ret: -1, errno: error };
      if (connection.finReceived || socket.readShut) return { ret: 0 };
      const state = connection.state;
      if (state === "CLOSED" || state === "TIME-WAIT") return { ret: 0 };
      if (state === "SYN-SENT" || state === "SYN-RECEIVED") {
        if (socket.nonBlocking || flags & SYMBOLS.MSG_DONTWAIT) return { ret: -1, errno: "EWOULDBLOCK" };
        return undefined;
      }
      return undefined;
    };
    const now = attempt();
    if (now) return { kind: "done", result: now };
    if (socket.nonBlocking || flags & SYMBOLS.MSG_DONTWAIT) return fail("EWOULDBLOCK");
    return { kind: "blocked", poll: attempt };
  }

  private write(socket: Socket, lengthArg: Expr | undefined, flagsArg: Expr | undefined): SyscallOutcome {
    const length = evaluate(lengthArg);
    const flags = flagsArg === undefined ? 0 : evaluate(flagsArg);
    if (typeof length !== "number" || typeof flags !== "number")
      return { kind: "error", message: "write/send need a length and flags" };
    if (flags & ~SYMBOLS.MSG_DONTWAIT) return notApplicable(`send flags ${flags} are not emulated`);
    const connection = socket.connection;
    if (!connection) return fail(socket.listener ? "ENOTCONN" : "EPIPE");
    const nonBlocking = socket.nonBlocking || (flags & SYMBOLS.MSG_DONTWAIT) !== 0;
    let written = 0;
    const attempt = (): SyscallResult | undefined => {
      if (!this.sockets.has(socket.fd)) return { ret: -1, errno: "EBADF" };
      const error = connection.takeError();
      if (error) return written > 0 ? { ret: written } : { ret: -1, errno: error };
      if (socket.writeShut) return written > 0 ? { ret: written } : { ret: -1, errno: "EPIPE" };
      const state = connection.state;
      if (state === "SYN-SENT" || state === "SYN-RECEIVED")
        return nonBlocking ? { ret: -1, errno: "ENOTCONN" } : undefined;
      if (connection.writable === 0) return nonBlocking ? { ret: -1, errno: "EWOULDBLOCK" } : undefined;
      const taken = connection.write(new Uint8Array(length - written));
      if (typeof taken === "string") return written > 0 ? { ret: written } : { ret: -1, errno: taken };
      written += taken;
      if (written === length || nonBlocking) return { ret: written };
      return undefined;
    };
    const now = attempt();
    if (now) return { kind: "done", result: now };
    return { kind: "blocked", poll: attempt };
  }

  // --- Closing ---------------------------------------------------------------------------------

  private close(socket: Socket): SyscallOutcome {
    this.sockets.delete(socket.fd);
    socket.listener?.close();
    socket.connection?.close();
    return done(0);
  }

  private shutdown(socket: Socket, howArg: Expr | undefined): SyscallOutcome {
    const how = evaluate(howArg);
    const connection = socket.connection;
    if (!connection || connection.state === "SYN-SENT") return fail("ENOTCONN");
    if (how === SYMBOLS.SHUT_RD || how === SYMBOLS.SHUT_RDWR) socket.readShut = true;
    if (how === SYMBOLS.SHUT_WR || how === SYMBOLS.SHUT_RDWR) {
      socket.writeShut = true;
      connection.shutdown();
    }
    if (how !== SYMBOLS.SHUT_RD && how !== SYMBOLS.SHUT_WR && how !== SYMBOLS.SHUT_RDWR)
      return fail("EINVAL");
    return done(0);
  }

  // --- Control ---------------------------------------------------------------------------------

  private fcntl(socket: Socket, args: readonly Expr[]): SyscallOutcome {
    const command = evaluate(args[1]);
    if (command === SYMBOLS.F_GETFL)
      return done(SYMBOLS.O_RDWR | (socket.nonBlocking ? SYMBOLS.O_NONBLOCK : 0));
    if (command === SYMBOLS.F_SETFL) {
      const flags = evaluate(args[2]);
      if (typeof flags !== "number") return { kind: "error", message: "F_SETFL needs flags" };
      socket.nonBlocking = (flags & SYMBOLS.O_NONBLOCK) !== 0;
      return done(0);
    }
    return notApplicable(`fcntl command ${command} is not emulated`);
  }

  private setsockopt(socket: Socket, args: readonly Expr[]): SyscallOutcome {
    const level = evaluate(args[1]);
    const name = optionName(args[2]);
    const value = evaluate(args[3]);
    if (typeof value !== "number")
      return notApplicable(`setsockopt ${name} with a non-integer value is not emulated`);
    const set = <K extends SocketOptionName>(option: K, v: NonNullable<SocketOptions[K]>): SyscallOutcome => {
      if (!this.stack.supports(option))
        return notApplicable(`setsockopt ${name}: the stack has no ${option} option`);
      socket.options[option] = v;
      if (socket.connection && !socket.connection.setOption(option, v))
        return notApplicable(`setsockopt ${name} on a connected socket is not supported by the stack`);
      return done(0);
    };
    if (level === SYMBOLS.SOL_SOCKET) {
      switch (name) {
        case "SO_REUSEADDR":
        case "SO_REUSEPORT":
          // Each script runs on a fresh stack: nothing can hold the address.
          return done(0);
        case "SO_KEEPALIVE":
          return set("keepAlive", value !== 0);
        case "SO_RCVBUF":
          return set("receiveBuffer", value);
        case "SO_SNDBUF":
          return set("sendBuffer", value);
      }
    } else if (level === SYMBOLS.IPPROTO_TCP) {
      switch (name) {
        case "TCP_NODELAY":
          return set("noDelay", value !== 0);
        // FreeBSD's keepalive socket options are in seconds.
        case "TCP_KEEPIDLE":
          return set("keepIdle", value * SECOND);
        case "TCP_KEEPINTVL":
          return set("keepInterval", value * SECOND);
        case "TCP_KEEPCNT":
          return set("keepCount", value);
        case "TCP_KEEPINIT":
          return set("keepInit", value * SECOND);
        case "TCP_MD5SIG":
          return notApplicable(
            "TCP-MD5 signatures (RFC 2385, obsoleted by TCP-AO RFC 5925) are not implemented",
          );
        case "TCP_NOOPT":
          return notApplicable("TCP_NOOPT (FreeBSD: send no TCP options at all) is not emulated");
        case "TCP_RACK_PACE_MAX_SEG":
        case "TCP_RACK_PACE_RATE_SS":
        case "TCP_RACK_PACE_ALWAYS":
          return notApplicable(`${name} belongs to FreeBSD's RACK stack (pacing); not implemented`);
      }
    } else if (level === SYMBOLS.IPPROTO_IP) {
      if (name === "IP_TTL") return set("ttl", value);
      if (name === "IP_TOS") return set("tos", value);
    } else if (level === SYMBOLS.IPPROTO_IPV6) {
      if (name === "IPV6_UNICAST_HOPS") return set("ttl", value);
      if (name === "IPV6_TCLASS") return set("tos", value);
    }
    return notApplicable(`setsockopt ${name} is not emulated`);
  }

  private getsockopt(socket: Socket, args: readonly Expr[]): SyscallOutcome {
    const level = evaluate(args[1]);
    const name = optionName(args[2]);
    const settings = this.settings();
    const seconds = (ns: number | undefined) => (ns === undefined ? "unchecked" : Math.round(ns / SECOND));
    if (level === SYMBOLS.SOL_SOCKET) {
      switch (name) {
        case "SO_ERROR": {
          const error = socket.connection?.takeError();
          return done(0, { out: error ? { errno: error } : 0 });
        }
        case "SO_RCVBUF":
        case "SO_SNDBUF":
          // Buffer sizes are the implementation's choice (FreeBSD rounds them to the MSS).
          return done(0, { out: "unchecked" });
      }
    } else if (level === SYMBOLS.IPPROTO_TCP) {
      switch (name) {
        case "TCP_KEEPIDLE":
          return done(0, { out: seconds(socket.options.keepIdle ?? settings.keepIdle) });
        case "TCP_KEEPINTVL":
          return done(0, { out: seconds(socket.options.keepInterval ?? settings.keepInterval) });
        case "TCP_KEEPINIT":
          return done(0, { out: seconds(socket.options.keepInit ?? settings.keepInit) });
        case "TCP_KEEPCNT":
          return done(0, { out: socket.options.keepCount ?? settings.keepCount ?? "unchecked" });
        case "TCP_INFO":
          return notApplicable("getsockopt TCP_INFO (FreeBSD's struct tcp_info) is not emulated");
      }
    }
    return notApplicable(`getsockopt ${name} is not emulated`);
  }
}

/** The name of a socket option argument (`SO_ERROR`), or its number as text. */
function optionName(expr: Expr | undefined): string {
  if (expr?.kind === "symbol") return expr.name;
  return expr?.kind === "number" ? expr.text : "?";
}

/**
 * The value of an argument or expected result: numbers, named constants, `a | b`, and `[x]`
 * (a pointer to x: its first item). `...` and anything unevaluable give undefined.
 */
export function evaluate(expr: Expr | undefined): number | undefined {
  if (!expr) return undefined;
  switch (expr.kind) {
    case "number":
      return expr.value;
    case "symbol":
      return symbolValue(expr.name);
    case "or": {
      let value = 0;
      for (const operand of expr.operands) {
        const v = evaluate(operand);
        if (v === undefined) return undefined;
        value |= v;
      }
      return value;
    }
    case "array":
      return expr.items.length === 1 ? evaluate(expr.items[0]) : undefined;
    default:
      return undefined;
  }
}
