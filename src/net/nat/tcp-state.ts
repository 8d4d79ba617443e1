/**
 * How a NAT follows a TCP connection it translates, from the flags alone (it sees no sequence
 * numbers it could trust): the state machine of RFC 6146 §3.5.2.2 (written for NAT64, the same
 * job), with "inside" and "outside" for its "V6" and "V4". The state decides how long an idle
 * session lives (RFC 5382 REQ-5): at least 2 h 4 min once established, 4 minutes while
 * "transitory" (being opened or closed).
 *
 * ```
 *                    outbound SYN                inbound SYN
 *          CLOSED ───────────────▶ INSIDE_INIT ─────────────┐
 *            │ inbound SYN                                  ▼
 *            └──────────────────▶ OUTSIDE_INIT ──────▶ ESTABLISHED ◀── any but RST ── TRANSITORY
 *                                    outbound SYN        │   │   │                       ▲
 *                                     outbound FIN ◀──────┘   │   └── FIN in ──▶ OUTSIDE_FIN │
 *                                     INSIDE_FIN               └───── RST ───────────────────┘
 *                       INSIDE_FIN + FIN in / OUTSIDE_FIN + FIN out ──▶ BOTH_FIN (4 min, no refresh)
 * ```
 */

export const NatTcpState = {
  Closed: 0,
  /** An inside host sent a SYN (RFC 6146 "V6 INIT"). */
  InsideInit: 1,
  /** A SYN came from outside: simultaneous open or a port forward (RFC 6146 "V4 INIT"). */
  OutsideInit: 2,
  Established: 3,
  /** The inside host sent a FIN. */
  InsideFin: 4,
  /** The outside host sent a FIN. */
  OutsideFin: 5,
  /** Both sides sent a FIN: the session ends after the transitory time, whatever comes. */
  BothFin: 6,
  /** A RST was seen: kept for the transitory time in case it was a stray one. */
  Transitory: 7,
} as const;
export type NatTcpState = (typeof NatTcpState)[keyof typeof NatTcpState];

export const NAT_TCP_STATE_NAMES = [
  "CLOSED",
  "INSIDE_INIT",
  "OUTSIDE_INIT",
  "ESTABLISHED",
  "INSIDE_FIN",
  "OUTSIDE_FIN",
  "BOTH_FIN",
  "TRANSITORY",
] as const;

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;

/** The next state after a segment with `flags` went out (`outbound`) or came in. */
export function nextTcpState(state: NatTcpState, flags: number, outbound: boolean): NatTcpState {
  switch (state) {
    case NatTcpState.Closed:
      if ((flags & SYN) === 0) return state;
      return outbound ? NatTcpState.InsideInit : NatTcpState.OutsideInit;
    case NatTcpState.InsideInit:
      return !outbound && (flags & SYN) !== 0 ? NatTcpState.Established : state;
    case NatTcpState.OutsideInit:
      return outbound && (flags & SYN) !== 0 ? NatTcpState.Established : state;
    case NatTcpState.Established:
      if ((flags & RST) !== 0) return NatTcpState.Transitory;
      if ((flags & FIN) !== 0) return outbound ? NatTcpState.InsideFin : NatTcpState.OutsideFin;
      return state;
    case NatTcpState.InsideFin:
      return !outbound && (flags & FIN) !== 0 ? NatTcpState.BothFin : state;
    case NatTcpState.OutsideFin:
      return outbound && (flags & FIN) !== 0 ? NatTcpState.BothFin : state;
    case NatTcpState.BothFin:
      return state;
    case NatTcpState.Transitory:
      return (flags & RST) === 0 ? NatTcpState.Established : state;
    default:
      return state;
  }
}

/** Whether a session in `state` lives for the established idle time (else the transitory one). */
export function isEstablished(state: NatTcpState): boolean {
  return (
    state === NatTcpState.Established || state === NatTcpState.InsideFin || state === NatTcpState.OutsideFin
  );
}

/**
 * RFC 6146 §3.5.2.2: in BOTH_FIN and TRANSITORY, packets that do not change the state no longer
 * extend the session's life (so a closed connection goes after the transitory time).
 */
export function refreshes(state: NatTcpState): boolean {
  return state !== NatTcpState.BothFin && state !== NatTcpState.Transitory;
}
