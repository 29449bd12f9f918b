/**
 * Reassembly of each connection's receive stream (RFC 9293 §3.10.7.4, seventh step): bytes
 * that arrive ahead of RCV.NXT wait in a ring of the receive buffer's size, at the position
 * their sequence number gives, and up to {@link TCP_OOO_RANGES} disjoint ranges of them are
 * remembered (sorted, as absolute sequence numbers; also what our SACK blocks report, RFC 2018
 * §4). A connection's ring is allocated the first time a segment arrives out of order in its
 * slot, and kept for every later connection in that slot.
 */
import type { PacketMeta } from '../wire/packet.js';
import { seqLe } from '../wire/seq.js';
import { TCP_OOO_RANGES } from './constants.js';
import { TCP_CTR_OOO_DROPPED, TCP_CTR_OUT_OF_ORDER } from './counters.js';

/** Out-of-order data of every connection. */
export class Reassembly {
  /** Ring position of RCV.NXT. */
  readonly head: Uint32Array;
  /** Ranges waiting, per connection. */
  readonly count: Uint8Array;
  /** Range starts and ends (sequence numbers), TCP_OOO_RANGES per connection, in order. */
  readonly start: Uint32Array;
  readonly end: Uint32Array;
  /** Each slot's ring (null until first needed). */
  readonly ring: (Uint8Array | null)[];
  /** Bytes in a ring (the receive buffer). */
  readonly size: number;
  private readonly scratchStart = new Uint32Array(TCP_OOO_RANGES + 1);
  private readonly scratchEnd = new Uint32Array(TCP_OOO_RANGES + 1);

  constructor(capacity: number, bufferBytes: number, private readonly counters: Float64Array) {
    this.head = new Uint32Array(capacity);
    this.count = new Uint8Array(capacity);
    this.start = new Uint32Array(capacity * TCP_OOO_RANGES);
    this.end = new Uint32Array(capacity * TCP_OOO_RANGES);
    this.ring = new Array<Uint8Array | null>(capacity).fill(null);
    this.size = bufferBytes;
  }

  /** In-order delivery of `n` bytes moved RCV.NXT: move the ring's head with it. */
  advance(c: number, n: number): void {
    this.head[c] = (this.head[c]! + n) % this.size;
  }

  /**
   * Queues `n` bytes of the segment's payload that start `rel` (> 0) bytes after `rcvNxt`,
   * merging ranges. Counted; dropped (and counted) when the ranges would exceed TCP_OOO_RANGES.
   * Payload bytes missing from a snapped capture are stored as zeros.
   */
  store(c: number, meta: PacketMeta, rcvNxt: number, rel: number, n: number): void {
    const base = c * TCP_OOO_RANGES;
    const count = this.count[c]!;
    const ss = this.scratchStart, se = this.scratchEnd;
    let ns = rel, ne = rel + n;
    let out = 0;
    let placed = false;
    for (let i = 0; i < count; i++) {
      const is = (this.start[base + i]! - rcvNxt) >>> 0;
      const ie = (this.end[base + i]! - rcvNxt) >>> 0;
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
    let ring = this.ring[c]!;
    if (ring === null) {
      ring = new Uint8Array(this.size);
      this.ring[c] = ring;
    }
    const size = this.size;
    let pos = (this.head[c]! + rel) % size;
    const src = meta.buf;
    const srcOff = meta.payloadOffset;
    const captured = meta.payloadCaptured;
    // The segment starts `rel` bytes after RCV.NXT: its byte k lands at ring position pos.
    for (let k = 0; k < n; k++) {
      ring[pos] = k < captured ? src[srcOff + k]! : 0;
      if (++pos === size) pos = 0;
    }
    for (let k = 0; k < out; k++) {
      this.start[base + k] = rcvNxt + ss[k]!;
      this.end[base + k] = rcvNxt + se[k]!;
    }
    this.count[c] = out;
  }

  /**
   * Takes the first range if it starts at or before `rcvNxt`: returns how many new in-order
   * bytes it adds (0 if all were already received), or -1 when no range continues the stream.
   */
  takeReady(c: number, rcvNxt: number): number {
    const count = this.count[c]!;
    const base = c * TCP_OOO_RANGES;
    if (count === 0 || !seqLe(this.start[base]!, rcvNxt)) return -1;
    const n = (this.end[base]! - rcvNxt) | 0;
    for (let k = 1; k < count; k++) {
      this.start[base + k - 1] = this.start[base + k]!;
      this.end[base + k - 1] = this.end[base + k]!;
    }
    this.count[c] = count - 1;
    return n > 0 ? n : 0;
  }
}
