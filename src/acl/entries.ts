/**
 * Compiled access-list entries: the rules of one list (or of one host's dynamic entries) as
 * parallel typed arrays, with their match counters, and the exact per-entry match test the
 * classifier applies to its candidates.
 *
 * Fragments follow IOS ("IP Extended Access Lists with Fragment Control", Cisco IOS IP
 * Configuration Guide): an entry with only layer-3 criteria applies to every packet and
 * fragment; an entry with layer-4 criteria (ports, `established`, ICMP type/code) applies in
 * full to unfragmented packets and initial fragments, and to a non-initial fragment (which has
 * no layer-4 header) through its layer-3 part only: a permit entry then permits it, a deny entry
 * is skipped and evaluation goes on. An entry with `fragments` applies only to non-initial
 * fragments (and cannot carry layer-4 criteria).
 */
import { FRAG_LATER, TCP_FLAG_ACK, TCP_FLAG_RST } from '../wire/packet.js';
import type { PacketMeta } from '../wire/packet.js';
import {
  ACL_ACTION_PERMIT, ACL_PORT_NEQ, ACL_PORT_NONE, ACL_PROTO_ANY, hasL4Criteria, portBounds,
} from './model.js';
import type { AclRule } from './model.js';

/** Entry flag bits. */
export const ENTRY_L4 = 1;
export const ENTRY_ESTABLISHED = 2;
export const ENTRY_FRAGMENTS = 4;
export const ENTRY_SPORT = 8;
export const ENTRY_DPORT = 16;
export const ENTRY_ICMP = 32;

/** Word offsets within an entry record. */
const F_PROTO = 0;
const F_FLAGS = 1;
const F_ACTION = 2;
const F_LOG = 3;
const F_SLO = 4;
const F_SHI = 5;
const F_DLO = 6;
const F_DHI = 7;
const F_ICMP_TYPE = 8;
const F_ICMP_CODE = 9;
const F_NEG = 10;
const F_ADDR = 12;

/**
 * Compiled entries as fixed-size records in one Int32Array (all fields of an entry on one or
 * two cache lines), with their match counters. `words` is 1 for IPv4, 4 for IPv6. A store can
 * grow; the per-list pool of dynamic entries is one store shared by all hosts.
 */
export class EntryStore {
  readonly words: number;
  /** Words per entry record. */
  readonly stride: number;
  /** Entries in use (for a pool: the high-water mark). */
  count: number;
  /** The parsed rule of each entry (control plane: show, logging). */
  readonly rules: Array<AclRule | undefined>;
  data: Int32Array;
  /** Match counters (`show … (N matches)`). */
  matches: Float64Array;

  constructor(rules: readonly AclRule[], words: number, capacity = rules.length) {
    this.words = words;
    this.stride = words === 1 ? 16 : 32;
    this.count = rules.length;
    this.rules = [...rules];
    this.data = new Int32Array(Math.max(capacity, rules.length) * this.stride);
    this.matches = new Float64Array(Math.max(capacity, rules.length));
    for (let e = 0; e < rules.length; e++) this.write(e, rules[e]!);
  }

  /** Entries the store can hold before it must grow. */
  get capacity(): number {
    return this.matches.length;
  }

  /** Doubles the capacity until it holds `n` entries (copies; control plane only). */
  ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    let c = Math.max(16, this.capacity);
    while (c < n) c *= 2;
    const data = new Int32Array(c * this.stride);
    data.set(this.data);
    const matches = new Float64Array(c);
    matches.set(this.matches);
    this.data = data;
    this.matches = matches;
  }

  /** Writes `r` as entry `e` and zeroes its counter. */
  write(e: number, r: AclRule): void {
    const W = this.words;
    const d = this.data;
    const o = e * this.stride;
    d.fill(0, o, o + this.stride);
    d[o + F_PROTO] = r.proto;
    let f = 0;
    if (hasL4Criteria(r)) f |= ENTRY_L4;
    if (r.established) f |= ENTRY_ESTABLISHED;
    if (r.fragments) f |= ENTRY_FRAGMENTS;
    if (r.srcPortOp !== ACL_PORT_NONE) f |= ENTRY_SPORT;
    if (r.dstPortOp !== ACL_PORT_NONE) f |= ENTRY_DPORT;
    if (r.icmpType >= 0) f |= ENTRY_ICMP;
    d[o + F_FLAGS] = f;
    d[o + F_ACTION] = r.action;
    d[o + F_LOG] = r.log;
    const [sl, sh] = portBounds(r.srcPortOp, r.srcPortA, r.srcPortB);
    const [dl, dh] = portBounds(r.dstPortOp, r.dstPortA, r.dstPortB);
    d[o + F_SLO] = sl; d[o + F_SHI] = sh; d[o + F_DLO] = dl; d[o + F_DHI] = dh;
    d[o + F_ICMP_TYPE] = r.icmpType;
    d[o + F_ICMP_CODE] = r.icmpCode;
    d[o + F_NEG] = (r.srcPortOp === ACL_PORT_NEQ ? 1 : 0) | (r.dstPortOp === ACL_PORT_NEQ ? 2 : 0);
    for (let w = 0; w < W; w++) {
      d[o + F_ADDR + w] = r.srcAddr[w]! | 0;
      d[o + F_ADDR + W + w] = ~r.srcWild[w]! | 0;
      d[o + F_ADDR + 2 * W + w] = r.dstAddr[w]! | 0;
      d[o + F_ADDR + 3 * W + w] = ~r.dstWild[w]! | 0;
    }
    this.rules[e] = r;
    this.matches[e] = 0;
  }

  /** Entry action (ACL_ACTION_*). */
  action(e: number): number {
    return this.data[e * this.stride + F_ACTION]!;
  }

  /** Entry `log` option (ACL_LOG_*). */
  log(e: number): number {
    return this.data[e * this.stride + F_LOG]!;
  }

  /** Entry flags (ENTRY_*). */
  flags(e: number): number {
    return this.data[e * this.stride + F_FLAGS]!;
  }

  /** Word `w` of the source address / mask, destination address / mask (uint32). */
  srcAddr(e: number, w: number): number { return this.data[e * this.stride + F_ADDR + w]! >>> 0; }
  srcMask(e: number, w: number): number { return this.data[e * this.stride + F_ADDR + this.words + w]! >>> 0; }
  dstAddr(e: number, w: number): number { return this.data[e * this.stride + F_ADDR + 2 * this.words + w]! >>> 0; }
  dstMask(e: number, w: number): number { return this.data[e * this.stride + F_ADDR + 3 * this.words + w]! >>> 0; }

  /** True if entry `e` matches the IPv4 packet (all criteria, IOS fragment rules). Allocates nothing. */
  matches4(e: number, meta: PacketMeta): boolean {
    const d = this.data;
    const o = e * 16;
    const p = d[o + F_PROTO]!;
    if (p !== ACL_PROTO_ANY && p !== meta.proto) return false;
    if ((meta.src4 & d[o + F_ADDR + 1]!) !== d[o + F_ADDR]) return false;
    if ((meta.dst4 & d[o + F_ADDR + 3]!) !== d[o + F_ADDR + 2]) return false;
    return this.matchesL4(d, o, meta);
  }

  /** As {@link matches4}, for an IPv6 list (four-word addresses). */
  matches6(e: number, meta: PacketMeta): boolean {
    const d = this.data;
    const o = e * 32;
    const p = d[o + F_PROTO]!;
    if (p !== ACL_PROTO_ANY && p !== meta.proto) return false;
    const s = meta.srcAddr;
    const t = meta.dstAddr;
    const a = o + F_ADDR;
    if ((s[0]! & d[a + 4]!) !== d[a] || (s[1]! & d[a + 5]!) !== d[a + 1] ||
      (s[2]! & d[a + 6]!) !== d[a + 2] || (s[3]! & d[a + 7]!) !== d[a + 3]) return false;
    if ((t[0]! & d[a + 12]!) !== d[a + 8] || (t[1]! & d[a + 13]!) !== d[a + 9] ||
      (t[2]! & d[a + 14]!) !== d[a + 10] || (t[3]! & d[a + 15]!) !== d[a + 11]) return false;
    return this.matchesL4(d, o, meta);
  }

  /** The part of the test after protocol and addresses matched. */
  private matchesL4(d: Int32Array, o: number, meta: PacketMeta): boolean {
    const f = d[o + F_FLAGS]!;
    if (meta.fragment === FRAG_LATER) {
      // A non-initial fragment: only the layer-3 part of an L4 entry applies, and only a permit.
      if ((f & ENTRY_L4) !== 0) return d[o + F_ACTION] === ACL_ACTION_PERMIT;
      return true;
    }
    if ((f & ENTRY_FRAGMENTS) !== 0) return false;
    if ((f & ENTRY_L4) === 0) return true;
    const neg = d[o + F_NEG]!;
    if ((f & ENTRY_SPORT) !== 0) {
      const port = meta.srcPort;
      const inside = port >= d[o + F_SLO]! && port <= d[o + F_SHI]!;
      if (inside === ((neg & 1) !== 0)) return false;
    }
    if ((f & ENTRY_DPORT) !== 0) {
      const port = meta.dstPort;
      const inside = port >= d[o + F_DLO]! && port <= d[o + F_DHI]!;
      if (inside === ((neg & 2) !== 0)) return false;
    }
    if ((f & ENTRY_ESTABLISHED) !== 0 && (meta.tcpFlags & (TCP_FLAG_ACK | TCP_FLAG_RST)) === 0) return false;
    if ((f & ENTRY_ICMP) !== 0) {
      if (meta.icmpType !== d[o + F_ICMP_TYPE]) return false;
      const code = d[o + F_ICMP_CODE]!;
      if (code >= 0 && meta.icmpCode !== code) return false;
    }
    return true;
  }
}
