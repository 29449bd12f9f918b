/**
 * The flow table's expiry: exact deadlines by protocol and state, the timer wheel's lazy
 * rescheduling, budgets, horizons and clock jumps, and expiry's cost in proportion to the flows
 * that expire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLOW_CLOSED, FLOW_DIR_ORIGINAL, FLOW_OK, FlowTable } from '../../src/flow/flow-table.js';
import { TCP_CT_CLOSED, TCP_CT_ESTABLISHED } from '../../src/flow/tcp-tracker.js';
import { PacketMeta, IPPROTO_ICMP } from '../../src/wire/packet.js';
import { fillMeta, reverse } from './meta-fixtures.js';
import { ACK, DNS4, RST, SYN, SYNACK, WEB4, pass } from './table-fixtures.js';

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
