/**
 * RADIUS accounting of auth-proxy sessions (RFC 2866, `aaa accounting auth-proxy LIST
 * start-stop group …`): an Accounting-Request Start when a host is authorized, Interim-Update
 * when asked, Stop when its entry goes, with Acct-Session-Id, the session time, the octets and
 * packets the data plane counted each way (with the RFC 2869 §5.1-5.2 Gigawords past 2^32), the
 * terminate cause (RFC 2866 §5.10), and in every record Acct-Authentic (RFC 2866 §5.6) when
 * the session says how its user was authenticated.
 *
 * Sending never blocks the caller: each record is handed to the {@link RadiusClient} (its
 * retransmission, failover and dead-time apply) and the call returns at once. Records in flight
 * are bounded ({@link MAX_ACCOUNTING_IN_FLIGHT}); past the bound a record is dropped and counted
 * rather than queued without end. Nothing here carries a password or key.
 *
 * Order: an Interim-Update or Stop of a session whose Start is still being sent (retransmitted,
 * or failing over) waits until the Start is answered or given up, then goes, with
 * Acct-Delay-Time (RFC 2866 §5.2) saying how long it waited — a server never sees a session's
 * Stop before its Start, and a session that ends that early still gets its Stop.
 *
 * Every record carries Event-Timestamp (RFC 2869 §5.3), the wall-clock second of its event: with
 * the NAS's identity it tells apart sessions of two runs that reuse a session id.
 */
import { isIPv4, isIPv6 } from 'node:net';
import {
  AP_DELETE_ABSOLUTE, AP_DELETE_CLEAR, AP_DELETE_DISCONNECT, AP_DELETE_IDLE, AP_DELETE_SHUTDOWN, AP_END_RELOGIN,
} from '../../authproxy/states.js';
import { parseIpv6 } from '../../wire/addr.js';
import { ACCT_STATUS, NAS_PORT_TYPE_VIRTUAL, RADIUS_ATTR } from './dictionary.js';
import { integerAttribute, textAttribute } from './packet.js';
import type { RadiusAttribute } from './packet.js';
import type { RadiusClient, RadiusServerTarget } from './client.js';
import type { Config } from '../../config/types.js';
import { radiusGroupServers, radiusTargets } from './method.js';

/** Acct-Terminate-Cause values portcullis sends (RFC 2866 §5.10). */
export const TERMINATE_CAUSE = {
  USER_REQUEST: 1,
  LOST_SERVICE: 3,
  IDLE_TIMEOUT: 4,
  SESSION_TIMEOUT: 5,
  ADMIN_RESET: 6,
  ADMIN_REBOOT: 7,
  NAS_ERROR: 9,
  NAS_REQUEST: 10,
  NAS_REBOOT: 11,
} as const;

const FRAMED_IP_ADDRESS = RADIUS_ATTR.FRAMED_IP_ADDRESS;
const FRAMED_IPV6_ADDRESS = RADIUS_ATTR.FRAMED_IPV6_ADDRESS;
/** Acct-Input-Gigawords and Acct-Output-Gigawords (RFC 2869 §5.1, §5.2). */
const ACCT_INPUT_GIGAWORDS = 52;
const ACCT_OUTPUT_GIGAWORDS = 53;

/**
 * The terminate cause (RFC 2866 §5.10) of the end of a session (`AP_DELETE_*`, the engine's
 * `OBJ_DELETE` reasons, and `AP_END_RELOGIN`):
 * - the inactivity timer (`auth-cache-time`) → Idle-Timeout; the absolute timer → Session-Timeout;
 * - `clear ip auth-proxy cache` → Admin-Reset (an administrator's reset of the session), and a
 *   RFC 5176 Disconnect-Request the same (the server's administrator ends it; IOS sends
 *   Admin-Reset for a Packet of Disconnect too);
 * - the gateway stopping (SIGTERM) → Admin-Reboot ("administrator is ending service on the
 *   NAS"); the gateway stopping on an error (a TUN device failed) is NAS-Error, which the
 *   gateway's accounting chooses itself, as only it knows why it stops;
 * - the host logging in again → User-Request (the user replaced the session; a new one starts).
 * Anything else → Lost-Service.
 */
export function terminateCauseOf(reason: number): number {
  switch (reason) {
    case AP_DELETE_IDLE: return TERMINATE_CAUSE.IDLE_TIMEOUT;
    case AP_DELETE_ABSOLUTE: return TERMINATE_CAUSE.SESSION_TIMEOUT;
    case AP_DELETE_CLEAR: return TERMINATE_CAUSE.ADMIN_RESET;
    case AP_DELETE_DISCONNECT: return TERMINATE_CAUSE.ADMIN_RESET;
    case AP_DELETE_SHUTDOWN: return TERMINATE_CAUSE.ADMIN_REBOOT;
    case AP_END_RELOGIN: return TERMINATE_CAUSE.USER_REQUEST;
    default: return TERMINATE_CAUSE.LOST_SERVICE;
  }
}

/** The session a record is about. */
export interface AccountingSession {
  /** Acct-Session-Id (RFC 2866 §5.5), unique per session (the engine's session id). */
  readonly sessionId: string;
  readonly user: string;
  /** The client host's address as text (Framed-IP-Address or Framed-IPv6-Address, Calling-Station-Id). */
  readonly client: string;
  /** Acct-Authentic (RFC 2866 §5.6, `ACCT_AUTHENTIC`): how the user was authenticated; left out when not known. */
  readonly authentic?: number | undefined;
  /** The gateway's address (NAS-IP-Address, or NAS-IPv6-Address for an IPv6 one, RFC 3162 §2.1), if any. */
  readonly nasAddress?: string | undefined;
}

/** What the data plane counted, input being from the client (RFC 2866 §5.3: received from the port). */
export interface AccountingUsage {
  readonly sessionTimeSec: number;
  readonly inputOctets: number;
  readonly outputOctets: number;
  readonly inputPackets: number;
  readonly outputPackets: number;
}

/** Largest number of accounting records in flight at once. */
export const MAX_ACCOUNTING_IN_FLIGHT = 1024;

/** The attributes of one Accounting-Request (Message-Authenticator and authenticator added when encoded). */
export function accountingAttributes(status: number, s: AccountingSession, nasIdentifier: string,
  usage?: AccountingUsage, cause?: number, delaySec = 0): RadiusAttribute[] {
  const a: RadiusAttribute[] = [
    integerAttribute(RADIUS_ATTR.ACCT_STATUS_TYPE, status),
    textAttribute(RADIUS_ATTR.ACCT_SESSION_ID, s.sessionId),
    textAttribute(RADIUS_ATTR.USER_NAME, s.user),
    textAttribute(RADIUS_ATTR.CALLING_STATION_ID, s.client),
    textAttribute(RADIUS_ATTR.NAS_IDENTIFIER, nasIdentifier),
    integerAttribute(RADIUS_ATTR.NAS_PORT_TYPE, NAS_PORT_TYPE_VIRTUAL),
  ];
  if (s.authentic !== undefined) a.push(integerAttribute(RADIUS_ATTR.ACCT_AUTHENTIC, s.authentic));
  const framed = addressAttribute(FRAMED_IP_ADDRESS, FRAMED_IPV6_ADDRESS, s.client);
  if (framed !== undefined) a.push(framed);
  if (s.nasAddress !== undefined) {
    const nas = addressAttribute(RADIUS_ATTR.NAS_IP_ADDRESS, RADIUS_ATTR.NAS_IPV6_ADDRESS, s.nasAddress);
    if (nas !== undefined) a.push(nas);
  }
  if (delaySec > 0) a.push(integerAttribute(RADIUS_ATTR.ACCT_DELAY_TIME, delaySec));
  if (usage !== undefined) {
    a.push(integerAttribute(RADIUS_ATTR.ACCT_SESSION_TIME, Math.floor(usage.sessionTimeSec)));
    pushOctets(a, RADIUS_ATTR.ACCT_INPUT_OCTETS, ACCT_INPUT_GIGAWORDS, usage.inputOctets);
    pushOctets(a, RADIUS_ATTR.ACCT_OUTPUT_OCTETS, ACCT_OUTPUT_GIGAWORDS, usage.outputOctets);
    a.push(integerAttribute(RADIUS_ATTR.ACCT_INPUT_PACKETS, usage.inputPackets % 2 ** 32));
    a.push(integerAttribute(RADIUS_ATTR.ACCT_OUTPUT_PACKETS, usage.outputPackets % 2 ** 32));
  }
  if (cause !== undefined) a.push(integerAttribute(RADIUS_ATTR.ACCT_TERMINATE_CAUSE, cause));
  return a;
}

/** An address attribute of `text`: `v4Type` (4 octets) or `v6Type` (16 octets); undefined if it is neither. */
function addressAttribute(v4Type: number, v6Type: number, text: string): RadiusAttribute | undefined {
  if (isIPv4(text)) return { type: v4Type, value: Uint8Array.from(text.split('.').map(Number)) };
  if (!isIPv6(text)) return undefined;
  const words = parseIpv6(text);
  if (words === undefined) return undefined;
  const value = new Uint8Array(16);
  const view = new DataView(value.buffer);
  for (let i = 0; i < 4; i++) view.setUint32(i * 4, words[i]!);
  return { type: v6Type, value };
}

/** An octet count as its low 32 bits and, when it has more, the Gigawords attribute. */
function pushOctets(a: RadiusAttribute[], type: number, gigawordsType: number, octets: number): void {
  a.push(integerAttribute(type, octets % 2 ** 32));
  const giga = Math.floor(octets / 2 ** 32);
  if (giga > 0) a.push(integerAttribute(gigawordsType, giga));
}

/** What the accounting sent and what became of it. */
export interface AccountingCounters {
  sent: number;
  answered: number;
  /** Records no server acknowledged (all tries of all servers used). */
  unanswered: number;
  /** Records dropped because {@link MAX_ACCOUNTING_IN_FLIGHT} were in flight. */
  dropped: number;
  /** Interim-Update and Stop records that waited for their session's Start to be answered or given up. */
  deferred: number;
}

/** Sends a list's accounting records (see the module comment). */
export class RadiusAccounting {
  readonly counters: AccountingCounters = { sent: 0, answered: 0, unanswered: 0, dropped: 0, deferred: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  /** Starts not yet answered or given up, by Acct-Session-Id. */
  private readonly starts = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private readonly wallMs: () => number;

  /**
   * `nowMs`: a monotonic clock in ms for Acct-Delay-Time (default `performance.now()`);
   * `wallMs`: the wall clock for Event-Timestamp (default `Date.now()`).
   */
  constructor(private readonly client: RadiusClient, private readonly servers: readonly RadiusServerTarget[],
    private readonly nasIdentifier: string, nowMs?: () => number, wallMs?: () => number) {
    this.now = nowMs ?? (() => performance.now());
    this.wallMs = wallMs ?? (() => Date.now());
  }

  /** Accounting Start of an authorized session. */
  start(s: AccountingSession): void {
    const at = this.eventTimestamp();
    const p = this.send(() => [...accountingAttributes(ACCT_STATUS.START, s, this.nasIdentifier), at], undefined);
    if (p === undefined) return;
    const id = s.sessionId;
    this.starts.set(id, p);
    void p.then(() => {
      if (this.starts.get(id) === p) this.starts.delete(id);
    });
  }

  /** Interim-Update with the usage so far. */
  interim(s: AccountingSession, usage: AccountingUsage): void {
    this.afterStart(s, (delay) => accountingAttributes(ACCT_STATUS.INTERIM_UPDATE, s, this.nasIdentifier, usage, undefined, delay));
  }

  /** Accounting Stop with the usage and the terminate cause ({@link terminateCauseOf}). */
  stop(s: AccountingSession, usage: AccountingUsage, cause: number): void {
    this.afterStart(s, (delay) => accountingAttributes(ACCT_STATUS.STOP, s, this.nasIdentifier, usage, cause, delay));
  }

  /** Resolves when every record handed over so far is answered or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Sends a record of session `s` now, or once its Start is settled, with the seconds it waited. */
  private afterStart(s: AccountingSession, attributes: (delaySec: number) => RadiusAttribute[]): void {
    const at = this.eventTimestamp();
    const start = this.starts.get(s.sessionId);
    if (start === undefined) {
      this.send(() => [...attributes(0), at], undefined);
      return;
    }
    this.counters.deferred++;
    const asked = this.now();
    this.send(() => [...attributes(Math.floor((this.now() - asked) / 1000)), at], start);
  }

  /** Event-Timestamp (RFC 2869 §5.3) of an event now. */
  private eventTimestamp(): RadiusAttribute {
    return integerAttribute(RADIUS_ATTR.EVENT_TIMESTAMP, Math.floor(this.wallMs() / 1000));
  }

  /**
   * Hands a record to the client (after `after` settles, if given); the promise settles when it
   * is answered or given up. Undefined when dropped at the bound.
   */
  private send(attributes: () => RadiusAttribute[], after: Promise<void> | undefined): Promise<void> | undefined {
    if (this.inFlight.size >= MAX_ACCOUNTING_IN_FLIGHT) {
      this.counters.dropped++;
      return undefined;
    }
    this.counters.sent++;
    const exchange = (): Promise<void> => this.client.accounting(this.servers, attributes()).then((r) => {
      if (r.kind === 'reply') this.counters.answered++;
      else this.counters.unanswered++;
    }, () => {
      this.counters.unanswered++;
    });
    const p = (after === undefined ? exchange() : after.then(exchange)).finally(() => {
      this.inFlight.delete(p);
    });
    this.inFlight.add(p);
    return p;
  }
}

/**
 * The accounting of `aaa accounting auth-proxy LIST start-stop METHOD…` (default list
 * `default`), or undefined when the list is not configured. Its RADIUS groups' servers, in
 * list order, are one failover list (a record goes to the first that answers); TACACS+ groups
 * are left out (not implemented). Throws `AaaConfigError` for an undefined group or a server
 * without a key.
 */
export function createRadiusAccounting(config: Config, client: RadiusClient, list = 'default'): RadiusAccounting | undefined {
  const methods = config.aaa.accountingAuthProxy.get(list);
  if (methods === undefined) return undefined;
  const where = `aaa accounting auth-proxy ${list}`;
  const servers: RadiusServerTarget[] = [];
  for (const m of methods) {
    if (!m.startsWith('group ')) continue;
    const g = radiusGroupServers(m.slice(6), config, where);
    if (g !== undefined) servers.push(...radiusTargets(config, g.servers, g.deadtimeMin, where));
  }
  return new RadiusAccounting(client, servers, config.hostname);
}
