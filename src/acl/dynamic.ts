/**
 * Per-host dynamic entries of one list: an open-addressing hash table (linear probing,
 * backward-shift deletion, no tombstones) from a host's four address words to its compiled
 * entries. Installing or removing a host touches only its own slot, never the list's static
 * tables; lookup by source address is O(1) and allocates nothing.
 */
import type { EntryStore } from './entries.js';

/** One authenticated host's entries on one list. */
export interface HostEntries {
  /** The host's address words (IPv4-mapped for IPv4). */
  readonly host: Uint32Array;
  /** Its entries, in ascending `proxyacl#N`, with their match counters. */
  readonly store: EntryStore;
  /** Install order, for `show` (older hosts first). */
  readonly order: number;
}

function hashHost(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ 0x27d4eb2f, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** Host address → {@link HostEntries}. */
export class HostTable {
  private cap: number;
  private keys: Uint32Array;
  /** Record index per slot, -1 when empty. */
  private slots: Int32Array;
  private readonly records: Array<HostEntries | undefined> = [];
  private readonly free: number[] = [];
  private sizeNow = 0;

  constructor(initialCapacity = 64) {
    let c = 16;
    while (c < initialCapacity * 2) c *= 2;
    this.cap = c;
    this.keys = new Uint32Array(c * 4);
    this.slots = new Int32Array(c).fill(-1);
  }

  /** Number of hosts. */
  get size(): number {
    return this.sizeNow;
  }

  /** Finds the entries of the host with these address words (hot path), or undefined. */
  find(a: Uint32Array): HostEntries | undefined {
    const mask = this.cap - 1;
    const w0 = a[0]!, w1 = a[1]!, w2 = a[2]!, w3 = a[3]!;
    const keys = this.keys;
    const slots = this.slots;
    let h = hashHost(w0, w1, w2, w3) & mask;
    for (;;) {
      const r = slots[h]!;
      if (r < 0) return undefined;
      const k = h * 4;
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3) return this.records[r];
      h = (h + 1) & mask;
    }
  }

  private slotOf(a: Uint32Array): number {
    const mask = this.cap - 1;
    let h = hashHost(a[0]!, a[1]!, a[2]!, a[3]!) & mask;
    for (;;) {
      if (this.slots[h]! < 0) return -1;
      const k = h * 4;
      if (this.keys[k] === a[0] && this.keys[k + 1] === a[1] && this.keys[k + 2] === a[2] && this.keys[k + 3] === a[3]) return h;
      h = (h + 1) & mask;
    }
  }

  /** Installs or replaces the entries of `rec.host` in one step. */
  set(rec: HostEntries): void {
    const at = this.slotOf(rec.host);
    if (at >= 0) {
      this.records[this.slots[at]!] = rec;
      return;
    }
    if ((this.sizeNow + 1) * 2 > this.cap) this.grow();
    const r = this.free.length > 0 ? this.free.pop()! : this.records.length;
    this.records[r] = rec;
    this.place(rec.host, r);
    this.sizeNow++;
  }

  private place(a: Uint32Array, r: number): void {
    const mask = this.cap - 1;
    let h = hashHost(a[0]!, a[1]!, a[2]!, a[3]!) & mask;
    while (this.slots[h]! >= 0) h = (h + 1) & mask;
    this.slots[h] = r;
    this.keys.set(a.subarray(0, 4), h * 4);
  }

  private grow(): void {
    const old = this.records;
    this.cap *= 2;
    this.keys = new Uint32Array(this.cap * 4);
    this.slots = new Int32Array(this.cap).fill(-1);
    for (let r = 0; r < old.length; r++) {
      const rec = old[r];
      if (rec !== undefined) this.place(rec.host, r);
    }
  }

  /** Removes a host; returns whether it was there. */
  delete(a: Uint32Array): boolean {
    let i = this.slotOf(a);
    if (i < 0) return false;
    const r = this.slots[i]!;
    this.records[r] = undefined;
    this.free.push(r);
    this.sizeNow--;
    const mask = this.cap - 1;
    // Backward-shift deletion (Knuth, TAOCP vol. 3, 6.4 Algorithm R).
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const rj = this.slots[j]!;
      if (rj < 0) break;
      const k = j * 4;
      const home = hashHost(this.keys[k]!, this.keys[k + 1]!, this.keys[k + 2]!, this.keys[k + 3]!) & mask;
      const between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (between) continue;
      this.slots[i] = rj;
      this.keys.copyWithin(i * 4, k, k + 4);
      i = j;
    }
    this.slots[i] = -1;
    return true;
  }

  /** All hosts, oldest install first (control plane). */
  hosts(): HostEntries[] {
    return this.records.filter((r): r is HostEntries => r !== undefined).sort((x, y) => x.order - y.order);
  }
}
