/**
 * What a login does (DESIGN.md §2 steps 2–3, spec §2 states), whatever connection its form came
 * on: check the form token, ask the Authenticator (asynchronously: password hashing runs off
 * the packet path), and then
 * - accept with `priv-lvl` 15: `engine.authorizeHost` with the downloaded entries (HTTP_ESTAB),
 *   `ctx.kick()`, and the success page leading back to a URL this client asked for;
 * - reject, or a privilege below 15 (IOS requires 15): AUTHC_FAIL, counted toward
 *   `max-login-attempts` (the watch list), and the form again with the reason;
 * - no answer: HTTP_NO_RESP and a page saying the server did not answer (not counted).
 * The host's entry is HTTP_REQ while AAA is asked. A listed host is refused without asking.
 * An answer that comes after the host's entry was cleared (`clear ip auth-proxy cache`) or
 * expired installs nothing: the entry's slot and generation are noted when AAA is asked and
 * must be the same when it answers (the login is refused, "log in again"); a challenge's answer
 * is checked against the entry of the login's first step.
 * The password goes to the Authenticator and nowhere else: no page, line, error or record of
 * this module holds it.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { Authenticator, AuthOutcome } from '../aaa/types.js';
import type { DynamicAclText } from '../acl/api.js';
import { AP_PROTO_HTTP } from '../authproxy/protocols.js';
import {
  AP_STATE_HTTP_ESTAB, AP_STATE_HTTP_NO_RESP, AP_STATE_HTTP_REQ, AP_STATE_AUTHC_FAIL,
} from '../authproxy/states.js';
import { FAILURE_LISTED, FAILURE_ALREADY_LISTED } from '../authproxy/watch-list.js';
import type { ClientAddress } from './client-address.js';
import type { FormTokens } from './form-token.js';
import type { RequestedUrls } from './requested-urls.js';
import type { LoginForm } from './login-form.js';
import { renderConsentPage, renderLoginPage, renderResultPage } from './pages.js';
import { httpDebug, printableUser } from './login-debug.js';

/** Privilege a user needs to be let through (IOS `auth-proxy:priv-lvl=15`). */
export const REQUIRED_PRIVILEGE = 15;
/** The user name of a host let through by an accepted consent page (`show ip auth-proxy cache`, accounting). */
export const CONSENT_USER = 'consent';
/** Logins being checked at once, all clients together; more wait for none and get 503. */
export const MAX_CONCURRENT_LOGINS = 64;
/** Challenges shown whose host entry is remembered for their answer (as many as the method lists keep pending). */
export const MAX_PENDING_STEPS = 4096;
/** An Authenticator that has not answered after this long counts as no answer. */
export const AUTHENTICATE_TIMEOUT_MS = 30_000;

/**
 * A refusal as one sentence for the page: `prefix: reason.`, except that a reason which already
 * begins with the prefix's first word (the local users' "Authentication failed", "Authentication
 * succeeded, but the user is not authorized") stands alone, capitalised, so the page never reads
 * "Authentication failed: Authentication failed."; an empty reason is the prefix alone; the
 * full stop is added only when the reason (a server's Reply-Message, say) has none of its own.
 */
export function refusalSentence(prefix: string, reason: string): string {
  const r = reason.trim();
  if (r === '') return `${prefix}.`;
  const word = prefix.split(' ')[0]!.toLowerCase();
  const text = new RegExp(`^${word}\\b`, 'i').test(r) ? r[0]!.toUpperCase() + r.slice(1) : `${prefix}: ${r}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A page to send: status and HTML. */
export interface LoginPage {
  readonly status: number;
  readonly html: string;
}

/** What a login came to (`LoginFlow.login`); each way of logging in answers it in its own way. */
export type LoginResult =
  | { readonly kind: 'watch-listed' }
  | { readonly kind: 'busy' }
  | { readonly kind: 'no-answer' }
  /** The host's entry was cleared or expired while AAA was asked: nothing installed. */
  | { readonly kind: 'stale' }
  | { readonly kind: 'challenge'; readonly state: string; readonly prompt: string }
  | { readonly kind: 'rejected'; readonly reason: string; readonly listed: boolean }
  | { readonly kind: 'authorize-failed'; readonly message: string }
  | { readonly kind: 'accepted'; readonly user: string };

/** Outcomes counted by the login service. */
export interface LoginStats {
  accepted: number;
  rejected: number;
  noAnswer: number;
  badToken: number;
  watchListed: number;
  busy: number;
  authorizeFailed: number;
  /** Answers that came after the host's entry was cleared or expired: nothing installed. */
  stale: number;
  /** Rejects not counted toward `max-login-attempts`: a resend of the credentials that last logged the host in ({@link LoginOptions}). */
  resentRejected: number;
}

/** How {@link LoginFlow.login} treats a login. */
export interface LoginOptions {
  /**
   * The credentials are exactly those the host's last accepted login had (its client resending
   * them after the session ended, as browsers resend proxy credentials): a reject is not a
   * failed attempt and is not counted toward `max-login-attempts`. The caller must have
   * compared the credentials with that host's accepted ones; anything else counts.
   */
  readonly resent?: boolean;
}

export interface LoginFlowOptions {
  readonly authenticator: Authenticator;
  readonly tokens: FormTokens;
  readonly urls: RequestedUrls;
  /** The form action for a failed attempt's form (the login service's URL for this client). */
  readonly actionFor: (client: ClientAddress) => string;
  /** Called when `client` has been let through (the intercepting side closes its connections). */
  readonly onAuthorized?: (client: ClientAddress) => void;
}

/** The login logic shared by the HTTPS service's connections. */
export class LoginFlow {
  readonly stats: LoginStats = {
    accepted: 0, rejected: 0, noAnswer: 0, badToken: 0, watchListed: 0, busy: 0, authorizeFailed: 0, stale: 0, resentRejected: 0,
  };
  private readonly inFlight = new Set<string>();
  /** The host's cache entry (entryOf) when a challenge was shown, by the challenge's state: its answer is checked against it. */
  private readonly stepEntries = new Map<string, number | undefined>();

  constructor(private readonly ctx: GatewayContext, private readonly o: LoginFlowOptions) {}

  /**
   * The login form for `client` (fresh token), with `message` and `user` filled in if given (and
   * a challenge's second step). `wanted` (a login redirect's `url=`) picks the page to return to
   * among those the client asked for (never another).
   */
  formPage(client: ClientAddress, status: number, message?: string, user?: string,
    challenge?: { readonly state: string; readonly prompt: string }, wanted?: string): LoginPage {
    const cfg = this.ctx.config;
    const consent = cfg.loginModes.consent;
    if (consent !== undefined) {
      return {
        status,
        html: renderConsentPage({
          banner: cfg.authProxy.bannerEnabled ? (cfg.authProxy.bannerText ?? cfg.hostname) : undefined,
          hostname: cfg.hostname, terms: consent.text, action: this.o.actionFor(client),
          originalUrl: this.o.urls.pick(client.text, wanted), token: this.o.tokens.issue(client.text, this.ctx.nowMs()), message,
        }),
      };
    }
    return {
      status,
      html: renderLoginPage({
        banner: cfg.authProxy.bannerEnabled ? (cfg.authProxy.bannerText ?? cfg.hostname) : undefined,
        hostname: cfg.hostname,
        action: this.o.actionFor(client),
        originalUrl: this.o.urls.pick(client.text, wanted),
        token: this.o.tokens.issue(client.text, this.ctx.nowMs()),
        message,
        user,
        challenge,
      }),
    };
  }

  /** The login page's URL for `client`: the login-redirect site if one is configured, else the login service facing it. */
  portalUrl(client: ClientAddress): string {
    return this.ctx.config.loginModes.redirect?.url ?? this.o.actionFor(client);
  }

  private result(status: number, title: string, message: string, ok = false, href?: string): LoginPage {
    return {
      status,
      html: renderResultPage({
        hostname: this.ctx.config.hostname, title, message, ok,
        link: href === undefined ? undefined : { href, text: href },
        refreshSeconds: href === undefined ? undefined : 2,
      }),
    };
  }

  /** Handles a posted login form from `client`; resolves with the page to answer. Never rejects. */
  async submit(client: ClientAddress, form: LoginForm): Promise<LoginPage> {
    const now = this.ctx.nowMs();
    if (this.refusedListed(client, now)) return this.listedPage();
    if (!this.o.tokens.verify(form.token, client.text, now)) {
      this.stats.badToken++;
      httpDebug(this.ctx.engine, now, () => `login form from ${client.text} refused: bad or expired form token`);
      return this.formPage(client, 403, 'This login form has expired or was not issued to this computer; nothing was checked. Please log in again.');
    }
    const consent = this.ctx.config.loginModes.consent;
    const r = consent !== undefined ? this.consent(client, form, consent.attributeList)
      : form.user === '' ? undefined : await this.login(client, form.user, form.password, form.state);
    if (r === undefined) return this.formPage(client, 400, consent !== undefined ? 'Tick the box to accept the terms.' : 'Enter a user name and a password.');
    switch (r.kind) {
      case 'watch-listed': return this.listedPage();
      case 'stale':
        return this.result(409, 'Authentication Failed',
          'This computer\'s login was cleared or timed out while it was being checked, so nothing was let through. Please log in again.');
      case 'busy': return this.result(503, 'Authentication Busy', 'A login is being checked already; please try again in a moment.');
      case 'no-answer':
        return this.result(503, 'Authentication Failed',
          'The authentication server did not answer, so your login could not be checked. Please try again later.');
      case 'challenge':
        // A second step (RADIUS Access-Challenge): the same form asks the server's question.
        return this.formPage(client, 200, undefined, form.user, { state: r.state, prompt: r.prompt });
      case 'authorize-failed':
        return this.formPage(client, 403, refusalSentence('Authorization failed', r.message), form.user);
      case 'rejected':
        if (r.listed) {
          return this.result(403, 'Authentication Failed', `${refusalSentence('Authentication failed', r.reason)} ` +
            'Too many failed logins from this computer: it may not log in until its watch-list entry expires.');
        }
        return this.formPage(client, 403, refusalSentence('Authentication failed', r.reason), form.user);
      case 'accepted': {
        const back = this.o.urls.pick(client.text, form.originalUrl);
        return this.result(200, 'Authentication Successful',
          back === undefined ? 'You are logged in; you may now open the page you wanted.'
            : 'You are logged in. Your browser now returns to the page you asked for:', true, back);
      }
    }
  }

  /** True (counted, debug line) if `client` is on the watch list: its logins are refused without asking AAA. */
  private refusedListed(client: ClientAddress, now: number): boolean {
    if (!this.ctx.engine.isWatchListed(client.words, now)) return false;
    this.stats.watchListed++;
    httpDebug(this.ctx.engine, now, () => `login from ${client.text} refused: host on the watch list`);
    return true;
  }

  private listedPage(): LoginPage {
    return this.result(403, 'Authentication Refused',
      'Too many failed logins from this computer: it is on the watch list and may not log in until its entry expires.');
  }

  /**
   * An accepted consent page (`ip auth-proxy consent attribute-list NAME`): no credentials; the
   * host is authorized as user `consent` with the list's `proxyacl` entries, as a login would be.
   * Undefined when the box was not ticked.
   */
  private consent(client: ClientAddress, form: LoginForm, listName: string): LoginResult | undefined {
    if (!form.accept) return undefined;
    httpDebug(this.ctx.engine, this.ctx.nowMs(), () => `terms accepted by ${client.text}`);
    const list = this.ctx.config.attributeLists.get(listName);
    return this.authorize(client, CONSENT_USER, `"${CONSENT_USER}"`, list?.proxyAcl ?? []);
  }

  /**
   * Checks `user` and `password` of `client` (answering a challenge's `state`, if given) with the
   * Authenticator and, on an accept at `priv-lvl` 15, authorizes the host: the steps, states,
   * counters and debug lines every way of logging in shares (the login form, the explicit
   * proxy's `Proxy-Authorization`). A reject counts toward `max-login-attempts` unless
   * `o.resent` says the credentials are the host's last accepted ones. Never rejects.
   */
  async login(client: ClientAddress, userName: string, password: string, state: string | undefined,
    o: LoginOptions = {}): Promise<LoginResult> {
    const ctx = this.ctx;
    const engine = ctx.engine;
    const now = ctx.nowMs();
    if (this.refusedListed(client, now)) return { kind: 'watch-listed' };
    if (this.inFlight.has(client.text) || this.inFlight.size >= MAX_CONCURRENT_LOGINS) {
      this.stats.busy++;
      return { kind: 'busy' };
    }
    const user = printableUser(userName);
    httpDebug(engine, now, () => `credentials received from ${client.text} for user ${user}`);
    this.setState(client, AP_STATE_HTTP_REQ);
    httpDebug(engine, now, () => `AAA request for user ${user} from ${client.text}`);
    // A challenge's answer continues the login its first step began: the entry must be that one's.
    const entry = state !== undefined && this.stepEntries.has(state) ? this.takeStepEntry(state) : this.entryOf(client);
    this.inFlight.add(client.text);
    let outcome: AuthOutcome;
    try {
      outcome = await this.authenticate(userName, password, client.text, state);
    } finally {
      this.inFlight.delete(client.text);
    }
    if (entry !== undefined && this.entryOf(client) !== entry) {
      this.stats.stale++;
      httpDebug(engine, ctx.nowMs(), () => `AAA response for user ${user} from ${client.text} ignored: ` +
        'the host\'s entry was cleared or expired while AAA was asked');
      return { kind: 'stale' };
    }
    if (outcome.kind === 'challenge') this.rememberStep(outcome.state, entry);
    return this.decide(client, user, outcome, o.resent === true);
  }

  /** Notes the entry a challenge was shown for (bounded: past {@link MAX_PENDING_STEPS} the oldest goes). */
  private rememberStep(state: string, entry: number | undefined): void {
    while (this.stepEntries.size >= MAX_PENDING_STEPS) this.stepEntries.delete(this.stepEntries.keys().next().value!);
    this.stepEntries.set(state, entry);
  }

  private takeStepEntry(state: string): number | undefined {
    const entry = this.stepEntries.get(state);
    this.stepEntries.delete(state);
    return entry;
  }

  /** The identity of `client`'s cache entry (slot and generation), undefined when it has none. */
  private entryOf(client: ClientAddress): number | undefined {
    const cache = this.ctx.engine.cache;
    const slot = cache.lookup(client.words);
    return slot < 0 ? undefined : slot * 0x1_0000_0000 + cache.generation[slot]!;
  }

  /** Asks the Authenticator, bounded in time; a throw or a timeout is no answer (the error is not echoed: it could hold anything). */
  private authenticate(user: string, password: string, client: string, state: string | undefined): Promise<AuthOutcome> {
    return new Promise<AuthOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'error', reason: 'no answer within 30 seconds' }), AUTHENTICATE_TIMEOUT_MS);
      timer.unref();
      let p: Promise<AuthOutcome>;
      try {
        p = this.o.authenticator.authenticate({ user, password, client, state });
      } catch {
        p = Promise.reject(new Error('authenticator failed'));
      }
      p.then((r) => {
        clearTimeout(timer);
        resolve(r);
      }, () => {
        clearTimeout(timer);
        resolve({ kind: 'error', reason: 'the authentication method failed' });
      });
    });
  }

  private decide(client: ClientAddress, user: string, outcome: AuthOutcome, resent: boolean): LoginResult {
    const ctx = this.ctx;
    const engine = ctx.engine;
    const now = ctx.nowMs();
    if (outcome.kind === 'error') {
      this.stats.noAnswer++;
      httpDebug(engine, now, () => `AAA response for user ${user} from ${client.text}: no answer (${outcome.reason})`);
      this.setState(client, AP_STATE_HTTP_NO_RESP);
      return { kind: 'no-answer' };
    }
    if (outcome.kind === 'challenge') {
      // The host stays HTTP_REQ, nothing is counted.
      httpDebug(engine, now, () => `AAA response for user ${user} from ${client.text}: challenge`);
      return { kind: 'challenge', state: outcome.state, prompt: outcome.prompt };
    }
    let reason: string;
    if (outcome.kind === 'reject') reason = outcome.reason;
    else if (outcome.privilege !== REQUIRED_PRIVILEGE) {
      reason = `not authorized (privilege level ${outcome.privilege}; ${REQUIRED_PRIVILEGE} is required)`;
    } else {
      httpDebug(engine, now, () => `AAA response for user ${user} from ${client.text}: accept, priv-lvl ${outcome.privilege}, ` +
        `${outcome.entries.length} proxyacl ${outcome.entries.length === 1 ? 'entry' : 'entries'}`);
      return this.authorize(client, outcome.user, user, outcome.entries, outcome.authentic);
    }
    if (resent) {
      // Not a guess: the host's last accepted credentials again (a one-time code spent, say).
      this.stats.resentRejected++;
      httpDebug(engine, now, () => `AAA response for user ${user} from ${client.text}: reject (${reason}), ` +
        'credentials of the host\'s last login resent: not counted');
      this.setState(client, AP_STATE_AUTHC_FAIL);
      return { kind: 'rejected', reason, listed: false };
    }
    this.stats.rejected++;
    httpDebug(engine, now, () => `AAA response for user ${user} from ${client.text}: reject (${reason})`);
    const r = engine.loginFailed(client.words, now);
    return { kind: 'rejected', reason, listed: r === FAILURE_LISTED || r === FAILURE_ALREADY_LISTED };
  }

  /**
   * Lets `client` through as `userName` (`shown`: as debug lines print it) with `entries`
   * (`engine.authorizeHost`): HTTP_ESTAB, the failures forgotten, the intercepted connections
   * told, the gateway kicked. Also the way an accepted consent authorizes. `authentic`: how the
   * user was authenticated (`AuthAccept.authentic`), for the session's accounting.
   */
  authorize(client: ClientAddress, userName: string, shown: string, entries: readonly DynamicAclText[],
    authentic?: number): LoginResult {
    const ctx = this.ctx;
    const engine = ctx.engine;
    const now = ctx.nowMs();
    const r = engine.authorizeHost(client.words, userName, entries, now, AP_PROTO_HTTP, authentic ?? 0);
    if (!r.ok) {
      this.stats.authorizeFailed++;
      httpDebug(engine, now, () => `login of ${shown} from ${client.text} not authorized: ${r.error.message}`);
      this.setState(client, AP_STATE_AUTHC_FAIL);
      return { kind: 'authorize-failed', message: r.error.message };
    }
    engine.loginSucceeded(client.words);
    this.o.onAuthorized?.(client);
    this.stats.accepted++;
    ctx.kick();
    httpDebug(engine, now, () => `${client.text} authenticated as ${shown}`);
    return { kind: 'accepted', user: userName };
  }

  /** Sets the login state of `client`'s cache entry, unless it is authenticated already. */
  private setState(client: ClientAddress, state: number): void {
    const cache = this.ctx.engine.cache;
    const slot = cache.lookup(client.words);
    if (slot >= 0 && cache.state[slot] !== AP_STATE_HTTP_ESTAB) this.ctx.engine.setHostState(client.words, state);
  }
}
