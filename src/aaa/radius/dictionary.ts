/**
 * The RADIUS numbers portcullis speaks: packet codes (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2.3)
 * and the attribute types it sends or reads (RFC 2865 §5, RFC 2866 §5, RFC 2869 §5, RFC 3579 §3,
 * RFC 3162 §2, RFC 5176 §3.5, RFC 6911 §3), with
 * Cisco's vendor number and its one attribute, Cisco-AVPair (vendor 9, type 1).
 */

/** Packet codes. */
export const RADIUS_CODE = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  ACCESS_CHALLENGE: 11,
  DISCONNECT_REQUEST: 40,
  DISCONNECT_ACK: 41,
  DISCONNECT_NAK: 42,
  COA_REQUEST: 43,
  COA_ACK: 44,
  COA_NAK: 45,
} as const;

/** Attribute types. */
export const RADIUS_ATTR = {
  USER_NAME: 1,
  USER_PASSWORD: 2,
  NAS_IP_ADDRESS: 4,
  NAS_PORT: 5,
  SERVICE_TYPE: 6,
  FRAMED_IP_ADDRESS: 8,
  REPLY_MESSAGE: 18,
  STATE: 24,
  CLASS: 25,
  VENDOR_SPECIFIC: 26,
  SESSION_TIMEOUT: 27,
  IDLE_TIMEOUT: 28,
  CALLING_STATION_ID: 31,
  NAS_IDENTIFIER: 32,
  PROXY_STATE: 33,
  ACCT_STATUS_TYPE: 40,
  ACCT_DELAY_TIME: 41,
  ACCT_INPUT_OCTETS: 42,
  ACCT_OUTPUT_OCTETS: 43,
  ACCT_SESSION_ID: 44,
  ACCT_AUTHENTIC: 45,
  ACCT_SESSION_TIME: 46,
  ACCT_INPUT_PACKETS: 47,
  ACCT_OUTPUT_PACKETS: 48,
  ACCT_TERMINATE_CAUSE: 49,
  EVENT_TIMESTAMP: 55,
  NAS_PORT_TYPE: 61,
  MESSAGE_AUTHENTICATOR: 80,
  NAS_IPV6_ADDRESS: 95,
  ERROR_CAUSE: 101,
  FRAMED_IPV6_ADDRESS: 168,
} as const;

/** Error-Cause values (RFC 5176 §3.5) portcullis sends in a Disconnect-NAK or CoA-NAK. */
export const ERROR_CAUSE = {
  UNSUPPORTED_ATTRIBUTE: 401,
  MISSING_ATTRIBUTE: 402,
  NAS_IDENTIFICATION_MISMATCH: 403,
  INVALID_REQUEST: 404,
  UNSUPPORTED_SERVICE: 405,
  INVALID_ATTRIBUTE_VALUE: 407,
  ADMINISTRATIVELY_PROHIBITED: 501,
  REQUEST_NOT_ROUTABLE: 502,
  SESSION_CONTEXT_NOT_FOUND: 503,
  SESSION_CONTEXT_NOT_REMOVABLE: 504,
  RESOURCES_UNAVAILABLE: 506,
  MULTIPLE_SESSION_SELECTION_UNSUPPORTED: 508,
} as const;

/** Service-Type values (RFC 2865 §5.6). */
export const SERVICE_TYPE = { LOGIN: 1, OUTBOUND: 5 } as const;

/** Service-Type Authorize-Only (RFC 5176 §3.2): a CoA-Request asking the NAS to re-authorize. */
export const SERVICE_TYPE_AUTHORIZE_ONLY = 17;

/** NAS-Port-Type Virtual (RFC 2865 §5.41): the login is not on a physical port. */
export const NAS_PORT_TYPE_VIRTUAL = 5;

/** Acct-Status-Type values (RFC 2866 §5.1). */
export const ACCT_STATUS = { START: 1, STOP: 2, INTERIM_UPDATE: 3 } as const;

/** Acct-Authentic values (RFC 2866 §5.6): how the user was authenticated — by RADIUS, by the NAS (local users), or by another remote protocol (TACACS+). */
export const ACCT_AUTHENTIC = { RADIUS: 1, LOCAL: 2, REMOTE: 3 } as const;

/** Cisco's SMI enterprise number (Vendor-Id of its Vendor-Specific attributes). */
export const VENDOR_CISCO = 9;
/** Cisco-AVPair: a `protocol:attribute=value` string. */
export const CISCO_AVPAIR = 1;

/** Limits of RFC 2865 §3 and §5. */
export const RADIUS_MIN_PACKET = 20;
export const RADIUS_MAX_PACKET = 4096;
/** Largest attribute value (255 minus the type and length octets). */
export const RADIUS_MAX_VALUE = 253;
/** Longest User-Password before hiding (RFC 2865 §5.2). */
export const RADIUS_MAX_PASSWORD = 128;
/** Length of the authenticator fields and of the Message-Authenticator value. */
export const RADIUS_AUTH_LEN = 16;
