/**
 * The flow table's vocabulary: packet directions, update verdicts and insert refusals, idle
 * timeouts, the table's options and the tuple it reads a flow back into (`flow-table.ts`).
 */
import type { HashKey } from '../table/keyed-hash.js';

/** Direction of a packet relative to its flow: sent by the endpoint that opened the flow. */
export const FLOW_DIR_ORIGINAL = 0;
/** Direction of a packet relative to its flow: sent by the other endpoint (return traffic). */
export const FLOW_DIR_REPLY = 1;

/** Tracker verdict: the packet fits the flow's state. */
export const FLOW_OK = 0;
/** Tracker verdict: the packet cannot belong to the flow in its current state (e.g. data before the handshake). */
export const FLOW_INVALID = 1;
/** Tracker verdict: the packet fits, and the connection is now finished (`TIME_WAIT` or `CLOSED`). */
export const FLOW_CLOSED = 2;

/** `insert` result: the table is full (counted in `insertsFull`). */
export const FLOW_INSERT_FULL = -1;
/**
 * `insert` result: the packet cannot open a flow — a TCP segment other than a SYN while
 * mid-stream pickup is off, or a SYN-ACK/RST/malformed flag set — or it is not IPv4/IPv6
 * (counted in `insertsInvalid`). Like `FLOW_INSERT_FULL` it is negative, so `slot >= 0` tests
 * for success.
 */
export const FLOW_INSERT_INVALID = -2;

/** Idle timeouts, in milliseconds, by protocol and TCP tracker state. */
export interface FlowTimeouts {
  /** TCP `ESTABLISHED` (default 3600 s). */
  readonly tcpEstablishedMs: number;
  /** TCP `SYN_SENT` / `SYN_RECEIVED` (default 30 s). */
  readonly tcpHandshakeMs: number;
  /**
   * TCP `FIN_WAIT` / `CLOSE_WAIT`, one side closed (default: the established timeout). A
   * half-closed connection may legitimately carry a long answer after the request side closed.
   */
  readonly tcpHalfClosedMs: number;
  /** TCP `LAST_ACK` / `TIME_WAIT` / `CLOSED` — FIN seen both ways or RST (default 10 s). */
  readonly tcpClosingMs: number;
  /** UDP (default 30 s). */
  readonly udpMs: number;
  /** ICMP and ICMPv6 (default 10 s). */
  readonly icmpMs: number;
  /** Any other protocol (default 60 s). */
  readonly otherMs: number;
}

/** Default idle timeouts. */
export const FLOW_DEFAULT_TIMEOUTS: FlowTimeouts = Object.freeze({
  tcpEstablishedMs: 3_600_000,
  tcpHandshakeMs: 30_000,
  tcpHalfClosedMs: 3_600_000,
  tcpClosingMs: 10_000,
  udpMs: 30_000,
  icmpMs: 10_000,
  otherMs: 60_000,
});

/** Options of a {@link FlowTable}. */
export interface FlowTableOptions {
  /**
   * Maximum number of concurrent flows. All memory is allocated up front: a 128-byte record
   * position per flow rounded up to the next power of two at or above twice the capacity
   * (256–512 bytes per flow), plus 20 bytes per flow of slot map, free list and wheel links.
   */
  readonly capacity: number;
  /**
   * Accept TCP flows whose first segment seen is not a SYN (an ACK, data or a FIN) as already
   * established. Off by default, as a live stateful filter must be; replay turns it on, because
   * captures usually start in the middle of some connections.
   */
  readonly midstreamPickup?: boolean | undefined;
  /** Idle timeouts; missing fields take {@link FLOW_DEFAULT_TIMEOUTS}. */
  readonly timeouts?: Partial<FlowTimeouts> | undefined;
  /**
   * The process's secret hash key (flows are keyed by what packets choose): from `--seed` in
   * replay, from the operating system live. Default: a fixed key (tests, benchmarks).
   */
  readonly hashKey?: HashKey | undefined;
  /**
   * When the table is full, evict a flow to make room for a new one (see `insert`). Default
   * true; false refuses new flows instead.
   */
  readonly earlyDrop?: boolean | undefined;
  /** Timer wheel granularity in ms (default 1000). */
  readonly tickMs?: number | undefined;
  /** Timer wheel size, a power of two (default 4096 buckets: 68 minutes at 1 s ticks). */
  readonly wheelSlots?: number | undefined;
}

/** A flow's 5-tuple in its original direction, filled by {@link FlowTable.readTuple}. */
export class FlowTuple {
  /** Source address (four big-endian words; IPv4-mapped for IPv4). */
  readonly srcAddr = new Uint32Array(4);
  /** Destination address. */
  readonly dstAddr = new Uint32Array(4);
  /** Source and destination port (the echo identifier for ICMP echo; 0 when none). */
  srcPort = 0;
  dstPort = 0;
  /** IP protocol number. */
  proto = 0;
}
