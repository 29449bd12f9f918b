/**
 * The last accepted TOTP steps kept in the state directory (RFC 6238 §5.2 across a restart): a
 * code accepted before a restart from the same directory is refused after it; the file's mode
 * and contents (steps only); users no longer in the config dropped; a corrupt, untrusted or
 * unwritable file; a step kept under another period.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/parse.js';
import { AUTHENTICATION_FAILED, CODE_REFUSED, TOTP_NOT_RECORDED, createLocalAuthenticator } from '../../src/aaa/local.js';
import { TotpVerifier, loadOtpAuth } from '../../src/aaa/totp.js';
import type { AuthOutcome, Authenticator } from '../../src/aaa/types.js';
import { TOTP_STEPS_FILE, TOTP_STEPS_FORMAT, openTotpStepFile } from '../../src/state/totp-steps.js';
import { PASSWORD, SECRET_B32, T0, code } from '../login/totp-fixture.js';

const STEP0 = Math.floor(T0 / 30_000);
const LINES = ['username tina privilege 15 password 0 ' + PASSWORD, `username tina otp totp secret ${SECRET_B32}`];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), `portcullis-totp-${process.pid}-`));
}

/** A gateway start as far as TOTP goes: the config parsed, the state directory's file read, the local authenticator made. */
async function start(dir: string, clock: { unixMs: number }, lines = LINES): Promise<Authenticator> {
  const steps = await openTotpStepFile(dir);
  return createLocalAuthenticator(parseConfig(lines.join('\n'), 'totp.cfg'), { unixMs: () => clock.unixMs, totpSteps: steps });
}

const login = (a: Authenticator, user: string, password: string): Promise<AuthOutcome> =>
  a.authenticate({ user, password, client: '10.0.0.9' });

test('a code accepted before a restart from the same state directory is refused after it; the next step\'s code is accepted', async () => {
  const dir = tmp();
  try {
    const clock = { unixMs: T0 };
    const first = await start(dir, clock);
    assert.equal((await login(first, 'tina', `${PASSWORD},${code(T0)}`)).kind, 'accept');
    assert.deepEqual(await login(first, 'tina', `${PASSWORD},${code(T0)}`), { kind: 'reject', reason: CODE_REFUSED });
    // The restart, 5 s later, still in the code's step.
    clock.unixMs = T0 + 5_000;
    const second = await start(dir, clock);
    assert.deepEqual(await login(second, 'tina', `${PASSWORD},${code(T0)}`), { kind: 'reject', reason: CODE_REFUSED });
    // Two steps: the right password, then the used code.
    const step = await login(second, 'tina', PASSWORD);
    assert.equal(step.kind, 'challenge');
    if (step.kind !== 'challenge') return;
    assert.deepEqual(await second.authenticate({ user: 'tina', password: code(T0), client: '10.0.0.9', state: step.state }),
      { kind: 'reject', reason: CODE_REFUSED });
    clock.unixMs = T0 + 30_000;
    assert.equal((await login(second, 'tina', `${PASSWORD},${code(T0 + 30_000)}`)).kind, 'accept');
    // And that one after a third start.
    const third = await start(dir, clock);
    assert.deepEqual(await login(third, 'tina', `${PASSWORD},${code(T0 + 30_000)}`), { kind: 'reject', reason: CODE_REFUSED });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the step file: directory 0700, file 0600, the step and period only (no password, secret or code); users no longer in the config dropped', async () => {
  const parent = tmp();
  const dir = join(parent, 'state');
  try {
    const clock = { unixMs: T0 };
    const auth = await start(dir, clock, [...LINES, 'username ugo privilege 15 password 0 ugo-pass', `username ugo otp totp secret ${SECRET_B32}`]);
    assert.equal((await login(auth, 'tina', `${PASSWORD},${code(T0)}`)).kind, 'accept');
    const path = join(dir, TOTP_STEPS_FILE);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const text = readFileSync(path, 'utf8');
    assert.deepEqual(JSON.parse(text), { format: TOTP_STEPS_FORMAT, users: { tina: { step: STEP0, period: 30 } } });
    for (const secret of [PASSWORD, SECRET_B32, code(T0)]) assert.ok(!text.includes(secret));
    // A wrong password does not write; ugo's code then adds his record.
    assert.deepEqual(await login(auth, 'ugo', `wrong,${code(T0 + 30_000)}`), { kind: 'reject', reason: AUTHENTICATION_FAILED });
    assert.equal(readFileSync(path, 'utf8'), text);
    clock.unixMs = T0 + 30_000;
    assert.equal((await login(auth, 'ugo', `ugo-pass,${code(T0 + 30_000)}`)).kind, 'accept');
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(path, 'utf8')).users).sort(), ['tina', 'ugo']);
    // ugo leaves the config: gone on the next write.
    clock.unixMs = T0 + 60_000;
    const after = await start(dir, clock);
    assert.equal((await login(after, 'tina', `${PASSWORD},${code(T0 + 60_000)}`)).kind, 'accept');
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).users, { tina: { step: STEP0 + 2, period: 30 } });
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a corrupt or untrusted step file: the gateway starts, and every code up to the step after the start is refused, then the file is written anew', async () => {
  const cases: [string, (path: string) => void, RegExp][] = [
    ['not JSON', (p) => writeFileSync(p, '{"format":"portcullis-totp-steps 1","users":{"tina":{"st', { mode: 0o600 }), /^not JSON$/],
    ['another format', (p) => writeFileSync(p, '{"format":"x","users":{}}', { mode: 0o600 }), /not a "portcullis-totp-steps 1" file/],
    ['a bad record', (p) => writeFileSync(p, `{"format":"${TOTP_STEPS_FORMAT}","users":{"tina":{"step":-5,"period":30}}}`, { mode: 0o600 }),
      /user "tina": no valid "step" and "period"/],
    ['writable by others', (p) => {
      writeFileSync(p, `{"format":"${TOTP_STEPS_FORMAT}","users":{}}`);
      chmodSync(p, 0o666);
    }, /writable by others than its owner \(mode 666\)/],
  ];
  for (const [what, make, reason] of cases) {
    const dir = tmp();
    try {
      make(join(dir, TOTP_STEPS_FILE));
      const steps = await openTotpStepFile(dir);
      assert.equal(steps.kept.kind, 'unreadable', what);
      if (steps.kept.kind === 'unreadable') assert.match(steps.kept.reason, reason, what);
      const clock = { unixMs: T0 };
      const auth = await createLocalAuthenticator(parseConfig(LINES.join('\n'), 'totp.cfg'), { unixMs: () => clock.unixMs, totpSteps: steps });
      for (const t of [T0 - 30_000, T0, T0 + 30_000]) {
        assert.deepEqual(await login(auth, 'tina', `${PASSWORD},${code(t)}`), { kind: 'reject', reason: CODE_REFUSED }, `${what}: step ${(t - T0) / 30_000}`);
      }
      clock.unixMs = T0 + 30_000;
      assert.deepEqual(await login(auth, 'tina', `${PASSWORD},${code(T0 + 30_000)}`), { kind: 'reject', reason: CODE_REFUSED }, what);
      clock.unixMs = T0 + 60_000;
      assert.equal((await login(auth, 'tina', `${PASSWORD},${code(T0 + 60_000)}`)).kind, 'accept', what);
      const path = join(dir, TOTP_STEPS_FILE);
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).users, { tina: { step: STEP0 + 2, period: 30 } }, what);
      assert.equal(statSync(path).mode & 0o777, 0o600, what);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a step that cannot be written answers no login: an error, not an accept, and the code stays used', async () => {
  const clock = { unixMs: T0 };
  let fail = true;
  const auth = await createLocalAuthenticator(parseConfig(LINES.join('\n'), 'totp.cfg'), {
    unixMs: () => clock.unixMs,
    totpSteps: {
      kept: { kind: 'kept', steps: new Map() },
      save: () => (fail ? Promise.reject(new Error('disk full')) : Promise.resolve()),
    },
  });
  assert.deepEqual(await login(auth, 'tina', `${PASSWORD},${code(T0)}`), { kind: 'error', reason: TOTP_NOT_RECORDED });
  fail = false;
  assert.deepEqual(await login(auth, 'tina', `${PASSWORD},${code(T0)}`), { kind: 'reject', reason: CODE_REFUSED });
});

test('a step kept under another period refuses every code of the new period overlapping it', async () => {
  const otpauth = await loadOtpAuth();
  const v = new TotpVerifier(otpauth, SECRET_B32, { algorithm: 'sha1', digits: 6, periodSec: 60 });
  // Step 30 s-long k covers [30k, 30k + 30); the 60 s step holding its last second is floor((30k + 29) / 60).
  v.restore({ step: 2 * 1000 + 1, periodSec: 30 });
  assert.equal(v.lastStep, 1000);
  v.restore({ step: 2 * 1000 + 2, periodSec: 30 });
  assert.equal(v.lastStep, 1001);
  v.restore({ step: 5, periodSec: 60 });
  assert.equal(v.lastStep, 1001, 'an older step changes nothing');
});
