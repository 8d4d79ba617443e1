/**
 * The iperf3 client (`iperf3 -c HOST`): opens the control connection, sends the parameters, opens
 * the data streams, sends (or with -R receives) for the test's duration, ends the test and
 * exchanges results. It measures a real `iperf3 -s` as well as our own server.
 */
import type { Iperf3Clock } from "./clock.js";
import { defaultParameters, type Iperf3Parameters, parametersToJson, streamId } from "./params.js";
import {
  ControlReader,
  encodeCookie,
  encodeJsonMessage,
  encodeState,
  Iperf3Error,
  Iperf3ProtocolError,
  Iperf3State,
  iperf3ErrorText,
  iperf3StateName,
  makeCookie,
} from "./protocol.js";
import {
  buildJsonReport,
  connectionInfo,
  formatBitrate,
  formatIntervalLines,
  formatSummary,
  HEADER,
  parseRemoteResults,
  type RemoteResults,
} from "./report.js";
import { type Iperf3Cpu, Iperf3Session, type Iperf3Socket } from "./session.js";

/** Opens a TCP connection (Node's `net.connect`, or an emulated host's `net` API). */
export type Iperf3Connect = (host: string, port: number) => Promise<Iperf3Socket>;

export interface Iperf3ClientOptions extends Partial<Iperf3Parameters> {
  host: string;
  /** Server port (-p, default 5201). */
  port?: number;
  connect: Iperf3Connect;
  clock: Iperf3Clock;
  /** Numbers in [0, 1) for the cookie and the payload (the scheduler's seeded random in the core). */
  random: () => number;
  /** Seconds between interval reports (-i, default 1; 0: none). */
  interval?: number;
  /** Output lines (text, or the JSON document with `json`). */
  write?: (line: string) => void;
  /** -J: write the JSON document instead of text. */
  json?: boolean;
  /** CPU use of this side, when the platform can tell. */
  cpu?: () => Iperf3Cpu;
  /** Give up when the server does not answer for this long (seconds, default 30). */
  controlTimeout?: number;
}

export interface Iperf3ClientResult {
  /** The `-J` document. */
  report: Record<string, unknown>;
  /** Bits per second at the sender and at the receiver (iperf's two summary lines). */
  sentBitsPerSecond: number;
  receivedBitsPerSecond: number;
  sentBytes: number;
  receivedBytes: number;
  /** The server's text output (--get-server-output). */
  serverOutput?: string;
}

const NO_CPU: Iperf3Cpu = { total: 0, user: 0, system: 0 };

/** Runs one test; resolves with the report, rejects with an {@link Iperf3ProtocolError}. */
export function runIperf3Client(options: Iperf3ClientOptions): Promise<Iperf3ClientResult> {
  const params: Iperf3Parameters = { ...defaultParameters() };
  for (const key of Object.keys(params) as (keyof Iperf3Parameters)[]) {
    if (options[key] !== undefined) (params as unknown as Record<string, unknown>)[key] = options[key];
  }
  if (params.num > 0 || params.blockcount > 0) params.time = options.time ?? 0;
  const port = options.port ?? 5201;
  const write = options.write ?? (() => {});
  const cpu = options.cpu ?? (() => NO_CPU);
  const cookie = makeCookie(options.random);
  const session = new Iperf3Session(
    params,
    params.reverse ? "receiver" : "sender",
    options.clock,
    options.random,
    options.interval ?? 1,
  );
  const reader = new ControlReader();
  let control: Iperf3Socket | undefined;
  let remote: RemoteResults | undefined;
  let finished = false;
  let printedIntervals = 0;
  let cancelTestTimer: (() => void) | undefined;
  let cancelWatchdog: (() => void) | undefined;
  let cancelTicker: (() => void) | undefined;
  type Phase = "state" | "results" | "error-codes";
  let phase: Phase = "state";

  return new Promise<Iperf3ClientResult>((resolve, reject) => {
    const fail = (error: Iperf3ProtocolError) => {
      if (finished) return;
      finished = true;
      cancelTestTimer?.();
      cancelWatchdog?.();
      cancelTicker?.();
      session.stop();
      session.closeStreams();
      control?.destroy();
      if (options.json) {
        write(JSON.stringify(buildReport(error.message), null, 2));
      } else write(`iperf3: error - ${error.message}`);
      reject(error);
    };
    const buildReport = (error?: string) =>
      buildJsonReport({
        params,
        session,
        remote,
        connectingTo: { host: options.host, port },
        cookie,
        cpu: cpu(),
        ...(error ? { error } : {}),
      });
    const send = (bytes: Uint8Array) => control?.write(bytes);
    const armWatchdog = () => {
      cancelWatchdog?.();
      const seconds = options.controlTimeout ?? 30;
      cancelWatchdog = options.clock.setTimer(seconds + (session.running ? params.time : 0), () =>
        fail(new Iperf3ProtocolError(`no answer from the server for ${seconds} s`, Iperf3Error.IECTRLCLOSE)),
      );
    };

    const endTest = () => {
      if (!session.running) return;
      cancelTestTimer?.();
      cancelTicker?.();
      session.stop();
      printIntervals();
      send(encodeState(Iperf3State.TEST_END));
      armWatchdog();
    };
    const printIntervals = () => {
      if (options.json) return;
      const count = Math.max(0, ...session.streams.map((s) => s.intervals.length));
      for (; printedIntervals < count; printedIntervals++) {
        for (const line of formatIntervalLines(session, printedIntervals)) write(line);
      }
    };

    const createStreams = async () => {
      for (let i = 0; i < params.parallel; i++) {
        const socket = await options.connect(options.host, port);
        if (finished) {
          socket.destroy();
          return;
        }
        socket.write(encodeCookie(cookie));
        const fd = 5 + 2 * i;
        session.addStream(streamId(i), socket, fd);
        if (!options.json) {
          const info = connectionInfo(fd, socket);
          write(
            `[${String(fd).padStart(3)}] local ${info.local_host} port ${info.local_port} connected to ${info.remote_host} port ${info.remote_port}`,
          );
        }
      }
    };

    const onState = (state: number) => {
      switch (state) {
        case Iperf3State.PARAM_EXCHANGE:
          send(encodeJsonMessage(parametersToJson(params)));
          return;
        case Iperf3State.CREATE_STREAMS:
          createStreams().catch((error: Error) =>
            fail(new Iperf3ProtocolError(`unable to connect stream: ${error.message}`, 203)),
          );
          return;
        case Iperf3State.TEST_START:
          if (!options.json) write(HEADER);
          return;
        case Iperf3State.TEST_RUNNING:
          // iperf_client_api.c: the client ends the test — its timer, or the byte/block count sent
          // (or, with -R, received).
          session.onSendLimit = endTest;
          session.onReceiveLimit = endTest;
          session.start();
          armWatchdog();
          if (params.time > 0) cancelTestTimer = options.clock.setTimer(params.time + params.omit, endTest);
          if (!options.json && options.interval !== 0) {
            // Print each interval just after the session closes it.
            const tick = () => {
              printIntervals();
              if (session.running) cancelTicker = options.clock.setTimer(options.interval ?? 1, tick);
            };
            cancelTicker = options.clock.setTimer((options.interval ?? 1) + 0.001, tick);
          }
          return;
        case Iperf3State.EXCHANGE_RESULTS:
          // Only after our TEST_END, unless the server gave up on the test: then stop quietly.
          if (session.running) {
            cancelTestTimer?.();
            cancelTicker?.();
            session.stop();
          }
          send(encodeJsonMessage(session.results(cpu())));
          phase = "results";
          return;
        case Iperf3State.DISPLAY_RESULTS: {
          send(encodeState(Iperf3State.IPERF_DONE));
          finished = true;
          cancelWatchdog?.();
          const report = buildReport();
          const end = report.end as {
            sum_sent: { bits_per_second: number; bytes: number };
            sum_received: { bits_per_second: number; bytes: number };
          };
          if (options.json) write(JSON.stringify(report, null, 2));
          else {
            for (const line of formatSummary(report)) write(line);
            if (remote?.serverOutputText) write(`\nServer output:\n${remote.serverOutputText}`);
            write("");
            write("iperf Done.");
          }
          session.closeStreams();
          control?.end();
          const result: Iperf3ClientResult = {
            report,
            sentBitsPerSecond: end.sum_sent.bits_per_second,
            receivedBitsPerSecond: end.sum_received.bits_per_second,
            sentBytes: end.sum_sent.bytes,
            receivedBytes: end.sum_received.bytes,
          };
          if (remote?.serverOutputText) result.serverOutput = remote.serverOutputText;
          resolve(result);
          return;
        }
        case Iperf3State.ACCESS_DENIED:
          fail(
            new Iperf3ProtocolError(iperf3ErrorText(Iperf3Error.IEACCESSDENIED), Iperf3Error.IEACCESSDENIED),
          );
          return;
        case Iperf3State.SERVER_ERROR:
          phase = "error-codes";
          return;
        case Iperf3State.SERVER_TERMINATE:
          fail(new Iperf3ProtocolError(iperf3ErrorText(Iperf3Error.IESERVERTERM), Iperf3Error.IESERVERTERM));
          return;
        default:
          fail(
            new Iperf3ProtocolError(
              `unexpected ${iperf3StateName(state)} from the server`,
              Iperf3Error.IEMESSAGE,
            ),
          );
      }
    };

    const consume = () => {
      while (!finished) {
        if (phase === "state") {
          const state = reader.takeState();
          if (state === undefined) return;
          onState(state);
        } else if (phase === "results") {
          const json = reader.takeJson();
          if (json === undefined) return;
          if (json instanceof Iperf3ProtocolError)
            return fail(new Iperf3ProtocolError(json.message, Iperf3Error.IERECVRESULTS));
          const parsed = parseRemoteResults(json);
          if (typeof parsed === "string")
            return fail(new Iperf3ProtocolError(parsed, Iperf3Error.IERECVRESULTS));
          for (const stream of session.streams) {
            if (!parsed.streams.some((r) => r.id === stream.id)) {
              return fail(
                new Iperf3ProtocolError(`no results for stream ${stream.id}`, Iperf3Error.IESTREAMID),
              );
            }
          }
          remote = parsed;
          phase = "state";
        } else if (phase === "error-codes") {
          if (reader.available < 8) return;
          const code = reader.takeInt32()!;
          const errno = reader.takeInt32()!;
          return fail(
            new Iperf3ProtocolError(
              `server error: ${iperf3ErrorText(code)}${errno ? ` (errno ${errno})` : ""}`,
              code,
            ),
          );
        }
      }
    };

    armWatchdog();
    options
      .connect(options.host, port)
      .then((socket) => {
        if (finished) {
          socket.destroy();
          return;
        }
        control = socket;
        socket.setNoDelay?.(true);
        if (!options.json) {
          write(`Connecting to host ${options.host}, port ${port}`);
          if (params.reverse) write(`Reverse mode, remote host ${options.host} is sending`);
        }
        socket.on("data", (chunk) => {
          reader.push(chunk);
          consume();
        });
        socket.on("error", (error) =>
          fail(new Iperf3ProtocolError(`control connection: ${error.message}`, Iperf3Error.IECTRLCLOSE)),
        );
        socket.on("close", () =>
          fail(new Iperf3ProtocolError(iperf3ErrorText(Iperf3Error.IECTRLCLOSE), Iperf3Error.IECTRLCLOSE)),
        );
        socket.write(encodeCookie(cookie));
      })
      .catch((error: Error) =>
        fail(new Iperf3ProtocolError(`unable to connect to server: ${error.message}`, 103)),
      );
  });
}

export { formatBitrate };
