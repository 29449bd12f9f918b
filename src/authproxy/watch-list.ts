/**
 * The auth-proxy watch list (IOS `ip auth-proxy watch-list enable|expiry-time|add-item`, `show
 * ip auth-proxy watch-list`, `clear ip auth-proxy watch-list`), and the failed-login accounting
 * that feeds it: a host whose logins fail `max-login-attempts` times in a row is listed, and a
 * listed host's intercepted connections are dropped until its entry expires or is cleared.
 *
 * Pure and bounded: at most `capacity` records (hosts being counted and hosts listed), in typed
 * arrays indexed by slot, found by address through an {@link OpenTable} under the process's
 * secret {@link HashKey} (a host chooses its address). Time comes in as `nowMs`.
 *
 * A record is one of:
 * - counting (kind {@link WATCH_KIND_COUNTING}): failed logins of a host not listed, forgotten
 *   after a success, after `expiry-time` without another failure, or when the host is listed;
 * - listed after too many failures ({@link WATCH_KIND_MAX_ATTEMPTS}), for `expiry-time`;
 * - listed by the config's `add-item` or by an operator ({@link WATCH_KIND_MANUAL}): never
 *   expires, goes only with `clear`.
 * `expiry-time 0` makes listed entries permanent (until `clear`), as IOS's "infinite".
 *
 * When the table is full, a new host's first failure takes the slot of the counting record
 * closest to expiry; if every record is a listed host, the failure is not counted (and
 * {@link WatchList.full} is counted): listed entries are never pushed out by new ones.
 */
import { hashAddress, hashKeyFromSeed, type HashKey } from '../table/keyed-hash.js';
import { OpenTable } from '../table/open-table.js';

/** A host being counted, not listed. */
export const WATCH_KIND_COUNTING = 0;
/** Listed after `max-login-attempts` failed logins (IOS `MAX_ATTEMPTS`). */
export const WATCH_KIND_MAX_ATTEMPTS = 1;
/** Listed by `add-item` or an operator (IOS `MANUAL_ENTRY`). */
export const WATCH_KIND_MANUAL = 2;

/** Kind names as `show ip auth-proxy watch-list` prints them. */
export const WATCH_KIND_NAMES: readonly string[] = ['COUNTING', 'MAX_ATTEMPTS', 'MANUAL_ENTRY'];

/** Why a listed entry left the list (debug `object-deletion`). */
export const WATCH_REMOVE_EXPIRED = 0;
export const WATCH_REMOVE_CLEAR = 1;
export const WATCH_REMOVE_REASONS: readonly string[] = ['expired', 'clear'];

/** What {@link WatchList.recordFailure} did. */
export const FAILURE_COUNTED = 0;
/** The failure reached `max-login-attempts`: the host is now listed. */
export const FAILURE_LISTED = 1;
/** The failure reached `max-login-attempts` but the watch list is off: the count starts again. */
export const FAILURE_LIMIT_UNLISTED = 2;
/** The table is full of listed hosts: the failure was not counted. */
export const FAILURE_TABLE_FULL = 3;
/** The host was listed already: nothing changes. */
export const FAILURE_ALREADY_LISTED = 4;

/** Settings of a {@link WatchList}. */
export interface WatchListSettings {
  /** `ip auth-proxy watch-list enable` (IOS default: off). */
  readonly enabled: boolean;
  /** `ip auth-proxy watch-list expiry-time` in ms; 0: listed entries never expire. */
  readonly expiryMs: number;
  /** `ip auth-proxy max-login-attempts`. */
  readonly maxLoginAttempts: number;
}

/** Called for each listed entry that leaves the list, before its slot is freed. */
export type WatchRemoveListener = (slot: number, reason: number, nowMs: number) => void;

const DEFAULT_KEY = hashKeyFromSeed(1);

/** The watch list and failed-login counts. See the module comment. */
export class WatchList {
  readonly capacity: number;
  enabled: boolean;
  readonly expiryMs: number;
  readonly maxLoginAttempts: number;
  /** Client address of each slot (four words per slot). */
  readonly addr: Uint32Array;
  /** WATCH_KIND_* of each live slot. */
  readonly kind: Uint8Array;
  /** Failed logins counted (for a listed host: the failures that listed it). */
  readonly failures: Uint32Array;
  /** When the record was made (listed entries: when the host was listed). */
  readonly sinceMs: Float64Array;
  /** When the record goes (Infinity: never). */
  readonly deadlineMs: Float64Array;
  /** Failures not counted because the table was full of listed hosts. */
  full = 0;
  private readonly live: Uint8Array;
  private readonly index: OpenTable;
  private readonly k0: number;
  private readonly k1: number;
  private readonly freeList: Int32Array;
  private freeTop = 0;
  private slotHigh = 0;
  private used = 0;
  private listed = 0;
  private next = Infinity;

  constructor(settings: WatchListSettings, capacity = 4096, key: HashKey = DEFAULT_KEY) {
    this.capacity = capacity;
    this.enabled = settings.enabled;
    this.expiryMs = settings.expiryMs;
    this.maxLoginAttempts = Math.max(1, settings.maxLoginAttempts);
    this.k0 = key.k0 | 0;
    this.k1 = key.k1 | 0;
    this.addr = new Uint32Array(capacity * 4);
    this.kind = new Uint8Array(capacity);
    this.failures = new Uint32Array(capacity);
    this.sinceMs = new Float64Array(capacity);
    this.deadlineMs = new Float64Array(capacity);
    this.live = new Uint8Array(capacity);
    this.freeList = new Int32Array(capacity);
    let cells = 2;
    while (cells < capacity * 2) cells <<= 1;
    this.index = new OpenTable({ initialCells: Math.min(cells, 1024), maxCells: cells, values: true });
  }

  /** Records held (counting and listed). */
  get count(): number {
    return this.used;
  }

  /** Hosts listed (expired ones included until {@link expire} runs). */
  get listedCount(): number {
    return this.listed;
  }

  /** Slot of the record of `words`, or -1. */
  lookup(words: Uint32Array): number {
    if (this.used === 0) return -1;
    const h = hashAddress(words[0]!, words[1]!, words[2]!, words[3]!, this.k0, this.k1);
    const index = this.index;
    for (let p = index.first(h); p >= 0; p = index.next(h, p)) {
      const s = index.values[p]!;
      const b = s * 4;
      const a = this.addr;
      if (a[b] === words[0] && a[b + 1] === words[1] && a[b + 2] === words[2] && a[b + 3] === words[3]) return s;
    }
    return -1;
  }

  /**
   * True if the watch list is on and `words` is listed and not expired at `nowMs`: its
   * intercepted connections are to be dropped. Allocates nothing (the engine asks per packet of
   * an unauthenticated host to a trigger port, and only while someone is listed).
   */
  isListed(words: Uint32Array, nowMs: number): boolean {
    if (!this.enabled || this.listed === 0) return false;
    const slot = this.lookup(words);
    return slot >= 0 && this.kind[slot] !== WATCH_KIND_COUNTING && this.deadlineMs[slot]! > nowMs;
  }

  /**
   * Counts a failed login of `words` at `nowMs`; returns a FAILURE_* code. At
   * `max-login-attempts` failures the host is listed (watch list on) or its count starts again
   * (watch list off). A failure of a listed host changes nothing (FAILURE_ALREADY_LISTED).
   */
  recordFailure(words: Uint32Array, nowMs: number): number {
    let slot = this.lookup(words);
    if (slot >= 0 && this.deadlineMs[slot]! <= nowMs && this.kind[slot] === WATCH_KIND_COUNTING) {
      // Failures older than the window are forgotten.
      this.failures[slot] = 0;
    }
    if (slot >= 0 && this.kind[slot] !== WATCH_KIND_COUNTING) return FAILURE_ALREADY_LISTED;
    if (slot < 0) {
      slot = this.allocate(words, nowMs);
      if (slot < 0) {
        this.full++;
        return FAILURE_TABLE_FULL;
      }
    }
    const n = ++this.failures[slot]!;
    this.setDeadline(slot, this.expiryMs > 0 ? nowMs + this.expiryMs : Infinity);
    if (n < this.maxLoginAttempts) return FAILURE_COUNTED;
    if (!this.enabled) {
      this.failures[slot] = 0;
      return FAILURE_LIMIT_UNLISTED;
    }
    this.list(slot, WATCH_KIND_MAX_ATTEMPTS, nowMs);
    return FAILURE_LISTED;
  }

  /** Failed logins of `words` counted so far (0 if none). */
  failuresOf(words: Uint32Array): number {
    const slot = this.lookup(words);
    return slot < 0 ? 0 : this.failures[slot]!;
  }

  /** A successful login of `words`: its failures are forgotten (a listed entry stays). */
  forgetFailures(words: Uint32Array): void {
    const slot = this.lookup(words);
    if (slot >= 0 && this.kind[slot] === WATCH_KIND_COUNTING) this.remove(slot);
  }

  /**
   * Lists `words` by hand (`add-item`, an operator): permanent until cleared. Returns its slot,
   * or -1 if the table is full of listed hosts. A host listed already becomes a manual entry.
   */
  addManual(words: Uint32Array, nowMs: number): number {
    let slot = this.lookup(words);
    if (slot < 0) slot = this.allocate(words, nowMs);
    if (slot < 0) return -1;
    this.list(slot, WATCH_KIND_MANUAL, nowMs);
    this.setDeadline(slot, Infinity);
    return slot;
  }

  /**
   * `clear ip auth-proxy watch-list *|ADDRESS`: removes listed entries (all, or that of
   * `words`), calling `onRemove` for each; returns how many. Counting records stay.
   */
  clear(words: Uint32Array | null, nowMs: number, onRemove: WatchRemoveListener | null): number {
    let n = 0;
    const drop = (slot: number): void => {
      if (this.kind[slot] === WATCH_KIND_COUNTING) return;
      if (onRemove !== null) onRemove(slot, WATCH_REMOVE_CLEAR, nowMs);
      this.remove(slot);
      n++;
    };
    if (words === null) this.forEach(drop);
    else {
      const slot = this.lookup(words);
      if (slot >= 0) drop(slot);
    }
    return n;
  }

  /** Earliest time {@link expire} may have work (Infinity if none): early, never late. */
  nextDeadline(): number {
    return this.next;
  }

  /**
   * Removes every record whose deadline has come at `nowMs` (`onRemove` is told of each listed
   * one); returns how many listed entries went. One pass over the slots, which runs only when
   * a deadline has come: at most once per record ever made.
   */
  expire(nowMs: number, onRemove: WatchRemoveListener | null): number {
    if (this.next > nowMs) return 0;
    let n = 0;
    let next = Infinity;
    for (let s = 0; s < this.slotHigh; s++) {
      if (this.live[s] === 0) continue;
      const d = this.deadlineMs[s]!;
      if (d <= nowMs) {
        if (this.kind[s] !== WATCH_KIND_COUNTING) {
          if (onRemove !== null) onRemove(s, WATCH_REMOVE_EXPIRED, nowMs);
          n++;
        }
        this.remove(s);
      } else if (d < next) next = d;
    }
    this.next = next;
    return n;
  }

  /** Calls `fn` for every live slot, in slot order (control plane: show, clear). */
  forEach(fn: (slot: number) => void): void {
    for (let s = 0; s < this.slotHigh; s++) if (this.live[s] === 1) fn(s);
  }

  private list(slot: number, kind: number, nowMs: number): void {
    if (this.kind[slot] === WATCH_KIND_COUNTING) this.listed++;
    this.kind[slot] = kind;
    this.sinceMs[slot] = nowMs;
    this.setDeadline(slot, kind === WATCH_KIND_MANUAL || this.expiryMs === 0 ? Infinity : nowMs + this.expiryMs);
  }

  private setDeadline(slot: number, d: number): void {
    this.deadlineMs[slot] = d;
    if (d < this.next) this.next = d;
  }

  /** A fresh counting record for `words` (evicting the counting record closest to expiry if full), or -1. */
  private allocate(words: Uint32Array, nowMs: number): number {
    let slot: number;
    if (this.freeTop > 0) slot = this.freeList[--this.freeTop]!;
    else if (this.slotHigh < this.capacity) slot = this.slotHigh++;
    else {
      let victim = -1;
      for (let s = 0; s < this.slotHigh; s++) {
        if (this.kind[s] === WATCH_KIND_COUNTING && (victim < 0 || this.deadlineMs[s]! < this.deadlineMs[victim]!)) victim = s;
      }
      if (victim < 0) return -1;
      this.remove(victim);
      slot = this.freeList[--this.freeTop]!;
    }
    const b = slot * 4;
    for (let w = 0; w < 4; w++) this.addr[b + w] = words[w]!;
    this.kind[slot] = WATCH_KIND_COUNTING;
    this.failures[slot] = 0;
    this.sinceMs[slot] = nowMs;
    this.deadlineMs[slot] = Infinity;
    this.live[slot] = 1;
    this.index.insert(hashAddress(words[0]!, words[1]!, words[2]!, words[3]!, this.k0, this.k1), slot);
    this.used++;
    return slot;
  }

  private remove(slot: number): void {
    if (this.live[slot] === 0) return;
    const a = this.addr;
    const b = slot * 4;
    const h = hashAddress(a[b]!, a[b + 1]!, a[b + 2]!, a[b + 3]!, this.k0, this.k1);
    const index = this.index;
    let p = index.first(h);
    while (p >= 0 && index.values[p] !== slot) p = index.next(h, p);
    if (p >= 0) index.removeAt(p);
    if (this.kind[slot] !== WATCH_KIND_COUNTING) this.listed--;
    this.kind[slot] = WATCH_KIND_COUNTING;
    this.live[slot] = 0;
    this.freeList[this.freeTop++] = slot;
    this.used--;
  }
}
