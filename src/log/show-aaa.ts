/**
 * `show aaa servers`: each configured server in IOS's layout — a `RADIUS: id N, priority P, host
 * …` or `TACACS+: id N, …` line, its state (UP or DEAD, for how long, the previous state's
 * duration), its dead periods, and its own counters: requests, timeouts, failovers,
 * retransmissions, the answers by kind (for accounting by Acct-Status-Type), the replies dropped
 * as unexpected or incorrect, the average response time, the transactions answered and given up.
 * The lines follow IOS's (`Authen:`, `Account:`, `Response:`, `Transaction:`); the blocks IOS
 * prints that portcullis has nothing for (`Author:` — auth-proxy's authorization comes in the
 * Access-Accept —, `Quarantined`, `Throttled`, `Estimated …`, the requests per minute) are left out,
 * and TACACS+'s lines after its `State:` and `Dead:` are portcullis's own (its sessions of
 * authentication and authorization together, its connections).
 *
 * Then portcullis's own totals: every RADIUS datagram dropped, by reason and from any address (a
 * wrong Response Authenticator, a missing or wrong Message-Authenticator, an identifier of no
 * request in flight, a code that answers nothing, a packet that does not decode, by fault) and
 * the sends the system refused; TACACS+'s packets dropped, by fault. With the login service
 * running, the AAA answers it ignored because they came late: the host's cache entry was cleared
 * or expired while RADIUS or TACACS+ was asked, so the answer installed nothing
 * (`LoginStats.stale`; counted for both protocols together, as the login sees one answer of its
 * method list). With accounting configured, its records (sent, answered, given up, dropped at
 * the bound, waiting for their Start) and the sessions accounted; with `aaa server radius
 * dynamic-author`, the RFC 5176 listener's requests, answers and drops by reason. It names no key.
 */
import type { RadiusCounters, RadiusExchangeCounters, RadiusServerCounters } from '../aaa/radius/client.js';
import type { AccountingCounters } from '../aaa/radius/accounting.js';
import type { DynamicAuthorCounters } from '../aaa/dynamic-author/server.js';
import type { TacacsCounters, TacacsServerCounters } from '../aaa/tacacs/client.js';
import type { ServerState } from '../aaa/dead-servers.js';
import type { Config } from '../config/types.js';

/** A configured RADIUS server as `show aaa servers` lists it. */
export interface RadiusServerShow {
  readonly host: string;
  readonly authPort: number;
  readonly acctPort: number;
  /** The name of its `radius server NAME` block. */
  readonly name?: string | undefined;
  readonly state: ServerState;
  readonly counters: RadiusServerCounters;
}

/** A configured TACACS+ server as `show aaa servers` lists it. */
export interface TacacsServerShow {
  readonly host: string;
  readonly port: number;
  /** The name of its `tacacs server NAME` block. */
  readonly name?: string | undefined;
  readonly state: ServerState;
  readonly counters: TacacsServerCounters;
}

/** What `show aaa servers` is rendered from. */
export interface AaaShowState {
  readonly radius: RadiusCounters;
  /** In config order. */
  readonly radiusServers: readonly RadiusServerShow[];
  readonly tacacs: TacacsCounters;
  /** In config order. */
  readonly tacacsServers: readonly TacacsServerShow[];
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

/** Whole seconds of `ms`, as IOS prints durations here (`duration 9s`). */
function sec(ms: number): string {
  return `${Math.max(0, Math.floor(ms / 1000))}s`;
}

/** Average response time in whole ms (0 with no answer). */
function avgMs(answered: number, totalMs: number): string {
  return `${answered === 0 ? 0 : Math.round(totalMs / answered)}ms`;
}

/** IOS's `State:` and `Dead:` lines. */
function stateLines(st: ServerState): string[] {
  return [
    `     State: current ${st.dead ? 'DEAD' : 'UP'}, duration ${sec(st.durationMs)}, previous duration ${sec(st.previousMs)}`,
    `     Dead: total time ${sec(st.deadTotalMs)}, count ${st.deadCount}`,
  ];
}

/** IOS's first line of an `Authen:` or `Account:` block and its `Response: unexpected …` and `Transaction:` lines. */
function exchangeLines(label: string, x: RadiusExchangeCounters, responses: string[]): string[] {
  return [
    `     ${label}: request ${x.requests}, timeouts ${x.timeouts}, failover ${x.failovers}, retransmission ${x.retransmits}`,
    ...responses,
    `             Response: unexpected ${x.unexpected}, server error 0, incorrect ${x.incorrect}, time ${avgMs(x.answered, x.answerMs)}`,
    `             Transaction: success ${x.answered}, failure ${x.timeouts}`,
  ];
}

function radiusServerLines(v: RadiusServerShow, id: number, priority: number): string[] {
  const c = v.counters;
  return [
    `RADIUS: id ${id}, priority ${priority}, host ${v.host}, auth-port ${v.authPort}, acct-port ${v.acctPort}` +
      (v.name === undefined ? '' : `, hostname ${v.name}`),
    ...stateLines(v.state),
    ...exchangeLines('Authen', c.authen, [`             Response: accept ${c.accepts}, reject ${c.rejects}, challenge ${c.challenges}`]),
    ...exchangeLines('Account', c.account, [
      `             Request: start ${c.accountRequests.start}, interim ${c.accountRequests.interim}, stop ${c.accountRequests.stop}`,
      `             Response: start ${c.accountResponses.start}, interim ${c.accountResponses.interim}, stop ${c.accountResponses.stop}`,
    ]),
  ];
}

function tacacsServerLines(v: TacacsServerShow, id: number, priority: number): string[] {
  const c = v.counters;
  return [
    `TACACS+: id ${id}, priority ${priority}, host ${v.host}, port ${v.port}` + (v.name === undefined ? '' : `, hostname ${v.name}`),
    ...stateLines(v.state),
    `     Sessions: ${c.sessions}, timeouts ${c.timeouts}`,
    `             Response: unexpected ${c.unexpected}, incorrect ${c.malformed}, time ${avgMs(c.answered, c.answerMs)}`,
    `             Connections: opened ${c.connections}, connect errors ${c.connectErrors}, closed early ${c.closedEarly}`,
  ];
}

/** The text of `show aaa servers` (every line ends with a newline). */
export function renderShowAaaServers(s: AaaShowState): string {
  const r = s.radius;
  const t = s.tacacs;
  const lines = [
    ...s.radiusServers.flatMap((v, i) => radiusServerLines(v, i + 1, i + 1)),
    ...s.tacacsServers.flatMap((v, i) => tacacsServerLines(v, s.radiusServers.length + i + 1, i + 1)),
    'RADIUS client, all servers',
    `     Dropped: bad authenticator ${r.badAuthenticator}, missing Message-Authenticator ${r.missingMessageAuthenticator}, ` +
      `bad Message-Authenticator ${r.badMessageAuthenticator}`,
    `              unknown identifier ${r.unknownIdentifier}, unexpected code ${r.unexpectedCode}, malformed ${r.malformed}${byName(r.malformedBy)}`,
    `     Send errors: ${r.sendErrors}`,
    'TACACS+ client, all servers',
    `     Dropped: unexpected ${t.unexpected}, malformed ${t.malformed}${byName(t.malformedBy)}`,
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
  readonly radius: {
    readonly counters: RadiusCounters;
    serverCounters(server: { host: string; authPort: number; acctPort: number }): RadiusServerCounters;
    serverState(server: { host: string; authPort: number; acctPort: number }): ServerState;
  };
  readonly tacacs: {
    readonly counters: TacacsCounters;
    serverCounters(server: { host: string; port: number }): TacacsServerCounters;
    serverState(server: { host: string; port: number }): ServerState;
  };
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
      host: s.host, authPort: s.authPort, acctPort: s.acctPort, name: s.name,
      state: clients.radius.serverState(s), counters: clients.radius.serverCounters(s),
    })),
    tacacs: clients.tacacs.counters,
    tacacsServers: config.tacacs.servers.map((s) => ({
      host: s.host, port: s.port, name: s.name, state: clients.tacacs.serverState(s), counters: clients.tacacs.serverCounters(s),
    })),
    accounting: clients.accounting,
    dynamicAuthor: clients.dynamicAuthor,
    logins: clients.logins,
  };
}
