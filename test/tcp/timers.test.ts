import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TcpTimers } from '../../src/tcp/timers.js';
import { TIMER_NONE, TIMER_PERSIST, TIMER_RTX } from '../../src/tcp/constants.js';

test('timers: the next deadline is the earliest armed one, rescanned after disarming it', () => {
  const t = new TcpTimers(3);
  const active = Int32Array.of(0, 1, 2);
  assert.equal(t.nextDeadline(active, 0), Infinity, 'no connections');
  assert.equal(t.nextDeadline(active, 3), Infinity, 'nothing armed');
  t.armRtx(0, 500, TIMER_RTX);
  t.armState(1, 300);
  t.armRtx(2, 900, TIMER_PERSIST);
  assert.equal(t.nextDeadline(active, 3), 300);
  t.armState(1, 1_000);
  assert.equal(t.nextDeadline(active, 3), 500, 'moved later: rescanned');
  t.disarmRtx(0);
  assert.equal(t.rtxKind[0], TIMER_NONE);
  assert.equal(t.nextDeadline(active, 3), 900);
  t.clear(2);
  assert.equal(t.nextDeadline(active, 3), 1_000);
});

test('timers: a scan starts only when something is due, and rebuilds the bound from what it visits', () => {
  const t = new TcpTimers(2);
  t.armRtx(0, 100, TIMER_RTX);
  t.armState(1, 200);
  assert.equal(t.beginScan(99), false);
  assert.equal(t.beginScan(100), true);
  t.disarmRtx(0);
  t.note(0);
  t.note(1);
  assert.equal(t.nextDeadline(Int32Array.of(0, 1), 2), 200);
});

test('property: the next deadline is never later than the earliest armed timer', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 10_000 })), { maxLength: 60 }), (ops) => {
    const t = new TcpTimers(4);
    const active = Int32Array.of(0, 1, 2, 3);
    for (const [op, c, at] of ops) {
      if (op === 0) t.armRtx(c, at, TIMER_RTX);
      else if (op === 1) t.disarmRtx(c);
      else if (op === 2) t.armState(c, at);
      else t.clear(c);
      let e = Infinity;
      for (let i = 0; i < 4; i++) e = Math.min(e, t.rtxAt[i]!, t.stateAt[i]!);
      assert.equal(t.nextDeadline(active, 4), e);
    }
  }), { numRuns: 300 });
});
