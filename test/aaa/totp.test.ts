/**
 * TOTP second factor of local users (RFC 6238): the RFC's Appendix B vectors through the config
 * line, the ±1-step window, replay refused (§5.2), the two-step and the one-step
 * (`PASSWORD,CODE`) logins of the local authenticator and of the method list, the config line's
 * errors, and the secret in no message, show output or retained config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import * as OTPAuth from 'otpauth';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import {
  AUTHENTICATION_FAILED, CODE_REFUSED, NOT_AUTHORIZED, STEP_EXPIRED, TOTP_CHALLENGE_TTL_MS, createLocalAuthenticator,
} from '../../src/aaa/local.js';
import { createAaaAuthenticator } from '../../src/aaa/methods.js';
import { ACCT_AUTHENTIC } from '../../src/aaa/radius/dictionary.js';
import { TOTP_PROMPT, TotpVerifier, enrolTotp, loadOtpAuth } from '../../src/aaa/totp.js';
import type { AuthOutcome, Authenticator } from '../../src/aaa/types.js';

/** RFC 4648 §6 base32 of `bytes`, written here so that the test does not lean on otpauth for it. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** RFC 4226 §5.3 (HOTP with dynamic truncation) over T = floor(t / period), RFC 6238 §4.2 — the test's own oracle. */
function rfcCode(secret: Uint8Array, unixSec: number, algorithm = 'sha1', digits = 6, period = 30): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSec / period)));
  const mac = createHmac(algorithm, secret).update(counter).digest();
  const off = mac[mac.length - 1]! & 0xf;
  const bin = ((mac[off]! & 0x7f) << 24) | (mac[off + 1]! << 16) | (mac[off + 2]! << 8) | mac[off + 3]!;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

// RFC 6238 Appendix B: the seeds (ASCII "1234567890" repeated to 20, 32 and 64 bytes) and the
// 8-digit codes at each time.
const SEEDS = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;
const APPENDIX_B: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

const SECRET = Buffer.from('0123456789abcdefghij'); // 160 bits
const SECRET_B32 = base32(SECRET);
const T0 = 1_765_000_000_000; // a Unix time in ms, in the middle of a 30 s step (1765000000 % 30 = 10)

function config(lines: string[]): ReturnType<typeof parseConfig> {
  return parseConfig(lines.join('\n'), 'totp.cfg');
}

const ask = (a: Authenticator, user: string, password: string, state?: string): Promise<AuthOutcome> =>
  a.authenticate({ user, password, client: '10.0.0.9', state });

/** A local authenticator over `lines` whose clocks the test sets. */
async function localWithClock(lines: string[]): Promise<{ auth: Authenticator; clock: { unixMs: number; nowMs: number } }> {
  const clock = { unixMs: T0, nowMs: 1000 };
  const auth = await createLocalAuthenticator(config(lines), { unixMs: () => clock.unixMs, nowMs: () => clock.nowMs });
  return { auth, clock };
}

const TOTP_USER = ['username tina privilege 15 password 0 tina pass', `username tina otp totp secret ${SECRET_B32}`];

test('the test\'s own RFC 4226/6238 code agrees with RFC 6238 Appendix B, and otpauth with both', async () => {
  const otpauth = await loadOtpAuth();
  for (const [t, ...codes] of APPENDIX_B) {
    (['sha1', 'sha256', 'sha512'] as const).forEach((alg, k) => {
      assert.equal(rfcCode(SEEDS[alg], t, alg, 8), codes[k], `${alg} at ${t}`);
      const oracle = otpauth.TOTP.generate({
        secret: otpauth.Secret.fromBase32(base32(SEEDS[alg])), algorithm: alg.toUpperCase(), digits: 8, period: 30, timestamp: t * 1000,
      });
      assert.equal(oracle, codes[k], `otpauth ${alg} at ${t}`);
    });
  }
});

test('RFC 6238 Appendix B: every vector is accepted through the config line (sha1, sha256, sha512, 8 digits), the code of a neighbouring vector is not', async () => {
  const algs = ['sha1', 'sha256', 'sha512'] as const;
  for (const [k, alg] of algs.entries()) {
    const cfg = config([`username u otp totp algorithm ${alg} digits 8 secret ${base32(SEEDS[alg])}`, 'username u privilege 15 nopassword']);
    const otp = cfg.users[0]!.otp!;
    assert.deepEqual([otp.algorithm, otp.digits, otp.periodSec], [alg, 8, 30]);
    for (const [i, [t, ...codes]] of APPENDIX_B.entries()) {
      const v = new TotpVerifier(await loadOtpAuth(), base32(SEEDS[alg]), otp);
      // Two vectors on (1111111109 and 1111111111 are neighbouring steps, inside the window).
      const other = APPENDIX_B[(i + 2) % APPENDIX_B.length]![k + 1] as string;
      assert.equal(v.verify(other, t * 1000), false, `${alg} at ${t}: another time's code`);
      assert.equal(v.verify(codes[k]!, t * 1000), true, `${alg} at ${t}`);
    }
  }
});

test('a code is accepted for the current step and one step either side, not two; a used code or an older step\'s is refused (RFC 6238 §5.2)', async () => {
  const otpauth = await loadOtpAuth();
  const params = { algorithm: 'sha1', digits: 6, periodSec: 30 } as const;
  const t = T0 / 1000;
  for (const [shift, ok] of [[-60, false], [-30, true], [0, true], [30, true], [60, false]] as const) {
    const v = new TotpVerifier(otpauth, SECRET_B32, params);
    assert.equal(v.verify(rfcCode(SECRET, t + shift), T0), ok, `step ${shift / 30}`);
  }
  const v = new TotpVerifier(otpauth, SECRET_B32, params);
  const now = rfcCode(SECRET, t);
  assert.equal(v.verify(now, T0), true);
  assert.equal(v.verify(now, T0), false, 'the same code again');
  assert.equal(v.verify(now, T0 + 15_000), false, 'the same code later in its window');
  assert.equal(v.verify(rfcCode(SECRET, t - 30), T0), false, 'the previous step\'s code after the current one');
  assert.equal(v.verify(rfcCode(SECRET, t + 30), T0 + 30_000), true, 'the next step\'s code');
  for (const bad of ['', '12345', '1234567', '12345a', ' 123456', '１２３４５６', '12345\u00e9']) {
    assert.equal(v.verify(bad, T0), false, JSON.stringify(bad));
  }
});

test('local TOTP user, two steps: the right password gets the code prompt; the right code logs in once; a wrong code is a reject', async () => {
  const { auth, clock } = await localWithClock(TOTP_USER);
  const step = await ask(auth, 'tina', 'tina pass');
  assert.equal(step.kind, 'challenge');
  if (step.kind !== 'challenge') return;
  assert.equal(step.prompt, TOTP_PROMPT);
  assert.match(step.state, /^[A-Za-z0-9_-]{24}$/);
  const code = rfcCode(SECRET, clock.unixMs / 1000);
  assert.deepEqual(await ask(auth, 'tina', code, step.state), { kind: 'accept', user: 'tina', privilege: 15, entries: [] });
  assert.deepEqual(await ask(auth, 'tina', code, step.state), { kind: 'reject', reason: STEP_EXPIRED }, 'a state answers once');
  // The same code on a new challenge: replay refused.
  const again = await ask(auth, 'tina', 'tina pass');
  assert.equal(again.kind, 'challenge');
  if (again.kind !== 'challenge') return;
  assert.deepEqual(await ask(auth, 'tina', code, again.state), { kind: 'reject', reason: CODE_REFUSED });
  // A wrong code uses the state up.
  clock.unixMs += 30_000;
  const third = await ask(auth, 'tina', 'tina pass');
  if (third.kind !== 'challenge') return assert.fail('challenge expected');
  const wrong = String((Number(rfcCode(SECRET, clock.unixMs / 1000)) + 1) % 1_000_000).padStart(6, '0');
  assert.deepEqual(await ask(auth, 'tina', wrong, third.state), { kind: 'reject', reason: CODE_REFUSED });
  assert.deepEqual(await ask(auth, 'tina', rfcCode(SECRET, clock.unixMs / 1000), third.state), { kind: 'reject', reason: STEP_EXPIRED });
  // A wrong password gets no challenge.
  assert.deepEqual(await ask(auth, 'tina', 'tina pas'), { kind: 'reject', reason: AUTHENTICATION_FAILED });
});

test('local TOTP user: a challenge expires, answers for its own user only, and an invented state is a reject', async () => {
  const lines = [...TOTP_USER, 'username olga privilege 15 password 0 olga pass', `username olga otp totp secret ${SECRET_B32}`];
  const { auth, clock } = await localWithClock(lines);
  const code = (): string => rfcCode(SECRET, clock.unixMs / 1000);
  const s1 = await ask(auth, 'tina', 'tina pass');
  if (s1.kind !== 'challenge') return assert.fail('challenge expected');
  assert.deepEqual(await ask(auth, 'olga', code(), s1.state), { kind: 'reject', reason: STEP_EXPIRED }, 'another user');
  const s2 = await ask(auth, 'tina', 'tina pass');
  if (s2.kind !== 'challenge') return assert.fail('challenge expected');
  clock.nowMs += TOTP_CHALLENGE_TTL_MS;
  assert.deepEqual(await ask(auth, 'tina', code(), s2.state), { kind: 'reject', reason: STEP_EXPIRED }, 'expired');
  assert.deepEqual(await ask(auth, 'tina', code(), 'AAAAAAAAAAAAAAAAAAAAAAAA'), { kind: 'reject', reason: STEP_EXPIRED });
  // The code was not used by any of these: it still logs in.
  const s3 = await ask(auth, 'tina', 'tina pass');
  if (s3.kind !== 'challenge') return assert.fail('challenge expected');
  assert.equal((await ask(auth, 'tina', code(), s3.state)).kind, 'accept');
});

test('local TOTP user, one step: PASSWORD,CODE logs in (once); a wrong password or code is a reject; users without TOTP keep commas in passwords', async () => {
  const { auth, clock } = await localWithClock([...TOTP_USER, 'username paul privilege 15 password 0 pa,123456',
    'username vera privilege 1 password 0 vera pass', `username vera otp totp secret ${SECRET_B32}`]);
  const code = rfcCode(SECRET, clock.unixMs / 1000);
  assert.deepEqual(await ask(auth, 'tina', `tina pass,${code}`), { kind: 'accept', user: 'tina', privilege: 15, entries: [] });
  assert.deepEqual(await ask(auth, 'tina', `tina pass,${code}`), { kind: 'reject', reason: CODE_REFUSED }, 'replayed');
  clock.unixMs += 30_000;
  const next = rfcCode(SECRET, clock.unixMs / 1000);
  assert.deepEqual(await ask(auth, 'tina', `tina pas,${next}`), { kind: 'reject', reason: AUTHENTICATION_FAILED });
  assert.equal((await ask(auth, 'tina', `tina pass,${next}0`)).kind, 'reject', 'seven digits: a wrong password');
  assert.equal((await ask(auth, 'tina', `tina pass,${next}`)).kind, 'accept', 'the failed attempts did not use the code');
  assert.deepEqual(await ask(auth, 'paul', 'pa,123456'), { kind: 'accept', user: 'paul', privilege: 15, entries: [] });
  // A TOTP user below priv-lvl 15 is refused after both factors, as any other.
  clock.unixMs += 30_000;
  assert.deepEqual(await ask(auth, 'vera', `vera pass,${rfcCode(SECRET, clock.unixMs / 1000)}`), { kind: 'reject', reason: NOT_AUTHORIZED });
});

test('the method list carries a local TOTP challenge as its own second step: local after a group that does not answer', async () => {
  const cfg = config([
    'aaa new-model', 'aaa authentication login default group tacacs+ local', ...TOTP_USER,
  ]);
  const clock = { unixMs: T0, nowMs: 1000 };
  const a = await createAaaAuthenticator(cfg, { unixMs: () => clock.unixMs, nowMs: () => clock.nowMs });
  try {
    const step = await ask(a, 'tina', 'tina pass');
    if (step.kind !== 'challenge') return assert.fail(`challenge expected, got ${JSON.stringify(step)}`);
    assert.equal(step.prompt, TOTP_PROMPT);
    assert.equal(a.pendingChallenges(), 1);
    assert.deepEqual(await ask(a, 'tina', rfcCode(SECRET, T0 / 1000), step.state), { kind: 'accept', user: 'tina', privilege: 15, entries: [], authentic: ACCT_AUTHENTIC.LOCAL });
    assert.equal(a.pendingChallenges(), 0);
    const again = await ask(a, 'tina', 'tina pass');
    if (again.kind !== 'challenge') return assert.fail('challenge expected');
    assert.deepEqual(await ask(a, 'tina', rfcCode(SECRET, T0 / 1000), again.state), { kind: 'reject', reason: CODE_REFUSED });
  } finally {
    await a.close();
  }
});

test('otp totp lines: options in any order, errors name the line and never the secret, a secret under 128 bits is refused', () => {
  const u = config(['username a privilege 15 nopassword', `username a otp totp period 60 digits 7 algorithm SHA256 secret ${SECRET_B32.toLowerCase()}`]).users[0]!;
  assert.deepEqual([u.otp!.algorithm, u.otp!.digits, u.otp!.periodSec], ['sha256', 7, 60]);
  const errorOf = (line: string): ConfigError => {
    try {
      config(['username a privilege 15 nopassword', line]);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e;
    }
    return assert.fail(`no error for ${line}`);
  };
  const bad = `${SECRET_B32.slice(0, 20)}1${SECRET_B32.slice(21)}`;
  const cases: [string, RegExp][] = [
    [`username a otp totp secret ${bad}`, /totp\.cfg:2:\d+: expected a base32 secret, found <removed> \(the secret is not base32/],
    ['username a otp totp secret GEZDGNBVGY3TQOJQGEZDGNBV', /found <removed> \(the secret has 120 bits; at least 128 are required \(RFC 4226 §4 R6\)\)/],
    [`username a otp totp digits 9 secret ${SECRET_B32}`, /expected .*6.*8.*found "9"/],
    [`username a otp totp algorithm md5 secret ${SECRET_B32}`, /expected "sha1", "sha256" or "sha512", found "md5"/],
    [`username a otp hotp secret ${SECRET_B32}`, /expected "totp", found "hotp"/],
    [`username a otp totp secret ${SECRET_B32} digits 6`, /expected end of line, found <removed>/],
    ['username a otp totp secret', /expected a base32 secret, found end of line/],
  ];
  for (const [line, re] of cases) {
    const e = errorOf(line);
    assert.match(e.message, re, line);
    assert.ok(!e.message.includes(SECRET_B32) && !e.message.includes(bad) && !e.message.toLowerCase().includes('gezdgnbv'), e.message);
  }
  // A user with only an otp line has no password: refused as a binding-only user is.
  assert.throws(() => config([`username z otp totp secret ${SECRET_B32}`]), /a user with a password/);
});

test('the TOTP secret is in no retained config, inspection or JSON once the authenticator took it', async () => {
  const cfg = config(TOTP_USER);
  const shown = [inspect(cfg.users, { depth: 10 }), JSON.stringify(cfg.users)];
  assert.equal(cfg.users[0]!.otp!.secret.taken, false);
  const auth = await createLocalAuthenticator(cfg);
  assert.equal(cfg.users[0]!.otp!.secret.taken, true);
  shown.push(inspect(auth, { depth: 10, showHidden: true }), String(auth));
  for (const s of shown) assert.ok(!s.includes(SECRET_B32), s.slice(0, 300));
  // A second authenticator from the same parsed config still gets the secret (as clear-text passwords).
  const again = await createLocalAuthenticator(cfg, { unixMs: () => T0 });
  assert.equal((await ask(again, 'tina', `tina pass,${rfcCode(SECRET, T0 / 1000)}`)).kind, 'accept');
});

test('enrolment: the config line and the otpauth:// URI carry the same new 160-bit secret, which otpauth reads back', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const e = await enrolTotp('ann', 'Gate One', { algorithm: 'sha256', digits: 8, periodSec: 60 });
    assert.match(e.configLine, /^username ann otp totp algorithm sha256 digits 8 period 60 secret ([A-Z2-7]{32})$/);
    assert.equal(e.configLine.split(' ').at(-1), e.secret);
    seen.add(e.secret);
    const parsed = OTPAuth.URI.parse(e.uri);
    assert.ok(parsed instanceof OTPAuth.TOTP);
    assert.deepEqual([parsed.issuer, parsed.label, parsed.algorithm, parsed.digits, parsed.period, parsed.secret.base32],
      ['Gate One', 'ann', 'SHA256', 8, 60, e.secret]);
    assert.equal(parsed.secret.bytes.length, 20);
    const u = config(['username ann privilege 15 nopassword', e.configLine]).users[0]!;
    const v = new TotpVerifier(await loadOtpAuth(), u.otp!.secret.take()!, u.otp!);
    assert.equal(v.verify(parsed.generate({ timestamp: T0 }), T0), true);
  }
  assert.equal(seen.size, 3, 'a new secret each time');
});
