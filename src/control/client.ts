/**
 * The control socket's client: sends one command to a running gateway and returns its answer,
 * or, for `debug ip auth-proxy …`, hands over the debug lines as they come until the stream ends
 * (the caller's signal, `undebug all`, the gateway stopping). Protocol: `protocol.ts`.
 */
import { createConnection, type Socket } from 'node:net';
import { ControlCommandError, ControlConnectError, ControlProtocolError, errnoOf } from '../errors.js';
import { LineSplitter, MAX_RESPONSE_BYTES, encodeMessage } from './protocol.js';

export interface ControlCallOptions {
  /** The gateway's control socket. */
  readonly path: string;
  /** The command line, e.g. `show ip auth-proxy cache`. */
  readonly command: string;
  /** A debug stream began; `output` is the gateway's confirmation. */
  readonly onStreamStart?: (output: string) => void;
  /** One debug line, without its newline. May throw to end the stream (the call rejects with it). */
  readonly onLine?: (line: string) => void;
  /** The gateway dropped `n` debug lines because this client read too slowly. */
  readonly onDropped?: (n: number) => void;
  /** Ends a debug stream cleanly (the client disconnects, which ends its debugging). */
  readonly signal?: AbortSignal;
}

export interface ControlCallResult {
  /** The command's output (for a debug stream, the confirmation). */
  readonly output: string;
  /**
   * How a debug stream ended: `interrupted` (the signal), or the gateway's reason (`undebug
   * all`, `the gateway is stopping`). Undefined for other commands.
   */
  readonly streamEnd?: string;
}

/** Anything one answer line may hold. */
interface AnyMessage {
  ok?: unknown;
  output?: unknown;
  streaming?: unknown;
  error?: { code?: unknown; message?: unknown };
  line?: unknown;
  dropped?: unknown;
  end?: unknown;
}

/**
 * Sends `opts.command` to the gateway at `opts.path`. Rejects with {@link ControlConnectError}
 * (no gateway), {@link ControlCommandError} (the gateway refused the command: its code and
 * message) or {@link ControlProtocolError} (the connection broke or the answer is no protocol).
 */
export function callControl(opts: ControlCallOptions): Promise<ControlCallResult> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection({ path: opts.path });
    const splitter = new LineSplitter(MAX_RESPONSE_BYTES);
    let connected = false;
    let settled = false;
    let streaming = false;
    let output = '';

    const finish = (e: Error | null, streamEnd?: string): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (e !== null) reject(e);
      else resolve(streamEnd === undefined ? { output } : { output, streamEnd });
    };
    const onAbort = (): void => finish(null, 'interrupted');

    const handle = (m: AnyMessage): void => {
      if (streaming) {
        if (typeof m.line === 'string') opts.onLine?.(m.line);
        else if (typeof m.dropped === 'number') opts.onDropped?.(m.dropped);
        else if (typeof m.end === 'string') finish(null, m.end);
        else if (m.ok === false) finish(remoteError(m));
        return;
      }
      if (m.ok === true && typeof m.output === 'string') {
        output = m.output;
        if (m.streaming === true) {
          streaming = true;
          opts.onStreamStart?.(output);
          if (opts.signal?.aborted === true) finish(null, 'interrupted');
        } else {
          finish(null);
        }
        return;
      }
      finish(m.ok === false ? remoteError(m) : new ControlProtocolError('malformed', 'the gateway\'s answer is no answer of the protocol'));
    };

    socket.on('connect', () => {
      connected = true;
      socket.write(encodeMessage({ command: opts.command }));
    });
    socket.on('data', (chunk: Buffer) => {
      const lines = splitter.push(chunk);
      if (lines === null) {
        finish(new ControlProtocolError('too-large', `the gateway's answer is longer than ${MAX_RESPONSE_BYTES} bytes`));
        return;
      }
      for (const line of lines) {
        if (settled) return;
        let m: AnyMessage;
        try {
          m = JSON.parse(line) as AnyMessage;
        } catch {
          finish(new ControlProtocolError('malformed', 'the gateway\'s answer is not JSON'));
          return;
        }
        try {
          handle(m !== null && typeof m === 'object' ? m : {});
        } catch (e) {
          finish(e as Error);
        }
      }
    });
    socket.on('error', (e) => {
      const errno = errnoOf(e) ?? 'EIO';
      finish(connected
        ? new ControlProtocolError('closed', `the gateway closed the connection: ${errno}`)
        : new ControlConnectError(opts.path, errno));
    });
    socket.on('close', () => {
      finish(new ControlProtocolError('closed', streaming
        ? 'the gateway closed the connection'
        : 'the gateway closed the connection before answering'));
    });
    if (opts.signal !== undefined) opts.signal.addEventListener('abort', onAbort);
  });
}

function remoteError(m: AnyMessage): ControlCommandError {
  const code = typeof m.error?.code === 'string' ? m.error.code : 'ERR_UNKNOWN';
  const message = typeof m.error?.message === 'string' ? m.error.message : 'the gateway refused the command';
  return new ControlCommandError(code, message);
}
