/**
 * The userspace TCP endpoint that answers intercepted connections as their original server
 * (DESIGN.md §1 step 4): a passive-open TCP (RFC 9293) with the MSS, window scale, SACK-permitted
 * and timestamp options (RFC 7323), in-order reassembly, RFC 6298 retransmission timing with
 * Karn's rule, flow control with zero-window probing, the full close state machine, TIME_WAIT,
 * and the RFC 5961 defences against blind resets and SYNs.
 *
 * It is part of the pure core: time comes in as `nowMs`, initial sequence numbers from the
 * injected `rng`, timed work is done in {@link TcpEndpoint.poll} and announced by
 * {@link TcpEndpoint.nextDeadline}. All per-connection state lives in typed arrays sized at
 * construction; a connection's send buffer (and, only if a segment ever arrives out of order,
 * its reassembly buffer) is allocated the first time its slot is used and then kept for every
 * later connection in that slot, so nothing is allocated per segment. Segment content never
 * makes it throw.
 *
 * Replay mode (`followPeerSequence`, spec/auth-proxy-log.md §5) takes the endpoint's own side of
 * the sequence space from the client: its first ACK rebases our ISN, and whatever it
 * acknowledges counts as delivered.
 */
import type { PacketMeta } from '../wire/packet.js';
import {
  TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../wire/emit-tcp.js';
import { seqGt, seqLe, seqLt } from '../wire/seq.js';
import { readU32 } from '../wire/bytes.js';
import type { TxQueue } from './tx-queue.js';

// ---- connection states (RFC 9293 §3.3.2) ------------------------------------------------------

/** Slot unused / connection gone. */
export const TCP_STATE_CLOSED = 0;
/** Not used by connections (the endpoint listens implicitly); present for completeness. */
export const TCP_STATE_LISTEN = 1;
export const TCP_STATE_SYN_RECEIVED = 2;
export const TCP_STATE_ESTABLISHED = 3;
export const TCP_STATE_FIN_WAIT_1 = 4;
export const TCP_STATE_FIN_WAIT_2 = 5;
export const TCP_STATE_CLOSE_WAIT = 6;
export const TCP_STATE_CLOSING = 7;
export const TCP_STATE_LAST_ACK = 8;
export const TCP_STATE_TIME_WAIT = 9;

/** Names of the TCP_STATE_* values, by value. */
export const TCP_STATE_NAMES: readonly string[] = [
  'CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2',
  'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
];

// ---- counters ---------------------------------------------------------------------------------

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
export const TCP_CTR_COUNT = 30;

/** Stable names of the TCP_CTR_* counters, by index. */
export const TCP_COUNTER_NAMES: readonly string[] = [
  'segments-in', 'segments-out', 'retransmits', 'synack-retransmits', 'fast-retransmits',
  'out-of-order', 'out-of-order-dropped', 'duplicate-data', 'out-of-window', 'bad-segments',
  'ack-too-new', 'paws-rejected', 'rst-in', 'rst-ignored', 'challenge-acks', 'rst-out',
  'passive-opens', 'open-refused', 'established', 'timeout-aborts', 'zero-window-probes',
  'tx-overflows', 'time-wait-reopened', 'evictions', 'dup-acks', 'bytes-in', 'bytes-out',
  'replay-rebases', 'replay-ack-ahead', 'idle-aborts',
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
/** IPv4 TTL / IPv6 hop limit of emitted packets. */
export const TCP_DEFAULT_TTL = 64;
/** Peer MSS assumed when its SYN carries none (RFC 9293 §3.7.1; RFC 8200 §5 for IPv6). */
export const TCP_DEFAULT_PEER_MSS_V4 = 536;
export const TCP_DEFAULT_PEER_MSS_V6 = 1220;
/** Out-of-order byte ranges remembered per connection; a segment that would need more is dropped. */
export const TCP_OOO_RANGES = 4;

/** Events the endpoint delivers to the application that owns its connections. */
export interface EndpointApp {
  /** The handshake completed (ESTABLISHED). */
  accepted(conn: number, nowMs: number): void;
  /** In-order bytes from the peer; `buf` is reused after the call returns: copy. */
  data(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): void;
  /** The peer closed its side (no more data will come). */
  peerFin(conn: number, nowMs: number): void;
  /** The peer reset the connection, or the endpoint aborted it (retries exhausted, timeouts). */
  reset(conn: number, nowMs: number): void;
  /** The slot is free (after TIME_WAIT, LAST_ACK, reset or abort); `conn` may be reused afterwards. */
  released(conn: number, wasEstablished: boolean, nowMs: number): void;
  /** Send buffer space was freed after `send` accepted less than offered. */
  writable(conn: number, nowMs: number): void;
}

/** Construction options of a {@link TcpEndpoint}. */
export interface EndpointOptions {
  /** Size of the connection table. */
  maxConnections: number;
  /** Our MSS for IPv4 (announced and used as a cap); IPv6 connections use 20 bytes less. */
  mss: number;
  /** Per-connection send buffer. */
  sendBufferBytes: number;
  /** Per-connection receive (reassembly) buffer; also the window we advertise. */
  receiveBufferBytes: number;
  /** uint32 random source for ISNs and timestamp offsets. */
  rng: () => number;
  /** Replay mode: take our sequence space from the peer's ACKs (spec §5). */
  followPeerSequence: boolean;
  /** Where emitted segments (raw IP packets) go. */
  tx: TxQueue;
  /** Receives connection events. */
  app: EndpointApp;
  initialRtoMs?: number;
  minRtoMs?: number;
  maxRtoMs?: number;
  maxRetransmits?: number;
  synReceivedTimeoutMs?: number;
  timeWaitMs?: number;
  finWait2TimeoutMs?: number;
  /** See {@link TCP_DEFAULT_IDLE_TIMEOUT_MS}; `Infinity` disables it. */
  idleTimeoutMs?: number;
  ttl?: number;
}

// Per-connection flag bits.
const F_ESTABLISHED = 0x1;      // the handshake completed at some point
const F_CLOSED_BY_US = 0x2;     // the app shut down before the peer's FIN
const F_FIN_QUEUED = 0x8;       // the app shut down: FIN after the queued data
const F_FIN_ACKED = 0x10;       // our FIN was acknowledged
const F_TS = 0x20;              // timestamps negotiated
const F_SACK = 0x40;            // SACK permitted by both
const F_WSCALE = 0x80;          // window scaling negotiated
const F_REBASED = 0x100;        // replay: ISN taken from the peer's first ACK
const F_WANT_WRITABLE = 0x200;  // `send` accepted less than offered
const F_TIMING = 0x400;         // an RTT measurement is running (Karn)
const F_PEER_FIN_PENDING = 0x800; // the peer's FIN arrived ahead of missing data
const F_ACK_NOW = 0x1000;       // an ACK is owed before `input` returns

const TIMER_RTX = 1;
const TIMER_PERSIST = 2;

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
const TCP_MAX_OPTIONS = 40;
const TS_OPTION_SPACE = 12;

/**
 * A userspace TCP endpoint answering passive opens. Connections are small integers (slots);
 * every method taking a `conn` ignores one that is not open.
 */
export class TcpEndpoint {
  /** Event counters, indexed by the TCP_CTR_* constants. */
  readonly counters = new Float64Array(TCP_CTR_COUNT);

  private readonly max: number;
  private readonly mssV4: number;
  private readonly sendBytes: number;
  private readonly recvBytes: number;
  private readonly rng: () => number;
  private readonly replay: boolean;
  private readonly tx: TxQueue;
  private readonly app: EndpointApp;
  private readonly initialRtoMs: number;
  private readonly minRtoMs: number;
  private readonly maxRtoMs: number;
  private readonly maxRetransmits: number;
  private readonly synReceivedTimeoutMs: number;
  private readonly timeWaitMs: number;
  private readonly finWait2TimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly ttl: number;

  // Connection table.
  private readonly st: Uint8Array;
  private readonly fl: Uint16Array;
  private readonly gen: Uint32Array;
  private readonly v6: Uint8Array;
  private readonly cAddr: Uint32Array;
  private readonly sAddr: Uint32Array;
  private readonly cPort: Uint16Array;
  private readonly sPort: Uint16Array;
  private readonly tagOf: Float64Array;
  // Send sequence space (RFC 9293 §3.3.1) and buffer.
  private readonly iss: Uint32Array;
  private readonly sndUna: Uint32Array;
  private readonly sndNxt: Uint32Array;
  private readonly sndMax: Uint32Array;
  private readonly sndWl1: Uint32Array;
  private readonly sndWl2: Uint32Array;
  private readonly sndWnd: Uint32Array;
  private readonly maxSndWnd: Uint32Array;
  private readonly sndWscale: Uint8Array;
  private readonly sndMss: Uint16Array;
  private readonly cwnd: Uint32Array;
  private readonly ssthresh: Uint32Array;
  private readonly bufHead: Uint32Array;
  private readonly bufLen: Uint32Array;
  private readonly discard: Uint32Array;
  private readonly sndBuf: (Uint8Array | null)[];
  // Receive sequence space and reassembly.
  private readonly irs: Uint32Array;
  private readonly rcvNxt: Uint32Array;
  private readonly rcvWnd: Uint32Array;
  private readonly rcvWscale: Uint8Array;
  private readonly rcvHead: Uint32Array;
  private readonly peerFinSeq: Uint32Array;
  private readonly oooCount: Uint8Array;
  private readonly oooStart: Uint32Array;
  private readonly oooEnd: Uint32Array;
  private readonly rcvBuf: (Uint8Array | null)[];
  // Timestamps (RFC 7323).
  private readonly tsRecent: Uint32Array;
  private readonly tsOffset: Uint32Array;
  private readonly lastAckSent: Uint32Array;
  // Timers (RFC 6298).
  private readonly rtoMs: Float64Array;
  private readonly srttMs: Float64Array;
  private readonly rttvarMs: Float64Array;
  private readonly rttSeq: Uint32Array;
  private readonly rttStartMs: Float64Array;
  private readonly retries: Uint16Array;
  private readonly dupAcks: Uint8Array;
  private readonly probeShift: Uint8Array;
  private readonly rtxAt: Float64Array;
  private readonly rtxKind: Uint8Array;
  private readonly stateAt: Float64Array;
  private readonly lastInputMs: Float64Array;
  /** A lower bound of every armed deadline; exact unless `deadlineDirty`. */
  private earliestMs = Infinity;
  /** A timer was disarmed or moved later since `earliestMs` was computed. */
  private deadlineDirty = false;

  // Lookup: open addressing with linear probing over a power-of-two table.
  private readonly table: Int32Array;
  private readonly tableMask: number;
  private readonly home: Int32Array;
  // Free slots (a stack) and the dense list of open ones.
  private readonly free: Int32Array;
  private freeTop: number;
  private readonly active: Int32Array;
  private readonly activePos: Int32Array;
  private activeCount = 0;

  // Scratch.
  private readonly zeros = new Uint8Array(4096);
  private readonly scratchStart = new Uint32Array(TCP_OOO_RANGES + 1);
  private readonly scratchEnd = new Uint32Array(TCP_OOO_RANGES + 1);
  private readonly spec = new TcpSegmentSpec();
  private ipId = 0;
  private segTsVal = 0;

  constructor(opts: EndpointOptions) {
    const n = Math.max(1, opts.maxConnections | 0);
    this.max = n;
    this.mssV4 = Math.max(88, Math.min(65495, opts.mss | 0));
    this.sendBytes = Math.max(1, opts.sendBufferBytes | 0);
    this.recvBytes = Math.max(1, Math.min(opts.receiveBufferBytes | 0, 0x3fffffff));
    this.rng = opts.rng;
    this.replay = opts.followPeerSequence;
    this.tx = opts.tx;
    this.app = opts.app;
    this.initialRtoMs = opts.initialRtoMs ?? TCP_DEFAULT_INITIAL_RTO_MS;
    this.minRtoMs = opts.minRtoMs ?? TCP_DEFAULT_MIN_RTO_MS;
    this.maxRtoMs = opts.maxRtoMs ?? TCP_DEFAULT_MAX_RTO_MS;
    this.maxRetransmits = opts.maxRetransmits ?? TCP_DEFAULT_MAX_RETRANSMITS;
    this.synReceivedTimeoutMs = opts.synReceivedTimeoutMs ?? TCP_DEFAULT_SYN_RECEIVED_TIMEOUT_MS;
    this.timeWaitMs = opts.timeWaitMs ?? TCP_DEFAULT_TIME_WAIT_MS;
    this.finWait2TimeoutMs = opts.finWait2TimeoutMs ?? TCP_DEFAULT_FIN_WAIT_2_TIMEOUT_MS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? TCP_DEFAULT_IDLE_TIMEOUT_MS;
    this.ttl = opts.ttl ?? TCP_DEFAULT_TTL;

    this.st = new Uint8Array(n);
    this.fl = new Uint16Array(n);
    this.gen = new Uint32Array(n);
    this.v6 = new Uint8Array(n);
    this.cAddr = new Uint32Array(n * 4);
    this.sAddr = new Uint32Array(n * 4);
    this.cPort = new Uint16Array(n);
    this.sPort = new Uint16Array(n);
    this.tagOf = new Float64Array(n);
    this.iss = new Uint32Array(n);
    this.sndUna = new Uint32Array(n);
    this.sndNxt = new Uint32Array(n);
    this.sndMax = new Uint32Array(n);
    this.sndWl1 = new Uint32Array(n);
    this.sndWl2 = new Uint32Array(n);
    this.sndWnd = new Uint32Array(n);
    this.maxSndWnd = new Uint32Array(n);
    this.sndWscale = new Uint8Array(n);
    this.sndMss = new Uint16Array(n);
    this.cwnd = new Uint32Array(n);
    this.ssthresh = new Uint32Array(n);
    this.bufHead = new Uint32Array(n);
    this.bufLen = new Uint32Array(n);
    this.discard = new Uint32Array(n);
    this.sndBuf = new Array<Uint8Array | null>(n).fill(null);
    this.irs = new Uint32Array(n);
    this.rcvNxt = new Uint32Array(n);
    this.rcvWnd = new Uint32Array(n);
    this.rcvWscale = new Uint8Array(n);
    this.rcvHead = new Uint32Array(n);
    this.peerFinSeq = new Uint32Array(n);
    this.oooCount = new Uint8Array(n);
    this.oooStart = new Uint32Array(n * TCP_OOO_RANGES);
    this.oooEnd = new Uint32Array(n * TCP_OOO_RANGES);
    this.rcvBuf = new Array<Uint8Array | null>(n).fill(null);
    this.tsRecent = new Uint32Array(n);
    this.tsOffset = new Uint32Array(n);
    this.lastAckSent = new Uint32Array(n);
    this.rtoMs = new Float64Array(n);
    this.srttMs = new Float64Array(n);
    this.rttvarMs = new Float64Array(n);
    this.rttSeq = new Uint32Array(n);
    this.rttStartMs = new Float64Array(n);
    this.retries = new Uint16Array(n);
    this.dupAcks = new Uint8Array(n);
    this.probeShift = new Uint8Array(n);
    this.rtxAt = new Float64Array(n).fill(Infinity);
    this.rtxKind = new Uint8Array(n);
    this.stateAt = new Float64Array(n).fill(Infinity);
    this.lastInputMs = new Float64Array(n);

    let size = 16;
    while (size < n * 2) size *= 2;
    this.table = new Int32Array(size).fill(-1);
    this.tableMask = size - 1;
    this.home = new Int32Array(n);
    this.free = new Int32Array(n);
    // Lowest slot on top, so slots are used in order 0, 1, 2, …
    for (let i = 0; i < n; i++) this.free[i] = n - 1 - i;
    this.freeTop = n;
    this.active = new Int32Array(n);
    this.activePos = new Int32Array(n).fill(-1);
  }

  // ---- lookup ---------------------------------------------------------------------------------

  /** Number of open connections (any state but CLOSED). */
  connectionCount(): number {
    return this.activeCount;
  }

  /**
   * Returns the connection of a segment travelling client → server (source = client), or -1.
   * A bare SYN that would start a new incarnation of a connection (one in TIME_WAIT whose
   * sequence number or timestamp is newer, RFC 9293 §3.10.7.4 and RFC 6191; or one in
   * SYN_RECEIVED with a different ISN) finds none, so that the caller treats it as a new
   * connection and calls {@link open}, which replaces the old one.
   */
  lookup(meta: PacketMeta): number {
    if (this.activeCount === 0) return -1;
    const c = this.find(meta);
    if (c < 0) return -1;
    if ((meta.tcpFlags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) === TCP_FLAG_SYN && this.replacedBySyn(c, meta)) {
      return -1;
    }
    return c;
  }

  private replacedBySyn(c: number, meta: PacketMeta): boolean {
    const s = this.st[c]!;
    if (s === TCP_STATE_SYN_RECEIVED) return (meta.seq >>> 0) !== this.irs[c];
    if (s !== TCP_STATE_TIME_WAIT) return false;
    if (seqGt(meta.seq >>> 0, this.rcvNxt[c]!)) return true;
    return (this.fl[c]! & F_TS) !== 0 && meta.tcpHasTimestamp && seqGt(meta.tcpTsVal >>> 0, this.tsRecent[c]!);
  }

  private find(meta: PacketMeta): number {
    const src = meta.srcAddr, dst = meta.dstAddr;
    const cp = meta.srcPort, sp = meta.dstPort;
    const v6 = meta.ipVersion === 6 ? 1 : 0;
    const table = this.table, mask = this.tableMask;
    let i = this.hashOf(src, 0, dst, 0, cp, sp);
    for (;;) {
      const c = table[i]!;
      if (c < 0) return -1;
      if (this.cPort[c] === cp && this.sPort[c] === sp && this.v6[c] === v6) {
        const b = c * 4;
        const ca = this.cAddr, sa = this.sAddr;
        if (ca[b + 3] === src[3] && sa[b + 3] === dst[3] && ca[b] === src[0] && ca[b + 1] === src[1]
          && ca[b + 2] === src[2] && sa[b] === dst[0] && sa[b + 1] === dst[1] && sa[b + 2] === dst[2]) {
          return c;
        }
      }
      i = (i + 1) & mask;
    }
  }

  private hashOf(c: Uint32Array, co: number, s: Uint32Array, so: number, cport: number, sport: number): number {
    let h = Math.imul(c[co + 3]! ^ 0x9e3779b9, 0x85ebca6b) ^ s[so + 3]!;
    h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35) ^ ((cport << 16) | sport);
    h = Math.imul(h ^ (h >>> 13), 0x27d4eb2d) ^ c[co]! ^ c[co + 1]! ^ c[co + 2]!;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ s[so]! ^ s[so + 1]! ^ s[so + 2]!;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.tableMask;
  }

  private tableInsert(c: number): void {
    const b = c * 4;
    let i = this.hashOf(this.cAddr, b, this.sAddr, b, this.cPort[c]!, this.sPort[c]!);
    this.home[c] = i;
    while (this.table[i]! >= 0) i = (i + 1) & this.tableMask;
    this.table[i] = c;
  }

  /** Removes `c` from the table by backward-shift deletion (no tombstones). */
  private tableRemove(c: number): void {
    const table = this.table, mask = this.tableMask;
    let i = this.home[c]!;
    while (table[i] !== c) {
      if (table[i]! < 0) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const d = table[j]!;
      if (d < 0) break;
      const k = this.home[d]!;
      // Entry d may move to the hole at i unless its home lies cyclically in (i, j].
      const inRange = i <= j ? (k > i && k <= j) : (k > i || k <= j);
      if (inRange) continue;
      table[i] = d;
      i = j;
    }
    table[i] = -1;
  }

  // ---- opening ------------------------------------------------------------------------------

  /**
   * Opens a connection for a bare SYN (RFC 9293 §3.10.7.2, LISTEN state) and answers it with a
   * SYN-ACK carrying our MSS and, when the SYN offered them, window scale (RFC 7323 §2),
   * SACK-permitted (RFC 2018) and timestamps (RFC 7323 §3). A connection of the same 4-tuple
   * in TIME_WAIT or SYN_RECEIVED is replaced. When the table is full the oldest TIME_WAIT, then
   * the oldest SYN_RECEIVED connection is evicted. Returns the connection, or -1 (not a bare
   * SYN, or no room).
   */
  open(meta: PacketMeta, nowMs: number): number {
    this.counters[TCP_CTR_SEGMENTS_IN]!++;
    if ((meta.tcpFlags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) !== TCP_FLAG_SYN) {
      this.counters[TCP_CTR_BAD_SEGMENTS]!++;
      return -1;
    }
    const old = this.activeCount > 0 ? this.find(meta) : -1;
    if (old >= 0) {
      const s = this.st[old]!;
      if (s === TCP_STATE_SYN_RECEIVED && (meta.seq >>> 0) === this.irs[old]) {
        this.sendSynAck(old, nowMs);
        this.counters[TCP_CTR_SYNACK_RETRANSMITS]!++;
        return old;
      }
      if (s !== TCP_STATE_TIME_WAIT && s !== TCP_STATE_SYN_RECEIVED) {
        this.counters[TCP_CTR_BAD_SEGMENTS]!++;
        return -1;
      }
      if (s === TCP_STATE_TIME_WAIT) this.counters[TCP_CTR_TIME_WAIT_REOPENED]!++;
      this.release(old, nowMs);
    }
    if (this.freeTop === 0 && !this.evict(nowMs)) {
      this.counters[TCP_CTR_OPEN_REFUSED]!++;
      return -1;
    }
    const c = this.free[--this.freeTop]!;
    this.activePos[c] = this.activeCount;
    this.active[this.activeCount++] = c;

    const v6 = meta.ipVersion === 6;
    this.v6[c] = v6 ? 1 : 0;
    const b = c * 4;
    for (let w = 0; w < 4; w++) {
      this.cAddr[b + w] = meta.srcAddr[w]!;
      this.sAddr[b + w] = meta.dstAddr[w]!;
    }
    this.cPort[c] = meta.srcPort;
    this.sPort[c] = meta.dstPort;
    this.tableInsert(c);
    this.tagOf[c] = 0;

    let flags = 0;
    const ourMss = v6 ? this.mssV4 - 20 : this.mssV4;
    let peerMss = meta.tcpMss > 0 ? meta.tcpMss : (v6 ? TCP_DEFAULT_PEER_MSS_V6 : TCP_DEFAULT_PEER_MSS_V4);
    if (peerMss > ourMss) peerMss = ourMss;
    if (meta.tcpHasTimestamp) {
      flags |= F_TS;
      peerMss -= TS_OPTION_SPACE;
    }
    if (meta.tcpSackPermitted) flags |= F_SACK;
    let rcvShift = 0;
    if (meta.tcpWindowScale >= 0) {
      flags |= F_WSCALE;
      // RFC 7323 §2.3: a shift above 14 is used as 14.
      this.sndWscale[c] = meta.tcpWindowScale > 14 ? 14 : meta.tcpWindowScale;
      while ((this.recvBytes >>> rcvShift) > 0xffff && rcvShift < 14) rcvShift++;
    } else {
      this.sndWscale[c] = 0;
    }
    this.rcvWscale[c] = rcvShift;
    let wnd = this.recvBytes;
    const cap = 0xffff * (1 << rcvShift);
    if (wnd > cap) wnd = cap;
    this.rcvWnd[c] = wnd - (wnd % (1 << rcvShift));
    this.sndMss[c] = peerMss < 1 ? 1 : peerMss;
    this.fl[c] = flags;

    const isn = this.rng() >>> 0;
    this.iss[c] = isn;
    this.sndUna[c] = isn;
    this.sndNxt[c] = isn + 1;
    this.sndMax[c] = isn + 1;
    this.sndWnd[c] = meta.window; // RFC 7323 §2.2: the window of a SYN is never scaled
    this.maxSndWnd[c] = meta.window;
    this.sndWl1[c] = meta.seq;
    this.sndWl2[c] = isn;
    this.cwnd[c] = 10 * this.sndMss[c]!; // RFC 6928 initial window
    this.ssthresh[c] = 0x3fffffff;
    this.bufHead[c] = 0;
    this.bufLen[c] = 0;
    this.discard[c] = 0;
    this.irs[c] = meta.seq;
    this.rcvNxt[c] = meta.seq + 1;
    this.rcvHead[c] = 0;
    this.oooCount[c] = 0;
    this.tsRecent[c] = meta.tcpHasTimestamp ? meta.tcpTsVal : 0;
    this.tsOffset[c] = (flags & F_TS) !== 0 ? this.rng() >>> 0 : 0;
    this.lastAckSent[c] = meta.seq + 1;
    this.rtoMs[c] = this.initialRtoMs;
    this.srttMs[c] = -1; // no sample yet
    this.rttvarMs[c] = 0;
    this.retries[c] = 0;
    this.dupAcks[c] = 0;
    this.probeShift[c] = 0;
    this.st[c] = TCP_STATE_SYN_RECEIVED;
    this.counters[TCP_CTR_PASSIVE_OPENS]!++;

    this.sendSynAck(c, nowMs);
    this.fl[c]! |= F_TIMING;
    this.rttSeq[c] = isn;
    this.rttStartMs[c] = nowMs;
    this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_RTX);
    this.armState(c, nowMs + this.synReceivedTimeoutMs);
    return c;
  }

  /** Frees a slot under table pressure: the oldest TIME_WAIT, else the oldest SYN_RECEIVED. */
  private evict(nowMs: number): boolean {
    let best = -1;
    let bestAt = Infinity;
    for (let pass = 0; pass < 2 && best < 0; pass++) {
      const want = pass === 0 ? TCP_STATE_TIME_WAIT : TCP_STATE_SYN_RECEIVED;
      for (let i = 0; i < this.activeCount; i++) {
        const c = this.active[i]!;
        if (this.st[c] === want && (best < 0 || this.stateAt[c]! < bestAt)) {
          best = c;
          bestAt = this.stateAt[c]!;
        }
      }
    }
    if (best < 0) return false;
    this.counters[TCP_CTR_EVICTIONS]!++;
    this.release(best, nowMs);
    return true;
  }

  // ---- input ----------------------------------------------------------------------------------

  /**
   * Processes a segment of connection `conn` (one {@link lookup} found), following RFC 9293
   * §3.10.7.4 with the RFC 5961 checks and RFC 7323 PAWS. Never throws on segment content.
   */
  input(conn: number, meta: PacketMeta, nowMs: number): void {
    const cnt = this.counters;
    cnt[TCP_CTR_SEGMENTS_IN]!++;
    if (conn < 0 || conn >= this.max || this.st[conn] === TCP_STATE_CLOSED) {
      cnt[TCP_CTR_BAD_SEGMENTS]!++;
      return;
    }
    const c = conn;
    const g = this.gen[c]!;
    const flags = meta.tcpFlags;
    const seq = meta.seq >>> 0;
    const ack = meta.ack >>> 0;
    const payLen = meta.payloadLength > 0 ? meta.payloadLength : 0;
    let state = this.st[c]!;

    if ((flags & TCP_FLAG_SYN) !== 0 && (flags & (TCP_FLAG_ACK | TCP_FLAG_RST)) === 0) {
      if (state === TCP_STATE_SYN_RECEIVED && seq === this.irs[c]) {
        // A retransmitted SYN: our SYN-ACK was lost (RFC 9293 §3.10.7.4, SYN-RECEIVED).
        cnt[TCP_CTR_SYNACK_RETRANSMITS]!++;
        this.sendSynAck(c, nowMs);
        return;
      }
      if (this.replacedBySyn(c, meta)) {
        this.open(meta, nowMs);
        cnt[TCP_CTR_SEGMENTS_IN]!--;
        return;
      }
    }

    const hasTs = (this.fl[c]! & F_TS) !== 0 && this.readTimestamp(meta);

    // First: sequence number acceptability (RFC 9293 §3.10.7.4, four cases; RCV.WND > 0 always).
    const segLen = payLen + ((flags & TCP_FLAG_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FLAG_FIN) !== 0 ? 1 : 0);
    const wnd = this.rcvWnd[c]!;
    const rel = (seq - this.rcvNxt[c]!) | 0;
    let ok = rel >= 0 && rel < wnd;
    if (!ok && segLen > 0) {
      const relEnd = rel + segLen - 1;
      ok = relEnd >= 0 && relEnd < wnd;
    }
    if (!ok) {
      cnt[TCP_CTR_OUT_OF_WINDOW]!++;
      if ((flags & TCP_FLAG_RST) !== 0) cnt[TCP_CTR_RST_IGNORED]!++;
      else this.sendAck(c, nowMs);
      return;
    }
    this.lastInputMs[c] = nowMs;
    // PAWS (RFC 7323 §5.3): an older timestamp marks an old duplicate.
    if (hasTs && (flags & TCP_FLAG_RST) === 0 && seqLt(this.segTsVal, this.tsRecent[c]!)) {
      cnt[TCP_CTR_PAWS_REJECTED]!++;
      this.sendAck(c, nowMs);
      return;
    }
    // RFC 7323 §4.3: remember the timestamp of the segment that ACKs will echo.
    if (hasTs && seqLe(seq, this.lastAckSent[c]!) && !seqLt(this.segTsVal, this.tsRecent[c]!)) {
      this.tsRecent[c] = this.segTsVal;
    }

    // Second: RST. RFC 5961 §3.2: only an exact match resets; in-window gets a challenge ACK.
    if ((flags & TCP_FLAG_RST) !== 0) {
      if (state === TCP_STATE_TIME_WAIT) {
        // RFC 1337 §3: a reset must not cut TIME_WAIT short.
        cnt[TCP_CTR_RST_IGNORED]!++;
        return;
      }
      if (seq === this.rcvNxt[c]) {
        cnt[TCP_CTR_RST_IN]!++;
        if ((this.fl[c]! & F_ESTABLISHED) !== 0 && state !== TCP_STATE_SYN_RECEIVED) this.app.reset(c, nowMs);
        if (this.gen[c] === g) this.release(c, nowMs);
      } else {
        cnt[TCP_CTR_RST_IGNORED]!++;
        this.challengeAck(c, nowMs);
      }
      return;
    }
    // Fourth: a SYN in a synchronized state (RFC 5961 §4.2): challenge ACK, drop.
    if ((flags & TCP_FLAG_SYN) !== 0) {
      this.challengeAck(c, nowMs);
      return;
    }
    // Fifth: ACK.
    if ((flags & TCP_FLAG_ACK) === 0) {
      cnt[TCP_CTR_BAD_SEGMENTS]!++;
      return;
    }
    if (state === TCP_STATE_SYN_RECEIVED) {
      if (this.replay && (this.fl[c]! & F_REBASED) === 0) {
        this.rebase(c, ack);
      } else if (!(seqLt(this.sndUna[c]!, ack) && seqLe(ack, this.sndMax[c]!))) {
        // An unacceptable ACK in SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST>, stay.
        cnt[TCP_CTR_BAD_SEGMENTS]!++;
        this.sendRstFor(meta);
        return;
      }
      if (!this.establish(c, meta, ack, nowMs)) return;
      state = this.st[c]!;
    } else if (!this.processAck(c, meta, seq, ack, payLen, nowMs)) {
      return;
    }
    if (this.gen[c] !== g) return;
    state = this.st[c]!;
    if (state === TCP_STATE_CLOSED) return;

    // Seventh: segment text (ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2; ignored after the peer's FIN).
    let finUsable = (flags & TCP_FLAG_FIN) !== 0;
    if (state === TCP_STATE_ESTABLISHED || state === TCP_STATE_FIN_WAIT_1 || state === TCP_STATE_FIN_WAIT_2) {
      if (payLen > 0) {
        const r = this.receiveText(c, meta, seq, payLen, nowMs);
        if (this.gen[c] !== g) return;
        if (r) finUsable = false;
      }
      // Eighth: FIN.
      if (finUsable) {
        const finSeq = (seq + payLen) >>> 0;
        if (finSeq === this.rcvNxt[c]) {
          this.peerFinReceived(c, nowMs);
          if (this.gen[c] !== g) return;
        } else if (seqGt(finSeq, this.rcvNxt[c]!)) {
          this.fl[c]! |= F_PEER_FIN_PENDING;
          this.peerFinSeq[c] = finSeq;
          this.fl[c]! |= F_ACK_NOW;
        }
      }
    } else if (finUsable || payLen > 0) {
      // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: a retransmitted FIN (or data after it) gets an ACK;
      // in TIME-WAIT it restarts the 2 MSL timeout.
      if (state === TCP_STATE_TIME_WAIT) this.armState(c, nowMs + this.timeWaitMs);
      this.fl[c]! |= F_ACK_NOW;
    }

    this.output(c, nowMs);
    if (this.gen[c] === g && (this.fl[c]! & F_ACK_NOW) !== 0) this.sendAck(c, nowMs);
  }

  /** Replay mode: the client's first ACK acknowledges our ISN + 1, whatever the SYN-ACK carried. */
  private rebase(c: number, ack: number): void {
    const isn = (ack - 1) >>> 0;
    this.iss[c] = isn;
    this.sndUna[c] = isn;
    this.sndNxt[c] = ack;
    this.sndMax[c] = ack;
    this.rttSeq[c] = isn;
    this.fl[c]! |= F_REBASED;
    this.counters[TCP_CTR_REPLAY_REBASES]!++;
  }

  /** SYN-RECEIVED → ESTABLISHED on an acceptable ACK; tells the app. Returns false if the connection went away. */
  private establish(c: number, meta: PacketMeta, ack: number, nowMs: number): boolean {
    const g = this.gen[c]!;
    this.sndUna[c] = ack;
    if (seqLt(this.sndNxt[c]!, ack)) this.sndNxt[c] = ack;
    if (seqLt(this.sndMax[c]!, ack)) this.sndMax[c] = ack;
    const wnd = meta.window * (1 << this.sndWscale[c]!);
    this.sndWnd[c] = wnd;
    this.maxSndWnd[c] = wnd;
    this.sndWl1[c] = meta.seq;
    this.sndWl2[c] = ack;
    if ((this.fl[c]! & F_TIMING) !== 0 && this.retries[c] === 0) this.sampleRtt(c, nowMs - this.rttStartMs[c]!);
    this.fl[c]! = (this.fl[c]! & ~F_TIMING) | F_ESTABLISHED;
    this.retries[c] = 0;
    this.disarmRtx(c);
    this.armState(c, nowMs + this.idleTimeoutMs);
    const shutting = (this.fl[c]! & F_FIN_QUEUED) !== 0;
    this.st[c] = shutting ? TCP_STATE_FIN_WAIT_1 : TCP_STATE_ESTABLISHED;
    this.counters[TCP_CTR_ESTABLISHED]!++;
    this.app.accepted(c, nowMs);
    return this.gen[c] === g;
  }

  /**
   * The fifth check for synchronized states (RFC 9293 §3.10.7.4): advances SND.UNA, updates the
   * send window, detects duplicate ACKs, moves the close states on when our FIN is acknowledged.
   * Returns false when the segment is to be dropped or the connection went away.
   */
  private processAck(c: number, meta: PacketMeta, seq: number, ack: number, payLen: number, nowMs: number): boolean {
    const g = this.gen[c]!;
    const una = this.sndUna[c]!;
    if (seqGt(ack, this.sndMax[c]!)) {
      if (!this.replay) {
        // Acknowledges something not yet sent: ACK and drop.
        this.counters[TCP_CTR_ACK_TOO_NEW]!++;
        this.sendAck(c, nowMs);
        return false;
      }
      this.counters[TCP_CTR_REPLAY_ACK_AHEAD]!++;
    }
    const wnd = meta.window * (1 << this.sndWscale[c]!);
    if (seqLt(ack, una)) return true; // an old duplicate ACK: ignore it, keep the text
    if (ack === una) {
      // A peer answering our window probes is alive (RFC 9293 §3.8.6.1): keep probing.
      if (this.rtxKind[c] === TIMER_PERSIST) this.retries[c] = 0;
      const outstanding = this.sndNxt[c] !== una;
      if (outstanding && payLen === 0 && (meta.tcpFlags & TCP_FLAG_FIN) === 0 && wnd === this.sndWnd[c] && wnd !== 0) {
        this.counters[TCP_CTR_DUP_ACKS]!++;
        if (++this.dupAcks[c]! === 3) this.fastRetransmit(c, nowMs);
      }
    } else {
      this.acknowledge(c, ack, nowMs);
      if (this.gen[c] !== g) return false;
    }
    // Window update (RFC 9293 §3.10.7.4): only from a segment at least as new as the last one used.
    if (seqLt(this.sndWl1[c]!, seq) || (this.sndWl1[c] === seq && seqLe(this.sndWl2[c]!, ack))) {
      this.sndWnd[c] = wnd;
      if (wnd > this.maxSndWnd[c]!) this.maxSndWnd[c] = wnd;
      this.sndWl1[c] = seq;
      this.sndWl2[c] = ack;
    }
    return this.afterAck(c, nowMs);
  }

  /** SND.UNA advances to `ack` (which may lie beyond SND.MAX in replay mode). */
  private acknowledge(c: number, ack: number, nowMs: number): void {
    let adv = (ack - this.sndUna[c]!) >>> 0;
    const len = this.bufLen[c]!;
    const data = adv < len ? adv : len;
    adv -= data;
    if (data > 0) {
      this.bufHead[c] = len === data ? 0 : this.bufHead[c]! + data;
      this.bufLen[c] = len - data;
    }
    let una = (this.sndUna[c]! + data) >>> 0;
    let fl = this.fl[c]!;
    if (adv > 0 && (fl & (F_FIN_QUEUED | F_FIN_ACKED)) === F_FIN_QUEUED) {
      fl |= F_FIN_ACKED;
      adv--;
      una = (una + 1) >>> 0;
    }
    if (adv > 0 && (fl & F_FIN_QUEUED) === 0) {
      // Replay: the client acknowledged bytes the application has not produced yet; they count as
      // delivered and are dropped when they come.
      this.discard[c] = this.discard[c]! + adv;
      una = (una + adv) >>> 0;
    }
    this.sndUna[c] = una;
    if (seqLt(this.sndNxt[c]!, una)) this.sndNxt[c] = una;
    if (seqLt(this.sndMax[c]!, una)) this.sndMax[c] = una;
    // Karn's algorithm (RFC 6298 §3): only a segment never retransmitted gives an RTT sample.
    if ((fl & F_TIMING) !== 0 && seqGt(una, this.rttSeq[c]!)) {
      fl &= ~F_TIMING;
      this.sampleRtt(c, nowMs - this.rttStartMs[c]!);
    }
    // Congestion window (RFC 5681 §3.1): slow start, then congestion avoidance.
    const mss = this.sndMss[c]!;
    const cw = this.cwnd[c]!;
    if (cw < this.ssthresh[c]!) this.cwnd[c] = cw + (data < mss ? data : mss);
    else this.cwnd[c] = cw + Math.max(1, Math.floor((mss * mss) / cw));
    if (this.cwnd[c]! > 0x3fffffff) this.cwnd[c] = 0x3fffffff;
    this.fl[c] = fl;
    this.retries[c] = 0;
    this.dupAcks[c] = 0;
    // RFC 6298 §5.2/§5.3: stop the timer when all is acknowledged, else restart it.
    if (this.sndMax[c] === una) this.disarmRtx(c);
    else this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_RTX);
    if ((fl & F_WANT_WRITABLE) !== 0 && this.bufLen[c]! < this.sendBytes) {
      this.fl[c]! &= ~F_WANT_WRITABLE;
      this.app.writable(c, nowMs);
    }
  }

  /** State changes once our FIN is acknowledged. Returns false if the connection was released. */
  private afterAck(c: number, nowMs: number): boolean {
    if ((this.fl[c]! & F_FIN_ACKED) === 0) return true;
    switch (this.st[c]) {
      case TCP_STATE_FIN_WAIT_1:
        this.st[c] = TCP_STATE_FIN_WAIT_2;
        this.armState(c, nowMs + this.finWait2TimeoutMs);
        return true;
      case TCP_STATE_CLOSING:
        this.enterTimeWait(c, nowMs);
        return true;
      case TCP_STATE_LAST_ACK:
        this.release(c, nowMs);
        return false;
      default:
        return true;
    }
  }

  private enterTimeWait(c: number, nowMs: number): void {
    this.st[c] = TCP_STATE_TIME_WAIT;
    this.disarmRtx(c);
    this.armState(c, nowMs + this.timeWaitMs);
  }

  /**
   * Accepts segment text: in-order bytes go straight to the app (then whatever the reassembly
   * buffer can add), bytes ahead of RCV.NXT are queued. Returns true when the segment's tail
   * was trimmed to the window (its FIN, if any, is then not usable).
   */
  private receiveText(c: number, meta: PacketMeta, seq: number, payLen: number, nowMs: number): boolean {
    const rel = (seq - this.rcvNxt[c]!) | 0;
    const skip = rel < 0 ? -rel : 0;
    const start = rel < 0 ? 0 : rel;
    const room = this.rcvWnd[c]! - start;
    let n = payLen - skip;
    let trimmed = false;
    if (n > room) {
      n = room;
      trimmed = true;
    }
    this.fl[c]! |= F_ACK_NOW;
    if (skip > 0) this.counters[TCP_CTR_DUPLICATE_DATA]!++;
    if (n <= 0) return trimmed;
    if (rel > 0) {
      this.storeOutOfOrder(c, meta, rel, n);
      return trimmed;
    }
    const g = this.gen[c]!;
    this.rcvNxt[c] = this.rcvNxt[c]! + n;
    this.rcvHead[c] = (this.rcvHead[c]! + n) % this.recvBytes;
    this.counters[TCP_CTR_BYTES_IN]! += n;
    // Payload bytes missing from a snapped capture are delivered as zeros.
    let p = skip;
    const end = skip + n;
    const capEnd = end < meta.payloadCaptured ? end : meta.payloadCaptured;
    if (p < capEnd) {
      this.app.data(c, meta.buf, meta.payloadOffset + p, capEnd - p, nowMs);
      if (this.gen[c] !== g) return trimmed;
      p = capEnd;
    }
    while (p < end) {
      const k = end - p < this.zeros.length ? end - p : this.zeros.length;
      this.app.data(c, this.zeros, 0, k, nowMs);
      if (this.gen[c] !== g) return trimmed;
      p += k;
    }
    if (this.oooCount[c]! > 0) this.drainReassembly(c, nowMs);
    return trimmed;
  }

  /** Queues `n` bytes of the segment, starting `rel` bytes after RCV.NXT, in the reassembly ring. */
  private storeOutOfOrder(c: number, meta: PacketMeta, rel: number, n: number): void {
    const base = c * TCP_OOO_RANGES;
    const count = this.oooCount[c]!;
    const nxt = this.rcvNxt[c]!;
    const ss = this.scratchStart, se = this.scratchEnd;
    let ns = rel, ne = rel + n;
    let out = 0;
    let placed = false;
    for (let i = 0; i < count; i++) {
      const is = (this.oooStart[base + i]! - nxt) >>> 0;
      const ie = (this.oooEnd[base + i]! - nxt) >>> 0;
      if (ie < ns) {
        ss[out] = is; se[out] = ie; out++;
      } else if (is > ne) {
        if (!placed) { ss[out] = ns; se[out] = ne; out++; placed = true; }
        ss[out] = is; se[out] = ie; out++;
      } else {
        if (is < ns) ns = is;
        if (ie > ne) ne = ie;
      }
    }
    if (!placed) { ss[out] = ns; se[out] = ne; out++; }
    if (out > TCP_OOO_RANGES) {
      this.counters[TCP_CTR_OOO_DROPPED]!++;
      return;
    }
    this.counters[TCP_CTR_OUT_OF_ORDER]!++;
    let ring = this.rcvBuf[c]!;
    if (ring === null) {
      // First out-of-order segment this slot has ever seen: its reassembly ring, kept for the slot's life.
      ring = new Uint8Array(this.recvBytes);
      this.rcvBuf[c] = ring;
    }
    const size = this.recvBytes;
    let pos = (this.rcvHead[c]! + rel) % size;
    const src = meta.buf;
    const srcOff = meta.payloadOffset;
    const captured = meta.payloadCaptured;
    // The segment starts `rel` bytes after RCV.NXT: its byte k lands at ring position pos.
    for (let k = 0; k < n; k++) {
      ring[pos] = k < captured ? src[srcOff + k]! : 0;
      if (++pos === size) pos = 0;
    }
    for (let k = 0; k < out; k++) {
      this.oooStart[base + k] = nxt + ss[k]!;
      this.oooEnd[base + k] = nxt + se[k]!;
    }
    this.oooCount[c] = out;
  }

  /** Delivers reassembled bytes that now continue the in-order stream. */
  private drainReassembly(c: number, nowMs: number): void {
    const g = this.gen[c]!;
    const base = c * TCP_OOO_RANGES;
    const ring = this.rcvBuf[c]!;
    const size = this.recvBytes;
    while (this.oooCount[c]! > 0 && seqLe(this.oooStart[base]!, this.rcvNxt[c]!)) {
      const end = this.oooEnd[base]!;
      const n = (end - this.rcvNxt[c]!) | 0;
      const count = this.oooCount[c]!;
      for (let k = 1; k < count; k++) {
        this.oooStart[base + k - 1] = this.oooStart[base + k]!;
        this.oooEnd[base + k - 1] = this.oooEnd[base + k]!;
      }
      this.oooCount[c] = count - 1;
      if (n <= 0) continue;
      const head = this.rcvHead[c]!;
      this.rcvNxt[c] = end;
      this.rcvHead[c] = (head + n) % size;
      this.counters[TCP_CTR_BYTES_IN]! += n;
      const first = size - head < n ? size - head : n;
      this.app.data(c, ring, head, first, nowMs);
      if (this.gen[c] !== g) return;
      if (first < n) {
        this.app.data(c, ring, 0, n - first, nowMs);
        if (this.gen[c] !== g) return;
      }
    }
    if ((this.fl[c]! & F_PEER_FIN_PENDING) !== 0 && this.peerFinSeq[c] === this.rcvNxt[c]) {
      this.peerFinReceived(c, nowMs);
    }
  }

  /** The peer's FIN, in order (RFC 9293 §3.10.7.4 eighth step). */
  private peerFinReceived(c: number, nowMs: number): void {
    this.fl[c] = (this.fl[c]! & ~F_PEER_FIN_PENDING) | F_ACK_NOW;
    this.rcvNxt[c] = this.rcvNxt[c]! + 1;
    this.oooCount[c] = 0;
    switch (this.st[c]) {
      case TCP_STATE_SYN_RECEIVED:
      case TCP_STATE_ESTABLISHED:
        this.st[c] = TCP_STATE_CLOSE_WAIT;
        break;
      case TCP_STATE_FIN_WAIT_1:
        if ((this.fl[c]! & F_FIN_ACKED) !== 0) this.enterTimeWait(c, nowMs);
        else this.st[c] = TCP_STATE_CLOSING;
        break;
      case TCP_STATE_FIN_WAIT_2:
        this.enterTimeWait(c, nowMs);
        break;
      default:
        break;
    }
    this.app.peerFin(c, nowMs);
  }

  // ---- refusing -------------------------------------------------------------------------------

  /**
   * Answers a segment that belongs to no connection with a reset (RFC 9293 §3.10.7.1): with ACK
   * set, `<SEQ=SEG.ACK><CTL=RST>`; without, `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`. A
   * reset is never answered.
   */
  refuse(meta: PacketMeta, nowMs: number): void {
    this.counters[TCP_CTR_SEGMENTS_IN]!++;
    if ((meta.tcpFlags & TCP_FLAG_RST) !== 0) return;
    this.sendRstFor(meta);
  }

  private sendRstFor(meta: PacketMeta): void {
    const flags = meta.tcpFlags;
    const spec = this.spec;
    spec.clearOptions();
    spec.setReplyTo(meta);
    if ((flags & TCP_FLAG_ACK) !== 0) {
      spec.seq = meta.ack >>> 0;
      spec.ack = 0;
      spec.flags = TCP_FLAG_RST;
    } else {
      const len = (meta.payloadLength > 0 ? meta.payloadLength : 0)
        + ((flags & TCP_FLAG_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FLAG_FIN) !== 0 ? 1 : 0);
      spec.seq = 0;
      spec.ack = (meta.seq + len) >>> 0;
      spec.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
    }
    spec.window = 0;
    this.emit();
    this.counters[TCP_CTR_RST_OUT]!++;
  }

  // ---- application side -----------------------------------------------------------------------

  /**
   * Queues application bytes for sending and sends what the windows allow. Returns how many
   * bytes were accepted (0 after shutdown or when the connection is not open for sending); when
   * fewer than offered, {@link EndpointApp.writable} follows once space frees up.
   */
  send(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): number {
    if (conn < 0 || conn >= this.max || len <= 0) return 0;
    const s = this.st[conn]!;
    if (s !== TCP_STATE_SYN_RECEIVED && s !== TCP_STATE_ESTABLISHED && s !== TCP_STATE_CLOSE_WAIT) return 0;
    if ((this.fl[conn]! & F_FIN_QUEUED) !== 0) return 0;
    const c = conn;
    let accepted = 0;
    const d = this.discard[c]!;
    if (d > 0) {
      // Replay: the client already acknowledged these bytes.
      accepted = d < len ? d : len;
      this.discard[c] = d - accepted;
      off += accepted;
      len -= accepted;
      if (len === 0) return accepted;
    }
    let buffer = this.sndBuf[c]!;
    if (buffer === null) {
      // First send on this slot: its buffer, kept for every later connection in the slot.
      buffer = new Uint8Array(this.sendBytes);
      this.sndBuf[c] = buffer;
    }
    // Unacknowledged bytes stay contiguous at [head, head + used) so that a segment's payload is
    // one range; they move to the front when the tail has no room.
    const size = this.sendBytes;
    const used = this.bufLen[c]!;
    const space = size - used;
    const n = len < space ? len : space;
    let head = this.bufHead[c]!;
    if (head + used + n > size) {
      buffer.copyWithin(0, head, head + used);
      head = 0;
      this.bufHead[c] = 0;
    }
    const at = head + used;
    for (let k = 0; k < n; k++) buffer[at + k] = buf[off + k]!;
    this.bufLen[c] = used + n;
    if (n < len) this.fl[c]! |= F_WANT_WRITABLE;
    if (n > 0) this.output(c, nowMs);
    return accepted + n;
  }

  /**
   * Closes our side: a FIN follows the queued data (RFC 9293 §3.10.4). ESTABLISHED → FIN_WAIT_1
   * (`closedByUs`), CLOSE_WAIT → LAST_ACK; in SYN_RECEIVED the FIN waits for the handshake.
   */
  shutdown(conn: number, nowMs: number): void {
    if (conn < 0 || conn >= this.max) return;
    const c = conn;
    const s = this.st[c]!;
    if ((this.fl[c]! & F_FIN_QUEUED) !== 0) return;
    if (s === TCP_STATE_SYN_RECEIVED || s === TCP_STATE_ESTABLISHED) {
      this.fl[c]! |= F_FIN_QUEUED | F_CLOSED_BY_US;
      if (s === TCP_STATE_SYN_RECEIVED) return;
      this.st[c] = TCP_STATE_FIN_WAIT_1;
    } else if (s === TCP_STATE_CLOSE_WAIT) {
      this.fl[c]! |= F_FIN_QUEUED;
      this.st[c] = TCP_STATE_LAST_ACK;
    } else {
      return;
    }
    const d = this.discard[c]!;
    if (d > 0) {
      // Replay: the client acknowledged past the end of our data, so past our FIN too.
      this.discard[c] = 0;
      this.fl[c]! |= F_FIN_ACKED;
      this.writeConnSegment(c, (this.sndUna[c]! - d) >>> 0, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, nowMs);
      this.afterAck(c, nowMs);
      return;
    }
    this.output(c, nowMs);
  }

  /**
   * Aborts the connection (RFC 9293 §3.10.5): sends a reset unless the connection is already
   * closing down, and releases the slot. The app is not told `reset` (it asked for this).
   */
  abort(conn: number, nowMs: number): void {
    if (conn < 0 || conn >= this.max) return;
    const s = this.st[conn]!;
    if (s === TCP_STATE_CLOSED) return;
    if (s !== TCP_STATE_CLOSING && s !== TCP_STATE_LAST_ACK && s !== TCP_STATE_TIME_WAIT) this.sendRst(conn, nowMs);
    this.release(conn, nowMs);
  }

  // ---- sending --------------------------------------------------------------------------------

  /**
   * Sends what the peer's window, the congestion window and sender-side silly window avoidance
   * (RFC 9293 §3.8.6.2.1) allow, then the FIN once all data is out; arms the retransmission or
   * persist timer.
   */
  private output(c: number, nowMs: number): void {
    const s = this.st[c]!;
    if (s !== TCP_STATE_ESTABLISHED && s !== TCP_STATE_CLOSE_WAIT && s !== TCP_STATE_FIN_WAIT_1
      && s !== TCP_STATE_CLOSING && s !== TCP_STATE_LAST_ACK) return;
    const mss = this.sndMss[c]!;
    for (;;) {
      const una = this.sndUna[c]!;
      const nxt = this.sndNxt[c]!;
      const inFlight = (nxt - una) >>> 0;
      const len = this.bufLen[c]!;
      const fl = this.fl[c]!;
      if (inFlight < len) {
        const unsent = len - inFlight;
        const wnd = this.sndWnd[c]!;
        const cw = this.cwnd[c]!;
        const limit = (wnd < cw ? wnd : cw) - inFlight;
        if (limit <= 0) break;
        const want = unsent < mss ? unsent : mss;
        const n = limit < want ? limit : want;
        if (n < want && inFlight > 0 && n < (this.maxSndWnd[c]! >>> 1)) break;
        const fin = (fl & F_FIN_QUEUED) !== 0 && n === unsent;
        const flags = TCP_FLAG_ACK | (n === unsent ? TCP_FLAG_PSH : 0) | (fin ? TCP_FLAG_FIN : 0);
        const fresh = nxt === this.sndMax[c];
        if (fresh && (fl & F_TIMING) === 0) {
          this.fl[c]! |= F_TIMING;
          this.rttSeq[c] = nxt;
          this.rttStartMs[c] = nowMs;
        }
        this.writeConnSegment(c, nxt, flags, n, nowMs);
        this.probeShift[c] = 0;
        const newNxt = (nxt + n + (fin ? 1 : 0)) >>> 0;
        this.sndNxt[c] = newNxt;
        if (seqGt(newNxt, this.sndMax[c]!)) {
          this.counters[TCP_CTR_BYTES_OUT]! += (newNxt - this.sndMax[c]!) >>> 0;
          this.sndMax[c] = newNxt;
        }
        if (this.rtxKind[c] !== TIMER_RTX || this.rtxAt[c] === Infinity) this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_RTX);
        continue;
      }
      if (inFlight === len && (fl & (F_FIN_QUEUED | F_FIN_ACKED)) === F_FIN_QUEUED) {
        // All data is out: the FIN (RFC 9293 §3.10.4), first time or after going back.
        this.writeConnSegment(c, nxt, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, nowMs);
        const newNxt = (nxt + 1) >>> 0;
        this.sndNxt[c] = newNxt;
        if (seqGt(newNxt, this.sndMax[c]!)) this.sndMax[c] = newNxt;
        if (this.rtxKind[c] !== TIMER_RTX || this.rtxAt[c] === Infinity) this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_RTX);
      }
      break;
    }
    // Zero window with data waiting and nothing in flight: probe it (RFC 9293 §3.8.6.1).
    if (this.rtxAt[c] === Infinity && this.bufLen[c]! > ((this.sndNxt[c]! - this.sndUna[c]!) >>> 0)) {
      this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_PERSIST);
    }
  }

  /** RFC 5681 §3.2: retransmits the first unacknowledged segment after three duplicate ACKs. */
  private fastRetransmit(c: number, nowMs: number): void {
    const mss = this.sndMss[c]!;
    const flight = (this.sndNxt[c]! - this.sndUna[c]!) >>> 0;
    const half = flight >>> 1;
    this.ssthresh[c] = half > 2 * mss ? half : 2 * mss;
    this.cwnd[c] = this.ssthresh[c]!;
    this.fl[c]! &= ~F_TIMING;
    this.counters[TCP_CTR_FAST_RETRANSMITS]!++;
    this.resendFirst(c, nowMs);
  }

  /** Sends the first unacknowledged segment (data, or the FIN) again, never past SND.MAX. */
  private resendFirst(c: number, nowMs: number): void {
    const una = this.sndUna[c]!;
    const sent = (this.sndMax[c]! - una) >>> 0;
    const len = this.bufLen[c]!;
    const mss = this.sndMss[c]!;
    let n = len < mss ? len : mss;
    if (n > sent) n = sent;
    const fin = (this.fl[c]! & (F_FIN_QUEUED | F_FIN_ACKED)) === F_FIN_QUEUED && n === len && sent > len;
    if (n === 0 && !fin) return;
    this.writeConnSegment(c, una, TCP_FLAG_ACK | (n > 0 ? TCP_FLAG_PSH : 0) | (fin ? TCP_FLAG_FIN : 0), n, nowMs);
  }

  private sendSynAck(c: number, nowMs: number): void {
    this.writeConnSegment(c, this.iss[c]!, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, nowMs);
  }

  private sendAck(c: number, nowMs: number): void {
    if (this.st[c] === TCP_STATE_SYN_RECEIVED) {
      this.sendSynAck(c, nowMs);
      return;
    }
    this.writeConnSegment(c, this.sndNxt[c]!, TCP_FLAG_ACK, 0, nowMs);
  }

  private challengeAck(c: number, nowMs: number): void {
    this.counters[TCP_CTR_CHALLENGE_ACKS]!++;
    this.sendAck(c, nowMs);
  }

  private sendRst(c: number, nowMs: number): void {
    const seq = this.st[c] === TCP_STATE_SYN_RECEIVED ? (this.iss[c]! + 1) >>> 0 : this.sndNxt[c]!;
    this.writeConnSegment(c, seq, TCP_FLAG_RST | TCP_FLAG_ACK, 0, nowMs);
    this.counters[TCP_CTR_RST_OUT]!++;
  }

  /**
   * Emits a segment of connection `c` with its options (SYN options on a SYN; timestamps and,
   * on a pure ACK, SACK blocks for what waits in reassembly otherwise; none on a RST) and
   * `dataLen` bytes of its send buffer starting at `seq`.
   */
  private writeConnSegment(c: number, seq: number, flags: number, dataLen: number, nowMs: number): void {
    const spec = this.spec;
    const b = c * 4;
    spec.clearOptions();
    if (this.v6[c] === 1) {
      spec.ipVersion = 6;
      for (let w = 0; w < 4; w++) {
        spec.srcAddr[w] = this.sAddr[b + w]!;
        spec.dstAddr[w] = this.cAddr[b + w]!;
      }
      spec.src4 = 0;
      spec.dst4 = 0;
    } else {
      spec.setAddresses4(this.sAddr[b + 3]!, this.cAddr[b + 3]!);
    }
    spec.srcPort = this.sPort[c]!;
    spec.dstPort = this.cPort[c]!;
    spec.seq = seq;
    spec.ack = (flags & TCP_FLAG_ACK) !== 0 ? this.rcvNxt[c]! : 0;
    spec.flags = flags;
    const syn = (flags & TCP_FLAG_SYN) !== 0;
    // RFC 7323 §2.2: the window of a SYN is never scaled.
    let wnd = syn ? this.rcvWnd[c]! : this.rcvWnd[c]! >>> this.rcvWscale[c]!;
    if (wnd > 0xffff) wnd = 0xffff;
    spec.window = (flags & TCP_FLAG_RST) !== 0 ? 0 : wnd;
    const fl = this.fl[c]!;
    if ((flags & TCP_FLAG_RST) === 0) {
      if ((fl & F_TS) !== 0) {
        spec.hasTimestamp = true;
        spec.tsVal = (Math.floor(nowMs) + this.tsOffset[c]!) >>> 0;
        spec.tsEcr = this.tsRecent[c]!;
      }
      if (syn) {
        spec.mss = this.v6[c] === 1 ? this.mssV4 - 20 : this.mssV4;
        spec.sackPermitted = (fl & F_SACK) !== 0;
        spec.windowScale = (fl & F_WSCALE) !== 0 ? this.rcvWscale[c]! : -1;
      } else if (dataLen === 0 && (fl & F_SACK) !== 0 && this.oooCount[c]! > 0) {
        // RFC 2018 §4: report the blocks waiting in reassembly.
        const base = c * TCP_OOO_RANGES;
        const k = this.oooCount[c]!;
        for (let i = 0; i < k; i++) {
          spec.sackBlocks[2 * i] = this.oooStart[base + i]!;
          spec.sackBlocks[2 * i + 1] = this.oooEnd[base + i]!;
        }
        spec.sackBlockCount = k;
      }
    }
    if (dataLen > 0) {
      spec.payloadBuf = this.sndBuf[c]!;
      spec.payloadOff = this.bufHead[c]! + ((seq - this.sndUna[c]!) >>> 0);
      spec.payloadLen = dataLen;
    }
    this.emit();
    this.lastAckSent[c] = this.rcvNxt[c]!;
    this.fl[c]! &= ~F_ACK_NOW;
  }

  /** Writes the segment in `spec` into the transmit queue (counted; lost if the queue is full). */
  private emit(): void {
    const spec = this.spec;
    spec.ttl = this.ttl;
    spec.ipId = this.ipId;
    this.ipId = (this.ipId + 1) & 0xffff;
    const tx = this.tx;
    const ipLen = spec.ipVersion === 6 ? IPV6_HEADER : IPV4_HEADER;
    const at = tx.reserve(ipLen + TCP_HEADER + TCP_MAX_OPTIONS + spec.payloadLen);
    const n = at < 0 ? 0 : writeTcpSegment(tx.buf, at, spec);
    if (n === 0) {
      this.counters[TCP_CTR_TX_OVERFLOWS]!++;
      return;
    }
    tx.commit(n);
    this.counters[TCP_CTR_SEGMENTS_OUT]!++;
  }

  /** Finds the timestamps option of a segment (RFC 7323 §3.2); its TSval goes to segTsVal. */
  private readTimestamp(meta: PacketMeta): boolean {
    const buf = meta.buf;
    let i = meta.l4Offset + TCP_HEADER;
    const end = meta.l4Offset + meta.tcpHeaderLength;
    if (end > buf.length) return false;
    while (i < end) {
      const kind = buf[i]!;
      if (kind === 0) return false;
      if (kind === 1) { i++; continue; }
      if (i + 1 >= end) return false;
      const len = buf[i + 1]!;
      if (len < 2 || i + len > end) return false;
      if (kind === 8 && len === 10) {
        this.segTsVal = readU32(buf, i + 2);
        return true;
      }
      i += len;
    }
    return false;
  }

  // ---- timers ---------------------------------------------------------------------------------

  private armRtx(c: number, atMs: number, kind: number): void {
    if (this.rtxAt[c] === this.earliestMs && atMs > this.earliestMs) this.deadlineDirty = true;
    this.rtxAt[c] = atMs;
    this.rtxKind[c] = kind;
    if (atMs < this.earliestMs) this.earliestMs = atMs;
  }

  private disarmRtx(c: number): void {
    if (this.rtxAt[c] === this.earliestMs) this.deadlineDirty = true;
    this.rtxAt[c] = Infinity;
    this.rtxKind[c] = 0;
  }

  private armState(c: number, atMs: number): void {
    if (this.stateAt[c] === this.earliestMs && atMs > this.earliestMs) this.deadlineDirty = true;
    this.stateAt[c] = atMs;
    if (atMs < this.earliestMs) this.earliestMs = atMs;
  }

  /** RFC 6298 §2.2-2.3: SRTT/RTTVAR from one measurement, then RTO clamped to [min, max]. */
  private sampleRtt(c: number, rttMs: number): void {
    const r = rttMs > 0 ? rttMs : 0;
    if (this.srttMs[c]! < 0) {
      this.srttMs[c] = r;
      this.rttvarMs[c] = r / 2;
    } else {
      const srtt = this.srttMs[c]!;
      this.rttvarMs[c] = 0.75 * this.rttvarMs[c]! + 0.25 * Math.abs(srtt - r);
      this.srttMs[c] = 0.875 * srtt + 0.125 * r;
    }
    let rto = this.srttMs[c]! + Math.max(1, 4 * this.rttvarMs[c]!);
    if (rto < this.minRtoMs) rto = this.minRtoMs;
    if (rto > this.maxRtoMs) rto = this.maxRtoMs;
    this.rtoMs[c] = rto;
  }

  /** Earliest time at which {@link poll} has work (Infinity if none). May be early, never late. */
  nextDeadline(): number {
    if (this.activeCount === 0) return Infinity;
    if (this.deadlineDirty) {
      let e = Infinity;
      for (let i = 0; i < this.activeCount; i++) {
        const c = this.active[i]!;
        const a = this.rtxAt[c]!, b = this.stateAt[c]!;
        if (a < e) e = a;
        if (b < e) e = b;
      }
      this.earliestMs = e;
      this.deadlineDirty = false;
    }
    return this.earliestMs;
  }

  /**
   * Runs the timed work due at `nowMs`: retransmissions with exponential backoff (RFC 6298
   * §5.4-5.7), zero-window probes, and the TIME_WAIT, FIN_WAIT_2 and SYN_RECEIVED timeouts.
   */
  poll(nowMs: number): void {
    if (nowMs < this.earliestMs) return;
    this.earliestMs = Infinity;
    this.deadlineDirty = false;
    // Downwards, so that a connection released here (its place taken by the last one, already
    // visited) does not make us skip any.
    for (let i = this.activeCount - 1; i >= 0; i--) {
      if (i >= this.activeCount) continue;
      const c = this.active[i]!;
      const g = this.gen[c]!;
      if (this.stateAt[c]! <= nowMs) {
        this.stateTimeout(c, nowMs);
        if (this.gen[c] !== g) continue;
      }
      if (this.rtxAt[c]! <= nowMs) {
        if (this.rtxKind[c] === TIMER_PERSIST) this.persistTimeout(c, nowMs);
        else this.rtxTimeout(c, nowMs);
        if (this.gen[c] !== g) continue;
      }
      const a = this.rtxAt[c]!, b = this.stateAt[c]!;
      if (a < this.earliestMs) this.earliestMs = a;
      if (b < this.earliestMs) this.earliestMs = b;
    }
  }

  private stateTimeout(c: number, nowMs: number): void {
    this.stateAt[c] = Infinity;
    switch (this.st[c]) {
      case TCP_STATE_TIME_WAIT:
        this.release(c, nowMs);
        return;
      case TCP_STATE_SYN_RECEIVED:
        // The handshake never completed: forget it quietly, as a listener does.
        this.release(c, nowMs);
        return;
      case TCP_STATE_FIN_WAIT_2:
        this.abortByEndpoint(c, nowMs);
        return;
      default: {
        // The idle timer of a synchronized connection, re-armed lazily from the last input.
        const due = this.lastInputMs[c]! + this.idleTimeoutMs;
        if (due > nowMs) {
          this.armState(c, due);
          return;
        }
        this.counters[TCP_CTR_IDLE_ABORTS]!++;
        this.abortByEndpoint(c, nowMs);
      }
    }
  }

  private rtxTimeout(c: number, nowMs: number): void {
    const una = this.sndUna[c]!;
    if (this.sndMax[c] === una) {
      this.disarmRtx(c);
      return;
    }
    if (this.retries[c]! >= this.maxRetransmits) {
      this.counters[TCP_CTR_TIMEOUT_ABORTS]!++;
      if (this.st[c] === TCP_STATE_SYN_RECEIVED) this.release(c, nowMs);
      else this.abortByEndpoint(c, nowMs);
      return;
    }
    this.retries[c]!++;
    const rto = this.rtoMs[c]! * 2;
    this.rtoMs[c] = rto > this.maxRtoMs ? this.maxRtoMs : rto;
    this.fl[c]! &= ~F_TIMING;
    if (this.st[c] === TCP_STATE_SYN_RECEIVED) {
      this.counters[TCP_CTR_SYNACK_RETRANSMITS]!++;
      this.sendSynAck(c, nowMs);
      this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_RTX);
      return;
    }
    // RFC 5681 §3.1 eq. 4: after a timeout, one segment at a time again; go back to SND.UNA.
    const mss = this.sndMss[c]!;
    const flight = (this.sndMax[c]! - una) >>> 0;
    const half = flight >>> 1;
    this.ssthresh[c] = half > 2 * mss ? half : 2 * mss;
    this.cwnd[c] = mss;
    this.dupAcks[c] = 0;
    this.counters[TCP_CTR_RETRANSMITS]!++;
    if (this.sndWnd[c] === 0 && this.bufLen[c]! > 0) {
      // The peer closed its window meanwhile: probe it rather than resend into it.
      this.sndNxt[c] = una;
      this.sendProbe(c, nowMs);
      this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_PERSIST);
      return;
    }
    // Go back to SND.UNA: with the congestion window at one segment, output() resends just the
    // first one, within the peer's window; the rest follows as ACKs come (RFC 5681 §3.1).
    this.sndNxt[c] = una;
    this.armRtx(c, nowMs + this.rtoMs[c]!, TIMER_RTX);
    this.output(c, nowMs);
  }

  /** Zero-window probe timer (RFC 9293 §3.8.6.1): one byte beyond the window, backing off. */
  private persistTimeout(c: number, nowMs: number): void {
    const inFlight = (this.sndNxt[c]! - this.sndUna[c]!) >>> 0;
    if (this.bufLen[c]! <= inFlight) {
      this.disarmRtx(c);
      return;
    }
    if (this.sndWnd[c] !== 0) {
      this.disarmRtx(c);
      this.output(c, nowMs);
      return;
    }
    if (this.retries[c]! >= this.maxRetransmits) {
      this.counters[TCP_CTR_TIMEOUT_ABORTS]!++;
      this.abortByEndpoint(c, nowMs);
      return;
    }
    this.retries[c]!++;
    this.sendProbe(c, nowMs);
    if (this.probeShift[c]! < 16) this.probeShift[c]!++;
    const back = this.rtoMs[c]! * (1 << this.probeShift[c]!);
    this.armRtx(c, nowMs + (back > this.maxRtoMs ? this.maxRtoMs : back), TIMER_PERSIST);
  }

  private sendProbe(c: number, nowMs: number): void {
    const nxt = this.sndNxt[c]!;
    this.counters[TCP_CTR_ZERO_WINDOW_PROBES]!++;
    this.writeConnSegment(c, nxt, TCP_FLAG_ACK, 1, nowMs);
    const end = (nxt + 1) >>> 0;
    if (seqGt(end, this.sndMax[c]!)) this.sndMax[c] = end;
  }

  /** Resets the connection on the endpoint's own initiative and tells the app. */
  private abortByEndpoint(c: number, nowMs: number): void {
    const g = this.gen[c]!;
    this.sendRst(c, nowMs);
    if ((this.fl[c]! & F_ESTABLISHED) !== 0) this.app.reset(c, nowMs);
    if (this.gen[c] === g) this.release(c, nowMs);
  }

  /** Frees the slot and tells the app. */
  private release(c: number, nowMs: number): void {
    if (this.st[c] === TCP_STATE_CLOSED) return;
    const was = (this.fl[c]! & F_ESTABLISHED) !== 0;
    this.tableRemove(c);
    const p = this.activePos[c]!;
    const last = this.active[--this.activeCount]!;
    this.active[p] = last;
    this.activePos[last] = p;
    this.activePos[c] = -1;
    this.st[c] = TCP_STATE_CLOSED;
    this.fl[c] = 0;
    this.gen[c]!++;
    this.deadlineDirty = true;
    this.rtxAt[c] = Infinity;
    this.stateAt[c] = Infinity;
    this.oooCount[c] = 0;
    this.bufLen[c] = 0;
    this.discard[c] = 0;
    this.free[this.freeTop++] = c;
    this.app.released(c, was, nowMs);
  }

  // ---- per-connection accessors ---------------------------------------------------------------

  /** TCP_STATE_* of a connection (TCP_STATE_CLOSED for a free slot). */
  state(conn: number): number {
    return conn >= 0 && conn < this.max ? this.st[conn]! : TCP_STATE_CLOSED;
  }

  /** True when we sent (or queued) our FIN before the peer's FIN arrived (spec §2 FIN_WAIT). */
  closedByUs(conn: number): boolean {
    return conn >= 0 && conn < this.max && (this.fl[conn]! & F_CLOSED_BY_US) !== 0;
  }

  /** True when the handshake completed at some point. */
  established(conn: number): boolean {
    return conn >= 0 && conn < this.max && (this.fl[conn]! & F_ESTABLISHED) !== 0;
  }

  /** 4 or 6. */
  ipVersion(conn: number): number {
    return this.v6[conn] === 1 ? 6 : 4;
  }

  /** Copies the client's address (four words, IPv4-mapped for IPv4) into `out`. */
  clientAddr(conn: number, out: Uint32Array): void {
    for (let w = 0; w < 4; w++) out[w] = this.cAddr[conn * 4 + w]!;
  }

  /** Copies the server's (original destination's) address into `out`. */
  serverAddr(conn: number, out: Uint32Array): void {
    for (let w = 0; w < 4; w++) out[w] = this.sAddr[conn * 4 + w]!;
  }

  /** The client's port. */
  clientPort(conn: number): number {
    return this.cPort[conn]!;
  }

  /** The server's (original destination's) port. */
  serverPort(conn: number): number {
    return this.sPort[conn]!;
  }

  /** The client's IPv4 address as a uint32 (meaningful for IPv4 connections). */
  client4(conn: number): number {
    return this.cAddr[conn * 4 + 3]!;
  }

  /** The server's IPv4 address as a uint32. */
  server4(conn: number): number {
    return this.sAddr[conn * 4 + 3]!;
  }

  /** Stores an application number with the connection. */
  setTag(conn: number, n: number): void {
    if (conn >= 0 && conn < this.max) this.tagOf[conn] = n;
  }

  /** The number stored with {@link setTag} (0 when none). */
  tag(conn: number): number {
    return conn >= 0 && conn < this.max ? this.tagOf[conn]! : 0;
  }

  /**
   * Copies the send-side sequence variables of a connection into `out`: SND.UNA, SND.NXT,
   * SND.MAX (highest sent), ISS, RCV.NXT, IRS, SND.WND, bytes queued. For tests and `show`.
   */
  sequenceState(conn: number, out: Float64Array): void {
    out[0] = this.sndUna[conn]!;
    out[1] = this.sndNxt[conn]!;
    out[2] = this.sndMax[conn]!;
    out[3] = this.iss[conn]!;
    out[4] = this.rcvNxt[conn]!;
    out[5] = this.irs[conn]!;
    out[6] = this.sndWnd[conn]!;
    out[7] = this.bufLen[conn]!;
  }

  /** The current retransmission timeout of a connection in ms (RFC 6298). */
  rto(conn: number): number {
    return this.rtoMs[conn]!;
  }
}
