import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../../src/wire/seq.js';

test('sequence comparisons wrap around 2^32 (RFC 9293 §3.4)', () => {
  assert.equal(seqLt(0xfffffff0, 0x10), true);
  assert.equal(seqGt(0x10, 0xfffffff0), true);
  assert.equal(seqLt(1, 2), true);
  assert.equal(seqLe(5, 5), true);
  assert.equal(seqGe(5, 5), true);
  assert.equal(seqLt(5, 5), false);
  assert.equal(seqGt(5, 5), false);
  assert.equal(seqDiff(0x10, 0xfffffff0), 0x20);
  assert.equal(seqDiff(0xfffffff0, 0x10), -0x20);
  assert.equal(seqAdd(0xffffffff, 1), 0);
  assert.equal(seqAdd(0, -1), 0xffffffff);
  assert.equal(seqAdd(3715697587, 1159), 3715698746);
});

test('seqAdd/seqDiff are inverse and comparisons agree with the signed distance', () => {
  const u32 = fc.nat(0xffffffff);
  const step = fc.integer({ min: -0x7fffffff, max: 0x7fffffff });
  fc.assert(fc.property(u32, step, (a, n) => {
    const b = seqAdd(a, n);
    assert.ok(b >= 0 && b <= 0xffffffff && Number.isInteger(b));
    assert.equal(seqDiff(b, a), n);
    assert.equal(seqLt(a, b), n > 0);
    assert.equal(seqGt(a, b), n < 0);
    assert.equal(seqLe(a, b), n >= 0);
    assert.equal(seqGe(a, b), n <= 0);
    assert.equal(seqLt(a, b), seqGt(b, a));
  }), { numRuns: 2000 });
});
