/**
 * Where a script of the FreeBSD suite expects FreeBSD's behaviour and our TCP does what the RFC
 * text says instead. Each entry names the RFC clause we follow and matches one failure exactly —
 * the script, the failing line and what we sent (or the message) — so the script becomes "not
 * applicable" with that reason only while the failure is this very one. Any other failure of the
 * same script, or a change in what we send, makes it fail again.
 *
 * An entry is a claim that our behaviour is the RFC's; a difference that is our bug never goes
 * here (see docs/conformance.md for those).
 */
import type { ScriptResult } from "./runner.js";

export interface KnownDeviation {
  /** The scripts (names relative to the suite root). */
  scripts: RegExp;
  /** The text of the failing line. */
  line: RegExp;
  /** What we sent instead (for packet failures) ... */
  sent?: RegExp;
  /** ... or the failure message. */
  message?: RegExp;
  reason: string;
  /**
   * Whose behaviour the script expects: FreeBSD's (the default), or its STANDARD branch's where
   * the RFCs leave a choice and we (like FreeBSD and Linux) take the other permitted one.
   */
  expects?: "freebsd" | "standard-branch";
}

export const KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  {
    scripts: /^(snippets\/(closing|time-wait-via-closing)|state-event-engine\/rcv-(rst|syn)-closing\/)/,
    line: /> F\. +1:1\(0\) +ack 2 /,
    sent: /^> \. 2:2\(0\) ack 2 /,
    reason:
      "FreeBSD acknowledges the peer's FIN in a simultaneous close by resending its own FIN; RFC 9293 §3.10.7.4 (FIN-WAIT-1, eighth step) acknowledges it with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, which we send",
  },
  {
    scripts: /^rcv-icmp\/rcv-icmp-hard-error-ttl-exceeded-ipv[46]\.pkt$/,
    line: /SO_ERROR, \[EHOSTUNREACH\]/,
    message: /gave \[0\]/,
    reason:
      "RFC 1122 §4.2.3.9: Time Exceeded is a soft error and must not abort the connection attempt; FreeBSD treats it as hard (the suite's README, note 3)",
  },
  {
    scripts:
      /^state-event-engine\/rcv-fin-time-wait\/rcv-fin-time-wait-using-shutdown-outside-(left|right)-ipv[46]\.pkt$/,
    line: /< +\. +1:1\(0\) +ack 2 /,
    sent: /^> \. 2:2\(0\) ack 2 /,
    reason:
      "a FIN without ACK outside the window is not acceptable, and RFC 9293 §3.10.7.4 (first check, sequence number) answers it with an ACK; FreeBSD drops segments without ACK before that check",
  },
  {
    scripts: /^state-event-engine\/rcv-syn-ack-listen\//,
    line: /< S +0:0\(0\)/,
    sent: /^> R 34:34\(0\) /,
    reason:
      "RFC 9293 §3.10.7.2 (LISTEN, second check): an ACK-bearing segment gets <SEQ=SEG.ACK><CTL=RST>; FreeBSD sends none",
  },
  {
    scripts:
      /^state-event-engine\/rcv-rst(-ack)?-time-wait\/rcv-rst(-ack)?-time-wait-using-shutdown-left-edge-secure-ipv[46]\.pkt$/,
    line: /grep -c TIME_WAIT \| grep 1/,
    message: /counts 0 socket/,
    reason:
      "RFC 9293 §3.10.7.4 (second check, TIME-WAIT): an acceptable RST deletes the TCB; the script expects FreeBSD's TIME-WAIT assassination protection of RFC 1337 (informational)",
  },
  {
    scripts:
      /^state-event-engine\/rcv-syn(-fin)?-time-wait\/rcv-syn(-fin)?-time-wait-using-shutdown-(right-edge|outside-right)-secure(-nodrop)?-ipv[46]\.pkt$/,
    line: /> +\. +2:2\(0\) +ack +2 /,
    sent: /^> S\. \d+:\d+\(0\) ack 6553[78] /,
    expects: "standard-branch",
    reason:
      "a SYN whose sequence number is above RCV.NXT of a TIME-WAIT connection (no timestamps) reopens it: RFC 1122 §4.2.2.13 allows this and RFC 6191 §2 keeps the sequence-number rule when timestamps are not in use, as FreeBSD's branch of the script and Linux do; the STANDARD branch applies RFC 5961 §4.2's challenge ACK instead. An older SYN still gets the challenge ACK (the left-edge and outside-left scripts)",
  },
];

/** The result with a matching known deviation turned into "not applicable", else unchanged. */
export function applyDeviations(name: string, result: ScriptResult): ScriptResult {
  if (result.status !== "failed") return result;
  for (const deviation of KNOWN_DEVIATIONS) {
    if (!deviation.scripts.test(name) || !deviation.line.test(result.source)) continue;
    if (deviation.sent && !deviation.sent.test(result.sent ?? "")) continue;
    if (deviation.message && !deviation.message.test(result.message)) continue;
    return {
      status: "not-applicable",
      reason:
        deviation.expects === "standard-branch"
          ? `RFC choice (the STANDARD branch took the other one): ${deviation.reason}`
          : `FreeBSD-specific expectation: ${deviation.reason}`,
      line: result.line,
    };
  }
  return result;
}
