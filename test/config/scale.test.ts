import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { descendingListConfig, manyListsConfig, usersConfig } from '../../bench/config-scale.js';

type ArrayMethod = 'findIndex' | 'find' | 'some' | 'every' | 'filter' | 'indexOf' | 'includes' | 'splice' | 'unshift';
const SCANS: readonly ArrayMethod[] = ['findIndex', 'find', 'some', 'every', 'filter', 'indexOf', 'includes'];

/**
 * Runs `fn` counting the array elements that scans and shifts touch: the length of the array for
 * each findIndex/find/some/every/filter/indexOf/includes (an upper bound), the elements moved by
 * each splice/unshift. A load whose count grows faster than its input is quadratic, whatever the
 * machine's speed.
 */
function countArrayWork(fn: () => void): number {
  const proto = Array.prototype as unknown as Record<ArrayMethod, (...args: unknown[]) => unknown>;
  const saved = new Map<ArrayMethod, (...args: unknown[]) => unknown>();
  let work = 0;
  for (const m of [...SCANS, 'splice', 'unshift'] as const) {
    const orig = proto[m];
    saved.set(m, orig);
    proto[m] = function (this: unknown[], ...args: unknown[]): unknown {
      if (m === 'splice') work += Math.max(0, this.length - Number(args[0] ?? 0));
      else work += this.length;
      return orig.apply(this, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [m, f] of saved) proto[m] = f;
  }
  return work;
}

/** Work of loading `make(n)` (parse and compile), per line of input. */
function workPerLine(make: (n: number) => string, n: number): number {
  const text = make(n);
  const lines = text.split('\n').length;
  return countArrayWork(() => compileAcls(parseConfig(text, 'scale.cfg').acls)) / lines;
}

for (const [what, make, n] of [
  ['username lines', usersConfig, 2_000],
  ['a named list in descending sequence order', descendingListConfig, 2_000],
  ['one-entry named lists', manyListsConfig, 500],
] as const) {
  test(`loading ${what} does array work in proportion to the lines, not to their square`, () => {
    const small = workPerLine(make, n);
    const large = workPerLine(make, n * 4);
    // Linear work has a constant cost per line; the quadratic code grew it with the size
    // (users and the descending list: per line ~1,000 at 2,000 lines and ~4,000 at 8,000).
    assert.ok(large <= small * 1.5 + 1, `per-line work grew from ${small.toFixed(1)} to ${large.toFixed(1)}`);
    assert.ok(large < 64, `per-line work ${large.toFixed(1)}`);
  });
}

test('a list written in descending sequence order comes out ascending, and later lines see that order', () => {
  const cfg = parseConfig([
    'ip access-list extended D',
    ' 30 permit tcp any any eq 30',
    ' 20 permit tcp any any eq 20',
    ' 10 permit tcp any any eq 10',
    ' permit tcp any any eq 40',
    ' no 20',
    ' permit tcp any any eq 50',
    'ip access-list resequence D 100 5',
    'ip access-list extended D',
    ' permit tcp any any eq 60',
  ].join('\n'), 'd.cfg');
  const text = compileAcls(cfg.acls).showIpAccessLists('D');
  assert.deepEqual(text.split('\n').filter((l) => l.trim() !== '').slice(1).map((l) => l.trim()), [
    '100 permit tcp any any eq 10', '105 permit tcp any any eq 30', '110 permit tcp any any eq 40',
    '115 permit tcp any any eq 50', '125 permit tcp any any eq 60',
  ]);
  assert.throws(() => parseConfig('ip access-list extended D\n 20 permit ip any any\n 10 deny ip any any\n 20 deny tcp any any',
    'd.cfg'), /20 is taken/);
});

/** Bytes of the typed arrays reachable from `root` (each counted once). */
function typedArrayBytes(root: unknown): number {
  const seen = new Set<unknown>();
  let bytes = 0;
  const walk = (o: unknown): void => {
    if (o === null || typeof o !== 'object' || seen.has(o)) return;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      bytes += o.byteLength;
      return;
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(root);
  return bytes;
}

test('a compiled one-entry list costs a few kilobytes, not tables sized for a thousand hosts', () => {
  const rt = compileAcls(parseConfig(manyListsConfig(200), 'm.cfg').acls);
  const lists = (rt as unknown as { lists: unknown[] }).lists;
  assert.equal(lists.length, 200);
  // Every list but the first (which holds the per-protocol start table the others share).
  const perList = typedArrayBytes(lists.slice(1)) / 199;
  assert.ok(perList < 2048, `${perList.toFixed(0)} bytes of tables per one-entry list`);
});

test('lists that never held a dynamic entry share one empty host table; the first install gives a list its own', () => {
  const rt = compileAcls(parseConfig(manyListsConfig(3), 'm.cfg').acls);
  const host = Uint32Array.of(0, 0, 0xffff, 0xc0a8010a);
  assert.deepEqual(rt.installDynamic(1, host, [{ n: 1, text: 'permit tcp any any eq www' }]), { ok: true });
  assert.deepEqual([0, 1, 2].map((i) => rt.dynamicHostCount(i)), [0, 1, 0]);
  assert.deepEqual(rt.installDynamic(2, host, [{ n: 1, text: 'permit tcp any any eq 22' }]), { ok: true });
  assert.deepEqual([0, 1, 2].map((i) => rt.dynamicHostCount(i)), [0, 1, 1]);
  assert.equal(rt.removeDynamic(0, host), false);
  assert.equal(rt.removeDynamic(1, host), true);
  assert.deepEqual([0, 1, 2].map((i) => rt.dynamicHostCount(i)), [0, 0, 1]);
});
