/**
 * The flow table's options, checked and completed with their defaults before the table is
 * built: what `new FlowTable(options)` throws {@link InvalidOptionError} for, and the idle
 * timeout of each TCP tracker state that the options imply.
 */
import { InvalidOptionError } from '../errors.js';
import { hashKeyFromSeed, type HashKey } from '../table/keyed-hash.js';
import { FLOW_DEFAULT_TIMEOUTS, type FlowTableOptions, type FlowTimeouts } from './flow-types.js';
import {
  TCP_CT_CLOSE_WAIT, TCP_CT_CLOSED, TCP_CT_ESTABLISHED, TCP_CT_FIN_WAIT, TCP_CT_LAST_ACK, TCP_CT_NONE,
  TCP_CT_STATE_COUNT, TCP_CT_SYN_RECEIVED, TCP_CT_SYN_SENT, TCP_CT_TIME_WAIT,
} from './tcp-tracker.js';

/** Largest capacity accepted (1 GiB of records). */
const FLOW_MAX_CAPACITY = 1 << 23;

/** The key of tables built without one (tests, benchmarks); the engine passes the process key. */
const DEFAULT_KEY = hashKeyFromSeed(0);

/** {@link FlowTableOptions} checked, every field given. */
export interface ResolvedFlowTableOptions {
  readonly capacity: number;
  readonly midstreamPickup: boolean;
  readonly earlyDrop: boolean;
  /** Frozen. */
  readonly timeouts: FlowTimeouts;
  readonly hashKey: HashKey;
  readonly tickMs: number;
  readonly wheelSlots: number;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/**
 * Checks `opts` and fills in the defaults; throws {@link InvalidOptionError} naming the option.
 * A half-closed timeout not given follows the established one when that is given.
 */
export function resolveFlowTableOptions(opts: FlowTableOptions): ResolvedFlowTableOptions {
  const cap = opts.capacity;
  if (!Number.isInteger(cap) || cap < 1 || cap > FLOW_MAX_CAPACITY) {
    throw new InvalidOptionError('flow table', 'capacity', `must be an integer from 1 to ${FLOW_MAX_CAPACITY}, got ${cap}`);
  }
  const t: Record<string, number> = { ...FLOW_DEFAULT_TIMEOUTS };
  const given = opts.timeouts ?? {};
  for (const name of Object.keys(FLOW_DEFAULT_TIMEOUTS)) {
    const v = (given as Record<string, number | undefined>)[name];
    if (v === undefined) continue;
    if (!(Number.isFinite(v) && v > 0)) {
      throw new InvalidOptionError('flow table', `timeouts.${name}`, `must be a positive number of ms, got ${v}`);
    }
    t[name] = v;
  }
  for (const name of Object.keys(given)) {
    if (!(name in FLOW_DEFAULT_TIMEOUTS)) throw new InvalidOptionError('flow table', `timeouts.${name}`, 'unknown timeout');
  }
  if (given.tcpHalfClosedMs === undefined && given.tcpEstablishedMs !== undefined) {
    t['tcpHalfClosedMs'] = given.tcpEstablishedMs;
  }
  const tickMs = opts.tickMs ?? 1000;
  if (!(Number.isFinite(tickMs) && tickMs > 0)) {
    throw new InvalidOptionError('flow table', 'tickMs', `must be a positive number, got ${tickMs}`);
  }
  const wheelSlots = opts.wheelSlots ?? 4096;
  if (!isPowerOfTwo(wheelSlots) || wheelSlots > 1 << 20) {
    throw new InvalidOptionError('flow table', 'wheelSlots', `must be a power of two up to ${1 << 20}, got ${wheelSlots}`);
  }
  return {
    capacity: cap,
    midstreamPickup: opts.midstreamPickup === true,
    earlyDrop: opts.earlyDrop !== false,
    timeouts: Object.freeze(t as unknown as FlowTimeouts),
    hashKey: opts.hashKey ?? DEFAULT_KEY,
    tickMs,
    wheelSlots,
  };
}

/** The idle timeout of a TCP flow in each tracker state (`TCP_CT_*`), from `timeouts`. */
export function tcpTimeoutsByState(timeouts: FlowTimeouts): Float64Array {
  const tt = new Float64Array(TCP_CT_STATE_COUNT);
  tt[TCP_CT_NONE] = timeouts.tcpHandshakeMs;
  tt[TCP_CT_SYN_SENT] = timeouts.tcpHandshakeMs;
  tt[TCP_CT_SYN_RECEIVED] = timeouts.tcpHandshakeMs;
  tt[TCP_CT_ESTABLISHED] = timeouts.tcpEstablishedMs;
  tt[TCP_CT_FIN_WAIT] = timeouts.tcpHalfClosedMs;
  tt[TCP_CT_CLOSE_WAIT] = timeouts.tcpHalfClosedMs;
  tt[TCP_CT_LAST_ACK] = timeouts.tcpClosingMs;
  tt[TCP_CT_TIME_WAIT] = timeouts.tcpClosingMs;
  tt[TCP_CT_CLOSED] = timeouts.tcpClosingMs;
  return tt;
}
