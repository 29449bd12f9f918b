/**
 * The login form's anti-forgery token (OWASP CSRF cheat sheet, "HMAC based token pattern"): an
 * expiry time and an HMAC-SHA256 under a secret of the login service over that time and the
 * client's address. The token is checked by recomputing the MAC (constant-time compare): the
 * service keeps no state per page served, and a token is good only for the host it was issued
 * to, and only until it expires. A form another site makes a browser post carries no valid
 * token; a token seen on the wire is of no use from another address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a login page's form may be posted: 15 minutes. */
export const FORM_TOKEN_TTL_MS = 15 * 60_000;

/** Issues and checks form tokens. Times are the engine's (monotonic) milliseconds. */
export class FormTokens {
  /**
   * @param secret the service's key (32 random bytes; a restart makes open pages' tokens invalid).
   * @param ttlMs how long a token stays good.
   */
  constructor(private readonly secret: Uint8Array, private readonly ttlMs = FORM_TOKEN_TTL_MS) {}

  /** A token for the client `client` (canonical address text) at `nowMs`. */
  issue(client: string, nowMs: number): string {
    const expiry = Math.floor(nowMs) + this.ttlMs;
    return `${expiry.toString(36)}.${this.mac(client, expiry)}`;
  }

  /** True if `token` was issued to `client` and has not expired at `nowMs`. */
  verify(token: string | undefined, client: string, nowMs: number): boolean {
    if (typeof token !== 'string' || token.length > 64) return false;
    const m = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (m === null) return false;
    const expiry = parseInt(m[1]!, 36);
    if (!(expiry > nowMs) || expiry - nowMs > this.ttlMs) return false;
    return timingSafeEqual(Buffer.from(this.mac(client, expiry), 'latin1'), Buffer.from(m[2]!, 'latin1'));
  }

  private mac(client: string, expiry: number): string {
    return createHmac('sha256', this.secret).update(`portcullis login form\0${client}\0${expiry}`).digest('base64url');
  }
}
