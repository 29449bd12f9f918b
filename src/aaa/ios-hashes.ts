/**
 * The password hashes IOS writes into `username … secret N …`, as codecs of our own:
 *
 * - type 5, md5-crypt (`$1$SALT$HASH`, src/aaa/md5-crypt.ts);
 * - type 8 (`$8$SALT$HASH`): PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2), 20,000 iterations, 32 bytes;
 * - type 9 (`$9$SALT$HASH`): scrypt (RFC 7914), N = 16384, r = 1, p = 1, 32 bytes.
 *
 * For types 8 and 9 the salt is the 14 characters as written, used as they are (their bytes are
 * the salt, not what they decode to), and the hash is standard base64 (RFC 4648 §4, no padding)
 * written with Cisco's alphabet `./0-9A-Za-z` in place of `A-Za-z0-9+/`.
 *
 * Type 4 (one unsalted SHA-256, Cisco's botched first attempt at type 8; Cisco security
 * response of March 2013, CSCue95644) is deliberately not here: the config parser refuses it.
 *
 * Every derivation runs off the thread that moves packets: PBKDF2 and scrypt on libuv's thread
 * pool (node:crypto's asynchronous functions), md5-crypt in a worker thread of its own.
 */
import { pbkdf2, scrypt } from 'node:crypto';
import { md5CryptOffThread } from './md5-crypt.js';

/** Cisco's base64 alphabet (types 4, 8, 9), also crypt(3)'s. */
export const CISCO_BASE64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const STD_BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Type 8's iteration count (IOS's fixed value). */
export const TYPE8_ITERATIONS = 20000;
/** Type 9's scrypt parameters (IOS's fixed values). */
export const TYPE9_SCRYPT = { N: 16384, r: 1, p: 1 } as const;
/** Length of the derived key of types 8 and 9, in bytes. */
export const TYPE89_KEY_BYTES = 32;

/** Bytes as standard base64 without padding, written in Cisco's alphabet. */
export function encodeCiscoBase64(bytes: Uint8Array): string {
  const std = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
  let out = '';
  for (let i = 0; i < std.length; i++) out += CISCO_BASE64[STD_BASE64.indexOf(std[i]!)];
  return out;
}

/** The inverse of {@link encodeCiscoBase64}, or undefined for text outside the alphabet or of an impossible length. */
export function decodeCiscoBase64(text: string): Buffer | undefined {
  if (text.length % 4 === 1) return undefined;
  let std = '';
  for (let i = 0; i < text.length; i++) {
    const k = CISCO_BASE64.indexOf(text[i]!);
    if (k < 0) return undefined;
    std += STD_BASE64[k];
  }
  const bytes = Buffer.from(std, 'base64');
  // Reject non-canonical text (stray bits in the last character): it would not round-trip.
  return encodeCiscoBase64(bytes) === text ? bytes : undefined;
}

// ---- parsed hashes ---------------------------------------------------------------------------

/** A type 5 secret: salt and the 22-character hash. */
export interface Md5CryptHash {
  readonly kind: 'md5-crypt';
  readonly salt: string;
  readonly hash: Buffer;
}

/** A PBKDF2-HMAC-SHA-256 key (type 8). */
export interface Pbkdf2Hash {
  readonly kind: 'pbkdf2-sha256';
  readonly salt: Buffer;
  readonly iterations: number;
  readonly hash: Buffer;
}

/** An scrypt key (type 9, and the hashes portcullis makes of clear-text passwords at load). */
export interface ScryptHash {
  readonly kind: 'scrypt';
  readonly salt: Buffer;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly hash: Buffer;
}

export type StoredHash = Md5CryptHash | Pbkdf2Hash | ScryptHash;

/**
 * Parses `secret 5|8|9 TEXT` into a stored hash, or returns what is wrong with it (in words
 * that never quote the text).
 */
export function parseIosSecret(type: 5 | 8 | 9, text: string): StoredHash | string {
  if (type === 5) {
    const m = /^\$1\$([^$]{0,8})\$([./0-9A-Za-z]{22})$/.exec(text);
    if (m === null) return 'a type 5 secret is "$1$", a salt of up to 8 characters, "$" and 22 characters of ./0-9A-Za-z';
    return { kind: 'md5-crypt', salt: m[1]!, hash: Buffer.from(m[2]!, 'latin1') };
  }
  const m = /^\$([89])\$([./0-9A-Za-z]{14})\$([./0-9A-Za-z]{43})$/.exec(text);
  const hash = m === null || m[1] !== String(type) ? undefined : decodeCiscoBase64(m[3]!);
  if (m === null || hash === undefined || m[1] !== String(type)) {
    return `a type ${type} secret is "$${type}$", a salt of 14 and a hash of 43 characters of ./0-9A-Za-z, "$" between them`;
  }
  const salt = Buffer.from(m[2]!, 'latin1');
  return type === 8
    ? { kind: 'pbkdf2-sha256', salt, iterations: TYPE8_ITERATIONS, hash }
    : { kind: 'scrypt', salt, ...TYPE9_SCRYPT, hash };
}

/** scrypt's memory need plus headroom, for node's `maxmem` (RFC 7914 §2: 128·N·r bytes). */
export function scryptMaxmem(N: number, r: number): number {
  return 128 * N * r * 2 + 1024 * 1024;
}

/** Derives `password`'s key for `stored` (same algorithm, salt and parameters), off the calling thread. */
export function derive(stored: StoredHash, password: Uint8Array): Promise<Buffer> {
  switch (stored.kind) {
    case 'md5-crypt':
      return md5CryptOffThread(password, stored.salt).then((h) => Buffer.from(h, 'latin1'));
    case 'pbkdf2-sha256':
      return new Promise((resolve, reject) => {
        pbkdf2(password, stored.salt, stored.iterations, stored.hash.length, 'sha256',
          (err, key) => (err !== null ? reject(err) : resolve(key)));
      });
    case 'scrypt':
      return scryptKey(password, stored.salt, stored.N, stored.r, stored.p, stored.hash.length);
  }
}

/** scrypt on the thread pool. */
export function scryptKey(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, bytes, { N, r, p, maxmem: scryptMaxmem(N, r) },
      (err, key) => (err !== null ? reject(err) : resolve(key)));
  });
}

/** `$8$SALT$HASH` for `password` (tests and tools; `salt` is 14 characters of the alphabet). */
export async function type8Secret(password: Uint8Array, salt: string): Promise<string> {
  const key = await derive({ kind: 'pbkdf2-sha256', salt: Buffer.from(salt, 'latin1'), iterations: TYPE8_ITERATIONS,
    hash: Buffer.alloc(TYPE89_KEY_BYTES) }, password);
  return `$8$${salt}$${encodeCiscoBase64(key)}`;
}

/** `$9$SALT$HASH` for `password` (tests and tools; `salt` is 14 characters of the alphabet). */
export async function type9Secret(password: Uint8Array, salt: string): Promise<string> {
  const key = await scryptKey(password, Buffer.from(salt, 'latin1'), TYPE9_SCRYPT.N, TYPE9_SCRYPT.r, TYPE9_SCRYPT.p, TYPE89_KEY_BYTES);
  return `$9$${salt}$${encodeCiscoBase64(key)}`;
}
