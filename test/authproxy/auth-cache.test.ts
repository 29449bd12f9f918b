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

for (const initial of [16, 1]) test(`model check: random create/remove/touch/expire agree with a Map (room for ${initial} at first)`, () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 50 })), { maxLength: 300 }),
    (ops) => {
      const c = new AuthCache(16, initial);
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

test('growing keeps every entry: address, fields, user, timers, generation; then the cache is full at capacity', () => {
  const c = new AuthCache(40, 3);
  const slots: number[] = [];
  for (let h = 0; h < 20; h++) {
    const s = c.create(v4(0x0a000000 + h), 1000 + h, h % 3, 50_000 + h, 100 + h);
    assert.ok(s >= 0);
    c.setUser(s, `user${h}`);
    c.aclList[s] = h;
    c.octetsIn[s] = h * 10;
    slots.push(s);
    if (h % 4 === 0) { c.remove(s); slots[h] = -1; } // freed slots are reused, generations bumped
  }
  for (let h = 0; h < 20; h++) {
    const s = c.lookup(v4(0x0a000000 + h));
    if (slots[h] === -1) { assert.equal(s, -1); continue; }
    assert.equal(s, slots[h]);
    assert.equal(c.clientPort[s], 1000 + h);
    assert.equal(c.ifIndex[s], h % 3);
    assert.equal(c.createdMs[s], 100 + h);
    assert.equal(c.inactivityMs[s], 50_000 + h);
    assert.equal(c.aclList[s], h);
    assert.equal(c.octetsIn[s], h * 10);
    assert.equal(c.userOf(s), `user${h}`);
  }
  let visited = 0;
  c.forEach(() => visited++);
  assert.equal(visited, c.count);
  assert.equal(c.count, 15);
  // Fill up to the capacity: the 41st host is refused.
  for (let h = 100; c.count < 40; h++) assert.ok(c.create(v4(0x0b000000 + h), 1, 0, 1_000_000, 200) >= 0);
  assert.equal(c.create(v4(0x0c000000), 1, 0, 1000, 300), -1);
  // Every timer armed before and after growing still fires: all entries expire by their idle time.
  const expired: number[] = [];
  assert.equal(c.expire(60_000, (slot) => expired.push(slot)), 15);
  assert.equal(c.expire(2_000_000, null), 25);
  assert.equal(c.count, 0);
});

test('a reused slot does not answer the previous host\'s user name', () => {
  const c = new AuthCache(4);
  const a = c.create(v4(0x0a000001), 1000, 0, 60_000, 0);
  c.setUser(a, 'alice');
  assert.equal(c.userOf(a), 'alice');
  c.remove(a);
  const b = c.create(v4(0x0a000002), 1001, 0, 60_000, 0);
  assert.equal(b, a, 'the freed slot is reused');
  assert.equal(c.userOf(b), undefined);
  // Expiry frees slots too.
  c.setUser(b, 'bob');
  assert.equal(c.expire(60_000, null), 1);
  const d = c.create(v4(0x0a000003), 1002, 0, 60_000, 60_000);
  assert.equal(d, b);
  assert.equal(c.userOf(d), undefined);
});

test('regression: churn of hosts in random order never fills the index (lookups of unknown hosts ended in an endless loop)', () => {
  // 1,000 live hosts and 1.75 M create/remove cycles in random order: removal used to leave
  // tombstones that only growth cleared, until no empty cell was left and a lookup of an unknown
  // address, on the packet path, never returned (with the old index, after 16,287 of these
  // cycles). The longest probe is checked as the churn goes, so the test fails on a count
  // rather than hanging.
  const c = new AuthCache();
  let s = 0x2545f491;
  const rand = (): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
  const live: number[] = [];
  const words = new Uint32Array([0, 0, 0xffff, 0]);
  const probe = new Uint32Array([0, 0, 0xffff, 0]);
  let next = 0x0a000000;
  for (let i = 0; i < 1000; i++) {
    words[3] = next++;
    live.push(c.create(words, 1000, 1, 60_000, 0));
  }
  for (let cycle = 0; cycle < 1_750_000; cycle++) {
    const j = rand() % live.length;
    c.remove(live[j]!);
    // Random fresh addresses across the whole 10.0.0.0/8 (never one that is live).
    words[3] = 0x0a000000 | (Math.imul(next++, 0x9e3779b1) & 0xffffff);
    if (c.lookup(words) >= 0) { cycle--; continue; }
    live[j] = c.create(words, 1000, 1, 60_000, cycle);
    if ((cycle & 0x3fff) === 0) {
      assert.ok(c.longestProbe() <= 64, `longest probe ${c.longestProbe()} after ${cycle} cycles`);
      probe[3] = 0xc0000200 + (cycle & 0xff); // 192.0.2.x: never created
      assert.equal(c.lookup(probe), -1);
    }
  }
  assert.equal(c.count, 1000);
  assert.ok(c.longestProbe() <= 64);
  probe[3] = 0xc0000201;
  assert.equal(c.lookup(probe), -1);
  for (const slot of live) {
    const b = slot * 4;
    assert.equal(c.lookup(c.addr.subarray(b, b + 4)), slot);
  }
});
