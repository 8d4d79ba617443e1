/**
 * What iperf3 prints: the `-J` JSON document (start, intervals, end — the shape iperf 3.12 writes,
 * so scripts written for the real tool read ours) and the text lines with iperf's units
 * (transfers in powers of 1024, bit rates in powers of 1000).
 */
import type { Iperf3Parameters } from "./params.js";
import { IPERF3_VERSION } from "./params.js";
import { type Iperf3DataStream, type Iperf3Session, type Iperf3Socket, round6 } from "./session.js";

/** One stream's results as the other side sent them (the parts we use). */
export interface RemoteStreamResult {
  id: number;
  bytes: number;
  retransmits: number;
  endTime: number;
}

export interface RemoteResults {
  cpuTotal: number;
  cpuUser: number;
  cpuSystem: number;
  senderHasRetransmits: number;
  congestion?: string;
  serverOutputText?: string;
  streams: RemoteStreamResult[];
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Reads the other side's results (iperf_api.c get_results): the CPU figures, whether the sender
 * counted retransmits, and per stream its id, bytes, retransmits and end time. Missing fields are
 * an error, as they are for iperf.
 */
export function parseRemoteResults(json: Record<string, unknown>): RemoteResults | string {
  const cpuTotal = finiteNumber(json.cpu_util_total);
  const cpuUser = finiteNumber(json.cpu_util_user);
  const cpuSystem = finiteNumber(json.cpu_util_system);
  const senderHasRetransmits = finiteNumber(json.sender_has_retransmits);
  if (
    cpuTotal === undefined ||
    cpuUser === undefined ||
    cpuSystem === undefined ||
    senderHasRetransmits === undefined
  ) {
    return "results lack the CPU figures or sender_has_retransmits";
  }
  if (!Array.isArray(json.streams)) return "results lack the streams";
  const streams: RemoteStreamResult[] = [];
  for (const item of json.streams as unknown[]) {
    if (item === null || typeof item !== "object") return "a stream result is not an object";
    const s = item as Record<string, unknown>;
    const id = finiteNumber(s.id);
    const bytes = finiteNumber(s.bytes);
    const retransmits = finiteNumber(s.retransmits);
    if (id === undefined || bytes === undefined || retransmits === undefined)
      return "a stream result lacks id, bytes or retransmits";
    streams.push({ id, bytes, retransmits, endTime: finiteNumber(s.end_time) ?? 0 });
  }
  const results: RemoteResults = { cpuTotal, cpuUser, cpuSystem, senderHasRetransmits, streams };
  if (typeof json.congestion_used === "string") results.congestion = json.congestion_used;
  if (typeof json.server_output_text === "string") results.serverOutputText = json.server_output_text;
  return results;
}

/** Where a connection goes, for the "connected" lines. */
export interface ConnectionInfo {
  socket: number;
  local_host: string;
  local_port: number;
  remote_host: string;
  remote_port: number;
}

export function connectionInfo(fd: number, socket: Iperf3Socket): ConnectionInfo {
  return {
    socket: fd,
    local_host: socket.localAddress ?? "",
    local_port: socket.localPort ?? 0,
    remote_host: (socket.remoteAddress ?? "").replace(/^::ffff:/, ""),
    remote_port: socket.remotePort ?? 0,
  };
}

function bitsPerSecond(bytes: number, seconds: number): number {
  return seconds > 0 ? (bytes * 8) / seconds : 0;
}

export interface JsonReportInput {
  params: Iperf3Parameters;
  session: Iperf3Session;
  remote: RemoteResults | undefined;
  /** The control connection and the server we connected to (client) or the client (server). */
  connectingTo?: { host: string; port: number };
  cookie: string;
  cpu: { total: number; user: number; system: number };
  systemInfo?: string;
  /** Wall-clock time of the test's start (seconds since the epoch), when known. */
  timestamp?: number;
  error?: string;
}

/** The `-J` document, shaped as iperf 3.12 prints it. */
export function buildJsonReport(input: JsonReportInput): Record<string, unknown> {
  const { params, session, remote } = input;
  const localSender = session.role === "sender";
  const start: Record<string, unknown> = {
    connected: session.streams.map((stream) => connectionInfo(stream.fd, stream.socket)),
    version: `iperf ${IPERF3_VERSION} (tinkernet)`,
    system_info: input.systemInfo ?? "tinkernet emulated host",
  };
  if (input.timestamp !== undefined) {
    start.timestamp = {
      time: new Date(input.timestamp * 1000).toUTCString(),
      timesecs: Math.floor(input.timestamp),
    };
  }
  if (input.connectingTo) start.connecting_to = input.connectingTo;
  start.cookie = input.cookie;
  start.test_start = {
    protocol: "TCP",
    num_streams: params.parallel,
    blksize: params.len,
    omit: params.omit,
    duration: params.time,
    bytes: params.num,
    blocks: params.blockcount,
    reverse: params.reverse ? 1 : 0,
    tos: 0,
    target_bitrate: params.bandwidth,
  };

  const intervalCount = Math.max(0, ...session.streams.map((s) => s.intervals.length));
  const intervals = [];
  for (let i = 0; i < intervalCount; i++) {
    const streams = session.streams
      .filter((s) => s.intervals[i] !== undefined)
      .map((s) => {
        const sample = s.intervals[i];
        const seconds = sample.end - sample.start;
        return {
          socket: s.fd,
          start: round6(sample.start),
          end: round6(sample.end),
          seconds: round6(seconds),
          bytes: sample.bytes,
          bits_per_second: bitsPerSecond(sample.bytes, seconds),
          omitted: sample.omitted,
          sender: localSender,
        };
      });
    const first = streams[0];
    const bytes = streams.reduce((sum, s) => sum + s.bytes, 0);
    intervals.push({
      streams,
      sum: {
        start: first?.start ?? 0,
        end: first?.end ?? 0,
        seconds: first?.seconds ?? 0,
        bytes,
        bits_per_second: bitsPerSecond(bytes, first?.seconds ?? 0),
        omitted: first?.omitted ?? false,
        sender: localSender,
      },
    });
  }

  const local = (stream: Iperf3DataStream) => {
    const seconds = round6(session.seconds);
    return {
      socket: stream.fd,
      start: 0,
      end: seconds,
      seconds,
      bytes: stream.bytes,
      bits_per_second: bitsPerSecond(stream.bytes, seconds),
      sender: localSender,
    };
  };
  const far = (stream: Iperf3DataStream) => {
    const result = remote?.streams.find((r) => r.id === stream.id);
    const seconds = round6(result?.endTime ?? 0);
    const bytes = result?.bytes ?? 0;
    return {
      socket: stream.fd,
      start: 0,
      end: seconds,
      seconds,
      bytes,
      bits_per_second: bitsPerSecond(bytes, seconds),
      sender: localSender,
    };
  };
  const senderRetransmits = (stream: Iperf3DataStream): number =>
    localSender ? 0 : Math.max(0, remote?.streams.find((r) => r.id === stream.id)?.retransmits ?? 0);
  const streams = session.streams.map((stream) => ({
    sender: { ...(localSender ? local(stream) : far(stream)), retransmits: senderRetransmits(stream) },
    receiver: localSender ? far(stream) : local(stream),
  }));
  const sum = (side: "sender" | "receiver") => {
    const parts = streams.map((s) => s[side]);
    const bytes = parts.reduce((total, p) => total + p.bytes, 0);
    const seconds = Math.max(0, ...parts.map((p) => p.seconds));
    return {
      start: 0,
      end: seconds,
      seconds,
      bytes,
      bits_per_second: bitsPerSecond(bytes, seconds),
      sender: localSender,
    };
  };
  const end: Record<string, unknown> = {
    streams,
    sum_sent: {
      ...sum("sender"),
      retransmits: streams.reduce((total, s) => total + s.sender.retransmits, 0),
    },
    sum_received: sum("receiver"),
    cpu_utilization_percent: {
      host_total: input.cpu.total,
      host_user: input.cpu.user,
      host_system: input.cpu.system,
      remote_total: remote?.cpuTotal ?? 0,
      remote_user: remote?.cpuUser ?? 0,
      remote_system: remote?.cpuSystem ?? 0,
    },
  };
  if (remote?.congestion)
    end[localSender ? "receiver_tcp_congestion" : "sender_tcp_congestion"] = remote.congestion;
  const report: Record<string, unknown> = { start, intervals, end };
  if (input.error) report.error = input.error;
  return report;
}

// ---- text output, with iperf's units (units.c unit_snprintf) ----

const byteUnits = ["Bytes", "KBytes", "MBytes", "GBytes", "TBytes"];
const bitUnits = ["bits", "Kbits", "Mbits", "Gbits", "Tbits"];

function scaled(value: number, base: number, units: string[]): string {
  let unit = 0;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit++;
  }
  const digits = value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2;
  return `${value.toFixed(digits).padStart(4)} ${units[unit]}`;
}

/** "128 KBytes": bytes in powers of 1024, as iperf's Transfer column. */
export function formatTransfer(bytes: number): string {
  return scaled(bytes, 1024, byteUnits);
}

/** "1.05 Mbits/sec": bits per second in powers of 1000, as iperf's Bitrate column. */
export function formatBitrate(bitsPerSecond: number): string {
  return `${scaled(bitsPerSecond, 1000, bitUnits)}/sec`;
}

/** One line of iperf's table: `[  5]   0.00-1.00   sec   128 KBytes  1.05 Mbits/sec  sender`. */
export function formatLine(id: string, start: number, end: number, bytes: number, suffix = ""): string {
  const interval = `${start.toFixed(2).padStart(6)}-${end.toFixed(2).padEnd(6)}`;
  const line = `[${id.padStart(3)}] ${interval} sec  ${formatTransfer(bytes)}  ${formatBitrate(bitsPerSecond(bytes, end - start))}`;
  return suffix ? `${line.padEnd(62)}${suffix}` : line;
}

export const SEPARATOR = "- - - - - - - - - - - - - - - - - - - - - - - - -";
export const HEADER = "[ ID] Interval           Transfer     Bitrate";

/** The interval lines of one sample index (with a [SUM] line for several streams). */
export function formatIntervalLines(session: Iperf3Session, index: number): string[] {
  const lines: string[] = [];
  let bytes = 0;
  let start = 0;
  let end = 0;
  for (const stream of session.streams) {
    const sample = stream.intervals[index];
    if (!sample) continue;
    bytes += sample.bytes;
    start = sample.start;
    end = sample.end;
    lines.push(
      formatLine(
        String(stream.fd),
        sample.start,
        sample.end,
        sample.bytes,
        sample.omitted ? "(omitted)" : "",
      ),
    );
  }
  if (session.streams.length > 1 && lines.length > 0) lines.push(formatLine("SUM", start, end, bytes));
  return lines;
}

/** The summary block after the separator, from a `-J` report's `end`. */
export function formatSummary(report: Record<string, unknown>): string[] {
  const end = report.end as {
    streams: {
      sender: { socket: number; seconds: number; bytes: number };
      receiver: { socket: number; seconds: number; bytes: number };
    }[];
    sum_sent: { seconds: number; bytes: number };
    sum_received: { seconds: number; bytes: number };
  };
  const lines = [SEPARATOR, HEADER];
  for (const stream of end.streams) {
    lines.push(
      formatLine(String(stream.sender.socket), 0, stream.sender.seconds, stream.sender.bytes, "sender"),
    );
    lines.push(
      formatLine(
        String(stream.receiver.socket),
        0,
        stream.receiver.seconds,
        stream.receiver.bytes,
        "receiver",
      ),
    );
  }
  if (end.streams.length > 1) {
    lines.push(formatLine("SUM", 0, end.sum_sent.seconds, end.sum_sent.bytes, "sender"));
    lines.push(formatLine("SUM", 0, end.sum_received.seconds, end.sum_received.bytes, "receiver"));
  }
  return lines;
}
