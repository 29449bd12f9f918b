/**
 * IPv4 and IPv6 address text for access lists: the wire layer's parsers and RFC 5952 printing,
 * with IPv6 in upper case as IOS shows it, plus IPv6 prefix ⇄ wildcard conversions.
 */

import {
  formatIpv4 as formatWireIpv4, formatIpv6 as formatWireIpv6, parseIpv4 as parseWireIpv4, parseIpv6 as parseWireIpv6,
} from '../wire/addr.js';

/** Parses a dotted-quad IPv4 address into a uint32; undefined if malformed (the wire layer's parser). */
export function parseIpv4(text: string): number | undefined {
  return parseWireIpv4(text);
}

/** Prints a uint32 as a dotted quad. */
export function formatIpv4(v: number): string {
  return formatWireIpv4(v);
}

/** Parses an IPv6 address (RFC 4291 §2.2, including `::` and a trailing dotted quad) into four uint32 words. */
export function parseIpv6(text: string): number[] | undefined {
  const w = parseWireIpv6(text);
  return w === undefined ? undefined : Array.from(w);
}

/** Prints four uint32 words as an IPv6 address: RFC 5952 text in upper-case hex, as IOS shows it. */
export function formatIpv6(words: readonly number[]): string {
  return formatWireIpv6(Uint32Array.from(words)).toUpperCase();
}

/** Wildcard words (set bits = don't care) of an IPv6 prefix length. */
export function ipv6WildcardOfPrefix(len: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, len - 32 * i));
    out.push(bits === 32 ? 0 : (0xffffffff >>> bits) >>> 0);
  }
  return out;
}

/** Prefix length of IPv6 wildcard words, or -1 if they are not a contiguous prefix wildcard. */
export function ipv6PrefixOfWildcard(wild: readonly number[]): number {
  for (let len = 0; len <= 128; len++) {
    const w = ipv6WildcardOfPrefix(len);
    if (w.every((v, i) => v === wild[i])) return len;
  }
  return -1;
}
