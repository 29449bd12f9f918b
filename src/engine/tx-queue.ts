/**
 * A preallocated queue of packets the engine emits (its own answers on intercepted
 * connections, RSTs, ICMP errors). Producers reserve space, write the packet in place and
 * commit its length; the adapter drains the queue to the TUN device or the `--out` capture.
 * Nothing is allocated per packet.
 */
import { COUNTER_TX_OVERFLOW } from './counters.js';
export class TxQueue {
  /** Backing store all queued packets live in. */
  readonly buf: Uint8Array;
  /** Largest packet a producer may reserve. */
  readonly maxPacket: number;
  private readonly offsets: Uint32Array;
  private readonly lengths: Uint32Array;
  private count = 0;
  private writeOffset = 0;
  private reserved = -1;
  /** Packets refused because the queue was full (counted, never thrown). */
  overflows = 0;
  /** The engine's counters, where refusals are also counted (`tx-queue-overflow`), or null. */
  private readonly counters: Float64Array | null;

  constructor(bytes = 4 << 20, maxPackets = 8192, maxPacket = 65535 + 64, counters: Float64Array | null = null) {
    this.counters = counters;
    this.buf = new Uint8Array(bytes);
    this.maxPacket = maxPacket;
    this.offsets = new Uint32Array(maxPackets);
    this.lengths = new Uint32Array(maxPackets);
  }

  /** Number of packets waiting. */
  get length(): number {
    return this.count;
  }

  /**
   * Reserves room for a packet of at most `maxLen` bytes and returns its offset in `buf`, or -1
   * when the queue is full (the caller drops the packet; `overflows` is counted).
   */
  reserve(maxLen: number): number {
    if (this.count >= this.offsets.length || this.writeOffset + maxLen > this.buf.length) {
      this.overflows++;
      if (this.counters !== null) this.counters[COUNTER_TX_OVERFLOW]!++;
      return -1;
    }
    this.reserved = this.writeOffset;
    return this.writeOffset;
  }

  /** Commits the packet written at the last reserved offset with its final length. */
  commit(len: number): void {
    if (this.reserved < 0) return;
    this.offsets[this.count] = this.reserved;
    this.lengths[this.count] = len;
    this.count++;
    this.writeOffset = this.reserved + ((len + 7) & ~7);
    this.reserved = -1;
  }

  /** Offset in `buf` of queued packet `i` (0 = oldest). */
  offsetOf(i: number): number {
    return this.offsets[i]!;
  }

  /** Length of queued packet `i`. */
  lengthOf(i: number): number {
    return this.lengths[i]!;
  }

  /** Forgets all queued packets (after the adapter wrote them out). */
  clear(): void {
    this.count = 0;
    this.writeOffset = 0;
    this.reserved = -1;
  }
}
