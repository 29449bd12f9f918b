/**
 * Host sessions: the auth-proxy cache entries of client hosts as the engine keeps them —
 * created when a host's first intercepted SYN arrives, authorized (user, downloaded ACL
 * entries, timers) by the login service, accounted per packet, and removed with a reason when
 * a timer runs out or `clear ip auth-proxy cache` asks. AAA (accounting, disconnects) lives here.
 */
import type { PacketMeta } from '../wire/packet.js';
import { wireOctets } from '../wire/packet.js';
import { formatIpIos } from '../wire/addr.js';
import type { DynamicAclText } from '../acl/api.js';
import { AuthCacheFullError, HostNotConnectedError, NoHostSessionError } from '../errors.js';
import type { DownloadedAclError, DynamicAclTargetError } from '../errors.js';
import {
  AP_STATE_HTTP_ESTAB, AP_DELETE_REASONS, AP_DELETE_CLEAR, AP_DELETE_DISCONNECT, AP_DELETE_IDLE, AP_END_RELOGIN,
} from '../authproxy/states.js';
import { DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION, DEBUG_TIMERS } from './debug.js';
import { COUNTER_HOSTS_CREATED, COUNTER_HOSTS_EXPIRED } from './counters.js';
import type { EngineState } from './state.js';
import { PORT_INDEXES, portIndexOfBit } from './ports.js';
import {
  USAGE_FIELDS, USAGE_OCTETS_FROM_HOST, USAGE_OCTETS_TO_HOST, USAGE_PACKETS_FROM_HOST, USAGE_PACKETS_TO_HOST,
  USAGE_SESSION_ID, USAGE_START_MS,
} from './session-hooks.js';
import type { SessionListener } from './session-hooks.js';

const MINUTE_MS = 60_000;

/**
 * What a login's authorization did: the host is authenticated, or nothing changed and why (an
 * error of the catalogue, returned rather than thrown: the engine never throws; the control
 * plane may).
 */
export type AuthorizeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: DownloadedAclError | DynamicAclTargetError | HostNotConnectedError | AuthCacheFullError };

/** What a change of an authorized session's entries did (see {@link HostSessions.replaceEntries}). */
export type ReplaceEntriesResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: DownloadedAclError | DynamicAclTargetError | NoHostSessionError };

/** The engine's room for host sessions. */
export class HostSessions {
  private readonly scratchAddr = new Uint32Array(4);
  /**
   * Accounting session id of each cache slot's current entry (`Acct-Session-Id`, RFC 2866 §5.5:
   * unique to the session): numbered from 1 in order of creation, never reused when a slot is.
   */
  private sessionIds = new Float64Array(64);
  private nextSessionId = 1;
  /**
   * 1 while a cache slot's entry is unproven: made by an intercepted SYN, and since then no
   * connection of the host has been established and the host has not logged in. Such an entry
   * goes with its host's last connection ({@link abandoned}), so spoofed SYNs below the
   * half-open limit leave no entry behind their abandoned handshakes.
   */
  private unproven = new Uint8Array(64);
  /** 1 while a cache slot's entry has an authorized session (see session-hooks.ts). */
  private authorized = new Uint8Array(64);
  /** Engine time each slot's authorized session started. */
  private startedMs = new Float64Array(64);
  /**
   * How each slot's authorized session's user was authenticated, as the login said it
   * ({@link Engine.authorizeHost}'s `authentic`: RFC 2866 §5.6 Acct-Authentic, 0 not known).
   */
  private authentic = new Uint8Array(64);
  /** The usage snapshot handed to {@link listener} (reused). */
  private readonly usage = new Float64Array(USAGE_FIELDS);
  /** Told of sessions' starts and ends (accounting), or null. */
  listener: SessionListener | null = null;

  constructor(private readonly s: EngineState) {}

  /**
   * Creates the cache entry of a host whose first intercepted SYN (source port `port`) arrived
   * on interface `ingress`, with inactivity timeout `cacheMs`; returns its slot, or -1 if the
   * cache is full. The caller then says so with {@link announceCreated} (after its own debug lines).
   */
  create(words: Uint32Array, port: number, ingress: number, cacheMs: number, nowMs: number): number {
    const s = this.s;
    const host = s.cache.create(words, port, ingress, cacheMs, nowMs);
    if (host >= 0) {
      this.created(host);
      this.unproven[host] = 1;
    }
    return host;
  }

  /** Counts a new cache entry in `host` and gives it the next session id. */
  private created(host: number): void {
    this.s.counters[COUNTER_HOSTS_CREATED]!++;
    if (host >= this.sessionIds.length) {
      let n = this.sessionIds.length * 2;
      while (n <= host) n *= 2;
      this.sessionIds = lengthened(this.sessionIds, new Float64Array(n));
      this.unproven = lengthened(this.unproven, new Uint8Array(n));
      this.authorized = lengthened(this.authorized, new Uint8Array(n));
      this.startedMs = lengthened(this.startedMs, new Float64Array(n));
      this.authentic = lengthened(this.authentic, new Uint8Array(n));
    }
    this.sessionIds[host] = this.nextSessionId++;
    this.unproven[host] = 0;
    this.authorized[host] = 0;
    this.authentic[host] = 0;
  }

  /** A connection of the host in cache slot `host` was established: its entry is proven. */
  established(host: number): void {
    this.unproven[host] = 0;
  }

  /**
   * A connection of the host in cache slot `host` was released without ever having been
   * established (handshake abandoned or timed out, or reset in SYN-RECEIVED; RFC 9293 §3.10.7.3,
   * RFC 4987 §3.2). If it was the host's last connection and the entry is unproven, the entry
   * goes, as an idle one does (the host never got further than a SYN, so nothing but the
   * inactivity timer would remove it, and a SYN flood from spoofed sources would fill the cache
   * at the rate of the half-open limit per handshake timeout).
   */
  abandoned(host: number, nowMs: number): void {
    const s = this.s;
    if (this.unproven[host] !== 1 || s.cache.nodataConns[host]! !== 0) return;
    this.unproven[host] = 0;
    this.release(host, AP_DELETE_IDLE, nowMs);
    s.cache.remove(host);
    s.counters[COUNTER_HOSTS_EXPIRED]!++;
  }

  /** Accounting session id of the entry in cache slot `host`. */
  sessionId(host: number): number {
    return this.sessionIds[host]!;
  }

  /** How the user of the session in cache slot `host` was authenticated (see {@link authentic}). */
  authenticOf(host: number): number {
    return this.authentic[host]!;
  }

  /** The `object-creation` debug line of a host entry just created by {@link create}. */
  announceCreated(host: number, port: number, nowMs: number): void {
    const s = this.s;
    if ((s.debugFlags & DEBUG_OBJECT_CREATION) !== 0) {
      s.debug.event(nowMs, DEBUG_OBJECT_CREATION,
        `AUTH-PROXY OBJ_CREATE: acct-session-id ${this.sessionIds[host]!} cache entry for ${this.hostText(host)} port ${port}`);
    }
  }

  /**
   * An authenticated host sent a forwarded packet: refresh its inactivity timer, count it (a
   * super-packet as its segments, octets as they go on the wire).
   */
  accountOut(host: number, meta: PacketMeta, nowMs: number): void {
    const cache = this.s.cache;
    cache.touch(host, nowMs);
    cache.packetsOut[host]! += meta.segments;
    cache.octetsOut[host]! += wireOctets(meta);
  }

  /**
   * Counts return traffic to an authenticated host for accounting (as {@link accountOut} does);
   * true if there was one.
   */
  accountReturn(meta: PacketMeta, nowMs: number): boolean {
    const cache = this.s.cache;
    if (cache.count === 0) return false;
    const host = cache.lookup(meta.dstAddr);
    if (host >= 0 && cache.state[host] === AP_STATE_HTTP_ESTAB) {
      cache.touch(host, nowMs);
      cache.packetsIn[host]! += meta.segments;
      cache.octetsIn[host]! += wireOctets(meta);
      return true;
    }
    return false;
  }

  /** Removes the entries whose timers ran out at `nowMs` (with their ACL entries). */
  expire(nowMs: number): void {
    const s = this.s;
    if (s.cache.nextDeadline() <= nowMs) {
      s.counters[COUNTER_HOSTS_EXPIRED]! += s.cache.expire(nowMs, this.onHostExpire);
    }
  }

  private readonly onHostExpire = (slot: number, reason: number, nowMs: number): void => {
    this.release(slot, reason, nowMs);
  };

  /**
   * Removes a host's dynamic ACL entries and says so (the cache frees the slot); an authorized
   * session ends first (its listener is told, with the counters as they stand).
   */
  private release(slot: number, reason: number, nowMs: number): void {
    const s = this.s;
    if (this.authorized[slot] === 1) this.endSession(slot, reason, nowMs);
    const list = s.cache.aclList[slot]!;
    const addr = this.scratchAddr;
    for (let w = 0; w < 4; w++) addr[w] = s.cache.addr[slot * 4 + w]!;
    if (list >= 0) s.acls.removeDynamic(list, addr);
    if ((s.debugFlags & (DEBUG_OBJECT_DELETION | DEBUG_TIMERS)) !== 0) {
      s.debug.event(nowMs, DEBUG_OBJECT_DELETION,
        `AUTH-PROXY OBJ_DELETE: delete auth_cache entry for ${this.hostText(slot)} (${AP_DELETE_REASONS[reason]})`);
    }
  }

  /** Ends the authorized session of `slot`: fills the usage snapshot and tells the listener. */
  private endSession(slot: number, reason: number, nowMs: number): void {
    const listener = this.listener;
    if (listener !== null) this.usageOf(slot, this.usage);
    this.authorized[slot] = 0;
    if (listener !== null) listener.sessionEnded(slot, reason, this.usage, nowMs);
  }

  /**
   * Writes the counters of the authorized session of `slot` into `out` (`USAGE_*` indices);
   * false (and nothing written) when the slot has no authorized session.
   */
  usageOf(slot: number, out: Float64Array): boolean {
    if (this.authorized[slot] !== 1) return false;
    const cache = this.s.cache;
    out[USAGE_SESSION_ID] = this.sessionIds[slot]!;
    out[USAGE_START_MS] = this.startedMs[slot]!;
    out[USAGE_OCTETS_FROM_HOST] = cache.octetsOut[slot]!;
    out[USAGE_PACKETS_FROM_HOST] = cache.packetsOut[slot]!;
    out[USAGE_OCTETS_TO_HOST] = cache.octetsIn[slot]!;
    out[USAGE_PACKETS_TO_HOST] = cache.packetsIn[slot]!;
    return true;
  }

  /** True if the entry in `slot` has an authorized session. */
  isAuthorized(slot: number): boolean {
    return this.authorized[slot] === 1;
  }

  // ---- control plane (may allocate) -----------------------------------------------------------

  /** See {@link Engine.authorizeHost}. */
  authorize(words: Uint32Array, user: string, entries: readonly DynamicAclText[], nowMs: number,
    proto: number, authentic: number): AuthorizeResult {
    const s = this.s;
    const cache = s.cache;
    let host = cache.lookup(words);
    const ingress = host >= 0 ? cache.ifIndex[host]! : s.interfaces.interfaceOf(words);
    if (ingress < 0) return { ok: false, error: new HostNotConnectedError(formatIpIos(words)) };
    const v4 = words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
    const list = v4 ? s.interfaces.aclIn4[ingress]! : s.interfaces.aclIn6[ingress]!;
    if (list >= 0 && entries.length > 0) {
      const r = s.acls.installDynamic(list, words, entries);
      if (!r.ok) {
        if (s.messages !== null) {
          s.messages(nowMs, `AUTH-PROXY: login of ${user} from ${formatIpIos(words)} rejected: downloaded ACL not ` +
            `installed (${r.error.message})`);
        }
        return r;
      }
    }
    // A new login without entries must not leave the previous login's entries behind.
    if (host >= 0 && entries.length === 0 && cache.aclList[host]! >= 0) {
      s.acls.removeDynamic(cache.aclList[host]!, words);
    }
    const rule = s.interfaces.rule[ingress]!;
    // The inactivity time of the protocol the user logged in through (its rule line's `auth-cache-time`).
    const cacheMs = rule >= 0 ? s.ruleCacheTimeMs[rule * PORT_INDEXES + portIndexOfBit(proto)]! : s.defaultCacheTimeMs;
    if (host < 0) {
      host = cache.create(words, 0, ingress, cacheMs, nowMs);
      if (host < 0) {
        if (list >= 0 && entries.length > 0) s.acls.removeDynamic(list, words);
        return { ok: false, error: new AuthCacheFullError(formatIpIos(words), cache.capacity) };
      }
      this.created(host);
    }
    this.unproven[host] = 0;
    // A host that logs in again ends its session; the new login is a new session (new id).
    if (this.authorized[host] === 1) {
      this.endSession(host, AP_END_RELOGIN, nowMs);
      this.sessionIds[host] = this.nextSessionId++;
    }
    cache.setState(host, AP_STATE_HTTP_ESTAB);
    cache.setUser(host, user);
    this.authentic[host] = authentic;
    cache.aclList[host] = list >= 0 && entries.length > 0 ? list : -1;
    cache.setTimers(host, cacheMs, s.absoluteMs, nowMs);
    this.startSession(host, nowMs);
    return { ok: true };
  }

  /** Starts the authorized session of `host`: its counters from zero, the listener told. */
  private startSession(host: number, nowMs: number): void {
    const cache = this.s.cache;
    cache.octetsOut[host] = 0;
    cache.packetsOut[host] = 0;
    cache.octetsIn[host] = 0;
    cache.packetsIn[host] = 0;
    this.authorized[host] = 1;
    this.startedMs[host] = nowMs;
    this.listener?.sessionStarted(host, nowMs);
  }

  /**
   * Replaces the downloaded entries of the authorized host `words` with `entries` (none: its
   * entries go), atomically: on a parse error nothing changes. The session goes on (same id,
   * timers, counters). Connections already let through keep their flows.
   */
  replaceEntries(words: Uint32Array, entries: readonly DynamicAclText[]): ReplaceEntriesResult {
    const s = this.s;
    const cache = s.cache;
    const host = cache.lookup(words);
    if (host < 0 || this.authorized[host] !== 1) return { ok: false, error: new NoHostSessionError(formatIpIos(words)) };
    const ingress = cache.ifIndex[host]!;
    const v4 = words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
    const list = v4 ? s.interfaces.aclIn4[ingress]! : s.interfaces.aclIn6[ingress]!;
    if (list >= 0 && entries.length > 0) {
      const r = s.acls.installDynamic(list, words, entries);
      if (!r.ok) return r;
      cache.aclList[host] = list;
      return { ok: true };
    }
    if (cache.aclList[host]! >= 0) s.acls.removeDynamic(cache.aclList[host]!, words);
    cache.aclList[host] = -1;
    return { ok: true };
  }

  /**
   * Removes the entry of the authorized host `words` (a RADIUS Disconnect-Request, RFC 5176):
   * its session ends with reason `disconnect`. False when it has no authorized session.
   */
  disconnect(words: Uint32Array, nowMs: number): boolean {
    const host = this.s.cache.lookup(words);
    if (host < 0 || this.authorized[host] !== 1) return false;
    return this.clear(words, nowMs, AP_DELETE_DISCONNECT) === 1;
  }

  /** Sets the auth-proxy state of a host's entry; false if it has none. */
  setState(words: Uint32Array, state: number): boolean {
    const cache = this.s.cache;
    const host = cache.lookup(words);
    if (host < 0) return false;
    cache.setState(host, state);
    return true;
  }

  /**
   * `clear ip auth-proxy cache *|HOST` (null: all): removes entries and their ACL entries, for
   * `reason` (default clear; a Disconnect-Request, the gateway stopping). Returns how many.
   */
  clear(words: Uint32Array | null, nowMs: number, reason = AP_DELETE_CLEAR): number {
    const cache = this.s.cache;
    const slots: number[] = [];
    if (words === null) cache.forEach((slot) => slots.push(slot));
    else {
      const slot = cache.lookup(words);
      if (slot >= 0) slots.push(slot);
    }
    for (const slot of slots) {
      this.release(slot, reason, nowMs);
      cache.remove(slot);
    }
    return slots.length;
  }

  /** Text form of a host's address. */
  hostText(slot: number): string {
    return formatIpIos(this.s.cache.addr.subarray(slot * 4, slot * 4 + 4));
  }

  /** Inactivity timeout of a cache entry, in whole minutes (`show ip auth-proxy cache`). */
  hostTimeoutMin(slot: number): number {
    return Math.round(this.s.cache.inactivityMs[slot]! / MINUTE_MS);
  }
}

/** `to` (longer) with `from` copied into its start. */
function lengthened<T extends Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
