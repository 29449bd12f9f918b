/**
 * The control socket's protocol: newline-delimited JSON over a Unix stream socket.
 *
 * A client sends requests, one JSON object per line (UTF-8, `\n`-terminated, at most
 * {@link MAX_REQUEST_BYTES} bytes with its newline):
 *
 *     {"command": "show ip auth-proxy cache"}
 *
 * `command` is the operator's command line (words separated by spaces, abbreviations as IOS
 * takes them; `src/control/commands.ts`). Empty lines are ignored. The server answers each
 * request, in order, with one line:
 *
 *     {"ok": true, "output": "Authentication Proxy Cache\n ..."}        the command's output ("" for none)
 *     {"ok": false, "error": {"code": "ERR_CONTROL_INPUT", "message": "..."}}
 *
 * A `debug ip auth-proxy …` request is answered `{"ok": true, "output": "...", "streaming": true}`;
 * from then on the connection also receives, in order, one line per debug line the gateway
 * prints while the client stays connected:
 *
 *     {"line": "*Dec 5 10:02:11.204: AUTH-PROXY:proto_flag=1, dstport_index=4"}
 *     {"dropped": 12}        lines dropped because the client read too slowly (bounded buffer)
 *     {"end": "undebug all"} debugging was turned off for everyone; no more lines follow
 *
 * Disconnecting ends the client's debugging. A request that is not a JSON object with a string
 * `command` gets an `ERR_CONTROL_PROTOCOL` error and the connection stays usable; a line longer
 * than the limit gets one and the connection is closed (framing is lost); so is a connection
 * beyond {@link MAX_CLIENTS}, and one idle for {@link IDLE_TIMEOUT_MS} (not one streaming debug
 * lines). Errors carry the catalogue's codes (`src/errors.ts`).
 */

/** Where `run` listens and the client commands connect unless `--control PATH` says otherwise. */
export const DEFAULT_CONTROL_PATH = '/run/portcullis/control.sock';
/** Longest request line, newline included (commands are a few dozen bytes). */
export const MAX_REQUEST_BYTES = 4096;
/** Longest answer line a client accepts (a `show ip access-lists` of a large config is megabytes). */
export const MAX_RESPONSE_BYTES = 256 << 20;
/** Clients connected at once; one more is told `busy` and closed. */
export const MAX_CLIENTS = 16;
/** A connection that sends nothing for this long, and streams no debug lines, is closed. */
export const IDLE_TIMEOUT_MS = 60_000;
/**
 * Debug output a client may have unread (bytes queued on its socket) before further lines are
 * dropped and counted, so that a stalled client cannot grow the gateway's memory.
 */
export const MAX_DEBUG_BACKLOG_BYTES = 1 << 20;

/** A request line's object. */
export interface ControlRequest {
  readonly command: string;
}

/** An answer or stream message, as sent (one JSON object per line). */
export type ControlMessage =
  | { readonly ok: true; readonly output: string; readonly streaming?: true }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } }
  | { readonly line: string }
  | { readonly dropped: number }
  | { readonly end: string };

/** One message as a protocol line. */
export function encodeMessage(m: ControlMessage | ControlRequest): string {
  return JSON.stringify(m) + '\n';
}

/**
 * Splits a byte stream into lines of at most `maxBytes` bytes (newline included). `push`
 * returns the complete lines a chunk finished, without their newlines, or `null` once the
 * buffered part of a line exceeds the limit (the stream is then unusable).
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private pending = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): string[] | null {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      if (this.pending + nl - start + 1 > this.maxBytes) return null;
      const tail = chunk.subarray(start, nl);
      lines.push((this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail])).toString('utf8'));
      this.parts = [];
      this.pending = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.pending += chunk.length - start;
      if (this.pending >= this.maxBytes) return null;
      this.parts.push(chunk.subarray(start));
    }
    return lines;
  }

  /** Bytes of an unfinished line held. */
  get pendingBytes(): number {
    return this.pending;
  }
}
