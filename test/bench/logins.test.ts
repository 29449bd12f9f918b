/**
 * The logins benchmark's parts: the client reads the login page's form, and logs in against
 * the bare anchor server (same certificate, same local authenticator) from addresses of its
 * own in a topology this test makes and removes (root); a wrong password is refused.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, netnsPrefix, removeStaleTopologies, TOPOLOGY_ADDRESSES } from '../../src/netns/topology.js';
import type { Topology } from '../../src/netns/topology.js';
import { loadConfig } from '../../src/config/parse.js';
import { loadOrCreateCertificate, STATE_CERT_FILE, STATE_KEY_FILE } from '../../src/login/certificate.js';
import { renderLoginPage } from '../../src/login/pages.js';
import { parseLoginForm, runLoginClient } from '../../bench/lib/login-client.js';
import type { LoginForm } from '../../bench/lib/login-client.js';
import { startBareLoginServer } from '../../bench/lib/bare-login-server.js';
import { BENCH_PASSWORD, BENCH_USER, gatewayConfig } from '../../bench/lib/gateway-config.js';

test('parseLoginForm reads the login page\'s action and hidden fields, unescaped', () => {
  const html = renderLoginPage({
    banner: undefined, hostname: 'gw', action: 'https://10.50.1.1/login?a=1&b=2', originalUrl: 'http://s/?q="x"&r=<1>',
  });
  const form = parseLoginForm('10.50.1.10', html);
  assert.equal(form.address, '10.50.1.10');
  assert.equal(form.action, 'https://10.50.1.1/login?a=1&b=2');
  assert.equal(form.fields['ap_orig'], 'http://s/?q="x"&r=<1>');
  assert.throws(() => parseLoginForm('10.50.1.10', '<html>no form</html>'), /no login form/);
});

let topo: Topology;
let dir: string;
const children = new Set<ChildProcess>();
const track = (p: ChildProcess): void => { children.add(p); };
const ADDRESSES = ['10.50.1.10', '10.50.1.11', '10.50.1.12'];

before(() => {
  removeStaleTopologies('bt-login');
  dir = mkdtempSync(join(tmpdir(), 'portcullis-logins-test-'));
  topo = createTopology({ prefix: netnsPrefix('bt-login'), ipv6: false });
  topo.exec('client', ['ip', '-batch', '-'], { input: ADDRESSES.map((a) => `addr add ${a}/24 dev ${TOPOLOGY_ADDRESSES.clientIf}\n`).join('') });
});

after(() => {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  topo.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('the login client logs in from each of its addresses against the bare server; a wrong password gets 401', async () => {
  const configPath = join(dir, 'gateway.cfg');
  const stateDir = join(dir, 'state');
  writeFileSync(configPath, gatewayConfig(10));
  await loadOrCreateCertificate({ config: loadConfig(configPath), stateDir });
  const server = await startBareLoginServer(topo, {
    configPath, certPath: join(stateDir, STATE_CERT_FILE), keyPath: join(stateDir, STATE_KEY_FILE),
    address: TOPOLOGY_ADDRESSES.gatewayInside4, port: 443,
  }, track);
  try {
    const forms: LoginForm[] = ADDRESSES.map((address) => ({ address, action: 'https://10.50.1.1/', fields: { ap_orig: 'http://x/' } }));
    const caPath = join(stateDir, STATE_CERT_FILE);
    const good = await runLoginClient(topo, { mode: 'login', forms, user: BENCH_USER, password: BENCH_PASSWORD, caPath, concurrency: 2 }, track);
    assert.deepEqual(good.failures, []);
    assert.equal(good.ok, 3);
    assert.equal(good.latenciesMs.length, 3);
    assert.ok(good.elapsedMs > 0);
    const bad = await runLoginClient(topo, { mode: 'login', forms, user: BENCH_USER, password: 'wrong', caPath, concurrency: 3 }, track);
    assert.equal(bad.ok, 0);
    assert.equal(bad.failures.length, 3);
    assert.match(bad.failures[0]!, /status 401: .*Authentication Failed/);
  } finally {
    await server.stop();
  }
});
