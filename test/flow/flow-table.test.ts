import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FLOW_CLOSED, FLOW_DIR_ORIGINAL, FLOW_DIR_REPLY, FLOW_INSERT_FULL, FLOW_INSERT_INVALID,
  FLOW_INVALID, FLOW_OK, FlowTable, FlowTuple, type FlowTimeouts,
} from '../../src/flow/flow-table.js';
import { InvalidOptionError } from '../../src/errors.js';
import { hashFlowMeta } from '../../src/flow/flow-key.js';
import { hashKeyFromSeed } from '../../src/table/keyed-hash.js';
import {
  TCP_CT_CLOSED, TCP_CT_ESTABLISHED, TCP_CT_INVALID, TCP_CT_NONE, TCP_CT_SYN_RECEIVED,
  TCP_CT_SYN_SENT, TCP_CT_TIME_WAIT, TCP_SEG_RST, classifyTcpSegment, nextTcpState,
} from '../../src/flow/tcp-tracker.js';
import {
  PacketMeta, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAG_ACK, TCP_FLAG_FIN,
  TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../../src/wire/packet.js';
import { fillMeta, reverse, type MetaSpec } from './meta-fixtures.js';

const SYN = TCP_FLAG_SYN;
const SYNACK = TCP_FLAG_SYN | TCP_FLAG_ACK;
const ACK = TCP_FLAG_ACK;
const PSHACK = TCP_FLAG_PSH | TCP_FLAG_ACK;
const FINACK = TCP_FLAG_FIN | TCP_FLAG_ACK;
const RST = TCP_FLAG_RST;

const WEB4: MetaSpec = { src: '192.168.1.10', dst: '203.0.113.5', proto: IPPROTO_TCP, sport: 40000, dport: 80 };
const WEB6: MetaSpec = { src: '2001:db8::10', dst: '2001:db8:ffff::5', proto: IPPROTO_TCP, sport: 40000, dport: 443 };
const DNS4: MetaSpec = { src: '192.168.1.10', dst: '192.0.2.53', proto: IPPROTO_UDP, sport: 5353, dport: 53 };

/** Runs a packet the way the engine does: lookup, then update or insert. Returns the verdict or insert code. */
function pass(t: FlowTable, spec: MetaSpec, nowMs: number, m = new PacketMeta()): number {
  fillMeta(spec, m);
  const slot = t.lookup(m);
  if (slot >= 0) return t.update(slot, t.lastDirection, m, nowMs);
  return t.insert(m, 3, nowMs);
}

test('insert and lookup in both directions, IPv4 and IPv6', () => {
  const t = new FlowTable({ capacity: 16 });
  for (const spec of [WEB4, WEB6]) {
    const syn = fillMeta({ ...spec, flags: SYN });
    assert.equal(t.lookup(syn), -1);
    const slot = t.insert(syn, 2, 1000);
    assert.ok(slot >= 0);
    assert.equal(t.lastDirection, FLOW_DIR_ORIGINAL);
    assert.equal(t.lookup(fillMeta({ ...spec, flags: SYN })), slot);
    assert.equal(t.lastDirection, FLOW_DIR_ORIGINAL);
    assert.equal(t.lookup(fillMeta({ ...reverse(spec), flags: SYNACK })), slot);
    assert.equal(t.lastDirection, FLOW_DIR_REPLY);
    assert.equal(t.ingressOf(slot), 2);
    assert.equal(t.stateOf(slot), TCP_CT_SYN_SENT);
  }
  assert.equal(t.count, 2);
  // A different port, the same addresses: another flow.
  assert.equal(t.lookup(fillMeta({ ...WEB4, sport: 40001 })), -1);
  // The IPv4 flow is not found under IPv6 addresses that differ only in the mapping prefix.
  const v6twin = fillMeta({ ...WEB4, src: '::192.168.1.10', dst: '::203.0.113.5' });
  assert.equal(t.lookup(v6twin), -1);
});

test('insert of an existing flow returns its slot unchanged', () => {
  const t = new FlowTable({ capacity: 4 });
  const a = t.insert(fillMeta({ ...WEB4, flags: SYN }), 0, 0);
  const b = t.insert(fillMeta({ ...reverse(WEB4), flags: SYNACK }), 1, 5);
  assert.equal(b, a);
  assert.equal(t.lastDirection, FLOW_DIR_REPLY);
  assert.equal(t.count, 1);
  assert.equal(t.ingressOf(a), 0);
  assert.equal(t.stateOf(a), TCP_CT_SYN_SENT);
});

test('a full handshake, data and close through update, with counters', () => {
  const t = new FlowTable({ capacity: 4 });
  const m = new PacketMeta();
  assert.ok(pass(t, { ...WEB4, flags: SYN, length: 60 }, 0, m) >= 0);
  const slot = t.lookup(m);
  assert.equal(pass(t, { ...reverse(WEB4), flags: SYNACK, length: 60 }, 10, m), FLOW_OK);
  assert.equal(t.stateOf(slot), TCP_CT_SYN_RECEIVED);
  assert.equal(t.deadlineOf(slot), 10 + 30_000);
  assert.equal(pass(t, { ...WEB4, flags: ACK, length: 52 }, 20, m), FLOW_OK);
  assert.equal(t.stateOf(slot), TCP_CT_ESTABLISHED);
  assert.equal(t.deadlineOf(slot), 20 + 3_600_000);
  assert.equal(pass(t, { ...WEB4, flags: PSHACK, length: 552 }, 30, m), FLOW_OK);
  assert.equal(pass(t, { ...reverse(WEB4), flags: PSHACK, length: 1500 }, 40, m), FLOW_OK);
  assert.equal(pass(t, { ...WEB4, flags: FINACK, length: 52 }, 50, m), FLOW_OK);
  assert.equal(pass(t, { ...reverse(WEB4), flags: FINACK, length: 52 }, 60, m), FLOW_CLOSED);
  assert.equal(t.stateOf(slot), TCP_CT_TIME_WAIT);
  assert.equal(t.deadlineOf(slot), 60 + 10_000);
  assert.equal(pass(t, { ...WEB4, flags: ACK, length: 52 }, 70, m), FLOW_CLOSED);
  assert.equal(t.packetsOf(slot, FLOW_DIR_ORIGINAL), 5);
  assert.equal(t.bytesOf(slot, FLOW_DIR_ORIGINAL), 60 + 52 + 552 + 52 + 52);
  assert.equal(t.packetsOf(slot, FLOW_DIR_REPLY), 3);
  assert.equal(t.bytesOf(slot, FLOW_DIR_REPLY), 60 + 1500 + 52);
  assert.equal(t.createdOf(slot), 0);
  assert.equal(t.lastSeenOf(slot), 70);
  assert.ok(t.replySeen(slot));
  // The 4-tuple reused: a new SYN reopens the flow.
  assert.equal(pass(t, { ...WEB4, flags: SYN }, 80, m), FLOW_OK);
  assert.equal(t.stateOf(slot), TCP_CT_SYN_SENT);
});

test('an invalid segment is counted but neither changes state nor refreshes the deadline', () => {
  const t = new FlowTable({ capacity: 4 });
  const m = fillMeta({ ...WEB4, flags: SYN });
  const slot = t.insert(m, 0, 0);
  const before = t.deadlineOf(slot);
  assert.equal(t.update(slot, FLOW_DIR_REPLY, fillMeta({ ...reverse(WEB4), flags: PSHACK, length: 99 }), 5000), FLOW_INVALID);
  assert.equal(t.stateOf(slot), TCP_CT_SYN_SENT);
  assert.equal(t.deadlineOf(slot), before);
  assert.equal(t.invalidSegments, 1);
  assert.equal(t.packetsOf(slot, FLOW_DIR_REPLY), 1);
  assert.equal(t.bytesOf(slot, FLOW_DIR_REPLY), 99);
});

test('a TCP flow cannot start mid-stream unless pickup is on', () => {
  const off = new FlowTable({ capacity: 4 });
  assert.equal(off.insert(fillMeta({ ...WEB4, flags: PSHACK }), 0, 0), FLOW_INSERT_INVALID);
  assert.equal(off.lastVerdict, FLOW_INVALID);
  assert.equal(off.insertsInvalid, 1);
  assert.equal(off.count, 0);
  assert.equal(off.insert(fillMeta({ ...WEB4, flags: RST }), 0, 0), FLOW_INSERT_INVALID);
  const on = new FlowTable({ capacity: 4, midstreamPickup: true });
  const slot = on.insert(fillMeta({ ...WEB4, flags: PSHACK }), 0, 0);
  assert.ok(slot >= 0);
  assert.equal(on.stateOf(slot), TCP_CT_ESTABLISHED);
  assert.equal(on.update(slot, FLOW_DIR_REPLY, fillMeta({ ...reverse(WEB4), flags: ACK }), 1), FLOW_OK);
  assert.equal(on.insert(fillMeta({ ...DNS4, sport: 1 }), 0, 0) >= 0, true, 'UDP needs no handshake');
});

test('packets that are not IP and bad arguments are refused without throwing', () => {
  const t = new FlowTable({ capacity: 2 });
  const junk = new PacketMeta();
  assert.equal(t.lookup(junk), -1);
  assert.equal(t.insert(junk, 0, 0), FLOW_INSERT_INVALID);
  const slot = t.insert(fillMeta(DNS4), 0, 0);
  for (const [s, d] of [[-1, 0], [2, 0], [1, 0], [slot, 2], [slot, -1], [0.5, 0], [NaN, 0]] as const) {
    assert.equal(t.update(s, d, junk, 1), FLOW_INVALID, `update(${s}, ${d})`);
  }
  assert.equal(t.remove(1), false);
  assert.equal(t.remove(-3), false);
  assert.equal(t.remove(slot), true);
  assert.equal(t.remove(slot), false);
  assert.equal(t.count, 0);
});

test('a full table without early drop refuses new flows; removal frees the slot for reuse', () => {
  const t = new FlowTable({ capacity: 3, earlyDrop: false });
  const slots = [0, 1, 2].map((i) => t.insert(fillMeta({ ...DNS4, sport: 1000 + i }), 0, 0));
  assert.deepEqual([...slots].sort(), [0, 1, 2]);
  assert.equal(t.insert(fillMeta({ ...DNS4, sport: 2000 }), 0, 0), FLOW_INSERT_FULL);
  assert.equal(t.insertsFull, 1);
  assert.equal(t.count, 3);
  // Established flows are still there: nothing was evicted.
  for (let i = 0; i < 3; i++) assert.equal(t.lookup(fillMeta({ ...DNS4, sport: 1000 + i })), slots[i]);
  assert.ok(t.remove(slots[1]!));
  assert.equal(t.lookup(fillMeta({ ...DNS4, sport: 1001 })), -1);
  assert.equal(t.insert(fillMeta({ ...DNS4, sport: 2000 }), 0, 0), slots[1]);
  assert.equal(t.lookup(fillMeta({ ...DNS4, sport: 2000 })), slots[1]);
  assert.equal(t.packetsOf(slots[1]!, FLOW_DIR_ORIGINAL), 1, 'counters start afresh in a reused slot');
  assert.equal(t.insert(fillMeta({ ...DNS4, sport: 2001 }), 0, 0), FLOW_INSERT_FULL);
  t.clear();
  assert.equal(t.count, 0);
  assert.equal(t.lookup(fillMeta({ ...DNS4, sport: 2000 })), -1);
  assert.ok(t.insert(fillMeta({ ...DNS4, sport: 2001 }), 0, 0) >= 0);
});

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

test('colliding flows share a bucket chain and stay distinct through removal', () => {
  // Capacity 2 hashes into 4 buckets: find four flows that all land in one bucket.
  const seed = 12345;
  const same: MetaSpec[] = [];
  let target = -1;
  for (let p = 1; same.length < 4; p++) {
    const spec = { ...DNS4, sport: p };
    const b = hashFlowMeta(fillMeta(spec), hashKeyFromSeed(seed))! & 3;
    if (target < 0) target = b;
    if (b === target) same.push(spec);
  }
  const t = new FlowTable({ capacity: 4, hashKey: hashKeyFromSeed(seed) });
  const slots = same.map((s) => t.insert(fillMeta(s), 0, 0));
  assert.ok(slots.every((s) => s >= 0));
  for (let i = 0; i < 4; i++) {
    assert.equal(t.lookup(fillMeta(same[i]!)), slots[i]);
    assert.equal(t.lookup(fillMeta(reverse(same[i]!))), slots[i]);
    assert.equal(t.lastDirection, FLOW_DIR_REPLY);
  }
  // Remove from the middle, the head and the tail of the chain.
  for (const k of [1, 3, 0]) {
    assert.ok(t.remove(slots[k]!));
    for (let i = 0; i < 4; i++) {
      const live = t.isLive(slots[i]!);
      assert.equal(t.lookup(fillMeta(same[i]!)), live ? slots[i] : -1);
    }
  }
  assert.equal(t.count, 1);
});

test('the recent-flow cache answers only for the very key: a freed slot reused by another flow is not the old flow', () => {
  // Capacity 4: 8 record positions and 8 cache entries, so 40 flows share every entry many times.
  const t = new FlowTable({ capacity: 4, hashKey: hashKeyFromSeed(31), earlyDrop: false });
  const spec = (i: number): MetaSpec => ({ ...DNS4, sport: 4000 + i, dport: 53 + (i % 3) });
  const slotOf = new Map<number, number>();
  for (let i = 0; i < 40; i++) {
    if (slotOf.size === 4) {
      // Free the oldest flow: its slot goes to the next flow, and its cache entry stays behind.
      const [old, slot] = slotOf.entries().next().value as [number, number];
      assert.ok(t.remove(slot));
      slotOf.delete(old);
      assert.equal(t.lookup(fillMeta(spec(old))), -1, `flow ${old} after its removal`);
    }
    const slot = t.insert(fillMeta(spec(i)), 0, i);
    assert.ok(slot >= 0);
    slotOf.set(i, slot);
    for (let j = 0; j <= i; j++) {
      const want = slotOf.get(j) ?? -1;
      assert.equal(t.lookup(fillMeta(spec(j))), want, `flow ${j} after ${i} inserts`);
      if (want >= 0) assert.equal(t.lastDirection, FLOW_DIR_ORIGINAL);
      assert.equal(t.lookup(fillMeta(reverse(spec(j)))), want, `reply of flow ${j} after ${i} inserts`);
      if (want >= 0) assert.equal(t.lastDirection, FLOW_DIR_REPLY);
    }
  }
  t.clear();
  for (let j = 0; j < 40; j++) assert.equal(t.lookup(fillMeta(spec(j))), -1, `flow ${j} after clear`);
});

test('an IPv4 flow and the same flow written as IPv4-mapped IPv6 are one flow, whichever opens it', () => {
  // 10.1.1.1 / 10.2.2.2 as ::ffff:a01:101 / ::ffff:a02:202: the same ten key words, so the
  // IPv4 fast path and the general path must agree on hash, record and direction.
  const v4: MetaSpec = { src: '10.1.1.1', dst: '10.2.2.2', proto: IPPROTO_TCP, sport: 1234, dport: 80, flags: SYN };
  const v6: MetaSpec = { ...v4, src: '::ffff:a01:101', dst: '::ffff:a02:202' };
  for (const [first, second] of [[v4, v6], [v6, v4]] as const) {
    const t = new FlowTable({ capacity: 16, hashKey: hashKeyFromSeed(77) });
    const slot = t.insert(fillMeta(first), 0, 0);
    assert.ok(slot >= 0);
    assert.equal(t.lookup(fillMeta(second)), slot);
    assert.equal(t.lastDirection, FLOW_DIR_ORIGINAL);
    assert.equal(t.lookup(fillMeta(reverse(second))), slot);
    assert.equal(t.lastDirection, FLOW_DIR_REPLY);
    assert.equal(t.insert(fillMeta(second), 0, 0), slot);
    assert.equal(t.count, 1);
    // A flow that differs in one word of the address's constant part is another flow.
    assert.equal(t.lookup(fillMeta({ ...v6, src: '::fffe:a01:101' })), -1);
  }
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

test('expiry is exact to the millisecond, by protocol timeout', () => {
  const t = new FlowTable({ capacity: 8 });
  const udp = t.insert(fillMeta(DNS4), 0, 1000);
  const icmp = t.insert(fillMeta({ src: '10.1.1.1', dst: '10.2.2.2', proto: IPPROTO_ICMP, icmpType: 8, echoId: 1 }), 0, 1000);
  const gre = t.insert(fillMeta({ src: '10.1.1.1', dst: '10.2.2.2', proto: 47 }), 0, 1000);
  assert.ok(t.nextDeadline() <= 11_000);
  assert.equal(t.expire(10_999, 100), 0);
  assert.equal(t.expire(11_000, 100), 1);
  assert.ok(!t.isLive(icmp));
  assert.ok(t.nextDeadline() > 11_000 && t.nextDeadline() <= 31_000);
  assert.equal(t.expire(30_999, 100), 0);
  assert.equal(t.expire(31_000, 100), 1);
  assert.ok(!t.isLive(udp));
  assert.ok(t.isLive(gre));
  assert.equal(t.expire(61_000, 100), 1);
  assert.equal(t.count, 0);
  assert.equal(t.nextDeadline(), Infinity);
  assert.equal(t.expiredTotal, 3);
});

test('a refreshed flow survives its old deadline; the wheel reschedules it lazily', () => {
  const t = new FlowTable({ capacity: 4 });
  const m = fillMeta(DNS4);
  const slot = t.insert(m, 0, 0);
  assert.equal(t.update(slot, FLOW_DIR_ORIGINAL, m, 20_000), FLOW_OK);
  assert.equal(t.deadlineOf(slot), 50_000);
  assert.ok(t.nextDeadline() <= 30_000, 'the refresh does not move the flow in the wheel');
  assert.equal(t.expire(30_000, 100), 0);
  assert.ok(t.isLive(slot));
  assert.ok(t.nextDeadline() > 30_000 && t.nextDeadline() <= 50_000);
  assert.equal(t.expire(49_999, 100), 0);
  assert.equal(t.expire(50_000, 100), 1);
});

test('a reset moves an established flow to the short closing timeout', () => {
  const t = new FlowTable({ capacity: 4, timeouts: { tcpClosingMs: 5_000 } });
  const m = new PacketMeta();
  pass(t, { ...WEB4, flags: SYN }, 0, m);
  pass(t, { ...reverse(WEB4), flags: SYNACK }, 1, m);
  pass(t, { ...WEB4, flags: ACK }, 2, m);
  const slot = t.lookup(m);
  assert.equal(t.stateOf(slot), TCP_CT_ESTABLISHED);
  assert.equal(t.expire(100_000, 100), 0);
  assert.ok(t.nextDeadline() > 100_000);
  assert.equal(pass(t, { ...reverse(WEB4), flags: RST }, 200_000, m), FLOW_CLOSED);
  assert.equal(t.stateOf(slot), TCP_CT_CLOSED);
  assert.ok(t.nextDeadline() <= 205_000, `next deadline ${t.nextDeadline()}`);
  assert.equal(t.expire(204_999, 100), 0);
  assert.equal(t.expire(205_000, 100), 1);
});

test('expire works incrementally within its budget', () => {
  const t = new FlowTable({ capacity: 64 });
  for (let i = 0; i < 50; i++) t.insert(fillMeta({ ...DNS4, sport: i + 1 }), 0, i * 10);
  const now = 40_000;
  let removed = 0;
  let calls = 0;
  while (t.nextDeadline() <= now) {
    const r = t.expire(now, 7);
    assert.ok(r <= 7);
    removed += r;
    calls++;
    assert.ok(calls < 100, 'expire makes progress');
  }
  assert.equal(removed, 50);
  assert.ok(calls >= 8, `${calls} calls`);
  assert.equal(t.count, 0);
});

test('a pass paused by the budget still expires flows it kept before the clock moved on', () => {
  const t = new FlowTable({ capacity: 4, tickMs: 100, wheelSlots: 4, timeouts: { udpMs: 1 } });
  t.insert(fillMeta({ ...DNS4, sport: 1 }), 0, 1_000_000);
  t.insert(fillMeta({ ...DNS4, sport: 2 }), 0, 1_000_000);
  assert.equal(t.expire(1_000_000, 1), 0, 'visits one flow, keeps it for later in the tick');
  let removed = 0;
  for (let calls = 0; t.nextDeadline() <= 1_000_100; calls++) {
    removed += t.expire(1_000_100, 1);
    assert.ok(calls < 20);
  }
  assert.equal(removed, 2);
  assert.equal(t.count, 0);
});

test('a bucket holding more not-yet-due flows than the budget does not keep expire busy', () => {
  // Deadlines 192 ticks out fall into the cursor's own bucket of a 4-slot wheel.
  const t = new FlowTable({ capacity: 8, tickMs: 1, wheelSlots: 4, timeouts: { udpMs: 192 } });
  for (let i = 0; i < 5; i++) t.insert(fillMeta({ ...DNS4, sport: i + 1 }), 0, 1_000_000);
  assert.ok(t.nextDeadline() > 1_000_000, 'nothing is due');
  // An unprompted call starts a pass and runs out of budget: it asks to be called again.
  assert.equal(t.expire(1_000_000, 2), 0);
  assert.equal(t.nextDeadline(), 1_000_000);
  let calls = 0;
  while (t.nextDeadline() <= 1_000_000) {
    assert.equal(t.expire(1_000_000, 2), 0);
    assert.ok(++calls < 10, 'the pass completes across calls');
  }
  assert.equal(calls, 2);
  assert.ok(t.nextDeadline() > 1_000_000 && t.nextDeadline() <= 1_000_192);
  assert.equal(t.count, 5);
});

test('deadlines beyond the wheel horizon, clock jumps of many laps', () => {
  const t = new FlowTable({ capacity: 16, tickMs: 10, wheelSlots: 4, timeouts: { udpMs: 1000, otherMs: 55 } });
  const udp = t.insert(fillMeta(DNS4), 0, 0);
  const other = t.insert(fillMeta({ src: '10.0.0.1', dst: '10.0.0.2', proto: 47 }), 0, 3);
  let now = 0;
  let polls = 0;
  while (t.count > 0) {
    now = t.nextDeadline();
    assert.ok(Number.isFinite(now));
    t.expire(now, 1000);
    if (!t.isLive(other)) assert.ok(now >= 58);
    if (!t.isLive(udp)) assert.ok(now >= 1000);
    polls++;
    assert.ok(polls < 200);
  }
  assert.equal(now, 1000, 'the last flow goes exactly at its deadline');
  // A jump of thousands of laps in one call.
  for (let i = 0; i < 10; i++) t.insert(fillMeta({ ...DNS4, sport: 100 + i }), 0, 2000 + i);
  assert.equal(t.expire(10_000_000, 1000), 10);
  assert.equal(t.nextDeadline(), Infinity);
});

test('the clock going backwards delays expiry but loses nothing', () => {
  const t = new FlowTable({ capacity: 8, timeouts: { udpMs: 100 } });
  t.insert(fillMeta({ ...DNS4, sport: 1 }), 0, 50_000);
  assert.equal(t.expire(50_100, 10), 1);
  t.insert(fillMeta({ ...DNS4, sport: 2 }), 0, 50_150);
  t.insert(fillMeta({ ...DNS4, sport: 3 }), 0, 20_000); // an earlier timestamp
  assert.ok(t.nextDeadline() <= 20_100);
  let n = 0;
  for (let now = 20_100; now <= 51_000 && t.count > 0; now += 100) n += t.expire(now, 10);
  assert.equal(n, 2);
});

test('options are validated with typed errors', () => {
  const bad: [object, string][] = [
    [{ capacity: 0 }, 'capacity'],
    [{ capacity: 1.5 }, 'capacity'],
    [{ capacity: 4, timeouts: { udpMs: 0 } }, 'timeouts.udpMs'],
    [{ capacity: 4, timeouts: { bogusMs: 5 } }, 'timeouts.bogusMs'],
    [{ capacity: 4, tickMs: -1 }, 'tickMs'],
    [{ capacity: 4, wheelSlots: 100 }, 'wheelSlots'],
  ];
  for (const [opts, option] of bad) {
    assert.throws(() => new FlowTable(opts as never), (e: unknown) =>
      e instanceof InvalidOptionError && e.code === 'ERR_INVALID_OPTION' && e.option === option);
  }
  const t = new FlowTable({ capacity: 4, timeouts: { tcpEstablishedMs: 7200_000 } });
  assert.equal(t.timeouts.tcpHalfClosedMs, 7200_000, 'half-closed follows established unless given');
  assert.equal(t.timeouts.udpMs, 30_000);
});

// ---- model check ------------------------------------------------------------------------------

/** A small universe of flows to draw operations from (TCP, UDP, ICMP echo, GRE; IPv4 and IPv6). */
const UNIVERSE: MetaSpec[] = [
  WEB4, WEB6, DNS4,
  { ...WEB4, sport: 40001 },
  { ...DNS4, src: '2001:db8::10', dst: '2001:db8::53' },
  { src: '10.9.9.9', dst: '10.1.1.1', proto: IPPROTO_ICMP, icmpType: 8, echoId: 7 },
  { src: '10.9.9.9', dst: '10.1.1.1', proto: IPPROTO_ICMP, icmpType: 8, echoId: 8 },
  { src: '10.9.9.9', dst: '10.1.1.1', proto: 47 },
  { src: '127.0.0.1', dst: '127.0.0.1', proto: IPPROTO_UDP, sport: 9, dport: 10 },
  { ...WEB6, sport: 1, dport: 2 },
];

type Op =
  | { k: 'pkt'; f: number; rev: boolean; flags: number; len: number }
  | { k: 'remove'; f: number }
  | { k: 'advance'; dtMs: number; budget: number }
  | { k: 'nibble'; budget: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    k: fc.constant('pkt' as const), f: fc.nat(UNIVERSE.length - 1), rev: fc.boolean(),
    flags: fc.constantFrom(SYN, SYNACK, ACK, PSHACK, FINACK, RST, 0), len: fc.integer({ min: 20, max: 1500 }),
  }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('remove' as const), f: fc.nat(UNIVERSE.length - 1) }) },
  { weight: 2, arbitrary: fc.record({
    k: fc.constant('advance' as const), dtMs: fc.oneof(fc.nat(40), fc.nat(400), fc.nat(5000)),
    budget: fc.integer({ min: 1, max: 8 }),
  }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('nibble' as const), budget: fc.integer({ min: 1, max: 3 }) }) },
);

interface ModelFlow { origRev: boolean; state: number; deadlineMs: number; packets: [number, number] }

test('property: the table behaves like a naive Map model over random operation sequences', () => {
  fc.assert(fc.property(
    fc.array(arbOp, { maxLength: 80 }),
    fc.integer({ min: 1, max: 6 }),
    fc.boolean(),
    fc.constantFrom(1, 7, 100),
    fc.constantFrom(4, 8, 4096),
    fc.record({
      tcpEstablishedMs: fc.integer({ min: 1, max: 3000 }), tcpHandshakeMs: fc.integer({ min: 1, max: 300 }),
      tcpHalfClosedMs: fc.integer({ min: 1, max: 3000 }), tcpClosingMs: fc.integer({ min: 1, max: 100 }),
      udpMs: fc.integer({ min: 1, max: 500 }), icmpMs: fc.integer({ min: 1, max: 500 }),
      otherMs: fc.integer({ min: 1, max: 500 }),
    }),
    (ops, capacity, pickup, tickMs, wheelSlots, timeouts: FlowTimeouts) => {
      const t = new FlowTable({ capacity, midstreamPickup: pickup, tickMs, wheelSlots, timeouts, hashKey: hashKeyFromSeed(99), earlyDrop: false });
      const model = new Map<string, ModelFlow>();
      const keyOf = (f: number) => `flow${f}`;
      const timeoutOf = (proto: number, state: number): number => {
        if (proto === IPPROTO_TCP) {
          if (state === TCP_CT_ESTABLISHED) return timeouts.tcpEstablishedMs;
          if (state <= TCP_CT_SYN_RECEIVED) return timeouts.tcpHandshakeMs;
          if (state >= 6) return timeouts.tcpClosingMs;
          return timeouts.tcpHalfClosedMs;
        }
        if (proto === IPPROTO_UDP) return timeouts.udpMs;
        if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return timeouts.icmpMs;
        return timeouts.otherMs;
      };
      const m = new PacketMeta();
      let now = 1_000_000;
      const specOf = (f: number, rev: boolean, flags: number, len: number) => {
        const s = UNIVERSE[f]!;
        const spec = rev ? reverse(s) : { ...s };
        spec.flags = flags;
        spec.length = len;
        if (spec.icmpType !== undefined && rev) spec.icmpType = 0;
        return spec;
      };
      /** Drops model flows the table no longer has; each must have been due. */
      const syncExpired = () => {
        for (const [k, mf] of model) {
          const f = Number(k.slice(4));
          if (t.lookup(fillMeta(specOf(f, false, ACK, 40), m)) < 0) {
            assert.ok(mf.deadlineMs <= now, `${k} vanished before its deadline ${mf.deadlineMs} (now ${now})`);
            model.delete(k);
          }
        }
      };
      for (const op of ops) {
        if (op.k === 'pkt') {
          const spec = specOf(op.f, op.rev, op.flags, op.len);
          fillMeta(spec, m);
          const mf = model.get(keyOf(op.f));
          const slot = t.lookup(m);
          if (mf === undefined) {
            assert.equal(slot, -1);
            const r = t.insert(m, 0, now);
            const tcp = spec.proto === IPPROTO_TCP;
            const first = tcp ? nextTcpState(TCP_CT_NONE, 0, op.flags, pickup) : TCP_CT_NONE;
            if (tcp && first === TCP_CT_INVALID) {
              assert.equal(r, FLOW_INSERT_INVALID);
            } else if (model.size === capacity) {
              assert.equal(r, FLOW_INSERT_FULL);
            } else {
              assert.ok(r >= 0);
              model.set(keyOf(op.f), {
                origRev: op.rev, state: first, deadlineMs: now + timeoutOf(spec.proto, first),
                packets: [1, 0],
              });
            }
          } else {
            assert.ok(slot >= 0);
            const dir = op.rev === mf.origRev ? FLOW_DIR_ORIGINAL : FLOW_DIR_REPLY;
            assert.equal(t.lastDirection, dir);
            const v = t.update(slot, dir, m, now);
            mf.packets[dir]!++;
            if (spec.proto === IPPROTO_TCP) {
              // The responder's RST while the originator's SYN is unanswered must acknowledge
              // the SYN (tcp-window.ts); the fixture's ack, 1, does for a SYN at sequence 0.
              const unacked = mf.state === TCP_CT_SYN_SENT && dir === FLOW_DIR_REPLY
                && classifyTcpSegment(op.flags) === TCP_SEG_RST && (op.flags & TCP_FLAG_ACK) === 0;
              const n = unacked ? TCP_CT_INVALID : nextTcpState(mf.state, dir, op.flags, false);
              if (n === TCP_CT_INVALID) {
                assert.equal(v, FLOW_INVALID);
              } else {
                assert.equal(v, n === TCP_CT_TIME_WAIT || n === TCP_CT_CLOSED ? FLOW_CLOSED : FLOW_OK);
                mf.state = n;
                mf.deadlineMs = now + timeoutOf(spec.proto, n);
              }
            } else {
              assert.equal(v, FLOW_OK);
              mf.deadlineMs = now + timeoutOf(spec.proto, 0);
            }
            assert.equal(t.stateOf(slot), mf.state);
            assert.equal(t.deadlineOf(slot), mf.deadlineMs);
            assert.equal(t.packetsOf(slot, 0), mf.packets[0]);
            assert.equal(t.packetsOf(slot, 1), mf.packets[1]);
          }
        } else if (op.k === 'remove') {
          const slot = t.lookup(fillMeta(specOf(op.f, false, ACK, 40), m));
          assert.equal(slot >= 0, model.has(keyOf(op.f)));
          if (slot >= 0) {
            assert.ok(t.remove(slot));
            model.delete(keyOf(op.f));
          }
        } else if (op.k === 'advance') {
          now += op.dtMs;
          let calls = 0;
          while (t.nextDeadline() <= now) {
            t.expire(now, op.budget);
            calls++;
            assert.ok(calls < 10_000, 'expire converges');
          }
          for (const [k, mf] of model) if (mf.deadlineMs <= now) model.delete(k);
        } else {
          t.expire(now, op.budget);
          syncExpired();
        }
        assert.equal(t.count, model.size);
        let min = Infinity;
        for (const mf of model.values()) min = Math.min(min, mf.deadlineMs);
        assert.ok(t.nextDeadline() <= min, `nextDeadline ${t.nextDeadline()} is a lower bound of ${min}`);
        for (const k of model.keys()) {
          const f = Number(k.slice(4));
          assert.ok(t.lookup(fillMeta(specOf(f, true, ACK, 40), m)) >= 0, `${k} present`);
        }
      }
    },
  ), { numRuns: 400 });
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

test('regression: expiry costs O(expired): flows due later in a tick are not rescanned at every call of that tick', () => {
  // SYNs to random ports at random times over 60 s, and `expire` called every millisecond (as
  // replay does between packets): each flow's handshake timeout falls inside some 1 s tick.
  // The wheel used to keep such flows in the tick's bucket and rescan the whole bucket at the
  // next deadline, i.e. at nearly every call of the tick (about 1,000 visits per flow here).
  const t = new FlowTable({ capacity: 65536, timeouts: { tcpHandshakeMs: 30_000 } });
  const rand = (() => { let s = 0x1234567; return () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; }; })();
  const FLOWS = 36_000;
  const atMs = Array.from({ length: FLOWS }, () => rand() % 60_000).sort((a, b) => a - b);
  const m = new PacketMeta();
  const deadlines = new Map<number, number>();
  let next = 0;
  let removed = 0;
  for (let now = 0; now <= 100_000; now++) {
    while (next < FLOWS && atMs[next] === now) {
      const slot = t.insert(fillMeta({ ...WEB4, sport: 1024 + (next % 60000), dport: 1 + (rand() % 65535), src: `10.9.${next >> 8 & 255}.${next & 255}`, flags: SYN }, m), 0, now);
      assert.ok(slot >= 0);
      deadlines.set(slot, now + 30_000);
      next++;
    }
    removed += t.expire(now, 1_000_000);
    if (now % 997 === 0) {
      // Exact: nothing due is left, nothing not due is gone.
      for (const [slot, d] of deadlines) {
        assert.equal(t.isLive(slot), d > now, `slot ${slot} due at ${d}, now ${now}`);
        if (d <= now) deadlines.delete(slot);
      }
    }
  }
  assert.equal(removed, FLOWS);
  assert.equal(t.count, 0);
  // Each flow is looked at by the bucket pass of its tick and once more when it falls due.
  assert.ok(t.expireVisits <= 2 * FLOWS, `${t.expireVisits} visits for ${FLOWS} expired flows`);
});

test('expiry: a flow refreshed while waiting in a passed tick is rescheduled, not removed early', () => {
  const t = new FlowTable({ capacity: 16, timeouts: { udpMs: 1500 } });
  const m = new PacketMeta();
  const a = t.insert(fillMeta(DNS4, m), 0, 0); // due at 1500, in tick 1
  const b = t.insert(fillMeta({ ...DNS4, sport: 5354 }, m), 0, 200); // due at 1700
  assert.equal(t.expire(1100, 100), 0); // passes tick 1's bucket: both wait for their deadline
  assert.equal(t.nextDeadline(), 1500);
  assert.equal(t.update(a, FLOW_DIR_ORIGINAL, fillMeta(DNS4, m), 1400), FLOW_OK); // now due at 2900
  assert.equal(t.expire(1500, 100), 0);
  assert.ok(t.isLive(a));
  assert.equal(t.expire(1700, 100), 1);
  assert.ok(!t.isLive(b));
  assert.equal(t.expire(2899, 100), 0);
  assert.equal(t.expire(2900, 100), 1);
  assert.equal(t.count, 0);
  assert.ok(t.expireVisits <= 6, `${t.expireVisits}`);
});
