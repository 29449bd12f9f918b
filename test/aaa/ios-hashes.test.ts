/**
 * The IOS hash codecs against published vectors and two independent oracles: OpenSSL's
 * `openssl passwd -1` for md5-crypt, Python's hashlib (pbkdf2_hmac, scrypt) with base64 and the
 * alphabet translation done in Python for types 8 and 9.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mainThreadCpuMs, processCpuMs } from './thread-cpu.js';
import {
  CISCO_BASE64, decodeCiscoBase64, derive, encodeCiscoBase64, parseIosSecret, type8Secret, type9Secret,
} from '../../src/aaa/ios-hashes.js';
import { md5Crypt, md5CryptOffThread } from '../../src/aaa/md5-crypt.js';
import type { StoredHash } from '../../src/aaa/ios-hashes.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** True when `password` verifies against `secret` of `type`, the way the authenticator checks. */
async function verifies(type: 5 | 8 | 9, secret: string, password: string): Promise<boolean> {
  const stored = parseIosSecret(type, secret) as StoredHash;
  assert.equal(typeof stored, 'object', `${secret} parses`);
  const key = await derive(stored, utf8(password));
  return key.equals(stored.hash);
}

test('published vectors: type 5, 8 and 9 verify with the right password and not with a wrong one', async () => {
  const cases: [5 | 8 | 9, string, string][] = [
    // Cisco Learning Network, "Cisco routers password types" (username … algorithm-type sha256 secret cisco).
    [8, '$8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs', 'cisco'],
    [8, '$8$mTj4RZG8N9ZDOk$elY/asfm8kD3iDmkBe3hD2r4xcA/0oWS5V3os.O91u.', 'cisco'],
    // hashcat's example hashes: -m 9300 (Cisco-IOS $9$ scrypt) and -m 500 (md5crypt).
    [9, '$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6', 'hashcat'],
    [5, '$1$28772684$iEwNOgGugqO9.bIz5sk8k/', 'hashcat'],
  ];
  for (const [type, secret, password] of cases) {
    assert.equal(await verifies(type, secret, password), true, secret);
    assert.equal(await verifies(type, secret, password + 'x'), false, secret);
    assert.equal(await verifies(type, secret, password.slice(1)), false, secret);
  }
});

test('md5-crypt agrees with openssl passwd -1 (salts of 0 to 8 characters, passwords up to 70 bytes, non-ASCII)', () => {
  const cases: [string, string][] = [
    ['', 'abcdefgh'], ['a', 'x'], ['cisco', ''], ['password', 'saltsalt'], ['Ünïcödé pässwörd', 'Ab.9/z'],
  ];
  for (let i = 0; i < 25; i++) {
    const pw = randomBytes(i * 3).toString('base64').slice(0, i * 3);
    const saltLen = i % 9;
    let salt = '';
    for (const b of randomBytes(saltLen)) salt += CISCO_BASE64[b & 63];
    cases.push([pw, salt]);
  }
  for (const [pw, salt] of cases) {
    const r = spawnSync('openssl', ['passwd', '-1', '-salt', salt, '-stdin'], { input: pw + '\n', encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(`$1$${salt}$${md5Crypt(utf8(pw), salt)}`, r.stdout.trim(), JSON.stringify([pw, salt]));
  }
  // Only the first 8 characters of a longer salt count, as in FreeBSD's and OpenSSL's.
  assert.equal(md5Crypt(utf8('pw'), 'abcdefghXYZ'), md5Crypt(utf8('pw'), 'abcdefgh'));
});

test('md5-crypt off the thread: the worker runs the same code (from its source text), the main thread does not', async () => {
  const cases = Array.from({ length: 100 }, (_, i) => [randomBytes(i % 40).toString('hex'), `s${i}`] as const);
  await md5CryptOffThread(utf8('warm-up'), 'x');
  const main0 = mainThreadCpuMs();
  const all0 = processCpuMs();
  const hashes = await Promise.all(cases.map(([pw, salt]) => md5CryptOffThread(utf8(pw), salt)));
  const main = mainThreadCpuMs() - main0;
  const all = processCpuMs() - all0;
  for (let i = 0; i < cases.length; i++) assert.equal(hashes[i], md5Crypt(utf8(cases[i]![0]), cases[i]![1]));
  // A hundred md5-crypts are some 300 ms of CPU; computed on the main thread, they are its time.
  assert.ok(all > 100, `the hashes took ${all.toFixed(0)} ms of CPU`);
  assert.ok(main < all / 4, `main thread ${main} ms of the process's ${all.toFixed(0)} ms of CPU`);
  const pw = utf8('wiped by the caller, not by the worker');
  await md5CryptOffThread(pw, 'x');
  assert.equal(pw.toString(), 'wiped by the caller, not by the worker', 'the worker gets a copy');
});

test('types 8 and 9 agree with Python hashlib computing PBKDF2-HMAC-SHA256 and scrypt independently', async () => {
  const cases: { pw: string; salt: string }[] = [];
  for (let i = 0; i < 6; i++) {
    let salt = '';
    for (const b of randomBytes(14)) salt += CISCO_BASE64[b & 63];
    cases.push({ pw: i === 0 ? '' : `${randomBytes(i * 5).toString('hex')}-ü`, salt });
  }
  const py = `
import base64, hashlib, json, sys
STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
CIS = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
enc = lambda d: base64.b64encode(d).decode().translate(str.maketrans(STD, CIS)).rstrip('=')
out = []
for c in json.load(sys.stdin):
    pw, salt = c['pw'].encode(), c['salt'].encode()
    out.append(['$8$' + c['salt'] + '$' + enc(hashlib.pbkdf2_hmac('sha256', pw, salt, 20000)),
                '$9$' + c['salt'] + '$' + enc(hashlib.scrypt(pw, salt=salt, n=16384, r=1, p=1, dklen=32))])
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', py], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as [string, string][];
  for (let i = 0; i < cases.length; i++) {
    const { pw, salt } = cases[i]!;
    assert.equal(await type8Secret(utf8(pw), salt), expected[i]![0]);
    assert.equal(await type9Secret(utf8(pw), salt), expected[i]![1]);
    assert.equal(await verifies(8, expected[i]![0], pw), true);
    assert.equal(await verifies(9, expected[i]![1], pw), true);
  }
});

test('Cisco base64: standard base64 in the ./0-9A-Za-z alphabet, canonical text only', () => {
  for (let n = 0; n < 40; n++) {
    const b = randomBytes(n);
    const text = encodeCiscoBase64(b);
    assert.equal(text, b.toString('base64').replace(/=+$/, '').replace(/[A-Za-z0-9+/]/g,
      (c) => CISCO_BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(c)]!));
    assert.deepEqual(decodeCiscoBase64(text), b);
  }
  assert.equal(decodeCiscoBase64('ab+c'), undefined, 'outside the alphabet');
  assert.equal(decodeCiscoBase64('abcde'), undefined, 'impossible length');
  assert.equal(decodeCiscoBase64('..1'), undefined, 'stray bits in the last character');
});

test('malformed secrets are refused with a description that does not quote them', () => {
  const bad: [5 | 8 | 9, string][] = [
    [5, '$1$toolongsalt$iEwNOgGugqO9.bIz5sk8k/'], [5, '$1$28772684$iEwNOgGugqO9.bIz5sk8k'], [5, 'iEwNOgGugqO9.bIz5sk8k/'],
    [8, '$8$dsYGNam3K1SIJ$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs'], [8, '$9$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs'],
    [9, '$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo7'], [9, '$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo'],
  ];
  for (const [type, text] of bad) {
    const r = parseIosSecret(type, text);
    assert.equal(typeof r, 'string', text);
    assert.ok(!(r as string).includes(text.slice(4, 12)), r as string);
  }
});
