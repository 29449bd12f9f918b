import { seededRng } from '../../src/io/rng.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../../src/wire/packet.js';
import {
  TCP_STATE_CLOSED, TCP_STATE_CLOSE_WAIT, TCP_STATE_CLOSING, TCP_STATE_ESTABLISHED,
  TCP_STATE_FIN_WAIT_1, TCP_STATE_FIN_WAIT_2, TCP_STATE_LAST_ACK, TCP_STATE_SYN_RECEIVED,
  TCP_STATE_TIME_WAIT, TCP_DEFAULT_IDLE_TIMEOUT_MS,
} from '../../src/tcp/constants.js';
import {
  TCP_CTR_CHALLENGE_ACKS,
  TCP_CTR_PAWS_REJECTED, TCP_CTR_REPLAY_REBASES,
  TCP_CTR_RST_IGNORED, TCP_CTR_EVICTIONS, TCP_CTR_OPEN_REFUSED,
  TCP_CTR_TIME_WAIT_REOPENED, TCP_COUNTER_NAMES, TCP_CTR_COUNT,
  TCP_CTR_IDLE_ABORTS,
} from '../../src/tcp/counters.js';
import {
  CLIENT4, CLIENT6, CPORT, Harness, SERVER4, SERVER6, SPORT, bytes,
} from './harness.js';
import type { Seg } from './harness.js';

// ---- tests ------------------------------------------------------------------------------------

test('handshake with options: SYN-ACK from the original destination, MSS, wscale, SACK, timestamps', () => {
  const h = new Harness();
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 0xfffffff0, mss: 1400, ws: 7, sackOk: true, ts: [5000, 0], win: 29200 });
  assert.equal(conn, 0);
  assert.equal(h.ep.state(conn), TCP_STATE_SYN_RECEIVED);
  assert.equal(h.ep.connectionCount(), 1);
  const sa = h.one();
  assert.equal(sa.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
  assert.deepEqual(sa.src, [SERVER4]);
  assert.deepEqual(sa.dst, [CLIENT4]);
  assert.equal(sa.sport, SPORT);
  assert.equal(sa.dport, CPORT);
  assert.equal(sa.ack, 0xfffffff1);
  assert.equal(sa.seq, seededRng(7)());
  assert.equal(sa.mss, 1460);
  assert.equal(sa.ws, 1, '64 KiB receive buffer needs a shift of 1');
  assert.ok(sa.sackOk);
  assert.ok(sa.hasTs);
  assert.equal(sa.tsEcr, 5000);
  assert.equal(sa.window, 65535, 'the SYN-ACK window is not scaled');
  assert.equal(sa.ttl, 64);
  assert.deepEqual(h.app.events, []);

  h.send({ flags: TCP_FLAG_ACK, seq: 0xfffffff1, ack: sa.seq + 1, win: 229, ts: [5001, sa.tsVal] });
  assert.deepEqual(h.app.events, ['accepted 0']);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  assert.ok(h.ep.established(conn));
  assert.ok(!h.ep.closedByUs(conn));
  assert.equal(h.out().length, 0, 'the final ACK of the handshake is not answered');
  assert.equal(h.seqState(conn).wnd, 229 << 7, 'peer window scaled by its shift');
  // 4-tuple getters.
  const a = new Uint32Array(4);
  h.ep.clientAddr(conn, a);
  assert.deepEqual([...a], [0, 0, 0xffff, CLIENT4]);
  h.ep.serverAddr(conn, a);
  assert.deepEqual([...a], [0, 0, 0xffff, SERVER4]);
  assert.equal(h.ep.client4(conn), CLIENT4);
  assert.equal(h.ep.server4(conn), SERVER4);
  assert.equal(h.ep.clientPort(conn), CPORT);
  assert.equal(h.ep.serverPort(conn), SPORT);
  assert.equal(h.ep.ipVersion(conn), 4);
  h.ep.setTag(conn, 42);
  assert.equal(h.ep.tag(conn), 42);

  // Data carries timestamps and respects the peer MSS less the timestamp option.
  h.ep.send(conn, bytes(3000), 0, 3000, h.now);
  const segs = h.out();
  assert.deepEqual(segs.map((s) => s.payload.length), [1388, 1388, 224]);
  assert.ok(segs.every((s) => s.hasTs && s.tsEcr === 5001 && s.ws === -1 && s.mss === 0));
  assert.equal(segs[0]!.window, 32768, 'our 64 KiB window scaled down by our shift of 1');
});

test('handshake without options: no options echoed, default peer MSS of 536', () => {
  const h = new Harness();
  const { conn, synAck } = h.handshake();
  assert.equal(synAck.ws, -1);
  assert.ok(!synAck.sackOk);
  assert.ok(!synAck.hasTs);
  assert.equal(synAck.mss, 1460);
  h.ep.send(conn, bytes(1200), 0, 1200, h.now);
  assert.deepEqual(h.out().map((s) => s.payload.length), [536, 536, 128]);
});

test('window scale: a 1 MiB receive buffer announces shift 5 and a window field of buffer >> 5', () => {
  const h = new Harness({ receiveBufferBytes: 1 << 20 });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 1, ws: 0 });
  const sa = h.one();
  assert.equal(sa.ws, 5);
  assert.equal(sa.window, 65535);
  h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: sa.seq + 1, data: 'x' });
  assert.equal(h.one().window, (1 << 20) >>> 5);
  assert.equal(h.app.text(conn), 'x', 'data on the ACK that completes the handshake is delivered');
  assert.deepEqual(h.app.events, ['accepted 0', 'data 0 1']);
});

test('IPv6: SYN-ACK with an MSS 20 bytes smaller, valid checksums, 1220 default peer MSS', () => {
  const h = new Harness();
  h.v6 = true;
  const { conn, synAck } = h.handshake();
  assert.ok(synAck.v6);
  assert.deepEqual(synAck.src, [...SERVER6]);
  assert.deepEqual(synAck.dst, [...CLIENT6]);
  assert.equal(synAck.mss, 1440);
  assert.equal(h.ep.ipVersion(conn), 6);
  h.ep.send(conn, bytes(2000), 0, 2000, h.now);
  assert.deepEqual(h.out().map((s) => s.payload.length), [1220, 780]);
});

test('we close first: FIN after the data, FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT → released, slot reused', () => {
  const h = new Harness({ timeWaitMs: 30_000 });
  const { conn, isn } = h.handshake();
  h.ep.send(conn, bytes(100), 0, 100, h.now);
  h.ep.shutdown(conn, h.now);
  assert.ok(h.ep.closedByUs(conn));
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_1);
  const segs = h.out();
  assert.equal(segs.length, 2);
  assert.equal(segs[0]!.flags, TCP_FLAG_ACK | TCP_FLAG_PSH);
  assert.equal(segs[1]!.flags, TCP_FLAG_ACK | TCP_FLAG_FIN);
  assert.equal(segs[1]!.seq, isn + 101);
  assert.equal(h.ep.send(conn, bytes(1), 0, 1, h.now), 0, 'no data after shutdown');
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 102 });
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  // The client may still send; then it closes.
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 102, data: 'bye' });
  assert.equal(h.app.text(conn), 'bye');
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  const ack = h.one();
  assert.equal(ack.ack, 1005);
  assert.equal(ack.seq, isn + 102);
  // A retransmitted FIN in TIME_WAIT is acknowledged again.
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1004, ack: isn + 102 });
  assert.equal(h.one().ack, 1005);
  // An in-window RST does not end TIME_WAIT (RFC 1337).
  h.send({ flags: TCP_FLAG_RST, seq: 1005 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  h.advance(29_999);
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  h.advance(1);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.deepEqual(h.app.events, ['accepted 0', 'data 0 3', 'peerFin 0', 'released 0 true']);
  assert.equal(h.ep.connectionCount(), 0);
  // The slot is reused.
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 9, cport: 40001 }), conn);
  assert.ok(!h.ep.closedByUs(conn));
  assert.ok(!h.ep.established(conn));
});

test('peer closes first: CLOSE_WAIT, our FIN, LAST_ACK, released; closedByUs stays false', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSE_WAIT);
  assert.equal(h.one().ack, 1002);
  assert.deepEqual(h.app.events.slice(-1), ['peerFin 0']);
  assert.equal(h.ep.send(conn, bytes(5), 0, 5, h.now), 5, 'we may still send in CLOSE_WAIT');
  h.ep.shutdown(conn, h.now);
  assert.ok(!h.ep.closedByUs(conn));
  assert.equal(h.ep.state(conn), TCP_STATE_LAST_ACK);
  const segs = h.out();
  assert.equal(segs.length, 2);
  assert.equal(segs[0]!.payload.length, 5);
  const fin = segs[1]!;
  assert.equal(fin.flags, TCP_FLAG_FIN | TCP_FLAG_ACK);
  assert.equal(fin.seq, isn + 6);
  // Unacknowledged, data and FIN go again: the data first, and the FIN rides on it.
  h.advance(h.ep.nextDeadline() - h.now);
  const again = h.one();
  assert.equal(again.seq, isn + 1);
  assert.equal(again.payload.length, 5);
  assert.equal(again.flags & TCP_FLAG_FIN, TCP_FLAG_FIN);
  h.send({ flags: TCP_FLAG_ACK, seq: 1002, ack: isn + 7 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.deepEqual(h.app.events.slice(-1), ['released 0 true']);
});

test('simultaneous close goes through CLOSING to TIME_WAIT', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.ep.shutdown(conn, h.now);
  const fin = h.one();
  assert.equal(fin.flags, TCP_FLAG_FIN | TCP_FLAG_ACK);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSING);
  assert.ok(h.ep.closedByUs(conn));
  h.send({ flags: TCP_FLAG_ACK, seq: 1002, ack: isn + 2 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
});

test('FIN_WAIT_2 times out when the peer never closes', () => {
  const h = new Harness({ finWait2TimeoutMs: 5000 });
  const { conn, isn } = h.handshake();
  h.ep.shutdown(conn, h.now);
  h.out();
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2 });
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  h.advance(5000);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.equal(h.one().flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.deepEqual(h.app.events.slice(-2), ['reset 0', 'released 0 true']);
});

test('a connection silent for the idle timeout is reset; any input keeps it alive', () => {
  const h = new Harness({ idleTimeoutMs: 10_000 });
  const { conn, isn } = h.handshake();
  h.advance(6000);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'ping' });
  h.out();
  h.advance(4000);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED, 'the timer was re-armed from the last input');
  assert.equal(h.ep.nextDeadline(), h.now + 6000);
  h.advance(6000);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  const r = h.one();
  assert.equal(r.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.equal(r.seq, isn + 1);
  assert.equal(h.ep.counters[TCP_CTR_IDLE_ABORTS], 1);
  assert.deepEqual(h.app.events.slice(-2), ['reset 0', 'released 0 true']);
});

test('RST from the peer: exact sequence resets, in-window gets a challenge ACK, outside is ignored', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_RST, seq: 1001 + 70_000 });
  assert.equal(h.out().length, 0);
  assert.equal(h.ep.counters[TCP_CTR_RST_IGNORED], 1);
  h.send({ flags: TCP_FLAG_RST, seq: 1001 + 10 });
  const ch = h.one();
  assert.equal(ch.flags, TCP_FLAG_ACK);
  assert.equal(ch.ack, 1001);
  assert.equal(ch.seq, isn + 1);
  assert.equal(h.ep.counters[TCP_CTR_CHALLENGE_ACKS], 1);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  h.send({ flags: TCP_FLAG_RST, seq: 1001 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.deepEqual(h.app.events, ['accepted 0', 'reset 0', 'released 0 true']);
  assert.equal(h.out().length, 0, 'a reset is never answered');
});

test('a SYN on an established connection gets a challenge ACK (RFC 5961 §4)', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 5_000_000 }), conn);
  const o = h.one();
  assert.equal(o.flags, TCP_FLAG_ACK);
  assert.equal(o.seq, isn + 1);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
});

test('abort by the application: RST with SND.NXT, slot released, no reset event', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.ep.send(conn, bytes(10), 0, 10, h.now);
  h.out();
  h.ep.abort(conn, h.now);
  const r = h.one();
  assert.equal(r.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.equal(r.seq, isn + 11);
  assert.deepEqual(h.app.events, ['accepted 0', 'released 0 true']);
  assert.equal(h.ep.connectionCount(), 0);
  assert.equal(h.ep.nextDeadline(), Infinity);
});

test('abort from inside a data callback stops processing safely', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.app.onData = (c, nowMs) => h.ep.abort(c, nowMs);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 1, data: 'x' });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  const o = h.out();
  assert.equal(o.length, 1);
  assert.equal(o[0]!.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.deepEqual(h.app.events, ['accepted 0', 'data 0 1', 'released 0 true']);
});

test('segments of no connection are refused with a reset (RFC 9293 §3.10.7.1)', () => {
  const h = new Harness();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq: 500, ack: 123456, data: 'abc' });
  let r = h.one();
  assert.equal(r.flags, TCP_FLAG_RST);
  assert.equal(r.seq, 123456);
  assert.deepEqual(r.src, [SERVER4]);
  assert.equal(r.sport, SPORT);
  assert.equal(r.dport, CPORT);
  h.send({ flags: TCP_FLAG_FIN, seq: 500, data: 'abcd' });
  r = h.one();
  assert.equal(r.flags, TCP_FLAG_RST | TCP_FLAG_ACK);
  assert.equal(r.seq, 0);
  assert.equal(r.ack, 505);
  h.send({ flags: TCP_FLAG_RST | TCP_FLAG_ACK, seq: 500, ack: 1 });
  assert.equal(h.out().length, 0);
});

test('a new SYN for a 4-tuple in TIME_WAIT reopens it', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.ep.shutdown(conn, h.now);
  h.out();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 2 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  h.out();
  // An old SYN (below RCV.NXT) gets an ACK; a newer one opens a new incarnation.
  h.send({ flags: TCP_FLAG_SYN, seq: 10 });
  assert.equal(h.one().flags, TCP_FLAG_ACK);
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  const c2 = h.send({ flags: TCP_FLAG_SYN, seq: 900_000 });
  assert.equal(c2, conn);
  assert.equal(h.ep.state(c2), TCP_STATE_SYN_RECEIVED);
  const sa = h.one();
  assert.equal(sa.ack, 900_001);
  assert.equal(h.ep.counters[TCP_CTR_TIME_WAIT_REOPENED], 1);
  assert.deepEqual(h.app.events.slice(-1), ['released 0 true']);
  h.send({ flags: TCP_FLAG_ACK, seq: 900_001, ack: sa.seq + 1 });
  assert.equal(h.ep.state(c2), TCP_STATE_ESTABLISHED);
});

test('table pressure: a TIME_WAIT slot is evicted for a new SYN; without one the SYN is refused', () => {
  const h = new Harness({ maxConnections: 2 });
  const a = h.handshake({ cport: 1 }, 100);
  h.handshake({ cport: 2 }, 200);
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 5, cport: 3 }), -1);
  assert.equal(h.ep.counters[TCP_CTR_OPEN_REFUSED], 1);
  h.ep.shutdown(a.conn, h.now);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 101, ack: a.isn + 2, cport: 1 });
  assert.equal(h.ep.state(a.conn), TCP_STATE_TIME_WAIT);
  h.out();
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 5, cport: 3 }), a.conn);
  assert.equal(h.ep.counters[TCP_CTR_EVICTIONS], 1);
  assert.equal(h.ep.clientPort(a.conn), 3);
  assert.equal(h.ep.connectionCount(), 2);
});

test('many connections: lookup keeps every 4-tuple apart through opens and releases', () => {
  const h = new Harness({ maxConnections: 64 });
  const conns: number[] = [];
  for (let i = 0; i < 64; i++) conns.push(h.handshake({ cport: 1000 + i }, i * 10_000).conn);
  assert.equal(new Set(conns).size, 64);
  // Reset every third one, then check lookups of all.
  for (let i = 0; i < 64; i += 3) h.send({ flags: TCP_FLAG_RST, seq: i * 10_000 + 1, cport: 1000 + i });
  for (let i = 0; i < 64; i++) {
    const m = h.build({ flags: TCP_FLAG_ACK, seq: i * 10_000 + 1, cport: 1000 + i });
    assert.equal(h.ep.lookup(m), i % 3 === 0 ? -1 : conns[i]);
  }
  assert.equal(h.ep.connectionCount(), 64 - 22);
});

test('PAWS: a segment with an older timestamp is dropped with an ACK', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ ts: [1000, 0] });
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'new', ts: [1005, 0] });
  assert.equal(h.app.text(conn), 'new');
  const a = h.one();
  assert.equal(a.tsEcr, 1005);
  h.send({ flags: TCP_FLAG_ACK, seq: 1004, ack: isn + 1, data: 'old', ts: [900, 0] });
  assert.equal(h.app.text(conn), 'new');
  assert.equal(h.ep.counters[TCP_CTR_PAWS_REJECTED], 1);
  assert.equal(h.one().ack, 1004);
});

test('replay mode: ISN rebased on the first ACK; ACKs beyond what was sent count as delivered', () => {
  const h = new Harness({ followPeerSequence: true });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 462612879 });
  const sa = h.one();
  const theirs = 3715697586; // the ISN the capture's server chose, not ours
  assert.notEqual(sa.seq, theirs);
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  assert.equal(h.ep.counters[TCP_CTR_REPLAY_REBASES], 1);
  assert.equal(h.seqState(conn).iss, theirs);
  // Our data follows the rebased ISN.
  h.ep.send(conn, bytes(100), 0, 100, h.now);
  assert.equal(h.one().seq, theirs + 1);
  // The client acknowledges 300 bytes: 100 we sent and 200 we have not produced yet.
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 301 });
  let st = h.seqState(conn);
  assert.equal(st.una, theirs + 301);
  assert.equal(st.nxt, theirs + 301);
  assert.equal(h.out().length, 0, 'no ACK for an ACK from the future in replay');
  assert.equal(h.ep.nextDeadline(), h.now + TCP_DEFAULT_IDLE_TIMEOUT_MS, 'nothing outstanding to retransmit');
  // The application's next 250 bytes: 200 were already delivered, 50 are new.
  assert.equal(h.ep.send(conn, bytes(250), 0, 250, h.now), 250);
  const o = h.one();
  assert.equal(o.seq, theirs + 301);
  assert.deepEqual(Buffer.from(o.payload), Buffer.from(bytes(250).slice(200)));
  // An ACK below SND.UNA is an ordinary duplicate.
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 100 });
  st = h.seqState(conn);
  assert.equal(st.una, theirs + 301);
  // The client acknowledges past our data; after shutdown our FIN counts as acknowledged.
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 360 });
  h.ep.shutdown(conn, h.now);
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  assert.ok(h.ep.closedByUs(conn));
  const fin = h.one();
  assert.equal(fin.flags, TCP_FLAG_FIN | TCP_FLAG_ACK);
  assert.equal(fin.seq, theirs + 351);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 462612880, ack: theirs + 360 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
});

test('replay mode: an ACK covering a queued FIN acknowledges it', () => {
  const h = new Harness({ followPeerSequence: true });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 1 });
  h.out();
  h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: 5001 });
  h.ep.send(conn, bytes(40), 0, 40, h.now);
  h.ep.shutdown(conn, h.now);
  const segs = h.out();
  assert.equal(segs.length, 2);
  assert.equal(segs[0]!.seq, 5001);
  assert.equal(segs[1]!.seq, 5041);
  assert.equal(segs[1]!.flags & TCP_FLAG_FIN, TCP_FLAG_FIN);
  h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: 5001 + 41 + 1000 });
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  assert.equal(h.ep.nextDeadline() - h.now, 60_000, 'only the FIN_WAIT_2 timer is left');
});

test('deterministic: the same script and seed give the same bytes', () => {
  const run = (): string => {
    const h = new Harness({ rng: seededRng(99) });
    const chunks: string[] = [];
    const grab = (): void => {
      for (let i = 0; i < h.tx.length; i++) {
        chunks.push(Buffer.from(h.tx.buf.subarray(h.tx.offsetOf(i), h.tx.offsetOf(i) + h.tx.lengthOf(i))).toString('hex'));
      }
      h.tx.clear();
    };
    const conn = h.send({ flags: TCP_FLAG_SYN, seq: 1, ts: [10, 0], sackOk: true, ws: 2, mss: 1200 });
    grab();
    h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: h.seqState(conn).iss + 1, ts: [11, 0] });
    h.ep.send(conn, bytes(5000), 0, 5000, h.now);
    grab();
    h.advance(5000);
    grab();
    h.ep.shutdown(conn, h.now);
    h.advance(100_000);
    grab();
    return chunks.join('\n');
  };
  const a = run();
  assert.ok(a.length > 100);
  assert.equal(run(), a);
  assert.notEqual(a, ((): string => {
    const h = new Harness({ rng: seededRng(100) });
    h.send({ flags: TCP_FLAG_SYN, seq: 1 });
    return Buffer.from(h.tx.buf.subarray(0, h.tx.lengthOf(0))).toString('hex');
  })());
});

test('counter names cover every counter', () => {
  assert.equal(TCP_COUNTER_NAMES.length, TCP_CTR_COUNT);
  assert.equal(new Set(TCP_COUNTER_NAMES).size, TCP_CTR_COUNT);
  const h = new Harness();
  assert.equal(h.ep.counters.length, TCP_CTR_COUNT);
  assert.equal(h.ep.state(-1), TCP_STATE_CLOSED);
  assert.equal(h.ep.state(99), TCP_STATE_CLOSED);
  // Calls on free or bogus slots do nothing.
  h.ep.input(3, h.build({ flags: TCP_FLAG_ACK, seq: 1 }), 0);
  h.ep.shutdown(3, 0);
  h.ep.abort(3, 0);
  assert.equal(h.ep.send(3, bytes(1), 0, 1, 0), 0);
  assert.equal(h.out().length, 0);
});

// ---- property ---------------------------------------------------------------------------------

/** The byte a client sends at sequence number `seq` (content is a function of position). */
function streamByte(seq: number): number {
  return (Math.imul(seq >>> 0, 31) + 7) & 0xff;
}

const FLAG_BITS = [TCP_FLAG_FIN, TCP_FLAG_SYN, TCP_FLAG_RST, TCP_FLAG_PSH, TCP_FLAG_ACK, 0x20];

type Step =
  | { kind: 'seg'; flags: number; seqOff: number; ackOff: number; len: number; win: number; tsStep: number }
  | { kind: 'send'; n: number }
  | { kind: 'shutdown' }
  | { kind: 'abort' }
  | { kind: 'advance'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 40, arbitrary: fc.record({
    kind: fc.constant('seg' as const),
    // Mostly ACKs, with every other flag combination possible.
    flags: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(TCP_FLAG_ACK, TCP_FLAG_ACK | TCP_FLAG_PSH, TCP_FLAG_ACK | TCP_FLAG_FIN) },
      { weight: 1, arbitrary: fc.subarray(FLAG_BITS).map((bits) => bits.reduce((a, b) => a | b, 0)) },
    ),
    seqOff: fc.oneof(fc.integer({ min: -200, max: 3000 }), fc.integer({ min: -70_000, max: 140_000 })),
    ackOff: fc.integer({ min: -3000, max: 6000 }),
    len: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1500 })),
    win: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 })),
    tsStep: fc.integer({ min: -5, max: 100 }),
  }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('send' as const), n: fc.integer({ min: 1, max: 6000 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('shutdown' as const) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const) }) },
);

test('property: random segment sequences never throw and keep the invariants', () => {
  fc.assert(fc.property(
    fc.boolean(),
    fc.record({
      sackOk: fc.boolean(),
      ts: fc.boolean(),
      ws: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      mss: fc.option(fc.integer({ min: 1, max: 9000 }), { nil: undefined }),
    }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.array(stepArb, { maxLength: 50 }),
    (replay, opts, clientIsn, steps) => {
      const h = new Harness({ followPeerSequence: replay, maxRetransmits: 3, sendBufferBytes: 8192, maxConnections: 2 });
      const delivered = new Map<number, number>();
      h.app.events = [];
      const origReleased = h.app.released.bind(h.app);
      h.app.released = (conn, was) => {
        origReleased(conn, was);
        h.app.received.delete(conn);
        delivered.delete(conn);
      };
      let tsVal = 1;
      const synOpts: Partial<Seg> = { sackOk: opts.sackOk };
      if (opts.ts) synOpts.ts = [tsVal, 0];
      if (opts.ws !== undefined) synOpts.ws = opts.ws;
      if (opts.mss !== undefined) synOpts.mss = opts.mss;
      const conn = h.send({ flags: TCP_FLAG_SYN, seq: clientIsn, ...synOpts });
      assert.equal(conn, 0);
      const payload = new Uint8Array(1500);
      const st = new Float64Array(8);
      let peerMss = 0;
      const check = (): void => {
        for (const o of h.out()) {
          // decodeOut verified the checksums; data never exceeds what the peer can take.
          if (peerMss > 0) assert.ok(o.payload.length <= peerMss, `segment of ${o.payload.length} > MSS ${peerMss}`);
        }
        assert.ok(h.ep.connectionCount() <= 2);
        if (h.ep.state(conn) === TCP_STATE_CLOSED) return;
        h.ep.sequenceState(conn, st);
        const una = st[0]!, nxt = st[1]!, max = st[2]!;
        assert.ok(((nxt - una) | 0) >= 0, 'SND.UNA <= SND.NXT');
        assert.ok(((max - nxt) | 0) >= 0, 'SND.NXT <= SND.MAX');
        assert.ok(st[7]! <= 8192, 'send buffer bound');
        const got = h.app.received.get(conn) ?? [];
        const irs = st[5]!;
        for (let i = delivered.get(conn) ?? 0; i < got.length; i++) {
          assert.equal(got[i], streamByte(irs + 1 + i), `delivered byte ${i} out of order`);
        }
        delivered.set(conn, got.length);
        assert.ok(h.ep.nextDeadline() >= 0);
      };
      peerMss = opts.mss === undefined ? 536 : Math.min(opts.mss, 1460);
      if (opts.ts) peerMss -= 12;
      check();
      for (const step of steps) {
        switch (step.kind) {
          case 'seg': {
            const open = h.ep.state(conn) !== TCP_STATE_CLOSED;
            if (open) h.ep.sequenceState(conn, st);
            const base = open ? st[5]! + 1 : clientIsn + 1;
            const ourNxt = open ? st[1]! : 0;
            const seq = (base + step.seqOff) >>> 0;
            for (let i = 0; i < step.len; i++) payload[i] = streamByte(seq + i);
            tsVal = (tsVal + step.tsStep) >>> 0;
            const seg: Seg = {
              flags: step.flags, seq, ack: (ourNxt + step.ackOff) >>> 0, win: step.win,
              data: payload.subarray(0, step.len),
            };
            if (opts.ts) seg.ts = [tsVal, 0];
            if ((step.flags & TCP_FLAG_SYN) !== 0) Object.assign(seg, synOpts);
            h.send(seg);
            break;
          }
          case 'send':
            h.ep.send(conn, bytes(step.n), 0, step.n, h.now);
            break;
          case 'shutdown':
            h.ep.shutdown(conn, h.now);
            break;
          case 'abort':
            h.ep.abort(conn, h.now);
            break;
          case 'advance':
            h.advance(step.ms);
            break;
        }
        check();
      }
      // Whatever happened, time alone ends every connection.
      for (let i = 0; i < 40 && h.ep.connectionCount() > 0; i++) h.advance(Math.max(1, h.ep.nextDeadline() - h.now));
      check();
      assert.equal(h.ep.connectionCount(), 0);
      assert.equal(h.ep.nextDeadline(), Infinity);
    },
  ), { numRuns: 300 });
});
