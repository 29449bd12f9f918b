/**
 * The client host of the demo and the end-to-end tests: curl run inside the client namespace,
 * and the login a user makes with it — fetch a page, find the login form in what came back, post
 * the credentials (with the form's hidden fields) to the form's action. Shared by `portcullis
 * demo` and `test/e2e`, so that both log in exactly as a user's curl would.
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';

/** What one command run in a namespace printed and how it ended. */
export interface NsRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `argv` inside network namespace `ns` (`ip netns exec`), with `input` on its stdin; kills
 * it after `timeoutMs`. Asynchronous, so that the caller's event loop (signals, child output)
 * goes on meanwhile.
 */
export function execInNamespace(ns: string, argv: readonly string[], input?: string, timeoutMs = 30_000): Promise<NsRun> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => { stderr += e.message; });
    child.on('close', (code, signal) => resolve({ status: code ?? (signal !== null ? 128 + (osConstants.signals[signal] ?? 0) : null), stdout, stderr }));
    child.stdin.on('error', () => { /* the command need not read all of it */ });
    child.stdin.end(input ?? '');
  });
}

/** An HTTP answer as curl received it. */
export interface HttpAnswer {
  /** curl's exit status: 0 an answer came, 7 connection refused, 28 timed out, 35 TLS failed … */
  readonly curlStatus: number;
  /** curl's error line when it failed (`curl: (28) Connection timed out …`). */
  readonly curlError: string;
  /** The HTTP status code (0 when no answer came). */
  readonly status: number;
  /** Header names in lower case; the last value of a repeated header. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /** What curl printed (`--include`: status line, headers, body). */
  readonly raw: string;
}

/** Options of one request. */
export interface RequestOptions {
  /** Seconds curl may take in all (default 5). */
  readonly maxTimeS?: number;
  /** A cookie jar file (read and written), as a browser keeps its cookies. */
  readonly cookieJar?: string;
  /** Form fields to POST, `application/x-www-form-urlencoded`; they go through stdin, never argv. */
  readonly form?: ReadonlyMap<string, string>;
  /** Accept the gateway's self-signed certificate (`-k`). */
  readonly insecure?: boolean;
  /** A CA certificate file (PEM) to check the server's certificate with. */
  readonly caFile?: string;
}

/** A client host: curl in namespace `ns`. */
export class CurlClient {
  constructor(readonly ns: string) {}

  /** The curl command line for a request (the URL last). */
  argv(url: string, o: RequestOptions = {}): string[] {
    const a = ['curl', '--silent', '--show-error', '--include', '--max-time', String(o.maxTimeS ?? 5), '--noproxy', '*'];
    if (o.cookieJar !== undefined) a.push('--cookie', o.cookieJar, '--cookie-jar', o.cookieJar);
    if (o.insecure === true) a.push('--insecure');
    if (o.caFile !== undefined) a.push('--cacert', o.caFile);
    if (o.form !== undefined) a.push('--data-binary', '@-', '--header', 'Content-Type: application/x-www-form-urlencoded');
    a.push('--', url);
    return a;
  }

  /** Requests `url` (GET, or POST of `o.form`). */
  async request(url: string, o: RequestOptions = {}): Promise<HttpAnswer> {
    const input = o.form === undefined ? undefined : new URLSearchParams([...o.form]).toString();
    return parseCurlOutput(await execInNamespace(this.ns, this.argv(url, o), input, ((o.maxTimeS ?? 5) + 10) * 1000));
  }
}

/** Splits curl's `--include` output into status, headers and body (the last response's, after 1xx). */
export function parseCurlOutput(r: NsRun): HttpAnswer {
  const curlStatus = r.status ?? -1;
  const curlError = r.stderr.trim();
  let text = r.stdout;
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    const m = /^HTTP\/[\d.]+ (\d{3})/.exec(text);
    if (m === null || end < 0) return { curlStatus, curlError, status: 0, headers: new Map(), body: text, raw: r.stdout };
    const status = Number(m[1]);
    if (status >= 100 && status < 200) {
      text = text.slice(end + 4);
      continue;
    }
    const headers = new Map<string, string>();
    for (const line of text.slice(0, end).split('\r\n').slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    return { curlStatus, curlError, status, headers, body: text.slice(end + 4), raw: r.stdout };
  }
}

/** A form found in a page: where it posts and its hidden fields. */
export interface PageForm {
  readonly method: string;
  /** The action, resolved against the page's URL. */
  readonly action: string;
  /** Hidden inputs by name (HTML entities decoded). */
  readonly hidden: ReadonlyMap<string, string>;
  /** Names of the other inputs (text, password …), in page order. */
  readonly inputs: readonly string[];
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: '\'' };

/** Decodes the HTML character references an attribute value may hold. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([a-z_:][-a-z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/gi;
  for (const m of tag.replace(/^<\w+/, '').matchAll(re)) {
    out.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

/** The first `<form>` of a page, or undefined when it has none. */
export function findForm(html: string, pageUrl: string): PageForm | undefined {
  const open = /<form\b[^>]*>/i.exec(html);
  if (open === null) return undefined;
  const close = html.indexOf('</form>', open.index);
  const inner = html.slice(open.index, close < 0 ? html.length : close);
  const fa = attributes(open[0]);
  const hidden = new Map<string, string>();
  const inputs: string[] = [];
  for (const m of inner.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(m[0]);
    const name = a.get('name');
    if (name === undefined) continue;
    if ((a.get('type') ?? 'text').toLowerCase() === 'hidden') hidden.set(name, a.get('value') ?? '');
    else inputs.push(name);
  }
  return {
    method: (fa.get('method') ?? 'get').toLowerCase(),
    action: new URL(fa.get('action') ?? '', pageUrl).href,
    hidden,
    inputs,
  };
}

/** The fields a login form posts: its hidden fields, then `uname` and `pwd`. */
export function loginFields(form: PageForm, user: string, password: string): Map<string, string> {
  const fields = new Map(form.hidden);
  fields.set('uname', user);
  fields.set('pwd', password);
  return fields;
}

/**
 * A TCP probe for the client namespace (for `node -e PROGRAM HOST PORT TIMEOUT_MS`): prints
 * one line, `open FIRST-LINE` (what the peer sent first, up to a newline or 200 bytes, or
 * nothing), `refused`, `timeout`, or `error CODE`, and exits 0.
 */
export const TCP_PROBE_PROGRAM = `
'use strict';
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
let done = false;
const say = (s) => { if (!done) { done = true; process.stdout.write(s + '\\n'); process.exit(0); } };
const sock = net.connect({ host, port: Number(port) });
let got = '';
sock.setTimeout(Number(ms), () => say(sock.connecting ? 'timeout' : 'open ' + got));
sock.on('data', (d) => { got += d.toString('latin1'); const i = got.search(/\\r?\\n/); if (i >= 0 || got.length >= 200) say('open ' + (i >= 0 ? got.slice(0, i) : got.slice(0, 200))); });
sock.on('end', () => say('open ' + got.replace(/\\r?\\n[^]*$/, '')));
sock.on('error', (e) => say(e.code === 'ECONNREFUSED' ? 'refused' : 'error ' + (e.code || e.message)));
`;

/**
 * Connects from namespace `ns` to `host`:`port` (a Node program, so that IPv4 and IPv6 are
 * probed alike): `open FIRST-LINE`, `refused`, `timeout` or `error CODE`.
 */
export async function tcpProbe(ns: string, host: string, port: number, timeoutMs = 2000): Promise<string> {
  const r = await execInNamespace(ns, [process.execPath, '-e', TCP_PROBE_PROGRAM, host, String(port), String(timeoutMs)]);
  if (r.status !== 0) throw new Error(`probe of ${host} port ${port} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}
