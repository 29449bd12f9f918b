/**
 * The explicit proxy (`ip auth-proxy proxy-listener port N [realm WORD|"TEXT"]`, README "Login modes"):
 * an HTTP proxy on the gateway's inside addresses for clients configured to use it. It
 * authenticates as a proxy must (RFC 9110 §11.7.1, §15.5.8): a request without credentials gets
 * `407 Proxy Authentication Required` with `Proxy-Authenticate: Basic realm="…", charset="UTF-8"`
 * (RFC 7617), and `Proxy-Authorization: Basic …` is checked through the login's method lists
 * (`LoginFlow.login`: the same Authenticator, watch list, states, counters and debug lines) —
 * on CONNECT too, and never with a 401, which is a server's (seed 002 is that bug). An accepted
 * login authorizes the host as the login page does (`engine.authorizeHost`).
 *
 * Then it forwards: an absolute-form `http://` request to its origin (hop-by-hop fields and
 * `Proxy-Authorization` dropped, `Via` added, RFC 9110 §7.6; `Host` the target's, RFC 9112
 * §3.2.2), a CONNECT as a TCP tunnel (RFC 9110 §9.3.6). Its own connections leave from the
 * gateway and never cross the packet path, so before each one it asks the engine whether the
 * host's own SYN to that address and port would pass the interface ACLs with the host's
 * downloaded entries (`engine.permitsConnection`); if not, 403 — and 403 for the gateway host
 * itself in any form (its addresses, 0.0.0.0/8, `::`, loopback) and its links (link-local),
 * which a host's packets could never reach through it. A name is resolved once and the checked
 * address is the one connected to.
 *
 * After a login, each request still carries the credentials (browsers resend them): they are
 * compared with an HMAC of the accepted ones kept per client (never the password itself) while
 * the host stays authenticated as that user, so AAA is asked once per login, not per request.
 * Concurrent requests with the same new credentials share one AAA exchange.
 *
 * When the session has ended, the browser goes on resending those credentials. They are asked
 * once more (a password stays valid: the host logs in again), but a reject is then no failed
 * login — the credentials were right when they were accepted; a TOTP user's `PASSWORD,CODE`
 * holds a code that is accepted once (RFC 6238 §5.2) — and is not counted toward
 * `max-login-attempts`; the credentials are then spent: 407 each time (the browser asks the
 * user), without asking AAA, until other credentials log the host in. Only the exact
 * credentials (user, password and code) that logged this client address in last are exempt,
 * so the exemption lets no one guess a password uncounted: any other password, code or user,
 * and these credentials from another address, count as usual.
 *
 * Bounds: request head 16 KiB within 30 s, the request within 120 s, 5 s keep-alive; 1,024
 * connections per listener and 64 per client address; origins get 10 s to accept a connection
 * and 120 s of silence; a tunnel closes after 300 s without traffic either way.
 */
import http from 'node:http';
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GatewayContext } from '../gateway/context.js';
import { ProxyListenError } from '../errors.js';
import { listenAll } from './listen-all.js';
import { parseIp } from '../wire/addr.js';
import { AP_STATE_HTTP_ESTAB } from '../authproxy/states.js';
import { clientAddressOf, type ClientAddress } from './client-address.js';
import type { LoginFlow, LoginResult } from './login-flow.js';
import { MAX_PASSWORD_LENGTH, MAX_USER_LENGTH } from './login-form.js';
import { renderResultPage } from './pages.js';
import { setPageHeaders } from './page-headers.js';
import { httpDebug, printableUser } from './login-debug.js';

export const PROXY_MAX_HEADER_BYTES = 16_384;
export const PROXY_HEADERS_TIMEOUT_MS = 30_000;
export const PROXY_REQUEST_TIMEOUT_MS = 120_000;
export const PROXY_MAX_CONNECTIONS = 1024;
export const PROXY_MAX_CONNECTIONS_PER_SOURCE = 64;
export const PROXY_CONNECT_TIMEOUT_MS = 10_000;
export const PROXY_UPSTREAM_IDLE_MS = 120_000;
export const PROXY_TUNNEL_IDLE_MS = 300_000;
/** Clients whose accepted credentials are remembered (the most recent ones). */
export const PROXY_REMEMBERED_CLIENTS = 4096;

/** Hop-by-hop fields (RFC 9110 §7.6.1) and the proxy's own, never forwarded. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

/** What the proxy did, counted. */
export interface ProxyStats {
  /** Requests and CONNECTs received (each counted once, whatever its answer). */
  requests: number;
  /** CONNECT tunnels opened toward an origin. */
  tunnels: number;
  /** Logins accepted through the proxy (AAA asked and accepted; the host authorized). */
  logins: number;
  /** 407 for a request without (usable) credentials. */
  challenged: number;
  /** 407 for credentials AAA rejected. */
  rejected: number;
  /** 407 for the credentials that logged the host in, resent after its session ended and no longer accepted (not counted as failed logins). */
  resentRefused: number;
  /** Requests let through on remembered credentials (AAA not asked). */
  remembered: number;
  /** 403: the host's ACLs do not permit the destination. */
  refusedByAcl: number;
  /** 403: the host is on the watch list. */
  watchListed: number;
  /** 502/504: the origin could not be reached or did not answer. */
  upstreamErrors: number;
  badRequests: number;
  /** Connections closed at once: the client address had PROXY_MAX_CONNECTIONS_PER_SOURCE already. */
  perSourceRefused: number;
}

export interface ProxyListener {
  /** The port listened on (the one asked for, or the kernel's choice for 0). */
  readonly port: number;
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

export interface ProxyListenerOptions {
  readonly flow: LoginFlow;
  /** The gateway's inside addresses. */
  readonly addresses: readonly string[];
  /** Port (0: the kernel picks one, the same for every address). */
  readonly port: number;
  /** The Basic realm (default: the hostname). */
  readonly realm: string;
  /** Key of the remembered credentials' HMAC (default: 32 random bytes). */
  readonly secret?: Uint8Array;
  /** Resolves a host name to an address (default: the system resolver); tests give their own. */
  readonly resolve?: (host: string) => Promise<string>;
}

/** Basic credentials as read from `Proxy-Authorization`. */
interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** Starts the explicit proxy on `o.addresses` at `o.port`. */
export async function listenExplicitProxy(ctx: GatewayContext, o: ProxyListenerOptions): Promise<ProxyListener> {
  const stats: ProxyStats = {
    requests: 0, tunnels: 0, logins: 0, challenged: 0, rejected: 0, resentRefused: 0, remembered: 0, refusedByAcl: 0, watchListed: 0, upstreamErrors: 0,
    badRequests: 0, perSourceRefused: 0,
  };
  const secret = o.secret ?? randomBytes(32);
  const resolveName = o.resolve ?? (async (host: string) => (await lookup(host)).address);
  /**
   * Per client (canonical text): the user and the HMAC of the credentials its last proxy login
   * was accepted with, and whether they were refused since (spent: never asked again).
   */
  const accepted = new Map<string, { user: string; mac: Buffer; spent: boolean }>();
  /** Per client: the login in flight, and the HMAC of its credentials. */
  const pending = new Map<string, { mac: Buffer; result: Promise<LoginResult> }>();
  const perSource = new Map<string, number>();
  const challenge = `Basic realm=${quotedString(o.realm)}, charset="UTF-8"`;
  const engine = ctx.engine;

  const macOf = (client: ClientAddress, c: Credentials): Buffer =>
    createHmac('sha256', secret).update(`${client.text}\0${c.user}\0${c.password}`).digest();

  /**
   * Authenticates a request's credentials for `client`: remembered ones while the host stays
   * authenticated as their user, else a login through the method lists (shared by concurrent
   * requests with the same credentials). `resent`: the credentials that logged the host in,
   * sent again after its session ended and rejected now (or before): not a failed login.
   */
  const authenticate = async (client: ClientAddress, c: Credentials): Promise<LoginResult | { readonly kind: 'resent' }> => {
    const mac = macOf(client, c);
    const known = accepted.get(client.text);
    const resent = known !== undefined && timingSafeEqual(known.mac, mac);
    if (resent) {
      const slot = engine.cache.lookup(client.words);
      if (slot >= 0 && engine.cache.state[slot] === AP_STATE_HTTP_ESTAB && engine.cache.userOf(slot) === known.user) {
        stats.remembered++;
        return { kind: 'accepted', user: known.user };
      }
      if (known.spent) return engine.isWatchListed(client.words, ctx.nowMs()) ? { kind: 'watch-listed' } : { kind: 'resent' };
    }
    const inFlight = pending.get(client.text);
    if (inFlight !== undefined && timingSafeEqual(inFlight.mac, mac)) return inFlight.result;
    const result = o.flow.login(client, c.user, c.password, undefined, { resent });
    pending.set(client.text, { mac, result });
    const r = await result;
    if (pending.get(client.text)?.result === result) pending.delete(client.text);
    if (r.kind === 'accepted') {
      stats.logins++;
      accepted.delete(client.text);
      if (accepted.size >= PROXY_REMEMBERED_CLIENTS) accepted.delete(accepted.keys().next().value!);
      accepted.set(client.text, { user: r.user, mac, spent: false });
    } else if (resent && r.kind === 'rejected') {
      // Still this host's entry (a login in between would have replaced it): spent.
      if (accepted.get(client.text) === known) known.spent = true;
      return { kind: 'resent' };
    }
    return r;
  };

  /** An answer page: status, extra headers, a title and message (escaped). */
  const page = (status: number, title: string, message: string): { status: number; headers: Record<string, string>; body: string } => {
    const headers: Record<string, string> = {};
    if (status === 407) headers['Proxy-Authenticate'] = challenge;
    if (status === 503) headers['Retry-After'] = '1';
    return { status, headers, body: renderResultPage({ hostname: ctx.config.hostname, title, message }) };
  };

  /** Why a request may not go on, as a page; undefined if it may (the host is authorized). */
  const authorize = async (client: ClientAddress, req: http.IncomingMessage, port: number): Promise<ReturnType<typeof page> | undefined> => {
    const c = readBasic(req.headers['proxy-authorization']);
    const now = ctx.nowMs();
    if (c === undefined) {
      stats.challenged++;
      httpDebug(engine, now, () => `explicit proxy: 407 sent to ${client.text} port ${port} (no credentials)`);
      return page(407, 'Proxy Authentication Required', 'This network\'s proxy needs your user name and password.');
    }
    const r = await authenticate(client, c);
    switch (r.kind) {
      case 'accepted': return undefined;
      case 'rejected':
      case 'stale':
      case 'challenge':
      case 'authorize-failed':
        stats.rejected++;
        httpDebug(ctx.engine, ctx.nowMs(), () => `explicit proxy: 407 sent to ${client.text} port ${port} (credentials of ${printableUser(c.user)} refused)`);
        return page(407, 'Proxy Authentication Required', r.kind === 'challenge'
          ? 'This account needs a second step, which a proxy login cannot ask: log in on the web login page first.'
          : r.kind === 'stale' ? 'This computer\'s login was cleared while it was being checked: please log in again.'
            : 'The user name or password was not accepted.');
      case 'resent':
        stats.resentRefused++;
        httpDebug(ctx.engine, ctx.nowMs(), () => `explicit proxy: 407 sent to ${client.text} port ${port} ` +
          `(resent credentials of ${printableUser(c.user)} refused, not counted: they logged this host in before)`);
        return page(407, 'Proxy Authentication Required',
          'These credentials logged this computer in before and are not accepted again (a one-time code is accepted once): please log in again.');
      case 'watch-listed':
        stats.watchListed++;
        return page(403, 'Authentication Refused', 'Too many failed logins from this computer: it may not log in until its watch-list entry expires.');
      case 'busy':
        return page(503, 'Authentication Busy', 'A login is being checked already; please try again in a moment.');
      case 'no-answer':
        return page(503, 'Authentication Failed', 'The authentication server did not answer, so your login could not be checked.');
    }
  };

  /** Resolves `host` and asks the engine whether `client` may connect to it at `port`: the address, or a page saying why not. */
  const destination = async (client: ClientAddress, host: string, port: number): Promise<string | ReturnType<typeof page>> => {
    let address: string;
    try {
      address = parseIp(host) !== undefined ? host : await resolveName(host);
    } catch {
      stats.upstreamErrors++;
      return page(502, 'Bad Gateway', 'The name of the server could not be resolved.');
    }
    const words = parseIp(address);
    if (words === undefined || !engine.permitsConnection(client.words, words, port, ctx.nowMs())) {
      stats.refusedByAcl++;
      httpDebug(engine, ctx.nowMs(), () => `explicit proxy: ${client.text} to ${fmtHostPort(address, port)} refused by the access list`);
      return page(403, 'Forbidden', 'The access list of this network does not let your computer reach that server.');
    }
    return address;
  };

  const send = (res: http.ServerResponse, p: ReturnType<typeof page>): void => {
    if (res.headersSent || res.destroyed) return;
    res.statusCode = p.status;
    setPageHeaders(res, { formAction: "'none'", hsts: false });
    for (const [k, v] of Object.entries(p.headers)) res.setHeader(k, v);
    res.setHeader('Content-Length', Buffer.byteLength(p.body));
    res.end(p.body);
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    stats.requests++;
    void (async () => {
      const client = clientAddressOf(req.socket.remoteAddress);
      let target: URL | undefined;
      try {
        target = new URL(req.url ?? '');
      } catch {
        target = undefined;
      }
      if (client === undefined || target === undefined || target.protocol !== 'http:' || target.username !== '' || target.password !== '') {
        stats.badRequests++;
        req.resume();
        send(res, page(400, 'Bad Request', 'This is a proxy: it takes absolute http:// URLs, and CONNECT for https.'));
        return;
      }
      const refusal = await authorize(client, req, req.socket.remotePort ?? 0);
      if (refusal !== undefined) {
        req.resume();
        send(res, refusal);
        return;
      }
      const port = target.port === '' ? 80 : Number(target.port);
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      const to = await destination(client, host, port);
      if (typeof to !== 'string') {
        req.resume();
        send(res, to);
        return;
      }
      forward(req, res, to, port, target);
    })().catch(() => {
      if (!res.headersSent) send(res, page(500, 'Internal Server Error', 'The proxy failed.'));
      else res.destroy();
    });
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, address: string, port: number, target: URL): void => {
    const headers = endToEnd(req.headers, req.rawHeaders);
    // RFC 9112 §3.2.2: the target's host, whatever Host the client wrote (the ACL checked the target).
    headers.host = target.host;
    headers.via = appendVia(req.headers.via, ctx.config.hostname);
    const up = http.request({
      host: address, port, method: req.method, path: target.pathname + target.search, headers, setHost: false,
      timeout: PROXY_UPSTREAM_IDLE_MS,
    });
    const connectTimer = setTimeout(() => up.destroy(new Error('connect timeout')), PROXY_CONNECT_TIMEOUT_MS);
    up.on('socket', (s: net.Socket) => s.once('connect', () => clearTimeout(connectTimer)));
    up.on('timeout', () => up.destroy(new Error('timeout')));
    up.on('response', (ur) => {
      clearTimeout(connectTimer);
      const back = endToEnd(ur.headers, ur.rawHeaders);
      back.via = appendVia(ur.headers.via, ctx.config.hostname);
      res.writeHead(ur.statusCode ?? 502, back);
      ur.pipe(res);
      ur.on('error', () => res.destroy());
    });
    up.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      stats.upstreamErrors++;
      const timeout = e.message === 'timeout' || e.message === 'connect timeout';
      if (!res.headersSent) {
        send(res, page(timeout ? 504 : 502, timeout ? 'Gateway Timeout' : 'Bad Gateway', 'The server could not be reached.'));
      } else res.destroy();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  };

  const onConnect = (req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
    stats.requests++;
    // The socket is the proxy's now (the HTTP server no longer watches it): a client's reset is no fault.
    socket.on('error', () => socket.destroy());
    void (async () => {
      const client = clientAddressOf(socket.remoteAddress);
      const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(req.url ?? '');
      const port = m === null ? 0 : Number(m[3]);
      if (client === undefined || m === null || port < 1 || port > 65535) {
        stats.badRequests++;
        rawAnswer(socket, page(400, 'Bad Request', 'CONNECT takes HOST:PORT.'));
        return;
      }
      const refusal = await authorize(client, req, socket.remotePort ?? 0);
      if (refusal !== undefined) {
        rawAnswer(socket, refusal);
        return;
      }
      const to = await destination(client, m[1] ?? m[2]!, port);
      if (typeof to !== 'string') {
        rawAnswer(socket, to);
        return;
      }
      tunnel(socket, head, to, port);
    })().catch(() => socket.destroy());
  };

  const tunnel = (socket: net.Socket, head: Buffer, address: string, port: number): void => {
    stats.tunnels++;
    const up = net.connect({ host: address, port });
    let established = false;
    const connectTimer = setTimeout(() => up.destroy(new Error('connect timeout')), PROXY_CONNECT_TIMEOUT_MS);
    up.once('connect', () => {
      established = true;
      clearTimeout(connectTimer);
      if (socket.destroyed) {
        up.destroy();
        return;
      }
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.setTimeout(PROXY_TUNNEL_IDLE_MS, () => up.destroy());
      socket.setTimeout(PROXY_TUNNEL_IDLE_MS, () => socket.destroy());
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => {
      clearTimeout(connectTimer);
      stats.upstreamErrors++;
      if (!established) rawAnswer(socket, page(502, 'Bad Gateway', 'The server could not be reached.'));
      else socket.destroy();
    });
    up.on('close', () => {
      if (established) socket.destroy();
    });
    socket.on('close', () => up.destroy());
  };

  /** Answers on a CONNECT's raw socket (no ServerResponse there) and closes it. */
  const rawAnswer = (socket: net.Socket, p: ReturnType<typeof page>): void => {
    if (socket.destroyed) return;
    const reason = http.STATUS_CODES[p.status] ?? 'Error';
    const fields = { ...p.headers, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
      'Content-Length': String(Buffer.byteLength(p.body)), Connection: 'close' };
    socket.end(`HTTP/1.1 ${p.status} ${reason}\r\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${p.body}`);
  };

  const listening = await listenAll(o.addresses, o.port, () => {
    const server = http.createServer({
      maxHeaderSize: PROXY_MAX_HEADER_BYTES, headersTimeout: PROXY_HEADERS_TIMEOUT_MS, requestTimeout: PROXY_REQUEST_TIMEOUT_MS,
      keepAliveTimeout: 5_000,
    }, onRequest);
    server.maxConnections = PROXY_MAX_CONNECTIONS;
    server.on('connect', onConnect);
    server.on('connection', (s: net.Socket) => {
      const key = s.remoteAddress ?? '';
      const n = (perSource.get(key) ?? 0) + 1;
      if (n > PROXY_MAX_CONNECTIONS_PER_SOURCE) {
        stats.perSourceRefused++;
        s.destroy();
        return;
      }
      perSource.set(key, n);
      s.on('close', () => {
        const left = (perSource.get(key) ?? 1) - 1;
        if (left <= 0) perSource.delete(key);
        else perSource.set(key, left);
      });
    });
    server.on('clientError', (e: NodeJS.ErrnoException, s: net.Socket) => {
      stats.badRequests++;
      const status = e.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (s.writable) s.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else s.destroy();
    });
    return server;
  }, (endpoint, errno, cause) => new ProxyListenError(endpoint, errno, { cause }));
  return { port: listening.port, stats, close: () => listening.close() };
}

/** `Proxy-Authorization: Basic base64(user:password)` (RFC 7617 §2), within the login form's limits; undefined otherwise. */
export function readBasic(header: string | undefined): Credentials | undefined {
  if (header === undefined || header.length > 1024) return undefined;
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (m === null) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0 || text.includes('\uFFFD')) return undefined;
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  if ([...user].length > MAX_USER_LENGTH || [...password].length > MAX_PASSWORD_LENGTH) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(user)) return undefined;
  return { user, password };
}

/** The end-to-end fields of a message (RFC 9110 §7.6.1): without the hop-by-hop ones and those `Connection` names. */
function endToEnd(headers: http.IncomingHttpHeaders, raw: readonly string[]): Record<string, string | string[]> {
  const named = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter((s) => s !== ''));
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || name === 'via') continue;
    const prev = out[name];
    out[name] = prev === undefined ? raw[i + 1]! : Array.isArray(prev) ? [...prev, raw[i + 1]!] : [prev, raw[i + 1]!];
  }
  return out;
}

/**
 * `text` as an RFC 9110 §5.6.4 quoted-string (the form of an auth-param's value, §11.2, and so
 * of RFC 7617's realm): `"` and `\` as quoted-pairs; a character no quoted-string carries (a
 * control character but HTAB, DEL), and any beyond ASCII (which Node would refuse or send as
 * Latin-1), becomes `?`, so that no realm can end the header or the field. The config admits
 * printable ASCII only.
 */
export function quotedString(text: string): string {
  return `"${text.replace(/[^\t\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}

/** `Via` with this proxy added (RFC 9110 §7.6.3). */
function appendVia(previous: string | undefined, hostname: string): string {
  return `${previous === undefined ? '' : `${previous}, `}1.1 ${hostname}`;
}

function fmtHostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
