/**
 * TOTP (RFC 6238) as a local user's second factor: `username NAME otp totp [algorithm
 * sha1|sha256|sha512] [digits 6|7|8] [period S] secret BASE32` (README "Local users").
 *
 * The codes are computed and compared by the `otpauth` package (HOTP, RFC 4226 §5, over the
 * time step T = floor(unix time / period), RFC 6238 §4; compared in constant time); this module
 * adds what a verifier must do around it:
 * - the window: the code of the current step and of one step either side is accepted (RFC 6238
 *   §5.2 recommends at most one step of network delay; §6 the resynchronisation this replaces);
 * - no replay: a code is accepted only for a later time step than the last code accepted for
 *   the user (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the same OTP
 *   after the successful validation has been issued for the first OTP"). The verifier keeps the
 *   step in memory; the local authenticator has it written to the state directory before it
 *   answers a login as accepted and gives it back here at the next start ({@link
 *   TotpVerifier.restore}, src/state/totp-steps.ts), or, when what was kept cannot be read,
 *   refuses every step a code could have been accepted for before the start ({@link
 *   TotpVerifier.fence}) — so a restart does not make a used code good again;
 * - secrets of at least 128 bits (RFC 4226 §4 R6; enrolment makes 160, its recommendation).
 *
 * `otpauth` is loaded when a user has a second factor or a secret is enrolled, not with every
 * command (it stays outside the CLI bundle, as @peculiar/x509 does: scripts/bundle.mjs).
 *
 * The secret is shown by the enrolment command only (it prints the config line and the
 * `otpauth://` URI for an authenticator app); no show output, error, warning or debug line
 * names it, and the verifier keeps it in a private field.
 */
import { randomBytes } from 'node:crypto';

/** HMAC algorithms RFC 6238 §1.2 allows. */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** A user's TOTP parameters (the secret aside). */
export interface TotpParams {
  readonly algorithm: TotpAlgorithm;
  /** Code length, 6 to 8 digits (RFC 4226 §5.3: at least 6). */
  readonly digits: number;
  /** Time step X in seconds (RFC 6238 §4.1; 30 recommended, §5.2). */
  readonly periodSec: number;
}

/** Parameters when the line gives none: those every authenticator app supports (RFC 6238 §4.1, §5.2). */
export const TOTP_DEFAULTS: TotpParams = { algorithm: 'sha1', digits: 6, periodSec: 30 };

/** Time steps accepted either side of the current one (RFC 6238 §5.2). */
export const TOTP_WINDOW = 1;

/** Shortest secret accepted, in bytes (RFC 4226 §4 R6: 128 bits). */
export const TOTP_MIN_SECRET_BYTES = 16;

/** Length of an enrolled secret, in bytes (RFC 4226 §4 R6 recommends 160 bits). */
export const TOTP_ENROL_SECRET_BYTES = 20;

/** Range of `period` in seconds. */
export const TOTP_PERIOD_RANGE: readonly [number, number] = [10, 300];

/** What the login page's second step asks a local user with TOTP. */
export const TOTP_PROMPT = 'Enter the code from your authenticator app:';

/** The `otpauth` module. */
type OtpAuth = typeof import('otpauth');

let otpauthModule: Promise<OtpAuth> | undefined;

/** Loads `otpauth` (once). */
export function loadOtpAuth(): Promise<OtpAuth> {
  otpauthModule ??= import('otpauth');
  return otpauthModule;
}

const BASE32 = /^[A-Z2-7]+=*$/;

/**
 * Why `text` is not a usable base32 secret (RFC 4648 §6 alphabet, either case, `=` padding
 * optional), or undefined when it is one. The text names the problem, never the secret.
 */
export function base32SecretProblem(text: string): string | undefined {
  if (!BASE32.test(text.toUpperCase())) return 'the secret is not base32 (letters A-Z and digits 2-7, RFC 4648 §6)';
  const bytes = Math.floor(text.replace(/=+$/, '').length * 5 / 8);
  if (bytes < TOTP_MIN_SECRET_BYTES) {
    return `the secret has ${bytes * 8} bits; at least ${TOTP_MIN_SECRET_BYTES * 8} are required (RFC 4226 §4 R6)`;
  }
  return undefined;
}

/** A user's last accepted time step as kept across restarts: the step and the period it counts in. */
export interface KeptTotpStep {
  /** T of RFC 6238 §4.2: floor(unix seconds / periodSec). */
  readonly step: number;
  readonly periodSec: number;
}

/** What was kept of the users' last accepted steps, read at start. */
export type KeptTotpSteps =
  | { readonly kind: 'kept'; readonly steps: ReadonlyMap<string, KeptTotpStep> }
  /** The kept steps cannot be read or trusted (`reason` says why): every TOTP user is fenced. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Where the last accepted steps are kept across restarts (the state directory's file: src/state/totp-steps.ts). */
export interface TotpStepStore {
  /** What was kept when the gateway started. */
  readonly kept: KeptTotpSteps;
  /**
   * Keeps `steps`, every TOTP user's last accepted step (users not in it are dropped);
   * resolves once they are written, rejects when they cannot be.
   */
  save(steps: ReadonlyMap<string, KeptTotpStep>): Promise<void>;
}

/**
 * One user's TOTP verifier: the secret (private), the parameters, and the last time step a code
 * was accepted for (the replay guard). No I/O: keeping the step across restarts is the caller's.
 */
export class TotpVerifier {
  readonly #totp: InstanceType<OtpAuth['TOTP']>;
  #lastStep = -1;

  /** `secretBase32` must have passed {@link base32SecretProblem}. */
  constructor(otpauth: OtpAuth, secretBase32: string, readonly params: TotpParams) {
    this.#totp = new otpauth.TOTP({
      secret: otpauth.Secret.fromBase32(secretBase32.toUpperCase().replace(/=+$/, '')),
      algorithm: params.algorithm.toUpperCase(), digits: params.digits, period: params.periodSec,
    });
  }

  /**
   * True when `code` is this user's code for the time step of `unixMs` or one either side, and
   * for a later step than any code accepted before (which it then becomes). Anything but
   * exactly `digits` decimal digits is false.
   */
  verify(code: string, unixMs: number): boolean {
    if (code.length !== this.params.digits || !/^[0-9]+$/.test(code)) return false;
    const delta = this.#totp.validate({ token: code, timestamp: unixMs, window: TOTP_WINDOW });
    if (delta === null) return false;
    const step = this.#totp.counter({ timestamp: unixMs }) + delta;
    if (step <= this.#lastStep) return false;
    this.#lastStep = step;
    return true;
  }

  /** The last time step a code was accepted for (or restored or fenced), -1 when none. */
  get lastStep(): number {
    return this.#lastStep;
  }

  /**
   * Takes the step kept from before a restart: codes of that step and earlier are refused. A step
   * kept under another period becomes the step of this period holding its last second, so no
   * code overlapping the accepted one is taken (with the period changed, a little more is
   * refused, never less).
   */
  restore(kept: KeptTotpStep): void {
    const period = this.params.periodSec;
    const step = kept.periodSec === period ? kept.step : Math.floor(((kept.step + 1) * kept.periodSec - 1) / period);
    if (step > this.#lastStep) this.#lastStep = step;
  }

  /**
   * For a user whose kept step cannot be read: refuses every step a code could have been
   * accepted for up to `unixMs` (the current one and the {@link TOTP_WINDOW} after it), as if
   * the last one had been. The user's next code is accepted from the step after those.
   */
  fence(unixMs: number): void {
    const step = this.#totp.counter({ timestamp: unixMs }) + TOTP_WINDOW;
    if (step > this.#lastStep) this.#lastStep = step;
  }

  toString(): string {
    return 'TotpVerifier';
  }
}

/** What `portcullis totp enroll` prints. */
export interface TotpEnrolment {
  /** The new secret, base32 without padding. */
  readonly secret: string;
  /** The `username … otp totp … secret …` line to add to the config. */
  readonly configLine: string;
  /** The Key Uri Format URI an authenticator app reads (`otpauth://totp/ISSUER:USER?secret=…`). */
  readonly uri: string;
}

/**
 * A new random secret ({@link TOTP_ENROL_SECRET_BYTES} bytes from the system's CSPRNG) for
 * `user`, with its config line and `otpauth://` URI. Parameters other than the defaults are
 * written into both.
 */
export async function enrolTotp(user: string, issuer: string, params: TotpParams = TOTP_DEFAULTS): Promise<TotpEnrolment> {
  const otpauth = await loadOtpAuth();
  const secret = new otpauth.Secret({ buffer: new Uint8Array(randomBytes(TOTP_ENROL_SECRET_BYTES)).buffer });
  const totp = new otpauth.TOTP({
    issuer, label: user, secret, algorithm: params.algorithm.toUpperCase(), digits: params.digits, period: params.periodSec,
  });
  const options = [
    params.algorithm === TOTP_DEFAULTS.algorithm ? '' : ` algorithm ${params.algorithm}`,
    params.digits === TOTP_DEFAULTS.digits ? '' : ` digits ${params.digits}`,
    params.periodSec === TOTP_DEFAULTS.periodSec ? '' : ` period ${params.periodSec}`,
  ].join('');
  return { secret: secret.base32, configLine: `username ${user} otp totp${options} secret ${secret.base32}`, uri: totp.toString() };
}
