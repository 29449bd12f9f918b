/**
 * The login modes beyond IOS: portcullis's own `ip auth-proxy …` lines (README "Login modes").
 *
 * ```
 * ip auth-proxy login-redirect [https://SITE/PATH]
 * ip auth-proxy status-511
 * ip auth-proxy captive-portal-api
 * ip auth-proxy consent attribute-list NAME [^C terms ^C]
 * ip auth-proxy proxy-listener port N [realm WORD|"TEXT"]
 * ```
 *
 * - `login-redirect`: an intercepted request gets `307 Temporary Redirect` to the login site
 *   with the URL asked for (`?url=`), instead of the login page from the original server's
 *   address (seed 001's "307/Temporarily Redirect … pointing to securesite"). Without a URL the
 *   site is the gateway's own login service (`ip http secure-server`), the common case.
 * - `status-511`: a request whose `Accept` does not take HTML (an API client) gets RFC 6585 §6
 *   `511 Network Authentication Required` with a minimal page linking to the login.
 * - `captive-portal-api`: the RFC 8908 API on the login service (`/captive-portal/api`), and the
 *   RFC 8910 option values for operators in `show ip auth-proxy configuration`.
 * - `consent`: the login page asks no credentials but acceptance of terms (a checkbox); an
 *   acceptance authorizes the host with the `aaa attribute list` named.
 * - `proxy-listener`: an explicit HTTP proxy on the inside addresses at port N, authenticating
 *   with `407 Proxy Authentication Required` / `Proxy-Authorization: Basic` through the login's
 *   method lists, CONNECT included. The realm is one word or a double-quoted text (which may
 *   hold blanks, not a double quote), 1-64 printable ASCII characters; it goes into the header
 *   as an RFC 9110 §5.6.4 quoted-string (`"` and `\` escaped, explicit-proxy.ts).
 *
 * Malformed lines are ConfigErrors naming line and column, as everywhere in the config.
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import type { ParseContext, Reference } from './context.js';
import type { LoginModesConfig, SourceRef } from './types.js';
import { readDelimitedText } from './banner.js';
import { expectEnd, numberAt, quotedAt, wordAt } from './values.js';

/** The keywords of this room (after `ip auth-proxy`). */
export const LOGIN_MODE_KEYWORDS: ReadonlySet<string> = new Set([
  'login-redirect', 'status-511', 'captive-portal-api', 'consent', 'proxy-listener',
]);

/** Longest login-redirect URL accepted (the Location then still fits a proxy's header limits with the original URL). */
export const MAX_REDIRECT_URL = 512;
/** The path of the RFC 8908 Captive Portal API on the login service. */
export const CAPTIVE_PORTAL_API_PATH = '/captive-portal/api';

/** Longest realm of `proxy-listener … realm`. */
export const MAX_REALM_LENGTH = 64;

/** Longest consent text. */
export const MAX_CONSENT_TEXT = 16_384;

/** The login-mode lines of one parse. */
export class LoginModesSection {
  private redirect: { url: string | undefined; source: SourceRef } | undefined;
  private status511 = false;
  private captivePortalApi: { source: SourceRef } | undefined;
  private consent: { attributeList: Reference; text: string | undefined; source: SourceRef } | undefined;
  private proxyListener: { port: number; realm: string | undefined; source: SourceRef } | undefined;

  constructor(private readonly ctx: ParseContext) {}

  /** An `ip auth-proxy KEYWORD …` line whose keyword is in {@link LOGIN_MODE_KEYWORDS}. */
  parse(tl: TokenLine): void {
    const source = this.ctx.source(tl);
    switch (wordAt(tl, 2)) {
      case 'login-redirect': {
        const text = tl.tokens[3]?.text;
        if (text === undefined) {
          this.redirect = { url: undefined, source };
          return;
        }
        this.redirect = { url: redirectUrlAt(tl, 3), source };
        return expectEnd(tl, 4);
      }
      case 'status-511':
        this.status511 = true;
        return expectEnd(tl, 3);
      case 'captive-portal-api':
        this.captivePortalApi = { source };
        return expectEnd(tl, 3);
      case 'consent': {
        if (wordAt(tl, 3) !== 'attribute-list') throw expectedAt(tl, 3, '"attribute-list"');
        const name = tl.tokens[4]?.text;
        if (name === undefined) throw expectedAt(tl, 4, 'the name of an aaa attribute list');
        let text: string | undefined;
        if (tl.tokens.length > 5) {
          const d = readDelimitedText(this.ctx.lines, this.ctx.index, 5);
          if (d.text.length > MAX_CONSENT_TEXT) throw expectedAt(tl, 5, `terms of at most ${MAX_CONSENT_TEXT} characters`);
          this.ctx.index = d.lastLine;
          text = d.text.trim();
        }
        this.consent = { attributeList: { tl, index: 4, name }, text, source };
        return;
      }
      case 'proxy-listener': {
        if (wordAt(tl, 3) !== 'port') throw expectedAt(tl, 3, '"port"');
        const port = numberAt(tl, 4, 1, 65535);
        let realm: string | undefined;
        if (tl.tokens.length > 5) {
          if (wordAt(tl, 5) !== 'realm') throw expectedAt(tl, 5, '"realm" or end of line');
          const what = `a realm: a word or "text in double quotes" of 1-${MAX_REALM_LENGTH} printable ASCII characters`;
          let next = 7;
          if (tl.tokens[6]?.text.startsWith('"') === true) [realm, next] = quotedAt(tl, 6, what);
          else realm = tl.tokens[6]?.text;
          // Printable ASCII only: a control character cannot be carried by a quoted-string (RFC 9110 §5.6.4).
          if (realm === undefined || realm.length > MAX_REALM_LENGTH || !/^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/.test(realm)) {
            throw expectedAt(tl, 6, what, realm !== undefined && /[^\x20-\x7e]/.test(realm) ? 'no control or non-ASCII characters' : undefined);
          }
          expectEnd(tl, next);
        }
        this.proxyListener = { port, realm, source };
        return;
      }
      default:
        throw expectedAt(tl, 2, 'a login mode keyword');
    }
  }

  /** The attribute list the consent line names, for the cross-check after parsing. */
  consentReference(): Reference | undefined {
    return this.consent?.attributeList;
  }

  result(): LoginModesConfig {
    const c = this.consent;
    return {
      redirect: this.redirect,
      status511: this.status511,
      captivePortalApi: this.captivePortalApi,
      consent: c === undefined ? undefined : { attributeList: c.attributeList.name, text: c.text, source: c.source },
      proxyListener: this.proxyListener,
    };
  }
}

/**
 * Token `index` as a login site URL: absolute `https:` (the site takes credentials), no user
 * information or fragment, at most {@link MAX_REDIRECT_URL} characters; returned normalised.
 */
function redirectUrlAt(tl: TokenLine, index: number): string {
  const text = tl.tokens[index]!.text;
  const what = 'an https URL of the login site (https://HOST[:PORT]/PATH)';
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw expectedAt(tl, index, what);
  }
  if (u.protocol !== 'https:') throw expectedAt(tl, index, what, 'the login site takes credentials: https only');
  if (u.username !== '' || u.password !== '' || u.hash !== '' || text.length > MAX_REDIRECT_URL) {
    throw expectedAt(tl, index, what, `no user information or fragment, at most ${MAX_REDIRECT_URL} characters`);
  }
  return u.href;
}
