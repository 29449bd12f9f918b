/**
 * RADIUS accounting of auth-proxy sessions (RFC 2866, `aaa accounting auth-proxy LIST
 * start-stop group …`): an Accounting-Request Start when a host is authorized, Interim-Update
 * when asked, Stop when its entry goes, with Acct-Session-Id, the session time, the octets and
 * packets the data plane counted each way (with the RFC 2869 §5.1-5.2 Gigawords past 2^32) and
 * the terminate cause (RFC 2866 §5.10).
 *
 * Sending never blocks the caller: each record is handed to the {@link RadiusClient} (its
 * retransmission, failover and dead-time apply) and the call returns at once. Records in flight
 * are bounded ({@link MAX_ACCOUNTING_IN_FLIGHT}); past the bound a record is dropped and counted
 * rather than queued without end. Nothing here carries a password or key.
 */
import { isIPv4 } from 'node:net';
import { AP_DELETE_ABSOLUTE, AP_DELETE_CLEAR, AP_DELETE_DISCONNECT, AP_DELETE_IDLE } from '../../authproxy/states.js';
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
  NAS_REBOOT: 11,
} as const;

/** Acct-Authentic (RFC 2866 §5.6): who authenticated the user. */
export const ACCT_AUTHENTIC = { RADIUS: 1, LOCAL: 2, REMOTE: 3 } as const;

/** Framed-IP-Address (RFC 2865 §5.8). */
const FRAMED_IP_ADDRESS = 8;
/** Acct-Input-Gigawords and Acct-Output-Gigawords (RFC 2869 §5.1, §5.2). */
const ACCT_INPUT_GIGAWORDS = 52;
const ACCT_OUTPUT_GIGAWORDS = 53;

/**
 * The terminate cause of an auth-cache entry's removal reason (`AP_DELETE_*`, the engine's
 * `OBJ_DELETE` reasons): idle → Idle-Timeout, absolute → Session-Timeout, `clear ip auth-proxy
 * cache` and a RADIUS Disconnect-Request → Admin-Reset.
 */
export function terminateCauseOf(reason: number): number {
  switch (reason) {
    case AP_DELETE_IDLE: return TERMINATE_CAUSE.IDLE_TIMEOUT;
    case AP_DELETE_ABSOLUTE: return TERMINATE_CAUSE.SESSION_TIMEOUT;
    case AP_DELETE_CLEAR: return TERMINATE_CAUSE.ADMIN_RESET;
    case AP_DELETE_DISCONNECT: return TERMINATE_CAUSE.ADMIN_RESET;
    default: return TERMINATE_CAUSE.LOST_SERVICE;
  }
}

/** The session a record is about. */
export interface AccountingSession {
  /** Acct-Session-Id (RFC 2866 §5.5), unique per session (the engine's session id). */
  readonly sessionId: string;
  readonly user: string;
  /** The client host's address as text. */
  readonly client: string;
  /** Acct-Authentic: who authenticated the user. */
  readonly authentic: number;
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
  usage?: AccountingUsage, cause?: number): RadiusAttribute[] {
  const a: RadiusAttribute[] = [
    integerAttribute(RADIUS_ATTR.ACCT_STATUS_TYPE, status),
    textAttribute(RADIUS_ATTR.ACCT_SESSION_ID, s.sessionId),
    textAttribute(RADIUS_ATTR.USER_NAME, s.user),
    textAttribute(RADIUS_ATTR.CALLING_STATION_ID, s.client),
    textAttribute(RADIUS_ATTR.NAS_IDENTIFIER, nasIdentifier),
    integerAttribute(RADIUS_ATTR.NAS_PORT_TYPE, NAS_PORT_TYPE_VIRTUAL),
    integerAttribute(RADIUS_ATTR.ACCT_AUTHENTIC, s.authentic),
  ];
  if (isIPv4(s.client)) {
    a.push({ type: FRAMED_IP_ADDRESS, value: Uint8Array.from(s.client.split('.').map(Number)) });
  }
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
}

/** Sends a list's accounting records (see the module comment). */
export class RadiusAccounting {
  readonly counters: AccountingCounters = { sent: 0, answered: 0, unanswered: 0, dropped: 0 };
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly client: RadiusClient, private readonly servers: readonly RadiusServerTarget[],
    private readonly nasIdentifier: string) {}

  /** Accounting Start of an authorized session. */
  start(s: AccountingSession): void {
    this.send(accountingAttributes(ACCT_STATUS.START, s, this.nasIdentifier));
  }

  /** Interim-Update with the usage so far. */
  interim(s: AccountingSession, usage: AccountingUsage): void {
    this.send(accountingAttributes(ACCT_STATUS.INTERIM_UPDATE, s, this.nasIdentifier, usage));
  }

  /** Accounting Stop with the usage and the terminate cause ({@link terminateCauseOf}). */
  stop(s: AccountingSession, usage: AccountingUsage, cause: number): void {
    this.send(accountingAttributes(ACCT_STATUS.STOP, s, this.nasIdentifier, usage, cause));
  }

  /** Resolves when every record handed over so far is answered or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private send(attributes: RadiusAttribute[]): void {
    if (this.inFlight.size >= MAX_ACCOUNTING_IN_FLIGHT) {
      this.counters.dropped++;
      return;
    }
    this.counters.sent++;
    const p = this.client.accounting(this.servers, attributes).then((r) => {
      if (r.kind === 'reply') this.counters.answered++;
      else this.counters.unanswered++;
    }, () => {
      this.counters.unanswered++;
    }).finally(() => {
      this.inFlight.delete(p);
    });
    this.inFlight.add(p);
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
