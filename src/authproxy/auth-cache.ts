/**
 * The auth-proxy cache: one entry per client host (IPv4 or IPv6), in typed arrays indexed by
 * slot, found by address through an {@link OpenTable} keyed by the process's secret
 * {@link HashKey} (a remote host chooses its address), plus a min-heap of deadlines for the inactivity and absolute timers. Pure: time is
 * passed in as `nowMs`; `nextDeadline()` tells the adapter when to call `expire()`. Lookups and
 * activity updates allocate nothing.
 *
 * The arrays start with room for {@link AUTH_CACHE_INITIAL_SLOTS} hosts and double (in
 * `create`, up to `capacity`) when the hosts outgrow them. Allocating all of a 65,536-host cache
 * up front cost ~12 MiB of zeroed memory, hundreds of first-touch page faults and a share of a
 * garbage collection V8 starts for that much external memory, on every start-up, for caches that
 * mostly hold a handful of hosts.
 */
import { AP_STATE_INIT, AP_DELETE_IDLE, AP_DELETE_ABSOLUTE } from './states.js';
import { hashAddress, hashKeyFromSeed, type HashKey } from '../table/keyed-hash.js';
import { OpenTable } from '../table/open-table.js';

/** Hosts a cache has room for before its arrays first grow (fewer if its capacity is smaller). */
export const AUTH_CACHE_INITIAL_SLOTS = 1024;

/** The key of caches built without one (tests); a gateway passes its process key. */
const DEFAULT_KEY = hashKeyFromSeed(0);

/** Called for each entry `expire()` removes, before its slot is freed. */
export type ExpireListener = (slot: number, reason: number, nowMs: number) => void;

export class AuthCache {
  /** Maximum number of hosts. */
  readonly capacity: number;
  /*
   * The per-slot arrays below are replaced by larger ones when the cache grows (in `create`):
   * index them through the cache each time rather than keeping one across a `create`.
   */
  /** Client address of each slot (four words per slot). */
  addr: Uint32Array;
  /** Auth-proxy state (AP_STATE_*) of each slot; read it here, change it with {@link setState}. */
  state: Uint8Array;
  /** Source port of the connection that created / last touched the entry (debug `clientport`). */
  clientPort: Uint16Array;
  /** Port of the connection that created the entry (`show ip auth-proxy cache`). */
  createPort: Uint16Array;
  /** Interface index the host was seen on. */
  ifIndex: Int16Array;
  /** Creation time, last activity, inactivity timeout, absolute deadline (ms; 0 = none). */
  createdMs: Float64Array;
  lastActivityMs: Float64Array;
  inactivityMs: Float64Array;
  absoluteDeadlineMs: Float64Array;
  /** Intercepted connections of this host that have not sent data yet (`max-nodata-conns`). */
  nodataConns: Uint16Array;
  /** Accounting counters: packets/octets from the host and to it. */
  packetsOut: Float64Array;
  octetsOut: Float64Array;
  packetsIn: Float64Array;
  octetsIn: Float64Array;
  /** ACL list index the host's dynamic entries are installed on (-1 = none). */
  aclList: Int32Array;
  /** Generation of each slot, bumped on every free (lets holders detect reuse). */
  generation: Uint32Array;
  /** User names of authenticated slots (control plane only; a map, so start-up allocates no array per slot). */
  private readonly users = new Map<number, string>();

  /** Address → slot. */
  private readonly index: OpenTable;
  private readonly k0: number;
  private readonly k1: number;
  /** 1 for a slot holding a host, 0 for a free one. */
  private live: Uint8Array;
  /** Slots the arrays have room for (they grow up to `capacity`). */
  private allocated: number;
  /** Freed slots, a stack (the last freed is reused first). */
  private freeList: Int32Array;
  private freeTop = 0;
  /** Slots below this have been handed out at least once; the rest are fresh. */
  private slotHigh = 0;
  private used = 0;
  /**
   * Changes whenever an entry is created or removed or its state changes (through
   * {@link setState}: change `state` only that way), so that whoever remembers decisions that
   * depended on the cache knows to decide again.
   */
  version = 0;

  // Deadline heap: (deadline, slot, generation) triples.
  private heapTime: Float64Array;
  private heapSlot: Int32Array;
  private heapGen: Uint32Array;
  private heapSize = 0;

  /**
   * A cache for up to `capacity` hosts, with room for `initialSlots` of them before it first
   * grows (default {@link AUTH_CACHE_INITIAL_SLOTS}, at most `capacity`), whose addresses hash
   * under `key` (a gateway passes its process key; the default serves tests).
   */
  constructor(capacity = 65536, initialSlots = AUTH_CACHE_INITIAL_SLOTS, key: HashKey = DEFAULT_KEY) {
    this.capacity = capacity;
    this.k0 = key.k0 | 0;
    this.k1 = key.k1 | 0;
    const n = Math.max(1, Math.min(capacity, initialSlots));
    this.allocated = n;
    this.addr = new Uint32Array(n * 4);
    this.state = new Uint8Array(n);
    this.clientPort = new Uint16Array(n);
    this.createPort = new Uint16Array(n);
    this.ifIndex = new Int16Array(n);
    this.createdMs = new Float64Array(n);
    this.lastActivityMs = new Float64Array(n);
    this.inactivityMs = new Float64Array(n);
    this.absoluteDeadlineMs = new Float64Array(n);
    this.nodataConns = new Uint16Array(n);
    this.packetsOut = new Float64Array(n);
    this.octetsOut = new Float64Array(n);
    this.packetsIn = new Float64Array(n);
    this.octetsIn = new Float64Array(n);
    this.aclList = new Int32Array(n).fill(-1);
    this.generation = new Uint32Array(n);
    this.freeList = new Int32Array(n);
    // Each slot has at most one live heap node per (re)arm plus stale ones; 4× is ample, and the
    // heap compacts stale nodes when it fills.
    this.heapTime = new Float64Array(n * 4);
    this.heapSlot = new Int32Array(n * 4);
    this.heapGen = new Uint32Array(n * 4);
    this.live = new Uint8Array(n);
    this.index = new OpenTable({ initialCells: indexSizeFor(n), maxCells: indexSizeFor(capacity), values: true });
  }

  /** Number of hosts in the cache. */
  get count(): number {
    return this.used;
  }

  private sameAddr(slot: number, words: Uint32Array): boolean {
    const b = slot * 4;
    const a = this.addr;
    return a[b] === words[0] && a[b + 1] === words[1] && a[b + 2] === words[2] && a[b + 3] === words[3];
  }

  /** Slot of the host with address `words`, or -1. */
  lookup(words: Uint32Array): number {
    if (this.used === 0) return -1;
    const h = hashAddress(words[0]!, words[1]!, words[2]!, words[3]!, this.k0, this.k1);
    const index = this.index;
    for (let p = index.first(h); p >= 0; p = index.next(h, p)) {
      const s = index.values[p]!;
      if (this.sameAddr(s, words)) return s;
    }
    return -1;
  }

  /** The most index cells any lookup reads now (see {@link OpenTable.longestProbe}; control plane, tests). */
  longestProbe(): number {
    return this.index.longestProbe();
  }

  /**
   * Creates an entry for `words` in state INIT with the given inactivity timeout; returns its
   * slot, or -1 if the cache is full. The caller has checked that no entry exists.
   */
  create(words: Uint32Array, port: number, ifIndex: number, inactivityMs: number, nowMs: number): number {
    let slot: number;
    if (this.freeTop > 0) slot = this.freeList[--this.freeTop]!;
    else if (this.slotHigh < this.allocated) slot = this.slotHigh++;
    else if (this.allocated < this.capacity) {
      this.grow();
      slot = this.slotHigh++;
    } else return -1;
    const b = slot * 4;
    this.addr[b] = words[0]!;
    this.addr[b + 1] = words[1]!;
    this.addr[b + 2] = words[2]!;
    this.addr[b + 3] = words[3]!;
    this.state[slot] = AP_STATE_INIT;
    this.clientPort[slot] = port;
    this.createPort[slot] = port;
    this.ifIndex[slot] = ifIndex;
    this.createdMs[slot] = nowMs;
    this.lastActivityMs[slot] = nowMs;
    this.inactivityMs[slot] = inactivityMs;
    this.absoluteDeadlineMs[slot] = 0;
    this.nodataConns[slot] = 0;
    this.packetsOut[slot] = 0;
    this.octetsOut[slot] = 0;
    this.packetsIn[slot] = 0;
    this.octetsIn[slot] = 0;
    this.aclList[slot] = -1;
    // A reused slot answers no user until the new entry is authorized.
    this.users.delete(slot);
    this.live[slot] = 1;
    this.index.insert(hashAddress(words[0]!, words[1]!, words[2]!, words[3]!, this.k0, this.k1), slot);
    this.used++;
    this.version = (this.version + 1) | 0;
    this.arm(slot, nowMs + inactivityMs);
    return slot;
  }

  /** Sets the inactivity timeout and (re)arms the timers of `slot`. `absoluteMs` 0 = no absolute timer. */
  setTimers(slot: number, inactivityMs: number, absoluteMs: number, nowMs: number): void {
    this.inactivityMs[slot] = inactivityMs;
    this.absoluteDeadlineMs[slot] = absoluteMs > 0 ? nowMs + absoluteMs : 0;
    this.lastActivityMs[slot] = nowMs;
    this.arm(slot, this.deadlineOf(slot));
  }

  /** Records activity (refreshes the inactivity timer). No heap work: expiry re-checks lazily. */
  touch(slot: number, nowMs: number): void {
    if (nowMs > this.lastActivityMs[slot]!) this.lastActivityMs[slot] = nowMs;
  }

  /** Removes `slot` from the cache (its address becomes free for a new entry). */
  remove(slot: number): void {
    if (!(slot >= 0 && slot < this.slotHigh) || this.live[slot] === 0) return;
    const a = this.addr;
    const b = slot * 4;
    const h = hashAddress(a[b]!, a[b + 1]!, a[b + 2]!, a[b + 3]!, this.k0, this.k1);
    const index = this.index;
    let p = index.first(h);
    while (p >= 0 && index.values[p] !== slot) p = index.next(h, p);
    if (p < 0) return;
    index.removeAt(p);
    this.live[slot] = 0;
    this.users.delete(slot);
    this.aclList[slot] = -1;
    this.generation[slot] = (this.generation[slot]! + 1) >>> 0;
    this.freeList[this.freeTop++] = slot;
    this.used--;
    this.version = (this.version + 1) | 0;
  }

  /** Sets the auth-proxy state (AP_STATE_*) of `slot`. */
  setState(slot: number, state: number): void {
    this.state[slot] = state;
    this.version = (this.version + 1) | 0;
  }

  /** The user authenticated on `slot`, if any. */
  userOf(slot: number): string | undefined {
    return this.users.get(slot);
  }

  /** Records the user authenticated on `slot`. */
  setUser(slot: number, user: string): void {
    this.users.set(slot, user);
  }

  /** When the entry in `slot` expires if nothing refreshes it. */
  deadlineOf(slot: number): number {
    const idle = this.lastActivityMs[slot]! + this.inactivityMs[slot]!;
    const abs = this.absoluteDeadlineMs[slot]!;
    return abs > 0 && abs < idle ? abs : idle;
  }

  /** Earliest time `expire()` may have work (Infinity if none). Stale heap nodes make it early, never late. */
  nextDeadline(): number {
    return this.heapSize > 0 ? this.heapTime[0]! : Infinity;
  }

  /**
   * Removes every entry whose timer has run out at `nowMs`, calling `onExpire(slot, reason)`
   * before each removal. Entries refreshed since they were armed are re-armed instead.
   * Returns the number removed.
   */
  expire(nowMs: number, onExpire: ExpireListener | null): number {
    let removed = 0;
    while (this.heapSize > 0 && this.heapTime[0]! <= nowMs) {
      const slot = this.heapSlot[0]!;
      const gen = this.heapGen[0]!;
      this.heapPop();
      if (this.generation[slot] !== gen) continue; // stale: the slot was freed since it was armed
      const abs = this.absoluteDeadlineMs[slot]!;
      const idle = this.lastActivityMs[slot]! + this.inactivityMs[slot]!;
      if (abs > 0 && abs <= nowMs) {
        if (onExpire !== null) onExpire(slot, AP_DELETE_ABSOLUTE, nowMs);
        this.remove(slot);
        removed++;
      } else if (idle <= nowMs) {
        if (onExpire !== null) onExpire(slot, AP_DELETE_IDLE, nowMs);
        this.remove(slot);
        removed++;
      } else {
        this.arm(slot, abs > 0 && abs < idle ? abs : idle);
      }
    }
    return removed;
  }

  /**
   * Calls `fn` for every live slot, in slot order (control plane; `show`, snapshots, `clear`):
   * an order that does not depend on the hash key. `fn` may remove the slot it is given.
   */
  forEach(fn: (slot: number) => void): void {
    for (let s = 0; s < this.slotHigh; s++) {
      if (this.live[s] === 1) fn(s);
    }
  }

  /**
   * Doubles the room for hosts (up to `capacity`): every per-slot array is copied into a larger
   * one and the heap keeps its nodes. (The index grows by itself as hosts arrive.)
   */
  private grow(): void {
    const n = Math.min(this.capacity, this.allocated * 2);
    this.addr = enlarged(this.addr, n * 4);
    this.state = enlarged(this.state, n);
    this.clientPort = enlarged(this.clientPort, n);
    this.createPort = enlarged(this.createPort, n);
    this.ifIndex = enlarged(this.ifIndex, n);
    this.createdMs = enlarged(this.createdMs, n);
    this.lastActivityMs = enlarged(this.lastActivityMs, n);
    this.inactivityMs = enlarged(this.inactivityMs, n);
    this.absoluteDeadlineMs = enlarged(this.absoluteDeadlineMs, n);
    this.nodataConns = enlarged(this.nodataConns, n);
    this.packetsOut = enlarged(this.packetsOut, n);
    this.octetsOut = enlarged(this.octetsOut, n);
    this.packetsIn = enlarged(this.packetsIn, n);
    this.octetsIn = enlarged(this.octetsIn, n);
    const oldLists = this.aclList.length;
    this.aclList = enlarged(this.aclList, n).fill(-1, oldLists);
    this.generation = enlarged(this.generation, n);
    this.freeList = enlarged(this.freeList, n);
    this.heapTime = enlarged(this.heapTime, n * 4);
    this.heapSlot = enlarged(this.heapSlot, n * 4);
    this.heapGen = enlarged(this.heapGen, n * 4);
    this.live = enlarged(this.live, n);
    this.allocated = n;
  }

  private arm(slot: number, deadline: number): void {
    if (this.heapSize === this.heapTime.length) this.compactHeap();
    let i = this.heapSize++;
    const t = this.heapTime, s = this.heapSlot, g = this.heapGen;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= deadline) break;
      t[i] = t[p]!;
      s[i] = s[p]!;
      g[i] = g[p]!;
      i = p;
    }
    t[i] = deadline;
    s[i] = slot;
    g[i] = this.generation[slot]!;
  }

  private heapPop(): void {
    const t = this.heapTime, s = this.heapSlot, g = this.heapGen;
    const n = --this.heapSize;
    if (n === 0) return;
    const lt = t[n]!, ls = s[n]!, lg = g[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && t[c + 1]! < t[c]!) c++;
      if (t[c]! >= lt) break;
      t[i] = t[c]!;
      s[i] = s[c]!;
      g[i] = g[c]!;
      i = c;
    }
    t[i] = lt;
    s[i] = ls;
    g[i] = lg;
  }

  /** Drops stale heap nodes and rebuilds the heap with one node per live entry (in slot order). */
  private compactHeap(): void {
    this.heapSize = 0;
    const live = this.live;
    for (let slot = 0; slot < this.slotHigh; slot++) {
      if (live[slot] === 1) {
        // arm() without the capacity check: live entries ≤ capacity < heap size.
        let j = this.heapSize++;
        const d = this.deadlineOf(slot);
        const t = this.heapTime, s = this.heapSlot, g = this.heapGen;
        while (j > 0) {
          const p = (j - 1) >> 1;
          if (t[p]! <= d) break;
          t[j] = t[p]!;
          s[j] = s[p]!;
          g[j] = g[p]!;
          j = p;
        }
        t[j] = d;
        s[j] = slot;
        g[j] = this.generation[slot]!;
      }
    }
  }
}

/** Size of the index for `slots` hosts: a power of two at least twice as large. */
function indexSizeFor(slots: number): number {
  let size = 2;
  while (size < slots * 2) size <<= 1;
  return size;
}

/** A copy of `a` lengthened to `length` elements (the new ones zero). */
type SlotArray = Float64Array | Int32Array | Uint32Array | Uint16Array | Int16Array | Uint8Array;
function enlarged<T extends SlotArray>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}
