/**
 * The endpoint's connection lookup: the project's one open-addressing table (src/table) of
 * connection numbers, placed by the project's one keyed hash of the 4-tuple (a remote host
 * chooses its address and port, so the placement must not be predictable without the key:
 * hash flooding). The 4-tuples themselves live in the connection arrays, which the table
 * compares. The table holds at most half as many keys as cells, and removal shifts later keys
 * back (no tombstones), so a probe ends at the first empty cell whatever the order of inserts
 * and removals.
 */
import type { PacketMeta } from '../wire/packet.js';
import { OpenTable } from '../table/open-table.js';
import { hashKeyFromSeed, hashWordArray, hashWords3Byte } from '../table/keyed-hash.js';
import type { HashKey } from '../table/keyed-hash.js';

/** The key arrays of the connections (see `TcpConnections`). */
export interface ConnectionKeys {
  readonly isV6: Uint8Array;
  /** Four words per connection (IPv4-mapped for IPv4). */
  readonly clientAddr: Uint32Array;
  readonly serverAddr: Uint32Array;
  readonly clientPort: Uint16Array;
  readonly serverPort: Uint16Array;
}

/** Key of the tables when none is given (tests); engines pass the process's own key. */
export const DEFAULT_CONNECTION_KEY: HashKey = hashKeyFromSeed(0);

/** The byte that ends an IPv4 4-tuple's message (TCP's protocol number), as the flow key has it. */
const IPPROTO_TCP_BYTE = 6;

/** Finds connections by the 4-tuple of a segment travelling client → server. */
export class ConnectionTable {
  private readonly table: OpenTable;
  /** Hash of each connection's 4-tuple, kept for its removal. */
  private readonly hashOfConn: Int32Array;
  private readonly k0: number;
  private readonly k1: number;
  /** The nine words of an IPv6 4-tuple being hashed. */
  private readonly words = new Uint32Array(9);

  constructor(private readonly keys: ConnectionKeys, capacity: number, key: HashKey = DEFAULT_CONNECTION_KEY) {
    let cells = 16;
    while (cells < capacity * 2) cells *= 2;
    this.table = new OpenTable({ initialCells: cells, maxCells: cells, values: true });
    this.hashOfConn = new Int32Array(capacity);
    this.k0 = key.k0;
    this.k1 = key.k1;
  }

  /** The connection whose client is the segment's source and server its destination, or -1. */
  find(meta: PacketMeta): number {
    const src = meta.srcAddr, dst = meta.dstAddr;
    const cp = meta.srcPort, sp = meta.dstPort;
    const v6 = meta.ipVersion === 6 ? 1 : 0;
    const h = this.hash(v6, src, 0, dst, 0, cp, sp);
    const t = this.table;
    const k = this.keys;
    const ca = k.clientAddr, sa = k.serverAddr;
    for (let p = t.first(h); p >= 0; p = t.next(h, p)) {
      const c = t.values[p]!;
      if (k.clientPort[c] === cp && k.serverPort[c] === sp && k.isV6[c] === v6) {
        const b = c * 4;
        if (ca[b + 3] === src[3] && sa[b + 3] === dst[3] && ca[b] === src[0] && ca[b + 1] === src[1]
          && ca[b + 2] === src[2] && sa[b] === dst[0] && sa[b + 1] === dst[1] && sa[b + 2] === dst[2]) {
          return c;
        }
      }
    }
    return -1;
  }

  /** Adds connection `c` (absent) under the 4-tuple its key arrays hold now. */
  insert(c: number): void {
    const k = this.keys;
    const b = c * 4;
    const h = this.hash(k.isV6[c]!, k.clientAddr, b, k.serverAddr, b, k.clientPort[c]!, k.serverPort[c]!);
    this.hashOfConn[c] = h;
    this.table.insert(h, c);
  }

  /** Removes connection `c` (the table shifts later keys back; no tombstones). */
  remove(c: number): void {
    const h = this.hashOfConn[c]!;
    const t = this.table;
    for (let p = t.first(h); p >= 0; p = t.next(h, p)) {
      if (t.values[p] === c) {
        t.removeAt(p);
        return;
      }
    }
  }

  /** The most cells a lookup reads now (tests). */
  longestProbe(): number {
    return this.table.longestProbe();
  }

  /**
   * The keyed hash of a 4-tuple: for IPv4 the 13-byte message client, server, ports, protocol;
   * for IPv6 the 36-byte message of both addresses and the ports.
   */
  private hash(v6: number, c: Uint32Array, co: number, s: Uint32Array, so: number, cport: number, sport: number): number {
    const ports = ((cport << 16) | sport) >>> 0;
    if (v6 === 0) return hashWords3Byte(c[co + 3]!, s[so + 3]!, ports, IPPROTO_TCP_BYTE, this.k0, this.k1);
    const w = this.words;
    for (let i = 0; i < 4; i++) {
      w[i] = c[co + i]!;
      w[4 + i] = s[so + i]!;
    }
    w[8] = ports;
    return hashWordArray(w, 0, 9, this.k0, this.k1);
  }
}
