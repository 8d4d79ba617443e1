/**
 * Per-stack TCP counters, named as `netstat -s` and `nstat` show them: the TCP-MIB's (RFC 4022)
 * and Linux's TcpExt extensions. Every dropped or unexpected segment is counted somewhere here
 * (DESIGN.md principle 6).
 */
export interface TcpCounters {
  /** Connections that went from CLOSED to SYN-SENT (RFC 4022 tcpActiveOpens). */
  ActiveOpens: number;
  /** Connections that went from LISTEN to SYN-RECEIVED (tcpPassiveOpens). */
  PassiveOpens: number;
  /** Handshakes that failed: SYN-SENT/SYN-RECEIVED to CLOSED (tcpAttemptFails). */
  AttemptFails: number;
  /** ESTABLISHED or CLOSE-WAIT connections reset (tcpEstabResets). */
  EstabResets: number;
  /** Segments received, including those in error (tcpInSegs). */
  InSegs: number;
  /** Segments sent, retransmissions included (tcpOutSegs as Linux counts it). */
  OutSegs: number;
  /** Segments retransmitted (tcpRetransSegs). */
  RetransSegs: number;
  /** Segments received in error: bad checksum, malformed (tcpInErrs). */
  InErrs: number;
  /** Segments with RST sent (tcpOutRsts). */
  OutRsts: number;
  /** Segments with a bad checksum. */
  InCsumErrors: number;
  /** SYN cookies sent, accepted and refused. */
  SyncookiesSent: number;
  SyncookiesRecv: number;
  SyncookiesFailed: number;
  /** SYNs that found the SYN queue full, and SYNs dropped for it (cookies off). */
  ListenOverflows: number;
  ListenDrops: number;
  /** RFC 5961 challenge ACKs sent, and ones the rate limit suppressed. */
  TCPChallengeACK: number;
  TCPChallengeACKLimited: number;
  /** RSTs ignored because their sequence number was out of the window (RFC 5961 §3.2). */
  TCPRstOutOfWindow: number;
  /** SYNs in a synchronized state (RFC 5961 §4). */
  TCPSYNChallenge: number;
  /** ACKs for data never sent or too old (RFC 5961 §5). */
  TCPACKSkippedChallenge: number;
  /** Loss recoveries entered with SACK (RFC 6675) and without (RFC 6582). */
  TCPSackRecovery: number;
  TCPRenoRecovery: number;
  /** Fast retransmissions, and retransmissions after a timeout. */
  TCPFastRetrans: number;
  TCPSlowStartRetrans: number;
  /** Retransmission timeouts. */
  TCPTimeouts: number;
  /** ACKs carrying a D-SACK block (RFC 2883) received. */
  TCPDSACKRecv: number;
  /** Fast recoveries undone because D-SACKs showed every retransmission was spurious (RFC 3708). */
  TCPDSACKUndo: number;
  /** Fast recoveries undone at their end because timestamps showed the originals arrived (RFC 3522). */
  TCPFullUndo: number;
  /** Retransmissions found lost by SACKs of data sent after them, and sent again. */
  TCPLostRetransmit: number;
  /** Reordering detected from SACK information (the connection's reordering degree grew). */
  TCPSACKReorder: number;
  /** Segments queued out of order, and dropped because the out-of-order cap was reached. */
  TCPOFOQueue: number;
  TCPOFODrop: number;
  /** Data beyond the receive window, trimmed or dropped. */
  TCPRcvWindowDrops: number;
  /** Segments dropped by PAWS (RFC 7323 §5). */
  PAWSEstab: number;
  /** Duplicate ACKs not sent in answer to pure ACKs that PAWS dropped (rate limit, as Linux). */
  TCPACKSkippedPAWS: number;
  /** Non-RST segments without timestamps on a connection that negotiated them (RFC 7323 §3.2). */
  TCPNoTimestampDrops: number;
  /** Segments not acceptable by RFC 9293 §3.10.7.4's test (answered with an ACK). */
  OutOfWindowSegments: number;
  /** Delayed ACKs sent when their timer expired. */
  DelayedACKs: number;
  /** Connections aborted: timeout, data after close, close with unread data. */
  TCPAbortOnTimeout: number;
  TCPAbortOnData: number;
  TCPAbortOnClose: number;
  /** Zero-window probes and keepalive probes sent. */
  TCPWinProbe: number;
  TCPKeepAlive: number;
  /** ICMP errors ignored because the quoted sequence number was not in flight (RFC 5927). */
  OutOfWindowIcmps: number;
  /** Path MTU decreases applied from ICMP "fragmentation needed" / "packet too big". */
  TCPPmtuReductions: number;
  /** TIME-WAIT connections replaced by a new SYN (RFC 6191). */
  TCPTimeWaitRecycled: number;
  /** Segments for no connection and no listener, answered with RST (RFC 9293 §3.10.7.1). */
  NoListener: number;
  /** Connect attempts that found no free ephemeral port. */
  PortExhaustion: number;
}

export function newTcpCounters(): TcpCounters {
  return {
    ActiveOpens: 0,
    PassiveOpens: 0,
    AttemptFails: 0,
    EstabResets: 0,
    InSegs: 0,
    OutSegs: 0,
    RetransSegs: 0,
    InErrs: 0,
    OutRsts: 0,
    InCsumErrors: 0,
    SyncookiesSent: 0,
    SyncookiesRecv: 0,
    SyncookiesFailed: 0,
    ListenOverflows: 0,
    ListenDrops: 0,
    TCPChallengeACK: 0,
    TCPChallengeACKLimited: 0,
    TCPRstOutOfWindow: 0,
    TCPSYNChallenge: 0,
    TCPACKSkippedChallenge: 0,
    TCPSackRecovery: 0,
    TCPRenoRecovery: 0,
    TCPFastRetrans: 0,
    TCPSlowStartRetrans: 0,
    TCPTimeouts: 0,
    TCPDSACKRecv: 0,
    TCPDSACKUndo: 0,
    TCPFullUndo: 0,
    TCPSACKReorder: 0,
    TCPLostRetransmit: 0,
    TCPOFOQueue: 0,
    TCPOFODrop: 0,
    TCPRcvWindowDrops: 0,
    PAWSEstab: 0,
    TCPACKSkippedPAWS: 0,
    TCPNoTimestampDrops: 0,
    OutOfWindowSegments: 0,
    DelayedACKs: 0,
    TCPAbortOnTimeout: 0,
    TCPAbortOnData: 0,
    TCPAbortOnClose: 0,
    TCPWinProbe: 0,
    TCPKeepAlive: 0,
    OutOfWindowIcmps: 0,
    TCPPmtuReductions: 0,
    TCPTimeWaitRecycled: 0,
    NoListener: 0,
    PortExhaustion: 0,
  };
}
