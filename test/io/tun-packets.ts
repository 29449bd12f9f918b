/**
 * IPv4 packets for the TUN tests (test/io/tun-child.ts): UDP and TCP built with correct
 * checksums (RFC 791 §3.1, RFC 768, RFC 9293 §3.1), and the few fields the tests read back.
 */
import { foldChecksum, internetChecksum, pseudoHeaderSum4, sumWords } from '../../src/wire/checksum.js';

/** An IPv4 address as a 32-bit number. */
export function ip4(text: string): number {
  const p = text.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function writeIpv4Header(b: Uint8Array, total: number, proto: number, src: number, dst: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  b[0] = 0x45;
  v.setUint16(2, total);
  v.setUint16(6, 0x4000); // DF
  b[8] = 64;
  b[9] = proto;
  v.setUint32(12, src);
  v.setUint32(16, dst);
  v.setUint16(10, internetChecksum(b, 0, 20));
}

/** An IPv4/UDP datagram with its checksum. */
export function udp4(src: string, sport: number, dst: string, dport: number, payload: Uint8Array): Uint8Array {
  const len = 8 + payload.length;
  const b = new Uint8Array(20 + len);
  const v = new DataView(b.buffer);
  writeIpv4Header(b, b.length, 17, ip4(src), ip4(dst));
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  v.setUint16(24, len);
  b.set(payload, 28);
  const c = foldChecksum(sumWords(b, 20, len, pseudoHeaderSum4(ip4(src), ip4(dst), 17, len)));
  v.setUint16(26, c === 0 ? 0xffff : c);
  return b;
}

/** TCP flag bits (RFC 9293 §3.1). */
export const FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10;

/** Fields of a TCP segment to build. */
export interface TcpSpec {
  src: string; sport: number; dst: string; dport: number;
  seq: number; ack: number; flags: number; window: number;
  /** Options, a multiple of 4 bytes. */
  options?: Uint8Array;
  payload?: Uint8Array;
}

/**
 * An IPv4/TCP segment. `partial`: the checksum field holds only the pseudo-header sum, as
 * with VIRTIO_NET_HDR_F_NEEDS_CSUM (the kernel completes it, or the segmentation does);
 * otherwise the full checksum.
 */
export function tcp4(s: TcpSpec, partial = false): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const payload = s.payload ?? new Uint8Array(0);
  const thl = 20 + opts.length;
  const len = thl + payload.length;
  const b = new Uint8Array(20 + len);
  const v = new DataView(b.buffer);
  writeIpv4Header(b, b.length, 6, ip4(s.src), ip4(s.dst));
  v.setUint16(20, s.sport);
  v.setUint16(22, s.dport);
  v.setUint32(24, s.seq >>> 0);
  v.setUint32(28, s.ack >>> 0);
  b[32] = (thl / 4) << 4;
  b[33] = s.flags;
  v.setUint16(34, s.window);
  b.set(opts, 40);
  b.set(payload, 20 + thl);
  const pseudo = pseudoHeaderSum4(ip4(s.src), ip4(s.dst), 6, len);
  v.setUint16(36, partial ? ~foldChecksum(pseudo) & 0xffff : foldChecksum(sumWords(b, 20, len, pseudo)));
  return b;
}

/** What the tests read of an IPv4 packet. */
export interface Parsed {
  version: number;
  proto: number;
  src: number;
  dst: number;
  /** Transport header offset. */
  l4: number;
  sport: number;
  dport: number;
  /** TCP only. */
  seq: number;
  ack: number;
  flags: number;
  /** Offset and length of the transport payload. */
  dataOff: number;
  dataLen: number;
}

/** Parses an IPv4 UDP/TCP packet at buf[off, off+len); null when it is something else. */
export function parse4(buf: Uint8Array, off: number, len: number): Parsed | null {
  if (len < 20 || buf[off]! >> 4 !== 4) return null;
  const v = new DataView(buf.buffer, buf.byteOffset + off, len);
  const ihl = (buf[off]! & 15) * 4;
  const proto = buf[off + 9]!;
  const total = Math.min(v.getUint16(2), len);
  const p: Parsed = {
    version: 4, proto, src: v.getUint32(12), dst: v.getUint32(16), l4: ihl,
    sport: 0, dport: 0, seq: 0, ack: 0, flags: 0, dataOff: 0, dataLen: 0,
  };
  if (proto === 17 && total >= ihl + 8) {
    p.sport = v.getUint16(ihl);
    p.dport = v.getUint16(ihl + 2);
    p.dataOff = off + ihl + 8;
    p.dataLen = total - ihl - 8;
    return p;
  }
  if (proto === 6 && total >= ihl + 20) {
    p.sport = v.getUint16(ihl);
    p.dport = v.getUint16(ihl + 2);
    p.seq = v.getUint32(ihl + 4);
    p.ack = v.getUint32(ihl + 8);
    p.flags = buf[off + ihl + 13]!;
    const thl = (buf[off + ihl + 12]! >> 4) * 4;
    p.dataOff = off + ihl + thl;
    p.dataLen = total - ihl - thl;
    return p;
  }
  return null;
}
