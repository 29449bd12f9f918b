/**
 * TCP (RFC 9293): a rebindable zero-copy {@link TcpView}, option parsing without allocation
 * ({@link TcpOptions}, {@link parseTcpOptions}) and a {@link TcpRepr} for emit, tests and the
 * control plane.
 */
import { FAULT_BAD_TCP_OFFSET, FAULT_BAD_TCP_OPTIONS, FAULT_OK, FAULT_TRUNCATED_L4 } from './faults.js';
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { foldChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords } from './checksum.js';
import {
  IPPROTO_TCP, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN,
} from './packet.js';
import type { Ipv4Repr } from './ipv4.js';
import type { Ipv6Repr } from './ipv6.js';

/** Length of a TCP header without options (RFC 9293 §3.1). */
export const TCP_HEADER_LENGTH = 20;
/** Largest TCP header: data offset 15 (RFC 9293 §3.1). */
export const TCP_MAX_HEADER_LENGTH = 60;
/** Most option bytes a TCP header can carry. */
export const TCP_MAX_OPTIONS_LENGTH = 40;

/** TCP option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
export const TCP_OPT_EOL = 0;
export const TCP_OPT_NOP = 1;
export const TCP_OPT_MSS = 2;
export const TCP_OPT_WINDOW_SCALE = 3;
export const TCP_OPT_SACK_PERMITTED = 4;
export const TCP_OPT_SACK = 5;
export const TCP_OPT_TIMESTAMP = 8;

/** Most SACK blocks an option can hold (RFC 2018 §3: (40 − 2) / 8). */
export const TCP_OPT_MAX_SACK_BLOCKS = 4;

// Field offsets (RFC 9293 §3.1).
const O_SRC_PORT = 0;
const O_DST_PORT = 2;
const O_SEQ = 4;
const O_ACK = 8;
const O_DATA_OFFSET = 12;
const O_FLAGS = 13;
const O_WINDOW = 14;
const O_CHECKSUM = 16;
const O_URGENT = 18;

/** The options of one segment, decoded in place by {@link parseTcpOptions}. Reusable. */
export class TcpOptions {
  /** MSS (RFC 9293 §3.7.1); 0 = absent. */
  mss = 0;
  /** Window-scale shift (RFC 7323 §2.2); -1 = absent. */
  windowScale = -1;
  /** SACK-permitted (RFC 2018 §2). */
  sackPermitted = false;
  /** Timestamps option present (RFC 7323 §3.2). */
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  /** SACK blocks present (RFC 2018 §3). */
  sackBlockCount = 0;
  /** SACK blocks as left/right edge pairs. */
  readonly sackBlocks = new Uint32Array(TCP_OPT_MAX_SACK_BLOCKS * 2);

  /** Resets every field to "absent". */
  clear(): void {
    this.mss = 0;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasTimestamp = false;
    this.tsVal = 0;
    this.tsEcr = 0;
    this.sackBlockCount = 0;
  }
}

/**
 * Walks the TCP options in `buf[start, end)` (RFC 9293 §3.2) into `out` and returns FAULT_OK
 * or FAULT_BAD_TCP_OPTIONS: an option length below 2, an option running past the header, or
 * a known option with the wrong length (MSS 4, window scale 3, SACK-permitted 2, timestamps
 * 10, SACK 2 + 8n with n = 1–4). EOL ends the list; unknown kinds are skipped by their length.
 * A window scale above 14 is kept as sent (RFC 7323 §2.3 says to use 14; that is the
 * endpoint's business). Allocation-free; never throws.
 */
export function parseTcpOptions(buf: Uint8Array, start: number, end: number, out: TcpOptions): number {
  out.clear();
  let p = start;
  while (p < end) {
    const kind = buf[p]!;
    if (kind === TCP_OPT_EOL) break;
    if (kind === TCP_OPT_NOP) {
      p++;
      continue;
    }
    if (p + 1 >= end) return FAULT_BAD_TCP_OPTIONS;
    const ol = buf[p + 1]!;
    if (ol < 2 || p + ol > end) return FAULT_BAD_TCP_OPTIONS;
    switch (kind) {
      case TCP_OPT_MSS:
        if (ol !== 4) return FAULT_BAD_TCP_OPTIONS;
        out.mss = readU16(buf, p + 2);
        break;
      case TCP_OPT_WINDOW_SCALE:
        if (ol !== 3) return FAULT_BAD_TCP_OPTIONS;
        out.windowScale = buf[p + 2]!;
        break;
      case TCP_OPT_SACK_PERMITTED:
        if (ol !== 2) return FAULT_BAD_TCP_OPTIONS;
        out.sackPermitted = true;
        break;
      case TCP_OPT_TIMESTAMP:
        if (ol !== 10) return FAULT_BAD_TCP_OPTIONS;
        out.hasTimestamp = true;
        out.tsVal = readU32(buf, p + 2);
        out.tsEcr = readU32(buf, p + 6);
        break;
      case TCP_OPT_SACK: {
        const n = (ol - 2) >>> 3;
        if ((ol - 2) & 7 || n < 1 || n > TCP_OPT_MAX_SACK_BLOCKS) return FAULT_BAD_TCP_OPTIONS;
        for (let i = 0; i < n * 2; i++) out.sackBlocks[i] = readU32(buf, p + 2 + 4 * i);
        out.sackBlockCount = n;
        break;
      }
      default:
        break;
    }
    p += ol;
  }
  return FAULT_OK;
}

/**
 * A zero-copy view of one TCP segment. {@link bind} validates the data offset and the
 * options, which it decodes into {@link options}. Rebind it for every segment.
 */
export class TcpView {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the TCP header in `buf`. */
  off = 0;
  /** Segment bytes available from `off` (header + payload). */
  len = 0;
  /** Header length in bytes (data offset × 4), valid after a successful bind. */
  headerLength = TCP_HEADER_LENGTH;
  /** The segment's options, decoded by bind. */
  readonly options = new TcpOptions();

  /**
   * Binds the view to the segment `buf[off, off+len)`. Returns FAULT_OK, FAULT_TRUNCATED_L4
   * (fewer than 20 bytes), FAULT_BAD_TCP_OFFSET (data offset < 5 or beyond `len`) or
   * FAULT_BAD_TCP_OPTIONS. Never throws.
   */
  bind(buf: Uint8Array, off: number, len: number): number {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.headerLength = TCP_HEADER_LENGTH;
    this.options.clear();
    if (len < TCP_HEADER_LENGTH || off < 0 || off + len > buf.length) return FAULT_TRUNCATED_L4;
    const hl = (buf[off + O_DATA_OFFSET]! >>> 4) << 2;
    if (hl < TCP_HEADER_LENGTH || hl > len) return FAULT_BAD_TCP_OFFSET;
    this.headerLength = hl;
    return parseTcpOptions(buf, off + TCP_HEADER_LENGTH, off + hl, this.options);
  }

  get srcPort(): number { return readU16(this.buf, this.off + O_SRC_PORT); }
  get dstPort(): number { return readU16(this.buf, this.off + O_DST_PORT); }
  get seq(): number { return readU32(this.buf, this.off + O_SEQ); }
  get ack(): number { return readU32(this.buf, this.off + O_ACK); }
  /** Flags byte (CWR ECE URG ACK PSH RST SYN FIN). */
  get flags(): number { return this.buf[this.off + O_FLAGS]!; }
  get syn(): boolean { return (this.flags & TCP_FLAG_SYN) !== 0; }
  get fin(): boolean { return (this.flags & TCP_FLAG_FIN) !== 0; }
  get rst(): boolean { return (this.flags & TCP_FLAG_RST) !== 0; }
  get psh(): boolean { return (this.flags & TCP_FLAG_PSH) !== 0; }
  get isAck(): boolean { return (this.flags & TCP_FLAG_ACK) !== 0; }
  get window(): number { return readU16(this.buf, this.off + O_WINDOW); }
  get checksum(): number { return readU16(this.buf, this.off + O_CHECKSUM); }
  get urgent(): number { return readU16(this.buf, this.off + O_URGENT); }
  /** Offset in `buf` of the options; their length is `headerLength − 20`. */
  get optionsOffset(): number { return this.off + TCP_HEADER_LENGTH; }
  get optionsLength(): number { return this.headerLength - TCP_HEADER_LENGTH; }
  /** Offset in `buf` of the payload. */
  get payloadOffset(): number { return this.off + this.headerLength; }
  /** Payload bytes available (`len − headerLength`). */
  get payloadLength(): number { return this.len - this.headerLength; }

  set srcPort(v: number) { writeU16(this.buf, this.off + O_SRC_PORT, v); }
  set dstPort(v: number) { writeU16(this.buf, this.off + O_DST_PORT, v); }
  set seq(v: number) { writeU32(this.buf, this.off + O_SEQ, v); }
  set ack(v: number) { writeU32(this.buf, this.off + O_ACK, v); }
  set flags(v: number) { this.buf[this.off + O_FLAGS] = v & 0xff; }
  set window(v: number) { writeU16(this.buf, this.off + O_WINDOW, v); }
  set checksum(v: number) { writeU16(this.buf, this.off + O_CHECKSUM, v); }
  set urgent(v: number) { writeU16(this.buf, this.off + O_URGENT, v); }
}

/** A TCP segment as plain values (allocates; not for the per-packet path). */
export class TcpRepr {
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  urgent = 0;
  /** MSS option; 0 = none. */
  mss = 0;
  /** Window-scale option; -1 = none. */
  windowScale = -1;
  sackPermitted = false;
  /** SACK blocks as [left, right] pairs. */
  sackBlocks: Array<[number, number]> = [];
  /** Timestamps option; undefined = none. */
  timestamp: { tsVal: number; tsEcr: number } | undefined = undefined;
  payload: Uint8Array = new Uint8Array(0);

  /** Reads a bound view (options included) into a new repr. */
  static parse(view: TcpView): TcpRepr {
    const r = new TcpRepr();
    r.srcPort = view.srcPort;
    r.dstPort = view.dstPort;
    r.seq = view.seq;
    r.ack = view.ack;
    r.flags = view.flags;
    r.window = view.window;
    r.urgent = view.urgent;
    const o = view.options;
    r.mss = o.mss;
    r.windowScale = o.windowScale;
    r.sackPermitted = o.sackPermitted;
    for (let i = 0; i < o.sackBlockCount; i++) r.sackBlocks.push([o.sackBlocks[2 * i]!, o.sackBlocks[2 * i + 1]!]);
    r.timestamp = o.hasTimestamp ? { tsVal: o.tsVal, tsEcr: o.tsEcr } : undefined;
    r.payload = view.buf.slice(view.payloadOffset, view.payloadOffset + view.payloadLength);
    return r;
  }

  /** Option bytes this repr emits (padded to a multiple of 4). */
  get optionsLength(): number {
    let n = 0;
    if (this.mss > 0) n += 4;
    if (this.windowScale >= 0) n += 3;
    if (this.sackPermitted) n += 2;
    if (this.timestamp) n += 10;
    if (this.sackBlocks.length > 0) n += 2 + 8 * this.sackBlocks.length;
    return (n + 3) & ~3;
  }

  /** Header length this repr emits. */
  get headerLength(): number {
    return TCP_HEADER_LENGTH + this.optionsLength;
  }

  /** Header plus payload length. */
  get segmentLength(): number {
    return this.headerLength + this.payload.length;
  }

  /**
   * Writes the segment (header, options in the order MSS, window scale, SACK-permitted,
   * timestamps, SACK, then EOL padding; payload) at `buf[off…]` with its checksum over the
   * pseudo-header of `ip` (RFC 9293 §3.1 / RFC 8200 §8.1). Returns the bytes written, or 0
   * when the segment does not fit or the options exceed 40 bytes.
   */
  emit(buf: Uint8Array, off: number, ip: Ipv4Repr | Ipv6Repr): number {
    const optLen = this.optionsLength;
    const hl = TCP_HEADER_LENGTH + optLen;
    const total = hl + this.payload.length;
    if (optLen > TCP_MAX_OPTIONS_LENGTH || off < 0 || off + total > buf.length) return 0;
    writeU16(buf, off + O_SRC_PORT, this.srcPort);
    writeU16(buf, off + O_DST_PORT, this.dstPort);
    writeU32(buf, off + O_SEQ, this.seq);
    writeU32(buf, off + O_ACK, this.ack);
    buf[off + O_DATA_OFFSET] = (hl >>> 2) << 4;
    buf[off + O_FLAGS] = this.flags & 0xff;
    writeU16(buf, off + O_WINDOW, this.window);
    writeU16(buf, off + O_CHECKSUM, 0);
    writeU16(buf, off + O_URGENT, this.urgent);
    let p = off + TCP_HEADER_LENGTH;
    if (this.mss > 0) {
      buf[p] = TCP_OPT_MSS; buf[p + 1] = 4; writeU16(buf, p + 2, this.mss); p += 4;
    }
    if (this.windowScale >= 0) {
      buf[p] = TCP_OPT_WINDOW_SCALE; buf[p + 1] = 3; buf[p + 2] = this.windowScale & 0xff; p += 3;
    }
    if (this.sackPermitted) {
      buf[p] = TCP_OPT_SACK_PERMITTED; buf[p + 1] = 2; p += 2;
    }
    if (this.timestamp) {
      buf[p] = TCP_OPT_TIMESTAMP; buf[p + 1] = 10;
      writeU32(buf, p + 2, this.timestamp.tsVal);
      writeU32(buf, p + 6, this.timestamp.tsEcr);
      p += 10;
    }
    if (this.sackBlocks.length > 0) {
      buf[p] = TCP_OPT_SACK; buf[p + 1] = 2 + 8 * this.sackBlocks.length; p += 2;
      for (const [l, r] of this.sackBlocks) {
        writeU32(buf, p, l); writeU32(buf, p + 4, r); p += 8;
      }
    }
    while (p < off + hl) buf[p++] = TCP_OPT_EOL;
    buf.set(this.payload, off + hl);
    writeU16(buf, off + O_CHECKSUM, transportChecksum(buf, off, total, IPPROTO_TCP, ip));
    return total;
  }
}

/**
 * Computes the checksum of the transport segment `buf[off, off+len)` (checksum field included
 * as it stands, so zero it first) with the pseudo-header of `ip` (RFC 9293 §3.1, RFC 768,
 * RFC 8200 §8.1). Control-plane helper shared by the reprs.
 */
export function transportChecksum(buf: Uint8Array, off: number, len: number, proto: number,
  ip: Ipv4Repr | Ipv6Repr): number {
  const ph = ip.version === 4
    ? pseudoHeaderSum4(ip.src, ip.dst, proto, len)
    : pseudoHeaderSum6(ip.src, ip.dst, proto, len);
  return foldChecksum(sumWords(buf, off, len, ph));
}
