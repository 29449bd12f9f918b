/**
 * Failed logins and the watch list, as the engine keeps them (src/authproxy/watch-list.ts holds
 * the table): the login service reports each login's outcome, a host is listed after
 * `max-login-attempts` failures in a row (when the watch list is on), the verdict path drops a
 * listed host's intercepted connections, and entries leave the list when `expiry-time` runs out
 * or `clear ip auth-proxy watch-list` asks. A host's cache entry shows it: state AUTHC_FAIL after
 * a failure, WATCH_LIST while listed, INIT again when it leaves the list.
 */
import { formatIpIos } from '../wire/addr.js';
import {
  WatchList, FAILURE_LISTED, WATCH_KIND_COUNTING, WATCH_KIND_NAMES, WATCH_REMOVE_REASONS,
} from '../authproxy/watch-list.js';
import { AP_STATE_AUTHC_FAIL, AP_STATE_HTTP_ESTAB, AP_STATE_INIT, AP_STATE_WATCH_LIST } from '../authproxy/states.js';
import { DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION } from './debug.js';
import type { EngineState } from './state.js';

/** The engine's room for failed logins and the watch list. */
export class HostWatch {
  private readonly scratch = new Uint32Array(4);

  constructor(private readonly s: EngineState, readonly list: WatchList) {}

  /**
   * A login from `words` failed (rejected, or a privilege below 15): counted; the host's entry
   * (unless it is authenticated already) goes to AUTHC_FAIL, or to WATCH_LIST when this failure
   * lists it. Returns a FAILURE_* code of the watch list.
   */
  loginFailed(words: Uint32Array, nowMs: number): number {
    const r = this.list.recordFailure(words, nowMs);
    const listed = this.list.isListed(words, nowMs);
    const cache = this.s.cache;
    const host = cache.lookup(words);
    if (host >= 0 && cache.state[host] !== AP_STATE_HTTP_ESTAB) {
      cache.setState(host, listed ? AP_STATE_WATCH_LIST : AP_STATE_AUTHC_FAIL);
    }
    if (r === FAILURE_LISTED) this.announceListed(this.list.lookup(words), nowMs);
    return r;
  }

  /** A login from `words` succeeded: its failures are forgotten. */
  loginSucceeded(words: Uint32Array): void {
    this.list.forgetFailures(words);
  }

  /** Lists `words` by hand (never expires); false if the table is full of listed hosts. */
  add(words: Uint32Array, nowMs: number): boolean {
    const slot = this.list.addManual(words, nowMs);
    if (slot < 0) return false;
    const cache = this.s.cache;
    const host = cache.lookup(words);
    if (host >= 0 && this.list.enabled && cache.state[host] !== AP_STATE_HTTP_ESTAB) cache.setState(host, AP_STATE_WATCH_LIST);
    this.announceListed(slot, nowMs);
    return true;
  }

  /** `clear ip auth-proxy watch-list *|ADDRESS`; returns how many entries left the list. */
  clear(words: Uint32Array | null, nowMs: number): number {
    return this.list.clear(words, nowMs, this.onRemove);
  }

  /** Removes the entries whose expiry time has come. */
  expire(nowMs: number): void {
    if (this.list.nextDeadline() <= nowMs) this.list.expire(nowMs, this.onRemove);
  }

  /** A listed entry leaves the list: the host's entry returns to INIT, and `object-deletion` says so. */
  private readonly onRemove = (slot: number, reason: number, nowMs: number): void => {
    const s = this.s;
    const addr = this.scratch;
    for (let w = 0; w < 4; w++) addr[w] = this.list.addr[slot * 4 + w]!;
    const host = s.cache.lookup(addr);
    if (host >= 0 && s.cache.state[host] === AP_STATE_WATCH_LIST) s.cache.setState(host, AP_STATE_INIT);
    if ((s.debugFlags & DEBUG_OBJECT_DELETION) !== 0) {
      s.debug.event(nowMs, DEBUG_OBJECT_DELETION,
        `AUTH-PROXY OBJ_DELETE: delete watch-list entry for ${formatIpIos(addr)} (${WATCH_REMOVE_REASONS[reason]})`);
    }
  };

  private announceListed(slot: number, nowMs: number): void {
    const s = this.s;
    if (slot < 0 || (s.debugFlags & DEBUG_OBJECT_CREATION) === 0) return;
    const kind = this.list.kind[slot]!;
    if (kind === WATCH_KIND_COUNTING) return;
    s.debug.event(nowMs, DEBUG_OBJECT_CREATION,
      `AUTH-PROXY OBJ_CREATE: watch-list entry for ${formatIpIos(this.list.addr.subarray(slot * 4, slot * 4 + 4))} ` +
      `(${WATCH_KIND_NAMES[kind]})`);
  }
}
