/**
 * `traceroute`, as Linux's traceroute (Dmitry Butskoy's 2.x) behaves and prints, in virtual time.
 *
 * It sends probes with TTL 1, 2, 3, ...: each router where the TTL runs out answers ICMP Time
 * Exceeded (RFC 1812 §5.3.1) from its address, and the destination answers the last probe —
 * with Port Unreachable in UDP mode (probes to ports 33434, 33435, ... where nothing listens),
 * or with an Echo Reply in ICMP mode (`-I`).
 *
 * ```
 * traceroute to 10.0.2.10 (10.0.2.10), 30 hops max, 60 byte packets
 *  1  10.0.1.1 (10.0.1.1)  0.210 ms  0.198 ms  0.197 ms
 *  2  10.0.12.2 (10.0.12.2)  1.402 ms  1.380 ms  1.377 ms
 *  3  * * *
 *  4  10.0.2.10 (10.0.2.10)  2.611 ms  2.590 ms  2.588 ms
 * ```
 *
 * Probes go one at a time (the real tool overlaps up to 16, which changes timing, not results);
 * each waits up to `wait` (-w, 5 s) before printing `*`. Unreachable answers are annotated like
 * the real tool (`!H`, `!N`, `!P`, `!F-<mtu>`, `!X`), and the trace ends at the destination,
 * after a hop that answered only with unreachables, or at `maxHops` (-m, 30).
 *
 * An IPv6 destination (or `family: 6`, traceroute -6) sends the probes over IPv6 with growing hop
 * limits: routers answer ICMPv6 Time Exceeded (RFC 4443 §3.3), the default packet is 80 octets
 * (the real tool's for IPv6), and unreachables are annotated as it does for ICMPv6 (`!N` no
 * route, `!X` prohibited, `!S` beyond scope, `!H` address unreachable, `!F-<mtu>` too big).
 */
import type { Node } from "../devices/node.js";
import type { EchoSocket, IcmpErrorReport } from "../net/icmp.js";
import type { Echo6Socket, Icmp6ErrorReport } from "../net/icmp6.js";
import type { TransportError } from "../net/network-layer.js";
import type { Timer } from "../sim/scheduler.js";
import { MILLISECOND, type Nanoseconds, SECOND } from "../sim/time.js";
import type { UdpSocket } from "../transport/udp.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { Ipv6Address } from "../wire/address/ipv6.js";
import { Icmpv4Type, UnreachableCode } from "../wire/icmpv4.js";
import { Icmpv6DestinationUnreachableCode, Icmpv6Type } from "../wire/icmpv6.js";

export interface TracerouteOptions {
  /** -I: ICMP echo probes instead of UDP. */
  icmp?: boolean;
  /** -m: largest TTL (default 30). */
  maxHops?: number;
  /** -f: first TTL (default 1). */
  firstHop?: number;
  /** -q: probes per hop (default 3). */
  queries?: number;
  /** -w: how long to wait for each answer (default 5 s). */
  wait?: Nanoseconds;
  /** -p: first destination port (UDP mode, default 33434) or first sequence (ICMP mode, default 1). */
  port?: number;
  /** Total packet length in octets (default 60, the real tool's). */
  packetLength?: number;
  /** -n: print addresses only (no "(address)" repeat). */
  numeric?: boolean;
  /** -4 / -6: the address family (default: the destination's). */
  family?: 4 | 6;
  /** Where output lines go (without newline). */
  write?: (line: string) => void;
}

export interface TracerouteProbe {
  /** Who answered, or undefined for a timeout (`*`). */
  address?: string;
  /** Round-trip time in ms. */
  rtt?: number;
  /** `!H`, `!N`, `!P`, `!F-576`..., or undefined. */
  annotation?: string;
}

export interface TracerouteHop {
  ttl: number;
  probes: TracerouteProbe[];
}

export interface TracerouteResult {
  destination: string;
  hops: TracerouteHop[];
  /** Whether the destination itself answered. */
  reached: boolean;
  output: string[];
  fatal?: string;
}

export interface TracerouteRun {
  readonly done: boolean;
  readonly result: Promise<TracerouteResult>;
}

/** Starts `traceroute destination` (or `traceroute -I destination`) on `node`. */
export function traceroute(node: Node, destination: string, options: TracerouteOptions = {}): TracerouteRun {
  return new TracerouteSession(node, destination, options);
}

/** The 32 octets of data the real tool sends in a 60-octet probe: "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_". */
function probeData(length: number): Uint8Array {
  const data = new Uint8Array(Math.max(0, length));
  for (let i = 0; i < data.length; i++) data[i] = 0x40 + (i % 64);
  return data;
}

class TracerouteSession implements TracerouteRun {
  done = false;
  readonly result: Promise<TracerouteResult>;
  private resolve!: (result: TracerouteResult) => void;
  private readonly output: string[] = [];
  private readonly hops: TracerouteHop[] = [];
  private readonly dst: Ipv4Address | Ipv6Address | undefined;
  private readonly maxHops: number;
  private readonly queries: number;
  private readonly wait: Nanoseconds;
  private readonly data: Uint8Array;
  private udpSocket: UdpSocket | undefined;
  private echoSocket: EchoSocket | Echo6Socket | undefined;
  private ttl: number;
  private query = 0;
  private probeNumber = 0;
  /** The probe in flight: its port (UDP) or sequence (ICMP) and send time. */
  private pending: { key: number; sentAt: Nanoseconds } | undefined;
  private timer: Timer | undefined;
  private line = "";
  private lastAddress: string | undefined;
  private reached = false;
  private hopUnreachables = 0;
  private hopAnswers = 0;
  private fatal: string | undefined;

  constructor(
    private readonly node: Node,
    private readonly destination: string,
    private readonly options: TracerouteOptions,
  ) {
    this.result = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.maxHops = options.maxHops ?? 30;
    this.queries = options.queries ?? 3;
    this.wait = options.wait ?? 5 * SECOND;
    this.ttl = options.firstHop ?? 1;
    const v4 = options.family === 6 ? undefined : Ipv4Address.tryParse(destination);
    this.dst = v4 ?? (options.family === 4 ? undefined : Ipv6Address.tryParse(destination));
    const v6 = this.dst?.version === 6;
    const length = options.packetLength ?? (v6 ? 80 : 60);
    this.data = probeData(length - (v6 ? 48 : 28));
    if (!this.dst) {
      this.fatal = `${destination}: Name or service not known`;
      this.print(this.fatal);
      this.print(`Cannot handle "host" cmdline arg \`${destination}' on position 1 (argc 1)`);
      this.finish();
      return;
    }
    if (node.ip.sourceFor(this.dst) === undefined) {
      this.fatal = "connect: Network is unreachable";
      this.print(this.fatal);
      this.finish();
      return;
    }
    if (options.icmp) {
      const handlers = {
        onReply: (reply: { sequence: number; from: Ipv4Address | Ipv6Address }) => {
          if (reply.sequence === this.pending?.key) this.answer(reply.from.toString(), undefined, true);
        },
        onError: (error: IcmpErrorReport | Icmp6ErrorReport) => this.onIcmpError(error),
      };
      this.echoSocket = v6 ? node.ipv6.icmp.openEcho(handlers) : node.ipv4.icmp.openEcho(handlers);
    } else {
      const socket = node.udp.createSocket();
      socket.recvErr = true;
      socket.onIcmpError = (error) => this.onIcmpError(error);
      socket.onError = () => {};
      socket.bind(0);
      this.udpSocket = socket;
    }
    this.print(
      `traceroute to ${destination} (${this.dst}), ${this.maxHops} hops max, ${length} byte packets`,
    );
    this.timer = node.scheduler.after(0, () => this.sendProbe());
  }

  private print(line: string): void {
    this.output.push(line);
    this.options.write?.(line);
  }

  private sendProbe(): void {
    if (this.query === 0) {
      this.line = `${String(this.ttl).padStart(2)} `;
      this.lastAddress = undefined;
      this.hopUnreachables = 0;
      this.hopAnswers = 0;
      this.hops.push({ ttl: this.ttl, probes: [] });
    }
    const scheduler = this.node.scheduler;
    const dst = this.dst!;
    let key: number;
    if (this.udpSocket) {
      key = ((this.options.port ?? 33434) + this.probeNumber) & 0xffff;
      this.udpSocket.ttl = this.ttl;
      this.udpSocket.sendTo(this.data, key, dst);
    } else {
      key = ((this.options.port ?? 1) + this.probeNumber) & 0xffff;
      if (dst.version === 6) (this.echoSocket as Echo6Socket).send(dst, key, this.data, { ttl: this.ttl });
      else (this.echoSocket as EchoSocket).send(dst, key, this.data, { ttl: this.ttl });
    }
    this.probeNumber++;
    this.pending = { key, sentAt: scheduler.now };
    this.timer = scheduler.after(this.wait, () => this.timeout());
  }

  private onIcmpError(error: TransportError | IcmpErrorReport | Icmp6ErrorReport): void {
    if (!this.pending) return;
    const q = error.quoted;
    // UDP: the quoted destination port names the probe; ICMP: the quoted echo sequence.
    const key = this.udpSocket ? (q[2] << 8) | q[3] : (q[6] << 8) | q[7];
    if (key !== this.pending.key) return;
    const reporter = error.reporter.toString();
    if (this.dst!.version === 6) {
      this.onIcmp6Error(error as Icmp6ErrorReport, reporter);
      return;
    }
    const type = "type" in error ? (error as IcmpErrorReport).type : typeOf(error.kind);
    if (type === Icmpv4Type.TimeExceeded) {
      this.answer(reporter, undefined, false);
      return;
    }
    if (type === Icmpv4Type.DestinationUnreachable) {
      if (error.code === UnreachableCode.PortUnreachable && this.udpSocket) {
        // The destination itself: nothing listens on 33434+ (that is the point).
        this.answer(reporter, reporter === this.dst!.toString() ? undefined : "!P", true);
        return;
      }
      this.answer(reporter, annotationFor(error.code, error.mtu), false, true);
    }
  }

  /** The same for ICMPv6 (traceroute.c's IPv6 branch of `parse_icmp_res`). */
  private onIcmp6Error(error: Icmp6ErrorReport, reporter: string): void {
    const type = error.type ?? icmp6TypeOf(error.kind);
    if (type === Icmpv6Type.TimeExceeded) {
      this.answer(reporter, undefined, false);
      return;
    }
    if (type === Icmpv6Type.PacketTooBig) {
      this.answer(reporter, `!F-${error.mtu ?? 0}`, false, true);
      return;
    }
    if (type !== Icmpv6Type.DestinationUnreachable) return;
    if (error.code === Icmpv6DestinationUnreachableCode.PortUnreachable && this.udpSocket) {
      this.answer(reporter, reporter === this.dst!.toString() ? undefined : "!P", true);
      return;
    }
    this.answer(reporter, annotation6For(error.code), false, true);
  }

  private answer(
    address: string,
    annotation: string | undefined,
    fromDestination: boolean,
    unreachable = false,
  ): void {
    const pending = this.pending!;
    this.node.scheduler.cancel(this.timer);
    const rtt = (this.node.scheduler.now - pending.sentAt) / MILLISECOND;
    this.pending = undefined;
    if (address !== this.lastAddress) {
      this.line += this.options.numeric ? ` ${address}` : ` ${address} (${address})`;
      this.lastAddress = address;
    }
    this.line += `  ${rtt.toFixed(3)} ms${annotation ? ` ${annotation}` : ""}`;
    this.hops[this.hops.length - 1].probes.push({ address, rtt, ...(annotation ? { annotation } : {}) });
    this.hopAnswers++;
    if (fromDestination && address === this.dst!.toString()) this.reached = true;
    if (unreachable) this.hopUnreachables++;
    this.nextProbe();
  }

  private timeout(): void {
    this.pending = undefined;
    this.line += " *";
    this.hops[this.hops.length - 1].probes.push({});
    this.nextProbe();
  }

  private nextProbe(): void {
    this.query++;
    if (this.query < this.queries) {
      this.timer = this.node.scheduler.after(0, () => this.sendProbe());
      return;
    }
    this.print(this.line);
    this.query = 0;
    // The real tool stops after the hop where the destination answered, or where every answer
    // was an unreachable.
    const allUnreachable = this.hopAnswers > 0 && this.hopUnreachables === this.hopAnswers;
    if (this.reached || allUnreachable || this.ttl >= this.maxHops) {
      this.finish();
      return;
    }
    this.ttl++;
    this.timer = this.node.scheduler.after(0, () => this.sendProbe());
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.node.scheduler.cancel(this.timer);
    this.udpSocket?.close();
    this.echoSocket?.close();
    this.resolve({
      destination: this.destination,
      hops: this.hops,
      reached: this.reached,
      output: this.output,
      ...(this.fatal ? { fatal: this.fatal } : {}),
    });
  }
}

function icmp6TypeOf(kind: TransportError["kind"]): number {
  switch (kind) {
    case "time-exceeded":
      return Icmpv6Type.TimeExceeded;
    case "packet-too-big":
      return Icmpv6Type.PacketTooBig;
    case "parameter-problem":
      return Icmpv6Type.ParameterProblem;
    default:
      return Icmpv6Type.DestinationUnreachable;
  }
}

/** The real tool's annotations for ICMPv6 unreachables. */
function annotation6For(code: number): string {
  switch (code) {
    case Icmpv6DestinationUnreachableCode.NoRoute:
      return "!N";
    case Icmpv6DestinationUnreachableCode.AdministrativelyProhibited:
    case Icmpv6DestinationUnreachableCode.SourceAddressFailedPolicy:
    case Icmpv6DestinationUnreachableCode.RejectRoute:
      return "!X";
    case Icmpv6DestinationUnreachableCode.BeyondScopeOfSource:
      return "!S";
    case Icmpv6DestinationUnreachableCode.AddressUnreachable:
      return "!H";
    default:
      return `!<${code}>`;
  }
}

function typeOf(kind: TransportError["kind"]): number {
  switch (kind) {
    case "time-exceeded":
      return Icmpv4Type.TimeExceeded;
    case "parameter-problem":
      return Icmpv4Type.ParameterProblem;
    default:
      return Icmpv4Type.DestinationUnreachable;
  }
}

/** The real tool's annotations for unreachables (traceroute.c, `parse_icmp_res`). */
function annotationFor(code: number, mtu: number | undefined): string {
  switch (code) {
    case UnreachableCode.NetUnreachable:
    case UnreachableCode.DestinationNetworkUnknown:
    case UnreachableCode.NetworkUnreachableForTos:
      return "!N";
    case UnreachableCode.HostUnreachable:
    case UnreachableCode.DestinationHostUnknown:
    case UnreachableCode.HostUnreachableForTos:
      return "!H";
    case UnreachableCode.ProtocolUnreachable:
      return "!P";
    case UnreachableCode.FragmentationNeeded:
      return `!F-${mtu ?? 0}`;
    case UnreachableCode.SourceRouteFailed:
      return "!S";
    case UnreachableCode.NetworkAdministrativelyProhibited:
    case UnreachableCode.HostAdministrativelyProhibited:
    case UnreachableCode.CommunicationAdministrativelyProhibited:
      return "!X";
    case UnreachableCode.HostPrecedenceViolation:
      return "!V";
    case UnreachableCode.PrecedenceCutoffInEffect:
      return "!C";
    default:
      return `!<${code}>`;
  }
}
