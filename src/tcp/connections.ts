/**
 * The endpoint's connections as a struct of arrays: one typed array per variable, indexed by
 * connection number (a slot of a table sized at construction), with the free slots, the dense
 * list of open ones and the 4-tuple lookup. The rooms of the endpoint (reassembly, send buffer,
 * RTT, timers) keep arrays of their own, indexed the same way.
 *
 * The sequence variables are RFC 9293 §3.3.1's, with SND.MAX (the highest sequence number
 * sent, which SND.NXT falls back from after a timeout) added.
 */
import type { PacketMeta } from '../wire/packet.js';
import { ConnectionTable } from './connection-table.js';
import type { HashKey } from '../table/keyed-hash.js';
import { TCP_STATE_CLOSED } from './constants.js';

/** Per-connection state shared by the endpoint's rooms. */
export class TcpConnections {
  /** Number of slots. */
  readonly capacity: number;

  // Identity.
  /** TCP_STATE_* (TCP_STATE_CLOSED for a free slot). */
  readonly state: Uint8Array;
  /** CONN_* bits. */
  readonly flags: Uint16Array;
  /** Bumped whenever the slot is released, so that a caller can tell its connection went away. */
  readonly generation: Uint32Array;
  /** 1 for IPv6, 0 for IPv4. */
  readonly isV6: Uint8Array;
  /** Client (peer) and server (original destination) addresses, four words each (IPv4-mapped). */
  readonly clientAddr: Uint32Array;
  readonly serverAddr: Uint32Array;
  readonly clientPort: Uint16Array;
  readonly serverPort: Uint16Array;
  /** An application number stored with the connection. */
  readonly tag: Float64Array;

  // Send sequence space (RFC 9293 §3.3.1).
  /** Initial send sequence number. */
  readonly iss: Uint32Array;
  readonly sndUna: Uint32Array;
  readonly sndNxt: Uint32Array;
  /** Highest sequence number sent (SND.NXT goes back to SND.UNA after a timeout). */
  readonly sndMax: Uint32Array;
  /** Segment sequence and acknowledgement numbers of the last window update. */
  readonly sndWl1: Uint32Array;
  readonly sndWl2: Uint32Array;
  /** Peer's window in bytes (scaled). */
  readonly sndWnd: Uint32Array;
  /** Largest window the peer has offered (RFC 9293 §3.8.6.2.1). */
  readonly maxSndWnd: Uint32Array;
  /** Peer's window-scale shift (RFC 7323 §2). */
  readonly sndWscale: Uint8Array;
  /** Largest segment we send (the peer's MSS, capped by ours, less timestamp space). */
  readonly sndMss: Uint16Array;
  /** Congestion window and slow-start threshold (RFC 5681). */
  readonly cwnd: Uint32Array;
  readonly ssthresh: Uint32Array;
  /** Retransmissions since the last acknowledgement of new data. */
  readonly retries: Uint16Array;
  /** Duplicate ACKs in a row (RFC 5681 §3.2). */
  readonly dupAcks: Uint8Array;
  /** Zero-window probe backoff exponent. */
  readonly probeShift: Uint8Array;

  // Receive sequence space.
  /** Initial receive sequence number (the peer's ISN). */
  readonly irs: Uint32Array;
  readonly rcvNxt: Uint32Array;
  /** Receive window in bytes. */
  readonly rcvWnd: Uint32Array;
  /** Our window-scale shift. */
  readonly rcvWscale: Uint8Array;
  /**
   * Bytes delivered to the application that it has not read yet (only when the endpoint holds
   * the window until the application reads): the window offered is `rcvWnd − unread`.
   */
  readonly unread: Uint32Array;
  /** The window our last segment offered (bytes, before scaling). */
  readonly lastWndSent: Uint32Array;
  /** Sequence number of the peer's FIN while it waits for missing data. */
  readonly peerFinSeq: Uint32Array;

  // Timestamps (RFC 7323).
  /** TS.Recent: the timestamp our ACKs echo. */
  readonly tsRecent: Uint32Array;
  /** Random offset added to our clock in TSval. */
  readonly tsOffset: Uint32Array;
  /** RCV.NXT as our last ACK carried it (Last.ACK.sent). */
  readonly lastAckSent: Uint32Array;
  /** When an acceptable segment last arrived (the idle timer). */
  readonly lastInputMs: Float64Array;

  /** Open connections, densely: `active[0, activeCount)`. */
  readonly active: Int32Array;
  activeCount = 0;
  /** Position of each open connection in `active` (-1 when free). */
  private readonly activePos: Int32Array;
  /** Free slots, as a stack. */
  private readonly free: Int32Array;
  private freeTop: number;
  private readonly table: ConnectionTable;

  /** `key` places the 4-tuples in the lookup table (the process's keyed-hash key). */
  constructor(capacity: number, key?: HashKey) {
    const n = capacity;
    this.capacity = n;
    this.state = new Uint8Array(n);
    this.flags = new Uint16Array(n);
    this.generation = new Uint32Array(n);
    this.isV6 = new Uint8Array(n);
    this.clientAddr = new Uint32Array(n * 4);
    this.serverAddr = new Uint32Array(n * 4);
    this.clientPort = new Uint16Array(n);
    this.serverPort = new Uint16Array(n);
    this.tag = new Float64Array(n);
    this.iss = new Uint32Array(n);
    this.sndUna = new Uint32Array(n);
    this.sndNxt = new Uint32Array(n);
    this.sndMax = new Uint32Array(n);
    this.sndWl1 = new Uint32Array(n);
    this.sndWl2 = new Uint32Array(n);
    this.sndWnd = new Uint32Array(n);
    this.maxSndWnd = new Uint32Array(n);
    this.sndWscale = new Uint8Array(n);
    this.sndMss = new Uint16Array(n);
    this.cwnd = new Uint32Array(n);
    this.ssthresh = new Uint32Array(n);
    this.retries = new Uint16Array(n);
    this.dupAcks = new Uint8Array(n);
    this.probeShift = new Uint8Array(n);
    this.irs = new Uint32Array(n);
    this.rcvNxt = new Uint32Array(n);
    this.rcvWnd = new Uint32Array(n);
    this.rcvWscale = new Uint8Array(n);
    this.unread = new Uint32Array(n);
    this.lastWndSent = new Uint32Array(n);
    this.peerFinSeq = new Uint32Array(n);
    this.tsRecent = new Uint32Array(n);
    this.tsOffset = new Uint32Array(n);
    this.lastAckSent = new Uint32Array(n);
    this.lastInputMs = new Float64Array(n);
    this.active = new Int32Array(n);
    this.activePos = new Int32Array(n).fill(-1);
    this.free = new Int32Array(n);
    // Lowest slot on top, so slots are used in order 0, 1, 2, …
    for (let i = 0; i < n; i++) this.free[i] = n - 1 - i;
    this.freeTop = n;
    this.table = new ConnectionTable(this, n, key);
  }

  /** True when a slot is free. */
  hasFree(): boolean {
    return this.freeTop > 0;
  }

  /**
   * Takes a free slot for the segment's 4-tuple (client = source) and makes it findable.
   * The caller checked {@link hasFree} and sets every other variable.
   */
  allocate(meta: PacketMeta): number {
    const c = this.free[--this.freeTop]!;
    this.activePos[c] = this.activeCount;
    this.active[this.activeCount++] = c;
    this.isV6[c] = meta.ipVersion === 6 ? 1 : 0;
    const b = c * 4;
    for (let w = 0; w < 4; w++) {
      this.clientAddr[b + w] = meta.srcAddr[w]!;
      this.serverAddr[b + w] = meta.dstAddr[w]!;
    }
    this.clientPort[c] = meta.srcPort;
    this.serverPort[c] = meta.dstPort;
    this.table.insert(c);
    this.tag[c] = 0;
    return c;
  }

  /** The open connection of a segment travelling client → server, or -1. */
  find(meta: PacketMeta): number {
    return this.activeCount > 0 ? this.table.find(meta) : -1;
  }

  /** The most cells a lookup reads now (tests). */
  longestProbe(): number {
    return this.table.longestProbe();
  }

  /** The receive window connection `c` offers now: its buffer less what the application has not read. */
  window(c: number): number {
    const w = this.rcvWnd[c]!, u = this.unread[c]!;
    return u < w ? w - u : 0;
  }

  /** Frees slot `c`: no longer findable, state CLOSED, flags cleared, generation bumped. */
  release(c: number): void {
    this.table.remove(c);
    const p = this.activePos[c]!;
    const last = this.active[--this.activeCount]!;
    this.active[p] = last;
    this.activePos[last] = p;
    this.activePos[c] = -1;
    this.state[c] = TCP_STATE_CLOSED;
    this.flags[c] = 0;
    this.generation[c]!++;
    this.free[this.freeTop++] = c;
  }
}
