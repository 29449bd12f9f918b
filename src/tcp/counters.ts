/**
 * Event counters of the userspace TCP endpoint: TCP_CTR_* index `TcpEndpoint.counters`, and
 * {@link TCP_COUNTER_NAMES} gives each its stable name (shown by `show … statistics`).
 */

/** Segments handed to `open`/`input`/`refuse`. */
export const TCP_CTR_SEGMENTS_IN = 0;
/** Segments written to the transmit queue. */
export const TCP_CTR_SEGMENTS_OUT = 1;
/** Data/FIN segments sent again after a retransmission timeout. */
export const TCP_CTR_RETRANSMITS = 2;
/** SYN-ACKs sent again (timeout or retransmitted SYN). */
export const TCP_CTR_SYNACK_RETRANSMITS = 3;
/** Fast retransmissions after three duplicate ACKs (RFC 5681 §3.2). */
export const TCP_CTR_FAST_RETRANSMITS = 4;
/** Data segments that arrived ahead of `RCV.NXT` and were queued. */
export const TCP_CTR_OUT_OF_ORDER = 5;
/** Out-of-order segments dropped because the reassembly list was full. */
export const TCP_CTR_OOO_DROPPED = 6;
/** Data segments partly carrying bytes already received (trimmed; wholly old ones are out of window). */
export const TCP_CTR_DUPLICATE_DATA = 7;
/** Segments outside the receive window (RFC 9293 §3.10.7.4 first check). */
export const TCP_CTR_OUT_OF_WINDOW = 8;
/** Segments dropped for other reasons (no ACK bit, unknown connection, bad handshake ACK). */
export const TCP_CTR_BAD_SEGMENTS = 9;
/** ACKs of data never sent (RFC 9293 §3.10.7.4 fifth check), outside replay mode. */
export const TCP_CTR_ACK_TOO_NEW = 10;
/** Segments rejected by PAWS (RFC 7323 §5). */
export const TCP_CTR_PAWS_REJECTED = 11;
/** Resets accepted (exact sequence match). */
export const TCP_CTR_RST_IN = 12;
/** Resets ignored or challenged (RFC 5961 §3). */
export const TCP_CTR_RST_IGNORED = 13;
/** Challenge ACKs sent (RFC 5961 §3, §4). */
export const TCP_CTR_CHALLENGE_ACKS = 14;
/** Resets sent. */
export const TCP_CTR_RST_OUT = 15;
/** Connections opened (SYN accepted). */
export const TCP_CTR_PASSIVE_OPENS = 16;
/** SYNs refused because the table was full. */
export const TCP_CTR_OPEN_REFUSED = 17;
/** Handshakes completed. */
export const TCP_CTR_ESTABLISHED = 18;
/** Connections aborted after too many retransmissions or unanswered probes. */
export const TCP_CTR_TIMEOUT_ABORTS = 19;
/** Zero-window probes sent. */
export const TCP_CTR_ZERO_WINDOW_PROBES = 20;
/** Segments lost because the transmit queue was full. */
export const TCP_CTR_TX_OVERFLOWS = 21;
/** TIME_WAIT connections reopened by a new SYN. */
export const TCP_CTR_TIME_WAIT_REOPENED = 22;
/** Connections evicted to make room for a new one (table pressure). */
export const TCP_CTR_EVICTIONS = 23;
/** Duplicate ACKs seen. */
export const TCP_CTR_DUP_ACKS = 24;
/** Payload bytes delivered in order to the application. */
export const TCP_CTR_BYTES_IN = 25;
/** New payload bytes sent (retransmissions not counted). */
export const TCP_CTR_BYTES_OUT = 26;
/** Replay mode: ISNs rebased on the client's first ACK. */
export const TCP_CTR_REPLAY_REBASES = 27;
/** Replay mode: ACKs beyond what was sent, taken as delivered. */
export const TCP_CTR_REPLAY_ACK_AHEAD = 28;
/** Connections aborted because the peer sent nothing for `idleTimeoutMs`. */
export const TCP_CTR_IDLE_ABORTS = 29;
/** SYN-ACKs sent with a SYN cookie instead of a connection (`syn-cookies.ts`). */
export const TCP_CTR_SYN_COOKIES_SENT = 30;
/** ACKs that brought back a valid SYN cookie: connections made from them. */
export const TCP_CTR_SYN_COOKIES_ACCEPTED = 31;
/** ACKs of no connection checked as SYN cookies and found none of ours (or too old). */
export const TCP_CTR_SYN_COOKIES_REJECTED = 32;
/** Window updates sent after the application read what filled the window (RFC 9293 §3.8.6.2.2). */
export const TCP_CTR_WINDOW_UPDATES = 33;
/** Segments that arrived while our window was closed (zero): their text was dropped. */
export const TCP_CTR_ZERO_WINDOW_DROPS = 34;
/** Number of TCP_CTR_* counters. */
export const TCP_CTR_COUNT = 35;

/** Stable names of the TCP_CTR_* counters, by index. */
export const TCP_COUNTER_NAMES: readonly string[] = [
  'segments-in', 'segments-out', 'retransmits', 'synack-retransmits', 'fast-retransmits',
  'out-of-order', 'out-of-order-dropped', 'duplicate-data', 'out-of-window', 'bad-segments',
  'ack-too-new', 'paws-rejected', 'rst-in', 'rst-ignored', 'challenge-acks', 'rst-out',
  'passive-opens', 'open-refused', 'established', 'timeout-aborts', 'zero-window-probes',
  'tx-overflows', 'time-wait-reopened', 'evictions', 'dup-acks', 'bytes-in', 'bytes-out',
  'replay-rebases', 'replay-ack-ahead', 'idle-aborts', 'syn-cookies-sent', 'syn-cookies-accepted',
  'syn-cookies-rejected', 'window-updates', 'zero-window-drops',
];
