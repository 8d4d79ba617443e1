/**
 * What a host shows about its TCP, in Linux's words: `ss -tan` (with `-i`, the per-connection
 * internals: congestion control, RTT, cwnd, retransmissions) and the Tcp/TcpExt sections of
 * `netstat -s`.
 */
import type { TcpConnection } from "./connection.js";
import { formatEndpoint } from "./connection.js";
import type { TcpCounters } from "./counters.js";
import type { TcpState } from "./state.js";
import type { TcpLayer } from "./tcp-layer.js";

/** ss's short state names. */
const SS_STATES: Record<TcpState, string> = {
  CLOSED: "UNCONN",
  LISTEN: "LISTEN",
  "SYN-SENT": "SYN-SENT",
  "SYN-RECEIVED": "SYN-RECV",
  ESTABLISHED: "ESTAB",
  "FIN-WAIT-1": "FIN-WAIT-1",
  "FIN-WAIT-2": "FIN-WAIT-2",
  "CLOSE-WAIT": "CLOSE-WAIT",
  CLOSING: "CLOSING",
  "LAST-ACK": "LAST-ACK",
  "TIME-WAIT": "TIME-WAIT",
};

function milliseconds(ns: number): string {
  return String(Number((ns / 1e6).toFixed(3)));
}

/** `ss -i`'s second line for one connection. */
function internals(connection: TcpConnection): string {
  const s = connection.stats();
  const parts = [s.congestionControl];
  if (s.windowScale.send || s.windowScale.receive)
    parts.push(`wscale:${s.windowScale.send},${s.windowScale.receive}`);
  parts.push(`rto:${milliseconds(s.rto)}`);
  if (s.srtt !== undefined) parts.push(`rtt:${milliseconds(s.srtt)}/${milliseconds(s.rttvar)}`);
  parts.push(`mss:${s.mss}`);
  parts.push(`cwnd:${Math.floor(s.cwnd / s.mss)}`);
  if (Number.isFinite(s.ssthresh)) parts.push(`ssthresh:${Math.floor(s.ssthresh / s.mss)}`);
  parts.push(
    `bytes_sent:${s.bytesWritten}`,
    `bytes_acked:${s.bytesAcked}`,
    `bytes_received:${s.bytesReceived}`,
  );
  parts.push(`segs_out:${s.segmentsSent}`, `segs_in:${s.segmentsReceived}`);
  if (s.retransmissions) parts.push(`retrans:0/${s.retransmissions}`);
  // As Linux's ss: the reordering degree when it is not the default 3, and D-SACK undos.
  if (s.reordering !== 3) parts.push(`reordering:${s.reordering}`);
  if (s.spuriousRetransmits) parts.push(`dsack_dups:${s.spuriousRetransmits}`);
  if (s.undos) parts.push(`undos:${s.undos}`);
  if (s.minRtt !== undefined) parts.push(`minrtt:${milliseconds(s.minRtt)}`);
  parts.push(`snd_wnd:${s.sendWindow}`, `rcv_space:${s.receiveBufferSize}`);
  if (s.sack) parts.push("sack");
  if (s.timestamps) parts.push("ts");
  return `\t ${parts.join(" ")}`;
}

/**
 * `ss -tan` (and `-i` with `info`): listeners and connections with their queues. Recv-Q is data
 * received and not yet read; Send-Q data written and not yet acknowledged (for a listener: the
 * SYN queue and the backlog).
 */
export function formatTcpSockets(tcp: TcpLayer, options: { info?: boolean } = {}): string {
  const rows: string[][] = [["State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"]];
  const extra: (string | undefined)[] = [undefined];
  for (const listener of tcp.listening()) {
    const local = listener.address ? formatEndpoint(listener.address, listener.port) : `*:${listener.port}`;
    rows.push(["LISTEN", String(listener.synQueueLength), String(listener.backlog), local, "*:*"]);
    extra.push(undefined);
  }
  const connections = tcp
    .connections()
    .sort((a, b) => a.localPort - b.localPort || a.remotePort - b.remotePort);
  for (const c of connections) {
    const s = c.stats();
    rows.push([SS_STATES[c.state], String(s.receiveQueued), String(s.sendQueued), s.local, s.remote]);
    extra.push(options.info && c.state !== "TIME-WAIT" ? internals(c) : undefined);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const lines: string[] = [];
  rows.forEach((row, i) => {
    lines.push(
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
        .join("  ")
        .trimEnd(),
    );
    if (extra[i]) lines.push(extra[i]!);
  });
  return `${lines.join("\n")}\n`;
}

/** The Tcp and TcpExt sections of Linux `netstat -s`, with its wording. */
export function formatTcpNetstat(counters: TcpCounters, currentEstablished: number): string {
  const c = counters;
  const lines = [
    "Tcp:",
    `    ${c.ActiveOpens} active connection openings`,
    `    ${c.PassiveOpens} passive connection openings`,
    `    ${c.AttemptFails} failed connection attempts`,
    `    ${c.EstabResets} connection resets received`,
    `    ${currentEstablished} connections established`,
    `    ${c.InSegs} segments received`,
    `    ${c.OutSegs} segments sent out`,
    `    ${c.RetransSegs} segments retransmitted`,
    `    ${c.InErrs} bad segments received`,
    `    ${c.OutRsts} resets sent`,
  ];
  if (c.InCsumErrors) lines.push(`    InCsumErrors: ${c.InCsumErrors}`);
  const ext: [number, string][] = [
    [c.SyncookiesSent, `${c.SyncookiesSent} SYN cookies sent`],
    [c.SyncookiesRecv, `${c.SyncookiesRecv} SYN cookies received`],
    [c.SyncookiesFailed, `${c.SyncookiesFailed} invalid SYN cookies received`],
    [c.PAWSEstab, `${c.PAWSEstab} packets rejected in established connections because of timestamp`],
    [c.DelayedACKs, `${c.DelayedACKs} delayed acks sent`],
    [c.ListenOverflows, `${c.ListenOverflows} times the listen queue of a socket overflowed`],
    [c.ListenDrops, `${c.ListenDrops} SYNs to LISTEN sockets dropped`],
    [c.TCPRenoRecovery, `${c.TCPRenoRecovery} times recovered from packet loss due to fast retransmit`],
    [
      c.TCPSackRecovery,
      `${c.TCPSackRecovery} times recovered from packet loss by selective acknowledgements`,
    ],
    [c.TCPFastRetrans, `${c.TCPFastRetrans} fast retransmits`],
    [c.TCPSlowStartRetrans, `${c.TCPSlowStartRetrans} retransmits in slow start`],
    [c.TCPTimeouts, `${c.TCPTimeouts} other TCP timeouts`],
    [c.TCPAbortOnData, `${c.TCPAbortOnData} connections reset due to unexpected data`],
    [c.TCPAbortOnClose, `${c.TCPAbortOnClose} connections reset due to early user close`],
    [c.TCPAbortOnTimeout, `${c.TCPAbortOnTimeout} connections aborted due to timeout`],
  ];
  lines.push("TcpExt:");
  for (const [value, text] of ext) if (value) lines.push(`    ${text}`);
  // Counters netstat has no sentence for are printed as "Name: value", as netstat does.
  const named: (keyof TcpCounters)[] = [
    "TCPChallengeACK",
    "TCPChallengeACKLimited",
    "TCPSYNChallenge",
    "TCPACKSkippedChallenge",
    "TCPACKSkippedPAWS",
    "TCPRstOutOfWindow",
    "TCPOFOQueue",
    "TCPOFODrop",
    "TCPRcvWindowDrops",
    "TCPNoTimestampDrops",
    "OutOfWindowSegments",
    "TCPWinProbe",
    "TCPKeepAlive",
    "OutOfWindowIcmps",
    "TCPPmtuReductions",
    "TCPTimeWaitRecycled",
    "NoListener",
    "PortExhaustion",
  ];
  for (const name of named) if (c[name]) lines.push(`    ${name}: ${c[name]}`);
  return `${lines.join("\n")}\n`;
}
