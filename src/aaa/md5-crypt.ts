/**
 * md5-crypt (`$1$SALT$HASH`, IOS's `secret 5`): Poul-Henning Kamp's FreeBSD MD5 crypt — 1,000
 * rounds of MD5 over password and salt (at most 8 characters), the 16-byte digest written as 22
 * characters of crypt's base64 (`./0-9A-Za-z`, 24-bit groups least significant first, in the
 * algorithm's own byte order).
 *
 * A thousand MD5s take a few milliseconds, and node:crypto has no asynchronous MD5, so the
 * authenticator computes it in a worker thread ({@link md5CryptOffThread}) rather than on the
 * thread that moves packets. One implementation serves both: {@link md5CryptWith} uses nothing
 * from outside its own body, and its source text is the worker's code.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

type CreateHash = typeof createHash;

/**
 * md5-crypt of `password` with `salt` (its first 8 characters; no `$`): the 22 characters after
 * `$1$SALT$`. Self-contained — it is also run from its source text in the worker.
 */
export function md5CryptWith(hashFactory: CreateHash, password: Uint8Array, salt: string): string {
  const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const to64 = (v: number, n: number): string => {
    let out = '';
    for (; n > 0; n--, v >>>= 6) out += ALPHABET[v & 0x3f];
    return out;
  };
  const s = Buffer.from(salt.slice(0, 8), 'latin1');
  const magic = Buffer.from('$1$', 'latin1');
  const alt = hashFactory('md5').update(password).update(s).update(password).digest();
  const ctx = hashFactory('md5').update(password).update(magic).update(s);
  for (let left = password.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(16, left)));
  const zero = Buffer.alloc(1);
  const first = password.subarray(0, 1);
  for (let i = password.length; i !== 0; i >>>= 1) ctx.update((i & 1) !== 0 ? zero : first);
  let fin = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = hashFactory('md5');
    if ((i & 1) !== 0) c.update(password); else c.update(fin);
    if (i % 3 !== 0) c.update(s);
    if (i % 7 !== 0) c.update(password);
    if ((i & 1) !== 0) c.update(fin); else c.update(password);
    fin = c.digest();
  }
  const f = fin;
  return to64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4)
    + to64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4)
    + to64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4)
    + to64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4)
    + to64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4)
    + to64(f[11]!, 2);
}

/** md5-crypt on the calling thread (tests, tools). */
export function md5Crypt(password: Uint8Array, salt: string): string {
  return md5CryptWith(createHash, password, salt);
}

/** The worker's code: {@link md5CryptWith} from its source, answering `{id, password, salt}` messages. */
const WORKER_SOURCE = `'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const md5CryptWith = (${md5CryptWith.toString()});
parentPort.on('message', (m) => {
  const hash = md5CryptWith(createHash, m.password, m.salt);
  m.password.fill(0);
  parentPort.postMessage({ id: m.id, hash });
});
`;

/** The one worker (made on first use, holding the process open only while it owes answers) and those answers. */
let worker: Worker | null = null;
let nextId = 0;
const waiting = new Map<number, { resolve: (hash: string) => void; reject: (e: Error) => void }>();

function theWorker(): Worker {
  if (worker !== null) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.unref();
  w.on('message', (m: { id: number; hash: string }) => {
    const p = waiting.get(m.id);
    waiting.delete(m.id);
    if (waiting.size === 0) w.unref();
    p?.resolve(m.hash);
  });
  const fail = (e: Error): void => {
    if (worker === w) worker = null;
    for (const p of waiting.values()) p.reject(e);
    waiting.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`md5-crypt worker exited (${code})`)));
  worker = w;
  return w;
}

/**
 * md5-crypt in the worker thread. The password is copied into the message (and wiped there
 * after use); the caller wipes its own copy.
 */
export function md5CryptOffThread(password: Uint8Array, salt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const copy = new Uint8Array(password);
    waiting.set(id, { resolve, reject });
    const w = theWorker();
    // Held open while it owes an answer, so that a process with nothing else to do waits for it.
    w.ref();
    w.postMessage({ id, password: copy, salt }, [copy.buffer]);
  });
}
