import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AuthCache } from '../../src/authproxy/auth-cache.js';
import { AP_STATE_INIT, AP_DELETE_IDLE, AP_DELETE_ABSOLUTE } from '../../src/authproxy/states.js';

const v4 = (a: number): Uint32Array => new Uint32Array([0, 0, 0xffff, a >>> 0]);

test('create, lookup and remove hosts', () => {
  const c = new AuthCache(8);
  assert.equal(c.lookup(v4(0x0a000001)), -1);
  const s = c.create(v4(0x0a000001), 3061, 1, 60_000, 1000);
  assert.ok(s >= 0);
  assert.equal(c.lookup(v4(0x0a000001)), s);
  assert.equal(c.state[s], AP_STATE_INIT);
  assert.equal(c.clientPort[s], 3061);
  assert.equal(c.createPort[s], 3061);
  assert.equal(c.count, 1);
  c.remove(s);
  assert.equal(c.lookup(v4(0x0a000001)), -1);
  assert.equal(c.count, 0);
});

test('a full cache refuses new hosts and reuses freed slots', () => {
  const c = new AuthCache(4);
  const slots = [1, 2, 3, 4].map((i) => c.create(v4(i), 1, 0, 1000, 0));
  assert.ok(slots.every((s) => s >= 0));
  assert.equal(c.create(v4(5), 1, 0, 1000, 0), -1);
  c.remove(slots[1]!);
  const again = c.create(v4(5), 1, 0, 1000, 0);
  assert.equal(again, slots[1]);
  assert.notEqual(c.generation[again], 0, 'generation bumped on free');
  for (const i of [1, 3, 4, 5]) assert.ok(c.lookup(v4(i)) >= 0, `host ${i} still found`);
  assert.equal(c.lookup(v4(2)), -1);
});

test('inactivity expiry honours activity; absolute expiry does not', () => {
  const c = new AuthCache(8);
  const a = c.create(v4(1), 1, 0, 10_000, 0);
  const b = c.create(v4(2), 1, 0, 10_000, 0);
  c.setTimers(b, 10_000, 15_000, 0);
  assert.equal(c.nextDeadline(), 10_000);
  c.touch(a, 8_000);
  c.touch(b, 8_000);
  const reasons: [number, number][] = [];
  assert.equal(c.expire(10_000, (slot, reason) => reasons.push([slot, reason])), 0, 'both were active at 8 s');
  assert.ok(c.nextDeadline() <= 18_000);
  c.touch(b, 14_000);
  assert.equal(c.expire(15_000, (slot, reason) => reasons.push([slot, reason])), 1);
  assert.deepEqual(reasons, [[b, AP_DELETE_ABSOLUTE]]);
  assert.equal(c.expire(18_000, (slot, reason) => reasons.push([slot, reason])), 1);
  assert.deepEqual(reasons[1], [a, AP_DELETE_IDLE]);
  assert.equal(c.count, 0);
  assert.equal(c.nextDeadline(), Infinity);
});

test('model check: random create/remove/touch/expire agree with a Map', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 50 })), { maxLength: 300 }),
    (ops) => {
      const c = new AuthCache(16);
      const model = new Map<number, { last: number; idle: number }>();
      let now = 0;
      for (const [op, host, dt] of ops) {
        now += dt;
        const w = v4(host);
        if (op === 0) {
          if (!model.has(host) && model.size < 16) {
            assert.ok(c.create(w, 1, 0, 100, now) >= 0);
            model.set(host, { last: now, idle: 100 });
          }
        } else if (op === 1) {
          const s = c.lookup(w);
          assert.equal(s >= 0, model.has(host));
          if (s >= 0) { c.remove(s); model.delete(host); }
        } else if (op === 2) {
          const s = c.lookup(w);
          if (s >= 0) { c.touch(s, now); model.get(host)!.last = now; }
        } else {
          c.expire(now, null);
          for (const [h, e] of model) if (e.last + e.idle <= now) model.delete(h);
        }
        assert.equal(c.count, model.size);
      }
      for (let h = 0; h <= 40; h++) assert.equal(c.lookup(v4(h)) >= 0, model.has(h));
    }), { numRuns: 300 });
});
