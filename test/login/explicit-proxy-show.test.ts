/**
 * The explicit proxy's counters in `show ip auth-proxy statistics`, asked through the control
 * socket of a gateway whose proxy served a few requests: the spec'd block unchanged first, then
 * the proxy's block (README "show formats"), each counter what those requests did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import type { Authenticator, AuthOutcome, AuthRequest } from '../../src/aaa/types.js';
import { startControlServer } from '../../src/control/server.js';
import { callControl } from '../../src/control/client.js';
import { withTempDir } from '../control/helpers.js';
import { serviceConfig, startServiceFixture } from './service-fixture.js';

const CLIENT = '127.0.0.30';
/** A destination no ACL permits: 403 once the credentials are accepted. */
const TARGET = 'http://127.0.0.52:9/';

class Auth implements Authenticator {
  async authenticate(req: AuthRequest): Promise<AuthOutcome> {
    return req.user === 'alice' && req.password === 'secret'
      ? { kind: 'accept', user: 'alice', privilege: 15, entries: [] }
      : { kind: 'reject', reason: 'wrong password' };
  }
}

/** A request through the proxy from {@link CLIENT} (`credentials` as `user:password`, if any); resolves with the status. */
function viaProxy(port: number, path: string, credentials?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: 'x' };
    if (credentials !== undefined) headers['Proxy-Authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    const req = http.request({ host: '127.0.0.1', port, path, localAddress: CLIENT, agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

test('show ip auth-proxy statistics: the proxy\'s counters in a block after the spec\'d lines', async () => {
  const s = await startServiceFixture(serviceConfig('ip auth-proxy proxy-listener port 3128\n'), new Auth(), []);
  const proxy = s.service.proxy!;
  assert.equal(await viaProxy(proxy.port, TARGET), 407, 'no credentials');
  assert.equal(await viaProxy(proxy.port, TARGET, 'alice:guess'), 407, 'wrong password');
  assert.equal(await viaProxy(proxy.port, TARGET, 'alice:secret'), 403, 'a login, then the ACL');
  assert.equal(await viaProxy(proxy.port, TARGET, 'alice:secret'), 403, 'remembered, then the ACL');
  assert.equal(await viaProxy(proxy.port, '/', 'alice:secret'), 400, 'not a proxy request');
  await withTempDir(async (dir) => {
    const path = join(dir, 'control.sock');
    const server = await startControlServer(s.fx.ctx, { path, proxy });
    try {
      const out = (await callControl({ path, command: 'show ip auth-proxy statistics' })).output;
      const [engineBlock, proxyBlock] = out.split(/(?=^Explicit Proxy Statistics)/m);
      assert.match(engineBlock!, /^Authentication Proxy Statistics\n cache-entries +\d+\n half-open +\d+\n/);
      assert.equal(proxyBlock, [
        `Explicit Proxy Statistics, port ${proxy.port}`,
        ' requests           5',
        ' tunnels            0',
        ' logins             1',
        ' remembered         1',
        ' challenged         1',
        ' rejected           1',
        ' resent-refused     0',
        ' watch-listed       0',
        ' refused-by-acl     2',
        ' upstream-errors    0',
        ' bad-requests       1',
        ' per-source-refused 0',
        '',
      ].join('\n'));
    } finally {
      await server.close();
    }
  });
});
