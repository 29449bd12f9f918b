/**
 * `show ip auth-proxy cache` (spec §4) and `show ip auth-proxy statistics` (portcullis's own
 * format: a header line, then one `name value` line per nonzero counter) from an engine.
 */
import type { Engine } from '../engine/engine.js';
import { AP_STATE_NAMES } from '../authproxy/states.js';
import { COUNTER_NAMES } from '../engine/counters.js';

/** `show ip auth-proxy cache`: one line per host, oldest entry first. */
export function renderShowAuthProxyCache(engine: Engine): string {
  const cache = engine.cache;
  const slots: number[] = [];
  cache.forEach((s) => slots.push(s));
  slots.sort((a, b) => cache.createdMs[a]! - cache.createdMs[b]! || a - b);
  let out = 'Authentication Proxy Cache\n';
  for (const s of slots) {
    out += ` Client IP ${engine.hostText(s)} Port ${cache.createPort[s]}, timeout ${engine.hostTimeoutMin(s)}, ` +
      `state ${AP_STATE_NAMES[cache.state[s]!]}\n`;
  }
  return out;
}

/** `show ip auth-proxy statistics`: the engine's nonzero counters and current gauges. */
export function renderShowAuthProxyStatistics(engine: Engine): string {
  const rows: [string, number][] = [
    ['cache-entries', engine.cache.count],
    ['half-open', engine.halfOpenCount],
    ['intercepted-connections', engine.endpoint.connectionCount()],
    ['flows', engine.flows.count],
  ];
  const c = engine.counters;
  for (let i = 0; i < c.length; i++) if (c[i] !== 0) rows.push([COUNTER_NAMES[i]!, c[i]!]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return 'Authentication Proxy Statistics\n' + rows.map(([k, v]) => ` ${k.padEnd(w)} ${v}\n`).join('');
}
