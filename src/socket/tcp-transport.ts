/**
 * Adapts a host's TCP (src/transport/tcp) to the narrow {@link StreamTransport} the `net` layer
 * wraps: addresses become text, TCP's errors become Node-style codes.
 */
import { MILLISECOND } from "../sim/time.js";
import type { TcpConnection } from "../transport/tcp/connection.js";
import type { TcpLayer, TcpListener } from "../transport/tcp/tcp-layer.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { type IpAddress, Ipv6Address } from "../wire/address/ipv6.js";
import type {
  StreamConnection,
  StreamConnectionEvents,
  StreamListener,
  StreamTransport,
} from "./stream-connection.js";

/**
 * Text to an address; `localhost` is the loopback; an IPv6 address may be in brackets or carry a
 * zone, and an IPv4-mapped one (`::ffff:10.0.0.1`, RFC 4291 §2.5.5.2) names an IPv4 peer.
 * Throws an EINVAL-coded error when invalid.
 */
export function parseHostAddress(text: string): IpAddress {
  const v6 = text === "localhost" ? undefined : Ipv6Address.tryParse(text);
  const address =
    text === "localhost"
      ? Ipv4Address.parse("127.0.0.1")
      : (Ipv4Address.tryParse(text) ?? (v6?.isIpv4Mapped ? Ipv4Address.fromBytes(v6.bytes, 12) : v6));
  if (!address)
    throw Object.assign(new Error(`not an IP address: "${text}" (names need DNS)`), { code: "EINVAL" });
  return address;
}

/** How an IPv6 socket shows an address: IPv4 ones as IPv4-mapped (as Node's `::` servers do). */
function shown(address: IpAddress, mapped: boolean): string {
  return mapped && address.version === 4 ? `::ffff:${address}` : address.toString();
}

class TcpStreamConnection implements StreamConnection {
  events: StreamConnectionEvents = {};

  constructor(
    private readonly connection: TcpConnection,
    /** Accepted by an IPv6 (`::`) listener: IPv4 peers are shown IPv4-mapped, the family as 6. */
    private readonly mapped = false,
  ) {
    connection.onConnect = () => this.events.onConnect?.();
    connection.onData = (data) => this.events.onData?.(data);
    connection.onEnd = () => this.events.onEnd?.();
    connection.onWritable = () => this.events.onWritable?.();
    connection.onError = (error) => this.events.onError?.(error.code);
    connection.onClose = () => this.events.onClose?.();
  }

  get localAddress(): string {
    return shown(this.connection.localAddress, this.mapped);
  }
  get localPort(): number {
    return this.connection.localPort;
  }
  get remoteAddress(): string {
    return shown(this.connection.remoteAddress, this.mapped);
  }
  get remotePort(): number {
    return this.connection.remotePort;
  }
  get family(): 4 | 6 {
    return this.mapped ? 6 : this.connection.remoteAddress.version;
  }
  get bufferedBytes(): number {
    return this.connection.writableLength;
  }

  write(bytes: Uint8Array): number {
    try {
      return this.connection.write(bytes);
    } catch (error) {
      // EPIPE: written after shutdown; the stream reports it as an error.
      this.events.onError?.((error as { code?: string }).code ?? "EPIPE");
      return 0;
    }
  }
  shutdown(): void {
    this.connection.shutdown();
  }
  abort(): void {
    this.connection.abort();
  }
  pauseReading(): void {
    this.connection.pause();
  }
  resumeReading(): void {
    this.connection.resume();
  }
  setNoDelay(noDelay: boolean): void {
    this.connection.setNoDelay(noDelay);
  }
  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    this.connection.setKeepAlive(enable, initialDelayMs > 0 ? { idle: initialDelayMs * MILLISECOND } : {});
  }
}

/** The `net` layer's view of a host's TCP. */
export function tcpStreamTransport(tcp: TcpLayer): StreamTransport {
  const ports = new WeakMap<StreamListener, number>();
  return {
    connect(options) {
      const connection = tcp.connect({
        remote: parseHostAddress(options.host),
        port: options.port,
        localAddress: options.localAddress !== undefined ? parseHostAddress(options.localAddress) : undefined,
        localPort: options.localPort,
      });
      return new TcpStreamConnection(connection);
    },
    listen(options, onConnection) {
      let listener: TcpListener;
      try {
        // 0.0.0.0 takes IPv4 only; :: takes both (IPv4 peers shown IPv4-mapped) unless ipv6Only;
        // no host at all takes both and shows each peer in its own family.
        const host = options.host;
        const any = host === undefined || host === "0.0.0.0" || host === "::";
        const family = host === "0.0.0.0" ? 4 : host === "::" && options.ipv6Only ? 6 : undefined;
        const mapped = host === "::" && !options.ipv6Only;
        listener = tcp.listen(
          options.port,
          {
            backlog: options.backlog,
            address: any ? undefined : parseHostAddress(host!),
            ...(family !== undefined ? { family } : {}),
          },
          (connection) => onConnection(new TcpStreamConnection(connection, mapped)),
        );
      } catch (error) {
        return { error: (error as { code?: string }).code ?? "EINVAL" };
      }
      const handle: StreamListener = { close: () => listener.close() };
      ports.set(handle, listener.port);
      return handle;
    },
    boundPort(listener) {
      return ports.get(listener) ?? 0;
    },
  };
}
