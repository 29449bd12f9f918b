import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketMeta, TCP_FLAG_ACK, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import { hashKeyFromSeed } from '../../src/table/keyed-hash.js';
import { SYN_COOKIE_MSS_V4, SYN_COOKIE_TICK_MS, SynCookies } from '../../src/tcp/syn-cookies.js';
import { SourceCounts } from '../../src/tcp/source-counts.js';
import { TCP_STATE_ESTABLISHED, TCP_STATE_SYN_RECEIVED } from '../../src/tcp/constants.js';
import { TCP_CTR_SYN_COOKIES_ACCEPTED, TCP_CTR_SYN_COOKIES_REJECTED } from '../../src/tcp/counters.js';
import { CLIENT4, Harness } from './harness.js';

/** A client → server segment's 4-tuple and numbers (what the cookie functions read). */
function seg(seq: number, ack: number, cport = 40000): PacketMeta {
  const m = new PacketMeta();
  m.ipVersion = 4;
  m.srcAddr.set([0, 0, 0xffff, 0xc0a8010a]);
  m.dstAddr.set([0, 0, 0xffff, 0x0a000001]);
  m.srcPort = cport;
  m.dstPort = 80;
  m.seq = seq;
  m.ack = ack;
  return m;
}

test('SYN cookies: the ACK of a cookie gives back its MSS index for a minute or two, and nothing else does', () => {
  const sc = new SynCookies(hashKeyFromSeed(5));
  const t0 = 10 * SYN_COOKIE_TICK_MS + 5_000;
  for (let idx = 0; idx < 4; idx++) {
    const cookie = sc.make(seg(1000, 0), idx, t0);
    assert.equal(cookie >>> 28 & 3, idx);
    assert.equal(sc.check(seg(1001, cookie + 1), t0), idx, 'same minute');
    assert.equal(sc.check(seg(1001, cookie + 1), t0 + SYN_COOKIE_TICK_MS), idx, 'next minute');
    assert.equal(sc.check(seg(1001, cookie + 1), t0 + 2 * SYN_COOKIE_TICK_MS), -1, 'two minutes on');
    assert.equal(sc.check(seg(1001, cookie + 1), t0 - SYN_COOKIE_TICK_MS), -1, 'from the future');
    assert.equal(sc.check(seg(1002, cookie + 1), t0), -1, 'another client ISN');
    assert.equal(sc.check(seg(1001, cookie + 1, 40001), t0), -1, 'another port');
    assert.equal(sc.check(seg(1001, (cookie ^ 0x100) + 1), t0), -1, 'a flipped MAC bit');
    assert.equal(sc.check(seg(1001, (cookie ^ 0x10000000) + 1), t0), -1, 'another MSS index');
  }
  assert.notEqual(new SynCookies(hashKeyFromSeed(6)).make(seg(1000, 0), 3, t0), sc.make(seg(1000, 0), 3, t0),
    'the secret comes from the key');
});

test('SYN cookies: MSS values round down to the table', () => {
  assert.equal(SynCookies.mssIndex(1460, false), 3);
  assert.equal(SynCookies.mssIndex(1459, false), 2);
  assert.equal(SynCookies.mssIndex(100, false), 0);
  assert.equal(SynCookies.mssOf(1, false), SYN_COOKIE_MSS_V4[1]);
  assert.equal(SynCookies.mssOf(SynCookies.mssIndex(1440, true), true), 1440);
});

test('source counts: per address, records go at zero and are reused', () => {
  const sc = new SourceCounts(2, hashKeyFromSeed(1));
  const a = Uint32Array.of(0, 0, 0xffff, 1, 0, 0, 0xffff, 2, 0, 0, 0xffff, 3);
  sc.increment(a, 0);
  sc.increment(a, 0);
  sc.increment(a, 4);
  assert.deepEqual([sc.get(a, 0), sc.get(a, 4), sc.get(a, 8)], [2, 1, 0]);
  sc.increment(a, 8);
  assert.equal(sc.get(a, 8), 0, 'no free record: not counted');
  sc.decrement(a, 4);
  sc.increment(a, 8);
  assert.deepEqual([sc.get(a, 0), sc.get(a, 4), sc.get(a, 8)], [2, 0, 1]);
  sc.decrement(a, 0);
  sc.decrement(a, 0);
  sc.decrement(a, 0);
  assert.equal(sc.get(a, 0), 0);
});

test('endpoint: a cookie answers a SYN with no state; its ACK makes an established connection without options', () => {
  const h = new Harness();
  const syn = h.build({ flags: TCP_FLAG_SYN, seq: 900, mss: 1400, ws: 7, sackOk: true, ts: [5, 0] });
  h.ep.answerWithCookie(syn, h.now);
  assert.equal(h.ep.connectionCount(), 0);
  const sa = h.one();
  assert.equal(sa.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
  assert.equal(sa.ack, 901);
  assert.deepEqual([sa.mss, sa.ws, sa.sackOk, sa.hasTs, sa.window], [1460, -1, false, false, 65535]);
  assert.deepEqual(sa.dst, [CLIENT4]);
  const forged = h.build({ flags: TCP_FLAG_ACK, seq: 901, ack: sa.seq + 2 });
  assert.equal(h.ep.openFromCookie(forged, h.now), -1);
  assert.equal(h.ep.counters[TCP_CTR_SYN_COOKIES_REJECTED], 1);
  const ack = h.build({ flags: TCP_FLAG_ACK, seq: 901, ack: sa.seq + 1, data: 'GET / HTTP/1.0\r\n\r\n' });
  const c = h.ep.openFromCookie(ack, h.now);
  assert.ok(c >= 0);
  assert.equal(h.ep.state(c), TCP_STATE_SYN_RECEIVED);
  assert.equal(h.ep.halfOpenFrom(ack), 1);
  h.ep.input(c, ack, h.now);
  assert.equal(h.ep.state(c), TCP_STATE_ESTABLISHED);
  assert.equal(h.ep.halfOpenFrom(ack), 0);
  assert.equal(h.ep.counters[TCP_CTR_SYN_COOKIES_ACCEPTED], 1);
  assert.equal(h.app.text(c), 'GET / HTTP/1.0\r\n\r\n');
  assert.deepEqual(h.app.events.slice(0, 2), [`accepted ${c}`, `data ${c} 18`]);
  const out = h.one();
  assert.equal(out.ack, 901 + 18);
  assert.equal(out.hasTs, false, 'no timestamps in cookie mode');
  // The cookie's MSS (1300 for the client's 1400) caps what we send.
  const s = h.ep.send(c, new Uint8Array(3000), 0, 3000, h.now);
  assert.equal(s, 3000);
  assert.deepEqual(h.out().map((o) => o.payload.length), [1300, 1300, 400]);
});

test('endpoint: half-open connections are counted per source until the handshake or the release', () => {
  const h = new Harness();
  const a = h.send({ flags: TCP_FLAG_SYN, seq: 1, cport: 1000 });
  h.send({ flags: TCP_FLAG_SYN, seq: 1, cport: 1001 });
  const probe = h.build({ flags: TCP_FLAG_SYN, seq: 1, cport: 1002 });
  assert.equal(h.ep.halfOpenFrom(probe), 2);
  h.ep.abort(a, h.now);
  assert.equal(h.ep.halfOpenFrom(h.build({ flags: TCP_FLAG_SYN, seq: 1 })), 1);
  h.advance(120_000);
  assert.equal(h.ep.connectionCount(), 0);
  assert.equal(h.ep.halfOpenFrom(h.build({ flags: TCP_FLAG_SYN, seq: 1 })), 0, 'expired half-open connections leave the count');
  assert.equal(h.ep.halfOpenPerSource, 8);
});
