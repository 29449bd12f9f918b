/**
 * `show aaa servers`: what the gateway's RADIUS and TACACS+ clients saw — requests,
 * retransmissions, timeouts, servers marked dead, the answers by kind, and every datagram or
 * packet dropped, by reason (a bad Response Authenticator, a missing or bad
 * Message-Authenticator, an identifier of no request in flight, a code that answers nothing, a
 * packet that does not decode, by fault). IOS prints one block per server; portcullis counts per
 * client (all servers of the protocol together) and lists each configured server with whether
 * it is marked dead now. With the login service running, the AAA answers it ignored because they
 * came late: the host's cache entry was cleared or expired while RADIUS or TACACS+ was asked, so
 * the answer installed nothing (`LoginStats.stale`; counted for both protocols together, as the
 * login sees one answer of its method list). With accounting configured, its records (sent, answered, given up,
 * dropped at the bound, waiting for their Start) and the sessions accounted; with `aaa server
 * radius dynamic-author`, the RFC 5176 listener's requests, answers and drops by reason. The
 * format is portcullis's own, in IOS's manner; it names no key.
 */
import type { RadiusCounters } from '../aaa/radius/client.js';
import type { AccountingCounters } from '../aaa/radius/accounting.js';
import type { DynamicAuthorCounters } from '../aaa/dynamic-author/server.js';
import type { TacacsCounters } from '../aaa/tacacs/client.js';
import type { Config } from '../config/types.js';

/** A configured server as `show aaa servers` lists it. */
export interface AaaServerLine {
  /** `127.0.0.1 auth-port 1812 acct-port 1813`, `10.0.0.9 port 49` … */
  readonly text: string;
  /** Marked dead now (dead-time). */
  readonly dead: boolean;
}

/** What `show aaa servers` is rendered from. */
export interface AaaShowState {
  readonly radius: RadiusCounters;
  readonly radiusServers: readonly AaaServerLine[];
  readonly tacacs: TacacsCounters;
  readonly tacacsServers: readonly AaaServerLine[];
  readonly accounting?: AccountingShow | undefined;
  readonly dynamicAuthor?: DynamicAuthorShow | undefined;
  readonly logins?: LoginsShow | undefined;
}

/** The login service as `show aaa servers` reads it. */
export interface LoginsShow {
  /** AAA answers ignored because the host's entry was cleared or expired while they were awaited. */
  readonly stale: number;
}

/** The gateway's accounting as `show aaa servers` reads it. */
export interface AccountingShow {
  readonly records: { readonly counters: AccountingCounters };
  /** Sessions being accounted now. */
  readonly activeCount: number;
}

/** The dynamic authorization listener as `show aaa servers` reads it. */
export interface DynamicAuthorShow {
  readonly counters: DynamicAuthorCounters;
  readonly port: number;
}

function byName(counts: Readonly<Record<string, number>>): string {
  const names = Object.keys(counts).sort();
  return names.length === 0 ? '' : ` (${names.map((n) => `${n} ${counts[n]}`).join(', ')})`;
}

/** The text of `show aaa servers` (every line ends with a newline). */
export function renderShowAaaServers(s: AaaShowState): string {
  const r = s.radius;
  const t = s.tacacs;
  const lines = [
    'RADIUS client',
    `     Requests: ${r.requests}, retransmissions ${r.retransmits}, timeouts ${r.timeouts}, servers marked dead ${r.markedDead}, send errors ${r.sendErrors}`,
    `     Responses: accept ${r.accepts}, reject ${r.rejects}, challenge ${r.challenges}, accounting ${r.accountingResponses}`,
    `     Dropped: bad authenticator ${r.badAuthenticator}, missing Message-Authenticator ${r.missingMessageAuthenticator}, ` +
      `bad Message-Authenticator ${r.badMessageAuthenticator}`,
    `              unknown identifier ${r.unknownIdentifier}, unexpected code ${r.unexpectedCode}, malformed ${r.malformed}${byName(r.malformedBy)}`,
    ...s.radiusServers.map((v) => `     Server ${v.text}: ${v.dead ? 'DEAD' : 'UP'}`),
    'TACACS+ client',
    `     Sessions: ${t.sessions}, connections ${t.connections}, connect errors ${t.connectErrors}, timeouts ${t.timeouts}, closed early ${t.closedEarly}, servers marked dead ${t.markedDead}`,
    `     Dropped: unexpected ${t.unexpected}, malformed ${t.malformed}${byName(t.malformedBy)}`,
    ...s.tacacsServers.map((v) => `     Server ${v.text}: ${v.dead ? 'DEAD' : 'UP'}`),
  ];
  if (s.logins !== undefined) lines.push('Login service', `     AAA answers ignored: late ${s.logins.stale}`);
  if (s.accounting !== undefined) {
    const a = s.accounting.records.counters;
    lines.push('RADIUS accounting',
      `     Records: sent ${a.sent}, answered ${a.answered}, unanswered ${a.unanswered}, dropped ${a.dropped}, ` +
        `waited for their Start ${a.deferred}; sessions accounted now ${s.accounting.activeCount}`);
  }
  if (s.dynamicAuthor !== undefined) {
    const d = s.dynamicAuthor.counters;
    lines.push(`Dynamic authorization (RFC 5176), UDP port ${s.dynamicAuthor.port}`,
      `     Requests: disconnect ${d.disconnectRequests} (ACK ${d.disconnectAcks}, NAK ${d.disconnectNaks}), ` +
        `CoA ${d.coaRequests} (ACK ${d.coaAcks}, NAK ${d.coaNaks}), retransmissions answered again ${d.duplicates}`,
      `     Dropped: unknown client ${d.unknownClient}, malformed ${d.malformed}, unexpected code ${d.unexpectedCode}, ` +
        `bad authenticator ${d.badAuthenticator}`,
      `              missing Message-Authenticator ${d.missingMessageAuthenticator}, bad Message-Authenticator ` +
        `${d.badMessageAuthenticator}, missing Event-Timestamp ${d.missingTimestamp}, stale Event-Timestamp ${d.staleTimestamp}`);
  }
  return lines.join('\n') + '\n';
}

/** The clients `show aaa servers` reads (the method lists' authenticator has both). */
export interface AaaClients {
  readonly radius: { readonly counters: RadiusCounters; isDead(server: { host: string; authPort: number; acctPort: number }): boolean };
  readonly tacacs: { readonly counters: TacacsCounters; isDead(server: { host: string; port: number }): boolean };
  readonly accounting?: AccountingShow | undefined;
  readonly dynamicAuthor?: DynamicAuthorShow | undefined;
  /** The login service's outcomes (its late answers). */
  readonly logins?: LoginsShow | undefined;
}

/** The state of `show aaa servers` for `config`'s servers and the running clients. */
export function aaaShowState(config: Config, clients: AaaClients): AaaShowState {
  return {
    radius: clients.radius.counters,
    radiusServers: config.radius.servers.map((s) => ({
      text: `${s.name === undefined ? '' : `${s.name} `}${s.host} auth-port ${s.authPort} acct-port ${s.acctPort}`,
      dead: clients.radius.isDead(s),
    })),
    tacacs: clients.tacacs.counters,
    tacacsServers: config.tacacs.servers.map((s) => ({
      text: `${s.name === undefined ? '' : `${s.name} `}${s.host} port ${s.port}`, dead: clients.tacacs.isDead(s),
    })),
    accounting: clients.accounting,
    dynamicAuthor: clients.dynamicAuthor,
    logins: clients.logins,
  };
}
