import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterceptedSocket } from '../../src/login/intercepted-socket.js';
import type { Engine } from '../../src/engine/engine.js';

/** An engine stand-in that records what the socket reports read. */
function fakeEngine(reads: number[]): Engine {
  return { connRead: (_c: number, n: number) => { reads.push(n); } } as unknown as Engine;
}

test('intercepted socket: bytes a reader has not taken are not reported read; _read reports them as it takes them', () => {
  const reads: number[] = [];
  const sock = new InterceptedSocket(fakeEngine(reads), 3, () => 0, () => {}, {
    remoteAddress: '10.0.0.2', remotePort: 4000, localAddress: '10.0.0.1', localPort: 80, family: 'IPv4',
  });
  sock.pause();
  sock.deliver(Buffer.alloc(1000, 1));
  sock.deliver(Buffer.alloc(500, 2));
  assert.deepEqual(reads, [], 'a paused reader holds the bytes: the window stays closed for them');
  assert.equal(sock.read(1200)?.length, 1200);
  assert.equal(reads.reduce((a, b) => a + b, 0), 1200, 'what was taken reopens the window');
  const got: number[] = [];
  sock.on('data', (b: Buffer) => got.push(b.length));
  sock.resume();
  return new Promise<void>((resolve) => setImmediate(() => {
    sock.deliver(Buffer.alloc(700, 3));
    assert.equal(reads.reduce((a, b) => a + b, 0), 2200, 'a flowing reader takes everything at once');
    assert.deepEqual(got, [300, 700]);
    resolve();
  }));
});
