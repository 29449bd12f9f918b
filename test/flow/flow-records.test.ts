/**
 * The flow table's records by slot (flow-records.ts): slots handed out and reused, records moved
 * by growth and backward-shift removal with everything they hold (short keys, memo words,
 * counters, deadlines), and what the control plane reads back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLOW_DIR_ORIGINAL, FLOW_DIR_REPLY, FLOW_INSERT_FULL, FLOW_INSERT_INVALID, FLOW_INVALID, FLOW_OK, FlowTable, FlowTuple,
} from '../../src/flow/flow-table.js';
import { hashFlowMeta } from '../../src/flow/flow-key.js';
import { hashKeyFromSeed } from '../../src/table/keyed-hash.js';
import { PacketMeta, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/packet.js';
import { fillMeta, reverse, type MetaSpec } from './meta-fixtures.js';
import { DNS4, SYN, SYNACK, WEB4 } from './table-fixtures.js';

test('slots are handed out lowest first, freed ones again last freed first, and from 0 after clear', () => {
  const t = new FlowTable({ capacity: 6, earlyDrop: false });
  const spec = (i: number): MetaSpec => ({ ...DNS4, sport: 3000 + i });
  assert.deepEqual([0, 1, 2, 3].map((i) => t.insert(fillMeta(spec(i)), 0, 0)), [0, 1, 2, 3]);
  assert.equal(t.isLive(4), false, 'a slot never handed out is not live');
  assert.equal(t.update(4, FLOW_DIR_ORIGINAL, fillMeta(spec(0)), 0), FLOW_INVALID);
  assert.ok(t.remove(1));
  assert.ok(t.remove(2));
  assert.deepEqual([4, 5, 6, 7].map((i) => t.insert(fillMeta(spec(i)), 0, 0)), [2, 1, 4, 5]);
  assert.equal(t.insert(fillMeta(spec(8)), 0, 0), FLOW_INSERT_FULL);
  const seen: number[] = [];
  t.forEach((s) => seen.push(s));
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  t.clear();
  assert.equal(t.isLive(3), false);
  t.forEach(() => assert.fail('no flow after clear'));
  assert.deepEqual([9, 10].map((i) => t.insert(fillMeta(spec(i)), 0, 0)), [0, 1]);
  assert.equal(t.lookup(fillMeta(spec(0))), -1);
});

test('IPv4 flows survive growth and backward-shift removal with their short keys', () => {
  const t = new FlowTable({ capacity: 5000, hashKey: hashKeyFromSeed(5) });
  const specs: MetaSpec[] = [];
  for (let i = 0; i < 3000; i++) {
    specs.push({ src: `10.1.${i >> 8}.${i & 255}`, dst: '10.2.0.9', proto: i % 3 === 0 ? IPPROTO_UDP : IPPROTO_TCP,
      sport: 1024 + i, dport: 80, flags: SYN });
  }
  const slots = specs.map((s) => t.insert(fillMeta(s), 0, 0));
  for (let i = 0; i < specs.length; i += 2) assert.ok(t.remove(slots[i]!));
  for (let i = 0; i < specs.length; i++) {
    assert.equal(t.lookup(fillMeta(reverse(specs[i]!))), i % 2 === 0 ? -1 : slots[i], `flow ${i}`);
  }
});

test('memo words: zero for a new flow (also in a reused slot), moved with the record by growth and removal', () => {
  const t = new FlowTable({ capacity: 5000, hashKey: hashKeyFromSeed(9) });
  const specs: MetaSpec[] = [];
  for (let i = 0; i < 3000; i++) specs.push({ src: `10.3.${i >> 8}.${i & 255}`, dst: '10.2.0.9', proto: IPPROTO_TCP, sport: 2000 + i, dport: 80, flags: SYN });
  // Each flow gets its memo right after its insert, as the engine sets it; the table then grows
  // from 1,024 positions to 8,192 underneath.
  const slots = specs.map((sp, i) => {
    const slot = t.insert(fillMeta(sp), 0, 0);
    for (let w = 0; w < 3; w++) t.setMemo(slot, w, (i * 3 + w + 1) >>> 0);
    return slot;
  });
  for (let i = 0; i < specs.length; i += 2) assert.ok(t.remove(slots[i]!));
  for (let i = 1; i < specs.length; i += 2) {
    // Read through lookup (the fast position) and, for another slot, through the slot map.
    assert.equal(t.lookup(fillMeta(specs[i]!)), slots[i]);
    assert.deepEqual([0, 1, 2].map((w) => t.memo(slots[i]!, w)), [i * 3 + 1, i * 3 + 2, i * 3 + 3], `flow ${i}`);
    const j = (i + 2) % specs.length;
    assert.equal(t.memo(slots[j]!, 2), j * 3 + 3);
  }
  // A freed slot reads 0, and the flow that reuses it starts with an empty memo.
  assert.equal(t.memo(slots[0]!, 0), 0);
  const reused = t.insert(fillMeta({ ...WEB4, flags: SYN }), 0, 0);
  assert.equal(reused, slots[specs.length - 2]);
  assert.deepEqual([0, 1, 2].map((w) => t.memo(reused, w)), [0, 0, 0]);
  // The memo words are the owner's alone: setting them changes nothing the table reads.
  t.setMemo(reused, 0, 0xffffffff);
  assert.equal(t.lookup(fillMeta({ ...reverse(WEB4), flags: SYNACK })), reused);
  assert.equal(t.update(reused, FLOW_DIR_REPLY, fillMeta({ ...reverse(WEB4), flags: SYNACK }), 1), FLOW_OK);
  assert.equal(t.memo(reused, 0), 0xffffffff);
});

test('readTuple, tags, forEach and ICMP echo flows', () => {
  const t = new FlowTable({ capacity: 8 });
  const ping = { src: '2001:db8::1', dst: '2001:db8::2', proto: IPPROTO_ICMPV6, icmpType: 128, echoId: 4242 };
  const a = t.insert(fillMeta(reverse(WEB4)), 0, 0);
  assert.equal(a, FLOW_INSERT_INVALID, 'no flags: not a SYN');
  const web = t.insert(fillMeta({ ...reverse(WEB4), flags: SYN }), 1, 0);
  const icmp = t.insert(fillMeta(ping), 0, 0);
  assert.equal(t.lookup(fillMeta({ ...reverse(ping), icmpType: 129 })), icmp);
  assert.equal(t.lastDirection, FLOW_DIR_REPLY);
  const tup = new FlowTuple();
  assert.ok(t.readTuple(web, tup));
  assert.deepEqual([...tup.srcAddr], [0, 0, 0xffff, 0xcb007105]);
  assert.deepEqual([...tup.dstAddr], [0, 0, 0xffff, 0xc0a8010a]);
  assert.equal(tup.srcPort, 80);
  assert.equal(tup.dstPort, 40000);
  assert.equal(tup.proto, IPPROTO_TCP);
  assert.ok(t.readTuple(icmp, tup));
  assert.equal(tup.srcPort, 4242);
  assert.equal(tup.proto, IPPROTO_ICMPV6);
  assert.equal(t.readTuple(7, tup), false);
  t.setTag(web, 0xdeadbeef);
  assert.equal(t.tagOf(web), 0xdeadbeef);
  assert.equal(t.tagOf(icmp), 0);
  const seen: number[] = [];
  t.forEach((slot, table) => { seen.push(slot); if (slot === web) table.remove(slot); });
  assert.deepEqual(seen.sort(), [web, icmp].sort());
  assert.equal(t.count, 1);
  assert.ok(!t.isLive(web));
});

test('removal from a probe cluster that wraps around the record array keeps every other flow and its slot', () => {
  // Capacity 4 gives 8 record positions: pick five flows whose home is the last position, so
  // their records wrap around to the front, and remove them in every order of a few patterns.
  const seed = 4242;
  const same: MetaSpec[] = [];
  for (let p = 1; same.length < 4; p++) {
    const spec = { ...DNS4, sport: p };
    if ((hashFlowMeta(fillMeta(spec), hashKeyFromSeed(seed))! & 7) === 7) same.push(spec);
  }
  for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]]) {
    const t = new FlowTable({ capacity: 4, hashKey: hashKeyFromSeed(seed) });
    const slots = same.map((s, i) => t.insert(fillMeta({ ...s, length: 100 + i }), 0, 0));
    assert.deepEqual(slots, [0, 1, 2, 3]);
    const m = new PacketMeta();
    for (const k of order) {
      assert.ok(t.remove(slots[k]!));
      for (let i = 0; i < 4; i++) {
        const live = t.isLive(slots[i]!);
        assert.equal(live, order.indexOf(i) > order.indexOf(k));
        assert.equal(t.lookup(fillMeta(same[i]!, m)), live ? slots[i] : -1, `flow ${i} after removing ${k}`);
        if (!live) continue;
        // The record may have moved: the slot still reaches this flow's own counters.
        assert.equal(t.bytesOf(slots[i]!, FLOW_DIR_ORIGINAL), 100 + i);
        const tup = new FlowTuple();
        assert.ok(t.readTuple(slots[i]!, tup));
        assert.equal(tup.srcPort, same[i]!.sport);
      }
    }
    assert.equal(t.count, 0);
    // Freed slots are handed out again, last freed first.
    assert.equal(t.insert(fillMeta(same[0]!), 0, 0), slots[order[3]!]);
  }
});

test('update through a slot other than the one just looked up, after records moved', () => {
  const seed = 7;
  const same: MetaSpec[] = [];
  for (let p = 1; same.length < 3; p++) {
    const spec = { ...DNS4, sport: p };
    if ((hashFlowMeta(fillMeta(spec), hashKeyFromSeed(seed))! & 7) === 3) same.push(spec);
  }
  const t = new FlowTable({ capacity: 4, hashKey: hashKeyFromSeed(seed) });
  const slots = same.map((s) => t.insert(fillMeta(s), 0, 0));
  assert.ok(t.remove(slots[0]!)); // the other two shift back towards their home
  const m = fillMeta(same[2]!);
  assert.equal(t.lookup(fillMeta(same[1]!)), slots[1]);
  // Update flow 2 by its slot while the table remembers flow 1 as the last one found.
  assert.equal(t.update(slots[2]!, FLOW_DIR_ORIGINAL, m, 10), FLOW_OK);
  assert.equal(t.packetsOf(slots[2]!, FLOW_DIR_ORIGINAL), 2);
  assert.equal(t.packetsOf(slots[1]!, FLOW_DIR_ORIGINAL), 1);
  assert.equal(t.update(slots[0]!, FLOW_DIR_ORIGINAL, m, 10), FLOW_INVALID, 'a freed slot');
  assert.equal(t.deadlineOf(slots[0]!), 0, 'a freed slot reads as zero');
});

test('the table doubles its active positions as it fills, keeping slots, counters and deadlines', () => {
  const n = 3000; // from 1024 active positions to 8192, with removals between the doublings
  const t = new FlowTable({ capacity: 4096, hashKey: hashKeyFromSeed(3) });
  const spec = (i: number): MetaSpec => ({ ...DNS4, src: `10.${i >> 8}.${i & 255}.1`, sport: 1000 + i, length: 40 + (i % 1000) });
  const slots = new Int32Array(n).fill(-1);
  const m = new PacketMeta();
  for (let i = 0; i < n; i++) {
    slots[i] = t.insert(fillMeta(spec(i), m), i & 7, i);
    assert.ok(slots[i]! >= 0);
    if (i % 3 === 2) {
      // Remove an older flow, so doublings meet freed slots and shifted clusters.
      const j = (Math.imul(i, 0x9e3779b1) >>> 0) % i;
      if (slots[j]! >= 0) {
        assert.ok(t.remove(slots[j]!));
        slots[j] = -1;
      }
    }
  }
  let live = 0;
  for (let i = 0; i < n; i++) {
    const found = t.lookup(fillMeta(reverse(spec(i)), m));
    assert.equal(found, slots[i], `flow ${i}`);
    if (found < 0) continue;
    live++;
    assert.equal(t.lastDirection, FLOW_DIR_REPLY);
    assert.equal(t.ingressOf(found), i & 7);
    assert.equal(t.bytesOf(found, FLOW_DIR_ORIGINAL), 40 + (i % 1000));
    assert.equal(t.deadlineOf(found), i + 30_000);
  }
  assert.equal(t.count, live);
  // The wheel still knows every flow: expiry removes exactly the live ones, in deadline order.
  assert.equal(t.expire(30_000 + n / 2 - 1, 1e9), slots.subarray(0, n / 2).filter((s) => s >= 0).length);
  assert.equal(t.expire(30_000 + n, 1e9), slots.subarray(n / 2).filter((s) => s >= 0).length);
  assert.equal(t.count, 0);
  t.clear();
  assert.ok(t.insert(fillMeta(spec(1), m), 0, 0) >= 0, 'usable after clear');
});
