/**
 * A client's address as the login service keys it: the text of a socket's remote address
 * (`10.1.0.5`, `::ffff:10.1.0.5` from a dual-stack socket, `2001:db8::5`) read into the engine's
 * four-word form (IPv4-mapped for IPv4) and written back canonically (RFC 5952 lower case), so
 * that the intercepted connection that served the page and the HTTPS connection that posts the
 * form name the same host the same way.
 */
import { formatIp, parseIp } from '../wire/addr.js';

/** A client address, in both forms. */
export interface ClientAddress {
  /** Four words, IPv4-mapped for IPv4 (what the engine takes). */
  readonly words: Uint32Array;
  /** Canonical text (`10.1.0.5`, `2001:db8::5`): the key of per-client state and form tokens. */
  readonly text: string;
}

/** Reads a socket's remote address text; undefined if there is none or it does not parse. */
export function clientAddressOf(remote: string | undefined): ClientAddress | undefined {
  if (remote === undefined || remote.length > 64) return undefined;
  let t = remote;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(t)) t = t.slice(7);
  const words = parseIp(t);
  return words === undefined ? undefined : { words, text: formatIp(words) };
}

/** The client address of four words (IPv4-mapped for IPv4). */
export function clientAddressOfWords(words: Uint32Array): ClientAddress {
  const w = new Uint32Array(words);
  return { words: w, text: formatIp(w) };
}
