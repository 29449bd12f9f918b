/**
 * Half-open connections per client address: the endpoint's per-source cap, so that one source
 * cannot hold more than a few handshakes' state (beyond it, its SYNs get SYN cookies). Addresses
 * are placed by the keyed hash in the project's open-addressing table; a record lives while its
 * count is above zero.
 */
import { OpenTable } from '../table/open-table.js';
import { hashAddress } from '../table/keyed-hash.js';
import type { HashKey } from '../table/keyed-hash.js';

/** Counts per source address, for at most `capacity` addresses at once. */
export class SourceCounts {
  private readonly table: OpenTable;
  private readonly addr: Uint32Array;
  private readonly count: Uint16Array;
  private readonly free: Int32Array;
  private freeTop: number;
  private readonly k0: number;
  private readonly k1: number;

  constructor(capacity: number, key: HashKey) {
    let cells = 16;
    while (cells < capacity * 2) cells *= 2;
    this.table = new OpenTable({ initialCells: cells, maxCells: cells, values: true });
    this.addr = new Uint32Array(capacity * 4);
    this.count = new Uint16Array(capacity);
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeTop = capacity;
    this.k0 = key.k0;
    this.k1 = key.k1;
  }

  /** The count of the address in `words[off, off + 4)` (0 when absent). */
  get(words: Uint32Array, off: number): number {
    const r = this.find(words, off, this.hashOf(words, off));
    return r < 0 ? 0 : this.count[r]!;
  }

  /** Adds one for the address (a record is made if none; ignored when no record is free). */
  increment(words: Uint32Array, off: number): void {
    const h = this.hashOf(words, off);
    let r = this.find(words, off, h);
    if (r < 0) {
      if (this.freeTop === 0) return;
      r = this.free[--this.freeTop]!;
      for (let i = 0; i < 4; i++) this.addr[r * 4 + i] = words[off + i]!;
      this.count[r] = 0;
      this.table.insert(h, r);
    }
    this.count[r]!++;
  }

  /** Takes one off the address's count; its record goes at zero. */
  decrement(words: Uint32Array, off: number): void {
    const h = this.hashOf(words, off);
    const t = this.table;
    for (let p = t.first(h); p >= 0; p = t.next(h, p)) {
      const r = t.values[p]!;
      if (!this.same(r, words, off)) continue;
      if (--this.count[r]! === 0) {
        t.removeAt(p);
        this.free[this.freeTop++] = r;
      }
      return;
    }
  }

  private find(words: Uint32Array, off: number, h: number): number {
    const t = this.table;
    for (let p = t.first(h); p >= 0; p = t.next(h, p)) {
      const r = t.values[p]!;
      if (this.same(r, words, off)) return r;
    }
    return -1;
  }

  private same(r: number, words: Uint32Array, off: number): boolean {
    const a = this.addr, b = r * 4;
    return a[b + 3] === words[off + 3] && a[b] === words[off] && a[b + 1] === words[off + 1] && a[b + 2] === words[off + 2];
  }

  private hashOf(words: Uint32Array, off: number): number {
    return hashAddress(words[off]!, words[off + 1]!, words[off + 2]!, words[off + 3]!, this.k0, this.k1);
  }
}
