/**
 * Security headers of every page the proxy serves (OWASP Secure Headers): a Content-Security-
 * Policy that allows nothing but the pages' own style sheet (by hash) and form posts (to the
 * login service, over https only), no framing (`frame-ancestors 'none'`, `X-Frame-Options:
 * DENY`), no caching (`no-store`: a page carries a form token and may echo a user name), no
 * referrer (the original URL must not leak onwards), no MIME sniffing, and HSTS on the login
 * service's own HTTPS responses (RFC 6797; not on intercepted connections, whose host names are
 * other sites').
 */
import type http from 'node:http';
import { createHash } from 'node:crypto';
import { PAGE_STYLE } from './pages.js';

const STYLE_HASH = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

/** HSTS lifetime: one year. */
const HSTS = 'max-age=31536000';

export interface PageHeaderOptions {
  /**
   * CSP `form-action`: `https:` for pages whose form posts to the login service from another
   * origin (IPv6 addresses cannot be written as CSP host sources), `'self'` for the service's own.
   */
  readonly formAction: string;
  /** Send Strict-Transport-Security (the login service's own HTTPS responses). */
  readonly hsts: boolean;
}

/** Sets the security headers and the HTML content type on `res`. */
export function setPageHeaders(res: http.ServerResponse, o: PageHeaderOptions): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy',
    `default-src 'none'; style-src ${STYLE_HASH}; form-action ${o.formAction}; frame-ancestors 'none'; base-uri 'none'`);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (o.hsts) res.setHeader('Strict-Transport-Security', HSTS);
}
