/**
 * `portcullis totp enroll` as a user runs it: its output parsed back — the config line by the
 * config parser, the URI by otpauth (as an authenticator app reads it) — and a code the app
 * would show logs the user in; usage errors exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { parseConfig } from '../../src/config/parse.js';
import { createLocalAuthenticator } from '../../src/aaa/local.js';
import { run } from './run-cli.js';

test('totp enroll prints a config line and an otpauth:// URI with one new secret; a code from the URI logs the user in', async () => {
  const r = run(['totp', 'enroll', '--user', 'carol', '--issuer', 'Branch Gate', '--digits', '8']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4, r.stdout);
  assert.ok(lines[0]!.startsWith('!') && lines[2]!.startsWith('!'), 'comment lines a config accepts');
  const configLine = lines[1]!;
  const uri = lines[3]!;
  assert.match(configLine, /^username carol otp totp digits 8 secret [A-Z2-7]{32}$/);
  const totp = OTPAuth.URI.parse(uri);
  assert.ok(totp instanceof OTPAuth.TOTP);
  assert.deepEqual([totp.issuer, totp.label, totp.algorithm, totp.digits, totp.period], ['Branch Gate', 'carol', 'SHA1', 8, 30]);
  assert.equal(totp.secret.base32, configLine.split(' ').at(-1));

  // The whole output (comments included) goes into a config as it is.
  const cfg = parseConfig(`username carol privilege 15 secret 0 carols-pass\n${r.stdout}`, 'enrolled.cfg');
  const now = Date.now();
  const auth = await createLocalAuthenticator(cfg, { unixMs: () => now });
  const outcome = await auth.authenticate({ user: 'carol', password: `carols-pass,${totp.generate({ timestamp: now })}`, client: '10.0.0.1' });
  assert.deepEqual(outcome, { kind: 'accept', user: 'carol', privilege: 15, entries: [] });

  const other = run(['totp', 'enroll', '--user', 'carol']);
  assert.notEqual(other.stdout.split('\n')[1], configLine, 'a new secret each run');
});

test('totp enroll refuses a missing or unusable user name or option (exit 2, nothing on standard output)', () => {
  const cases: [string[], RegExp][] = [
    [['totp', 'enroll'], /totp enroll needs --user NAME/],
    [['totp', 'enroll', '--user', 'two words'], /--user must be 1 to 64 printable ASCII characters without blanks/],
    [['totp', 'enroll', '--user', 'a', '--digits', '5'], /--digits takes an integer 6\.\.8; not "5"/],
    [['totp', 'enroll', '--user', 'a', '--period', '3x'], /--period takes an integer 10\.\.300; not "3x"/],
    [['totp', 'enroll', '--user', 'a', '--algorithm', 'md5'], /--algorithm takes sha1, sha256 or sha512; not "md5"/],
    [['totp', 'enroll', '--user', 'a', '--issuer', 'a:b'], /--issuer must be 1 to 64 printable ASCII characters without ":"/],
    [['totp', 'list'], /totp takes one subcommand: enroll/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, re);
  }
});
