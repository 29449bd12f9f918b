import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenTable, fingerprintOf, type CellMover } from '../../src/table/open-table.js';
import { hashKeyFromSeed, hashWord } from '../../src/table/keyed-hash.js';

/** xorshift32: a repeatable source for the model tests. */
function xorshift(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
}

const KEY = hashKeyFromSeed(42);
const hashOf = (k: number): number => hashWord(k, KEY.k0, KEY.k1);

/**
 * An index-style owner: keys in an array of records, the table's value naming the record.
 * Counts the cells every lookup reads.
 */
class IndexOwner {
  readonly t: OpenTable;
  readonly keys: Int32Array;
  readonly free: number[] = [];
  longestLookup = 0;
  constructor(maxKeys: number, initialCells = 2) {
    this.t = new OpenTable({ initialCells, maxCells: maxKeys * 2, values: true });
    this.keys = new Int32Array(maxKeys);
    for (let r = maxKeys - 1; r >= 0; r--) this.free.push(r);
  }
  find(k: number): number {
    const h = hashOf(k);
    const t = this.t;
    let probes = 1;
    let p = t.first(h);
    for (; p >= 0; p = t.next(h, p)) {
      if (this.keys[t.values[p]!] === (k | 0)) break;
    }
    // Cells read: from home to the hit or to the empty cell that ended the probe.
    const end = p >= 0 ? p : t.stop;
    probes += (end - (h & t.mask)) & t.mask;
    if (probes > this.longestLookup) this.longestLookup = probes;
    return p;
  }
  insert(k: number): void {
    const r = this.free.pop()!;
    this.keys[r] = k;
    assert.ok(this.t.insert(hashOf(k), r) >= 0);
  }
  remove(k: number): void {
    const p = this.find(k);
    this.free.push(this.t.values[p]!);
    this.t.removeAt(p);
  }
}

// The longest probe a lookup may need with at most half of 8,192 cells full and a keyed hash.
// Linear probing at load a has a longest cluster of about ln(cells) / (a - 1 - ln a) cells: 47 at
// a = 1/2 (twenty random key sets of 4,096 keys in 8,192 cells gave at most 42). With tombstones
// instead of backward shift, churn alone drives it to the whole table.
const PROBE_BOUND = 64;

test('model: 5 M random-order inserts, removes and lookups agree with a Map, and the longest probe stays bounded', () => {
  const MAX = 4096;
  const owner = new IndexOwner(MAX);
  const model = new Map<number, boolean>();
  const live: number[] = [];
  const rand = xorshift(20261205);
  let ops = 0;
  let longestTable = 0;
  // The live set drifts between empty and full, through phases that favour inserts or removes.
  let target = 0;
  while (ops < 5_000_000) {
    if ((ops & 0xffff) === 0) target = rand() % (MAX + 1);
    const r = rand();
    const op = r & 3;
    if (op === 0 || op === 1) {
      // insert (a fresh random key) or remove (a random live key), steering towards the target
      if ((live.length < target || live.length === 0) && live.length < MAX) {
        const k = rand() | 0;
        if (model.has(k)) continue;
        owner.insert(k);
        model.set(k, true);
        live.push(k);
      } else {
        const i = rand() % live.length;
        const k = live[i]!;
        live[i] = live[live.length - 1]!;
        live.pop();
        owner.remove(k);
        model.delete(k);
      }
    } else if (op === 2 && live.length > 0) {
      const k = live[rand() % live.length]!;
      assert.ok(owner.find(k) >= 0, `live key ${k} not found at op ${ops}`);
    } else {
      const k = rand() | 0;
      assert.equal(owner.find(k) >= 0, model.has(k), `op ${ops}: key ${k}`);
    }
    ops++;
    assert.equal(owner.t.count, model.size);
    if ((ops & 0x3fff) === 0) {
      const lp = owner.t.longestProbe();
      if (lp > longestTable) longestTable = lp;
      assert.ok(lp <= PROBE_BOUND, `longest probe ${lp} > ${PROBE_BOUND} at op ${ops} (${model.size} keys)`);
    }
  }
  assert.ok(owner.longestLookup <= PROBE_BOUND, `a lookup read ${owner.longestLookup} cells`);
  assert.ok(longestTable > 1 && owner.longestLookup > 1, 'the probes were measured');
  // Every live key is still found and no other.
  for (const k of live) assert.ok(owner.find(k) >= 0);
  assert.equal(owner.t.count, live.length);
});

test('the same churn at exactly half load (the table never grows): probes stay bounded', () => {
  const MAX = 2048;
  const owner = new IndexOwner(MAX, MAX * 2);
  const live: number[] = [];
  const rand = xorshift(7);
  for (let i = 0; i < MAX; i++) {
    const k = rand() | 0;
    if (owner.find(k) >= 0) { i--; continue; }
    owner.insert(k);
    live.push(k);
  }
  assert.equal(owner.t.insert(hashOf(12345), 0), -1, 'a full table refuses');
  for (let i = 0; i < 500_000; i++) {
    const j = rand() % live.length;
    owner.remove(live[j]!);
    let k: number;
    do k = rand() | 0; while (owner.find(k) >= 0);
    owner.insert(k);
    live[j] = k;
    if ((i & 0x3fff) === 0) assert.ok(owner.t.longestProbe() <= PROBE_BOUND);
  }
  assert.equal(owner.t.cells, MAX * 2);
  for (const k of live) assert.ok(owner.find(k) >= 0);
});

/** An inline-record owner: a record (its key) per cell, moved only through the mover. */
class InlineOwner implements CellMover {
  readonly t: OpenTable;
  records: Int32Array;
  moves = 0;
  reserved = 4;
  constructor(maxCells: number) {
    this.t = new OpenTable({ initialCells: 4, maxCells, mover: this });
    this.records = new Int32Array(maxCells);
  }
  reserveCells(cells: number): void {
    assert.ok(cells <= this.records.length);
    this.reserved = cells;
  }
  moveCell(from: number, to: number): void {
    assert.ok(to < this.reserved && from < this.reserved);
    this.records[to] = this.records[from]!;
    this.records[from] = 0;
    this.moves++;
  }
  swapCells(a: number, b: number): void {
    const x = this.records[a]!;
    this.records[a] = this.records[b]!;
    this.records[b] = x;
    this.moves++;
  }
  find(k: number): number {
    const h = hashOf(k);
    for (let p = this.t.first(h); p >= 0; p = this.t.next(h, p)) if (this.records[p] === k) return p;
    return -1;
  }
}

test('inline records follow every move: growth and backward shift keep each record in its key\'s cell', () => {
  const owner = new InlineOwner(1 << 14);
  const rand = xorshift(99);
  const live = new Set<number>();
  for (let i = 0; i < 200_000; i++) {
    const k = (rand() | 1) | 0; // never 0, the owner's empty record
    if (live.size < 6000 && (rand() & 1) === 0) {
      if (live.has(k) || owner.find(k) >= 0) continue;
      const p = owner.t.insert(hashOf(k), 0);
      owner.records[p] = k;
      live.add(k);
    } else if (live.size > 0) {
      const victim = live.values().next().value as number;
      const p = owner.find(victim);
      assert.ok(p >= 0);
      owner.t.removeAt(p);
      owner.records[owner.t.freed] = 0;
      live.delete(victim);
    }
  }
  assert.ok(owner.moves > 0);
  for (const k of live) {
    const p = owner.find(k);
    assert.ok(p >= 0 && owner.t.tags[p] === fingerprintOf(hashOf(k)), `key ${k}`);
  }
  // Cells with no record are exactly the empty ones.
  for (let p = 0; p < owner.t.cells; p++) assert.equal(owner.records[p] !== 0, owner.t.tags[p] !== 0, `cell ${p}`);
  assert.equal(owner.t.count, live.size);
});

test('clear empties the table and returns it to its first size; growth after it starts clean', () => {
  const owner = new IndexOwner(1024);
  for (let k = 1; k <= 600; k++) owner.insert(k);
  assert.equal(owner.t.cells, 2048);
  owner.t.clear();
  assert.equal(owner.t.count, 0);
  assert.equal(owner.t.cells, 2);
  for (let k = 1; k <= 600; k++) assert.equal(owner.find(k), -1);
  owner.free.length = 0;
  for (let r = 1023; r >= 0; r--) owner.free.push(r);
  for (let k = 1000; k < 1300; k++) owner.insert(k);
  for (let k = 1000; k < 1300; k++) assert.ok(owner.find(k) >= 0);
  for (let k = 1; k <= 600; k++) assert.equal(owner.find(k), -1);
  assert.equal(owner.t.count, 300);
});

test('bad sizes are refused', () => {
  assert.throws(() => new OpenTable({ initialCells: 3, maxCells: 8 }), RangeError);
  assert.throws(() => new OpenTable({ initialCells: 16, maxCells: 8 }), RangeError);
});
