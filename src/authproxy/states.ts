/**
 * Auth-proxy connection states, numbered as `debug ip auth-proxy detailed` prints them and
 * named as `show ip auth-proxy cache` prints them (spec §2 table).
 */
export const AP_STATE_INIT = 0;
export const AP_STATE_HTTP_REQ = 1;
export const AP_STATE_HTTP_ESTAB = 2;
export const AP_STATE_HTTP_NO_RESP = 3;
export const AP_STATE_AUTHC_FAIL = 4;
export const AP_STATE_WATCH_LIST = 5;
export const AP_STATE_FIN_WAIT = 6;

export const AP_STATE_NAMES: readonly string[] = [
  'INIT',
  'HTTP_REQ',
  'HTTP_ESTAB',
  'HTTP_NO_RESP',
  'AUTHC_FAIL',
  'WATCH_LIST',
  'FIN_WAIT',
];

/** Why a cache entry was removed (debug `object-deletion`, accounting stop). */
export const AP_DELETE_IDLE = 0;
export const AP_DELETE_ABSOLUTE = 1;
export const AP_DELETE_CLEAR = 2;
export const AP_DELETE_DISCONNECT = 3;
/** The gateway stops: every entry goes with it. */
export const AP_DELETE_SHUTDOWN = 4;
/**
 * Not a removal: an authorized host logged in again, so its accounting session ends and a new
 * one starts on the same entry (no `OBJ_DELETE` line is printed for it).
 */
export const AP_END_RELOGIN = 5;

export const AP_DELETE_REASONS: readonly string[] = ['idle', 'absolute', 'clear', 'disconnect', 'shutdown', 'relogin'];
