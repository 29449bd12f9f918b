/**
 * `show ip auth-proxy watch-list`: portcullis's own format (spec §4 — a header line, then one
 * line per item), in the words of IOS's output (entry types `MAX_ATTEMPTS` and `MANUAL_ENTRY`,
 * the violation count):
 *
 *     Authentication Proxy Watch List is enabled, expiry time 30 minutes
 *      Client IP 10.1.0.5, type MAX_ATTEMPTS, violations 5, expires in 29 minutes
 *      Client IP 10.1.0.42, type MANUAL_ENTRY, violations N/A, never expires
 *
 * Listed hosts only (hosts whose failed logins are being counted are not on the list), oldest
 * first. `expires in` is rounded up to whole minutes.
 */
import type { Engine } from '../engine/engine.js';
import { WATCH_KIND_COUNTING, WATCH_KIND_MANUAL, WATCH_KIND_NAMES } from '../authproxy/watch-list.js';
import { formatIpIos } from '../wire/addr.js';

const MINUTE_MS = 60_000;

/** Renders `show ip auth-proxy watch-list` for `engine` at engine time `nowMs`. */
export function renderShowAuthProxyWatchList(engine: Engine, nowMs: number): string {
  const wl = engine.watchList;
  const expiry = wl.expiryMs === 0 ? 'infinite' : `${Math.round(wl.expiryMs / MINUTE_MS)} minutes`;
  let out = `Authentication Proxy Watch List is ${wl.enabled ? 'enabled' : 'disabled'}, expiry time ${expiry}\n`;
  const slots: number[] = [];
  wl.forEach((s) => {
    if (wl.kind[s] !== WATCH_KIND_COUNTING && wl.deadlineMs[s]! > nowMs) slots.push(s);
  });
  slots.sort((a, b) => wl.sinceMs[a]! - wl.sinceMs[b]! || a - b);
  for (const s of slots) {
    const kind = wl.kind[s]!;
    const d = wl.deadlineMs[s]!;
    const expires = d === Infinity ? 'never expires' : `expires in ${Math.ceil((d - nowMs) / MINUTE_MS)} minutes`;
    out += ` Client IP ${formatIpIos(wl.addr.subarray(s * 4, s * 4 + 4))}, type ${WATCH_KIND_NAMES[kind]}, ` +
      `violations ${kind === WATCH_KIND_MANUAL ? 'N/A' : wl.failures[s]}, ${expires}\n`;
  }
  return out;
}
