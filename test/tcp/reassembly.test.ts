import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketMeta } from '../../src/wire/packet.js';
import { Reassembly } from '../../src/tcp/reassembly.js';
import { TCP_CTR_COUNT, TCP_CTR_OOO_DROPPED, TCP_CTR_OUT_OF_ORDER } from '../../src/tcp/counters.js';

/** A meta whose payload is `bytes` (of which `captured` are present). */
function payload(bytes: number[], captured = bytes.length): PacketMeta {
  const m = new PacketMeta();
  m.buf = Uint8Array.from([0xee, 0xee, ...bytes]);
  m.payloadOffset = 2;
  m.payloadLength = bytes.length;
  m.payloadCaptured = captured;
  return m;
}

function ranges(r: Reassembly, c: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < r.count[c]!; i++) out.push([r.start[c * 4 + i]!, r.end[c * 4 + i]!]);
  return out;
}

test('reassembly: ranges are kept in order and merged; a fifth disjoint range is dropped and counted', () => {
  const ctr = new Float64Array(TCP_CTR_COUNT);
  const r = new Reassembly(2, 64, ctr);
  const nxt = 1000;
  r.store(1, payload([1, 2]), nxt, 10, 2);
  r.store(1, payload([3, 4]), nxt, 2, 2);
  r.store(1, payload([5]), nxt, 20, 1);
  assert.deepEqual(ranges(r, 1), [[1002, 1004], [1010, 1012], [1020, 1021]]);
  r.store(1, payload(new Array(8).fill(9)), nxt, 4, 8);
  assert.deepEqual(ranges(r, 1), [[1002, 1012], [1020, 1021]], 'bridging segment merges two ranges');
  r.store(1, payload([6]), nxt, 30, 1);
  r.store(1, payload([7]), nxt, 40, 1);
  assert.equal(ctr[TCP_CTR_OUT_OF_ORDER], 6);
  r.store(1, payload([8]), nxt, 50, 1);
  assert.equal(ctr[TCP_CTR_OOO_DROPPED], 1);
  assert.equal(r.count[1], 4);
  assert.equal(r.count[0], 0, 'other connections untouched');
});

test('reassembly: ready ranges are taken in order; bytes land in the ring at their offset, wrapping', () => {
  const r = new Reassembly(1, 8, new Float64Array(TCP_CTR_COUNT));
  r.advance(0, 6); // RCV.NXT's byte now sits at ring position 6
  let nxt = 500;
  r.store(0, payload([1, 2, 3]), nxt, 1, 3, /* lands at 7, 0, 1 */);
  const ring = r.ring[0]!;
  assert.deepEqual([ring[7], ring[0], ring[1]], [1, 2, 3]);
  assert.equal(r.takeReady(0, nxt), -1, 'a hole at RCV.NXT');
  nxt += 1; // the missing byte arrived in order
  r.advance(0, 1);
  assert.equal(r.takeReady(0, nxt), 3);
  assert.equal(r.count[0], 0);
  assert.equal(r.takeReady(0, nxt + 3), -1);
});

test('reassembly: a range already covered gives no new bytes; missing captured bytes are zeros', () => {
  const r = new Reassembly(1, 16, new Float64Array(TCP_CTR_COUNT));
  r.store(0, payload([4, 4, 4, 4], 2), 100, 2, 4);
  assert.deepEqual(Array.from(r.ring[0]!.subarray(2, 6)), [4, 4, 0, 0]);
  assert.equal(r.takeReady(0, 110), 0, 'all before RCV.NXT');
  assert.equal(r.count[0], 0);
});
