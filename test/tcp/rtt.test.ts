import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RttEstimator } from '../../src/tcp/rtt.js';

test('RTT: the first sample sets SRTT = R and RTTVAR = R/2 (RFC 6298 §2.2)', () => {
  const r = new RttEstimator(2, 1000, 200, 60_000);
  r.reset(1);
  assert.equal(r.rtoMs[1], 1000, 'initial RTO before any sample (§2.1)');
  r.sample(1, 300);
  assert.equal(r.srttMs[1], 300);
  assert.equal(r.rttvarMs[1], 150);
  assert.equal(r.rtoMs[1], 300 + 4 * 150);
});

test('RTT: later samples use alpha 1/8 and beta 1/4 (RFC 6298 §2.3)', () => {
  const r = new RttEstimator(1, 1000, 1, 60_000);
  r.reset(0);
  r.sample(0, 100);
  r.sample(0, 200);
  // RTTVAR = 3/4 · 50 + 1/4 · |100 − 200| = 62.5; SRTT = 7/8 · 100 + 1/8 · 200 = 112.5.
  assert.equal(r.rttvarMs[0], 62.5);
  assert.equal(r.srttMs[0], 112.5);
  assert.equal(r.rtoMs[0], 112.5 + 250);
});

test('RTT: the RTO is clamped to [min, max] and the K·RTTVAR term to at least the clock granularity', () => {
  const r = new RttEstimator(1, 1000, 200, 5_000);
  r.reset(0);
  r.sample(0, 1);
  assert.equal(r.rtoMs[0], 200, 'lower bound (§2.4, with the 200 ms deviation)');
  r.reset(0);
  r.sample(0, 0);
  assert.equal(r.srttMs[0], 0);
  r.reset(0);
  r.sample(0, 4_000);
  assert.equal(r.rtoMs[0], 5_000, 'upper bound (§2.5)');
  const g = new RttEstimator(1, 1000, 0, 60_000);
  g.reset(0);
  g.sample(0, 10);
  g.sample(0, 10);
  g.sample(0, 10);
  assert.ok(g.rtoMs[0]! >= g.srttMs[0]! + 1, 'max(G, K·RTTVAR) with G = 1 ms');
});

test('RTT: a measurement runs from start to finish; backoff doubles up to the maximum (§5.5)', () => {
  const r = new RttEstimator(1, 1000, 200, 4_000);
  r.reset(0);
  r.start(0, 12345, 1_000);
  assert.equal(r.timedSeq[0], 12345);
  r.finish(0, 1_400);
  assert.equal(r.srttMs[0], 400);
  const rto = r.rtoMs[0]!;
  r.backoff(0);
  assert.equal(r.rtoMs[0], rto * 2);
  r.backoff(0);
  r.backoff(0);
  assert.equal(r.rtoMs[0], 4_000);
  assert.equal(r.backedOff(0, 3), 4_000);
  r.reset(0);
  assert.equal(r.backedOff(0, 1), 2_000);
});
