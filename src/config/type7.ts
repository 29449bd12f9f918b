/**
 * Cisco "type 7" password obfuscation, as written by `service password-encryption` into
 * `radius-server key 7 …`, `tacacs-server key 7 …` and `username … password 7 …`. It is a
 * reversible XOR with a fixed, publicly known 53-character string, not encryption; portcullis
 * decodes it because RADIUS (RFC 2865 §3) and TACACS+ (RFC 8907 §4.5) need the clear-text secret.
 */

/** The fixed XOR string IOS uses for type 7. */
const TYPE7_XLAT = 'dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87';

/**
 * Decodes a type 7 string: two decimal digits give the starting offset into the XOR string,
 * then each pair of hex digits is one character XORed with the next string character.
 * Returns undefined if `text` is not in that form.
 */
export function decodeCiscoType7(text: string): string | undefined {
  if (text.length < 2 || text.length % 2 !== 0 || !/^[0-9]{2}(?:[0-9A-Fa-f]{2})*$/.test(text)) return undefined;
  const offset = Number(text.slice(0, 2));
  if (offset >= TYPE7_XLAT.length) return undefined;
  let out = '';
  for (let i = 2, k = offset; i < text.length; i += 2, k++) {
    const byte = parseInt(text.slice(i, i + 2), 16);
    out += String.fromCharCode(byte ^ TYPE7_XLAT.charCodeAt(k % TYPE7_XLAT.length));
  }
  return out;
}

/**
 * Encodes `clear` (Latin-1 characters) as type 7 starting at `offset` (0–15, as IOS picks); the
 * inverse of {@link decodeCiscoType7}.
 */
export function encodeCiscoType7(clear: string, offset: number): string {
  let out = String(offset).padStart(2, '0');
  for (let i = 0; i < clear.length; i++) {
    const byte = clear.charCodeAt(i) ^ TYPE7_XLAT.charCodeAt((offset + i) % TYPE7_XLAT.length);
    out += byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
