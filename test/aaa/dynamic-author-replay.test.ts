/**
 * The answer cache of the RFC 5176 listener (src/aaa/dynamic-author/replay.ts): shared out
 * among the clients, so that one client filling its part is refused alone, and bounded however
 * the clients' requests interleave.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplayCache } from '../../src/aaa/dynamic-author/replay.js';

const ANSWER = Uint8Array.of(41);
const key = (n: number): string => ReplayCache.key(n & 0xff, Uint8Array.of(n >> 8, n & 0xff));

test('a client that fills its part is refused; another client\'s new request is taken; retransmissions still found', () => {
  const c = new ReplayCache(2, 8);
  assert.equal(c.share, 4);
  for (let n = 0; n < 4; n++) {
    assert.equal(c.check('192.0.2.1', key(n), 0).kind, 'new');
    c.remember('192.0.2.1', key(n), ANSWER, 1000);
  }
  assert.equal(c.check('192.0.2.1', key(4), 0).kind, 'full');
  c.remember('192.0.2.1', key(4), ANSWER, 1000);
  assert.equal(c.count, 4, 'nothing kept past the share');
  assert.deepEqual(c.check('192.0.2.1', key(3), 0), { kind: 'duplicate', answer: ANSWER });
  assert.equal(c.check('192.0.2.2', key(0), 0).kind, 'new', 'the same key from another client is another request');
  // When the flood's answers leave the window, the client is taken again.
  assert.equal(c.check('192.0.2.1', key(4), 1000).kind, 'new');
  assert.equal(c.count, 0);
});

test('more clients than answers: each client still has one', () => {
  const c = new ReplayCache(5, 3);
  assert.equal(c.share, 1);
  c.remember('a', key(1), ANSWER, 10);
  assert.equal(c.check('a', key(2), 0).kind, 'full');
  assert.equal(c.check('b', key(2), 0).kind, 'new');
});

test('property: under any interleaving of clients\' requests, at most size answers are kept, and a client under its share is never refused', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 40 }),
    fc.array(fc.tuple(fc.nat(5), fc.nat(60), fc.nat(50)), { maxLength: 300 }),
    (clients, size, requests) => {
      const c = new ReplayCache(clients, size);
      let nowMs = 0;
      for (const [who, n, lifeMs] of requests) {
        nowMs += 1;
        const client = `c${who % clients}`;
        const r = c.check(client, key(n), nowMs);
        if (r.kind === 'full') {
          // Refused only when this client's own part is full.
          let own = 0;
          for (let m = 0; m <= 60; m++) if (c.check(client, key(m), nowMs).kind === 'duplicate') own++;
          assert.equal(own, c.share);
        }
        if (r.kind === 'new') c.remember(client, key(n), ANSWER, nowMs + lifeMs);
        assert.ok(c.count <= Math.max(size, clients), `${c.count} answers kept, size ${size}`);
      }
    },
  ));
});
