import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SendBuffer } from '../../src/tcp/send-buffer.js';

function queued(b: SendBuffer, c: number): number[] {
  const bytes = b.bytes[c]!;
  return Array.from(bytes.subarray(b.head[c]!, b.head[c]! + b.length[c]!));
}

test('send buffer: appends what fits, consumes from the front, keeps the queued bytes contiguous', () => {
  const b = new SendBuffer(2, 8);
  assert.equal(b.bytes[1], null, 'no buffer before the first send');
  assert.equal(b.append(1, Uint8Array.of(1, 2, 3, 4, 5), 0, 5), 5);
  assert.equal(b.append(1, Uint8Array.of(9, 6, 7, 8, 9), 1, 4), 3, 'only the free space is taken');
  assert.deepEqual(queued(b, 1), [1, 2, 3, 4, 5, 6, 7, 8]);
  b.consume(1, 3);
  assert.deepEqual(queued(b, 1), [4, 5, 6, 7, 8]);
  assert.equal(b.head[1], 3);
  // The tail has no room for two more: the queued bytes move to the front first.
  assert.equal(b.append(1, Uint8Array.of(10, 11), 0, 2), 2);
  assert.equal(b.head[1], 0);
  assert.deepEqual(queued(b, 1), [4, 5, 6, 7, 8, 10, 11]);
  b.consume(1, 7);
  assert.equal(b.head[1], 0, 'emptied: back to the front');
  assert.equal(b.length[1], 0);
  assert.equal(b.length[0], 0, 'other slots untouched');
});

test('send buffer: a slot keeps its buffer across connections; clear empties it', () => {
  const b = new SendBuffer(1, 4);
  b.append(0, Uint8Array.of(1, 2), 0, 2);
  const first = b.bytes[0];
  b.discard[0] = 5;
  b.clear(0);
  assert.equal(b.length[0], 0);
  assert.equal(b.discard[0], 0);
  b.append(0, Uint8Array.of(3), 0, 1);
  assert.equal(b.bytes[0], first);
  assert.deepEqual(queued(b, 0), [3]);
});
