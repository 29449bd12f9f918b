/**
 * The login service's own HTTPS server (`ip http secure-server`, `ip http secure-port`): Node's
 * `https` on kernel sockets, one listener per address given (the gateway's inside addresses).
 * GET (any path) answers the login form; POST takes a login form (`login-flow.ts`); anything
 * else is 405. Limits: TLS 1.2 or later, the handshake within 10 s, request head 8 KiB within
 * 10 s, the whole request within 30 s, body 4 KiB (`login-form.ts`), 5 s keep-alive, 100
 * requests per connection, 1,024 connections per listener.
 */
import https from 'node:https';
import type http from 'node:http';
import { clientAddressOf } from './client-address.js';
import type { LoginFlow, LoginPage } from './login-flow.js';
import { readLoginForm, type FormFault } from './login-form.js';
import { setPageHeaders } from './page-headers.js';
import { httpDebug } from './login-debug.js';
import type { GatewayContext } from '../gateway/context.js';
import { LoginListenError } from '../errors.js';
import { listenAll } from './listen-all.js';
import { captivePortalJson } from './captive-portal.js';
import { CAPTIVE_PORTAL_API_PATH } from '../config/login-modes.js';

export const HTTPS_HANDSHAKE_TIMEOUT_MS = 10_000;
export const HTTPS_HEADERS_TIMEOUT_MS = 10_000;
export const HTTPS_REQUEST_TIMEOUT_MS = 30_000;
export const HTTPS_MAX_HEADER_BYTES = 8192;
export const HTTPS_MAX_CONNECTIONS = 1024;

/** Requests the HTTPS server refused before the login logic saw them. */
export interface HttpsServerStats {
  requests: number;
  tooLarge: number;
  badForm: number;
  badMethod: number;
  noClient: number;
}

export interface HttpsLoginServers {
  /** The port listened on (the one asked for, or the one the kernel chose for 0). */
  readonly port: number;
  readonly stats: HttpsServerStats;
  close(): Promise<void>;
}

/** Starts listening on `addresses` at `port` (0: a port the kernel picks, the same for every address). */
export async function listenHttpsLogin(ctx: GatewayContext, flow: LoginFlow, tls: { cert: string; key: string },
  addresses: readonly string[], port: number): Promise<HttpsLoginServers> {
  const stats: HttpsServerStats = { requests: 0, tooLarge: 0, badForm: 0, badMethod: 0, noClient: 0 };
  const send = (res: http.ServerResponse, page: LoginPage, close = false): void => {
    if (res.headersSent || res.destroyed) return;
    res.statusCode = page.status;
    setPageHeaders(res, { formAction: "'self'", hsts: true });
    if (close) res.setHeader('Connection', 'close');
    res.setHeader('Content-Length', Buffer.byteLength(page.html));
    res.end(page.html);
  };
  const plain = (res: http.ServerResponse, status: number, text: string, extra?: Record<string, string>): void => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close',
      'Strict-Transport-Security': 'max-age=31536000', ...extra });
    res.end(text);
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    stats.requests++;
    const client = clientAddressOf(req.socket.remoteAddress);
    if (client === undefined) {
      stats.noClient++;
      plain(res, 400, 'Bad Request\n');
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && ctx.config.loginModes.captivePortalApi !== undefined
      && (req.url ?? '/').split('?')[0] === CAPTIVE_PORTAL_API_PATH) {
      req.resume();
      const json = captivePortalJson(ctx.engine, client, flow.portalUrl(client), ctx.nowMs());
      // RFC 8908 §5: the answer is the asking client's own; caches keep it from nobody else.
      res.writeHead(200, { 'Content-Type': 'application/captive+json', 'Cache-Control': 'private',
        'Content-Length': Buffer.byteLength(json), 'X-Content-Type-Options': 'nosniff', 'Strict-Transport-Security': 'max-age=31536000' });
      res.end(req.method === 'HEAD' ? undefined : json);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      req.resume();
      const page = flow.formPage(client, 200, undefined, undefined, undefined, redirectedFrom(req.url));
      httpDebug(ctx.engine, ctx.nowMs(), () => `login page sent to ${client.text} port ${req.socket.remotePort ?? 0} (https)`);
      if (req.method === 'HEAD') {
        res.statusCode = 200;
        setPageHeaders(res, { formAction: "'self'", hsts: true });
        res.end();
      } else send(res, page);
      return;
    }
    if (req.method !== 'POST') {
      stats.badMethod++;
      req.resume();
      plain(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD, POST' });
      return;
    }
    void readLoginForm(req).then(async (form: Awaited<ReturnType<typeof readLoginForm>>) => {
      if (typeof form === 'string') {
        refuse(res, form as FormFault);
        return;
      }
      const page = await flow.submit(client, form);
      send(res, page);
    }).catch(() => plain(res, 500, 'Internal Server Error\n'));
  };
  const refuse = (res: http.ServerResponse, fault: FormFault): void => {
    if (fault === 'too-large') {
      stats.tooLarge++;
      plain(res, 413, 'Payload Too Large\n');
    } else if (fault !== 'aborted') {
      stats.badForm++;
      plain(res, fault === 'content-type' ? 415 : 400, fault === 'content-type' ? 'Unsupported Media Type\n' : 'Bad Request\n');
    }
  };
  const listening = await listenAll(addresses, port, () => {
    const server = https.createServer({
      cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', handshakeTimeout: HTTPS_HANDSHAKE_TIMEOUT_MS,
      maxHeaderSize: HTTPS_MAX_HEADER_BYTES, keepAliveTimeout: 5_000, headersTimeout: HTTPS_HEADERS_TIMEOUT_MS,
      requestTimeout: HTTPS_REQUEST_TIMEOUT_MS,
    }, handler);
    server.maxConnections = HTTPS_MAX_CONNECTIONS;
    server.maxRequestsPerSocket = 100;
    server.on('tlsClientError', () => { /* a failed handshake: the socket is closed, nothing to do */ });
    return server;
  }, (endpoint, errno, cause) => new LoginListenError(endpoint, errno, { cause }));
  return { port: listening.port, stats, close: () => listening.close() };
}

/** The `url=` of a login redirect's request (`/?url=…`), if there is one. */
function redirectedFrom(path: string | undefined): string | undefined {
  if (path === undefined || !path.includes('url=')) return undefined;
  try {
    return new URL(path, 'https://login.invalid').searchParams.get('url') ?? undefined;
  } catch {
    return undefined;
  }
}
