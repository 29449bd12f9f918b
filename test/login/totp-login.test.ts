/**
 * A local user with a TOTP second factor logs in through the HTTPS login service with the real
 * AAA authenticator (method lists over the local users): the password, then the login page's
 * second step asking for the code; a replayed or wrong code is a failed login counted toward
 * max-login-attempts; `PASSWORD,CODE` in one step; the secret and the password in no output.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { makeContextFixture } from '../gateway/context-fixture.js';
import { startLoginService, type LoginService } from '../../src/login/service.js';
import { createAaaAuthenticator } from '../../src/aaa/methods.js';
import type { MethodListAuthenticator } from '../../src/aaa/methods.js';
import { DEBUG_DETAILED, DEBUG_HTTP } from '../../src/engine/debug.js';
import { VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';
import { renderShowAuthProxyCache } from '../../src/log/show-cache.js';
import { PacketNet } from './packet-net.js';
import { testCertificate } from './tls-fixture.js';
import { PASSWORD, SECRET, SECRET_B32, T0, code } from './totp-fixture.js';
import { serviceConfig } from './service-fixture.js';

const CONFIG = serviceConfig(`aaa new-model
aaa authentication login default local
ip auth-proxy max-login-attempts 2
ip auth-proxy watch-list enable
username tina privilege 15 password 0 ${PASSWORD}
username tina otp totp secret ${SECRET_B32}
`);

const outputs: string[] = [];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

interface Setup {
  fx: ReturnType<typeof makeContextFixture>;
  net: PacketNet;
  service: LoginService;
  auth: MethodListAuthenticator;
  cert: string;
  clock: { unixMs: number };
}

async function setup(): Promise<Setup> {
  const fx = makeContextFixture({ configText: CONFIG, debugFlags: DEBUG_DETAILED | DEBUG_HTTP });
  fx.debugLines.subscribe((l) => outputs.push(l));
  fx.engine.messages = (_t, text) => outputs.push(text);
  const clock = { unixMs: T0 };
  const auth = await createAaaAuthenticator(fx.config, { unixMs: () => clock.unixMs });
  const { cert, key } = testCertificate();
  const service = await startLoginService(fx.ctx, { authenticator: auth, tls: { cert, key }, addresses: ['127.0.0.1'], port: 0 });
  closers.push(() => service.close(), () => auth.close());
  const net = new PacketNet(fx.engine, fx.clock, () => service.app.settle());
  return { fx, net, service, auth, cert, clock };
}

async function interceptedGet(s: Setup, src: string, sport: number): Promise<string> {
  const c = s.net.client(src, sport, '10.2.0.9', 80);
  assert.equal(c.connect(), VERDICT_INTERCEPT);
  c.send('GET /wiki HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
  await s.net.pump();
  outputs.push(c.text);
  return c.text;
}

function post(s: Setup, src: string, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: s.service.port, method: 'POST', path: '/', localAddress: src, ca: s.cert,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        outputs.push(text);
        resolve({ status: res.statusCode!, body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const tokenOf = (page: string): string => /name="ap_token" value="([^"]+)"/.exec(page)![1]!;
const stateOf = (page: string): string => /name="ap_state" value="([^"]+)"/.exec(page)![1]!;
const words = (a: string): Uint32Array => new Uint32Array([0, 0, 0xffff, a.split('.').reduce((v, x) => v * 256 + Number(x), 0) >>> 0]);

test('TOTP through the login page: the password, then "Enter the code from your authenticator app", then the host passes', async () => {
  const s = await setup();
  const e = s.fx.engine;
  const page = await interceptedGet(s, '127.0.0.21', 41001);
  const step = await post(s, '127.0.0.21', { uname: 'tina', pwd: PASSWORD, ap_token: tokenOf(page) });
  assert.equal(step.status, 200);
  assert.match(step.body, /Enter the code from your authenticator app: <input type="password" name="pwd" autocomplete="one-time-code"/);
  assert.match(step.body, /<input type="hidden" name="uname" value="tina">/);
  assert.notEqual(e.cache.state[e.cache.lookup(words('127.0.0.21'))], AP_STATE_HTTP_ESTAB);
  const done = await post(s, '127.0.0.21', { uname: 'tina', pwd: code(T0), ap_state: stateOf(step.body), ap_token: tokenOf(step.body) });
  assert.equal(done.status, 200);
  assert.match(done.body, /Authentication Successful/);
  assert.equal(e.cache.state[e.cache.lookup(words('127.0.0.21'))], AP_STATE_HTTP_ESTAB);
  assert.equal(e.watchList.failuresOf(words('127.0.0.21')), 0);

  // The same code from another host: refused (RFC 6238 §5.2) and counted as a failed login.
  const page2 = await interceptedGet(s, '127.0.0.22', 41010);
  const step2 = await post(s, '127.0.0.22', { uname: 'tina', pwd: PASSWORD, ap_token: tokenOf(page2) });
  const replay = await post(s, '127.0.0.22', { uname: 'tina', pwd: code(T0), ap_state: stateOf(step2.body), ap_token: tokenOf(step2.body) });
  assert.equal(replay.status, 403);
  assert.match(replay.body, /the code is wrong, expired or already used/);
  assert.equal(e.watchList.failuresOf(words('127.0.0.22')), 1);
  // A second wrong code reaches max-login-attempts 2: the host is listed.
  const step3 = await post(s, '127.0.0.22', { uname: 'tina', pwd: PASSWORD, ap_token: tokenOf(replay.body) });
  const wrong = await post(s, '127.0.0.22', { uname: 'tina', pwd: '000000' === code(T0 + 30_000) ? '000001' : '000000',
    ap_state: stateOf(step3.body), ap_token: tokenOf(step3.body) });
  assert.equal(wrong.status, 403);
  assert.match(wrong.body, /watch-list entry expires/);
  assert.equal(e.isWatchListed(words('127.0.0.22'), s.fx.clock.nowMs), true);
});

test('TOTP in one step through the login page: PASSWORD,CODE; the secret and password in no output', async () => {
  const s = await setup();
  s.clock.unixMs = T0 + 90_000;
  const page = await interceptedGet(s, '127.0.0.23', 41020);
  const done = await post(s, '127.0.0.23', { uname: 'tina', pwd: `${PASSWORD},${code(s.clock.unixMs)}`, ap_token: tokenOf(page) });
  assert.equal(done.status, 200);
  assert.match(done.body, /Authentication Successful/);
  outputs.push(renderShowAuthProxyCache(s.fx.engine), JSON.stringify(s.service.stats));
  assert.ok(outputs.length > 10);
  for (const o of outputs) {
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), SECRET_B32, SECRET.toString()]) {
      assert.ok(!o.includes(secret), `secret found in: ${o.slice(0, 200)}`);
    }
  }
});
