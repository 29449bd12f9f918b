/**
 * Zero-allocation TCP/IP segment writer for the userspace TCP endpoint: it fills a reusable
 * {@link TcpSegmentSpec} and calls {@link writeTcpSegment} to write the IPv4 or IPv6 header,
 * the TCP header with its options and a copy of the payload straight into the engine's
 * `TxQueue` buffer, checksums included. Nothing here allocates, nothing throws.
 */
import type { PacketMeta } from './packet.js';
import { IPPROTO_TCP } from './packet.js';
import { writeU32 } from './bytes.js';
import { foldChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords } from './checksum.js';
import { IPV4_FLAG_DF, IPV4_HEADER_LENGTH } from './ipv4.js';
import { IPV6_HEADER_LENGTH } from './ipv6.js';
import {
  TCP_HEADER_LENGTH, TCP_OPT_MAX_SACK_BLOCKS, tcpOptionsLength, writeTcpOptions,
} from './tcp.js';
import type { TcpOptionFields } from './tcp.js';

const EMPTY = new Uint8Array(0);

/**
 * Everything {@link writeTcpSegment} needs to write one segment. Allocate one per endpoint and
 * overwrite its fields for every segment. IPv4 addresses live in `src4`/`dst4` (used when
 * `ipVersion === 4`); IPv6 addresses in `srcAddr`/`dstAddr` (four big-endian words; the setters
 * keep the IPv4-mapped form there too, so that both views agree).
 */
export class TcpSegmentSpec implements TcpOptionFields {
  /** 4 or 6. */
  ipVersion = 4;
  /** Source/destination addresses as four 32-bit words (IPv4-mapped for IPv4). */
  readonly srcAddr = new Uint32Array(4);
  readonly dstAddr = new Uint32Array(4);
  /** Source/destination IPv4 address as uint32 (valid when `ipVersion === 4`). */
  src4 = 0;
  dst4 = 0;
  srcPort = 0;
  dstPort = 0;
  /** Sequence and acknowledgement numbers (uint32). */
  seq = 0;
  ack = 0;
  /** TCP flags byte (TCP_FLAG_* from packet.ts). */
  flags = 0;
  /** Window field as sent (already scaled down by the sender's shift). */
  window = 0;
  /** Urgent pointer (written as is; meaningful only with URG). */
  urgent = 0;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl = 64;
  /** IPv4 identification field (the endpoint counts it up per segment). */
  ipId = 0;
  /** IPv4 TOS / IPv6 traffic class byte. */
  tos = 0;
  /** IPv6 flow label (20 bits). */
  flowLabel = 0;
  /** MSS option value; 0 = no MSS option (RFC 9293 §3.7.1). */
  mss = 0;
  /** Window-scale shift count; -1 = no window-scale option (RFC 7323 §2). */
  windowScale = -1;
  /** Send the SACK-permitted option (RFC 2018 §2). */
  sackPermitted = false;
  /** Send the timestamps option with `tsVal`/`tsEcr` (RFC 7323 §3). */
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  /** Number of SACK blocks in `sackBlocks` to send (RFC 2018 §3); clipped to what fits. */
  sackBlockCount = 0;
  /** SACK blocks as left/right edge pairs: `[l0, r0, l1, r1, …]`. */
  readonly sackBlocks = new Uint32Array(TCP_OPT_MAX_SACK_BLOCKS * 2);
  /** Payload source: `payloadBuf[payloadOff, payloadOff + payloadLen)` is copied after the header. */
  payloadBuf: Uint8Array = EMPTY;
  payloadOff = 0;
  payloadLen = 0;

  /** Sets IPv4 source and destination (uint32) and their IPv4-mapped word forms; selects IPv4. */
  setAddresses4(src: number, dst: number): void {
    this.ipVersion = 4;
    this.src4 = src >>> 0;
    this.dst4 = dst >>> 0;
    setMapped(this.srcAddr, src);
    setMapped(this.dstAddr, dst);
  }

  /** Copies IPv6 source and destination (four words each); selects IPv6. */
  setAddresses6(src: Uint32Array, dst: Uint32Array): void {
    this.ipVersion = 6;
    for (let i = 0; i < 4; i++) {
      this.srcAddr[i] = src[i]!;
      this.dstAddr[i] = dst[i]!;
    }
    this.src4 = 0;
    this.dst4 = 0;
  }

  /**
   * Addresses this segment as a reply to the decoded packet `meta`: IP version, addresses and
   * ports swapped. Sequence numbers, flags and options are left to the caller.
   */
  setReplyTo(meta: PacketMeta): void {
    if (meta.ipVersion === 4) this.setAddresses4(meta.dst4, meta.src4);
    else this.setAddresses6(meta.dstAddr, meta.srcAddr);
    this.srcPort = meta.dstPort;
    this.dstPort = meta.srcPort;
  }

  /** Clears options, SACK blocks and payload (addresses, ports and numbers are kept). */
  clearOptions(): void {
    this.mss = 0;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasTimestamp = false;
    this.tsVal = 0;
    this.tsEcr = 0;
    this.sackBlockCount = 0;
    this.payloadBuf = EMPTY;
    this.payloadOff = 0;
    this.payloadLen = 0;
  }
}

function setMapped(out: Uint32Array, v4: number): void {
  out[0] = 0;
  out[1] = 0;
  out[2] = 0xffff;
  out[3] = v4 >>> 0;
}

/** Returns the total IP datagram length {@link writeTcpSegment} will write for `spec`. */
export function tcpSegmentLength(spec: TcpSegmentSpec): number {
  const ipLen = spec.ipVersion === 6 ? IPV6_HEADER_LENGTH : IPV4_HEADER_LENGTH;
  return ipLen + TCP_HEADER_LENGTH + tcpOptionsLength(spec) + spec.payloadLen;
}

/**
 * Writes the segment described by `spec` at `out[off…]`: an IPv4 header (no options, DF set,
 * ID `spec.ipId`, RFC 791 §3.1) or an IPv6 header (RFC 8200 §3), then the TCP header (RFC 9293
 * §3.1) with its options (`writeTcpOptions`, src/wire/tcp.ts: the order Linux sends them) and
 * the payload copied from
 * `spec.payloadBuf` (which may alias `out`, overlapping
 * the segment's own bytes included). Computes the IPv4 header checksum and the TCP
 * checksum over the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1).
 *
 * Returns the number of bytes written, or 0 when `out` has no room for the segment, the
 * payload source range is out of bounds, or an IPv4 datagram would exceed 65535 bytes.
 * Options beyond the 40-byte limit (too many SACK blocks) are dropped, not faulted.
 */
export function writeTcpSegment(out: Uint8Array, off: number, spec: TcpSegmentSpec): number {
  const v6 = spec.ipVersion === 6;
  const ipLen = v6 ? IPV6_HEADER_LENGTH : IPV4_HEADER_LENGTH;
  const optLen = tcpOptionsLength(spec);
  const tcpHdrLen = TCP_HEADER_LENGTH + optLen;
  const payLen = spec.payloadLen;
  const l4Len = tcpHdrLen + payLen;
  const total = ipLen + l4Len;
  if (off < 0 || off + total > out.length) return 0;
  if (payLen < 0 || spec.payloadOff < 0 || spec.payloadOff + payLen > spec.payloadBuf.length) return 0;
  if (v6 ? l4Len > 0xffff : total > 0xffff) return 0;

  // Payload first: its source may alias `out`, even the bytes the headers are about to cover.
  // The copy also returns the payload's checksum contribution.
  const t = off + ipLen;
  const paySum = payLen > 0 ? copyPayload(out, t + tcpHdrLen, spec.payloadBuf, spec.payloadOff, payLen) : 0;

  // IP header.
  const p = off;
  if (v6) {
    const fl = spec.flowLabel & 0xfffff;
    const tc = spec.tos & 0xff;
    out[p] = 0x60 | (tc >>> 4);
    out[p + 1] = ((tc & 0x0f) << 4) | (fl >>> 16);
    out[p + 2] = (fl >>> 8) & 0xff;
    out[p + 3] = fl & 0xff;
    out[p + 4] = l4Len >>> 8;
    out[p + 5] = l4Len & 0xff;
    out[p + 6] = IPPROTO_TCP;
    out[p + 7] = spec.ttl & 0xff;
    writeWords(out, p + 8, spec.srcAddr);
    writeWords(out, p + 24, spec.dstAddr);
  } else {
    out[p] = 0x45;
    out[p + 1] = spec.tos & 0xff;
    out[p + 2] = total >>> 8;
    out[p + 3] = total & 0xff;
    out[p + 4] = (spec.ipId >>> 8) & 0xff;
    out[p + 5] = spec.ipId & 0xff;
    out[p + 6] = IPV4_FLAG_DF >>> 8;
    out[p + 7] = 0;
    out[p + 8] = spec.ttl & 0xff;
    out[p + 9] = IPPROTO_TCP;
    out[p + 10] = 0;
    out[p + 11] = 0;
    writeU32(out, p + 12, spec.src4);
    writeU32(out, p + 16, spec.dst4);
    const hc = foldChecksum(sumWords(out, p, IPV4_HEADER_LENGTH, 0));
    out[p + 10] = hc >>> 8;
    out[p + 11] = hc & 0xff;
  }

  // TCP header.
  out[t] = (spec.srcPort >>> 8) & 0xff;
  out[t + 1] = spec.srcPort & 0xff;
  out[t + 2] = (spec.dstPort >>> 8) & 0xff;
  out[t + 3] = spec.dstPort & 0xff;
  writeU32(out, t + 4, spec.seq);
  writeU32(out, t + 8, spec.ack);
  out[t + 12] = (tcpHdrLen >>> 2) << 4;
  out[t + 13] = spec.flags & 0xff;
  out[t + 14] = (spec.window >>> 8) & 0xff;
  out[t + 15] = spec.window & 0xff;
  out[t + 16] = 0;
  out[t + 17] = 0;
  out[t + 18] = (spec.urgent >>> 8) & 0xff;
  out[t + 19] = spec.urgent & 0xff;
  writeTcpOptions(out, t + TCP_HEADER_LENGTH, spec);

  // TCP checksum (header + options + payload; the header length is even, so one pass works).
  let sum = v6
    ? pseudoHeaderSum6(spec.srcAddr, spec.dstAddr, IPPROTO_TCP, l4Len)
    : pseudoHeaderSum4(spec.src4, spec.dst4, IPPROTO_TCP, l4Len);
  // The header length is a multiple of 4, so the payload's words line up with the header's.
  sum = sumWords(out, t, tcpHdrLen, sum + paySum);
  const tc = foldChecksum(sum);
  out[t + 16] = tc >>> 8;
  out[t + 17] = tc & 0xff;
  return total;
}

/**
 * Copies `len` bytes from `src[srcOff…]` to `out[dst…]` and returns their unfolded checksum
 * sum. Allocation-free. Native copies where no view has to be made: `copyWithin` when `src`
 * lies inside `out`'s window of the same memory (overlap-safe), `set` when `src` is exactly
 * the payload. Otherwise one loop copies and sums eight bytes at a time: a per-segment
 * `subarray` for a native copy would allocate (measured: native 0.05 µs, this loop about
 * 1 µs, for 1400 bytes), so callers that care give the payload in one of the native forms.
 */
function copyPayload(out: Uint8Array, dst: number, src: Uint8Array, srcOff: number, len: number): number {
  if (src.buffer === out.buffer) {
    const rel = src.byteOffset + srcOff - out.byteOffset;
    if (rel >= 0 && rel + len <= out.length) {
      if (rel !== dst) out.copyWithin(dst, rel, rel + len);
      return sumWords(out, dst, len, 0);
    }
    if (rel < dst) {
      // Shared memory outside `out`'s window, before the destination: copy backwards.
      for (let i = len - 1; i >= 0; i--) out[dst + i] = src[srcOff + i]!;
      return sumWords(out, dst, len, 0);
    }
  } else if (srcOff === 0 && len === src.length) {
    out.set(src, dst);
    return sumWords(out, dst, len, 0);
  }
  let sum = 0;
  let i = srcOff;
  let j = dst;
  const end8 = srcOff + (len & ~7);
  while (i < end8) {
    const a0 = src[i]!, a1 = src[i + 1]!, a2 = src[i + 2]!, a3 = src[i + 3]!;
    const a4 = src[i + 4]!, a5 = src[i + 5]!, a6 = src[i + 6]!, a7 = src[i + 7]!;
    out[j] = a0; out[j + 1] = a1; out[j + 2] = a2; out[j + 3] = a3;
    out[j + 4] = a4; out[j + 5] = a5; out[j + 6] = a6; out[j + 7] = a7;
    sum += ((a0 << 8) | a1) + ((a2 << 8) | a3) + ((a4 << 8) | a5) + ((a6 << 8) | a7);
    if (sum > 0x3fffffff) sum = (sum & 0xffff) + (sum >>> 16);
    i += 8;
    j += 8;
  }
  const end = srcOff + len;
  while (i < end) {
    const a = src[i]!;
    out[j] = a;
    // Even positions are high bytes of a 16-bit word, odd ones low bytes (RFC 1071 §2).
    sum += ((i - srcOff) & 1) === 0 ? a << 8 : a;
    i++;
    j++;
  }
  return sum;
}

function writeWords(out: Uint8Array, p: number, words: Uint32Array): void {
  for (let i = 0; i < 4; i++) writeU32(out, p + i * 4, words[i]!);
}
