/**
 * Segment arrival on a connection (RFC 9293 §3.10.7.4, with the RFC 5961 defences and RFC 7323
 * PAWS): the sequence check, RST, SYN, ACK (the handshake's last step included), segment text
 * and FIN steps, in the RFC's order. The endpoint handles a bare SYN before this (a retransmitted
 * SYN, or a new incarnation of the 4-tuple).
 */
import type { PacketMeta } from '../wire/packet.js';
import { TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_RST, TCP_FLAG_SYN } from '../wire/packet.js';
import { seqGt, seqLe, seqLt } from '../wire/seq.js';
import { readU32 } from '../wire/bytes.js';
import type { ConnectionLifecycle, EndpointApp } from './app.js';
import type { TcpConnections } from './connections.js';
import type { Reassembly } from './reassembly.js';
import type { RttEstimator } from './rtt.js';
import type { SegmentWriter } from './segment-writer.js';
import type { Sender } from './sender.js';
import type { TcpTimers } from './timers.js';
import {
  CONN_ACK_NOW, CONN_ESTABLISHED, CONN_FIN_ACKED, CONN_FIN_QUEUED, CONN_PEER_FIN_PENDING, CONN_REBASED,
  CONN_TIMESTAMPS, CONN_TIMING, TCP_STATE_CLOSED, TCP_STATE_CLOSE_WAIT, TCP_STATE_CLOSING,
  TCP_STATE_ESTABLISHED, TCP_STATE_FIN_WAIT_1, TCP_STATE_FIN_WAIT_2, TCP_STATE_LAST_ACK,
  TCP_STATE_SYN_RECEIVED, TCP_STATE_TIME_WAIT, TIMER_PERSIST,
} from './constants.js';
import {
  TCP_CTR_ACK_TOO_NEW, TCP_CTR_BAD_SEGMENTS, TCP_CTR_BYTES_IN, TCP_CTR_DUPLICATE_DATA, TCP_CTR_DUP_ACKS,
  TCP_CTR_ESTABLISHED, TCP_CTR_OUT_OF_WINDOW, TCP_CTR_PAWS_REJECTED, TCP_CTR_REPLAY_ACK_AHEAD,
  TCP_CTR_REPLAY_REBASES, TCP_CTR_RST_IGNORED, TCP_CTR_RST_IN, TCP_CTR_ZERO_WINDOW_DROPS,
} from './counters.js';

const TCP_HEADER = 20;

/** Timeouts the arrival of segments arms. */
export interface ArrivalTimeouts {
  readonly timeWaitMs: number;
  readonly finWait2TimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** Processes segments that arrive on open connections. */
export class SegmentArrival {
  /** TSval of the segment being processed, when it carries one. */
  private segTsVal = 0;
  /** All-zero bytes delivered for payload a snapped capture lacks. */
  private readonly zeros = new Uint8Array(4096);

  constructor(
    private readonly conns: TcpConnections,
    private readonly reassembly: Reassembly,
    private readonly rtt: RttEstimator,
    private readonly timers: TcpTimers,
    private readonly writer: SegmentWriter,
    private readonly sender: Sender,
    private readonly counters: Float64Array,
    private readonly app: EndpointApp,
    private readonly lifecycle: ConnectionLifecycle,
    private readonly timeouts: ArrivalTimeouts,
    /** Replay mode (spec/auth-proxy-log.md §5). */
    private readonly replay: boolean,
    /** Delivered bytes stay in the window until the application reads them (`TcpEndpoint.read`). */
    private readonly holdUntilRead: boolean,
  ) {}

  /** Processes a segment of open connection `c` that is not a bare SYN. Never throws on segment content. */
  input(c: number, meta: PacketMeta, nowMs: number): void {
    const conns = this.conns;
    const cnt = this.counters;
    const g = conns.generation[c]!;
    const flags = meta.tcpFlags;
    const seq = meta.seq >>> 0;
    const ack = meta.ack >>> 0;
    const payLen = meta.payloadLength > 0 ? meta.payloadLength : 0;
    let state = conns.state[c]!;

    const hasTs = (conns.flags[c]! & CONN_TIMESTAMPS) !== 0 && this.readTimestamp(meta);

    // First: sequence number acceptability (RFC 9293 §3.10.7.4, four cases; RCV.WND > 0 always).
    const segLen = payLen + ((flags & TCP_FLAG_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FLAG_FIN) !== 0 ? 1 : 0);
    const wnd = conns.window(c);
    const rel = (seq - conns.rcvNxt[c]!) | 0;
    let ok = rel >= 0 && rel < wnd;
    if (!ok && segLen > 0) {
      const relEnd = rel + segLen - 1;
      ok = relEnd >= 0 && relEnd < wnd;
    }
    if (!ok && wnd === 0 && rel === 0) {
      // A closed window takes no text, but the ACK, RST and FIN-less control of a segment at
      // RCV.NXT are still processed (RFC 9293 §3.10.7.4: "special allowance"); the text is trimmed.
      ok = true;
      if (segLen > 0) cnt[TCP_CTR_ZERO_WINDOW_DROPS]!++;
    }
    if (!ok) {
      cnt[TCP_CTR_OUT_OF_WINDOW]!++;
      if ((flags & TCP_FLAG_RST) !== 0) cnt[TCP_CTR_RST_IGNORED]!++;
      else this.writer.sendAck(c, nowMs);
      return;
    }
    conns.lastInputMs[c] = nowMs;
    // PAWS (RFC 7323 §5.3): an older timestamp marks an old duplicate.
    if (hasTs && (flags & TCP_FLAG_RST) === 0 && seqLt(this.segTsVal, conns.tsRecent[c]!)) {
      cnt[TCP_CTR_PAWS_REJECTED]!++;
      this.writer.sendAck(c, nowMs);
      return;
    }
    // RFC 7323 §4.3: remember the timestamp of the segment that ACKs will echo.
    if (hasTs && seqLe(seq, conns.lastAckSent[c]!) && !seqLt(this.segTsVal, conns.tsRecent[c]!)) {
      conns.tsRecent[c] = this.segTsVal;
    }

    // Second: RST. RFC 5961 §3.2: only an exact match resets; in-window gets a challenge ACK.
    if ((flags & TCP_FLAG_RST) !== 0) {
      if (state === TCP_STATE_TIME_WAIT) {
        // RFC 1337 §3: a reset must not cut TIME_WAIT short.
        cnt[TCP_CTR_RST_IGNORED]!++;
        return;
      }
      if (seq === conns.rcvNxt[c]) {
        cnt[TCP_CTR_RST_IN]!++;
        if ((conns.flags[c]! & CONN_ESTABLISHED) !== 0 && state !== TCP_STATE_SYN_RECEIVED) this.app.reset(c, nowMs);
        if (conns.generation[c] === g) this.lifecycle.release(c, nowMs);
      } else {
        cnt[TCP_CTR_RST_IGNORED]!++;
        this.writer.challengeAck(c, nowMs);
      }
      return;
    }
    // Fourth: a SYN in a synchronized state (RFC 5961 §4.2): challenge ACK, drop.
    if ((flags & TCP_FLAG_SYN) !== 0) {
      this.writer.challengeAck(c, nowMs);
      return;
    }
    // Fifth: ACK.
    if ((flags & TCP_FLAG_ACK) === 0) {
      cnt[TCP_CTR_BAD_SEGMENTS]!++;
      return;
    }
    if (state === TCP_STATE_SYN_RECEIVED) {
      if (this.replay && (conns.flags[c]! & CONN_REBASED) === 0) {
        this.rebase(c, ack);
      } else if (!(seqLt(conns.sndUna[c]!, ack) && seqLe(ack, conns.sndMax[c]!))) {
        // An unacceptable ACK in SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST>, stay.
        cnt[TCP_CTR_BAD_SEGMENTS]!++;
        this.writer.sendRstFor(meta);
        return;
      }
      if (!this.establish(c, meta, ack, nowMs)) return;
      state = conns.state[c]!;
    } else if (!this.processAck(c, meta, seq, ack, payLen, nowMs)) {
      return;
    }
    if (conns.generation[c] !== g) return;
    state = conns.state[c]!;
    if (state === TCP_STATE_CLOSED) return;

    // Seventh: segment text (ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2; ignored after the peer's FIN).
    let finUsable = (flags & TCP_FLAG_FIN) !== 0;
    if (state === TCP_STATE_ESTABLISHED || state === TCP_STATE_FIN_WAIT_1 || state === TCP_STATE_FIN_WAIT_2) {
      if (payLen > 0) {
        const r = this.receiveText(c, meta, seq, payLen, nowMs);
        if (conns.generation[c] !== g) return;
        if (r) finUsable = false;
      }
      // Eighth: FIN.
      if (finUsable) {
        const finSeq = (seq + payLen) >>> 0;
        if (finSeq === conns.rcvNxt[c]) {
          this.peerFinReceived(c, nowMs);
          if (conns.generation[c] !== g) return;
        } else if (seqGt(finSeq, conns.rcvNxt[c]!)) {
          conns.flags[c]! |= CONN_PEER_FIN_PENDING;
          conns.peerFinSeq[c] = finSeq;
          conns.flags[c]! |= CONN_ACK_NOW;
        }
      }
    } else if (finUsable || payLen > 0) {
      // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: a retransmitted FIN (or data after it) gets an ACK;
      // in TIME-WAIT it restarts the 2 MSL timeout.
      if (state === TCP_STATE_TIME_WAIT) this.timers.armState(c, nowMs + this.timeouts.timeWaitMs);
      conns.flags[c]! |= CONN_ACK_NOW;
    }

    this.sender.output(c, nowMs);
    if (conns.generation[c] === g && (conns.flags[c]! & CONN_ACK_NOW) !== 0) this.writer.sendAck(c, nowMs);
  }

  /** Replay mode: the client's first ACK acknowledges our ISN + 1, whatever the SYN-ACK carried. */
  private rebase(c: number, ack: number): void {
    const conns = this.conns;
    const isn = (ack - 1) >>> 0;
    conns.iss[c] = isn;
    conns.sndUna[c] = isn;
    conns.sndNxt[c] = ack;
    conns.sndMax[c] = ack;
    this.rtt.timedSeq[c] = isn;
    conns.flags[c]! |= CONN_REBASED;
    this.counters[TCP_CTR_REPLAY_REBASES]!++;
  }

  /** SYN-RECEIVED → ESTABLISHED on an acceptable ACK; tells the app. Returns false if the connection went away. */
  private establish(c: number, meta: PacketMeta, ack: number, nowMs: number): boolean {
    const conns = this.conns;
    const g = conns.generation[c]!;
    conns.sndUna[c] = ack;
    if (seqLt(conns.sndNxt[c]!, ack)) conns.sndNxt[c] = ack;
    if (seqLt(conns.sndMax[c]!, ack)) conns.sndMax[c] = ack;
    const wnd = meta.window * (1 << conns.sndWscale[c]!);
    conns.sndWnd[c] = wnd;
    conns.maxSndWnd[c] = wnd;
    conns.sndWl1[c] = meta.seq;
    conns.sndWl2[c] = ack;
    if ((conns.flags[c]! & CONN_TIMING) !== 0 && conns.retries[c] === 0) this.rtt.finish(c, nowMs);
    conns.flags[c] = (conns.flags[c]! & ~CONN_TIMING) | CONN_ESTABLISHED;
    conns.retries[c] = 0;
    this.timers.disarmRtx(c);
    this.timers.armState(c, nowMs + this.timeouts.idleTimeoutMs);
    const shutting = (conns.flags[c]! & CONN_FIN_QUEUED) !== 0;
    conns.state[c] = shutting ? TCP_STATE_FIN_WAIT_1 : TCP_STATE_ESTABLISHED;
    this.counters[TCP_CTR_ESTABLISHED]!++;
    this.lifecycle.handshakeDone(c);
    this.app.accepted(c, nowMs);
    return conns.generation[c] === g;
  }

  /**
   * The fifth check for synchronized states (RFC 9293 §3.10.7.4): advances SND.UNA, updates the
   * send window, detects duplicate ACKs, moves the close states on when our FIN is acknowledged.
   * Returns false when the segment is to be dropped or the connection went away.
   */
  private processAck(c: number, meta: PacketMeta, seq: number, ack: number, payLen: number, nowMs: number): boolean {
    const conns = this.conns;
    const g = conns.generation[c]!;
    const una = conns.sndUna[c]!;
    if (seqGt(ack, conns.sndMax[c]!)) {
      if (!this.replay) {
        // Acknowledges something not yet sent: ACK and drop.
        this.counters[TCP_CTR_ACK_TOO_NEW]!++;
        this.writer.sendAck(c, nowMs);
        return false;
      }
      this.counters[TCP_CTR_REPLAY_ACK_AHEAD]!++;
    }
    const wnd = meta.window * (1 << conns.sndWscale[c]!);
    if (seqLt(ack, una)) return true; // an old duplicate ACK: ignore it, keep the text
    if (ack === una) {
      // A peer answering our window probes is alive (RFC 9293 §3.8.6.1): keep probing.
      if (this.timers.rtxKind[c] === TIMER_PERSIST) conns.retries[c] = 0;
      const outstanding = conns.sndNxt[c] !== una;
      if (outstanding && payLen === 0 && (meta.tcpFlags & TCP_FLAG_FIN) === 0 && wnd === conns.sndWnd[c] && wnd !== 0) {
        this.counters[TCP_CTR_DUP_ACKS]!++;
        if (++conns.dupAcks[c]! === 3) this.sender.fastRetransmit(c, nowMs);
      }
    } else {
      this.sender.acknowledge(c, ack, nowMs);
      if (conns.generation[c] !== g) return false;
    }
    // Window update (RFC 9293 §3.10.7.4): only from a segment at least as new as the last one used.
    if (seqLt(conns.sndWl1[c]!, seq) || (conns.sndWl1[c] === seq && seqLe(conns.sndWl2[c]!, ack))) {
      conns.sndWnd[c] = wnd;
      if (wnd > conns.maxSndWnd[c]!) conns.maxSndWnd[c] = wnd;
      conns.sndWl1[c] = seq;
      conns.sndWl2[c] = ack;
    }
    return this.afterAck(c, nowMs);
  }

  /** State changes once our FIN is acknowledged. Returns false if the connection was released. */
  afterAck(c: number, nowMs: number): boolean {
    const conns = this.conns;
    if ((conns.flags[c]! & CONN_FIN_ACKED) === 0) return true;
    switch (conns.state[c]) {
      case TCP_STATE_FIN_WAIT_1:
        conns.state[c] = TCP_STATE_FIN_WAIT_2;
        this.timers.armState(c, nowMs + this.timeouts.finWait2TimeoutMs);
        return true;
      case TCP_STATE_CLOSING:
        this.enterTimeWait(c, nowMs);
        return true;
      case TCP_STATE_LAST_ACK:
        this.lifecycle.release(c, nowMs);
        return false;
      default:
        return true;
    }
  }

  private enterTimeWait(c: number, nowMs: number): void {
    this.conns.state[c] = TCP_STATE_TIME_WAIT;
    this.timers.disarmRtx(c);
    this.timers.armState(c, nowMs + this.timeouts.timeWaitMs);
  }

  /**
   * Accepts segment text: in-order bytes go straight to the app (then whatever the reassembly
   * buffer can add), bytes ahead of RCV.NXT are queued. Returns true when the segment's tail
   * was trimmed to the window (its FIN, if any, is then not usable).
   */
  private receiveText(c: number, meta: PacketMeta, seq: number, payLen: number, nowMs: number): boolean {
    const conns = this.conns;
    const rel = (seq - conns.rcvNxt[c]!) | 0;
    const skip = rel < 0 ? -rel : 0;
    const start = rel < 0 ? 0 : rel;
    const room = conns.window(c) - start;
    let n = payLen - skip;
    let trimmed = false;
    if (n > room) {
      n = room;
      trimmed = true;
    }
    conns.flags[c]! |= CONN_ACK_NOW;
    if (skip > 0) this.counters[TCP_CTR_DUPLICATE_DATA]!++;
    if (n <= 0) return trimmed;
    if (rel > 0) {
      this.reassembly.store(c, meta, conns.rcvNxt[c]!, rel, n);
      return trimmed;
    }
    const g = conns.generation[c]!;
    conns.rcvNxt[c] = conns.rcvNxt[c]! + n;
    if (this.holdUntilRead) conns.unread[c] = conns.unread[c]! + n;
    this.reassembly.advance(c, n);
    this.counters[TCP_CTR_BYTES_IN]! += n;
    // Payload bytes missing from a snapped capture are delivered as zeros.
    let p = skip;
    const end = skip + n;
    const capEnd = end < meta.payloadCaptured ? end : meta.payloadCaptured;
    if (p < capEnd) {
      this.app.data(c, meta.buf, meta.payloadOffset + p, capEnd - p, nowMs);
      if (conns.generation[c] !== g) return trimmed;
      p = capEnd;
    }
    while (p < end) {
      const k = end - p < this.zeros.length ? end - p : this.zeros.length;
      this.app.data(c, this.zeros, 0, k, nowMs);
      if (conns.generation[c] !== g) return trimmed;
      p += k;
    }
    if (this.reassembly.count[c]! > 0) this.drainReassembly(c, nowMs);
    return trimmed;
  }

  /** Delivers reassembled bytes that now continue the in-order stream. */
  private drainReassembly(c: number, nowMs: number): void {
    const conns = this.conns;
    const r = this.reassembly;
    const g = conns.generation[c]!;
    const ring = r.ring[c]!;
    const size = r.size;
    for (;;) {
      const n = r.takeReady(c, conns.rcvNxt[c]!);
      if (n < 0) break;
      if (n === 0) continue;
      const head = r.head[c]!;
      conns.rcvNxt[c] = conns.rcvNxt[c]! + n;
      if (this.holdUntilRead) conns.unread[c] = conns.unread[c]! + n;
      r.advance(c, n);
      this.counters[TCP_CTR_BYTES_IN]! += n;
      const first = size - head < n ? size - head : n;
      this.app.data(c, ring, head, first, nowMs);
      if (conns.generation[c] !== g) return;
      if (first < n) {
        this.app.data(c, ring, 0, n - first, nowMs);
        if (conns.generation[c] !== g) return;
      }
    }
    if ((conns.flags[c]! & CONN_PEER_FIN_PENDING) !== 0 && conns.peerFinSeq[c] === conns.rcvNxt[c]) {
      this.peerFinReceived(c, nowMs);
    }
  }

  /** The peer's FIN, in order (RFC 9293 §3.10.7.4 eighth step). */
  private peerFinReceived(c: number, nowMs: number): void {
    const conns = this.conns;
    conns.flags[c] = (conns.flags[c]! & ~CONN_PEER_FIN_PENDING) | CONN_ACK_NOW;
    conns.rcvNxt[c] = conns.rcvNxt[c]! + 1;
    this.reassembly.count[c] = 0;
    switch (conns.state[c]) {
      case TCP_STATE_SYN_RECEIVED:
      case TCP_STATE_ESTABLISHED:
        conns.state[c] = TCP_STATE_CLOSE_WAIT;
        break;
      case TCP_STATE_FIN_WAIT_1:
        if ((conns.flags[c]! & CONN_FIN_ACKED) !== 0) this.enterTimeWait(c, nowMs);
        else conns.state[c] = TCP_STATE_CLOSING;
        break;
      case TCP_STATE_FIN_WAIT_2:
        this.enterTimeWait(c, nowMs);
        break;
      default:
        break;
    }
    this.app.peerFin(c, nowMs);
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
}
