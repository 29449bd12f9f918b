/**
 * The JavaScript floor of the replay benchmark: walks a classic pcap file in 16 MiB chunks
 * with DataView reads and counts the Ethernet/IPv4 packets `tcp dst port 80` matches, the work
 * tcpdump's anchor run does. No flow state, no decisions: what the engine adds is measured
 * against this (PERFORMANCE.md: "a plain Node loop … 0.90–0.96× tcpdump's wall time").
 */
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK_BYTES = 16 << 20;

/** Counts of one scan. */
export interface ScanResult {
  packets: number;
  /** Packets matching `tcp dst port 80` (IPv4 over Ethernet, first fragments only). */
  matched: number;
}

/**
 * Scans `path` (classic pcap, either byte order, Ethernet link type) and fills `out`. Calls
 * `onPacket` after every `every` packets (0: never), for warm-up bookkeeping. Throws on a file
 * that is not a classic pcap.
 */
export function scanPcap(path: string, out: ScanResult, every = 0, onPacket?: () => void): void {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(CHUNK_BYTES);
    const dv = new DataView(buf.buffer);
    let have = readSync(fd, buf, 0, CHUNK_BYTES, null);
    if (have < 24) throw new Error(`${path}: shorter than a pcap header`);
    const magic = dv.getUint32(0, true);
    let le: boolean;
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
    else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
    else throw new Error(`${path}: not a classic pcap file`);
    if (dv.getUint32(20, le) !== 1) throw new Error(`${path}: scan handles Ethernet captures only`);
    let pos = 24;
    let packets = 0;
    let matched = 0;
    let eof = false;
    for (;;) {
      if (have - pos < 16 || have - pos < 16 + dv.getUint32(pos + 8, le)) {
        if (eof) break;
        // Move the partial record to the front and refill behind it.
        buf.copyWithin(0, pos, have);
        have -= pos;
        pos = 0;
        const n = readSync(fd, buf, have, CHUNK_BYTES - have, null);
        if (n === 0) eof = true;
        have += n;
        continue;
      }
      const caplen = dv.getUint32(pos + 8, le);
      const f = pos + 16;
      pos = f + caplen;
      packets++;
      // Ethernet II, IPv4 (RFC 791), TCP (RFC 9293), destination port 80, not a later fragment.
      if (caplen >= 34 && buf[f + 12] === 0x08 && buf[f + 13] === 0x00 && buf[f + 23] === 6
        && (buf[f + 14]! >> 4) === 4 && (dv.getUint16(f + 20) & 0x1fff) === 0) {
        const l4 = f + 14 + (buf[f + 14]! & 0x0f) * 4;
        if (l4 + 4 <= f + caplen && dv.getUint16(l4 + 2) === 80) matched++;
      }
      if (every > 0 && packets === every && onPacket !== undefined) onPacket();
    }
    out.packets = packets;
    out.matched = matched;
  } finally {
    closeSync(fd);
  }
}
