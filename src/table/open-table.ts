/**
 * The one open-addressing hash table of the project: linear probing over a power-of-two number
 * of cells, at most half of them occupied, with backward-shift deletion (Knuth, TAOCP vol. 3,
 * §6.4, algorithm R), so that there are no tombstones and every probe stops at the first empty
 * cell. A removal leaves the table exactly as if the remaining keys had been inserted without
 * the removed one, so the probe lengths depend on the keys present and their hashes only, never
 * on the order of past inserts and removals: a table that has churned through millions of keys
 * is as fast as a fresh one, and a lookup always ends.
 *
 * The table owns, per cell, a one-byte tag (0 = empty, else the key's odd {@link fingerprintOf})
 * and the key's 32-bit hash (from `keyed-hash.ts`), and optionally one int32 value. It does not
 * know the keys: the owner compares them. Two kinds of owner use it:
 *
 * - an index (auth cache, ACL hosts …): the value is the owner's record number; the owner keeps
 *   its records in arrays of its own and compares the key of record `values[cell]`;
 * - inline records (the flow table): the owner keeps a record per cell, in a buffer indexed by
 *   cell, so that a lookup reads the tag and then the record, with no index in between. The
 *   table moves records only through the owner's {@link CellMover} — on removal (the backward
 *   shift) and on growth — and the owner updates whatever points at them.
 *
 * A lookup is written by the owner as
 * ```ts
 * for (let p = t.first(h); p >= 0; p = t.next(h, p)) if (sameKey(p)) return p;
 * return -1; // t.stop is the empty cell that ended the probe
 * ```
 * and an insert of a key known to be absent as `t.insert(h, value)` (right after that miss, it
 * reuses the probe's end). Nothing here allocates except growth past the cells allocated so far.
 */

/** Moves an owner's inline records when the table moves their cells. */
export interface CellMover {
  /** The table is about to use `cells` cells: records must fit at cells below it from now on. */
  reserveCells(cells: number): void;
  /** The record at cell `from` moves to cell `to`, which is empty. */
  moveCell(from: number, to: number): void;
  /** The records at cells `a` and `b` trade places (during growth only). */
  swapCells(a: number, b: number): void;
}

/** Options of an {@link OpenTable}. */
export interface OpenTableOptions {
  /** Cells at the start (a power of two ≥ 2); the table doubles as keys arrive. */
  readonly initialCells: number;
  /** Most cells it may grow to (a power of two ≥ `initialCells`): room for half as many keys. */
  readonly maxCells: number;
  /** Keep an int32 value per cell (index-style owners). Default false. */
  readonly values?: boolean | undefined;
  /** Told of every record move (inline-record owners). Default none. */
  readonly mover?: CellMover | null | undefined;
}

/** Tag of a cell whose record growth has not placed yet (fingerprints are odd). */
const PENDING = 2;

/**
 * The one-byte tag of a key with hash `h`: its top byte, made odd (never 0, the empty cell, nor
 * the even values growth uses). The home cell comes from the low bits, so the tag adds
 * independent bits and a probe skips other keys' cells without reading them.
 */
export function fingerprintOf(h: number): number {
  return (h >>> 24) | 1;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/** An open-addressing table of hashes (and optional values); see the module comment. */
export class OpenTable {
  /** One byte per cell: 0 when empty, else the key's {@link fingerprintOf} (replaced on growth). */
  tags: Uint8Array;
  /** The hash of the key in each occupied cell (replaced on growth). */
  hashes: Int32Array;
  /** The value of each occupied cell (empty unless `values` was asked for; replaced on growth). */
  values: Int32Array;
  /** Cells in use minus one. */
  mask: number;
  /** Keys present. */
  count = 0;
  /** The empty cell at which the last unsuccessful probe ({@link first} / {@link next} returning -1) stopped. */
  stop = 0;
  /** The cell a {@link removeAt} left empty at the end of its shift. */
  freed = -1;
  /** Most cells the table may use. */
  readonly maxCells: number;
  private readonly initialCells: number;
  private readonly withValues: boolean;
  private readonly mover: CellMover | null;
  /** Hash of the unsuccessful probe that set `stop` (valid while `stopValid`). */
  private stopHash = 0;
  private stopValid = false;
  /** Highest cell count used since the last `clear` (the part of `tags` that may be dirty). */
  private usedCells: number;

  /** Throws a `RangeError` on bad options (a programming error, not input). */
  constructor(opts: OpenTableOptions) {
    const init = opts.initialCells;
    const max = opts.maxCells;
    if (!isPowerOfTwo(init) || !isPowerOfTwo(max) || max < init || max > 1 << 30) {
      throw new RangeError(`open table: cells must be powers of two, 2 <= initialCells <= maxCells <= 2^30 (got ${init}, ${max})`);
    }
    this.initialCells = init;
    this.maxCells = max;
    this.withValues = opts.values === true;
    this.mover = opts.mover ?? null;
    this.tags = new Uint8Array(init);
    this.hashes = new Int32Array(init);
    this.values = new Int32Array(this.withValues ? init : 0);
    this.mask = init - 1;
    this.usedCells = init;
  }

  /** Cells in use (a power of two; keys never fill more than half). */
  get cells(): number {
    return this.mask + 1;
  }

  /** Most keys the table can hold: half of `maxCells`. */
  get capacity(): number {
    return this.maxCells >>> 1;
  }

  /**
   * The first cell at or after the home of hash `h` whose tag is `h`'s fingerprint, or -1 when
   * an empty cell comes first (it is left in {@link stop}). The owner compares its key there.
   */
  first(h: number): number {
    const tags = this.tags;
    const mask = this.mask;
    const fp = fingerprintOf(h);
    let p = h & mask;
    for (;;) {
      const t = tags[p]!;
      if (t === fp) return p;
      if (t === 0) {
        this.stop = p;
        this.stopHash = h;
        this.stopValid = true;
        return -1;
      }
      p = (p + 1) & mask;
    }
  }

  /** Continues {@link first} after cell `p` (whose key was not the one sought). */
  next(h: number, p: number): number {
    const tags = this.tags;
    const mask = this.mask;
    const fp = fingerprintOf(h);
    for (;;) {
      p = (p + 1) & mask;
      const t = tags[p]!;
      if (t === fp) return p;
      if (t === 0) {
        this.stop = p;
        this.stopHash = h;
        this.stopValid = true;
        return -1;
      }
    }
  }

  /**
   * Occupies a cell for a key with hash `h` (and `value`) that the caller knows is absent, and
   * returns the cell; growing first when the keys would fill more than half of the cells.
   * Returns -1 when the table holds {@link capacity} keys already. Right after the
   * unsuccessful probe for `h`, the cell is the one that probe stopped at.
   */
  insert(h: number, value: number): number {
    if (2 * (this.count + 1) > this.mask + 1) {
      if (this.mask + 1 >= this.maxCells) return -1;
      this.grow();
    }
    let p: number;
    if (this.stopValid && this.stopHash === h) {
      p = this.stop;
    } else {
      const tags = this.tags;
      const mask = this.mask;
      p = h & mask;
      while (tags[p] !== 0) p = (p + 1) & mask;
    }
    this.stopValid = false;
    this.tags[p] = fingerprintOf(h);
    this.hashes[p] = h;
    if (this.withValues) this.values[p] = value;
    this.count++;
    return p;
  }

  /**
   * Empties cell `p` (which must be occupied) and shifts later cells of its cluster back into
   * the hole where their home allows (algorithm R), telling the mover of each move; the cell
   * left empty at the end is in {@link freed}.
   */
  removeAt(p: number): void {
    const tags = this.tags;
    const hashes = this.hashes;
    const values = this.values;
    const mask = this.mask;
    const mover = this.mover;
    const withValues = this.withValues;
    this.stopValid = false;
    let hole = p;
    let j = p;
    for (;;) {
      j = (j + 1) & mask;
      const t = tags[j]!;
      if (t === 0) break;
      // The key at j may fill the hole if the hole lies between its home and j (cyclically).
      const home = hashes[j]! & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        tags[hole] = t;
        hashes[hole] = hashes[j]!;
        if (withValues) values[hole] = values[j]!;
        if (mover !== null) mover.moveCell(j, hole);
        hole = j;
      }
    }
    tags[hole] = 0;
    this.freed = hole;
    this.count--;
  }

  /** Empties the table and returns to the initial cell count (arrays already allocated are kept). */
  clear(): void {
    this.tags.fill(0, 0, this.usedCells);
    this.mask = this.initialCells - 1;
    this.usedCells = this.initialCells;
    this.count = 0;
    this.stopValid = false;
  }

  /**
   * The most cells any lookup reads now: the longest run of occupied cells plus the empty cell
   * that ends it (control plane and tests; it scans every cell).
   */
  longestProbe(): number {
    const tags = this.tags;
    const n = this.mask + 1;
    if (this.count === 0) return 1;
    // Start just after an empty cell so that no run wraps unseen.
    let start = 0;
    while (tags[start] !== 0) start++;
    let longest = 0;
    let run = 0;
    for (let i = 1; i <= n; i++) {
      if (tags[(start + i) & this.mask] !== 0) {
        run++;
        if (run > longest) longest = run;
      } else {
        run = 0;
      }
    }
    return longest + 1;
  }

  /**
   * Doubles the cells in use, in place: every key is re-placed in the larger table, where a key
   * whose new cell still holds a key not yet re-placed swaps places with it and that key is
   * re-placed next. Each key moves into its final cell once (the mover hears of each move or
   * swap), and the result is the table that inserting the keys afresh would build.
   */
  private grow(): void {
    const old = this.mask + 1;
    const size = old * 2;
    if (this.mover !== null) this.mover.reserveCells(size);
    if (this.tags.length < size) {
      this.tags = enlarged(this.tags, size);
      this.hashes = enlarged(this.hashes, size);
      if (this.withValues) this.values = enlarged(this.values, size);
    }
    const tags = this.tags;
    const hashes = this.hashes;
    const values = this.values;
    const mover = this.mover;
    const withValues = this.withValues;
    const mask = size - 1;
    // Cells [old, size) are empty: `clear` zeroed what an earlier, larger table dirtied.
    for (let p = 0; p < old; p++) if (tags[p] !== 0) tags[p] = PENDING;
    this.mask = mask;
    if (size > this.usedCells) this.usedCells = size;
    this.stopValid = false;
    for (let p = 0; p < old; p++) {
      while (tags[p] === PENDING) {
        const h = hashes[p]!;
        let q = h & mask;
        while ((tags[q]! & 1) !== 0) q = (q + 1) & mask; // skip placed keys; stop at empty or pending
        if (q === p) {
          tags[p] = fingerprintOf(h);
          break;
        }
        if (tags[q] === PENDING) {
          hashes[p] = hashes[q]!;
          hashes[q] = h;
          if (withValues) {
            const v = values[p]!;
            values[p] = values[q]!;
            values[q] = v;
          }
          if (mover !== null) mover.swapCells(p, q);
          tags[q] = fingerprintOf(h); // p keeps PENDING: it now holds q's key
        } else {
          hashes[q] = h;
          if (withValues) values[q] = values[p]!;
          if (mover !== null) mover.moveCell(p, q);
          tags[q] = fingerprintOf(h);
          tags[p] = 0;
        }
      }
    }
  }
}

/** A copy of `a` lengthened to `length` elements (the new ones zero). */
function enlarged<T extends Uint8Array | Int32Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}
