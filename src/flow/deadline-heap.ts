/**
 * An indexed binary min-heap of slots keyed by a time: push, pop the earliest, and remove any
 * slot by its handle in O(log n), allocation-free, with room for one entry per slot. The flow
 * table keeps in it the flows that fall due within a wheel tick already passed, so that
 * expiring them costs O(log n) each, once, instead of a pass over their bucket per call.
 */
export class DeadlineHeap {
  /** Entries in the heap. */
  size = 0;
  private readonly slots: Int32Array;
  private readonly times: Float64Array;
  /** Heap position of each slot, -1 when it is not in the heap. */
  private readonly at: Int32Array;

  /** A heap for slots 0 .. `capacity` − 1. */
  constructor(capacity: number) {
    this.slots = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
    this.at = new Int32Array(capacity).fill(-1);
  }

  /** True if `slot` is in the heap. */
  has(slot: number): boolean {
    return this.at[slot]! >= 0;
  }

  /** Time of the earliest entry (Infinity when empty). */
  topTime(): number {
    return this.size > 0 ? this.times[0]! : Infinity;
  }

  /** Slot of the earliest entry (-1 when empty). */
  topSlot(): number {
    return this.size > 0 ? this.slots[0]! : -1;
  }

  /** Adds `slot` (not in the heap) at time `timeMs`. */
  push(slot: number, timeMs: number): void {
    const i = this.size++;
    this.slots[i] = slot;
    this.times[i] = timeMs;
    this.at[slot] = i;
    this.up(i);
  }

  /** Removes `slot` if it is in the heap. */
  remove(slot: number): void {
    const i = this.at[slot]!;
    if (i < 0) return;
    this.at[slot] = -1;
    const last = --this.size;
    if (i === last) return;
    const ls = this.slots[last]!;
    this.slots[i] = ls;
    this.times[i] = this.times[last]!;
    this.at[ls] = i;
    this.up(i);
    this.down(this.at[ls]!);
  }

  /** Empties the heap. */
  clear(): void {
    for (let i = 0; i < this.size; i++) this.at[this.slots[i]!] = -1;
    this.size = 0;
  }

  private up(i: number): void {
    const slots = this.slots, times = this.times, at = this.at;
    const s = slots[i]!;
    const t = times[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p]! <= t) break;
      slots[i] = slots[p]!;
      times[i] = times[p]!;
      at[slots[i]!] = i;
      i = p;
    }
    slots[i] = s;
    times[i] = t;
    at[s] = i;
  }

  private down(i: number): void {
    const slots = this.slots, times = this.times, at = this.at;
    const n = this.size;
    const s = slots[i]!;
    const t = times[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && times[c + 1]! < times[c]!) c++;
      if (times[c]! >= t) break;
      slots[i] = slots[c]!;
      times[i] = times[c]!;
      at[slots[i]!] = i;
      i = c;
    }
    slots[i] = s;
    times[i] = t;
    at[s] = i;
  }
}
