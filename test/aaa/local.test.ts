/**
 * The local-user authenticator: every credential form IOS writes, clear text hashed at load and
 * forgotten, the same reject after the same work for an unknown user and a wrong password, and
 * the priv-lvl 15 rule with the attribute list's entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { performance } from 'node:perf_hooks';
import { mainThreadCpuMs, processCpuMs } from './thread-cpu.js';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/parse.js';
import { encodeCiscoType7 } from '../../src/config/type7.js';
import {
  AUTHENTICATION_FAILED, LOCAL_SCRYPT, MAX_PASSWORD_BYTES, NOT_AUTHORIZED, createLocalAuthenticator, hashClearText, keysEqual,
} from '../../src/aaa/local.js';
import type { Authenticator, AuthOutcome } from '../../src/aaa/types.js';

const T5 = '$1$28772684$iEwNOgGugqO9.bIz5sk8k/'; // "hashcat" (hashcat's -m 500 example)
const T8 = '$8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs'; // "cisco" (Cisco's own example)
const T9 = '$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6'; // "hashcat" (hashcat's -m 9300 example)

function config(lines: string[]): ReturnType<typeof parseConfig> {
  return parseConfig(lines.join('\n'), 'users.cfg');
}

const login = (a: Authenticator, user: string, password: string): Promise<AuthOutcome> =>
  a.authenticate({ user, password, client: '10.0.0.9' });

test('every credential form logs its user in with the right password and no other', async () => {
  const cfg = config([
    'username p0 privilege 15 password 0 pass word',
    `username p7 privilege 15 password 7 ${encodeCiscoType7('seven 7', 5)}`,
    'username s0 privilege 15 secret 0 s3cret',
    'username sx privilege 15 secret plain',
    'username alg privilege 15 algorithm-type scrypt secret typed',
    `username s5 privilege 15 secret 5 ${T5}`,
    `username s8 privilege 15 secret 8 ${T8}`,
    `username s9 privilege 15 secret 9 ${T9}`,
  ]);
  const auth = await createLocalAuthenticator(cfg);
  const right: [string, string][] = [
    ['p0', 'pass word'], ['p7', 'seven 7'], ['s0', 's3cret'], ['sx', 'plain'], ['alg', 'typed'],
    ['s5', 'hashcat'], ['s8', 'cisco'], ['s9', 'hashcat'],
  ];
  for (const [user, pw] of right) {
    assert.deepEqual(await login(auth, user, pw), { kind: 'accept', user, privilege: 15, entries: [] }, user);
    assert.deepEqual(await login(auth, user, pw + ' '), { kind: 'reject', reason: AUTHENTICATION_FAILED }, user);
    assert.deepEqual(await login(auth, user.toUpperCase(), pw), { kind: 'reject', reason: AUTHENTICATION_FAILED }, user);
  }
});

test('clear text is hashed with scrypt at load (checked against Python hashlib) and its holder in the config emptied', async () => {
  const hashed = await hashClearText('pass wörd');
  assert.equal(hashed.kind, 'scrypt');
  assert.deepEqual([hashed.N, hashed.r, hashed.p, hashed.salt.length, hashed.hash.length],
    [LOCAL_SCRYPT.N, LOCAL_SCRYPT.r, LOCAL_SCRYPT.p, LOCAL_SCRYPT.saltBytes, LOCAL_SCRYPT.keyBytes]);
  const py = spawnSync('python3', ['-c', 'import hashlib,sys;s=bytes.fromhex(sys.argv[1]);'
    + 'print(hashlib.scrypt("pass wörd".encode(),salt=s,n=16384,r=8,p=1,maxmem=64*1024*1024,dklen=32).hex())',
  hashed.salt.toString('hex')], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(hashed.hash.toString('hex'), py.stdout.trim());

  const cfg = config(['username a privilege 15 password 0 pass wörd', 'username b privilege 15 secret 0 other']);
  assert.equal(cfg.users[0]!.clearText!.taken, false);
  const auth = await createLocalAuthenticator(cfg);
  for (const u of cfg.users) assert.equal(u.clearText!.taken, true);
  // A second authenticator from the same parsed config gets the hashes made the first time.
  const again = await createLocalAuthenticator(cfg);
  assert.equal((await login(again, 'a', 'pass wörd')).kind, 'accept');
  assert.equal((await login(auth, 'b', 'other')).kind, 'accept');
});

test('a password is in no retained object: config and authenticator show none, the heap holds none after a login', async () => {
  // A password made at run time and held by the test only as bytes, so that no string of the
  // test's own holds it when the heap is searched.
  const secretBytes = randomBytes(9);
  const password = (): string => `pw-${secretBytes.toString('hex')}`;
  const user = `user-${randomBytes(4).toString('hex')}`;
  let cfg: ReturnType<typeof parseConfig> | undefined = config([`username ${user} privilege 15 password 0 ${password()}`]);
  const auth = await createLocalAuthenticator(cfg);
  const shown = [
    inspect(cfg, { depth: Infinity, showHidden: true }), JSON.stringify(cfg.users), String(cfg.users[0]!.clearText),
    inspect(auth, { depth: Infinity, showHidden: true }),
  ];
  for (const s of shown) assert.ok(!s.includes(password()), s);
  const outcome = await login(auth, user, password());
  assert.equal(outcome.kind, 'accept');
  assert.ok(!JSON.stringify(outcome).includes(password()));
  cfg = undefined;
  // The heap: after a full collection no string holds the password (the config text, its
  // tokens and the login's copy are garbage by now; the authenticator keeps only the hash).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-heap-'));
  try {
    const snapshot = readFileSync(writeHeapSnapshot(join(dir, 'h.heapsnapshot')), 'utf8');
    assert.ok(snapshot.includes(user), 'the snapshot holds the strings of the heap (the user name is one)');
    assert.ok(!snapshot.includes(password()), 'no string of the heap holds the password');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal((await login(auth, user, password())).kind, 'accept', 'the authenticator still checks it');
});

test('the key comparison takes the same time wherever the keys differ (timingSafeEqual, not an early exit)', () => {
  const a = randomBytes(1 << 20);
  const first = Buffer.from(a);
  first[0]! ^= 1;
  const last = Buffer.from(a);
  last[last.length - 1]! ^= 1;
  assert.equal(keysEqual(a, Buffer.from(a)), true);
  assert.equal(keysEqual(a, first), false);
  assert.equal(keysEqual(a, last), false);
  assert.equal(keysEqual(a, a.subarray(1)), false, 'different lengths: false, not a throw');
  const time = (b: Buffer): number => {
    const t: number[] = [];
    for (let i = 0; i < 60; i++) {
      const s = process.hrtime.bigint();
      keysEqual(a, b);
      t.push(Number(process.hrtime.bigint() - s));
    }
    return t.sort((x, y) => x - y)[30]!;
  };
  time(first);
  const tFirst = time(first);
  const tLast = time(last);
  // An early-exit compare (Buffer.equals) is hundreds of times faster when the first byte differs.
  assert.ok(tFirst > tLast / 4, `first byte differs: ${tFirst} ns, last byte differs: ${tLast} ns`);
});

test('unknown user, wrong password and over-long password: the same reject after the same work', async () => {
  const cfg = config([
    'username clear privilege 15 password 0 right',
    `username five privilege 15 secret 5 ${T5}`,
    `username nine privilege 15 secret 9 ${T9}`,
  ]);
  const auth = await createLocalAuthenticator(cfg);
  const attempts: [string, string, string][] = [
    ['unknown', 'nobody', 'right'], ['wrong (clear)', 'clear', 'wrong'], ['wrong (type 5)', 'five', 'wrong'],
    ['wrong (type 9)', 'nine', 'wrong'], ['over-long', 'clear', 'x'.repeat(MAX_PASSWORD_BYTES + 1)],
  ];
  // Rounds of one attempt of each kind, so that the machine's other load falls on all alike.
  const times: number[][] = attempts.map(() => []);
  for (let round = 0; round < 9; round++) {
    for (let k = 0; k < attempts.length; k++) {
      const [what, user, pw] = attempts[k]!;
      const t = performance.now();
      const r = await login(auth, user, pw);
      times[k]!.push(performance.now() - t);
      assert.deepEqual(r, { kind: 'reject', reason: AUTHENTICATION_FAILED }, what);
    }
  }
  // The fastest of each kind: a shared machine's load only ever adds time, so the minimum is
  // closest to the work itself.
  const fastest = times.map((t) => Math.min(...t));
  const lo = Math.min(...fastest);
  const hi = Math.max(...fastest);
  const shown = `fastest ${fastest.map((m) => m.toFixed(1)).join(', ')} ms (${attempts.map((a) => a[0]).join(', ')})`;
  // Every attempt runs one load-time scrypt (tens of milliseconds), whatever the user; an early
  // answer for an unknown user or an over-long password would take well under a millisecond,
  // a ratio of a hundred and more. The bound leaves room for a loaded machine (3.4× was seen
  // with a load average of 12 on two cores), not for that.
  assert.ok(lo > 5, shown);
  assert.ok(hi < lo * 10, shown);
});

test('hashing at load and checking at login leave the main thread free (the thread pool does the work)', async () => {
  const lines = Array.from({ length: 8 }, (_, i) => `username u${i} privilege 15 secret 0 pw${i}`);
  const cfg = config(lines);
  const main0 = mainThreadCpuMs();
  const all0 = processCpuMs();
  const auth = await createLocalAuthenticator(cfg);
  const results = await Promise.all(lines.map((_, i) => login(auth, `u${i}`, `pw${i}`)));
  const main = mainThreadCpuMs() - main0;
  const all = processCpuMs() - all0;
  assert.ok(results.every((r) => r.kind === 'accept'));
  // 16 scrypt runs are hundreds of milliseconds of CPU; on the main thread they would be its time.
  assert.ok(all > 100, `16 scrypt runs took ${all.toFixed(0)} ms of CPU`);
  assert.ok(main < all / 4, `main thread ${main} ms of the process's ${all.toFixed(0)} ms of CPU`);
});

test('authorization: priv-lvl from the attribute list, else the user\'s privilege; 15 or "not authorized"; entries in N order', async () => {
  const cfg = config([
    'aaa attribute list web',
    ' attribute type proxyacl#3 "permit udp any any eq 53"',
    ' attribute type proxyacl#1 "permit tcp any any eq www"',
    ' attribute type priv-lvl 15',
    'aaa attribute list low',
    ' attribute type priv-lvl 1',
    ' attribute type proxyacl#1 "permit ip any any"',
    'aaa attribute list entries-only',
    ' attribute type proxyacl#1 "permit tcp any any eq 443"',
    'username admin privilege 15 secret 0 pw',
    'username plain secret 0 pw',
    'username listed secret 0 pw',
    'username listed aaa attribute list web',
    'username lowered privilege 15 secret 0 pw',
    'username lowered aaa attribute list low',
    'username fifteen privilege 15 secret 0 pw',
    'username fifteen aaa attribute list entries-only',
    'username one secret 0 pw',
    'username one aaa attribute list entries-only',
    'username open privilege 15 nopassword',
  ]);
  const auth = await createLocalAuthenticator(cfg);
  assert.deepEqual(await login(auth, 'admin', 'pw'), { kind: 'accept', user: 'admin', privilege: 15, entries: [] });
  assert.deepEqual(await login(auth, 'plain', 'pw'), { kind: 'reject', reason: NOT_AUTHORIZED });
  assert.deepEqual(await login(auth, 'listed', 'pw'), {
    kind: 'accept', user: 'listed', privilege: 15,
    entries: [{ n: 1, text: 'permit tcp any any eq www' }, { n: 3, text: 'permit udp any any eq 53' }],
  });
  assert.deepEqual(await login(auth, 'lowered', 'pw'), { kind: 'reject', reason: NOT_AUTHORIZED });
  assert.deepEqual(await login(auth, 'fifteen', 'pw'), {
    kind: 'accept', user: 'fifteen', privilege: 15, entries: [{ n: 1, text: 'permit tcp any any eq 443' }],
  });
  assert.deepEqual(await login(auth, 'one', 'pw'), { kind: 'reject', reason: NOT_AUTHORIZED });
  // Not authorized only after the right password: a wrong one is the plain failure.
  assert.deepEqual(await login(auth, 'plain', 'wrong'), { kind: 'reject', reason: AUTHENTICATION_FAILED });
  // nopassword (warned at parse): any password, as IOS.
  assert.equal((await login(auth, 'open', 'anything')).kind, 'accept');
});
