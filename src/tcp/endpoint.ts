/**
 * The userspace TCP endpoint that answers intercepted connections as their original server
 * (DESIGN.md §1 step 4): a passive-open TCP (RFC 9293) with the MSS, window scale, SACK-permitted
 * and timestamp options (RFC 7323), in-order reassembly, RFC 6298 retransmission timing with
 * Karn's rule, flow control with zero-window probing, the full close state machine, TIME_WAIT,
 * and the RFC 5961 defences against blind resets and SYNs.
 *
 * It is part of the pure core: time comes in as `nowMs`, initial sequence numbers from the
 * injected `rng`, timed work is done in {@link TcpEndpoint.poll} and announced by
 * {@link TcpEndpoint.nextDeadline}. Its rooms: the connections' struct of arrays and lookup
 * (`connections.ts`, `connection-table.ts`), the listening side that makes connections — SYNs,
 * SYN cookies, per-source half-open counts, eviction (`listener.ts`), reassembly (`reassembly.ts`), the send buffer
 * (`send-buffer.ts`), output and retransmission (`sender.ts`), RTT (`rtt.ts`), timers
 * (`timers.ts`), segments written (`segment-writer.ts`) and segment arrival (`arrival.ts`).
 * Everything is sized at construction; a connection's send buffer (and, only if a segment ever
 * arrives out of order, its reassembly ring) is allocated the first time its slot is used and
 * then kept for every later connection in that slot, so nothing is allocated per segment.
 * Segment content never makes it throw.
 *
 * Replay mode (`followPeerSequence`, spec/auth-proxy-log.md §5) takes the endpoint's own side of
 * the sequence space from the client: its first ACK rebases our ISN, and whatever it
 * acknowledges counts as delivered.
 */
import type { PacketMeta } from '../wire/packet.js';
import type { HashKey } from '../table/keyed-hash.js';
import { DEFAULT_CONNECTION_KEY } from './connection-table.js';
import { TcpListener } from './listener.js';
import { TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_RST, TCP_FLAG_SYN } from '../wire/packet.js';
import { seqGt } from '../wire/seq.js';
import type { ConnectionLifecycle, EndpointApp } from './app.js';
import { SegmentArrival } from './arrival.js';
import { TcpConnections } from './connections.js';
import { Reassembly } from './reassembly.js';
import { RttEstimator } from './rtt.js';
import { SegmentWriter } from './segment-writer.js';
import type { PacketSink } from './segment-writer.js';
import { SendBuffer } from './send-buffer.js';
import { Sender } from './sender.js';
import { TcpTimers } from './timers.js';
import {
  CONN_CLOSED_BY_US, CONN_ESTABLISHED, CONN_FIN_ACKED, CONN_FIN_QUEUED, CONN_TIMESTAMPS, CONN_WANT_WRITABLE,
  TCP_DEFAULT_FIN_WAIT_2_TIMEOUT_MS, TCP_DEFAULT_HALF_OPEN_PER_SOURCE, TCP_DEFAULT_IDLE_TIMEOUT_MS,
  TCP_DEFAULT_INITIAL_RTO_MS, TCP_DEFAULT_MAX_RETRANSMITS, TCP_DEFAULT_MAX_RTO_MS, TCP_DEFAULT_MIN_RTO_MS,
  TCP_DEFAULT_SYN_RECEIVED_TIMEOUT_MS, TCP_DEFAULT_TIME_WAIT_MS, TCP_DEFAULT_TTL, TCP_STATE_CLOSED,
  TCP_STATE_CLOSE_WAIT, TCP_STATE_CLOSING, TCP_STATE_ESTABLISHED, TCP_STATE_FIN_WAIT_1, TCP_STATE_FIN_WAIT_2,
  TCP_STATE_LAST_ACK, TCP_STATE_SYN_RECEIVED, TCP_STATE_TIME_WAIT, TIMER_PERSIST,
} from './constants.js';
import {
  TCP_CTR_BAD_SEGMENTS, TCP_CTR_COUNT, TCP_CTR_IDLE_ABORTS, TCP_CTR_SEGMENTS_IN, TCP_CTR_SYNACK_RETRANSMITS,
  TCP_CTR_WINDOW_UPDATES,
} from './counters.js';

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
  tx: PacketSink;
  /** Receives connection events. */
  app: EndpointApp;
  /**
   * The process's keyed-hash key: it places connections and sources in their tables, and the
   * SYN cookies' secret is derived from it (default: a fixed key, for tests).
   */
  hashKey?: HashKey;
  /** See {@link TCP_DEFAULT_HALF_OPEN_PER_SOURCE}. */
  halfOpenPerSource?: number;
  /**
   * Flow control by the application (RFC 9293 §3.8.6): bytes delivered stay in the receive
   * window until the application says it read them ({@link TcpEndpoint.read}), so the window
   * offered shrinks as a slow reader falls behind and reopens, with a window update, as it
   * reads. Default false: delivered bytes count as read at once.
   */
  holdUntilRead?: boolean;
  /** See {@link TCP_DEFAULT_INITIAL_RTO_MS}. */
  initialRtoMs?: number;
  /** See {@link TCP_DEFAULT_MIN_RTO_MS}. */
  minRtoMs?: number;
  /** See {@link TCP_DEFAULT_MAX_RTO_MS}. */
  maxRtoMs?: number;
  /** See {@link TCP_DEFAULT_MAX_RETRANSMITS}. */
  maxRetransmits?: number;
  /** See {@link TCP_DEFAULT_SYN_RECEIVED_TIMEOUT_MS}. */
  synReceivedTimeoutMs?: number;
  /** See {@link TCP_DEFAULT_TIME_WAIT_MS}. */
  timeWaitMs?: number;
  /** See {@link TCP_DEFAULT_FIN_WAIT_2_TIMEOUT_MS}. */
  finWait2TimeoutMs?: number;
  /** See {@link TCP_DEFAULT_IDLE_TIMEOUT_MS}; `Infinity` disables it. */
  idleTimeoutMs?: number;
  /** See {@link TCP_DEFAULT_TTL}. */
  ttl?: number;
}

/**
 * A userspace TCP endpoint answering passive opens. Connections are small integers (slots);
 * every method taking a `conn` ignores one that is not open.
 */
export class TcpEndpoint implements ConnectionLifecycle {
  /** Event counters, indexed by the TCP_CTR_* constants. */
  readonly counters = new Float64Array(TCP_CTR_COUNT);

  private readonly mssV4: number;
  private readonly app: EndpointApp;
  private readonly idleTimeoutMs: number;
  /** See {@link TCP_DEFAULT_HALF_OPEN_PER_SOURCE}. */
  readonly halfOpenPerSource: number;
  /**
   * False in replay mode: a replayed client acknowledges the original server's ISN, not our
   * cookie, so SYN cookies cannot be checked there.
   */
  readonly cookiesUsable: boolean;

  private readonly conns: TcpConnections;
  private readonly reassembly: Reassembly;
  private readonly sendBuffer: SendBuffer;
  private readonly rtt: RttEstimator;
  private readonly timers: TcpTimers;
  private readonly writer: SegmentWriter;
  private readonly sender: Sender;
  private readonly arrival: SegmentArrival;
  private readonly listener: TcpListener;

  constructor(opts: EndpointOptions) {
    const n = Math.max(1, opts.maxConnections | 0);
    this.mssV4 = Math.max(88, Math.min(65495, opts.mss | 0));
    const recvBytes = Math.max(1, Math.min(opts.receiveBufferBytes | 0, 0x3fffffff));
    this.app = opts.app;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? TCP_DEFAULT_IDLE_TIMEOUT_MS;
    const key = opts.hashKey ?? DEFAULT_CONNECTION_KEY;
    this.halfOpenPerSource = opts.halfOpenPerSource ?? TCP_DEFAULT_HALF_OPEN_PER_SOURCE;
    this.cookiesUsable = !opts.followPeerSequence;
    this.conns = new TcpConnections(n, key);
    this.reassembly = new Reassembly(n, recvBytes, this.counters);
    this.sendBuffer = new SendBuffer(n, Math.max(1, opts.sendBufferBytes | 0));
    this.rtt = new RttEstimator(n, opts.initialRtoMs ?? TCP_DEFAULT_INITIAL_RTO_MS,
      opts.minRtoMs ?? TCP_DEFAULT_MIN_RTO_MS, opts.maxRtoMs ?? TCP_DEFAULT_MAX_RTO_MS);
    this.timers = new TcpTimers(n);
    this.writer = new SegmentWriter(this.conns, this.reassembly, this.sendBuffer, opts.tx, this.counters,
      this.mssV4, opts.ttl ?? TCP_DEFAULT_TTL);
    this.sender = new Sender(this.conns, this.sendBuffer, this.rtt, this.timers, this.writer, this.counters,
      this.app, this, opts.maxRetransmits ?? TCP_DEFAULT_MAX_RETRANSMITS);
    this.arrival = new SegmentArrival(this.conns, this.reassembly, this.rtt, this.timers, this.writer, this.sender,
      this.counters, this.app, this,
      {
        timeWaitMs: opts.timeWaitMs ?? TCP_DEFAULT_TIME_WAIT_MS,
        finWait2TimeoutMs: opts.finWait2TimeoutMs ?? TCP_DEFAULT_FIN_WAIT_2_TIMEOUT_MS,
        idleTimeoutMs: this.idleTimeoutMs,
      },
      opts.followPeerSequence, opts.holdUntilRead ?? false);
    this.listener = new TcpListener(
      {
        mssV4: this.mssV4, recvBytes, rng: opts.rng, hashKey: key,
        synReceivedTimeoutMs: opts.synReceivedTimeoutMs ?? TCP_DEFAULT_SYN_RECEIVED_TIMEOUT_MS,
      },
      this.conns, this.reassembly, this.sendBuffer, this.rtt, this.timers, this.writer, this.counters, this);
  }

  // ---- lookup ---------------------------------------------------------------------------------

  /** Number of open connections (any state but CLOSED). */
  connectionCount(): number {
    return this.conns.activeCount;
  }

  /**
   * Returns the connection of a segment travelling client → server (source = client), or -1.
   * A bare SYN that would start a new incarnation of a connection (one in TIME_WAIT whose
   * sequence number or timestamp is newer, RFC 9293 §3.10.7.4 and RFC 6191; or one in
   * SYN_RECEIVED with a different ISN) finds none, so that the caller treats it as a new
   * connection and calls {@link open}, which replaces the old one.
   */
  lookup(meta: PacketMeta): number {
    const c = this.conns.find(meta);
    if (c < 0) return -1;
    if ((meta.tcpFlags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) === TCP_FLAG_SYN && this.replacedBySyn(c, meta)) {
      return -1;
    }
    return c;
  }

  private replacedBySyn(c: number, meta: PacketMeta): boolean {
    const conns = this.conns;
    const s = conns.state[c]!;
    if (s === TCP_STATE_SYN_RECEIVED) return (meta.seq >>> 0) !== conns.irs[c];
    if (s !== TCP_STATE_TIME_WAIT) return false;
    if (seqGt(meta.seq >>> 0, conns.rcvNxt[c]!)) return true;
    return (conns.flags[c]! & CONN_TIMESTAMPS) !== 0 && meta.tcpHasTimestamp
      && seqGt(meta.tcpTsVal >>> 0, conns.tsRecent[c]!);
  }

  // ---- opening (listener.ts) ------------------------------------------------------------------

  /**
   * Opens a connection for a bare SYN and answers it with a SYN-ACK; returns the connection, or
   * -1 (not a bare SYN, or no room). See {@link TcpListener.open}.
   */
  open(meta: PacketMeta, nowMs: number): number {
    return this.listener.open(meta, nowMs);
  }

  /** Half-open connections whose client is the source of `meta` (the per-source cap's count). */
  halfOpenFrom(meta: PacketMeta): number {
    return this.listener.halfOpenFrom(meta);
  }

  /** Answers the bare SYN `meta` with a SYN cookie and keeps nothing (see {@link TcpListener.answerWithCookie}). */
  answerWithCookie(meta: PacketMeta, nowMs: number): void {
    this.listener.answerWithCookie(meta, nowMs);
  }

  /**
   * Makes the connection a SYN cookie that `meta` acknowledges stands for and returns it (the
   * caller hands the segment to {@link input}), or -1; see {@link TcpListener.openFromCookie}.
   */
  openFromCookie(meta: PacketMeta, nowMs: number): number {
    return this.listener.openFromCookie(meta, nowMs);
  }

  /** The handshake of `c` completed, or it went away half-open: it leaves its source's count. */
  handshakeDone(c: number): void {
    this.listener.handshakeDone(c);
  }

  // ---- input ----------------------------------------------------------------------------------

  /**
   * Processes a segment of connection `conn` (one {@link lookup} found), following RFC 9293
   * §3.10.7.4 with the RFC 5961 checks and RFC 7323 PAWS (`arrival.ts`). Never throws on
   * segment content.
   */
  input(conn: number, meta: PacketMeta, nowMs: number): void {
    const cnt = this.counters;
    const conns = this.conns;
    cnt[TCP_CTR_SEGMENTS_IN]!++;
    if (conn < 0 || conn >= conns.capacity || conns.state[conn] === TCP_STATE_CLOSED) {
      cnt[TCP_CTR_BAD_SEGMENTS]!++;
      return;
    }
    const c = conn;
    const flags = meta.tcpFlags;
    if ((flags & TCP_FLAG_SYN) !== 0 && (flags & (TCP_FLAG_ACK | TCP_FLAG_RST)) === 0) {
      if (conns.state[c] === TCP_STATE_SYN_RECEIVED && (meta.seq >>> 0) === conns.irs[c]) {
        // A retransmitted SYN: our SYN-ACK was lost (RFC 9293 §3.10.7.4, SYN-RECEIVED).
        cnt[TCP_CTR_SYNACK_RETRANSMITS]!++;
        this.writer.sendSynAck(c, nowMs);
        return;
      }
      if (this.replacedBySyn(c, meta)) {
        this.open(meta, nowMs);
        cnt[TCP_CTR_SEGMENTS_IN]!--;
        return;
      }
    }
    this.arrival.input(c, meta, nowMs);
  }

  // ---- refusing -------------------------------------------------------------------------------

  /**
   * Answers a segment that belongs to no connection with a reset (RFC 9293 §3.10.7.1): with ACK
   * set, `<SEQ=SEG.ACK><CTL=RST>`; without, `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`. A
   * reset is never answered.
   */
  refuse(meta: PacketMeta, _nowMs: number): void {
    this.counters[TCP_CTR_SEGMENTS_IN]!++;
    if ((meta.tcpFlags & TCP_FLAG_RST) !== 0) return;
    this.writer.sendRstFor(meta);
  }

  // ---- application side -----------------------------------------------------------------------

  /**
   * Queues application bytes for sending and sends what the windows allow. Returns how many
   * bytes were accepted (0 after shutdown or when the connection is not open for sending); when
   * fewer than offered, {@link EndpointApp.writable} follows once space frees up.
   */
  send(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): number {
    const conns = this.conns;
    if (conn < 0 || conn >= conns.capacity || len <= 0) return 0;
    const s = conns.state[conn]!;
    if (s !== TCP_STATE_SYN_RECEIVED && s !== TCP_STATE_ESTABLISHED && s !== TCP_STATE_CLOSE_WAIT) return 0;
    if ((conns.flags[conn]! & CONN_FIN_QUEUED) !== 0) return 0;
    const c = conn;
    let accepted = 0;
    const d = this.sendBuffer.discard[c]!;
    if (d > 0) {
      // Replay: the client already acknowledged these bytes.
      accepted = d < len ? d : len;
      this.sendBuffer.discard[c] = d - accepted;
      off += accepted;
      len -= accepted;
      if (len === 0) return accepted;
    }
    const n = this.sendBuffer.append(c, buf, off, len);
    if (n < len) conns.flags[c]! |= CONN_WANT_WRITABLE;
    if (n > 0) this.sender.output(c, nowMs);
    return accepted + n;
  }

  /**
   * Closes our side: a FIN follows the queued data (RFC 9293 §3.10.4). ESTABLISHED → FIN_WAIT_1
   * (`closedByUs`), CLOSE_WAIT → LAST_ACK; in SYN_RECEIVED the FIN waits for the handshake.
   */
  shutdown(conn: number, nowMs: number): void {
    const conns = this.conns;
    if (conn < 0 || conn >= conns.capacity) return;
    const c = conn;
    const s = conns.state[c]!;
    if ((conns.flags[c]! & CONN_FIN_QUEUED) !== 0) return;
    if (s === TCP_STATE_SYN_RECEIVED || s === TCP_STATE_ESTABLISHED) {
      conns.flags[c]! |= CONN_FIN_QUEUED | CONN_CLOSED_BY_US;
      if (s === TCP_STATE_SYN_RECEIVED) return;
      conns.state[c] = TCP_STATE_FIN_WAIT_1;
    } else if (s === TCP_STATE_CLOSE_WAIT) {
      conns.flags[c]! |= CONN_FIN_QUEUED;
      conns.state[c] = TCP_STATE_LAST_ACK;
    } else {
      return;
    }
    const d = this.sendBuffer.discard[c]!;
    if (d > 0) {
      // Replay: the client acknowledged past the end of our data, so past our FIN too.
      this.sendBuffer.discard[c] = 0;
      conns.flags[c]! |= CONN_FIN_ACKED;
      this.writer.write(c, (conns.sndUna[c]! - d) >>> 0, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, nowMs);
      this.arrival.afterAck(c, nowMs);
      return;
    }
    this.sender.output(c, nowMs);
  }

  /**
   * Aborts the connection (RFC 9293 §3.10.5): sends a reset unless the connection is already
   * closing down, and releases the slot. The app is not told `reset` (it asked for this).
   */
  abort(conn: number, nowMs: number): void {
    const conns = this.conns;
    if (conn < 0 || conn >= conns.capacity) return;
    const s = conns.state[conn]!;
    if (s === TCP_STATE_CLOSED) return;
    if (s !== TCP_STATE_CLOSING && s !== TCP_STATE_LAST_ACK && s !== TCP_STATE_TIME_WAIT) this.writer.sendRst(conn, nowMs);
    this.release(conn, nowMs);
  }

  /**
   * The application read `n` of the bytes delivered on `conn` (with `holdUntilRead`): the window
   * reopens by as much, and once it has grown by half the buffer or an MSS since the window last
   * offered, a window update goes out (RFC 9293 §3.8.6.2.2, receiver-side silly window
   * avoidance).
   */
  read(conn: number, n: number, nowMs: number): void {
    const conns = this.conns;
    if (conn < 0 || conn >= conns.capacity || n <= 0) return;
    const s = conns.state[conn]!;
    if (s === TCP_STATE_CLOSED) return;
    const u = conns.unread[conn]!;
    conns.unread[conn] = n < u ? u - n : 0;
    if (s !== TCP_STATE_ESTABLISHED && s !== TCP_STATE_FIN_WAIT_1 && s !== TCP_STATE_FIN_WAIT_2) return;
    const half = conns.rcvWnd[conn]! >>> 1;
    const step = half < this.mssV4 ? half : this.mssV4;
    if (conns.window(conn) - conns.lastWndSent[conn]! >= step) {
      this.counters[TCP_CTR_WINDOW_UPDATES]!++;
      this.writer.sendAck(conn, nowMs);
    }
  }

  /** Bytes delivered on `conn` that the application has not read yet. */
  unread(conn: number): number {
    return conn >= 0 && conn < this.conns.capacity ? this.conns.unread[conn]! : 0;
  }

  /**
   * Arms the application's own deadline for `conn` at `atMs` on the endpoint's clock
   * (`Infinity` disarms it): {@link EndpointApp.timeout} follows from {@link poll}. The login
   * service keeps its HTTP timeouts this way, so that they run on the engine's time.
   */
  setAppDeadline(conn: number, atMs: number): void {
    if (conn < 0 || conn >= this.conns.capacity || this.conns.state[conn] === TCP_STATE_CLOSED) return;
    this.timers.armApp(conn, atMs);
  }

  // ---- timers ---------------------------------------------------------------------------------

  /** Earliest time at which {@link poll} has work (Infinity if none). May be early, never late. */
  nextDeadline(): number {
    const conns = this.conns;
    return conns.activeCount === 0 ? Infinity : this.timers.nextDeadline(conns.active, conns.activeCount);
  }

  /**
   * Runs the timed work due at `nowMs`: retransmissions with exponential backoff (RFC 6298
   * §5.4-5.7), zero-window probes, and the TIME_WAIT, FIN_WAIT_2 and SYN_RECEIVED timeouts.
   */
  poll(nowMs: number): void {
    const timers = this.timers;
    if (!timers.beginScan(nowMs)) return;
    const conns = this.conns;
    // Downwards, so that a connection released here (its place taken by the last one, already
    // visited) does not make us skip any.
    for (let i = conns.activeCount - 1; i >= 0; i--) {
      if (i >= conns.activeCount) continue;
      const c = conns.active[i]!;
      const g = conns.generation[c]!;
      if (timers.stateAt[c]! <= nowMs) {
        this.stateTimeout(c, nowMs);
        if (conns.generation[c] !== g) continue;
      }
      if (timers.rtxAt[c]! <= nowMs) {
        if (timers.rtxKind[c] === TIMER_PERSIST) this.sender.persistTimeout(c, nowMs);
        else this.sender.retransmitTimeout(c, nowMs);
        if (conns.generation[c] !== g) continue;
      }
      if (timers.appAt[c]! <= nowMs) {
        timers.appAt[c] = Infinity;
        this.app.timeout(c, nowMs);
        if (conns.generation[c] !== g) continue;
      }
      timers.note(c);
    }
  }

  private stateTimeout(c: number, nowMs: number): void {
    this.timers.stateAt[c] = Infinity;
    switch (this.conns.state[c]) {
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
        const due = this.conns.lastInputMs[c]! + this.idleTimeoutMs;
        if (due > nowMs) {
          this.timers.armState(c, due);
          return;
        }
        this.counters[TCP_CTR_IDLE_ABORTS]!++;
        this.abortByEndpoint(c, nowMs);
      }
    }
  }

  /** Resets the connection on the endpoint's own initiative and tells the app. */
  abortByEndpoint(c: number, nowMs: number): void {
    const conns = this.conns;
    const g = conns.generation[c]!;
    this.writer.sendRst(c, nowMs);
    if ((conns.flags[c]! & CONN_ESTABLISHED) !== 0) this.app.reset(c, nowMs);
    if (conns.generation[c] === g) this.release(c, nowMs);
  }

  /** Frees the slot and tells the app. */
  release(c: number, nowMs: number): void {
    const conns = this.conns;
    if (conns.state[c] === TCP_STATE_CLOSED) return;
    const was = (conns.flags[c]! & CONN_ESTABLISHED) !== 0;
    this.handshakeDone(c);
    conns.release(c);
    this.timers.clear(c);
    this.reassembly.count[c] = 0;
    this.sendBuffer.clear(c);
    this.app.released(c, was, nowMs);
  }

  // ---- per-connection accessors ---------------------------------------------------------------

  /** TCP_STATE_* of a connection (TCP_STATE_CLOSED for a free slot). */
  state(conn: number): number {
    return conn >= 0 && conn < this.conns.capacity ? this.conns.state[conn]! : TCP_STATE_CLOSED;
  }

  /** True when we sent (or queued) our FIN before the peer's FIN arrived (spec §2 FIN_WAIT). */
  closedByUs(conn: number): boolean {
    return conn >= 0 && conn < this.conns.capacity && (this.conns.flags[conn]! & CONN_CLOSED_BY_US) !== 0;
  }

  /** True when the handshake completed at some point. */
  established(conn: number): boolean {
    return conn >= 0 && conn < this.conns.capacity && (this.conns.flags[conn]! & CONN_ESTABLISHED) !== 0;
  }

  /** 4 or 6. */
  ipVersion(conn: number): number {
    return this.conns.isV6[conn] === 1 ? 6 : 4;
  }

  /** Copies the client's address (four words, IPv4-mapped for IPv4) into `out`. */
  clientAddr(conn: number, out: Uint32Array): void {
    for (let w = 0; w < 4; w++) out[w] = this.conns.clientAddr[conn * 4 + w]!;
  }

  /** Copies the server's (original destination's) address into `out`. */
  serverAddr(conn: number, out: Uint32Array): void {
    for (let w = 0; w < 4; w++) out[w] = this.conns.serverAddr[conn * 4 + w]!;
  }

  /** The client's port. */
  clientPort(conn: number): number {
    return this.conns.clientPort[conn]!;
  }

  /** The server's (original destination's) port. */
  serverPort(conn: number): number {
    return this.conns.serverPort[conn]!;
  }

  /** The client's IPv4 address as a uint32 (meaningful for IPv4 connections). */
  client4(conn: number): number {
    return this.conns.clientAddr[conn * 4 + 3]!;
  }

  /** The server's IPv4 address as a uint32. */
  server4(conn: number): number {
    return this.conns.serverAddr[conn * 4 + 3]!;
  }

  /** Stores an application number with the connection. */
  setTag(conn: number, n: number): void {
    if (conn >= 0 && conn < this.conns.capacity) this.conns.tag[conn] = n;
  }

  /** The number stored with {@link setTag} (0 when none). */
  tag(conn: number): number {
    return conn >= 0 && conn < this.conns.capacity ? this.conns.tag[conn]! : 0;
  }

  /**
   * Copies the send-side sequence variables of a connection into `out`: SND.UNA, SND.NXT,
   * SND.MAX (highest sent), ISS, RCV.NXT, IRS, SND.WND, bytes queued. For tests and `show`.
   */
  sequenceState(conn: number, out: Float64Array): void {
    const conns = this.conns;
    out[0] = conns.sndUna[conn]!;
    out[1] = conns.sndNxt[conn]!;
    out[2] = conns.sndMax[conn]!;
    out[3] = conns.iss[conn]!;
    out[4] = conns.rcvNxt[conn]!;
    out[5] = conns.irs[conn]!;
    out[6] = conns.sndWnd[conn]!;
    out[7] = this.sendBuffer.length[conn]!;
  }

  /** The current retransmission timeout of a connection in ms (RFC 6298). */
  rto(conn: number): number {
    return this.rtt.rtoMs[conn]!;
  }
}
