/**
 * The stateful flow table: a preallocated, typed-array hash table of flows keyed by their
 * direction-independent 5-tuple, with per-flow TCP tracking, counters and idle deadlines.
 *
 * The engine inserts a flow when it forwards the first packet of a connection (that packet
 * defines the original direction) and looks every later packet up: a hit in the reply
 * direction is return traffic of a permitted flow, which is let back in like the IOS
 * firewall's temporary openings (DESIGN.md §1 step 5).
 *
 * The records — their layout, the open-addressing cells they sit in, stable slots, what the
 * control plane reads — are {@link FlowRecords} (flow-records.ts), which this class extends with
 * the packet path. The key is hashed with the process's secret key (HalfSipHash), so no remote
 * host can aim flows at one bucket, and the probe length stays bounded however long the table
 * churns.
 *
 * The recent-flow cache. The keyed hash is most of a lookup's work (HalfSipHash-1-3: seven
 * rounds, ~150 instructions, in a function too large for V8 to inline). In front of the table,
 * as Open vSwitch's exact-match cache sits in front of its classifier, a direct-mapped array
 * remembers the slot of the IPv4 flow last found or made at each index of a cheap multiplicative
 * hash of the key, so that a flow's next packets find their record without the keyed hash. The
 * cheap hash has no secret, which is safe here because the cache only ever shortens a lookup: an
 * entry is used only after the record it names is compared with the whole key, a cache miss
 * costs that one comparison before the keyed lookup, and there is no probing or chaining for
 * colliding keys to lengthen. Keys chosen to collide in the cache can only make their lookups
 * (and those of the flows they displace) take the keyed path, as every lookup did without the
 * cache. Entries are never removed: a slot freed or reused by another flow fails the comparison.
 * With 10,000 flows in the replay benchmark it saves ~170 instructions per packet (valgrind).
 *
 * Expiry uses a hashed timer wheel with lazy rescheduling (`flow-wheel.ts`): refreshing
 * a flow's deadline on a packet writes one number and touches no list; a flow is moved to a later
 * wheel bucket only when the wheel reaches it and finds its deadline was pushed back, or when its
 * deadline moves earlier (a TCP close). Each flow is therefore visited by the wheel about once
 * per idle timeout, never per packet.
 *
 * Nothing on the packet path allocates or throws: out-of-range slots and directions give
 * `FLOW_INVALID`, non-IP packets miss. Control-plane errors (bad options) throw
 * {@link InvalidOptionError} (flow-options.ts).
 */
import type { PacketMeta } from '../wire/packet.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAG_SYN } from '../wire/packet.js';
import { FLOW_KEY_WORDS, hashFlowKey, hashFlowKey4, isFlowKey4, writeFlowKey } from './flow-key.js';
import { resolveFlowTableOptions, tcpTimeoutsByState } from './flow-options.js';
import {
  D_BYTES, D_CREATED, D_DEADLINE, D_PACKETS, D_STRIDE_SHIFT, FlowRecords, INFO_KEY4, INFO_ORIG_IS_B, INFO_REPLY_SEEN,
  INFO_STATE_MASK, STRIDE_SHIFT, W_HASH, W_INFO, W_INGRESS, W_KEY, W_MEMO_A, W_MEMO_B, W_MEMO_C, W_PROTO, W_SEQ_END,
  W_SLOT, W_TAG,
} from './flow-records.js';
import { FlowWheel, type WheelOwner } from './flow-wheel.js';
import {
  FLOW_CLOSED, FLOW_DIR_ORIGINAL, FLOW_DIR_REPLY, FLOW_INSERT_FULL, FLOW_INSERT_INVALID, FLOW_INVALID, FLOW_OK,
  type FlowTableOptions, type FlowTimeouts,
} from './flow-types.js';
import {
  TCP_CT_CLOSED, TCP_CT_INVALID, TCP_CT_NONE, TCP_CT_TIME_WAIT, TCP_SEG_RST, classifyTcpSegment, nextTcpState,
  tcpTransition,
} from './tcp-tracker.js';
import { classifyTcpReset, learnTcpSegment, tcpWindowPickup } from './tcp-window.js';

export * from './flow-types.js';
export { FLOW_MIN_POSITIONS } from './flow-records.js';

/** The recent-flow cache has at most 2^16 entries (256 KiB), and no more than record positions. */
const RECENT_MAX_BITS = 16;
/** Odd multipliers of the recent-flow cache's index (the golden ratio's and MurmurHash3's). */
const RECENT_MUL_A = 0x9e3779b1 | 0;
const RECENT_MUL_B = 0x85ebca6b | 0;

/**
 * The flow table. See the module comment for the layout; see `update` for what a packet does
 * to a flow.
 */
export class FlowTable extends FlowRecords implements WheelOwner {
  /** Whether TCP flows may start mid-stream (see {@link FlowTableOptions.midstreamPickup}). */
  readonly midstreamPickup: boolean;
  /** Whether a full table evicts a flow for a new one (see {@link FlowTableOptions.earlyDrop}). */
  readonly earlyDrop: boolean;
  /** Effective idle timeouts. */
  readonly timeouts: FlowTimeouts;
  /** Direction of the packet last found by `lookup` (or inserted): `FLOW_DIR_ORIGINAL` or `FLOW_DIR_REPLY`. */
  lastDirection = FLOW_DIR_ORIGINAL;
  /** Verdict of the last `insert`: `FLOW_OK`, or `FLOW_INVALID` when it returned a negative code. */
  lastVerdict = FLOW_OK;
  /** Inserts refused because the table was full. */
  insertsFull = 0;
  /** Inserts refused because the packet cannot open a flow. */
  insertsInvalid = 0;
  /** Segments `update` judged `FLOW_INVALID`. */
  invalidSegments = 0;
  /** Flows removed by `expire`. */
  expiredTotal = 0;
  /** Flows evicted to make room for a new one when the table was full (see `insert`). */
  evictedTotal = 0;
  /** Whether the last `insert` evicted a flow to make room (read at once after the call). */
  lastEvicted = false;

  /** The hash key (two words). */
  private readonly k0: number;
  private readonly k1: number;
  private readonly key = new Uint32Array(FLOW_KEY_WORDS);
  /** The four distinguishing words of the last IPv4 key {@link key4} computed (as int32). */
  private k4A = 0;
  private k4B = 0;
  private k4Ports = 0;
  private k4Proto = 0;
  /**
   * The recent-flow cache: slot + 1 of an IPv4 flow lately found or made, at the index
   * {@link recentIndex} gives its key (0: none). See `lookup`.
   */
  private readonly recent: Int32Array;
  /** 32 − log2 of the cache's size: `recentIndex` keeps the top bits of a product. */
  private readonly recentShift: number;
  /** Idle timeout per TCP tracker state. */
  private readonly tcpTimeoutMs: Float64Array;

  /** The expiry schedule of the flows, by slot (their deadlines are in the records). */
  private readonly wheel: FlowWheel;
  /** Flows `expire` has looked at (removed or rescheduled) since the table was made: its work. */
  get expireVisits(): number {
    return this.wheel.visits;
  }

  /** Allocates a table for `opts.capacity` flows; throws {@link FlowTableConfigError} on bad options. */
  constructor(opts: FlowTableOptions) {
    const o = resolveFlowTableOptions(opts);
    super(o.capacity);
    this.midstreamPickup = o.midstreamPickup;
    this.earlyDrop = o.earlyDrop;
    this.timeouts = o.timeouts;
    this.tcpTimeoutMs = tcpTimeoutsByState(o.timeouts);
    this.k0 = o.hashKey.k0 | 0;
    this.k1 = o.hashKey.k1 | 0;
    let recentBits = 1;
    while (recentBits < RECENT_MAX_BITS && (1 << recentBits) < this.positions) recentBits++;
    this.recent = new Int32Array(1 << recentBits);
    this.recentShift = 32 - recentBits;
    this.wheel = new FlowWheel(o.tickMs, o.wheelSlots, o.capacity);
    this.clear();
  }

  /** Removes every flow and resets the wheel (counters of refused inserts etc. are kept). */
  clear(): void {
    this.clearRecords();
    this.recent.fill(0);
    this.wheel.clear();
  }

  // ---- packet path ----------------------------------------------------------------------------

  /**
   * Finds the flow `meta` belongs to, in either direction. Returns its slot and sets
   * `lastDirection`, or returns -1 (also for packets that are not IPv4/IPv6).
   *
   * An IPv4 packet first tries the recent-flow cache (see the module comment): the slot it
   * holds for the key's index, accepted only if that slot is live and its record holds exactly
   * this key. Only then is the key hashed with the secret key and the table probed, and a flow
   * found there goes into the cache.
   */
  lookup(meta: PacketMeta): number {
    let swap = this.key4(meta);
    let pos: number;
    if (swap >= 0) {
      const r = this.recentIndex();
      pos = this.recentPos(this.recent[r]! - 1);
      if (pos < 0) {
        pos = this.find4(hashFlowKey4(this.k4A, this.k4B, this.k4Ports, this.k4Proto, this.k0, this.k1));
        if (pos >= 0) this.recent[r] = this.i32[(pos << STRIDE_SHIFT) + W_SLOT]! + 1;
      }
    } else {
      swap = writeFlowKey(meta, this.key, 0);
      if (swap < 0) return -1;
      pos = this.find(hashFlowKey(this.key, 0, this.k0, this.k1));
    }
    if (pos < 0) return -1;
    const b = pos << STRIDE_SHIFT;
    const orig = (this.u32[b + W_INFO]! & INFO_ORIG_IS_B) !== 0 ? 1 : 0;
    this.lastDirection = swap ^ orig;
    const slot = this.i32[b + W_SLOT]!;
    this.lastSlot = slot;
    this.lastPos = pos;
    return slot;
  }

  /**
   * Creates the flow of `meta`, whose packet defines the original direction, arriving on
   * interface `ingress` at `nowMs`; the packet is counted and (for TCP) tracked.
   *
   * When the table is full, a flow makes room the way Linux conntrack's early drop does
   * (`early_drop` in net/netfilter/nf_conntrack_core.c): among the first flows due to expire,
   * one never answered goes first, else the one due first (see `evictOne` and `FlowWheel.evictionVictim`); `lastEvicted` says
   * so. Returns the new slot, {@link FLOW_INSERT_FULL} when nothing could be evicted, or
   * {@link FLOW_INSERT_INVALID} when the packet cannot open a flow. If the flow already exists
   * its slot is returned unchanged, with `lastDirection` set as `lookup` would.
   */
  insert(meta: PacketMeta, ingress: number, nowMs: number): number {
    this.lastEvicted = false;
    const key = this.key;
    let swap = this.key4(meta);
    const short = swap >= 0;
    let h: number;
    let existing: number;
    if (short) {
      h = hashFlowKey4(this.k4A, this.k4B, this.k4Ports, this.k4Proto, this.k0, this.k1);
      existing = this.find4(h);
    } else {
      swap = writeFlowKey(meta, key, 0);
      if (swap < 0) {
        this.insertsInvalid++;
        this.lastVerdict = FLOW_INVALID;
        return FLOW_INSERT_INVALID;
      }
      h = hashFlowKey(key, 0, this.k0, this.k1);
      existing = this.find(h);
    }
    if (existing >= 0) {
      const eb = existing << STRIDE_SHIFT;
      const orig = (this.u32[eb + W_INFO]! & INFO_ORIG_IS_B) !== 0 ? 1 : 0;
      this.lastDirection = swap ^ orig;
      this.lastVerdict = FLOW_OK;
      const slot = this.i32[eb + W_SLOT]!;
      this.lastSlot = slot;
      this.lastPos = existing;
      return slot;
    }

    const proto = meta.proto;
    let state = TCP_CT_NONE;
    let timeoutMs: number;
    if (proto === IPPROTO_TCP) {
      state = nextTcpState(TCP_CT_NONE, FLOW_DIR_ORIGINAL, meta.tcpFlags, this.midstreamPickup);
      if (state === TCP_CT_INVALID) {
        this.insertsInvalid++;
        this.lastVerdict = FLOW_INVALID;
        return FLOW_INSERT_INVALID;
      }
      timeoutMs = this.tcpTimeoutMs[state]!;
    } else {
      timeoutMs = this.protoTimeoutMs(proto);
    }
    if (this.freeTop === 0 && this.slotHigh === this.capacity) {
      if (!this.earlyDrop || !this.evictOne()) {
        this.insertsFull++;
        this.lastVerdict = FLOW_OK;
        return FLOW_INSERT_FULL;
      }
      // The eviction moved records: find the new flow's empty cell again.
      if (short) this.find4(h);
      else this.find(h);
    }
    // The last slot freed first; else the lowest fresh one.
    const slot = this.freeTop > 0 ? this.freeSlots[--this.freeTop]! : this.slotHigh++;
    // The cell the unsuccessful probe above stopped at (the table grows first when it must:
    // positions outnumber flows at least twice, so it always finds room).
    const pos = this.cells.insert(h, 0);
    if (this.cells.mask > this.usedMask) this.usedMask = this.cells.mask;
    const u32 = this.u32;
    const i32 = this.i32;
    const f64 = this.f64;
    const b = pos << STRIDE_SHIFT;
    const d = pos << D_STRIDE_SHIFT;
    let info = state | (swap !== 0 ? INFO_ORIG_IS_B : 0);
    if (short) {
      u32[b + W_KEY] = 0; u32[b + W_KEY + 1] = 0; u32[b + W_KEY + 2] = 0xffff; i32[b + W_KEY + 3] = this.k4A;
      u32[b + W_KEY + 4] = 0; u32[b + W_KEY + 5] = 0; u32[b + W_KEY + 6] = 0xffff; i32[b + W_KEY + 7] = this.k4B;
      i32[b + W_KEY + 8] = this.k4Ports;
      i32[b + W_KEY + 9] = this.k4Proto;
      info |= INFO_KEY4;
      this.recent[this.recentIndex()] = slot + 1;
    } else {
      for (let i = 0; i < FLOW_KEY_WORDS; i++) u32[b + W_KEY + i] = key[i]!;
      if (isFlowKey4(key, 0)) info |= INFO_KEY4;
    }
    i32[b + W_HASH] = h;
    i32[b + W_SLOT] = slot;
    i32[b + W_INGRESS] = ingress | 0;
    u32[b + W_TAG] = 0;
    u32[b + W_MEMO_A] = 0;
    u32[b + W_MEMO_B] = 0;
    u32[b + W_MEMO_C] = 0;
    u32[b + W_SEQ_END] = 0;
    u32[b + W_SEQ_END + 1] = 0;
    if (proto === IPPROTO_TCP) {
      // A first segment that is not a SYN: picked up mid-stream, window scales unknown.
      if ((meta.tcpFlags & TCP_FLAG_SYN) === 0) info = tcpWindowPickup(info);
      info = learnTcpSegment(info, FLOW_DIR_ORIGINAL, meta, u32, b + W_SEQ_END);
    }
    u32[b + W_INFO] = info;
    this.slotPos[slot] = pos;
    this.lastSlot = slot;
    this.lastPos = pos;
    const deadlineMs = nowMs + timeoutMs;
    f64[d + D_DEADLINE] = deadlineMs;
    f64[d + D_CREATED] = nowMs;
    f64[d + D_PACKETS] = 1;
    f64[d + D_BYTES] = meta.ipTotalLength;
    f64[d + D_PACKETS + 2] = 0;
    f64[d + D_BYTES + 2] = 0;
    const wheel = this.wheel;
    if (this.count === 0) wheel.reset(nowMs);
    const whenMs = wheel.link(slot, deadlineMs);
    if (whenMs < wheel.nextMs) wheel.nextMs = whenMs;
    this.count++;
    this.lastDirection = FLOW_DIR_ORIGINAL;
    this.lastVerdict = FLOW_OK;
    return slot;
  }

  /**
   * Accounts a packet of flow `slot` travelling in direction `dir` at `nowMs`: counts its
   * packets and bytes (IP total length), runs the TCP tracker, and pushes the idle deadline to
   * `nowMs` + the timeout of the flow's (new) state.
   *
   * Returns `FLOW_OK`, `FLOW_CLOSED` (the packet fits and the connection is now finished), or
   * `FLOW_INVALID` — the segment cannot belong to the connection in its state, or `slot`/`dir`
   * are out of range. An invalid segment is counted but neither changes the state nor refreshes
   * the deadline, so junk cannot hold a flow open.
   */
  update(slot: number, dir: number, meta: PacketMeta, nowMs: number): number {
    if (!(slot >= 0 && slot < this.slotHigh && (slot | 0) === slot)
      || (dir !== FLOW_DIR_ORIGINAL && dir !== FLOW_DIR_REPLY)) {
      return FLOW_INVALID;
    }
    const pos = slot === this.lastSlot ? this.lastPos : this.slotPos[slot]!;
    if (pos < 0) return FLOW_INVALID;
    const u32 = this.u32;
    const f64 = this.f64;
    const b = pos << STRIDE_SHIFT;
    let info = u32[b + W_INFO]!;
    const d = pos << D_STRIDE_SHIFT;
    f64[d + D_PACKETS + 2 * dir]!++;
    f64[d + D_BYTES + 2 * dir]! += meta.ipTotalLength;
    let verdict = FLOW_OK;
    let timeoutMs: number;
    const proto = u32[b + W_PROTO]!;
    if (proto === IPPROTO_TCP) {
      const state = info & INFO_STATE_MASK;
      let c = classifyTcpSegment(meta.tcpFlags);
      if (c === TCP_SEG_RST) c = classifyTcpReset(info, dir, state, meta, u32, b + W_SEQ_END);
      const next = tcpTransition(state, dir, c);
      if (next === TCP_CT_INVALID) {
        this.invalidSegments++;
        return FLOW_INVALID;
      }
      info = (info & ~INFO_STATE_MASK) | next;
      if (c !== TCP_SEG_RST) info = learnTcpSegment(info, dir, meta, u32, b + W_SEQ_END);
      timeoutMs = this.tcpTimeoutMs[next]!;
      if (next === TCP_CT_TIME_WAIT || next === TCP_CT_CLOSED) verdict = FLOW_CLOSED;
    } else {
      timeoutMs = this.protoTimeoutMs(proto);
    }
    if (dir === FLOW_DIR_REPLY) info |= INFO_REPLY_SEEN;
    u32[b + W_INFO] = info;
    const deadlineMs = nowMs + timeoutMs;
    const oldMs = f64[d + D_DEADLINE]!;
    f64[d + D_DEADLINE] = deadlineMs;
    // A later deadline is picked up lazily by the wheel; an earlier one must move the flow.
    if (deadlineMs < oldMs) {
      const wheel = this.wheel;
      wheel.unlink(slot);
      const whenMs = wheel.link(slot, deadlineMs);
      if (whenMs < wheel.nextMs) wheel.nextMs = whenMs;
    }
    return verdict;
  }

  /** Removes flow `slot`; returns false (and does nothing) if the slot is not live. */
  remove(slot: number): boolean {
    if (!this.isLive(slot)) return false;
    this.removeSlot(slot);
    return true;
  }

  /**
   * Removes flows whose idle deadline is at or before `nowMs`, visiting at most `budget` flows
   * (and at most one lap of wheel buckets); returns how many it removed. Call it again (at once,
   * or when `nextDeadline()` says) to continue where it stopped. The work is proportional to the
   * flows that fall due ({@link FlowWheel.expire}), not to the table size; expiry is exact.
   */
  expire(nowMs: number, budget: number): number {
    const removed = this.wheel.expire(nowMs, budget, this);
    this.expiredTotal += removed;
    return removed;
  }

  /**
   * Returns the earliest time at which `expire` has work to do (Infinity when the table is
   * empty). It is a lower bound: the wheel schedules a flow no later than its deadline, so a
   * call at this time may only reschedule flows whose deadline was refreshed.
   */
  nextDeadline(): number {
    return this.count === 0 ? Infinity : this.wheel.nextMs;
  }

  // ---- control plane --------------------------------------------------------------------------

  /** Time of the last packet accounted to `slot` (0 for a free slot). */
  lastSeenOf(slot: number): number {
    if (!this.isLive(slot)) return 0;
    const b = this.slotPos[slot]! << STRIDE_SHIFT;
    const proto = this.u32[b + W_PROTO]!;
    const timeoutMs = proto === IPPROTO_TCP ? this.tcpTimeoutMs[this.u32[b + W_INFO]! & INFO_STATE_MASK]!
      : this.protoTimeoutMs(proto);
    // Every write of the deadline is the packet's time plus this timeout (whole ms: exact).
    return this.doubleOf(slot, D_DEADLINE) - timeoutMs;
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Idle timeout of a non-TCP flow. */
  private protoTimeoutMs(proto: number): number {
    if (proto === IPPROTO_UDP) return this.timeouts.udpMs;
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return this.timeouts.icmpMs;
    return this.timeouts.otherMs;
  }

  /**
   * The IPv4 key of `meta` without writing it: for an IPv4 packet that is not ICMP, sets
   * `k4A`, `k4B`, `k4Ports`, `k4Proto` to the words {@link writeFlowKey} would write at 3, 7, 8
   * and 9 and returns its swap bit; returns -1 for any other packet (ICMP keys by its echo
   * identifier, IPv6 by four-word addresses: both take `writeFlowKey`).
   */
  private key4(meta: PacketMeta): number {
    if (meta.ipVersion !== 4) return -1;
    const proto = meta.proto;
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return -1;
    // Words 0-2 of both IPv4-mapped addresses are equal: the order is word 3's, then the ports'.
    const s = meta.srcAddr[3]!;
    const d = meta.dstAddr[3]!;
    const sp = meta.srcPort & 0xffff;
    const dp = meta.dstPort & 0xffff;
    this.k4Proto = proto & 0xff;
    if (s < d || (s === d && sp <= dp)) {
      this.k4A = s | 0;
      this.k4B = d | 0;
      this.k4Ports = (sp << 16) | dp;
      return 0;
    }
    this.k4A = d | 0;
    this.k4B = s | 0;
    this.k4Ports = (dp << 16) | sp;
    return 1;
  }

  /**
   * The recent-flow cache's index of the IPv4 key in `k4A` … `k4Proto`: a multiplicative hash
   * without the secret key (see `lookup` for why that is safe here).
   */
  private recentIndex(): number {
    const h = Math.imul(this.k4A ^ Math.imul(this.k4B, RECENT_MUL_B) ^ this.k4Proto, RECENT_MUL_A) ^ this.k4Ports;
    return Math.imul(h ^ (h >>> 16), RECENT_MUL_A) >>> this.recentShift;
  }

  /**
   * The record position of `slot` (a recent-flow cache entry, -1 for none) if it is live and
   * holds the IPv4 key in `k4A` … `k4Proto`, else -1.
   */
  private recentPos(slot: number): number {
    if (slot < 0) return -1;
    const pos = this.slotPos[slot]!;
    if (pos < 0) return -1;
    const i32 = this.i32;
    const b = pos << STRIDE_SHIFT;
    return i32[b + W_KEY + 3] === this.k4A && i32[b + W_KEY + 7] === this.k4B && i32[b + W_KEY + 8] === this.k4Ports
      && i32[b + W_KEY + 9] === this.k4Proto && (i32[b + W_INFO]! & INFO_KEY4) !== 0 ? pos : -1;
  }

  /** {@link find} for the IPv4 key in `k4A` … `k4Proto` (hash `h`). */
  private find4(h: number): number {
    const i32 = this.i32;
    const cells = this.cells;
    const a = this.k4A, bw = this.k4B, ports = this.k4Ports, proto = this.k4Proto;
    for (let p = cells.first(h); p >= 0; p = cells.next(h, p)) {
      const b = p << STRIDE_SHIFT;
      if (i32[b + W_HASH] === h && i32[b + W_KEY + 3] === a && i32[b + W_KEY + 7] === bw
        && i32[b + W_KEY + 8] === ports && i32[b + W_KEY + 9] === proto && (i32[b + W_INFO]! & INFO_KEY4) !== 0) {
        return p;
      }
    }
    return -1;
  }

  /**
   * Finds the live flow whose key equals `this.key` (hash `h`) and returns its record position,
   * or returns -1 (the cell table remembers where the probe stopped, for `insert`).
   */
  private find(h: number): number {
    const u32 = this.u32;
    const key = this.key;
    const cells = this.cells;
    for (let p = cells.first(h); p >= 0; p = cells.next(h, p)) {
      const b = p << STRIDE_SHIFT;
      if (this.i32[b + W_HASH] === h
        && u32[b + W_KEY + 3] === key[3] && u32[b + W_KEY + 7] === key[7] && u32[b + W_KEY + 8] === key[8]
        && u32[b + W_KEY] === key[0] && u32[b + W_KEY + 1] === key[1] && u32[b + W_KEY + 2] === key[2]
        && u32[b + W_KEY + 4] === key[4] && u32[b + W_KEY + 5] === key[5] && u32[b + W_KEY + 6] === key[6]
        && u32[b + W_KEY + 9] === key[9]) {
        return p;
      }
    }
    return -1;
  }


  /**
   * Evicts one flow to make room in a full table (the one {@link FlowWheel.evictionVictim}
   * picks: never answered first, else due first); false if it found none.
   */
  private evictOne(): boolean {
    const victim = this.wheel.evictionVictim(this);
    if (victim < 0) return false;
    this.removeSlot(victim);
    this.evictedTotal++;
    this.lastEvicted = true;
    return true;
  }

  /** The wheel's view of a live slot's deadline ({@link WheelOwner}). */
  wheelDeadline(slot: number): number {
    return this.f64[(this.slotPos[slot]! << D_STRIDE_SHIFT) + D_DEADLINE]!;
  }

  /** Whether a live slot's flow has seen a reply ({@link WheelOwner}). */
  wheelAnswered(slot: number): boolean {
    return (this.u32[(this.slotPos[slot]! << STRIDE_SHIFT) + W_INFO]! & INFO_REPLY_SEEN) !== 0;
  }

  /** Removes an expired live slot ({@link WheelOwner}). */
  wheelRemove(slot: number): void {
    this.removeSlot(slot);
  }

  /** Unlinks `slot` from the wheel and frees it with its record ({@link FlowRecords.releaseSlot}). */
  private removeSlot(slot: number): void {
    this.wheel.unlink(slot);
    this.releaseSlot(slot);
  }

}
