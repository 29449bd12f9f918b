/**
 * Flow memos: a flow's record remembers how the full path decided its last packet, and the
 * flow's next packets of the same kind repeat exactly that — ACL match counters, the host's timer
 * and accounting, flow tracking — without the lookups (README "Flow memos"; `VerdictPath.decide`
 * says when a memo applies).
 *
 * A flow's memo — three words of its flow-table record — says: word 0 (tag T, {@link tag}) and
 * word 1 ((H + 1) << 14 | S << 1 | E): at T, a packet of this flow in its original direction
 * with established bit E was forwarded by the full path, which counted ACL match set S and
 * accounted the packet to authenticated host H (-1: none); word 2 (a tag): under that tag, a
 * reply was let through as return traffic with no ACL lookup and no authenticated host to
 * account it to.
 */
import {
  PacketMeta, FRAG_NONE, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAG_ACK, TCP_FLAG_RST,
} from '../wire/packet.js';
import type { AclRuntime } from '../acl/api.js';
import type { FlowTable } from '../flow/flow-table.js';
import { FLOW_DIR_ORIGINAL } from '../flow/flow-table.js';
import type { AuthCache } from '../authproxy/auth-cache.js';
import { OpenTable } from '../table/open-table.js';
import type { EngineState } from './state.js';
import type { HostSessions } from './sessions.js';

/** ACL classifications one flow memo repeats at most: the rule's trigger list, inbound, outbound. */
const MEMO_MAX_MATCHES = 3;
/**
 * Distinct sets of ACL matches the memos refer to before the set table starts afresh (13 bits).
 * A dynamic entry's match is recorded by its place among the host's entries, so hosts holding
 * the same downloaded list share sets: the table fills with kinds of decision, not with hosts.
 */
const MEMO_SETS = 8192;
/** Hosts a memo can name: `(host + 1)` takes the top 18 bits of the memo's data word. */
const MEMO_HOST_LIMIT = (1 << 18) - 1;

/** 1 if the packet is a TCP segment with ACK or RST set (what ACL `established` tests), else 0. */
function establishedBit(meta: PacketMeta): number {
  return meta.proto === IPPROTO_TCP && (meta.tcpFlags & (TCP_FLAG_ACK | TCP_FLAG_RST)) !== 0 ? 1 : 0;
}

/** The engine's room for flow memos. */
export class FlowMemos {
  /** Whether memos are made and used at all (EngineOptions.flowMemo). */
  readonly on: boolean;
  private readonly flows: FlowTable;
  private readonly acls: AclRuntime;
  private readonly cache: AuthCache;
  /** Bumped when the set table starts afresh, which invalidates every memo. */
  private epoch = 0;
  /** Interned sets of ACL matches: count, then list index and match code per match. */
  private readonly setN = new Uint8Array(MEMO_SETS);
  private readonly setList = new Int32Array(MEMO_SETS * MEMO_MAX_MATCHES);
  private readonly setCode = new Int32Array(MEMO_SETS * MEMO_MAX_MATCHES);
  /**
   * Index of the sets (value: set id) on the project's one open-addressing table; set 0, the
   * empty set, is not in it. Its keys are ACL list indexes and match codes, which the
   * configuration and the logins bound, not packet bytes, so they are hashed without the
   * process key.
   */
  private readonly setIndex = new OpenTable({ initialCells: 64, maxCells: MEMO_SETS * 2, values: true });
  private setCount = 1;
  /** ACL matches of the packet being decided (-1: one that must not be repeated). */
  private recCount = 0;
  private readonly recList = new Int32Array(MEMO_MAX_MATCHES);
  private readonly recCode = new Int32Array(MEMO_MAX_MATCHES);

  constructor(s: EngineState, private readonly sessions: HostSessions, on: boolean) {
    this.on = on;
    this.flows = s.flows;
    this.acls = s.acls;
    this.cache = s.cache;
  }

  /**
   * The tag memos are valid under: it changes whenever the auth cache or the dynamic ACL
   * entries change (as 32-bit sums it could come back to an old value only after 2^32 changes
   * during one flow's life). 0 means no memo is valid.
   */
  tag(): number {
    return (this.cache.version + this.acls.version + this.epoch + 1) >>> 0;
  }

  /**
   * Repeats flow `slot`'s memo for this original-direction packet if it applies: returns -1 if
   * it does not, else the flow table's verdict on the packet (`FLOW_OK`, `FLOW_CLOSED`, or
   * `FLOW_INVALID`, which the caller drops as the full path would: the memo repeats the flow
   * update, sequence checks included, and never skips it).
   */
  repeat(slot: number, meta: PacketMeta, nowMs: number): number {
    const flows = this.flows;
    const tag = flows.memo(slot, 0);
    if (tag === 0 || tag !== this.tag()) return -1;
    const data = flows.memo(slot, 1);
    if ((data & 1) !== establishedBit(meta)) return -1;
    const set = (data >>> 1) & (MEMO_SETS - 1);
    const n = this.setN[set]!;
    for (let i = 0; i < n; i++) {
      const k = set * MEMO_MAX_MATCHES + i;
      this.acls.countMatch(this.setList[k]!, this.setCode[k]!, meta.srcAddr, meta.segments);
    }
    const host = (data >>> 14) - 1;
    if (host >= 0) this.sessions.accountOut(host, meta, nowMs);
    return flows.update(slot, FLOW_DIR_ORIGINAL, meta, nowMs);
  }

  /** Starts recording the ACL matches of a packet the full path decides. */
  begin(): void {
    this.recCount = 0;
  }

  /** Notes the ACL match of the classification of list `list` just made, for the packet's memo. */
  record(list: number): void {
    const n = this.recCount;
    if (n < 0) return;
    const code = this.acls.lastMatchCode;
    if (code < 0 || n === MEMO_MAX_MATCHES) {
      this.recCount = -1;
      return;
    }
    this.recList[n] = list;
    this.recCode[n] = code;
    this.recCount = n + 1;
  }

  /** The packet being decided must not be remembered (its effects are not all in a memo). */
  forget(): void {
    this.recCount = -1;
  }

  /** True if the full path classified nothing for this packet so far (and may remember it). */
  recordedNothing(): boolean {
    return this.recCount === 0;
  }

  /** Whether what the full path just did to this packet may be remembered. */
  memorable(meta: PacketMeta): boolean {
    return this.on && this.recCount >= 0 && meta.fragment === FRAG_NONE
      && (meta.proto === IPPROTO_TCP || meta.proto === IPPROTO_UDP);
  }

  /** Stores what the full path did to this forwarded original-direction packet as flow `slot`'s memo. */
  store(slot: number, host: number, meta: PacketMeta): void {
    if (!this.memorable(meta) || host >= MEMO_HOST_LIMIT) return;
    let set = this.intern();
    if (set < 0) {
      // The set table is full: start it afresh (every memo made so far becomes invalid).
      this.setIndex.clear();
      this.setCount = 1;
      this.epoch = (this.epoch + 1) | 0;
      set = this.intern();
    }
    const tag = this.tag();
    if (tag === 0 || set < 0) return;
    this.flows.setMemo(slot, 0, tag);
    this.flows.setMemo(slot, 1, (((host + 1) << 14) | (set << 1) | establishedBit(meta)) >>> 0);
  }

  /** The id of the set of ACL matches recorded for this packet (interned), or -1 if the table is full. */
  private intern(): number {
    const n = this.recCount;
    if (n === 0) return 0;
    let h = n;
    for (let i = 0; i < n; i++) {
      h = Math.imul(h ^ this.recList[i]!, 0x9e3779b1);
      h = Math.imul(h ^ this.recCode[i]!, 0x85ebca6b);
    }
    h ^= h >>> 15;
    const t = this.setIndex;
    for (let p = t.first(h); p >= 0; p = t.next(h, p)) {
      const id = t.values[p]!;
      if (this.setN[id] === n && this.sameMatches(id, n)) return id;
    }
    if (this.setCount === MEMO_SETS) return -1;
    const nid = this.setCount++;
    this.setN[nid] = n;
    for (let i = 0; i < n; i++) {
      this.setList[nid * MEMO_MAX_MATCHES + i] = this.recList[i]!;
      this.setCode[nid * MEMO_MAX_MATCHES + i] = this.recCode[i]!;
    }
    t.insert(h, nid);
    return nid;
  }

  /** True if interned set `id` holds the `n` matches recorded for this packet. */
  private sameMatches(id: number, n: number): boolean {
    for (let i = 0; i < n; i++) {
      const k = id * MEMO_MAX_MATCHES + i;
      if (this.setList[k] !== this.recList[i] || this.setCode[k] !== this.recCode[i]) return false;
    }
    return true;
  }
}
