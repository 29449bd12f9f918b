/**
 * `portcullis totp enroll --user NAME [--issuer ISSUER] [--algorithm sha1|sha256|sha512]
 * [--digits 6|7|8] [--period S]`: makes a new TOTP secret for a local user (src/aaa/totp.ts) and
 * prints, on standard output, the config line to add and the `otpauth://` URI to give the
 * user's authenticator app (most apps read it from a QR code: `qrencode -t ansiutf8 URI` shows
 * one in a terminal). It changes no file and asks no gateway: the operator adds the line.
 *
 * The output is the one place the secret is shown: it goes to standard output only, never to a
 * log or an error.
 */
import { UsageError } from '../errors.js';
import { enrolTotp, TOTP_DEFAULTS, TOTP_PERIOD_RANGE } from '../aaa/totp.js';
import type { TotpAlgorithm, TotpParams } from '../aaa/totp.js';

/** What `totp enroll` needs from the command line (flags already split by the CLI). */
export interface TotpEnrollArgs {
  readonly user: string | undefined;
  readonly issuer: string | undefined;
  readonly algorithm: string | undefined;
  readonly digits: string | undefined;
  readonly period: string | undefined;
}

/** Default issuer shown by authenticator apps. */
export const DEFAULT_TOTP_ISSUER = 'portcullis';

/**
 * Runs `totp enroll`: returns the text to print. Throws {@link UsageError} for a missing or
 * unusable user name or option.
 */
export async function totpEnroll(a: TotpEnrollArgs): Promise<string> {
  const user = a.user;
  if (user === undefined) throw new UsageError('totp enroll needs --user NAME');
  // A config user name is one token of printable characters.
  if (!/^[\x21-\x7e]{1,64}$/.test(user)) throw new UsageError('--user must be 1 to 64 printable ASCII characters without blanks');
  const issuer = a.issuer ?? DEFAULT_TOTP_ISSUER;
  // The Key Uri Format puts the issuer before a colon in the label.
  if (!/^[\x20-\x7e]{1,64}$/.test(issuer) || issuer.includes(':')) {
    throw new UsageError('--issuer must be 1 to 64 printable ASCII characters without ":"');
  }
  const params: TotpParams = {
    algorithm: algorithmOf(a.algorithm),
    digits: integerOf('--digits', a.digits, TOTP_DEFAULTS.digits, 6, 8),
    periodSec: integerOf('--period', a.period, TOTP_DEFAULTS.periodSec, TOTP_PERIOD_RANGE[0], TOTP_PERIOD_RANGE[1]),
  };
  const e = await enrolTotp(user, issuer, params);
  return `! Add to the configuration (the line holds the secret: keep the file private):\n${e.configLine}\n`
    + `! Give the authenticator app this URI (or a QR code of it):\n${e.uri}\n`;
}

function algorithmOf(text: string | undefined): TotpAlgorithm {
  if (text === undefined) return TOTP_DEFAULTS.algorithm;
  const a = text.toLowerCase();
  if (a !== 'sha1' && a !== 'sha256' && a !== 'sha512') throw new UsageError(`--algorithm takes sha1, sha256 or sha512; not "${text}"`);
  return a;
}

function integerOf(flag: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new UsageError(`${flag} takes an integer ${min}..${max}; not "${text}"`);
  return n;
}
