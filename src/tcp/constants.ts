/**
 * Connection states, defaults and per-connection flag bits of the userspace TCP endpoint
 * (src/tcp). The endpoint's counters live in `counters.ts`.
 */

// ---- connection states (RFC 9293 §3.3.2) ------------------------------------------------------

/** Slot unused / connection gone. */
export const TCP_STATE_CLOSED = 0;
/** Not used by connections (the endpoint listens implicitly); present for completeness. */
export const TCP_STATE_LISTEN = 1;
/** A SYN arrived and was answered; waiting for the ACK of our SYN. */
export const TCP_STATE_SYN_RECEIVED = 2;
/** The handshake completed; data flows both ways. */
export const TCP_STATE_ESTABLISHED = 3;
/** We sent our FIN; the peer has not acknowledged it. */
export const TCP_STATE_FIN_WAIT_1 = 4;
/** Our FIN is acknowledged; waiting for the peer's FIN. */
export const TCP_STATE_FIN_WAIT_2 = 5;
/** The peer sent its FIN; we may still send. */
export const TCP_STATE_CLOSE_WAIT = 6;
/** Both FINs sent, ours not yet acknowledged (simultaneous close). */
export const TCP_STATE_CLOSING = 7;
/** The peer closed first and we sent our FIN; waiting for its acknowledgement. */
export const TCP_STATE_LAST_ACK = 8;
/** Both sides closed; old duplicates die out (RFC 9293 §3.4.2). */
export const TCP_STATE_TIME_WAIT = 9;

/** Names of the TCP_STATE_* values, by value. */
export const TCP_STATE_NAMES: readonly string[] = [
  'CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2',
  'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
];

// ---- defaults ---------------------------------------------------------------------------------

/** RFC 6298 §2.1: the RTO before any RTT sample. */
export const TCP_DEFAULT_INITIAL_RTO_MS = 1000;
/**
 * Lower bound of the RTO. RFC 6298 §2.4 says 1 s; like Linux we use 200 ms, since the endpoint
 * talks to hosts on the local network a few hops away (deliberate deviation).
 */
export const TCP_DEFAULT_MIN_RTO_MS = 200;
/** Upper bound of the RTO (RFC 6298 §2.5 allows any maximum of at least 60 s). */
export const TCP_DEFAULT_MAX_RTO_MS = 60_000;
/** Retransmissions (or unanswered zero-window probes) before the connection is aborted. */
export const TCP_DEFAULT_MAX_RETRANSMITS = 6;
/** A half-open connection is dropped after this long (RFC 1122 §4.2.3.5 suggests ≥ 3 min; a login proxy keeps less). */
export const TCP_DEFAULT_SYN_RECEIVED_TIMEOUT_MS = 75_000;
/**
 * TIME_WAIT duration. RFC 9293 §3.4.2 says 2 × MSL (4 min); like Linux we keep 60 s, and a slot
 * in TIME_WAIT is reused early when the table is full (deliberate deviation).
 */
export const TCP_DEFAULT_TIME_WAIT_MS = 60_000;
/** A FIN_WAIT_2 connection whose peer never closes is dropped after this long (Linux `tcp_fin_timeout`). */
export const TCP_DEFAULT_FIN_WAIT_2_TIMEOUT_MS = 60_000;
/**
 * A synchronized connection from which nothing acceptable arrived for this long is reset. TCP
 * itself has no such limit (keep-alives are optional, RFC 9293 §3.8.4); the endpoint needs one
 * because it alone keeps time for intercepted connections and a silent client must not hold a
 * slot forever.
 */
export const TCP_DEFAULT_IDLE_TIMEOUT_MS = 300_000;
/**
 * Half-open connections one client address may hold; its further SYNs are answered with SYN
 * cookies (no state). A browser opens up to six connections at once; `max-nodata-conns`
 * (default 3) usually limits a host first.
 */
export const TCP_DEFAULT_HALF_OPEN_PER_SOURCE = 8;
/** IPv4 TTL / IPv6 hop limit of emitted packets. */
export const TCP_DEFAULT_TTL = 64;
/** Peer MSS assumed when its SYN carries none (RFC 9293 §3.7.1). */
export const TCP_DEFAULT_PEER_MSS_V4 = 536;
/** Peer MSS assumed for IPv6 when its SYN carries none (RFC 8200 §5: 1280 − 60). */
export const TCP_DEFAULT_PEER_MSS_V6 = 1220;
/** Out-of-order byte ranges remembered per connection; a segment that would need more is dropped. */
export const TCP_OOO_RANGES = 4;

// ---- per-connection flag bits (TcpConnections.flags) ------------------------------------------

/** The handshake completed at some point. */
export const CONN_ESTABLISHED = 0x1;
/** The app shut down before the peer's FIN (spec §2 FIN_WAIT). */
export const CONN_CLOSED_BY_US = 0x2;
/** The app shut down: a FIN follows the queued data. */
export const CONN_FIN_QUEUED = 0x8;
/** Our FIN was acknowledged. */
export const CONN_FIN_ACKED = 0x10;
/** Timestamps negotiated (RFC 7323 §3). */
export const CONN_TIMESTAMPS = 0x20;
/** SACK permitted by both sides (RFC 2018). */
export const CONN_SACK = 0x40;
/** Window scaling negotiated (RFC 7323 §2). */
export const CONN_WINDOW_SCALE = 0x80;
/** Replay: our ISN was taken from the peer's first ACK (spec §5). */
export const CONN_REBASED = 0x100;
/** `send` accepted less than offered: tell the app when space frees up. */
export const CONN_WANT_WRITABLE = 0x200;
/** An RTT measurement is running (Karn's algorithm, RFC 6298 §3). */
export const CONN_TIMING = 0x400;
/** The peer's FIN arrived ahead of missing data. */
export const CONN_PEER_FIN_PENDING = 0x800;
/** An ACK is owed before `input` returns. */
export const CONN_ACK_NOW = 0x1000;
/** Counted among its source's half-open connections (`source-counts.ts`). */
export const CONN_SOURCE_COUNTED = 0x2000;

// ---- retransmission timer kinds (TcpTimers.rtxKind) -------------------------------------------

/** No retransmission-class timer armed. */
export const TIMER_NONE = 0;
/** Retransmission timer (RFC 6298 §5). */
export const TIMER_RTX = 1;
/** Persist (zero-window probe) timer (RFC 9293 §3.8.6.1). */
export const TIMER_PERSIST = 2;
