import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PacketMeta } from '../../src/wire/packet.js';
import { TcpConnections } from '../../src/tcp/connections.js';
import { TCP_STATE_CLOSED, TCP_STATE_ESTABLISHED } from '../../src/tcp/constants.js';

/** A segment's meta with just the 4-tuple set (client = source). */
function tuple(meta: PacketMeta, client: number, cport: number, server = 0x0a000001, sport = 80, v6 = false): PacketMeta {
  meta.ipVersion = v6 ? 6 : 4;
  meta.srcAddr.set(v6 ? [0x20010db8, 0, 0, client] : [0, 0, 0xffff, client]);
  meta.dstAddr.set(v6 ? [0x20010db8, 0, 0, server] : [0, 0, 0xffff, server]);
  meta.srcPort = cport;
  meta.dstPort = sport;
  return meta;
}

test('connections: slots are handed out lowest first, found by 4-tuple, and reused after release', () => {
  const cs = new TcpConnections(3);
  const m = new PacketMeta();
  assert.equal(cs.find(tuple(m, 1, 1000)), -1);
  assert.equal(cs.allocate(tuple(m, 1, 1000)), 0);
  assert.equal(cs.allocate(tuple(m, 1, 1001)), 1);
  assert.equal(cs.allocate(tuple(m, 1, 1000, 0x0a000001, 80, true)), 2, 'same numbers, IPv6: another connection');
  assert.equal(cs.hasFree(), false);
  assert.equal(cs.find(tuple(m, 1, 1001)), 1);
  assert.equal(cs.find(tuple(m, 1, 1000, 0x0a000001, 80, true)), 2);
  assert.equal(cs.find(tuple(m, 1, 1000, 0x0a000002)), -1, 'other server');
  assert.equal(cs.find(tuple(m, 1, 1000, 0x0a000001, 81)), -1, 'other server port');
  cs.state[1] = TCP_STATE_ESTABLISHED;
  const gen = cs.generation[1]!;
  cs.release(1);
  assert.equal(cs.state[1], TCP_STATE_CLOSED);
  assert.equal(cs.generation[1], gen + 1);
  assert.equal(cs.find(tuple(m, 1, 1001)), -1);
  assert.equal(cs.activeCount, 2);
  assert.deepEqual(Array.from(cs.active.subarray(0, 2)).sort(), [0, 2]);
  assert.equal(cs.allocate(tuple(m, 7, 7)), 1);
  assert.equal(cs.find(tuple(m, 7, 7)), 1);
});

test('property: the connection table finds exactly the open 4-tuples through any order of opens and releases', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 400 }), (ops) => {
    const cap = 24;
    const cs = new TcpConnections(cap);
    const m = new PacketMeta();
    const open = new Map<number, number>();
    for (const [doOpen, key] of ops) {
      if (doOpen && !open.has(key) && cs.hasFree()) {
        open.set(key, cs.allocate(tuple(m, key & 3, 1000 + key)));
      } else if (!doOpen && open.has(key)) {
        cs.release(open.get(key)!);
        open.delete(key);
      }
      for (let k = 0; k <= 40; k++) assert.equal(cs.find(tuple(m, k & 3, 1000 + k)), open.get(k) ?? -1);
    }
    assert.equal(cs.activeCount, open.size);
  }), { numRuns: 200 });
});

test('connections: 200,000 opens and releases in random order leave the lookup as short as a fresh table', () => {
  const cap = 1024;
  const cs = new TcpConnections(cap);
  const m = new PacketMeta();
  const live: number[] = [];
  const keyOf = new Int32Array(cap);
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  let longest = 0;
  for (let i = 0; i < 200_000; i++) {
    if (live.length < 600 || (live.length < cap && (rnd() & 1) === 0)) {
      const key = rnd() & 0xffffff;
      tuple(m, key >>> 8, 1024 + (key & 0xff));
      if (cs.find(m) >= 0) continue;
      const c = cs.allocate(m);
      keyOf[c] = key;
      live.push(c);
    } else {
      const j = rnd() % live.length;
      const c = live[j]!;
      live[j] = live[live.length - 1]!;
      live.pop();
      cs.release(c);
    }
    if ((i & 4095) === 0) longest = Math.max(longest, cs.longestProbe());
  }
  for (const c of live) assert.equal(cs.find(tuple(m, keyOf[c]! >>> 8, 1024 + (keyOf[c]! & 0xff))), c);
  // 2,048 cells at most half full: a fresh table's longest run is a few dozen cells at worst.
  assert.ok(longest <= 64, `longest probe ${longest}`);
});
