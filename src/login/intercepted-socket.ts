/**
 * A Node stream over one intercepted TCP connection of the userspace endpoint, so that Node's
 * own `http.Server` can serve it (`server.emit('connection', socket)`). Bytes the engine
 * delivers are pushed in; bytes the server writes go to `engine.connSend`, with back-pressure
 * when the endpoint's send buffer is full; `end()` becomes the proxy's FIN.
 */
import { Duplex } from 'node:stream';
import { ConnectionClosedError } from '../errors.js';
import type { Engine } from '../engine/engine.js';

export class InterceptedSocket extends Duplex {
  /** Address and ports as `net.Socket` exposes them (the server reads these). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteFamily: string;
  /** Not TLS: the intercepted page is plain HTTP on the original port. */
  readonly encrypted = false;

  private pending: Uint8Array | null = null;
  private pendingOffset = 0;
  private pendingCallback: ((err?: Error | null) => void) | null = null;
  private finished = false;

  constructor(
    private readonly engine: Engine,
    readonly conn: number,
    private readonly clock: () => number,
    private readonly onActivity: () => void,
    info: { remoteAddress: string; remotePort: number; localAddress: string; localPort: number; family: string },
  ) {
    super({ allowHalfOpen: true });
    this.remoteAddress = info.remoteAddress;
    this.remotePort = info.remotePort;
    this.localAddress = info.localAddress;
    this.localPort = info.localPort;
    this.remoteFamily = info.family;
  }

  // net.Socket methods http.Server calls; the endpoint owns TCP timing, so these are no-ops.
  setTimeout(_ms: number, _cb?: () => void): this { return this; }
  setNoDelay(_noDelay?: boolean): this { return this; }
  setKeepAlive(_enable?: boolean, _delay?: number): this { return this; }

  /** Close once the request being answered is answered (its host was let through meanwhile). */
  closeAfterAnswer = false;
  /** Where the HTTP exchange stands (see `LoginInterceptApp`'s timeouts). */
  phase = 0;
  /** Engine time the current phase started. */
  phaseStartMs = 0;

  /** Bytes the engine delivered, and how many of them were reported read. */
  private delivered = 0;
  private reported = 0;

  /**
   * Bytes from the engine: pushed into the stream, and whatever the reader has taken reported
   * to the engine, whose receive window then reopens by as much. A reader that stops (a paused
   * server) leaves them in the stream's buffer, the window closes, and the client must wait.
   */
  deliver(chunk: Buffer): void {
    this.delivered += chunk.length;
    // A flowing reader with nothing buffered takes the chunk inside `push` (it is emitted there
    // and then), and may answer at once: report it read first, so that the answer's segments
    // offer the window as it will be.
    if (this.readableFlowing === true && this.readableLength === 0) this.reportRead();
    this.push(chunk);
    this.reportRead();
  }

  override _read(): void {
    // The reader wants more: what it has taken since the last report reopens the window.
    this.reportRead();
  }

  /** Every take from the stream's buffer (a paused reader's, and the flowing mode's own) is reported. */
  override read(size?: number): any {
    const chunk: unknown = super.read(size);
    this.reportRead();
    return chunk;
  }

  private reportRead(): void {
    if (this.finished) return;
    const read = this.delivered - this.readableLength - this.reported;
    if (read <= 0) return;
    this.reported += read;
    this.engine.connRead(this.conn, read, this.clock());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.onActivity();
    if (this.finished) {
      callback(new ConnectionClosedError(false));
      return;
    }
    const n = this.engine.connSend(this.conn, chunk, 0, chunk.length, this.clock());
    if (n === chunk.length) {
      callback();
      return;
    }
    this.pending = chunk;
    this.pendingOffset = n;
    this.pendingCallback = callback;
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.onActivity();
    if (!this.finished) this.engine.connShutdown(this.conn, this.clock());
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.finished) {
      this.finished = true;
      // A stream destroyed before it ended (error, server timeout) aborts the connection.
      if (!this.writableFinished) this.engine.connAbort(this.conn, this.clock());
    }
    callback(err);
  }

  /** Called by the app when the endpoint freed send space: push the rest of a blocked write. */
  resumeWrite(): void {
    const chunk = this.pending;
    if (chunk === null) return;
    const n = this.engine.connSend(this.conn, chunk, this.pendingOffset, chunk.length - this.pendingOffset, this.clock());
    this.pendingOffset += n;
    if (this.pendingOffset >= chunk.length) {
      const cb = this.pendingCallback!;
      this.pending = null;
      this.pendingCallback = null;
      cb();
    }
  }

  /** The endpoint released the connection: no more writes. */
  markReleased(): void {
    this.finished = true;
    if (this.pendingCallback !== null) {
      const cb = this.pendingCallback;
      this.pending = null;
      this.pendingCallback = null;
      cb(new ConnectionClosedError(true));
    }
  }
}
