/**
 * The engine's counters: plain numbers in one Float64Array, indexed by the constants below,
 * exported by name when a summary or metrics are asked for. Packets the wire layer could not
 * decode are counted under `COUNTER_FAULT_BASE + faultCode` (names `drop-<fault>`).
 */
import { FAULT_COUNT, FAULT_NAMES } from '../wire/faults.js';

export const COUNTER_PACKETS = 0;
export const COUNTER_FORWARDED = 1;
export const COUNTER_DROPPED = 2;
export const COUNTER_INTERCEPTED = 3;
export const COUNTER_LOCAL = 4;
export const COUNTER_EMITTED = 5;
/** Drop reasons. */
export const COUNTER_DROP_ACL_IN = 6;
export const COUNTER_DROP_ACL_OUT = 7;
export const COUNTER_DROP_HALF_OPEN_LIMIT = 8;
export const COUNTER_DROP_NODATA_LIMIT = 9;
export const COUNTER_DROP_INTERCEPT_FULL = 10;
export const COUNTER_DROP_CACHE_FULL = 11;
export const COUNTER_DROP_NO_CONNECTION = 12;
export const COUNTER_DROP_WATCH_LIST = 13;
/** Other events. */
export const COUNTER_FLOWS_CREATED = 14;
export const COUNTER_FLOW_TABLE_FULL = 15;
export const COUNTER_RETURN_TRAFFIC = 16;
export const COUNTER_HOSTS_CREATED = 17;
export const COUNTER_HOSTS_EXPIRED = 18;
export const COUNTER_TX_OVERFLOW = 19;
/** Permitted packets that start no trackable flow (e.g. a bare ACK when mid-stream pickup is off). */
export const COUNTER_FLOW_UNTRACKED = 20;
/**
 * Packets whose source no connected prefix or static route covers: placed on no interface, they
 * pass no inbound ACL (see src/engine/interfaces.ts).
 */
export const COUNTER_NO_INGRESS = 21;
/** Drop reason: a TCP segment that does not fit its tracked connection (src/flow/tcp-tracker.ts). */
export const COUNTER_DROP_TCP_INVALID = 22;
/**
 * Flows evicted from a full flow table to make room for a new one (an unanswered one first, as
 * conntrack's early drop does; src/flow/flow-table.ts `evictOne`).
 */
export const COUNTER_FLOW_EVICTED = 23;
/**
 * Super-packets handled (a live TUN device with offloads: one GSO packet standing for several
 * segments, classified once and counted in `packets` and its verdict's counter as the segments
 * it carries; `Engine.handleOn`).
 */
export const COUNTER_SUPER_PACKETS = 24;
export const COUNTER_FAULT_BASE = 25;
export const COUNTER_COUNT = COUNTER_FAULT_BASE + FAULT_COUNT;

const NAMES: string[] = [
  'packets',
  'forwarded',
  'dropped',
  'intercepted',
  'to-gateway',
  'emitted',
  'drop-acl-in',
  'drop-acl-out',
  'drop-half-open-limit',
  'drop-nodata-conns',
  'drop-intercept-table-full',
  'drop-auth-cache-full',
  'drop-no-connection',
  'drop-watch-list',
  'flows-created',
  'flow-table-full',
  'return-traffic',
  'hosts-created',
  'hosts-expired',
  'tx-queue-overflow',
  'flow-untracked',
  'no-ingress',
  'drop-tcp-invalid',
  'flow-evicted',
  'super-packets',
];
for (let i = 0; i < FAULT_COUNT; i++) NAMES.push(`drop-${FAULT_NAMES[i]!}`);

/** Counter names, index-aligned with the constants. */
export const COUNTER_NAMES: readonly string[] = NAMES;

/** Indexes of the counters that are drop reasons (for the summary's "drops by reason"). */
export const DROP_REASON_COUNTERS: readonly number[] = [
  COUNTER_DROP_ACL_IN, COUNTER_DROP_ACL_OUT, COUNTER_DROP_HALF_OPEN_LIMIT, COUNTER_DROP_NODATA_LIMIT,
  COUNTER_DROP_INTERCEPT_FULL, COUNTER_DROP_CACHE_FULL, COUNTER_DROP_NO_CONNECTION,
  COUNTER_DROP_WATCH_LIST, COUNTER_DROP_TCP_INVALID,
  ...Array.from({ length: FAULT_COUNT - 1 }, (_, i) => COUNTER_FAULT_BASE + 1 + i),
];
