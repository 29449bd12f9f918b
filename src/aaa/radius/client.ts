/**
 * The RADIUS client: Access-Request and Accounting-Request over UDP (node:dgram) to a list of
 * servers, in order, with IOS's retransmission and dead-time behaviour.
 *
 * For each server not marked dead the request is sent, and sent again (same Identifier and
 * Request Authenticator, RFC 5080 §2.2.1) each time `timeoutMs` passes without a valid reply, up
 * to `retransmit` more times; then the next server is tried. A server that never answered is
 * marked dead for `deadtimeMs` (`radius-server deadtime`, 0: never) and skipped while others
 * are alive. When no server answers the result is `no-answer`: a request never waits longer than
 * the sum of its servers' timeouts.
 *
 * A datagram is taken as the reply only when it decodes (bounded, {@link decodePacket}), comes
 * from the address and port the request went to, carries the Identifier of a request in flight
 * on that socket, has a code that answers it, and its Response Authenticator and (required for
 * Access replies) Message-Authenticator verify. Anything else is dropped and counted in
 * {@link RadiusCounters}; the request keeps waiting for its real reply. Nothing a server sends
 * can throw out of the client or stop the process.
 *
 * Identifiers are per socket (256 in flight on one socket); the client opens another socket of
 * the family when every identifier of the open ones is taken, up to {@link MAX_SOCKETS}.
 *
 * Besides the client's {@link RadiusCounters}, each server has its own
 * {@link RadiusServerCounters} (`show aaa servers` lists them, as IOS does): its requests,
 * retransmissions, timeouts, failovers and answers by kind, and the datagrams from its address
 * and port that were dropped.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { RadiusEncodeError } from '../../errors.js';
import { DeadServers } from '../dead-servers.js';
import type { ServerState } from '../dead-servers.js';
import { ACCT_STATUS, RADIUS_ATTR, RADIUS_CODE } from './dictionary.js';
import { attributeInteger, decodePacket, RADIUS_FAULT_NAMES } from './packet.js';
import type { RadiusAttribute, RadiusPacket } from './packet.js';
import { REPLY_CHECK, verifyReply } from './authenticators.js';
import { encodeAccessRequest, encodeAccountingRequest } from './requests.js';
import type { EncodedRequest } from './requests.js';

/** One server as the client uses it (resolved from the config by the method lists). */
export interface RadiusServerTarget {
  /** Address (IPv4 or IPv6 literal) or host name. */
  readonly host: string;
  readonly authPort: number;
  readonly acctPort: number;
  /** The shared secret. Never logged or put in a message. */
  readonly secret: string;
  /** Time to wait for a reply before sending again, in ms (`radius-server timeout`). */
  readonly timeoutMs: number;
  /** Times a request is sent again before the next server is tried (`radius-server retransmit`). */
  readonly retransmit: number;
  /** Dead-time of this server in ms (a group's `deadtime`), overriding the client's; 0: never. */
  readonly deadtimeMs?: number | undefined;
}

/** Options of a {@link RadiusClient}. */
export interface RadiusClientOptions {
  /** How long a server that did not answer is skipped, in ms (`radius-server deadtime`); 0: never. */
  readonly deadtimeMs: number;
  /** NAS-Identifier sent in every Access-Request (the hostname). */
  readonly nasIdentifier: string;
  /** Monotonic clock in ms, for dead-time (default `performance.now()`). */
  readonly nowMs?: () => number;
}

/** What the client saw, for `show` and for tests. Every dropped datagram is counted once. */
export interface RadiusCounters {
  /** Requests sent (first transmissions). */
  requests: number;
  retransmits: number;
  /** Requests a server never answered (all tries used). */
  timeouts: number;
  accepts: number;
  rejects: number;
  challenges: number;
  accountingResponses: number;
  /** Datagrams that are not RADIUS packets (see `RADIUS_FAULT`), in total and by fault name. */
  malformed: number;
  malformedBy: Record<string, number>;
  /** Replies whose Identifier is of no request in flight, or that come from another address or port. */
  unknownIdentifier: number;
  /** Replies with a code that does not answer the request (an Accounting-Response to an Access-Request …). */
  unexpectedCode: number;
  /** Replies whose Response Authenticator is wrong. */
  badAuthenticator: number;
  /** Access replies without the required Message-Authenticator. */
  missingMessageAuthenticator: number;
  /** Replies whose Message-Authenticator is wrong. */
  badMessageAuthenticator: number;
  /** Times a server was marked dead. */
  markedDead: number;
  /** Send calls the system refused (the request then times out as if lost). */
  sendErrors: number;
}

/**
 * One server's authentication (Access-Request) or accounting (Accounting-Request) exchanges, as
 * IOS's `show aaa servers` counts them per server (CISCO-AAA-SERVER-MIB's casAuthen… and casAcct…).
 */
export interface RadiusExchangeCounters {
  /** Requests sent (first transmissions). */
  requests: number;
  /** Requests the server never answered (all tries used). */
  timeouts: number;
  /** Of those, the ones that went on to the next server of the list. */
  failovers: number;
  retransmits: number;
  /** Valid replies, and their time from the request's first transmission in all (ms). */
  answered: number;
  answerMs: number;
  /** Datagrams from the server's address and port whose Identifier is of no request in flight. */
  unexpected: number;
  /**
   * Replies from the server that were dropped: a datagram that does not decode, a code that does
   * not answer the request, a wrong Response Authenticator, a missing or wrong Message-Authenticator.
   */
  incorrect: number;
}

/** Accounting-Requests (or their answers) by Acct-Status-Type (RFC 2866 §5.1). */
export interface AcctStatusCounters {
  start: number;
  interim: number;
  stop: number;
}

/** What one server saw, for `show aaa servers`. */
export interface RadiusServerCounters {
  readonly authen: RadiusExchangeCounters;
  readonly account: RadiusExchangeCounters;
  accepts: number;
  rejects: number;
  challenges: number;
  /** Accounting-Requests sent, and Accounting-Responses received, by status type. */
  readonly accountRequests: AcctStatusCounters;
  readonly accountResponses: AcctStatusCounters;
}

function exchangeCounters(): RadiusExchangeCounters {
  return { requests: 0, timeouts: 0, failovers: 0, retransmits: 0, answered: 0, answerMs: 0, unexpected: 0, incorrect: 0 };
}

/** A server's reply, or why there is none. */
export type RadiusResult =
  | { readonly kind: 'reply'; readonly packet: RadiusPacket; readonly server: RadiusServerTarget }
  | { readonly kind: 'no-answer'; readonly reason: string }
  | { readonly kind: 'unsendable'; readonly reason: string };

/** What an Access-Request carries besides the NAS attributes. */
export interface AccessFields {
  readonly user: string;
  readonly password: string;
  readonly state?: Uint8Array | undefined;
  readonly callingStationId?: string | undefined;
}

/** Largest number of sockets per address family. */
export const MAX_SOCKETS = 16;

interface Pending {
  readonly address: string;
  readonly port: number;
  readonly request: EncodedRequest;
  readonly secret: Uint8Array;
  readonly accounting: boolean;
  /** Acct-Status-Type of an Accounting-Request (0: none). */
  readonly status: number;
  readonly server: RadiusServerCounters;
  /** Monotonic time of the first transmission. */
  readonly sentAt: number;
  readonly done: (packet: RadiusPacket | undefined) => void;
}

/** One socket and its identifiers. */
class IdSocket {
  readonly inFlight: (Pending | undefined)[] = new Array<Pending | undefined>(256).fill(undefined);
  count = 0;
  private next = 0;

  constructor(readonly socket: Socket) {}

  /** A free identifier, or -1. */
  take(): number {
    if (this.count === 256) return -1;
    while (this.inFlight[this.next] !== undefined) this.next = (this.next + 1) & 0xff;
    const id = this.next;
    this.next = (this.next + 1) & 0xff;
    return id;
  }
}

/** See the module comment. */
export class RadiusClient {
  readonly counters: RadiusCounters = {
    requests: 0, retransmits: 0, timeouts: 0, accepts: 0, rejects: 0, challenges: 0, accountingResponses: 0,
    malformed: 0, malformedBy: {}, unknownIdentifier: 0, unexpectedCode: 0, badAuthenticator: 0,
    missingMessageAuthenticator: 0, badMessageAuthenticator: 0, markedDead: 0, sendErrors: 0,
  };
  private readonly sockets: { 4: IdSocket[]; 6: IdSocket[] } = { 4: [], 6: [] };
  /** Each server's counters, by {@link serverKey}. */
  private readonly perServer = new Map<string, RadiusServerCounters>();
  /** The exchange counters of the servers' addresses and ports, for the datagrams dropped before a request is found. */
  private readonly byAddress = new Map<string, RadiusExchangeCounters>();
  private readonly dead: DeadServers;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly cancels = new Set<() => void>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: RadiusClientOptions) {
    this.now = opts.nowMs ?? (() => performance.now());
    this.dead = new DeadServers(this.now);
  }

  /**
   * Sends an Access-Request to `servers` in order (see the module comment) and returns the
   * first valid Access-Accept, -Reject or -Challenge, or why there is none.
   */
  access(servers: readonly RadiusServerTarget[], fields: AccessFields): Promise<RadiusResult> {
    return this.tryServers(servers, false, 0, (id, secret) => encodeAccessRequest(id, secret, {
      user: fields.user, password: fields.password, state: fields.state, callingStationId: fields.callingStationId,
      nasIdentifier: this.opts.nasIdentifier,
    }));
  }

  /** Sends an Accounting-Request with `attributes` to `servers` in order; the reply is an Accounting-Response. */
  accounting(servers: readonly RadiusServerTarget[], attributes: readonly RadiusAttribute[]): Promise<RadiusResult> {
    const status = attributes.find((a) => a.type === RADIUS_ATTR.ACCT_STATUS_TYPE);
    const n = status === undefined ? 0 : attributeInteger(status.value) ?? 0;
    return this.tryServers(servers, true, n, (id, secret) => encodeAccountingRequest(id, secret, attributes));
  }

  /** The counters of `server` (identified by host and ports; zero for one never asked). */
  serverCounters(server: Pick<RadiusServerTarget, 'host' | 'authPort' | 'acctPort'>): RadiusServerCounters {
    const key = serverKey(server);
    let c = this.perServer.get(key);
    if (c === undefined) {
      c = {
        authen: exchangeCounters(), account: exchangeCounters(), accepts: 0, rejects: 0, challenges: 0,
        accountRequests: { start: 0, interim: 0, stop: 0 }, accountResponses: { start: 0, interim: 0, stop: 0 },
      };
      this.perServer.set(key, c);
    }
    return c;
  }

  /** The dead-time state of `server` now (UP or DEAD, for how long, its dead periods). */
  serverState(server: Pick<RadiusServerTarget, 'host' | 'authPort' | 'acctPort'>): ServerState {
    return this.dead.state(serverKey(server));
  }

  /** True while `server` (identified by host and ports) is marked dead. */
  isDead(server: Pick<RadiusServerTarget, 'host' | 'authPort' | 'acctPort'>): boolean {
    return this.dead.isDead(serverKey(server));
  }

  /** Stops: requests in flight end as `no-answer`, sockets close. */
  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of [...this.cancels]) cancel();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const all = [...this.sockets[4], ...this.sockets[6]];
    this.sockets[4] = [];
    this.sockets[6] = [];
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.socket.close(() => resolve()))));
  }

  private async tryServers(servers: readonly RadiusServerTarget[], accounting: boolean, status: number,
    build: (id: number, secret: Uint8Array) => EncodedRequest): Promise<RadiusResult> {
    const alive = servers.filter((s) => !this.isDead(s));
    if (servers.length === 0) return { kind: 'no-answer', reason: 'no RADIUS server configured' };
    if (alive.length === 0) return { kind: 'no-answer', reason: 'every RADIUS server is marked dead' };
    for (let i = 0; i < alive.length; i++) {
      const server = alive[i]!;
      if (this.closed) break;
      let packet: RadiusPacket | undefined;
      try {
        packet = await this.exchange(server, accounting, status, build);
      } catch (e) {
        if (e instanceof RadiusEncodeError) return { kind: 'unsendable', reason: e.message };
        throw e;
      }
      if (packet !== undefined) {
        this.dead.answered(serverKey(server));
        return { kind: 'reply', packet, server };
      }
      if (this.closed) break;
      const sc = this.serverCounters(server);
      if (i < alive.length - 1) (accounting ? sc.account : sc.authen).failovers++;
      if (this.dead.noAnswer(serverKey(server), server.deadtimeMs ?? this.opts.deadtimeMs)) this.counters.markedDead++;
    }
    const names = alive.map((s) => `${s.host}:${accounting ? s.acctPort : s.authPort}`).join(', ');
    return { kind: 'no-answer', reason: `no answer from RADIUS server${alive.length === 1 ? '' : 's'} ${names}` };
  }

  /** One request to one server with its retransmissions: the valid reply, or undefined. */
  private async exchange(server: RadiusServerTarget, accounting: boolean, status: number,
    build: (id: number, secret: Uint8Array) => EncodedRequest): Promise<RadiusPacket | undefined> {
    const address = await resolve(server.host);
    if (address === undefined || this.closed) return undefined;
    const family = isIP(address) === 6 ? 6 : 4;
    const slot = this.socketFor(family);
    if (slot === undefined) return undefined;
    const id = slot.take();
    const secret = new TextEncoder().encode(server.secret);
    const request = build(id, secret); // may throw RadiusEncodeError: nothing is in flight yet
    const port = accounting ? server.acctPort : server.authPort;
    const sc = this.serverCounters(server);
    const x = accounting ? sc.account : sc.authen;
    this.byAddress.set(addressKey(address, port), x);
    return new Promise<RadiusPacket | undefined>((resolveReply) => {
      let tries = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (packet: RadiusPacket | undefined): void => {
        if (slot.inFlight[id] !== pending) return;
        slot.inFlight[id] = undefined;
        slot.count--;
        if (timer !== undefined) {
          clearTimeout(timer);
          this.timers.delete(timer);
        }
        this.cancels.delete(cancel);
        resolveReply(packet);
      };
      const cancel = (): void => finish(undefined);
      const pending: Pending = { address, port, request, secret, accounting, status, server: sc, sentAt: this.now(), done: finish };
      slot.inFlight[id] = pending;
      slot.count++;
      this.cancels.add(cancel);
      const send = (): void => {
        tries++;
        slot.socket.send(request.bytes, port, address, (err) => {
          if (err) this.counters.sendErrors++;
        });
        timer = setTimeout(() => {
          this.timers.delete(timer!);
          timer = undefined;
          if (slot.inFlight[id] !== pending) return;
          if (tries <= server.retransmit) {
            this.counters.retransmits++;
            x.retransmits++;
            send();
          } else {
            this.counters.timeouts++;
            x.timeouts++;
            finish(undefined);
          }
        }, server.timeoutMs);
        this.timers.add(timer);
      };
      this.counters.requests++;
      x.requests++;
      if (accounting) countStatus(sc.accountRequests, status);
      send();
    });
  }

  /** A socket of `family` with a free identifier (opening one if needed), or undefined past the limit. */
  private socketFor(family: 4 | 6): IdSocket | undefined {
    const list = this.sockets[family];
    const free = list.find((s) => s.count < 256);
    if (free !== undefined) return free;
    if (list.length >= MAX_SOCKETS) return undefined;
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const slot = new IdSocket(socket);
    socket.on('message', (msg, rinfo) => this.onMessage(slot, msg, rinfo));
    socket.on('error', () => { this.counters.sendErrors++; });
    socket.unref();
    list.push(slot);
    return slot;
  }

  /** A datagram on one of the client's sockets (see the module comment for what is dropped). */
  private onMessage(slot: IdSocket, msg: Buffer, rinfo: RemoteInfo): void {
    const c = this.counters;
    const d = decodePacket(msg);
    const from = this.byAddress.get(addressKey(rinfo.address, rinfo.port));
    if (!d.ok) {
      if (from !== undefined) from.incorrect++;
      c.malformed++;
      const name = RADIUS_FAULT_NAMES[d.fault];
      c.malformedBy[name] = (c.malformedBy[name] ?? 0) + 1;
      return;
    }
    const packet = d.packet;
    const pending = slot.inFlight[packet.identifier];
    if (pending === undefined || pending.port !== rinfo.port || !sameAddress(pending.address, rinfo.address)) {
      c.unknownIdentifier++;
      if (from !== undefined) from.unexpected++;
      return;
    }
    const sc = pending.server;
    const x = pending.accounting ? sc.account : sc.authen;
    const codeOk = pending.accounting
      ? packet.code === RADIUS_CODE.ACCOUNTING_RESPONSE
      : packet.code === RADIUS_CODE.ACCESS_ACCEPT || packet.code === RADIUS_CODE.ACCESS_REJECT
        || packet.code === RADIUS_CODE.ACCESS_CHALLENGE;
    if (!codeOk) {
      c.unexpectedCode++;
      x.incorrect++;
      return;
    }
    const check = verifyReply(packet, pending.request.authenticator, pending.secret, !pending.accounting);
    if (check === REPLY_CHECK.BAD_AUTHENTICATOR) c.badAuthenticator++;
    else if (check === REPLY_CHECK.MISSING_MESSAGE_AUTHENTICATOR) c.missingMessageAuthenticator++;
    else if (check === REPLY_CHECK.BAD_MESSAGE_AUTHENTICATOR) c.badMessageAuthenticator++;
    if (check !== REPLY_CHECK.OK) {
      x.incorrect++;
      return;
    }
    x.answered++;
    x.answerMs += this.now() - pending.sentAt;
    if (packet.code === RADIUS_CODE.ACCESS_ACCEPT) { c.accepts++; sc.accepts++; }
    else if (packet.code === RADIUS_CODE.ACCESS_REJECT) { c.rejects++; sc.rejects++; }
    else if (packet.code === RADIUS_CODE.ACCESS_CHALLENGE) { c.challenges++; sc.challenges++; }
    else {
      c.accountingResponses++;
      countStatus(sc.accountResponses, pending.status);
    }
    // The packet's views point into `msg`, which dgram does not reuse.
    pending.done(packet);
  }
}

/** Identity of a server for dead-time (IOS identifies a RADIUS server by host and ports). */
function serverKey(s: Pick<RadiusServerTarget, 'host' | 'authPort' | 'acctPort'>): string {
  return `${s.host}|${s.authPort}|${s.acctPort}`;
}

/** Counts an Accounting-Request or its answer of Acct-Status-Type `status` (others: not counted). */
function countStatus(c: AcctStatusCounters, status: number): void {
  if (status === ACCT_STATUS.START) c.start++;
  else if (status === ACCT_STATUS.INTERIM_UPDATE) c.interim++;
  else if (status === ACCT_STATUS.STOP) c.stop++;
}

/** Key of an address and port (an IPv4-mapped IPv6 address counts as IPv4, as in {@link sameAddress}). */
function addressKey(address: string, port: number): string {
  return `${address.toLowerCase().replace(/^::ffff:/, '')}|${port}`;
}

/** The address of `host` (itself when it is a literal), or undefined when it does not resolve. */
async function resolve(host: string): Promise<string | undefined> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    return undefined;
  }
}

/** True if two address texts name the same address (an IPv4-mapped IPv6 source counts as IPv4). */
function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const strip = (x: string): string => x.toLowerCase().replace(/^::ffff:/, '');
  return strip(a) === strip(b);
}
