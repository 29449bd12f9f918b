/**
 * The watch list table: failed logins counted per host, listing at `max-login-attempts` (only
 * when enabled), expiry (`expiry-time`, 0 = never), manual entries, `clear`, and its bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WatchList, FAILURE_ALREADY_LISTED, FAILURE_COUNTED, FAILURE_LIMIT_UNLISTED, FAILURE_LISTED, FAILURE_TABLE_FULL,
  WATCH_KIND_MANUAL, WATCH_KIND_MAX_ATTEMPTS, WATCH_REMOVE_CLEAR, WATCH_REMOVE_EXPIRED,
} from '../../src/authproxy/watch-list.js';

const MIN = 60_000;
const host = (n: number): Uint32Array => new Uint32Array([0, 0, 0xffff, (0x0a010000 + n) >>> 0]);

test('a host is listed at max-login-attempts failures and stays listed for expiry-time', () => {
  const wl = new WatchList({ enabled: true, expiryMs: 30 * MIN, maxLoginAttempts: 3 });
  const a = host(5);
  assert.equal(wl.recordFailure(a, 0), FAILURE_COUNTED);
  assert.equal(wl.recordFailure(a, 1000), FAILURE_COUNTED);
  assert.equal(wl.isListed(a, 1000), false);
  assert.equal(wl.recordFailure(a, 2000), FAILURE_LISTED);
  assert.equal(wl.isListed(a, 2000), true);
  assert.equal(wl.isListed(host(6), 2000), false);
  assert.equal(wl.recordFailure(a, 3000), FAILURE_ALREADY_LISTED);
  assert.equal(wl.kind[wl.lookup(a)], WATCH_KIND_MAX_ATTEMPTS);
  assert.equal(wl.failures[wl.lookup(a)], 3);
  assert.equal(wl.isListed(a, 2000 + 30 * MIN - 1), true);
  assert.equal(wl.isListed(a, 2000 + 30 * MIN), false, 'expired even before expire() runs');
  const removed: [number, number][] = [];
  assert.ok(wl.nextDeadline() <= 2000 + 30 * MIN, 'early, never late');
  assert.equal(wl.expire(2000 + 30 * MIN, (slot, reason) => removed.push([slot, reason])), 1);
  assert.deepEqual(removed.map((r) => r[1]), [WATCH_REMOVE_EXPIRED]);
  assert.equal(wl.count, 0);
  assert.equal(wl.recordFailure(a, 2000 + 30 * MIN), FAILURE_COUNTED, 'counting starts afresh');
});

test('a success forgets the failures; failures older than expiry-time are forgotten', () => {
  const wl = new WatchList({ enabled: true, expiryMs: 10 * MIN, maxLoginAttempts: 2 });
  const a = host(5);
  wl.recordFailure(a, 0);
  wl.forgetFailures(a);
  assert.equal(wl.failuresOf(a), 0);
  assert.equal(wl.recordFailure(a, 1), FAILURE_COUNTED);
  assert.equal(wl.recordFailure(a, 1 + 10 * MIN), FAILURE_COUNTED, 'the first failure is out of the window');
  assert.equal(wl.recordFailure(a, 2 + 10 * MIN), FAILURE_LISTED);
});

test('watch list off (the IOS default): nobody is listed, the count starts again at the limit', () => {
  const wl = new WatchList({ enabled: false, expiryMs: 30 * MIN, maxLoginAttempts: 2 });
  const a = host(5);
  assert.equal(wl.recordFailure(a, 0), FAILURE_COUNTED);
  assert.equal(wl.recordFailure(a, 1), FAILURE_LIMIT_UNLISTED);
  assert.equal(wl.failuresOf(a), 0);
  assert.equal(wl.isListed(a, 2), false);
  wl.addManual(host(7), 0);
  assert.equal(wl.isListed(host(7), 2), false, 'manual entries are kept but not enforced while the list is off');
});

test('expiry-time 0 keeps listed hosts until cleared; manual entries never expire', () => {
  const wl = new WatchList({ enabled: true, expiryMs: 0, maxLoginAttempts: 1 });
  const a = host(5);
  assert.equal(wl.recordFailure(a, 0), FAILURE_LISTED);
  assert.equal(wl.addManual(host(9), 0) >= 0, true);
  assert.equal(wl.kind[wl.lookup(host(9))], WATCH_KIND_MANUAL);
  assert.equal(wl.nextDeadline(), Infinity);
  assert.equal(wl.isListed(a, 1e12), true);
  const reasons: number[] = [];
  assert.equal(wl.clear(a, 5, (_s, r) => reasons.push(r)), 1);
  assert.equal(wl.isListed(a, 5), false);
  assert.equal(wl.clear(null, 5, (_s, r) => reasons.push(r)), 1);
  assert.deepEqual(reasons, [WATCH_REMOVE_CLEAR, WATCH_REMOVE_CLEAR]);
  assert.equal(wl.listedCount, 0);
});

test('bounded: a full table evicts counting records, never listed ones', () => {
  const wl = new WatchList({ enabled: true, expiryMs: 30 * MIN, maxLoginAttempts: 1 }, 4);
  for (let i = 0; i < 4; i++) assert.equal(wl.recordFailure(host(i), i), FAILURE_LISTED);
  assert.equal(wl.recordFailure(host(50), 10), FAILURE_TABLE_FULL);
  assert.equal(wl.full, 1);
  for (let i = 0; i < 4; i++) assert.equal(wl.isListed(host(i), 10), true);
  const wl2 = new WatchList({ enabled: true, expiryMs: 30 * MIN, maxLoginAttempts: 5 }, 4);
  for (let i = 0; i < 1000; i++) wl2.recordFailure(host(i), i);
  assert.equal(wl2.count, 4);
  assert.equal(wl2.failuresOf(host(999)), 1, 'the newest host is counted');
});
