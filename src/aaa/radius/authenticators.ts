/**
 * The shared-secret cryptography of RADIUS: User-Password hiding (RFC 2865 §5.2), the Request
 * Authenticator of an Accounting-Request (RFC 2866 §3), the Response Authenticator (RFC 2865 §3)
 * and the Message-Authenticator (HMAC-MD5, RFC 3579 §3.2).
 *
 * Every request portcullis sends carries a Message-Authenticator, and every Access-Accept,
 * -Reject and -Challenge must carry a valid one: without it a reply's only protection is the
 * MD5 Response Authenticator, which an on-path attacker can forge by a chosen-prefix collision
 * (Blast-RADIUS, CVE-2024-3596). Both checks compare in constant time (`timingSafeEqual`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RadiusEncodeError } from '../../errors.js';
import { RADIUS_AUTH_LEN, RADIUS_MAX_PASSWORD } from './dictionary.js';
import type { RadiusPacket } from './packet.js';

/**
 * Hides a User-Password (RFC 2865 §5.2): padded with zeros to a multiple of 16 octets, then
 * c(1) = p(1) XOR MD5(S + RA), c(i) = p(i) XOR MD5(S + c(i-1)). Throws
 * {@link RadiusEncodeError} for a password over 128 octets.
 */
export function hidePassword(password: Uint8Array, secret: Uint8Array, requestAuthenticator: Uint8Array): Uint8Array {
  if (password.length > RADIUS_MAX_PASSWORD) throw new RadiusEncodeError('User-Password', password.length, RADIUS_MAX_PASSWORD);
  const n = Math.max(16, Math.ceil(password.length / 16) * 16);
  const out = new Uint8Array(n);
  out.set(password);
  let prev = requestAuthenticator;
  for (let i = 0; i < n; i += 16) {
    const b = createHash('md5').update(secret).update(prev).digest();
    for (let j = 0; j < 16; j++) out[i + j]! ^= b[j]!;
    prev = out.subarray(i, i + 16);
  }
  return out;
}

/** Reverses {@link hidePassword} (for servers; trailing zero padding removed). */
export function unhidePassword(hidden: Uint8Array, secret: Uint8Array, requestAuthenticator: Uint8Array): Uint8Array {
  const out = new Uint8Array(hidden.length);
  let prev = requestAuthenticator;
  for (let i = 0; i + 16 <= hidden.length; i += 16) {
    const b = createHash('md5').update(secret).update(prev).digest();
    for (let j = 0; j < 16; j++) out[i + j] = hidden[i + j]! ^ b[j]!;
    prev = hidden.subarray(i, i + 16);
  }
  let end = out.length;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end);
}

/** HMAC-MD5 of `bytes` under `secret`. */
function hmac(secret: Uint8Array, bytes: Uint8Array): Buffer {
  return createHmac('md5', secret).update(bytes).digest();
}

/**
 * Fills the Message-Authenticator whose value starts at `maOffset` of `packet` (RFC 3579 §3.2):
 * HMAC-MD5 over the packet with that value zero, as the packet stands (its authenticator field
 * is the Request Authenticator of an Access-Request, zeros for an Accounting-Request, the
 * request's authenticator for a reply).
 */
export function fillMessageAuthenticator(packet: Uint8Array, maOffset: number, secret: Uint8Array): void {
  packet.fill(0, maOffset, maOffset + RADIUS_AUTH_LEN);
  packet.set(hmac(secret, packet), maOffset);
}

/**
 * Signs an Accounting-Request in place (RFC 2866 §3): the Message-Authenticator (if `maOffset`
 * ≥ 0) over the packet with a zero authenticator field, then the Request Authenticator
 * MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret).
 */
export function signAccountingRequest(packet: Uint8Array, maOffset: number, secret: Uint8Array): void {
  packet.fill(0, 4, 4 + RADIUS_AUTH_LEN);
  if (maOffset >= 0) fillMessageAuthenticator(packet, maOffset, secret);
  packet.set(createHash('md5').update(packet).update(secret).digest(), 4);
}

/**
 * Signs a reply in place (a server's side, RFC 2865 §3 and RFC 3579 §3.2): the
 * Message-Authenticator (if `maOffset` ≥ 0) with the request's authenticator in the field, then
 * the Response Authenticator MD5(Code + ID + Length + RequestAuth + Attributes + Secret).
 */
export function signReply(packet: Uint8Array, maOffset: number, requestAuthenticator: Uint8Array, secret: Uint8Array): void {
  packet.set(requestAuthenticator.subarray(0, RADIUS_AUTH_LEN), 4);
  if (maOffset >= 0) fillMessageAuthenticator(packet, maOffset, secret);
  packet.set(createHash('md5').update(packet).update(secret).digest(), 4);
}

/** What {@link verifyReply} found. */
export const REPLY_CHECK = {
  OK: 0,
  /** The Response Authenticator is not the one the secret gives. */
  BAD_AUTHENTICATOR: 1,
  /** No Message-Authenticator where one is required. */
  MISSING_MESSAGE_AUTHENTICATOR: 2,
  /** The Message-Authenticator is not the one the secret gives. */
  BAD_MESSAGE_AUTHENTICATOR: 3,
} as const;
export type ReplyCheck = (typeof REPLY_CHECK)[keyof typeof REPLY_CHECK];

/**
 * Checks a reply to a request whose authenticator was `requestAuthenticator`: the Response
 * Authenticator, then the Message-Authenticator (required when `requireMessageAuthenticator`,
 * checked whenever present). Both comparisons are constant-time.
 */
export function verifyReply(reply: RadiusPacket, requestAuthenticator: Uint8Array, secret: Uint8Array,
  requireMessageAuthenticator: boolean): ReplyCheck {
  const copy = new Uint8Array(reply.bytes);
  copy.set(requestAuthenticator.subarray(0, RADIUS_AUTH_LEN), 4);
  const expected = createHash('md5').update(copy).update(secret).digest();
  if (!timingSafeEqual(expected, reply.authenticator)) return REPLY_CHECK.BAD_AUTHENTICATOR;
  const ma = reply.messageAuthenticatorOffset;
  if (ma < 0) return requireMessageAuthenticator ? REPLY_CHECK.MISSING_MESSAGE_AUTHENTICATOR : REPLY_CHECK.OK;
  copy.fill(0, ma, ma + RADIUS_AUTH_LEN);
  const mac = hmac(secret, copy);
  if (!timingSafeEqual(mac, reply.bytes.subarray(ma, ma + RADIUS_AUTH_LEN))) return REPLY_CHECK.BAD_MESSAGE_AUTHENTICATOR;
  return REPLY_CHECK.OK;
}

/**
 * Checks the Message-Authenticator of a request as a server does (RFC 3579 §3.2): HMAC-MD5 over
 * the packet with the value zero (and, for an Accounting-Request, a zero authenticator field).
 * True when valid; false when absent or wrong.
 */
export function verifyRequestMessageAuthenticator(request: RadiusPacket, secret: Uint8Array, accounting: boolean): boolean {
  const ma = request.messageAuthenticatorOffset;
  if (ma < 0) return false;
  const copy = new Uint8Array(request.bytes);
  if (accounting) copy.fill(0, 4, 4 + RADIUS_AUTH_LEN);
  copy.fill(0, ma, ma + RADIUS_AUTH_LEN);
  return timingSafeEqual(hmac(secret, copy), request.bytes.subarray(ma, ma + RADIUS_AUTH_LEN));
}

/**
 * Checks the Request Authenticator of a request signed as an Accounting-Request is (RFC 2866
 * §3; a Disconnect-Request and CoA-Request too, RFC 5176 §2.3): MD5(Code + Identifier + Length +
 * 16 zero octets + Attributes + Secret), compared in constant time.
 */
export function verifyRequestAuthenticator(request: RadiusPacket, secret: Uint8Array): boolean {
  const copy = new Uint8Array(request.bytes);
  copy.fill(0, 4, 4 + RADIUS_AUTH_LEN);
  const expected = createHash('md5').update(copy).update(secret).digest();
  return timingSafeEqual(expected, request.authenticator);
}
