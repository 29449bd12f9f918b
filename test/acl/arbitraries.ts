/**
 * fast-check generators for access lists and packets, biased towards overlap: addresses come
 * from a small pool (with nearby variations), wildcards from the usual prefixes plus
 * non-contiguous ones, ports from the edges of the operators' ranges.
 */
import fc from 'fast-check';
import type { AclKind, AclRule } from '../../src/acl/model.js';
import { PacketMeta, FRAG_FIRST, FRAG_LATER, FRAG_NONE } from '../../src/wire/packet.js';

export const V4_POOL = [0x0a000000, 0x0a000100, 0x0a000105, 0x0a0001ff, 0xc0a80101, 0xc0a80102, 0x0a010000, 0xac100001];
const V4_WILD = [0, 0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffff, 0x00ff00ff, 0x3, 0xff00ff00, 0x0f0f0f0f, 0x7];
export const V6_POOL: number[][] = [
  [0x20010db8, 0, 0, 1], [0x20010db8, 0, 0, 2], [0x20010db8, 1, 0, 0], [0x20010db8, 0x10000, 5, 0x100],
  [0xfe800000, 0, 0, 1],
];
const V6_PREFIX = [0, 0, 16, 32, 48, 64, 96, 127, 128, 128];
const PORTS = [0, 1, 20, 21, 22, 23, 53, 80, 443, 1023, 1024, 8080, 65534, 65535];

const port = fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 65535 }));

/** A uint32 near the pool (same address, or a few low bits flipped), or anything. */
export const v4Addr = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...V4_POOL), fc.integer({ min: 0, max: 7 })).map(([a, x]) => (a ^ x) >>> 0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
);
export const v6Addr = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...V6_POOL), fc.integer({ min: 0, max: 3 })).map(([a, x]) => [a[0]!, a[1]!, a[2]!, (a[3]! ^ x) >>> 0]) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })).map((a) => [...a]) },
);

function wildOfPrefix6(len: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, len - 32 * i));
    out.push(bits === 32 ? 0 : (0xffffffff >>> bits) >>> 0);
  }
  return out;
}

const v4Spec = fc.tuple(v4Addr, fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...V4_WILD) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) }))
  .map(([a, w]) => ({ addr: [(a & ~w) >>> 0], wild: [w >>> 0] }));
const v6Spec = fc.tuple(v6Addr, fc.constantFrom(...V6_PREFIX)).map(([a, len]) => {
  const wild = wildOfPrefix6(len);
  return { addr: a.map((v, i) => (v & ~wild[i]!) >>> 0), wild };
});

const portOp = fc.tuple(fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 4, 5), port, port)
  .map(([op, a, b]) => (op === 5 ? [op, Math.min(a, b), Math.max(a, b)] : op === 0 ? [0, 0, 0] : [op, a, 0]) as [number, number, number]);

/** A valid rule of a list of `kind` (fields consistent with what the grammar accepts). */
export function ruleArb(kind: AclKind): fc.Arbitrary<AclRule> {
  const family: 4 | 6 = kind === 'ipv6' ? 6 : 4;
  const icmp = family === 4 ? 1 : 58;
  const spec = family === 4 ? v4Spec : v6Spec;
  return fc.record({
    action: fc.constantFrom(0, 1),
    proto: fc.constantFrom(-1, -1, 6, 6, 17, icmp, 47, 0),
    src: spec,
    dst: spec,
    sp: portOp,
    dp: portOp,
    established: fc.boolean(),
    icmpType: fc.constantFrom(-1, -1, 0, 3, 8, 11, 200),
    icmpCode: fc.constantFrom(-1, -1, 0, 1, 4),
    fragments: fc.constantFrom(false, false, true),
    log: fc.constantFrom(0, 0, 0, 1, 2),
  }).map((g): AclRule => {
    if (kind === 'standard') {
      return {
        action: g.action, family, standard: true, proto: -1, srcAddr: g.src.addr, srcWild: g.src.wild,
        dstAddr: [0], dstWild: [0xffffffff], srcPortOp: 0, srcPortA: 0, srcPortB: 0, dstPortOp: 0,
        dstPortA: 0, dstPortB: 0, established: false, icmpType: -1, icmpCode: -1, fragments: false, log: g.log,
      };
    }
    const ported = g.proto === 6 || g.proto === 17;
    const sp = ported ? g.sp : [0, 0, 0];
    const dp = ported ? g.dp : [0, 0, 0];
    const established = g.proto === 6 && g.established;
    const icmpType = g.proto === icmp ? g.icmpType : -1;
    const icmpCode = icmpType >= 0 ? g.icmpCode : -1;
    const l4 = sp[0] !== 0 || dp[0] !== 0 || established || icmpType >= 0;
    return {
      action: g.action, family, standard: false, proto: g.proto, srcAddr: g.src.addr, srcWild: g.src.wild,
      dstAddr: g.dst.addr, dstWild: g.dst.wild, srcPortOp: sp[0]!, srcPortA: sp[1]!, srcPortB: sp[2]!,
      dstPortOp: dp[0]!, dstPortA: dp[1]!, dstPortB: dp[2]!, established, icmpType, icmpCode,
      fragments: !l4 && g.fragments, log: g.log,
    };
  });
}

/** A packet description; {@link fillMeta} writes it into a PacketMeta. */
export interface PacketSpec {
  readonly src: number[];
  readonly dst: number[];
  readonly proto: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly tcpFlags: number;
  readonly fragment: number;
  readonly icmpType: number;
  readonly icmpCode: number;
}

/** Packets of `family`, with sources sometimes taken from `hosts`. */
export function packetArb(family: 4 | 6, hosts: readonly number[][]): fc.Arbitrary<PacketSpec> {
  const addr = family === 4 ? v4Addr.map((a) => [a]) : v6Addr;
  const src = hosts.length > 0 ? fc.oneof(addr, fc.constantFrom(...hosts)) : addr;
  const icmp = family === 4 ? 1 : 58;
  return fc.record({
    src, dst: addr,
    proto: fc.constantFrom(6, 6, 17, 17, icmp, 47, 0),
    srcPort: port, dstPort: port,
    tcpFlags: fc.integer({ min: 0, max: 255 }),
    fragment: fc.constantFrom(FRAG_NONE, FRAG_NONE, FRAG_NONE, FRAG_FIRST, FRAG_LATER),
    icmpType: fc.constantFrom(0, 3, 8, 11, 200), icmpCode: fc.constantFrom(0, 1, 4),
  }).map((p) => {
    const ported = (p.proto === 6 || p.proto === 17) && p.fragment !== FRAG_LATER;
    const isIcmp = p.proto === icmp && p.fragment !== FRAG_LATER;
    return {
      ...p,
      srcPort: ported ? p.srcPort : 0, dstPort: ported ? p.dstPort : 0,
      tcpFlags: p.proto === 6 && p.fragment !== FRAG_LATER ? p.tcpFlags : 0,
      icmpType: isIcmp ? p.icmpType : -1, icmpCode: isIcmp ? p.icmpCode : -1,
    };
  });
}

/** Writes a packet description into `m` as `decodePacket` would. */
export function fillMeta(m: PacketMeta, p: PacketSpec): PacketMeta {
  if (p.src.length === 1) {
    m.ipVersion = 4;
    m.src4 = p.src[0]!;
    m.dst4 = p.dst[0]!;
    m.srcAddr[0] = 0; m.srcAddr[1] = 0; m.srcAddr[2] = 0xffff; m.srcAddr[3] = p.src[0]!;
    m.dstAddr[0] = 0; m.dstAddr[1] = 0; m.dstAddr[2] = 0xffff; m.dstAddr[3] = p.dst[0]!;
  } else {
    m.ipVersion = 6;
    m.src4 = 0;
    m.dst4 = 0;
    for (let i = 0; i < 4; i++) { m.srcAddr[i] = p.src[i]!; m.dstAddr[i] = p.dst[i]!; }
  }
  m.proto = p.proto;
  m.srcPort = p.srcPort;
  m.dstPort = p.dstPort;
  m.tcpFlags = p.tcpFlags;
  m.fragment = p.fragment;
  m.icmpType = p.icmpType;
  m.icmpCode = p.icmpCode;
  return m;
}

/** Host words (IPv4-mapped for IPv4) of an address as the generators give it. */
export function hostWords(a: readonly number[]): Uint32Array {
  return a.length === 1 ? Uint32Array.of(0, 0, 0xffff, a[0]!) : Uint32Array.from(a);
}
