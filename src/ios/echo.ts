/**
 * Configuration text as messages may show it. Warnings and errors quote what they ignored or
 * could not read, and config lines hold secrets (`enable secret 0 …`, `username … password …`,
 * `radius-server key …`, `snmp-server community …`, `crypto isakmp key …`): a secret never
 * appears in a message, it is shown as `<removed>` (as IOS's own `show tech-support` does), and
 * every quoted token is cut to {@link ECHO_TOKEN_MAX} characters so that a hostile or broken
 * file cannot make a message arbitrarily long.
 */
import type { TokenLine } from './tokens.js';

/** Longest token a message quotes whole; longer ones are cut, with an ellipsis. */
export const ECHO_TOKEN_MAX = 64;
/** Longest line a message quotes whole (after tokens are cut); longer ones are cut, with an ellipsis. */
export const ECHO_LINE_MAX = 200;
/** What a message shows in place of a secret. */
export const SECRET_SHOWN_AS = '<removed>';

/** Keywords after which the rest of the line is a secret (after an optional encryption-type digit). */
const SECRET_REST = new Set([
  'password', 'secret', 'key', 'key-string', 'authentication-key', 'pre-shared-key', 'wpa-psk', 'md5', 'sha',
  'auth-password', 'priv-password', 'server-key', 'shared-secret',
]);
/** Keywords after which one token is a secret. */
const SECRET_NEXT = new Set(['community']);

/** `text` cut to `max` characters, the cut marked with an ellipsis. */
export function clip(text: string, max = ECHO_TOKEN_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Which tokens of the line are secrets: everything after a password/secret/key keyword (and its
 * encryption-type digit), the token after `community`, and every token after the host of
 * `snmp-server host` (its community string is positional).
 */
export function secretTokens(tl: TokenLine): boolean[] {
  const t = tl.tokens;
  const secret = new Array<boolean>(t.length).fill(false);
  const lower = t.map((x) => x.text.toLowerCase());
  if (lower[0] === 'snmp-server' && lower[1] === 'host') {
    for (let i = 3; i < t.length; i++) secret[i] = true;
  }
  for (let i = 0; i < t.length; i++) {
    const w = lower[i]!;
    if (SECRET_NEXT.has(w) && i + 1 < t.length) {
      secret[i + 1] = true;
    } else if (SECRET_REST.has(w) && i + 1 < t.length) {
      let from = i + 1;
      if (/^[0-9]$/.test(lower[from]!) && from + 1 < t.length) from++;
      for (let k = from; k < t.length; k++) secret[k] = true;
      break;
    }
  }
  return secret;
}

/** Token `index` as a message shows it: `<removed>` if a secret, else its text cut to length. */
export function echoToken(tl: TokenLine, index: number): string {
  const tok = tl.tokens[index];
  if (tok === undefined) return '';
  return secretTokens(tl)[index] ? SECRET_SHOWN_AS : clip(tok.text);
}

/**
 * The line from token `from` to its end as a message shows it: the original spacing, secrets
 * replaced by `<removed>`, long tokens cut, the whole cut to {@link ECHO_LINE_MAX}.
 */
export function echoLine(tl: TokenLine, from = 0): string {
  const t = tl.tokens;
  if (from >= t.length) return '';
  const secret = secretTokens(tl);
  let out = '';
  for (let i = from; i < t.length; i++) {
    const tok = t[i]!;
    if (i > from) out += tl.raw.slice(t[i - 1]!.column - 1 + t[i - 1]!.text.length, tok.column - 1);
    out += secret[i] ? SECRET_SHOWN_AS : clip(tok.text);
    if (out.length > ECHO_LINE_MAX) return clip(out, ECHO_LINE_MAX);
  }
  return out;
}
