/**
 * `ping`, as iputils' ping behaves and prints (Linux's ping), in virtual time.
 *
 * ```
 * PING 10.0.2.10 (10.0.2.10) 56(84) bytes of data.
 * 64 bytes from 10.0.2.10: icmp_seq=1 ttl=62 time=20.3 ms
 * From 10.0.12.2 icmp_seq=2 Time to live exceeded
 *
 * --- 10.0.2.10 ping statistics ---
 * 2 packets transmitted, 1 received, +1 errors, 50% packet loss, time 1000ms
 * rtt min/avg/max/mdev = 20.312/20.312/20.312/0.000 ms
 * ```
 *
 * Options follow iputils: `count` (-c, default 4 here since there is no Ctrl-C), `size` (-s, 56
 * data octets), `interval` (-i, 1 s), `ttl` (-t), `pmtudisc` (-M do|want|dont; "want" — Linux's
 * default — sets DF while the datagram fits the path MTU and fragments locally otherwise),
 * `timeout` (-W: how long to wait for the last replies, iputils' linger time, default 10 s).
 * The data starts with the send time as a struct timeval (16 octets, as iputils does when the
 * size allows) and continues with the byte pattern 0x10, 0x11, ...
 *
 * An IPv6 destination (or `family: 6`, ping -6) pings with ICMPv6 Echo (RFC 4443 §4) and prints
 * as iputils does for IPv6 ("PING 2001:db8::1(2001:db8::1) 56 data bytes", "Time exceeded: Hop
 * limit"). A link-local destination needs its zone: `fe80::1%eth0`, or `iface` (ping -I).
 */
import type { Node } from "../devices/node.js";
import type { EchoReply, EchoSocket, IcmpErrorReport } from "../net/icmp.js";
import type { Echo6Reply, Echo6Socket, Icmp6ErrorReport } from "../net/icmp6.js";
import { MICROSECOND, MILLISECOND, type Nanoseconds, SECOND } from "../sim/time.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { Ipv6Address } from "../wire/address/ipv6.js";
import { Icmpv4Type, UnreachableCode } from "../wire/icmpv4.js";
import { Icmpv6Type } from "../wire/icmpv6.js";

export interface PingOptions {
  /** -c: echo requests to send (default 4). */
  count?: number;
  /** -s: data octets per request (default 56, giving 64 octets of ICMP). */
  size?: number;
  /** -i: between requests (default 1 s). */
  interval?: Nanoseconds;
  /** -t: TTL of the requests (default: the node's, 64). */
  ttl?: number;
  /** -M: path MTU discovery: "do" (DF, never fragment), "want" (default), "dont" (no DF). */
  pmtudisc?: "do" | "want" | "dont";
  /** -W: how long to wait for outstanding replies after the last request (default 10 s). */
  timeout?: Nanoseconds;
  /** -Q: TOS octet. */
  tos?: number;
  /** -q: only the summary lines. */
  quiet?: boolean;
  /** -4 / -6: the address family (default: the destination's). */
  family?: 4 | 6;
  /** -I: the interface to send from (the zone of a link-local destination). */
  iface?: string;
  /** Where output lines go (without newline). */
  write?: (line: string) => void;
}

export interface PingReply {
  sequence: number;
  from: string;
  ttl: number;
  /** Round-trip time in milliseconds. */
  rtt: number;
  bytes: number;
  duplicate: boolean;
}

export interface PingError {
  sequence: number;
  from: string;
  /** iputils' wording, e.g. "Time to live exceeded". */
  message: string;
  type: number;
  code: number;
  mtu?: number;
}

export interface PingResult {
  destination: string;
  transmitted: number;
  received: number;
  duplicates: number;
  errors: number;
  /** Percentage of requests without a reply (0-100). */
  loss: number;
  /** Milliseconds from the first request to the last (iputils' "time"). */
  time: number;
  /** Round-trip statistics in ms, when anything came back. */
  rtt: { min: number; avg: number; max: number; mdev: number } | undefined;
  replies: PingReply[];
  errorReports: PingError[];
  /** Every line printed. */
  output: string[];
  /** A fatal error that stopped ping before it started (e.g. "Network is unreachable"). */
  fatal?: string;
}

/** A running ping: `done` turns true when it finishes, and `result` resolves then. */
export interface PingRun {
  readonly done: boolean;
  readonly result: Promise<PingResult>;
  /** Stops early (like Ctrl-C) and prints the statistics. */
  stop(): void;
}

/** Starts `ping destination` on `node`. */
export function ping(node: Node, destination: string, options: PingOptions = {}): PingRun {
  return new PingSession(node, destination, options);
}

class PingSession implements PingRun {
  done = false;
  readonly result: Promise<PingResult>;
  private resolve!: (result: PingResult) => void;
  private readonly output: string[] = [];
  private readonly count: number;
  private readonly size: number;
  private readonly interval: Nanoseconds;
  private readonly linger: Nanoseconds;
  private readonly dst: Ipv4Address | Ipv6Address | undefined;
  /** Octets of IP and ICMP header in front of the data: 20 + 8, or 40 + 8 for IPv6. */
  private readonly headers: number;
  private readonly zone: string | undefined;
  private socket: EchoSocket | Echo6Socket | undefined;
  private transmitted = 0;
  private received = 0;
  private duplicates = 0;
  private errors = 0;
  private readonly sentAt = new Map<number, Nanoseconds>();
  private readonly answered = new Set<number>();
  /**
   * Round-trip statistics kept as they come, as iputils does (tmin, tmax, tsum, tsum2): a long run
   * (`ping -c 1000000 -i 0.001`) needs no list of every RTT, and no spread of one into
   * Math.min's arguments (which overflows the stack at around 100 000 of them).
   */
  private rttMin = Number.POSITIVE_INFINITY;
  private rttMax = Number.NEGATIVE_INFINITY;
  private rttSum = 0;
  private rttSum2 = 0;
  private readonly replies: PingReply[] = [];
  private readonly errorReports: PingError[] = [];
  private firstSend: Nanoseconds = 0;
  private lastSend: Nanoseconds = 0;
  private timer: ReturnType<Node["scheduler"]["after"]> | undefined;
  private fatal: string | undefined;

  constructor(
    private readonly node: Node,
    private readonly destination: string,
    private readonly options: PingOptions,
  ) {
    this.result = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.count = options.count ?? 4;
    this.size = options.size ?? 56;
    this.interval = options.interval ?? SECOND;
    this.linger = options.timeout ?? 10 * SECOND;
    const percent = destination.indexOf("%");
    this.zone = options.iface ?? (percent > 0 ? destination.slice(percent + 1) : undefined);
    const v4 = options.family === 6 ? undefined : Ipv4Address.tryParse(destination);
    const v6 = v4 || options.family === 4 ? undefined : Ipv6Address.tryParse(destination);
    this.dst = v4 ?? v6;
    this.headers = v6 ? 48 : 28;
    if (!this.dst) {
      const known =
        options.family !== undefined &&
        (Ipv4Address.tryParse(destination) || Ipv6Address.tryParse(destination));
      this.fatal = known
        ? `${destination}: Address family for hostname not supported`
        : `${destination}: Name or service not known`;
      this.print(`ping: ${this.fatal}`);
      this.finish(false);
      return;
    }
    if (this.dst.version === 6 && (!node.hasIpv6 || node.ipv6.interfaces.length === 0)) {
      this.fatal = "connect: Network is unreachable";
      this.print(`ping: ${this.fatal}`);
      this.finish(false);
      return;
    }
    if (this.size < 0 || this.size > 65507) {
      this.fatal = `invalid argument: '${this.size}': out of range: 0 <= value <= 65507`;
      this.print(`ping: ${this.fatal}`);
      this.finish(false);
      return;
    }
    const handlers = {
      onReply: (reply: EchoReply | Echo6Reply) => this.onReply(reply),
      onError: (error: IcmpErrorReport | Icmp6ErrorReport) => this.onError(error),
    };
    if (this.dst.version === 6) {
      this.socket = node.ipv6.icmp.openEcho(handlers);
      this.print(`PING ${destination}(${this.dst}) ${this.size} data bytes`);
    } else {
      this.socket = node.ipv4.icmp.openEcho(handlers);
      this.print(`PING ${destination} (${this.dst}) ${this.size}(${this.size + 28}) bytes of data.`);
    }
    this.firstSend = node.scheduler.now;
    // Start at the current instant, but after the caller's own setup code.
    this.timer = node.scheduler.after(0, () => this.sendNext());
  }

  stop(): void {
    if (!this.done) this.finish(true);
  }

  private print(line: string): void {
    this.output.push(line);
    this.options.write?.(line);
  }

  private printVerbose(line: string): void {
    if (!this.options.quiet) this.print(line);
  }

  private sendNext(): void {
    const scheduler = this.node.scheduler;
    const sequence = this.transmitted + 1;
    const now = scheduler.now;
    const data = this.payload(now);
    const dst = this.dst!;
    const pmtudisc = this.options.pmtudisc ?? "want";
    let dontFragment = pmtudisc === "do";
    if (pmtudisc === "want") dontFragment = this.headers + this.size <= this.pathMtu();
    const sendOptions = {
      ...(this.options.ttl !== undefined ? { ttl: this.options.ttl } : {}),
      ...(this.options.tos !== undefined ? { tos: this.options.tos } : {}),
      dontFragment,
    };
    const error =
      dst.version === 6
        ? (this.socket as Echo6Socket).send(dst, sequence & 0xffff, data, {
            ...sendOptions,
            ...(this.zone !== undefined ? { iface: this.zone } : {}),
          })
        : (this.socket as EchoSocket).send(dst, sequence & 0xffff, data, sendOptions);
    if (error === "no-route" && this.transmitted === 0) {
      this.fatal = "connect: Network is unreachable";
      this.print(`ping: ${this.fatal}`);
      this.finish(false);
      return;
    }
    // iputils: a hard local error counts as a transmitted request and an error.
    this.transmitted++;
    this.lastSend = now;
    // A request 65536 behind shares its 16-bit sequence number with this one: replies can no
    // longer be told apart from this one's (findSent looks no further), so it is forgotten, and a
    // long run keeps at most 64 Ki requests in memory.
    this.sentAt.delete(sequence - 0x10000);
    this.answered.delete(sequence - 0x10000);
    if (error === undefined) {
      this.sentAt.set(sequence, now);
    } else {
      this.errors++;
      if (error === "message-too-big") {
        this.printVerbose(`ping: local error: message too long, mtu=${this.pathMtu()}`);
      } else {
        this.printVerbose(`ping: sendmsg: ${sendErrorText(error)}`);
      }
    }
    if (this.transmitted < this.count) {
      this.timer = scheduler.after(this.interval, () => this.sendNext());
    } else if (this.received + this.errors >= this.transmitted) {
      this.finish(true);
    } else {
      this.timer = scheduler.after(this.linger, () => this.finish(true));
    }
  }

  private pathMtu(): number {
    const dst = this.dst!;
    return dst.version === 6 ? this.node.ipv6.pathMtu(dst) : this.node.ipv4.pathMtu(dst);
  }

  /** iputils' layout: a struct timeval of the send time (little-endian), then 0x10, 0x11, ... */
  private payload(now: Nanoseconds): Uint8Array {
    const data = new Uint8Array(this.size);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    if (this.size >= 16) {
      const view = new DataView(data.buffer);
      const seconds = Math.floor(now / SECOND);
      const micros = Math.floor((now % SECOND) / MICROSECOND);
      view.setUint32(0, seconds >>> 0, true);
      view.setUint32(4, Math.floor(seconds / 0x1_0000_0000), true);
      view.setUint32(8, micros, true);
      view.setUint32(12, 0, true);
    }
    return data;
  }

  private onReply(reply: EchoReply | Echo6Reply): void {
    if (this.done) return;
    const sent = this.findSent(reply.sequence);
    if (sent === undefined) return;
    const rtt = (this.node.scheduler.now - sent.time) / MILLISECOND;
    const duplicate = this.answered.has(sent.sequence);
    const from = reply.from.toString();
    this.replies.push({ sequence: sent.sequence, from, ttl: reply.ttl, rtt, bytes: reply.length, duplicate });
    if (duplicate) this.duplicates++;
    else {
      this.answered.add(sent.sequence);
      this.received++;
      if (rtt < this.rttMin) this.rttMin = rtt;
      if (rtt > this.rttMax) this.rttMax = rtt;
      this.rttSum += rtt;
      this.rttSum2 += rtt * rtt;
    }
    this.printVerbose(
      `${reply.length} bytes from ${from}: icmp_seq=${sent.sequence} ttl=${reply.ttl} time=${formatRtt(rtt)} ms${duplicate ? " (DUP!)" : ""}`,
    );
    this.maybeFinish();
  }

  private onError(error: IcmpErrorReport | Icmp6ErrorReport): void {
    if (this.done) return;
    const q = error.quoted;
    const sent = this.findSent((q[6] << 8) | q[7]);
    if (sent === undefined) return;
    this.errors++;
    const message =
      this.dst?.version === 6
        ? icmp6ErrorText(error.type, error.code, error.mtu, (error as Icmp6ErrorReport).pointer)
        : icmpErrorText(error.type, error.code, error.mtu);
    const from = error.reporter.toString();
    this.errorReports.push({
      sequence: sent.sequence,
      from,
      message,
      type: error.type,
      code: error.code,
      ...(error.mtu !== undefined ? { mtu: error.mtu } : {}),
    });
    this.printVerbose(`From ${from} icmp_seq=${sent.sequence} ${message}`);
    this.maybeFinish();
  }

  /** The request a 16-bit sequence number belongs to (sequence numbers wrap after 65535). */
  private findSent(sequence16: number): { sequence: number; time: Nanoseconds } | undefined {
    for (let s = this.transmitted; s >= 1 && s > this.transmitted - 0x10000; s--) {
      if ((s & 0xffff) === sequence16) {
        const time = this.sentAt.get(s);
        return time === undefined ? undefined : { sequence: s, time };
      }
    }
    return undefined;
  }

  private maybeFinish(): void {
    if (this.transmitted >= this.count && this.received + this.errors >= this.transmitted) this.finish(true);
  }

  private finish(summary: boolean): void {
    if (this.done) return;
    this.done = true;
    this.node.scheduler.cancel(this.timer);
    this.socket?.close();
    const time = Math.floor((this.lastSend - this.firstSend) / MILLISECOND);
    const loss = this.transmitted === 0 ? 0 : ((this.transmitted - this.received) * 100) / this.transmitted;
    let rtt: PingResult["rtt"];
    if (this.received > 0) {
      // mdev as iputils computes it: sqrt(E[rtt²] - E[rtt]²), the population standard deviation.
      const n = this.received;
      const avg = this.rttSum / n;
      rtt = {
        min: this.rttMin,
        avg,
        max: this.rttMax,
        mdev: Math.sqrt(Math.max(0, this.rttSum2 / n - avg * avg)),
      };
    }
    if (summary && this.dst) {
      this.print("");
      this.print(`--- ${this.destination} ping statistics ---`);
      let line = `${this.transmitted} packets transmitted, ${this.received} received`;
      if (this.duplicates) line += `, +${this.duplicates} duplicates`;
      if (this.errors) line += `, +${this.errors} errors`;
      line += `, ${formatLoss(loss)}% packet loss, time ${time}ms`;
      this.print(line);
      if (rtt) {
        this.print(
          `rtt min/avg/max/mdev = ${rtt.min.toFixed(3)}/${rtt.avg.toFixed(3)}/${rtt.max.toFixed(3)}/${rtt.mdev.toFixed(3)} ms`,
        );
      }
    }
    this.resolve({
      destination: this.destination,
      transmitted: this.transmitted,
      received: this.received,
      duplicates: this.duplicates,
      errors: this.errors,
      loss,
      time,
      rtt,
      replies: this.replies,
      errorReports: this.errorReports,
      output: this.output,
      ...(this.fatal ? { fatal: this.fatal } : {}),
    });
  }
}

/** iputils' RTT precision: 3 significant-ish digits (time=0.123, 1.23, 12.3, 123 ms). */
export function formatRtt(ms: number): string {
  if (ms >= 100 - 0.05) return String(Math.round(ms));
  if (ms >= 10 - 0.005) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** iputils prints the loss with %g: 0, 25, 33.3333. */
function formatLoss(loss: number): string {
  return String(Number(loss.toPrecision(6)));
}

/** iputils' texts for ICMP errors (ping_common.c / ping.c pr_icmph). */
export function icmpErrorText(type: number, code: number, mtu?: number): string {
  if (type === Icmpv4Type.DestinationUnreachable) {
    switch (code) {
      case UnreachableCode.NetUnreachable:
        return "Destination Net Unreachable";
      case UnreachableCode.HostUnreachable:
        return "Destination Host Unreachable";
      case UnreachableCode.ProtocolUnreachable:
        return "Destination Protocol Unreachable";
      case UnreachableCode.PortUnreachable:
        return "Destination Port Unreachable";
      case UnreachableCode.FragmentationNeeded:
        return `Frag needed and DF set (mtu = ${mtu ?? 0})`;
      case UnreachableCode.SourceRouteFailed:
        return "Source Route Failed";
      case UnreachableCode.DestinationNetworkUnknown:
        return "Destination Net Unknown";
      case UnreachableCode.DestinationHostUnknown:
        return "Destination Host Unknown";
      case UnreachableCode.SourceHostIsolated:
        return "Source Host Isolated";
      case UnreachableCode.NetworkAdministrativelyProhibited:
        return "Destination Net Prohibited";
      case UnreachableCode.HostAdministrativelyProhibited:
        return "Destination Host Prohibited";
      case UnreachableCode.NetworkUnreachableForTos:
        return "Destination Net Unreachable for Type of Service";
      case UnreachableCode.HostUnreachableForTos:
        return "Destination Host Unreachable for Type of Service";
      case UnreachableCode.CommunicationAdministrativelyProhibited:
        return "Packet filtered";
      case UnreachableCode.HostPrecedenceViolation:
        return "Precedence Violation";
      case UnreachableCode.PrecedenceCutoffInEffect:
        return "Precedence Cutoff";
      default:
        return `Dest Unreachable, Bad Code: ${code}`;
    }
  }
  if (type === Icmpv4Type.TimeExceeded) {
    return code === 0
      ? "Time to live exceeded"
      : code === 1
        ? "Frag reassembly time exceeded"
        : `Time exceeded, Bad Code: ${code}`;
  }
  if (type === Icmpv4Type.ParameterProblem) return "Parameter problem";
  if (type === Icmpv4Type.SourceQuench) return "Source Quench";
  return `Bad ICMP type: ${type}`;
}

/** iputils' texts for ICMPv6 errors (ping6_common.c, pr_icmph). */
export function icmp6ErrorText(type: number, code: number, mtu?: number, pointer?: number): string {
  switch (type) {
    case Icmpv6Type.DestinationUnreachable: {
      const reasons = [
        "No route",
        "Administratively prohibited",
        "Beyond scope of source address",
        "Address unreachable",
        "Port unreachable",
      ];
      return `Destination unreachable: ${reasons[code] ?? `Unknown code ${code}`}`;
    }
    case Icmpv6Type.PacketTooBig:
      return `Packet too big: mtu=${mtu ?? 0}${code ? `, code=${code}` : ""}`;
    case Icmpv6Type.TimeExceeded:
      return `Time exceeded: ${code === 0 ? "Hop limit" : code === 1 ? "Defragmentation failure" : `code ${code}`}`;
    case Icmpv6Type.ParameterProblem: {
      const what =
        code === 0
          ? "Wrong header field "
          : code === 1
            ? "Unknown header "
            : code === 2
              ? "Unknown option "
              : `code ${code} `;
      return `Parameter problem: ${what}at ${pointer ?? 0}`;
    }
    default:
      return `Unknown icmp type: ${type}`;
  }
}

function sendErrorText(error: string): string {
  switch (error) {
    case "no-route":
      return "Network is unreachable";
    case "interface-down":
      return "Network is down";
    case "queue-full":
      return "No buffer space available";
    case "filtered":
      return "Operation not permitted";
    case "no-source-address":
      return "Cannot assign requested address";
    default:
      return error;
  }
}
