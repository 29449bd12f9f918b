/**
 * Local users (`username …`) as an {@link Authenticator}: the password check, then the
 * authorization IOS's local AAA gives the auth-proxy (`priv-lvl` and `proxyacl#N` from the
 * user's `aaa attribute list`).
 *
 * Secrets. Clear text from the config (`password 0`, `password 7` decoded, `secret 0`) is hashed
 * with scrypt when the authenticator is made and the holder in the config emptied (the process
 * keeps no password: not in the config, not here); IOS hashes (`secret 5|8|9`) are verified with
 * their own algorithm (src/aaa/ios-hashes.ts). Keys are compared with `timingSafeEqual`. The
 * slow work (scrypt, PBKDF2) runs on libuv's thread pool, off the thread that moves packets.
 *
 * No user enumeration. An unknown user, a wrong password and an over-long password all get the
 * same reject text ({@link AUTHENTICATION_FAILED}) after the same work: every attempt runs one
 * scrypt with the load-time parameters — the real check for a user whose clear text was hashed
 * at load, a dummy on the same password otherwise — beside the user's own (cheaper) IOS-hash
 * check if it has one, and answers when both are done.
 *
 * Authorization (README "Local users"). The privilege is the bound attribute list's `priv-lvl`
 * when it gives one, else the user's `privilege P`; the login is refused ({@link NOT_AUTHORIZED})
 * unless it is 15. The accept carries the list's `proxyacl#N` entries in N order.
 *
 * Second factor (`username NAME otp totp … secret BASE32`, src/aaa/totp.ts). A user with TOTP is
 * accepted only with a valid code as well as the password, in either of two ways:
 * - two steps: the right password alone gets a challenge (`AuthChallenge`, {@link TOTP_PROMPT}),
 *   whose answer is the code (the login page's second step). The challenge's state is random,
 *   answers once, for the same user, within {@link TOTP_CHALLENGE_TTL_MS};
 * - one step: `PASSWORD,CODE` typed as the password — a comma and exactly the user's number of
 *   digits at the end (as a Duo passcode is typed after the password, seed 003) — for clients
 *   that cannot show a second step (HTTP Basic or Proxy-Authorization). A TOTP user's password
 *   therefore must not itself end in a comma and that many digits.
 * A wrong, expired or replayed code is a reject ({@link CODE_REFUSED}) — a failed attempt like a
 * wrong password; a wrong password gets {@link AUTHENTICATION_FAILED} either way, so the one-step
 * form does not tell which of the two was wrong.
 *
 * Replay across restarts (RFC 6238 §5.2). With a {@link TotpStepStore} (`run --state-dir`), every
 * TOTP user's last accepted step is written to it before a login whose code was accepted is
 * answered (a crash after the write cannot make the code good again); a write that fails
 * answers no login ({@link TOTP_NOT_RECORDED}, an error, not the user's failed attempt). At
 * start the kept steps are restored, or, when they cannot be read, every TOTP user is fenced
 * ({@link TotpVerifier.fence}). Without a store the steps live in memory only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config, LocalUser, LocalUserTotp } from '../config/types.js';
import type { ClearText } from '../config/clear-text.js';
import type { DynamicAclText } from '../acl/api.js';
import { LocalUserSecretError } from '../errors.js';
import { derive, parseIosSecret, scryptKey } from './ios-hashes.js';
import type { ScryptHash, StoredHash } from './ios-hashes.js';
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js';
import { loadOtpAuth, TOTP_PROMPT, TotpVerifier } from './totp.js';
import type { KeptTotpStep, TotpStepStore } from './totp.js';
import { PendingSteps } from './pending-steps.js';
import type { PendingStep } from './pending-steps.js';

/** The reject text of an unknown user and of a wrong password alike. */
export const AUTHENTICATION_FAILED = 'Authentication failed';
/** The reject text of a user whose authorization lacks `priv-lvl 15`. */
export const NOT_AUTHORIZED = 'Authentication succeeded, but the user is not authorized';

/**
 * scrypt parameters for clear text hashed at load: N = 2^14, r = 8, p = 1, the figure Percival's
 * scrypt paper gives for interactive logins (one of RFC 7914 §12's test vectors), 16 MiB of
 * memory per check — eight times IOS's type 9 (r = 1) — and a few tens of milliseconds of one
 * thread-pool thread; 16-byte salt, 32-byte key.
 */
export const LOCAL_SCRYPT = { N: 16384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

/** Longest password checked, in UTF-8 bytes; a longer one is refused as a wrong one (md5-crypt's work grows with the length). */
export const MAX_PASSWORD_BYTES = 256;

/** The privilege level the auth-proxy requires (IOS: `priv-lvl=15`). */
export const REQUIRED_PRIVILEGE = 15;

/** The reject text of a wrong, expired or already used TOTP code. */
export const CODE_REFUSED = 'the code is wrong, expired or already used';

/** The reject text of a second step whose state is unknown, answered, expired or another user's. */
export const STEP_EXPIRED = 'the second step of this login has expired: log in again';

/** The error text of an accepted TOTP code whose step could not be kept (the login is not answered as accepted). */
export const TOTP_NOT_RECORDED = 'the use of the TOTP code could not be recorded in the state directory';

/** How long a TOTP challenge waits for its code. */
export const TOTP_CHALLENGE_TTL_MS = 180_000;

/** Most TOTP challenges waiting at once; past it the oldest goes. */
export const MAX_TOTP_CHALLENGES = 4096;

/** Options of {@link createLocalAuthenticator}. */
export interface LocalAuthenticatorOptions {
  /** Wall clock in Unix ms, for TOTP time steps (default `Date.now()`). */
  readonly unixMs?: () => number;
  /** Monotonic clock in ms, for challenge expiry (default `performance.now()`). */
  readonly nowMs?: () => number;
  /** Where the last accepted TOTP steps are kept across restarts (default: memory only). */
  readonly totpSteps?: TotpStepStore | undefined;
}

/** What is kept of one user: no password, only what verifies one. */
interface UserRecord {
  readonly name: string;
  /** The verifier; `none` for `nopassword`. */
  readonly stored: StoredHash | 'none';
  /** True when `stored` is the load-time scrypt (the attempt's one scrypt is the real check). */
  readonly local: boolean;
  readonly privilege: number;
  readonly entries: readonly DynamicAclText[];
  /** The user's TOTP second factor, if any. */
  readonly totp: TotpVerifier | undefined;
}

/**
 * Hashes made from a config's clear text, by its holder: a second authenticator made from the
 * same parsed config (the holder is empty by then) gets the same hash, not an error.
 */
const hashedClearText = new WeakMap<ClearText, Promise<ScryptHash>>();

/** TOTP secrets taken from a config's holders, by holder (as {@link hashedClearText}). */
const takenTotpSecrets = new WeakMap<ClearText, string>();

/** Hashes `text` with the load-time scrypt parameters and a fresh salt, wiping the byte copy. */
export async function hashClearText(text: string): Promise<ScryptHash> {
  const pw = Buffer.from(text, 'utf8');
  const salt = randomBytes(LOCAL_SCRYPT.saltBytes);
  try {
    const hash = await scryptKey(pw, salt, LOCAL_SCRYPT.N, LOCAL_SCRYPT.r, LOCAL_SCRYPT.p, LOCAL_SCRYPT.keyBytes);
    return { kind: 'scrypt', salt, N: LOCAL_SCRYPT.N, r: LOCAL_SCRYPT.r, p: LOCAL_SCRYPT.p, hash };
  } finally {
    pw.fill(0);
  }
}

/** The verifier of `u`: its IOS hash, or the scrypt hash of its clear text (made now, once per holder). */
function storedHash(u: LocalUser): Promise<StoredHash | 'none'> | StoredHash | 'none' {
  if (u.credentialKind === 'none') return 'none';
  const clear = u.clearText;
  if (clear !== undefined) {
    let p = hashedClearText.get(clear);
    if (p === undefined) {
      const text = clear.take();
      if (text === undefined) {
        throw new LocalUserSecretError(u.source.file, u.source.line, u.name, 'the clear-text password was taken by another reader of the config');
      }
      p = hashClearText(text);
      hashedClearText.set(clear, p);
    }
    return p;
  }
  const parsed = parseIosSecret(u.encryptionType as 5 | 8 | 9, u.credential);
  if (typeof parsed === 'string') throw new LocalUserSecretError(u.source.file, u.source.line, u.name, parsed);
  return parsed;
}

/** The TOTP verifier of `u`'s `otp totp` line (its secret taken from the config's holder). */
async function totpVerifier(u: LocalUser, otp: LocalUserTotp): Promise<TotpVerifier> {
  let secret = takenTotpSecrets.get(otp.secret);
  if (secret === undefined) {
    secret = otp.secret.take();
    if (secret === undefined) {
      throw new LocalUserSecretError(otp.source.file, otp.source.line, u.name, 'the TOTP secret was taken by another reader of the config');
    }
    takenTotpSecrets.set(otp.secret, secret);
  }
  return new TotpVerifier(await loadOtpAuth(), secret, otp);
}

/**
 * Makes the local-user authenticator of `config`: hashes every clear-text password (in
 * parallel, on the thread pool) and empties its holder in the config, and takes the TOTP
 * secrets. Rejects with a {@link LocalUserSecretError} for a stored secret it cannot use.
 */
export async function createLocalAuthenticator(config: Config, opts: LocalAuthenticatorOptions = {}): Promise<Authenticator> {
  const users = new Map<string, UserRecord>();
  const pending = config.users.map(async (u): Promise<void> => {
    const stored = await storedHash(u);
    const totp = u.otp === undefined ? undefined : await totpVerifier(u, u.otp);
    const list = u.attributeList === undefined ? undefined : config.attributeLists.get(u.attributeList);
    users.set(u.name, {
      name: u.name,
      stored,
      local: u.clearText !== undefined,
      privilege: list?.privLvl ?? u.privilege,
      entries: list?.proxyAcl ?? [],
      totp,
    });
  });
  await Promise.all(pending);
  const unixMs = opts.unixMs ?? (() => Date.now());
  const store = opts.totpSteps;
  if (store !== undefined) {
    for (const rec of users.values()) {
      if (rec.totp === undefined) continue;
      if (store.kept.kind === 'unreadable') rec.totp.fence(unixMs());
      else {
        const kept = store.kept.steps.get(rec.name);
        if (kept !== undefined) rec.totp.restore(kept);
      }
    }
  }
  return new LocalAuthenticator(users, unixMs, opts.nowMs ?? (() => performance.now()), store);
}

/** The authenticator itself: user records by name and one dummy salt. */
class LocalAuthenticator implements Authenticator {
  /** Salt of the dummy scrypt an attempt runs when the user's check is not the load-time scrypt. */
  readonly #dummySalt = randomBytes(LOCAL_SCRYPT.saltBytes);

  readonly #users: ReadonlyMap<string, UserRecord>;
  readonly #unixMs: () => number;
  readonly #nowMs: () => number;
  /** TOTP challenges waiting for their code. */
  readonly #codes = new PendingSteps<PendingStep>(MAX_TOTP_CHALLENGES);

  readonly #store: TotpStepStore | undefined;

  constructor(users: ReadonlyMap<string, UserRecord>, unixMs: () => number, nowMs: () => number, store: TotpStepStore | undefined) {
    this.#users = users;
    this.#unixMs = unixMs;
    this.#nowMs = nowMs;
    this.#store = store;
  }

  async authenticate(req: AuthRequest): Promise<AuthOutcome> {
    if (req.state !== undefined) return this.#answer(req.state, req.user, req.password);
    const rec = this.#users.get(req.user);
    const totp = rec?.totp;
    // One step for a TOTP user: `PASSWORD,CODE`.
    let code: string | undefined;
    let password = req.password;
    if (totp !== undefined) {
      const comma = password.length - totp.params.digits - 1;
      if (comma >= 0 && password[comma] === ',' && /^[0-9]+$/.test(password.slice(comma + 1))) {
        code = password.slice(comma + 1);
        password = password.slice(0, comma);
      }
    }
    const pw = Buffer.from(password, 'utf8');
    try {
      const usable = rec !== undefined && pw.length <= MAX_PASSWORD_BYTES;
      const work: Promise<boolean>[] = [];
      if (usable && rec.local) {
        work.push(check(rec.stored as ScryptHash, pw));
      } else {
        // The load-time scrypt, as a known user of clear text costs; its answer is not used.
        const dummy = pw.subarray(0, MAX_PASSWORD_BYTES);
        work.push(scryptKey(dummy, this.#dummySalt, LOCAL_SCRYPT.N, LOCAL_SCRYPT.r, LOCAL_SCRYPT.p, LOCAL_SCRYPT.keyBytes)
          .then(() => false));
        if (usable) work.push(rec.stored === 'none' ? Promise.resolve(true) : check(rec.stored, pw));
      }
      const results = await Promise.all(work);
      if (!usable || !results[results.length - 1]) return { kind: 'reject', reason: AUTHENTICATION_FAILED };
      if (rec.totp !== undefined) {
        if (code === undefined) {
          const now = this.#nowMs();
          return { kind: 'challenge', state: this.#codes.add({ user: rec.name, expiresMs: now + TOTP_CHALLENGE_TTL_MS }, now), prompt: TOTP_PROMPT };
        }
        if (!rec.totp.verify(code, this.#unixMs())) return { kind: 'reject', reason: CODE_REFUSED };
        if (!await this.#keepSteps()) return { kind: 'error', reason: TOTP_NOT_RECORDED };
      }
      return authorized(rec);
    } catch {
      // node:crypto failing (out of memory for scrypt): no answer, not the user's failed attempt.
      return { kind: 'error', reason: 'local authentication could not be performed' };
    } finally {
      pw.fill(0);
    }
  }

  /** The code answering challenge `state` (which it uses up, right or wrong). */
  async #answer(state: string, user: string, code: string): Promise<AuthOutcome> {
    const p = this.#codes.take(state, user, this.#nowMs());
    const rec = this.#users.get(user);
    if (p === undefined || rec?.totp === undefined) {
      return { kind: 'reject', reason: STEP_EXPIRED };
    }
    if (!rec.totp.verify(code, this.#unixMs())) return { kind: 'reject', reason: CODE_REFUSED };
    if (!await this.#keepSteps()) return { kind: 'error', reason: TOTP_NOT_RECORDED };
    return authorized(rec);
  }

  /**
   * Writes every TOTP user's last accepted step to the store (a no-op without one); false when
   * the write failed. The step of the code just accepted is already taken in memory, so the code
   * stays refused here whatever the write does.
   */
  async #keepSteps(): Promise<boolean> {
    if (this.#store === undefined) return true;
    const steps = new Map<string, KeptTotpStep>();
    for (const rec of this.#users.values()) {
      if (rec.totp !== undefined && rec.totp.lastStep >= 0) steps.set(rec.name, { step: rec.totp.lastStep, periodSec: rec.totp.params.periodSec });
    }
    try {
      await this.#store.save(steps);
      return true;
    } catch {
      return false;
    }
  }
}

/** The accept of an authenticated user, or the reject of one below {@link REQUIRED_PRIVILEGE}. */
function authorized(rec: UserRecord): AuthOutcome {
  if (rec.privilege !== REQUIRED_PRIVILEGE) return { kind: 'reject', reason: NOT_AUTHORIZED };
  return { kind: 'accept', user: rec.name, privilege: rec.privilege, entries: rec.entries };
}

/** True when `pw` derives `stored`'s key. */
async function check(stored: StoredHash, pw: Buffer): Promise<boolean> {
  return keysEqual(await derive(stored, pw), stored.hash);
}

/**
 * Key comparison in constant time (`timingSafeEqual`: every byte is looked at, wherever the keys
 * differ). Keys of different lengths are unequal (their lengths are public: the hash type's).
 */
export function keysEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
