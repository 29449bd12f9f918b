/**
 * The control socket's server: a root-only Unix socket (see `socket-path.ts` for how its place
 * is made safe) through which the operator's `show`, `clear`, `debug` and `undebug` reach the
 * running gateway. The protocol is in `protocol.ts`; commands parse in `commands.ts`.
 *
 * Nothing a client sends can stop the gateway or grow its memory without bound: requests are
 * bounded lines, every failure is answered as an error of the catalogue, clients are limited in
 * number and idle time, and a debug stream a client does not read is cut at a bounded backlog
 * (the lines beyond are counted and reported, not kept).
 *
 * Debugging is the gateway's, as on IOS a router's: flags are global, and every client streaming
 * debug lines sees every line the engine prints. While clients stream, the engine's flags are
 * what the gateway had before the first of them plus what each asked for; when the last leaves,
 * the gateway's own are restored. `undebug all` turns everything off, the gateway's own flags
 * included (as IOS's `undebug all` does the console's), and ends every client's stream.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { GatewayContext } from '../gateway/context.js';
import { ControlProtocolError, PortcullisError } from '../errors.js';
import { parseControlCommand, splitCommandLine, type ControlCommand } from './commands.js';
import { answerShow, applyClear } from './answer.js';
import type { AaaClients } from '../log/show-aaa.js';
import type { ProxyShowState } from '../log/show-proxy.js';
import {
  IDLE_TIMEOUT_MS, LineSplitter, MAX_CLIENTS, MAX_DEBUG_BACKLOG_BYTES, MAX_REQUEST_BYTES, encodeMessage,
  type ControlMessage,
} from './protocol.js';
import { prepareSocketPath } from './socket-path.js';

/** A running control socket. */
export interface ControlServer {
  /** The absolute path it listens on. */
  readonly path: string;
  /** Clients connected now. */
  readonly clientCount: number;
  /** Stops listening, ends every client (debug streams get `{"end": …}`), restores the engine's debug flags, removes the socket. */
  close(): Promise<void>;
}

export interface ControlServerOptions {
  /** Socket path (`--control PATH`; default `/run/portcullis/control.sock`, protocol.ts). */
  readonly path: string;
  /** Clients at once (default {@link MAX_CLIENTS}). */
  readonly maxClients?: number;
  /** Idle time after which a client that streams nothing is closed (default {@link IDLE_TIMEOUT_MS}). */
  readonly idleTimeoutMs?: number;
  /** Debug backlog per client before lines are dropped (default {@link MAX_DEBUG_BACKLOG_BYTES}). */
  readonly maxDebugBacklogBytes?: number;
  /** Told of failures that concern no one client (the listener's own errors). Default: none. */
  readonly onError?: (e: Error) => void;
  /** The AAA clients whose counters `show aaa servers` prints (none: it says the gateway has none). */
  readonly aaa?: AaaClients | undefined;
  /** The explicit proxy whose counters `show ip auth-proxy statistics` adds (none: no such block). */
  readonly proxy?: ProxyShowState | undefined;
}

/** One connected client. */
interface Client {
  readonly socket: Socket;
  readonly splitter: LineSplitter;
  /** DEBUG_* flags this client streams (0: not streaming). */
  debugFlags: number;
  /** Ends this client's debug subscription. */
  unsubscribe: (() => void) | null;
  /** Debug lines dropped since the last one sent. */
  dropped: number;
  /** Framing was lost (a line beyond the limit): input is discarded until the client goes. */
  discarding: boolean;
}

/**
 * Starts the control socket for `ctx` at `opts.path`. Rejects with `ControlPathError` (unsafe
 * directory, not a socket), `ControlSocketInUseError` (a gateway listens there) or the listen error.
 */
export async function startControlServer(ctx: GatewayContext, opts: ControlServerOptions): Promise<ControlServer> {
  const path = await prepareSocketPath(opts.path);
  const server = new ControlSocketServer(ctx, path, opts);
  await server.listen();
  return server;
}

class ControlSocketServer implements ControlServer {
  private readonly server: Server;
  private readonly clients = new Set<Client>();
  private readonly maxClients: number;
  private readonly idleTimeoutMs: number;
  private readonly maxBacklog: number;
  /** The engine's debug flags before the first client began to stream (restored after the last). */
  private baseDebugFlags = 0;
  private streaming = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly ctx: GatewayContext, readonly path: string, private readonly opts: ControlServerOptions) {
    this.maxClients = opts.maxClients ?? MAX_CLIENTS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.maxBacklog = opts.maxDebugBacklogBytes ?? MAX_DEBUG_BACKLOG_BYTES;
    this.server = createServer((socket) => this.accept(socket));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Binds with a umask that leaves the socket 0600 from its first instant, then checks it. */
  async listen(): Promise<void> {
    await new Promise<void>((done, fail) => {
      const onError = (e: Error): void => fail(e);
      this.server.once('error', onError);
      // listen() on a path binds synchronously, so the umask covers exactly the bind (unix(7):
      // a socket file's mode comes from the umask).
      const old = process.umask(0o177);
      try {
        this.server.listen({ path: this.path }, () => {
          this.server.off('error', onError);
          done();
        });
      } finally {
        process.umask(old);
      }
    });
    this.server.on('error', (e) => this.opts.onError?.(e));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    for (const c of [...this.clients]) {
      if (c.debugFlags !== 0) this.send(c, { end: 'the gateway is stopping' });
      this.stopStreaming(c);
      c.socket.end();
      c.socket.destroySoon();
    }
    this.applyDebugFlags();
    // libuv removes the socket file as the listener closes (before closing its descriptor).
    await closed;
  }

  private accept(socket: Socket): void {
    if (this.closing !== null || this.clients.size >= this.maxClients) {
      const why = this.closing !== null ? 'the gateway is stopping' : `busy: ${this.maxClients} clients are connected`;
      socket.on('error', () => { /* the client went away; nothing to tell */ });
      socket.end(encodeMessage(errorMessage(new ControlProtocolError('busy', why))));
      // Read (and discard) until the client's end, so that the connection closes.
      socket.resume();
      return;
    }
    const c: Client = { socket, splitter: new LineSplitter(MAX_REQUEST_BYTES), debugFlags: 0, unsubscribe: null, dropped: 0, discarding: false };
    this.clients.add(c);
    socket.setTimeout(this.idleTimeoutMs);
    socket.on('timeout', () => {
      if (c.debugFlags !== 0) return;
      this.send(c, errorMessage(new ControlProtocolError('idle', `idle for ${this.idleTimeoutMs / 1000} s; closing`)));
      socket.end();
    });
    socket.on('data', (chunk: Buffer) => this.receive(c, chunk));
    socket.on('error', () => { /* reset by the client: 'close' follows */ });
    socket.on('close', () => {
      this.clients.delete(c);
      this.stopStreaming(c);
      this.applyDebugFlags();
    });
  }

  private receive(c: Client, chunk: Buffer): void {
    if (c.discarding) return;
    const lines = c.splitter.push(chunk);
    if (lines === null) {
      this.send(c, errorMessage(new ControlProtocolError('too-large',
        `request longer than ${MAX_REQUEST_BYTES} bytes; closing the connection`)));
      c.discarding = true;
      c.socket.end();
      return;
    }
    for (const line of lines) {
      if (c.socket.writableEnded) return;
      if (line.trim() === '') continue;
      this.send(c, this.answer(c, line));
    }
  }

  /** The answer to one request line. Never throws: any failure is an error answer. */
  private answer(c: Client, line: string): ControlMessage {
    try {
      const command = requestCommand(line);
      const cmd = parseControlCommand(splitCommandLine(command));
      return this.run(c, cmd);
    } catch (e) {
      return errorMessage(e);
    }
  }

  private run(c: Client, cmd: ControlCommand): ControlMessage {
    const ctx = this.ctx;
    switch (cmd.kind) {
      case 'show-auth-proxy':
      case 'show-access-lists':
      case 'show-aaa-servers':
        return {
          ok: true,
          output: answerShow(cmd, { config: ctx.config, acls: ctx.engine.acls, engine: ctx.engine, nowMs: ctx.nowMs(), aaa: this.opts.aaa,
            proxy: this.opts.proxy }),
        };
      case 'clear':
        return { ok: true, output: applyClear(cmd, ctx) };
      case 'debug':
        this.startStreaming(c, cmd.flags);
        return {
          ok: true, streaming: true,
          output: cmd.keywords.map((k) => `AUTH-PROXY ${k} debugging is on\n`).join(''),
        };
      case 'undebug-all':
        this.undebugAll();
        return { ok: true, output: 'All possible debugging has been turned off\n' };
    }
  }

  private startStreaming(c: Client, flags: number): void {
    c.debugFlags |= flags;
    c.socket.setTimeout(0);
    if (c.unsubscribe === null) c.unsubscribe = this.ctx.debugLines.subscribe((line) => this.streamLine(c, line));
    this.applyDebugFlags();
  }

  /** Sends one debug line to `c`, or counts it dropped while `c`'s unread backlog is full. */
  private streamLine(c: Client, line: string): void {
    // Never below the socket's high-water mark: only past it does a write ask for 'drain'.
    if (c.socket.writableLength >= Math.max(this.maxBacklog, c.socket.writableHighWaterMark)) {
      // The count is reported before the next line sent, or when the client has read its backlog.
      if (c.dropped++ === 0) c.socket.once('drain', () => this.reportDropped(c));
      return;
    }
    this.reportDropped(c);
    this.send(c, { line });
  }

  private reportDropped(c: Client): void {
    if (c.dropped === 0) return;
    this.send(c, { dropped: c.dropped });
    c.dropped = 0;
  }

  private stopStreaming(c: Client): void {
    c.unsubscribe?.();
    c.unsubscribe = null;
    c.debugFlags = 0;
  }

  /** `undebug all`: every stream ends and the engine prints nothing more. */
  private undebugAll(): void {
    for (const c of this.clients) {
      if (c.debugFlags === 0) continue;
      this.send(c, { end: 'undebug all' });
      this.stopStreaming(c);
      c.socket.setTimeout(this.idleTimeoutMs);
    }
    this.streaming = false;
    this.baseDebugFlags = 0;
    this.ctx.engine.debugFlags = 0;
  }

  /** Sets the engine's flags to the gateway's own plus every streaming client's. */
  private applyDebugFlags(): void {
    let union = 0;
    for (const c of this.clients) union |= c.debugFlags;
    const engine = this.ctx.engine;
    if (union === 0) {
      if (this.streaming) engine.debugFlags = this.baseDebugFlags;
      this.streaming = false;
      return;
    }
    if (!this.streaming) {
      this.baseDebugFlags = engine.debugFlags;
      this.streaming = true;
    }
    engine.debugFlags = this.baseDebugFlags | union;
  }

  private send(c: Client, m: ControlMessage): void {
    if (!c.socket.writable) return;
    c.socket.write(encodeMessage(m));
  }
}

/** The `command` of a request line. Throws {@link ControlProtocolError} when the line is no request. */
function requestCommand(line: string): string {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    throw new ControlProtocolError('malformed', 'request is not JSON: expected {"command": "..."} on one line');
  }
  const command = typeof req === 'object' && req !== null && !Array.isArray(req) ? (req as { command?: unknown }).command : undefined;
  if (typeof command !== 'string') throw new ControlProtocolError('malformed', 'request has no "command" string: expected {"command": "..."}');
  return command;
}

/** An error answer: a catalogue error's code and message; anything else as an internal error. */
function errorMessage(e: unknown): ControlMessage {
  if (e instanceof PortcullisError) return { ok: false, error: { code: e.code, message: e.message } };
  const message = e instanceof Error ? e.message : String(e);
  return { ok: false, error: { code: 'ERR_INTERNAL', message: `internal error: ${message}` } };
}
