/**
 * Engine.permitsConnection, the explicit proxy's question before it connects for a host: with
 * downloaded entries that permit every TCP connection, a destination beyond the outside interface
 * passes, but none that names the gateway host itself to the proxy's own socket — its interface
 * addresses, the unspecified addresses (the kernel connects 0.0.0.0 and `::` to the local host)
 * and loopback, where the gateway's own services listen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../src/wire/addr.js';
import { makeContextFixture } from '../gateway/context-fixture.js';

const words = (text: string): Uint32Array => {
  const w = parseIp(text);
  assert.ok(w !== undefined, text);
  return w;
};

test('permitsConnection: a host permitted everything still reaches neither the gateway, nor loopback, nor the unspecified address', () => {
  const fx = makeContextFixture();
  const e = fx.engine;
  for (const host of ['10.1.0.5', '2001:db8:1::5']) {
    const r = e.authorizeHost(words(host), 'alice', [{ n: 1, text: 'permit tcp any any' }], 0);
    assert.ok(r.ok, host);
  }
  const ask = (client: string, dst: string, port = 22): boolean => e.permitsConnection(words(client), words(dst), port, 0);
  assert.equal(ask('10.1.0.5', '10.2.0.9'), true, 'beyond the outside interface');
  assert.equal(ask('2001:db8:1::5', '2001:db8:2::9'), true, 'beyond the outside interface (IPv6)');
  assert.equal(ask('10.1.0.5', '10.2.0.1'), false, 'the gateway\'s own address');
  for (const dst of ['127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1', '0.0.0.0', '0.1.2.3']) {
    assert.equal(ask('10.1.0.5', dst), false, dst);
  }
  for (const dst of ['::1', '::']) assert.equal(ask('2001:db8:1::5', dst), false, dst);
});
