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

/** The rules of one list (or one host) as typed arrays; `words` is 1 for IPv4, 4 for IPv6. */
export class EntryStore {
  readonly count: number;
  readonly words: number;
  readonly rules: readonly AclRule[];
  readonly action: Uint8Array;
  readonly proto: Int16Array;
  readonly srcAddr: Uint32Array;
  readonly srcMask: Uint32Array;
  readonly dstAddr: Uint32Array;
  readonly dstMask: Uint32Array;
  readonly flags: Uint8Array;
  readonly sLo: Int32Array;
  readonly sHi: Int32Array;
  readonly dLo: Int32Array;
  readonly dHi: Int32Array;
  /** 1 where the port test is negated (`neq`). */
  readonly sNeg: Uint8Array;
  readonly dNeg: Uint8Array;
  readonly icmpType: Int16Array;
  readonly icmpCode: Int16Array;
  readonly log: Uint8Array;
  /** Match counters (`show … (N matches)`). */
  readonly matches: Float64Array;

  constructor(rules: readonly AclRule[], words: number) {
    const n = rules.length;
    this.count = n;
    this.words = words;
    this.rules = rules;
    this.action = new Uint8Array(n);
    this.proto = new Int16Array(n);
    this.srcAddr = new Uint32Array(n * words);
    this.srcMask = new Uint32Array(n * words);
    this.dstAddr = new Uint32Array(n * words);
    this.dstMask = new Uint32Array(n * words);
    this.flags = new Uint8Array(n);
    this.sLo = new Int32Array(n);
    this.sHi = new Int32Array(n);
    this.dLo = new Int32Array(n);
    this.dHi = new Int32Array(n);
    this.sNeg = new Uint8Array(n);
    this.dNeg = new Uint8Array(n);
    this.icmpType = new Int16Array(n);
    this.icmpCode = new Int16Array(n);
    this.log = new Uint8Array(n);
    this.matches = new Float64Array(n);
    for (let e = 0; e < n; e++) {
      const r = rules[e]!;
      this.action[e] = r.action;
      this.proto[e] = r.proto;
      for (let w = 0; w < words; w++) {
        this.srcAddr[e * words + w] = r.srcAddr[w]!;
        this.srcMask[e * words + w] = ~r.srcWild[w]! >>> 0;
        this.dstAddr[e * words + w] = r.dstAddr[w]!;
        this.dstMask[e * words + w] = ~r.dstWild[w]! >>> 0;
      }
      let f = 0;
      if (hasL4Criteria(r)) f |= ENTRY_L4;
      if (r.established) f |= ENTRY_ESTABLISHED;
      if (r.fragments) f |= ENTRY_FRAGMENTS;
      if (r.srcPortOp !== ACL_PORT_NONE) f |= ENTRY_SPORT;
      if (r.dstPortOp !== ACL_PORT_NONE) f |= ENTRY_DPORT;
      if (r.icmpType >= 0) f |= ENTRY_ICMP;
      this.flags[e] = f;
      const [sl, sh] = portBounds(r.srcPortOp, r.srcPortA, r.srcPortB);
      const [dl, dh] = portBounds(r.dstPortOp, r.dstPortA, r.dstPortB);
      this.sLo[e] = sl; this.sHi[e] = sh; this.dLo[e] = dl; this.dHi[e] = dh;
      this.sNeg[e] = r.srcPortOp === ACL_PORT_NEQ ? 1 : 0;
      this.dNeg[e] = r.dstPortOp === ACL_PORT_NEQ ? 1 : 0;
      this.icmpType[e] = r.icmpType;
      this.icmpCode[e] = r.icmpCode;
      this.log[e] = r.log;
    }
  }

  /** True if entry `e` matches the packet (all criteria, IOS fragment rules). Allocates nothing. */
  matches4(e: number, meta: PacketMeta): boolean {
    const p = this.proto[e]!;
    if (p !== ACL_PROTO_ANY && p !== meta.proto) return false;
    if (((meta.src4 & this.srcMask[e]!) >>> 0) !== this.srcAddr[e]) return false;
    if (((meta.dst4 & this.dstMask[e]!) >>> 0) !== this.dstAddr[e]) return false;
    return this.matchesL4(e, meta);
  }

  /** As {@link matches4}, for an IPv6 list (four-word addresses). */
  matches6(e: number, meta: PacketMeta): boolean {
    const p = this.proto[e]!;
    if (p !== ACL_PROTO_ANY && p !== meta.proto) return false;
    const o = e * 4;
    const s = meta.srcAddr;
    const d = meta.dstAddr;
    const sm = this.srcMask, sa = this.srcAddr, dm = this.dstMask, da = this.dstAddr;
    if (((s[0]! & sm[o]!) >>> 0) !== sa[o] || ((s[1]! & sm[o + 1]!) >>> 0) !== sa[o + 1] ||
      ((s[2]! & sm[o + 2]!) >>> 0) !== sa[o + 2] || ((s[3]! & sm[o + 3]!) >>> 0) !== sa[o + 3]) return false;
    if (((d[0]! & dm[o]!) >>> 0) !== da[o] || ((d[1]! & dm[o + 1]!) >>> 0) !== da[o + 1] ||
      ((d[2]! & dm[o + 2]!) >>> 0) !== da[o + 2] || ((d[3]! & dm[o + 3]!) >>> 0) !== da[o + 3]) return false;
    return this.matchesL4(e, meta);
  }

  /** The part of the test after protocol and addresses matched. */
  private matchesL4(e: number, meta: PacketMeta): boolean {
    const f = this.flags[e]!;
    if (meta.fragment === FRAG_LATER) {
      // A non-initial fragment: only the layer-3 part of an L4 entry applies, and only a permit.
      if ((f & ENTRY_L4) !== 0) return this.action[e] === ACL_ACTION_PERMIT;
      return true;
    }
    if ((f & ENTRY_FRAGMENTS) !== 0) return false;
    if ((f & ENTRY_L4) === 0) return true;
    if ((f & ENTRY_SPORT) !== 0) {
      const port = meta.srcPort;
      const inside = port >= this.sLo[e]! && port <= this.sHi[e]!;
      if (inside === (this.sNeg[e] === 1)) return false;
    }
    if ((f & ENTRY_DPORT) !== 0) {
      const port = meta.dstPort;
      const inside = port >= this.dLo[e]! && port <= this.dHi[e]!;
      if (inside === (this.dNeg[e] === 1)) return false;
    }
    if ((f & ENTRY_ESTABLISHED) !== 0 && (meta.tcpFlags & (TCP_FLAG_ACK | TCP_FLAG_RST)) === 0) return false;
    if ((f & ENTRY_ICMP) !== 0) {
      if (meta.icmpType !== this.icmpType[e]) return false;
      const code = this.icmpCode[e]!;
      if (code >= 0 && meta.icmpCode !== code) return false;
    }
    return true;
  }
}
