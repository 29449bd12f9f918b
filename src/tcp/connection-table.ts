/**
 * The endpoint's connection lookup: an open-addressing table with linear probing over a
 * power-of-two array of connection numbers (-1 empty), keyed by the 4-tuple the connection
 * arrays hold (client address and port, server address and port, IP version). Removal shifts
 * later entries back (no tombstones), so a probe ends at the first empty cell whatever the
 * order of inserts and removals.
 */
import type { PacketMeta } from '../wire/packet.js';

/** The key arrays of the connections (see `TcpConnections`). */
export interface ConnectionKeys {
  readonly isV6: Uint8Array;
  /** Four words per connection (IPv4-mapped for IPv4). */
  readonly clientAddr: Uint32Array;
  readonly serverAddr: Uint32Array;
  readonly clientPort: Uint16Array;
  readonly serverPort: Uint16Array;
}

/** Finds connections by the 4-tuple of a segment travelling client → server. */
export class ConnectionTable {
  private readonly cells: Int32Array;
  private readonly mask: number;
  /** Home cell of each connection in the table. */
  private readonly home: Int32Array;

  constructor(private readonly keys: ConnectionKeys, capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.cells = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.home = new Int32Array(capacity);
  }

  /** The connection whose client is the segment's source and server its destination, or -1. */
  find(meta: PacketMeta): number {
    const src = meta.srcAddr, dst = meta.dstAddr;
    const cp = meta.srcPort, sp = meta.dstPort;
    const v6 = meta.ipVersion === 6 ? 1 : 0;
    const cells = this.cells, mask = this.mask;
    const k = this.keys;
    let i = this.hashOf(src, 0, dst, 0, cp, sp);
    for (;;) {
      const c = cells[i]!;
      if (c < 0) return -1;
      if (k.clientPort[c] === cp && k.serverPort[c] === sp && k.isV6[c] === v6) {
        const b = c * 4;
        const ca = k.clientAddr, sa = k.serverAddr;
        if (ca[b + 3] === src[3] && sa[b + 3] === dst[3] && ca[b] === src[0] && ca[b + 1] === src[1]
          && ca[b + 2] === src[2] && sa[b] === dst[0] && sa[b + 1] === dst[1] && sa[b + 2] === dst[2]) {
          return c;
        }
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds connection `c` under the 4-tuple its key arrays hold now. */
  insert(c: number): void {
    const k = this.keys;
    const b = c * 4;
    let i = this.hashOf(k.clientAddr, b, k.serverAddr, b, k.clientPort[c]!, k.serverPort[c]!);
    this.home[c] = i;
    while (this.cells[i]! >= 0) i = (i + 1) & this.mask;
    this.cells[i] = c;
  }

  /** Removes connection `c` by backward-shift deletion (no tombstones). */
  remove(c: number): void {
    const cells = this.cells, mask = this.mask;
    let i = this.home[c]!;
    while (cells[i] !== c) {
      if (cells[i]! < 0) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const d = cells[j]!;
      if (d < 0) break;
      const k = this.home[d]!;
      // Entry d may move to the hole at i unless its home lies cyclically in (i, j].
      const inRange = i <= j ? (k > i && k <= j) : (k > i || k <= j);
      if (inRange) continue;
      cells[i] = d;
      i = j;
    }
    cells[i] = -1;
  }

  private hashOf(c: Uint32Array, co: number, s: Uint32Array, so: number, cport: number, sport: number): number {
    let h = Math.imul(c[co + 3]! ^ 0x9e3779b9, 0x85ebca6b) ^ s[so + 3]!;
    h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35) ^ ((cport << 16) | sport);
    h = Math.imul(h ^ (h >>> 13), 0x27d4eb2d) ^ c[co]! ^ c[co + 1]! ^ c[co + 2]!;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ s[so]! ^ s[so + 1]! ^ s[so + 2]!;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }
}
