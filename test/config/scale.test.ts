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
  // Asking for a list's index compiles it (as the engine does for the lists it binds).
  for (let i = 0; i < 200; i++) assert.equal(rt.listIndex(`L${i}`), i);
  const lists = (rt as unknown as { lists: unknown[] }).lists;
  assert.equal(lists.length, 200);
  assert.ok(lists.every((l) => l !== undefined));
  // Every list but the first (which holds the per-protocol start table the others share).
  const perList = typedArrayBytes(lists.slice(1)) / 199;
  assert.ok(perList < 2048, `${perList.toFixed(0)} bytes of tables per one-entry list`);
});

test('lists that never held a dynamic entry share one empty host table; the first install gives a list its own', () => {
  const rt = compileAcls(parseConfig(manyListsConfig(3), 'm.cfg').acls);
  assert.deepEqual(['L0', 'L1', 'L2'].map((n) => rt.listIndex(n)), [0, 1, 2]);
  const host = Uint32Array.of(0, 0, 0xffff, 0xc0a8010a);
  assert.deepEqual(rt.installDynamic(1, host, [{ n: 1, text: 'permit tcp any any eq www' }]), { ok: true });
  assert.deepEqual([0, 1, 2].map((i) => rt.dynamicHostCount(i)), [0, 1, 0]);
  assert.deepEqual(rt.installDynamic(2, host, [{ n: 1, text: 'permit tcp any any eq 22' }]), { ok: true });
  assert.deepEqual([0, 1, 2].map((i) => rt.dynamicHostCount(i)), [0, 1, 1]);
  assert.equal(rt.removeDynamic(0, host), false);
  assert.equal(rt.removeDynamic(1, host), true);
  assert.deepEqual([0, 1, 2].map((i) => rt.dynamicHostCount(i)), [0, 0, 1]);
});

type TypedArrayName = 'Int8Array' | 'Uint8Array' | 'Int16Array' | 'Uint16Array' | 'Int32Array' | 'Uint32Array' |
  'Float64Array';
const TYPED: readonly TypedArrayName[] = ['Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float64Array'];

/**
 * Runs `fn` counting the typed arrays it constructs (each global typed-array constructor is
 * replaced by a counting subclass meanwhile): the compiled tables of a list are typed arrays, so
 * the count says how many lists were compiled and how much the garbage collector has to walk.
 */
function countTypedArrays(fn: () => void): number {
  const g = globalThis as unknown as Record<TypedArrayName, new (...args: unknown[]) => object>;
  const saved = new Map<TypedArrayName, new (...args: unknown[]) => object>();
  let made = 0;
  for (const name of TYPED) {
    const Base = g[name];
    saved.set(name, Base);
    g[name] = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        made++;
      }
    };
  }
  try {
    fn();
  } finally {
    for (const [name, Base] of saved) g[name] = Base;
  }
  return made;
}

test('a list is compiled into its tables only when something needs it: unbound lists cost only their entries', () => {
  const cfg = parseConfig(manyListsConfig(2_000), 'lists.cfg');
  let rt = compileAcls(cfg.acls);
  const atLoad = countTypedArrays(() => { rt = compileAcls(cfg.acls); });
  // Compiled eagerly, each one-entry list made ~35 typed arrays (70,000 here).
  assert.ok(atLoad < 200, `loading 2,000 unbound lists made ${atLoad} typed arrays`);
  // `show` prints an unbound list from its parsed entries, without compiling it.
  const shown = countTypedArrays(() => rt.showIpAccessLists());
  assert.ok(shown < 200, `show made ${shown} typed arrays`);
  // Binding one list (the engine asks for its index) compiles that one only.
  let index = -1;
  const bound = countTypedArrays(() => { index = rt.listIndex('L7'); });
  assert.ok(bound > 0 && bound < 200, `binding one list made ${bound} typed arrays`);
  assert.equal(rt.listName(index), 'L7');
});
