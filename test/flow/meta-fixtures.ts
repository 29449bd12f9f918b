/**
 * Builds decoded packet summaries (`PacketMeta`) for the flow tests, the way the wire decoder
 * fills them: IPv4 addresses IPv4-mapped into the 4-word arrays, ports, flags and lengths.
 */
import { PacketMeta, IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../../src/wire/packet.js';

/** One endpoint pair and the transport fields the flow table reads. */
export interface MetaSpec {
  /** Dotted IPv4 or full/abbreviated IPv6 text. */
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  flags?: number;
  /** TCP sequence number (default 0) and window (default 65535, so that RSTs at sequence 0 fit it). */
  seq?: number;
  window?: number;
  /** TCP acknowledgement number (default 1: acknowledges a SYN at sequence 0). */
  ack?: number;
  /** IP total length (bytes accounted). */
  length?: number;
  /** ICMP type (echo id goes in `echoId`). */
  icmpType?: number;
  echoId?: number;
}

/** Parses dotted IPv4 into a uint32. */
export function parseIpv4(text: string): number {
  const p = text.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${text}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** Parses IPv6 text (with `::`) into four big-endian words. */
export function parseIpv6(text: string): Uint32Array {
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${text}`);
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((parseInt(groups[2 * i]!, 16) << 16) | parseInt(groups[2 * i + 1]!, 16)) >>> 0;
  return w;
}

/** Fills `m` (or a new PacketMeta) from `spec`. */
export function fillMeta(spec: MetaSpec, m: PacketMeta = new PacketMeta()): PacketMeta {
  const v6 = spec.src.includes(':');
  m.ipVersion = v6 ? 6 : 4;
  if (v6) {
    m.srcAddr.set(parseIpv6(spec.src));
    m.dstAddr.set(parseIpv6(spec.dst));
    m.src4 = 0;
    m.dst4 = 0;
  } else {
    m.src4 = parseIpv4(spec.src);
    m.dst4 = parseIpv4(spec.dst);
    m.srcAddr.set([0, 0, 0xffff, m.src4]);
    m.dstAddr.set([0, 0, 0xffff, m.dst4]);
  }
  m.proto = spec.proto;
  m.srcPort = spec.sport ?? 0;
  m.dstPort = spec.dport ?? 0;
  m.tcpFlags = spec.flags ?? 0;
  m.seq = spec.seq ?? 0;
  m.window = spec.window ?? 65535;
  m.ack = spec.ack ?? 1;
  m.ipTotalLength = spec.length ?? 40;
  m.icmpType = spec.icmpType ?? -1;
  m.icmpCode = spec.icmpType === undefined ? -1 : 0;
  if (spec.proto === IPPROTO_ICMP || spec.proto === IPPROTO_ICMPV6) {
    // A minimal echo header at offset 0 of its own buffer: type, code, checksum, id, sequence.
    const buf = new Uint8Array(8);
    buf[0] = spec.icmpType ?? 0;
    buf[4] = ((spec.echoId ?? 0) >> 8) & 0xff;
    buf[5] = (spec.echoId ?? 0) & 0xff;
    m.buf = buf;
    m.l4Offset = 0;
    m.l4Length = 8;
    m.srcPort = 0;
    m.dstPort = 0;
  }
  return m;
}

/** The same packet spec seen in the other direction. */
export function reverse(spec: MetaSpec): MetaSpec {
  const r: MetaSpec = { ...spec, src: spec.dst, dst: spec.src };
  if (spec.sport !== undefined) r.dport = spec.sport; else delete r.dport;
  if (spec.dport !== undefined) r.sport = spec.dport; else delete r.sport;
  return r;
}
