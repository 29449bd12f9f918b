/**
 * The RADIUS packet codec (RFC 2865 §3 and §5): attributes to bytes and bytes to attributes.
 *
 * Decoding is bounded and total: a packet is read only up to its Length field (octets past it
 * are padding, RFC 2865 §3), and any structural fault — a datagram shorter than 20 octets or
 * than its Length, a Length outside 20-4096, an attribute shorter than 2 octets or running past
 * the packet, a Message-Authenticator that is not 16 octets or appears twice (RFC 3579 §3.2), a
 * Cisco Vendor-Specific attribute whose sub-attributes do not fill it exactly (RFC 2865 §5.26) —
 * is returned as a numeric fault, never thrown: the caller counts it and drops the packet.
 *
 * Encoding throws {@link RadiusEncodeError} for a value that does not fit (a request's user
 * name or password comes from a login form; the caller turns that into a refused login).
 */
import { RadiusEncodeError } from '../../errors.js';
import {
  CISCO_AVPAIR, RADIUS_ATTR, RADIUS_AUTH_LEN, RADIUS_MAX_PACKET, RADIUS_MAX_VALUE, RADIUS_MIN_PACKET, VENDOR_CISCO,
} from './dictionary.js';

/** One attribute: its type and its value octets. */
export interface RadiusAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

/** A decoded packet. */
export interface RadiusPacket {
  readonly code: number;
  readonly identifier: number;
  /** The Authenticator field (16 octets). */
  readonly authenticator: Uint8Array;
  /** Attributes in packet order. */
  readonly attributes: readonly RadiusAttribute[];
  /** The packet's octets up to its Length (padding removed). */
  readonly bytes: Uint8Array;
  /** Offset in `bytes` of the Message-Authenticator's value, or -1 when there is none. */
  readonly messageAuthenticatorOffset: number;
}

/** Why a datagram is not a RADIUS packet (see the module comment). */
export const RADIUS_FAULT = {
  /** Fewer than 20 octets, or fewer than the Length field says. */
  SHORT: 1,
  /** Length field below 20 or above 4096. */
  LENGTH: 2,
  /** An attribute's length octet is below 2. */
  ATTRIBUTE_SHORT: 3,
  /** An attribute runs past the packet's Length. */
  ATTRIBUTE_OVERFLOW: 4,
  /** A Message-Authenticator whose value is not 16 octets. */
  MESSAGE_AUTHENTICATOR_LENGTH: 5,
  /** Two Message-Authenticators. */
  MESSAGE_AUTHENTICATOR_TWICE: 6,
  /** A Cisco Vendor-Specific attribute whose sub-attributes do not fill it exactly. */
  VENDOR_SPECIFIC: 7,
} as const;
export type RadiusFault = (typeof RADIUS_FAULT)[keyof typeof RADIUS_FAULT];

/** What {@link decodePacket} found. */
export type DecodeResult =
  | { readonly ok: true; readonly packet: RadiusPacket }
  | { readonly ok: false; readonly fault: RadiusFault };

/** Names of the faults, for counters and messages. */
export const RADIUS_FAULT_NAMES: Readonly<Record<RadiusFault, string>> = {
  1: 'short', 2: 'length', 3: 'attribute-short', 4: 'attribute-overflow',
  5: 'message-authenticator-length', 6: 'message-authenticator-twice', 7: 'vendor-specific',
};

/** Decodes one datagram (see the module comment); never throws. */
export function decodePacket(datagram: Uint8Array): DecodeResult {
  if (datagram.length < RADIUS_MIN_PACKET) return fault(RADIUS_FAULT.SHORT);
  const length = (datagram[2]! << 8) | datagram[3]!;
  if (length < RADIUS_MIN_PACKET || length > RADIUS_MAX_PACKET) return fault(RADIUS_FAULT.LENGTH);
  if (length > datagram.length) return fault(RADIUS_FAULT.SHORT);
  const bytes = datagram.subarray(0, length);
  const attributes: RadiusAttribute[] = [];
  let ma = -1;
  let i = RADIUS_MIN_PACKET;
  while (i < length) {
    if (i + 2 > length) return fault(RADIUS_FAULT.ATTRIBUTE_OVERFLOW);
    const type = bytes[i]!;
    const len = bytes[i + 1]!;
    if (len < 2) return fault(RADIUS_FAULT.ATTRIBUTE_SHORT);
    if (i + len > length) return fault(RADIUS_FAULT.ATTRIBUTE_OVERFLOW);
    const value = bytes.subarray(i + 2, i + len);
    if (type === RADIUS_ATTR.MESSAGE_AUTHENTICATOR) {
      if (value.length !== RADIUS_AUTH_LEN) return fault(RADIUS_FAULT.MESSAGE_AUTHENTICATOR_LENGTH);
      if (ma >= 0) return fault(RADIUS_FAULT.MESSAGE_AUTHENTICATOR_TWICE);
      ma = i + 2;
    } else if (type === RADIUS_ATTR.VENDOR_SPECIFIC && vendorOf(value) === VENDOR_CISCO && !subAttributesFill(value)) {
      return fault(RADIUS_FAULT.VENDOR_SPECIFIC);
    }
    attributes.push({ type, value });
    i += len;
  }
  return {
    ok: true,
    packet: {
      code: bytes[0]!, identifier: bytes[1]!, authenticator: bytes.subarray(4, 20), attributes, bytes,
      messageAuthenticatorOffset: ma,
    },
  };
}

function fault(f: RadiusFault): DecodeResult {
  return { ok: false, fault: f };
}

/** The Vendor-Id of a Vendor-Specific value, or -1 when it is shorter than one. */
function vendorOf(value: Uint8Array): number {
  if (value.length < 4) return -1;
  return ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0;
}

/** True if the sub-attributes after the Vendor-Id (type, length ≥ 2, value) fill `value` exactly. */
function subAttributesFill(value: Uint8Array): boolean {
  let i = 4;
  if (i === value.length) return false;
  while (i < value.length) {
    if (i + 2 > value.length) return false;
    const len = value[i + 1]!;
    if (len < 2 || i + len > value.length) return false;
    i += len;
  }
  return true;
}

/**
 * Encodes a packet: code, identifier, the 16-octet authenticator and the attributes in order.
 * Throws {@link RadiusEncodeError} for a value over 253 octets or a packet over 4096.
 */
export function encodePacket(code: number, identifier: number, authenticator: Uint8Array,
  attributes: readonly RadiusAttribute[]): Uint8Array {
  let length = RADIUS_MIN_PACKET;
  for (const a of attributes) {
    if (a.value.length > RADIUS_MAX_VALUE) throw new RadiusEncodeError(attributeName(a.type), a.value.length, RADIUS_MAX_VALUE);
    length += 2 + a.value.length;
  }
  if (length > RADIUS_MAX_PACKET) throw new RadiusEncodeError('packet', length, RADIUS_MAX_PACKET);
  const out = new Uint8Array(length);
  out[0] = code;
  out[1] = identifier & 0xff;
  out[2] = length >> 8;
  out[3] = length & 0xff;
  out.set(authenticator.subarray(0, RADIUS_AUTH_LEN), 4);
  let i = RADIUS_MIN_PACKET;
  for (const a of attributes) {
    out[i] = a.type;
    out[i + 1] = a.value.length + 2;
    out.set(a.value, i + 2);
    i += a.value.length + 2;
  }
  return out;
}

const ATTRIBUTE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(RADIUS_ATTR).map(([k, v]) => [v, k.toLowerCase().split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('-')]));

/** The RFC name of an attribute type (`User-Name`), or `attribute N`. */
export function attributeName(type: number): string {
  return ATTRIBUTE_NAMES[type] ?? `attribute ${type}`;
}

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: false });

/** A text attribute (UTF-8, RFC 2865 §5). */
export function textAttribute(type: number, text: string): RadiusAttribute {
  return { type, value: UTF8.encode(text) };
}

/** An integer attribute (32-bit unsigned, network order). */
export function integerAttribute(type: number, n: number): RadiusAttribute {
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, n >>> 0);
  return { type, value };
}

/** A Vendor-Specific attribute with one sub-attribute (RFC 2865 §5.26's recommended format). */
export function vendorAttribute(vendor: number, subType: number, subValue: Uint8Array): RadiusAttribute {
  if (subValue.length > RADIUS_MAX_VALUE - 6) {
    throw new RadiusEncodeError(`Vendor-Specific ${vendor}/${subType}`, subValue.length, RADIUS_MAX_VALUE - 6);
  }
  const value = new Uint8Array(6 + subValue.length);
  new DataView(value.buffer).setUint32(0, vendor >>> 0);
  value[4] = subType;
  value[5] = subValue.length + 2;
  value.set(subValue, 6);
  return { type: RADIUS_ATTR.VENDOR_SPECIFIC, value };
}

/** The first attribute of `type`, or undefined. */
export function findAttribute(packet: RadiusPacket, type: number): Uint8Array | undefined {
  return packet.attributes.find((a) => a.type === type)?.value;
}

/** An attribute's value as text (UTF-8; invalid sequences become U+FFFD). */
export function attributeText(value: Uint8Array): string {
  return UTF8_DECODER.decode(value);
}

/** An integer attribute's value, or undefined when it is not 4 octets. */
export function attributeInteger(value: Uint8Array): number | undefined {
  if (value.length !== 4) return undefined;
  return new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
}

/** The text of every Reply-Message, joined by newlines (RFC 2865 §5.18 allows several). */
export function replyMessage(packet: RadiusPacket): string | undefined {
  const parts = packet.attributes.filter((a) => a.type === RADIUS_ATTR.REPLY_MESSAGE).map((a) => attributeText(a.value));
  return parts.length === 0 ? undefined : parts.join('\n');
}

/** The values of every Cisco-AVPair (vendor 9, type 1) in packet order, as text. */
export function ciscoAvPairs(packet: RadiusPacket): string[] {
  const out: string[] = [];
  for (const a of packet.attributes) {
    if (a.type !== RADIUS_ATTR.VENDOR_SPECIFIC || vendorOf(a.value) !== VENDOR_CISCO) continue;
    // decodePacket has checked that the sub-attributes fill the value exactly.
    let i = 4;
    while (i + 2 <= a.value.length) {
      const len = a.value[i + 1]!;
      if (len < 2 || i + len > a.value.length) break;
      if (a.value[i] === CISCO_AVPAIR) out.push(attributeText(a.value.subarray(i + 2, i + len)));
      i += len;
    }
  }
  return out;
}
