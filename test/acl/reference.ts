/**
 * A deliberately naive reference evaluator for access lists: walks the rules in order and tests
 * each field straight from the parsed {@link AclRule}, written independently of the compiled
 * classifier so that the property tests compare two implementations of the IOS semantics.
 */
import type { AclRule } from '../../src/acl/model.js';
import type { PacketMeta } from '../../src/wire/packet.js';
import { FRAG_LATER } from '../../src/wire/packet.js';

function addrMatches(pkt: readonly number[], addr: readonly number[], wild: readonly number[]): boolean {
  for (let w = 0; w < addr.length; w++) {
    // A bit must be equal wherever the wildcard has a 0.
    for (let bit = 0; bit < 32; bit++) {
      const m = 2 ** bit;
      if (Math.floor(wild[w]! / m) % 2 === 1) continue;
      if (Math.floor(pkt[w]! / m) % 2 !== Math.floor(addr[w]! / m) % 2) return false;
    }
  }
  return true;
}

function portMatches(op: number, a: number, b: number, port: number): boolean {
  switch (op) {
    case 0: return true;
    case 1: return port === a;
    case 2: return port !== a;
    case 3: return port < a;
    case 4: return port > a;
    case 5: return port >= a && port <= b;
    default: throw new Error(`bad port operator ${op}`);
  }
}

/** True if `r` matches the packet, by the IOS rules (see `src/acl/entries.ts`). */
export function ruleMatchesNaive(r: AclRule, m: PacketMeta): boolean {
  if (r.proto !== -1 && r.proto !== m.proto) return false;
  const src = r.family === 4 ? [m.src4 >>> 0] : Array.from(m.srcAddr);
  const dst = r.family === 4 ? [m.dst4 >>> 0] : Array.from(m.dstAddr);
  if (!addrMatches(src, r.srcAddr, r.srcWild) || !addrMatches(dst, r.dstAddr, r.dstWild)) return false;
  const l4 = r.srcPortOp !== 0 || r.dstPortOp !== 0 || r.established || r.icmpType !== -1;
  const nonInitial = m.fragment === FRAG_LATER;
  if (r.fragments) return nonInitial;
  if (nonInitial) return !l4 || r.action === 1;
  if (!portMatches(r.srcPortOp, r.srcPortA, r.srcPortB, m.srcPort)) return false;
  if (!portMatches(r.dstPortOp, r.dstPortA, r.dstPortB, m.dstPort)) return false;
  if (r.established && (m.tcpFlags & 0x10) === 0 && (m.tcpFlags & 0x04) === 0) return false;
  if (r.icmpType !== -1) {
    if (m.icmpType !== r.icmpType) return false;
    if (r.icmpCode !== -1 && m.icmpCode !== r.icmpCode) return false;
  }
  return true;
}

/** Index of the first rule matching the packet, or -1 (the implicit deny). */
export function firstMatchNaive(rules: readonly AclRule[], m: PacketMeta): number {
  for (let i = 0; i < rules.length; i++) if (ruleMatchesNaive(rules[i]!, m)) return i;
  return -1;
}
