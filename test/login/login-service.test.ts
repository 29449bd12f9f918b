/**
 * The HTTPS login service end to end, in process: intercepted connections driven by packets
 * through the engine, the login form posted with a real TLS client to Node's https server on
 * 127.0.0.1, a fake Authenticator. Page, plain-HTTP POST refused, bad token refused, wrong
 * password (AUTHC_FAIL), success (HTTP_ESTAB, the host's packets forwarded), no open redirect,
 * limits, escaping, the authenticator's silence, and the test password nowhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Authenticator, AuthOutcome, AuthRequest } from '../../src/aaa/types.js';
import { VERDICT_DROP, VERDICT_FORWARD, VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { AP_STATE_AUTHC_FAIL, AP_STATE_HTTP_ESTAB, AP_STATE_HTTP_NO_RESP } from '../../src/authproxy/states.js';
import { COUNTER_DROP_WATCH_LIST } from '../../src/engine/counters.js';
import { renderShowAuthProxyCache, renderShowAuthProxyStatistics } from '../../src/log/show-cache.js';
import { renderShowAuthProxyWatchList } from '../../src/log/show-watch-list.js';
import { AUTHENTICATION_FAILED, NOT_AUTHORIZED } from '../../src/aaa/local.js';
import {
  form, httpsGet, httpsPost, interceptedGet, serviceConfig, startServiceFixture, tokenOf, words, type ServiceSetup,
} from './service-fixture.js';

const PASSWORD = 'Tr0ub4dor&3-horse-staple';
const CONFIG = serviceConfig('ip auth-proxy max-login-attempts 2\nip auth-proxy watch-list enable\nip auth-proxy watch-list expiry-time 1\n');

/** Every output the test saw: pages, debug lines, messages. Grepped for the password at the end. */
const outputs: string[] = [];

class FakeAuthenticator implements Authenticator {
  /** User names asked about (never passwords). */
  readonly asked: string[] = [];
  hang = false;
  /** The reject reason user `reason` gets. */
  reason = '';
  async authenticate(req: AuthRequest): Promise<AuthOutcome> {
    this.asked.push(req.user);
    await new Promise<void>((r) => setImmediate(r));
    if (req.user === 'reason') return { kind: 'reject', reason: this.reason };
    if (req.user === 'broken') return { kind: 'error', reason: 'server 192.0.2.10 timed out' };
    if (req.user === 'otp' && req.state === undefined && req.password === PASSWORD) {
      return { kind: 'challenge', state: 'st-1', prompt: 'Enter the code from your token:' };
    }
    if (req.user === 'otp' && req.state === 'st-1' && req.password === '123456') {
      return { kind: 'accept', user: 'otp', privilege: 15, entries: [] };
    }
    if (req.user === 'otp') return { kind: 'reject', reason: 'wrong code' };
    if (req.password !== PASSWORD) return { kind: 'reject', reason: 'wrong user name or password' };
    if (req.user === 'viewer') return { kind: 'accept', user: 'viewer', privilege: 14, entries: [] };
    return { kind: 'accept', user: req.user, privilege: 15, entries: [{ n: 1, text: 'permit tcp any any eq 22' }] };
  }
}

type Setup = ServiceSetup<FakeAuthenticator>;

const setup = (configText = CONFIG): Promise<Setup> => startServiceFixture(configText, new FakeAuthenticator(), outputs);

test('the intercepted page posts over HTTPS to the gateway, with a form token and security headers', async () => {
  const s = await setup();
  const page = await interceptedGet(s, '127.0.0.5', 40001);
  assert.match(page, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(page.includes(`<form method="post" action="https://127.0.0.1:${s.service.port}/">`), page);
  assert.match(page, /name="ap_token" value="[0-9a-z]+\.[A-Za-z0-9_-]{43}"/);
  assert.match(page, /\r\nContent-Security-Policy: default-src 'none'; style-src 'sha256-[^']+'; form-action https:; frame-ancestors 'none'; base-uri 'none'\r\n/);
  assert.match(page, /\r\nX-Frame-Options: DENY\r\n/);
  assert.match(page, /\r\nCache-Control: no-store\r\n/);
  assert.match(page, /\r\nReferrer-Policy: no-referrer\r\n/);
  assert.doesNotMatch(page, /Strict-Transport-Security/, 'no HSTS for someone else\'s host name');
  assert.ok(outputs.some((l) => /AUTH-PROXY: login page sent to 127\.0\.0\.5 port 40001$/.test(l)));
});

test('a credential POST over plain HTTP is refused with a page saying why; nothing is checked', async () => {
  const s = await setup();
  const c = s.net.client('127.0.0.5', 40002, '10.2.0.9', 80);
  c.connect();
  const body = form({ uname: 'alice', pwd: PASSWORD });
  c.send(`POST /login HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await s.net.pump();
  outputs.push(c.text);
  assert.match(c.text, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(c.text, /Credentials Refused/);
  assert.match(c.text, /plain HTTP/);
  assert.equal(s.auth.asked.length, 0, 'the authenticator was not asked');
  assert.equal(s.service.app.stats.postsRefused, 1);
  assert.equal(s.fx.engine.cache.state[s.fx.engine.cache.lookup(words('127.0.0.5'))], 0, 'state unchanged (INIT)');
});

test('a POST without a valid form token is refused (another host\'s token, a forged one, an expired one)', async () => {
  const s = await setup();
  const page = await interceptedGet(s, '127.0.0.5', 40003);
  const token = tokenOf(page);
  const r1 = await httpsPost(s, '127.0.0.6', form({ uname: 'alice', pwd: PASSWORD, ap_token: token }));
  assert.equal(r1.status, 403);
  assert.match(r1.body, /has expired or was not issued to this computer/);
  const r2 = await httpsPost(s, '127.0.0.5', form({ uname: 'alice', pwd: PASSWORD, ap_token: `zzzz.${'A'.repeat(43)}` }));
  assert.equal(r2.status, 403);
  s.fx.clock.nowMs += 15 * 60_000;
  const r3 = await httpsPost(s, '127.0.0.5', form({ uname: 'alice', pwd: PASSWORD, ap_token: token }));
  assert.equal(r3.status, 403);
  assert.equal(s.auth.asked.length, 0);
  assert.equal(s.service.stats.logins.badToken, 3);
  assert.equal(r3.headers['strict-transport-security'], 'max-age=31536000');
  assert.equal(r3.headers['x-frame-options'], 'DENY');
});

test('a wrong password gets the form again with the reason and AUTHC_FAIL; the right one HTTP_ESTAB and the host passes', async () => {
  const s = await setup();
  const e = s.fx.engine;
  const page = await interceptedGet(s, '127.0.0.5', 40004);
  const before = s.fx.kicks();
  const bad = await httpsPost(s, '127.0.0.5', form({ uname: 'alice', pwd: 'nope', ap_token: tokenOf(page), ap_orig: 'http://example.test/wiki/Main' }));
  assert.equal(bad.status, 403);
  assert.match(bad.body, /Authentication failed: wrong user name or password\./);
  assert.match(bad.body, /name="uname" autocomplete="username" maxlength="64" value="alice"/);
  const host = e.cache.lookup(words('127.0.0.5'));
  assert.equal(e.cache.state[host], AP_STATE_AUTHC_FAIL);
  assert.ok(outputs.some((l) => /AUTH-PROXY: AAA response for user "alice" from 127\.0\.0\.5: reject \(wrong user name or password\)$/.test(l)));
  // The state shows in `detailed` on the host's next intercepted packet.
  const probe = s.net.client('127.0.0.5', 40005, '10.2.0.9', 80);
  probe.connect();
  assert.ok(outputs.some((l) => /: clientport 40004 state 4$/.test(l)), 'clientport … state 4');
  const ssh = s.net.client('127.0.0.5', 40006, '10.2.0.9', 22);
  assert.equal(ssh.segment(0x02), VERDICT_DROP, 'ssh blocked before the login');
  const good = await httpsPost(s, '127.0.0.5', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(bad.body), ap_orig: 'http://example.test/wiki/Main' }));
  assert.equal(good.status, 200);
  assert.match(good.body, /<h1>Authentication Successful<\/h1>/);
  assert.match(good.body, /<a href="http:\/\/example\.test\/wiki\/Main">/);
  assert.match(good.body, /<meta http-equiv="refresh" content="2;url=http:\/\/example\.test\/wiki\/Main">/);
  assert.equal(e.cache.state[host], AP_STATE_HTTP_ESTAB);
  assert.equal(e.cache.userOf(host), 'alice');
  assert.ok(s.fx.kicks() > before, 'the gateway was kicked');
  assert.equal(e.watchList.failuresOf(words('127.0.0.5')), 0, 'the success forgot the failure');
  const ssh2 = s.net.client('127.0.0.5', 40007, '10.2.0.9', 22);
  assert.equal(ssh2.segment(0x02), VERDICT_FORWARD, 'the downloaded entry lets ssh through');
  assert.match(renderShowAuthProxyCache(e), / Client IP 127\.0\.0\.5 Port 40004, timeout 60, state HTTP_ESTAB\n/);
  assert.ok(outputs.some((l) => /AUTH-PROXY: AAA response for user "alice" from 127\.0\.0\.5: accept, priv-lvl 15, 1 proxyacl entry$/.test(l)));
});

test('the failure page reads naturally for every reject reason of every authenticator (no "Authentication failed: Authentication failed.")', async () => {
  const s = await setup(CONFIG.replace(/^ip auth-proxy (max-login-attempts|watch-list) .*\n/gm, ''));
  const cases: [string, string][] = [
    // local users (src/aaa/local.ts), also for any method list's accept below priv-lvl 15
    [AUTHENTICATION_FAILED, 'Authentication failed.'],
    [NOT_AUTHORIZED, 'Authentication succeeded, but the user is not authorized.'],
    // the method lists' expired challenge (src/aaa/methods.ts)
    ['the second step of this login has expired: log in again', 'Authentication failed: the second step of this login has expired: log in again.'],
    // RADIUS and TACACS+ defaults, and a server's own Reply-Message / server_msg with its full stop
    ['rejected by the RADIUS server', 'Authentication failed: rejected by the RADIUS server.'],
    ['not authorized by the TACACS+ server', 'Authentication failed: not authorized by the TACACS+ server.'],
    ['Your password has expired.', 'Authentication failed: Your password has expired.'],
    ['authentication failure, try again ', 'Authentication failure, try again.'],
    ['', 'Authentication failed.'],
  ];
  let page = await interceptedGet(s, '127.0.0.15', 40070);
  for (const [reason, shown] of cases) {
    s.auth.reason = reason;
    const r = await httpsPost(s, '127.0.0.15', form({ uname: 'reason', pwd: 'x', ap_token: tokenOf(page) }));
    assert.equal(r.status, 403);
    assert.ok(r.body.includes(`<p class="message">${shown}</p>`), `${JSON.stringify(reason)}: ${/<p class="message">[^<]*<\/p>/.exec(r.body)?.[0]}`);
    assert.doesNotMatch(r.body, /failed: authentication failed|\.\./i);
    page = r.body;
  }
});

test('without ip http secure-server no login service runs, and the intercepted page says logging in is unavailable (no form posting nowhere)', async () => {
  const s = await setup(CONFIG.replace('ip http secure-server\n', ''));
  assert.equal(s.service.port, 0);
  const page = await interceptedGet(s, '127.0.0.16', 40080);
  assert.match(page, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(page, /<h1>Login Unavailable<\/h1>/);
  assert.match(page, /login service is not running/);
  assert.doesNotMatch(page, /<form|https:\/\/127\.0\.0\.1/);
  assert.match(page, /\r\nContent-Security-Policy: default-src 'none'/);
  assert.ok(outputs.some((l) => /AUTH-PROXY: login unavailable page sent to 127\.0\.0\.16 port 40080 \(no ip http secure-server\)$/.test(l)));
});

test('no open redirect: the success page goes only to a URL the client asked for', async () => {
  const s = await setup();
  const page = await interceptedGet(s, '127.0.0.8', 40010, '/asked?q=1', 'news.example');
  const r = await httpsPost(s, '127.0.0.8', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(page), ap_orig: 'https://evil.example/phish' }));
  assert.equal(r.status, 200);
  assert.doesNotMatch(r.body, /evil\.example/);
  assert.match(r.body, /<a href="http:\/\/news\.example\/asked\?q=1">/);
  // A host that asked for nothing gets no link at all.
  const page2 = await httpsGet(s, '127.0.0.9');
  const r2 = await httpsPost(s, '127.0.0.9', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(page2), ap_orig: 'javascript:alert(1)' }));
  assert.equal(r2.status, 200);
  assert.doesNotMatch(r2.body, /<a href|refresh|javascript/);
});

test('oversized and malformed POSTs are refused before anything is checked', async () => {
  const s = await setup();
  const big = await httpsPost(s, '127.0.0.5', `uname=a&pwd=${'x'.repeat(5000)}`);
  assert.equal(big.status, 413);
  const type = await httpsPost(s, '127.0.0.5', '{"uname":"a"}', 'application/json');
  assert.equal(type.status, 415);
  const dup = await httpsPost(s, '127.0.0.5', 'uname=a&uname=b&pwd=c');
  assert.equal(dup.status, 400);
  assert.equal(s.auth.asked.length, 0);
});

test('everything echoed is HTML-escaped; a hostile user name cannot break the page or the debug lines', async () => {
  const s = await setup();
  const page = await interceptedGet(s, '127.0.0.10', 40020, '/"><script>alert(1)</script>');
  assert.doesNotMatch(page, /<script>/);
  const evil = '<script>alert("x")</script>\r\nAUTH-PROXY: forged';
  const r = await httpsPost(s, '127.0.0.10', form({ uname: evil, pwd: 'nope', ap_token: tokenOf(page) }));
  assert.equal(r.status, 403);
  assert.doesNotMatch(r.body, /<script>/);
  assert.match(r.body, /value="&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  assert.ok(!outputs.some((l) => l.startsWith('AUTH-PROXY: forged')), 'no forged debug line');
  assert.ok(outputs.some((l) => l.includes('user "<script>alert(\\x22x\\x22)</script>\\x0d\\x0aAUTH-PROXY: forged"')));
});

test('max-login-attempts failures put the host on the watch list; its connections are dropped until the entry expires', async () => {
  const s = await setup();
  const e = s.fx.engine;
  const page = await interceptedGet(s, '127.0.0.11', 40030);
  const r1 = await httpsPost(s, '127.0.0.11', form({ uname: 'alice', pwd: 'a', ap_token: tokenOf(page) }));
  const r2 = await httpsPost(s, '127.0.0.11', form({ uname: 'alice', pwd: 'b', ap_token: tokenOf(r1.body) }));
  assert.equal(r2.status, 403);
  assert.match(r2.body, /watch-list entry expires/);
  assert.equal(e.isWatchListed(words('127.0.0.11'), s.fx.clock.nowMs), true);
  assert.ok(outputs.some((l) => l.endsWith('AUTH-PROXY OBJ_CREATE: watch-list entry for 127.0.0.11 (MAX_ATTEMPTS)')));
  assert.match(renderShowAuthProxyWatchList(e, s.fx.clock.nowMs), /Client IP 127\.0\.0\.11, type MAX_ATTEMPTS, violations 2, expires in 1 minutes\n/);
  // Even the right password is refused now, without asking AAA.
  const asked = s.auth.asked.length;
  const r3 = await httpsPost(s, '127.0.0.11', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(page) }));
  assert.equal(r3.status, 403);
  assert.equal(s.auth.asked.length, asked);
  const c = s.net.client('127.0.0.11', 40031, '10.2.0.9', 80);
  assert.equal(c.segment(0x02), VERDICT_DROP);
  assert.equal(e.counters[COUNTER_DROP_WATCH_LIST], 1);
  s.fx.clock.nowMs += 60_000;
  e.poll(s.fx.clock.nowMs);
  assert.ok(outputs.some((l) => l.endsWith('AUTH-PROXY OBJ_DELETE: delete watch-list entry for 127.0.0.11 (expired)')));
  const again = s.net.client('127.0.0.11', 40032, '10.2.0.9', 80);
  assert.equal(again.connect(), VERDICT_INTERCEPT);
});

test('an AAA challenge is a second step on the same page: the answer goes back with the challenge\'s state', async () => {
  const s = await setup();
  const page = await interceptedGet(s, '127.0.0.14', 40060);
  const step = await httpsPost(s, '127.0.0.14', form({ uname: 'otp', pwd: PASSWORD, ap_token: tokenOf(page) }));
  assert.equal(step.status, 200);
  assert.match(step.body, /<input type="hidden" name="ap_state" value="st-1">/);
  assert.match(step.body, /<input type="hidden" name="uname" value="otp">/);
  assert.match(step.body, /Enter the code from your token: <input type="password" name="pwd" autocomplete="one-time-code"/);
  const done = await httpsPost(s, '127.0.0.14', form({ uname: 'otp', pwd: '123456', ap_state: 'st-1', ap_token: tokenOf(step.body) }));
  assert.equal(done.status, 200);
  assert.match(done.body, /Authentication Successful/);
  assert.equal(s.fx.engine.cache.state[s.fx.engine.cache.lookup(words('127.0.0.14'))], AP_STATE_HTTP_ESTAB);
});

test('a privilege below 15 is a failed login; an authenticator without an answer is not', async () => {
  const s = await setup();
  const e = s.fx.engine;
  const page = await interceptedGet(s, '127.0.0.12', 40040);
  const low = await httpsPost(s, '127.0.0.12', form({ uname: 'viewer', pwd: PASSWORD, ap_token: tokenOf(page) }));
  assert.equal(low.status, 403);
  assert.match(low.body, /not authorized \(privilege level 14; 15 is required\)/);
  assert.equal(e.watchList.failuresOf(words('127.0.0.12')), 1);
  const none = await httpsPost(s, '127.0.0.12', form({ uname: 'broken', pwd: PASSWORD, ap_token: tokenOf(low.body) }));
  assert.equal(none.status, 503);
  assert.match(none.body, /did not answer/);
  assert.equal(e.cache.state[e.cache.lookup(words('127.0.0.12'))], AP_STATE_HTTP_NO_RESP);
  assert.equal(e.watchList.failuresOf(words('127.0.0.12')), 1, 'not counted');
  assert.equal(e.isWatchListed(words('127.0.0.12'), s.fx.clock.nowMs), false);
});

test('the password appears in no page, debug line, message, show output or retained record', async () => {
  const s = await setup();
  const e = s.fx.engine;
  const page = await interceptedGet(s, '127.0.0.13', 40050);
  await httpsPost(s, '127.0.0.13', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(page) }));
  outputs.push(renderShowAuthProxyCache(e), renderShowAuthProxyStatistics(e), renderShowAuthProxyWatchList(e, 0),
    JSON.stringify(s.service.stats), JSON.stringify(s.service.app.stats));
  assert.ok(outputs.length > 20);
  for (const o of outputs) {
    assert.ok(!o.includes(PASSWORD) && !o.includes(encodeURIComponent(PASSWORD)), `password found in: ${o.slice(0, 200)}`);
  }
});

test('a login closes the host\'s kept-alive intercepted connections, which would answer the page it asked for with the login page again', async () => {
  const s = await setup();
  // A browser's connection: the page asked for, kept alive (no Connection: close), left idle.
  const kept = s.net.client('127.0.0.8', 40020, '10.2.0.9', 80);
  assert.equal(kept.connect(), VERDICT_INTERCEPT);
  kept.send('GET /reports/today.html HTTP/1.1\r\nHost: example.test\r\n\r\n');
  await s.net.pump();
  assert.match(kept.text, /^HTTP\/1\.1 200 /);
  assert.ok(!kept.fin, 'kept alive after the login page');
  // Another host's kept-alive connection stays as it is.
  const other = s.net.client('127.0.0.9', 40021, '10.2.0.9', 80);
  other.connect();
  other.send('GET / HTTP/1.1\r\nHost: example.test\r\n\r\n');
  await s.net.pump();
  const good = await httpsPost(s, '127.0.0.8', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(kept.text),
    ap_orig: 'http://example.test/reports/today.html' }));
  assert.equal(good.status, 200);
  await s.net.pump();
  assert.ok(kept.fin, 'the logged-in host\'s intercepted connection is closed by the proxy');
  assert.ok(!other.fin, 'another host\'s connection is left alone');
});
