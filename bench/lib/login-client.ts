/**
 * The client side of the logins benchmark (bench/logins.ts), run in the client namespace as
 * `node login-client.js` with a JSON request on standard input and a JSON answer on standard
 * output. Every request goes out from its own source address (the client holds many), so that
 * every login is a new host's.
 *
 * - `prepare`: an http GET to the server from each address; the gateway intercepts it and
 *   answers with its login page, whose form (action, `ap_token`, `ap_orig`) is returned. Not
 *   timed: it is what a browser has before the user presses OK.
 * - `login`: for each form, `concurrency` at a time, a new TLS connection (no session reuse) to
 *   the form's action, the POST of user and password, the answer (200 and "Authentication
 *   Successful" expected), and then, when `firstPacket` is given, a TCP connection from the same
 *   address to the server, complete when its SYN-ACK came back through the gateway. Timed from
 *   the first connection to the last answer.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Topology } from '../../src/netns/topology.js';
import { BenchChildError } from './harness.js';

/** A login form as the intercepted page gave it. */
export interface LoginForm {
  readonly address: string;
  readonly action: string;
  readonly fields: Readonly<Record<string, string>>;
}

export type LoginClientRequest =
  | { readonly mode: 'prepare'; readonly addresses: readonly string[]; readonly url: string; readonly concurrency: number }
  | {
    readonly mode: 'login';
    readonly forms: readonly LoginForm[];
    readonly user: string;
    readonly password: string;
    /** PEM file of the certificate to trust (the gateway's). */
    readonly caPath: string;
    readonly concurrency: number;
    readonly firstPacket?: { readonly host: string; readonly port: number };
  };

export interface LoginClientAnswer {
  readonly forms?: LoginForm[];
  readonly ok: number;
  readonly failures: string[];
  readonly elapsedMs: number;
  /** Per-login milliseconds, in completion order. */
  readonly latenciesMs: number[];
}

const TIMEOUT_MS = 15_000;

/** The decoded text of an HTML attribute value as the login page escapes it. */
function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]!);
}

/** The form of a login page: its action and hidden fields. Throws when the page has none. */
export function parseLoginForm(address: string, html: string): LoginForm {
  const action = /<form[^>]*\baction="([^"]*)"/i.exec(html);
  if (action === null) throw new Error(`no login form in the page (${html.slice(0, 80).replace(/\s+/g, ' ')}…)`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unescapeHtml(m[2]!);
  return { address, action: unescapeHtml(action[1]!), fields };
}

/** Runs `jobs` with at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await job(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

function get(url: string, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rq = http.get(url, { localAddress, agent: false, timeout: TIMEOUT_MS }, (rs) => {
      const chunks: Buffer[] = [];
      rs.on('data', (c: Buffer) => chunks.push(c));
      rs.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      rs.on('error', reject);
    });
    rq.on('timeout', () => rq.destroy(new Error(`GET ${url} from ${localAddress}: no answer in ${TIMEOUT_MS} ms`)));
    rq.on('error', reject);
  });
}

function post(form: LoginForm, body: string, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const rq = https.request(form.action, {
      method: 'POST', localAddress: form.address, agent: false, ca, timeout: TIMEOUT_MS,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), connection: 'close' },
    }, (rs) => {
      const chunks: Buffer[] = [];
      rs.on('data', (c: Buffer) => chunks.push(c));
      rs.on('end', () => resolve({ status: rs.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      rs.on('error', reject);
    });
    rq.on('timeout', () => rq.destroy(new Error(`POST ${form.action} from ${form.address}: no answer in ${TIMEOUT_MS} ms`)));
    rq.on('error', reject);
    rq.end(body);
  });
}

function connect(host: string, port: number, localAddress: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress, timeout: TIMEOUT_MS }, () => { s.destroy(); resolve(); });
    s.on('timeout', () => s.destroy(new Error(`connect ${host}:${port} from ${localAddress}: no SYN-ACK in ${TIMEOUT_MS} ms`)));
    s.on('error', reject);
  });
}

async function run(req: LoginClientRequest): Promise<LoginClientAnswer> {
  const failures: string[] = [];
  const latenciesMs: number[] = [];
  let ok = 0;
  const t0 = performance.now();
  if (req.mode === 'prepare') {
    const forms: LoginForm[] = [];
    await pool(req.addresses, req.concurrency, async (address) => {
      try {
        forms.push(parseLoginForm(address, await get(req.url, address)));
        ok++;
      } catch (e) {
        failures.push(`${address}: ${(e as Error).message}`);
      }
    });
    return { forms, ok, failures, elapsedMs: performance.now() - t0, latenciesMs };
  }
  const ca = readFileSync(req.caPath, 'utf8');
  await pool(req.forms, req.concurrency, async (form) => {
    const s = performance.now();
    try {
      const body = new URLSearchParams({ ...form.fields, uname: req.user, pwd: req.password }).toString();
      const r = await post(form, body, ca);
      if (r.status !== 200 || !r.text.includes('Authentication Successful')) {
        throw new Error(`login from ${form.address}: status ${r.status}: ${r.text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 120)}`);
      }
      if (req.firstPacket !== undefined) await connect(req.firstPacket.host, req.firstPacket.port, form.address);
      latenciesMs.push(performance.now() - s);
      ok++;
    } catch (e) {
      failures.push((e as Error).message);
    }
  });
  return { ok, failures, elapsedMs: performance.now() - t0, latenciesMs };
}

/**
 * Runs this script in the client namespace with `req` and resolves with its answer (the parent's
 * side). Throws a {@link BenchChildError} when it fails or prints no answer.
 */
export function runLoginClient(topo: Topology, req: LoginClientRequest, track: (p: ChildProcess) => void): Promise<LoginClientAnswer> {
  const proc = topo.spawn('client', [process.execPath, fileURLToPath(import.meta.url)], { stdio: ['pipe', 'pipe', 'pipe'] });
  track(proc);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout!.on('data', (b: Buffer) => out.push(b));
  proc.stderr!.on('data', (b: Buffer) => err.push(b));
  proc.stdin!.end(JSON.stringify(req));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      const line = Buffer.concat(out).toString('utf8').split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || line === undefined) {
        reject(new BenchChildError(`login client exited with ${code}: ${stderr.trim().slice(-300)}`, code, stderr));
        return;
      }
      resolve(JSON.parse(line) as LoginClientAnswer);
    });
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const input: Buffer[] = [];
  process.stdin.on('data', (c: Buffer) => input.push(c));
  process.stdin.on('end', () => {
    run(JSON.parse(Buffer.concat(input).toString('utf8')) as LoginClientRequest).then((a) => {
      process.stdout.write(JSON.stringify(a) + '\n');
    }, (e: unknown) => {
      process.stderr.write(`login-client: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
  });
}
