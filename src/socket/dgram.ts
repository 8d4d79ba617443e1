/**
 * A Node.js-compatible `dgram` API over an emulated host's UDP: `createSocket("udp4")`, `bind`,
 * `connect`, `send`, `close`, `setBroadcast`, `setTTL`, multicast membership, and the `message`,
 * `listening`, `connect`, `close` and `error` events, with Node's `rinfo` and error codes.
 *
 * A `udp6` socket is dual-stack unless created with `ipv6Only` (RFC 3493 §3.7): bound to `::` it
 * also receives IPv4, whose senders it sees as IPv4-mapped addresses (`::ffff:10.0.0.1`), and it
 * may send to such addresses, as Node's sockets do.
 */
import { Buffer } from "buffer";
import { EventEmitter } from "events";
import type { Scheduler } from "../sim/scheduler.js";
import type { UdpLayer, UdpMessage, UdpSocket } from "../transport/udp.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { Ipv6Address } from "../wire/address/ipv6.js";
import { socketError } from "./net.js";

export interface DgramContext {
  udp: UdpLayer;
  scheduler: Scheduler;
}

export interface RemoteInfo {
  address: string;
  family: "IPv4" | "IPv6";
  port: number;
  size: number;
}

type SendCallback = (error: Error | null, bytes?: number) => void;

function parseAddress(text: string, type: "udp4" | "udp6" = "udp4"): Ipv4Address | Ipv6Address | undefined {
  if (text === "localhost") return type === "udp4" ? Ipv4Address.parse("127.0.0.1") : Ipv6Address.LOOPBACK;
  const v4 = Ipv4Address.tryParse(text);
  if (v4) return v4;
  const v6 = Ipv6Address.tryParse(text);
  // An IPv4-mapped address (RFC 4291 §2.5.5.2) names an IPv4 peer of a dual-stack socket.
  if (v6?.isIpv4Mapped) return Ipv4Address.fromBytes(v6.bytes, 12);
  return v6;
}

/** How a `udp6` socket shows an IPv4 peer: as an IPv4-mapped address. */
function shownAddress(address: Ipv4Address | Ipv6Address, type: "udp4" | "udp6"): string {
  return type === "udp6" && address.version === 4 ? `::ffff:${address}` : address.toString();
}

export class DgramSocket extends EventEmitter {
  private socket: UdpSocket;
  private bound = false;

  constructor(
    context: DgramContext,
    readonly type: "udp4" | "udp6",
    options: { reuseAddr?: boolean; ipv6Only?: boolean } = {},
  ) {
    super();
    const family = type === "udp4" ? 4 : options.ipv6Only ? 6 : undefined;
    this.socket = context.udp.createSocket({
      reuseAddress: options.reuseAddr,
      ...(family !== undefined ? { family } : {}),
    });
    this.socket.onMessage = (message: UdpMessage) => {
      context.scheduler.requestYield();
      const rinfo: RemoteInfo = {
        address: shownAddress(message.address, type),
        family: type === "udp6" || message.address.version === 6 ? "IPv6" : "IPv4",
        port: message.port,
        size: message.data.length,
      };
      this.emit(
        "message",
        Buffer.from(message.data.buffer, message.data.byteOffset, message.data.length),
        rinfo,
      );
    };
    this.socket.onError = (errno: string) => {
      context.scheduler.requestYield();
      this.emit("error", socketError(errno, "recv"));
    };
  }

  /** `bind([port][, address][, callback])` or `bind({port, address}[, callback])`. */
  bind(...args: unknown[]): this {
    let port = 0;
    let address: string | undefined;
    const callback = args.find((a) => typeof a === "function") as (() => void) | undefined;
    if (typeof args[0] === "object" && args[0] !== null)
      ({ port = 0, address } = args[0] as { port?: number; address?: string });
    else {
      if (typeof args[0] === "number") port = args[0];
      if (typeof args[1] === "string") address = args[1];
    }
    if (callback) this.once("listening", callback);
    const local =
      address !== undefined && address !== "0.0.0.0" && address !== "::"
        ? parseAddress(address, this.type)
        : undefined;
    if (address !== undefined && local === undefined && address !== "0.0.0.0" && address !== "::") {
      this.fail(socketError("EINVAL", "bind", address, port));
      return this;
    }
    const error = this.socket.bind(port, local);
    if (error) {
      this.fail(socketError(error, "bind", address ?? "0.0.0.0", port));
      return this;
    }
    this.bound = true;
    queueMicrotask(() => this.emit("listening"));
    return this;
  }

  /** Associates the socket with one peer (RFC 1122 §4.1.3.4: only its datagrams are received). */
  connect(port: number, address?: string, callback?: () => void): void {
    address ??= this.type === "udp4" ? "127.0.0.1" : "::1";
    const remote = parseAddress(address, this.type);
    const error = remote ? this.socket.connect(remote, port) : "EINVAL";
    if (error) {
      this.fail(socketError(error, "connect", address, port));
      return;
    }
    this.bound = true;
    if (callback) this.once("connect", callback);
    queueMicrotask(() => this.emit("connect"));
  }

  disconnect(): void {
    this.socket.disconnect();
  }

  /**
   * `send(msg[, offset, length][, port][, address][, callback])`: msg is a Buffer, Uint8Array,
   * string or an array of them. Errors go to the callback if given, else to the `error` event.
   */
  send(message: Uint8Array | string | (Uint8Array | string)[], ...rest: unknown[]): void {
    const callback = (typeof rest.at(-1) === "function" ? rest.pop() : undefined) as SendCallback | undefined;
    let data = toBytes(message);
    if (
      rest.length >= 2 &&
      typeof rest[0] === "number" &&
      typeof rest[1] === "number" &&
      (rest.length > 2 || this.socket.isConnected)
    ) {
      data = data.subarray(rest[0] as number, (rest[0] as number) + (rest[1] as number));
      rest.splice(0, 2);
    }
    const [port, address] = rest as [number | undefined, string | undefined];
    let error: string | undefined;
    if (port === undefined) error = this.socket.send(data);
    else {
      const remote = parseAddress(address ?? (this.type === "udp4" ? "127.0.0.1" : "::1"), this.type);
      error = remote ? this.socket.sendTo(data, port, remote) : "EINVAL";
    }
    this.bound = true;
    const failure = error ? socketError(error, "send", address, port) : null;
    queueMicrotask(() => {
      if (callback) callback(failure, failure ? undefined : data.length);
      else if (failure) this.emit("error", failure);
    });
  }

  address(): { address: string; family: string; port: number } {
    return {
      address: this.socket.localAddress?.toString() ?? (this.type === "udp4" ? "0.0.0.0" : "::"),
      family: this.type === "udp4" ? "IPv4" : "IPv6",
      port: this.socket.localPort,
    };
  }

  remoteAddress(): { address: string; family: string; port: number } {
    if (!this.socket.isConnected) throw socketError("ENOTCONN", "getpeername");
    return {
      address: shownAddress(this.socket.remoteAddress!, this.type),
      family: this.type === "udp4" ? "IPv4" : "IPv6",
      port: this.socket.remotePort,
    };
  }

  setBroadcast(flag: boolean): void {
    this.socket.broadcast = flag;
  }

  setTTL(ttl: number): number {
    this.socket.ttl = ttl;
    return ttl;
  }

  /** IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS. */
  setMulticastTTL(ttl: number): number {
    this.socket.multicastTtl = ttl;
    return ttl;
  }

  /** IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP. */
  addMembership(group: string): void {
    const address = parseAddress(group, this.type);
    const error = address ? this.socket.addMembership(address) : "EINVAL";
    if (error) throw socketError(error, "addMembership");
  }

  dropMembership(group: string): void {
    const address = parseAddress(group, this.type);
    const error = address ? this.socket.dropMembership(address) : "EINVAL";
    if (error) throw socketError(error, "dropMembership");
  }

  close(callback?: () => void): this {
    if (callback) this.once("close", callback);
    this.socket.close();
    queueMicrotask(() => this.emit("close"));
    return this;
  }

  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  /** Whether bind/connect/send has bound the socket. */
  get isBound(): boolean {
    return this.bound;
  }

  private fail(error: Error): void {
    queueMicrotask(() => this.emit("error", error));
  }
}

function toBytes(message: Uint8Array | string | (Uint8Array | string)[]): Uint8Array {
  if (typeof message === "string") return Buffer.from(message);
  if (Array.isArray(message))
    return Buffer.concat(message.map((m) => (typeof m === "string" ? Buffer.from(m) : m)));
  return message;
}

export interface DgramApi {
  createSocket(
    type: "udp4" | "udp6" | { type: "udp4" | "udp6"; reuseAddr?: boolean; ipv6Only?: boolean },
    listener?: (message: Buffer, rinfo: RemoteInfo) => void,
  ): DgramSocket;
  Socket: typeof DgramSocket;
}

/** Builds the per-host `dgram` module. */
export function createDgramApi(context: DgramContext): DgramApi {
  return {
    createSocket(type, listener) {
      const options = typeof type === "string" ? { type } : type;
      const socket = new DgramSocket(context, options.type, options);
      if (listener) socket.on("message", listener);
      return socket;
    },
    Socket: DgramSocket,
  };
}
