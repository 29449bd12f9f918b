/**
 * Per-host dynamic entries of one list: an open-addressing hash table (linear probing,
 * backward-shift deletion, no tombstones) from a host's four address words to the block of the
 * list's dynamic-entry pool holding its entries. Key, block and count share one 32-byte slot,
 * so a lookup by source address is O(1), touches one cache line before the entries themselves,
 * and allocates nothing. Installing or removing a host touches only its own slot, never the
 * list's static tables.
 */

/** One authenticated host's entries on one list (control-plane view). */
export interface HostRecord {
  /** The host's address words (IPv4-mapped for IPv4). */
  readonly host: Uint32Array;
  /** First entry of its block in the list's pool, and the number of entries. */
  readonly first: number;
  readonly count: number;
  /** Install order, for `show` (older hosts first). */
  readonly order: number;
}

const STRIDE = 8;
const K_FIRST = 4;
const K_COUNT = 5;
const K_REC = 6;

function hashHost(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ 0x27d4eb2f, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x9e3779b1);
  // MurmurHash3's finaliser: every input bit reaches the low bits the table index keeps, so
  // runs of consecutive addresses do not form probe clusters.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Host address → its block of dynamic entries. */
export class HostTable {
  private cap: number;
  /** Per slot: four key words, first entry, entry count, record index (-1 = empty), padding. */
  private slots: Int32Array;
  private readonly records: Array<HostRecord | undefined> = [];
  private readonly free: number[] = [];
  private sizeNow = 0;

  constructor(initialCapacity = 64) {
    let c = 16;
    while (c < initialCapacity * 2) c *= 2;
    this.cap = c;
    this.slots = HostTable.emptySlots(c);
  }

  private static emptySlots(cap: number): Int32Array {
    const s = new Int32Array(cap * STRIDE);
    for (let i = 0; i < cap; i++) s[i * STRIDE + K_REC] = -1;
    return s;
  }

  /** Number of hosts. */
  get size(): number {
    return this.sizeNow;
  }

  /** Slot of the host with these address words (hot path), or -1. */
  find(a: Uint32Array): number {
    const mask = this.cap - 1;
    const w0 = a[0]! | 0, w1 = a[1]! | 0, w2 = a[2]! | 0, w3 = a[3]! | 0;
    const s = this.slots;
    let h = hashHost(w0, w1, w2, w3) & mask;
    for (;;) {
      const o = h * STRIDE;
      if (s[o + K_REC]! < 0) return -1;
      if (s[o] === w0 && s[o + 1] === w1 && s[o + 2] === w2 && s[o + 3] === w3) return h;
      h = (h + 1) & mask;
    }
  }

  /** First pool entry of the host in slot `h`. */
  firstAt(h: number): number {
    return this.slots[h * STRIDE + K_FIRST]!;
  }

  /** Number of entries of the host in slot `h`. */
  countAt(h: number): number {
    return this.slots[h * STRIDE + K_COUNT]!;
  }

  /** The record of `host`, or undefined. */
  get(host: Uint32Array): HostRecord | undefined {
    const h = this.find(host);
    return h < 0 ? undefined : this.records[this.slots[h * STRIDE + K_REC]!];
  }

  /** Installs or replaces the entries of `rec.host` in one step; returns the record it replaced. */
  set(rec: HostRecord): HostRecord | undefined {
    const at = this.find(rec.host);
    if (at >= 0) {
      const o = at * STRIDE;
      const r = this.slots[o + K_REC]!;
      const old = this.records[r];
      this.records[r] = rec;
      this.slots[o + K_FIRST] = rec.first;
      this.slots[o + K_COUNT] = rec.count;
      return old;
    }
    if ((this.sizeNow + 1) * 2 > this.cap) this.grow();
    const r = this.free.length > 0 ? this.free.pop()! : this.records.length;
    this.records[r] = rec;
    this.place(rec, r);
    this.sizeNow++;
    return undefined;
  }

  private place(rec: HostRecord, r: number): void {
    const mask = this.cap - 1;
    const a = rec.host;
    let h = hashHost(a[0]! | 0, a[1]! | 0, a[2]! | 0, a[3]! | 0) & mask;
    while (this.slots[h * STRIDE + K_REC]! >= 0) h = (h + 1) & mask;
    const o = h * STRIDE;
    for (let w = 0; w < 4; w++) this.slots[o + w] = a[w]! | 0;
    this.slots[o + K_FIRST] = rec.first;
    this.slots[o + K_COUNT] = rec.count;
    this.slots[o + K_REC] = r;
  }

  private grow(): void {
    this.cap *= 2;
    this.slots = HostTable.emptySlots(this.cap);
    this.records.forEach((rec, r) => { if (rec !== undefined) this.place(rec, r); });
  }

  /** Removes a host; returns its record, or undefined if it had none. */
  delete(a: Uint32Array): HostRecord | undefined {
    let i = this.find(a);
    if (i < 0) return undefined;
    const s = this.slots;
    const r = s[i * STRIDE + K_REC]!;
    const old = this.records[r];
    this.records[r] = undefined;
    this.free.push(r);
    this.sizeNow--;
    const mask = this.cap - 1;
    // Backward-shift deletion (Knuth, TAOCP vol. 3, §6.4, Algorithm R).
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const o = j * STRIDE;
      if (s[o + K_REC]! < 0) break;
      const home = hashHost(s[o]!, s[o + 1]!, s[o + 2]!, s[o + 3]!) & mask;
      const between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (between) continue;
      s.copyWithin(i * STRIDE, o, o + STRIDE);
      i = j;
    }
    s[i * STRIDE + K_REC] = -1;
    return old;
  }

  /** All hosts, oldest install first (control plane). */
  hosts(): HostRecord[] {
    return this.records.filter((r): r is HostRecord => r !== undefined).sort((x, y) => x.order - y.order);
  }
}
