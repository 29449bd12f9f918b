/**
 * The explicit proxy's block of `show ip auth-proxy statistics` (`ip auth-proxy proxy-listener`,
 * src/login/explicit-proxy.ts): after the spec §4 lines (header, gauges, nonzero engine
 * counters, show-cache.ts), a header naming the port, then one ` name value` line for each of
 * the proxy's counters, zeros included (the block is short, and "0 refused" is an answer).
 * The format is portcullis's own (README "show formats").
 */
import type { ProxyStats } from '../login/explicit-proxy.js';

/** The proxy's counters in the order shown, with their names. */
export const PROXY_STAT_ROWS: readonly (readonly [string, keyof ProxyStats])[] = [
  ['requests', 'requests'],
  ['tunnels', 'tunnels'],
  ['logins', 'logins'],
  ['remembered', 'remembered'],
  ['challenged', 'challenged'],
  ['rejected', 'rejected'],
  ['resent-refused', 'resentRefused'],
  ['watch-listed', 'watchListed'],
  ['refused-by-acl', 'refusedByAcl'],
  ['upstream-errors', 'upstreamErrors'],
  ['bad-requests', 'badRequests'],
  ['per-source-refused', 'perSourceRefused'],
];

/** What the block is rendered from: the running proxy's port and counters. */
export interface ProxyShowState {
  readonly port: number;
  readonly stats: ProxyStats;
}

/** The explicit proxy's block: `Explicit Proxy Statistics, port N`, then every counter. */
export function renderShowProxyStatistics(p: ProxyShowState): string {
  const w = Math.max(...PROXY_STAT_ROWS.map((r) => r[0].length));
  return `Explicit Proxy Statistics, port ${p.port}\n` + PROXY_STAT_ROWS.map(([name, key]) => ` ${name.padEnd(w)} ${p.stats[key]}\n`).join('');
}
