/**
 * The login service's `debug ip auth-proxy http` lines (spec §3: `AUTH-PROXY:` prefix, one line
 * per event — login page sent, credentials received with the user name only, AAA request and
 * response), through the engine's debug sink so that they carry the gateway's timestamps and
 * reach every subscriber. Text a client chose (the user name) is made printable and cut, so that
 * it cannot forge or break lines.
 */
import type { Engine } from '../engine/engine.js';
import { DEBUG_HTTP } from '../engine/debug.js';

/** Emits `AUTH-PROXY: <text>` under `debug ip auth-proxy http` if that is on. */
export function httpDebug(engine: Engine, nowMs: number, text: () => string): void {
  if ((engine.debugFlags & DEBUG_HTTP) === 0) return;
  const sink = engine.debug;
  if (sink !== null) sink.event(nowMs, DEBUG_HTTP, `AUTH-PROXY: ${text()}`);
}

/** A user name as debug lines and messages print it: control characters as `\xNN`, at most 64 characters. */
export function printableUser(name: string): string {
  // eslint-disable-next-line no-control-regex
  const s = name.replace(/[\x00-\x1f\x7f-\x9f\\"]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${s.length > 64 ? `${s.slice(0, 64)}…` : s}"`;
}
