/**
 * The interfaces between the endpoint's rooms and their surroundings: {@link EndpointApp}, what
 * the application that owns the connections receives, and {@link ConnectionLifecycle}, what the
 * rooms ask of the endpoint that ends connections.
 */

/** Events the endpoint delivers to the application that owns its connections. */
export interface EndpointApp {
  /** The handshake completed (ESTABLISHED). */
  accepted(conn: number, nowMs: number): void;
  /** In-order bytes from the peer; `buf` is reused after the call returns: copy. */
  data(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): void;
  /** The peer closed its side (no more data will come). */
  peerFin(conn: number, nowMs: number): void;
  /** The peer reset the connection, or the endpoint aborted it (retries exhausted, timeouts). */
  reset(conn: number, nowMs: number): void;
  /** The slot is free (after TIME_WAIT, LAST_ACK, reset or abort); `conn` may be reused afterwards. */
  released(conn: number, wasEstablished: boolean, nowMs: number): void;
  /** Send buffer space was freed after `send` accepted less than offered. */
  writable(conn: number, nowMs: number): void;
  /** The application's own deadline for `conn` (`TcpEndpoint.setAppDeadline`) has come. */
  timeout(conn: number, nowMs: number): void;
}

/** How a room ends a connection (implemented by the endpoint). */
export interface ConnectionLifecycle {
  /** Frees the slot and tells the app. */
  release(c: number, nowMs: number): void;
  /** Resets the connection on the endpoint's own initiative, tells the app, frees the slot. */
  abortByEndpoint(c: number, nowMs: number): void;
  /** The handshake of `c` completed (it no longer counts as half-open). */
  handshakeDone(c: number): void;
}
