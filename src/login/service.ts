/**
 * The HTTPS login service of a running gateway (DESIGN.md §2): the login pages on intercepted
 * connections (the engine's InterceptApp, `intercept-app.ts`, with form tokens, the clients'
 * requested URLs and, for `https` rules, the gateway's certificate) and, when `ip http
 * secure-server` is configured, Node's `https` server on the gateway's inside addresses at `ip
 * http secure-port`, where the form posts (`https-server.ts`), with the login logic of
 * `login-flow.ts` behind it; with `ip auth-proxy proxy-listener`, the explicit proxy
 * (`explicit-proxy.ts`) on the same addresses, logging in through the same flow.
 */
import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import type { GatewayContext } from '../gateway/context.js';
import type { Authenticator } from '../aaa/types.js';
import { LoginInterceptApp } from './intercept-app.js';
import { FormTokens } from './form-token.js';
import { RequestedUrls } from './requested-urls.js';
import { LoginFlow, type LoginStats } from './login-flow.js';
import { listenHttpsLogin, type HttpsServerStats } from './https-server.js';
import type { ClientAddress } from './client-address.js';
import { listenExplicitProxy, type ProxyListener } from './explicit-proxy.js';

export interface LoginServiceOptions {
  /** Who checks user names and passwords (local users, RADIUS, TACACS+). */
  readonly authenticator: Authenticator;
  /** The gateway's certificate (chain) and private key, PEM. */
  readonly tls: { readonly cert: string; readonly key: string };
  /** Addresses the HTTPS server listens on: the gateway's inside addresses. */
  readonly addresses: readonly string[];
  /** Port (default `ip http secure-port`, 443; 0 lets the kernel choose, for tests). */
  readonly port?: number;
  /** Key of the form tokens (default: 32 random bytes). */
  readonly secret?: Uint8Array;
  /** Port of the explicit proxy (default its config line's; 0 lets the kernel choose, for tests). */
  readonly proxyPort?: number;
  /** Name resolution of the explicit proxy (default: the system's). */
  readonly resolve?: (host: string) => Promise<string>;
}

export interface LoginService {
  /** The engine's InterceptApp (also set as `ctx.engine.app`). */
  readonly app: LoginInterceptApp;
  /** The port the HTTPS server listens on (0 when `ip http secure-server` is not configured). */
  readonly port: number;
  /** The explicit proxy (`ip auth-proxy proxy-listener`), if configured. */
  readonly proxy: ProxyListener | undefined;
  /** Login outcomes and refused requests, counted. */
  readonly stats: { readonly logins: LoginStats; readonly https: HttpsServerStats | undefined };
  close(): Promise<void>;
}

/** Starts the login service of the gateway `ctx` and makes it the engine's InterceptApp. */
export async function startLoginService(ctx: GatewayContext, opts: LoginServiceOptions): Promise<LoginService> {
  const cfg = ctx.config;
  const tokens = new FormTokens(opts.secret ?? randomBytes(32));
  const urls = new RequestedUrls();
  const secureContext = tls.createSecureContext({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' });
  let port = 0;
  let app: LoginInterceptApp | null = null;
  const actionFor = (client: ClientAddress): string => app!.loginUrl(client.words);
  const flow = new LoginFlow(ctx, {
    authenticator: opts.authenticator, tokens, urls, actionFor, onAuthorized: (client) => app?.hostAuthorized(client.text),
  });
  const servers = cfg.http.secureServer
    ? await listenHttpsLogin(ctx, flow, { cert: opts.tls.cert, key: opts.tls.key }, opts.addresses, opts.port ?? cfg.http.securePort)
    : undefined;
  if (servers !== undefined) port = servers.port;
  app = new LoginInterceptApp({
    config: cfg, clock: () => ctx.nowMs(), wallClockMs: (t) => ctx.wallClockMs(t), tokens, urls, secureContext,
    securePort: port === 0 ? undefined : port, loginUnavailable: servers === undefined, onOutput: () => ctx.kick(),
  });
  const pl = cfg.loginModes.proxyListener;
  let proxy: ProxyListener | undefined;
  try {
    proxy = pl === undefined ? undefined : await listenExplicitProxy(ctx, {
      flow, addresses: opts.addresses, port: opts.proxyPort ?? pl.port, realm: pl.realm ?? cfg.hostname, resolve: opts.resolve,
    });
  } catch (e) {
    if (servers !== undefined) await servers.close();
    throw e;
  }
  const previous = ctx.engine.app;
  app.attach(ctx.engine);
  ctx.engine.app = app;
  return {
    app, port, proxy,
    stats: { logins: flow.stats, https: servers?.stats },
    close: async () => {
      if (ctx.engine.app === app) ctx.engine.app = previous;
      if (servers !== undefined) await servers.close();
      if (proxy !== undefined) await proxy.close();
    },
  };
}
