/**
 * Per-host dynamic entries of one list: a table from a host's four address words to the block of
 * the list's dynamic-entry pool holding its entries. It is an {@link OpenTable} with the records
 * inline — key, block and count share one 32-byte cell record, so a lookup by source address
 * reads the cell's tag and then that one record before the entries themselves, and allocates
 * nothing. Addresses hash under the process's secret key (a remote host chooses its address,
 * and only authenticated hosts are installed, but the table must not be steerable either way).
 * Installing or removing a host touches only its own cells, never the list's static tables.
 */
import { hashAddress, hashKeyFromSeed, type HashKey } from '../table/keyed-hash.js';
import { OpenTable, type CellMover } from '../table/open-table.js';

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

/** Words per cell record: four key words, first entry, entry count, record index, padding. */
const STRIDE = 8;
const K_FIRST = 4;
const K_COUNT = 5;
const K_REC = 6;

/** The key of tables built without one (tests); compiled lists get the process key. */
const DEFAULT_KEY = hashKeyFromSeed(0);

/** Host address → its block of dynamic entries. */
export class HostTable implements CellMover {
  private readonly table: OpenTable;
  /** Per cell: the record of the host whose cell it is (see STRIDE); grown with the table. */
  private slots: Int32Array;
  private readonly records: Array<HostRecord | undefined> = [];
  private readonly free: number[] = [];
  private readonly k0: number;
  private readonly k1: number;

  /** A table with room for `initialCapacity` hosts before it first grows; addresses hash under `key`. */
  constructor(initialCapacity = 64, key: HashKey = DEFAULT_KEY) {
    let c = 16;
    while (c < initialCapacity * 2) c *= 2;
    this.table = new OpenTable({ initialCells: c, maxCells: 1 << 30, mover: this });
    this.slots = new Int32Array(c * STRIDE);
    this.k0 = key.k0 | 0;
    this.k1 = key.k1 | 0;
  }

  /** Number of hosts. */
  get size(): number {
    return this.table.count;
  }

  /** Cell of the host with these address words (hot path), or -1. */
  find(a: Uint32Array): number {
    const w0 = a[0]! | 0, w1 = a[1]! | 0, w2 = a[2]! | 0, w3 = a[3]! | 0;
    const h = hashAddress(w0, w1, w2, w3, this.k0, this.k1);
    const t = this.table;
    const s = this.slots;
    for (let p = t.first(h); p >= 0; p = t.next(h, p)) {
      const o = p * STRIDE;
      if (s[o] === w0 && s[o + 1] === w1 && s[o + 2] === w2 && s[o + 3] === w3) return p;
    }
    return -1;
  }

  /** First pool entry of the host in cell `h`. */
  firstAt(h: number): number {
    return this.slots[h * STRIDE + K_FIRST]!;
  }

  /** Number of entries of the host in cell `h`. */
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
    const r = this.free.length > 0 ? this.free.pop()! : this.records.length;
    this.records[r] = rec;
    const a = rec.host;
    const p = this.table.insert(hashAddress(a[0]! | 0, a[1]! | 0, a[2]! | 0, a[3]! | 0, this.k0, this.k1), r);
    const o = p * STRIDE;
    const s = this.slots;
    for (let w = 0; w < 4; w++) s[o + w] = a[w]! | 0;
    s[o + K_FIRST] = rec.first;
    s[o + K_COUNT] = rec.count;
    s[o + K_REC] = r;
    return undefined;
  }

  /** Removes a host; returns its record, or undefined if it had none. */
  delete(a: Uint32Array): HostRecord | undefined {
    const p = this.find(a);
    if (p < 0) return undefined;
    const r = this.slots[p * STRIDE + K_REC]!;
    const old = this.records[r];
    this.records[r] = undefined;
    this.free.push(r);
    this.table.removeAt(p);
    return old;
  }

  /** All hosts, oldest install first (control plane). */
  hosts(): HostRecord[] {
    return this.records.filter((r): r is HostRecord => r !== undefined).sort((x, y) => x.order - y.order);
  }

  /** {@link CellMover}: room for the cell records of a table of `cells` cells. */
  reserveCells(cells: number): void {
    if (this.slots.length >= cells * STRIDE) return;
    const grown = new Int32Array(cells * STRIDE);
    grown.set(this.slots);
    this.slots = grown;
  }

  /** {@link CellMover}: the host record at cell `from` moves to cell `to`. */
  moveCell(from: number, to: number): void {
    this.slots.copyWithin(to * STRIDE, from * STRIDE, from * STRIDE + STRIDE);
  }

  /** {@link CellMover}: the host records at cells `a` and `b` trade places. */
  swapCells(a: number, b: number): void {
    const s = this.slots;
    const oa = a * STRIDE;
    const ob = b * STRIDE;
    for (let w = 0; w < STRIDE; w++) {
      const x = s[oa + w]!;
      s[oa + w] = s[ob + w]!;
      s[ob + w] = x;
    }
  }
}
