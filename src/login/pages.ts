/**
 * The HTML the proxy serves: the login page (banner and a `uname`/`pwd` form that POSTs only
 * over HTTPS to the gateway's login service, seed 000: "Only the postrequest … will be forced to
 * use HTTP over SSL"), the same form again after a failed attempt with the reason, and the
 * result pages (success with the way back to the page the client asked for, refusals, no
 * answer from AAA). Everything interpolated is HTML-escaped; the pages carry no script and one
 * style sheet, allowed by its hash in the Content-Security-Policy (`page-headers.ts`).
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** The pages' one style sheet (its hash is in the CSP, so no inline style needs 'unsafe-inline'). */
export const PAGE_STYLE = 'body{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em;color:#222}' +
  'h1{font-size:1.3em}h2{font-size:1.1em}.message{padding:.6em;border:1px solid #c33;background:#fee}' +
  '.ok{padding:.6em;border:1px solid #393;background:#efe}label{display:block;margin:.5em 0}';

function head(title: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>${PAGE_STYLE}</style></head>\n<body>\n`;
}

export interface LoginPageOptions {
  /** Banner shown above the form (the `auth-proxy-banner` text, or the hostname). */
  readonly banner: string | undefined;
  /** Router host name. */
  readonly hostname: string;
  /** Absolute https URL of the gateway's login service (form action). */
  readonly action: string;
  /** The URL the client originally asked for; the success page sends it back there. */
  readonly originalUrl: string | undefined;
  /** The form's anti-forgery token (`form-token.ts`), if the page is to be postable. */
  readonly token?: string | undefined;
  /** Message above the form (e.g. after a failed attempt). */
  readonly message?: string | undefined;
  /** The user name to fill in again (after a failed attempt). */
  readonly user?: string | undefined;
  /**
   * A second step (an AAA challenge): the user name is carried, not asked again, and the
   * password field asks for the answer to `prompt`.
   */
  readonly challenge?: { readonly state: string; readonly prompt: string } | undefined;
}

/** Renders the login page. */
export function renderLoginPage(o: LoginPageOptions): string {
  const banner = o.banner === undefined ? '' : `<h1>${escapeHtml(o.banner)}</h1>\n`;
  const message = o.message === undefined ? '' : `<p class="message">${escapeHtml(o.message)}</p>\n`;
  const token = o.token === undefined ? '' : `<input type="hidden" name="ap_token" value="${escapeHtml(o.token)}">\n`;
  const orig = o.originalUrl === undefined ? '' : `<input type="hidden" name="ap_orig" value="${escapeHtml(o.originalUrl)}">\n`;
  const user = o.user === undefined ? '' : ` value="${escapeHtml(o.user)}"`;
  const c = o.challenge;
  const fields = c === undefined
    ? `<p><label>Username: <input type="text" name="uname" autocomplete="username" maxlength="64"${user}></label></p>\n` +
      '<p><label>Password: <input type="password" name="pwd" autocomplete="current-password" maxlength="128"></label></p>\n'
    : `<input type="hidden" name="ap_state" value="${escapeHtml(c.state)}">\n` +
      `<input type="hidden" name="uname"${user}>\n` +
      `<p><label>${escapeHtml(c.prompt)} <input type="password" name="pwd" autocomplete="one-time-code" maxlength="128"></label></p>\n`;
  return head(`${o.hostname} Authentication Proxy Login`) + banner + message +
    `<h2>Cisco Systems ${escapeHtml(o.hostname)} Authentication</h2>\n` +
    `<form method="post" action="${escapeHtml(o.action)}">\n` + token + orig + fields +
    '<p><input type="submit" value="OK"></p>\n</form>\n</body></html>\n';
}

/** The terms shown when `ip auth-proxy consent` gives none. */
export const DEFAULT_CONSENT_TERMS = 'By continuing you accept the terms of use of this network.';

export interface ConsentPageOptions {
  readonly banner: string | undefined;
  readonly hostname: string;
  /** The terms (plain text; each line a paragraph). */
  readonly terms: string | undefined;
  /** Absolute https URL of the gateway's login service (form action). */
  readonly action: string;
  readonly originalUrl: string | undefined;
  readonly token?: string | undefined;
  readonly message?: string | undefined;
}

/**
 * Renders the consent page (`ip auth-proxy consent`): the terms and a checkbox to accept them,
 * no credentials; the form posts to the login service with its token, like the login form.
 */
export function renderConsentPage(o: ConsentPageOptions): string {
  const banner = o.banner === undefined ? '' : `<h1>${escapeHtml(o.banner)}</h1>\n`;
  const message = o.message === undefined ? '' : `<p class="message">${escapeHtml(o.message)}</p>\n`;
  const terms = (o.terms ?? DEFAULT_CONSENT_TERMS).split('\n').map((l) => l.trim()).filter((l) => l !== '')
    .map((l) => `<p>${escapeHtml(l)}</p>\n`).join('');
  const token = o.token === undefined ? '' : `<input type="hidden" name="ap_token" value="${escapeHtml(o.token)}">\n`;
  const orig = o.originalUrl === undefined ? '' : `<input type="hidden" name="ap_orig" value="${escapeHtml(o.originalUrl)}">\n`;
  return head(`${o.hostname} Terms of Use`) + banner + message +
    `<h2>Terms of use of ${escapeHtml(o.hostname)}</h2>\n` + terms +
    `<form method="post" action="${escapeHtml(o.action)}">\n` + token + orig +
    '<p><label><input type="checkbox" name="ap_accept" value="yes" required> I accept these terms</label></p>\n' +
    '<p><input type="submit" value="Accept and continue"></p>\n</form>\n</body></html>\n';
}

export interface ResultPageOptions {
  readonly hostname: string;
  /** Heading (and title). */
  readonly title: string;
  /** What happened, and what to do. */
  readonly message: string;
  /** True for good news (styled as such). */
  readonly ok?: boolean;
  /** A link to follow (the original URL after a success). */
  readonly link?: { readonly href: string; readonly text: string } | undefined;
  /** Sends the browser to `link.href` after this many seconds (`<meta http-equiv="refresh">`). */
  readonly refreshSeconds?: number | undefined;
}

/** Renders a result page: success, refusal or failure, with an optional link (and redirect) onwards. */
export function renderResultPage(o: ResultPageOptions): string {
  const refresh = o.link !== undefined && o.refreshSeconds !== undefined
    ? `<meta http-equiv="refresh" content="${o.refreshSeconds};url=${escapeHtml(o.link.href)}">\n` : '';
  const link = o.link === undefined ? '' : `<p><a href="${escapeHtml(o.link.href)}">${escapeHtml(o.link.text)}</a></p>\n`;
  return head(`${o.hostname} ${o.title}`).replace('</head>', `${refresh}</head>`) +
    `<h1>${escapeHtml(o.title)}</h1>\n<p class="${o.ok === true ? 'ok' : 'message'}">${escapeHtml(o.message)}</p>\n` +
    link + '</body></html>\n';
}
