/**
 * Test helpers for the control socket: a temporary directory for sockets, packets of the context
 * fixture's hosts, a raw protocol client, and waiting for a condition.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import type { TcpPacket } from '../../captures/tools/builder.js';

/** Runs `fn` with a fresh temporary directory (0700, root's), removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `pc-ctl-${process.pid}-`));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One raw IP TCP packet. */
export function tcp(p: Omit<TcpPacket, 'timeMs'>): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).tcp({ ...p, timeMs: 0 }).packets()[0]!.bytes;
}

/** One raw IP UDP packet with 12 bytes of payload. */
export function udp(src: string, dst: string, sport: number, dport: number): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).udp({ timeMs: 0, src, dst, sport, dport, payload: new Uint8Array(12) }).packets()[0]!.bytes;
}

/** Resolves once `cond()` holds (checked every 5 ms); rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A protocol-level client: writes raw bytes, reads answer lines as parsed JSON. */
export class RawClient {
  readonly messages: unknown[] = [];
  closed = false;
  private buf = '';

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.messages.push(JSON.parse(this.buf.slice(0, nl)));
        this.buf = this.buf.slice(nl + 1);
      }
    });
    socket.on('error', () => { /* seen as close */ });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Waits for the `n`-th message (1-based) and returns it. */
  async message(n: number): Promise<unknown> {
    await waitFor(() => this.messages.length >= n || this.closed, `message ${n}`);
    await waitFor(() => this.messages.length >= n, `message ${n} (connection closed after ${this.messages.length})`, 200);
    return this.messages[n - 1];
  }

  end(): void {
    this.socket.end();
  }
}
