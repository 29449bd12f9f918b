/**
 * `engine.permitsConnection` (src/engine/query.ts): the question the explicit proxy asks before
 * it connects for a host — the host's inbound list (with its downloaded entries once it is
 * authenticated), then the destination interface's outbound list; the gateway's own addresses
 * and mixed families refused; the match counted as the packet's would be. With downloaded
 * entries that permit every TCP connection, still nothing that names the gateway host itself to
 * the proxy's own socket: the unspecified addresses (the kernel connects 0.0.0.0 and `::` to the
 * local host), loopback, where the gateway's own services listen, and link-local (a cloud's
 * metadata service).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeContextFixture } from '../gateway/context-fixture.js';
import { parseIp } from '../../src/wire/addr.js';

const CONFIG = `hostname gw
ip auth-proxy name web http
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ipv6 address 2001:db8:1::1/64
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
 ipv6 address 2001:db8:2::1/64
 ip access-group 102 out
access-list 101 permit tcp any host 10.2.0.9 eq 80
access-list 101 permit tcp any host 10.2.0.10 eq 80
access-list 101 deny ip any any
access-list 102 deny tcp any host 10.2.0.10
access-list 102 permit ip any any
`;

const ip = (t: string): Uint32Array => parseIp(t)!;

test('permitsConnection: inbound list, downloaded entries after a login, outbound list, own addresses, families', () => {
  const fx = makeContextFixture({ configText: CONFIG });
  const e = fx.engine;
  const now = fx.clock.nowMs;
  const host = ip('10.1.0.5');
  assert.equal(e.permitsConnection(host, ip('10.2.0.9'), 80, now), true, 'the static entry');
  assert.equal(e.permitsConnection(host, ip('10.2.0.9'), 22, now), false, 'the implicit deny of 101');
  assert.equal(e.permitsConnection(host, ip('10.2.0.10'), 80, now), false, 'inbound permits, outbound 102 denies');
  assert.equal(e.permitsConnection(host, ip('10.2.0.1'), 80, now), false, 'the gateway\'s own address');
  assert.equal(e.permitsConnection(host, ip('2001:db8:2::9'), 80, now), false, 'an IPv4 host to an IPv6 address');
  assert.match(e.acls.showIpAccessLists('101'), /permit tcp any host 10\.2\.0\.9 eq www \(1 match\)/, 'counted as the SYN would be');
  const r = e.authorizeHost(host, 'alice', [{ n: 1, text: 'permit tcp any any eq 22' }], now);
  assert.ok(r.ok);
  assert.equal(e.permitsConnection(host, ip('10.2.0.9'), 22, now), true, 'the downloaded entry, once authenticated');
  assert.equal(e.permitsConnection(ip('10.1.0.6'), ip('10.2.0.9'), 22, now), false, 'another host has no such entry');
  assert.equal(e.permitsConnection(ip('192.0.2.1'), ip('10.2.0.9'), 80, now), false, 'a host on no interface');
});

test('permitsConnection: a host permitted everything still reaches neither the gateway, nor loopback, link-local or the unspecified address', () => {
  const fx = makeContextFixture();
  const e = fx.engine;
  for (const host of ['10.1.0.5', '2001:db8:1::5']) {
    const r = e.authorizeHost(ip(host), 'alice', [{ n: 1, text: 'permit tcp any any' }], 0);
    assert.ok(r.ok, host);
  }
  const ask = (client: string, dst: string, port = 22): boolean => e.permitsConnection(ip(client), ip(dst), port, 0);
  assert.equal(ask('10.1.0.5', '10.2.0.9'), true, 'beyond the outside interface');
  assert.equal(ask('2001:db8:1::5', '2001:db8:2::9'), true, 'beyond the outside interface (IPv6)');
  assert.equal(ask('10.1.0.5', '10.2.0.1'), false, 'the gateway\'s own address');
  for (const dst of ['127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1', '0.0.0.0', '0.1.2.3', '169.254.169.254']) {
    assert.equal(ask('10.1.0.5', dst), false, dst);
  }
  for (const dst of ['::1', '::', 'fe80::1', 'febf::1']) assert.equal(ask('2001:db8:1::5', dst), false, dst);
  assert.equal(ask('2001:db8:1::5', 'fec0::1'), true, 'just past fe80::/10');
  assert.equal(ask('10.1.0.5', '169.253.255.255'), true, 'just below 169.254/16');
});
