/**
 * The login subsystem's side of intercepted connections (DESIGN.md §2 step 1): each
 * connection the engine intercepts becomes an `InterceptedSocket` served by Node's own
 * `http.Server`, which answers a GET (or any request but a POST) with the login page whose form
 * POSTs to the gateway's HTTPS login service, and a POST — credentials sent to the intercepted
 * server in the clear — with a page saying why they were refused (the body is discarded unread).
 * With an `https` rule, connections to 443 are TLS connections terminated here with the
 * gateway's certificate (`tls.TLSSocket` over the intercepted socket, as IOS does), then served
 * the same way. FTP and telnet connections get a one-line notice naming the web login and are
 * closed.
 */
import { createRequire } from 'node:module';
import type http from 'node:http';
import type tls from 'node:tls';
import type { Config, InterfaceConfig } from '../config/types.js';
import { AP_PROTO_FTP, AP_PROTO_HTTP, AP_PROTO_HTTPS, AP_PROTO_TELNET } from '../authproxy/protocols.js';
import type { Engine, InterceptApp } from '../engine/engine.js';
import { formatIp, formatIpv4, formatIpv6, isMappedIpv4 } from '../wire/addr.js';
import { InterceptedSocket } from './intercepted-socket.js';
import { renderConsentPage, renderLoginPage, renderResultPage } from './pages.js';
import { acceptsHtml, loginRedirectLocation, renderNetworkAuthenticationRequired } from './login-modes.js';
import { setPageHeaders } from './page-headers.js';
import type { FormTokens } from './form-token.js';
import type { RequestedUrls } from './requested-urls.js';
import { httpDebug } from './login-debug.js';

export interface InterceptAppOptions {
  readonly config: Config;
  /** Current engine time in ms (the replay clock, or the gateway's monotonic clock). */
  readonly clock: () => number;
  /** Converts engine time to ms since the epoch (for the HTTP `Date` header). Default: identity. */
  readonly wallClockMs?: (engineMs: number) => number;
  /** Issues the login form's token (the login service's); without it (replay) the form has none. */
  readonly tokens?: FormTokens | undefined;
  /** Where the URLs clients ask for are remembered (the success page's only destinations). */
  readonly urls?: RequestedUrls | undefined;
  /** The gateway's certificate and key: with it, intercepted 443 (`https` rules) is served over TLS. */
  readonly secureContext?: tls.SecureContext | undefined;
  /** Port of the login service the form posts to (default `ip http secure-port`). */
  readonly securePort?: number | undefined;
  /**
   * No login service runs (the config has no `ip http secure-server`): the intercepted page says
   * that logging in is unavailable (503) instead of showing a form that would post to a port
   * nobody listens on. Replay leaves it off (its pages are the IOS login page).
   */
  readonly loginUnavailable?: boolean | undefined;
  /** Called whenever the app queued output on a connection (the gateway flushes the engine's queue). */
  readonly onOutput?: (() => void) | undefined;
}

/**
 * Limits of intercepted HTTP connections, Node's defaults (nginx's are alike: 60 s to receive the
 * headers, 75 s keep-alive, 8–16 KiB of headers). They run on the engine's clock (deadlines set
 * with `engine.connSetDeadline`, reported back through `timeout`), not on wall-clock timers, so
 * that replay stays deterministic; Node's own server timers stay off.
 */
/** From the connection's start, or a kept-alive connection's next byte, to the end of the request headers (Node `headersTimeout`). */
export const HTTP_HEADERS_TIMEOUT_MS = 60_000;
/** From a request's start to the end of its body (Node `requestTimeout`). */
export const HTTP_REQUEST_TIMEOUT_MS = 300_000;
/** A kept-alive connection idle between requests is closed after this long (Node `keepAliveTimeout`). */
export const HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Largest request head, request line and headers (Node `maxHeaderSize`): beyond it, 431. */
export const HTTP_MAX_HEADER_BYTES = 16_384;
/** Largest request body the login page accepts (it reads none): beyond it, 413 and close. */
export const HTTP_MAX_BODY_BYTES = 65_536;

/** `InterceptedSocket.phase`: waiting for (the rest of) a request head. */
const PHASE_HEADERS = 0;
/** A request is being answered or its body received. */
const PHASE_REQUEST = 1;
/** Kept alive, between requests. */
const PHASE_IDLE = 2;
/** Closing: no more deadlines. */
const PHASE_DONE = 3;

const RESPONSE_408 = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const RESPONSE_431 = 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const RESPONSE_400 = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export class LoginInterceptApp implements InterceptApp {
  private engine: Engine | null = null;
  private readonly sockets = new Map<number, InterceptedSocket>();
  private server: http.Server | null = null;
  private activity = 0;
  /** Connections accepted, by AP_PROTO_* bit, and connections refused for lack of a handler. */
  readonly stats = {
    http: 0, ftp: 0, telnet: 0, refused: 0, pages: 0,
    /** Request heads not complete within HTTP_HEADERS_TIMEOUT_MS (408, closed). */
    headersTimeouts: 0,
    /** Requests whose body did not arrive within HTTP_REQUEST_TIMEOUT_MS (closed). */
    requestTimeouts: 0,
    /** Kept-alive connections idle for HTTP_KEEP_ALIVE_TIMEOUT_MS (closed). */
    idleTimeouts: 0,
    /** Request heads over HTTP_MAX_HEADER_BYTES (431, closed). */
    headersTooLarge: 0,
    /** Request bodies over HTTP_MAX_BODY_BYTES (413, closed). */
    bodiesTooLarge: 0,
    /** Requests the HTTP parser refused otherwise (400, closed). */
    badRequests: 0,
    /** Credential POSTs to an intercepted connection, refused unread. */
    postsRefused: 0,
    /** Intercepted 443 connections served over TLS, and TLS handshakes that failed. */
    tls: 0,
    tlsErrors: 0,
  };
  private readonly scratch = new Uint32Array(4);
  /** The login form's action of each connection's client (see `loginUrl`). */
  private readonly actions = new WeakMap<InterceptedSocket, string>();
  /** The intercepted socket under each TLS socket the HTTP server is given. */
  private readonly under = new WeakMap<object, InterceptedSocket>();

  constructor(private readonly opts: InterceptAppOptions) {}

  /**
   * The HTTP server, made on the first intercepted http connection: `node:http` is loaded only
   * then (about 10 ms of start-up that a capture without interception does not pay).
   */
  private httpServer(): http.Server {
    if (this.server === null) {
      const { createServer } = createRequire(import.meta.url)('node:http') as typeof http;
      const server = createServer({ keepAliveTimeout: 0, maxHeaderSize: HTTP_MAX_HEADER_BYTES },
        (req, res) => this.serve(req, res));
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => this.clientError(err, socket as unknown as InterceptedSocket));
      // HTTP timeouts run on the engine's clock (see `timeout`): no wall-clock timers of the server's own.
      server.timeout = 0;
      server.requestTimeout = 0;
      server.headersTimeout = 0;
      this.server = server;
    }
    return this.server;
  }

  /** Connects the app to its engine (the engine is built with the app). */
  attach(engine: Engine): void {
    this.engine = engine;
  }

  private readonly bump = (): void => {
    this.activity++;
    if (this.opts.onOutput !== undefined) this.opts.onOutput();
  };

  /** The intercepted socket of an HTTP request's socket (itself, or the one under its TLS). */
  private underlying(socket: unknown): InterceptedSocket {
    return this.under.get(socket as object) ?? (socket as InterceptedSocket);
  }

  accepted(conn: number, proto: number, nowMs: number): void {
    const engine = this.engine!;
    this.activity++;
    const ep = engine.endpoint;
    const client = this.scratch;
    ep.clientAddr(conn, client);
    const remote = formatIp(client);
    const server = new Uint32Array(4);
    ep.serverAddr(conn, server);
    const local = formatIp(server);
    const family = client[0] === 0 && client[1] === 0 && client[2] === 0xffff ? 'IPv4' : 'IPv6';
    const sock = new InterceptedSocket(engine, conn, this.opts.clock, this.bump, {
      remoteAddress: remote, remotePort: ep.clientPort(conn), localAddress: local, localPort: ep.serverPort(conn), family,
    });
    sock.on('error', () => { /* the engine has already reset or released the connection */ });
    this.sockets.set(conn, sock);
    this.actions.set(sock, this.loginUrl(client));
    if (proto === AP_PROTO_HTTP) {
      this.stats.http++;
      this.enterPhase(sock, PHASE_HEADERS, nowMs);
      this.httpServer().emit('connection', sock);
    } else if (proto === AP_PROTO_FTP || proto === AP_PROTO_TELNET) {
      if (proto === AP_PROTO_FTP) this.stats.ftp++;
      else this.stats.telnet++;
      // Any web request through the gateway is intercepted, so the notice names the same server over http.
      const url = `http://${family === 'IPv4' ? local : `[${local}]`}/`;
      const text = proto === AP_PROTO_FTP
        ? `421 Authentication required: log in at ${url} first.\r\n`
        : `Authentication required: log in at ${url} first.\r\n`;
      sock.end(text);
    } else if (proto === AP_PROTO_HTTPS && this.opts.secureContext !== undefined) {
      // TLS terminated here with the gateway's certificate (the client sees a certificate that
      // is not the site's: the point of the `https` rule's warning), then the same HTTP serving.
      this.stats.tls++;
      const { TLSSocket } = createRequire(import.meta.url)('node:tls') as typeof tls;
      const secure = new TLSSocket(sock, { isServer: true, secureContext: this.opts.secureContext });
      this.under.set(secure, sock);
      secure.on('error', () => {
        this.stats.tlsErrors++;
        sock.destroy();
      });
      this.enterPhase(sock, PHASE_HEADERS, nowMs);
      this.httpServer().emit('connection', secure);
    } else {
      // Intercepting 443 needs the login service's TLS context, which this app does not have:
      // refuse rather than present a certificate for someone else's site.
      this.stats.refused++;
      engine.connAbort(conn, nowMs);
    }
  }

  data(conn: number, buf: Uint8Array, off: number, len: number, _nowMs: number): void {
    const sock = this.sockets.get(conn);
    if (sock === undefined) return;
    this.activity++;
    if (sock.phase === PHASE_IDLE) this.enterPhase(sock, PHASE_HEADERS, _nowMs);
    sock.deliver(Buffer.from(buf.slice(off, off + len)));
  }

  /** The deadline of the connection's phase has come (engine time): close it, counted. */
  timeout(conn: number, _nowMs: number): void {
    const sock = this.sockets.get(conn);
    if (sock === undefined || sock.destroyed) return;
    this.activity++;
    const phase = sock.phase;
    sock.phase = PHASE_DONE;
    if (phase === PHASE_HEADERS) {
      this.stats.headersTimeouts++;
      sock.end(RESPONSE_408);
    } else if (phase === PHASE_REQUEST) {
      this.stats.requestTimeouts++;
      sock.end();
    } else if (phase === PHASE_IDLE) {
      this.stats.idleTimeouts++;
      sock.end();
    }
  }

  /**
   * `client` (canonical address text) was let through. Its intercepted connections would go on
   * answering with the login page — a browser keeps them alive and sends the request for the page
   * it asked for on one of them — so each is closed: one waiting for or between requests now (a
   * browser resends a request that a reused connection closed under, on a new connection, which
   * now reaches the server), one answering a request after its answer. Returns how many.
   */
  hostAuthorized(client: string): number {
    let n = 0;
    for (const sock of this.sockets.values()) {
      if (sock.remoteAddress !== client || sock.destroyed || sock.phase === PHASE_DONE) continue;
      n++;
      this.activity++;
      if (sock.phase === PHASE_REQUEST) {
        sock.closeAfterAnswer = true;
      } else {
        sock.phase = PHASE_DONE;
        this.engine!.connSetDeadline(sock.conn, Infinity);
        sock.end();
      }
    }
    return n;
  }

  /** Starts phase `phase` of `sock` at `nowMs` and arms its deadline on the engine's clock. */
  private enterPhase(sock: InterceptedSocket, phase: number, nowMs: number): void {
    sock.phase = phase;
    sock.phaseStartMs = nowMs;
    const limit = phase === PHASE_HEADERS ? HTTP_HEADERS_TIMEOUT_MS : phase === PHASE_REQUEST ? HTTP_REQUEST_TIMEOUT_MS
      : phase === PHASE_IDLE ? HTTP_KEEP_ALIVE_TIMEOUT_MS : Infinity;
    this.engine!.connSetDeadline(sock.conn, nowMs + limit);
  }

  /** The HTTP parser refused a request: 431 for a head over the limit, else 400; closed. */
  private clientError(err: NodeJS.ErrnoException, socket: InterceptedSocket): void {
    this.activity++;
    const sock = this.underlying(socket);
    if (sock.destroyed || !sock.writable) return;
    sock.phase = PHASE_DONE;
    if (sock.conn >= 0) this.engine!.connSetDeadline(sock.conn, Infinity);
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      this.stats.headersTooLarge++;
      sock.end(RESPONSE_431);
    } else {
      this.stats.badRequests++;
      sock.end(RESPONSE_400);
    }
  }

  peerFin(conn: number, _nowMs: number): void {
    const sock = this.sockets.get(conn);
    if (sock === undefined) return;
    this.activity++;
    sock.push(null);
  }

  reset(conn: number, _nowMs: number): void {
    const sock = this.sockets.get(conn);
    if (sock === undefined) return;
    this.activity++;
    sock.markReleased();
    sock.destroy();
  }

  released(conn: number, _nowMs: number): void {
    const sock = this.sockets.get(conn);
    if (sock === undefined) return;
    this.sockets.delete(conn);
    sock.markReleased();
    if (!sock.destroyed) sock.destroy();
  }

  writable(conn: number, _nowMs: number): void {
    const sock = this.sockets.get(conn);
    if (sock !== undefined) sock.resumeWrite();
  }

  /**
   * Lets the event loop run until the HTTP server has answered everything it was given: resolves
   * once a turn of the loop passes with no activity (bounded). Replay calls this after a packet
   * that delivered bytes, so that the proxy's answer is in the engine before the next packet.
   */
  async settle(): Promise<void> {
    for (let turns = 0; turns < 50; turns++) {
      const before = this.activity;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.activity === before && turns > 0) return;
    }
  }

  /** Activity counter: changes whenever the app received or produced something. */
  get activityCount(): number {
    return this.activity;
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.activity++;
    this.stats.pages++;
    const cfg = this.opts.config;
    const sock = this.underlying(req.socket);
    const t = this.opts.clock();
    // The request's body (which the page does not read) must arrive within the request timeout,
    // counted from the start of its head; then the connection idles until the next request.
    if (sock.phase !== PHASE_DONE) {
      sock.phase = PHASE_REQUEST;
      this.engine!.connSetDeadline(sock.conn, sock.phaseStartMs + HTTP_REQUEST_TIMEOUT_MS);
    }
    let pending = 2;
    const settled = (): void => {
      if (--pending === 0 && sock.phase === PHASE_REQUEST && !sock.destroyed && sock.writable) {
        if (sock.closeAfterAnswer) {
          sock.phase = PHASE_DONE;
          this.engine!.connSetDeadline(sock.conn, Infinity);
          sock.end();
        } else {
          this.enterPhase(sock, PHASE_IDLE, this.opts.clock());
        }
      }
    };
    req.on('end', settled);
    res.on('finish', settled);
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > HTTP_MAX_BODY_BYTES || (req.headers['transfer-encoding'] !== undefined && length === 0)) {
      this.stats.bodiesTooLarge++;
      sock.phase = PHASE_DONE;
      this.engine!.connSetDeadline(sock.conn, Infinity);
      res.statusCode = 413;
      res.setHeader('Connection', 'close');
      res.setHeader('Content-Length', 0);
      res.end();
      return;
    }
    req.resume();
    const encrypted = sock !== (req.socket as unknown);
    const client = sock.remoteAddress;
    res.sendDate = false;
    res.setHeader('Date', new Date(this.opts.wallClockMs === undefined ? t : this.opts.wallClockMs(t)).toUTCString());
    setPageHeaders(res, { formAction: 'https:', hsts: false });
    let body: string;
    if (req.method === 'POST') {
      // Credentials posted to the intercepted server travel in the clear (or to a certificate
      // that is not the site's): refused, and the body is discarded unread.
      this.stats.postsRefused++;
      httpDebug(this.engine!, t, () => `credentials posted over ${encrypted ? 'an intercepted connection' : 'plain http'} ` +
        `from ${client} refused; nothing checked`);
      res.statusCode = 403;
      res.setHeader('Connection', 'close');
      body = renderResultPage({
        hostname: cfg.hostname,
        title: 'Credentials Refused',
        message: encrypted
          ? 'Credentials are taken only by this network\'s login service, not by an intercepted connection; nothing was checked. Open the page you wanted again to get the login form.'
          : 'Credentials are taken only over HTTPS, and this request came over plain HTTP, so they may have been seen on the way; nothing was checked. Open the page you wanted again to get the login form, and consider changing your password.',
      });
    } else if (this.opts.loginUnavailable === true) {
      res.statusCode = 503;
      body = renderResultPage({
        hostname: cfg.hostname,
        title: 'Login Unavailable',
        message: 'This network lets you through only after you log in, but its login service is not running '
          + '(the gateway has no secure web server configured), so logging in is not possible now. '
          + 'Please tell the network\'s administrators.',
      });
      httpDebug(this.engine!, t, () => `login unavailable page sent to ${client} port ${sock.remotePort} (no ip http secure-server)`);
    } else {
      const host = hostHeader(req.headers.host) ?? (sock.remoteFamily === 'IPv6' ? `[${sock.localAddress}]` : sock.localAddress);
      const originalUrl = `${encrypted ? 'https' : 'http'}://${host}${req.url ?? '/'}`;
      if (this.opts.urls !== undefined) this.opts.urls.remember(client, originalUrl);
      const modes = cfg.loginModes;
      const action = this.actions.get(sock) ?? this.loginUrl(null);
      if (modes.status511 && !acceptsHtml(req.headers.accept)) {
        // RFC 6585 §6: an API client is told that the network wants a login, not handed a page
        // it would take for the resource; the body links to the login for whoever shows it.
        res.statusCode = 511;
        body = renderNetworkAuthenticationRequired(modes.redirect?.url ?? action);
        httpDebug(this.engine!, t, () => `511 sent to ${client} port ${sock.remotePort} (Accept takes no HTML)`);
      } else if (modes.redirect !== undefined) {
        // Seed 001: a 307 to the login site, carrying the URL asked for.
        const location = loginRedirectLocation(modes.redirect.url ?? action, originalUrl);
        res.statusCode = 307;
        res.setHeader('Location', location);
        body = renderResultPage({
          hostname: cfg.hostname, title: 'Login Required', message: 'This network lets you through after you log in at:',
          link: { href: location, text: modes.redirect.url ?? action },
        });
        httpDebug(this.engine!, t, () => `login redirect sent to ${client} port ${sock.remotePort}`);
      } else {
        const banner = cfg.authProxy.bannerEnabled ? (cfg.authProxy.bannerText ?? cfg.hostname) : undefined;
        const token = this.opts.tokens?.issue(client, t);
        body = modes.consent !== undefined
          ? renderConsentPage({ banner, hostname: cfg.hostname, terms: modes.consent.text, action, originalUrl, token })
          : renderLoginPage({ banner, hostname: cfg.hostname, action, originalUrl, token });
        httpDebug(this.engine!, t, () => `login page sent to ${client} port ${sock.remotePort}`);
      }
    }
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /**
   * The HTTPS login service URL on the gateway's own address facing `client` (four words,
   * IPv4-mapped for IPv4): an address, of the client's family, of the interface the client is
   * placed on (the engine's reverse-path lookup, which placed the intercepted connection there
   * too); IPv6 in brackets (RFC 3986 §3.2.2). Never the original server's address: the form
   * posts credentials, which must go to the gateway alone. Should the client's interface have
   * no address of its family, another of the gateway's addresses serves.
   */
  loginUrl(client: Uint32Array | null): string {
    const cfg = this.opts.config;
    const v4 = client === null || isMappedIpv4(client);
    const itfIndex = client === null || this.engine === null ? -1 : this.engine.interfaces.interfaceOf(client);
    const facing = itfIndex >= 0 ? cfg.interfaces[itfIndex] : undefined;
    const host = addressText(facing, v4)
      ?? cfg.interfaces.map((i) => addressText(i, v4)).find((a) => a !== undefined)
      ?? addressText(facing, !v4)
      ?? cfg.interfaces.map((i) => addressText(i, !v4)).find((a) => a !== undefined)
      ?? cfg.hostname;
    const securePort = this.opts.securePort ?? cfg.http.securePort;
    const port = securePort === 443 ? '' : `:${securePort}`;
    return `https://${host}${port}/`;
  }
}

/** The Host header if it is a plausible host[:port] (it goes into the remembered URL), else undefined. */
function hostHeader(host: string | undefined): string | undefined {
  return host !== undefined && host.length <= 255 && /^[A-Za-z0-9.\-_~%!$&'()*+,;=:[\]]+$/.test(host) ? host : undefined;
}

/** The URL host text of the first address of family IPv4 (`v4`) or IPv6 of `itf`, if it has one. */
function addressText(itf: InterfaceConfig | undefined, v4: boolean): string | undefined {
  if (itf === undefined) return undefined;
  if (v4) return itf.ipv4.length > 0 ? formatIpv4(itf.ipv4[0]!.address) : undefined;
  return itf.ipv6.length > 0 ? `[${formatIpv6(itf.ipv6[0]!.address)}]` : undefined;
}
