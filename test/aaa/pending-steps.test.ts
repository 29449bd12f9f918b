/**
 * The pending second steps (src/aaa/pending-steps.ts): one user who knows their own password
 * (or a stolen one) cannot push other users' steps out by starting first steps without end —
 * past a few steps of one user, that user's oldest goes, not everybody's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingSteps, PENDING_STEPS_PER_USER } from '../../src/aaa/pending-steps.js';

test('pending steps: a flood of one user\'s first steps evicts only that user\'s oldest steps, never another user\'s', () => {
  const steps = new PendingSteps<{ user: string; expiresMs: number }>(64);
  const alice = steps.add({ user: 'alice', expiresMs: 1000 }, 0);
  const mallory: string[] = [];
  for (let i = 0; i < 1000; i++) mallory.push(steps.add({ user: 'mallory', expiresMs: 1000 }, 0));
  assert.ok(steps.size <= 1 + PENDING_STEPS_PER_USER, `${steps.size} kept`);
  assert.equal(steps.take(mallory[0]!, 'mallory', 1), undefined, 'mallory\'s oldest went');
  assert.ok(steps.take(mallory[mallory.length - 1]!, 'mallory', 1) !== undefined, 'mallory\'s newest stays');
  assert.ok(steps.take(alice, 'alice', 1) !== undefined, 'alice\'s step stays');
  // The table's own bound still holds over many users.
  for (let i = 0; i < 200; i++) steps.add({ user: `u${i}`, expiresMs: 1000 }, 0);
  assert.equal(steps.size, 64);
});
