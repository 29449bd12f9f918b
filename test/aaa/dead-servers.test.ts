/**
 * Dead-time and each server's state history as `show aaa servers` prints it: UP from the start,
 * DEAD when marked (counted once while it stays dead), UP again when its dead-time runs out (at
 * that moment) or when it answers, the dead time added up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadServers } from '../../src/aaa/dead-servers.js';

test('dead-servers: UP from the start, DEAD when marked, UP when the dead-time runs out or the server answers; dead time added up', () => {
  const clock = { ms: 1_000 };
  const d = new DeadServers(() => clock.ms);
  clock.ms = 4_000;
  assert.deepEqual(d.state('a'), { dead: false, durationMs: 3_000, previousMs: 0, deadTotalMs: 0, deadCount: 0 });
  assert.equal(d.noAnswer('a', 0), false, 'no dead-time: never marked');
  assert.equal(d.isDead('a'), false);
  assert.equal(d.noAnswer('a', 10_000), true);
  clock.ms = 6_000;
  assert.equal(d.isDead('a'), true);
  // Marked again while dead (a request in flight gave up): the dead-time runs from now, one dead period.
  assert.equal(d.noAnswer('a', 10_000), true);
  assert.deepEqual(d.state('a'), { dead: true, durationMs: 2_000, previousMs: 3_000, deadTotalMs: 2_000, deadCount: 1 });
  clock.ms = 20_000;
  // It ran out at 16 s: UP since then.
  assert.equal(d.isDead('a'), false);
  assert.deepEqual(d.state('a'), { dead: false, durationMs: 4_000, previousMs: 12_000, deadTotalMs: 12_000, deadCount: 1 });
  d.noAnswer('a', 60_000);
  clock.ms = 25_000;
  d.answered('a');
  clock.ms = 27_000;
  assert.deepEqual(d.state('a'), { dead: false, durationMs: 2_000, previousMs: 5_000, deadTotalMs: 17_000, deadCount: 2 });
  // An answer of a server that is UP changes nothing; another server has its own state.
  d.answered('a');
  assert.deepEqual(d.state('a'), { dead: false, durationMs: 2_000, previousMs: 5_000, deadTotalMs: 17_000, deadCount: 2 });
  assert.deepEqual(d.state('b'), { dead: false, durationMs: 26_000, previousMs: 0, deadTotalMs: 0, deadCount: 0 });
});
