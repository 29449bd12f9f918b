/**
 * The flow table's records, by slot: where each flow's record is, what it holds, and what the
 * control plane reads of it. {@link FlowTable} (flow-table.ts) builds the packet path — keys,
 * lookup, insert, update, expiry — on top of this class, which owns the storage.
 *
 * Layout. Every flow lives in one 128-byte record of a single `ArrayBuffer`, read through
 * `Uint32Array`, `Int32Array` and `Float64Array` views: the hash, key, state and counters of one
 * flow sit on two adjacent cache lines of one page instead of being spread over a dozen parallel
 * arrays. The record array is itself the hash table: the project's one open-addressing table
 * ({@link OpenTable}: linear probing, at least twice as many record positions as flows,
 * backward-shift deletion, no tombstones) with the records inline, one per cell, so a flow's
 * record usually sits at its hash's home position and a lookup plus update is one random memory
 * access (one TLB and DRAM miss with a million flows) with no dependent second access. A probe
 * past the home position reads the next record, on the same or the next page; the cell table's
 * byte array of fingerprints lets an unsuccessful probe skip records of other flows without
 * reading them. The cell table moves records through this class's {@link CellMover} methods.
 *
 * The buffer is allocated for the full capacity up front, but only a prefix of it is in use: the
 * active positions start at {@link FLOW_MIN_POSITIONS} and double, in place, whenever the flows
 * would fill more than half of them. A table sized for a quarter of a million flows that holds
 * two thousand thus keeps them on a few hundred pages rather than one page each, which the TLB
 * notices. Doubling moves every record once (a pause proportional to the flows present, at most
 * once per power of two; the table never shrinks except by `clear`).
 *
 * Because deletion moves records, the slot handed out by `lookup` and `insert` is a stable
 * handle (0 .. capacity − 1, reused last-freed first), not a record position: `slotPos` maps it
 * to the record's current position and each record stores its slot. The slot and position of
 * the flow last found or made are remembered (`lastSlot`, `lastPos`), so that what follows a
 * lookup of the same slot — `update`, the memo words — reads the map not at all.
 *
 * Reading a slot that is not live gives zeros, never an exception.
 */
import { OpenTable, type CellMover } from '../table/open-table.js';
import type { FlowTuple } from './flow-types.js';

/** Record positions a table starts with (128 KiB), or all of them for a smaller capacity. */
export const FLOW_MIN_POSITIONS = 1024;

// Record layout, in 32-bit words (stride 32 words = 128 bytes = 16 doubles). What a lookup
// compares (hash, info, key) comes first.
export const STRIDE_SHIFT = 5;
export const D_STRIDE_SHIFT = 4;
export const W_HASH = 0;
export const W_INFO = 1;
export const W_KEY = 2; // .. W_KEY + 9
export const W_PROTO = W_KEY + 9;
export const W_SLOT = 12;
export const W_INGRESS = 13;
export const W_TAG = 14;
/** The owner's memo of the flow (see `memo`): word 15 and words 30-31, free of the rest. */
export const W_MEMO_A = 15;
export const W_MEMO_B = 30;
export const W_MEMO_C = 31;
/**
 * TCP sequence state (tcp-window.ts): the end of the sequence space sent in each direction,
 * words 18 (original) and 19 (reply). The time of the last packet needs no word of its own: it
 * is the deadline less the timeout of the flow's state (see `lastSeenOf`).
 */
export const W_SEQ_END = 18;
// Doubles (index in the Float64Array: record * 16 + D_*; words 16..17 and 20..29).
export const D_DEADLINE = 8;
export const D_CREATED = 10;
export const D_PACKETS = 11; // + 2 * dir
export const D_BYTES = 12;   // + 2 * dir

// W_INFO bits (bits 8, 9 and 20..28 are tcp-window.ts's, TCP_WINDOW_INFO_BITS).
export const INFO_STATE_MASK = 0x0f;
export const INFO_ORIG_IS_B = 0x10;
export const INFO_REPLY_SEEN = 0x20;
/** The key pairs two IPv4-mapped addresses (`isFlowKey4`): words 3, 7, 8 and 9 tell it apart. */
export const INFO_KEY4 = 0x80;

/** The records of a flow table's flows, by slot; see the module comment. */
export class FlowRecords implements CellMover {
  /** Maximum number of flows. */
  readonly capacity: number;
  /** Number of live flows. */
  count = 0;

  protected readonly u32: Uint32Array;
  protected readonly i32: Int32Array;
  protected readonly f64: Float64Array;
  /** Record positions allocated (a power of two, at least twice the capacity). */
  protected readonly positions: number;
  /**
   * The open-addressing table whose cells are the record positions: it owns the tags and
   * hashes, and moves records through this class's {@link CellMover} methods.
   */
  protected readonly cells: OpenTable;
  /** Highest cell mask since the last `clear` (the part of the buffer that may be dirty). */
  protected usedMask: number;
  /**
   * Word offset of a spare record past the last position, where `swapCells` parks one record
   * while it swaps two: three `copyWithin` calls, which cost the same whether or not V8 has
   * optimised the growth (it runs a handful of times per table, so it usually has not, and a
   * word-by-word copy loop then ran in the interpreter: 24 ms of a 2 M-packet replay).
   */
  private readonly spare: number;
  /** Record position of each live slot below `slotHigh`, -1 for a free one (fresh slots: unset). */
  protected readonly slotPos: Int32Array;
  /** Freed slots, a stack: `freeSlots[freeTop - 1]` is handed out next, before any fresh slot. */
  protected readonly freeSlots: Int32Array;
  protected freeTop = 0;
  /** Slots handed out since the last `clear` are those below this one; the rest are fresh. */
  protected slotHigh = 0;
  /** Slot and position of the flow last found or inserted (-1: none), so `update` skips `slotPos`. */
  protected lastSlot = -1;
  protected lastPos = -1;

  /** Allocates the records of `capacity` flows (an integer the caller has checked). */
  constructor(capacity: number) {
    this.capacity = capacity;
    let positions = 2;
    while (positions < capacity * 2) positions *= 2;
    this.positions = positions;
    const buf = new ArrayBuffer((positions + 1) << (STRIDE_SHIFT + 2));
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    this.spare = positions << STRIDE_SHIFT;
    this.cells = new OpenTable({ initialCells: Math.min(positions, FLOW_MIN_POSITIONS), maxCells: positions, mover: this });
    this.usedMask = this.cells.mask;
    this.slotPos = new Int32Array(capacity);
    this.freeSlots = new Int32Array(capacity);
  }

  /** Empties every record and slot (the owner resets what it keeps besides). */
  protected clearRecords(): void {
    // Only positions some flow may have used are dirty; the rest are as the allocation left them.
    const used = this.usedMask + 1;
    this.u32.fill(0, 0, used << STRIDE_SHIFT);
    this.cells.clear();
    this.usedMask = this.cells.mask;
    // Slots at or above `slotHigh` are fresh: never read before `insert` writes their position.
    this.freeTop = 0;
    this.slotHigh = 0;
    this.lastSlot = -1;
    this.lastPos = -1;
    this.count = 0;
  }

  /**
   * Frees live `slot` and empties its record position; the cell table shifts later records of
   * the probe cluster back into the hole (backward-shift deletion), so every flow stays
   * reachable from its home position without tombstones.
   */
  protected releaseSlot(slot: number): void {
    const pos = this.slotPos[slot]!;
    this.slotPos[slot] = -1;
    this.freeSlots[this.freeTop++] = slot;
    this.count--;
    this.lastSlot = -1;
    this.cells.removeAt(pos);
  }

  /**
   * Word `i` (0, 1 or 2) of the memo the table keeps for the table's owner in each flow's
   * record: three 32-bit words, zero when the flow is created, that the owner sets with
   * {@link setMemo} (the engine remembers there how it decided the flow's packets). Reading it
   * for the slot `lookup` has just returned costs no further memory access; a slot that is not
   * live reads 0.
   */
  memo(slot: number, i: number): number {
    const w = this.memoWord(slot, i);
    return w < 0 ? 0 : this.u32[w]!;
  }

  /** Sets memo word `i` (0, 1 or 2) of live flow `slot` to an unsigned 32-bit value (see {@link memo}). */
  setMemo(slot: number, i: number, value: number): void {
    const w = this.memoWord(slot, i);
    if (w >= 0) this.u32[w] = value;
  }

  /** Index in `u32` of memo word `i` of live flow `slot` (the last one looked up without `slotPos`), or -1. */
  protected memoWord(slot: number, i: number): number {
    const pos = slot === this.lastSlot ? this.lastPos : this.isLive(slot) ? this.slotPos[slot]! : -1;
    return pos < 0 ? -1 : (pos << STRIDE_SHIFT) + (i === 0 ? W_MEMO_A : i === 1 ? W_MEMO_B : W_MEMO_C);
  }

  /** True if `slot` holds a flow. */
  isLive(slot: number): boolean {
    return slot >= 0 && slot < this.slotHigh && (slot | 0) === slot && this.slotPos[slot]! >= 0;
  }

  /** TCP tracker state of `slot` (`TCP_CT_*`; `TCP_CT_NONE` for other protocols and free slots). */
  stateOf(slot: number): number {
    return this.wordOf(slot, W_INFO) & INFO_STATE_MASK;
  }

  /** IP protocol number of `slot` (0 for a free slot). */
  protocolOf(slot: number): number {
    return this.wordOf(slot, W_PROTO);
  }

  /** Interface index the flow's first packet arrived on (0 for a free slot). */
  ingressOf(slot: number): number {
    return this.wordOf(slot, W_INGRESS) | 0;
  }

  /** User tag of `slot` (0 until set, and for a free slot). */
  tagOf(slot: number): number {
    return this.wordOf(slot, W_TAG);
  }

  /** Sets the user tag of `slot` (an unsigned 32-bit value, e.g. the auth-cache entry that opened it). */
  setTag(slot: number, tag: number): void {
    if (this.isLive(slot)) this.u32[(this.slotPos[slot]! << STRIDE_SHIFT) + W_TAG] = tag >>> 0;
  }

  /** True once a packet was seen in the reply direction. */
  replySeen(slot: number): boolean {
    return (this.wordOf(slot, W_INFO) & INFO_REPLY_SEEN) !== 0;
  }

  /** Idle deadline of `slot` (ms, same clock as `nowMs`; 0 for a free slot). */
  deadlineOf(slot: number): number {
    return this.doubleOf(slot, D_DEADLINE);
  }

  /** Time `slot` was created (0 for a free slot). */
  createdOf(slot: number): number {
    return this.doubleOf(slot, D_CREATED);
  }

  /** Packets accounted to `slot` in direction `dir` (0 for a free slot). */
  packetsOf(slot: number, dir: number): number {
    return this.doubleOf(slot, D_PACKETS + 2 * (dir & 1));
  }

  /** Bytes (IP total length) accounted to `slot` in direction `dir` (0 for a free slot). */
  bytesOf(slot: number, dir: number): number {
    return this.doubleOf(slot, D_BYTES + 2 * (dir & 1));
  }

  /** Fills `out` with the 5-tuple of `slot` in its original direction; false if the slot is not live. */
  readTuple(slot: number, out: FlowTuple): boolean {
    if (!this.isLive(slot)) return false;
    const u32 = this.u32;
    const b = (this.slotPos[slot]! << STRIDE_SHIFT) + W_KEY;
    const origIsB = (u32[b - W_KEY + W_INFO]! & INFO_ORIG_IS_B) !== 0;
    const src = origIsB ? 4 : 0;
    const dst = origIsB ? 0 : 4;
    for (let i = 0; i < 4; i++) {
      out.srcAddr[i] = u32[b + src + i]!;
      out.dstAddr[i] = u32[b + dst + i]!;
    }
    const ports = u32[b + 8]!;
    out.srcPort = origIsB ? ports & 0xffff : ports >>> 16;
    out.dstPort = origIsB ? ports >>> 16 : ports & 0xffff;
    out.proto = u32[b + 9]!;
    return true;
  }

  /** Calls `fn` with every live slot, in slot order. `fn` may remove the slot it is given. */
  forEach(fn: (slot: number, table: this) => void): void {
    const pos = this.slotPos;
    for (let s = 0; s < this.slotHigh; s++) {
      if (pos[s]! >= 0) fn(s, this);
    }
  }

  /** Word `w` of live slot `slot`'s record, or 0 when the slot is not live. */
  protected wordOf(slot: number, w: number): number {
    return this.isLive(slot) ? this.u32[(this.slotPos[slot]! << STRIDE_SHIFT) + w]! : 0;
  }

  /** Double `i` of live slot `slot`'s record, or 0 when the slot is not live. */
  protected doubleOf(slot: number, i: number): number {
    return this.isLive(slot) ? this.f64[(this.slotPos[slot]! << D_STRIDE_SHIFT) + i]! : 0;
  }

  /** {@link CellMover}: every position the cell table may use was allocated up front. */
  reserveCells(cells: number): void {
    if (cells > this.spare >>> STRIDE_SHIFT) throw new RangeError(`flow table: ${cells} positions asked for`);
  }

  /** {@link CellMover}: the record at position `from` moves to the empty position `to`. */
  moveCell(from: number, to: number): void {
    const b = from << STRIDE_SHIFT;
    this.u32.copyWithin(to << STRIDE_SHIFT, b, b + (1 << STRIDE_SHIFT));
    this.slotPos[this.i32[b + W_SLOT]!] = to;
    this.lastSlot = -1;
  }

  /** {@link CellMover}: the records at positions `a` and `b` trade places (growth). */
  swapCells(a: number, b: number): void {
    const u32 = this.u32;
    const words = 1 << STRIDE_SHIFT;
    const spare = this.spare;
    const ba = a << STRIDE_SHIFT;
    const bb = b << STRIDE_SHIFT;
    u32.copyWithin(spare, ba, ba + words);
    u32.copyWithin(ba, bb, bb + words);
    u32.copyWithin(bb, spare, spare + words);
    this.slotPos[this.i32[ba + W_SLOT]!] = a;
    this.slotPos[this.i32[bb + W_SLOT]!] = b;
    this.lastSlot = -1;
  }
}
