/**
 * A scripted fake TCP for the runner's own tests: just enough of a TCP to play the handshakes,
 * data, FIN and RST of small scripts, with fixed choices the tests can predict (ISN 1000 active,
 * 5000 passive; TSval 7 + milliseconds; window 29200; a SYN retransmission after 1 s). It is not a
 * TCP — tests of the runner must not depend on our real TCP, which is itself under test.
 */

import type { StackCapabilities } from "../../src/conformance/commands.js";
import type {
  ConnectionState,
  ConnectionUnderTest,
  ListenerUnderTest,
  SocketOptionName,
  SocketOptions,
  StackDescription,
  StackEnvironment,
  StackUnderTest,
} from "../../src/conformance/stack.js";
import type { ReceivedDatagram, TransportProtocol } from "../../src/net/network-layer.js";
import type { Scheduler, Timer } from "../../src/sim/scheduler.js";
import type { IpAddress } from "../../src/wire/address/ipv6.js";
import { emitTcp, parseTcp, TcpFlags, type TcpRepr } from "../../src/wire/tcp.js";
import type { TcpOption } from "../../src/wire/tcp-options.js";

const { FIN, SYN, RST, PSH, ACK } = TcpFlags;
const WINDOW = 29200;

export interface FakeOptions {
  /** Throw from receive() (to test that the runner reports exceptions). */
  throwOnReceive?: boolean;
  /** Send the ACK of a handshake twice (to test unexpected packets). */
  duplicateAck?: boolean;
  /** Delay data ACKs by this many ns (to test timing). */
  ackDelay?: number;
}

export function fakeStack(
  options: FakeOptions = {},
  capabilities: StackCapabilities = { ecn: false },
): StackDescription {
  return { name: "fake", capabilities, create: (env) => new FakeStack(env, options) };
}

class FakeConnection implements ConnectionUnderTest {
  state: ConnectionState = "CLOSED";
  readable = 0;
  finReceived = false;
  error: string | undefined;
  sndNxt = 0;
  rcvNxt = 0;
  tsRecent = 0;
  synTimer: Timer | undefined;
  options: SocketOptions;

  constructor(
    readonly stack: FakeStack,
    readonly localPort: number,
    readonly remotePort: number,
    readonly remote: IpAddress,
    options: SocketOptions,
  ) {
    this.options = { ...options };
  }

  takeError(): string | undefined {
    const e = this.error;
    this.error = undefined;
    return e;
  }

  get writable(): number {
    return this.state === "ESTABLISHED" || this.state === "CLOSE-WAIT" ? 65536 : 0;
  }

  write(bytes: Uint8Array): number | string {
    if (this.state !== "ESTABLISHED" && this.state !== "CLOSE-WAIT") return "EPIPE";
    this.send(PSH | ACK, bytes);
    this.sndNxt += bytes.length;
    return bytes.length;
  }

  read(max: number): number {
    const n = Math.min(max, this.readable);
    this.readable -= n;
    return n;
  }

  shutdown(): void {
    if (this.state === "ESTABLISHED") this.state = "FIN-WAIT-1";
    else if (this.state === "CLOSE-WAIT") this.state = "LAST-ACK";
    else return;
    this.send(FIN | ACK);
    this.sndNxt++;
  }

  close(): void {
    if (this.state === "SYN-SENT") {
      this.stack.scheduler.cancel(this.synTimer);
      this.state = "CLOSED";
      return;
    }
    this.shutdown();
  }

  abort(): void {
    this.send(RST | ACK);
    this.state = "CLOSED";
  }

  setOption<K extends SocketOptionName>(name: K, value: NonNullable<SocketOptions[K]>): boolean {
    this.options[name] = value;
    return true;
  }

  negotiated() {
    return { timestamps: true, sack: true, windowScale: true, ecn: false };
  }

  openActive(isn: number): void {
    this.sndNxt = isn;
    this.state = "SYN-SENT";
    const sendSyn = () => {
      this.send(SYN, new Uint8Array(0), isn, [
        { kind: "mss", value: 1460 },
        { kind: "sack-permitted" },
        { kind: "timestamps", value: this.stack.tsval(), echo: 0 },
        { kind: "nop" },
        { kind: "window-scale", shift: 7 },
      ]);
    };
    sendSyn();
    this.sndNxt = isn + 1;
    this.synTimer = this.stack.scheduler.after(1_000_000_000, sendSyn);
  }

  receive(seg: TcpRepr): void {
    if (this.stack.options.throwOnReceive) throw new Error("fake stack exploded");
    const ts = seg.options.find((o) => o.kind === "timestamps");
    if (ts?.kind === "timestamps") this.tsRecent = ts.value;
    if (seg.flags & RST) {
      this.error = this.state === "SYN-SENT" ? "ECONNREFUSED" : "ECONNRESET";
      this.state = "CLOSED";
      this.stack.scheduler.cancel(this.synTimer);
      return;
    }
    switch (this.state) {
      case "SYN-SENT":
        if (seg.flags & SYN && seg.flags & ACK && seg.ack === this.sndNxt) {
          this.stack.scheduler.cancel(this.synTimer);
          this.rcvNxt = (seg.seq + 1) >>> 0;
          this.state = "ESTABLISHED";
          this.send(ACK);
          if (this.stack.options.duplicateAck) this.send(ACK);
        }
        return;
      case "SYN-RECEIVED":
        if (seg.flags & ACK && seg.ack === this.sndNxt) {
          this.state = "ESTABLISHED";
          this.stack.established(this);
        }
        break;
    }
    if (seg.payload.length > 0 && seg.seq === this.rcvNxt) {
      this.rcvNxt = (this.rcvNxt + seg.payload.length) >>> 0;
      this.readable += seg.payload.length;
      const delay = this.stack.options.ackDelay;
      if (delay) this.stack.scheduler.after(delay, () => this.send(ACK));
      else if (!(seg.flags & FIN)) this.send(ACK);
    }
    if (seg.flags & FIN) {
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      this.finReceived = true;
      this.send(ACK);
      if (this.state === "ESTABLISHED") this.state = "CLOSE-WAIT";
      else if (this.state === "FIN-WAIT-2" || this.state === "FIN-WAIT-1") this.state = "TIME-WAIT";
      return;
    }
    if (seg.flags & ACK && seg.ack === this.sndNxt) {
      if (this.state === "FIN-WAIT-1") this.state = "FIN-WAIT-2";
      else if (this.state === "LAST-ACK") this.state = "CLOSED";
    }
  }

  send(
    flags: number,
    payload: Uint8Array = new Uint8Array(0),
    seq = this.sndNxt,
    options?: TcpOption[],
  ): void {
    const repr: TcpRepr = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq,
      ack: flags & ACK ? this.rcvNxt : 0,
      flags,
      window: WINDOW,
      urgentPointer: 0,
      options: options ?? [
        { kind: "nop" },
        { kind: "nop" },
        { kind: "timestamps", value: this.stack.tsval(), echo: this.tsRecent },
      ],
      payload,
    };
    this.stack.emit(repr, this.remote, this.options);
  }
}

class FakeListener implements ListenerUnderTest {
  readonly queue: FakeConnection[] = [];
  closed = false;
  accept(): ConnectionUnderTest | undefined {
    return this.queue.shift();
  }
  close(): void {
    this.closed = true;
  }
}

class FakeStack implements StackUnderTest, TransportProtocol {
  readonly protocol = 6;
  readonly scheduler: Scheduler;
  private readonly conns: FakeConnection[] = [];
  private readonly listeners = new Map<number, { listener: FakeListener; options: SocketOptions }>();
  private nextPort = 50000;

  constructor(
    readonly env: StackEnvironment,
    readonly options: FakeOptions,
  ) {
    this.scheduler = env.scheduler;
    env.network.register(this);
  }

  tsval(): number {
    return 7 + Math.floor(this.scheduler.now / 1_000_000);
  }

  emit(repr: TcpRepr, remote: IpAddress, options: SocketOptions): void {
    const bytes = new Uint8Array(60 + repr.payload.length);
    const n = emitTcp(repr, bytes, { src: this.env.local, dst: remote });
    this.env.network.send({
      dst: remote,
      protocol: 6,
      payload: bytes.subarray(0, n),
      ttl: options.ttl,
      tos: options.tos,
    });
  }

  listen(port: number, _backlog: number, options: SocketOptions): ListenerUnderTest | string {
    const listener = new FakeListener();
    this.listeners.set(port, { listener, options });
    return listener;
  }

  connect(remote: IpAddress, remotePort: number, options: SocketOptions): ConnectionUnderTest | string {
    const c = new FakeConnection(this, this.nextPort++, remotePort, remote, options);
    this.conns.push(c);
    c.openActive(1000);
    return c;
  }

  connections() {
    return this.conns.filter((c) => c.state !== "CLOSED");
  }

  dropTimeWait(): boolean {
    for (const c of this.conns) if (c.state === "TIME-WAIT") c.state = "CLOSED";
    return true;
  }

  supports(option: SocketOptionName): boolean {
    return option !== "keepInit";
  }

  configure(): boolean {
    return true;
  }

  established(c: FakeConnection): void {
    this.listeners.get(c.localPort)?.listener.queue.push(c);
  }

  receive(datagram: ReceivedDatagram): void {
    const seg = parseTcp(datagram.payload);
    if (!("srcPort" in seg)) return;
    const c = this.conns.find(
      (x) => x.localPort === seg.dstPort && x.remotePort === seg.srcPort && x.state !== "CLOSED",
    );
    if (c) {
      c.receive(seg);
      return;
    }
    const entry = this.listeners.get(seg.dstPort);
    if (entry && !entry.listener.closed && seg.flags & SYN && !(seg.flags & ACK)) {
      const child = new FakeConnection(this, seg.dstPort, seg.srcPort, datagram.src, entry.options);
      this.conns.push(child);
      child.state = "SYN-RECEIVED";
      child.rcvNxt = (seg.seq + 1) >>> 0;
      child.send(SYN | ACK, new Uint8Array(0), 5000, [
        { kind: "mss", value: 1460 },
        { kind: "sack-permitted" },
      ]);
      child.sndNxt = 5001;
      return;
    }
    if (seg.flags & RST) return;
    // RFC 9293 §3.10.7.1: a segment for no connection gets a RST.
    const reply: TcpRepr = {
      srcPort: seg.dstPort,
      dstPort: seg.srcPort,
      seq: seg.flags & ACK ? seg.ack : 0,
      ack: (seg.seq + seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0)) >>> 0,
      flags: seg.flags & ACK ? RST : RST | ACK,
      window: 0,
      urgentPointer: 0,
      options: [],
      payload: new Uint8Array(0),
    };
    this.emit(reply, datagram.src, {});
  }
}
