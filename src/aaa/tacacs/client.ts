/**
 * The TACACS+ client (RFC 8907) over TCP (node:net): one session is one TCP connection (§4.3),
 * or, for a server configured `single-connection`, sessions share one connection kept open
 * while the server agrees (it sets TAC_PLUS_SINGLE_CONNECT_FLAG in its first reply, §4.3).
 *
 * A session exchanges packets with odd sequence numbers from the client and even ones from the
 * server (§4.1); each reply must come within the server's timeout (`tacacs-server host … timeout
 * T`, else `tacacs-server timeout`), or the session ends without an answer. A packet that is not
 * the reply expected — a header or body that does not decode with the key ({@link TACACS_FAULT};
 * a wrong key shows as a malformed body, §4.5), another session's id, a wrong sequence number —
 * is counted in {@link TacacsCounters} and ends the connection: the sessions on it get no
 * answer. Nothing a server sends can throw out of the client or stop the process.
 *
 * Dead-time (`tacacs-server deadtime`, a group's `deadtime`; src/aaa/dead-servers.ts, the policy
 * the RADIUS client applies too): a session that got no valid reply marks its server dead for
 * the target's `deadtimeMs`; {@link TacacsClient.isDead} tells the method to skip it meanwhile.
 * A server that answers — even FAIL or ERROR — is alive.
 *
 * Single connection (§4.3): the first session on a new connection to a `single-connection`
 * server sets TAC_PLUS_SINGLE_CONNECT_FLAG; once the server's reply carries it too, later
 * sessions — several at once, told apart by their session ids — share that connection. Sessions
 * that start while the shared connection is still being negotiated use connections of their
 * own, closed when they end.
 *
 * Besides the client's {@link TacacsCounters}, each server has its own
 * {@link TacacsServerCounters} (`show aaa servers` lists them, as IOS does).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import {
  decodeHeader, encodePacket, openBody, TACACS_FAULT_NAMES, TACACS_FLAG, TACACS_HEADER_LEN,
} from './packet.js';
import type { Decoded, TacacsFault, TacacsHeader } from './packet.js';
import { DeadServers } from '../dead-servers.js';
import type { ServerState } from '../dead-servers.js';

/** One server as the client uses it (resolved from the config by the method). */
export interface TacacsServerTarget {
  readonly host: string;
  readonly port: number;
  /** The shared key. Never logged or put in a message. */
  readonly key: string;
  /** Time to wait for each reply (and for the connection), in ms. */
  readonly timeoutMs: number;
  /** `single-connection`: keep one connection open for the sessions (§4.3). */
  readonly singleConnection: boolean;
  /** How long the server is skipped after it gave no answer, in ms; 0 or absent: never. */
  readonly deadtimeMs?: number | undefined;
}

/** Options of a {@link TacacsClient}. */
export interface TacacsClientOptions {
  /** Monotonic clock in ms, for dead-time (default `performance.now()`). */
  readonly nowMs?: () => number;
}

/** What the client saw, for `show` and for tests. */
export interface TacacsCounters {
  sessions: number;
  /** Connections that could not be opened (refused, unreachable). */
  connectErrors: number;
  /** Replies that did not come in time. */
  timeouts: number;
  /** Connections the server closed while a reply was awaited. */
  closedEarly: number;
  /** Packets that do not decode (by fault name): malformed, or obfuscated with another key. */
  malformed: number;
  malformedBy: Record<string, number>;
  /** Packets of an unknown session or with a wrong sequence number or type. */
  unexpected: number;
  /** Connections opened. */
  connections: number;
  /** Times a server was marked dead. */
  markedDead: number;
}

/** What one server saw, for `show aaa servers`. */
export interface TacacsServerCounters {
  /** Sessions with the server (authentication and authorization). */
  sessions: number;
  /** Replies that did not come in time. */
  timeouts: number;
  /** Valid replies, and their time from the packet they answer (ms) in all. */
  answered: number;
  answerMs: number;
  /** Connections opened, connections that could not be opened, closed by the server while a reply was awaited. */
  connections: number;
  connectErrors: number;
  closedEarly: number;
  /** Packets that do not decode; packets of an unknown session or with a wrong sequence number or type. */
  malformed: number;
  unexpected: number;
}

/** A reply packet's header and clear body. */
export interface TacacsReply {
  readonly header: TacacsHeader;
  readonly body: Uint8Array;
}

/** A conversation with one server: send a body and read the server's reply. */
export interface TacacsSession {
  /**
   * Sends `body` (type `type`, version `version`) and waits for the reply of the same type, read
   * with `decode`; undefined when there is none (a reply that does not decode is counted and
   * ends the connection).
   */
  exchange<T>(type: number, version: number, body: Uint8Array, decode: (b: Uint8Array) => Decoded<T>): Promise<T | undefined>;
}

interface Waiter {
  readonly seqNo: number;
  readonly done: (r: TacacsReply | undefined) => void;
}

/** One TCP connection and the sessions waiting on it. */
class Connection {
  readonly waiters = new Map<number, Waiter>();
  private buf = new Uint8Array(0);
  /** The server agreed to single-connection mode. */
  agreed = false;
  closed = false;
  readonly ready: Promise<boolean>;

  constructor(readonly socket: Socket, private readonly key: Uint8Array, private readonly counters: TacacsCounters,
    private readonly server: TacacsServerCounters, timeoutMs: number) {
    this.ready = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => { counters.connectErrors++; server.connectErrors++; this.close(); resolve(false); }, timeoutMs);
      let connected = false;
      socket.once('connect', () => { connected = true; clearTimeout(t); resolve(true); });
      socket.once('error', () => {
        clearTimeout(t);
        if (!connected) {
          counters.connectErrors++;
          server.connectErrors++;
        }
        resolve(false);
      });
      socket.once('close', () => { clearTimeout(t); resolve(false); });
    });
    socket.on('error', () => this.close());
    socket.on('close', () => {
      if (this.waiters.size > 0) {
        counters.closedEarly++;
        server.closedEarly++;
      }
      this.close();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of all) w.done(undefined);
  }

  fault(f: TacacsFault): void {
    this.counters.malformed++;
    this.server.malformed++;
    const name = TACACS_FAULT_NAMES[f];
    this.counters.malformedBy[name] = (this.counters.malformedBy[name] ?? 0) + 1;
    this.close();
  }

  private onData(chunk: Buffer): void {
    const next = new Uint8Array(this.buf.length + chunk.length);
    next.set(this.buf);
    next.set(chunk, this.buf.length);
    this.buf = next;
    while (!this.closed && this.buf.length >= TACACS_HEADER_LEN) {
      const h = decodeHeader(this.buf);
      if (!h.ok) return this.fault(h.fault);
      const total = TACACS_HEADER_LEN + h.value.length;
      if (this.buf.length < total) return;
      const body = openBody(h.value, this.buf.subarray(TACACS_HEADER_LEN, total), this.key);
      this.buf = this.buf.slice(total);
      if (!body.ok) return this.fault(body.fault);
      const w = this.waiters.get(h.value.sessionId);
      if (w === undefined || w.seqNo !== h.value.seqNo) {
        this.unexpected();
        return;
      }
      if ((h.value.flags & TACACS_FLAG.SINGLE_CONNECT) !== 0) this.agreed = true;
      this.waiters.delete(h.value.sessionId);
      w.done({ header: h.value, body: body.value });
    }
  }

  /** A packet that is not the reply expected: counted, and the connection ends. */
  unexpected(): void {
    this.counters.unexpected++;
    this.server.unexpected++;
    this.close();
  }
}

/** See the module comment. */
export class TacacsClient {
  readonly counters: TacacsCounters = {
    sessions: 0, connectErrors: 0, timeouts: 0, closedEarly: 0, malformed: 0, malformedBy: {}, unexpected: 0, connections: 0,
    markedDead: 0,
  };
  /** Shared connections of `single-connection` servers. */
  private readonly shared = new Map<string, Connection>();
  private readonly open = new Set<Connection>();
  private readonly dead: DeadServers;
  /** Each server's counters, by {@link serverKey}. */
  private readonly perServer = new Map<string, TacacsServerCounters>();
  private readonly now: () => number;
  private closed = false;

  constructor(opts: TacacsClientOptions = {}) {
    this.now = opts.nowMs ?? (() => performance.now());
    this.dead = new DeadServers(this.now);
  }

  /** The counters of `server` (zero for one never asked). */
  serverCounters(server: Pick<TacacsServerTarget, 'host' | 'port'>): TacacsServerCounters {
    const key = serverKey(server);
    let c = this.perServer.get(key);
    if (c === undefined) {
      c = { sessions: 0, timeouts: 0, answered: 0, answerMs: 0, connections: 0, connectErrors: 0, closedEarly: 0, malformed: 0, unexpected: 0 };
      this.perServer.set(key, c);
    }
    return c;
  }

  /** The dead-time state of `server` now (UP or DEAD, for how long, its dead periods). */
  serverState(server: Pick<TacacsServerTarget, 'host' | 'port'>): ServerState {
    return this.dead.state(serverKey(server));
  }

  /** True while `server` is marked dead (see the module comment). */
  isDead(server: Pick<TacacsServerTarget, 'host' | 'port'>): boolean {
    return this.dead.isDead(serverKey(server));
  }

  /** TCP connections open now (shared ones included). */
  openConnections(): number {
    return this.open.size;
  }

  /**
   * Runs `body` as one session with `server` and returns its result; the session's connection
   * is closed afterwards unless it is a shared one the server agreed to keep.
   */
  async session<T>(server: TacacsServerTarget, body: (s: TacacsSession) => Promise<T>): Promise<T> {
    this.counters.sessions++;
    const sc = this.serverCounters(server);
    sc.sessions++;
    const key = new TextEncoder().encode(server.key);
    const sessionId = randomBytes(4).readUInt32BE(0);
    let conn: Connection | undefined;
    let seqNo = 1;
    let first = true;
    /** An exchange got no valid reply (the server is then marked dead), or got one. */
    let silent = false;
    let replied = false;
    const session: TacacsSession = {
      exchange: async <T>(type: number, version: number, payload: Uint8Array, decode: (b: Uint8Array) => Decoded<T>) => {
        if (this.closed) return undefined;
        if (conn === undefined) conn = this.connection(server, key);
        silent = true;
        if (!(await conn.ready) || conn.closed) return undefined;
        const c = conn;
        const flags = server.singleConnection && first ? TACACS_FLAG.SINGLE_CONNECT : 0;
        first = false;
        const packet = encodePacket({ version, type, seqNo, flags, sessionId }, payload, key);
        const sentAt = this.now();
        const reply = await new Promise<TacacsReply | undefined>((resolve) => {
          const timer = setTimeout(() => {
            if (c.waiters.get(sessionId) !== waiter) return;
            c.waiters.delete(sessionId);
            this.counters.timeouts++;
            sc.timeouts++;
            // A connection that missed a reply cannot be trusted to be in step: close it.
            c.close();
            resolve(undefined);
          }, server.timeoutMs);
          const waiter: Waiter = { seqNo: (seqNo + 1) & 0xff, done: (r) => { clearTimeout(timer); resolve(r); } };
          c.waiters.set(sessionId, waiter);
          c.socket.write(packet);
        });
        seqNo += 2;
        if (reply === undefined) return undefined;
        if (reply.header.type !== type) {
          c.unexpected();
          return undefined;
        }
        const d = decode(reply.body);
        if (!d.ok) {
          c.fault(d.fault);
          return undefined;
        }
        silent = false;
        replied = true;
        sc.answered++;
        sc.answerMs += this.now() - sentAt;
        return d.value;
      },
    };
    try {
      return await body(session);
    } finally {
      const k = serverKey(server);
      const c = conn as Connection | undefined;
      if (c !== undefined && !(this.shared.get(k) === c && c.agreed && !c.closed)) {
        c.close();
        this.open.delete(c);
        if (this.shared.get(k) === c) this.shared.delete(k);
      }
      if (silent && !this.closed) {
        if (this.dead.noAnswer(k, server.deadtimeMs ?? 0)) this.counters.markedDead++;
      } else if (replied) {
        this.dead.answered(k);
      }
    }
  }

  /** Closes every connection; sessions in flight end without an answer. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.open) c.close();
    this.open.clear();
    this.shared.clear();
  }

  /** A connection to `server`: the shared one when single-connection mode holds, else a new one. */
  private connection(server: TacacsServerTarget, key: Uint8Array): Connection {
    const k = serverKey(server);
    const current = this.shared.get(k);
    if (server.singleConnection && current !== undefined && !current.closed && current.agreed) return current;
    this.counters.connections++;
    const sc = this.serverCounters(server);
    sc.connections++;
    const socket = connect({ host: server.host, port: server.port });
    socket.setNoDelay(true);
    const c = new Connection(socket, key, this.counters, sc, server.timeoutMs);
    this.open.add(c);
    socket.once('close', () => {
      this.open.delete(c);
      if (this.shared.get(k) === c) this.shared.delete(k);
    });
    // While one is being negotiated, it stays the candidate: this one is the session's own.
    if (server.singleConnection && (current === undefined || current.closed)) this.shared.set(k, c);
    return c;
  }
}

function serverKey(s: Pick<TacacsServerTarget, 'host' | 'port'>): string {
  return `${s.host}|${s.port}`;
}
