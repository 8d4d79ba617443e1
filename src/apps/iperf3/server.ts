/**
 * The iperf3 server (`iperf3 -s`): one test at a time, as iperf's. Every accepted connection
 * starts with a 37-octet cookie; the first one of a test is its control connection, and while the
 * test is creating streams, connections carrying the same cookie are its data streams. Another
 * client's control connection during a test is answered ACCESS_DENIED and closed.
 */
import type { Iperf3Clock } from "./clock.js";
import { type Iperf3Parameters, parametersFromJson, streamId } from "./params.js";
import {
  COOKIE_SIZE,
  ControlReader,
  decodeCookie,
  encodeJsonMessage,
  encodeServerError,
  encodeState,
  Iperf3Error,
  Iperf3ProtocolError,
  Iperf3State,
  iperf3StateName,
} from "./protocol.js";
import {
  buildJsonReport,
  connectionInfo,
  formatIntervalLines,
  formatSummary,
  HEADER,
  parseRemoteResults,
  type RemoteResults,
} from "./report.js";
import { type Iperf3Cpu, Iperf3Session, type Iperf3Socket } from "./session.js";

export interface Iperf3ServerOptions {
  clock: Iperf3Clock;
  /** Numbers in [0, 1) for the payload. */
  random: () => number;
  /** Output lines (iperf's server text, or the JSON document per test with `json`). */
  write?: (line: string) => void;
  /** -J: one JSON document per test. */
  json?: boolean;
  /** Seconds between interval lines (default 1; 0: none). */
  interval?: number;
  cpu?: () => Iperf3Cpu;
  /** Called when a test ends, with its report or the error that ended it. */
  onTestDone?: (outcome: { report: Record<string, unknown>; error?: Iperf3ProtocolError }) => void;
  /** Give up on a silent client after this long (seconds, default 30, beyond the test's duration). */
  idleTimeout?: number;
}

export interface Iperf3ServerCounters {
  testsCompleted: number;
  testsFailed: number;
  /** Control connections refused because a test was running. */
  accessDenied: number;
  /** Connections that closed or sent garbage before their cookie was complete. */
  badConnections: number;
}

const NO_CPU: Iperf3Cpu = { total: 0, user: 0, system: 0 };

/** A connection whose cookie has not fully arrived yet. */
class PendingConnection {
  readonly reader = new ControlReader();
  constructor(readonly socket: Iperf3Socket) {}
}

class ServerTest {
  readonly reader = new ControlReader();
  params: Iperf3Parameters | undefined;
  session: Iperf3Session | undefined;
  phase: "params" | "streams" | "running" | "results" | "display" | "over" = "params";
  remote: RemoteResults | undefined;
  private cancelIdle: (() => void) | undefined;
  private cancelTicker: (() => void) | undefined;
  private printed = 0;
  readonly lines: string[] = [];

  constructor(
    readonly server: Iperf3Server,
    readonly control: Iperf3Socket,
    readonly cookie: string,
    private readonly options: Iperf3ServerOptions,
  ) {
    this.armIdle();
  }

  /** Output for this test: to the server's writer, and kept for --get-server-output. */
  say(line: string): void {
    this.lines.push(line);
    if (!this.options.json) this.options.write?.(line);
  }

  controlData(chunk: Uint8Array): void {
    this.reader.push(chunk);
    while (this.phase !== "over") {
      if (this.phase === "params") {
        const json = this.reader.takeJson();
        if (json === undefined) return;
        if (json instanceof Iperf3ProtocolError) {
          this.fail(new Iperf3ProtocolError(json.message, Iperf3Error.IERECVPARAMS));
          return;
        }
        const params = parametersFromJson(json);
        if (params instanceof Iperf3ProtocolError) {
          this.fail(params);
          return;
        }
        this.params = params;
        this.session = new Iperf3Session(
          params,
          params.reverse ? "sender" : "receiver",
          this.options.clock,
          this.options.random,
          this.options.interval ?? 1,
        );
        this.phase = "streams";
        this.control.write(encodeState(Iperf3State.CREATE_STREAMS));
      } else if (this.phase === "results") {
        const json = this.reader.takeJson();
        if (json === undefined) return;
        if (json instanceof Iperf3ProtocolError) {
          this.fail(new Iperf3ProtocolError(json.message, Iperf3Error.IERECVRESULTS));
          return;
        }
        const remote = parseRemoteResults(json);
        if (typeof remote === "string") {
          this.fail(new Iperf3ProtocolError(remote, Iperf3Error.IERECVRESULTS));
          return;
        }
        this.remote = remote;
        this.sendResults();
      } else {
        const state = this.reader.takeState();
        if (state === undefined) return;
        this.onState(state);
      }
    }
  }

  /** A data connection with this test's cookie; `initial` is what came after the cookie. */
  addStream(socket: Iperf3Socket, initial: Uint8Array): void {
    const session = this.session!;
    const index = session.streams.length;
    const fd = 5 + index;
    session.addStream(streamId(index), socket, fd, initial);
    const info = connectionInfo(fd, socket);
    this.say(
      `[${String(fd).padStart(3)}] local ${info.local_host} port ${info.local_port} connected to ${info.remote_host} port ${info.remote_port}`,
    );
    if (session.streams.length === this.params!.parallel) {
      this.phase = "running";
      this.control.write(encodeState(Iperf3State.TEST_START));
      this.control.write(encodeState(Iperf3State.TEST_RUNNING));
      this.say(HEADER);
      session.start();
      this.armIdle();
      // A sender with a byte or block count (-R -n/-k) just stops: the client ends the test.
      if ((this.options.interval ?? 1) > 0) {
        const tick = () => {
          this.printIntervals();
          if (session.running)
            this.cancelTicker = this.options.clock.setTimer(this.options.interval ?? 1, tick);
        };
        this.cancelTicker = this.options.clock.setTimer((this.options.interval ?? 1) + 0.001, tick);
      }
    }
  }

  get wantsStreams(): boolean {
    return this.phase === "streams";
  }

  private printIntervals(): void {
    const session = this.session!;
    const count = Math.max(0, ...session.streams.map((s) => s.intervals.length));
    for (; this.printed < count; this.printed++)
      for (const line of formatIntervalLines(session, this.printed)) this.say(line);
  }

  private onState(state: number): void {
    switch (state) {
      case Iperf3State.TEST_END:
        if (this.phase !== "running") {
          this.fail(new Iperf3ProtocolError("TEST_END before the test ran", Iperf3Error.IEMESSAGE));
          return;
        }
        this.endTest();
        return;
      case Iperf3State.IPERF_DONE:
        if (this.phase !== "display") {
          this.fail(new Iperf3ProtocolError("IPERF_DONE too early", Iperf3Error.IEMESSAGE));
          return;
        }
        this.finish();
        return;
      case Iperf3State.CLIENT_TERMINATE:
        this.fail(new Iperf3ProtocolError("the client has terminated", Iperf3Error.IECLIENTTERM), false);
        return;
      default:
        this.fail(
          new Iperf3ProtocolError(
            `unexpected ${iperf3StateName(state)} from the client`,
            Iperf3Error.IEMESSAGE,
          ),
        );
    }
  }

  private endTest(): void {
    if (this.phase !== "running") return;
    this.session!.stop();
    // iperf_server_api.c closes the data streams on TEST_END. A 3.12 client with -R drains its
    // streams with blocking reads of whole blocks until it sees EXCHANGE_RESULTS; without the
    // close, a read that began on a partial block waits forever for the rest.
    this.session!.endStreams();
    this.cancelTicker?.();
    this.printIntervals();
    this.phase = "results";
    this.control.write(encodeState(Iperf3State.EXCHANGE_RESULTS));
    this.armIdle();
  }

  private sendResults(): void {
    const cpu = (this.options.cpu ?? (() => NO_CPU))();
    const results = this.session!.results(cpu);
    const report = this.report();
    const summary = formatSummary(report);
    for (const line of summary) this.say(line);
    if (this.params!.getServerOutput) {
      results.server_output_text = `${this.lines.join("\n")}\n`;
    }
    this.control.write(encodeJsonMessage(results));
    this.control.write(encodeState(Iperf3State.DISPLAY_RESULTS));
    this.phase = "display";
  }

  report(error?: string): Record<string, unknown> {
    const params = this.params;
    if (!params || !this.session)
      return { start: { cookie: this.cookie }, intervals: [], end: {}, ...(error ? { error } : {}) };
    return buildJsonReport({
      params,
      session: this.session,
      remote: this.remote,
      cookie: this.cookie,
      cpu: (this.options.cpu ?? (() => NO_CPU))(),
      ...(error ? { error } : {}),
    });
  }

  private finish(): void {
    this.phase = "over";
    this.cancelIdle?.();
    this.session?.closeStreams();
    this.control.end();
    const report = this.report();
    if (this.options.json) this.options.write?.(JSON.stringify(report, null, 2));
    this.server.testOver(this, { report });
  }

  /** Ends the test with an error; tells the client (SERVER_ERROR) when it is still there. */
  fail(error: Iperf3ProtocolError, tellClient = true): void {
    if (this.phase === "over") return;
    this.phase = "over";
    this.cancelIdle?.();
    this.cancelTicker?.();
    this.session?.stop();
    this.session?.closeStreams();
    if (tellClient && error.code !== undefined) this.control.write(encodeServerError(error.code));
    this.control.end();
    this.say(`iperf3: error - ${error.message}`);
    const report = this.report(error.message);
    if (this.options.json) this.options.write?.(JSON.stringify(report, null, 2));
    this.server.testOver(this, { report, error });
  }

  private armIdle(): void {
    this.cancelIdle?.();
    const seconds =
      (this.options.idleTimeout ?? 30) +
      (this.phase === "running" ? (this.params?.time ?? 0) + (this.params?.omit ?? 0) : 0);
    this.cancelIdle = this.options.clock.setTimer(seconds, () =>
      this.fail(
        new Iperf3ProtocolError(`no message from the client for ${seconds} s`, Iperf3Error.IECTRLCLOSE),
        false,
      ),
    );
  }
}

export class Iperf3Server {
  readonly counters: Iperf3ServerCounters = {
    testsCompleted: 0,
    testsFailed: 0,
    accessDenied: 0,
    badConnections: 0,
  };
  private test: ServerTest | undefined;

  constructor(private readonly options: Iperf3ServerOptions) {}

  /** Whether a test is in progress. */
  get busy(): boolean {
    return this.test !== undefined;
  }

  /** Hands the server an accepted connection (from a listening socket on port 5201). */
  accept(socket: Iperf3Socket): void {
    const pending = new PendingConnection(socket);
    let decided = false;
    const onData = (chunk: Uint8Array) => {
      if (decided) return;
      pending.reader.push(chunk);
      if (pending.reader.available < COOKIE_SIZE) return;
      decided = true;
      const cookie = decodeCookie(pending.reader.take(COOKIE_SIZE)!);
      this.classify(socket, cookie, pending.reader.takeAll());
    };
    socket.on("data", onData);
    socket.on("error", () => {
      if (!decided) this.counters.badConnections++;
      decided = true;
    });
    socket.on("close", () => {
      if (!decided) this.counters.badConnections++;
      decided = true;
    });
  }

  private classify(socket: Iperf3Socket, cookie: string, rest: Uint8Array): void {
    const test = this.test;
    if (test && test.cookie === cookie && test.wantsStreams) {
      test.addStream(socket, rest);
      return;
    }
    if (test) {
      // iperf_server_api.c: a second client while a test runs hears ACCESS_DENIED.
      this.counters.accessDenied++;
      socket.write(encodeState(Iperf3State.ACCESS_DENIED));
      socket.end();
      return;
    }
    const created = new ServerTest(this, socket, cookie, this.options);
    this.test = created;
    created.say(
      `Accepted connection from ${(socket.remoteAddress ?? "").replace(/^::ffff:/, "")}, port ${socket.remotePort ?? 0}`,
    );
    socket.on("data", (chunk) => created.controlData(chunk));
    socket.on("close", () =>
      created.fail(new Iperf3ProtocolError("the control connection closed", Iperf3Error.IECTRLCLOSE), false),
    );
    socket.on("error", () =>
      created.fail(new Iperf3ProtocolError("the control connection failed", Iperf3Error.IECTRLCLOSE), false),
    );
    socket.setNoDelay?.(true);
    socket.write(encodeState(Iperf3State.PARAM_EXCHANGE));
    if (rest.length > 0) created.controlData(rest);
  }

  /** @internal called by a test when it is over. */
  testOver(
    test: ServerTest,
    outcome: { report: Record<string, unknown>; error?: Iperf3ProtocolError },
  ): void {
    if (this.test !== test) return;
    this.test = undefined;
    if (outcome.error) this.counters.testsFailed++;
    else this.counters.testsCompleted++;
    this.options.onTestDone?.(outcome);
  }
}
