/**
 * The static classifier: a tuple-space search with merged tuples and priority pruning.
 *
 * Each entry is filed in one hash table ("tuple") keyed by its source and destination address
 * under the tuple's prefix masks, plus — when the tuple says so — its exact protocol and `eq`
 * ports. A tuple's masks may be shorter than an entry's own (tuple merging, after Daly & Torng,
 * "TupleMerge", IEEE/ACM ToN 2019): the key is then only a necessary condition, and every
 * candidate found in a bucket is confirmed with the exact entry test ({@link EntryStore}). This
 * also makes non-contiguous IOS wildcards work: the key uses only the leading run of
 * significant bits. Buckets chain their entries in list order, tuples are probed in the order
 * of their first entry for the packet's protocol, and the search stops as soon as no remaining
 * tuple can hold an entry earlier than the best match found: first match, in a number of probes
 * bounded by the number of tuples, not of entries. Before hashing, a tuple is skipped when no
 * entry in it can match the packet's first source or destination address byte (two 256-bit
 * maps per tuple). Lookups allocate nothing.
 */
import type { PacketMeta } from '../wire/packet.js';
import { ACL_PORT_EQ, ACL_PROTO_ANY } from './model.js';
import type { EntryStore } from './entries.js';

/** Tuple flag bits: which exact fields the key carries. */
const T_PROTO = 1;
const T_SPORT = 2;
const T_DPORT = 4;
/** Most entries one bucket should chain before a more specific tuple is made. */
const BUCKET_LIMIT = 8;
const NONE = 0x7fffffff;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

function leadingOnes(mask: (w: number) => number, words: number): number {
  let n = 0;
  for (let w = 0; w < words; w++) {
    const c = Math.clz32(~mask(w) >>> 0);
    n += c;
    if (c < 32) break;
  }
  return n;
}

function maskWord(len: number, w: number): number {
  const bits = Math.max(0, Math.min(32, len - 32 * w));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function nextPow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

interface TupleSpec { sLen: number; dLen: number; flags: number }

/** A compiled tuple-space index over a subset of one list's entries. */
export class TupleClassifier {
  private readonly store: EntryStore;
  private readonly words: number;
  /** Number of tuples. */
  readonly tupleCount: number;
  private readonly tSrcMask: Uint32Array;
  private readonly tDstMask: Uint32Array;
  private readonly tFlags: Uint8Array;
  private readonly cap: number;
  private readonly kT: Int32Array;
  private readonly kS: Uint32Array;
  private readonly kD: Uint32Array;
  private readonly kX: Int32Array;
  private readonly kY: Int32Array;
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  /** Per protocol p: tuples to probe are pTuple[pStart[p] .. pStart[p+1]), with their first relevant entry in pMin. */
  private readonly pStart: Int32Array;
  private readonly pTuple: Int32Array;
  private readonly pMin: Int32Array;
  /**
   * Per tuple, 256-bit maps of the first address byte its entries can match (source, destination):
   * a packet whose first bytes are not in the maps skips the tuple without hashing.
   */
  private readonly srcByte: Int32Array;
  private readonly dstByte: Int32Array;
  private readonly scratchS = new Uint32Array(4);
  private readonly scratchD = new Uint32Array(4);

  /**
   * Indexes the entries `e` of `store` for which `member(e)` holds. With `usePorts` false (the
   * index for non-initial fragments, which carry no ports) keys never include ports.
   * Classifiers built with the same `shared` map share their read-only per-protocol start
   * table when it is the same (it usually is for small lists), so that thousands of small
   * lists do not each allocate one.
   */
  constructor(store: EntryStore, member: (e: number) => boolean, usePorts: boolean,
    shared: Map<string, Int32Array> = new Map()) {
    this.store = store;
    const W = store.words;
    this.words = W;
    const step = W === 1 ? 8 : 16;
    const members: number[] = [];
    for (let e = 0; e < store.count; e++) if (member(e)) members.push(e);
    const cap = nextPow2(members.length * 2 + 2);
    this.cap = cap;
    this.kT = new Int32Array(cap).fill(-1);
    this.kS = new Uint32Array(cap * W);
    this.kD = new Uint32Array(cap * W);
    this.kX = new Int32Array(cap);
    this.kY = new Int32Array(cap);
    this.head = new Int32Array(cap).fill(-1);
    const tail = new Int32Array(cap).fill(-1);
    const len = new Int32Array(cap);
    this.next = new Int32Array(store.count).fill(-1);
    const specs: TupleSpec[] = [];
    const entryTuple = new Int32Array(store.count).fill(-1);
    let tSrc: number[] = [];
    let tDst: number[] = [];
    const rules = store.rules;
    const ks = new Uint32Array(W);
    const kd = new Uint32Array(W);

    const keyOf = (e: number, t: number): [number, number] => {
      const f = specs[t]!.flags;
      for (let w = 0; w < W; w++) {
        ks[w] = (store.srcAddr(e, w) & tSrc[t * W + w]!) >>> 0;
        kd[w] = (store.dstAddr(e, w) & tDst[t * W + w]!) >>> 0;
      }
      const r = rules[e]!;
      const x = (f & T_PROTO) !== 0 ? r.proto : 0;
      const y = (((f & T_SPORT) !== 0 ? r.srcPortA << 16 : 0) | ((f & T_DPORT) !== 0 ? r.dstPortA : 0));
      return [x, y];
    };
    /** Slot of the key of entry e in tuple t (existing, or the empty slot where it would go). */
    const slotOf = (e: number, t: number): number => {
      const [x, y] = keyOf(e, t);
      let h = this.hashKey(t, ks, kd, x, y) & (cap - 1);
      for (;;) {
        if (this.kT[h] === -1) return h;
        if (this.kT[h] === t && this.kX[h] === x && this.kY[h] === y && this.keyWordsEqual(h, ks, kd)) return h;
        h = (h + 1) & (cap - 1);
      }
    };
    const addTuple = (spec: TupleSpec): number => {
      specs.push(spec);
      for (let w = 0; w < W; w++) tSrc.push(maskWord(spec.sLen, w));
      for (let w = 0; w < W; w++) tDst.push(maskWord(spec.dLen, w));
      return specs.length - 1;
    };
    const findTuple = (sLen: number, dLen: number, flags: number): number =>
      specs.findIndex((s) => s.sLen === sLen && s.dLen === dLen && s.flags === flags);

    for (const e of members) {
      const r = rules[e]!;
      const sLen = leadingOnes((w) => store.srcMask(e, w), W);
      const dLen = leadingOnes((w) => store.dstMask(e, w), W);
      let flags = 0;
      if (r.proto !== ACL_PROTO_ANY) flags |= T_PROTO;
      if (usePorts && r.srcPortOp === ACL_PORT_EQ) flags |= T_SPORT;
      if (usePorts && r.dstPortOp === ACL_PORT_EQ) flags |= T_DPORT;
      // The most specific existing tuple that can hold this entry with room in its bucket.
      let best = -1;
      let bestScore = -1;
      for (let t = 0; t < specs.length; t++) {
        const s = specs[t]!;
        if (s.sLen > sLen || s.dLen > dLen || (s.flags & ~flags) !== 0) continue;
        const score = s.sLen + s.dLen + (s.flags & T_PROTO ? 8 : 0) + (s.flags & T_SPORT ? 16 : 0) + (s.flags & T_DPORT ? 16 : 0);
        if (score <= bestScore) continue;
        if (len[slotOf(e, t)]! >= BUCKET_LIMIT) continue;
        best = t;
        bestScore = score;
      }
      if (best < 0) {
        const rs = Math.floor(sLen / step) * step;
        const rd = Math.floor(dLen / step) * step;
        best = findTuple(rs, rd, flags);
        if (best < 0) best = addTuple({ sLen: rs, dLen: rd, flags });
        else if (len[slotOf(e, best)]! >= BUCKET_LIMIT) {
          const exact = findTuple(sLen, dLen, flags);
          best = exact >= 0 ? exact : addTuple({ sLen, dLen, flags });
        }
      }
      const h = slotOf(e, best);
      if (this.kT[h] === -1) {
        const [x, y] = keyOf(e, best);
        this.kT[h] = best;
        for (let w = 0; w < W; w++) { this.kS[h * W + w] = ks[w]!; this.kD[h * W + w] = kd[w]!; }
        this.kX[h] = x;
        this.kY[h] = y;
        this.head[h] = e;
      } else {
        this.next[tail[h]!] = e;
      }
      tail[h] = e;
      len[h]!++;
      entryTuple[e] = best;
    }
    const T = specs.length;
    this.tupleCount = T;
    this.srcByte = new Int32Array(T * 8);
    this.dstByte = new Int32Array(T * 8);
    for (const e of members) {
      const t = entryTuple[e]!;
      const setByte = (map: Int32Array, addr: number, mask: number): void => {
        if ((mask >>> 24) === 0xff) map[t * 8 + (addr >>> 29)]! |= 1 << ((addr >>> 24) & 31);
        else map.fill(-1, t * 8, t * 8 + 8);
      };
      setByte(this.srcByte, store.srcAddr(e, 0), store.srcMask(e, 0));
      setByte(this.dstByte, store.dstAddr(e, 0), store.dstMask(e, 0));
    }
    this.tSrcMask = Uint32Array.from(tSrc);
    this.tDstMask = Uint32Array.from(tDst);
    this.tFlags = Uint8Array.from(specs.map((s) => s.flags));
    tSrc = [];
    tDst = [];
    // Per protocol, the tuples holding an entry for it (or for any protocol), by first such entry.
    // Protocols no entry names share the list of the any-protocol tuples, built once: a list
    // costs work in proportion to its entries and the protocols they name, not 256 sorts.
    const anyMin = new Int32Array(T).fill(NONE);
    const protoMin = new Map<number, Int32Array>();
    for (const e of members) {
      const t = entryTuple[e]!;
      const p = rules[e]!.proto;
      if (p === ACL_PROTO_ANY) { if (e < anyMin[t]!) anyMin[t] = e; continue; }
      let m = protoMin.get(p);
      if (m === undefined) { m = new Int32Array(T).fill(NONE); protoMin.set(p, m); }
      if (e < m[t]!) m[t] = e;
    }
    const tuplesByFirst = (m: Int32Array | undefined): Array<[number, number]> => {
      const list: Array<[number, number]> = [];
      for (let t = 0; t < T; t++) {
        const v = Math.min(anyMin[t]!, m === undefined ? NONE : m[t]!);
        if (v !== NONE) list.push([t, v]);
      }
      return list.sort((a, b) => a[1] - b[1]);
    };
    const anyList = tuplesByFirst(undefined);
    const named = new Map<number, Array<[number, number]>>();
    for (const [p, m] of protoMin) named.set(p, tuplesByFirst(m));
    const shape = [anyList.length, ...[...named].sort((a, b) => a[0] - b[0]).map(([p, l]) => `${p}:${l.length}`)].join(' ');
    let pStart = shared.get(shape);
    if (pStart === undefined) {
      pStart = new Int32Array(257);
      let at = 0;
      for (let p = 0; p < 256; p++) { pStart[p] = at; at += (named.get(p) ?? anyList).length; }
      pStart[256] = at;
      shared.set(shape, pStart);
    }
    this.pStart = pStart;
    const total = pStart[256]!;
    this.pTuple = new Int32Array(total);
    this.pMin = new Int32Array(total);
    let k = 0;
    for (let p = 0; p < 256; p++) {
      for (const [t, v] of named.get(p) ?? anyList) { this.pTuple[k] = t; this.pMin[k] = v; k++; }
    }
  }

  private hashKey(t: number, s: Uint32Array, d: Uint32Array, x: number, y: number): number {
    let h = mix(0x2545f491, t);
    for (let w = 0; w < this.words; w++) h = mix(mix(h, s[w]!), d[w]!);
    return mix(mix(h, x), y);
  }

  private keyWordsEqual(h: number, s: Uint32Array, d: Uint32Array): boolean {
    const W = this.words;
    for (let w = 0; w < W; w++) if (this.kS[h * W + w] !== s[w] || this.kD[h * W + w] !== d[w]) return false;
    return true;
  }

  /** First matching entry for an IPv4 packet, or -1. */
  lookup4(meta: PacketMeta): number {
    const p = meta.proto;
    const end = this.pStart[p + 1]!;
    const src = meta.src4;
    const dst = meta.dst4;
    const sp = meta.srcPort;
    const dp = meta.dstPort;
    const mask = this.cap - 1;
    const kT = this.kT, kS = this.kS, kD = this.kD, kX = this.kX, kY = this.kY;
    const store = this.store;
    let best = NONE;
    for (let i = this.pStart[p]!; i < end; i++) {
      if (this.pMin[i]! >= best) break;
      const t = this.pTuple[i]!;
      if ((this.srcByte[(t << 3) + (src >>> 29)]! & (1 << ((src >>> 24) & 31))) === 0 ||
        (this.dstByte[(t << 3) + (dst >>> 29)]! & (1 << ((dst >>> 24) & 31))) === 0) continue;
      const f = this.tFlags[t]!;
      const s = (src & this.tSrcMask[t]!) >>> 0;
      const d = (dst & this.tDstMask[t]!) >>> 0;
      const x = (f & T_PROTO) !== 0 ? p : 0;
      const y = ((f & T_SPORT) !== 0 ? sp << 16 : 0) | ((f & T_DPORT) !== 0 ? dp : 0);
      let h = mix(mix(mix(mix(mix(0x2545f491, t), s), d), x), y) & mask;
      for (;;) {
        const kt = kT[h]!;
        if (kt === -1) break;
        if (kt === t && kS[h] === s && kD[h] === d && kX[h] === x && kY[h] === y) {
          for (let e = this.head[h]!; e >= 0 && e < best; e = this.next[e]!) {
            if (store.matches4(e, meta)) { best = e; break; }
          }
          break;
        }
        h = (h + 1) & mask;
      }
    }
    return best === NONE ? -1 : best;
  }

  /** First matching entry for an IPv6 packet, or -1. */
  lookup6(meta: PacketMeta): number {
    const p = meta.proto;
    const end = this.pStart[p + 1]!;
    const src = meta.srcAddr;
    const dst = meta.dstAddr;
    const ss = this.scratchS;
    const ds = this.scratchD;
    const mask = this.cap - 1;
    const kT = this.kT, kS = this.kS, kD = this.kD, kX = this.kX, kY = this.kY;
    const store = this.store;
    let best = NONE;
    for (let i = this.pStart[p]!; i < end; i++) {
      if (this.pMin[i]! >= best) break;
      const t = this.pTuple[i]!;
      const s0 = src[0]!;
      const d0 = dst[0]!;
      if ((this.srcByte[(t << 3) + (s0 >>> 29)]! & (1 << ((s0 >>> 24) & 31))) === 0 ||
        (this.dstByte[(t << 3) + (d0 >>> 29)]! & (1 << ((d0 >>> 24) & 31))) === 0) continue;
      const f = this.tFlags[t]!;
      const o = t * 4;
      for (let w = 0; w < 4; w++) {
        ss[w] = src[w]! & this.tSrcMask[o + w]!;
        ds[w] = dst[w]! & this.tDstMask[o + w]!;
      }
      const x = (f & T_PROTO) !== 0 ? p : 0;
      const y = ((f & T_SPORT) !== 0 ? meta.srcPort << 16 : 0) | ((f & T_DPORT) !== 0 ? meta.dstPort : 0);
      let h = this.hashKey(t, ss, ds, x, y) & mask;
      for (;;) {
        const kt = kT[h]!;
        if (kt === -1) break;
        const k = h * 4;
        if (kt === t && kX[h] === x && kY[h] === y &&
          kS[k] === ss[0] && kS[k + 1] === ss[1] && kS[k + 2] === ss[2] && kS[k + 3] === ss[3] &&
          kD[k] === ds[0] && kD[k + 1] === ds[1] && kD[k + 2] === ds[2] && kD[k + 3] === ds[3]) {
          for (let e = this.head[h]!; e >= 0 && e < best; e = this.next[e]!) {
            if (store.matches6(e, meta)) { best = e; break; }
          }
          break;
        }
        h = (h + 1) & mask;
      }
    }
    return best === NONE ? -1 : best;
  }
}
