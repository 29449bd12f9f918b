/**
 * A local user with TOTP through the explicit proxy (`PASSWORD,CODE` as the Basic password), with
 * the real AAA authenticator: the login, and what a browser does after the session ends — it
 * resends the same credentials with the spent code. Those are answered 407 and never accepted
 * (RFC 6238 §5.2), but they are not failed logins: they count nothing toward
 * max-login-attempts. The same credentials from another host, and a wrong password from this
 * one, still count.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { makeContextFixture } from '../gateway/context-fixture.js';
import { startLoginService, type LoginService } from '../../src/login/service.js';
import { createAaaAuthenticator } from '../../src/aaa/methods.js';
import { DEBUG_DETAILED, DEBUG_HTTP } from '../../src/engine/debug.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';
import { serviceConfig, words } from './service-fixture.js';
import { testCertificate } from './tls-fixture.js';
import { PASSWORD, SECRET_B32, T0, code } from './totp-fixture.js';

const CLIENT = '127.0.0.30';
const OTHER = '127.0.0.31';
/** A destination no ACL permits: 403 once the proxy has let the request's credentials in, 407 before. */
const TARGET = 'http://127.0.0.52:9/';

const CONFIG = serviceConfig(`aaa new-model
aaa authentication login default local
ip auth-proxy max-login-attempts 3
ip auth-proxy watch-list enable
ip auth-proxy proxy-listener port 3128
username tina privilege 15 password 0 ${PASSWORD}
username tina otp totp secret ${SECRET_B32}
`);

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function setup(): Promise<{ fx: ReturnType<typeof makeContextFixture>; service: LoginService; clock: { unixMs: number }; outputs: string[] }> {
  const fx = makeContextFixture({ configText: CONFIG, debugFlags: DEBUG_DETAILED | DEBUG_HTTP });
  const outputs: string[] = [];
  fx.debugLines.subscribe((l) => outputs.push(l));
  fx.engine.messages = (_t, text) => outputs.push(text);
  const clock = { unixMs: T0 };
  const auth = await createAaaAuthenticator(fx.config, { unixMs: () => clock.unixMs });
  const { cert, key } = testCertificate();
  const service = await startLoginService(fx.ctx, { authenticator: auth, tls: { cert, key }, addresses: ['127.0.0.1'], port: 0, proxyPort: 0 });
  closers.push(() => service.close(), () => auth.close());
  return { fx, service, clock, outputs };
}

/** A GET of {@link TARGET} through the proxy from `src` with Basic `user:password`; resolves with the status. */
function viaProxy(service: LoginService, src: string, user: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: service.proxy!.port, path: TARGET, localAddress: src, agent: false,
      headers: { Host: '127.0.0.52:9', 'Proxy-Authorization': `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

test('after a TOTP user\'s proxy session ends, the browser\'s resent credentials (spent code) get 407, are never accepted and count no failure', async () => {
  const { fx, service, clock, outputs } = await setup();
  const e = fx.engine;
  const estab = (a: string): boolean => {
    const slot = e.cache.lookup(words(a));
    return slot >= 0 && e.cache.state[slot] === AP_STATE_HTTP_ESTAB;
  };
  const spent = `${PASSWORD},${code(T0)}`;
  assert.equal(await viaProxy(service, CLIENT, 'tina', spent), 403, 'logged in: the ACL answers');
  assert.ok(estab(CLIENT));
  assert.equal(await viaProxy(service, CLIENT, 'tina', spent), 403, 'remembered while the session lasts');

  // The session ends (`clear ip auth-proxy cache`); the browser goes on sending the same credentials.
  e.clearCache(words(CLIENT), fx.clock.nowMs);
  for (let i = 0; i < 4; i++) {
    assert.equal(await viaProxy(service, CLIENT, 'tina', spent), 407, `resend ${i + 1}`);
    assert.equal(estab(CLIENT), false, 'a spent code is never accepted');
    assert.equal(e.watchList.failuresOf(words(CLIENT)), 0, 'a resend of this host\'s accepted credentials is no failed login');
  }
  assert.equal(e.isWatchListed(words(CLIENT), fx.clock.nowMs), false);
  assert.equal(service.stats.logins.resentRejected, 1, 'AAA asked once: the credentials are spent after its reject');
  assert.equal(service.proxy!.stats.resentRefused, 4);
  assert.match(outputs.join('\n'), /407 sent to 127\.0\.0\.30 port \d+ \(resent credentials of "tina" refused, not counted/);

  // The same credentials from another host are a replay of someone else's: counted.
  assert.equal(await viaProxy(service, OTHER, 'tina', spent), 407);
  assert.equal(e.watchList.failuresOf(words(OTHER)), 1);
  // A wrong password with the spent code from this host: counted.
  assert.equal(await viaProxy(service, CLIENT, 'tina', `wr0ng,${code(T0)}`), 407);
  assert.equal(e.watchList.failuresOf(words(CLIENT)), 1);
  // The right password with another code than the accepted one: counted.
  assert.equal(await viaProxy(service, CLIENT, 'tina', `${PASSWORD},${code(T0) === '000000' ? '000001' : '000000'}`), 407);
  assert.equal(e.watchList.failuresOf(words(CLIENT)), 2);
  // A fresh code logs in again.
  clock.unixMs = T0 + 30_000;
  assert.equal(await viaProxy(service, CLIENT, 'tina', `${PASSWORD},${code(clock.unixMs)}`), 403);
  assert.ok(estab(CLIENT));
  assert.equal(e.watchList.failuresOf(words(CLIENT)), 0);
  for (const o of outputs) assert.ok(!o.includes(PASSWORD), `password in ${o.slice(0, 120)}`);
});
