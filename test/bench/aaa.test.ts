/**
 * The AAA benchmark (bench/aaa.ts) at a small size, so that it keeps working: one round of two
 * logins a side through bare node:https and `portcullis run` with the local user, FreeRADIUS and
 * the TACACS+ test server (root: namespaces of its own, removed afterwards); and its parts — the
 * AAA latencies read from the debug lines, the percentiles, the side's configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { aaaConfig, aaaLatencies, AAA_SIDES, percentile, runAaa } from '../../bench/aaa.js';

test('AAA latencies pair each client\'s request and response debug lines; percentiles by nearest rank', () => {
  const debug = [
    '*Dec 5 12:31:15.206: AUTH-PROXY: AAA request for user "bench" from 10.50.1.10',
    '*Dec 5 12:31:15.207: AUTH-PROXY: AAA request for user "bench" from 10.50.1.11',
    '*Dec 5 12:31:15.240: AUTH-PROXY: AAA response for user "bench" from 10.50.1.11: accept, priv-lvl 15, 3 proxyacl entries',
    '*Dec 5 12:31:15.256: AUTH-PROXY: AAA response for user "bench" from 10.50.1.10: reject (x from 10.50.1.12: y)',
    '*Dec 5 23:59:59.990: AUTH-PROXY: AAA request for user "bench" from 10.50.1.12',
    '*Dec 6 00:00:00.010: AUTH-PROXY: AAA response for user "bench" from 10.50.1.12: challenge',
    '*Dec 6 00:00:00.011: AUTH-PROXY: AAA response for user "bench" from 10.50.1.13: accept',
  ].join('\n');
  assert.deepEqual(aaaLatencies(debug), [33, 50, 20]);
  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.equal(percentile([5, 1, 4, 2, 3], 90), 5);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('each side\'s configuration parses and names its method lists and server', () => {
  const servers = { radiusPort: 18120, radiusAcctPort: 18121, tacacsPort: 4949 };
  for (const side of AAA_SIDES) {
    const c = parseConfig(aaaConfig(side, servers, 10), `${side}.cfg`);
    const method = side === 'radius' ? 'group radius' : side === 'tacacs' ? 'group tacacs+' : 'local';
    assert.deepEqual(c.aaa.authenticationLogin.get('default'), [method], side);
    assert.deepEqual(c.aaa.authorizationAuthProxy.get('default'), [method], side);
  }
  assert.equal(parseConfig(aaaConfig('radius', servers, 10), 'r.cfg').radius.servers[0]!.authPort, 18120);
});

test('one small round: bare, local, RADIUS and TACACS+ logins all succeed, with latencies', async () => {
  const r = await runAaa({ quick: true, rounds: 1, logins: 2, log: () => {} });
  assert.ok(!('notRun' in r), JSON.stringify(r));
  if ('notRun' in r) return;
  assert.deepEqual(r.samples.map((s) => s.side), [...AAA_SIDES]);
  for (const s of r.samples) {
    assert.equal(s.logins, 2, s.side);
    assert.equal(s.loginMs.length, 2, s.side);
    assert.equal(s.aaaMs.length, s.side === 'bare' ? 0 : 2, s.side);
    assert.ok(s.perSecond > 0, s.side);
  }
  assert.match(r.markdown, /\| portcullis run, group radius \(FreeRADIUS 3\.2, PAP\) \| [\d.]+ \([\d.]+–[\d.]+\) \| [\d.]+× \| [\d.]+ \/ [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \/ [\d.]+ \|/);
  assert.doesNotMatch(r.markdown, /bench-aaa-key|bench-password/);
});
