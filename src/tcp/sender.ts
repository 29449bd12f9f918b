/**
 * The sending side of each connection: output of queued data within the peer's window and the
 * congestion window (RFC 5681) with sender-side silly window avoidance, the FIN after the data,
 * acknowledgement of sent data (SND.UNA advancing, RTT samples, the congestion window), and
 * retransmission — on timeout with backoff (RFC 6298 §5), fast retransmit after three duplicate
 * ACKs (RFC 5681 §3.2) and zero-window probing (RFC 9293 §3.8.6.1).
 */
import { TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH } from '../wire/packet.js';
import { seqGt, seqLt } from '../wire/seq.js';
import type { ConnectionLifecycle, EndpointApp } from './app.js';
import type { TcpConnections } from './connections.js';
import type { RttEstimator } from './rtt.js';
import type { SegmentWriter } from './segment-writer.js';
import type { SendBuffer } from './send-buffer.js';
import type { TcpTimers } from './timers.js';
import {
  CONN_FIN_ACKED, CONN_FIN_QUEUED, CONN_TIMING, CONN_WANT_WRITABLE, TCP_STATE_CLOSE_WAIT, TCP_STATE_CLOSING,
  TCP_STATE_ESTABLISHED, TCP_STATE_FIN_WAIT_1, TCP_STATE_LAST_ACK, TCP_STATE_SYN_RECEIVED, TIMER_PERSIST, TIMER_RTX,
} from './constants.js';
import {
  TCP_CTR_BYTES_OUT, TCP_CTR_FAST_RETRANSMITS, TCP_CTR_RETRANSMITS, TCP_CTR_SYNACK_RETRANSMITS,
  TCP_CTR_TIMEOUT_ABORTS, TCP_CTR_ZERO_WINDOW_PROBES,
} from './counters.js';

/** Output, acknowledgement and retransmission of every connection's data. */
export class Sender {
  constructor(
    private readonly conns: TcpConnections,
    private readonly buffer: SendBuffer,
    private readonly rtt: RttEstimator,
    private readonly timers: TcpTimers,
    private readonly writer: SegmentWriter,
    private readonly counters: Float64Array,
    private readonly app: EndpointApp,
    private readonly lifecycle: ConnectionLifecycle,
    private readonly maxRetransmits: number,
  ) {}

  /**
   * Sends what the peer's window, the congestion window and sender-side silly window avoidance
   * (RFC 9293 §3.8.6.2.1) allow, then the FIN once all data is out; arms the retransmission or
   * persist timer.
   */
  output(c: number, nowMs: number): void {
    const conns = this.conns;
    const s = conns.state[c]!;
    if (s !== TCP_STATE_ESTABLISHED && s !== TCP_STATE_CLOSE_WAIT && s !== TCP_STATE_FIN_WAIT_1
      && s !== TCP_STATE_CLOSING && s !== TCP_STATE_LAST_ACK) return;
    const timers = this.timers;
    const rto = this.rtt.rtoMs;
    const mss = conns.sndMss[c]!;
    for (;;) {
      const una = conns.sndUna[c]!;
      const nxt = conns.sndNxt[c]!;
      const inFlight = (nxt - una) >>> 0;
      const len = this.buffer.length[c]!;
      const fl = conns.flags[c]!;
      if (inFlight < len) {
        const unsent = len - inFlight;
        const wnd = conns.sndWnd[c]!;
        const cw = conns.cwnd[c]!;
        const limit = (wnd < cw ? wnd : cw) - inFlight;
        if (limit <= 0) break;
        const want = unsent < mss ? unsent : mss;
        const n = limit < want ? limit : want;
        if (n < want && inFlight > 0 && n < (conns.maxSndWnd[c]! >>> 1)) break;
        const fin = (fl & CONN_FIN_QUEUED) !== 0 && n === unsent;
        const flags = TCP_FLAG_ACK | (n === unsent ? TCP_FLAG_PSH : 0) | (fin ? TCP_FLAG_FIN : 0);
        const fresh = nxt === conns.sndMax[c];
        if (fresh && (fl & CONN_TIMING) === 0) {
          conns.flags[c]! |= CONN_TIMING;
          this.rtt.start(c, nxt, nowMs);
        }
        this.writer.write(c, nxt, flags, n, nowMs);
        conns.probeShift[c] = 0;
        const newNxt = (nxt + n + (fin ? 1 : 0)) >>> 0;
        conns.sndNxt[c] = newNxt;
        if (seqGt(newNxt, conns.sndMax[c]!)) {
          this.counters[TCP_CTR_BYTES_OUT]! += (newNxt - conns.sndMax[c]!) >>> 0;
          conns.sndMax[c] = newNxt;
        }
        if (timers.rtxKind[c] !== TIMER_RTX || timers.rtxAt[c] === Infinity) timers.armRtx(c, nowMs + rto[c]!, TIMER_RTX);
        continue;
      }
      if (inFlight === len && (fl & (CONN_FIN_QUEUED | CONN_FIN_ACKED)) === CONN_FIN_QUEUED) {
        // All data is out: the FIN (RFC 9293 §3.10.4), first time or after going back.
        this.writer.write(c, nxt, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, nowMs);
        const newNxt = (nxt + 1) >>> 0;
        conns.sndNxt[c] = newNxt;
        if (seqGt(newNxt, conns.sndMax[c]!)) conns.sndMax[c] = newNxt;
        if (timers.rtxKind[c] !== TIMER_RTX || timers.rtxAt[c] === Infinity) timers.armRtx(c, nowMs + rto[c]!, TIMER_RTX);
      }
      break;
    }
    // Zero window with data waiting and nothing in flight: probe it (RFC 9293 §3.8.6.1).
    if (timers.rtxAt[c] === Infinity && this.buffer.length[c]! > ((conns.sndNxt[c]! - conns.sndUna[c]!) >>> 0)) {
      timers.armRtx(c, nowMs + rto[c]!, TIMER_PERSIST);
    }
  }

  /**
   * SND.UNA advances to `ack` (which may lie beyond SND.MAX in replay mode): acknowledged data
   * leaves the buffer, our FIN counts as acknowledged once passed, an RTT sample is taken
   * (Karn's algorithm, RFC 6298 §3), the congestion window grows (RFC 5681 §3.1) and the
   * retransmission timer stops or restarts (RFC 6298 §5.2, §5.3).
   */
  acknowledge(c: number, ack: number, nowMs: number): void {
    const conns = this.conns;
    const buffer = this.buffer;
    let adv = (ack - conns.sndUna[c]!) >>> 0;
    const len = buffer.length[c]!;
    const data = adv < len ? adv : len;
    adv -= data;
    if (data > 0) buffer.consume(c, data);
    let una = (conns.sndUna[c]! + data) >>> 0;
    let fl = conns.flags[c]!;
    if (adv > 0 && (fl & (CONN_FIN_QUEUED | CONN_FIN_ACKED)) === CONN_FIN_QUEUED) {
      fl |= CONN_FIN_ACKED;
      adv--;
      una = (una + 1) >>> 0;
    }
    if (adv > 0 && (fl & CONN_FIN_QUEUED) === 0) {
      // Replay: the client acknowledged bytes the application has not produced yet; they count as
      // delivered and are dropped when they come.
      buffer.discard[c] = buffer.discard[c]! + adv;
      una = (una + adv) >>> 0;
    }
    conns.sndUna[c] = una;
    if (seqLt(conns.sndNxt[c]!, una)) conns.sndNxt[c] = una;
    if (seqLt(conns.sndMax[c]!, una)) conns.sndMax[c] = una;
    if ((fl & CONN_TIMING) !== 0 && seqGt(una, this.rtt.timedSeq[c]!)) {
      fl &= ~CONN_TIMING;
      this.rtt.finish(c, nowMs);
    }
    const mss = conns.sndMss[c]!;
    const cw = conns.cwnd[c]!;
    if (cw < conns.ssthresh[c]!) conns.cwnd[c] = cw + (data < mss ? data : mss);
    else conns.cwnd[c] = cw + Math.max(1, Math.floor((mss * mss) / cw));
    if (conns.cwnd[c]! > 0x3fffffff) conns.cwnd[c] = 0x3fffffff;
    conns.flags[c] = fl;
    conns.retries[c] = 0;
    conns.dupAcks[c] = 0;
    if (conns.sndMax[c] === una) this.timers.disarmRtx(c);
    else this.timers.armRtx(c, nowMs + this.rtt.rtoMs[c]!, TIMER_RTX);
    if ((fl & CONN_WANT_WRITABLE) !== 0 && buffer.length[c]! < buffer.size) {
      conns.flags[c]! &= ~CONN_WANT_WRITABLE;
      this.app.writable(c, nowMs);
    }
  }

  /** The retransmission timer expired (RFC 6298 §5.4-5.7): resend, back off, or give up. */
  retransmitTimeout(c: number, nowMs: number): void {
    const conns = this.conns;
    const una = conns.sndUna[c]!;
    if (conns.sndMax[c] === una) {
      this.timers.disarmRtx(c);
      return;
    }
    if (conns.retries[c]! >= this.maxRetransmits) {
      this.counters[TCP_CTR_TIMEOUT_ABORTS]!++;
      if (conns.state[c] === TCP_STATE_SYN_RECEIVED) this.lifecycle.release(c, nowMs);
      else this.lifecycle.abortByEndpoint(c, nowMs);
      return;
    }
    conns.retries[c]!++;
    this.rtt.backoff(c);
    conns.flags[c]! &= ~CONN_TIMING;
    if (conns.state[c] === TCP_STATE_SYN_RECEIVED) {
      this.counters[TCP_CTR_SYNACK_RETRANSMITS]!++;
      this.writer.sendSynAck(c, nowMs);
      this.timers.armRtx(c, nowMs + this.rtt.rtoMs[c]!, TIMER_RTX);
      return;
    }
    // RFC 5681 §3.1 eq. 4: after a timeout, one segment at a time again; go back to SND.UNA.
    const mss = conns.sndMss[c]!;
    const flight = (conns.sndMax[c]! - una) >>> 0;
    const half = flight >>> 1;
    conns.ssthresh[c] = half > 2 * mss ? half : 2 * mss;
    conns.cwnd[c] = mss;
    conns.dupAcks[c] = 0;
    this.counters[TCP_CTR_RETRANSMITS]!++;
    if (conns.sndWnd[c] === 0 && this.buffer.length[c]! > 0) {
      // The peer closed its window meanwhile: probe it rather than resend into it.
      conns.sndNxt[c] = una;
      this.sendProbe(c, nowMs);
      this.timers.armRtx(c, nowMs + this.rtt.rtoMs[c]!, TIMER_PERSIST);
      return;
    }
    // Go back to SND.UNA: with the congestion window at one segment, output() resends just the
    // first one, within the peer's window; the rest follows as ACKs come (RFC 5681 §3.1).
    conns.sndNxt[c] = una;
    this.timers.armRtx(c, nowMs + this.rtt.rtoMs[c]!, TIMER_RTX);
    this.output(c, nowMs);
  }

  /** Zero-window probe timer (RFC 9293 §3.8.6.1): one byte beyond the window, backing off. */
  persistTimeout(c: number, nowMs: number): void {
    const conns = this.conns;
    const inFlight = (conns.sndNxt[c]! - conns.sndUna[c]!) >>> 0;
    if (this.buffer.length[c]! <= inFlight) {
      this.timers.disarmRtx(c);
      return;
    }
    if (conns.sndWnd[c] !== 0) {
      this.timers.disarmRtx(c);
      this.output(c, nowMs);
      return;
    }
    if (conns.retries[c]! >= this.maxRetransmits) {
      this.counters[TCP_CTR_TIMEOUT_ABORTS]!++;
      this.lifecycle.abortByEndpoint(c, nowMs);
      return;
    }
    conns.retries[c]!++;
    this.sendProbe(c, nowMs);
    if (conns.probeShift[c]! < 16) conns.probeShift[c]!++;
    this.timers.armRtx(c, nowMs + this.rtt.backedOff(c, conns.probeShift[c]!), TIMER_PERSIST);
  }

  private sendProbe(c: number, nowMs: number): void {
    const conns = this.conns;
    const nxt = conns.sndNxt[c]!;
    this.counters[TCP_CTR_ZERO_WINDOW_PROBES]!++;
    this.writer.write(c, nxt, TCP_FLAG_ACK, 1, nowMs);
    const end = (nxt + 1) >>> 0;
    if (seqGt(end, conns.sndMax[c]!)) conns.sndMax[c] = end;
  }

  /** RFC 5681 §3.2: retransmits the first unacknowledged segment after three duplicate ACKs. */
  fastRetransmit(c: number, nowMs: number): void {
    const conns = this.conns;
    const mss = conns.sndMss[c]!;
    const flight = (conns.sndNxt[c]! - conns.sndUna[c]!) >>> 0;
    const half = flight >>> 1;
    conns.ssthresh[c] = half > 2 * mss ? half : 2 * mss;
    conns.cwnd[c] = conns.ssthresh[c]!;
    conns.flags[c]! &= ~CONN_TIMING;
    this.counters[TCP_CTR_FAST_RETRANSMITS]!++;
    this.resendFirst(c, nowMs);
  }

  /** Sends the first unacknowledged segment (data, or the FIN) again, never past SND.MAX. */
  private resendFirst(c: number, nowMs: number): void {
    const conns = this.conns;
    const una = conns.sndUna[c]!;
    const sent = (conns.sndMax[c]! - una) >>> 0;
    const len = this.buffer.length[c]!;
    const mss = conns.sndMss[c]!;
    let n = len < mss ? len : mss;
    if (n > sent) n = sent;
    const fin = (conns.flags[c]! & (CONN_FIN_QUEUED | CONN_FIN_ACKED)) === CONN_FIN_QUEUED && n === len && sent > len;
    if (n === 0 && !fin) return;
    this.writer.write(c, una, TCP_FLAG_ACK | (n > 0 ? TCP_FLAG_PSH : 0) | (fin ? TCP_FLAG_FIN : 0), n, nowMs);
  }
}
