/**
 * What a Disconnect-Request or CoA-Request (RFC 5176) asks, read from a packet whose
 * authenticators were checked: which sessions (the session identification attributes of
 * §3: User-Name, Acct-Session-Id, Framed-IP-Address, Framed-IPv6-Address (RFC 6911),
 * Calling-Station-Id — all given must match), whether it is for this NAS (NAS-IP-Address,
 * NAS-IPv6-Address, NAS-Identifier, when given, must be the gateway's; else 403 NAS
 * Identification Mismatch), and what to do — or the NAK's Error-Cause (§3.5) when the request
 * cannot be carried out as a whole (§2.3: a NAS that cannot apply every attribute NAKs):
 * - an attribute portcullis does not act on → 401 Unsupported Attribute (a Disconnect-Request
 *   may carry only identification attributes, Event-Timestamp, Message-Authenticator,
 *   Proxy-State and Acct-Terminate-Cause, whose value becomes the Stop record's cause; a
 *   CoA-Request adds Cisco-AVPairs of the `auth-proxy` protocol, mandatory ones only of
 *   `priv-lvl` and `proxyacl#N`: an optional `*` pair of another attribute is skipped);
 * - Service-Type (Authorize Only, §3.2) → 405 Unsupported Service: portcullis cannot ask the
 *   server to re-authorize a web login;
 * - no session identification attribute, or a CoA-Request without an `auth-proxy` pair → 402
 *   Missing Attribute;
 * - a value of the wrong size or an unreadable pair (`priv-lvl` other than 15: the auth-proxy
 *   needs 15) → 407 Invalid Attribute Value.
 * Reading is pure; nothing here touches the engine.
 */
import type { DynamicAclText } from '../../acl/api.js';
import { readAuthProxyPairs } from '../cisco-avpair.js';
import {
  ERROR_CAUSE, RADIUS_ATTR, RADIUS_CODE, VENDOR_CISCO, CISCO_AVPAIR,
} from '../radius/dictionary.js';
import { attributeInteger, attributeText, ciscoAvPairs } from '../radius/packet.js';
import type { RadiusPacket } from '../radius/packet.js';

/** Which sessions a request names; every field given must match. */
export interface SessionSelector {
  readonly user?: string;
  readonly acctSessionId?: string;
  /** Framed-IP-Address or Framed-IPv6-Address as four words (IPv4-mapped for IPv4). */
  readonly address?: Uint32Array;
  readonly callingStationId?: string;
}

/** The gateway as the NAS identification attributes name it. */
export interface NasIdentity {
  /** NAS-Identifier: the hostname. */
  readonly identifier: string;
  /** The gateway's interface addresses as four words each (IPv4-mapped for IPv4). */
  readonly addresses: readonly Uint32Array[];
}

/** What a request asks (see the module comment). */
export type DynamicRequest =
  | { readonly kind: 'disconnect'; readonly select: SessionSelector; readonly terminateCause: number | undefined }
  | { readonly kind: 'coa'; readonly select: SessionSelector; readonly entries: readonly DynamicAclText[] }
  | { readonly kind: 'nak'; readonly cause: number; readonly reason: string };

/** Attributes any request may carry besides the identification ones. */
const COMMON: ReadonlySet<number> = new Set([
  RADIUS_ATTR.MESSAGE_AUTHENTICATOR, RADIUS_ATTR.EVENT_TIMESTAMP, RADIUS_ATTR.PROXY_STATE,
]);

/** Reads a Disconnect-Request or CoA-Request (see the module comment). */
export function readDynamicRequest(p: RadiusPacket, nas: NasIdentity): DynamicRequest {
  const coa = p.code === RADIUS_CODE.COA_REQUEST;
  let user: string | undefined;
  let acctSessionId: string | undefined;
  let address: Uint32Array | undefined;
  let callingStationId: string | undefined;
  let terminateCause: number | undefined;
  let nasMismatch = false;
  for (const a of p.attributes) {
    const v = a.value;
    switch (a.type) {
      case RADIUS_ATTR.USER_NAME: user = attributeText(v); break;
      case RADIUS_ATTR.ACCT_SESSION_ID: acctSessionId = attributeText(v); break;
      case RADIUS_ATTR.CALLING_STATION_ID: callingStationId = attributeText(v); break;
      case RADIUS_ATTR.FRAMED_IP_ADDRESS:
      case RADIUS_ATTR.FRAMED_IPV6_ADDRESS: {
        const words = addressWords(a.type, v);
        if (words === undefined) return invalid(a.type);
        address = words;
        break;
      }
      case RADIUS_ATTR.NAS_IP_ADDRESS:
      case RADIUS_ATTR.NAS_IPV6_ADDRESS: {
        const words = addressWords(a.type === RADIUS_ATTR.NAS_IP_ADDRESS ? RADIUS_ATTR.FRAMED_IP_ADDRESS
          : RADIUS_ATTR.FRAMED_IPV6_ADDRESS, v);
        if (words === undefined) return invalid(a.type);
        if (!nas.addresses.some((w) => sameWords(w, words))) nasMismatch = true;
        break;
      }
      case RADIUS_ATTR.NAS_IDENTIFIER:
        if (attributeText(v) !== nas.identifier) nasMismatch = true;
        break;
      case RADIUS_ATTR.ACCT_TERMINATE_CAUSE: {
        if (coa) return unsupported(a.type);
        const n = attributeInteger(v);
        if (n === undefined) return invalid(a.type);
        terminateCause = n;
        break;
      }
      case RADIUS_ATTR.SERVICE_TYPE:
        return { kind: 'nak', cause: ERROR_CAUSE.UNSUPPORTED_SERVICE, reason: 'Service-Type (Authorize Only) is not supported' };
      case RADIUS_ATTR.VENDOR_SPECIFIC:
        if (!coa || !isCiscoAvPairs(v)) return unsupported(a.type);
        break;
      default:
        if (!COMMON.has(a.type)) return unsupported(a.type);
    }
  }
  if (nasMismatch) {
    return { kind: 'nak', cause: ERROR_CAUSE.NAS_IDENTIFICATION_MISMATCH, reason: 'the NAS identification is not this gateway\'s' };
  }
  if (user === undefined && acctSessionId === undefined && address === undefined && callingStationId === undefined) {
    return { kind: 'nak', cause: ERROR_CAUSE.MISSING_ATTRIBUTE, reason: 'no session identification attribute' };
  }
  const select: SessionSelector = { user, acctSessionId, address, callingStationId };
  if (!coa) return { kind: 'disconnect', select, terminateCause };
  const pairs = ciscoAvPairs(p);
  const foreign = pairs.find((pair) => !/^\s*auth-proxy\s*:/i.test(pair));
  if (foreign !== undefined) {
    return { kind: 'nak', cause: ERROR_CAUSE.UNSUPPORTED_ATTRIBUTE, reason: 'a Cisco-AVPair of another protocol than auth-proxy' };
  }
  if (pairs.length === 0) {
    return { kind: 'nak', cause: ERROR_CAUSE.MISSING_ATTRIBUTE, reason: 'no auth-proxy Cisco-AVPair to apply' };
  }
  const authz = readAuthProxyPairs(pairs);
  if (authz.unknown.length > 0) {
    // RFC 5176 §2.3: a NAS that cannot apply every attribute of a CoA-Request NAKs it as a whole.
    return { kind: 'nak', cause: ERROR_CAUSE.UNSUPPORTED_ATTRIBUTE, reason: 'an auth-proxy Cisco-AVPair other than priv-lvl and proxyacl#N' };
  }
  if (authz.unreadable.length > 0 || (authz.privilege !== undefined && authz.privilege !== 15)) {
    return { kind: 'nak', cause: ERROR_CAUSE.INVALID_ATTRIBUTE_VALUE, reason: 'auth-proxy priv-lvl other than 15' };
  }
  return { kind: 'coa', select, entries: authz.entries };
}

function unsupported(type: number): DynamicRequest {
  return { kind: 'nak', cause: ERROR_CAUSE.UNSUPPORTED_ATTRIBUTE, reason: `attribute ${type} is not supported` };
}

function invalid(type: number): DynamicRequest {
  return { kind: 'nak', cause: ERROR_CAUSE.INVALID_ATTRIBUTE_VALUE, reason: `attribute ${type} has an invalid value` };
}

/** True if a Vendor-Specific value is Cisco's and holds only Cisco-AVPair sub-attributes. */
function isCiscoAvPairs(v: Uint8Array): boolean {
  if (v.length < 6) return false;
  const vendor = ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0;
  if (vendor !== VENDOR_CISCO) return false;
  // decodePacket checked that the sub-attributes fill the value exactly.
  for (let i = 4; i + 2 <= v.length; i += v[i + 1]!) {
    if (v[i] !== CISCO_AVPAIR || v[i + 1]! < 2) return false;
  }
  return true;
}

/** An address attribute's value as four words (IPv4-mapped for 4 octets), or undefined for a wrong size. */
function addressWords(type: number, v: Uint8Array): Uint32Array | undefined {
  const view = new DataView(v.buffer, v.byteOffset, v.length);
  if (type === RADIUS_ATTR.FRAMED_IP_ADDRESS) {
    if (v.length !== 4) return undefined;
    return Uint32Array.of(0, 0, 0xffff, view.getUint32(0));
  }
  if (v.length !== 16) return undefined;
  return Uint32Array.of(view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12));
}

/** True if two four-word addresses are equal. */
export function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
