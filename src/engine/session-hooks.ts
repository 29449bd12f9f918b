/**
 * How the engine tells its adapter that an authorized host session starts and ends (RADIUS
 * accounting, RFC 2866, lives above the engine and listens here).
 *
 * A session starts when a login's authorization succeeds ({@link Engine.authorizeHost}) and
 * ends when its cache entry goes (inactivity or absolute timer, `clear ip auth-proxy cache`, a
 * Disconnect-Request, the gateway stopping) or when the host logs in again (the old session
 * ends, a new one with a new session id starts). An entry that was never authorized (a host
 * that only saw the login page) has no session and calls nothing.
 *
 * The end is reported from inside the engine's removal path, before the slot is freed, with a
 * snapshot of the session's counters in a typed array the engine owns and reuses: nothing is
 * allocated for it, so a timer expiring during a packet batch costs the data plane a call. The
 * listener copies what it needs during the call (the slot's user and address are still readable
 * through the engine then) and must not call back into the engine.
 */

/** Index in a usage snapshot: the session's Acct-Session-Id (the engine's session id). */
export const USAGE_SESSION_ID = 0;
/** Engine time (ms) the session started: its login's authorization. */
export const USAGE_START_MS = 1;
/** Octets and packets the host sent through the gateway (RFC 2866 §5.3/§5.8: input, from the user). */
export const USAGE_OCTETS_FROM_HOST = 2;
export const USAGE_PACKETS_FROM_HOST = 3;
/** Octets and packets of return traffic to the host (RFC 2866 §5.4/§5.9: output, to the user). */
export const USAGE_OCTETS_TO_HOST = 4;
export const USAGE_PACKETS_TO_HOST = 5;
/** Length of a usage snapshot. */
export const USAGE_FIELDS = 6;

/** Receives the start and end of authorized host sessions (see the module comment). */
export interface SessionListener {
  /**
   * The host in cache slot `slot` was authorized at `nowMs`: a new session (its id, user and
   * address are readable through the engine during the call). Control plane.
   */
  sessionStarted(slot: number, nowMs: number): void;
  /**
   * The session of cache slot `slot` ended at `nowMs` for `reason` (an `AP_DELETE_*` reason or
   * `AP_END_RELOGIN`); `usage` holds its counters (`USAGE_*` indices) and is reused after the
   * call returns.
   */
  sessionEnded(slot: number, reason: number, usage: Float64Array, nowMs: number): void;
}
