import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TCP_FLAG_ACK, TCP_FLAG_PSH } from '../../src/wire/packet.js';
import { TCP_CTR_WINDOW_UPDATES, TCP_CTR_ZERO_WINDOW_DROPS } from '../../src/tcp/counters.js';
import { Harness, bytes } from './harness.js';

test('flow control: the window offered shrinks as the application falls behind, and a read reopens it with a window update', () => {
  const h = new Harness({ receiveBufferBytes: 16384, holdUntilRead: true });
  const { conn, isn } = h.handshake({ mss: 1460 });
  let seq = 1001;
  let lastWindow = -1;
  for (let sent = 0; sent < 16384; sent += 1024) {
    h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq, ack: isn + 1, data: bytes(1024, sent) });
    seq += 1024;
    const ack = h.one();
    assert.equal(ack.ack, seq);
    assert.equal(ack.window, 16384 - (sent + 1024), 'the window is what the application has not taken');
    lastWindow = ack.window;
  }
  assert.equal(lastWindow, 0);
  assert.equal(h.ep.unread(conn), 16384);
  // A segment into the closed window: its text is dropped, its ACK still processed and answered.
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq, ack: isn + 1, data: bytes(500) });
  const z = h.one();
  assert.equal(z.ack, seq, 'nothing taken');
  assert.equal(z.window, 0);
  assert.equal(h.ep.counters[TCP_CTR_ZERO_WINDOW_DROPS], 1);
  assert.equal(h.app.received.get(conn)!.length, 16384);
  // A small read does not announce a silly window (RFC 9293 §3.8.6.2.2) …
  h.ep.read(conn, 100, h.now);
  assert.equal(h.out().length, 0);
  // … a read of half the buffer does.
  h.ep.read(conn, 8092, h.now);
  const upd = h.one();
  assert.equal(upd.flags, TCP_FLAG_ACK);
  assert.equal(upd.window, 8192);
  assert.equal(h.ep.counters[TCP_CTR_WINDOW_UPDATES], 1);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq, ack: isn + 1, data: bytes(500) });
  assert.equal(h.one().window, 8192 - 500);
  assert.equal(h.app.received.get(conn)!.length, 16384 + 500);
});

test('flow control: without holdUntilRead, delivered bytes count as read at once', () => {
  const h = new Harness({ receiveBufferBytes: 4096 });
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq: 1001, ack: isn + 1, data: bytes(3000) });
  assert.equal(h.one().window, 4096);
  assert.equal(h.ep.unread(conn), 0);
});
