/**
 * Each connection's send buffer: the bytes from SND.UNA on that the application queued,
 * acknowledged or not, kept contiguous at `[head, head + length)` of the slot's buffer so that
 * a segment's payload is one range (they move to the front when the tail has no room). A slot's
 * buffer is allocated by its first `append` and kept for every later connection in the slot.
 *
 * Replay (spec/auth-proxy-log.md §5) can acknowledge bytes the application has not produced
 * yet: they are counted in `discard` and dropped when they come.
 */

/** Send buffers of every connection. */
export class SendBuffer {
  /** Offset of SND.UNA's byte in the slot's buffer. */
  readonly head: Uint32Array;
  /** Bytes queued (sent or not) from SND.UNA on. */
  readonly length: Uint32Array;
  /** Replay: bytes already acknowledged that the application has yet to hand over. */
  readonly discard: Uint32Array;
  /** Each slot's buffer (null until its first send). */
  readonly bytes: (Uint8Array | null)[];

  constructor(capacity: number, readonly size: number) {
    this.head = new Uint32Array(capacity);
    this.length = new Uint32Array(capacity);
    this.discard = new Uint32Array(capacity);
    this.bytes = new Array<Uint8Array | null>(capacity).fill(null);
  }

  /** Empties the buffer of a new or released connection. */
  clear(c: number): void {
    this.head[c] = 0;
    this.length[c] = 0;
    this.discard[c] = 0;
  }

  /** Copies as much of `src[off, off + len)` as fits after the queued bytes; returns how many. */
  append(c: number, src: Uint8Array, off: number, len: number): number {
    let buffer = this.bytes[c]!;
    if (buffer === null) {
      buffer = new Uint8Array(this.size);
      this.bytes[c] = buffer;
    }
    const size = this.size;
    const used = this.length[c]!;
    const space = size - used;
    const n = len < space ? len : space;
    let head = this.head[c]!;
    if (head + used + n > size) {
      buffer.copyWithin(0, head, head + used);
      head = 0;
      this.head[c] = 0;
    }
    const at = head + used;
    for (let k = 0; k < n; k++) buffer[at + k] = src[off + k]!;
    this.length[c] = used + n;
    return n;
  }

  /** Drops `n` (≤ length) acknowledged bytes from the front. */
  consume(c: number, n: number): void {
    const len = this.length[c]!;
    this.head[c] = len === n ? 0 : this.head[c]! + n;
    this.length[c] = len - n;
  }
}
