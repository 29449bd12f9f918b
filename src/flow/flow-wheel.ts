/**
 * The flow table's expiry schedule: a hashed timer wheel with lazy rescheduling, its links in
 * per-slot arrays, and a deadline heap for flows due within ticks the wheel has passed.
 * Refreshing a flow's deadline on a packet writes one number in the flow's record and touches
 * nothing here; a flow is moved to a later bucket only when the wheel reaches it and finds its
 * deadline was pushed back ({@link FlowWheel.expire}), or when its deadline moves earlier (a TCP
 * close: {@link FlowWheel.unlink} then {@link FlowWheel.link}). Each flow is therefore visited
 * about once per idle timeout, never per packet, and `expire` costs in proportion to the flows
 * that fall due. The deadlines themselves live in the owner's records ({@link WheelOwner}).
 */
import { DeadlineHeap } from './deadline-heap.js';

/** What the wheel asks of the table whose flows it schedules (by slot). */
export interface WheelOwner {
  /** Live flows. */
  readonly count: number;
  /** The idle deadline of the flow in `slot` (ms). */
  wheelDeadline(slot: number): number;
  /** Whether the flow in `slot` has seen a reply. */
  wheelAnswered(slot: number): boolean;
  /** Removes the expired flow in `slot` (the owner calls {@link FlowWheel.unlink}). */
  wheelRemove(slot: number): void;
}

/** Flows due first that eviction considers (conntrack's early drop looks at 8 hash buckets). */
const EVICT_CANDIDATES = 8;
/** Wheel entries eviction may read, counting those passed over. */
const EVICT_VISITS = 64;
// `bucket` of a flow that is in `soon`, not in a bucket.
const IN_SOON = -1;
// `passLast` values besides a slot: no pass under way / a pass with nothing left to visit.
const PASS_NONE = -1;
const PASS_DONE = -2;

/**
 * Math.floor(a / b) for b > 0. Integer operands (engine time is whole ms, and so is the tick)
 * take a path with no fractional intermediate, which unoptimised code would box (see `link`);
 * `| 0` also unboxes an integer that arrives boxed. The quotient of int32 operands cannot round
 * up to the next integer, so both paths give the same result.
 */
function floorDiv(a: number, b: number): number {
  const ai = a | 0;
  const bi = b | 0;
  if (ai !== a || bi !== b) return Math.floor(a / b);
  const r = ai % bi;
  return (ai - r) / bi - (r < 0 ? 1 : 0);
}

/** The timer wheel of a flow table; see the module comment. */
export class FlowWheel {
  /** Tick length, ms. */
  readonly tickMs: number;
  /** Buckets minus one. */
  readonly mask: number;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  /** Links of each slot: next and previous slot in its bucket, and the bucket. */
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly bucket: Int32Array;
  /**
   * First tick whose bucket has not been passed: every flow in a bucket is scheduled at a
   * tick >= it. A flow due before this tick ends sits in `soon` instead.
   */
  private cursorTick = 0;
  /**
   * Flows due within a tick the wheel has passed, by deadline: a pass over a bucket moves there
   * the flows due later in its tick, so that each is looked at once more, when it falls due,
   * rather than at every call of the tick.
   */
  private readonly soon: DeadlineHeap;
  /**
   * Last flow the current pass over the cursor's bucket has to visit (`PASS_NONE` when no pass
   * is under way, `PASS_DONE` when nothing is left to visit).
   */
  private passLast = PASS_NONE;
  /** Lower bound on the time `expire` next has work to do (the owner reads and lowers it). */
  nextMs = Infinity;
  /** Flows `expire` has looked at (removed or rescheduled) since the wheel was made: its work. */
  visits = 0;

  /** A wheel of `buckets` (a power of two) ticks of `tickMs`, for slots below `capacity`. */
  constructor(tickMs: number, buckets: number, capacity: number) {
    this.tickMs = tickMs;
    this.mask = buckets - 1;
    this.head = new Int32Array(buckets);
    this.tail = new Int32Array(buckets);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.bucket = new Int32Array(capacity);
    this.soon = new DeadlineHeap(capacity);
    this.clear();
  }

  /** Forgets every flow and puts the cursor at tick 0. */
  clear(): void {
    this.head.fill(-1);
    this.tail.fill(-1);
    this.cursorTick = 0;
    this.passLast = PASS_NONE;
    this.soon.clear();
    this.nextMs = Infinity;
  }

  /**
   * Removes flows whose idle deadline is at or before `nowMs`, visiting at most `budget` flows
   * (and at most one lap of wheel buckets, `wheelSlots` array reads); returns how many it
   * removed. Call it again (at once, or when `nextDeadline()` says) to continue where it stopped.
   *
   * Flows are found through the timer wheel, so the work is proportional to the flows that
   * fall due (plus those whose deadline was pushed back since they were last scheduled), not
   * to the table size. Expiry is exact: a flow is removed by the first call with
   * `nowMs >= deadline`, whatever the tick. If the clock goes backwards, flows scheduled for
   * the future are expired once the clock has caught up again.
   */
  expire(nowMs: number, budget: number, owner: WheelOwner): number {
    if (owner.count === 0) {
      this.reset(nowMs);
      return 0;
    }
    if (!(budget >= 1)) return 0;
    const tickMs = this.tickMs;
    const mask = this.mask;
    const curTick = Math.floor(nowMs / tickMs);
    if (curTick - this.cursorTick > mask) {
      // More than a lap behind: one lap from here visits every bucket.
      this.cursorTick = curTick - mask;
      this.passLast = PASS_NONE;
    }
    let work = 0;
    let removed = 0;
    const soon = this.soon;
    while (this.cursorTick <= curTick) {
      // A pass over the cursor's bucket takes its head every time; a flow due in a later tick
      // moves to that tick's bucket, one due later in this tick to `soon`, so a pass cut short
      // by the budget resumes with exactly the flows it has not visited yet.
      const bucket = this.cursorTick & mask;
      if (this.passLast === PASS_NONE) {
        const tail = this.tail[bucket]!;
        this.passLast = tail >= 0 ? tail : PASS_DONE;
      }
      while (this.passLast !== PASS_DONE) {
        if (work >= budget) return this.pause(removed, work, nowMs);
        work++;
        const s = this.head[bucket]!;
        const deadlineMs = owner.wheelDeadline(s);
        if (deadlineMs <= nowMs) {
          owner.wheelRemove(s);
          removed++;
        } else {
          const t = Math.floor(deadlineMs / tickMs);
          this.unlink(s);
          if (t <= this.cursorTick) {
            this.bucket[s] = IN_SOON;
            soon.push(s, deadlineMs);
          } else {
            this.append(s, t & mask);
          }
        }
      }
      this.passLast = PASS_NONE;
      this.cursorTick++;
    }
    // Flows due within passed ticks, earliest first.
    while (soon.topTime() <= nowMs) {
      if (work >= budget) return this.pause(removed, work, nowMs);
      work++;
      const s = soon.topSlot();
      const deadlineMs = owner.wheelDeadline(s);
      if (deadlineMs <= nowMs) {
        owner.wheelRemove(s);
        removed++;
      } else {
        // Refreshed since it was scheduled: schedule it by its new deadline.
        this.unlink(s);
        this.link(s, deadlineMs);
      }
    }
    this.visits += work;
    this.recomputeNext(owner.count);
    return removed;
  }

  /** Ends an `expire` call cut short by its budget: there is more to do at once. */
  private pause(removed: number, work: number, nowMs: number): number {
    this.visits += work;
    this.nextMs = nowMs;
    return removed;
  }


  /**
   * The flow to evict to make room in a full table, or -1 if it found none. Like
   * conntrack's early drop it looks at a bounded number of flows and prefers one that was never
   * answered (a SYN flood's, a scan's); unlike it, it looks at the flows due to expire first —
   * the `soon` heap's earliest, then the wheel's buckets in order from the cursor — rather than
   * at the new flow's hash neighbours, so that which flow goes depends on the traffic alone, not
   * on the secret hash key, and an established flow with recent traffic (its deadline an idle
   * timeout away) is the last to go. A flow whose deadline was pushed back since it was
   * scheduled is passed over. If none of the first {@link EVICT_CANDIDATES} is unanswered, the
   * one due first goes (the oldest idle flow, relative to its timeout).
   */
  evictionVictim(owner: WheelOwner): number {
    const tickMs = this.tickMs;
    const mask = this.mask;
    let fallback = -1;
    let victim = -1;
    let candidates = 0;
    let visits = 0;
    const top = this.soon.topSlot();
    if (top >= 0) {
      if (!owner.wheelAnswered(top)) victim = top;
      else fallback = top;
      candidates++;
    }
    for (let i = 0; victim < 0 && i <= mask && candidates < EVICT_CANDIDATES && visits < EVICT_VISITS; i++) {
      const tick = this.cursorTick + i;
      for (let s = this.head[tick & mask]!; s >= 0; s = this.next[s]!) {
        if (++visits > EVICT_VISITS) break;
        // Scheduled later (a pushed-back deadline, or a later lap of the wheel): not due here.
        if (floorDiv(owner.wheelDeadline(s), tickMs) > tick) continue;
        candidates++;
        if (!owner.wheelAnswered(s)) {
          victim = s;
          break;
        }
        if (fallback < 0) fallback = s;
        if (candidates >= EVICT_CANDIDATES) break;
      }
    }
    return victim >= 0 ? victim : fallback;
  }

  /**
   * Schedules `slot` in the wheel bucket of `deadlineMs` (never earlier than the cursor) and
   * returns the time from which `expire` has to look at it, which the caller puts in `nextMs`
   * if earlier. A flow joining the cursor's bucket while a pass over it is under way goes to
   * the head, among the flows the pass has still to visit.
   *
   * It allocates nothing even unoptimised, as it runs for long stretches: on its own (not
   * inlined into `insert`) the packet path calls it only when a TCP flow's deadline moves
   * earlier (a FIN or a RST), too seldom to be optimised again soon after a deoptimisation.
   * Unoptimised code boxes on the young generation every double it reads from a field
   * (`nextMs`) and every fractional result (`deadlineMs / tickMs`); hence `floorDiv`, and
   * `nextMs` is left to the callers, which are hot and optimised.
   */
  link(slot: number, deadlineMs: number): number {
    const t = floorDiv(deadlineMs, this.tickMs);
    if (!(t >= this.cursorTick)) {
      // Due within a tick the wheel has passed (or the clock went back): by its deadline.
      this.bucket[slot] = IN_SOON;
      this.soon.push(slot, deadlineMs);
      return deadlineMs;
    }
    const wb = t & this.mask;
    if (t === this.cursorTick && this.passLast !== PASS_NONE) {
      const head = this.head[wb]!;
      this.prev[slot] = -1;
      this.next[slot] = head;
      this.bucket[slot] = wb;
      if (head < 0) this.tail[wb] = slot;
      else this.prev[head] = slot;
      this.head[wb] = slot;
      if (this.passLast === PASS_DONE) this.passLast = slot;
    } else {
      this.append(slot, wb);
    }
    return t * this.tickMs;
  }

  /** Appends `slot` to the tail of wheel bucket `wb`. */
  append(slot: number, wb: number): void {
    const tail = this.tail[wb]!;
    this.prev[slot] = tail;
    this.next[slot] = -1;
    this.bucket[slot] = wb;
    if (tail < 0) this.head[wb] = slot;
    else this.next[tail] = slot;
    this.tail[wb] = slot;
  }

  /** Removes `slot` from its wheel bucket (the pass's last flow becomes the one before it). */
  unlink(slot: number): void {
    const wb = this.bucket[slot]!;
    if (wb === IN_SOON) {
      this.soon.remove(slot);
      return;
    }
    const prev = this.prev[slot]!;
    const next = this.next[slot]!;
    if (prev < 0) this.head[wb] = next;
    else this.next[prev] = next;
    if (next < 0) this.tail[wb] = prev;
    else this.prev[next] = prev;
    if (this.passLast === slot) this.passLast = prev >= 0 ? prev : PASS_DONE;
  }

  /** Restarts the (empty) wheel at the tick of `nowMs`. */
  reset(nowMs: number): void {
    const t = Math.floor(nowMs / this.tickMs);
    this.cursorTick = Number.isFinite(t) ? t : 0;
    this.passLast = PASS_NONE;
    this.soon.clear();
    this.nextMs = Infinity;
  }

  /** Sets `nextMs` after a scan that passed the buckets before the cursor (`count`: flows left). */
  private recomputeNext(count: number): void {
    if (count === 0) {
      this.nextMs = Infinity;
      return;
    }
    const cursor = this.cursorTick;
    let next = this.soon.topTime();
    const mask = this.mask;
    // The first bucket not passed that holds a flow: its tick starts the next pass.
    for (let i = 0; i <= mask; i++) {
      if (this.head[(cursor + i) & mask]! >= 0) {
        const atMs = (cursor + i) * this.tickMs;
        if (atMs < next) next = atMs;
        break;
      }
    }
    this.nextMs = next;
  }
}
