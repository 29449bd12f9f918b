/**
 * The RFC 8908 Captive Portal API (`ip auth-proxy captive-portal-api`) on the login service:
 * `GET https://GATEWAY[:secure-port]/captive-portal/api` answers the asking client (by its
 * source address) with `application/captive+json` (RFC 8908 §5): `captive` — not yet let
 * through (its auth-cache entry is not HTTP_ESTAB) —, `user-portal-url` — the login page (the
 * login-redirect site when one is configured) —, and once let through `seconds-remaining`, the
 * time until its entry goes if the host sends nothing more (the inactivity timer, or the
 * absolute timer's end if that comes first; traffic pushes the inactivity end on), and
 * `can-extend-session: true` (logging in again restarts both timers). The URI is handed to
 * clients by DHCP or router advertisements (RFC 8910), whose option values `show ip auth-proxy
 * configuration` prints.
 */
import type { Engine } from '../engine/engine.js';
import { AP_STATE_HTTP_ESTAB } from '../authproxy/states.js';
import type { ClientAddress } from './client-address.js';

/** The API's state for `client` at `nowMs`, as the JSON text to send. */
export function captivePortalJson(engine: Engine, client: ClientAddress, portalUrl: string, nowMs: number): string {
  const cache = engine.cache;
  const slot = cache.lookup(client.words);
  if (slot < 0 || cache.state[slot] !== AP_STATE_HTTP_ESTAB) {
    return JSON.stringify({ captive: true, 'user-portal-url': portalUrl });
  }
  const idleEnd = cache.lastActivityMs[slot]! + cache.inactivityMs[slot]!;
  const absoluteEnd = cache.absoluteDeadlineMs[slot]! > 0 ? cache.absoluteDeadlineMs[slot]! : Infinity;
  const remaining = Math.max(0, Math.floor((Math.min(idleEnd, absoluteEnd) - nowMs) / 1000));
  return JSON.stringify({ captive: false, 'user-portal-url': portalUrl, 'seconds-remaining': remaining, 'can-extend-session': true });
}
