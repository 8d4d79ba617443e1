/**
 * Runs a packetdrill script against a fresh TCP in virtual time.
 *
 * The script's events happen at their times (`+0.10` after the previous event, `0.50` since the
 * start). Between events the simulator runs the stack's timers. Inbound packets (`<`) are built
 * and handed to TCP through a network-layer double; outbound packets (`>`) must be the next thing
 * the stack sends, within `--tolerance_usecs` of their time, and must match (./matcher.ts);
 * system calls go through the emulated sockets (./sockets.ts) and must return what the script
 * says; shell commands and `%{ }%` assertions are emulated where we can (./commands.ts).
 *
 * Sequence numbers are relative, as in packetdrill: the script writes our initial sequence number
 * as 0 (or whatever its first outbound SYN says) and the runner maps both ways; the peer's
 * sequence numbers are used as written. Timestamps echoed by the script (TSecr) are mapped to the
 * TSval we actually sent.
 *
 * A script passes when every event ran and matched, and the stack sent nothing the script did not
 * expect by the time of its last event. The first mismatch fails it, with the line and a diff.
 */
import type { ReceivedDatagram } from "../net/network-layer.js";
import { Scheduler } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { type IpAddress, Ipv6Address } from "../wire/address/ipv6.js";
import { emitTcp, parseTcp, TcpFlags, TcpView } from "../wire/tcp.js";
import type { TcpOption } from "../wire/tcp-options.js";
import { codeAssertion, inapplicability } from "./applicability.js";
import { parseShellCommand, type ShellCommand, SOCKSTAT_STATE, sysctlEffect } from "./commands.js";
import { ERRNO, symbolValue, TCPI_STATES } from "./constants.js";
import { ICMP_ERRNOS, icmpError } from "./icmp-errors.js";
import {
  flagsFromText,
  formatLiveSegment,
  formatSpec,
  type LiveSegment,
  type Mismatch,
  matchSegment,
} from "./matcher.js";
import { NetworkDouble } from "./network-double.js";
import {
  activeEvents,
  type CodeEvent,
  type CommandEvent,
  type EventTime,
  type PacketEvent,
  type Script,
  type ScriptEvent,
  type SyscallEvent,
  scriptOption,
  type TcpPacketSpec,
} from "./pkt-ast.js";
import { isPktSyntaxError } from "./pkt-lexer.js";
import { parsePkt } from "./pkt-parser.js";
import {
  evaluate,
  SCRIPT_PORT,
  SocketTable as Sockets,
  type SocketTable,
  type SyscallResult,
} from "./sockets.js";
import type { ConnectionState, StackDescription, StackSettings, StackUnderTest } from "./stack.js";

const MICROSECOND = 1_000;
const SECOND = 1_000_000_000;

/** packetdrill's default addresses: we are the "local" host, the script is the "remote" one. */
export const LOCAL_IPV4 = Ipv4Address.parse("192.168.0.1");
export const REMOTE_IPV4 = Ipv4Address.parse("192.0.2.1");
export const LOCAL_IPV6 = Ipv6Address.parse("fd3d:fa7b:d17d::1");
export const REMOTE_IPV6 = Ipv6Address.parse("2001:db8::1");
/** The script's port for connections it opens to us (any port works; this one is easy to spot). */
export const REMOTE_PORT = 49_152;

export interface RunOptions {
  stack: StackDescription;
  /** Preprocessor symbols; default `STANDARD` (the RFC branch of the suite's `#ifdef` blocks). */
  defines?: ReadonlySet<string>;
  /** How long a `*` packet may take to come, in virtual time (default 10 minutes). */
  anyTimeLimit?: Nanoseconds;
}

export type ScriptResult =
  | { status: "passed"; events: number; duration: Nanoseconds; warnings: string[] }
  | ({ status: "failed" } & Failure)
  | { status: "not-applicable"; reason: string; line?: number };

export interface Failure {
  line: number;
  /** The script line that failed. */
  source: string;
  message: string;
  /** For packet mismatches: what the script expected and what the stack sent, in script syntax. */
  expected?: string;
  sent?: string;
  mismatches?: Mismatch[];
}

/** Parses and runs a script's text; a syntax error is a failure at its line. */
export function runScriptText(text: string, options: RunOptions): ScriptResult {
  const script = parsePkt(text);
  if (isPktSyntaxError(script))
    return { status: "failed", line: script.line, source: "", message: `syntax error: ${script.message}` };
  return runScript(script, options);
}

/** Runs one parsed script against a fresh stack. */
export function runScript(script: Script, options: RunOptions): ScriptResult {
  const events = activeEvents(script, options.defines ?? new Set(["STANDARD"]));
  const inapplicable = inapplicability(script, events, options.stack.capabilities);
  if (inapplicable) return { status: "not-applicable", ...inapplicable };
  const run = new ScriptRun(script, events, options);
  return run.run();
}

/** Thrown inside a run to stop it; `run()` turns it into the result. */
class Stop {
  constructor(readonly result: ScriptResult) {}
}

interface PendingCall {
  event: SyscallEvent;
  earliest: Nanoseconds;
  latest: Nanoseconds;
  poll: () => SyscallResult | undefined;
}

class ScriptRun {
  private readonly scheduler = new Scheduler({ seed: 1 });
  private readonly network: NetworkDouble;
  private readonly version: 4 | 6;
  private readonly tolerance: Nanoseconds;
  private readonly nonFatalSyscalls: boolean;
  private readonly warnings: string[] = [];
  private settings: StackSettings = {};
  private stack: StackUnderTest | undefined;
  private sockets: SocketTable | undefined;
  private readonly pending: PendingCall[] = [];
  /** The connection the script's packets belong to: our port and the script's. */
  private tuple: { local: number; remote: number } | undefined;
  /** Our initial sequence number minus the one the script writes (mod 2^32), once known. */
  private seqOffset: number | undefined;
  /** TSval the script wrote → TSval we sent, for mapping the script's TSecr. */
  private readonly tsValues = new Map<number, number>();
  private tsOffset: number | undefined;
  /** The end of the highest sequence number we have sent (script numbering), for spotting retransmissions. */
  private sndMax: number | undefined;
  /** FreeBSD's `net.inet.tcp.rexmit_slop` as the script set it: see `expectPacket`. */
  private rexmitSlop: Nanoseconds = 0;
  /**
   * The receive window the script assumes, from `getsockopt(fd, SOL_SOCKET, SO_RCVBUF, [X], ...)`
   * on a connection (FreeBSD's buffer rounded up to a multiple of the MSS, e.g. 65700).
   */
  private scriptWindow: number | undefined;
  /** From the last segment we sent: RCV.NXT (its ack), the window field, and whether it was a SYN. */
  private advertised: { ack: number; window: number; syn: boolean } | undefined;
  /** Window scaling: our shift (from our SYN) and whether the script's SYN offered scaling too. */
  private ourShift = 0;
  private peerScales = false;
  /** An ICMP error was injected: errnos from ICMP are compared loosely from now on. */
  private icmpInjected = false;
  private current: ScriptEvent | undefined;

  constructor(
    script: Script,
    private readonly events: readonly ScriptEvent[],
    private readonly options: RunOptions,
  ) {
    this.version = scriptOption(script, "ip_version") === "ipv6" ? 6 : 4;
    const local = this.version === 4 ? LOCAL_IPV4 : LOCAL_IPV6;
    const remote = this.version === 4 ? REMOTE_IPV4 : REMOTE_IPV6;
    const mtu = Number(scriptOption(script, "mtu") ?? 1500);
    this.network = new NetworkDouble(this.scheduler, local, remote, mtu);
    // packetdrill's default tolerance is 4 ms.
    this.tolerance = Number(scriptOption(script, "tolerance_usecs") ?? 4000) * MICROSECOND;
    this.nonFatalSyscalls = scriptOption(script, "non_fatal") === "syscall";
  }

  run(): ScriptResult {
    try {
      this.runEvents();
      return {
        status: "passed",
        events: this.events.length,
        duration: this.scheduler.now,
        warnings: this.warnings,
      };
    } catch (caught) {
      if (caught instanceof Stop) return caught.result;
      // The stack (or the runner) threw: that is a failure of the line being run, never a crash.
      const message = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
      return this.failure(`exception: ${message}`);
    }
  }

  private runEvents(): void {
    /** The script time of the previous event: relative times count from it. */
    let previous = 0;
    let lastExpected = -1;
    this.events.forEach((e, i) => {
      if (e.type === "packet" && e.direction === "outbound") lastExpected = i;
    });
    for (let i = 0; i < this.events.length; i++) {
      const event = this.events[i];
      this.current = event;
      if (event.type === "packet" && event.direction === "outbound") {
        previous = this.expectPacket(event, event.packet as TcpPacketSpec, previous);
        continue;
      }
      const at = this.start(event.time, previous);
      this.advanceTo(at);
      this.checkNothingSent(event, i < lastExpected);
      switch (event.type) {
        case "packet":
          this.inject(event);
          break;
        case "syscall":
          this.syscall(event, at, previous);
          break;
        case "command":
          this.command(event);
          break;
        case "code":
          this.code(event);
          break;
      }
      this.pollPending();
      previous = at;
    }
    this.current = undefined;
    this.checkNothingSent(undefined, false);
    // Blocking calls still running must finish in their windows.
    while (this.pending.length > 0) {
      const call = this.pending[0];
      this.current = call.event;
      this.advanceTo(call.latest);
      this.pollPending();
      if (this.pending[0] === call) this.fail(`the call had not returned by ${seconds(call.latest)}`);
    }
  }

  // --- Time ----------------------------------------------------------------------------------

  private start(time: EventTime, previous: Nanoseconds): Nanoseconds {
    switch (time.kind) {
      case "absolute":
        return time.at;
      case "relative":
        return previous + time.offset;
      default:
        return previous;
    }
  }

  private end(time: EventTime, start: Nanoseconds, previous: Nanoseconds): Nanoseconds {
    if ((time.kind !== "absolute" && time.kind !== "relative") || !time.end) return start;
    return time.end.relative ? previous + time.end.time : time.end.time;
  }

  /** Runs the stack's timers up to `time` (never backwards), completing blocked calls as they can. */
  private advanceTo(time: Nanoseconds): void {
    for (;;) {
      const next = this.scheduler.nextEventTime;
      if (next === undefined || next > time) break;
      this.scheduler.step();
      this.pollPending();
    }
    if (time > this.scheduler.now) this.scheduler.runUntil(time);
  }

  // --- Outbound packets ------------------------------------------------------------------------

  private expectPacket(event: PacketEvent, spec: TcpPacketSpec, previous: Nanoseconds): Nanoseconds {
    const any = event.time.kind === "any";
    const start = this.start(event.time, previous);
    const earliest = any ? 0 : start - this.tolerance;
    const latest = any
      ? this.scheduler.now + (this.options.anyTimeLimit ?? 600 * SECOND)
      : this.end(event.time, start, previous) + this.tolerance;
    const outbox = this.network.outbox;
    while (outbox.length === 0) {
      const next = this.scheduler.nextEventTime;
      if (next === undefined || next > latest) break;
      this.scheduler.step();
      this.pollPending();
    }
    const captured = outbox.shift();
    if (!captured) {
      if (latest > this.scheduler.now && Number.isFinite(latest)) this.scheduler.runUntil(latest);
      this.fail(`expected the stack to send a packet by ${seconds(latest)}, but it sent nothing`, {
        expected: `> ${formatSpec(spec)}`,
      });
    }
    const live = this.toScriptSpace(captured.datagram.payload, captured.datagram, spec);
    const sent = `> ${formatLiveSegment(live)}`;
    const mismatches = matchSegment(spec, live, { fields: event.ip, ecn: event.ecn });
    if (mismatches.length > 0)
      this.fail(`the packet sent at ${seconds(captured.time)} differs from the script`, {
        expected: `> ${formatSpec(spec)}`,
        sent,
        mismatches,
      });
    // FreeBSD adds net.inet.tcp.rexmit_slop to every retransmission timeout; RFC 6298 has no such
    // term, so a retransmission may come that much earlier than the script says.
    const retransmission = this.isRetransmission(live);
    const slop = retransmission ? this.rexmitSlop : 0;
    if (captured.time < earliest - slop)
      this.fail(
        `the packet was sent at ${seconds(captured.time)}, earlier than expected (${seconds(start)} ± ${seconds(this.tolerance)})`,
        { expected: `> ${formatSpec(spec)}`, sent },
      );
    this.learnTimestamps(spec, live);
    this.learnWindow(live);
    return any ? captured.time : start;
  }

  private learnWindow(live: LiveSegment): void {
    if (live.flags & TcpFlags.SYN) {
      const ws = live.options.find((o) => o.kind === "window-scale");
      this.ourShift = ws?.kind === "window-scale" ? ws.shift : 0;
    }
    if (live.flags & TcpFlags.ACK && !(live.flags & TcpFlags.RST))
      this.advertised = { ack: live.ack, window: live.window, syn: (live.flags & TcpFlags.SYN) !== 0 };
  }

  /**
   * The script puts segments at the edges of the receive window it assumes (`scriptWindow`): the
   * right edge RCV.NXT + RCV.WND - 1 and the first sequence number beyond it. Our window is our
   * own choice (RFC 9293 §3.8.6; FreeBSD rounds its buffer up to a multiple of the MSS, and
   * without window scaling can have more window than it can advertise), so those two sequence
   * numbers are moved to the same edges of the window we advertised last. Nothing else moves.
   */
  private toOurWindow(seq: number, line: number): number {
    const assumed = this.scriptWindow;
    const advertised = this.advertised;
    if (assumed === undefined || !advertised) return seq;
    const shift = advertised.syn || !this.peerScales ? 0 : this.ourShift;
    const ours = advertised.window * 2 ** shift;
    const distance = (seq - advertised.ack) >>> 0;
    if (ours === assumed || (distance !== assumed - 1 && distance !== assumed)) return seq;
    const moved = (advertised.ack + ours + (distance - assumed)) >>> 0;
    this.warnings.push(
      `line ${line}: sequence number ${seq} is the edge of the script's ${assumed}-byte window; sent as ${moved}, the same edge of ours (${ours})`,
    );
    return moved;
  }

  /** Whether a sent segment only repeats sequence space we sent before (a retransmission). */
  private isRetransmission(live: LiveSegment): boolean {
    const end =
      (live.seq + live.length + (live.flags & TcpFlags.SYN ? 1 : 0) + (live.flags & TcpFlags.FIN ? 1 : 0)) >>>
      0;
    const consumes = end !== live.seq;
    const max = this.sndMax;
    if (max === undefined || ((end - max) | 0) > 0) this.sndMax = end;
    return consumes && max !== undefined && ((end - max) | 0) <= 0;
  }

  /** Parses a sent segment and brings it into the script's numbering, learning our ISN from SYNs. */
  private toScriptSpace(
    payload: Uint8Array,
    datagram: { src?: IpAddress; dst: IpAddress; ttl?: number; tos?: number },
    spec: TcpPacketSpec,
  ): LiveSegment {
    const repr = parseTcp(payload);
    if (!("srcPort" in repr)) this.fail(`the stack sent a malformed TCP segment: ${repr.toString()}`);
    const src = datagram.src ?? this.network.local;
    const checksumOk = new TcpView(payload).verifyChecksum({ src, dst: datagram.dst });
    if (repr.flags & TcpFlags.SYN && !(repr.flags & TcpFlags.ACK)) {
      // Our active open: the script's packets go to this connection from now on.
      this.tuple = { local: repr.srcPort, remote: repr.dstPort };
    } else if (this.tuple && (repr.srcPort !== this.tuple.local || repr.dstPort !== this.tuple.remote)) {
      this.fail(
        `the stack sent a segment for port ${repr.srcPort} → ${repr.dstPort}, not the script's connection ${this.tuple.local} → ${this.tuple.remote}`,
      );
    }
    if (repr.flags & TcpFlags.SYN && !spec.absoluteSeq) {
      const scriptIsn = "any" in spec.seq ? 0 : spec.seq.start;
      if (this.seqOffset === undefined || "any" in spec.seq) {
        this.seqOffset = (repr.seq - scriptIsn) >>> 0;
        this.sndMax = undefined;
      }
    }
    const offset = spec.absoluteSeq ? 0 : (this.seqOffset ?? 0);
    return {
      flags: repr.flags,
      seq: (repr.seq - offset) >>> 0,
      ack: repr.ack,
      window: repr.window,
      urgent: repr.urgentPointer,
      length: repr.payload.length,
      options: repr.options,
      ttl: datagram.ttl ?? 64,
      tos: datagram.tos ?? 0,
      checksumOk,
    };
  }

  private learnTimestamps(spec: TcpPacketSpec, live: LiveSegment): void {
    if (spec.options === "any" || !spec.options) return;
    const expected = spec.options.find((o) => o.kind === "timestamp");
    const sent = live.options.find((o) => o.kind === "timestamps");
    if (expected?.kind !== "timestamp" || sent?.kind !== "timestamps") return;
    this.tsValues.set(expected.value, sent.value);
    this.tsOffset = (sent.value - expected.value) >>> 0;
  }

  /**
   * Fails when the stack sent something the script does not expect before `event` — when a later
   * `>` line could be compared with it (`strict`). After the script's last `>` line packetdrill
   * compares nothing more; neither do we, but each such packet is listed as a warning.
   */
  private checkNothingSent(event: ScriptEvent | undefined, strict: boolean): void {
    if (!strict) {
      for (const captured of this.network.outbox.splice(0))
        this.warnings.push(
          `${event ? `line ${event.line}` : "end"}: not compared (after the last > line): ${this.describeSent(captured.datagram.payload)} at ${seconds(captured.time)}`,
        );
      return;
    }
    const captured = this.network.outbox[0];
    if (!captured) return;
    const sent = this.describeSent(captured.datagram.payload);
    const when = event ? "before this event" : "by the end of the script";
    this.fail(
      `the stack sent a packet at ${seconds(captured.time)} that the script does not expect ${when}`,
      {
        sent,
      },
    );
  }

  /** A sent segment in script syntax, in the script's numbering as far as it is known. */
  private describeSent(payload: Uint8Array): string {
    let sent = "an unparsable segment";
    const repr = parseTcp(payload);
    if ("srcPort" in repr) {
      const offset = this.seqOffset ?? 0;
      sent = `> ${formatLiveSegment({
        flags: repr.flags,
        seq: (repr.seq - offset) >>> 0,
        ack: repr.ack,
        window: repr.window,
        urgent: repr.urgentPointer,
        length: repr.payload.length,
        options: repr.options,
        ttl: 64,
        tos: 0,
        checksumOk: true,
      })}`;
    }
    return sent;
  }

  // --- Inbound packets -------------------------------------------------------------------------

  private inject(event: PacketEvent): void {
    this.ensureStack();
    const spec = event.packet;
    if (spec.protocol === "icmp") {
      this.injectIcmp(event);
      return;
    }
    const flags = flagsFromText(spec.flagText);
    if (flags & TcpFlags.SYN && !(flags & TcpFlags.ACK)) this.prepareForSyn();
    const tuple = this.scriptTuple();
    const offset = this.seqOffset ?? 0;
    if (flags & TcpFlags.SYN && spec.options !== "any")
      this.peerScales = (spec.options ?? []).some((o) => o.kind === "wscale");
    const seq = this.toOurWindow("any" in spec.seq ? 0 : spec.seq.start, event.line);
    const repr = {
      srcPort: tuple.remote,
      dstPort: tuple.local,
      seq,
      ack: spec.ack === undefined ? 0 : (spec.ack + offset) >>> 0,
      flags,
      window: spec.window ?? 65535,
      urgentPointer: spec.urgent ?? 0,
      options: this.inboundOptions(spec, flags),
      payload: new Uint8Array(spec.seq.length),
    };
    const bytes = new Uint8Array(60 + repr.payload.length);
    const pseudo = { src: this.network.remote, dst: this.network.local };
    const length = emitTcp(repr, bytes, pseudo);
    const ecnBits = event.ecn === undefined ? 0 : ({ noecn: 0, ect1: 1, ect0: 2, ce: 3 }[event.ecn] ?? 0);
    const datagram: ReceivedDatagram = {
      src: this.network.remote,
      dst: this.network.local,
      protocol: 6,
      payload: bytes.subarray(0, length),
      ttl: event.ip?.ttl ?? event.ip?.hopLimit ?? 64,
      tos: (event.ip?.tos ?? event.ip?.trafficClass ?? 0) | ecnBits,
      iface: "eth0",
      broadcast: false,
    };
    this.network.deliver(datagram);
  }

  /**
   * Before a SYN from the script: if no connection of the stack's owns the script's 4-tuple any
   * more, the SYN opens a new one and our next SYN-ACK sets a new initial sequence number.
   */
  private prepareForSyn(): void {
    if (!this.tuple) return;
    const { local, remote } = this.tuple;
    const alive = this.stack!.connections().some((c) => c.localPort === local && c.remotePort === remote);
    if (!alive) this.seqOffset = undefined;
  }

  /** The 4-tuple inbound segments use: the current connection, or a new one to the script port. */
  private scriptTuple(): { local: number; remote: number } {
    this.tuple ??= { local: SCRIPT_PORT, remote: REMOTE_PORT };
    return this.tuple;
  }

  private inboundOptions(spec: TcpPacketSpec, flags: number): TcpOption[] {
    if (spec.options === "any" || !spec.options) return [];
    const offset = this.seqOffset ?? 0;
    const options: TcpOption[] = [];
    for (const option of spec.options) {
      switch (option.kind) {
        case "nop":
        case "eol":
          options.push({ kind: option.kind });
          break;
        case "mss":
          options.push({ kind: "mss", value: option.value });
          break;
        case "wscale":
          options.push({ kind: "window-scale", shift: option.shift });
          break;
        case "sackOK":
          options.push({ kind: "sack-permitted" });
          break;
        case "sack":
          // SACK blocks name our sequence numbers: relative in the script.
          options.push({
            kind: "sack",
            blocks: option.blocks.map((b) => ({
              left: (b.left + offset) >>> 0,
              right: (b.right + offset) >>> 0,
            })),
          });
          break;
        case "timestamp":
          options.push({ kind: "timestamps", value: option.value, echo: this.echo(option.echo, flags) });
          break;
        default:
          this.notApplicable(`inbound option ${option.kind} is not emulated`);
      }
    }
    return options;
  }

  /** The TSecr to send for the one the script wrote: the TSval we sent that the script called that. */
  private echo(echo: number, flags: number): number {
    if (echo === 0 && !(flags & TcpFlags.ACK)) return 0;
    const mapped = this.tsValues.get(echo);
    if (mapped !== undefined) return mapped;
    return this.tsOffset === undefined ? echo : (echo + this.tsOffset) >>> 0;
  }

  private injectIcmp(event: PacketEvent): void {
    const spec = event.packet;
    if (spec.protocol !== "icmp") return;
    const error = icmpError(this.version, spec.type, spec.code);
    if (error === "redirect") return;
    if ("unknown" in error) this.notApplicable(`${error.unknown} is not emulated`);
    const tuple = this.scriptTuple();
    const offset = this.seqOffset ?? 0;
    const quotedSeq = spec.quoted && !("any" in spec.quoted.seq) ? spec.quoted.seq.start : 0;
    const quoted = new Uint8Array(20);
    const pseudo = { src: this.network.local, dst: this.network.remote };
    emitTcp(
      {
        srcPort: tuple.local,
        dstPort: tuple.remote,
        seq: (quotedSeq + offset) >>> 0,
        ack: 0,
        flags: spec.quoted ? flagsFromText(spec.quoted.flagText) : 0,
        window: 0,
        urgentPointer: 0,
        options: [],
        payload: new Uint8Array(0),
      },
      quoted,
      pseudo,
    );
    if (spec.mtu !== undefined) this.network.learnPathMtu(spec.mtu);
    this.icmpInjected = true;
    this.network.deliverError({
      kind: error.kind,
      code: error.code,
      errno: error.errno,
      mtu: spec.mtu,
      reporter: this.network.remote,
      src: this.network.local,
      dst: this.network.remote,
      protocol: 6,
      quoted,
    });
  }

  // --- System calls ----------------------------------------------------------------------------

  private syscall(event: SyscallEvent, at: Nanoseconds, previous: Nanoseconds): void {
    const sockets = this.ensureStack();
    const outcome = sockets.call(event.name, event.args);
    // An active open starts a new connection: its SYN will set a new initial sequence number.
    if (event.name === "connect") this.seqOffset = undefined;
    const blocking =
      (event.time.kind === "absolute" || event.time.kind === "relative") &&
      event.time.end?.kind === "blocking";
    const endAt = this.end(event.time, at, previous);
    switch (outcome.kind) {
      case "not-applicable":
        this.notApplicable(outcome.reason);
        break;
      case "error":
        this.fail(outcome.message);
        break;
      case "done":
        if (blocking && at < endAt - this.tolerance)
          this.syscallFailure(
            event,
            `returned at once (${seconds(at)}); the script expects it to block until ${seconds(endAt)}`,
          );
        this.checkResult(event, outcome.result);
        break;
      case "blocked":
        if (!blocking)
          this.syscallFailure(
            event,
            "blocked; the script expects it to return at once (it gives no ... time range)",
          );
        else
          this.pending.push({
            event,
            earliest: endAt - this.tolerance,
            latest: endAt + this.tolerance,
            poll: outcome.poll,
          });
        break;
    }
  }

  private pollPending(): void {
    for (let i = 0; i < this.pending.length; i++) {
      const call = this.pending[i];
      const result = call.poll();
      if (!result) continue;
      this.pending.splice(i--, 1);
      const now = this.scheduler.now;
      const saved = this.current;
      this.current = call.event;
      if (now < call.earliest || now > call.latest)
        this.syscallFailure(
          call.event,
          `returned at ${seconds(now)}, outside ${seconds(call.earliest)}..${seconds(call.latest)}`,
        );
      this.checkResult(call.event, result);
      this.current = saved;
    }
  }

  private checkResult(event: SyscallEvent, result: SyscallResult): void {
    this.noteScriptWindow(event);
    const expected = evaluate(event.result);
    const describe = (r: SyscallResult) => `${r.ret}${r.errno ? ` ${r.errno}` : ""}`;
    const expectedText = `${event.result.kind === "number" ? event.result.text : "?"}${event.errno ? ` ${event.errno}` : ""}`;
    if (expected !== undefined && expected !== result.ret) {
      this.syscallFailure(event, `returned ${describe(result)}, expected ${expectedText}`);
      return;
    }
    if (event.errno && !this.sameErrno(event.errno, result.errno)) {
      this.syscallFailure(event, `failed with ${result.errno ?? "no errno"}, expected ${event.errno}`);
      return;
    }
    if (event.name === "getsockopt" && result.out !== undefined && result.out !== "unchecked") {
      const item = event.args[3]?.kind === "array" ? event.args[3].items[0] : undefined;
      if (!item || item.kind === "ellipsis") return;
      const want = item.kind === "symbol" && ERRNO[item.name] !== undefined ? item.name : evaluate(item);
      const got = typeof result.out === "number" ? result.out : result.out.errno;
      const same =
        typeof want === "string" || typeof got === "string"
          ? typeof want === typeof got
            ? this.sameErrno(String(want), String(got))
            : false
          : want === got;
      if (!same) this.syscallFailure(event, `gave [${got}], expected [${want ?? "?"}]`);
    }
  }

  /** `getsockopt(fd, SOL_SOCKET, SO_RCVBUF, [X], ...)` on a connection states the window the script assumes. */
  private noteScriptWindow(event: SyscallEvent): void {
    if (event.name !== "getsockopt") return;
    const [, level, name, out] = event.args;
    if (
      level?.kind !== "symbol" ||
      level.name !== "SOL_SOCKET" ||
      name?.kind !== "symbol" ||
      name.name !== "SO_RCVBUF"
    )
      return;
    const state = this.sockets?.lastSocket?.connection?.state;
    if (state === undefined || state === "CLOSED" || state === "SYN-SENT") return;
    const value = evaluate(out);
    if (value !== undefined) this.scriptWindow = value;
  }

  /**
   * Errno names compare by FreeBSD value (EAGAIN is EWOULDBLOCK). After the script injected an
   * ICMP error, any of the errnos ICMP errors map to matches any other: which one a stack
   * reports is its choice (RFC 1122 §4.2.3.9 only asks that the error reach the application).
   */
  private sameErrno(expected: string, actual: string | undefined): boolean {
    if (actual === undefined) return false;
    if (expected === actual) return true;
    const a = ERRNO[expected];
    if (a !== undefined && a === ERRNO[actual]) return true;
    return this.icmpInjected && ICMP_ERRNOS.has(expected) && ICMP_ERRNOS.has(actual);
  }

  private syscallFailure(event: SyscallEvent, message: string): void {
    const text = `${event.name}() ${message}`;
    if (this.nonFatalSyscalls) {
      this.warnings.push(`line ${event.line}: ${text}`);
      return;
    }
    const saved = this.current;
    this.current = event;
    try {
      this.fail(text);
    } finally {
      this.current = saved;
    }
  }

  // --- Commands and code -----------------------------------------------------------------------

  private command(event: CommandEvent): void {
    const command = parseShellCommand(event.command);
    switch (command.kind) {
      case "sysctl":
        this.sysctl(command);
        break;
      case "sockstat":
        this.sockstat(command);
        break;
      case "tcpdrop-time-wait":
        if (!this.ensureStack() || !this.stack!.dropTimeWait?.())
          this.notApplicable("tcpdrop -s TIME_WAIT: the stack cannot drop TIME-WAIT connections");
        break;
      case "unsupported":
        this.notApplicable(command.reason);
    }
  }

  private sysctl(command: Extract<ShellCommand, { kind: "sysctl" }>): void {
    for (const { name, value } of command.assignments) {
      if (name === "net.inet.tcp.rexmit_slop") this.rexmitSlop = Number(value) * 1_000_000;
      const effect = sysctlEffect(name, value, this.options.stack.capabilities);
      // Not-applicable values that matter were found before the run; later ones restore defaults.
      if (effect.kind !== "settings") continue;
      this.settings = { ...this.settings, ...effect.settings };
      if (this.stack && !this.stack.configure(effect.settings))
        this.notApplicable(`sysctl ${name} after the stack started cannot be applied`);
    }
  }

  private sockstat(command: Extract<ShellCommand, { kind: "sockstat" }>): void {
    const sockets = this.ensureStack();
    let count = 0;
    if (command.family === undefined || command.family === this.version) {
      const owned = new Set<string>();
      const matches = (state: ConnectionState, local: number, remote: number | undefined) =>
        SOCKSTAT_STATE[state] === command.state &&
        (command.port === undefined || local === command.port || remote === command.port);
      for (const socket of sockets.all()) {
        if (socket.listener) {
          if (matches("LISTEN", socket.boundPort ?? SCRIPT_PORT, undefined)) count++;
        } else if (socket.connection) {
          const c = socket.connection;
          owned.add(`${c.localPort}/${c.remotePort}`);
          if (matches(c.state, c.localPort, c.remotePort)) count++;
        } else if (matches("CLOSED", socket.boundPort ?? 0, undefined)) count++;
      }
      if (!command.ownedOnly)
        for (const c of this.stack!.connections())
          if (!owned.has(`${c.localPort}/${c.remotePort}`) && matches(c.state, c.localPort, c.remotePort))
            count++;
    }
    // `... | grep -c STATE | grep N` succeeds when the printed count contains N.
    if (!String(count).includes(command.expect))
      this.fail(
        `sockstat counts ${count} socket(s) in ${command.state}, the script expects ${command.expect}`,
      );
  }

  private code(event: CodeEvent): void {
    const assertion = codeAssertion(event.code);
    if (!assertion) {
      this.notApplicable(`%{ ${event.code} }% is not emulated`);
      return;
    }
    const socket = this.ensureStack().lastSocket;
    if (!socket) this.fail("tcp_info needs a socket");
    if (assertion.field === "state") {
      const state: ConnectionState = socket.listener ? "LISTEN" : (socket.connection?.state ?? "CLOSED");
      const actual = `TCPI_${SOCKSTAT_STATE[state].replace("SYN_RCVD", "SYN_RECEIVED")}`;
      const expected = assertion.operands[0];
      if (TCPI_STATES[expected] === undefined) this.notApplicable(`unknown tcp_info state ${expected}`);
      if (TCPI_STATES[actual] !== TCPI_STATES[expected])
        this.fail(`tcpi_state is ${actual}, expected ${expected}`);
      return;
    }
    let expected = 0;
    for (const name of assertion.operands) {
      const value = /^\d+$/.test(name) ? Number(name) : symbolValue(name);
      if (value === undefined) this.notApplicable(`unknown tcp_info constant ${name}`);
      expected |= value;
    }
    const n = socket.connection?.negotiated();
    const actual = n
      ? (n.timestamps ? 1 : 0) | (n.sack ? 2 : 0) | (n.windowScale ? 4 : 0) | (n.ecn ? 8 : 0)
      : 0;
    if (actual !== expected) this.fail(`tcpi_options is ${actual}, expected ${expected}`);
  }

  // --- Helpers ---------------------------------------------------------------------------------

  /** Creates the stack at the first event that needs it, after the script's initial sysctl lines. */
  private ensureStack(): SocketTable {
    if (this.sockets) return this.sockets;
    this.stack = this.options.stack.create({
      scheduler: this.scheduler,
      network: this.network,
      local: this.network.local,
      settings: { ...this.settings },
    });
    this.sockets = new Sockets(this.stack, this.network.remote, () => this.settings);
    return this.sockets;
  }

  private failure(message: string, details: Partial<Failure> = {}): ScriptResult {
    return {
      status: "failed",
      line: this.current?.line ?? 0,
      source: this.current?.source ?? "",
      message,
      ...details,
    };
  }

  private fail(message: string, details: Partial<Failure> = {}): never {
    throw new Stop(this.failure(message, details));
  }

  private notApplicable(reason: string): never {
    throw new Stop({ status: "not-applicable", reason, line: this.current?.line });
  }
}

/** Virtual time as the scripts write it: seconds with up to six decimals. */
function seconds(time: Nanoseconds): string {
  const us = Math.round(time / MICROSECOND);
  const whole = Math.floor(us / 1_000_000);
  const fraction = String(us % 1_000_000)
    .padStart(6, "0")
    .replace(/0{1,4}$/, "");
  return `${whole}.${fraction}s`;
}
