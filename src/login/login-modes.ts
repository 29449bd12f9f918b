/**
 * The answers of the login modes beyond IOS on intercepted connections (`ip auth-proxy
 * login-redirect`, `ip auth-proxy status-511`; `src/config/login-modes.ts`): whether a request
 * takes HTML, where a 307 sends the browser, and the 511 page.
 */
import { escapeHtml } from './pages.js';
import { redirectableUrl } from './requested-urls.js';

/** Media ranges that take an HTML page (RFC 9110 §12.5.1). */
const HTML_RANGES: ReadonlySet<string> = new Set(['text/html', 'application/xhtml+xml', 'text/*', '*/*']);

/**
 * True if a request with this `Accept` header takes an HTML page: no header at all (RFC 9110
 * §12.5.1: any type), or a range naming HTML, `text/*` or `*∕*` with a non-zero `q`.
 */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  for (const range of accept.slice(0, 2048).split(',')) {
    const [type, ...params] = range.split(';');
    if (!HTML_RANGES.has(type!.trim().toLowerCase())) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/**
 * The `Location` of a login redirect: the login site with `url=` (the URL asked for, normalised
 * as the service remembers it, percent-encoded) added to its query. A URL the service would not
 * send a browser back to (`redirectableUrl`: too long, not http(s)) is left out.
 */
export function loginRedirectLocation(site: string, originalUrl: string): string {
  const href = redirectableUrl(originalUrl);
  if (href === undefined) return site;
  const sep = site.includes('?') ? '&' : '?';
  return `${site}${sep}url=${encodeURIComponent(href)}`;
}

/**
 * The body of `511 Network Authentication Required` as RFC 6585 §6 shows it: a title, a
 * refresh to the login page and a link to it.
 */
export function renderNetworkAuthenticationRequired(loginUrl: string): string {
  const href = escapeHtml(loginUrl);
  return '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Network Authentication Required</title>\n' +
    `<meta http-equiv="refresh" content="0; url=${href}"></head>\n` +
    `<body><p>You need to <a href="${href}">authenticate with the local network</a> in order to gain access.</p></body></html>\n`;
}
