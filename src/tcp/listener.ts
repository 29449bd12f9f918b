/**
 * The endpoint's listening side (RFC 9293 §3.10.7.2, LISTEN): what makes connections. A bare
 * SYN opens a connection in SYN_RECEIVED and is answered with a SYN-ACK; past the caller's
 * half-open limits it is answered with a SYN cookie instead and nothing is kept (RFC 4987 §3.6,
 * `syn-cookies.ts`) until the ACK of a valid cookie makes the connection. Half-open connections
 * are counted per client address (`source-counts.ts`, the per-source cap's count), and a full
 * table makes room by evicting the oldest TIME_WAIT, else the oldest SYN_RECEIVED connection.
 *
 * A room of {@link TcpEndpoint} (endpoint.ts), which owns the rooms this one writes into and
 * ends connections ({@link ConnectionLifecycle}); nothing here allocates per segment.
 */
import type { PacketMeta } from '../wire/packet.js';
import { TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_SYN } from '../wire/packet.js';
import type { HashKey } from '../table/keyed-hash.js';
import type { ConnectionLifecycle } from './app.js';
import type { TcpConnections } from './connections.js';
import type { Reassembly } from './reassembly.js';
import type { RttEstimator } from './rtt.js';
import type { SegmentWriter } from './segment-writer.js';
import type { SendBuffer } from './send-buffer.js';
import { SourceCounts } from './source-counts.js';
import { SynCookies } from './syn-cookies.js';
import type { TcpTimers } from './timers.js';
import {
  CONN_SACK, CONN_SOURCE_COUNTED, CONN_TIMESTAMPS, CONN_TIMING, CONN_WINDOW_SCALE, TCP_DEFAULT_PEER_MSS_V4,
  TCP_DEFAULT_PEER_MSS_V6, TCP_STATE_SYN_RECEIVED, TCP_STATE_TIME_WAIT, TIMER_RTX,
} from './constants.js';
import {
  TCP_CTR_BAD_SEGMENTS, TCP_CTR_EVICTIONS, TCP_CTR_OPEN_REFUSED, TCP_CTR_PASSIVE_OPENS, TCP_CTR_SEGMENTS_IN,
  TCP_CTR_SYNACK_RETRANSMITS, TCP_CTR_SYN_COOKIES_ACCEPTED, TCP_CTR_SYN_COOKIES_REJECTED, TCP_CTR_SYN_COOKIES_SENT,
  TCP_CTR_TIME_WAIT_REOPENED,
} from './counters.js';

/** Bytes of the timestamps option in every segment of a connection that uses it (RFC 7323 §3). */
const TS_OPTION_SPACE = 12;

/** The sizes and clocks the listening side works with (the endpoint's options, resolved). */
export interface ListenerSettings {
  /** Our MSS for IPv4; IPv6 uses 20 bytes less. */
  readonly mssV4: number;
  /** The receive buffer, which bounds the window we offer. */
  readonly recvBytes: number;
  /** How long a connection may stay in SYN_RECEIVED. */
  readonly synReceivedTimeoutMs: number;
  /** uint32 random source for ISNs and timestamp offsets. */
  readonly rng: () => number;
  /** The process's keyed-hash key (per-source counts; the SYN cookies' secret). */
  readonly hashKey: HashKey;
}

/** The endpoint's room for making connections; see the module comment. */
export class TcpListener {
  private readonly mssV4: number;
  private readonly recvBytes: number;
  private readonly synReceivedTimeoutMs: number;
  private readonly rng: () => number;
  private readonly cookies: SynCookies;
  private readonly sources: SourceCounts;

  constructor(
    settings: ListenerSettings,
    private readonly conns: TcpConnections,
    private readonly reassembly: Reassembly,
    private readonly sendBuffer: SendBuffer,
    private readonly rtt: RttEstimator,
    private readonly timers: TcpTimers,
    private readonly writer: SegmentWriter,
    private readonly counters: Float64Array,
    private readonly lifecycle: ConnectionLifecycle,
  ) {
    this.mssV4 = settings.mssV4;
    this.recvBytes = settings.recvBytes;
    this.synReceivedTimeoutMs = settings.synReceivedTimeoutMs;
    this.rng = settings.rng;
    this.cookies = new SynCookies(settings.hashKey);
    this.sources = new SourceCounts(conns.capacity, settings.hashKey);
  }

  /**
   * Opens a connection for a bare SYN (RFC 9293 §3.10.7.2, LISTEN state) and answers it with a
   * SYN-ACK carrying our MSS and, when the SYN offered them, window scale (RFC 7323 §2),
   * SACK-permitted (RFC 2018) and timestamps (RFC 7323 §3). A connection of the same 4-tuple
   * in TIME_WAIT or SYN_RECEIVED is replaced. When the table is full the oldest TIME_WAIT, then
   * the oldest SYN_RECEIVED connection is evicted. Returns the connection, or -1 (not a bare
   * SYN, or no room).
   */
  open(meta: PacketMeta, nowMs: number): number {
    const conns = this.conns;
    this.counters[TCP_CTR_SEGMENTS_IN]!++;
    if ((meta.tcpFlags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) !== TCP_FLAG_SYN) {
      this.counters[TCP_CTR_BAD_SEGMENTS]!++;
      return -1;
    }
    const old = conns.find(meta);
    if (old >= 0) {
      const s = conns.state[old]!;
      if (s === TCP_STATE_SYN_RECEIVED && (meta.seq >>> 0) === conns.irs[old]) {
        this.writer.sendSynAck(old, nowMs);
        this.counters[TCP_CTR_SYNACK_RETRANSMITS]!++;
        return old;
      }
      if (s !== TCP_STATE_TIME_WAIT && s !== TCP_STATE_SYN_RECEIVED) {
        this.counters[TCP_CTR_BAD_SEGMENTS]!++;
        return -1;
      }
      if (s === TCP_STATE_TIME_WAIT) this.counters[TCP_CTR_TIME_WAIT_REOPENED]!++;
      this.lifecycle.release(old, nowMs);
    }
    if (!conns.hasFree() && !this.evict(nowMs)) {
      this.counters[TCP_CTR_OPEN_REFUSED]!++;
      return -1;
    }
    const c = conns.allocate(meta);
    const v6 = meta.ipVersion === 6;

    let flags = 0;
    const ourMss = v6 ? this.mssV4 - 20 : this.mssV4;
    let peerMss = meta.tcpMss > 0 ? meta.tcpMss : (v6 ? TCP_DEFAULT_PEER_MSS_V6 : TCP_DEFAULT_PEER_MSS_V4);
    if (peerMss > ourMss) peerMss = ourMss;
    if (meta.tcpHasTimestamp) {
      flags |= CONN_TIMESTAMPS;
      peerMss -= TS_OPTION_SPACE;
    }
    if (meta.tcpSackPermitted) flags |= CONN_SACK;
    let rcvShift = 0;
    if (meta.tcpWindowScale >= 0) {
      flags |= CONN_WINDOW_SCALE;
      // RFC 7323 §2.3: a shift above 14 is used as 14.
      conns.sndWscale[c] = meta.tcpWindowScale > 14 ? 14 : meta.tcpWindowScale;
      while ((this.recvBytes >>> rcvShift) > 0xffff && rcvShift < 14) rcvShift++;
    } else {
      conns.sndWscale[c] = 0;
    }
    conns.rcvWscale[c] = rcvShift;
    let wnd = this.recvBytes;
    const cap = 0xffff * (1 << rcvShift);
    if (wnd > cap) wnd = cap;
    conns.rcvWnd[c] = wnd - (wnd % (1 << rcvShift));
    conns.unread[c] = 0;
    conns.sndMss[c] = peerMss < 1 ? 1 : peerMss;
    conns.flags[c] = flags;

    const isn = this.rng() >>> 0;
    // RFC 7323 §2.2: the window of a SYN is never scaled.
    this.startHalfOpen(c, isn, meta.seq >>> 0, meta.window);
    conns.tsRecent[c] = meta.tcpHasTimestamp ? meta.tcpTsVal : 0;
    conns.tsOffset[c] = (flags & CONN_TIMESTAMPS) !== 0 ? this.rng() >>> 0 : 0;

    this.writer.sendSynAck(c, nowMs);
    conns.flags[c]! |= CONN_TIMING;
    this.rtt.start(c, isn, nowMs);
    this.timers.armRtx(c, nowMs + this.rtt.rtoMs[c]!, TIMER_RTX);
    this.timers.armState(c, nowMs + this.synReceivedTimeoutMs);
    return c;
  }

  /** Half-open connections whose client is the source of `meta` (the per-source cap's count). */
  halfOpenFrom(meta: PacketMeta): number {
    return this.sources.get(meta.srcAddr, 0);
  }

  /**
   * Answers the bare SYN `meta` with a SYN cookie and keeps nothing (RFC 4987 §3.6): the
   * SYN-ACK carries our MSS only, our window unscaled; the client's MSS is kept in the cookie.
   */
  answerWithCookie(meta: PacketMeta, nowMs: number): void {
    this.counters[TCP_CTR_SEGMENTS_IN]!++;
    const v6 = meta.ipVersion === 6;
    const ourMss = v6 ? this.mssV4 - 20 : this.mssV4;
    const peerMss = meta.tcpMss > 0 ? meta.tcpMss : (v6 ? TCP_DEFAULT_PEER_MSS_V6 : TCP_DEFAULT_PEER_MSS_V4);
    const iss = this.cookies.make(meta, SynCookies.mssIndex(peerMss, v6), nowMs);
    this.writer.sendStatelessSynAck(meta, iss, this.recvBytes < 0xffff ? this.recvBytes : 0xffff, ourMss);
    this.counters[TCP_CTR_SYN_COOKIES_SENT]!++;
  }

  /**
   * For a segment of no connection with ACK set (and SYN and RST clear) that acknowledges one
   * of our SYN cookies, makes the connection the cookie stands for, half-open as if its SYN had
   * just been answered — no options, our window unscaled, the cookie's MSS — and returns it:
   * the caller hands the segment to {@link input}, which completes the handshake. Returns -1
   * (counted) when the ACK acknowledges no valid cookie, or when no slot can be had.
   */
  openFromCookie(meta: PacketMeta, nowMs: number): number {
    const conns = this.conns;
    if ((meta.tcpFlags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) !== TCP_FLAG_ACK) return -1;
    const mssIndex = this.cookies.check(meta, nowMs);
    if (mssIndex < 0 || conns.find(meta) >= 0) {
      this.counters[TCP_CTR_SYN_COOKIES_REJECTED]!++;
      return -1;
    }
    if (!conns.hasFree() && !this.evict(nowMs)) {
      this.counters[TCP_CTR_OPEN_REFUSED]!++;
      return -1;
    }
    const c = conns.allocate(meta);
    const v6 = meta.ipVersion === 6;
    const ourMss = v6 ? this.mssV4 - 20 : this.mssV4;
    const peerMss = SynCookies.mssOf(mssIndex, v6);
    const iss = ((meta.ack >>> 0) - 1) >>> 0;
    const irs = ((meta.seq >>> 0) - 1) >>> 0;
    conns.flags[c] = 0;
    conns.sndWscale[c] = 0;
    conns.rcvWscale[c] = 0;
    conns.rcvWnd[c] = this.recvBytes < 0xffff ? this.recvBytes : 0xffff;
    conns.unread[c] = 0;
    conns.sndMss[c] = peerMss < ourMss ? peerMss : ourMss;
    this.startHalfOpen(c, iss, irs, meta.window);
    conns.tsRecent[c] = 0;
    conns.tsOffset[c] = 0;
    this.counters[TCP_CTR_SYN_COOKIES_ACCEPTED]!++;
    this.timers.armState(c, nowMs + this.synReceivedTimeoutMs);
    return c;
  }

  /**
   * Puts `c` in SYN_RECEIVED with our ISS `iss` and the client's ISN `irs`, its SYN's window
   * `window` and nothing sent or received beyond the SYNs (RFC 9293 §3.10.7.2), counted as a
   * passive open and against its source. The caller has set the options, MSS and windows.
   */
  private startHalfOpen(c: number, iss: number, irs: number, window: number): void {
    const conns = this.conns;
    conns.iss[c] = iss;
    conns.sndUna[c] = iss;
    conns.sndNxt[c] = (iss + 1) >>> 0;
    conns.sndMax[c] = (iss + 1) >>> 0;
    conns.sndWnd[c] = window;
    conns.maxSndWnd[c] = window;
    conns.sndWl1[c] = irs;
    conns.sndWl2[c] = iss;
    conns.cwnd[c] = 10 * conns.sndMss[c]!; // RFC 6928 initial window
    conns.ssthresh[c] = 0x3fffffff;
    this.sendBuffer.clear(c);
    conns.irs[c] = irs;
    conns.rcvNxt[c] = (irs + 1) >>> 0;
    this.reassembly.head[c] = 0;
    this.reassembly.count[c] = 0;
    conns.lastAckSent[c] = (irs + 1) >>> 0;
    this.rtt.reset(c);
    conns.retries[c] = 0;
    conns.dupAcks[c] = 0;
    conns.probeShift[c] = 0;
    conns.state[c] = TCP_STATE_SYN_RECEIVED;
    this.countSource(c);
    this.counters[TCP_CTR_PASSIVE_OPENS]!++;
  }

  /** Counts a new half-open connection against its source. */
  private countSource(c: number): void {
    this.conns.flags[c]! |= CONN_SOURCE_COUNTED;
    this.sources.increment(this.conns.clientAddr, c * 4);
  }

  /** The handshake of `c` completed, or it went away half-open: it leaves its source's count. */
  handshakeDone(c: number): void {
    const conns = this.conns;
    if ((conns.flags[c]! & CONN_SOURCE_COUNTED) === 0) return;
    conns.flags[c]! &= ~CONN_SOURCE_COUNTED;
    this.sources.decrement(conns.clientAddr, c * 4);
  }

  /** Frees a slot under table pressure: the oldest TIME_WAIT, else the oldest SYN_RECEIVED. */
  private evict(nowMs: number): boolean {
    const conns = this.conns;
    const stateAt = this.timers.stateAt;
    let best = -1;
    let bestAt = Infinity;
    for (let pass = 0; pass < 2 && best < 0; pass++) {
      const want = pass === 0 ? TCP_STATE_TIME_WAIT : TCP_STATE_SYN_RECEIVED;
      for (let i = 0; i < conns.activeCount; i++) {
        const c = conns.active[i]!;
        if (conns.state[c] === want && (best < 0 || stateAt[c]! < bestAt)) {
          best = c;
          bestAt = stateAt[c]!;
        }
      }
    }
    if (best < 0) return false;
    this.counters[TCP_CTR_EVICTIONS]!++;
    this.lifecycle.release(best, nowMs);
    return true;
  }
}
