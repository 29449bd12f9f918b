/**
 * Generator of the ACL replay golden `captures/acl-interface.pcap` (raw IPv4, LINKTYPE_RAW):
 * inside clients and outside hosts sending TCP, UDP, ICMP and non-initial fragments at the
 * lists of `captures/acl-interface.cfg`. Every packet's IPv4 identification is its 1-based
 * number, which the expected files name. Run `node dist/test/acl/acl-golden.js` to rewrite it.
 */
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { internetChecksum, pseudoHeaderSum4, sumWords, foldChecksum } from '../../src/wire/checksum.js';
import { parseIpv4 } from '../../src/acl/addr.js';

/** Path of the committed capture. */
export const ACL_GOLDEN_PCAP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures', 'acl-interface.pcap');

interface Pkt {
  proto: number;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  flags?: number;
  icmp?: [number, number];
  /** Non-initial fragment at this byte offset (no transport header). */
  fragOffset?: number;
}

const SYN = 0x02;
const ACK = 0x10;

/** The packets, in order; packet n has IP id n. */
export const ACL_GOLDEN_PACKETS: readonly Pkt[] = [
  { proto: 6, src: '192.0.2.10', dst: '198.51.100.80', sport: 40000, dport: 80, flags: SYN },
  { proto: 6, src: '192.0.2.10', dst: '198.51.100.80', sport: 40001, dport: 23, flags: SYN },
  { proto: 6, src: '192.0.2.150', dst: '198.51.100.80', sport: 40001, dport: 80, flags: SYN },
  { proto: 6, src: '192.0.2.150', dst: '198.51.100.25', sport: 40002, dport: 25, flags: SYN },
  { proto: 6, src: '192.0.2.150', dst: '198.51.100.26', sport: 40003, dport: 25, flags: SYN },
  { proto: 6, src: '192.0.2.20', dst: '198.51.100.90', sport: 40004, dport: 8080, flags: SYN },
  { proto: 6, src: '192.0.2.20', dst: '198.51.100.90', sport: 40005, dport: 8081, flags: SYN },
  { proto: 17, src: '192.0.2.20', dst: '198.51.100.53', sport: 5353, dport: 53 },
  { proto: 17, src: '192.0.2.20', dst: '198.51.100.54', sport: 5353, dport: 53 },
  { proto: 1, src: '192.0.2.20', dst: '198.51.100.80', icmp: [8, 0] },
  { proto: 1, src: '192.0.2.20', dst: '198.51.100.80', icmp: [0, 0] },
  { proto: 6, src: '192.0.2.200', dst: '198.51.100.80', sport: 2000, dport: 9999, flags: SYN },
  { proto: 6, src: '192.0.2.200', dst: '198.51.100.80', sport: 2000, dport: 443, flags: SYN },
  { proto: 17, src: '192.0.2.30', dst: '198.51.100.53', fragOffset: 1480 },
  { proto: 17, src: '192.0.2.30', dst: '198.51.100.99', fragOffset: 1480 },
  { proto: 6, src: '192.0.2.30', dst: '198.51.100.80', fragOffset: 1480 },
  { proto: 6, src: '198.51.100.77', dst: '192.0.2.10', sport: 5555, dport: 22, flags: SYN },
  { proto: 6, src: '198.51.100.77', dst: '192.0.2.10', sport: 5555, dport: 23, flags: SYN },
  { proto: 1, src: '198.51.100.81', dst: '192.0.2.20', icmp: [0, 0] },
  { proto: 17, src: '198.51.100.81', dst: '192.0.2.20', sport: 53, dport: 5353 },
  { proto: 6, src: '198.51.100.80', dst: '192.0.2.10', sport: 80, dport: 40000, flags: SYN | ACK },
];

function ipPacket(p: Pkt, id: number): Uint8Array {
  const l4 = p.fragOffset !== undefined ? 16 : p.proto === 6 ? 20 : 8;
  const b = new Uint8Array(20 + l4);
  const dv = new DataView(b.buffer);
  const src = parseIpv4(p.src)!;
  const dst = parseIpv4(p.dst)!;
  b[0] = 0x45;
  dv.setUint16(2, b.length);
  dv.setUint16(4, id);
  dv.setUint16(6, p.fragOffset !== undefined ? p.fragOffset / 8 : 0x4000);
  b[8] = 64;
  b[9] = p.proto;
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  dv.setUint16(10, internetChecksum(b, 0, 20));
  if (p.fragOffset !== undefined) {
    for (let i = 20; i < b.length; i++) b[i] = i;
    return b;
  }
  if (p.proto === 6) {
    dv.setUint16(20, p.sport!);
    dv.setUint16(22, p.dport!);
    dv.setUint32(24, 1000 * id);
    dv.setUint32(28, (p.flags! & ACK) !== 0 ? 40001 : 0);
    b[32] = 0x50;
    b[33] = p.flags!;
    dv.setUint16(34, 65535);
  } else if (p.proto === 17) {
    dv.setUint16(20, p.sport!);
    dv.setUint16(22, p.dport!);
    dv.setUint16(24, 8);
  } else {
    b[20] = p.icmp![0];
    b[21] = p.icmp![1];
    dv.setUint16(24, 0x1234);
    dv.setUint16(26, id);
    dv.setUint16(22, internetChecksum(b, 20, 8));
    return b;
  }
  const c = foldChecksum(sumWords(b, 20, l4, pseudoHeaderSum4(src, dst, p.proto, l4)));
  dv.setUint16(p.proto === 6 ? 36 : 26, c === 0 && p.proto === 17 ? 0xffff : c);
  return b;
}

/** Builds the capture: a classic pcap, LINKTYPE_RAW, one packet every 10 ms from 1993-03-01 10:00 UTC. */
export function buildAclGolden(): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(24);
  const hv = new DataView(head.buffer);
  hv.setUint32(0, 0xa1b2c3d4, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 65535, true);
  hv.setUint32(20, 101, true);
  parts.push(head);
  const t0 = Date.UTC(1993, 2, 1, 10, 0, 0) / 1000;
  ACL_GOLDEN_PACKETS.forEach((p, i) => {
    const pkt = ipPacket(p, i + 1);
    const rec = new Uint8Array(16);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, t0, true);
    rv.setUint32(4, i * 10_000, true);
    rv.setUint32(8, pkt.length, true);
    rv.setUint32(12, pkt.length, true);
    parts.push(rec, pkt);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) writeFileSync(ACL_GOLDEN_PCAP, buildAclGolden());
