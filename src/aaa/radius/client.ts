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
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { RadiusEncodeError } from '../../errors.js';
import { DeadServers } from '../dead-servers.js';
import { RADIUS_CODE } from './dictionary.js';
import { decodePacket, RADIUS_FAULT_NAMES } from './packet.js';
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
    return this.tryServers(servers, false, (id, secret) => encodeAccessRequest(id, secret, {
      user: fields.user, password: fields.password, state: fields.state, callingStationId: fields.callingStationId,
      nasIdentifier: this.opts.nasIdentifier,
    }));
  }

  /** Sends an Accounting-Request with `attributes` to `servers` in order; the reply is an Accounting-Response. */
  accounting(servers: readonly RadiusServerTarget[], attributes: readonly RadiusAttribute[]): Promise<RadiusResult> {
    return this.tryServers(servers, true, (id, secret) => encodeAccountingRequest(id, secret, attributes));
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

  private async tryServers(servers: readonly RadiusServerTarget[], accounting: boolean,
    build: (id: number, secret: Uint8Array) => EncodedRequest): Promise<RadiusResult> {
    const alive = servers.filter((s) => !this.isDead(s));
    if (servers.length === 0) return { kind: 'no-answer', reason: 'no RADIUS server configured' };
    if (alive.length === 0) return { kind: 'no-answer', reason: 'every RADIUS server is marked dead' };
    for (const server of alive) {
      if (this.closed) break;
      let packet: RadiusPacket | undefined;
      try {
        packet = await this.exchange(server, accounting, build);
      } catch (e) {
        if (e instanceof RadiusEncodeError) return { kind: 'unsendable', reason: e.message };
        throw e;
      }
      if (packet !== undefined) {
        this.dead.answered(serverKey(server));
        return { kind: 'reply', packet, server };
      }
      if (this.closed) break;
      if (this.dead.noAnswer(serverKey(server), server.deadtimeMs ?? this.opts.deadtimeMs)) this.counters.markedDead++;
    }
    const names = alive.map((s) => `${s.host}:${accounting ? s.acctPort : s.authPort}`).join(', ');
    return { kind: 'no-answer', reason: `no answer from RADIUS server${alive.length === 1 ? '' : 's'} ${names}` };
  }

  /** One request to one server with its retransmissions: the valid reply, or undefined. */
  private async exchange(server: RadiusServerTarget, accounting: boolean,
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
      const pending: Pending = { address, port, request, secret, accounting, done: finish };
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
            send();
          } else {
            this.counters.timeouts++;
            finish(undefined);
          }
        }, server.timeoutMs);
        this.timers.add(timer);
      };
      this.counters.requests++;
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
    if (!d.ok) {
      c.malformed++;
      const name = RADIUS_FAULT_NAMES[d.fault];
      c.malformedBy[name] = (c.malformedBy[name] ?? 0) + 1;
      return;
    }
    const packet = d.packet;
    const pending = slot.inFlight[packet.identifier];
    if (pending === undefined || pending.port !== rinfo.port || !sameAddress(pending.address, rinfo.address)) {
      c.unknownIdentifier++;
      return;
    }
    const codeOk = pending.accounting
      ? packet.code === RADIUS_CODE.ACCOUNTING_RESPONSE
      : packet.code === RADIUS_CODE.ACCESS_ACCEPT || packet.code === RADIUS_CODE.ACCESS_REJECT
        || packet.code === RADIUS_CODE.ACCESS_CHALLENGE;
    if (!codeOk) {
      c.unexpectedCode++;
      return;
    }
    const check = verifyReply(packet, pending.request.authenticator, pending.secret, !pending.accounting);
    if (check === REPLY_CHECK.BAD_AUTHENTICATOR) c.badAuthenticator++;
    else if (check === REPLY_CHECK.MISSING_MESSAGE_AUTHENTICATOR) c.missingMessageAuthenticator++;
    else if (check === REPLY_CHECK.BAD_MESSAGE_AUTHENTICATOR) c.badMessageAuthenticator++;
    if (check !== REPLY_CHECK.OK) return;
    if (packet.code === RADIUS_CODE.ACCESS_ACCEPT) c.accepts++;
    else if (packet.code === RADIUS_CODE.ACCESS_REJECT) c.rejects++;
    else if (packet.code === RADIUS_CODE.ACCESS_CHALLENGE) c.challenges++;
    else c.accountingResponses++;
    // The packet's views point into `msg`, which dgram does not reuse.
    pending.done(packet);
  }
}

/** Identity of a server for dead-time (IOS identifies a RADIUS server by host and ports). */
function serverKey(s: Pick<RadiusServerTarget, 'host' | 'authPort' | 'acctPort'>): string {
  return `${s.host}|${s.authPort}|${s.acctPort}`;
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
