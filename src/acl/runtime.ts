/**
 * The compiled ACL engine: {@link compileAcls} turns an {@link AclSet} into an
 * {@link AclRuntime} that classifies packets (each authenticated host's dynamic entries first,
 * found in O(1) by source address; then the static entries through a tuple-space index; then
 * the implicit deny), counts matches, logs `log` entries, installs and removes dynamic entries
 * per host, and renders `show ip access-lists` / `show ipv6 access-list`.
 */
import { AclSetError, DynamicAclTargetError } from '../errors.js';
import { FRAG_LATER } from '../wire/packet.js';
import type { PacketMeta } from '../wire/packet.js';
import { ACL_DENY, ACL_MATCH_NONE } from './api.js';
import type { AclLogSink, AclRuntime, AclSet, DynamicAclText, InstallResult } from './api.js';
import { EntryStore, ENTRY_FRAGMENTS, ENTRY_L4 } from './entries.js';
import { TupleClassifier } from './tuple-space.js';
import { HostTable } from './dynamic.js';
import type { HashKey } from '../table/keyed-hash.js';
import { AclLogger } from './log.js';
import { parseDownloadedEntry } from './downloaded.js';
import { formatListHeader, formatMatches, formatRule } from './format.js';
import { ACL_ACTION_DENY, AclSetImpl } from './model.js';
import type { AclKind, AclList, AclRule } from './model.js';

/** Options of {@link compileAcls}. */
export interface AclCompileOptions {
  /**
   * Hosts with dynamic entries each list's host table holds before it first grows (it doubles as
   * hosts are installed). Default 8: most lists never hold a dynamic entry, and a list must cost
   * memory in proportion to its entries — at 1,024 every list took 64 KB, 3.2 GB for 50,000
   * one-entry lists.
   */
  readonly dynamicHostCapacity?: number;
  /**
   * The process's secret hash key, for the tables packets choose keys of (dynamic hosts, log
   * flows). A gateway passes it; the default (a fixed key) serves tests and tools.
   */
  readonly hashKey?: HashKey;
}

/** See {@link AclCompileOptions.dynamicHostCapacity}. */
const DEFAULT_DYNAMIC_HOST_CAPACITY = 8;

/** The host table of every list that never held a dynamic entry: always empty, never written. */
const NO_HOSTS = new HostTable(1);

/** The rules of a list's entries (remarks left out) and their sequence numbers. */
function staticEntries(list: AclList): { rules: AclRule[]; seqs: number[] } {
  const rules: AclRule[] = [];
  const seqs: number[] = [];
  for (const e of list.entries) {
    if (e.rule === null) continue;
    rules.push(e.rule);
    seqs.push(e.seq);
  }
  return { rules, seqs };
}

/** One compiled list. */
class CompiledList {
  readonly family: 4 | 6;
  readonly seqs: readonly number[];
  readonly store: EntryStore;
  /** Index for unfragmented packets and initial fragments. */
  readonly whole: TupleClassifier;
  /** Index for non-initial fragments. */
  readonly later: TupleClassifier;
  /**
   * Hosts with dynamic entries: {@link NO_HOSTS} (shared, always empty) until the first host is
   * installed, so that the many lists that never hold one cost no table.
   */
  hosts: HostTable;
  private readonly hostCapacity: number;
  private readonly hashKey: HashKey | undefined;
  /** Dynamic entries of all hosts, one block per host. */
  readonly pool: EntryStore;
  /** Freed pool blocks by size (hosts usually get the same number of entries from AAA). */
  private readonly freeBlocks = new Map<number, number[]>();
  /** `log` label per static entry (`101`, or `NAME/10` for IPv6 lists). */
  readonly logLabels: readonly string[];

  /** The list's own host table, made on the first install. */
  ownHosts(): HostTable {
    if (this.hosts === NO_HOSTS) this.hosts = new HostTable(this.hostCapacity, this.hashKey);
    return this.hosts;
  }

  /** Writes `rules` into a free block of the pool and returns its first entry. */
  allocate(rules: readonly AclRule[]): number {
    const n = rules.length;
    const reuse = this.freeBlocks.get(n);
    let first: number;
    if (reuse !== undefined && reuse.length > 0) first = reuse.pop()!;
    else {
      first = this.pool.count;
      this.pool.ensureCapacity(first + n);
      this.pool.count = first + n;
    }
    for (let k = 0; k < n; k++) this.pool.write(first + k, rules[k]!);
    return first;
  }

  /** Returns a block to the pool. */
  release(first: number, count: number): void {
    for (let k = 0; k < count; k++) this.pool.rules[first + k] = undefined;
    let list = this.freeBlocks.get(count);
    if (list === undefined) { list = []; this.freeBlocks.set(count, list); }
    list.push(first);
  }

  constructor(readonly name: string, readonly kind: AclKind, readonly numbered: boolean, list: AclList, hostCapacity: number,
    shared: Map<string, Int32Array>, hashKey: HashKey | undefined) {
    this.family = kind === 'ipv6' ? 6 : 4;
    const { rules, seqs } = staticEntries(list);
    this.seqs = seqs;
    const store = new EntryStore(rules, this.family === 4 ? 1 : 4);
    this.store = store;
    this.whole = new TupleClassifier(store, (e) => (store.flags(e) & ENTRY_FRAGMENTS) === 0, true, shared);
    this.later = new TupleClassifier(store,
      (e) => !((store.flags(e) & ENTRY_L4) !== 0 && store.action(e) === ACL_ACTION_DENY), false, shared);
    this.hosts = NO_HOSTS;
    this.hostCapacity = hostCapacity;
    this.hashKey = hashKey;
    this.pool = new EntryStore([], this.family === 4 ? 1 : 4, 0);
    this.logLabels = seqs.map((s) => (this.family === 6 ? `${name}/${s}` : name));
  }
}

// Match codes (AclRuntime.lastMatchCode): entry · 4 + kind, where a dynamic entry counts from
// its host's first; the implicit deny is kind 2.
const MATCH_STATIC = 0;
const MATCH_DYNAMIC = 1;
const MATCH_IMPLICIT = 2;

function isMapped(host: Uint32Array): boolean {
  return host[0] === 0 && host[1] === 0 && host[2] === 0xffff;
}

/**
 * The {@link AclRuntime} implementation.
 *
 * A list is compiled into its tables only when something asks for its index
 * ({@link listIndex}: the engine, for the lists bound to an interface or an auth-proxy rule,
 * which are also the lists downloaded entries go to); every index a caller holds therefore
 * names a compiled list. A list nothing uses costs only its parsed entries — a configuration of
 * 50,000 one-entry lists, few of them bound, would otherwise allocate ~35 small typed arrays per
 * list for the garbage collector to walk — and `show` prints it from those entries (it has no
 * matches and no dynamic entries).
 */
export class CompiledAcls implements AclRuntime {
  /** Per list index: the compiled list, or undefined until {@link listIndex} compiles it. */
  private readonly lists: (CompiledList | undefined)[] = [];
  /** Per list index: the list as parsed. */
  private readonly parsed: AclList[] = [];
  private readonly byName = new Map<string, number>();
  private readonly hostCapacity: number;
  private readonly hashKey: HashKey | undefined;
  /** Read-only tables lists share (see {@link TupleClassifier}). */
  private readonly shared = new Map<string, Int32Array>();
  private readonly logger: AclLogger;
  private installs = 0;
  /** See {@link AclRuntime.version}. */
  version = 0;
  /** See {@link AclRuntime.lastMatchCode}. */
  lastMatchCode = ACL_MATCH_NONE;

  constructor(set: AclSetImpl, opts: AclCompileOptions = {}) {
    this.logger = new AclLogger(opts.hashKey);
    this.hostCapacity = opts.dynamicHostCapacity ?? DEFAULT_DYNAMIC_HOST_CAPACITY;
    this.hashKey = opts.hashKey;
    for (const [name, list] of set.lists) {
      this.byName.set(name, this.parsed.length);
      this.parsed.push(list);
      // Pushed (not left as holes) so that the array stays packed for the per-packet reads.
      this.lists.push(undefined);
    }
  }

  /** Index of a defined list by name or number, or -1; compiles the list on the first call. */
  listIndex(name: string): number {
    const index = this.byName.get(name);
    if (index === undefined) return -1;
    if (this.lists[index] === undefined) {
      const list = this.parsed[index]!;
      this.lists[index] = new CompiledList(list.name, list.kind, list.numbered, list, this.hostCapacity, this.shared,
        this.hashKey);
    }
    return index;
  }

  listName(index: number): string {
    return this.parsed[index]?.name ?? '';
  }

  /** Number of lists. */
  get listCount(): number {
    return this.parsed.length;
  }

  classify(index: number, meta: PacketMeta, withDynamic: boolean, nowMs: number): number {
    const l = this.lists[index];
    if (l === undefined || meta.ipVersion !== l.family) return ACL_DENY;
    const v4 = l.family === 4;
    if (withDynamic && l.hosts.size > 0) {
      const h = l.hosts.find(meta.srcAddr);
      if (h >= 0) {
        const st = l.pool;
        const first = l.hosts.firstAt(h);
        const end = first + l.hosts.countAt(h);
        for (let e = first; e < end; e++) {
          if (v4 ? st.matches4(e, meta) : st.matches6(e, meta)) {
            st.matches[e]! += meta.segments;
            const action = st.action(e);
            if (st.log(e) !== 0) {
              this.lastMatchCode = ACL_MATCH_NONE;
              this.logger.record(index, -1 - e, l.name, false, action !== ACL_DENY, meta, nowMs);
            } else {
              this.lastMatchCode = (e - first) * 4 + MATCH_DYNAMIC;
            }
            return action;
          }
        }
      }
    }
    const later = meta.fragment === FRAG_LATER;
    const e = v4 ? (later ? l.later.lookup4(meta) : l.whole.lookup4(meta))
      : (later ? l.later.lookup6(meta) : l.whole.lookup6(meta));
    if (e < 0) {
      this.lastMatchCode = MATCH_IMPLICIT;
      return ACL_DENY;
    }
    const st = l.store;
    st.matches[e]! += meta.segments;
    const action = st.action(e);
    if (st.log(e) !== 0) {
      this.lastMatchCode = ACL_MATCH_NONE;
      this.logger.record(index, e, l.logLabels[e]!, l.kind === 'standard', action !== ACL_DENY, meta, nowMs);
    } else {
      this.lastMatchCode = e * 4 + MATCH_STATIC;
    }
    return action;
  }

  countMatch(index: number, code: number, src: Uint32Array, packets: number): void {
    const l = this.lists[index];
    if (l === undefined || code < 0) return;
    const kind = code & 3;
    const e = code >>> 2;
    if (kind === MATCH_STATIC) l.store.matches[e]! += packets;
    else if (kind === MATCH_DYNAMIC) {
      const h = l.hosts.find(src);
      if (h >= 0) l.pool.matches[l.hosts.firstAt(h) + e]! += packets;
    }
  }

  installDynamic(index: number, host: Uint32Array, entries: readonly DynamicAclText[]): InstallResult {
    const l = this.lists[index];
    if (l === undefined) return { ok: false, error: new DynamicAclTargetError(index, undefined, 'no-list') };
    if (host.length < 4) return { ok: false, error: new DynamicAclTargetError(index, l.name, 'host-words') };
    if (l.family === 4 && !isMapped(host)) return { ok: false, error: new DynamicAclTargetError(index, l.name, 'ipv6-host') };
    if (l.family === 6 && isMapped(host)) return { ok: false, error: new DynamicAclTargetError(index, l.name, 'ipv4-host') };
    const sorted = [...entries].sort((a, b) => a.n - b.n);
    const rules: AclRule[] = [];
    for (const d of sorted) {
      const parsed = parseDownloadedEntry(d, l.kind === 'ipv6' ? 'ipv6' : 'extended');
      if (!parsed.ok) return parsed;
      const rule = parsed.rule;
      const words = l.family === 4 ? [host[3]!] : [host[0]!, host[1]!, host[2]!, host[3]!];
      rules.push({ ...rule, srcAddr: words, srcWild: words.map(() => 0) });
    }
    if (rules.length === 0) {
      this.removeDynamic(index, host);
      return { ok: true };
    }
    const first = l.allocate(rules);
    this.version = (this.version + 1) | 0;
    const old = l.ownHosts().set({ host: Uint32Array.from(host.subarray(0, 4)), first, count: rules.length, order: this.installs++ });
    if (old !== undefined) l.release(old.first, old.count);
    return { ok: true };
  }

  removeDynamic(index: number, host: Uint32Array): boolean {
    const l = this.lists[index];
    const old = l?.hosts.delete(host);
    if (l === undefined || old === undefined) return false;
    this.version = (this.version + 1) | 0;
    l.release(old.first, old.count);
    return true;
  }

  dynamicHostCount(index: number): number {
    return this.lists[index]?.hosts.size ?? 0;
  }

  /** Number of hash tables ("tuples") list `index` probes at most per packet, for diagnostics and benchmarks. */
  tupleCount(index: number): number {
    const l = this.lists[index];
    return l === undefined ? 0 : Math.max(l.whole.tupleCount, l.later.tupleCount);
  }

  /** Match counter of static entry `e` (in list order, remarks not counted) of list `index`. */
  staticMatchCount(index: number, e: number): number {
    return this.lists[index]?.store.matches[e] ?? 0;
  }

  /** Match counter of dynamic entry `e` of `host` on list `index` (0 when there is none). */
  dynamicMatchCount(index: number, host: Uint32Array, e: number): number {
    const l = this.lists[index];
    const rec = l?.hosts.get(host);
    return l === undefined || rec === undefined || e >= rec.count ? 0 : l.pool.matches[rec.first + e]!;
  }

  /** `clear ip access-list counters [name]`: zeroes the match counters. */
  clearCounters(name?: string): void {
    for (const l of this.lists) {
      if (l === undefined || (name !== undefined && l.name !== name)) continue;
      l.store.matches.fill(0);
      l.pool.matches.fill(0);
    }
  }

  /**
   * One list in `show` form. Spec §4: every static entry with its sequence number, numbered
   * lists included (IOS since 12.2(14)S / 12.3(2)T), four spaces in; dynamic entries first,
   * without one. A list never compiled prints from its parsed entries (nothing classified with
   * it, so no matches and no dynamic entries).
   */
  private show(index: number): string {
    const list = this.parsed[index]!;
    const l = this.lists[index];
    let out = formatListHeader(list) + '\n';
    if (l !== undefined) {
      for (const h of l.hosts.hosts()) {
        for (let e = h.first; e < h.first + h.count; e++) out += `    ${formatRule(l.pool.rules[e]!, true)}${formatMatches(l.pool.matches[e]!)}\n`;
      }
    }
    const { rules, seqs } = l === undefined ? staticEntries(list) : { rules: l.store.rules, seqs: l.seqs };
    for (let e = 0; e < seqs.length; e++) {
      const text = formatRule(rules[e]!, true) + formatMatches(l === undefined ? 0 : l.store.matches[e]!);
      if (list.kind === 'ipv6') out += `    ${text} sequence ${seqs[e]}\n`;
      else out += `    ${seqs[e]} ${text}\n`;
    }
    return out;
  }

  showIpAccessLists(name?: string): string {
    return this.showLists(false, name);
  }

  showIpv6AccessList(name?: string): string {
    return this.showLists(true, name);
  }

  private showLists(ipv6: boolean, name: string | undefined): string {
    let out = '';
    for (let i = 0; i < this.parsed.length; i++) {
      const list = this.parsed[i]!;
      if ((list.kind === 'ipv6') === ipv6 && (name === undefined || list.name === name)) out += this.show(i);
    }
    return out;
  }

  setLogSink(sink: AclLogSink | null): void {
    this.logger.sink = sink;
  }

  /** Writes the 5-minute summaries of logged flows that are due (call from the owner's poll). */
  flushLog(nowMs: number): void {
    this.logger.flush(nowMs);
  }
}

/** Compiles the lists of a parsed config into the runtime the engine classifies with. */
export function compileAcls(set: AclSet, opts?: AclCompileOptions): CompiledAcls {
  if (!(set instanceof AclSetImpl)) throw new AclSetError('the access lists were not built by createAclConfigBuilder()');
  return new CompiledAcls(set, opts);
}
