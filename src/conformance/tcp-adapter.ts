/**
 * Our TCP (src/transport/tcp) as the runner's stack under test: a fresh `TcpLayer` per script on
 * the network-layer double, configured from the script's sysctl lines, with each connection in
 * pull mode (paused, read with `read`) so that received data waits in TCP's receive buffer as it
 * does in a socket's, and the advertised window closes as it fills.
 */
import type { KeepAliveOptions, TcpConfig } from "../transport/tcp/config.js";
import type { ConnectionOptions, TcpConnection } from "../transport/tcp/connection.js";
import { TcpError } from "../transport/tcp/state.js";
import { TcpLayer } from "../transport/tcp/tcp-layer.js";
import type { IpAddress } from "../wire/address/ipv6.js";
import type {
  ConnectionState,
  ConnectionUnderTest,
  ListenerUnderTest,
  SocketOptionName,
  SocketOptions,
  StackDescription,
  StackEnvironment,
  StackSettings,
  StackUnderTest,
} from "./stack.js";

const MILLISECOND = 1_000_000;

/**
 * What the scripts assume where our defaults differ and the RFCs leave the choice to the
 * implementation (see README: "configured to the script's assumptions"): FreeBSD's 100 ms
 * delayed-ACK timer (RFC 1122 §4.2.3.2 allows up to 500 ms).
 */
const SCRIPT_ASSUMPTIONS: Partial<TcpConfig> = {
  delayedAckTimeout: 100 * MILLISECOND,
};

/** The stack under test: tinkernet's TCP. */
export const tinkernetTcp: StackDescription = {
  name: "tinkernet",
  capabilities: { ecn: false },
  create: (env) => new TinkernetStack(env),
};

class TinkernetStack implements StackUnderTest {
  private readonly layer: TcpLayer;
  private settings: StackSettings;

  constructor(env: StackEnvironment) {
    this.settings = { ...env.settings };
    this.layer = new TcpLayer(env.network, env.scheduler, {
      node: "packetdrill",
      config: { ...SCRIPT_ASSUMPTIONS },
    });
    this.configure(env.settings);
  }

  configure(settings: StackSettings): boolean {
    this.settings = { ...this.settings, ...settings };
    const config = this.layer.config;
    if (settings.rfc1323 !== undefined) {
      config.timestamps = settings.rfc1323;
      config.windowScaling = settings.rfc1323;
    }
    if (settings.sack !== undefined) config.sack = settings.sack;
    if (settings.receiveBuffer !== undefined) config.receiveBuffer = settings.receiveBuffer;
    if (settings.sendBuffer !== undefined) config.sendBuffer = settings.sendBuffer;
    if (settings.initialRto !== undefined) config.initialRto = settings.initialRto;
    if (settings.delayedAckTimeout !== undefined) config.delayedAckTimeout = settings.delayedAckTimeout;
    // Keepalive timing is applied per connection when SO_KEEPALIVE turns it on (connectionOptions).
    // FreeBSD's connection-establishment timer at its default (75 s) is the role our SYN
    // retransmission limit plays; another value cannot be honoured.
    return settings.keepInit === undefined || settings.keepInit === 75_000 * MILLISECOND;
  }

  private connectionOptions(options: SocketOptions): ConnectionOptions {
    const result: ConnectionOptions = {};
    if (options.noDelay !== undefined) result.noDelay = options.noDelay;
    if (options.keepAlive) result.keepAlive = this.keepAliveTiming(options);
    // Fixed buffers (no auto-tuning): the window edges the scripts probe depend on the buffer.
    const receive = options.receiveBuffer ?? this.settings.receiveBuffer;
    const send = options.sendBuffer ?? this.settings.sendBuffer;
    if (receive !== undefined) result.receiveBufferSize = receive;
    if (send !== undefined) result.sendBufferSize = send;
    return result;
  }

  keepAliveTiming(options: SocketOptions): KeepAliveOptions {
    const timing: KeepAliveOptions = {};
    const idle = options.keepIdle ?? this.settings.keepIdle;
    const interval = options.keepInterval ?? this.settings.keepInterval;
    const probes = options.keepCount ?? this.settings.keepCount;
    if (idle !== undefined) timing.idle = idle;
    if (interval !== undefined) timing.interval = interval;
    if (probes !== undefined) timing.probes = probes;
    return timing;
  }

  listen(port: number, backlog: number, options: SocketOptions): ListenerUnderTest | string {
    const queue: ConnectionUnderTest[] = [];
    try {
      const listener = this.layer.listen(
        port,
        { ...this.connectionOptions(options), backlog },
        (connection) => {
          queue.push(new Connection(connection, this, options));
        },
      );
      return {
        accept: () => queue.shift(),
        close: () => {
          listener.close();
          // BSD: closing a listener aborts the connections nobody accepted.
          for (const connection of queue.splice(0)) connection.abort();
        },
      };
    } catch (error) {
      if (error instanceof TcpError) return error.code;
      throw error;
    }
  }

  connect(remote: IpAddress, remotePort: number, options: SocketOptions): ConnectionUnderTest | string {
    const connection = this.layer.connect({ remote, port: remotePort, ...this.connectionOptions(options) });
    return new Connection(connection, this, options);
  }

  connections(): { state: ConnectionState; localPort: number; remotePort: number }[] {
    return this.layer
      .connections()
      .map((c) => ({ state: c.state, localPort: c.localPort, remotePort: c.remotePort }));
  }

  dropTimeWait(): boolean {
    // tcpdrop(8) deletes the TCB; ABORT in TIME-WAIT sends nothing (RFC 9293 §3.10.5).
    for (const connection of this.layer.connections())
      if (connection.state === "TIME-WAIT") connection.abort();
    return true;
  }

  supports(option: SocketOptionName): boolean {
    switch (option) {
      case "noDelay":
      case "keepAlive":
      case "keepIdle":
      case "keepInterval":
      case "keepCount":
      case "receiveBuffer":
      case "sendBuffer":
        return true;
      default:
        return false;
    }
  }
}

class Connection implements ConnectionUnderTest {
  private pendingError: string | undefined;
  private ended = false;
  private readonly options: SocketOptions;

  constructor(
    private readonly connection: TcpConnection,
    private readonly stack: TinkernetStack,
    options: SocketOptions,
  ) {
    this.options = { ...options };
    connection.pause();
    connection.onError = (error) => {
      this.pendingError = error.code;
    };
    connection.onEnd = () => {
      this.ended = true;
    };
  }

  get state(): ConnectionState {
    return this.connection.state;
  }
  get localPort(): number {
    return this.connection.localPort;
  }
  get remotePort(): number {
    return this.connection.remotePort;
  }
  get readable(): number {
    return this.connection.readableLength;
  }
  get finReceived(): boolean {
    return this.ended;
  }
  get error(): string | undefined {
    return this.pendingError;
  }
  takeError(): string | undefined {
    const error = this.pendingError;
    this.pendingError = undefined;
    return error;
  }
  get writable(): number {
    return this.connection.writableSpace;
  }

  write(bytes: Uint8Array): number | string {
    try {
      return this.connection.write(bytes);
    } catch (error) {
      if (error instanceof TcpError) return error.code;
      throw error;
    }
  }

  read(max: number): number {
    return this.connection.read(max)?.length ?? 0;
  }

  shutdown(): void {
    this.connection.shutdown();
  }
  close(): void {
    this.connection.close();
  }
  abort(): void {
    this.connection.abort();
  }

  setOption<K extends SocketOptionName>(name: K, value: NonNullable<SocketOptions[K]>): boolean {
    this.options[name] = value;
    switch (name) {
      case "noDelay":
        this.connection.setNoDelay(value as boolean);
        return true;
      case "keepAlive":
      case "keepIdle":
      case "keepInterval":
      case "keepCount":
        if (this.options.keepAlive)
          this.connection.setKeepAlive(true, this.stack.keepAliveTiming(this.options));
        return true;
      default:
        return false;
    }
  }

  negotiated(): { timestamps: boolean; sack: boolean; windowScale: boolean; ecn: boolean } {
    const stats = this.connection.stats();
    return {
      timestamps: stats.timestamps,
      sack: stats.sack,
      windowScale: stats.windowScale.send !== 0 || stats.windowScale.receive !== 0,
      ecn: false,
    };
  }
}
