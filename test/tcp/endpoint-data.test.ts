import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../../src/wire/packet.js';
import {
  TCP_STATE_CLOSED, TCP_STATE_CLOSE_WAIT, TCP_STATE_ESTABLISHED,
  TCP_STATE_SYN_RECEIVED,
  TCP_DEFAULT_IDLE_TIMEOUT_MS,
} from '../../src/tcp/constants.js';
import {
  TCP_CTR_OUT_OF_ORDER, TCP_CTR_RETRANSMITS,
  TCP_CTR_DUPLICATE_DATA, TCP_CTR_OUT_OF_WINDOW, TCP_CTR_TIMEOUT_ABORTS,
  TCP_CTR_ZERO_WINDOW_PROBES,
  TCP_CTR_FAST_RETRANSMITS,
} from '../../src/tcp/counters.js';
import {
  Harness, bytes,
} from './harness.js';

// ---- data, reassembly, retransmission, flow control ------------------------------------------

test('data both ways: in-order delivery, ACKs, send data segmented and acknowledged', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ mss: 1000 });
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq: 1001, ack: isn + 1, data: 'GET / HTTP/1.0\r\n\r\n' });
  assert.equal(h.app.text(conn), 'GET / HTTP/1.0\r\n\r\n');
  const ack = h.one();
  assert.equal(ack.flags, TCP_FLAG_ACK);
  assert.equal(ack.ack, 1001 + 18);
  assert.equal(ack.seq, isn + 1);

  const body = bytes(2500, 3);
  assert.equal(h.ep.send(conn, body, 0, 2500, h.now), 2500);
  const segs = h.out();
  assert.deepEqual(segs.map((s) => s.payload.length), [1000, 1000, 500]);
  assert.deepEqual(segs.map((s) => s.seq - isn - 1), [0, 1000, 2000]);
  assert.equal(segs[2]!.flags, TCP_FLAG_ACK | TCP_FLAG_PSH);
  assert.deepEqual(Buffer.concat(segs.map((s) => s.payload)), Buffer.from(body));
  assert.ok(segs.every((s) => s.ack === 1019));
  h.send({ flags: TCP_FLAG_ACK, seq: 1019, ack: isn + 1 + 2500 });
  const st = h.seqState(conn);
  assert.equal(st.una, (isn + 2501) >>> 0);
  assert.equal(st.queued, 0);
  assert.equal(h.ep.nextDeadline(), h.now + TCP_DEFAULT_IDLE_TIMEOUT_MS, 'only the idle timer once all is acknowledged');
  assert.equal(h.out().length, 0);
});

test('a reply sent from the data callback carries the ACK (no separate pure ACK)', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.app.onData = (c, nowMs) => {
    h.ep.send(c, bytes(10), 0, 10, nowMs);
  };
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'hello' });
  const o = h.one();
  assert.equal(o.payload.length, 10);
  assert.equal(o.ack, 1006);
  assert.equal(conn, 0);
});

test('out-of-order segments are reassembled, with immediate duplicate ACKs and SACK blocks', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ sackOk: true });
  const all = bytes(3000, 9);
  const part = (a: number, b: number): Uint8Array => all.slice(a, b);
  // Third piece first, then the second, then an overlapping retransmission, then the first.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 2000, ack: isn + 1, data: part(2000, 3000) });
  assert.equal(h.app.text(conn), '');
  let o = h.one();
  assert.equal(o.ack, 1001, 'duplicate ACK for the hole');
  assert.deepEqual(o.sack, [1001 + 2000, 1001 + 3000]);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 1000, ack: isn + 1, data: part(1000, 1500) });
  o = h.one();
  assert.deepEqual(o.sack, [1001 + 1000, 1001 + 1500, 1001 + 2000, 1001 + 3000]);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 1200, ack: isn + 1, data: part(1200, 2100) });
  o = h.one();
  assert.deepEqual(o.sack, [1001 + 1000, 1001 + 3000], 'ranges merged');
  assert.equal(h.app.received.get(conn), undefined);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: part(0, 1100) });
  assert.deepEqual(Buffer.from(h.app.received.get(conn)!), Buffer.from(all));
  o = h.one();
  assert.equal(o.ack, 1001 + 3000);
  assert.deepEqual(o.sack, []);
  assert.equal(h.ep.counters[TCP_CTR_OUT_OF_ORDER], 3);
  // A wholly old segment is outside the window: acknowledged, nothing delivered.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 500, ack: isn + 1, data: part(500, 900) });
  assert.equal(h.one().ack, 1001 + 3000);
  assert.equal(h.app.received.get(conn)!.length, 3000);
  assert.equal(h.ep.counters[TCP_CTR_OUT_OF_WINDOW], 1);
  // Partly old, partly new: the old part is trimmed.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 2900, ack: isn + 1, data: bytes(150, 9).map((_, i) => (2900 + i) * 31 + 9) });
  assert.equal(h.one().ack, 1001 + 3050);
  assert.deepEqual(h.app.received.get(conn)!.slice(3000), [...bytes(3050, 9).slice(3000)]);
  assert.equal(h.ep.counters[TCP_CTR_DUPLICATE_DATA], 1);
});

test('an out-of-order FIN is processed once the hole is filled', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1011, ack: isn + 1, data: 'world' });
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  assert.equal(h.one().ack, 1001);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'hello, you' });
  assert.equal(h.app.text(conn), 'hello, youworld');
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSE_WAIT);
  assert.equal(h.one().ack, 1017);
  assert.deepEqual(h.app.events.slice(-1), ['peerFin 0']);
});

test('snapped capture: missing payload bytes are delivered as zeros', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: bytes(100, 1), captured: 40 });
  const got = h.app.received.get(conn)!;
  assert.equal(got.length, 100);
  assert.deepEqual(got.slice(0, 40), [...bytes(40, 1)]);
  assert.ok(got.slice(40).every((b) => b === 0));
  assert.equal(h.one().ack, 1101);
});

test('retransmission after RTO with exponential backoff, then abort after max retransmits', () => {
  const h = new Harness({ maxRetransmits: 3 });
  const { conn, isn } = h.handshake();
  const t0 = h.now;
  h.ep.send(conn, bytes(100), 0, 100, h.now);
  assert.equal(h.one().seq, isn + 1);
  // The handshake took 0 ms: RTO = max(min 200, 0 + max(1, 0)).
  const rto = h.ep.rto(conn);
  assert.equal(rto, 200);
  assert.equal(h.ep.nextDeadline(), t0 + rto);
  h.advance(rto - 1);
  assert.equal(h.out().length, 0, 'nothing before the deadline');
  h.advance(1);
  let o = h.one();
  assert.equal(o.seq, isn + 1);
  assert.equal(o.payload.length, 100);
  assert.equal(h.ep.nextDeadline(), t0 + rto + 2 * rto, 'backed off');
  h.advance(2 * rto);
  assert.equal(h.one().seq, isn + 1);
  h.advance(4 * rto);
  assert.equal(h.one().seq, isn + 1);
  assert.equal(h.ep.counters[TCP_CTR_RETRANSMITS], 3);
  h.advance(8 * rto);
  o = h.one();
  assert.equal(o.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.equal(o.seq, isn + 101);
  assert.deepEqual(h.app.events.slice(-2), ['reset 0', 'released 0 true']);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.equal(h.ep.counters[TCP_CTR_TIMEOUT_ABORTS], 1);
  assert.equal(h.ep.nextDeadline(), Infinity);
});

test('RTO follows RFC 6298 from measured round trips; Karn ignores retransmitted segments', () => {
  const h = new Harness({ minRtoMs: 100 });
  const { conn, isn } = h.handshake();
  h.ep.send(conn, bytes(10), 0, 10, h.now);
  h.out();
  h.now += 300;
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 11 });
  // First sample was the 0 ms handshake (SRTT 0, RTTVAR 0); then R = 300:
  // RTTVAR = 3/4·0 + 1/4·300 = 75, SRTT = 7/8·0 + 1/8·300 = 37.5, RTO = 37.5 + 4·75 = 337.5.
  assert.equal(h.ep.rto(conn), 337.5);
  // A retransmitted segment gives no sample.
  h.ep.send(conn, bytes(10), 0, 10, h.now);
  h.out();
  h.advance(337.5);
  assert.equal(h.out().length, 1);
  const backedOff = h.ep.rto(conn);
  assert.equal(backedOff, 675);
  h.now += 5000;
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 21 });
  assert.equal(h.ep.rto(conn), backedOff, 'no sample from an ambiguous ACK');
});

test('SYN-ACK retransmission on timeout and on a retransmitted SYN; half-open connection expires', () => {
  const h = new Harness({ maxRetransmits: 2, synReceivedTimeoutMs: 60_000 });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 77 });
  const sa = h.one();
  h.advance(1000);
  const again = h.one();
  assert.equal(again.seq, sa.seq);
  assert.equal(again.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
  // A retransmitted SYN gets the same SYN-ACK at once.
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 77 }), conn);
  const third = h.one();
  assert.equal(third.seq, sa.seq);
  assert.equal(third.ack, 78);
  h.advance(2000);
  assert.equal(h.one().seq, sa.seq);
  h.advance(4000);
  assert.equal(h.out().length, 0, 'no reset for a connection that never opened');
  assert.deepEqual(h.app.events, ['released 0 false']);
  assert.equal(h.ep.connectionCount(), 0);
});

test('an unacceptable ACK in SYN_RECEIVED is answered with a reset and the connection stays', () => {
  const h = new Harness();
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 5 });
  const sa = h.one();
  h.send({ flags: TCP_FLAG_ACK, seq: 6, ack: sa.seq + 100 });
  const r = h.one();
  assert.equal(r.flags, TCP_FLAG_RST);
  assert.equal(r.seq, (sa.seq + 100) >>> 0);
  assert.equal(h.ep.state(conn), TCP_STATE_SYN_RECEIVED);
  h.send({ flags: TCP_FLAG_ACK, seq: 6, ack: sa.seq + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
});

test('SYN_RECEIVED accepts only SND.UNA < SEG.ACK =< SND.NXT (RFC 9293 §3.10.7.4): an ACK of ISS or older gets a reset', () => {
  const h = new Harness();
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 5 });
  const sa = h.one();
  for (const ack of [sa.seq, (sa.seq - 1) >>> 0, (sa.seq - 70_000) >>> 0]) {
    h.send({ flags: TCP_FLAG_ACK, seq: 6, ack });
    const r = h.one();
    assert.equal(r.flags, TCP_FLAG_RST, `ACK ${ack - sa.seq} relative to ISS`);
    assert.equal(r.seq, ack, '<SEQ=SEG.ACK><CTL=RST>');
    assert.equal(h.ep.state(conn), TCP_STATE_SYN_RECEIVED);
    assert.deepEqual(h.app.events, [], 'not accepted');
  }
  h.send({ flags: TCP_FLAG_ACK, seq: 6, ack: (sa.seq + 1) >>> 0 });
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED, 'SEG.ACK = SND.NXT is the one acceptable value');
});

test('flow control: sends no more than the peer window, then probes a zero window', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ mss: 1000, win: 2500 });
  h.ep.send(conn, bytes(6000), 0, 6000, h.now);
  // 500 more would fit, but that is a silly window (RFC 9293 §3.8.6.2.1): wait for the ACK.
  assert.deepEqual(h.out().map((s) => s.payload.length), [1000, 1000]);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001, win: 1500 });
  assert.deepEqual(h.out().map((s) => s.payload.length), [], 'still a silly window');
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2001, win: 500 });
  const edge = h.one();
  assert.equal(edge.payload.length, 500, 'nothing in flight: the small window is used');
  assert.equal(edge.seq, isn + 2001);
  // The peer takes everything but its window closes.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2501, win: 0 });
  assert.equal(h.out().length, 0);
  const deadline = h.ep.nextDeadline();
  assert.ok(Number.isFinite(deadline));
  h.advance(deadline - h.now);
  const probe = h.one();
  assert.equal(probe.payload.length, 1);
  assert.equal(probe.seq, isn + 2501);
  assert.equal(h.ep.counters[TCP_CTR_ZERO_WINDOW_PROBES], 1);
  // Still closed: the next probe comes later (backoff); the peer answering keeps it alive.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2501, win: 0 });
  assert.equal(h.out().length, 0);
  const next = h.ep.nextDeadline();
  assert.ok(next > h.now);
  h.advance(next - h.now);
  assert.equal(h.one().payload.length, 1);
  // The window opens: the rest flows.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2501, win: 5000 });
  const segs = h.out();
  assert.deepEqual(segs.map((s) => s.payload.length), [1000, 1000, 1000, 500]);
  assert.equal(segs[0]!.seq, isn + 2501);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
});

test('send buffer limit: partial acceptance, then writable once ACKs free space', () => {
  const h = new Harness({ sendBufferBytes: 4000 });
  const { conn, isn } = h.handshake({ mss: 1000 });
  assert.equal(h.ep.send(conn, bytes(5000), 0, 5000, h.now), 4000);
  assert.equal(h.out().length, 4);
  assert.equal(h.ep.send(conn, bytes(10), 0, 10, h.now), 0);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  assert.deepEqual(h.app.events.slice(-1), ['writable 0']);
  const payload = bytes(1000, 77);
  assert.equal(h.ep.send(conn, payload, 0, 1000, h.now), 1000);
  const o = h.one();
  assert.equal(o.seq, isn + 4001);
  assert.deepEqual(Buffer.from(o.payload), Buffer.from(payload), 'compacted buffer keeps the bytes');
});

test('fast retransmit after three duplicate ACKs', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ mss: 1000 });
  h.ep.send(conn, bytes(5000), 0, 5000, h.now);
  assert.equal(h.out().length, 5);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  assert.equal(h.out().length, 0, 'two duplicates are not enough');
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  const o = h.one();
  assert.equal(o.seq, isn + 1001);
  assert.equal(o.payload.length, 1000);
  assert.equal(h.ep.counters[TCP_CTR_FAST_RETRANSMITS], 1);
});
