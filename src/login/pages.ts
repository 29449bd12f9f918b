/**
 * The HTML the proxy serves on intercepted connections: the login page (banner and a
 * `uname`/`pwd` form that POSTs only over HTTPS to the gateway's login service, seed 000:
 * "Only the postrequest … will be forced to use HTTP over SSL").
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

export interface LoginPageOptions {
  /** Banner shown above the form (the `auth-proxy-banner` text, or the hostname). */
  readonly banner: string | undefined;
  /** Router host name. */
  readonly hostname: string;
  /** Absolute https URL of the gateway's login service (form action). */
  readonly action: string;
  /** The URL the client originally asked for; the success page sends it back there. */
  readonly originalUrl: string;
  /** Message above the form (e.g. after a failed attempt). */
  readonly message?: string;
}

/** Renders the login page. */
export function renderLoginPage(o: LoginPageOptions): string {
  const banner = o.banner === undefined ? '' : `<h1>${escapeHtml(o.banner)}</h1>\n`;
  const message = o.message === undefined ? '' : `<p class="message">${escapeHtml(o.message)}</p>\n`;
  return '<!DOCTYPE html>\n<html><head><meta charset="utf-8">' +
    `<title>${escapeHtml(o.hostname)} Authentication Proxy Login</title></head>\n<body>\n${banner}${message}` +
    `<h2>Cisco Systems ${escapeHtml(o.hostname)} Authentication</h2>\n` +
    `<form method="post" action="${escapeHtml(o.action)}">\n` +
    `<input type="hidden" name="ap_orig" value="${escapeHtml(o.originalUrl)}">\n` +
    '<p><label>Username: <input type="text" name="uname" autocomplete="username"></label></p>\n' +
    '<p><label>Password: <input type="password" name="pwd" autocomplete="current-password"></label></p>\n' +
    '<p><input type="submit" value="OK"></p>\n</form>\n</body></html>\n';
}
