/**
 * Intercepted connections: the engine's bookkeeping of the connections the userspace TCP
 * endpoint answers for the proxy (which host opened each, its trigger protocol, whether it is
 * still half-open or has sent no data — `half-open-limit`, `max-nodata-conns`), and the relay
 * between the endpoint and the login subsystem (`InterceptApp`) in both directions.
 */
import type { EndpointApp } from '../tcp/app.js';
import type { EngineState } from './state.js';
import type { HostSessions } from './sessions.js';

/**
 * What the login subsystem implements to receive intercepted connections (src/login). The
 * engine calls it from `handle()`/`poll()`; it answers through `connSend`/`connShutdown`/
 * `connAbort`, at any later time.
 */
export interface InterceptApp {
  /** A connection was established; `proto` is the AP_PROTO_* bit of its trigger port. */
  accepted(conn: number, proto: number, nowMs: number): void;
  /** In-order bytes from the client (copy them: `buf` is reused). */
  data(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): void;
  /** The client closed its side. */
  peerFin(conn: number, nowMs: number): void;
  /** The connection was reset (by the client, or aborted by the endpoint). */
  reset(conn: number, nowMs: number): void;
  /** The connection is gone; `conn` may be reused. */
  released(conn: number, nowMs: number): void;
  /** Send space was freed after `connSend` accepted less than offered. */
  writable(conn: number, nowMs: number): void;
  /** The deadline the app set with `connSetDeadline` has come (engine time). */
  timeout(conn: number, nowMs: number): void;
}

/** The engine's room for intercepted connections; the endpoint's `EndpointApp`. */
export class InterceptedConnections implements EndpointApp {
  /** Intercepted connections that sent a SYN and have not completed the handshake. */
  halfOpenCount = 0;
  /** The login subsystem, or null (connections are then answered by the endpoint alone). */
  app: InterceptApp | null;

  private readonly halfOpen: Uint8Array;
  private readonly noData: Uint8Array;
  private readonly host: Int32Array;
  private readonly hostGen: Uint32Array;
  private readonly proto: Uint8Array;

  constructor(private readonly s: EngineState, private readonly sessions: HostSessions, maxConnections: number,
    app: InterceptApp | null) {
    this.app = app;
    this.halfOpen = new Uint8Array(maxConnections);
    this.noData = new Uint8Array(maxConnections);
    this.host = new Int32Array(maxConnections).fill(-1);
    this.hostGen = new Uint32Array(maxConnections);
    this.proto = new Uint8Array(maxConnections);
  }

  /**
   * Records connection `conn`, just opened by the endpoint for cache entry `host` on a trigger
   * port of protocol `protoBit` (AP_PROTO_*): no data yet, and half-open (counted in
   * `halfOpenCount` by the caller) unless `halfOpen` is false (a SYN cookie's connection).
   */
  opened(conn: number, host: number, protoBit: number, halfOpen = true): void {
    const cache = this.s.cache;
    this.halfOpen[conn] = halfOpen ? 1 : 0;
    this.noData[conn] = 1;
    this.host[conn] = host;
    this.hostGen[conn] = cache.generation[host]!;
    this.proto[conn] = protoBit;
    cache.nodataConns[host]!++;
  }

  /** AP_PROTO_* bit of the trigger port of `conn`. */
  protoOf(conn: number): number {
    return this.proto[conn]!;
  }

  /** The cache slot of the host that opened `conn`, or -1 if that entry is gone. */
  liveHost(conn: number): number {
    const host = this.host[conn]!;
    if (host < 0 || this.s.cache.generation[host] !== this.hostGen[conn]) return -1;
    return host;
  }

  // ---- the login subsystem's side --------------------------------------------------------------

  /** Queues application bytes on an intercepted connection; returns how many were accepted. */
  send(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): number {
    return this.s.endpoint.send(conn, buf, off, len, nowMs);
  }

  /** Closes an intercepted connection after its queued bytes (the proxy's FIN). */
  shutdown(conn: number, nowMs: number): void {
    this.s.endpoint.shutdown(conn, nowMs);
  }

  /** The app read `n` of the bytes delivered on `conn`: the receive window reopens by as much. */
  read(conn: number, n: number, nowMs: number): void {
    this.s.endpoint.read(conn, n, nowMs);
  }

  /** Arms the app's deadline for `conn` at `atMs`, engine time (Infinity disarms). */
  setDeadline(conn: number, atMs: number): void {
    this.s.endpoint.setAppDeadline(conn, atMs);
  }

  /** Resets an intercepted connection. */
  abort(conn: number, nowMs: number): void {
    this.s.endpoint.abort(conn, nowMs);
  }

  // ---- EndpointApp: events from the TCP endpoint --------------------------------------------

  accepted(conn: number, nowMs: number): void {
    if (this.halfOpen[conn] === 1) {
      this.halfOpen[conn] = 0;
      this.halfOpenCount--;
    }
    const host = this.liveHost(conn);
    if (host >= 0) this.sessions.established(host);
    if (this.app !== null) this.app.accepted(conn, this.proto[conn]!, nowMs);
  }

  data(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): void {
    if (this.noData[conn] === 1) {
      this.noData[conn] = 0;
      this.releaseNoData(conn);
    }
    // Without an app nobody reads: the bytes count as read at once (the window stays open).
    if (this.app !== null) this.app.data(conn, buf, off, len, nowMs);
    else this.s.endpoint.read(conn, len, nowMs);
  }

  peerFin(conn: number, nowMs: number): void {
    if (this.app !== null) this.app.peerFin(conn, nowMs);
  }

  reset(conn: number, nowMs: number): void {
    if (this.app !== null) this.app.reset(conn, nowMs);
  }

  released(conn: number, wasEstablished: boolean, nowMs: number): void {
    if (this.halfOpen[conn] === 1) {
      this.halfOpen[conn] = 0;
      this.halfOpenCount--;
    }
    if (this.noData[conn] === 1) {
      this.noData[conn] = 0;
      this.releaseNoData(conn);
    }
    const host = wasEstablished ? -1 : this.liveHost(conn);
    this.host[conn] = -1;
    if (this.app !== null) this.app.released(conn, nowMs);
    // A handshake that never completed: an entry it alone made goes with it.
    if (host >= 0) this.sessions.abandoned(host, nowMs);
  }

  writable(conn: number, nowMs: number): void {
    if (this.app !== null) this.app.writable(conn, nowMs);
  }

  timeout(conn: number, nowMs: number): void {
    if (this.app !== null) this.app.timeout(conn, nowMs);
  }

  /** `conn` no longer counts against its host's `max-nodata-conns`. */
  private releaseNoData(conn: number): void {
    const host = this.liveHost(conn);
    const cache = this.s.cache;
    if (host >= 0 && cache.nodataConns[host]! > 0) cache.nodataConns[host]!--;
  }
}
