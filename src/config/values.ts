/**
 * Value parsers for config tokens: bounded decimal numbers, IPv4 addresses and netmasks,
 * IPv6 prefixes, server hosts, keys and rest-of-line text. Each one either returns the value
 * or throws the {@link ConfigError} for that token (via `expectedAt`), so the command parsers
 * in `parse.ts` read top to bottom. Addresses go through ip-num (config time only; the hot path
 * works on the integers produced here).
 */
// ip-num's package entry loads every module of the library (about 60 ms at start-up, paid by
// every command); the address classes portcullis uses all live in its IPNumber module.
import { IPv4, IPv4Mask, IPv6 } from 'ip-num/dist/src/IPNumber.js';
import { expectedAt } from '../ios/tokens.js';
import { clip } from '../ios/echo.js';
import { ConfigError } from '../errors.js';
import type { TokenLine } from '../ios/tokens.js';
import { decodeCiscoType7 } from './type7.js';

const DECIMAL = /^[0-9]+$/;
const DOTTED_QUAD = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;
/** RFC 1123 §2.1 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** The `expected` text for a number in `[min, max]`, in the IOS help style (`<1-255>`). */
export function rangeExpected(min: number, max: number): string {
  return `a number <${min}-${max}>`;
}

/** Parses token `index` as a decimal integer in `[min, max]`; otherwise throws at that token naming the range. */
export function numberAt(tl: TokenLine, index: number, min: number, max: number): number {
  const text = tl.tokens[index]?.text;
  if (text === undefined || !DECIMAL.test(text)) throw expectedAt(tl, index, rangeExpected(min, max));
  const n = Number(text);
  if (n < min || n > max) throw expectedAt(tl, index, rangeExpected(min, max), 'out of range');
  return n;
}

/** Lower-cased text of token `index`, or undefined past the end of the line. */
export function wordAt(tl: TokenLine, index: number): string | undefined {
  return tl.tokens[index]?.text.toLowerCase();
}

/** Throws `expected end of line` if the line has a token at `index`. */
export function expectEnd(tl: TokenLine, index: number): void {
  if (tl.tokens.length > index) throw expectedAt(tl, index, 'end of line');
}

/** The raw text from token `index` to the end of the line, trailing blanks removed ('' if none). */
export function restOfLine(tl: TokenLine, index: number): string {
  const tok = tl.tokens[index];
  return tok === undefined ? '' : tl.raw.slice(tok.column - 1).replace(/\s+$/, '');
}

/** Parses a dotted-quad IPv4 address (ip-num `IPv4`) at token `index` into a uint32. */
export function ipv4At(tl: TokenLine, index: number, expected = 'an IPv4 address'): number {
  const text = tl.tokens[index]?.text;
  if (text === undefined || !DOTTED_QUAD.test(text)) throw expectedAt(tl, index, expected);
  try {
    return Number(new IPv4(text).getValue());
  } catch {
    throw expectedAt(tl, index, expected, 'each part must be 0-255');
  }
}

/** A parsed IPv4 netmask. */
export interface ParsedMask {
  /** Mask as uint32. */
  readonly mask: number;
  readonly prefixLength: number;
}

/**
 * Parses a dotted-quad netmask at token `index` (ip-num `IPv4Mask`). Non-contiguous masks
 * (`255.0.255.0`) are rejected at that token: IOS interface masks are contiguous (RFC 4632 §3.1).
 */
export function ipv4MaskAt(tl: TokenLine, index: number): ParsedMask {
  const mask = ipv4At(tl, index, 'a netmask');
  const text = tl.tokens[index]!.text;
  try {
    const m = new IPv4Mask(text);
    return { mask, prefixLength: m.prefix };
  } catch {
    throw expectedAt(tl, index, 'a contiguous netmask', 'the one bits of a netmask must come first');
  }
}

/** A parsed `X/len` IPv6 prefix. */
export interface ParsedIpv6Prefix {
  /** Address as four big-endian 32-bit words. */
  readonly address: Uint32Array;
  readonly prefixLength: number;
}

/** Converts a 128-bit value to four big-endian 32-bit words. */
export function ipv6Words(value: bigint): Uint32Array {
  const w = new Uint32Array(4);
  for (let i = 3; i >= 0; i--) {
    w[i] = Number(value & 0xffffffffn);
    value >>= 32n;
  }
  return w;
}

/** Parses an IPv6 address literal (RFC 4291 §2.2 text forms, via ip-num `IPv6`), or undefined. */
export function parseIpv6Literal(text: string): bigint | undefined {
  if (text.includes('%') || !text.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  try {
    return new IPv6(text).getValue();
  } catch {
    return undefined;
  }
}

/** Parses `X/len` (RFC 4291 §2.3) at token `index`. */
export function ipv6PrefixAt(tl: TokenLine, index: number): ParsedIpv6Prefix {
  const expected = 'an IPv6 prefix (X:X::X/<0-128>)';
  const text = tl.tokens[index]?.text;
  if (text === undefined) throw expectedAt(tl, index, expected);
  const slash = text.indexOf('/');
  if (slash < 0) throw expectedAt(tl, index, expected, 'prefix length missing');
  const value = parseIpv6Literal(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (value === undefined || !DECIMAL.test(lenText) || Number(lenText) > 128) throw expectedAt(tl, index, expected);
  return { address: ipv6Words(value), prefixLength: Number(lenText) };
}

/**
 * Parses a RADIUS/TACACS+ server host at token `index`: an IPv4 or IPv6 literal or a host name
 * (RFC 1123 §2.1), kept as written. Something that looks like a dotted quad but is not a valid
 * address (`10.1.1.300`) is an error rather than a host name.
 */
export function hostAt(tl: TokenLine, index: number): string {
  const expected = 'a host (IPv4 or IPv6 address, or host name)';
  const text = tl.tokens[index]?.text;
  if (text === undefined) throw expectedAt(tl, index, expected);
  if (/^[0-9.]+$/.test(text)) {
    ipv4At(tl, index, expected);
    return text;
  }
  if (text.includes(':')) {
    if (parseIpv6Literal(text) === undefined) throw expectedAt(tl, index, expected);
    return text;
  }
  if (!HOSTNAME.test(text)) throw expectedAt(tl, index, expected);
  return text;
}

/** A shared-secret key as written in the config, decoded to clear text. */
export interface ParsedKey {
  readonly key: string;
  /** 0 (clear text) or 7 (Cisco type 7, decoded). */
  readonly type: number;
}

/**
 * Parses `[0|7] KEY` starting at token `index`; the key is the rest of the line, because IOS
 * keeps blanks inside RADIUS and TACACS+ keys. Type 7 keys (written by `service
 * password-encryption`) are decoded to the clear text the protocols need.
 */
export function keyAt(tl: TokenLine, index: number): ParsedKey {
  const first = tl.tokens[index]?.text;
  if (first === undefined) throw expectedAt(tl, index, 'a key');
  if ((first === '0' || first === '7') && tl.tokens.length > index + 1) {
    const text = restOfLine(tl, index + 1);
    if (first === '0') return { key: text, type: 0 };
    const clear = decodeCiscoType7(text);
    if (clear === undefined) throw expectedAt(tl, index + 1, 'a type 7 encrypted key (hex digits after a two-digit offset)');
    return { key: clear, type: 7 };
  }
  return { key: restOfLine(tl, index), type: 0 };
}

/**
 * The double-quoted text that starts at token `index` (it may hold blanks) and the index of the
 * first token after the closing quote; `expected` names it in the error when token `index` does
 * not begin with a quote. The text may not itself hold a double quote.
 */
export function quotedAt(tl: TokenLine, index: number, expected: string): [string, number] {
  const tok = tl.tokens[index];
  if (tok === undefined || !tok.text.startsWith('"')) throw expectedAt(tl, index, expected);
  const open = tok.column - 1;
  const close = tl.raw.indexOf('"', open + 1);
  if (close < 0) throw new ConfigError(tl.file, tl.line, tl.raw.replace(/\s+$/, '').length + 1, 'a closing double quote', 'end of line');
  const after = tl.raw[close + 1];
  if (after !== undefined && after !== ' ' && after !== '\t' && after !== '\r') {
    throw new ConfigError(tl.file, tl.line, close + 2, 'a blank or end of line after the closing quote', `"${clip(tl.raw.slice(close + 1).split(/\s/)[0]!)}"`);
  }
  let next = index;
  while (next < tl.tokens.length && tl.tokens[next]!.column - 1 <= close) next++;
  return [tl.raw.slice(open + 1, close), next];
}
