/**
 * The requests portcullis sends: Access-Request (RFC 2865 §4.1, PAP) and Accounting-Request
 * (RFC 2866 §4.1), each with a Message-Authenticator as its first attribute (RFC 3579 §3.2; first,
 * as the Blast-RADIUS advisories recommend, so that no attacker-chosen prefix precedes it).
 */
import { randomBytes } from 'node:crypto';
import { NAS_PORT_TYPE_VIRTUAL, RADIUS_ATTR, RADIUS_AUTH_LEN, RADIUS_CODE, RADIUS_MIN_PACKET } from './dictionary.js';
import { encodePacket, integerAttribute, textAttribute } from './packet.js';
import type { RadiusAttribute } from './packet.js';
import { fillMessageAuthenticator, hidePassword, signAccountingRequest } from './authenticators.js';

/** A request ready to send, with the authenticator its reply is checked against. */
export interface EncodedRequest {
  readonly bytes: Uint8Array;
  /** The Request Authenticator (the field as sent). */
  readonly authenticator: Uint8Array;
}

/** What an Access-Request carries. */
export interface AccessRequestFields {
  readonly user: string;
  /** Cleartext password (hidden with the secret, RFC 2865 §5.2); for a challenge, the answer. */
  readonly password: string;
  /** State of the Access-Challenge being answered (RFC 2865 §5.24), if any. */
  readonly state?: Uint8Array | undefined;
  /** NAS-Identifier (RFC 2865 §5.32): the gateway's hostname. */
  readonly nasIdentifier: string;
  /** Calling-Station-Id (RFC 2865 §5.31): the client's address. */
  readonly callingStationId?: string | undefined;
}

/** Message-Authenticator attribute with a zero value, to be filled when signing. */
function zeroMessageAuthenticator(): RadiusAttribute {
  return { type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(RADIUS_AUTH_LEN) };
}

/** Offset of the value of the first attribute (the Message-Authenticator in these requests). */
const FIRST_VALUE = RADIUS_MIN_PACKET + 2;

/**
 * Encodes a signed Access-Request with a fresh random Request Authenticator (RFC 2865 §3: it
 * must be unpredictable). Throws `RadiusEncodeError` for a user name, password or state that
 * does not fit.
 */
export function encodeAccessRequest(identifier: number, secret: Uint8Array, f: AccessRequestFields): EncodedRequest {
  const authenticator = new Uint8Array(randomBytes(RADIUS_AUTH_LEN));
  const password = hidePassword(new TextEncoder().encode(f.password), secret, authenticator);
  const attributes: RadiusAttribute[] = [
    zeroMessageAuthenticator(),
    textAttribute(RADIUS_ATTR.USER_NAME, f.user),
    { type: RADIUS_ATTR.USER_PASSWORD, value: password },
    textAttribute(RADIUS_ATTR.NAS_IDENTIFIER, f.nasIdentifier),
    integerAttribute(RADIUS_ATTR.NAS_PORT_TYPE, NAS_PORT_TYPE_VIRTUAL),
  ];
  if (f.callingStationId !== undefined) attributes.push(textAttribute(RADIUS_ATTR.CALLING_STATION_ID, f.callingStationId));
  if (f.state !== undefined) attributes.push({ type: RADIUS_ATTR.STATE, value: f.state });
  const bytes = encodePacket(RADIUS_CODE.ACCESS_REQUEST, identifier, authenticator, attributes);
  fillMessageAuthenticator(bytes, FIRST_VALUE, secret);
  return { bytes, authenticator };
}

/**
 * Encodes a signed Accounting-Request carrying `attributes` (Acct-Status-Type, Acct-Session-Id,
 * counters …, built by the caller) after a Message-Authenticator; its Request Authenticator is
 * the MD5 of RFC 2866 §3.
 */
export function encodeAccountingRequest(identifier: number, secret: Uint8Array,
  attributes: readonly RadiusAttribute[]): EncodedRequest {
  const bytes = encodePacket(RADIUS_CODE.ACCOUNTING_REQUEST, identifier, new Uint8Array(RADIUS_AUTH_LEN),
    [zeroMessageAuthenticator(), ...attributes]);
  signAccountingRequest(bytes, FIRST_VALUE, secret);
  return { bytes, authenticator: bytes.slice(4, 4 + RADIUS_AUTH_LEN) };
}
