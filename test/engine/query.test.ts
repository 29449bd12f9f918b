/**
 * `engine.permitsConnection` (src/engine/query.ts): the question the explicit proxy asks before
 * it connects for a host — the host's inbound list (with its downloaded entries once it is
 * authenticated), then the destination interface's outbound list; the gateway's own addresses
 * and mixed families refused; the match counted as the packet's would be.
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
