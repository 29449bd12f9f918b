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
 * The option fields of a segment as {@link writeTcpOptions} writes them; {@link TcpOptions}
 * (what the decoder fills) and the endpoint's `TcpSegmentSpec` both have this shape.
 */
export interface TcpOptionFields {
  /** MSS option value; 0 = no MSS option (RFC 9293 §3.7.1). */
  readonly mss: number;
  /** Window-scale shift count; -1 = no window-scale option (RFC 7323 §2). */
  readonly windowScale: number;
  /** Send the SACK-permitted option (RFC 2018 §2). */
  readonly sackPermitted: boolean;
  /** Send the timestamps option with `tsVal`/`tsEcr` (RFC 7323 §3). */
  readonly hasTimestamp: boolean;
  readonly tsVal: number;
  readonly tsEcr: number;
  /** SACK blocks to send (RFC 2018 §3); clipped to what fits in 40 option bytes. */
  readonly sackBlockCount: number;
  /** SACK blocks as left/right edge pairs: `[l0, r0, l1, r1, …]`. */
  readonly sackBlocks: Uint32Array;
}

/**
 * Returns the number of option bytes {@link writeTcpOptions} writes for `o`: a multiple of 4,
 * at most {@link TCP_MAX_OPTIONS_LENGTH}.
 */
export function tcpOptionsLength(o: TcpOptionFields): number {
  let n = 0;
  if (o.mss > 0) n += 4;
  if (o.sackPermitted || o.hasTimestamp) n += o.hasTimestamp ? 12 : 4;
  if (o.windowScale >= 0) n += 4;
  const blocks = tcpSackBlocksWritten(o);
  return blocks > 0 ? n + 4 + blocks * 8 : n;
}

/** How many of `o`'s SACK blocks fit beside its other options (RFC 2018 §3: 4 alone, 3 beside timestamps). */
export function tcpSackBlocksWritten(o: TcpOptionFields): number {
  let blocks = o.sackBlockCount;
  if (blocks <= 0) return 0;
  if (blocks > TCP_OPT_MAX_SACK_BLOCKS) blocks = TCP_OPT_MAX_SACK_BLOCKS;
  let used = 0;
  if (o.mss > 0) used += 4;
  if (o.sackPermitted || o.hasTimestamp) used += o.hasTimestamp ? 12 : 4;
  if (o.windowScale >= 0) used += 4;
  const room = ((TCP_MAX_OPTIONS_LENGTH - used - 4) / 8) | 0;
  return blocks < room ? blocks : room > 0 ? room : 0;
}

/**
 * Writes the options of `o` at `out[p…]` in the order and padding Linux sends them — MSS;
 * SACK-permitted and timestamps (NOP-padded, RFC 7323 Appendix A); NOP + window scale; NOP NOP +
 * SACK blocks — and returns the number of bytes written ({@link tcpOptionsLength}, a multiple of
 * 4). SACK blocks that do not fit are left out. The project's one TCP option encoder: the
 * endpoint's segments and {@link TcpRepr} both go through it. Allocation-free.
 */
export function writeTcpOptions(out: Uint8Array, p: number, o: TcpOptionFields): number {
  const start = p;
  if (o.mss > 0) {
    out[p] = TCP_OPT_MSS;
    out[p + 1] = 4;
    out[p + 2] = (o.mss >>> 8) & 0xff;
    out[p + 3] = o.mss & 0xff;
    p += 4;
  }
  if (o.hasTimestamp) {
    if (o.sackPermitted) {
      out[p] = TCP_OPT_SACK_PERMITTED;
      out[p + 1] = 2;
    } else {
      out[p] = TCP_OPT_NOP;
      out[p + 1] = TCP_OPT_NOP;
    }
    out[p + 2] = TCP_OPT_TIMESTAMP;
    out[p + 3] = 10;
    writeU32(out, p + 4, o.tsVal);
    writeU32(out, p + 8, o.tsEcr);
    p += 12;
  } else if (o.sackPermitted) {
    out[p] = TCP_OPT_NOP;
    out[p + 1] = TCP_OPT_NOP;
    out[p + 2] = TCP_OPT_SACK_PERMITTED;
    out[p + 3] = 2;
    p += 4;
  }
  if (o.windowScale >= 0) {
    out[p] = TCP_OPT_NOP;
    out[p + 1] = TCP_OPT_WINDOW_SCALE;
    out[p + 2] = 3;
    out[p + 3] = o.windowScale & 0xff;
    p += 4;
  }
  const blocks = tcpSackBlocksWritten(o);
  if (blocks > 0) {
    out[p] = TCP_OPT_NOP;
    out[p + 1] = TCP_OPT_NOP;
    out[p + 2] = TCP_OPT_SACK;
    out[p + 3] = 2 + blocks * 8;
    p += 4;
    for (let i = 0; i < blocks * 2; i++) {
      writeU32(out, p, o.sackBlocks[i]!);
      p += 4;
    }
  }
  return p - start;
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

  /** The repr's options in the encoder's shape (SACK blocks beyond four are counted, not copied). */
  private optionFields(): TcpOptions {
    const o = new TcpOptions();
    o.mss = this.mss;
    o.windowScale = this.windowScale;
    o.sackPermitted = this.sackPermitted;
    o.hasTimestamp = this.timestamp !== undefined;
    o.tsVal = this.timestamp?.tsVal ?? 0;
    o.tsEcr = this.timestamp?.tsEcr ?? 0;
    o.sackBlockCount = this.sackBlocks.length;
    for (let i = 0; i < this.sackBlocks.length && i < TCP_OPT_MAX_SACK_BLOCKS; i++) {
      o.sackBlocks[2 * i] = this.sackBlocks[i]![0];
      o.sackBlocks[2 * i + 1] = this.sackBlocks[i]![1];
    }
    return o;
  }

  /** Option bytes this repr emits (a multiple of 4). */
  get optionsLength(): number {
    return tcpOptionsLength(this.optionFields());
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
   * Writes the segment (header, options through {@link writeTcpOptions}, payload) at
   * `buf[off…]` with its checksum over the pseudo-header of `ip` (RFC 9293 §3.1 / RFC 8200
   * §8.1). Returns the bytes written, or 0 when the segment does not fit or its SACK blocks do
   * not fit beside its other options.
   */
  emit(buf: Uint8Array, off: number, ip: Ipv4Repr | Ipv6Repr): number {
    const o = this.optionFields();
    if (tcpSackBlocksWritten(o) < this.sackBlocks.length) return 0;
    const optLen = tcpOptionsLength(o);
    const hl = TCP_HEADER_LENGTH + optLen;
    const total = hl + this.payload.length;
    if (off < 0 || off + total > buf.length) return 0;
    writeU16(buf, off + O_SRC_PORT, this.srcPort);
    writeU16(buf, off + O_DST_PORT, this.dstPort);
    writeU32(buf, off + O_SEQ, this.seq);
    writeU32(buf, off + O_ACK, this.ack);
    buf[off + O_DATA_OFFSET] = (hl >>> 2) << 4;
    buf[off + O_FLAGS] = this.flags & 0xff;
    writeU16(buf, off + O_WINDOW, this.window);
    writeU16(buf, off + O_CHECKSUM, 0);
    writeU16(buf, off + O_URGENT, this.urgent);
    writeTcpOptions(buf, off + TCP_HEADER_LENGTH, o);
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
