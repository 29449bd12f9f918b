/**
 * Writes the endpoint's segments into the transmit queue: a connection's segments with its
 * addresses, sequence numbers, window and options, and resets for segments of no connection.
 * Everything goes through the one TCP emitter, `writeTcpSegment` (src/wire/emit-tcp.ts), via a
 * reused {@link TcpSegmentSpec}; nothing is allocated per segment.
 */
import type { PacketMeta } from '../wire/packet.js';
import { TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_RST, TCP_FLAG_SYN } from '../wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../wire/emit-tcp.js';
import type { TcpConnections } from './connections.js';
import type { Reassembly } from './reassembly.js';
import type { SendBuffer } from './send-buffer.js';
import {
  CONN_ACK_NOW, CONN_SACK, CONN_TIMESTAMPS, CONN_WINDOW_SCALE, TCP_OOO_RANGES, TCP_STATE_SYN_RECEIVED,
} from './constants.js';
import {
  TCP_CTR_CHALLENGE_ACKS, TCP_CTR_RST_OUT, TCP_CTR_SEGMENTS_OUT, TCP_CTR_TX_OVERFLOWS,
} from './counters.js';

/** Where emitted packets go: the engine's transmit queue (src/engine/tx-queue.ts) satisfies it. */
export interface PacketSink {
  /** Backing store packets are written into. */
  readonly buf: Uint8Array;
  /** Reserves room for a packet of at most `maxLen` bytes: its offset in `buf`, or -1 when full. */
  reserve(maxLen: number): number;
  /** Commits the packet written at the last reserved offset with its final length. */
  commit(len: number): void;
}

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
/** TCP header with the most options: what a segment can need beyond its IP header and payload. */
const TCP_HEADER_MAX = 60;

/** The endpoint's output of segments. */
export class SegmentWriter {
  private readonly spec = new TcpSegmentSpec();
  /** IPv4 identification of the next segment. */
  private ipId = 0;

  constructor(
    private readonly conns: TcpConnections,
    private readonly reassembly: Reassembly,
    private readonly sendBuffer: SendBuffer,
    private readonly tx: PacketSink,
    private readonly counters: Float64Array,
    /** Our MSS for IPv4; IPv6 announces 20 bytes less. */
    private readonly mssV4: number,
    private readonly ttl: number,
  ) {}

  /** Our SYN-ACK (again, when retransmitted): ISS, with the negotiated SYN options. */
  sendSynAck(c: number, nowMs: number): void {
    this.write(c, this.conns.iss[c]!, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, nowMs);
  }

  /** An ACK of RCV.NXT at SND.NXT (in SYN_RECEIVED, the SYN-ACK again). */
  sendAck(c: number, nowMs: number): void {
    if (this.conns.state[c] === TCP_STATE_SYN_RECEIVED) {
      this.sendSynAck(c, nowMs);
      return;
    }
    this.write(c, this.conns.sndNxt[c]!, TCP_FLAG_ACK, 0, nowMs);
  }

  /** A challenge ACK (RFC 5961 §3.2, §4.2), counted. */
  challengeAck(c: number, nowMs: number): void {
    this.counters[TCP_CTR_CHALLENGE_ACKS]!++;
    this.sendAck(c, nowMs);
  }

  /** A reset of connection `c` (RFC 9293 §3.10.5): at SND.NXT, or ISS + 1 before the handshake completed. */
  sendRst(c: number, nowMs: number): void {
    const conns = this.conns;
    const seq = conns.state[c] === TCP_STATE_SYN_RECEIVED ? (conns.iss[c]! + 1) >>> 0 : conns.sndNxt[c]!;
    this.write(c, seq, TCP_FLAG_RST | TCP_FLAG_ACK, 0, nowMs);
    this.counters[TCP_CTR_RST_OUT]!++;
  }

  /**
   * Emits a segment of connection `c` with its options (SYN options on a SYN; timestamps and,
   * on a pure ACK, SACK blocks for what waits in reassembly otherwise; none on a RST) and
   * `dataLen` bytes of its send buffer starting at `seq`.
   */
  write(c: number, seq: number, flags: number, dataLen: number, nowMs: number): void {
    const conns = this.conns;
    const spec = this.spec;
    const b = c * 4;
    spec.clearOptions();
    if (conns.isV6[c] === 1) {
      spec.ipVersion = 6;
      for (let w = 0; w < 4; w++) {
        spec.srcAddr[w] = conns.serverAddr[b + w]!;
        spec.dstAddr[w] = conns.clientAddr[b + w]!;
      }
      spec.src4 = 0;
      spec.dst4 = 0;
    } else {
      spec.setAddresses4(conns.serverAddr[b + 3]!, conns.clientAddr[b + 3]!);
    }
    spec.srcPort = conns.serverPort[c]!;
    spec.dstPort = conns.clientPort[c]!;
    spec.seq = seq;
    spec.ack = (flags & TCP_FLAG_ACK) !== 0 ? conns.rcvNxt[c]! : 0;
    spec.flags = flags;
    const syn = (flags & TCP_FLAG_SYN) !== 0;
    // RFC 7323 §2.2: the window of a SYN is never scaled.
    const offered = conns.window(c);
    let wnd = syn ? offered : offered >>> conns.rcvWscale[c]!;
    if (wnd > 0xffff) wnd = 0xffff;
    spec.window = (flags & TCP_FLAG_RST) !== 0 ? 0 : wnd;
    if ((flags & TCP_FLAG_RST) === 0) conns.lastWndSent[c] = offered;
    const fl = conns.flags[c]!;
    if ((flags & TCP_FLAG_RST) === 0) {
      if ((fl & CONN_TIMESTAMPS) !== 0) {
        spec.hasTimestamp = true;
        spec.tsVal = (Math.floor(nowMs) + conns.tsOffset[c]!) >>> 0;
        spec.tsEcr = conns.tsRecent[c]!;
      }
      if (syn) {
        spec.mss = conns.isV6[c] === 1 ? this.mssV4 - 20 : this.mssV4;
        spec.sackPermitted = (fl & CONN_SACK) !== 0;
        spec.windowScale = (fl & CONN_WINDOW_SCALE) !== 0 ? conns.rcvWscale[c]! : -1;
      } else if (dataLen === 0 && (fl & CONN_SACK) !== 0 && this.reassembly.count[c]! > 0) {
        // RFC 2018 §4: report the blocks waiting in reassembly.
        const r = this.reassembly;
        const base = c * TCP_OOO_RANGES;
        const k = r.count[c]!;
        for (let i = 0; i < k; i++) {
          spec.sackBlocks[2 * i] = r.start[base + i]!;
          spec.sackBlocks[2 * i + 1] = r.end[base + i]!;
        }
        spec.sackBlockCount = k;
      }
    }
    if (dataLen > 0) {
      const sb = this.sendBuffer;
      spec.payloadBuf = sb.bytes[c]!;
      spec.payloadOff = sb.head[c]! + ((seq - conns.sndUna[c]!) >>> 0);
      spec.payloadLen = dataLen;
    }
    this.emit();
    conns.lastAckSent[c] = conns.rcvNxt[c]!;
    conns.flags[c]! &= ~CONN_ACK_NOW;
  }

  /**
   * Answers a segment of no connection with a reset (RFC 9293 §3.10.7.1): with ACK set,
   * `<SEQ=SEG.ACK><CTL=RST>`; without, `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`.
   */
  sendRstFor(meta: PacketMeta): void {
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

  /**
   * A SYN-ACK to the SYN `meta` that keeps no state: sequence number `iss` (a SYN cookie), our
   * window `window` unscaled, and only the MSS option `mss` (RFC 4987 §3.6).
   */
  sendStatelessSynAck(meta: PacketMeta, iss: number, window: number, mss: number): void {
    const spec = this.spec;
    spec.clearOptions();
    spec.setReplyTo(meta);
    spec.seq = iss;
    spec.ack = ((meta.seq >>> 0) + 1) >>> 0;
    spec.flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
    spec.window = window;
    spec.mss = mss;
    this.emit();
  }

  /** Writes the segment in `spec` into the transmit queue (counted; lost if the queue is full). */
  private emit(): void {
    const spec = this.spec;
    spec.ttl = this.ttl;
    spec.ipId = this.ipId;
    this.ipId = (this.ipId + 1) & 0xffff;
    const tx = this.tx;
    const ipLen = spec.ipVersion === 6 ? IPV6_HEADER : IPV4_HEADER;
    const at = tx.reserve(ipLen + TCP_HEADER_MAX + spec.payloadLen);
    const n = at < 0 ? 0 : writeTcpSegment(tx.buf, at, spec);
    if (n === 0) {
      this.counters[TCP_CTR_TX_OVERFLOWS]!++;
      return;
    }
    tx.commit(n);
    this.counters[TCP_CTR_SEGMENTS_OUT]!++;
  }
}
