/**
 * The TCP connection tracker: which segments move a tracked connection between states, as one
 * explicit transition table indexed by (direction, segment class, state).
 *
 * The tracker watches a connection from the middle, as a firewall does, so its states name the
 * connection rather than one endpoint. They are read from the originator's side (the endpoint
 * that sent the first SYN), after RFC 9293 §3.3.2's state diagram:
 *
 * - `SYN_SENT`      the originator's SYN was seen
 * - `SYN_RECEIVED`  the responder answered with SYN-ACK
 * - `ESTABLISHED`   the originator acknowledged the SYN-ACK (the three-way handshake, RFC 9293 §3.5)
 * - `FIN_WAIT`      the originator closed first (sent FIN); the responder may still send
 * - `CLOSE_WAIT`    the responder closed first; the originator may still send
 * - `LAST_ACK`      the originator sent its FIN after the responder's; waiting for the responder's last ACK
 * - `TIME_WAIT`     both FINs were seen and the closing is complete (or all but the final ACK)
 * - `CLOSED`        a reset was seen (RFC 9293 §3.10.7.3)
 *
 * The table is driven by the segment's class and direction. Sequence numbers matter for one
 * class only: a RST is honoured only inside the tracked window of its direction (RFC 5961 §3,
 * as Linux conntrack's `tcp_in_window` does); the flow table, which keeps the per-direction
 * sequence state (tcp-window.ts), classifies a RST outside it as `TCP_SEG_RST_OUT`, which no
 * state accepts. Other segments are not checked against windows: the proxy sits in the
 * forwarding path and only needs to know whether a flow is opening, open or closing (for its
 * idle timeout and to refuse segments that could not belong to a connection it saw open), and
 * a blind reset is the one segment that could end a connection from outside it. It was modelled on
 * the state set and per-direction handlers of gVisor's `tcpconntrack`; the table itself is
 * portcullis's own.
 *
 * Deliberate deviations from a full endpoint model:
 * - simultaneous open (RFC 9293 §3.5, figure 8) is not tracked: a SYN from the responder is
 *   invalid;
 * - a new SYN from the originator on a flow in `TIME_WAIT` or `CLOSED` reopens it (the same
 *   4-tuple reused, as RFC 9293 §3.10.7.4 lets a TIME-WAIT endpoint accept a new SYN);
 * - a segment that is not a valid opener on a new flow (data, bare ACK, FIN, RST) is invalid,
 *   unless mid-stream pickup is on (see {@link nextTcpState});
 * - a RST anywhere inside the window closes the flow. RFC 5961 §3.2 has an endpoint accept only
 *   an exact match of RCV.NXT and answer other in-window resets with a challenge ACK; a
 *   middlebox cannot send that ACK, and the endpoint behind it still applies the rule to the
 *   reset it is forwarded. (conntrack keeps the state for a non-exact in-window reset; here
 *   the flow closes, and a connection the endpoint keeps alive after such a reset finds its
 *   later segments invalid in `CLOSED`.) The window bounds are conservative (tcp-window.ts).
 */
import {
  TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../wire/packet.js';

/** No segment seen yet (a flow being created). */
export const TCP_CT_NONE = 0;
/** Originator's SYN seen. */
export const TCP_CT_SYN_SENT = 1;
/** Responder's SYN-ACK seen. */
export const TCP_CT_SYN_RECEIVED = 2;
/** Handshake completed. */
export const TCP_CT_ESTABLISHED = 3;
/** Originator closed first. */
export const TCP_CT_FIN_WAIT = 4;
/** Responder closed first. */
export const TCP_CT_CLOSE_WAIT = 5;
/** Both closed, responder's FIN first; awaiting the responder's last ACK. */
export const TCP_CT_LAST_ACK = 6;
/** Both FINs seen, closing complete. */
export const TCP_CT_TIME_WAIT = 7;
/** Reset seen. */
export const TCP_CT_CLOSED = 8;
/** Number of tracker states. */
export const TCP_CT_STATE_COUNT = 9;
/** Marker returned by {@link nextTcpState} for a segment that is invalid in the current state. */
export const TCP_CT_INVALID = 0xff;

/** State names, indexed by state, as `show` prints them. */
export const TCP_CT_NAMES: readonly string[] = [
  'NONE', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK',
  'TIME_WAIT', 'CLOSED',
];

/** Segment classes: SYN without ACK. */
export const TCP_SEG_SYN = 0;
/** SYN with ACK. */
export const TCP_SEG_SYN_ACK = 1;
/** FIN with ACK (no SYN, no RST). */
export const TCP_SEG_FIN = 2;
/** ACK without SYN, FIN or RST (with or without data). */
export const TCP_SEG_ACK = 3;
/** RST without SYN (with or without ACK). */
export const TCP_SEG_RST = 4;
/** Anything else: no flags, SYN+FIN, SYN+RST, FIN without ACK, data without ACK. Always invalid. */
export const TCP_SEG_BAD = 5;
/**
 * A RST whose sequence number lies outside the tracked window of its direction (a blind reset,
 * RFC 5961 §3). {@link classifyTcpSegment} never returns it: the flow table refines
 * `TCP_SEG_RST` into it with the sequence state it keeps (`classifyTcpReset` in tcp-window.ts).
 * Always invalid.
 */
export const TCP_SEG_RST_OUT = 6;
/** Number of segment classes. */
export const TCP_SEG_CLASS_COUNT = 7;

/** Segment class names, indexed by class (for tests and debug output). */
export const TCP_SEG_NAMES: readonly string[] = ['SYN', 'SYN_ACK', 'FIN', 'ACK', 'RST', 'BAD', 'RST_OUT'];

/**
 * Classifies a TCP flags byte into one of the `TCP_SEG_*` classes.
 *
 * Every segment after the initial SYN carries ACK (RFC 9293 §3.10.7.4, "fifth, check the ACK
 * field": segments without ACK are dropped), so FIN or data without ACK is `TCP_SEG_BAD`;
 * a reset is accepted with or without ACK (RFC 9293 §3.10.7.3).
 */
export function classifyTcpSegment(flags: number): number {
  const syn = (flags & TCP_FLAG_SYN) !== 0;
  const rst = (flags & TCP_FLAG_RST) !== 0;
  const fin = (flags & TCP_FLAG_FIN) !== 0;
  const ack = (flags & TCP_FLAG_ACK) !== 0;
  if (rst) return syn ? TCP_SEG_BAD : TCP_SEG_RST;
  if (syn) {
    if (fin) return TCP_SEG_BAD;
    return ack ? TCP_SEG_SYN_ACK : TCP_SEG_SYN;
  }
  if (!ack) return TCP_SEG_BAD;
  return fin ? TCP_SEG_FIN : TCP_SEG_ACK;
}

// Short names for the table below.
const SS = TCP_CT_SYN_SENT;
const SR = TCP_CT_SYN_RECEIVED;
const ES = TCP_CT_ESTABLISHED;
const FW = TCP_CT_FIN_WAIT;
const CW = TCP_CT_CLOSE_WAIT;
const LA = TCP_CT_LAST_ACK;
const TW = TCP_CT_TIME_WAIT;
const CL = TCP_CT_CLOSED;
const XX = TCP_CT_INVALID;

/*
 * The transition table. Rows: segment class; columns: current state
 * (NO SS SR ES FW CW LA TW CL). Entry: next state, or XX for an invalid segment
 * (the state does not change).
 */
const FROM_ORIGINAL: readonly (readonly number[])[] = [
  //            NO  SS  SR  ES  FW  CW  LA  TW  CL
  /* SYN     */ [SS, SS, SR, XX, XX, XX, XX, SS, SS],  // retransmitted SYN keeps SS/SR; reopen after close
  /* SYN_ACK */ [XX, XX, XX, XX, XX, XX, XX, XX, XX],  // originator never sends SYN-ACK (no simultaneous open)
  /* FIN     */ [XX, XX, FW, FW, FW, LA, LA, TW, XX],  // FIN may carry the handshake's final ACK
  /* ACK     */ [XX, XX, ES, ES, FW, CW, LA, TW, XX],  // third segment of the handshake completes it
  /* RST     */ [XX, CL, CL, CL, CL, CL, CL, CL, CL],  // in the window (see TCP_SEG_RST_OUT)
  /* BAD     */ [XX, XX, XX, XX, XX, XX, XX, XX, XX],
  /* RST_OUT */ [XX, XX, XX, XX, XX, XX, XX, XX, XX],  // blind reset: state kept, segment invalid
];
const FROM_REPLY: readonly (readonly number[])[] = [
  //            NO  SS  SR  ES  FW  CW  LA  TW  CL
  /* SYN     */ [XX, XX, XX, XX, XX, XX, XX, XX, XX],  // responder never sends a bare SYN
  /* SYN_ACK */ [XX, SR, SR, ES, XX, XX, XX, XX, XX],  // retransmitted SYN-ACK is harmless once open
  /* FIN     */ [XX, XX, XX, CW, TW, CW, LA, TW, XX],  // FIN after the originator's completes the close
  /* ACK     */ [XX, XX, XX, ES, FW, CW, TW, TW, XX],  // no data before the originator's ACK; last ACK
  /* RST     */ [XX, CL, CL, CL, CL, CL, CL, CL, CL],  // RST answering a SYN: connection refused
  /* BAD     */ [XX, XX, XX, XX, XX, XX, XX, XX, XX],
  /* RST_OUT */ [XX, XX, XX, XX, XX, XX, XX, XX, XX],
];
/*
 * Mid-stream pickup: a new flow whose first segment is not a SYN. The packet's sender becomes
 * the originator; an ACK (with or without data) is taken as an established connection, a FIN
 * as one its sender is closing. SYN-ACK, RST and bad segments still do not create a flow.
 */
const PICKUP_FROM_NONE: readonly number[] = [SS, XX, FW, ES, XX, XX, XX];

/** The table flattened: index `(dir * TCP_SEG_CLASS_COUNT + class) * TCP_CT_STATE_COUNT + state`. */
const TRANSITIONS = new Uint8Array(2 * TCP_SEG_CLASS_COUNT * TCP_CT_STATE_COUNT);
/** Next state from `TCP_CT_NONE` per segment class when mid-stream pickup is on. */
const PICKUP = new Uint8Array(TCP_SEG_CLASS_COUNT);
for (let c = 0; c < TCP_SEG_CLASS_COUNT; c++) {
  for (let s = 0; s < TCP_CT_STATE_COUNT; s++) {
    TRANSITIONS[c * TCP_CT_STATE_COUNT + s] = FROM_ORIGINAL[c]![s]!;
    TRANSITIONS[(TCP_SEG_CLASS_COUNT + c) * TCP_CT_STATE_COUNT + s] = FROM_REPLY[c]![s]!;
  }
  PICKUP[c] = PICKUP_FROM_NONE[c]!;
}

/**
 * Returns the tracker state after a segment with TCP `flags` travelling in direction `dir`
 * (0 = original, from the originator; 1 = reply) on a connection in `state`, or
 * {@link TCP_CT_INVALID} when the segment cannot belong to such a connection.
 *
 * `midstreamPickup` only matters for a new flow (`state === TCP_CT_NONE`): when on, a flow may
 * start with an ACK, data or a FIN (taken as an already established connection), which replay
 * of a capture that starts in the middle of connections needs. Live gateways leave it off: an
 * ACK for a connection that was never seen opening is exactly what a stateful filter refuses.
 * Out-of-range arguments give {@link TCP_CT_INVALID}; nothing here throws.
 */
export function nextTcpState(state: number, dir: number, flags: number, midstreamPickup: boolean): number {
  return nextTcpStateOfClass(state, dir, classifyTcpSegment(flags), midstreamPickup);
}

/**
 * {@link nextTcpState} for a segment already classified (`TCP_SEG_*`, including the flow
 * table's refinement `TCP_SEG_RST_OUT`). An out-of-range class gives {@link TCP_CT_INVALID}.
 */
export function nextTcpStateOfClass(state: number, dir: number, c: number, midstreamPickup: boolean): number {
  if (!(state >= 0 && state < TCP_CT_STATE_COUNT) || (dir !== 0 && dir !== 1)
    || !(c >= 0 && c < TCP_SEG_CLASS_COUNT)) {
    return TCP_CT_INVALID;
  }
  if (state === TCP_CT_NONE) {
    if (dir !== 0) return TCP_CT_INVALID;
    return midstreamPickup ? PICKUP[c]! : TRANSITIONS[c * TCP_CT_STATE_COUNT]!;
  }
  return TRANSITIONS[(dir * TCP_SEG_CLASS_COUNT + c) * TCP_CT_STATE_COUNT + state]!;
}

/**
 * {@link nextTcpStateOfClass} without its argument checks, for the flow table's packet path:
 * `state` (not `TCP_CT_NONE`) comes from a live record, `dir` is 0 or 1 and `c` a class the
 * table produced.
 */
export function tcpTransition(state: number, dir: number, c: number): number {
  return TRANSITIONS[(dir * TCP_SEG_CLASS_COUNT + c) * TCP_CT_STATE_COUNT + state]!;
}

/** True when `state` is one in which the connection has finished (`TIME_WAIT` or `CLOSED`). */
export function isTcpStateClosed(state: number): boolean {
  return state === TCP_CT_TIME_WAIT || state === TCP_CT_CLOSED;
}
